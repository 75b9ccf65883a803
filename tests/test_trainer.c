/* Generator, discriminator and trainer: the algorithm step by step, rollback, determinism. */
#include "game_support.h"

/* One step by hand through the public API, as trainer.c documents it (non-saturating
 * objective, n_critic 1): the trainer must reproduce it bit for bit. */
static void manual_step(game_state *game)
{
    int64_t batch = gan_tensor_dim(game->real, 0);
    gan_tensor *z = NULL, *ones = NULL, *zeros = NULL, *grad = NULL, *saved[2] = {NULL, NULL};
    assert_status(gan_tensor_new(&z, 2, (const int64_t[]){batch, LATENT}), GAN_OK);
    assert_status(gan_tensor_new(&ones, 2, (const int64_t[]){batch, 1}), GAN_OK);
    assert_status(gan_tensor_new(&zeros, 2, (const int64_t[]){batch, 1}), GAN_OK);
    assert_status(gan_tensor_new(&grad, 2, (const int64_t[]){batch, 1}), GAN_OK);
    assert_status(gan_tensor_fill(ones, 1.0f), GAN_OK);
    assert_status(gan_rng_fill_normal(game->rng, GAN_RNG_NOISE, z, 0.0f, 1.0f), GAN_OK);
    const gan_tensor *fake = NULL, *logits = NULL, *grad_samples = NULL;
    assert_status(gan_model_forward(game->g_model, z, &fake), GAN_OK);

    /* D: the real half, then the fake half, each backward right after its forward. */
    assert_status(gan_model_zero_grad(game->d_model), GAN_OK);
    assert_status(gan_model_forward(game->d_model, game->real, &logits), GAN_OK);
    assert_status(gan_loss_bce_with_logits(logits, ones, NULL, grad), GAN_OK);
    assert_status(gan_model_backward(game->d_model, grad, 0, NULL), GAN_OK);
    assert_status(gan_model_forward(game->d_model, fake, &logits), GAN_OK);
    assert_status(gan_loss_bce_with_logits(logits, zeros, NULL, grad), GAN_OK);
    assert_status(gan_model_backward(game->d_model, grad, 0, NULL), GAN_OK);
    assert_status(gan_optim_step(game->d_optim), GAN_OK);

    /* G: through D on the same fake batch; D's running statistics put back afterwards. */
    for (int i = 0; i < 2; i++) {
        gan_tensor *buffer;
        assert_status(gan_model_named_buffer(game->d_model, i, NULL, &buffer), GAN_OK);
        assert_status(gan_tensor_new(&saved[i], 1, (const int64_t[]){gan_tensor_numel(buffer)}), GAN_OK);
        memcpy(gan_tensor_data(saved[i]), gan_tensor_data(buffer), (size_t)gan_tensor_numel(buffer) * sizeof(float));
    }
    assert_status(gan_model_zero_grad(game->g_model), GAN_OK);
    assert_status(gan_model_forward(game->d_model, fake, &logits), GAN_OK);
    assert_status(gan_loss_bce_with_logits(logits, ones, NULL, grad), GAN_OK);
    assert_status(gan_model_backward(game->d_model, grad, GAN_BACKWARD_SKIP_PARAMETERS, &grad_samples), GAN_OK);
    for (int i = 0; i < 2; i++) {
        gan_tensor *buffer;
        assert_status(gan_model_named_buffer(game->d_model, i, NULL, &buffer), GAN_OK);
        memcpy(gan_tensor_data(buffer), gan_tensor_data(saved[i]), (size_t)gan_tensor_numel(buffer) * sizeof(float));
        gan_tensor_free(saved[i]);
    }
    assert_status(gan_model_backward(game->g_model, grad_samples, 0, NULL), GAN_OK);
    assert_status(gan_optim_step(game->g_optim), GAN_OK);
    gan_tensor_free(z);
    gan_tensor_free(ones);
    gan_tensor_free(zeros);
    gan_tensor_free(grad);
}

