/*
 * Fuzz target: model architectures from JSON (libgan/io/architecture.c on the checked
 * parse of libgan/io/json.c), the text gan_model_load reads from a model file's metadata.
 * The input is the JSON text, given to gan__architecture_read directly.
 *
 * Checks: a failure is a known status with a message and leaves the architecture empty. A
 * success gives 0 .. GAN_ARCHITECTURE_MAX_LAYERS layers; when they are small enough to put
 * in a model, the model's architecture written out reads back into a model that writes
 * the same text (a fixed point), and the model runs forward when its input shape is known.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "io/architecture.h"

/* Layers whose parameters and buffers hold more floats than this are not put in a model: a
 * file may ask for more memory than a fuzzer has, which is no finding. */
#define MODEL_MAX_FLOATS (1 << 22)

static bool small_enough(const gan_architecture *architecture)
{
    int64_t total = 0;
    for (int i = 0; i < architecture->layer_count; i++) {
        const gan_layer *layer = architecture->layers[i];
        for (int t = 0; t < layer->param_count + layer->buffer_count; t++) {
            const gan_shape *shape = t < layer->param_count
                                         ? &layer->params[t].shape
                                         : &layer->buffers[t - layer->param_count].shape;
            int64_t numel = 1;
            for (int d = 0; d < shape->rank && numel <= MODEL_MAX_FLOATS; d++)
                numel *= shape->dim[d] < MODEL_MAX_FLOATS ? shape->dim[d] : MODEL_MAX_FLOATS + 1;
            total += numel;
            if (total > MODEL_MAX_FLOATS)
                return false;
        }
    }
    return true;
}

/*
 * Moves the layers into a new model and sets its input shape. An add or the input shape
 * may be refused (the layers need not fit each other): that must be a clean failure, and
 * the model keeps what was added so far. *complete: everything went in.
 */
static gan_model *assemble(gan_architecture *architecture, bool *complete)
{
    gan_model *model = NULL;
    fuzz_require(gan_model_new(&model) == GAN_OK, "gan_model_new");
    *complete = true;
    for (int i = 0; i < architecture->layer_count && *complete; i++) {
        fuzz_clear_error();
        gan_status status = gan_model_add(model, architecture->layers[i]);
        if (status == GAN_OK) {
            architecture->layers[i] = NULL; /* the model's now */
        } else {
            fuzz_check_failure(status, "gan_model_add");
            *complete = false;
        }
    }
    if (*complete && architecture->has_input_shape) {
        fuzz_clear_error();
        gan_status status = gan_model_set_input_shape(model, architecture->input_shape.rank,
                                                      architecture->input_shape.dim);
        if (status != GAN_OK) {
            fuzz_check_failure(status, "gan_model_set_input_shape");
            *complete = false;
        }
    }
    return model;
}

/* What a model writes reads back into a model that writes the same. */
static void check_fixed_point(const gan_model *model)
{
    char *text = fuzz_architecture_text(model);
    gan_architecture again;
    gan_status status = gan__architecture_read(text, &again, "fuzz (written back)");
    fuzz_require(status == GAN_OK, "an architecture that libgan wrote does not read back:\n%s",
                 text);
    bool complete;
    gan_model *copy = assemble(&again, &complete);
    fuzz_require(complete, "an architecture that libgan wrote does not assemble:\n%s", text);
    char *copy_text = fuzz_architecture_text(copy);
    fuzz_require(strcmp(text, copy_text) == 0, "written, read and written again, an "
                 "architecture changed:\n%s\n%s", text, copy_text);
    free(copy_text);
    free(text);
    gan_model_free(copy);
    gan__architecture_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char *json = malloc(size + 1);
    fuzz_require(json != NULL, "malloc");
    if (size)
        memcpy(json, data, size);
    json[size] = '\0';
    gan_architecture architecture;
    fuzz_clear_error();
    gan_status status = gan__architecture_read(json, &architecture, "fuzz");
    if (status != GAN_OK) {
        fuzz_check_failure(status, "gan__architecture_read");
        fuzz_require(architecture.layers == NULL && architecture.layer_count == 0,
                     "a failed read left layers behind");
    } else {
        fuzz_require(architecture.layer_count >= 0 &&
                         architecture.layer_count <= GAN_ARCHITECTURE_MAX_LAYERS,
                     "%d layers", architecture.layer_count);
        if (small_enough(&architecture)) {
            bool complete;
            gan_model *model = assemble(&architecture, &complete);
            check_fixed_point(model);
            fuzz_check_model_usable(model);
            gan_model_free(model);
        }
    }
    gan__architecture_free(&architecture);
    free(json);
    fuzz_require_no_leak();
    return 0;
}
