/*
 * Learning-rate schedules: every schedule, with and without warm-up, against PyTorch's
 * schedulers (tests/golden/lr_schedules.txt, written by tests/golden/make_schedule_golden.py),
 * the learning rate a step really uses, the options' ranges, milestones, the lambda and its
 * failures. Resuming a scheduled run is in test_trainer_checkpoint.c.
 */
#include <math.h>
#include <stdbool.h>

#include "golden_text.h"
#include "test_support.h"

enum { MAX_STEPS = 64 };

static gan_model *one_dense(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, new_dense(1, 1, NULL)), GAN_OK);
    return model;
}

/* The lambda of the fixtures: 1 / (1 + a t). */
static double inverse(void *user_data, int64_t step)
{
    return 1.0 / (1.0 + *(const double *)user_data * (double)step);
}

static void set_option(gan_optim *optim, const char *name, double value)
{
    static const struct {
        const char *name;
        gan_optim_option option;
        bool integer;
    } known[] = {
        {"lr", GAN_OPTIM_LR, false},
        {"schedule_steps", GAN_OPTIM_SCHEDULE_STEPS, true},
        {"gamma", GAN_OPTIM_SCHEDULE_GAMMA, false},
        {"start_factor", GAN_OPTIM_SCHEDULE_START_FACTOR, false},
        {"end_factor", GAN_OPTIM_SCHEDULE_END_FACTOR, false},
        {"eta_min", GAN_OPTIM_SCHEDULE_ETA_MIN, false},
        {"warmup_steps", GAN_OPTIM_WARMUP_STEPS, true},
        {"warmup_start_factor", GAN_OPTIM_WARMUP_START_FACTOR, false},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0) {
            assert_status(known[i].integer
                              ? gan_optim_set_int(optim, known[i].option, (int64_t)value)
                              : gan_optim_set_float(optim, known[i].option, (float)value),
                          GAN_OK);
            return;
        }
    fail_msg("lr_schedules.txt: unknown option %s", name);
}

/* Runs one case of the fixture: the learning rate of each step, before and as it is used. */
static void run_case(golden_text *g, int schedule, int steps)
{
    gan_model *model = one_dense();
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, GAN_OPTIM_SGD, model), GAN_OK);
    double lambda_a = 0.0;
    const char *token;
    while (strcmp(token = golden_next(g), "lr") != 0) {
        if (strcmp(token, "option") == 0) {
            char name[64];
            snprintf(name, sizeof name, "%s", golden_next(g));
            set_option(optim, name, golden_next_number(g));
        } else if (strcmp(token, "milestones") == 0) {
            int64_t milestones[MAX_STEPS];
            int count = (int)golden_next_number(g);
            for (int i = 0; i < count; i++)
                milestones[i] = (int64_t)golden_next_number(g);
            assert_status(gan_optim_set_milestones(optim, milestones, (size_t)count), GAN_OK);
        } else if (strcmp(token, "lambda") == 0) {
            assert_string_equal(golden_next(g), "inverse");
            lambda_a = golden_next_number(g);
            assert_status(gan_optim_set_lr_lambda(optim, inverse, &lambda_a), GAN_OK);
        } else {
            fail_msg("lr_schedules.txt: unexpected \"%s\"", token);
        }
    }
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, schedule), GAN_OK);
    float *params, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &count), GAN_OK);
    for (int t = 0; t < steps; t++) {
        double expected = golden_next_number(g), lr = -1.0;
        assert_status(gan_optim_current_lr(optim, &lr), GAN_OK);
        if (fabs(lr - expected) > 1e-12 * fabs(expected)) {
            print_error("%s: step %d: libgan %.17g, PyTorch %.17g\n", g->path, t, lr, expected);
            fail();
        }
        /* SGD from 0 with gradient 1 moves each parameter by exactly -(float)lr. */
        memset(params, 0, count * sizeof(float));
        for (size_t i = 0; i < count; i++)
            grads[i] = 1.0f;
        assert_status(gan_optim_step(optim), GAN_OK);
        assert_true(params[0] == (float)(-lr));
    }
    assert_string_equal(golden_next(g), "end");
    gan_optim_free(optim);
    gan_model_free(model);
}

static void every_schedule_matches_pytorch(void **state)
{
    (void)state;
    golden_text g;
    golden_open(&g, "lr_schedules.txt", "lr-schedules");
    int cases = 0;
    bool seen[GAN_LR_LAMBDA + 1] = {false};
    for (const char *token; strcmp(token = golden_next(&g), "eof") != 0; cases++) {
        assert_string_equal(token, "case");
        golden_next(&g); /* the name */
        int schedule = (int)golden_next_number(&g), steps = (int)golden_next_number(&g);
        assert_in_range(schedule, GAN_LR_CONSTANT, GAN_LR_LAMBDA);
        assert_in_range(steps, 1, MAX_STEPS);
        seen[schedule] = true;
        run_case(&g, schedule, steps);
    }
    fclose(g.file);
    assert_true(cases >= 10);
    for (int s = GAN_LR_CONSTANT; s <= GAN_LR_LAMBDA; s++)
        assert_true(seen[s]);
}

