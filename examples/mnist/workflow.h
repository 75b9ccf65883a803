/*
 * The training-workflow options of the MNIST trainers (learning-rate schedules, fine-tuning
 * from a file with frozen layers, instance noise, several discriminators, early stopping
 * and the mode-collapse alarms): parsing, help, and applying them to libgan's objects.
 */
#ifndef MNIST_WORKFLOW_H
#define MNIST_WORKFLOW_H

#include <stdint.h>

#include <gan.h>

enum { MNIST_MAX_MILESTONES = 64 };

typedef struct mnist_workflow {
    gan_lr_schedule schedule;
    int64_t schedule_steps, warmup_steps, milestones[MNIST_MAX_MILESTONES];
    int milestone_count;
    float gamma, end_factor, eta_min, warmup_start;
    float g_lr;                 /* 0: the same as --lr */
    const char *init_from;      /* a model file or a checkpoint to start from */
    int64_t freeze_g, freeze_d; /* the first N layers of each are frozen */
    int freeze_bn_stats;
    float instance_noise;
    int64_t instance_noise_steps;
    int64_t discriminators;
    float gman_lambda;
    int64_t patience;
    float min_improvement, diversity_alarm;
    int64_t coverage_alarm;     /* digits */
} mnist_workflow;

/* The defaults (everything off but the alarms). */
void mnist_workflow_defaults(mnist_workflow *workflow);

/* The options that take a value, for mnist_option_value; a NULL ends the list. */
extern const char *const mnist_workflow_options[];

/* Parses one of them; returns 0 after a message for a bad value. */
int mnist_workflow_parse(const char *program, const char *name, const char *value,
                         mnist_workflow *workflow);

/* Checks the combination (after every option is parsed); returns 0 after a message. */
int mnist_workflow_check(const char *program, const mnist_workflow *workflow, int64_t eval_every);

void mnist_workflow_usage(void);

/* The schedule of one optimizer. */
gan_status mnist_workflow_schedule(const mnist_workflow *workflow, gan_optim *optim);

/* Loads --init-from into G and D by name (a checkpoint's "generator." and "discriminator."
 * tensors, or a generator file into G), printing what matched; then freezes layers. */
gan_status mnist_workflow_prepare_models(const mnist_workflow *workflow, const char *program,
                                         gan_model *generator, gan_model *discriminator);

/* The trainer's options: instance noise, GMAN, early stopping, alarms. */
gan_status mnist_workflow_trainer(const mnist_workflow *workflow, gan_trainer *trainer);

#endif /* MNIST_WORKFLOW_H */
