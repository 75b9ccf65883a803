/*
 * BatchNorm1d and BatchNorm2d: gradients against a double reference in training and
 * evaluation mode, the running statistics, the one-value-per-channel error, options,
 * parameter names, initialisation and argument checks.
 */
#include "norm_test_support.h"

typedef struct bn_case {
    int64_t channels, inner; /* inner: values per channel and sample (1, L or H W) */
    int affine;
    double eps;
    int frozen; /* GAN_LAYER_FROZEN_STATISTICS: running statistics in training mode too */
} bn_case;

/* params = weight [C], bias [C] (if affine); buffers = running_mean [C], running_var [C]. */
static void bn_reference(const void *context, int64_t batch, int training, const double *x,
                         const double *params, const double *buffers, double *y)
{
    const bn_case *c = context;
    int64_t C = c->channels, inner = c->inner, n = batch * inner;
    for (int64_t ch = 0; ch < C; ch++) {
        double mean, var;
        if (training && !c->frozen) {
            double sum = 0.0, squares = 0.0;
            for (int64_t b = 0; b < batch; b++)
                for (int64_t i = 0; i < inner; i++)
                    sum += x[(b * C + ch) * inner + i];
            mean = sum / (double)n;
            for (int64_t b = 0; b < batch; b++)
                for (int64_t i = 0; i < inner; i++) {
                    double d = x[(b * C + ch) * inner + i] - mean;
                    squares += d * d;
                }
            var = squares / (double)n; /* biased */
        } else {
            mean = buffers[ch];
            var = buffers[C + ch];
        }
        double gamma = c->affine ? params[ch] : 1.0, beta = c->affine ? params[C + ch] : 0.0;
        double invstd = 1.0 / sqrt(var + c->eps);
        for (int64_t b = 0; b < batch; b++)
            for (int64_t i = 0; i < inner; i++) {
                int64_t at = (b * C + ch) * inner + i;
                y[at] = (x[at] - mean) * invstd * gamma + beta;
            }
    }
}

static gan_layer *new_bn(int kind, int64_t channels)
{
    gan_layer *layer = NULL;
    if (kind == 1)
        assert_status(gan_layer_batchnorm1d(&layer, channels), GAN_OK);
    else
        assert_status(gan_layer_batchnorm2d(&layer, channels), GAN_OK);
    return layer;
}

static void fill_named(gan_model *model, int buffer, int index, gan_rng *rng, float low, float high)
{
    gan_tensor *value;
    if (buffer)
        assert_status(gan_model_named_buffer(model, index, NULL, &value), GAN_OK);
    else
        assert_status(gan_model_named_parameter(model, index, NULL, &value, NULL), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, value, low, high), GAN_OK);
}

/* Non-trivial weight, bias and running statistics, so evaluation mode is really tested. */
static void randomize_state(gan_model *model, uint64_t seed)
{
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    if (gan_model_named_parameter_count(model) == 2) {
        fill_named(model, 0, 0, rng, 0.5f, 2.0f);   /* weight */
        fill_named(model, 0, 1, rng, -1.0f, 1.0f);  /* bias */
    }
    fill_named(model, 1, 0, rng, -0.5f, 0.5f);      /* running_mean */
    fill_named(model, 1, 1, rng, 0.25f, 2.0f);      /* running_var */
    gan_rng_free(rng);
}

/* A gradient check of a BatchNorm of `kind` on samples `sample` (rank sample_rank);
 * `training` 0 is evaluation mode, 1 training mode, 2 training with frozen statistics. */
static void check_bn(int kind, int64_t batch, int sample_rank, const int64_t *sample, int affine,
                     float eps, int training, const float *input, double tolerance)
{
    int64_t inner = 1;
    for (int i = 1; i < sample_rank; i++)
        inner *= sample[i];
    bn_case c = {sample[0], inner, affine, eps, training == 2};
    gan_layer *layer = new_bn(kind, sample[0]);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_FROZEN_STATISTICS, c.frozen), GAN_OK);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, affine), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, eps), GAN_OK);
    gradcheck_spec spec = {
        .model = model_of(layer), .rank = sample_rank + 1, .training = training != 0,
        .reference = bn_reference, .context = &c, .input = input, .tolerance = tolerance,
    };
    spec.shape[0] = batch;
    memcpy(spec.shape + 1, sample, (size_t)sample_rank * sizeof(int64_t));
    randomize_state(spec.model, 99);
    run_gradcheck(&spec);
    gan_model_free(spec.model);
}

