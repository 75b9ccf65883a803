/* Internal: libgan's own worker threads, for the kernels that split their work. */
#ifndef GAN_KERNELS_PARALLEL_H
#define GAN_KERNELS_PARALLEL_H

#include <stdint.h>

/* One share of a job: task `task` of `tasks`. Each task must write only its own part of the
 * output and compute it the same way whichever thread runs it, so that results never
 * depend on scheduling. */
typedef void (*gan_task_fn)(void *context, int task, int tasks);

/*
 * Runs fn(context, t, tasks) for every t in [0, tasks) and returns when all are done. The
 * calling thread takes part; up to gan_get_num_threads() - 1 pool threads help. When the
 * pool is busy with another caller's job, or cannot be started, the caller runs every task
 * itself: the results are the same, only slower.
 */
void gan__parallel_run(gan_task_fn fn, void *context, int tasks);

/* One stretch [begin, end) of a range split by gan__parallel_for. */
typedef void (*gan_range_fn)(void *context, int64_t begin, int64_t end);

/*
 * Runs fn over [0, count) in stretches that are multiples of `align` (but the last), one per
 * thread when count is at least twice `grain`, else in one call on the calling thread. For
 * element-wise kernels, whose every element is computed alike wherever the cut falls.
 */
void gan__parallel_for(int64_t count, int64_t grain, int64_t align, gan_range_fn fn,
                       void *context);

/* How many tasks a job of `work` units should be split into: 1 below `grain` units, never
 * more than the thread count. */
int gan__parallel_tasks(double work, double grain);

#endif /* GAN_KERNELS_PARALLEL_H */
