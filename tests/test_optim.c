/*
 * Optimizers: every update rule against a double-precision reference written here from
 * PyTorch's formulas (the PyTorch fixtures are test_optim_golden.c), gradient clipping,
 * non-finite gradients, options, state arrays, the step count, a model that grows, and
 * steps that allocate nothing.
 *
 * The model is Dense(4, 3) -> LeakyReLU -> Dense(3, 2): 23 parameters in four named tensors
 * ("0.weight" [3, 4], "0.bias", "2.weight" [2, 3], "2.bias"). Parameters and gradients are
 * written straight into its arrays from formulas; gradients vary by step, some elements are
 * 1000 times smaller than the rest (near Adam's eps), and the learning rate is halved
 * before step 4 in every run.
 */
#include <math.h>

#include "test_support.h"

#define MAX_PARAMS 64
#define STEPS 6
#define LR_CHANGE_AT 4
/* libgan (float) against the double reference: |x - r| <= TOL (|r| + 0.01 max|r|). */
#define TOL 2e-5

/* ---- the model and its values --------------------------------------------------------- */

static gan_model *small_model(void)
{
    gan_model *model = NULL;
    gan_layer *leaky = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, new_dense(4, 3, NULL)), GAN_OK);
    assert_status(gan_layer_leaky_relu(&leaky, 0.2f), GAN_OK);
    assert_status(gan_model_add(model, leaky), GAN_OK);
    assert_status(gan_model_add(model, new_dense(3, 2, NULL)), GAN_OK);
    float *params;
    size_t count;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &count), GAN_OK);
    assert_int_equal(count, 23);
    for (size_t i = 0; i < count; i++)
        params[i] = (float)(0.5 * cos(0.3 * (double)i) + 0.05);
    return model;
}

static float *parameters(gan_model *model, size_t *count)
{
    float *params;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, count), GAN_OK);
    return params;
}

static float *gradients(gan_model *model, size_t *count)
{
    float *grads;
    assert_status(gan_model_parameter_arrays(model, NULL, &grads, count), GAN_OK);
    return grads;
}

/* The gradient of step k (1-based). */
static void set_gradient(gan_model *model, int k)
{
    static const double amplitude[STEPS] = {1.2, 0.3, 0.9, 0.15, 1.6, 0.4};
    size_t count;
    float *grads = gradients(model, &count);
    for (size_t i = 0; i < count; i++)
        grads[i] = (float)(amplitude[(k - 1) % STEPS] * (i % 5 == 0 ? 1e-3 : 1.0) *
                           sin(0.7 * (double)i + 1.3 * k + 0.4));
}

/* ---- configurations -------------------------------------------------------------------- */

typedef struct config {
    const char *label;
    gan_optim_kind kind;
    float lr, momentum, dampening, weight_decay, beta1, beta2, eps, alpha, max_grad_norm;
    int nesterov, centered;
} config;

static config sgd(const char *label, float lr, float momentum, float dampening, int nesterov,
                  float weight_decay)
{
    return (config){.label = label, .kind = GAN_OPTIM_SGD, .lr = lr, .momentum = momentum,
                    .dampening = dampening, .nesterov = nesterov, .weight_decay = weight_decay};
}

static config adam(const char *label, gan_optim_kind kind, float lr, float beta1, float beta2,
                   float eps, float weight_decay)
{
    return (config){.label = label, .kind = kind, .lr = lr, .beta1 = beta1, .beta2 = beta2,
                    .eps = eps, .weight_decay = weight_decay};
}

static config rmsprop(const char *label, float lr, float alpha, float eps, float momentum,
                      int centered, float weight_decay)
{
    return (config){.label = label, .kind = GAN_OPTIM_RMSPROP, .lr = lr, .alpha = alpha,
                    .eps = eps, .momentum = momentum, .centered = centered,
                    .weight_decay = weight_decay};
}

/* Sets every option the rule has (momentum before nesterov, which needs it). */
static void apply(gan_optim *optim, const config *c)
{
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_LR, c->lr), GAN_OK);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_WEIGHT_DECAY, c->weight_decay), GAN_OK);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_MAX_GRAD_NORM, c->max_grad_norm), GAN_OK);
    switch (c->kind) {
    case GAN_OPTIM_SGD:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_MOMENTUM, c->momentum), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_DAMPENING, c->dampening), GAN_OK);
        assert_status(gan_optim_set_int(optim, GAN_OPTIM_NESTEROV, c->nesterov), GAN_OK);
        break;
    case GAN_OPTIM_ADAM:
    case GAN_OPTIM_ADAMW:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_BETA1, c->beta1), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_BETA2, c->beta2), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_EPS, c->eps), GAN_OK);
        break;
    case GAN_OPTIM_RMSPROP:
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_ALPHA, c->alpha), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_EPS, c->eps), GAN_OK);
        assert_status(gan_optim_set_float(optim, GAN_OPTIM_MOMENTUM, c->momentum), GAN_OK);
        assert_status(gan_optim_set_int(optim, GAN_OPTIM_CENTERED, c->centered), GAN_OK);
        break;
    }
}

static gan_optim *optimizer(gan_model *model, const config *c)
{
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, c->kind, model), GAN_OK);
    assert_int_equal(gan_optim_kind_of(optim), c->kind);
    apply(optim, c);
    return optim;
}

/* ---- the double-precision reference ---------------------------------------------------- */

typedef struct reference {
    config c;
    size_t n;
    double p[MAX_PARAMS];
    double a[MAX_PARAMS];    /* SGD momentum_buffer, exp_avg, square_avg */
    double b[MAX_PARAMS];    /* exp_avg_sq, grad_avg */
    double buf[MAX_PARAMS];  /* RMSprop momentum_buffer */
    int64_t t;
    int started;             /* SGD: the momentum buffer has started */
    double norm;
} reference;

static void reference_init(reference *r, const config *c, gan_model *model)
{
    memset(r, 0, sizeof *r);
    r->c = *c;
    const float *params = parameters(model, &r->n);
    assert_true(r->n <= MAX_PARAMS);
    for (size_t i = 0; i < r->n; i++)
        r->p[i] = params[i];
}

