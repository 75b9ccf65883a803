#include "dcgan.h"
#include "train.h" /* ADD */

gan_status mnist_dcgan_build(gan_model *generator, gan_model *discriminator)
{
    ADD(generator, gan_layer_dense(&layer_, MNIST_DCGAN_LATENT, 7 * 7 * 256, 0));
    ADD(generator, gan_layer_batchnorm1d(&layer_, 7 * 7 * 256));
    ADD(generator, gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(generator, gan_layer_reshape(&layer_, 3, (const int64_t[]){256, 7, 7}));
    /* in, out, kernel, stride, padding, output padding, bias */
    ADD(generator, gan_layer_conv_transpose2d(&layer_, 256, 128, 5, 1, 2, 0, 0));
    ADD(generator, gan_layer_batchnorm2d(&layer_, 128));
    ADD(generator, gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(generator, gan_layer_conv_transpose2d(&layer_, 128, 64, 5, 2, 2, 1, 0));
    ADD(generator, gan_layer_batchnorm2d(&layer_, 64));
    ADD(generator, gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(generator, gan_layer_conv_transpose2d(&layer_, 64, 1, 5, 2, 2, 1, 0));
    ADD(generator, gan_layer_tanh(&layer_));

    /* in, out, kernel, stride, padding, bias */
    ADD(discriminator, gan_layer_conv2d(&layer_, 1, 64, 5, 2, 2, 1));
    ADD(discriminator, gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(discriminator, gan_layer_dropout(&layer_, 0.3f));
    ADD(discriminator, gan_layer_conv2d(&layer_, 64, 128, 5, 2, 2, 1));
    ADD(discriminator, gan_layer_leaky_relu(&layer_, 0.3f));
    ADD(discriminator, gan_layer_dropout(&layer_, 0.3f));
    ADD(discriminator, gan_layer_flatten(&layer_));
    ADD(discriminator, gan_layer_dense(&layer_, 128 * 7 * 7, 1, 1));
    return GAN_OK;
}

static gan_status build_for_driver(gan_model *generator, gan_model *discriminator, int small)
{
    (void)small; /* one size only */
    return mnist_dcgan_build(generator, discriminator);
}

const mnist_example mnist_dcgan_example = {
    .name = "mnist_dcgan",
    .summary = "trains the DCGAN of TensorFlow's tutorial on MNIST",
    .build = build_for_driver,
    .latent_size = MNIST_DCGAN_LATENT,
    .init = GAN_INIT_DCGAN,
    .has_small = 0,
    .batch = 64,
    .epochs = 50,
    .lr = 2e-4f,
    .beta1 = 0.5f,
};
