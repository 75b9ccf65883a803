/*
 * The machine's reference speed: a large square single-precision GEMM through OpenBLAS,
 * the BLAS libgan calls. The only part of the benchmark that uses OpenBLAS directly.
 */
#ifndef BENCH_SGEMM_H
#define BENCH_SGEMM_H

/* C = A B, all three n x n and row-major. */
void bench_sgemm(int n, const float *a, const float *b, float *c);

/* The kernel set OpenBLAS chose when it was loaded ("SkylakeX", "Haswell", ...). */
const char *bench_blas_core(void);

#endif /* BENCH_SGEMM_H */
