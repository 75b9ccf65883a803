/* Internal: the tensor's layout, for the layers above core. */
#ifndef GAN_CORE_TENSOR_H
#define GAN_CORE_TENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "gan/tensor.h"

struct gan_tensor {
    float *data;     /* numel floats, GAN_ALIGNMENT-aligned; NULL when numel is 0 */
    int64_t numel;   /* product of shape[0..rank) (1 for rank 0) */
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    bool is_view;    /* data and struct belong to a model: free and reshape refuse it */
};

/* Makes `tensor` a view of `data` with the given shape (rank <= GAN_TENSOR_MAX_RANK). */
void gan__tensor_view(gan_tensor *tensor, float *data, int rank, const int64_t *shape);

/* Room for "[" + 8 dimensions of up to 20 digits + separators + "]". */
#define GAN_SHAPE_TEXT_CAPACITY 200

/* Writes a shape as "[3, 5]" (for error messages) and returns @p text. */
const char *gan__shape_text(char text[GAN_SHAPE_TEXT_CAPACITY], int rank, const int64_t *shape);

/* GAN_OK if @p batch is [N, shape...] (any N), else GAN_ERR_SHAPE naming @p function and
 * @p what the batch is. Check it before sizing anything by N: a tensor without elements can
 * claim any N. */
gan_status gan__check_samples(const char *function, const char *what, const gan_tensor *batch,
                              int rank, const int64_t *shape);

#endif /* GAN_CORE_TENSOR_H */
