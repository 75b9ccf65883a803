/*
 * mnist_dcgan_mpi: mnist_dcgan trained by several processes at once over MPI, with
 * libgan-mpi: each takes its slice of every global batch (--batch is the global batch), the
 * gradients are averaged over all, rank 0 prints and writes the outputs.
 *   mpirun -np 2 build/examples/mnist_dcgan_mpi --epochs 1 --out out/dcgan-mpi
 * (as root, mpirun needs --allow-run-as-root; with more processes than cores,
 * --oversubscribe). Besides mnist_dcgan's options:
 *   --timeout SECONDS   the longest a process waits for the others (default 120): a process
 *                       that died or hangs ends the run with an error after at most this
 *   --sync-bn           BatchNorm statistics over the global batch (default: each process's)
 * Any failure aborts the whole world (MPI_Abort); --resume DIR/checkpoint.safetensors goes on
 * from rank 0's last checkpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan-mpi.h>

#include "mnist/dcgan.h"
#include "mnist/train.h"

typedef struct world {
    gan_mpi *mpi;
    unsigned flags;
} world;

static gan_status attach(void *context, gan_trainer *trainer, gan_dataset *dataset,
                         gan_model *const *models, int model_count)
{
    world *w = context;
    gan_status status = GAN_OK;
    for (int i = 0; i < model_count && status == GAN_OK; i++)
        status = gan_mpi_broadcast_model(w->mpi, models[i]);
    return status == GAN_OK ? gan_mpi_attach(w->mpi, trainer, dataset, w->flags) : status;
}

static gan_status save_checkpoint(void *context, const gan_trainer *trainer, const char *path)
{
    return gan_mpi_save_checkpoint(((world *)context)->mpi, trainer, path);
}

static gan_status any(void *context, int *flag)
{
    return gan_mpi_any(((world *)context)->mpi, flag);
}

/* Takes this program's own options out of argv (the rest go to the MNIST driver); 0 on a
 * wrong value. */
static int take_options(int *argc, char **argv, double *timeout, unsigned *flags)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--sync-bn") == 0) {
            *flags |= GAN_MPI_SYNC_BATCHNORM;
        } else if (strcmp(argv[i], "--timeout") == 0) {
            char *end = NULL;
            *timeout = i + 1 < *argc ? strtod(argv[++i], &end) : 0.0;
            if (!end || *end != '\0' || !(*timeout > 0.0 && *timeout <= 86400.0)) {
                fprintf(stderr, "mnist_dcgan_mpi: --timeout takes seconds, > 0 and at most "
                                "86400\n");
                return 0;
            }
        } else {
            if (strcmp(argv[i], "--help") == 0)
                printf("mnist_dcgan_mpi, under mpirun: --timeout SECONDS (default 120), "
                       "--sync-bn, and mnist_dcgan's options (--batch is the global batch):\n");
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    argv[kept] = NULL;
    return 1;
}

int main(int argc, char **argv)
{
    mnist_example example = mnist_dcgan_example;
    example.name = "mnist_dcgan_mpi";
    example.summary = "trains the DCGAN of TensorFlow's tutorial on MNIST over MPI";
    MPI_Init(&argc, &argv);
    world w = {NULL, 0};
    double timeout = 120.0;
    if (!take_options(&argc, argv, &timeout, &w.flags))
        MPI_Abort(MPI_COMM_WORLD, 2);
    gan_status status = gan_mpi_new(&w.mpi, MPI_COMM_WORLD, timeout);
    if (status != GAN_OK) {
        fprintf(stderr, "mnist_dcgan_mpi: joining the MPI world failed: %s\n",
                gan_status_string(status));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    mnist_parallel parallel = {
        .rank = gan_mpi_rank(w.mpi),
        .world = gan_mpi_world(w.mpi),
        .context = &w,
        .attach = attach,
        .save_checkpoint = save_checkpoint,
        .any = any,
    };
    if (parallel.rank != 0 && !freopen("/dev/null", "w", stdout)) /* rank 0 reports */
        MPI_Abort(MPI_COMM_WORLD, 1);
    int code = mnist_train_parallel(argc, argv, &example, &parallel);
    if (code != 0) {
        /* The others may wait in a collective for this process: end them all. */
        if (gan_mpi_error(w.mpi)[0])
            fprintf(stderr, "mnist_dcgan_mpi: %s\n", gan_mpi_error(w.mpi));
        fprintf(stderr, "mnist_dcgan_mpi: rank %d failed; aborting every process\n",
                parallel.rank);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    gan_mpi_free(w.mpi);
    MPI_Finalize();
    return 0;
}
