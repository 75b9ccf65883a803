/*
 * gan_bench: times one benchmark workload in this process and prints one CSV record
 * (docs/performance.md). bench/run.sh runs each workload in a process of its own, since
 * peak RSS is per process, and prints the table.
 *   build/bench/gan_bench W3-b256 --threads 2 --seconds 10
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gan.h>

#include "mnist/options.h"
#include "mnist/quality.h" /* mnist_find_idx */
#include "sgemm.h"
#include "workload.h"

#define CSV_HEADER \
    "engine,version,variant,workload,kind,threads,batch,steps,ms,samples_per_s,gflop,gflops," \
    "rss_mib,blas_core"

typedef struct options {
    const char *workload, *data;
    int64_t threads, repeats, warmup;
    float seconds;
} options;

static void usage(void)
{
    printf("usage: gan_bench WORKLOAD [options]\n"
           "       gan_bench --csv-header | --blas-core | --help\n"
           "Times one workload and prints one CSV record (the columns of --csv-header).\n\n"
           "  --threads N   threads for libgan and OpenBLAS (default 1)\n"
           "  --seconds S   each repetition runs steps for at least S seconds (default 10)\n"
           "  --repeats R   repetitions; the record is the median one (default 3)\n"
           "  --warmup N    untimed steps first: at least N and at least S/10 s (default 3)\n"
           "  --data DIR    MNIST's IDX files (default $MNIST_DIR, else build/data/mnist)\n\n"
           "Workloads: " WORKLOAD_NAMES "\n");
}

/* Returns 0 to go on, -1 after --help and friends, 2 for a wrong option. */
static int parse_options(int argc, char **argv, options *opt)
{
    const char *data = getenv("MNIST_DIR");
    *opt = (options){.workload = NULL, .data = data && data[0] ? data : "build/data/mnist",
                     .threads = 1, .repeats = 3, .warmup = 3, .seconds = 10.0f};
    static const char *const valued[] = {"--threads", "--seconds", "--repeats", "--warmup",
                                         "--data"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name = NULL, *value = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage();
            return -1;
        }
        if (strcmp(arg, "--csv-header") == 0 || strcmp(arg, "--blas-core") == 0) {
            puts(strcmp(arg, "--csv-header") == 0 ? CSV_HEADER : bench_blas_core());
            return -1;
        }
        if (arg[0] != '-' && !opt->workload) {
            opt->workload = arg;
            continue;
        }
        if (!mnist_option_value("gan_bench", argc, argv, &i, valued,
                                sizeof valued / sizeof valued[0], &name, &value))
            return 2;
        int ok = 1;
        if (strcmp(name, "--threads") == 0)
            ok = mnist_parse_int("gan_bench", name, value, 1, 1024, &opt->threads);
        else if (strcmp(name, "--seconds") == 0)
            ok = mnist_parse_float("gan_bench", name, value, 0.0f, 0, 3600.0f, &opt->seconds);
        else if (strcmp(name, "--repeats") == 0)
            ok = mnist_parse_int("gan_bench", name, value, 1, 99, &opt->repeats);
        else if (strcmp(name, "--warmup") == 0)
            ok = mnist_parse_int("gan_bench", name, value, 0, 1000000, &opt->warmup);
        else
            opt->data = value;
        if (!ok)
            return 2;
    }
    if (!opt->workload)
        fprintf(stderr, "gan_bench: no workload given (one of: " WORKLOAD_NAMES ")\n");
    else if (!workload_known(opt->workload))
        fprintf(stderr, "gan_bench: unknown workload '%s' (one of: " WORKLOAD_NAMES ")\n",
                opt->workload);
    else
        return 0;
    return 2;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs at least `min_steps` steps and for at least `seconds`; gives the steps run and the
 * mean seconds per step. */
static gan_status run_steps(workload *w, double seconds, int64_t min_steps, int64_t *steps,
                            double *per_step)
{
    double start = now(), elapsed = 0.0;
    int64_t done = 0;
    while (done < min_steps || elapsed < seconds) {
        gan_status status = workload_step(w);
        if (status != GAN_OK)
            return status;
        done++;
        elapsed = now() - start;
    }
    *steps = done;
    *per_step = done > 0 ? elapsed / (double)done : 0.0;
    return GAN_OK;
}

/* One repetition's result. */
typedef struct repetition {
    int64_t steps;
    double per_step;
} repetition;

static int by_time(const void *a, const void *b)
{
    double x = ((const repetition *)a)->per_step, y = ((const repetition *)b)->per_step;
    return (x > y) - (x < y);
}

/* Warm-up, then the repetitions; gives the median one. */
static gan_status measure(workload *w, const options *opt, repetition *median)
{
    repetition runs[99], warm;
    gan_status status = run_steps(w, opt->seconds / 10.0, opt->warmup, &warm.steps,
                                  &warm.per_step);
    for (int64_t r = 0; status == GAN_OK && r < opt->repeats; r++)
        status = run_steps(w, opt->seconds, 1, &runs[r].steps, &runs[r].per_step);
    if (status == GAN_OK) {
        qsort(runs, (size_t)opt->repeats, sizeof runs[0], by_time);
        *median = runs[opt->repeats / 2];
    }
    return status;
}

static double peak_rss_mib(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_maxrss / 1024.0; /* Linux reports KiB */
}

int main(int argc, char **argv)
{
    options opt;
    int exit_status = parse_options(argc, argv, &opt);
    if (exit_status != 0)
        return exit_status < 0 ? 0 : exit_status;

    char images[MNIST_PATH_SIZE];
    int training = strcmp(workload_kind(opt.workload), "train") == 0;
    if (training && !mnist_find_idx(images, opt.data, "train-images")) {
        fprintf(stderr, "gan_bench: no train-images-idx3-ubyte[.gz] in %s (scripts/fetch-mnist.sh "
                        "downloads MNIST)\n", opt.data);
        return 1;
    }
    workload *w = NULL;
    repetition median = {0, 0.0};
    double flop = 0.0;
    gan_status status = gan_set_num_threads((int)opt.threads);
    if (status == GAN_OK)
        status = workload_new(&w, opt.workload, training ? images : NULL);
    if (status == GAN_OK)
        status = measure(w, &opt, &median);
    if (status == GAN_OK)
        status = workload_flop(w, &flop);
    if (status != GAN_OK) {
        fprintf(stderr, "gan_bench: %s: %s\n", opt.workload, gan_last_error());
        workload_free(w);
        return 1;
    }
    int64_t batch = workload_batch(opt.workload);
    printf("libgan,%s,-,%s,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%.6g,%.6g,%.6g,%.6g,%.1f,%s\n",
           gan_version_string(), opt.workload, workload_kind(opt.workload), opt.threads, batch,
           median.steps, 1e3 * median.per_step, (double)batch / median.per_step, flop / 1e9,
           flop / 1e9 / median.per_step, peak_rss_mib(), bench_blas_core());
    workload_free(w);
    return 0;
}
