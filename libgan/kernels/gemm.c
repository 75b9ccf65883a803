/*
 * Matrix products: libgan's own AVX-512 kernels where the CPU has them, split between
 * libgan's threads; OpenBLAS everywhere else.
 */
#include <cblas.h>
#include <limits.h>

#include "core/error.h"
#include "kernels/cpu_features.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/sgemm_avx512.h"

/* Products with fewer rows than this take the few-rows kernel. */
#define FEW_ROWS 4

/* Multiply-adds below which a product is not worth waking another thread for. */
#define GEMM_GRAIN (1 << 23)

static void blas_sgemm(const gan_gemm_problem *g)
{
    cblas_sgemm(CblasRowMajor, g->transpose_a ? CblasTrans : CblasNoTrans,
                g->transpose_b ? CblasTrans : CblasNoTrans, (int)g->m, (int)g->n, (int)g->k,
                g->alpha, g->a, (int)g->lda, g->b, (int)g->ldb, g->beta, g->c, (int)g->ldc);
}

typedef struct gemm_split {
    const gan_gemm_problem *whole;
    bool by_rows;  /* share out strips of rows of C, or else of columns */
    int64_t unit;  /* rows or columns per share are a multiple of this (the micro-tile) */
} gemm_split;

/* Task t computes its own band of C: whole micro-tiles, so no element is shared. */
static void gemm_task(void *context, int task, int tasks)
{
    const gemm_split *split = context;
    gan_gemm_problem part = *split->whole;
    const int64_t extent = split->by_rows ? part.m : part.n;
    const int64_t units = (extent + split->unit - 1) / split->unit;
    int64_t first = units * task / tasks * split->unit, last = units * (task + 1) / tasks * split->unit;
    if (last > extent)
        last = extent;
    if (first >= last)
        return;
    if (split->by_rows) {
        part.m = last - first;
        part.a += part.transpose_a ? first : first * part.lda;
        part.c += first * part.ldc;
    } else {
        part.n = last - first;
        part.b += part.transpose_b ? first * part.ldb : first;
        part.c += first;
    }
    if (part.m < FEW_ROWS)
        gan__sgemm_few_rows_avx512(&part);
    else if (!gan__sgemm_avx512(&part))
        blas_sgemm(&part);
}

void gan__sgemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                int64_t ldc)
{
    const gan_gemm_problem whole = {.transpose_a = transpose_a, .transpose_b = transpose_b,
                                    .m = m, .n = n, .k = k, .alpha = alpha, .beta = beta,
                                    .a = a, .b = b, .c = c, .lda = lda, .ldb = ldb, .ldc = ldc};
    if (!gan__cpu_has_avx512()) {
        blas_sgemm(&whole);
        return;
    }
    /* Split the dimension with more micro-tiles: 12 rows or 32 columns each (products of
     * few rows split their columns). */
    const int64_t row_tiles = m < FEW_ROWS ? 0 : (m + 11) / 12, column_tiles = (n + 31) / 32;
    const gemm_split split = {.whole = &whole, .by_rows = row_tiles > column_tiles,
                              .unit = row_tiles > column_tiles ? 12 : 32};
    int tasks = gan__parallel_tasks((double)m * (double)n * (double)k, GEMM_GRAIN);
    const int64_t tiles = split.by_rows ? row_tiles : column_tiles;
    if (tasks > tiles)
        tasks = (int)tiles;
    gan__parallel_run(gemm_task, (void *)&split, tasks);
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
