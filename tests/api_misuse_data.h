/*
 * Misuse cases of data sets, PNG grids and the evaluation functions.
 */
#ifndef GAN_TEST_API_MISUSE_DATA_H
#define GAN_TEST_API_MISUSE_DATA_H

#include "api_misuse_support.h"

/* ---- data sets ---- */

static void gan_dataset_load_idx_misuse(fixture *f)
{
    (void)f;
    gan_dataset *d;
    const char *labels_only = temp_path("short-labels.idx");
    write_test_set(temp_path("short-images.idx"), labels_only, 0, DATASET_COUNT - 1, 2, 2);
    misuse(gan_dataset_load_idx(NULL, images_file, labels_file, GAN_PIXELS_UNIT),
           GAN_ERR_INVALID_ARGUMENT);
    misuse_new(d, gan_dataset_load_idx(&d, NULL, labels_file, GAN_PIXELS_UNIT),
               GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_new(d, gan_dataset_load_idx(&d, images_file, labels_file,
                                           (gan_pixel_range)bad_enum(i, GAN_PIXELS_UNIT)),
                   GAN_ERR_INVALID_ARGUMENT);
    misuse_new(d, gan_dataset_load_idx(&d, temp_path("missing.idx"), NULL, GAN_PIXELS_UNIT),
               GAN_ERR_IO);
    misuse_new(d, gan_dataset_load_idx(&d, images_file, temp_path("missing.idx"),
                                       GAN_PIXELS_UNIT), GAN_ERR_IO);
    misuse_new(d, gan_dataset_load_idx(&d, temp_dir, NULL, GAN_PIXELS_UNIT), GAN_ERR_IO);
    /* Labels as images, images as labels, and labels of another count. */
    misuse_new(d, gan_dataset_load_idx(&d, labels_file, NULL, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
    misuse_new(d, gan_dataset_load_idx(&d, images_file, images_file, GAN_PIXELS_UNIT),
               GAN_ERR_FORMAT);
    misuse_new(d, gan_dataset_load_idx(&d, images_file, labels_only, GAN_PIXELS_UNIT),
               GAN_ERR_FORMAT);
    /* IDX of floats (type 0x0D): libgan reads unsigned bytes only. */
    const char *floats = temp_path("floats.idx");
    const float pixels[4] = {0.5f, 0.25f, 1, 0};
    write_idx(floats, 0, 0x00000D03, 3, (const uint32_t[]){1, 2, 2},
              (const unsigned char *)pixels, sizeof pixels);
    misuse_new(d, gan_dataset_load_idx(&d, floats, NULL, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
}

NULL_CASE_NO_OP(gan_dataset_free)
NULL_CASE_VALUE(gan_dataset_count, -1)
NULL_CASE_VALUE(gan_dataset_has_labels, -1)

static void gan_dataset_sample_shape_misuse(fixture *f)
{
    int rank = -9;
    int64_t shape[3] = {-9, -9, -9};
    misuse(gan_dataset_sample_shape(NULL, &rank, shape, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_sample_shape(f->dataset, NULL, shape, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_sample_shape(f->dataset, &rank, NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_sample_shape(f->dataset, &rank, shape, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(shape[0], -9);
}

/* The i-th value that is not a data set option. */
#define BAD_DATASET_OPTION(i) ((gan_dataset_option)bad_enum((i), GAN_DATASET_DROP_LAST))

static void gan_dataset_set_int_misuse(fixture *f)
{
    misuse(gan_dataset_set_int(NULL, GAN_DATASET_DROP_LAST, 1), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_dataset_set_int(f->dataset, BAD_DATASET_OPTION(i), 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_set_int(f->dataset, GAN_DATASET_DROP_LAST, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_set_int(f->dataset, GAN_DATASET_DROP_LAST, -1), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_dataset_get_int_misuse(fixture *f)
{
    int64_t value = 0;
    misuse(gan_dataset_get_int(NULL, GAN_DATASET_DROP_LAST, &value), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_get_int(f->dataset, GAN_DATASET_DROP_LAST, NULL), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_dataset_get_int(f->dataset, BAD_DATASET_OPTION(i), &value),
               GAN_ERR_INVALID_ARGUMENT);
}

/* The fixture's images without their labels. */
static gan_dataset *unlabelled_dataset(void)
{
    gan_dataset *dataset = NULL;
    assert_status(gan_dataset_load_idx(&dataset, images_file, NULL, GAN_PIXELS_SYMMETRIC), GAN_OK);
    return dataset;
}

/* Image batches for the data set: [n, 1, side, side], or another shape. */
#define images_of(n) new_tensor(4, (n), 1, DATASET_SIDE, DATASET_SIDE)

static void gan_dataset_next_batch_misuse(fixture *f)
{
    gan_dataset *d = f->dataset;
    gan_rng *rng = f->game.rng;
    gan_tensor *images = images_of(3), *labels = new_tensor(1, 3);
    gan_tensor *wide = new_tensor(4, 3, 1, DATASET_SIDE, DATASET_SIDE + 1);
    gan_tensor *flat = new_tensor(2, 3, DATASET_SIDE * DATASET_SIDE);
    gan_tensor *empty = images_of(0), *too_many = images_of(DATASET_COUNT + 1);
    gan_tensor *long_labels = new_tensor(1, 4), *label_grid = new_tensor(2, 3, 2);
    int64_t count = 0;
    misuse(gan_dataset_next_batch(NULL, rng, images, labels, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_next_batch(d, NULL, images, labels, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_next_batch(d, rng, NULL, labels, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_next_batch(d, rng, images, labels, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_next_batch(d, rng, wide, labels, &count), GAN_ERR_SHAPE);
    misuse(gan_dataset_next_batch(d, rng, flat, labels, &count), GAN_ERR_SHAPE);
    misuse(gan_dataset_next_batch(d, rng, empty, NULL, &count), GAN_ERR_SHAPE);
    misuse(gan_dataset_next_batch(d, rng, images, long_labels, &count), GAN_ERR_SHAPE);
    misuse(gan_dataset_next_batch(d, rng, images, label_grid, &count), GAN_ERR_SHAPE);
    gan_dataset *unlabelled = unlabelled_dataset();
    misuse(gan_dataset_next_batch(unlabelled, rng, images, labels, &count),
           GAN_ERR_INVALID_ARGUMENT);
    gan_dataset_free(unlabelled);
    assert_status(gan_dataset_set_int(d, GAN_DATASET_DROP_LAST, 1), GAN_OK);
    misuse(gan_dataset_next_batch(d, rng, too_many, NULL, &count), GAN_ERR_SHAPE);
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(d, &epoch, &index), GAN_OK);
    assert_int_equal(epoch, 0);
    assert_int_equal(index, 0);
    free_tensors(images, labels, wide, flat, empty, too_many, long_labels, label_grid);
}

static void gan_dataset_position_misuse(fixture *f)
{
    int64_t epoch = 0, index = 0;
    misuse(gan_dataset_position(NULL, &epoch, &index), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_position(f->dataset, NULL, &index), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_position(f->dataset, &epoch, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_dataset_set_shard_misuse(fixture *f)
{
    const int64_t bad[][2] = {{0, 0}, {1, 1}, {-1, 2}, {2, 2}, {0, 65537}, {0, INT64_MIN},
                              {INT64_MAX, INT64_MAX}};
    misuse(gan_dataset_set_shard(NULL, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_says(gan_dataset_set_shard(f->dataset, bad[i][0], bad[i][1]),
                    GAN_ERR_INVALID_ARGUMENT, "rank");
    int64_t rank = -1, world = -1;
    assert_status(gan_dataset_shard(f->dataset, &rank, &world), GAN_OK);
    assert_true(rank == 0 && world == 1);
}

static void gan_dataset_shard_misuse(fixture *f)
{
    int64_t rank = 0, world = 0;
    misuse(gan_dataset_shard(NULL, &rank, &world), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_shard(f->dataset, NULL, &world), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_shard(f->dataset, &rank, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_dataset_copy_misuse(fixture *f)
{
    gan_dataset *d = f->dataset;
    gan_tensor *images = images_of(2), *labels = new_tensor(2, 2, 1), *three = new_tensor(1, 3);
    misuse(gan_dataset_copy(NULL, 0, images, labels), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_dataset_copy(d, 0, NULL, labels), GAN_ERR_INVALID_ARGUMENT);
    const int64_t bad_first[] = {-1, DATASET_COUNT - 1, DATASET_COUNT, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad_first / sizeof bad_first[0]; i++)
        misuse(gan_dataset_copy(d, bad_first[i], images, labels), GAN_ERR_SHAPE);
    misuse(gan_dataset_copy(d, 0, images, three), GAN_ERR_SHAPE);
    misuse(gan_dataset_copy(d, 0, f->tensor, NULL), GAN_ERR_SHAPE);
    gan_dataset *unlabelled = unlabelled_dataset();
    misuse(gan_dataset_copy(unlabelled, 0, images, labels), GAN_ERR_INVALID_ARGUMENT);
    gan_dataset_free(unlabelled);
    free_tensors(images, labels, three);
}

/* ---- PNG grids ---- */

static void gan_image_write_png_grid_misuse(fixture *f)
{
    const char *path = temp_path("grid.png");
    gan_tensor *images = images_of(2), *two_channels = new_tensor(4, 2, 2, 3, 3);
    gan_tensor *none = images_of(0);
    misuse(gan_image_write_png_grid(NULL, images, 0, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_image_write_png_grid(path, NULL, 0, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_image_write_png_grid(path, f->tensor, 0, -1, 1), GAN_ERR_SHAPE);
    misuse(gan_image_write_png_grid(path, two_channels, 0, -1, 1), GAN_ERR_SHAPE);
    misuse(gan_image_write_png_grid(path, none, 0, -1, 1), GAN_ERR_SHAPE);
    misuse(gan_image_write_png_grid(path, images, -1, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    const float bad_range[][2] = {{1, 1}, {1, -1}, {NAN, 1}, {0, INFINITY}};
    for (size_t i = 0; i < sizeof bad_range / sizeof bad_range[0]; i++)
        misuse(gan_image_write_png_grid(path, images, 0, bad_range[i][0], bad_range[i][1]),
               GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_image_write_png_grid("", images, 0, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_image_write_png_grid(temp_path("no/such/grid.png"), images, 0, -1, 1), GAN_ERR_IO);
    misuse(gan_image_write_png_grid(temp_dir, images, 0, -1, 1), GAN_ERR_IO);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(count_temporaries(temp_dir), 0);
    free_tensors(images, two_channels, none);
}

/* ---- evaluation ---- */

static void gan_feature_stats_new_misuse(fixture *f)
{
    (void)f;
    gan_feature_stats *s;
    misuse(gan_feature_stats_new(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    const int64_t bad[] = {0, -1, 16385, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_new(s, gan_feature_stats_new(&s, bad[i]), GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_NO_OP(gan_feature_stats_free)

/* Statistics of dimension 2 holding `count` vectors (1, 2), (2, 1), (1, 2), ... */
static gan_feature_stats *stats_of(int64_t count)
{
    gan_feature_stats *stats = NULL;
    assert_status(gan_feature_stats_new(&stats, 2), GAN_OK);
    for (int64_t i = 0; i < count; i++)
        assert_status(gan_feature_stats_add(stats, i % 2 ? (const float[]){2, 1}
                                                         : (const float[]){1, 2}, 1), GAN_OK);
    return stats;
}

NULL_CASE_STATUS(gan_feature_stats_reset)

static void gan_feature_stats_add_misuse(fixture *f)
{
    (void)f;
    gan_feature_stats *stats = stats_of(1);
    const float values[4] = {1, 2, 3, NAN};
    misuse(gan_feature_stats_add(NULL, values, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_add(stats, NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_add(stats, values, -1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_add(stats, values, INT64_MIN), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_add(stats, values, INT64_MAX), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_add(stats, values, 2), GAN_ERR_NUMERIC);
    assert_int_equal(gan_feature_stats_count(stats), 1);
    gan_feature_stats_free(stats);
}

NULL_CASE_VALUE(gan_feature_stats_count, -1)
NULL_CASE_VALUE(gan_feature_stats_dimension, -1)

static void gan_feature_stats_moments_misuse(fixture *f)
{
    (void)f;
    gan_feature_stats *one = stats_of(1), *two = stats_of(2);
    double mean[2] = {-7, -7}, covariance[4] = {-7, -7, -7, -7};
    misuse(gan_feature_stats_moments(NULL, mean, 2, covariance, 4), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_moments(two, mean, 1, covariance, 4), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_moments(two, mean, 2, covariance, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_feature_stats_moments(one, mean, 2, covariance, 4), GAN_ERR_STATE);
    misuse(gan_feature_stats_moments(one, NULL, 0, NULL, 0), GAN_ERR_STATE);
    assert_float_equal(mean[0], -7.0, 0.0);
    assert_float_equal(covariance[3], -7.0, 0.0);
    gan_feature_stats_free(one);
    gan_feature_stats_free(two);
}

static void gan_frechet_distance_misuse(fixture *f)
{
    (void)f;
    gan_feature_stats *a = stats_of(3), *one = stats_of(1), *wide = NULL;
    assert_status(gan_feature_stats_new(&wide, 3), GAN_OK);
    double distance = -7;
    misuse(gan_frechet_distance(NULL, a, &distance), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_frechet_distance(a, NULL, &distance), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_frechet_distance(a, a, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_frechet_distance(a, wide, &distance), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_frechet_distance(a, one, &distance), GAN_ERR_STATE);
    misuse(gan_frechet_distance(one, a, &distance), GAN_ERR_STATE);
    assert_float_equal(distance, -7.0, 0.0);
    gan_feature_stats_free(a);
    gan_feature_stats_free(one);
    gan_feature_stats_free(wide);
}

/* A classifier of the data set's images: Flatten, Linear 16 -> 8, ReLU, Linear 8 -> 3. */
static gan_model *small_classifier(fixture *f)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    add(model, gan_layer_flatten(&layer), &layer);
    add(model, gan_layer_dense(&layer, DATASET_SIDE * DATASET_SIDE, 8, 1), &layer);
    add(model, gan_layer_relu(&layer), &layer);
    add(model, gan_layer_dense(&layer, 8, 3, 1), &layer);
    assert_status(gan_model_init_parameters(model, f->game.rng), GAN_OK);
    return model;
}

static void gan_classifier_features_misuse(fixture *f)
{
    gan_model *classifier = small_classifier(f);
    gan_tensor *images = images_of(2), *wrong = new_tensor(4, 2, 1, 3, 3);
    gan_feature_stats *stats = NULL, *other = NULL;
    assert_status(gan_feature_stats_new(&stats, 8), GAN_OK);
    assert_status(gan_feature_stats_new(&other, 5), GAN_OK);
    float probabilities[6] = {-7, -7, -7, -7, -7, -7};
    misuse(gan_classifier_features(NULL, 2, images, stats, probabilities, 6),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_classifier_features(classifier, 2, NULL, stats, probabilities, 6),
           GAN_ERR_INVALID_ARGUMENT);
    const int bad_layers[] = {-2, 4, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad_layers / sizeof bad_layers[0]; i++)
        misuse(gan_classifier_features(classifier, bad_layers[i], images, stats, probabilities, 6),
               GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_classifier_features(classifier, -1, images, stats, probabilities, 6),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_classifier_features(classifier, 2, images, stats, probabilities, 5),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_classifier_features(classifier, 2, images, other, probabilities, 6), GAN_ERR_SHAPE);
    misuse_says(gan_classifier_features(classifier, 2, wrong, stats, probabilities, 6),
                GAN_ERR_SHAPE, "[2, 1, 3, 3]");
    /* A model whose output is not [N, classes]: a ReLU passes the images through. */
    gan_model *images_out = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&images_out), GAN_OK);
    add(images_out, gan_layer_relu(&layer), &layer);
    misuse(gan_classifier_features(images_out, 0, images, NULL, NULL, 0), GAN_ERR_SHAPE);
    assert_int_equal(gan_feature_stats_count(stats), 0);
    assert_float_equal(probabilities[0], -7.0f, 0.0f);
    gan_model_free(images_out);
    gan_feature_stats_free(stats);
    gan_feature_stats_free(other);
    free_tensors(images, wrong);
    gan_model_free(classifier);
}

static void gan_classifier_score_misuse(fixture *f)
{
    (void)f;
    float p[6] = {0.5f, 0.5f, 0.25f, 0.75f, 1.0f, 0.0f}; /* 3 rows of 2 classes */
    double mean = -7, spread = -7;
    misuse(gan_classifier_score(NULL, 3, 2, 1, &mean, &spread), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_classifier_score(p, 3, 2, 1, NULL, &spread), GAN_ERR_INVALID_ARGUMENT);
    const int64_t bad[][3] = {{3, 1, 1}, {3, 2, 0}, {3, 2, 4}, {-1, 2, 1}, {3, -2, 1},
                              {INT64_MAX, INT64_MAX, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_classifier_score(p, bad[i][0], bad[i][1], bad[i][2], &mean, &spread),
               GAN_ERR_INVALID_ARGUMENT);
    const float bad_values[] = {0.6f, -0.5f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        p[2] = bad_values[i];
        misuse_says(gan_classifier_score(p, 3, 2, 1, &mean, &spread), GAN_ERR_INVALID_ARGUMENT,
                    "row 1");
    }
    assert_float_equal(mean, -7.0, 0.0);
    assert_float_equal(spread, -7.0, 0.0);
}

static void gan_class_histogram_misuse(fixture *f)
{
    (void)f;
    float p[6] = {0.1f, 0.9f, 0.8f, 0.2f, 0.5f, 0.5f};
    int64_t histogram[2] = {-7, -7};
    misuse(gan_class_histogram(NULL, 3, 2, histogram), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_class_histogram(p, 3, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    const int64_t bad[][2] = {{-1, 2}, {3, 0}, {3, -1}, {INT64_MAX, INT64_MAX}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_class_histogram(p, bad[i][0], bad[i][1], histogram), GAN_ERR_INVALID_ARGUMENT);
    p[3] = NAN;
    misuse(gan_class_histogram(p, 3, 2, histogram), GAN_ERR_INVALID_ARGUMENT);
    p[3] = -INFINITY;
    misuse(gan_class_histogram(p, 3, 2, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(histogram[0], -7);
}

static void gan_class_coverage_misuse(fixture *f)
{
    (void)f;
    int64_t present = -7;
    double kl = -7;
    misuse(gan_class_coverage(NULL, 3, &present, &kl), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_class_coverage((const int64_t[]){1, 2, 3}, 0, &present, &kl),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_class_coverage((const int64_t[]){1, 2, 3}, -3, &present, &kl),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_class_coverage((const int64_t[]){1, -2, 3}, 3, &present, &kl),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_class_coverage((const int64_t[]){0, 0, 0}, 3, &present, &kl),
           GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(present, -7);
    assert_float_equal(kl, -7.0, 0.0);
}

static const misuse_case data_cases[] = {
    CASE(gan_dataset_load_idx), CASE(gan_dataset_free), CASE(gan_dataset_count),
    CASE(gan_dataset_has_labels), CASE(gan_dataset_sample_shape), CASE(gan_dataset_set_int),
    CASE(gan_dataset_get_int), CASE(gan_dataset_next_batch), CASE(gan_dataset_position),
    CASE(gan_dataset_set_shard), CASE(gan_dataset_shard),
    CASE(gan_dataset_copy), CASE(gan_image_write_png_grid), CASE(gan_feature_stats_new),
    CASE(gan_feature_stats_free), CASE(gan_feature_stats_reset), CASE(gan_feature_stats_add),
    CASE(gan_feature_stats_count), CASE(gan_feature_stats_dimension),
    CASE(gan_feature_stats_moments), CASE(gan_frechet_distance), CASE(gan_classifier_features),
    CASE(gan_classifier_score), CASE(gan_class_histogram), CASE(gan_class_coverage),
};

#endif /* GAN_TEST_API_MISUSE_DATA_H */
