/* Internal: random fills of raw arrays, for layers that draw into their own buffers. */
#ifndef GAN_CORE_RANDOM_IMPL_H
#define GAN_CORE_RANDOM_IMPL_H

#include <stdint.h>

#include "gan/random.h"

/* As gan_rng_fill_uniform / gan_rng_fill_normal on `count` floats at `values`. The
 * arguments were checked by the caller; the only failure is an exhausted stream. */
gan_status gan__rng_uniform(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                            float low, float high);
gan_status gan__rng_normal(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                           float mean, float std);

#endif /* GAN_CORE_RANDOM_IMPL_H */
