/*
 * Internal: the trainer's finite-in, finite-out checks. A step refuses a real batch or a
 * training state holding a NaN or an infinity, and checks the state again after its
 * updates: a value a layer does not pass on (tanh of +inf, a weight that WGAN's clipping
 * would bring back to ±c) cannot hide, and a finite gradient that overflows (Adam's second
 * moment, a running variance) cannot leave an infinity behind.
 */
#ifndef GAN_GAN_FINITE_STATE_H
#define GAN_GAN_FINITE_STATE_H

#include "gan/status.h"
#include "gan/tensor.h"
#include "gan/trainer.h"

/* GAN_OK, or GAN_ERR_NUMERIC naming the element and its sample:
 * "gan_trainer_step: the real batch holds nan at element 3 (sample 0); nothing was changed". */
gan_status gan__check_real_batch_finite(const gan_tensor *real);

/* GAN_OK when every named parameter and buffer of both models, the optimizers' state arrays
 * in use and the EMA are finite; otherwise GAN_ERR_NUMERIC with the first bad value:
 * "gan_trainer_step: generator parameter '0.weight' VERB inf at element 1 WHEN". */
gan_status gan__check_state_finite(const gan_trainer *trainer, const char *verb, const char *when);

#endif /* GAN_GAN_FINITE_STATE_H */
