/* The trainer's options, statistics, step count, callback, EMA and evaluation record. */
#include <math.h>
#include <stdbool.h>

#include "core/error.h"
#include "gan/discriminator_impl.h"
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

/* The float options' ranges; the integer ones are N_CRITIC, INSTANCE_NOISE_STEPS, PATIENCE. */
static bool is_integer_option(gan_trainer_option option)
{
    return option == GAN_TRAINER_N_CRITIC || option == GAN_TRAINER_INSTANCE_NOISE_STEPS ||
           option == GAN_TRAINER_PATIENCE;
}

static bool known_option(gan_trainer_option option)
{
    return (unsigned)option <= GAN_TRAINER_GMAN_LAMBDA;
}

static gan_status float_out_of_range(const char *what, float value, const char *range)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: %s %g must be %s", what, (double)value,
                     range);
}

/* A finite value >= 0 into *field. */
static gan_status set_non_negative(float *field, const char *what, float value)
{
    if (!(value >= 0.0f) || !isfinite(value))
        return float_out_of_range(what, value, "finite and >= 0");
    *field = value;
    return GAN_OK;
}

gan_status gan_trainer_set_float(gan_trainer *trainer, gan_trainer_option option, float value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!known_option(option))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: unknown option %d", (int)option);
    switch (option) {
    case GAN_TRAINER_WEIGHT_CLIP:
        return set_non_negative(&trainer->weight_clip, "weight clip", value);
    case GAN_TRAINER_LABEL_SMOOTHING:
        return gan_loss_set_float(trainer->loss, GAN_LOSS_LABEL_SMOOTHING, value);
    case GAN_TRAINER_LABEL_FLIP:
        return gan_loss_set_float(trainer->loss, GAN_LOSS_LABEL_FLIP, value);
    case GAN_TRAINER_EMA_DECAY:
        return set_ema_decay(trainer, value);
    case GAN_TRAINER_INSTANCE_NOISE:
        return set_non_negative(&trainer->instance_noise, "instance noise", value);
    case GAN_TRAINER_DIVERSITY_ALARM:
        return set_non_negative(&trainer->diversity_alarm, "diversity alarm", value);
    case GAN_TRAINER_COVERAGE_ALARM:
        if (!(value >= 0.0f && value <= 1.0f))
            return float_out_of_range("coverage alarm", value, "in [0, 1]");
        trainer->coverage_alarm = value;
        return GAN_OK;
    case GAN_TRAINER_MIN_IMPROVEMENT:
        return set_non_negative(&trainer->min_improvement, "minimum improvement", value);
    case GAN_TRAINER_GMAN_LAMBDA:
        return set_non_negative(&trainer->gman_lambda, "GMAN lambda", value);
    default:
        return wrong_type(option, "a float");
    }
}

gan_status gan_trainer_get_float(const gan_trainer *trainer, gan_trainer_option option,
                                 float *value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!value)
        return gan__null(__func__, "value");
    if (!known_option(option))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: unknown option %d", (int)option);
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
    case GAN_TRAINER_INSTANCE_NOISE:
        *value = trainer->instance_noise;
        return GAN_OK;
    case GAN_TRAINER_DIVERSITY_ALARM:
        *value = trainer->diversity_alarm;
        return GAN_OK;
    case GAN_TRAINER_COVERAGE_ALARM:
        *value = trainer->coverage_alarm;
        return GAN_OK;
    case GAN_TRAINER_MIN_IMPROVEMENT:
        *value = trainer->min_improvement;
        return GAN_OK;
    case GAN_TRAINER_GMAN_LAMBDA:
        *value = trainer->gman_lambda;
        return GAN_OK;
    default:
        return wrong_type(option, "a float");
    }
}

/* The integer option's field and its range. */
static int64_t *integer_field(gan_trainer *trainer, gan_trainer_option option, int64_t *minimum,
                              int64_t *maximum, const char **what)
{
    *maximum = INT64_MAX;
    switch (option) {
    case GAN_TRAINER_N_CRITIC:
        *minimum = 1, *maximum = 1000, *what = "n_critic";
        return &trainer->n_critic;
    case GAN_TRAINER_INSTANCE_NOISE_STEPS:
        *minimum = 0, *what = "instance noise steps";
        return &trainer->instance_noise_steps;
    default:
        *minimum = 0, *what = "patience";
        return &trainer->patience;
    }
}

