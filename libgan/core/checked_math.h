/* Internal: size arithmetic that reports overflow instead of wrapping. */
#ifndef GAN_CORE_CHECKED_MATH_H
#define GAN_CORE_CHECKED_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* *out = a * b; false if the product does not fit. */
static inline bool gan__mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; false if the sum does not fit. */
static inline bool gan__add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline bool gan__mul_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

#endif /* GAN_CORE_CHECKED_MATH_H */
