/* The version macros and the run-time version agree. */
#include <stdio.h>

#include "test_support.h"

static void runtime_version_matches_the_header(void **state)
{
    (void)state;
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", GAN_VERSION_MAJOR, GAN_VERSION_MINOR,
             GAN_VERSION_PATCH);
    assert_string_equal(gan_version_string(), expected);
    assert_string_equal(GAN_VERSION_STRING, expected);
    assert_int_equal(gan_version_number(),
                     GAN_VERSION_MAJOR * 10000 + GAN_VERSION_MINOR * 100 + GAN_VERSION_PATCH);
    assert_int_equal(gan_version_number(), GAN_VERSION_NUMBER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runtime_version_matches_the_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
