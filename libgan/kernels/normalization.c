/*
 * Normalisation loops (BatchNorm, LayerNorm). Reductions accumulate in double over
 * independent partial sums (accurate for any batch, and not one long dependency chain;
 * gcc -O2 vectorises them); the element-wise loops are plain branch-free float loops the
 * compiler can vectorise (gcc 12 does at -O3 or with -fvect-cost-model=dynamic, not under
 * -O2's very-cheap cost model). No allocation: BatchNorm's per-channel sums go to the caller's
 * arrays (so that a data-parallel caller can sum them over processes between the phases).
 */
#include <math.h>
#include <stddef.h>

#include "kernels/normalization.h"

/* ---- reductions over one contiguous run ----------------------------------------------- */

static double run_sum(const float *x, int64_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i];
    return (s0 + s1) + (s2 + s3);
}

/* sum (x - mean)^2 */
static double run_squared_deviations(const float *x, int64_t n, double mean)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        double d0 = x[i] - mean, d1 = x[i + 1] - mean, d2 = x[i + 2] - mean, d3 = x[i + 3] - mean;
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
    }
    for (; i < n; i++) {
        double d = x[i] - mean;
        s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
}

/* *sum_a += sum a;  *sum_ab += sum a (x - mean), where a = dy (w NULL) or dy w. */
static void run_gradient_sums(const float *x, const float *dy, const float *w, int64_t n,
                              double mean, double *sum_a, double *sum_ab)
{
    double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;
    int64_t i = 0;
    if (w) {
        for (; i + 2 <= n; i += 2) {
            double g0 = (double)dy[i] * w[i], g1 = (double)dy[i + 1] * w[i + 1];
            a0 += g0;
            a1 += g1;
            b0 += g0 * (x[i] - mean);
            b1 += g1 * (x[i + 1] - mean);
        }
        for (; i < n; i++) {
            double g = (double)dy[i] * w[i];
            a0 += g;
            b0 += g * (x[i] - mean);
        }
    } else {
        for (; i + 2 <= n; i += 2) {
            a0 += dy[i];
            a1 += dy[i + 1];
            b0 += dy[i] * (x[i] - mean);
            b1 += dy[i + 1] * (x[i + 1] - mean);
        }
        for (; i < n; i++) {
            a0 += dy[i];
            b0 += dy[i] * (x[i] - mean);
        }
    }
    *sum_a += a0 + a1;
    *sum_ab += b0 + b1;
}

/* y = (x - mean) scale + shift */
static void run_scale_shift(const float *x, int64_t n, float mean, float scale, float shift,
                            float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = (x[i] - mean) * scale + shift;
}

/* dx = a (dy - dy_mean) + b (x - mean): the mean of dy is taken out before the scaling by
 * invstd, which may be large. */
static void run_input_gradient(const float *x, const float *dy, int64_t n, float mean,
                               float dy_mean, float a, float b, float *dx)
{
    for (int64_t i = 0; i < n; i++)
        dx[i] = a * (dy[i] - dy_mean) + b * (x[i] - mean);
}

/* ---- BatchNorm -------------------------------------------------------------------------- */

/*
 * Channels are processed in blocks of up to BN_BLOCK: in each sample the block's values are
 * one contiguous stretch of x, so even [C] inputs (inner = 1, channel values C floats
 * apart) are read row by row rather than column by column.
 */
enum { BN_BLOCK = 64 };

static int64_t block_size(int64_t channels, int64_t c0)
{
    return channels - c0 < BN_BLOCK ? channels - c0 : BN_BLOCK;
}

void gan__batchnorm_sums(int64_t outer, int64_t channels, int64_t inner, const float *x,
                         double *sum)
{
    const int64_t stride = channels * inner;
    for (int64_t c0 = 0; c0 < channels; c0 += BN_BLOCK) {
        const int64_t nb = block_size(channels, c0);
        double *s = sum + c0;
        for (int64_t c = 0; c < nb; c++)
            s[c] = 0.0;
        for (int64_t o = 0; o < outer; o++) {
            const float *row = x + o * stride + c0 * inner;
            if (inner == 1)
                for (int64_t c = 0; c < nb; c++)
                    s[c] += row[c];
            else
                for (int64_t c = 0; c < nb; c++)
                    s[c] += run_sum(row + c * inner, inner);
        }
    }
}

