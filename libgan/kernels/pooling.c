/* Pooling and upsampling loops, in PyTorch's CPU loop order (see pooling.h). */
#include <math.h>
#include <string.h>

#include "kernels/pooling.h"

_Static_assert(sizeof(int32_t) == sizeof(float), "an int32 index must fit a float slot");

bool gan__pool2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                             int64_t *out)
{
    int64_t padded;
    if (in < 1 || kernel < 1 || stride < 1 || padding < 0 || padding > (INT64_MAX - in) / 2)
        return false;
    padded = in + 2 * padding;
    if (padded < kernel)
        return false;
    *out = (padded - kernel) / stride + 1;
    return true;
}

/*
 * The window of output (oh, ow): the input rows [h0, h1) and columns [w0, w1) it covers,
 * and its area clipped to the padded input [-padding, in + padding), not to the input, which
 * is the divisor of count_include_pad averages.
 */
typedef struct pool_window {
    int64_t h0, h1, w0, w1;
    int64_t padded_area;
} pool_window;

/* One side of a window: [*start, *end) within the input; returns its length within the
 * padded input. (Clipping to the padded input before the input changes no input index, so
 * max pooling uses the same bounds.) */
static int64_t window_side(const gan_pool2d_geometry *g, int64_t o, int64_t in, int64_t *start,
                           int64_t *end)
{
    int64_t first = o * g->stride - g->padding;
    int64_t last = first + g->kernel < in + g->padding ? first + g->kernel : in + g->padding;
    *start = first > 0 ? first : 0;
    *end = last < in ? last : in;
    return last - first;
}

static pool_window window_at(const gan_pool2d_geometry *g, int64_t oh, int64_t ow)
{
    pool_window w;
    int64_t rows = window_side(g, oh, g->in_h, &w.h0, &w.h1);
    int64_t cols = window_side(g, ow, g->in_w, &w.w0, &w.w1);
    w.padded_area = rows * cols;
    return w;
}

void gan__maxpool2d_forward(const gan_pool2d_geometry *g, const float *x, float *y,
                            float *argmax)
{
    int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    for (int64_t p = 0; p < g->planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane, *ap = argmax + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++)
            for (int64_t ow = 0; ow < g->out_w; ow++) {
                pool_window w = window_at(g, oh, ow);
                int64_t best_index = w.h0 * g->in_w + w.w0;
                float best = -INFINITY;
                for (int64_t ih = w.h0; ih < w.h1; ih++)
                    for (int64_t iw = w.w0; iw < w.w1; iw++) {
                        int64_t index = ih * g->in_w + iw;
                        float value = xp[index];
                        if (value > best || isnan(value)) {
                            best = value;
                            best_index = index;
                        }
                    }
                int64_t o = oh * g->out_w + ow;
                int32_t stored = (int32_t)best_index;
                yp[o] = best;
                memcpy(&ap[o], &stored, sizeof stored);
            }
    }
}

void gan__maxpool2d_backward(const gan_pool2d_geometry *g, const float *argmax, const float *dy,
                             float *dx)
{
    int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    memset(dx, 0, (size_t)(g->planes * in_plane) * sizeof(float));
    for (int64_t p = 0; p < g->planes; p++) {
        float *dxp = dx + p * in_plane;
        const float *dyp = dy + p * out_plane, *ap = argmax + p * out_plane;
        for (int64_t o = 0; o < out_plane; o++) {
            int32_t index;
            memcpy(&index, &ap[o], sizeof index);
            dxp[index] += dyp[o];
        }
    }
}

void gan__avgpool2d_forward(const gan_pool2d_geometry *g, const float *x, float *y)
{
    int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    for (int64_t p = 0; p < g->planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++)
            for (int64_t ow = 0; ow < g->out_w; ow++) {
                pool_window w = window_at(g, oh, ow);
                float sum = 0.0f;
                for (int64_t ih = w.h0; ih < w.h1; ih++)
                    for (int64_t iw = w.w0; iw < w.w1; iw++)
                        sum += xp[ih * g->in_w + iw];
                yp[oh * g->out_w + ow] = sum / (float)w.padded_area;
            }
    }
}

void gan__avgpool2d_backward(const gan_pool2d_geometry *g, const float *dy, float *dx)
{
    int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
    memset(dx, 0, (size_t)(g->planes * in_plane) * sizeof(float));
    for (int64_t p = 0; p < g->planes; p++) {
        float *dxp = dx + p * in_plane;
        const float *dyp = dy + p * out_plane;
        for (int64_t oh = 0; oh < g->out_h; oh++)
            for (int64_t ow = 0; ow < g->out_w; ow++) {
                pool_window w = window_at(g, oh, ow);
                float delta = dyp[oh * g->out_w + ow] / (float)w.padded_area;
                for (int64_t ih = w.h0; ih < w.h1; ih++)
                    for (int64_t iw = w.w0; iw < w.w1; iw++)
                        dxp[ih * g->in_w + iw] += delta;
            }
    }
}

/* PyTorch's nearest_idx for an output of in * scale: see pooling.h. */
static int64_t nearest_source(int64_t o, int64_t in, int64_t scale, float inverse)
{
    if (scale == 1)
        return o;
    if (scale == 2)
        return o >> 1;
    int64_t index = (int64_t)floorf((float)o * inverse);
    return index < in - 1 ? index : in - 1;
}

void gan__upsample_nearest_forward(int64_t planes, int64_t in_h, int64_t in_w, int64_t scale,
                                   const float *x, float *y)
{
    int64_t out_h = in_h * scale, out_w = in_w * scale;
    float inverse = (float)(1.0 / (double)scale);
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_h * in_w;
        float *yp = y + p * out_h * out_w;
        for (int64_t oh = 0; oh < out_h; oh++) {
            const float *row = xp + nearest_source(oh, in_h, scale, inverse) * in_w;
            float *out = yp + oh * out_w;
            for (int64_t ow = 0; ow < out_w; ow++)
                out[ow] = row[nearest_source(ow, in_w, scale, inverse)];
        }
    }
}

void gan__upsample_nearest_backward(int64_t planes, int64_t in_h, int64_t in_w, int64_t scale,
                                    const float *dy, float *dx)
{
    int64_t out_h = in_h * scale, out_w = in_w * scale;
    float inverse = (float)(1.0 / (double)scale);
    memset(dx, 0, (size_t)(planes * in_h * in_w) * sizeof(float));
    for (int64_t p = 0; p < planes; p++) {
        float *dxp = dx + p * in_h * in_w;
        const float *dyp = dy + p * out_h * out_w;
        for (int64_t oh = 0; oh < out_h; oh++) {
            float *row = dxp + nearest_source(oh, in_h, scale, inverse) * in_w;
            const float *grad = dyp + oh * out_w;
            for (int64_t ow = 0; ow < out_w; ow++)
                row[nearest_source(ow, in_w, scale, inverse)] += grad[ow];
        }
    }
}
