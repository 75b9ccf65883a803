/**
 * @file gan/eval.h
 * @brief Sample quality: feature statistics and the Fréchet distance, the classifier score,
 *        class histograms and coverage.
 *
 * These are the numbers GAN papers report, computed the way their reference code does but
 * in C and deterministically:
 * - the Fréchet distance between Gaussians fitted to two sets of features (FID when the
 *   features are Inception's; here usually a classifier's penultimate layer);
 * - the classifier score, the Inception Score computed with a given classifier;
 * - which classes the samples fall into, and how far that is from uniform.
 *
 * A typical evaluation runs a trained classifier (in evaluation mode) over real and generated
 * images with gan_classifier_features(), which adds the features of each batch to a
 * ::gan_feature_stats and writes the class probabilities, then calls gan_frechet_distance(),
 * gan_classifier_score() and gan_class_histogram() on the results.
 */
#ifndef GAN_EVAL_H
#define GAN_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "model.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/**
 * The mean and covariance of a set of feature vectors, accumulated in double precision one
 * batch at a time (opaque). The set itself is not kept: memory is O(dimension²).
 */
typedef struct gan_feature_stats gan_feature_stats;

/**
 * Creates empty statistics for vectors of @p dimension features.
 * @param[out] out   receives the statistics (caller owns them; gan_feature_stats_free()),
 *                   NULL on failure
 * @param dimension  features per vector, 1 to 16384
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_feature_stats_new(gan_feature_stats **out, int64_t dimension);

/** Releases statistics. NULL is a no-op. */
GAN_API void gan_feature_stats_free(gan_feature_stats *stats);

/** Forgets every vector added so far. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_feature_stats_reset(gan_feature_stats *stats);

/**
 * Adds @p count vectors, stored row after row (count × dimension floats).
 * @param stats     the statistics
 * @param features  the vectors; every value must be finite
 * @param count     the number of vectors (0 is allowed and changes nothing)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a negative count or one too large to
 *         address), GAN_ERR_NUMERIC (a value that is not finite: nothing is added). Adding
 *         allocates nothing.
 */
GAN_API gan_status gan_feature_stats_add(gan_feature_stats *stats, const float *features,
                                         int64_t count);

/** The number of vectors added, -1 for NULL. */
GAN_API int64_t gan_feature_stats_count(const gan_feature_stats *stats);

/** The number of features per vector, -1 for NULL. */
GAN_API int64_t gan_feature_stats_dimension(const gan_feature_stats *stats);

/**
 * The mean and the unbiased covariance (divided by count − 1, as numpy.cov) of the vectors
 * added so far.
 * @param stats            the statistics (at least 2 vectors)
 * @param[out] mean        receives dimension values, or NULL
 * @param mean_count       the capacity of @p mean in doubles (ignored when it is NULL)
 * @param[out] covariance  receives dimension × dimension values, row-major, or NULL
 * @param covariance_count the capacity of @p covariance in doubles (ignored when it is NULL)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL stats, a capacity too small),
 *         GAN_ERR_STATE (fewer than 2 vectors).
 */
GAN_API gan_status gan_feature_stats_moments(const gan_feature_stats *stats, double *mean,
                                             size_t mean_count, double *covariance,
                                             size_t covariance_count);

