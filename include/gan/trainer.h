/**
 * @file gan/trainer.h
 * @brief The GAN objects: generator, discriminator, and the trainer that plays the game.
 *
 * A generator and a discriminator wrap models they borrow; the trainer borrows the
 * generator, the discriminator, one optimizer for each and a random generator, and runs
 * one training iteration per gan_trainer_step().
 */
#ifndef GAN_TRAINER_H
#define GAN_TRAINER_H

#include <stdint.h>

#include "common.h"
#include "data.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "random.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/** Where latent vectors come from. Values are part of the ABI. */
typedef enum gan_latent_distribution {
    GAN_LATENT_NORMAL = 0,  /**< N(0, 1) */
    GAN_LATENT_UNIFORM = 1  /**< U(-1, 1) */
} gan_latent_distribution;

/** A generator: a model from latent vectors to samples (opaque). */
typedef struct gan_generator gan_generator;

/**
 * Wraps a model that maps [N, latent_size] to samples.
 * @param[out] out        receives the generator (caller owns it; gan_generator_free()), NULL on failure
 * @param model          borrowed: it must outlive the generator
 * @param latent_size    >= 1; the model's input shape is set to [latent_size]
 * @param distribution   the latent distribution
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (the model does not take
 *         [latent_size]), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_generator_new(gan_generator **out, gan_model *model, int64_t latent_size,
                                     gan_latent_distribution distribution);

/** Releases a generator (not its model). NULL is a no-op. */
GAN_API void gan_generator_free(gan_generator *generator);

/** The wrapped model (borrowed), or NULL (with gan_last_error() set) for NULL. */
GAN_API gan_model *gan_generator_model(gan_generator *generator);

/** The latent size, or -1 for NULL. */
GAN_API int64_t gan_generator_latent_size(const gan_generator *generator);

/**
 * Makes samples from latent vectors drawn from @p rng's GAN_RNG_NOISE stream, in the
 * model's current mode (call gan_model_set_training(model, 0) for evaluation-mode samples).
 * A call that fails leaves the stream where it was, so a retry draws the same vectors.
 * @param generator  the generator
 * @param rng        the random generator
 * @param[out] samples a tensor [N, sample shape...]: N samples are made
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_generator_sample(gan_generator *generator, gan_rng *rng,
                                        gan_tensor *samples);

/**
 * Makes samples from given latent vectors.
 * @param generator  the generator
 * @param latent     [N, latent_size]
 * @param[out] samples [N, sample shape...]
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_generator_generate(gan_generator *generator, const gan_tensor *latent,
                                          gan_tensor *samples);

/** A discriminator (critic): a model from samples to one logit per sample (opaque). */
typedef struct gan_discriminator gan_discriminator;

/**
 * Wraps a model whose output is one value per sample (per-sample shape [1]).
 * @param[out] out   receives the discriminator (caller owns it), NULL on failure
 * @param model     borrowed: it must outlive the discriminator
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (an output other than [1], when
 *         the model's input shape is known), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_discriminator_new(gan_discriminator **out, gan_model *model);

/** Releases a discriminator (not its model). NULL is a no-op. */
GAN_API void gan_discriminator_free(gan_discriminator *discriminator);

/** The wrapped model (borrowed), or NULL (with gan_last_error() set) for NULL. */
GAN_API gan_model *gan_discriminator_model(gan_discriminator *discriminator);

