/*
 * mnist_classifier: trains a LeNet-style MNIST classifier with libgan and saves it, or
 * measures a saved one on the test set (--evaluate FILE).
 *
 * The evaluation of the GAN examples classifies generated digits with this model and
 * takes the output of its layer named "features" (128 values after a ReLU) for a
 * classifier FID. So its pixels are scaled to [-1, 1], as the generators' tanh outputs are.
 *
 *   conv1 5x5 1->16 pad 2, ReLU, max-pool 2    [16, 14, 14]
 *   conv2 5x5 16->32 pad 2, ReLU, max-pool 2   [32, 7, 7]
 *   flatten, dense 1568->128, ReLU "features"  [128]
 *   dense 128->10 "logits"                     [10]
 *
 * Training: softmax cross-entropy, Adam, the learning rate divided by 10 for the last
 * --decay-epochs epochs. The defaults reproduce models/mnist-classifier.safetensors.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gan.h>

#include "mnist/options.h"
#include "mnist/quality.h"

#define NAME "mnist_classifier"

enum { CLASSES = 10, EVAL_BATCH = 100, PATH_SIZE = MNIST_PATH_SIZE };

/* The command line, with the defaults filled in. */
typedef struct options {
    int64_t epochs, decay_epochs, batch, limit;
    float lr;
    uint64_t seed;
    int threads;
    const char *data, *out, *evaluate;
} options;

static const options defaults = {
    .epochs = 8, .decay_epochs = 2, .batch = 64, .limit = 0, .lr = 1e-3f, .seed = 1,
    .threads = 2, .data = "build/data/mnist", .out = "models/mnist-classifier.safetensors",
    .evaluate = NULL,
};

/* Everything a training run owns. */
typedef struct run {
    options opt;
    gan_dataset *train, *test;
    gan_model *model;
    gan_optim *optim;
    gan_rng *rng;
    gan_tensor *images, *labels, *grad; /* one training batch, and d loss / d logits */
} run;

/* Reports a failed libgan call and leaves through `fail`. */
#define CHECK(call)                                                              \
    do {                                                                         \
        if ((call) != GAN_OK) {                                                  \
            fprintf(stderr, NAME ": %s: %s\n", #call, gan_last_error());         \
            goto fail;                                                           \
        }                                                                        \
    } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- options ------------------------------------------------------------------------- */

static void usage(void)
{
    printf("usage: " NAME " [options]\n"
           "Trains a LeNet-style MNIST classifier (softmax cross-entropy, Adam) and saves it.\n\n"
           "  --epochs N        passes over the training set (default %" PRId64 ")\n"
           "  --decay-epochs N  the last N epochs train at lr / 10 (default %" PRId64 ")\n"
           "  --batch N         images per step (default %" PRId64 ")\n"
           "  --lr X            Adam learning rate (default %g)\n"
           "  --seed N          the random seed (default %" PRIu64 ")\n"
           "  --threads N       threads for libgan and BLAS (default %d; results are\n"
           "                    bitwise reproducible for a given seed and thread count)\n"
           "  --limit N         train on N images per epoch and test on the first N test\n"
           "                    images, for quick runs (default: all)\n"
           "  --data DIR        the MNIST IDX files (default %s)\n"
           "  --out FILE        where the trained model goes (default %s)\n"
           "  --evaluate FILE   train nothing: print the test accuracy of a saved classifier\n"
           "  --help            this text\n",
           defaults.epochs, defaults.decay_epochs, defaults.batch, (double)defaults.lr,
           defaults.seed, defaults.threads, defaults.data, defaults.out);
}

/* Sets one option from its value; returns 0 (after a message) if the value is wrong. */
static int set_option(options *opt, const char *name, const char *value)
{
    int64_t number = 0;
    int ok = 1;
    if (strcmp(name, "--epochs") == 0) {
        ok = mnist_parse_int(NAME, name, value, 1, 100000, &opt->epochs);
    } else if (strcmp(name, "--decay-epochs") == 0) {
        ok = mnist_parse_int(NAME, name, value, 0, 100000, &opt->decay_epochs);
    } else if (strcmp(name, "--batch") == 0) {
        ok = mnist_parse_int(NAME, name, value, 1, 1 << 16, &opt->batch);
    } else if (strcmp(name, "--limit") == 0) {
        ok = mnist_parse_int(NAME, name, value, 1, INT64_C(1) << 40, &opt->limit);
    } else if (strcmp(name, "--seed") == 0) {
        ok = mnist_parse_int(NAME, name, value, 0, INT64_MAX, &number);
        opt->seed = (uint64_t)number;
    } else if (strcmp(name, "--threads") == 0) {
        ok = mnist_parse_int(NAME, name, value, 1, 1024, &number);
        opt->threads = (int)number;
    } else if (strcmp(name, "--lr") == 0) {
        ok = mnist_parse_float(NAME, name, value, 0.0f, 0, 1.0f, &opt->lr);
    } else if (strcmp(name, "--data") == 0) {
        opt->data = value;
    } else if (strcmp(name, "--out") == 0) {
        opt->out = value;
    } else {
        opt->evaluate = value;
    }
    return ok;
}

/* Returns 0 to go on, or the exit status: 0 after --help, 2 for a wrong option. */
static int parse_options(int argc, char **argv, options *opt)
{
    static const char *const valued[] = {"--epochs", "--decay-epochs", "--batch", "--limit",
                                         "--seed", "--threads", "--lr", "--data", "--out",
                                         "--evaluate"};
    *opt = defaults;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name = NULL, *value = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage();
            return -1;
        }
        /* Every other option takes a value. */
        if (!mnist_option_value(NAME, argc, argv, &i, valued, sizeof valued / sizeof valued[0],
                                &name, &value))
            return 2;
        if (!set_option(opt, name, value))
            return 2;
    }
    if (opt->limit > 0 && opt->limit < opt->batch) {
        fprintf(stderr, NAME ": --limit %" PRId64 " is smaller than --batch %" PRId64 "\n",
                opt->limit, opt->batch);
        return 2;
    }
    return 0;
}

