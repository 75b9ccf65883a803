/* Conv2d: hand-checked values, gradients against a naive double reference, shapes, names,
 * initialisation fans, batch chunking, and argument and shape errors. */
#include "conv_test_support.h"

typedef struct conv_case {
    int64_t in_channels, out_channels, kernel, stride, padding, height, width;
    int bias;
} conv_case;

static int64_t conv_out_size(const conv_case *c, int64_t size)
{
    return (size + 2 * c->padding - c->kernel) / c->stride + 1;
}

/* y[n, o, i, j] = b[o] + sum over c, kh, kw of x[n, c, i s - p + kh, j s - p + kw] W[o, c, kh, kw],
 * terms outside the image being zero; params = W [Cout, Cin, k, k] then b [Cout]. */
static void conv2d_reference(const void *context, int64_t batch, int training, const double *x,
                             const double *params, const double *buffers, double *y)
{
    (void)training;
    (void)buffers;
    const conv_case *c = context;
    const int64_t ci = c->in_channels, co = c->out_channels, k = c->kernel, h = c->height,
                  w = c->width, oh = conv_out_size(c, h), ow = conv_out_size(c, w);
    const double *weight = params, *bias = params + co * ci * k * k;
    for (int64_t n = 0; n < batch; n++)
        for (int64_t o = 0; o < co; o++)
            for (int64_t i = 0; i < oh; i++)
                for (int64_t j = 0; j < ow; j++) {
                    double sum = c->bias ? bias[o] : 0.0;
                    for (int64_t ch = 0; ch < ci; ch++)
                        for (int64_t kh = 0; kh < k; kh++)
                            for (int64_t kw = 0; kw < k; kw++) {
                                int64_t row = i * c->stride - c->padding + kh;
                                int64_t col = j * c->stride - c->padding + kw;
                                if (row < 0 || row >= h || col < 0 || col >= w)
                                    continue;
                                sum += x[((n * ci + ch) * h + row) * w + col] *
                                       weight[((o * ci + ch) * k + kh) * k + kw];
                            }
                    y[((n * co + o) * oh + i) * ow + j] = sum;
                }
}

static gan_model *conv_model(const conv_case *c)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv2d(&layer, c->in_channels, c->out_channels, c->kernel, c->stride,
                                   c->padding, c->bias),
                  GAN_OK);
    return model_of(layer);
}

static void check_case(int64_t batch, conv_case c)
{
    check_conv_gradients(conv_model(&c), conv2d_reference, &c, batch,
                         (const int64_t[]){c.in_channels, c.height, c.width},
                         (const int64_t[]){c.out_channels, conv_out_size(&c, c.height),
                                           conv_out_size(&c, c.width)});
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    /*                 Cin Cout k  s  p  H  W  bias */
    check_case(2, (conv_case){3, 4, 5, 2, 2, 8, 8, 1});   /* DCGAN discriminator: k5 s2 p2 */
    check_case(2, (conv_case){2, 3, 4, 2, 1, 6, 6, 1});   /* DCGAN-64: k4 s2 p1 */
    check_case(2, (conv_case){3, 5, 3, 1, 1, 5, 4, 1});   /* k3 s1 p1, H != W */
    check_case(3, (conv_case){5, 2, 1, 1, 0, 3, 3, 1});   /* k1 */
    check_case(2, (conv_case){2, 3, 2, 3, 0, 7, 8, 1});   /* stride larger than kernel */
    check_case(2, (conv_case){3, 2, 3, 2, 1, 5, 5, 0});   /* no bias */
    check_case(1, (conv_case){1, 4, 5, 2, 2, 7, 7, 1});   /* batch 1, one input channel */
    check_case(2, (conv_case){2, 2, 1, 2, 1, 4, 5, 1});   /* padding beyond a 1x1 kernel */
    check_case(2, (conv_case){2, 2, 5, 1, 2, 3, 3, 1});   /* kernel larger than the unpadded input */
    check_case(2, (conv_case){1, 1, 3, 3, 0, 3, 9, 1});   /* a single output row */
}

