/*
 * The Sequential model: layer list, contiguous parameter storage, shape checking, and the
 * forward and backward passes over a per-batch-size arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "nn/layer_impl.h"
#include "nn/model_impl.h"
#include "gan/model.h"

/* A named parameter or buffer and the views the model lends out for it. */
typedef struct named_tensor {
    char name[GAN_MODEL_TENSOR_NAME_CAPACITY];
    gan_tensor value;
    gan_tensor grad;
} named_tensor;

struct gan_model {
    gan_layer **layers;
    int layer_count;
    bool training;
    gan_rng *rng;
    gan_batch_sync batch_sync; /* hook NULL: local BatchNorm statistics */

    /* Contiguous storage: every parameter, every gradient, every buffer. */
    float *params, *grads, *buffers;
    int64_t param_floats, buffer_floats;
    named_tensor *named_params, *named_buffers;
    int named_param_count, named_buffer_count;

    /* Per-sample input shape, once known (every layer's in/out are then set). */
    bool shape_known;
    gan_shape in_shape;

    /* The arena for batches up to batch_capacity: the input copy, each layer's output and
     * workspace, and two gradient buffers that backward uses in turn. */
    int64_t batch_capacity, batch;
    float *input, *activations, *workspace, *grad_a, *grad_b;
    float **outputs, **workspaces;
    gan_tensor output_view, grad_input_view, layer_view;
    bool forward_valid, forward_training;
};

gan_status gan_model_new(gan_model **out)
{
    if (!out)
        return gan__null(__func__, "out");
    gan_model *model = gan__calloc(sizeof *model, "model");
    *out = model;
    if (!model)
        return GAN_ERR_OUT_OF_MEMORY;
    model->training = true;
    return GAN_OK;
}

static void free_arena(gan_model *model)
{
    gan__free(model->input);
    gan__free(model->activations);
    gan__free(model->workspace);
    gan__free(model->grad_a);
    gan__free(model->grad_b);
    gan__free(model->outputs);
    gan__free(model->workspaces);
    model->input = model->activations = model->workspace = model->grad_a = model->grad_b = NULL;
    model->outputs = model->workspaces = NULL;
    model->batch_capacity = 0;
    model->forward_valid = false;
}

void gan_model_free(gan_model *model)
{
    if (!model)
        return;
    free_arena(model);
    for (int i = 0; i < model->layer_count; i++)
        gan__free(model->layers[i]);
    gan__free(model->layers);
    gan__free(model->params);
    gan__free(model->grads);
    gan__free(model->buffers);
    gan__free(model->named_params);
    gan__free(model->named_buffers);
    gan__free(model);
}

/* ---- shapes ------------------------------------------------------------------------ */

/* Prefixes the message a layer wrote with the layer's position, name and kind. */
static gan_status layer_error(gan_status status, int index, const gan_layer *layer)
{
    char reason[768];
    snprintf(reason, sizeof reason, "%s", gan_last_error());
    return gan__fail(status, "model layer %d%s%s (%s): %s", index, layer->name[0] ? " " : "",
                     layer->name, layer->ops->kind, reason);
}

/*
 * Walks layers [first, count) from `shape`. Inference is pure, so callers validate with
 * store = false and then commit with store = true, which cannot fail: a failed check
 * leaves every layer as it was.
 */
static gan_status walk_shapes(gan_layer *const *layers, int first, int count, gan_shape shape,
                              bool store)
{
    for (int i = first; i < count; i++) {
        gan_shape out;
        gan_status status = layers[i]->ops->infer(layers[i], &shape, &out);
        if (status != GAN_OK)
            return layer_error(status, i, layers[i]);
        if (out.rank < 1 || out.rank >= GAN_TENSOR_MAX_RANK)
            return layer_error(gan__fail(GAN_ERR_SHAPE, "its output would have rank %d; 1 to %d allowed",
                                         out.rank, GAN_TENSOR_MAX_RANK - 1),
                               i, layers[i]);
        if (store) {
            layers[i]->in = shape;
            layers[i]->out = out;
        }
        shape = out;
    }
    return GAN_OK;
}

