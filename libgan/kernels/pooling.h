/*
 * Internal: 2-D pooling and nearest-neighbour upsampling loops over row-major planes.
 *
 * Every function works on `planes` independent H x W planes laid out one after another
 * (batch * channels of an NCHW tensor). Loop orders follow PyTorch's CPU kernels
 * (aten/src/ATen/native/cpu/{MaxPoolKernel,AvgPoolKernel,UpSampleKernel}.cpp), so sums are
 * accumulated in the same order and the results are bitwise the same.
 */
#ifndef GAN_KERNELS_POOLING_H
#define GAN_KERNELS_POOLING_H

#include <stdbool.h>
#include <stdint.h>

/* A square pooling window: output size floor((in + 2 padding - kernel) / stride) + 1. The
 * caller guarantees that every size is >= 1 and 0 <= padding <= kernel / 2, so no window
 * lies entirely in the padding. */
typedef struct gan_pool2d_geometry {
    int64_t planes;
    int64_t in_h, in_w;
    int64_t out_h, out_w;
    int64_t kernel, stride, padding;
} gan_pool2d_geometry;

/* floor((in + 2 padding - kernel) / stride) + 1 into *out; false when that is < 1 (the
 * padded input is smaller than the kernel) or the arithmetic would overflow. */
bool gan__pool2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                             int64_t *out);

/*
 * Max pooling; padded positions count as -infinity. In each window the first maximum in
 * scan order wins, and a NaN always wins (the last NaN of the window), as PyTorch's
 * `val > max || isnan(val)`. argmax[o] receives the index within its input plane
 * (ih * in_w + iw) of the element output o took, as an int32 bit-copied into a float-sized
 * slot (the model's workspace is counted in floats). Needs in_h * in_w <= INT32_MAX.
 */
void gan__maxpool2d_forward(const gan_pool2d_geometry *g, const float *x, float *y,
                            float *argmax);
/* dx = 0, then dx[argmax[o]] += dy[o] for every output o in order. */
void gan__maxpool2d_backward(const gan_pool2d_geometry *g, const float *argmax, const float *dy,
                             float *dx);

/*
 * Average pooling with count_include_pad=True: y = (sum of the window's input elements) /
 * pool_size, where pool_size counts the window clipped to the padded input
 * [-padding, in + padding), i.e. padding counts as zeros but the part of the window that
 * overhangs the padding does not count (PyTorch's divisor).
 */
void gan__avgpool2d_forward(const gan_pool2d_geometry *g, const float *x, float *y);
/* dx = 0, then dy[o] / pool_size(o) is added to every input element of window o. */
void gan__avgpool2d_backward(const gan_pool2d_geometry *g, const float *dy, float *dx);

/*
 * Nearest-neighbour upsampling by an integer factor: [in_h, in_w] -> [in_h s, in_w s] per
 * plane, y[i, j] = x[src(i), src(j)] with PyTorch's source index (mode "nearest"):
 * i itself for s = 1, i >> 1 for s = 2, else min(floorf(i * (float)(1 / s)), in - 1).
 * That equals i / s for every s <= 40 and every index below 10^7; for some larger factors
 * (41, 47, 55, ...) PyTorch's single-precision rounding maps differently, and so does this.
 */
void gan__upsample_nearest_forward(int64_t planes, int64_t in_h, int64_t in_w, int64_t scale,
                                   const float *x, float *y);
/* dx = 0, then dy[i, j] is added to dx[src(i), src(j)] in output scan order. */
void gan__upsample_nearest_backward(int64_t planes, int64_t in_h, int64_t in_w, int64_t scale,
                                    const float *dy, float *dx);

#endif /* GAN_KERNELS_POOLING_H */
