/*
 * mnist_dcgan: the DCGAN of TensorFlow's tutorial, trained on MNIST.
 *   G: z[100] -> Dense 7*7*256 -> BN -> LeakyReLU -> [256, 7, 7]
 *        -> ConvT 128 (5x5, stride 1) -> BN -> LeakyReLU       [128, 7, 7]
 *        -> ConvT 64 (5x5, stride 2)  -> BN -> LeakyReLU       [64, 14, 14]
 *        -> ConvT 1 (5x5, stride 2)   -> Tanh                  [1, 28, 28]
 *   D: Conv 64 (5x5, stride 2) -> LeakyReLU -> Dropout          [64, 14, 14]
 *        -> Conv 128 (5x5, stride 2) -> LeakyReLU -> Dropout    [128, 7, 7]
 *        -> Flatten -> Dense 1 (a logit)
 * LeakyReLU slopes are 0.3 and Dropout is 0.3, as in Keras; weights start as in the DCGAN
 * paper (N(0, 0.02)); Adam with lr 2e-4 and beta1 0.5.
 *   build/examples/mnist_dcgan --epochs 5 --out out/dcgan     (--help for every option)
 */
#include "mnist/train.h"

static gan_status build(gan_model *generator, gan_model *discriminator, int small)
{
    (void)small; /* one size only */
    ADD(generator, gan_layer_dense(&layer_, 100, 7 * 7 * 256, 0));
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

int main(int argc, char **argv)
{
    static const mnist_example example = {
        .name = "mnist_dcgan",
        .summary = "trains the DCGAN of TensorFlow's tutorial on MNIST",
        .build = build,
        .latent_size = 100,
        .init = GAN_INIT_DCGAN,
        .has_small = 0,
        .batch = 64,
        .epochs = 50,
        .lr = 2e-4f,
        .beta1 = 0.5f,
    };
    return mnist_train_main(argc, argv, &example);
}
