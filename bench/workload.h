/*
 * The benchmark's workloads (docs/performance.md, "Workloads"): what one timed step is and
 * how many floating-point operations it does. Only libgan's public API, plus OpenBLAS for
 * the sgemm reference.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <gan.h>

/* Every workload's name, space-separated, in the order a full run takes them. */
#define WORKLOAD_NAMES "sgemm sgemm-libgan W1 W2 W3-b64 W3-b256 W3-gen-b1 W3-gen-b256"

/* A workload, built and ready to step (opaque). */
typedef struct workload workload;

/* 1 if `name` is one of WORKLOAD_NAMES. */
int workload_known(const char *name);

/* A known workload's kind: "train", "generate" or "sgemm". */
const char *workload_kind(const char *name);

/* A known workload's samples per step (1 for sgemm). */
int64_t workload_batch(const char *name);

/* Builds a known workload; the training ones load `images` (an IDX file of MNIST's
 * training images), the others ignore it. */
gan_status workload_new(workload **out, const char *name, const char *images);

void workload_free(workload *w);

/* What joins a training workload's players to a data-parallel world (bench/mpi_scaling.c). */
typedef gan_status (*workload_join_fn)(void *context, gan_trainer *trainer, gan_dataset *dataset,
                                       gan_model *generator, gan_model *discriminator);

/* Makes a training workload one of `world` processes: its real batch becomes its share of
 * the workload's batch (which must divide), and `join` attaches its players. */
gan_status workload_join(workload *w, int world, workload_join_fn join, void *context);

/* One step: a training step on the next real batch, one batch generated, or one sgemm. */
gan_status workload_step(workload *w);

/* Floating-point operations of one step (flops.h); call it after a step. */
gan_status workload_flop(workload *w, double *flop);

#endif /* BENCH_WORKLOAD_H */
