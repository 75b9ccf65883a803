/*
 * Non-finite values, layer kind by layer kind: NaN, +inf and -inf planted in the real batch,
 * in a weight of the layer in G and in D, and in gradients (through the trainer, with finite
 * values whose backward overflows, and through the model-level forward, backward and
 * optimizer step). Every refused step returns GAN_ERR_NUMERIC and leaves the whole training
 * state bitwise as it was: parameters (the planted value included), BatchNorm statistics,
 * optimizer moments and counts, the EMA, the random streams, the step count and the
 * statistics. Once the bad value is gone, the same trainer goes on bitwise like a twin that
 * never saw it. Every objective is played at least once.
 */
#include <float.h>

#include "game_support.h"

enum { CHANNELS = 2, SIDE = 4, SAMPLE = CHANNELS * SIDE * SIDE, CLASSES = 5, SEED = 77 };

static const int64_t image_shape[3] = {CHANNELS, SIDE, SIDE};
static const float bad_values[3] = {NAN, INFINITY, -INFINITY};

/* Planted values and refused optimizer steps, in all and per test, for the TAP comments. */
static long injections;

typedef struct tally {
    const char *test;
    long count;
} tally;

static tally tallies[16];
static int tally_count;

/* Records the injections a test made since it started (when `injections` was `start`). */
static void record_tally(const char *test, long start)
{
    if (tally_count < (int)(sizeof tallies / sizeof tallies[0]))
        tallies[tally_count++] = (tally){test, injections - start};
}

/* ---- G and D around the layer under test ------------------------------------------------ */

/* Adds a layer made by `status`'s constructor, named `name` (or not, for NULL). */
static void put(gan_model *model, gan_status status, gan_layer **layer, const char *name)
{
    assert_status(status, GAN_OK);
    if (name)
        assert_status(gan_layer_set_name(*layer, name), GAN_OK);
    assert_status(gan_model_add(model, *layer), GAN_OK);
}

/* How the layer under test, named "x", sits in a block that maps [2, 4, 4] to [2, 4, 4]. */
typedef enum fit {
    AS_IS,    /* takes and gives [2, 4, 4] */
    FLAT,     /* Flatten before it, Reshape to [2, 4, 4] after (Dense) */
    ROWS,     /* Reshape to [2, 16] before it and back after (BatchNorm1d) */
    RESHAPES, /* reshapes by itself; Reshape to [2, 4, 4] after (Flatten, Reshape) */
    DOUBLES,  /* doubles H and W; AvgPool2d 2 after (Upsample) */
    INDICES   /* Embedding: only D can hold it, on class indices (G's input is a latent) */
} fit;

typedef struct layer_case {
    const char *kind;
    gan_status (*make)(gan_layer **out);
    fit fit;
    bool has_parameters; /* else the planted weight is the one of the layer feeding it, "in" */
} layer_case;

static gan_status dense(gan_layer **out)
{
    return gan_layer_dense(out, SAMPLE, SAMPLE, 1);
}

static gan_status conv2d(gan_layer **out)
{
    return gan_layer_conv2d(out, CHANNELS, CHANNELS, 3, 1, 1, 1);
}

static gan_status conv_transpose2d(gan_layer **out)
{
    return gan_layer_conv_transpose2d(out, CHANNELS, CHANNELS, 3, 1, 1, 0, 1);
}

static gan_status batchnorm1d(gan_layer **out)
{
    return gan_layer_batchnorm1d(out, CHANNELS);
}

static gan_status batchnorm2d(gan_layer **out)
{
    return gan_layer_batchnorm2d(out, CHANNELS);
}

static gan_status layernorm(gan_layer **out)
{
    return gan_layer_layernorm(out, 3, image_shape);
}

/* Overlapping windows: an input element can be the maximum of several of them. */
static gan_status maxpool2d(gan_layer **out)
{
    return gan_layer_maxpool2d(out, 3, 1, 1);
}

static gan_status avgpool2d(gan_layer **out)
{
    return gan_layer_avgpool2d(out, 3, 1, 1);
}

static gan_status upsample(gan_layer **out)
{
    return gan_layer_upsample(out, 2);
}

