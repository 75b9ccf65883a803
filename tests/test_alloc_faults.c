/*
 * Allocation-failure injection, SQLite-style, through the allocator hooks.
 *
 * One driver (check_operation) runs an operation once without faults (the reference: how many
 * allocations it makes, and what it produces), then for every k from 1 to that count runs it
 * on a fresh fixture with allocation k failing, once and from k on. Each failure must
 * return GAN_ERR_OUT_OF_MEMORY with a message naming "out of memory", leave everything the
 * operation may change as it was, and leave the object usable: the same operation, retried
 * without faults, gives bitwise what the reference gave. Freeing the fixture brings the
 * live-block count back to where it was, so a leak fails the test even without valgrind.
 * Operations that allocate nothing (steady-state passes and steps, the evaluation
 * arithmetic) are checked to make no allocation call at all.
 *
 * The group teardown prints the number of faults injected (docs/reliability.md).
 */
#include <stdbool.h>

#include "game_support.h"
#include "idx_test_support.h"

/* ---- what an operation changed: bytes to compare --------------------------------------------- */

typedef struct record {
    unsigned char *bytes; /* malloc'd */
    size_t count;
} record;

static void record_bytes(record *r, const void *data, size_t count)
{
    if (count == 0)
        return;
    unsigned char *grown = realloc(r->bytes, r->count + count);
    assert_non_null(grown);
    memcpy(grown + r->count, data, count);
    r->bytes = grown;
    r->count += count;
}

static void record_int(record *r, int64_t value)
{
    record_bytes(r, &value, sizeof value);
}

static void record_floats(record *r, const float *values, size_t count)
{
    record_bytes(r, values, count * sizeof(float));
}

/* Parameters, gradients (if asked), buffers and the output shape; only presence for NULL. */
static void record_model(record *r, gan_model *model, bool with_grads)
{
    record_int(r, model != NULL);
    if (!model)
        return;
    float *values, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &values, &grads, &count), GAN_OK);
    record_floats(r, values, count);
    if (with_grads)
        record_floats(r, grads, count);
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        assert_status(gan_model_named_buffer(model, i, NULL, &buffer), GAN_OK);
        record_floats(r, gan_tensor_data(buffer), (size_t)gan_tensor_numel(buffer));
    }
    int rank = 0;
    int64_t shape[GAN_TENSOR_MAX_RANK] = {0};
    record_int(r, gan_model_layer_count(model));
    record_int(r, gan_model_output_shape(model, &rank, shape, GAN_TENSOR_MAX_RANK));
    record_bytes(r, shape, sizeof shape);
}

static void record_rng(record *r, const gan_rng *rng)
{
    for (int stream = GAN_RNG_INIT; stream <= GAN_RNG_SHUFFLE; stream++) {
        uint64_t position = 0;
        assert_status(gan_rng_get_position(rng, (gan_rng_stream)stream, &position), GAN_OK);
        record_int(r, (int64_t)position);
    }
}

static void record_tensor(record *r, gan_tensor *tensor)
{
    record_int(r, tensor != NULL);
    if (tensor)
        record_floats(r, gan_tensor_data(tensor), (size_t)gan_tensor_numel(tensor));
}

/* The file's bytes (or that it is missing), and how many temporaries lie beside it. */
static void record_file(record *r, const char *path)
{
    size_t count;
    unsigned char *bytes = slurp(path, &count);
    record_int(r, bytes != NULL);
    record_bytes(r, bytes, count);
    free(bytes);
    record_int(r, count_temporaries(temp_dir));
}

/* ---- the layers of the models under test ----------------------------------------------------- */

typedef enum layer_kind {
    DENSE, CONV, CONV_T, BATCHNORM1D, BATCHNORM2D, LAYERNORM, RELU, LEAKY_RELU, TANH, SIGMOID,
    DROPOUT, FLATTEN, RESHAPE, UPSAMPLE, MAXPOOL, AVGPOOL, EMBEDDING
} layer_kind;

typedef struct layer_spec {
    layer_kind kind;
    int64_t arg[6]; /* the constructor's arguments, in order (rank first for shapes) */
} layer_spec;

static gan_status make_layer(const layer_spec *spec, gan_layer **out)
{
    const int64_t *a = spec->arg;
    switch (spec->kind) {
    case DENSE: return gan_layer_dense(out, a[0], a[1], 1);
    case CONV: return gan_layer_conv2d(out, a[0], a[1], a[2], a[3], a[4], 1);
    case CONV_T: return gan_layer_conv_transpose2d(out, a[0], a[1], a[2], a[3], a[4], a[5], 1);
    case BATCHNORM1D: return gan_layer_batchnorm1d(out, a[0]);
    case BATCHNORM2D: return gan_layer_batchnorm2d(out, a[0]);
    case LAYERNORM: return gan_layer_layernorm(out, (int)a[0], a + 1);
    case RELU: return gan_layer_relu(out);
    case LEAKY_RELU: return gan_layer_leaky_relu(out, 0.2f);
    case TANH: return gan_layer_tanh(out);
    case SIGMOID: return gan_layer_sigmoid(out);
    case DROPOUT: return gan_layer_dropout(out, 0.5f);
    case FLATTEN: return gan_layer_flatten(out);
    case RESHAPE: return gan_layer_reshape(out, (int)a[0], a + 1);
    case UPSAMPLE: return gan_layer_upsample(out, a[0]);
    case MAXPOOL: return gan_layer_maxpool2d(out, a[0], a[1], a[2]);
    case AVGPOOL: return gan_layer_avgpool2d(out, a[0], a[1], a[2]);
    case EMBEDDING: return gan_layer_embedding(out, a[0], a[1]);
    }
    fail_msg("unknown layer kind %d", (int)spec->kind);
    return GAN_ERR_INVALID_ARGUMENT;
}

enum { MAX_SPEC_LAYERS = 5 };

/* A small model: every layer kind appears in one, inside a model, between others. */
typedef struct model_spec {
    const char *name;
    int rank;                 /* of a sample */
    int64_t input[3];
    int64_t classes;          /* > 0: the input holds class indices below this */
    int layer_count;
    layer_spec layers[MAX_SPEC_LAYERS];
} model_spec;

