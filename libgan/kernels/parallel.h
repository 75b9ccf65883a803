/* Internal: libgan's own worker threads, for the kernels that split their work. */
#ifndef GAN_KERNELS_PARALLEL_H
#define GAN_KERNELS_PARALLEL_H

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

/* How many tasks a job of `work` units should be split into: 1 below `grain` units, never
 * more than the thread count. */
int gan__parallel_tasks(double work, double grain);

#endif /* GAN_KERNELS_PARALLEL_H */
