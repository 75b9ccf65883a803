/*
 * Data-parallel training without MPI: two trainers on two threads, each sharded
 * (gan_trainer_set_shard) and fed its half of every global batch, with a gradient hook
 * that averages their gradients through shared memory, train as one trainer on the whole
 * batch: the same parameters to 1e-5 after 20 steps, and bitwise the same on both ranks.
 * With BatchNorm in both players, the same holds when a sum hook synchronises the batch
 * statistics (gan_trainer_set_batchnorm_sync), and fails without it. A failing hook fails
 * the step, which is undone.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>

#include "test_support.h"

enum { WORLD = 2, LOCAL = 4, GLOBAL = WORLD * LOCAL, STEPS = 20, LATENT = 6, FEATURES = 5,
       MAX_PARAMS = 256, MAX_SUMS = 32 };

/* One process of the world: its models, optimizers and trainer. */
typedef struct process {
    gan_model *g_model, *d_model;
    gan_generator *g;
    gan_discriminator *d;
    gan_optim *g_optim, *d_optim;
    gan_rng *rng;
    gan_trainer *trainer;
} process;

/* Dense, [BatchNorm1d,] LeakyReLU, Dense[, Tanh]. A Dense before BatchNorm has no bias, as in
 * DCGAN: its gradient would be rounding noise, which Adam would turn into full steps. */
static gan_model *mlp(int64_t in, int64_t hidden, int64_t out, int tanh_out, bool batchnorm)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_dense(&layer, in, hidden, !batchnorm), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    if (batchnorm) {
        assert_status(gan_layer_batchnorm1d(&layer, hidden), GAN_OK);
        assert_status(gan_model_add(model, layer), GAN_OK);
    }
    assert_status(gan_layer_leaky_relu(&layer, 0.2f), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_add(model, new_dense(hidden, out, NULL)), GAN_OK);
    if (tanh_out) {
        assert_status(gan_layer_tanh(&layer), GAN_OK);
        assert_status(gan_model_add(model, layer), GAN_OK);
    }
    return model;
}

/* Every process starts from the same seed, hence the same parameters. */
static void process_new(process *p, bool batchnorm)
{
    memset(p, 0, sizeof *p);
    p->g_model = mlp(LATENT, 12, FEATURES, 1, batchnorm);
    p->d_model = mlp(FEATURES, 10, 1, 0, batchnorm);
    assert_status(gan_rng_new(&p->rng, 3), GAN_OK);
    assert_status(gan_model_init_parameters(p->g_model, p->rng), GAN_OK);
    assert_status(gan_model_init_parameters(p->d_model, p->rng), GAN_OK);
    assert_status(gan_generator_new(&p->g, p->g_model, LATENT, GAN_LATENT_NORMAL), GAN_OK);
    assert_status(gan_discriminator_new(&p->d, p->d_model), GAN_OK);
    assert_status(gan_optim_new(&p->g_optim, GAN_OPTIM_ADAM, p->g_model), GAN_OK);
    assert_status(gan_optim_new(&p->d_optim, GAN_OPTIM_ADAM, p->d_model), GAN_OK);
    assert_status(gan_trainer_new(&p->trainer, p->g, p->d, p->g_optim, p->d_optim,
                                  GAN_OBJECTIVE_NON_SATURATING, p->rng), GAN_OK);
}

static void process_free(process *p)
{
    gan_trainer_free(p->trainer);
    gan_optim_free(p->g_optim);
    gan_optim_free(p->d_optim);
    gan_generator_free(p->g);
    gan_discriminator_free(p->d);
    gan_model_free(p->g_model);
    gan_model_free(p->d_model);
    gan_rng_free(p->rng);
}

/* Rows [first, first + rows) of step `step`'s global real batch. */
static void real_rows(gan_tensor *real, int step, int64_t first, int64_t rows)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t f = 0; f < FEATURES; f++)
            gan_tensor_data(real)[r * FEATURES + f] =
                0.8f * sinf(0.37f * (float)((first + r) * FEATURES + f) + 0.11f * (float)step);
}

