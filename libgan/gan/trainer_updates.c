/*
 * The trainer's updates (the step that calls them, and the algorithm, are in trainer.c):
 * one critic iteration over every discriminator, the generator's update through all of
 * them, D's noisy inputs, and the diversity statistic.
 */
#include <math.h>

#include "core/error.h"
#include "core/random_impl.h"
#include "core/tensor.h"
#include "gan/discriminator_impl.h"
#include "gan/diversity.h"
#include "gan/generator_impl.h"
#include "gan/trainer_impl.h"
#include "loss/loss_impl.h"
#include "nn/model_impl.h"

static bool uses_sigmoid(gan_objective objective)
{
    return objective == GAN_OBJECTIVE_MINIMAX || objective == GAN_OBJECTIVE_NON_SATURATING;
}

static float mean_score(const gan_trainer *trainer, const gan_tensor *logits)
{
    double sum = 0.0;
    for (int64_t i = 0; i < logits->numel; i++)
        sum += uses_sigmoid(trainer->objective) ? 1.0 / (1.0 + exp(-(double)logits->data[i]))
                                                : (double)logits->data[i];
    return (float)(sum / (double)logits->numel);
}

static gan_status not_finite(const char *what, double value)
{
    return gan__fail(GAN_ERR_NUMERIC, "gan_trainer_step: the %s is %g; the step was undone",
                     what, value);
}

typedef struct clip_context {
    float *values;
    float clip;
} clip_context;

static void clip_span(void *context, size_t first, size_t count)
{
    const clip_context *c = context;
    for (size_t i = first; i < first + count; i++)
        c->values[i] = fminf(fmaxf(c->values[i], -c->clip), c->clip);
}

/* WGAN's clamp of D's trainable parameters (frozen layers are never changed). */
static void clip_weights(gan_model *model, float clip)
{
    clip_context context = {NULL, clip};
    size_t count;
    gan_model_parameter_arrays(model, &context.values, NULL, &count);
    gan__model_each_trainable_span(model, clip_span, &context);
}

/* D's input: `samples` itself without noise, else `noisy` = samples + sigma N(0, 1). */
static gan_status noisy_input(gan_trainer *trainer, const gan_tensor *samples, gan_tensor *noisy,
                              float sigma, const gan_tensor **input)
{
    *input = samples;
    if (sigma == 0.0f)
        return GAN_OK;
    /* This process's slice of the noise of the whole world's batch. */
    int64_t total;
    if (__builtin_mul_overflow(noisy->numel, trainer->shard_world, &total))
        return gan__fail(GAN_ERR_OVERFLOW, "gan_trainer_step: instance noise for %lld "
                         "processes overflows", (long long)trainer->shard_world);
    gan_status status = gan__rng_normal_slice(trainer->rng, GAN_RNG_INSTANCE_NOISE, noisy->data,
                                              trainer->shard_rank * noisy->numel, noisy->numel,
                                              total, 0.0f, sigma);
    if (status != GAN_OK)
        return status;
    for (int64_t i = 0; i < noisy->numel; i++)
        noisy->data[i] += samples->data[i];
    *input = noisy;
    return GAN_OK;
}

/* What the discriminators' updates of one critic iteration add up to, for the statistics. */
typedef struct critic_sums {
    double loss, real_score, fake_score, squared_norm;
} critic_sums;

/* D's forward on one batch (real or fake), its loss and backward, accumulating the
 * parameter gradients; adds the mean score to *score and the loss to *loss. */
static gan_status discriminator_half(gan_trainer *trainer, gan_model *d, const gan_tensor *input,
                                     bool real, double *score, double *loss)
{
    const gan_tensor *logits = NULL;
    gan_tensor *grad = real ? &trainer->grad_real : &trainer->grad_fake;
    double part = 0.0;
    gan_status status = gan_model_forward(d, input, &logits);
    if (status != GAN_OK)
        return status;
    *score += mean_score(trainer, logits);
    status = gan__loss_discriminator_part(trainer->loss, trainer->rng, real, logits, &part, grad);
    if (status == GAN_OK)
        status = gan_model_backward(d, grad, 0, NULL);
    *loss += part;
    return status;
}

