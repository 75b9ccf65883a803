/*
 * libgan's optimizers against PyTorch 1.13: tests/golden/optim.txt, written by
 * tests/golden/make_optim_golden.py (its docstring describes the cases and the format).
 * CI never runs PyTorch; the file is found relative to the repository root (GAN_GOLDEN_DIR
 * overrides the folder). A missing or malformed file fails the tests.
 *
 * Each case runs on a Dense(3, 3) model (a [3, 3] weight and a [3] bias, 12 parameters,
 * the order of PyTorch's two tensors): the options are set by name, the parameters loaded,
 * and for every step the learning rate is set, the gradients written into the model and
 * gan_optim_step run. Compared after every step: the gradient norm (against float64), the
 * clipped gradients, the parameters; after the last step, every state array by name.
 *
 * PyTorch computes in float32 with the same float32 option values, so the two differ only
 * in the order of float operations and in fused multiply-adds (PyTorch's vectorised add
 * uses FMA): a few units in the last place. Tolerance: |libgan - torch| <= RTOL (|torch|
 * + FLOOR max|torch of the array|), the floor covering elements that are sums with
 * cancellation. GAN_GOLDEN_VERBOSE=1 prints the largest differences of every case.
 */
#include <math.h>

#include "test_support.h"

#define RTOL 2e-6
#define FLOOR 0.01
#define NORM_RTOL 1e-7
#define MAX_VALUES 64
#define MAX_STEPS 16
#define MAX_OPTIONS 12
#define MAX_STATES 3
#define MAX_CASES 64

typedef struct golden_step {
    float lr;
    float grad[MAX_VALUES], clipped[MAX_VALUES], param[MAX_VALUES];
    double norm;
    int has_clipped;
} golden_step;

typedef struct golden_case {
    char name[64], kind[16];
    int n, steps;
    int option_count;
    char option_name[MAX_OPTIONS][32];
    double option_value[MAX_OPTIONS];
    float init[MAX_VALUES];
    golden_step step[MAX_STEPS];
    int state_count;
    char state_name[MAX_STATES][32];
    float state[MAX_STATES][MAX_VALUES];
} golden_case;

static golden_case *cases;
static int case_count;
static char load_error[2048];

/* ---- reading the file ------------------------------------------------------------------ */

typedef struct scanner {
    FILE *file;
    int failed;
} scanner;

/* The next token (skipping '#' comment lines); "" at the end of the file. */
enum { TOKEN_SIZE = 64 };

static const char *token(scanner *s, char buffer[TOKEN_SIZE])
{
    for (;;) {
        if (fscanf(s->file, "%63s", buffer) != 1) {
            buffer[0] = '\0';
            return buffer;
        }
        if (buffer[0] != '#')
            return buffer;
        int c;
        while ((c = fgetc(s->file)) != EOF && c != '\n')
            ;
    }
}

static void fail_load(scanner *s, const char *what, const char *got)
{
    if (!s->failed)
        snprintf(load_error, sizeof load_error, "optim.txt: expected %s, found \"%s\"", what, got);
    s->failed = 1;
}

static void expect(scanner *s, const char *word)
{
    char buffer[TOKEN_SIZE];
    const char *got = token(s, buffer);
    if (strcmp(got, word) != 0)
        fail_load(s, word, got);
}

static double number(scanner *s)
{
    char buffer[TOKEN_SIZE], *end;
    const char *got = token(s, buffer);
    double value = strtod(got, &end);
    if (!got[0] || *end != '\0')
        fail_load(s, "a number", got);
    return value;
}

static void floats(scanner *s, float *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (float)number(s);
}

static void word(scanner *s, char *out, size_t size)
{
    char buffer[TOKEN_SIZE];
    const char *got = token(s, buffer);
    if (!got[0] || strlen(got) >= size)
        fail_load(s, "a name", got);
    snprintf(out, size, "%s", got);
}

static void read_case(scanner *s, golden_case *c)
{
    word(s, c->name, sizeof c->name);
    word(s, c->kind, sizeof c->kind);
    c->n = (int)number(s);
    c->steps = (int)number(s);
    if (c->n < 1 || c->n > MAX_VALUES || c->steps < 1 || c->steps > MAX_STEPS) {
        fail_load(s, "a size within the test's limits", c->name);
        return;
    }
    char buffer[TOKEN_SIZE];
    const char *got = token(s, buffer);
    while (!s->failed && strcmp(got, "option") == 0 && c->option_count < MAX_OPTIONS) {
        word(s, c->option_name[c->option_count], sizeof c->option_name[0]);
        c->option_value[c->option_count++] = number(s);
        got = token(s, buffer);
    }
    if (strcmp(got, "init") != 0)
        fail_load(s, "init", got);
    floats(s, c->init, c->n);
    for (int k = 0; k < c->steps && !s->failed; k++) {
        golden_step *step = &c->step[k];
        expect(s, "step");
        if ((int)number(s) != k + 1)
            fail_load(s, "the next step number", c->name);
        step->lr = (float)number(s);
        expect(s, "grad");
        floats(s, step->grad, c->n);
        expect(s, "norm");
        step->norm = number(s);
        got = token(s, buffer);
        if (strcmp(got, "clipped") == 0) {
            step->has_clipped = 1;
            floats(s, step->clipped, c->n);
            got = token(s, buffer);
        }
        if (strcmp(got, "param") != 0)
            fail_load(s, "param", got);
        floats(s, step->param, c->n);
    }
    got = token(s, buffer);
    while (!s->failed && strcmp(got, "state") == 0 && c->state_count < MAX_STATES) {
        word(s, c->state_name[c->state_count], sizeof c->state_name[0]);
        floats(s, c->state[c->state_count++], c->n);
        got = token(s, buffer);
    }
    if (strcmp(got, "end") != 0)
        fail_load(s, "end", got);
}

