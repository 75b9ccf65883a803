/* Snapshots of float arrays: add regions, allocate once, take and restore by memcpy. */
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "gan/snapshot.h"
#include "kernels/reduction.h"

void gan__snapshot_clear(gan_snapshot *snapshot)
{
    snapshot->region_count = 0;
}

gan_status gan__snapshot_add(gan_snapshot *snapshot, float *data, size_t count)
{
    if (count == 0)
        return GAN_OK;
    if (snapshot->region_count == snapshot->region_capacity) {
        int capacity = snapshot->region_capacity ? 2 * snapshot->region_capacity : 16;
        gan_snapshot_region *grown = gan__calloc_array((size_t)capacity, sizeof *grown,
                                                       "snapshot regions");
        if (!grown)
            return GAN_ERR_OUT_OF_MEMORY;
        if (snapshot->region_count)
            memcpy(grown, snapshot->regions, (size_t)snapshot->region_count * sizeof *grown);
        gan__free(snapshot->regions);
        snapshot->regions = grown;
        snapshot->region_capacity = capacity;
    }
    snapshot->regions[snapshot->region_count++] = (gan_snapshot_region){data, count};
    return GAN_OK;
}

gan_status gan__snapshot_allocate(gan_snapshot *snapshot)
{
    size_t total = 0;
    for (int i = 0; i < snapshot->region_count; i++)
        if (!gan__add_size(total, snapshot->regions[i].count, &total))
            return gan__fail(GAN_ERR_OVERFLOW, "a snapshot of the training state is too large");
    return gan__grow_floats(&snapshot->copy, &snapshot->copy_capacity, total,
                            "training-state snapshot")
               ? GAN_OK
               : GAN_ERR_OUT_OF_MEMORY;
}

void gan__snapshot_take(gan_snapshot *snapshot)
{
    float *at = snapshot->copy;
    for (int i = 0; i < snapshot->region_count; i++) {
        gan__copy_floats(at, snapshot->regions[i].data, snapshot->regions[i].count);
        at += snapshot->regions[i].count;
    }
}

void gan__snapshot_restore(const gan_snapshot *snapshot)
{
    const float *at = snapshot->copy;
    for (int i = 0; i < snapshot->region_count; i++) {
        gan__copy_floats(snapshot->regions[i].data, at, snapshot->regions[i].count);
        at += snapshot->regions[i].count;
    }
}

void gan__snapshot_free(gan_snapshot *snapshot)
{
    gan__free(snapshot->regions);
    gan__free(snapshot->copy);
    memset(snapshot, 0, sizeof *snapshot);
}