static gan_status dropout(gan_layer **out)
{
    return gan_layer_dropout(out, 0.5f);
}

static gan_status embedding(gan_layer **out)
{
    return gan_layer_embedding(out, CLASSES, SAMPLE);
}

static gan_status leaky_relu(gan_layer **out)
{
    return gan_layer_leaky_relu(out, 0.2f);
}

static gan_status reshape(gan_layer **out)
{
    return gan_layer_reshape(out, 2, (const int64_t[]){SIDE, CHANNELS * SIDE});
}

static const layer_case cases[] = {
    {"Dense", dense, FLAT, true},
    {"Conv2d", conv2d, AS_IS, true},
    {"ConvTranspose2d", conv_transpose2d, AS_IS, true},
    {"BatchNorm1d", batchnorm1d, ROWS, true},
    {"BatchNorm2d", batchnorm2d, AS_IS, true},
    {"LayerNorm", layernorm, AS_IS, true},
    {"MaxPool2d", maxpool2d, AS_IS, false},
    {"AvgPool2d", avgpool2d, AS_IS, false},
    {"Upsample", upsample, DOUBLES, false},
    {"Dropout", dropout, AS_IS, false},
    {"Embedding", embedding, INDICES, true},
    {"ReLU", gan_layer_relu, AS_IS, false},
    {"LeakyReLU", leaky_relu, AS_IS, false},
    {"Tanh", gan_layer_tanh, AS_IS, false},
    {"Sigmoid", gan_layer_sigmoid, AS_IS, false},
    {"Flatten", gan_layer_flatten, RESHAPES, false},
    {"Reshape", reshape, RESHAPES, false},
};
enum { CASES = sizeof cases / sizeof cases[0] };

/* The parameter a case plants its bad weight in, and whose gradient must go bad. */
static const char *probe_name(const layer_case *c)
{
    return c->has_parameters ? "x.weight" : "in.weight";
}

static bool on_images(const layer_case *c)
{
    return c->fit != INDICES;
}

static void add_block(gan_model *m, const layer_case *c)
{
    gan_layer *l = NULL;
    if (c->fit == FLAT)
        put(m, gan_layer_flatten(&l), &l, NULL);
    if (c->fit == ROWS)
        put(m, gan_layer_reshape(&l, 2, (const int64_t[]){CHANNELS, SIDE * SIDE}), &l, NULL);
    put(m, c->make(&l), &l, "x");
    if (c->fit == DOUBLES)
        put(m, gan_layer_avgpool2d(&l, 2, 2, 0), &l, NULL);
    if (c->fit == FLAT || c->fit == ROWS || c->fit == RESHAPES)
        put(m, gan_layer_reshape(&l, 3, image_shape), &l, NULL);
}

/* G: latent -> Dense "in" -> [2, 4, 4] -> block. For Embedding, a generator of class
 * indices: Dense "in" [LATENT -> 1] with weight 0 and bias 3, so every fake is index 3;
 * Embedding passes no gradient back, so it stays 3 under any optimizer without decay. */
static gan_model *make_generator(const layer_case *c)
{
    gan_model *m = NULL;
    gan_layer *l = NULL;
    assert_status(gan_model_new(&m), GAN_OK);
    if (!on_images(c)) {
        put(m, gan_layer_dense(&l, LATENT, 1, 1), &l, "in");
        return m;
    }
    put(m, gan_layer_dense(&l, LATENT, SAMPLE, 1), &l, "in");
    put(m, gan_layer_reshape(&l, 3, image_shape), &l, NULL);
    add_block(m, c);
    return m;
}

/* D: [2, 4, 4] -> Conv2d "in" 1x1 -> block -> Flatten -> Dense "out" -> 1. For Embedding:
 * index -> Embedding "x" -> Dense "out". */
static gan_model *make_discriminator(const layer_case *c)
{
    gan_model *m = NULL;
    gan_layer *l = NULL;
    assert_status(gan_model_new(&m), GAN_OK);
    if (on_images(c)) {
        put(m, gan_layer_conv2d(&l, CHANNELS, CHANNELS, 1, 1, 0, 1), &l, "in");
        add_block(m, c);
        put(m, gan_layer_flatten(&l), &l, NULL);
    } else {
        put(m, c->make(&l), &l, "x");
    }
    put(m, gan_layer_dense(&l, SAMPLE, 1, 1), &l, "out");
    return m;
}

