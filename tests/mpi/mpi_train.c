/*
 * mpi_train: the program tests/check-mpi.sh runs under mpirun. A small GAN (MLPs, with
 * BatchNorm if asked) trains on an IDX file of 8 x 8 images through libgan-mpi, the data set
 * sharded and the gradients averaged over the world; then rank 0 writes both models, or
 * compares them with the files a run of another world size wrote, and every rank checks
 * that all hold the same bits. Options:
 *   --data FILE --batch GLOBAL --steps N [--bn] [--sync-bn] [--timeout SECONDS]
 *   --write PREFIX | --compare PREFIX [--exact]    PREFIX.g / PREFIX.d .safetensors
 *   --checkpoint FILE     rank 0 saves the training state at the end
 *   --resume FILE         every rank loads it first
 *   --die-at STEP         the last rank kills itself (SIGKILL) before that step
 *   --hang-at STEP        the last rank stops answering (pause) before that step
 * Exit status: 0, 3 when the models differ from the reference, 1 on any other failure
 * (after MPI_Abort, which ends every process).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gan-mpi.h>

enum { SIDE = 8, PIXELS = SIDE * SIDE, LATENT = 6, HIDDEN = 16, EXIT_DIFFERS = 3 };

typedef struct settings {
    const char *data, *write, *compare, *checkpoint, *resume;
    int64_t batch, steps, die_at, hang_at;
    int batchnorm, sync, exact;
    double timeout;
} settings;

typedef struct game {
    gan_model *g_model, *d_model;
    gan_generator *g;
    gan_discriminator *d;
    gan_optim *g_optim, *d_optim;
    gan_rng *rng;
    gan_trainer *trainer;
    gan_dataset *dataset;
} game;

static gan_mpi *world_handle;

/* Reports a failure with both libgan's and libgan-mpi's messages and ends every process. */
static void die(const char *what, gan_status status)
{
    fprintf(stderr, "mpi_train rank %d: %s: %s: %s\n", gan_mpi_rank(world_handle), what,
            gan_status_string(status), gan_last_error());
    if (world_handle && gan_mpi_error(world_handle)[0])
        fprintf(stderr, "mpi_train rank %d: %s\n", gan_mpi_rank(world_handle),
                gan_mpi_error(world_handle));
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

#define TRY(call)                                 \
    do {                                          \
        gan_status status_ = (call);              \
        if (status_ != GAN_OK)                    \
            die(#call, status_);                  \
    } while (0)

/* `layer` is read after the constructor call (an argument) has written it. */
static void add(gan_model *model, gan_status made, gan_layer **layer)
{
    TRY(made);
    TRY(gan_model_add(model, *layer));
}

/* [Flatten,] Dense (no bias before BatchNorm), [BatchNorm1d,] LeakyReLU, Dense[, Tanh,
 * Reshape]. */
static gan_model *mlp(int64_t in, int64_t out, int generator, int batchnorm)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    TRY(gan_model_new(&model));
    if (!generator) {
        add(model, gan_layer_flatten(&layer), &layer);
        TRY(gan_model_set_input_shape(model, 3, (const int64_t[]){1, SIDE, SIDE}));
    }
    add(model, gan_layer_dense(&layer, in, HIDDEN, !batchnorm), &layer);
    if (batchnorm)
        add(model, gan_layer_batchnorm1d(&layer, HIDDEN), &layer);
    add(model, gan_layer_leaky_relu(&layer, 0.2f), &layer);
    add(model, gan_layer_dense(&layer, HIDDEN, out, 1), &layer);
    if (generator) {
        add(model, gan_layer_tanh(&layer), &layer);
        add(model, gan_layer_reshape(&layer, 3, (const int64_t[]){1, SIDE, SIDE}), &layer);
    }
    return model;
}

static void game_new(game *p, const settings *s)
{
    memset(p, 0, sizeof *p);
    p->g_model = mlp(LATENT, PIXELS, 1, s->batchnorm);
    p->d_model = mlp(PIXELS, 1, 0, s->batchnorm);
    /* The same seed everywhere; rank 0's parameters are broadcast all the same. */
    TRY(gan_rng_new(&p->rng, 11));
    TRY(gan_model_init_parameters(p->g_model, p->rng));
    TRY(gan_model_init_parameters(p->d_model, p->rng));
    TRY(gan_generator_new(&p->g, p->g_model, LATENT, GAN_LATENT_NORMAL));
    TRY(gan_discriminator_new(&p->d, p->d_model));
    TRY(gan_optim_new(&p->g_optim, GAN_OPTIM_ADAM, p->g_model));
    TRY(gan_optim_new(&p->d_optim, GAN_OPTIM_ADAM, p->d_model));
    TRY(gan_trainer_new(&p->trainer, p->g, p->d, p->g_optim, p->d_optim,
                        GAN_OBJECTIVE_NON_SATURATING, p->rng));
    TRY(gan_dataset_load_idx(&p->dataset, s->data, NULL, GAN_PIXELS_SYMMETRIC));
    TRY(gan_dataset_set_int(p->dataset, GAN_DATASET_DROP_LAST, 1));
    TRY(gan_trainer_set_dataset(p->trainer, p->dataset));
}

static void game_free(game *p)
{
    gan_trainer_free(p->trainer);
    gan_optim_free(p->g_optim);
    gan_optim_free(p->d_optim);
    gan_generator_free(p->g);
    gan_discriminator_free(p->d);
    gan_model_free(p->g_model);
    gan_model_free(p->d_model);
    gan_rng_free(p->rng);
    gan_dataset_free(p->dataset);
}

/* The largest max|a - b| / max|b| of a tensor (the difference relative to the tensor's
 * scale: an element near 0 is compared at that scale, not its own) over the parameters and
 * buffers of `got` against the file `path` loaded into `scratch`. */
static double difference(gan_model *got, gan_model *scratch, const char *path)
{
    TRY(gan_model_load_weights(scratch, path));
    double worst = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass == 0 ? gan_model_named_parameter_count(got)
                              : gan_model_named_buffer_count(got);
        for (int i = 0; i < count; i++) {
            const char *name;
            gan_tensor *a, *b;
            if (pass == 0) {
                TRY(gan_model_named_parameter(got, i, &name, &a, NULL));
                TRY(gan_model_named_parameter(scratch, i, &name, &b, NULL));
            } else {
                TRY(gan_model_named_buffer(got, i, &name, &a));
                TRY(gan_model_named_buffer(scratch, i, &name, &b));
            }
            const float *x = gan_tensor_data(a), *y = gan_tensor_data(b);
            double largest = 0.0, apart = 0.0;
            for (int64_t k = 0; k < gan_tensor_numel(b); k++) {
                largest = fmax(largest, fabs(y[k]));
                apart = fmax(apart, fabs((double)x[k] - y[k]));
            }
            if (apart > 0.0)
                worst = fmax(worst, largest > 0.0 ? apart / largest : INFINITY);
        }
    }
    return worst;
}

