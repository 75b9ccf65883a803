/*
 * The adversarial losses and BCE on logits: hand-checked values, every value and gradient
 * against a long-double reference and against central differences of it, extreme and
 * infinite logits, NaN, label smoothing and flipping (pattern, statistics, determinism,
 * stream position), options, shapes, NULL handles, aliasing, and no allocations.
 */
#include "loss_test_support.h"

#define OBJECTIVE_COUNT 5

static const char *const objective_names[OBJECTIVE_COUNT] = {
    "minimax", "non-saturating", "wasserstein", "least-squares", "hinge"};

static int is_bce(gan_objective objective)
{
    return objective == GAN_OBJECTIVE_MINIMAX || objective == GAN_OBJECTIVE_NON_SATURATING;
}

static gan_loss *new_loss(gan_objective objective)
{
    gan_loss *loss = NULL;
    assert_status(gan_loss_new(&loss, objective), GAN_OK);
    assert_non_null(loss);
    return loss;
}

static gan_rng *new_rng(uint64_t seed)
{
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    return rng;
}

static uint64_t noise_position(const gan_rng *rng)
{
    uint64_t position = 0;
    assert_status(gan_rng_get_position(rng, GAN_RNG_NOISE, &position), GAN_OK);
    return position;
}

/* D's loss on real [nr] and fake [nf]: the value and both gradients (any may be NULL). */
static gan_status run_d(const gan_loss *loss, gan_rng *rng, const float *real, int64_t nr,
                        const float *fake, int64_t nf, float *value, float *grad_real,
                        float *grad_fake)
{
    gan_tensor *r = column_of(nr, real), *f = column_of(nf, fake);
    gan_tensor *gr = column_of(nr, NULL), *gf = column_of(nf, NULL);
    gan_status status = gan_loss_discriminator(loss, rng, r, f, value, gr, gf);
    if (grad_real)
        memcpy(grad_real, gan_tensor_data(gr), (size_t)nr * sizeof(float));
    if (grad_fake)
        memcpy(grad_fake, gan_tensor_data(gf), (size_t)nf * sizeof(float));
    gan_tensor_free(r);
    gan_tensor_free(f);
    gan_tensor_free(gr);
    gan_tensor_free(gf);
    return status;
}

static gan_status run_g(const gan_loss *loss, const float *fake, int64_t nf, float *value,
                        float *grad)
{
    gan_tensor *f = column_of(nf, fake), *g = column_of(nf, NULL);
    gan_status status = gan_loss_generator(loss, f, value, g);
    if (grad)
        memcpy(grad, gan_tensor_data(g), (size_t)nf * sizeof(float));
    gan_tensor_free(f);
    gan_tensor_free(g);
    return status;
}

/* ---- the reference ----------------------------------------------------------------- */

typedef struct objective_case {
    gan_objective objective;
    float smoothing, a, b, c;
} objective_case;

static objective_case default_case(gan_objective objective)
{
    objective_case c = {objective, 0.0f, 0.0f, 1.0f, 1.0f};
    return c;
}

/* The options of `c` set on a new loss. */
static gan_loss *loss_for(const objective_case *c)
{
    gan_loss *loss = new_loss(c->objective);
    if (is_bce(c->objective))
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_SMOOTHING, c->smoothing), GAN_OK);
    if (c->objective == GAN_OBJECTIVE_LEAST_SQUARES) {
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_A, c->a), GAN_OK);
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_B, c->b), GAN_OK);
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_C, c->c), GAN_OK);
    }
    return loss;
}

/* The real target of the BCE objectives: 1 - s as a float32 label holds it. */
static ldouble real_target(const objective_case *c)
{
    return (ldouble)(1.0f - c->smoothing);
}

/* One real sample's D term and its derivative; `flipped` swaps its BCE target. */
static ldouble ref_d_real(const objective_case *c, ldouble r, int flipped, ldouble *slope)
{
    switch (c->objective) {
    case GAN_OBJECTIVE_MINIMAX:
    case GAN_OBJECTIVE_NON_SATURATING: {
        ldouble t = flipped ? 0.0L : real_target(c);
        *slope = ref_sigmoid(r) - t;
        return ref_bce(r, t);
    }
    case GAN_OBJECTIVE_WASSERSTEIN:
        *slope = -1;
        return -r;
    case GAN_OBJECTIVE_LEAST_SQUARES:
        *slope = r - c->b;
        return 0.5L * (r - c->b) * (r - c->b);
    case GAN_OBJECTIVE_HINGE:
        *slope = r < 1 ? -1 : 0;
        return r < 1 ? 1 - r : 0;
    }
    fail();
    return 0;
}

static ldouble ref_d_fake(const objective_case *c, ldouble f, int flipped, ldouble *slope)
{
    switch (c->objective) {
    case GAN_OBJECTIVE_MINIMAX:
    case GAN_OBJECTIVE_NON_SATURATING: {
        ldouble t = flipped ? real_target(c) : 0.0L;
        *slope = ref_sigmoid(f) - t;
        return ref_bce(f, t);
    }
    case GAN_OBJECTIVE_WASSERSTEIN:
        *slope = 1;
        return f;
    case GAN_OBJECTIVE_LEAST_SQUARES:
        *slope = f - c->a;
        return 0.5L * (f - c->a) * (f - c->a);
    case GAN_OBJECTIVE_HINGE:
        *slope = f > -1 ? 1 : 0;
        return f > -1 ? 1 + f : 0;
    }
    fail();
    return 0;
}

static ldouble ref_g(const objective_case *c, ldouble f, ldouble *slope)
{
    switch (c->objective) {
    case GAN_OBJECTIVE_MINIMAX: /* log(1 - sigmoid(f)) = -log(1 + e^f) */
        *slope = -ref_sigmoid(f);
        return -ref_softplus(f);
    case GAN_OBJECTIVE_NON_SATURATING: /* -log sigmoid(f) = log(1 + e^-f) */
        *slope = ref_sigmoid(f) - 1;
        return ref_softplus(-f);
    case GAN_OBJECTIVE_WASSERSTEIN:
    case GAN_OBJECTIVE_HINGE:
        *slope = -1;
        return -f;
    case GAN_OBJECTIVE_LEAST_SQUARES:
        *slope = f - c->c;
        return 0.5L * (f - c->c) * (f - c->c);
    }
    fail();
    return 0;
}

/* A batch pair in long double, with per-sample flips, and the reference losses on it. */
typedef struct reference_batch {
    const objective_case *c;
    ldouble *real, *fake;
    int64_t nr, nf;
    const unsigned char *flip_real, *flip_fake; /* NULL: none flipped */
    int64_t moving;                             /* the input finite differences move */
    int moving_fake;
} reference_batch;

static ldouble ref_d_value(const reference_batch *b, ldouble *grad_real, ldouble *grad_fake)
{
    ldouble real_sum = 0, fake_sum = 0, slope = 0;
    for (int64_t i = 0; i < b->nr; i++) {
        real_sum += ref_d_real(b->c, b->real[i], b->flip_real && b->flip_real[i], &slope);
        if (grad_real)
            grad_real[i] = slope / b->nr;
    }
    for (int64_t i = 0; i < b->nf; i++) {
        fake_sum += ref_d_fake(b->c, b->fake[i], b->flip_fake && b->flip_fake[i], &slope);
        if (grad_fake)
            grad_fake[i] = slope / b->nf;
    }
    return real_sum / b->nr + fake_sum / b->nf;
}

static ldouble ref_g_value(const reference_batch *b, ldouble *grad)
{
    ldouble sum = 0, slope = 0;
    for (int64_t i = 0; i < b->nf; i++) {
        sum += ref_g(b->c, b->fake[i], &slope);
        if (grad)
            grad[i] = slope / b->nf;
    }
    return sum / b->nf;
}