static const model_spec model_specs[] = {
    {"Dense", 1, {6}, 0, 2, {{DENSE, {6, 4}}, {DENSE, {4, 3}}}},
    {"Conv2d", 3, {2, 5, 5}, 0, 2, {{CONV, {2, 3, 3, 1, 1}}, {CONV, {3, 2, 3, 2, 0}}}},
    {"ConvTranspose2d", 3, {2, 3, 3}, 0, 2,
     {{CONV_T, {2, 3, 4, 2, 1, 0}}, {CONV_T, {3, 1, 3, 2, 1, 1}}}},
    {"BatchNorm1d", 1, {4}, 0, 2, {{DENSE, {4, 5}}, {BATCHNORM1D, {5}}}},
    {"BatchNorm1d [C, L]", 2, {3, 4}, 0, 1, {{BATCHNORM1D, {3}}}},
    {"BatchNorm2d", 3, {2, 4, 4}, 0, 2, {{CONV, {2, 3, 3, 1, 1}}, {BATCHNORM2D, {3}}}},
    {"LayerNorm", 2, {3, 4}, 0, 1, {{LAYERNORM, {2, 3, 4}}}},
    {"MaxPool2d and AvgPool2d", 3, {2, 6, 6}, 0, 3,
     {{CONV, {2, 2, 3, 1, 1}}, {MAXPOOL, {2, 2, 0}}, {AVGPOOL, {3, 1, 1}}}},
    {"Upsample", 3, {2, 3, 3}, 0, 2, {{CONV, {2, 2, 3, 1, 1}}, {UPSAMPLE, {2}}}},
    {"Dropout", 1, {6}, 0, 2, {{DENSE, {6, 5}}, {DROPOUT, {0}}}},
    {"Embedding", 1, {1}, 4, 2, {{EMBEDDING, {4, 3}}, {DENSE, {3, 2}}}},
    {"activations", 1, {5}, 0, 5,
     {{DENSE, {5, 5}}, {RELU, {0}}, {LEAKY_RELU, {0}}, {TANH, {0}}, {SIGMOID, {0}}}},
    {"Flatten and Reshape", 3, {1, 4, 4}, 0, 4,
     {{CONV, {1, 2, 3, 1, 1}}, {FLATTEN, {0}}, {DENSE, {32, 12}}, {RESHAPE, {3, 3, 2, 2}}}},
};

enum { SPEC_COUNT = sizeof model_specs / sizeof model_specs[0] };

/* Adds a layer (when `status` says it was made and set up); the layer stays the caller's
 * when the add fails, and is freed here then. */
static gan_status adopt(gan_model *model, gan_status status, gan_layer *layer)
{
    if (status == GAN_OK)
        status = gan_model_add(model, layer);
    if (status != GAN_OK)
        gan_layer_free(layer);
    return status;
}

/* Builds the model as an application would: on failure it frees what it made. The first
 * layer is named, so files carry both kinds of parameter names. */
static gan_status build_model(const model_spec *spec, gan_rng *rng, gan_model **out)
{
    gan_model *model = NULL;
    gan_status status = gan_model_new(&model);
    for (int i = 0; status == GAN_OK && i < spec->layer_count; i++) {
        gan_layer *layer = NULL;
        status = make_layer(&spec->layers[i], &layer);
        if (status == GAN_OK && i == 0)
            status = gan_layer_set_name(layer, "first");
        status = adopt(model, status, layer);
    }
    if (status == GAN_OK)
        status = gan_model_set_input_shape(model, spec->rank, spec->input);
    if (status == GAN_OK)
        status = gan_model_set_rng(model, rng);
    if (status == GAN_OK)
        status = gan_model_init_parameters(model, rng);
    if (status != GAN_OK) {
        gan_model_free(model);
        model = NULL;
    }
    *out = model;
    return status;
}

/* [batch, sample...] of the model's input (class indices for an Embedding) or output. */
static gan_tensor *batch_tensor(const model_spec *spec, gan_model *model, int64_t batch,
                                bool output)
{
    int rank = 0;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    if (output)
        assert_status(gan_model_output_shape(model, &rank, shape + 1, GAN_TENSOR_MAX_RANK - 1),
                      GAN_OK);
    else
        memcpy(shape + 1, spec->input, (size_t)(rank = spec->rank) * sizeof(int64_t));
    shape[0] = batch;
    gan_tensor *tensor = NULL;
    assert_status(gan_tensor_new(&tensor, rank + 1, shape), GAN_OK);
    float *data = gan_tensor_data(tensor);
    for (int64_t i = 0; i < gan_tensor_numel(tensor); i++)
        data[i] = !output && spec->classes ? (float)(i % spec->classes)
                                           : 0.8f * sinf(0.37f * (float)i + (output ? 1.0f : 0.0f));
    return tensor;
}

/* ---- the fixture: everything an operation works on ------------------------------------------- */

typedef struct fixture {
    const void *param;           /* the operation's model_spec, trainer_spec, ... */
    gan_rng *rng;
    gan_model *model;            /* a model under test, a classifier, a generator's model */
    gan_model *loaded;           /* made by gan_model_load */
    gan_load_report *report;     /* made by gan_model_load_matching */
    gan_tensor *input, *grad;    /* the operation's batch and output gradient */
    gan_tensor *warm_input, *warm_grad; /* a smaller batch run before */
    record pass;                 /* output and input gradient of the last pass that succeeded */
    game_state game;             /* a trainer and all it borrows */
    bool have_game;
    gan_tensor *warm_real;
    gan_generator *generator;
    gan_discriminator *discriminator;
    gan_tensor *samples;
    gan_dataset *dataset;
    gan_rng *made_rng;
    gan_tensor *made_tensor;
    gan_loss *loss;
    gan_optim *optim;
    gan_ema *ema;
    gan_feature_stats *stats, *other_stats;
    float probabilities[64];
    double figures[4];           /* what an evaluation function returned */
} fixture;

static void fixture_free(fixture *f)
{
    gan_rng_free(f->rng);
    gan_model_free(f->model);
    gan_model_free(f->loaded);
    gan_load_report_free(f->report);
    gan_tensor_free(f->input);
    gan_tensor_free(f->grad);
    gan_tensor_free(f->warm_input);
    gan_tensor_free(f->warm_grad);
    free(f->pass.bytes);
    if (f->have_game)
        game_free(&f->game);
    gan_tensor_free(f->warm_real);
    gan_generator_free(f->generator);
    gan_discriminator_free(f->discriminator);
    gan_tensor_free(f->samples);
    gan_dataset_free(f->dataset);
    gan_rng_free(f->made_rng);
    gan_tensor_free(f->made_tensor);
    gan_loss_free(f->loss);
    gan_ema_free(f->ema);
    gan_optim_free(f->optim);
    gan_feature_stats_free(f->stats);
    gan_feature_stats_free(f->other_stats);
}

/* ---- the driver ------------------------------------------------------------------------------ */

typedef struct operation {
    const char *name;
    void (*prepare)(const void *param);      /* optional: once per operation (files to read) */
    void (*setup)(fixture *f);               /* builds what the operation works on */
    gan_status (*run)(fixture *f);           /* the operation under test */
    void (*observe)(fixture *f, record *r);  /* everything the operation may change */
    bool allocates_nothing;                  /* a steady-state operation */
} operation;

typedef struct fault_totals {
    long operations, steady, allocation_points, faults_once, faults_onwards;
} fault_totals;

static fault_totals totals, area_start; /* the whole program; the totals when an area began */

typedef enum fault_mode { FAIL_ONCE = 0, FAIL_ONWARDS = 1 } fault_mode;

static const char *const mode_names[] = {"alone", "and every later one"};

/* Runs the operation with allocation k failing (k = 0: none); returns the allocation calls. */
static long run_failing(const operation *op, fixture *f, long k, fault_mode mode,
                        gan_status *status)
{
    group_allocator.calls = 0;
    group_allocator.fail_at = k;
    group_allocator.fail_onwards = mode == FAIL_ONWARDS;
    *status = op->run(f);
    group_allocator.fail_at = 0;
    group_allocator.fail_onwards = 0;
    return group_allocator.calls;
}

