/*
 * Internal: the IDX file reader (MNIST's format), raw or gzip, read as hostile input.
 *
 * An IDX file is a 4-byte magic number (0, 0, type, rank), `rank` big-endian uint32
 * dimensions, then the elements in row-major order. libgan reads unsigned bytes (type 0x08):
 * images (0x00000803: [count, rows, cols]) and labels (0x00000801: [count], each 0..9).
 *
 * gan__idx_open reads and checks the header and bounds the data by the real file size
 * before anything is allocated: a raw file must be exactly header + data bytes (fstat); a
 * gzip file's data may be at most its compressed size times deflate's maximum ratio. The
 * read functions then require exactly that many bytes and the end of the file.
 *
 * zlib's own buffers (gzdopen/gzread) come from malloc, not the allocator hooks.
 */
#ifndef GAN_DATA_IDX_H
#define GAN_DATA_IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

/* IDX magic numbers libgan reads. */
#define GAN_IDX_MAGIC_IMAGES 0x00000803u
#define GAN_IDX_MAGIC_LABELS 0x00000801u

/* Caps on what a header may claim (beyond the size checks). */
#define GAN_IDX_MAX_COUNT 0x7fffffffLL /* samples: indices fit in 31 bits */
#define GAN_IDX_MAX_SIDE 0x10000LL     /* rows and columns: 1 .. 65536 */

/* deflate's maximum compression ratio (zlib's FAQ: 1032:1). */
#define GAN_IDX_MAX_GZIP_RATIO 1032u

typedef enum gan_idx_kind { GAN_IDX_IMAGES, GAN_IDX_LABELS } gan_idx_kind;

typedef struct gan_idx_file {
    const char *function; /* for messages */
    const char *path;     /* borrowed */
    gan_idx_kind kind;
    void *gz;             /* the gzFile; NULL when closed */
    bool compressed;      /* gzip (false: raw bytes) */
    int64_t count, rows, cols; /* rows = cols = 1 for labels */
    uint64_t data_bytes;  /* count * rows * cols */
} gan_idx_file;

/* Opens `path` and checks its header as `kind`. On failure the file is closed. */
gan_status gan__idx_open(gan_idx_file *file, const char *function, const char *path,
                         gan_idx_kind kind);

/* Reads the pixels of an images file, data_bytes bytes as stored, then requires the end of
 * the file. */
gan_status gan__idx_read_images(gan_idx_file *file, uint8_t *out);

/* Reads the labels of a labels file as floats (each 0..9), then requires the end. */
gan_status gan__idx_read_labels(gan_idx_file *file, float *out);

/* Closes the file (no-op if closed). */
void gan__idx_close(gan_idx_file *file);

#endif /* GAN_DATA_IDX_H */
