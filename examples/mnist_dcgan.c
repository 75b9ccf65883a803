/*
 * mnist_dcgan: the DCGAN of TensorFlow's tutorial, trained on MNIST (the architecture is in
 * mnist/dcgan.h); weights start as in the DCGAN paper (N(0, 0.02)); Adam with lr 2e-4 and
 * beta1 0.5.
 *   build/examples/mnist_dcgan --epochs 5 --out out/dcgan     (--help for every option)
 */
#include "mnist/dcgan.h"
#include "mnist/train.h"

int main(int argc, char **argv)
{
    return mnist_train_main(argc, argv, &mnist_dcgan_example);
}
