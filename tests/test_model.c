/* The Sequential model: ownership, shapes, passes, named parameters, summary, misuse. */
#include "gradcheck.h"

static gan_layer *leaky(void)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_leaky_relu(&layer, 0.2f), GAN_OK);
    return layer;
}

/* D of the seeds' small MLP: 784 -> 128 -> LeakyReLU -> 1. */
static gan_model *small_discriminator(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, new_dense(784, 128, "d.fc1")), GAN_OK);
    assert_status(gan_model_add(model, leaky()), GAN_OK);
    assert_status(gan_model_add(model, new_dense(128, 1, "d.fc2")), GAN_OK);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 1), GAN_OK);
    assert_status(gan_model_init_parameters(model, rng), GAN_OK);
    gan_rng_free(rng);
    return model;
}

static gan_tensor *batch_of(int64_t batch, int64_t features, float scale)
{
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, 2, (const int64_t[]){batch, features}), GAN_OK);
    for (int64_t i = 0; i < batch * features; i++)
        gan_tensor_data(tensor)[i] = scale * (float)((i * 7919) % 2001 - 1000) / 1000.0f;
    return tensor;
}

static void ownership_passes_on_success_only(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    gan_layer *owned = gan_model_layer(model, 0);
    assert_non_null(owned);
    /* Its tensors are named after it: renaming is refused, the names stay. */
    assert_status(gan_layer_set_name(owned, "other"), GAN_ERR_STATE);
    assert_string_equal(gan_layer_name(owned), "d.fc1");
    gan_layer_free(owned); /* owned by the model: a no-op */
    assert_status(gan_model_add(model, owned), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("already belongs to a model");

    gan_layer *twin = new_dense(1, 1, "d.fc1");
    assert_status(gan_model_add(model, twin), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("already has a layer named 'd.fc1'");
    gan_layer_free(twin); /* the caller still owns a rejected layer */

    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){784}), GAN_OK);
    gan_layer *misfit = new_dense(64, 1, "d.fc3");
    assert_status(gan_model_add(model, misfit), GAN_ERR_SHAPE);
    assert_int_equal(gan_model_layer_count(model), 3);
    gan_layer_free(misfit);
    gan_model_free(model);
}

static void the_first_misfit_is_named_with_its_shapes(void **state)
{
    (void)state;
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, new_dense(784, 128, NULL)), GAN_OK);
    assert_status(gan_model_add(model, leaky()), GAN_OK);
    assert_status(gan_model_add(model, new_dense(64, 1, "d.out")), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){784}), GAN_ERR_SHAPE);
    assert_error_mentions("model layer 2 d.out (Linear): input [128] has 128 features in its "
                          "last dimension; the layer expects 64");
    /* Nothing was stored: the shape is still unknown. */
    int rank;
    int64_t shape[8];
    assert_status(gan_model_output_shape(model, &rank, shape, 8), GAN_ERR_STATE);
    gan_tensor *x = batch_of(2, 784, 1.0f);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_ERR_SHAPE);
    assert_null(y);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){783}), GAN_ERR_SHAPE);
    assert_error_mentions("model layer 0 (Linear): input [783]");
    gan_tensor_free(x);
    gan_model_free(model);
}

static void input_shapes_are_checked(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    gan_tensor *x = batch_of(3, 784, 1.0f), *wrong = batch_of(3, 785, 1.0f), *flat = NULL;
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, wrong, &y), GAN_ERR_SHAPE);
    assert_error_mentions("input [785]");
    assert_status(gan_model_forward(model, x, &y), GAN_OK); /* fixes the input shape */
    assert_status(gan_model_forward(model, wrong, &y), GAN_ERR_SHAPE);
    assert_error_mentions("samples of shape [784] expected, the input is [3, 785]");
    assert_null(y);
    assert_status(gan_tensor_new(&flat, 1, (const int64_t[]){784}), GAN_OK);
    assert_status(gan_model_forward(model, flat, &y), GAN_ERR_SHAPE);
    assert_error_mentions("batch dimension");
    gan_tensor *empty = NULL;
    assert_status(gan_tensor_new(&empty, 2, (const int64_t[]){0, 784}), GAN_OK);
    assert_status(gan_model_forward(model, empty, &y), GAN_ERR_SHAPE);
    assert_error_mentions("the batch is empty");
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){784}), GAN_OK);
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){28, 28}), GAN_ERR_STATE);
    gan_tensor_free(empty);
    gan_tensor_free(flat);
    gan_tensor_free(x);
    gan_tensor_free(wrong);
    gan_model_free(model);
}

