/*
 * Flatten (torch.nn.Flatten): each sample [d1, d2, ...] becomes [d1 d2 ...]. The data is
 * untouched, so the model passes the input through as the output (and dy as dx).
 */
#include "nn/layer_impl.h"

static gan_status flatten_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    (void)layer;
    out->rank = 1;
    out->dim[0] = gan__shape_numel(in);
    return GAN_OK;
}

static const gan_layer_ops flatten_ops = {
    .kind = "Flatten",
    .infer = flatten_infer,
    .config = gan__config_none,
    .aliases_input = true,
};

gan_status gan_layer_flatten(gan_layer **out)
{
    gan_status status = gan__layer_begin(out, __func__);
    return status == GAN_OK ? gan__layer_alloc(out, sizeof(gan_layer), &flatten_ops) : status;
}
