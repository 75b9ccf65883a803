/* Embedding: lookup against a double reference, gradient accumulation over repeated
 * indices, index validation, shapes, parameter names and init schemes. */
#include "gradcheck.h"

typedef struct embedding_case {
    int64_t num, dim;
} embedding_case;

/* y[b, :] = W[x[b], :]; params = W [num, dim]. */
static void embedding_reference(const void *context, int64_t batch, int training,
                                const double *x, const double *params, const double *buffers,
                                double *y)
{
    (void)training;
    (void)buffers;
    const embedding_case *c = context;
    for (int64_t b = 0; b < batch; b++) {
        int64_t index = (int64_t)x[b];
        for (int64_t i = 0; i < c->dim; i++)
            y[b * c->dim + i] = params[index * c->dim + i];
    }
}

static gan_model *embedding_model(int64_t num, int64_t dim)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_embedding(&layer, num, dim), GAN_OK);
    return model_of(layer);
}

static void check_case(int64_t num, int64_t dim, int64_t batch, const float *indices)
{
    embedding_case c = {num, dim};
    gradcheck_spec spec = {
        .model = embedding_model(num, dim), .rank = 2, .shape = {batch, 1}, .training = 1,
        .reference = embedding_reference, .context = &c, .input = indices,
        .skip_input_gradient = 1,
    };
    run_gradcheck(&spec);
    gan_model_free(spec.model);
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    /* Index 3 three times: its gradient row sums three rows of dy; rows 1, 2, 4... none. */
    check_case(10, 4, 6, (const float[]){3, 0, 9, 3, 7, 3});
    check_case(1, 1, 1, (const float[]){0});          /* the smallest table, batch 1 */
    check_case(5, 17, 2, (const float[]){4, 4});      /* odd width, one row twice */
    check_case(100, 3, 4, (const float[]){99, 0, 50, 1});
}

static void hand_checked_values_and_zero_input_gradient(void **state)
{
    (void)state;
    gan_model *model = embedding_model(3, 2);
    gan_tensor *weight, *grad;
    const char *name;
    assert_int_equal(gan_model_named_parameter_count(model), 1);
    assert_status(gan_model_named_parameter(model, 0, &name, &weight, &grad), GAN_OK);
    assert_string_equal(name, "0.weight");
    assert_int_equal(gan_tensor_rank(weight), 2);
    assert_int_equal(gan_tensor_dim(weight, 0), 3);
    assert_int_equal(gan_tensor_dim(weight, 1), 2);
    assert_status(gan_tensor_copy_from(weight, (const float[]){1, 2, 3, 4, 5, 6}, 6), GAN_OK);
    gan_tensor *x = NULL, *dy = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){3, 1}), GAN_OK);
    assert_status(gan_tensor_copy_from(x, (const float[]){2, 0, 2}, 3), GAN_OK);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_int_equal(gan_tensor_rank(y), 2);
    assert_int_equal(gan_tensor_dim(y, 1), 2);
    assert_memory_equal(gan_tensor_data_const(y), ((const float[]){5, 6, 1, 2, 5, 6}),
                        6 * sizeof(float));
    assert_status(gan_tensor_new(&dy, 2, (const int64_t[]){3, 2}), GAN_OK);
    assert_status(gan_tensor_copy_from(dy, (const float[]){1, 10, 100, 1000, 3, 30}, 6), GAN_OK);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    gan_tensor_data(x)[0] = 1; /* the caller's input is copied: changing it changes nothing */
    assert_status(gan_model_backward(model, dy, 0, &dx), GAN_OK);
    assert_memory_equal(gan_tensor_data(grad), ((const float[]){100, 1000, 0, 0, 4, 40}),
                        6 * sizeof(float));
    assert_memory_equal(gan_tensor_data_const(dx), ((const float[]){0, 0, 0}), 3 * sizeof(float));
    /* Skipping parameters leaves the gradient alone; the input gradient is still zero. */
    assert_status(gan_model_backward(model, dy, GAN_BACKWARD_SKIP_PARAMETERS, &dx), GAN_OK);
    assert_memory_equal(gan_tensor_data(grad), ((const float[]){100, 1000, 0, 0, 4, 40}),
                        6 * sizeof(float));
    assert_memory_equal(gan_tensor_data_const(dx), ((const float[]){0, 0, 0}), 3 * sizeof(float));
    gan_tensor_free(dy);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void bad_indices_are_rejected(void **state)
{
    (void)state;
    gan_model *model = embedding_model(10, 3);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){5, 1}), GAN_OK);
    const struct {
        float value;
        const char *message;
    } cases[] = {
        {10.5f, "sample 3 holds 10.5; an index in 0..9 is expected"},
        {10.0f, "sample 3 holds 10; an index in 0..9 is expected"},
        {-1.0f, "sample 3 holds -1; an index in 0..9 is expected"},
        {2.5f, "sample 3 holds 2.5; an index in 0..9 is expected"},
        {NAN, "sample 3 holds nan; an index in 0..9 is expected"},
        {INFINITY, "sample 3 holds inf; an index in 0..9 is expected"},
        {1e20f, "sample 3 holds 1.00000002e+20"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_status(gan_tensor_copy_from(x, (const float[]){0, 9, 1, cases[i].value, 2}, 5),
                      GAN_OK);
        const gan_tensor *y = (const gan_tensor *)x;
        assert_status(gan_model_forward(model, x, &y), GAN_ERR_INVALID_ARGUMENT);
        assert_null(y);
        assert_error_mentions("model layer 0 (Embedding): ");
        assert_error_mentions(cases[i].message);
    }
    /* -0 is index 0; the model works again after a rejected batch. */
    assert_status(gan_tensor_copy_from(x, (const float[]){0, 9, 1, -0.0f, 2}, 5), GAN_OK);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void shapes_and_errors(void **state)
{
    (void)state;
    gan_model *model = embedding_model(10, 7);
    assert_string_equal(gan_layer_kind(gan_model_layer(model, 0)), "Embedding");
    assert_int_equal(gan_model_parameter_count(model), 70);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){2}), GAN_ERR_SHAPE);
    assert_error_mentions("model layer 0 (Embedding): input [2]: Embedding expects one index "
                          "per sample, shape [1]");
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){1, 1}), GAN_ERR_SHAPE);
    assert_error_mentions("input [1, 1]");
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){1}), GAN_OK);
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_int_equal(rank, 1);
    assert_int_equal(shape[0], 7);
    gan_model_free(model);
}

