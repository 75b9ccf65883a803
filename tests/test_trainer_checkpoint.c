/* Training checkpoints: bitwise resume, refusals that change nothing, hostile files. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "game_support.h"

static char directory[64];

static int make_directory(void **state)
{
    snprintf(directory, sizeof directory, "/tmp/libgan-checkpoint-XXXXXX");
    if (!mkdtemp(directory))
        return -1;
    return install_counting_allocator(state);
}

static int remove_directory(void **state)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0)
        return -1;
    return remove_counting_allocator(state);
}

static const char *path_of(const char *name)
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    return path;
}

/* The game of game_support.h with every option a checkpoint must carry switched on. */
static void busy_game(game_state *game)
{
    game_new(game, GAN_OBJECTIVE_NON_SATURATING, 77);
    assert_status(gan_trainer_set_int(game->trainer, GAN_TRAINER_N_CRITIC, 2), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_EMA_DECAY, 0.8f), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_LABEL_FLIP, 0.2f), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_LABEL_SMOOTHING, 0.1f), GAN_OK);
    assert_status(gan_optim_set_float(game->d_optim, GAN_OPTIM_MAX_GRAD_NORM, 1.0f), GAN_OK);
}

static float *capture_everything(game_state *game, size_t *count)
{
    size_t base;
    float *state = capture_state(game, false, &base);
    float *ema;
    size_t ema_count;
    assert_status(gan_ema_data(gan_trainer_ema(game->trainer), &ema, &ema_count), GAN_OK);
    state = realloc(state, (base + ema_count) * sizeof(float));
    memcpy(state + base, ema, ema_count * sizeof(float));
    *count = base + ema_count;
    return state;
}