/** Options of a trainer. Values are part of the ABI. */
typedef enum gan_trainer_option {
    GAN_TRAINER_N_CRITIC = 0,        /**< int >= 1: discriminator updates per generator update (default 1) */
    GAN_TRAINER_WEIGHT_CLIP = 1,     /**< float >= 0: clamp D's parameters to [-c, c] after each
                                          D update (WGAN; default 0 = off) */
    GAN_TRAINER_LABEL_SMOOTHING = 2, /**< float: as GAN_LOSS_LABEL_SMOOTHING */
    GAN_TRAINER_LABEL_FLIP = 3,      /**< float: as GAN_LOSS_LABEL_FLIP */
    GAN_TRAINER_EMA_DECAY = 4,       /**< float in [0, 1): keep an EMA of G's parameters
                                          (0 = off, the default); read it with gan_trainer_ema() */
    /* Since 0.6.0: */
    GAN_TRAINER_INSTANCE_NOISE = 5,  /**< float >= 0: instance noise (Sønderby et al. 2016): the
                                          standard deviation of Gaussian noise added to every
                                          input of D, real and fake, in D's and in G's updates
                                          (drawn from GAN_RNG_INSTANCE_NOISE; 0 = off, the default) */
    GAN_TRAINER_INSTANCE_NOISE_STEPS = 6, /**< int >= 0: anneal the noise linearly to 0 over this
                                          many trainer steps: step t (from 0) uses
                                          sigma max(0, 1 - t / steps); 0 (default) keeps it constant */
    GAN_TRAINER_DIVERSITY_ALARM = 7, /**< float >= 0: raise GAN_STAT_DIVERSITY_ALARM when
                                          GAN_STAT_DIVERSITY falls below this (0 = off, the default) */
    GAN_TRAINER_COVERAGE_ALARM = 8,  /**< float in [0, 1]: gan_trainer_record_evaluation() raises
                                          GAN_EVALUATION_COVERAGE_ALARM when the coverage it is given
                                          falls below this (0 = off, the default) */
    GAN_TRAINER_PATIENCE = 9,        /**< int >= 0: early stopping: evaluations without improvement
                                          after which gan_trainer_record_evaluation() says
                                          GAN_EVALUATION_STOP (0 = never, the default) */
    GAN_TRAINER_MIN_IMPROVEMENT = 10, /**< float >= 0: an evaluation improves when its metric is
                                          below the best one by more than this (default 0) */
    GAN_TRAINER_GMAN_LAMBDA = 11     /**< float >= 0, with several discriminators: G's loss is
                                          sum_k w_k L_k with w = softmax(lambda L) (weights held
                                          constant in the gradient; GMAN, Durugkar et al. 2016);
                                          0 (default) is the mean */
} gan_trainer_option;

/** The statistics of the last step. Values are part of the ABI. */
typedef enum gan_trainer_stat {
    GAN_STAT_D_LOSS = 0,       /**< D's loss (the last D update of the step) */
    GAN_STAT_G_LOSS = 1,       /**< G's loss */
    GAN_STAT_D_REAL = 2,       /**< mean D(x): sigmoid of the logits for the BCE objectives, raw otherwise */
    GAN_STAT_D_FAKE = 3,       /**< mean D(G(z)) before D's update, likewise */
    GAN_STAT_G_GRAD_NORM = 4,  /**< global L2 norm of G's gradients */
    GAN_STAT_D_GRAD_NORM = 5,  /**< global L2 norm of D's gradients (the last D update) */
    /* Since 0.6.0: */
    GAN_STAT_DIVERSITY = 6,    /**< mean pairwise L2 distance between G's samples over the same
                                    within the real batch (its first 32 samples each): near 1 for
                                    a healthy G, near 0 when G collapses to few outputs */
    GAN_STAT_DIVERSITY_ALARM = 7 /**< 1 when GAN_STAT_DIVERSITY < GAN_TRAINER_DIVERSITY_ALARM, else 0 */
} gan_trainer_stat;

/** Flags of gan_trainer_record_evaluation()'s verdict. Values are part of the ABI. */
typedef enum gan_evaluation_flag {
    GAN_EVALUATION_IMPROVED = 1,       /**< a new best metric: keep this generator */
    GAN_EVALUATION_STOP = 2,           /**< GAN_TRAINER_PATIENCE evaluations without improvement */
    GAN_EVALUATION_COVERAGE_ALARM = 4  /**< the coverage is below GAN_TRAINER_COVERAGE_ALARM */
} gan_evaluation_flag;

/** The trainer (opaque). */
typedef struct gan_trainer gan_trainer;

/** Called after every successful step, with the step number (from 1) and user data. */
typedef void (*gan_step_callback)(void *user_data, const gan_trainer *trainer, int64_t step);

