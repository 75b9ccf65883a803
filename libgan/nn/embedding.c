/*
 * Embedding (torch.nn.Embedding): a lookup table W [num, dim]; each sample's input [1]
 * holds an index as an integral float in 0..num-1.
 *   forward:  y[b, :] = W[x[b], :]
 *   backward: dW[x[b], :] += dy[b, :]  (in batch order);  dx = 0 (indices are not
 *             differentiable)
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "nn/layer_impl.h"

typedef struct embedding_layer {
    gan_layer base;
    int64_t num, dim;
} embedding_layer;

static gan_status embedding_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const embedding_layer *embedding = (const embedding_layer *)layer;
    if (in->rank != 1 || in->dim[0] != 1) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s: Embedding expects one index per sample, "
                         "shape [1]", gan__shape_text(text, in->rank, in->dim));
    }
    out->rank = 1;
    out->dim[0] = embedding->dim;
    return GAN_OK;
}

static void embedding_init(gan_layer *layer, gan_rng *rng)
{
    const embedding_layer *embedding = (const embedding_layer *)layer;
    float *weight = layer->params[0].value;
    int64_t count = embedding->num * embedding->dim;
    switch (layer->init) {
    case GAN_INIT_PYTORCH:
        gan__init_normal(rng, weight, count, 0.0f, 1.0f);
        break;
    case GAN_INIT_GLOROT_UNIFORM:
        /* PyTorch's fans of a [num, dim] tensor: fan_in = dim, fan_out = num. */
        gan__init_uniform(rng, weight, count,
                          (float)sqrt(6.0 / (double)(embedding->dim + embedding->num)));
        break;
    case GAN_INIT_DCGAN:
        gan__init_normal(rng, weight, count, 0.0f, 0.02f);
        break;
    }
}

static gan_status embedding_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                    float *y)
{
    const embedding_layer *embedding = (const embedding_layer *)layer;
    int64_t dim = embedding->dim;
    for (int64_t b = 0; b < pass->batch; b++) {
        float v = x[b];
        if (!(v >= 0.0f && (double)v < (double)embedding->num && v == floorf(v)))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "sample %lld holds %.9g; an index in 0..%lld is expected",
                             (long long)b, (double)v, (long long)(embedding->num - 1));
    }
    const float *weight = layer->params[0].value;
    for (int64_t b = 0; b < pass->batch; b++)
        memcpy(y + b * dim, weight + (int64_t)x[b] * dim, (size_t)dim * sizeof(float));
    return GAN_OK;
}

static void embedding_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                               const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)y;
    const embedding_layer *embedding = (const embedding_layer *)layer;
    int64_t dim = embedding->dim;
    if (dx)
        memset(dx, 0, (size_t)pass->batch * sizeof(float));
    if (!param_grads)
        return;
    float *grad = layer->params[0].grad;
    for (int64_t b = 0; b < pass->batch; b++) {
        float *row = grad + (int64_t)x[b] * dim;
        const float *g = dy + b * dim;
        for (int64_t i = 0; i < dim; i++)
            row[i] += g[i];
    }
}

static void embedding_config(const gan_layer *layer, gan_layer_config *config)
{
    const embedding_layer *embedding = (const embedding_layer *)layer;
    gan__config_int(config, "num_embeddings", embedding->num);
    gan__config_int(config, "embedding_dim", embedding->dim);
}

static const gan_layer_ops embedding_ops = {
    .kind = "Embedding",
    .infer = embedding_infer,
    .init = embedding_init,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .config = embedding_config,
};

gan_status gan_layer_embedding(gan_layer **out, int64_t num_embeddings, int64_t embedding_dim)
{
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "num_embeddings", num_embeddings, 1);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "embedding_dim", embedding_dim, 1);
    if (status == GAN_OK)
        status = gan__check_weight_size(__func__, num_embeddings, embedding_dim, 1);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(embedding_layer), &embedding_ops);
    if (status != GAN_OK)
        return status;
    embedding_layer *embedding = (embedding_layer *)*out;
    embedding->num = num_embeddings;
    embedding->dim = embedding_dim;
    gan__layer_add_param(*out, "weight", 2, (const int64_t[]){num_embeddings, embedding_dim});
    return GAN_OK;
}
