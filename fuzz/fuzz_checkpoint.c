/*
 * Fuzz target: training checkpoints (gan_trainer_load, libgan/gan/trainer_checkpoint.c, on
 * the safetensors reader). The input is the file. It is loaded into each fixed trainer of
 * fuzz_fixtures.h (the committed valid seeds were saved by them); when the input carries
 * libgan's checksum, again with the checksum recomputed, so mutations reach the checks
 * behind it.
 *
 * Checks: a failure is a known status with a message and leaves the whole training state
 * bitwise as it was (the promise of gan_trainer_load). After a success, saving and loading
 * into a fresh trainer gives the same state, and a step either works or is refused as
 * non-finite with nothing changed.
 */
#include <stdlib.h>
#include <string.h>

#include "data/dataset_impl.h"
#include "fuzz_fixtures.h"
#include "fuzz_support.h"
#include "optim/optim_impl.h"

/* ---- the whole training state as bytes ----------------------------------------------------- */

typedef struct blob {
    unsigned char *bytes;
    size_t size, capacity;
} blob;

static void put(blob *b, const void *bytes, size_t count)
{
    if (b->size + count > b->capacity) {
        b->capacity = 2 * (b->size + count);
        b->bytes = realloc(b->bytes, b->capacity);
        fuzz_require(b->bytes != NULL, "realloc");
    }
    if (count)
        memcpy(b->bytes + b->size, bytes, count);
    b->size += count;
}

static void put_model(blob *b, gan_model *model)
{
    size_t count;
    float *values = fuzz_model_snapshot(model, &count);
    put(b, values, count * sizeof(float));
    free(values);
}

static void put_optim(blob *b, gan_optim *optim)
{
    put(b, optim->value, sizeof optim->value);
    put(b, optim->flag, sizeof optim->flag);
    put(b, &optim->steps, sizeof optim->steps);
    put(b, optim->state, (size_t)optim->slots * optim->count * sizeof(float));
}

static void put_options(blob *b, const gan_trainer *trainer)
{
    static const gan_trainer_option floats[] = {GAN_TRAINER_WEIGHT_CLIP, GAN_TRAINER_EMA_DECAY,
                                                GAN_TRAINER_LABEL_SMOOTHING, GAN_TRAINER_LABEL_FLIP};
    int64_t steps = gan_trainer_step_count(trainer), n_critic = 0;
    fuzz_require(gan_trainer_get_int(trainer, GAN_TRAINER_N_CRITIC, &n_critic) == GAN_OK,
                 "gan_trainer_get_int");
    put(b, &steps, sizeof steps);
    put(b, &n_critic, sizeof n_critic);
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        float value = 0.0f;
        gan_status status = gan_trainer_get_float(trainer, floats[i], &value);
        /* The objectives without labels have no label options to read. */
        fuzz_require(status == GAN_OK || i >= 2, "gan_trainer_get_float");
        put(b, &value, sizeof value);
    }
}

static void put_rng_and_dataset(blob *b, const fixture_game *game)
{
    for (int stream = 0; stream < 4; stream++) {
        uint64_t position = 0;
        gan_rng_get_position(game->rng, (gan_rng_stream)stream, &position);
        put(b, &position, sizeof position);
    }
    if (game->dataset) {
        gan_dataset_state state;
        gan__dataset_get_state(game->dataset, &state);
        put(b, &state.epoch, sizeof state.epoch);
        put(b, &state.index, sizeof state.index);
        put(b, &state.shuffle_position, sizeof state.shuffle_position);
        put(b, &state.count, sizeof state.count);
    }
}

/* Everything gan_trainer_save writes (and gan_trainer_load may change). */
static blob training_state(const fixture_game *game)
{
    blob b = {0};
    put_model(&b, game->g_model);
    put_model(&b, game->d_model);
    put_optim(&b, game->g_optim);
    put_optim(&b, game->d_optim);
    put_options(&b, game->trainer);
    gan_ema *ema = gan_trainer_ema(game->trainer);
    if (ema) {
        float *average;
        size_t count;
        fuzz_require(gan_ema_data(ema, &average, &count) == GAN_OK, "gan_ema_data");
        put(&b, average, count * sizeof(float));
    }
    put_rng_and_dataset(&b, game);
    return b;
}

static void require_state(const fixture_game *game, const blob *expected, const char *what)
{
    blob now = training_state(game);
    bool same = now.size == expected->size && memcmp(now.bytes, expected->bytes, now.size) == 0;
    free(now.bytes);
    fuzz_require(same, "%s", what);
}

/* ---- loading ----------------------------------------------------------------------------- */

/* A trainer that loaded: a save and a load into a fresh one give the same state, and a step
 * works or is refused as non-finite without a change. */
static void check_loaded(fixture_game *game, int which)
{
    blob loaded = training_state(game);
    const char *path = fuzz_temp_path("round-trip.safetensors");
    fuzz_require(gan_trainer_save(game->trainer, path) == GAN_OK, "gan_trainer_save after a load");
    fixture_game fresh;
    fixture_game_new(&fresh, which);
    fuzz_require(gan_trainer_load(fresh.trainer, path) == GAN_OK, "loading a saved copy");
    require_state(&fresh, &loaded, "a save and load into a fresh trainer changed the state");
    fixture_game_free(&fresh);

    gan_status status = gan_trainer_step(game->trainer, game->real);
    fuzz_require(status == GAN_OK || status == GAN_ERR_NUMERIC,
                 "a step after a successful load returned %s", gan_status_string(status));
    if (status == GAN_ERR_NUMERIC)
        require_state(game, &loaded, "a step refused as non-finite changed the state");
    free(loaded.bytes);
}

static void load_into(const char *path, int which)
{
    fixture_game game;
    fixture_game_new(&game, which);
    blob before = training_state(&game);
    fuzz_clear_error();
    gan_status status = gan_trainer_load(game.trainer, path);
    if (status != GAN_OK) {
        fuzz_check_failure(status, "gan_trainer_load");
        require_state(&game, &before, "a failed gan_trainer_load changed the training state");
    } else {
        check_loaded(&game, which);
    }
    free(before.bytes);
    fixture_game_free(&game);
}

static void load_everywhere(const char *path)
{
    for (int which = 0; which < FIXTURE_GAME_COUNT; which++)
        load_into(path, which);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_safetensors_input(data, size, load_everywhere);
    return 0;
}
