/*
 * ConvTranspose2d (torch.nn.ConvTranspose2d, square kernel k, stride s, zero padding p,
 * output padding q): x [N, Cin, H, W] -> y [N, Cout, Ho, Wo], Ho = (H - 1) s - 2p + k + q
 * (Wo likewise): the adjoint of a Conv2d from [Cout, Ho, Wo] to [Cin, H, W]. W [Cin, Cout, k, k]
 * is read as a matrix [Cin, K] with K = Cout k k; L = H W (input positions).
 *   forward:  X'[c, n L : (n+1) L] = x[n, c, :]        [Cin, N L]   (kept for backward)
 *             col = W^T X'                             [K, N L]
 *             y = col2im(col) on the output geometry;  y[n, o, :] += b[o]
 *   backward: dcol = im2col(dy) on the output geometry [K, N L]
 *             dX' = W dcol;  dx[n, c, :] = dX'[c, n L : (n+1) L]
 *             dW += X' dcol^T;  db[o] += sum over n and positions of dy[n, o, :]
 * The batch goes through in chunks of gan__conv_chunk_images images (one chunk for small
 * batches), which bounds the scratch for col / dcol and dX'; X' holds the whole batch.
 */
#include "core/checked_math.h"
#include "core/error.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "nn/conv_common.h"

/* (size - 1) s - 2p + k + q, or false on overflow. The result may be below 1. */
static bool convt_side(const gan_conv_config *convt, int64_t size, int64_t *out_size)
{
    int64_t spread, reach, grown, twice;
    if (!gan__mul_i64(size - 1, convt->stride, &spread) ||
        __builtin_add_overflow(spread, convt->kernel, &reach) ||
        __builtin_add_overflow(reach, convt->output_padding, &grown) ||
        !gan__mul_i64(convt->padding, 2, &twice))
        return false;
    *out_size = grown - twice;
    return true;
}

static gan_status convt_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_conv_config *convt = gan__conv_config(layer);
    gan_status status = gan__conv_check_input(convt, in);
    if (status != GAN_OK)
        return status;
    char text[GAN_SHAPE_TEXT_CAPACITY];
    int64_t out_h = 0, out_w = 0;
    if (!convt_side(convt, in->dim[1], &out_h) || !convt_side(convt, in->dim[2], &out_w))
        return gan__fail(GAN_ERR_OVERFLOW, "input %s: the output size with stride %lld "
                         "overflows", gan__shape_text(text, in->rank, in->dim),
                         (long long)convt->stride);
    if (out_h < 1 || out_w < 1)
        return gan__fail(GAN_ERR_SHAPE, "input %s gives an output of %lld x %lld per channel "
                         "(kernel %lld, stride %lld, padding %lld, output_padding %lld); it "
                         "must be at least 1 x 1", gan__shape_text(text, in->rank, in->dim),
                         (long long)out_h, (long long)out_w, (long long)convt->kernel,
                         (long long)convt->stride, (long long)convt->padding,
                         (long long)convt->output_padding);
    /* The output and the column matrix [Cout k k, H W] of one sample must be countable. */
    if (!gan__conv_sample_fits(convt, out_h, out_w, convt->out_channels, in->dim[1], in->dim[2]))
        return gan__fail(GAN_ERR_OVERFLOW, "input %s: an output of %lld x %lld is too large",
                         gan__shape_text(text, in->rank, in->dim), (long long)out_h,
                         (long long)out_w);
    out->rank = 3;
    out->dim[0] = convt->out_channels;
    out->dim[1] = out_h;
    out->dim[2] = out_w;
    return GAN_OK;
}

/* The geometry of the Conv2d this layer is the adjoint of: images are the outputs, the
 * kernel positions are the inputs. */
static gan_conv_geometry convt_geometry(const gan_layer *layer)
{
    const gan_conv_config *convt = gan__conv_config(layer);
    return gan__conv_geometry(convt, convt->out_channels, &layer->out, &layer->in);
}

/* Rows of the column matrix: Cout k k. */
static int64_t convt_rows(const gan_conv_config *convt)
{
    return convt->out_channels * convt->kernel * convt->kernel;
}

/* Workspace: X' [Cin, N L] (kept), then the chunk scratch col/dcol [K, c L] and dX' [Cin, c L]. */
static size_t convt_workspace_floats(const gan_layer *layer, int64_t batch)
{
    const gan_conv_config *convt = gan__conv_config(layer);
    return gan__conv_workspace_floats(batch, layer->in.dim[1] * layer->in.dim[2],
                                      convt->in_channels, convt_rows(convt) + convt->in_channels);
}

