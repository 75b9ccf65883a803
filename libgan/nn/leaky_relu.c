/*
 * LeakyReLU (torch.nn.LeakyReLU): y = x if x > 0, else slope x.
 *   backward: dx = dy if x > 0, else slope dy
 */
#include <math.h>

#include "core/error.h"
#include "kernels/activation.h"
#include "nn/layer_impl.h"

typedef struct leaky_relu_layer {
    gan_layer base;
    float slope;
} leaky_relu_layer;

static gan_status leaky_relu_forward(gan_layer *layer, const gan_pass *pass, const float *x,
                                     float *y)
{
    float slope = ((const leaky_relu_layer *)layer)->slope;
    gan__leaky_relu_forward(gan__pass_input_numel(layer, pass), slope, x, y);
    return GAN_OK;
}

static void leaky_relu_backward(gan_layer *layer, const gan_pass *pass, const float *x,
                                const float *y, const float *dy, float *dx, bool param_grads)
{
    (void)y;
    (void)param_grads;
    if (dx)
        gan__leaky_relu_backward(gan__pass_input_numel(layer, pass),
                                 ((const leaky_relu_layer *)layer)->slope, x, dy, dx);
}

static void leaky_relu_config(const gan_layer *layer, gan_layer_config *config)
{
    gan__config_float(config, "negative_slope", ((const leaky_relu_layer *)layer)->slope);
}

static const gan_layer_ops leaky_relu_ops = {
    .kind = "LeakyReLU",
    .infer = gan__infer_same_shape,
    .forward = leaky_relu_forward,
    .backward = leaky_relu_backward,
    .config = leaky_relu_config,
};

/* ReLU is the same computation with slope 0, under PyTorch's name for it. */
static const gan_layer_ops relu_ops = {
    .kind = "ReLU",
    .infer = gan__infer_same_shape,
    .forward = leaky_relu_forward,
    .backward = leaky_relu_backward,
    .config = gan__config_none,
};

static gan_status new_leaky_relu(gan_layer **out, float slope, const gan_layer_ops *ops,
                                 const char *function)
{
    gan_status status = gan__layer_begin(out, function);
    if (status == GAN_OK && !isfinite(slope))
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the slope %g is not finite", function,
                           (double)slope);
    if (status == GAN_OK)
        status = gan__layer_alloc(out, sizeof(leaky_relu_layer), ops);
    if (status == GAN_OK)
        ((leaky_relu_layer *)*out)->slope = slope;
    return status;
}

gan_status gan_layer_leaky_relu(gan_layer **out, float negative_slope)
{
    return new_leaky_relu(out, negative_slope, &leaky_relu_ops, __func__);
}

gan_status gan_layer_relu(gan_layer **out)
{
    return new_leaky_relu(out, 0.0f, &relu_ops, __func__);
}
