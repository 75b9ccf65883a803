/*
 * The machine's reference speed: a large square single-precision GEMM through OpenBLAS, and
 * through libgan's own GEMM (its AVX-512 kernels where the CPU has them, else OpenBLAS
 * again). The only part of the benchmark that uses OpenBLAS or libgan's internals directly.
 */
#ifndef BENCH_SGEMM_H
#define BENCH_SGEMM_H

/* C = A B, all three n x n and row-major. */
typedef void (*bench_multiply_fn)(int n, const float *a, const float *b, float *c);

/* Through OpenBLAS's cblas_sgemm. */
void bench_sgemm(int n, const float *a, const float *b, float *c);

/* Through gan__sgemm, which every libgan layer calls. */
void bench_sgemm_libgan(int n, const float *a, const float *b, float *c);

/* The kernel set OpenBLAS chose when it was loaded ("SkylakeX", "Haswell", ...). */
const char *bench_blas_core(void);

#endif /* BENCH_SGEMM_H */
