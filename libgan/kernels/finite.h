/* Internal: finding NaN and infinities in float arrays. */
#ifndef GAN_KERNELS_FINITE_H
#define GAN_KERNELS_FINITE_H

#include <stddef.h>

/* The index of the first NaN or infinity among values[0..count), or count if there is none.
 * As fast as a copy of the array when everything is finite. */
size_t gan__first_nonfinite(const float *values, size_t count);

#endif /* GAN_KERNELS_FINITE_H */
