/* Tensors: shapes, copies, fill, reshape, and every misuse returning an error. */
#include <float.h>

#include "test_support.h"

static gan_tensor *new_tensor(int rank, const int64_t *shape)
{
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, rank, shape), GAN_OK);
    return tensor;
}

static void shape_queries_report_what_was_asked(void **state)
{
    (void)state;
    int64_t shape[4] = {2, 3, 4, 5};
    gan_tensor *tensor = new_tensor(4, shape);
    assert_int_equal(gan_tensor_rank(tensor), 4);
    assert_int_equal(gan_tensor_numel(tensor), 120);
    assert_int_equal(gan_tensor_dim(tensor, 0), 2);
    assert_int_equal(gan_tensor_dim(tensor, 3), 5);
    assert_int_equal(gan_tensor_dim(tensor, -1), 5);
    assert_int_equal(gan_tensor_dim(tensor, -4), 2);
    int64_t copy[GAN_TENSOR_MAX_RANK] = {0};
    assert_status(gan_tensor_shape(tensor, copy, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_memory_equal(copy, shape, sizeof shape);
    gan_tensor_free(tensor);
}

static void new_tensors_are_zero(void **state)
{
    (void)state;
    int64_t shape[2] = {17, 33};
    gan_tensor *tensor = new_tensor(2, shape);
    const float *data = gan_tensor_data(tensor);
    for (int i = 0; i < 17 * 33; i++)
        assert_true(data[i] == 0.0f);
    gan_tensor_free(tensor);
}

static void every_rank_up_to_the_maximum(void **state)
{
    (void)state;
    int64_t shape[GAN_TENSOR_MAX_RANK] = {2, 2, 2, 2, 2, 2, 2, 2};
    for (int rank = 0; rank <= GAN_TENSOR_MAX_RANK; rank++) {
        gan_tensor *tensor = new_tensor(rank, rank ? shape : NULL);
        assert_int_equal(gan_tensor_rank(tensor), rank);
        assert_int_equal(gan_tensor_numel(tensor), 1 << rank);
        gan_tensor_free(tensor);
    }
}

static void bad_shapes_are_rejected(void **state)
{
    (void)state;
    gan_tensor *tensor = (gan_tensor *)state; /* must become NULL */
    int64_t shape[GAN_TENSOR_MAX_RANK + 1] = {2, 2, 2, 2, 2, 2, 2, 2, 2};
    assert_status(gan_tensor_new(&tensor, GAN_TENSOR_MAX_RANK + 1, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_null(tensor);
    assert_error_mentions("rank 9");
    assert_status(gan_tensor_new(&tensor, -1, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_new(&tensor, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("shape");
    assert_status(gan_tensor_new(NULL, 1, shape), GAN_ERR_INVALID_ARGUMENT);
    int64_t negative[3] = {4, -2, 4};
    assert_status(gan_tensor_new(&tensor, 3, negative), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("-2");
    int64_t minus_one[1] = {-1}; /* -1 is only for reshape */
    assert_status(gan_tensor_new(&tensor, 1, minus_one), GAN_ERR_INVALID_ARGUMENT);
    assert_null(tensor);
}

static void overflowing_sizes_are_rejected(void **state)
{
    (void)state;
    gan_tensor *tensor = NULL;
    int64_t elements_overflow[3] = {INT64_C(1) << 32, INT64_C(1) << 32, 2};
    assert_status(gan_tensor_new(&tensor, 3, elements_overflow), GAN_ERR_OVERFLOW);
    assert_null(tensor);
    int64_t bytes_overflow[2] = {INT64_C(1) << 31, INT64_C(1) << 31}; /* 2^62 floats */
    assert_status(gan_tensor_new(&tensor, 2, bytes_overflow), GAN_ERR_OVERFLOW);
    int64_t huge[1] = {INT64_MAX};
    assert_status(gan_tensor_new(&tensor, 1, huge), GAN_ERR_OVERFLOW);
    assert_null(tensor);
}

static void out_of_memory_is_an_error(void **state)
{
    (void)state;
    gan_tensor *tensor = NULL;
    int64_t too_big[1] = {INT64_C(1) << 60}; /* 4 EiB: no machine has it */
    assert_status(gan_tensor_new(&tensor, 1, too_big), GAN_ERR_OUT_OF_MEMORY);
    assert_null(tensor);
}

static void empty_tensors_are_valid(void **state)
{
    (void)state;
    int64_t shape[3] = {4, 0, INT64_MAX}; /* zero elements: no overflow */
    gan_tensor *tensor = new_tensor(3, shape);
    assert_int_equal(gan_tensor_numel(tensor), 0);
    assert_null(gan_tensor_data(tensor));
    assert_status(gan_tensor_copy_from(tensor, NULL, 0), GAN_OK);
    assert_status(gan_tensor_copy_to(tensor, NULL, 0), GAN_OK);
    assert_status(gan_tensor_fill(tensor, 1.0f), GAN_OK);
    int64_t flat[2] = {0, 7};
    assert_status(gan_tensor_reshape(tensor, 2, flat), GAN_OK);
    int64_t inferred[2] = {-1, 7}; /* 0 / 7 is 0, but -1 next to a 0 is ambiguous */
    int64_t ambiguous[2] = {0, -1};
    assert_status(gan_tensor_reshape(tensor, 2, inferred), GAN_OK);
    assert_int_equal(gan_tensor_dim(tensor, 0), 0);
    assert_status(gan_tensor_reshape(tensor, 2, ambiguous), GAN_ERR_SHAPE);
    gan_tensor_free(tensor);
}

static void copies_round_trip(void **state)
{
    (void)state;
    int64_t shape[2] = {3, 5};
    gan_tensor *tensor = new_tensor(2, shape);
    float in[15], out[15];
    for (int i = 0; i < 15; i++)
        in[i] = (float)i * 0.5f - 3.0f;
    in[7] = -FLT_MAX;
    assert_status(gan_tensor_copy_from(tensor, in, 15), GAN_OK);
    assert_status(gan_tensor_copy_to(tensor, out, 15), GAN_OK);
    assert_memory_equal(in, out, sizeof in);
    assert_memory_equal(gan_tensor_data(tensor), in, sizeof in);
    gan_tensor_free(tensor);
}

static void copies_with_the_wrong_count_change_nothing(void **state)
{
    (void)state;
    int64_t shape[2] = {3, 5};
    gan_tensor *tensor = new_tensor(2, shape);
    float buffer[16];
    for (int i = 0; i < 16; i++)
        buffer[i] = 9.0f;
    assert_status(gan_tensor_copy_from(tensor, buffer, 12), GAN_ERR_SHAPE);
    assert_error_mentions("12 elements given, tensor [3, 5] holds 15");
    assert_status(gan_tensor_copy_from(tensor, buffer, 16), GAN_ERR_SHAPE);
    assert_true(gan_tensor_data(tensor)[0] == 0.0f);
    assert_status(gan_tensor_copy_to(tensor, buffer, 14), GAN_ERR_SHAPE);
    assert_true(buffer[0] == 9.0f);
    assert_status(gan_tensor_copy_from(tensor, NULL, 15), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_copy_to(tensor, NULL, 15), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_copy_from(NULL, buffer, 15), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_copy_to(NULL, buffer, 15), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor_free(tensor);
}

static void fill_sets_every_element(void **state)
{
    (void)state;
    int64_t shape[3] = {2, 3, 7};
    gan_tensor *tensor = new_tensor(3, shape);
    assert_status(gan_tensor_fill(tensor, -2.5f), GAN_OK);
    for (int i = 0; i < 42; i++)
        assert_true(gan_tensor_data(tensor)[i] == -2.5f);
    assert_status(gan_tensor_fill(NULL, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor_free(tensor);
}

static void reshape_keeps_the_data(void **state)
{
    (void)state;
    int64_t shape[4] = {2, 3, 4, 5};
    gan_tensor *tensor = new_tensor(4, shape);
    float *data = gan_tensor_data(tensor);
    data[119] = 7.0f;
    int64_t flat[2] = {2, -1};
    assert_status(gan_tensor_reshape(tensor, 2, flat), GAN_OK);
    assert_int_equal(gan_tensor_dim(tensor, 1), 60);
    assert_ptr_equal(gan_tensor_data(tensor), data);
    assert_true(data[119] == 7.0f);
    assert_status(gan_tensor_reshape(tensor, 0, NULL), GAN_ERR_SHAPE); /* a scalar holds 1 */
    gan_tensor_free(tensor);
}

static void bad_reshapes_change_nothing(void **state)
{
    (void)state;
    int64_t shape[2] = {6, 4};
    gan_tensor *tensor = new_tensor(2, shape);
    int64_t wrong_count[2] = {5, 5};
    assert_status(gan_tensor_reshape(tensor, 2, wrong_count), GAN_ERR_SHAPE);
    assert_error_mentions("cannot reshape [6, 4] (24 elements) to [5, 5] (25)");
    int64_t two_inferred[3] = {-1, -1, 2};
    assert_status(gan_tensor_reshape(tensor, 3, two_inferred), GAN_ERR_INVALID_ARGUMENT);
    int64_t not_divisible[2] = {-1, 5};
    assert_status(gan_tensor_reshape(tensor, 2, not_divisible), GAN_ERR_SHAPE);
    int64_t below_minus_one[2] = {-2, -12};
    assert_status(gan_tensor_reshape(tensor, 2, below_minus_one), GAN_ERR_INVALID_ARGUMENT);
    int64_t overflow[3] = {INT64_C(1) << 40, INT64_C(1) << 40, -1};
    assert_status(gan_tensor_reshape(tensor, 3, overflow), GAN_ERR_OVERFLOW);
    assert_status(gan_tensor_reshape(tensor, 9, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_reshape(tensor, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_reshape(NULL, 2, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_tensor_rank(tensor), 2);
    assert_int_equal(gan_tensor_dim(tensor, 0), 6);
    assert_int_equal(gan_tensor_dim(tensor, 1), 4);
    gan_tensor_free(tensor);
}

static void queries_on_bad_handles_fail_softly(void **state)
{
    (void)state;
    assert_int_equal(gan_tensor_rank(NULL), -1);
    assert_int_equal(gan_tensor_numel(NULL), -1);
    assert_int_equal(gan_tensor_dim(NULL, 0), -1);
    assert_null(gan_tensor_data(NULL));
    assert_error_mentions("gan_tensor_data");
    gan_tensor_free(NULL);

    int64_t shape[2] = {2, 3};
    gan_tensor *tensor = new_tensor(2, shape);
    assert_int_equal(gan_tensor_dim(tensor, 2), -1);
    assert_error_mentions("axis 2");
    assert_int_equal(gan_tensor_dim(tensor, -3), -1);
    int64_t small[1];
    assert_status(gan_tensor_shape(tensor, small, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("capacity 1");
    assert_status(gan_tensor_shape(tensor, NULL, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_tensor_shape(NULL, small, 1), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor_free(tensor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shape_queries_report_what_was_asked),
        cmocka_unit_test(new_tensors_are_zero),
        cmocka_unit_test(every_rank_up_to_the_maximum),
        cmocka_unit_test(bad_shapes_are_rejected),
        cmocka_unit_test(overflowing_sizes_are_rejected),
        cmocka_unit_test(out_of_memory_is_an_error),
        cmocka_unit_test(empty_tensors_are_valid),
        cmocka_unit_test(copies_round_trip),
        cmocka_unit_test(copies_with_the_wrong_count_change_nothing),
        cmocka_unit_test(fill_sets_every_element),
        cmocka_unit_test(reshape_keeps_the_data),
        cmocka_unit_test(bad_reshapes_change_nothing),
        cmocka_unit_test(queries_on_bad_handles_fail_softly),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
