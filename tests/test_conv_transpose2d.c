/* ConvTranspose2d: hand-checked values, gradients against a naive double reference, the
 * adjoint relation with Conv2d, shapes, names, initialisation fans, batch chunking, and
 * argument and shape errors. */
#include "conv_test_support.h"

typedef struct convt_case {
    int64_t in_channels, out_channels, kernel, stride, padding, output_padding, height, width;
    int bias;
} convt_case;

static int64_t convt_out_size(const convt_case *c, int64_t size)
{
    return (size - 1) * c->stride - 2 * c->padding + c->kernel + c->output_padding;
}

/* Every input pixel x[n, c, i, j] scatters x W[c, o, kh, kw] to output pixel
 * (i s - p + kh, j s - p + kw) of channel o when that lies inside the output; every output
 * pixel starts at b[o]. params = W [Cin, Cout, k, k] then b [Cout]. */
static void convt_reference(const void *context, int64_t batch, int training, const double *x,
                            const double *params, const double *buffers, double *y)
{
    (void)training;
    (void)buffers;
    const convt_case *c = context;
    const int64_t ci = c->in_channels, co = c->out_channels, k = c->kernel, h = c->height,
                  w = c->width, oh = convt_out_size(c, h), ow = convt_out_size(c, w);
    const double *weight = params, *bias = params + ci * co * k * k;
    for (int64_t n = 0; n < batch; n++)
        for (int64_t o = 0; o < co; o++)
            for (int64_t i = 0; i < oh * ow; i++)
                y[(n * co + o) * oh * ow + i] = c->bias ? bias[o] : 0.0;
    for (int64_t n = 0; n < batch; n++)
        for (int64_t ch = 0; ch < ci; ch++)
            for (int64_t i = 0; i < h; i++)
                for (int64_t j = 0; j < w; j++) {
                    double value = x[((n * ci + ch) * h + i) * w + j];
                    for (int64_t o = 0; o < co; o++)
                        for (int64_t kh = 0; kh < k; kh++)
                            for (int64_t kw = 0; kw < k; kw++) {
                                int64_t row = i * c->stride - c->padding + kh;
                                int64_t col = j * c->stride - c->padding + kw;
                                if (row < 0 || row >= oh || col < 0 || col >= ow)
                                    continue;
                                y[((n * co + o) * oh + row) * ow + col] +=
                                    value * weight[((ch * co + o) * k + kh) * k + kw];
                            }
                }
}

static gan_model *convt_model(const convt_case *c)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv_transpose2d(&layer, c->in_channels, c->out_channels, c->kernel,
                                             c->stride, c->padding, c->output_padding, c->bias),
                  GAN_OK);
    return model_of(layer);
}

static void check_case(int64_t batch, convt_case c)
{
    check_conv_gradients(convt_model(&c), convt_reference, &c, batch,
                         (const int64_t[]){c.in_channels, c.height, c.width},
                         (const int64_t[]){c.out_channels, convt_out_size(&c, c.height),
                                           convt_out_size(&c, c.width)});
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    /*                  Cin Cout k  s  p  op H  W  bias */
    check_case(2, (convt_case){3, 2, 5, 1, 2, 0, 4, 4, 1});  /* DCGAN generator: k5 s1 p2 */
    check_case(2, (convt_case){4, 3, 5, 2, 2, 1, 3, 3, 1});  /* DCGAN generator: k5 s2 p2 op1 */
    check_case(2, (convt_case){3, 2, 4, 2, 1, 0, 3, 4, 1});  /* DCGAN-64: k4 s2 p1, H != W */
    check_case(3, (convt_case){5, 2, 4, 1, 0, 0, 1, 1, 1});  /* DCGAN-64 first layer: 1x1 -> 4x4 */
    check_case(2, (convt_case){2, 5, 3, 1, 1, 0, 4, 3, 1});  /* k3 s1 p1 */
    check_case(2, (convt_case){3, 2, 1, 1, 0, 0, 3, 3, 1});  /* k1 */
    check_case(2, (convt_case){2, 3, 2, 3, 0, 0, 3, 2, 1});  /* stride larger than kernel */
    check_case(2, (convt_case){2, 3, 2, 3, 0, 2, 3, 2, 1});  /* ... with output padding 2 */
    check_case(2, (convt_case){3, 2, 3, 2, 1, 1, 3, 3, 0});  /* no bias */
    check_case(1, (convt_case){1, 3, 5, 2, 2, 1, 4, 4, 1});  /* batch 1, one input channel */
    check_case(2, (convt_case){2, 2, 3, 1, 2, 0, 5, 4, 1});  /* padding that crops the output */
    check_case(2, (convt_case){2, 2, 1, 2, 0, 1, 3, 2, 1});  /* k1 s2: holes between pixels */
}