static void batchnorm1d_on_vectors(void **state)
{
    (void)state;
    for (int training = 0; training <= 1; training++) {
        check_bn(1, 5, 1, (const int64_t[]){3}, 1, 1e-5f, training, NULL, 0.0);
        check_bn(1, 2, 1, (const int64_t[]){7}, 1, 1e-5f, training, NULL, 0.0); /* two values */
        check_bn(1, 6, 1, (const int64_t[]){1}, 0, 1e-3f, training, NULL, 0.0); /* one channel */
        check_bn(1, 3, 1, (const int64_t[]){70}, 1, 1e-5f, training, NULL, 0.0); /* > 64 channels */
    }
}

static void batchnorm1d_on_sequences(void **state)
{
    (void)state;
    for (int training = 0; training <= 1; training++) {
        check_bn(1, 3, 2, (const int64_t[]){4, 5}, 1, 1e-5f, training, NULL, 0.0);
        check_bn(1, 1, 2, (const int64_t[]){2, 6}, 1, 1e-5f, training, NULL, 0.0); /* batch 1 */
        check_bn(1, 2, 2, (const int64_t[]){3, 1}, 0, 1e-5f, training, NULL, 0.0); /* L = 1 */
    }
}

static void batchnorm2d_on_images(void **state)
{
    (void)state;
    for (int training = 0; training <= 1; training++) {
        check_bn(2, 2, 3, (const int64_t[]){3, 4, 5}, 1, 1e-5f, training, NULL, 0.0); /* H != W */
        check_bn(2, 1, 3, (const int64_t[]){2, 3, 2}, 1, 1e-5f, training, NULL, 0.0); /* batch 1 */
        check_bn(2, 4, 3, (const int64_t[]){2, 1, 1}, 1, 1e-5f, training, NULL, 0.0); /* 1 x 1 */
        check_bn(2, 3, 3, (const int64_t[]){2, 2, 3}, 0, 0.5f, training, NULL, 0.0);  /* no affine */
        check_bn(2, 2, 3, (const int64_t[]){131, 1, 2}, 1, 1e-5f, training, NULL, 0.0); /* 3 blocks */
    }
}

/* Frozen statistics: a training pass normalises with the running statistics, leaves them
 * unchanged, and backpropagates through that (fine-tuning with BatchNorm in eval()). */
static void frozen_statistics_train_with_the_running_ones(void **state)
{
    (void)state;
    check_bn(1, 5, 1, (const int64_t[]){3}, 1, 1e-5f, 2, NULL, 0.0);
    check_bn(1, 1, 1, (const int64_t[]){4}, 1, 1e-5f, 2, NULL, 0.0); /* batch 1 is fine now */
    check_bn(2, 2, 3, (const int64_t[]){3, 4, 5}, 1, 1e-5f, 2, NULL, 0.0);
    check_bn(2, 3, 3, (const int64_t[]){2, 2, 3}, 0, 0.5f, 2, NULL, 0.0);

    gan_layer *layer = new_bn(2, 3);
    int64_t frozen = -1;
    assert_status(gan_layer_get_int(layer, GAN_LAYER_FROZEN_STATISTICS, &frozen), GAN_OK);
    assert_int_equal(frozen, 0);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_FROZEN_STATISTICS, 1), GAN_OK);
    gan_model *model = model_of(layer);
    randomize_state(model, 5);
    gan_tensor *mean, *var;
    assert_status(gan_model_named_buffer(model, 0, NULL, &mean), GAN_OK);
    assert_status(gan_model_named_buffer(model, 1, NULL, &var), GAN_OK);
    float mean_before[3], var_before[3], first[48];
    assert_status(gan_tensor_copy_to(mean, mean_before, 3), GAN_OK);
    assert_status(gan_tensor_copy_to(var, var_before, 3), GAN_OK);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 4, (const int64_t[]){4, 3, 2, 2}), GAN_OK);
    for (int64_t i = 0; i < 48; i++)
        gan_tensor_data(x)[i] = (float)sin(0.7 * (double)i) * 3.0f + 1.0f;
    const gan_tensor *trained = NULL, *evaluated = NULL;
    assert_status(gan_model_forward(model, x, &trained), GAN_OK);
    assert_status(gan_tensor_copy_to(trained, first, 48), GAN_OK);
    assert_memory_equal(gan_tensor_data(mean), mean_before, sizeof mean_before);
    assert_memory_equal(gan_tensor_data(var), var_before, sizeof var_before);
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    assert_status(gan_model_forward(model, x, &evaluated), GAN_OK);
    assert_memory_equal(first, gan_tensor_data_const(evaluated), sizeof first);
    gan_tensor_free(x);
    gan_model_free(model);
}

