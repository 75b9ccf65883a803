/*
 * mnist_gan: the fully connected GAN of the classic tutorials, trained on MNIST.
 *   G: z[100] -> 256 -> 512 -> 784 (Tanh), LeakyReLU(0.2) between, reshaped to [1, 28, 28]
 *   D: [1, 28, 28] -> Flatten -> 784 -> 256 -> 256 -> 1 (a logit), LeakyReLU(0.2) between
 * --small halves it to 100 -> 128 -> 784 and 784 -> 128 -> 1 (for quick tests).
 *   build/examples/mnist_gan --epochs 20 --out out/gan       (--help for every option)
 */
#include "mnist/train.h"

static gan_status build(gan_model *generator, gan_model *discriminator, int small)
{
    if (small) {
        ADD(generator, gan_layer_dense(&layer_, 100, 128, 1));
        ADD(generator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(generator, gan_layer_dense(&layer_, 128, 784, 1));
    } else {
        ADD(generator, gan_layer_dense(&layer_, 100, 256, 1));
        ADD(generator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(generator, gan_layer_dense(&layer_, 256, 512, 1));
        ADD(generator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(generator, gan_layer_dense(&layer_, 512, 784, 1));
    }
    ADD(generator, gan_layer_tanh(&layer_));
    ADD(generator, gan_layer_reshape(&layer_, 3, (const int64_t[]){1, 28, 28}));

    ADD(discriminator, gan_layer_flatten(&layer_));
    if (small) {
        ADD(discriminator, gan_layer_dense(&layer_, 784, 128, 1));
        ADD(discriminator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(discriminator, gan_layer_dense(&layer_, 128, 1, 1));
    } else {
        ADD(discriminator, gan_layer_dense(&layer_, 784, 256, 1));
        ADD(discriminator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(discriminator, gan_layer_dense(&layer_, 256, 256, 1));
        ADD(discriminator, gan_layer_leaky_relu(&layer_, 0.2f));
        ADD(discriminator, gan_layer_dense(&layer_, 256, 1, 1));
    }
    return GAN_OK;
}

int main(int argc, char **argv)
{
    static const mnist_example example = {
        .name = "mnist_gan",
        .summary = "trains the fully connected GAN of the classic tutorials on MNIST",
        .build = build,
        .latent_size = 100,
        .init = GAN_INIT_PYTORCH,
        .has_small = 1,
        .batch = 64,
        .epochs = 50,
        .lr = 2e-4f,
        .beta1 = 0.5f,
    };
    return mnist_train_main(argc, argv, &example);
}
