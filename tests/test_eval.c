/*
 * Sample quality (gan/eval.h): feature statistics against a two-pass long-double
 * reference and across batch splits; the Fréchet distance against scipy
 * (tests/golden/fid.txt, written by tests/golden/make_fid_golden.py), closed forms,
 * identical sets, symmetry and translation; the classifier score, class histogram and
 * coverage on hand-made tables; gan_classifier_features on a hand-built classifier; every
 * error path, and failed allocations. The fixture is found in $GAN_GOLDEN_DIR, else
 * tests/golden (run from the repository root).
 */
#include "golden_text.h"
#include "loss_test_support.h"

/* ---- helpers ----------------------------------------------------------------------- */

/* Fails unless |got - want| <= tolerance, printing both to 17 digits. */
#define assert_near(got, want, tolerance) \
    check_near_((got), (want), (tolerance), #got, __FILE__, __LINE__)

static void check_near_(double got, double want, double tolerance, const char *expr,
                        const char *file, int line)
{
    if (!(fabs(got - want) <= tolerance)) {
        print_error("%s = %.17g, expected %.17g within %.3g\n", expr, got, want, tolerance);
        _fail(file, line);
    }
}

static gan_feature_stats *new_stats(int64_t dimension)
{
    gan_feature_stats *stats = NULL;
    assert_status(gan_feature_stats_new(&stats, dimension), GAN_OK);
    assert_non_null(stats);
    return stats;
}

/* Statistics of `count` vectors, added in one call. */
static gan_feature_stats *stats_of(const float *features, int64_t count, int64_t dimension)
{
    gan_feature_stats *stats = new_stats(dimension);
    assert_status(gan_feature_stats_add(stats, features, count), GAN_OK);
    return stats;
}

static double *new_doubles(size_t count)
{
    double *values = calloc(count, sizeof(double));
    assert_non_null(values);
    return values;
}

static float *new_floats(size_t count)
{
    float *values = calloc(count, sizeof(float));
    assert_non_null(values);
    return values;
}

/* `count` x `dimension` uniform values in [low, high). */
static float *random_features(uint64_t seed, int64_t count, int64_t dimension, float low,
                              float high)
{
    float *features = new_floats((size_t)(count * dimension));
    uniform_values(seed, features, count * dimension, low, high);
    return features;
}

/* The mean and covariance (divided by count - 1) by the textbook two passes, in long double. */
static void two_pass_moments(const float *x, int64_t count, int64_t d, double *mean,
                             double *covariance)
{
    for (int64_t j = 0; j < d; j++) {
        ldouble sum = 0;
        for (int64_t i = 0; i < count; i++)
            sum += x[i * d + j];
        mean[j] = (double)(sum / count);
    }
    for (int64_t j = 0; j < d; j++)
        for (int64_t k = 0; k < d; k++) {
            ldouble sum = 0;
            for (int64_t i = 0; i < count; i++)
                sum += ((ldouble)x[i * d + j] - mean[j]) * ((ldouble)x[i * d + k] - mean[k]);
            covariance[j * d + k] = (double)(sum / (count - 1));
        }
}

/* The moments of `stats` agree with `mean` and `covariance` to `tolerance` relative, each
 * covariance entry relative to sqrt(var_j var_k) (its natural scale; an entry can be 0). */
static void expect_moments(const gan_feature_stats *stats, const double *mean,
                           const double *covariance, double tolerance)
{
    int64_t d = gan_feature_stats_dimension(stats);
    double *got_mean = new_doubles((size_t)d), *got_cov = new_doubles((size_t)(d * d));
    assert_status(gan_feature_stats_moments(stats, got_mean, (size_t)d, got_cov,
                                            (size_t)(d * d)), GAN_OK);
    for (int64_t j = 0; j < d; j++) {
        double scale = sqrt(covariance[j * d + j]) + fabs(mean[j]);
        if (!(fabs(got_mean[j] - mean[j]) <= tolerance * scale)) {
            print_error("mean[%lld]: got %.17g, want %.17g\n", (long long)j, got_mean[j], mean[j]);
            fail();
        }
        for (int64_t k = 0; k < d; k++) {
            double want = covariance[j * d + k];
            scale = sqrt(covariance[j * d + j] * covariance[k * d + k]);
            if (!(fabs(got_cov[j * d + k] - want) <= tolerance * scale)) {
                print_error("covariance[%lld][%lld]: got %.17g, want %.17g\n", (long long)j,
                            (long long)k, got_cov[j * d + k], want);
                fail();
            }
        }
    }
    free(got_mean);
    free(got_cov);
}

static double frechet(const gan_feature_stats *a, const gan_feature_stats *b)
{
    double distance = -1.0;
    assert_status(gan_frechet_distance(a, b, &distance), GAN_OK);
    assert_true(distance >= 0.0);
    return distance;
}

/* Tr of the covariance of `stats`: the scale of its distances. */
static double covariance_trace(const gan_feature_stats *stats)
{
    int64_t d = gan_feature_stats_dimension(stats);
    double *covariance = new_doubles((size_t)(d * d)), trace = 0.0;
    assert_status(gan_feature_stats_moments(stats, NULL, 0, covariance, (size_t)(d * d)), GAN_OK);
    for (int64_t j = 0; j < d; j++)
        trace += covariance[j * d + j];
    free(covariance);
    return trace;
}

/* ---- feature statistics ------------------------------------------------------------ */

static void stats_start_empty(void **state)
{
    (void)state;
    gan_feature_stats *stats = new_stats(3);
    assert_int_equal(gan_feature_stats_count(stats), 0);
    assert_int_equal(gan_feature_stats_dimension(stats), 3);
    double mean[3];
    assert_status(gan_feature_stats_moments(stats, mean, 3, NULL, 0), GAN_ERR_STATE);
    assert_error_mentions("0 vectors");
    const float one[3] = {1, 2, 3};
    assert_status(gan_feature_stats_add(stats, one, 0), GAN_OK);
    assert_int_equal(gan_feature_stats_count(stats), 0);
    assert_status(gan_feature_stats_add(stats, one, 1), GAN_OK);
    assert_int_equal(gan_feature_stats_count(stats), 1);
    assert_status(gan_feature_stats_moments(stats, mean, 3, NULL, 0), GAN_ERR_STATE);
    assert_error_mentions("1 vectors added");
    assert_status(gan_feature_stats_add(stats, one, 1), GAN_OK);
    double covariance[9];
    assert_status(gan_feature_stats_moments(stats, mean, 3, covariance, 9), GAN_OK);
    for (int j = 0; j < 3; j++)
        assert_true(mean[j] == one[j]);
    for (int k = 0; k < 9; k++)
        assert_true(covariance[k] == 0.0);
    assert_status(gan_feature_stats_moments(stats, NULL, 0, NULL, 0), GAN_OK);
    gan_feature_stats_free(stats);
    gan_feature_stats_free(NULL);
}

/* Values around a large common offset, so a one-pass sum of squares would lose them. */
static void moments_match_two_pass(void **state)
{
    (void)state;
    enum { N = 37, D = 5 };
    float *x = random_features(11, N, D, 1000.0f, 1001.0f);
    double mean[D], covariance[D * D];
    two_pass_moments(x, N, D, mean, covariance);
    gan_feature_stats *stats = stats_of(x, N, D);
    expect_moments(stats, mean, covariance, 1e-12);
    gan_feature_stats_free(stats);
    free(x);
}

/* More rows than one chunk (256), added in uneven batches. */
static void batches_give_the_same_moments(void **state)
{
    (void)state;
    enum { N = 700, D = 6 };
    float *x = random_features(12, N, D, -3.0f, 5.0f);
    double mean[D], covariance[D * D];
    two_pass_moments(x, N, D, mean, covariance);
    gan_feature_stats *whole = stats_of(x, N, D), *parts = new_stats(D);
    const int64_t batches[] = {1, 2, 300, 17, 256, 124};
    int64_t done = 0;
    for (size_t k = 0; k < sizeof batches / sizeof batches[0]; k++) {
        assert_status(gan_feature_stats_add(parts, x + done * D, batches[k]), GAN_OK);
        done += batches[k];
    }
    assert_int_equal(done, N);
    assert_int_equal(gan_feature_stats_count(parts), N);
    expect_moments(whole, mean, covariance, 1e-12);
    expect_moments(parts, mean, covariance, 1e-12);

    /* a reset forgets everything: the same vectors again give the same moments */
    assert_status(gan_feature_stats_reset(parts), GAN_OK);
    assert_int_equal(gan_feature_stats_count(parts), 0);
    assert_status(gan_feature_stats_add(parts, x, N), GAN_OK);
    expect_moments(parts, mean, covariance, 1e-12);
    gan_feature_stats_free(whole);
    gan_feature_stats_free(parts);
    free(x);
}

static void stats_reject_bad_arguments(void **state)
{
    (void)state;
    gan_feature_stats *stats = (gan_feature_stats *)&stats; /* must be reset to NULL */
    assert_status(gan_feature_stats_new(NULL, 3), GAN_ERR_INVALID_ARGUMENT);
    const int64_t bad_dimensions[] = {0, -1, 65537};
    for (size_t k = 0; k < 3; k++) {
        stats = (gan_feature_stats *)&stats;
        assert_status(gan_feature_stats_new(&stats, bad_dimensions[k]), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("dimension");
        assert_null(stats);
    }
    assert_int_equal(gan_feature_stats_count(NULL), -1);
    assert_int_equal(gan_feature_stats_dimension(NULL), -1);
    assert_status(gan_feature_stats_reset(NULL), GAN_ERR_INVALID_ARGUMENT);

    stats = new_stats(2);
    const float x[6] = {1, 2, 3, 5, 4, 4};
    assert_status(gan_feature_stats_add(NULL, x, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_feature_stats_add(stats, NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("features");
    assert_status(gan_feature_stats_add(stats, x, -1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("count -1");
    assert_status(gan_feature_stats_add(stats, x, INT64_MAX), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_feature_stats_add(stats, x, 3), GAN_OK);

    double mean[2], covariance[4];
    assert_status(gan_feature_stats_moments(NULL, mean, 2, covariance, 4),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_feature_stats_moments(stats, mean, 1, covariance, 4),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("mean holds 1 doubles; 2 are needed");
    assert_status(gan_feature_stats_moments(stats, mean, 2, covariance, 3),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("covariance holds 3 doubles; 4 are needed");
    assert_status(gan_feature_stats_moments(stats, NULL, 0, covariance, 4), GAN_OK);
    assert_status(gan_feature_stats_moments(stats, mean, 2, NULL, 0), GAN_OK);
    gan_feature_stats_free(stats);
}

/* A value that is not finite anywhere in a batch: GAN_ERR_NUMERIC naming it, nothing added. */
static void stats_reject_non_finite_values(void **state)
{
    (void)state;
    const float good[6] = {1, 2, 3, 5, 4, 4};
    gan_feature_stats *stats = stats_of(good, 3, 2);
    double mean_before[2], cov_before[4], mean_after[2], cov_after[4];
    assert_status(gan_feature_stats_moments(stats, mean_before, 2, cov_before, 4), GAN_OK);
    const float bad_values[] = {NAN, INFINITY, -INFINITY};
    const char *const names[] = {"nan", "inf", "-inf"};
    for (int k = 0; k < 3; k++) {
        float batch[8] = {0, 1, 2, 3, 4, 5, 6, 7};
        batch[5] = bad_values[k]; /* value 1 of vector 2 */
        assert_status(gan_feature_stats_add(stats, batch, 4), GAN_ERR_NUMERIC);
        assert_error_mentions("gan_feature_stats_add: value 1 of vector 2 is");
        assert_error_mentions(names[k]);
        assert_int_equal(gan_feature_stats_count(stats), 3);
        assert_status(gan_feature_stats_moments(stats, mean_after, 2, cov_after, 4), GAN_OK);
        assert_memory_equal(mean_before, mean_after, sizeof mean_before);
        assert_memory_equal(cov_before, cov_after, sizeof cov_before);
    }
    gan_feature_stats_free(stats);
}

/* ---- Fréchet distance: closed forms and properties --------------------------------- */

/* One dimension: a = {0, 2} (mean 1, variance 2), b = {0, 4} (mean 2, variance 8):
 * d = (1 - 2)^2 + 2 + 8 - 2 sqrt(2 * 8) = 3. Two dimensions with diagonal covariances,
 * where d = |mu_a - mu_b|^2 + sum_j (sigma_aj - sigma_bj)^2: a = {(0, 0), (2, 0), (0, 6),
 * (2, 6)} has mean (1, 3) and variances (4/3, 12); b = {(1, 1), (3, 1), (1, 1), (3, 1)} has
 * mean (2, 1) and variances (4/3, 0), a singular covariance; d = 1 + 4 + 0 + 12 = 17. */
static void frechet_closed_forms(void **state)
{
    (void)state;
    gan_feature_stats *a = stats_of((const float[]){0, 2}, 2, 1);
    gan_feature_stats *b = stats_of((const float[]){0, 4}, 2, 1);
    assert_near(frechet(a, b), 3.0, 1e-14);
    assert_near(frechet(b, a), 3.0, 1e-14);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    a = stats_of((const float[]){0, 0, 2, 0, 0, 6, 2, 6}, 4, 2);
    b = stats_of((const float[]){1, 1, 3, 1, 1, 1, 3, 1}, 4, 2);
    assert_near(frechet(a, b), 17.0, 1e-13);
    assert_near(frechet(b, a), 17.0, 1e-13);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
}

/* d(a, a) = 0 up to rounding: within 1e-12 of Tr S_a, also for a rank-deficient
 * covariance (whose null-space eigenvalues are rounding noise of order DBL_EPSILON times
 * its norm: their square roots scale both sides of W^T S_a W, so they enter Tr sqrt as the
 * noise itself, not as its square root). */
static void identical_sets_give_zero(void **state)
{
    (void)state;
    float *x = random_features(21, 80, 7, -2.0f, 3.0f);
    gan_feature_stats *a = stats_of(x, 80, 7), *b = stats_of(x, 80, 7);
    double trace = covariance_trace(a);
    assert_true(frechet(a, b) <= 1e-12 * trace);
    assert_true(frechet(a, a) <= 1e-12 * trace);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    /* 6 vectors of 20 features: rank 5 */
    a = stats_of(x, 6, 20);
    trace = covariance_trace(a);
    assert_true(frechet(a, a) <= 1e-12 * trace);
    gan_feature_stats_free(a);
    free(x);
}

static void frechet_is_symmetric(void **state)
{
    (void)state;
    float *x = random_features(31, 50, 9, -1.0f, 1.0f), *y = random_features(32, 40, 9, 0.0f, 3.0f);
    gan_feature_stats *a = stats_of(x, 50, 9), *b = stats_of(y, 40, 9);
    double ab = frechet(a, b), ba = frechet(b, a);
    assert_true(ab > 0.1);
    assert_near(ab, ba, 1e-12 * ab);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    /* rank-deficient against full rank, both ways */
    a = stats_of(x, 4, 9);
    b = stats_of(y, 40, 9);
    ab = frechet(a, b);
    ba = frechet(b, a);
    assert_near(ab, ba, 1e-9 * ab);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    free(x);
    free(y);
}

/* b = a + v with the same covariance: d = |v|^2. Values on a grid of 1/64 and v on a grid
 * of 1/8 keep a + v exact in float. */
static void translation_adds_squared_norm(void **state)
{
    (void)state;
    enum { N = 60, D = 5 };
    float *x = random_features(41, N, D, -4.0f, 4.0f), *y = new_floats(N * D);
    const float v[D] = {0.5f, -1.25f, 3.0f, 0.0f, -0.125f};
    double norm2 = 0.0;
    for (int j = 0; j < D; j++)
        norm2 += (double)v[j] * v[j];
    for (int k = 0; k < N * D; k++) {
        x[k] = roundf(x[k] * 64.0f) / 64.0f;
        y[k] = x[k] + v[k % D];
    }
    gan_feature_stats *a = stats_of(x, N, D), *b = stats_of(y, N, D);
    double trace = covariance_trace(a);
    assert_near(frechet(a, b), norm2, 1e-12 * (norm2 + trace));
    assert_near(frechet(b, a), norm2, 1e-12 * (norm2 + trace));
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    free(x);
    free(y);
}

/* ---- Fréchet distance against scipy ------------------------------------------------ */


/* `count` vectors of `dimension` floats from the file, read as (float)strtod. */
static float *read_features(golden_text *r, int64_t count, int64_t dimension)
{
    float *features = new_floats((size_t)(count * dimension));
    for (int64_t k = 0; k < count * dimension; k++)
        features[k] = (float)golden_next_number(r);
    return features;
}

/* Agreement: 1e-5 relative, with an absolute floor of 1e-9 times Tr S_a + Tr S_b for
 * references near 0 (the size of d's own rounding in double). b is added in two batches,
 * so the merge is part of what is compared. Returns the relative error of the worse way. */
static double check_golden_case(const char *name, const float *x, int64_t count_a,
                                const float *y, int64_t count_b, int64_t dimension, double want)
{
    gan_feature_stats *a = stats_of(x, count_a, dimension), *b = new_stats(dimension);
    int64_t first = count_b / 3;
    assert_status(gan_feature_stats_add(b, y, first), GAN_OK);
    assert_status(gan_feature_stats_add(b, y + first * dimension, count_b - first), GAN_OK);
    double floor = 1e-9 * (covariance_trace(a) + covariance_trace(b)), worst = 0.0;
    const double got[2] = {frechet(a, b), frechet(b, a)};
    for (int way = 0; way < 2; way++) {
        if (!(fabs(got[way] - want) <= 1e-5 * fabs(want) + floor)) {
            print_error("%s: d(%s) = %.17g, scipy %.17g\n", name, way ? "b, a" : "a, b",
                        got[way], want);
            fail();
        }
        worst = fmax(worst, fabs(got[way] - want) / fabs(want));
    }
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    return worst;
}

static void frechet_matches_scipy(void **state)
{
    (void)state;
    golden_text r;
    golden_open(&r, "fid.txt", "fid-golden");
    int cases = 0, dimension_one = 0, fewer_than_dimension = 0;
    double worst = 0.0;
    for (const char *token = golden_next(&r); strcmp(token, "eof") != 0; token = golden_next(&r)) {
        assert_string_equal(token, "case");
        char name[64];
        snprintf(name, sizeof name, "%s", golden_next(&r));
        int64_t dimension = (int64_t)golden_next_number(&r), count_a = (int64_t)golden_next_number(&r),
                count_b = (int64_t)golden_next_number(&r);
        float *x = read_features(&r, count_a, dimension);
        float *y = read_features(&r, count_b, dimension);
        assert_string_equal(golden_next(&r), "distance");
        double want = golden_next_number(&r);
        assert_string_equal(golden_next(&r), "end");
        worst = fmax(worst, check_golden_case(name, x, count_a, y, count_b, dimension, want));
        dimension_one += dimension == 1;
        fewer_than_dimension += count_a < dimension || count_b < dimension;
        cases++;
        free(x);
        free(y);
    }
    fclose(r.file);
    print_message("# %d cases, largest relative difference from scipy %.3g\n", cases, worst);
    assert_true(cases >= 10 && dimension_one >= 1 && fewer_than_dimension >= 2);
}

/* ---- Fréchet distance: errors ------------------------------------------------------ */

static void frechet_rejects_bad_arguments(void **state)
{
    (void)state;
    const float x[6] = {1, 2, 3, 5, 4, 4};
    gan_feature_stats *a = stats_of(x, 3, 2), *b = stats_of(x, 3, 2), *one = stats_of(x, 1, 2),
                      *wide = stats_of(x, 2, 3);
    double distance = 42.0;
    assert_status(gan_frechet_distance(NULL, b, &distance), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'a' is NULL");
    assert_status(gan_frechet_distance(a, NULL, &distance), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'b' is NULL");
    assert_status(gan_frechet_distance(a, b, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'distance' is NULL");
    assert_status(gan_frechet_distance(a, wide, &distance), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("a has dimension 2, b 3");
    assert_status(gan_frechet_distance(one, b, &distance), GAN_ERR_STATE);
    assert_error_mentions("a holds 1 vectors, b 3");
    assert_status(gan_frechet_distance(a, one, &distance), GAN_ERR_STATE);
    assert_error_mentions("a holds 3 vectors, b 1");
    assert_true(distance == 42.0);
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    gan_feature_stats_free(one);
    gan_feature_stats_free(wide);
}

/* Each allocation of gan_feature_stats_new and gan_frechet_distance fails in turn: the
 * call reports GAN_ERR_OUT_OF_MEMORY and leaves no block behind. */
static void failed_allocations_leak_nothing(void **state)
{
    (void)state;
    float *x = random_features(51, 12, 4, 0.0f, 1.0f);
    int fresh_successes = 0;
    for (long k = 1; k < 10 && !fresh_successes; k++) {
        long live = group_allocator.live;
        group_allocator.fail_at = group_allocator.calls + k;
        gan_feature_stats *stats = (gan_feature_stats *)&stats;
        gan_status status = gan_feature_stats_new(&stats, 4);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            assert_int_equal(k, 3); /* the struct and the arrays */
            gan_feature_stats_free(stats);
            fresh_successes = 1;
        } else {
            assert_status(status, GAN_ERR_OUT_OF_MEMORY);
            assert_null(stats);
        }
        assert_int_equal(group_allocator.live, live);
    }
    assert_true(fresh_successes);

    gan_feature_stats *a = stats_of(x, 12, 4), *b = stats_of(x, 6, 4);
    double want = frechet(a, b);
    for (long k = 1;; k++) {
        long live = group_allocator.live;
        group_allocator.fail_at = group_allocator.calls + k;
        double distance = -1.0;
        gan_status status = gan_frechet_distance(a, b, &distance);
        group_allocator.fail_at = 0;
        assert_int_equal(group_allocator.live, live);
        if (status == GAN_OK) {
            assert_int_equal(k, 6); /* the matrices, then two workspaces per dsyevd */
            assert_true(distance == want);
            break;
        }
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        assert_error_mentions("out of memory");
        assert_true(distance == -1.0);
    }
    gan_feature_stats_free(a);
    gan_feature_stats_free(b);
    free(x);
}

/* ---- classifier score -------------------------------------------------------------- */

static double score(const float *p, int64_t count, int64_t classes, int64_t splits,
                    double *spread)
{
    double mean = -1.0;
    assert_status(gan_classifier_score(p, count, classes, splits, &mean, spread), GAN_OK);
    return mean;
}

/* Confident and balanced over K classes: exp(log K) = K, in every split. */
static void score_of_balanced_one_hot_is_k(void **state)
{
    (void)state;
    enum { K = 4, N = 16 };
    float p[N * K] = {0};
    for (int i = 0; i < N; i++)
        p[i * K + i % K] = 1.0f;
    double spread = -1.0;
    assert_near(score(p, N, K, 1, &spread), K, 1e-13);
    assert_true(spread == 0.0);
    assert_near(score(p, N, K, 4, &spread), K, 1e-13);
    assert_true(spread == 0.0); /* all four parts the same */
    assert_near(score(p, N, K, 2, NULL), K, 1e-13);
}

static void score_of_identical_rows_is_one(void **state)
{
    (void)state;
    enum { N = 9, K = 3 };
    float p[N * K];
    for (int i = 0; i < N; i++) {
        p[i * K] = 0.2f;
        p[i * K + 1] = 0.3f;
        p[i * K + 2] = 0.5f;
    }
    double spread = -1.0;
    assert_near(score(p, N, K, 3, &spread), 1.0, 1e-14);
    assert_true(spread <= 1e-15);
}

/* Rows (1, 0) and (0.5, 0.5): p(y) = (0.75, 0.25);
 *   KL_1 = 1 log(1 / 0.75) = log(4/3)
 *   KL_2 = 0.5 log(0.5 / 0.75) + 0.5 log(0.5 / 0.25) = 0.5 log(2/3 * 2) = 0.5 log(4/3)
 * mean 0.75 log(4/3), score (4/3)^0.75 = 1.2408064788027997. The zero uses 0 log 0 = 0. */
static void score_of_a_hand_computed_table(void **state)
{
    (void)state;
    const float p[4] = {1.0f, 0.0f, 0.5f, 0.5f};
    assert_near(score(p, 2, 2, 1, NULL), pow(4.0 / 3.0, 0.75), 1e-15);
    assert_near(score(p, 2, 2, 1, NULL), 1.2408064788027997, 1e-15);
}

/* 7 rows in 2 splits of 3: rows 0-2 one-hot over 3 classes (score 3), rows 3-5 uniform
 * (score 1), row 6 left out. Mean 2, standard deviation (divided by 2) 1. */
static void score_splits_drop_the_remainder(void **state)
{
    (void)state;
    const float third = 1.0f / 3.0f;
    float p[7 * 3] = {1, 0, 0, 0, 1, 0, 0, 0, 1, third, third, third, third, third, third,
                      third, third, third, 1, 0, 0};
    double spread = -1.0;
    assert_near(score(p, 7, 3, 2, &spread), 2.0, 1e-6);
    assert_near(spread, 1.0, 1e-6);
    /* row 6 counts in one split of 7 */
    assert_true(fabs(score(p, 7, 3, 1, NULL) - score(p, 6, 3, 1, NULL)) > 0.01);
    /* but it is still checked */
    p[18] = 2.0f;
    double mean = -1.0;
    assert_status(gan_classifier_score(p, 7, 3, 2, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("row 6");
}

static void score_rejects_bad_tables(void **state)
{
    (void)state;
    float p[4 * 3] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5f, 0.5f, 0};
    double mean = -1.0;
    assert_status(gan_classifier_score(NULL, 4, 3, 1, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_classifier_score(p, 4, 3, 1, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_classifier_score(p, 4, 1, 1, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("classes 1");
    assert_status(gan_classifier_score(p, 4, 3, 0, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("splits 0");
    assert_status(gan_classifier_score(p, 4, 3, 5, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("count 4");
    assert_status(gan_classifier_score(p, INT64_MAX, 3, 1, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_true(mean == -1.0);

    const struct {
        int index;
        float value;
        const char *says;
    } bad[] = {
        {4, -0.25f, "row 1 is not a probability distribution: value 1 is -0.25"},
        {10, NAN, "row 3 is not a probability distribution: value 1 is nan"},
        {0, INFINITY, "row 0 is not a probability distribution: value 0 is inf"},
        {9, 0.4f, "row 3 sums to 0.9"},
        {8, 1.5f, "row 2 sums to 1.5;"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        float saved = p[bad[k].index];
        p[bad[k].index] = bad[k].value;
        assert_status(gan_classifier_score(p, 4, 3, 2, &mean, NULL), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions(bad[k].says);
        p[bad[k].index] = saved;
    }
    assert_true(mean == -1.0);
    p[8] = 1.0009f; /* within 1e-3 of 1 */
    assert_true(score(p, 4, 3, 1, NULL) > 1.0);
}

/* ---- class histogram and coverage -------------------------------------------------- */

static void histogram_counts_the_most_probable_class(void **state)
{
    (void)state;
    const float logits[5 * 3] = {
        -1.0f, 2.0f, 0.5f,   /* 1 */
        0.5f, 0.5f, 0.0f,    /* tie: 0 */
        1.0f, 3.0f, 3.0f,    /* tie: 1 */
        -5.0f, -4.0f, -3.0f, /* 2 */
        7.0f, 7.0f, 7.0f,    /* tie: 0 */
    };
    int64_t histogram[3] = {-1, -1, -1};
    assert_status(gan_class_histogram(logits, 5, 3, histogram), GAN_OK);
    assert_int_equal(histogram[0], 2);
    assert_int_equal(histogram[1], 2);
    assert_int_equal(histogram[2], 1);
    assert_status(gan_class_histogram(logits, 0, 3, histogram), GAN_OK);
    assert_int_equal(histogram[0] + histogram[1] + histogram[2], 0);
    assert_status(gan_class_histogram(logits, 3, 1, histogram), GAN_OK); /* one class */
    assert_int_equal(histogram[0], 3);
}

static void histogram_rejects_bad_arguments(void **state)
{
    (void)state;
    float logits[2 * 3] = {0, 1, 2, 3, 4, 5};
    int64_t histogram[3] = {-7, -7, -7};
    assert_status(gan_class_histogram(NULL, 2, 3, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_histogram(logits, 2, 3, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_histogram(logits, -1, 3, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_histogram(logits, 2, 0, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_histogram(logits, INT64_MAX, 3, histogram), GAN_ERR_INVALID_ARGUMENT);
    logits[5] = NAN;
    assert_status(gan_class_histogram(logits, 2, 3, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("value 2 of row 1 is nan");
    logits[5] = -INFINITY;
    assert_status(gan_class_histogram(logits, 2, 3, histogram), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("value 2 of row 1 is -inf");
    assert_true(histogram[0] == -7 && histogram[1] == -7 && histogram[2] == -7);
}

/* KL(h || uniform) = sum h_j log(K h_j): 0 when balanced, log K for one class; for
 * h = (3, 1)/4: 0.75 log 1.5 + 0.25 log 0.5. */
static void coverage_measures_distance_from_uniform(void **state)
{
    (void)state;
    int64_t present = -1;
    double kl = -1.0;
    assert_status(gan_class_coverage((const int64_t[]){5, 5, 5, 5, 5}, 5, &present, &kl), GAN_OK);
    assert_int_equal(present, 5);
    assert_true(kl == 0.0);
    assert_status(gan_class_coverage((const int64_t[]){0, 0, 9, 0}, 4, &present, &kl), GAN_OK);
    assert_int_equal(present, 1);
    assert_near(kl, log(4.0), 1e-15);
    assert_status(gan_class_coverage((const int64_t[]){3, 1}, 2, &present, &kl), GAN_OK);
    assert_int_equal(present, 2);
    assert_near(kl, 0.75 * log(1.5) + 0.25 * log(0.5), 1e-15);
    assert_status(gan_class_coverage((const int64_t[]){3, 0, 1}, 3, NULL, &kl), GAN_OK);
    assert_near(kl, 0.75 * log(2.25) + 0.25 * log(0.75), 1e-15);
    assert_status(gan_class_coverage((const int64_t[]){3, 0, 1}, 3, &present, NULL), GAN_OK);
    assert_int_equal(present, 2);
    assert_status(gan_class_coverage((const int64_t[]){7}, 1, &present, &kl), GAN_OK);
    assert_true(present == 1 && kl == 0.0);
}

static void coverage_rejects_bad_histograms(void **state)
{
    (void)state;
    int64_t present = -1;
    double kl = -1.0;
    assert_status(gan_class_coverage(NULL, 3, &present, &kl), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_coverage((const int64_t[]){1}, 0, &present, &kl),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_class_coverage((const int64_t[]){0, 0, 0}, 3, &present, &kl),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("all 3 counts are 0");
    assert_status(gan_class_coverage((const int64_t[]){4, -1, 2}, 3, &present, &kl),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("class 1 has count -1");
    assert_true(present == -1 && kl == -1.0);
}

/* ---- classifier features ----------------------------------------------------------- */

/*
 * Dense 4 -> 3, ReLU, Dense 3 -> 2, with
 *   W1 = [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]], b1 = [0, -1, 0.5]
 *   W2 = [[1, -1, 0.5], [0, 2, -1]],                 b2 = [0.25, 0]
 * On the inputs (1, 2, 3, 4), (-1, 0, 1, 0), (2, -2, 0, 1):
 *   layer 0  (1, 1, 10.5)    (-1, -1, 0.5)   (2, -3, 1.5)
 *   layer 1  (1, 1, 10.5)    (0, 0, 0.5)     (2, 0, 1.5)
 *   logits   (5.5, -8.5)     (0.5, -0.5)     (3, -1.5)
 * and the softmax of (u, v) is (1 / (1 + e^(v - u)), 1 / (1 + e^(u - v))).
 */
enum { SAMPLES = 3 };
static const float INPUTS[SAMPLES * 4] = {1, 2, 3, 4, -1, 0, 1, 0, 2, -2, 0, 1};
static const float LAYER0[SAMPLES * 3] = {1, 1, 10.5f, -1, -1, 0.5f, 2, -3, 1.5f};
static const float LAYER1[SAMPLES * 3] = {1, 1, 10.5f, 0, 0, 0.5f, 2, 0, 1.5f};
static const float LOGITS[SAMPLES * 2] = {5.5f, -8.5f, 0.5f, -0.5f, 3.0f, -1.5f};

static void set_parameter(gan_model *model, int index, const char *want_name, const float *values)
{
    const char *name = NULL;
    gan_tensor *value = NULL;
    assert_status(gan_model_named_parameter(model, index, &name, &value, NULL), GAN_OK);
    assert_string_equal(name, want_name);
    assert_status(gan_tensor_copy_from(value, values, (size_t)gan_tensor_numel(value)), GAN_OK);
}

static void add_layer(gan_model *model, gan_layer *layer)
{
    assert_status(gan_model_add(model, layer), GAN_OK);
}

static gan_layer *relu(void)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_relu(&layer), GAN_OK);
    return layer;
}

static gan_layer *tanh_layer(void)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_tanh(&layer), GAN_OK);
    return layer;
}

/* Dense 4 -> 3, `activation`, Dense 3 -> 2 with the weights above, in evaluation mode. */
static gan_model *classifier_with(gan_layer *activation)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    add_layer(model, new_dense(4, 3, NULL));
    add_layer(model, activation);
    add_layer(model, new_dense(3, 2, NULL));
    set_parameter(model, 0, "0.weight", (const float[]){1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1});
    set_parameter(model, 1, "0.bias", (const float[]){0, -1, 0.5f});
    set_parameter(model, 2, "2.weight", (const float[]){1, -1, 0.5f, 0, 2, -1});
    set_parameter(model, 3, "2.bias", (const float[]){0.25f, 0});
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    return model;
}

static gan_model *hand_built_classifier(void)
{
    return classifier_with(relu());
}

/* Compared as values: the ReLU may write -0 for 0. */
static void expect_floats(const float *got, const float *want, size_t count)
{
    for (size_t k = 0; k < count; k++)
        assert_near(got[k], want[k], 0.0);
}

static gan_tensor *input_batch(const float *values)
{
    return tensor_of(2, (const int64_t[]){SAMPLES, 4}, values);
}

static void expect_probabilities(const float *p)
{
    for (int i = 0; i < SAMPLES; i++) {
        double u = LOGITS[2 * i], v = LOGITS[2 * i + 1];
        assert_near(p[2 * i], 1.0 / (1.0 + exp(v - u)), 1e-7);
        assert_near(p[2 * i + 1], 1.0 / (1.0 + exp(u - v)), 1e-7);
    }
}

/* The stats hold exactly the SAMPLES vectors `features` of `dimension`. */
static void expect_stats_of(const gan_feature_stats *stats, const float *features,
                            int64_t dimension)
{
    double mean[3], covariance[9];
    assert_int_equal(gan_feature_stats_count(stats), SAMPLES);
    two_pass_moments(features, SAMPLES, dimension, mean, covariance);
    expect_moments(stats, mean, covariance, 1e-13);
}

static void classifier_features_of_a_hand_built_model(void **state)
{
    (void)state;
    gan_model *model = hand_built_classifier();
    gan_tensor *images = input_batch(INPUTS);
    float p[SAMPLES * 2 + 1];
    p[SAMPLES * 2] = 42.0f; /* past the end: untouched */
    gan_feature_stats *penultimate = new_stats(3), *first = new_stats(3), *logits = new_stats(2);
    assert_status(gan_classifier_features(model, 1, images, penultimate, p, SAMPLES * 2 + 1),
                  GAN_OK);
    expect_probabilities(p);
    assert_true(p[SAMPLES * 2] == 42.0f);
    expect_stats_of(penultimate, LAYER1, 3);
    assert_status(gan_classifier_features(model, 0, images, first, NULL, 0), GAN_OK);
    expect_stats_of(first, LAYER0, 3);
    assert_status(gan_classifier_features(model, 2, images, logits, NULL, 0), GAN_OK);
    expect_stats_of(logits, LOGITS, 2);
    /* no features wanted; a layer without statistics is fine too */
    memset(p, 0, sizeof p);
    assert_status(gan_classifier_features(model, -1, images, NULL, p, SAMPLES * 2), GAN_OK);
    expect_probabilities(p);
    assert_status(gan_classifier_features(model, 1, images, NULL, NULL, 0), GAN_OK);
    /* batches add up */
    assert_status(gan_classifier_features(model, 1, images, penultimate, NULL, 0), GAN_OK);
    assert_int_equal(gan_feature_stats_count(penultimate), 2 * SAMPLES);
    gan_feature_stats_free(penultimate);
    gan_feature_stats_free(first);
    gan_feature_stats_free(logits);
    gan_tensor_free(images);
    gan_model_free(model);
}

/* A failed call adds nothing to the statistics and writes no probability. */
static void expect_nothing_written(const gan_feature_stats *stats, const float *p, size_t n)
{
    assert_int_equal(gan_feature_stats_count(stats), 0);
    for (size_t k = 0; k < n; k++)
        assert_true(p[k] == -1.0f);
}

static void classifier_features_reject_bad_arguments(void **state)
{
    (void)state;
    gan_model *model = hand_built_classifier();
    gan_tensor *images = input_batch(INPUTS);
    gan_feature_stats *stats = new_stats(3), *wrong = new_stats(4);
    float p[SAMPLES * 2] = {-1, -1, -1, -1, -1, -1};
    assert_status(gan_classifier_features(NULL, 1, images, stats, p, 6), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_classifier_features(model, 1, NULL, stats, p, 6), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_classifier_features(model, 3, images, stats, p, 6),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("feature layer 3 does not exist; the classifier has 3 layers");
    assert_status(gan_classifier_features(model, -2, images, stats, p, 6),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_classifier_features(model, -1, images, stats, p, 6),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("without a feature layer");
    assert_status(gan_classifier_features(model, 1, images, stats, p, 5), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("probabilities holds 5 floats; 3 samples of 2 classes need 6");
    assert_status(gan_classifier_features(model, 1, images, wrong, p, 6), GAN_ERR_SHAPE);
    assert_error_mentions("layer 1's output is [3, 3], 3 features per sample; the statistics "
                          "have dimension 4");
    expect_nothing_written(stats, p, 6);
    expect_nothing_written(wrong, p, 6);

    gan_tensor *odd = tensor_of(2, (const int64_t[]){SAMPLES, 5}, NULL);
    assert_status(gan_classifier_features(model, 1, odd, stats, p, 6), GAN_ERR_SHAPE);
    gan_tensor_free(odd);

    /* logits that are not finite: x0 + x3 of sample 1 overflows to +inf in unit 2 of
     * layer 0, so the logits are (+inf, -inf) */
    float inputs[SAMPLES * 4];
    memcpy(inputs, INPUTS, sizeof inputs);
    inputs[4] = inputs[7] = 3e38f;
    gan_tensor *bad = input_batch(inputs);
    assert_status(gan_classifier_features(model, 1, bad, stats, p, 6), GAN_ERR_NUMERIC);
    assert_error_mentions("logit 0 of sample 1 is inf");
    expect_nothing_written(stats, p, 6);
    gan_tensor_free(bad);
    /* features that are not finite under finite logits: x0 + x1 of sample 2 overflows to
     * -inf in unit 2 of layer 0, which a Tanh turns into -1 */
    memcpy(inputs, INPUTS, sizeof inputs);
    inputs[8] = inputs[9] = -3e38f;
    bad = input_batch(inputs);
    gan_model *squashing = classifier_with(tanh_layer());
    assert_status(gan_classifier_features(squashing, 0, bad, stats, p, 6), GAN_ERR_NUMERIC);
    assert_error_mentions("gan_classifier_features: layer 0's output: value 2 of vector 2 is -inf");
    expect_nothing_written(stats, p, 6);
    assert_status(gan_classifier_features(squashing, 1, bad, stats, NULL, 0), GAN_OK);
    gan_model_free(squashing);
    gan_tensor_free(bad);
    gan_feature_stats_free(stats);
    gan_feature_stats_free(wrong);

    /* an output that is not [N, classes] */
    gan_layer *reshape = NULL;
    assert_status(gan_layer_reshape(&reshape, 2, (const int64_t[]){1, 2}), GAN_OK);
    add_layer(model, reshape);
    assert_status(gan_classifier_features(model, -1, images, NULL, p, 6), GAN_ERR_SHAPE);
    assert_error_mentions("the classifier's output is [3, 1, 2]");
    gan_tensor_free(images);
    gan_model_free(model);
}

static void layer_output_rules(void **state)
{
    (void)state;
    gan_model *model = hand_built_classifier();
    gan_tensor *images = input_batch(INPUTS);
    const gan_tensor *output = (const gan_tensor *)&output, *logits = NULL;
    assert_status(gan_model_layer_output(model, 0, &output), GAN_ERR_STATE);
    assert_error_mentions("no forward pass");
    assert_null(output);
    assert_status(gan_model_forward(model, images, &logits), GAN_OK);
    assert_status(gan_model_layer_output(NULL, 0, &output), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_layer_output(model, 0, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_layer_output(model, 3, &output), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("layer 3 does not exist");
    assert_status(gan_model_layer_output(model, -1, &output), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_layer_output(model, 1, &output), GAN_OK);
    assert_int_equal(gan_tensor_rank(output), 2);
    assert_int_equal(gan_tensor_dim(output, 0), SAMPLES);
    assert_int_equal(gan_tensor_dim(output, 1), 3);
    expect_floats(gan_tensor_data_const(output), LAYER1, SAMPLES * 3);
    assert_status(gan_model_layer_output(model, 2, &output), GAN_OK);
    expect_floats(gan_tensor_data_const(output), gan_tensor_data_const(logits), SAMPLES * 2);
    expect_floats(gan_tensor_data_const(output), LOGITS, SAMPLES * 2);
    /* a pass refused for its input's shape never started: the last one stays readable */
    gan_tensor *odd = tensor_of(2, (const int64_t[]){SAMPLES, 5}, NULL);
    assert_status(gan_model_forward(model, odd, &logits), GAN_ERR_SHAPE);
    assert_status(gan_model_layer_output(model, 1, &output), GAN_OK);
    expect_floats(gan_tensor_data_const(output), LAYER1, SAMPLES * 3);
    gan_tensor_free(odd);
    /* a change to the model leaves nothing to read */
    add_layer(model, relu());
    assert_status(gan_model_layer_output(model, 1, &output), GAN_ERR_STATE);
    assert_null(output);
    gan_model_free(model);

    /* nor does a pass that failed on the way: Dropout in training mode without a generator */
    gan_layer *dropout = NULL;
    assert_status(gan_layer_dropout(&dropout, 0.5f), GAN_OK);
    model = classifier_with(dropout);
    assert_status(gan_model_forward(model, images, &logits), GAN_OK);
    assert_status(gan_model_set_training(model, 1), GAN_OK);
    assert_status(gan_model_forward(model, images, &logits), GAN_ERR_STATE);
    assert_status(gan_model_layer_output(model, 0, &output), GAN_ERR_STATE);
    gan_tensor_free(images);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_start_empty),
        cmocka_unit_test(moments_match_two_pass),
        cmocka_unit_test(batches_give_the_same_moments),
        cmocka_unit_test(stats_reject_bad_arguments),
        cmocka_unit_test(stats_reject_non_finite_values),
        cmocka_unit_test(frechet_closed_forms),
        cmocka_unit_test(identical_sets_give_zero),
        cmocka_unit_test(frechet_is_symmetric),
        cmocka_unit_test(translation_adds_squared_norm),
        cmocka_unit_test(frechet_matches_scipy),
        cmocka_unit_test(frechet_rejects_bad_arguments),
        cmocka_unit_test(failed_allocations_leak_nothing),
        cmocka_unit_test(score_of_balanced_one_hot_is_k),
        cmocka_unit_test(score_of_identical_rows_is_one),
        cmocka_unit_test(score_of_a_hand_computed_table),
        cmocka_unit_test(score_splits_drop_the_remainder),
        cmocka_unit_test(score_rejects_bad_tables),
        cmocka_unit_test(histogram_counts_the_most_probable_class),
        cmocka_unit_test(histogram_rejects_bad_arguments),
        cmocka_unit_test(coverage_measures_distance_from_uniform),
        cmocka_unit_test(coverage_rejects_bad_histograms),
        cmocka_unit_test(classifier_features_of_a_hand_built_model),
        cmocka_unit_test(classifier_features_reject_bad_arguments),
        cmocka_unit_test(layer_output_rules),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
