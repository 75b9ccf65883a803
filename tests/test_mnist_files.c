/*
 * The real MNIST files (scripts/fetch-mnist.sh puts them in build/data/mnist; $MNIST_DIR
 * overrides): sizes, the first labels, label histograms, pixel ranges and mean, the same
 * data read through gzip. Fails, not skips, when the files are absent. Fashion-MNIST
 * ($FASHION_MNIST_DIR, default build/data/fashion-mnist, from `scripts/fetch-mnist.sh
 * --fashion`) is checked when present; otherwise its test is left out of the plan with a note
 * (cmocka's skip() prints "not ok ... # SKIP", which tests/run.sh counts as a failure).
 */
#include <math.h>

#include "idx_test_support.h"

static const char *mnist_dir(void)
{
    return getenv("MNIST_DIR") ? getenv("MNIST_DIR") : "build/data/mnist";
}

/* dir/name, or dir/name.gz if only that exists; NULL if neither. */
static const char *find_file(const char *dir, const char *name, char *path, size_t capacity)
{
    snprintf(path, capacity, "%s/%s", dir, name);
    if (access(path, R_OK) == 0)
        return path;
    snprintf(path, capacity, "%s/%s.gz", dir, name);
    return access(path, R_OK) == 0 ? path : NULL;
}

static gan_dataset *load_set(const char *dir, const char *images_name, const char *labels_name,
                             gan_pixel_range range, int must_exist)
{
    char images[1024], labels[1024];
    if (!find_file(dir, images_name, images, sizeof images) ||
        !find_file(dir, labels_name, labels, sizeof labels)) {
        if (!must_exist)
            return NULL;
        fail_msg("%s/%s or %s/%s is missing: run scripts/fetch-mnist.sh (or set MNIST_DIR)",
                 dir, images_name, dir, labels_name);
    }
    gan_dataset *dataset = NULL;
    assert_status(gan_dataset_load_idx(&dataset, images, labels, range), GAN_OK);
    return dataset;
}

typedef struct summary {
    int64_t histogram[10];
    float min, max;
    double mean;
    int first_labels[5];
} summary;

/* Walks the whole set in file order, 1000 samples at a time. */
static void summarize(const gan_dataset *dataset, summary *out)
{
    memset(out, 0, sizeof *out);
    out->min = INFINITY;
    out->max = -INFINITY;
    int64_t count = gan_dataset_count(dataset);
    int64_t chunk = 1000;
    assert_int_equal(count % chunk, 0);
    gan_tensor *images = NULL, *labels = NULL;
    int64_t shape[4] = {chunk, 1, 28, 28};
    assert_status(gan_tensor_new(&images, 4, shape), GAN_OK);
    assert_status(gan_tensor_new(&labels, 1, shape), GAN_OK);
    double sum = 0.0;
    for (int64_t first = 0; first < count; first += chunk) {
        assert_status(gan_dataset_copy(dataset, first, images, labels), GAN_OK);
        const float *x = gan_tensor_data_const(images);
        for (int64_t i = 0; i < chunk * 784; i++) {
            out->min = fminf(out->min, x[i]);
            out->max = fmaxf(out->max, x[i]);
            sum += x[i];
        }
        const float *y = gan_tensor_data_const(labels);
        for (int64_t i = 0; i < chunk; i++) {
            int label = (int)y[i];
            assert_true(y[i] == (float)label && label >= 0 && label <= 9);
            out->histogram[label]++;
            if (first + i < 5)
                out->first_labels[first + i] = label;
        }
    }
    out->mean = sum / ((double)count * 784);
    gan_tensor_free(images);
    gan_tensor_free(labels);
}

static void check_shape(const gan_dataset *dataset, int64_t count)
{
    assert_int_equal(gan_dataset_count(dataset), count);
    assert_int_equal(gan_dataset_has_labels(dataset), 1);
    int rank = 0;
    int64_t shape[3];
    assert_status(gan_dataset_sample_shape(dataset, &rank, shape, 3), GAN_OK);
    assert_int_equal(rank, 3);
    assert_int_equal(shape[0], 1);
    assert_int_equal(shape[1], 28);
    assert_int_equal(shape[2], 28);
}

