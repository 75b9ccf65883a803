/* Bucketed non-blocking all-reduce and broadcast (buckets.h). */
#include <stdlib.h>

#include "buckets.h"

enum { STACK_BUCKETS = 16 };

static int start(gan_mpi *mpi, gan_mpi_bucket_op op, float *data, int count,
                 MPI_Request *request)
{
    if (op == GAN_MPI_SUM)
        return MPI_Iallreduce(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, mpi->comm, request);
    return MPI_Ibcast(data, count, MPI_FLOAT, 0, mpi->comm, request);
}

gan_status gan_mpi__buckets(gan_mpi *mpi, gan_mpi_bucket_op op, float *data, size_t count,
                            const char *what)
{
    size_t buckets = (count + GAN_MPI_BUCKET_FLOATS - 1) / GAN_MPI_BUCKET_FLOATS;
    if (buckets == 0)
        return GAN_OK;
    MPI_Request stack[STACK_BUCKETS], *requests = stack;
    if (buckets > STACK_BUCKETS && !(requests = malloc(buckets * sizeof *requests)))
        return gan_mpi__fail(mpi, GAN_ERR_OUT_OF_MEMORY, "libgan-mpi: no memory for %zu "
                             "requests (%s)", buckets, what);
    gan_status status = GAN_OK;
    size_t started = 0;
    for (; started < buckets && status == GAN_OK; started++) {
        size_t first = started * GAN_MPI_BUCKET_FLOATS, left = count - first;
        int length = left < GAN_MPI_BUCKET_FLOATS ? (int)left : GAN_MPI_BUCKET_FLOATS;
        status = gan_mpi__check(mpi, start(mpi, op, data + first, length, &requests[started]),
                                what);
    }
    if (status == GAN_OK)
        status = gan_mpi__wait(mpi, requests, (int)buckets, what);
    if (requests != stack)
        free(requests);
    return status;
}
