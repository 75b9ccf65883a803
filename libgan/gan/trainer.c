/*
 * The trainer: one iteration of the adversarial game per gan_trainer_step().
 *
 *   repeat n_critic times:                         (discriminator / critic updates)
 *       z ~ p(z);  fake = G(z)
 *       D.zero_grad
 *       D(real) -> loss_real, backward            (as PyTorch's errD_real.backward())
 *       D(fake) -> loss_fake, backward            (fake is a constant for D)
 *       D.step;  clamp D's weights if clipping
 *   G.zero_grad                                    (generator update, on the last fake)
 *   D(fake) -> loss_G;  backward through D without touching D's parameters, gradients or
 *       running statistics, to d loss_G / d fake
 *   G.backward(d loss_G / d fake);  G.step;  EMA update
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
#include "core/tensor.h"
#include "gan/discriminator_impl.h"
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
    gan_model *g = trainer->generator->model, *d = trainer->discriminator->model;
    gan__snapshot_clear(&trainer->before_step);
    gan__snapshot_clear(&trainer->d_buffers);
    gan_status status = snapshot_model(&trainer->before_step, g, true);
    if (status == GAN_OK)
        status = snapshot_model(&trainer->before_step, d, true);
    if (status == GAN_OK)
        status = snapshot_optim(&trainer->before_step, trainer->generator_optim);
    if (status == GAN_OK)
        status = snapshot_optim(&trainer->before_step, trainer->discriminator_optim);
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
        status = snapshot_model(&trainer->d_buffers, d, false);
    if (status == GAN_OK)
        status = gan__snapshot_allocate(&trainer->d_buffers);
    return status;
}

/* G's samples are D's input: D takes G's output shape, unless it already takes another. */
static gan_status connect_models(gan_model *generator, gan_model *discriminator)
{
    int rank, d_rank;
    int64_t shape[GAN_TENSOR_MAX_RANK], d_shape[GAN_TENSOR_MAX_RANK];
    gan_status status = gan_model_output_shape(generator, &rank, shape, GAN_TENSOR_MAX_RANK);
    if (status == GAN_OK)
        status = gan_model_set_input_shape(discriminator, rank, shape);
    if (status == GAN_ERR_STATE &&
        gan_model_input_shape(discriminator, &d_rank, d_shape, GAN_TENSOR_MAX_RANK) == GAN_OK) {
        char made[GAN_SHAPE_TEXT_CAPACITY], taken[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "gan_trainer_new: the generator makes samples %s; the "
                         "discriminator takes %s", gan__shape_text(made, rank, shape),
                         gan__shape_text(taken, d_rank, d_shape));
    }
    return status;
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
    if (gan__optim_model(generator_optim) != generator->model ||
        gan__optim_model(discriminator_optim) != discriminator->model)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the %s optimizer was made for another "
                         "model", __func__,
                         gan__optim_model(generator_optim) != generator->model ? "generator"
                                                                               : "discriminator");
    gan_status status = connect_models(generator->model, discriminator->model);
    if (status == GAN_OK)
        status = gan__check_one_logit(__func__, discriminator->model);
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
    trainer->discriminator = discriminator;
    trainer->generator_optim = generator_optim;
    trainer->discriminator_optim = discriminator_optim;
    trainer->rng = rng;
    trainer->loss = loss;
    trainer->objective = objective;
    trainer->n_critic = 1;
    gan_model_set_rng(generator->model, rng);
    gan_model_set_rng(discriminator->model, rng);
    *out = trainer;
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
    gan__free(trainer);
}

