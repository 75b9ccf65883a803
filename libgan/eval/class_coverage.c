/*
 * Which classes samples fall into: the histogram of each row's most probable class (ties
 * to the lower index), and how far a histogram is from uniform, KL(h || uniform).
 */
#include <math.h>
#include <string.h>

#include "core/checked_math.h"
#include "core/error.h"
#include "gan/eval.h"

/* The index of the row's largest value, the lowest one on a tie. */
static int64_t most_probable(const float *row, int64_t classes)
{
    int64_t best = 0;
    for (int64_t j = 1; j < classes; j++)
        if (row[j] > row[best])
            best = j;
    return best;
}

gan_status gan_class_histogram(const float *probabilities, int64_t count, int64_t classes,
                               int64_t *histogram)
{
    if (!probabilities)
        return gan__null(__func__, "probabilities");
    if (!histogram)
        return gan__null(__func__, "histogram");
    int64_t values;
    if (count < 0 || classes < 1 || !gan__mul_i64(count, classes, &values))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: count %lld, classes %lld; it needs "
                         "count >= 0 and classes >= 1", __func__, (long long)count,
                         (long long)classes);
    for (int64_t k = 0; k < values; k++)
        if (!isfinite(probabilities[k]))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: value %lld of row %lld is %g",
                             __func__, (long long)(k % classes), (long long)(k / classes),
                             (double)probabilities[k]);
    memset(histogram, 0, (size_t)classes * sizeof *histogram);
    for (int64_t i = 0; i < count; i++)
        histogram[most_probable(probabilities + i * classes, classes)]++;
    return GAN_OK;
}

gan_status gan_class_coverage(const int64_t *histogram, int64_t classes, int64_t *present,
                              double *kl_uniform)
{
    if (!histogram)
        return gan__null(__func__, "histogram");
    if (classes < 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: classes %lld; it needs at least 1",
                         __func__, (long long)classes);
    double total = 0.0;
    int64_t nonzero = 0;
    for (int64_t j = 0; j < classes; j++) {
        if (histogram[j] < 0)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: class %lld has count %lld",
                             __func__, (long long)j, (long long)histogram[j]);
        total += (double)histogram[j];
        nonzero += histogram[j] > 0;
    }
    if (total == 0.0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: all %lld counts are 0", __func__,
                         (long long)classes);
    /* sum h_j log(classes h_j), h_j = count_j / total; classes * count_j / total is formed
     * with one rounding, so a balanced histogram gives log 1 = 0 exactly. */
    double kl = 0.0;
    for (int64_t j = 0; j < classes; j++)
        if (histogram[j] > 0)
            kl += (double)histogram[j] / total *
                  log((double)classes * (double)histogram[j] / total);
    if (present)
        *present = nonzero;
    if (kl_uniform)
        *kl_uniform = kl > 0.0 ? kl : 0.0; /* rounding must not make it negative */
    return GAN_OK;
}
