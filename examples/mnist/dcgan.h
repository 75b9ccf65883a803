/*
 * The DCGAN of TensorFlow's tutorial, as mnist_dcgan trains it and the benchmark times it:
 *   G: z[100] -> Dense 7*7*256 -> BN -> LeakyReLU -> [256, 7, 7]
 *        -> ConvT 128 (5x5, stride 1) -> BN -> LeakyReLU       [128, 7, 7]
 *        -> ConvT 64 (5x5, stride 2)  -> BN -> LeakyReLU       [64, 14, 14]
 *        -> ConvT 1 (5x5, stride 2)   -> Tanh                  [1, 28, 28]
 *   D: Conv 64 (5x5, stride 2) -> LeakyReLU -> Dropout          [64, 14, 14]
 *        -> Conv 128 (5x5, stride 2) -> LeakyReLU -> Dropout    [128, 7, 7]
 *        -> Flatten -> Dense 1 (a logit)
 * LeakyReLU slopes are 0.3 and Dropout is 0.3, as in Keras. The tutorial's weights start
 * as in the DCGAN paper: GAN_INIT_DCGAN.
 */
#ifndef MNIST_DCGAN_H
#define MNIST_DCGAN_H

#include <gan.h>

enum { MNIST_DCGAN_LATENT = 100 };

/* Adds the generator's and the discriminator's layers to two empty models. */
gan_status mnist_dcgan_build(gan_model *generator, gan_model *discriminator);

/* mnist_dcgan's description for the MNIST driver (train.h): these models, initialised as in
 * the DCGAN paper (N(0, 0.02)), Adam with lr 2e-4 and beta1 0.5, batch 64, 50 epochs. */
struct mnist_example;
extern const struct mnist_example mnist_dcgan_example;

#endif /* MNIST_DCGAN_H */