/* A named parameter tensor's values (and gradient, if asked) and its length. */
static float *parameter(gan_model *model, const char *name, float **gradient, size_t *count)
{
    for (int i = 0; i < gan_model_named_parameter_count(model); i++) {
        const char *tensor_name;
        gan_tensor *value, *grad;
        assert_status(gan_model_named_parameter(model, i, &tensor_name, &value, &grad), GAN_OK);
        if (strcmp(tensor_name, name) == 0) {
            if (gradient)
                *gradient = gan_tensor_data(grad);
            if (count)
                *count = (size_t)gan_tensor_numel(value);
            return gan_tensor_data(value);
        }
    }
    fail_msg("the model has no parameter '%s'", name);
    return NULL;
}

static bool any_nonfinite(const float *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return true;
    return false;
}

/* ---- the game: objective and optimizer ---------------------------------------------- */

typedef struct recipe {
    gan_objective objective;
    int64_t n_critic;
    float weight_clip, label_smoothing, label_flip;
} recipe;

/* Case i plays recipes[i % 5] with rules[i % 4]: every objective and every rule, with
 * WGAN's clipping, several critic updates, and label noise (drawn from the noise stream). */
static const recipe recipes[] = {
    {GAN_OBJECTIVE_MINIMAX, 1, 0.0f, 0.0f, 0.2f},
    {GAN_OBJECTIVE_NON_SATURATING, 1, 0.0f, 0.1f, 0.0f},
    {GAN_OBJECTIVE_WASSERSTEIN, 2, 0.5f, 0.0f, 0.0f},
    {GAN_OBJECTIVE_LEAST_SQUARES, 1, 0.0f, 0.0f, 0.0f},
    {GAN_OBJECTIVE_HINGE, 2, 0.0f, 0.0f, 0.0f},
};
static const recipe least_squares = {GAN_OBJECTIVE_LEAST_SQUARES, 1, 0.0f, 0.0f, 0.0f};
static const gan_optim_kind rules[] = {GAN_OPTIM_ADAM, GAN_OPTIM_SGD, GAN_OPTIM_RMSPROP,
                                       GAN_OPTIM_ADAMW};

/* An optimizer with moments to compare: SGD with Nesterov momentum, centered RMSprop with
 * momentum, Adam with beta1 0.5, AdamW with its default decay. */
static gan_optim *make_optim(gan_optim_kind kind, gan_model *model)
{
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, kind, model), GAN_OK);
    switch (kind) {
    case GAN_OPTIM_SGD:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
        assert_status(gan_optim_set_int(optim, GAN_OPTIM_NESTEROV, 1), GAN_OK);
        break;
    case GAN_OPTIM_RMSPROP:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_LR, 1e-3f), GAN_OK);
        assert_status(gan_optim_set_int(optim, GAN_OPTIM_CENTERED, 1), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_MOMENTUM, 0.5f), GAN_OK);
        break;
    case GAN_OPTIM_ADAM:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_BETA1, 0.5f), GAN_OK);
        break;
    case GAN_OPTIM_ADAMW:
        break;
    }
    return optim;
}

static void fill_real(const layer_case *c, gan_tensor *real)
{
    float *data = gan_tensor_data(real);
    for (int64_t i = 0; i < gan_tensor_numel(real); i++)
        data[i] = on_images(c) ? 0.8f * sinf(0.37f * (float)i) : (float)(i % CLASSES);
}

