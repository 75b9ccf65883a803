/* The timed waits and the error state of libgan-mpi (world.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "world.h"

/* A wait polls without pause for its first second, as a blocking MPI call would: transports
 * such as TCP move a large message only while it is polled, fragment by fragment. (At 2
 * processes on one machine this measured the same as 20 us pauses from the start:
 * docs/scaling.md.) A longer wait (the others are evaluating, or dead) polls every 100 us and
 * leaves the core to whatever else runs there. */
#define SPINNING_SECONDS 1.0

gan_status gan_mpi__fail(gan_mpi *mpi, gan_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(mpi->error, sizeof mpi->error, format, args);
    va_end(args);
    return status;
}

gan_status gan_mpi__null(gan_mpi *mpi, const char *function, const char *name)
{
    return mpi ? gan_mpi__fail(mpi, GAN_ERR_INVALID_ARGUMENT, "%s: %s is NULL", function, name)
               : GAN_ERR_INVALID_ARGUMENT;
}

gan_status gan_mpi__usable(gan_mpi *mpi)
{
    return mpi->broken ? GAN_ERR_IO : GAN_OK;
}

gan_status gan_mpi__check(gan_mpi *mpi, int code, const char *what)
{
    if (code == MPI_SUCCESS)
        return GAN_OK;
    char text[MPI_MAX_ERROR_STRING] = "";
    int length = 0;
    MPI_Error_string(code, text, &length);
    mpi->broken = true;
    return gan_mpi__fail(mpi, GAN_ERR_IO, "libgan-mpi rank %d of %d: %s failed: %s", mpi->rank,
                         mpi->world, what, text);
}

gan_status gan_mpi__wait(gan_mpi *mpi, MPI_Request *requests, int count, const char *what)
{
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 100000};
    double start = MPI_Wtime();
    for (;;) {
        int done = 0;
        gan_status status = gan_mpi__check(mpi, MPI_Testall(count, requests, &done,
                                                            MPI_STATUSES_IGNORE), what);
        if (status != GAN_OK || done)
            return status;
        double waited = MPI_Wtime() - start;
        if (waited > mpi->timeout) {
            mpi->broken = true;
            return gan_mpi__fail(mpi, GAN_ERR_IO, "libgan-mpi rank %d of %d: %s: no answer from "
                                 "the other processes in %g s; one of them has died or hangs "
                                 "(end the run with MPI_Abort)", mpi->rank, mpi->world, what,
                                 mpi->timeout);
        }
        if (waited > SPINNING_SECONDS)
            nanosleep(&pause, NULL);
    }
}