/* The reference D (or G) value with input `moving` set to `value`. */
static ldouble d_value_at(void *context, ldouble value)
{
    reference_batch *b = context;
    ldouble *slot = b->moving_fake ? &b->fake[b->moving] : &b->real[b->moving];
    ldouble saved = *slot;
    *slot = value;
    ldouble result = ref_d_value(b, NULL, NULL);
    *slot = saved;
    return result;
}

static ldouble g_value_at(void *context, ldouble value)
{
    reference_batch *b = context;
    ldouble saved = b->fake[b->moving];
    b->fake[b->moving] = value;
    ldouble result = ref_g_value(b, NULL);
    b->fake[b->moving] = saved;
    return result;
}

/*
 * Runs D and G on (real, fake) and checks the values and every gradient against the
 * reference and against central differences of the reference. `flip_*` say which targets
 * libgan is expected to have flipped (the caller predicts them from the seed).
 */
static void check_against_reference(const objective_case *c, const gan_loss *loss, gan_rng *rng,
                                    const float *real, int64_t nr, const float *fake, int64_t nf,
                                    const unsigned char *flip_real,
                                    const unsigned char *flip_fake)
{
    float d_value = NAN, g_value = NAN;
    float *grad_real = calloc((size_t)nr, sizeof(float)), *grad_fake = calloc((size_t)nf, sizeof(float));
    float *grad_g = calloc((size_t)nf, sizeof(float));
    assert_status(run_d(loss, rng, real, nr, fake, nf, &d_value, grad_real, grad_fake), GAN_OK);
    assert_status(run_g(loss, fake, nf, &g_value, grad_g), GAN_OK);

    ldouble *lr = calloc((size_t)nr, sizeof(ldouble)), *lf = calloc((size_t)nf, sizeof(ldouble));
    ldouble *want_real = calloc((size_t)nr, sizeof(ldouble));
    ldouble *want_fake = calloc((size_t)nf, sizeof(ldouble)), *want_g = calloc((size_t)nf, sizeof(ldouble));
    for (int64_t i = 0; i < nr; i++)
        lr[i] = real[i];
    for (int64_t i = 0; i < nf; i++)
        lf[i] = fake[i];
    reference_batch b = {c, lr, lf, nr, nf, flip_real, flip_fake, 0, 0};

    expect_near("D value", 0, d_value, ref_d_value(&b, want_real, want_fake), FLOAT_REL, 1e-30);
    expect_near("G value", 0, g_value, ref_g_value(&b, want_g), FLOAT_REL, 1e-30);
    for (int64_t i = 0; i < nr; i++) {
        expect_near("D grad_real", i, grad_real[i], want_real[i], FLOAT_REL, 1e-15);
        b.moving = i;
        b.moving_fake = 0;
        expect_difference("D grad_real vs differences", i, grad_real[i], d_value_at, &b, lr[i]);
    }
    for (int64_t i = 0; i < nf; i++) {
        expect_near("D grad_fake", i, grad_fake[i], want_fake[i], FLOAT_REL, 1e-15);
        expect_near("G grad", i, grad_g[i], want_g[i], FLOAT_REL, 1e-15);
        b.moving = i;
        b.moving_fake = 1;
        expect_difference("D grad_fake vs differences", i, grad_fake[i], d_value_at, &b, lf[i]);
        expect_difference("G grad vs differences", i, grad_g[i], g_value_at, &b, lf[i]);
    }
    free(grad_real);
    free(grad_fake);
    free(grad_g);
    free(lr);
    free(lf);
    free(want_real);
    free(want_fake);
    free(want_g);
}

/* Logits uniform in [-6, 6), kept 1e-3 away from the hinge's kinks at ±1 so that the
 * central differences do not straddle them. */
static void random_logits(uint64_t seed, float *out, int64_t n)
{
    uniform_values(seed, out, n, -6.0f, 6.0f);
    for (int64_t i = 0; i < n; i++)
        if (fabsf(fabsf(out[i]) - 1.0f) < 1e-3f)
            out[i] += 0.01f;
}

/* ---- the object and its options ----------------------------------------------------- */

static void objects_are_created_with_defaults(void **state)
{
    (void)state;
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        gan_loss *loss = new_loss((gan_objective)o);
        assert_int_equal(gan_loss_objective(loss), o);
        float value = -1;
        if (is_bce((gan_objective)o)) {
            assert_status(gan_loss_get_float(loss, GAN_LOSS_LABEL_SMOOTHING, &value), GAN_OK);
            assert_true(value == 0.0f);
            assert_status(gan_loss_get_float(loss, GAN_LOSS_LABEL_FLIP, &value), GAN_OK);
            assert_true(value == 0.0f);
        }
        if (o == GAN_OBJECTIVE_LEAST_SQUARES) {
            assert_status(gan_loss_get_float(loss, GAN_LOSS_LSGAN_A, &value), GAN_OK);
            assert_true(value == 0.0f);
            assert_status(gan_loss_get_float(loss, GAN_LOSS_LSGAN_B, &value), GAN_OK);
            assert_true(value == 1.0f);
            assert_status(gan_loss_get_float(loss, GAN_LOSS_LSGAN_C, &value), GAN_OK);
            assert_true(value == 1.0f);
        }
        gan_loss_free(loss);
    }
    gan_loss *loss = (gan_loss *)&group_allocator; /* not NULL: must be reset on failure */
    assert_status(gan_loss_new(&loss, (gan_objective)5), GAN_ERR_INVALID_ARGUMENT);
    assert_null(loss);
    assert_error_mentions("unknown objective 5");
    assert_status(gan_loss_new(&loss, (gan_objective)-1), GAN_ERR_INVALID_ARGUMENT);
    assert_null(loss);
    assert_status(gan_loss_new(NULL, GAN_OBJECTIVE_HINGE), GAN_ERR_INVALID_ARGUMENT);
    gan_loss_free(NULL);
    assert_int_equal(gan_loss_objective(NULL), -1);
}

static void out_of_memory_is_reported(void **state)
{
    (void)state;
    long calls = group_allocator.calls;
    group_allocator.fail_at = calls + 1;
    gan_loss *loss = (gan_loss *)&group_allocator;
    assert_status(gan_loss_new(&loss, GAN_OBJECTIVE_MINIMAX), GAN_ERR_OUT_OF_MEMORY);
    assert_null(loss);
    group_allocator.fail_at = 0;
}

/* Which options each objective uses; every other combination is refused, set and get. */
static void options_apply_only_to_their_objectives(void **state)
{
    (void)state;
    static const float valid[5] = {0.1f, 0.2f, -0.5f, 0.5f, 0.25f};
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        gan_loss *loss = new_loss((gan_objective)o);
        for (int option = 0; option < 5; option++) {
            int applies = option <= GAN_LOSS_LABEL_FLIP ? is_bce((gan_objective)o)
                                                        : o == GAN_OBJECTIVE_LEAST_SQUARES;
            float value = 42.0f;
            if (applies) {
                assert_status(gan_loss_set_float(loss, (gan_loss_option)option, valid[option]), GAN_OK);
                assert_status(gan_loss_get_float(loss, (gan_loss_option)option, &value), GAN_OK);
                assert_true(value == valid[option]);
            } else {
                assert_status(gan_loss_set_float(loss, (gan_loss_option)option, 0.0f),
                              GAN_ERR_INVALID_ARGUMENT);
                assert_error_mentions(objective_names[o]);
                assert_error_mentions("does not use option");
                assert_status(gan_loss_get_float(loss, (gan_loss_option)option, &value),
                              GAN_ERR_INVALID_ARGUMENT);
                assert_true(value == 42.0f);
            }
        }
        assert_status(gan_loss_set_float(loss, (gan_loss_option)5, 0.0f), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("unknown option 5");
        assert_status(gan_loss_set_float(loss, (gan_loss_option)-1, 0.0f), GAN_ERR_INVALID_ARGUMENT);
        float value;
        assert_status(gan_loss_get_float(loss, (gan_loss_option)7, &value), GAN_ERR_INVALID_ARGUMENT);
        gan_loss_free(loss);
    }
    assert_status(gan_loss_set_float(NULL, GAN_LOSS_LABEL_FLIP, 0.1f), GAN_ERR_INVALID_ARGUMENT);
    float value;
    assert_status(gan_loss_get_float(NULL, GAN_LOSS_LABEL_FLIP, &value), GAN_ERR_INVALID_ARGUMENT);
    gan_loss *loss = new_loss(GAN_OBJECTIVE_MINIMAX);
    assert_status(gan_loss_get_float(loss, GAN_LOSS_LABEL_FLIP, NULL), GAN_ERR_INVALID_ARGUMENT);
    gan_loss_free(loss);
}

