/*
 * The random generator: Philox-4x32-10 keyed by the seed, with counter
 * (block index low, block index high, stream, 0). Element i of a fill comes from word
 * i % 4 of block (position + i / 4), so any split of a fill across threads gives the
 * same numbers.
 */
#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/philox.h"
#include "core/random_impl.h"
#include "core/tensor.h"
#include "gan/random.h"


struct gan_rng {
    uint64_t seed;
    uint32_t key[2];
    uint64_t position[GAN__RNG_STREAMS]; /* blocks drawn so far, per stream */
};

gan_status gan_rng_new(gan_rng **out, uint64_t seed)
{
    if (!out)
        return gan__null(__func__, "out");
    gan_rng *rng = gan__calloc(sizeof *rng, "random generator");
    *out = rng;
    if (!rng)
        return GAN_ERR_OUT_OF_MEMORY;
    rng->seed = seed;
    rng->key[0] = (uint32_t)seed;
    rng->key[1] = (uint32_t)(seed >> 32);
    return GAN_OK;
}

void gan_rng_free(gan_rng *rng)
{
    gan__free(rng);
}

uint64_t gan_rng_seed(const gan_rng *rng)
{
    if (!rng) {
        gan__null(__func__, "rng");
        return 0;
    }
    return rng->seed;
}

static gan_status check_stream(const char *function, const gan_rng *rng, gan_rng_stream stream)
{
    if (!rng)
        return gan__null(function, "rng");
    if ((unsigned)stream >= GAN__RNG_STREAMS)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown random stream %d", function,
                         (int)stream);
    return GAN_OK;
}

gan_status gan_rng_get_position(const gan_rng *rng, gan_rng_stream stream, uint64_t *position)
{
    gan_status status = check_stream(__func__, rng, stream);
    if (status != GAN_OK)
        return status;
    if (!position)
        return gan__null(__func__, "position");
    *position = rng->position[stream];
    return GAN_OK;
}

gan_status gan_rng_set_position(gan_rng *rng, gan_rng_stream stream, uint64_t position)
{
    gan_status status = check_stream(__func__, rng, stream);
    if (status == GAN_OK)
        rng->position[stream] = position;
    return status;
}

static gan_philox_block draw_block(const gan_rng *rng, gan_rng_stream stream, uint64_t index)
{
    gan_philox_block counter = {{(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)stream, 0}};
    return gan__philox4x32_10(counter, rng->key);
}

void gan__rng_block(const gan_rng *rng, gan_rng_stream stream, uint64_t block, uint32_t words[4])
{
    gan_philox_block bits = draw_block(rng, stream, block);
    for (int i = 0; i < 4; i++)
        words[i] = bits.word[i];
}

/* Reserves the blocks a fill of `count` numbers needs; returns the first in *first_block. */
static gan_status reserve_blocks(const char *function, gan_rng *rng, gan_rng_stream stream,
                                 int64_t count, uint64_t *first_block)
{
    uint64_t blocks = ((uint64_t)count + 3) / 4;
    uint64_t position = rng->position[stream];
    if (blocks > UINT64_MAX - position)
        return gan__fail(GAN_ERR_OVERFLOW,
                         "%s: stream %d at block %llu cannot give %llu more blocks", function,
                         (int)stream, (unsigned long long)position, (unsigned long long)blocks);
    *first_block = position;
    rng->position[stream] = position + blocks;
    return GAN_OK;
}

/* 24 random bits to a float in [0, 1): every value exactly representable. */
static double unit_interval(uint32_t bits)
{
    return (double)(bits >> 8) * 0x1p-24;
}

gan_status gan__rng_uniform_slice(gan_rng *rng, gan_rng_stream stream, float *values,
                                  int64_t first, int64_t count, int64_t total, float low,
                                  float high)
{
    uint64_t base = 0;
    gan_status status = reserve_blocks("random uniform fill", rng, stream, total, &base);
    if (status != GAN_OK)
        return status;
    double width = (double)high - (double)low; /* finite in double even for ±FLT_MAX */
    float below_high = nextafterf(high, low);
    for (int64_t i = first; i < first + count;) {
        gan_philox_block bits = draw_block(rng, stream, base + (uint64_t)i / 4);
        for (int64_t lane = i % 4; lane < 4 && i < first + count; lane++, i++) {
            float value = (float)(low + width * unit_interval(bits.word[lane]));
            values[i - first] = value < high ? value : below_high; /* rounding may hit high */
        }
    }
    return GAN_OK;
}

gan_status gan__rng_uniform(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                            float low, float high)
{
    return gan__rng_uniform_slice(rng, stream, values, 0, count, count, low, high);
}

/* Box-Muller on two 32-bit words; the first maps into (0, 1) so its logarithm is finite. */
static void box_muller(uint32_t word0, uint32_t word1, double normal[2])
{
    const double two_pi = 6.283185307179586476925286766559;
    double radius = sqrt(-2.0 * log(((double)word0 + 0.5) * 0x1p-32));
    double angle = two_pi * ((double)word1 * 0x1p-32);
    normal[0] = radius * cos(angle);
    normal[1] = radius * sin(angle);
}

gan_status gan__rng_normal_slice(gan_rng *rng, gan_rng_stream stream, float *values,
                                 int64_t first, int64_t count, int64_t total, float mean,
                                 float std)
{
    uint64_t base = 0;
    gan_status status = reserve_blocks("random normal fill", rng, stream, total, &base);
    if (status != GAN_OK)
        return status;
    for (int64_t i = first; i < first + count;) {
        gan_philox_block bits = draw_block(rng, stream, base + (uint64_t)i / 4);
        double normal[4];
        box_muller(bits.word[0], bits.word[1], normal);
        box_muller(bits.word[2], bits.word[3], normal + 2);
        for (int64_t lane = i % 4; lane < 4 && i < first + count; lane++, i++)
            values[i - first] = (float)(mean + std * normal[lane]);
    }
    return GAN_OK;
}

gan_status gan__rng_normal(gan_rng *rng, gan_rng_stream stream, float *values, int64_t count,
                           float mean, float std)
{
    return gan__rng_normal_slice(rng, stream, values, 0, count, count, mean, std);
}

gan_status gan_rng_fill_uniform(gan_rng *rng, gan_rng_stream stream, gan_tensor *tensor,
                                float low, float high)
{
    gan_status status = check_stream(__func__, rng, stream);
    if (status != GAN_OK)
        return status;
    if (!tensor)
        return gan__null(__func__, "tensor");
    if (!isfinite(low) || !isfinite(high) || !(low < high))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: bounds [%g, %g) must be finite with low < high", __func__,
                         (double)low, (double)high);
    return gan__rng_uniform(rng, stream, tensor->data, tensor->numel, low, high);
}

gan_status gan_rng_fill_normal(gan_rng *rng, gan_rng_stream stream, gan_tensor *tensor,
                               float mean, float std)
{
    gan_status status = check_stream(__func__, rng, stream);
    if (status != GAN_OK)
        return status;
    if (!tensor)
        return gan__null(__func__, "tensor");
    if (!isfinite(mean) || !isfinite(std) || std < 0.0f)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: mean %g and std %g must be finite, std >= 0", __func__,
                         (double)mean, (double)std);
    return gan__rng_normal(rng, stream, tensor->data, tensor->numel, mean, std);
}
