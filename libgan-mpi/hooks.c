/*
 * libgan-mpi's hooks (gan_mpi_attach): the gradient average and the BatchNorm sums, each an
 * all-reduce over the world under the timeout.
 */
#include <limits.h>
#include <stdio.h>

#include "buckets.h"

/* gan_gradient_hook: the mean over the world of every process's gradients. Summed, then
 * divided by the world size, so every rank computes the same bits from the same sum. */
static gan_status average_gradients(void *user_data, int player, float *gradients, size_t count)
{
    gan_mpi *mpi = user_data;
    char what[64];
    snprintf(what, sizeof what, "the gradient all-reduce of player %d", player);
    gan_status status = gan_mpi__usable(mpi);
    if (status == GAN_OK)
        status = gan_mpi__buckets(mpi, GAN_MPI_SUM, gradients, count, what);
    if (status != GAN_OK)
        return status;
    float world = (float)mpi->world;
    for (size_t i = 0; i < count; i++)
        gradients[i] /= world;
    return GAN_OK;
}

/* gan_sum_hook: synchronised BatchNorm's per-channel sums, in double. */
static gan_status sum_statistics(void *user_data, double *values, size_t count)
{
    gan_mpi *mpi = user_data;
    const char *what = "the BatchNorm all-reduce";
    gan_status status = gan_mpi__usable(mpi);
    if (status == GAN_OK && count > (size_t)INT_MAX)
        return gan_mpi__fail(mpi, GAN_ERR_OVERFLOW, "%s: %zu values", what, count);
    MPI_Request request;
    if (status == GAN_OK)
        status = gan_mpi__check(mpi, MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_DOUBLE,
                                                    MPI_SUM, mpi->comm, &request), what);
    return status == GAN_OK ? gan_mpi__wait(mpi, &request, 1, what) : status;
}

gan_status gan_mpi_attach(gan_mpi *mpi, gan_trainer *trainer, gan_dataset *dataset,
                          unsigned flags)
{
    if (!mpi || !trainer)
        return gan_mpi__null(mpi, __func__, "trainer");
    if (flags & ~(unsigned)GAN_MPI_SYNC_BATCHNORM)
        return gan_mpi__fail(mpi, GAN_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", __func__,
                             flags);
    gan_status status = gan_trainer_set_shard(trainer, mpi->rank, mpi->world);
    if (status == GAN_OK && dataset)
        status = gan_dataset_set_shard(dataset, mpi->rank, mpi->world);
    if (status == GAN_OK)
        status = gan_trainer_set_gradient_hook(trainer, average_gradients, mpi);
    if (status == GAN_OK)
        status = gan_trainer_set_batchnorm_sync(
            trainer, (flags & GAN_MPI_SYNC_BATCHNORM) ? sum_statistics : NULL, mpi);
    if (status != GAN_OK)
        return gan_mpi__fail(mpi, status, "%s: %s", __func__, gan_last_error());
    return GAN_OK;
}