static void hand_checked_values(void **state)
{
    (void)state;
    const float image[4] = {1, 2, 3, 4}; /* one channel, 2 x 2 */
    const int64_t image_shape[4] = {1, 1, 2, 2};

    /* k2 s1 p0, W = [1 2; 3 4]: the full convolution, a 3 x 3 output. */
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, 2, 1, 0, 0, 0), GAN_OK);
    gan_model *model = model_of(layer);
    set_parameters(model, (const float[]){1, 2, 3, 4}, 4, NULL, 0);
    expect_output(model, image, image_shape,
                  (const float[]){1, 4, 4, 6, 20, 16, 9, 24, 16}, 9);
    gan_model_free(model);

    /* k2 s2 p0, W = ones, b = 0.5: every pixel becomes a 2 x 2 block. */
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, 2, 2, 0, 0, 1), GAN_OK);
    model = model_of(layer);
    set_parameters(model, (const float[]){1, 1, 1, 1}, 4, (const float[]){0.5f}, 1);
    expect_output(model, image, image_shape,
                  (const float[]){1.5f, 1.5f, 2.5f, 2.5f, 1.5f, 1.5f, 2.5f, 2.5f,
                                  3.5f, 3.5f, 4.5f, 4.5f, 3.5f, 3.5f, 4.5f, 4.5f}, 16);
    gan_model_free(model);

    /* k3 s2 p1 op1, W = ones, b = 0: output 4 x 4; the last row and column are reached only
     * by the kernels' right and bottom taps. */
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, 3, 2, 1, 1, 0), GAN_OK);
    model = model_of(layer);
    set_parameters(model, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, NULL, 0);
    /* Pixel (i, j) reaches output rows 2i-1..2i+1 and columns 2j-1..2j+1. */
    expect_output(model, image, image_shape,
                  (const float[]){1, 3, 2, 2, 4, 10, 6, 6, 3, 7, 4, 4, 3, 7, 4, 4}, 16);
    gan_model_free(model);

    /* Two input and two output channels, k1: a matrix W^T at every pixel. */
    assert_status(gan_layer_conv_transpose2d(&layer, 2, 2, 1, 1, 0, 0, 1), GAN_OK);
    model = model_of(layer);
    /* W [Cin, Cout]: y_o = sum_c x_c W[c, o] + b_o */
    set_parameters(model, (const float[]){1, 10, -1, 2}, 4, (const float[]){0, 100}, 2);
    expect_output(model, (const float[]){1, 2, 3, 4}, (const int64_t[]){1, 2, 1, 2},
                  (const float[]){-2, -2, 116, 128}, 4);
    gan_model_free(model);
}