/* ---- data and model ------------------------------------------------------------------ */

/* The training ("train") or test ("t10k") images with their labels, in [-1, 1]. */
static gan_status load_mnist(gan_dataset **out, const char *folder, const char *prefix)
{
    char kind[64], images[PATH_SIZE], labels[PATH_SIZE];
    snprintf(kind, sizeof kind, "%s-images", prefix);
    if (!mnist_find_idx(images, folder, kind)) /* then libgan's error names the file */
        snprintf(images, sizeof images, "%s/%s-idx3-ubyte", folder, kind);
    snprintf(kind, sizeof kind, "%s-labels", prefix);
    if (!mnist_find_idx(labels, folder, kind))
        snprintf(labels, sizeof labels, "%s/%s-idx1-ubyte", folder, kind);
    return gan_dataset_load_idx(out, images, labels, GAN_PIXELS_SYMMETRIC);
}

/* Appends the layer a constructor call makes, named, or returns the failing status. */
#define ADD(model, name, constructor_call)                                             \
    do {                                                                               \
        gan_layer *layer_ = NULL;                                                      \
        gan_status status_ = (constructor_call);                                       \
        if (status_ == GAN_OK)                                                         \
            status_ = gan_layer_set_name(layer_, name);                                \
        if (status_ == GAN_OK)                                                         \
            status_ = gan_model_add((model), layer_);                                  \
        if (status_ != GAN_OK) {                                                       \
            gan_layer_free(layer_);                                                    \
            return status_;                                                            \
        }                                                                              \
    } while (0)

static gan_status build_classifier(gan_model *model)
{
    ADD(model, "conv1", gan_layer_conv2d(&layer_, 1, 16, 5, 1, 2, 1));
    ADD(model, "relu1", gan_layer_relu(&layer_));
    ADD(model, "pool1", gan_layer_maxpool2d(&layer_, 2, 2, 0));
    ADD(model, "conv2", gan_layer_conv2d(&layer_, 16, 32, 5, 1, 2, 1));
    ADD(model, "relu2", gan_layer_relu(&layer_));
    ADD(model, "pool2", gan_layer_maxpool2d(&layer_, 2, 2, 0));
    ADD(model, "flatten", gan_layer_flatten(&layer_));
    ADD(model, "hidden", gan_layer_dense(&layer_, 32 * 7 * 7, 128, 1));
    ADD(model, "features", gan_layer_relu(&layer_)); /* the evaluation code's features */
    ADD(model, "logits", gan_layer_dense(&layer_, 128, CLASSES, 1));
    return GAN_OK;
}

/* ---- evaluation ---------------------------------------------------------------------- */

