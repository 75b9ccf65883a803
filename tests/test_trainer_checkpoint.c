/* Training checkpoints: bitwise resume, refusals that change nothing, hostile files. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "game_support.h"
#include "safetensors_test_support.h"

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
    /* Schedules whose learning rate changes at every step of the run. */
    assert_status(gan_optim_set_int(game->g_optim, GAN_OPTIM_WARMUP_STEPS, 2), GAN_OK);
    assert_status(gan_optim_set_int(game->g_optim, GAN_OPTIM_SCHEDULE_STEPS, 4), GAN_OK);
    assert_status(gan_optim_set_int(game->g_optim, GAN_OPTIM_SCHEDULE, GAN_LR_COSINE), GAN_OK);
    assert_status(gan_optim_set_milestones(game->d_optim, (const int64_t[]){3, 7, 10}, 3), GAN_OK);
    assert_status(gan_optim_set_float(game->d_optim, GAN_OPTIM_SCHEDULE_GAMMA, 0.5f), GAN_OK);
    assert_status(gan_optim_set_int(game->d_optim, GAN_OPTIM_SCHEDULE, GAN_LR_MULTI_STEP), GAN_OK);
    /* Instance noise annealed over the run, alarms, early stopping. */
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_INSTANCE_NOISE, 0.3f), GAN_OK);
    assert_status(gan_trainer_set_int(game->trainer, GAN_TRAINER_INSTANCE_NOISE_STEPS, 6), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_DIVERSITY_ALARM, 0.2f), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_COVERAGE_ALARM, 0.9f), GAN_OK);
    assert_status(gan_trainer_set_int(game->trainer, GAN_TRAINER_PATIENCE, 4), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_MIN_IMPROVEMENT, 0.25f), GAN_OK);
}

