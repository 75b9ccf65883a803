/*
 * LayerNorm (torch.nn.LayerNorm(normalized_shape)): each group of D values that share the
 * leading indices of a sample, D = the product of the normalized shape (the last `rank`
 * dimensions), is normalised on its own, the same way in training and evaluation:
 *   forward:  mean, var = the group's mean and biased variance
 *             xhat = (x - mean) / sqrt(var + eps);  y = gamma xhat + beta   (gamma, beta
 *             elementwise, of the normalized shape)
 *   backward: dgamma += sum over groups of dy xhat;  dbeta += sum over groups of dy
 *             dxhat = dy gamma;  dx = invstd / D (D dxhat - sum dxhat - xhat sum(dxhat xhat))
 * The workspace keeps each group's mean and invstd (2 floats per group).
 */
#include <string.h>

#include "core/checked_math.h"
#include "core/error.h"
#include "kernels/normalization.h"
#include "nn/layer_impl.h"
#include "nn/norm_options.h"

typedef struct layernorm_layer {
    gan_layer base;
    gan_shape normalized;
    int64_t size; /* D, the product of the normalized shape */
    float eps;
    bool affine;
} layernorm_layer;

static gan_status layernorm_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_shape *normalized = &((const layernorm_layer *)layer)->normalized;
    int lead = in->rank - normalized->rank;
    if (lead < 0 || memcmp(in->dim + lead, normalized->dim,
                           (size_t)normalized->rank * sizeof(int64_t)) != 0) {
        char text[GAN_SHAPE_TEXT_CAPACITY], expected[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s does not end in the normalized shape %s",
                         gan__shape_text(text, in->rank, in->dim),
                         gan__shape_text(expected, normalized->rank, normalized->dim));
    }
    *out = *in;
    return GAN_OK;
}

/* Groups in a pass: every leading position of every sample. */
static int64_t group_count(const gan_layer *layer, int64_t batch)
{
    return batch * (gan__shape_numel(&layer->in) / ((const layernorm_layer *)layer)->size);
}

static size_t layernorm_workspace_floats(const gan_layer *layer, int64_t batch)
{
    return 2 * (size_t)group_count(layer, batch); /* mean, invstd */
}

static void layernorm_reset(gan_layer *layer)
{
    gan__norm_reset_affine(layer, ((const layernorm_layer *)layer)->size);
}

static void layernorm_init(gan_layer *layer, gan_rng *rng)
{
    gan__norm_init_affine(layer, rng, ((const layernorm_layer *)layer)->size);
}

static gan_status layernorm_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                    float *y)
{
    const layernorm_layer *ln = (const layernorm_layer *)layer;
    int64_t groups = group_count(layer, pass->batch);
    gan__layernorm_forward(groups, ln->size, x, ln->eps,
                           ln->affine ? layer->params[0].value : NULL,
                           ln->affine ? layer->params[1].value : NULL, pass->workspace,
                           pass->workspace + groups, y);
    return GAN_OK;
}

static void layernorm_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                               const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)y;
    const layernorm_layer *ln = (const layernorm_layer *)layer;
    int64_t groups = group_count(layer, pass->batch);
    bool grads = param_grads && ln->affine;
    gan__layernorm_backward(groups, ln->size, x, dy, pass->workspace, pass->workspace + groups,
                            ln->affine ? layer->params[0].value : NULL, dx,
                            grads ? layer->params[0].grad : NULL,
                            grads ? layer->params[1].grad : NULL);
}

static gan_status layernorm_set_float(gan_layer *layer, gan_layer_option option, float value)
{
    if (option == GAN_LAYER_EPS) {
        gan_status status = gan__norm_check_eps(layer, value);
        if (status == GAN_OK)
            ((layernorm_layer *)layer)->eps = value;
        return status;
    }
    if (option == GAN_LAYER_AFFINE)
        return gan__norm_wrong_type(layer, option, "a float");
    return gan__no_such_option(layer, option);
}

static gan_status layernorm_get_float(const gan_layer *layer, gan_layer_option option,
                                      float *value)
{
    if (option == GAN_LAYER_EPS) {
        *value = ((const layernorm_layer *)layer)->eps;
        return GAN_OK;
    }
    if (option == GAN_LAYER_AFFINE)
        return gan__norm_wrong_type(layer, option, "a float");
    return gan__no_such_option(layer, option);
}

static gan_status layernorm_set_int(gan_layer *layer, gan_layer_option option, int64_t value)
{
    layernorm_layer *ln = (layernorm_layer *)layer;
    if (option == GAN_LAYER_AFFINE)
        return gan__norm_set_affine(layer, &ln->affine, value, ln->normalized.rank,
                                    ln->normalized.dim);
    if (option == GAN_LAYER_EPS)
        return gan__norm_wrong_type(layer, option, "an integer");
    return gan__no_such_option(layer, option);
}

static gan_status layernorm_get_int(const gan_layer *layer, gan_layer_option option,
                                    int64_t *value)
{
    if (option == GAN_LAYER_AFFINE) {
        *value = ((const layernorm_layer *)layer)->affine;
        return GAN_OK;
    }
    if (option == GAN_LAYER_EPS)
        return gan__norm_wrong_type(layer, option, "an integer");
    return gan__no_such_option(layer, option);
}

static void layernorm_config(const gan_layer *layer, gan_layer_config *config)
{
    const layernorm_layer *ln = (const layernorm_layer *)layer;
    gan__config_shape(config, "normalized_shape", &ln->normalized);
    gan__config_float(config, "eps", ln->eps);
    gan__config_bool(config, "affine", ln->affine);
}

static const gan_layer_ops layernorm_ops = {
    .kind = "LayerNorm",
    .infer = layernorm_infer,
    .workspace_floats = layernorm_workspace_floats,
    .init = layernorm_init,
    .reset = layernorm_reset,
    .forward = layernorm_forward,
    .backward = layernorm_backward,
    .set_float = layernorm_set_float,
    .get_float = layernorm_get_float,
    .set_int = layernorm_set_int,
    .get_int = layernorm_get_int,
    .config = layernorm_config,
};

gan_status gan_layer_layernorm(gan_layer **out, int rank, const int64_t *normalized_shape)
{
    const int64_t limit = INT64_C(1) << 40; /* as gan__check_weight_size */
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK && (rank < 1 || rank >= GAN_TENSOR_MAX_RANK))
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: rank %d is outside 1..%d", __func__,
                           rank, GAN_TENSOR_MAX_RANK - 1);
    if (status == GAN_OK && !normalized_shape)
        status = gan__null(__func__, "normalized_shape");
    int64_t size = 1;
    for (int i = 0; status == GAN_OK && i < rank; i++) {
        status = gan__check_min(__func__, "a dimension of normalized_shape", normalized_shape[i], 1);
        if (status == GAN_OK && (!gan__mul_i64(size, normalized_shape[i], &size) || size > limit))
            status = gan__fail(GAN_ERR_OVERFLOW, "%s: the normalized shape holds more than 2^40 "
                               "elements", __func__);
    }
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(layernorm_layer), &layernorm_ops);
    if (status != GAN_OK)
        return status;
    layernorm_layer *ln = (layernorm_layer *)*out;
    ln->normalized.rank = rank;
    memcpy(ln->normalized.dim, normalized_shape, (size_t)rank * sizeof(int64_t));
    ln->size = size;
    ln->eps = GAN_NORM_DEFAULT_EPS;
    ln->affine = true;
    gan__norm_declare_params(*out, true, rank, normalized_shape);
    return GAN_OK;
}