static gan_status check_and_store_shapes(gan_layer *const *layers, int first, int count,
                                         const gan_shape *shape)
{
    gan_status status = walk_shapes(layers, first, count, *shape, false);
    if (status == GAN_OK)
        walk_shapes(layers, first, count, *shape, true);
    return status;
}

static const gan_shape *output_shape(const gan_model *model)
{
    return model->layer_count ? &model->layers[model->layer_count - 1]->out : &model->in_shape;
}

static gan_status check_sample_shape(const char *function, int rank, const int64_t *shape)
{
    if (rank < 1 || rank >= GAN_TENSOR_MAX_RANK)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: a sample has rank 1 to %d, not %d",
                         function, GAN_TENSOR_MAX_RANK - 1, rank);
    if (!shape)
        return gan__null(function, "shape");
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 1)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: dimension %d of a sample is %lld",
                             function, i, (long long)shape[i]);
        if (!gan__mul_i64(numel, shape[i], &numel))
            return gan__fail(GAN_ERR_OVERFLOW, "%s: a sample's element count overflows", function);
    }
    return GAN_OK;
}

static bool same_shape(const gan_shape *shape, int rank, const int64_t *dim)
{
    return shape->rank == rank && memcmp(shape->dim, dim, (size_t)rank * sizeof(int64_t)) == 0;
}

gan_status gan_model_set_input_shape(gan_model *model, int rank, const int64_t *shape)
{
    if (!model)
        return gan__null(__func__, "model");
    gan_status status = check_sample_shape(__func__, rank, shape);
    if (status != GAN_OK)
        return status;
    if (model->shape_known) {
        if (same_shape(&model->in_shape, rank, shape))
            return GAN_OK;
        char had[GAN_SHAPE_TEXT_CAPACITY], asked[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_STATE, "%s: the input shape is already %s, not %s", __func__,
                         gan__shape_text(had, model->in_shape.rank, model->in_shape.dim),
                         gan__shape_text(asked, rank, shape));
    }
    gan_shape in = {.rank = rank};
    memcpy(in.dim, shape, (size_t)rank * sizeof(int64_t));
    status = check_and_store_shapes(model->layers, 0, model->layer_count, &in);
    if (status != GAN_OK)
        return status;
    model->in_shape = in;
    model->shape_known = true;
    return GAN_OK;
}

/* The shared body of gan_model_input_shape and gan_model_output_shape. */
static gan_status copy_shape(const char *function, const gan_model *model, bool input, int *rank,
                             int64_t *shape, size_t capacity)
{
    if (!model)
        return gan__null(function, "model");
    if (!rank || !shape)
        return gan__null(function, rank ? "shape" : "rank");
    if (!model->shape_known)
        return gan__fail(GAN_ERR_STATE,
                         "%s: the input shape is not known yet (gan_model_set_input_shape or a forward pass)",
                         function);
    const gan_shape *known = input ? &model->in_shape : output_shape(model);
    if (capacity < (size_t)known->rank)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: capacity %zu is smaller than the rank %d",
                         function, capacity, known->rank);
    *rank = known->rank;
    memcpy(shape, known->dim, (size_t)known->rank * sizeof(int64_t));
    return GAN_OK;
}

gan_status gan_model_input_shape(const gan_model *model, int *rank, int64_t *shape,
                                 size_t capacity)
{
    return copy_shape(__func__, model, true, rank, shape, capacity);
}

gan_status gan_model_output_shape(const gan_model *model, int *rank, int64_t *shape,
                                  size_t capacity)
{
    return copy_shape(__func__, model, false, rank, shape, capacity);
}

/* ---- parameter storage --------------------------------------------------------------- */

static int64_t tensor_floats(const gan_layer_tensor *tensors, int count)
{
    int64_t total = 0;
    for (int i = 0; i < count; i++)
        total += gan__shape_numel(&tensors[i].shape);
    return total;
}

