#include "workload.h"

#include <stdlib.h>
#include <string.h>

#include "flops.h"
#include "mnist/dcgan.h"
#include "sgemm.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

enum { LATENT = MNIST_DCGAN_LATENT /* 100, for every generator */, SGEMM_SIZE = 2048 };

typedef enum kind { TRAIN, GENERATE, SGEMM } kind;
static const char *const kind_names[] = {"train", "generate", "sgemm"};

typedef gan_status (*build_fn)(gan_model *generator, gan_model *discriminator);

typedef struct spec {
    const char *name;
    kind kind;
    int64_t batch;
    build_fn build;
    gan_init init;
    bench_multiply_fn multiply; /* sgemm: whose GEMM */
} spec;

struct workload {
    const spec *spec;
    gan_model *g_model, *d_model;
    gan_generator *generator;
    gan_discriminator *discriminator;
    gan_optim *g_optim, *d_optim;
    gan_rng *rng;
    gan_trainer *trainer;
    gan_dataset *dataset;
    gan_tensor *real;             /* train: the real batch */
    gan_tensor *latent, *samples; /* generate */
    gan_tensor *a, *b, *c;        /* sgemm */
};

/* Appends the layer a constructor made (through `layer`), or frees it; returns the first
 * failure. The arguments are evaluated before the call, so *layer is the new layer. */
static gan_status add(gan_model *model, gan_status made, gan_layer **layer)
{
    if (made == GAN_OK && (made = gan_model_add(model, *layer)) != GAN_OK)
        gan_layer_free(*layer);
    return made;
}

/* Dense layers from widths[0] to widths[count - 1], LeakyReLU(slope) between them. */
static gan_status dense_stack(gan_model *model, const int64_t *widths, int count, float slope)
{
    gan_layer *layer = NULL;
    gan_status status = GAN_OK;
    for (int i = 0; status == GAN_OK && i + 1 < count; i++) {
        if (i > 0)
            status = add(model, gan_layer_leaky_relu(&layer, slope), &layer);
        if (status == GAN_OK)
            status = add(model, gan_layer_dense(&layer, widths[i], widths[i + 1], 1), &layer);
    }
    return status;
}

/* The seeds' fully connected GANs: G latent -> ... -> 784 -> Tanh -> [1, 28, 28] and
 * D Flatten -> 784 -> ... -> 1 (a logit). */
static gan_status mlp_gan(gan_model *g, gan_model *d, const int64_t *g_widths, int g_count,
                          const int64_t *d_widths, int d_count, float slope)
{
    gan_layer *layer = NULL;
    gan_status status = dense_stack(g, g_widths, g_count, slope);
    if (status == GAN_OK)
        status = add(g, gan_layer_tanh(&layer), &layer);
    if (status == GAN_OK)
        status = add(g, gan_layer_reshape(&layer, 3, (const int64_t[]){1, 28, 28}), &layer);
    if (status == GAN_OK)
        status = add(d, gan_layer_flatten(&layer), &layer);
    if (status == GAN_OK)
        status = dense_stack(d, d_widths, d_count, slope);
    return status;
}

/* W1: G 100 -> 128 -> 784, D 784 -> 128 -> 1, LeakyReLU 0.01. */
static gan_status build_w1(gan_model *g, gan_model *d)
{
    static const int64_t g_widths[] = {LATENT, 128, 784}, d_widths[] = {784, 128, 1};
    return mlp_gan(g, d, g_widths, COUNT(g_widths), d_widths, COUNT(d_widths), 0.01f);
}

/* W2: G 100 -> 256 -> 512 -> 784, D 784 -> 256 -> 256 -> 1, LeakyReLU 0.2. */
static gan_status build_w2(gan_model *g, gan_model *d)
{
    static const int64_t g_widths[] = {LATENT, 256, 512, 784}, d_widths[] = {784, 256, 256, 1};
    return mlp_gan(g, d, g_widths, COUNT(g_widths), d_widths, COUNT(d_widths), 0.2f);
}

