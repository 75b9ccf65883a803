/*
 * Data sets (gan/data.h): IDX files written here (raw and gzip) in a mkdtemp folder; valid
 * files, hostile ones (each with its status and message, *out NULL, no leak), every failed
 * allocation, pixel scaling, shuffled batches (each sample once per epoch, short last batch,
 * drop_last, order a function of the seed only, no allocation), copies and options.
 * The checkpoint state (data/dataset_impl.h) is tested in test_dataset_state.c.
 */
#include <math.h>

#include "idx_test_support.h"

enum { N = 25, ROWS = 2, COLS = 3, SAMPLE = ROWS * COLS };

/* Loads the test set written as raw (gzip 0) or gzip (1). */
static gan_dataset *load_test_set(int gzip, int with_labels, gan_pixel_range range)
{
    const char *images = temp_path(gzip ? "set-images.gz" : "set-images");
    const char *labels = temp_path(gzip ? "set-labels.gz" : "set-labels");
    write_test_set(images, labels, gzip, N, ROWS, COLS);
    gan_dataset *dataset = NULL;
    assert_status(gan_dataset_load_idx(&dataset, images, with_labels ? labels : NULL, range),
                  GAN_OK);
    assert_non_null(dataset);
    return dataset;
}

static gan_tensor *new_tensor4(int64_t b, int64_t c, int64_t h, int64_t w)
{
    gan_tensor *t = NULL;
    int64_t shape[4] = {b, c, h, w};
    assert_status(gan_tensor_new(&t, 4, shape), GAN_OK);
    return t;
}

static gan_tensor *new_tensor1(int64_t n)
{
    gan_tensor *t = NULL;
    assert_status(gan_tensor_new(&t, 1, &n), GAN_OK);
    return t;
}

/* The sample index encoded in row `row` of a [B, 1, ROWS, COLS] unit-range batch. */
static int64_t sample_of(const gan_tensor *images, int64_t row)
{
    const float *x = gan_tensor_data_const(images) + row * SAMPLE;
    long low = lroundf(x[0] * 255.0f), high = lroundf(x[1] * 255.0f);
    return low + 256 * high;
}

/* Checks row `row` against sample s exactly (unit range) and its label. */
static void check_row(const gan_tensor *images, const gan_tensor *labels, int64_t row, int64_t s)
{
    const float *x = gan_tensor_data_const(images) + row * SAMPLE;
    for (int k = 0; k < SAMPLE; k++)
        assert_true(x[k] == (float)(test_pixel(s, k) / 255.0));
    if (labels)
        assert_true(gan_tensor_data_const(labels)[row] == (float)(s % 10));
}

static void valid_files_load_raw_and_gzip(void **state)
{
    (void)state;
    for (int gzip = 0; gzip < 2; gzip++) {
        gan_dataset *dataset = load_test_set(gzip, 1, GAN_PIXELS_UNIT);
        assert_int_equal(gan_dataset_count(dataset), N);
        assert_int_equal(gan_dataset_has_labels(dataset), 1);
        int rank = 0;
        int64_t shape[3] = {0, 0, 0};
        assert_status(gan_dataset_sample_shape(dataset, &rank, shape, 3), GAN_OK);
        assert_int_equal(rank, 3);
        assert_int_equal(shape[0], 1);
        assert_int_equal(shape[1], ROWS);
        assert_int_equal(shape[2], COLS);
        assert_status(gan_dataset_sample_shape(dataset, &rank, shape, 2),
                      GAN_ERR_INVALID_ARGUMENT);
        gan_tensor *images = new_tensor4(N, 1, ROWS, COLS), *labels = new_tensor1(N);
        assert_status(gan_dataset_copy(dataset, 0, images, labels), GAN_OK);
        for (int64_t s = 0; s < N; s++)
            check_row(images, labels, s, s);
        gan_tensor_free(images);
        gan_tensor_free(labels);
        gan_dataset_free(dataset);
    }
    /* Without labels; and mixed: gzip images with raw labels. */
    gan_dataset *dataset = load_test_set(0, 0, GAN_PIXELS_UNIT);
    assert_int_equal(gan_dataset_has_labels(dataset), 0);
    gan_dataset_free(dataset);
    write_test_set(temp_path("mixed-images.gz"), NULL, 1, N, ROWS, COLS);
    write_test_set(temp_path("mixed-images"), temp_path("mixed-labels"), 0, N, ROWS, COLS);
    assert_status(gan_dataset_load_idx(&dataset, temp_path("mixed-images.gz"),
                                       temp_path("mixed-labels"), GAN_PIXELS_SYMMETRIC),
                  GAN_OK);
    assert_int_equal(gan_dataset_count(dataset), N);
    gan_dataset_free(dataset);
    assert_int_equal(gan_dataset_count(NULL), -1);
    assert_int_equal(gan_dataset_has_labels(NULL), -1);
    gan_dataset_free(NULL);
}