static void a_step_is_the_documented_algorithm(void **state)
{
    (void)state;
    game_state by_trainer, by_hand;
    game_new(&by_trainer, GAN_OBJECTIVE_NON_SATURATING, 11);
    game_new(&by_hand, GAN_OBJECTIVE_NON_SATURATING, 11);
    for (int step = 0; step < 3; step++) {
        assert_status(gan_trainer_step(by_trainer.trainer, by_trainer.real), GAN_OK);
        manual_step(&by_hand);
    }
    size_t count_a, count_b;
    float *a = capture_state(&by_trainer, true, &count_a), *b = capture_state(&by_hand, true, &count_b);
    assert_int_equal(count_a, count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    uint64_t pa, pb;
    gan_rng_get_position(by_trainer.rng, GAN_RNG_NOISE, &pa);
    gan_rng_get_position(by_hand.rng, GAN_RNG_NOISE, &pb);
    assert_true(pa == pb);
    assert_int_equal(gan_trainer_step_count(by_trainer.trainer), 3);
    assert_int_equal(gan_optim_step_count(by_trainer.g_optim), 3);
    free(a);
    free(b);
    game_free(&by_trainer);
    game_free(&by_hand);
}

static void same_seed_same_weights(void **state)
{
    (void)state;
    game_state first, second;
    game_new(&first, GAN_OBJECTIVE_MINIMAX, 5);
    game_new(&second, GAN_OBJECTIVE_MINIMAX, 5);
    for (int step = 0; step < 25; step++) {
        assert_status(gan_trainer_step(first.trainer, first.real), GAN_OK);
        assert_status(gan_trainer_step(second.trainer, second.real), GAN_OK);
    }
    size_t count_a, count_b;
    float *a = capture_state(&first, true, &count_a), *b = capture_state(&second, true, &count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    free(a);
    free(b);
    game_free(&first);
    game_free(&second);
}

/* Successful calls leave the message alone (like errno): building the players and the
 * trainer, where the discriminator's input shape is not known yet, and stepping. */
static void successful_calls_leave_the_message_alone(void **state)
{
    (void)state;
    assert_status(gan_tensor_new(NULL, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    char planted[256];
    snprintf(planted, sizeof planted, "%s", gan_last_error());
    assert_true(strlen(planted) > 0);
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 9);
    for (int step = 0; step < 2; step++)
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_string_equal(gan_last_error(), planted);
    game_free(&game);
}

/* A non-finite real batch is refused: parameters, buffers, optimizer state, counts are as
 * they were (test_nonfinite plants NaN and infinities everywhere else). */
static void a_non_finite_step_changes_nothing(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 3);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    size_t count;
    float *before = capture_state(&game, false, &count);
    float saved = gan_tensor_data(game.real)[3];
    gan_tensor_data(game.real)[3] = NAN;
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_ERR_NUMERIC);
    assert_error_mentions("the real batch holds nan at element 3");
    float *after = capture_state(&game, false, &count);
    assert_memory_equal(before, after, count * sizeof(float));
    assert_int_equal(gan_trainer_step_count(game.trainer), 1);
    assert_int_equal(gan_optim_step_count(game.g_optim), 1);
    assert_int_equal(gan_optim_step_count(game.d_optim), 1);
    /* And training goes on once the data is clean. */
    gan_tensor_data(game.real)[3] = saved;
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    free(before);
    free(after);
    game_free(&game);
}

/* Adding a layer moves a model's arrays even when it adds no parameters: the undo snapshot
 * must follow them (under ASan, a stale one reads freed memory). */
static void a_step_after_adding_a_layer_still_undoes(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 12);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    gan_layer *layer = NULL;
    assert_status(gan_layer_tanh(&layer), GAN_OK);
    assert_status(gan_model_add(game.g_model, layer), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    size_t count;
    float *before = capture_state(&game, false, &count);
    gan_tensor_data(game.real)[0] = NAN;
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_ERR_NUMERIC);
    float *after = capture_state(&game, false, &count);
    assert_memory_equal(before, after, count * sizeof(float));
    free(before);
    free(after);
    game_free(&game);
}

/* An optimizer whose options switch its state arrays (RMSprop: grad_avg for momentum_buffer)
 * is still undone completely. */
