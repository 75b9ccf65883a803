/* Upsample (nearest): double reference, hand-checked values, PyTorch's index rounding, shapes. */
#include "layer_test_support.h"

typedef struct upsample_case {
    int64_t c, h, w, scale;
} upsample_case;

/* y[c, i, j] = x[c, i / s, j / s] (integer division). */
static void upsample_reference(const void *context, int64_t batch, int training, const double *x,
                               const double *params, const double *buffers, double *y)
{
    (void)training;
    (void)params;
    (void)buffers;
    const upsample_case *u = context;
    int64_t oh_n = u->h * u->scale, ow_n = u->w * u->scale;
    for (int64_t plane = 0; plane < batch * u->c; plane++)
        for (int64_t i = 0; i < oh_n; i++)
            for (int64_t j = 0; j < ow_n; j++)
                y[(plane * oh_n + i) * ow_n + j] =
                    x[(plane * u->h + i / u->scale) * u->w + j / u->scale];
}

static gan_layer *new_upsample(int64_t scale)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_upsample(&layer, scale), GAN_OK);
    return layer;
}

static void check_case(int64_t batch, int64_t c, int64_t h, int64_t w, int64_t scale)
{
    upsample_case u = {c, h, w, scale};
    gradcheck_spec spec = {
        .model = model_of(new_upsample(scale)), .rank = 4, .shape = {batch, c, h, w}, .training = 1,
        .reference = upsample_reference, .context = &u,
    };
    run_gradcheck(&spec);
    expect_model_output_shape(spec.model, 3, (const int64_t[]){c, h * scale, w * scale});
    gan_model_free(spec.model);
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    check_case(2, 3, 4, 5, 2); /* the usual doubling, non-square */
    check_case(1, 1, 2, 3, 3); /* batch 1, odd factor */
    check_case(3, 2, 3, 3, 1); /* factor 1: the identity */
    check_case(1, 2, 1, 4, 5);
    check_case(2, 1, 3, 2, 40); /* the largest factor where PyTorch's index is i / s */
}

static void hand_checked_values(void **state)
{
    (void)state;
    float y[16], dx[4], dy[16];
    for (int i = 0; i < 16; i++)
        dy[i] = (float)i;
    run_plane(new_upsample(2), 2, 2, 4, 4, (const float[]){1, 2, 3, 4}, dy, y, dx);
    const float y_want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    assert_memory_equal(y, y_want, sizeof y);
    /* Each input's gradient sums its 2x2 block of dy = 0..15. */
    const float dx_want[4] = {0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15};
    assert_memory_equal(dx, dx_want, sizeof dx);

    /* Factor 3 on one row: [a, b] -> [a a a b b b]. */
    float y3[18], dx3[2], dy3[18];
    for (int i = 0; i < 18; i++)
        dy3[i] = 1.0f;
    run_plane(new_upsample(3), 1, 2, 3, 6, (const float[]){-1.5f, 7}, dy3, y3, dx3);
    for (int i = 0; i < 18; i++)
        assert_true(y3[i] == (i % 6 < 3 ? -1.5f : 7.0f));
    assert_true(dx3[0] == 9.0f && dx3[1] == 9.0f);
}

/*
 * PyTorch 1.13's nearest index is min(floorf(i * (float)(1 / s)), in - 1) in single
 * precision. For s = 41, (float)(1 / 41) is just below 1/41 and 41 * it rounds below 1, so
 * output row 41 still reads input row 0 (not row 1), and the last input row gets 40
 * output rows instead of 41. libgan follows PyTorch.
 */
static void large_factors_round_as_pytorch(void **state)
{
    (void)state;
    enum { S = 41, ROWS = 2 * S, COLS = S };
    float *y = calloc(ROWS * COLS, sizeof(float)), *dy = calloc(ROWS * COLS, sizeof(float));
    float dx[2];
    for (int i = 0; i < ROWS * COLS; i++)
        dy[i] = 1.0f;
    run_plane(new_upsample(S), 2, 1, ROWS, COLS, (const float[]){10, 20}, dy, y, dx);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++)
            assert_true(y[i * COLS + j] == (i <= 41 ? 10.0f : 20.0f));
    assert_true(dx[0] == 42.0f * COLS);
    assert_true(dx[1] == 40.0f * COLS);
    free(y);
    free(dy);
}

static void output_shapes_and_errors(void **state)
{
    (void)state;
    gan_model *model = model_of(new_upsample(4));
    assert_string_equal(gan_layer_kind(gan_model_layer(model, 0)), "Upsample");
    assert_int_equal(gan_model_parameter_count(model), 0);
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){7, 7}), GAN_ERR_SHAPE);
    assert_error_mentions("model layer 0 (Upsample): input [7, 7] has rank 2; Upsample expects "
                          "[C, H, W]");
    assert_status(gan_model_set_input_shape(model, 4, (const int64_t[]){1, 2, 7, 7}),
                  GAN_ERR_SHAPE);
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, INT64_C(1) << 31,
                                                                        INT64_C(1) << 31}),
                  GAN_ERR_SHAPE);
    assert_error_mentions("too many elements");
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){3, 7, 5}), GAN_OK);
    expect_model_output_shape(model, 3, (const int64_t[]){3, 28, 20});
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state;
    assert_status(gan_layer_upsample(&layer, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("scale_factor is 0");
    layer = (gan_layer *)&layer;
    assert_status(gan_layer_upsample(&layer, -2), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_status(gan_layer_upsample(NULL, 2), GAN_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(large_factors_round_as_pytorch),
        cmocka_unit_test(output_shapes_and_errors),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
