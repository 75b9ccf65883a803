/**
 * @file gan-mpi.h
 * @brief libgan-mpi: data-parallel libgan training over MPI.
 *
 * An add-on to libgan, built where MPI is found: it wires libgan's data-parallel seams
 * (gan_trainer_set_gradient_hook(), gan_trainer_set_batchnorm_sync(), gan_trainer_set_shard(),
 * gan_dataset_set_shard(), gan_model_checksum()) to an MPI communicator. Every process runs
 * the same program with the same seed on its slice of each global batch; the gradients are
 * averaged by non-blocking all-reduces over buckets of at most GAN_MPI_BUCKET_FLOATS floats.
 *
 * No collective waits forever: each one polls its requests against the timeout given to
 * gan_mpi_new(). When a process dies or hangs, the others fail with GAN_ERR_IO and a message
 * (gan_mpi_error()) that names the operation and the timeout; the world is then broken (every
 * later call fails at once) and the program should end with MPI_Abort(), not MPI_Finalize()
 * (a collective that timed out cannot be cancelled).
 *
 * Link with `pkg-config --cflags --libs libgan-mpi` (it requires libgan and Open MPI's `mpi`).
 *
 *     gan_mpi *mpi;
 *     gan_mpi_new(&mpi, MPI_COMM_WORLD, 60.0);
 *     gan_mpi_broadcast_model(mpi, g_model);         // rank 0's initial weights everywhere
 *     gan_mpi_broadcast_model(mpi, d_model);
 *     gan_mpi_attach(mpi, trainer, dataset, 0);      // or GAN_MPI_SYNC_BATCHNORM
 *     // each process: gan_dataset_next_batch with the local batch, gan_trainer_step
 *     gan_mpi_save_checkpoint(mpi, trainer, path);   // rank 0 writes; all get its status
 */
#ifndef GAN_MPI_H
#define GAN_MPI_H

#include <mpi.h>

#include <gan.h>

#if defined(__GNUC__) || defined(__clang__)
#define GAN_MPI_API __attribute__((visibility("default")))
#else
#define GAN_MPI_API
#endif

GAN_BEGIN_DECLS

/** The largest all-reduce, in floats (16 MiB): gradients go in buckets of this size. */
#define GAN_MPI_BUCKET_FLOATS (1 << 22)

/** One process's handle on the world. */
typedef struct gan_mpi gan_mpi;

/** gan_mpi_attach() flags. */
typedef enum gan_mpi_flag {
    /** Synchronised BatchNorm: statistics over the whole world's batch. */
    GAN_MPI_SYNC_BATCHNORM = 1
} gan_mpi_flag;

/**
 * Joins the world of @p comm (MPI must be initialised; the communicator is duplicated, so
 * libgan-mpi's messages never meet the caller's, and errors return instead of aborting).
 * Collective over @p comm.
 * @param[out] out           receives the handle
 * @param comm               the processes that train together
 * @param timeout_seconds    the longest any collective waits for the others, > 0; it must
 *                           exceed the longest time one process spends outside training
 *                           steps while the others wait (rank 0's evaluations, say)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_OUT_OF_MEMORY, GAN_ERR_STATE (MPI is not
 *         initialised), GAN_ERR_IO (MPI refused).
 */
GAN_MPI_API gan_status gan_mpi_new(gan_mpi **out, MPI_Comm comm, double timeout_seconds);

/** Leaves the world (a broken one too) and frees the handle. NULL is a no-op. */
GAN_MPI_API void gan_mpi_free(gan_mpi *mpi);

/** This process's rank, or -1 for NULL. */
GAN_MPI_API int gan_mpi_rank(const gan_mpi *mpi);

/** The number of processes, or -1 for NULL. */
GAN_MPI_API int gan_mpi_world(const gan_mpi *mpi);

/** What the last failure of a call on @p mpi was (empty if none). Never NULL. */
GAN_MPI_API const char *gan_mpi_error(const gan_mpi *mpi);

/**
 * Copies rank 0's parameters and buffers of @p model to every process. Collective.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE (the processes' models differ in
 *         size), GAN_ERR_IO (MPI failed or timed out).
 */
GAN_MPI_API gan_status gan_mpi_broadcast_model(gan_mpi *mpi, gan_model *model);

/**
 * Makes @p trainer (and @p dataset, if not NULL) this process's part of the world: sharded
 * by rank (gan_trainer_set_shard(), gan_dataset_set_shard()), with a gradient hook that
 * averages every player's gradients over the world, and with GAN_MPI_SYNC_BATCHNORM a
 * BatchNorm sum hook (gan_trainer_set_batchnorm_sync()). The handle must outlive the
 * trainer's steps. Local: no message is exchanged.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT (NULL, unknown flags).
 */
GAN_MPI_API gan_status gan_mpi_attach(gan_mpi *mpi, gan_trainer *trainer, gan_dataset *dataset,
                                      unsigned flags);

/**
 * Whether every process holds bit for bit the same @p model (gan_model_checksum()).
 * Collective.
 * @param[out] disagreeing receives -1 if all agree, else the lowest rank whose model differs
 *                         from rank 0's
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO.
 */
GAN_MPI_API gan_status gan_mpi_check_agreement(gan_mpi *mpi, const gan_model *model,
                                               int *disagreeing);

/**
 * Rank 0 saves @p trainer's checkpoint to @p path (gan_trainer_save()); every process
 * returns rank 0's status. Resuming, every process loads the same file. Collective.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, rank 0's failure, GAN_ERR_IO (MPI).
 */
GAN_MPI_API gan_status gan_mpi_save_checkpoint(gan_mpi *mpi, const gan_trainer *trainer,
                                               const char *path);

/**
 * The logical or of @p flag over the world, in place: for decisions every process must take
 * at the same step (stop on a signal, early stopping decided by rank 0). Collective.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO.
 */
GAN_MPI_API gan_status gan_mpi_any(gan_mpi *mpi, int *flag);

GAN_END_DECLS

#endif /* GAN_MPI_H */
