/*
 * Two threads using libgan at once (docs/architecture.md, "Threads and handles": a handle is
 * used by one thread at a time; different handles may be used on different threads at once).
 * Two small convolutional GANs train, save and reload checkpoints on two threads at the same
 * time, and must end bitwise where the same training ends when run alone; the error message
 * is per thread; the process-wide state (allocator hooks, live-block count, thread count) is
 * only read while the threads run. `make check-tsan` runs this under ThreadSanitizer, which
 * fails the run on any data race in libgan; `make check` runs it as a plain test.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "file_test_support.h"

enum { LATENT = 8, SIDE = 8, BATCH = 8, STEPS = 16 };

/* ---- a thread-safe counting allocator ------------------------------------------------ */

/* The counting allocator of test_support.h is not thread-safe; this one counts with atomics,
 * so both threads' blocks go through the same hooks and every one must come back. */
static atomic_long shared_live, shared_calls;

static void *atomic_counting_alloc(void *user_data, size_t size, size_t alignment)
{
    (void)user_data;
    void *ptr = NULL;
    if (posix_memalign(&ptr, alignment, size) != 0)
        return NULL;
    atomic_fetch_add(&shared_live, 1);
    atomic_fetch_add(&shared_calls, 1);
    return ptr;
}

static void atomic_counting_free(void *user_data, void *ptr)
{
    (void)user_data;
    atomic_fetch_sub(&shared_live, 1);
    free(ptr);
}

/* Group set-up: that allocator, and a temporary folder for the checkpoints. */
static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(strcpy(temp_dir, "/tmp/libgan-threads-XXXXXX")))
        return -1;
    return gan_set_allocator(atomic_counting_alloc, atomic_counting_free, NULL) == GAN_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(temp_dir);
    if (atomic_load(&shared_live) != 0) {
        print_error("%ld libgan blocks leaked\n", atomic_load(&shared_live));
        return -1;
    }
    return gan_set_allocator(NULL, NULL, NULL) == GAN_OK ? 0 : -1;
}

/* ---- a small convolutional GAN ------------------------------------------------------- */

typedef struct gan_run {
    uint64_t seed;
    char checkpoint[1024];   /* saved after half the steps, then loaded into a fresh run */
    pthread_barrier_t *start; /* if set, both threads step only once both are set up */
    gan_model *g_model, *d_model;
    gan_rng *rng;
    gan_generator *g;
    gan_discriminator *d;
    gan_optim *g_optim, *d_optim;
    gan_trainer *trainer;
    gan_tensor *real;
    float *weights;          /* G's and D's parameters at the end (malloc) */
    size_t weight_count;
    char failure[256];       /* the first failed call, for the main thread to report */
} gan_run;

/* Records the first failure of `call` (threads cannot use cmocka's assertions). */
#define RUN_CHECK(run, call)                                                          \
    do {                                                                              \
        gan_status status_ = (call);                                                  \
        if (status_ != GAN_OK && !(run)->failure[0])                                  \
            snprintf((run)->failure, sizeof (run)->failure, "%s: %s", #call,          \
                     gan_last_error());                                               \
    } while (0)

/* `layer` is read after the constructor ran: the call's arguments are evaluated in any order. */
static void add_layer(gan_run *run, gan_model *model, gan_status status, gan_layer **layer)
{
    RUN_CHECK(run, status);
    if (status == GAN_OK)
        RUN_CHECK(run, gan_model_add(model, *layer));
}

/* G: z[8] -> Dense -> BatchNorm1d -> ReLU -> [4, 4, 4] -> Upsample x2 -> Conv2d 3x3 ->
 * BatchNorm2d -> LeakyReLU -> ConvTranspose2d 3x3 (stride 1) -> Tanh: [1, 8, 8].
 * D: Conv2d 4x4 stride 2 -> LeakyReLU -> AvgPool2d 2 -> Flatten -> Dropout -> Dense -> 1. */
static void build_models(gan_run *run)
{
    gan_layer *layer = NULL;
    RUN_CHECK(run, gan_model_new(&run->g_model));
    RUN_CHECK(run, gan_model_new(&run->d_model));
    if (run->failure[0])
        return;
    gan_model *g = run->g_model, *d = run->d_model;
    add_layer(run, g, gan_layer_dense(&layer, LATENT, 64, 0), &layer);
    add_layer(run, g, gan_layer_batchnorm1d(&layer, 64), &layer);
    add_layer(run, g, gan_layer_relu(&layer), &layer);
    add_layer(run, g, gan_layer_reshape(&layer, 3, (const int64_t[]){4, 4, 4}), &layer);
    add_layer(run, g, gan_layer_upsample(&layer, 2), &layer);
    add_layer(run, g, gan_layer_conv2d(&layer, 4, 3, 3, 1, 1, 0), &layer);
    add_layer(run, g, gan_layer_batchnorm2d(&layer, 3), &layer);
    add_layer(run, g, gan_layer_leaky_relu(&layer, 0.2f), &layer);
    add_layer(run, g, gan_layer_conv_transpose2d(&layer, 3, 1, 3, 1, 1, 0, 1), &layer);
    add_layer(run, g, gan_layer_tanh(&layer), &layer);
    add_layer(run, d, gan_layer_conv2d(&layer, 1, 4, 4, 2, 1, 1), &layer);
    add_layer(run, d, gan_layer_leaky_relu(&layer, 0.2f), &layer);
    add_layer(run, d, gan_layer_avgpool2d(&layer, 2, 2, 0), &layer);
    add_layer(run, d, gan_layer_flatten(&layer), &layer);
    add_layer(run, d, gan_layer_dropout(&layer, 0.25f), &layer);
    add_layer(run, d, gan_layer_dense(&layer, 4 * 2 * 2, 1, 1), &layer);
    RUN_CHECK(run, gan_model_set_input_shape(d, 3, (const int64_t[]){1, SIDE, SIDE}));
}

