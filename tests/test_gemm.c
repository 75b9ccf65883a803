/*
 * The matrix products every Dense and convolution layer runs on, white-box: libgan's own
 * AVX-512 kernels directly, and gan__sgemm (kernels or OpenBLAS, split between threads),
 * against a double-precision reference on every edge of the blocking: shapes around the
 * micro-tile (12 x 32), the blocks (KC 256, MC 480, NC 2048) and the 16 x 16 transposes,
 * every transpose combination, padded leading dimensions, and alpha and beta. Links the
 * static library (see the Makefile's WHITE_BOX_TESTS).
 */
#include <math.h>

#include "kernels/cpu_features.h"
#include "kernels/gemm.h"
#include "kernels/sgemm_avx512.h"
#include "test_support.h"

typedef struct shape {
    int64_t m, n, k;
} shape;

static const shape shapes[] = {
    {1, 1, 1},     {1, 33, 7},    {12, 32, 16},   {13, 31, 17},  {11, 65, 15},   {25, 100, 49},
    {7, 3, 300},   {40, 40, 257}, {481, 33, 20},  {24, 2049, 3}, {64, 784, 128}, {3, 17, 0},
    {100, 12, 513}, {36, 96, 33},
};

/* Deterministic values in [-1, 1) with a few exact zeros. */
static void fill(float *x, int64_t count, uint32_t seed)
{
    for (int64_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((int32_t)(seed >> 8) % 4096) / 2048.0f - 1.0f;
    }
}

typedef struct operands {
    gan_gemm_problem g;
    float *a, *b, *c, *c0;
} operands;

/* Operands for op(A)[m, k] op(B)[k, n] with row strides padded by 3, C prefilled. */
static operands make_operands(shape s, bool ta, bool tb, float alpha, float beta, uint32_t seed)
{
    operands o = {0};
    const int64_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
    const int64_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
    const int64_t lda = a_cols + 3, ldb = b_cols + 3, ldc = s.n + 3;
    o.a = malloc(sizeof(float) * (size_t)(a_rows * lda + 1));
    o.b = malloc(sizeof(float) * (size_t)(b_rows * ldb + 1));
    o.c = malloc(sizeof(float) * (size_t)(s.m * ldc + 1));
    o.c0 = malloc(sizeof(float) * (size_t)(s.m * ldc + 1));
    assert_non_null(o.a);
    assert_non_null(o.b);
    assert_non_null(o.c);
    assert_non_null(o.c0);
    fill(o.a, a_rows * lda, seed);
    fill(o.b, b_rows * ldb, seed + 1);
    fill(o.c0, s.m * ldc, seed + 2);
    if (beta == 0.0f) /* C is never read then: NaN there must not reach the result */
        for (int64_t i = 0; i < s.m * ldc; i++)
            o.c0[i] = NAN;
    memcpy(o.c, o.c0, sizeof(float) * (size_t)(s.m * ldc));
    o.g = (gan_gemm_problem){.transpose_a = ta, .transpose_b = tb, .m = s.m, .n = s.n,
                             .k = s.k, .alpha = alpha, .beta = beta, .a = o.a, .b = o.b,
                             .c = o.c, .lda = lda, .ldb = ldb, .ldc = ldc};
    return o;
}

static void free_operands(operands *o)
{
    free(o->a);
    free(o->b);
    free(o->c);
    free(o->c0);
}

/* C against sum_p op(A)[i, p] op(B)[p, j] in double; the padding of C is left untouched. */
static void check_against_reference(const operands *o)
{
    const gan_gemm_problem *g = &o->g;
    for (int64_t i = 0; i < g->m; i++)
        for (int64_t j = 0; j < g->ldc; j++) {
            const float got = o->c[i * g->ldc + j];
            if (j >= g->n) {
                const float before = o->c0[i * g->ldc + j];
                assert_true(memcmp(&got, &before, sizeof got) == 0);
                continue;
            }
            double sum = 0.0, magnitude = 0.0;
            for (int64_t p = 0; p < g->k; p++) {
                const double a = g->transpose_a ? o->a[p * g->lda + i] : o->a[i * g->lda + p];
                const double b = g->transpose_b ? o->b[j * g->ldb + p] : o->b[p * g->ldb + j];
                sum += a * b;
                magnitude += fabs(a * b);
            }
            double want = g->alpha * sum;
            if (g->beta != 0.0f)
                want += g->beta * (double)o->c0[i * g->ldc + j];
            const double tolerance = 4e-7 * (magnitude + 1.0) * (double)(g->k + 2);
            if (!(fabs(got - want) <= tolerance))
                fail_msg("m %lld n %lld k %lld ta %d tb %d: C[%lld, %lld] = %.9g, want %.9g",
                         (long long)g->m, (long long)g->n, (long long)g->k, g->transpose_a,
                         g->transpose_b, (long long)i, (long long)j, got, want);
        }
}

static const float scalars[][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {0.5f, -0.25f}};

static void own_kernels_match_the_reference(void **state)
{
    (void)state;
    if (!gan__cpu_has_avx512())
        skip();
    uint32_t seed = 1;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (size_t v = 0; v < sizeof scalars / sizeof scalars[0]; v++) {
                operands o = make_operands(shapes[s], t & 1, t & 2, scalars[v][0],
                                           scalars[v][1], seed++);
                assert_true(gan__sgemm_avx512(&o.g));
                check_against_reference(&o);
                free_operands(&o);
            }
}

/* What every layer calls: the right answer at 1 and 2 threads, and the same bits at both
 * (the split between threads never changes the order of a sum). */
static void sgemm_matches_the_reference_at_any_thread_count(void **state)
{
    (void)state;
    const shape large[] = {{130, 1000, 300}, {1000, 70, 300}, {64, 784, 128}};
    uint32_t seed = 100;
    for (size_t s = 0; s < sizeof large / sizeof large[0]; s++)
        for (int t = 0; t < 4; t++) {
            operands o = make_operands(large[s], t & 1, t & 2, 1.0f, 1.0f, seed++);
            float *first = malloc(sizeof(float) * (size_t)(large[s].m * o.g.ldc));
            assert_non_null(first);
            for (int threads = 1; threads <= 2; threads++) {
                assert_status(gan_set_num_threads(threads), GAN_OK);
                memcpy(o.c, o.c0, sizeof(float) * (size_t)(large[s].m * o.g.ldc));
                gan__sgemm(o.g.transpose_a, o.g.transpose_b, o.g.m, o.g.n, o.g.k, o.g.alpha,
                           o.a, o.g.lda, o.b, o.g.ldb, o.g.beta, o.c, o.g.ldc);
                check_against_reference(&o);
                if (threads == 1)
                    memcpy(first, o.c, sizeof(float) * (size_t)(large[s].m * o.g.ldc));
                else if (gan__cpu_has_avx512())
                    assert_memory_equal(first, o.c, sizeof(float) * (size_t)(large[s].m * o.g.ldc));
            }
            free(first);
            free_operands(&o);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_kernels_match_the_reference),
        cmocka_unit_test(sgemm_matches_the_reference_at_any_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
