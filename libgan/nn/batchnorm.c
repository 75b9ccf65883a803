/*
 * BatchNorm1d / BatchNorm2d (torch.nn.BatchNorm1d/2d): per channel c, over the n values of
 * the channel in the batch (N for [C], N L for [C, L], N H W for [C, H, W]):
 *   training: mean, var = the batch's mean and biased variance;
 *             running_mean = (1 - m) running_mean + m mean
 *             running_var  = (1 - m) running_var  + m var n / (n - 1)
 *   eval:     mean, var = running_mean, running_var
 *   forward:  xhat = (x - mean) / sqrt(var + eps);  y = gamma xhat + beta
 *   backward: dgamma += sum dy xhat;  dbeta += sum dy;  dxhat = dy gamma
 *             training: dx = invstd / n (n dxhat - sum dxhat - xhat sum(dxhat xhat))
 *             eval:     dx = dxhat invstd
 * GAN_LAYER_FROZEN_STATISTICS makes a training pass take the eval formulas, forward and
 * backward, and leave the running statistics alone.
 * The workspace keeps the mean and invstd the forward pass used (2 C floats), so backward
 * recomputes xhat from x, and room for 2 C + 1 doubles of per-channel sums.
 * Synchronised BatchNorm (gan_model_set_batchnorm_sync) sums those sums over every process
 * between the phases of the kernels: the statistics, and the sums in dx, are then the whole
 * world's batch's, as in torch.nn.SyncBatchNorm; dgamma and dbeta stay local. PyTorch's num_batches_tracked buffer is left out: it only matters
 * when momentum is None (a cumulative average), which libgan does not offer.
 */
#include "core/error.h"
#include "kernels/normalization.h"
#include "nn/layer_impl.h"
#include "nn/norm_options.h"

typedef struct batchnorm_layer {
    gan_layer base;
    int64_t features;
    float momentum, eps;
    bool affine;
    bool frozen_statistics; /* GAN_LAYER_FROZEN_STATISTICS */
} batchnorm_layer;

/* The shared checks of both kinds; `min_rank`..`max_rank` is the sample rank allowed. */
static gan_status check_input(const gan_layer *layer, const gan_shape *in, int min_rank,
                              int max_rank, const char *expected, gan_shape *out)
{
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    char text[GAN_SHAPE_TEXT_CAPACITY];
    if (in->rank < min_rank || in->rank > max_rank)
        return gan__fail(GAN_ERR_SHAPE, "%s expects samples %s with C = %lld; the input is %s",
                         layer->ops->kind, expected, (long long)bn->features,
                         gan__shape_text(text, in->rank, in->dim));
    if (in->dim[0] != bn->features)
        return gan__fail(GAN_ERR_SHAPE, "input %s has %lld channels; the layer expects %lld",
                         gan__shape_text(text, in->rank, in->dim), (long long)in->dim[0],
                         (long long)bn->features);
    *out = *in;
    return GAN_OK;
}

static gan_status batchnorm1d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    return check_input(layer, in, 1, 2, "[C] or [C, L]", out);
}

static gan_status batchnorm2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    return check_input(layer, in, 3, 3, "[C, H, W]", out);
}

static size_t batchnorm_workspace_floats(const gan_layer *layer, int64_t batch)
{
    (void)batch;
    size_t features = (size_t)((const batchnorm_layer *)layer)->features;
    /* mean, invstd; 2 C + 2 doubles (sums, and the count n at 2 C + 1), and a float to align them */
    return 2 * features + (2 * features + 2) * (sizeof(double) / sizeof(float)) + 1;
}

static void reset_running_statistics(gan_layer *layer)
{
    int64_t features = ((batchnorm_layer *)layer)->features;
    gan__init_constant(layer->buffers[0].value, features, 0.0f);
    gan__init_constant(layer->buffers[1].value, features, 1.0f);
}

static void batchnorm_reset(gan_layer *layer)
{
    gan__norm_reset_affine(layer, ((batchnorm_layer *)layer)->features);
    reset_running_statistics(layer);
}