/* Named layer: "label.weight". */
static void parameter_name_follows_the_layer_name(void **state)
{
    (void)state;
    gan_layer *layer = NULL;
    assert_status(gan_layer_embedding(&layer, 10, 50), GAN_OK);
    assert_status(gan_layer_set_name(layer, "label_emb"), GAN_OK);
    gan_model *model = model_of(layer);
    const char *name;
    assert_status(gan_model_named_parameter(model, 0, &name, NULL, NULL), GAN_OK);
    assert_string_equal(name, "label_emb.weight");
    gan_model_free(model);
}

static void init_schemes_draw_what_they_promise(void **state)
{
    (void)state;
    const int64_t num = 300, dim = 200;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_DCGAN; scheme++) {
        gan_layer *layer = NULL;
        assert_status(gan_layer_embedding(&layer, num, dim), GAN_OK);
        assert_status(gan_layer_set_init(layer, (gan_init)scheme), GAN_OK);
        gan_model *model = model_of(layer);
        gan_tensor *weight;
        assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
        double sum = 0, sum_sq = 0, max_abs = 0, n = (double)(num * dim);
        for (int64_t i = 0; i < num * dim; i++) {
            double w = gan_tensor_data(weight)[i];
            sum += w;
            sum_sq += w * w;
            max_abs = fmax(max_abs, fabs(w));
        }
        double mean = sum / n, std = sqrt(sum_sq / n - mean * mean);
        switch (scheme) {
        case GAN_INIT_PYTORCH: /* N(0, 1) */
            assert_true(fabs(mean) < 0.02);
            assert_true(fabs(std - 1.0) < 0.02);
            assert_true(max_abs > 3.5);
            break;
        case GAN_INIT_GLOROT_UNIFORM: { /* U(-b, b), b = sqrt(6 / (fan_in + fan_out)) */
            double bound = sqrt(6.0 / (double)(num + dim));
            assert_true(max_abs <= bound);
            assert_true(max_abs > 0.99 * bound);
            assert_true(fabs(std - bound / sqrt(3.0)) < 0.01 * bound);
            break;
        }
        case GAN_INIT_DCGAN: /* N(0, 0.02) */
            assert_true(fabs(mean) < 0.001);
            assert_true(fabs(std - 0.02) < 0.001);
            break;
        }
        gan_model_free(model);
    }
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state;
    assert_status(gan_layer_embedding(&layer, 0, 3), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("num_embeddings is 0");
    layer = (gan_layer *)&layer;
    assert_status(gan_layer_embedding(&layer, 3, -1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("embedding_dim is -1");
    assert_status(gan_layer_embedding(&layer, INT64_C(1) << 30, INT64_C(1) << 30), GAN_ERR_OVERFLOW);
    assert_null(layer);
    assert_status(gan_layer_embedding(NULL, 3, 3), GAN_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(hand_checked_values_and_zero_input_gradient),
        cmocka_unit_test(bad_indices_are_rejected),
        cmocka_unit_test(shapes_and_errors),
        cmocka_unit_test(parameter_name_follows_the_layer_name),
        cmocka_unit_test(init_schemes_draw_what_they_promise),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
