/*
 * White-box: a data set's checkpoint state (data/dataset_impl.h). Stopping anywhere, saving
 * the state and the rng's positions, and restoring them into a fresh data set and rng gives
 * exactly the batches that not stopping gives; bad states are refused.
 *
 * The gan__dataset_* functions are internal (hidden in libgan.so), so this program compiles
 * the data set's sources and the core they use into itself (a unity build): every gan_*
 * function it calls is its own copy, built from the same files with the same flags.
 */
#include "idx_test_support.h"

#include "core/alloc.c"
#include "core/random.c"
#include "core/status.c"
#include "core/tensor.c"
#include "data/dataset.c"
#include "data/idx.c"

enum { N = 23, ROWS = 2, COLS = 2, SAMPLE = ROWS * COLS, BATCH = 5, STEPS = 40 };

static gan_dataset *load(int drop_last)
{
    gan_dataset *dataset = NULL;
    assert_status(gan_dataset_load_idx(&dataset, temp_path("state-images"),
                                       temp_path("state-labels"), GAN_PIXELS_UNIT),
                  GAN_OK);
    assert_status(gan_dataset_set_int(dataset, GAN_DATASET_DROP_LAST, drop_last), GAN_OK);
    return dataset;
}

/* One batch: the delivered count, then the sample indices (from the first pixel). */
static void next(gan_dataset *dataset, gan_rng *rng, gan_tensor *images, int64_t out[BATCH + 1])
{
    int64_t count = -1;
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_OK);
    out[0] = count;
    for (int64_t row = 0; row < BATCH; row++)
        out[row + 1] = row < count ? lroundf(gan_tensor_data(images)[row * SAMPLE] * 255.0f) : -1;
}

typedef struct saved {
    gan_dataset_state state;
    uint64_t positions[4];
} saved;

static void save(const gan_dataset *dataset, const gan_rng *rng, saved *out)
{
    gan__dataset_get_state(dataset, &out->state);
    for (int s = 0; s < 4; s++)
        assert_status(gan_rng_get_position(rng, (gan_rng_stream)s, &out->positions[s]), GAN_OK);
}

static void restore(gan_dataset *dataset, gan_rng *rng, const saved *in)
{
    assert_status(gan__dataset_check_state(dataset, &in->state), GAN_OK);
    gan__dataset_set_state(dataset, rng, &in->state);
    for (int s = 0; s < 4; s++)
        assert_status(gan_rng_set_position(rng, (gan_rng_stream)s, in->positions[s]), GAN_OK);
}

static void a_restored_state_continues_identically(void **state)
{
    (void)state;
    write_test_set(temp_path("state-images"), temp_path("state-labels"), 0, N, ROWS, COLS);
    int64_t shape[4] = {BATCH, 1, ROWS, COLS};
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, shape), GAN_OK);
    for (int drop_last = 0; drop_last < 2; drop_last++) {
        /* The reference run, never stopped; also the state before every step. */
        static int64_t reference[STEPS][BATCH + 1];
        static saved before[STEPS];
        gan_dataset *dataset = load(drop_last);
        gan_rng *rng = NULL;
        assert_status(gan_rng_new(&rng, 2024), GAN_OK);
        for (int step = 0; step < STEPS; step++) {
            save(dataset, rng, &before[step]);
            next(dataset, rng, images, reference[step]);
            /* Noise drawn between batches must be restored too. */
            assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, images, 0.0f, 1.0f), GAN_OK);
        }
        /* Before the first batch: no order drawn yet. */
        assert_int_equal(before[0].state.epoch, 0);
        assert_int_equal(before[0].state.index, 0);
        assert_true(before[0].state.shuffle_position == GAN_DATASET_ORDER_NOT_DRAWN);
        assert_int_equal(before[0].state.count, N);
        /* Stop at every step: restore into a fresh data set and rng (same seed), go on. */
        for (int stop = 0; stop < STEPS; stop++) {
            gan_dataset *resumed = load(drop_last);
            gan_rng *other = NULL;
            assert_status(gan_rng_new(&other, 2024), GAN_OK);
            /* Move the fresh objects somewhere else first. */
            int64_t scratch[BATCH + 1];
            for (int i = 0; i < stop % 7; i++)
                next(resumed, other, images, scratch);
            restore(resumed, other, &before[stop]);
            for (int step = stop; step < STEPS; step++) {
                int64_t got[BATCH + 1];
                next(resumed, other, images, got);
                assert_memory_equal(got, reference[step], sizeof got);
                assert_status(gan_rng_fill_uniform(other, GAN_RNG_NOISE, images, 0.0f, 1.0f),
                              GAN_OK);
            }
            saved end_a, end_b;
            save(dataset, rng, &end_a);
            save(resumed, other, &end_b);
            assert_memory_equal(&end_a, &end_b, sizeof end_a);
            gan_rng_free(other);
            gan_dataset_free(resumed);
        }
        gan_rng_free(rng);
        gan_dataset_free(dataset);
    }
    gan_tensor_free(images);
}

