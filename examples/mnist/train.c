/*
 * The training driver of the MNIST examples: options, the loop, and the outputs.
 *
 * A run leaves in its output folder (--out):
 *   epoch-NNN.png            64 samples from fixed noise after each epoch
 *   samples.png              the same 64 samples at the end of the run
 *   stats.csv                one row per step (appended to when resuming); with
 *                            --eval-every K, every K-th row also has the classifier FID,
 *                            score and digits covered of 10 000 samples (examples/mnist/quality.h)
 *   generator.safetensors    the generator alone (gan_model_load() rebuilds it)
 *   best-generator.safetensors  with --eval-every, the generator of the best FID so far
 *   checkpoint.safetensors   the whole training state (--resume continues from it)
 * The workflow options (schedules, fine-tuning, instance noise, several discriminators,
 * early stopping, collapse alarms) are in workflow.h.
 * Ctrl-C (or SIGTERM) stops after the current step and saves a checkpoint.
 * In a data-parallel world (mnist_train_parallel) rank 0 alone writes these.
 */
#define _POSIX_C_SOURCE 200809L

#include "train.h"
#include "options.h"
#include "quality.h"
#include "workflow.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    PREVIEW_COUNT = 64, PREVIEW_COLUMNS = 8, LOG_EVERY = 100, PATH_SIZE = MNIST_PATH_SIZE,
    STATS = GAN_STAT_DIVERSITY_ALARM + 1, EXTRA_DISCRIMINATORS = 7
};

/* The command line, with the defaults filled in. */
typedef struct options {
    const char *loss;
    gan_objective objective;
    int64_t epochs, steps, batch, n_critic, eval_every, eval_samples;
    float lr, beta1, clip;
    uint64_t seed;
    int threads, small;
    const char *out, *resume, *data, *classifier;
    mnist_workflow workflow;
} options;

/* Everything a run owns. */
typedef struct run {
    const mnist_example *example;
    const mnist_parallel *parallel; /* NULL: one process */
    options opt;
    int64_t local_batch;            /* this process's share of --batch */
    gan_dataset *dataset;
    gan_model *g_model, *d_model;
    gan_generator *generator;
    gan_discriminator *discriminator;
    gan_optim *g_optim, *d_optim;
    /* --discriminators K: the ones after the first, each with its model and optimizer. */
    gan_model *extra_models[EXTRA_DISCRIMINATORS];
    gan_discriminator *extra_discriminators[EXTRA_DISCRIMINATORS];
    gan_optim *extra_optims[EXTRA_DISCRIMINATORS];
    gan_rng *rng;
    gan_trainer *trainer;
    mnist_quality *quality; /* with --eval-every */
    gan_tensor *real, *fixed_noise, *preview;
    FILE *csv;
    int64_t last_alarm_step; /* the last step a diversity warning was printed at */
    int stop_for_patience;  /* early stopping said so */
    int64_t count;          /* samples in the data set */
    double seconds_before;  /* training time of earlier runs (from the CSV) */
} run;

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- options ------------------------------------------------------------------------- */

static const struct {
    const char *name;
    gan_objective objective;
} losses[] = {
    {"bce", GAN_OBJECTIVE_NON_SATURATING},
    {"wgan", GAN_OBJECTIVE_WASSERSTEIN},
    {"lsgan", GAN_OBJECTIVE_LEAST_SQUARES},
    {"hinge", GAN_OBJECTIVE_HINGE},
};