static void batchnorm_init(gan_layer *layer, gan_rng *rng)
{
    gan__norm_init_affine(layer, rng, ((batchnorm_layer *)layer)->features);
    reset_running_statistics(layer);
}

/* Values per channel and sample: the product of the spatial dimensions. */
static int64_t spatial_size(const gan_layer *layer)
{
    return gan__shape_numel(&layer->in) / ((const batchnorm_layer *)layer)->features;
}

/* A training pass over one value per channel (in the whole world, when synchronised). */
static gan_status single_value_error(const gan_layer *layer, const gan_pass *pass)
{
    int64_t shape[GAN_TENSOR_MAX_RANK];
    char text[GAN_SHAPE_TEXT_CAPACITY];
    shape[0] = pass->batch;
    for (int i = 0; i < layer->in.rank; i++)
        shape[i + 1] = layer->in.dim[i];
    return gan__fail(GAN_ERR_SHAPE, "expected more than 1 value per channel when training, got "
                     "input size %s (use a batch of 2 or more, or evaluation mode)",
                     gan__shape_text(text, layer->in.rank + 1, shape));
}

static bool uses_batch_statistics(const batchnorm_layer *bn, const gan_pass *pass)
{
    return pass->training && !bn->frozen_statistics;
}

/* The double sums in the workspace, after mean and invstd, aligned for double. */
static double *sums_workspace(const batchnorm_layer *bn, const gan_pass *pass)
{
    uintptr_t at = (uintptr_t)(pass->workspace + 2 * bn->features);
    return (double *)((at + sizeof(double) - 1) & ~(uintptr_t)(sizeof(double) - 1));
}

/* The sync hook's sum over every process of `values` (when synchronised). */
static gan_status all_reduce(const gan_layer *layer, const gan_pass *pass, double *values,
                             size_t count)
{
    if (!pass->sync)
        return GAN_OK;
    gan_status status = pass->sync->hook(pass->sync->user_data, values, count);
    if (status == GAN_OK)
        return GAN_OK;
    /* The hook's own status when it is one of libgan's errors; GAN_ERR_STATE otherwise. */
    gan_status reported = status >= GAN_ERR_NUMERIC && status < GAN_OK ? status : GAN_ERR_STATE;
    return gan__fail(reported, "%s layer '%s': the BatchNorm synchronisation hook returned %d",
                     layer->ops->kind, layer->name, (int)status);
}

/* The batch statistics, over every process's batch when synchronised: two sums, the mean
 * from the first, the squared deviations from it in the second. */
static gan_status batch_statistics(gan_layer *layer, const gan_pass *pass, const float *x)
{
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    int64_t channels = bn->features, inner = spatial_size(layer);
    double *sums = sums_workspace(bn, pass), *squares = sums + channels + 1;
    gan__batchnorm_sums(pass->batch, channels, inner, x, sums);
    sums[channels] = (double)(pass->batch * inner);
    gan_status status = all_reduce(layer, pass, sums, (size_t)channels + 1);
    if (status != GAN_OK)
        return status;
    double n = sums[channels];
    if (n <= 1.0)
        return single_value_error(layer, pass);
    sums[2 * channels + 1] = n; /* for backward */
    for (int64_t c = 0; c < channels; c++)
        sums[c] /= n; /* the mean */
    gan__batchnorm_squared_deviations(pass->batch, channels, inner, x, sums, squares);
    status = all_reduce(layer, pass, squares, (size_t)channels);
    if (status != GAN_OK)
        return status;
    gan__batchnorm_finish_statistics(channels, n, sums, squares, bn->eps, bn->momentum,
                                     pass->workspace, pass->workspace + channels,
                                     layer->buffers[0].value, layer->buffers[1].value);
    return GAN_OK;
}

static gan_status batchnorm_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                    float *y)
{
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    int64_t channels = bn->features, inner = spatial_size(layer);
    float *mean = pass->workspace, *invstd = pass->workspace + channels;
    if (uses_batch_statistics(bn, pass)) {
        gan_status status = batch_statistics(layer, pass, x);
        if (status != GAN_OK)
            return status;
    } else {
        gan__batchnorm_running_statistics(channels, layer->buffers[0].value,
                                          layer->buffers[1].value, bn->eps, mean, invstd);
    }
    gan__batchnorm_forward(pass->batch, channels, inner, x, mean, invstd,
                           bn->affine ? layer->params[0].value : NULL,
                           bn->affine ? layer->params[1].value : NULL, y);
    return GAN_OK;
}

