/*
 * Tanh: y = tanh(x).
 *   backward: dx = dy (1 - y^2)          (kernels in kernels/activation.c)
 */
#include "kernels/activation.h"
#include "nn/output_activation.h"

static const gan_layer_ops tanh_ops = {
    .kind = "Tanh",
    .infer = gan__infer_same_shape,
    .forward = gan__output_activation_forward,
    .backward = gan__output_activation_backward,
    .config = gan__config_none,
};

gan_status gan_layer_tanh(gan_layer **out)
{
    return gan__output_activation_new(out, &tanh_ops, gan__tanh_forward, gan__tanh_backward,
                                      __func__);
}
