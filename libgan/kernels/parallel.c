/*
 * A small pool of worker threads for libgan's own kernels.
 *
 * One job runs at a time: the caller that holds `busy` publishes it, takes part in it, and
 * waits until every worker has finished with it (the job's context lives on the caller's
 * stack). Workers spin briefly after a job, since the next one usually follows within
 * microseconds during training, and then sleep on a condition variable. A second caller
 * that finds the pool busy runs its own job alone, so concurrent handles never wait on
 * each other and results never depend on who ran a task.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gan/runtime.h"
#include "kernels/parallel.h"

enum { MAX_WORKERS = 1023, SPIN_ROUNDS = 1 << 14 };

static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;

/* Changed only by the holder of `busy`. */
static pthread_t workers[MAX_WORKERS];
static int worker_count;

/* The current job: written before `generation` is released, read after it is acquired. */
static gan_task_fn job_fn;
static void *job_context;
static int job_tasks;
static atomic_uint_fast64_t generation;
static atomic_int next_task;
static atomic_int workers_active;
static atomic_bool stopping;

static void pause_briefly(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void run_tasks(gan_task_fn fn, void *context, int tasks)
{
    for (int task = atomic_fetch_add(&next_task, 1); task < tasks;
         task = atomic_fetch_add(&next_task, 1))
        fn(context, task, tasks);
}

/* Waits for a generation other than `seen`; false when the pool is stopping. */
static bool wait_for_job(uint_fast64_t *seen)
{
    for (int round = 0; round < SPIN_ROUNDS; round++) {
        if (atomic_load_explicit(&generation, memory_order_acquire) != *seen)
            break;
        pause_briefly();
    }
    pthread_mutex_lock(&lock);
    while (atomic_load_explicit(&generation, memory_order_acquire) == *seen)
        pthread_cond_wait(&wake, &lock);
    pthread_mutex_unlock(&lock);
    *seen = atomic_load_explicit(&generation, memory_order_acquire);
    return !atomic_load(&stopping);
}

static void *worker_main(void *argument)
{
    uint_fast64_t seen = (uint_fast64_t)(uintptr_t)argument;
    while (wait_for_job(&seen)) {
        run_tasks(job_fn, job_context, job_tasks);
        pthread_mutex_lock(&lock);
        if (atomic_fetch_sub(&workers_active, 1) == 1)
            pthread_cond_signal(&done);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void publish(gan_task_fn fn, void *context, int tasks, bool stop)
{
    pthread_mutex_lock(&lock);
    job_fn = fn;
    job_context = context;
    job_tasks = tasks;
    atomic_store(&next_task, 0);
    atomic_store(&workers_active, stop ? 0 : worker_count);
    atomic_store(&stopping, stop);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
}

static void wait_for_workers(void)
{
    for (int round = 0; round < SPIN_ROUNDS; round++) {
        if (atomic_load(&workers_active) == 0)
            return;
        pause_briefly();
    }
    pthread_mutex_lock(&lock);
    while (atomic_load(&workers_active) != 0)
        pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
}

static void stop_workers(void)
{
    publish(NULL, NULL, 0, true);
    for (int i = 0; i < worker_count; i++)
        pthread_join(workers[i], NULL);
    worker_count = 0;
    atomic_store(&stopping, false);
}

/* A forked child has none of the parent's threads: it starts again with an empty pool. */
static void forget_workers_in_child(void)
{
    pthread_mutex_init(&busy, NULL);
    pthread_mutex_init(&lock, NULL);
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&done, NULL);
    worker_count = 0;
    atomic_store(&stopping, false);
}

static void install_fork_handler(void)
{
    pthread_atfork(NULL, NULL, forget_workers_in_child);
}

/* Brings the pool to `wanted` workers; fewer if threads cannot be created. */
static void resize_pool(int wanted)
{
    if (wanted > MAX_WORKERS)
        wanted = MAX_WORKERS;
    if (worker_count == wanted)
        return;
    pthread_once(&fork_handler_once, install_fork_handler);
    stop_workers();
    /* Workers take no signals: the application's handlers run on its own threads. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    const uintptr_t current = (uintptr_t)atomic_load(&generation);
    while (worker_count < wanted &&
           pthread_create(&workers[worker_count], NULL, worker_main, (void *)current) == 0)
        worker_count++;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
}

void gan__parallel_run(gan_task_fn fn, void *context, int tasks)
{
    if (tasks > 1 && gan_get_num_threads() > 1 && pthread_mutex_trylock(&busy) == 0) {
        resize_pool(gan_get_num_threads() - 1);
        if (worker_count > 0) {
            publish(fn, context, tasks, false);
            run_tasks(fn, context, tasks);
            wait_for_workers();
            pthread_mutex_unlock(&busy);
            return;
        }
        pthread_mutex_unlock(&busy);
    }
    for (int task = 0; task < tasks; task++)
        fn(context, task, tasks);
}

int gan__parallel_tasks(double work, double grain)
{
    const int threads = gan_get_num_threads();
    if (threads <= 1 || work < 2 * grain)
        return 1;
    const double most = work / grain;
    return most < threads ? (int)most : threads;
}

typedef struct range_job {
    int64_t count, align;
    gan_range_fn fn;
    void *context;
} range_job;

static void run_range_task(void *context, int task, int tasks)
{
    const range_job *job = context;
    const int64_t units = (job->count + job->align - 1) / job->align;
    const int64_t begin = units * task / tasks * job->align;
    int64_t end = units * (task + 1) / tasks * job->align;
    if (end > job->count)
        end = job->count;
    if (begin < end)
        job->fn(job->context, begin, end);
}

void gan__parallel_for(int64_t count, int64_t grain, int64_t align, gan_range_fn fn,
                       void *context)
{
    const int tasks = gan__parallel_tasks((double)count, (double)grain);
    if (tasks <= 1) {
        if (count > 0)
            fn(context, 0, count);
        return;
    }
    range_job job = {.count = count, .align = align, .fn = fn, .context = context};
    gan__parallel_run(run_range_task, &job, tasks);
}

/* Workers must not outlive the library's code (dlclose) or run during exit. */
__attribute__((destructor)) static void stop_pool_at_unload(void)
{
    if (pthread_mutex_trylock(&busy) != 0)
        return;
    if (worker_count > 0)
        stop_workers();
    pthread_mutex_unlock(&busy);
}
