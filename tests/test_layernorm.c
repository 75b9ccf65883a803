/*
 * LayerNorm: gradients against a double reference (training and evaluation alike), shapes,
 * options, parameter names, initialisation and argument checks.
 */
#include "norm_test_support.h"

/* D, the product of the normalized shape; the groups of D values in one sample. */
typedef struct ln_spec {
    int64_t size, groups_per_sample;
    int affine;
    double eps;
} ln_spec;

/* Each group of D consecutive values: y = (x - mean) / sqrt(var + eps) weight + bias, with
 * the biased variance; params = weight [D], bias [D] if affine. */
static void ln_reference(const void *context, int64_t batch, int training,
                                const double *x, const double *params, const double *buffers,
                                double *y)
{
    (void)training;
    (void)buffers;
    const ln_spec *s = context;
    int64_t D = s->size, groups = batch * s->groups_per_sample;
    for (int64_t g = 0; g < groups; g++) {
        const double *xg = x + g * D;
        double sum = 0.0, squares = 0.0;
        for (int64_t i = 0; i < D; i++)
            sum += xg[i];
        double mean = sum / (double)D;
        for (int64_t i = 0; i < D; i++)
            squares += (xg[i] - mean) * (xg[i] - mean);
        double invstd = 1.0 / sqrt(squares / (double)D + s->eps);
        for (int64_t i = 0; i < D; i++) {
            double w = s->affine ? params[i] : 1.0, b = s->affine ? params[D + i] : 0.0;
            y[g * D + i] = (xg[i] - mean) * invstd * w + b;
        }
    }
}

static gan_layer *new_ln(int rank, const int64_t *shape)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_layernorm(&layer, rank, shape), GAN_OK);
    return layer;
}

/* Non-trivial weight and bias. */
static void randomize_params(gan_model *model, uint64_t seed)
{
    if (gan_model_named_parameter_count(model) == 0)
        return;
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    gan_tensor *weight, *bias;
    assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
    assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, weight, -2.0f, 2.0f), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, bias, -1.0f, 1.0f), GAN_OK);
    gan_rng_free(rng);
}

/* LayerNorm(normalized) on samples `sample`, in both modes. */
static void check_ln(int norm_rank, const int64_t *normalized, int64_t batch, int sample_rank,
                     const int64_t *sample, int affine, float eps)
{
    int64_t D = 1, numel = 1;
    for (int i = 0; i < norm_rank; i++)
        D *= normalized[i];
    for (int i = 0; i < sample_rank; i++)
        numel *= sample[i];
    ln_spec s = {D, numel / D, affine, eps};
    for (int training = 0; training <= 1; training++) {
        gan_layer *layer = new_ln(norm_rank, normalized);
        assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, affine), GAN_OK);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, eps), GAN_OK);
        gradcheck_spec spec = {
            .model = model_of(layer), .rank = sample_rank + 1, .training = training,
            .reference = ln_reference, .context = &s,
        };
        spec.shape[0] = batch;
        memcpy(spec.shape + 1, sample, (size_t)sample_rank * sizeof(int64_t));
        randomize_params(spec.model, 17);
        run_gradcheck(&spec);
        gan_model_free(spec.model);
    }
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    check_ln(1, (const int64_t[]){6}, 4, 1, (const int64_t[]){6}, 1, 1e-5f);
    check_ln(1, (const int64_t[]){4}, 2, 2, (const int64_t[]){3, 4}, 1, 1e-5f);   /* leading dim */
    check_ln(2, (const int64_t[]){3, 4}, 2, 3, (const int64_t[]){2, 3, 4}, 1, 1e-5f);
    check_ln(3, (const int64_t[]){2, 3, 2}, 3, 3, (const int64_t[]){2, 3, 2}, 0, 1e-3f);
    check_ln(1, (const int64_t[]){5}, 1, 1, (const int64_t[]){5}, 1, 0.25f);      /* batch 1 */
    check_ln(1, (const int64_t[]){1}, 5, 1, (const int64_t[]){1}, 1, 1e-5f);      /* D = 1: y = bias */
    check_ln(1, (const int64_t[]){37}, 2, 2, (const int64_t[]){2, 37}, 1, 1e-5f); /* odd length */
}

static void hand_checked_values(void **state)
{
    (void)state;
    gan_layer *layer = new_ln(1, (const int64_t[]){3});
    gan_model *model = model_of(layer);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){2, 3}), GAN_OK);
    assert_status(gan_tensor_copy_from(x, (const float[]){1, 2, 3, -5, -5, -5}, 6), GAN_OK);
    const gan_tensor *y = NULL;
    for (int training = 1; training >= 0; training--) {
        assert_status(gan_model_set_training(model, training), GAN_OK);
        assert_status(gan_model_forward(model, x, &y), GAN_OK);
        const float *yd = gan_tensor_data_const(y);
        double z = 1.0 / sqrt(2.0 / 3.0 + 1e-5); /* var of [1, 2, 3] is 2/3 */
        expect_close("y", 0, yd[0], -z, 1e-6);
        expect_close("y", 1, yd[1], 0.0, 1e-6);
        expect_close("y", 2, yd[2], z, 1e-6);
        for (int i = 3; i < 6; i++) /* a constant group normalises to 0 (the bias) */
            assert_true(yd[i] == 0.0f);
    }
    gan_tensor_free(x);
    gan_model_free(model);
}

