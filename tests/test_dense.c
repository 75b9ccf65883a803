/* Dense (Linear): hand-checked values, gradients against a double reference, init schemes. */
#include "gradcheck.h"

typedef struct dense_case {
    int64_t in, out;
    int bias;
    int64_t positions; /* rows per sample: the product of the sample's leading dimensions */
} dense_case;

/* y[r, o] = sum_i x[r, i] W[o, i] + b[o]; params = W [out, in] then b [out]. */
static void dense_reference(const void *context, int64_t batch, int training, const double *x,
                            const double *params, const double *buffers, double *y)
{
    (void)training;
    (void)buffers;
    const dense_case *c = context;
    int64_t rows = batch * (c->positions ? c->positions : 1);
    const double *w = params, *b = params + c->out * c->in;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < c->out; o++) {
            double sum = c->bias ? b[o] : 0.0;
            for (int64_t i = 0; i < c->in; i++)
                sum += x[r * c->in + i] * w[o * c->in + i];
            y[r * c->out + o] = sum;
        }
}

static void hand_checked_values(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_dense(&layer, 2, 2, 1), GAN_OK);
    gan_model *model = model_of(layer);
    gan_tensor *weight, *bias;
    assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
    assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
    assert_status(gan_tensor_copy_from(weight, (const float[]){1, 2, 3, 4}, 4), GAN_OK);
    assert_status(gan_tensor_copy_from(bias, (const float[]){0.5f, -1}, 2), GAN_OK);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){1, 2}), GAN_OK);
    assert_status(gan_tensor_copy_from(x, (const float[]){1, -1}, 2), GAN_OK);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    /* [1 2; 3 4] [1; -1] + [0.5; -1] = [-0.5; -2] */
    assert_true(gan_tensor_data_const(y)[0] == -0.5f);
    assert_true(gan_tensor_data_const(y)[1] == -2.0f);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void check_case(int64_t batch, int64_t in, int64_t out, int bias)
{
    dense_case c = {in, out, bias, 1};
    gan_layer *layer = NULL;
    assert_status(gan_layer_dense(&layer, in, out, bias), GAN_OK);
    gradcheck_spec spec = {
        .model = model_of(layer), .rank = 2, .shape = {batch, in}, .training = 1,
        .reference = dense_reference, .context = &c,
    };
    run_gradcheck(&spec);
    gan_model_free(spec.model);
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    check_case(4, 7, 5, 1);
    check_case(1, 3, 1, 1);   /* batch 1, one output */
    check_case(3, 1, 6, 0);   /* one input, no bias */
    check_case(5, 33, 17, 1); /* sizes that are not multiples of a vector width */
}

/* Rank-3 input [batch, 3, in]: the layer applies to the last dimension of every position. */
static void applies_to_the_last_dimension(void **state)
{
    (void)state;
    dense_case c = {4, 2, 1, 3};
    gan_layer *layer = NULL;
    assert_status(gan_layer_dense(&layer, 4, 2, 1), GAN_OK);
    gradcheck_spec spec = {
        .model = model_of(layer), .rank = 3, .shape = {2, 3, 4}, .training = 1,
        .reference = dense_reference, .context = &c,
    };
    run_gradcheck(&spec);
    gan_model_free(spec.model);
}

static void parameter_names_and_shapes_follow_pytorch(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_dense(&layer, 784, 128, 1), GAN_OK);
    gan_model *model = model_of(layer);
    assert_int_equal(gan_model_named_parameter_count(model), 2);
    assert_int_equal(gan_model_parameter_count(model), 784 * 128 + 128);
    const char *name;
    gan_tensor *value;
    assert_status(gan_model_named_parameter(model, 0, &name, &value, NULL), GAN_OK);
    assert_string_equal(name, "0.weight");
    assert_int_equal(gan_tensor_dim(value, 0), 128);
    assert_int_equal(gan_tensor_dim(value, 1), 784);
    assert_status(gan_model_named_parameter(model, 1, &name, &value, NULL), GAN_OK);
    assert_string_equal(name, "0.bias");
    assert_string_equal(gan_layer_kind(gan_model_layer(model, 0)), "Linear");
    gan_model_free(model);
}

/* Each scheme's weights lie in (or are distributed as) what it promises. */
static void init_schemes_draw_what_they_promise(void **state)
{
    (void)state;
    const int64_t in = 400, out = 300;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_DCGAN; scheme++) {
        gan_layer *layer = NULL;
        assert_status(gan_layer_dense(&layer, in, out, 1), GAN_OK);
        assert_status(gan_layer_set_init(layer, (gan_init)scheme), GAN_OK);
        gan_model *model = model_of(layer);
        gan_tensor *weight, *bias;
        assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
        assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
        double bound = scheme == GAN_INIT_PYTORCH ? 1.0 / sqrt((double)in)
                                                  : sqrt(6.0 / (double)(in + out));
        double sum = 0, sum_sq = 0, max_abs = 0;
        for (int64_t i = 0; i < in * out; i++) {
            double w = gan_tensor_data(weight)[i];
            sum += w;
            sum_sq += w * w;
            max_abs = fmax(max_abs, fabs(w));
        }
        double n = (double)(in * out), mean = sum / n, std = sqrt(sum_sq / n - mean * mean);
        if (scheme == GAN_INIT_DCGAN) {
            assert_true(fabs(std - 0.02) < 0.001);
            assert_true(fabs(mean) < 0.001);
        } else {
            assert_true(max_abs <= bound);
            assert_true(max_abs > 0.99 * bound);
            assert_true(fabs(std - bound / sqrt(3.0)) < 0.01 * bound);
        }
        int bias_nonzero = 0;
        for (int64_t i = 0; i < out; i++)
            bias_nonzero += gan_tensor_data(bias)[i] != 0.0f;
        assert_int_equal(bias_nonzero > 0, scheme == GAN_INIT_PYTORCH); /* only PyTorch draws biases */
        gan_model_free(model);
    }
}

static void bad_arguments_are_rejected(void **state)
{
    (void)state;
    gan_layer *layer = (gan_layer *)state;
    assert_status(gan_layer_dense(&layer, 0, 3, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("in_features is 0");
    assert_status(gan_layer_dense(&layer, 3, -1, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_dense(&layer, INT64_C(1) << 30, INT64_C(1) << 30, 1), GAN_ERR_OVERFLOW);
    assert_status(gan_layer_dense(NULL, 3, 3, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(applies_to_the_last_dimension),
        cmocka_unit_test(parameter_names_and_shapes_follow_pytorch),
        cmocka_unit_test(init_schemes_draw_what_they_promise),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