static void mnist_training_set(void **state)
{
    (void)state;
    gan_dataset *dataset = load_set(mnist_dir(), "train-images-idx3-ubyte",
                                    "train-labels-idx1-ubyte", GAN_PIXELS_UNIT, 1);
    check_shape(dataset, 60000);
    summary s;
    summarize(dataset, &s);
    const int64_t histogram[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    assert_memory_equal(s.histogram, histogram, sizeof histogram);
    const int first[5] = {5, 0, 4, 1, 9};
    assert_memory_equal(s.first_labels, first, sizeof first);
    assert_true(s.min == 0.0f);
    assert_true(s.max == 1.0f);
    assert_true(fabs(s.mean - 0.1307) < 5e-4); /* the well-known normalisation mean */
    gan_dataset_free(dataset);
}

static void mnist_test_set_in_both_ranges_and_through_gzip(void **state)
{
    (void)state;
    gan_dataset *dataset = load_set(mnist_dir(), "t10k-images-idx3-ubyte",
                                    "t10k-labels-idx1-ubyte", GAN_PIXELS_SYMMETRIC, 1);
    check_shape(dataset, 10000);
    summary s;
    summarize(dataset, &s);
    const int64_t histogram[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    assert_memory_equal(s.histogram, histogram, sizeof histogram);
    const int first[5] = {7, 2, 1, 0, 4};
    assert_memory_equal(s.first_labels, first, sizeof first);
    assert_true(s.min == -1.0f);
    assert_true(s.max == 1.0f);

    /* The same files gzip-compressed give the same floats. */
    const char *names[2] = {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int f = 0; f < 2; f++) {
        char source[1024];
        assert_non_null(find_file(mnist_dir(), names[f], source, sizeof source));
        gzFile in = gzopen(source, "rb");
        assert_non_null(in);
        char target[1024];
        snprintf(target, sizeof target, "%s/%s.gz", temp_dir, names[f]);
        gzFile out = gzopen(target, "wb");
        assert_non_null(out);
        char buffer[65536];
        int n;
        while ((n = gzread(in, buffer, sizeof buffer)) > 0)
            assert_int_equal(gzwrite(out, buffer, (unsigned)n), n);
        assert_int_equal(n, 0);
        gzclose(in);
        assert_int_equal(gzclose(out), Z_OK);
    }
    gan_dataset *compressed = load_set(temp_dir, names[0], names[1], GAN_PIXELS_SYMMETRIC, 1);
    summary z;
    summarize(compressed, &z);
    assert_memory_equal(&s, &z, sizeof s);
    int64_t shape[4] = {10000, 1, 28, 28};
    gan_tensor *a = NULL, *b = NULL;
    assert_status(gan_tensor_new(&a, 4, shape), GAN_OK);
    assert_status(gan_tensor_new(&b, 4, shape), GAN_OK);
    assert_status(gan_dataset_copy(dataset, 0, a, NULL), GAN_OK);
    assert_status(gan_dataset_copy(compressed, 0, b, NULL), GAN_OK);
    assert_memory_equal(gan_tensor_data(a), gan_tensor_data(b), sizeof(float) * 10000 * 784);
    gan_tensor_free(a);
    gan_tensor_free(b);
    gan_dataset_free(compressed);
    gan_dataset_free(dataset);
}

static const char *fashion_dir(void)
{
    return getenv("FASHION_MNIST_DIR") ? getenv("FASHION_MNIST_DIR") : "build/data/fashion-mnist";
}

static void fashion_mnist(void **state)
{
    (void)state;
    const char *dir = fashion_dir();
    gan_dataset *train = load_set(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                  GAN_PIXELS_UNIT, 1);
    gan_dataset *test = load_set(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                 GAN_PIXELS_UNIT, 1);
    check_shape(train, 60000);
    check_shape(test, 10000);
    summary s;
    summarize(train, &s);
    for (int c = 0; c < 10; c++)
        assert_int_equal(s.histogram[c], 6000);
    assert_true(s.min == 0.0f && s.max == 1.0f);
    assert_true(fabs(s.mean - 0.2860) < 5e-4);
    summarize(test, &s);
    for (int c = 0; c < 10; c++)
        assert_int_equal(s.histogram[c], 1000);
    gan_dataset_free(train);
    gan_dataset_free(test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mnist_training_set),
        cmocka_unit_test(mnist_test_set_in_both_ranges_and_through_gzip),
        cmocka_unit_test(fashion_mnist),
    };
    size_t count = sizeof tests / sizeof tests[0];
    char path[1024];
    if (!find_file(fashion_dir(), "train-images-idx3-ubyte", path, sizeof path)) {
        printf("# Fashion-MNIST is not in %s: not tested (scripts/fetch-mnist.sh --fashion)\n",
               fashion_dir());
        count--;
    }
    return _cmocka_run_group_tests("tests", tests, count, make_temp_dir, remove_temp_dir);
}
