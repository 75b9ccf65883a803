/*
 * Model files (gan/io.h): a safetensors file of the model's named parameters and buffers
 * (float32, PyTorch's names), with the architecture (io/architecture.h) and libgan's
 * version in __metadata__, and the checksum that io/safetensors.c adds and verifies.
 *
 * Loading checks everything before it writes anything: the file as a whole (the reader),
 * then every tensor against what the model declares (names, dtype, shapes: the list of
 * expected tensors), and only then copies. gan_model_load even matches the file's tensors
 * against the layers of the architecture before it builds the model, so a file cannot make
 * it allocate parameters that the file does not hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "gan/io.h"
#include "io/architecture.h"
#include "io/safetensors.h"
#include "nn/model_impl.h"

#define ARCHITECTURE_KEY "libgan.architecture"

/* ---- saving ---------------------------------------------------------------------------- */

/* Layers with running statistics (BatchNorm): PyTorch keeps a num_batches_tracked counter
 * beside them, which libgan writes as 0 so that load_state_dict(strict=True) accepts the
 * file (PyTorch uses the counter only when momentum is None, which libgan does not offer). */
static bool has_running_statistics(const gan_layer *layer)
{
    for (int t = 0; t < layer->buffer_count; t++)
        if (strcmp(layer->buffers[t].suffix, "running_mean") == 0)
            return true;
    return false;
}

typedef char tensor_name[GAN_MODEL_TENSOR_NAME_CAPACITY];

gan_status gan_model_save(const gan_model *model, const char *path)
{
    static const int64_t batches_tracked = 0;
    if (!model)
        return gan__null(__func__, "model");
    if (!path)
        return gan__null(__func__, "path");
    gan_text architecture = {0};
    gan_status status = gan__architecture_write(model, &architecture, __func__);
    int layers = gan_model_layer_count(model), counters = 0;
    for (int i = 0; i < layers; i++)
        counters += has_running_statistics(gan__model_layer_at(model, i));
    int named = gan__model_tensor_count(model), count = named + counters;
    gan_st_tensor_in *tensors = NULL;
    tensor_name *counter_names = NULL;
    if (status == GAN_OK && count > 0) {
        tensors = gan__calloc_array((size_t)count, sizeof *tensors, "model file tensor list");
        if (!tensors)
            status = GAN_ERR_OUT_OF_MEMORY;
    }
    if (status == GAN_OK && counters > 0) {
        counter_names = gan__calloc_array((size_t)counters, sizeof *counter_names,
                                          "num_batches_tracked names");
        if (!counter_names)
            status = GAN_ERR_OUT_OF_MEMORY;
    }
    if (status == GAN_OK) {
        for (int i = 0; i < named; i++) {
            const char *name;
            const gan_tensor *value;
            gan__model_tensor_at(model, i, &name, &value);
            tensors[i] = (gan_st_tensor_in){.name = name, .dtype = GAN_ST_F32,
                                            .rank = value->rank, .shape = value->shape,
                                            .data = value->data};
        }
        for (int i = 0, c = 0; i < layers; i++) {
            const gan_layer *layer = gan__model_layer_at(model, i);
            if (!has_running_statistics(layer))
                continue;
            gan__model_tensor_name(counter_names[c], i, layer, "num_batches_tracked");
            tensors[named + c] = (gan_st_tensor_in){.name = counter_names[c], .dtype = GAN_ST_I64,
                                                    .rank = 0, .data = &batches_tracked};
            c++;
        }
        const gan_st_meta_in metadata[] = {{ARCHITECTURE_KEY, architecture.data}};
        status = gan__st_write(path, tensors, (size_t)count, metadata, 1, __func__);
    }
    gan__free(counter_names);
    gan__free(tensors);
    gan__text_free(&architecture);
    return status;
}

/* ---- matching a file to a model's tensors ------------------------------------------------ */

/* A tensor the model has (or will have), and where its values go. */
typedef struct expected_tensor {
    char name[GAN_MODEL_TENSOR_NAME_CAPACITY];
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    float *destination;            /* NULL: check only */
    const gan_st_tensor *source;   /* set by the match */
} expected_tensor;

typedef struct expected_list {
    expected_tensor *tensors;
    int count;
} expected_list;

static gan_status expected_alloc(expected_list *list, int count)
{
    list->count = 0;
    list->tensors = NULL;
    if (count == 0)
        return GAN_OK;
    list->tensors = gan__calloc_array((size_t)count, sizeof *list->tensors, "expected tensor list");
    return list->tensors ? GAN_OK : GAN_ERR_OUT_OF_MEMORY;
}

