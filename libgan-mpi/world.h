/*
 * Internal: the state of one process's handle on the world, and the timed waits every
 * collective of libgan-mpi goes through.
 */
#ifndef GAN_MPI_WORLD_H
#define GAN_MPI_WORLD_H

#include <stdbool.h>

#include "gan-mpi.h"

struct gan_mpi {
    MPI_Comm comm; /* a duplicate of the caller's, with MPI_ERRORS_RETURN */
    int rank, world;
    double timeout; /* seconds */
    bool broken;    /* a collective failed or timed out: nothing more can be exchanged */
    char error[512];
};

/* Records the message of a failure in mpi->error and returns `status`. */
gan_status gan_mpi__fail(gan_mpi *mpi, gan_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A NULL argument `name` of `function`: GAN_ERR_INVALID_ARGUMENT, with the message recorded
 * when there is a handle to record it in. */
gan_status gan_mpi__null(gan_mpi *mpi, const char *function, const char *name);

/* GAN_OK if the world can still exchange messages; else GAN_ERR_IO (the first failure's
 * message stays). */
gan_status gan_mpi__usable(gan_mpi *mpi);

/* An MPI call's return code: GAN_OK for MPI_SUCCESS, else GAN_ERR_IO with MPI's message,
 * and the world broken. */
gan_status gan_mpi__check(gan_mpi *mpi, int code, const char *what);

/* Polls `count` started requests until all are complete or the timeout has passed: then
 * GAN_ERR_IO saying that `what` got no answer, and the world broken (a collective that
 * timed out cannot be cancelled). */
gan_status gan_mpi__wait(gan_mpi *mpi, MPI_Request *requests, int count, const char *what);

#endif /* GAN_MPI_WORLD_H */