/* In the order of WORKLOAD_NAMES. */
static const spec specs[] = {
    {"sgemm", SGEMM, 1, NULL, GAN_INIT_PYTORCH, bench_sgemm},
    {"sgemm-libgan", SGEMM, 1, NULL, GAN_INIT_PYTORCH, bench_sgemm_libgan},
    {"W1", TRAIN, 64, build_w1, GAN_INIT_PYTORCH, NULL},
    {"W2", TRAIN, 128, build_w2, GAN_INIT_PYTORCH, NULL},
    {"W3-b64", TRAIN, 64, mnist_dcgan_build, GAN_INIT_DCGAN, NULL},
    {"W3-b256", TRAIN, 256, mnist_dcgan_build, GAN_INIT_DCGAN, NULL},
    {"W3-gen-b1", GENERATE, 1, mnist_dcgan_build, GAN_INIT_DCGAN, NULL},
    {"W3-gen-b256", GENERATE, 256, mnist_dcgan_build, GAN_INIT_DCGAN, NULL},
};

static gan_status init_layers(gan_model *model, gan_init init, gan_rng *rng)
{
    gan_status status = GAN_OK;
    for (int i = 0; status == GAN_OK && i < gan_model_layer_count(model); i++)
        status = gan_layer_set_init(gan_model_layer(model, i), init);
    return status == GAN_OK ? gan_model_init_parameters(model, rng) : status;
}

/* Adam(2e-4, 0.5, 0.999) for both models, non-saturating BCE, real batches from MNIST's
 * training images in [-1, 1], reshuffled every epoch, every batch full. */
static gan_status new_trainer(workload *w, const char *images)
{
    gan_status status = gan_dataset_load_idx(&w->dataset, images, NULL, GAN_PIXELS_SYMMETRIC);
    if (status == GAN_OK)
        status = gan_dataset_set_int(w->dataset, GAN_DATASET_DROP_LAST, 1);
    if (status == GAN_OK)
        status = gan_discriminator_new(&w->discriminator, w->d_model);
    gan_optim **optims[2] = {&w->g_optim, &w->d_optim};
    gan_model *models[2] = {w->g_model, w->d_model};
    for (int i = 0; status == GAN_OK && i < 2; i++) {
        status = gan_optim_new(optims[i], GAN_OPTIM_ADAM, models[i]);
        if (status == GAN_OK)
            status = gan_optim_set_float(*optims[i], GAN_OPTIM_LR, 2e-4f);
        if (status == GAN_OK)
            status = gan_optim_set_float(*optims[i], GAN_OPTIM_BETA1, 0.5f);
    }
    if (status == GAN_OK)
        status = gan_trainer_new(&w->trainer, w->generator, w->discriminator, w->g_optim,
                                 w->d_optim, GAN_OBJECTIVE_NON_SATURATING, w->rng);
    if (status == GAN_OK)
        status = gan_tensor_new(&w->real, 4, (const int64_t[]){w->spec->batch, 1, 28, 28});
    return status;
}

/* The generator alone, in evaluation mode, on a fixed batch of latent vectors. */
static gan_status new_generation(workload *w)
{
    gan_model_free(w->d_model); /* not part of it */
    w->d_model = NULL;
    gan_status status = gan_model_set_training(w->g_model, 0);
    if (status == GAN_OK)
        status = gan_tensor_new(&w->latent, 2, (const int64_t[]){w->spec->batch, LATENT});
    if (status == GAN_OK)
        status = gan_rng_fill_normal(w->rng, GAN_RNG_NOISE, w->latent, 0.0f, 1.0f);
    if (status == GAN_OK)
        status = gan_tensor_new(&w->samples, 4, (const int64_t[]){w->spec->batch, 1, 28, 28});
    return status;
}

static gan_status new_models(workload *w)
{
    gan_status status = gan_model_new(&w->g_model);
    if (status == GAN_OK)
        status = gan_model_new(&w->d_model);
    if (status == GAN_OK)
        status = w->spec->build(w->g_model, w->d_model);
    if (status == GAN_OK)
        status = gan_model_set_input_shape(w->d_model, 3, (const int64_t[]){1, 28, 28});
    if (status == GAN_OK)
        status = init_layers(w->g_model, w->spec->init, w->rng);
    if (status == GAN_OK)
        status = init_layers(w->d_model, w->spec->init, w->rng);
    if (status == GAN_OK)
        status = gan_generator_new(&w->generator, w->g_model, LATENT, GAN_LATENT_NORMAL);
    return status;
}