static void fixture_begin(const operation *op, const void *param, fixture *f)
{
    memset(f, 0, sizeof *f);
    f->param = param;
    op->setup(f);
}

static void fixture_end(fixture *f, long baseline, const char *label)
{
    fixture_free(f);
    if (group_allocator.live != baseline)
        fail_msg("%s: %ld blocks leaked", label, group_allocator.live - baseline);
}

static record observe(const operation *op, fixture *f)
{
    record r = {NULL, 0};
    op->observe(f, &r);
    return r;
}

static void expect_same(const record *want, const record *got, const char *label,
                        const char *what)
{
    size_t at = 0;
    while (at < want->count && at < got->count && want->bytes[at] == got->bytes[at])
        at++;
    if (at < want->count || at < got->count)
        fail_msg("%s: %s differs at byte %zu (%zu and %zu bytes)", label, what, at, want->count,
                 got->count);
}

/* One injected fault: the failure, the state after it, the retry, the leak check. */
static void check_fault(const operation *op, const void *param, long k, fault_mode mode,
                        const record *want, const char *name)
{
    char label[256];
    snprintf(label, sizeof label, "%s, allocation %ld failing %s", name, k, mode_names[mode]);
    long baseline = group_allocator.live;
    fixture f;
    fixture_begin(op, param, &f);
    record before = observe(op, &f);
    gan_status status;
    long calls = run_failing(op, &f, k, mode, &status);
    if (status != GAN_ERR_OUT_OF_MEMORY || !strstr(gan_last_error(), "out of memory"))
        fail_msg("%s: status %d (%s), message \"%s\"", label, (int)status,
                 gan_status_string(status), gan_last_error());
    if (calls < k)
        fail_msg("%s: failed after only %ld allocations", label, calls);
    if (mode == FAIL_ONCE)
        totals.faults_once++;
    else
        totals.faults_onwards += calls - k + 1;
    record after = observe(op, &f);
    expect_same(&before, &after, label, "the state after the failure");

    status = op->run(&f);
    if (status != GAN_OK)
        fail_msg("%s: the retry failed: %s", label, gan_last_error());
    record retried = observe(op, &f);
    expect_same(want, &retried, label, "the retry's result");
    free(before.bytes);
    free(after.bytes);
    free(retried.bytes);
    fixture_end(&f, baseline, label);
}

/*
 * The reference run, then every allocation failing in turn, alone and with every later one;
 * an operation that allocates nothing must make no allocation call at all.
 */
static void check_operation(const operation *op, const void *param, const char *subject)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s%s", subject ? subject : "", subject ? ": " : "", op->name);
    if (op->prepare)
        op->prepare(param);
    long baseline = group_allocator.live;
    fixture f;
    fixture_begin(op, param, &f);
    gan_status status;
    long allocations = run_failing(op, &f, 0, FAIL_ONCE, &status);
    if (status != GAN_OK)
        fail_msg("%s: the reference run failed: %s", name, gan_last_error());
    record want = observe(op, &f);
    fixture_end(&f, baseline, name);
    totals.operations++;
    if (op->allocates_nothing) {
        if (allocations != 0)
            fail_msg("%s: made %ld allocation calls; it should make none", name, allocations);
        totals.steady++;
    } else {
        if (allocations == 0)
            fail_msg("%s: allocates nothing; list it with the steady-state operations", name);
        totals.allocation_points += allocations;
        for (int mode = FAIL_ONCE; mode <= FAIL_ONWARDS; mode++)
            for (long k = 1; k <= allocations; k++)
                check_fault(op, param, k, (fault_mode)mode, &want, name);
    }
    free(want.bytes);
}

static void check_operations(const operation *ops, size_t count, const void *param,
                             const char *subject)
{
    for (size_t i = 0; i < count; i++)
        check_operation(&ops[i], param, subject);
}

/* ---- core objects: constructors, and the optimizer and EMA updates --------------------------- */

static const model_spec *spec_of(const fixture *f)
{
    return f->param;
}

static void setup_nothing(fixture *f)
{
    (void)f;
}

static void setup_dense_model(fixture *f)
{
    assert_status(gan_rng_new(&f->rng, 7), GAN_OK);
    assert_status(build_model(&model_specs[0], f->rng, &f->model), GAN_OK);
}

static gan_status make_rng(fixture *f)
{
    return gan_rng_new(&f->made_rng, 99);
}

static void observe_made_rng(fixture *f, record *r)
{
    record_int(r, f->made_rng != NULL);
    if (f->made_rng) {
        record_int(r, (int64_t)gan_rng_seed(f->made_rng));
        record_rng(r, f->made_rng);
    }
}

static gan_status make_tensor(fixture *f)
{
    return gan_tensor_new(&f->made_tensor, 3, (const int64_t[]){2, 3, 4});
}

static void observe_made_tensor(fixture *f, record *r)
{
    record_tensor(r, f->made_tensor);
    if (f->made_tensor)
        record_int(r, gan_tensor_dim(f->made_tensor, 2));
}

static gan_status make_loss(fixture *f)
{
    return gan_loss_new(&f->loss, GAN_OBJECTIVE_HINGE);
}

static void observe_loss(fixture *f, record *r)
{
    record_int(r, f->loss ? gan_loss_objective(f->loss) : -1);
}

static const gan_optim_kind optim_kinds[] = {GAN_OPTIM_SGD, GAN_OPTIM_ADAM, GAN_OPTIM_ADAMW,
                                             GAN_OPTIM_RMSPROP};

static gan_status make_optim(fixture *f)
{
    for (size_t i = 0; i < sizeof optim_kinds / sizeof optim_kinds[0]; i++) {
        gan_optim *optim = NULL;
        gan_status status = gan_optim_new(&optim, optim_kinds[i], f->model);
        gan_optim_free(f->optim);
        f->optim = optim;
        if (status != GAN_OK)
            return status;
    }
    return GAN_OK;
}

static void observe_optim(fixture *f, record *r)
{
    record_int(r, f->optim ? gan_optim_kind_of(f->optim) : -1);
    record_int(r, f->optim ? gan_optim_state_count(f->optim) : -1);
}

static gan_status make_ema(fixture *f)
{
    return gan_ema_new(&f->ema, f->model, 0.9f);
}

static void observe_ema(fixture *f, record *r)
{
    record_int(r, f->ema != NULL);
    if (f->ema) {
        float *data;
        size_t count;
        assert_status(gan_ema_data(f->ema, &data, &count), GAN_OK);
        record_floats(r, data, count);
    }
}

/* A model with gradients, an Adam optimizer and an EMA of it. */
static void setup_updates(fixture *f)
{
    setup_dense_model(f);
    f->input = batch_tensor(spec_of(f), f->model, 4, false);
    f->grad = batch_tensor(spec_of(f), f->model, 4, true);
    const gan_tensor *y;
    assert_status(gan_model_forward(f->model, f->input, &y), GAN_OK);
    assert_status(gan_model_backward(f->model, f->grad, 0, NULL), GAN_OK);
    assert_status(gan_optim_new(&f->optim, GAN_OPTIM_ADAM, f->model), GAN_OK);
    assert_status(gan_ema_new(&f->ema, f->model, 0.9f), GAN_OK);
}