static void usage(const mnist_example *ex)
{
    printf("usage: %s [options]\n"
           "%s.\n\n"
           "  --loss bce|wgan|lsgan|hinge  the objective (default bce: non-saturating BCE)\n"
           "  --epochs N     passes over the data set (default %" PRId64 ")\n"
           "  --steps N      stop after N steps in total, counting resumed ones (default: no limit)\n"
           "  --batch N      samples per step (default %" PRId64 ")\n"
           "  --lr X         Adam learning rate of both models (default %g)\n"
           "  --beta1 X      Adam beta1 (default %g)\n"
           "  --n-critic N   D updates per G update (default 1; 5 with --loss wgan)\n"
           "  --clip X       clamp D's weights to [-X, X] (default 0 = off; 0.01 with --loss wgan)\n"
           "  --seed N       the random seed (default 1)\n"
           "  --threads N    threads for libgan and BLAS (default: BLAS's choice)\n"
           "  --out DIR      where the outputs go (default out/%s)\n"
           "  --resume FILE  continue from a checkpoint (with the same model options)\n"
           "  --data DIR     an IDX folder: MNIST or Fashion-MNIST (default build/data/mnist)\n"
           "  --eval-every K measure sample quality every K steps (default 0 = never)\n"
           "  --eval-samples N  samples per measurement (default 10000)\n"
           "  --classifier FILE the MNIST classifier measuring them (default %s)\n",
           ex->name, ex->summary, ex->epochs, ex->batch, (double)ex->lr, (double)ex->beta1,
           ex->name, MNIST_DEFAULT_CLASSIFIER);
    if (ex->has_small)
        printf("  --small        a smaller model, for quick tests\n");
    printf("  --help         this text\n");
    mnist_workflow_usage();
    printf("\nOutputs in DIR: epoch-NNN.png and samples.png (64 samples from fixed noise),\n"
           "stats.csv, generator.safetensors, checkpoint.safetensors. With --eval-every, the\n"
           "rows of measured steps also hold the classifier FID against the MNIST test set,\n"
           "the classifier score and the digits covered (as mnist_eval reports them), and\n"
           "best-generator.safetensors keeps the generator of the best FID. Every row has G's\n"
           "diversity (its batch's spread over the real batch's) and an alarm column that\n"
           "names a collapse alarm raised at that step.\n");
}

static int is_driver_option(const char *name, const char *const *list, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (strcmp(name, list[k]) == 0)
            return 1;
    return 0;
}

/* Returns 0 to go on, or the exit status (0 after --help, 2 for a wrong option). */
static int parse_options(int argc, char **argv, const mnist_example *ex, options *opt)
{
    *opt = (options){.loss = "bce", .objective = GAN_OBJECTIVE_NON_SATURATING,
                     .epochs = ex->epochs, .steps = 0, .batch = ex->batch, .n_critic = -1,
                     .lr = ex->lr, .beta1 = ex->beta1, .clip = -1.0f, .seed = 1, .threads = 0,
                     .out = NULL, .resume = NULL, .data = "build/data/mnist",
                     .eval_every = 0, .eval_samples = 10000,
                     .classifier = MNIST_DEFAULT_CLASSIFIER};
    mnist_workflow_defaults(&opt->workflow);
    /* Every option but the flags takes a value: the driver's, then the workflow's. */
    static const char *const driver_valued[] = {"--loss", "--epochs", "--steps", "--batch",
                                                "--lr", "--beta1", "--n-critic", "--clip",
                                                "--seed", "--threads", "--out", "--resume",
                                                "--data", "--eval-every", "--eval-samples",
                                                "--classifier"};
    enum { DRIVER_VALUED = sizeof driver_valued / sizeof driver_valued[0] };
    const char *valued[DRIVER_VALUED + 32];
    size_t valued_count = 0;
    for (size_t k = 0; k < DRIVER_VALUED; k++)
        valued[valued_count++] = driver_valued[k];
    for (size_t k = 0; mnist_workflow_options[k]; k++)
        valued[valued_count++] = mnist_workflow_options[k];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(ex);
            return -1;
        }
        if (strcmp(arg, "--small") == 0 && ex->has_small) {
            opt->small = 1;
            continue;
        }
        if (strcmp(arg, "--freeze-bn-stats") == 0) {
            opt->workflow.freeze_bn_stats = 1;
            continue;
        }
        const char *name = NULL, *value = NULL;
        if (!mnist_option_value(ex->name, argc, argv, &i, valued, valued_count, &name, &value))
            return 2;
        int64_t number = 0;
        int ok = 1;
        if (strncmp(name, "--", 2) == 0 && !is_driver_option(name, driver_valued, DRIVER_VALUED)) {
            ok = mnist_workflow_parse(ex->name, name, value, &opt->workflow);
        } else if (strcmp(name, "--loss") == 0) {
            ok = 0;
            for (size_t k = 0; k < sizeof losses / sizeof losses[0]; k++)
                if (strcmp(value, losses[k].name) == 0) {
                    opt->loss = losses[k].name;
                    opt->objective = losses[k].objective;
                    ok = 1;
                }
            if (!ok)
                fprintf(stderr, "%s: %s: '%s' is not one of bce, wgan, lsgan, hinge (try --help)\n",
                        ex->name, name, value);
        } else if (strcmp(name, "--epochs") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 1, INT64_C(1) << 40, &opt->epochs);
        } else if (strcmp(name, "--steps") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 1, INT64_C(1) << 50, &opt->steps);
        } else if (strcmp(name, "--batch") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 1, 1 << 16, &opt->batch);
        } else if (strcmp(name, "--n-critic") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 1, 1000, &opt->n_critic);
        } else if (strcmp(name, "--seed") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 0, INT64_MAX, &number);
            opt->seed = (uint64_t)number;
        } else if (strcmp(name, "--threads") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 1, 1024, &number);
            opt->threads = (int)number;
        } else if (strcmp(name, "--lr") == 0) {
            ok = mnist_parse_float(ex->name, name, value, 0.0f, 0, 10.0f, &opt->lr);
        } else if (strcmp(name, "--beta1") == 0) {
            ok = mnist_parse_float(ex->name, name, value, 0.0f, 1, 0.999999f, &opt->beta1);
        } else if (strcmp(name, "--clip") == 0) {
            ok = mnist_parse_float(ex->name, name, value, 0.0f, 1, 1e6f, &opt->clip);
        } else if (strcmp(name, "--eval-every") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 0, INT64_C(1) << 50, &opt->eval_every);
        } else if (strcmp(name, "--eval-samples") == 0) {
            ok = mnist_parse_int(ex->name, name, value, 10, 10000000, &opt->eval_samples);
        } else if (strcmp(name, "--classifier") == 0) {
            opt->classifier = value;
        } else if (strcmp(name, "--out") == 0) {
            opt->out = value;
        } else if (strcmp(name, "--resume") == 0) {
            opt->resume = value;
        } else {
            opt->data = value;
        }
        if (!ok)
            return 2;
    }
    /* WGAN's critic is trained more and kept Lipschitz by clipping, as in the paper. */
    int wgan = opt->objective == GAN_OBJECTIVE_WASSERSTEIN;
    if (opt->n_critic < 0)
        opt->n_critic = wgan ? 5 : 1;
    if (opt->clip < 0.0f)
        opt->clip = wgan ? 0.01f : 0.0f;
    return mnist_workflow_check(ex->name, &opt->workflow, opt->eval_every) ? 0 : 2;
}

