/*
 * Misuse cases of training: losses, optimizers, the moving average, the generator, the
 * discriminator and the trainer with its checkpoints.
 */
#ifndef GAN_TEST_API_MISUSE_TRAIN_H
#define GAN_TEST_API_MISUSE_TRAIN_H

#include "api_misuse_support.h"

/* ---- losses ---- */

/* The i-th value that is not an objective. */
#define BAD_OBJECTIVE(i) ((gan_objective)bad_enum((i), GAN_OBJECTIVE_HINGE))

static void gan_loss_new_misuse(fixture *f)
{
    (void)f;
    gan_loss *l;
    misuse(gan_loss_new(NULL, GAN_OBJECTIVE_HINGE), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_new(l, gan_loss_new(&l, BAD_OBJECTIVE(i)), GAN_ERR_INVALID_ARGUMENT);
}

NULL_CASE_NO_OP(gan_loss_free)
NULL_CASE_VALUE(gan_loss_objective, -1)

/* The i-th value that is not a loss option. */
#define BAD_LOSS_OPTION(i) ((gan_loss_option)bad_enum((i), GAN_LOSS_LSGAN_C))

static void gan_loss_set_float_misuse(fixture *f)
{
    /* LSGAN's targets mean nothing to a BCE objective. */
    misuse_option_writes(gan_loss_set_float, f->loss, GAN_LOSS_LABEL_SMOOTHING, 0.1f,
                         GAN_LOSS_LSGAN_A, BAD_LOSS_OPTION, NULL);
    const float bad_smoothing[] = {-0.1f, 1.0f, NAN, INFINITY}, bad_flip[] = {-0.1f, 1.1f, NAN};
    for (size_t i = 0; i < sizeof bad_smoothing / sizeof bad_smoothing[0]; i++)
        misuse(gan_loss_set_float(f->loss, GAN_LOSS_LABEL_SMOOTHING, bad_smoothing[i]),
               GAN_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < sizeof bad_flip / sizeof bad_flip[0]; i++)
        misuse(gan_loss_set_float(f->loss, GAN_LOSS_LABEL_FLIP, bad_flip[i]),
               GAN_ERR_INVALID_ARGUMENT);
    float smoothing = -1;
    assert_status(gan_loss_get_float(f->loss, GAN_LOSS_LABEL_SMOOTHING, &smoothing), GAN_OK);
    assert_float_equal(smoothing, 0.0f, 0.0f);
}

static void gan_loss_get_float_misuse(fixture *f)
{
    /* LSGAN's targets are not options of a BCE objective. */
    misuse_option_reads(gan_loss_get_float, f->loss, GAN_LOSS_LABEL_FLIP, GAN_LOSS_LSGAN_C,
                        BAD_LOSS_OPTION, float, NULL);
}

static void gan_loss_discriminator_misuse(fixture *f)
{
    gan_loss *loss = f->loss;
    gan_rng *rng = f->game.rng;
    gan_tensor *real = new_tensor(2, 4, 1), *same = new_tensor(2, 4, 1);
    gan_tensor *fake = new_tensor(2, 3, 1), *grad_real = new_tensor(2, 4, 1);
    gan_tensor *grad_fake = new_tensor(2, 3, 1), *wide = new_tensor(2, 4, 2);
    gan_tensor *empty = new_tensor(2, 0, 1);
    float value = 0;
    misuse(gan_loss_discriminator(NULL, rng, real, fake, &value, grad_real, grad_fake),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, NULL, fake, &value, grad_real, grad_fake),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, real, NULL, &value, grad_real, grad_fake),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, real, fake, &value, NULL, grad_fake),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, real, fake, &value, grad_real, NULL),
           GAN_ERR_INVALID_ARGUMENT);
    /* Logits are [N, 1]; gradients have their logits' shape; batches are not empty. */
    misuse(gan_loss_discriminator(loss, rng, wide, fake, &value, wide, grad_fake), GAN_ERR_SHAPE);
    misuse(gan_loss_discriminator(loss, rng, real, fake, &value, grad_fake, grad_fake),
           GAN_ERR_SHAPE);
    misuse(gan_loss_discriminator(loss, rng, real, fake, &value, grad_real, grad_real),
           GAN_ERR_SHAPE);
    misuse(gan_loss_discriminator(loss, rng, empty, fake, &value, empty, grad_fake),
           GAN_ERR_SHAPE);
    /* The real gradient written over the fake logits before they are read. */
    misuse(gan_loss_discriminator(loss, rng, real, real, &value, real, grad_real),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, real, real, &value, grad_real, grad_real),
           GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_discriminator(loss, rng, real, same, &value, grad_real, real),
           GAN_ERR_INVALID_ARGUMENT);
    /* Label flips are drawn from a generator. */
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, 0.5f), GAN_OK);
    misuse(gan_loss_discriminator(loss, NULL, real, fake, &value, grad_real, grad_fake),
           GAN_ERR_STATE);
    free_tensors(real, fake, grad_real, grad_fake, wide, empty, same);
}