/* One step from the float gradients `grad` (before clipping), at learning rate lr. */
static void reference_step(reference *r, const float *grad, double lr)
{
    const config *c = &r->c;
    double g[MAX_PARAMS], sumsq = 0.0;
    for (size_t i = 0; i < r->n; i++) {
        g[i] = grad[i];
        sumsq += g[i] * g[i];
    }
    r->norm = sqrt(sumsq);
    if (c->max_grad_norm > 0 && c->max_grad_norm / (r->norm + 1e-6) < 1.0)
        for (size_t i = 0; i < r->n; i++)
            g[i] *= c->max_grad_norm / (r->norm + 1e-6);
    r->t++;
    double wd = c->weight_decay, momentum = c->momentum;
    for (size_t i = 0; i < r->n; i++) {
        double gi = g[i];
        switch (c->kind) {
        case GAN_OPTIM_SGD:
            gi += wd * r->p[i];
            if (momentum != 0) {
                r->a[i] = r->started ? momentum * r->a[i] + (1.0 - c->dampening) * gi : gi;
                gi = c->nesterov ? gi + momentum * r->a[i] : r->a[i];
            }
            r->p[i] -= lr * gi;
            break;
        case GAN_OPTIM_ADAM:
        case GAN_OPTIM_ADAMW: {
            if (c->kind == GAN_OPTIM_ADAMW)
                r->p[i] *= 1.0 - lr * wd;
            else
                gi += wd * r->p[i];
            double b1 = c->beta1, b2 = c->beta2;
            r->a[i] = b1 * r->a[i] + (1.0 - b1) * gi;
            r->b[i] = b2 * r->b[i] + (1.0 - b2) * gi * gi;
            double bias1 = 1.0 - pow(b1, (double)r->t), bias2 = 1.0 - pow(b2, (double)r->t);
            double denom = sqrt(r->b[i]) / sqrt(bias2) + c->eps;
            r->p[i] -= lr / bias1 * r->a[i] / denom;
            break;
        }
        case GAN_OPTIM_RMSPROP: {
            double alpha = c->alpha, avg;
            gi += wd * r->p[i];
            r->a[i] = alpha * r->a[i] + (1.0 - alpha) * gi * gi;
            if (c->centered) {
                r->b[i] = alpha * r->b[i] + (1.0 - alpha) * gi;
                avg = sqrt(fmax(r->a[i] - r->b[i] * r->b[i], 0.0)) + c->eps;
            } else {
                avg = sqrt(r->a[i]) + c->eps;
            }
            if (momentum > 0) {
                r->buf[i] = momentum * r->buf[i] + gi / avg;
                r->p[i] -= lr * r->buf[i];
            } else {
                r->p[i] -= lr * gi / avg;
            }
            break;
        }
        }
    }
    if (c->kind == GAN_OPTIM_SGD && momentum != 0)
        r->started = 1;
}

static const double *reference_state(const reference *r, const char *name)
{
    if (strcmp(name, "exp_avg") == 0 || strcmp(name, "square_avg") == 0)
        return r->a;
    if (strcmp(name, "exp_avg_sq") == 0 || strcmp(name, "grad_avg") == 0)
        return r->b;
    if (strcmp(name, "momentum_buffer") == 0)
        return r->c.kind == GAN_OPTIM_SGD ? r->a : r->buf;
    fail_msg("unknown state %s", name);
    return NULL;
}

static void assert_close(const char *label, const char *what, int step, const float *x,
                         const double *r, size_t n)
{
    double max_ref = 0.0;
    for (size_t i = 0; i < n; i++)
        max_ref = fmax(max_ref, fabs(r[i]));
    for (size_t i = 0; i < n; i++) {
        double allowed = TOL * (fabs(r[i]) + 0.01 * max_ref);
        if (!(fabs((double)x[i] - r[i]) <= allowed))
            fail_msg("%s: %s after step %d, element %zu: libgan %.9g, reference %.9g (allowed "
                     "difference %.3g)", label, what, step, i, (double)x[i], r[i], allowed);
    }
}

/* Runs `c` and the reference side by side for STEPS steps, halving the learning rate
 * before step LR_CHANGE_AT, comparing the parameters after every step and the state
 * arrays at the end. */
static void follows_the_reference(const config *c)
{
    gan_model *model = small_model();
    gan_optim *optim = optimizer(model, c);
    reference r;
    reference_init(&r, c, model);
    float lr = c->lr;
    for (int k = 1; k <= STEPS; k++) {
        if (k == LR_CHANGE_AT) {
            lr = c->lr * 0.5f;
            assert_status(gan_optim_set_float(optim, GAN_OPTIM_LR, lr), GAN_OK);
        }
        set_gradient(model, k);
        size_t count;
        reference_step(&r, gradients(model, &count), lr);
        assert_status(gan_optim_step(optim), GAN_OK);
        assert_int_equal(gan_optim_step_count(optim), k);
        const float *now = parameters(model, &count);
        assert_close(c->label, "parameters", k, now, r.p, count);
        float norm;
        assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
        assert_true(fabs(norm - r.norm) <= 1e-6 * r.norm);
    }
    int states = gan_optim_state_count(optim);
    for (int s = 0; s < states; s++) {
        const char *name;
        float *data;
        size_t count;
        assert_status(gan_optim_state(optim, s, &name, &data, &count), GAN_OK);
        assert_int_equal(count, r.n);
        assert_close(c->label, name, STEPS, data, reference_state(&r, name), count);
    }
    gan_optim_free(optim);
    gan_model_free(model);
}

/* ---- the rules --------------------------------------------------------------------------- */

static void sgd_follows_the_reference(void **state)
{
    (void)state;
    const config configs[] = {
        sgd("sgd", 0.1f, 0, 0, 0, 0),
        sgd("sgd weight decay", 0.1f, 0, 0, 0, 0.05f),
        sgd("sgd momentum", 0.05f, 0.9f, 0, 0, 0),
        sgd("sgd momentum dampening weight decay", 0.05f, 0.9f, 0.3f, 0, 0.01f),
        sgd("sgd nesterov", 0.05f, 0.8f, 0, 1, 0),
        sgd("sgd nesterov weight decay", 0.05f, 0.8f, 0, 1, 0.02f),
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++)
        follows_the_reference(&configs[i]);
}