void gan__model_tensor_name(char name[GAN_MODEL_TENSOR_NAME_CAPACITY], int index,
                            const gan_layer *layer, const char *suffix)
{
    if (layer->name[0])
        snprintf(name, GAN_MODEL_TENSOR_NAME_CAPACITY, "%s.%s", layer->name, suffix);
    else
        snprintf(name, GAN_MODEL_TENSOR_NAME_CAPACITY, "%d.%s", index, suffix);
}

static void name_tensor(named_tensor *named, int index, const gan_layer *layer,
                        const gan_layer_tensor *tensor)
{
    gan__model_tensor_name(named->name, index, layer, tensor->suffix);
    gan__tensor_view(&named->value, tensor->value, tensor->shape.rank, tensor->shape.dim);
    if (tensor->grad)
        gan__tensor_view(&named->grad, tensor->grad, tensor->shape.rank, tensor->shape.dim);
}

/*
 * Lays out storage for `layers` (the model's, plus possibly one more): new arrays, the old
 * values copied in front (a layer is only ever appended), views and names rebuilt. On
 * failure the model is unchanged.
 */
static gan_status relayout(gan_model *model, gan_layer **layers, int count)
{
    int64_t param_floats = 0, buffer_floats = 0;
    int named_params = 0, named_buffers = 0;
    for (int i = 0; i < count; i++) {
        param_floats += tensor_floats(layers[i]->params, layers[i]->param_count);
        buffer_floats += tensor_floats(layers[i]->buffers, layers[i]->buffer_count);
        named_params += layers[i]->param_count;
        named_buffers += layers[i]->buffer_count;
    }
    float *params = NULL, *grads = NULL, *buffers = NULL;
    named_tensor *np = NULL, *nb = NULL;
    if (param_floats > 0) {
        params = gan__calloc_array((size_t)param_floats, sizeof(float), "model parameters");
        grads = params ? gan__calloc_array((size_t)param_floats, sizeof(float), "model gradients") : NULL;
        np = grads ? gan__calloc_array((size_t)named_params, sizeof *np, "parameter names") : NULL;
        if (!np)
            goto out_of_memory;
    }
    if (buffer_floats > 0) {
        buffers = gan__calloc_array((size_t)buffer_floats, sizeof(float), "model buffers");
        nb = buffers ? gan__calloc_array((size_t)named_buffers, sizeof *nb, "buffer names") : NULL;
        if (!nb)
            goto out_of_memory;
    }
    if (model->param_floats > 0) {
        memcpy(params, model->params, (size_t)model->param_floats * sizeof(float));
        memcpy(grads, model->grads, (size_t)model->param_floats * sizeof(float));
    }
    if (model->buffer_floats > 0)
        memcpy(buffers, model->buffers, (size_t)model->buffer_floats * sizeof(float));

    int64_t param_offset = 0, buffer_offset = 0;
    int pi = 0, bi = 0;
    for (int i = 0; i < count; i++) {
        gan_layer *layer = layers[i];
        for (int t = 0; t < layer->param_count; t++) {
            gan_layer_tensor *tensor = &layer->params[t];
            tensor->value = params + param_offset;
            tensor->grad = grads + param_offset;
            param_offset += gan__shape_numel(&tensor->shape);
            name_tensor(&np[pi++], i, layer, tensor);
        }
        for (int t = 0; t < layer->buffer_count; t++) {
            gan_layer_tensor *tensor = &layer->buffers[t];
            tensor->value = buffers + buffer_offset;
            buffer_offset += gan__shape_numel(&tensor->shape);
            name_tensor(&nb[bi++], i, layer, tensor);
        }
    }
    gan__free(model->params);
    gan__free(model->grads);
    gan__free(model->buffers);
    gan__free(model->named_params);
    gan__free(model->named_buffers);
    model->params = params;
    model->grads = grads;
    model->buffers = buffers;
    model->named_params = np;
    model->named_buffers = nb;
    model->param_floats = param_floats;
    model->buffer_floats = buffer_floats;
    model->named_param_count = named_params;
    model->named_buffer_count = named_buffers;
    return GAN_OK;

out_of_memory:
    gan__free(params);
    gan__free(grads);
    gan__free(buffers);
    gan__free(np);
    gan__free(nb);
    return GAN_ERR_OUT_OF_MEMORY;
}