static void rig_new(game_state *game, const layer_case *c, const recipe *r, gan_optim_kind rule)
{
    memset(game, 0, sizeof *game);
    game->g_model = make_generator(c);
    game->d_model = make_discriminator(c);
    assert_status(gan_rng_new(&game->rng, SEED), GAN_OK);
    assert_status(gan_model_init_parameters(game->g_model, game->rng), GAN_OK);
    assert_status(gan_model_init_parameters(game->d_model, game->rng), GAN_OK);
    assert_status(gan_generator_new(&game->g, game->g_model, LATENT, GAN_LATENT_NORMAL), GAN_OK);
    assert_status(gan_discriminator_new(&game->d, game->d_model), GAN_OK);
    game->g_optim = make_optim(rule, game->g_model);
    game->d_optim = make_optim(rule, game->d_model);
    if (!on_images(c)) {
        size_t count;
        float *weight = parameter(game->g_model, "in.weight", NULL, &count);
        memset(weight, 0, count * sizeof(float));
        parameter(game->g_model, "in.bias", NULL, NULL)[0] = 3.0f;
        assert_status(gan_optim_set_float(game->g_optim, GAN_OPTIM_WEIGHT_DECAY, 0.0f), GAN_OK);
    }
    assert_status(gan_trainer_new(&game->trainer, game->g, game->d, game->g_optim, game->d_optim,
                                  r->objective, game->rng), GAN_OK);
    assert_status(gan_trainer_set_int(game->trainer, GAN_TRAINER_N_CRITIC, r->n_critic), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_EMA_DECAY, 0.9f), GAN_OK);
    if (r->weight_clip > 0.0f)
        assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_WEIGHT_CLIP,
                                            r->weight_clip), GAN_OK);
    if (r->label_smoothing > 0.0f)
        assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_LABEL_SMOOTHING,
                                            r->label_smoothing), GAN_OK);
    if (r->label_flip > 0.0f)
        assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_LABEL_FLIP,
                                            r->label_flip), GAN_OK);
    if (on_images(c))
        assert_status(gan_tensor_new(&game->real, 4,
                                     (const int64_t[]){BATCH, CHANNELS, SIDE, SIDE}), GAN_OK);
    else
        assert_status(gan_tensor_new(&game->real, 2, (const int64_t[]){BATCH, 1}), GAN_OK);
    fill_real(c, game->real);
}

/* A game and its twin, made alike and trained two steps alike (so that moments, running
 * statistics and the EMA have moved away from their first values). */
static void twins_new(game_state *game, game_state *twin, const layer_case *c, const recipe *r,
                      gan_optim_kind rule)
{
    rig_new(game, c, r, rule);
    rig_new(twin, c, r, rule);
    for (int step = 0; step < 2; step++) {
        assert_status(gan_trainer_step(game->trainer, game->real), GAN_OK);
        assert_status(gan_trainer_step(twin->trainer, twin->real), GAN_OK);
    }
}

/* ---- the whole training state, as bytes ------------------------------------------------ */

/* What the float arrays leave out: stream positions, counts, norms and statistics. */
typedef struct counters {
    uint64_t positions[4];
    int64_t steps, g_steps, d_steps;
    float g_norm, d_norm;
    float stats[6];
} counters;

static counters read_counters(game_state *game)
{
    counters k;
    memset(&k, 0, sizeof k);
    for (int s = 0; s < 4; s++)
        assert_status(gan_rng_get_position(game->rng, (gan_rng_stream)s, &k.positions[s]), GAN_OK);
    k.steps = gan_trainer_step_count(game->trainer);
    k.g_steps = gan_optim_step_count(game->g_optim);
    k.d_steps = gan_optim_step_count(game->d_optim);
    assert_status(gan_optim_last_grad_norm(game->g_optim, &k.g_norm), GAN_OK);
    assert_status(gan_optim_last_grad_norm(game->d_optim, &k.d_norm), GAN_OK);
    for (int s = 0; s < 6; s++)
        assert_status(gan_trainer_get_stat(game->trainer, (gan_trainer_stat)s, &k.stats[s]),
                      GAN_OK);
    return k;
}

typedef struct fingerprint {
    float *floats; /* G's and D's parameters, buffers and optimizer state; then the EMA */
    size_t count;
    counters k;
} fingerprint;

