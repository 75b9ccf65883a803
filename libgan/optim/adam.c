/*
 * Adam and AdamW (torch.optim.Adam / AdamW, PyTorch 1.13, single-tensor "foreach=False"
 * path, amsgrad off), per element, at step t (1 for the first step):
 *   AdamW:  p = p * (1 - lr * weight_decay)           decoupled decay, first
 *   Adam:   g = grad + weight_decay * p               L2 (only when weight_decay != 0)
 *   m = beta1 * m + (1 - beta1) * g                   "exp_avg"
 *   v = beta2 * v + (1 - beta2) * g * g               "exp_avg_sq"
 *   bias1 = 1 - beta1^t,  bias2 = 1 - beta2^t
 *   denom = sqrt(v) / sqrt(bias2) + eps
 *   p = p - (lr / bias1) * m / denom
 * The scalar factors (1 - beta, the bias corrections, lr / bias1, sqrt(bias2),
 * 1 - lr * weight_decay) are computed in double from the float options, as PyTorch does in
 * Python, and rounded to float; the element-wise arithmetic is float, in PyTorch's order
 * (addcmul: v + ((1 - beta2) * g) * g; addcdiv: p + ((-step_size) * m) / denom).
 */
#include <math.h>

#include "kernels/adam_update.h"
#include "optim/optim_impl.h"

void gan__adam_step(gan_optim *optim, float *params, const float *grads, size_t first,
                    size_t count)
{
    const double lr = optim->step_lr;
    const double beta1 = optim->value[GAN_OPTIM_BETA1], beta2 = optim->value[GAN_OPTIM_BETA2];
    const double t = (double)optim->steps;
    const double bias1 = 1.0 - pow(beta1, t), bias2 = 1.0 - pow(beta2, t);

    const gan_adam_factors factors = {
        .beta1 = (float)beta1, .one_minus_beta1 = (float)(1.0 - beta1),
        .beta2 = (float)beta2, .one_minus_beta2 = (float)(1.0 - beta2),
        .bias2_sqrt = (float)sqrt(bias2), .eps = optim->value[GAN_OPTIM_EPS],
        .step_neg = (float)(-(lr / bias1)),
        .weight_decay = optim->value[GAN_OPTIM_WEIGHT_DECAY],
        .shrink = (float)(1.0 - lr * (double)optim->value[GAN_OPTIM_WEIGHT_DECAY]),
        .decoupled = optim->kind == GAN_OPTIM_ADAMW,
    };
    gan__adam_update(&factors, (int64_t)count, params + first, grads + first,
                     gan__optim_slot(optim, GAN__SLOT_EXP_AVG) + first,
                     gan__optim_slot(optim, GAN__SLOT_EXP_AVG_SQ) + first);
}
