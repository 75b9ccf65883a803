/* The fuzz targets' fixed models and trainers (fuzz_fixtures.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_fixtures.h"
#include "fuzz_support.h"

/* ---- models ------------------------------------------------------------------------------ */

/* Adds the layer a constructor just made (read through `layer` after the call). */
static void add(gan_model *model, gan_status status, gan_layer **layer, const char *name)
{
    fuzz_require(status == GAN_OK, "fixture layer: %s", gan_status_string(status));
    if (name)
        fuzz_require(gan_layer_set_name(*layer, name) == GAN_OK, "gan_layer_set_name");
    fuzz_require(gan_model_add(model, *layer) == GAN_OK, "gan_model_add");
}

static void set_input_shape(gan_model *model, int rank, const int64_t *shape)
{
    fuzz_require(gan_model_set_input_shape(model, rank, shape) == GAN_OK,
                 "gan_model_set_input_shape");
}

/* [1, 6, 6] through every layer kind but Embedding and BatchNorm1d, named and unnamed. */
static void add_conv_layers(gan_model *model)
{
    gan_layer *layer = NULL;
    add(model, gan_layer_conv2d(&layer, 1, 2, 3, 1, 1, 1), &layer, "conv");    /* [2, 6, 6] */
    add(model, gan_layer_batchnorm2d(&layer, 2), &layer, NULL);
    add(model, gan_layer_leaky_relu(&layer, 0.2f), &layer, NULL);
    add(model, gan_layer_maxpool2d(&layer, 2, 2, 0), &layer, NULL);             /* [2, 3, 3] */
    add(model, gan_layer_upsample(&layer, 2), &layer, NULL);                    /* [2, 6, 6] */
    add(model, gan_layer_conv_transpose2d(&layer, 2, 1, 4, 2, 1, 0, 0), &layer, "up"); /* [1, 12, 12] */
    add(model, gan_layer_layernorm(&layer, 3, (const int64_t[]){1, 12, 12}), &layer, NULL);
    add(model, gan_layer_avgpool2d(&layer, 2, 2, 0), &layer, NULL);             /* [1, 6, 6] */
    add(model, gan_layer_relu(&layer), &layer, NULL);
    add(model, gan_layer_flatten(&layer), &layer, NULL);                        /* [36] */
    add(model, gan_layer_dropout(&layer, 0.25f), &layer, NULL);
    add(model, gan_layer_dense(&layer, 36, 4, 1), &layer, "head");
    add(model, gan_layer_reshape(&layer, 3, (const int64_t[]){1, 2, 2}), &layer, NULL);
    add(model, gan_layer_tanh(&layer), &layer, NULL);
    set_input_shape(model, 3, (const int64_t[]){1, 6, 6});
}

static void add_model_layers(gan_model *model, int which)
{
    gan_layer *layer = NULL;
    switch (which) {
    case 0: /* the weights of tests/corpus/safetensors/valid-weights.safetensors */
        add(model, gan_layer_dense(&layer, 2, 2, 1), &layer, NULL);
        break;
    case 1: /* the model of tests/corpus/safetensors/valid-model.safetensors */
        add(model, gan_layer_dense(&layer, 2, 3, 1), &layer, NULL);
        add(model, gan_layer_batchnorm1d(&layer, 3), &layer, NULL);
        break;
    case 2:
        add_conv_layers(model);
        break;
    default:
        add(model, gan_layer_embedding(&layer, 5, 3), &layer, "embed");
        add(model, gan_layer_dense(&layer, 3, 2, 0), &layer, NULL);
        add(model, gan_layer_sigmoid(&layer), &layer, NULL);
        set_input_shape(model, 1, (const int64_t[]){1});
        break;
    }
}

gan_model *fixture_model(int which)
{
    gan_model *model = NULL;
    gan_rng *rng = NULL;
    fuzz_require(gan_model_new(&model) == GAN_OK, "gan_model_new");
    add_model_layers(model, which);
    fuzz_require(gan_rng_new(&rng, 100u + (unsigned)which) == GAN_OK, "gan_rng_new");
    fuzz_require(gan_model_init_parameters(model, rng) == GAN_OK, "gan_model_init_parameters");
    gan_rng_free(rng);
    return model;
}

const char *fixture_model_name(int which)
{
    static const char *const names[FIXTURE_MODEL_COUNT] = {"linear", "linear-batchnorm", "conv",
                                                           "embedding"};
    return names[which];
}

/* ---- trainers ---------------------------------------------------------------------------- */

enum { LATENT = 4, FEATURES = 3, BATCH = 4, DATASET_COUNT = 6 };

/* in -> hidden -> BatchNorm1d -> LeakyReLU -> out (-> Tanh) */
static gan_model *mlp(int64_t in, int64_t hidden, int64_t out, bool tanh_out)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    fuzz_require(gan_model_new(&model) == GAN_OK, "gan_model_new");
    add(model, gan_layer_dense(&layer, in, hidden, 1), &layer, NULL);
    add(model, gan_layer_batchnorm1d(&layer, hidden), &layer, NULL);
    add(model, gan_layer_leaky_relu(&layer, 0.2f), &layer, NULL);
    add(model, gan_layer_dense(&layer, hidden, out, 1), &layer, NULL);
    if (tanh_out)
        add(model, gan_layer_tanh(&layer), &layer, NULL);
    return model;
}

