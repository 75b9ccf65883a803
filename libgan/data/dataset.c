/*
 * Data sets (gan/data.h): images [count, 1, rows, cols] kept as the file's bytes (a quarter
 * of the memory of floats) and scaled as asked through a 256-entry table when a batch is
 * copied out, labels as floats, and shuffled mini-batches.
 *
 * Each epoch's order is a Fisher-Yates shuffle of the identity drawn from the rng's
 * GAN_RNG_SHUFFLE stream, starting at the stream's position when the epoch's first batch
 * is asked for: word after word of consecutive Philox blocks, each step an unbiased
 * integer in [0, i] (Lemire's multiply-and-reject). The stream is then left at the block
 * after the last one used. So an order depends only on the seed and that position, which
 * is all a checkpoint keeps (dataset_impl.h). next_batch allocates nothing: the
 * permutation array is allocated with the data set.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/random_impl.h"
#include "core/tensor.h"
#include "data/dataset_impl.h"
#include "data/idx.h"
#include "gan/data.h"

enum { GAN_DATASET_MAX_WORLD = 65536 };

struct gan_dataset {
    int64_t count;            /* samples, 1 .. GAN_IDX_MAX_COUNT */
    int64_t height, width;    /* one channel */
    int64_t sample;           /* height * width floats per image */
    uint8_t *pixels;          /* count * sample, as in the file */
    float scale[256];         /* pixel value -> float, for the range asked for */
    float *labels;            /* count, or NULL */
    uint32_t *order;          /* this epoch's permutation (valid once drawn) */
    int64_t epoch;            /* from 0 */
    int64_t index;            /* samples delivered in this epoch */
    uint64_t shuffle_position; /* where this epoch's order was drawn, or ..._NOT_DRAWN */
    int drop_last;
    int64_t rank, world;      /* gan_dataset_set_shard: world 1 when not sharded */
};

/* ---- loading ------------------------------------------------------------------------- */

static void fill_pixel_table(gan_pixel_range range, float table[256])
{
    for (int p = 0; p < 256; p++)
        table[p] = range == GAN_PIXELS_SYMMETRIC ? (float)(p / 127.5 - 1.0) : (float)(p / 255.0);
}

void gan_dataset_free(gan_dataset *dataset)
{
    if (!dataset)
        return;
    gan__free(dataset->pixels);
    gan__free(dataset->labels);
    gan__free(dataset->order);
    gan__free(dataset);
}

/* Allocates the data set's arrays for the opened files. */
static gan_dataset *allocate(const gan_idx_file *images, bool with_labels)
{
    gan_dataset *dataset = gan__calloc(sizeof *dataset, "data set");
    if (!dataset)
        return NULL;
    dataset->count = images->count;
    dataset->height = images->rows;
    dataset->width = images->cols;
    dataset->sample = images->rows * images->cols;
    dataset->epoch = 0;
    dataset->index = 0;
    dataset->shuffle_position = GAN_DATASET_ORDER_NOT_DRAWN;
    dataset->world = 1;
    /* data_bytes * sizeof(float) fits in size_t: checked when the header was read. */
    dataset->pixels = gan__alloc((size_t)images->data_bytes, "data set images");
    if (dataset->pixels && with_labels)
        dataset->labels = gan__alloc((size_t)images->count * sizeof(float), "data set labels");
    if (dataset->pixels && (dataset->labels || !with_labels))
        dataset->order = gan__alloc((size_t)images->count * sizeof(uint32_t),
                                    "data set permutation");
    if (!dataset->order) {
        gan_dataset_free(dataset);
        return NULL;
    }
    return dataset;
}

gan_status gan_dataset_load_idx(gan_dataset **out, const char *images_path,
                                const char *labels_path, gan_pixel_range range)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!images_path)
        return gan__null(__func__, "images_path");
    if (range != GAN_PIXELS_SYMMETRIC && range != GAN_PIXELS_UNIT)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown pixel range %d", __func__,
                         (int)range);
    gan_idx_file images, labels;
    memset(&labels, 0, sizeof labels);
    gan_status status = gan__idx_open(&images, __func__, images_path, GAN_IDX_IMAGES);
    if (status != GAN_OK)
        return status;
    if (labels_path) {
        status = gan__idx_open(&labels, __func__, labels_path, GAN_IDX_LABELS);
        if (status == GAN_OK && labels.count != images.count)
            status = gan__fail(GAN_ERR_FORMAT, "%s: '%s' holds %lld images but '%s' holds %lld "
                               "labels", __func__, images_path, (long long)images.count,
                               labels_path, (long long)labels.count);
    }
    gan_dataset *dataset = NULL;
    if (status == GAN_OK) {
        dataset = allocate(&images, labels_path != NULL);
        if (!dataset)
            status = GAN_ERR_OUT_OF_MEMORY;
    }
    if (status == GAN_OK) {
        fill_pixel_table(range, dataset->scale);
        status = gan__idx_read_images(&images, dataset->pixels);
    }
    if (status == GAN_OK && labels_path)
        status = gan__idx_read_labels(&labels, dataset->labels);
    gan__idx_close(&images);
    gan__idx_close(&labels);
    if (status != GAN_OK) {
        gan_dataset_free(dataset);
        return status;
    }
    *out = dataset;
    return GAN_OK;
}

