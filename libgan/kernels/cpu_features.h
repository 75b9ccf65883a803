/* Internal: what the CPU at hand can run, read from cpuid once (never fixed at build time). */
#ifndef GAN_KERNELS_CPU_FEATURES_H
#define GAN_KERNELS_CPU_FEATURES_H

#include <stdbool.h>

/* AVX-512F with FMA, and an operating system that saves the zmm registers. */
bool gan__cpu_has_avx512(void);

#endif /* GAN_KERNELS_CPU_FEATURES_H */