static void pixels_scale_exactly(void **state)
{
    (void)state;
    unsigned char pixels[4] = {0, 127, 128, 255};
    uint32_t dims[3] = {1, 2, 2};
    write_idx(temp_path("scale"), 0, 0x803, 3, dims, pixels, 4);
    const struct {
        gan_pixel_range range;
        float want[4];
    } cases[] = {
        {GAN_PIXELS_SYMMETRIC, {-1.0f, (float)(127 / 127.5 - 1), (float)(128 / 127.5 - 1), 1.0f}},
        {GAN_PIXELS_UNIT, {0.0f, (float)(127 / 255.0), (float)(128 / 255.0), 1.0f}},
    };
    for (size_t c = 0; c < 2; c++) {
        gan_dataset *dataset = NULL;
        assert_status(gan_dataset_load_idx(&dataset, temp_path("scale"), NULL, cases[c].range),
                      GAN_OK);
        gan_tensor *images = new_tensor4(1, 1, 2, 2);
        assert_status(gan_dataset_copy(dataset, 0, images, NULL), GAN_OK);
        const float *x = gan_tensor_data_const(images);
        for (int k = 0; k < 4; k++)
            assert_true(x[k] == cases[c].want[k]);
        gan_tensor_free(images);
        gan_dataset_free(dataset);
    }
    gan_dataset *dataset = (gan_dataset *)&dataset;
    assert_status(gan_dataset_load_idx(&dataset, temp_path("scale"), NULL, (gan_pixel_range)2),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_null(dataset);
}

/* Expects the load to fail with `want`, a message mentioning `needle`, *out NULL. */
static void expect_rejected(const char *images, const char *labels, gan_status want,
                            const char *needle)
{
    gan_dataset *dataset = (gan_dataset *)&dataset;
    long live = group_allocator.live;
    assert_status(gan_dataset_load_idx(&dataset, images, labels, GAN_PIXELS_SYMMETRIC), want);
    assert_null(dataset);
    assert_error_mentions(needle);
    assert_int_equal(group_allocator.live, live);
}

static void hostile_files_are_rejected(void **state)
{
    (void)state;
    unsigned char data[N * SAMPLE + 8];
    memset(data, 7, sizeof data);
    uint32_t dims[3] = {N, ROWS, COLS};
    write_test_set(temp_path("good-images"), temp_path("good-labels"), 0, N, ROWS, COLS);
    char good_labels[512], good_images[512]; /* temp_path's buffers rotate */
    snprintf(good_labels, sizeof good_labels, "%s", temp_path("good-labels"));
    snprintf(good_images, sizeof good_images, "%s", temp_path("good-images"));

    /* Wrong magic numbers, naming the file and the value. */
    write_idx(temp_path("magic"), 0, 0x12345678, 3, dims, data, N * SAMPLE);
    expect_rejected(temp_path("magic"), NULL, GAN_ERR_FORMAT, "0x12345678");
    expect_rejected(temp_path("magic"), NULL, GAN_ERR_FORMAT, temp_path("magic"));
    expect_rejected(good_labels, NULL, GAN_ERR_FORMAT, "this is a labels file");
    expect_rejected(good_images, good_images, GAN_ERR_FORMAT, "this is an images file");
    write_idx(temp_path("magic-rank"), 0, 0x804, 3, dims, data, N * SAMPLE);
    expect_rejected(temp_path("magic-rank"), NULL, GAN_ERR_FORMAT, "0x00000804");

    for (int gzip = 0; gzip < 2; gzip++) {
        /* Dimensions larger than the data; trailing bytes. A raw file is refused by its
         * size before anything is allocated. */
        long calls = group_allocator.calls;
        write_idx(temp_path("short"), gzip, 0x803, 3, dims, data, N * SAMPLE - 1);
        expect_rejected(temp_path("short"), NULL, GAN_ERR_FORMAT, "truncated");
        write_idx(temp_path("long"), gzip, 0x803, 3, dims, data, N * SAMPLE + 1);
        expect_rejected(temp_path("long"), NULL, GAN_ERR_FORMAT, "trailing");
        if (!gzip) {
            expect_rejected(temp_path("short"), NULL, GAN_ERR_FORMAT,
                            "the file has 165 bytes, but its header [25, 2, 3] needs 166");
            expect_rejected(temp_path("long"), NULL, GAN_ERR_FORMAT, "the file has 167 bytes");
            assert_int_equal(group_allocator.calls, calls);
        }
        write_idx(temp_path("long-labels"), gzip, 0x801, 1, dims, data, N + 3);
        expect_rejected(good_images, temp_path("long-labels"), GAN_ERR_FORMAT, "trailing");
        /* Truncated headers: 0, 3, and 9 bytes. */
        write_file(temp_path("empty"), data, 0, gzip);
        expect_rejected(temp_path("empty"), NULL, GAN_ERR_FORMAT, "truncated header");
        unsigned char header[12] = {0, 0, 8, 3, 0, 0, 0, N, 0};
        write_file(temp_path("header3"), header, 3, gzip);
        expect_rejected(temp_path("header3"), NULL, GAN_ERR_FORMAT, "truncated header: 3 of 16");
        write_file(temp_path("header9"), header, 9, gzip);
        expect_rejected(temp_path("header9"), NULL, GAN_ERR_FORMAT, "truncated header: 9 of 16");
        /* Zero count, zero or huge sides. */
        uint32_t zero[3] = {0, ROWS, COLS};
        write_idx(temp_path("zero"), gzip, 0x803, 3, zero, data, 0);
        expect_rejected(temp_path("zero"), NULL, GAN_ERR_FORMAT, "count 0");
        write_idx(temp_path("zero-labels"), gzip, 0x801, 1, zero, data, 0);
        expect_rejected(good_images, temp_path("zero-labels"), GAN_ERR_FORMAT, "count 0");
        uint32_t flat[3] = {N, 0, COLS};
        write_idx(temp_path("flat"), gzip, 0x803, 3, flat, data, 0);
        expect_rejected(temp_path("flat"), NULL, GAN_ERR_FORMAT, "0 x 3");
        uint32_t wide[3] = {1, 1, 70000};
        write_idx(temp_path("wide"), gzip, 0x803, 3, wide, data, 8);
        expect_rejected(temp_path("wide"), NULL, GAN_ERR_FORMAT, "1 x 70000");
        uint32_t many[3] = {0x80000000u, 1, 1};
        write_idx(temp_path("many"), gzip, 0x803, 3, many, data, 8);
        expect_rejected(temp_path("many"), NULL, GAN_ERR_FORMAT, "count 2147483648");
        /* A label outside 0..9, naming the sample. */
        unsigned char tags[N];
        for (int s = 0; s < N; s++)
            tags[s] = (unsigned char)(s % 10);
        tags[17] = 10;
        write_idx(temp_path("label10"), gzip, 0x801, 1, dims, tags, N);
        expect_rejected(good_images, temp_path("label10"), GAN_ERR_FORMAT,
                        "label 10 of sample 17");
        /* Counts that differ. */
        uint32_t fewer[1] = {N - 1};
        write_idx(temp_path("fewer"), gzip, 0x801, 1, fewer, tags, N - 1);
        expect_rejected(good_images, temp_path("fewer"), GAN_ERR_FORMAT, "holds 25 images");
        expect_rejected(good_images, temp_path("fewer"), GAN_ERR_FORMAT, "24 labels");
    }
    /* The gzip bound: small files that claim huge data are refused before allocating. */
    uint32_t bomb[3] = {0x7fffffffu, 65536, 65536};
    write_idx(temp_path("bomb.gz"), 1, 0x803, 3, bomb, data, 64);
    long calls = group_allocator.calls;
    expect_rejected(temp_path("bomb.gz"), NULL, GAN_ERR_FORMAT, "can hold at most");
    uint32_t bomb2[3] = {60000, 28, 28}; /* plausible, but not from a few dozen bytes */
    write_idx(temp_path("bomb2.gz"), 1, 0x803, 3, bomb2, data, 64);
    expect_rejected(temp_path("bomb2.gz"), NULL, GAN_ERR_FORMAT, "can hold at most");
    assert_int_equal(group_allocator.calls, calls);
    /* The same claim in a raw file: refused by its real size. */
    write_idx(temp_path("bomb-raw"), 0, 0x803, 3, bomb, data, 64);
    expect_rejected(temp_path("bomb-raw"), NULL, GAN_ERR_FORMAT, "the file has 80 bytes");
    assert_int_equal(group_allocator.calls, calls);

    /* Corrupt gzip data. */
    unsigned char *pixels = malloc(4000);
    assert_non_null(pixels);
    for (int i = 0; i < 4000; i++)
        pixels[i] = (unsigned char)(i * 7919 % 251);
    uint32_t big[3] = {10, 20, 20};
    write_idx(temp_path("corrupt.gz"), 1, 0x803, 3, big, pixels, 4000);
    free(pixels);
    FILE *file = fopen(temp_path("corrupt.gz"), "r+b");
    assert_non_null(file);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    for (long at = 30; at < size - 16; at += 7) {
        fseek(file, at, SEEK_SET);
        fputc(0xA5, file);
    }
    fclose(file);
    expect_rejected(temp_path("corrupt.gz"), NULL, GAN_ERR_FORMAT, "corrupt.gz");

    /* Missing files, folders, NULL arguments. */
    expect_rejected(temp_path("missing"), NULL, GAN_ERR_IO, "missing");
    expect_rejected(temp_path("missing"), NULL, GAN_ERR_IO, "No such file");
    expect_rejected(good_images, temp_path("missing-labels"), GAN_ERR_IO, "missing-labels");
    expect_rejected(temp_dir, NULL, GAN_ERR_IO, "not a regular file");
    expect_rejected(NULL, NULL, GAN_ERR_INVALID_ARGUMENT, "images_path");
    assert_status(gan_dataset_load_idx(NULL, good_images, NULL, GAN_PIXELS_UNIT),
                  GAN_ERR_INVALID_ARGUMENT);
}

static void every_failed_allocation_is_survived(void **state)
{
    (void)state;
    write_test_set(temp_path("oom-images"), temp_path("oom-labels"), 1, N, ROWS, COLS);
    int succeeded = 0;
    for (long k = 1; k < 20 && !succeeded; k++) {
        long live = group_allocator.live;
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_dataset *dataset = (gan_dataset *)&dataset;
        gan_status status = gan_dataset_load_idx(&dataset, temp_path("oom-images"),
                                                 temp_path("oom-labels"), GAN_PIXELS_UNIT);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            assert_true(k > 3); /* the struct, images, labels and permutation */
            assert_int_equal(gan_dataset_count(dataset), N);
            gan_dataset_free(dataset);
            succeeded = 1;
        } else {
            assert_status(status, GAN_ERR_OUT_OF_MEMORY);
            assert_null(dataset);
            assert_error_mentions("data set");
        }
        assert_int_equal(group_allocator.live, live);
    }
    assert_true(succeeded);
}

