/*
 * The trainer's workflow options: instance noise and its annealing, the diversity statistic
 * and its alarm, early stopping's record and the coverage alarm, and several
 * discriminators (GMAN). Resuming all of them bitwise is in test_trainer_checkpoint.c.
 */
#include <math.h>

#include "game_support.h"

/* ---- instance noise ---------------------------------------------------------------------- */

static uint64_t noise_position(const game_state *game)
{
    uint64_t position = 0;
    assert_status(gan_rng_get_position(game->rng, GAN_RNG_INSTANCE_NOISE, &position), GAN_OK);
    return position;
}

/* Noise is drawn from its own stream during the annealing steps and not after; it changes
 * the training; the other streams advance as they would without it. */
static void instance_noise_anneals_to_nothing(void **state)
{
    (void)state;
    game_state noisy, quiet;
    game_new(&noisy, GAN_OBJECTIVE_NON_SATURATING, 11);
    game_new(&quiet, GAN_OBJECTIVE_NON_SATURATING, 11);
    assert_status(gan_trainer_set_float(noisy.trainer, GAN_TRAINER_INSTANCE_NOISE, 0.5f), GAN_OK);
    assert_status(gan_trainer_set_int(noisy.trainer, GAN_TRAINER_INSTANCE_NOISE_STEPS, 3), GAN_OK);
    float sigma;
    int64_t steps;
    assert_status(gan_trainer_get_float(noisy.trainer, GAN_TRAINER_INSTANCE_NOISE, &sigma), GAN_OK);
    assert_true(sigma == 0.5f);
    assert_status(gan_trainer_get_int(noisy.trainer, GAN_TRAINER_INSTANCE_NOISE_STEPS, &steps),
                  GAN_OK);
    assert_int_equal(steps, 3);

    uint64_t previous = noise_position(&noisy);
    assert_true(previous == 0);
    for (int step = 1; step <= 5; step++) {
        assert_status(gan_trainer_step(noisy.trainer, noisy.real), GAN_OK);
        assert_status(gan_trainer_step(quiet.trainer, quiet.real), GAN_OK);
        uint64_t now = noise_position(&noisy);
        /* Steps 1-3 run at sigma 0.5, 0.5 * 2/3, 0.5 * 1/3; steps 4 and 5 at 0. */
        if (step <= 3)
            assert_true(now > previous);
        else
            assert_true(now == previous);
        previous = now;
        assert_true(noise_position(&quiet) == 0);
        for (int stream = GAN_RNG_INIT; stream <= GAN_RNG_SHUFFLE; stream++) {
            uint64_t a, b;
            gan_rng_get_position(noisy.rng, (gan_rng_stream)stream, &a);
            gan_rng_get_position(quiet.rng, (gan_rng_stream)stream, &b);
            assert_true(a == b);
        }
    }
    size_t count;
    float *a = capture_state(&noisy, false, &count), *b = capture_state(&quiet, false, &count);
    assert_false(memcmp(a, b, count * sizeof(float)) == 0);
    free(a);
    free(b);
    game_free(&noisy);
    game_free(&quiet);
}

/* ---- diversity --------------------------------------------------------------------------- */

/* The mean pairwise distance of the first min(n, 32) rows, in double. */
static double spread(const float *x, int64_t n, int64_t features)
{
    n = n < 32 ? n : 32;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double squared = 0.0;
            for (int64_t f = 0; f < features; f++) {
                double d = (double)x[i * features + f] - (double)x[j * features + f];
                squared += d * d;
            }
            sum += sqrt(squared);
        }
    return sum / (double)(n * (n - 1) / 2);
}

/* G's samples of the step's last critic iteration: its last forward pass. */
static const float *last_fake(game_state *game)
{
    const gan_tensor *output = NULL;
    int last = gan_model_layer_count(game->g_model) - 1;
    assert_status(gan_model_layer_output(game->g_model, last, &output), GAN_OK);
    return gan_tensor_data_const(output);
}

