/* The training-workflow options of the MNIST trainers (workflow.h). */
#include "workflow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const char *const mnist_workflow_options[] = {
    "--lr-schedule", "--lr-steps", "--lr-gamma", "--lr-milestones", "--lr-end-factor",
    "--lr-eta-min", "--warmup", "--warmup-start", "--g-lr", "--init-from", "--freeze-g",
    "--freeze-d", "--instance-noise", "--instance-noise-steps", "--discriminators",
    "--gman-lambda", "--patience", "--min-improvement", "--diversity-alarm",
    "--coverage-alarm", NULL};

static const char *const schedule_names[] = {"constant", "step", "multistep", "exponential",
                                             "linear", "cosine"};

void mnist_workflow_defaults(mnist_workflow *workflow)
{
    *workflow = (mnist_workflow){
        .schedule = GAN_LR_CONSTANT, .schedule_steps = 1, .gamma = 0.1f, .end_factor = 0.0f,
        .warmup_start = 0.1f, .discriminators = 1, .diversity_alarm = 0.1f, .coverage_alarm = 8,
    };
}

void mnist_workflow_usage(void)
{
    printf("\nLearning-rate schedule (both optimizers; positions count optimizer steps):\n"
           "  --lr-schedule constant|step|multistep|exponential|linear|cosine (default constant)\n"
           "  --lr-steps N       step: every N steps; linear: over N steps; cosine: T_max (default 1)\n"
           "  --lr-gamma X       step, multistep, exponential: the factor (default 0.1)\n"
           "  --lr-milestones A,B,...  multistep: the steps where the factor applies\n"
           "  --lr-end-factor X  linear: the last factor, from 1 (default 0)\n"
           "  --lr-eta-min X     cosine: the lowest learning rate (default 0)\n"
           "  --warmup N         linear warm-up over the first N steps (default 0 = none)\n"
           "  --warmup-start X   the warm-up's first factor (default 0.1)\n"
           "  --g-lr X           G's learning rate, if not --lr (two time-scales)\n"
           "Fine-tuning:\n"
           "  --init-from FILE   start from a checkpoint (G and D) or a generator file (G),\n"
           "                     loading tensors by name; the layers that differ start fresh\n"
           "  --freeze-g N       freeze G's first N layers (default 0)\n"
           "  --freeze-d N       freeze D's first N layers (default 0)\n"
           "  --freeze-bn-stats  frozen BatchNorm layers also keep their running statistics\n"
           "Stability:\n"
           "  --instance-noise S Gaussian noise of std S on D's inputs (default 0 = off)\n"
           "  --instance-noise-steps N  anneal it linearly to 0 over N steps (default 0: constant)\n"
           "  --discriminators K K discriminators of the same design (GMAN; default 1)\n"
           "  --gman-lambda X    G's loss over them: 0 = mean (default), > 0 softmax-weighted\n"
           "Early stopping and alarms (with --eval-every):\n"
           "  --patience N       stop after N evaluations without improvement of the FID\n"
           "                     (default 0 = never); the best G goes to best-generator.safetensors\n"
           "  --min-improvement X  an FID must drop by more than X to count (default 0)\n"
           "  --diversity-alarm X  warn when G's spread over the real batch's falls below X\n"
           "                     (default 0.1; 0 = off)\n"
           "  --coverage-alarm N warn when fewer than N digits are covered (default 8; 0 = off)\n");
}

/* "3,7,20" into the milestones. */
static int parse_milestones(const char *program, const char *value, mnist_workflow *w)
{
    char buffer[1024];
    snprintf(buffer, sizeof buffer, "%s", value);
    w->milestone_count = 0;
    for (char *part = strtok(buffer, ","); part; part = strtok(NULL, ",")) {
        if (w->milestone_count == MNIST_MAX_MILESTONES) {
            fprintf(stderr, "%s: --lr-milestones: at most %d\n", program, MNIST_MAX_MILESTONES);
            return 0;
        }
        if (!mnist_parse_int(program, "--lr-milestones", part, 1, INT64_C(1) << 50,
                             &w->milestones[w->milestone_count++]))
            return 0;
    }
    return 1;
}

