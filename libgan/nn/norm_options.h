/* Internal: the options BatchNorm and LayerNorm share (eps, affine) and their checks. */
#ifndef GAN_NN_NORM_OPTIONS_H
#define GAN_NN_NORM_OPTIONS_H

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "nn/layer_impl.h"

/* PyTorch's defaults. */
#define GAN_NORM_DEFAULT_EPS 1e-5f
#define GAN_NORM_DEFAULT_MOMENTUM 0.1f

/* An option the layer has, asked for with the wrong type. */
static inline gan_status gan__norm_wrong_type(const gan_layer *layer, gan_layer_option option,
                                              const char *type)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s': option %d is not %s option",
                     layer->ops->kind, layer->name, (int)option, type);
}

static inline gan_status gan__norm_check_eps(const gan_layer *layer, float eps)
{
    if (!isfinite(eps) || !(eps > 0.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s layer '%s': eps %g must be finite and > 0", layer->ops->kind,
                         layer->name, (double)eps);
    return GAN_OK;
}

/* Declares weight and bias of `shape` if affine, nothing otherwise. */
static inline void gan__norm_declare_params(gan_layer *layer, bool affine, int rank,
                                            const int64_t *shape)
{
    layer->param_count = 0;
    memset(layer->params, 0, sizeof layer->params);
    if (affine) {
        gan__layer_add_param(layer, "weight", rank, shape);
        gan__layer_add_param(layer, "bias", rank, shape);
    }
}

/* GAN_LAYER_AFFINE: 0 or 1; a change re-declares the parameters, so it is refused once the
 * model has laid them out. Setting the current value is always accepted. */
static inline gan_status gan__norm_set_affine(gan_layer *layer, bool *affine, int64_t value,
                                              int rank, const int64_t *shape)
{
    if (value != 0 && value != 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s': affine is %lld; it must be 0 or 1",
                         layer->ops->kind, layer->name, (long long)value);
    if ((value == 1) == *affine)
        return GAN_OK;
    if (layer->in_model)
        return gan__fail(GAN_ERR_STATE,
                         "%s layer '%s': affine cannot change once the layer is in a model "
                         "(it adds or removes the weight and bias)",
                         layer->ops->kind, layer->name);
    *affine = value == 1;
    gan__norm_declare_params(layer, *affine, rank, shape);
    return GAN_OK;
}

/* A norm layer's weight and bias before initialisation: 1 and 0. */
static inline void gan__norm_reset_affine(const gan_layer *layer, int64_t count)
{
    if (layer->param_count == 0)
        return;
    gan__init_constant(layer->params[0].value, count, 1.0f);
    gan__init_constant(layer->params[1].value, count, 0.0f);
}

/* The initialisation of a norm layer's weight and bias: 1 and 0, or for DCGAN N(1, 0.02)
 * and 0. */
static inline void gan__norm_init_affine(const gan_layer *layer, gan_rng *rng, int64_t count)
{
    gan__norm_reset_affine(layer, count);
    if (layer->param_count > 0 && layer->init == GAN_INIT_DCGAN)
        gan__init_normal(rng, layer->params[0].value, count, 1.0f, 0.02f);
}

#endif /* GAN_NN_NORM_OPTIONS_H */
