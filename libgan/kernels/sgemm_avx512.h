/* Internal: libgan's own single-precision GEMM for CPUs with AVX-512 (see gemm.c). */
#ifndef GAN_KERNELS_SGEMM_AVX512_H
#define GAN_KERNELS_SGEMM_AVX512_H

#include <stdbool.h>
#include <stdint.h>

/* Row-major C[m, n] = alpha op(A) op(B) + beta C, as gan__sgemm. */
typedef struct gan_gemm_problem {
    bool transpose_a, transpose_b;
    int64_t m, n, k;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int64_t lda, ldb, ldc;
} gan_gemm_problem;

/*
 * Computes the problem on the calling thread with AVX-512 micro-kernels. Only call it when
 * gan__cpu_has_avx512(). Each element of C is accumulated in the same order whatever part
 * of C a call computes, so splitting C between threads never changes a bit. False, with C
 * untouched, when the thread's packing buffers cannot be allocated.
 */
bool gan__sgemm_avx512(const gan_gemm_problem *problem);

/*
 * The same for products of few rows (m < 4, a Dense layer at batch 1), where a 12-row
 * micro-tile would be mostly empty: one pass over op(B) per row of C, as dot products
 * along k when B is stored transposed, else as row updates along n. No buffers.
 */
void gan__sgemm_few_rows_avx512(const gan_gemm_problem *problem);

#endif /* GAN_KERNELS_SGEMM_AVX512_H */
