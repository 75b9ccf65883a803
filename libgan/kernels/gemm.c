/* Matrix products through CBLAS (OpenBLAS). */
#include <cblas.h>
#include <limits.h>

#include "core/error.h"
#include "kernels/gemm.h"

void gan__sgemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                int64_t ldc)
{
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                transpose_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a,
                (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

gan_status gan__gemm_check(const char *what, int64_t m, int64_t n, int64_t k)
{
    /* Leading dimensions are at most max(m, n, k); products of two are offsets, which
     * BLAS computes in its own (64-bit) pointer arithmetic. */
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: a matrix product of %lld x %lld x %lld exceeds "
                         "the BLAS index range", what, (long long)m, (long long)n, (long long)k);
    return GAN_OK;
}
