/*
 * Misuse cases of the core: status, runtime settings, version, tensors, random numbers.
 */
#ifndef GAN_TEST_API_MISUSE_CORE_H
#define GAN_TEST_API_MISUSE_CORE_H

#include <pthread.h>

#include "api_misuse_support.h"

/* ---- status, runtime, version ---- */

static void gan_status_string_misuse(fixture *f)
{
    (void)f;
    const gan_status unknown[] = {(gan_status)1, (gan_status)-11, (gan_status)INT_MIN,
                                  (gan_status)INT_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        misuse_calls++;
        assert_string_equal(gan_status_string(unknown[i]), "unknown status");
    }
}

static void *read_message_of_new_thread(void *arg)
{
    (void)arg;
    return (void *)gan_last_error();
}

static void gan_last_error_misuse(fixture *f)
{
    (void)f;
    /* It takes no arguments: the only misuse is asking before anything failed. */
    pthread_t thread;
    void *message = NULL;
    assert_int_equal(pthread_create(&thread, NULL, read_message_of_new_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, &message), 0);
    misuse_calls++;
    assert_non_null(message);
}

static void gan_set_allocator_misuse(fixture *f)
{
    (void)f;
    counting_allocator other = {0};
    misuse(gan_set_allocator(counting_alloc, NULL, &other), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_set_allocator(NULL, counting_free, &other), GAN_ERR_INVALID_ARGUMENT);
    /* The fixture's objects are live: swapping hooks now would free them with the wrong one. */
    misuse(gan_set_allocator(counting_alloc, counting_free, &other), GAN_ERR_STATE);
    misuse(gan_set_allocator(NULL, NULL, NULL), GAN_ERR_STATE);
    gan_tensor *tensor = new_tensor(1, 4);
    gan_tensor_free(tensor);
    assert_int_equal(other.calls, 0);
}

