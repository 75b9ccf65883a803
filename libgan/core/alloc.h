/* Internal: every allocation libgan makes goes through these (see gan_set_allocator). */
#ifndef GAN_CORE_ALLOC_H
#define GAN_CORE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Alignment of every block: a cache line, and the width of an AVX-512 register. */
#define GAN_ALIGNMENT 64

/*
 * Allocates @p bytes (> 0) through the current hook. On failure returns NULL and sets
 * the error message, naming @p what ("tensor [3, 5] data").
 */
void *gan__alloc(size_t bytes, const char *what);

/* As gan__alloc, zero-filled. */
void *gan__calloc(size_t bytes, const char *what);

/* As gan__calloc for @p count elements of @p size bytes, failing with a message on overflow. */
void *gan__calloc_array(size_t count, size_t size, const char *what);

/*
 * A float buffer that only grows: if @p needed floats exceed *capacity, replaces *buffer
 * with a zeroed block of @p needed and updates *capacity; otherwise does nothing. On
 * failure the old buffer stays. Returns whether the buffer now holds @p needed floats.
 */
bool gan__grow_floats(float **buffer, size_t *capacity, size_t needed, const char *what);

/* Releases a block from gan__alloc; NULL is a no-op. */
void gan__free(void *ptr);

#endif /* GAN_CORE_ALLOC_H */