static fingerprint take_fingerprint(game_state *game)
{
    fingerprint f;
    float *ema = NULL;
    size_t ema_count = 0;
    if (gan_trainer_ema(game->trainer))
        assert_status(gan_ema_data(gan_trainer_ema(game->trainer), &ema, &ema_count), GAN_OK);
    size_t g = state_floats(game->g_model, game->g_optim, false, NULL);
    size_t d = state_floats(game->d_model, game->d_optim, false, NULL);
    f.count = g + d + ema_count;
    f.floats = malloc(f.count * sizeof(float));
    assert_non_null(f.floats);
    state_floats(game->g_model, game->g_optim, false, f.floats);
    state_floats(game->d_model, game->d_optim, false, f.floats + g);
    if (ema_count)
        memcpy(f.floats + g + d, ema, ema_count * sizeof(float));
    f.k = read_counters(game);
    return f;
}

/* Bitwise equality (NaN payloads included); frees both. */
static void assert_same_and_free(fingerprint a, fingerprint b)
{
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.floats, b.floats, a.count * sizeof(float));
    assert_memory_equal(&a.k, &b.k, sizeof a.k);
    free(a.floats);
    free(b.floats);
}

static void step_both(game_state *game, game_state *twin)
{
    assert_status(gan_trainer_step(game->trainer, game->real), GAN_OK);
    assert_status(gan_trainer_step(twin->trainer, twin->real), GAN_OK);
    assert_same_and_free(take_fingerprint(game), take_fingerprint(twin));
}

/* ---- planting a value ---------------------------------------------------------------- */

typedef struct planted {
    float *at;
    float *saved;
    size_t count;
} planted;

