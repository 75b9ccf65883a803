/* Tensors: creation, shape queries, copies in and out, fill and reshape. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "core/tensor.h"

const char *gan__shape_text(char text[GAN_SHAPE_TEXT_CAPACITY], int rank, const int64_t *shape)
{
    size_t used = (size_t)snprintf(text, GAN_SHAPE_TEXT_CAPACITY, "[");
    for (int i = 0; i < rank && used < GAN_SHAPE_TEXT_CAPACITY; i++)
        used += (size_t)snprintf(text + used, GAN_SHAPE_TEXT_CAPACITY - used, "%s%lld",
                                 i ? ", " : "", (long long)shape[i]);
    if (used < GAN_SHAPE_TEXT_CAPACITY)
        snprintf(text + used, GAN_SHAPE_TEXT_CAPACITY - used, "]");
    return text;
}

gan_status gan__check_samples(const char *function, const char *what, const gan_tensor *batch,
                              int rank, const int64_t *shape)
{
    if (batch->rank == rank + 1 &&
        memcmp(batch->shape + 1, shape, (size_t)rank * sizeof *shape) == 0)
        return GAN_OK;
    char got[GAN_SHAPE_TEXT_CAPACITY], want[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE, "%s: %s is %s; samples %s expected", function, what,
                     gan__shape_text(got, batch->rank, batch->shape),
                     gan__shape_text(want, rank, shape));
}

/*
 * Checks a caller's shape and computes its element count; at most one -1 is allowed when
 * @p infer_from is >= 0, and is then replaced (in @p resolved) so the count equals it.
 */
static gan_status resolve_shape(const char *function, int rank, const int64_t *shape,
                                 int64_t infer_from, int64_t resolved[GAN_TENSOR_MAX_RANK],
                                 int64_t *numel)
{
    if (rank < 0 || rank > GAN_TENSOR_MAX_RANK)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: rank %d is outside 0..%d", function,
                         rank, GAN_TENSOR_MAX_RANK);
    if (rank > 0 && !shape)
        return gan__null(function, "shape");

    int inferred_axis = -1;
    int64_t known = 1;
    for (int i = 0; i < rank; i++) {
        int64_t dim = shape[i];
        if (dim == -1 && infer_from >= 0 && inferred_axis < 0) {
            inferred_axis = i;
            continue;
        }
        if (dim < 0)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             dim == -1 ? "%s: dimension %d is -1, but only one may be inferred"
                                       : "%s: dimension %d is %lld; dimensions must be >= 0",
                             function, i, (long long)dim);
        if (!gan__mul_i64(known, dim, &known))
            return gan__fail(GAN_ERR_OVERFLOW, "%s: the element count overflows at dimension %d",
                             function, i);
        resolved[i] = dim;
    }
    if (inferred_axis >= 0) {
        if (known == 0 || infer_from % known != 0)
            return gan__fail(GAN_ERR_SHAPE,
                             "%s: cannot infer dimension %d: %lld elements are not a multiple of %lld",
                             function, inferred_axis, (long long)infer_from, (long long)known);
        resolved[inferred_axis] = infer_from / known;
        known = infer_from;
    }
    *numel = known;
    return GAN_OK;
}

gan_status gan_tensor_new(gan_tensor **out, int rank, const int64_t *shape)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;

    int64_t resolved[GAN_TENSOR_MAX_RANK];
    int64_t numel;
    gan_status status = resolve_shape(__func__, rank, shape, -1, resolved, &numel);
    if (status != GAN_OK)
        return status;

    gan_tensor *tensor = gan__calloc(sizeof *tensor, "tensor");
    if (!tensor)
        return GAN_ERR_OUT_OF_MEMORY;
    if (numel > 0) {
        if ((uint64_t)numel > SIZE_MAX / sizeof(float)) {
            gan__free(tensor);
            return gan__fail(GAN_ERR_OVERFLOW, "%s: %lld floats do not fit in memory", __func__,
                             (long long)numel);
        }
        tensor->data = gan__calloc_array((size_t)numel, sizeof(float), "tensor data");
        if (!tensor->data) {
            gan__free(tensor);
            return GAN_ERR_OUT_OF_MEMORY;
        }
    }
    tensor->numel = numel;
    tensor->rank = rank;
    memcpy(tensor->shape, resolved, (size_t)rank * sizeof(int64_t));
    *out = tensor;
    return GAN_OK;
}

void gan__tensor_view(gan_tensor *tensor, float *data, int rank, const int64_t *shape)
{
    tensor->data = data;
    tensor->rank = rank;
    tensor->numel = 1;
    for (int i = 0; i < rank; i++) {
        tensor->shape[i] = shape[i];
        tensor->numel *= shape[i];
    }
    tensor->is_view = true;
}