static void a_failed_step_undoes_switched_optimizer_state(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 13);
    gan_trainer_free(game.trainer);
    gan_optim_free(game.d_optim);
    assert_status(gan_optim_new(&game.d_optim, GAN_OPTIM_RMSPROP, game.d_model), GAN_OK);
    assert_status(gan_optim_set_int(game.d_optim, GAN_OPTIM_CENTERED, 1), GAN_OK);
    assert_status(gan_trainer_new(&game.trainer, game.g, game.d, game.g_optim, game.d_optim,
                                  GAN_OBJECTIVE_NON_SATURATING, game.rng), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_status(gan_optim_set_int(game.d_optim, GAN_OPTIM_CENTERED, 0), GAN_OK);
    assert_status(gan_optim_set_float(game.d_optim, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    size_t count;
    float *before = capture_state(&game, false, &count);
    int64_t steps = gan_optim_step_count(game.d_optim);
    /* D's step succeeds with a huge learning rate; then G's loss is not finite. */
    assert_status(gan_optim_set_float(game.d_optim, GAN_OPTIM_LR, 3e38f), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_ERR_NUMERIC);
    float *after = capture_state(&game, false, &count);
    assert_memory_equal(before, after, count * sizeof(float)); /* momentum_buffer included */
    assert_int_equal(gan_optim_step_count(game.d_optim), steps);
    free(before);
    free(after);
    game_free(&game);
}

static int calls;
static int64_t last_step;

static void count_calls(void *user_data, const gan_trainer *trainer, int64_t step)
{
    assert_ptr_equal(user_data, &calls);
    assert_int_equal(gan_trainer_step_count(trainer), step);
    calls++;
    last_step = step;
}

static void statistics_and_callbacks(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 8);
    float value;
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_D_LOSS, &value), GAN_ERR_STATE);
    calls = 0;
    assert_status(gan_trainer_set_callback(game.trainer, count_calls, &calls), GAN_OK);
    for (int step = 0; step < 4; step++)
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_int_equal(calls, 4);
    assert_int_equal(last_step, 4);
    for (int stat = GAN_STAT_D_LOSS; stat <= GAN_STAT_D_GRAD_NORM; stat++) {
        assert_status(gan_trainer_get_stat(game.trainer, (gan_trainer_stat)stat, &value), GAN_OK);
        assert_true(isfinite(value));
    }
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_D_REAL, &value), GAN_OK);
    assert_true(value > 0.0f && value < 1.0f); /* a probability for BCE objectives */
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_D_LOSS, &value), GAN_OK);
    assert_true(value > 0.0f);
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_G_GRAD_NORM, &value), GAN_OK);
    assert_true(value > 0.0f);
    assert_status(gan_trainer_get_stat(game.trainer, (gan_trainer_stat)8, &value), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_callback(game.trainer, NULL, NULL), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_int_equal(calls, 4);
    game_free(&game);
}

/* WGAN with five critic updates and clipping: D's weights stay in [-c, c]. */
static void wasserstein_with_clipping(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_WASSERSTEIN, 4);
    assert_status(gan_trainer_set_int(game.trainer, GAN_TRAINER_N_CRITIC, 5), GAN_OK);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_WEIGHT_CLIP, 0.01f), GAN_OK);
    for (int step = 0; step < 3; step++)
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_int_equal(gan_optim_step_count(game.d_optim), 15);
    assert_int_equal(gan_optim_step_count(game.g_optim), 3);
    float *values;
    size_t count;
    assert_status(gan_model_parameter_arrays(game.d_model, &values, NULL, &count), GAN_OK);
    for (size_t i = 0; i < count; i++)
        assert_true(values[i] >= -0.01f && values[i] <= 0.01f);
    float mean_real;
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_D_REAL, &mean_real), GAN_OK);
    game_free(&game);
}

static void the_ema_follows_the_generator(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 9);
    assert_null(gan_trainer_ema(game.trainer));
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_EMA_DECAY, 0.5f), GAN_OK);
    gan_ema *ema = gan_trainer_ema(game.trainer);
    assert_non_null(ema);
    float *params, *average;
    size_t count, ema_count;
    assert_status(gan_model_parameter_arrays(game.g_model, &params, NULL, &count), GAN_OK);
    assert_status(gan_ema_data(ema, &average, &ema_count), GAN_OK);
    assert_int_equal(count, ema_count);
    double *expected = malloc(count * sizeof(double));
    for (size_t i = 0; i < count; i++)
        expected[i] = params[i];
    for (int step = 0; step < 3; step++) {
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
        for (size_t i = 0; i < count; i++)
            expected[i] = 0.5 * expected[i] + 0.5 * params[i];
    }
    for (size_t i = 0; i < count; i++)
        assert_float_equal(average[i], expected[i], 1e-6);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_EMA_DECAY, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_EMA_DECAY, 0.0f), GAN_OK);
    assert_null(gan_trainer_ema(game.trainer));
    free(expected);
    game_free(&game);
}