static void option_values_are_checked(void **state)
{
    (void)state;
    gan_loss *bce = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    gan_loss *ls = new_loss(GAN_OBJECTIVE_LEAST_SQUARES);
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_SMOOTHING, 0.25f), GAN_OK);
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_FLIP, 0.125f), GAN_OK);
    const float bad_smoothing[] = {-0.01f, 1.0f, 1.5f, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_smoothing / sizeof *bad_smoothing; i++) {
        assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_SMOOTHING, bad_smoothing[i]),
                      GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("label smoothing");
    }
    const float bad_flip[] = {-0.01f, 1.0001f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_flip / sizeof *bad_flip; i++) {
        assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_FLIP, bad_flip[i]),
                      GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("label flip");
    }
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_SMOOTHING, 1.5f), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("1.5");
    /* failed sets left the values alone */
    float value;
    assert_status(gan_loss_get_float(bce, GAN_LOSS_LABEL_SMOOTHING, &value), GAN_OK);
    assert_true(value == 0.25f);
    assert_status(gan_loss_get_float(bce, GAN_LOSS_LABEL_FLIP, &value), GAN_OK);
    assert_true(value == 0.125f);
    /* the edges that are allowed */
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_SMOOTHING, 0.999f), GAN_OK);
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_FLIP, 1.0f), GAN_OK);
    assert_status(gan_loss_set_float(bce, GAN_LOSS_LABEL_FLIP, 0.0f), GAN_OK);
    /* LSGAN targets: any finite value */
    const float bad_target[] = {NAN, INFINITY, -INFINITY};
    for (int option = GAN_LOSS_LSGAN_A; option <= GAN_LOSS_LSGAN_C; option++) {
        for (size_t i = 0; i < 3; i++) {
            assert_status(gan_loss_set_float(ls, (gan_loss_option)option, bad_target[i]),
                          GAN_ERR_INVALID_ARGUMENT);
            assert_error_mentions("not finite");
        }
        assert_status(gan_loss_set_float(ls, (gan_loss_option)option, -FLT_MAX), GAN_OK);
        assert_status(gan_loss_get_float(ls, (gan_loss_option)option, &value), GAN_OK);
        assert_true(value == -FLT_MAX);
    }
    gan_loss_free(bce);
    gan_loss_free(ls);
}

/* ---- values ------------------------------------------------------------------------- */

static void expect_float(float got, double want)
{
    if (!(fabs((double)got - want) <= 1e-6 * fabs(want) + 1e-7)) {
        print_error("got %.9g, expected %.9g\n", (double)got, want);
        fail();
    }
}

/* Small cases worked out by hand from the formulas in gan/loss.h. */
static void hand_checked_values(void **state)
{
    (void)state;
    const double ln2 = 0.69314718055994530942;
    float value, gr[4], gf[4];
    gan_loss *loss = new_loss(GAN_OBJECTIVE_MINIMAX);
    /* D: BCE(0, 1) + BCE(0, 0) = 2 ln 2; gradients sigmoid(0) - 1 and sigmoid(0) */
    assert_status(run_d(loss, NULL, (const float[]){0}, 1, (const float[]){0}, 1,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 2 * ln2);
    expect_float(gr[0], -0.5);
    expect_float(gf[0], 0.5);
    /* G: log(1 - sigmoid(0)) = -ln 2, gradient -sigmoid(0) */
    assert_status(run_g(loss, (const float[]){0}, 1, &value, gf), GAN_OK);
    expect_float(value, -ln2);
    expect_float(gf[0], -0.5);
    /* G at f = ln 3: sigmoid = 3/4, log(1/4) */
    assert_status(run_g(loss, (const float[]){(float)log(3.0)}, 1, &value, gf), GAN_OK);
    expect_float(value, log(0.25));
    expect_float(gf[0], -0.75);
    gan_loss_free(loss);

    loss = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    /* D with two reals and one fake: each term is a mean over its own batch */
    assert_status(run_d(loss, NULL, (const float[]){0, 0}, 2, (const float[]){0}, 1,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 2 * ln2);
    expect_float(gr[0], -0.25);
    expect_float(gr[1], -0.25);
    expect_float(gf[0], 0.5);
    /* G: -log sigmoid(ln 3) = ln(4/3), gradient sigmoid - 1 = -1/4 */
    assert_status(run_g(loss, (const float[]){(float)log(3.0)}, 1, &value, gf), GAN_OK);
    expect_float(value, log(4.0 / 3.0));
    expect_float(gf[0], -0.25);
    /* smoothing 0.1: the real target is 0.9: BCE(ln 3, 0.9) = 0.1 ln 3 + ln(4/3) */
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_SMOOTHING, 0.1f), GAN_OK);
    assert_status(run_d(loss, NULL, (const float[]){(float)log(3.0)}, 1, (const float[]){0}, 1,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 0.1 * log(3.0) + log(4.0 / 3.0) + ln2);
    expect_float(gr[0], 0.75 - 0.9);
    expect_float(gf[0], 0.5); /* one-sided: the fake target stays 0 */
    /* and G is not smoothed */
    assert_status(run_g(loss, (const float[]){(float)log(3.0)}, 1, &value, gf), GAN_OK);
    expect_float(value, log(4.0 / 3.0));
    gan_loss_free(loss);

    loss = new_loss(GAN_OBJECTIVE_WASSERSTEIN);
    /* D = mean(fake) - mean(real) = 2 - 2 = 0; gradients -1/2 and 1 */
    assert_status(run_d(loss, NULL, (const float[]){1, 3}, 2, (const float[]){2}, 1,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 0);
    expect_float(gr[0], -0.5);
    expect_float(gr[1], -0.5);
    expect_float(gf[0], 1);
    assert_status(run_d(loss, NULL, (const float[]){1, 3}, 2, (const float[]){-2, 5, 0.5f}, 3,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 3.5 / 3 - 2);
    expect_float(gf[2], 1.0 / 3);
    assert_status(run_g(loss, (const float[]){2, -4}, 2, &value, gf), GAN_OK);
    expect_float(value, 1);
    expect_float(gf[0], -0.5);
    expect_float(gf[1], -0.5);
    gan_loss_free(loss);

    loss = new_loss(GAN_OBJECTIVE_LEAST_SQUARES);
    /* a = 0, b = 1: D = ½(3 - 1)² + ½ mean(2², (-2)²) = 2 + 2 */
    assert_status(run_d(loss, NULL, (const float[]){3}, 1, (const float[]){2, -2}, 2,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 4);
    expect_float(gr[0], 2);
    expect_float(gf[0], 1);
    expect_float(gf[1], -1);
    /* c = 1: G = ½ mean(1², 3²) = 2.5; gradients (f - 1) / 2 */
    assert_status(run_g(loss, (const float[]){2, -2}, 2, &value, gf), GAN_OK);
    expect_float(value, 2.5);
    expect_float(gf[0], 0.5);
    expect_float(gf[1], -1.5);
    /* the targets are options: a = -1, b = 1, c = 0 (the "-1/1/0" LSGAN variant) */
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_A, -1), GAN_OK);
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_C, 0), GAN_OK);
    assert_status(run_d(loss, NULL, (const float[]){3}, 1, (const float[]){2, -2}, 2,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 2 + 0.5 * (9 + 1) / 2);
    expect_float(gf[0], 1.5);
    expect_float(gf[1], -0.5);
    assert_status(run_g(loss, (const float[]){2, -2}, 2, &value, gf), GAN_OK);
    expect_float(value, 2);
    expect_float(gf[0], 1);
    gan_loss_free(loss);

    loss = new_loss(GAN_OBJECTIVE_HINGE);
    /* D = mean(relu(1 - 0.5), relu(1 - 2)) + mean(relu(1 - 2), relu(1 + 0.5)) = 0.25 + 0.75 */
    assert_status(run_d(loss, NULL, (const float[]){0.5f, 2}, 2, (const float[]){-2, 0.5f}, 2,
                        &value, gr, gf), GAN_OK);
    expect_float(value, 1);
    expect_float(gr[0], -0.5);
    expect_float(gr[1], 0);
    expect_float(gf[0], 0);
    expect_float(gf[1], 0.5);
    /* at the kinks (real 1, fake -1) the value is 0 and so is the gradient, as in PyTorch */
    assert_status(run_d(loss, NULL, (const float[]){1}, 1, (const float[]){-1}, 1,
                        &value, gr, gf), GAN_OK);
    assert_true(value == 0.0f && gr[0] == 0.0f && gf[0] == 0.0f);
    /* G = -mean(f) */
    assert_status(run_g(loss, (const float[]){-2, 0.5f}, 2, &value, gf), GAN_OK);
    expect_float(value, 0.75);
    expect_float(gf[0], -0.5);
    expect_float(gf[1], -0.5);
    gan_loss_free(loss);
}

static void values_and_gradients_match_the_reference(void **state)
{
    (void)state;
    static const int64_t sizes[][2] = {{5, 3}, {1, 1}, {1, 4}, {37, 64}, {300, 257}};
    uint64_t seed = 100;
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        objective_case cases[2] = {default_case((gan_objective)o), default_case((gan_objective)o)};
        cases[1].smoothing = is_bce((gan_objective)o) ? 0.15f : 0.0f;
        if (o == GAN_OBJECTIVE_LEAST_SQUARES) {
            cases[1].a = -0.5f;
            cases[1].b = 1.5f;
            cases[1].c = 0.25f;
        }
        for (int k = 0; k < 2; k++) {
            gan_loss *loss = loss_for(&cases[k]);
            for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
                int64_t nr = sizes[s][0], nf = sizes[s][1];
                float *real = calloc((size_t)nr, sizeof(float)), *fake = calloc((size_t)nf, sizeof(float));
                random_logits(seed++, real, nr);
                random_logits(seed++, fake, nf);
                check_against_reference(&cases[k], loss, NULL, real, nr, fake, nf, NULL, NULL);
                free(real);
                free(fake);
            }
            gan_loss_free(loss);
        }
    }
}

