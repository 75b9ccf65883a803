/* Internal: the trainer's layout, shared by its step, its options and its checkpoints. */
#ifndef GAN_GAN_TRAINER_IMPL_H
#define GAN_GAN_TRAINER_IMPL_H

#include <stdbool.h>

#include "core/tensor.h"
#include "gan/snapshot.h"
#include "gan/trainer.h"

enum { GAN__MAX_DISCRIMINATORS = 8, GAN__TRAINER_STATS = GAN_STAT_DIVERSITY_ALARM + 1 };

/* Early stopping's record (gan_trainer_record_evaluation). */
typedef struct gan_evaluation_record {
    int64_t count;       /* evaluations recorded */
    double best;         /* the best metric, once count > 0 */
    int64_t best_step;   /* the trainer step it was recorded at */
    int64_t since_best;  /* evaluations since */
} gan_evaluation_record;

struct gan_trainer {
    /* Borrowed. */
    gan_generator *generator;
    gan_optim *generator_optim;
    gan_discriminator *discriminators[GAN__MAX_DISCRIMINATORS];
    gan_optim *discriminator_optims[GAN__MAX_DISCRIMINATORS];
    int discriminator_count;
    gan_rng *rng;
    gan_dataset *dataset; /* optional: its position travels in checkpoints */
    /* Owned. */
    gan_loss *loss;
    gan_ema *ema; /* when ema_decay > 0 */
    gan_objective objective;

    int64_t n_critic, instance_noise_steps, patience;
    float weight_clip, ema_decay, instance_noise, diversity_alarm, coverage_alarm;
    float min_improvement, gman_lambda;
    int64_t steps;
    float stats[GAN__TRAINER_STATS];
    bool have_stats;
    gan_evaluation_record evaluations;
    gan_step_callback callback;
    void *callback_user_data;
    gan_gradient_hook gradient_hook;
    void *gradient_hook_user_data;
    gan_sum_hook batchnorm_sync; /* given to every player's model, those added later too */
    void *batchnorm_sync_user_data;
    int64_t shard_rank, shard_world; /* gan_trainer_set_shard: world 1 when alone */

    /* d loss / d logits for the real and the fake batch, over one growing buffer. */
    float *logit_grads;
    size_t logit_grad_capacity; /* floats: two per sample */
    gan_tensor grad_real, grad_fake;

    /* D's noisy inputs (instance noise), G's combined sample gradient (several
     * discriminators) and the diversity statistic's Gram matrix, over growing buffers. */
    float *scratch;
    size_t scratch_capacity;
    gan_tensor noisy_real, noisy_fake, grad_samples;
    float *gram;

    /* Everything a step may change, to undo a failed step; D's buffers around G's update. */
    gan_snapshot before_step, d_buffers;
};

/* The updates of a step (trainer_updates.c), at instance-noise level `sigma`: one critic
 * iteration, which leaves its fake batch as G's output in *fake; G's update on that batch;
 * and the diversity statistic of the step. */
gan_status gan__update_discriminators(gan_trainer *trainer, const gan_tensor *real, float sigma,
                                      const gan_tensor **fake);
gan_status gan__update_generator(gan_trainer *trainer, const gan_tensor *fake, float sigma);

/* The gradient hook's call for `player` over `model`'s gradients (GAN_OK without a hook). */
gan_status gan__reduce_gradients(gan_trainer *trainer, int player, gan_model *model);
void gan__measure_diversity(gan_trainer *trainer, const gan_tensor *real, const gan_tensor *fake);

/* Discriminator k's name in messages and its prefix in checkpoints: "discriminator" for
 * the first, then "discriminator1" .. "discriminator7". */
static inline const char *gan__discriminator_label(int k)
{
    static const char *const labels[GAN__MAX_DISCRIMINATORS] = {
        "discriminator",  "discriminator1", "discriminator2", "discriminator3",
        "discriminator4", "discriminator5", "discriminator6", "discriminator7"};
    return labels[k];
}

#endif /* GAN_GAN_TRAINER_IMPL_H */