/* A mean 1000 times the spread: a one-pass float variance (E[x^2] - E[x]^2) would be off by
 * tens of percent; the two-pass statistics stay within the rounding of the float mean. */
static void large_means_keep_their_accuracy(void **state)
{
    (void)state;
    float input[4 * 2 * 3];
    for (int i = 0; i < 24; i++)
        input[i] = 1000.0f + 0.2f * (float)((i * 7) % 11) - 1.0f;
    check_bn(1, 4, 2, (const int64_t[]){2, 3}, 1, 1e-5f, 1, input, 1e-2);
    check_bn(2, 2, 3, (const int64_t[]){2, 3, 2}, 1, 1e-5f, 1, input, 1e-2);
}

/* After one training forward the running statistics are (1 - m) old + m batch, with the
 * unbiased variance; evaluation mode then normalises with them. */
static void running_statistics_follow_pytorch(void **state)
{
    (void)state;
    /* kind, batch, C, H, W (H = W = 1 and kind 1: [C] samples), momentum */
    static const struct {
        int kind;
        int64_t batch, C, H, W;
        float momentum;
    } trials[] = {
        {2, 4, 3, 2, 5, 0.1f}, {2, 4, 3, 2, 5, 0.3f}, {2, 4, 3, 2, 5, 1.0f},
        {2, 4, 3, 2, 5, 0.0f}, {1, 5, 70, 1, 1, 0.2f}, {2, 3, 130, 1, 2, 0.6f},
    };
    for (int trial = 0; trial < (int)(sizeof trials / sizeof trials[0]); trial++) {
        const int64_t batch = trials[trial].batch, C = trials[trial].C, H = trials[trial].H,
                      W = trials[trial].W, inner = H * W, n = batch * inner;
        gan_layer *layer = new_bn(trials[trial].kind, C);
        gan_model *model = model_of(layer);
        if (trial != 0) { /* the default momentum (0.1) in the first trial */
            assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, trials[trial].momentum),
                          GAN_OK);
            randomize_state(model, 5 + (uint64_t)trial);
        }
        double *before = model_buffers_double(model);
        gan_rng *rng = NULL;
        assert_status(gan_rng_new(&rng, 31), GAN_OK);
        gan_tensor *x = NULL;
        if (trials[trial].kind == 1)
            assert_status(gan_tensor_new(&x, 2, (const int64_t[]){batch, C}), GAN_OK);
        else
            assert_status(gan_tensor_new(&x, 4, (const int64_t[]){batch, C, H, W}), GAN_OK);
        assert_status(gan_rng_fill_normal(rng, GAN_RNG_NOISE, x, 0.7f, 2.0f), GAN_OK);
        const gan_tensor *y = NULL;
        assert_status(gan_model_forward(model, x, &y), GAN_OK);

        double *after = model_buffers_double(model);
        const float *xd = gan_tensor_data(x);
        double m = trials[trial].momentum;
        for (int64_t c = 0; c < C; c++) {
            double sum = 0.0, squares = 0.0;
            for (int64_t b = 0; b < batch; b++)
                for (int64_t i = 0; i < inner; i++)
                    sum += xd[(b * C + c) * inner + i];
            double mean = sum / (double)n;
            for (int64_t b = 0; b < batch; b++)
                for (int64_t i = 0; i < inner; i++) {
                    double d = xd[(b * C + c) * inner + i] - mean;
                    squares += d * d;
                }
            double unbiased = squares / (double)(n - 1), biased = squares / (double)n;
            double want_mean = (1 - m) * before[c] + m * mean;
            double want_var = (1 - m) * before[C + c] + m * unbiased;
            expect_close("running_mean", c, after[c], want_mean, 1e-6);
            expect_close("running_var", c, after[C + c], want_var, 1e-6);
            if (m == 1.0) /* the biased variance would be visibly different */
                assert_true(fabs(after[C + c] - biased) > 1e-3 * biased);
        }

        /* Evaluation mode uses exactly these statistics. */
        assert_status(gan_model_set_training(model, 0), GAN_OK);
        assert_status(gan_model_forward(model, x, &y), GAN_OK);
        float *params_f;
        size_t count;
        assert_status(gan_model_parameter_arrays(model, &params_f, NULL, &count), GAN_OK);
        double *params = to_double(params_f, (int64_t)count);
        double *xs = to_double(xd, batch * C * inner), *want = calloc((size_t)(batch * C * inner), sizeof(double));
        bn_case bc = {C, inner, 1, 1e-5, 0};
        bn_reference(&bc, batch, 0, xs, params, after, want);
        for (int64_t i = 0; i < batch * C * inner; i++)
            expect_close("eval output", i, gan_tensor_data_const(y)[i], want[i], 1e-4);
        double *unchanged = model_buffers_double(model);
        assert_memory_equal(unchanged, after, 2 * (size_t)C * sizeof(double));

        free(unchanged);
        free(want);
        free(xs);
        free(params);
        free(after);
        free(before);
        gan_tensor_free(x);
        gan_rng_free(rng);
        gan_model_free(model);
    }
}