static gan_status step_and_average(fixture *f)
{
    gan_status status = gan_optim_step(f->optim);
    if (status == GAN_OK)
        status = gan_ema_update(f->ema);
    if (status == GAN_OK)
        status = gan_ema_copy_to(f->ema, f->model);
    return status;
}

static void observe_updates(fixture *f, record *r)
{
    record_model(r, f->model, true);
    observe_ema(f, r);
}

static const operation core_operations[] = {
    {"gan_rng_new", NULL, setup_nothing, make_rng, observe_made_rng, false},
    {"gan_tensor_new", NULL, setup_nothing, make_tensor, observe_made_tensor, false},
    {"gan_loss_new", NULL, setup_nothing, make_loss, observe_loss, false},
    {"gan_optim_new (SGD, Adam, AdamW, RMSprop)", NULL, setup_dense_model, make_optim,
     observe_optim, false},
    {"gan_ema_new", NULL, setup_dense_model, make_ema, observe_ema, false},
    {"gan_optim_step, gan_ema_update, gan_ema_copy_to", NULL, setup_updates, step_and_average,
     observe_updates, true},
};

static void core_objects(void **state)
{
    (void)state;
    check_operations(core_operations, sizeof core_operations / sizeof core_operations[0],
                     &model_specs[0], NULL);
}

/* ---- every layer kind in a model: building, passes ------------------------------------------- */

static gan_status build(fixture *f)
{
    return build_model(spec_of(f), f->rng, &f->model);
}

static void observe_built(fixture *f, record *r)
{
    record_model(r, f->model, false);
    record_rng(r, f->rng);
}

static void setup_build(fixture *f)
{
    assert_status(gan_rng_new(&f->rng, 7), GAN_OK);
}

/* Forward, then backward with the input gradient; the gradients are zeroed after the forward
 * pass, so a forward pass that fails leaves them alone. The results are copied. */
static gan_status pass(fixture *f, const gan_tensor *input, const gan_tensor *grad)
{
    const gan_tensor *y = NULL, *dx = NULL;
    gan_status status = gan_model_forward(f->model, input, &y);
    if (status == GAN_OK)
        status = gan_model_zero_grad(f->model);
    if (status == GAN_OK)
        status = gan_model_backward(f->model, grad, 0, &dx);
    if (status == GAN_OK) {
        f->pass.count = 0;
        record_floats(&f->pass, gan_tensor_data_const(y), (size_t)gan_tensor_numel(y));
        record_floats(&f->pass, gan_tensor_data_const(dx), (size_t)gan_tensor_numel(dx));
    }
    return status;
}

static gan_status run_pass(fixture *f)
{
    return pass(f, f->input, f->grad);
}

/* Also an evaluation-mode forward pass, which must not allocate either. */
static gan_status run_passes_in_both_modes(fixture *f)
{
    gan_status status = pass(f, f->input, f->grad);
    const gan_tensor *y;
    if (status == GAN_OK)
        status = gan_model_set_training(f->model, 0);
    if (status == GAN_OK)
        status = gan_model_forward(f->model, f->warm_input, &y);
    if (status == GAN_OK)
        status = gan_model_set_training(f->model, 1);
    return status;
}

static void observe_pass(fixture *f, record *r)
{
    record_model(r, f->model, true);
    record_bytes(r, f->pass.bytes, f->pass.count);
    record_rng(r, f->rng);
}

/* The model, a batch of 4, and a batch of 2 that `warm_up` runs first. */
static void setup_model_batches(fixture *f, bool warm_up)
{
    setup_build(f);
    assert_status(build(f), GAN_OK);
    f->input = batch_tensor(spec_of(f), f->model, 4, false);
    f->grad = batch_tensor(spec_of(f), f->model, 4, true);
    f->warm_input = batch_tensor(spec_of(f), f->model, 2, false);
    f->warm_grad = batch_tensor(spec_of(f), f->model, 2, true);
    if (warm_up)
        assert_status(pass(f, f->warm_input, f->warm_grad), GAN_OK);
}

static void setup_first_pass(fixture *f)
{
    setup_model_batches(f, false);
}

static void setup_growing_pass(fixture *f)
{
    setup_model_batches(f, true);
}

static void setup_steady_pass(fixture *f)
{
    setup_model_batches(f, false);
    assert_status(run_pass(f), GAN_OK);
}

/* Adding a layer re-lays out the parameter, gradient and buffer arrays, even for a layer
 * without parameters; a failed add must leave them as they were. */
static gan_status add_flatten(fixture *f)
{
    gan_layer *layer = NULL;
    gan_status status = gan_layer_flatten(&layer);
    return adopt(f->model, status, layer);
}

static const operation model_operations[] = {
    {"building", NULL, setup_build, build, observe_built, false},
    {"the first forward and backward pass", NULL, setup_first_pass, run_pass, observe_pass,
     false},
    {"a pass on a larger batch", NULL, setup_growing_pass, run_pass, observe_pass, false},
    {"passes at a batch size seen before", NULL, setup_steady_pass, run_passes_in_both_modes,
     observe_pass, true},
    {"adding a layer after a pass", NULL, setup_growing_pass, add_flatten, observe_pass, false},
};

static void every_layer_kind_in_a_model(void **state)
{
    (void)state;
    for (int i = 0; i < SPEC_COUNT; i++)
        check_operations(model_operations, sizeof model_operations / sizeof model_operations[0],
                         &model_specs[i], model_specs[i].name);
}

/* ---- model files ----------------------------------------------------------------------------- */

#define SOURCE_FILE "source.safetensors"
#define TARGET_FILE "target.safetensors"

/* The file every load reads: the model after one training pass (so BatchNorm's running
 * statistics are not the defaults), from the seed the loads' own models do not use. */
static void write_model_file(const void *param)
{
    fixture f = {.param = param};
    setup_model_batches(&f, true);
    assert_status(gan_model_save(f.model, temp_path(SOURCE_FILE)), GAN_OK);
    fixture_free(&f);
}

static void setup_save(fixture *f)
{
    setup_model_batches(f, true);
    write_bytes(temp_path(TARGET_FILE), "old", 3);
}

static gan_status save_model(fixture *f)
{
    return gan_model_save(f->model, temp_path(TARGET_FILE));
}

static void observe_target_file(fixture *f, record *r)
{
    (void)f;
    record_file(r, temp_path(TARGET_FILE));
}

static gan_status load_model(fixture *f)
{
    return gan_model_load(&f->loaded, temp_path(SOURCE_FILE));
}

