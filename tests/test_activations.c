/* ReLU, LeakyReLU, Tanh, Sigmoid, Flatten and Reshape against double references. */
#include <float.h>
#include <math.h>

#include "gradcheck.h"

typedef enum kind { RELU, LEAKY, TANH, SIGMOID, IDENTITY } kind;

typedef struct activation_case {
    kind kind;
    double slope;
    int64_t numel; /* per sample */
} activation_case;

static void activation_reference(const void *context, int64_t batch, int training,
                                 const double *x, const double *params, const double *buffers,
                                 double *y)
{
    (void)training;
    (void)params;
    (void)buffers;
    const activation_case *c = context;
    for (int64_t i = 0; i < batch * c->numel; i++) {
        double v = x[i];
        switch (c->kind) {
        case RELU: y[i] = v > 0 ? v : 0.0; break;
        case LEAKY: y[i] = v > 0 ? v : c->slope * v; break;
        case TANH: y[i] = tanh(v); break;
        case SIGMOID: y[i] = 1.0 / (1.0 + exp(-v)); break;
        case IDENTITY: y[i] = v; break;
        }
    }
}

/* Inputs kept away from ReLU's kink at 0, where finite differences are meaningless. */
static float *input_away_from_zero(int64_t count)
{
    float *values = calloc((size_t)count, sizeof(float));
    for (int64_t i = 0; i < count; i++) {
        float v = (float)((i * 37 % 101) - 50) / 25.0f;
        values[i] = fabsf(v) < 0.05f ? v + 0.1f : v;
    }
    return values;
}

static void check(gan_layer *layer, kind k, double slope, int rank, const int64_t *shape)
{
    int64_t per_sample = 1, total = shape[0];
    for (int i = 1; i < rank; i++)
        per_sample *= shape[i];
    total *= per_sample;
    activation_case c = {k, slope, per_sample};
    float *input = input_away_from_zero(total);
    gradcheck_spec spec = {.model = model_of(layer), .rank = rank, .training = 1,
                           .reference = activation_reference, .context = &c, .input = input};
    memcpy(spec.shape, shape, (size_t)rank * sizeof(int64_t));
    run_gradcheck(&spec);
    gan_model_free(spec.model);
    free(input);
}

static void relu_and_leaky_relu(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_relu(&layer), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "ReLU");
    check(layer, RELU, 0, 2, (const int64_t[]){3, 7});
    assert_status(gan_layer_leaky_relu(&layer, 0.3f), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "LeakyReLU");
    check(layer, LEAKY, 0.3f, 4, (const int64_t[]){2, 3, 5, 4});
    assert_status(gan_layer_leaky_relu(&layer, -1.5f), GAN_OK); /* any finite slope */
    check(layer, LEAKY, -1.5f, 2, (const int64_t[]){1, 9});
}

static void tanh_and_sigmoid(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_tanh(&layer), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "Tanh");
    check(layer, TANH, 0, 3, (const int64_t[]){2, 3, 11});
    assert_status(gan_layer_sigmoid(&layer), GAN_OK);
    assert_string_equal(gan_layer_kind(layer), "Sigmoid");
    check(layer, SIGMOID, 0, 2, (const int64_t[]){4, 13});
}

/* Sigmoid and Tanh stay finite and saturate exactly at extreme inputs. */
static void extreme_inputs_saturate(void **state)
{
    (void)state;
    const float inputs[6] = {-FLT_MAX, -1e4f, -100.0f, 100.0f, 1e4f, FLT_MAX};
    gan_layer *sigmoid = NULL, *tanh_layer = NULL;
    assert_status(gan_layer_sigmoid(&sigmoid), GAN_OK);
    assert_status(gan_layer_tanh(&tanh_layer), GAN_OK);
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, sigmoid), GAN_OK);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){1, 6}), GAN_OK);
    assert_status(gan_tensor_copy_from(x, inputs, 6), GAN_OK);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    const float *out = gan_tensor_data_const(y);
    assert_true(out[0] == 0.0f && out[1] == 0.0f && out[2] < 1e-40f);
    assert_true(out[3] == 1.0f && out[4] == 1.0f && out[5] == 1.0f);
    gan_model_free(model);

    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, tanh_layer), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    out = gan_tensor_data_const(y);
    assert_true(out[0] == -1.0f && out[5] == 1.0f);
    gan_model_free(model);
    gan_tensor_free(x);
}

