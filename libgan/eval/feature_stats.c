/*
 * The running mean and covariance of feature vectors, in double precision, merged one
 * chunk of rows at a time (Chan, Golub and LeVeque, "Updating formulae and a pairwise
 * algorithm for computing sample variances", 1979):
 *   chunk of m rows x_1..x_m:  b = (1/m) sum x_i,   C = sum (x_i - b)(x_i - b)^T
 *   merged with n rows so far (mean a, M2):
 *     delta = b - a,   a += delta * m / (n + m),   M2 += C + delta delta^T * n m / (n + m)
 * C comes from one dsyrk over the chunk, centred on its own mean and converted to double,
 * so no large common offset is ever squared. The covariance is M2 / (count - 1).
 *
 * Chunks have at most CHUNK_ROWS rows, so the scratch buffer is allocated once with the
 * statistics and adding never allocates. M2 is kept in its upper triangle (row-major).
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "eval/feature_stats_impl.h"

/* Rows per dsyrk: enough to keep BLAS busy, few enough that the rank-1 merge per chunk
 * (dimension^2 operations) is a small fraction of the chunk's dimension^2 * rows. */
#define CHUNK_ROWS 256

/* Large enough for any feature extractor in use (Inception's are 2048), small enough that
 * the Fréchet distance's LAPACK workspace, 1 + 6n + 2n^2 doubles, fits LAPACK's 32-bit
 * integers. */
#define MAX_DIMENSION 16384

struct gan_feature_stats {
    int64_t dimension;
    int64_t count;
    double *mean;       /* dimension */
    double *m2;         /* dimension x dimension, upper triangle */
    double *chunk_mean; /* dimension */
    double *centered;   /* CHUNK_ROWS x dimension */
    double *block;      /* the one allocation the four arrays above live in */
};

gan_status gan_feature_stats_new(gan_feature_stats **out, int64_t dimension)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (dimension < 1 || dimension > MAX_DIMENSION)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: dimension %lld is out of range; it must "
                         "be 1 to %d", __func__, (long long)dimension, MAX_DIMENSION);
    size_t d = (size_t)dimension, doubles;
    if (!gan__mul_size(d, d + CHUNK_ROWS + 2, &doubles))
        return gan__fail(GAN_ERR_OUT_OF_MEMORY, "%s: statistics of dimension %lld do not fit in "
                         "memory", __func__, (long long)dimension);
    gan_feature_stats *stats = gan__calloc(sizeof *stats, "feature statistics");
    if (!stats)
        return GAN_ERR_OUT_OF_MEMORY;
    stats->block = gan__calloc_array(doubles, sizeof(double), "feature statistics arrays");
    if (!stats->block) {
        gan__free(stats);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    stats->dimension = dimension;
    stats->mean = stats->block;
    stats->chunk_mean = stats->mean + d;
    stats->m2 = stats->chunk_mean + d;
    stats->centered = stats->m2 + d * d;
    *out = stats;
    return GAN_OK;
}

void gan_feature_stats_free(gan_feature_stats *stats)
{
    if (!stats)
        return;
    gan__free(stats->block);
    gan__free(stats);
}

gan_status gan_feature_stats_reset(gan_feature_stats *stats)
{
    if (!stats)
        return gan__null(__func__, "stats");
    size_t d = (size_t)stats->dimension;
    memset(stats->mean, 0, d * sizeof(double));
    memset(stats->m2, 0, d * d * sizeof(double));
    stats->count = 0;
    return GAN_OK;
}

int64_t gan_feature_stats_count(const gan_feature_stats *stats)
{
    if (!stats) {
        gan__null(__func__, "stats");
        return -1;
    }
    return stats->count;
}

int64_t gan_feature_stats_dimension(const gan_feature_stats *stats)
{
    if (!stats) {
        gan__null(__func__, "stats");
        return -1;
    }
    return stats->dimension;
}

