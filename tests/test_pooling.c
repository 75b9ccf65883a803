/* MaxPool2d and AvgPool2d: double references, hand-checked values, ties and NaN, shapes. */
#include "layer_test_support.h"

typedef struct pool_case {
    int max; /* 1: MaxPool2d, 0: AvgPool2d */
    int64_t c, h, w, kernel, stride, padding;
} pool_case;

static int64_t pool_out(int64_t in, const pool_case *p)
{
    return (in + 2 * p->padding - p->kernel) / p->stride + 1;
}

/* Straight from the definition: windows over the zero- (avg) or -inf- (max) padded input;
 * the average divides by kernel^2 (count_include_pad=True; without ceil_mode no window
 * overhangs the padding). */
static void pool_reference(const void *context, int64_t batch, int training, const double *x,
                           const double *params, const double *buffers, double *y)
{
    (void)training;
    (void)params;
    (void)buffers;
    const pool_case *p = context;
    int64_t oh_n = pool_out(p->h, p), ow_n = pool_out(p->w, p);
    for (int64_t plane = 0; plane < batch * p->c; plane++)
        for (int64_t oh = 0; oh < oh_n; oh++)
            for (int64_t ow = 0; ow < ow_n; ow++) {
                double acc = p->max ? -INFINITY : 0.0;
                for (int64_t i = 0; i < p->kernel; i++)
                    for (int64_t j = 0; j < p->kernel; j++) {
                        int64_t ih = oh * p->stride - p->padding + i;
                        int64_t iw = ow * p->stride - p->padding + j;
                        if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w)
                            continue;
                        double v = x[(plane * p->h + ih) * p->w + iw];
                        if (p->max)
                            acc = v > acc ? v : acc;
                        else
                            acc += v;
                    }
                y[(plane * oh_n + oh) * ow_n + ow] =
                    p->max ? acc : acc / (double)(p->kernel * p->kernel);
            }
}

static gan_layer *new_pool(const pool_case *p)
{
    gan_layer *layer = NULL;
    if (p->max)
        assert_status(gan_layer_maxpool2d(&layer, p->kernel, p->stride, p->padding), GAN_OK);
    else
        assert_status(gan_layer_avgpool2d(&layer, p->kernel, p->stride, p->padding), GAN_OK);
    return layer;
}

/* A random permutation of values 0.01 apart: no near-ties, so the maximum of each window
 * stays put under finite differences. */
static float *spaced_permutation(int64_t n, uint32_t seed)
{
    float *values = calloc((size_t)n, sizeof(float));
    for (int64_t i = 0; i < n; i++)
        values[i] = (float)(i - n / 2) * 0.01f;
    for (int64_t i = n - 1; i > 0; i--) {
        seed = seed * 1664525u + 1013904223u;
        int64_t j = (int64_t)(seed % (uint32_t)(i + 1));
        float t = values[i];
        values[i] = values[j];
        values[j] = t;
    }
    return values;
}

static void check_case(int max, int64_t batch, int64_t c, int64_t h, int64_t w, int64_t kernel,
                       int64_t stride, int64_t padding)
{
    pool_case p = {max, c, h, w, kernel, stride, padding};
    float *input = max ? spaced_permutation(batch * c * h * w, (uint32_t)(h * 31 + w)) : NULL;
    gradcheck_spec spec = {
        .model = model_of(new_pool(&p)), .rank = 4, .shape = {batch, c, h, w}, .training = 1,
        .reference = pool_reference, .context = &p, .input = input,
    };
    run_gradcheck(&spec);
    expect_model_output_shape(spec.model, 3,
                              (const int64_t[]){c, pool_out(h, &p), pool_out(w, &p)});
    gan_model_free(spec.model);
    free(input);
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    for (int max = 0; max <= 1; max++) {
        check_case(max, 2, 3, 6, 6, 2, 2, 0);  /* the usual 2x2 halving */
        check_case(max, 1, 1, 4, 4, 3, 1, 1);  /* batch 1, overlapping windows with padding */
        check_case(max, 2, 2, 7, 5, 3, 2, 1);  /* non-square, stride != kernel */
        check_case(max, 3, 1, 5, 9, 4, 3, 2);  /* even kernel, padding kernel / 2 */
        check_case(max, 1, 2, 3, 8, 1, 1, 0);  /* kernel 1: the identity */
        check_case(max, 2, 1, 9, 4, 2, 3, 0);  /* stride > kernel: some inputs are skipped */
        check_case(max, 1, 1, 2, 2, 2, 1, 0);  /* one window covering the whole input */
    }
}

