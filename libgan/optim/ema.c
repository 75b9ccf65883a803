/*
 * An exponential moving average of a model's parameters (the "EMA generator" of GAN
 * training), per element:
 *   at creation:  avg = p
 *   update:       avg = decay * avg + (1 - decay) * p
 * in float, with 1 - decay formed in double and rounded (torch's
 * ema.mul_(decay).add_(p, alpha=1 - decay)). decay 1 freezes the average, 0 copies p.
 *
 * gan_ema_copy_to writes the average into a model with the same layout (the same named
 * parameter and buffer shapes, in order; names may differ), together with the tracked
 * model's buffers (BatchNorm running statistics), which are not averaged.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "gan/optim.h"

struct gan_ema {
    gan_model *model;   /* borrowed */
    size_t count;       /* parameters when the average was made */
    float decay;
    float *avg;
};

gan_status gan_ema_new(gan_ema **out, gan_model *model, float decay)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!model)
        return gan__null(__func__, "model");
    if (!(decay >= 0.0f && decay <= 1.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: decay = %g is out of range; it must be "
                         "in [0, 1]", __func__, (double)decay);
    float *params;
    size_t count;
    gan_status status = gan_model_parameter_arrays(model, &params, NULL, &count);
    if (status != GAN_OK)
        return status;
    if (count == 0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the model has no parameters to average",
                         __func__);
    gan_ema *ema = gan__calloc(sizeof *ema, "moving average");
    if (!ema)
        return GAN_ERR_OUT_OF_MEMORY;
    ema->avg = gan__calloc_array(count, sizeof(float), "moving average parameters");
    if (!ema->avg) {
        gan__free(ema);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    memcpy(ema->avg, params, count * sizeof(float));
    ema->model = model;
    ema->count = count;
    ema->decay = decay;
    *out = ema;
    return GAN_OK;
}

void gan_ema_free(gan_ema *ema)
{
    if (!ema)
        return;
    gan__free(ema->avg);
    gan__free(ema);
}

/* The tracked model's parameters, provided it still has as many as when the average was made. */
static gan_status tracked_parameters(const char *function, const gan_ema *ema, float **params)
{
    size_t count;
    gan_status status = gan_model_parameter_arrays(ema->model, params, NULL, &count);
    if (status != GAN_OK)
        return status;
    if (count != ema->count)
        return gan__fail(GAN_ERR_STATE, "%s: the tracked model has %zu parameters now, %zu when "
                         "the average was made (layers were added); make a new one", function,
                         count, ema->count);
    return GAN_OK;
}

gan_status gan_ema_update(gan_ema *ema)
{
    if (!ema)
        return gan__null(__func__, "ema");
    float *params;
    gan_status status = tracked_parameters(__func__, ema, &params);
    if (status != GAN_OK)
        return status;
    const float decay = ema->decay, rest = (float)(1.0 - (double)ema->decay);
    float *avg = ema->avg;
    for (size_t i = 0; i < ema->count; i++)
        avg[i] = avg[i] * decay + rest * params[i];
    return GAN_OK;
}

/* Compares a tensor of the tracked model with the target's counterpart. */
static gan_status same_tensor_shape(const char *what, int index, const char *name,
                                    const gan_tensor *mine, const char *target_name,
                                    const gan_tensor *theirs)
{
    if (mine->rank == theirs->rank &&
        memcmp(mine->shape, theirs->shape, (size_t)mine->rank * sizeof(int64_t)) == 0)
        return GAN_OK;
    char shape[GAN_SHAPE_TEXT_CAPACITY], target_shape[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE, "gan_ema_copy_to: %s %d is '%s' %s in the tracked model "
                     "and '%s' %s in the target", what, index, name,
                     gan__shape_text(shape, mine->rank, mine->shape), target_name,
                     gan__shape_text(target_shape, theirs->rank, theirs->shape));
}

/* The target has the tracked model's layout: parameter and buffer tensors of the same
 * shapes in the same order (and so the same total counts). */
static gan_status check_layout(gan_model *tracked, gan_model *target)
{
    int params = gan_model_named_parameter_count(tracked);
    int target_params = gan_model_named_parameter_count(target);
    int buffers = gan_model_named_buffer_count(tracked);
    int target_buffers = gan_model_named_buffer_count(target);
    if (params != target_params || buffers != target_buffers)
        return gan__fail(GAN_ERR_SHAPE, "gan_ema_copy_to: the tracked model has %d parameter "
                         "and %d buffer tensors, the target %d and %d", params, buffers,
                         target_params, target_buffers);
    for (int i = 0; i < params; i++) {
        const char *name, *target_name;
        gan_tensor *mine, *theirs;
        gan_status status = gan_model_named_parameter(tracked, i, &name, &mine, NULL);
        if (status == GAN_OK)
            status = gan_model_named_parameter(target, i, &target_name, &theirs, NULL);
        if (status == GAN_OK)
            status = same_tensor_shape("parameter", i, name, mine, target_name, theirs);
        if (status != GAN_OK)
            return status;
    }
    for (int i = 0; i < buffers; i++) {
        const char *name, *target_name;
        gan_tensor *mine, *theirs;
        gan_status status = gan_model_named_buffer(tracked, i, &name, &mine);
        if (status == GAN_OK)
            status = gan_model_named_buffer(target, i, &target_name, &theirs);
        if (status == GAN_OK)
            status = same_tensor_shape("buffer", i, name, mine, target_name, theirs);
        if (status != GAN_OK)
            return status;
    }
    return GAN_OK;
}

gan_status gan_ema_copy_to(const gan_ema *ema, gan_model *target)
{
    if (!ema)
        return gan__null(__func__, "ema");
    if (!target)
        return gan__null(__func__, "target");
    float *unused;
    gan_status status = tracked_parameters(__func__, ema, &unused);
    if (status == GAN_OK)
        status = check_layout(ema->model, target);
    if (status != GAN_OK)
        return status;
    float *params;
    size_t count;
    status = gan_model_parameter_arrays(target, &params, NULL, &count);
    if (status != GAN_OK)
        return status;
    if (count != ema->count) /* the shapes agree, so the totals do; checked all the same */
        return gan__fail(GAN_ERR_SHAPE, "%s: the target has %zu parameters, the average %zu",
                         __func__, count, ema->count);
    memcpy(params, ema->avg, count * sizeof(float));
    if (target == ema->model)
        return GAN_OK; /* its buffers are already the tracked model's */
    int buffers = gan_model_named_buffer_count(target);
    for (int i = 0; i < buffers; i++) {
        gan_tensor *from, *to;
        if (gan_model_named_buffer(ema->model, i, NULL, &from) != GAN_OK ||
            gan_model_named_buffer(target, i, NULL, &to) != GAN_OK)
            return GAN_ERR_INVALID_ARGUMENT; /* cannot happen: the layouts were checked */
        if (to->numel > 0)
            memcpy(to->data, from->data, (size_t)to->numel * sizeof(float));
    }
    return GAN_OK;
}

gan_status gan_ema_data(gan_ema *ema, float **data, size_t *count)
{
    if (!ema)
        return gan__null(__func__, "ema");
    if (!data)
        return gan__null(__func__, "data");
    if (!count)
        return gan__null(__func__, "count");
    gan_status status = tracked_parameters(__func__, ema, NULL);
    if (status != GAN_OK)
        return status;
    *data = ema->avg;
    *count = ema->count;
    return GAN_OK;
}
