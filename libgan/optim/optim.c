/*
 * The optimizer object: options, state arrays, gradient clipping and the step.
 *
 * An optimizer borrows a model and works on its two contiguous arrays (parameters and
 * gradients), fetched afresh at every call because adding a layer moves them. The model's
 * parameter count is fixed when the optimizer is made; if it changes (a layer with
 * parameters was added), every call that touches the arrays fails with GAN_ERR_STATE.
 *
 * A step, in order (gan_optim_step):
 *   1. sumsq = sum_i grad[i]^2, in double over the whole gradient array, in an order fixed
 *      by the array's length (kernels/reduction.h). Not finite means a gradient is inf or
 *      NaN: GAN_ERR_NUMERIC, and nothing changes (parameters, state, step count, gradients,
 *      the recorded norm).
 *   2. norm = sqrt(sumsq) is recorded (gan_optim_last_grad_norm), clipping or not.
 *   3. Clipping, as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13), when max_norm > 0:
 *        coef = max_norm / (norm + 1e-6);  if coef < 1: grad[i] *= coef
 *      (PyTorch multiplies by min(coef, 1), which is the same; so a norm just below
 *      max_norm, within 1e-6, is scaled very slightly, as in PyTorch.) The gradients are
 *      scaled in place and stay scaled after the step.
 *   4. t = ++steps, and the rule's update (sgd.c, adam.c, rmsprop.c) with the learning
 *      rate of the schedule at position t - 1 (schedule.c), computed before anything
 *      changes (a lambda returning a bad factor fails the step with nothing changed).
 *
 * Options are floats and integers (nesterov and centered 0/1; the schedule's kind and
 * lengths), checked when set: each
 * rule accepts only its own options, and every setter keeps the combination valid (SGD's
 * nesterov needs momentum > 0 and dampening 0, so set momentum before nesterov). Scalar
 * factors are computed in double from the float option values.
 *
 * State arrays are allocated (zeroed) when the optimizer is made, every array the rule can
 * ever use, so a step allocates nothing; gan_optim_state lists the ones the current
 * options use (SGD's momentum_buffer only while momentum != 0; RMSprop's grad_avg while
 * centered, momentum_buffer while momentum > 0). An array that drops out of the list keeps
 * its values, and is used again with them if the option comes back, as PyTorch keeps a
 * parameter's state.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "kernels/reduction.h"
#include "nn/model_impl.h"
#include "optim/optim_impl.h"

/* PyTorch's epsilon in clip_grad_norm_: coef = max_norm / (total_norm + 1e-6). */
#define CLIP_EPSILON 1e-6

/* ---- the rules and their options ----------------------------------------------------- */

typedef enum option_type { OPTION_FLOAT, OPTION_INT } option_type;

#define RULE(kind) (1u << (kind))
#define ALL_RULES (RULE(GAN_OPTIM_SGD) | RULE(GAN_OPTIM_ADAM) | RULE(GAN_OPTIM_ADAMW) | RULE(GAN_OPTIM_RMSPROP))
#define ADAMS (RULE(GAN_OPTIM_ADAM) | RULE(GAN_OPTIM_ADAMW))

typedef struct option_info {
    const char *name;   /* PyTorch's name */
    option_type type;
    unsigned rules;     /* RULE() bits of the rules that have it */
} option_info;