/* Rows of [n, CLASSES] logits whose largest entry (the first, on ties) is not the label. */
static int64_t misclassified(const gan_tensor *logits, const gan_tensor *labels, int64_t n)
{
    const float *x = gan_tensor_data_const(logits), *y = gan_tensor_data_const(labels);
    int64_t errors = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *row = x + i * CLASSES;
        int best = 0;
        for (int j = 1; j < CLASSES; j++)
            if (row[j] > row[best])
                best = j;
        errors += best != (int)y[i];
    }
    return errors;
}

/* Classifies the first `count` test images in evaluation mode, EVAL_BATCH at a time, and
 * leaves the model in training mode. */
static int count_errors(gan_model *model, const gan_dataset *test, int64_t count,
                        int64_t *errors)
{
    gan_tensor *images = NULL, *labels = NULL;
    int64_t shape[4];
    int rank = 0, ok = 0;
    *errors = 0;
    CHECK(gan_dataset_sample_shape(test, &rank, shape + 1, 3));
    CHECK(gan_model_set_training(model, 0));
    for (int64_t first = 0; first < count; first += EVAL_BATCH) {
        int64_t n = count - first < EVAL_BATCH ? count - first : EVAL_BATCH;
        if (!images || gan_tensor_dim(images, 0) != n) { /* the first or the short last batch */
            gan_tensor_free(images);
            gan_tensor_free(labels);
            labels = NULL;
            shape[0] = n;
            CHECK(gan_tensor_new(&images, 4, shape));
            CHECK(gan_tensor_new(&labels, 1, &n));
        }
        const gan_tensor *logits = NULL;
        CHECK(gan_dataset_copy(test, first, images, labels));
        CHECK(gan_model_forward(model, images, &logits));
        *errors += misclassified(logits, labels, n);
    }
    CHECK(gan_model_set_training(model, 1));
    ok = 1;
fail:
    gan_tensor_free(images);
    gan_tensor_free(labels);
    return ok;
}

static int64_t test_count(const options *opt, const gan_dataset *test)
{
    int64_t count = gan_dataset_count(test);
    return opt->limit > 0 && opt->limit < count ? opt->limit : count;
}

static double accuracy(int64_t errors, int64_t count)
{
    return 100.0 * (double)(count - errors) / (double)count;
}

/* --evaluate FILE: loads a classifier and prints its test accuracy. */
static int evaluate_file(const options *opt)
{
    gan_dataset *test = NULL;
    gan_model *model = NULL;
    int64_t shape[GAN_TENSOR_MAX_RANK], errors = 0;
    int rank = 0, exit_code = 1;
    CHECK(load_mnist(&test, opt->data, "t10k"));
    CHECK(gan_model_load(&model, opt->evaluate));
    CHECK(gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK));
    if (rank != 1 || shape[0] != CLASSES) {
        fprintf(stderr, NAME ": %s: the model's output is not %d logits\n", opt->evaluate,
                CLASSES);
        goto fail;
    }
    int64_t count = test_count(opt, test);
    if (!count_errors(model, test, count, &errors))
        goto fail;
    printf("test accuracy %.2f%% (%" PRId64 " errors of %" PRId64 ")\n", accuracy(errors, count),
           errors, count);
    exit_code = 0;
fail:
    gan_model_free(model);
    gan_dataset_free(test);
    return exit_code;
}

/* ---- training ------------------------------------------------------------------------ */

/* The output file's folder must be writable: find out before training, not after. */
static int check_output_folder(const char *path)
{
    char folder[PATH_SIZE];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(folder, sizeof folder, ".");
    else
        snprintf(folder, sizeof folder, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(folder, W_OK) == 0)
        return 1;
    fprintf(stderr, NAME ": cannot write %s: %s: %s\n", path, folder, strerror(errno));
    return 0;
}

static int setup(run *r)
{
    int64_t shape[4];
    int rank = 0;
    CHECK(load_mnist(&r->train, r->opt.data, "train"));
    CHECK(load_mnist(&r->test, r->opt.data, "t10k"));
    /* Every step has the same batch size; the short remainder is left out of an epoch. */
    CHECK(gan_dataset_set_int(r->train, GAN_DATASET_DROP_LAST, 1));
    CHECK(gan_dataset_sample_shape(r->train, &rank, shape + 1, 3));

    CHECK(gan_model_new(&r->model));
    CHECK(build_classifier(r->model));
    CHECK(gan_model_set_input_shape(r->model, rank, shape + 1));
    CHECK(gan_rng_new(&r->rng, r->opt.seed));
    CHECK(gan_model_init_parameters(r->model, r->rng));
    CHECK(gan_optim_new(&r->optim, GAN_OPTIM_ADAM, r->model));

    shape[0] = r->opt.batch;
    CHECK(gan_tensor_new(&r->images, 4, shape));
    CHECK(gan_tensor_new(&r->labels, 1, shape));
    CHECK(gan_tensor_new(&r->grad, 2, (const int64_t[]){r->opt.batch, CLASSES}));
    return 1;
fail:
    return 0;
}

