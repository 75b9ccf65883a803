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
#include "optim/optim_impl.h"

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
    trainer->shard_world = 1;
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
    if (trainer->batchnorm_sync)
        gan_model_set_batchnorm_sync(discriminator->model, trainer->batchnorm_sync,
                                     trainer->batchnorm_sync_user_data);
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

/* The instance noise's standard deviation at this step: sigma, annealed linearly. */
static float instance_noise_now(const gan_trainer *trainer)
{
    if (trainer->instance_noise_steps == 0)
        return trainer->instance_noise;
    double left = 1.0 - (double)trainer->steps / (double)trainer->instance_noise_steps;
    return left > 0.0 ? (float)(trainer->instance_noise * left) : 0.0f;
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
        status = gan__update_discriminators(trainer, real, sigma, &fake);
    if (status == GAN_OK)
        status = gan__update_generator(trainer, fake, sigma);
    if (status == GAN_OK)
        status = gan__check_state_finite(trainer, "became", "in the update; the step was undone");
    if (status != GAN_OK) {
        gan__snapshot_restore(&trainer->before_step);
        restore_scalars(trainer, &saved);
        return status;
    }
    gan__measure_diversity(trainer, real, fake);
    trainer->steps++;
    trainer->have_stats = true;
    if (trainer->callback)
        trainer->callback(trainer->callback_user_data, trainer, trainer->steps);
    return GAN_OK;
}