static bool name_taken(const gan_model *model, const char *name)
{
    for (int i = 0; i < model->layer_count; i++)
        if (strcmp(model->layers[i]->name, name) == 0)
            return true;
    return false;
}

gan_status gan_model_add(gan_model *model, gan_layer *layer)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!layer)
        return gan__null(__func__, "layer");
    if (layer->in_model)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the %s layer '%s' already belongs to a model",
                         __func__, layer->ops->kind, layer->name);
    if (layer->name[0] && name_taken(model, layer->name))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the model already has a layer named '%s'",
                         __func__, layer->name);
    if (model->layer_count == 1 << 20)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: a model holds at most 2^20 layers", __func__);

    int count = model->layer_count + 1;
    gan_layer **layers = gan__calloc_array((size_t)count, sizeof *layers, "model layer list");
    if (!layers)
        return GAN_ERR_OUT_OF_MEMORY;
    if (model->layer_count)
        memcpy(layers, model->layers, (size_t)model->layer_count * sizeof *layers);
    layers[count - 1] = layer;

    gan_status status = GAN_OK;
    if (model->shape_known)
        status = check_and_store_shapes(layers, count - 1, count, output_shape(model));
    if (status == GAN_OK)
        status = relayout(model, layers, count);
    if (status != GAN_OK) {
        gan__free(layers);
        return status;
    }
    gan__free(model->layers);
    model->layers = layers;
    model->layer_count = count;
    layer->in_model = true;
    if (layer->ops->reset)
        layer->ops->reset(layer);
    free_arena(model); /* sized for the old layer list */
    return GAN_OK;
}

int gan_model_layer_count(const gan_model *model)
{
    if (!model) {
        gan__null(__func__, "model");
        return -1;
    }
    return model->layer_count;
}

gan_layer *gan_model_layer(gan_model *model, int index)
{
    if (!model) {
        gan__null(__func__, "model");
        return NULL;
    }
    if (index < 0 || index >= model->layer_count) {
        gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: index %d is outside 0..%d", __func__, index,
                  model->layer_count - 1);
        return NULL;
    }
    return model->layers[index];
}

gan_status gan_model_init_parameters(gan_model *model, gan_rng *rng)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!rng)
        return gan__null(__func__, "rng");
    for (int i = 0; i < model->layer_count; i++)
        if (model->layers[i]->ops->init)
            model->layers[i]->ops->init(model->layers[i], rng);
    return GAN_OK;
}

gan_status gan_model_set_rng(gan_model *model, gan_rng *rng)
{
    if (!model)
        return gan__null(__func__, "model");
    model->rng = rng;
    return GAN_OK;
}

gan_status gan_model_set_training(gan_model *model, int training)
{
    if (!model)
        return gan__null(__func__, "model");
    model->training = training != 0;
    return GAN_OK;
}

gan_status gan_model_set_batchnorm_sync(gan_model *model, gan_sum_hook hook, void *user_data)
{
    if (!model)
        return gan__null(__func__, "model");
    model->batch_sync.hook = hook;
    model->batch_sync.user_data = hook ? user_data : NULL;
    return GAN_OK;
}

/* The pass over the model's current batch, in the mode of `training`. */
static gan_pass model_pass(const gan_model *model, bool training)
{
    return (gan_pass){.batch = model->batch,
                      .training = training,
                      .rng = model->rng,
                      .sync = model->batch_sync.hook ? &model->batch_sync : NULL};
}

int gan_model_is_training(const gan_model *model)
{
    if (!model) {
        gan__null(__func__, "model");
        return -1;
    }
    return model->training;
}

gan_status gan_model_zero_grad(gan_model *model)
{
    if (!model)
        return gan__null(__func__, "model");
    if (model->param_floats > 0)
        memset(model->grads, 0, (size_t)model->param_floats * sizeof(float));
    return GAN_OK;
}

