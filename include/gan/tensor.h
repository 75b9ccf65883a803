/**
 * @file gan/tensor.h
 * @brief Dense float32 tensors: row-major, NCHW for images, shapes as int64.
 *
 * A ::gan_tensor owns its element buffer. Every function checks its arguments: NULL
 * handles, negative or overflowing dimensions and element counts that do not match
 * return an error and leave the tensor unchanged.
 */
#ifndef GAN_TENSOR_H
#define GAN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "status.h"

GAN_BEGIN_DECLS

/** The highest rank a tensor can have. */
#define GAN_TENSOR_MAX_RANK 8

/** A dense float32 tensor (opaque). */
typedef struct gan_tensor gan_tensor;

/**
 * Creates a zero-filled tensor.
 * @param[out] out  receives the new tensor (caller owns it; free with gan_tensor_free()),
 *                  or NULL on failure
 * @param rank      0 (a scalar with one element) to GAN_TENSOR_MAX_RANK
 * @param shape     @p rank dimensions, each >= 0; may be NULL when rank is 0
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, bad rank, negative dimension),
 *         GAN_ERR_OVERFLOW (the byte size does not fit in memory), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_tensor_new(gan_tensor **out, int rank, const int64_t *shape);

/** Releases a tensor and its elements. NULL is a no-op, and so is a view a model lent out
 *  (a parameter, an output): the model owns those. */
GAN_API void gan_tensor_free(gan_tensor *tensor);

/** The tensor's rank, or -1 (with gan_last_error() set) if @p tensor is NULL. */
GAN_API int gan_tensor_rank(const gan_tensor *tensor);

/**
 * One dimension of the tensor.
 * @param tensor the tensor (borrowed)
 * @param axis 0 to rank-1, or negative to count from the end (-1 is the last axis)
 * @return the dimension, or -1 (with gan_last_error() set) for a NULL tensor or a bad axis.
 */
GAN_API int64_t gan_tensor_dim(const gan_tensor *tensor, int axis);

/** The number of elements (1 for rank 0), or -1 (with gan_last_error() set) if NULL. */
GAN_API int64_t gan_tensor_numel(const gan_tensor *tensor);

/**
 * Copies the shape out.
 * @param tensor      the tensor (borrowed)
 * @param[out] shape  receives rank() dimensions
 * @param capacity    number of int64_t that @p shape can hold; at least the rank
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, or capacity smaller than the rank).
 */
GAN_API gan_status gan_tensor_shape(const gan_tensor *tensor, int64_t *shape, size_t capacity);

/**
 * Copies @p count floats from @p src into the tensor, in row-major order.
 * @param tensor the destination
 * @param src    @p count floats (borrowed; may be NULL when count is 0)
 * @param count must equal gan_tensor_numel()
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL), GAN_ERR_SHAPE (count differs).
 */
GAN_API gan_status gan_tensor_copy_from(gan_tensor *tensor, const float *src, size_t count);

/**
 * Copies the tensor's elements into @p dst, in row-major order.
 * @param tensor the source
 * @param[out] dst receives @p count floats (may be NULL when count is 0)
 * @param count capacity of @p dst in floats; must equal gan_tensor_numel()
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL), GAN_ERR_SHAPE (count differs).
 */
GAN_API gan_status gan_tensor_copy_to(const gan_tensor *tensor, float *dst, size_t count);

/**
 * The tensor's element buffer, row-major, gan_tensor_numel() floats, 64-byte aligned.
 * Borrowed: valid until the tensor is freed; reshaping does not move it.
 * @return the buffer, or NULL for a NULL tensor or one with zero elements.
 */
GAN_API float *gan_tensor_data(gan_tensor *tensor);

/**
 * The element buffer of a read-only tensor (such as a model's output), as gan_tensor_data().
 * @return the buffer, or NULL for a NULL tensor or one with zero elements.
 */
GAN_API const float *gan_tensor_data_const(const gan_tensor *tensor);

/** Sets every element to @p value. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (NULL). */
GAN_API gan_status gan_tensor_fill(gan_tensor *tensor, float value);

/**
 * Gives the tensor a new shape with the same number of elements; the data is untouched.
 * At most one dimension may be -1: it is inferred from the others.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, bad rank, dimension below -1, two -1s),
 *         GAN_ERR_SHAPE (element count differs or cannot be inferred), GAN_ERR_OVERFLOW,
 *         GAN_ERR_STATE (a view a model lent out: its shape is fixed).
 */
GAN_API gan_status gan_tensor_reshape(gan_tensor *tensor, int rank, const int64_t *shape);

GAN_END_DECLS

#endif /* GAN_TENSOR_H */
