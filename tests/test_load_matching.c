/*
 * gan_model_load_matching (gan/io.h): loading by name into a model whose other layers
 * differ (a larger model with a renamed layer), the generator out of a real training
 * checkpoint by its prefix, every failure (the model unchanged bitwise, *report NULL), and
 * the report's accessors.
 *
 * Files are made in a folder from mkdtemp; every test runs on the counting allocator.
 */
#include "game_support.h"
#include "idx_test_support.h"
#include "model_test_support.h"
#include "safetensors_test_support.h"

/* Stands for "not written yet" in the report out-pointer. */
static char untouched_marker;
#define UNTOUCHED ((gan_load_report *)(void *)&untouched_marker)

/* ---- helpers --------------------------------------------------------------------------- */

/* The parameter or buffer of `model` called `name`; the test fails without one. */
static gan_tensor *named_tensor(gan_model *model, const char *name)
{
    int params = gan_model_named_parameter_count(model);
    int buffers = gan_model_named_buffer_count(model);
    for (int i = 0; i < params + buffers; i++) {
        const char *candidate = NULL;
        gan_tensor *value = NULL;
        if (i < params)
            assert_status(gan_model_named_parameter(model, i, &candidate, &value, NULL), GAN_OK);
        else
            assert_status(gan_model_named_buffer(model, i - params, &candidate, &value), GAN_OK);
        if (strcmp(candidate, name) == 0)
            return value;
    }
    fail_msg("the model has no tensor '%s'", name);
    return NULL;
}

static size_t byte_size(const gan_tensor *tensor)
{
    return (size_t)gan_tensor_numel(tensor) * sizeof(float);
}

/* A copy of the values of tensor `name` of `model` (malloc'd). */
static float *copy_of(gan_model *model, const char *name)
{
    gan_tensor *tensor = named_tensor(model, name);
    float *copy = malloc(byte_size(tensor) + 1);
    assert_non_null(copy);
    memcpy(copy, gan_tensor_data(tensor), byte_size(tensor));
    return copy;
}

/* Tensor `name` holds the same bits in both models. */
static void expect_same_values(gan_model *a, gan_model *b, const char *name)
{
    gan_tensor *ta = named_tensor(a, name), *tb = named_tensor(b, name);
    assert_int_equal(byte_size(ta), byte_size(tb));
    assert_memory_equal(gan_tensor_data(ta), gan_tensor_data(tb), byte_size(ta));
}

/* List `list` of the report is exactly `want[0..count)`, in that order. */
static void expect_list(const gan_load_report *report, gan_load_list list,
                        const char *const *want, int count)
{
    assert_int_equal(gan_load_report_count(report, list), count);
    for (int i = 0; i < count; i++) {
        const char *name = gan_load_report_name(report, list, i);
        assert_non_null(name);
        assert_string_equal(name, want[i]);
    }
}

/* The load must fail with `status` and a message mentioning each of `needles` (up to 3, NULL
 * ends), leave the model bitwise as it was and set *report to NULL. */
static void expect_failed_load(gan_model *model, const char *path, const char *prefix,
                               gan_status status, const char *const needles[3])
{
    size_t n_before, n_after;
    float *before = snapshot(model, &n_before);
    gan_load_report *report = UNTOUCHED;
    assert_status(gan_model_load_matching(model, path, prefix, &report), status);
    for (int i = 0; i < 3 && needles[i]; i++)
        assert_error_mentions(needles[i]);
    assert_null(report);
    float *after = snapshot(model, &n_after);
    assert_int_equal(n_before, n_after);
    assert_memory_equal(before, after, n_before * sizeof(float));
    free(before);
    free(after);
}

static void add_layer(gan_model *model, gan_layer *layer)
{
    assert_status(gan_model_add(model, layer), GAN_OK);
}

/* Linear(4, 6), BatchNorm1d(6), LeakyReLU and a Linear(6, head_outputs) called `head_name`. */
static gan_model *trunk_and_head(const char *head_name, int64_t head_outputs)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    add_layer(model, new_dense(4, 6, NULL));
    assert_status(gan_layer_batchnorm1d(&layer, 6), GAN_OK);
    add_layer(model, layer);
    assert_status(gan_layer_leaky_relu(&layer, 0.2f), GAN_OK);
    add_layer(model, layer);
    add_layer(model, new_dense(6, head_outputs, head_name));
    return model;
}

