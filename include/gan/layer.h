/**
 * @file gan/layer.h
 * @brief Layers: the building blocks of generators, discriminators and classifiers.
 *
 * A layer is created on its own, configured, and handed to a model with gan_model_add(),
 * which takes ownership on success. Semantics, output sizes and parameter layouts are
 * PyTorch's (Linear weight [out, in]; Conv2d [out, in, k, k]; ConvTranspose2d
 * [in, out, k, k]; BatchNorm weight, bias, running_mean, running_var), so weights move
 * between PyTorch and libgan unchanged. Shapes below are per sample; the batch
 * dimension comes first and is never part of a layer's configuration.
 */
#ifndef GAN_LAYER_H
#define GAN_LAYER_H

#include <stdint.h>

#include "common.h"
#include "status.h"

GAN_BEGIN_DECLS

/** A layer (opaque). */
typedef struct gan_layer gan_layer;

/** How gan_model_init_parameters() draws a layer's parameters. Values are part of the ABI. */
typedef enum gan_init {
    /** PyTorch's defaults: weights Kaiming-uniform with a = sqrt(5), i.e. U(-b, b) with
     *  b = 1/sqrt(fan_in), biases U(-b, b) likewise; norm layers weight 1, bias 0;
     *  Embedding N(0, 1). */
    GAN_INIT_PYTORCH = 0,
    /** Keras's defaults: weights Glorot/Xavier uniform, b = sqrt(6 / (fan_in + fan_out));
     *  biases 0; norm layers weight 1, bias 0. */
    GAN_INIT_GLOROT_UNIFORM = 1,
    /** The DCGAN paper's: weights N(0, 0.02), biases 0; norm layers weight N(1, 0.02), bias 0. */
    GAN_INIT_DCGAN = 2
} gan_init;

/** Options of gan_layer_set_float() / gan_layer_set_int(). Values are part of the ABI. */
typedef enum gan_layer_option {
    GAN_LAYER_MOMENTUM = 0, /**< float, BatchNorm: running-statistics momentum (default 0.1) */
    GAN_LAYER_EPS = 1,      /**< float, BatchNorm and LayerNorm: added to the variance (default 1e-5) */
    GAN_LAYER_AFFINE = 2    /**< int, BatchNorm and LayerNorm: learn weight and bias (default 1);
                                 only before the layer is added to a model */
} gan_layer_option;

/**
 * Linear: y = x W^T + b over the last dimension. Weight [out, in], bias [out].
 * @param[out] out   receives the layer (caller owns it until gan_model_add()), NULL on failure
 * @param in_features  size of the input's last dimension, >= 1
 * @param out_features size of the output's last dimension, >= 1
 * @param bias         non-zero to learn a bias
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_dense(gan_layer **out, int64_t in_features, int64_t out_features,
                                   int bias);

/** ReLU: max(x, 0). @param[out] out receives the layer. @return GAN_OK or an error. */
GAN_API gan_status gan_layer_relu(gan_layer **out);

/**
 * LeakyReLU: x if x > 0, else negative_slope x.
 * @param[out] out         receives the layer, NULL on failure
 * @param negative_slope  finite
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_leaky_relu(gan_layer **out, float negative_slope);

/** Tanh. @param[out] out receives the layer. @return GAN_OK or an error. */
GAN_API gan_status gan_layer_tanh(gan_layer **out);

/** Sigmoid: 1 / (1 + exp(-x)). @param[out] out receives the layer. @return GAN_OK or an error. */
GAN_API gan_status gan_layer_sigmoid(gan_layer **out);

/** Flatten: each sample to one dimension (torch.nn.Flatten()). @param[out] out receives the layer. */
GAN_API gan_status gan_layer_flatten(gan_layer **out);

/**
 * Reshape each sample to @p shape (same element count), like keras.layers.Reshape.
 * @param[out] out  receives the layer, NULL on failure
 * @param rank     1 to GAN_TENSOR_MAX_RANK - 1
 * @param shape    @p rank dimensions, each >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_reshape(gan_layer **out, int rank, const int64_t *shape);

/** Releases a layer that was never added to a model. NULL is a no-op; a layer a model
 *  owns is left alone (its model frees it). */
GAN_API void gan_layer_free(gan_layer *layer);

/**
 * Names the layer; parameter names become "name.weight" instead of "index.weight".
 * @param layer the layer
 * @param name  1 to 63 characters from [A-Za-z0-9_.-]; copied
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_layer_set_name(gan_layer *layer, const char *name);

/** The layer's name ("" until set). @return never NULL; "" for NULL. */
GAN_API const char *gan_layer_name(const gan_layer *layer);

/** The layer's kind, PyTorch's class name ("Conv2d", "LeakyReLU"). @return never NULL. */
GAN_API const char *gan_layer_kind(const gan_layer *layer);

/**
 * Chooses how gan_model_init_parameters() initialises this layer (default GAN_INIT_PYTORCH).
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL or unknown scheme).
 */
GAN_API gan_status gan_layer_set_init(gan_layer *layer, gan_init init);

/**
 * Sets a float option.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, an option this layer does not have, a
 *         value out of range).
 */
GAN_API gan_status gan_layer_set_float(gan_layer *layer, gan_layer_option option, float value);

/** Reads a float option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_layer_get_float(const gan_layer *layer, gan_layer_option option,
                                       float *value);

/**
 * Sets an integer option.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (an option that changes the
 *         parameters, on a layer already in a model).
 */
GAN_API gan_status gan_layer_set_int(gan_layer *layer, gan_layer_option option, int64_t value);

/** Reads an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_layer_get_int(const gan_layer *layer, gan_layer_option option,
                                     int64_t *value);

GAN_END_DECLS

#endif /* GAN_LAYER_H */