static int parse(int argc, char **argv, settings *s)
{
    *s = (settings){.batch = 16, .steps = 20, .timeout = 60.0};
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(name, "--bn") == 0) s->batchnorm = 1;
        else if (strcmp(name, "--sync-bn") == 0) s->sync = 1;
        else if (strcmp(name, "--exact") == 0) s->exact = 1;
        else if (!value) return 0;
        else if (strcmp(name, "--data") == 0) s->data = argv[++i];
        else if (strcmp(name, "--write") == 0) s->write = argv[++i];
        else if (strcmp(name, "--compare") == 0) s->compare = argv[++i];
        else if (strcmp(name, "--checkpoint") == 0) s->checkpoint = argv[++i];
        else if (strcmp(name, "--resume") == 0) s->resume = argv[++i];
        else if (strcmp(name, "--batch") == 0) s->batch = atoll(argv[++i]);
        else if (strcmp(name, "--steps") == 0) s->steps = atoll(argv[++i]);
        else if (strcmp(name, "--die-at") == 0) s->die_at = atoll(argv[++i]);
        else if (strcmp(name, "--hang-at") == 0) s->hang_at = atoll(argv[++i]);
        else if (strcmp(name, "--timeout") == 0) s->timeout = atof(argv[++i]);
        else return 0;
    }
    return s->data != NULL && s->batch > 0 && s->steps > 0;
}