static void observe_loaded(fixture *f, record *r)
{
    record_model(r, f->loaded, false);
    if (f->loaded) {
        int rank = 0;
        int64_t shape[GAN_TENSOR_MAX_RANK] = {0};
        assert_status(gan_model_input_shape(f->loaded, &rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
        record_bytes(r, shape, sizeof shape);
    }
}

/* The same architecture with other weights. */
static void setup_load_weights(fixture *f)
{
    assert_status(gan_rng_new(&f->rng, 8), GAN_OK);
    assert_status(build(f), GAN_OK);
}

static gan_status load_weights(fixture *f)
{
    return gan_model_load_weights(f->model, temp_path(SOURCE_FILE));
}

static void observe_weights(fixture *f, record *r)
{
    record_model(r, f->model, false);
}

static gan_status load_matching(fixture *f)
{
    return gan_model_load_matching(f->model, temp_path(SOURCE_FILE), NULL, &f->report);
}

/* The model, and the report's lists (or that there is none). */
static void observe_matching(fixture *f, record *r)
{
    record_model(r, f->model, false);
    record_int(r, f->report != NULL);
    for (int list = GAN_LOAD_MATCHED; f->report && list <= GAN_LOAD_ONLY_IN_MODEL; list++) {
        int64_t count = gan_load_report_count(f->report, (gan_load_list)list);
        record_int(r, count);
        for (int64_t i = 0; i < count; i++) {
            const char *name = gan_load_report_name(f->report, (gan_load_list)list, i);
            record_bytes(r, name, strlen(name) + 1);
        }
    }
}

static const operation file_operations[] = {
    {"gan_model_save", NULL, setup_save, save_model, observe_target_file, false},
    {"gan_model_load", write_model_file, setup_nothing, load_model, observe_loaded, false},
    {"gan_model_load_weights", write_model_file, setup_load_weights, load_weights,
     observe_weights, false},
    {"gan_model_load_matching", write_model_file, setup_load_weights, load_matching,
     observe_matching, false},
};

static void model_files(void **state)
{
    (void)state;
    for (int i = 0; i < SPEC_COUNT; i++)
        check_operations(file_operations, sizeof file_operations / sizeof file_operations[0],
                         &model_specs[i], model_specs[i].name);
}

/* ---- the generator and the discriminator ----------------------------------------------------- */

static void setup_generator_model(fixture *f)
{
    assert_status(gan_rng_new(&f->rng, 11), GAN_OK);
    f->model = mlp(LATENT, 12, FEATURES, 1);
    assert_status(gan_model_init_parameters(f->model, f->rng), GAN_OK);
}

static void setup_discriminator_model(fixture *f)
{
    f->model = mlp(FEATURES, 10, 1, 0);
}

static gan_status make_generator(fixture *f)
{
    return gan_generator_new(&f->generator, f->model, LATENT, GAN_LATENT_UNIFORM);
}

static gan_status make_discriminator(fixture *f)
{
    return gan_discriminator_new(&f->discriminator, f->model);
}

static void observe_wrappers(fixture *f, record *r)
{
    record_int(r, f->generator ? gan_generator_latent_size(f->generator) : -1);
    record_int(r, f->discriminator != NULL);
}

static void setup_generator(fixture *f)
{
    setup_generator_model(f);
    assert_status(make_generator(f), GAN_OK);
    assert_status(gan_tensor_new(&f->samples, 2, (const int64_t[]){BATCH, FEATURES}), GAN_OK);
    assert_status(gan_tensor_new(&f->input, 2, (const int64_t[]){BATCH, LATENT}), GAN_OK);
    assert_status(gan_rng_fill_normal(f->rng, GAN_RNG_NOISE, f->input, 0.0f, 1.0f), GAN_OK);
}

static void setup_sampled_generator(fixture *f)
{
    setup_generator(f);
    assert_status(gan_generator_sample(f->generator, f->rng, f->samples), GAN_OK);
}

static gan_status sample(fixture *f)
{
    return gan_generator_sample(f->generator, f->rng, f->samples);
}

static gan_status generate(fixture *f)
{
    return gan_generator_generate(f->generator, f->input, f->samples);
}

static void observe_samples(fixture *f, record *r)
{
    record_tensor(r, f->samples);
    record_rng(r, f->rng);
    record_model(r, f->model, false);
}

static const operation generator_operations[] = {
    {"gan_generator_new", NULL, setup_generator_model, make_generator, observe_wrappers, false},
    {"gan_discriminator_new", NULL, setup_discriminator_model, make_discriminator,
     observe_wrappers, false},
    {"gan_generator_sample, the first batch", NULL, setup_generator, sample, observe_samples,
     false},
    {"gan_generator_generate, the first batch", NULL, setup_generator, generate,
     observe_samples, false},
    {"gan_generator_sample, a batch size seen before", NULL, setup_sampled_generator, sample,
     observe_samples, true},
};

static void generator_and_discriminator(void **state)
{
    (void)state;
    check_operations(generator_operations,
                     sizeof generator_operations / sizeof generator_operations[0], NULL, NULL);
}

/* ---- the trainer ----------------------------------------------------------------------------- */

typedef struct trainer_spec {
    const char *name;
    gan_objective objective;
    float ema_decay;
    int64_t n_critic;
    float label_flip, label_smoothing, weight_clip;
    bool dataset; /* checkpoints: a data set attached, its position saved and restored */
} trainer_spec;

static const trainer_spec trainer_specs[] = {
    {"minimax", GAN_OBJECTIVE_MINIMAX, 0.0f, 1, 0.0f, 0.0f, 0.0f, false},
    {"minimax with EMA", GAN_OBJECTIVE_MINIMAX, 0.9f, 1, 0.0f, 0.0f, 0.0f, false},
    {"non-saturating", GAN_OBJECTIVE_NON_SATURATING, 0.0f, 1, 0.0f, 0.0f, 0.0f, false},
    {"non-saturating with EMA, label noise", GAN_OBJECTIVE_NON_SATURATING, 0.8f, 1, 0.2f, 0.1f,
     0.0f, false},
    {"Wasserstein, clipped, 2 critic steps", GAN_OBJECTIVE_WASSERSTEIN, 0.0f, 2, 0.0f, 0.0f,
     0.05f, false},
    {"Wasserstein with EMA", GAN_OBJECTIVE_WASSERSTEIN, 0.9f, 1, 0.0f, 0.0f, 0.0f, false},
    {"least squares", GAN_OBJECTIVE_LEAST_SQUARES, 0.0f, 1, 0.0f, 0.0f, 0.0f, false},
    {"least squares with EMA", GAN_OBJECTIVE_LEAST_SQUARES, 0.9f, 1, 0.0f, 0.0f, 0.0f, false},
    {"hinge", GAN_OBJECTIVE_HINGE, 0.0f, 1, 0.0f, 0.0f, 0.0f, false},
    {"hinge with EMA", GAN_OBJECTIVE_HINGE, 0.9f, 1, 0.0f, 0.0f, 0.0f, false},
};

enum { TRAINER_SPEC_COUNT = sizeof trainer_specs / sizeof trainer_specs[0] };

static const trainer_spec *trainer_spec_of(const fixture *f)
{
    return f->param;
}

/* Sets the spec's options; those at their defaults are left alone (not every objective
 * takes label noise). */
static void configure_trainer(gan_trainer *trainer, const trainer_spec *spec)
{
    const struct {
        gan_trainer_option option;
        float value;
    } options[] = {{GAN_TRAINER_EMA_DECAY, spec->ema_decay},
                   {GAN_TRAINER_LABEL_FLIP, spec->label_flip},
                   {GAN_TRAINER_LABEL_SMOOTHING, spec->label_smoothing},
                   {GAN_TRAINER_WEIGHT_CLIP, spec->weight_clip}};
    assert_status(gan_trainer_set_int(trainer, GAN_TRAINER_N_CRITIC, spec->n_critic), GAN_OK);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (options[i].value != 0.0f)
            assert_status(gan_trainer_set_float(trainer, options[i].option, options[i].value),
                          GAN_OK);
}

/* The game of game_support.h for the spec's objective, with its options when `configured`,
 * and a smaller real batch. */
static void setup_game(fixture *f, bool configured)
{
    const trainer_spec *spec = trainer_spec_of(f);
    game_new(&f->game, spec->objective, 21);
    f->have_game = true;
    if (configured)
        configure_trainer(f->game.trainer, spec);
    assert_status(gan_tensor_new(&f->warm_real, 2, (const int64_t[]){BATCH / 2, FEATURES}),
                  GAN_OK);
    assert_status(gan_tensor_copy_from(f->warm_real, gan_tensor_data(f->game.real),
                                       (size_t)(BATCH / 2 * FEATURES)), GAN_OK);
}

/* The option's value, or the status when the objective does not take it. */
static void record_trainer_float(record *r, const gan_trainer *trainer, gan_trainer_option option)
{
    float value = -1.0f;
    record_int(r, gan_trainer_get_float(trainer, option, &value));
    record_bytes(r, &value, sizeof value);
}

/* The whole training state: parameters, buffers, optimizer state, EMA, step count, the
 * streams' positions, options and the statistics of the last step. */
static void observe_trainer(fixture *f, record *r)
{
    const gan_trainer *trainer = f->game.trainer;
    record_int(r, trainer != NULL);
    if (!trainer)
        return;
    size_t count;
    float *state = capture_state(&f->game, false, &count);
    record_floats(r, state, count);
    free(state);
    record_int(r, gan_trainer_step_count(trainer));
    /* A failed step puts the streams back too, so that a retry draws the same noise. */
    for (int stream = GAN_RNG_INIT; stream <= GAN_RNG_SHUFFLE; stream++) {
        uint64_t position = 0;
        assert_status(gan_rng_get_position(f->game.rng, (gan_rng_stream)stream, &position),
                      GAN_OK);
        record_bytes(r, &position, sizeof position);
    }
    for (int stat = GAN_STAT_D_LOSS; stat <= GAN_STAT_D_GRAD_NORM; stat++) {
        float value = 0.0f;
        record_int(r, gan_trainer_get_stat(trainer, (gan_trainer_stat)stat, &value));
        record_bytes(r, &value, sizeof value);
    }
    int64_t n_critic = 0;
    assert_status(gan_trainer_get_int(trainer, GAN_TRAINER_N_CRITIC, &n_critic), GAN_OK);
    record_int(r, n_critic);
    for (int option = GAN_TRAINER_WEIGHT_CLIP; option <= GAN_TRAINER_EMA_DECAY; option++)
        record_trainer_float(r, trainer, (gan_trainer_option)option);
    float decay = 0.0f;
    assert_status(gan_trainer_get_float(trainer, GAN_TRAINER_EMA_DECAY, &decay), GAN_OK);
    if (decay > 0.0f) {
        float *data;
        assert_status(gan_ema_data(gan_trainer_ema(f->game.trainer), &data, &count), GAN_OK);
        record_floats(r, data, count);
    }
}

static void setup_unconfigured_game(fixture *f)
{
    setup_game(f, false);
}

static void setup_configured_game(fixture *f)
{
    setup_game(f, true);
}

static void setup_trainer_parts(fixture *f)
{
    setup_game(f, false);
    gan_trainer_free(f->game.trainer);
    f->game.trainer = NULL;
}

static gan_status make_trainer(fixture *f)
{
    game_state *g = &f->game;
    return gan_trainer_new(&g->trainer, g->g, g->d, g->g_optim, g->d_optim,
                           trainer_spec_of(f)->objective, g->rng);
}

static gan_status switch_ema_on(fixture *f)
{
    return gan_trainer_set_float(f->game.trainer, GAN_TRAINER_EMA_DECAY, 0.5f);
}

static void setup_game_with_ema(fixture *f)
{
    setup_game(f, false);
    assert_status(switch_ema_on(f), GAN_OK);
}

/* A new decay starts a new average. */
static gan_status change_ema_decay(fixture *f)
{
    return gan_trainer_set_float(f->game.trainer, GAN_TRAINER_EMA_DECAY, 0.25f);
}

static void setup_warm_trainer(fixture *f)
{
    setup_game(f, true);
    assert_status(gan_trainer_step(f->game.trainer, f->warm_real), GAN_OK);
}

static void setup_stepped_trainer(fixture *f)
{
    setup_game(f, true);
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
}

static gan_status step(fixture *f)
{
    return gan_trainer_step(f->game.trainer, f->game.real);
}

static const operation trainer_operations[] = {
    {"gan_trainer_new", NULL, setup_trainer_parts, make_trainer, observe_trainer, false},
    {"switching the EMA on", NULL, setup_unconfigured_game, switch_ema_on, observe_trainer, false},
    {"changing the EMA's decay", NULL, setup_game_with_ema, change_ema_decay, observe_trainer,
     false},
    {"the first step", NULL, setup_configured_game, step, observe_trainer, false},
    {"a step on a larger batch", NULL, setup_warm_trainer, step, observe_trainer, false},
    {"a step at a batch size seen before", NULL, setup_stepped_trainer, step, observe_trainer,
     true},
};

static void trainer_steps(void **state)
{
    (void)state;
    size_t count = sizeof trainer_operations / sizeof trainer_operations[0];
    for (int i = 0; i < TRAINER_SPEC_COUNT; i++) {
        /* Creation and the EMA options do not depend on the spec's options: once per
         * objective. */
        size_t first = trainer_specs[i].ema_decay == 0.0f ? 0 : 3;
        check_operations(trainer_operations + first, count - first, &trainer_specs[i],
                         trainer_specs[i].name);
    }
}

/* ---- training checkpoints -------------------------------------------------------------------- */

#define IMAGES_FILE "images.idx"
#define LABELS_FILE "labels.idx"
#define IMAGES_GZ_FILE "images.idx.gz"
enum { DATA_COUNT = 10, DATA_SIDE = 4 };

static bool with_dataset(const fixture *f)
{
    return trainer_spec_of(f)->dataset;
}

/* A data set part-way through its second epoch, attached to the trainer. */
static void attach_dataset(fixture *f)
{
    assert_status(gan_dataset_load_idx(&f->dataset, temp_path(IMAGES_FILE),
                                       temp_path(LABELS_FILE), GAN_PIXELS_SYMMETRIC), GAN_OK);
    assert_status(gan_trainer_set_dataset(f->game.trainer, f->dataset), GAN_OK);
}

static void advance_dataset(fixture *f)
{
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, (const int64_t[]){4, 1, DATA_SIDE, DATA_SIDE}),
                  GAN_OK);
    int64_t count;
    for (int i = 0; i < 4; i++)
        assert_status(gan_dataset_next_batch(f->dataset, f->game.rng, images, NULL, &count),
                      GAN_OK);
    gan_tensor_free(images);
}