int64_t gan_model_parameter_count(const gan_model *model)
{
    if (!model) {
        gan__null(__func__, "model");
        return -1;
    }
    return model->param_floats;
}

gan_status gan_model_parameter_arrays(gan_model *model, float **parameters, float **gradients,
                                      size_t *count)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!count)
        return gan__null(__func__, "count");
    if (parameters)
        *parameters = model->params;
    if (gradients)
        *gradients = model->grads;
    *count = (size_t)model->param_floats;
    return GAN_OK;
}

int gan_model_named_parameter_count(const gan_model *model)
{
    if (!model) {
        gan__null(__func__, "model");
        return -1;
    }
    return model->named_param_count;
}

int gan_model_named_buffer_count(const gan_model *model)
{
    if (!model) {
        gan__null(__func__, "model");
        return -1;
    }
    return model->named_buffer_count;
}

static gan_status check_index(const char *function, int index, int count)
{
    if (index < 0 || index >= count)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: index %d is outside 0..%d", function,
                         index, count - 1);
    return GAN_OK;
}

gan_status gan_model_named_parameter(gan_model *model, int index, const char **name,
                                     gan_tensor **value, gan_tensor **gradient)
{
    if (!model)
        return gan__null(__func__, "model");
    gan_status status = check_index(__func__, index, model->named_param_count);
    if (status != GAN_OK)
        return status;
    named_tensor *named = &model->named_params[index];
    if (name)
        *name = named->name;
    if (value)
        *value = &named->value;
    if (gradient)
        *gradient = &named->grad;
    return GAN_OK;
}

gan_status gan_model_named_buffer(gan_model *model, int index, const char **name,
                                  gan_tensor **value)
{
    if (!model)
        return gan__null(__func__, "model");
    gan_status status = check_index(__func__, index, model->named_buffer_count);
    if (status != GAN_OK)
        return status;
    named_tensor *named = &model->named_buffers[index];
    if (name)
        *name = named->name;
    if (value)
        *value = &named->value;
    return GAN_OK;
}

/* ---- internal accessors (model_impl.h) ----------------------------------------------- */

bool gan__model_input_shape(const gan_model *model, gan_shape *shape)
{
    if (model->shape_known)
        *shape = model->in_shape;
    return model->shape_known;
}

const gan_layer *gan__model_layer_at(const gan_model *model, int index)
{
    return model->layers[index];
}

int gan__model_tensor_count(const gan_model *model)
{
    return model->named_param_count + model->named_buffer_count;
}

void gan__model_tensor_at(const gan_model *model, int index, const char **name,
                          const gan_tensor **value)
{
    const named_tensor *named = index < model->named_param_count
                                    ? &model->named_params[index]
                                    : &model->named_buffers[index - model->named_param_count];
    *name = named->name;
    *value = &named->value;
}

/* ---- passes ----------------------------------------------------------------------------- */

/* floats = batch * per_sample, or an overflow error. */
static gan_status batch_floats(int64_t batch, int64_t per_sample, size_t *floats)
{
    int64_t total;
    if (!gan__mul_i64(batch, per_sample, &total) || (uint64_t)total > SIZE_MAX / sizeof(float))
        return gan__fail(GAN_ERR_OVERFLOW, "a batch of %lld samples of %lld floats is too large",
                         (long long)batch, (long long)per_sample);
    *floats = (size_t)total;
    return GAN_OK;
}