static void max_hand_checked_values(void **state)
{
    (void)state;
    /* 4x4, kernel 2, stride 2: each quadrant's maximum, gradient routed to it. */
    const float x[16] = {1, 5, 2, 0, 3, 4, 8, 7, -1, -2, -9, -3, -4, -0.5f, -8, -6};
    float y[4], dx[16];
    gan_layer *layer = NULL;
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 4, 4, 2, 2, x, (const float[]){10, 20, 30, 40}, y, dx);
    const float y_want[4] = {5, 8, -0.5f, -3};
    const float dx_want[16] = {0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 0, 40, 0, 30, 0, 0};
    assert_memory_equal(y, y_want, sizeof y);
    assert_memory_equal(dx, dx_want, sizeof dx);

    /* Padding is -inf: a negative input with padding 1 still yields its own values. Kernel 3,
     * stride 1, padding 1 on 2x2: every window sees the whole input, the maximum is -1, and
     * all four gradients go to that one element. */
    assert_status(gan_layer_maxpool2d(&layer, 3, 1, 1), GAN_OK);
    run_plane(layer, 2, 2, 2, 2, (const float[]){-2, -1, -4, -3}, (const float[]){1, 2, 3, 4}, y,
              dx);
    for (int i = 0; i < 4; i++)
        assert_true(y[i] == -1.0f);
    assert_memory_equal(dx, ((const float[]){0, 10, 0, 0}), 4 * sizeof(float));
}

static void max_ties_nan_and_infinities_follow_pytorch(void **state)
{
    (void)state;
    float y[1], dx[4];
    gan_layer *layer = NULL;
    /* Tie: the first maximum in scan order takes the gradient. */
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 2, 2, 1, 1, (const float[]){1, 3, 3, 2}, (const float[]){1}, y, dx);
    assert_true(y[0] == 3.0f);
    assert_memory_equal(dx, ((const float[]){0, 1, 0, 0}), sizeof dx);
    /* NaN propagates; `val > max || isnan(val)` makes the last NaN of the window win. */
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 2, 2, 1, 1, (const float[]){1, NAN, 5, NAN}, (const float[]){1}, y, dx);
    assert_true(isnan(y[0]));
    assert_memory_equal(dx, ((const float[]){0, 0, 0, 1}), sizeof dx);
    /* All -inf: nothing beats the initial -inf, so the window's first element is chosen. */
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 2, 2, 1, 1, (const float[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY},
              (const float[]){1}, y, dx);
    assert_true(isinf(y[0]) && y[0] < 0);
    assert_memory_equal(dx, ((const float[]){1, 0, 0, 0}), sizeof dx);
    /* +inf is an ordinary maximum. */
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 2, 2, 1, 1, (const float[]){1, 2, INFINITY, 4}, (const float[]){1}, y, dx);
    assert_true(isinf(y[0]) && y[0] > 0);
    assert_memory_equal(dx, ((const float[]){0, 0, 1, 0}), sizeof dx);
}

static void avg_hand_checked_values(void **state)
{
    (void)state;
    float y[4], dx[4];
    gan_layer *layer = NULL;
    /* count_include_pad: kernel 3, padding 1 over a 2x2 of ones: 4 real ones / 9 everywhere. */
    assert_status(gan_layer_avgpool2d(&layer, 3, 1, 1), GAN_OK);
    run_plane(layer, 2, 2, 2, 2, (const float[]){1, 1, 1, 1}, (const float[]){9, 9, 9, 9}, y, dx);
    for (int i = 0; i < 4; i++) {
        assert_true(y[i] == 4.0f / 9.0f);
        assert_true(dx[i] == 4.0f); /* four windows, each passing 9 / 9 */
    }
    /* Kernel 2, stride 2 on 2x4: plain means of each 2x2 block. */
    float y2[2], dx2[8];
    assert_status(gan_layer_avgpool2d(&layer, 2, 2, 0), GAN_OK);
    run_plane(layer, 2, 4, 1, 2, (const float[]){1, 2, 3, 4, 5, 6, 7, 8}, (const float[]){4, -8},
              y2, dx2);
    assert_true(y2[0] == 3.5f && y2[1] == 5.5f);
    assert_memory_equal(dx2, ((const float[]){1, 1, -2, -2, 1, 1, -2, -2}), sizeof dx2);
}