static void adam_follows_the_reference(void **state)
{
    (void)state;
    const config configs[] = {
        adam("adam defaults, lr 0.01", GAN_OPTIM_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f, 0),
        adam("adam weight decay (L2)", GAN_OPTIM_ADAM, 0.02f, 0.8f, 0.95f, 1e-8f, 0.1f),
        adam("adam big eps", GAN_OPTIM_ADAM, 0.01f, 0.5f, 0.9f, 1e-2f, 0),
        adam("adam beta1 0", GAN_OPTIM_ADAM, 0.01f, 0.0f, 0.99f, 1e-8f, 0),
        adam("adamw", GAN_OPTIM_ADAMW, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f),
        adam("adamw strong decay", GAN_OPTIM_ADAMW, 0.05f, 0.5f, 0.99f, 1e-6f, 0.2f),
        adam("adamw no decay", GAN_OPTIM_ADAMW, 0.01f, 0.9f, 0.999f, 1e-8f, 0),
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++)
        follows_the_reference(&configs[i]);
}

static void rmsprop_follows_the_reference(void **state)
{
    (void)state;
    const config configs[] = {
        rmsprop("rmsprop defaults", 0.01f, 0.99f, 1e-8f, 0, 0, 0),
        rmsprop("rmsprop weight decay", 0.01f, 0.9f, 1e-8f, 0, 0, 0.1f),
        rmsprop("rmsprop centered", 0.01f, 0.9f, 1e-8f, 0, 1, 0),
        rmsprop("rmsprop momentum", 0.01f, 0.99f, 1e-8f, 0.5f, 0, 0),
        rmsprop("rmsprop centered momentum weight decay", 0.005f, 0.95f, 1e-4f, 0.9f, 1, 0.05f),
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++)
        follows_the_reference(&configs[i]);
}

/* AdamW shrinks the parameters before the update and leaves the gradient alone: with zero
 * gradients its moments stay zero and p becomes exactly p (1 - lr wd). Adam's L2 decay
 * goes through the gradient instead, so its moments fill and p moves by about lr. */
static void adamw_decouples_weight_decay(void **state)
{
    (void)state;
    const float lr = 0.1f, wd = 0.5f;
    gan_model *decoupled = small_model(), *coupled = small_model();
    config cw = adam("adamw", GAN_OPTIM_ADAMW, lr, 0.9f, 0.999f, 1e-8f, wd);
    config ca = adam("adam", GAN_OPTIM_ADAM, lr, 0.9f, 0.999f, 1e-8f, wd);
    gan_optim *w = optimizer(decoupled, &cw), *a = optimizer(coupled, &ca);
    size_t count;
    float *before = malloc(23 * sizeof(float));
    const float *start = parameters(decoupled, &count);
    memcpy(before, start, count * sizeof(float));
    assert_status(gan_optim_step(w), GAN_OK);
    assert_status(gan_optim_step(a), GAN_OK);
    const float *pw = parameters(decoupled, &count), *pa = parameters(coupled, &count);
    const float shrink = (float)(1.0 - (double)lr * (double)wd);
    for (size_t i = 0; i < count; i++) {
        assert_true(pw[i] == before[i] * shrink);
        /* Adam: m = 0.1 g, v = 0.001 g^2, bias-corrected m / sqrt(v) = sign(g) */
        assert_float_equal(pa[i], before[i] - (before[i] > 0 ? lr : -lr), 1e-6);
    }
    float *data;
    for (int s = 0; s < 2; s++) {
        assert_status(gan_optim_state(w, s, NULL, &data, &count), GAN_OK);
        for (size_t i = 0; i < count; i++)
            assert_true(data[i] == 0.0f);
    }
    free(before);
    gan_optim_free(w);
    gan_optim_free(a);
    gan_model_free(decoupled);
    gan_model_free(coupled);
}

/* Plain SGD on known numbers: p - lr g exactly, with the learning rate of each step. */
static void the_learning_rate_can_change_between_steps(void **state)
{
    (void)state;
    gan_model *model = small_model();
    config c = sgd("sgd", 0.5f, 0, 0, 0, 0);
    gan_optim *optim = optimizer(model, &c);
    size_t count;
    float *params = parameters(model, &count), *grads = gradients(model, &count);
    for (size_t i = 0; i < count; i++) {
        params[i] = (float)i;
        grads[i] = 1.0f;
    }
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_LR, 0.25f), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    float lr;
    assert_status(gan_optim_get_float(optim, GAN_OPTIM_LR, &lr), GAN_OK);
    assert_true(lr == 0.25f);
    for (size_t i = 0; i < count; i++) {
        assert_true(params[i] == (float)i - 0.75f);
        assert_true(grads[i] == 1.0f); /* not zeroed */
    }
    gan_optim_free(optim);
    gan_model_free(model);
}

/* ---- clipping ------------------------------------------------------------------------------ */

static double gradient_norm(gan_model *model)
{
    size_t count;
    const float *grads = gradients(model, &count);
    double sumsq = 0.0;
    for (size_t i = 0; i < count; i++)
        sumsq += (double)grads[i] * grads[i];
    return sqrt(sumsq);
}

