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
 * Training statistics, in three phases so that a data-parallel caller can sum the per-channel
 * sums over every process between them (synchronised BatchNorm):
 *   sum[c]     = sum of the channel's values;
 *   squares[c] = sum (x - mean[c])^2, with mean[c] = the (global) sum over the (global) n;
 *   finish: batch_mean, invstd from the biased variance squares / n and, if running_mean is
 *   not NULL and n > 1, the running update with the unbiased variance:
 *     running_mean = (1 - momentum) running_mean + momentum mean
 *     running_var  = (1 - momentum) running_var  + momentum squares / (n - 1)
 */
void gan__batchnorm_sums(int64_t outer, int64_t channels, int64_t inner, const float *x,
                         double *sum);
void gan__batchnorm_squared_deviations(int64_t outer, int64_t channels, int64_t inner,
                                       const float *x, const double *mean, double *squares);
void gan__batchnorm_finish_statistics(int64_t channels, double n, const double *mean,
                                      const double *squares, double eps, double momentum,
                                      float *batch_mean, float *invstd, float *running_mean,
                                      float *running_var);

/* Evaluation statistics: mean = running_mean, invstd = 1 / sqrt(running_var + eps). */
void gan__batchnorm_running_statistics(int64_t channels, const float *running_mean,
                                       const float *running_var, double eps, float *mean,
                                       float *invstd);

/* y = (x - mean[c]) invstd[c] weight[c] + bias[c]; weight and bias may be NULL (1 and 0). */
void gan__batchnorm_forward(int64_t outer, int64_t channels, int64_t inner, const float *x,
                            const float *mean, const float *invstd, const float *weight,
                            const float *bias, float *y);

/*
 * Backward, with xhat = (x - mean) invstd, in the same phases:
 *   sums:      sum_dy[c] = sum dy;  sum_dy_xc[c] = sum dy (x - mean)
 *   parameter: dweight[c] += sum_dy_xc invstd;  dbias[c] += sum_dy   (each skipped when NULL)
 *   input:     training: dx = weight invstd (dy - sum_dy / n - xhat invstd sum_dy_xc / n)
 *              else:     dx = weight invstd dy
 * weight may be NULL (1); n is the number of values the statistics were taken over.
 */
void gan__batchnorm_gradient_sums(int64_t outer, int64_t channels, int64_t inner,
                                  const float *x, const float *dy, const float *mean,
                                  double *sum_dy, double *sum_dy_xc);
void gan__batchnorm_parameter_gradients(int64_t channels, const double *sum_dy,
                                        const double *sum_dy_xc, const float *invstd,
                                        float *dweight, float *dbias);
void gan__batchnorm_input_gradient(int64_t outer, int64_t channels, int64_t inner,
                                   const float *x, const float *dy, const float *mean,
                                   const float *invstd, const float *weight, int training,
                                   double n, const double *sum_dy, const double *sum_dy_xc,
                                   float *dx);

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
