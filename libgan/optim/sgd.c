/*
 * SGD (torch.optim.SGD, PyTorch 1.13, single-tensor "foreach=False" path), per element:
 *   g = grad + weight_decay * p                       (only when weight_decay != 0)
 *   if momentum != 0:
 *       buf = g                                       at the first step with momentum
 *       buf = momentum * buf + (1 - dampening) * g    afterwards
 *       g = g + momentum * buf   if nesterov,  else  g = buf
 *   p = p - lr * g
 * Scalars (1 - dampening, -lr) are formed in double from the float options and rounded to
 * float; the element-wise arithmetic is float, in PyTorch's order.
 *
 * "The first step with momentum": PyTorch keeps momentum_buffer = None until a step runs
 * with momentum != 0, then keeps the buffer (even through steps with momentum 0). Here the
 * buffer is allocated, zeroed, with the optimizer, and a flag says whether it has started:
 * set by the first step with momentum, and by gan_optim_set_step_count (true for a count
 * > 0, i.e. a resumed run whose buffer is restored from a checkpoint; false for 0).
 */
#include "optim/optim_impl.h"

void gan__sgd_step(gan_optim *optim, float *params, const float *grads, size_t first,
                   size_t count)
{
    params += first;
    grads += first;
    const float lr_neg = (float)(-optim->step_lr);
    const float weight_decay = optim->value[GAN_OPTIM_WEIGHT_DECAY];
    const float momentum = optim->value[GAN_OPTIM_MOMENTUM];
    const float keep = (float)(1.0 - (double)optim->value[GAN_OPTIM_DAMPENING]);
    const bool nesterov = optim->flag[GAN_OPTIM_NESTEROV] != 0;

    if (momentum == 0.0f) {
        for (size_t i = 0; i < count; i++) {
            float g = grads[i];
            if (weight_decay != 0.0f)
                g = g + weight_decay * params[i];
            params[i] = params[i] + lr_neg * g;
        }
        return;
    }

    float *buf = gan__optim_slot(optim, GAN__SLOT_MOMENTUM) + first;
    const bool starting = !optim->momentum_started; /* set by gan_optim_step after every run */
    for (size_t i = 0; i < count; i++) {
        float g = grads[i];
        if (weight_decay != 0.0f)
            g = g + weight_decay * params[i];
        float b = starting ? g : buf[i] * momentum + keep * g;
        buf[i] = b;
        g = nesterov ? g + momentum * b : b;
        params[i] = params[i] + lr_neg * g;
    }
}
