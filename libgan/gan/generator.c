/* The generator: a borrowed model from latent vectors [N, latent] to samples. */
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "core/random_impl.h"
#include "gan/generator_impl.h"

gan_status gan_generator_new(gan_generator **out, gan_model *model, int64_t latent_size,
                             gan_latent_distribution distribution)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!model)
        return gan__null(__func__, "model");
    if (latent_size < 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: latent_size is %lld; it must be >= 1",
                         __func__, (long long)latent_size);
    if (distribution != GAN_LATENT_NORMAL && distribution != GAN_LATENT_UNIFORM)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown latent distribution %d",
                         __func__, (int)distribution);
    gan_status status = gan_model_set_input_shape(model, 1, &latent_size);
    if (status != GAN_OK)
        return status;
    gan_generator *generator = gan__calloc(sizeof *generator, "generator");
    if (!generator)
        return GAN_ERR_OUT_OF_MEMORY;
    generator->model = model;
    generator->latent_size = latent_size;
    generator->distribution = distribution;
    *out = generator;
    return GAN_OK;
}

void gan_generator_free(gan_generator *generator)
{
    if (!generator)
        return;
    gan__free(generator->latent_data);
    gan__free(generator);
}

gan_model *gan_generator_model(gan_generator *generator)
{
    if (!generator) {
        gan__null(__func__, "generator");
        return NULL;
    }
    return generator->model;
}

int64_t gan_generator_latent_size(const gan_generator *generator)
{
    if (!generator) {
        gan__null(__func__, "generator");
        return -1;
    }
    return generator->latent_size;
}

gan_status gan__generator_draw_latent(gan_generator *generator, gan_rng *rng, int64_t count)
{
    return gan__generator_draw_latent_slice(generator, rng, count, 0, 1);
}

gan_status gan__generator_draw_latent_slice(gan_generator *generator, gan_rng *rng,
                                            int64_t count, int64_t rank, int64_t world)
{
    if (count > generator->latent_capacity) {
        size_t floats;
        int64_t total;
        if (!gan__mul_i64(count, generator->latent_size, &total) ||
            !gan__mul_size((size_t)total, sizeof(float), &floats))
            return gan__fail(GAN_ERR_OVERFLOW, "%lld latent vectors of %lld are too many",
                             (long long)count, (long long)generator->latent_size);
        float *grown = gan__alloc(floats, "latent vectors");
        if (!grown)
            return GAN_ERR_OUT_OF_MEMORY;
        gan__free(generator->latent_data);
        generator->latent_data = grown;
        generator->latent_capacity = count;
    }
    gan__tensor_view(&generator->latent, generator->latent_data, 2,
                     (const int64_t[]){count, generator->latent_size});
    float *values = generator->latent_data;
    int64_t n = count * generator->latent_size, total;
    if (!gan__mul_i64(n, world, &total))
        return gan__fail(GAN_ERR_OVERFLOW, "%lld latent vectors on each of %lld processes are "
                         "too many", (long long)count, (long long)world);
    return generator->distribution == GAN_LATENT_NORMAL
               ? gan__rng_normal_slice(rng, GAN_RNG_NOISE, values, rank * n, n, total, 0.0f, 1.0f)
               : gan__rng_uniform_slice(rng, GAN_RNG_NOISE, values, rank * n, n, total, -1.0f,
                                        1.0f);
}

/* @p target has the shape the generator makes, @p rank dimensions of @p shape. */
static gan_status check_samples_shape(const char *function, const gan_tensor *target, int rank,
                                      const int64_t *shape)
{
    if (target->rank == rank && memcmp(target->shape, shape, (size_t)rank * sizeof(int64_t)) == 0)
        return GAN_OK;
    char want[GAN_SHAPE_TEXT_CAPACITY], got[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE, "%s: the samples tensor is %s; the generator makes %s",
                     function, gan__shape_text(got, target->rank, target->shape),
                     gan__shape_text(want, rank, shape));
}

gan_status gan__copy_output(const char *function, const gan_tensor *output, gan_tensor *target)
{
    gan_status status = check_samples_shape(function, target, output->rank, output->shape);
    if (status == GAN_OK)
        memcpy(target->data, output->data, (size_t)output->numel * sizeof(float));
    return status;
}

/* The model's pass on @p latent, copied into @p samples; errors name @p function. */
static gan_status generate(const char *function, gan_generator *generator,
                           const gan_tensor *latent, gan_tensor *samples)
{
    const gan_tensor *output = NULL;
    gan_status status = gan_model_forward(generator->model, latent, &output);
    return status == GAN_OK ? gan__copy_output(function, output, samples) : status;
}

gan_status gan_generator_generate(gan_generator *generator, const gan_tensor *latent,
                                  gan_tensor *samples)
{
    if (!generator)
        return gan__null(__func__, "generator");
    if (!latent)
        return gan__null(__func__, "latent");
    if (!samples)
        return gan__null(__func__, "samples");
    return generate(__func__, generator, latent, samples);
}

/* @p samples is [N, the model's output shape...]: checked before latent vectors are sized
 * for N, which a tensor without elements can make as large as it likes. */
static gan_status check_samples_for(const gan_generator *generator, const gan_tensor *samples)
{
    int rank;
    int64_t shape[GAN_TENSOR_MAX_RANK] = {samples->shape[0]};
    gan_status status = gan_model_output_shape(generator->model, &rank, shape + 1,
                                               GAN_TENSOR_MAX_RANK - 1);
    return status == GAN_OK ? check_samples_shape("gan_generator_sample", samples, rank + 1, shape)
                            : status;
}

gan_status gan_generator_sample(gan_generator *generator, gan_rng *rng, gan_tensor *samples)
{
    if (!generator)
        return gan__null(__func__, "generator");
    if (!rng)
        return gan__null(__func__, "rng");
    if (!samples)
        return gan__null(__func__, "samples");
    if (samples->rank < 2 || samples->shape[0] < 1)
        return gan__fail(GAN_ERR_SHAPE, "%s: the samples tensor needs a batch dimension of at "
                         "least 1 and a sample shape", __func__);
    gan_status status = check_samples_for(generator, samples);
    if (status != GAN_OK)
        return status;
    /* A failed call (no memory for the pass, a samples tensor of the wrong shape) leaves the
     * noise stream where it was, so a retry draws the same latent vectors. */
    uint64_t position = 0;
    gan_rng_get_position(rng, GAN_RNG_NOISE, &position); /* cannot fail: rng is not NULL */
    status = gan__generator_draw_latent(generator, rng, samples->shape[0]);
    if (status == GAN_OK)
        status = generate(__func__, generator, &generator->latent, samples);
    if (status != GAN_OK)
        gan_rng_set_position(rng, GAN_RNG_NOISE, position);
    return status;
}
