/*
 * Misuse cases of layers, the Sequential model and model files.
 */
#ifndef GAN_TEST_API_MISUSE_NN_H
#define GAN_TEST_API_MISUSE_NN_H

#include "api_misuse_support.h"

/* ---- layer constructors: NULL out, then each argument out of range ---- */

static void gan_layer_dense_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_dense(NULL, 2, 3, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_dense(&l, 0, 3, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_dense(&l, 2, -3, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_dense(&l, INT64_MAX, INT64_MAX, 1), GAN_ERR_OVERFLOW);
}

static void gan_layer_conv2d_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_conv2d(NULL, 1, 2, 3, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 0, 2, 3, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 1, 0, 3, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 1, 2, 0, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 1, 2, 3, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 1, 2, 3, 1, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv2d(&l, 1, 2, INT64_MAX, 1, 0, 1), GAN_ERR_OVERFLOW);
    misuse_new(l, gan_layer_conv2d(&l, INT64_MAX, 2, 3, 1, 0, 1), GAN_ERR_OVERFLOW);
}

static void gan_layer_conv_transpose2d_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_conv_transpose2d(NULL, 1, 2, 3, 2, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, -1, 2, 3, 2, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 0, 3, 2, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 2, 0, 2, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 2, 3, 0, 0, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 2, 3, 2, -1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 2, 3, 2, 0, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, 1, 2, 3, 2, 0, 2, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_conv_transpose2d(&l, INT64_MAX, INT64_MAX, 3, 2, 0, 0, 1),
               GAN_ERR_OVERFLOW);
}

static void gan_layer_batchnorm1d_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_batchnorm1d(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm1d(&l, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm1d(&l, -5), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm1d(&l, INT64_MAX), GAN_ERR_OVERFLOW);
}

static void gan_layer_batchnorm2d_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_batchnorm2d(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm2d(&l, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm2d(&l, INT64_MIN), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_batchnorm2d(&l, INT64_MAX), GAN_ERR_OVERFLOW);
}

/* LayerNorm and Reshape take a per-sample shape: rank 1..7, dimensions >= 1. */
typedef gan_status (*shaped_layer_fn)(gan_layer **, int, const int64_t *);

static void expect_bad_sample_shapes(fixture *f, shaped_layer_fn make, const char *function)
{
    (void)f;
    gan_layer *l;
    const int64_t ok[GAN_TENSOR_MAX_RANK] = {2, 2, 2, 2, 2, 2, 2, 2};
    misuse_says(make(NULL, 1, ok), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, 0, ok), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, GAN_TENSOR_MAX_RANK, ok), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, 2, NULL), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, 2, (const int64_t[]){2, 0}), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, 2, (const int64_t[]){-1, 4}), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_new_says(l, make(&l, 2, (const int64_t[]){INT64_MAX, 4}), GAN_ERR_OVERFLOW, function);
}

CASE_BY(expect_bad_sample_shapes, gan_layer_layernorm)
CASE_BY(expect_bad_sample_shapes, gan_layer_reshape)

/* Layers without arguments: only the out-pointer can be wrong. */
NULL_CASE_STATUS(gan_layer_relu)
NULL_CASE_STATUS(gan_layer_tanh)
NULL_CASE_STATUS(gan_layer_sigmoid)
NULL_CASE_STATUS(gan_layer_flatten)

