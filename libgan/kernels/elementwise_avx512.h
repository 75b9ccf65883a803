/* Internal: AVX-512 bodies of element-wise kernels; bitwise equal to the portable loops but
 * for tanh's forward. */
#ifndef GAN_KERNELS_ELEMENTWISE_AVX512_H
#define GAN_KERNELS_ELEMENTWISE_AVX512_H

#include <stddef.h>
#include <stdint.h>

/* Only call these when gan__cpu_has_avx512(); the semantics are those of activation.h. */
/* LeakyReLU's forward (v = x) and backward (v = dy): out = x > 0 ? v : slope v (ReLU:
 * x <= 0 ? +0 : v). */
void gan__leaky_relu_select_avx512(int64_t n, float slope, const float *x, const float *v,
                                   float *out);

/* Within 2 ulp of tanh (libm's tanhf, the portable path, rounds differently). */
void gan__tanh_forward_avx512(int64_t n, const float *x, float *y);
void gan__tanh_backward_avx512(int64_t n, const float *y, const float *dy, float *dx);

/* One chunk of gan__sum_of_squares (reduction.h): lane[l] = the sum of x[i]^2 over
 * i = l mod 8, in order. */
void gan__squares_by_lane_avx512(const float *x, size_t count, double lane[8]);

/* As gan__first_nonfinite (finite.h). */
size_t gan__first_nonfinite_avx512(const float *x, size_t count);

#endif /* GAN_KERNELS_ELEMENTWISE_AVX512_H */
