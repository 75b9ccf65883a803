/*
 * Training checkpoints and model files whose content was changed but whose checksum was made
 * right again, so that only the loaders' checks of the content stand in the way: every
 * value of the training state out of range or of the wrong type, tensors renamed, retyped
 * or reshaped, PyTorch's num_batches_tracked counters in odd places. Each file is refused
 * with the right status and a message naming what is wrong, and the trainer or model is
 * left exactly as it was; the untouched files and the harmless edits load.
 *
 * The edits are made on files libgan wrote (tests/safetensors_test_support.h). In the
 * training state, which is JSON inside a JSON string, a ' in a case stands for \".
 */
#include "game_support.h"
#include "idx_test_support.h"
#include "safetensors_test_support.h"

enum { IMAGES = 20 };

/* ---- the trainers ---------------------------------------------------------------------- */

/* Two kinds of checkpoint: a BCE game (Adam, an EMA, a data set attached) and a WGAN game
 * (SGD with Nesterov momentum for G, plain SGD for D, n_critic 2, weight clipping). */
typedef enum recipe { BCE_GAME, WGAN_GAME } recipe;

typedef struct trainer_under_test {
    game_state game;
    gan_dataset *data;
} trainer_under_test;

static void use_sgd(game_state *game)
{
    gan_trainer_free(game->trainer);
    gan_optim_free(game->g_optim);
    gan_optim_free(game->d_optim);
    assert_status(gan_optim_new(&game->g_optim, GAN_OPTIM_SGD, game->g_model), GAN_OK);
    assert_status(gan_optim_new(&game->d_optim, GAN_OPTIM_SGD, game->d_model), GAN_OK);
    assert_status(gan_optim_set_float(game->g_optim, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    assert_status(gan_optim_set_int(game->g_optim, GAN_OPTIM_NESTEROV, 1), GAN_OK);
    assert_status(gan_trainer_new(&game->trainer, game->g, game->d, game->g_optim, game->d_optim,
                                  GAN_OBJECTIVE_WASSERSTEIN, game->rng), GAN_OK);
    assert_status(gan_trainer_set_int(game->trainer, GAN_TRAINER_N_CRITIC, 2), GAN_OK);
    assert_status(gan_trainer_set_float(game->trainer, GAN_TRAINER_WEIGHT_CLIP, 0.05f), GAN_OK);
}

static void trainer_new(trainer_under_test *t, recipe kind)
{
    t->data = NULL;
    if (kind == BCE_GAME) {
        game_new(&t->game, GAN_OBJECTIVE_NON_SATURATING, 7);
        assert_status(gan_trainer_set_float(t->game.trainer, GAN_TRAINER_EMA_DECAY, 0.5f), GAN_OK);
        assert_status(gan_dataset_load_idx(&t->data, temp_path("images.idx"), NULL,
                                           GAN_PIXELS_SYMMETRIC), GAN_OK);
        assert_status(gan_trainer_set_dataset(t->game.trainer, t->data), GAN_OK);
    } else {
        game_new(&t->game, GAN_OBJECTIVE_WASSERSTEIN, 9);
        use_sgd(&t->game);
    }
}

static void trainer_free(trainer_under_test *t)
{
    game_free(&t->game);
    gan_dataset_free(t->data);
}

static const char *base_path(recipe kind)
{
    return temp_path(kind == BCE_GAME ? "bce.safetensors" : "wgan.safetensors");
}

/* ---- cases ------------------------------------------------------------------------------ */

typedef struct tamper_case {
    const char *name;
    recipe base;
    const char *old, *replacement;  /* in the header; ' stands for \" */
    gan_status status;
    const char *needle;             /* in the message */
} tamper_case;

#define OPTIONS "'values':[0.0020000000949949026,0,0,0,0,0.5,0.99900001287460327,"
#define GEN_BIAS "\"generator.0.bias\":{\"dtype\":\"F32\",\"shape\":[12]"

static const tamper_case tamper_cases[] = {
    /* The edit itself keeps a file loadable: the same text put back, a harmless change. */
    {"unchanged", BCE_GAME, "'steps':1", "'steps':1", GAN_OK, NULL},
    {"more-steps", BCE_GAME, "'steps':1,'n_critic'", "'steps':5,'n_critic'", GAN_OK, NULL},
    {"sgd-unchanged", WGAN_GAME, "'steps':1", "'steps':1", GAN_OK, NULL},
    {"not-json", BCE_GAME, "'format'", "'format'::", GAN_ERR_FORMAT,
     "the training state is not valid JSON"},
    {"format", BCE_GAME, "'libgan-trainer'", "'libgan-trainex'", GAN_ERR_FORMAT,
     "the training state's format is not \"libgan-trainer\""},
    {"format-number", BCE_GAME, "'libgan-trainer'", "1", GAN_ERR_FORMAT, "format is not"},
    {"version-2", BCE_GAME, "'version':1", "'version':2", GAN_ERR_UNSUPPORTED,
     "training-state version 2 is newer than this libgan"},
    {"version-string", BCE_GAME, "'version':1", "'version':'1'", GAN_ERR_FORMAT,
     "\"version\" is missing or not an integer >= 1"},
    {"objective-negative", BCE_GAME, "'objective':1", "'objective':-1", GAN_ERR_FORMAT,
     "\"objective\" is missing or not an integer >= 0"},
    {"steps-negative", BCE_GAME, "'steps':1,'n_critic'", "'steps':-1,'n_critic'", GAN_ERR_FORMAT,
     "\"steps\" is missing or not an integer >= 0"},
    {"n-critic-zero", BCE_GAME, "'n_critic':1", "'n_critic':0", GAN_ERR_FORMAT,
     "\"n_critic\" is missing or not an integer >= 1"},
    {"n-critic-huge", BCE_GAME, "'n_critic':1", "'n_critic':2000", GAN_ERR_FORMAT,
     "n_critic, weight_clip or ema_decay is out of range"},
    {"weight-clip-string", BCE_GAME, "'weight_clip':0", "'weight_clip':'0'", GAN_ERR_FORMAT,
     "\"weight_clip\" is missing or not a number"},
    {"weight-clip-infinite", BCE_GAME, "'weight_clip':0", "'weight_clip':1e999", GAN_ERR_FORMAT,
     "\"weight_clip\" is missing or not a number"},
    {"weight-clip-above-float", BCE_GAME, "'weight_clip':0", "'weight_clip':1e39", GAN_ERR_FORMAT,
     "\"weight_clip\" is missing or not a number"},
    {"label-flip-below-float", BCE_GAME, "'label_flip':0", "'label_flip':-1e39", GAN_ERR_FORMAT,
     "\"label_flip\" is missing or not a number"},
    {"weight-clip-negative", BCE_GAME, "'weight_clip':0", "'weight_clip':-1", GAN_ERR_FORMAT,
     "out of range"},
    {"ema-decay-one", BCE_GAME, "'ema_decay':0.5", "'ema_decay':1", GAN_ERR_FORMAT, "out of range"},
    {"ema-decay-negative", BCE_GAME, "'ema_decay':0.5", "'ema_decay':-0.5", GAN_ERR_FORMAT,
     "out of range"},
    {"ema-decay-nan", BCE_GAME, "'ema_decay':0.5", "'ema_decay':'nan'", GAN_ERR_FORMAT,
     "\"ema_decay\" is missing or not a number"},
    /* The file keeps an EMA the state no longer mentions, or mentions one it lacks. */
    {"ema-unclaimed", BCE_GAME, "'ema_decay':0.5", "'ema_decay':0", GAN_ERR_NOT_FOUND,
     "holds 19 tensors; this trainer has 18"},
    {"ema-missing", WGAN_GAME, "'ema_decay':0", "'ema_decay':0.5", GAN_ERR_NOT_FOUND,
     "the file has no tensor 'generator_ema'"},
    {"label-smoothing-one", BCE_GAME, "'label_smoothing':0", "'label_smoothing':1",
     GAN_ERR_INVALID_ARGUMENT, "label smoothing 1 is outside [0, 1)"},
    {"label-flip-two", BCE_GAME, "'label_flip':0", "'label_flip':2", GAN_ERR_INVALID_ARGUMENT,
     "label flip 2 is outside [0, 1]"},
    {"label-flip-wgan", WGAN_GAME, "'label_flip':0", "'label_flip':0.25", GAN_ERR_FORMAT,
     "label smoothing or flipping is set for an objective without labels"},
    {"label-smoothing-wgan", WGAN_GAME, "'label_smoothing':0", "'label_smoothing':0.1",
     GAN_ERR_FORMAT, "objective without labels"},
    /* The options, discriminators and record added in 0.6. */
    {"instance-noise-negative", BCE_GAME, "'instance_noise':0", "'instance_noise':-1",
     GAN_ERR_FORMAT, "a trainer option added in 0.6 is out of range"},
    {"patience-string", BCE_GAME, "'patience':0", "'patience':'3'", GAN_ERR_FORMAT,
     "\"patience\" is missing or not an integer >= 0"},
    {"coverage-alarm-two", BCE_GAME, "'coverage_alarm':0", "'coverage_alarm':2", GAN_ERR_FORMAT,
     "a trainer option added in 0.6 is out of range"},
    {"discriminators-two", BCE_GAME, "'discriminators':1", "'discriminators':2",
     GAN_ERR_INVALID_ARGUMENT, "was trained with 2 discriminators; this trainer has 1"},
    {"discriminators-text", BCE_GAME, "'discriminators':1", "'discriminators':'1'",
     GAN_ERR_FORMAT, "\"discriminators\" is not an integer"},
    {"evaluations-inconsistent", BCE_GAME, "'since_best':0", "'since_best':5", GAN_ERR_FORMAT,
     "the evaluation record is not consistent"},
    {"evaluations-best-text", BCE_GAME, "'best':0", "'best':'x'", GAN_ERR_FORMAT,
     "the evaluation record is not consistent"},
    {"optim-missing", BCE_GAME, "'discriminator_optim':{", "'other_optim':{", GAN_ERR_FORMAT,
     "no \"discriminator_optim\""},
    /* The optimizers. */
    {"optim-kind", BCE_GAME, "'generator_optim':{'kind':1", "'generator_optim':{'kind':2",
     GAN_ERR_INVALID_ARGUMENT, "generator_optim was rule 2 with 2 state arrays; this "
     "trainer's is rule 1 with 2"},
    {"optim-kind-missing", BCE_GAME, "'generator_optim':{'kind':1,", "'generator_optim':{",
     GAN_ERR_FORMAT, "\"kind\" is missing"},
    {"optim-slots", BCE_GAME, "'slots':2", "'slots':3", GAN_ERR_INVALID_ARGUMENT,
     "with 3 state arrays"},
    {"optim-slots-negative", BCE_GAME, "'slots':2", "'slots':-2", GAN_ERR_FORMAT,
     "\"slots\" is missing or not an integer >= 0"},
    {"optim-steps", BCE_GAME, "'kind':1,'steps':1", "'kind':1,'steps':-1", GAN_ERR_FORMAT,
     "\"steps\" is missing or not an integer >= 0"},
    {"optim-values-short", BCE_GAME, "'values':[0.0020000000949949026,0,", "'values':[0,",
     GAN_ERR_FORMAT, "an optimizer's options are not two arrays of the right length"},
    {"optim-values-missing", BCE_GAME, "'values'", "'valuez'", GAN_ERR_FORMAT,
     "not two arrays of the right length"},
    {"optim-flags-short", BCE_GAME, "'flags':[0,0,", "'flags':[0,", GAN_ERR_FORMAT,
     "not two arrays of the right length"},
    {"optim-value-string", BCE_GAME, "'values':[0.0020000000949949026", "'values':['x'",
     GAN_ERR_FORMAT, "an optimizer option is not a number"},
    {"optim-value-infinite", BCE_GAME, "'values':[0.0020000000949949026", "'values':[1e999",
     GAN_ERR_FORMAT, "an optimizer option is not a number"},
    {"optim-flag-fraction", BCE_GAME, "'flags':[0,", "'flags':[0.5,", GAN_ERR_FORMAT,
     "an optimizer option is not a number"},
    {"optim-lr-negative", BCE_GAME, "'values':[0.0020000000949949026", "'values':[-1",
     GAN_ERR_INVALID_ARGUMENT, "> 0"},
    {"optim-beta1-range", BCE_GAME, OPTIONS, "'values':[0.0020000000949949026,0,0,0,0,1.5,"
     "0.99900001287460327,", GAN_ERR_INVALID_ARGUMENT, "beta1"},
    {"optim-nesterov-for-adam", BCE_GAME, "'flags':[0,0,0,0", "'flags':[0,0,0,1",
     GAN_ERR_INVALID_ARGUMENT, "nesterov"},
    {"optim-state-shape", BCE_GAME, "\"generator_optim.state\":{\"dtype\":\"F32\",\"shape\":[2,173]",
     "\"generator_optim.state\":{\"dtype\":\"F32\",\"shape\":[1,346]", GAN_ERR_SHAPE,
     "tensor 'generator_optim.state' has shape [1, 346]; [2, 173] is expected"},
    /* The random generator. */
    {"positions-six", BCE_GAME, "'positions':['", "'positions':['0','", GAN_ERR_FORMAT,
     "the random generator's positions are not 5 values (4 before 0.6)"},
    {"position-negative", BCE_GAME, "'positions':['", "'positions':['-", GAN_ERR_FORMAT,
     "a random-generator value is not a decimal string"},
    {"seed-number", BCE_GAME, "'seed':'7'", "'seed':7", GAN_ERR_FORMAT, "not a decimal string"},
    {"seed-letters", BCE_GAME, "'seed':'7'", "'seed':'x7'", GAN_ERR_FORMAT, "not a decimal string"},
    {"seed-trailing", BCE_GAME, "'seed':'7'", "'seed':'7x'", GAN_ERR_FORMAT,
     "a random-generator value is not a 64-bit integer"},
    {"seed-above-2-64", BCE_GAME, "'seed':'7'", "'seed':'18446744073709551616'", GAN_ERR_FORMAT,
     "not a 64-bit integer"},
    {"seed-21-digits", BCE_GAME, "'seed':'7'", "'seed':'000000000000000000007'", GAN_ERR_FORMAT,
     "not a decimal string"},
    {"seed-other", BCE_GAME, "'seed':'7'", "'seed':'8'", GAN_ERR_INVALID_ARGUMENT,
     "was trained with seed 8; this trainer's random generator has seed 7"},
    /* The data set's position. */
    {"epoch-negative", BCE_GAME, "'epoch':0", "'epoch':-1", GAN_ERR_FORMAT,
     "\"epoch\" is missing or not an integer >= 0"},
    {"index-string", BCE_GAME, "'index':0", "'index':'0'", GAN_ERR_FORMAT, "\"index\""},
    {"count-negative", BCE_GAME, "'count':20", "'count':-1", GAN_ERR_FORMAT, "\"count\""},
    {"count-other", BCE_GAME, "'count':20", "'count':21", GAN_ERR_SHAPE,
     "saved for a data set of 21 samples, this one has 20"},
    {"shuffle-number", BCE_GAME, "'shuffle_position':'18446744073709551615'",
     "'shuffle_position':7", GAN_ERR_FORMAT, "not a decimal string"},
    {"index-without-order", BCE_GAME, "'index':0", "'index':4", GAN_ERR_FORMAT,
     "index 4 in an epoch whose order was never drawn"},
    /* The models' tensors: same bytes, another name, dtype or shape. */
    {"tensor-renamed", BCE_GAME, "\"generator.0.bias\"", "\"generator.0.biaz\"", GAN_ERR_NOT_FOUND,
     "the file has no tensor 'generator.0.bias'"},
    {"tensor-retyped", BCE_GAME, GEN_BIAS, "\"generator.0.bias\":{\"dtype\":\"I32\",\"shape\":[12]",
     GAN_ERR_UNSUPPORTED, "tensor 'generator.0.bias' is I32; F32 is expected"},
    {"tensor-reshaped", BCE_GAME, GEN_BIAS, "\"generator.0.bias\":{\"dtype\":\"F32\",\"shape\":[3,4]",
     GAN_ERR_SHAPE, "tensor 'generator.0.bias' has shape [3, 4]; [12] is expected"},
};

/* ' -> \" */
static char *inner_quotes(const char *text)
{
    char *out = malloc(2 * strlen(text) + 1), *at = out;
    assert_non_null(out);
    for (; *text; text++) {
        if (*text == '\'')
            *at++ = '\\';
        *at++ = *text == '\'' ? '"' : *text;
    }
    *at = '\0';
    return out;
}

static void expect_load(const tamper_case *c, const char *path)
{
    trainer_under_test t;
    trainer_new(&t, c->base);
    size_t count;
    float *before = capture_state(&t.game, false, &count);
    int64_t epoch_before = -1, index_before = -1, epoch_after = -2, index_after = -2;
    if (t.data)
        assert_status(gan_dataset_position(t.data, &epoch_before, &index_before), GAN_OK);
    gan_status status = gan_trainer_load(t.game.trainer, path);
    expect_case(c->name, status, c->status, c->needle);
    if (status != GAN_OK) {
        float *after = capture_state(&t.game, false, &count);
        assert_memory_equal(before, after, count * sizeof(float));
        free(after);
        assert_int_equal(gan_trainer_step_count(t.game.trainer), 0);
        if (t.data) {
            assert_status(gan_dataset_position(t.data, &epoch_after, &index_after), GAN_OK);
            assert_int_equal(epoch_after, epoch_before);
            assert_int_equal(index_after, index_before);
        }
    } else {
        assert_true(gan_trainer_step_count(t.game.trainer) >= 1);
    }
    free(before);
    trainer_free(&t);
}

static void tampered_checkpoints_are_refused_without_change(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof tamper_cases / sizeof tamper_cases[0]; i++) {
        const tamper_case *c = &tamper_cases[i];
        long live = group_allocator.live;
        char *old = inner_quotes(c->old), *replacement = inner_quotes(c->replacement);
        const char *path = temp_path("tampered.safetensors");
        patch_st_header(base_path(c->base), path, old, replacement);
        expect_load(c, path);
        free(old);
        free(replacement);
        assert_int_equal(group_allocator.live, live);
    }
}

/* What the WGAN checkpoint holds comes back: Nesterov's flag, n_critic, the weight clip; an
 * edit of an option the rule has is applied (nesterov turned off in the file); and a data
 * position is ignored by a trainer without a data set. */
static void a_checkpoint_applies_its_options(void **state)
{
    (void)state;
    trainer_under_test t;
    trainer_new(&t, WGAN_GAME);
    assert_status(gan_trainer_set_int(t.game.trainer, GAN_TRAINER_N_CRITIC, 1), GAN_OK);
    assert_status(gan_trainer_set_float(t.game.trainer, GAN_TRAINER_WEIGHT_CLIP, 0.0f), GAN_OK);
    assert_status(gan_optim_set_int(t.game.g_optim, GAN_OPTIM_NESTEROV, 0), GAN_OK);
    assert_status(gan_trainer_load(t.game.trainer, base_path(WGAN_GAME)), GAN_OK);
    int64_t value = 0;
    float real = 0.0f;
    assert_status(gan_optim_get_int(t.game.g_optim, GAN_OPTIM_NESTEROV, &value), GAN_OK);
    assert_int_equal(value, 1);
    assert_status(gan_trainer_get_int(t.game.trainer, GAN_TRAINER_N_CRITIC, &value), GAN_OK);
    assert_int_equal(value, 2);
    assert_status(gan_trainer_get_float(t.game.trainer, GAN_TRAINER_WEIGHT_CLIP, &real), GAN_OK);
    assert_true(real == 0.05f);

    char *old = inner_quotes("'flags':[0,0,0,1"), *replacement = inner_quotes("'flags':[0,0,0,0");
    patch_st_header(base_path(WGAN_GAME), temp_path("no-nesterov.safetensors"), old, replacement);
    free(old);
    free(replacement);
    assert_status(gan_trainer_load(t.game.trainer, temp_path("no-nesterov.safetensors")), GAN_OK);
    assert_status(gan_optim_get_int(t.game.g_optim, GAN_OPTIM_NESTEROV, &value), GAN_OK);
    assert_int_equal(value, 0);
    trainer_free(&t);

    /* A data position in the file is for the trainer's data set: without one, it is left. */
    trainer_new(&t, BCE_GAME);
    assert_status(gan_trainer_set_dataset(t.game.trainer, NULL), GAN_OK);
    assert_status(gan_trainer_load(t.game.trainer, base_path(BCE_GAME)), GAN_OK);
    assert_int_equal(gan_trainer_step_count(t.game.trainer), 1);
    trainer_free(&t);
}

/* ---- model files ------------------------------------------------------------------------- */

#define WEIGHT "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}"
#define BIAS "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}"
#define COUNTER(name) "\"" name "\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}"

typedef struct weights_case {
    const char *name, *header;
    size_t data_size;
    bool relu_only;        /* load into a model without parameters (else Linear(2, 2)) */
    gan_status status;
    const char *needle;
} weights_case;

static const weights_case weights_cases[] = {
    /* PyTorch's BatchNorm counters are skipped wherever they are: a top-level one too. */
    {"counter-top-level", "{" WEIGHT "," BIAS "," COUNTER("num_batches_tracked") "}", 32, false,
     GAN_OK, NULL},
    {"counter-no-dot", "{" WEIGHT "," BIAS "," COUNTER("0.xnum_batches_tracked") "}", 32, false,
     GAN_ERR_NOT_FOUND, "the file's tensor '0.xnum_batches_tracked' is not a parameter or buffer"},
    {"counter-short", "{" WEIGHT "," BIAS "," COUNTER("batches_tracked") "}", 32, false,
     GAN_ERR_NOT_FOUND, "'batches_tracked' is not a parameter"},
    {"long-unknown-name", "{" WEIGHT "," BIAS ",\"0.weight_of_another_model\":{\"dtype\":\"F32\","
     "\"shape\":[2],\"data_offsets\":[24,32]}}", 32, false, GAN_ERR_NOT_FOUND,
     "the file's tensor '0.weight_of_another_model' is not a parameter"},
    {"parameterless-empty", "{}", 0, true, GAN_OK, NULL},
    {"parameterless-counter", "{\"num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],"
     "\"data_offsets\":[0,8]}}", 8, true, GAN_OK, NULL},
    {"parameterless-weight", "{" WEIGHT "}", 16, true, GAN_ERR_NOT_FOUND,
     "the file's tensor '0.weight' is not a parameter or buffer of the model"},
};

static gan_model *weights_model(bool relu_only)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    if (relu_only)
        assert_status(gan_layer_relu(&layer), GAN_OK);
    else
        layer = new_dense(2, 2, NULL);
    assert_status(gan_model_add(model, layer), GAN_OK);
    return model;
}

