/*
 * The gan_loss object: an adversarial objective and its options.
 *
 *   option            objectives          range      default
 *   LABEL_SMOOTHING   minimax, non-sat.   [0, 1)     0      real targets of D's loss: 1 - s
 *   LABEL_FLIP        minimax, non-sat.   [0, 1]     0      P(a D target is swapped)
 *   LSGAN_A, _B, _C   least squares       finite     0, 1, 1
 *
 * Setting or reading an option the objective does not use is GAN_ERR_INVALID_ARGUMENT,
 * so a misconfiguration (smoothing a WGAN critic) is reported rather than ignored.
 */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "loss/loss_impl.h"

bool gan__objective_is_bce(gan_objective objective)
{
    return objective == GAN_OBJECTIVE_MINIMAX || objective == GAN_OBJECTIVE_NON_SATURATING;
}

const char *gan__objective_name(gan_objective objective)
{
    switch (objective) {
    case GAN_OBJECTIVE_MINIMAX: return "minimax";
    case GAN_OBJECTIVE_NON_SATURATING: return "non-saturating";
    case GAN_OBJECTIVE_WASSERSTEIN: return "wasserstein";
    case GAN_OBJECTIVE_LEAST_SQUARES: return "least-squares";
    case GAN_OBJECTIVE_HINGE: return "hinge";
    }
    return "unknown";
}

gan_status gan_loss_new(gan_loss **out, gan_objective objective)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if ((unsigned)objective > GAN_OBJECTIVE_HINGE)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown objective %d (0..%d)", __func__,
                         (int)objective, (int)GAN_OBJECTIVE_HINGE);
    gan_loss *loss = gan__calloc(sizeof *loss, "loss");
    if (!loss)
        return GAN_ERR_OUT_OF_MEMORY;
    loss->objective = objective;
    loss->lsgan_b = 1.0f; /* the others default to 0 */
    loss->lsgan_c = 1.0f;
    *out = loss;
    return GAN_OK;
}

void gan_loss_free(gan_loss *loss)
{
    gan__free(loss);
}

int gan_loss_objective(const gan_loss *loss)
{
    if (!loss) {
        gan__null(__func__, "loss");
        return -1;
    }
    return (int)loss->objective;
}

static const char *option_name(gan_loss_option option)
{
    switch (option) {
    case GAN_LOSS_LABEL_SMOOTHING: return "label smoothing";
    case GAN_LOSS_LABEL_FLIP: return "label flip";
    case GAN_LOSS_LSGAN_A: return "LSGAN a";
    case GAN_LOSS_LSGAN_B: return "LSGAN b";
    case GAN_LOSS_LSGAN_C: return "LSGAN c";
    }
    return NULL;
}

/* Checks that the option exists and that the loss's objective uses it. */
static gan_status check_option(const char *function, const gan_loss *loss, gan_loss_option option)
{
    if (!loss)
        return gan__null(function, "loss");
    const char *name = option_name(option);
    if (!name)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown option %d", function, (int)option);
    bool bce = gan__objective_is_bce(loss->objective);
    bool lsgan = loss->objective == GAN_OBJECTIVE_LEAST_SQUARES;
    bool used = option == GAN_LOSS_LABEL_SMOOTHING || option == GAN_LOSS_LABEL_FLIP ? bce : lsgan;
    if (!used)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: the %s objective does not use option %d (%s)%s", function,
                         gan__objective_name(loss->objective), (int)option, name,
                         bce || lsgan ? "" : "; it has no options");
    return GAN_OK;
}

gan_status gan_loss_set_float(gan_loss *loss, gan_loss_option option, float value)
{
    gan_status status = check_option(__func__, loss, option);
    if (status != GAN_OK)
        return status;
    const char *name = option_name(option);
    if (!isfinite(value))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s %g is not finite", __func__, name,
                         (double)value);
    if (option == GAN_LOSS_LABEL_SMOOTHING && !(value >= 0.0f && value < 1.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s %g is outside [0, 1)", __func__, name,
                         (double)value);
    if (option == GAN_LOSS_LABEL_FLIP && !(value >= 0.0f && value <= 1.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s %g is outside [0, 1]", __func__, name,
                         (double)value);
    switch (option) {
    case GAN_LOSS_LABEL_SMOOTHING: loss->label_smoothing = value; break;
    case GAN_LOSS_LABEL_FLIP: loss->label_flip = value; break;
    case GAN_LOSS_LSGAN_A: loss->lsgan_a = value; break;
    case GAN_LOSS_LSGAN_B: loss->lsgan_b = value; break;
    case GAN_LOSS_LSGAN_C: loss->lsgan_c = value; break;
    }
    return GAN_OK;
}

gan_status gan_loss_get_float(const gan_loss *loss, gan_loss_option option, float *value)
{
    gan_status status = check_option(__func__, loss, option);
    if (status != GAN_OK)
        return status;
    if (!value)
        return gan__null(__func__, "value");
    switch (option) {
    case GAN_LOSS_LABEL_SMOOTHING: *value = loss->label_smoothing; break;
    case GAN_LOSS_LABEL_FLIP: *value = loss->label_flip; break;
    case GAN_LOSS_LSGAN_A: *value = loss->lsgan_a; break;
    case GAN_LOSS_LSGAN_B: *value = loss->lsgan_b; break;
    case GAN_LOSS_LSGAN_C: *value = loss->lsgan_c; break;
    }
    return GAN_OK;
}