/* The file most tests load: trunk_and_head("head", 3) with values nowhere at a default. */
typedef struct saved_model {
    gan_model *model;
    char path[1024];
} saved_model;

static int save_source(void **state)
{
    saved_model *source = calloc(1, sizeof *source);
    assert_non_null(source);
    source->model = trunk_and_head("head", 3);
    fill_model(source->model, 31);
    snprintf(source->path, sizeof source->path, "%s", temp_path("source.safetensors"));
    assert_status(gan_model_save(source->model, source->path), GAN_OK);
    *state = source;
    return 0;
}

static int free_source(void **state)
{
    saved_model *source = *state;
    gan_model_free(source->model);
    free(source);
    return 0;
}

/* ---- loading into a model whose other layers differ ------------------------------------- */

static void a_larger_model_takes_the_tensors_it_shares(void **state)
{
    const saved_model *saved = *state;
    gan_model *source = saved->model;
    const char *path = saved->path;

    /* The same trunk, the head renamed, and two layers more at the end. */
    gan_model *target = trunk_and_head("classifier", 3);
    gan_layer *layer = NULL;
    assert_status(gan_layer_relu(&layer), GAN_OK);
    add_layer(target, layer);
    add_layer(target, new_dense(3, 2, NULL));
    fill_model(target, 32);
    static const char *const matched[] = {"0.weight", "0.bias", "1.weight", "1.bias",
                                          "1.running_mean", "1.running_var"};
    static const char *const only_in_model[] = {"classifier.weight", "classifier.bias",
                                                "5.weight", "5.bias"};
    static const char *const only_in_file[] = {"head.weight", "head.bias"};
    float *kept[4];
    for (int i = 0; i < 4; i++)
        kept[i] = copy_of(target, only_in_model[i]);

    gan_load_report *report = UNTOUCHED;
    assert_status(gan_model_load_matching(target, path, NULL, &report), GAN_OK);
    assert_non_null(report);
    assert_true(report != UNTOUCHED);
    expect_list(report, GAN_LOAD_MATCHED, matched, 6);
    expect_list(report, GAN_LOAD_ONLY_IN_FILE, only_in_file, 2); /* no num_batches_tracked */
    expect_list(report, GAN_LOAD_ONLY_IN_MODEL, only_in_model, 4);
    for (int i = 0; i < 6; i++)
        expect_same_values(source, target, matched[i]);
    for (int i = 0; i < 4; i++) {
        gan_tensor *now = named_tensor(target, only_in_model[i]);
        assert_memory_equal(gan_tensor_data(now), kept[i], byte_size(now));
        free(kept[i]);
    }
    gan_load_report_free(report);

    /* The report is optional, and "" is the same as NULL; a second load changes nothing. */
    size_t n_before, n_after;
    float *before = snapshot(target, &n_before);
    assert_status(gan_model_load_matching(target, path, "", NULL), GAN_OK);
    float *after = snapshot(target, &n_after);
    assert_memory_equal(before, after, n_before * sizeof(float));
    free(before);
    free(after);

    /* Into a model of exactly the file's layers: every list but MATCHED is empty. */
    gan_model *same = trunk_and_head("head", 3);
    assert_status(gan_model_load_matching(same, path, NULL, &report), GAN_OK);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_MATCHED), 8);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_ONLY_IN_FILE), 0);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_ONLY_IN_MODEL), 0);
    expect_same_tensors(source, same);
    gan_load_report_free(report);

    gan_model_free(same);
    gan_model_free(target);
}

/* ---- a training checkpoint ---------------------------------------------------------------- */

