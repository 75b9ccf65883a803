/*
 * PNG grids of images through libpng (gan/image.h).
 *
 * Layout: N images [N, C, H, W] go row by row, `columns` per row (0: ceil(sqrt(N)); more
 * than N: N), so the grid has rows = ceil(N / columns) and is
 *   width  = columns * (W + 2) + 2,  height = rows * (H + 2) + 2
 * pixels: a 2-pixel border around and between the images. The border, and the cells after
 * the last image in the last row, are mid-gray (128, or 128/128/128 in RGB), so that both
 * dark and light backgrounds stand apart from it. Image n sits at column n % columns, row
 * n / columns, its top-left pixel at (2 + col * (W + 2), 2 + row * (H + 2)). Values map
 * linearly [low, high] -> [0, 255], rounded to the nearest (halves up) and clamped; NaN
 * gives 0. C = 1 writes an 8-bit grayscale PNG, C = 3 an 8-bit RGB one; the file is
 * non-interlaced with libpng's default compression, and holds no gamma or text chunks.
 * Each side must be at most 2^31 - 1 (PNG's limit), and the raw pixels (a filter byte per
 * row included) at most 4 GiB, checked with overflow-safe arithmetic.
 *
 * Error handling: libpng reports errors by calling an error function that must not
 * return. Ours records the failure (GAN_ERR_IO with libpng's message, or
 * GAN_ERR_OUT_OF_MEMORY when one of libpng's allocations failed) in the job and longjmps
 * back to the setjmp in encode(); warnings are dropped. Nothing is printed and libpng
 * never aborts: a jump buffer is installed before any libpng call that can fail.
 * Everything that must survive the jump (the libpng structs, the row buffer, the
 * temporary file, the status) lives in a png_job in the caller's frame, not in encode()'s,
 * so no local of the function that calls setjmp changes after it (no volatile needed).
 * The caller then destroys the libpng structs, frees the row and removes the temporary.
 *
 * Memory: the row buffer comes from gan__alloc, and so do libpng's own allocations
 * (png_create_write_struct_2 routes them, zlib's included, through gan__alloc/gan__free),
 * so the allocator hooks see and can fail every block.
 *
 * The file is written atomically (io/atomic_file.h): libpng writes through a callback into
 * the temporary, which is renamed over the path once libpng has finished.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <png.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "core/tensor.h"
#include "gan/image.h"
#include "io/atomic_file.h"

#define FUNCTION "gan_image_write_png_grid"
#define BORDER 2
#define BORDER_VALUE 128
#define PNG_SIDE_MAX INT64_C(0x7fffffff) /* 2^31 - 1 */
/* Raw image bytes a grid may have: 4 GiB. Without it, a tensor of empty images, which costs
 * nothing to make, could ask for a border-only grid of terabytes within PNG's side limit. */
#define GRID_BYTES_MAX (UINT64_C(1) << 32)

typedef struct png_job {
    /* what to draw */
    const float *data;
    int64_t count, channels, height, width; /* N, C, H, W */
    int64_t columns;
    uint32_t grid_width, grid_height;
    size_t row_bytes;
    double low, scale; /* byte = (value - low) * scale */
    unsigned char *row; /* row_bytes (gan__alloc) */
    /* libpng and the file */
    const char *path;
    png_structp png;
    png_infop info;
    gan_atomic_file file;
    gan_status status;       /* the first failure, recorded by a callback */
    size_t failed_allocation; /* bytes of a libpng allocation that failed, or 0 */
} png_job;

/* ---- libpng callbacks --------------------------------------------------------------- */

static png_voidp png_alloc_callback(png_structp png, png_alloc_size_t size)
{
    png_job *job = png_get_mem_ptr(png);
    if (size == 0)
        return NULL;
    void *block = gan__alloc(size, "libpng internal buffer");
    if (!block && job && !job->failed_allocation)
        job->failed_allocation = size;
    return block;
}

static void png_free_callback(png_structp png, png_voidp block)
{
    (void)png;
    gan__free(block);
}

/* Records the failure and jumps back to encode() (or into png_create_write_struct_2's own
 * jump buffer during creation): libpng requires that this never returns. */
