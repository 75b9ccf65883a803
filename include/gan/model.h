/**
 * @file gan/model.h
 * @brief Sequential models: a chain of layers with explicit forward and backward passes.
 *
 * A model owns its layers, keeps all trainable parameters in one contiguous float array
 * and their gradients in another (each layer's weights are views into them), and sizes
 * its activations and workspaces once per batch size: after the first pass at a batch
 * size, forward and backward allocate nothing.
 *
 * Shapes are per sample (without the batch dimension) unless they belong to a tensor.
 * They are checked when the input shape becomes known — gan_model_set_input_shape(), or
 * the first gan_model_forward() — and, once it is known, whenever a layer is added; the
 * error names the first layer that does not fit and the shapes involved.
 */
#ifndef GAN_MODEL_H
#define GAN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "layer.h"
#include "random.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/** A Sequential model (opaque). */
typedef struct gan_model gan_model;

/** Flags of gan_model_backward(). Values are part of the ABI. */
typedef enum gan_backward_flag {
    /** Compute only the input gradient: parameter gradients are neither computed nor
     *  touched (a generator step backpropagating through the discriminator). */
    GAN_BACKWARD_SKIP_PARAMETERS = 1
} gan_backward_flag;

/**
 * Creates an empty model in training mode.
 * @param[out] out receives the model (caller owns it; gan_model_free()), NULL on failure
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_new(gan_model **out);

/** Releases a model and every layer it owns. NULL is a no-op. */
GAN_API void gan_model_free(gan_model *model);

/**
 * Appends a layer. On success the model owns the layer (do not free it); on failure the
 * caller still does. If the input shape is known, the layer is checked against the
 * current output shape first. A new layer's weights and biases are zero until
 * gan_model_init_parameters() or loaded values replace them; norm layers start as in
 * PyTorch (weight 1, bias 0, running_mean 0, running_var 1).
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a layer already in a model, a name used
 *         twice), GAN_ERR_SHAPE (the layer does not fit), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_add(gan_model *model, gan_layer *layer);

/** The number of layers, or -1 for NULL. */
GAN_API int gan_model_layer_count(const gan_model *model);

/**
 * A layer of the model, to read or set its options. Borrowed: the model owns it.
 * @return the layer, or NULL (with gan_last_error() set) for NULL or a bad index.
 */
GAN_API gan_layer *gan_model_layer(gan_model *model, int index);

/**
 * Declares the per-sample input shape ([100] for a latent vector, [1, 28, 28] for an
 * MNIST image) and checks every layer against it.
 * @param model the model
 * @param rank  1 to GAN_TENSOR_MAX_RANK - 1
 * @param shape @p rank dimensions, each >= 1
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (naming the first layer that does
 *         not fit), GAN_ERR_STATE (a different shape was already set).
 */
GAN_API gan_status gan_model_set_input_shape(gan_model *model, int rank, const int64_t *shape);

/**
 * The per-sample input shape ([100] for a generator's latent vectors), as set by
 * gan_model_set_input_shape(), the first forward pass, or the file the model was loaded from.
 * @param model     the model
 * @param[out] rank  receives the rank
 * @param[out] shape receives the dimensions
 * @param capacity  number of int64_t @p shape can hold
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (not known yet).
 */
GAN_API gan_status gan_model_input_shape(const gan_model *model, int *rank, int64_t *shape,
                                         size_t capacity);

/**
 * The per-sample output shape.
 * @param model     the model
 * @param[out] rank  receives the rank
 * @param[out] shape receives the dimensions
 * @param capacity  number of int64_t @p shape can hold
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (input shape not known yet).
 */
GAN_API gan_status gan_model_output_shape(const gan_model *model, int *rank, int64_t *shape,
                                          size_t capacity);

/**
 * Draws every parameter from @p rng's GAN_RNG_INIT stream, layer by layer, with each
 * layer's gan_init scheme; resets BatchNorm running statistics.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_init_parameters(gan_model *model, gan_rng *rng);

/**
 * The generator Dropout layers draw their masks from (stream GAN_RNG_DROPOUT). Borrowed:
 * it must outlive its use; NULL detaches it.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_set_rng(gan_model *model, gan_rng *rng);

/**
 * Training mode (batch statistics, dropout active) when @p training is non-zero,
 * evaluation mode otherwise.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_set_training(gan_model *model, int training);

/** 1 in training mode, 0 in evaluation mode, -1 for NULL. */
GAN_API int gan_model_is_training(const gan_model *model);

/**
 * Runs the model on a batch.
 * @param model        the model
 * @param input        [batch, sample shape...]; copied, so the caller may reuse it at once
 * @param[out] output  receives the output [batch, output shape...]; borrowed from the model,
 *                     valid until the next forward pass or gan_model_free()
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_STATE (Dropout in
 *         training mode without a generator), GAN_ERR_OUT_OF_MEMORY, GAN_ERR_OVERFLOW, or
 *         the failure of a BatchNorm synchronisation hook (gan_model_set_batchnorm_sync()).
 */
GAN_API gan_status gan_model_forward(gan_model *model, const gan_tensor *input,
                                     const gan_tensor **output);

/**
 * The output of one layer in the last forward pass: a classifier's penultimate features, a
 * discriminator's hidden activations.
 * @param model        the model
 * @param index        the layer, 0 to gan_model_layer_count() - 1
 * @param[out] output  receives [batch, the layer's output shape...]; borrowed from the model,
 *                     valid until the next forward pass, a change to the model, or
 *                     gan_model_free(); NULL on failure
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, an index out of range), GAN_ERR_STATE (no
 *         forward pass since the model changed, or the last one failed while running; a
 *         call refused by its argument or shape checks leaves the previous pass readable).
 */