/* Runs one epoch of batches of `batch`; checks each sample is seen once (or, with drop_last,
 * at most once and N - N % batch in all); records the order in `order`. */
static void run_epoch(gan_dataset *dataset, gan_rng *rng, int64_t batch, int drop_last,
                      int64_t expected_epoch, int64_t order[N])
{
    gan_tensor *images = new_tensor4(batch, 1, ROWS, COLS), *labels = new_tensor1(batch);
    int seen[N] = {0};
    int64_t delivered = 0, full = drop_last ? N - N % batch : N;
    long calls = group_allocator.calls;
    while (delivered < full) {
        int64_t count = -1;
        assert_status(gan_dataset_next_batch(dataset, rng, images, labels, &count), GAN_OK);
        int64_t want = full - delivered < batch ? full - delivered : batch;
        assert_int_equal(count, want);
        for (int64_t row = 0; row < count; row++) {
            int64_t s = sample_of(images, row);
            assert_true(s >= 0 && s < N);
            assert_int_equal(seen[s], 0);
            seen[s] = 1;
            check_row(images, labels, row, s);
            order[delivered + row] = s;
        }
        delivered += count;
        int64_t epoch = -1, index = -1;
        assert_status(gan_dataset_position(dataset, &epoch, &index), GAN_OK);
        assert_int_equal(epoch, expected_epoch);
        assert_int_equal(index, delivered);
    }
    assert_int_equal(group_allocator.calls, calls); /* next_batch allocates nothing */
    gan_tensor_free(images);
    gan_tensor_free(labels);
}

