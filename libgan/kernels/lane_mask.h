/* Internal: the AVX-512 mask of the first `lanes` of 16 (all for 16 or more, none for 0 or
 * fewer), for the loads and stores at the ragged end of a row. */
#ifndef GAN_KERNELS_LANE_MASK_H
#define GAN_KERNELS_LANE_MASK_H

#include <immintrin.h>
#include <stdint.h>

static inline __mmask16 gan__lane_mask(int64_t lanes)
{
    return lanes >= 16 ? (__mmask16)0xffff : lanes <= 0 ? 0 : (__mmask16)((1u << lanes) - 1);
}

#endif /* GAN_KERNELS_LANE_MASK_H */
