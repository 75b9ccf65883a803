/**
 * @file gan/loss.h
 * @brief Losses: values and gradients with respect to a network's output.
 *
 * Every loss is a mean over the batch (PyTorch's reduction "mean") and writes
 * d loss / d output into a caller tensor of the output's shape, ready for
 * gan_model_backward(). Finite logits give finite values and gradients (values beyond the
 * float range saturate at ±FLT_MAX). At infinite logits each loss is its limit: +inf where
 * the loss is unbounded, NaN where no limit exists (inf - inf); gradients stay finite
 * except LSGAN's (±inf). NaN logits give a NaN value.
 */
#ifndef GAN_LOSS_H
#define GAN_LOSS_H

#include "common.h"
#include "random.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/** The adversarial objectives. Values are part of the ABI. */
typedef enum gan_objective {
    /** Goodfellow et al.: D minimises BCE(D(x), 1) + BCE(D(G(z)), 0); G minimises
     *  -BCE(D(G(z)), 0) = log(1 - sigmoid(D(G(z)))). */
    GAN_OBJECTIVE_MINIMAX = 0,
    /** D as for minimax; G minimises BCE(D(G(z)), 1) (the non-saturating loss of the
     *  DCGAN tutorials). */
    GAN_OBJECTIVE_NON_SATURATING = 1,
    /** WGAN: the critic minimises E[D(G(z))] - E[D(x)]; G minimises -E[D(G(z))]. */
    GAN_OBJECTIVE_WASSERSTEIN = 2,
    /** LSGAN: D minimises ½E[(D(x) - b)²] + ½E[(D(G(z)) - a)²]; G minimises ½E[(D(G(z)) - c)²]. */
    GAN_OBJECTIVE_LEAST_SQUARES = 3,
    /** Hinge: D minimises E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]; G minimises -E[D(G(z))]. */
    GAN_OBJECTIVE_HINGE = 4
} gan_objective;

/** Options of a gan_loss. Values are part of the ABI. */
typedef enum gan_loss_option {
    /** float in [0, 1): one-sided label smoothing, real targets become 1 - s (BCE objectives; default 0). */
    GAN_LOSS_LABEL_SMOOTHING = 0,
    /** float in [0, 1]: probability that a discriminator target is flipped, real to fake and
     *  fake to real (BCE objectives; default 0; needs a generator). */
    GAN_LOSS_LABEL_FLIP = 1,
    GAN_LOSS_LSGAN_A = 2, /**< float: LSGAN's target for fakes in the D loss (default 0). */
    GAN_LOSS_LSGAN_B = 3, /**< float: LSGAN's target for reals in the D loss (default 1). */
    GAN_LOSS_LSGAN_C = 4  /**< float: LSGAN's target the generator aims for (default 1). */
} gan_loss_option;

/** An adversarial objective with its options (opaque). */
typedef struct gan_loss gan_loss;

/**
 * Creates an objective with default options.
 * @param[out] out     receives the loss (caller owns it; gan_loss_free()), NULL on failure
 * @param objective    one of ::gan_objective
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_loss_new(gan_loss **out, gan_objective objective);

/** Releases a loss. NULL is a no-op. */
GAN_API void gan_loss_free(gan_loss *loss);

/** The loss's objective, or -1 for NULL. */
GAN_API int gan_loss_objective(const gan_loss *loss);

/**
 * Sets an option.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, unknown option, value out of range or
 *         not finite, an option the objective does not use).
 */
GAN_API gan_status gan_loss_set_float(gan_loss *loss, gan_loss_option option, float value);

/** Reads an option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (NULL, unknown option, an
 *  option the objective does not use). */
GAN_API gan_status gan_loss_get_float(const gan_loss *loss, gan_loss_option option, float *value);

/**
 * The discriminator's (critic's) loss on a real and a fake batch of logits, each [N, 1].
 * @param loss            the objective
 * @param rng             draws label flips from GAN_RNG_NOISE; may be NULL when flipping is off
 * @param real_logits     D(x)
 * @param fake_logits     D(G(z)); its batch may differ from the real one
 * @param[out] value      receives the loss, or pass NULL
 * @param[out] grad_real  receives d loss / d real_logits (the same shape)
 * @param[out] grad_fake  receives d loss / d fake_logits (the same shape)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (also when grad_real shares memory with
 *         fake_logits or grad_fake, or grad_fake with real_logits), GAN_ERR_SHAPE (also for an
 *         empty batch), GAN_ERR_STATE (flipping without a generator), GAN_ERR_OVERFLOW (the
 *         noise stream has no room for the flips).
 */
GAN_API gan_status gan_loss_discriminator(const gan_loss *loss, gan_rng *rng,
                                          const gan_tensor *real_logits,
                                          const gan_tensor *fake_logits, float *value,
                                          gan_tensor *grad_real, gan_tensor *grad_fake);

/**
 * The generator's loss on D's logits for a fake batch.
 * @param loss             the objective
 * @param fake_logits      D(G(z)), [N, 1]
 * @param[out] value       receives the loss, or pass NULL
 * @param[out] grad_fake   receives d loss / d fake_logits (the same shape)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE.
 */
GAN_API gan_status gan_loss_generator(const gan_loss *loss, const gan_tensor *fake_logits,
                                      float *value, gan_tensor *grad_fake);

/**
 * Binary cross-entropy on logits, mean over every element:
 * max(x, 0) - x z + log1p(exp(-|x|)); gradient (sigmoid(x) - z) / n.
 * @param logits      x, any shape
 * @param targets     z in [0, 1], the same shape
 * @param[out] value  receives the loss, or pass NULL
 * @param[out] grad   receives d loss / d logits (the same shape), or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a target outside [0, 1]), GAN_ERR_SHAPE
 *         (shapes differ, or no elements).
 */
GAN_API gan_status gan_loss_bce_with_logits(const gan_tensor *logits, const gan_tensor *targets,
                                            float *value, gan_tensor *grad);

/**
 * Softmax cross-entropy for classifiers (torch.nn.CrossEntropyLoss), mean over the batch.
 * @param logits      [N, C]
 * @param labels      [N] or [N, 1]: class indices stored as integral floats in 0..C-1
 * @param[out] value  receives the loss, or pass NULL
 * @param[out] grad   receives d loss / d logits ([N, C]: (softmax - onehot) / N), or pass NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a label that is not a class index),
 *         GAN_ERR_SHAPE.
 */
GAN_API gan_status gan_loss_softmax_cross_entropy(const gan_tensor *logits,
                                                  const gan_tensor *labels, float *value,
                                                  gan_tensor *grad);

GAN_END_DECLS

#endif /* GAN_LOSS_H */