static void batchnorm_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                               const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)y;
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    int64_t channels = bn->features, inner = spatial_size(layer);
    const float *mean = pass->workspace, *invstd = pass->workspace + channels;
    bool grads = param_grads && bn->affine, training = uses_batch_statistics(bn, pass);
    double *sum_dy = sums_workspace(bn, pass), *sum_dy_xc = sum_dy + channels;
    if (!grads && !(dx && training)) {
        if (dx) /* eval: dx = weight invstd dy needs no sums */
            gan__batchnorm_input_gradient(pass->batch, channels, inner, x, dy, mean, invstd,
                                          bn->affine ? layer->params[0].value : NULL, false, 1.0,
                                          NULL, NULL, dx);
        return;
    }
    gan__batchnorm_gradient_sums(pass->batch, channels, inner, x, dy, mean, sum_dy, sum_dy_xc);
    if (grads) /* from this process's batch: the gradient hook averages them */
        gan__batchnorm_parameter_gradients(channels, sum_dy, sum_dy_xc, invstd,
                                           layer->params[0].grad, layer->params[1].grad);
    if (!dx)
        return;
    gan_status status = training ? all_reduce(layer, pass, sum_dy, 2 * (size_t)channels) : GAN_OK;
    if (status != GAN_OK) {
        *pass->failure = status;
        return;
    }
    double n = sum_dy[2 * channels + 1]; /* forward's count, over the world when synchronised */
    gan__batchnorm_input_gradient(pass->batch, channels, inner, x, dy, mean, invstd,
                                  bn->affine ? layer->params[0].value : NULL, training, n, sum_dy,
                                  sum_dy_xc, dx);
}

static gan_status batchnorm_set_float(gan_layer *layer, gan_layer_option option, float value)
{
    batchnorm_layer *bn = (batchnorm_layer *)layer;
    switch (option) {
    case GAN_LAYER_MOMENTUM:
        if (!(value >= 0.0f && value <= 1.0f))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "%s layer '%s': momentum %g is outside [0, 1]", layer->ops->kind,
                             layer->name, (double)value);
        bn->momentum = value;
        return GAN_OK;
    case GAN_LAYER_EPS: {
        gan_status status = gan__norm_check_eps(layer, value);
        if (status == GAN_OK)
            bn->eps = value;
        return status;
    }
    case GAN_LAYER_AFFINE:
    case GAN_LAYER_FROZEN_STATISTICS:
        return gan__norm_wrong_type(layer, option, "a float");
    case GAN_LAYER_TRAINABLE: /* refused by gan_layer_set_float / get_float */
        break;
    }
    return gan__no_such_option(layer, option);
}

static gan_status batchnorm_get_float(const gan_layer *layer, gan_layer_option option,
                                      float *value)
{
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    switch (option) {
    case GAN_LAYER_MOMENTUM:
        *value = bn->momentum;
        return GAN_OK;
    case GAN_LAYER_EPS:
        *value = bn->eps;
        return GAN_OK;
    case GAN_LAYER_AFFINE:
    case GAN_LAYER_FROZEN_STATISTICS:
        return gan__norm_wrong_type(layer, option, "a float");
    case GAN_LAYER_TRAINABLE: /* refused by gan_layer_set_float / get_float */
        break;
    }
    return gan__no_such_option(layer, option);
}