static void hand_checked_values(void **state)
{
    (void)state;
    const float image[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* one channel, 3 x 3 */
    const int64_t image_shape[4] = {1, 1, 3, 3};

    /* k2 s1 p0 with W = [1 2; 3 4], b = 0.5: each output is the window dotted with W. */
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv2d(&layer, 1, 1, 2, 1, 0, 1), GAN_OK);
    gan_model *model = model_of(layer);
    set_parameters(model, (const float[]){1, 2, 3, 4}, 4, (const float[]){0.5f}, 1);
    /* 1+4+12+20, 2+6+15+24, 4+10+21+32, 5+12+24+36, each + 0.5 */
    expect_output(model, image, image_shape, (const float[]){37.5f, 47.5f, 67.5f, 77.5f}, 4);
    gan_model_free(model);

    /* k3 s2 p1 with a kernel of ones and no bias: sums of the 2 x 2 corners of the image. */
    assert_status(gan_layer_conv2d(&layer, 1, 1, 3, 2, 1, 0), GAN_OK);
    model = model_of(layer);
    set_parameters(model, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, NULL, 0);
    expect_output(model, image, image_shape, (const float[]){12, 16, 24, 28}, 4);
    gan_model_free(model);

    /* k1 with two input and two output channels: a 2 x 2 matrix at every pixel, plus bias. */
    assert_status(gan_layer_conv2d(&layer, 2, 2, 1, 1, 0, 1), GAN_OK);
    model = model_of(layer);
    set_parameters(model, (const float[]){1, 10, -1, 2}, 4, (const float[]){0, 100}, 2);
    expect_output(model, (const float[]){1, 2, 3, 4}, (const int64_t[]){1, 2, 1, 2},
                  (const float[]){31, 42, 105, 106}, 4);
    gan_model_free(model);
}

static void expect_output_shape(int64_t cin, int64_t cout, int64_t k, int64_t s, int64_t p,
                                const int64_t *in, const int64_t *want)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv2d(&layer, cin, cout, k, s, p, 1), GAN_OK);
    expect_layer_output_shape(layer, 3, in, want);
}

static void output_shapes_follow_pytorch(void **state)
{
    (void)state;
    expect_output_shape(1, 64, 5, 2, 2, (const int64_t[]){1, 28, 28}, (const int64_t[]){64, 14, 14});
    expect_output_shape(64, 128, 5, 2, 2, (const int64_t[]){64, 14, 14}, (const int64_t[]){128, 7, 7});
    expect_output_shape(3, 64, 4, 2, 1, (const int64_t[]){3, 64, 64}, (const int64_t[]){64, 32, 32});
    expect_output_shape(512, 1, 4, 1, 0, (const int64_t[]){512, 4, 4}, (const int64_t[]){1, 1, 1});
    expect_output_shape(3, 5, 3, 2, 0, (const int64_t[]){3, 5, 8}, (const int64_t[]){5, 2, 3});
    expect_output_shape(2, 2, 3, 1, 1, (const int64_t[]){2, 1, 1}, (const int64_t[]){2, 1, 1});
    expect_output_shape(2, 2, 1, 5, 3, (const int64_t[]){2, 4, 4}, (const int64_t[]){2, 2, 2});
}

static void parameter_names_and_shapes_follow_pytorch(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv2d(&layer, 3, 64, 5, 2, 2, 1), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "Conv2d");
    gan_model *model = model_of(layer);
    expect_conv_parameters(model, (const int64_t[]){64, 3, 5, 5}, 64); /* [Cout, Cin, k, k] */
    gan_model_free(model);

    assert_status(gan_layer_conv2d(&layer, 3, 8, 3, 1, 1, 0), GAN_OK);
    model = model_of(layer);
    assert_int_equal(gan_model_named_parameter_count(model), 1);
    assert_int_equal(gan_model_parameter_count(model), 8 * 3 * 3 * 3);
    gan_model_free(model);
}

/* PyTorch's default init: weight and bias U(-b, b) with b = 1/sqrt(fan_in), fan_in = Cin k k;
 * Glorot: b = sqrt(6 / (fan_in + fan_out)), fan_out = Cout k k. */
