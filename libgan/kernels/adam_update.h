/* Internal: Adam's per-element update (the formulas are in optim/adam.c). */
#ifndef GAN_KERNELS_ADAM_UPDATE_H
#define GAN_KERNELS_ADAM_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

/* The step's scalar factors, already rounded to float. */
typedef struct gan_adam_factors {
    float beta1, one_minus_beta1, beta2, one_minus_beta2;
    float bias2_sqrt, eps, step_neg;
    float weight_decay, shrink; /* shrink = 1 - lr weight_decay (AdamW) */
    bool decoupled;             /* AdamW: decay the parameter, not the gradient */
} gan_adam_factors;

/* Updates params, m (exp_avg) and v (exp_avg_sq) in place over count elements, split
 * between threads; the same bits on every path and at every thread count. */
void gan__adam_update(const gan_adam_factors *f, int64_t count, float *params,
                      const float *grads, float *m, float *v);

/* The AVX-512 body over one stretch; only when gan__cpu_has_avx512(). */
void gan__adam_update_avx512(const gan_adam_factors *f, int64_t count, float *params,
                             const float *grads, float *m, float *v);

#endif /* GAN_KERNELS_ADAM_UPDATE_H */
