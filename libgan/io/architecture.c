/* A model's architecture as JSON, and back (see architecture.h). */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/architecture.h"
#include "nn/model_impl.h"

/* ---- writing ------------------------------------------------------------------------ */

static void write_shape(gan_text *text, const gan_shape *shape)
{
    gan__text_puts(text, "[");
    for (int i = 0; i < shape->rank; i++) {
        if (i)
            gan__text_puts(text, ",");
        gan__text_json_int(text, shape->dim[i]);
    }
    gan__text_puts(text, "]");
}

static gan_status write_layer(gan_text *text, const gan_layer *layer, int index,
                              const char *function)
{
    if (!layer->ops->config)
        return gan__fail(GAN_ERR_UNSUPPORTED, "%s: layer %d (%s) cannot describe its "
                         "configuration", function, index, layer->ops->kind);
    gan_layer_config config;
    memset(&config, 0, sizeof config);
    layer->ops->config(layer, &config);
    gan__text_puts(text, "{\"kind\":");
    gan__text_json_string(text, layer->ops->kind);
    gan__text_puts(text, ",\"name\":");
    gan__text_json_string(text, layer->name);
    gan__text_puts(text, ",\"init\":");
    gan__text_json_int(text, (int64_t)layer->init);
    gan__text_puts(text, ",\"args\":{");
    bool first = true;
    if (config.shape_key) {
        gan__text_json_string(text, config.shape_key);
        gan__text_puts(text, ":");
        write_shape(text, &config.shape);
        first = false;
    }
    for (int i = 0; i < config.arg_count; i++) {
        const gan_layer_arg *arg = &config.args[i];
        if (!first)
            gan__text_puts(text, ",");
        first = false;
        gan__text_json_string(text, arg->key);
        gan__text_puts(text, ":");
        switch (arg->type) {
        case GAN_LAYER_ARG_INT:
            gan__text_json_int(text, arg->integer);
            break;
        case GAN_LAYER_ARG_FLOAT:
            if (!isfinite(arg->real)) /* JSON has no NaN or infinity */
                return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: layer %d (%s): %s is %g, which a "
                                 "file cannot hold", function, index, layer->ops->kind, arg->key,
                                 (double)arg->real);
            gan__text_json_double(text, (double)arg->real);
            break;
        case GAN_LAYER_ARG_BOOL:
            gan__text_puts(text, arg->integer ? "true" : "false");
            break;
        }
    }
    gan__text_puts(text, "}}");
    return GAN_OK;
}

gan_status gan__architecture_write(const gan_model *model, gan_text *text, const char *function)
{
    gan__text_puts(text, "{\"format\":\"" GAN_ARCHITECTURE_FORMAT "\",\"version\":");
    gan__text_json_int(text, GAN_ARCHITECTURE_VERSION);
    gan__text_puts(text, ",\"input_shape\":");
    gan_shape input;
    if (gan__model_input_shape(model, &input))
        write_shape(text, &input);
    else
        gan__text_puts(text, "null");
    gan__text_puts(text, ",\"layers\":[");
    int count = gan_model_layer_count(model);
    for (int i = 0; i < count; i++) {
        if (i)
            gan__text_puts(text, ",");
        gan_status status = write_layer(text, gan__model_layer_at(model, i), i, function);
        if (status != GAN_OK)
            return status;
    }
    gan__text_puts(text, "]}");
    return gan__text_status(text);
}

/* ---- reading ------------------------------------------------------------------------ */

/* The arguments of one layer, read key by key; the first failure sticks in `status`. */
typedef struct args_reader {
    const cJSON *args;
    const char *prefix, *kind;
    int index;
    int used;          /* keys read so far */
    gan_status status;
} args_reader;

