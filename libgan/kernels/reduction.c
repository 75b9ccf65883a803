/* Reductions and copies over float arrays, split between threads (see reduction.h). */
#include <stdint.h>
#include <string.h>

#include "kernels/cpu_features.h"
#include "kernels/elementwise_avx512.h"
#include "kernels/parallel.h"
#include "kernels/reduction.h"

enum { MAX_CHUNKS = 256, LANES = 8 };

/* Elements below which a pass runs on one thread. */
#define REDUCTION_GRAIN (1 << 16)

static double add_lanes(const double lane[LANES])
{
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

static double chunk_sum_of_squares(const float *x, size_t count)
{
    double lane[LANES] = {0};
    if (gan__cpu_has_avx512())
        gan__squares_by_lane_avx512(x, count, lane);
    else
        for (size_t i = 0; i < count; i++)
            lane[i % LANES] += (double)x[i] * (double)x[i];
    return add_lanes(lane);
}

typedef struct squares_job {
    const float *x;
    size_t count, chunk;
    double *sums;
} squares_job;

static void sum_chunks(void *context, int64_t first, int64_t last)
{
    const squares_job *job = context;
    for (int64_t c = first; c < last; c++) {
        const size_t begin = (size_t)c * job->chunk;
        const size_t end = begin + job->chunk < job->count ? begin + job->chunk : job->count;
        job->sums[c] = chunk_sum_of_squares(job->x + begin, end - begin);
    }
}

double gan__sum_of_squares(const float *x, size_t count)
{
    double sums[MAX_CHUNKS];
    size_t chunk = (count + MAX_CHUNKS - 1) / MAX_CHUNKS;
    chunk = (chunk + LANES - 1) / LANES * LANES;
    if (chunk == 0)
        return 0.0;
    const int64_t chunks = (int64_t)((count + chunk - 1) / chunk);
    squares_job job = {.x = x, .count = count, .chunk = chunk, .sums = sums};
    gan__parallel_for(chunks, (int64_t)(REDUCTION_GRAIN / chunk) + 1, 1, sum_chunks, &job);
    double total = 0.0;
    for (int64_t c = 0; c < chunks; c++)
        total += sums[c];
    return total;
}

typedef struct copy_job {
    float *dst;
    const float *src;
} copy_job;

static void copy_range(void *context, int64_t begin, int64_t end)
{
    const copy_job *job = context;
    memcpy(job->dst + begin, job->src + begin, (size_t)(end - begin) * sizeof(float));
}

void gan__copy_floats(float *dst, const float *src, size_t count)
{
    copy_job job = {.dst = dst, .src = src};
    gan__parallel_for((int64_t)count, 4 * REDUCTION_GRAIN, 16, copy_range, &job);
}
