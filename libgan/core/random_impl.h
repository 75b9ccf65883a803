/* Internal: random fills of raw arrays, for layers that draw into their own buffers. */
#ifndef GAN_CORE_RANDOM_IMPL_H
#define GAN_CORE_RANDOM_IMPL_H

#include <stdint.h>

#include "gan/random.h"

/* The number of streams (gan_rng_stream); checkpoints of 0.5 hold the first four. */
enum { GAN__RNG_STREAMS = GAN_RNG_INSTANCE_NOISE + 1, GAN__RNG_STREAMS_0_5 = 4 };

/* As gan_rng_fill_uniform / gan_rng_fill_normal on `count` floats at `values`. The
 * arguments were checked by the caller; the only failure is an exhausted stream. */
gan_status gan__rng_uniform(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                            float low, float high);
gan_status gan__rng_normal(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                           float mean, float std);

/*
 * Elements [first, first + count) of a fill of `total` numbers, as gan__rng_uniform and
 * gan__rng_normal would give them at those indices, into values[0 .. count); the stream
 * moves past the whole fill. Counter-based numbers make this exact and cheap: each process
 * of a data-parallel run can draw its slice of one global batch's noise.
 * 0 <= first, first + count <= total, checked by the caller.
 */
gan_status gan__rng_uniform_slice(gan_rng *rng, gan_rng_stream stream, float *values,
                                  int64_t first, int64_t count, int64_t total, float low,
                                  float high);
gan_status gan__rng_normal_slice(gan_rng *rng, gan_rng_stream stream, float *values,
                                 int64_t first, int64_t count, int64_t total, float mean,
                                 float std);

/* The four raw 32-bit words of block `block` of `stream`: a pure function of the seed, the
 * stream and the block index (the words a fill at that block would use). Moves nothing: a
 * caller that consumes blocks sets the stream's position itself. `stream` was checked. */
void gan__rng_block(const gan_rng *rng, gan_rng_stream stream, uint64_t block,
                    uint32_t words[4]);

#endif /* GAN_CORE_RANDOM_IMPL_H */
