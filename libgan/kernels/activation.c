/* Element-wise activations: plain loops without branches the vectoriser cannot handle. */
#include <math.h>

#include "kernels/activation.h"

/* Slope 0 (ReLU) has loops of its own: 0 * x would give -0 for negative x and NaN for
 * -inf (and 0 * dy NaN for an infinite gradient), where ReLU gives +0. A NaN input passes
 * through, as in torch.relu (`x > 0 ? x : 0` would turn it into 0 and hide it). */
void gan__leaky_relu_forward(int64_t n, float slope, const float *x, float *y)
{
    if (slope == 0.0f)
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] <= 0.0f ? 0.0f : x[i];
    else
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void gan__leaky_relu_backward(int64_t n, float slope, const float *x, const float *dy, float *dx)
{
    if (slope == 0.0f) /* torch's threshold_backward: the gradient passes at a NaN too */
        for (int64_t i = 0; i < n; i++)
            dx[i] = x[i] <= 0.0f ? 0.0f : dy[i];
    else
        for (int64_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}

void gan__tanh_forward(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

void gan__tanh_backward(int64_t n, const float *y, const float *dy, float *dx)
{
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void gan__sigmoid_forward(int64_t n, const float *x, float *y)
{
    /* exp of a non-positive argument never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below. */
    for (int64_t i = 0; i < n; i++) {
        float e = expf(-fabsf(x[i]));
        y[i] = x[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

void gan__sigmoid_backward(int64_t n, const float *y, const float *dy, float *dx)
{
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
