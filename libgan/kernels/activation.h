/* Internal: element-wise activation functions and their derivatives over n floats. */
#ifndef GAN_KERNELS_ACTIVATION_H
#define GAN_KERNELS_ACTIVATION_H

#include <stdint.h>

/* y = x > 0 ? x : slope x (ReLU is slope 0; a NaN passes through both, as in PyTorch). */
void gan__leaky_relu_forward(int64_t n, float slope, const float *x, float *y);
/* dx = x > 0 ? dy : slope dy. */
void gan__leaky_relu_backward(int64_t n, float slope, const float *x, const float *dy, float *dx);

void gan__tanh_forward(int64_t n, const float *x, float *y);
/* dx = dy (1 - y^2), from the output y. */
void gan__tanh_backward(int64_t n, const float *y, const float *dy, float *dx);

void gan__sigmoid_forward(int64_t n, const float *x, float *y);
/* dx = dy y (1 - y), from the output y. */
void gan__sigmoid_backward(int64_t n, const float *y, const float *dy, float *dx);

#endif /* GAN_KERNELS_ACTIVATION_H */
