/*
 * Sample quality with the shipped MNIST classifier: the images go through the classifier in
 * batches; gan_classifier_features() collects the "features" layer's output (the input of
 * the last Dense layer) into feature statistics and the class probabilities into a table,
 * from which libgan's eval functions compute the figures.
 */
#define _POSIX_C_SOURCE 200809L

#include "quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EVAL_BATCH = 100, SCORE_SPLITS = 10 };

static const char feature_layer_name[] = "features";

struct mnist_quality {
    gan_model *classifier;
    int feature_layer;
    gan_feature_stats *test_stats, *stats;
    float *probabilities; /* rows of MNIST_CLASSES */
    int64_t probability_rows;
    gan_tensor *batch;    /* EVAL_BATCH images */
    mnist_quality_result test_result;
};

/* Fills `images` (a batch starting at sample `first`) with what is being measured. */
typedef gan_status (*fill_fn)(void *source, int64_t first, gan_tensor *images);

const char *mnist_find_idx(char buffer[MNIST_PATH_SIZE], const char *folder, const char *kind)
{
    /* "train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "train-images.idx3-ubyte" */
    static const char *const separators[] = {"-", "-", "."}, *const suffixes[] = {"", ".gz", ""};
    int dimensions = strstr(kind, "labels") ? 1 : 3;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        struct stat info;
        snprintf(buffer, MNIST_PATH_SIZE, "%s/%s%sidx%d-ubyte%s", folder, kind, separators[i],
                 dimensions, suffixes[i]);
        if (stat(buffer, &info) == 0)
            return buffer;
    }
    return NULL;
}

static int find_layer(gan_model *model, const char *name)
{
    for (int i = 0; i < gan_model_layer_count(model); i++)
        if (strcmp(gan_layer_name(gan_model_layer(model, i)), name) == 0)
            return i;
    return -1;
}

/* The number of features per image: the size of the feature layer's output on one batch. */
static gan_status feature_dimension(mnist_quality *q, int64_t *dimension)
{
    const gan_tensor *output = NULL, *features = NULL;
    gan_status status = gan_tensor_fill(q->batch, 0.0f);
    if (status == GAN_OK)
        status = gan_model_forward(q->classifier, q->batch, &output);
    if (status == GAN_OK)
        status = gan_model_layer_output(q->classifier, q->feature_layer, &features);
    if (status == GAN_OK)
        *dimension = gan_tensor_numel(features) / EVAL_BATCH;
    return status;
}

static gan_status reserve_rows(mnist_quality *q, int64_t rows)
{
    if (rows <= q->probability_rows)
        return GAN_OK;
    float *grown = realloc(q->probabilities, (size_t)rows * MNIST_CLASSES * sizeof(float));
    if (!grown)
        return GAN_ERR_OUT_OF_MEMORY;
    q->probabilities = grown;
    q->probability_rows = rows;
    return GAN_OK;
}

/*
 * Runs `count` images from `fill` through the classifier into `stats` and the probability
 * table, then computes every figure against the test set's statistics.
 */
static gan_status measure(mnist_quality *q, fill_fn fill, void *source, int64_t count,
                          gan_feature_stats *stats, mnist_quality_result *result)
{
    gan_tensor *tail = NULL; /* the last, short batch */
    gan_status status = reserve_rows(q, count);
    if (status == GAN_OK)
        status = gan_feature_stats_reset(stats);
    if (status == GAN_OK && count % EVAL_BATCH != 0)
        status = gan_tensor_new(&tail, 4, (const int64_t[]){count % EVAL_BATCH, 1, 28, 28});
    for (int64_t first = 0; status == GAN_OK && first < count; first += EVAL_BATCH) {
        gan_tensor *images = count - first >= EVAL_BATCH ? q->batch : tail;
        status = fill(source, first, images);
        if (status == GAN_OK)
            status = gan_classifier_features(
                q->classifier, q->feature_layer, images, stats,
                q->probabilities + first * MNIST_CLASSES,
                (size_t)(count - first) * MNIST_CLASSES);
    }
    gan_tensor_free(tail);

    memset(result, 0, sizeof *result);
    result->samples = count;
    if (status == GAN_OK)
        status = gan_frechet_distance(stats, q->test_stats, &result->fid);
    if (status == GAN_OK)
        status = gan_classifier_score(q->probabilities, count, MNIST_CLASSES, SCORE_SPLITS,
                                      &result->score, &result->score_spread);
    if (status == GAN_OK)
        status = gan_class_histogram(q->probabilities, count, MNIST_CLASSES, result->histogram);
    if (status == GAN_OK)
        status = gan_class_coverage(result->histogram, MNIST_CLASSES, &result->classes_present,
                                    &result->kl_uniform);
    return status;
}