int mnist_workflow_parse(const char *program, const char *name, const char *value,
                         mnist_workflow *w)
{
    const int64_t big = INT64_C(1) << 50;
    if (strcmp(name, "--lr-schedule") == 0) {
        for (size_t k = 0; k < sizeof schedule_names / sizeof schedule_names[0]; k++)
            if (strcmp(value, schedule_names[k]) == 0) {
                w->schedule = (gan_lr_schedule)k;
                return 1;
            }
        fprintf(stderr, "%s: --lr-schedule: '%s' is not one of constant, step, multistep, "
                        "exponential, linear, cosine (try --help)\n", program, value);
        return 0;
    }
    if (strcmp(name, "--lr-steps") == 0)
        return mnist_parse_int(program, name, value, 1, big, &w->schedule_steps);
    if (strcmp(name, "--lr-gamma") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 0, 1e6f, &w->gamma);
    if (strcmp(name, "--lr-milestones") == 0)
        return parse_milestones(program, value, w);
    if (strcmp(name, "--lr-end-factor") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 1.0f, &w->end_factor);
    if (strcmp(name, "--lr-eta-min") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 10.0f, &w->eta_min);
    if (strcmp(name, "--warmup") == 0)
        return mnist_parse_int(program, name, value, 0, big, &w->warmup_steps);
    if (strcmp(name, "--warmup-start") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 0, 1.0f, &w->warmup_start);
    if (strcmp(name, "--g-lr") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 0, 10.0f, &w->g_lr);
    if (strcmp(name, "--init-from") == 0) {
        w->init_from = value;
        return 1;
    }
    if (strcmp(name, "--freeze-g") == 0)
        return mnist_parse_int(program, name, value, 0, 1000, &w->freeze_g);
    if (strcmp(name, "--freeze-d") == 0)
        return mnist_parse_int(program, name, value, 0, 1000, &w->freeze_d);
    if (strcmp(name, "--instance-noise") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 100.0f, &w->instance_noise);
    if (strcmp(name, "--instance-noise-steps") == 0)
        return mnist_parse_int(program, name, value, 0, big, &w->instance_noise_steps);
    if (strcmp(name, "--discriminators") == 0)
        return mnist_parse_int(program, name, value, 1, 8, &w->discriminators);
    if (strcmp(name, "--gman-lambda") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 1000.0f, &w->gman_lambda);
    if (strcmp(name, "--patience") == 0)
        return mnist_parse_int(program, name, value, 0, big, &w->patience);
    if (strcmp(name, "--min-improvement") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 1e6f, &w->min_improvement);
    if (strcmp(name, "--diversity-alarm") == 0)
        return mnist_parse_float(program, name, value, 0.0f, 1, 100.0f, &w->diversity_alarm);
    return mnist_parse_int(program, name, value, 0, 10, &w->coverage_alarm);
}

int mnist_workflow_check(const char *program, const mnist_workflow *w, int64_t eval_every)
{
    if (w->schedule == GAN_LR_MULTI_STEP && w->milestone_count == 0) {
        fprintf(stderr, "%s: --lr-schedule multistep needs --lr-milestones\n", program);
        return 0;
    }
    if (w->patience > 0 && eval_every == 0) {
        fprintf(stderr, "%s: --patience needs --eval-every (early stopping watches the "
                        "evaluations)\n", program);
        return 0;
    }
    return 1;
}

gan_status mnist_workflow_schedule(const mnist_workflow *w, gan_optim *optim)
{
    /* LinearLR here runs from 1 to the end factor: a decay. */
    gan_status status = gan_optim_set_milestones(optim, w->milestones, (size_t)w->milestone_count);
    if (status == GAN_OK)
        status = gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE_STEPS, w->schedule_steps);
    if (status == GAN_OK)
        status = gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_GAMMA, w->gamma);
    if (status == GAN_OK)
        status = gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_START_FACTOR, 1.0f);
    if (status == GAN_OK)
        status = gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_END_FACTOR, w->end_factor);
    if (status == GAN_OK)
        status = gan_optim_set_float(optim, GAN_OPTIM_SCHEDULE_ETA_MIN, w->eta_min);
    if (status == GAN_OK)
        status = gan_optim_set_int(optim, GAN_OPTIM_WARMUP_STEPS, w->warmup_steps);
    if (status == GAN_OK)
        status = gan_optim_set_float(optim, GAN_OPTIM_WARMUP_START_FACTOR, w->warmup_start);
    if (status == GAN_OK)
        status = gan_optim_set_int(optim, GAN_OPTIM_SCHEDULE, w->schedule);
    return status;
}