static void output_shapes(void **state)
{
    (void)state;
    const struct {
        int64_t in[3], kernel, stride, padding, out[3];
    } cases[] = {
        {{3, 28, 28}, 2, 2, 0, {3, 14, 14}},
        {{1, 5, 7}, 3, 2, 1, {1, 3, 4}},
        {{2, 3, 3}, 3, 1, 0, {2, 1, 1}},
        {{4, 1, 9}, 1, 2, 0, {4, 1, 5}},
        {{1, 7, 7}, 4, 3, 2, {1, 3, 3}},
        {{1, 1, 1}, 2, 1, 1, {1, 2, 2}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int max = 0; max <= 1; max++) {
            pool_case p = {max, 0, 0, 0, cases[i].kernel, cases[i].stride, cases[i].padding};
            gan_model *model = NULL;
            assert_status(gan_model_new(&model), GAN_OK);
            assert_status(gan_model_add(model, new_pool(&p)), GAN_OK);
            assert_status(gan_model_set_input_shape(model, 3, cases[i].in), GAN_OK);
            expect_model_output_shape(model, 3, cases[i].out);
            assert_string_equal(gan_layer_kind(gan_model_layer(model, 0)),
                                max ? "MaxPool2d" : "AvgPool2d");
            assert_int_equal(gan_model_parameter_count(model), 0);
            gan_model_free(model);
        }
}

static void shape_mismatches_are_reported(void **state)
{
    (void)state;
    for (int max = 0; max <= 1; max++) {
        pool_case p = {max, 0, 0, 0, 3, 1, 0};
        gan_model *model = NULL;
        assert_status(gan_model_new(&model), GAN_OK);
        assert_status(gan_model_add(model, new_pool(&p)), GAN_OK);
        assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){8, 8}), GAN_ERR_SHAPE);
        assert_error_mentions(max ? "model layer 0 (MaxPool2d): input [8, 8] has rank 2; "
                                    "MaxPool2d expects [C, H, W]"
                                  : "model layer 0 (AvgPool2d): input [8, 8] has rank 2; "
                                    "AvgPool2d expects [C, H, W]");
        assert_status(gan_model_set_input_shape(model, 4, (const int64_t[]){1, 1, 8, 8}),
                      GAN_ERR_SHAPE);
        assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, 2, 8}),
                      GAN_ERR_SHAPE);
        assert_error_mentions("input [1, 2, 8] is smaller than the kernel 3 with padding 0");
        assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, 8, 2}),
                      GAN_ERR_SHAPE);
        assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, 3, 3}), GAN_OK);
        gan_model_free(model);
    }
    /* MaxPool2d's int32 argmax indices bound a plane to 2^31 - 1 elements. */
    gan_layer *layer = NULL;
    gan_model *model = NULL;
    assert_status(gan_layer_maxpool2d(&layer, 2, 2, 0), GAN_OK);
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, 65536, 32768}),
                  GAN_ERR_SHAPE);
    assert_error_mentions("2^31 - 1");
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    (void)state;
    typedef gan_status (*pool_fn)(gan_layer **, int64_t, int64_t, int64_t);
    const pool_fn constructors[2] = {gan_layer_avgpool2d, gan_layer_maxpool2d};
    for (int i = 0; i < 2; i++) {
        gan_layer *layer = (gan_layer *)state;
        assert_status(constructors[i](&layer, 0, 1, 0), GAN_ERR_INVALID_ARGUMENT);
        assert_null(layer);
        assert_error_mentions("kernel_size is 0");
        layer = (gan_layer *)&layer;
        assert_status(constructors[i](&layer, 2, 0, 0), GAN_ERR_INVALID_ARGUMENT);
        assert_null(layer);
        assert_error_mentions("stride is 0");
        assert_status(constructors[i](&layer, 2, 2, -1), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("padding is -1");
        assert_status(constructors[i](&layer, 3, 1, 2), GAN_ERR_INVALID_ARGUMENT);
        assert_null(layer);
        assert_error_mentions("padding is 2; it must be <= kernel_size / 2 = 1");
        assert_status(constructors[i](&layer, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
        assert_status(constructors[i](NULL, 2, 2, 0), GAN_ERR_INVALID_ARGUMENT);
        assert_status(constructors[i](&layer, 4, 1, 2), GAN_OK); /* padding = kernel / 2 */
        gan_layer_free(layer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(max_hand_checked_values),
        cmocka_unit_test(max_ties_nan_and_infinities_follow_pytorch),
        cmocka_unit_test(avg_hand_checked_values),
        cmocka_unit_test(output_shapes),
        cmocka_unit_test(shape_mismatches_are_reported),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
