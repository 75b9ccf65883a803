/*
 * White-box: slices of a random fill (core/random_impl.h). Elements [first, first + count)
 * of a fill of `total` are bitwise the same elements of the whole fill, for uniform and
 * normal numbers, at every alignment to the 4-word blocks and the normals' Box-Muller pairs,
 * and the stream ends where the whole fill leaves it. This is what lets each process of a
 * data-parallel run draw its own slice of one global batch's noise.
 *
 * The gan__rng_* functions are internal (hidden in libgan.so): this program links the
 * static library (Makefile, WHITE_BOX_TESTS).
 */
#include "core/random_impl.h"
#include "test_support.h"

enum { TOTAL_MAX = 23 };

static void slices_are_the_whole_fill_s_elements(void **state)
{
    (void)state;
    for (int normal = 0; normal <= 1; normal++)
        for (int64_t total = 1; total <= TOTAL_MAX; total++)
            for (int64_t first = 0; first < total; first++)
                for (int64_t count = 0; first + count <= total; count++) {
                    gan_rng *whole = NULL, *part = NULL;
                    float all[TOTAL_MAX], slice[TOTAL_MAX];
                    assert_status(gan_rng_new(&whole, 42), GAN_OK);
                    assert_status(gan_rng_new(&part, 42), GAN_OK);
                    /* Start both off a block boundary's worth of earlier draws. */
                    assert_status(gan_rng_set_position(whole, GAN_RNG_NOISE, 5), GAN_OK);
                    assert_status(gan_rng_set_position(part, GAN_RNG_NOISE, 5), GAN_OK);
                    if (normal) {
                        assert_status(gan__rng_normal(whole, GAN_RNG_NOISE, all, total, 0.5f,
                                                      2.0f), GAN_OK);
                        assert_status(gan__rng_normal_slice(part, GAN_RNG_NOISE, slice, first,
                                                            count, total, 0.5f, 2.0f), GAN_OK);
                    } else {
                        assert_status(gan__rng_uniform(whole, GAN_RNG_NOISE, all, total, -1.0f,
                                                       3.0f), GAN_OK);
                        assert_status(gan__rng_uniform_slice(part, GAN_RNG_NOISE, slice, first,
                                                             count, total, -1.0f, 3.0f), GAN_OK);
                    }
                    if (count > 0)
                        assert_memory_equal(slice, all + first, (size_t)count * sizeof(float));
                    uint64_t a, b;
                    assert_status(gan_rng_get_position(whole, GAN_RNG_NOISE, &a), GAN_OK);
                    assert_status(gan_rng_get_position(part, GAN_RNG_NOISE, &b), GAN_OK);
                    assert_true(a == b && a == 5 + (uint64_t)(total + 3) / 4);
                    gan_rng_free(whole);
                    gan_rng_free(part);
                }
}

/* A slice beyond the stream's end fails like the whole fill, and moves nothing. */
static void an_exhausted_stream_fails_the_slice(void **state)
{
    (void)state;
    gan_rng *rng = NULL;
    float values[4];
    assert_status(gan_rng_new(&rng, 1), GAN_OK);
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, UINT64_MAX - 1), GAN_OK);
    assert_status(gan__rng_normal_slice(rng, GAN_RNG_NOISE, values, 4, 4, 12, 0.0f, 1.0f),
                  GAN_ERR_OVERFLOW);
    assert_status(gan__rng_uniform_slice(rng, GAN_RNG_NOISE, values, 0, 4, 12, 0.0f, 1.0f),
                  GAN_ERR_OVERFLOW);
    uint64_t position;
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &position), GAN_OK);
    assert_true(position == UINT64_MAX - 1);
    gan_rng_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slices_are_the_whole_fill_s_elements),
        cmocka_unit_test(an_exhausted_stream_fails_the_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