gan_status gan_trainer_set_int(gan_trainer *trainer, gan_trainer_option option, int64_t value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!is_integer_option(option))
        return wrong_type(option, "an integer");
    int64_t minimum, maximum;
    const char *what;
    int64_t *field = integer_field(trainer, option, &minimum, &maximum, &what);
    if (value < minimum || value > maximum)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "trainer: %s %lld is outside %lld..%lld", what,
                         (long long)value, (long long)minimum, (long long)maximum);
    *field = value;
    return GAN_OK;
}

gan_status gan_trainer_get_int(const gan_trainer *trainer, gan_trainer_option option,
                               int64_t *value)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!value)
        return gan__null(__func__, "value");
    if (!is_integer_option(option))
        return wrong_type(option, "an integer");
    int64_t minimum, maximum;
    const char *what;
    *value = *integer_field((gan_trainer *)trainer, option, &minimum, &maximum, &what);
    return GAN_OK;
}

gan_status gan_trainer_set_gradient_hook(gan_trainer *trainer, gan_gradient_hook hook,
                                         void *user_data)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    trainer->gradient_hook = hook;
    trainer->gradient_hook_user_data = user_data;
    return GAN_OK;
}

gan_status gan_trainer_set_batchnorm_sync(gan_trainer *trainer, gan_sum_hook hook,
                                         void *user_data)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    trainer->batchnorm_sync = hook;
    trainer->batchnorm_sync_user_data = user_data;
    gan_model_set_batchnorm_sync(trainer->generator->model, hook, user_data);
    for (int k = 0; k < trainer->discriminator_count; k++)
        gan_model_set_batchnorm_sync(trainer->discriminators[k]->model, hook, user_data);
    return GAN_OK;
}

gan_status gan_trainer_set_shard(gan_trainer *trainer, int64_t rank, int64_t world)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (world < 1 || world > 65536 || rank < 0 || rank >= world)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: rank %lld of %lld processes: the world "
                         "must be 1 to 65536 and the rank 0 to world - 1", __func__,
                         (long long)rank, (long long)world);
    trainer->shard_rank = rank;
    trainer->shard_world = world;
    return GAN_OK;
}

int gan_trainer_discriminator_count(const gan_trainer *trainer)
{
    if (!trainer) {
        gan__null(__func__, "trainer");
        return -1;
    }
    return trainer->discriminator_count;
}

gan_status gan_trainer_record_evaluation(gan_trainer *trainer, double metric, double coverage,
                                         unsigned *verdict)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!verdict)
        return gan__null(__func__, "verdict");
    if (!isfinite(metric))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the metric %g is not finite", __func__,
                         metric);
    if (!(coverage <= 1.0))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the coverage %g is above 1 (or NaN); "
                         "pass a share in [0, 1], or a negative number for none", __func__,
                         coverage);
    gan_evaluation_record *record = &trainer->evaluations;
    unsigned flags = 0;
    if (record->count == 0 || metric < record->best - (double)trainer->min_improvement) {
        record->best = metric;
        record->best_step = trainer->steps;
        record->since_best = 0;
        flags |= GAN_EVALUATION_IMPROVED;
    } else {
        record->since_best++;
    }
    record->count++;
    if (trainer->patience > 0 && record->since_best >= trainer->patience)
        flags |= GAN_EVALUATION_STOP;
    /* Compared in float, the option's type: 8 of 10 classes is not below an alarm at 0.8. */
    if (coverage >= 0.0 && (float)coverage < trainer->coverage_alarm)
        flags |= GAN_EVALUATION_COVERAGE_ALARM;
    *verdict = flags;
    return GAN_OK;
}

gan_status gan_trainer_best_evaluation(const gan_trainer *trainer, double *best,
                                       int64_t *best_step, int64_t *since_best)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    const gan_evaluation_record *record = &trainer->evaluations;
    if (record->count == 0)
        return gan__fail(GAN_ERR_STATE, "%s: no evaluation has been recorded", __func__);
    if (best)
        *best = record->best;
    if (best_step)
        *best_step = record->best_step;
    if (since_best)
        *since_best = record->since_best;
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
