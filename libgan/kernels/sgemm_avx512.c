/*
 * Single-precision GEMM with AVX-512 micro-kernels, in the layout of GotoBLAS and BLIS:
 *
 *   for each block of NC columns of C            (jc)
 *     for each block of KC steps of the sum      (pc)  pack op(B)[pc.., jc..] into panels of NR
 *       for each block of MC rows of C           (ic)  pack op(A)[ic.., pc..] into strips of MR
 *         for each panel of NR columns           (jr)
 *           for each strip of MR rows            (ir)  C[MR x NR] += A strip x B panel
 *
 * A B panel (KC x NR, 32 KiB) stays in L1 while the A strips stream from L2 (the packed A
 * block is MC x KC, 480 KiB); the packed B block (KC x NC, 2 MiB) lives in L3. Each value
 * of op(A) is packed n / NC times and each value of op(B) once. The micro-kernel keeps a
 * 12 x 32 tile of C in 24 zmm registers: per step of the sum it loads 32 floats of B and
 * broadcasts 12 of A, 24 FMAs. When op(A) is stored transposed and a block has few columns
 * (a generator at batch 1), the strips are read from A in place instead of packed.
 *
 * Why libgan has its own: Debian's OpenBLAS 0.3.21 does not know recent CPUs such as Zen 5
 * and falls back to its AVX2 kernels there, at half the machine's speed.
 */
#define _POSIX_C_SOURCE 200809L

#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/lane_mask.h"
#include "kernels/sgemm_avx512.h"

#define AVX512 __attribute__((target("avx512f,fma")))

enum { MR = 12, NR = 32, KC = 256, MC = 40 * MR, NC = 2048, DIRECT_A_COLUMNS = 2 * NR };

/* Each thread's packing buffers, allocated on its first product and freed when it exits
 * (through the key's destructor). They are scratch like BLAS's own, so they bypass the
 * allocator hooks. Every live one is also on a list, which keeps it reachable for leak
 * checkers: they look neither inside pthread keys nor always inside other threads' TLS. */
typedef struct thread_buffer {
    struct thread_buffer *next, *previous;
    float floats[] __attribute__((aligned(64)));
} thread_buffer;

static pthread_key_t buffers_key;
static pthread_once_t buffers_key_once = PTHREAD_ONCE_INIT;
static int buffers_key_status = -1;
static pthread_mutex_t buffers_lock = PTHREAD_MUTEX_INITIALIZER;
static thread_buffer *live_buffers;

static void release_buffer(void *pointer)
{
    thread_buffer *buffer = pointer;
    pthread_mutex_lock(&buffers_lock);
    if (buffer->previous)
        buffer->previous->next = buffer->next;
    else
        live_buffers = buffer->next;
    if (buffer->next)
        buffer->next->previous = buffer->previous;
    pthread_mutex_unlock(&buffers_lock);
    free(buffer);
}

static void create_buffers_key(void)
{
    buffers_key_status = pthread_key_create(&buffers_key, release_buffer);
}

static float *thread_buffers(void)
{
    pthread_once(&buffers_key_once, create_buffers_key);
    if (buffers_key_status != 0)
        return NULL;
    thread_buffer *buffer = pthread_getspecific(buffers_key);
    if (buffer)
        return buffer->floats;
    void *memory = NULL;
    if (posix_memalign(&memory, 64,
                       sizeof(thread_buffer) + (size_t)(KC * NC + MC * KC) * sizeof(float)) != 0)
        return NULL;
    buffer = memory;
    if (pthread_setspecific(buffers_key, buffer) != 0) {
        free(buffer);
        return NULL;
    }
    pthread_mutex_lock(&buffers_lock);
    buffer->previous = NULL;
    buffer->next = live_buffers;
    if (live_buffers)
        live_buffers->previous = buffer;
    live_buffers = buffer;
    pthread_mutex_unlock(&buffers_lock);
    return buffer->floats;
}