/* PyTorch computes the fans from the weight [Cin, Cout, k, k] as if it were a Conv2d weight:
 * fan_in = size(1) k k = Cout k k, fan_out = size(0) k k = Cin k k. */
static void convt_init(gan_layer *layer, gan_rng *rng)
{
    const gan_conv_config *convt = gan__conv_config(layer);
    gan__conv_init(layer, rng, convt->out_channels, convt->in_channels);
}

static gan_status convt_forward(gan_layer *layer, const gan_pass *pass, const float *x, float *y)
{
    const gan_conv_config *convt = gan__conv_config(layer);
    const gan_conv_geometry g = convt_geometry(layer);
    const int64_t batch = pass->batch, rows = convt_rows(convt), cin = convt->in_channels;
    const int64_t positions = g.out_height * g.out_width, columns = batch * positions;
    const int64_t image_floats = convt->out_channels * g.height * g.width;
    gan_status status = gan__gemm_check("ConvTranspose2d forward", rows, columns, cin);
    if (status != GAN_OK)
        return status;
    const int64_t chunk = gan__conv_chunk_images(batch, positions);
    float *xt = pass->workspace, *col = xt + cin * columns;
    const float *weight = layer->params[0].value;

    gan__nchw_to_cnhw(batch, cin, positions, x, xt);
    for (int64_t first = 0; first < batch; first += chunk) {
        const int64_t images = batch - first < chunk ? batch - first : chunk;
        const int64_t width = images * positions;
        gan__sgemm(true, false, rows, width, cin, 1.0f, weight, rows, xt + first * positions,
                   columns, 0.0f, col, width);
        gan__col2im(&g, images, col, y + first * image_floats);
    }
    if (convt->bias)
        gan__add_channel_bias(batch, convt->out_channels, g.height * g.width,
                              layer->params[1].value, y);
    return GAN_OK;
}

static void convt_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                           const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    const gan_conv_config *convt = gan__conv_config(layer);
    const gan_conv_geometry g = convt_geometry(layer);
    const int64_t batch = pass->batch, rows = convt_rows(convt), cin = convt->in_channels;
    const int64_t positions = g.out_height * g.out_width, columns = batch * positions;
    const int64_t image_floats = convt->out_channels * g.height * g.width;
    const int64_t chunk = gan__conv_chunk_images(batch, positions);
    const float *xt = pass->workspace;
    float *dcol = pass->workspace + cin * columns;
    float *dxt = dcol + rows * chunk * positions;
    const float *weight = layer->params[0].value;

    for (int64_t first = 0; first < batch; first += chunk) {
        const int64_t images = batch - first < chunk ? batch - first : chunk;
        const int64_t width = images * positions;
        gan__im2col(&g, images, dy + first * image_floats, dcol);
        if (dx) {
            gan__sgemm(false, false, cin, width, rows, 1.0f, weight, rows, dcol, width, 0.0f,
                       dxt, width);
            gan__cnhw_to_nchw(images, cin, positions, dxt, NULL, dx + first * cin * positions);
        }
        if (param_grads) {
            gan__sgemm(false, true, cin, rows, width, 1.0f, xt + first * positions, columns,
                       dcol, width, 1.0f, layer->params[0].grad, rows);
        }
    }
    if (param_grads && convt->bias)
        gan__add_channel_sums(batch, convt->out_channels, g.height * g.width, dy,
                              layer->params[1].grad);
}

static void convt_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__conv_describe(layer, config, true);
}

static const gan_layer_ops convt_ops = {
    .kind = "ConvTranspose2d",
    .infer = convt_infer,
    .workspace_floats = convt_workspace_floats,
    .init = convt_init,
    .forward = convt_forward,
    .backward = convt_backward,
    .config = convt_config,
};

gan_status gan_layer_conv_transpose2d(gan_layer **out, int64_t in_channels, int64_t out_channels,
                                      int64_t kernel_size, int64_t stride, int64_t padding,
                                      int64_t output_padding, int bias)
{
    const gan_conv_config config = {
        .in_channels = in_channels, .out_channels = out_channels, .kernel = kernel_size,
        .stride = stride, .padding = padding, .output_padding = output_padding,
        .bias = bias != 0,
    };
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK)
        status = gan__conv_check_arguments(__func__, &config);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "output_padding", output_padding, 0);
    if (status == GAN_OK && output_padding >= stride)
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: output_padding is %lld; it must be "
                           "smaller than the stride %lld", __func__, (long long)output_padding,
                           (long long)stride);
    if (status == GAN_OK) /* the weight is [Cin, Cout, k, k] */
        status = gan__conv_layer_alloc(out, __func__, &convt_ops, &config, in_channels,
                                       out_channels);
    return status;
}
