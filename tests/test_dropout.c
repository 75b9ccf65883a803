/* Dropout: mask statistics and scaling, backward through the same mask, determinism from
 * the generator, the identity in evaluation mode, and argument checks. */
#include "gradcheck.h"

/* The seed run_gradcheck gives the model's generator (tests/gradcheck.h). */
enum { GRADCHECK_SEED = 20261122 };

static gan_model *dropout_model(float p)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_dropout(&layer, p), GAN_OK);
    return model_of(layer);
}

/* A [batch, n] tensor of ones. */
static gan_tensor *ones(int64_t batch, int64_t n)
{
    gan_tensor *t = NULL;
    assert_status(gan_tensor_new(&t, 2, (const int64_t[]){batch, n}), GAN_OK);
    for (int64_t i = 0; i < batch * n; i++)
        gan_tensor_data(t)[i] = 1.0f;
    return t;
}

/* PyTorch's kept value: the mask (1.0f) divided by the float (1 - p). */
static float keep_scale(float p)
{
    return 1.0f / (float)(1.0 - (double)p);
}

static void dropped_fraction_and_scale(void **state)
{
    (void)state;
    const float ps[] = {0.1f, 0.5f, 0.9f, 0.25f};
    const int64_t batch = 4, n = 10000, total = batch * n;
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        float p = ps[k];
        gan_model *model = dropout_model(p);
        gan_rng *rng = NULL;
        assert_status(gan_rng_new(&rng, 1000 + k), GAN_OK);
        assert_status(gan_model_set_rng(model, rng), GAN_OK);
        gan_tensor *x = ones(batch, n);
        const gan_tensor *y = NULL;
        assert_status(gan_model_forward(model, x, &y), GAN_OK);
        int64_t dropped = 0;
        float keep = keep_scale(p);
        for (int64_t i = 0; i < total; i++) {
            float v = gan_tensor_data_const(y)[i];
            if (v == 0.0f)
                dropped++;
            else
                assert_true(v == keep); /* kept values scaled exactly */
        }
        double mean = (double)total * p, sigma = sqrt((double)total * p * (1.0 - p));
        if (fabs((double)dropped - mean) > 5.0 * sigma) {
            print_error("p = %g: %lld of %lld dropped, expected %.0f +- %.0f\n", (double)p,
                        (long long)dropped, (long long)total, mean, 5 * sigma);
            fail();
        }
        /* The stream advanced by one block per four elements. */
        uint64_t position;
        assert_status(gan_rng_get_position(rng, GAN_RNG_DROPOUT, &position), GAN_OK);
        assert_int_equal(position, (uint64_t)(total + 3) / 4);
        gan_tensor_free(x);
        gan_model_free(model);
        gan_rng_free(rng);
    }
}

/* Backward multiplies by exactly the forward mask: with x = 1, y is the per-element scale. */
static void backward_uses_the_forward_mask(void **state)
{
    (void)state;
    const int64_t batch = 3, n = 257;
    gan_model *model = dropout_model(0.4f);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 5), GAN_OK);
    assert_status(gan_model_set_rng(model, rng), GAN_OK);
    gan_tensor *x = ones(batch, n), *dy = NULL;
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    float *scale = malloc((size_t)(batch * n) * sizeof(float));
    memcpy(scale, gan_tensor_data_const(y), (size_t)(batch * n) * sizeof(float));
    assert_status(gan_tensor_new(&dy, 2, (const int64_t[]){batch, n}), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_NOISE, dy, -3.0f, 3.0f), GAN_OK);
    for (int pass = 0; pass < 2; pass++) { /* backward twice: the workspace is not consumed */
        assert_status(gan_model_backward(model, dy, 0, &dx), GAN_OK);
        for (int64_t i = 0; i < batch * n; i++)
            assert_true(gan_tensor_data_const(dx)[i] == gan_tensor_data_const(dy)[i] * scale[i]);
    }
    free(scale);
    gan_tensor_free(dy);
    gan_tensor_free(x);
    gan_model_free(model);
    gan_rng_free(rng);
}

/* The training-mode mask as the layer defines it: u from the generator's dropout stream at
 * position 0 (where run_gradcheck's fresh generator starts), kept where u >= p. */