static void clipping_scales_the_gradients(void **state)
{
    (void)state;
    gan_model *model = small_model();
    config c = sgd("sgd clip", 1.0f, 0, 0, 0, 0);
    c.max_grad_norm = 0.5f;
    gan_optim *optim = optimizer(model, &c);
    float norm, max_norm;
    assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_ERR_STATE);
    assert_error_mentions("no step");
    assert_status(gan_optim_get_float(optim, GAN_OPTIM_MAX_GRAD_NORM, &max_norm), GAN_OK);
    assert_true(max_norm == 0.5f);

    set_gradient(model, 1);
    size_t count;
    float *grads = gradients(model, &count), *params = parameters(model, &count);
    float *g0 = malloc(count * sizeof(float)), *p0 = malloc(count * sizeof(float));
    memcpy(g0, grads, count * sizeof(float));
    memcpy(p0, params, count * sizeof(float));
    double total = gradient_norm(model);
    assert_true(total > 1.0); /* well above the threshold */
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
    assert_true(fabs(norm - total) <= 1e-6 * total); /* the norm before clipping */
    double scale = 0.5 / (total + 1e-6);
    for (size_t i = 0; i < count; i++) {
        assert_float_equal(grads[i], g0[i] * scale, 1e-7);   /* clipped in place */
        assert_true(params[i] == p0[i] - grads[i]);           /* and used: p - 1 * g */
    }
    assert_true(fabs(gradient_norm(model) - 0.5) < 1e-6);

    /* Below the threshold nothing is scaled; the norm is still reported. */
    set_gradient(model, 4);
    memcpy(g0, grads, count * sizeof(float));
    total = gradient_norm(model);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_MAX_GRAD_NORM, (float)total * 2.0f), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_memory_equal(grads, g0, count * sizeof(float));
    assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
    assert_true(fabs(norm - total) <= 1e-6 * total);

    /* Clipping off (0): large gradients stay as they are, the norm is recorded. */
    set_gradient(model, 5);
    memcpy(g0, grads, count * sizeof(float));
    total = gradient_norm(model);
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_MAX_GRAD_NORM, 0.0f), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_memory_equal(grads, g0, count * sizeof(float));
    assert_status(gan_optim_last_grad_norm(optim, &norm), GAN_OK);
    assert_true(fabs(norm - total) <= 1e-6 * total);

    /* At the threshold PyTorch still scales, by max / (norm + 1e-6): one gradient of 0.5,
     * the rest 0, max_norm 0.5. */
    memset(grads, 0, count * sizeof(float));
    grads[7] = 0.5f;
    assert_status(gan_optim_set_float(optim, GAN_OPTIM_MAX_GRAD_NORM, 0.5f), GAN_OK);
    assert_status(gan_optim_step(optim), GAN_OK);
    assert_true(grads[7] == 0.5f * (float)(0.5 / (0.5 + 1e-6)));
    assert_true(grads[7] < 0.5f);

    /* Clipping with every rule follows the reference (which clips in double). */
    config clipped[] = {
        sgd("sgd momentum clip", 0.05f, 0.9f, 0, 0, 0),
        adam("adam clip", GAN_OPTIM_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f, 0),
        adam("adamw clip", GAN_OPTIM_ADAMW, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f),
        rmsprop("rmsprop clip", 0.01f, 0.9f, 1e-8f, 0.5f, 1, 0),
    };
    for (size_t i = 0; i < sizeof clipped / sizeof clipped[0]; i++) {
        clipped[i].max_grad_norm = 1.0f; /* steps 1, 3, 5, 6 are clipped (norms 3.7, 2.5, 4.4,
                                            1.3), 2 and 4 not (0.92, 0.48) */
        follows_the_reference(&clipped[i]);
    }
    free(g0);
    free(p0);
    gan_optim_free(optim);
    gan_model_free(model);
}

/* ---- non-finite gradients ------------------------------------------------------------------ */

typedef struct snapshot {
    float params[MAX_PARAMS], grads[MAX_PARAMS];
    float states[3][MAX_PARAMS];
    int state_count;
    int64_t steps;
    float norm;
} snapshot;

static void take(snapshot *s, gan_model *model, gan_optim *optim)
{
    size_t count;
    memset(s, 0, sizeof *s); /* padding too: snapshots are compared with memcmp */
    const float *params = parameters(model, &count), *grads = gradients(model, &count);
    memcpy(s->params, params, count * sizeof(float));
    memcpy(s->grads, grads, count * sizeof(float));
    s->state_count = gan_optim_state_count(optim);
    for (int i = 0; i < s->state_count; i++) {
        float *data;
        assert_status(gan_optim_state(optim, i, NULL, &data, &count), GAN_OK);
        memcpy(s->states[i], data, count * sizeof(float));
    }
    s->steps = gan_optim_step_count(optim);
    assert_status(gan_optim_last_grad_norm(optim, &s->norm), GAN_OK);
}

static void nonfinite_gradients_change_nothing(void **state)
{
    (void)state;
    config configs[] = {
        sgd("sgd", 0.05f, 0.9f, 0.1f, 0, 0.01f),
        adam("adam", GAN_OPTIM_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f),
        adam("adamw", GAN_OPTIM_ADAMW, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f),
        rmsprop("rmsprop", 0.01f, 0.9f, 1e-8f, 0.5f, 1, 0.01f),
    };
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        configs[c].max_grad_norm = 0.5f; /* clipping on: the gradients must not be scaled */
        gan_model *model = small_model();
        gan_optim *optim = optimizer(model, &configs[c]);
        for (int k = 1; k <= 2; k++) {
            set_gradient(model, k);
            assert_status(gan_optim_step(optim), GAN_OK);
        }
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            set_gradient(model, 3);
            size_t count;
            gradients(model, &count)[17] = bad[b]; /* "2.weight" [2, 3], element 2 */
            snapshot before, after;
            take(&before, model, optim);
            assert_status(gan_optim_step(optim), GAN_ERR_NUMERIC);
            assert_error_mentions("'2.weight'");
            assert_error_mentions("element 2 (index 17");
            assert_error_mentions("nothing was updated");
            take(&after, model, optim);
            assert_memory_equal(&before, &after, sizeof before);
        }
        /* A finite gradient afterwards steps as usual. */
        set_gradient(model, 3);
        assert_status(gan_optim_step(optim), GAN_OK);
        assert_int_equal(gan_optim_step_count(optim), 3);
        gan_optim_free(optim);
        gan_model_free(model);
    }
}

/* ---- options ---------------------------------------------------------------------------------- */

static void expect_float(gan_optim *optim, gan_optim_option option, float want)
{
    float value = -1.0f;
    assert_status(gan_optim_get_float(optim, option, &value), GAN_OK);
    if (value != want)
        fail_msg("option %d is %.9g, expected %.9g", (int)option, (double)value, (double)want);
}

static void expect_int(gan_optim *optim, gan_optim_option option, int64_t want)
{
    int64_t value = -1;
    assert_status(gan_optim_get_int(optim, option, &value), GAN_OK);
    assert_int_equal(value, want);
}

static gan_optim *fresh(gan_model *model, gan_optim_kind kind)
{
    gan_optim *optim = NULL;
    assert_status(gan_optim_new(&optim, kind, model), GAN_OK);
    return optim;
}