/* Two steps into the configured game (with the data set, for the last spec). */
static void setup_trained_game(fixture *f)
{
    setup_game(f, true);
    if (with_dataset(f)) {
        attach_dataset(f);
        advance_dataset(f);
    }
    for (int i = 0; i < 2; i++)
        assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
}

static void write_checkpoint(const void *param)
{
    fixture f = {.param = param};
    setup_trained_game(&f);
    assert_status(gan_trainer_save(f.game.trainer, temp_path(SOURCE_FILE)), GAN_OK);
    fixture_free(&f);
}

static void setup_trainer_save(fixture *f)
{
    setup_trained_game(f);
    write_bytes(temp_path(TARGET_FILE), "old", 3);
}

static gan_status save_trainer(fixture *f)
{
    return gan_trainer_save(f->game.trainer, temp_path(TARGET_FILE));
}

/* A trainer built the same way, with default options (the file switches the EMA on) or
 * with the options of the run that wrote the file (the EMA exists already). */
static void setup_load_target(fixture *f, bool configured)
{
    setup_game(f, configured);
    if (with_dataset(f))
        attach_dataset(f);
}

static void setup_default_trainer_load(fixture *f)
{
    setup_load_target(f, false);
}

static void setup_configured_trainer_load(fixture *f)
{
    setup_load_target(f, true);
}

