/*
 * Shared by the Conv2d and ConvTranspose2d tests: exact outputs for set parameters, the
 * bounds of the initialisation fans, batches split into GEMM chunks, and shape errors.
 */
#ifndef GAN_TEST_CONV_TEST_SUPPORT_H
#define GAN_TEST_CONV_TEST_SUPPORT_H

#include "layer_test_support.h"

/* Checks the output shape of `model`, one convolution on samples `in` [C, H, W], which must be
 * `out`, then its gradients on a batch against `reference` (called with `context`); frees the
 * model. */
static inline void check_conv_gradients(gan_model *model, reference_forward_fn reference,
                                        const void *context, int64_t batch, const int64_t in[3],
                                        const int64_t out[3])
{
    assert_status(gan_model_set_input_shape(model, 3, in), GAN_OK);
    expect_model_output_shape(model, 3, out);
    gradcheck_spec spec = {
        .model = model, .rank = 4, .shape = {batch, in[0], in[1], in[2]},
        .training = 1, .reference = reference, .context = context,
    };
    run_gradcheck(&spec);
    gan_model_free(model);
}

/* `model` holds one convolution with a weight of `weight_shape` and a bias of bias_size,
 * named as PyTorch names them. */
static inline void expect_conv_parameters(gan_model *model, const int64_t weight_shape[4],
                                          int64_t bias_size)
{
    assert_int_equal(gan_model_named_parameter_count(model), 2);
    assert_int_equal(gan_model_parameter_count(model),
                     weight_shape[0] * weight_shape[1] * weight_shape[2] * weight_shape[3] +
                         bias_size);
    const char *name;
    gan_tensor *value;
    int64_t shape[4];
    assert_status(gan_model_named_parameter(model, 0, &name, &value, NULL), GAN_OK);
    assert_string_equal(name, "0.weight");
    assert_int_equal(gan_tensor_rank(value), 4);
    assert_status(gan_tensor_shape(value, shape, 4), GAN_OK);
    assert_memory_equal(shape, weight_shape, sizeof shape);
    assert_status(gan_model_named_parameter(model, 1, &name, &value, NULL), GAN_OK);
    assert_string_equal(name, "0.bias");
    assert_int_equal(gan_tensor_rank(value), 1);
    assert_int_equal(gan_tensor_dim(value, 0), bias_size);
}

/* Sets the weight and bias of layer 0 of `model`. */
static inline void set_parameters(gan_model *model, const float *weight, size_t weight_count,
                                  const float *bias, size_t bias_count)
{
    gan_tensor *value;
    assert_status(gan_model_named_parameter(model, 0, NULL, &value, NULL), GAN_OK);
    assert_status(gan_tensor_copy_from(value, weight, weight_count), GAN_OK);
    if (bias) {
        assert_status(gan_model_named_parameter(model, 1, NULL, &value, NULL), GAN_OK);
        assert_status(gan_tensor_copy_from(value, bias, bias_count), GAN_OK);
    }
}

/* The forward pass of `model` on `input` [input_shape] gives exactly `want`. */
static inline void expect_output(gan_model *model, const float *input, const int64_t *input_shape,
                                 const float *want, int64_t want_count)
{
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 4, input_shape), GAN_OK);
    assert_status(gan_tensor_copy_from(x, input, (size_t)gan_tensor_numel(x)), GAN_OK);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_int_equal(gan_tensor_numel(y), want_count);
    for (int64_t i = 0; i < want_count; i++)
        if (gan_tensor_data_const(y)[i] != want[i]) {
            print_error("output[%lld] is %g, expected %g\n", (long long)i,
                        (double)gan_tensor_data_const(y)[i], (double)want[i]);
            fail();
        }
    gan_tensor_free(x);
}

/*
 * Initialises `layer` (with bias, in a model of its own) with `scheme`, PyTorch's default or
 * Glorot uniform, and checks the bound the fans give: PyTorch's b = 1/sqrt(fan_in), Glorot's
 * b = sqrt(6 / (fan_in + fan_out)). The weights are U(-b, b) and reach close to b; PyTorch's
 * biases are U(-b, b) too (their maximum above bias_fraction b), Glorot's are 0.
 */
static inline void expect_init_bounds(gan_layer *layer, gan_init scheme, double fan_in,
                                      double fan_out, int64_t bias_count, double bias_fraction)
{
    assert_status(gan_layer_set_init(layer, scheme), GAN_OK);
    gan_model *model = model_of(layer);
    gan_tensor *weight, *bias;
    assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
    assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
    double bound = scheme == GAN_INIT_PYTORCH ? 1.0 / sqrt(fan_in)
                                              : sqrt(6.0 / (fan_in + fan_out));
    double max_abs = 0;
    for (int64_t i = 0; i < gan_tensor_numel(weight); i++)
        max_abs = fmax(max_abs, fabs(gan_tensor_data(weight)[i]));
    assert_true(max_abs <= bound);
    assert_true(max_abs > 0.99 * bound);
    double bias_max = 0;
    for (int64_t i = 0; i < bias_count; i++)
        bias_max = fmax(bias_max, fabs(gan_tensor_data(bias)[i]));
    if (scheme == GAN_INIT_PYTORCH) {
        assert_true(bias_max <= bound);
        assert_true(bias_max > bias_fraction * bound);
    } else {
        assert_true(bias_max == 0.0);
    }
    gan_model_free(model);
}

/* y, dx and the parameter gradients of `model` on x [shape] with dy = r. */
typedef struct pass_result {
    float *y, *dx, *dparams;
    int64_t y_count, x_count;
    size_t param_count;
} pass_result;

