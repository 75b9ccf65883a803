/*
 * RMSprop (torch.optim.RMSprop, PyTorch 1.13, single-tensor "foreach=False" path), per
 * element:
 *   g = grad + weight_decay * p                        (only when weight_decay != 0)
 *   sq = alpha * sq + (1 - alpha) * g * g              "square_avg"
 *   centered:  ga = alpha * ga + (1 - alpha) * g       "grad_avg"
 *              avg = sqrt(sq - ga * ga) + eps
 *   else:      avg = sqrt(sq) + eps
 *   momentum > 0:  buf = momentum * buf + g / avg      "momentum_buffer" (starts at 0)
 *                  p = p - lr * buf
 *   else:          p = p - lr * g / avg
 * Scalars (1 - alpha, -lr) are formed in double from the float options and rounded to
 * float; the element-wise arithmetic is float, in PyTorch's order. One deliberate
 * difference: where rounding makes sq - ga * ga negative (PyTorch then takes the square
 * root of a negative number and the parameter becomes NaN), libgan uses 0.
 */
#include <math.h>

#include "optim/optim_impl.h"

void gan__rmsprop_step(gan_optim *optim, float *params, const float *grads, size_t first,
                       size_t count)
{
    params += first;
    grads += first;
    const double alpha = optim->value[GAN_OPTIM_ALPHA];
    const float a = (float)alpha, one_minus_a = (float)(1.0 - alpha);
    const float lr_neg = (float)(-optim->step_lr);
    const float weight_decay = optim->value[GAN_OPTIM_WEIGHT_DECAY];
    const float eps = optim->value[GAN_OPTIM_EPS];
    const float momentum = optim->value[GAN_OPTIM_MOMENTUM];
    const bool centered = optim->flag[GAN_OPTIM_CENTERED] != 0;
    const bool with_momentum = momentum > 0.0f;

    float *sq = gan__optim_slot(optim, GAN__SLOT_SQUARE_AVG) + first;
    float *ga = gan__optim_slot(optim, GAN__SLOT_GRAD_AVG) + first;
    float *buf = gan__optim_slot(optim, GAN__SLOT_RMS_MOMENTUM) + first;
    for (size_t i = 0; i < count; i++) {
        float g = grads[i];
        if (weight_decay != 0.0f)
            g = g + weight_decay * params[i];
        float s = sq[i] * a + (one_minus_a * g) * g;
        sq[i] = s;
        float avg;
        if (centered) {
            float mean = ga[i] * a + one_minus_a * g;
            ga[i] = mean;
            float var = s + (-mean) * mean;
            avg = sqrtf(var > 0.0f ? var : 0.0f);
        } else {
            avg = sqrtf(s);
        }
        avg = avg + eps;
        if (with_momentum) {
            float b = buf[i] * momentum + g / avg;
            buf[i] = b;
            params[i] = params[i] + lr_neg * b;
        } else {
            params[i] = params[i] + (lr_neg * g) / avg;
        }
    }
}