/* One step per batch; `mean_loss` receives the mean training loss of the steps. */
static int train_epoch(run *r, int64_t steps, double *mean_loss)
{
    double sum = 0.0;
    for (int64_t step = 0; step < steps; step++) {
        const gan_tensor *logits = NULL;
        int64_t delivered = 0;
        float loss = 0.0f;
        CHECK(gan_dataset_next_batch(r->train, r->rng, r->images, r->labels, &delivered));
        CHECK(gan_model_forward(r->model, r->images, &logits));
        CHECK(gan_loss_softmax_cross_entropy(logits, r->labels, &loss, r->grad));
        CHECK(gan_model_zero_grad(r->model));
        CHECK(gan_model_backward(r->model, r->grad, 0, NULL));
        CHECK(gan_optim_step(r->optim));
        sum += loss;
    }
    *mean_loss = sum / (double)steps;
    return 1;
fail:
    return 0;
}

static int64_t train_count(const run *r)
{
    int64_t count = gan_dataset_count(r->train);
    return r->opt.limit > 0 && r->opt.limit < count ? r->opt.limit : count;
}

static int train(run *r)
{
    const options *opt = &r->opt;
    int64_t steps = train_count(r) / opt->batch, tests = test_count(opt, r->test), errors = 0;
    printf(NAME ": %" PRId64 " training images an epoch (%" PRId64 " steps of %" PRId64 "), %"
           PRId64 " test images, %" PRId64 " parameters, %d threads\n",
           steps * opt->batch, steps, opt->batch, tests, gan_model_parameter_count(r->model),
           gan_get_num_threads());
    fflush(stdout);
    double start = now();
    for (int64_t epoch = 1; epoch <= opt->epochs; epoch++) {
        double epoch_start = now(), loss = 0.0;
        float lr = epoch > opt->epochs - opt->decay_epochs ? opt->lr / 10.0f : opt->lr;
        CHECK(gan_optim_set_float(r->optim, GAN_OPTIM_LR, lr));
        if (!train_epoch(r, steps, &loss) || !count_errors(r->model, r->test, tests, &errors))
            return 0;
        printf("epoch %" PRId64 "/%" PRId64 "  lr %g  loss %.4f  test accuracy %.2f%% (%" PRId64
               " errors)  %.1f s\n",
               epoch, opt->epochs, (double)lr, loss, accuracy(errors, tests), errors,
               now() - epoch_start);
        fflush(stdout);
    }
    CHECK(gan_model_save(r->model, opt->out));
    printf(NAME ": trained in %.1f s; saved %s (test accuracy %.2f%%)\n", now() - start, opt->out,
           accuracy(errors, tests));
    return 1;
fail:
    return 0;
}

int main(int argc, char **argv)
{
    run runs = {0}, *r = &runs;
    int exit_code = 1;
    int parsed = parse_options(argc, argv, &r->opt);
    if (parsed != 0)
        return parsed < 0 ? 0 : parsed;
    CHECK(gan_set_num_threads(r->opt.threads));
    if (r->opt.evaluate)
        return evaluate_file(&r->opt);
    if (!check_output_folder(r->opt.out) || !setup(r))
        goto fail;
    if (r->opt.batch > train_count(r)) {
        fprintf(stderr, NAME ": --batch %" PRId64 " is larger than the training set (%" PRId64
                        " images)\n", r->opt.batch, train_count(r));
        exit_code = 2;
        goto fail;
    }
    if (train(r))
        exit_code = 0;
fail:
    gan_tensor_free(r->grad);
    gan_tensor_free(r->labels);
    gan_tensor_free(r->images);
    gan_optim_free(r->optim);
    gan_rng_free(r->rng);
    gan_model_free(r->model);
    gan_dataset_free(r->test);
    gan_dataset_free(r->train);
    return exit_code;
}
