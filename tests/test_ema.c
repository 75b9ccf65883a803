/*
 * The exponential moving average of a model's parameters: the formula against a double
 * reference, the edge decays, copying into a model of the same layout (parameters and
 * BatchNorm buffers), refusing other layouts and a grown model, and creation checks.
 *
 * The model is Dense(4, 3) -> BatchNorm1d(3) -> Dense(3, 2): 29 parameters ("a.weight"
 * [3, 4], "a.bias", "n.weight", "n.bias", "b.weight" [2, 3], "b.bias") and two buffers
 * ("n.running_mean", "n.running_var").
 */
#include <math.h>

#include "test_support.h"

#define PARAMS 29

static gan_layer *batchnorm(int64_t features, const char *name)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_batchnorm1d(&layer, features), GAN_OK);
    if (name)
        assert_status(gan_layer_set_name(layer, name), GAN_OK);
    return layer;
}

/* The test model, its three layers named a, n, b (NULL leaves one unnamed). */
static gan_model *model_named(const char *a, const char *n, const char *b)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, new_dense(4, 3, a)), GAN_OK);
    assert_status(gan_model_add(model, batchnorm(3, n)), GAN_OK);
    assert_status(gan_model_add(model, new_dense(3, 2, b)), GAN_OK);
    assert_int_equal(gan_model_parameter_count(model), PARAMS);
    return model;
}

static float *parameters(gan_model *model)
{
    float *params;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &count), GAN_OK);
    assert_int_equal(count, PARAMS);
    return params;
}

/* Parameters as at "training step" k. */
static void set_parameters(gan_model *model, int k)
{
    float *params = parameters(model);
    for (int i = 0; i < PARAMS; i++)
        params[i] = (float)(0.6 * sin(0.45 * i + 0.8 * k) + 0.1 * k);
}

static float *buffer(gan_model *model, int index)
{
    gan_tensor *value;
    assert_status(gan_model_named_buffer(model, index, NULL, &value), GAN_OK);
    assert_int_equal(gan_tensor_numel(value), 3);
    return gan_tensor_data(value);
}

static gan_ema *average(gan_model *model, float decay)
{
    gan_ema *ema = NULL;
    assert_status(gan_ema_new(&ema, model, decay), GAN_OK);
    return ema;
}

static float *average_data(gan_ema *ema)
{
    float *data;
    size_t count;
    assert_status(gan_ema_data(ema, &data, &count), GAN_OK);
    assert_int_equal(count, PARAMS);
    return data;
}

static void the_average_follows_the_formula(void **state)
{
    (void)state;
    gan_model *model = model_named("a", "n", "b");
    set_parameters(model, 0);
    const float decay = 0.9f;
    gan_ema *ema = average(model, decay);
    assert_memory_equal(average_data(ema), parameters(model), PARAMS * sizeof(float));
    assert_ptr_not_equal(average_data(ema), parameters(model));

    double reference[PARAMS];
    for (int i = 0; i < PARAMS; i++)
        reference[i] = parameters(model)[i];
    for (int k = 1; k <= 8; k++) {
        set_parameters(model, k);
        const float *params = parameters(model);
        for (int i = 0; i < PARAMS; i++)
            reference[i] = (double)decay * reference[i] + (1.0 - (double)decay) * params[i];
        assert_status(gan_ema_update(ema), GAN_OK);
        const float *avg = average_data(ema);
        for (int i = 0; i < PARAMS; i++)
            if (!(fabs(avg[i] - reference[i]) <= 1e-6 * (fabs(reference[i]) + 0.1)))
                fail_msg("update %d, element %d: libgan %.9g, reference %.9g", k, i,
                         (double)avg[i], reference[i]);
    }
    /* The model's own parameters are not touched. */
    set_parameters(model, 100);
    float before[PARAMS];
    memcpy(before, parameters(model), sizeof before);
    assert_status(gan_ema_update(ema), GAN_OK);
    assert_memory_equal(before, parameters(model), sizeof before);
    gan_ema_free(ema);
    gan_model_free(model);
}

static void decay_zero_copies_and_one_freezes(void **state)
{
    (void)state;
    gan_model *model = model_named(NULL, NULL, NULL);
    set_parameters(model, 0);
    float start[PARAMS];
    memcpy(start, parameters(model), sizeof start);
    gan_ema *copy = average(model, 0.0f), *frozen = average(model, 1.0f);
    for (int k = 1; k <= 3; k++) {
        set_parameters(model, k);
        assert_status(gan_ema_update(copy), GAN_OK);
        assert_status(gan_ema_update(frozen), GAN_OK);
        assert_memory_equal(average_data(copy), parameters(model), sizeof start);
        assert_memory_equal(average_data(frozen), start, sizeof start);
    }
    gan_ema_free(copy);
    gan_ema_free(frozen);
    gan_model_free(model);
}

