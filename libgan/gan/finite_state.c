/* The trainer's finite-in, finite-out checks (gan/finite_state.h). */
#include <stdbool.h>

#include "core/error.h"
#include "core/tensor.h"
#include "gan/finite_state.h"
#include "gan/discriminator_impl.h"
#include "gan/generator_impl.h"
#include "gan/trainer_impl.h"
#include "kernels/finite.h"
#include "optim/optim_impl.h"

/* A NaN or infinity in the training state: where it is and what it is. */
typedef struct nonfinite {
    const char *owner, *kind, *name; /* "generator", "parameter", "0.weight" */
    size_t element;
    float value;
} nonfinite;

static bool scan(const float *values, size_t count, const char *owner, const char *kind,
                 const char *name, nonfinite *found)
{
    size_t element = gan__first_nonfinite(values, count);
    if (element == count)
        return false;
    *found = (nonfinite){owner, kind, name, element, values[element]};
    return true;
}

static bool scan_model(gan_model *model, const char *owner, nonfinite *found)
{
    for (int i = 0; i < gan_model_named_parameter_count(model); i++) {
        const char *name;
        gan_tensor *value;
        gan_model_named_parameter(model, i, &name, &value, NULL);
        if (scan(value->data, (size_t)value->numel, owner, "parameter", name, found))
            return true;
    }
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        const char *name;
        gan_tensor *value;
        gan_model_named_buffer(model, i, &name, &value);
        if (scan(value->data, (size_t)value->numel, owner, "buffer", name, found))
            return true;
    }
    return false;
}

/* The state arrays the optimizer's options use (the others are not read by a step). */
static bool scan_optim(gan_optim *optim, const char *owner, nonfinite *found)
{
    for (int i = 0; i < gan_optim_state_count(optim); i++) {
        const char *name;
        float *data;
        size_t count;
        if (gan_optim_state(optim, i, &name, &data, &count) == GAN_OK &&
            scan(data, count, owner, "optimizer state", name, found))
            return true;
    }
    return false;
}

static bool scan_state(const gan_trainer *trainer, nonfinite *found)
{
    float *average;
    size_t count;
    for (int k = 0; k < trainer->discriminator_count; k++)
        if (scan_model(trainer->discriminators[k]->model, gan__discriminator_label(k), found) ||
            scan_optim(trainer->discriminator_optims[k], gan__discriminator_label(k), found))
            return true;
    return scan_model(trainer->generator->model, "generator", found) ||
           scan_optim(trainer->generator_optim, "generator", found) ||
           (trainer->ema && gan_ema_data(trainer->ema, &average, &count) == GAN_OK &&
            scan(average, count, "generator", "EMA", "parameters", found));
}

gan_status gan__check_state_finite(const gan_trainer *trainer, const char *verb, const char *when)
{
    nonfinite found;
    if (!scan_state(trainer, &found))
        return GAN_OK;
    return gan__fail(GAN_ERR_NUMERIC, "gan_trainer_step: %s %s '%s' %s %g at element %zu %s",
                     found.owner, found.kind, found.name, verb, (double)found.value,
                     found.element, when);
}

gan_status gan__check_real_batch_finite(const gan_tensor *real)
{
    size_t count = (size_t)real->numel, bad = gan__first_nonfinite(real->data, count);
    if (bad == count)
        return GAN_OK;
    return gan__fail(GAN_ERR_NUMERIC, "gan_trainer_step: the real batch holds %g at element "
                     "%zu (sample %lld); nothing was changed", (double)real->data[bad], bad,
                     (long long)(bad / (count / (size_t)real->shape[0])));
}