static gan_status fill_from_dataset(void *source, int64_t first, gan_tensor *images)
{
    return gan_dataset_copy(source, first, images, NULL);
}

static gan_status measure_idx(mnist_quality *q, const char *path, int64_t count,
                              gan_feature_stats *stats, mnist_quality_result *result)
{
    gan_dataset *dataset = NULL;
    gan_status status = gan_dataset_load_idx(&dataset, path, NULL, GAN_PIXELS_SYMMETRIC);
    if (status == GAN_OK && count > gan_dataset_count(dataset))
        count = gan_dataset_count(dataset);
    if (status == GAN_OK)
        status = measure(q, fill_from_dataset, dataset, count, stats, result);
    gan_dataset_free(dataset);
    return status;
}

gan_status mnist_quality_open(mnist_quality **out, const char *classifier_path,
                              const char *data_folder, char *error, size_t error_size)
{
    char path[MNIST_PATH_SIZE];
    int64_t dimension = 0;
    mnist_quality *q = calloc(1, sizeof *q);
    *out = NULL;
    snprintf(error, error_size, "%s", "");
    if (!q)
        return GAN_ERR_OUT_OF_MEMORY;
    gan_status status = gan_model_load(&q->classifier, classifier_path);
    if (status == GAN_OK)
        status = gan_model_set_training(q->classifier, 0);
    if (status == GAN_OK && (q->feature_layer = find_layer(q->classifier, feature_layer_name)) < 0) {
        snprintf(error, error_size, "%s has no layer named \"%s\"", classifier_path,
                 feature_layer_name);
        status = GAN_ERR_NOT_FOUND;
    }
    if (status == GAN_OK && !mnist_find_idx(path, data_folder, "t10k-images")) {
        snprintf(error, error_size, "no t10k-images-idx3-ubyte[.gz] in %s (scripts/fetch-mnist.sh "
                 "downloads MNIST)", data_folder);
        status = GAN_ERR_NOT_FOUND;
    }
    if (status == GAN_OK)
        status = gan_tensor_new(&q->batch, 4, (const int64_t[]){EVAL_BATCH, 1, 28, 28});
    if (status == GAN_OK)
        status = feature_dimension(q, &dimension);
    if (status == GAN_OK)
        status = gan_feature_stats_new(&q->test_stats, dimension);
    if (status == GAN_OK)
        status = gan_feature_stats_new(&q->stats, dimension);
    if (status == GAN_OK)
        status = measure_idx(q, path, INT64_MAX, q->test_stats, &q->test_result);
    if (status != GAN_OK) {
        mnist_quality_free(q);
        return status;
    }
    *out = q;
    return GAN_OK;
}

void mnist_quality_free(mnist_quality *q)
{
    if (!q)
        return;
    gan_model_free(q->classifier);
    gan_feature_stats_free(q->test_stats);
    gan_feature_stats_free(q->stats);
    gan_tensor_free(q->batch);
    free(q->probabilities);
    free(q);
}

const mnist_quality_result *mnist_quality_test_set(const mnist_quality *q)
{
    return &q->test_result;
}

/* Draws a generator's samples from the evaluation's own random generator. */
typedef struct generator_source {
    gan_generator *generator;
    gan_rng *rng;
} generator_source;

static gan_status fill_from_generator(void *source, int64_t first, gan_tensor *images)
{
    generator_source *g = source;
    (void)first; /* the samples come in order from the noise stream */
    return gan_generator_sample(g->generator, g->rng, images);
}

gan_status mnist_quality_of_generator(mnist_quality *q, gan_generator *generator, int64_t count,
                                      uint64_t seed, mnist_quality_result *result)
{
    gan_model *model = gan_generator_model(generator);
    int was_training = gan_model_is_training(model);
    generator_source source = {generator, NULL};
    gan_status status = gan_rng_new(&source.rng, seed);
    if (status == GAN_OK)
        status = gan_model_set_training(model, 0);
    if (status == GAN_OK)
        status = measure(q, fill_from_generator, &source, count, q->stats, result);
    if (was_training == 1)
        gan_model_set_training(model, 1);
    gan_rng_free(source.rng);
    return status;
}

gan_status mnist_quality_of_idx(mnist_quality *q, const char *images_path, int64_t count,
                                mnist_quality_result *result)
{
    return measure_idx(q, images_path, count, q->stats, result);
}
