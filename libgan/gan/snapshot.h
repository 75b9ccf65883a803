/*
 * Internal: a copy of a fixed set of float arrays (parameters, buffers, optimizer state)
 * taken before a training step and written back if the step fails, so a failed step
 * changes nothing. The backing store is allocated once, when the regions are known.
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
    size_t copy_floats;
} gan_snapshot;

/* Adds a region (before gan__snapshot_allocate). */
gan_status gan__snapshot_add(gan_snapshot *snapshot, float *data, size_t count);

/* Allocates the backing store for the regions added so far. */
gan_status gan__snapshot_allocate(gan_snapshot *snapshot);

void gan__snapshot_take(gan_snapshot *snapshot);
void gan__snapshot_restore(const gan_snapshot *snapshot);
void gan__snapshot_free(gan_snapshot *snapshot);

#endif /* GAN_GAN_SNAPSHOT_H */