/* A key must not outlive the library's code (dlclose). */
__attribute__((destructor)) static void delete_buffers_key(void)
{
    if (buffers_key_status == 0)
        pthread_key_delete(buffers_key);
}

/*
 * out[q] lane r = src[r ld + q] for r < rows (lanes past `rows` are 0), q < 16: a 16 x 16
 * transpose in registers (unpack pairs, then 4 x 4 blocks, then 128-bit lanes twice).
 */
AVX512 static void transpose_16x16(const float *src, int64_t ld, int rows, __m512 out[16])
{
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_loadu_ps(src + i * ld) : _mm512_setzero_ps();
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
        t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    }
    for (int c = 0; c < 4; c++) {
        out[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
        out[c + 8] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xDD);
        out[c + 4] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);
        out[c + 12] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xDD);
    }
}

/* dst[p MR + i] = op(A)[ic + i, pc + p], rows past `rows` zero. */
AVX512 static void pack_a_strip(const gan_gemm_problem *g, int64_t ic, int64_t pc, int rows, int64_t kc,
                         float *dst)
{
    if (g->transpose_a) {
        for (int64_t p = 0; p < kc; p++) {
            const float *src = g->a + (pc + p) * g->lda + ic;
            float *out = dst + p * MR;
            memcpy(out, src, (size_t)rows * sizeof(float));
            memset(out + rows, 0, (size_t)(MR - rows) * sizeof(float));
        }
        return;
    }
    /* Rows of A are contiguous along the sum: transpose 16 steps at a time. */
    const float *src = g->a + ic * g->lda + pc;
    int64_t p = 0;
    for (__m512 column[16]; p + 16 <= kc; p += 16) {
        transpose_16x16(src + p, g->lda, rows, column);
        for (int q = 0; q < 16; q++)
            _mm512_mask_storeu_ps(dst + (p + q) * MR, (__mmask16)((1u << MR) - 1), column[q]);
    }
    for (; p < kc; p++)
        for (int i = 0; i < MR; i++)
            dst[p * MR + i] = i < rows ? src[i * g->lda + p] : 0.0f;
}

/* Strip s of the block holds op(A)[ic + s MR .., pc ..] as pack_a_strip lays it out. */
static void pack_a(const gan_gemm_problem *g, int64_t ic, int64_t pc, int64_t mc, int64_t kc,
                   float *dst)
{
    for (int64_t ir = 0; ir < mc; ir += MR, dst += MR * kc)
        pack_a_strip(g, ic + ir, pc, mc - ir < MR ? (int)(mc - ir) : MR, kc, dst);
}

/* Panel q of the block holds dst[q kc NR + p NR + j] = op(B)[pc + p, jc + q NR + j], columns
 * past `nc` zero. */
AVX512 static void pack_b(const gan_gemm_problem *g, int64_t pc, int64_t jc, int64_t kc,
                          int64_t nc, float *dst)
{
    for (int64_t jr = 0; jr < nc; jr += NR, dst += kc * NR) {
        const int64_t cols = nc - jr < NR ? nc - jr : NR;
        if (!g->transpose_b) {
            const __mmask16 low = gan__lane_mask(cols), high = gan__lane_mask(cols - 16);
            for (int64_t p = 0; p < kc; p++) {
                const float *src = g->b + (pc + p) * g->ldb + jc + jr;
                _mm512_store_ps(dst + p * NR, _mm512_maskz_loadu_ps(low, src));
                _mm512_store_ps(dst + p * NR + 16, _mm512_maskz_loadu_ps(high, src + 16));
            }
            continue;
        }
        /* Columns of op(B) are contiguous along the sum: transpose 16 x 16 blocks. */
        const float *src = g->b + (jc + jr) * g->ldb + pc;
        int64_t p = 0;
        for (__m512 column[16]; p + 16 <= kc; p += 16)
            for (int half = 0; half < NR / 16; half++) {
                const int rows = cols - 16 * half > 16 ? 16 : (int)(cols - 16 * half);
                transpose_16x16(src + 16 * half * g->ldb + p, g->ldb, rows, column);
                for (int q = 0; q < 16; q++)
                    _mm512_store_ps(dst + (p + q) * NR + 16 * half, column[q]);
            }
        for (; p < kc; p++)
            for (int64_t j = 0; j < NR; j++)
                dst[p * NR + j] = j < cols ? src[j * g->ldb + p] : 0.0f;
    }
}