/* After the first step at a batch size, steps allocate nothing. */
static void steady_state_steps_allocate_nothing(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_LEAST_SQUARES, 2);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_EMA_DECAY, 0.9f), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    long before = group_allocator.calls;
    for (int step = 0; step < 5; step++)
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_int_equal(group_allocator.calls, before);
    game_free(&game);
}

static void every_objective_trains(void **state)
{
    (void)state;
    for (int objective = GAN_OBJECTIVE_MINIMAX; objective <= GAN_OBJECTIVE_HINGE; objective++) {
        game_state game;
        game_new(&game, (gan_objective)objective, 100 + (uint64_t)objective);
        for (int step = 0; step < 3; step++)
            assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
        float loss;
        assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_G_LOSS, &loss), GAN_OK);
        assert_true(isfinite(loss));
        game_free(&game);
    }
}

static void options_are_checked(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 1);
    int64_t n;
    float value;
    assert_status(gan_trainer_get_int(game.trainer, GAN_TRAINER_N_CRITIC, &n), GAN_OK);
    assert_int_equal(n, 1);
    assert_status(gan_trainer_set_int(game.trainer, GAN_TRAINER_N_CRITIC, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_int(game.trainer, GAN_TRAINER_WEIGHT_CLIP, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_N_CRITIC, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_WEIGHT_CLIP, -1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_WEIGHT_CLIP, NAN), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_LABEL_SMOOTHING, 0.1f), GAN_OK);
    assert_status(gan_trainer_get_float(game.trainer, GAN_TRAINER_LABEL_SMOOTHING, &value), GAN_OK);
    assert_float_equal(value, 0.1f, 0.0f);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_LABEL_FLIP, 0.05f), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_LABEL_SMOOTHING, 2.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_float(game.trainer, (gan_trainer_option)9, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_get_float(game.trainer, GAN_TRAINER_WEIGHT_CLIP, NULL), GAN_ERR_INVALID_ARGUMENT);
    game_free(&game);
}

static void misuse_is_reported(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 1);
    gan_trainer *trainer = (gan_trainer *)state;
    /* Optimizers swapped between the players. */
    assert_status(gan_trainer_new(&trainer, game.g, game.d, game.d_optim, game.g_optim,
                                  GAN_OBJECTIVE_MINIMAX, game.rng), GAN_ERR_INVALID_ARGUMENT);
    assert_null(trainer);
    assert_error_mentions("another model");
    assert_status(gan_trainer_new(&trainer, game.g, game.d, game.g_optim, game.d_optim,
                                  (gan_objective)7, game.rng), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_new(&trainer, NULL, game.d, game.g_optim, game.d_optim,
                                  GAN_OBJECTIVE_MINIMAX, game.rng), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_new(NULL, game.g, game.d, game.g_optim, game.d_optim,
                                  GAN_OBJECTIVE_MINIMAX, game.rng), GAN_ERR_INVALID_ARGUMENT);
    /* A real batch of the wrong sample shape. */
    gan_tensor *wrong = NULL;
    assert_status(gan_tensor_new(&wrong, 2, (const int64_t[]){BATCH, FEATURES + 1}), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, wrong), GAN_ERR_SHAPE);
    assert_status(gan_trainer_step(game.trainer, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_step(NULL, game.real), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_trainer_step_count(game.trainer), 0);
    assert_int_equal(gan_trainer_step_count(NULL), -1);
    gan_tensor_free(wrong);

    /* A discriminator with two outputs per sample. */
    gan_model *two = mlp(FEATURES, 4, 2, 0);
    assert_status(gan_model_set_input_shape(two, 1, (const int64_t[]){FEATURES}), GAN_OK);
    gan_discriminator *d = (gan_discriminator *)state;
    assert_status(gan_discriminator_new(&d, two), GAN_ERR_SHAPE);
    assert_null(d);
    assert_error_mentions("one value per sample");
    gan_model_free(two);
    gan_trainer_free(NULL);
    gan_generator_free(NULL);
    gan_discriminator_free(NULL);
    game_free(&game);
}

