/* Status codes, their strings and the thread-local error message. */
#include <pthread.h>

#include "test_support.h"

static void status_values_are_stable(void **state)
{
    (void)state;
    /* Part of the ABI: these numbers may never change. */
    assert_int_equal(GAN_OK, 0);
    assert_int_equal(GAN_ERR_INVALID_ARGUMENT, -1);
    assert_int_equal(GAN_ERR_OUT_OF_MEMORY, -2);
    assert_int_equal(GAN_ERR_OVERFLOW, -3);
    assert_int_equal(GAN_ERR_SHAPE, -4);
    assert_int_equal(GAN_ERR_STATE, -5);
    assert_int_equal(GAN_ERR_IO, -6);
    assert_int_equal(GAN_ERR_FORMAT, -7);
    assert_int_equal(GAN_ERR_UNSUPPORTED, -8);
    assert_int_equal(GAN_ERR_NOT_FOUND, -9);
    assert_int_equal(GAN_ERR_NUMERIC, -10);
    assert_int_equal(sizeof(gan_status), sizeof(int));
}

static void every_status_has_its_own_string(void **state)
{
    (void)state;
    for (int a = -10; a <= 0; a++) {
        const char *text = gan_status_string((gan_status)a);
        assert_non_null(text);
        assert_string_not_equal(text, "unknown status");
        for (int b = a + 1; b <= 0; b++)
            assert_string_not_equal(text, gan_status_string((gan_status)b));
    }
    assert_string_equal(gan_status_string(GAN_OK), "ok");
    assert_string_equal(gan_status_string((gan_status)-11), "unknown status");
    assert_string_equal(gan_status_string((gan_status)1), "unknown status");
}

static void last_error_names_the_function_and_values(void **state)
{
    (void)state;
    assert_non_null(gan_last_error());
    gan_tensor *tensor = NULL;
    int64_t shape[2] = {3, -5};
    assert_status(gan_tensor_new(&tensor, 2, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_null(tensor);
    assert_error_mentions("gan_tensor_new");
    assert_error_mentions("-5");
}

static void success_leaves_the_message_alone(void **state)
{
    (void)state;
    assert_status(gan_set_num_threads(0), GAN_ERR_INVALID_ARGUMENT);
    char before[256];
    snprintf(before, sizeof before, "%s", gan_last_error());
    assert_status(gan_set_num_threads(1), GAN_OK);
    assert_string_equal(gan_last_error(), before);
}

static void *fail_on_this_thread(void *arg)
{
    (void)arg;
    gan_set_num_threads(-7);
    return strstr(gan_last_error(), "-7") ? (void *)1 : NULL;
}

static void message_is_per_thread(void **state)
{
    (void)state;
    assert_status(gan_tensor_new(NULL, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    char before[256];
    snprintf(before, sizeof before, "%s", gan_last_error());

    pthread_t thread;
    void *saw_own_message = NULL;
    assert_int_equal(pthread_create(&thread, NULL, fail_on_this_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, &saw_own_message), 0);
    assert_non_null(saw_own_message);
    assert_string_equal(gan_last_error(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_values_are_stable),
        cmocka_unit_test(every_status_has_its_own_string),
        cmocka_unit_test(last_error_names_the_function_and_values),
        cmocka_unit_test(success_leaves_the_message_alone),
        cmocka_unit_test(message_is_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
