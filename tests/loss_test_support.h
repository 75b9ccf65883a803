/*
 * Shared by the loss test programs: tensors from arrays, long-double references of the
 * losses' building blocks, comparisons against them and against central finite differences.
 *
 * The references are written from the textbook formulas in long double (64-bit mantissa),
 * z sp(-x) + (1 - z) sp(x) for BCE rather than libgan's max(x, 0) - x z + log1p(e^-|x|),
 * so an error in libgan's rearrangement shows as a mismatch. Gradients are also checked
 * against central differences of the reference value (expect_difference).
 */
#ifndef GAN_TEST_LOSS_TEST_SUPPORT_H
#define GAN_TEST_LOSS_TEST_SUPPORT_H

#include <float.h>
#include <math.h>

#include "test_support.h"

typedef long double ldouble;

/* A tensor of the given shape holding `values` (or zeros when values is NULL). */
static inline gan_tensor *tensor_of(int rank, const int64_t *shape, const float *values)
{
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, rank, shape), GAN_OK);
    if (values)
        assert_status(gan_tensor_copy_from(tensor, values, (size_t)gan_tensor_numel(tensor)),
                      GAN_OK);
    return tensor;
}

/* An [n, 1] column of logits. */
static inline gan_tensor *column_of(int64_t n, const float *values)
{
    return tensor_of(2, (const int64_t[]){n, 1}, values);
}

/* Uniform values in [low, high) from a seed, through the public generator. */
static inline void uniform_values(uint64_t seed, float *out, int64_t n, float low, float high)
{
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    gan_tensor *tensor = tensor_of(1, &n, NULL);
    assert_status(gan_rng_fill_uniform(rng, GAN_RNG_SHUFFLE, tensor, low, high), GAN_OK);
    memcpy(out, gan_tensor_data(tensor), (size_t)n * sizeof(float));
    gan_tensor_free(tensor);
    gan_rng_free(rng);
}

/* log(1 + e^t) without overflow. */
static inline ldouble ref_softplus(ldouble t)
{
    return t > 0 ? t + log1pl(expl(-t)) : log1pl(expl(t));
}

static inline ldouble ref_sigmoid(ldouble t)
{
    return t >= 0 ? 1.0L / (1.0L + expl(-t)) : expl(t) / (1.0L + expl(t));
}

/* -z log sigma(x) - (1 - z) log(1 - sigma(x)), for finite x. */
static inline ldouble ref_bce(ldouble x, ldouble z)
{
    return z * ref_softplus(-x) + (1.0L - z) * ref_softplus(x);
}

/* Fails unless got is within `rel` of want (relative), with an absolute floor `abs_floor`. */
#define expect_near(what, index, got, want, rel, abs_floor) \
    expect_near_((what), (index), (got), (want), (rel), (abs_floor), __FILE__, __LINE__)

static inline void expect_near_(const char *what, long long index, double got, ldouble want,
                                double rel, double abs_floor, const char *file, int line)
{
    ldouble error = fabsl((ldouble)got - want);
    if (!(error <= rel * fabsl(want) + abs_floor)) {
        print_error("%s[%lld]: libgan %.10g, reference %.12Lg (error %.3Lg)\n", what, index, got,
                    want, error);
        _fail(file, line);
    }
}

/* Rounding a double result once to float, plus double's own error: a few float ulps. */
#define FLOAT_REL 5e-7

/* A function of one long double variable: the loss with one input moved, for differences. */
typedef ldouble (*scalar_fn)(void *context, ldouble value);

/*
 * Fails unless `got` matches the central difference of f at `at` (h = 1e-5 max(1, |at|)):
 * relatively within 2e-6, plus an allowance for the rounding of the two values, which is
 * ~1e-19 |f| / h in long double but ~1e-16 |f| / h under valgrind, whose long double is
 * only a double. The truncation error (h² times f's third derivative) is below 1e-10 here.
 */
#define expect_difference(what, index, got, f, context, at) \
    expect_difference_((what), (index), (got), (f), (context), (at), __FILE__, __LINE__)

static inline void expect_difference_(const char *what, long long index, double got,
                                      scalar_fn f, void *context, ldouble at, const char *file,
                                      int line)
{
    ldouble h = 1e-5L * (fabsl(at) > 1 ? fabsl(at) : 1);
    ldouble plus = f(context, at + h), minus = f(context, at - h);
    double rounding = 4 * DBL_EPSILON * (double)(fabsl(plus) + fabsl(minus)) / (double)(2 * h);
    expect_near_(what, index, got, (plus - minus) / (2 * h), 2e-6, 1e-10 + rounding, file, line);
}

/* Bit-exact equality of float arrays (NaN == NaN with the same bits). */
static inline int same_floats(const float *a, const float *b, int64_t n)
{
    return memcmp(a, b, (size_t)n * sizeof(float)) == 0;
}

/* Every element of the tensor equals `value` (used as a sentinel for untouched outputs). */
static inline void expect_all(const gan_tensor *tensor, float value)
{
    const float *data = gan_tensor_data_const(tensor);
    for (int64_t i = 0; i < gan_tensor_numel(tensor); i++)
        assert_true(data[i] == value);
}

#endif /* GAN_TEST_LOSS_TEST_SUPPORT_H */