static void png_error_callback(png_structp png, png_const_charp message)
{
    png_job *job = png_get_error_ptr(png);
    if (job && job->status == GAN_OK) {
        if (job->failed_allocation)
            job->status = gan__fail(GAN_ERR_OUT_OF_MEMORY, "%s: '%s': out of memory allocating "
                                    "%zu bytes inside libpng (libpng: %s)", FUNCTION, job->path,
                                    job->failed_allocation, message ? message : "?");
        else
            job->status = gan__fail(GAN_ERR_IO, "%s: '%s': libpng: %s", FUNCTION, job->path,
                                    message ? message : "unknown error");
    }
    png_longjmp(png, 1);
}

static void png_warning_callback(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message; /* silenced: a library does not print */
}

static void png_write_callback(png_structp png, png_bytep bytes, size_t count)
{
    png_job *job = png_get_io_ptr(png);
    gan_status status = gan__atomic_write(&job->file, bytes, count);
    if (status != GAN_OK) {
        job->status = status; /* the message names the temporary and strerror */
        png_error(png, "write failed");
    }
}

static void png_flush_callback(png_structp png)
{
    (void)png; /* the temporary is fsynced when it is committed */
}

/* ---- drawing ------------------------------------------------------------------------ */

static unsigned char to_byte(float value, double low, double scale)
{
    if (isnan(value))
        return 0;
    double x = ((double)value - low) * scale;
    if (!(x > 0.0))
        return 0;
    if (x >= 255.0)
        return 255;
    return (unsigned char)(x + 0.5);
}

/* Fills job->row with grid row y. */
static void draw_row(png_job *job, uint32_t y)
{
    memset(job->row, BORDER_VALUE, job->row_bytes);
    if (y < BORDER)
        return;
    const int64_t H = job->height, W = job->width, C = job->channels;
    int64_t grid_row = (int64_t)(y - BORDER) / (H + BORDER);
    int64_t inside = (int64_t)(y - BORDER) % (H + BORDER);
    if (inside >= H)
        return;
    for (int64_t column = 0; column < job->columns; column++) {
        int64_t n = grid_row * job->columns + column;
        if (n >= job->count)
            break;
        size_t x0 = (size_t)(BORDER + column * (W + BORDER));
        for (int64_t c = 0; c < C; c++) {
            const float *source = job->data + ((n * C + c) * H + inside) * W;
            unsigned char *target = job->row + x0 * (size_t)C + (size_t)c;
            for (int64_t x = 0; x < W; x++)
                target[(size_t)x * (size_t)C] = to_byte(source[x], job->low, job->scale);
        }
    }
}

/* Runs libpng on job->png; failures land in job->status through png_error_callback. No local
 * of this function is read after the longjmp. */
