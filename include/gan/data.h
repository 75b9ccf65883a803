/**
 * @file gan/data.h
 * @brief Data sets: IDX files (MNIST, Fashion-MNIST) and shuffled mini-batches.
 *
 * A data set holds every image in memory, as the file's bytes (one per pixel), with its
 * labels if there are any; batches and copies come out as float32
 * [count, channels, height, width], scaled as asked. Files are read as hostile input:
 * magic numbers, dimensions and labels are checked against the real size of the data
 * before anything is allocated.
 */
#ifndef GAN_DATA_H
#define GAN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "random.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/** How byte pixels 0..255 become floats. Values are part of the ABI. */
typedef enum gan_pixel_range {
    GAN_PIXELS_SYMMETRIC = 0, /**< [-1, 1]: p / 127.5 - 1, for a generator ending in Tanh */
    GAN_PIXELS_UNIT = 1       /**< [0, 1]: p / 255 */
} gan_pixel_range;

/** Options of a data set. Values are part of the ABI. */
typedef enum gan_dataset_option {
    /** int 0/1: skip an epoch's last batch when it is short (default 0: deliver it short). */
    GAN_DATASET_DROP_LAST = 0
} gan_dataset_option;

/** A data set (opaque). */
typedef struct gan_dataset gan_dataset;

/**
 * Loads images from an IDX file (magic 0x00000803: unsigned bytes, [count, height, width])
 * and optionally labels from another (0x00000801: [count], each 0..9). Either file may be
 * gzip-compressed (read through zlib).
 * @param[out] out        receives the data set (caller owns it; gan_dataset_free()), NULL on failure
 * @param images_path     the images file
 * @param labels_path     the labels file, or NULL for none
 * @param range           the pixel scaling
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO (naming the file and the reason),
 *         GAN_ERR_FORMAT (a wrong magic number, dimensions that disagree with the data, a
 *         truncated or over-long file, a label outside 0..9, counts that differ between the
 *         files), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_dataset_load_idx(gan_dataset **out, const char *images_path,
                                        const char *labels_path, gan_pixel_range range);

/** Releases a data set. NULL is a no-op. */
GAN_API void gan_dataset_free(gan_dataset *dataset);

/** The number of samples, or -1 for NULL. */
GAN_API int64_t gan_dataset_count(const gan_dataset *dataset);

/** 1 if the data set has labels, 0 if not, -1 for NULL. */
GAN_API int gan_dataset_has_labels(const gan_dataset *dataset);

/**
 * The shape of one sample, [channels, height, width] ([1, 28, 28] for MNIST).
 * @param dataset     the data set
 * @param[out] rank   receives 3
 * @param[out] shape  receives the dimensions
 * @param capacity    number of int64_t @p shape can hold (at least 3)
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_dataset_sample_shape(const gan_dataset *dataset, int *rank, int64_t *shape,
                                            size_t capacity);

/** Sets an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_dataset_set_int(gan_dataset *dataset, gan_dataset_option option,
                                       int64_t value);

/** Reads an integer option. @return GAN_OK or GAN_ERR_INVALID_ARGUMENT. */
GAN_API gan_status gan_dataset_get_int(const gan_dataset *dataset, gan_dataset_option option,
                                       int64_t *value);

/**
 * Fills the next mini-batch. Each epoch visits every sample once, in an order drawn at the
 * start of the epoch from @p rng's GAN_RNG_SHUFFLE stream (Fisher-Yates), so the order
 * depends only on the seed. The batch size is the first dimension of @p images.
 * @param dataset     the data set
 * @param rng         the random generator
 * @param[out] images [B, channels, height, width]: the first *count rows are filled
 * @param[out] labels [B] or [B, 1] receiving the labels as floats, or NULL
 * @param[out] count  receives the number of samples delivered: B, or fewer for the last
 *                    batch of an epoch (unless GAN_DATASET_DROP_LAST, or sharded)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, labels asked of a data set without them),
 *         GAN_ERR_SHAPE (naming both shapes; also B larger than the data set with drop_last,
 *         or world B larger than it when sharded).
 */
GAN_API gan_status gan_dataset_next_batch(gan_dataset *dataset, gan_rng *rng, gan_tensor *images,
                                          gan_tensor *labels, int64_t *count);

/**
 * Shards the data set for data-parallel training: process @p rank of @p world takes a
 * disjoint slice of the same per-epoch order. With batch B on every process, a step reads
 * samples [index + rank B, index + (rank + 1) B) of the order and moves the position on
 * by world B, so the world's batches together are exactly the batch world B of one
 * process. Every process must use the same seed and position (a checkpoint carries the
 * position, which is the same on every rank). While sharded, an epoch ends when fewer than
 * world B samples are left, whatever GAN_DATASET_DROP_LAST says, so the processes stay in
 * step. (1, 0) is no sharding, the default. Since 0.6.0.
 * @param dataset  the data set
 * @param rank     0 to world - 1
 * @param world    the number of processes, 1 to 65536
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_dataset_set_shard(gan_dataset *dataset, int64_t rank, int64_t world);

/**
 * The shard: this process's rank and the number of processes ((0, 1) when not sharded).
 * Since 0.6.0.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL).
 */
GAN_API gan_status gan_dataset_shard(const gan_dataset *dataset, int64_t *rank, int64_t *world);

/**
 * Where the data set is: the epoch (from 0) and the samples already delivered in it (by
 * every shard together, when sharded).
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT.
 */
GAN_API gan_status gan_dataset_position(const gan_dataset *dataset, int64_t *epoch,
                                        int64_t *index);

/**
 * Copies samples [first, first + N) in file order (no shuffling), N the first dimension of
 * @p images: for evaluation sets and fixed previews.
 * @param dataset     the data set
 * @param first       the first sample
 * @param[out] images [N, channels, height, width]
 * @param[out] labels [N] or [N, 1], or NULL
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (out of range or wrong shape).
 */
GAN_API gan_status gan_dataset_copy(const gan_dataset *dataset, int64_t first, gan_tensor *images,
                                    gan_tensor *labels);

GAN_END_DECLS

#endif /* GAN_DATA_H */