/* Logits far outside [-6, 6): the reference still holds for moderately large values. */
static void large_logits_match_the_reference(void **state)
{
    (void)state;
    const float real[] = {-30, 25, 80, -90, 15.5f, 0.001f};
    const float fake[] = {40, -35, -80, 88, 0.0f};
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        objective_case c = default_case((gan_objective)o);
        c.smoothing = is_bce((gan_objective)o) ? 0.05f : 0.0f;
        gan_loss *loss = loss_for(&c);
        check_against_reference(&c, loss, NULL, real, 6, fake, 5, NULL, NULL);
        gan_loss_free(loss);
    }
}

/* ---- extremes ----------------------------------------------------------------------- */

typedef struct extreme_case {
    gan_objective objective;
    float real, fake;
    double d_value, grad_real, grad_fake; /* D's value and gradients */
    double g_value, grad_g;               /* G's, on `fake` */
} extreme_case;

#define BIG 1e4f
#define MAXF FLT_MAX
#define INF_F INFINITY

static void expect_exact(const char *what, const extreme_case *e, double got, double want)
{
    int same = isnan(want) ? isnan(got) : got == want;
    if (!same) {
        print_error("%s %s (real %g, fake %g): got %.9g, expected %.9g\n",
                    objective_names[e->objective], what, (double)e->real, (double)e->fake, got,
                    want);
        fail();
    }
}

/*
 * Extreme finite logits give finite values (a result beyond the float range saturates at
 * FLT_MAX) and infinite logits give the limits; the gradients are the limits of the
 * per-sample derivatives (σ(±inf) = 1, 0).
 */