/**
 * The Fréchet distance between the Gaussians fitted to two sets of vectors:
 * ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr √(√Σ₁ Σ₂ √Σ₁).
 *
 * Computed in double precision on the symmetric form, with two symmetric eigendecompositions
 * (LAPACK's dsyevd), so it also holds for rank-deficient covariances and for fewer vectors
 * than features. Eigenvalues that rounding makes slightly negative are taken as 0; a result
 * that rounding makes slightly negative is returned as 0.
 * An eigenvalue counts as rounding down to −√ε (about −1.5e-8) times the matrix's norm.
 * Memory: about 5 · dimension² doubles while it runs.
 * @param a, b           the two sets (the same dimension, at least 2 vectors each)
 * @param[out] distance  receives the distance (never NaN); unchanged on failure
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, different dimensions), GAN_ERR_STATE (fewer
 *         than 2 vectors), GAN_ERR_NUMERIC (a covariance that is not positive semi-definite
 *         beyond rounding, or an eigendecomposition that failed), GAN_ERR_OVERFLOW,
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_frechet_distance(const gan_feature_stats *a, const gan_feature_stats *b,
                                        double *distance);

/**
 * Runs a classifier over a batch of images and collects what evaluation needs.
 *
 * The classifier runs in its current mode: put it in evaluation mode first
 * (gan_model_set_training(classifier, 0)) so that BatchNorm and Dropout are deterministic.
 * Its output must be [N, classes] logits.
 * @param classifier          the classifier
 * @param feature_layer       the index of the layer whose output are the features (usually
 *                            the penultimate one), or -1 when no features are wanted
 * @param images              [N, sample shape...], the classifier's input
 * @param stats               receives the features of the N images (added to what it holds),
 *                            or NULL; its dimension must equal the layer's output size
 * @param[out] probabilities  receives the softmax of the logits, N × classes floats, or NULL
 * @param probabilities_count the capacity of @p probabilities in floats
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a layer index out of range, a capacity too
 *         small, stats without a feature layer), GAN_ERR_SHAPE (the images do not fit the
 *         classifier, an output that is not [N, classes], features of another dimension),
 *         GAN_ERR_NUMERIC (features or logits that are not finite: nothing is added),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_classifier_features(gan_model *classifier, int feature_layer,
                                           const gan_tensor *images, gan_feature_stats *stats,
                                           float *probabilities, size_t probabilities_count);

/**
 * The classifier score (the Inception Score of Salimans et al. 2016 with a given classifier):
 * exp(E_x KL(p(y|x) ‖ p(y))), where p(y) is the mean of p(y|x) over the samples. As in the
 * reference code the samples are cut into @p splits consecutive parts of ⌊count / splits⌋
 * (the remainder is left out), the score is computed on each, and the mean and the standard
 * deviation (divided by splits) over the parts are returned. It runs from 1 (every sample
 * the same class distribution) to the number of classes (confident and balanced).
 * @param probabilities  count rows of @p classes probabilities, each row non-negative and
 *                       summing to 1 within 1e-3
 * @param count          the number of rows, at least @p splits
 * @param classes        the number of classes, at least 2
 * @param splits         the number of parts, at least 1
 * @param[out] mean      receives the mean score over the parts
 * @param[out] spread    receives the standard deviation over the parts, or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, counts out of range, a row that is not a
 *         probability distribution; the message names the row).
 */
GAN_API gan_status gan_classifier_score(const float *probabilities, int64_t count,
                                        int64_t classes, int64_t splits, double *mean,
                                        double *spread);

/**
 * Counts the samples by their most probable class (ties go to the lower class index).
 * @param probabilities    count rows of @p classes values (probabilities or logits: only
 *                         their order matters); every value must be finite
 * @param count            the number of rows, at least 0
 * @param classes          the number of classes, at least 1
 * @param[out] histogram   receives @p classes counts
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, counts out of range, a value that is not
 *         finite).
 */
GAN_API gan_status gan_class_histogram(const float *probabilities, int64_t count,
                                       int64_t classes, int64_t *histogram);

/**
 * How well a histogram covers its classes.
 * @param histogram       @p classes non-negative counts, not all 0
 * @param classes         the number of classes, at least 1
 * @param[out] present    receives the number of classes with a count above 0, or pass NULL
 * @param[out] kl_uniform receives KL(h ‖ uniform) = Σ hᵢ log(classes · hᵢ) with h the
 *                        normalised histogram (0 when balanced, log(classes) when a single
 *                        class is present), or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_class_coverage(const int64_t *histogram, int64_t classes, int64_t *present,
                                      double *kl_uniform);

GAN_END_DECLS

#endif /* GAN_EVAL_H */
