/*
 * The Fréchet distance between N(mu_a, S_a) and N(mu_b, S_b):
 *   d = |mu_a - mu_b|^2 + Tr S_a + Tr S_b - 2 Tr sqrt(sqrt(S_a) S_b sqrt(S_a))
 * in double precision, on the symmetric form, with two symmetric eigendecompositions:
 *   S_a = V diag(l) V^T                 (dsyevd; l ascending)
 *   W   = V diag(sqrt(max(l, 0)))       (so sqrt(S_a) = W V^T)
 *   M   = W^T S_b W                     (dsymm, dgemm; then symmetrised)
 *   Tr sqrt(sqrt(S_a) S_b sqrt(S_a)) = sum sqrt(max(m, 0)) over the eigenvalues m of M
 * because sqrt(S_a) S_b sqrt(S_a) = V M V^T has the eigenvalues of M, which costs one
 * matrix product less than forming it. The columns of W whose eigenvalue is not positive
 * are zero, so only the r positive ones (the last r) enter M, which is r x r: a set with
 * fewer vectors than features costs little.
 *
 * Rounding. The covariances are positive semi-definite by construction (sums of outer
 * products). Rounding in their accumulation and in dsyevd moves eigenvalues by a small
 * multiple of DBL_EPSILON times the matrix's norm (the multiple grows with the dimension
 * and the number of chunks added, and stays far below 1e8 for any size libgan can hold).
 * So a negative eigenvalue down to -sqrt(DBL_EPSILON) (about -1.5e-8) times the norm counts
 * as rounding and is taken as 0; anything lower is GAN_ERR_NUMERIC, as is a NaN (a genuinely
 * indefinite matrix is off by a good fraction of its norm). The norm of S_a is its largest
 * eigenvalue magnitude; that of M is at most max(l) Tr S_b. With that checked, a negative
 * distance can only come from rounding, and is returned as 0.
 *
 * Every matrix is square and symmetric, so row-major and column-major storage agree.
 * LAPACKE is called column-major, where it allocates nothing itself, with its workspaces
 * from gan__alloc.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "gan/eval.h"

static const double ROUNDING_TOLERANCE = 1.4901161193847656e-08; /* sqrt(DBL_EPSILON) */

/* The arrays of one computation, carved from one block. */
typedef struct frechet_arrays {
    double *mean_a, *mean_b, *values;     /* n each */
    double *sigma_a, *sigma_b, *product;  /* n x n each */
    double *block;
} frechet_arrays;

/* Eigenvalues (ascending, into @p values) and, when @p jobz is 'V', eigenvectors (into the
 * columns of @p a) of the symmetric n x n matrix @p a; @p what names it in messages. */
static gan_status symmetric_eigen(char jobz, int n, double *a, double *values, const char *what)
{
    double work_size = 0.0;
    lapack_int iwork_size = 0;
    lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, 'U', n, a, n, values,
                                          &work_size, -1, &iwork_size, -1);
    if (info != 0)
        return gan__fail(GAN_ERR_NUMERIC, "gan_frechet_distance: dsyevd's workspace query for "
                         "%s failed (info %d)", what, (int)info);
    double *work = gan__calloc_array((size_t)work_size, sizeof(double), "dsyevd workspace");
    lapack_int *iwork = work ? gan__calloc_array((size_t)iwork_size, sizeof(lapack_int),
                                                 "dsyevd integer workspace")
                             : NULL;
    gan_status status = GAN_ERR_OUT_OF_MEMORY;
    if (iwork) {
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, 'U', n, a, n, values, work,
                                   (lapack_int)work_size, iwork, iwork_size);
        status = info == 0 ? GAN_OK
                           : gan__fail(GAN_ERR_NUMERIC, "gan_frechet_distance: the "
                                       "eigendecomposition of %s failed (dsyevd info %d)", what,
                                       (int)info);
    }
    gan__free(work);
    gan__free(iwork);
    return status;
}

/* Fails unless each of the n @p values is at least -ROUNDING_TOLERANCE * @p norm. */
static gan_status check_semidefinite(const double *values, int n, double norm, const char *what)
{
    for (int i = 0; i < n; i++)
        if (!(values[i] >= -ROUNDING_TOLERANCE * norm))
            return gan__fail(GAN_ERR_NUMERIC, "gan_frechet_distance: %s is not positive "
                             "semi-definite: eigenvalue %g, where rounding explains down to %g",
                             what, values[i], -ROUNDING_TOLERANCE * norm);
    return GAN_OK;
}

static double trace(const double *matrix, int n)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += matrix[(size_t)i * n + i];
    return sum;
}