/* ---- queries and options ------------------------------------------------------------- */

int64_t gan_dataset_count(const gan_dataset *dataset)
{
    if (!dataset) {
        gan__null(__func__, "dataset");
        return -1;
    }
    return dataset->count;
}

int gan_dataset_has_labels(const gan_dataset *dataset)
{
    if (!dataset) {
        gan__null(__func__, "dataset");
        return -1;
    }
    return dataset->labels != NULL;
}

gan_status gan_dataset_sample_shape(const gan_dataset *dataset, int *rank, int64_t *shape,
                                    size_t capacity)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!rank)
        return gan__null(__func__, "rank");
    if (!shape)
        return gan__null(__func__, "shape");
    if (capacity < 3)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: capacity %zu is less than the rank 3",
                         __func__, capacity);
    *rank = 3;
    shape[0] = 1;
    shape[1] = dataset->height;
    shape[2] = dataset->width;
    return GAN_OK;
}

gan_status gan_dataset_set_int(gan_dataset *dataset, gan_dataset_option option, int64_t value)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (option != GAN_DATASET_DROP_LAST)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown data set option %d", __func__,
                         (int)option);
    if (value != 0 && value != 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: GAN_DATASET_DROP_LAST is 0 or 1, not %lld", __func__,
                         (long long)value);
    dataset->drop_last = (int)value;
    return GAN_OK;
}

gan_status gan_dataset_get_int(const gan_dataset *dataset, gan_dataset_option option,
                               int64_t *value)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!value)
        return gan__null(__func__, "value");
    if (option != GAN_DATASET_DROP_LAST)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown data set option %d", __func__,
                         (int)option);
    *value = dataset->drop_last;
    return GAN_OK;
}

gan_status gan_dataset_set_shard(gan_dataset *dataset, int64_t rank, int64_t world)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (world < 1 || world > GAN_DATASET_MAX_WORLD || rank < 0 || rank >= world)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: rank %lld of %lld processes: the world "
                         "must be 1 to %d and the rank 0 to world - 1", __func__,
                         (long long)rank, (long long)world, GAN_DATASET_MAX_WORLD);
    dataset->rank = rank;
    dataset->world = world;
    return GAN_OK;
}

gan_status gan_dataset_shard(const gan_dataset *dataset, int64_t *rank, int64_t *world)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!rank || !world)
        return gan__null(__func__, !rank ? "rank" : "world");
    *rank = dataset->rank;
    *world = dataset->world;
    return GAN_OK;
}

gan_status gan_dataset_position(const gan_dataset *dataset, int64_t *epoch, int64_t *index)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!epoch)
        return gan__null(__func__, "epoch");
    if (!index)
        return gan__null(__func__, "index");
    *epoch = dataset->epoch;
    *index = dataset->index;
    return GAN_OK;
}

/* ---- batches ------------------------------------------------------------------------- */

/* images must be [N, 1, height, width] (N >= min_rows); labels [N] or [N, 1]. */
static gan_status check_tensors(const char *function, const gan_dataset *dataset,
                                const gan_tensor *images, const gan_tensor *labels,
                                int64_t min_rows)
{
    char text[GAN_SHAPE_TEXT_CAPACITY], other[GAN_SHAPE_TEXT_CAPACITY];
    if (labels && !dataset->labels)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: labels asked of a data set without "
                         "labels", function);
    if (images->rank != 4 || images->shape[0] < min_rows || images->shape[1] != 1 ||
        images->shape[2] != dataset->height || images->shape[3] != dataset->width)
        return gan__fail(GAN_ERR_SHAPE, "%s: images %s should be [%s, 1, %lld, %lld]", function,
                         gan__shape_text(text, images->rank, images->shape),
                         min_rows > 0 ? "B >= 1" : "N", (long long)dataset->height,
                         (long long)dataset->width);
    int64_t rows = images->shape[0];
    if (labels && !((labels->rank == 1 && labels->shape[0] == rows) ||
                    (labels->rank == 2 && labels->shape[0] == rows && labels->shape[1] == 1)))
        return gan__fail(GAN_ERR_SHAPE, "%s: labels %s should be [%lld] or [%lld, 1] for images "
                         "%s", function, gan__shape_text(text, labels->rank, labels->shape),
                         (long long)rows, (long long)rows,
                         gan__shape_text(other, images->rank, images->shape));
    return GAN_OK;
}