static void batches_visit_every_sample_once_per_epoch(void **state)
{
    (void)state;
    gan_dataset *dataset = load_test_set(0, 1, GAN_PIXELS_UNIT);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 42), GAN_OK);
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(dataset, &epoch, &index), GAN_OK);
    assert_int_equal(epoch, 0);
    assert_int_equal(index, 0);
    int64_t orders[3][N];
    for (int e = 0; e < 3; e++)
        run_epoch(dataset, rng, 4, 0, e, orders[e]); /* 6 batches of 4, then one of 1 */
    assert_memory_not_equal(orders[0], orders[1], sizeof orders[0]);
    assert_memory_not_equal(orders[1], orders[2], sizeof orders[0]);
    int identity = 1;
    for (int s = 0; s < N; s++)
        identity &= orders[0][s] == s;
    assert_false(identity);
    /* Only the shuffle stream moved. */
    for (int stream = 0; stream < 3; stream++) {
        uint64_t position = 1;
        assert_status(gan_rng_get_position(rng, (gan_rng_stream)stream, &position), GAN_OK);
        assert_int_equal(position, 0);
    }

    /* The orders are pinned: a checkpoint redraws them, so they must not change between
     * versions (seed 42: Fisher-Yates from the identity, 24 words = 6 blocks an epoch). */
    const int64_t pinned[2][N] = {
        {22, 20, 11, 0, 6, 17, 15, 24, 19, 18, 9, 21, 3, 8, 7, 14, 5, 4, 12, 2, 23, 13, 16, 10, 1},
        {15, 19, 12, 23, 20, 9, 4, 7, 22, 18, 16, 2, 6, 3, 13, 0, 17, 21, 1, 24, 8, 10, 5, 11, 14}};
    assert_memory_equal(orders[0], pinned[0], sizeof pinned[0]);
    assert_memory_equal(orders[1], pinned[1], sizeof pinned[1]);
    uint64_t shuffle = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &shuffle), GAN_OK);
    assert_int_equal(shuffle, 3 * 6);

    /* The same seed gives the same orders, in another data set, with another batch size. */
    gan_dataset *again = load_test_set(1, 1, GAN_PIXELS_UNIT);
    gan_rng *same = NULL, *other = NULL;
    assert_status(gan_rng_new(&same, 42), GAN_OK);
    assert_status(gan_rng_new(&other, 43), GAN_OK);
    int64_t order[N];
    for (int e = 0; e < 3; e++) {
        run_epoch(again, same, 5, 0, e, order);
        assert_memory_equal(order, orders[e], sizeof order);
    }
    gan_dataset *third = load_test_set(0, 1, GAN_PIXELS_UNIT);
    run_epoch(third, other, 4, 0, 0, order);
    assert_memory_not_equal(order, orders[0], sizeof order);
    gan_rng_free(same);
    gan_rng_free(other);
    gan_dataset_free(again);
    gan_dataset_free(third);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
}

