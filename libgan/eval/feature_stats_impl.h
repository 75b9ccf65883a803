/* Internal: adding features with the caller's name in the error message, for
 * gan_classifier_features, which adds a layer's output to the statistics. */
#ifndef GAN_EVAL_FEATURE_STATS_IMPL_H
#define GAN_EVAL_FEATURE_STATS_IMPL_H

#include "gan/eval.h"

/*
 * gan_feature_stats_add, with messages that start with @p context ("gan_classifier_features:
 * layer 2's output") instead of the function's name. @p stats and @p features are not NULL.
 */
gan_status gan__feature_stats_add(gan_feature_stats *stats, const float *features, int64_t count,
                                  const char *context);

#endif /* GAN_EVAL_FEATURE_STATS_IMPL_H */
