/* The thread count: validated, remembered, and passed on to OpenBLAS. */
#include <cblas.h>

#include "test_support.h"

static void set_and_get_agree_and_reach_blas(void **state)
{
    (void)state;
    assert_true(gan_get_num_threads() >= 1);
    for (int count = 1; count <= 2; count++) {
        assert_status(gan_set_num_threads(count), GAN_OK);
        assert_int_equal(gan_get_num_threads(), count);
        assert_int_equal(openblas_get_num_threads(), count);
    }
}

static void out_of_range_counts_change_nothing(void **state)
{
    (void)state;
    assert_status(gan_set_num_threads(1), GAN_OK);
    assert_status(gan_set_num_threads(0), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("0 is outside 1..1024");
    assert_status(gan_set_num_threads(-3), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_set_num_threads(1025), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_get_num_threads(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_and_get_agree_and_reach_blas),
        cmocka_unit_test(out_of_range_counts_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
