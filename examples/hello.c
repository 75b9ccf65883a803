/*
 * hello: the smallest program that uses libgan. It draws a batch of latent vectors from
 * the noise stream, as a generator's input would be, and shows their distribution.
 *   make demo     or     cc hello.c $(pkg-config --cflags --libs libgan)
 */
#include <math.h>
#include <stdio.h>

#include <gan.h>

/* Prints the library's message for a failed call and returns 1 from main. */
#define CHECK(call)                                                                  \
    do {                                                                             \
        gan_status status_ = (call);                                                 \
        if (status_ != GAN_OK) {                                                     \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, gan_last_error(),       \
                    gan_status_string(status_));                                     \
            return 1;                                                                \
        }                                                                            \
    } while (0)

int main(void)
{
    enum { BATCH = 256, LATENT = 100, BINS = 13 };
    printf("libgan %s\n", gan_version_string());

    gan_rng *rng = NULL;
    gan_tensor *z = NULL;
    CHECK(gan_rng_new(&rng, 2026));
    CHECK(gan_tensor_new(&z, 2, (const int64_t[]){BATCH, LATENT}));
    CHECK(gan_rng_fill_normal(rng, GAN_RNG_NOISE, z, 0.0f, 1.0f));

    const float *values = gan_tensor_data(z);
    int64_t count = gan_tensor_numel(z);
    double sum = 0.0, sum_sq = 0.0;
    int histogram[BINS] = {0};
    for (int64_t i = 0; i < count; i++) {
        sum += values[i];
        sum_sq += (double)values[i] * values[i];
        int bin = (int)floor((values[i] + 3.25) / 0.5);
        if (bin >= 0 && bin < BINS)
            histogram[bin]++;
    }
    double mean = sum / (double)count;
    printf("z: %lld x %lld latent vectors, mean %+.4f, std %.4f\n",
           (long long)gan_tensor_dim(z, 0), (long long)gan_tensor_dim(z, 1), mean,
           sqrt(sum_sq / (double)count - mean * mean));
    for (int b = 0; b < BINS; b++) {
        printf("%+5.1f | ", -3.0 + 0.5 * b);
        for (int star = 0; star < histogram[b] / 100; star++)
            putchar('#');
        printf(" %d\n", histogram[b]);
    }

    gan_tensor_free(z);
    gan_rng_free(rng);
    return 0;
}