/* The [N, 1] gradient tensors of the logits, over a buffer that only grows. */
static gan_status prepare_logit_grads(gan_trainer *trainer, int64_t batch)
{
    if (batch > trainer->logit_grad_capacity) {
        float *grown = gan__calloc_array((size_t)batch * 2, sizeof(float), "logit gradients");
        if (!grown)
            return GAN_ERR_OUT_OF_MEMORY;
        gan__free(trainer->logit_grads);
        trainer->logit_grads = grown;
        trainer->logit_grad_capacity = batch;
    }
    gan__tensor_view(&trainer->grad_real, trainer->logit_grads, 2, (const int64_t[]){batch, 1});
    gan__tensor_view(&trainer->grad_fake, trainer->logit_grads + batch, 2,
                     (const int64_t[]){batch, 1});
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

/* One discriminator update on `real` and a fresh fake batch; leaves that fake batch as G's
 * current output in *fake. */
static gan_status update_discriminator(gan_trainer *trainer, const gan_tensor *real,
                                       const gan_tensor **fake)
{
    gan_model *g = trainer->generator->model, *d = trainer->discriminator->model;
    int64_t batch = real->shape[0];
    const gan_tensor *logits = NULL;
    double loss_real, loss_fake;
    gan_status status = gan__generator_draw_latent(trainer->generator, trainer->rng, batch);
    if (status == GAN_OK)
        status = gan_model_forward(g, &trainer->generator->latent, fake);
    if (status == GAN_OK)
        status = gan_model_zero_grad(d);
    if (status == GAN_OK)
        status = gan_model_forward(d, real, &logits);
    if (status != GAN_OK)
        return status;
    trainer->stats[GAN_STAT_D_REAL] = mean_score(trainer, logits);
    status = gan__loss_discriminator_part(trainer->loss, trainer->rng, true, logits, &loss_real,
                                          &trainer->grad_real);
    if (status == GAN_OK)
        status = gan_model_backward(d, &trainer->grad_real, 0, NULL);
    if (status == GAN_OK)
        status = gan_model_forward(d, *fake, &logits);
    if (status != GAN_OK)
        return status;
    trainer->stats[GAN_STAT_D_FAKE] = mean_score(trainer, logits);
    status = gan__loss_discriminator_part(trainer->loss, trainer->rng, false, logits, &loss_fake,
                                          &trainer->grad_fake);
    if (status == GAN_OK)
        status = gan_model_backward(d, &trainer->grad_fake, 0, NULL);
    if (status != GAN_OK)
        return status;
    trainer->stats[GAN_STAT_D_LOSS] = (float)(loss_real + loss_fake);
    if (!isfinite(loss_real + loss_fake))
        return not_finite("discriminator loss", loss_real + loss_fake);
    status = gan_optim_step(trainer->discriminator_optim);
    if (status != GAN_OK)
        return status;
    gan_optim_last_grad_norm(trainer->discriminator_optim, &trainer->stats[GAN_STAT_D_GRAD_NORM]);
    if (trainer->weight_clip > 0.0f)
        clip_weights(d, trainer->weight_clip);
    return GAN_OK;
}

/* The generator update on G's current output `fake`. D's running statistics are put back
 * after its forward pass; its parameters and gradients are never touched. */
static gan_status update_generator(gan_trainer *trainer, const gan_tensor *fake)
{
    gan_model *g = trainer->generator->model, *d = trainer->discriminator->model;
    const gan_tensor *logits = NULL, *grad_samples = NULL;
    double loss;
    gan_status status = gan_model_zero_grad(g);
    if (status != GAN_OK)
        return status;
    gan__snapshot_take(&trainer->d_buffers);
    status = gan_model_forward(d, fake, &logits);
    if (status == GAN_OK)
        status = gan__loss_generator_part(trainer->loss, logits, &loss, &trainer->grad_fake);
    if (status == GAN_OK)
        status = gan_model_backward(d, &trainer->grad_fake, GAN_BACKWARD_SKIP_PARAMETERS,
                                    &grad_samples);
    gan__snapshot_restore(&trainer->d_buffers);
    if (status != GAN_OK)
        return status;
    trainer->stats[GAN_STAT_G_LOSS] = (float)loss;
    if (!isfinite(loss))
        return not_finite("generator loss", loss);
    status = gan_model_backward(g, grad_samples, 0, NULL);
    if (status == GAN_OK)
        status = gan_optim_step(trainer->generator_optim);
    if (status != GAN_OK)
        return status;
    gan_optim_last_grad_norm(trainer->generator_optim, &trainer->stats[GAN_STAT_G_GRAD_NORM]);
    return trainer->ema ? gan_ema_update(trainer->ema) : GAN_OK;
}

/* What a step changes besides the snapshot's arrays: the optimizers' scalars (step counts,
 * SGD's momentum flag, the last norm), the random streams and the statistics. */
enum { RNG_STREAMS = GAN_RNG_SHUFFLE + 1 };

typedef struct step_scalars {
    gan_optim generator_optim, discriminator_optim;
    uint64_t positions[RNG_STREAMS];
    float stats[GAN_STAT_D_GRAD_NORM + 1];
} step_scalars;

static void save_scalars(const gan_trainer *trainer, step_scalars *saved)
{
    saved->generator_optim = *trainer->generator_optim;
    saved->discriminator_optim = *trainer->discriminator_optim;
    for (int stream = 0; stream < RNG_STREAMS; stream++)
        gan_rng_get_position(trainer->rng, (gan_rng_stream)stream, &saved->positions[stream]);
    memcpy(saved->stats, trainer->stats, sizeof saved->stats);
}

static void restore_scalars(gan_trainer *trainer, const step_scalars *saved)
{
    *trainer->generator_optim = saved->generator_optim;
    *trainer->discriminator_optim = saved->discriminator_optim;
    for (int stream = 0; stream < RNG_STREAMS; stream++)
        gan_rng_set_position(trainer->rng, (gan_rng_stream)stream, saved->positions[stream]);
    memcpy(trainer->stats, saved->stats, sizeof saved->stats);
}

/* The real batch holds D's samples: checked before anything is sized for its batch. */
static gan_status check_real_shape(const gan_trainer *trainer, const gan_tensor *real)
{
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    gan_status status = gan_model_input_shape(trainer->discriminator->model, &rank, shape,
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
        status = prepare_snapshots(trainer);
    if (status != GAN_OK)
        return status;

    gan__snapshot_take(&trainer->before_step);
    step_scalars saved;
    save_scalars(trainer, &saved);
    const gan_tensor *fake = NULL;
    for (int64_t i = 0; status == GAN_OK && i < trainer->n_critic; i++)
        status = update_discriminator(trainer, real, &fake);
    if (status == GAN_OK)
        status = update_generator(trainer, fake);
    if (status == GAN_OK)
        status = gan__check_state_finite(trainer, "became", "in the update; the step was undone");
    if (status != GAN_OK) {
        gan__snapshot_restore(&trainer->before_step);
        restore_scalars(trainer, &saved);
        return status;
    }
    trainer->steps++;
    trainer->have_stats = true;
    if (trainer->callback)
        trainer->callback(trainer->callback_user_data, trainer, trainer->steps);
    return GAN_OK;
}