/* ---- files --------------------------------------------------------------------------- */

/* mkdir -p */
static int make_directories(const char *path)
{
    char buffer[PATH_SIZE];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer)
        return -1;
    for (char *p = buffer + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = saved;
            if (saved == '\0')
                return 0;
        }
    }
}

static const char *join(char buffer[PATH_SIZE], const char *folder, const char *name)
{
    snprintf(buffer, PATH_SIZE, "%s/%s", folder, name);
    return buffer;
}

static int file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static const char csv_header[] =
    "step,epoch,d_loss,g_loss,d_real,d_fake,g_grad_norm,d_grad_norm,seconds,fid,score,digits,"
    "diversity,alarm\n";
enum { CSV_SECONDS_FIELD = 8 };

/*
 * Opens stats.csv for appending. A new run starts it with the header; a resumed run keeps
 * the rows up to the checkpoint's step (later ones belong to steps that are redone) and
 * continues the clock from the last row kept.
 */
static FILE *open_csv(run *r, const char *path, int64_t resumed_step)
{
    if (resumed_step <= 0 || !file_exists(path)) {
        FILE *file = fopen(path, "w");
        if (file)
            fputs(csv_header, file);
        return file;
    }
    char temporary[PATH_SIZE + 8];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *in = fopen(path, "r"), *out = fopen(temporary, "w");
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return NULL;
    }
    char line[1024];
    while (fgets(line, sizeof line, in)) {
        long long step = 0;
        double seconds = 0.0;
        if (line[0] >= '0' && line[0] <= '9') {
            step = strtoll(line, NULL, 10);
            if (step > resumed_step)
                continue;
            const char *field = line;
            for (int k = 0; k < CSV_SECONDS_FIELD && field; k++)
                if ((field = strchr(field, ',')) != NULL)
                    field++;
            if (field)
                seconds = strtod(field, NULL);
            r->seconds_before = seconds;
        }
        fputs(line, out);
    }
    fclose(in);
    if (fclose(out) != 0 || rename(temporary, path) != 0)
        return NULL;
    return fopen(path, "a");
}

/* ---- the run ------------------------------------------------------------------------- */

