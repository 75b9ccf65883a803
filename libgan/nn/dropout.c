/*
 * Dropout (torch.nn.Dropout) in training mode, with u uniform in [0, 1) per element from
 * the model's generator (stream GAN_RNG_DROPOUT):
 *   forward:  scale = u >= p ? 1 / (1 - p) : 0;  y = x * scale   (scale kept in the workspace)
 *   backward: dx = dy * scale
 * p = 0 and evaluation mode: y = x, dx = dy (no numbers drawn). p = 1: scale = 0 everywhere,
 * without drawing (as PyTorch, which multiplies by zero: an infinite x gives NaN).
 */
#include <string.h>

#include "core/error.h"
#include "core/random_impl.h"
#include "nn/layer_impl.h"

typedef struct dropout_layer {
    gan_layer base;
    float p;
} dropout_layer;

static size_t dropout_workspace_floats(const gan_layer *layer, int64_t batch)
{
    return (size_t)(batch * gan__shape_numel(&layer->in));
}

/* Training mode with 0 < p: the mask is drawn and applied. */
static bool drops(const dropout_layer *dropout, const gan_pass *pass)
{
    return pass->training && dropout->p > 0.0f;
}

/* u -> 0 or `keep`, in place; PyTorch's keep value is 1.0f / (float)(1 - p). */
static void uniform_to_scale(int64_t n, float p, float keep, float *values)
{
    for (int64_t i = 0; i < n; i++)
        values[i] = values[i] >= p ? keep : 0.0f;
}

static void multiply(int64_t n, const float *a, const float *b, float *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = a[i] * b[i];
}

static gan_status dropout_forward(gan_layer *layer, const gan_pass *pass, const float *x, float *y)
{
    const dropout_layer *dropout = (const dropout_layer *)layer;
    int64_t n = gan__pass_input_numel(layer, pass);
    if (!drops(dropout, pass)) {
        memcpy(y, x, (size_t)n * sizeof(float));
        return GAN_OK;
    }
    if (!pass->rng)
        return gan__fail(GAN_ERR_STATE,
                         "Dropout needs a random generator: call gan_model_set_rng");
    float *scale = pass->workspace, p = dropout->p;
    if (p >= 1.0f) {
        memset(scale, 0, (size_t)n * sizeof(float));
    } else {
        gan_status status = gan__rng_uniform(pass->rng, GAN_RNG_DROPOUT, scale, n, 0.0f, 1.0f);
        if (status != GAN_OK)
            return status;
        uniform_to_scale(n, p, 1.0f / (float)(1.0 - (double)p), scale);
    }
    multiply(n, x, scale, y);
    return GAN_OK;
}

static void dropout_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                             const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)x;
    (void)y;
    (void)param_grads;
    if (!dx)
        return;
    int64_t n = gan__pass_input_numel(layer, pass);
    if (drops((const dropout_layer *)layer, pass))
        multiply(n, dy, pass->workspace, dx);
    else
        memcpy(dx, dy, (size_t)n * sizeof(float));
}

static void dropout_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__config_float(config, "p", ((const dropout_layer *)layer)->p);
}

static const gan_layer_ops dropout_ops = {
    .kind = "Dropout",
    .infer = gan__infer_same_shape,
    .workspace_floats = dropout_workspace_floats,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .config = dropout_config,
};

gan_status gan_layer_dropout(gan_layer **out, float p)
{
    gan_status status = gan__layer_begin(out, __func__);
    if (status == GAN_OK && !(p >= 0.0f && p <= 1.0f))
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: p is %g; it must be in [0, 1]",
                           __func__, (double)p);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(dropout_layer), &dropout_ops);
    if (status == GAN_OK)
        ((dropout_layer *)*out)->p = p;
    return status;
}
