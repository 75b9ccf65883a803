/**
 * @file gan/optim.h
 * @brief Optimizers over a model's parameters, and an exponential moving average of them.
 *
 * An optimizer borrows a model and updates its contiguous parameter array from its
 * contiguous gradient array, with PyTorch's update rules and defaults (torch.optim.SGD,
 * Adam, AdamW, RMSprop). Its state (moments, step count) is a set of named arrays of the
 * parameter array's length, reachable for checkpoints.
 */
#ifndef GAN_OPTIM_H
#define GAN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "model.h"
#include "status.h"

GAN_BEGIN_DECLS

/** The update rules. Values are part of the ABI. */
typedef enum gan_optim_kind {
    GAN_OPTIM_SGD = 0,     /**< torch.optim.SGD: lr (no default: 0.01 here), momentum 0, dampening 0, nesterov off, weight_decay 0 */
    GAN_OPTIM_ADAM = 1,    /**< torch.optim.Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (L2, added to the gradient) */
    GAN_OPTIM_ADAMW = 2,   /**< torch.optim.AdamW: as Adam with decoupled weight decay, default 0.01 */
    GAN_OPTIM_RMSPROP = 3  /**< torch.optim.RMSprop: lr 0.01, alpha 0.99, eps 1e-8, momentum 0, centered off, weight_decay 0 */
} gan_optim_kind;

/** Options of an optimizer. Values are part of the ABI. */
typedef enum gan_optim_option {
    GAN_OPTIM_LR = 0,            /**< float > 0; may change between steps */
    GAN_OPTIM_MOMENTUM = 1,      /**< float >= 0 (SGD, RMSprop) */
    GAN_OPTIM_DAMPENING = 2,     /**< float (SGD) */
    GAN_OPTIM_NESTEROV = 3,      /**< int 0/1 (SGD; needs momentum > 0 and dampening 0: set momentum
                                      first; while on, momentum cannot become 0 nor dampening leave 0) */
    GAN_OPTIM_WEIGHT_DECAY = 4,  /**< float >= 0 */
    GAN_OPTIM_BETA1 = 5,         /**< float in [0, 1) (Adam, AdamW) */
    GAN_OPTIM_BETA2 = 6,         /**< float in [0, 1) (Adam, AdamW) */
    GAN_OPTIM_EPS = 7,           /**< float > 0 (Adam, AdamW, RMSprop) */
    GAN_OPTIM_ALPHA = 8,         /**< float in [0, 1) (RMSprop smoothing) */
    GAN_OPTIM_CENTERED = 9,      /**< int 0/1 (RMSprop) */
    GAN_OPTIM_MAX_GRAD_NORM = 10, /**< float >= 0: before each step, scale the gradients so their
                                      global L2 norm is at most this (torch.nn.utils.clip_grad_norm_);
                                      0 (default) turns clipping off */
    /* The learning-rate schedule (every rule; see gan_lr_schedule). Since 0.6.0. */
    GAN_OPTIM_SCHEDULE = 11,           /**< int, a gan_lr_schedule (default GAN_LR_CONSTANT) */
    GAN_OPTIM_SCHEDULE_STEPS = 12,     /**< int >= 1 (default 1): StepLR's step_size, LinearLR's
                                            total_iters, CosineAnnealingLR's T_max */
    GAN_OPTIM_SCHEDULE_GAMMA = 13,     /**< float > 0 (default 0.1): the factor of StepLR,
                                            MultiStepLR and ExponentialLR */
    GAN_OPTIM_SCHEDULE_START_FACTOR = 14, /**< float in (0, 1] (default 1/3): LinearLR's start_factor */
    GAN_OPTIM_SCHEDULE_END_FACTOR = 15,   /**< float in [0, 1] (default 1): LinearLR's end_factor */
    GAN_OPTIM_SCHEDULE_ETA_MIN = 16,   /**< float >= 0 (default 0): CosineAnnealingLR's eta_min,
                                            a learning rate */
    GAN_OPTIM_WARMUP_STEPS = 17,       /**< int >= 0 (default 0 = none): steps of linear warm-up
                                            before the schedule starts */
    GAN_OPTIM_WARMUP_START_FACTOR = 18 /**< float in (0, 1] (default 1/3): the warm-up's first
                                            learning rate, as a factor of GAN_OPTIM_LR */
} gan_optim_option;

