/* The allocator hooks: every allocation goes through them, failures are clean. */
#include "test_support.h"

static counting_allocator counter;

static int install(void **state)
{
    (void)state;
    memset(&counter, 0, sizeof counter);
    return gan_set_allocator(counting_alloc, counting_free, &counter) == GAN_OK ? 0 : -1;
}

static int restore(void **state)
{
    (void)state;
    return gan_set_allocator(NULL, NULL, NULL) == GAN_OK ? 0 : -1;
}

static void every_object_allocates_through_the_hooks(void **state)
{
    (void)state;
    gan_tensor *tensor = NULL;
    gan_rng *rng = NULL;
    int64_t shape[2] = {3, 5};
    assert_status(gan_tensor_new(&tensor, 2, shape), GAN_OK);
    assert_status(gan_rng_new(&rng, 1), GAN_OK);
    assert_int_equal(counter.live, 3); /* tensor, its data, the generator */
    gan_tensor_free(tensor);
    gan_rng_free(rng);
    assert_int_equal(counter.live, 0);
}

static void blocks_are_aligned_for_simd(void **state)
{
    (void)state;
    gan_tensor *tensor = NULL;
    int64_t shape[1] = {7};
    assert_status(gan_tensor_new(&tensor, 1, shape), GAN_OK);
    assert_int_equal(counter.last_alignment, 64);
    assert_int_equal(counter.last_size % 64, 0);
    assert_true(counter.last_size >= 7 * sizeof(float));
    assert_int_equal((uintptr_t)gan_tensor_data(tensor) % 64, 0);
    gan_tensor_free(tensor);
}

/* Fail each allocation of gan_tensor_new in turn, then all from it on: a clean error,
 * *out NULL, nothing left allocated. */
static void tensor_new_survives_every_failed_allocation(void **state)
{
    (void)state;
    int64_t shape[3] = {2, 3, 4};
    for (int onwards = 0; onwards <= 1; onwards++) {
        for (long k = 1;; k++) {
            counter.calls = 0;
            counter.fail_at = k;
            counter.fail_onwards = onwards;
            gan_tensor *tensor = (gan_tensor *)&counter; /* must be overwritten */
            gan_status status = gan_tensor_new(&tensor, 3, shape);
            counter.fail_at = 0;
            if (status == GAN_OK) {
                assert_true(k > 2); /* the tensor and its data */
                gan_tensor_free(tensor);
                break;
            }
            assert_status(status, GAN_ERR_OUT_OF_MEMORY);
            assert_null(tensor);
            assert_error_mentions("out of memory");
            assert_int_equal(counter.live, 0);
        }
    }
}

static void rng_new_survives_a_failed_allocation(void **state)
{
    (void)state;
    counter.calls = 0;
    counter.fail_at = 1;
    gan_rng *rng = (gan_rng *)&counter;
    assert_status(gan_rng_new(&rng, 3), GAN_ERR_OUT_OF_MEMORY);
    counter.fail_at = 0;
    assert_null(rng);
    assert_int_equal(counter.live, 0);
}

static void allocator_cannot_change_under_live_objects(void **state)
{
    (void)state;
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, 0, NULL), GAN_OK);
    assert_status(gan_set_allocator(NULL, NULL, NULL), GAN_ERR_STATE);
    assert_error_mentions("still live");
    gan_tensor_free(tensor); /* freed by the hook that allocated it */
    assert_int_equal(counter.live, 0);
    assert_status(gan_set_allocator(NULL, NULL, NULL), GAN_OK);
    assert_status(gan_set_allocator(counting_alloc, counting_free, &counter), GAN_OK);
}

static void hooks_come_in_pairs(void **state)
{
    (void)state;
    assert_status(gan_set_allocator(counting_alloc, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_set_allocator(NULL, counting_free, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* The rejected calls changed nothing: allocations still reach the counter. */
    long before = counter.calls;
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 0), GAN_OK);
    assert_int_equal(counter.calls, before + 1);
    gan_rng_free(rng);
}

static void default_allocator_works_after_restore(void **state)
{
    (void)state;
    assert_status(gan_set_allocator(NULL, NULL, NULL), GAN_OK);
    long before = counter.calls;
    gan_tensor *tensor = NULL;
    int64_t shape[1] = {1000};
    assert_status(gan_tensor_new(&tensor, 1, shape), GAN_OK);
    assert_int_equal(counter.calls, before);
    assert_int_equal((uintptr_t)gan_tensor_data(tensor) % 64, 0);
    gan_tensor_free(tensor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_object_allocates_through_the_hooks, install, restore),
        cmocka_unit_test_setup_teardown(blocks_are_aligned_for_simd, install, restore),
        cmocka_unit_test_setup_teardown(tensor_new_survives_every_failed_allocation, install, restore),
        cmocka_unit_test_setup_teardown(rng_new_survives_a_failed_allocation, install, restore),
        cmocka_unit_test_setup_teardown(allocator_cannot_change_under_live_objects, install, restore),
        cmocka_unit_test_setup_teardown(hooks_come_in_pairs, install, restore),
        cmocka_unit_test_setup_teardown(default_allocator_works_after_restore, install, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
