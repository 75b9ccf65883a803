/* Adam's per-element update: portable and AVX-512 bodies, split between threads. */
#include <math.h>

#include "kernels/adam_update.h"
#include "kernels/cpu_features.h"
#include "kernels/parallel.h"

/* Parameters below which an update runs on one thread. */
#define ADAM_GRAIN (1 << 17)

/* Float arithmetic in PyTorch's order; ISO C mode (-std=c11) keeps gcc from fusing a
 * multiply and an add, so these are the same operations as the AVX-512 body's. */
static void adam_update_portable(const gan_adam_factors *f, int64_t count, float *params,
                                 const float *grads, float *m, float *v)
{
    for (int64_t i = 0; i < count; i++) {
        float g = grads[i], p = params[i];
        if (f->weight_decay != 0.0f) {
            if (f->decoupled)
                p = p * f->shrink;
            else
                g = g + f->weight_decay * p;
        }
        const float mi = m[i] * f->beta1 + f->one_minus_beta1 * g;
        const float vi = v[i] * f->beta2 + (f->one_minus_beta2 * g) * g;
        m[i] = mi;
        v[i] = vi;
        const float denom = sqrtf(vi) / f->bias2_sqrt + f->eps;
        params[i] = p + (f->step_neg * mi) / denom;
    }
}

typedef struct adam_job {
    const gan_adam_factors *f;
    float *params, *m, *v;
    const float *grads;
} adam_job;

static void adam_range(void *context, int64_t begin, int64_t end)
{
    const adam_job *job = context;
    if (gan__cpu_has_avx512())
        gan__adam_update_avx512(job->f, end - begin, job->params + begin, job->grads + begin,
                                job->m + begin, job->v + begin);
    else
        adam_update_portable(job->f, end - begin, job->params + begin, job->grads + begin,
                             job->m + begin, job->v + begin);
}

void gan__adam_update(const gan_adam_factors *f, int64_t count, float *params,
                      const float *grads, float *m, float *v)
{
    adam_job job = {.f = f, .params = params, .m = m, .v = v, .grads = grads};
    gan__parallel_for(count, ADAM_GRAIN, 16, adam_range, &job);
}
