/*
 * The fixed objects the fuzz targets load files into, shared with the seed maker
 * (fuzz/make_seeds.c) so that the committed valid seeds fit them exactly: small models
 * that together hold every layer kind, and small trainers that together use every
 * optimizer rule, three objectives, the EMA and a data set's position. Everything is built
 * from fixed seeds, so two builds of a fixture are bitwise the same.
 *
 * A library failure while building one is a broken harness: fuzz_require aborts.
 */
#ifndef GAN_FUZZ_FIXTURES_H
#define GAN_FUZZ_FIXTURES_H

#include "gan.h"

enum { FIXTURE_MODEL_COUNT = 4, FIXTURE_GAME_COUNT = 3 };

/* Model `which` (0 .. FIXTURE_MODEL_COUNT - 1) with initialised parameters; its name
 * ("linear", "linear-batchnorm", "conv", "embedding") for file names. */
gan_model *fixture_model(int which);
const char *fixture_model_name(int which);

/* A trainer and everything it borrows. */
typedef struct fixture_game {
    gan_model *g_model, *d_model;
    gan_generator *generator;
    gan_discriminator *discriminator;
    gan_optim *g_optim, *d_optim;
    gan_rng *rng;
    gan_dataset *dataset; /* attached to the trainer, or NULL */
    gan_trainer *trainer;
    gan_tensor *real;     /* a batch of real samples for gan_trainer_step */
} fixture_game;

/* Game `which` (0 .. FIXTURE_GAME_COUNT - 1), before its first step; its name
 * ("adam-nonsaturating-dataset", ...) for file names. */
void fixture_game_new(fixture_game *game, int which);
void fixture_game_free(fixture_game *game);
const char *fixture_game_name(int which);

#endif /* GAN_FUZZ_FIXTURES_H */
