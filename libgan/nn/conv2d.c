/*
 * Conv2d (torch.nn.Conv2d, square kernel k, stride s, zero padding p): x [N, Cin, H, W] ->
 * y [N, Cout, Ho, Wo], Ho = floor((H + 2p - k) / s) + 1 (Wo likewise). W [Cout, Cin, k, k]
 * is read as a matrix [Cout, K] with K = Cin k k; L = Ho Wo.
 *   forward:  col = im2col(x)                     [K, N L]     (kept for backward)
 *             Y' = W col                          [Cout, N L]
 *             y[n, o, :] = Y'[o, n L : (n+1) L] + b[o]
 *   backward: dY'[o, n L : (n+1) L] = dy[n, o, :]
 *             dW += dY' col^T;  db[o] += sum over n and positions of dy[n, o, :]
 *             dcol = W^T dY';   dx = col2im(dcol)
 * The batch goes through in chunks of gan__conv_chunk_images images (one chunk for small
 * batches), which bounds the scratch for Y' / dY' and dcol; col holds the whole batch.
 */
#include "core/checked_math.h"
#include "core/error.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "nn/conv_common.h"

/* Checks one spatial side and computes its output size. */
static gan_status conv2d_side(const gan_conv_config *conv, const gan_shape *in, int64_t size,
                              int64_t *out_size)
{
    char text[GAN_SHAPE_TEXT_CAPACITY];
    int64_t twice, padded;
    if (!gan__mul_i64(conv->padding, 2, &twice) || __builtin_add_overflow(size, twice, &padded))
        return gan__fail(GAN_ERR_OVERFLOW, "input %s with padding %lld: the padded size overflows",
                         gan__shape_text(text, in->rank, in->dim), (long long)conv->padding);
    if (padded < conv->kernel)
        return gan__fail(GAN_ERR_SHAPE, "input %s padded by %lld on each side is %lld x %lld, "
                         "smaller than the %lld x %lld kernel",
                         gan__shape_text(text, in->rank, in->dim), (long long)conv->padding,
                         (long long)(in->dim[1] + 2 * conv->padding),
                         (long long)(in->dim[2] + 2 * conv->padding), (long long)conv->kernel,
                         (long long)conv->kernel);
    *out_size = (padded - conv->kernel) / conv->stride + 1;
    return GAN_OK;
}

static gan_status conv2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    gan_status status = gan__conv_check_input(conv, in);
    int64_t out_h = 0, out_w = 0;
    if (status == GAN_OK)
        status = conv2d_side(conv, in, in->dim[1], &out_h);
    if (status == GAN_OK)
        status = conv2d_side(conv, in, in->dim[2], &out_w);
    if (status != GAN_OK)
        return status;
    /* The output and the column matrix [Cin k k, Ho Wo] of one sample must be countable. */
    if (!gan__conv_sample_fits(conv, out_h, out_w, conv->in_channels, out_h, out_w)) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_OVERFLOW, "input %s: an output of %lld x %lld positions is too "
                         "large", gan__shape_text(text, in->rank, in->dim), (long long)out_h,
                         (long long)out_w);
    }
    out->rank = 3;
    out->dim[0] = conv->out_channels;
    out->dim[1] = out_h;
    out->dim[2] = out_w;
    return GAN_OK;
}

static gan_conv_geometry conv2d_geometry(const gan_layer *layer)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    return gan__conv_geometry(conv, conv->in_channels, &layer->in, &layer->out);
}

/* Rows of the column matrix: Cin k k. */
static int64_t conv2d_rows(const gan_conv_config *conv)
{
    return conv->in_channels * conv->kernel * conv->kernel;
}

/* Workspace: col [K, N L] (kept), then the chunk scratch Y'/dY' [Cout, c L] and dcol [K, c L]. */
static size_t conv2d_workspace_floats(const gan_layer *layer, int64_t batch)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    const int64_t rows = conv2d_rows(conv);
    return gan__conv_workspace_floats(batch, layer->out.dim[1] * layer->out.dim[2], rows,
                                      rows + conv->out_channels);
}