static void pytorch_counters_and_parameterless_models(void **state)
{
    (void)state;
    const float data[8] = {1, 2, 3, 4, 5, 6, 0, 0}; /* the counter is 8 zero bytes */
    for (size_t i = 0; i < sizeof weights_cases / sizeof weights_cases[0]; i++) {
        const weights_case *c = &weights_cases[i];
        const char *path = temp_path("weights.safetensors");
        write_st_file(path, c->header, strlen(c->header), data, c->data_size);
        gan_model *model = weights_model(c->relu_only);
        gan_status status = gan_model_load_weights(model, path);
        expect_case(c->name, status, c->status, c->needle);
        if (status == GAN_OK && !c->relu_only) {
            float *values, *grads;
            size_t count;
            assert_status(gan_model_parameter_arrays(model, &values, &grads, &count), GAN_OK);
            assert_memory_equal(values, data, 6 * sizeof(float));
        }
        gan_model_free(model);
    }
}

/* A model file whose architecture promises a tensor its data does not hold is the file's
 * fault (GAN_ERR_FORMAT), named with the architecture's shape. */
static void a_model_file_missing_a_tensor_of_its_architecture(void **state)
{
    (void)state;
    gan_model *model = weights_model(false);
    assert_status(gan_model_save(model, temp_path("linear.safetensors")), GAN_OK);
    patch_st_header(temp_path("linear.safetensors"), temp_path("no-bias.safetensors"),
                    "\"0.bias\"", "\"0.bias_\"");
    gan_model *loaded = (gan_model *)1;
    assert_status(gan_model_load(&loaded, temp_path("no-bias.safetensors")), GAN_ERR_FORMAT);
    assert_null(loaded);
    assert_error_mentions("the file's tensor '0.bias_' is not a parameter or buffer of its architecture");
    patch_st_header(temp_path("linear.safetensors"), temp_path("no-bias.safetensors"),
                    "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2]",
                    "\"0.num_batches_tracked\":{\"dtype\":\"F32\",\"shape\":[2]");
    assert_status(gan_model_load(&loaded, temp_path("no-bias.safetensors")), GAN_ERR_FORMAT);
    assert_error_mentions("its architecture has a tensor '0.bias' [2] that the file does not hold");
    gan_model_free(model);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static void save_base(recipe kind)
{
    trainer_under_test t;
    trainer_new(&t, kind);
    assert_status(gan_trainer_step(t.game.trainer, t.game.real), GAN_OK);
    assert_status(gan_trainer_save(t.game.trainer, base_path(kind)), GAN_OK);
    trainer_free(&t);
}

static int setup(void **state)
{
    if (make_temp_dir(state) != 0)
        return -1;
    write_test_set(temp_path("images.idx"), NULL, 0, IMAGES, 1, FEATURES);
    save_base(BCE_GAME);
    save_base(WGAN_GAME);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tampered_checkpoints_are_refused_without_change),
        cmocka_unit_test(a_checkpoint_applies_its_options),
        cmocka_unit_test(pytorch_counters_and_parameterless_models),
        cmocka_unit_test(a_model_file_missing_a_tensor_of_its_architecture),
    };
    return cmocka_run_group_tests(tests, setup, remove_temp_dir);
}
