/*
 * Fuzz target: model files, i.e. the safetensors reader (libgan/io/safetensors.c) and the
 * model loader (libgan/io/model_file.c). The input is the file. It goes to gan_model_load,
 * and to gan_model_load_weights and gan_model_load_matching into each fixed model of
 * fuzz_fixtures.h. When the input
 * carries libgan's checksum, the same is repeated with the checksum recomputed, so that
 * mutations reach the checks behind it.
 *
 * Checks: a failure is a known status with a message, gan_model_load's *out is NULL, the
 * weight loaders left the model bitwise as it was and gan_model_load_matching's *report is
 * NULL; a loaded model runs forward, saving it and loading the copy gives the same
 * architecture and the same bits, and a report names at least one tensor loaded.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixtures.h"
#include "fuzz_support.h"

/* A model that loaded is saved and loaded again: the same architecture, the same bits. */
static void check_round_trip(gan_model *model)
{
    const char *path = fuzz_temp_path("round-trip.safetensors");
    fuzz_require(gan_model_save(model, path) == GAN_OK, "gan_model_save of a loaded model");
    gan_model *copy = NULL;
    fuzz_require(gan_model_load(&copy, path) == GAN_OK, "loading a saved copy of a loaded model");
    char *text = fuzz_architecture_text(model), *copy_text = fuzz_architecture_text(copy);
    fuzz_require(strcmp(text, copy_text) == 0, "the architecture changed in a save and load:\n"
                 "%s\n%s", text, copy_text);
    size_t count;
    float *values = fuzz_model_snapshot(model, &count);
    fuzz_require_model_unchanged(copy, values, count, "a save and load (round trip)");
    free(values);
    free(text);
    free(copy_text);
    gan_model_free(copy);
}

static void load_model(const char *path)
{
    gan_model *model = (gan_model *)&model; /* not NULL: the loader must clear it */
    fuzz_clear_error();
    gan_status status = gan_model_load(&model, path);
    if (status != GAN_OK) {
        fuzz_check_failure(status, "gan_model_load");
        fuzz_require(model == NULL, "a failed gan_model_load left *out set");
        return;
    }
    fuzz_require(model != NULL, "gan_model_load succeeded without a model");
    check_round_trip(model);
    fuzz_check_model_usable(model);
    gan_model_free(model);
}

/* A successful gan_model_load_matching's report: at least one tensor loaded, every name
 * of every list readable. */
static void check_report(const gan_load_report *report)
{
    fuzz_require(gan_load_report_count(report, GAN_LOAD_MATCHED) >= 1,
                 "gan_model_load_matching succeeded without loading a tensor");
    for (int list = GAN_LOAD_MATCHED; list <= GAN_LOAD_ONLY_IN_MODEL; list++)
        for (int64_t i = 0; i < gan_load_report_count(report, (gan_load_list)list); i++)
            fuzz_require(gan_load_report_name(report, (gan_load_list)list, i) != NULL,
                         "a report name is NULL");
}

/* gan_model_load_weights (matching 0) or gan_model_load_matching (1) into fixture `which`. */
static void load_weights(const char *path, int which, int matching)
{
    const char *what = matching ? "gan_model_load_matching" : "gan_model_load_weights";
    gan_model *model = fixture_model(which);
    gan_load_report *report = (gan_load_report *)&report; /* not NULL: a failure must clear it */
    size_t count;
    float *before = fuzz_model_snapshot(model, &count);
    fuzz_clear_error();
    gan_status status = matching ? gan_model_load_matching(model, path, NULL, &report)
                                 : gan_model_load_weights(model, path);
    if (status != GAN_OK) {
        fuzz_check_failure(status, what);
        fuzz_require_model_unchanged(model, before, count, what);
        fuzz_require(!matching || report == NULL, "a failed %s left *report set", what);
    } else {
        fuzz_check_model_usable(model);
        if (matching)
            check_report(report);
    }
    if (matching && status == GAN_OK)
        gan_load_report_free(report);
    free(before);
    gan_model_free(model);
}

static void load_everywhere(const char *path)
{
    load_model(path);
    for (int which = 0; which < FIXTURE_MODEL_COUNT; which++)
        for (int matching = 0; matching <= 1; matching++)
            load_weights(path, which, matching);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_safetensors_input(data, size, load_everywhere);
    return 0;
}
