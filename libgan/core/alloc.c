/* The allocator hooks: the default aligned allocator, a user's hooks, and a live count. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "gan/runtime.h"

static void *default_alloc(void *user_data, size_t size, size_t alignment)
{
    (void)user_data;
    void *ptr = NULL;
    return posix_memalign(&ptr, alignment, size) == 0 ? ptr : NULL;
}

static void default_free(void *user_data, void *ptr)
{
    (void)user_data;
    free(ptr);
}

static gan_alloc_fn alloc_hook = default_alloc;
static gan_free_fn free_hook = default_free;
static void *hook_user_data;

/* Blocks handed out and not yet released: the allocator may only change at zero. */
static atomic_long live_blocks;

gan_status gan_set_allocator(gan_alloc_fn alloc_fn, gan_free_fn free_fn, void *user_data)
{
    if ((alloc_fn == NULL) != (free_fn == NULL))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "gan_set_allocator: give both hooks, or NULL for both to restore the default");
    long live = atomic_load(&live_blocks);
    if (live != 0)
        return gan__fail(GAN_ERR_STATE,
                         "gan_set_allocator: %ld libgan allocations are still live; free every libgan object first",
                         live);
    alloc_hook = alloc_fn ? alloc_fn : default_alloc;
    free_hook = free_fn ? free_fn : default_free;
    hook_user_data = alloc_fn ? user_data : NULL;
    return GAN_OK;
}

void *gan__alloc(size_t bytes, const char *what)
{
    /* Round up so a hook backed by aligned_alloc() gets a multiple of the alignment. */
    size_t rounded = bytes + (GAN_ALIGNMENT - 1);
    if (bytes == 0 || rounded < bytes) {
        gan__fail(GAN_ERR_OVERFLOW, "cannot allocate %zu bytes for %s", bytes, what);
        return NULL;
    }
    rounded -= rounded % GAN_ALIGNMENT;
    void *ptr = alloc_hook(hook_user_data, rounded, GAN_ALIGNMENT);
    if (!ptr) {
        gan__fail(GAN_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s", bytes, what);
        return NULL;
    }
    atomic_fetch_add(&live_blocks, 1);
    return ptr;
}

void *gan__calloc(size_t bytes, const char *what)
{
    void *ptr = gan__alloc(bytes, what);
    if (ptr)
        memset(ptr, 0, bytes);
    return ptr;
}

void *gan__calloc_array(size_t count, size_t size, const char *what)
{
    size_t bytes;
    if (!gan__mul_size(count, size, &bytes)) {
        gan__fail(GAN_ERR_OVERFLOW, "%zu elements of %zu bytes for %s overflow size_t", count,
                  size, what);
        return NULL;
    }
    return gan__calloc(bytes, what);
}

bool gan__grow_floats(float **buffer, size_t *capacity, size_t needed, const char *what)
{
    if (needed <= *capacity)
        return true;
    float *grown = gan__calloc_array(needed, sizeof(float), what);
    if (!grown)
        return false;
    gan__free(*buffer);
    *buffer = grown;
    *capacity = needed;
    return true;
}

void gan__free(void *ptr)
{
    if (!ptr)
        return;
    free_hook(hook_user_data, ptr);
    atomic_fetch_sub(&live_blocks, 1);
}