static gan_status layer_error(const args_reader *a, gan_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static gan_status layer_error(const args_reader *a, gan_status status, const char *format, ...)
{
    char reason[700];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    return gan__fail(status, "%s: architecture layer %d (%s): %s", a->prefix, a->index,
                     a->kind, reason);
}

/* The item for `key`, or NULL (status set) when it is missing or an earlier read failed. */
static const cJSON *arg_item(args_reader *a, const char *key)
{
    if (a->status != GAN_OK)
        return NULL;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(a->args, key);
    if (!item) {
        a->status = layer_error(a, GAN_ERR_FORMAT, "argument '%s' is missing", key);
        return NULL;
    }
    a->used++;
    return item;
}

static int64_t arg_int(args_reader *a, const char *key)
{
    const cJSON *item = arg_item(a, key);
    int64_t value = 0;
    if (item && !gan__json_integer(item, &value))
        a->status = layer_error(a, GAN_ERR_FORMAT, "argument '%s' is not an integer (exact, "
                                "within +-2^53)", key);
    return value;
}

static float arg_float(args_reader *a, const char *key)
{
    const cJSON *item = arg_item(a, key);
    if (!item)
        return 0.0f;
    double value = item->valuedouble;
    if (!cJSON_IsNumber(item) || !(value >= -FLT_MAX && value <= FLT_MAX)) {
        a->status = layer_error(a, GAN_ERR_FORMAT, "argument '%s' is not a number in the range "
                                "of float", key);
        return 0.0f;
    }
    return (float)value;
}

static bool arg_bool(args_reader *a, const char *key)
{
    const cJSON *item = arg_item(a, key);
    if (item && !cJSON_IsBool(item))
        a->status = layer_error(a, GAN_ERR_FORMAT, "argument '%s' is not true or false", key);
    return item && cJSON_IsTrue(item);
}

/* A shape argument: 1 to GAN_TENSOR_MAX_RANK - 1 integers (their ranges are the
 * constructor's to check). */
static int arg_shape(args_reader *a, const char *key, int64_t dims[GAN_TENSOR_MAX_RANK])
{
    const cJSON *item = arg_item(a, key);
    if (!item)
        return 0;
    int rank = cJSON_IsArray(item) ? cJSON_GetArraySize(item) : -1;
    if (rank < 1 || rank >= GAN_TENSOR_MAX_RANK) {
        a->status = layer_error(a, GAN_ERR_FORMAT, "argument '%s' is not an array of 1 to %d "
                                "integers", key, GAN_TENSOR_MAX_RANK - 1);
        return 0;
    }
    int i = 0;
    for (const cJSON *dim = item->child; dim; dim = dim->next, i++)
        if (!gan__json_integer(dim, &dims[i])) {
            a->status = layer_error(a, GAN_ERR_FORMAT, "element %d of argument '%s' is not an "
                                    "integer", i, key);
            return 0;
        }
    return rank;
}

/* The options of the norm layers, through the public setters. */
static gan_status set_norm_options(args_reader *a, gan_layer *layer, bool momentum)
{
    float momentum_value = momentum ? arg_float(a, "momentum") : 0.0f;
    float eps = arg_float(a, "eps");
    bool affine = arg_bool(a, "affine");
    if (a->status != GAN_OK)
        return a->status;
    gan_status status = GAN_OK;
    if (momentum)
        status = gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, momentum_value);
    if (status == GAN_OK)
        status = gan_layer_set_float(layer, GAN_LAYER_EPS, eps);
    if (status == GAN_OK)
        status = gan_layer_set_int(layer, GAN_LAYER_AFFINE, affine ? 1 : 0);
    return status;
}

/* Builders: read the arguments, call the constructor (and setters). On failure *out may
 * hold a layer, which the caller frees. */
typedef gan_status (*builder_fn)(args_reader *a, gan_layer **out);

static gan_status build_linear(args_reader *a, gan_layer **out)
{
    int64_t in = arg_int(a, "in_features"), features = arg_int(a, "out_features");
    bool bias = arg_bool(a, "bias");
    return a->status != GAN_OK ? a->status : gan_layer_dense(out, in, features, bias);
}

static gan_status build_conv(args_reader *a, gan_layer **out, bool transposed)
{
    int64_t in = arg_int(a, "in_channels"), channels = arg_int(a, "out_channels");
    int64_t kernel = arg_int(a, "kernel_size"), stride = arg_int(a, "stride");
    int64_t padding = arg_int(a, "padding");
    int64_t output_padding = transposed ? arg_int(a, "output_padding") : 0;
    bool bias = arg_bool(a, "bias");
    if (a->status != GAN_OK)
        return a->status;
    return transposed ? gan_layer_conv_transpose2d(out, in, channels, kernel, stride, padding,
                                                   output_padding, bias)
                      : gan_layer_conv2d(out, in, channels, kernel, stride, padding, bias);
}

static gan_status build_conv2d(args_reader *a, gan_layer **out)
{
    return build_conv(a, out, false);
}