/* ReLU gives +0 for every input that is not positive, -inf included, and passes no
 * gradient there, even an infinite one (as torch.relu; 0 * x would give -0 and NaN). */
static void relu_of_negatives_is_positive_zero(void **state)
{
    (void)state;
    const float inputs[4] = {-INFINITY, -3.0f, -0.0f, 2.0f};
    const float grads[4] = {INFINITY, -5.0f, 1.0f, 7.0f};
    gan_layer *relu = NULL;
    gan_model *model = NULL;
    gan_tensor *x = NULL, *dy = NULL;
    assert_status(gan_layer_relu(&relu), GAN_OK);
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, relu), GAN_OK);
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){1, 4}), GAN_OK);
    assert_status(gan_tensor_new(&dy, 2, (const int64_t[]){1, 4}), GAN_OK);
    assert_status(gan_tensor_copy_from(x, inputs, 4), GAN_OK);
    assert_status(gan_tensor_copy_from(dy, grads, 4), GAN_OK);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, dy, 0, &dx), GAN_OK);
    const float *out = gan_tensor_data_const(y), *din = gan_tensor_data_const(dx);
    for (int i = 0; i < 3; i++) {
        assert_true(out[i] == 0.0f && !signbit(out[i]));
        assert_true(din[i] == 0.0f && !signbit(din[i]));
    }
    assert_true(out[3] == 2.0f && din[3] == 7.0f);
    gan_tensor_free(x);
    gan_tensor_free(dy);
    gan_model_free(model);
}

static void flatten_and_reshape_move_no_data(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_flatten(&layer), GAN_OK);
    check(layer, IDENTITY, 0, 4, (const int64_t[]){2, 3, 4, 5});
    assert_status(gan_layer_reshape(&layer, 3, (const int64_t[]){5, 2, 6}), GAN_OK);
    check(layer, IDENTITY, 0, 2, (const int64_t[]){3, 60});

    /* Reshape then Flatten: shapes come out as declared. */
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_reshape(&layer, 3, (const int64_t[]){256, 7, 7}), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){12544}), GAN_OK);
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_int_equal(rank, 3);
    assert_true(shape[0] == 256 && shape[1] == 7 && shape[2] == 7);
    assert_status(gan_layer_flatten(&layer), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_int_equal(rank, 1);
    assert_int_equal(shape[0], 12544);
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    (void)state;
    gan_layer *layer = (gan_layer *)state;
    assert_status(gan_layer_leaky_relu(&layer, NAN), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_status(gan_layer_leaky_relu(&layer, INFINITY), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_relu(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_tanh(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_sigmoid(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_flatten(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 0, (const int64_t[]){1}), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 8, (const int64_t[]){1, 1, 1, 1, 1, 1, 1, 1}),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 2, (const int64_t[]){4, 0}), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 2, (const int64_t[]){4, -1}), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_reshape(&layer, 3, (const int64_t[]){INT64_C(1) << 31, INT64_C(1) << 31, 4}),
                  GAN_ERR_OVERFLOW);
    assert_null(layer);
}

static void reshape_to_a_different_count_does_not_fit(void **state)
{
    (void)state;
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_reshape(&layer, 3, (const int64_t[]){256, 7, 7}), GAN_OK);
    assert_status(gan_layer_set_name(layer, "g.reshape"), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){12000}), GAN_ERR_SHAPE);
    assert_error_mentions("model layer 0 g.reshape (Reshape): input [12000] (12000 elements) "
                          "cannot become [256, 7, 7] (12544)");
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relu_and_leaky_relu),
        cmocka_unit_test(tanh_and_sigmoid),
        cmocka_unit_test(extreme_inputs_saturate),
        cmocka_unit_test(relu_of_negatives_is_positive_zero),
        cmocka_unit_test(flatten_and_reshape_move_no_data),
        cmocka_unit_test(bad_arguments_are_rejected),
        cmocka_unit_test(reshape_to_a_different_count_does_not_fit),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
