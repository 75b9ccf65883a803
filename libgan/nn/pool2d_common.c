/* What MaxPool2d and AvgPool2d share (see pool2d_common.h). */
#include "core/error.h"
#include "nn/pool2d_common.h"

gan_status gan__pool2d_layer_new(gan_layer **out, const char *function, const gan_layer_ops *ops,
                                 int64_t kernel_size, int64_t stride, int64_t padding)
{
    gan_status status = gan__layer_begin(out, function);
    if (status == GAN_OK)
        status = gan__check_min(function, "kernel_size", kernel_size, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "stride", stride, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "padding", padding, 0);
    if (status == GAN_OK && padding > kernel_size / 2)
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: padding is %lld; it must be <= "
                           "kernel_size / 2 = %lld", function, (long long)padding,
                           (long long)(kernel_size / 2));
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(gan_pool2d_layer), ops);
    if (status != GAN_OK)
        return status;
    gan_pool2d_layer *pool = (gan_pool2d_layer *)*out;
    pool->kernel = kernel_size;
    pool->stride = stride;
    pool->padding = padding;
    return GAN_OK;
}

void gan__pool2d_config(const gan_layer *layer, gan_layer_config *config)
{
    const gan_pool2d_layer *pool = (const gan_pool2d_layer *)layer;
    gan__config_int(config, "kernel_size", pool->kernel);
    gan__config_int(config, "stride", pool->stride);
    gan__config_int(config, "padding", pool->padding);
}

gan_status gan__check_image_rank(const gan_layer *layer, const gan_shape *in)
{
    char text[GAN_SHAPE_TEXT_CAPACITY];
    if (in->rank != 3)
        return gan__fail(GAN_ERR_SHAPE, "input %s has rank %d; %s expects [C, H, W]",
                         gan__shape_text(text, in->rank, in->dim), in->rank, layer->ops->kind);
    return GAN_OK;
}

gan_status gan__pool2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_pool2d_layer *pool = (const gan_pool2d_layer *)layer;
    gan_status status = gan__check_image_rank(layer, in);
    if (status != GAN_OK)
        return status;
    int64_t out_h, out_w;
    if (!gan__pool2d_output_size(in->dim[1], pool->kernel, pool->stride, pool->padding, &out_h) ||
        !gan__pool2d_output_size(in->dim[2], pool->kernel, pool->stride, pool->padding, &out_w)) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s is smaller than the kernel %lld with padding "
                         "%lld: the output would be empty",
                         gan__shape_text(text, in->rank, in->dim), (long long)pool->kernel,
                         (long long)pool->padding);
    }
    *out = *in;
    out->dim[1] = out_h;
    out->dim[2] = out_w;
    return GAN_OK;
}

gan_pool2d_geometry gan__pool2d_geometry(const gan_layer *layer, const gan_pass *pass)
{
    const gan_pool2d_layer *pool = (const gan_pool2d_layer *)layer;
    return (gan_pool2d_geometry){
        .planes = pass->batch * layer->in.dim[0],
        .in_h = layer->in.dim[1], .in_w = layer->in.dim[2],
        .out_h = layer->out.dim[1], .out_w = layer->out.dim[2],
        .kernel = pool->kernel, .stride = pool->stride, .padding = pool->padding,
    };
}