/* A data set of DATASET_COUNT 2 x 2 images with labels, for the checkpoint's position. */
static gan_dataset *small_dataset(void)
{
    static const unsigned char images[] = {0, 0, 8, 3, 0, 0, 0, DATASET_COUNT, 0, 0, 0, 2, 0, 0, 0, 2,
                                           1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                           13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
    static const unsigned char labels[] = {0, 0, 8, 1, 0, 0, 0, DATASET_COUNT, 0, 1, 2, 3, 4, 5};
    const char *paths[2] = {fuzz_temp_path("fixture-images.idx"),
                            fuzz_temp_path("fixture-labels.idx")};
    const unsigned char *contents[2] = {images, labels};
    size_t sizes[2] = {sizeof images, sizeof labels};
    static bool written; /* once per process: the files do not change */
    for (int f = 0; f < 2 && !written; f++) {
        FILE *file = fopen(paths[f], "wb");
        fuzz_require(file && fwrite(contents[f], 1, sizes[f], file) == sizes[f] &&
                         fclose(file) == 0, "writing %s", paths[f]);
    }
    written = true;
    gan_dataset *dataset = NULL;
    fuzz_require(gan_dataset_load_idx(&dataset, paths[0], paths[1], GAN_PIXELS_SYMMETRIC) == GAN_OK,
                 "gan_dataset_load_idx");
    return dataset;
}

typedef struct game_recipe {
    const char *name;
    gan_optim_kind g_kind, d_kind;
    gan_objective objective;
    bool dataset;
} game_recipe;

static const game_recipe recipes[FIXTURE_GAME_COUNT] = {
    {"adam-nonsaturating-dataset", GAN_OPTIM_ADAM, GAN_OPTIM_ADAM, GAN_OBJECTIVE_NON_SATURATING, true},
    {"sgd-rmsprop-wasserstein", GAN_OPTIM_SGD, GAN_OPTIM_RMSPROP, GAN_OBJECTIVE_WASSERSTEIN, false},
    {"sgd-adamw-hinge", GAN_OPTIM_SGD, GAN_OPTIM_ADAMW, GAN_OBJECTIVE_HINGE, false},
};

const char *fixture_game_name(int which)
{
    return recipes[which].name;
}

static void set_optim_float(gan_optim *optim, gan_optim_option option, float value)
{
    fuzz_require(gan_optim_set_float(optim, option, value) == GAN_OK, "gan_optim_set_float");
}

/* Options that give each optimizer's state arrays something to hold. */
static void configure_optims(fixture_game *game, int which)
{
    set_optim_float(game->g_optim, GAN_OPTIM_LR, 1e-2f);
    set_optim_float(game->d_optim, GAN_OPTIM_LR, 5e-3f);
    if (which == 1) {
        set_optim_float(game->g_optim, GAN_OPTIM_MOMENTUM, 0.9f); /* SGD with a momentum buffer */
        fuzz_require(gan_optim_set_int(game->d_optim, GAN_OPTIM_CENTERED, 1) == GAN_OK,
                     "gan_optim_set_int");
    }
    if (which == 0)
        set_optim_float(game->d_optim, GAN_OPTIM_MAX_GRAD_NORM, 1.0f);
}

void fixture_game_new(fixture_game *game, int which)
{
    const game_recipe *recipe = &recipes[which];
    memset(game, 0, sizeof *game);
    game->g_model = mlp(LATENT, 8, FEATURES, true);
    game->d_model = mlp(FEATURES, 6, 1, false);
    fuzz_require(gan_rng_new(&game->rng, 11u + (unsigned)which) == GAN_OK, "gan_rng_new");
    fuzz_require(gan_model_init_parameters(game->g_model, game->rng) == GAN_OK &&
                     gan_model_init_parameters(game->d_model, game->rng) == GAN_OK,
                 "gan_model_init_parameters");
    fuzz_require(gan_generator_new(&game->generator, game->g_model, LATENT, GAN_LATENT_NORMAL) ==
                     GAN_OK, "gan_generator_new");
    fuzz_require(gan_discriminator_new(&game->discriminator, game->d_model) == GAN_OK,
                 "gan_discriminator_new");
    fuzz_require(gan_optim_new(&game->g_optim, recipe->g_kind, game->g_model) == GAN_OK &&
                     gan_optim_new(&game->d_optim, recipe->d_kind, game->d_model) == GAN_OK,
                 "gan_optim_new");
    configure_optims(game, which);
    fuzz_require(gan_trainer_new(&game->trainer, game->generator, game->discriminator,
                                 game->g_optim, game->d_optim, recipe->objective, game->rng) ==
                     GAN_OK, "gan_trainer_new");
    if (recipe->dataset) {
        game->dataset = small_dataset();
        fuzz_require(gan_trainer_set_dataset(game->trainer, game->dataset) == GAN_OK,
                     "gan_trainer_set_dataset");
    }
    fuzz_require(gan_tensor_new(&game->real, 2, (const int64_t[]){BATCH, FEATURES}) == GAN_OK,
                 "gan_tensor_new");
    float *real = gan_tensor_data(game->real);
    for (int i = 0; i < BATCH * FEATURES; i++)
        real[i] = (float)((i * 7) % 11) / 11.0f - 0.4f;
}

void fixture_game_free(fixture_game *game)
{
    gan_trainer_free(game->trainer);
    gan_dataset_free(game->dataset);
    gan_optim_free(game->g_optim);
    gan_optim_free(game->d_optim);
    gan_generator_free(game->generator);
    gan_discriminator_free(game->discriminator);
    gan_model_free(game->g_model);
    gan_model_free(game->d_model);
    gan_rng_free(game->rng);
    gan_tensor_free(game->real);
    memset(game, 0, sizeof *game);
}