static const option_info options[GAN__OPTIM_OPTION_COUNT] = {
    [GAN_OPTIM_LR] = {"lr", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_MOMENTUM] = {"momentum", OPTION_FLOAT, RULE(GAN_OPTIM_SGD) | RULE(GAN_OPTIM_RMSPROP)},
    [GAN_OPTIM_DAMPENING] = {"dampening", OPTION_FLOAT, RULE(GAN_OPTIM_SGD)},
    [GAN_OPTIM_NESTEROV] = {"nesterov", OPTION_INT, RULE(GAN_OPTIM_SGD)},
    [GAN_OPTIM_WEIGHT_DECAY] = {"weight_decay", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_BETA1] = {"beta1", OPTION_FLOAT, ADAMS},
    [GAN_OPTIM_BETA2] = {"beta2", OPTION_FLOAT, ADAMS},
    [GAN_OPTIM_EPS] = {"eps", OPTION_FLOAT, ADAMS | RULE(GAN_OPTIM_RMSPROP)},
    [GAN_OPTIM_ALPHA] = {"alpha", OPTION_FLOAT, RULE(GAN_OPTIM_RMSPROP)},
    [GAN_OPTIM_CENTERED] = {"centered", OPTION_INT, RULE(GAN_OPTIM_RMSPROP)},
    [GAN_OPTIM_MAX_GRAD_NORM] = {"max_grad_norm", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE] = {"schedule", OPTION_INT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE_STEPS] = {"schedule_steps", OPTION_INT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE_GAMMA] = {"gamma", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE_START_FACTOR] = {"start_factor", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE_END_FACTOR] = {"end_factor", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_SCHEDULE_ETA_MIN] = {"eta_min", OPTION_FLOAT, ALL_RULES},
    [GAN_OPTIM_WARMUP_STEPS] = {"warmup_steps", OPTION_INT, ALL_RULES},
    [GAN_OPTIM_WARMUP_START_FACTOR] = {"warmup_start_factor", OPTION_FLOAT, ALL_RULES},
};

static const char *const rule_names[] = {"SGD", "Adam", "AdamW", "RMSprop"};

/* The state arrays each rule allocates, and their names by slot. */
static const int rule_slots[] = {1, 2, 2, 3};
static const char *const sgd_states[] = {"momentum_buffer"};
static const char *const adam_states[] = {"exp_avg", "exp_avg_sq"};
static const char *const rmsprop_states[] = {"square_avg", "grad_avg", "momentum_buffer"};

static const char *slot_name(gan_optim_kind kind, int slot)
{
    switch (kind) {
    case GAN_OPTIM_SGD: return sgd_states[slot];
    case GAN_OPTIM_ADAM:
    case GAN_OPTIM_ADAMW: return adam_states[slot];
    case GAN_OPTIM_RMSPROP: return rmsprop_states[slot];
    }
    return "?";
}

/* The slots the current options use, in listing order; returns how many. */
static int active_slots(const gan_optim *optim, int slots[GAN__OPTIM_MAX_SLOTS])
{
    int n = 0;
    switch (optim->kind) {
    case GAN_OPTIM_SGD:
        if (optim->value[GAN_OPTIM_MOMENTUM] != 0.0f)
            slots[n++] = GAN__SLOT_MOMENTUM;
        break;
    case GAN_OPTIM_ADAM:
    case GAN_OPTIM_ADAMW:
        slots[n++] = GAN__SLOT_EXP_AVG;
        slots[n++] = GAN__SLOT_EXP_AVG_SQ;
        break;
    case GAN_OPTIM_RMSPROP:
        slots[n++] = GAN__SLOT_SQUARE_AVG;
        if (optim->flag[GAN_OPTIM_CENTERED])
            slots[n++] = GAN__SLOT_GRAD_AVG;
        if (optim->value[GAN_OPTIM_MOMENTUM] > 0.0f)
            slots[n++] = GAN__SLOT_RMS_MOMENTUM;
        break;
    }
    return n;
}

/* PyTorch's defaults (SGD has no default learning rate there; 0.01 here); the schedule's
 * are StepLR's gamma and LinearLR's factors. */