/* Prints a report's list, up to a few names. */
static void print_list(const gan_load_report *report, gan_load_list list, const char *what)
{
    int64_t count = gan_load_report_count(report, list);
    printf("    %" PRId64 " %s", count, what);
    for (int64_t i = 0; i < count && i < 6; i++)
        printf("%s%s", i ? ", " : ": ", gan_load_report_name(report, list, i));
    printf("%s\n", count > 6 ? ", ..." : "");
}

/* Loads the tensors under `prefix` of the file into `model`. Unless `required`, a file
 * with none of them is no error: *found says whether there were any. */
static gan_status load_player(const char *program, const char *path, const char *prefix,
                              const char *player, gan_model *model, int required, int *found)
{
    gan_load_report *report = NULL;
    gan_status status = gan_model_load_matching(model, path, prefix, &report);
    *found = status != GAN_ERR_NOT_FOUND;
    if (status == GAN_ERR_NOT_FOUND && !required)
        return GAN_OK;
    if (status != GAN_OK)
        return status;
    printf("%s: --init-from %s: %s\n", program, path, player);
    print_list(report, GAN_LOAD_MATCHED, "tensors loaded");
    print_list(report, GAN_LOAD_ONLY_IN_MODEL, "kept their fresh values (not in the file)");
    print_list(report, GAN_LOAD_ONLY_IN_FILE, "in the file but not in the model");
    gan_load_report_free(report);
    return GAN_OK;
}

static gan_status freeze_first(gan_model *model, int64_t count, int statistics)
{
    gan_status status = GAN_OK;
    for (int i = 0; status == GAN_OK && i < count && i < gan_model_layer_count(model); i++) {
        gan_layer *layer = gan_model_layer(model, i);
        status = gan_layer_set_int(layer, GAN_LAYER_TRAINABLE, 0);
        const char *kind = gan_layer_kind(layer);
        if (status == GAN_OK && statistics && strncmp(kind, "BatchNorm", 9) == 0)
            status = gan_layer_set_int(layer, GAN_LAYER_FROZEN_STATISTICS, 1);
    }
    return status;
}

gan_status mnist_workflow_prepare_models(const mnist_workflow *w, const char *program,
                                         gan_model *generator, gan_model *discriminator)
{
    gan_status status = GAN_OK;
    if (w->init_from) {
        /* A checkpoint names its tensors "generator.*" and "discriminator.*"; a generator
         * file names them without a prefix. */
        int checkpoint = 0, found = 0;
        status = load_player(program, w->init_from, "generator.", "G", generator, 0, &checkpoint);
        if (status == GAN_OK && !checkpoint)
            status = load_player(program, w->init_from, NULL, "G", generator, 1, &found);
        if (status == GAN_OK && checkpoint)
            status = load_player(program, w->init_from, "discriminator.", "D", discriminator, 1,
                                 &found);
    }
    if (status == GAN_OK)
        status = freeze_first(generator, w->freeze_g, w->freeze_bn_stats);
    if (status == GAN_OK)
        status = freeze_first(discriminator, w->freeze_d, w->freeze_bn_stats);
    return status;
}

gan_status mnist_workflow_trainer(const mnist_workflow *w, gan_trainer *trainer)
{
    gan_status status = gan_trainer_set_float(trainer, GAN_TRAINER_INSTANCE_NOISE, w->instance_noise);
    if (status == GAN_OK)
        status = gan_trainer_set_int(trainer, GAN_TRAINER_INSTANCE_NOISE_STEPS,
                                     w->instance_noise_steps);
    if (status == GAN_OK)
        status = gan_trainer_set_float(trainer, GAN_TRAINER_GMAN_LAMBDA, w->gman_lambda);
    if (status == GAN_OK)
        status = gan_trainer_set_int(trainer, GAN_TRAINER_PATIENCE, w->patience);
    if (status == GAN_OK)
        status = gan_trainer_set_float(trainer, GAN_TRAINER_MIN_IMPROVEMENT, w->min_improvement);
    if (status == GAN_OK)
        status = gan_trainer_set_float(trainer, GAN_TRAINER_DIVERSITY_ALARM, w->diversity_alarm);
    if (status == GAN_OK)
        status = gan_trainer_set_float(trainer, GAN_TRAINER_COVERAGE_ALARM,
                                       (float)w->coverage_alarm / 10.0f);
    return status;
}