static void gan_loss_generator_misuse(fixture *f)
{
    gan_tensor *fake = new_tensor(2, 3, 1), *grad = new_tensor(2, 3, 1);
    gan_tensor *wide = new_tensor(2, 3, 2), *other = new_tensor(2, 4, 1);
    float value = 0;
    misuse(gan_loss_generator(NULL, fake, &value, grad), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_generator(f->loss, NULL, &value, grad), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_generator(f->loss, fake, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_generator(f->loss, wide, &value, wide), GAN_ERR_SHAPE);
    misuse(gan_loss_generator(f->loss, fake, &value, other), GAN_ERR_SHAPE);
    free_tensors(fake, grad, wide, other);
}

static void gan_loss_bce_with_logits_misuse(fixture *f)
{
    gan_tensor *x = f->tensor, *z = new_tensor(2, 2, 3), *other = new_tensor(2, 3, 2);
    gan_tensor *empty = new_tensor(2, 0, 3);
    float value = 0;
    misuse(gan_loss_bce_with_logits(NULL, z, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_bce_with_logits(x, NULL, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_bce_with_logits(x, other, &value, NULL), GAN_ERR_SHAPE);
    misuse(gan_loss_bce_with_logits(x, z, &value, other), GAN_ERR_SHAPE);
    misuse(gan_loss_bce_with_logits(empty, empty, &value, NULL), GAN_ERR_SHAPE);
    const float bad_targets[] = {-0.5f, 1.5f, NAN};
    for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++) {
        gan_tensor_data(z)[4] = bad_targets[i];
        misuse(gan_loss_bce_with_logits(x, z, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    }
    free_tensors(z, other, empty);
}

static void gan_loss_softmax_cross_entropy_misuse(fixture *f)
{
    gan_tensor *logits = f->tensor; /* [2, 3] */
    gan_tensor *labels = new_tensor(1, 2), *long_labels = new_tensor(1, 3);
    gan_tensor *grad_wrong = new_tensor(2, 3, 2), *rank3 = new_tensor(3, 2, 3, 1);
    float value = 0;
    misuse(gan_loss_softmax_cross_entropy(NULL, labels, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_softmax_cross_entropy(logits, NULL, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_loss_softmax_cross_entropy(logits, long_labels, &value, NULL), GAN_ERR_SHAPE);
    misuse(gan_loss_softmax_cross_entropy(rank3, labels, &value, NULL), GAN_ERR_SHAPE);
    misuse(gan_loss_softmax_cross_entropy(logits, labels, &value, grad_wrong), GAN_ERR_SHAPE);
    const float bad_labels[] = {3.0f, -1.0f, 0.5f, NAN, INFINITY, 1e30f};
    for (size_t i = 0; i < sizeof bad_labels / sizeof bad_labels[0]; i++) {
        gan_tensor_data(labels)[1] = bad_labels[i];
        misuse(gan_loss_softmax_cross_entropy(logits, labels, &value, NULL),
               GAN_ERR_INVALID_ARGUMENT);
    }
    free_tensors(labels, long_labels, grad_wrong, rank3);
}

/* ---- optimizers ---- */

/* A model with layers but no parameters. */
static gan_model *parameterless_model(void)
{
    gan_model *model = NULL;
    gan_layer *relu = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_relu(&relu), GAN_OK);
    assert_status(gan_model_add(model, relu), GAN_OK);
    return model;
}

/* Adds a Linear 1 -> 1 to D: its parameter array is no longer the one objects were made for. */
static void grow_discriminator(fixture *f)
{
    assert_status(gan_model_add(f->game.d_model, new_dense(1, 1, NULL)), GAN_OK);
}

static void gan_optim_new_misuse(fixture *f)
{
    gan_optim *o;
    gan_model *d = f->game.d_model, *empty = parameterless_model();
    misuse(gan_optim_new(NULL, GAN_OPTIM_SGD, d), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(o, gan_optim_new(&o, GAN_OPTIM_SGD, NULL), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_new(o, gan_optim_new(&o, (gan_optim_kind)bad_enum(i, GAN_OPTIM_RMSPROP), d),
                   GAN_ERR_INVALID_ARGUMENT);
    misuse_new(o, gan_optim_new(&o, GAN_OPTIM_ADAM, empty), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(empty);
}

NULL_CASE_NO_OP(gan_optim_free)
NULL_CASE_VALUE(gan_optim_kind_of, -1)

/* The i-th value that is not an optimizer option. */
#define BAD_OPTIM_OPTION(i) ((gan_optim_option)bad_enum((i), GAN_OPTIM_WARMUP_START_FACTOR))

static void gan_optim_set_float_misuse(fixture *f)
{
    gan_optim *adam = f->game.d_optim, *sgd = NULL;
    assert_status(gan_optim_new(&sgd, GAN_OPTIM_SGD, f->game.d_model), GAN_OK);
    /* Options of another rule, and integer options. */
    misuse_option_writes(gan_optim_set_float, adam, GAN_OPTIM_LR, 0.1f, GAN_OPTIM_MOMENTUM,
                         BAD_OPTIM_OPTION, NULL);
    misuse(gan_optim_set_float(sgd, GAN_OPTIM_BETA1, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_float(sgd, GAN_OPTIM_NESTEROV, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    const struct {
        gan_optim_option option;
        float value;
    } bad[] = {{GAN_OPTIM_LR, 0.0f},          {GAN_OPTIM_LR, -1e-3f},  {GAN_OPTIM_LR, NAN},
               {GAN_OPTIM_LR, INFINITY},      {GAN_OPTIM_EPS, 0.0f},   {GAN_OPTIM_BETA1, 1.0f},
               {GAN_OPTIM_BETA2, -0.1f},      {GAN_OPTIM_WEIGHT_DECAY, -1.0f},
               {GAN_OPTIM_MAX_GRAD_NORM, -1.0f}, {GAN_OPTIM_BETA1, NAN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_optim_set_float(adam, bad[i].option, bad[i].value), GAN_ERR_INVALID_ARGUMENT);
    /* Nesterov on: momentum must stay > 0 and dampening 0. */
    assert_status(gan_optim_set_float(sgd, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    assert_status(gan_optim_set_int(sgd, GAN_OPTIM_NESTEROV, 1), GAN_OK);
    misuse(gan_optim_set_float(sgd, GAN_OPTIM_MOMENTUM, 0.0f), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_float(sgd, GAN_OPTIM_DAMPENING, 0.1f), GAN_ERR_INVALID_ARGUMENT);
    float lr = 0;
    assert_status(gan_optim_get_float(adam, GAN_OPTIM_LR, &lr), GAN_OK);
    assert_float_equal(lr, 1e-3f, 0.0f);
    gan_optim_free(sgd);
}

static void gan_optim_get_float_misuse(fixture *f)
{
    gan_optim *adam = f->game.d_optim;
    /* RMSprop's alpha is not Adam's; centered is an integer option. */
    misuse_option_reads(gan_optim_get_float, adam, GAN_OPTIM_LR, GAN_OPTIM_ALPHA,
                        BAD_OPTIM_OPTION, float, NULL);
    float value = 0;
    misuse(gan_optim_get_float(adam, GAN_OPTIM_CENTERED, &value), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_optim_set_int_misuse(fixture *f)
{
    gan_optim *sgd = NULL, *adam = f->game.d_optim;
    assert_status(gan_optim_new(&sgd, GAN_OPTIM_SGD, f->game.d_model), GAN_OK);
    misuse_option_writes(gan_optim_set_int, sgd, GAN_OPTIM_NESTEROV, 0, GAN_OPTIM_LR,
                         BAD_OPTIM_OPTION, NULL);
    misuse(gan_optim_set_int(adam, GAN_OPTIM_NESTEROV, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_int(sgd, GAN_OPTIM_NESTEROV, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_int(sgd, GAN_OPTIM_NESTEROV, -1), GAN_ERR_INVALID_ARGUMENT);
    /* Nesterov needs momentum, which SGD starts without. */
    misuse(gan_optim_set_int(sgd, GAN_OPTIM_NESTEROV, 1), GAN_ERR_INVALID_ARGUMENT);
    gan_optim_free(sgd);
}

static void gan_optim_get_int_misuse(fixture *f)
{
    gan_optim *rms = NULL;
    assert_status(gan_optim_new(&rms, GAN_OPTIM_RMSPROP, f->game.d_model), GAN_OK);
    misuse_option_reads(gan_optim_get_int, rms, GAN_OPTIM_CENTERED, GAN_OPTIM_LR,
                        BAD_OPTIM_OPTION, int64_t, NULL);
    gan_optim_free(rms);
    /* Adam has no integer option. */
    int64_t value = 0;
    misuse(gan_optim_get_int(f->game.d_optim, GAN_OPTIM_CENTERED, &value),
           GAN_ERR_INVALID_ARGUMENT);
}

static void gan_optim_step_misuse(fixture *f)
{
    gan_optim *optim = f->game.d_optim;
    misuse(gan_optim_step(NULL), GAN_ERR_INVALID_ARGUMENT);
    /* A gradient that is not finite changes nothing. */
    float *values = NULL, *grads = NULL;
    size_t count = 0;
    assert_status(gan_model_parameter_arrays(f->game.d_model, &values, &grads, &count), GAN_OK);
    float first = values[0];
    grads[count / 2] = NAN;
    misuse(gan_optim_step(optim), GAN_ERR_NUMERIC);
    grads[count / 2] = INFINITY;
    misuse(gan_optim_step(optim), GAN_ERR_NUMERIC);
    assert_float_equal(values[0], first, 0.0f);
    assert_int_equal(gan_optim_step_count(optim), 0);
    /* The step count cannot pass INT64_MAX, nor the optimizer follow a grown model. */
    grads[count / 2] = 0.0f;
    assert_status(gan_optim_set_step_count(optim, INT64_MAX), GAN_OK);
    misuse(gan_optim_step(optim), GAN_ERR_STATE);
    assert_status(gan_optim_set_step_count(optim, 0), GAN_OK);
    grow_discriminator(f);
    misuse(gan_optim_step(optim), GAN_ERR_STATE);
}

static void gan_optim_last_grad_norm_misuse(fixture *f)
{
    float norm = -1;
    misuse(gan_optim_last_grad_norm(NULL, &norm), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_last_grad_norm(f->game.d_optim, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_last_grad_norm(f->game.d_optim, &norm), GAN_ERR_STATE);
    assert_float_equal(norm, -1.0f, 0.0f);
}

NULL_CASE_VALUE(gan_optim_step_count, -1)

static void gan_optim_set_step_count_misuse(fixture *f)
{
    misuse(gan_optim_set_step_count(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_step_count(f->game.d_optim, -1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_step_count(f->game.d_optim, INT64_MIN), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(gan_optim_step_count(f->game.d_optim), 0);
}

static void gan_optim_set_milestones_misuse(fixture *f)
{
    const int64_t decreasing[] = {4, 2}, many[65] = {0};
    misuse(gan_optim_set_milestones(NULL, decreasing, 0), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_milestones(f->game.d_optim, NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_milestones(f->game.d_optim, decreasing, 2), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_milestones(f->game.d_optim, many, 65), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_optim_get_milestones_misuse(fixture *f)
{
    int64_t milestones[2];
    size_t count = 99;
    assert_status(gan_optim_set_milestones(f->game.d_optim, (const int64_t[]){1, 2}, 2), GAN_OK);
    misuse(gan_optim_get_milestones(NULL, milestones, 2, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_get_milestones(f->game.d_optim, milestones, 2, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_get_milestones(f->game.d_optim, milestones, 1, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_get_milestones(f->game.d_optim, NULL, 2, &count), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(count, 99);
}

static void gan_optim_set_lr_lambda_misuse(fixture *f)
{
    misuse(gan_optim_set_lr_lambda(NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_set_int(f->game.d_optim, GAN_OPTIM_SCHEDULE, GAN_LR_LAMBDA),
           GAN_ERR_INVALID_ARGUMENT);
}

static void gan_optim_current_lr_misuse(fixture *f)
{
    double lr = -1.0;
    misuse(gan_optim_current_lr(NULL, &lr), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_current_lr(f->game.d_optim, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_true(lr == -1.0);
}

NULL_CASE_VALUE(gan_optim_state_count, -1)

static void gan_optim_state_misuse(fixture *f)
{
    gan_optim *adam = f->game.d_optim;
    const char *name = NULL;
    float *data = NULL;
    size_t count = 0;
    misuse(gan_optim_state(NULL, 0, &name, &data, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_state(adam, 0, &name, NULL, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_optim_state(adam, 0, &name, &data, NULL), GAN_ERR_INVALID_ARGUMENT);
    const int bad[] = {-1, 2, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse(gan_optim_state(adam, bad[i], &name, &data, &count), GAN_ERR_INVALID_ARGUMENT);
    grow_discriminator(f);
    misuse(gan_optim_state(adam, 0, &name, &data, &count), GAN_ERR_STATE);
    assert_null(data);
}

/* ---- the moving average ---- */

static void gan_ema_new_misuse(fixture *f)
{
    gan_ema *e;
    gan_model *empty = parameterless_model();
    misuse(gan_ema_new(NULL, f->game.g_model, 0.9f), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(e, gan_ema_new(&e, NULL, 0.9f), GAN_ERR_INVALID_ARGUMENT);
    const float bad[] = {-0.1f, 1.1f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_new(e, gan_ema_new(&e, f->game.g_model, bad[i]), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(e, gan_ema_new(&e, empty, 0.9f), GAN_ERR_INVALID_ARGUMENT);
    gan_model_free(empty);
}

NULL_CASE_NO_OP(gan_ema_free)

/* An average of D, for the cases below to misuse; the caller frees it. */
static gan_ema *average_of_discriminator(fixture *f)
{
    gan_ema *ema = NULL;
    assert_status(gan_ema_new(&ema, f->game.d_model, 0.9f), GAN_OK);
    return ema;
}

static void gan_ema_update_misuse(fixture *f)
{
    gan_ema *ema = average_of_discriminator(f);
    misuse(gan_ema_update(NULL), GAN_ERR_INVALID_ARGUMENT);
    grow_discriminator(f);
    misuse(gan_ema_update(ema), GAN_ERR_STATE);
    gan_ema_free(ema);
}

static void gan_ema_copy_to_misuse(fixture *f)
{
    gan_ema *ema = average_of_discriminator(f);
    misuse(gan_ema_copy_to(NULL, f->game.d_model), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_ema_copy_to(ema, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* G's layout is not D's; G must be unchanged. */
    float *values = NULL;
    size_t count = 0;
    assert_status(gan_model_parameter_arrays(f->game.g_model, &values, NULL, &count), GAN_OK);
    float first = values[0];
    misuse(gan_ema_copy_to(ema, f->game.g_model), GAN_ERR_SHAPE);
    assert_float_equal(values[0], first, 0.0f);
    grow_discriminator(f);
    misuse(gan_ema_copy_to(ema, f->game.d_model), GAN_ERR_STATE);
    gan_ema_free(ema);
}

static void gan_ema_data_misuse(fixture *f)
{
    gan_ema *ema = average_of_discriminator(f);
    float *data = NULL;
    size_t count = 0;
    misuse(gan_ema_data(NULL, &data, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_ema_data(ema, NULL, &count), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_ema_data(ema, &data, NULL), GAN_ERR_INVALID_ARGUMENT);
    grow_discriminator(f);
    misuse(gan_ema_data(ema, &data, &count), GAN_ERR_STATE);
    gan_ema_free(ema);
}

/* ---- generator and discriminator ---- */

static void gan_generator_new_misuse(fixture *f)
{
    gan_generator *g;
    gan_model *model = f->game.g_model;
    misuse(gan_generator_new(NULL, model, LATENT, GAN_LATENT_NORMAL), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(g, gan_generator_new(&g, NULL, LATENT, GAN_LATENT_NORMAL),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(g, gan_generator_new(&g, model, 0, GAN_LATENT_NORMAL), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(g, gan_generator_new(&g, model, -6, GAN_LATENT_NORMAL), GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_new(g, gan_generator_new(&g, model, LATENT,
                                        (gan_latent_distribution)bad_enum(i, GAN_LATENT_UNIFORM)),
                   GAN_ERR_INVALID_ARGUMENT);
    /* The model takes LATENT values, not 4. */
    gan_model *fresh = NULL;
    assert_status(gan_model_new(&fresh), GAN_OK);
    assert_status(gan_model_add(fresh, new_dense(LATENT, 2, NULL)), GAN_OK);
    misuse_new_says(g, gan_generator_new(&g, fresh, 4, GAN_LATENT_NORMAL), GAN_ERR_SHAPE,
                    "Linear");
    gan_model_free(fresh);
}

NULL_CASE_NO_OP(gan_generator_free)
NULL_CASE_NULL(gan_generator_model)
NULL_CASE_VALUE(gan_generator_latent_size, -1)

static void gan_generator_sample_misuse(fixture *f)
{
    gan_generator *g = f->game.g;
    gan_rng *rng = f->game.rng;
    gan_tensor *samples = new_tensor(2, 3, FEATURES), *wrong = new_tensor(2, 3, FEATURES + 1);
    gan_tensor *empty = new_tensor(2, 0, FEATURES), *scalar = tensor_of(0, NULL, NULL);
    gan_tensor *huge_and_empty = new_tensor(2, HUGE_BATCH, 0);
    uint64_t before = 0, after = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &before), GAN_OK);
    misuse(gan_generator_sample(NULL, rng, samples), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_generator_sample(g, NULL, samples), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_generator_sample(g, rng, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_generator_sample(g, rng, wrong), GAN_ERR_SHAPE);
    misuse(gan_generator_sample(g, rng, empty), GAN_ERR_SHAPE);
    misuse(gan_generator_sample(g, rng, scalar), GAN_ERR_SHAPE);
    misuse(gan_generator_sample(g, rng, huge_and_empty), GAN_ERR_SHAPE);
    /* Refused samples draw no noise. */
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &after), GAN_OK);
    assert_int_equal(after, before);
    free_tensors(samples, wrong, empty, scalar, huge_and_empty);
}

static void gan_generator_generate_misuse(fixture *f)
{
    gan_generator *g = f->game.g;
    gan_tensor *latent = new_tensor(2, 3, LATENT), *samples = new_tensor(2, 3, FEATURES);
    gan_tensor *narrow = new_tensor(2, 3, LATENT - 1), *fewer = new_tensor(2, 2, FEATURES);
    misuse(gan_generator_generate(NULL, latent, samples), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_generator_generate(g, NULL, samples), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_generator_generate(g, latent, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse_says(gan_generator_generate(g, narrow, samples), GAN_ERR_SHAPE, "[3, 5]");
    misuse(gan_generator_generate(g, latent, fewer), GAN_ERR_SHAPE);
    misuse(gan_generator_generate(g, latent, latent), GAN_ERR_SHAPE);
    free_tensors(latent, samples, narrow, fewer);
}

static void gan_discriminator_new_misuse(fixture *f)
{
    gan_discriminator *d;
    misuse(gan_discriminator_new(NULL, f->game.d_model), GAN_ERR_INVALID_ARGUMENT);
    misuse_new(d, gan_discriminator_new(&d, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* G's model gives FEATURES values per sample, not one. */
    misuse_new(d, gan_discriminator_new(&d, f->game.g_model), GAN_ERR_SHAPE);
}

NULL_CASE_NO_OP(gan_discriminator_free)
NULL_CASE_NULL(gan_discriminator_model)

/* ---- the trainer ---- */

static void gan_trainer_new_misuse(fixture *f)
{
    game_state *s = &f->game;
    gan_trainer *t;
    const gan_objective objective = GAN_OBJECTIVE_HINGE;
    misuse(gan_trainer_new(NULL, s->g, s->d, s->g_optim, s->d_optim, objective, s->rng),
           GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, NULL, s->d, s->g_optim, s->d_optim, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, s->g, NULL, s->g_optim, s->d_optim, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, s->g, s->d, NULL, s->d_optim, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, s->g, s->d, s->g_optim, NULL, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, s->g, s->d, s->g_optim, s->d_optim, objective, NULL),
               GAN_ERR_INVALID_ARGUMENT);
    /* Each optimizer given the other's model. */
    misuse_new(t, gan_trainer_new(&t, s->g, s->d, s->d_optim, s->g_optim, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    misuse_new(t, gan_trainer_new(&t, s->g, s->d, s->g_optim, s->g_optim, objective, s->rng),
               GAN_ERR_INVALID_ARGUMENT);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse_new_says(t, gan_trainer_new(&t, s->g, s->d, s->g_optim, s->d_optim, BAD_OBJECTIVE(i),
                                           s->rng), GAN_ERR_INVALID_ARGUMENT, "objective");
    /* G's samples [FEATURES] do not fit a discriminator taking 3 values. */
    gan_model *narrow = NULL;
    gan_discriminator *d = NULL;
    gan_optim *optim = NULL;
    assert_status(gan_model_new(&narrow), GAN_OK);
    assert_status(gan_model_add(narrow, new_dense(3, 1, NULL)), GAN_OK);
    assert_status(gan_discriminator_new(&d, narrow), GAN_OK);
    assert_status(gan_optim_new(&optim, GAN_OPTIM_SGD, narrow), GAN_OK);
    misuse_new_says(t, gan_trainer_new(&t, s->g, d, s->g_optim, optim, objective, s->rng),
                    GAN_ERR_SHAPE, "Linear");
    /* Likewise once its input shape is known. */
    assert_status(gan_model_set_input_shape(narrow, 1, (const int64_t[]){3}), GAN_OK);
    misuse_new(t, gan_trainer_new(&t, s->g, d, s->g_optim, optim, objective, s->rng),
               GAN_ERR_SHAPE);
    gan_optim_free(optim);
    gan_discriminator_free(d);
    gan_model_free(narrow);
}

NULL_CASE_NO_OP(gan_trainer_free)

/* The i-th value that is not a trainer option. */
#define BAD_TRAINER_OPTION(i) ((gan_trainer_option)bad_enum((i), GAN_TRAINER_GMAN_LAMBDA))

static void gan_trainer_set_float_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    misuse_option_writes(gan_trainer_set_float, t, GAN_TRAINER_WEIGHT_CLIP, 0.1f,
                         GAN_TRAINER_N_CRITIC, BAD_TRAINER_OPTION, "trainer");
    const struct {
        gan_trainer_option option;
        float value;
        const char *says;
    } bad[] = {{GAN_TRAINER_WEIGHT_CLIP, -0.1f, "weight clip"},
               {GAN_TRAINER_WEIGHT_CLIP, INFINITY, "weight clip"},
               {GAN_TRAINER_WEIGHT_CLIP, NAN, "weight clip"},
               {GAN_TRAINER_LABEL_SMOOTHING, 1.0f, "smoothing"},
               {GAN_TRAINER_LABEL_FLIP, -0.5f, "flip"},
               {GAN_TRAINER_EMA_DECAY, 1.0f, "EMA decay"},
               {GAN_TRAINER_EMA_DECAY, -0.1f, "EMA decay"},
               {GAN_TRAINER_EMA_DECAY, NAN, "EMA decay"},
               {GAN_TRAINER_INSTANCE_NOISE, -1.0f, "instance noise"},
               {GAN_TRAINER_INSTANCE_NOISE, INFINITY, "instance noise"},
               {GAN_TRAINER_DIVERSITY_ALARM, NAN, "diversity alarm"},
               {GAN_TRAINER_COVERAGE_ALARM, 1.5f, "coverage alarm"},
               {GAN_TRAINER_COVERAGE_ALARM, -0.1f, "coverage alarm"},
               {GAN_TRAINER_MIN_IMPROVEMENT, -1.0f, "minimum improvement"},
               {GAN_TRAINER_GMAN_LAMBDA, -2.0f, "GMAN lambda"},
               {GAN_TRAINER_PATIENCE, 1.0f, "not a float"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_says(gan_trainer_set_float(t, bad[i].option, bad[i].value),
                    GAN_ERR_INVALID_ARGUMENT, bad[i].says);
    float decay = -1;
    assert_status(gan_trainer_get_float(t, GAN_TRAINER_EMA_DECAY, &decay), GAN_OK);
    assert_float_equal(decay, 0.0f, 0.0f);
}

static void gan_trainer_get_float_misuse(fixture *f)
{
    misuse_option_reads(gan_trainer_get_float, f->game.trainer, GAN_TRAINER_WEIGHT_CLIP,
                        GAN_TRAINER_N_CRITIC, BAD_TRAINER_OPTION, float, "trainer");
}

static void gan_trainer_set_int_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    misuse_option_writes(gan_trainer_set_int, t, GAN_TRAINER_N_CRITIC, 2,
                         GAN_TRAINER_WEIGHT_CLIP, BAD_TRAINER_OPTION, "trainer");
    const int64_t bad[] = {0, -1, 1001, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_says(gan_trainer_set_int(t, GAN_TRAINER_N_CRITIC, bad[i]),
                    GAN_ERR_INVALID_ARGUMENT, "n_critic");
    int64_t n_critic = 0;
    assert_status(gan_trainer_get_int(t, GAN_TRAINER_N_CRITIC, &n_critic), GAN_OK);
    assert_int_equal(n_critic, 1);
    misuse_says(gan_trainer_set_int(t, GAN_TRAINER_PATIENCE, -1), GAN_ERR_INVALID_ARGUMENT,
                "patience");
    misuse_says(gan_trainer_set_int(t, GAN_TRAINER_INSTANCE_NOISE_STEPS, -1),
                GAN_ERR_INVALID_ARGUMENT, "instance noise steps");
    misuse_says(gan_trainer_set_int(t, GAN_TRAINER_GMAN_LAMBDA, 1), GAN_ERR_INVALID_ARGUMENT,
                "not an integer");
}

static void gan_trainer_add_discriminator_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    misuse(gan_trainer_add_discriminator(NULL, f->game.d, f->game.d_optim), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_add_discriminator(t, NULL, f->game.d_optim), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_add_discriminator(t, f->game.d, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse_says(gan_trainer_add_discriminator(t, f->game.d, f->game.d_optim),
                GAN_ERR_INVALID_ARGUMENT, "already");
    /* Another discriminator, with the wrong optimizer; then one that does not fit G. */
    gan_model *other = mlp(FEATURES, 4, 1, 0), *narrow = mlp(FEATURES + 1, 4, 1, 0);
    gan_discriminator *d2 = NULL, *d3 = NULL;
    gan_optim *o2 = NULL, *o3 = NULL;
    assert_status(gan_discriminator_new(&d2, other), GAN_OK);
    assert_status(gan_discriminator_new(&d3, narrow), GAN_OK);
    assert_status(gan_optim_new(&o2, GAN_OPTIM_ADAM, other), GAN_OK);
    assert_status(gan_optim_new(&o3, GAN_OPTIM_ADAM, narrow), GAN_OK);
    assert_status(gan_model_set_input_shape(narrow, 1, (const int64_t[]){FEATURES + 1}), GAN_OK);
    misuse_says(gan_trainer_add_discriminator(t, d2, f->game.d_optim), GAN_ERR_INVALID_ARGUMENT,
                "another model");
    misuse(gan_trainer_add_discriminator(t, d3, o3), GAN_ERR_SHAPE);
    assert_int_equal(gan_trainer_discriminator_count(t), 1);
    /* After the first step it is too late. */
    assert_status(gan_trainer_step(t, f->game.real), GAN_OK);
    misuse_says(gan_trainer_add_discriminator(t, d2, o2), GAN_ERR_INVALID_ARGUMENT, "first step");
    assert_int_equal(gan_trainer_discriminator_count(t), 1);
    gan_optim_free(o2);
    gan_optim_free(o3);
    gan_discriminator_free(d2);
    gan_discriminator_free(d3);
    gan_model_free(other);
    gan_model_free(narrow);
}

NULL_CASE_VALUE(gan_trainer_discriminator_count, -1)

static void gan_trainer_set_gradient_hook_misuse(fixture *f)
{
    (void)f;
    misuse(gan_trainer_set_gradient_hook(NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_trainer_set_batchnorm_sync_misuse(fixture *f)
{
    (void)f;
    misuse(gan_trainer_set_batchnorm_sync(NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_trainer_set_shard_misuse(fixture *f)
{
    const int64_t bad[][2] = {{0, 0}, {1, 1}, {-1, 2}, {0, 65537}, {INT64_MAX, INT64_MAX}};
    misuse(gan_trainer_set_shard(NULL, 0, 1), GAN_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        misuse_says(gan_trainer_set_shard(f->game.trainer, bad[i][0], bad[i][1]),
                    GAN_ERR_INVALID_ARGUMENT, "rank");
}

static void gan_trainer_record_evaluation_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    unsigned verdict = 99;
    misuse(gan_trainer_record_evaluation(NULL, 1.0, -1.0, &verdict), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_record_evaluation(t, 1.0, -1.0, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_record_evaluation(t, NAN, -1.0, &verdict), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_record_evaluation(t, INFINITY, -1.0, &verdict), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_record_evaluation(t, 1.0, 1.5, &verdict), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_record_evaluation(t, 1.0, NAN, &verdict), GAN_ERR_INVALID_ARGUMENT);
    assert_int_equal(verdict, 99);
    misuse(gan_trainer_best_evaluation(t, NULL, NULL, NULL), GAN_ERR_STATE);
}

static void gan_trainer_best_evaluation_misuse(fixture *f)
{
    double best = -1.0;
    misuse(gan_trainer_best_evaluation(NULL, &best, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_best_evaluation(f->game.trainer, &best, NULL, NULL), GAN_ERR_STATE);
    assert_true(best == -1.0);
}

static void gan_trainer_get_int_misuse(fixture *f)
{
    misuse_option_reads(gan_trainer_get_int, f->game.trainer, GAN_TRAINER_N_CRITIC,
                        GAN_TRAINER_EMA_DECAY, BAD_TRAINER_OPTION, int64_t, "trainer");
}

static void gan_trainer_step_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    gan_tensor *wide = new_tensor(2, BATCH, FEATURES + 1), *empty = new_tensor(2, 0, FEATURES);
    gan_tensor *no_batch = new_tensor(1, FEATURES), *huge_and_empty = new_tensor(2, HUGE_BATCH, 0);
    misuse(gan_trainer_step(NULL, f->game.real), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_step(t, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_step(t, wide), GAN_ERR_SHAPE);
    misuse(gan_trainer_step(t, huge_and_empty), GAN_ERR_SHAPE);
    misuse(gan_trainer_step(t, empty), GAN_ERR_SHAPE);
    misuse(gan_trainer_step(t, no_batch), GAN_ERR_SHAPE);
    assert_int_equal(gan_trainer_step_count(t), 0);
    /* D grown under the trainer: its optimizer no longer fits. */
    grow_discriminator(f);
    misuse_says(gan_trainer_step(t, f->game.real), GAN_ERR_STATE, "gan_optim_step");
    free_tensors(wide, empty, no_batch, huge_and_empty);
}

NULL_CASE_VALUE(gan_trainer_step_count, -1)

static void gan_trainer_get_stat_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    float value = -1;
    misuse(gan_trainer_get_stat(NULL, GAN_STAT_D_LOSS, &value), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_get_stat(t, GAN_STAT_D_LOSS, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_get_stat(t, GAN_STAT_D_LOSS, &value), GAN_ERR_STATE);
    assert_status(gan_trainer_step(t, f->game.real), GAN_OK);
    for (int i = 0; i < BAD_ENUMS; i++)
        misuse(gan_trainer_get_stat(t, (gan_trainer_stat)bad_enum(i, GAN_STAT_DIVERSITY_ALARM), &value),
               GAN_ERR_INVALID_ARGUMENT);
    assert_float_equal(value, -1.0f, 0.0f);
}

static void gan_trainer_set_callback_misuse(fixture *f)
{
    (void)f;
    misuse(gan_trainer_set_callback(NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_trainer_ema_misuse(fixture *f)
{
    misuse_null(gan_trainer_ema(NULL));
    misuse_null(gan_trainer_ema(f->game.trainer)); /* off by default */
}

static void gan_trainer_set_dataset_misuse(fixture *f)
{
    misuse(gan_trainer_set_dataset(NULL, f->dataset), GAN_ERR_INVALID_ARGUMENT);
}

static void gan_trainer_save_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    misuse(gan_trainer_save(NULL, temp_path("t.safetensors")), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_save(t, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_save(t, ""), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_save(t, temp_path("no/such/folder/t.safetensors")), GAN_ERR_IO);
    misuse(gan_trainer_save(t, temp_dir), GAN_ERR_IO);
    assert_int_equal(count_temporaries(temp_dir), 0);
}

/* A trainer like the fixture's but with a generator of 7 hidden units: a different
 * architecture. It shares D, D's optimizer and the random generator. */
typedef struct other_trainer {
    gan_model *model;
    gan_generator *g;
    gan_optim *optim;
    gan_trainer *trainer;
} other_trainer;

static void other_trainer_new(other_trainer *o, fixture *f)
{
    o->model = mlp(LATENT, 7, FEATURES, 1);
    assert_status(gan_generator_new(&o->g, o->model, LATENT, GAN_LATENT_NORMAL), GAN_OK);
    assert_status(gan_optim_new(&o->optim, GAN_OPTIM_ADAM, o->model), GAN_OK);
    assert_status(gan_trainer_new(&o->trainer, o->g, f->game.d, o->optim, f->game.d_optim,
                                  GAN_OBJECTIVE_NON_SATURATING, f->game.rng), GAN_OK);
}

static void other_trainer_free(other_trainer *o)
{
    gan_trainer_free(o->trainer);
    gan_optim_free(o->optim);
    gan_generator_free(o->g);
    gan_model_free(o->model);
}

static void gan_trainer_load_misuse(fixture *f)
{
    gan_trainer *t = f->game.trainer;
    const char *checkpoint = temp_path("t.safetensors"), *model_file = temp_path("g.safetensors");
    assert_status(gan_trainer_step(t, f->game.real), GAN_OK);
    assert_status(gan_trainer_save(t, checkpoint), GAN_OK);
    assert_status(gan_model_save(f->game.g_model, model_file), GAN_OK);
    misuse(gan_trainer_load(NULL, checkpoint), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_load(t, NULL), GAN_ERR_INVALID_ARGUMENT);
    misuse(gan_trainer_load(t, temp_path("missing.safetensors")), GAN_ERR_IO);
    misuse(gan_trainer_load(t, images_file), GAN_ERR_FORMAT);
    misuse(gan_trainer_load(t, model_file), GAN_ERR_FORMAT);

    other_trainer other;
    other_trainer_new(&other, f);
    float *values = NULL;
    size_t count = 0;
    assert_status(gan_model_parameter_arrays(other.model, &values, NULL, &count), GAN_OK);
    float first = values[0];
    misuse(gan_trainer_load(other.trainer, checkpoint), GAN_ERR_SHAPE);
    assert_float_equal(values[0], first, 0.0f);
    assert_int_equal(gan_trainer_step_count(other.trainer), 0);
    other_trainer_free(&other);
    unlink(checkpoint);
    unlink(model_file);
}

static const misuse_case train_cases[] = {
    CASE(gan_loss_new), CASE(gan_loss_free), CASE(gan_loss_objective), CASE(gan_loss_set_float),
    CASE(gan_loss_get_float), CASE(gan_loss_discriminator), CASE(gan_loss_generator),
    CASE(gan_loss_bce_with_logits), CASE(gan_loss_softmax_cross_entropy), CASE(gan_optim_new),
    CASE(gan_optim_free), CASE(gan_optim_kind_of), CASE(gan_optim_set_float),
    CASE(gan_optim_get_float), CASE(gan_optim_set_int), CASE(gan_optim_get_int),
    CASE(gan_optim_step), CASE(gan_optim_last_grad_norm), CASE(gan_optim_step_count),
    CASE(gan_optim_set_step_count), CASE(gan_optim_state_count), CASE(gan_optim_state),
    CASE(gan_optim_set_milestones), CASE(gan_optim_get_milestones), CASE(gan_optim_set_lr_lambda),
    CASE(gan_optim_current_lr),
    CASE(gan_ema_new), CASE(gan_ema_free), CASE(gan_ema_update), CASE(gan_ema_copy_to),
    CASE(gan_ema_data), CASE(gan_generator_new), CASE(gan_generator_free),
    CASE(gan_generator_model), CASE(gan_generator_latent_size), CASE(gan_generator_sample),
    CASE(gan_generator_generate), CASE(gan_discriminator_new), CASE(gan_discriminator_free),
    CASE(gan_discriminator_model), CASE(gan_trainer_new), CASE(gan_trainer_free),
    CASE(gan_trainer_set_float), CASE(gan_trainer_get_float), CASE(gan_trainer_set_int),
    CASE(gan_trainer_get_int), CASE(gan_trainer_step), CASE(gan_trainer_step_count),
    CASE(gan_trainer_get_stat), CASE(gan_trainer_set_callback), CASE(gan_trainer_ema),
    CASE(gan_trainer_set_dataset), CASE(gan_trainer_save), CASE(gan_trainer_load),
    CASE(gan_trainer_add_discriminator), CASE(gan_trainer_discriminator_count),
    CASE(gan_trainer_record_evaluation), CASE(gan_trainer_best_evaluation),
    CASE(gan_trainer_set_gradient_hook), CASE(gan_trainer_set_batchnorm_sync),
    CASE(gan_trainer_set_shard),
};

#endif /* GAN_TEST_API_MISUSE_TRAIN_H */