static void set_defaults(gan_optim *optim)
{
    float *v = optim->value;
    v[GAN_OPTIM_SCHEDULE_GAMMA] = 0.1f;
    v[GAN_OPTIM_SCHEDULE_START_FACTOR] = 1.0f / 3.0f;
    v[GAN_OPTIM_SCHEDULE_END_FACTOR] = 1.0f;
    v[GAN_OPTIM_WARMUP_START_FACTOR] = 1.0f / 3.0f;
    optim->flag[GAN_OPTIM_SCHEDULE_STEPS] = 1;
    switch (optim->kind) {
    case GAN_OPTIM_SGD:
        v[GAN_OPTIM_LR] = 0.01f;
        break;
    case GAN_OPTIM_ADAM:
    case GAN_OPTIM_ADAMW:
        v[GAN_OPTIM_LR] = 1e-3f;
        v[GAN_OPTIM_BETA1] = 0.9f;
        v[GAN_OPTIM_BETA2] = 0.999f;
        v[GAN_OPTIM_EPS] = 1e-8f;
        v[GAN_OPTIM_WEIGHT_DECAY] = optim->kind == GAN_OPTIM_ADAMW ? 0.01f : 0.0f;
        break;
    case GAN_OPTIM_RMSPROP:
        v[GAN_OPTIM_LR] = 0.01f;
        v[GAN_OPTIM_ALPHA] = 0.99f;
        v[GAN_OPTIM_EPS] = 1e-8f;
        break;
    }
}

/* ---- the object ------------------------------------------------------------------------ */

static bool valid_kind(int kind)
{
    return kind >= GAN_OPTIM_SGD && kind <= GAN_OPTIM_RMSPROP;
}

gan_status gan_optim_new(gan_optim **out, gan_optim_kind kind, gan_model *model)
{
    if (!out)
        return gan__null(__func__, "out");
    *out = NULL;
    if (!valid_kind((int)kind))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown rule %d (GAN_OPTIM_SGD 0 to "
                         "GAN_OPTIM_RMSPROP 3)", __func__, (int)kind);
    if (!model)
        return gan__null(__func__, "model");
    size_t count;
    gan_status status = gan_model_parameter_arrays(model, NULL, NULL, &count);
    if (status != GAN_OK)
        return status;
    if (count == 0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the model has no parameters to optimize",
                         __func__);

    int slots = rule_slots[kind];
    gan_optim *optim = gan__calloc(sizeof *optim, "optimizer");
    if (!optim)
        return GAN_ERR_OUT_OF_MEMORY;
    size_t floats;
    if (__builtin_mul_overflow(count, (size_t)slots, &floats)) {
        gan__free(optim);
        return gan__fail(GAN_ERR_OUT_OF_MEMORY, "%s: %d state arrays of %zu floats do not fit "
                         "in memory", __func__, slots, count);
    }
    optim->state = gan__calloc_array(floats, sizeof(float), "optimizer state");
    if (!optim->state) {
        gan__free(optim);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    optim->kind = kind;
    optim->model = model;
    optim->count = count;
    optim->slots = slots;
    set_defaults(optim);
    *out = optim;
    return GAN_OK;
}

void gan_optim_free(gan_optim *optim)
{
    if (!optim)
        return;
    gan__free(optim->state);
    gan__free(optim);
}

int gan_optim_kind_of(const gan_optim *optim)
{
    if (!optim) {
        gan__null(__func__, "optim");
        return -1;
    }
    return (int)optim->kind;
}

gan_model *gan__optim_model(const gan_optim *optim)
{
    return optim ? optim->model : NULL;
}

/* ---- options ------------------------------------------------------------------------------ */

/* The option exists, belongs to the rule and has the type asked for. */
static gan_status check_option(const char *function, const gan_optim *optim, int option,
                               option_type type)
{
    if (option < 0 || option >= GAN__OPTIM_OPTION_COUNT)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown option %d", function, option);
    const option_info *info = &options[option];
    if (!(info->rules & RULE(optim->kind)))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s has no option '%s'", function,
                         rule_names[optim->kind], info->name);
    if (info->type != type)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: '%s' is %s option (use gan_optim_%s_%s)",
                         function, info->name, info->type == OPTION_INT ? "an integer" : "a float",
                         strstr(function, "_set_") ? "set" : "get",
                         info->type == OPTION_INT ? "int" : "float");
    return GAN_OK;
}

static gan_status out_of_range(const char *function, int option, float value, const char *range)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s = %g is out of range; it must be %s",
                     function, options[option].name, (double)value, range);
}

