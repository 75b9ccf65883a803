/*
 * The trainer: one iteration of the adversarial game per gan_trainer_step().
 *
 *   sigma = instance noise of this step (0 when off)
 *   repeat n_critic times:                         (discriminator / critic updates)
 *       z ~ p(z);  fake = G(z)
 *       real~ = real + sigma e,  fake~ = fake + sigma e'   (e, e' ~ N(0, 1))
 *       for each discriminator D_k:
 *           D_k.zero_grad
 *           D_k(real~) -> loss_real, backward     (as PyTorch's errD_real.backward())
 *           D_k(fake~) -> loss_fake, backward     (fake is a constant for D)
 *           D_k.step;  clamp D_k's weights if clipping
 *   G.zero_grad                                    (generator update, on the last fake)
 *   fake~ = fake + sigma e''
 *   for each D_k: D_k(fake~) -> L_k;  backward through D_k without touching its parameters,
 *       gradients or running statistics, to g_k = d L_k / d fake
 *   w = 1 for one discriminator, else softmax(lambda L) (the mean for lambda 0)
 *   G.backward(sum_k w_k g_k);  G.step;  EMA update
 *   diversity = mean pairwise distance of fake over that of real (gan/diversity.h)
 *
 * The step is all-or-nothing: every parameter, buffer and optimizer state is copied first
 * and restored when a loss or gradient is not finite, with the optimizers' scalars, the
 * random streams and the statistics. It neither starts from nor leaves a NaN or an
 * infinity: the real batch and the whole state are checked before the step, and the state
 * again after it (gan/finite_state.h).
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/random_impl.h"
#include "core/tensor.h"
#include "gan/discriminator_impl.h"
#include "gan/diversity.h"
#include "gan/finite_state.h"
#include "gan/generator_impl.h"
#include "gan/snapshot.h"
#include "gan/trainer_impl.h"
#include "loss/loss_impl.h"
#include "nn/model_impl.h"
#include "optim/optim_impl.h"

static bool uses_sigmoid(gan_objective objective)
{
    return objective == GAN_OBJECTIVE_MINIMAX || objective == GAN_OBJECTIVE_NON_SATURATING;
}

/* Adds a model's parameter array and each of its buffers to a snapshot. */
static gan_status snapshot_model(gan_snapshot *snapshot, gan_model *model, bool parameters)
{
    gan_status status = GAN_OK;
    if (parameters) {
        float *values;
        size_t count;
        gan_model_parameter_arrays(model, &values, NULL, &count);
        status = gan__snapshot_add(snapshot, values, count);
    }
    for (int i = 0; status == GAN_OK && i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        gan_model_named_buffer(model, i, NULL, &buffer);
        status = gan__snapshot_add(snapshot, buffer->data, (size_t)buffer->numel);
    }
    return status;
}

/* An optimizer's whole state block: every array it holds, in use or not. */
static gan_status snapshot_optim(gan_snapshot *snapshot, const gan_optim *optim)
{
    return gan__snapshot_add(snapshot, optim->state, (size_t)optim->slots * optim->count);
}

/* Lists what a step may change (anew each time: a model's arrays move when a layer is added,
 * and the memory is reused, so this allocates only when the state grew). */
static gan_status prepare_snapshots(gan_trainer *trainer)
{
    gan__snapshot_clear(&trainer->before_step);
    gan__snapshot_clear(&trainer->d_buffers);
    gan_status status = snapshot_model(&trainer->before_step, trainer->generator->model, true);
    if (status == GAN_OK)
        status = snapshot_optim(&trainer->before_step, trainer->generator_optim);
    for (int k = 0; status == GAN_OK && k < trainer->discriminator_count; k++) {
        status = snapshot_model(&trainer->before_step, trainer->discriminators[k]->model, true);
        if (status == GAN_OK)
            status = snapshot_optim(&trainer->before_step, trainer->discriminator_optims[k]);
        if (status == GAN_OK)
            status = snapshot_model(&trainer->d_buffers, trainer->discriminators[k]->model, false);
    }
    if (status == GAN_OK && trainer->ema) {
        float *data;
        size_t count;
        status = gan_ema_data(trainer->ema, &data, &count);
        if (status == GAN_OK)
            status = gan__snapshot_add(&trainer->before_step, data, count);
    }
    if (status == GAN_OK)
        status = gan__snapshot_allocate(&trainer->before_step);
    if (status == GAN_OK)
        status = gan__snapshot_allocate(&trainer->d_buffers);
    return status;
}

