/*
 * AvgPool2d (torch.nn.AvgPool2d, count_include_pad=True, ceil_mode off) on [C, H, W]:
 *   forward:  y[c, oh, ow] = (sum of x over the window, clipped to the input) / n, where the
 *             window starts at (oh*s - p, ow*s - p), and n = rows * cols of the window clipped
 *             to the padded input [-p, H + p) x [-p, W + p) (padding counts as zeros)
 *   backward: dx = 0;  dx[c, ih, iw] += dy[c, oh, ow] / n  for every input of each window
 *   output:   floor((H + 2p - k) / s) + 1 rows (columns likewise)
 */
#include "core/checked_math.h"
#include "core/error.h"
#include "kernels/pooling.h"
#include "nn/pool2d_common.h"

static gan_status avgpool2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_pool2d_layer *pool = (const gan_pool2d_layer *)layer;
    gan_status status = gan__pool2d_infer(layer, in, out);
    if (status != GAN_OK)
        return status;
    int64_t window; /* the largest divisor, (H + 2p) (W + 2p), must not overflow */
    if (!gan__mul_i64(in->dim[1] + 2 * pool->padding, in->dim[2] + 2 * pool->padding, &window)) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s with padding %lld: the window area overflows",
                         gan__shape_text(text, in->rank, in->dim), (long long)pool->padding);
    }
    return GAN_OK;
}

static gan_status avgpool2d_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                    float *y)
{
    gan_pool2d_geometry g = gan__pool2d_geometry(layer, pass);
    gan__avgpool2d_forward(&g, x, y);
    return GAN_OK;
}

static void avgpool2d_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                               const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    (void)param_grads;
    if (!dx)
        return;
    gan_pool2d_geometry g = gan__pool2d_geometry(layer, pass);
    gan__avgpool2d_backward(&g, dy, dx);
}

static const gan_layer_ops avgpool2d_ops = {
    .kind = "AvgPool2d",
    .infer = avgpool2d_infer,
    .forward = avgpool2d_forward,
    .backward = avgpool2d_backward,
    .config = gan__pool2d_config,
};

gan_status gan_layer_avgpool2d(gan_layer **out, int64_t kernel_size, int64_t stride,
                               int64_t padding)
{
    return gan__pool2d_layer_new(out, __func__, &avgpool2d_ops, kernel_size, stride, padding);
}
