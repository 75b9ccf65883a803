/*
 * Finding NaN and infinities. A float is not finite when its exponent bits are all ones;
 * adding one to the exponent field of such a value carries into the sign bit, so OR-ing
 * (bits & exponent) + lowest exponent bit over a block and testing the sign bit finds one
 * without a branch per element. Fixed-size blocks let gcc -O2 vectorise the loop (it does
 * not vectorise the early-exit loop of isfinite): the scan runs at the speed of memcpy, and
 * only a block that holds a bad value is searched element by element. With AVX-512, 16
 * exponents are compared at once; large arrays are split between threads.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernels/cpu_features.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/finite.h"
#include "kernels/parallel.h"

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

static size_t first_nonfinite_portable(const float *values, size_t count)
{
    size_t start = 0;
    while (start + BLOCK <= count && block_is_finite(values + start))
        start += BLOCK;
    for (size_t i = start; i < count; i++)
        if (!isfinite(values[i]))
            return i;
    return count;
}

/* Elements below which a scan runs on one thread. */
#define SCAN_GRAIN (1 << 17)

typedef struct scan_job {
    const float *values;
    atomic_size_t first; /* the least bad index any stretch found, or the count */
} scan_job;

static void scan_range(void *context, int64_t begin, int64_t end)
{
    scan_job *job = context;
    const size_t length = (size_t)(end - begin);
    const size_t found = gan__cpu_has_avx512()
                             ? gan__first_nonfinite_avx512(job->values + begin, length)
                             : first_nonfinite_portable(job->values + begin, length);
    if (found == length)
        return;
    size_t index = (size_t)begin + found, seen = atomic_load(&job->first);
    while (index < seen && !atomic_compare_exchange_weak(&job->first, &seen, index))
        ;
}

size_t gan__first_nonfinite(const float *values, size_t count)
{
    scan_job job = {.values = values};
    atomic_init(&job.first, count);
    gan__parallel_for((int64_t)count, SCAN_GRAIN, BLOCK, scan_range, &job);
    return atomic_load(&job.first);
}