/* An evaluation after each step: the record (best, since) must survive a resume. */
static void train_and_evaluate(game_state *game, int steps)
{
    for (int step = 0; step < steps; step++) {
        assert_status(gan_trainer_step(game->trainer, game->real), GAN_OK);
        unsigned verdict;
        int64_t done = gan_trainer_step_count(game->trainer);
        assert_status(gan_trainer_record_evaluation(game->trainer, 10.0 - (double)(done % 3),
                                                    0.5, &verdict), GAN_OK);
    }
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
    train_and_evaluate(&straight, 7);
    train_and_evaluate(&before, 4);
    assert_status(gan_trainer_save(before.trainer, path_of("run.safetensors")), GAN_OK);

    /* A fresh trainer, built the same way but with default options, picks up the run. */
    game_new(&after, GAN_OBJECTIVE_NON_SATURATING, 77);
    assert_status(gan_trainer_load(after.trainer, path_of("run.safetensors")), GAN_OK);
    assert_int_equal(gan_trainer_step_count(after.trainer), 4);
    int64_t n_critic;
    assert_status(gan_trainer_get_int(after.trainer, GAN_TRAINER_N_CRITIC, &n_critic), GAN_OK);
    assert_int_equal(n_critic, 2);
    int64_t milestones[3], schedule;
    size_t milestone_count;
    assert_status(gan_optim_get_milestones(after.d_optim, milestones, 3, &milestone_count), GAN_OK);
    assert_int_equal(milestone_count, 3);
    assert_int_equal(milestones[2], 10);
    assert_status(gan_optim_get_int(after.g_optim, GAN_OPTIM_SCHEDULE, &schedule), GAN_OK);
    assert_int_equal(schedule, GAN_LR_COSINE);
    double lr_straight, lr_after;
    assert_status(gan_optim_current_lr(before.g_optim, &lr_straight), GAN_OK);
    assert_status(gan_optim_current_lr(after.g_optim, &lr_after), GAN_OK);
    assert_true(lr_straight == lr_after);
    float noise;
    int64_t patience;
    assert_status(gan_trainer_get_float(after.trainer, GAN_TRAINER_INSTANCE_NOISE, &noise), GAN_OK);
    assert_true(noise == 0.3f);
    assert_status(gan_trainer_get_int(after.trainer, GAN_TRAINER_PATIENCE, &patience), GAN_OK);
    assert_int_equal(patience, 4);
    train_and_evaluate(&after, 3);
    double best_a, best_b;
    int64_t step_a, step_b, since_a, since_b;
    assert_status(gan_trainer_best_evaluation(straight.trainer, &best_a, &step_a, &since_a), GAN_OK);
    assert_status(gan_trainer_best_evaluation(after.trainer, &best_b, &step_b, &since_b), GAN_OK);
    assert_true(best_a == best_b && step_a == step_b && since_a == since_b);
    assert_int_equal(step_a, 2); /* 10 - 2 % 3 = 8, first reached at step 2 */

    size_t count_a, count_b;
    float *a = capture_everything(&straight, &count_a), *b = capture_everything(&after, &count_b);
    assert_int_equal(count_a, count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    for (int stream = 0; stream <= GAN_RNG_INSTANCE_NOISE; stream++) {
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

/* Rewrites the first JSON array after `anchor` and then `key` in the header of `from`
 * (escaped, as metadata strings hold it) to keep its first `keep` elements; `keep` < 0
 * drops the key and its array instead. */
static void cut_array(const char *from, const char *to, const char *anchor, const char *key,
                      int keep)
{
    size_t count;
    char *bytes = (char *)slurp(from, &count);
    assert_non_null(bytes);
    char *start = strstr(bytes + 8, anchor);
    assert_non_null(start);
    start = strstr(start, key);
    assert_non_null(start);
    char *end = strchr(start, ']');
    assert_non_null(end);
    char old[1024], replacement[1024];
    assert_true((size_t)(end - start) + 2 < sizeof old);
    if (keep < 0) { /* ,KEY[...] goes */
        start--;
        snprintf(old, sizeof old, "%.*s", (int)(end - start + 1), start);
        replacement[0] = '\0';
    } else {
        snprintf(old, sizeof old, "%.*s", (int)(end - start + 1), start);
        char *cut = strchr(old, '[') + 1;
        for (int i = 0; i < keep; i++) {
            cut = strchr(cut, ',');
            assert_non_null(cut);
            cut++;
        }
        snprintf(replacement, sizeof replacement, "%.*s]", (int)(cut - old - 1), old);
    }
    free(bytes);
    patch_st_header(from, to, old, replacement);
}

/* A checkpoint written by 0.5 (11 options an optimizer, no milestones) still loads, and its
 * run goes on bitwise as it would have. */
static void a_checkpoint_of_0_5_loads(void **state)
{
    (void)state;
    game_state straight, before, after;
    game_new(&straight, GAN_OBJECTIVE_NON_SATURATING, 9);
    game_new(&before, GAN_OBJECTIVE_NON_SATURATING, 9);
    game_new(&after, GAN_OBJECTIVE_NON_SATURATING, 9);
    for (int step = 0; step < 3; step++)
        assert_status(gan_trainer_step(straight.trainer, straight.real), GAN_OK);
    for (int step = 0; step < 2; step++)
        assert_status(gan_trainer_step(before.trainer, before.real), GAN_OK);
    assert_status(gan_trainer_save(before.trainer, path_of("new.safetensors")), GAN_OK);
    /* Each optimizer's two option arrays keep 0.5's 11 options; the milestones go. */
    const char *anchors[] = {"generator_optim", "discriminator_optim"};
    const char *keys[] = {"values\\\":[", "flags\\\":[", "\\\"milestones\\\":["};
    char from[160], to[160];
    snprintf(to, sizeof to, "%s", path_of("old.safetensors"));
    for (int optim = 0; optim < 2; optim++)
        for (int k = 0; k < 3; k++) {
            /* patch_st_header reads the whole file before it writes: `from` may be `to`. */
            snprintf(from, sizeof from, "%s", optim + k ? to : path_of("new.safetensors"));
            cut_array(from, to, anchors[optim], keys[k], k < 2 ? 11 : -1);
        }
    /* The keys added in 0.6, at their default values, and the fifth stream's position. */
    const char *newer[] = {
        ",\\\"instance_noise\\\":0", ",\\\"instance_noise_steps\\\":0",
        ",\\\"diversity_alarm\\\":0", ",\\\"coverage_alarm\\\":0", ",\\\"patience\\\":0",
        ",\\\"min_improvement\\\":0", ",\\\"gman_lambda\\\":0", ",\\\"discriminators\\\":1",
        ",\\\"evaluations\\\":{\\\"count\\\":0,\\\"best\\\":0,\\\"best_step\\\":0,\\\"since_best\\\":0}",
        ",\\\"0\\\"]}"};
    for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++)
        patch_st_header(to, to, newer[i], i + 1 < sizeof newer / sizeof newer[0] ? "" : "]}");
    size_t count;
    unsigned char *old = slurp(path_of("old.safetensors"), &count);
    assert_null(strstr((const char *)old + 8, "milestones"));
    assert_null(strstr((const char *)old + 8, "evaluations"));
    assert_null(strstr((const char *)old + 8, "noise"));
    free(old);
    assert_status(gan_trainer_load(after.trainer, path_of("old.safetensors")), GAN_OK);
    assert_status(gan_trainer_step(after.trainer, after.real), GAN_OK);
    size_t count_a, count_b;
    float *a = capture_state(&straight, false, &count_a), *b = capture_state(&after, false, &count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    free(a);
    free(b);
    game_free(&straight);
    game_free(&before);
    game_free(&after);
}

/* Two discriminators resume bitwise; a trainer with another count refuses the file. */
static void several_discriminators_resume(void **state)
{
    (void)state;
    game_state straight, before, after, single;
    second_player straight2, before2, after2;
    game_new(&straight, GAN_OBJECTIVE_NON_SATURATING, 21);
    game_new(&before, GAN_OBJECTIVE_NON_SATURATING, 21);
    game_new(&after, GAN_OBJECTIVE_NON_SATURATING, 21);
    second_player_new(&straight2, &straight);
    second_player_new(&before2, &before);
    second_player_new(&after2, &after);
    assert_status(gan_trainer_set_float(straight.trainer, GAN_TRAINER_GMAN_LAMBDA, 2.0f), GAN_OK);
    assert_status(gan_trainer_set_float(before.trainer, GAN_TRAINER_GMAN_LAMBDA, 2.0f), GAN_OK);
    for (int step = 0; step < 5; step++)
        assert_status(gan_trainer_step(straight.trainer, straight.real), GAN_OK);
    for (int step = 0; step < 3; step++)
        assert_status(gan_trainer_step(before.trainer, before.real), GAN_OK);
    assert_status(gan_trainer_save(before.trainer, path_of("two.safetensors")), GAN_OK);
    assert_status(gan_trainer_load(after.trainer, path_of("two.safetensors")), GAN_OK);
    for (int step = 0; step < 2; step++)
        assert_status(gan_trainer_step(after.trainer, after.real), GAN_OK);
    size_t count_a, count_b;
    float *a = capture_state(&straight, false, &count_a), *b = capture_state(&after, false, &count_b);
    assert_memory_equal(a, b, count_a * sizeof(float));
    free(a);
    free(b);
    float *p_a, *p_b;
    assert_status(gan_model_parameter_arrays(straight2.model, &p_a, NULL, &count_a), GAN_OK);
    assert_status(gan_model_parameter_arrays(after2.model, &p_b, NULL, &count_b), GAN_OK);
    assert_memory_equal(p_a, p_b, count_a * sizeof(float));

    game_new(&single, GAN_OBJECTIVE_NON_SATURATING, 21);
    assert_status(gan_trainer_load(single.trainer, path_of("two.safetensors")),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("2 discriminators; this trainer has 1");
    assert_int_equal(gan_trainer_step_count(single.trainer), 0);
    game_free(&single);
    game_free(&straight);
    game_free(&before);
    game_free(&after);
    second_player_free(&straight2);
    second_player_free(&before2);
    second_player_free(&after2);
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
        cmocka_unit_test(a_checkpoint_of_0_5_loads),
        cmocka_unit_test(several_discriminators_resume),
        cmocka_unit_test(mismatches_are_refused_without_change),
        cmocka_unit_test(damaged_and_missing_files_are_errors),
        cmocka_unit_test(the_data_position_is_resumed),
        cmocka_unit_test(every_failed_allocation_is_survived),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
