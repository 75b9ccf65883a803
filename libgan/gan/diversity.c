/* The mean pairwise distance of a batch (gan/diversity.h). */
#include <math.h>

#include "gan/diversity.h"
#include "kernels/gemm.h"

double gan__batch_diversity(const float *samples, int64_t batch, int64_t features, float *gram)
{
    const int64_t n = batch < GAN__DIVERSITY_SAMPLES ? batch : GAN__DIVERSITY_SAMPLES;
    if (n < 2)
        return 0.0;
    /* gram = S S^T over the first n samples. */
    gan__sgemm(false, true, n, n, features, 1.0f, samples, features, samples, features, 0.0f,
               gram, n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double squared = (double)gram[i * n + i] + (double)gram[j * n + j] -
                             2.0 * (double)gram[i * n + j];
            sum += sqrt(squared > 0.0 ? squared : 0.0);
        }
    return sum / (double)(n * (n - 1) / 2);
}