/* Fisher-Yates with unbiased bounded integers: over 3000 epochs of 3 samples, each of
 * the 6 orders comes about 500 times (a Sattolo or modulo-biased shuffle would not). */
static void every_order_is_equally_likely(void **state)
{
    (void)state;
    write_test_set(temp_path("three-images"), NULL, 0, 3, ROWS, COLS);
    gan_dataset *dataset = NULL;
    assert_status(gan_dataset_load_idx(&dataset, temp_path("three-images"), NULL,
                                       GAN_PIXELS_UNIT), GAN_OK);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 99), GAN_OK);
    gan_tensor *images = new_tensor4(3, 1, ROWS, COLS);
    int seen[3][3][3];
    memset(seen, 0, sizeof seen);
    for (int epoch = 0; epoch < 3000; epoch++) {
        int64_t count = 0;
        assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_OK);
        assert_int_equal(count, 3);
        seen[sample_of(images, 0)][sample_of(images, 1)][sample_of(images, 2)]++;
    }
    const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        int n = seen[orders[o][0]][orders[o][1]][orders[o][2]];
        if (n < 400 || n > 600)
            fail_msg("order %d%d%d came %d times in 3000 epochs, expected about 500",
                     orders[o][0], orders[o][1], orders[o][2], n);
    }
    gan_tensor_free(images);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
}