GAN_API gan_status gan_model_layer_output(gan_model *model, int index, const gan_tensor **output);

/**
 * Backpropagates @p grad_output through the last forward pass. Parameter gradients are
 * accumulated (added) into the gradient array unless GAN_BACKWARD_SKIP_PARAMETERS is set.
 * @param model           the model
 * @param grad_output     d loss / d output, the shape of the last output
 * @param flags           0 or GAN_BACKWARD_SKIP_PARAMETERS
 * @param[out] grad_input receives d loss / d input (borrowed, valid until the next pass),
 *                        or pass NULL when it is not needed (it is then not computed)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_STATE (no forward pass),
 *         or the failure of a BatchNorm synchronisation hook (gan_model_set_batchnorm_sync()).
 */
GAN_API gan_status gan_model_backward(gan_model *model, const gan_tensor *grad_output,
                                      unsigned flags, const gan_tensor **grad_input);

/**
 * Sums @p count doubles in place over every process of a data-parallel world: an all-reduce
 * with a sum (MPI_Allreduce with MPI_SUM, for instance). Every process calls it the same
 * number of times, in the same order, with the same counts. A status other than GAN_OK
 * fails the pass that called it. Since 0.6.0.
 */
typedef gan_status (*gan_sum_hook)(void *user_data, double *values, size_t count);

/**
 * Synchronised BatchNorm: training passes of the model's BatchNorm layers (those without
 * GAN_LAYER_FROZEN_STATISTICS) take their batch statistics over the batches of every process
 * instead of their own, and their backward passes the sums the input gradient needs, through
 * @p hook. Per BatchNorm layer of C channels, forward sums C + 1 values (the channel sums and
 * the count) and then C (the squared deviations from the global mean); backward sums 2 C. The
 * parameter gradients stay local (a gradient hook averages them). Every process must then run
 * the same training passes, in the same order; evaluation passes do not synchronise. NULL
 * (the default) keeps each process's own statistics, as PyTorch's DDP does without
 * SyncBatchNorm. Since 0.6.0.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (NULL model).
 */
GAN_API gan_status gan_model_set_batchnorm_sync(gan_model *model, gan_sum_hook hook,
                                                void *user_data);

/** Sets every parameter gradient to zero. @return GAN_OK, GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_model_zero_grad(gan_model *model);

/** The number of trainable scalars (BatchNorm running statistics excluded), -1 for NULL. */
GAN_API int64_t gan_model_parameter_count(const gan_model *model);

/**
 * The contiguous parameter and gradient arrays, in the order of the named parameters.
 * Borrowed; valid until a layer is added or the model is freed.
 * @param model           the model
 * @param[out] parameters receives the parameter array (may be NULL if not wanted)
 * @param[out] gradients  receives the gradient array (may be NULL if not wanted)
 * @param[out] count      receives the number of floats in each
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_parameter_arrays(gan_model *model, float **parameters,
                                              float **gradients, size_t *count);

/** The number of named parameter tensors ("0.weight", "0.bias", ...), -1 for NULL. */
GAN_API int gan_model_named_parameter_count(const gan_model *model);

/**
 * A named parameter tensor, PyTorch-style: "NAME.weight" or "NAME.bias", where NAME is the
 * layer's name or else its index.
 * @param model          the model
 * @param index          0 to gan_model_named_parameter_count() - 1
 * @param[out] name      receives the name (borrowed), or pass NULL
 * @param[out] value     receives a view of the values (borrowed, writable), or pass NULL
 * @param[out] gradient  receives a view of the gradient (borrowed), or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_named_parameter(gan_model *model, int index, const char **name,
                                             gan_tensor **value, gan_tensor **gradient);

/** The number of named buffers (BatchNorm running_mean and running_var), -1 for NULL. */
GAN_API int gan_model_named_buffer_count(const gan_model *model);

/**
 * A named buffer: state that is not trained by gradients ("1.running_mean").
 * @param model       the model
 * @param index       0 to gan_model_named_buffer_count() - 1
 * @param[out] name   receives the name (borrowed), or pass NULL
 * @param[out] value  receives a view of the values (borrowed, writable), or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_named_buffer(gan_model *model, int index, const char **name,
                                          gan_tensor **value);

/**
 * A 64-bit checksum of every parameter and buffer, bit for bit: FNV-1a 64 over the
 * little-endian bytes of each float, the named parameters first and then the named buffers,
 * in their order. Processes that hold bitwise the same model get the same value, so
 * data-parallel ranks can prove they agree by comparing one number. Since 0.6.0.
 * @param model          the model
 * @param[out] checksum  receives the checksum
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_model_checksum(const gan_model *model, uint64_t *checksum);

/**
 * Writes a table of the layers into @p buffer: index and name, kind, output shape and
 * parameter count, then the totals. Always NUL-terminated when @p capacity > 0.
 * @param model         the model
 * @param buffer        receives the text (may be NULL when @p capacity is 0)
 * @param capacity      size of @p buffer in bytes; 0 only measures the table into @p length
 * @param[out] length   receives the length of the whole table without the NUL, or NULL
 *                      (not with a capacity of 0)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL model, a capacity of 0 without @p length, or
 *         a buffer too small: the text is then truncated and @p length says how much is
 *         needed).
 */
GAN_API gan_status gan_model_summary(const gan_model *model, char *buffer, size_t capacity,
                                     size_t *length);

GAN_END_DECLS

#endif /* GAN_MODEL_H */
