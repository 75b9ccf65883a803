/* Element-wise activations: AVX-512 where the CPU has it, split between threads when large. */
#include <math.h>

#include "kernels/activation.h"
#include "kernels/cpu_features.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/parallel.h"

/* Elements below which a kernel runs on one thread: waking another costs microseconds. */
#define ELEMENTWISE_GRAIN (1 << 16)

/* out = x > 0 ? v : slope v: the forward with v = x, the backward with v = dy. Slope 0
 * (ReLU) has a loop of its own: 0 * x would give -0 for negative x and NaN for -inf (and
 * 0 * dy NaN for an infinite gradient), where ReLU gives +0. A NaN input passes through,
 * as in torch.relu (`x > 0 ? x : 0` would turn it into 0 and hide it), and the gradient
 * passes at a NaN, as in torch's threshold_backward. */
static void leaky_relu_select_portable(int64_t n, float slope, const float *x, const float *v,
                                       float *out)
{
    if (slope == 0.0f)
        for (int64_t i = 0; i < n; i++)
            out[i] = x[i] <= 0.0f ? 0.0f : v[i];
    else
        for (int64_t i = 0; i < n; i++)
            out[i] = x[i] > 0.0f ? v[i] : slope * v[i];
}

typedef struct leaky_relu_job {
    float slope;
    const float *x, *v;
    float *out;
} leaky_relu_job;

static void leaky_relu_range(void *context, int64_t begin, int64_t end)
{
    const leaky_relu_job *job = context;
    if (gan__cpu_has_avx512())
        gan__leaky_relu_select_avx512(end - begin, job->slope, job->x + begin, job->v + begin,
                                      job->out + begin);
    else
        leaky_relu_select_portable(end - begin, job->slope, job->x + begin, job->v + begin,
                                   job->out + begin);
}

void gan__leaky_relu_forward(int64_t n, float slope, const float *x, float *y)
{
    leaky_relu_job job = {.slope = slope, .x = x, .v = x, .out = y};
    gan__parallel_for(n, ELEMENTWISE_GRAIN, 16, leaky_relu_range, &job);
}

void gan__leaky_relu_backward(int64_t n, float slope, const float *x, const float *dy, float *dx)
{
    leaky_relu_job job = {.slope = slope, .x = x, .v = dy, .out = dx};
    gan__parallel_for(n, ELEMENTWISE_GRAIN, 16, leaky_relu_range, &job);
}

typedef struct tanh_job {
    const float *x, *dy;
    float *out;
} tanh_job;

static void tanh_forward_range(void *context, int64_t begin, int64_t end)
{
    const tanh_job *job = context;
    if (gan__cpu_has_avx512()) {
        gan__tanh_forward_avx512(end - begin, job->x + begin, job->out + begin);
        return;
    }
    for (int64_t i = begin; i < end; i++)
        job->out[i] = tanhf(job->x[i]);
}

static void tanh_backward_range(void *context, int64_t begin, int64_t end)
{
    const tanh_job *job = context;
    if (gan__cpu_has_avx512()) {
        gan__tanh_backward_avx512(end - begin, job->x + begin, job->dy + begin, job->out + begin);
        return;
    }
    for (int64_t i = begin; i < end; i++)
        job->out[i] = job->dy[i] * (1.0f - job->x[i] * job->x[i]);
}

void gan__tanh_forward(int64_t n, const float *x, float *y)
{
    tanh_job job = {.x = x, .out = y};
    gan__parallel_for(n, ELEMENTWISE_GRAIN / 8, 16, tanh_forward_range, &job);
}

/* job.x holds the forward's output y. */
void gan__tanh_backward(int64_t n, const float *y, const float *dy, float *dx)
{
    tanh_job job = {.x = y, .dy = dy, .out = dx};
    gan__parallel_for(n, ELEMENTWISE_GRAIN, 16, tanh_backward_range, &job);
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
