/*
 * Binary cross-entropy on logits (torch.nn.BCEWithLogitsLoss, reduction "mean").
 *
 * With sigma(x) = 1 / (1 + e^-x) and a target z in [0, 1]:
 *   BCE(x, z) = -z log sigma(x) - (1 - z) log(1 - sigma(x))
 *             = max(x, 0) - x z + log1p(e^-|x|)
 *             = x (1 - z) + log1p(e^-x)     for x >= 0
 *             = -x z      + log1p(e^x)      for x <  0
 *   d BCE / dx = sigma(x) - z
 *             = (1 - z) - e^-x / (1 + e^-x) for x >= 0
 *             = e^x / (1 + e^x) - z         for x <  0
 * The exponent is never positive, so nothing overflows, and both terms of the value are
 * >= 0, so the value has no cancellation (only the gradient does, where sigma(x) ~ z).
 * Everything is computed in double from the float inputs and rounded once; sums are in
 * double. The mean over n elements is sum / n and the gradient (sigma(x) - z) / n.
 *
 * Limits at infinite logits (the value of the formulas as x -> ±inf):
 *   x = +inf: the value is 0 if z = 1, else +inf; the gradient is 1 - z.
 *   x = -inf: the value is 0 if z = 0, else +inf; the gradient is -z.
 * (x (1 - z) with z = 1 is taken as 0 rather than inf * 0.) Finite logits, however large
 * (FLT_MAX), give finite values and gradients. A NaN logit gives a NaN value and gradient.
 */
#include "core/error.h"
#include "loss/loss_impl.h"

/* BCE(x, z) and sigma(x) - z for one logit, in double. NaN takes the x < 0 branch, where
 * log1p(exp(NaN)) keeps it NaN. */
static inline void bce_one(double x, double z, double *value, double *grad)
{
    if (x >= 0.0) {
        double e = exp(-x); /* in [0, 1] */
        *value = (z == 1.0 ? 0.0 : x * (1.0 - z)) + log1p(e);
        *grad = (1.0 - z) - e / (1.0 + e);
    } else {
        double e = exp(x); /* in [0, 1), or NaN */
        *value = (z == 0.0 ? 0.0 : -x * z) + log1p(e);
        *grad = e / (1.0 + e) - z;
    }
}

double gan__bce_sum(const float *x, int64_t n, const float *targets, float target,
                    double divisor, float *grad)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double value, g;
        bce_one(x[i], targets ? targets[i] : target, &value, &g);
        sum += value;
        if (grad)
            grad[i] = (float)(g / divisor); /* |g| <= 1 and |divisor| >= 1: in range */
    }
    return sum;
}

gan_status gan_loss_bce_with_logits(const gan_tensor *logits, const gan_tensor *targets,
                                    float *value, gan_tensor *grad)
{
    if (!logits)
        return gan__null(__func__, "logits");
    if (!targets)
        return gan__null(__func__, "targets");
    gan_status status = gan__loss_check_same_shape(__func__, "targets", targets, "logits", logits);
    if (status == GAN_OK && grad)
        status = gan__loss_check_same_shape(__func__, "grad", grad, "logits", logits);
    if (status != GAN_OK)
        return status;
    int64_t n = logits->numel;
    if (n == 0)
        return gan__fail(GAN_ERR_SHAPE, "%s: logits have no elements; the mean is undefined",
                         __func__);
    for (int64_t i = 0; i < n; i++) {
        float z = targets->data[i];
        if (!(z >= 0.0f && z <= 1.0f))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "%s: target %lld is %g; targets must lie in [0, 1]", __func__,
                             (long long)i, (double)z);
    }
    double sum = gan__bce_sum(logits->data, n, targets->data, 0.0f, (double)n,
                              grad ? grad->data : NULL);
    if (value)
        *value = gan__loss_round(sum / (double)n);
    return GAN_OK;
}