static void a_checkpoint_gives_up_its_generator(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, 41);
    for (int step = 0; step < 2; step++) /* trained values, BatchNorm statistics moved */
        assert_status(gan_trainer_step(game.trainer, game.real), GAN_OK);
    const char *path = temp_path("checkpoint.safetensors");
    assert_status(gan_trainer_save(game.trainer, path), GAN_OK);

    /* "generator." takes G's tensors only: not D's, not "generator_optim.state". */
    gan_model *generator = mlp(LATENT, 12, FEATURES, 1);
    gan_load_report *report = NULL;
    assert_status(gan_model_load_matching(generator, path, "generator.", &report), GAN_OK);
    int tensors = gan_model_named_parameter_count(generator) +
                  gan_model_named_buffer_count(generator);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_MATCHED), tensors);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_ONLY_IN_FILE), 0);
    assert_int_equal(gan_load_report_count(report, GAN_LOAD_ONLY_IN_MODEL), 0);
    assert_string_equal(gan_load_report_name(report, GAN_LOAD_MATCHED, 0), "0.weight");
    expect_same_tensors(game.g_model, generator);
    gan_load_report_free(report);

    /* The same for D. */
    gan_model *discriminator = mlp(FEATURES, 10, 1, 0);
    assert_status(gan_model_load_matching(discriminator, path, "discriminator.", NULL), GAN_OK);
    expect_same_tensors(game.d_model, discriminator);

    /* Without a prefix no name of the checkpoint is one of the model's. */
    gan_model *fresh = mlp(LATENT, 12, FEATURES, 1);
    char count_text[64];
    snprintf(count_text, sizeof count_text, "none of the file's %d tensors",
             2 * tensors + 2); /* G's, D's (the same count) and the two optimizer states */
    expect_failed_load(fresh, path, NULL, GAN_ERR_NOT_FOUND,
                       (const char *const[3]){count_text, "prefix \"\"", NULL});
    /* D's tensors have G's names and other shapes. */
    expect_failed_load(fresh, path, "discriminator.", GAN_ERR_SHAPE,
                       (const char *const[3]){"'0.weight'", "[10, 5] in the file", "[12, 6]"});

    gan_model_free(fresh);
    gan_model_free(discriminator);
    gan_model_free(generator);
    game_free(&game);
}

/* ---- failures ------------------------------------------------------------------------------ */

static void a_shape_mismatch_changes_nothing(void **state)
{
    const char *path = ((const saved_model *)*state)->path;

    /* The trunk fits (and comes first in the file); the head is Linear(6, 5), not (6, 3). */
    gan_model *wider = trunk_and_head("head", 5);
    fill_model(wider, 52);
    expect_failed_load(wider, path, NULL, GAN_ERR_SHAPE,
                       (const char *const[3]){"'head.weight'", "[3, 6] in the file",
                                              "[5, 6] in the model"});
    expect_failed_load(wider, path, NULL, GAN_ERR_SHAPE,
                       (const char *const[3]){"gan_model_load_matching", path, NULL});
    gan_model_free(wider);
}

static void no_match_is_not_found(void **state)
{
    const char *path = ((const saved_model *)*state)->path;
    gan_model *target = trunk_and_head("head", 3);
    fill_model(target, 61);
    /* A prefix no name has; a prefix all names have, whose stripped names the model lacks. */
    expect_failed_load(target, path, "generator.", GAN_ERR_NOT_FOUND,
                       (const char *const[3]){"none of the file's 0 tensors",
                                              "prefix \"generator.\"", NULL});
    expect_failed_load(target, path, "0", GAN_ERR_NOT_FOUND,
                       (const char *const[3]){"none of the file's 2 tensors", "prefix \"0\"",
                                              NULL});
    /* A model without parameters matches nothing. */
    gan_model *empty = NULL;
    assert_status(gan_model_new(&empty), GAN_OK);
    expect_failed_load(empty, path, NULL, GAN_ERR_NOT_FOUND,
                       (const char *const[3]){"none of the file's 8 tensors", NULL, NULL});
    gan_model_free(empty);
    gan_model_free(target);
}

/* A hand-made file: "0.weight" [2, 2] as `weight_dtype` (16 or 32 bytes), "0.bias" [2] F32,
 * PyTorch's counter, and an I64 tensor "step" no model has. */
static void write_mixed_file(const char *path, const char *weight_dtype, size_t weight_bytes)
{
    size_t bias_at = weight_bytes, counter_at = bias_at + 8, step_at = counter_at + 8;
    size_t data_size = step_at + 8;
    char header[512];
    snprintf(header, sizeof header,
             "{\"0.weight\":{\"dtype\":\"%s\",\"shape\":[2,2],\"data_offsets\":[0,%zu]},"
             "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%zu,%zu]},"
             "\"0.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],"
             "\"data_offsets\":[%zu,%zu]},"
             "\"step\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[%zu,%zu]}}",
             weight_dtype, bias_at, bias_at, counter_at, counter_at, step_at, step_at, data_size);
    unsigned char data[64] = {0};
    for (size_t i = 0; i < data_size; i++)
        data[i] = (unsigned char)(i * 7 + 1);
    write_st_file(path, header, strlen(header), data, data_size);
}