static gan_status build_conv_transpose2d(args_reader *a, gan_layer **out)
{
    return build_conv(a, out, true);
}

static gan_status build_batchnorm(args_reader *a, gan_layer **out, bool two_d)
{
    int64_t features = arg_int(a, "num_features");
    if (a->status != GAN_OK)
        return a->status;
    gan_status status = two_d ? gan_layer_batchnorm2d(out, features)
                              : gan_layer_batchnorm1d(out, features);
    return status == GAN_OK ? set_norm_options(a, *out, true) : status;
}

static gan_status build_batchnorm1d(args_reader *a, gan_layer **out)
{
    return build_batchnorm(a, out, false);
}

static gan_status build_batchnorm2d(args_reader *a, gan_layer **out)
{
    return build_batchnorm(a, out, true);
}

static gan_status build_layernorm(args_reader *a, gan_layer **out)
{
    int64_t dims[GAN_TENSOR_MAX_RANK];
    int rank = arg_shape(a, "normalized_shape", dims);
    if (a->status != GAN_OK)
        return a->status;
    gan_status status = gan_layer_layernorm(out, rank, dims);
    return status == GAN_OK ? set_norm_options(a, *out, false) : status;
}

static gan_status build_relu(args_reader *a, gan_layer **out)
{
    (void)a;
    return gan_layer_relu(out);
}

static gan_status build_leaky_relu(args_reader *a, gan_layer **out)
{
    float slope = arg_float(a, "negative_slope");
    return a->status != GAN_OK ? a->status : gan_layer_leaky_relu(out, slope);
}

static gan_status build_tanh(args_reader *a, gan_layer **out)
{
    (void)a;
    return gan_layer_tanh(out);
}

static gan_status build_sigmoid(args_reader *a, gan_layer **out)
{
    (void)a;
    return gan_layer_sigmoid(out);
}

static gan_status build_dropout(args_reader *a, gan_layer **out)
{
    float p = arg_float(a, "p");
    return a->status != GAN_OK ? a->status : gan_layer_dropout(out, p);
}

static gan_status build_flatten(args_reader *a, gan_layer **out)
{
    (void)a;
    return gan_layer_flatten(out);
}

static gan_status build_reshape(args_reader *a, gan_layer **out)
{
    int64_t dims[GAN_TENSOR_MAX_RANK];
    int rank = arg_shape(a, "shape", dims);
    return a->status != GAN_OK ? a->status : gan_layer_reshape(out, rank, dims);
}

static gan_status build_upsample(args_reader *a, gan_layer **out)
{
    int64_t scale = arg_int(a, "scale_factor");
    return a->status != GAN_OK ? a->status : gan_layer_upsample(out, scale);
}

static gan_status build_pool(args_reader *a, gan_layer **out, bool max)
{
    int64_t kernel = arg_int(a, "kernel_size"), stride = arg_int(a, "stride");
    int64_t padding = arg_int(a, "padding");
    if (a->status != GAN_OK)
        return a->status;
    return max ? gan_layer_maxpool2d(out, kernel, stride, padding)
               : gan_layer_avgpool2d(out, kernel, stride, padding);
}

static gan_status build_maxpool2d(args_reader *a, gan_layer **out)
{
    return build_pool(a, out, true);
}

static gan_status build_avgpool2d(args_reader *a, gan_layer **out)
{
    return build_pool(a, out, false);
}

static gan_status build_embedding(args_reader *a, gan_layer **out)
{
    int64_t count = arg_int(a, "num_embeddings"), dim = arg_int(a, "embedding_dim");
    return a->status != GAN_OK ? a->status : gan_layer_embedding(out, count, dim);
}

static const struct {
    const char *kind;
    builder_fn build;
} builders[] = {
    {"Linear", build_linear},
    {"Conv2d", build_conv2d},
    {"ConvTranspose2d", build_conv_transpose2d},
    {"BatchNorm1d", build_batchnorm1d},
    {"BatchNorm2d", build_batchnorm2d},
    {"LayerNorm", build_layernorm},
    {"ReLU", build_relu},
    {"LeakyReLU", build_leaky_relu},
    {"Tanh", build_tanh},
    {"Sigmoid", build_sigmoid},
    {"Dropout", build_dropout},
    {"Flatten", build_flatten},
    {"Reshape", build_reshape},
    {"Upsample", build_upsample},
    {"MaxPool2d", build_maxpool2d},
    {"AvgPool2d", build_avgpool2d},
    {"Embedding", build_embedding},
};