static void extreme_logits_give_finite_values_and_limits(void **state)
{
    (void)state;
    const double M = FLT_MAX, inf = INFINITY;
    const extreme_case cases[] = {
        /* minimax: D = BCE(r, 1) + BCE(f, 0); G = -BCE(f, 0) */
        {GAN_OBJECTIVE_MINIMAX, BIG, -BIG, 0, 0, 0, 0, 0},           /* e^-1e4 underflows to 0 */
        {GAN_OBJECTIVE_MINIMAX, -BIG, BIG, 2e4, -1, 1, -1e4, -1},
        {GAN_OBJECTIVE_MINIMAX, 0, 0, 2 * 0.69314718055994531, -0.5, 0.5, -0.69314718055994531, -0.5},
        {GAN_OBJECTIVE_MINIMAX, MAXF, -MAXF, 0, 0, 0, 0, 0},
        {GAN_OBJECTIVE_MINIMAX, -MAXF, MAXF, M, -1, 1, -M, -1},    /* 2 FLT_MAX saturates */
        {GAN_OBJECTIVE_MINIMAX, -MAXF, -MAXF, M, -1, 0, 0, 0},
        {GAN_OBJECTIVE_MINIMAX, INF_F, -INF_F, 0, 0, 0, 0, 0},      /* limits: no inf * 0 = NaN */
        {GAN_OBJECTIVE_MINIMAX, -INF_F, INF_F, inf, -1, 1, -inf, -1},
        /* non-saturating G = BCE(f, 1) */
        {GAN_OBJECTIVE_NON_SATURATING, BIG, BIG, 1e4, 0, 1, 0, 0},
        {GAN_OBJECTIVE_NON_SATURATING, MAXF, -MAXF, 0, 0, 0, M, -1},
        {GAN_OBJECTIVE_NON_SATURATING, INF_F, INF_F, inf, 0, 1, 0, 0},
        {GAN_OBJECTIVE_NON_SATURATING, INF_F, -INF_F, 0, 0, 0, inf, -1},
        /* wasserstein: D = f - r, G = -f */
        {GAN_OBJECTIVE_WASSERSTEIN, BIG, -BIG, -2e4, -1, 1, 1e4, -1},
        {GAN_OBJECTIVE_WASSERSTEIN, MAXF, -MAXF, -M, -1, 1, M, -1},
        {GAN_OBJECTIVE_WASSERSTEIN, -MAXF, MAXF, M, -1, 1, -M, -1},
        {GAN_OBJECTIVE_WASSERSTEIN, INF_F, 0, -inf, -1, 1, 0, -1},
        {GAN_OBJECTIVE_WASSERSTEIN, INF_F, INF_F, NAN, -1, 1, -inf, -1}, /* inf - inf: no limit */
        /* least squares (a 0, b 1, c 1) */
        {GAN_OBJECTIVE_LEAST_SQUARES, BIG, -BIG, 0.5 * 9999 * 9999 + 0.5e8, 9999, -1e4,
         0.5 * 10001.0 * 10001, -10001},
        {GAN_OBJECTIVE_LEAST_SQUARES, MAXF, -MAXF, M, M, -M, M, -M}, /* squares saturate */
        {GAN_OBJECTIVE_LEAST_SQUARES, INF_F, -INF_F, inf, inf, -inf, inf, -inf},
        /* hinge: D = relu(1 - r) + relu(1 + f); G = -f */
        {GAN_OBJECTIVE_HINGE, BIG, -BIG, 0, 0, 0, 1e4, -1},
        {GAN_OBJECTIVE_HINGE, -BIG, BIG, 2 * 10001, -1, 1, -1e4, -1},
        {GAN_OBJECTIVE_HINGE, -MAXF, MAXF, M, -1, 1, -M, -1},
        {GAN_OBJECTIVE_HINGE, INF_F, -INF_F, 0, 0, 0, inf, -1},
        {GAN_OBJECTIVE_HINGE, -INF_F, INF_F, inf, -1, 1, -inf, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const extreme_case *e = &cases[i];
        gan_loss *loss = new_loss(e->objective);
        float value, gr, gf, g;
        assert_status(run_d(loss, NULL, &e->real, 1, &e->fake, 1, &value, &gr, &gf), GAN_OK);
        if (isfinite(e->real) && isfinite(e->fake)) {
            assert_true(isfinite(value) && isfinite(gr) && isfinite(gf));
            expect_near("D value", (long long)i, value, e->d_value, 1e-6, 1e-30);
        } else {
            expect_exact("D value", e, value, e->d_value);
        }
        expect_exact("D grad_real", e, gr, (float)e->grad_real);
        expect_exact("D grad_fake", e, gf, (float)e->grad_fake);
        assert_status(run_g(loss, &e->fake, 1, &value, &g), GAN_OK);
        if (isfinite(e->fake))
            expect_near("G value", (long long)i, value, e->g_value, 1e-6, 1e-30);
        else
            expect_exact("G value", e, value, e->g_value);
        expect_exact("G grad", e, g, (float)e->grad_g);
        gan_loss_free(loss);
    }
}

/* Tiny tails are computed, not rounded away: BCE(40, 1) = log1p(e^-40) ~ 4.25e-18. */
static void tails_keep_their_relative_precision(void **state)
{
    (void)state;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    float value, g;
    assert_status(run_g(loss, (const float[]){40}, 1, &value, &g), GAN_OK);
    expect_near("G value", 0, value, log1pl(expl(-40.0L)), FLOAT_REL, 0);
    expect_near("G grad", 0, g, -ref_sigmoid(-40.0L), FLOAT_REL, 0);
    gan_loss_free(loss);
    loss = new_loss(GAN_OBJECTIVE_MINIMAX);
    float gr, gf;
    assert_status(run_d(loss, NULL, (const float[]){60}, 1, (const float[]){-50}, 1,
                        &value, &gr, &gf), GAN_OK);
    expect_near("D value", 0, value, log1pl(expl(-60.0L)) + log1pl(expl(-50.0L)), FLOAT_REL, 0);
    expect_near("D grad_real", 0, gr, -ref_sigmoid(-60.0L), FLOAT_REL, 0);
    expect_near("D grad_fake", 0, gf, ref_sigmoid(-50.0L), FLOAT_REL, 0);
    gan_loss_free(loss);
}

/* NaN logits are not hidden: the value is NaN (the trainer detects it). */
static void nan_logits_give_nan_values(void **state)
{
    (void)state;
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        gan_loss *loss = new_loss((gan_objective)o);
        float value = 0, gr[2], gf[2];
        assert_status(run_d(loss, NULL, (const float[]){0.5f, NAN}, 2, (const float[]){1, -1}, 2,
                            &value, gr, gf), GAN_OK);
        assert_true(isnan(value));
        assert_true(isfinite(gr[0]) && isfinite(gf[0]) && isfinite(gf[1]));
        assert_int_equal(isnan(gr[1]) != 0, o != GAN_OBJECTIVE_WASSERSTEIN); /* constant there */
        value = 0;
        assert_status(run_d(loss, NULL, (const float[]){0.5f}, 1, (const float[]){NAN}, 1,
                            &value, gr, gf), GAN_OK);
        assert_true(isnan(value));
        value = 0;
        assert_status(run_g(loss, (const float[]){NAN, 2}, 2, &value, gf), GAN_OK);
        assert_true(isnan(value));
        assert_true(isfinite(gf[1]));
        assert_int_equal(isnan(gf[0]) != 0,
                         o != GAN_OBJECTIVE_WASSERSTEIN && o != GAN_OBJECTIVE_HINGE);
        gan_loss_free(loss);
    }
}

/* ---- label flipping ----------------------------------------------------------------- */

/* Which of n samples a generator in the state of `twin` flips with probability p: one fill
 * of n uniforms from the noise stream, a flip where u < p. */
static void predict_flips(gan_rng *twin, int64_t n, float p, unsigned char *flipped)
{
    gan_tensor *u = tensor_of(1, &n, NULL);
    assert_status(gan_rng_fill_uniform(twin, GAN_RNG_NOISE, u, 0.0f, 1.0f), GAN_OK);
    for (int64_t i = 0; i < n; i++)
        flipped[i] = gan_tensor_data(u)[i] < p;
    gan_tensor_free(u);
}

/* The targets libgan used, read from the gradients at logit 0: (1/2 - t) / n. */
static int64_t count_flips(const float *grad, int64_t n, int real)
{
    int64_t flips = 0;
    for (int64_t i = 0; i < n; i++)
        flips += real ? grad[i] > 0 : grad[i] < 0;
    return flips;
}

/* The flipped samples are exactly those the seed predicts, call after call, and the value
 * and gradients match the reference with those targets. */
static void flips_follow_the_noise_stream(void **state)
{
    (void)state;
    const int64_t nr = 301, nf = 130; /* more than one 256-draw chunk, not multiples of 4 */
    const float p = 0.3f;
    for (int o = GAN_OBJECTIVE_MINIMAX; o <= GAN_OBJECTIVE_NON_SATURATING; o++) {
        objective_case c = default_case((gan_objective)o);
        c.smoothing = 0.1f;
        gan_loss *loss = loss_for(&c);
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, p), GAN_OK);
        gan_rng *rng = new_rng(1234), *twin = new_rng(1234);
        float real[301], fake[130];
        unsigned char flip_real[301], flip_fake[130];
        for (int call = 0; call < 3; call++) {
            random_logits(7 + (uint64_t)call, real, nr);
            random_logits(70 + (uint64_t)call, fake, nf);
            predict_flips(twin, nr, p, flip_real);
            predict_flips(twin, nf, p, flip_fake);
            uint64_t before = noise_position(rng);
            check_against_reference(&c, loss, rng, real, nr, fake, nf, flip_real, flip_fake);
            /* real batch ceil(301 / 4) = 76 blocks, fake ceil(130 / 4) = 33 */
            assert_int_equal(noise_position(rng), before + 76 + 33);
            assert_int_equal(noise_position(rng), noise_position(twin));
        }
        /* only the noise stream moved */
        uint64_t position;
        for (int stream = 0; stream < 4; stream++)
            if (stream != GAN_RNG_NOISE) {
                assert_status(gan_rng_get_position(rng, (gan_rng_stream)stream, &position), GAN_OK);
                assert_int_equal(position, 0);
            }
        /* at logit 0 the pattern is visible in the gradients' signs */
        float zeros[301] = {0}, gr[301], gf[130], value;
        predict_flips(twin, nr, p, flip_real);
        predict_flips(twin, nf, p, flip_fake);
        assert_status(run_d(loss, rng, zeros, nr, zeros, nf, &value, gr, gf), GAN_OK);
        for (int64_t i = 0; i < nr; i++)
            assert_int_equal(gr[i] > 0, flip_real[i]);
        for (int64_t i = 0; i < nf; i++)
            assert_int_equal(gf[i] < 0, flip_fake[i]);
        gan_rng_free(rng);
        gan_rng_free(twin);
        gan_loss_free(loss);
    }
}