static void set_state_redraws_the_order_where_next_batch_drew_it(void **state)
{
    (void)state;
    write_test_set(temp_path("state-images"), temp_path("state-labels"), 0, N, ROWS, COLS);
    gan_dataset *dataset = load(0);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 5), GAN_OK);
    int64_t shape[4] = {BATCH, 1, ROWS, COLS};
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, shape), GAN_OK);
    assert_status(gan_rng_set_position(rng, GAN_RNG_SHUFFLE, 1000), GAN_OK);
    int64_t batch[BATCH + 1];
    next(dataset, rng, images, batch);
    gan_dataset_state got;
    gan__dataset_get_state(dataset, &got);
    assert_int_equal(got.shuffle_position, 1000);
    assert_int_equal(got.index, BATCH);
    uint64_t after_draw = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &after_draw), GAN_OK);
    assert_true(after_draw >= 1000 + (N - 1) / 4);
    uint32_t order[N];
    memcpy(order, dataset->order, sizeof order);
    /* A redraw lands the stream where next_batch left it, with the same order. */
    assert_status(gan_rng_set_position(rng, GAN_RNG_SHUFFLE, 0), GAN_OK);
    gan__dataset_set_state(dataset, rng, &got);
    uint64_t after_redraw = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &after_redraw), GAN_OK);
    assert_int_equal(after_redraw, after_draw);
    assert_memory_equal(order, dataset->order, sizeof order);
    gan_tensor_free(images);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
}

static void bad_states_are_refused(void **state)
{
    (void)state;
    write_test_set(temp_path("state-images"), temp_path("state-labels"), 0, N, ROWS, COLS);
    gan_dataset *dataset = load(0);
    const struct {
        gan_dataset_state state;
        gan_status want;
        const char *needle;
    } cases[] = {
        {{0, 0, GAN_DATASET_ORDER_NOT_DRAWN, N}, GAN_OK, ""},
        {{3, N, 17, N}, GAN_OK, ""},
        {{0, 0, GAN_DATASET_ORDER_NOT_DRAWN, N + 1}, GAN_ERR_SHAPE, "24 samples, this one has 23"},
        {{-1, 0, 0, N}, GAN_ERR_FORMAT, "epoch -1"},
        {{0, N + 1, 0, N}, GAN_ERR_FORMAT, "index 24 is outside 0..23"},
        {{0, -1, 0, N}, GAN_ERR_FORMAT, "index -1"},
        {{0, 3, GAN_DATASET_ORDER_NOT_DRAWN, N}, GAN_ERR_FORMAT, "never drawn"},
        {{0, 3, UINT64_MAX - 1, N}, GAN_ERR_FORMAT, "too close"},
    };
    gan_dataset_state before;
    gan__dataset_get_state(dataset, &before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_status(gan__dataset_check_state(dataset, &cases[i].state), cases[i].want);
        assert_error_mentions(cases[i].needle);
        gan_dataset_state after;
        gan__dataset_get_state(dataset, &after);
        assert_memory_equal(&before, &after, sizeof before);
    }
    /* next_batch refuses a shuffle stream near its end, and moves nothing. */
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 5), GAN_OK);
    assert_status(gan_rng_set_position(rng, GAN_RNG_SHUFFLE, UINT64_MAX - 5), GAN_OK);
    int64_t shape[4] = {BATCH, 1, ROWS, COLS};
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, shape), GAN_OK);
    int64_t count = -1;
    assert_status(gan_dataset_next_batch(dataset, rng, images, NULL, &count), GAN_ERR_OVERFLOW);
    assert_error_mentions("too close");
    gan_dataset_state after;
    gan__dataset_get_state(dataset, &after);
    assert_memory_equal(&before, &after, sizeof before);
    gan_tensor_free(images);
    gan_rng_free(rng);
    gan_dataset_free(dataset);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restored_state_continues_identically),
        cmocka_unit_test(set_state_redraws_the_order_where_next_batch_drew_it),
        cmocka_unit_test(bad_states_are_refused),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
