/*
 * Internal: the loops of the normalisation layers.
 *
 * BatchNorm works on x viewed as [outer, channels, inner] (outer = the batch, inner = the
 * spatial size: 1 for [C], L for [C, L], H W for [C, H, W]) and normalises each channel over
 * its n = outer * inner values. LayerNorm works on x viewed as [groups, size] and normalises
 * each contiguous group of `size` values. Sums are accumulated in double and the variance is
 * computed in two passes (mean, then squared deviations from it), so large means and large
 * n do not cost accuracy. `mean` and `invstd` = 1 / sqrt(var + eps) are kept in float: the
 * layers save them in their workspace for backward.
 */
#ifndef GAN_KERNELS_NORMALIZATION_H
#define GAN_KERNELS_NORMALIZATION_H

#include <stdint.h>

/*
 * Training statistics of every channel: mean and invstd from the biased variance, and, if
 * running_mean is not NULL, the running update with the unbiased variance (n must be > 1):
 *   running_mean = (1 - momentum) running_mean + momentum mean
 *   running_var  = (1 - momentum) running_var  + momentum var n / (n - 1)
 */
void gan__batchnorm_statistics(int64_t outer, int64_t channels, int64_t inner, const float *x,
                               double eps, double momentum, float *mean, float *invstd,
                               float *running_mean, float *running_var);

/* Evaluation statistics: mean = running_mean, invstd = 1 / sqrt(running_var + eps). */
void gan__batchnorm_running_statistics(int64_t channels, const float *running_mean,
                                       const float *running_var, double eps, float *mean,
                                       float *invstd);

/* y = (x - mean[c]) invstd[c] weight[c] + bias[c]; weight and bias may be NULL (1 and 0). */
void gan__batchnorm_forward(int64_t outer, int64_t channels, int64_t inner, const float *x,
                            const float *mean, const float *invstd, const float *weight,
                            const float *bias, float *y);

/*
 * With xhat = (x - mean) invstd, per channel:
 *   dweight[c] += sum dy xhat;  dbias[c] += sum dy           (each skipped when NULL)
 *   training: dx = weight invstd (dy - sum(dy) / n - xhat sum(dy xhat) / n)
 *   else:     dx = weight invstd dy                          (dx skipped when NULL)
 * weight may be NULL (1).
 */
void gan__batchnorm_backward(int64_t outer, int64_t channels, int64_t inner, const float *x,
                             const float *dy, const float *mean, const float *invstd,
                             const float *weight, int training, float *dx, float *dweight,
                             float *dbias);

/*
 * Per group g: mean[g], invstd[g] from the biased variance of its `size` values, and
 * y = (x - mean) invstd weight + bias elementwise over the group; weight and bias ([size])
 * may be NULL.
 */
void gan__layernorm_forward(int64_t groups, int64_t size, const float *x, double eps,
                            const float *weight, const float *bias, float *mean, float *invstd,
                            float *y);

/*
 * Per group, with dxhat = dy weight and xhat = (x - mean) invstd:
 *   dx = invstd (dxhat - sum(dxhat) / size - xhat sum(dxhat xhat) / size)   (if dx)
 *   dweight += dy xhat;  dbias += dy                     (elementwise, each skipped when NULL)
 */
void gan__layernorm_backward(int64_t groups, int64_t size, const float *x, const float *dy,
                             const float *mean, const float *invstd, const float *weight,
                             float *dx, float *dweight, float *dbias);

#endif /* GAN_KERNELS_NORMALIZATION_H */
