/*
 * The kernels under every layer, white-box. The matrix products: libgan's own
 * AVX-512 kernels directly, and gan__sgemm (kernels or OpenBLAS, split between threads),
 * against a double-precision reference on every edge of the blocking: shapes around the
 * micro-tile (12 x 32), the blocks (KC 256, MC 480, NC 2048) and the 16 x 16 transposes,
 * every transpose combination, padded leading dimensions, and alpha and beta, and the
 * kernel for products of few rows. The AVX-512 element-wise kernels: the same bits as the
 * portable formulas, NaN, infinities and signed zeros included (tanh within 2 ulp); the
 * reductions in their fixed order at any thread count. The thread pool: every index exactly once, and two callers at once.
 * Links the static library (see the Makefile's WHITE_BOX_TESTS).
 */
#include <float.h>
#include <math.h>

#include <pthread.h>

#include "kernels/adam_update.h"
#include "kernels/cpu_features.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/finite.h"
#include "kernels/parallel.h"
#include "kernels/reduction.h"
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

/* Products of fewer than 4 rows (Dense at batch 1) take a kernel of their own. */
static void few_rows_kernel_matches_the_reference(void **state)
{
    (void)state;
    const shape few[] = {{1, 1, 1}, {1, 33, 7}, {2, 100, 37}, {3, 17, 0}, {3, 40, 300},
                         {1, 1000, 100}};
    uint32_t seed = 500;
    for (size_t s = 0; s < sizeof few / sizeof few[0]; s++)
        for (int t = 0; t < 4; t++)
            for (size_t v = 0; v < sizeof scalars / sizeof scalars[0]; v++) {
                operands o = make_operands(few[s], t & 1, t & 2, scalars[v][0], scalars[v][1],
                                           seed++);
                gan__sgemm_few_rows_avx512(&o.g);
                check_against_reference(&o);
                free_operands(&o);
            }
}

/* What every layer calls: the right answer at 1 and 2 threads, and the same bits at both
 * (the split between threads never changes the order of a sum). */
static void sgemm_matches_the_reference_at_any_thread_count(void **state)
{
    (void)state;
    const shape large[] = {{130, 1000, 300}, {1000, 70, 300}, {64, 784, 128}, {1, 12544, 100}};
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

/* Inputs with every special value, then ordinary ones, at a length with a ragged tail. */
enum { SPECIAL_COUNT = 1000 + 13 };

static void fill_specials(float *x, uint32_t seed)
{
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f,
                              FLT_MAX, -FLT_MAX, 1.0f, -1.0f};
    fill(x, SPECIAL_COUNT, seed);
    memcpy(x, specials, sizeof specials);
}

static void assert_same_bits(const float *got, const float *want, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && !(isnan(got[i]) && isnan(want[i])))
            fail_msg("element %lld: %.9g, want %.9g", (long long)i, got[i], want[i]);
}

static void leaky_relu_avx512_matches_the_formula(void **state)
{
    (void)state;
    float x[SPECIAL_COUNT], dy[SPECIAL_COUNT], got[SPECIAL_COUNT], want[SPECIAL_COUNT];
    fill_specials(x, 7);
    fill_specials(dy, 8);
    dy[0] = INFINITY; /* an infinite gradient at x = 0: ReLU gives +0, not NaN */
    const float slopes[] = {0.0f, 0.01f, 0.2f};
    for (size_t s = 0; s < sizeof slopes / sizeof slopes[0]; s++) {
        const float slope = slopes[s];
        for (int64_t n = 0; n <= SPECIAL_COUNT; n += n < 40 ? 1 : 331) {
            gan__leaky_relu_select_avx512(n, slope, x, x, got);
            for (int64_t i = 0; i < n; i++)
                want[i] = slope == 0.0f ? (x[i] <= 0.0f ? 0.0f : x[i])
                                        : (x[i] > 0.0f ? x[i] : slope * x[i]);
            assert_same_bits(got, want, n);
            gan__leaky_relu_select_avx512(n, slope, x, dy, got);
            for (int64_t i = 0; i < n; i++)
                want[i] = slope == 0.0f ? (x[i] <= 0.0f ? 0.0f : dy[i])
                                        : (x[i] > 0.0f ? dy[i] : slope * dy[i]);
            assert_same_bits(got, want, n);
        }
    }
}