/* The all-reduce of two threads: each writes its gradients to its slot, then both average
 * the slots in the same order, so both get the same bits. */
typedef struct shared_memory {
    pthread_barrier_t barrier;
    float slots[WORLD][MAX_PARAMS];
    double sums[WORLD][MAX_SUMS];
} shared_memory;

typedef struct rank_context {
    shared_memory *shared;
    int rank;
    process process;
} rank_context;

static gan_status average(void *user_data, int player, float *gradients, size_t count)
{
    (void)player;
    rank_context *context = user_data;
    shared_memory *shared = context->shared;
    if (count > MAX_PARAMS)
        return GAN_ERR_SHAPE;
    memcpy(shared->slots[context->rank], gradients, count * sizeof(float));
    pthread_barrier_wait(&shared->barrier);
    for (size_t i = 0; i < count; i++)
        gradients[i] = (shared->slots[0][i] + shared->slots[1][i]) * 0.5f;
    pthread_barrier_wait(&shared->barrier); /* both have read before the slots are reused */
    return GAN_OK;
}

/* The BatchNorm sum hook, over the same slots' way. */
static gan_status sum(void *user_data, double *values, size_t count)
{
    rank_context *context = user_data;
    shared_memory *shared = context->shared;
    if (count > MAX_SUMS)
        return GAN_ERR_SHAPE;
    memcpy(shared->sums[context->rank], values, count * sizeof(double));
    pthread_barrier_wait(&shared->barrier);
    for (size_t i = 0; i < count; i++)
        values[i] = shared->sums[0][i] + shared->sums[1][i];
    pthread_barrier_wait(&shared->barrier);
    return GAN_OK;
}

static void *train_rank(void *argument)
{
    rank_context *context = argument;
    process *p = &context->process;
    gan_tensor *real = NULL;
    if (gan_tensor_new(&real, 2, (const int64_t[]){LOCAL, FEATURES}) != GAN_OK)
        return argument;
    for (int step = 0; step < STEPS; step++) {
        real_rows(real, step, context->rank * LOCAL, LOCAL);
        if (gan_trainer_step(p->trainer, real) != GAN_OK)
            break;
    }
    gan_tensor_free(real);
    return NULL;
}

/* |a - b| <= 1e-5 (|b| + 1e-3 max|b|): relative, with a floor for values near 0. */
static bool parameters_close(gan_model *got, gan_model *want)
{
    float *a, *b;
    size_t count;
    assert_status(gan_model_parameter_arrays(got, &a, NULL, &count), GAN_OK);
    assert_status(gan_model_parameter_arrays(want, &b, NULL, &count), GAN_OK);
    float largest = 0.0f;
    for (size_t i = 0; i < count; i++)
        largest = fmaxf(largest, fabsf(b[i]));
    for (size_t i = 0; i < count; i++)
        if (fabsf(a[i] - b[i]) > 1e-5f * (fabsf(b[i]) + 1e-3f * largest)) {
            print_message("parameter %zu: %.9g against %.9g\n", i, (double)a[i], (double)b[i]);
            return false;
        }
    return true;
}

/* |a - b| <= 1e-5 (|b| + 1e-3 max|b|) over the model's buffers (BatchNorm statistics). */
static bool buffers_close(gan_model *got, gan_model *want)
{
    int count = gan_model_named_buffer_count(want);
    for (int i = 0; i < count; i++) {
        const char *name;
        gan_tensor *a, *b;
        assert_status(gan_model_named_buffer(got, i, &name, &a), GAN_OK);
        assert_status(gan_model_named_buffer(want, i, &name, &b), GAN_OK);
        const float *x = gan_tensor_data_const(a), *y = gan_tensor_data_const(b);
        for (int64_t k = 0; k < gan_tensor_numel(b); k++)
            if (fabsf(x[k] - y[k]) > 1e-5f * (fabsf(y[k]) + 1e-3f))
                return false;
    }
    return true;
}