/* Copies sample `source` to row `row` of the outputs. */
static void copy_sample(const gan_dataset *dataset, int64_t source, int64_t row, gan_tensor *images,
                        gan_tensor *labels)
{
    const uint8_t *from = dataset->pixels + source * dataset->sample;
    float *to = images->data + row * dataset->sample;
    for (int64_t i = 0; i < dataset->sample; i++)
        to[i] = dataset->scale[from[i]];
    if (labels)
        labels->data[row] = dataset->labels[source];
}

/* Consecutive 32-bit words of the shuffle stream from a given block. */
typedef struct word_source {
    const gan_rng *rng;
    uint64_t next_block; /* the block after the last one fetched */
    uint32_t words[4];
    int used;            /* words of `words` consumed (4: fetch a block first) */
} word_source;

static uint32_t next_word(word_source *source)
{
    if (source->used == 4) {
        gan__rng_block(source->rng, GAN_RNG_SHUFFLE, source->next_block++, source->words);
        source->used = 0;
    }
    return source->words[source->used++];
}

/* An unbiased integer in [0, range), range >= 1 (Lemire 2019, "Fast random integer
 * generation in an interval"). */
static uint32_t bounded(word_source *source, uint32_t range)
{
    uint64_t product = (uint64_t)next_word(source) * range;
    uint32_t low = (uint32_t)product;
    if (low < range) {
        uint32_t threshold = (0u - range) % range;
        while (low < threshold) {
            product = (uint64_t)next_word(source) * range;
            low = (uint32_t)product;
        }
    }
    return (uint32_t)(product >> 32);
}

/* Draws the order from the shuffle stream at block `start` and leaves the stream after the
 * last block used. start <= UINT64_MAX - GAN_DATASET_SHUFFLE_RESERVE (checked by callers). */
static void draw_order(gan_dataset *dataset, gan_rng *rng, uint64_t start)
{
    uint32_t n = (uint32_t)dataset->count;
    for (uint32_t i = 0; i < n; i++)
        dataset->order[i] = i;
    word_source source = {.rng = rng, .next_block = start, .used = 4};
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = bounded(&source, i + 1);
        uint32_t swap = dataset->order[i];
        dataset->order[i] = dataset->order[j];
        dataset->order[j] = swap;
    }
    gan_rng_set_position(rng, GAN_RNG_SHUFFLE, source.next_block);
    dataset->shuffle_position = start;
}

static gan_status check_shuffle_position(const char *function, uint64_t position)
{
    if (position > UINT64_MAX - GAN_DATASET_SHUFFLE_RESERVE)
        return gan__fail(GAN_ERR_OVERFLOW, "%s: the shuffle stream is at block %llu, too close "
                         "to its end to draw an order", function, (unsigned long long)position);
    return GAN_OK;
}