static int load_cases(void **state)
{
    (void)state;
    const char *dir = getenv("GAN_GOLDEN_DIR") ? getenv("GAN_GOLDEN_DIR") : "tests/golden";
    char path[1024];
    snprintf(path, sizeof path, "%s/optim.txt", dir);
    cases = calloc(MAX_CASES, sizeof *cases);
    scanner s = {fopen(path, "r"), 0};
    if (!s.file) {
        snprintf(load_error, sizeof load_error, "cannot open %s (run the tests from the "
                 "repository root, or set GAN_GOLDEN_DIR)", path);
        return install_counting_allocator(state);
    }
    expect(&s, "optim-golden");
    if ((int)number(&s) != 1)
        fail_load(&s, "format version 1", "another version");
    char buffer[TOKEN_SIZE];
    const char *got = token(&s, buffer);
    while (!s.failed && strcmp(got, "case") == 0 && case_count < MAX_CASES) {
        read_case(&s, &cases[case_count++]);
        got = token(&s, buffer);
    }
    if (!s.failed && strcmp(got, "eof") != 0)
        fail_load(&s, "eof", got);
    fclose(s.file);
    if (s.failed)
        case_count = 0;
    return install_counting_allocator(state);
}

static int free_cases(void **state)
{
    free(cases);
    return remove_counting_allocator(state);
}

/* ---- running a case ------------------------------------------------------------------- */

static const struct {
    const char *name;
    gan_optim_option option;
    int is_int;
} option_names[] = {
    {"lr", GAN_OPTIM_LR, 0},
    {"momentum", GAN_OPTIM_MOMENTUM, 0},
    {"dampening", GAN_OPTIM_DAMPENING, 0},
    {"nesterov", GAN_OPTIM_NESTEROV, 1},
    {"weight_decay", GAN_OPTIM_WEIGHT_DECAY, 0},
    {"beta1", GAN_OPTIM_BETA1, 0},
    {"beta2", GAN_OPTIM_BETA2, 0},
    {"eps", GAN_OPTIM_EPS, 0},
    {"alpha", GAN_OPTIM_ALPHA, 0},
    {"centered", GAN_OPTIM_CENTERED, 1},
    {"max_grad_norm", GAN_OPTIM_MAX_GRAD_NORM, 0},
};

static gan_optim_kind kind_named(const char *kind)
{
    static const char *const names[] = {"SGD", "Adam", "AdamW", "RMSprop"};
    for (int i = 0; i < 4; i++)
        if (strcmp(kind, names[i]) == 0)
            return (gan_optim_kind)i;
    fail_msg("unknown optimizer kind %s", kind);
    return GAN_OPTIM_SGD;
}

typedef struct worst {
    double ratio;       /* largest |libgan - torch| / allowed */
    double abs_diff;    /* largest |libgan - torch| */
    const char *what;
    int step, index;
    long ulps;          /* largest distance in units in the last place */
    long exact, total;  /* elements bitwise equal to PyTorch's, elements compared */
} worst;

/* How many floats lie between a and b (both finite). */
static long ulp_distance(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    int64_t oa = ia < 0 ? (int64_t)INT32_MIN - ia : ia, ob = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
    return (long)(oa > ob ? oa - ob : ob - oa);
}

/* Checks x against the reference r; records the worst element. */
static void compare(const golden_case *c, const char *what, int step, const float *x,
                    const float *r, int n, worst *w)
{
    double max_ref = 0.0;
    for (int i = 0; i < n; i++)
        max_ref = fmax(max_ref, fabs((double)r[i]));
    for (int i = 0; i < n; i++) {
        double diff = fabs((double)x[i] - (double)r[i]);
        double allowed = RTOL * (fabs((double)r[i]) + FLOOR * max_ref);
        double ratio = allowed > 0 ? diff / allowed : (diff > 0 ? INFINITY : 0.0);
        if (diff > w->abs_diff)
            w->abs_diff = diff;
        long ulps = ulp_distance(x[i], r[i]);
        if (ulps > w->ulps)
            w->ulps = ulps;
        w->exact += ulps == 0;
        w->total++;
        if (ratio > w->ratio) {
            w->ratio = ratio;
            w->what = what;
            w->step = step;
            w->index = i;
        }
        if (!(ratio <= 1.0))
            fail_msg("case %s, %s after step %d, element %d: libgan %.9g, PyTorch %.9g "
                     "(difference %.3g, allowed %.3g)", c->name, what, step, i, (double)x[i],
                     (double)r[i], diff, allowed);
    }
}