/* Tr sqrt(sqrt(S_a) S_b sqrt(S_a)), overwriting S_a, S_b, product and values. */
static gan_status trace_sqrt_product(const frechet_arrays *m, int n, double trace_b,
                                     double *out)
{
    gan_status status = symmetric_eigen('V', n, m->sigma_a, m->values, "the covariance of a");
    if (status != GAN_OK)
        return status;
    double largest = fmax(fabs(m->values[0]), fabs(m->values[n - 1]));
    status = check_semidefinite(m->values, n, largest, "the covariance of a");
    if (status != GAN_OK)
        return status;
    int first = 0; /* the first positive eigenvalue; W is columns first..n-1 of V, scaled */
    while (first < n && !(m->values[first] > 0.0))
        first++;
    int r = n - first;
    double *w = m->sigma_a + (size_t)first * n;
    for (int j = 0; j < r; j++)
        cblas_dscal(n, sqrt(m->values[first + j]), w + (size_t)j * n, 1);
    *out = 0.0;
    if (r == 0)
        return GAN_OK;

    double *product = m->product, *mm = m->sigma_b; /* M (r x r) replaces S_b once used */
    cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, n, r, 1.0, m->sigma_b, n, w, n, 0.0,
                product, n);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r, r, n, 1.0, w, n, product, n, 0.0,
                mm, r);
    for (int i = 0; i < r; i++)
        for (int j = i + 1; j < r; j++)
            mm[(size_t)i * r + j] = mm[(size_t)j * r + i] =
                0.5 * (mm[(size_t)i * r + j] + mm[(size_t)j * r + i]);
    const char *what = "sqrt(covariance of a) covariance of b sqrt(covariance of a)";
    status = symmetric_eigen('N', r, mm, m->values, what);
    if (status == GAN_OK)
        status = check_semidefinite(m->values, r, largest * trace_b, what);
    for (int i = 0; status == GAN_OK && i < r; i++)
        *out += sqrt(fmax(m->values[i], 0.0));
    return status;
}

static gan_status frechet_of_moments(const frechet_arrays *m, int n, double *distance)
{
    double mean_term = 0.0;
    for (int i = 0; i < n; i++)
        mean_term += (m->mean_a[i] - m->mean_b[i]) * (m->mean_a[i] - m->mean_b[i]);
    double trace_a = trace(m->sigma_a, n), trace_b = trace(m->sigma_b, n), trace_sqrt;
    gan_status status = trace_sqrt_product(m, n, trace_b, &trace_sqrt);
    if (status != GAN_OK)
        return status;
    double d = mean_term + trace_a + trace_b - 2.0 * trace_sqrt;
    if (!isfinite(d))
        return gan__fail(GAN_ERR_NUMERIC, "gan_frechet_distance: the distance is %g (means "
                         "%g, traces %g and %g, trace of the root %g)", d, mean_term, trace_a,
                         trace_b, trace_sqrt);
    *distance = d > 0.0 ? d : 0.0;
    return GAN_OK;
}

/* The checks that need no memory: arguments, dimensions, counts, LAPACK's index range. */
static gan_status check_sets(const gan_feature_stats *a, const gan_feature_stats *b,
                             const double *distance)
{
    if (!a)
        return gan__null("gan_frechet_distance", "a");
    if (!b)
        return gan__null("gan_frechet_distance", "b");
    if (!distance)
        return gan__null("gan_frechet_distance", "distance");
    int64_t n = gan_feature_stats_dimension(a);
    if (gan_feature_stats_dimension(b) != n)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_frechet_distance: a has dimension %lld, "
                         "b %lld; they must be the same", (long long)n,
                         (long long)gan_feature_stats_dimension(b));
    int64_t count_a = gan_feature_stats_count(a), count_b = gan_feature_stats_count(b);
    if (count_a < 2 || count_b < 2)
        return gan__fail(GAN_ERR_STATE, "gan_frechet_distance: a holds %lld vectors, b %lld; "
                         "each needs at least 2", (long long)count_a, (long long)count_b);
    return GAN_OK;
}

gan_status gan_frechet_distance(const gan_feature_stats *a, const gan_feature_stats *b,
                                double *distance)
{
    gan_status status = check_sets(a, b, distance);
    if (status != GAN_OK)
        return status;
    int n = (int)gan_feature_stats_dimension(a);
    size_t d = (size_t)n, doubles;
    if (!gan__mul_size(d, 3 * d + 3, &doubles))
        return gan__fail(GAN_ERR_OVERFLOW, "gan_frechet_distance: the matrices of dimension %d "
                         "do not fit in memory", n);
    frechet_arrays m = {.block = gan__calloc_array(doubles, sizeof(double),
                                                   "Fréchet distance matrices")};
    if (!m.block)
        return GAN_ERR_OUT_OF_MEMORY;
    m.mean_a = m.block;
    m.mean_b = m.mean_a + d;
    m.values = m.mean_b + d;
    m.sigma_a = m.values + d;
    m.sigma_b = m.sigma_a + d * d;
    m.product = m.sigma_b + d * d;
    status = gan_feature_stats_moments(a, m.mean_a, d, m.sigma_a, d * d);
    if (status == GAN_OK)
        status = gan_feature_stats_moments(b, m.mean_b, d, m.sigma_b, d * d);
    if (status == GAN_OK)
        status = frechet_of_moments(&m, n, distance);
    gan__free(m.block);
    return status;
}
