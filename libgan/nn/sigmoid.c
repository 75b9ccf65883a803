/*
 * Sigmoid: y = 1 / (1 + exp(-x)), evaluated without overflow for any x.
 *   backward: dx = dy y (1 - y)          (kernels in kernels/activation.c)
 */
#include "kernels/activation.h"
#include "nn/output_activation.h"

static const gan_layer_ops sigmoid_ops = {
    .kind = "Sigmoid",
    .infer = gan__infer_same_shape,
    .forward = gan__output_activation_forward,
    .backward = gan__output_activation_backward,
    .config = gan__config_none,
};

gan_status gan_layer_sigmoid(gan_layer **out)
{
    return gan__output_activation_new(out, &sigmoid_ops, gan__sigmoid_forward,
                                      gan__sigmoid_backward, __func__);
}