/* PyTorch: "Expected more than 1 value per channel when training". */
static void one_value_per_channel_is_refused_in_training(void **state)
{
    (void)state;
    gan_layer *layer = new_bn(1, 4);
    gan_model *model = model_of(layer);
    double *before = model_buffers_double(model);
    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){1, 4}), GAN_OK);
    assert_status(gan_tensor_fill(x, 0.5f), GAN_OK);
    const gan_tensor *y = (const gan_tensor *)x;
    assert_status(gan_model_forward(model, x, &y), GAN_ERR_SHAPE);
    assert_null(y);
    assert_error_mentions("more than 1 value per channel when training");
    assert_error_mentions("[1, 4]");
    assert_error_mentions("BatchNorm1d");
    double *after = model_buffers_double(model);
    assert_memory_equal(before, after, 8 * sizeof(double)); /* statistics untouched */
    /* evaluation mode is fine with a single sample */
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    gan_tensor_free(x);
    gan_model_free(model);
    free(before);
    free(after);

    layer = new_bn(2, 2);
    model = model_of(layer);
    assert_status(gan_tensor_new(&x, 4, (const int64_t[]){1, 2, 1, 1}), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_ERR_SHAPE);
    assert_error_mentions("[1, 2, 1, 1]");
    gan_tensor_free(x);
    /* a batch of 2 of the same shape is fine */
    assert_status(gan_tensor_new(&x, 4, (const int64_t[]){2, 2, 1, 1}), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void options_have_pytorch_defaults_and_ranges(void **state)
{
    (void)state;
    for (int kind = 1; kind <= 2; kind++) {
        gan_layer *layer = new_bn(kind, 8);
        float f = 0.0f;
        int64_t i = -1;
        assert_status(gan_layer_get_float(layer, GAN_LAYER_MOMENTUM, &f), GAN_OK);
        assert_true(f == 0.1f);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &f), GAN_OK);
        assert_true(f == 1e-5f);
        assert_status(gan_layer_get_int(layer, GAN_LAYER_AFFINE, &i), GAN_OK);
        assert_int_equal(i, 1);

        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.0f), GAN_OK);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 1.0f), GAN_OK);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.25f), GAN_OK);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, -0.01f), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("momentum -0.01 is outside [0, 1]");
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 1.5f), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, NAN), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_MOMENTUM, &f), GAN_OK);
        assert_true(f == 0.25f); /* failed sets change nothing */

        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-3f), GAN_OK);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 0.0f), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("eps 0 must be finite and > 0");
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, -1e-5f), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, INFINITY), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, NAN), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &f), GAN_OK);
        assert_true(f == 1e-3f);

        assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 2), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("affine is 2; it must be 0 or 1");
        assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, -1), GAN_ERR_INVALID_ARGUMENT);

        /* the wrong type, and options the layer does not have */
        assert_status(gan_layer_set_float(layer, GAN_LAYER_AFFINE, 1.0f), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("not a float option");
        assert_status(gan_layer_get_float(layer, GAN_LAYER_AFFINE, &f), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_set_int(layer, GAN_LAYER_MOMENTUM, 0), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("not an integer option");
        assert_status(gan_layer_get_int(layer, GAN_LAYER_EPS, &i), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_set_float(layer, (gan_layer_option)99, 1.0f), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("has no option 99");
        assert_status(gan_layer_get_int(layer, (gan_layer_option)99, &i), GAN_ERR_INVALID_ARGUMENT);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_MOMENTUM, NULL), GAN_ERR_INVALID_ARGUMENT);
        gan_layer_free(layer);
    }
}

