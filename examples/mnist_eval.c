/*
 * mnist_eval: how good a trained MNIST generator is, in numbers.
 *   mnist_eval GENERATOR.safetensors [--samples N] [--seed N] [--classifier FILE]
 *              [--data DIR] [--threads N] [--json]
 * Draws N samples (default 10 000) and reports, with the shipped classifier:
 *   - classifier FID: the Fréchet distance between the classifier's penultimate features of
 *     the samples and of the 10 000 MNIST test images (lower is better);
 *   - the real-data floor: the same distance for 10 000 training images, for scale;
 *   - the classifier score (Inception Score with this classifier, 10 splits; up to 10);
 *   - the digits covered and the KL divergence of their histogram to uniform.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan.h>

#include "mnist/quality.h"

typedef struct options {
    const char *generator, *classifier, *data;
    int64_t samples;
    uint64_t seed;
    int threads, json;
} options;

static int usage(void)
{
    printf("usage: mnist_eval GENERATOR.safetensors [options]\n"
            "Measures a trained MNIST generator with the shipped classifier.\n\n"
            "  --samples N        samples to draw (default 10000, at least 10)\n"
            "  --seed N           seed of the latent vectors (default 1)\n"
            "  --classifier FILE  the classifier (default " MNIST_DEFAULT_CLASSIFIER ")\n"
            "  --data DIR         the MNIST IDX folder (default build/data/mnist)\n"
            "  --threads N        threads for libgan and BLAS (default: BLAS's choice)\n"
            "  --json             one JSON object instead of text\n"
            "  --help             this text\n");
    return 0;
}

static int parse_count(const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return 0;
    *out = value;
    return 1;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, options *opt)
{
    *opt = (options){.classifier = MNIST_DEFAULT_CLASSIFIER, .data = "build/data/mnist",
                     .samples = 10000, .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int64_t value = 0;
        int has_value = i + 1 < argc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return usage();
        if (strcmp(arg, "--json") == 0) {
            opt->json = 1;
        } else if (strcmp(arg, "--classifier") == 0 && has_value) {
            opt->classifier = argv[++i];
        } else if (strcmp(arg, "--data") == 0 && has_value) {
            opt->data = argv[++i];
        } else if (strcmp(arg, "--samples") == 0 && has_value &&
                   parse_count(argv[i + 1], 10, 10000000, &value)) {
            opt->samples = value;
            i++;
        } else if (strcmp(arg, "--seed") == 0 && has_value &&
                   parse_count(argv[i + 1], 0, INT64_MAX, &value)) {
            opt->seed = (uint64_t)value;
            i++;
        } else if (strcmp(arg, "--threads") == 0 && has_value &&
                   parse_count(argv[i + 1], 1, 1024, &value)) {
            opt->threads = (int)value;
            i++;
        } else if (arg[0] != '-' && !opt->generator) {
            opt->generator = arg;
        } else {
            fprintf(stderr, "mnist_eval: '%s'%s is not understood (try --help)\n", arg,
                    arg[0] == '-' && has_value ? " or its value" : "");
            return 2;
        }
    }
    if (!opt->generator) {
        fprintf(stderr, "mnist_eval: which generator? Name a generator.safetensors file "
                        "(try --help)\n");
        return 2;
    }
    return -1;
}

/* A JSON string: the characters JSON requires escaped are. */
static void print_json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

static void print_json_result(const char *key, const mnist_quality_result *r, int with_fid)
{
    printf("  \"%s\": {\"samples\": %" PRId64, key, r->samples);
    if (with_fid)
        printf(", \"fid\": %.6g", r->fid);
    printf(", \"score\": %.6g, \"score_spread\": %.6g, \"classes_present\": %" PRId64
           ", \"kl_uniform\": %.6g, \"histogram\": [",
           r->score, r->score_spread, r->classes_present, r->kl_uniform);
    for (int c = 0; c < MNIST_CLASSES; c++)
        printf("%s%" PRId64, c ? ", " : "", r->histogram[c]);
    printf("]}");
}