/* <conv(x), z> = <x, conv_transpose(z)> with the same weight array and no bias. */
static void is_the_adjoint_of_conv2d(void **state)
{
    (void)state;
    const int64_t cin = 3, cout = 4, k = 4, s = 2, p = 1, h = 8, w = 6, batch = 2;
    gan_layer *conv = NULL, *convt = NULL;
    assert_status(gan_layer_conv2d(&conv, cin, cout, k, s, p, 0), GAN_OK);
    assert_status(gan_layer_conv_transpose2d(&convt, cout, cin, k, s, p, 0, 0), GAN_OK);
    gan_model *conv_net = model_of(conv), *convt_net = model_of(convt);
    float *conv_w, *convt_w;
    size_t conv_count, convt_count;
    assert_status(gan_model_parameter_arrays(conv_net, &conv_w, NULL, &conv_count), GAN_OK);
    assert_status(gan_model_parameter_arrays(convt_net, &convt_w, NULL, &convt_count), GAN_OK);
    assert_int_equal(conv_count, convt_count);
    memcpy(convt_w, conv_w, conv_count * sizeof(float)); /* [Cout, Cin, k, k] both ways */

    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 99), GAN_OK);
    gan_tensor *x = NULL, *z = NULL;
    assert_status(gan_tensor_new(&x, 4, (const int64_t[]){batch, cin, h, w}), GAN_OK);
    assert_status(gan_tensor_new(&z, 4, (const int64_t[]){batch, cout, h / s, w / s}), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, x, -1.0f, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, z, -1.0f, 1.0f), GAN_OK);
    const gan_tensor *conv_x = NULL, *convt_z = NULL;
    assert_status(gan_model_forward(conv_net, x, &conv_x), GAN_OK);
    assert_status(gan_model_forward(convt_net, z, &convt_z), GAN_OK);
    assert_int_equal(gan_tensor_numel(conv_x), gan_tensor_numel(z));
    assert_int_equal(gan_tensor_numel(convt_z), gan_tensor_numel(x));
    double left = 0, right = 0;
    for (int64_t i = 0; i < gan_tensor_numel(z); i++)
        left += (double)gan_tensor_data_const(conv_x)[i] * gan_tensor_data(z)[i];
    for (int64_t i = 0; i < gan_tensor_numel(x); i++)
        right += (double)gan_tensor_data(x)[i] * gan_tensor_data_const(convt_z)[i];
    assert_true(fabs(left - right) <= 1e-5 * (fabs(left) + 1.0));

    gan_tensor_free(z);
    gan_tensor_free(x);
    gan_rng_free(rng);
    gan_model_free(convt_net);
    gan_model_free(conv_net);
}

static void expect_output_shape(int64_t cin, int64_t cout, int64_t k, int64_t s, int64_t p,
                                int64_t op, const int64_t *in, const int64_t *want)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv_transpose2d(&layer, cin, cout, k, s, p, op, 1), GAN_OK);
    expect_layer_output_shape(layer, 3, in, want);
}

static void output_shapes_follow_pytorch(void **state)
{
    (void)state;
    /* the DCGAN generator for MNIST: 7 -> 7 -> 14 -> 28 */
    expect_output_shape(256, 128, 5, 1, 2, 0, (const int64_t[]){256, 7, 7}, (const int64_t[]){128, 7, 7});
    expect_output_shape(128, 64, 5, 2, 2, 1, (const int64_t[]){128, 7, 7}, (const int64_t[]){64, 14, 14});
    expect_output_shape(64, 1, 5, 2, 2, 1, (const int64_t[]){64, 14, 14}, (const int64_t[]){1, 28, 28});
    /* DCGAN-64: 1 -> 4 -> 8 */
    expect_output_shape(100, 512, 4, 1, 0, 0, (const int64_t[]){100, 1, 1}, (const int64_t[]){512, 4, 4});
    expect_output_shape(512, 256, 4, 2, 1, 0, (const int64_t[]){512, 4, 4}, (const int64_t[]){256, 8, 8});
    expect_output_shape(3, 5, 3, 3, 0, 2, (const int64_t[]){3, 2, 5}, (const int64_t[]){5, 8, 17});
    expect_output_shape(2, 2, 3, 1, 1, 0, (const int64_t[]){2, 1, 1}, (const int64_t[]){2, 1, 1});
}

static void parameter_names_and_shapes_follow_pytorch(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv_transpose2d(&layer, 128, 64, 5, 2, 2, 1, 1), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "ConvTranspose2d");
    gan_model *model = model_of(layer);
    expect_conv_parameters(model, (const int64_t[]){128, 64, 5, 5}, 64); /* [Cin, Cout, k, k] */
    gan_model_free(model);

    assert_status(gan_layer_conv_transpose2d(&layer, 3, 8, 3, 1, 1, 0, 0), GAN_OK);
    model = model_of(layer);
    assert_int_equal(gan_model_named_parameter_count(model), 1);
    assert_int_equal(gan_model_parameter_count(model), 3 * 8 * 3 * 3);
    gan_model_free(model);
}