/* One update of discriminator k on D's inputs `real` and `fake` (as PyTorch's
 * errD_real.backward(); errD_fake.backward(): BatchNorm sees the two batches apart). */
static gan_status update_one_discriminator(gan_trainer *trainer, int k, const gan_tensor *real,
                                           const gan_tensor *fake, critic_sums *sums)
{
    gan_model *d = trainer->discriminators[k]->model;
    gan_optim *optim = trainer->discriminator_optims[k];
    double loss = 0.0;
    gan_status status = gan_model_zero_grad(d);
    if (status == GAN_OK)
        status = discriminator_half(trainer, d, real, true, &sums->real_score, &loss);
    if (status == GAN_OK)
        status = discriminator_half(trainer, d, fake, false, &sums->fake_score, &loss);
    if (status != GAN_OK)
        return status;
    sums->loss += loss;
    if (!isfinite(loss))
        return not_finite("discriminator loss", loss);
    status = gan__reduce_gradients(trainer, 1 + k, d);
    if (status == GAN_OK)
        status = gan_optim_step(optim);
    if (status != GAN_OK)
        return status;
    float norm;
    gan_optim_last_grad_norm(optim, &norm);
    sums->squared_norm += (double)norm * (double)norm;
    if (trainer->weight_clip > 0.0f)
        clip_weights(d, trainer->weight_clip);
    return GAN_OK;
}

/* One critic iteration: a fresh fake batch, and an update of every discriminator on it and
 * on `real`; leaves that fake batch as G's current output in *fake. */
gan_status gan__update_discriminators(gan_trainer *trainer, const gan_tensor *real,
                                        float sigma, const gan_tensor **fake)
{
    const gan_tensor *real_input = NULL, *fake_input = NULL;
    gan_status status = gan__generator_draw_latent_slice(trainer->generator, trainer->rng,
                                                         real->shape[0], trainer->shard_rank,
                                                         trainer->shard_world);
    if (status == GAN_OK)
        status = gan_model_forward(trainer->generator->model, &trainer->generator->latent, fake);
    if (status == GAN_OK)
        status = noisy_input(trainer, real, &trainer->noisy_real, sigma, &real_input);
    if (status == GAN_OK)
        status = noisy_input(trainer, *fake, &trainer->noisy_fake, sigma, &fake_input);
    critic_sums sums = {0};
    for (int k = 0; status == GAN_OK && k < trainer->discriminator_count; k++)
        status = update_one_discriminator(trainer, k, real_input, fake_input, &sums);
    double count = trainer->discriminator_count;
    trainer->stats[GAN_STAT_D_LOSS] = (float)(sums.loss / count);
    trainer->stats[GAN_STAT_D_REAL] = (float)(sums.real_score / count);
    trainer->stats[GAN_STAT_D_FAKE] = (float)(sums.fake_score / count);
    trainer->stats[GAN_STAT_D_GRAD_NORM] = (float)sqrt(sums.squared_norm);
    return status;
}

/* G's weights over the discriminators' losses: 1 for one; the mean, or GMAN's
 * softmax(lambda L) (shifted by the largest for range). */
static void generator_weights(const gan_trainer *trainer, const double *losses, double *weights)
{
    int count = trainer->discriminator_count;
    double largest = losses[0], total = 0.0;
    for (int k = 1; k < count; k++)
        largest = fmax(largest, losses[k]);
    for (int k = 0; k < count; k++) {
        weights[k] = exp((double)trainer->gman_lambda * (losses[k] - largest));
        total += weights[k];
    }
    for (int k = 0; k < count; k++)
        weights[k] /= total;
}

/* d L_G / d fake = sum_k w_k g_k, into the trainer's buffer (one discriminator: g_0 itself). */
static const gan_tensor *combine_gradients(gan_trainer *trainer, const gan_tensor *const *grads,
                                           const double *weights)
{
    if (trainer->discriminator_count == 1)
        return grads[0];
    float *sum = trainer->grad_samples.data;
    for (int64_t i = 0; i < trainer->grad_samples.numel; i++) {
        double value = 0.0;
        for (int k = 0; k < trainer->discriminator_count; k++)
            value += weights[k] * (double)grads[k]->data[i];
        sum[i] = (float)value;
    }
    return &trainer->grad_samples;
}

