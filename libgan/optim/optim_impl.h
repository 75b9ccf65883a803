/* Internal: the optimizer object and the update rules (sgd.c, adam.c, rmsprop.c). */
#ifndef GAN_OPTIM_OPTIM_IMPL_H
#define GAN_OPTIM_OPTIM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/optim.h"

/* One past the last gan_optim_option; options up to GAN_OPTIM_MAX_GRAD_NORM are 0.5's (a
 * checkpoint written by 0.5 lists only those). */
enum {
    GAN__OPTIM_OPTION_COUNT = GAN_OPTIM_WARMUP_START_FACTOR + 1,
    GAN__OPTIM_OPTION_COUNT_0_5 = GAN_OPTIM_MAX_GRAD_NORM + 1,
    GAN__OPTIM_MAX_MILESTONES = 64
};

/* The state arrays a rule may use. Each has a fixed slot in the state block, allocated
 * (zeroed) when the optimizer is made; gan_optim_state lists the ones the current
 * options use. */
typedef enum gan__optim_slot_index {
    GAN__SLOT_MOMENTUM = 0,    /* SGD: "momentum_buffer" */
    GAN__SLOT_EXP_AVG = 0,     /* Adam, AdamW: "exp_avg" */
    GAN__SLOT_EXP_AVG_SQ = 1,  /* Adam, AdamW: "exp_avg_sq" */
    GAN__SLOT_SQUARE_AVG = 0,  /* RMSprop: "square_avg" */
    GAN__SLOT_GRAD_AVG = 1,    /* RMSprop: "grad_avg" (centered) */
    GAN__SLOT_RMS_MOMENTUM = 2 /* RMSprop: "momentum_buffer" (momentum > 0) */
} gan__optim_slot_index;

enum { GAN__OPTIM_MAX_SLOTS = 3 };

struct gan_optim {
    gan_optim_kind kind;
    gan_model *model;             /* borrowed */
    size_t count;                 /* parameters when the optimizer was made */

    /* Option values: floats, and the 0/1 integer options (nesterov, centered). */
    float value[GAN__OPTIM_OPTION_COUNT];
    int64_t flag[GAN__OPTIM_OPTION_COUNT];

    float *state;                 /* slots * count floats, slot s at state + s * count */
    int slots;

    /* The schedule's parts that are not options (see gan/optim.h, gan_lr_schedule). */
    int64_t milestones[GAN__OPTIM_MAX_MILESTONES];
    int milestone_count;
    gan_lr_lambda lr_lambda;
    void *lr_lambda_user_data;
    double step_lr;               /* the learning rate of the step being taken (scheduled) */

    int64_t steps;
    bool momentum_started;        /* SGD: the buffer holds a running value (see sgd.c) */
    bool have_norm;
    float last_norm;
};

/* A state slot's array. */
static inline float *gan__optim_slot(gan_optim *optim, int slot)
{
    return optim->state + (size_t)slot * optim->count;
}

/* The model an optimizer was made for (borrowed), or NULL for NULL: the trainer checks
 * that it was given the right optimizers. */
gan_model *gan__optim_model(const gan_optim *optim);

/* The learning rate at schedule position `t` (schedule.c); GAN_ERR_NUMERIC if the lambda
 * returns a factor that is negative or not finite. */
gan_status gan__optim_scheduled_lr(const gan_optim *optim, int64_t t, double *lr);

/* The update rules: one step over elements first .. first + count - 1 of the parameter,
 * gradient and state arrays (a run of trainable layers), with the step count already
 * advanced (optim->steps is t, the 1-based number of this step) and the step's learning
 * rate in optim->step_lr. A step calls its rule once per run. */
void gan__sgd_step(gan_optim *optim, float *params, const float *grads, size_t first,
                   size_t count);
void gan__adam_step(gan_optim *optim, float *params, const float *grads, size_t first,
                    size_t count);
void gan__rmsprop_step(gan_optim *optim, float *params, const float *grads, size_t first,
                       size_t count);

#endif /* GAN_OPTIM_OPTIM_IMPL_H */