/* Models, optimizers, trainer (with an EMA of G) and a fixed real batch, from the seed. */
static void run_setup(gan_run *run)
{
    build_models(run);
    RUN_CHECK(run, gan_rng_new(&run->rng, run->seed));
    RUN_CHECK(run, gan_model_init_parameters(run->g_model, run->rng));
    RUN_CHECK(run, gan_model_init_parameters(run->d_model, run->rng));
    RUN_CHECK(run, gan_generator_new(&run->g, run->g_model, LATENT, GAN_LATENT_NORMAL));
    RUN_CHECK(run, gan_discriminator_new(&run->d, run->d_model));
    RUN_CHECK(run, gan_optim_new(&run->g_optim, GAN_OPTIM_ADAM, run->g_model));
    RUN_CHECK(run, gan_optim_new(&run->d_optim, GAN_OPTIM_ADAM, run->d_model));
    RUN_CHECK(run, gan_trainer_new(&run->trainer, run->g, run->d, run->g_optim, run->d_optim,
                                   GAN_OBJECTIVE_NON_SATURATING, run->rng));
    RUN_CHECK(run, gan_trainer_set_float(run->trainer, GAN_TRAINER_EMA_DECAY, 0.9f));
    RUN_CHECK(run, gan_tensor_new(&run->real, 4, (const int64_t[]){BATCH, 1, SIDE, SIDE}));
    if (run->failure[0])
        return;
    float *real = gan_tensor_data(run->real);
    for (int i = 0; i < BATCH * SIDE * SIDE; i++)
        real[i] = 0.8f * sinf(0.37f * (float)i + (float)run->seed);
}

static void run_teardown(gan_run *run)
{
    gan_trainer_free(run->trainer);
    gan_optim_free(run->g_optim);
    gan_optim_free(run->d_optim);
    gan_generator_free(run->g);
    gan_discriminator_free(run->d);
    gan_model_free(run->g_model);
    gan_model_free(run->d_model);
    gan_rng_free(run->rng);
    gan_tensor_free(run->real);
    run->trainer = NULL;
    run->g_optim = run->d_optim = NULL;
    run->g = NULL;
    run->d = NULL;
    run->g_model = run->d_model = NULL;
    run->rng = NULL;
    run->real = NULL;
}

static void keep_weights(gan_run *run)
{
    float *g, *d, *grads;
    size_t g_count = 0, d_count = 0;
    RUN_CHECK(run, gan_model_parameter_arrays(run->g_model, &g, &grads, &g_count));
    RUN_CHECK(run, gan_model_parameter_arrays(run->d_model, &d, &grads, &d_count));
    if (run->failure[0])
        return;
    run->weights = malloc((g_count + d_count) * sizeof(float));
    if (!run->weights) {
        snprintf(run->failure, sizeof run->failure, "out of memory");
        return;
    }
    memcpy(run->weights, g, g_count * sizeof(float));
    memcpy(run->weights + g_count, d, d_count * sizeof(float));
    run->weight_count = g_count + d_count;
}

/* Half the steps, a checkpoint, a fresh trainer that loads it, the other half; the final
 * weights are kept. Everything a run touches is its own. */
static void *train(void *argument)
{
    gan_run *run = argument;
    run_setup(run);
    if (run->start)
        pthread_barrier_wait(run->start);
    for (int step = 0; step < STEPS / 2 && !run->failure[0]; step++)
        RUN_CHECK(run, gan_trainer_step(run->trainer, run->real));
    RUN_CHECK(run, gan_trainer_save(run->trainer, run->checkpoint));
    run_teardown(run);
    if (run->failure[0])
        return NULL;
    run_setup(run);
    RUN_CHECK(run, gan_trainer_load(run->trainer, run->checkpoint));
    for (int step = STEPS / 2; step < STEPS && !run->failure[0]; step++)
        RUN_CHECK(run, gan_trainer_step(run->trainer, run->real));
    if (!run->failure[0] && gan_trainer_step_count(run->trainer) != STEPS)
        snprintf(run->failure, sizeof run->failure, "step count %lld after loading",
                 (long long)gan_trainer_step_count(run->trainer));
    keep_weights(run);
    run_teardown(run);
    return NULL;
}

