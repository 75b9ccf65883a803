/* Internal: the trainer's layout, shared by its step, its options and its checkpoints. */
#ifndef GAN_GAN_TRAINER_IMPL_H
#define GAN_GAN_TRAINER_IMPL_H

#include <stdbool.h>

#include "core/tensor.h"
#include "gan/snapshot.h"
#include "gan/trainer.h"

struct gan_trainer {
    /* Borrowed. */
    gan_generator *generator;
    gan_discriminator *discriminator;
    gan_optim *generator_optim, *discriminator_optim;
    gan_rng *rng;
    gan_dataset *dataset; /* optional: its position travels in checkpoints */
    /* Owned. */
    gan_loss *loss;
    gan_ema *ema; /* when ema_decay > 0 */
    gan_objective objective;

    int64_t n_critic;
    float weight_clip, ema_decay;
    int64_t steps;
    float stats[6];
    bool have_stats;
    gan_step_callback callback;
    void *callback_user_data;

    /* d loss / d logits for the real and the fake batch, over one growing buffer. */
    float *logit_grads;
    int64_t logit_grad_capacity;
    gan_tensor grad_real, grad_fake;

    /* Everything a step may change, to undo a failed step; D's buffers around G's update. */
    gan_snapshot before_step, d_buffers;
};

#endif /* GAN_GAN_TRAINER_IMPL_H */
