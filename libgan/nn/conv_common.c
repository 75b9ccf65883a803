/* What Conv2d and ConvTranspose2d share (see conv_common.h). */
#include "core/checked_math.h"
#include "core/error.h"
#include "nn/conv_common.h"

gan_status gan__conv_check_arguments(const char *function, const gan_conv_config *config)
{
    gan_status status = gan__check_min(function, "in_channels", config->in_channels, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "out_channels", config->out_channels, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "kernel_size", config->kernel, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "stride", config->stride, 1);
    if (status == GAN_OK)
        status = gan__check_min(function, "padding", config->padding, 0);
    return status;
}

gan_status gan__conv_layer_alloc(gan_layer **out, const char *function, const gan_layer_ops *ops,
                                 const gan_conv_config *config, int64_t weight_dim0,
                                 int64_t weight_dim1)
{
    const int64_t k = config->kernel;
    /* k k alone must fit under the weight limit (2^40) before it is multiplied out. */
    gan_status status = gan__check_weight_size(function, k, k, 1);
    if (status == GAN_OK)
        status = gan__check_weight_size(function, weight_dim0, weight_dim1, k * k);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(gan_conv_layer), ops);
    if (status != GAN_OK)
        return status;
    ((gan_conv_layer *)*out)->config = *config;
    gan__layer_add_param(*out, "weight", 4, (const int64_t[]){weight_dim0, weight_dim1, k, k});
    if (config->bias)
        gan__layer_add_param(*out, "bias", 1, &config->out_channels);
    return GAN_OK;
}

gan_status gan__conv_check_input(const gan_conv_config *conv, const gan_shape *in)
{
    char text[GAN_SHAPE_TEXT_CAPACITY];
    if (in->rank != 3)
        return gan__fail(GAN_ERR_SHAPE, "input %s has rank %d; the layer expects [channels, "
                         "height, width]", gan__shape_text(text, in->rank, in->dim), in->rank);
    if (in->dim[0] != conv->in_channels)
        return gan__fail(GAN_ERR_SHAPE, "input %s has %lld channels; the layer expects %lld",
                         gan__shape_text(text, in->rank, in->dim), (long long)in->dim[0],
                         (long long)conv->in_channels);
    return GAN_OK;
}

bool gan__conv_sample_fits(const gan_conv_config *conv, int64_t out_h, int64_t out_w,
                           int64_t col_channels, int64_t positions_h, int64_t positions_w)
{
    int64_t area, outputs, kk, rows, positions, columns;
    return gan__mul_i64(out_h, out_w, &area) && gan__mul_i64(area, conv->out_channels, &outputs) &&
           gan__mul_i64(conv->kernel, conv->kernel, &kk) && gan__mul_i64(kk, col_channels, &rows) &&
           gan__mul_i64(positions_h, positions_w, &positions) &&
           gan__mul_i64(rows, positions, &columns);
}

gan_conv_geometry gan__conv_geometry(const gan_conv_config *conv, int64_t channels,
                                     const gan_shape *images, const gan_shape *positions)
{
    return (gan_conv_geometry){
        .channels = channels, .height = images->dim[1], .width = images->dim[2],
        .kernel = conv->kernel, .stride = conv->stride, .padding = conv->padding,
        .out_height = positions->dim[1], .out_width = positions->dim[2],
    };
}

void gan__conv_describe(const gan_layer *layer, gan_layer_config *config, bool transposed)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    gan__config_int(config, "in_channels", conv->in_channels);
    gan__config_int(config, "out_channels", conv->out_channels);
    gan__config_int(config, "kernel_size", conv->kernel);
    gan__config_int(config, "stride", conv->stride);
    gan__config_int(config, "padding", conv->padding);
    if (transposed)
        gan__config_int(config, "output_padding", conv->output_padding);
    gan__config_bool(config, "bias", conv->bias);
}

void gan__conv_init(gan_layer *layer, gan_rng *rng, int64_t fan_in_channels,
                    int64_t fan_out_channels)
{
    const gan_conv_config *conv = gan__conv_config(layer);
    const int64_t kk = conv->kernel * conv->kernel;
    gan__init_weight_and_bias(layer, rng, layer->params[0].value,
                              conv->in_channels * conv->out_channels * kk,
                              conv->bias ? layer->params[1].value : NULL, conv->out_channels,
                              fan_in_channels * kk, fan_out_channels * kk);
}

size_t gan__conv_workspace_floats(int64_t batch, int64_t positions, int64_t kept_rows,
                                  int64_t scratch_rows)
{
    const int64_t chunk = gan__conv_chunk_images(batch, positions);
    int64_t kept, chunk_columns, scratch, total;
    if (!gan__mul_i64(kept_rows * positions, batch, &kept) ||
        !gan__mul_i64(chunk, positions, &chunk_columns) ||
        !gan__mul_i64(scratch_rows, chunk_columns, &scratch) ||
        __builtin_add_overflow(kept, scratch, &total) || (uint64_t)total > SIZE_MAX / sizeof(float))
        return SIZE_MAX / sizeof(float);
    return (size_t)total;
}
