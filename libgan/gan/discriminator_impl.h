/* Internal: the discriminator's layout, for the trainer. */
#ifndef GAN_GAN_DISCRIMINATOR_IMPL_H
#define GAN_GAN_DISCRIMINATOR_IMPL_H

#include "gan/trainer.h"

struct gan_discriminator {
    gan_model *model; /* borrowed */
};

/* GAN_OK if the model's output is one value per sample, or its shapes are not known yet. */
gan_status gan__check_one_logit(const char *function, const gan_model *model);

#endif /* GAN_GAN_DISCRIMINATOR_IMPL_H */