static void the_last_batch_is_short_or_dropped(void **state)
{
    (void)state;
    gan_dataset *dataset = load_test_set(0, 1, GAN_PIXELS_UNIT);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 7), GAN_OK);
    int64_t value = -1;
    assert_status(gan_dataset_get_int(dataset, GAN_DATASET_DROP_LAST, &value), GAN_OK);
    assert_int_equal(value, 0);
    assert_status(gan_dataset_set_int(dataset, GAN_DATASET_DROP_LAST, 2),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_int(dataset, (gan_dataset_option)1, 1),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_get_int(dataset, (gan_dataset_option)1, &value),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_get_int(dataset, GAN_DATASET_DROP_LAST, NULL),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_int(NULL, GAN_DATASET_DROP_LAST, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_int(dataset, GAN_DATASET_DROP_LAST, 1), GAN_OK);
    assert_status(gan_dataset_get_int(dataset, GAN_DATASET_DROP_LAST, &value), GAN_OK);
    assert_int_equal(value, 1);
    int64_t order[N];
    run_epoch(dataset, rng, 4, 1, 0, order); /* 6 batches of 4; the 25th sample skipped */
    run_epoch(dataset, rng, 4, 1, 1, order);
    run_epoch(dataset, rng, 7, 1, 2, order); /* 3 batches of 7 */

    /* A batch larger than the data set: refused with drop_last, all of it without. */
    gan_tensor *images = new_tensor4(N + 1, 1, ROWS, COLS);
    int64_t count = -1;
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_ERR_SHAPE);
    assert_error_mentions("26");
    assert_int_equal(count, 0);
    assert_status(gan_dataset_set_int(dataset, GAN_DATASET_DROP_LAST, 0), GAN_OK);
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_OK);
    assert_int_equal(count, N - 21); /* the rest of epoch 2 */
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_OK);
    assert_int_equal(count, N);
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(dataset, &epoch, &index), GAN_OK);
    assert_int_equal(epoch, 3);
    assert_int_equal(index, N);
    gan_tensor_free(images);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
}