static void gan_layer_leaky_relu_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_leaky_relu(NULL, 0.2f), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_leaky_relu(&l, NAN), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_leaky_relu(&l, INFINITY), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_leaky_relu(&l, -INFINITY), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_layer_dropout_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_dropout(NULL, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    const float bad[] = {-0.01f, 1.01f, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_new(l, gan_layer_dropout(&l, bad[i]), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_layer_upsample_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_upsample(NULL, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_upsample(&l, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_upsample(&l, -2), GAN_ERR_INVALID_ARGUMENT);
}

typedef gan_status (*pool_layer_fn)(gan_layer **, int64_t, int64_t, int64_t);

static void expect_bad_pools(fixture *f, pool_layer_fn make, const char *function)
{
    (void)f;
    gan_layer *l;
    const int64_t bad[][3] = {{0, 1, 0}, {2, 0, 0}, {3, 1, -1}, {3, 1, 2}, {-2, 2, 0}};
    misuse_says(make(NULL, 2, 2, 0), GAN_ERR_INVALID_ARGUMENT, function);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_new_says(l, make(&l, bad[i][0], bad[i][1], bad[i][2]), GAN_ERR_INVALID_ARGUMENT,
                        function);
}

CASE_BY(expect_bad_pools, gan_layer_maxpool2d)
CASE_BY(expect_bad_pools, gan_layer_avgpool2d)

static void gan_layer_embedding_misuse(fixture *f)
{
    (void)f;
    gan_layer *l;
    misuse(gan_layer_embedding(NULL, 10, 4), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_embedding(&l, 0, 4), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_embedding(&l, 10, -4), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(l, gan_layer_embedding(&l, INT64_MAX, INT64_MAX), GAN_ERR_OVERFLOW);
}

/* ---- layer handles ---- */

static void gan_layer_free_misuse(fixture *f)
{
    no_op(gan_layer_free(NULL));
    /* A layer its model owns is the model's to free. */
    no_op(gan_layer_free(f->linear));
    assert_int_equal(gan_model_layer_count(f->game.d_model), 4);
    assert_string_equal(gan_layer_kind(f->linear), "Linear");
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
}

static void gan_layer_set_name_misuse(fixture *f)
{
    gan_layer *free_layer = new_dense(2, 2, "before");
    char long_name[65];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    const char *bad_names[] = {"", long_name, "a b", "tab\t", "ümlaut", "12", "0"};
    misuse(gan_layer_set_name(NULL, "x"), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_layer_set_name(free_layer, NULL), GAN_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        misuse(gan_layer_set_name(free_layer, bad_names[i]), GAN_ERR_INVALID_ARGUMENT);
    assert_string_equal(gan_layer_name(free_layer), "before");
    gan_layer_free(free_layer);
    /* Its tensors are named after it once it is in a model. */
    misuse(gan_layer_set_name(f->linear, "late"), GAN_ERR_STATE);
}

static void gan_layer_name_misuse(fixture *f)
{
    (void)f;
    misuse_string(gan_layer_name(NULL), "");
}

static void gan_layer_kind_misuse(fixture *f)
{
    (void)f;
    misuse_string(gan_layer_kind(NULL), "");
}

static void gan_layer_set_init_misuse(fixture *f)
{
    misuse(gan_layer_set_init(NULL, GAN_INIT_DCGAN), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_layer_set_init(f->linear, (gan_init)bad_enum(i, GAN_INIT_DCGAN)),
               GAN_ERR_INVALID_ARGUMENT);
}

/* The i-th value that is not a layer option. */
#define BAD_LAYER_OPTION(i) ((gan_layer_option)bad_enum((i), GAN_LAYER_FROZEN_STATISTICS))

static void gan_layer_set_float_misuse(fixture *f)
{
    misuse_option_writes(gan_layer_set_float, f->norm, GAN_LAYER_EPS, 1e-3f, GAN_LAYER_AFFINE,
                         BAD_LAYER_OPTION, "BatchNorm1d");
    misuse_says(gan_layer_set_float(f->linear, GAN_LAYER_EPS, 1e-3f), GAN_ERR_INVALID_ARGUMENT,
                "Linear");
    const float bad_momentum[] = {-0.1f, 1.5f, NAN}, bad_eps[] = {0.0f, -1e-5f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_momentum / sizeof bad_momentum[0]; i++)
        misuse_says(gan_layer_set_float(f->norm, GAN_LAYER_MOMENTUM, bad_momentum[i]),
                    GAN_ERR_INVALID_ARGUMENT, "momentum");
    for (size_t i = 0; i < sizeof bad_eps / sizeof bad_eps[0]; i++)
        misuse_says(gan_layer_set_float(f->norm, GAN_LAYER_EPS, bad_eps[i]),
                    GAN_ERR_INVALID_ARGUMENT, "eps");
    float momentum = 0;
    assert_status(gan_layer_get_float(f->norm, GAN_LAYER_MOMENTUM, &momentum), GAN_OK);
    assert_float_equal(momentum, 0.1f, 0.0f);
}

static void gan_layer_get_float_misuse(fixture *f)
{
    misuse_option_reads(gan_layer_get_float, f->norm, GAN_LAYER_EPS, GAN_LAYER_AFFINE,
                        BAD_LAYER_OPTION, float, "BatchNorm1d");
    float value = 0;
    misuse_says(gan_layer_get_float(f->linear, GAN_LAYER_EPS, &value), GAN_ERR_INVALID_ARGUMENT,
                "Linear");
}

static void gan_layer_set_int_misuse(fixture *f)
{
    misuse_option_writes(gan_layer_set_int, f->norm, GAN_LAYER_AFFINE, 1, GAN_LAYER_MOMENTUM,
                         BAD_LAYER_OPTION, "BatchNorm1d");
    misuse_says(gan_layer_set_int(f->linear, GAN_LAYER_AFFINE, 0), GAN_ERR_INVALID_ARGUMENT,
                "Linear");
    misuse_says(gan_layer_set_int(f->norm, GAN_LAYER_AFFINE, 2), GAN_ERR_INVALID_ARGUMENT,
                "affine");
    misuse_says(gan_layer_set_int(f->norm, GAN_LAYER_AFFINE, -1), GAN_ERR_INVALID_ARGUMENT,
                "affine");
    misuse_says(gan_layer_set_int(f->linear, GAN_LAYER_TRAINABLE, 2), GAN_ERR_INVALID_ARGUMENT,
                "trainable");
    misuse_says(gan_layer_set_int(f->linear, GAN_LAYER_FROZEN_STATISTICS, 1),
                GAN_ERR_INVALID_ARGUMENT, "Linear");
    misuse_says(gan_layer_set_int(f->norm, GAN_LAYER_FROZEN_STATISTICS, -1),
                GAN_ERR_INVALID_ARGUMENT, "frozen statistics");
    misuse_says(gan_layer_set_float(f->norm, GAN_LAYER_TRAINABLE, 1.0f), GAN_ERR_INVALID_ARGUMENT,
                "integer");
    /* Turning affine off would remove parameters the model has laid out. */
    misuse_says(gan_layer_set_int(f->norm, GAN_LAYER_AFFINE, 0), GAN_ERR_STATE, "affine");
    assert_int_equal(gan_model_named_parameter_count(f->game.d_model), 6);
}

static void gan_layer_get_int_misuse(fixture *f)
{
    misuse_option_reads(gan_layer_get_int, f->norm, GAN_LAYER_AFFINE, GAN_LAYER_EPS,
                        BAD_LAYER_OPTION, int64_t, "BatchNorm1d");
    int64_t value = 0;
    misuse_says(gan_layer_get_int(f->linear, GAN_LAYER_AFFINE, &value), GAN_ERR_INVALID_ARGUMENT,
                "Linear");
}

/* ---- the model ---- */

NULL_CASE_STATUS(gan_model_new)
NULL_CASE_NO_OP(gan_model_free)

static void gan_model_add_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    gan_layer *named = new_dense(1, 1, "x"), *other = new_dense(1, 1, "x");
    misuse(gan_model_add(NULL, named), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_add(d, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* A layer of this model or of another one. */
    misuse(gan_model_add(d, gan_model_layer(d, 3)), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_add(d, gan_model_layer(f->game.g_model, 0)), GAN_ERR_INVALID_ARGUMENT);
    /* D's output is [1]: a layer taking 5 features does not fit; the caller keeps it. */
    gan_layer *wide = new_dense(5, 1, NULL);
    misuse_says(gan_model_add(d, wide), GAN_ERR_SHAPE, "Linear");
    gan_layer_free(wide);
    assert_status(gan_model_add(d, named), GAN_OK);
    misuse(gan_model_add(d, other), GAN_ERR_INVALID_ARGUMENT);
    gan_layer_free(other);
    assert_int_equal(gan_model_layer_count(d), 5);
    const gan_tensor *out = NULL;
    assert_status(gan_model_forward(d, f->game.real, &out), GAN_OK);
}

NULL_CASE_VALUE(gan_model_layer_count, -1)

static void gan_model_layer_misuse(fixture *f)
{
    misuse_null(gan_model_layer(NULL, 0));
    const int bad[] = {-1, 4, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_null(gan_model_layer(f->game.d_model, bad[i]));
}

static void gan_model_set_input_shape_misuse(fixture *f)
{
    gan_model *d = f->game.d_model, *fresh = NULL;
    misuse(gan_model_set_input_shape(NULL, 1, (const int64_t[]){FEATURES}),
           GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_new(&fresh), GAN_OK);
    assert_status(gan_model_add(fresh, new_dense(FEATURES, 2, NULL)), GAN_OK);
    const int64_t ok[GAN_TENSOR_MAX_RANK] = {FEATURES, 1, 1, 1, 1, 1, 1, 1};
    misuse(gan_model_set_input_shape(fresh, 0, ok), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_set_input_shape(fresh, GAN_TENSOR_MAX_RANK, ok), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_set_input_shape(fresh, 1, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_set_input_shape(fresh, 1, (const int64_t[]){0}), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_set_input_shape(fresh, 2, (const int64_t[]){-1, FEATURES}),
           GAN_ERR_INVALID_ARGUMENT);
    /* 4 features do not fit the first Linear (5), and D's shape is already [5]. */
    misuse_says(gan_model_set_input_shape(fresh, 1, (const int64_t[]){4}), GAN_ERR_SHAPE,
                "Linear");
    misuse(gan_model_set_input_shape(d, 1, (const int64_t[]){4}), GAN_ERR_STATE);
    misuse(gan_model_set_input_shape(d, 2, (const int64_t[]){1, FEATURES}), GAN_ERR_STATE);
    /* The refused shapes left the fresh model as it was: the right one still fits. */
    const gan_tensor *out = NULL;
    assert_status(gan_model_set_input_shape(fresh, 1, (const int64_t[]){FEATURES}), GAN_OK);
    assert_status(gan_model_forward(fresh, f->game.real, &out), GAN_OK);
    gan_model_free(fresh);
}

/* gan_model_input_shape and gan_model_output_shape share their contract. */
typedef gan_status (*model_shape_fn)(const gan_model *, int *, int64_t *, size_t);

static void expect_bad_shape_queries(fixture *f, model_shape_fn query, const char *function)
{
    gan_model *unknown = NULL;
    int rank = -9;
    int64_t shape[GAN_TENSOR_MAX_RANK] = {-9};
    misuse_says(query(NULL, &rank, shape, 8), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_says(query(f->game.d_model, NULL, shape, 8), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_says(query(f->game.d_model, &rank, NULL, 8), GAN_ERR_INVALID_ARGUMENT, function);
    misuse_says(query(f->game.d_model, &rank, shape, 0), GAN_ERR_INVALID_ARGUMENT, function);
    assert_status(gan_model_new(&unknown), GAN_OK);
    misuse_says(query(unknown, &rank, shape, 8), GAN_ERR_STATE, function);
    gan_model_free(unknown);
    assert_int_equal(shape[0], -9);
}

CASE_BY(expect_bad_shape_queries, gan_model_input_shape)
CASE_BY(expect_bad_shape_queries, gan_model_output_shape)

static void gan_model_init_parameters_misuse(fixture *f)
{
    misuse(gan_model_init_parameters(NULL, f->game.rng), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_init_parameters(f->game.d_model, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_model_set_rng_misuse(fixture *f)
{
    misuse(gan_model_set_rng(NULL, f->game.rng), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_model_set_training_misuse(fixture *f)
{
    (void)f;
    misuse(gan_model_set_training(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_VALUE(gan_model_is_training, -1)

static void gan_model_forward_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    const gan_tensor *out = UNTOUCHED;
    gan_tensor *no_batch = new_tensor(1, FEATURES), *narrow = new_tensor(2, 3, 4),
               *empty = new_tensor(2, 0, FEATURES);
    misuse(gan_model_forward(NULL, f->game.real, &out), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_forward(d, NULL, &out), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_forward(d, f->game.real, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_forward(d, no_batch, &out), GAN_ERR_SHAPE);
    misuse(gan_model_forward(d, narrow, &out), GAN_ERR_SHAPE);
    misuse(gan_model_forward(d, empty, &out), GAN_ERR_SHAPE);
    free_tensors(no_batch, narrow, empty);

    /* Dropout in training mode needs a generator for its masks. */
    gan_model *dropping = NULL;
    gan_layer *dropout = NULL;
    assert_status(gan_model_new(&dropping), GAN_OK);
    assert_status(gan_layer_dropout(&dropout, 0.5f), GAN_OK);
    assert_status(gan_model_add(dropping, dropout), GAN_OK);
    misuse_says(gan_model_forward(dropping, f->game.real, &out), GAN_ERR_STATE, "Dropout");
    gan_model_free(dropping);

    /* An Embedding's input holds class indices. */
    gan_model *embedding = NULL;
    gan_layer *table = NULL;
    gan_tensor *indices = new_tensor(2, 2, 1);
    assert_status(gan_model_new(&embedding), GAN_OK);
    assert_status(gan_layer_embedding(&table, 4, 2), GAN_OK);
    assert_status(gan_model_add(embedding, table), GAN_OK);
    const float bad_indices[] = {4.0f, -1.0f, 0.5f, NAN, INFINITY, 1e20f};
    for (size_t i = 0; i < sizeof bad_indices / sizeof bad_indices[0]; i++) {
        gan_tensor_data(indices)[1] = bad_indices[i];
        misuse_says(gan_model_forward(embedding, indices, &out), GAN_ERR_INVALID_ARGUMENT,
                    "Embedding");
    }
    gan_tensor_free(indices);
    gan_model_free(embedding);
}

static void gan_model_layer_output_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    const gan_tensor *out = UNTOUCHED;
    misuse(gan_model_layer_output(NULL, 0, &out), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_layer_output(d, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_layer_output(d, 0, &out), GAN_ERR_STATE);
    assert_null(out);
    assert_status(gan_model_forward(d, f->game.real, &out), GAN_OK);
    const int bad[] = {-1, 4, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = UNTOUCHED;
        misuse(gan_model_layer_output(d, bad[i], &out), GAN_ERR_INVALID_ARGUMENT);
        assert_null(out);
    }
    /* A layer added since the pass invalidates it. */
    assert_status(gan_model_add(d, new_dense(1, 1, NULL)), GAN_OK);
    misuse(gan_model_layer_output(d, 0, &out), GAN_ERR_STATE);
}

static void gan_model_backward_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    const gan_tensor *out = NULL, *grad_in = NULL;
    gan_tensor *grad = new_tensor(2, BATCH, 1), *wrong = new_tensor(2, BATCH + 1, 1);
    misuse(gan_model_backward(d, grad, 0, &grad_in), GAN_ERR_STATE);
    assert_status(gan_model_forward(d, f->game.real, &out), GAN_OK);
    misuse(gan_model_backward(NULL, grad, 0, &grad_in), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_backward(d, NULL, 0, &grad_in), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_backward(d, grad, 2, &grad_in), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_backward(d, grad, ~0u, &grad_in), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_backward(d, wrong, 0, &grad_in), GAN_ERR_SHAPE);
    misuse(gan_model_backward(d, f->game.real, 0, &grad_in), GAN_ERR_SHAPE);
    /* A layer added since the forward pass: its activations are gone. */
    assert_status(gan_model_add(d, new_dense(1, 1, NULL)), GAN_OK);
    misuse(gan_model_backward(d, grad, 0, &grad_in), GAN_ERR_STATE);
    assert_null(grad_in);
    free_tensors(grad, wrong);
}

NULL_CASE_STATUS(gan_model_zero_grad)
NULL_CASE_VALUE(gan_model_parameter_count, -1)

static void gan_model_parameter_arrays_misuse(fixture *f)
{
    float *values = NULL, *grads = NULL;
    size_t count = 0;
    misuse(gan_model_parameter_arrays(NULL, &values, &grads, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_parameter_arrays(f->game.d_model, &values, &grads, NULL),
           GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_VALUE(gan_model_named_parameter_count, -1)

static void gan_model_named_parameter_misuse(fixture *f)
{
    const char *name = NULL;
    gan_tensor *value = NULL, *grad = NULL;
    misuse(gan_model_named_parameter(NULL, 0, &name, &value, &grad), GAN_ERR_INVALID_ARGUMENT);
    const int bad[] = {-1, 6, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_model_named_parameter(f->game.d_model, bad[i], &name, &value, &grad),
               GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_VALUE(gan_model_named_buffer_count, -1)

static void gan_model_named_buffer_misuse(fixture *f)
{
    const char *name = NULL;
    gan_tensor *value = NULL;
    misuse(gan_model_named_buffer(NULL, 0, &name, &value), GAN_ERR_INVALID_ARGUMENT);
    const int bad[] = {-1, 2, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_model_named_buffer(f->game.d_model, bad[i], &name, &value),
               GAN_ERR_INVALID_ARGUMENT);
}

static void gan_model_summary_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    char small[16];
    size_t length = 0;
    misuse(gan_model_summary(NULL, small, sizeof small, &length), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_summary(d, NULL, 10, &length), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_summary(d, NULL, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_summary(d, small, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* Too small: truncated, terminated, and the length says what is needed. */
    misuse(gan_model_summary(d, small, sizeof small, &length), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_true(length > sizeof small);
}

/* ---- model files ---- */

static void gan_model_save_misuse(fixture *f)
{
    gan_model *d = f->game.d_model;
    misuse(gan_model_save(NULL, temp_path("d.safetensors")), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_save(d, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_save(d, ""), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_save(d, temp_path("no/such/folder/d.safetensors")), GAN_ERR_IO);
    misuse(gan_model_save(d, temp_dir), GAN_ERR_IO);
    assert_int_equal(count_temporaries(temp_dir), 0);
}

static void gan_model_load_misuse(fixture *f)
{
    gan_model *m;
    misuse(gan_model_load(NULL, temp_path("d.safetensors")), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(m, gan_model_load(&m, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(m, gan_model_load(&m, ""), GAN_ERR_IO);
    misuse_new(m, gan_model_load(&m, temp_path("missing.safetensors")), GAN_ERR_IO);
    misuse_new(m, gan_model_load(&m, temp_dir), GAN_ERR_IO);
    /* An IDX file is not a model file, nor is half of one. */
    misuse_new(m, gan_model_load(&m, images_file), GAN_ERR_FORMAT);
    const char *path = temp_path("half.safetensors");
    size_t size = 0;
    assert_status(gan_model_save(f->game.d_model, path), GAN_OK);
    unsigned char *bytes = slurp(path, &size);
    write_bytes(path, bytes, size / 2);
    free(bytes);
    misuse_new(m, gan_model_load(&m, path), GAN_ERR_FORMAT);
    unlink(path);
}

/* A safetensors file: the 8-byte little-endian header length, the header, `data` zero bytes. */
static void write_safetensors(const char *path, const char *header, size_t data)
{
    size_t length = strlen(header), size = 8 + length + data;
    unsigned char *bytes = calloc(1, size);
    assert_non_null(bytes);
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)length >> (8 * i));
    memcpy(bytes + 8, header, length);
    write_bytes(path, bytes, size);
    free(bytes);
}

static void gan_model_load_weights_misuse(fixture *f)
{
    gan_model *d = f->game.d_model, *g = f->game.g_model;
    const char *path = temp_path("g.safetensors");
    assert_status(gan_model_save(g, path), GAN_OK);
    misuse(gan_model_load_weights(NULL, path), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_load_weights(d, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_load_weights(d, temp_path("missing.safetensors")), GAN_ERR_IO);
    misuse(gan_model_load_weights(d, images_file), GAN_ERR_FORMAT);
    /* G's weights into D: the same names, other shapes. D must be unchanged. */
    size_t count = 0;
    float *values = NULL;
    assert_status(gan_model_parameter_arrays(d, &values, NULL, &count), GAN_OK);
    float first = values[0], last = values[count - 1];
    misuse(gan_model_load_weights(d, path), GAN_ERR_SHAPE);
    /* D's first weight, [10, 5], stored as F64 instead of F32. */
    write_safetensors(path, "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[10,5],"
                            "\"data_offsets\":[0,400]}}", 400);
    misuse(gan_model_load_weights(d, path), GAN_ERR_UNSUPPORTED);
    assert_float_equal(values[0], first, 0.0f);
    assert_float_equal(values[count - 1], last, 0.0f);
    unlink(path);
}

static void gan_model_load_matching_misuse(fixture *f)
{
    gan_model *d = f->game.d_model, *g = f->game.g_model;
    gan_load_report *report;
    const char *path = temp_path("g.safetensors");
    assert_status(gan_model_save(g, path), GAN_OK);
    misuse_new(report, gan_model_load_matching(NULL, path, NULL, &report),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(report, gan_model_load_matching(d, NULL, NULL, &report), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(report, gan_model_load_matching(d, temp_path("missing.safetensors"), NULL, &report),
               GAN_ERR_IO);
    misuse_new(report, gan_model_load_matching(d, images_file, NULL, &report), GAN_ERR_FORMAT);
    /* G's weights into D: the same names, other shapes; under a prefix no name has, nothing.
     * D must be unchanged. */
    size_t count = 0;
    float *values = NULL;
    assert_status(gan_model_parameter_arrays(d, &values, NULL, &count), GAN_OK);
    float first = values[0], last = values[count - 1];
    misuse_new(report, gan_model_load_matching(d, path, NULL, &report), GAN_ERR_SHAPE);
    misuse_new_says(report, gan_model_load_matching(d, path, "generator.", &report),
                    GAN_ERR_NOT_FOUND, "prefix \"generator.\"");
    /* D's first weight, [10, 5], stored as F64 instead of F32. */
    write_safetensors(path, "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[10,5],"
                            "\"data_offsets\":[0,400]}}", 400);
    misuse(gan_model_load_matching(d, path, NULL, NULL), GAN_ERR_UNSUPPORTED);
    assert_float_equal(values[0], first, 0.0f);
    assert_float_equal(values[count - 1], last, 0.0f);
    unlink(path);
}

/* A report of G's own file loaded into G (which changes nothing). */
static gan_load_report *report_of_generator(fixture *f)
{
    const char *path = temp_path("g.safetensors");
    gan_load_report *report = NULL;
    assert_status(gan_model_save(f->game.g_model, path), GAN_OK);
    assert_status(gan_model_load_matching(f->game.g_model, path, NULL, &report), GAN_OK);
    unlink(path);
    return report;
}

static gan_load_list bad_load_list(int i)
{
    return (gan_load_list)bad_enum(i, GAN_LOAD_ONLY_IN_MODEL);
}

static void gan_load_report_count_misuse(fixture *f)
{
    gan_load_report *report = report_of_generator(f);
    misuse_value(gan_load_report_count(NULL, GAN_LOAD_MATCHED), -1);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_value(gan_load_report_count(report, bad_load_list(i)), -1);
    gan_load_report_free(report);
}

static void gan_load_report_name_misuse(fixture *f)
{
    gan_load_report *report = report_of_generator(f);
    int64_t matched = gan_load_report_count(report, GAN_LOAD_MATCHED);
    misuse_null(gan_load_report_name(NULL, GAN_LOAD_MATCHED, 0));
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_null(gan_load_report_name(report, bad_load_list(i), 0));
    misuse_null(gan_load_report_name(report, GAN_LOAD_MATCHED, -1));
    misuse_null(gan_load_report_name(report, GAN_LOAD_MATCHED, matched));
    misuse_null(gan_load_report_name(report, GAN_LOAD_ONLY_IN_FILE, 0));
    misuse_null(gan_load_report_name(report, GAN_LOAD_ONLY_IN_MODEL, INT64_MAX));
    gan_load_report_free(report);
}

NULL_CASE_NO_OP(gan_load_report_free)

static void gan_model_checksum_misuse(fixture *f)
{
    uint64_t checksum = 7;
    misuse(gan_model_checksum(NULL, &checksum), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_model_checksum(f->game.d_model, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_true(checksum == 7);
}

static void gan_model_set_batchnorm_sync_misuse(fixture *f)
{
    (void)f;
    misuse(gan_model_set_batchnorm_sync(NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static const misuse_case nn_cases[] = {
    CASE(gan_layer_dense), CASE(gan_layer_conv2d), CASE(gan_layer_conv_transpose2d),
    CASE(gan_layer_batchnorm1d), CASE(gan_layer_batchnorm2d), CASE(gan_layer_layernorm),
    CASE(gan_layer_reshape), CASE(gan_layer_relu), CASE(gan_layer_tanh), CASE(gan_layer_sigmoid),
    CASE(gan_layer_flatten), CASE(gan_layer_leaky_relu), CASE(gan_layer_dropout),
    CASE(gan_layer_upsample), CASE(gan_layer_maxpool2d), CASE(gan_layer_avgpool2d),
    CASE(gan_layer_embedding), CASE(gan_layer_free), CASE(gan_layer_set_name),
    CASE(gan_layer_name), CASE(gan_layer_kind), CASE(gan_layer_set_init),
    CASE(gan_layer_set_float), CASE(gan_layer_get_float), CASE(gan_layer_set_int),
    CASE(gan_layer_get_int), CASE(gan_model_new), CASE(gan_model_free), CASE(gan_model_add),
    CASE(gan_model_layer_count), CASE(gan_model_layer), CASE(gan_model_set_input_shape),
    CASE(gan_model_input_shape), CASE(gan_model_output_shape), CASE(gan_model_init_parameters),
    CASE(gan_model_set_rng), CASE(gan_model_set_training), CASE(gan_model_is_training),
    CASE(gan_model_forward), CASE(gan_model_layer_output), CASE(gan_model_backward),
    CASE(gan_model_zero_grad), CASE(gan_model_parameter_count), CASE(gan_model_parameter_arrays),
    CASE(gan_model_named_parameter_count), CASE(gan_model_named_parameter),
    CASE(gan_model_named_buffer_count), CASE(gan_model_named_buffer), CASE(gan_model_summary),
    CASE(gan_model_checksum), CASE(gan_model_set_batchnorm_sync),
    CASE(gan_model_save), CASE(gan_model_load), CASE(gan_model_load_weights),
    CASE(gan_model_load_matching), CASE(gan_load_report_count), CASE(gan_load_report_name),
    CASE(gan_load_report_free),
};

#endif /* GAN_TEST_API_MISUSE_NN_H */
