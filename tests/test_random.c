/* The random generator: pinned values, streams, positions, statistics, bad arguments. */
#include <float.h>
#include <math.h>

#include "test_support.h"

/* The first Philox-4x32-10 block for key 0, counter 0 (Random123's first known answer):
 * what seed 0, stream GAN_RNG_INIT, position 0 draws. */
static const uint32_t first_block[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};

typedef struct fixture {
    gan_rng *rng;
    gan_tensor *tensor;
} fixture;

static gan_rng *new_rng(uint64_t seed)
{
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    return rng;
}

static gan_tensor *new_vector(int64_t length)
{
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, 1, &length), GAN_OK);
    return tensor;
}

static void uniform_values_are_pinned_to_philox(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(0);
    gan_tensor *tensor = new_vector(4);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, tensor, 0.0f, 1.0f), GAN_OK);
    for (int i = 0; i < 4; i++)
        assert_true(gan_tensor_data(tensor)[i] == (float)(first_block[i] >> 8) / 16777216.0f);
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

static void normal_values_are_box_muller_of_philox(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(0);
    gan_tensor *tensor = new_vector(4);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, tensor, 1.0f, 2.0f), GAN_OK);
    for (int pair = 0; pair < 2; pair++) {
        double radius = sqrt(-2.0 * log((first_block[2 * pair] + 0.5) / 4294967296.0));
        double angle = 6.283185307179586476925286766559 * (first_block[2 * pair + 1] / 4294967296.0);
        assert_true(gan_tensor_data(tensor)[2 * pair] == (float)(1.0 + 2.0 * radius * cos(angle)));
        assert_true(gan_tensor_data(tensor)[2 * pair + 1] == (float)(1.0 + 2.0 * radius * sin(angle)));
    }
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

/* Regression pins (bit patterns) for a non-zero seed and stream: the same on every
 * machine and build. */
static void first_values_of_a_seed_are_pinned(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(UINT64_C(0x0123456789abcdef));
    gan_tensor *tensor = new_vector(6);
    static const uint32_t uniform_bits[6] = {0x3f753bfe, 0xbe1f7be0, 0xbe3431c8,
                                             0xbf74de02, 0x3f623f88, 0x3de9e980};
    static const uint32_t normal_bits[6] = {0xbf1682a9, 0x3f8124c9, 0x3f166de1,
                                            0xbd0dead8, 0xbf1d3b6a, 0xbe0ab138};
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, tensor, -1.0f, 1.0f), GAN_OK);
    for (int i = 0; i < 6; i++) {
        uint32_t bits;
        memcpy(&bits, &gan_tensor_data(tensor)[i], sizeof bits);
        assert_int_equal(bits, uniform_bits[i]);
    }
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_NOISE, tensor, 0.0f, 1.0f), GAN_OK);
    for (int i = 0; i < 6; i++) {
        uint32_t bits;
        memcpy(&bits, &gan_tensor_data(tensor)[i], sizeof bits);
        assert_int_equal(bits, normal_bits[i]);
    }
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

