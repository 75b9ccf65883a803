/*
 * mnist_dcgan: the DCGAN of TensorFlow's tutorial, trained on MNIST (the architecture is in
 * mnist/dcgan.h); weights start as in the DCGAN paper (N(0, 0.02)); Adam with lr 2e-4 and
 * beta1 0.5.
 *   build/examples/mnist_dcgan --epochs 5 --out out/dcgan     (--help for every option)
 */
#include "mnist/dcgan.h"
#include "mnist/train.h"

static gan_status build(gan_model *generator, gan_model *discriminator, int small)
{
    (void)small; /* one size only */
    return mnist_dcgan_build(generator, discriminator);
}

int main(int argc, char **argv)
{
    static const mnist_example example = {
        .name = "mnist_dcgan",
        .summary = "trains the DCGAN of TensorFlow's tutorial on MNIST",
        .build = build,
        .latent_size = MNIST_DCGAN_LATENT,
        .init = GAN_INIT_DCGAN,
        .has_small = 0,
        .batch = 64,
        .epochs = 50,
        .lr = 2e-4f,
        .beta1 = 0.5f,
    };
    return mnist_train_main(argc, argv, &example);
}
