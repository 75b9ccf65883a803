/*
 * generate: loads a trained generator and draws samples from it, the way a program that
 * ships a generator would.
 *   generate GENERATOR.safetensors [--count N] [--seed N] [--raw] [--out FILE]
 * writes N samples (default 64) as a PNG grid, or with --raw as little-endian float32
 * values [N, C, H, W] in [-1, 1]. The same seed gives the same samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan.h>

#define CHECK(call)                                                          \
    do {                                                                     \
        if ((call) != GAN_OK) {                                              \
            fprintf(stderr, "generate: %s: %s\n", #call, gan_last_error()); \
            goto done;                                                       \
        }                                                                    \
    } while (0)

static int usage(void)
{
    fprintf(stderr, "usage: generate GENERATOR.safetensors [--count N] [--seed N] "
                    "[--raw] [--out FILE]\n");
    return 2;
}

/* The values as little-endian float32, whatever this machine's byte order. */
static int write_raw(const char *path, const gan_tensor *samples)
{
    FILE *file = fopen(path, "wb");
    if (!file)
        return 0;
    const float *values = gan_tensor_data_const(samples);
    int ok = 1;
    for (int64_t i = 0; ok && i < gan_tensor_numel(samples); i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], sizeof bits);
        unsigned char bytes[4] = {bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >> 24};
        ok = fwrite(bytes, 1, 4, file) == 4;
    }
    return fclose(file) == 0 && ok;
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *out = NULL;
    long long count = 64, seed = 1;
    int raw = 0, exit_code = 1;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--raw") == 0)
            raw = 1;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = strtoll(argv[++i], &end, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoll(argv[++i], &end, 10);
        else if (argv[i][0] != '-' && !model_path)
            model_path = argv[i];
        else
            return usage();
        if ((end && *end != '\0') || count < 1 || count > 100000 || seed < 0)
            return usage();
    }
    if (!model_path)
        return usage();
    if (!out)
        out = raw ? "samples.f32" : "samples.png";

    gan_model *model = NULL;
    gan_generator *generator = NULL;
    gan_rng *rng = NULL;
    gan_tensor *samples = NULL;
    int64_t shape[GAN_TENSOR_MAX_RANK] = {count}, latent[GAN_TENSOR_MAX_RANK];
    int rank = 0;
    CHECK(gan_model_load(&model, model_path));
    CHECK(gan_model_set_training(model, 0)); /* BatchNorm uses its running statistics */
    CHECK(gan_model_input_shape(model, &rank, latent, GAN_TENSOR_MAX_RANK)); /* [latent size] */
    CHECK(gan_generator_new(&generator, model, latent[0], GAN_LATENT_NORMAL));
    CHECK(gan_model_output_shape(model, &rank, shape + 1, GAN_TENSOR_MAX_RANK - 1));
    CHECK(gan_tensor_new(&samples, rank + 1, shape));
    CHECK(gan_rng_new(&rng, (uint64_t)seed));
    CHECK(gan_generator_sample(generator, rng, samples));
    if (raw) {
        if (!write_raw(out, samples)) {
            perror(out);
            goto done;
        }
    } else {
        CHECK(gan_image_write_png_grid(out, samples, 0, -1.0f, 1.0f));
    }
    printf("generate: %lld samples written to %s\n", count, out);
    exit_code = 0;
done:
    gan_tensor_free(samples);
    gan_rng_free(rng);
    gan_generator_free(generator);
    gan_model_free(model);
    return exit_code;
}