static void same_seed_same_numbers_other_seed_other_numbers(void **state)
{
    (void)state;
    gan_rng *a = new_rng(42), *b = new_rng(42), *c = new_rng(43);
    gan_tensor *ta = new_vector(1000), *tb = new_vector(1000), *tc = new_vector(1000);
    assert_status(gan_rng_fill_normal(a, GAN_RNG_NOISE, ta, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_normal(b, GAN_RNG_NOISE, tb, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_normal(c, GAN_RNG_NOISE, tc, 0.0f, 1.0f), GAN_OK);
    assert_memory_equal(gan_tensor_data(ta), gan_tensor_data(tb), 1000 * sizeof(float));
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += gan_tensor_data(ta)[i] == gan_tensor_data(tc)[i];
    assert_true(same < 5);
    assert_int_equal(gan_rng_seed(a), 42);
    gan_tensor_free(ta);
    gan_tensor_free(tb);
    gan_tensor_free(tc);
    gan_rng_free(a);
    gan_rng_free(b);
    gan_rng_free(c);
}

static void streams_are_independent(void **state)
{
    (void)state;
    gan_rng *plain = new_rng(7), *busy = new_rng(7);
    gan_tensor *expected = new_vector(64), *got = new_vector(64), *other = new_vector(1000);
    assert_status(gan_rng_fill_uniform(plain, GAN_RNG_INIT, expected, 0.0f, 1.0f), GAN_OK);
    /* Drawing from every other stream first must not move the init stream. */
    assert_status(gan_rng_fill_normal(busy, GAN_RNG_NOISE, other, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_uniform(busy, GAN_RNG_DROPOUT, other, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_uniform(busy, GAN_RNG_SHUFFLE, other, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_uniform(busy, GAN_RNG_INIT, got, 0.0f, 1.0f), GAN_OK);
    assert_memory_equal(gan_tensor_data(expected), gan_tensor_data(got), 64 * sizeof(float));
    /* And the streams give different numbers. */
    assert_status(gan_rng_fill_uniform(plain, GAN_RNG_DROPOUT, got, 0.0f, 1.0f), GAN_OK);
    assert_memory_not_equal(gan_tensor_data(expected), gan_tensor_data(got), 64 * sizeof(float));
    gan_tensor_free(expected);
    gan_tensor_free(got);
    gan_tensor_free(other);
    gan_rng_free(plain);
    gan_rng_free(busy);
}

static void positions_advance_by_blocks_and_replay(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(99);
    gan_tensor *five = new_vector(5), *again = new_vector(5), *eight = new_vector(8);
    uint64_t position = 123;
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &position), GAN_OK);
    assert_int_equal(position, 0);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_NOISE, five, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &position), GAN_OK);
    assert_int_equal(position, 2); /* ceil(5 / 4) blocks */
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, 0), GAN_OK);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_NOISE, again, 0.0f, 1.0f), GAN_OK);
    assert_memory_equal(gan_tensor_data(five), gan_tensor_data(again), 5 * sizeof(float));

    /* Two block-aligned fills equal one fill of both: positions are exact. */
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, 10), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, eight, 0.0f, 1.0f), GAN_OK);
    float both[8];
    memcpy(both, gan_tensor_data(eight), sizeof both);
    gan_tensor *half = new_vector(4);
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, 10), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, half, 0.0f, 1.0f), GAN_OK);
    assert_memory_equal(gan_tensor_data(half), both, 4 * sizeof(float));
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, half, 0.0f, 1.0f), GAN_OK);
    assert_memory_equal(gan_tensor_data(half), both + 4, 4 * sizeof(float));
    gan_tensor_free(half);
    gan_tensor_free(five);
    gan_tensor_free(again);
    gan_tensor_free(eight);
    gan_rng_free(rng);
}

static void normal_statistics_hold(void **state)
{
    (void)state;
    const int n = 1 << 20;
    gan_rng *rng = new_rng(2026);
    gan_tensor *tensor = new_vector(n);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_NOISE, tensor, 3.0f, 0.5f), GAN_OK);
    double sum = 0, sum_sq = 0;
    long within_one_sigma = 0;
    const float *x = gan_tensor_data(tensor);
    for (int i = 0; i < n; i++) {
        double z = (x[i] - 3.0) / 0.5;
        sum += z;
        sum_sq += z * z;
        within_one_sigma += fabs(z) < 1.0;
    }
    double mean = sum / n, variance = sum_sq / n - mean * mean;
    /* Five standard errors: a correct generator fails this about once in 10^6 runs. */
    assert_true(fabs(mean) < 5.0 / sqrt(n));
    assert_true(fabs(variance - 1.0) < 5.0 * sqrt(2.0 / n));
    assert_true(fabs((double)within_one_sigma / n - 0.682689) < 5.0 * sqrt(0.2166 / n));
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