static void adam_avx512_matches_the_formula(void **state)
{
    (void)state;
    enum { N = 333 };
    float grads[N], params[N], m[N], v[N];
    float p1[N], m1[N], v1[N];
    for (int variant = 0; variant < 3; variant++) {
        const gan_adam_factors f = {.beta1 = 0.5f, .one_minus_beta1 = 0.5f, .beta2 = 0.999f,
                                    .one_minus_beta2 = 0.001f, .bias2_sqrt = 0.0447101f,
                                    .eps = 1e-8f, .step_neg = -4e-4f,
                                    .weight_decay = variant ? 0.01f : 0.0f,
                                    .shrink = 0.999998f, .decoupled = variant == 2};
        fill(grads, N, 11);
        fill(params, N, 12);
        fill(m, N, 13);
        fill(v, N, 14);
        grads[0] = NAN;
        grads[1] = INFINITY;
        for (int i = 0; i < N; i++)
            v[i] = fabsf(v[i]);
        memcpy(p1, params, sizeof params);
        memcpy(m1, m, sizeof m);
        memcpy(v1, v, sizeof v);
        gan__adam_update_avx512(&f, N, p1, grads, m1, v1);
        for (int i = 0; i < N; i++) {
            float g = grads[i], p = params[i];
            if (f.weight_decay != 0.0f) {
                if (f.decoupled)
                    p = p * f.shrink;
                else
                    g = g + f.weight_decay * p;
            }
            m[i] = m[i] * f.beta1 + f.one_minus_beta1 * g;
            v[i] = v[i] * f.beta2 + (f.one_minus_beta2 * g) * g;
            params[i] = p + (f.step_neg * m[i]) / (sqrtf(v[i]) / f.bias2_sqrt + f.eps);
        }
        assert_same_bits(m1, m, N);
        assert_same_bits(v1, v, N);
        assert_same_bits(p1, params, N);
    }
}

/* ulps between a float and the exact value (in double), in units of the float's ulp there. */
static double ulps(float got, double exact)
{
    const float nearest = (float)exact;
    const double ulp = (double)nextafterf(fabsf(nearest), INFINITY) - (double)fabsf(nearest);
    return fabs((double)got - exact) / ulp;
}

/* Forward within 2 ulp of tanh on a sweep of every 61st float up to 12 (beyond, tanh rounds
 * to 1), both signs; the specials exact; backward the same bits as its formula. */
static void tanh_avx512_is_within_2_ulp(void **state)
{
    (void)state;
    enum { CHUNK = 4096 };
    float x[CHUNK], y[CHUNK];
    double worst = 0.0;
    uint32_t bits = 1;
    while (bits < 0x41400000u) {
        int count = 0;
        for (; count < CHUNK && bits < 0x41400000u; count++, bits += 61) {
            memcpy(&x[count], &bits, sizeof bits);
            if (count % 2)
                x[count] = -x[count];
        }
        gan__tanh_forward_avx512(count, x, y);
        for (int i = 0; i < count; i++) {
            const double error = ulps(y[i], tanh((double)x[i]));
            if (error > worst)
                worst = error;
            if (error > 2.0)
                fail_msg("tanh(%.9g) = %.9g, %.2f ulp from %.17g", x[i], y[i], error,
                         tanh((double)x[i]));
        }
    }
    print_message("tanh: worst error %.3f ulp\n", worst);
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, 12.0f, -1e30f, FLT_MAX, NAN};
    const float want[] = {0.0f, -0.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, NAN};
    float got[8];
    gan__tanh_forward_avx512(8, specials, got);
    assert_same_bits(got, want, 8);

    float out[SPECIAL_COUNT], dy[SPECIAL_COUNT], expected[SPECIAL_COUNT];
    fill_specials(x, 21);
    fill_specials(dy, 22);
    gan__tanh_backward_avx512(SPECIAL_COUNT, x, dy, out);
    for (int i = 0; i < SPECIAL_COUNT; i++)
        expected[i] = dy[i] * (1.0f - x[i] * x[i]);
    assert_same_bits(out, expected, SPECIAL_COUNT);
}

/* The sum of squares in the order reduction.h fixes, written out plainly. */
static double sum_of_squares_by_definition(const float *x, size_t count)
{
    size_t chunk = (count + 255) / 256;
    chunk = (chunk + 7) / 8 * 8;
    double total = 0.0;
    for (size_t begin = 0; begin < count; begin += chunk) {
        double lane[8] = {0};
        for (size_t i = begin; i < count && i < begin + chunk; i++)
            lane[(i - begin) % 8] += (double)x[i] * (double)x[i];
        total += ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
                 ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    }
    return total;
}

static void reductions_give_the_same_bits_everywhere(void **state)
{
    (void)state;
    enum { N = 300007 };
    float *x = malloc(sizeof(float) * N), *copy = malloc(sizeof(float) * N);
    assert_non_null(x);
    assert_non_null(copy);
    fill(x, N, 77);
    const size_t counts[] = {0, 1, 7, 8, 9, 255, 2049, 65536 * 3 + 5, N};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        const double want = sum_of_squares_by_definition(x, counts[c]);
        for (int threads = 1; threads <= 2; threads++) {
            assert_status(gan_set_num_threads(threads), GAN_OK);
            const double got = gan__sum_of_squares(x, counts[c]);
            assert_memory_equal(&got, &want, sizeof got);
            memset(copy, 0, sizeof(float) * N);
            gan__copy_floats(copy, x, counts[c]);
            assert_memory_equal(copy, x, sizeof(float) * counts[c]);
            if (counts[c] < N)
                assert_true(copy[counts[c]] == 0.0f);
        }
    }
    /* the first bad value wins, wherever the threads' stretches fall */
    const float bad[] = {NAN, INFINITY, -INFINITY};
    const size_t places[] = {0, 15, 16, 17, 150001, N - 1};
    for (size_t b = 0; b < 3; b++)
        for (size_t p = 0; p < sizeof places / sizeof places[0]; p++)
            for (int threads = 1; threads <= 2; threads++) {
                assert_status(gan_set_num_threads(threads), GAN_OK);
                memcpy(copy, x, sizeof(float) * N);
                copy[places[p]] = bad[b];
                if (places[p] < N - 1)
                    copy[N - 1] = NAN; /* a later one too */
                assert_int_equal(gan__first_nonfinite(copy, N), places[p]);
                if (gan__cpu_has_avx512())
                    assert_int_equal(gan__first_nonfinite_avx512(copy, N), places[p]);
            }
    assert_int_equal(gan__first_nonfinite(x, N), N);
    free(x);
    free(copy);
}