static void expected_add(expected_list *list, const char *name, int rank, const int64_t *shape,
                         float *destination)
{
    expected_tensor *e = &list->tensors[list->count++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->rank = rank;
    memcpy(e->shape, shape, (size_t)rank * sizeof *shape);
    e->destination = destination;
}

/* The tensors of layers that are not in a model yet, named as the model will name them. */
static gan_status expect_layers(expected_list *list, gan_layer *const *layers, int layer_count)
{
    int count = 0;
    for (int i = 0; i < layer_count; i++)
        count += layers[i]->param_count + layers[i]->buffer_count;
    gan_status status = expected_alloc(list, count);
    for (int i = 0; i < layer_count && status == GAN_OK; i++) {
        const gan_layer *layer = layers[i];
        char name[GAN_MODEL_TENSOR_NAME_CAPACITY];
        for (int t = 0; t < layer->param_count + layer->buffer_count; t++) {
            const gan_layer_tensor *tensor = t < layer->param_count
                                                 ? &layer->params[t]
                                                 : &layer->buffers[t - layer->param_count];
            gan__model_tensor_name(name, i, layer, tensor->suffix);
            expected_add(list, name, tensor->shape.rank, tensor->shape.dim, NULL);
        }
    }
    return status;
}

/* The named parameters and buffers of a model, to be written. */
static gan_status expect_model(expected_list *list, gan_model *model)
{
    int params = gan_model_named_parameter_count(model);
    int buffers = gan_model_named_buffer_count(model);
    gan_status status = expected_alloc(list, params + buffers);
    for (int i = 0; i < params + buffers && status == GAN_OK; i++) {
        const char *name;
        gan_tensor *value;
        status = i < params ? gan_model_named_parameter(model, i, &name, &value, NULL)
                            : gan_model_named_buffer(model, i - params, &name, &value);
        if (status == GAN_OK)
            expected_add(list, name, value->rank, value->shape, value->data);
    }
    return status;
}

static int compare_expected(const void *a, const void *b)
{
    return strcmp(((const expected_tensor *)a)->name, ((const expected_tensor *)b)->name);
}

static int compare_name_to_expected(const void *key, const void *element)
{
    return strcmp((const char *)key, ((const expected_tensor *)element)->name);
}

/* PyTorch's BatchNorm counter, which libgan does not keep. */
static bool is_num_batches_tracked(const char *name)
{
    static const char suffix[] = "num_batches_tracked";
    size_t length = strlen(name), suffix_length = sizeof suffix - 1;
    return length >= suffix_length && strcmp(name + length - suffix_length, suffix) == 0 &&
           (length == suffix_length || name[length - suffix_length - 1] == '.');
}

static const char *shape_text(char text[GAN_SHAPE_TEXT_CAPACITY], int rank, const int64_t *shape)
{
    return gan__shape_text(text, rank, shape);
}

/*
 * Checks the file's tensors against `list`: every tensor of the file (but num_batches_tracked)
 * is expected, F32, of the expected shape, and every expected tensor is in the file. Then,
 * and only then, copies the values into the destinations. `own_architecture`: the file
 * describes the model itself (gan_model_load), so a disagreement is the file's fault
 * (GAN_ERR_FORMAT) rather than a mismatch with the caller's model.
 */
static gan_status match_file(const gan_st_file *file, expected_list *list, bool own_architecture,
                             const char *prefix)
{
    char have[GAN_SHAPE_TEXT_CAPACITY], want[GAN_SHAPE_TEXT_CAPACITY];
    const char *whose = own_architecture ? "its architecture" : "the model";
    if (list->count > 1)
        qsort(list->tensors, (size_t)list->count, sizeof *list->tensors, compare_expected);
    size_t count = gan__st_tensor_count(file);
    for (size_t i = 0; i < count; i++) {
        const gan_st_tensor *t = gan__st_tensor_at(file, i);
        if (is_num_batches_tracked(t->name))
            continue;
        expected_tensor *e = list->count ? bsearch(t->name, list->tensors, (size_t)list->count,
                                                   sizeof *list->tensors, compare_name_to_expected)
                                         : NULL;
        if (!e)
            return gan__fail(own_architecture ? GAN_ERR_FORMAT : GAN_ERR_NOT_FOUND,
                             "%s: the file's tensor '%s' is not a parameter or buffer of %s",
                             prefix, t->name, whose);
        if (t->dtype != GAN_ST_F32)
            return gan__fail(GAN_ERR_UNSUPPORTED, "%s: tensor '%s' is %s; libgan loads F32 only",
                             prefix, t->name, gan__st_dtype_name(t->dtype));
        if (t->rank != e->rank || memcmp(t->shape, e->shape, (size_t)e->rank * sizeof *e->shape) != 0)
            return gan__fail(own_architecture ? GAN_ERR_FORMAT : GAN_ERR_SHAPE,
                             "%s: tensor '%s' has shape %s in the file and %s in %s", prefix,
                             t->name, shape_text(have, t->rank, t->shape),
                             shape_text(want, e->rank, e->shape), whose);
        e->source = t;
    }
    for (int i = 0; i < list->count; i++)
        if (!list->tensors[i].source)
            return gan__fail(own_architecture ? GAN_ERR_FORMAT : GAN_ERR_NOT_FOUND,
                             "%s: %s has a tensor '%s' %s that the file does not hold", prefix,
                             whose, list->tensors[i].name,
                             shape_text(want, list->tensors[i].rank, list->tensors[i].shape));
    for (int i = 0; i < list->count; i++) {
        const expected_tensor *e = &list->tensors[i];
        if (e->destination && e->source->nbytes)
            memcpy(e->destination, e->source->data, e->source->nbytes);
    }
    return GAN_OK;
}

/* ---- loading ----------------------------------------------------------------------------- */

gan_status gan_model_load_weights(gan_model *model, const char *path)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!path)
        return gan__null(__func__, "path");
    gan_st_file *file = NULL;
    gan_status status = gan__st_read(&file, path, __func__);
    if (status != GAN_OK)
        return status;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s: '%s'", __func__, path);
    expected_list list;
    status = expect_model(&list, model);
    if (status == GAN_OK)
        status = match_file(file, &list, false, prefix);
    gan__free(list.tensors);
    gan__st_free(file);
    return status;
}