gan_status gan_dataset_next_batch(gan_dataset *dataset, gan_rng *rng, gan_tensor *images,
                                  gan_tensor *labels, int64_t *count)
{
    if (count)
        *count = 0;
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!rng)
        return gan__null(__func__, "rng");
    if (!images)
        return gan__null(__func__, "images");
    if (!count)
        return gan__null(__func__, "count");
    gan_status status = check_tensors(__func__, dataset, images, labels, 1);
    if (status != GAN_OK)
        return status;
    /* Sharded, every process reads its slice of one global batch, and a short global batch
     * is dropped so that every process ends the epoch at the same step. */
    int64_t batch = images->shape[0];
    bool sharded = dataset->world > 1, drop_last = dataset->drop_last || sharded;
    int64_t global = batch;
    if (sharded && __builtin_mul_overflow(batch, dataset->world, &global))
        global = INT64_MAX;
    if (drop_last && global > dataset->count)
        return gan__fail(GAN_ERR_SHAPE, "%s: a batch of %lld%s with drop_last on a data set of "
                         "%lld samples would deliver nothing", __func__, (long long)global,
                         sharded ? " (over every shard)" : "", (long long)dataset->count);

    int64_t epoch = dataset->epoch, index = dataset->index;
    bool drawn = dataset->shuffle_position != GAN_DATASET_ORDER_NOT_DRAWN;
    int64_t left = dataset->count - index;
    if (left == 0 || (drop_last && left < global)) {
        if (epoch == INT64_MAX)
            return gan__fail(GAN_ERR_OVERFLOW, "%s: the epoch counter is at its limit", __func__);
        epoch++;
        index = 0;
        drawn = false;
    }
    if (!drawn) {
        uint64_t position = 0;
        status = gan_rng_get_position(rng, GAN_RNG_SHUFFLE, &position);
        if (status == GAN_OK)
            status = check_shuffle_position(__func__, position);
        if (status != GAN_OK)
            return status;
        draw_order(dataset, rng, position); /* cannot fail from here on */
    }
    left = dataset->count - index;
    int64_t delivered = batch < left ? batch : left, first = index + dataset->rank * batch;
    for (int64_t row = 0; row < delivered; row++)
        copy_sample(dataset, dataset->order[first + row], row, images, labels);
    dataset->epoch = epoch;
    dataset->index = index + (sharded ? global : delivered);
    *count = delivered;
    return GAN_OK;
}

gan_status gan_dataset_copy(const gan_dataset *dataset, int64_t first, gan_tensor *images,
                            gan_tensor *labels)
{
    if (!dataset)
        return gan__null(__func__, "dataset");
    if (!images)
        return gan__null(__func__, "images");
    gan_status status = check_tensors(__func__, dataset, images, labels, 0);
    if (status != GAN_OK)
        return status;
    int64_t rows = images->shape[0];
    if (first < 0 || first > dataset->count || rows > dataset->count - first)
        return gan__fail(GAN_ERR_SHAPE, "%s: samples [%lld, %lld + %lld) are outside the data "
                         "set's [0, %lld)", __func__, (long long)first, (long long)first,
                         (long long)rows, (long long)dataset->count);
    for (int64_t row = 0; row < rows; row++)
        copy_sample(dataset, first + row, row, images, labels);
    return GAN_OK;
}

/* ---- checkpoint state (dataset_impl.h) ----------------------------------------------- */

void gan__dataset_get_state(const gan_dataset *dataset, gan_dataset_state *state)
{
    state->epoch = dataset->epoch;
    state->index = dataset->index;
    state->shuffle_position = dataset->shuffle_position;
    state->count = dataset->count;
}

gan_status gan__dataset_check_state(const gan_dataset *dataset, const gan_dataset_state *state)
{
    const char *function = "data set position";
    if (state->count != dataset->count)
        return gan__fail(GAN_ERR_SHAPE, "%s: saved for a data set of %lld samples, this one has "
                         "%lld", function, (long long)state->count, (long long)dataset->count);
    if (state->epoch < 0)
        return gan__fail(GAN_ERR_FORMAT, "%s: epoch %lld is negative", function,
                         (long long)state->epoch);
    if (state->index < 0 || state->index > dataset->count)
        return gan__fail(GAN_ERR_FORMAT, "%s: index %lld is outside 0..%lld", function,
                         (long long)state->index, (long long)dataset->count);
    if (state->shuffle_position == GAN_DATASET_ORDER_NOT_DRAWN) {
        if (state->index != 0)
            return gan__fail(GAN_ERR_FORMAT, "%s: index %lld in an epoch whose order was never "
                             "drawn", function, (long long)state->index);
    } else if (state->shuffle_position > UINT64_MAX - GAN_DATASET_SHUFFLE_RESERVE) {
        return gan__fail(GAN_ERR_FORMAT, "%s: shuffle position %llu is too close to the "
                         "stream's end", function, (unsigned long long)state->shuffle_position);
    }
    return GAN_OK;
}

void gan__dataset_set_state(gan_dataset *dataset, gan_rng *rng, const gan_dataset_state *state)
{
    dataset->epoch = state->epoch;
    dataset->index = state->index;
    if (state->shuffle_position == GAN_DATASET_ORDER_NOT_DRAWN)
        dataset->shuffle_position = GAN_DATASET_ORDER_NOT_DRAWN;
    else
        draw_order(dataset, rng, state->shuffle_position);
}
