/*
 * Internal: a data set's position, for training checkpoints (libgan/gan/trainer_checkpoint.c).
 *
 * The position is the epoch, the samples delivered in it, and the GAN_RNG_SHUFFLE position
 * at which the epoch's order was drawn: the order is a pure function of the seed and that
 * position (Fisher-Yates from the identity, see dataset.c), so it is redrawn on restore
 * rather than stored.
 *
 * Before the first batch ever, epoch 0 has no order yet: the state is then
 * {epoch 0, index 0, shuffle_position GAN_DATASET_ORDER_NOT_DRAWN}. Restoring a state with
 * GAN_DATASET_ORDER_NOT_DRAWN leaves the data set exactly like a fresh one at that epoch:
 * the next batch draws the order at the rng's shuffle position at that time (which the
 * caller sets after gan__dataset_set_state). An order is never drawn at UINT64_MAX
 * (gan_dataset_next_batch refuses a shuffle stream that close to its end), so the value is
 * unambiguous.
 */
#ifndef GAN_DATA_DATASET_IMPL_H
#define GAN_DATA_DATASET_IMPL_H

#include <stdint.h>

#include "gan/data.h"
#include "gan/random.h"
#include "gan/status.h"

/* shuffle_position of an epoch whose order has not been drawn (only with index 0). */
#define GAN_DATASET_ORDER_NOT_DRAWN UINT64_MAX

/* The shuffle stream must have this many blocks left for an order to be drawn (an order of
 * n samples takes about n / 4 blocks, plus rare rejections). */
#define GAN_DATASET_SHUFFLE_RESERVE (UINT64_C(1) << 40)

typedef struct gan_dataset_state {
    int64_t epoch, index;
    uint64_t shuffle_position;
    int64_t count;
} gan_dataset_state;

/* The position: epoch, samples delivered in it, the GAN_RNG_SHUFFLE position at which this
 * epoch's order was drawn (or GAN_DATASET_ORDER_NOT_DRAWN), and the data set's size (to
 * refuse a different data set). */
void gan__dataset_get_state(const gan_dataset *dataset, gan_dataset_state *state);

/* Checks a state without changing anything: GAN_OK, GAN_ERR_SHAPE (count differs from the
 * data set's) or GAN_ERR_FORMAT (epoch < 0, index outside 0..count, an undrawn order with
 * index > 0, a shuffle position too close to the stream's end), with a message. */
gan_status gan__dataset_check_state(const gan_dataset *dataset, const gan_dataset_state *state);

/* Restores a checked state: redraws that epoch's order from rng at state->shuffle_position
 * (moving rng's shuffle stream; the caller sets the rng's positions afterwards). Cannot
 * fail. */
void gan__dataset_set_state(gan_dataset *dataset, gan_rng *rng, const gan_dataset_state *state);

#endif /* GAN_DATA_DATASET_IMPL_H */