static void defaults_are_pytorchs(void **state)
{
    (void)state;
    gan_model *model = small_model();
    gan_optim *o = fresh(model, GAN_OPTIM_SGD);
    expect_float(o, GAN_OPTIM_LR, 0.01f);
    expect_float(o, GAN_OPTIM_MOMENTUM, 0.0f);
    expect_float(o, GAN_OPTIM_DAMPENING, 0.0f);
    expect_int(o, GAN_OPTIM_NESTEROV, 0);
    expect_float(o, GAN_OPTIM_WEIGHT_DECAY, 0.0f);
    expect_float(o, GAN_OPTIM_MAX_GRAD_NORM, 0.0f);
    gan_optim_free(o);
    for (int kind = GAN_OPTIM_ADAM; kind <= GAN_OPTIM_ADAMW; kind++) {
        o = fresh(model, (gan_optim_kind)kind);
        expect_float(o, GAN_OPTIM_LR, 1e-3f);
        expect_float(o, GAN_OPTIM_BETA1, 0.9f);
        expect_float(o, GAN_OPTIM_BETA2, 0.999f);
        expect_float(o, GAN_OPTIM_EPS, 1e-8f);
        expect_float(o, GAN_OPTIM_WEIGHT_DECAY, kind == GAN_OPTIM_ADAMW ? 0.01f : 0.0f);
        expect_float(o, GAN_OPTIM_MAX_GRAD_NORM, 0.0f);
        gan_optim_free(o);
    }
    o = fresh(model, GAN_OPTIM_RMSPROP);
    expect_float(o, GAN_OPTIM_LR, 0.01f);
    expect_float(o, GAN_OPTIM_ALPHA, 0.99f);
    expect_float(o, GAN_OPTIM_EPS, 1e-8f);
    expect_float(o, GAN_OPTIM_MOMENTUM, 0.0f);
    expect_int(o, GAN_OPTIM_CENTERED, 0);
    expect_float(o, GAN_OPTIM_WEIGHT_DECAY, 0.0f);
    gan_optim_free(o);
    gan_model_free(model);
}

/* A rejected value leaves the option as it was. */
static void refuse_float(gan_optim *optim, gan_optim_option option, float value, const char *says)
{
    float before, after;
    assert_status(gan_optim_get_float(optim, option, &before), GAN_OK);
    assert_status(gan_optim_set_float(optim, option, value), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions(says);
    assert_status(gan_optim_get_float(optim, option, &after), GAN_OK);
    assert_memory_equal(&before, &after, sizeof before);
}

static void option_values_are_checked(void **state)
{
    (void)state;
    gan_model *model = small_model();
    gan_optim *sgd_optim = fresh(model, GAN_OPTIM_SGD);
    gan_optim *adam_optim = fresh(model, GAN_OPTIM_ADAM);
    gan_optim *rms = fresh(model, GAN_OPTIM_RMSPROP);

    refuse_float(sgd_optim, GAN_OPTIM_LR, 0.0f, "lr = 0 is out of range; it must be > 0");
    refuse_float(sgd_optim, GAN_OPTIM_LR, -0.1f, "> 0");
    refuse_float(sgd_optim, GAN_OPTIM_LR, NAN, "not finite");
    refuse_float(sgd_optim, GAN_OPTIM_LR, INFINITY, "not finite");
    refuse_float(sgd_optim, GAN_OPTIM_MOMENTUM, -0.1f, "momentum = -0.1 is out of range");
    refuse_float(sgd_optim, GAN_OPTIM_WEIGHT_DECAY, -1e-3f, ">= 0");
    refuse_float(sgd_optim, GAN_OPTIM_MAX_GRAD_NORM, -1.0f, ">= 0");
    refuse_float(sgd_optim, GAN_OPTIM_DAMPENING, NAN, "not finite");
    refuse_float(adam_optim, GAN_OPTIM_BETA1, 1.0f, "in [0, 1)");
    refuse_float(adam_optim, GAN_OPTIM_BETA1, -0.5f, "in [0, 1)");
    refuse_float(adam_optim, GAN_OPTIM_BETA2, 1.5f, "beta2");
    refuse_float(adam_optim, GAN_OPTIM_EPS, 0.0f, "eps = 0");
    refuse_float(adam_optim, GAN_OPTIM_EPS, -INFINITY, "not finite");
    refuse_float(rms, GAN_OPTIM_ALPHA, 1.0f, "alpha");
    refuse_float(rms, GAN_OPTIM_EPS, -1e-8f, "> 0");

    /* The edges that are allowed. */
    assert_status(gan_optim_set_float(adam_optim, GAN_OPTIM_BETA1, 0.0f), GAN_OK);
    assert_status(gan_optim_set_float(adam_optim, GAN_OPTIM_BETA2, 0.99999994f), GAN_OK);
    assert_status(gan_optim_set_float(rms, GAN_OPTIM_ALPHA, 0.0f), GAN_OK);
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_DAMPENING, -0.5f), GAN_OK);
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_DAMPENING, 0.0f), GAN_OK);
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_MAX_GRAD_NORM, 0.0f), GAN_OK);
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_MOMENTUM, 1.5f), GAN_OK);

    /* Integer options are 0 or 1. */
    assert_status(gan_optim_set_int(rms, GAN_OPTIM_CENTERED, 2), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("centered = 2; it must be 0 or 1");
    assert_status(gan_optim_set_int(rms, GAN_OPTIM_CENTERED, -1), GAN_ERR_INVALID_ARGUMENT);
    expect_int(rms, GAN_OPTIM_CENTERED, 0);
    assert_status(gan_optim_set_int(rms, GAN_OPTIM_CENTERED, 1), GAN_OK);
    expect_int(rms, GAN_OPTIM_CENTERED, 1);

    gan_optim_free(sgd_optim);
    gan_optim_free(adam_optim);
    gan_optim_free(rms);
    gan_model_free(model);
}