static const char nesterov_needs[] = "nesterov needs momentum > 0 and dampening 0";

gan_status gan_optim_set_float(gan_optim *optim, gan_optim_option option, float value)
{
    if (!optim)
        return gan__null(__func__, "optim");
    gan_status status = check_option(__func__, optim, (int)option, OPTION_FLOAT);
    if (status != GAN_OK)
        return status;
    if (!isfinite(value))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s = %g is not finite", __func__,
                         options[option].name, (double)value);
    switch (option) {
    case GAN_OPTIM_LR:
    case GAN_OPTIM_EPS:
    case GAN_OPTIM_SCHEDULE_GAMMA:
        if (!(value > 0.0f))
            return out_of_range(__func__, (int)option, value, "> 0");
        break;
    case GAN_OPTIM_MOMENTUM:
    case GAN_OPTIM_WEIGHT_DECAY:
    case GAN_OPTIM_MAX_GRAD_NORM:
    case GAN_OPTIM_SCHEDULE_ETA_MIN:
        if (!(value >= 0.0f))
            return out_of_range(__func__, (int)option, value, ">= 0");
        break;
    case GAN_OPTIM_SCHEDULE_START_FACTOR:
    case GAN_OPTIM_WARMUP_START_FACTOR:
        if (!(value > 0.0f && value <= 1.0f))
            return out_of_range(__func__, (int)option, value, "in (0, 1]");
        break;
    case GAN_OPTIM_SCHEDULE_END_FACTOR:
        if (!(value >= 0.0f && value <= 1.0f))
            return out_of_range(__func__, (int)option, value, "in [0, 1]");
        break;
    case GAN_OPTIM_BETA1:
    case GAN_OPTIM_BETA2:
    case GAN_OPTIM_ALPHA:
        if (!(value >= 0.0f && value < 1.0f))
            return out_of_range(__func__, (int)option, value, "in [0, 1)");
        break;
    default: /* dampening: any finite value; the integer options never get here */
        break;
    }
    if (optim->flag[GAN_OPTIM_NESTEROV]) {
        if (option == GAN_OPTIM_MOMENTUM && !(value > 0.0f))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: momentum = %g while nesterov is on; "
                             "%s (turn nesterov off first)", __func__, (double)value, nesterov_needs);
        if (option == GAN_OPTIM_DAMPENING && value != 0.0f)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: dampening = %g while nesterov is on; "
                             "%s (turn nesterov off first)", __func__, (double)value, nesterov_needs);
    }
    optim->value[option] = value;
    return GAN_OK;
}

gan_status gan_optim_get_float(const gan_optim *optim, gan_optim_option option, float *value)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!value)
        return gan__null(__func__, "value");
    gan_status status = check_option(__func__, optim, (int)option, OPTION_FLOAT);
    if (status != GAN_OK)
        return status;
    *value = optim->value[option];
    return GAN_OK;
}

/* The range of each integer option. */
static gan_status check_int_range(const gan_optim *optim, gan_optim_option option, int64_t value)
{
    int64_t minimum = 0, maximum = 1; /* nesterov, centered */
    if (option == GAN_OPTIM_SCHEDULE)
        maximum = GAN_LR_LAMBDA;
    else if (option == GAN_OPTIM_SCHEDULE_STEPS || option == GAN_OPTIM_WARMUP_STEPS)
        minimum = option == GAN_OPTIM_SCHEDULE_STEPS, maximum = INT64_MAX;
    if (maximum == 1 && value != 0 && value != 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_optim_set_int: %s = %lld; it must be 0 "
                         "or 1", options[option].name, (long long)value);
    if (value < minimum || value > maximum)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_optim_set_int: %s = %lld; it must be "
                         "%lld to %lld", options[option].name, (long long)value,
                         (long long)minimum, (long long)maximum);
    if (option == GAN_OPTIM_SCHEDULE && value == GAN_LR_LAMBDA && !optim->lr_lambda)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_optim_set_int: GAN_LR_LAMBDA needs a "
                         "function: call gan_optim_set_lr_lambda() first");
    return GAN_OK;
}