/* The number of flips is Binomial(n, p): within 5 standard deviations of n p. */
static void flip_counts_are_binomial(void **state)
{
    (void)state;
    const int64_t n = 200000;
    const float probabilities[] = {0.05f, 0.5f, 0.9f};
    float *zeros = calloc((size_t)n, sizeof(float)), *gr = calloc((size_t)n, sizeof(float));
    float *gf = calloc((size_t)n / 2, sizeof(float));
    gan_loss *loss = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    gan_rng *rng = new_rng(99);
    for (size_t k = 0; k < 3; k++) {
        double p = probabilities[k];
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, probabilities[k]), GAN_OK);
        float value;
        assert_status(run_d(loss, rng, zeros, n, zeros, n / 2, &value, gr, gf), GAN_OK);
        double real_flips = (double)count_flips(gr, n, 1);
        double fake_flips = (double)count_flips(gf, n / 2, 0);
        double sigma_real = sqrt(n * p * (1 - p)), sigma_fake = sqrt(n / 2 * p * (1 - p));
        assert_true(fabs(real_flips - n * p) < 5 * sigma_real);
        assert_true(fabs(fake_flips - n / 2 * p) < 5 * sigma_fake);
    }
    gan_rng_free(rng);
    gan_loss_free(loss);
    free(zeros);
    free(gr);
    free(gf);
}

static void flips_are_deterministic_per_seed(void **state)
{
    (void)state;
    const int64_t n = 1000;
    float zeros[1000] = {0}, a_real[1000], a_fake[1000], b_real[1000], b_fake[1000], value;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_MINIMAX);
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, 0.5f), GAN_OK);
    gan_rng *a = new_rng(5), *b = new_rng(5), *other = new_rng(6);
    assert_status(run_d(loss, a, zeros, n, zeros, n, &value, a_real, a_fake), GAN_OK);
    assert_status(run_d(loss, b, zeros, n, zeros, n, &value, b_real, b_fake), GAN_OK);
    assert_true(same_floats(a_real, b_real, n) && same_floats(a_fake, b_fake, n));
    assert_status(run_d(loss, other, zeros, n, zeros, n, &value, b_real, b_fake), GAN_OK);
    assert_false(same_floats(a_real, b_real, n));
    /* the next call continues the stream: a new pattern */
    assert_status(run_d(loss, a, zeros, n, zeros, n, &value, b_real, b_fake), GAN_OK);
    assert_false(same_floats(a_real, b_real, n));
    /* a saved position replays the same flips */
    assert_status(gan_rng_set_position(a, GAN_RNG_NOISE, 0), GAN_OK);
    assert_status(run_d(loss, a, zeros, n, zeros, n, &value, b_real, b_fake), GAN_OK);
    assert_true(same_floats(a_real, b_real, n) && same_floats(a_fake, b_fake, n));
    gan_rng_free(a);
    gan_rng_free(b);
    gan_rng_free(other);
    gan_loss_free(loss);
}

static void flip_probability_edges(void **state)
{
    (void)state;
    float real[3] = {0.5f, -2, 3}, fake[2] = {1, -1}, value, gr[3], gf[2];
    objective_case c = default_case(GAN_OBJECTIVE_MINIMAX);
    c.smoothing = 0.2f;
    gan_loss *loss = loss_for(&c);
    gan_rng *rng = new_rng(1);
    /* p = 0: nothing drawn, no generator needed */
    assert_status(run_d(loss, NULL, real, 3, fake, 2, &value, gr, gf), GAN_OK);
    assert_status(run_d(loss, rng, real, 3, fake, 2, &value, gr, gf), GAN_OK);
    assert_int_equal(noise_position(rng), 0);
    /* p = 1: every target swapped, real to 0 and fake to 1 - s */
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, 1.0f), GAN_OK);
    static const unsigned char all[3] = {1, 1, 1};
    check_against_reference(&c, loss, rng, real, 3, fake, 2, all, all);
    assert_int_equal(noise_position(rng), 1 + 1);
    /* p > 0 without a generator */
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, 0.1f), GAN_OK);
    gan_tensor *r = column_of(3, real), *f = column_of(2, fake);
    gan_tensor *grad_r = column_of(3, NULL), *grad_f = column_of(2, NULL);
    assert_status(gan_tensor_fill(grad_r, 7), GAN_OK);
    assert_status(gan_tensor_fill(grad_f, 7), GAN_OK);
    value = 7;
    assert_status(gan_loss_discriminator(loss, NULL, r, f, &value, grad_r, grad_f), GAN_ERR_STATE);
    assert_error_mentions("rng is NULL");
    assert_true(value == 7);
    expect_all(grad_r, 7);
    expect_all(grad_f, 7);
    /* G never flips, so it needs no generator */
    assert_status(gan_loss_generator(loss, f, &value, grad_f), GAN_OK);
    /* a noise stream with too little room left: refused before anything is drawn */
    assert_status(gan_tensor_fill(grad_f, 7), GAN_OK);
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, UINT64_MAX - 1), GAN_OK);
    assert_status(gan_loss_discriminator(loss, rng, r, f, &value, grad_r, grad_f), GAN_ERR_OVERFLOW);
    assert_int_equal(noise_position(rng), UINT64_MAX - 1);
    expect_all(grad_r, 7);
    expect_all(grad_f, 7);
    /* exactly the two blocks needed left: real 1, fake 1 */
    assert_status(gan_rng_set_position(rng, GAN_RNG_NOISE, UINT64_MAX - 2), GAN_OK);
    assert_status(gan_loss_discriminator(loss, rng, r, f, &value, grad_r, grad_f), GAN_OK);
    assert_int_equal(noise_position(rng), UINT64_MAX);
    gan_tensor_free(r);
    gan_tensor_free(f);
    gan_tensor_free(grad_r);
    gan_tensor_free(grad_f);
    gan_rng_free(rng);
    gan_loss_free(loss);
}

/* A flip is u < p, strictly: with p equal to one of the draws, that sample is not flipped. */
static void a_draw_equal_to_p_is_not_a_flip(void **state)
{
    (void)state;
    const int64_t n = 64;
    gan_rng *rng = new_rng(77), *twin = new_rng(77);
    gan_tensor *u = tensor_of(1, &n, NULL);
    assert_status(gan_rng_fill_uniform(twin, GAN_RNG_NOISE, u, 0.0f, 1.0f), GAN_OK);
    const float *draws = gan_tensor_data(u);
    int64_t j = 0;
    while (!(draws[j] > 0.2f && draws[j] < 0.8f))
        j++;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, draws[j]), GAN_OK);
    float zeros[64] = {0}, gr[64], gf[1], value;
    assert_status(run_d(loss, rng, zeros, n, zeros, 1, &value, gr, gf), GAN_OK);
    int64_t flips = 0;
    for (int64_t i = 0; i < n; i++) {
        assert_int_equal(gr[i] > 0, draws[i] < draws[j]);
        flips += gr[i] > 0;
    }
    assert_true(gr[j] < 0);
    assert_true(flips > 0);
    gan_tensor_free(u);
    gan_rng_free(rng);
    gan_rng_free(twin);
    gan_loss_free(loss);
}

/* ---- arguments ---------------------------------------------------------------------- */