void gan__batchnorm_squared_deviations(int64_t outer, int64_t channels, int64_t inner,
                                       const float *x, const double *mean, double *squares)
{
    const int64_t stride = channels * inner;
    for (int64_t c0 = 0; c0 < channels; c0 += BN_BLOCK) {
        const int64_t nb = block_size(channels, c0);
        const double *m = mean + c0;
        double *s = squares + c0;
        for (int64_t c = 0; c < nb; c++)
            s[c] = 0.0;
        for (int64_t o = 0; o < outer; o++) {
            const float *row = x + o * stride + c0 * inner;
            if (inner == 1)
                for (int64_t c = 0; c < nb; c++) {
                    double d = row[c] - m[c];
                    s[c] += d * d;
                }
            else
                for (int64_t c = 0; c < nb; c++)
                    s[c] += run_squared_deviations(row + c * inner, inner, m[c]);
        }
    }
}

void gan__batchnorm_finish_statistics(int64_t channels, double n, const double *mean,
                                      const double *squares, double eps, double momentum,
                                      float *batch_mean, float *invstd, float *running_mean,
                                      float *running_var)
{
    for (int64_t c = 0; c < channels; c++) {
        batch_mean[c] = (float)mean[c];
        invstd[c] = (float)(1.0 / sqrt(squares[c] / n + eps));
        if (running_mean && n > 1.0) {
            running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean[c]);
            running_var[c] =
                (float)((1.0 - momentum) * running_var[c] + momentum * (squares[c] / (n - 1.0)));
        }
    }
}

void gan__batchnorm_running_statistics(int64_t channels, const float *running_mean,
                                       const float *running_var, double eps, float *mean,
                                       float *invstd)
{
    for (int64_t c = 0; c < channels; c++) {
        mean[c] = running_mean[c];
        invstd[c] = (float)(1.0 / sqrt((double)running_var[c] + eps));
    }
}

void gan__batchnorm_forward(int64_t outer, int64_t channels, int64_t inner, const float *x,
                            const float *mean, const float *invstd, const float *weight,
                            const float *bias, float *y)
{
    const int64_t stride = channels * inner;
    for (int64_t c0 = 0; c0 < channels; c0 += BN_BLOCK) {
        const int64_t nb = block_size(channels, c0);
        const float *m = mean + c0;
        float scale[BN_BLOCK], shift[BN_BLOCK];
        for (int64_t c = 0; c < nb; c++) {
            scale[c] = (float)((double)invstd[c0 + c] * (weight ? weight[c0 + c] : 1.0f));
            shift[c] = bias ? bias[c0 + c] : 0.0f;
        }
        for (int64_t o = 0; o < outer; o++) {
            const float *row = x + o * stride + c0 * inner;
            float *out = y + o * stride + c0 * inner;
            if (inner == 1)
                for (int64_t c = 0; c < nb; c++)
                    out[c] = (row[c] - m[c]) * scale[c] + shift[c];
            else
                for (int64_t c = 0; c < nb; c++)
                    run_scale_shift(row + c * inner, inner, m[c], scale[c], shift[c],
                                    out + c * inner);
        }
    }
}

void gan__batchnorm_gradient_sums(int64_t outer, int64_t channels, int64_t inner,
                                  const float *x, const float *dy, const float *mean,
                                  double *sum_dy, double *sum_dy_xc)
{
    const int64_t stride = channels * inner;
    for (int64_t c0 = 0; c0 < channels; c0 += BN_BLOCK) {
        const int64_t nb = block_size(channels, c0);
        const float *m = mean + c0;
        double *a = sum_dy + c0, *b = sum_dy_xc + c0;
        for (int64_t c = 0; c < nb; c++)
            a[c] = b[c] = 0.0;
        for (int64_t o = 0; o < outer; o++) {
            const float *row = x + o * stride + c0 * inner, *drow = dy + o * stride + c0 * inner;
            if (inner == 1)
                for (int64_t c = 0; c < nb; c++) {
                    a[c] += drow[c];
                    b[c] += (double)drow[c] * (row[c] - m[c]);
                }
            else
                for (int64_t c = 0; c < nb; c++)
                    run_gradient_sums(row + c * inner, drow + c * inner, NULL, inner, m[c], &a[c],
                                      &b[c]);
        }
    }
}

void gan__batchnorm_parameter_gradients(int64_t channels, const double *sum_dy,
                                        const double *sum_dy_xc, const float *invstd,
                                        float *dweight, float *dbias)
{
    for (int64_t c = 0; c < channels; c++) {
        if (dweight)
            dweight[c] += (float)(sum_dy_xc[c] * invstd[c]);
        if (dbias)
            dbias[c] += (float)sum_dy[c];
    }
}