static void diversity_is_the_ratio_of_spreads(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 12);
    assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_DIVERSITY_ALARM, 0.05f), GAN_OK);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    float diversity, alarm;
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_DIVERSITY, &diversity), GAN_OK);
    assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_DIVERSITY_ALARM, &alarm), GAN_OK);
    double want = spread(last_fake(&game), BATCH, FEATURES) /
                  spread(gan_tensor_data(game.real), BATCH, FEATURES);
    assert_true(fabs(diversity - want) <= 1e-4 * want);
    assert_true(alarm == (diversity < 0.05f ? 1.0f : 0.0f));
    game_free(&game);
}

/* A generator collapsed to one output raises the alarm; one whose samples are distributed
 * like the real batch does not. */
static void the_alarm_catches_a_collapsed_generator(void **state)
{
    (void)state;
    for (int collapsed = 0; collapsed <= 1; collapsed++) {
        game_state game;
        game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 13);
        assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_DIVERSITY_ALARM, 0.5f),
                      GAN_OK);
        float *params;
        size_t count;
        assert_status(gan_model_parameter_arrays(game.g_model, &params, NULL, &count), GAN_OK);
        /* G's last Dense ("3.weight" [5, 12], "3.bias" [5]) at the end of the array. */
        if (collapsed) /* a zero weight: every sample is tanh(bias) */
            memset(params + count - 65, 0, 60 * sizeof(float));
        /* The real batch: samples like G's own at initialisation (real data for this G). */
        gan_tensor *latent = NULL;
        assert_status(gan_tensor_new(&latent, 2, (const int64_t[]){BATCH, LATENT}), GAN_OK);
        gan_rng *other = NULL;
        assert_status(gan_rng_new(&other, 99), GAN_OK);
        assert_status(gan_rng_fill_normal(other, GAN_RNG_NOISE, latent, 0.0f, 1.0f), GAN_OK);
        float saved[65];
        memcpy(saved, params + count - 65, sizeof saved);
        if (collapsed) /* real samples from the healthy G */
            for (int i = 0; i < 60; i++)
                params[count - 65 + i] = 0.3f * sinf((float)i);
        assert_status(gan_generator_generate(game.g, latent, game.real), GAN_OK);
        memcpy(params + count - 65, saved, sizeof saved);
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
        float diversity, alarm;
        assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_DIVERSITY, &diversity), GAN_OK);
        assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_DIVERSITY_ALARM, &alarm), GAN_OK);
        if (collapsed) {
            assert_true(diversity < 0.01f);
            assert_true(alarm == 1.0f);
        } else {
            assert_true(diversity > 0.7f);
            assert_true(alarm == 0.0f);
        }
        gan_rng_free(other);
        gan_tensor_free(latent);
        game_free(&game);
    }
}

/* ---- early stopping ---------------------------------------------------------------------- */

static void early_stopping_counts_evaluations_without_improvement(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 14);
    gan_trainer *t = game.trainer;
    assert_status(gan_trainer_set_int(t, GAN_TRAINER_PATIENCE, 2), GAN_OK);
    assert_status(gan_trainer_set_float(t, GAN_TRAINER_MIN_IMPROVEMENT, 0.5f), GAN_OK);
    assert_status(gan_trainer_set_float(t, GAN_TRAINER_COVERAGE_ALARM, 0.8f), GAN_OK);
    static const struct {
        double metric, coverage;
        unsigned verdict;
        int64_t since_best;
    } script[] = {
        {10.0, 1.0, GAN_EVALUATION_IMPROVED, 0},
        {9.8, 0.9, 0, 1},                       /* better, but not by more than 0.5 */
        {9.0, -1.0, GAN_EVALUATION_IMPROVED, 0}, /* no coverage measured */
        {9.2, 0.7, GAN_EVALUATION_COVERAGE_ALARM, 1},
        {8.6, 0.8, GAN_EVALUATION_STOP, 2},      /* 0.4 below the best: patience runs out;
                                                    0.8 is not below the alarm at 0.8 */
    };
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        assert_status(gan_trainer_step(t, game.real), GAN_OK);
        unsigned verdict = 99;
        assert_status(gan_trainer_record_evaluation(t, script[i].metric, script[i].coverage,
                                                    &verdict), GAN_OK);
        assert_int_equal(verdict, script[i].verdict);
        double best;
        int64_t best_step, since_best;
        assert_status(gan_trainer_best_evaluation(t, &best, &best_step, &since_best), GAN_OK);
        assert_int_equal(since_best, script[i].since_best);
        assert_true(best == (i < 2 ? 10.0 : 9.0));
        assert_int_equal(best_step, i < 2 ? 1 : 3);
    }
    /* Without patience there is no verdict to stop. */
    assert_status(gan_trainer_set_int(t, GAN_TRAINER_PATIENCE, 0), GAN_OK);
    unsigned verdict = 99;
    assert_status(gan_trainer_record_evaluation(t, 50.0, -1.0, &verdict), GAN_OK);
    assert_int_equal(verdict, 0);
    game_free(&game);
}