static void print_json(const options *opt, const mnist_quality_result *samples,
                       const mnist_quality_result *floor, const mnist_quality_result *test)
{
    printf("{\n  \"generator\": ");
    print_json_string(opt->generator);
    printf(",\n  \"classifier\": ");
    print_json_string(opt->classifier);
    printf(",\n  \"seed\": %" PRIu64 ",\n", opt->seed);
    print_json_result("samples", samples, 1);
    printf(",\n");
    print_json_result("train_floor", floor, 1);
    printf(",\n");
    print_json_result("test_set", test, 0);
    printf("\n}\n");
}

static void print_text(const options *opt, const mnist_quality_result *samples,
                       const mnist_quality_result *floor, const mnist_quality_result *test)
{
    printf("generator         %s (%" PRId64 " samples, seed %" PRIu64 ")\n", opt->generator,
           samples->samples, opt->seed);
    printf("classifier FID    %.3f   (real-data floor, %" PRId64 " training images: %.3f)\n",
           samples->fid, floor->samples, floor->fid);
    printf("classifier score  %.3f ± %.3f   (test images: %.3f ± %.3f)\n", samples->score,
           samples->score_spread, test->score, test->score_spread);
    printf("digits covered    %" PRId64 " of %d, KL to uniform %.4f   (test images: %.4f)\n",
           samples->classes_present, MNIST_CLASSES, samples->kl_uniform, test->kl_uniform);
    printf("histogram        ");
    for (int c = 0; c < MNIST_CLASSES; c++)
        printf(" %d:%" PRId64, c, samples->histogram[c]);
    printf("\n");
}

int main(int argc, char **argv)
{
    options opt;
    int parsed = parse_options(argc, argv, &opt);
    if (parsed >= 0)
        return parsed;

    char message[512], train_path[MNIST_PATH_SIZE];
    const char *failed = NULL;
    mnist_quality *quality = NULL;
    gan_model *model = NULL;
    gan_generator *generator = NULL;
    mnist_quality_result samples, floor;
    int64_t latent[GAN_TENSOR_MAX_RANK];
    int rank = 0;
    gan_status status = GAN_OK;
    if (opt.threads > 0 && (status = gan_set_num_threads(opt.threads)) != GAN_OK)
        failed = "threads";
    if (status == GAN_OK && (status = gan_model_load(&model, opt.generator)) != GAN_OK)
        failed = opt.generator;
    if (status == GAN_OK &&
        (status = gan_model_input_shape(model, &rank, latent, GAN_TENSOR_MAX_RANK)) != GAN_OK)
        failed = opt.generator;
    if (status == GAN_OK && (status = gan_generator_new(&generator, model, latent[0],
                                                        GAN_LATENT_NORMAL)) != GAN_OK)
        failed = opt.generator;
    if (status == GAN_OK && (status = mnist_quality_open(&quality, opt.classifier, opt.data,
                                                         message, sizeof message)) != GAN_OK)
        failed = message[0] ? NULL : opt.classifier;
    if (status == GAN_OK && (status = mnist_quality_of_generator(quality, generator, opt.samples,
                                                                 opt.seed, &samples)) != GAN_OK)
        failed = "the samples";
    if (status == GAN_OK && !mnist_find_idx(train_path, opt.data, "train-images")) {
        snprintf(message, sizeof message, "no train-images-idx3-ubyte[.gz] in %s", opt.data);
        status = GAN_ERR_NOT_FOUND;
    }
    if (status == GAN_OK &&
        (status = mnist_quality_of_idx(quality, train_path, 10000, &floor)) != GAN_OK)
        failed = train_path;

    if (status == GAN_OK) {
        if (opt.json)
            print_json(&opt, &samples, &floor, mnist_quality_test_set(quality));
        else
            print_text(&opt, &samples, &floor, mnist_quality_test_set(quality));
    } else if (failed) {
        fprintf(stderr, "mnist_eval: %s: %s\n", failed, gan_last_error());
    } else {
        fprintf(stderr, "mnist_eval: %s\n", message);
    }
    mnist_quality_free(quality);
    gan_generator_free(generator);
    gan_model_free(model);
    return status == GAN_OK ? 0 : 1;
}