/* copy_to writes the average and the tracked model's buffers; the names may differ. */
static void copy_to_writes_the_average_and_the_buffers(void **state)
{
    (void)state;
    gan_model *model = model_named("a", "n", "b"), *target = model_named("g.fc1", NULL, "g.out");
    set_parameters(model, 0);
    gan_ema *ema = average(model, 0.5f);
    set_parameters(model, 1);
    assert_status(gan_ema_update(ema), GAN_OK);
    for (int c = 0; c < 3; c++) {
        buffer(model, 0)[c] = 0.25f * (float)c - 0.1f;  /* running_mean */
        buffer(model, 1)[c] = 1.5f + (float)c;           /* running_var */
    }
    set_parameters(target, 7);
    assert_status(gan_ema_copy_to(ema, target), GAN_OK);
    assert_memory_equal(parameters(target), average_data(ema), PARAMS * sizeof(float));
    for (int b = 0; b < 2; b++)
        assert_memory_equal(buffer(target, b), buffer(model, b), 3 * sizeof(float));
    /* The tracked model keeps its own parameters. */
    float *tracked = parameters(model);
    assert_true(memcmp(tracked, average_data(ema), PARAMS * sizeof(float)) != 0);

    /* The average is writable (restoring a checkpoint) and copies as written. */
    average_data(ema)[3] = 42.0f;
    assert_status(gan_ema_copy_to(ema, target), GAN_OK);
    assert_true(parameters(target)[3] == 42.0f);

    /* Into the tracked model itself: its parameters become the average. */
    assert_status(gan_ema_copy_to(ema, model), GAN_OK);
    assert_memory_equal(parameters(model), average_data(ema), PARAMS * sizeof(float));
    assert_true(buffer(model, 1)[2] == 3.5f);
    gan_ema_free(ema);
    gan_model_free(target);
    gan_model_free(model);
}

/* A target of another layout is refused and left as it was. */
static void expect_refused(gan_ema *ema, gan_model *target, const char *says)
{
    float *params = NULL;
    size_t count;
    assert_status(gan_model_parameter_arrays(target, &params, NULL, &count), GAN_OK);
    float *before = malloc((count ? count : 1) * sizeof(float));
    if (count)
        memcpy(before, params, count * sizeof(float));
    assert_status(gan_ema_copy_to(ema, target), GAN_ERR_SHAPE);
    assert_error_mentions(says);
    if (count)
        assert_memory_equal(before, params, count * sizeof(float));
    free(before);
    gan_model_free(target);
}