static void train(game *p, const settings *s, int rank, int world)
{
    gan_tensor *real = NULL;
    TRY(gan_tensor_new(&real, 4, (const int64_t[]){s->batch / world, 1, SIDE, SIDE}));
    while (gan_trainer_step_count(p->trainer) < s->steps) {
        int64_t next = gan_trainer_step_count(p->trainer) + 1, delivered = 0;
        if (rank == world - 1 && next == s->die_at)
            raise(SIGKILL);
        if (rank == world - 1 && next == s->hang_at)
            for (;;)
                pause();
        TRY(gan_dataset_next_batch(p->dataset, p->rng, real, NULL, &delivered));
        TRY(gan_trainer_step(p->trainer, real));
    }
    gan_tensor_free(real);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    settings s;
    if (!parse(argc, argv, &s)) {
        fprintf(stderr, "mpi_train: bad options (see tests/mpi/mpi_train.c)\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    TRY(gan_mpi_new(&world_handle, MPI_COMM_WORLD, s.timeout));
    int rank = gan_mpi_rank(world_handle), world = gan_mpi_world(world_handle);
    if (s.batch % world != 0)
        die("--batch must divide among the processes", GAN_ERR_INVALID_ARGUMENT);
    game p;
    game_new(&p, &s);
    if (s.resume)
        TRY(gan_trainer_load(p.trainer, s.resume));
    TRY(gan_mpi_broadcast_model(world_handle, p.g_model));
    TRY(gan_mpi_broadcast_model(world_handle, p.d_model));
    TRY(gan_mpi_attach(world_handle, p.trainer, p.dataset, s.sync ? GAN_MPI_SYNC_BATCHNORM : 0));
    train(&p, &s, rank, world);

    /* Bit for bit the same everywhere (unless each process keeps its own BatchNorm
     * statistics, which then differ). */
    int g_disagrees = -1, d_disagrees = -1;
    if (!s.batchnorm || s.sync) {
        TRY(gan_mpi_check_agreement(world_handle, p.g_model, &g_disagrees));
        TRY(gan_mpi_check_agreement(world_handle, p.d_model, &d_disagrees));
    }
    if (g_disagrees >= 0 || d_disagrees >= 0)
        die("the processes hold different models", GAN_ERR_STATE);
    if (s.checkpoint)
        TRY(gan_mpi_save_checkpoint(world_handle, p.trainer, s.checkpoint));

    int code = 0;
    char path[1024];
    if (rank == 0 && s.write) {
        snprintf(path, sizeof path, "%s.g.safetensors", s.write);
        TRY(gan_model_save(p.g_model, path));
        snprintf(path, sizeof path, "%s.d.safetensors", s.write);
        TRY(gan_model_save(p.d_model, path));
    }
    if (rank == 0 && s.compare) {
        gan_model *g = mlp(LATENT, PIXELS, 1, s.batchnorm), *d = mlp(PIXELS, 1, 0, s.batchnorm);
        snprintf(path, sizeof path, "%s.g.safetensors", s.compare);
        double worst = difference(p.g_model, g, path);
        snprintf(path, sizeof path, "%s.d.safetensors", s.compare);
        worst = fmax(worst, difference(p.d_model, d, path));
        printf("%d processes after %lld steps: largest relative difference %.3g\n", world,
               (long long)s.steps, worst);
        code = (s.exact ? worst > 0.0 : worst > 1e-5) ? EXIT_DIFFERS : 0;
        gan_model_free(g);
        gan_model_free(d);
    }
    game_free(&p);
    gan_mpi_free(world_handle);
    MPI_Finalize();
    return code;
}