/* Fails naming the first of the @p values that is not finite, so that nothing is added. */
static gan_status check_finite(const float *features, int64_t values, int64_t dimension,
                               const char *context)
{
    for (int64_t i = 0; i < values; i++)
        if (!isfinite(features[i]))
            return gan__fail(GAN_ERR_NUMERIC, "%s: value %lld of vector %lld is %g", context,
                             (long long)(i % dimension), (long long)(i / dimension),
                             (double)features[i]);
    return GAN_OK;
}

/* Merges @p rows vectors (at most CHUNK_ROWS) into the running mean and M2. */
static void add_chunk(gan_feature_stats *stats, const float *rows, int rows_count)
{
    int d = (int)stats->dimension;
    double *b = stats->chunk_mean, *centered = stats->centered;
    memset(b, 0, (size_t)d * sizeof(double));
    for (int i = 0; i < rows_count; i++)
        for (int j = 0; j < d; j++)
            b[j] += rows[(size_t)i * d + j];
    for (int j = 0; j < d; j++)
        b[j] /= rows_count;
    for (int i = 0; i < rows_count; i++)
        for (int j = 0; j < d; j++)
            centered[(size_t)i * d + j] = (double)rows[(size_t)i * d + j] - b[j];
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, rows_count, 1.0, centered, d, 1.0,
                stats->m2, d);

    double before = (double)stats->count, total = before + rows_count;
    for (int j = 0; j < d; j++)
        b[j] -= stats->mean[j]; /* b is now delta */
    cblas_dsyr(CblasRowMajor, CblasUpper, d, before * rows_count / total, b, 1, stats->m2, d);
    for (int j = 0; j < d; j++)
        stats->mean[j] += b[j] * rows_count / total;
    stats->count += rows_count;
}

gan_status gan__feature_stats_add(gan_feature_stats *stats, const float *features, int64_t count,
                                  const char *context)
{
    int64_t values;
    if (count < 0 || !gan__mul_i64(count, stats->dimension, &values) ||
        count > INT64_MAX - stats->count)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: count %lld is out of range (dimension "
                         "%lld, %lld vectors added so far)", context, (long long)count,
                         (long long)stats->dimension, (long long)stats->count);
    gan_status status = check_finite(features, values, stats->dimension, context);
    if (status != GAN_OK)
        return status;
    for (int64_t done = 0; done < count; done += CHUNK_ROWS) {
        int64_t rows = count - done < CHUNK_ROWS ? count - done : CHUNK_ROWS;
        add_chunk(stats, features + done * stats->dimension, (int)rows);
    }
    return GAN_OK;
}

gan_status gan_feature_stats_add(gan_feature_stats *stats, const float *features, int64_t count)
{
    if (!stats)
        return gan__null(__func__, "stats");
    if (!features)
        return gan__null(__func__, "features");
    return gan__feature_stats_add(stats, features, count, __func__);
}

/* Checks that @p capacity holds @p needed doubles of @p name. */
static gan_status check_capacity(const char *name, size_t capacity, size_t needed)
{
    if (capacity < needed)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_feature_stats_moments: %s holds %zu "
                         "doubles; %zu are needed", name, capacity, needed);
    return GAN_OK;
}

gan_status gan_feature_stats_moments(const gan_feature_stats *stats, double *mean,
                                     size_t mean_count, double *covariance,
                                     size_t covariance_count)
{
    if (!stats)
        return gan__null(__func__, "stats");
    size_t d = (size_t)stats->dimension;
    gan_status status = GAN_OK;
    if (mean)
        status = check_capacity("mean", mean_count, d);
    if (status == GAN_OK && covariance)
        status = check_capacity("covariance", covariance_count, d * d);
    if (status != GAN_OK)
        return status;
    if (stats->count < 2)
        return gan__fail(GAN_ERR_STATE, "%s: %lld vectors added; a covariance needs at least 2",
                         __func__, (long long)stats->count);
    if (mean)
        memcpy(mean, stats->mean, d * sizeof(double));
    double divisor = (double)(stats->count - 1);
    for (size_t i = 0; covariance && i < d; i++)
        for (size_t j = i; j < d; j++)
            covariance[i * d + j] = covariance[j * d + i] = stats->m2[i * d + j] / divisor;
    return GAN_OK;
}
