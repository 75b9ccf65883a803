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
    GAN_LAYER_AFFINE = 2,   /**< int, BatchNorm and LayerNorm: learn weight and bias (default 1);
                                 only before the layer is added to a model */
    GAN_LAYER_TRAINABLE = 3, /**< int 0/1, every layer (default 1). A frozen layer (0) computes
                                  no parameter gradient (its gradients are left as they are:
                                  zero after gan_model_zero_grad()), and optimizers, the
                                  trainer's weight clipping never change its parameters; its
                                  input gradient still flows. A training setting, not part of
                                  model files (torch's requires_grad_(False)). Since 0.6.0. */
    GAN_LAYER_FROZEN_STATISTICS = 4 /**< int 0/1, BatchNorm (default 0): in training mode too,
                                  normalise with the running statistics and leave them
                                  unchanged, as a BatchNorm module put in eval() while the
                                  rest trains (fine-tuning). Not part of model files.
                                  Since 0.6.0. */
} gan_layer_option;

/**
 * Linear: y = x W^T + b over the last dimension. Weight [out, in], bias [out].
 * @param[out] out   receives the layer (caller owns it until gan_model_add()), NULL on failure
 * @param in_features  size of the input's last dimension, >= 1
 * @param out_features size of the output's last dimension, >= 1
 * @param bias         non-zero to learn a bias
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_dense(gan_layer **out, int64_t in_features, int64_t out_features,
                                   int bias);

/**
 * Conv2d on [C, H, W] inputs: square kernel, stride and zero padding, as torch.nn.Conv2d.
 * Output size floor((H + 2 padding - kernel) / stride) + 1. Weight [out, in, k, k], bias [out].
 * @param[out] out      receives the layer, NULL on failure
 * @param in_channels  input channels C, >= 1
 * @param out_channels output channels, >= 1
 * @param kernel_size  >= 1
 * @param stride       >= 1
 * @param padding      >= 0
 * @param bias         non-zero to learn a bias
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_conv2d(gan_layer **out, int64_t in_channels, int64_t out_channels,
                                    int64_t kernel_size, int64_t stride, int64_t padding, int bias);

/**
 * ConvTranspose2d on [C, H, W] inputs, as torch.nn.ConvTranspose2d. Output size
 * (H - 1) stride - 2 padding + kernel + output_padding. Weight [in, out, k, k], bias [out].
 * @param[out] out        receives the layer, NULL on failure
 * @param in_channels    input channels, >= 1
 * @param out_channels   output channels, >= 1
 * @param kernel_size    >= 1
 * @param stride         >= 1
 * @param padding        >= 0
 * @param output_padding 0 <= output_padding < stride
 * @param bias           non-zero to learn a bias
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_conv_transpose2d(gan_layer **out, int64_t in_channels,
                                              int64_t out_channels, int64_t kernel_size,
                                              int64_t stride, int64_t padding,
                                              int64_t output_padding, int bias);

/**
 * BatchNorm1d on [C] or [C, L] inputs. In training mode it normalises with the batch's
 * mean and biased variance and updates running_mean and running_var (unbiased) with the
 * momentum; in evaluation mode it uses the running statistics.
 * @param[out] out     receives the layer, NULL on failure
 * @param num_features C, >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_batchnorm1d(gan_layer **out, int64_t num_features);

/**
 * BatchNorm2d on [C, H, W] inputs; otherwise as gan_layer_batchnorm1d().
 * @param[out] out     receives the layer, NULL on failure
 * @param num_features C, >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_batchnorm2d(gan_layer **out, int64_t num_features);

/**
 * LayerNorm over the last @p rank dimensions of each sample, with elementwise weight and
 * bias of that shape, as torch.nn.LayerNorm(normalized_shape).
 * @param[out] out           receives the layer, NULL on failure
 * @param rank              1 to GAN_TENSOR_MAX_RANK - 1
 * @param normalized_shape  @p rank dimensions, each >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_layernorm(gan_layer **out, int rank, const int64_t *normalized_shape);

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

/**
 * Dropout: in training mode zeroes each element with probability @p p and scales the
 * others by 1 / (1 - p), with masks from the model's generator (gan_model_set_rng(),
 * stream GAN_RNG_DROPOUT); the identity in evaluation mode.
 * @param[out] out receives the layer, NULL on failure
 * @param p       0 <= p <= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_dropout(gan_layer **out, float p);

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

/**
 * Nearest-neighbour upsampling of [C, H, W] by an integer factor (torch.nn.Upsample,
 * mode "nearest").
 * @param[out] out       receives the layer, NULL on failure
 * @param scale_factor  >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_upsample(gan_layer **out, int64_t scale_factor);

/**
 * MaxPool2d on [C, H, W] (torch.nn.MaxPool2d; padding counts as -infinity).
 * @param[out] out      receives the layer, NULL on failure
 * @param kernel_size  >= 1
 * @param stride       >= 1
 * @param padding      0 <= padding <= kernel_size / 2
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_maxpool2d(gan_layer **out, int64_t kernel_size, int64_t stride,
                                       int64_t padding);

/**
 * AvgPool2d on [C, H, W] (torch.nn.AvgPool2d, count_include_pad=True: padding counts as
 * zeros in the average).
 * @param[out] out      receives the layer, NULL on failure
 * @param kernel_size  >= 1
 * @param stride       >= 1
 * @param padding      0 <= padding <= kernel_size / 2
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_avgpool2d(gan_layer **out, int64_t kernel_size, int64_t stride,
                                       int64_t padding);

/**
 * Embedding: maps a class index to a learned vector. Each sample is one index (per-sample
 * shape [1], so the input tensor is [batch, 1]), stored as an integral float in
 * 0..num_embeddings-1; the output is [embedding_dim]. Weight [num_embeddings, dim].
 * Indices are not differentiable: the input gradient is zero.
 * @param[out] out          receives the layer, NULL on failure
 * @param num_embeddings   number of classes, >= 1
 * @param embedding_dim    >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OVERFLOW (parameters of more than
 *         2^40 floats), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_layer_embedding(gan_layer **out, int64_t num_embeddings,
                                       int64_t embedding_dim);

/** Releases a layer that was never added to a model. NULL is a no-op; a layer a model
 *  owns is left alone (its model frees it). */
GAN_API void gan_layer_free(gan_layer *layer);

/**
 * Names the layer; parameter names become "name.weight" instead of "index.weight".
 * Name a layer before adding it to a model.
 * @param layer the layer
 * @param name  1 to 63 characters from [A-Za-z0-9_.-], not all digits (those name the
 *              unnamed layers); copied
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (the layer is in a model).
 */
GAN_API gan_status gan_layer_set_name(gan_layer *layer, const char *name);

/** The layer's name ("" until set). @return never NULL; "" (with gan_last_error() set) for NULL. */
GAN_API const char *gan_layer_name(const gan_layer *layer);

/** The layer's kind, PyTorch's class name ("Conv2d", "LeakyReLU").
 *  @return never NULL; "" (with gan_last_error() set) for NULL. */
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