static void backward_needs_a_matching_forward(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    gan_tensor *x = batch_of(4, 784, 1.0f), *grad = batch_of(4, 1, 1.0f), *wrong = batch_of(3, 1, 1.0f);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_backward(model, grad, 0, &dx), GAN_ERR_STATE);
    assert_error_mentions("no forward pass");
    assert_null(dx);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, wrong, 0, &dx), GAN_ERR_SHAPE);
    assert_error_mentions("the output gradient is [3, 1]; the output was [4, 1]");
    assert_status(gan_model_backward(model, grad, 4, &dx), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_backward(model, NULL, 0, &dx), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK);
    assert_int_equal(gan_tensor_dim(dx, 0), 4);
    assert_int_equal(gan_tensor_dim(dx, 1), 784);
    /* A failed forward invalidates the pass. */
    assert_status(gan_model_forward(model, wrong, &y), GAN_ERR_SHAPE);
    assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK); /* the last good pass stays */
    gan_tensor_free(x);
    gan_tensor_free(grad);
    gan_tensor_free(wrong);
    gan_model_free(model);
}

static void samples_are_independent_of_the_batch(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    gan_tensor *three = batch_of(3, 784, 1.0f), *one = NULL;
    assert_status(gan_tensor_new(&one, 2, (const int64_t[]){1, 784}), GAN_OK);
    assert_status(gan_tensor_copy_from(one, gan_tensor_data(three) + 2 * 784, 784), GAN_OK);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, three, &y), GAN_OK);
    float third = gan_tensor_data_const(y)[2];
    assert_status(gan_model_forward(model, one, &y), GAN_OK);
    assert_int_equal(gan_tensor_dim(y, 0), 1);
    assert_float_equal(gan_tensor_data_const(y)[0], third, 1e-5f);
    gan_tensor_free(three);
    gan_tensor_free(one);
    gan_model_free(model);
}

/* After the first pass at a batch size, passes at that size or smaller allocate nothing. */
static void steady_state_passes_allocate_nothing(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    gan_tensor *x = batch_of(8, 784, 1.0f), *small = batch_of(2, 784, 1.0f);
    gan_tensor *grad = batch_of(8, 1, 1.0f), *small_grad = batch_of(2, 1, 1.0f);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK);
    long calls = group_allocator.calls;
    for (int step = 0; step < 3; step++) {
        assert_status(gan_model_zero_grad(model), GAN_OK);
        assert_status(gan_model_forward(model, x, &y), GAN_OK);
        assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK);
        assert_status(gan_model_forward(model, small, &y), GAN_OK);
        assert_status(gan_model_backward(model, small_grad, GAN_BACKWARD_SKIP_PARAMETERS, &dx), GAN_OK);
    }
    assert_int_equal(group_allocator.calls, calls);
    gan_tensor_free(x);
    gan_tensor_free(small);
    gan_tensor_free(grad);
    gan_tensor_free(small_grad);
    gan_model_free(model);
}

static void parameters_are_named_views_of_one_array(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    assert_int_equal(gan_model_named_parameter_count(model), 4);
    assert_int_equal(gan_model_named_buffer_count(model), 0);
    assert_int_equal(gan_model_parameter_count(model), 784 * 128 + 128 + 128 + 1);
    static const char *names[4] = {"d.fc1.weight", "d.fc1.bias", "d.fc2.weight", "d.fc2.bias"};
    float *params, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &count), GAN_OK);
    assert_int_equal(count, (size_t)gan_model_parameter_count(model));
    size_t offset = 0;
    for (int i = 0; i < 4; i++) {
        const char *name;
        gan_tensor *value, *gradient;
        assert_status(gan_model_named_parameter(model, i, &name, &value, &gradient), GAN_OK);
        assert_string_equal(name, names[i]);
        assert_ptr_equal(gan_tensor_data(value), params + offset);
        assert_ptr_equal(gan_tensor_data(gradient), grads + offset);
        offset += (size_t)gan_tensor_numel(value);
        /* Views belong to the model: freeing is a no-op, reshaping is refused. */
        gan_tensor_free(value);
        assert_status(gan_tensor_reshape(value, 1, (const int64_t[]){-1}), GAN_ERR_STATE);
    }
    assert_int_equal(offset, count);
    assert_status(gan_model_named_parameter(model, 4, NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_named_parameter(model, -1, NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_named_buffer(model, 0, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);

    /* Unnamed layers are named by position, as in torch.nn.Sequential. */
    gan_model *plain = NULL;
    assert_status(gan_model_new(&plain), GAN_OK);
    assert_status(gan_model_add(plain, leaky()), GAN_OK);
    assert_status(gan_model_add(plain, new_dense(3, 2, NULL)), GAN_OK);
    const char *name;
    assert_status(gan_model_named_parameter(plain, 1, &name, NULL, NULL), GAN_OK);
    assert_string_equal(name, "1.bias");
    gan_model_free(plain);
    gan_model_free(model);
}

/* Adding a layer moves the arrays, but keeps every value and gradient already there. */
static void adding_a_layer_keeps_the_values(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    float *params, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &count), GAN_OK);
    float *before = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        grads[i] = (float)i;
    memcpy(before, params, count * sizeof(float));
    assert_status(gan_model_add(model, new_dense(1, 3, NULL)), GAN_OK);
    size_t grown;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &grown), GAN_OK);
    assert_int_equal(grown, count + 6);
    assert_memory_equal(params, before, count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        assert_true(grads[i] == (float)i);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    for (size_t i = 0; i < grown; i++)
        assert_true(grads[i] == 0.0f);
    free(before);
    gan_model_free(model);
}

