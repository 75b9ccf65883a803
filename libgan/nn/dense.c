/*
 * Dense (torch.nn.Linear): y = x W^T + b over the last dimension.
 *   forward:  y[r, o] = sum_i x[r, i] W[o, i] + b[o]      for every row r of the batch
 *   backward: dx = dy W;  dW += dy^T x;  db += sum_r dy[r, :]
 */
#include "core/error.h"
#include "kernels/gemm.h"
#include "nn/layer_impl.h"

typedef struct dense_layer {
    gan_layer base;
    int64_t in_features, out_features;
    bool bias;
} dense_layer;

static gan_status dense_infer(const gan_layer *layer, const gan_shape *in, gan_shape *out)
{
    const dense_layer *dense = (const dense_layer *)layer;
    if (in->dim[in->rank - 1] != dense->in_features) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "input %s has %lld features in its last dimension; "
                         "the layer expects %lld", gan__shape_text(text, in->rank, in->dim),
                         (long long)in->dim[in->rank - 1], (long long)dense->in_features);
    }
    *out = *in;
    out->dim[out->rank - 1] = dense->out_features;
    return GAN_OK;
}

static void dense_init(gan_layer *layer, gan_rng *rng)
{
    dense_layer *dense = (dense_layer *)layer;
    gan__init_weight_and_bias(layer, rng, layer->params[0].value,
                              dense->out_features * dense->in_features,
                              dense->bias ? layer->params[1].value : NULL, dense->out_features,
                              dense->in_features, dense->out_features);
}

/* Rows of the batch: every position of every sample that the last dimension is applied at. */
static int64_t dense_rows(const dense_layer *dense, const gan_pass *pass)
{
    return gan__pass_input_numel(&dense->base, pass) / dense->in_features;
}

static gan_status dense_forward(gan_layer *layer, const gan_pass *pass, const float *x, float *y)
{
    const dense_layer *dense = (const dense_layer *)layer;
    int64_t rows = dense_rows(dense, pass), in = dense->in_features, out = dense->out_features;
    gan_status status = gan__gemm_check("Linear forward", rows, out, in);
    if (status != GAN_OK)
        return status;
    const float *weight = layer->params[0].value;
    if (dense->bias) {
        const float *bias = layer->params[1].value;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t o = 0; o < out; o++)
                y[r * out + o] = bias[o];
    }
    gan__sgemm(false, true, rows, out, in, 1.0f, x, in, weight, in, dense->bias ? 1.0f : 0.0f, y,
               out);
    return GAN_OK;
}

static void dense_backward(gan_layer *layer, const gan_pass *pass, const float *x, const float *y,
                           const float *dy, float *dx, bool param_grads)
{
    (void)y;
    const dense_layer *dense = (const dense_layer *)layer;
    int64_t rows = dense_rows(dense, pass), in = dense->in_features, out = dense->out_features;
    if (dx)
        gan__sgemm(false, false, rows, in, out, 1.0f, dy, out, layer->params[0].value, in, 0.0f,
                   dx, in);
    if (!param_grads)
        return;
    gan__sgemm(true, false, out, in, rows, 1.0f, dy, out, x, in, 1.0f, layer->params[0].grad, in);
    if (dense->bias) {
        float *bias_grad = layer->params[1].grad;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t o = 0; o < out; o++)
                bias_grad[o] += dy[r * out + o];
    }
}

static void dense_config(const gan_layer *layer, gan_layer_config *config)
{
    const dense_layer *dense = (const dense_layer *)layer;
    gan__config_int(config, "in_features", dense->in_features);
    gan__config_int(config, "out_features", dense->out_features);
    gan__config_bool(config, "bias", dense->bias);
}

static const gan_layer_ops dense_ops = {
    .kind = "Linear",
    .infer = dense_infer,
    .init = dense_init,
    .forward = dense_forward,
    .backward = dense_backward,
    .config = dense_config,
};

gan_status gan_layer_dense(gan_layer **out, int64_t in_features, int64_t out_features, int bias)
{
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "in_features", in_features, 1);
    if (status == GAN_OK)
        status = gan__check_min(__func__, "out_features", out_features, 1);
    if (status == GAN_OK)
        status = gan__check_weight_size(__func__, out_features, in_features, 1);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(dense_layer), &dense_ops);
    if (status != GAN_OK)
        return status;
    dense_layer *dense = (dense_layer *)*out;
    dense->in_features = in_features;
    dense->out_features = out_features;
    dense->bias = bias != 0;
    gan__layer_add_param(*out, "weight", 2, (const int64_t[]){out_features, in_features});
    if (dense->bias)
        gan__layer_add_param(*out, "bias", 1, (const int64_t[]){out_features});
    return GAN_OK;
}