static void resuming_is_bitwise_the_same_as_not_stopping(void **state)
{
    (void)state;
    game_state straight, before, after;
    busy_game(&straight);
    busy_game(&before);
    for (int step = 0; step < 7; step++)
        assert_status(gan_trainer_step(straight.trainer, straight.real), GAN_OK);
    for (int step = 0; step < 4; step++)
        assert_status(gan_trainer_step(before.trainer, before.real), GAN_OK);
    assert_status(gan_trainer_save(before.trainer, path_of("run.safetensors")), GAN_OK);

    /* A fresh trainer, built the same way but with default options, picks up the run. */
    game_new(&after, GAN_OBJECTIVE_NON_SATURATING, 77);
    assert_status(gan_trainer_load(after.trainer, path_of("run.safetensors")), GAN_OK);
    assert_int_equal(gan_trainer_step_count(after.trainer), 4);
    int64_t n_critic;
    assert_status(gan_trainer_get_int(after.trainer, GAN_TRAINER_N_CRITIC, &n_critic), GAN_OK);
    assert_int_equal(n_critic, 2);
    for (int step = 0; step < 3; step++)
        assert_status(gan_trainer_step(after.trainer, after.real), GAN_OK);

    size_t count_a, count_b;
    float *a = capture_everything(&straight, &count_a), *b = capture_everything(&after, &count_b);
    assert_int_equal(count_a, count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    for (int stream = 0; stream < 4; stream++) {
        uint64_t pa, pb;
        gan_rng_get_position(straight.rng, (gan_rng_stream)stream, &pa);
        gan_rng_get_position(after.rng, (gan_rng_stream)stream, &pb);
        assert_true(pa == pb);
    }
    assert_int_equal(gan_optim_step_count(straight.d_optim), gan_optim_step_count(after.d_optim));
    free(a);
    free(b);
    game_free(&straight);
    game_free(&before);
    game_free(&after);
}

/* Every objective's checkpoint loads back; the ones without labels carry no label options
 * (a regression: loading an LSGAN, WGAN or hinge checkpoint used to fail). */
static void every_objective_resumes(void **state)
{
    (void)state;
    const gan_objective objectives[] = {GAN_OBJECTIVE_MINIMAX, GAN_OBJECTIVE_NON_SATURATING,
                                        GAN_OBJECTIVE_WASSERSTEIN, GAN_OBJECTIVE_LEAST_SQUARES,
                                        GAN_OBJECTIVE_HINGE};
    for (size_t i = 0; i < sizeof objectives / sizeof objectives[0]; i++) {
        game_state before, after;
        game_new(&before, objectives[i], 5);
        game_new(&after, objectives[i], 5);
        assert_status(gan_trainer_step(before.trainer, before.real), GAN_OK);
        assert_status(gan_trainer_save(before.trainer, path_of("objective.safetensors")), GAN_OK);
        assert_status(gan_trainer_load(after.trainer, path_of("objective.safetensors")), GAN_OK);
        assert_int_equal(gan_trainer_step_count(after.trainer), 1);
        game_free(&before);
        game_free(&after);
    }
}

/* A trainer that does not match the file is refused, and left exactly as it was. */
static void mismatches_are_refused_without_change(void **state)
{
    (void)state;
    game_state saved;
    busy_game(&saved);
    assert_status(gan_trainer_step(saved.trainer, saved.real), GAN_OK);
    assert_status(gan_trainer_save(saved.trainer, path_of("saved.safetensors")), GAN_OK);

    game_state other;
    game_new(&other, GAN_OBJECTIVE_HINGE, 77);
    size_t count;
    float *before = capture_state(&other, false, &count);
    assert_status(gan_trainer_load(other.trainer, path_of("saved.safetensors")), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("objective");
    float *after = capture_state(&other, false, &count);
    assert_memory_equal(before, after, count * sizeof(float));
    free(before);
    free(after);
    game_free(&other);

    game_new(&other, GAN_OBJECTIVE_NON_SATURATING, 78);
    before = capture_state(&other, false, &count);
    assert_status(gan_trainer_load(other.trainer, path_of("saved.safetensors")), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("seed 77");
    after = capture_state(&other, false, &count);
    assert_memory_equal(before, after, count * sizeof(float));
    assert_int_equal(gan_trainer_step_count(other.trainer), 0);
    game_free(&other);

    /* Another architecture: a discriminator with one more layer. */
    game_new(&other, GAN_OBJECTIVE_NON_SATURATING, 77);
    gan_layer *extra = NULL;
    assert_status(gan_layer_relu(&extra), GAN_OK);
    assert_status(gan_model_add(other.d_model, extra), GAN_OK);
    assert_status(gan_layer_dense(&extra, 1, 1, 1), GAN_OK);
    assert_status(gan_model_add(other.d_model, extra), GAN_OK);
    gan_status status = gan_trainer_load(other.trainer, path_of("saved.safetensors"));
    assert_true(status == GAN_ERR_NOT_FOUND || status == GAN_ERR_SHAPE);
    free(before);
    free(after);
    game_free(&other);
    game_free(&saved);
}

static void damaged_and_missing_files_are_errors(void **state)
{
    (void)state;
    game_state game;
    busy_game(&game);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_status(gan_trainer_save(game.trainer, path_of("good.safetensors")), GAN_OK);

    /* Flip one bit in the middle of the data: the checksum catches it. */
    FILE *file = fopen(path_of("good.safetensors"), "r+b");
    assert_non_null(file);
    assert_int_equal(fseek(file, -200, SEEK_END), 0);
    int byte = fgetc(file);
    assert_int_equal(fseek(file, -200, SEEK_END), 0);
    fputc(byte ^ 0x10, file);
    fclose(file);
    size_t count;
    float *before = capture_state(&game, false, &count);
    assert_status(gan_trainer_load(game.trainer, path_of("good.safetensors")), GAN_ERR_FORMAT);
    assert_error_mentions("checksum");
    float *after = capture_state(&game, false, &count);
    assert_memory_equal(before, after, count * sizeof(float));

    assert_status(gan_trainer_load(game.trainer, path_of("missing.safetensors")), GAN_ERR_IO);
    assert_status(gan_trainer_save(game.trainer, path_of("no/such/folder.safetensors")), GAN_ERR_IO);

    /* A model file is not a training checkpoint. */
    assert_status(gan_model_save(game.g_model, path_of("model.safetensors")), GAN_OK);
    assert_status(gan_trainer_load(game.trainer, path_of("model.safetensors")), GAN_ERR_FORMAT);
    assert_error_mentions("not a training checkpoint");
    assert_status(gan_trainer_save(NULL, "x"), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_save(game.trainer, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_load(NULL, "x"), GAN_ERR_INVALID_ARGUMENT);
    free(before);
    free(after);
    game_free(&game);
}

/* A tiny IDX image file: `count` images of 1 x FEATURES bytes. */
static void write_idx(const char *path, int count)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    const unsigned char header[16] = {0, 0, 8, 3, 0, 0, 0, (unsigned char)count, 0, 0, 0, 1,
                                      0, 0, 0, FEATURES};
    fwrite(header, 1, sizeof header, file);
    for (int i = 0; i < count * FEATURES; i++)
        fputc((i * 37) % 256, file);
    fclose(file);
}

/* Runs `steps` steps on batches from the data set (reshaped from [B, 1, 1, F] to [B, F]). */
static void train_on(game_state *game, gan_dataset *dataset, int steps)
{
    gan_tensor *batch = NULL;
    assert_status(gan_tensor_new(&batch, 4, (const int64_t[]){BATCH, 1, 1, FEATURES}), GAN_OK);
    for (int step = 0; step < steps; step++) {
        int64_t count;
        assert_status(gan_tensor_reshape(batch, 4, (const int64_t[]){BATCH, 1, 1, FEATURES}), GAN_OK);
        assert_status(gan_dataset_next_batch(dataset, game->rng, batch, NULL, &count), GAN_OK);
        assert_int_equal(count, BATCH);
        assert_status(gan_tensor_reshape(batch, 2, (const int64_t[]){BATCH, FEATURES}), GAN_OK);
        assert_status(gan_trainer_step(game->trainer, batch), GAN_OK);
    }
    gan_tensor_free(batch);
}

/* The data set's position travels in the checkpoint: resuming mid-epoch gives the same
 * batches, so the same weights, as not stopping. */
static void the_data_position_is_resumed(void **state)
{
    (void)state;
    write_idx(path_of("images.idx"), 20); /* 2 batches of 8 per epoch, drop_last */
    gan_dataset *data[3] = {NULL, NULL, NULL};
    game_state straight, before, after;
    game_state *games[3] = {&straight, &before, &after};
    for (int i = 0; i < 3; i++) {
        game_new(games[i], GAN_OBJECTIVE_NON_SATURATING, 31);
        assert_status(gan_dataset_load_idx(&data[i], path_of("images.idx"), NULL, GAN_PIXELS_SYMMETRIC), GAN_OK);
        assert_status(gan_dataset_set_int(data[i], GAN_DATASET_DROP_LAST, 1), GAN_OK);
        assert_status(gan_trainer_set_dataset(games[i]->trainer, data[i]), GAN_OK);
    }
    train_on(&straight, data[0], 5);
    train_on(&before, data[1], 3); /* stops in the middle of the second epoch */
    assert_status(gan_trainer_save(before.trainer, path_of("data.safetensors")), GAN_OK);
    assert_status(gan_trainer_load(after.trainer, path_of("data.safetensors")), GAN_OK);
    int64_t epoch, index;
    assert_status(gan_dataset_position(data[2], &epoch, &index), GAN_OK);
    assert_int_equal(epoch, 1);
    assert_int_equal(index, 8);
    train_on(&after, data[2], 2);
    size_t count_a, count_b;
    float *a = capture_state(&straight, false, &count_a), *b = capture_state(&after, false, &count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    free(a);
    free(b);
    for (int i = 0; i < 3; i++) {
        game_free(games[i]);
        gan_dataset_free(data[i]);
    }
}

/* Fail each allocation of saving and of loading in turn: a clean error, nothing leaked,
 * the old file intact, the trainer unchanged. */
static void every_failed_allocation_is_survived(void **state)
{
    (void)state;
    game_state game;
    busy_game(&game);
    assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    assert_status(gan_trainer_save(game.trainer, path_of("base.safetensors")), GAN_OK);
    long baseline = group_allocator.live;
    for (long k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_status status = gan_trainer_save(game.trainer, path_of("base.safetensors"));
        group_allocator.fail_at = 0;
        assert_int_equal(group_allocator.live, baseline);
        if (status == GAN_OK)
            break;
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        assert_status(gan_trainer_load(game.trainer, path_of("base.safetensors")), GAN_OK);
    }
    size_t count;
    float *before = capture_state(&game, false, &count);
    for (long k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_status status = gan_trainer_load(game.trainer, path_of("base.safetensors"));
        group_allocator.fail_at = 0;
        assert_int_equal(group_allocator.live, baseline);
        if (status == GAN_OK)
            break;
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        float *after = capture_state(&game, false, &count);
        assert_memory_equal(before, after, count * sizeof(float));
        free(after);
    }
    free(before);
    game_free(&game);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resuming_is_bitwise_the_same_as_not_stopping),
        cmocka_unit_test(every_objective_resumes),
        cmocka_unit_test(mismatches_are_refused_without_change),
        cmocka_unit_test(damaged_and_missing_files_are_errors),
        cmocka_unit_test(the_data_position_is_resumed),
        cmocka_unit_test(every_failed_allocation_is_survived),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