/* Trains WORLD ranks on threads and one process on the whole batch, and compares them: true
 * when every parameter and buffer agrees to 1e-5; the ranks must agree bit for bit. */
static bool world_trains_as_one_process(bool batchnorm, bool sync)
{
    static shared_memory shared;
    rank_context ranks[WORLD];
    assert_int_equal(pthread_barrier_init(&shared.barrier, NULL, WORLD), 0);
    for (int r = 0; r < WORLD; r++) {
        ranks[r].shared = &shared;
        ranks[r].rank = r;
        process_new(&ranks[r].process, batchnorm);
        gan_trainer *trainer = ranks[r].process.trainer;
        assert_status(gan_trainer_set_shard(trainer, r, WORLD), GAN_OK);
        assert_status(gan_trainer_set_gradient_hook(trainer, average, &ranks[r]), GAN_OK);
        if (sync)
            assert_status(gan_trainer_set_batchnorm_sync(trainer, sum, &ranks[r]), GAN_OK);
    }
    pthread_t threads[WORLD];
    for (int r = 0; r < WORLD; r++)
        assert_int_equal(pthread_create(&threads[r], NULL, train_rank, &ranks[r]), 0);
    for (int r = 0; r < WORLD; r++) {
        void *result = ranks;
        assert_int_equal(pthread_join(threads[r], &result), 0);
        assert_null(result);
        assert_int_equal(gan_trainer_step_count(ranks[r].process.trainer), STEPS);
    }
    pthread_barrier_destroy(&shared.barrier);

    process single;
    process_new(&single, batchnorm);
    gan_tensor *real = NULL;
    assert_status(gan_tensor_new(&real, 2, (const int64_t[]){GLOBAL, FEATURES}), GAN_OK);
    for (int step = 0; step < STEPS; step++) {
        real_rows(real, step, 0, GLOBAL);
        assert_status(gan_trainer_step(single.trainer, real), GAN_OK);
    }
    bool close = parameters_close(ranks[0].process.g_model, single.g_model) &&
                 parameters_close(ranks[0].process.d_model, single.d_model) &&
                 buffers_close(ranks[0].process.g_model, single.g_model) &&
                 buffers_close(ranks[0].process.d_model, single.d_model);

    /* The ranks agree bit for bit, and their checksums say so (unless each keeps its own
     * BatchNorm running statistics). */
    uint64_t sums[WORLD][2];
    for (int r = 0; r < WORLD; r++) {
        assert_status(gan_model_checksum(ranks[r].process.g_model, &sums[r][0]), GAN_OK);
        assert_status(gan_model_checksum(ranks[r].process.d_model, &sums[r][1]), GAN_OK);
    }
    if (!batchnorm || sync)
        assert_true(sums[0][0] == sums[1][0] && sums[0][1] == sums[1][1]);
    gan_tensor_free(real);
    process_free(&single);
    for (int r = 0; r < WORLD; r++)
        process_free(&ranks[r].process);
    return close;
}

static void two_ranks_train_as_one_process(void **state)
{
    (void)state;
    assert_true(world_trains_as_one_process(false, false));
}

/* BatchNorm with each rank's own statistics is not the whole batch's; synchronised, it is. */
static void synchronised_batchnorm_trains_as_one_process(void **state)
{
    (void)state;
    assert_false(world_trains_as_one_process(true, false));
    assert_true(world_trains_as_one_process(true, true));
}

static gan_status failing_hook(void *user_data, int player, float *gradients, size_t count)
{
    (void)gradients;
    (void)count;
    int *calls = user_data;
    ++*calls;
    return player == 0 ? GAN_ERR_IO : GAN_OK; /* D's update passes, G's fails */
}

static gan_status strange_hook(void *user_data, int player, float *gradients, size_t count)
{
    (void)user_data;
    (void)player;
    (void)gradients;
    (void)count;
    return (gan_status)42;
}

