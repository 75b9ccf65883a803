/*
 * Finding NaN and infinities. A float is not finite when its exponent bits are all ones;
 * adding one to the exponent field of such a value carries into the sign bit, so OR-ing
 * (bits & exponent) + lowest exponent bit over a block and testing the sign bit finds one
 * without a branch per element. Fixed-size blocks let gcc -O2 vectorise the loop (it does
 * not vectorise the early-exit loop of isfinite): the scan runs at the speed of memcpy, and
 * only a block that holds a bad value is searched element by element.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernels/finite.h"

enum { BLOCK = 64 };

#define EXPONENT 0x7f800000u
#define EXPONENT_ONE 0x00800000u
#define SIGN 0x80000000u

static bool block_is_finite(const float *values)
{
    uint32_t bits[BLOCK], carry = 0;
    memcpy(bits, values, sizeof bits);
    for (int i = 0; i < BLOCK; i++)
        carry |= (bits[i] & EXPONENT) + EXPONENT_ONE;
    return !(carry & SIGN);
}

size_t gan__first_nonfinite(const float *values, size_t count)
{
    size_t start = 0;
    while (start + BLOCK <= count && block_is_finite(values + start))
        start += BLOCK;
    for (size_t i = start; i < count; i++)
        if (!isfinite(values[i]))
            return i;
    return count;
}
