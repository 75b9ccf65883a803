/*
 * libgan-mpi (gan-mpi.h): the world's lifecycle, and the collectives a data-parallel
 * training program needs besides the hooks (hooks.c): rank 0's model everywhere, agreement
 * by checksum, rank 0's checkpoints, and decisions taken together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"

gan_status gan_mpi_new(gan_mpi **out, MPI_Comm comm, double timeout_seconds)
{
    if (!out)
        return GAN_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (comm == MPI_COMM_NULL || !(timeout_seconds > 0.0))
        return GAN_ERR_INVALID_ARGUMENT;
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return GAN_ERR_STATE;
    gan_mpi *mpi = calloc(1, sizeof *mpi);
    if (!mpi)
        return GAN_ERR_OUT_OF_MEMORY;
    if (MPI_Comm_dup(comm, &mpi->comm) != MPI_SUCCESS) {
        free(mpi);
        return GAN_ERR_IO;
    }
    MPI_Comm_set_errhandler(mpi->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(mpi->comm, &mpi->rank);
    MPI_Comm_size(mpi->comm, &mpi->world);
    mpi->timeout = timeout_seconds;
    *out = mpi;
    return GAN_OK;
}

void gan_mpi_free(gan_mpi *mpi)
{
    if (!mpi)
        return;
    if (!mpi->broken) /* a broken world may have a collective pending on the communicator */
        MPI_Comm_free(&mpi->comm);
    free(mpi);
}

int gan_mpi_rank(const gan_mpi *mpi)
{
    return mpi ? mpi->rank : -1;
}

int gan_mpi_world(const gan_mpi *mpi)
{
    return mpi ? mpi->world : -1;
}

const char *gan_mpi_error(const gan_mpi *mpi)
{
    return mpi ? mpi->error : "libgan-mpi: no handle";
}

/* The element-wise maximum of `count` int64 over the world. */
static gan_status all_max(gan_mpi *mpi, int64_t *values, int count, const char *what)
{
    MPI_Request request;
    gan_status status = gan_mpi__check(mpi, MPI_Iallreduce(MPI_IN_PLACE, values, count,
                                                           MPI_INT64_T, MPI_MAX, mpi->comm,
                                                           &request), what);
    return status == GAN_OK ? gan_mpi__wait(mpi, &request, 1, what) : status;
}

gan_status gan_mpi_broadcast_model(gan_mpi *mpi, gan_model *model)
{
    if (!mpi || !model)
        return gan_mpi__null(mpi, __func__, "model");
    gan_status status = gan_mpi__usable(mpi);
    float *parameters = NULL;
    size_t count = 0;
    if (status == GAN_OK)
        status = gan_model_parameter_arrays(model, &parameters, NULL, &count);
    int buffers = gan_model_named_buffer_count(model);
    /* The sizes must agree everywhere: max(n) = n and max(-n) = -n on every rank. */
    int64_t sizes[4] = {(int64_t)count, -(int64_t)count, buffers, -(int64_t)buffers};
    if (status == GAN_OK)
        status = all_max(mpi, sizes, 4, "comparing the model sizes");
    if (status == GAN_OK && (sizes[0] != -sizes[1] || sizes[2] != -sizes[3]))
        return gan_mpi__fail(mpi, GAN_ERR_SHAPE, "%s: the processes' models differ: %lld to "
                             "%lld parameters, %lld to %lld buffers", __func__,
                             (long long)-sizes[1], (long long)sizes[0], (long long)-sizes[3],
                             (long long)sizes[2]);
    if (status == GAN_OK)
        status = gan_mpi__buckets(mpi, GAN_MPI_BROADCAST, parameters, count,
                                  "broadcasting the parameters");
    for (int i = 0; i < buffers && status == GAN_OK; i++) {
        const char *name;
        gan_tensor *buffer;
        status = gan_model_named_buffer(model, i, &name, &buffer);
        if (status == GAN_OK)
            status = gan_mpi__buckets(mpi, GAN_MPI_BROADCAST, gan_tensor_data(buffer),
                                      (size_t)gan_tensor_numel(buffer),
                                      "broadcasting the buffers");
    }
    return status;
}

gan_status gan_mpi_check_agreement(gan_mpi *mpi, const gan_model *model, int *disagreeing)
{
    if (!mpi || !model || !disagreeing)
        return gan_mpi__null(mpi, __func__, !model ? "model" : "disagreeing");
    *disagreeing = -1;
    uint64_t checksum = 0, *all = calloc((size_t)mpi->world, sizeof *all);
    if (!all)
        return gan_mpi__fail(mpi, GAN_ERR_OUT_OF_MEMORY, "%s: no memory", __func__);
    gan_status status = gan_mpi__usable(mpi);
    if (status == GAN_OK)
        status = gan_model_checksum(model, &checksum);
    MPI_Request request;
    if (status == GAN_OK)
        status = gan_mpi__check(mpi, MPI_Iallgather(&checksum, 1, MPI_UINT64_T, all, 1,
                                                    MPI_UINT64_T, mpi->comm, &request),
                                "gathering the checksums");
    if (status == GAN_OK)
        status = gan_mpi__wait(mpi, &request, 1, "gathering the checksums");
    for (int r = 1; r < mpi->world && status == GAN_OK && *disagreeing < 0; r++)
        if (all[r] != all[0])
            *disagreeing = r;
    free(all);
    return status;
}

/* Rank 0's status and message, as every process receives them. */
typedef struct saved {
    int status;
    char message[384];
} saved;

gan_status gan_mpi_save_checkpoint(gan_mpi *mpi, const gan_trainer *trainer, const char *path)
{
    if (!mpi || !trainer || !path)
        return gan_mpi__null(mpi, __func__, !trainer ? "trainer" : "path");
    gan_status status = gan_mpi__usable(mpi);
    if (status != GAN_OK)
        return status;
    saved result = {GAN_OK, ""};
    if (mpi->rank == 0) {
        result.status = gan_trainer_save(trainer, path);
        if (result.status != GAN_OK)
            snprintf(result.message, sizeof result.message, "%s", gan_last_error());
    }
    MPI_Request request;
    status = gan_mpi__check(mpi, MPI_Ibcast(&result, (int)sizeof result, MPI_BYTE, 0, mpi->comm,
                                            &request), "sharing the checkpoint's status");
    if (status == GAN_OK)
        status = gan_mpi__wait(mpi, &request, 1, "sharing the checkpoint's status");
    if (status != GAN_OK)
        return status;
    if (result.status != GAN_OK)
        return gan_mpi__fail(mpi, (gan_status)result.status, "rank 0 could not save the "
                             "checkpoint %s: %s", path, result.message);
    return GAN_OK;
}

gan_status gan_mpi_any(gan_mpi *mpi, int *flag)
{
    if (!mpi || !flag)
        return gan_mpi__null(mpi, __func__, "flag");
    gan_status status = gan_mpi__usable(mpi);
    int value = *flag != 0;
    MPI_Request request;
    if (status == GAN_OK)
        status = gan_mpi__check(mpi, MPI_Iallreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_LOR,
                                                    mpi->comm, &request), "a decision");
    if (status == GAN_OK)
        status = gan_mpi__wait(mpi, &request, 1, "a decision");
    if (status == GAN_OK)
        *flag = value;
    return status;
}