static void affine_off_has_no_parameters(void **state)
{
    (void)state;
    gan_layer *layer = new_bn(2, 5);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 1), GAN_OK); /* back and forth */
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    gan_model *model = model_of(layer);
    assert_int_equal(gan_model_parameter_count(model), 0);
    assert_int_equal(gan_model_named_parameter_count(model), 0);
    assert_int_equal(gan_model_named_buffer_count(model), 2);
    const char *name;
    assert_status(gan_model_named_buffer(model, 0, &name, NULL), GAN_OK);
    assert_string_equal(name, "0.running_mean");
    assert_status(gan_model_named_buffer(model, 1, &name, NULL), GAN_OK);
    assert_string_equal(name, "0.running_var");

    /* the parameters cannot change now; setting the current value is harmless */
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 1), GAN_ERR_STATE);
    assert_error_mentions("affine cannot change once the layer is in a model");
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    int64_t affine = -1;
    assert_status(gan_layer_get_int(layer, GAN_LAYER_AFFINE, &affine), GAN_OK);
    assert_int_equal(affine, 0);
    /* momentum and eps may still change */
    assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.5f), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-3f), GAN_OK);
    gan_model_free(model);

    layer = new_bn(1, 3);
    model = model_of(layer);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_ERR_STATE);
    assert_int_equal(gan_model_parameter_count(model), 6);
    gan_model_free(model);
}

static void names_and_shapes_follow_pytorch(void **state)
{
    (void)state;
    gan_layer *first = new_bn(1, 6), *second = new_bn(2, 4);
    assert_string_equal(gan_layer_kind(first), "BatchNorm1d");
    assert_string_equal(gan_layer_kind(second), "BatchNorm2d");
    assert_status(gan_layer_set_name(second, "bn2"), GAN_OK);
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, first), GAN_OK);
    assert_status(gan_model_add(model, second), GAN_OK);
    assert_int_equal(gan_model_parameter_count(model), 2 * 6 + 2 * 4); /* buffers excluded */
    const char *want_params[] = {"0.weight", "0.bias", "bn2.weight", "bn2.bias"};
    const char *want_buffers[] = {"0.running_mean", "0.running_var", "bn2.running_mean",
                                  "bn2.running_var"};
    const int64_t sizes[] = {6, 6, 4, 4};
    assert_int_equal(gan_model_named_parameter_count(model), 4);
    assert_int_equal(gan_model_named_buffer_count(model), 4);
    for (int i = 0; i < 4; i++) {
        const char *name;
        gan_tensor *value;
        assert_status(gan_model_named_parameter(model, i, &name, &value, NULL), GAN_OK);
        assert_string_equal(name, want_params[i]);
        assert_int_equal(gan_tensor_rank(value), 1);
        assert_int_equal(gan_tensor_dim(value, 0), sizes[i]);
        assert_status(gan_model_named_buffer(model, i, &name, &value), GAN_OK);
        assert_string_equal(name, want_buffers[i]);
        assert_int_equal(gan_tensor_rank(value), 1);
        assert_int_equal(gan_tensor_dim(value, 0), sizes[i]);
    }
    gan_model_free(model);
}