static void batch_arguments_are_checked(void **state)
{
    (void)state;
    gan_dataset *dataset = load_test_set(0, 1, GAN_PIXELS_UNIT);
    gan_dataset *unlabelled = load_test_set(0, 0, GAN_PIXELS_UNIT);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 1), GAN_OK);
    gan_tensor *images = new_tensor4(4, 1, ROWS, COLS), *labels = new_tensor1(4);
    int64_t count = -1;
    assert_status(gan_dataset_next_batch(NULL, rng, images, labels, &count),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_next_batch(dataset, NULL, images, labels, &count),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_next_batch(dataset, rng, NULL, labels, &count),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_next_batch(dataset, rng, images, labels, NULL),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_next_batch(unlabelled, rng, images, labels, &count),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("without labels");

    const int64_t bad_shapes[][4] = {
        {4, 1, COLS, ROWS}, {4, 3, ROWS, COLS}, {0, 1, ROWS, COLS}, {4, 1, ROWS, COLS + 1}};
    for (size_t i = 0; i < 4; i++) {
        gan_tensor *bad = NULL;
        assert_status(gan_tensor_new(&bad, 4, bad_shapes[i]), GAN_OK);
        assert_status(gan_dataset_next_batch(dataset, rng, bad, NULL, &count), GAN_ERR_SHAPE);
        assert_error_mentions("should be [B >= 1, 1, 2, 3]");
        gan_tensor_free(bad);
    }
    gan_tensor *flat = NULL;
    int64_t flat_shape[2] = {4, SAMPLE};
    assert_status(gan_tensor_new(&flat, 2, flat_shape), GAN_OK);
    assert_status(gan_dataset_next_batch(dataset, rng, flat, NULL, &count), GAN_ERR_SHAPE);
    assert_error_mentions("[4, 6]");
    gan_tensor_free(flat);
    const int64_t bad_labels[][2] = {{5, 1}, {4, 2}};
    for (size_t i = 0; i < 2; i++) {
        gan_tensor *bad = NULL;
        assert_status(gan_tensor_new(&bad, 2, bad_labels[i]), GAN_OK);
        assert_status(gan_dataset_next_batch(dataset, rng, images, bad, &count), GAN_ERR_SHAPE);
        assert_error_mentions("should be [4] or [4, 1] for images [4, 1, 2, 3]");
        gan_tensor_free(bad);
    }
    /* Failed calls moved nothing. */
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(dataset, &epoch, &index), GAN_OK);
    assert_int_equal(epoch, 0);
    assert_int_equal(index, 0);
    uint64_t position = 1;
    assert_status(gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &position), GAN_OK);
    assert_int_equal(position, 0);
    assert_status(gan_dataset_position(NULL, &epoch, &index), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_position(dataset, NULL, &index), GAN_ERR_INVALID_ARGUMENT);

    /* Labels as [B, 1], and no labels at all. */
    gan_tensor *column = NULL;
    int64_t column_shape[2] = {4, 1};
    assert_status(gan_tensor_new(&column, 2, column_shape), GAN_OK);
    assert_status(gan_dataset_next_batch(dataset, rng, images, column, &count), GAN_OK);
    assert_int_equal(count, 4);
    for (int64_t row = 0; row < 4; row++)
        check_row(images, column, row, sample_of(images, row));
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_OK);
    assert_int_equal(count, 4);
    assert_status(gan_dataset_next_batch(unlabelled, rng, images, NULL, &count), GAN_OK);
    assert_int_equal(count, 4);
    gan_tensor_free(column);
    gan_tensor_free(images);
    gan_tensor_free(labels);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
    gan_dataset_free(unlabelled);
}

static void copies_are_in_file_order(void **state)
{
    (void)state;
    gan_dataset *dataset = load_test_set(1, 1, GAN_PIXELS_UNIT);
    gan_tensor *images = new_tensor4(5, 1, ROWS, COLS), *labels = new_tensor1(5);
    for (int64_t first = 0; first <= N - 5; first += 4) {
        assert_status(gan_dataset_copy(dataset, first, images, labels), GAN_OK);
        for (int64_t row = 0; row < 5; row++)
            check_row(images, labels, row, first + row);
    }
    assert_status(gan_dataset_copy(dataset, N - 4, images, labels), GAN_ERR_SHAPE);
    assert_error_mentions("[21, 21 + 5) are outside the data set's [0, 25)");
    assert_status(gan_dataset_copy(dataset, -1, images, labels), GAN_ERR_SHAPE);
    assert_status(gan_dataset_copy(dataset, INT64_MAX, images, labels), GAN_ERR_SHAPE);
    assert_status(gan_dataset_copy(NULL, 0, images, labels), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_copy(dataset, 0, NULL, labels), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor *wrong = new_tensor1(4);
    assert_status(gan_dataset_copy(dataset, 0, images, wrong), GAN_ERR_SHAPE);
    gan_tensor_free(wrong);
    gan_tensor *none = new_tensor4(0, 1, ROWS, COLS);
    assert_status(gan_dataset_copy(dataset, N, none, NULL), GAN_OK);
    gan_tensor_free(none);
    /* Copies do not move the position. */
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(dataset, &epoch, &index), GAN_OK);
    assert_int_equal(index, 0);
    gan_tensor_free(images);
    gan_tensor_free(labels);
    gan_dataset_free(dataset);
}

