/* Internal: reductions over float arrays whose result never depends on the thread count. */
#ifndef GAN_KERNELS_REDUCTION_H
#define GAN_KERNELS_REDUCTION_H

#include <stddef.h>

/*
 * The sum of x[i]^2 in double. The order of the additions is fixed by count alone: the
 * array is cut into at most 256 equal chunks (multiples of 8 elements); each chunk sums 8
 * lanes (element i into lane i mod 8, each square exact in double) and adds its lanes as
 * ((0+1)+(2+3))+((4+5)+(6+7)); the chunk sums are added in order. So the result is the
 * same bits with or without AVX-512 and at any thread count.
 */
double gan__sum_of_squares(const float *x, size_t count);

/* dst[0..count) = src[0..count), split between threads when large; no overlap allowed. */
void gan__copy_floats(float *dst, const float *src, size_t count);

#endif /* GAN_KERNELS_REDUCTION_H */