void gan_tensor_free(gan_tensor *tensor)
{
    if (!tensor || tensor->is_view)
        return;
    gan__free(tensor->data);
    gan__free(tensor);
}

int gan_tensor_rank(const gan_tensor *tensor)
{
    if (!tensor) {
        gan__null(__func__, "tensor");
        return -1;
    }
    return tensor->rank;
}

int64_t gan_tensor_dim(const gan_tensor *tensor, int axis)
{
    if (!tensor) {
        gan__null(__func__, "tensor");
        return -1;
    }
    int normalized = axis < 0 ? axis + tensor->rank : axis;
    if (normalized < 0 || normalized >= tensor->rank) {
        gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: axis %d is outside a rank-%d tensor", __func__,
                  axis, tensor->rank);
        return -1;
    }
    return tensor->shape[normalized];
}

int64_t gan_tensor_numel(const gan_tensor *tensor)
{
    if (!tensor) {
        gan__null(__func__, "tensor");
        return -1;
    }
    return tensor->numel;
}

gan_status gan_tensor_shape(const gan_tensor *tensor, int64_t *shape, size_t capacity)
{
    if (!tensor)
        return gan__null(__func__, "tensor");
    if (!shape && tensor->rank > 0)
        return gan__null(__func__, "shape");
    if (capacity < (size_t)tensor->rank)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: capacity %zu is smaller than the rank %d", __func__, capacity,
                         tensor->rank);
    if (tensor->rank > 0)
        memcpy(shape, tensor->shape, (size_t)tensor->rank * sizeof(int64_t));
    return GAN_OK;
}

/* The shared checks of copy_from/copy_to: a buffer of exactly numel floats. */
static gan_status check_buffer(const char *function, const gan_tensor *tensor,
                               const float *buffer, size_t count)
{
    if (!tensor)
        return gan__null(function, "tensor");
    if (count != (uint64_t)tensor->numel) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: %zu elements given, tensor %s holds %lld", function,
                         count, gan__shape_text(text, tensor->rank, tensor->shape),
                         (long long)tensor->numel);
    }
    if (!buffer && count > 0)
        return gan__null(function, "buffer");
    return GAN_OK;
}

gan_status gan_tensor_copy_from(gan_tensor *tensor, const float *src, size_t count)
{
    gan_status status = check_buffer(__func__, tensor, src, count);
    if (status == GAN_OK && count > 0)
        memcpy(tensor->data, src, count * sizeof(float));
    return status;
}

gan_status gan_tensor_copy_to(const gan_tensor *tensor, float *dst, size_t count)
{
    gan_status status = check_buffer(__func__, tensor, dst, count);
    if (status == GAN_OK && count > 0)
        memcpy(dst, tensor->data, count * sizeof(float));
    return status;
}

float *gan_tensor_data(gan_tensor *tensor)
{
    if (!tensor) {
        gan__null(__func__, "tensor");
        return NULL;
    }
    return tensor->data;
}

const float *gan_tensor_data_const(const gan_tensor *tensor)
{
    if (!tensor) {
        gan__null(__func__, "tensor");
        return NULL;
    }
    return tensor->data;
}

gan_status gan_tensor_fill(gan_tensor *tensor, float value)
{
    if (!tensor)
        return gan__null(__func__, "tensor");
    for (int64_t i = 0; i < tensor->numel; i++)
        tensor->data[i] = value;
    return GAN_OK;
}

gan_status gan_tensor_reshape(gan_tensor *tensor, int rank, const int64_t *shape)
{
    if (!tensor)
        return gan__null(__func__, "tensor");
    if (tensor->is_view)
        return gan__fail(GAN_ERR_STATE, "%s: the tensor is a view into a model; its shape is fixed",
                         __func__);
    int64_t resolved[GAN_TENSOR_MAX_RANK];
    int64_t numel;
    gan_status status = resolve_shape(__func__, rank, shape, tensor->numel, resolved, &numel);
    if (status != GAN_OK)
        return status;
    if (numel != tensor->numel) {
        char from[GAN_SHAPE_TEXT_CAPACITY], to[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: cannot reshape %s (%lld elements) to %s (%lld)",
                         __func__, gan__shape_text(from, tensor->rank, tensor->shape),
                         (long long)tensor->numel, gan__shape_text(to, rank, resolved),
                         (long long)numel);
    }
    tensor->rank = rank;
    memcpy(tensor->shape, resolved, (size_t)rank * sizeof(int64_t));
    return GAN_OK;
}