static void shapes_are_checked(void **state)
{
    (void)state;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_HINGE);
    gan_tensor *good = column_of(4, NULL), *grad = column_of(4, NULL), *grad2 = column_of(4, NULL);
    static const struct {
        int rank;
        int64_t shape[3];
        const char *text;
    } bad[] = {
        {1, {4}, "[4]"},       {2, {4, 2}, "[4, 2]"}, {2, {1, 4}, "[1, 4]"},
        {3, {4, 1, 1}, "[4, 1, 1]"}, {2, {0, 1}, "[0, 1]"}, {0, {0}, "[]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gan_tensor *logits = tensor_of(bad[i].rank, bad[i].shape, NULL);
        gan_tensor *g = tensor_of(bad[i].rank, bad[i].shape, NULL);
        assert_status(gan_tensor_fill(grad, 7), GAN_OK);
        float value = 7;
        assert_status(gan_loss_discriminator(loss, NULL, logits, good, &value, g, grad), GAN_ERR_SHAPE);
        assert_error_mentions(bad[i].text);
        assert_error_mentions("real_logits");
        assert_status(gan_loss_discriminator(loss, NULL, good, logits, &value, grad, g), GAN_ERR_SHAPE);
        assert_error_mentions("fake_logits");
        assert_status(gan_loss_generator(loss, logits, &value, g), GAN_ERR_SHAPE);
        assert_error_mentions(bad[i].text);
        /* a gradient of that shape for good logits */
        assert_status(gan_loss_discriminator(loss, NULL, good, good, &value, g, grad2), GAN_ERR_SHAPE);
        assert_error_mentions("grad_real");
        assert_status(gan_loss_generator(loss, good, &value, g), GAN_ERR_SHAPE);
        assert_error_mentions("grad_fake");
        assert_true(value == 7);
        expect_all(grad, 7);
        gan_tensor_free(logits);
        gan_tensor_free(g);
    }
    /* a gradient column of another length */
    gan_tensor *short_grad = column_of(3, NULL);
    assert_status(gan_loss_discriminator(loss, NULL, good, good, NULL, grad, short_grad), GAN_ERR_SHAPE);
    assert_error_mentions("[3, 1]");
    assert_error_mentions("[4, 1]");
    /* real and fake batches of different sizes are fine */
    assert_status(gan_loss_discriminator(loss, NULL, good, short_grad, NULL, grad, short_grad), GAN_OK);
    gan_tensor_free(short_grad);
    gan_tensor_free(good);
    gan_tensor_free(grad);
    gan_tensor_free(grad2);
    gan_loss_free(loss);
}

