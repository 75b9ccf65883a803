/* The discriminator: a borrowed model from samples to one logit per sample. */
#include "core/alloc.h"
#include "core/error.h"
#include "gan/discriminator_impl.h"
#include "nn/model_impl.h"

gan_status gan__check_one_logit(const char *function, const gan_model *model)
{
    gan_shape input;
    if (!gan__model_input_shape(model, &input))
        return GAN_OK; /* not known yet: checked when the trainer is built */
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK); /* known: cannot fail */
    if (rank != 1 || shape[0] != 1)
        return gan__fail(GAN_ERR_SHAPE, "%s: a discriminator gives one value per sample, "
                         "this model gives %lld", function,
                         (long long)(rank == 1 ? shape[0] : -1));
    return GAN_OK;
}

gan_status gan_discriminator_new(gan_discriminator **out, gan_model *model)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!model)
        return gan__null(__func__, "model");
    gan_status status = gan__check_one_logit(__func__, model);
    if (status != GAN_OK)
        return status;
    gan_discriminator *discriminator = gan__calloc(sizeof *discriminator, "discriminator");
    if (!discriminator)
        return GAN_ERR_OUT_OF_MEMORY;
    discriminator->model = model;
    *out = discriminator;
    return GAN_OK;
}

void gan_discriminator_free(gan_discriminator *discriminator)
{
    gan__free(discriminator);
}

gan_model *gan_discriminator_model(gan_discriminator *discriminator)
{
    if (!discriminator) {
        gan__null(__func__, "discriminator");
        return NULL;
    }
    return discriminator->model;
}