/* c[0 .. 32) = alpha acc + beta c over the lanes in the masks; C is not read when beta is 0
 * (it may hold anything, NaN included). */
AVX512 static inline void store_row(float *c, __m512 low, __m512 high, __mmask16 low_mask,
                                    __mmask16 high_mask, __m512 alpha, float beta)
{
    low = _mm512_mul_ps(alpha, low);
    high = _mm512_mul_ps(alpha, high);
    if (beta != 0.0f) {
        const __m512 b = _mm512_set1_ps(beta);
        low = _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(low_mask, c), low);
        high = _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(high_mask, c + 16), high);
    }
    _mm512_mask_storeu_ps(c, low_mask, low);
    _mm512_mask_storeu_ps(c + 16, high_mask, high);
}

#define ROW_DECLARE(i) __m512 c##i##l = _mm512_setzero_ps(), c##i##h = _mm512_setzero_ps();
#define ROW_UPDATE(i)                                                                          \
    {                                                                                          \
        const __m512 ai = _mm512_set1_ps(a[i]);                                                \
        c##i##l = _mm512_fmadd_ps(ai, b_low, c##i##l);                                         \
        c##i##h = _mm512_fmadd_ps(ai, b_high, c##i##h);                                        \
    }
#define ROW_STORE(i)                                                                           \
    if (i < rows)                                                                              \
        store_row(c + (i) * ldc, c##i##l, c##i##h, low_mask, high_mask, alpha_v, beta);
#define ALL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* C[rows, cols] = alpha (A strip x B panel) + beta C, rows <= MR, cols <= NR. The strip's
 * MR values for step p of the sum are at a + p a_step: a_step is MR in a packed strip. */
AVX512 static void micro_kernel(int64_t kc, const float *a, int64_t a_step, const float *b,
                                float *c, int64_t ldc, int rows, int64_t cols, float alpha,
                                float beta)
{
    ALL_ROWS(ROW_DECLARE)
    if (beta != 0.0f) /* C's tile arrives while the sum runs */
        for (int i = 0; i < rows; i++) {
            _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
        }
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; p++, a += a_step, b += NR) {
        const __m512 b_low = _mm512_load_ps(b), b_high = _mm512_load_ps(b + 16);
        ALL_ROWS(ROW_UPDATE)
    }
    const __mmask16 low_mask = gan__lane_mask(cols), high_mask = gan__lane_mask(cols - 16);
    const __m512 alpha_v = _mm512_set1_ps(alpha);
    ALL_ROWS(ROW_STORE)
}

/* C = beta C, for an empty sum; beta 0 writes zeros without reading C. */
static void scale_c(const gan_gemm_problem *g)
{
    for (int64_t i = 0; i < g->m; i++) {
        float *row = g->c + i * g->ldc;
        for (int64_t j = 0; j < g->n; j++)
            row[j] = g->beta == 0.0f ? 0.0f : g->beta * row[j];
    }
}