static void uniform_statistics_and_bounds_hold(void **state)
{
    (void)state;
    const int n = 1 << 20;
    gan_rng *rng = new_rng(5);
    gan_tensor *tensor = new_vector(n);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_DROPOUT, tensor, -2.0f, 6.0f), GAN_OK);
    const float *x = gan_tensor_data(tensor);
    double sum = 0;
    float low = INFINITY, high = -INFINITY;
    for (int i = 0; i < n; i++) {
        sum += x[i];
        low = fminf(low, x[i]);
        high = fmaxf(high, x[i]);
    }
    assert_true(low >= -2.0f && low < -1.99f);
    assert_true(high < 6.0f && high > 5.99f);
    assert_true(fabs(sum / n - 2.0) < 5.0 * 8.0 / sqrt(12.0 * n));

    /* The widest range: finite values, strictly below high. */
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_DROPOUT, tensor, -FLT_MAX, FLT_MAX), GAN_OK);
    for (int i = 0; i < n; i++)
        assert_true(isfinite(x[i]) && x[i] < FLT_MAX);
    /* A range one float wide gives only low. */
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_DROPOUT, tensor, 1.0f, nextafterf(1.0f, 2.0f)),
                  GAN_OK);
    for (int i = 0; i < n; i++)
        assert_true(x[i] == 1.0f);
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

static void bad_arguments_are_rejected_and_move_nothing(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(1);
    gan_tensor *tensor = new_vector(3);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, tensor, 1.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("low < high");
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, tensor, 2.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, tensor, NAN, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, tensor, 0.0f, INFINITY), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, tensor, 0.0f, -1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, tensor, NAN, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, tensor, 0.0f, INFINITY), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(rng, (gan_rng_stream)5, tensor, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("unknown random stream 5");
    assert_status(gan_rng_fill_normal(rng, (gan_rng_stream)-1, tensor, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(NULL, GAN_RNG_INIT, tensor, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, NULL, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_INIT, NULL, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    uint64_t position = 5;
    assert_status(gan_rng_get_position(rng, GAN_RNG_INIT, &position), GAN_OK);
    assert_int_equal(position, 0); /* nothing above drew a number */
    assert_status(gan_rng_get_position(rng, GAN_RNG_INIT, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_get_position(NULL, GAN_RNG_INIT, &position), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_set_position(rng, (gan_rng_stream)9, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_new(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_rng_seed(NULL), 0);
    gan_rng_free(NULL);

    /* std 0 gives the mean exactly. */
    assert_status(gan_rng_fill_normal(rng, GAN_RNG_INIT, tensor, 0.25f, 0.0f), GAN_OK);
    for (int i = 0; i < 3; i++)
        assert_true(gan_tensor_data(tensor)[i] == 0.25f);
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

static void an_exhausted_stream_is_an_error(void **state)
{
    (void)state;
    gan_rng *rng = new_rng(1);
    gan_tensor *tensor = new_vector(8);
    assert_status(gan_rng_set_position(rng, GAN_RNG_SHUFFLE, UINT64_MAX - 1), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_SHUFFLE, tensor, 0.0f, 1.0f), GAN_ERR_OVERFLOW);
    uint64_t position;
    assert_status(gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &position), GAN_OK);
    assert_true(position == UINT64_MAX - 1);
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uniform_values_are_pinned_to_philox),
        cmocka_unit_test(normal_values_are_box_muller_of_philox),
        cmocka_unit_test(first_values_of_a_seed_are_pinned),
        cmocka_unit_test(same_seed_same_numbers_other_seed_other_numbers),
        cmocka_unit_test(streams_are_independent),
        cmocka_unit_test(positions_advance_by_blocks_and_replay),
        cmocka_unit_test(normal_statistics_hold),
        cmocka_unit_test(uniform_statistics_and_bounds_hold),
        cmocka_unit_test(bad_arguments_are_rejected_and_move_nothing),
        cmocka_unit_test(an_exhausted_stream_is_an_error),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