/* PyTorch's fans: fan_in = Cin k k, fan_out = Cout k k. */
static void conv2d_init(gan_layer *layer, gan_rng *rng)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    gan__conv_init(layer, rng, conv->in_channels, conv->out_channels);
}

static gan_status conv2d_forward(gan_layer *layer, const gan_pass *pass, const float *x, float *y)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    const gan_conv_geometry g = conv2d_geometry(layer);
    const int64_t batch = pass->batch, rows = conv2d_rows(conv), cout = conv->out_channels;
    const int64_t positions = g.out_height * g.out_width, columns = batch * positions;
    gan_status status = gan__gemm_check("Conv2d forward", cout, columns, rows);
    if (status != GAN_OK)
        return status;
    const int64_t chunk = gan__conv_chunk_images(batch, positions);
    float *col = pass->workspace, *product = col + rows * columns;
    const float *weight = layer->params[0].value;
    const float *bias = conv->bias ? layer->params[1].value : NULL;

    gan__im2col(&g, batch, x, col);
    for (int64_t first = 0; first < batch; first += chunk) {
        const int64_t images = batch - first < chunk ? batch - first : chunk;
        const int64_t width = images * positions;
        gan__sgemm(false, false, cout, width, rows, 1.0f, weight, rows, col + first * positions,
                   columns, 0.0f, product, width);
        gan__cnhw_to_nchw(images, cout, positions, product, bias, y + first * cout * positions);
    }
    return GAN_OK;
}

static void conv2d_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                            const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    const gan_conv_config *conv = gan__conv_config(layer);
    const gan_conv_geometry g = conv2d_geometry(layer);
    const int64_t batch = pass->batch, rows = conv2d_rows(conv), cout = conv->out_channels;
    const int64_t positions = g.out_height * g.out_width, columns = batch * positions;
    const int64_t image_floats = conv->in_channels * g.height * g.width;
    const int64_t chunk = gan__conv_chunk_images(batch, positions);
    const float *col = pass->workspace;
    float *dproduct = pass->workspace + rows * columns;
    float *dcol = dproduct + cout * chunk * positions;
    const float *weight = layer->params[0].value;

    for (int64_t first = 0; first < batch; first += chunk) {
        const int64_t images = batch - first < chunk ? batch - first : chunk;
        const int64_t width = images * positions;
        gan__nchw_to_cnhw(images, cout, positions, dy + first * cout * positions, dproduct);
        if (param_grads) {
            gan__sgemm(false, true, cout, rows, width, 1.0f, dproduct, width,
                       col + first * positions, columns, 1.0f, layer->params[0].grad, rows);
        }
        if (dx) {
            gan__sgemm(true, false, rows, width, cout, 1.0f, weight, rows, dproduct, width, 0.0f,
                       dcol, width);
            gan__col2im(&g, images, dcol, dx + first * image_floats);
        }
    }
    if (param_grads && conv->bias)
        gan__add_channel_sums(batch, cout, positions, dy, layer->params[1].grad);
}

static void conv2d_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__conv_describe(layer, config, false);
}

static const gan_layer_ops conv2d_ops = {
    .kind = "Conv2d",
    .infer = conv2d_infer,
    .workspace_floats = conv2d_workspace_floats,
    .init = conv2d_init,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
    .config = conv2d_config,
};

gan_status gan_layer_conv2d(gan_layer **out, int64_t in_channels, int64_t out_channels,
                            int64_t kernel_size, int64_t stride, int64_t padding, int bias)
{
    const gan_conv_config config = {
        .in_channels = in_channels, .out_channels = out_channels, .kernel = kernel_size,
        .stride = stride, .padding = padding, .bias = bias != 0,
    };
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK)
        status = gan__conv_check_arguments(__func__, &config);
    if (status == GAN_OK) /* the weight is [Cout, Cin, k, k] */
        status = gan__conv_layer_alloc(out, __func__, &conv2d_ops, &config, out_channels,
                                       in_channels);
    return status;
}
