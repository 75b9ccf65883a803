#include "flops.h"

#include <stdio.h>
#include <string.h>

/* Height x width of a per-sample shape [C, H, W]; 1 for other ranks. */
static double plane(int rank, const int64_t *shape)
{
    return rank == 3 ? (double)shape[1] * (double)shape[2] : 1.0;
}

/* The per-sample shape of layer `index`'s output in the last pass; index -1: the model's
 * input. */
static gan_status sample_shape(gan_model *model, int index, int *rank, int64_t *shape)
{
    if (index < 0)
        return gan_model_input_shape(model, rank, shape, GAN_TENSOR_MAX_RANK);
    const gan_tensor *output = NULL;
    int64_t full[GAN_TENSOR_MAX_RANK];
    gan_status status = gan_model_layer_output(model, index, &output);
    if (status == GAN_OK)
        status = gan_tensor_shape(output, full, GAN_TENSOR_MAX_RANK);
    if (status == GAN_OK) {
        *rank = gan_tensor_rank(output) - 1;
        memcpy(shape, full + 1, (size_t)*rank * sizeof *shape);
    }
    return status;
}

/* The elements of a layer's weight ("NAME.weight", or "INDEX.weight" for unnamed layers). */
static int64_t weight_count(gan_model *model, int index)
{
    char wanted[96];
    const char *name = gan_layer_name(gan_model_layer(model, index));
    if (name[0])
        snprintf(wanted, sizeof wanted, "%s.weight", name);
    else
        snprintf(wanted, sizeof wanted, "%d.weight", index);
    for (int i = 0; i < gan_model_named_parameter_count(model); i++) {
        const char *found = NULL;
        gan_tensor *weight = NULL;
        if (gan_model_named_parameter(model, i, &found, &weight, NULL) == GAN_OK &&
            strcmp(found, wanted) == 0)
            return gan_tensor_numel(weight);
    }
    return 0;
}

/* Multiply-adds per sample: Linear in x out; Conv2d weight x output plane; ConvTranspose2d
 * weight x input plane (each input pixel meets every weight once); 0 for other kinds. */
static gan_status layer_macs(gan_model *model, int index, double *macs)
{
    const char *kind = gan_layer_kind(gan_model_layer(model, index));
    int conv = strcmp(kind, "Conv2d") == 0, transposed = strcmp(kind, "ConvTranspose2d") == 0;
    *macs = 0.0;
    if (strcmp(kind, "Linear") == 0)
        *macs = (double)weight_count(model, index);
    if (!conv && !transposed)
        return GAN_OK;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    int rank = 0;
    gan_status status = sample_shape(model, conv ? index : index - 1, &rank, shape);
    if (status == GAN_OK)
        *macs = (double)weight_count(model, index) * plane(rank, shape);
    return status;
}

gan_status count_pass_flops(gan_model *model, pass_flops *out)
{
    *out = (pass_flops){0.0, 0.0};
    for (int i = 0; i < gan_model_layer_count(model); i++) {
        double macs = 0.0;
        gan_status status = layer_macs(model, i, &macs);
        if (status != GAN_OK)
            return status;
        if (out->forward == 0.0)
            out->lowest = 2.0 * macs;
        out->forward += 2.0 * macs;
    }
    return GAN_OK;
}

double train_step_flops(pass_flops g, pass_flops d)
{
    return g.forward + 2.0 * (3.0 * d.forward - d.lowest) + 2.0 * d.forward +
           (2.0 * g.forward - g.lowest);
}