/**
 * Learning-rate schedules, with the closed forms of PyTorch's schedulers. The schedule's
 * position t is the optimizer's step count before the step (0 for the first step): the
 * scheduler is stepped once per optimizer step, so express epochs in steps. GAN_OPTIM_LR is
 * the base learning rate; step t uses, computed in double:
 *
 *   GAN_LR_CONSTANT     lr
 *   GAN_LR_STEP         lr gamma^floor(t / steps)                            (StepLR)
 *   GAN_LR_MULTI_STEP   lr gamma^(milestones <= t)                           (MultiStepLR)
 *   GAN_LR_EXPONENTIAL  lr gamma^t                                           (ExponentialLR)
 *   GAN_LR_LINEAR       lr (start + (end - start) min(t, steps) / steps)     (LinearLR)
 *   GAN_LR_COSINE       eta_min + (lr - eta_min) (1 + cos(pi t / steps)) / 2 (CosineAnnealingLR)
 *   GAN_LR_LAMBDA       lr lambda(t)                                         (LambdaLR)
 *
 * With W = GAN_OPTIM_WARMUP_STEPS > 0, steps t < W use lr (s + (1 - s) t / W), s the warm-up
 * start factor, and step t >= W uses the schedule at t - W: PyTorch's
 * SequentialLR([LinearLR(s, 1, W), schedule], milestones=[W]). The position travels with the
 * step count in training checkpoints, so a resumed run continues the schedule exactly.
 * Values are part of the ABI.
 */
typedef enum gan_lr_schedule {
    GAN_LR_CONSTANT = 0,
    GAN_LR_STEP = 1,
    GAN_LR_MULTI_STEP = 2,   /**< milestones from gan_optim_set_milestones() */
    GAN_LR_EXPONENTIAL = 3,
    GAN_LR_LINEAR = 4,
    GAN_LR_COSINE = 5,
    GAN_LR_LAMBDA = 6        /**< the function given to gan_optim_set_lr_lambda() */
} gan_lr_schedule;

/**
 * A LambdaLR-style schedule: the factor of the base learning rate at position @p step.
 * It must return a finite number >= 0 (otherwise the step fails with GAN_ERR_NUMERIC and
 * changes nothing) and be a pure function of its arguments, so that resumed runs repeat.
 */
typedef double (*gan_lr_lambda)(void *user_data, int64_t step);

/** An optimizer (opaque). */
typedef struct gan_optim gan_optim;

/**
 * Creates an optimizer for @p model's parameters, with the rule's defaults.
 * @param[out] out  receives the optimizer (caller owns it; gan_optim_free()), NULL on failure
 * @param kind      the update rule
 * @param model     borrowed: it must outlive the optimizer; adding layers to it afterwards
 *                  makes gan_optim_step() fail with GAN_ERR_STATE
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (also for a model without parameters),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_optim_new(gan_optim **out, gan_optim_kind kind, gan_model *model);

/** Releases an optimizer (not its model). NULL is a no-op. */
GAN_API void gan_optim_free(gan_optim *optim);

/** The optimizer's rule, or -1 for NULL. */
GAN_API int gan_optim_kind_of(const gan_optim *optim);

/**
 * Sets a float option.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, an option the rule does not have, a value
 *         out of range or not finite).
 */
GAN_API gan_status gan_optim_set_float(gan_optim *optim, gan_optim_option option, float value);

/** Reads a float option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_optim_get_float(const gan_optim *optim, gan_optim_option option,
                                       float *value);

/** Sets an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_optim_set_int(gan_optim *optim, gan_optim_option option, int64_t value);

/** Reads an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_optim_get_int(const gan_optim *optim, gan_optim_option option,
                                     int64_t *value);

/**
 * Updates the model's parameters from its gradients (clipping them first if
 * GAN_OPTIM_MAX_GRAD_NORM is set). The gradients are not zeroed. Finite gradients can
 * still overflow in the update, as in PyTorch (Adam's (1 - beta2) g * g beyond FLT_MAX for
 * |g| above about 6e20, or a parameter pushed past FLT_MAX by a huge learning rate): the
 * step then succeeds with an infinity in the state. gan_trainer_step() checks for that and
 * undoes its step.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (the model's parameters changed
 *         since the optimizer was made, or the step count is at INT64_MAX),
 *         GAN_ERR_NUMERIC (a gradient is not finite: nothing was changed).
 */
GAN_API gan_status gan_optim_step(gan_optim *optim);