static double overall_ratio, overall_abs;
static long overall_ulps, overall_exact, overall_total;

static void run_case(const golden_case *c)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_layer_dense(&layer, 3, 3, 1), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    float *params, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &count), GAN_OK);
    assert_int_equal(count, (size_t)c->n);

    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, kind_named(c->kind), model), GAN_OK);
    for (int o = 0; o < c->option_count; o++) {
        size_t j = 0;
        while (j < sizeof option_names / sizeof option_names[0] &&
               strcmp(option_names[j].name, c->option_name[o]) != 0)
            j++;
        if (j == sizeof option_names / sizeof option_names[0])
            fail_msg("case %s: unknown option %s", c->name, c->option_name[o]);
        if (option_names[j].is_int)
            assert_status(gan_optim_set_int(optim, option_names[j].option,
                                            (int64_t)c->option_value[o]), GAN_OK);
        else
            assert_status(gan_optim_set_float(optim, option_names[j].option,
                                              (float)c->option_value[o]), GAN_OK);
    }
    memcpy(params, c->init, count * sizeof(float));

    worst w = {0};
    for (int k = 0; k < c->steps; k++) {
        const golden_step *step = &c->step[k];
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_LR, step->lr), GAN_OK);
        memcpy(grads, step->grad, count * sizeof(float));
        assert_status(gan_optim_step(optim), GAN_OK);
        float norm;
        assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
        if (!(fabs((double)norm - step->norm) <= NORM_RTOL * step->norm))
            fail_msg("case %s step %d: norm %.9g, float64 %.17g", c->name, k + 1, (double)norm,
                     step->norm);
        compare(c, "clipped gradient", k + 1, grads, step->has_clipped ? step->clipped : step->grad,
                c->n, &w);
        compare(c, "parameters", k + 1, params, step->param, c->n, &w);
    }
    assert_int_equal(gan_optim_step_count(optim), c->steps);
    assert_int_equal(gan_optim_state_count(optim), c->state_count);
    for (int s = 0; s < c->state_count; s++) {
        const char *name;
        float *data;
        size_t n;
        assert_status(gan_optim_state(optim, s, &name, &data, &n), GAN_OK);
        assert_string_equal(name, c->state_name[s]);
        assert_int_equal(n, count);
        compare(c, c->state_name[s], c->steps, data, c->state[s], c->n, &w);
    }
    if (getenv("GAN_GOLDEN_VERBOSE"))
        print_message("%-31s worst %.3f of the tolerance (%s, step %d, element %d); largest "
                      "difference %.3g, %ld ulp; %ld of %ld bitwise equal\n", c->name, w.ratio,
                      w.what ? w.what : "-", w.step, w.index, w.abs_diff, w.ulps, w.exact, w.total);
    overall_ratio = fmax(overall_ratio, w.ratio);
    overall_abs = fmax(overall_abs, w.abs_diff);
    overall_ulps = w.ulps > overall_ulps ? w.ulps : overall_ulps;
    overall_exact += w.exact;
    overall_total += w.total;
    gan_optim_free(optim);
    gan_model_free(model);
}

static void run_kind(const char *kind, int expected)
{
    if (load_error[0])
        fail_msg("%s", load_error);
    int ran = 0;
    for (int i = 0; i < case_count; i++)
        if (strcmp(cases[i].kind, kind) == 0) {
            run_case(&cases[i]);
            ran++;
        }
    assert_int_equal(ran, expected);
}

static void sgd_matches_pytorch(void **state)
{
    (void)state;
    run_kind("SGD", 6);
}

static void adam_matches_pytorch(void **state)
{
    (void)state;
    run_kind("Adam", 3);
}

static void adamw_matches_pytorch(void **state)
{
    (void)state;
    run_kind("AdamW", 2);
}

static void rmsprop_matches_pytorch(void **state)
{
    (void)state;
    run_kind("RMSprop", 4);
    if (getenv("GAN_GOLDEN_VERBOSE"))
        print_message("all cases: worst %.3f of the tolerance, largest difference %.3g, %ld ulp; "
                      "%ld of %ld bitwise equal\n", overall_ratio, overall_abs, overall_ulps,
                      overall_exact, overall_total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sgd_matches_pytorch),
        cmocka_unit_test(adam_matches_pytorch),
        cmocka_unit_test(adamw_matches_pytorch),
        cmocka_unit_test(rmsprop_matches_pytorch),
    };
    return cmocka_run_group_tests(tests, load_cases, free_cases);
}