static void a_matching_tensor_must_be_f32(void **state)
{
    (void)state;
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    add_layer(model, new_dense(2, 2, NULL));
    fill_model(model, 71);
    const char *path = temp_path("mixed.safetensors");

    write_mixed_file(path, "F64", 32);
    expect_failed_load(model, path, NULL, GAN_ERR_UNSUPPORTED,
                       (const char *const[3]){"tensor '0.weight' is F64", "F32 only", NULL});

    /* All F32 where it matters: the I64 tensor the model lacks is only listed, and PyTorch's
     * counter not even that. */
    write_mixed_file(path, "F32", 16);
    gan_load_report *report = NULL;
    assert_status(gan_model_load_matching(model, path, NULL, &report), GAN_OK);
    expect_list(report, GAN_LOAD_MATCHED, (const char *const[]){"0.weight", "0.bias"}, 2);
    expect_list(report, GAN_LOAD_ONLY_IN_FILE, (const char *const[]){"step"}, 1);
    expect_list(report, GAN_LOAD_ONLY_IN_MODEL, NULL, 0);
    gan_load_report_free(report);
    gan_model_free(model);
}

/* ---- arguments and the report's accessors ------------------------------------------------- */

static void arguments_and_accessors_are_checked(void **state)
{
    gan_model *model = ((saved_model *)*state)->model; /* loads its own file */
    const char *path = ((saved_model *)*state)->path;

    gan_load_report *report = UNTOUCHED;
    assert_status(gan_model_load_matching(NULL, path, NULL, &report), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("gan_model_load_matching");
    assert_null(report);
    report = UNTOUCHED;
    assert_status(gan_model_load_matching(model, NULL, NULL, &report), GAN_ERR_INVALID_ARGUMENT);
    assert_null(report);
    report = UNTOUCHED;
    assert_status(gan_model_load_matching(model, temp_path("missing.safetensors"), NULL, &report),
                  GAN_ERR_IO);
    assert_null(report);
    assert_status(gan_model_load_matching(NULL, NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);

    assert_status(gan_model_load_matching(model, path, NULL, &report), GAN_OK);
    static const gan_load_list bad_lists[] = {(gan_load_list)-1, (gan_load_list)3,
                                              (gan_load_list)INT32_MAX};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(gan_load_report_count(report, bad_lists[i]), -1);
        assert_error_mentions("gan_load_report_count: unknown list");
        assert_null(gan_load_report_name(report, bad_lists[i], 0));
        assert_error_mentions("gan_load_report_name: unknown list");
    }
    assert_int_equal(gan_load_report_count(NULL, GAN_LOAD_MATCHED), -1);
    assert_error_mentions("gan_load_report_count");
    assert_null(gan_load_report_name(NULL, GAN_LOAD_MATCHED, 0));
    assert_error_mentions("gan_load_report_name");
    assert_null(gan_load_report_name(report, GAN_LOAD_MATCHED, -1));
    assert_error_mentions("index -1 is out of range");
    assert_null(gan_load_report_name(report, GAN_LOAD_MATCHED, 8));
    assert_error_mentions("index 8 is out of range: the list has 8 names");
    assert_null(gan_load_report_name(report, GAN_LOAD_ONLY_IN_FILE, 0));
    assert_error_mentions("the list has 0 names");
    assert_non_null(gan_load_report_name(report, GAN_LOAD_MATCHED, 7));
    gan_load_report_free(report);
    gan_load_report_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_larger_model_takes_the_tensors_it_shares, save_source,
                                        free_source),
        cmocka_unit_test(a_checkpoint_gives_up_its_generator),
        cmocka_unit_test_setup_teardown(a_shape_mismatch_changes_nothing, save_source,
                                        free_source),
        cmocka_unit_test_setup_teardown(no_match_is_not_found, save_source, free_source),
        cmocka_unit_test(a_matching_tensor_must_be_f32),
        cmocka_unit_test_setup_teardown(arguments_and_accessors_are_checked, save_source,
                                        free_source),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