/**
 * The milestones of GAN_LR_MULTI_STEP: positions where the learning rate is multiplied by
 * gamma. Copied. Since 0.6.0.
 * @param optim       the optimizer
 * @param milestones  @p count positions, strictly increasing, each >= 1 (may be NULL when
 *                    @p count is 0)
 * @param count       0 to 64
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_optim_set_milestones(gan_optim *optim, const int64_t *milestones,
                                            size_t count);

/**
 * Reads the milestones. Since 0.6.0.
 * @param optim           the optimizer
 * @param[out] milestones receives up to @p capacity positions (may be NULL when @p capacity is 0)
 * @param capacity        room in @p milestones
 * @param[out] count      receives how many there are
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (also when @p capacity is too small).
 */
GAN_API gan_status gan_optim_get_milestones(const gan_optim *optim, int64_t *milestones,
                                            size_t capacity, size_t *count);

/**
 * The function of GAN_LR_LAMBDA, with user data; NULL removes it (refused while the
 * schedule is GAN_LR_LAMBDA). Set it before choosing GAN_LR_LAMBDA, and again before
 * gan_trainer_load() restores a run that used it: functions do not travel in files.
 * Since 0.6.0.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_optim_set_lr_lambda(gan_optim *optim, gan_lr_lambda lambda,
                                           void *user_data);

/**
 * The learning rate the next step will use: GAN_OPTIM_LR under the schedule at the
 * current step count. Since 0.6.0.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_NUMERIC (the lambda returned a
 *         negative or non-finite factor).
 */
GAN_API gan_status gan_optim_current_lr(const gan_optim *optim, double *lr);

/**
 * The global L2 norm of the gradients at the last step, before clipping.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (no step yet).
 */
GAN_API gan_status gan_optim_last_grad_norm(const gan_optim *optim, float *norm);

/** Steps taken so far (Adam's bias correction uses it), or -1 for NULL. */
GAN_API int64_t gan_optim_step_count(const gan_optim *optim);

/**
 * Sets the step count, to resume from a checkpoint. A count > 0 also marks SGD's momentum
 * buffer as running (restore it with the state).
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL or negative).
 */
GAN_API gan_status gan_optim_set_step_count(gan_optim *optim, int64_t steps);

/**
 * The number of state arrays ("exp_avg", "exp_avg_sq", "momentum_buffer", ...) the current
 * options use: SGD's momentum_buffer while momentum != 0; RMSprop's grad_avg while centered,
 * momentum_buffer while momentum > 0. Arrays not in use keep their values. -1 for NULL.
 */
GAN_API int gan_optim_state_count(const gan_optim *optim);

/**
 * A state array: as many floats as the model has parameters, in the same order.
 * Writable, to restore a checkpoint.
 * @param optim       the optimizer
 * @param index       0 to gan_optim_state_count() - 1
 * @param[out] name   receives PyTorch's name for it (borrowed), or pass NULL
 * @param[out] data   receives the array (borrowed, valid until the optimizer is freed)
 * @param[out] count  receives its length in floats
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (the model's parameters changed
 *         since the optimizer was made).
 */
GAN_API gan_status gan_optim_state(gan_optim *optim, int index, const char **name, float **data,
                                   size_t *count);

/** An exponential moving average of a model's parameters (opaque). */
typedef struct gan_ema gan_ema;

/**
 * Starts an average at the model's current parameters.
 * @param[out] out  receives the average (caller owns it; gan_ema_free()), NULL on failure
 * @param model     borrowed: it must outlive the average
 * @param decay     in [0, 1]: each update computes avg = decay avg + (1 - decay) param
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (also for a model without parameters),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_ema_new(gan_ema **out, gan_model *model, float decay);

/** Releases an average. NULL is a no-op. */
GAN_API void gan_ema_free(gan_ema *ema);

/**
 * Folds the model's current parameters into the average.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (the model's parameters changed).
 */
GAN_API gan_status gan_ema_update(gan_ema *ema);

/**
 * Writes the averaged parameters, and the tracked model's buffers (BatchNorm statistics),
 * into @p target, a model with the same parameter layout (for sampling).
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (a different layout),
 *         GAN_ERR_STATE (the tracked model's parameters changed since the average was made).
 */
GAN_API gan_status gan_ema_copy_to(const gan_ema *ema, gan_model *target);

/**
 * The averaged parameters, in the model's order. Writable, to restore a checkpoint.
 * @param ema         the average
 * @param[out] data   receives the array (borrowed)
 * @param[out] count  receives its length in floats
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_STATE (the tracked model's parameters
 *         changed).
 */
GAN_API gan_status gan_ema_data(gan_ema *ema, float **data, size_t *count);

GAN_END_DECLS

#endif /* GAN_OPTIM_H */
