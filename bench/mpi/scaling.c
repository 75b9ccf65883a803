/*
 * gan_bench_mpi: W3-b256 (the TensorFlow tutorial's DCGAN, global batch 256) trained
 * data-parallel with libgan-mpi, for docs/scaling.md. Every process trains on 256 / world
 * samples a step; rank 0 prints one CSV record (--csv-header names the columns):
 *   mpirun -np 2 build/bench/gan_bench_mpi --steps 10 --threads 1
 * Besides the step time (the median over the timed steps, rank 0's clock), it times the
 * communication a step does alone: all-reduces of the generator's and the discriminator's
 * gradient sizes (one each per step; the median of 20), and of one float (the latency).
 * With --split K (one process only) it times the compute of one of K processes: it trains
 * alone on 256 / K samples a step, with no communication.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gan-mpi.h>

#include "mnist/quality.h" /* mnist_find_idx */
#include "workload.h"

#define CSV_HEADER                                                                            \
    "processes,threads,global_batch,steps,ms_per_step,samples_per_s,g_floats,d_floats,"       \
    "allreduce_g_ms,allreduce_d_ms,allreduce_1_us,split"

enum { COMM_REPEATS = 20, PATH_SIZE = MNIST_PATH_SIZE };

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

/* Seconds of an MPI_Allreduce of `count` floats, the median of COMM_REPEATS. */
static double time_allreduce(float *buffer, int count)
{
    double times[COMM_REPEATS];
    for (int i = 0; i < COMM_REPEATS; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        times[i] = MPI_Wtime() - start;
    }
    return median(times, COMM_REPEATS);
}

typedef struct joined {
    gan_mpi *mpi;
    size_t g_floats, d_floats;
} joined;

static gan_status join(void *context, gan_trainer *trainer, gan_dataset *dataset,
                       gan_model *generator, gan_model *discriminator)
{
    joined *j = context;
    gan_status status = gan_model_parameter_arrays(generator, NULL, NULL, &j->g_floats);
    if (status == GAN_OK)
        status = gan_model_parameter_arrays(discriminator, NULL, NULL, &j->d_floats);
    if (status == GAN_OK)
        status = gan_mpi_broadcast_model(j->mpi, generator);
    if (status == GAN_OK)
        status = gan_mpi_broadcast_model(j->mpi, discriminator);
    return status == GAN_OK ? gan_mpi_attach(j->mpi, trainer, dataset, 0) : status;
}

/* --split: the compute of one of K processes, alone. */
static gan_status join_alone(void *context, gan_trainer *trainer, gan_dataset *dataset,
                             gan_model *generator, gan_model *discriminator)
{
    (void)trainer;
    (void)dataset;
    joined *j = context;
    gan_status status = gan_model_parameter_arrays(generator, NULL, NULL, &j->g_floats);
    return status == GAN_OK ? gan_model_parameter_arrays(discriminator, NULL, NULL, &j->d_floats)
                            : status;
}

static void fail(const char *what, gan_status status, gan_mpi *mpi)
{
    fprintf(stderr, "gan_bench_mpi: %s: %s: %s %s\n", what, gan_status_string(status),
            gan_last_error(), mpi ? gan_mpi_error(mpi) : "");
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int steps = 10, warmup = 2, threads = 1, split = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv-header") == 0) {
            puts(CSV_HEADER);
            MPI_Finalize();
            return 0;
        }
        int *target = strcmp(argv[i], "--steps") == 0 ? &steps
                      : strcmp(argv[i], "--warmup") == 0 ? &warmup
                      : strcmp(argv[i], "--threads") == 0 ? &threads
                      : strcmp(argv[i], "--split") == 0 ? &split : NULL;
        if (!target || i + 1 >= argc || (*target = atoi(argv[++i])) < (target == &warmup ? 0 : 1)) {
            fprintf(stderr, "usage: gan_bench_mpi [--steps N] [--warmup N] [--threads N] "
                            "[--split K] | --csv-header\n");
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    }
    const char *data = getenv("MNIST_DIR");
    char images[PATH_SIZE];
    if (!mnist_find_idx(images, data && data[0] ? data : "build/data/mnist", "train-images")) {
        fprintf(stderr, "gan_bench_mpi: no MNIST training images (make fetch-mnist)\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    joined j = {NULL, 0, 0};
    gan_status status = gan_set_num_threads(threads);
    if (status == GAN_OK)
        status = gan_mpi_new(&j.mpi, MPI_COMM_WORLD, 600.0);
    workload *w = NULL;
    if (status == GAN_OK)
        status = workload_new(&w, "W3-b256", images);
    if (status == GAN_OK && split > 0 && gan_mpi_world(j.mpi) > 1)
        status = GAN_ERR_INVALID_ARGUMENT; /* --split is for one process */
    if (status == GAN_OK)
        status = split > 0 ? workload_join(w, split, join_alone, &j)
                           : workload_join(w, gan_mpi_world(j.mpi), join, &j);
    for (int i = 0; status == GAN_OK && i < warmup; i++)
        status = workload_step(w);
    if (status != GAN_OK)
        fail("setting up", status, j.mpi);

    double *times = calloc((size_t)steps, sizeof *times);
    if (!times)
        fail("timing", GAN_ERR_OUT_OF_MEMORY, j.mpi);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < steps; i++) {
        double start = MPI_Wtime();
        status = workload_step(w);
        if (status != GAN_OK)
            fail("a step", status, j.mpi);
        times[i] = MPI_Wtime() - start;
    }
    double step = median(times, steps);

    size_t largest = j.g_floats > j.d_floats ? j.g_floats : j.d_floats;
    float *buffer = calloc(largest, sizeof *buffer);
    if (!buffer)
        fail("timing", GAN_ERR_OUT_OF_MEMORY, j.mpi);
    double g = time_allreduce(buffer, (int)j.g_floats), d = time_allreduce(buffer, (int)j.d_floats);
    double one = time_allreduce(buffer, 1);
    if (gan_mpi_rank(j.mpi) == 0)
        printf("%d,%d,%lld,%d,%.2f,%.1f,%zu,%zu,%.3f,%.3f,%.1f,%d\n", gan_mpi_world(j.mpi),
               threads, (long long)workload_batch("W3-b256"), steps, step * 1e3,
               (double)workload_batch("W3-b256") / (split > 0 ? split : 1) / step, j.g_floats,
               j.d_floats, g * 1e3, d * 1e3, one * 1e6, split > 0 ? split : 1);
    free(buffer);
    free(times);
    workload_free(w);
    gan_mpi_free(j.mpi);
    MPI_Finalize();
    return 0;
}
