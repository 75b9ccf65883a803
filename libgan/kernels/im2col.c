/*
 * im2col / col2im for NCHW batches, and the channel-major permutes around them. Plain
 * loops: each inner loop runs over a stretch of one output row whose source indices are
 * known to be inside the image, so it has no branches (and is a copy when stride is 1).
 */
#include <string.h>

#include "kernels/im2col.h"
#include "kernels/parallel.h"

/*
 * The positions x in [0, count) whose source column x stride + offset lies in [0, size):
 * [*first, *last). offset may be negative (padding); the result may be empty.
 */
static void inside_range(int64_t offset, int64_t stride, int64_t size, int64_t count,
                         int64_t *first, int64_t *last)
{
    int64_t lo = 0, hi = 0;
    if (offset < 0)
        lo = (-offset) / stride + ((-offset) % stride != 0);
    if (size - 1 - offset >= 0)
        hi = (size - 1 - offset) / stride + 1;
    if (hi > count)
        hi = count;
    if (lo > hi)
        lo = hi;
    *first = lo;
    *last = hi;
}

/* Floats of col below which a conversion runs on one thread. */
#define COL_FLOATS_GRAIN (1 << 15)

typedef struct conversion {
    const gan_conv_geometry *g;
    int64_t batch;
    const float *from;
    float *to;
} conversion;

/* The columns of col that come from images [first_image, last_image), in the loop order
 * that reads and writes col row by row. */
static void im2col_images(void *context, int64_t first_image, int64_t last_image)
{
    const conversion *job = context;
    const gan_conv_geometry *g = job->g;
    const int64_t k = g->kernel, s = g->stride, p = g->padding, h = g->height, w = g->width;
    const int64_t oh = g->out_height, ow = g->out_width;
    const int64_t positions = oh * ow, columns = job->batch * positions, plane = h * w;
    for (int64_t c = 0; c < g->channels; c++)
        for (int64_t kh = 0; kh < k; kh++)
            for (int64_t kw = 0; kw < k; kw++) {
                float *row = job->to + ((c * k + kh) * k + kw) * columns;
                const int64_t offset = kw - p;
                int64_t first, last;
                inside_range(offset, s, w, ow, &first, &last);
                for (int64_t n = first_image; n < last_image; n++) {
                    const float *image = job->from + (n * g->channels + c) * plane;
                    for (int64_t oy = 0; oy < oh; oy++) {
                        float *dst = row + n * positions + oy * ow;
                        const int64_t iy = oy * s - p + kh;
                        if (iy < 0 || iy >= h) {
                            memset(dst, 0, (size_t)ow * sizeof(float));
                            continue;
                        }
                        const float *src = image + iy * w;
                        for (int64_t x = 0; x < first; x++)
                            dst[x] = 0.0f;
                        if (s == 1) {
                            if (last > first)
                                memcpy(dst + first, src + first + offset,
                                       (size_t)(last - first) * sizeof(float));
                        } else {
                            for (int64_t x = first; x < last; x++)
                                dst[x] = src[x * s + offset];
                        }
                        for (int64_t x = last; x < ow; x++)
                            dst[x] = 0.0f;
                    }
                }
            }
}

/* Images below which a conversion runs on one thread. */
static int64_t images_grain(const gan_conv_geometry *g)
{
    return COL_FLOATS_GRAIN / (g->channels * g->kernel * g->kernel * g->out_height *
                                 g->out_width) + 1;
}

void gan__im2col(const gan_conv_geometry *g, int64_t batch, const float *images, float *col)
{
    conversion job = {.g = g, .batch = batch, .from = images, .to = col};
    gan__parallel_for(batch, images_grain(g), 1, im2col_images, &job);
}

/* Images [first_image, last_image): each element sums its k x k contributions in the same
 * order (kh, kw) whichever images a thread is given. */