/* Three shards with batch 2 read, step by step, the slices of one process's batch 6 over
 * the same order (N = 25: four global batches an epoch, the last short one dropped), and
 * report the same position. */
static void shards_split_one_global_batch(void **state)
{
    (void)state;
    enum { WORLD = 3, LOCAL = 2, STEPS = 9 };
    gan_dataset *whole = load_test_set(0, 0, GAN_PIXELS_UNIT), *shards[WORLD];
    gan_rng *whole_rng = NULL, *rngs[WORLD];
    assert_status(gan_rng_new(&whole_rng, 8), GAN_OK);
    assert_status(gan_dataset_set_int(whole, GAN_DATASET_DROP_LAST, 1), GAN_OK);
    for (int r = 0; r < WORLD; r++) {
        shards[r] = load_test_set(0, 0, GAN_PIXELS_UNIT);
        assert_status(gan_rng_new(&rngs[r], 8), GAN_OK);
        assert_status(gan_dataset_set_shard(shards[r], r, WORLD), GAN_OK);
        int64_t rank = -1, world = -1;
        assert_status(gan_dataset_shard(shards[r], &rank, &world), GAN_OK);
        assert_true(rank == r && world == WORLD);
    }
    gan_tensor *big = new_tensor4(WORLD * LOCAL, 1, ROWS, COLS), *small = new_tensor4(LOCAL, 1, ROWS, COLS);
    for (int step = 0; step < STEPS; step++) {
        int64_t count = -1, epoch, index, shard_epoch, shard_index;
        assert_status(gan_dataset_next_batch(whole, whole_rng, big, NULL, &count), GAN_OK);
        assert_int_equal(count, WORLD * LOCAL);
        assert_status(gan_dataset_position(whole, &epoch, &index), GAN_OK);
        for (int r = 0; r < WORLD; r++) {
            assert_status(gan_dataset_next_batch(shards[r], rngs[r], small, NULL, &count), GAN_OK);
            assert_int_equal(count, LOCAL);
            for (int row = 0; row < LOCAL; row++)
                assert_int_equal(sample_of(small, row), sample_of(big, r * LOCAL + row));
            assert_status(gan_dataset_position(shards[r], &shard_epoch, &shard_index), GAN_OK);
            assert_int_equal(shard_epoch, epoch);
            assert_int_equal(shard_index, index);
        }
    }
    /* Unsharded again; the rank and world are checked. */
    assert_status(gan_dataset_set_shard(shards[0], 0, 1), GAN_OK);
    assert_status(gan_dataset_set_shard(shards[0], 3, 3), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_shard(shards[0], -1, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_shard(shards[0], 0, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_dataset_set_shard(shards[0], 0, 65537), GAN_ERR_INVALID_ARGUMENT);
    /* A global batch larger than the data set delivers nothing: refused. */
    gan_tensor *too_big = new_tensor4(9, 1, ROWS, COLS);
    int64_t count = -1;
    assert_status(gan_dataset_next_batch(shards[1], rngs[1], too_big, NULL, &count), GAN_ERR_SHAPE);
    assert_non_null(strstr(gan_last_error(), "over every shard"));
    gan_tensor_free(too_big);
    gan_tensor_free(big);
    gan_tensor_free(small);
    for (int r = 0; r < WORLD; r++) {
        gan_dataset_free(shards[r]);
        gan_rng_free(rngs[r]);
    }
    gan_dataset_free(whole);
    gan_rng_free(whole_rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_files_load_raw_and_gzip),
        cmocka_unit_test(pixels_scale_exactly),
        cmocka_unit_test(hostile_files_are_rejected),
        cmocka_unit_test(every_failed_allocation_is_survived),
        cmocka_unit_test(batches_visit_every_sample_once_per_epoch),
        cmocka_unit_test(every_order_is_equally_likely),
        cmocka_unit_test(the_last_batch_is_short_or_dropped),
        cmocka_unit_test(batch_arguments_are_checked),
        cmocka_unit_test(copies_are_in_file_order),
        cmocka_unit_test(shards_split_one_global_batch),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