static inline pass_result run_pass(gan_model *model, int rank, const int64_t *shape,
                                   const float *x, const float *r)
{
    pass_result result = {0};
    gan_tensor *input = NULL, *grad = NULL;
    assert_status(gan_tensor_new(&input, rank, shape), GAN_OK);
    result.x_count = gan_tensor_numel(input);
    assert_status(gan_tensor_copy_from(input, x, (size_t)result.x_count), GAN_OK);
    const gan_tensor *output = NULL, *grad_input = NULL;
    assert_status(gan_model_forward(model, input, &output), GAN_OK);
    result.y_count = gan_tensor_numel(output);
    int64_t out_shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_tensor_shape(output, out_shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    result.y = malloc((size_t)result.y_count * sizeof(float));
    memcpy(result.y, gan_tensor_data_const(output), (size_t)result.y_count * sizeof(float));
    assert_status(gan_tensor_new(&grad, gan_tensor_rank(output), out_shape), GAN_OK);
    assert_status(gan_tensor_copy_from(grad, r, (size_t)result.y_count), GAN_OK);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    assert_status(gan_model_backward(model, grad, 0, &grad_input), GAN_OK);
    result.dx = malloc((size_t)result.x_count * sizeof(float));
    memcpy(result.dx, gan_tensor_data_const(grad_input), (size_t)result.x_count * sizeof(float));
    float *grads;
    assert_status(gan_model_parameter_arrays(model, NULL, &grads, &result.param_count), GAN_OK);
    result.dparams = malloc(result.param_count * sizeof(float));
    memcpy(result.dparams, grads, result.param_count * sizeof(float));
    gan_tensor_free(grad);
    gan_tensor_free(input);
    return result;
}

static inline void free_result(pass_result *result)
{
    free(result->y);
    free(result->dx);
    free(result->dparams);
}

static inline float pseudo_random(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return (float)(*seed >> 8) / 8388608.0f - 1.0f;
}

static inline void close_enough(const char *what, int64_t i, float got, float want,
                                double tolerance)
{
    if (!(fabs((double)got - (double)want) <= tolerance * (fabs((double)want) + 1.0))) {
        print_error("%s[%lld]: %.9g, expected %.9g\n", what, (long long)i, (double)got,
                    (double)want);
        fail();
    }
}

/*
 * A batch of `batch` samples [sample_shape] large enough to be split into several GEMM
 * chunks gives the same outputs and gradients as the same samples one at a time, and its
 * forward matches `reference` (called with `context`). x and dy are drawn from `seed`; a
 * sample's output has out_sample values.
 */
static inline void expect_chunks_match_single_samples(gan_model *model,
                                                      reference_forward_fn reference,
                                                      const void *context, int64_t batch,
                                                      const int64_t sample_shape[3],
                                                      int64_t out_sample, uint32_t seed)
{
    const int64_t sample = sample_shape[0] * sample_shape[1] * sample_shape[2];
    float *x = malloc((size_t)(batch * sample) * sizeof(float));
    float *r = malloc((size_t)(batch * out_sample) * sizeof(float));
    for (int64_t i = 0; i < batch * sample; i++)
        x[i] = pseudo_random(&seed);
    for (int64_t i = 0; i < batch * out_sample; i++)
        r[i] = pseudo_random(&seed);

    pass_result whole = run_pass(
        model, 4, (const int64_t[]){batch, sample_shape[0], sample_shape[1], sample_shape[2]}, x,
        r);
    assert_int_equal(whole.y_count, batch * out_sample);

    /* forward against the reference */
    float *params;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &count), GAN_OK);
    double *params_d = to_double(params, (int64_t)count), *x_d = to_double(x, batch * sample);
    double *y_d = calloc((size_t)(batch * out_sample), sizeof(double));
    reference(context, batch, 1, x_d, params_d, NULL, y_d);
    for (int64_t i = 0; i < batch * out_sample; i++)
        close_enough("forward", i, whole.y[i], (float)y_d[i], 1e-5);

    /* one sample at a time: the arena is reused at a smaller batch */
    float *dparams_sum = calloc(count, sizeof(float));
    for (int64_t n = 0; n < batch; n++) {
        pass_result one = run_pass(
            model, 4, (const int64_t[]){1, sample_shape[0], sample_shape[1], sample_shape[2]},
            x + n * sample, r + n * out_sample);
        for (int64_t i = 0; i < out_sample; i++)
            close_enough("output", n * out_sample + i, whole.y[n * out_sample + i], one.y[i], 1e-5);
        for (int64_t i = 0; i < sample; i++)
            close_enough("input gradient", n * sample + i, whole.dx[n * sample + i], one.dx[i],
                         1e-5);
        for (size_t i = 0; i < count; i++)
            dparams_sum[i] += one.dparams[i];
        free_result(&one);
    }
    for (size_t i = 0; i < count; i++)
        close_enough("parameter gradient", (int64_t)i, whole.dparams[i], dparams_sum[i], 1e-4);

    free(dparams_sum);
    free(y_d);
    free(x_d);
    free(params_d);
    free_result(&whole);
    free(r);
    free(x);
}

/* A layer of `kind` added to a model whose input does not fit: GAN_ERR_SHAPE naming the
 * layer and both sides. */
static inline void expect_shape_error(const char *kind, gan_layer *layer, int rank,
                                      const int64_t *shape, const char *mention,
                                      const char *mention2)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, rank, shape), GAN_ERR_SHAPE);
    assert_error_mentions(kind);
    assert_error_mentions(mention);
    if (mention2)
        assert_error_mentions(mention2);
    gan_model_free(model);
}

#endif /* GAN_TEST_CONV_TEST_SUPPORT_H */
