/* The trainer's options, statistics, step count, callback and EMA. */
#include <math.h>

#include "core/error.h"
#include "gan/generator_impl.h"
#include "gan/trainer_impl.h"

static gan_status wrong_type(gan_trainer_option option, const char *type)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer option %d is not %s option", (int)option,
                     type);
}

/* Starts or stops the EMA of G; a new decay restarts it from G's current parameters. */
static gan_status set_ema_decay(gan_trainer *trainer, float decay)
{
    if (!(decay >= 0.0f && decay < 1.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: EMA decay %g is outside [0, 1)",
                         (double)decay);
    gan_ema *ema = NULL;
    if (decay > 0.0f) {
        gan_status status = gan_ema_new(&ema, trainer->generator->model, decay);
        if (status != GAN_OK)
            return status;
    }
    gan_ema_free(trainer->ema);
    trainer->ema = ema;
    trainer->ema_decay = decay;
    return GAN_OK;
}

gan_status gan_trainer_set_float(gan_trainer *trainer, gan_trainer_option option, float value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    switch (option) {
    case GAN_TRAINER_WEIGHT_CLIP:
        if (!(value >= 0.0f) || !isfinite(value))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "trainer: weight clip %g must be finite and >= 0", (double)value);
        trainer->weight_clip = value;
        return GAN_OK;
    case GAN_TRAINER_LABEL_SMOOTHING:
        return gan_loss_set_float(trainer->loss, GAN_LOSS_LABEL_SMOOTHING, value);
    case GAN_TRAINER_LABEL_FLIP:
        return gan_loss_set_float(trainer->loss, GAN_LOSS_LABEL_FLIP, value);
    case GAN_TRAINER_EMA_DECAY:
        return set_ema_decay(trainer, value);
    case GAN_TRAINER_N_CRITIC:
        return wrong_type(option, "a float");
    }
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: unknown option %d", (int)option);
}

gan_status gan_trainer_get_float(const gan_trainer *trainer, gan_trainer_option option,
                                 float *value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!value)
        return gan__null(__func__, "value");
    switch (option) {
    case GAN_TRAINER_WEIGHT_CLIP:
        *value = trainer->weight_clip;
        return GAN_OK;
    case GAN_TRAINER_LABEL_SMOOTHING:
        return gan_loss_get_float(trainer->loss, GAN_LOSS_LABEL_SMOOTHING, value);
    case GAN_TRAINER_LABEL_FLIP:
        return gan_loss_get_float(trainer->loss, GAN_LOSS_LABEL_FLIP, value);
    case GAN_TRAINER_EMA_DECAY:
        *value = trainer->ema_decay;
        return GAN_OK;
    case GAN_TRAINER_N_CRITIC:
        return wrong_type(option, "a float");
    }
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: unknown option %d", (int)option);
}

gan_status gan_trainer_set_int(gan_trainer *trainer, gan_trainer_option option, int64_t value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (option != GAN_TRAINER_N_CRITIC)
        return wrong_type(option, "an integer");
    if (value < 1 || value > 1000)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: n_critic %lld is outside 1..1000",
                         (long long)value);
    trainer->n_critic = value;
    return GAN_OK;
}

gan_status gan_trainer_get_int(const gan_trainer *trainer, gan_trainer_option option,
                               int64_t *value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!value)
        return gan__null(__func__, "value");
    if (option != GAN_TRAINER_N_CRITIC)
        return wrong_type(option, "an integer");
    *value = trainer->n_critic;
    return GAN_OK;
}

int64_t gan_trainer_step_count(const gan_trainer *trainer)
{
    if (!trainer) {
        gan__null(__func__, "trainer");
        return -1;
    }
    return trainer->steps;
}

gan_status gan_trainer_get_stat(const gan_trainer *trainer, gan_trainer_stat stat, float *value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!value)
        return gan__null(__func__, "value");
    if ((unsigned)stat >= sizeof trainer->stats / sizeof trainer->stats[0])
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown statistic %d", __func__, (int)stat);
    if (!trainer->have_stats)
        return gan__fail(GAN_ERR_STATE, "%s: no step has completed yet", __func__);
    *value = trainer->stats[stat];
    return GAN_OK;
}

gan_status gan_trainer_set_callback(gan_trainer *trainer, gan_step_callback callback,
                                    void *user_data)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    trainer->callback = callback;
    trainer->callback_user_data = user_data;
    return GAN_OK;
}

gan_status gan_trainer_set_dataset(gan_trainer *trainer, gan_dataset *dataset)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    trainer->dataset = dataset;
    return GAN_OK;
}

gan_ema *gan_trainer_ema(gan_trainer *trainer)
{
    if (!trainer) {
        gan__null(__func__, "trainer");
        return NULL;
    }
    if (!trainer->ema)
        gan__fail(GAN_ERR_STATE, "%s: the EMA is off (set GAN_TRAINER_EMA_DECAY)", __func__);
    return trainer->ema;
}
