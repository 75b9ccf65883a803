/**
 * @file gan/random.h
 * @brief Counter-based random numbers (Philox-4x32-10) with independent streams.
 *
 * Every number is a pure function of (seed, stream, position), so results do not depend
 * on the machine or on how work is split across threads. Each stream keeps its own
 * position; drawing from one never moves another. Each fill starts on a fresh 128-bit
 * block: a fill of n numbers advances its stream by ceil(n / 4) blocks.
 */
#ifndef GAN_RANDOM_H
#define GAN_RANDOM_H

#include <stdint.h>

#include "common.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/** The independent streams of a generator. Values are part of the ABI. */
typedef enum gan_rng_stream {
    GAN_RNG_INIT = 0,    /**< parameter initialisation */
    GAN_RNG_NOISE = 1,   /**< latent vectors and other sampling noise */
    GAN_RNG_DROPOUT = 2, /**< dropout masks */
    GAN_RNG_SHUFFLE = 3, /**< data set shuffling */
    GAN_RNG_INSTANCE_NOISE = 4 /**< the trainer's instance noise (since 0.6.0) */
} gan_rng_stream;

/** A random generator: a seed and one position per stream (opaque). */
typedef struct gan_rng gan_rng;

/**
 * Creates a generator with every stream at position 0.
 * @param[out] out receives the generator (caller owns it; gan_rng_free()), NULL on failure
 * @param seed     any value; equal seeds give equal numbers on every machine
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_rng_new(gan_rng **out, uint64_t seed);

/** Releases a generator. NULL is a no-op. */
GAN_API void gan_rng_free(gan_rng *rng);

/** The seed the generator was created with (0, with gan_last_error() set, for NULL). */
GAN_API uint64_t gan_rng_seed(const gan_rng *rng);

/**
 * Fills @p tensor with numbers uniform in [@p low, @p high) drawn from @p stream.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, unknown stream, bounds not finite or
 *         low >= high), GAN_ERR_OVERFLOW (the stream's position has no room for the fill).
 */
GAN_API gan_status gan_rng_fill_uniform(gan_rng *rng, gan_rng_stream stream, gan_tensor *tensor,
                                        float low, float high);

/**
 * Fills @p tensor with normal numbers of the given mean and standard deviation
 * (Box-Muller in double precision), drawn from @p stream.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, unknown stream, mean not finite,
 *         std negative or not finite), GAN_ERR_OVERFLOW (the stream's position has no room
 *         for the fill).
 */
GAN_API gan_status gan_rng_fill_normal(gan_rng *rng, gan_rng_stream stream, gan_tensor *tensor,
                                       float mean, float std);

/**
 * A stream's position, in 128-bit blocks drawn so far; save it to resume later.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (NULL, unknown stream).
 */
GAN_API gan_status gan_rng_get_position(const gan_rng *rng, gan_rng_stream stream,
                                        uint64_t *position);

/**
 * Moves a stream to @p position (as returned by gan_rng_get_position()); the next fill
 * from that stream continues exactly as it would have from there.
 * @return GAN_OK or GAN_ERR_INVALID_ARGUMENT (NULL, unknown stream).
 */
GAN_API gan_status gan_rng_set_position(gan_rng *rng, gan_rng_stream stream, uint64_t position);

GAN_END_DECLS

#endif /* GAN_RANDOM_H */