bool gan__sgemm_avx512(const gan_gemm_problem *g)
{
    if (g->m <= 0 || g->n <= 0)
        return true;
    if (g->k <= 0) {
        scale_c(g);
        return true;
    }
    float *packed_b = thread_buffers();
    if (!packed_b)
        return false;
    float *packed_a = packed_b + KC * NC;
    for (int64_t jc = 0; jc < g->n; jc += NC) {
        const int64_t nc = g->n - jc < NC ? g->n - jc : NC;
        for (int64_t pc = 0; pc < g->k; pc += KC) {
            const int64_t kc = g->k - pc < KC ? g->k - pc : KC;
            /* The first block of the sum applies beta; later ones add to it. */
            const float beta = pc == 0 ? g->beta : 1.0f;
            pack_b(g, pc, jc, kc, nc, packed_b);
            for (int64_t ic = 0; ic < g->m; ic += MC) {
                const int64_t mc = g->m - ic < MC ? g->m - ic : MC, whole = mc / MR * MR;
                /* Few columns reuse each A strip too little to pay for packing it: when A is
                 * stored transposed, a strip's MR values for one step are contiguous in A
                 * itself, and only the ragged last strip is packed (zero-padded). */
                const bool direct = g->transpose_a && nc <= DIRECT_A_COLUMNS;
                if (!direct)
                    pack_a(g, ic, pc, mc, kc, packed_a);
                else if (whole < mc)
                    pack_a_strip(g, ic + whole, pc, (int)(mc - whole), kc, packed_a + whole * kc);
                for (int64_t jr = 0; jr < nc; jr += NR)
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const bool in_place = direct && ir < whole;
                        micro_kernel(kc,
                                     in_place ? g->a + pc * g->lda + ic + ir : packed_a + ir * kc,
                                     in_place ? g->lda : MR, packed_b + jr * kc,
                                     g->c + (ic + ir) * g->ldc + jc + jr, g->ldc,
                                     mc - ir < MR ? (int)(mc - ir) : MR, nc - jr, g->alpha,
                                     beta);
                    }
            }
        }
    }
    return true;
}

/* op(A)[i, p]. */
static float a_at(const gan_gemm_problem *g, int64_t i, int64_t p)
{
    return g->transpose_a ? g->a[p * g->lda + i] : g->a[i * g->lda + p];
}

/* c = alpha sum + beta c, not reading c when beta is 0. */
static void finish(float *c, float sum, float alpha, float beta)
{
    *c = beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

AVX512 void gan__sgemm_few_rows_avx512(const gan_gemm_problem *g)
{
    if (g->transpose_b) {
        /* op(B)[p, j] = b[j ldb + p]: C[i, j] is a dot product of two contiguous rows when A
         * is not transposed; lanes hold partial sums p = l mod 16, reduced at the end. */
        for (int64_t i = 0; i < g->m; i++)
            for (int64_t j = 0; j < g->n; j++) {
                const float *row = g->b + j * g->ldb;
                __m512 acc = _mm512_setzero_ps();
                for (int64_t p = 0; p < g->k; p += 16) {
                    const __mmask16 lanes = gan__lane_mask(g->k - p);
                    __m512 a;
                    if (g->transpose_a) {
                        float column[16] = {0};
                        for (int l = 0; l < 16 && p + l < g->k; l++)
                            column[l] = a_at(g, i, p + l);
                        a = _mm512_loadu_ps(column);
                    } else {
                        a = _mm512_maskz_loadu_ps(lanes, g->a + i * g->lda + p);
                    }
                    acc = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(lanes, row + p), acc);
                }
                finish(g->c + i * g->ldc + j, _mm512_reduce_add_ps(acc), g->alpha, g->beta);
            }
        return;
    }
    /* op(B)[p, :] is a contiguous row: C[i, :] accumulates a[i, p] B[p, :] along p. */
    for (int64_t i = 0; i < g->m; i++)
        for (int64_t j = 0; j < g->n; j += 16) {
            const __mmask16 lanes = gan__lane_mask(g->n - j);
            __m512 acc = _mm512_setzero_ps();
            for (int64_t p = 0; p < g->k; p++)
                acc = _mm512_fmadd_ps(_mm512_set1_ps(a_at(g, i, p)),
                                      _mm512_maskz_loadu_ps(lanes, g->b + p * g->ldb + j), acc);
            float sums[16];
            _mm512_storeu_ps(sums, acc);
            for (int l = 0; l < 16 && j + l < g->n; l++)
                finish(g->c + i * g->ldc + j + l, sums[l], g->alpha, g->beta);
        }
}