gan_status gan_optim_set_int(gan_optim *optim, gan_optim_option option, int64_t value)
{
    if (!optim)
        return gan__null(__func__, "optim");
    gan_status status = check_option(__func__, optim, (int)option, OPTION_INT);
    if (status != GAN_OK)
        return status;
    status = check_int_range(optim, option, value);
    if (status != GAN_OK)
        return status;
    if (option == GAN_OPTIM_NESTEROV && value == 1 &&
        !(optim->value[GAN_OPTIM_MOMENTUM] > 0.0f && optim->value[GAN_OPTIM_DAMPENING] == 0.0f))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: %s (momentum is %g, dampening %g)",
                         __func__, nesterov_needs, (double)optim->value[GAN_OPTIM_MOMENTUM],
                         (double)optim->value[GAN_OPTIM_DAMPENING]);
    optim->flag[option] = value;
    return GAN_OK;
}

gan_status gan_optim_get_int(const gan_optim *optim, gan_optim_option option, int64_t *value)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!value)
        return gan__null(__func__, "value");
    gan_status status = check_option(__func__, optim, (int)option, OPTION_INT);
    if (status != GAN_OK)
        return status;
    *value = optim->flag[option];
    return GAN_OK;
}

/* ---- the model's arrays -------------------------------------------------------------------- */

/* The model's arrays, provided it still has the parameter count the object was made for. */
static gan_status model_arrays(const char *function, gan_model *model, size_t expected,
                               float **params, float **grads)
{
    size_t count;
    gan_status status = gan_model_parameter_arrays(model, params, grads, &count);
    if (status != GAN_OK)
        return status;
    if (count != expected)
        return gan__fail(GAN_ERR_STATE, "%s: the model has %zu parameters now, %zu when this "
                         "object was made (layers were added); make a new one", function, count,
                         expected);
    return GAN_OK;
}

/* The message for a non-finite gradient: which named parameter, which element. */
static gan_status nonfinite_gradient(gan_optim *optim, const float *grads, double sumsq)
{
    size_t bad = 0;
    while (bad < optim->count && isfinite(grads[bad]))
        bad++;
    if (bad == optim->count) /* cannot happen: finite floats square to finite doubles */
        return gan__fail(GAN_ERR_NUMERIC, "gan_optim_step: the gradient norm is %g; nothing "
                         "was updated", sqrt(sumsq));
    const char *name = "?";
    size_t offset = 0, element = bad;
    int tensors = gan_model_named_parameter_count(optim->model);
    for (int i = 0; i < tensors; i++) {
        const char *tensor_name;
        gan_tensor *value;
        if (gan_model_named_parameter(optim->model, i, &tensor_name, &value, NULL) != GAN_OK)
            break;
        size_t numel = (size_t)gan_tensor_numel(value);
        if (bad < offset + numel) {
            name = tensor_name;
            element = bad - offset;
            break;
        }
        offset += numel;
    }
    return gan__fail(GAN_ERR_NUMERIC, "gan_optim_step: the gradient of '%s' is %g at element "
                     "%zu (index %zu of the gradient array); nothing was updated", name,
                     (double)grads[bad], element, bad);
}

/* ---- the step ----------------------------------------------------------------------------- */

typedef struct rule_arrays {
    gan_optim *optim;
    float *params;
    const float *grads;
} rule_arrays;

/* The rule's update of one run of trainable parameters: frozen layers are skipped. */
static void update_span(void *context, size_t first, size_t count)
{
    const rule_arrays *arrays = context;
    switch (arrays->optim->kind) {
    case GAN_OPTIM_SGD:
        gan__sgd_step(arrays->optim, arrays->params, arrays->grads, first, count);
        break;
    case GAN_OPTIM_ADAM:
    case GAN_OPTIM_ADAMW:
        gan__adam_step(arrays->optim, arrays->params, arrays->grads, first, count);
        break;
    case GAN_OPTIM_RMSPROP:
        gan__rmsprop_step(arrays->optim, arrays->params, arrays->grads, first, count);
        break;
    }
}

