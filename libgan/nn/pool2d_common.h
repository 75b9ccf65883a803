/*
 * Internal: what MaxPool2d and AvgPool2d share: their configuration and constructor, the
 * output size of infer and the geometry of a pass; and the [C, H, W] rank check that
 * Upsample shares with them. The pooling loops are in kernels/pooling.h.
 */
#ifndef GAN_NN_POOL2D_COMMON_H
#define GAN_NN_POOL2D_COMMON_H

#include <stdint.h>

#include "kernels/pooling.h"
#include "nn/layer_impl.h"

/* A square window: kernel_size, stride and padding, as the constructors took them. */
typedef struct gan_pool2d_layer {
    gan_layer base;
    int64_t kernel, stride, padding;
} gan_pool2d_layer;

/*
 * A pooling layer's constructor (`function` is the public one, for the messages): checks
 * kernel_size and stride >= 1, 0 <= padding <= kernel_size / 2 (PyTorch's rule: no window
 * lies in the padding alone), then allocates the layer with `ops` into *out.
 */
gan_status gan__pool2d_layer_new(gan_layer **out, const char *function, const gan_layer_ops *ops,
                                 int64_t kernel_size, int64_t stride, int64_t padding);

/* The config op of both layers: kernel_size, stride, padding. */
void gan__pool2d_config(const gan_layer *layer, gan_layer_config *config);

/* `in` is [C, H, W]; the error names the layer's kind. */
gan_status gan__check_image_rank(const gan_layer *layer, const gan_shape *in);

/* [C, H, W] -> [C, Ho, Wo], Ho = floor((H + 2p - k) / s) + 1 (Wo likewise), or an error when
 * that is empty. */
gan_status gan__pool2d_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out);

/* The geometry of a pass over pass->batch samples of the layer's shapes. */
gan_pool2d_geometry gan__pool2d_geometry(const gan_layer *layer, const gan_pass *pass);

#endif /* GAN_NN_POOL2D_COMMON_H */