/* Reports a failed call and leaves through `fail`. */
#define CHECK(call)                                                                   \
    do {                                                                              \
        gan_status status_ = (call);                                                  \
        if (status_ != GAN_OK) {                                                      \
            fprintf(stderr, "%s: %s: %s\n", r->example->name, #call, gan_last_error()); \
            goto fail;                                                                \
        }                                                                             \
    } while (0)

/* Epochs finished, from the data set's position: an epoch is over once fewer than a batch
 * of its samples are left (the short last batch is dropped). */
static int64_t epochs_done(const run *r)
{
    int64_t epoch = 0, index = 0;
    gan_dataset_position(r->dataset, &epoch, &index);
    if (index > 0 && r->count - index < r->opt.batch)
        return epoch + 1;
    return epoch;
}

/* Whether this process writes the outputs: rank 0, or the only process. */
static int writes_outputs(const run *r)
{
    return !r->parallel || r->parallel->rank == 0;
}

/* 64 samples from the fixed noise, in evaluation mode, as a PNG grid. */
static gan_status write_preview(run *r, const char *name)
{
    char path[PATH_SIZE];
    if (!writes_outputs(r))
        return GAN_OK;
    gan_status status = gan_model_set_training(r->g_model, 0);
    if (status == GAN_OK)
        status = gan_generator_generate(r->generator, r->fixed_noise, r->preview);
    gan_model_set_training(r->g_model, 1);
    if (status == GAN_OK)
        status = gan_image_write_png_grid(join(path, r->opt.out, name), r->preview,
                                          PREVIEW_COLUMNS, -1.0f, 1.0f);
    return status;
}

/* The generator and the whole training state (from rank 0 in a world). */
static gan_status save_models(run *r)
{
    char path[PATH_SIZE];
    gan_status status = GAN_OK, saved;
    if (writes_outputs(r))
        status = gan_model_save(r->g_model, join(path, r->opt.out, "generator.safetensors"));
    join(path, r->opt.out, "checkpoint.safetensors");
    if (r->parallel) /* a collective: every process takes part, whatever happened above */
        saved = r->parallel->save_checkpoint(r->parallel->context, r->trainer, path);
    else
        saved = status == GAN_OK ? gan_trainer_save(r->trainer, path) : GAN_OK;
    return status != GAN_OK ? status : saved;
}

static void format_duration(char *buffer, size_t size, double seconds)
{
    if (!(seconds >= 0.0) || seconds > 1e8)
        snprintf(buffer, size, "?");
    else if (seconds >= 3600.0)
        snprintf(buffer, size, "%dh%02dm", (int)(seconds / 3600), (int)fmod(seconds / 60, 60));
    else
        snprintf(buffer, size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
}

/* A model of the example's discriminator design, initialised, with the driver's options. */
static gan_status new_discriminator_model(run *r, int rank, const int64_t *shape, gan_model **out)
{
    gan_model *unused_g = NULL, *d = NULL;
    gan_status status = gan_model_new(&unused_g);
    if (status == GAN_OK)
        status = gan_model_new(&d);
    if (status == GAN_OK)
        status = r->example->build(unused_g, d, r->opt.small);
    for (int i = 0; status == GAN_OK && i < gan_model_layer_count(d); i++)
        status = gan_layer_set_init(gan_model_layer(d, i), r->example->init);
    if (status == GAN_OK)
        status = gan_model_set_input_shape(d, rank, shape);
    if (status == GAN_OK)
        status = gan_model_init_parameters(d, r->rng);
    gan_model_free(unused_g);
    if (status != GAN_OK)
        gan_model_free(d);
    *out = status == GAN_OK ? d : NULL;
    return status;
}

/* Adam with the options' learning rate, beta1 and schedule. */
static gan_status new_adam(run *r, gan_model *model, float lr, gan_optim **out)
{
    gan_status status = gan_optim_new(out, GAN_OPTIM_ADAM, model);
    if (status == GAN_OK)
        status = gan_optim_set_float(*out, GAN_OPTIM_LR, lr);
    if (status == GAN_OK)
        status = gan_optim_set_float(*out, GAN_OPTIM_BETA1, r->opt.beta1);
    if (status == GAN_OK)
        status = mnist_workflow_schedule(&r->opt.workflow, *out);
    return status;
}

/* --discriminators K: K - 1 more, fresh, each with its own Adam. */
static gan_status add_discriminators(run *r, int rank, const int64_t *shape)
{
    gan_status status = GAN_OK;
    for (int64_t k = 0; status == GAN_OK && k + 1 < r->opt.workflow.discriminators; k++) {
        status = new_discriminator_model(r, rank, shape, &r->extra_models[k]);
        if (status == GAN_OK)
            status = gan_discriminator_new(&r->extra_discriminators[k], r->extra_models[k]);
        if (status == GAN_OK)
            status = new_adam(r, r->extra_models[k], r->opt.lr, &r->extra_optims[k]);
        if (status == GAN_OK)
            status = gan_trainer_add_discriminator(r->trainer, r->extra_discriminators[k],
                                                   r->extra_optims[k]);
    }
    return status;
}

static int build_models(run *r)
{
    const mnist_example *ex = r->example;
    int64_t shape[3];
    int rank = 0;
    CHECK(gan_dataset_sample_shape(r->dataset, &rank, shape, 3));
    CHECK(gan_model_new(&r->g_model));
    CHECK(gan_model_new(&r->d_model));
    CHECK(ex->build(r->g_model, r->d_model, r->opt.small));
    for (int i = 0; i < gan_model_layer_count(r->g_model); i++)
        CHECK(gan_layer_set_init(gan_model_layer(r->g_model, i), ex->init));
    for (int i = 0; i < gan_model_layer_count(r->d_model); i++)
        CHECK(gan_layer_set_init(gan_model_layer(r->d_model, i), ex->init));
    CHECK(gan_model_set_input_shape(r->d_model, rank, shape));

    CHECK(gan_rng_new(&r->rng, r->opt.seed));
    CHECK(gan_model_init_parameters(r->g_model, r->rng));
    CHECK(gan_model_init_parameters(r->d_model, r->rng));
    CHECK(gan_model_set_rng(r->g_model, r->rng)); /* for Dropout layers */
    CHECK(gan_model_set_rng(r->d_model, r->rng));
    CHECK(mnist_workflow_prepare_models(&r->opt.workflow, ex->name, r->g_model, r->d_model));
    CHECK(gan_generator_new(&r->generator, r->g_model, ex->latent_size, GAN_LATENT_NORMAL));
    CHECK(gan_discriminator_new(&r->discriminator, r->d_model));

    float g_lr = r->opt.workflow.g_lr > 0.0f ? r->opt.workflow.g_lr : r->opt.lr;
    CHECK(new_adam(r, r->g_model, g_lr, &r->g_optim));
    CHECK(new_adam(r, r->d_model, r->opt.lr, &r->d_optim));
    CHECK(gan_trainer_new(&r->trainer, r->generator, r->discriminator, r->g_optim, r->d_optim,
                          r->opt.objective, r->rng));
    CHECK(add_discriminators(r, rank, shape));
    CHECK(gan_trainer_set_int(r->trainer, GAN_TRAINER_N_CRITIC, r->opt.n_critic));
    CHECK(gan_trainer_set_float(r->trainer, GAN_TRAINER_WEIGHT_CLIP, r->opt.clip));
    CHECK(mnist_workflow_trainer(&r->opt.workflow, r->trainer));
    CHECK(gan_trainer_set_dataset(r->trainer, r->dataset));

    /* Tensors: a batch of real images, and the fixed noise of the previews, drawn once
     * from a generator of its own so that it is the same in every epoch and every run. */
    int64_t batch_shape[4] = {r->local_batch, shape[0], shape[1], shape[2]};
    CHECK(gan_tensor_new(&r->real, 4, batch_shape));
    gan_rng *preview_rng = NULL;
    CHECK(gan_rng_new(&preview_rng, r->opt.seed ^ UINT64_C(0x9e3779b97f4a7c15)));
    gan_status status = gan_tensor_new(&r->fixed_noise, 2,
                                       (const int64_t[]){PREVIEW_COUNT, ex->latent_size});
    if (status == GAN_OK)
        status = gan_rng_fill_normal(preview_rng, GAN_RNG_NOISE, r->fixed_noise, 0.0f, 1.0f);
    gan_rng_free(preview_rng);
    CHECK(status);
    int64_t out_shape[GAN_TENSOR_MAX_RANK] = {PREVIEW_COUNT};
    int out_rank = 0;
    CHECK(gan_model_output_shape(r->g_model, &out_rank, out_shape + 1, GAN_TENSOR_MAX_RANK - 1));
    CHECK(gan_tensor_new(&r->preview, out_rank + 1, out_shape));
    return 1;
fail:
    return 0;
}

/*
 * The periodic evaluation of step `step`: the CSV's fid, score and digits fields, early
 * stopping's verdict (a new best generator is saved; running out of patience ends the run)
 * and the coverage alarm, which goes into `alarm`.
 */
static int evaluate(run *r, int64_t step, int tty, char *alarm, size_t alarm_size)
{
    const options *opt = &r->opt;
    char path[PATH_SIZE];
    mnist_quality_result q;
    CHECK(mnist_quality_of_generator(r->quality, r->generator, opt->eval_samples, opt->seed, &q));
    fprintf(r->csv, "%.6g,%.6g,%" PRId64 ",", q.fid, q.score, q.classes_present);
    printf("%sstep %" PRId64 ": classifier FID %.3f, score %.3f, %" PRId64 " digits\n",
           tty ? "\n" : "", step, q.fid, q.score, q.classes_present);
    unsigned verdict = 0;
    CHECK(gan_trainer_record_evaluation(r->trainer, q.fid,
                                        (double)q.classes_present / MNIST_CLASSES, &verdict));
    if (verdict & GAN_EVALUATION_IMPROVED)
        CHECK(gan_model_save(r->g_model, join(path, opt->out, "best-generator.safetensors")));
    if (verdict & GAN_EVALUATION_COVERAGE_ALARM) {
        snprintf(alarm + strlen(alarm), alarm_size - strlen(alarm), "%scoverage",
                 alarm[0] ? "+" : "");
        printf("%s: WARNING: step %" PRId64 ": the samples cover %" PRId64 " digits, fewer than "
               "--coverage-alarm %" PRId64 ": is G collapsing onto a few modes?\n",
               r->example->name, step, q.classes_present, opt->workflow.coverage_alarm);
    }
    if (verdict & GAN_EVALUATION_STOP) {
        double best;
        int64_t best_step, since;
        CHECK(gan_trainer_best_evaluation(r->trainer, &best, &best_step, &since));
        printf("%s: early stop at step %" PRId64 ": the FID has not improved by more than %g "
               "for %" PRId64 " evaluations; the best, %.3f at step %" PRId64 ", is in %s\n",
               r->example->name, step, (double)opt->workflow.min_improvement, since, best,
               best_step, join(path, opt->out, "best-generator.safetensors"));
        r->stop_for_patience = 1;
    }
    return 1;
fail:
    return 0;
}

/* The diversity alarm of the last step: into `alarm`, and a warning at most every
 * LOG_EVERY steps. */
static void check_diversity(run *r, int64_t step, float diversity, float raised, char *alarm,
                            size_t alarm_size)
{
    if (raised == 0.0f)
        return;
    snprintf(alarm, alarm_size, "diversity");
    if (r->last_alarm_step > 0 && step - r->last_alarm_step < LOG_EVERY)
        return;
    r->last_alarm_step = step;
    printf("%s: WARNING: step %" PRId64 ": G's samples spread %.3f times as much as the real "
           "ones, below --diversity-alarm %g: mode collapse?\n", r->example->name, step,
           (double)diversity, (double)r->opt.workflow.diversity_alarm);
}

/* Whether the run ends now: Ctrl-C or early stopping, on any process of a world. */
static gan_status should_stop(run *r, int *stop)
{
    *stop = stop_requested || r->stop_for_patience;
    return r->parallel ? r->parallel->any(r->parallel->context, stop) : GAN_OK;
}

static int train(run *r)
{
    const options *opt = &r->opt;
    const char *name = r->example->name;
    char path[PATH_SIZE], text[64];
    int tty = isatty(STDOUT_FILENO);
    int64_t steps_per_epoch = r->count / opt->batch;
    int64_t target = opt->epochs * steps_per_epoch;
    if (opt->steps > 0 && opt->steps < target)
        target = opt->steps;
    int64_t first_step = gan_trainer_step_count(r->trainer);
    int64_t done_epochs = epochs_done(r);
    int64_t skipped = 0;
    float stats[STATS] = {0};
    double start = now(), last_print = 0.0, eval_seconds = 0.0; /* eval time is not training */

    char processes[48] = "";
    if (r->parallel)
        snprintf(processes, sizeof processes, " in each of %d processes", r->parallel->world);
    printf("%s: %s, %" PRId64 " images, batch %" PRId64 " (%" PRId64 " steps an epoch), loss %s, "
           "%d threads%s; step %" PRId64 " of %" PRId64 "\n",
           name, opt->data, r->count, opt->batch, steps_per_epoch, opt->loss, gan_get_num_threads(),
           processes, first_step, target);
    fflush(stdout);

    int stop = 0;
    CHECK(should_stop(r, &stop));
    while (!stop && gan_trainer_step_count(r->trainer) < target && done_epochs < opt->epochs) {
        int64_t delivered = 0, epoch = 0, index = 0;
        CHECK(gan_dataset_next_batch(r->dataset, r->rng, r->real, NULL, &delivered));
        gan_dataset_position(r->dataset, &epoch, &index);
        int64_t batch_epoch = index == 0 ? epoch : epoch + 1; /* counted from 1 */
        gan_status status = gan_trainer_step(r->trainer, r->real);
        /* Not finite: nothing changed, go on with the next batch; in a world the run fails
         * (the others' collectives would wait for a step this process skipped). */
        if (status == GAN_ERR_NUMERIC && !r->parallel) {
            skipped++;
            fprintf(stderr, "%s: skipped a step: %s\n", name, gan_last_error());
            CHECK(should_stop(r, &stop));
            continue;
        }
        CHECK(status);

        int64_t step = gan_trainer_step_count(r->trainer);
        for (int s = 0; s < STATS; s++)
            CHECK(gan_trainer_get_stat(r->trainer, (gan_trainer_stat)s, &stats[s]));
        char alarm[32] = "";
        check_diversity(r, step, stats[GAN_STAT_DIVERSITY], stats[GAN_STAT_DIVERSITY_ALARM],
                        alarm, sizeof alarm);
        double elapsed = now() - start - eval_seconds;
        if (r->csv)
            fprintf(r->csv, "%" PRId64 ",%" PRId64 ",%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.3f,", step,
                batch_epoch, (double)stats[GAN_STAT_D_LOSS], (double)stats[GAN_STAT_G_LOSS],
                (double)stats[GAN_STAT_D_REAL], (double)stats[GAN_STAT_D_FAKE],
                (double)stats[GAN_STAT_G_GRAD_NORM], (double)stats[GAN_STAT_D_GRAD_NORM],
                r->seconds_before + elapsed);
        if (r->quality && step % opt->eval_every == 0) {
            double eval_start = now();
            if (!evaluate(r, step, tty, alarm, sizeof alarm))
                goto fail;
            eval_seconds += now() - eval_start;
        } else if (r->csv) {
            fputs(",,,", r->csv);
        }
        if (r->csv) {
            fprintf(r->csv, "%.6g,%s\n", (double)stats[GAN_STAT_DIVERSITY], alarm);
            fflush(r->csv);
        }
        CHECK(should_stop(r, &stop));

        int64_t now_done = epochs_done(r);
        int epoch_end = now_done > done_epochs;
        done_epochs = now_done;
        int last = step >= target || stop;
        int64_t this_run = step - first_step;
        double rate = (double)this_run / elapsed; /* steps per second */
        format_duration(text, sizeof text, (double)(target - step) / rate);
        char line[256];
        snprintf(line, sizeof line,
                 "epoch %" PRId64 " step %" PRId64 "/%" PRId64 "  %.0f samples/s  D %.4f  G %.4f  "
                 "D(x) %.3f  D(G(z)) %.3f  ETA %s",
                 batch_epoch, step, target, rate * (double)opt->batch,
                 (double)stats[GAN_STAT_D_LOSS], (double)stats[GAN_STAT_G_LOSS],
                 (double)stats[GAN_STAT_D_REAL], (double)stats[GAN_STAT_D_FAKE], text);
        if (tty) {
            if (elapsed - last_print >= 0.2 || epoch_end || last) {
                printf("\r%s\033[K", line);
                last_print = elapsed;
            }
        } else if (step % LOG_EVERY == 0 || epoch_end || last) {
            printf("%s\n", line);
        }

        if (epoch_end) {
            snprintf(text, sizeof text, "epoch-%03" PRId64 ".png", batch_epoch);
            CHECK(write_preview(r, text));
            CHECK(save_models(r));
            printf("%sepoch %" PRId64 " done: %s, checkpoint saved\n", tty ? "\n" : "",
                   batch_epoch, join(path, opt->out, text));
        }
        fflush(stdout);
    }
    if (tty)
        printf("\n");

    CHECK(write_preview(r, "samples.png"));
    CHECK(save_models(r));
    int64_t step = gan_trainer_step_count(r->trainer);
    if (skipped > 0)
        printf("%s: %" PRId64 " steps skipped (a loss or gradient was not finite)\n", name, skipped);
    if (stop_requested) {
        printf("%s: stopped at step %" PRId64 "; checkpoint saved to %s\n"
               "  go on with: %s --resume %s [the same options]\n",
               name, step, join(path, opt->out, "checkpoint.safetensors"), name, path);
    } else {
        format_duration(text, sizeof text, now() - start);
        printf("%s: %" PRId64 " steps done in %s; outputs in %s/: samples.png, stats.csv, "
               "generator.safetensors, checkpoint.safetensors\n",
               name, step - first_step, text, opt->out);
    }
    return 1;
fail:
    if (tty)
        printf("\n");
    return 0;
}

int mnist_train_main(int argc, char **argv, const mnist_example *example)
{
    return mnist_train_parallel(argc, argv, example, NULL);
}

int mnist_train_parallel(int argc, char **argv, const mnist_example *example,
                         const mnist_parallel *parallel)
{
    run runs = {.example = example, .parallel = parallel}, *r = &runs;
    char path[PATH_SIZE], default_out[PATH_SIZE];
    int exit_code = 1;
    int parsed = parse_options(argc, argv, example, &r->opt);
    if (parsed != 0)
        return parsed < 0 ? 0 : parsed;
    if (!r->opt.out) {
        snprintf(default_out, sizeof default_out, "out/%s", example->name);
        r->opt.out = default_out;
    }

    if (r->opt.threads > 0)
        CHECK(gan_set_num_threads(r->opt.threads));
    if (!mnist_find_idx(path, r->opt.data, "train-images")) {
        fprintf(stderr, "%s: no train-images-idx3-ubyte[.gz] in %s (scripts/fetch-mnist.sh "
                        "downloads MNIST)\n", example->name, r->opt.data);
        return 1;
    }
    CHECK(gan_dataset_load_idx(&r->dataset, path, NULL, GAN_PIXELS_SYMMETRIC));
    CHECK(gan_dataset_set_int(r->dataset, GAN_DATASET_DROP_LAST, 1));
    r->count = gan_dataset_count(r->dataset);
    if (r->opt.batch > r->count) {
        fprintf(stderr, "%s: --batch %" PRId64 " is larger than the data set (%" PRId64
                        " images)\n", example->name, r->opt.batch, r->count);
        exit_code = 2;
        goto fail;
    }
    r->local_batch = r->opt.batch;
    if (parallel) {
        if (r->opt.batch % parallel->world != 0) {
            fprintf(stderr, "%s: --batch %" PRId64 " does not divide among %d processes\n",
                    example->name, r->opt.batch, parallel->world);
            exit_code = 2;
            goto fail;
        }
        r->local_batch = r->opt.batch / parallel->world;
    }
    if (!build_models(r))
        goto fail;
    if (r->opt.eval_every > 0 && writes_outputs(r)) {
        char message[512];
        gan_status status = mnist_quality_open(&r->quality, r->opt.classifier, r->opt.data,
                                               message, sizeof message);
        if (status != GAN_OK) {
            fprintf(stderr, "%s: --eval-every: %s\n", example->name,
                    message[0] ? message : gan_last_error());
            goto fail;
        }
    }
    if (r->opt.resume) {
        CHECK(gan_trainer_load(r->trainer, r->opt.resume));
        printf("%s: resumed from %s at step %" PRId64 "\n", example->name, r->opt.resume,
               gan_trainer_step_count(r->trainer));
    }
    if (parallel) {
        gan_model *models[2 + EXTRA_DISCRIMINATORS] = {r->g_model, r->d_model};
        int count = 2;
        for (int k = 0; k < EXTRA_DISCRIMINATORS && r->extra_models[k]; k++)
            models[count++] = r->extra_models[k];
        CHECK(parallel->attach(parallel->context, r->trainer, r->dataset, models, count));
    }
    if (make_directories(r->opt.out) != 0) {
        fprintf(stderr, "%s: cannot create %s: %s\n", example->name, r->opt.out, strerror(errno));
        goto fail;
    }
    if (writes_outputs(r))
        r->csv = open_csv(r, join(path, r->opt.out, "stats.csv"),
                          gan_trainer_step_count(r->trainer));
    if (writes_outputs(r) && !r->csv) {
        fprintf(stderr, "%s: cannot write %s: %s\n", example->name, path, strerror(errno));
        goto fail;
    }

    /* Ctrl-C and SIGTERM end the run after the current step; a second Ctrl-C kills it. */
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    if (train(r))
        exit_code = 0;

fail:
    if (r->csv && fclose(r->csv) != 0 && exit_code == 0) {
        fprintf(stderr, "%s: writing stats.csv failed\n", example->name);
        exit_code = 1;
    }
    mnist_quality_free(r->quality);
    gan_tensor_free(r->preview);
    gan_tensor_free(r->fixed_noise);
    gan_tensor_free(r->real);
    gan_trainer_free(r->trainer);
    gan_optim_free(r->g_optim);
    gan_optim_free(r->d_optim);
    for (int k = 0; k < EXTRA_DISCRIMINATORS; k++) {
        gan_optim_free(r->extra_optims[k]);
        gan_discriminator_free(r->extra_discriminators[k]);
        gan_model_free(r->extra_models[k]);
    }
    gan_generator_free(r->generator);
    gan_discriminator_free(r->discriminator);
    gan_model_free(r->g_model);
    gan_model_free(r->d_model);
    gan_rng_free(r->rng);
    gan_dataset_free(r->dataset);
    return exit_code;
}
