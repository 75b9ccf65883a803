/*
 * hello: the smallest tour of libgan. It builds the generator of the TensorFlow DCGAN
 * tutorial, initialises it as the DCGAN paper does, prints its summary, draws a batch of
 * latent vectors from the noise stream and runs them through it (untrained, so the images
 * are noise; examples/mnist_gan trains one).
 *   make demo     or     cc hello.c $(pkg-config --cflags --libs libgan)
 */
#include <math.h>
#include <stdio.h>

#include <gan.h>

/* Prints the library's message for a failed call and leaves main through `fail`. */
#define CHECK(call)                                                                  \
    do {                                                                             \
        gan_status status_ = (call);                                                 \
        if (status_ != GAN_OK) {                                                     \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, gan_last_error(),       \
                    gan_status_string(status_));                                     \
            goto fail;                                                               \
        }                                                                            \
    } while (0)

/* Adds a layer to the model, or leaves main through `fail`. */
#define ADD(constructor_call)                                                        \
    do {                                                                             \
        gan_layer *layer_ = NULL;                                                    \
        CHECK(constructor_call);                                                     \
        CHECK(gan_model_add(generator, layer_));                                     \
    } while (0)

enum { LATENT = 100, BATCH = 16 };

int main(void)
{
    gan_model *generator = NULL;
    gan_rng *rng = NULL;
    gan_tensor *z = NULL;
    int exit_code = 1;
    printf("libgan %s\n\n", gan_version_string());

    CHECK(gan_model_new(&generator));
    ADD(gan_layer_dense(&layer_, LATENT, 7 * 7 * 256, 0));
    ADD(gan_layer_batchnorm1d(&layer_, 7 * 7 * 256));
    ADD(gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(gan_layer_reshape(&layer_, 3, (const int64_t[]){256, 7, 7}));
    ADD(gan_layer_conv_transpose2d(&layer_, 256, 128, 5, 1, 2, 0, 0));
    ADD(gan_layer_batchnorm2d(&layer_, 128));
    ADD(gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(gan_layer_conv_transpose2d(&layer_, 128, 64, 5, 2, 2, 1, 0));
    ADD(gan_layer_batchnorm2d(&layer_, 64));
    ADD(gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(gan_layer_conv_transpose2d(&layer_, 64, 1, 5, 2, 2, 1, 0));
    ADD(gan_layer_tanh(&layer_));
    for (int i = 0; i < gan_model_layer_count(generator); i++)
        CHECK(gan_layer_set_init(gan_model_layer(generator, i), GAN_INIT_DCGAN));
    CHECK(gan_model_set_input_shape(generator, 1, (const int64_t[]){LATENT}));

    char summary[4096];
    CHECK(gan_model_summary(generator, summary, sizeof summary, NULL));
    printf("%s\n", summary);

    CHECK(gan_rng_new(&rng, 2026));
    CHECK(gan_model_init_parameters(generator, rng));
    CHECK(gan_tensor_new(&z, 2, (const int64_t[]){BATCH, LATENT}));
    CHECK(gan_rng_fill_normal(rng, GAN_RNG_NOISE, z, 0.0f, 1.0f));

    const gan_tensor *images = NULL;
    CHECK(gan_model_forward(generator, z, &images));
    const float *pixels = gan_tensor_data_const(images);
    int64_t count = gan_tensor_numel(images);
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t i = 0; i < count; i++) {
        sum += pixels[i];
        sum_sq += (double)pixels[i] * pixels[i];
    }
    double mean = sum / (double)count;
    printf("generated %lld images of %lld x %lld x %lld: pixel mean %+.4f, std %.4f\n",
           (long long)gan_tensor_dim(images, 0), (long long)gan_tensor_dim(images, 1),
           (long long)gan_tensor_dim(images, 2), (long long)gan_tensor_dim(images, 3), mean,
           sqrt(sum_sq / (double)count - mean * mean));

    /* The first image as text: an untrained generator draws structured noise. */
    static const char shades[] = " .:-=+*#%@";
    for (int row = 0; row < 28; row++) {
        for (int column = 0; column < 28; column++) {
            float value = pixels[row * 28 + column]; /* in [-1, 1] */
            putchar(shades[(int)((value + 1.0f) * 4.999f)]);
        }
        putchar('\n');
    }
    exit_code = 0;

fail:
    gan_tensor_free(z);
    gan_rng_free(rng);
    gan_model_free(generator);
    return exit_code;
}