/* Runs fn(first) and fn(second) on two threads at once and waits for both. */
static void run_on_two_threads(void *(*fn)(void *), void *first, void *second)
{
    pthread_t threads[2];
    assert_int_equal(pthread_create(&threads[0], NULL, fn, first), 0);
    assert_int_equal(pthread_create(&threads[1], NULL, fn, second), 0);
    assert_int_equal(pthread_join(threads[0], NULL), 0);
    assert_int_equal(pthread_join(threads[1], NULL), 0);
}

static gan_run new_run(uint64_t seed, const char *checkpoint, pthread_barrier_t *start)
{
    gan_run run = {.seed = seed, .start = start};
    snprintf(run.checkpoint, sizeof run.checkpoint, "%s", temp_path(checkpoint));
    return run;
}

static void expect_run_succeeded(const gan_run *run)
{
    if (run->failure[0])
        fail_msg("the run with seed %llu failed: %s", (unsigned long long)run->seed, run->failure);
}

static void two_gans_train_at_once_as_they_train_alone(void **state)
{
    (void)state;
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
    gan_run alone[2] = {new_run(3, "alone-3.safetensors", NULL),
                        new_run(4, "alone-4.safetensors", NULL)};
    gan_run together[2] = {new_run(3, "together-3.safetensors", &start),
                           new_run(4, "together-4.safetensors", &start)};
    for (int i = 0; i < 2; i++) {
        train(&alone[i]);
        expect_run_succeeded(&alone[i]);
    }
    long calls_before = atomic_load(&shared_calls);
    run_on_two_threads(train, &together[0], &together[1]);
    pthread_barrier_destroy(&start);
    /* Both threads allocated through the one pair of hooks, and gave every block back. */
    assert_true(atomic_load(&shared_calls) > calls_before);
    assert_int_equal(atomic_load(&shared_live), 0);
    for (int i = 0; i < 2; i++) {
        expect_run_succeeded(&together[i]);
        assert_int_equal(together[i].weight_count, alone[i].weight_count);
        assert_memory_equal(together[i].weights, alone[i].weights,
                            alone[i].weight_count * sizeof(float));
        free(alone[i].weights);
        free(together[i].weights);
    }
}

/* ---- the error message is per thread ------------------------------------------------- */

typedef struct error_probe {
    pthread_barrier_t *barrier;
    int threads_before;           /* gan_get_num_threads() on entry */
    char initial[64];             /* gan_last_error() on entry */
    char own[256], after_other[256];
    gan_status status;
    int rank;                     /* which thread: the tensor rank it gets wrong */
} error_probe;

/* Each thread fails with a message of its own, waits until the other thread has failed
 * too, then reads its message again: it must be unchanged. */
static void *fail_and_compare(void *argument)
{
    error_probe *probe = argument;
    snprintf(probe->initial, sizeof probe->initial, "%s", gan_last_error());
    probe->threads_before = gan_get_num_threads();
    gan_tensor *tensor = NULL;
    int64_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    probe->status = gan_tensor_new(&tensor, probe->rank, dims);
    snprintf(probe->own, sizeof probe->own, "%s", gan_last_error());
    pthread_barrier_wait(probe->barrier);  /* both have failed */
    pthread_barrier_wait(probe->barrier);  /* and both have read their message */
    snprintf(probe->after_other, sizeof probe->after_other, "%s", gan_last_error());
    return NULL;
}

static void each_thread_has_its_own_error_message(void **state)
{
    (void)state;
    /* The main thread's message does not leak into new threads. */
    assert_status(gan_set_num_threads(0), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("gan_set_num_threads: 0 is outside");
    assert_status(gan_set_num_threads(1), GAN_OK);

    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    error_probe probes[2] = {{.barrier = &barrier, .rank = 9}, {.barrier = &barrier, .rank = -1}};
    run_on_two_threads(fail_and_compare, &probes[0], &probes[1]);
    pthread_barrier_destroy(&barrier);

    for (int i = 0; i < 2; i++) {
        assert_string_equal(probes[i].initial, "no error");
        assert_int_equal(probes[i].threads_before, 1);
        assert_int_equal(probes[i].status, GAN_ERR_INVALID_ARGUMENT);
        assert_string_equal(probes[i].after_other, probes[i].own);
    }
    assert_non_null(strstr(probes[0].own, "rank 9 is outside"));
    assert_non_null(strstr(probes[1].own, "rank -1 is outside"));
    assert_string_not_equal(probes[0].own, probes[1].own);
    /* The threads' failures did not touch the main thread's message. */
    assert_error_mentions("gan_set_num_threads: 0 is outside");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_gans_train_at_once_as_they_train_alone),
        cmocka_unit_test(each_thread_has_its_own_error_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