/**
 * Creates a trainer. Everything is borrowed and must outlive it.
 * @param[out] out             receives the trainer (caller owns it; gan_trainer_free()), NULL on failure
 * @param generator            the generator
 * @param discriminator        the discriminator
 * @param generator_optim      an optimizer of the generator's model (its learning rate
 *                             may differ from the discriminator's: TTUR)
 * @param discriminator_optim  an optimizer of the discriminator's model
 * @param objective            the adversarial objective
 * @param rng                  latent vectors (GAN_RNG_NOISE), dropout masks, label noise
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, an optimizer of the wrong model, an
 *         unknown objective), GAN_ERR_SHAPE (G's samples do not fit D), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_trainer_new(gan_trainer **out, gan_generator *generator,
                                   gan_discriminator *discriminator, gan_optim *generator_optim,
                                   gan_optim *discriminator_optim, gan_objective objective,
                                   gan_rng *rng);

/**
 * Adds another discriminator, with its own optimizer (GMAN, Durugkar et al. 2016): each
 * critic update trains every discriminator on the same real and fake batches, and G's
 * loss combines theirs (GAN_TRAINER_GMAN_LAMBDA). The statistics average the
 * discriminators' losses and scores; GAN_STAT_D_GRAD_NORM is the norm over all of them.
 * Checkpoints carry them all. Borrowed, like the first. Since 0.6.0.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, an optimizer of another model, a
 *         discriminator already in the trainer, more than 8 in all, or after the first step),
 *         GAN_ERR_SHAPE (G's samples do not fit it).
 */
GAN_API gan_status gan_trainer_add_discriminator(gan_trainer *trainer,
                                                 gan_discriminator *discriminator,
                                                 gan_optim *optim);

/** The number of discriminators (1 + those added), or -1 for NULL. Since 0.6.0. */
GAN_API int gan_trainer_discriminator_count(const gan_trainer *trainer);

/**
 * Called by gan_trainer_step() with a player's whole gradient array after its backward pass
 * and before its optimizer step: player 0 is the generator, 1, 2, ... the discriminators in
 * the order they were given. It must leave in place the gradients the optimizer is to
 * apply: for data-parallel training, their average over every process (an all-reduce).
 * A status other than GAN_OK fails the step, which is then undone. Since 0.6.0.
 */
typedef gan_status (*gan_gradient_hook)(void *user_data, int player, float *gradients,
                                        size_t count);

/**
 * Sets the gradient hook (NULL removes it). Since 0.6.0.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_trainer_set_gradient_hook(gan_trainer *trainer, gan_gradient_hook hook,
                                                 void *user_data);

/**
 * Synchronised BatchNorm for every player: gan_model_set_batchnorm_sync() on the generator's
 * model and on every discriminator's, those added later included. With sharded data and an
 * averaging gradient hook, a world whose players have BatchNorm then trains as one process on
 * the whole batch would. NULL (the default) removes it: each process normalises with its own
 * batch statistics. Since 0.6.0.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_trainer_set_batchnorm_sync(gan_trainer *trainer, gan_sum_hook hook,
                                                  void *user_data);

/**
 * Makes this trainer process @p rank of @p world in data-parallel training: with a real
 * batch of B, it draws its slice of the latent vectors and instance noise of one global
 * batch of world B, so the processes together draw what one process training on world B
 * would. With a gradient hook that averages over the processes and data sets sharded the
 * same way (gan_dataset_set_shard()), the world trains as one process with batch world B
 * (up to rounding), provided every process starts from the same state and seed. Label
 * flipping and Dropout draw per process; BatchNorm uses each process's own batch
 * statistics unless synchronised (gan_trainer_set_batchnorm_sync()). (0, 1), no sharding,
 * is the default. Since 0.6.0.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (world outside 1..65536, rank outside 0..world - 1).
 */
GAN_API gan_status gan_trainer_set_shard(gan_trainer *trainer, int64_t rank, int64_t world);

/**
 * Records a periodic evaluation of the generator, for early stopping and the coverage
 * alarm: @p metric is lower-is-better (an FID), @p coverage a share in [0, 1] (classes
 * covered over classes), or a negative number when not measured. The best metric, the
 * evaluations since it and the step it was reached at travel in checkpoints. Since 0.6.0.
 * @param trainer       the trainer
 * @param metric        finite
 * @param coverage      in [0, 1], or < 0 for none
 * @param[out] verdict  receives gan_evaluation_flag bits
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, a metric that is not finite, a coverage
 *         above 1).
 */
