/*
 * Upsample (torch.nn.Upsample(scale_factor=s, mode="nearest")) on [C, H, W] -> [C, sH, sW]:
 *   forward:  y[c, i, j] = x[c, src(i), src(j)], src(i) = i / s (PyTorch's single-precision
 *             nearest index; see kernels/pooling.h for the factors where that differs)
 *   backward: dx = 0;  dx[c, src(i), src(j)] += dy[c, i, j]  (sums each s x s block)
 */
#include "core/checked_math.h"
#include "core/error.h"
#include "kernels/pooling.h"
#include "nn/layer_impl.h"
#include "nn/pool2d_common.h"

typedef struct upsample_layer {
    gan_layer base;
    int64_t scale;
} upsample_layer;

static gan_status upsample_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    int64_t scale = ((const upsample_layer *)layer)->scale;
    gan_status status = gan__check_image_rank(layer, in);
    if (status != GAN_OK)
        return status;
    int64_t out_h, out_w, plane, numel;
    if (!gan__mul_i64(in->dim[1], scale, &out_h) || !gan__mul_i64(in->dim[2], scale, &out_w) ||
        !gan__mul_i64(out_h, out_w, &plane) || !gan__mul_i64(plane, in->dim[0], &numel)) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s upsampled by %lld has too many elements",
                         gan__shape_text(text, in->rank, in->dim), (long long)scale);
    }
    *out = *in;
    out->dim[1] = out_h;
    out->dim[2] = out_w;
    return GAN_OK;
}

static gan_status upsample_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                   float *y)
{
    gan__upsample_nearest_forward(pass->batch * layer->in.dim[0], layer->in.dim[1],
                                  layer->in.dim[2], ((const upsample_layer *)layer)->scale, x, y);
    return GAN_OK;
}

static void upsample_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                              const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    (void)param_grads;
    if (dx)
        gan__upsample_nearest_backward(pass->batch * layer->in.dim[0], layer->in.dim[1],
                                       layer->in.dim[2], ((const upsample_layer *)layer)->scale,
                                       dy, dx);
}

static void upsample_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__config_int(config, "scale_factor", ((const upsample_layer *)layer)->scale);
}

static const gan_layer_ops upsample_ops = {
    .kind = "Upsample",
    .infer = upsample_infer,
    .forward = upsample_forward,
    .backward = upsample_backward,
    .config = upsample_config,
};

gan_status gan_layer_upsample(gan_layer **out, int64_t scale_factor)
{
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "scale_factor", scale_factor, 1);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(upsample_layer), &upsample_ops);
    if (status == GAN_OK)
        ((upsample_layer *)*out)->scale = scale_factor;
    return status;
}
