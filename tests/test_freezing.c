/*
 * Frozen layers (GAN_LAYER_TRAINABLE 0): no parameter gradients, no updates by any rule,
 * no weight clipping, while the input gradient still flows and the other layers train
 * exactly as they would have.
 */
#include <math.h>

#include "game_support.h"

enum { STEPS = 3 };

/* Dense(4, 3) -> LeakyReLU -> Dense(3, 3) -> Dense(3, 2), parameters from a formula. */
static gan_model *three_dense(void)
{
    static const int64_t layers[][2] = {{4, 3}, {0, 0} /* LeakyReLU */, {3, 3}, {3, 2}};
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        gan_layer *layer = NULL;
        if (layers[i][0] == 0)
            assert_status(gan_layer_leaky_relu(&layer, 0.2f), GAN_OK);
        else
            layer = new_dense(layers[i][0], layers[i][1], NULL);
        assert_status(gan_model_add(model, layer), GAN_OK);
    }
    float *params;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &count), GAN_OK);
    for (size_t i = 0; i < count; i++)
        params[i] = (float)(0.5 * cos(0.3 * (double)i) + 0.05);
    return model;
}

/* The parameters of layer `index`: its first tensor's offset and its size in floats. */
static void layer_span(gan_model *model, int index, size_t *first, size_t *count)
{
    float *params;
    size_t total;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &total), GAN_OK);
    *first = *count = 0;
    for (int i = 0, seen = 0; i < gan_model_named_parameter_count(model); i++) {
        const char *name;
        gan_tensor *value;
        assert_status(gan_model_named_parameter(model, i, &name, &value, NULL), GAN_OK);
        if (atoi(name) == index) {
            if (seen++ == 0)
                *first = (size_t)(gan_tensor_data(value) - params);
            *count += (size_t)gan_tensor_numel(value);
        }
    }
    assert_true(*count > 0);
}

static void configure(gan_optim *optim, gan_optim_kind kind)
{
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_WEIGHT_DECAY, 0.05f), GAN_OK);
    if (kind == GAN_OPTIM_SGD || kind == GAN_OPTIM_RMSPROP)
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    if (kind == GAN_OPTIM_RMSPROP)
        assert_status(gan_optim_set_int(optim, GAN_OPTIM_CENTERED, 1), GAN_OK);
}

/* Every rule, with its state arrays in use: the frozen middle layer stays bitwise as it was
 * (weight decay and momentum would move it), the others move exactly as without it. */
static void optimizers_skip_frozen_layers(void **state)
{
    (void)state;
    const gan_optim_kind kinds[] = {GAN_OPTIM_SGD, GAN_OPTIM_ADAM, GAN_OPTIM_ADAMW,
                                    GAN_OPTIM_RMSPROP};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gan_model *free_model = three_dense(), *frozen_model = three_dense();
        assert_status(gan_layer_set_int(gan_model_layer(frozen_model, 2), GAN_LAYER_TRAINABLE, 0),
                      GAN_OK);
        gan_optim *a = NULL, *b = NULL;
        assert_status(gan_optim_new(&a, kinds[k], free_model), GAN_OK);
        assert_status(gan_optim_new(&b, kinds[k], frozen_model), GAN_OK);
        configure(a, kinds[k]);
        configure(b, kinds[k]);
        float *pa, *ga, *pb, *gb;
        size_t count, first, frozen_count;
        assert_status(gan_model_parameter_arrays(free_model, &pa, &ga, &count), GAN_OK);
        assert_status(gan_model_parameter_arrays(frozen_model, &pb, &gb, &count), GAN_OK);
        layer_span(frozen_model, 2, &first, &frozen_count);
        char summary[2048];
        assert_status(gan_model_summary(frozen_model, summary, sizeof summary, NULL), GAN_OK);
        assert_non_null(strstr(summary, "12 (frozen)"));
        assert_non_null(strstr(summary, "trainable parameters: 23, frozen: 12;"));
        float *frozen_before = malloc(frozen_count * sizeof(float));
        memcpy(frozen_before, pb + first, frozen_count * sizeof(float));
        for (int step = 0; step < STEPS; step++) {
            for (size_t i = 0; i < count; i++)
                ga[i] = gb[i] = (float)sin(0.9 * (double)i + 1.3 * step);
            assert_status(gan_optim_step(a), GAN_OK);
            assert_status(gan_optim_step(b), GAN_OK);
        }
        assert_memory_equal(pb + first, frozen_before, frozen_count * sizeof(float));
        assert_false(memcmp(pa + first, frozen_before, frozen_count * sizeof(float)) == 0);
        assert_memory_equal(pa, pb, first * sizeof(float));
        size_t after = first + frozen_count;
        assert_memory_equal(pa + after, pb + after, (count - after) * sizeof(float));
        free(frozen_before);
        gan_optim_free(a);
        gan_optim_free(b);
        gan_model_free(free_model);
        gan_model_free(frozen_model);
    }
}

/* Backward leaves a frozen layer's gradients as they were and still passes the gradient
 * through it; the other layers get the gradients they would get anyway. */