/* PyTorch's fans for ConvTranspose2d come from the weight [Cin, Cout, k, k] read as a Conv2d
 * weight: fan_in = Cout k k, fan_out = Cin k k. The default init's bound is 1/sqrt(fan_in). */
static void init_uses_pytorch_fans(void **state)
{
    (void)state;
    const int64_t cin = 64, cout = 8, k = 5;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_GLOROT_UNIFORM; scheme++) {
        gan_layer *layer = NULL;
        assert_status(gan_layer_conv_transpose2d(&layer, cin, cout, k, 2, 2, 1, 1), GAN_OK);
        expect_init_bounds(layer, (gan_init)scheme, (double)(cout * k * k), (double)(cin * k * k),
                           cout, 0.3);
    }
}

/* A batch split into several GEMM chunks gives the same outputs and gradients as the same
 * samples one at a time (and the forward matches the reference). */
static void chunked_batches_match_single_samples(void **state)
{
    (void)state;
    const convt_case c = {2, 3, 4, 2, 1, 0, 20, 50, 1}; /* 1000 input positions: chunks of 5 */
    gan_model *model = convt_model(&c);
    expect_chunks_match_single_samples(model, convt_reference, &c, 7,
                                       (const int64_t[]){c.in_channels, c.height, c.width},
                                       c.out_channels * convt_out_size(&c, c.height) *
                                           convt_out_size(&c, c.width),
                                       54321);
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state; /* any non-NULL value: it must be reset */
    assert_status(gan_layer_conv_transpose2d(&layer, 0, 3, 3, 1, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("in_channels is 0");
    layer = (gan_layer *)state;
    assert_status(gan_layer_conv_transpose2d(&layer, 3, -2, 3, 1, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("out_channels is -2");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 0, 1, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("kernel_size is 0");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 3, 0, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("stride is 0");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 3, 1, -1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("padding is -1");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 3, 2, 1, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("output_padding is -1");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 3, 2, 1, 2, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("output_padding is 2");
    assert_error_mentions("stride 2");
    assert_status(gan_layer_conv_transpose2d(&layer, 3, 3, 3, 1, 1, 1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_status(gan_layer_conv_transpose2d(&layer, INT64_C(1) << 20, INT64_C(1) << 20, 3, 1, 1,
                                             0, 1),
                  GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, INT64_C(1) << 32, 1, 1, 0, 1),
                  GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_conv_transpose2d(NULL, 3, 3, 3, 1, 1, 0, 1), GAN_ERR_INVALID_ARGUMENT);
}

static void inputs_that_do_not_fit_are_rejected(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_conv_transpose2d(&layer, 128, 64, 5, 2, 2, 1, 1), GAN_OK);
    expect_shape_error("ConvTranspose2d", layer, 3, (const int64_t[]){64, 7, 7},
                       "input [64, 7, 7] has 64 channels", "expects 128");
    /* (1 - 1) 1 - 2 2 + 3 + 0 = -1 */
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, 3, 1, 2, 0, 1), GAN_OK);
    expect_shape_error("ConvTranspose2d", layer, 3, (const int64_t[]){1, 1, 4},
                       "output of -1 x 2", "at least 1 x 1");
    assert_status(gan_layer_conv_transpose2d(&layer, 100, 8, 4, 1, 0, 0, 1), GAN_OK);
    expect_shape_error("ConvTranspose2d", layer, 1, (const int64_t[]){100},
                       "input [100] has rank 1", NULL);
    /* a huge stride overflows the output size */
    assert_status(gan_layer_conv_transpose2d(&layer, 1, 1, 1, INT64_C(1) << 62, 0, 0, 1), GAN_OK);
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){1, 5, 5}),
                  GAN_ERR_OVERFLOW);
    assert_error_mentions("overflows");
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(is_the_adjoint_of_conv2d),
        cmocka_unit_test(output_shapes_follow_pytorch),
        cmocka_unit_test(parameter_names_and_shapes_follow_pytorch),
        cmocka_unit_test(init_uses_pytorch_fans),
        cmocka_unit_test(chunked_batches_match_single_samples),
        cmocka_unit_test(bad_arguments_are_rejected),
        cmocka_unit_test(inputs_that_do_not_fit_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
