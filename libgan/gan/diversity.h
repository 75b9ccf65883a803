/*
 * Internal: the diversity of a batch, for the trainer's mode-collapse statistic
 * (GAN_STAT_DIVERSITY): the mean L2 distance between pairs of samples.
 */
#ifndef GAN_GAN_DIVERSITY_H
#define GAN_GAN_DIVERSITY_H

#include <stdint.h>

/* At most this many samples of a batch are compared (their first ones): the cost stays
 * below 32 * 32 * features multiply-adds, whatever the batch size. */
enum { GAN__DIVERSITY_SAMPLES = 32 };

/*
 * The mean pairwise L2 distance of the first min(batch, 32) samples of `samples`
 * ([batch, features], row-major), or 0 for fewer than two; `gram` holds 32 * 32 floats
 * of workspace. Distances come from the Gram matrix (|a|^2 + |b|^2 - 2 a.b, one matrix
 * product), so samples that are nearly equal measure a little above 0 in float.
 */
double gan__batch_diversity(const float *samples, int64_t batch, int64_t features, float *gram);

#endif /* GAN_GAN_DIVERSITY_H */
