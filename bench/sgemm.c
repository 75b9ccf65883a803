#include "sgemm.h"

#include <cblas.h>

#include "kernels/gemm.h"

void bench_sgemm(int n, const float *a, const float *b, float *c)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}

void bench_sgemm_libgan(int n, const float *a, const float *b, float *c)
{
    gan__sgemm(false, false, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}

const char *bench_blas_core(void)
{
    return openblas_get_corename();
}