/* A failure of the public API while assembling the file's model is the file's fault. */
static gan_status assembly_error(gan_status status, const char *prefix, const char *what)
{
    if (status == GAN_OK || status == GAN_ERR_OUT_OF_MEMORY)
        return status;
    char reason[700];
    snprintf(reason, sizeof reason, "%s", gan_last_error());
    return gan__fail(GAN_ERR_FORMAT, "%s: architecture: %s: %s", prefix, what, reason);
}

/* The model of `architecture`, whose layers move into it; weights from `file`. */
static gan_status assemble(gan_architecture *architecture, const gan_st_file *file,
                           const char *prefix, gan_model **out)
{
    expected_list list;
    gan_status status = expect_layers(&list, architecture->layers, architecture->layer_count);
    if (status == GAN_OK)
        status = match_file(file, &list, true, prefix);
    gan__free(list.tensors);
    if (status != GAN_OK)
        return status;

    gan_model *model = NULL;
    status = gan_model_new(&model);
    char what[64];
    for (int i = 0; i < architecture->layer_count && status == GAN_OK; i++) {
        status = gan_model_add(model, architecture->layers[i]);
        if (status == GAN_OK)
            architecture->layers[i] = NULL; /* the model's now */
        snprintf(what, sizeof what, "layer %d", i);
        status = assembly_error(status, prefix, what);
    }
    if (status == GAN_OK && architecture->has_input_shape)
        status = assembly_error(gan_model_set_input_shape(model, architecture->input_shape.rank,
                                                          architecture->input_shape.dim),
                                prefix, "the input shape");
    if (status == GAN_OK) {
        status = expect_model(&list, model);
        if (status == GAN_OK)
            status = match_file(file, &list, true, prefix);
        gan__free(list.tensors);
    }
    if (status != GAN_OK) {
        gan_model_free(model);
        return status;
    }
    *out = model;
    return GAN_OK;
}

gan_status gan_model_load(gan_model **out, const char *path)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!path)
        return gan__null(__func__, "path");
    gan_st_file *file = NULL;
    gan_status status = gan__st_read(&file, path, __func__);
    if (status != GAN_OK)
        return status;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s: '%s'", __func__, path);
    const char *json = gan__st_metadata(file, ARCHITECTURE_KEY);
    if (!json) {
        status = gan__fail(GAN_ERR_UNSUPPORTED, "%s: the file has no \"%s\" metadata: it holds "
                           "weights only (build the model and use gan_model_load_weights)",
                           prefix, ARCHITECTURE_KEY);
    } else {
        gan_architecture architecture;
        status = gan__architecture_read(json, &architecture, prefix);
        if (status == GAN_OK)
            status = assemble(&architecture, file, prefix, out);
        gan__architecture_free(&architecture);
    }
    gan__st_free(file);
    return status;
}