/* ---- several discriminators ------------------------------------------------------------- */

/* G's loss of one discriminator on the step's fake batch, recomputed after the step. */
static double generator_loss_of(gan_model *d, const gan_tensor *fake)
{
    gan_loss *loss = NULL;
    gan_tensor *grad = NULL;
    const gan_tensor *logits = NULL;
    float value;
    assert_status(gan_loss_new(&loss, GAN_OBJECTIVE_NON_SATURATING), GAN_OK);
    assert_status(gan_tensor_new(&grad, 2, (const int64_t[]){BATCH, 1}), GAN_OK);
    assert_status(gan_model_forward(d, fake, &logits), GAN_OK);
    assert_status(gan_loss_generator(loss, logits, &value, grad), GAN_OK);
    gan_tensor_free(grad);
    gan_loss_free(loss);
    return value;
}

/* Both discriminators train; G's loss is their mean, or GMAN's softmax-weighted sum. */
static void several_discriminators_share_the_game(void **state)
{
    (void)state;
    const float lambdas[] = {0.0f, 3.0f};
    for (size_t l = 0; l < 2; l++) {
        game_state game;
        second_player second;
        game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 15);
        second_player_new(&second, &game);
        assert_int_equal(gan_trainer_discriminator_count(game.trainer), 2);
        assert_status(gan_trainer_set_float(game.trainer, GAN_TRAINER_GMAN_LAMBDA, lambdas[l]),
                      GAN_OK);
        float *p2;
        size_t count2;
        assert_status(gan_model_parameter_arrays(second.model, &p2, NULL, &count2), GAN_OK);
        float *before = malloc(count2 * sizeof(float));
        memcpy(before, p2, count2 * sizeof(float));
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
        assert_false(memcmp(before, p2, count2 * sizeof(float)) == 0); /* D2 was trained */
        assert_int_equal(gan_optim_step_count(second.optim), 1);

        /* The D's in training mode see the fake batch as G's update did (batch statistics). */
        gan_tensor *fake = NULL;
        assert_status(gan_tensor_new(&fake, 2, (const int64_t[]){BATCH, FEATURES}), GAN_OK);
        assert_status(gan_tensor_copy_from(fake, last_fake(&game), BATCH * FEATURES), GAN_OK);
        double l1 = generator_loss_of(game.d_model, fake), l2 = generator_loss_of(second.model, fake);
        double w1 = 0.5, w2 = 0.5;
        if (lambdas[l] > 0.0f) {
            double e1 = exp(lambdas[l] * l1), e2 = exp(lambdas[l] * l2);
            w1 = e1 / (e1 + e2);
            w2 = e2 / (e1 + e2);
        }
        float g_loss;
        assert_status(gan_trainer_get_stat(game.trainer, GAN_STAT_G_LOSS, &g_loss), GAN_OK);
        assert_true(fabs(g_loss - (w1 * l1 + w2 * l2)) <= 1e-5 * fabs(w1 * l1 + w2 * l2));
        free(before);
        gan_tensor_free(fake);
        game_free(&game);
        second_player_free(&second);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instance_noise_anneals_to_nothing),
        cmocka_unit_test(diversity_is_the_ratio_of_spreads),
        cmocka_unit_test(the_alarm_catches_a_collapsed_generator),
        cmocka_unit_test(early_stopping_counts_evaluations_without_improvement),
        cmocka_unit_test(several_discriminators_share_the_game),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
