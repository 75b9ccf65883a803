/* Internal: matrix products, the seam where BLAS (or a later backend) plugs in. */
#ifndef GAN_KERNELS_GEMM_H
#define GAN_KERNELS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "gan/status.h"

/*
 * Row-major C[m, n] = alpha op(A) op(B) + beta C, with op(A) [m, k] and op(B) [k, n];
 * lda, ldb, ldc are the row strides of A, B, C as stored. Every size must have passed
 * gan__gemm_check.
 */
void gan__sgemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                int64_t ldc);

/* GAN_OK if every value fits BLAS's int indices; otherwise an overflow error naming `what`. */
gan_status gan__gemm_check(const char *what, int64_t m, int64_t n, int64_t k);

#endif /* GAN_KERNELS_GEMM_H */