static void backward_passes_through_frozen_layers(void **state)
{
    (void)state;
    for (int frozen_layer = 0; frozen_layer <= 3; frozen_layer += 2) {
        gan_model *free_model = three_dense(), *frozen_model = three_dense();
        assert_status(gan_layer_set_int(gan_model_layer(frozen_model, frozen_layer),
                                        GAN_LAYER_TRAINABLE, 0), GAN_OK);
        gan_tensor *x = NULL, *dy = NULL;
        assert_status(gan_tensor_new(&x, 2, (const int64_t[]){5, 4}), GAN_OK);
        assert_status(gan_tensor_new(&dy, 2, (const int64_t[]){5, 2}), GAN_OK);
        for (int i = 0; i < 20; i++)
            gan_tensor_data(x)[i] = (float)sin(0.37 * i);
        for (int i = 0; i < 10; i++)
            gan_tensor_data(dy)[i] = (float)cos(0.51 * i);
        float *ga, *gb;
        size_t count, first, frozen_count;
        assert_status(gan_model_parameter_arrays(free_model, NULL, &ga, &count), GAN_OK);
        assert_status(gan_model_parameter_arrays(frozen_model, NULL, &gb, &count), GAN_OK);
        for (size_t i = 0; i < count; i++)
            gb[i] = 7.0f; /* a sentinel the frozen layer must keep */
        memcpy(ga, gb, count * sizeof(float));
        const gan_tensor *out, *dxa, *dxb;
        assert_status(gan_model_forward(free_model, x, &out), GAN_OK);
        assert_status(gan_model_backward(free_model, dy, 0, &dxa), GAN_OK);
        assert_status(gan_model_forward(frozen_model, x, &out), GAN_OK);
        assert_status(gan_model_backward(frozen_model, dy, 0, &dxb), GAN_OK);
        assert_memory_equal(gan_tensor_data_const(dxa), gan_tensor_data_const(dxb),
                            20 * sizeof(float));
        layer_span(frozen_model, frozen_layer, &first, &frozen_count);
        for (size_t i = 0; i < count; i++) {
            bool frozen = i >= first && i < first + frozen_count;
            assert_true(frozen ? gb[i] == 7.0f : gb[i] == ga[i]);
        }
        gan_tensor_free(x);
        gan_tensor_free(dy);
        gan_model_free(free_model);
        gan_model_free(frozen_model);
    }
}

/* A whole game: G's and D's first layers frozen, AdamW (weight decay) and WGAN clipping
 * at a bound the frozen weights exceed; the frozen parameters never change. */
static void training_never_changes_frozen_layers(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_WASSERSTEIN, 3);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_WEIGHT_CLIP, 0.01f), GAN_OK);
    gan_model *models[2] = {game.g_model, game.d_model};
    float *before[2];
    size_t first[2], count[2];
    for (int m = 0; m < 2; m++) {
        gan_layer *layer = gan_model_layer(models[m], 0);
        int64_t trainable = -1;
        assert_status(gan_layer_get_int(layer, GAN_LAYER_TRAINABLE, &trainable), GAN_OK);
        assert_int_equal(trainable, 1);
        assert_status(gan_layer_set_int(layer, GAN_LAYER_TRAINABLE, 0), GAN_OK);
        assert_status(gan_layer_get_int(layer, GAN_LAYER_TRAINABLE, &trainable), GAN_OK);
        assert_int_equal(trainable, 0);
        layer_span(models[m], 0, &first[m], &count[m]);
        float *params;
        size_t total;
        assert_status(gan_model_parameter_arrays(models[m], &params, NULL, &total), GAN_OK);
        before[m] = malloc(count[m] * sizeof(float));
        memcpy(before[m], params + first[m], count[m] * sizeof(float));
    }
    float *d_params;
    size_t d_total;
    assert_status(gan_model_parameter_arrays(game.d_model, &d_params, NULL, &d_total), GAN_OK);
    float largest = 0.0f;
    for (size_t i = 0; i < count[1]; i++)
        largest = fmaxf(largest, fabsf(before[1][i]));
    assert_true(largest > 0.01f); /* clipping would have changed them */
    for (int step = 0; step < STEPS; step++)
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    for (int m = 0; m < 2; m++) {
        float *params;
        size_t total;
        assert_status(gan_model_parameter_arrays(models[m], &params, NULL, &total), GAN_OK);
        assert_memory_equal(params + first[m], before[m], count[m] * sizeof(float));
        free(before[m]);
    }
    for (size_t i = count[1]; i < d_total; i++) /* the rest of D was clipped */
        assert_true(fabsf(d_params[i]) <= 0.01f);

    /* Every layer has the option, parameters or not; it is an integer 0 or 1. */
    gan_layer *leaky = gan_model_layer(game.d_model, 2);
    assert_status(gan_layer_set_int(leaky, GAN_LAYER_TRAINABLE, 0), GAN_OK);
    assert_status(gan_layer_set_int(leaky, GAN_LAYER_TRAINABLE, 2), GAN_ERR_INVALID_ARGUMENT);
    float real;
    assert_status(gan_layer_get_float(leaky, GAN_LAYER_TRAINABLE, &real), GAN_ERR_INVALID_ARGUMENT);
    game_free(&game);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(optimizers_skip_frozen_layers),
        cmocka_unit_test(backward_passes_through_frozen_layers),
        cmocka_unit_test(training_never_changes_frozen_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