static void gan_set_num_threads_misuse(fixture *f)
{
    (void)f;
    int before = gan_get_num_threads();
    const int counts[] = {0, -1, 1025, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        misuse(gan_set_num_threads(counts[i]), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_get_num_threads(), before);
}

/* Functions without arguments cannot be called wrongly; their cases check the answer. */
static void gan_get_num_threads_misuse(fixture *f)
{
    (void)f;
    misuse_calls++;
    assert_in_range(gan_get_num_threads(), 1, 1024);
}

static void gan_version_string_misuse(fixture *f)
{
    (void)f;
    misuse_calls++;
    assert_string_equal(gan_version_string(), GAN_VERSION_STRING);
}

static void gan_version_number_misuse(fixture *f)
{
    (void)f;
    misuse_calls++;
    assert_int_equal(gan_version_number(), GAN_VERSION_NUMBER);
}

/* ---- tensors ---- */

static void gan_tensor_new_misuse(fixture *f)
{
    (void)f;
    gan_tensor *t;
    const int64_t negative[2] = {3, -2}, huge[2] = {INT64_MAX, 2}, too_many[2] = {INT64_MAX / 2, 8};
    misuse(gan_tensor_new(NULL, 1, (const int64_t[]){3}), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_tensor_new(&t, -1, negative), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_tensor_new(&t, GAN_TENSOR_MAX_RANK + 1, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_tensor_new(&t, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_tensor_new(&t, 2, negative), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_tensor_new(&t, 2, huge), GAN_ERR_OVERFLOW);
    misuse_new(t, gan_tensor_new(&t, 2, too_many), GAN_ERR_OVERFLOW);
}

static void gan_tensor_free_misuse(fixture *f)
{
    no_op(gan_tensor_free(NULL));
    /* A view the model lent out is the model's: freeing it must change nothing. */
    gan_tensor *weight = NULL;
    assert_status(gan_model_named_parameter(f->game.d_model, 0, NULL, &weight, NULL), GAN_OK);
    no_op(gan_tensor_free(weight));
    assert_status(gan_model_named_parameter(f->game.d_model, 0, NULL, &weight, NULL), GAN_OK);
    assert_int_equal(gan_tensor_numel(weight), 10 * FEATURES);
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
}

NULL_CASE_VALUE(gan_tensor_rank, -1)

static void gan_tensor_dim_misuse(fixture *f)
{
    misuse_value(gan_tensor_dim(NULL, 0), -1);
    const int axes[] = {2, -3, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++)
        misuse_value(gan_tensor_dim(f->tensor, axes[i]), -1);
}

NULL_CASE_VALUE(gan_tensor_numel, -1)

static void gan_tensor_shape_misuse(fixture *f)
{
    int64_t shape[2] = {-7, -7};
    misuse(gan_tensor_shape(NULL, shape, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_shape(f->tensor, NULL, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_shape(f->tensor, NULL, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_shape(f->tensor, shape, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(shape[1], -7);
}

/* The tensor holds 0..5; a failed copy must leave it (or the buffer) as it was. */
static void fill_counting(gan_tensor *tensor)
{
    for (int64_t i = 0; i < gan_tensor_numel(tensor); i++)
        gan_tensor_data(tensor)[i] = (float)i;
}

static void gan_tensor_copy_from_misuse(fixture *f)
{
    float values[7] = {9, 9, 9, 9, 9, 9, 9};
    fill_counting(f->tensor);
    misuse(gan_tensor_copy_from(NULL, values, 6), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_copy_from(f->tensor, NULL, 6), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_copy_from(f->tensor, values, 5), GAN_ERR_SHAPE);
    misuse(gan_tensor_copy_from(f->tensor, values, 7), GAN_ERR_SHAPE);
    misuse(gan_tensor_copy_from(f->tensor, values, SIZE_MAX), GAN_ERR_SHAPE);
    assert_float_equal(gan_tensor_data(f->tensor)[5], 5.0f, 0.0f);
}

static void gan_tensor_copy_to_misuse(fixture *f)
{
    float values[7] = {9, 9, 9, 9, 9, 9, 9};
    fill_counting(f->tensor);
    misuse(gan_tensor_copy_to(NULL, values, 6), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_copy_to(f->tensor, NULL, 6), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_copy_to(f->tensor, values, 5), GAN_ERR_SHAPE);
    misuse(gan_tensor_copy_to(f->tensor, values, 7), GAN_ERR_SHAPE);
    assert_float_equal(values[0], 9.0f, 0.0f);
}

NULL_CASE_NULL(gan_tensor_data)
NULL_CASE_NULL(gan_tensor_data_const)

static void gan_tensor_fill_misuse(fixture *f)
{
    (void)f;
    misuse(gan_tensor_fill(NULL, 1.0f), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_tensor_reshape_misuse(fixture *f)
{
    gan_tensor *t = f->tensor;
    misuse(gan_tensor_reshape(NULL, 1, (const int64_t[]){6}), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, -1, (const int64_t[]){6}), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, GAN_TENSOR_MAX_RANK + 1, (const int64_t[9]){6}),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, 1, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, 2, (const int64_t[]){-2, -3}), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, 2, (const int64_t[]){-1, -1}), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_tensor_reshape(t, 2, (const int64_t[]){4, 2}), GAN_ERR_SHAPE);
    misuse(gan_tensor_reshape(t, 2, (const int64_t[]){4, -1}), GAN_ERR_SHAPE);
    misuse(gan_tensor_reshape(t, 2, (const int64_t[]){INT64_MAX, 3}), GAN_ERR_OVERFLOW);
    assert_int_equal(gan_tensor_dim(t, 0), 2);
    assert_int_equal(gan_tensor_dim(t, 1), 3);
    /* A parameter the model lent out has a fixed shape. */
    gan_tensor *weight = NULL;
    assert_status(gan_model_named_parameter(f->game.d_model, 0, NULL, &weight, NULL), GAN_OK);
    misuse(gan_tensor_reshape(weight, 1, (const int64_t[]){-1}), GAN_ERR_STATE);
}

/* ---- random numbers ---- */

static void gan_rng_new_misuse(fixture *f)
{
    (void)f;
    misuse(gan_rng_new(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_NO_OP(gan_rng_free)
NULL_CASE_VALUE(gan_rng_seed, 0)

/* The i-th value that is not a stream. */
#define BAD_STREAM(i) ((gan_rng_stream)bad_enum((i), GAN_RNG_INSTANCE_NOISE))

static void gan_rng_fill_uniform_misuse(fixture *f)
{
    gan_rng *rng = f->game.rng;
    uint64_t before = 0, after = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &before), GAN_OK);
    misuse(gan_rng_fill_uniform(NULL, GAN_RNG_NOISE, f->tensor, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, NULL, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_rng_fill_uniform(rng, BAD_STREAM(i), f->tensor, 0, 1),
               GAN_ERR_INVALID_ARGUMENT);
    const float bounds[][2] = {{1, 1}, {2, 1}, {NAN, 1}, {0, NAN}, {-INFINITY, 0}, {0, INFINITY}};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        misuse(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, f->tensor, bounds[i][0], bounds[i][1]),
               GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &after), GAN_OK);
    assert_int_equal(after, before);
    /* Two blocks before the stream's end: no room for 6 numbers and the block after them. */
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, UINT64_MAX - 1), GAN_OK);
    misuse_says(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, f->tensor, 0, 1), GAN_ERR_OVERFLOW,
                "uniform fill");
}

static void gan_rng_fill_normal_misuse(fixture *f)
{
    gan_rng *rng = f->game.rng;
    misuse(gan_rng_fill_normal(NULL, GAN_RNG_NOISE, f->tensor, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_rng_fill_normal(rng, GAN_RNG_NOISE, NULL, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_rng_fill_normal(rng, BAD_STREAM(i), f->tensor, 0, 1),
               GAN_ERR_INVALID_ARGUMENT);
    const float moments[][2] = {{NAN, 1}, {INFINITY, 1}, {0, -1}, {0, NAN}, {0, INFINITY}};
    for (size_t i = 0; i < sizeof moments / sizeof moments[0]; i++)
        misuse(gan_rng_fill_normal(rng, GAN_RNG_NOISE, f->tensor, moments[i][0], moments[i][1]),
               GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, UINT64_MAX - 1), GAN_OK);
    misuse_says(gan_rng_fill_normal(rng, GAN_RNG_NOISE, f->tensor, 0, 1), GAN_ERR_OVERFLOW,
                "normal fill");
}

static void gan_rng_get_position_misuse(fixture *f)
{
    uint64_t position = 77;
    misuse(gan_rng_get_position(NULL, GAN_RNG_NOISE, &position), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_rng_get_position(f->game.rng, GAN_RNG_NOISE, NULL), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_rng_get_position(f->game.rng, BAD_STREAM(i), &position),
               GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(position, 77);
}

static void gan_rng_set_position_misuse(fixture *f)
{
    misuse(gan_rng_set_position(NULL, GAN_RNG_NOISE, 1), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_rng_set_position(f->game.rng, BAD_STREAM(i), 1), GAN_ERR_INVALID_ARGUMENT);
}

static const misuse_case core_cases[] = {
    CASE(gan_status_string), CASE(gan_last_error), CASE(gan_set_allocator),
    CASE(gan_set_num_threads), CASE(gan_get_num_threads), CASE(gan_version_string),
    CASE(gan_version_number), CASE(gan_tensor_new), CASE(gan_tensor_free), CASE(gan_tensor_rank),
    CASE(gan_tensor_dim), CASE(gan_tensor_numel), CASE(gan_tensor_shape),
    CASE(gan_tensor_copy_from), CASE(gan_tensor_copy_to), CASE(gan_tensor_data),
    CASE(gan_tensor_data_const), CASE(gan_tensor_fill), CASE(gan_tensor_reshape),
    CASE(gan_rng_new), CASE(gan_rng_free), CASE(gan_rng_seed), CASE(gan_rng_fill_uniform),
    CASE(gan_rng_fill_normal), CASE(gan_rng_get_position), CASE(gan_rng_set_position),
};

#endif /* GAN_TEST_API_MISUSE_CORE_H */