/* Three n x n matrices, A and B uniform in [-1, 1]. */
static gan_status new_sgemm(workload *w)
{
    const int64_t shape[2] = {SGEMM_SIZE, SGEMM_SIZE};
    gan_status status = gan_tensor_new(&w->a, 2, shape);
    if (status == GAN_OK)
        status = gan_tensor_new(&w->b, 2, shape);
    if (status == GAN_OK)
        status = gan_tensor_new(&w->c, 2, shape);
    if (status == GAN_OK)
        status = gan_rng_fill_uniform(w->rng, GAN_RNG_NOISE, w->a, -1.0f, 1.0f);
    if (status == GAN_OK)
        status = gan_rng_fill_uniform(w->rng, GAN_RNG_NOISE, w->b, -1.0f, 1.0f);
    return status;
}

static const spec *find_spec(const char *name)
{
    for (int i = 0; i < COUNT(specs); i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

int workload_known(const char *name)
{
    return find_spec(name) != NULL;
}

const char *workload_kind(const char *name)
{
    return kind_names[find_spec(name)->kind];
}

int64_t workload_batch(const char *name)
{
    return find_spec(name)->batch;
}

gan_status workload_new(workload **out, const char *name, const char *images)
{
    *out = NULL;
    const spec *found = find_spec(name);
    workload *w = calloc(1, sizeof *w);
    if (!w)
        return GAN_ERR_OUT_OF_MEMORY;
    w->spec = found;
    gan_status status = gan_rng_new(&w->rng, 1);
    if (status == GAN_OK && found->kind == SGEMM)
        status = new_sgemm(w);
    else if (status == GAN_OK)
        status = new_models(w);
    if (status == GAN_OK && found->kind == TRAIN)
        status = new_trainer(w, images);
    if (status == GAN_OK && found->kind == GENERATE)
        status = new_generation(w);
    if (status != GAN_OK)
        workload_free(w);
    else
        *out = w;
    return status;
}

void workload_free(workload *w)
{
    if (!w)
        return;
    gan_trainer_free(w->trainer);
    gan_optim_free(w->g_optim);
    gan_optim_free(w->d_optim);
    gan_generator_free(w->generator);
    gan_discriminator_free(w->discriminator);
    gan_model_free(w->g_model);
    gan_model_free(w->d_model);
    gan_dataset_free(w->dataset);
    gan_rng_free(w->rng);
    gan_tensor *tensors[] = {w->real, w->latent, w->samples, w->a, w->b, w->c};
    for (int i = 0; i < COUNT(tensors); i++)
        gan_tensor_free(tensors[i]);
    free(w);
}

gan_status workload_join(workload *w, int world, workload_join_fn join, void *context)
{
    if (w->spec->kind != TRAIN || world < 1 || w->spec->batch % world != 0)
        return GAN_ERR_INVALID_ARGUMENT;
    gan_tensor_free(w->real);
    w->real = NULL;
    gan_status status =
        gan_tensor_new(&w->real, 4, (const int64_t[]){w->spec->batch / world, 1, 28, 28});
    return status == GAN_OK ? join(context, w->trainer, w->dataset, w->g_model, w->d_model)
                            : status;
}

gan_status workload_step(workload *w)
{
    if (w->spec->kind == SGEMM) {
        w->spec->multiply(SGEMM_SIZE, gan_tensor_data(w->a), gan_tensor_data(w->b),
                          gan_tensor_data(w->c));
        return GAN_OK;
    }
    if (w->spec->kind == GENERATE)
        return gan_generator_generate(w->generator, w->latent, w->samples);
    int64_t delivered = 0; /* always the whole batch: GAN_DATASET_DROP_LAST */
    gan_status status = gan_dataset_next_batch(w->dataset, w->rng, w->real, NULL, &delivered);
    return status == GAN_OK ? gan_trainer_step(w->trainer, w->real) : status;
}

gan_status workload_flop(workload *w, double *flop)
{
    const spec *s = w->spec;
    pass_flops g, d;
    gan_status status;
    if (s->kind == SGEMM) {
        *flop = 2.0 * SGEMM_SIZE * SGEMM_SIZE * (double)SGEMM_SIZE;
        return GAN_OK;
    }
    if ((status = count_pass_flops(w->g_model, &g)) != GAN_OK)
        return status;
    if (s->kind == GENERATE) {
        *flop = (double)s->batch * g.forward;
        return GAN_OK;
    }
    if ((status = count_pass_flops(w->d_model, &d)) != GAN_OK)
        return status;
    *flop = (double)s->batch * train_step_flops(g, d);
    return GAN_OK;
}
