/*
 * Internal: what Conv2d and ConvTranspose2d share: their configuration and constructor, the
 * input checks and size arithmetic of infer, the weight initialisation and the workspace
 * size. Each layer's forward and backward (its math) stays in its own file.
 */
#ifndef GAN_NN_CONV_COMMON_H
#define GAN_NN_CONV_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/im2col.h"
#include "nn/layer_impl.h"

/* Square kernel, stride and zero padding, as the constructors took them. */
typedef struct gan_conv_config {
    int64_t in_channels, out_channels, kernel, stride, padding;
    int64_t output_padding; /* ConvTranspose2d only; 0 for Conv2d */
    bool bias;
} gan_conv_config;

typedef struct gan_conv_layer {
    gan_layer base;
    gan_conv_config config;
} gan_conv_layer;

static inline const gan_conv_config *gan__conv_config(const gan_layer *layer)
{
    return &((const gan_conv_layer *)layer)->config;
}

/* The constructor checks both layers make, in this order: in_channels, out_channels,
 * kernel_size and stride >= 1, padding >= 0. */
gan_status gan__conv_check_arguments(const char *function, const gan_conv_config *config);

/*
 * The constructors' last step: checks that the weight [weight_dim0, weight_dim1, k, k] fits
 * the weight limit, allocates the layer with `ops` and `config` into *out, and declares the
 * weight and (if config->bias) the bias [out_channels].
 */
gan_status gan__conv_layer_alloc(gan_layer **out, const char *function, const gan_layer_ops *ops,
                                 const gan_conv_config *config, int64_t weight_dim0,
                                 int64_t weight_dim1);

/* The first checks of infer: `in` is [in_channels, height, width]. */
gan_status gan__conv_check_input(const gan_conv_config *conv, const gan_shape *in);

/* Whether the element counts of one sample's output [out_channels, out_h, out_w] and of its
 * column matrix [col_channels k k, positions_h positions_w] fit in int64. */
bool gan__conv_sample_fits(const gan_conv_config *conv, int64_t out_h, int64_t out_w,
                           int64_t col_channels, int64_t positions_h, int64_t positions_w);

/* The geometry of im2col / col2im: images of `channels` channels and the height and width of
 * `images`, the kernel applied at the height x width positions of `positions`. */
gan_conv_geometry gan__conv_geometry(const gan_conv_config *conv, int64_t channels,
                                     const gan_shape *images, const gan_shape *positions);

/* The config op of both layers: in_channels, out_channels, kernel_size, stride, padding,
 * output_padding (only if `transposed`), bias. */
void gan__conv_describe(const gan_layer *layer, gan_layer_config *config, bool transposed);

/* Draws weight and bias for the layer's scheme; the fans are fan_in_channels k k and
 * fan_out_channels k k. */
void gan__conv_init(gan_layer *layer, gan_rng *rng, int64_t fan_in_channels,
                    int64_t fan_out_channels);

/*
 * Floats of a workspace that keeps a [kept_rows, batch positions] matrix from forward to
 * backward, followed by the scratch of one chunk of gan__conv_chunk_images images:
 * [scratch_rows, chunk positions]. SIZE_MAX / sizeof(float) if that does not fit.
 */
size_t gan__conv_workspace_floats(int64_t batch, int64_t positions, int64_t kept_rows,
                                  int64_t scratch_rows);

#endif /* GAN_NN_CONV_COMMON_H */