GAN_API gan_status gan_trainer_record_evaluation(gan_trainer *trainer, double metric,
                                                 double coverage, unsigned *verdict);

/**
 * Early stopping's record. Since 0.6.0.
 * @param trainer              the trainer
 * @param[out] best            receives the best metric recorded (or pass NULL)
 * @param[out] best_step       receives the trainer step it was recorded at (or pass NULL)
 * @param[out] since_best      receives the evaluations recorded since (or pass NULL)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (no evaluation recorded yet).
 */
GAN_API gan_status gan_trainer_best_evaluation(const gan_trainer *trainer, double *best,
                                               int64_t *best_step, int64_t *since_best);

/** Releases a trainer (nothing it borrows). NULL is a no-op. */
GAN_API void gan_trainer_free(gan_trainer *trainer);

/** Sets a float option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_trainer_set_float(gan_trainer *trainer, gan_trainer_option option,
                                         float value);

/** Reads a float option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_trainer_get_float(const gan_trainer *trainer, gan_trainer_option option,
                                             float *value);

/** Sets an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_trainer_set_int(gan_trainer *trainer, gan_trainer_option option,
                                       int64_t value);

/** Reads an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_trainer_get_int(const gan_trainer *trainer, gan_trainer_option option,
                                       int64_t *value);

/**
 * One training iteration: n_critic discriminator updates, each on @p real and a fresh fake
 * batch of the same size, then one generator update that backpropagates through D without
 * changing D's parameters, running statistics or gradients.
 * @param trainer  the trainer
 * @param real     a batch of real samples [N, sample shape...]
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_NUMERIC (a NaN or an
 *         infinity in the real batch, in a parameter, buffer, optimizer state or the EMA
 *         before the step or after its updates, or in a loss or gradient: every parameter,
 *         buffer and optimizer state, the EMA, the random streams' positions, the step
 *         count and the statistics are then bitwise as before the call),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_trainer_step(gan_trainer *trainer, const gan_tensor *real);

/** Completed steps, or -1 for NULL. */
GAN_API int64_t gan_trainer_step_count(const gan_trainer *trainer);

/**
 * A statistic of the last step.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (no step yet).
 */
GAN_API gan_status gan_trainer_get_stat(const gan_trainer *trainer, gan_trainer_stat stat,
                                        float *value);

/**
 * Calls @p callback after every successful step; NULL removes it.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_trainer_set_callback(gan_trainer *trainer, gan_step_callback callback,
                                            void *user_data);

/**
 * The EMA of the generator's parameters (GAN_TRAINER_EMA_DECAY > 0), borrowed from the
 * trainer; write it into a model of the same layout with gan_ema_copy_to().
 * @return the average, or NULL (with gan_last_error() set) when it is off.
 */
GAN_API gan_ema *gan_trainer_ema(gan_trainer *trainer);

/**
 * Lets checkpoints carry a data set's position (epoch, index and shuffle order), so that
 * gan_trainer_load() puts it back where it was. Borrowed; NULL detaches it.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_trainer_set_dataset(gan_trainer *trainer, gan_dataset *dataset);

/**
 * Saves the whole training state: both models (parameters and buffers), both optimizers'
 * state and step counts, the EMA, the trainer's step count and options, and the random
 * generator's stream positions, and the position of the data set given to
 * gan_trainer_set_dataset(). Atomic, like gan_model_save().
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_trainer_save(const gan_trainer *trainer, const char *path);

/**
 * Restores a state saved by gan_trainer_save() into a trainer built the same way (same
 * architectures, optimizers and objective). Training then continues bitwise as if it had
 * never stopped. On failure nothing is changed.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO, GAN_ERR_FORMAT, GAN_ERR_SHAPE or
 *         GAN_ERR_NOT_FOUND (a different architecture or optimizer), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_trainer_load(gan_trainer *trainer, const char *path);

GAN_END_DECLS

#endif /* GAN_TRAINER_H */
