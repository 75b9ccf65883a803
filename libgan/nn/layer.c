/* What every layer shares: construction, names, options dispatch, initialisers. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "core/random_impl.h"
#include "nn/layer_impl.h"

int64_t gan__shape_numel(const gan_shape *shape)
{
    int64_t numel = 1;
    for (int i = 0; i < shape->rank; i++)
        numel *= shape->dim[i];
    return numel;
}

gan_status gan__layer_begin(gan_layer **out, const char *function)
{
    if (!out)
        return gan__null(function, "out");
    *out = NULL;
    return GAN_OK;
}

gan_status gan__layer_alloc(gan_layer **out, size_t size, const gan_layer_ops *ops)
{
    gan_layer *layer = gan__calloc(size, ops->kind);
    *out = layer;
    if (!layer)
        return GAN_ERR_OUT_OF_MEMORY;
    layer->ops = ops;
    layer->init = GAN_INIT_PYTORCH;
    return GAN_OK;
}

static void declare_tensor(gan_layer_tensor *tensor, const char *suffix, int rank,
                           const int64_t *dim)
{
    tensor->suffix = suffix;
    tensor->shape.rank = rank;
    memcpy(tensor->shape.dim, dim, (size_t)rank * sizeof(int64_t));
}

void gan__layer_add_param(gan_layer *layer, const char *suffix, int rank, const int64_t *dim)
{
    declare_tensor(&layer->params[layer->param_count++], suffix, rank, dim);
}

void gan__layer_add_buffer(gan_layer *layer, const char *suffix, int rank, const int64_t *dim)
{
    declare_tensor(&layer->buffers[layer->buffer_count++], suffix, rank, dim);
}

int64_t gan__pass_input_numel(const gan_layer *layer, const gan_pass *pass)
{
    return pass->batch * gan__shape_numel(&layer->in);
}

gan_status gan__infer_same_shape(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    (void)layer;
    *out = *in;
    return GAN_OK;
}

gan_status gan__check_min(const char *function, const char *what, int64_t value, int64_t minimum)
{
    if (value < minimum)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s is %lld; it must be >= %lld",
                         function, what, (long long)value, (long long)minimum);
    return GAN_OK;
}

gan_status gan__check_weight_size(const char *function, int64_t a, int64_t b, int64_t c)
{
    const int64_t limit = INT64_C(1) << 40;
    int64_t ab, abc;
    if (!gan__mul_i64(a, b, &ab) || !gan__mul_i64(ab, c, &abc) || abc > limit)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: a weight of %lld x %lld x %lld floats is too large",
                         function, (long long)a, (long long)b, (long long)c);
    return GAN_OK;
}

gan_status gan__no_such_option(const gan_layer *layer, gan_layer_option option)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s' has no option %d",
                     layer->ops->kind, layer->name, (int)option);
}

void gan_layer_free(gan_layer *layer)
{
    if (layer && !layer->in_model)
        gan__free(layer);
}

gan_status gan_layer_set_name(gan_layer *layer, const char *name)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (!name)
        return gan__null(__func__, "name");
    if (layer->in_model) /* its tensors are already named after it */
        return gan__fail(GAN_ERR_STATE, "%s: the %s layer is in a model; name it before "
                         "gan_model_add", __func__, layer->ops->kind);
    size_t length = strlen(name);
    if (length == 0 || length >= GAN_LAYER_NAME_CAPACITY)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: a name has 1 to %d characters, not %zu",
                         __func__, GAN_LAYER_NAME_CAPACITY - 1, length);
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        int allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!allowed)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "%s: character %zu of the name (0x%02x) is not one of [A-Za-z0-9_.-]",
                             __func__, i, (unsigned)(unsigned char)c);
    }
    if (strspn(name, "0123456789") == length)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: '%s' is all digits, the name of the "
                         "unnamed layer at that index", __func__, name);
    memcpy(layer->name, name, length + 1);
    return GAN_OK;
}

const char *gan_layer_name(const gan_layer *layer)
{
    if (!layer) {
        gan__null(__func__, "layer");
        return "";
    }
    return layer->name;
}

const char *gan_layer_kind(const gan_layer *layer)
{
    if (!layer) {
        gan__null(__func__, "layer");
        return "";
    }
    return layer->ops->kind;
}

gan_status gan_layer_set_init(gan_layer *layer, gan_init init)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (init != GAN_INIT_PYTORCH && init != GAN_INIT_GLOROT_UNIFORM && init != GAN_INIT_DCGAN)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown initialisation scheme %d",
                         __func__, (int)init);
    layer->init = init;
    return GAN_OK;
}

/* GAN_LAYER_TRAINABLE belongs to every layer and is an integer. */
static gan_status trainable_is_an_integer(const gan_layer *layer)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s': trainable is an integer option "
                     "(use gan_layer_set_int / gan_layer_get_int)", layer->ops->kind, layer->name);
}