/* Sizes the arena for `batch` samples; nothing is allocated when it is already big enough. */
static gan_status prepare_batch(gan_model *model, int64_t batch)
{
    if (batch <= model->batch_capacity) {
        model->batch = batch;
        return GAN_OK;
    }
    int count = model->layer_count;
    size_t input_floats = 0, activation_floats = 0, workspace_floats = 0, grad_floats = 0;
    int64_t widest = gan__shape_numel(&model->in_shape);
    gan_status status = batch_floats(batch, widest, &input_floats);
    for (int i = 0; i < count && status == GAN_OK; i++) {
        const gan_layer *layer = model->layers[i];
        size_t floats = 0, workspace = 0;
        if (!layer->ops->aliases_input)
            status = batch_floats(batch, gan__shape_numel(&layer->out), &floats);
        if (layer->ops->workspace_floats)
            workspace = layer->ops->workspace_floats(layer, batch);
        if (status == GAN_OK && (!gan__add_size(activation_floats, floats, &activation_floats) ||
                                 !gan__add_size(workspace_floats, workspace, &workspace_floats) ||
                                 activation_floats > SIZE_MAX / sizeof(float) ||
                                 workspace_floats > SIZE_MAX / sizeof(float)))
            status = gan__fail(GAN_ERR_OVERFLOW, "a batch of %lld samples needs more memory "
                               "than can be addressed", (long long)batch);
        if (gan__shape_numel(&layer->out) > widest)
            widest = gan__shape_numel(&layer->out);
    }
    if (status == GAN_OK)
        status = batch_floats(batch, widest, &grad_floats);
    if (status != GAN_OK)
        return status;

    free_arena(model);
    model->input = gan__alloc(input_floats * sizeof(float), "model input copy");
    model->activations = activation_floats ? gan__alloc(activation_floats * sizeof(float), "activations") : NULL;
    model->workspace = workspace_floats ? gan__alloc(workspace_floats * sizeof(float), "layer workspaces") : NULL;
    model->grad_a = gan__alloc(grad_floats * sizeof(float), "backward buffer");
    model->grad_b = gan__alloc(grad_floats * sizeof(float), "backward buffer");
    model->outputs = gan__calloc_array((size_t)count + 1, sizeof(float *), "activation table");
    model->workspaces = gan__calloc_array((size_t)count + 1, sizeof(float *), "workspace table");
    if (!model->input || (activation_floats && !model->activations) ||
        (workspace_floats && !model->workspace) || !model->grad_a || !model->grad_b ||
        !model->outputs || !model->workspaces) {
        free_arena(model);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    float *activation = model->activations, *workspace = model->workspace;
    for (int i = 0; i < count; i++) {
        const gan_layer *layer = model->layers[i];
        if (!layer->ops->aliases_input) {
            model->outputs[i] = activation;
            activation += batch * gan__shape_numel(&layer->out);
        }
        model->workspaces[i] = workspace;
        if (layer->ops->workspace_floats)
            workspace += layer->ops->workspace_floats(layer, batch);
    }
    model->batch_capacity = batch;
    model->batch = batch;
    return GAN_OK;
}

static gan_status check_input(const char *function, gan_model *model, const gan_tensor *input)
{
    if (input->rank < 2)
        return gan__fail(GAN_ERR_SHAPE, "%s: the input has rank %d; it needs a batch dimension "
                         "and at least one more", function, input->rank);
    if (input->shape[0] < 1)
        return gan__fail(GAN_ERR_SHAPE, "%s: the batch is empty", function);
    if (!model->shape_known)
        return gan_model_set_input_shape(model, input->rank - 1, input->shape + 1);
    if (same_shape(&model->in_shape, input->rank - 1, input->shape + 1))
        return GAN_OK;
    char expected[GAN_SHAPE_TEXT_CAPACITY], got[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE, "%s: samples of shape %s expected, the input is %s",
                     function, gan__shape_text(expected, model->in_shape.rank, model->in_shape.dim),
                     gan__shape_text(got, input->rank, input->shape));
}

/* A view of `data` shaped [batch, sample...]. */
static void batch_view(gan_tensor *view, float *data, int64_t batch, const gan_shape *sample)
{
    int64_t shape[GAN_TENSOR_MAX_RANK];
    shape[0] = batch;
    memcpy(shape + 1, sample->dim, (size_t)sample->rank * sizeof(int64_t));
    gan__tensor_view(view, data, sample->rank + 1, shape);
}

gan_status gan_model_forward(gan_model *model, const gan_tensor *input, const gan_tensor **output)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!input)
        return gan__null(__func__, "input");
    if (!output)
        return gan__null(__func__, "output");
    *output = NULL;
    gan_status status = check_input(__func__, model, input);
    if (status == GAN_OK)
        status = prepare_batch(model, input->shape[0]);
    if (status != GAN_OK)
        return status;

    model->forward_valid = false;
    memcpy(model->input, input->data, (size_t)input->numel * sizeof(float));
    gan_pass pass = model_pass(model, model->training);
    const float *x = model->input;
    for (int i = 0; i < model->layer_count; i++) {
        gan_layer *layer = model->layers[i];
        if (layer->ops->aliases_input) {
            model->outputs[i] = (float *)x;
            continue;
        }
        pass.workspace = model->workspaces[i];
        status = layer->ops->forward(layer, &pass, x, model->outputs[i]);
        if (status != GAN_OK)
            return layer_error(status, i, layer);
        x = model->outputs[i];
    }
    batch_view(&model->output_view, (float *)x, model->batch, output_shape(model));
    model->forward_valid = true;
    model->forward_training = model->training;
    *output = &model->output_view;
    return GAN_OK;
}