static void init_uses_pytorch_fans(void **state)
{
    (void)state;
    const int64_t cin = 16, cout = 40, k = 3;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_GLOROT_UNIFORM; scheme++) {
        gan_layer *layer = NULL;
        assert_status(gan_layer_conv2d(&layer, cin, cout, k, 1, 1, 1), GAN_OK);
        expect_init_bounds(layer, (gan_init)scheme, (double)(cin * k * k), (double)(cout * k * k),
                           cout, 0.5);
    }
}

/* A batch large enough to be split into several GEMM chunks gives the same outputs and
 * gradients as the same samples one at a time (and the forward matches the reference). */
static void chunked_batches_match_single_samples(void **state)
{
    (void)state;
    const conv_case c = {2, 3, 3, 1, 1, 20, 50, 1}; /* 1000 positions: chunks of 5 images */
    gan_model *model = conv_model(&c);
    expect_chunks_match_single_samples(model, conv2d_reference, &c, 7,
                                       (const int64_t[]){c.in_channels, c.height, c.width},
                                       c.out_channels * c.height * c.width, 12345);
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state; /* any non-NULL value: it must be reset */
    assert_status(gan_layer_conv2d(&layer, 0, 3, 3, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("in_channels is 0");
    layer = (gan_layer *)state;
    assert_status(gan_layer_conv2d(&layer, 3, 0, 3, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("out_channels is 0");
    assert_status(gan_layer_conv2d(&layer, 3, 3, 0, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("kernel_size is 0");
    assert_status(gan_layer_conv2d(&layer, 3, 3, 3, 0, 1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("stride is 0");
    assert_status(gan_layer_conv2d(&layer, 3, 3, 3, 1, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("padding is -1");
    assert_null(layer);
    assert_status(gan_layer_conv2d(&layer, INT64_C(1) << 20, INT64_C(1) << 20, 3, 1, 1, 1),
                  GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_conv2d(&layer, 1, 1, INT64_C(1) << 32, 1, 1, 1), GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_conv2d(&layer, 1, 1, INT64_MAX, 1, 0, 1), GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_conv2d(NULL, 3, 3, 3, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
}

static void inputs_that_do_not_fit_are_rejected(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv2d(&layer, 1, 8, 5, 2, 2, 1), GAN_OK);
    expect_shape_error("Conv2d", layer, 3, (const int64_t[]){3, 28, 28},
                       "input [3, 28, 28] has 3 channels", "expects 1");
    assert_status(gan_layer_conv2d(&layer, 1, 8, 5, 1, 0, 1), GAN_OK);
    expect_shape_error("Conv2d", layer, 3, (const int64_t[]){1, 4, 9},
                       "smaller than the 5 x 5 kernel", "[1, 4, 9]");
    assert_status(gan_layer_conv2d(&layer, 1, 8, 5, 1, 1, 1), GAN_OK);
    expect_shape_error("Conv2d", layer, 3, (const int64_t[]){1, 9, 2},
                       "padded by 1", "11 x 4");
    assert_status(gan_layer_conv2d(&layer, 1, 8, 3, 1, 1, 1), GAN_OK);
    expect_shape_error("Conv2d", layer, 1, (const int64_t[]){784},
                       "input [784] has rank 1", NULL);
    assert_status(gan_layer_conv2d(&layer, 1, 8, 3, 1, 1, 1), GAN_OK);
    expect_shape_error("Conv2d", layer, 4, (const int64_t[]){1, 1, 28, 28},
                       "has rank 4", NULL);

    /* the same through a forward pass with a wrongly shaped batch */
    assert_status(gan_layer_conv2d(&layer, 1, 2, 3, 1, 1, 1), GAN_OK);
    gan_model *model = model_of(layer);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 4, (const int64_t[]){2, 3, 5, 5}), GAN_OK);
    const gan_tensor *y = (const gan_tensor *)x;
    assert_status(gan_model_forward(model, x, &y), GAN_ERR_SHAPE);
    assert_null(y);
    assert_error_mentions("has 3 channels; the layer expects 1");
    gan_tensor_free(x);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(output_shapes_follow_pytorch),
        cmocka_unit_test(parameter_names_and_shapes_follow_pytorch),
        cmocka_unit_test(init_uses_pytorch_fans),
        cmocka_unit_test(chunked_batches_match_single_samples),
        cmocka_unit_test(bad_arguments_are_rejected),
        cmocka_unit_test(inputs_that_do_not_fit_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
