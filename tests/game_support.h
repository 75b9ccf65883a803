/*
 * Shared by the trainer tests: a small GAN (MLP generator and discriminator with BatchNorm,
 * Adam for both) and a capture of its whole training state for bitwise comparisons.
 */
#ifndef GAN_TEST_GAME_SUPPORT_H
#define GAN_TEST_GAME_SUPPORT_H

#include <stdbool.h>

#include "gradcheck.h"

enum { LATENT = 6, FEATURES = 5, BATCH = 8 };

/* A small GAN: G 6 -> 12 -> BN -> LeakyReLU -> 5 -> Tanh; D 5 -> 10 -> BN -> LeakyReLU -> 1. */
typedef struct game_state {
    gan_model *g_model, *d_model;
    gan_generator *g;
    gan_discriminator *d;
    gan_optim *g_optim, *d_optim;
    gan_rng *rng;
    gan_trainer *trainer;
    gan_tensor *real;
} game_state;

/* `layer` is read after the constructor ran: the call's arguments are evaluated in any order. */
static inline void add(gan_model *model, gan_status status, gan_layer **layer)
{
    assert_status(status, GAN_OK);
    assert_status(gan_model_add(model, *layer), GAN_OK);
}

static inline gan_model *mlp(int64_t in, int64_t hidden, int64_t out, int tanh_out)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    add(model, gan_layer_dense(&layer, in, hidden, 1), &layer);
    add(model, gan_layer_batchnorm1d(&layer, hidden), &layer);
    add(model, gan_layer_leaky_relu(&layer, 0.2f), &layer);
    add(model, gan_layer_dense(&layer, hidden, out, 1), &layer);
    if (tanh_out)
        add(model, gan_layer_tanh(&layer), &layer);
    return model;
}

static inline void game_new(game_state *game, gan_objective objective, uint64_t seed)
{
    memset(game, 0, sizeof *game);
    game->g_model = mlp(LATENT, 12, FEATURES, 1);
    game->d_model = mlp(FEATURES, 10, 1, 0);
    assert_status(gan_rng_new(&game->rng, seed), GAN_OK);
    assert_status(gan_model_init_parameters(game->g_model, game->rng), GAN_OK);
    assert_status(gan_model_init_parameters(game->d_model, game->rng), GAN_OK);
    assert_status(gan_generator_new(&game->g, game->g_model, LATENT, GAN_LATENT_NORMAL), GAN_OK);
    assert_status(gan_discriminator_new(&game->d, game->d_model), GAN_OK);
    assert_status(gan_optim_new(&game->g_optim, GAN_OPTIM_ADAM, game->g_model), GAN_OK);
    assert_status(gan_optim_new(&game->d_optim, GAN_OPTIM_ADAM, game->d_model), GAN_OK);
    assert_status(gan_optim_set_float(game->g_optim, GAN_OPTIM_LR, 2e-3f), GAN_OK);
    assert_status(gan_optim_set_float(game->d_optim, GAN_OPTIM_LR, 1e-3f), GAN_OK);
    assert_status(gan_optim_set_float(game->g_optim, GAN_OPTIM_BETA1, 0.5f), GAN_OK);
    assert_status(gan_optim_set_float(game->d_optim, GAN_OPTIM_BETA1, 0.5f), GAN_OK);
    assert_status(gan_trainer_new(&game->trainer, game->g, game->d, game->g_optim, game->d_optim,
                                  objective, game->rng), GAN_OK);
    assert_status(gan_tensor_new(&game->real, 2, (const int64_t[]){BATCH, FEATURES}), GAN_OK);
    for (int i = 0; i < BATCH * FEATURES; i++)
        gan_tensor_data(game->real)[i] = 0.5f * sinf(0.7f * (float)i) + 0.1f;
}

static inline void game_free(game_state *game)
{
    gan_trainer_free(game->trainer);
    gan_optim_free(game->g_optim);
    gan_optim_free(game->d_optim);
    gan_generator_free(game->g);
    gan_discriminator_free(game->d);
    gan_model_free(game->g_model);
    gan_model_free(game->d_model);
    gan_rng_free(game->rng);
    gan_tensor_free(game->real);
}

/* Another discriminator for a game (D2: 5 -> 7 -> BN -> LeakyReLU -> 1), with its Adam. */
typedef struct second_player {
    gan_model *model;
    gan_discriminator *d;
    gan_optim *optim;
} second_player;

static inline void second_player_new(second_player *p, game_state *game)
{
    p->model = mlp(FEATURES, 7, 1, 0);
    assert_status(gan_model_init_parameters(p->model, game->rng), GAN_OK);
    assert_status(gan_discriminator_new(&p->d, p->model), GAN_OK);
    assert_status(gan_optim_new(&p->optim, GAN_OPTIM_ADAM, p->model), GAN_OK);
    assert_status(gan_trainer_add_discriminator(game->trainer, p->d, p->optim), GAN_OK);
}

static inline void second_player_free(second_player *p)
{
    gan_optim_free(p->optim);
    gan_discriminator_free(p->d);
    gan_model_free(p->model);
}

/* Every float the training state holds: parameters, buffers, optimizer state, and the
 * gradients if asked (scratch, which a failed step does not restore). */
static inline size_t state_floats(gan_model *model, gan_optim *optim, bool with_grads, float *out)
{
    size_t at = 0, count;
    float *values, *grads;
    gan_model_parameter_arrays(model, &values, &grads, &count);
    if (out)
        memcpy(out + at, values, count * sizeof(float));
    at += count;
    if (with_grads) {
        if (out)
            memcpy(out + at, grads, count * sizeof(float));
        at += count;
    }
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        gan_model_named_buffer(model, i, NULL, &buffer);
        if (out)
            memcpy(out + at, gan_tensor_data(buffer), (size_t)gan_tensor_numel(buffer) * sizeof(float));
        at += (size_t)gan_tensor_numel(buffer);
    }
    for (int i = 0; i < gan_optim_state_count(optim); i++) {
        float *data;
        gan_optim_state(optim, i, NULL, &data, &count);
        if (out)
            memcpy(out + at, data, count * sizeof(float));
        at += count;
    }
    return at;
}

static inline float *capture_state(game_state *game, bool with_grads, size_t *count)
{
    size_t g = state_floats(game->g_model, game->g_optim, with_grads, NULL);
    size_t d = state_floats(game->d_model, game->d_optim, with_grads, NULL);
    float *out = malloc((g + d) * sizeof(float));
    state_floats(game->g_model, game->g_optim, with_grads, out);
    state_floats(game->d_model, game->d_optim, with_grads, out + g);
    *count = g + d;
    return out;
}

#endif /* GAN_TEST_GAME_SUPPORT_H */