typedef struct dropout_case {
    double p;
    int64_t numel; /* per sample */
    const float *u; /* NULL: evaluation mode */
} dropout_case;

static void dropout_reference(const void *context, int64_t batch, int training, const double *x,
                              const double *params, const double *buffers, double *y)
{
    (void)params;
    (void)buffers;
    const dropout_case *c = context;
    for (int64_t i = 0; i < batch * c->numel; i++) {
        double scale = 1.0;
        if (training && c->p > 0)
            scale = c->u[i] >= (float)c->p ? 1.0 / (1.0 - c->p) : 0.0;
        y[i] = x[i] * scale;
    }
}

static void gradients_match_the_reference(void **state)
{
    (void)state;
    const int64_t batch = 3, numel = 2 * 5 * 7;
    gan_tensor *u = NULL;
    assert_status(gan_tensor_new(&u, 1, (const int64_t[]){batch * numel}), GAN_OK);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, GRADCHECK_SEED), GAN_OK);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_DROPOUT, u, 0.0f, 1.0f), GAN_OK);
    const float ps[] = {0.0f, 0.3f, 0.5f, 1.0f};
    for (int training = 0; training <= 1; training++)
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
            dropout_case c = {ps[k], numel, gan_tensor_data(u)};
            gradcheck_spec spec = {
                .model = dropout_model(ps[k]), .rank = 4, .shape = {batch, 2, 5, 7},
                .training = training, .reference = dropout_reference, .context = &c,
            };
            run_gradcheck(&spec);
            gan_model_free(spec.model);
        }
    gan_rng_free(rng);
    gan_tensor_free(u);
}

/* Evaluation mode (and p = 0) copies bit for bit, draws nothing, needs no generator. */
static void identity_without_dropping(void **state)
{
    (void)state;
    const float ps[] = {0.5f, 0.0f};
    for (int k = 0; k < 2; k++) {
        gan_model *model = dropout_model(ps[k]);
        assert_status(gan_model_set_training(model, k == 1), GAN_OK); /* eval, or p = 0 */
        gan_tensor *x = NULL;
        assert_status(gan_tensor_new(&x, 2, (const int64_t[]){2, 9}), GAN_OK);
        for (int i = 0; i < 18; i++)
            gan_tensor_data(x)[i] = (float)(i - 9) * 0.37f;
        gan_tensor_data(x)[3] = NAN;
        gan_tensor_data(x)[4] = INFINITY;
        const gan_tensor *y = NULL, *dx = NULL;
        assert_status(gan_model_forward(model, x, &y), GAN_OK); /* no generator set */
        assert_memory_equal(gan_tensor_data_const(y), gan_tensor_data(x), 18 * sizeof(float));
        assert_status(gan_model_backward(model, x, 0, &dx), GAN_OK);
        assert_memory_equal(gan_tensor_data_const(dx), gan_tensor_data(x), 18 * sizeof(float));
        gan_tensor_free(x);
        gan_model_free(model);
    }
}

/* p = 1 zeroes everything (and the gradient) without drawing numbers. */
static void p_one_drops_everything(void **state)
{
    (void)state;
    gan_model *model = dropout_model(1.0f);
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, 3), GAN_OK);
    assert_status(gan_model_set_rng(model, rng), GAN_OK);
    gan_tensor *x = ones(2, 11);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, x, 0, &dx), GAN_OK);
    for (int i = 0; i < 22; i++) {
        assert_true(gan_tensor_data_const(y)[i] == 0.0f);
        assert_true(gan_tensor_data_const(dx)[i] == 0.0f);
    }
    uint64_t position;
    assert_status(gan_rng_get_position(rng, GAN_RNG_DROPOUT, &position), GAN_OK);
    assert_int_equal(position, 0);
    gan_tensor_free(x);
    gan_model_free(model);
    gan_rng_free(rng);
}

/* The mask of one forward pass over ones [4, 50] from `rng` (copied into `mask`). */
static void mask_of(gan_model *model, gan_rng *rng, float *mask)
{
    assert_status(gan_model_set_rng(model, rng), GAN_OK);
    gan_tensor *x = ones(4, 50);
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    memcpy(mask, gan_tensor_data_const(y), 200 * sizeof(float));
    gan_tensor_free(x);
}