static void options_belong_to_rules_and_types(void **state)
{
    (void)state;
    gan_model *model = small_model();
    gan_optim *sgd_optim = fresh(model, GAN_OPTIM_SGD);
    gan_optim *adam_optim = fresh(model, GAN_OPTIM_ADAMW);
    gan_optim *rms = fresh(model, GAN_OPTIM_RMSPROP);
    float f;
    int64_t i;

    /* Another rule's option. */
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_BETA1, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("SGD has no option 'beta1'");
    assert_status(gan_optim_get_float(sgd_optim, GAN_OPTIM_EPS, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_ALPHA, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(sgd_optim, GAN_OPTIM_CENTERED, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("SGD has no option 'centered'");
    assert_status(gan_optim_set_float(adam_optim, GAN_OPTIM_MOMENTUM, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("AdamW has no option 'momentum'");
    assert_status(gan_optim_set_float(adam_optim, GAN_OPTIM_DAMPENING, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_float(adam_optim, GAN_OPTIM_ALPHA, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(rms, GAN_OPTIM_NESTEROV, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("RMSprop has no option 'nesterov'");
    assert_status(gan_optim_set_float(rms, GAN_OPTIM_BETA2, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_float(rms, GAN_OPTIM_DAMPENING, 0.5f), GAN_ERR_INVALID_ARGUMENT);

    /* The wrong type. */
    assert_status(gan_optim_set_float(sgd_optim, GAN_OPTIM_NESTEROV, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'nesterov' is an integer option (use gan_optim_set_int)");
    assert_status(gan_optim_get_float(rms, GAN_OPTIM_CENTERED, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("(use gan_optim_get_int)");
    assert_status(gan_optim_set_int(sgd_optim, GAN_OPTIM_LR, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'lr' is a float option (use gan_optim_set_float)");
    assert_status(gan_optim_get_int(adam_optim, GAN_OPTIM_BETA1, &i), GAN_ERR_INVALID_ARGUMENT);

    /* Unknown options. */
    assert_status(gan_optim_set_float(sgd_optim, (gan_optim_option)19, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("unknown option 19");
    assert_status(gan_optim_set_float(sgd_optim, (gan_optim_option)-1, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_float(sgd_optim, (gan_optim_option)99, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(sgd_optim, (gan_optim_option)20, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_int(sgd_optim, (gan_optim_option)-3, &i), GAN_ERR_INVALID_ARGUMENT);

    /* NULL arguments. */
    assert_status(gan_optim_set_float(NULL, GAN_OPTIM_LR, 1.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_float(NULL, GAN_OPTIM_LR, &f), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_float(sgd_optim, GAN_OPTIM_LR, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_int(NULL, GAN_OPTIM_NESTEROV, 0), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_int(NULL, GAN_OPTIM_NESTEROV, &i), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_get_int(sgd_optim, GAN_OPTIM_NESTEROV, NULL), GAN_ERR_INVALID_ARGUMENT);

    gan_optim_free(sgd_optim);
    gan_optim_free(adam_optim);
    gan_optim_free(rms);
    gan_model_free(model);
}

/* Nesterov needs momentum > 0 and dampening 0, whatever order the options are set in. */
static void nesterov_needs_momentum_without_dampening(void **state)
{
    (void)state;
    gan_model *model = small_model();
    gan_optim *o = fresh(model, GAN_OPTIM_SGD);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_NESTEROV, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("nesterov needs momentum > 0 and dampening 0 (momentum is 0, dampening 0)");
    expect_int(o, GAN_OPTIM_NESTEROV, 0);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_DAMPENING, 0.1f), GAN_OK);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_NESTEROV, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("dampening 0.1");
    assert_status(gan_optim_set_float(o, GAN_OPTIM_DAMPENING, 0.0f), GAN_OK);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_NESTEROV, 1), GAN_OK);
    /* While it is on, momentum cannot drop to 0 nor dampening leave 0. */
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.0f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("while nesterov is on");
    assert_status(gan_optim_set_float(o, GAN_OPTIM_DAMPENING, 0.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("turn nesterov off first");
    expect_float(o, GAN_OPTIM_MOMENTUM, 0.9f);
    expect_float(o, GAN_OPTIM_DAMPENING, 0.0f);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.5f), GAN_OK);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_NESTEROV, 0), GAN_OK);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.0f), GAN_OK);
    gan_optim_free(o);
    gan_model_free(model);
}

/* ---- state ------------------------------------------------------------------------------- */

static void expect_states(gan_optim *optim, int count, const char *const *names)
{
    assert_int_equal(gan_optim_state_count(optim), count);
    size_t params = (size_t)23;
    float *seen[3] = {NULL, NULL, NULL};
    for (int s = 0; s < count; s++) {
        const char *name = NULL;
        float *data = NULL;
        size_t n = 0;
        assert_status(gan_optim_state(optim, s, &name, &data, &n), GAN_OK);
        assert_string_equal(name, names[s]);
        assert_int_equal(n, params);
        assert_non_null(data);
        for (int t = 0; t < s; t++) /* disjoint arrays */
            assert_true(data + n <= seen[t] || seen[t] + n <= data);
        seen[s] = data;
        assert_status(gan_optim_state(optim, s, NULL, &data, &n), GAN_OK); /* name optional */
    }
    float *data;
    size_t n;
    assert_status(gan_optim_state(optim, count, NULL, &data, &n), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("outside");
    assert_status(gan_optim_state(optim, -1, NULL, &data, &n), GAN_ERR_INVALID_ARGUMENT);
}

static void state_arrays_are_named(void **state)
{
    (void)state;
    static const char *const adam_names[] = {"exp_avg", "exp_avg_sq"};
    static const char *const momentum[] = {"momentum_buffer"};
    static const char *const square[] = {"square_avg"};
    static const char *const centered[] = {"square_avg", "grad_avg"};
    static const char *const rms_momentum[] = {"square_avg", "momentum_buffer"};
    static const char *const all[] = {"square_avg", "grad_avg", "momentum_buffer"};
    gan_model *model = small_model();

    gan_optim *o = fresh(model, GAN_OPTIM_SGD);
    expect_states(o, 0, NULL);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.9f), GAN_OK);
    expect_states(o, 1, momentum);
    gan_optim_free(o);

    for (int kind = GAN_OPTIM_ADAM; kind <= GAN_OPTIM_ADAMW; kind++) {
        o = fresh(model, (gan_optim_kind)kind);
        expect_states(o, 2, adam_names);
        gan_optim_free(o);
    }

    o = fresh(model, GAN_OPTIM_RMSPROP);
    expect_states(o, 1, square);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_CENTERED, 1), GAN_OK);
    expect_states(o, 2, centered);
    assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, 0.5f), GAN_OK);
    expect_states(o, 3, all);
    assert_status(gan_optim_set_int(o, GAN_OPTIM_CENTERED, 0), GAN_OK);
    expect_states(o, 2, rms_momentum);
    gan_optim_free(o);

    float *data;
    size_t n;
    assert_int_equal(gan_optim_state_count(NULL), -1);
    assert_status(gan_optim_state(NULL, 0, NULL, &data, &n), GAN_ERR_INVALID_ARGUMENT);
    o = fresh(model, GAN_OPTIM_ADAM);
    assert_status(gan_optim_state(o, 0, NULL, NULL, &n), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_state(o, 0, NULL, &data, NULL), GAN_ERR_INVALID_ARGUMENT);
    /* Zeroed at creation. */
    assert_status(gan_optim_state(o, 1, NULL, &data, &n), GAN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(data[i] == 0.0f);
    gan_optim_free(o);
    gan_model_free(model);
}

/* SGD's momentum buffer: listed only while momentum != 0, but kept (as PyTorch keeps it)
 * through steps without momentum, and used again when momentum comes back. */
static void sgd_momentum_can_pause(void **state)
{
    (void)state;
    gan_model *model = small_model();
    config c = sgd("sgd", 0.1f, 0.9f, 0.5f, 0, 0);
    gan_optim *o = optimizer(model, &c);
    reference r;
    reference_init(&r, &c, model);
    for (int k = 1; k <= STEPS; k++) {
        float momentum = k == 3 || k == 4 ? 0.0f : 0.9f;
        assert_status(gan_optim_set_float(o, GAN_OPTIM_MOMENTUM, momentum), GAN_OK);
        r.c.momentum = momentum;
        assert_int_equal(gan_optim_state_count(o), momentum != 0.0f);
        set_gradient(model, k);
        size_t count;
        reference_step(&r, gradients(model, &count), 0.1);
        assert_status(gan_optim_step(o), GAN_OK);
        const float *now = parameters(model, &count);
        assert_close("sgd with a pause", "parameters", k, now, r.p, count);
    }
    float *data;
    size_t n;
    assert_status(gan_optim_state(o, 0, NULL, &data, &n), GAN_OK);
    assert_close("sgd with a pause", "momentum_buffer", STEPS, data, r.a, n);
    gan_optim_free(o);
    gan_model_free(model);
}

/* Restoring a checkpoint: the state arrays are writable and, with the step count, all an
 * optimizer needs to continue exactly where another left off. */
static void state_and_step_count_resume_a_run(void **state)
{
    (void)state;
    const config configs[] = {
        sgd("sgd", 0.05f, 0.9f, 0.3f, 0, 0.01f),
        adam("adam", GAN_OPTIM_ADAM, 0.01f, 0.8f, 0.99f, 1e-8f, 0.01f),
        adam("adamw", GAN_OPTIM_ADAMW, 0.01f, 0.8f, 0.99f, 1e-8f, 0.1f),
        rmsprop("rmsprop", 0.01f, 0.9f, 1e-8f, 0.5f, 1, 0.01f),
    };
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        gan_model *first = small_model(), *second = small_model();
        gan_optim *a = optimizer(first, &configs[c]);
        for (int k = 1; k <= 3; k++) {
            set_gradient(first, k);
            assert_status(gan_optim_step(a), GAN_OK);
        }
        /* The "checkpoint": parameters, states, step count, into fresh objects. */
        gan_optim *b = optimizer(second, &configs[c]);
        size_t count;
        float *to = parameters(second, &count), *from = parameters(first, &count);
        memcpy(to, from, count * sizeof(float));
        assert_status(gan_optim_set_step_count(b, gan_optim_step_count(a)), GAN_OK);
        assert_int_equal(gan_optim_state_count(b), gan_optim_state_count(a));
        for (int s = 0; s < gan_optim_state_count(a); s++) {
            const char *na, *nb;
            float *da, *db;
            size_t n;
            assert_status(gan_optim_state(a, s, &na, &da, &n), GAN_OK);
            assert_status(gan_optim_state(b, s, &nb, &db, &n), GAN_OK);
            assert_string_equal(na, nb);
            memcpy(db, da, n * sizeof(float));
        }
        for (int k = 4; k <= STEPS; k++) {
            set_gradient(first, k);
            set_gradient(second, k);
            assert_status(gan_optim_step(a), GAN_OK);
            assert_status(gan_optim_step(b), GAN_OK);
            const float *pa = parameters(first, &count), *pb = parameters(second, &count);
            assert_memory_equal(pa, pb, count * sizeof(float));
        }
        gan_optim_free(a);
        gan_optim_free(b);
        gan_model_free(first);
        gan_model_free(second);
    }
}

static void the_step_count_can_be_read_and_set(void **state)
{
    (void)state;
    gan_model *model = small_model();
    config c = adam("adam", GAN_OPTIM_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f, 0);
    gan_optim *o = optimizer(model, &c);
    assert_int_equal(gan_optim_step_count(o), 0);
    assert_int_equal(gan_optim_step_count(NULL), -1);
    assert_status(gan_optim_set_step_count(NULL, 1), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_set_step_count(o, -1), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("-1");
    assert_int_equal(gan_optim_step_count(o), 0);

    /* Adam's bias correction uses the count: from 10, the next step is t = 11. */
    assert_status(gan_optim_set_step_count(o, 10), GAN_OK);
    reference r;
    reference_init(&r, &c, model);
    r.t = 10;
    set_gradient(model, 1);
    size_t count;
    reference_step(&r, gradients(model, &count), c.lr);
    assert_status(gan_optim_step(o), GAN_OK);
    assert_int_equal(gan_optim_step_count(o), 11);
    const float *now = parameters(model, &count);
    assert_close("adam from step 10", "parameters", 11, now, r.p, count);

    /* The count cannot overflow. */
    assert_status(gan_optim_set_step_count(o, INT64_MAX), GAN_OK);
    float before[23];
    memcpy(before, parameters(model, &count), sizeof before);
    assert_status(gan_optim_step(o), GAN_ERR_STATE);
    assert_error_mentions("maximum");
    assert_memory_equal(before, parameters(model, &count), sizeof before);
    assert_int_equal(gan_optim_step_count(o), INT64_MAX);
    gan_optim_free(o);
    gan_model_free(model);
}

/* ---- the model changes ---------------------------------------------------------------------- */

static void a_grown_model_is_refused(void **state)
{
    (void)state;
    gan_model *model = small_model();
    config c = sgd("sgd", 0.1f, 0.9f, 0, 0, 0);
    gan_optim *o = optimizer(model, &c);
    set_gradient(model, 1);
    assert_status(gan_optim_step(o), GAN_OK);

    /* A layer without parameters moves the arrays but keeps the count: steps go on, on the
     * new arrays. */
    gan_layer *tanh_layer = NULL;
    assert_status(gan_layer_tanh(&tanh_layer), GAN_OK);
    assert_status(gan_model_add(model, tanh_layer), GAN_OK);
    size_t count;
    float before[23];
    memcpy(before, parameters(model, &count), sizeof before);
    assert_status(gan_optim_step(o), GAN_OK);
    assert_true(memcmp(before, parameters(model, &count), sizeof before) != 0);

    /* A layer with parameters: refused, and nothing changes. */
    assert_status(gan_model_add(model, new_dense(2, 2, NULL)), GAN_OK);
    memcpy(before, parameters(model, &count), sizeof before);
    assert_int_equal(count, 29);
    assert_status(gan_optim_step(o), GAN_ERR_STATE);
    assert_error_mentions("the model has 29 parameters now, 23 when this object was made");
    assert_memory_equal(before, parameters(model, &count), sizeof before);
    assert_int_equal(gan_optim_step_count(o), 2);
    float *data;
    size_t n;
    assert_status(gan_optim_state(o, 0, NULL, &data, &n), GAN_ERR_STATE);
    assert_error_mentions("29 parameters now");
    gan_optim_free(o);
    gan_model_free(model);
}

/* ---- memory ------------------------------------------------------------------------------------ */

static void steps_allocate_nothing(void **state)
{
    (void)state;
    config configs[] = {
        sgd("sgd", 0.05f, 0.9f, 0.1f, 0, 0.01f),
        sgd("nesterov", 0.05f, 0.9f, 0, 1, 0.01f),
        adam("adam", GAN_OPTIM_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f),
        adam("adamw", GAN_OPTIM_ADAMW, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f),
        rmsprop("rmsprop", 0.01f, 0.9f, 1e-8f, 0.5f, 1, 0.01f),
    };
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        configs[c].max_grad_norm = 0.8f;
        gan_model *model = small_model();
        gan_optim *o = optimizer(model, &configs[c]);
        long calls = group_allocator.calls, live = group_allocator.live;
        for (int k = 1; k <= STEPS; k++) {
            set_gradient(model, k);
            assert_status(gan_optim_step(o), GAN_OK);
            float norm;
            assert_status(gan_optim_last_grad_norm(o, &norm), GAN_OK);
        }
        assert_int_equal(group_allocator.calls, calls);
        assert_int_equal(group_allocator.live, live);
        gan_optim_free(o);
        gan_model_free(model);
    }
}

static void creation_is_checked(void **state)
{
    (void)state;
    gan_model *model = small_model(), *empty = NULL;
    gan_optim *o = (gan_optim *)&o; /* must be reset to NULL on failure */
    assert_status(gan_optim_new(NULL, GAN_OPTIM_SGD, model), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_new(&o, (gan_optim_kind)4, model), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("unknown rule 4");
    assert_null(o);
    assert_status(gan_optim_new(&o, (gan_optim_kind)-1, model), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_new(&o, GAN_OPTIM_ADAM, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_null(o);
    assert_status(gan_model_new(&empty), GAN_OK);
    assert_status(gan_optim_new(&o, GAN_OPTIM_ADAM, empty), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("no parameters");
    assert_null(o);

    /* Every allocation failing in turn: OUT_OF_MEMORY, nothing left allocated. */
    for (long fail = 1;; fail++) {
        long live = group_allocator.live;
        group_allocator.fail_at = group_allocator.calls + fail;
        gan_status status = gan_optim_new(&o, GAN_OPTIM_RMSPROP, model);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            assert_true(fail > 2);
            gan_optim_free(o);
            break;
        }
        assert_int_equal(status, GAN_ERR_OUT_OF_MEMORY);
        assert_null(o);
        assert_int_equal(group_allocator.live, live);
    }

    /* NULL handles. */
    gan_optim_free(NULL);
    assert_int_equal(gan_optim_kind_of(NULL), -1);
    assert_status(gan_optim_step(NULL), GAN_ERR_INVALID_ARGUMENT);
    float norm;
    assert_status(gan_optim_last_grad_norm(NULL, &norm), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_optim_new(&o, GAN_OPTIM_SGD, model), GAN_OK);
    assert_status(gan_optim_last_grad_norm(o, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_optim_free(o);
    gan_model_free(empty);
    gan_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sgd_follows_the_reference),
        cmocka_unit_test(adam_follows_the_reference),
        cmocka_unit_test(rmsprop_follows_the_reference),
        cmocka_unit_test(adamw_decouples_weight_decay),
        cmocka_unit_test(the_learning_rate_can_change_between_steps),
        cmocka_unit_test(clipping_scales_the_gradients),
        cmocka_unit_test(nonfinite_gradients_change_nothing),
        cmocka_unit_test(defaults_are_pytorchs),
        cmocka_unit_test(option_values_are_checked),
        cmocka_unit_test(options_belong_to_rules_and_types),
        cmocka_unit_test(nesterov_needs_momentum_without_dampening),
        cmocka_unit_test(state_arrays_are_named),
        cmocka_unit_test(sgd_momentum_can_pause),
        cmocka_unit_test(state_and_step_count_resume_a_run),
        cmocka_unit_test(the_step_count_can_be_read_and_set),
        cmocka_unit_test(a_grown_model_is_refused),
        cmocka_unit_test(steps_allocate_nothing),
        cmocka_unit_test(creation_is_checked),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