static void null_handles_are_rejected(void **state)
{
    (void)state;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_NON_SATURATING);
    gan_tensor *r = column_of(2, (const float[]){1, 2}), *f = column_of(2, (const float[]){0, -1});
    gan_tensor *gr = column_of(2, NULL), *gf = column_of(2, NULL);
    float value;
    assert_status(gan_loss_discriminator(NULL, NULL, r, f, &value, gr, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("loss");
    assert_status(gan_loss_discriminator(loss, NULL, NULL, f, &value, gr, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'real_logits' is NULL");
    assert_status(gan_loss_discriminator(loss, NULL, r, NULL, &value, gr, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'fake_logits' is NULL");
    assert_status(gan_loss_discriminator(loss, NULL, r, f, &value, NULL, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'grad_real' is NULL");
    assert_status(gan_loss_discriminator(loss, NULL, r, f, &value, gr, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'grad_fake' is NULL");
    assert_status(gan_loss_generator(NULL, f, &value, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_loss_generator(loss, NULL, &value, gf), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'fake_logits' is NULL");
    assert_status(gan_loss_generator(loss, f, &value, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'grad_fake' is NULL");
    /* the value is optional, and the gradients are the same without it */
    assert_status(gan_loss_discriminator(loss, NULL, r, f, &value, gr, gf), GAN_OK);
    float saved[2];
    memcpy(saved, gan_tensor_data(gr), sizeof saved);
    assert_status(gan_tensor_fill(gr, 0), GAN_OK);
    assert_status(gan_loss_discriminator(loss, NULL, r, f, NULL, gr, gf), GAN_OK);
    assert_true(same_floats(saved, gan_tensor_data(gr), 2));
    assert_status(gan_loss_generator(loss, f, NULL, gf), GAN_OK);
    gan_tensor_free(r);
    gan_tensor_free(f);
    gan_tensor_free(gr);
    gan_tensor_free(gf);
    gan_loss_free(loss);
}

/* A gradient may overwrite its own logits; gradients that would clobber an input still to
 * be read are refused. */
static void gradients_may_replace_their_logits(void **state)
{
    (void)state;
    for (int o = 0; o < OBJECTIVE_COUNT; o++) {
        gan_loss *loss = new_loss((gan_objective)o);
        float real[5], fake[3], want_real[5], want_fake[3], want_g[3], value, in_place_value;
        random_logits(11, real, 5);
        random_logits(12, fake, 3);
        assert_status(run_d(loss, NULL, real, 5, fake, 3, &value, want_real, want_fake), GAN_OK);
        gan_tensor *r = column_of(5, real), *f = column_of(3, fake);
        assert_status(gan_loss_discriminator(loss, NULL, r, f, &in_place_value, r, f), GAN_OK);
        assert_true(in_place_value == value);
        assert_true(same_floats(gan_tensor_data(r), want_real, 5));
        assert_true(same_floats(gan_tensor_data(f), want_fake, 3));
        assert_status(run_g(loss, fake, 3, &value, want_g), GAN_OK);
        assert_status(gan_tensor_copy_from(f, fake, 3), GAN_OK);
        assert_status(gan_loss_generator(loss, f, &in_place_value, f), GAN_OK);
        assert_true(in_place_value == value);
        assert_true(same_floats(gan_tensor_data(f), want_g, 3));
        gan_tensor_free(r);
        gan_tensor_free(f);
        gan_loss_free(loss);
    }
    gan_loss *loss = new_loss(GAN_OBJECTIVE_WASSERSTEIN);
    gan_tensor *r = column_of(2, (const float[]){1, 2}), *f = column_of(2, (const float[]){3, 4});
    gan_tensor *g = column_of(2, NULL);
    assert_status(gan_loss_discriminator(loss, NULL, r, f, NULL, g, g), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("grad_fake");
    assert_status(gan_loss_discriminator(loss, NULL, r, f, NULL, f, g), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("fake_logits");
    assert_status(gan_loss_discriminator(loss, NULL, r, f, NULL, g, r), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("real_logits");
    /* untouched */
    assert_true(gan_tensor_data(f)[0] == 3 && gan_tensor_data(r)[0] == 1);
    gan_tensor_free(r);
    gan_tensor_free(f);
    gan_tensor_free(g);
    gan_loss_free(loss);
}

/* A loss call allocates nothing (training steps must not). */
static void losses_allocate_nothing(void **state)
{
    (void)state;
    gan_loss *loss = new_loss(GAN_OBJECTIVE_MINIMAX);
    assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_FLIP, 0.2f), GAN_OK);
    gan_rng *rng = new_rng(3);
    int64_t shape[2] = {600, 1};
    gan_tensor *r = tensor_of(2, shape, NULL), *f = tensor_of(2, shape, NULL);
    gan_tensor *gr = tensor_of(2, shape, NULL), *gf = tensor_of(2, shape, NULL);
    gan_tensor *targets = tensor_of(2, shape, NULL);
    long calls = group_allocator.calls, live = group_allocator.live;
    float value;
    assert_status(gan_loss_discriminator(loss, rng, r, f, &value, gr, gf), GAN_OK);
    assert_status(gan_loss_generator(loss, f, &value, gf), GAN_OK);
    assert_status(gan_loss_bce_with_logits(r, targets, &value, gr), GAN_OK);
    assert_int_equal(group_allocator.calls, calls);
    assert_int_equal(group_allocator.live, live);
    gan_tensor_free(r);
    gan_tensor_free(f);
    gan_tensor_free(gr);
    gan_tensor_free(gf);
    gan_tensor_free(targets);
    gan_rng_free(rng);
    gan_loss_free(loss);
}

/* ---- BCE on logits ------------------------------------------------------------------ */

typedef struct bce_batch {
    ldouble *x, *z;
    int64_t n, moving;
} bce_batch;

static ldouble bce_mean_at(void *context, ldouble value)
{
    bce_batch *b = context;
    ldouble saved = b->x[b->moving], sum = 0;
    b->x[b->moving] = value;
    for (int64_t i = 0; i < b->n; i++)
        sum += ref_bce(b->x[i], b->z[i]);
    b->x[b->moving] = saved;
    return sum / b->n;
}

static void bce_matches_the_reference(void **state)
{
    (void)state;
    const int64_t shape[3] = {3, 4, 5}, n = 60;
    float x[60], z[60], value;
    uniform_values(21, x, n, -12, 12);
    uniform_values(22, z, n, 0, 1);
    z[0] = 0;
    z[1] = 1;
    z[2] = 0.5f;
    gan_tensor *logits = tensor_of(3, shape, x), *targets = tensor_of(3, shape, z);
    gan_tensor *grad = tensor_of(3, shape, NULL);
    assert_status(gan_loss_bce_with_logits(logits, targets, &value, grad), GAN_OK);
    ldouble lx[60], lz[60];
    for (int i = 0; i < n; i++) {
        lx[i] = x[i];
        lz[i] = z[i];
    }
    bce_batch b = {lx, lz, n, 0};
    expect_near("BCE value", 0, value, bce_mean_at(&b, lx[0]), FLOAT_REL, 1e-30);
    for (int64_t i = 0; i < n; i++) {
        float g = gan_tensor_data(grad)[i];
        expect_near("BCE grad", i, g, (ref_sigmoid(lx[i]) - lz[i]) / n, FLOAT_REL, 1e-15);
        b.moving = i;
        expect_difference("BCE grad vs differences", i, g, bce_mean_at, &b, lx[i]);
    }
    /* value and grad are each optional */
    float again;
    assert_status(gan_loss_bce_with_logits(logits, targets, &again, NULL), GAN_OK);
    assert_true(again == value);
    assert_status(gan_loss_bce_with_logits(logits, targets, NULL, NULL), GAN_OK);
    /* a scalar (rank 0) is one element */
    gan_tensor *sx = tensor_of(0, NULL, (const float[]){2});
    gan_tensor *sz = tensor_of(0, NULL, (const float[]){0.25f});
    assert_status(gan_loss_bce_with_logits(sx, sz, &value, sx), GAN_OK);
    expect_near("scalar BCE", 0, value, ref_bce(2, 0.25L), FLOAT_REL, 0);
    expect_near("scalar BCE grad (in place)", 0, gan_tensor_data(sx)[0], ref_sigmoid(2) - 0.25L,
                FLOAT_REL, 0);
    gan_tensor_free(sx);
    gan_tensor_free(sz);
    gan_tensor_free(logits);
    gan_tensor_free(targets);
    gan_tensor_free(grad);
}

static void bce_limits(void **state)
{
    (void)state;
    static const struct {
        float x, z;
        double value, grad;
    } cases[] = {
        {INFINITY, 1, 0, 0},           {INFINITY, 0.5f, INFINITY, 0.5}, {INFINITY, 0, INFINITY, 1},
        {-INFINITY, 0, 0, 0},          {-INFINITY, 0.25f, INFINITY, -0.25}, {-INFINITY, 1, INFINITY, -1},
        {FLT_MAX, 0, FLT_MAX, 1},      {-FLT_MAX, 1, FLT_MAX, -1},      {FLT_MAX, 0.5f, FLT_MAX / 2, 0.5},
        {FLT_MAX, 1, 0, 0},            {-FLT_MAX, 0, 0, 0},             {1e4f, 1, 0, 0},
        {-1e4f, 0, 0, 0},              {1e4f, 0, 1e4, 1},               {-1e4f, 0.75f, 7500, -0.75},
        {0, 0.3f, 0.69314718055994531, 0.2}, {0, 1, 0.69314718055994531, -0.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gan_tensor *x = tensor_of(0, NULL, &cases[i].x), *z = tensor_of(0, NULL, &cases[i].z);
        gan_tensor *g = tensor_of(0, NULL, NULL);
        float value;
        assert_status(gan_loss_bce_with_logits(x, z, &value, g), GAN_OK);
        float grad = gan_tensor_data(g)[0];
        if (isinf(cases[i].value))
            assert_true(value == (float)cases[i].value);
        else
            expect_near("BCE value", (long long)i, value, cases[i].value, 1e-6, 1e-30);
        expect_near("BCE grad", (long long)i, grad, cases[i].grad, 1e-6, 0);
        assert_true(isfinite(grad));
        gan_tensor_free(x);
        gan_tensor_free(z);
        gan_tensor_free(g);
    }
    /* a mean of elements near FLT_MAX stays finite */
    const int64_t two = 2;
    gan_tensor *x = tensor_of(1, &two, (const float[]){-FLT_MAX, -FLT_MAX});
    gan_tensor *z = tensor_of(1, &two, (const float[]){1, 1});
    float value;
    assert_status(gan_loss_bce_with_logits(x, z, &value, NULL), GAN_OK);
    assert_true(value == FLT_MAX);
    /* NaN */
    assert_status(gan_tensor_copy_from(x, (const float[]){NAN, 0}, 2), GAN_OK);
    assert_status(gan_loss_bce_with_logits(x, z, &value, x), GAN_OK);
    assert_true(isnan(value));
    assert_true(isnan(gan_tensor_data(x)[0]) && gan_tensor_data(x)[1] == -0.25f);
    gan_tensor_free(x);
    gan_tensor_free(z);
}

static void bce_arguments_are_checked(void **state)
{
    (void)state;
    const int64_t shape[2] = {2, 3}, other[2] = {3, 2}, empty[2] = {0, 3};
    gan_tensor *x = tensor_of(2, shape, (const float[]){1, 2, 3, 4, 5, 6});
    gan_tensor *z = tensor_of(2, shape, (const float[]){0, 1, 0.5f, 1, 0, 0.25f});
    gan_tensor *g = tensor_of(2, shape, NULL), *wrong = tensor_of(2, other, NULL);
    gan_tensor *none = tensor_of(2, empty, NULL);
    float value = 7;
    assert_status(gan_tensor_fill(g, 7), GAN_OK);
    assert_status(gan_loss_bce_with_logits(NULL, z, &value, g), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'logits' is NULL");
    assert_status(gan_loss_bce_with_logits(x, NULL, &value, g), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'targets' is NULL");
    assert_status(gan_loss_bce_with_logits(x, wrong, &value, g), GAN_ERR_SHAPE);
    assert_error_mentions("[3, 2]");
    assert_error_mentions("[2, 3]");
    assert_status(gan_loss_bce_with_logits(x, z, &value, wrong), GAN_ERR_SHAPE);
    assert_error_mentions("grad");
    assert_status(gan_loss_bce_with_logits(none, none, &value, NULL), GAN_ERR_SHAPE);
    assert_error_mentions("no elements");
    const float bad_targets[] = {-0.001f, 1.001f, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        gan_tensor_data(z)[4] = bad_targets[i];
        assert_status(gan_loss_bce_with_logits(x, z, &value, g), GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("target 4");
    }
    assert_true(value == 7);
    expect_all(g, 7);
    gan_tensor_free(x);
    gan_tensor_free(z);
    gan_tensor_free(g);
    gan_tensor_free(wrong);
    gan_tensor_free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(objects_are_created_with_defaults),
        cmocka_unit_test(out_of_memory_is_reported),
        cmocka_unit_test(options_apply_only_to_their_objectives),
        cmocka_unit_test(option_values_are_checked),
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(values_and_gradients_match_the_reference),
        cmocka_unit_test(large_logits_match_the_reference),
        cmocka_unit_test(extreme_logits_give_finite_values_and_limits),
        cmocka_unit_test(tails_keep_their_relative_precision),
        cmocka_unit_test(nan_logits_give_nan_values),
        cmocka_unit_test(flips_follow_the_noise_stream),
        cmocka_unit_test(flip_counts_are_binomial),
        cmocka_unit_test(flips_are_deterministic_per_seed),
        cmocka_unit_test(flip_probability_edges),
        cmocka_unit_test(a_draw_equal_to_p_is_not_a_flip),
        cmocka_unit_test(shapes_are_checked),
        cmocka_unit_test(null_handles_are_rejected),
        cmocka_unit_test(gradients_may_replace_their_logits),
        cmocka_unit_test(losses_allocate_nothing),
        cmocka_unit_test(bce_matches_the_reference),
        cmocka_unit_test(bce_limits),
        cmocka_unit_test(bce_arguments_are_checked),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
