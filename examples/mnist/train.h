/*
 * The driver the MNIST examples share: command-line options, the training loop, and
 * everything a run leaves behind (sample grids, a CSV of statistics, the generator and
 * checkpoints). An example describes its two models and calls mnist_train_main().
 */
#ifndef MNIST_TRAIN_H
#define MNIST_TRAIN_H

#include <gan.h>

/*
 * Appends the layer made by a constructor call to a model, or returns the failing status
 * from the enclosing function. The constructor writes its layer to `layer_`:
 *     ADD(generator, gan_layer_tanh(&layer_));
 */
#define ADD(model, constructor_call)                                                   \
    do {                                                                               \
        gan_layer *layer_ = NULL;                                                      \
        gan_status status_ = (constructor_call);                                       \
        if (status_ == GAN_OK && (status_ = gan_model_add((model), layer_)) != GAN_OK) \
            gan_layer_free(layer_);                                                    \
        if (status_ != GAN_OK)                                                         \
            return status_;                                                            \
    } while (0)

/* Adds the layers of both models to the empty models it is given. `small` is --small. */
typedef gan_status (*mnist_build_fn)(gan_model *generator, gan_model *discriminator, int small);

/* What an example tells the driver. */
typedef struct mnist_example {
    const char *name;        /* the program's name, for usage and messages */
    const char *summary;     /* one line: what it trains */
    mnist_build_fn build;    /* its two models */
    int64_t latent_size;     /* the generator's input size */
    gan_init init;           /* the initialisation of every layer */
    int has_small;           /* whether --small means anything */
    int64_t batch;           /* default --batch */
    int64_t epochs;          /* default --epochs */
    float lr;                /* default --lr (both optimizers) */
    float beta1;             /* default --beta1 */
} mnist_example;

/*
 * Data-parallel training (mnist_dcgan_mpi): this process's place in a world of processes
 * that run the same command line, and the world's collectives. --batch is then the global
 * batch (each process trains on batch / world of it); rank 0 alone prints, evaluates and
 * writes the outputs; every decision to stop is taken by all processes at the same step.
 */
typedef struct mnist_parallel {
    int rank, world;
    void *context;
    /* Makes the models rank 0's everywhere (the generator's first, then each
     * discriminator's), and the trainer and data set this process's part of the world. */
    gan_status (*attach)(void *context, gan_trainer *trainer, gan_dataset *dataset,
                         gan_model *const *models, int model_count);
    /* Rank 0 saves the checkpoint; every process gets its status. */
    gan_status (*save_checkpoint)(void *context, const gan_trainer *trainer, const char *path);
    /* *flag becomes 1 on every process if it is 1 on any. */
    gan_status (*any)(void *context, int *flag);
} mnist_parallel;

/* Parses the options, trains, and returns the exit status (0, 1 on a failure, 2 on a
 * wrong option). */
int mnist_train_main(int argc, char **argv, const mnist_example *example);

/* The same, as one process of a data-parallel world. */
int mnist_train_parallel(int argc, char **argv, const mnist_example *example,
                         const mnist_parallel *parallel);

#endif /* MNIST_TRAIN_H */