static gan_status batchnorm_set_int(gan_layer *layer, gan_layer_option option, int64_t value)
{
    batchnorm_layer *bn = (batchnorm_layer *)layer;
    switch (option) {
    case GAN_LAYER_AFFINE:
        return gan__norm_set_affine(layer, &bn->affine, value, 1, &bn->features);
    case GAN_LAYER_FROZEN_STATISTICS:
        if (value != 0 && value != 1)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s layer '%s': frozen statistics is "
                             "%lld; it must be 0 or 1", layer->ops->kind, layer->name,
                             (long long)value);
        bn->frozen_statistics = value == 1;
        return GAN_OK;
    case GAN_LAYER_MOMENTUM:
    case GAN_LAYER_EPS:
        return gan__norm_wrong_type(layer, option, "an integer");
    case GAN_LAYER_TRAINABLE: /* handled by gan_layer_set_int */
        break;
    }
    return gan__no_such_option(layer, option);
}

static gan_status batchnorm_get_int(const gan_layer *layer, gan_layer_option option,
                                    int64_t *value)
{
    switch (option) {
    case GAN_LAYER_AFFINE:
        *value = ((const batchnorm_layer *)layer)->affine;
        return GAN_OK;
    case GAN_LAYER_FROZEN_STATISTICS:
        *value = ((const batchnorm_layer *)layer)->frozen_statistics;
        return GAN_OK;
    case GAN_LAYER_MOMENTUM:
    case GAN_LAYER_EPS:
        return gan__norm_wrong_type(layer, option, "an integer");
    case GAN_LAYER_TRAINABLE: /* handled by gan_layer_get_int */
        break;
    }
    return gan__no_such_option(layer, option);
}

static void batchnorm_config(const gan_layer *layer, gan_layer_config *config)
{
    const batchnorm_layer *bn = (const batchnorm_layer *)layer;
    gan__config_int(config, "num_features", bn->features);
    gan__config_float(config, "momentum", bn->momentum);
    gan__config_float(config, "eps", bn->eps);
    gan__config_bool(config, "affine", bn->affine);
}

/* The two kinds differ only in their name and the input ranks they accept. */
#define BATCHNORM_OPS(kind_name, infer_function)                                          \
    {                                                                                     \
        .kind = kind_name,                                                                \
        .infer = infer_function,                                                          \
        .workspace_floats = batchnorm_workspace_floats,                                   \
        .init = batchnorm_init,                                                           \
        .reset = batchnorm_reset,                                                         \
        .forward = batchnorm_forward,                                                     \
        .backward = batchnorm_backward,                                                   \
        .set_float = batchnorm_set_float,                                                 \
        .get_float = batchnorm_get_float,                                                 \
        .set_int = batchnorm_set_int,                                                     \
        .get_int = batchnorm_get_int,                                                     \
        .config = batchnorm_config,                                                       \
    }

static const gan_layer_ops batchnorm1d_ops = BATCHNORM_OPS("BatchNorm1d", batchnorm1d_infer);
static const gan_layer_ops batchnorm2d_ops = BATCHNORM_OPS("BatchNorm2d", batchnorm2d_infer);

static gan_status new_batchnorm(gan_layer **out, int64_t num_features, const gan_layer_ops *ops,
                                const char *function)
{
    gan_status status = gan__layer_begin(out, function);
    if (status == GAN_OK)
        status = gan__check_min(function, "num_features", num_features, 1);
    if (status == GAN_OK)
        status = gan__check_weight_size(function, num_features, 1, 1);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(batchnorm_layer), ops);
    if (status != GAN_OK)
        return status;
    batchnorm_layer *bn = (batchnorm_layer *)*out;
    bn->features = num_features;
    bn->momentum = GAN_NORM_DEFAULT_MOMENTUM;
    bn->eps = GAN_NORM_DEFAULT_EPS;
    bn->affine = true;
    gan__norm_declare_params(*out, true, 1, &num_features);
    gan__layer_add_buffer(*out, "running_mean", 1, &num_features);
    gan__layer_add_buffer(*out, "running_var", 1, &num_features);
    return GAN_OK;
}

gan_status gan_layer_batchnorm1d(gan_layer **out, int64_t num_features)
{
    return new_batchnorm(out, num_features, &batchnorm1d_ops, __func__);
}

gan_status gan_layer_batchnorm2d(gan_layer **out, int64_t num_features)
{
    return new_batchnorm(out, num_features, &batchnorm2d_ops, __func__);
}