/* The generator update on G's current output `fake`. The discriminators' running
 * statistics are put back after their forward passes; their parameters and gradients are
 * never touched. */
gan_status gan__update_generator(gan_trainer *trainer, const gan_tensor *fake, float sigma)
{
    const gan_tensor *input = NULL, *grads[GAN__MAX_DISCRIMINATORS] = {NULL};
    double losses[GAN__MAX_DISCRIMINATORS], weights[GAN__MAX_DISCRIMINATORS];
    gan_status status = gan_model_zero_grad(trainer->generator->model);
    if (status == GAN_OK)
        status = noisy_input(trainer, fake, &trainer->noisy_fake, sigma, &input);
    if (status != GAN_OK)
        return status;
    gan__snapshot_take(&trainer->d_buffers);
    for (int k = 0; status == GAN_OK && k < trainer->discriminator_count; k++) {
        gan_model *d = trainer->discriminators[k]->model;
        const gan_tensor *logits = NULL;
        status = gan_model_forward(d, input, &logits);
        if (status == GAN_OK)
            status = gan__loss_generator_part(trainer->loss, logits, &losses[k],
                                              &trainer->grad_fake);
        if (status == GAN_OK)
            status = gan_model_backward(d, &trainer->grad_fake, GAN_BACKWARD_SKIP_PARAMETERS,
                                        &grads[k]);
        if (status == GAN_OK && !isfinite(losses[k]))
            status = not_finite("generator loss", losses[k]);
    }
    gan__snapshot_restore(&trainer->d_buffers);
    if (status != GAN_OK)
        return status;
    generator_weights(trainer, losses, weights);
    double loss = 0.0;
    for (int k = 0; k < trainer->discriminator_count; k++)
        loss += weights[k] * losses[k];
    trainer->stats[GAN_STAT_G_LOSS] = (float)loss;
    status = gan_model_backward(trainer->generator->model, combine_gradients(trainer, grads, weights),
                                0, NULL);
    if (status == GAN_OK)
        status = gan__reduce_gradients(trainer, 0, trainer->generator->model);
    if (status == GAN_OK)
        status = gan_optim_step(trainer->generator_optim);
    if (status != GAN_OK)
        return status;
    gan_optim_last_grad_norm(trainer->generator_optim, &trainer->stats[GAN_STAT_G_GRAD_NORM]);
    return trainer->ema ? gan_ema_update(trainer->ema) : GAN_OK;
}

gan_status gan__reduce_gradients(gan_trainer *trainer, int player, gan_model *model)
{
    if (!trainer->gradient_hook)
        return GAN_OK;
    float *gradients;
    size_t count;
    gan_model_parameter_arrays(model, NULL, &gradients, &count);
    gan_status status = trainer->gradient_hook(trainer->gradient_hook_user_data, player,
                                               gradients, count);
    if (status == GAN_OK)
        return GAN_OK;
    /* The hook's own status when it is one of libgan's errors; GAN_ERR_STATE otherwise. */
    gan_status reported = status >= GAN_ERR_NUMERIC && status < GAN_OK ? status : GAN_ERR_STATE;
    return gan__fail(reported, "gan_trainer_step: the gradient hook returned %d for player %d; "
                     "the step was undone", (int)status, player);
}

/* The mode-collapse statistic: G's batch's spread over the real batch's. */
void gan__measure_diversity(gan_trainer *trainer, const gan_tensor *real, const gan_tensor *fake)
{
    int64_t batch = real->shape[0], features = real->numel / batch;
    double real_spread = gan__batch_diversity(real->data, batch, features, trainer->gram);
    double fake_spread = gan__batch_diversity(fake->data, batch, features, trainer->gram);
    float diversity = real_spread > 0.0 ? (float)(fake_spread / real_spread) : 1.0f;
    trainer->stats[GAN_STAT_DIVERSITY] = diversity;
    trainer->stats[GAN_STAT_DIVERSITY_ALARM] =
        trainer->diversity_alarm > 0.0f && diversity < trainer->diversity_alarm ? 1.0f : 0.0f;
}
