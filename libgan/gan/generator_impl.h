/* Internal: the generator's layout, for the trainer. */
#ifndef GAN_GAN_GENERATOR_IMPL_H
#define GAN_GAN_GENERATOR_IMPL_H

#include "core/tensor.h"
#include "gan/trainer.h"

struct gan_generator {
    gan_model *model; /* borrowed */
    int64_t latent_size;
    gan_latent_distribution distribution;
    float *latent_data;       /* latent_capacity vectors */
    int64_t latent_capacity;
    gan_tensor latent;        /* a view of the first N vectors */
};

/* Draws `count` latent vectors from the noise stream into generator->latent (the buffer
 * grows only when count exceeds every earlier count). */
gan_status gan__generator_draw_latent(gan_generator *generator, gan_rng *rng, int64_t count);

/* As gan__generator_draw_latent, but the `count` vectors are slice `rank` of a draw of
 * world * count vectors (data-parallel training: every process draws its part of one
 * global batch, and the stream moves past all of it). */
gan_status gan__generator_draw_latent_slice(gan_generator *generator, gan_rng *rng,
                                            int64_t count, int64_t rank, int64_t world);

/* Copies a model output into a caller tensor of the same shape, naming `function` on error. */
gan_status gan__copy_output(const char *function, const gan_tensor *output, gan_tensor *target);

#endif /* GAN_GAN_GENERATOR_IMPL_H */
