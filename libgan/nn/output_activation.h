/*
 * Internal: activations whose derivative is a function of their output (Tanh, Sigmoid).
 * Each layer file supplies its ops table (for the kind) and its two kernels.
 */
#ifndef GAN_NN_OUTPUT_ACTIVATION_H
#define GAN_NN_OUTPUT_ACTIVATION_H

#include "nn/layer_impl.h"

typedef void (*gan_activation_forward_fn)(int64_t n, const float *x, float *y);
typedef void (*gan_activation_backward_fn)(int64_t n, const float *y, const float *dy, float *dx);

gan_status gan__output_activation_new(gan_layer **out, const gan_layer_ops *ops,
                                      gan_activation_forward_fn forward,
                                      gan_activation_backward_fn backward, const char *function);

/* For the ops tables. */
gan_status gan__output_activation_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                          float *y);
void gan__output_activation_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                                     const float *y, const float *dy, float *dx, bool param_grads);

#endif /* GAN_NN_OUTPUT_ACTIVATION_H */
