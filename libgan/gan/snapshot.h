/*
 * Internal: a copy of a fixed set of float arrays (parameters, buffers, optimizer state)
 * taken before a training step and written back if the step fails, so a failed step
 * changes nothing. The regions are listed anew before every step (a model's arrays move
 * when a layer is added; an optimizer's active state changes with its options), into
 * memory that is reused.
 */
#ifndef GAN_GAN_SNAPSHOT_H
#define GAN_GAN_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

typedef struct gan_snapshot_region {
    float *data;
    size_t count;
} gan_snapshot_region;

typedef struct gan_snapshot {
    gan_snapshot_region *regions;
    int region_count, region_capacity;
    float *copy;       /* every region, back to back */
    size_t copy_capacity;
} gan_snapshot;

/* Forgets the regions (keeping the memory), before they are added again. */
void gan__snapshot_clear(gan_snapshot *snapshot);

/* Adds a region (before gan__snapshot_allocate). */
gan_status gan__snapshot_add(gan_snapshot *snapshot, float *data, size_t count);

/* Makes the backing store big enough for the regions added since the last clear; it only
 * ever grows, so a snapshot of the same regions allocates nothing. */
gan_status gan__snapshot_allocate(gan_snapshot *snapshot);

void gan__snapshot_take(gan_snapshot *snapshot);
void gan__snapshot_restore(const gan_snapshot *snapshot);
void gan__snapshot_free(gan_snapshot *snapshot);

#endif /* GAN_GAN_SNAPSHOT_H */