gan_status gan_model_layer_output(gan_model *model, int index, const gan_tensor **output)
{
    if (!output)
        return gan__null(__func__, "output");
    *output = NULL;
    if (!model)
        return gan__null(__func__, "model");
    if (index < 0 || index >= model->layer_count)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: layer %d does not exist; the model has "
                         "%d layers", __func__, index, model->layer_count);
    if (!model->forward_valid)
        return gan__fail(GAN_ERR_STATE, "%s: there is no forward pass to read: none since the "
                         "model changed, or the last one failed", __func__);
    const gan_layer *layer = model->layers[index];
    batch_view(&model->layer_view, model->outputs[index], model->batch, &layer->out);
    *output = &model->layer_view;
    return GAN_OK;
}

/* Whether backward computes the layer's parameter gradients. */
static bool wants_param_grads(const gan_layer *layer)
{
    return layer->param_count > 0 && !layer->frozen;
}

/* The lowest layer backward must reach: 0 if the input gradient is wanted, else the lowest
 * layer with parameter gradients to compute when they are wanted (frozen first layers are
 * not even visited); layer_count means none. */
static int lowest_needed_layer(const gan_model *model, bool want_input, bool param_grads)
{
    if (want_input)
        return 0;
    if (param_grads)
        for (int i = 0; i < model->layer_count; i++)
            if (wants_param_grads(model->layers[i]))
                return i;
    return model->layer_count;
}

void gan__model_each_trainable_span(const gan_model *model, gan_span_visitor visit,
                                    void *context)
{
    size_t first = 0, count = 0;
    for (int i = 0; i < model->layer_count; i++) {
        const gan_layer *layer = model->layers[i];
        if (layer->param_count == 0)
            continue;
        size_t offset = (size_t)(layer->params[0].value - model->params), numel = 0;
        for (int t = 0; t < layer->param_count; t++)
            numel += (size_t)gan__shape_numel(&layer->params[t].shape);
        if (layer->frozen)
            continue;
        if (count > 0 && first + count == offset) {
            count += numel; /* joins the run */
            continue;
        }
        if (count > 0)
            visit(context, first, count);
        first = offset;
        count = numel;
    }
    if (count > 0)
        visit(context, first, count);
}