gan_status gan_optim_step(gan_optim *optim)
{
    if (!optim)
        return gan__null(__func__, "optim");
    float *params, *grads;
    gan_status status = model_arrays(__func__, optim->model, optim->count, &params, &grads);
    if (status != GAN_OK)
        return status;
    if (optim->steps == INT64_MAX)
        return gan__fail(GAN_ERR_STATE, "%s: the step count is at its maximum, %lld", __func__,
                         (long long)optim->steps);

    double lr;
    status = gan__optim_scheduled_lr(optim, optim->steps, &lr);
    if (status != GAN_OK)
        return status;

    size_t count = optim->count;
    const double sumsq = gan__sum_of_squares(grads, count);
    if (!isfinite(sumsq))
        return nonfinite_gradient(optim, grads, sumsq);
    double norm = sqrt(sumsq);
    optim->last_norm = (float)norm;
    optim->have_norm = true;

    float max_norm = optim->value[GAN_OPTIM_MAX_GRAD_NORM];
    if (max_norm > 0.0f) {
        double coef = (double)max_norm / (norm + CLIP_EPSILON);
        if (coef < 1.0) {
            float scale = (float)coef;
            for (size_t i = 0; i < count; i++)
                grads[i] *= scale;
        }
    }

    optim->step_lr = lr;
    optim->steps++;
    gan__model_each_trainable_span(optim->model, update_span,
                                   &(rule_arrays){optim, params, grads});
    if (optim->kind == GAN_OPTIM_SGD && optim->value[GAN_OPTIM_MOMENTUM] != 0.0f)
        optim->momentum_started = true;
    return GAN_OK;
}

gan_status gan_optim_last_grad_norm(const gan_optim *optim, float *norm)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!norm)
        return gan__null(__func__, "norm");
    if (!optim->have_norm)
        return gan__fail(GAN_ERR_STATE, "%s: no step has been taken yet", __func__);
    *norm = optim->last_norm;
    return GAN_OK;
}

int64_t gan_optim_step_count(const gan_optim *optim)
{
    if (!optim) {
        gan__null(__func__, "optim");
        return -1;
    }
    return optim->steps;
}

gan_status gan_optim_set_step_count(gan_optim *optim, int64_t steps)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (steps < 0)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the step count must be >= 0, not %lld",
                         __func__, (long long)steps);
    optim->steps = steps;
    /* A resumed optimizer's momentum buffer holds a running value (restored with the
     * state); a count of 0 starts it afresh from the next gradient. */
    optim->momentum_started = steps > 0;
    return GAN_OK;
}

/* ---- state -------------------------------------------------------------------------------- */

int gan_optim_state_count(const gan_optim *optim)
{
    if (!optim) {
        gan__null(__func__, "optim");
        return -1;
    }
    int slots[GAN__OPTIM_MAX_SLOTS];
    return active_slots(optim, slots);
}

gan_status gan_optim_state(gan_optim *optim, int index, const char **name, float **data,
                           size_t *count)
{
    if (!optim)
        return gan__null(__func__, "optim");
    if (!data)
        return gan__null(__func__, "data");
    if (!count)
        return gan__null(__func__, "count");
    int slots[GAN__OPTIM_MAX_SLOTS];
    int active = active_slots(optim, slots);
    if (index < 0 || index >= active)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: index %d is outside 0..%d (%s has %d "
                         "state arrays with these options)", __func__, index, active - 1,
                         rule_names[optim->kind], active);
    gan_status status = model_arrays(__func__, optim->model, optim->count, NULL, NULL);
    if (status != GAN_OK)
        return status;
    if (name)
        *name = slot_name(optim->kind, slots[index]);
    *data = gan__optim_slot(optim, slots[index]);
    *count = optim->count;
    return GAN_OK;
}