gan_status gan_layer_set_float(gan_layer *layer, gan_layer_option option, float value)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (option == GAN_LAYER_TRAINABLE)
        return trainable_is_an_integer(layer);
    return layer->ops->set_float ? layer->ops->set_float(layer, option, value)
                                 : gan__no_such_option(layer, option);
}

gan_status gan_layer_get_float(const gan_layer *layer, gan_layer_option option, float *value)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (!value)
        return gan__null(__func__, "value");
    if (option == GAN_LAYER_TRAINABLE)
        return trainable_is_an_integer(layer);
    return layer->ops->get_float ? layer->ops->get_float(layer, option, value)
                                 : gan__no_such_option(layer, option);
}

gan_status gan_layer_set_int(gan_layer *layer, gan_layer_option option, int64_t value)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (option == GAN_LAYER_TRAINABLE) { /* every layer has it */
        if (value != 0 && value != 1)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s': trainable is %lld; it "
                             "must be 0 or 1", layer->ops->kind, layer->name, (long long)value);
        layer->frozen = value == 0;
        return GAN_OK;
    }
    return layer->ops->set_int ? layer->ops->set_int(layer, option, value)
                               : gan__no_such_option(layer, option);
}

gan_status gan_layer_get_int(const gan_layer *layer, gan_layer_option option, int64_t *value)
{
    if (!layer)
        return gan__null(__func__, "layer");
    if (!value)
        return gan__null(__func__, "value");
    if (option == GAN_LAYER_TRAINABLE) {
        *value = !layer->frozen;
        return GAN_OK;
    }
    return layer->ops->get_int ? layer->ops->get_int(layer, option, value)
                               : gan__no_such_option(layer, option);
}

static gan_layer_arg *next_arg(gan_layer_config *config, const char *key,
                               gan_layer_arg_type type)
{
    gan_layer_arg *arg = &config->args[config->arg_count++];
    arg->key = key;
    arg->type = type;
    return arg;
}

void gan__config_int(gan_layer_config *config, const char *key, int64_t value)
{
    next_arg(config, key, GAN_LAYER_ARG_INT)->integer = value;
}

void gan__config_float(gan_layer_config *config, const char *key, float value)
{
    next_arg(config, key, GAN_LAYER_ARG_FLOAT)->real = value;
}

void gan__config_bool(gan_layer_config *config, const char *key, bool value)
{
    next_arg(config, key, GAN_LAYER_ARG_BOOL)->integer = value ? 1 : 0;
}

void gan__config_shape(gan_layer_config *config, const char *key, const gan_shape *shape)
{
    config->shape_key = key;
    config->shape = *shape;
}

void gan__config_none(const gan_layer *layer, gan_layer_config *config)
{
    (void)layer;
    (void)config;
}

/* The init stream cannot run out in practice (2^64 blocks); a failure leaves zeros. */
void gan__init_uniform(gan_rng *rng, float *values, int64_t count, float bound)
{
    if (gan__rng_uniform(rng, GAN_RNG_INIT, values, count, -bound, bound) != GAN_OK)
        gan__init_constant(values, count, 0.0f);
}

void gan__init_normal(gan_rng *rng, float *values, int64_t count, float mean, float std)
{
    if (gan__rng_normal(rng, GAN_RNG_INIT, values, count, mean, std) != GAN_OK)
        gan__init_constant(values, count, 0.0f);
}

void gan__init_constant(float *values, int64_t count, float value)
{
    for (int64_t i = 0; i < count; i++)
        values[i] = value;
}

void gan__init_weight_and_bias(const gan_layer *layer, gan_rng *rng, float *weight,
                               int64_t weight_count, float *bias, int64_t bias_count,
                               int64_t fan_in, int64_t fan_out)
{
    switch (layer->init) {
    case GAN_INIT_PYTORCH: {
        /* kaiming_uniform_(a=sqrt(5)) gives bound sqrt(6 / ((1 + 5) fan_in)) = 1/sqrt(fan_in). */
        float bound = (float)(1.0 / sqrt((double)fan_in));
        gan__init_uniform(rng, weight, weight_count, bound);
        if (bias)
            gan__init_uniform(rng, bias, bias_count, bound);
        return;
    }
    case GAN_INIT_GLOROT_UNIFORM:
        gan__init_uniform(rng, weight, weight_count,
                          (float)sqrt(6.0 / (double)(fan_in + fan_out)));
        break;
    case GAN_INIT_DCGAN:
        gan__init_normal(rng, weight, weight_count, 0.0f, 0.02f);
        break;
    }
    if (bias)
        gan__init_constant(bias, bias_count, 0.0f);
}
