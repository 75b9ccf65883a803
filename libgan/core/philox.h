/*
 * Internal: the Philox-4x32-10 block function (Salmon et al., "Parallel random numbers:
 * as easy as 1, 2, 3", SC 2011). One call maps a 128-bit counter and a 64-bit key to 128
 * random bits; tests check it against the published known-answer vectors.
 */
#ifndef GAN_CORE_PHILOX_H
#define GAN_CORE_PHILOX_H

#include <stdint.h>

typedef struct gan_philox_block {
    uint32_t word[4];
} gan_philox_block;

static inline gan_philox_block gan__philox4x32_10(gan_philox_block counter, const uint32_t key[2])
{
    const uint32_t multiplier0 = 0xD2511F53u, multiplier1 = 0xCD9E8D57u;
    const uint32_t weyl0 = 0x9E3779B9u, weyl1 = 0xBB67AE85u;
    uint32_t k0 = key[0], k1 = key[1];
    uint32_t *c = counter.word;
    for (int round = 0; round < 10; round++) {
        uint64_t product0 = (uint64_t)multiplier0 * c[0];
        uint64_t product1 = (uint64_t)multiplier1 * c[2];
        uint32_t hi0 = (uint32_t)(product0 >> 32), lo0 = (uint32_t)product0;
        uint32_t hi1 = (uint32_t)(product1 >> 32), lo1 = (uint32_t)product1;
        uint32_t next0 = hi1 ^ c[1] ^ k0;
        uint32_t next2 = hi0 ^ c[3] ^ k1;
        c[0] = next0;
        c[1] = lo1;
        c[2] = next2;
        c[3] = lo0;
        k0 += weyl0;
        k1 += weyl1;
    }
    return counter;
}

#endif /* GAN_CORE_PHILOX_H */
