/*
 * Gradient checks for layers, shared by the layer test programs.
 *
 * A test builds a model around the layer under test and supplies a double-precision
 * reference forward pass written naively from the formula. The harness then checks:
 *   1. libgan's float forward against the reference;
 *   2. libgan's backward (input gradient and every parameter gradient) against central
 *      finite differences of the *reference*, L = sum(r * y) for a fixed random r, so the
 *      differences are accurate to ~1e-9 and any mismatch is libgan's;
 *   3. that GAN_BACKWARD_SKIP_PARAMETERS leaves the gradient array untouched, and that a
 *      second backward adds the same gradients again (accumulation).
 */
#ifndef GAN_TEST_GRADCHECK_H
#define GAN_TEST_GRADCHECK_H

#include <math.h>

#include "test_support.h"

/* A reference forward: y = f(x; params, buffers) in double, for `batch` samples. The
 * arrays are the model's contiguous parameter and buffer arrays, converted to double;
 * `training` is the mode of the pass. `context` is the test's description of the layer. */
typedef void (*reference_forward_fn)(const void *context, int64_t batch, int training,
                                     const double *x, const double *params,
                                     const double *buffers, double *y);

typedef struct gradcheck_spec {
    gan_model *model;            /* holds the layer(s); parameters already initialised */
    int rank;                    /* input rank, batch included */
    int64_t shape[GAN_TENSOR_MAX_RANK];
    int training;
    reference_forward_fn reference;
    const void *context;
    int skip_input_gradient;     /* inputs that are not differentiable (Embedding) */
    const float *input;          /* optional: the input to use; random in [-1, 1) otherwise */
    double tolerance;            /* 0: default 1e-3 (relative, with an absolute floor) */
} gradcheck_spec;

static inline double *to_double(const float *values, int64_t count)
{
    double *out = calloc((size_t)(count > 0 ? count : 1), sizeof(double));
    for (int64_t i = 0; i < count; i++)
        out[i] = values[i];
    return out;
}

/* The buffers of a model, concatenated in named-buffer order, as doubles. */
static inline double *model_buffers_double(gan_model *model)
{
    int count = gan_model_named_buffer_count(model);
    int64_t total = 0;
    for (int i = 0; i < count; i++) {
        gan_tensor *value;
        assert_status(gan_model_named_buffer(model, i, NULL, &value), GAN_OK);
        total += gan_tensor_numel(value);
    }
    double *out = calloc((size_t)(total > 0 ? total : 1), sizeof(double));
    int64_t at = 0;
    for (int i = 0; i < count; i++) {
        gan_tensor *value;
        assert_status(gan_model_named_buffer(model, i, NULL, &value), GAN_OK);
        for (int64_t j = 0; j < gan_tensor_numel(value); j++)
            out[at++] = gan_tensor_data(value)[j];
    }
    return out;
}

static inline double weighted_sum(const double *r, const double *y, int64_t n)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += r[i] * y[i];
    return sum;
}

static inline void expect_close(const char *what, int64_t index, double got, double want,
                                double tolerance)
{
    double error = fabs(got - want);
    if (!(error <= tolerance * (fabs(want) + 1e-2))) {
        print_error("%s[%lld]: libgan %.9g, reference %.9g (error %.3g)\n", what,
                    (long long)index, got, want, error);
        fail();
    }
}

/* d/dv of L = sum(r * f(...)) by central differences on the reference, at v = values[j]. */
static inline double finite_difference(const gradcheck_spec *spec, int64_t batch, double *x,
                                       double *params, const double *buffers, double *values,
                                       int64_t j, const double *r, double *y, int64_t out_count)
{
    const double h = 1e-6 * (fabs(values[j]) > 1.0 ? fabs(values[j]) : 1.0);
    double saved = values[j];
    values[j] = saved + h;
    spec->reference(spec->context, batch, spec->training, x, params, buffers, y);
    double plus = weighted_sum(r, y, out_count);
    values[j] = saved - h;
    spec->reference(spec->context, batch, spec->training, x, params, buffers, y);
    double minus = weighted_sum(r, y, out_count);
    values[j] = saved;
    return (plus - minus) / (2.0 * h);
}