static void init_sets_weights_and_resets_statistics(void **state)
{
    (void)state;
    const int64_t C = 4000;
    for (int scheme = GAN_INIT_PYTORCH; scheme <= GAN_INIT_DCGAN; scheme++) {
        gan_layer *layer = new_bn(2, C);
        assert_status(gan_layer_set_init(layer, (gan_init)scheme), GAN_OK);
        gan_model *model = model_of(layer);
        randomize_state(model, 3); /* then init again: everything is reset */
        gan_rng *rng = NULL;
        assert_status(gan_rng_new(&rng, 11), GAN_OK);
        assert_status(gan_model_init_parameters(model, rng), GAN_OK);
        gan_rng_free(rng);
        gan_tensor *weight, *bias, *running_mean, *running_var;
        assert_status(gan_model_named_parameter(model, 0, NULL, &weight, NULL), GAN_OK);
        assert_status(gan_model_named_parameter(model, 1, NULL, &bias, NULL), GAN_OK);
        assert_status(gan_model_named_buffer(model, 0, NULL, &running_mean), GAN_OK);
        assert_status(gan_model_named_buffer(model, 1, NULL, &running_var), GAN_OK);
        expect_norm_affine_init((gan_init)scheme, weight, bias, C);
        for (int64_t c = 0; c < C; c++) {
            assert_true(gan_tensor_data(running_mean)[c] == 0.0f);
            assert_true(gan_tensor_data(running_var)[c] == 1.0f);
        }
        gan_model_free(model);
    }
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state;
    assert_status(gan_layer_batchnorm1d(&layer, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("num_features is 0");
    assert_error_mentions("gan_layer_batchnorm1d");
    layer = (gan_layer *)state;
    assert_status(gan_layer_batchnorm2d(&layer, -3), GAN_ERR_INVALID_ARGUMENT);
    assert_null(layer);
    assert_error_mentions("gan_layer_batchnorm2d: num_features is -3");
    assert_status(gan_layer_batchnorm2d(&layer, INT64_C(1) << 50), GAN_ERR_OVERFLOW);
    assert_status(gan_layer_batchnorm1d(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_batchnorm2d(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
}

static void shape_mismatches_name_the_shapes(void **state)
{
    (void)state;
    gan_layer *layer = new_bn(1, 4);
    gan_model *model = model_of(layer);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){3}), GAN_ERR_SHAPE);
    assert_error_mentions("input [3] has 3 channels; the layer expects 4");
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){5, 4}), GAN_ERR_SHAPE);
    assert_error_mentions("input [5, 4] has 5 channels; the layer expects 4");
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){4, 2, 2}), GAN_ERR_SHAPE);
    assert_error_mentions("BatchNorm1d expects samples [C] or [C, L] with C = 4; the input is [4, 2, 2]");
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){4, 9}), GAN_OK);
    gan_model_free(model);

    layer = new_bn(2, 16);
    model = model_of(layer);
    assert_status(gan_model_set_input_shape(model, 2, (const int64_t[]){16, 8}), GAN_ERR_SHAPE);
    assert_error_mentions("BatchNorm2d expects samples [C, H, W] with C = 16; the input is [16, 8]");
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){8, 16, 16}), GAN_ERR_SHAPE);
    assert_error_mentions("input [8, 16, 16] has 8 channels; the layer expects 16");
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){16, 3, 7}), GAN_OK);
    expect_model_output_shape(model, 3, (const int64_t[]){16, 3, 7});
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batchnorm1d_on_vectors),
        cmocka_unit_test(batchnorm1d_on_sequences),
        cmocka_unit_test(batchnorm2d_on_images),
        cmocka_unit_test(frozen_statistics_train_with_the_running_ones),
        cmocka_unit_test(large_means_keep_their_accuracy),
        cmocka_unit_test(running_statistics_follow_pytorch),
        cmocka_unit_test(one_value_per_channel_is_refused_in_training),
        cmocka_unit_test(options_have_pytorch_defaults_and_ranges),
        cmocka_unit_test(affine_off_has_no_parameters),
        cmocka_unit_test(names_and_shapes_follow_pytorch),
        cmocka_unit_test(init_sets_weights_and_resets_statistics),
        cmocka_unit_test(bad_arguments_are_rejected),
        cmocka_unit_test(shape_mismatches_name_the_shapes),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