static planted plant(float *at, size_t count, float value)
{
    planted p = {at, malloc(count * sizeof(float)), count};
    assert_non_null(p.saved);
    memcpy(p.saved, at, count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        at[i] = value;
    injections++;
    return p;
}

static void unplant(planted p)
{
    memcpy(p.at, p.saved, p.count * sizeof(float));
    free(p.saved);
}

/* A gradient that must have gone bad in the refused step (gradients are scratch: a failed
 * step leaves them as they were when it stopped). */
typedef struct probe {
    gan_model *model;
    const char *name;
} probe;

/*
 * Plants `value` over [at, at + count), expects the step to be refused with a message that
 * mentions `mention` and with the state bitwise as planted, and `bad` (if given) to hold a
 * non-finite gradient; then takes the value away and expects the game to step on exactly
 * like its twin.
 */
static void refused_then_recovers(game_state *game, game_state *twin, float *at, size_t count,
                                  float value, const char *mention, const probe *bad)
{
    planted p = plant(at, count, value);
    fingerprint before = take_fingerprint(game);
    assert_status(gan_trainer_step(game->trainer, game->real), GAN_ERR_NUMERIC);
    assert_error_mentions(mention);
    if (bad) {
        float *gradient;
        size_t n;
        parameter(bad->model, bad->name, &gradient, &n);
        assert_true(any_nonfinite(gradient, n));
    }
    assert_same_and_free(before, take_fingerprint(game));
    unplant(p);
    step_both(game, twin);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* The real batch and a weight of the layer, in G and in D, each of NaN, +inf, -inf. */
static void check_planted_inputs_and_weights(const layer_case *c, int index)
{
    game_state game, twin;
    twins_new(&game, &twin, c, &recipes[index % 5], rules[index % 4]);
    for (int v = 0; v < 3; v++) {
        float value = bad_values[v];
        refused_then_recovers(&game, &twin, gan_tensor_data(game.real) + 5, 1, value, "real",
                              NULL);
        if (on_images(c))
            refused_then_recovers(&game, &twin, parameter(game.g_model, probe_name(c), NULL, NULL),
                                  1, value, probe_name(c), NULL);
        refused_then_recovers(&game, &twin, parameter(game.d_model, probe_name(c), NULL, NULL) + 1,
                              1, value, probe_name(c), NULL);
    }
    game_free(&game);
    game_free(&twin);
}

/*
 * A gradient that overflows while every forward value is finite: LSGAN's gradient grows
 * with the logit, and D's last weights of 1e30 make logits near 1e30 (a finite loss, which
 * saturates at FLT_MAX) whose gradient times those weights (1e60) is beyond float. The
 * overflow reaches the layer under test from above, and D's optimizer refuses the step.
 */
static void check_overflowing_gradient(const layer_case *c)
{
    game_state game, twin;
    twins_new(&game, &twin, c, &least_squares, GAN_OPTIM_ADAM);
    size_t count;
    float *out = parameter(game.d_model, "out.weight", NULL, &count);
    probe bad = {game.d_model, probe_name(c)};
    refused_then_recovers(&game, &twin, out, count, 1e30f, "gradient", &bad);
    game_free(&game);
    game_free(&twin);
}

/* The model's input for a model-level pass: G's latent batch, or the real batch for D. */
static gan_tensor *model_input(game_state *game, bool generator)
{
    gan_tensor *input = NULL;
    if (!generator)
        return game->real;
    assert_status(gan_tensor_new(&input, 2, (const int64_t[]){BATCH, LATENT}), GAN_OK);
    float *data = gan_tensor_data(input);
    for (int i = 0; i < BATCH * LATENT; i++)
        data[i] = cosf(0.9f * (float)i);
    return input;
}

/* One forward of `model` and a backward of a gradient filled with `fill`; the gradient
 * tensor is returned for reuse. */
static gan_tensor *pass(gan_model *model, const gan_tensor *input, float fill)
{
    const gan_tensor *output = NULL;
    assert_status(gan_model_forward(model, input, &output), GAN_OK);
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_tensor_shape(output, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    gan_tensor *grad = NULL;
    assert_status(gan_tensor_new(&grad, gan_tensor_rank(output), shape), GAN_OK);
    assert_status(gan_tensor_fill(grad, fill), GAN_OK);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    assert_status(gan_model_backward(model, grad, 0, NULL), GAN_OK);
    return grad;
}

/*
 * The model-level route: forward a finite batch, backward a gradient filled with `value`:
 * NaN or ±inf, which must reach the layer's gradient, or FLT_MAX, whose sums overflow
 * somewhere in the model. The optimizer must refuse and change nothing. Then a clean backward and step give what the twin gets from the same calls.
 */
static void check_optimizer_refuses(game_state *game, game_state *twin, const layer_case *c,
                                    bool generator, float value)
{
    gan_model *model = generator ? game->g_model : game->d_model;
    gan_optim *optim = generator ? game->g_optim : game->d_optim;
    gan_tensor *input = model_input(game, generator);
    gan_tensor *grad = pass(model, input, value);
    float *gradient;
    size_t n;
    if (isfinite(value))
        assert_status(gan_model_parameter_arrays(model, NULL, &gradient, &n), GAN_OK);
    else
        parameter(model, probe_name(c), &gradient, &n);
    assert_true(any_nonfinite(gradient, n));
    injections++;
    fingerprint before = take_fingerprint(game);
    assert_status(gan_optim_step(optim), GAN_ERR_NUMERIC);
    assert_error_mentions("nothing was updated");
    assert_same_and_free(before, take_fingerprint(game));

    assert_status(gan_tensor_fill(grad, 0.01f), GAN_OK);
    assert_status(gan_model_zero_grad(model), GAN_OK);
    assert_status(gan_model_backward(model, grad, 0, NULL), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    gan_tensor_free(grad);
    gan_tensor *twin_grad = pass(generator ? twin->g_model : twin->d_model, input, 0.01f);
    assert_status(gan_optim_step(generator ? twin->g_optim : twin->d_optim), GAN_OK);
    gan_tensor_free(twin_grad);
    assert_same_and_free(take_fingerprint(game), take_fingerprint(twin));
    if (generator)
        gan_tensor_free(input);
}

static void check_model_level_gradients(const layer_case *c, int index)
{
    static const float fills[4] = {NAN, INFINITY, -INFINITY, FLT_MAX};
    game_state game, twin;
    twins_new(&game, &twin, c, &recipes[index % 5], rules[index % 4]);
    for (int v = 0; v < 4; v++) {
        if (on_images(c))
            check_optimizer_refuses(&game, &twin, c, true, fills[v]);
        check_optimizer_refuses(&game, &twin, c, false, fills[v]);
    }
    /* The trainer is unharmed. */
    step_both(&game, &twin);
    game_free(&game);
    game_free(&twin);
}

/* A NaN entering the layer comes out of the model (as in PyTorch: no layer swallows it),
 * from G's first weight and from D's input. Embedding refuses a NaN index instead. */
static void check_nan_passes_through(const layer_case *c)
{
    game_state game;
    rig_new(&game, c, &recipes[0], GAN_OPTIM_ADAM);
    const gan_tensor *output = NULL;
    if (on_images(c)) {
        gan_tensor *latent = model_input(&game, true);
        parameter(game.g_model, "in.weight", NULL, NULL)[0] = NAN;
        assert_status(gan_model_forward(game.g_model, latent, &output), GAN_OK);
        assert_true(any_nonfinite(gan_tensor_data_const(output), (size_t)gan_tensor_numel(output)));
        gan_tensor_free(latent);
    }
    gan_tensor_data(game.real)[0] = NAN;
    gan_status want = on_images(c) ? GAN_OK : GAN_ERR_INVALID_ARGUMENT;
    assert_status(gan_model_forward(game.d_model, game.real, &output), want);
    if (on_images(c))
        assert_true(isnan(gan_tensor_data_const(output)[0]));
    injections += on_images(c) ? 2 : 1;
    game_free(&game);
}

/* ---- finite values that overflow, and values a layer does not pass on ------------------- */

/* game_support's MLP game (G and D with BatchNorm, Adam) and its twin, two steps in. */
static void mlp_twins_new(game_state *game, game_state *twin, gan_objective objective)
{
    game_new(game, objective, SEED);
    game_new(twin, objective, SEED);
    for (int step = 0; step < 2; step++) {
        assert_status(gan_trainer_step(game->trainer, game->real), GAN_OK);
        assert_status(gan_trainer_step(twin->trainer, twin->real), GAN_OK);
    }
}

/* D's last layer at FLT_MAX: every value is finite, but the logits overflow, and with them
 * the loss. */
static void a_loss_that_overflows_undoes_the_step(void **state)
{
    (void)state;
    long start = injections;
    game_state game, twin;
    mlp_twins_new(&game, &twin, GAN_OBJECTIVE_NON_SATURATING);
    size_t count;
    float *weight = parameter(game.d_model, "3.weight", NULL, &count);
    refused_then_recovers(&game, &twin, weight, count, FLT_MAX, "discriminator loss", NULL);
    game_free(&game);
    game_free(&twin);
    record_tally(__func__, start);
}

/* One real value of 1e22: D's BatchNorm normalises it away (every forward value, the loss
 * and every gradient are finite), but its share of the batch variance, ~1e41, does not fit
 * the float running_var. */
static void running_statistics_that_overflow_are_refused(void **state)
{
    (void)state;
    long start = injections;
    game_state game, twin;
    mlp_twins_new(&game, &twin, GAN_OBJECTIVE_NON_SATURATING);
    refused_then_recovers(&game, &twin, gan_tensor_data(game.real), 1, 1e22f,
                          "discriminator buffer '1.running_var' became inf", NULL);
    game_free(&game);
    game_free(&twin);
    record_tally(__func__, start);
}

/* D's BatchNorm shift at 1e22 makes D's last weight gradient ~1e22: finite, but Adam's
 * (1 - beta2) g^2 is not, and exp_avg_sq would hold inf for good. */
static void a_gradient_that_overflows_adams_second_moment_is_refused(void **state)
{
    (void)state;
    long start = injections;
    game_state game, twin;
    mlp_twins_new(&game, &twin, GAN_OBJECTIVE_NON_SATURATING);
    size_t count;
    float *shift = parameter(game.d_model, "1.bias", NULL, &count);
    refused_then_recovers(&game, &twin, shift, count, 1e22f,
                          "discriminator optimizer state 'exp_avg_sq' became inf", NULL);
    game_free(&game);
    game_free(&twin);
    record_tally(__func__, start);
}

/* G's RMSprop at a learning rate of 3e38 moves G's weights by ~1e39: D's update, which
 * succeeded first, is undone with G's. */
static void an_update_that_overflows_the_generator_undoes_the_discriminator_too(void **state)
{
    (void)state;
    long start = injections;
    game_state game, twin;
    twins_new(&game, &twin, &cases[0], &recipes[1], GAN_OPTIM_RMSPROP);
    fingerprint before = take_fingerprint(&game);
    assert_status(gan_optim_set_float(game.g_optim, GAN_OPTIM_LR, 3e38f), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_ERR_NUMERIC);
    assert_error_mentions("generator parameter");
    assert_error_mentions("the step was undone");
    injections++;
    assert_same_and_free(before, take_fingerprint(&game));
    assert_status(gan_optim_set_float(game.g_optim, GAN_OPTIM_LR, 1e-3f), GAN_OK);
    step_both(&game, &twin);
    game_free(&game);
    game_free(&twin);
    record_tally(__func__, start);
}

/* An infinite weight in front of D's Tanh gives tanh = ±1, a zero gradient, and an Adam
 * step that keeps it infinite; WGAN's clipping would then make it 0.5 and the step would
 * look clean. The state is checked before the step, so it is refused. */
static void weight_clipping_does_not_hide_a_planted_infinity(void **state)
{
    (void)state;
    long start = injections;
    const layer_case *tanh_case = NULL;
    for (int i = 0; i < CASES; i++)
        if (strcmp(cases[i].kind, "Tanh") == 0)
            tanh_case = &cases[i];
    assert_non_null(tanh_case);
    game_state game, twin;
    twins_new(&game, &twin, tanh_case, &recipes[2], GAN_OPTIM_ADAM);
    /* Output channel 0's weight on input channel 1, which holds no zero (inf 0 is NaN). */
    float *weight = parameter(game.d_model, "in.weight", NULL, NULL) + 1;
    for (int v = 1; v < 3; v++) /* the infinities: a NaN comes out of tanh */
        refused_then_recovers(&game, &twin, weight, 1, bad_values[v],
                              "discriminator parameter 'in.weight'", NULL);
    game_free(&game);
    game_free(&twin);
    record_tally(__func__, start);
}

static void every_layer_with_planted_inputs_and_weights(void **state)
{
    (void)state;
    long start = injections;
    for (int i = 0; i < CASES; i++) {
        print_message("# %s\n", cases[i].kind);
        check_planted_inputs_and_weights(&cases[i], i);
    }
    record_tally(__func__, start);
}

static void every_layer_with_an_overflowing_gradient(void **state)
{
    (void)state;
    long start = injections;
    for (int i = 0; i < CASES; i++) {
        print_message("# %s\n", cases[i].kind);
        check_overflowing_gradient(&cases[i]);
    }
    record_tally(__func__, start);
}

static void every_layer_with_bad_gradients_at_the_model_level(void **state)
{
    (void)state;
    long start = injections;
    for (int i = 0; i < CASES; i++) {
        print_message("# %s\n", cases[i].kind);
        check_model_level_gradients(&cases[i], i);
    }
    record_tally(__func__, start);
}

static void every_layer_passes_nan_on(void **state)
{
    (void)state;
    long start = injections;
    for (int i = 0; i < CASES; i++) {
        print_message("# %s\n", cases[i].kind);
        check_nan_passes_through(&cases[i]);
    }
    record_tally(__func__, start);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_layer_passes_nan_on),
        cmocka_unit_test(every_layer_with_planted_inputs_and_weights),
        cmocka_unit_test(every_layer_with_an_overflowing_gradient),
        cmocka_unit_test(every_layer_with_bad_gradients_at_the_model_level),
        cmocka_unit_test(a_loss_that_overflows_undoes_the_step),
        cmocka_unit_test(running_statistics_that_overflow_are_refused),
        cmocka_unit_test(a_gradient_that_overflows_adams_second_moment_is_refused),
        cmocka_unit_test(an_update_that_overflows_the_generator_undoes_the_discriminator_too),
        cmocka_unit_test(weight_clipping_does_not_hide_a_planted_infinity),
    };
    int failed = cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
    printf("# non-finite values planted or refused: %ld in %d layer kinds\n", injections, CASES);
    for (int i = 0; i < tally_count; i++)
        printf("#   %s: %ld\n", tallies[i].test, tallies[i].count);
    return failed;
}