static void options_are_checked(void **state)
{
    (void)state;
    gan_model *model = one_dense();
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, GAN_OPTIM_ADAM, model), GAN_OK);
    /* The defaults: constant, StepLR's gamma, LinearLR's factors. */
    int64_t value;
    float real;
    assert_status(gan_optim_get_int(optim, GAN_OPTIM_SCHEDULE, &value), GAN_OK);
    assert_int_equal(value, GAN_LR_CONSTANT);
    assert_status(gan_optim_get_int(optim, GAN_OPTIM_SCHEDULE_STEPS, &value), GAN_OK);
    assert_int_equal(value, 1);
    assert_status(gan_optim_get_float(optim, GAN_OPTIM_SCHEDULE_GAMMA, &real), GAN_OK);
    assert_true(real == 0.1f);
    assert_status(gan_optim_get_float(optim, GAN_OPTIM_SCHEDULE_START_FACTOR, &real), GAN_OK);
    assert_true(real == 1.0f / 3.0f);

    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, 7), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, -1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE_STEPS, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_WARMUP_STEPS, -1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_WARMUP_STEPS, 0), GAN_OK);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_GAMMA, 0.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_START_FACTOR, 0.0f),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_START_FACTOR, 1.5f),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_END_FACTOR, -0.1f),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_END_FACTOR, 0.0f), GAN_OK);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_ETA_MIN, -1.0f),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_WARMUP_START_FACTOR, 0.0f),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE_GAMMA, 1), GAN_ERR_INVALID_ARGUMENT);

    /* Milestones: at most 64, each >= 1, strictly increasing; read back. */
    int64_t good[] = {3, 7, 20}, bad_order[] = {3, 3}, bad_zero[] = {0, 4}, back[3];
    size_t count;
    assert_status(gan_optim_set_milestones(optim, bad_order, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_milestones(optim, bad_zero, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_milestones(optim, NULL, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_milestones(optim, good, 65), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_milestones(optim, good, 3), GAN_OK);
    assert_status(gan_optim_get_milestones(optim, back, 2, &count), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_milestones(optim, back, 3, &count), GAN_OK);
    assert_int_equal(count, 3);
    assert_memory_equal(back, good, sizeof good);
    assert_status(gan_optim_set_milestones(optim, NULL, 0), GAN_OK);
    assert_status(gan_optim_get_milestones(optim, NULL, 0, &count), GAN_OK);
    assert_int_equal(count, 0);

    /* The lambda schedule needs its function, which cannot go while it is chosen. */
    double a = 0.5;
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, GAN_LR_LAMBDA),
                  GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_lr_lambda(optim, inverse, &a), GAN_OK);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, GAN_LR_LAMBDA), GAN_OK);
    assert_status(gan_optim_set_lr_lambda(optim, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, GAN_LR_CONSTANT), GAN_OK);
    assert_status(gan_optim_set_lr_lambda(optim, NULL, NULL), GAN_OK);
    gan_optim_free(optim);
    gan_model_free(model);
}

static double bad_factor(void *user_data, int64_t step)
{
    (void)user_data;
    return step < 2 ? 1.0 : NAN;
}

/* A lambda returning a bad factor fails the step before anything changes. */
static void a_bad_lambda_changes_nothing(void **state)
{
    (void)state;
    gan_model *model = one_dense();
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, GAN_OPTIM_ADAM, model), GAN_OK);
    assert_status(gan_optim_set_lr_lambda(optim, bad_factor, NULL), GAN_OK);
    assert_status(gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, GAN_LR_LAMBDA), GAN_OK);
    float *params, *grads;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, &grads, &count), GAN_OK);
    grads[0] = 0.5f;
    grads[1] = -2.0f;
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    float before[2] = {params[0], params[1]}, grads_before[2] = {grads[0], grads[1]}, norm;
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_MAX_GRAD_NORM, 0.1f), GAN_OK);
    assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
    double lr;
    assert_status(gan_optim_current_lr(optim, &lr), GAN_ERR_NUMERIC);
    assert_status(gan_optim_step(optim), GAN_ERR_NUMERIC);
    assert_non_null(strstr(gan_last_error(), "lambda"));
    assert_int_equal(gan_optim_step_count(optim), 2);
    assert_memory_equal(params, before, sizeof before);
    assert_memory_equal(grads, grads_before, sizeof grads_before); /* not clipped either */
    float norm_after;
    assert_status(gan_optim_last_grad_norm(optim, &norm_after), GAN_OK);
    assert_true(norm_after == norm);
    assert_status(gan_optim_current_lr(NULL, &lr), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_current_lr(optim, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_optim_free(optim);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_schedule_matches_pytorch),
        cmocka_unit_test(options_are_checked),
        cmocka_unit_test(a_bad_lambda_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