static void masks_depend_on_seed_and_position(void **state)
{
    (void)state;
    float first[200], second[200], again[200], other[200];
    gan_model *model = dropout_model(0.5f);
    gan_rng *a = NULL, *b = NULL, *c = NULL;
    assert_status(gan_rng_new(&a, 42), GAN_OK);
    assert_status(gan_rng_new(&b, 42), GAN_OK);
    assert_status(gan_rng_new(&c, 43), GAN_OK);
    mask_of(model, a, first);
    mask_of(model, a, second); /* the stream moved on: a new mask */
    assert_true(memcmp(first, second, sizeof first) != 0);
    mask_of(model, b, again); /* same seed, same position: the same mask */
    assert_memory_equal(first, again, sizeof first);
    mask_of(model, c, other); /* another seed */
    assert_true(memcmp(first, other, sizeof first) != 0);
    /* Rewinding the stream replays the second mask. */
    uint64_t position;
    assert_status(gan_rng_get_position(b, GAN_RNG_DROPOUT, &position), GAN_OK);
    assert_int_equal(position, 50);
    mask_of(model, b, again);
    assert_memory_equal(second, again, sizeof second);
    assert_status(gan_rng_set_position(b, GAN_RNG_DROPOUT, 50), GAN_OK);
    mask_of(model, b, again);
    assert_memory_equal(second, again, sizeof second);
    gan_rng_free(a);
    gan_rng_free(b);
    gan_rng_free(c);
    gan_model_free(model);
}

static void missing_generator_is_an_error(void **state)
{
    (void)state;
    gan_model *model = dropout_model(0.2f);
    gan_tensor *x = ones(2, 3);
    const gan_tensor *y = (const gan_tensor *)x;
    assert_status(gan_model_forward(model, x, &y), GAN_ERR_STATE);
    assert_null(y);
    assert_error_mentions("model layer 0 (Dropout): Dropout needs a random generator: call "
                          "gan_model_set_rng");
    /* No forward pass to backpropagate through. */
    assert_status(gan_model_backward(model, x, 0, NULL), GAN_ERR_STATE);
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    gan_tensor_free(x);
    gan_model_free(model);
}

static void shapes_and_kind(void **state)
{
    (void)state;
    gan_model *model = dropout_model(0.5f);
    assert_string_equal(gan_layer_kind(gan_model_layer(model, 0)), "Dropout");
    assert_int_equal(gan_model_parameter_count(model), 0);
    assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){3, 4, 5}), GAN_OK);
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_int_equal(rank, 3);
    assert_memory_equal(shape, ((const int64_t[]){3, 4, 5}), 3 * sizeof(int64_t));
    gan_model_free(model);
}

static void bad_arguments_are_rejected(void **state)
{
    gan_layer *layer = (gan_layer *)state;
    const float bad[] = {-0.1f, 1.0001f, NAN, INFINITY, -INFINITY, -1e-30f};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        layer = (gan_layer *)&layer;
        assert_status(gan_layer_dropout(&layer, bad[i]), GAN_ERR_INVALID_ARGUMENT);
        assert_null(layer);
        assert_error_mentions("it must be in [0, 1]");
    }
    assert_status(gan_layer_dropout(&layer, -0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("gan_layer_dropout: p is -0.5");
    assert_status(gan_layer_dropout(NULL, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_layer_dropout(&layer, 0.0f), GAN_OK);
    gan_layer_free(layer);
    assert_status(gan_layer_dropout(&layer, 1.0f), GAN_OK);
    gan_layer_free(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dropped_fraction_and_scale),
        cmocka_unit_test(backward_uses_the_forward_mask),
        cmocka_unit_test(gradients_match_the_reference),
        cmocka_unit_test(identity_without_dropping),
        cmocka_unit_test(p_one_drops_everything),
        cmocka_unit_test(masks_depend_on_seed_and_position),
        cmocka_unit_test(missing_generator_is_an_error),
        cmocka_unit_test(shapes_and_kind),
        cmocka_unit_test(bad_arguments_are_rejected),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
