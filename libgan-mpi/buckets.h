/* Internal: an operation over a float array of any length, as non-blocking MPI operations on
 * buckets of at most GAN_MPI_BUCKET_FLOATS (MPI counts are int), started together and
 * waited for under the timeout. */
#ifndef GAN_MPI_BUCKETS_H
#define GAN_MPI_BUCKETS_H

#include <stddef.h>

#include "world.h"

typedef enum gan_mpi_bucket_op {
    GAN_MPI_SUM,      /* MPI_Iallreduce in place, MPI_SUM */
    GAN_MPI_BROADCAST /* MPI_Ibcast from rank 0 */
} gan_mpi_bucket_op;

gan_status gan_mpi__buckets(gan_mpi *mpi, gan_mpi_bucket_op op, float *data, size_t count,
                            const char *what);

#endif /* GAN_MPI_BUCKETS_H */