/* G's samples are D's input: D takes G's output shape, unless it already takes another. */
static gan_status connect_models(const char *function, gan_model *generator,
                                 gan_model *discriminator)
{
    int rank, d_rank;
    int64_t shape[GAN_TENSOR_MAX_RANK], d_shape[GAN_TENSOR_MAX_RANK];
    gan_status status = gan_model_output_shape(generator, &rank, shape, GAN_TENSOR_MAX_RANK);
    if (status == GAN_OK)
        status = gan_model_set_input_shape(discriminator, rank, shape);
    if (status == GAN_ERR_STATE &&
        gan_model_input_shape(discriminator, &d_rank, d_shape, GAN_TENSOR_MAX_RANK) == GAN_OK) {
        char made[GAN_SHAPE_TEXT_CAPACITY], taken[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: the generator makes samples %s; the "
                         "discriminator takes %s", function, gan__shape_text(made, rank, shape),
                         gan__shape_text(taken, d_rank, d_shape));
    }
    if (status == GAN_OK)
        status = gan__check_one_logit(function, discriminator);
    return status;
}

/* The optimizer was made for the model it is given with. */
static gan_status check_optim(const char *function, const gan_optim *optim,
                              const gan_model *model, const char *player)
{
    if (gan__optim_model(optim) != model)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the %s optimizer was made for another "
                         "model", function, player);
    return GAN_OK;
}

gan_status gan_trainer_new(gan_trainer **out, gan_generator *generator,
                           gan_discriminator *discriminator, gan_optim *generator_optim,
                           gan_optim *discriminator_optim, gan_objective objective, gan_rng *rng)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!generator || !discriminator || !generator_optim || !discriminator_optim || !rng)
        return gan__null(__func__, !generator ? "generator" : !discriminator ? "discriminator"
                                   : !generator_optim ? "generator_optim"
                                   : !discriminator_optim ? "discriminator_optim" : "rng");
    gan_status status = check_optim(__func__, generator_optim, generator->model, "generator");
    if (status == GAN_OK)
        status = check_optim(__func__, discriminator_optim, discriminator->model, "discriminator");
    if (status == GAN_OK)
        status = connect_models(__func__, generator->model, discriminator->model);
    gan_loss *loss = NULL;
    if (status == GAN_OK)
        status = gan_loss_new(&loss, objective);
    if (status != GAN_OK)
        return status;
    gan_trainer *trainer = gan__calloc(sizeof *trainer, "trainer");
    if (!trainer) {
        gan_loss_free(loss);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    trainer->generator = generator;
    trainer->generator_optim = generator_optim;
    trainer->discriminators[0] = discriminator;
    trainer->discriminator_optims[0] = discriminator_optim;
    trainer->discriminator_count = 1;
    trainer->rng = rng;
    trainer->loss = loss;
    trainer->objective = objective;
    trainer->n_critic = 1;
    gan_model_set_rng(generator->model, rng);
    gan_model_set_rng(discriminator->model, rng);
    *out = trainer;
    return GAN_OK;
}

gan_status gan_trainer_add_discriminator(gan_trainer *trainer, gan_discriminator *discriminator,
                                         gan_optim *optim)
{
    if (!trainer || !discriminator || !optim)
        return gan__null(__func__, !trainer ? "trainer" : !discriminator ? "discriminator"
                                                                          : "optim");
    if (trainer->discriminator_count == GAN__MAX_DISCRIMINATORS)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the trainer has %d discriminators "
                         "already, the most it takes", __func__, GAN__MAX_DISCRIMINATORS);
    if (trainer->steps > 0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: add discriminators before the first "
                         "step (this trainer has taken %lld)", __func__, (long long)trainer->steps);
    for (int k = 0; k < trainer->discriminator_count; k++)
        if (trainer->discriminators[k]->model == discriminator->model)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: that discriminator's model is "
                             "already in the trainer", __func__);
    gan_status status = check_optim(__func__, optim, discriminator->model, "discriminator");
    if (status == GAN_OK)
        status = connect_models(__func__, trainer->generator->model, discriminator->model);
    if (status != GAN_OK)
        return status;
    int k = trainer->discriminator_count++;
    trainer->discriminators[k] = discriminator;
    trainer->discriminator_optims[k] = optim;
    gan_model_set_rng(discriminator->model, trainer->rng);
    return GAN_OK;
}

void gan_trainer_free(gan_trainer *trainer)
{
    if (!trainer)
        return;
    gan_loss_free(trainer->loss);
    gan_ema_free(trainer->ema);
    gan__snapshot_free(&trainer->before_step);
    gan__snapshot_free(&trainer->d_buffers);
    gan__free(trainer->logit_grads);
    gan__free(trainer->scratch);
    gan__free(trainer);
}