static void generators_sample_and_generate(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 6);
    assert_int_equal(gan_generator_latent_size(game.g), LATENT);
    assert_ptr_equal(gan_generator_model(game.g), game.g_model);
    assert_ptr_equal(gan_discriminator_model(game.d), game.d_model);
    assert_status(gan_model_set_training(game.g_model, 0), GAN_OK);
    gan_tensor *samples = NULL, *again = NULL, *z = NULL, *wrong = NULL;
    assert_status(gan_tensor_new(&samples, 2, (const int64_t[]){3, FEATURES}), GAN_OK);
    assert_status(gan_tensor_new(&again, 2, (const int64_t[]){3, FEATURES}), GAN_OK);
    assert_status(gan_tensor_new(&z, 2, (const int64_t[]){3, LATENT}), GAN_OK);
    /* sample() is generate() on latent vectors from the noise stream. */
    uint64_t position;
    assert_status(gan_rng_get_position(game.rng, GAN_RNG_NOISE, &position), GAN_OK);
    assert_status(gan_generator_sample(game.g, game.rng, samples), GAN_OK);
    assert_status(gan_rng_set_position(game.rng, GAN_RNG_NOISE, position), GAN_OK);
    assert_status(gan_rng_fill_normal(game.rng, GAN_RNG_NOISE, z, 0.0f, 1.0f), GAN_OK);
    assert_status(gan_generator_generate(game.g, z, again), GAN_OK);
    assert_memory_equal(gan_tensor_data(samples), gan_tensor_data(again), 3 * FEATURES * sizeof(float));
    for (int i = 0; i < 3 * FEATURES; i++)
        assert_true(fabsf(gan_tensor_data(samples)[i]) <= 1.0f); /* Tanh */
    assert_status(gan_tensor_new(&wrong, 2, (const int64_t[]){3, FEATURES + 2}), GAN_OK);
    assert_status(gan_generator_sample(game.g, game.rng, wrong), GAN_ERR_SHAPE);
    assert_error_mentions("the samples tensor is [3, 7]; the generator makes [3, 5]");
    assert_status(gan_generator_generate(game.g, wrong, samples), GAN_ERR_SHAPE);
    assert_status(gan_generator_sample(game.g, NULL, samples), GAN_ERR_INVALID_ARGUMENT);
    gan_generator *g = (gan_generator *)state;
    assert_status(gan_generator_new(&g, game.g_model, LATENT + 1, GAN_LATENT_NORMAL), GAN_ERR_STATE);
    assert_null(g);
    assert_status(gan_generator_new(&g, game.g_model, 0, GAN_LATENT_NORMAL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_generator_new(&g, game.g_model, LATENT, (gan_latent_distribution)2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_generator_new(&g, game.g_model, LATENT, GAN_LATENT_UNIFORM), GAN_OK);
    assert_status(gan_generator_sample(g, game.rng, samples), GAN_OK);
    gan_generator_free(g);
    gan_tensor_free(samples);
    gan_tensor_free(again);
    gan_tensor_free(z);
    gan_tensor_free(wrong);
    game_free(&game);
}

/* The same for a small DCGAN: Dense, Reshape, ConvTranspose2d, Conv2d, BatchNorm 1d and 2d,
 * Dropout; G z[8] -> [1, 8, 8] -> D. */
static void steady_state_convolutional_steps_allocate_nothing(void **state)
{
    (void)state;
    gan_model *g_model = NULL, *d_model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&g_model), GAN_OK);
    add(g_model, gan_layer_dense(&layer, 8, 4 * 4 * 4, 0), &layer);
    add(g_model, gan_layer_batchnorm1d(&layer, 4 * 4 * 4), &layer);
    add(g_model, gan_layer_leaky_relu(&layer, 0.3f), &layer);
    add(g_model, gan_layer_reshape(&layer, 3, (const int64_t[]){4, 4, 4}), &layer);
    add(g_model, gan_layer_conv_transpose2d(&layer, 4, 2, 5, 2, 2, 1, 0), &layer);
    add(g_model, gan_layer_batchnorm2d(&layer, 2), &layer);
    add(g_model, gan_layer_leaky_relu(&layer, 0.3f), &layer);
    add(g_model, gan_layer_conv_transpose2d(&layer, 2, 1, 5, 1, 2, 0, 0), &layer);
    add(g_model, gan_layer_tanh(&layer), &layer);
    assert_status(gan_model_new(&d_model), GAN_OK);
    add(d_model, gan_layer_conv2d(&layer, 1, 4, 5, 2, 2, 1), &layer);
    add(d_model, gan_layer_leaky_relu(&layer, 0.3f), &layer);
    add(d_model, gan_layer_dropout(&layer, 0.3f), &layer);
    add(d_model, gan_layer_conv2d(&layer, 4, 8, 5, 2, 2, 1), &layer);
    add(d_model, gan_layer_batchnorm2d(&layer, 8), &layer);
    add(d_model, gan_layer_leaky_relu(&layer, 0.3f), &layer);
    add(d_model, gan_layer_flatten(&layer), &layer);
    add(d_model, gan_layer_dense(&layer, 8 * 2 * 2, 1, 1), &layer);
    assert_status(gan_model_set_input_shape(d_model, 3, (const int64_t[]){1, 8, 8}), GAN_OK);

    gan_rng *rng = NULL;
    gan_generator *g = NULL;
    gan_discriminator *d = NULL;
    gan_optim *g_optim = NULL, *d_optim = NULL;
    gan_trainer *trainer = NULL;
    gan_tensor *real = NULL;
    assert_status(gan_rng_new(&rng, 11), GAN_OK);
    assert_status(gan_model_init_parameters(g_model, rng), GAN_OK);
    assert_status(gan_model_init_parameters(d_model, rng), GAN_OK);
    assert_status(gan_generator_new(&g, g_model, 8, GAN_LATENT_NORMAL), GAN_OK);
    assert_status(gan_discriminator_new(&d, d_model), GAN_OK);
    assert_status(gan_optim_new(&g_optim, GAN_OPTIM_ADAM, g_model), GAN_OK);
    assert_status(gan_optim_new(&d_optim, GAN_OPTIM_ADAM, d_model), GAN_OK);
    assert_status(gan_trainer_new(&trainer, g, d, g_optim, d_optim, GAN_OBJECTIVE_NON_SATURATING,
                                  rng), GAN_OK);
    assert_status(gan_tensor_new(&real, 4, (const int64_t[]){BATCH, 1, 8, 8}), GAN_OK);
    for (int i = 0; i < BATCH * 64; i++)
        gan_tensor_data(real)[i] = sinf(0.3f * (float)i);

    assert_status(gan_trainer_step(trainer, real), GAN_OK);
    long allocations = group_allocator.calls, live = group_allocator.live;
    for (int step = 0; step < 5; step++)
        assert_status(gan_trainer_step(trainer, real), GAN_OK);
    assert_int_equal(group_allocator.calls, allocations);
    assert_int_equal(group_allocator.live, live);

    gan_trainer_free(trainer);
    gan_optim_free(g_optim);
    gan_optim_free(d_optim);
    gan_generator_free(g);
    gan_discriminator_free(d);
    gan_model_free(g_model);
    gan_model_free(d_model);
    gan_rng_free(rng);
    gan_tensor_free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_step_is_the_documented_algorithm),
        cmocka_unit_test(same_seed_same_weights),
        cmocka_unit_test(successful_calls_leave_the_message_alone),
        cmocka_unit_test(a_non_finite_step_changes_nothing),
        cmocka_unit_test(a_step_after_adding_a_layer_still_undoes),
        cmocka_unit_test(a_failed_step_undoes_switched_optimizer_state),
        cmocka_unit_test(statistics_and_callbacks),
        cmocka_unit_test(wasserstein_with_clipping),
        cmocka_unit_test(the_ema_follows_the_generator),
        cmocka_unit_test(steady_state_steps_allocate_nothing),
        cmocka_unit_test(steady_state_convolutional_steps_allocate_nothing),
        cmocka_unit_test(every_objective_trains),
        cmocka_unit_test(options_are_checked),
        cmocka_unit_test(misuse_is_reported),
        cmocka_unit_test(generators_sample_and_generate),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