static void the_summary_lists_every_layer(void **state)
{
    (void)state;
    gan_model *model = small_discriminator();
    char text[2048];
    size_t length = 0;
    assert_status(gan_model_summary(model, text, sizeof text, &length), GAN_OK);
    assert_int_equal(length, strlen(text));
    assert_non_null(strstr(text, "d.fc1"));
    assert_non_null(strstr(text, "Linear"));
    assert_non_null(strstr(text, "LeakyReLU"));
    assert_non_null(strstr(text, "100480")); /* 784 * 128 + 128 */
    assert_non_null(strstr(text, "?"));      /* shapes unknown until the input is */
    assert_non_null(strstr(text, "trainable parameters: 100609"));
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){784}), GAN_OK);
    assert_status(gan_model_summary(model, text, sizeof text, &length), GAN_OK);
    assert_non_null(strstr(text, "[128]"));
    assert_null(strstr(text, "?"));

    /* Asking for the length, then a buffer that is too small. */
    size_t needed = 0;
    assert_status(gan_model_summary(model, NULL, 0, &needed), GAN_OK);
    assert_int_equal(needed, length);
    char small[16];
    assert_status(gan_model_summary(model, small, sizeof small, &needed), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_status(gan_model_summary(model, NULL, 8, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(model);
}

static void modes_and_generators(void **state)
{
    (void)state;
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_int_equal(gan_model_is_training(model), 1);
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    assert_int_equal(gan_model_is_training(model), 0);
    assert_status(gan_model_set_training(model, 5), GAN_OK);
    assert_int_equal(gan_model_is_training(model), 1);
    assert_status(gan_model_set_rng(model, NULL), GAN_OK);
    assert_status(gan_model_init_parameters(model, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(model);
}

static void an_empty_model_is_the_identity(void **state)
{
    (void)state;
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    gan_tensor *x = batch_of(2, 5, 1.0f);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_memory_equal(gan_tensor_data_const(y), gan_tensor_data(x), 10 * sizeof(float));
    assert_status(gan_model_backward(model, x, 0, &dx), GAN_OK);
    assert_memory_equal(gan_tensor_data_const(dx), gan_tensor_data(x), 10 * sizeof(float));
    assert_ptr_not_equal(gan_tensor_data_const(dx), gan_tensor_data(x));
    gan_tensor_free(x);
    gan_model_free(model);
}

/* Without gan_model_init_parameters, norm layers hold PyTorch's starting values. */
static void norm_layers_start_as_in_pytorch(void **state)
{
    (void)state;
    gan_model *model = NULL;
    gan_layer *norm = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_batchnorm1d(&norm, 3), GAN_OK);
    assert_status(gan_model_add(model, norm), GAN_OK);
    static const float expected_params[2] = {1.0f, 0.0f}, expected_buffers[2] = {0.0f, 1.0f};
    for (int i = 0; i < 2; i++) {
        gan_tensor *value;
        assert_status(gan_model_named_parameter(model, i, NULL, &value, NULL), GAN_OK);
        for (int c = 0; c < 3; c++)
            assert_true(gan_tensor_data(value)[c] == expected_params[i]);
        assert_status(gan_model_named_buffer(model, i, NULL, &value), GAN_OK);
        for (int c = 0; c < 3; c++)
            assert_true(gan_tensor_data(value)[c] == expected_buffers[i]);
    }
    gan_model_free(model);
}

static void null_handles_are_errors(void **state)
{
    (void)state;
    const gan_tensor *y = NULL;
    int rank;
    int64_t shape[8];
    size_t count;
    assert_status(gan_model_new(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_add(NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_model_layer_count(NULL), -1);
    assert_null(gan_model_layer(NULL, 0));
    assert_status(gan_model_set_input_shape(NULL, 1, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_output_shape(NULL, &rank, shape, 8), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_init_parameters(NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_set_rng(NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_set_training(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_model_is_training(NULL), -1);
    assert_status(gan_model_forward(NULL, NULL, &y), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_backward(NULL, NULL, 0, &y), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_zero_grad(NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_model_parameter_count(NULL), -1);
    assert_status(gan_model_parameter_arrays(NULL, NULL, NULL, &count), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_model_named_parameter_count(NULL), -1);
    assert_int_equal(gan_model_named_buffer_count(NULL), -1);
    assert_status(gan_model_named_parameter(NULL, 0, NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_named_buffer(NULL, 0, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_summary(NULL, NULL, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(NULL);

    gan_model *model = small_discriminator();
    assert_null(gan_model_layer(model, 3));
    assert_error_mentions("index 3 is outside 0..2");
    assert_status(gan_model_forward(model, NULL, &y), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor *x = batch_of(1, 784, 1.0f);
    assert_status(gan_model_forward(model, x, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_set_input_shape(model, 0, shape), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){0}), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_set_input_shape(model, 1, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_output_shape(model, &rank, NULL, 8), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_input_shape(model, &rank, shape, 8), GAN_ERR_STATE);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){784}), GAN_OK);
    assert_status(gan_model_output_shape(model, &rank, shape, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_input_shape(model, &rank, shape, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_input_shape(model, &rank, shape, 8), GAN_OK);
    assert_int_equal(rank, 1);
    assert_int_equal(shape[0], 784);
    assert_status(gan_model_input_shape(NULL, &rank, shape, 8), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_input_shape(model, NULL, shape, 8), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void layer_names_and_options_are_checked(void **state)
{
    (void)state;
    gan_layer *layer = new_dense(2, 2, NULL);
    assert_string_equal(gan_layer_name(layer), "");
    assert_status(gan_layer_set_name(layer, ""), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_name(layer, "has space"), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("character 3");
    char long_name[80];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_status(gan_layer_set_name(layer, long_name), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_name(layer, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_name(layer, "12"), GAN_ERR_INVALID_ARGUMENT); /* an index */
    assert_error_mentions("all digits");
    assert_status(gan_layer_set_name(layer, "g.fc-1_a"), GAN_OK);
    assert_string_equal(gan_layer_name(layer), "g.fc-1_a");
    assert_status(gan_layer_set_init(layer, (gan_init)3), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_init(NULL, GAN_INIT_DCGAN), GAN_ERR_INVALID_ARGUMENT);
    float value;
    int64_t integer;
    assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("Linear layer 'g.fc-1_a' has no option 0");
    assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &value), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_get_int(layer, GAN_LAYER_AFFINE, &integer), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_get_int(layer, GAN_LAYER_AFFINE, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_set_float(NULL, GAN_LAYER_EPS, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_string_equal(gan_layer_name(NULL), "");
    assert_string_equal(gan_layer_kind(NULL), "");
    gan_layer_free(layer);
    gan_layer_free(NULL);
}

/* Fail each allocation of building, the first pass and a batch growth in turn: a clean
 * error, nothing leaked, and the model still works once memory is back. */
/* FNV-1a 64 over the floats' little-endian bytes, written here from its definition. */
static uint64_t fnv1a(uint64_t hash, const float *values, size_t count)
{
    const unsigned char *bytes = (const unsigned char *)values; /* x86-64: little-endian */
    for (size_t i = 0; i < count * sizeof(float); i++)
        hash = (hash ^ bytes[i]) * UINT64_C(0x100000001b3);
    return hash;
}

/* The checksum covers parameters and buffers bit for bit, in named order. */
static void the_checksum_sees_every_bit(void **state)
{
    (void)state;
    gan_model *a = small_discriminator(), *b = small_discriminator();
    gan_layer *norm = NULL;
    assert_status(gan_layer_batchnorm1d(&norm, 1), GAN_OK);
    assert_status(gan_model_add(a, norm), GAN_OK);
    assert_status(gan_layer_batchnorm1d(&norm, 1), GAN_OK);
    assert_status(gan_model_add(b, norm), GAN_OK);
    uint64_t sum_a = 0, sum_b = 1;
    assert_status(gan_model_checksum(a, &sum_a), GAN_OK);
    assert_status(gan_model_checksum(b, &sum_b), GAN_OK);
    assert_true(sum_a == sum_b);

    /* The definition: parameters, then buffers, from the offset basis. */
    float *params;
    size_t count;
    assert_status(gan_model_parameter_arrays(a, &params, NULL, &count), GAN_OK);
    uint64_t want = fnv1a(UINT64_C(0xcbf29ce484222325), params, count);
    for (int i = 0; i < gan_model_named_buffer_count(a); i++) {
        gan_tensor *buffer;
        assert_status(gan_model_named_buffer(a, i, NULL, &buffer), GAN_OK);
        want = fnv1a(want, gan_tensor_data(buffer), (size_t)gan_tensor_numel(buffer));
    }
    assert_true(sum_a == want);

    /* One ulp in one parameter, or a buffer, changes it; putting it back restores it. */
    float saved = params[count / 2];
    params[count / 2] = nextafterf(saved, INFINITY);
    assert_status(gan_model_checksum(a, &sum_a), GAN_OK);
    assert_true(sum_a != sum_b);
    params[count / 2] = saved;
    gan_tensor *running_var;
    assert_status(gan_model_named_buffer(b, 1, NULL, &running_var), GAN_OK);
    gan_tensor_data(running_var)[0] = 2.0f;
    assert_status(gan_model_checksum(b, &sum_b), GAN_OK);
    assert_status(gan_model_checksum(a, &sum_a), GAN_OK);
    assert_true(sum_a != sum_b);

    assert_status(gan_model_checksum(NULL, &sum_a), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_checksum(a, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(a);
    gan_model_free(b);
}

static void every_failed_allocation_is_survived(void **state)
{
    (void)state;
    gan_tensor *x = batch_of(4, 784, 1.0f), *grad = batch_of(4, 1, 1.0f);
    long baseline = group_allocator.live; /* the two tensors above */
    for (long k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_model *model = NULL;
        gan_status status = gan_model_new(&model);
        gan_layer *layers[3] = {NULL, NULL, NULL};
        if (status == GAN_OK)
            status = gan_layer_dense(&layers[0], 784, 16, 1);
        if (status == GAN_OK)
            status = gan_layer_leaky_relu(&layers[1], 0.2f);
        if (status == GAN_OK)
            status = gan_layer_dense(&layers[2], 16, 1, 1);
        for (int i = 0; i < 3 && status == GAN_OK; i++) {
            status = gan_model_add(model, layers[i]);
            if (status == GAN_OK)
                layers[i] = NULL; /* now the model's */
        }
        const gan_tensor *y = NULL, *dx = NULL;
        if (status == GAN_OK)
            status = gan_model_forward(model, x, &y);
        if (status == GAN_OK)
            status = gan_model_backward(model, grad, 0, &dx);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            gan_model_free(model);
            assert_true(k > 10);
            break;
        }
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        if (model) {
            /* Usable again: the same pass now succeeds. */
            for (int i = 0; i < 3; i++)
                if (layers[i] && gan_model_add(model, layers[i]) == GAN_OK)
                    layers[i] = NULL;
            if (gan_model_layer_count(model) == 3) {
                assert_status(gan_model_forward(model, x, &y), GAN_OK);
                assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK);
            }
        }
        for (int i = 0; i < 3; i++)
            gan_layer_free(layers[i]);
        gan_model_free(model);
        if (group_allocator.live != baseline)
            print_error("failing allocation %ld leaked %ld blocks\n", k, group_allocator.live - baseline);
        assert_int_equal(group_allocator.live, baseline);
    }
    gan_tensor_free(x);
    gan_tensor_free(grad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ownership_passes_on_success_only),
        cmocka_unit_test(the_first_misfit_is_named_with_its_shapes),
        cmocka_unit_test(input_shapes_are_checked),
        cmocka_unit_test(backward_needs_a_matching_forward),
        cmocka_unit_test(samples_are_independent_of_the_batch),
        cmocka_unit_test(steady_state_passes_allocate_nothing),
        cmocka_unit_test(parameters_are_named_views_of_one_array),
        cmocka_unit_test(adding_a_layer_keeps_the_values),
        cmocka_unit_test(the_summary_lists_every_layer),
        cmocka_unit_test(modes_and_generators),
        cmocka_unit_test(an_empty_model_is_the_identity),
        cmocka_unit_test(norm_layers_start_as_in_pytorch),
        cmocka_unit_test(null_handles_are_errors),
        cmocka_unit_test(layer_names_and_options_are_checked),
        cmocka_unit_test(the_checksum_sees_every_bit),
        cmocka_unit_test(every_failed_allocation_is_survived),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