/* The [N, 1] gradient tensors of the logits, over a buffer that only grows. */
static gan_status prepare_logit_grads(gan_trainer *trainer, int64_t batch)
{
    if (!gan__grow_floats(&trainer->logit_grads, &trainer->logit_grad_capacity,
                          (size_t)batch * 2, "logit gradients"))
        return GAN_ERR_OUT_OF_MEMORY;
    gan__tensor_view(&trainer->grad_real, trainer->logit_grads, 2, (const int64_t[]){batch, 1});
    gan__tensor_view(&trainer->grad_fake, trainer->logit_grads + batch, 2,
                     (const int64_t[]){batch, 1});
    return GAN_OK;
}

/* Three batches shaped like `real` (D's noisy real and fake inputs, G's combined sample
 * gradient) and the diversity's Gram matrix, over a buffer that only grows. */
static gan_status prepare_scratch(gan_trainer *trainer, const gan_tensor *real)
{
    size_t numel = (size_t)real->numel;
    size_t needed = 3 * numel + GAN__DIVERSITY_SAMPLES * GAN__DIVERSITY_SAMPLES;
    if (!gan__grow_floats(&trainer->scratch, &trainer->scratch_capacity, needed,
                          "trainer workspace"))
        return GAN_ERR_OUT_OF_MEMORY;
    gan__tensor_view(&trainer->noisy_real, trainer->scratch, real->rank, real->shape);
    gan__tensor_view(&trainer->noisy_fake, trainer->scratch + numel, real->rank, real->shape);
    gan__tensor_view(&trainer->grad_samples, trainer->scratch + 2 * numel, real->rank,
                     real->shape);
    trainer->gram = trainer->scratch + 3 * numel;
    return GAN_OK;
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

/* The instance noise's standard deviation at this step: sigma, annealed linearly. */
static float instance_noise_now(const gan_trainer *trainer)
{
    if (trainer->instance_noise_steps == 0)
        return trainer->instance_noise;
    double left = 1.0 - (double)trainer->steps / (double)trainer->instance_noise_steps;
    return left > 0.0 ? (float)(trainer->instance_noise * left) : 0.0f;
}

/* D's input: `samples` itself without noise, else `noisy` = samples + sigma N(0, 1). */
static gan_status noisy_input(gan_trainer *trainer, const gan_tensor *samples, gan_tensor *noisy,
                              float sigma, const gan_tensor **input)
{
    *input = samples;
    if (sigma == 0.0f)
        return GAN_OK;
    gan_status status = gan__rng_normal(trainer->rng, GAN_RNG_INSTANCE_NOISE, noisy->data,
                                        noisy->numel, 0.0f, sigma);
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

/* One update of discriminator k on D's inputs `real` and `fake`. */
static gan_status update_one_discriminator(gan_trainer *trainer, int k, const gan_tensor *real,
                                           const gan_tensor *fake, critic_sums *sums)
{
    gan_model *d = trainer->discriminators[k]->model;
    gan_optim *optim = trainer->discriminator_optims[k];
    const gan_tensor *logits = NULL;
    double loss_real, loss_fake;
    gan_status status = gan_model_zero_grad(d);
    if (status == GAN_OK)
        status = gan_model_forward(d, real, &logits);
    if (status != GAN_OK)
        return status;
    sums->real_score += mean_score(trainer, logits);
    status = gan__loss_discriminator_part(trainer->loss, trainer->rng, true, logits, &loss_real,
                                          &trainer->grad_real);
    if (status == GAN_OK)
        status = gan_model_backward(d, &trainer->grad_real, 0, NULL);
    if (status == GAN_OK)
        status = gan_model_forward(d, fake, &logits);
    if (status != GAN_OK)
        return status;
    sums->fake_score += mean_score(trainer, logits);
    status = gan__loss_discriminator_part(trainer->loss, trainer->rng, false, logits, &loss_fake,
                                          &trainer->grad_fake);
    if (status == GAN_OK)
        status = gan_model_backward(d, &trainer->grad_fake, 0, NULL);
    if (status != GAN_OK)
        return status;
    sums->loss += loss_real + loss_fake;
    if (!isfinite(loss_real + loss_fake))
        return not_finite("discriminator loss", loss_real + loss_fake);
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
static gan_status update_discriminators(gan_trainer *trainer, const gan_tensor *real,
                                        float sigma, const gan_tensor **fake)
{
    const gan_tensor *real_input = NULL, *fake_input = NULL;
    gan_status status = gan__generator_draw_latent(trainer->generator, trainer->rng,
                                                   real->shape[0]);
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
static gan_status update_generator(gan_trainer *trainer, const gan_tensor *fake, float sigma)
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
        status = gan_optim_step(trainer->generator_optim);
    if (status != GAN_OK)
        return status;
    gan_optim_last_grad_norm(trainer->generator_optim, &trainer->stats[GAN_STAT_G_GRAD_NORM]);
    return trainer->ema ? gan_ema_update(trainer->ema) : GAN_OK;
}

/* The mode-collapse statistic: G's batch's spread over the real batch's. */
static void measure_diversity(gan_trainer *trainer, const gan_tensor *real, const gan_tensor *fake)
{
    int64_t batch = real->shape[0], features = real->numel / batch;
    double real_spread = gan__batch_diversity(real->data, batch, features, trainer->gram);
    double fake_spread = gan__batch_diversity(fake->data, batch, features, trainer->gram);
    float diversity = real_spread > 0.0 ? (float)(fake_spread / real_spread) : 1.0f;
    trainer->stats[GAN_STAT_DIVERSITY] = diversity;
    trainer->stats[GAN_STAT_DIVERSITY_ALARM] =
        trainer->diversity_alarm > 0.0f && diversity < trainer->diversity_alarm ? 1.0f : 0.0f;
}

/* What a step changes besides the snapshot's arrays: the optimizers' scalars (step counts,
 * SGD's momentum flag, the last norm), the random streams and the statistics. */
typedef struct step_scalars {
    gan_optim generator_optim, discriminator_optims[GAN__MAX_DISCRIMINATORS];
    uint64_t positions[GAN__RNG_STREAMS];
    float stats[GAN__TRAINER_STATS];
} step_scalars;

static void save_scalars(const gan_trainer *trainer, step_scalars *saved)
{
    saved->generator_optim = *trainer->generator_optim;
    for (int k = 0; k < trainer->discriminator_count; k++)
        saved->discriminator_optims[k] = *trainer->discriminator_optims[k];
    for (int stream = 0; stream < GAN__RNG_STREAMS; stream++)
        gan_rng_get_position(trainer->rng, (gan_rng_stream)stream, &saved->positions[stream]);
    memcpy(saved->stats, trainer->stats, sizeof saved->stats);
}

static void restore_scalars(gan_trainer *trainer, const step_scalars *saved)
{
    *trainer->generator_optim = saved->generator_optim;
    for (int k = 0; k < trainer->discriminator_count; k++)
        *trainer->discriminator_optims[k] = saved->discriminator_optims[k];
    for (int stream = 0; stream < GAN__RNG_STREAMS; stream++)
        gan_rng_set_position(trainer->rng, (gan_rng_stream)stream, saved->positions[stream]);
    memcpy(trainer->stats, saved->stats, sizeof saved->stats);
}

/* The real batch holds D's samples: checked before anything is sized for its batch. */
static gan_status check_real_shape(const gan_trainer *trainer, const gan_tensor *real)
{
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    gan_status status = gan_model_input_shape(trainer->discriminators[0]->model, &rank, shape,
                                              GAN_TENSOR_MAX_RANK);
    return status == GAN_OK
               ? gan__check_samples("gan_trainer_step", "the real batch", real, rank, shape)
               : status;
}

gan_status gan_trainer_step(gan_trainer *trainer, const gan_tensor *real)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!real)
        return gan__null(__func__, "real");
    if (real->rank < 2 || real->shape[0] < 1)
        return gan__fail(GAN_ERR_SHAPE, "%s: the real batch needs a batch dimension of at "
                         "least 1 and a sample shape", __func__);
    gan_status status = check_real_shape(trainer, real);
    if (status == GAN_OK)
        status = gan__check_real_batch_finite(real);
    if (status == GAN_OK)
        status = gan__check_state_finite(trainer, "holds", "before the step; nothing was changed");
    if (status == GAN_OK)
        status = prepare_logit_grads(trainer, real->shape[0]);
    if (status == GAN_OK)
        status = prepare_scratch(trainer, real);
    if (status == GAN_OK)
        status = prepare_snapshots(trainer);
    if (status != GAN_OK)
        return status;

    gan__snapshot_take(&trainer->before_step);
    step_scalars saved;
    save_scalars(trainer, &saved);
    const float sigma = instance_noise_now(trainer);
    const gan_tensor *fake = NULL;
    for (int64_t i = 0; status == GAN_OK && i < trainer->n_critic; i++)
        status = update_discriminators(trainer, real, sigma, &fake);
    if (status == GAN_OK)
        status = update_generator(trainer, fake, sigma);
    if (status == GAN_OK)
        status = gan__check_state_finite(trainer, "became", "in the update; the step was undone");
    if (status != GAN_OK) {
        gan__snapshot_restore(&trainer->before_step);
        restore_scalars(trainer, &saved);
        return status;
    }
    measure_diversity(trainer, real, fake);
    trainer->steps++;
    trainer->have_stats = true;
    if (trainer->callback)
        trainer->callback(trainer->callback_user_data, trainer, trainer->steps);
    return GAN_OK;
}
