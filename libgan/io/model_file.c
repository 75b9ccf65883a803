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
 *
 * gan_model_load_weights requires the file and the model to hold the same tensors;
 * gan_model_load_matching loads those whose names both hold (optionally under a prefix of
 * the file's names) and reports the rest. Both share the reading and the pairing of names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "gan/io.h"
#include "io/architecture.h"
#include "io/load_report.h"
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
    int order;                     /* its position in the model (matching sorts by name) */
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
    expected_tensor *e = &list->tensors[list->count];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->rank = rank;
    memcpy(e->shape, shape, (size_t)rank * sizeof *shape);
    e->destination = destination;
    e->order = list->count++;
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

static int compare_order(const void *a, const void *b)
{
    return ((const expected_tensor *)a)->order - ((const expected_tensor *)b)->order;
}

static void sort_expected(expected_list *list, int (*compare)(const void *, const void *))
{
    if (list->count > 1)
        qsort(list->tensors, (size_t)list->count, sizeof *list->tensors, compare);
}

/* The expected tensor called `name` in a list sorted by name, or NULL. */
static expected_tensor *find_expected(const expected_list *list, const char *name)
{
    if (list->count == 0)
        return NULL;
    return bsearch(name, list->tensors, (size_t)list->count, sizeof *list->tensors,
                   compare_name_to_expected);
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

/* How a file's tensors are matched to a list of expected tensors. */
typedef struct match_rules {
    const char *prefix;       /* of every message: "FUNCTION: 'PATH'" */
    const char *name_prefix;  /* only the file's tensors whose names start with it, stripped */
    bool own_architecture;    /* the file describes the model itself (gan_model_load), so a
                                 disagreement is the file's fault (GAN_ERR_FORMAT) rather than
                                 a mismatch with the caller's model */
    bool every_name;          /* each side must hold every tensor of the other */
} match_rules;

/* Whose tensors a file disagrees with, for messages. */
static const char *whose(const match_rules *rules)
{
    return rules->own_architecture ? "its architecture" : "the model";
}

/* The name a tensor of the file is matched by: its name with the prefix stripped, or NULL if
 * it is not considered (outside the prefix, or PyTorch's num_batches_tracked). */
static const char *considered_name(const gan_st_tensor *t, const match_rules *rules)
{
    size_t length = strlen(rules->name_prefix);
    if (strncmp(t->name, rules->name_prefix, length) != 0 || is_num_batches_tracked(t->name))
        return NULL;
    return t->name + length;
}

/* A file's tensor of the name of expected tensor `e` must be F32 and of its shape. */
static gan_status check_source(const gan_st_tensor *t, const expected_tensor *e,
                               const match_rules *rules)
{
    char have[GAN_SHAPE_TEXT_CAPACITY], want[GAN_SHAPE_TEXT_CAPACITY];
    if (t->dtype != GAN_ST_F32)
        return gan__fail(GAN_ERR_UNSUPPORTED, "%s: tensor '%s' is %s; libgan loads F32 only",
                         rules->prefix, e->name, gan__st_dtype_name(t->dtype));
    if (t->rank != e->rank || memcmp(t->shape, e->shape, (size_t)e->rank * sizeof *e->shape) != 0)
        return gan__fail(rules->own_architecture ? GAN_ERR_FORMAT : GAN_ERR_SHAPE,
                         "%s: tensor '%s' has shape %s in the file and %s in %s", rules->prefix,
                         e->name, shape_text(have, t->rank, t->shape),
                         shape_text(want, e->rank, e->shape), whose(rules));
    return GAN_OK;
}

/*
 * Pairs every considered tensor of the file, in file order, with the expected tensor of its
 * name, checking dtype and shape (sets `source`; sorts the list by name). A considered
 * tensor without one is an error under `every_name`. *considered counts them.
 */
static gan_status pair_tensors(const gan_st_file *file, expected_list *list,
                               const match_rules *rules, size_t *considered)
{
    sort_expected(list, compare_expected);
    *considered = 0;
    size_t count = gan__st_tensor_count(file);
    for (size_t i = 0; i < count; i++) {
        const gan_st_tensor *t = gan__st_tensor_at(file, i);
        const char *name = considered_name(t, rules);
        if (!name)
            continue;
        ++*considered;
        expected_tensor *e = find_expected(list, name);
        if (!e && !rules->every_name)
            continue;
        if (!e)
            return gan__fail(rules->own_architecture ? GAN_ERR_FORMAT : GAN_ERR_NOT_FOUND,
                             "%s: the file's tensor '%s' is not a parameter or buffer of %s",
                             rules->prefix, t->name, whose(rules));
        gan_status status = check_source(t, e, rules);
        if (status != GAN_OK)
            return status;
        e->source = t;
    }
    return GAN_OK;
}

static gan_status expect_every_source(const expected_list *list, const match_rules *rules)
{
    char want[GAN_SHAPE_TEXT_CAPACITY];
    for (int i = 0; i < list->count; i++)
        if (!list->tensors[i].source)
            return gan__fail(rules->own_architecture ? GAN_ERR_FORMAT : GAN_ERR_NOT_FOUND,
                             "%s: %s has a tensor '%s' %s that the file does not hold",
                             rules->prefix, whose(rules), list->tensors[i].name,
                             shape_text(want, list->tensors[i].rank, list->tensors[i].shape));
    return GAN_OK;
}

static void copy_sources(const expected_list *list)
{
    for (int i = 0; i < list->count; i++) {
        const expected_tensor *e = &list->tensors[i];
        if (e->destination && e->source && e->source->nbytes)
            memcpy(e->destination, e->source->data, e->source->nbytes);
    }
}

/*
 * Checks the file's tensors against `list`: every tensor of the file (but
 * num_batches_tracked) is expected, F32, of the expected shape, and every expected tensor is
 * in the file. Then, and only then, copies the values into the destinations.
 */
static gan_status match_file(const gan_st_file *file, expected_list *list, bool own_architecture,
                             const char *prefix)
{
    const match_rules rules = {prefix, "", own_architecture, true};
    size_t considered;
    gan_status status = pair_tensors(file, list, &rules, &considered);
    if (status == GAN_OK)
        status = expect_every_source(list, &rules);
    if (status == GAN_OK)
        copy_sources(list);
    return status;
}

/* ---- loading into an existing model ------------------------------------------------------- */

/* What loading into an existing model starts from: the file, read and checked as a whole,
 * and the model's tensors with where their values go. */
typedef struct weights_load {
    gan_st_file *file;
    expected_list list;
    char prefix[600]; /* of messages: "FUNCTION: 'PATH'" */
} weights_load;

static gan_status begin_weights_load(weights_load *load, gan_model *model, const char *path,
                                     const char *function)
{
    memset(load, 0, sizeof *load);
    if (!model)
        return gan__null(function, "model");
    if (!path)
        return gan__null(function, "path");
    gan_status status = gan__st_read(&load->file, path, function);
    if (status != GAN_OK)
        return status;
    snprintf(load->prefix, sizeof load->prefix, "%s: '%s'", function, path);
    return expect_model(&load->list, model);
}

static void end_weights_load(weights_load *load)
{
    gan__free(load->list.tensors);
    gan__st_free(load->file);
}

gan_status gan_model_load_weights(gan_model *model, const char *path)
{
    weights_load load;
    gan_status status = begin_weights_load(&load, model, path, __func__);
    if (status == GAN_OK)
        status = match_file(load.file, &load.list, false, load.prefix);
    end_weights_load(&load);
    return status;
}

/* The stripped name of a considered tensor of the file that no expected tensor has, or NULL. */
static const char *only_in_file(const gan_st_tensor *t, const expected_list *list,
                                const match_rules *rules)
{
    const char *name = considered_name(t, rules);
    return name && !find_expected(list, name) ? name : NULL;
}

/* The report's list of a model's tensor after pairing. */
static gan_load_list model_list(const expected_tensor *e)
{
    return e->source ? GAN_LOAD_MATCHED : GAN_LOAD_ONLY_IN_MODEL;
}

/*
 * The report of a matching load whose pairs are made (the list sorted by name): each list's
 * length and the bytes of all names are counted first, so it is allocated once.
 */
static gan_status make_report(const gan_st_file *file, expected_list *list,
                              const match_rules *rules, gan_load_report **out)
{
    size_t counts[GAN_LOAD_LIST_COUNT] = {0}, text_bytes = 0;
    size_t file_count = gan__st_tensor_count(file);
    for (size_t i = 0; i < file_count; i++) {
        const char *name = only_in_file(gan__st_tensor_at(file, i), list, rules);
        if (name) {
            counts[GAN_LOAD_ONLY_IN_FILE]++;
            text_bytes += strlen(name) + 1;
        }
    }
    for (int i = 0; i < list->count; i++) {
        counts[model_list(&list->tensors[i])]++;
        text_bytes += strlen(list->tensors[i].name) + 1;
    }
    gan_status status = gan__load_report_new(out, counts, text_bytes);
    if (status != GAN_OK)
        return status;
    for (size_t i = 0; i < file_count; i++) {
        const char *name = only_in_file(gan__st_tensor_at(file, i), list, rules);
        if (name)
            gan__load_report_add(*out, GAN_LOAD_ONLY_IN_FILE, name);
    }
    sort_expected(list, compare_order); /* back to the model's order */
    for (int i = 0; i < list->count; i++)
        gan__load_report_add(*out, model_list(&list->tensors[i]), list->tensors[i].name);
    return GAN_OK;
}

static int count_sources(const expected_list *list)
{
    int matched = 0;
    for (int i = 0; i < list->count; i++)
        matched += list->tensors[i].source != NULL;
    return matched;
}

/* Everything is checked, and the report made, before the first value is copied. */
static gan_status load_matching(weights_load *load, const char *name_prefix,
                                gan_load_report **report)
{
    const match_rules rules = {load->prefix, name_prefix, false, false};
    size_t considered;
    gan_status status = pair_tensors(load->file, &load->list, &rules, &considered);
    if (status == GAN_OK && count_sources(&load->list) == 0)
        status = gan__fail(GAN_ERR_NOT_FOUND, "%s: none of the file's %zu tensors under the "
                           "prefix \"%s\" (num_batches_tracked aside) is a parameter or buffer "
                           "of the model", load->prefix, considered, name_prefix);
    if (status == GAN_OK && report)
        status = make_report(load->file, &load->list, &rules, report);
    if (status == GAN_OK)
        copy_sources(&load->list);
    return status;
}

gan_status gan_model_load_matching(gan_model *model, const char *path, const char *prefix,
                                   gan_load_report **report)
{
    if (report)
        *report = NULL;
    weights_load load;
    gan_status status = begin_weights_load(&load, model, path, __func__);
    if (status == GAN_OK)
        status = load_matching(&load, prefix ? prefix : "", report);
    end_weights_load(&load);
    return status;
}

/* ---- rebuilding a model from its file ---------------------------------------------------- */

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
