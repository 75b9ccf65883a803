/* Activations differentiated through their output: y = f(x), dx = dy f'(x) written with y. */
#include "nn/output_activation.h"

typedef struct output_activation_layer {
    gan_layer base;
    gan_activation_forward_fn forward;
    gan_activation_backward_fn backward;
} output_activation_layer;

gan_status gan__output_activation_new(gan_layer **out, const gan_layer_ops *ops,
                                      gan_activation_forward_fn forward,
                                      gan_activation_backward_fn backward, const char *function)
{
    gan_status status = gan__layer_begin(out, function);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(output_activation_layer), ops);
    if (status == GAN_OK) {
        output_activation_layer *activation = (output_activation_layer *)*out;
        activation->forward = forward;
        activation->backward = backward;
    }
    return status;
}

gan_status gan__output_activation_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                          float *y)
{
    ((const output_activation_layer *)layer)->forward(gan__pass_input_numel(layer, pass), x, y);
    return GAN_OK;
}

void gan__output_activation_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                                     const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)param_grads;
    if (dx)
        ((const output_activation_layer *)layer)->backward(gan__pass_input_numel(layer, pass), y,
                                                           dy, dx);
}
