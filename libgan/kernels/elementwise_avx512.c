/*
 * AVX-512 element-wise kernels. Each does the same IEEE operations as its portable loop
 * (a compare that is false for NaN, one multiply), so the results are the same bits.
 */
#include <immintrin.h>

#include "kernels/adam_update.h"
#include "kernels/elementwise_avx512.h"

#define AVX512 __attribute__((target("avx512f")))

AVX512 static __mmask16 tail_mask(int64_t left)
{
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

/* ReLU (slope 0): x <= 0 ? +0 : x, so a NaN passes. Otherwise x > 0 ? x : slope x. */
AVX512 void gan__leaky_relu_forward_avx512(int64_t n, float slope, const float *x, float *y)
{
    const __m512 zero = _mm512_setzero_ps(), s = _mm512_set1_ps(slope);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 lanes = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(lanes, x + i);
        __m512 out;
        if (slope == 0.0f)
            out = _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ), v);
        else
            out = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ),
                                       _mm512_mul_ps(s, v), v);
        _mm512_mask_storeu_ps(y + i, lanes, out);
    }
}

/* ReLU: x <= 0 ? +0 : dy (the gradient passes at a NaN). Otherwise x > 0 ? dy : slope dy. */
AVX512 void gan__leaky_relu_backward_avx512(int64_t n, float slope, const float *x,
                                            const float *dy, float *dx)
{
    const __m512 zero = _mm512_setzero_ps(), s = _mm512_set1_ps(slope);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 lanes = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(lanes, x + i);
        const __m512 g = _mm512_maskz_loadu_ps(lanes, dy + i);
        __m512 out;
        if (slope == 0.0f)
            out = _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ), g);
        else
            out = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ),
                                       _mm512_mul_ps(s, g), g);
        _mm512_mask_storeu_ps(dx + i, lanes, out);
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
        const __mmask16 lanes = tail_mask(count - i);
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
