/**
 * @file gan/runtime.h
 * @brief Process-wide settings: the allocator hooks and the thread count.
 *
 * These are the only mutable global state libgan keeps. Set them before you create
 * library objects or use the library from more than one thread.
 */
#ifndef GAN_RUNTIME_H
#define GAN_RUNTIME_H

#include <stddef.h>

#include "common.h"
#include "status.h"

GAN_BEGIN_DECLS

/**
 * Allocates @p size bytes (never 0) aligned to @p alignment (a power of two, at least
 * sizeof(void *)). Returns NULL on failure; libgan then reports GAN_ERR_OUT_OF_MEMORY.
 */
typedef void *(*gan_alloc_fn)(void *user_data, size_t size, size_t alignment);

/** Releases a block returned by the matching ::gan_alloc_fn. Never called with NULL. */
typedef void (*gan_free_fn)(void *user_data, void *ptr);

/**
 * Routes every allocation libgan makes through @p alloc_fn and @p free_fn (BLAS keeps its
 * own small buffers). Pass NULL for both to restore the default (posix_memalign/free).
 *
 * Changing allocators while memory from the current one is still in use would free a
 * block with the wrong function, so this fails with GAN_ERR_STATE unless every libgan
 * object has been freed. Not safe to call while another thread is inside libgan.
 *
 * @param alloc_fn   allocation hook, or NULL together with @p free_fn
 * @param free_fn    release hook, or NULL together with @p alloc_fn
 * @param user_data  passed unchanged to both hooks; borrowed, must outlive their use
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT if only one hook is NULL, GAN_ERR_STATE if
 *         libgan memory is still allocated.
 */
GAN_API gan_status gan_set_allocator(gan_alloc_fn alloc_fn, gan_free_fn free_fn,
                                     void *user_data);

/**
 * Sets how many threads libgan's kernels, and the BLAS library under them, may use.
 * With the same seed and the same thread count, training is bitwise reproducible.
 * @param count 1 to 1024
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_set_num_threads(int count);

/**
 * The thread count set with gan_set_num_threads(), or, before any call to it, the count
 * the BLAS library chose when it was loaded.
 */
GAN_API int gan_get_num_threads(void);

GAN_END_DECLS

#endif /* GAN_RUNTIME_H */