/* The keys of `object` are all in `allowed` (NULL-terminated); else the first other one. */
static const char *unknown_key(const cJSON *object, const char *const *allowed)
{
    for (const cJSON *item = object->child; item; item = item->next) {
        bool known = false;
        for (const char *const *key = allowed; *key && !known; key++)
            known = strcmp(item->string, *key) == 0;
        if (!known)
            return item->string;
    }
    return NULL;
}

/* Library errors of a constructor or setter become the file's fault: GAN_ERR_FORMAT. */
static gan_status as_format_error(const args_reader *a, gan_status status)
{
    if (status == GAN_OK || status == GAN_ERR_OUT_OF_MEMORY || status == GAN_ERR_FORMAT ||
        status == GAN_ERR_UNSUPPORTED)
        return status;
    char reason[700];
    snprintf(reason, sizeof reason, "%s", gan_last_error());
    return layer_error(a, GAN_ERR_FORMAT, "%s", reason);
}

static gan_status read_layer(const cJSON *entry, int index, const char *prefix, gan_layer **out)
{
    static const char *const layer_keys[] = {"kind", "name", "init", "args", NULL};
    *out = NULL;
    args_reader a = {.prefix = prefix, .kind = "?", .index = index};
    if (!cJSON_IsObject(entry))
        return layer_error(&a, GAN_ERR_FORMAT, "the entry is not an object");
    gan_status status = gan__json_check_unique_keys(entry, prefix, "an architecture layer");
    if (status != GAN_OK)
        return status;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(entry, "kind");
    if (!cJSON_IsString(kind))
        return layer_error(&a, GAN_ERR_FORMAT, "'kind' is missing or not a string");
    a.kind = kind->valuestring;
    const char *extra = unknown_key(entry, layer_keys);
    if (extra)
        return layer_error(&a, GAN_ERR_FORMAT, "unknown key '%s'", extra);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
    const cJSON *init = cJSON_GetObjectItemCaseSensitive(entry, "init");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(entry, "args");
    int64_t init_value = 0;
    if (!cJSON_IsString(name))
        return layer_error(&a, GAN_ERR_FORMAT, "'name' is missing or not a string");
    if (!gan__json_integer(init, &init_value) || init_value < 0 || init_value > 2)
        return layer_error(&a, GAN_ERR_FORMAT, "'init' is missing or not 0, 1 or 2");
    if (!cJSON_IsObject(args))
        return layer_error(&a, GAN_ERR_FORMAT, "'args' is missing or not an object");
    status = gan__json_check_unique_keys(args, prefix, "the arguments of an architecture layer");
    if (status != GAN_OK)
        return status;
    builder_fn build = NULL;
    for (size_t i = 0; i < sizeof builders / sizeof builders[0] && !build; i++)
        if (strcmp(builders[i].kind, a.kind) == 0)
            build = builders[i].build;
    if (!build)
        return layer_error(&a, GAN_ERR_UNSUPPORTED, "this version of libgan has no layer kind '%s'",
                           a.kind);

    a.args = args;
    status = build(&a, out);
    if (status == GAN_OK && a.used != cJSON_GetArraySize(args)) {
        /* A key the builder did not read: find it by reading them all again. */
        const cJSON *item = args->child;
        gan_layer_config config;
        memset(&config, 0, sizeof config);
        (*out)->ops->config(*out, &config);
        for (; item; item = item->next) {
            bool known = config.shape_key && strcmp(item->string, config.shape_key) == 0;
            for (int i = 0; i < config.arg_count && !known; i++)
                known = strcmp(item->string, config.args[i].key) == 0;
            if (!known)
                break;
        }
        status = layer_error(&a, GAN_ERR_UNSUPPORTED, "unknown argument '%s'",
                             item ? item->string : "?");
    }
    if (status == GAN_OK && name->valuestring[0])
        status = gan_layer_set_name(*out, name->valuestring);
    if (status == GAN_OK)
        status = gan_layer_set_init(*out, (gan_init)init_value);
    if (status != GAN_OK) {
        gan_layer_free(*out);
        *out = NULL;
    }
    return as_format_error(&a, status);
}