static void encode(png_job *job)
{
    if (setjmp(png_jmpbuf(job->png)))
        return;
    job->info = png_create_info_struct(job->png);
    if (!job->info)
        png_error(job->png, "cannot create the info struct");
    /* libpng's default user limit is 1,000,000 pixels a side; PNG allows 2^31 - 1. */
    png_set_user_limits(job->png, (png_uint_32)PNG_SIDE_MAX, (png_uint_32)PNG_SIDE_MAX);
    png_set_write_fn(job->png, job, png_write_callback, png_flush_callback);
    png_set_IHDR(job->png, job->info, job->grid_width, job->grid_height, 8,
                 job->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(job->png, job->info);
    for (uint32_t y = 0; y < job->grid_height; y++) {
        draw_row(job, y);
        png_write_row(job->png, job->row);
    }
    png_write_end(job->png, job->info);
}

/* ---- the public function ------------------------------------------------------------- */

/* The smallest c with c * c >= n (n >= 1). */
static int64_t ceil_sqrt(int64_t n)
{
    int64_t c = (int64_t)ceil(sqrt((double)n));
    if (c < 1)
        c = 1;
    while (c > 1 && (uint64_t)(c - 1) * (uint64_t)(c - 1) >= (uint64_t)n)
        c--;
    while ((uint64_t)c * (uint64_t)c < (uint64_t)n)
        c++;
    return c;
}

/* Checks the arguments and works out the grid; fills the drawing part of *job. */
static gan_status plan(png_job *job, const gan_tensor *images, int64_t columns, float low,
                       float high)
{
    char text[GAN_SHAPE_TEXT_CAPACITY];
    if (images->rank != 4)
        return gan__fail(GAN_ERR_SHAPE, "%s: images must be [N, C, H, W]; got shape %s (rank %d)",
                         FUNCTION, gan__shape_text(text, images->rank, images->shape),
                         images->rank);
    const int64_t *shape = images->shape;
    if (shape[0] < 1)
        return gan__fail(GAN_ERR_SHAPE, "%s: images %s: N is %lld; at least one image is needed",
                         FUNCTION, gan__shape_text(text, 4, shape), (long long)shape[0]);
    if (shape[1] != 1 && shape[1] != 3)
        return gan__fail(GAN_ERR_SHAPE, "%s: images %s: C is %lld; 1 (grayscale) or 3 (RGB) "
                         "channels can be written", FUNCTION, gan__shape_text(text, 4, shape),
                         (long long)shape[1]);
    if (columns < 0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: columns is %lld; give 0 (automatic) or "
                         "a positive count", FUNCTION, (long long)columns);
    if (!isfinite(low) || !isfinite(high) || !(high > low))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the range [low, high] = [%g, %g] must "
                         "be finite with high > low", FUNCTION, (double)low, (double)high);
    job->data = images->data;
    job->count = shape[0];
    job->channels = shape[1];
    job->height = shape[2];
    job->width = shape[3];
    job->columns = columns == 0 ? ceil_sqrt(job->count)
                                : (columns > job->count ? job->count : columns);
    int64_t rows = job->count / job->columns + (job->count % job->columns != 0);
    int64_t width, height;
    /* Each side of an image below the limit first, so that W + BORDER cannot overflow. */
    if (job->width > PNG_SIDE_MAX || job->height > PNG_SIDE_MAX ||
        !gan__mul_i64(job->columns, job->width + BORDER, &width) || width > PNG_SIDE_MAX - BORDER ||
        !gan__mul_i64(rows, job->height + BORDER, &height) || height > PNG_SIDE_MAX - BORDER)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: images %s in %lld columns and %lld rows make a "
                         "grid wider or taller than PNG's limit of %lld pixels", FUNCTION,
                         gan__shape_text(text, 4, shape), (long long)job->columns,
                         (long long)rows, (long long)PNG_SIDE_MAX);
    job->grid_width = (uint32_t)(width + BORDER);
    job->grid_height = (uint32_t)(height + BORDER);
    /* libpng holds a row (plus its filter byte) at a time; zlib sees all of them. */
    size_t raw_bytes;
    if (!gan__mul_size(job->grid_width, (size_t)job->channels, &job->row_bytes) ||
        !gan__mul_size(job->row_bytes + 1, job->grid_height, &raw_bytes) ||
        (uint64_t)raw_bytes > GRID_BYTES_MAX)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: a %u x %u grid of %lld channels is above "
                         "libgan's limit of 4 GiB of pixels", FUNCTION, (unsigned)job->grid_width,
                         (unsigned)job->grid_height, (long long)job->channels);
    job->low = low;
    job->scale = 255.0 / ((double)high - (double)low);
    return GAN_OK;
}

gan_status gan_image_write_png_grid(const char *path, const gan_tensor *images, int64_t columns,
                                    float low, float high)
{
    if (!path)
        return gan__null(FUNCTION, "path");
    if (!images)
        return gan__null(FUNCTION, "images");
    png_job job;
    memset(&job, 0, sizeof job);
    job.path = path;
    job.file.fd = -1;
    gan_status status = plan(&job, images, columns, low, high);
    if (status != GAN_OK)
        return status;
    job.row = gan__alloc(job.row_bytes, "PNG row");
    if (!job.row)
        return GAN_ERR_OUT_OF_MEMORY;
    status = gan__atomic_begin(&job.file, path, FUNCTION);
    if (status != GAN_OK) {
        gan__free(job.row);
        return status;
    }
    job.png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &job, png_error_callback,
                                        png_warning_callback, &job, png_alloc_callback,
                                        png_free_callback);
    if (!job.png) {
        if (job.status == GAN_OK)
            job.status = job.failed_allocation
                             ? gan__fail(GAN_ERR_OUT_OF_MEMORY, "%s: '%s': out of memory "
                                         "allocating %zu bytes for libpng's write struct",
                                         FUNCTION, path, job.failed_allocation)
                             : gan__fail(GAN_ERR_IO, "%s: '%s': libpng %s could not create a "
                                         "write struct", FUNCTION, path, PNG_LIBPNG_VER_STRING);
    } else {
        encode(&job);
        png_destroy_write_struct(&job.png, &job.info);
    }
    gan__free(job.row);
    if (job.status != GAN_OK) {
        gan__atomic_abort(&job.file);
        return job.status;
    }
    return gan__atomic_commit(&job.file);
}
