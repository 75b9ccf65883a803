/*
 * The classifier score (the Inception Score of Salimans et al. 2016), as the reference code
 * computes it: the samples cut into `splits` consecutive parts of floor(count / splits)
 * rows (the remainder left out), and on each part
 *   score = exp((1/m) sum_i KL(p_i || p_y)),   p_y = (1/m) sum_i p_i
 * then the mean and the standard deviation (numpy's np.std: divided by splits) of the
 * scores. The mean KL is the mutual information of sample and class,
 *   (1/m) sum_i sum_j p_ij log p_ij - sum_j p_yj log p_yj,
 * the same sum regrouped, which needs no per-class array: the class marginal is summed
 * CLASS_BLOCK classes at a time on the stack, so the function never allocates. 0 log 0 = 0.
 * Everything is computed in double; the spread is Welford's running variance.
 */
#include <math.h>

#include "core/checked_math.h"
#include "core/error.h"
#include "gan/eval.h"

/* How far a row's sum may be from 1. */
#define ROW_SUM_TOLERANCE 1e-3

/* Classes whose marginal is summed in one pass over the rows. */
#define CLASS_BLOCK 64

static double plogp(double p)
{
    return p > 0.0 ? p * log(p) : 0.0;
}

/* Each row must be finite, non-negative and sum to 1 within ROW_SUM_TOLERANCE. */
static gan_status check_distributions(const float *probabilities, int64_t count, int64_t classes)
{
    for (int64_t i = 0; i < count; i++) {
        const float *row = probabilities + i * classes;
        double sum = 0.0;
        for (int64_t j = 0; j < classes; j++) {
            if (!(row[j] >= 0.0f) || !isfinite(row[j]))
                return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_classifier_score: row %lld is "
                                 "not a probability distribution: value %lld is %g",
                                 (long long)i, (long long)j, (double)row[j]);
            sum += row[j];
        }
        if (!(fabs(sum - 1.0) <= ROW_SUM_TOLERANCE))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_classifier_score: row %lld sums to "
                             "%.9g; a probability row must sum to 1 within %g", (long long)i,
                             sum, ROW_SUM_TOLERANCE);
    }
    return GAN_OK;
}

/* -sum_j p_yj log p_yj, the entropy of the class marginal of @p rows rows. */
static double marginal_entropy(const float *probabilities, int64_t rows, int64_t classes)
{
    double entropy = 0.0;
    for (int64_t first = 0; first < classes; first += CLASS_BLOCK) {
        int64_t block = classes - first < CLASS_BLOCK ? classes - first : CLASS_BLOCK;
        double marginal[CLASS_BLOCK] = {0};
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < block; j++)
                marginal[j] += probabilities[i * classes + first + j];
        for (int64_t j = 0; j < block; j++)
            entropy -= plogp(marginal[j] / (double)rows);
    }
    return entropy;
}

/* The score of one part of @p rows rows. */
static double part_score(const float *probabilities, int64_t rows, int64_t classes)
{
    double sum = 0.0; /* sum_ij p_ij log p_ij */
    for (int64_t k = 0; k < rows * classes; k++)
        sum += plogp(probabilities[k]);
    return exp(sum / (double)rows + marginal_entropy(probabilities, rows, classes));
}

gan_status gan_classifier_score(const float *probabilities, int64_t count, int64_t classes,
                                int64_t splits, double *mean, double *spread)
{
    if (!probabilities)
        return gan__null(__func__, "probabilities");
    if (!mean)
        return gan__null(__func__, "mean");
    int64_t values;
    if (classes < 2 || splits < 1 || count < splits || !gan__mul_i64(count, classes, &values))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: count %lld, classes %lld, splits %lld; "
                         "it needs classes >= 2 and count >= splits >= 1", __func__,
                         (long long)count, (long long)classes, (long long)splits);
    gan_status status = check_distributions(probabilities, count, classes);
    if (status != GAN_OK)
        return status;
    int64_t rows = count / splits;
    double running_mean = 0.0, squares = 0.0; /* Welford */
    for (int64_t k = 0; k < splits; k++) {
        double score = part_score(probabilities + k * rows * classes, rows, classes);
        double delta = score - running_mean;
        running_mean += delta / (double)(k + 1);
        squares += delta * (score - running_mean);
    }
    *mean = running_mean;
    if (spread)
        *spread = sqrt(squares / (double)splits);
    return GAN_OK;
}
