/*
 * Learning-rate schedules: the closed forms of PyTorch's schedulers (gan/optim.h,
 * gan_lr_schedule), evaluated in double at a position t, so a step's learning rate depends
 * on nothing but the options and the step count (a resumed run gets the same bits).
 *
 * PyTorch's schedulers step "chainably" (each lr from the previous one), which differs from
 * the closed form only in the last bits of a double; tests/golden/lr_schedules.txt holds
 * PyTorch's sequences and test_schedule.c compares them to 1e-12 relative.
 */
#include <math.h>

#include "core/error.h"
#include "optim/optim_impl.h"

/* How many milestones are <= t (bisect_right in PyTorch's MultiStepLR). */
static int milestones_passed(const gan_optim *optim, int64_t t)
{
    int passed = 0;
    while (passed < optim->milestone_count && optim->milestones[passed] <= t)
        passed++;
    return passed;
}

/* The schedule proper at position t (no warm-up). */
static gan_status schedule_lr(const gan_optim *optim, double base, int64_t t, double *lr)
{
    const double gamma = optim->value[GAN_OPTIM_SCHEDULE_GAMMA];
    const int64_t steps = optim->flag[GAN_OPTIM_SCHEDULE_STEPS];
    switch ((gan_lr_schedule)optim->flag[GAN_OPTIM_SCHEDULE]) {
    case GAN_LR_CONSTANT:
        *lr = base;
        return GAN_OK;
    case GAN_LR_STEP:
        *lr = base * pow(gamma, (double)(t / steps));
        return GAN_OK;
    case GAN_LR_MULTI_STEP:
        *lr = base * pow(gamma, milestones_passed(optim, t));
        return GAN_OK;
    case GAN_LR_EXPONENTIAL:
        *lr = base * pow(gamma, (double)t);
        return GAN_OK;
    case GAN_LR_LINEAR: {
        const double start = optim->value[GAN_OPTIM_SCHEDULE_START_FACTOR];
        const double end = optim->value[GAN_OPTIM_SCHEDULE_END_FACTOR];
        const double done = (double)(t < steps ? t : steps);
        *lr = base * (start + (end - start) * done / (double)steps);
        return GAN_OK;
    }
    case GAN_LR_COSINE: {
        const double eta_min = optim->value[GAN_OPTIM_SCHEDULE_ETA_MIN];
        const double pi = 3.14159265358979323846;
        *lr = eta_min + (base - eta_min) * (1.0 + cos(pi * (double)t / (double)steps)) / 2.0;
        return GAN_OK;
    }
    case GAN_LR_LAMBDA: {
        const double factor = optim->lr_lambda(optim->lr_lambda_user_data, t);
        if (!(factor >= 0.0) || !isfinite(factor))
            return gan__fail(GAN_ERR_NUMERIC, "gan_optim: the learning-rate lambda returned %g "
                             "at step %lld; it must be a finite factor >= 0", factor, (long long)t);
        *lr = base * factor;
        return GAN_OK;
    }
    }
    return gan__fail(GAN_ERR_STATE, "gan_optim: unknown schedule %lld",
                     (long long)optim->flag[GAN_OPTIM_SCHEDULE]);
}

gan_status gan__optim_scheduled_lr(const gan_optim *optim, int64_t t, double *lr)
{
    const double base = optim->value[GAN_OPTIM_LR];
    const int64_t warmup = optim->flag[GAN_OPTIM_WARMUP_STEPS];
    if (t < warmup) {
        const double start = optim->value[GAN_OPTIM_WARMUP_START_FACTOR];
        *lr = base * (start + (1.0 - start) * (double)t / (double)warmup);
        return GAN_OK;
    }
    return schedule_lr(optim, base, t - warmup, lr);
}

gan_status gan_optim_current_lr(const gan_optim *optim, double *lr)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!lr)
        return gan__null(__func__, "lr");
    return gan__optim_scheduled_lr(optim, optim->steps, lr);
}

gan_status gan_optim_set_milestones(gan_optim *optim, const int64_t *milestones, size_t count)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (count > GAN__OPTIM_MAX_MILESTONES)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %zu milestones; at most %d", __func__,
                         count, GAN__OPTIM_MAX_MILESTONES);
    if (count > 0 && !milestones)
        return gan__null(__func__, "milestones");
    for (size_t i = 0; i < count; i++)
        if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1]))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: milestone %zu is %lld; milestones "
                             "must be >= 1 and strictly increasing", __func__, i,
                             (long long)milestones[i]);
    for (size_t i = 0; i < count; i++)
        optim->milestones[i] = milestones[i];
    optim->milestone_count = (int)count;
    return GAN_OK;
}

gan_status gan_optim_get_milestones(const gan_optim *optim, int64_t *milestones, size_t capacity,
                                    size_t *count)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!count)
        return gan__null(__func__, "count");
    if ((size_t)optim->milestone_count > capacity)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: there are %d milestones; room for %zu",
                         __func__, optim->milestone_count, capacity);
    if (optim->milestone_count > 0 && !milestones)
        return gan__null(__func__, "milestones");
    for (int i = 0; i < optim->milestone_count; i++)
        milestones[i] = optim->milestones[i];
    *count = (size_t)optim->milestone_count;
    return GAN_OK;
}

gan_status gan_optim_set_lr_lambda(gan_optim *optim, gan_lr_lambda lambda, void *user_data)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!lambda && optim->flag[GAN_OPTIM_SCHEDULE] == GAN_LR_LAMBDA)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the schedule is GAN_LR_LAMBDA; choose "
                         "another before removing its function", __func__);
    optim->lr_lambda = lambda;
    optim->lr_lambda_user_data = user_data;
    return GAN_OK;
}