static void copy_to_refuses_another_layout(void **state)
{
    (void)state;
    gan_model *model = model_named("a", "n", "b");
    set_parameters(model, 0);
    gan_ema *ema = average(model, 0.9f);
    gan_model *target;

    /* Fewer parameters. */
    assert_status(gan_model_new(&target), GAN_OK);
    assert_status(gan_model_add(target, new_dense(4, 3, NULL)), GAN_OK);
    expect_refused(ema, target, "the tracked model has 6 parameter and 2 buffer tensors, the "
                                "target 2 and 0");

    /* The same count, in other shapes: Dense(3, 4) first, then BatchNorm1d(4), Dense(4, 1)
     * has 16 + 8 + 5 = 29 parameters too. */
    assert_status(gan_model_new(&target), GAN_OK);
    assert_status(gan_model_add(target, new_dense(3, 4, "x")), GAN_OK);
    assert_status(gan_model_add(target, batchnorm(4, NULL)), GAN_OK);
    assert_status(gan_model_add(target, new_dense(4, 1, NULL)), GAN_OK);
    assert_int_equal(gan_model_parameter_count(target), PARAMS);
    expect_refused(ema, target, "parameter 0 is 'a.weight' [3, 4] in the tracked model and "
                                "'x.weight' [4, 3] in the target");

    /* The same parameters without the buffers: LayerNorm instead of BatchNorm. */
    gan_layer *norm = NULL;
    assert_status(gan_model_new(&target), GAN_OK);
    assert_status(gan_model_add(target, new_dense(4, 3, NULL)), GAN_OK);
    assert_status(gan_layer_layernorm(&norm, 1, (const int64_t[]){3}), GAN_OK);
    assert_status(gan_model_add(target, norm), GAN_OK);
    assert_status(gan_model_add(target, new_dense(3, 2, NULL)), GAN_OK);
    assert_int_equal(gan_model_parameter_count(target), PARAMS);
    expect_refused(ema, target, "6 parameter and 2 buffer tensors, the target 6 and 0");

    /* An empty model. */
    assert_status(gan_model_new(&target), GAN_OK);
    expect_refused(ema, target, "the target 0 and 0");

    assert_status(gan_ema_copy_to(ema, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_ema_copy_to(NULL, model), GAN_ERR_INVALID_ARGUMENT);
    gan_ema_free(ema);
    gan_model_free(model);
}

static void a_grown_model_is_refused(void **state)
{
    (void)state;
    gan_model *model = model_named("a", "n", "b"), *target = model_named(NULL, NULL, NULL);
    set_parameters(model, 0);
    gan_ema *ema = average(model, 0.5f);
    float start[PARAMS];
    memcpy(start, parameters(model), sizeof start);

    /* A layer without parameters moves the arrays but keeps the layout: updates go on and
     * read the new array. */
    gan_layer *tanh_layer = NULL;
    assert_status(gan_layer_tanh(&tanh_layer), GAN_OK);
    assert_status(gan_model_add(model, tanh_layer), GAN_OK);
    set_parameters(model, 1);
    assert_status(gan_ema_update(ema), GAN_OK);
    for (int i = 0; i < PARAMS; i++)
        assert_true(average_data(ema)[i] == start[i] * 0.5f + 0.5f * parameters(model)[i]);

    /* A layer with parameters: every call that reads the model is refused. */
    assert_status(gan_model_add(model, new_dense(2, 2, "c")), GAN_OK);
    assert_int_equal(gan_model_parameter_count(model), PARAMS + 6);
    assert_status(gan_ema_update(ema), GAN_ERR_STATE);
    assert_error_mentions("the tracked model has 35 parameters now, 29 when the average was made");
    float *data;
    size_t count;
    assert_status(gan_ema_data(ema, &data, &count), GAN_ERR_STATE);
    float before[PARAMS];
    memcpy(before, parameters(target), sizeof before);
    assert_status(gan_ema_copy_to(ema, target), GAN_ERR_STATE);
    assert_memory_equal(before, parameters(target), sizeof before);
    assert_status(gan_ema_copy_to(ema, model), GAN_ERR_STATE);
    gan_ema_free(ema);
    gan_model_free(target);
    gan_model_free(model);
}

static void creation_is_checked(void **state)
{
    (void)state;
    gan_model *model = model_named(NULL, NULL, NULL), *empty = NULL;
    gan_ema *ema = (gan_ema *)&ema; /* must be reset to NULL on failure */
    assert_status(gan_ema_new(NULL, model, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_ema_new(&ema, NULL, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_null(ema);
    const float bad[] = {-0.1f, 1.0001f, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ema = (gan_ema *)&ema;
        assert_status(gan_ema_new(&ema, model, bad[i]), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("decay");
        assert_null(ema);
    }
    assert_status(gan_model_new(&empty), GAN_OK);
    assert_status(gan_ema_new(&ema, empty, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("no parameters");

    for (long fail = 1;; fail++) {
        long live = group_allocator.live;
        group_allocator.fail_at = group_allocator.calls + fail;
        gan_status status = gan_ema_new(&ema, model, 0.5f);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            assert_true(fail > 2);
            gan_ema_free(ema);
            break;
        }
        assert_int_equal(status, GAN_ERR_OUT_OF_MEMORY);
        assert_null(ema);
        assert_int_equal(group_allocator.live, live);
    }

    float *data;
    size_t count;
    gan_ema_free(NULL);
    assert_status(gan_ema_update(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_ema_data(NULL, &data, &count), GAN_ERR_INVALID_ARGUMENT);
    ema = average(model, 0.5f);
    assert_status(gan_ema_data(ema, NULL, &count), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_ema_data(ema, &data, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* Updates allocate nothing. */
    long calls = group_allocator.calls;
    for (int k = 0; k < 3; k++)
        assert_status(gan_ema_update(ema), GAN_OK);
    assert_int_equal(group_allocator.calls, calls);
    gan_ema_free(ema);
    gan_model_free(empty);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_average_follows_the_formula),
        cmocka_unit_test(decay_zero_copies_and_one_freezes),
        cmocka_unit_test(copy_to_writes_the_average_and_the_buffers),
        cmocka_unit_test(copy_to_refuses_another_layout),
        cmocka_unit_test(a_grown_model_is_refused),
        cmocka_unit_test(creation_is_checked),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
