/*
 * Reshape (keras.layers.Reshape, torch.nn.Unflatten on dimension 1): each sample takes a
 * new shape with the same element count. Like Flatten, the data passes through untouched.
 */
#include <string.h>

#include "core/checked_math.h"
#include "core/error.h"
#include "nn/layer_impl.h"

typedef struct reshape_layer {
    gan_layer base;
    gan_shape shape;
} reshape_layer;

static gan_status reshape_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const gan_shape *target = &((const reshape_layer *)layer)->shape;
    if (gan__shape_numel(in) != gan__shape_numel(target)) {
        char from[GAN_SHAPE_TEXT_CAPACITY], to[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s (%lld elements) cannot become %s (%lld)",
                         gan__shape_text(from, in->rank, in->dim), (long long)gan__shape_numel(in),
                         gan__shape_text(to, target->rank, target->dim),
                         (long long)gan__shape_numel(target));
    }
    *out = *target;
    return GAN_OK;
}

static void reshape_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__config_shape(config, "shape", &((const reshape_layer *)layer)->shape);
}

static const gan_layer_ops reshape_ops = {
    .kind = "Reshape",
    .infer = reshape_infer,
    .config = reshape_config,
    .aliases_input = true,
};

gan_status gan_layer_reshape(gan_layer **out, int rank, const int64_t *shape)
{
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK && (rank < 1 || rank >= GAN_TENSOR_MAX_RANK))
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: rank %d is outside 1..%d", __func__,
                           rank, GAN_TENSOR_MAX_RANK - 1);
    if (status == GAN_OK && !shape)
        status = gan__null(__func__, "shape");
    int64_t numel = 1;
    for (int i = 0; status == GAN_OK && i < rank; i++) {
        status = gan__check_min(__func__, "a dimension", shape[i], 1);
        if (status == GAN_OK && !gan__mul_i64(numel, shape[i], &numel))
            status = gan__fail(GAN_ERR_OVERFLOW, "%s: the shape's element count overflows", __func__);
    }
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(reshape_layer), &reshape_ops);
    if (status != GAN_OK)
        return status;
    reshape_layer *reshape = (reshape_layer *)*out;
    reshape->shape.rank = rank;
    memcpy(reshape->shape.dim, shape, (size_t)rank * sizeof(int64_t));
    return GAN_OK;
}