void gan__batchnorm_input_gradient(int64_t outer, int64_t channels, int64_t inner,
                                   const float *x, const float *dy, const float *mean,
                                   const float *invstd, const float *weight, int training,
                                   double n, const double *sum_dy, const double *sum_dy_xc,
                                   float *dx)
{
    const int64_t stride = channels * inner;
    for (int64_t c0 = 0; c0 < channels; c0 += BN_BLOCK) {
        const int64_t nb = block_size(channels, c0);
        const float *m = mean + c0;
        /* dx = a (dy - dy_mean) + b (x - mean) with g = weight, s = invstd and a = g s; in
         * training dy_mean = sum(dy) / n and b = -g s^3 sum(dy (x - mean)) / n, else both 0. */
        float a[BN_BLOCK], b[BN_BLOCK], dy_mean[BN_BLOCK];
        for (int64_t c = 0; c < nb; c++) {
            double s = invstd[c0 + c], ac = s * (weight ? weight[c0 + c] : 1.0f);
            a[c] = (float)ac;
            b[c] = training ? (float)(-ac * s * s * sum_dy_xc[c0 + c] / n) : 0.0f;
            dy_mean[c] = training ? (float)(sum_dy[c0 + c] / n) : 0.0f;
        }
        for (int64_t o = 0; o < outer; o++) {
            const float *row = x + o * stride + c0 * inner, *drow = dy + o * stride + c0 * inner;
            float *out = dx + o * stride + c0 * inner;
            if (inner == 1)
                for (int64_t c = 0; c < nb; c++)
                    out[c] = a[c] * (drow[c] - dy_mean[c]) + b[c] * (row[c] - m[c]);
            else
                for (int64_t c = 0; c < nb; c++)
                    run_input_gradient(row + c * inner, drow + c * inner, inner, m[c], dy_mean[c],
                                       a[c], b[c], out + c * inner);
        }
    }
}

/* ---- LayerNorm -------------------------------------------------------------------------- */

void gan__layernorm_forward(int64_t groups, int64_t size, const float *x, double eps,
                            const float *weight, const float *bias, float *mean, float *invstd,
                            float *y)
{
    const double n = (double)size;
    for (int64_t g = 0; g < groups; g++) {
        const float *xg = x + g * size;
        float *yg = y + g * size;
        double m = run_sum(xg, size) / n;
        double s = 1.0 / sqrt(run_squared_deviations(xg, size, m) / n + eps);
        float fm = (float)m, fs = (float)s;
        mean[g] = fm;
        invstd[g] = fs;
        if (weight && bias)
            for (int64_t i = 0; i < size; i++)
                yg[i] = (xg[i] - fm) * fs * weight[i] + bias[i];
        else
            run_scale_shift(xg, size, fm, fs, 0.0f, yg);
    }
}

void gan__layernorm_backward(int64_t groups, int64_t size, const float *x, const float *dy,
                             const float *mean, const float *invstd, const float *weight,
                             float *dx, float *dweight, float *dbias)
{
    const double n = (double)size;
    for (int64_t g = 0; g < groups; g++) {
        const float *xg = x + g * size, *dyg = dy + g * size;
        const float fm = mean[g], fs = invstd[g];
        if (dweight)
            for (int64_t i = 0; i < size; i++)
                dweight[i] += dyg[i] * ((xg[i] - fm) * fs);
        if (dbias)
            for (int64_t i = 0; i < size; i++)
                dbias[i] += dyg[i];
        if (!dx)
            continue;
        /* With dxhat = dy w: dx = s (dxhat - sum(dxhat) / n)
         *                         - s^3 (x - mean) sum(dxhat (x - mean)) / n. */
        double sum_g = 0.0, sum_g_xc = 0.0, s = fs;
        run_gradient_sums(xg, dyg, weight, size, fm, &sum_g, &sum_g_xc);
        float b = (float)(-s * s * s * sum_g_xc / n), g_mean = (float)(sum_g / n);
        float *dxg = dx + g * size;
        if (weight)
            for (int64_t i = 0; i < size; i++)
                dxg[i] = fs * (dyg[i] * weight[i] - g_mean) + b * (xg[i] - fm);
        else
            run_input_gradient(xg, dyg, size, fm, g_mean, fs, b, dxg);
    }
}