static gan_status load_trainer(fixture *f)
{
    return gan_trainer_load(f->game.trainer, temp_path(SOURCE_FILE));
}

static void observe_loaded_trainer(fixture *f, record *r)
{
    observe_trainer(f, r);
    record_rng(r, f->game.rng);
    if (f->dataset) {
        int64_t epoch = -1, index = -1;
        assert_status(gan_dataset_position(f->dataset, &epoch, &index), GAN_OK);
        record_int(r, epoch);
        record_int(r, index);
    }
}

static const operation checkpoint_operations[] = {
    {"gan_trainer_save", NULL, setup_trainer_save, save_trainer, observe_target_file, false},
    {"gan_trainer_load into a trainer with default options", write_checkpoint,
     setup_default_trainer_load, load_trainer, observe_loaded_trainer, false},
    {"gan_trainer_load into a trainer with the same options", write_checkpoint,
     setup_configured_trainer_load, load_trainer, observe_loaded_trainer, false},
};

static void trainer_checkpoints(void **state)
{
    (void)state;
    static const trainer_spec with_data = {"non-saturating with EMA and a data set",
                                           GAN_OBJECTIVE_NON_SATURATING, 0.9f, 1, 0.0f, 0.0f,
                                           0.0f, true};
    size_t count = sizeof checkpoint_operations / sizeof checkpoint_operations[0];
    for (int i = 0; i < TRAINER_SPEC_COUNT; i++)
        check_operations(checkpoint_operations, count, &trainer_specs[i], trainer_specs[i].name);
    check_operations(checkpoint_operations, count, &with_data, with_data.name);
}

/* ---- data sets ------------------------------------------------------------------------------- */

static gan_status load_dataset(fixture *f)
{
    return gan_dataset_load_idx(&f->dataset, temp_path(IMAGES_FILE), temp_path(LABELS_FILE),
                                GAN_PIXELS_UNIT);
}

static gan_status load_gzip_dataset(fixture *f)
{
    return gan_dataset_load_idx(&f->dataset, temp_path(IMAGES_GZ_FILE), NULL,
                                GAN_PIXELS_SYMMETRIC);
}

/* The count, the labels' presence, every image in file order and the position. */
static void observe_dataset(fixture *f, record *r)
{
    record_int(r, f->dataset != NULL);
    if (!f->dataset)
        return;
    record_int(r, gan_dataset_count(f->dataset));
    record_int(r, gan_dataset_has_labels(f->dataset));
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4,
                                 (const int64_t[]){DATA_COUNT, 1, DATA_SIDE, DATA_SIDE}), GAN_OK);
    assert_status(gan_dataset_copy(f->dataset, 0, images, NULL), GAN_OK);
    record_tensor(r, images);
    gan_tensor_free(images);
    int64_t epoch = -1, index = -1;
    assert_status(gan_dataset_position(f->dataset, &epoch, &index), GAN_OK);
    record_int(r, epoch);
    record_int(r, index);
}

static void setup_batches(fixture *f)
{
    assert_status(gan_rng_new(&f->rng, 3), GAN_OK);
    assert_status(load_dataset(f), GAN_OK);
    assert_status(gan_tensor_new(&f->input, 4, (const int64_t[]){4, 1, DATA_SIDE, DATA_SIDE}),
                  GAN_OK);
    assert_status(gan_tensor_new(&f->grad, 1, (const int64_t[]){4}), GAN_OK);
}

static gan_status next_batches(fixture *f)
{
    int64_t count;
    gan_status status = GAN_OK;
    for (int i = 0; i < 5 && status == GAN_OK; i++) /* across an epoch's end */
        status = gan_dataset_next_batch(f->dataset, f->rng, f->input, f->grad, &count);
    if (status == GAN_OK)
        status = gan_dataset_copy(f->dataset, 6, f->input, f->grad);
    return status;
}

static void observe_batches(fixture *f, record *r)
{
    observe_dataset(f, r);
    record_tensor(r, f->input);
    record_tensor(r, f->grad);
}

static const operation dataset_operations[] = {
    {"gan_dataset_load_idx (raw, with labels)", NULL, setup_nothing, load_dataset,
     observe_dataset, false},
    {"gan_dataset_load_idx (gzip)", NULL, setup_nothing, load_gzip_dataset, observe_dataset,
     false},
    {"gan_dataset_next_batch, gan_dataset_copy", NULL, setup_batches, next_batches,
     observe_batches, true},
};

static void data_sets(void **state)
{
    (void)state;
    check_operations(dataset_operations, sizeof dataset_operations / sizeof dataset_operations[0],
                     NULL, NULL);
}

/* ---- PNG grids ------------------------------------------------------------------------------- */

static void setup_png(fixture *f)
{
    const int64_t *shape = f->param;
    assert_status(gan_tensor_new(&f->samples, 4, shape), GAN_OK);
    float *data = gan_tensor_data(f->samples);
    for (int64_t i = 0; i < gan_tensor_numel(f->samples); i++)
        data[i] = sinf(0.3f * (float)i);
    write_bytes(temp_path(TARGET_FILE), "old", 3);
}

static gan_status write_png(fixture *f)
{
    return gan_image_write_png_grid(temp_path(TARGET_FILE), f->samples, 3, -1.0f, 1.0f);
}

static const operation png_operation = {"gan_image_write_png_grid", NULL, setup_png, write_png,
                                        observe_target_file, false};

static void png_grids(void **state)
{
    (void)state;
    static const int64_t gray[4] = {5, 1, 4, 4}, rgb[4] = {2, 3, 5, 3};
    check_operation(&png_operation, gray, "grayscale");
    check_operation(&png_operation, rgb, "RGB");
}

/* ---- evaluation ------------------------------------------------------------------------------ */

