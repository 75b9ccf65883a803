/*
 * AVX-512 element-wise kernels. Each does the same IEEE operations as its portable loop
 * (a compare that is false for NaN, one multiply), so the results are the same bits.
 */
#include <immintrin.h>

#include "kernels/adam_update.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/lane_mask.h"

#define AVX512 __attribute__((target("avx512f")))

/* out = x > 0 ? v : slope v, and for ReLU (slope 0) x <= 0 ? +0 : v, so a NaN in x passes
 * (v = x, the forward) and the gradient passes at a NaN (v = dy, the backward). */
AVX512 void gan__leaky_relu_select_avx512(int64_t n, float slope, const float *x, const float *v,
                                          float *out)
{
    const __m512 zero = _mm512_setzero_ps(), s = _mm512_set1_ps(slope);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 lanes = gan__lane_mask(n - i);
        const __m512 xi = _mm512_maskz_loadu_ps(lanes, x + i);
        const __m512 vi = _mm512_maskz_loadu_ps(lanes, v + i);
        __m512 result;
        if (slope == 0.0f)
            result = _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(xi, zero, _CMP_LE_OQ), vi);
        else
            result = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(xi, zero, _CMP_GT_OQ),
                                          _mm512_mul_ps(s, vi), vi);
        _mm512_mask_storeu_ps(out + i, lanes, result);
    }
}

/* Adam (kernels/adam_update.c): separate multiplies and adds, no FMA, as the portable loop. */
AVX512 void gan__adam_update_avx512(const gan_adam_factors *f, int64_t count, float *params,
                                    const float *grads, float *m, float *v)
{
    const __m512 beta1 = _mm512_set1_ps(f->beta1), one_minus_beta1 = _mm512_set1_ps(f->one_minus_beta1);
    const __m512 beta2 = _mm512_set1_ps(f->beta2), one_minus_beta2 = _mm512_set1_ps(f->one_minus_beta2);
    const __m512 bias2_sqrt = _mm512_set1_ps(f->bias2_sqrt), eps = _mm512_set1_ps(f->eps);
    const __m512 step_neg = _mm512_set1_ps(f->step_neg), decay = _mm512_set1_ps(f->weight_decay);
    const __m512 shrink = _mm512_set1_ps(f->shrink);
    for (int64_t i = 0; i < count; i += 16) {
        const __mmask16 lanes = gan__lane_mask(count - i);
        __m512 g = _mm512_maskz_loadu_ps(lanes, grads + i);
        __m512 p = _mm512_maskz_loadu_ps(lanes, params + i);
        if (f->weight_decay != 0.0f) {
            if (f->decoupled)
                p = _mm512_mul_ps(p, shrink);
            else
                g = _mm512_add_ps(g, _mm512_mul_ps(decay, p));
        }
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, m + i), beta1),
                                        _mm512_mul_ps(one_minus_beta1, g));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, v + i), beta2),
                                        _mm512_mul_ps(_mm512_mul_ps(one_minus_beta2, g), g));
        _mm512_mask_storeu_ps(m + i, lanes, mi);
        _mm512_mask_storeu_ps(v + i, lanes, vi);
        const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bias2_sqrt), eps);
        _mm512_mask_storeu_ps(params + i, lanes,
                              _mm512_add_ps(p, _mm512_div_ps(_mm512_mul_ps(step_neg, mi), denom)));
    }
}

/*
 * tanh within 2 ulp of the exact value (test_kernels.c measures it against double tanh),
 * where libm's tanhf, the portable path, is within 1: the two paths round differently.
 *   |x| < 0.625:  |x| + |x|^3 Q(x^2), Q a degree-5 least-squares fit of (tanh(x)/x - 1)/x^2
 *                 (0.73 ulp at worst in float);
 *   otherwise:    1 - 2 / (e^(2|x|) + 1), with |x| clamped to 10 (tanh(10) rounds to 1), the
 *                 exponential as 2^k e^r, |r| <= ln(2)/2, e^r by its Taylor series to r^7;
 * then the sign of x. NaN passes; -0 stays -0.
 */
AVX512 static __m512 tanh_avx512(__m512 x)
{
    const __m512 a = _mm512_abs_ps(x);
    const __m512 t = _mm512_mul_ps(x, x);
    __m512 q = _mm512_set1_ps(0.00215359078720212f);
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-0.008189946413040161f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.021706251427531242f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-0.05394788831472397f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.13333216309547424f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-0.3333333134651184f));
    const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(a, t), q, a);

    const __m512 y = _mm512_mul_ps(_mm512_min_ps(a, _mm512_set1_ps(10.0f)), _mm512_set1_ps(2.0f));
    const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(y, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), y);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    const __m512 e = _mm512_scalef_ps(p, k);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 large =
        _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));

    /* tanh(|x|), then x's sign bit (so -0 stays -0), then x itself where it is NaN. */
    const __m512 magnitude = _mm512_mask_blend_ps(
        _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.625f), _CMP_LT_OQ), large, small);
    const __m512 out = _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_castps_si512(magnitude),
        _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), out, x);
}

AVX512 void gan__tanh_forward_avx512(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 lanes = gan__lane_mask(n - i);
        _mm512_mask_storeu_ps(y + i, lanes, tanh_avx512(_mm512_maskz_loadu_ps(lanes, x + i)));
    }
}

/* dx = dy (1 - y^2): a multiply, a subtract and a multiply, as the portable loop. */
AVX512 void gan__tanh_backward_avx512(int64_t n, const float *y, const float *dy, float *dx)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 lanes = gan__lane_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(lanes, y + i);
        const __m512 g = _mm512_maskz_loadu_ps(lanes, dy + i);
        _mm512_mask_storeu_ps(dx + i, lanes,
                              _mm512_mul_ps(g, _mm512_sub_ps(one, _mm512_mul_ps(v, v))));
    }
}

/* One chunk of gan__sum_of_squares: lane[l] = the sum of x[i]^2 over i = l mod 8, in order. */
AVX512 void gan__squares_by_lane_avx512(const float *x, size_t count, double lane[8])
{
    __m512d acc = _mm512_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
        acc = _mm512_fmadd_pd(v, v, acc); /* the square is exact: one rounding, as + */
    }
    _mm512_storeu_pd(lane, acc);
    for (; i < count; i++)
        lane[i % 8] += (double)x[i] * (double)x[i];
}

/* The first i < count with x[i] NaN or infinite (exponent bits all ones), or count. */
AVX512 size_t gan__first_nonfinite_avx512(const float *x, size_t count)
{
    const __m512i exponent = _mm512_set1_epi32(0x7f800000);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 lanes = gan__lane_mask((int64_t)(count - i));
        const __m512i bits = _mm512_maskz_loadu_epi32(lanes, x + i);
        const __mmask16 bad = _mm512_mask_cmpeq_epi32_mask(
            lanes, _mm512_and_si512(bits, exponent), exponent);
        if (bad)
            return i + (size_t)__builtin_ctz(bad);
    }
    return count;
}