static void col2im_images(void *context, int64_t first_image, int64_t last_image)
{
    const conversion *job = context;
    const gan_conv_geometry *g = job->g;
    const int64_t k = g->kernel, s = g->stride, p = g->padding, h = g->height, w = g->width;
    const int64_t oh = g->out_height, ow = g->out_width;
    const int64_t positions = oh * ow, columns = job->batch * positions, plane = h * w;
    memset(job->to + first_image * g->channels * plane, 0,
           (size_t)((last_image - first_image) * g->channels * plane) * sizeof(float));
    for (int64_t c = 0; c < g->channels; c++)
        for (int64_t kh = 0; kh < k; kh++)
            for (int64_t kw = 0; kw < k; kw++) {
                const float *row = job->from + ((c * k + kh) * k + kw) * columns;
                const int64_t offset = kw - p;
                int64_t first, last;
                inside_range(offset, s, w, ow, &first, &last);
                if (last <= first)
                    continue;
                for (int64_t n = first_image; n < last_image; n++) {
                    float *image = job->to + (n * g->channels + c) * plane;
                    for (int64_t oy = 0; oy < oh; oy++) {
                        const int64_t iy = oy * s - p + kh;
                        if (iy < 0 || iy >= h)
                            continue;
                        const float *src = row + n * positions + oy * ow;
                        float *dst = image + iy * w;
                        if (s == 1) {
                            float *shifted = dst + offset + first;
                            const float *from = src + first;
                            for (int64_t x = 0; x < last - first; x++)
                                shifted[x] += from[x];
                        } else {
                            for (int64_t x = first; x < last; x++)
                                dst[x * s + offset] += src[x];
                        }
                    }
                }
            }
}

void gan__col2im(const gan_conv_geometry *g, int64_t batch, const float *col, float *images)
{
    conversion job = {.g = g, .batch = batch, .from = col, .to = images};
    gan__parallel_for(batch, images_grain(g), 1, col2im_images, &job);
}

void gan__nchw_to_cnhw(int64_t batch, int64_t channels, int64_t positions, const float *src,
                       float *dst)
{
    for (int64_t n = 0; n < batch; n++)
        for (int64_t c = 0; c < channels; c++)
            memcpy(dst + (c * batch + n) * positions, src + (n * channels + c) * positions,
                   (size_t)positions * sizeof(float));
}

void gan__cnhw_to_nchw(int64_t batch, int64_t channels, int64_t positions, const float *src,
                       const float *bias, float *dst)
{
    for (int64_t n = 0; n < batch; n++)
        for (int64_t c = 0; c < channels; c++) {
            const float *from = src + (c * batch + n) * positions;
            float *to = dst + (n * channels + c) * positions;
            if (bias) {
                const float b = bias[c];
                for (int64_t i = 0; i < positions; i++)
                    to[i] = from[i] + b;
            } else {
                memcpy(to, from, (size_t)positions * sizeof(float));
            }
        }
}

void gan__add_channel_bias(int64_t batch, int64_t channels, int64_t positions, const float *bias,
                           float *x)
{
    for (int64_t n = 0; n < batch; n++)
        for (int64_t c = 0; c < channels; c++) {
            float *plane = x + (n * channels + c) * positions;
            const float b = bias[c];
            for (int64_t i = 0; i < positions; i++)
                plane[i] += b;
        }
}

void gan__add_channel_sums(int64_t batch, int64_t channels, int64_t positions, const float *x,
                           float *sums)
{
    for (int64_t c = 0; c < channels; c++) {
        double total = 0.0;
        for (int64_t n = 0; n < batch; n++) {
            const float *plane = x + (n * channels + c) * positions;
            for (int64_t i = 0; i < positions; i++)
                total += plane[i];
        }
        sums[c] += (float)total;
    }
}

int64_t gan__conv_chunk_images(int64_t batch, int64_t positions)
{
    int64_t images = positions >= GAN_CONV_CHUNK_COLUMNS
                         ? 1
                         : (GAN_CONV_CHUNK_COLUMNS + positions - 1) / positions;
    return images < batch ? images : batch;
}
