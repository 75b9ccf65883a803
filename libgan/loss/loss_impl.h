/* Internal: the loss object, the per-batch parts of the adversarial losses (for the
 * trainer, which runs D on its real and fake batches one after the other), the stable BCE
 * kernel and the argument checks the loss files share. */
#ifndef GAN_LOSS_LOSS_IMPL_H
#define GAN_LOSS_LOSS_IMPL_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/tensor.h"
#include "gan/loss.h"

/* The trainer reads the options here directly (to save them in checkpoints). */
struct gan_loss {
    gan_objective objective;
    float label_smoothing; /* BCE objectives: real targets are 1 - s in D's loss */
    float label_flip;      /* BCE objectives: probability that a D target is swapped */
    float lsgan_a, lsgan_b, lsgan_c;
};

/* True for the objectives built on binary cross-entropy (minimax, non-saturating). */
bool gan__objective_is_bce(gan_objective objective);

/* "minimax", "non-saturating", ... for messages. */
const char *gan__objective_name(gan_objective objective);

/*
 * One batch's term of the discriminator's loss (`real` selects the real or the fake term),
 * so that D's loss is the real part plus the fake part. Writes the term, a mean over the
 * batch, to *value (may be NULL) and d term / d logits to grad (the logits' shape; may be
 * the logits tensor itself). With label flipping on, draws one uniform per logit from
 * rng's GAN_RNG_NOISE stream: the real part and then the fake part draw exactly what
 * gan_loss_discriminator draws. On failure nothing is written and rng does not move.
 */
gan_status gan__loss_discriminator_part(const gan_loss *loss, gan_rng *rng, bool real,
                                        const gan_tensor *logits, double *value,
                                        gan_tensor *grad);

/* The generator's loss as gan_loss_generator, with the value in double (unrounded). */
gan_status gan__loss_generator_part(const gan_loss *loss, const gan_tensor *logits,
                                    double *value, gan_tensor *grad);

/*
 * The stable BCE kernel over n logits: returns sum_i BCE(x[i], z_i) in double, with
 * z_i = targets ? targets[i] : target, and, when grad is not NULL, writes
 * (sigmoid(x[i]) - z_i) / divisor to grad[i] (rounded once). grad may alias x or targets.
 * Targets must lie in [0, 1]; see bce.c for the formulas and the limits at ±inf.
 */
double gan__bce_sum(const float *x, int64_t n, const float *targets, float target,
                    double divisor, float *grad);

/*
 * A loss value or gradient computed in double, rounded to float. A finite result beyond
 * the float range (e.g. LSGAN at |logit| near FLT_MAX) saturates to ±FLT_MAX, so finite
 * logits always give finite results; infinities (from infinite logits) and NaN pass through.
 */
static inline float gan__loss_round(double value)
{
    if (value > FLT_MAX && !isinf(value))
        return FLT_MAX;
    if (value < -FLT_MAX && !isinf(value))
        return -FLT_MAX;
    return (float)value;
}

/* GAN_ERR_SHAPE unless `tensor` has the shape of `like`, naming both shapes. */
gan_status gan__loss_check_same_shape(const char *function, const char *name,
                                      const gan_tensor *tensor, const char *like_name,
                                      const gan_tensor *like);

/* GAN_ERR_SHAPE unless `logits` is [N, 1] with N >= 1, naming its shape. */
gan_status gan__loss_check_logit_column(const char *function, const char *name,
                                        const gan_tensor *logits);

#endif /* GAN_LOSS_LOSS_IMPL_H */