gan_status gan_model_backward(gan_model *model, const gan_tensor *grad_output, unsigned flags,
                              const gan_tensor **grad_input)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!grad_output)
        return gan__null(__func__, "grad_output");
    if (grad_input)
        *grad_input = NULL;
    if (flags & ~(unsigned)GAN_BACKWARD_SKIP_PARAMETERS)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", __func__, flags);
    if (!model->forward_valid)
        return gan__fail(GAN_ERR_STATE, "%s: no forward pass to backpropagate through "
                         "(call gan_model_forward first)", __func__);
    const gan_tensor *out = &model->output_view;
    if (grad_output->rank != out->rank ||
        memcmp(grad_output->shape, out->shape, (size_t)out->rank * sizeof(int64_t)) != 0) {
        char expected[GAN_SHAPE_TEXT_CAPACITY], got[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: the output gradient is %s; the output was %s",
                         __func__, gan__shape_text(got, grad_output->rank, grad_output->shape),
                         gan__shape_text(expected, out->rank, out->shape));
    }

    bool param_grads = !(flags & GAN_BACKWARD_SKIP_PARAMETERS);
    int lowest = lowest_needed_layer(model, grad_input != NULL, param_grads);
    gan_status failure = GAN_OK;
    gan_pass pass = model_pass(model, model->forward_training);
    pass.failure = &failure;
    const float *dy = grad_output->data;
    for (int i = model->layer_count - 1; i >= lowest; i--) {
        gan_layer *layer = model->layers[i];
        if (layer->ops->aliases_input)
            continue; /* dx is dy, reinterpreted */
        const float *x = i > 0 ? model->outputs[i - 1] : model->input;
        float *dx = NULL;
        if (i > lowest || grad_input)
            dx = dy == model->grad_a ? model->grad_b : model->grad_a;
        pass.workspace = model->workspaces[i];
        layer->ops->backward(layer, &pass, x, model->outputs[i], dy, dx,
                             param_grads && !layer->frozen);
        if (failure != GAN_OK)
            return layer_error(failure, i, layer);
        dy = dx;
    }
    if (grad_input) {
        if (dy == grad_output->data) { /* only aliasing layers: hand back a copy */
            memcpy(model->grad_a, dy, (size_t)grad_output->numel * sizeof(float));
            dy = model->grad_a;
        }
        batch_view(&model->grad_input_view, (float *)dy, model->batch, &model->in_shape);
        *grad_input = &model->grad_input_view;
    }
    return GAN_OK;
}

/* ---- summary --------------------------------------------------------------------------- */

typedef struct text_sink {
    char *buffer;
    size_t capacity, length;
} text_sink;

static void sink_printf(text_sink *sink, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void sink_printf(text_sink *sink, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *at = sink->length < sink->capacity ? sink->buffer + sink->length : NULL;
    size_t room = at ? sink->capacity - sink->length : 0;
    int written = vsnprintf(at, room, format, args);
    va_end(args);
    if (written > 0)
        sink->length += (size_t)written;
}

gan_status gan_model_summary(const gan_model *model, char *buffer, size_t capacity, size_t *length)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!buffer && capacity > 0)
        return gan__null(__func__, "buffer");
    text_sink sink = {buffer, capacity, 0};
    int64_t frozen = 0;
    sink_printf(&sink, "%-4s %-20s %-16s %-22s %12s\n", "#", "name", "kind",
                "output (per sample)", "parameters");
    for (int i = 0; i < model->layer_count; i++) {
        const gan_layer *layer = model->layers[i];
        char shape[GAN_SHAPE_TEXT_CAPACITY] = "?";
        if (model->shape_known)
            gan__shape_text(shape, layer->out.rank, layer->out.dim);
        int64_t floats = tensor_floats(layer->params, layer->param_count);
        if (layer->frozen)
            frozen += floats;
        sink_printf(&sink, "%-4d %-20s %-16s %-22s %12lld%s\n", i,
                    layer->name[0] ? layer->name : "-", layer->ops->kind, shape,
                    (long long)floats, layer->frozen && floats > 0 ? " (frozen)" : "");
    }
    if (frozen > 0)
        sink_printf(&sink, "trainable parameters: %lld, frozen: %lld; buffers: %lld floats\n",
                    (long long)(model->param_floats - frozen), (long long)frozen,
                    (long long)model->buffer_floats);
    else
        sink_printf(&sink, "trainable parameters: %lld; buffers: %lld floats\n",
                    (long long)model->param_floats, (long long)model->buffer_floats);
    if (length)
        *length = sink.length;
    if (capacity > 0 && sink.length >= capacity)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: the summary needs %zu bytes, the buffer has %zu", __func__,
                         sink.length + 1, capacity);
    /* Capacity 0 only measures the table: without `length` nothing would come back. */
    if (capacity == 0 && length == NULL)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: capacity is 0 and length is NULL; "
                         "nothing can be returned", __func__);
    return GAN_OK;
}