static void shapes_must_end_in_the_normalized_shape(void **state)
{
    (void)state;
    gan_layer *layer = new_ln(2, (const int64_t[]){3, 4});
    gan_model *model = model_of(layer);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){4}), GAN_ERR_SHAPE);
    assert_error_mentions("input [4] does not end in the normalized shape [3, 4]");
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){4, 3}), GAN_ERR_SHAPE);
    assert_error_mentions("input [4, 3] does not end in the normalized shape [3, 4]");
    assert_error_mentions("LayerNorm");
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){3, 4, 4}), GAN_ERR_SHAPE);
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){5, 3, 4}), GAN_OK);
    expect_model_output_shape(model, 3, (const int64_t[]){5, 3, 4});
    gan_model_free(model);
}

static void options(void **state)
{
    (void)state;
    gan_layer *layer = new_ln(1, (const int64_t[]){8});
    float f = 0.0f;
    int64_t i = -1;
    assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &f), GAN_OK);
    assert_true(f == 1e-5f);
    assert_status(gan_layer_get_int(layer, GAN_LAYER_AFFINE, &i), GAN_OK);
    assert_int_equal(i, 1);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-6f), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 0.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("LayerNorm layer '': eps 0 must be finite and > 0");
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, -1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, NAN), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, INFINITY), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &f), GAN_OK);
    assert_true(f == 1e-6f);
    /* LayerNorm has no running statistics, so no momentum */
    assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.1f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("LayerNorm layer '' has no option 0");
    assert_status(gan_layer_get_float(layer, GAN_LAYER_MOMENTUM, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_MOMENTUM, 0), GAN_ERR_INVALID_ARGUMENT);
    /* wrong types */
    assert_status(gan_layer_set_float(layer, GAN_LAYER_AFFINE, 0.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("not a float option");
    assert_status(gan_layer_set_int(layer, GAN_LAYER_EPS, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("not an integer option");
    assert_status(gan_layer_get_int(layer, GAN_LAYER_EPS, &i), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_get_float(layer, GAN_LAYER_AFFINE, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 7), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("affine is 7; it must be 0 or 1");
    assert_status(gan_layer_set_int(layer, (gan_layer_option)-1, 0), GAN_ERR_INVALID_ARGUMENT);
    gan_layer_free(layer);
}

static void affine_off_has_no_parameters(void **state)
{
    (void)state;
    gan_layer *layer = new_ln(2, (const int64_t[]){2, 5});
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    gan_model *model = model_of(layer);
    assert_int_equal(gan_model_parameter_count(model), 0);
    assert_int_equal(gan_model_named_parameter_count(model), 0);
    assert_int_equal(gan_model_named_buffer_count(model), 0);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 1), GAN_ERR_STATE);
    assert_error_mentions("affine cannot change once the layer is in a model");
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-3f), GAN_OK);
    gan_model_free(model);
}

static void names_and_shapes_follow_pytorch(void **state)
{
    (void)state;
    gan_layer *layer = new_ln(2, (const int64_t[]){3, 4});
    assert_string_equal(gan_layer_kind(layer), "LayerNorm");
    gan_model *model = model_of(layer);
    assert_int_equal(gan_model_parameter_count(model), 24);
    assert_int_equal(gan_model_named_parameter_count(model), 2);
    assert_int_equal(gan_model_named_buffer_count(model), 0);
    const char *names[] = {"0.weight", "0.bias"};
    for (int i = 0; i < 2; i++) {
        const char *name;
        gan_tensor *value;
        assert_status(gan_model_named_parameter(model, i, &name, &value, NULL), GAN_OK);
        assert_string_equal(name, names[i]);
        assert_int_equal(gan_tensor_rank(value), 2);
        assert_int_equal(gan_tensor_dim(value, 0), 3);
        assert_int_equal(gan_tensor_dim(value, 1), 4);
    }
    gan_model_free(model);
}

static void init_schemes(void **state)
{
    (void)state;
    const int64_t D = 64 * 64;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_DCGAN; scheme++) {
        gan_layer *layer = new_ln(2, (const int64_t[]){64, 64});
        assert_status(gan_layer_set_init(layer, (gan_init)scheme), GAN_OK);
        gan_model *model = model_of(layer);
        gan_tensor *weight, *bias;
        assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
        assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
        expect_norm_affine_init((gan_init)scheme, weight, bias, D);
        gan_model_free(model);
    }
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state;
    const int64_t shape[GAN_TENSOR_MAX_RANK] = {2, 2, 2, 2, 2, 2, 2, 2};
    assert_status(gan_layer_layernorm(&layer, 0, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("gan_layer_layernorm: rank 0 is outside 1..7");
    assert_status(gan_layer_layernorm(&layer, GAN_TENSOR_MAX_RANK, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_layernorm(&layer, 1, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("normalized_shape");
    assert_status(gan_layer_layernorm(&layer, 2, (const int64_t[]){3, 0}), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("a dimension of normalized_shape is 0");
    assert_status(gan_layer_layernorm(&layer, 1, (const int64_t[]){-4}), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_layernorm(&layer, 2, (const int64_t[]){INT64_C(1) << 20, INT64_C(1) << 21}),
                  GAN_ERR_OVERFLOW);
    assert_status(gan_layer_layernorm(&layer, 2, (const int64_t[]){INT64_MAX, 2}), GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_layernorm(NULL, 1, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_layernorm(&layer, 7, shape), GAN_OK); /* the largest rank */
    gan_layer_free(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(shapes_must_end_in_the_normalized_shape),
        cmocka_unit_test(options),
        cmocka_unit_test(affine_off_has_no_parameters),
        cmocka_unit_test(names_and_shapes_follow_pytorch),
        cmocka_unit_test(init_schemes),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
