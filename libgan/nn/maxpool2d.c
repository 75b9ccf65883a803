/*
 * MaxPool2d (torch.nn.MaxPool2d, dilation 1, ceil_mode off) on [C, H, W]:
 *   forward:  y[c, oh, ow] = max over the window rows oh*s-p .. oh*s-p+k-1 and columns
 *             ow*s-p .. ow*s-p+k-1 of x (padding counts as -inf); the first maximum in scan
 *             order wins and NaN propagates; its position is kept in the workspace
 *   backward: dx = 0;  dx[c, argmax(c, oh, ow)] += dy[c, oh, ow]
 *   output:   floor((H + 2p - k) / s) + 1 rows (columns likewise)
 * Workspace: one slot per output element holding the int32 argmax index within its
 * H x W plane, bit-copied into a float-sized slot (the workspace is counted in floats).
 */
#include <stdint.h>

#include "core/error.h"
#include "kernels/pooling.h"
#include "nn/pool2d_common.h"

static gan_status maxpool2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    gan_status status = gan__pool2d_infer(layer, in, out);
    if (status != GAN_OK)
        return status;
    if (in->dim[1] > INT32_MAX / in->dim[2]) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s has planes of more than 2^31 - 1 elements, "
                         "more than MaxPool2d's int32 argmax indices address",
                         gan__shape_text(text, in->rank, in->dim));
    }
    return GAN_OK;
}

static size_t maxpool2d_workspace_floats(const gan_layer *layer, int64_t batch)
{
    return (size_t)(batch * gan__shape_numel(&layer->out));
}

static gan_status maxpool2d_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                    float *y)
{
    gan_pool2d_geometry g = gan__pool2d_geometry(layer, pass);
    gan__maxpool2d_forward(&g, x, y, pass->workspace);
    return GAN_OK;
}

static void maxpool2d_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                               const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    (void)param_grads;
    if (!dx)
        return;
    gan_pool2d_geometry g = gan__pool2d_geometry(layer, pass);
    gan__maxpool2d_backward(&g, pass->workspace, dy, dx);
}

static const gan_layer_ops maxpool2d_ops = {
    .kind = "MaxPool2d",
    .infer = maxpool2d_infer,
    .workspace_floats = maxpool2d_workspace_floats,
    .forward = maxpool2d_forward,
    .backward = maxpool2d_backward,
    .config = gan__pool2d_config,
};

gan_status gan_layer_maxpool2d(gan_layer **out, int64_t kernel_size, int64_t stride,
                               int64_t padding)
{
    return gan__pool2d_layer_new(out, __func__, &maxpool2d_ops, kernel_size, stride, padding);
}