static gan_status read_input_shape(const cJSON *item, gan_architecture *architecture,
                                   const char *prefix)
{
    if (!item || cJSON_IsNull(item))
        return GAN_OK;
    int rank = cJSON_IsArray(item) ? cJSON_GetArraySize(item) : -1;
    if (rank < 1 || rank >= GAN_TENSOR_MAX_RANK)
        return gan__fail(GAN_ERR_FORMAT, "%s: architecture: 'input_shape' is not null or an array "
                         "of 1 to %d integers", prefix, GAN_TENSOR_MAX_RANK - 1);
    int i = 0;
    for (const cJSON *dim = item->child; dim; dim = dim->next, i++)
        if (!gan__json_integer(dim, &architecture->input_shape.dim[i]) ||
            architecture->input_shape.dim[i] < 1)
            return gan__fail(GAN_ERR_FORMAT, "%s: architecture: element %d of 'input_shape' is "
                             "not an integer >= 1", prefix, i);
    architecture->input_shape.rank = rank;
    architecture->has_input_shape = true;
    return GAN_OK;
}

static gan_status read_root(const cJSON *root, gan_architecture *architecture, const char *prefix)
{
    static const char *const root_keys[] = {"format", "version", "input_shape", "layers", NULL};
    if (!cJSON_IsObject(root))
        return gan__fail(GAN_ERR_FORMAT, "%s: the architecture is not a JSON object", prefix);
    gan_status status = gan__json_check_unique_keys(root, prefix, "the architecture");
    if (status != GAN_OK)
        return status;
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, GAN_ARCHITECTURE_FORMAT) != 0)
        return gan__fail(GAN_ERR_FORMAT, "%s: architecture: 'format' is not \"%s\"", prefix,
                         GAN_ARCHITECTURE_FORMAT);
    int64_t version;
    if (!gan__json_integer(cJSON_GetObjectItemCaseSensitive(root, "version"), &version))
        return gan__fail(GAN_ERR_FORMAT, "%s: architecture: 'version' is missing or not an "
                         "integer", prefix);
    if (version != GAN_ARCHITECTURE_VERSION)
        return gan__fail(GAN_ERR_UNSUPPORTED, "%s: architecture version %lld; this libgan reads "
                         "version %d", prefix, (long long)version, GAN_ARCHITECTURE_VERSION);
    const char *extra = unknown_key(root, root_keys);
    if (extra)
        return gan__fail(GAN_ERR_FORMAT, "%s: architecture: unknown key '%s'", prefix, extra);
    status = read_input_shape(cJSON_GetObjectItemCaseSensitive(root, "input_shape"), architecture,
                              prefix);
    if (status != GAN_OK)
        return status;
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers))
        return gan__fail(GAN_ERR_FORMAT, "%s: architecture: 'layers' is missing or not an array",
                         prefix);
    int count = cJSON_GetArraySize(layers);
    if (count > GAN_ARCHITECTURE_MAX_LAYERS)
        return gan__fail(GAN_ERR_UNSUPPORTED, "%s: architecture: %d layers; libgan loads at most %d",
                         prefix, count, GAN_ARCHITECTURE_MAX_LAYERS);
    if (count > 0) {
        architecture->layers = gan__calloc_array((size_t)count, sizeof *architecture->layers,
                                                 "architecture layers");
        if (!architecture->layers)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    int index = 0;
    for (const cJSON *entry = layers->child; entry; entry = entry->next, index++) {
        status = read_layer(entry, index, prefix, &architecture->layers[index]);
        if (status != GAN_OK)
            return status;
        architecture->layer_count = index + 1;
    }
    return GAN_OK;
}

gan_status gan__architecture_read(const char *json, gan_architecture *architecture,
                                  const char *prefix)
{
    memset(architecture, 0, sizeof *architecture);
    cJSON *root = NULL;
    gan_status status = gan__json_parse(json, strlen(json), &root, prefix, "the architecture");
    if (status == GAN_OK)
        status = read_root(root, architecture, prefix);
    cJSON_Delete(root);
    if (status != GAN_OK)
        gan__architecture_free(architecture);
    return status;
}

void gan__architecture_free(gan_architecture *architecture)
{
    for (int i = 0; i < architecture->layer_count; i++)
        gan_layer_free(architecture->layers[i]);
    gan__free(architecture->layers);
    memset(architecture, 0, sizeof *architecture);
}