enum { EVAL_DIMENSION = 5, EVAL_CLASSES = 3, EVAL_BATCH = 8 };

static const model_spec classifier_spec = {
    "classifier", 1, {6}, 0, 3, {{DENSE, {6, EVAL_DIMENSION}}, {LEAKY_RELU, {0}},
                                 {DENSE, {EVAL_DIMENSION, EVAL_CLASSES}}}};

static gan_status make_stats(fixture *f)
{
    return gan_feature_stats_new(&f->stats, EVAL_DIMENSION);
}

/* Dimension, count, and the moments once there are two vectors. */
static void record_stats(record *r, const gan_feature_stats *stats)
{
    record_int(r, stats != NULL);
    if (!stats)
        return;
    record_int(r, gan_feature_stats_dimension(stats));
    record_int(r, gan_feature_stats_count(stats));
    if (gan_feature_stats_count(stats) < 2)
        return;
    double mean[EVAL_DIMENSION], covariance[EVAL_DIMENSION * EVAL_DIMENSION];
    assert_status(gan_feature_stats_moments(stats, mean, EVAL_DIMENSION, covariance,
                                            EVAL_DIMENSION * EVAL_DIMENSION), GAN_OK);
    record_bytes(r, mean, sizeof mean);
    record_bytes(r, covariance, sizeof covariance);
}

static void add_features(gan_feature_stats *stats, float shift)
{
    float features[10 * EVAL_DIMENSION];
    for (int i = 0; i < 10 * EVAL_DIMENSION; i++)
        features[i] = sinf(0.61f * (float)i) * (1.0f + shift) + shift;
    assert_status(gan_feature_stats_add(stats, features, 10), GAN_OK);
}

static void setup_two_sets(fixture *f)
{
    assert_status(gan_feature_stats_new(&f->stats, EVAL_DIMENSION), GAN_OK);
    assert_status(gan_feature_stats_new(&f->other_stats, EVAL_DIMENSION), GAN_OK);
    add_features(f->stats, 0.0f);
    add_features(f->other_stats, 0.5f);
}

static gan_status frechet(fixture *f)
{
    return gan_frechet_distance(f->stats, f->other_stats, &f->figures[0]);
}

static void observe_eval(fixture *f, record *r)
{
    record_stats(r, f->stats);
    record_stats(r, f->other_stats);
    record_bytes(r, f->figures, sizeof f->figures);
    record_bytes(r, f->probabilities, sizeof f->probabilities);
}

/* A classifier in evaluation mode, empty statistics and a batch of images. */
static void setup_classifier(fixture *f)
{
    f->param = &classifier_spec;
    setup_build(f);
    assert_status(build(f), GAN_OK);
    assert_status(gan_model_set_training(f->model, 0), GAN_OK);
    f->input = batch_tensor(&classifier_spec, f->model, EVAL_BATCH, false);
    assert_status(gan_feature_stats_new(&f->stats, EVAL_DIMENSION), GAN_OK);
}

static gan_status classify(fixture *f)
{
    return gan_classifier_features(f->model, 1, f->input, f->stats, f->probabilities,
                                   EVAL_BATCH * EVAL_CLASSES);
}

static void setup_used_classifier(fixture *f)
{
    setup_classifier(f);
    assert_status(classify(f), GAN_OK);
}

/* Everything that computes from what is already there: it must not allocate. */
static gan_status score(fixture *f)
{
    int64_t histogram[EVAL_CLASSES], present = 0;
    gan_status status = classify(f);
    if (status == GAN_OK)
        status = gan_feature_stats_add(f->stats, gan_tensor_data(f->input), 1);
    if (status == GAN_OK)
        status = gan_classifier_score(f->probabilities, EVAL_BATCH, EVAL_CLASSES, 2,
                                      &f->figures[0], &f->figures[1]);
    if (status == GAN_OK)
        status = gan_class_histogram(f->probabilities, EVAL_BATCH, EVAL_CLASSES, histogram);
    if (status == GAN_OK)
        status = gan_class_coverage(histogram, EVAL_CLASSES, &present, &f->figures[2]);
    f->figures[3] = (double)present;
    if (status == GAN_OK)
        status = gan_feature_stats_reset(f->stats);
    return status;
}

static const operation eval_operations[] = {
    {"gan_feature_stats_new", NULL, setup_nothing, make_stats, observe_eval, false},
    {"gan_frechet_distance", NULL, setup_two_sets, frechet, observe_eval, false},
    {"gan_classifier_features, the first batch", NULL, setup_classifier, classify,
     observe_eval, false},
    {"gan_classifier_features again, stats_add, classifier_score, class_histogram, "
     "class_coverage, stats_reset", NULL, setup_used_classifier, score, observe_eval, true},
};

static void evaluation(void **state)
{
    (void)state;
    check_operations(eval_operations, sizeof eval_operations / sizeof eval_operations[0], NULL,
                     NULL);
}

/* ---- main ------------------------------------------------------------------------------------ */

static int setup(void **state)
{
    if (make_temp_dir(state) != 0)
        return -1;
    write_test_set(temp_path(IMAGES_FILE), temp_path(LABELS_FILE), 0, DATA_COUNT, DATA_SIDE,
                   DATA_SIDE);
    write_test_set(temp_path(IMAGES_GZ_FILE), NULL, 1, DATA_COUNT, DATA_SIDE, DATA_SIDE);
    return 0;
}

static void print_totals(const char *what, const fault_totals *t)
{
    print_message("# %s: %ld operations, %ld of them allocate nothing; the others make %ld "
                  "allocations; %ld runs with allocation k failing injected %ld faults (%ld "
                  "alone, %ld with every later allocation)\n", what, t->operations, t->steady,
                  t->allocation_points, 2 * t->allocation_points,
                  t->faults_once + t->faults_onwards, t->faults_once, t->faults_onwards);
}

static int teardown(void **state)
{
    print_totals("all", &totals);
    return remove_temp_dir(state);
}

/* Each test is an area (its state is the area's name); its own figures are printed after it. */
static int area_begin(void **state)
{
    (void)state;
    area_start = totals;
    return 0;
}

static int area_end(void **state)
{
    fault_totals area = {totals.operations - area_start.operations,
                         totals.steady - area_start.steady,
                         totals.allocation_points - area_start.allocation_points,
                         totals.faults_once - area_start.faults_once,
                         totals.faults_onwards - area_start.faults_onwards};
    print_totals(*state, &area);
    return 0;
}

#define AREA(test, name) \
    cmocka_unit_test_prestate_setup_teardown(test, area_begin, area_end, (void *)(name))

int main(void)
{
    const struct CMUnitTest tests[] = {
        AREA(core_objects, "core objects"),
        AREA(every_layer_kind_in_a_model, "every layer kind in a model"),
        AREA(model_files, "model files"),
        AREA(generator_and_discriminator, "generator and discriminator"),
        AREA(trainer_steps, "trainer"),
        AREA(trainer_checkpoints, "trainer checkpoints"),
        AREA(data_sets, "data sets"),
        AREA(png_grids, "PNG grids"),
        AREA(evaluation, "evaluation"),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