static inline void run_gradcheck(const gradcheck_spec *spec)
{
    gan_model *model = spec->model;
    double tolerance = spec->tolerance > 0 ? spec->tolerance : 1e-3;
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 20261122), GAN_OK);
    assert_status(gan_model_set_rng(model, rng), GAN_OK);
    assert_status(gan_model_set_training(model, spec->training), GAN_OK);

    gan_tensor *input = NULL;
    assert_status(gan_tensor_new(&input, spec->rank, spec->shape), GAN_OK);
    int64_t in_count = gan_tensor_numel(input), batch = spec->shape[0];
    if (spec->input)
        assert_status(gan_tensor_copy_from(input, spec->input, (size_t)in_count), GAN_OK);
    else
        assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, input, -1.0f, 1.0f), GAN_OK);

    /* Buffers as they are before the pass (training mode may update them). */
    double *buffers = model_buffers_double(model);
    float *params_f, *grads_f;
    size_t param_count;
    assert_status(gan_model_parameter_arrays(model, &params_f, &grads_f, &param_count), GAN_OK);
    double *params = to_double(params_f, (int64_t)param_count);
    double *x = to_double(gan_tensor_data(input), in_count);

    /* 1. forward against the reference */
    const gan_tensor *output = NULL;
    assert_status(gan_model_forward(model, input, &output), GAN_OK);
    int64_t out_count = gan_tensor_numel(output);
    double *y = calloc((size_t)out_count, sizeof(double));
    spec->reference(spec->context, batch, spec->training, x, params, buffers, y);
    for (int64_t i = 0; i < out_count; i++)
        expect_close("forward output", i, gan_tensor_data_const(output)[i], y[i], tolerance);

    /* 2. backward against finite differences of the reference */
    gan_tensor *r_tensor = NULL;
    int64_t out_shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_tensor_shape(output, out_shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_status(gan_tensor_new(&r_tensor, gan_tensor_rank(output), out_shape), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, r_tensor, -1.0f, 1.0f), GAN_OK);
    double *r = to_double(gan_tensor_data(r_tensor), out_count);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    const gan_tensor *grad_input = NULL;
    assert_status(gan_model_backward(model, r_tensor, 0,
                                     spec->skip_input_gradient ? NULL : &grad_input), GAN_OK);
    if (!spec->skip_input_gradient)
        for (int64_t j = 0; j < in_count; j++)
            expect_close("input gradient", j, gan_tensor_data_const(grad_input)[j],
                         finite_difference(spec, batch, x, params, buffers, x, j, r, y, out_count),
                         tolerance);
    for (int64_t j = 0; j < (int64_t)param_count; j++)
        expect_close("parameter gradient", j, grads_f[j],
                     finite_difference(spec, batch, x, params, buffers, params, j, r, y, out_count),
                     tolerance);

    /* 3. skipping parameters touches no gradient; a second backward accumulates */
    float *first = calloc(param_count > 0 ? param_count : 1, sizeof(float));
    if (param_count)
        memcpy(first, grads_f, param_count * sizeof(float));
    assert_status(gan_model_backward(model, r_tensor, GAN_BACKWARD_SKIP_PARAMETERS,
                                     spec->skip_input_gradient ? NULL : &grad_input), GAN_OK);
    if (param_count)
        assert_memory_equal(first, grads_f, param_count * sizeof(float));
    assert_status(gan_model_backward(model, r_tensor, 0, NULL), GAN_OK);
    for (size_t j = 0; j < param_count; j++)
        expect_close("accumulated gradient", (int64_t)j, grads_f[j], 2.0 * first[j], 1e-5);

    free(first);
    free(r);
    free(y);
    free(x);
    free(params);
    free(buffers);
    gan_tensor_free(r_tensor);
    gan_tensor_free(input);
    gan_model_set_rng(model, NULL);
    gan_rng_free(rng);
}

/* A model holding just `layer`, with parameters drawn from a fixed seed. */
static inline gan_model *model_of(gan_layer *layer)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 7), GAN_OK);
    assert_status(gan_model_init_parameters(model, rng), GAN_OK);
    gan_rng_free(rng);
    return model;
}

#endif /* GAN_TEST_GRADCHECK_H */