/* A hook's failure undoes the whole step; an unknown status becomes GAN_ERR_STATE. */
static void a_failing_hook_undoes_the_step(void **state)
{
    (void)state;
    process p;
    process_new(&p, false);
    gan_tensor *real = NULL;
    assert_status(gan_tensor_new(&real, 2, (const int64_t[]){LOCAL, FEATURES}), GAN_OK);
    real_rows(real, 0, 0, LOCAL);
    uint64_t g_before, d_before, g_after, d_after;
    assert_status(gan_model_checksum(p.g_model, &g_before), GAN_OK);
    assert_status(gan_model_checksum(p.d_model, &d_before), GAN_OK);
    int calls = 0;
    assert_status(gan_trainer_set_gradient_hook(p.trainer, failing_hook, &calls), GAN_OK);
    assert_status(gan_trainer_step(p.trainer, real), GAN_ERR_IO);
    assert_non_null(strstr(gan_last_error(), "gradient hook"));
    assert_int_equal(calls, 2);
    assert_status(gan_model_checksum(p.g_model, &g_after), GAN_OK);
    assert_status(gan_model_checksum(p.d_model, &d_after), GAN_OK);
    assert_true(g_before == g_after && d_before == d_after);
    assert_int_equal(gan_trainer_step_count(p.trainer), 0);
    assert_status(gan_trainer_set_gradient_hook(p.trainer, strange_hook, NULL), GAN_OK);
    assert_status(gan_trainer_step(p.trainer, real), GAN_ERR_STATE);
    assert_status(gan_trainer_set_gradient_hook(p.trainer, NULL, NULL), GAN_OK);
    assert_status(gan_trainer_step(p.trainer, real), GAN_OK);
    assert_status(gan_trainer_set_shard(p.trainer, 2, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_trainer_set_shard(p.trainer, 0, 0), GAN_ERR_INVALID_ARGUMENT);
    gan_tensor_free(real);
    process_free(&p);
}

static gan_status sum_fails_on_call(void *user_data, double *values, size_t count)
{
    (void)values;
    (void)count;
    int *calls_left = user_data;
    return --*calls_left == 0 ? GAN_ERR_IO : GAN_OK;
}

/* A BatchNorm whose sum hook fails fails its forward or backward pass, naming the layer. */
static void a_failing_sum_hook_fails_the_pass(void **state)
{
    (void)state;
    gan_model *model = mlp(3, 4, 2, 0, true);
    gan_tensor *x = NULL, *dy = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){2, 3}), GAN_OK);
    assert_status(gan_tensor_new(&dy, 2, (const int64_t[]){2, 2}), GAN_OK);
    gan_tensor_fill(x, 0.5f);
    gan_tensor_data(x)[1] = -1.0f;
    gan_tensor_fill(dy, 1.0f);
    const gan_tensor *y, *dx;
    int calls_left;
    assert_status(gan_model_set_batchnorm_sync(model, sum_fails_on_call, &calls_left), GAN_OK);
    for (int failing_call = 1; failing_call <= 2; failing_call++) { /* the two sums of forward */
        calls_left = failing_call;
        assert_status(gan_model_forward(model, x, &y), GAN_ERR_IO);
        assert_non_null(strstr(gan_last_error(), "BatchNorm synchronisation hook"));
    }
    calls_left = 3; /* backward's sum */
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, dy, 0, &dx), GAN_ERR_IO);
    assert_non_null(strstr(gan_last_error(), "model layer 1"));
    /* Evaluation passes do not synchronise; NULL removes the hook. */
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    calls_left = 1;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_set_training(model, 1), GAN_OK);
    assert_status(gan_model_set_batchnorm_sync(model, NULL, &calls_left), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    assert_status(gan_model_backward(model, dy, 0, &dx), GAN_OK);
    assert_int_equal(calls_left, 1);
    gan_tensor_free(x);
    gan_tensor_free(dy);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_ranks_train_as_one_process),
        cmocka_unit_test(synchronised_batchnorm_trains_as_one_process),
        cmocka_unit_test(a_failing_sum_hook_fails_the_pass),
        cmocka_unit_test(a_failing_hook_undoes_the_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