/* ---- the thread pool -------------------------------------------------------------------- */

static void count_range(void *context, int64_t begin, int64_t end)
{
    int *hits = context;
    for (int64_t i = begin; i < end; i++)
        hits[i]++; /* stretches are disjoint: no two threads touch one element */
}

static void parallel_for_covers_every_index_once(void **state)
{
    (void)state;
    enum { N = 100003 };
    static int hits[N];
    const int64_t counts[] = {0, 1, 17, 4096, N};
    for (int threads = 1; threads <= 3; threads++) {
        assert_status(gan_set_num_threads(threads), GAN_OK);
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            memset(hits, 0, sizeof hits);
            gan__parallel_for(counts[c], 100, 16, count_range, hits);
            for (int64_t i = 0; i < N; i++)
                assert_int_equal(hits[i], i < counts[c] ? 1 : 0);
        }
    }
}

/* Two application threads multiply at once: one gets the pool, the other runs alone, and
 * both get the single-threaded answer. */
typedef struct product_thread {
    operands o;
    float *expected;
} product_thread;

static void *multiply(void *argument)
{
    product_thread *t = argument;
    for (int repeat = 0; repeat < 20; repeat++) {
        gan__sgemm(false, false, t->o.g.m, t->o.g.n, t->o.g.k, 1.0f, t->o.a, t->o.g.lda,
                   t->o.b, t->o.g.ldb, 0.0f, t->o.c, t->o.g.ldc);
        if (memcmp(t->o.c, t->expected, sizeof(float) * (size_t)(t->o.g.m * t->o.g.ldc)) != 0)
            return t;
    }
    return NULL;
}

static void concurrent_callers_get_the_same_bits(void **state)
{
    (void)state;
    product_thread threads[2];
    const shape s = {200, 300, 400};
    for (int i = 0; i < 2; i++) {
        threads[i].o = make_operands(s, false, false, 1.0f, 0.0f, 50 + (uint32_t)i);
        threads[i].expected = malloc(sizeof(float) * (size_t)(s.m * threads[i].o.g.ldc));
        assert_non_null(threads[i].expected);
        assert_status(gan_set_num_threads(1), GAN_OK);
        gan__sgemm(false, false, s.m, s.n, s.k, 1.0f, threads[i].o.a, threads[i].o.g.lda,
                   threads[i].o.b, threads[i].o.g.ldb, 0.0f, threads[i].expected,
                   threads[i].o.g.ldc);
        /* the padding of C keeps its NaN in both */
        memcpy(threads[i].o.c, threads[i].expected,
               sizeof(float) * (size_t)(s.m * threads[i].o.g.ldc));
    }
    assert_status(gan_set_num_threads(2), GAN_OK);
    pthread_t ids[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&ids[i], NULL, multiply, &threads[i]), 0);
    for (int i = 0; i < 2; i++) {
        void *failed = &ids[i];
        assert_int_equal(pthread_join(ids[i], &failed), 0);
        if (gan__cpu_has_avx512())
            assert_null(failed);
        free(threads[i].expected);
        free_operands(&threads[i].o);
    }
}

/* The AVX-512 kernels can only run where the CPU has AVX-512 (not under valgrind, whose
 * virtual CPU has none): elsewhere they are not registered, and the run says so, rather
 * than counting a skipped test. The portable paths run everywhere, in every other test. */
int main(void)
{
    const struct CMUnitTest everywhere[] = {
        cmocka_unit_test(sgemm_matches_the_reference_at_any_thread_count),
        cmocka_unit_test(reductions_give_the_same_bits_everywhere),
        cmocka_unit_test(parallel_for_covers_every_index_once),
        cmocka_unit_test(concurrent_callers_get_the_same_bits),
    };
    const struct CMUnitTest with_avx512[] = {
        cmocka_unit_test(own_kernels_match_the_reference),
        cmocka_unit_test(few_rows_kernel_matches_the_reference),
        cmocka_unit_test(leaky_relu_avx512_matches_the_formula),
        cmocka_unit_test(adam_avx512_matches_the_formula),
        cmocka_unit_test(tanh_avx512_is_within_2_ulp),
    };
    int failed = cmocka_run_group_tests_name("everywhere", everywhere, NULL, NULL);
    if (gan__cpu_has_avx512())
        failed += cmocka_run_group_tests_name("avx512", with_avx512, NULL, NULL);
    else
        print_message("this CPU has no AVX-512: its kernels were not run here\n");
    return failed;
}
