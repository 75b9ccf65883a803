/*
 * The adversarial losses. D's loss is a term over the real logits r (N_r of them) plus a
 * term over the fake logits f (N_f of them); G's loss is a term over f. Each term is a mean
 * over its own batch, so its gradient is the per-sample derivative divided by that batch's
 * size. With sp(t) = log(1 + e^t), sigma(t) = 1 / (1 + e^-t) and
 * BCE(t, z) = z sp(-t) + (1 - z) sp(t), d BCE / dt = sigma(t) - z (see bce.c):
 *
 *   D               real term    derivative      fake term    derivative
 *   minimax, n.-s.  BCE(r, 1-s)  sigma(r)-(1-s)  BCE(f, 0)    sigma(f)
 *   wasserstein     -r           -1              f            1
 *   least squares   ½(r-b)²      r-b             ½(f-a)²      f-a
 *   hinge           relu(1-r)    -[r < 1]        relu(1+f)    [f > -1]
 *
 *   G               term                             derivative
 *   minimax         -BCE(f, 0) = log(1 - sigma(f))   -sigma(f)
 *   non-saturating  BCE(f, 1) = -log sigma(f)        sigma(f) - 1
 *   wasserstein     -f                               -1
 *   least squares   ½(f-c)²                          f-c
 *   hinge           -f                               -1
 *
 * The hinge's derivative at its kink is 0, as PyTorch's relu gives.
 *
 * Label smoothing s makes the real target 1 - s (rounded to float) in D's loss only
 * (one-sided; G's targets stay 0 and 1). Label flipping with probability p swaps each D
 * target independently: a flipped real sample gets the fake target 0, a flipped fake sample
 * the real target 1 - s. The real batch draws N_r uniforms u in [0, 1) from rng's
 * GAN_RNG_NOISE stream (as one fill: ceil(N_r / 4) blocks), then the fake batch N_f
 * (ceil(N_f / 4) blocks); sample i is flipped when u_i < p. With p = 0 nothing is drawn.
 * (The uniforms have 24 bits, so the flip probability is p rounded up to a multiple of
 * 2^-24.)
 *
 * Infinite logits give each term's limit: BCE as in bce.c, the Wasserstein terms ±inf,
 * least squares +inf with gradient ±inf, the hinge 0 or +inf. Where the limit does not
 * exist (a mean over both +inf and -inf of -f or f, or the Wasserstein D loss with r and f
 * infinite of the same sign: inf - inf) the value is NaN. Finite logits always give finite
 * values and gradients (gan__loss_round saturates at ±FLT_MAX). NaN logits give a NaN
 * value, and NaN gradients wherever the gradient depends on the logit (all but the
 * Wasserstein and hinge-G terms, whose gradient is a constant).
 */
#include "core/error.h"
#include "core/random_impl.h"
#include "loss/loss_impl.h"

/* Uniforms drawn per chunk: a multiple of 4, so consecutive chunks continue the stream
 * exactly as one fill of the whole batch would. */
enum { FLIP_CHUNK = 256 };

/* ---- the terms: each returns the sum over the batch and writes the gradients ------- */

/* sum of sign * x; the gradient is the constant sign / n. */
static double linear_sum(const float *x, int64_t n, double sign, float *grad)
{
    double sum = 0.0;
    float g = (float)(sign / (double)n);
    for (int64_t i = 0; i < n; i++) {
        sum += sign * (double)x[i];
        grad[i] = g;
    }
    return sum;
}

/* sum of ½ (x - t)²; gradient (x - t) / n. */
static double squared_sum(const float *x, int64_t n, double target, float *grad)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)x[i] - target;
        sum += 0.5 * d * d;
        grad[i] = gan__loss_round(d / (double)n);
    }
    return sum;
}

/* sum of relu(1 + sign x) with sign = ±1; gradient sign [1 + sign x > 0] / n. */
static double hinge_sum(const float *x, int64_t n, double sign, float *grad)
{
    double sum = 0.0;
    float active = (float)(sign / (double)n);
    for (int64_t i = 0; i < n; i++) {
        double margin = 1.0 + sign * (double)x[i];
        sum += margin < 0.0 ? 0.0 : margin; /* NaN stays NaN */
        grad[i] = margin > 0.0 ? active : margin <= 0.0 ? 0.0f : (float)margin;
    }
    return sum;
}

/* BCE against `target`, or against `flipped` for the samples whose uniform is below `flip`. */
static gan_status bce_flipped_sum(gan_rng *rng, const float *x, int64_t n, float target,
                                  float flipped, float flip, float *grad, double *sum)
{
    if (!(flip > 0.0f)) {
        *sum = gan__bce_sum(x, n, NULL, target, (double)n, grad);
        return GAN_OK;
    }
    float uniforms[FLIP_CHUNK], targets[FLIP_CHUNK];
    double total = 0.0;
    for (int64_t start = 0; start < n; start += FLIP_CHUNK) {
        int64_t count = n - start < FLIP_CHUNK ? n - start : FLIP_CHUNK;
        gan_status status = gan__rng_uniform(rng, GAN_RNG_NOISE, uniforms, count, 0.0f, 1.0f);
        if (status != GAN_OK)
            return status; /* not reached: the caller checked the stream's room */
        for (int64_t i = 0; i < count; i++)
            targets[i] = uniforms[i] < flip ? flipped : target;
        total += gan__bce_sum(x + start, count, targets, 0.0f, (double)n, grad + start);
    }
    *sum = total;
    return GAN_OK;
}

/* ---- argument checks --------------------------------------------------------------- */

static gan_status check_batch(const char *function, const char *logits_name,
                              const gan_tensor *logits, const char *grad_name,
                              const gan_tensor *grad)
{
    if (!logits)
        return gan__null(function, logits_name);
    if (!grad)
        return gan__null(function, grad_name);
    gan_status status = gan__loss_check_logit_column(function, logits_name, logits);
    if (status == GAN_OK)
        status = gan__loss_check_same_shape(function, grad_name, grad, logits_name, logits);
    return status;
}

/* Blocks of GAN_RNG_NOISE that flipping a batch of n draws. */
static uint64_t flip_blocks(int64_t n)
{
    return ((uint64_t)n + 3) / 4;
}

/* With flipping on: a generator is needed, and its noise stream must have `blocks` left. */
static gan_status check_flip_rng(const char *function, const gan_loss *loss, gan_rng *rng,
                                 uint64_t blocks)
{
    if (!(loss->label_flip > 0.0f))
        return GAN_OK;
    if (!rng)
        return gan__fail(GAN_ERR_STATE,
                         "%s: label flip %g needs a random generator, and rng is NULL", function,
                         (double)loss->label_flip);
    uint64_t position = 0;
    gan_status status = gan_rng_get_position(rng, GAN_RNG_NOISE, &position);
    if (status == GAN_OK && blocks > UINT64_MAX - position)
        status = gan__fail(GAN_ERR_OVERFLOW,
                           "%s: the noise stream at block %llu cannot give %llu more blocks for "
                           "label flips", function, (unsigned long long)position,
                           (unsigned long long)blocks);
    return status;
}

/* ---- the discriminator ------------------------------------------------------------- */

/* One batch's D term; the arguments were checked. */
static gan_status discriminator_term(const gan_loss *loss, gan_rng *rng, bool real,
                                     const gan_tensor *logits, double *value, gan_tensor *grad)
{
    const float *x = logits->data;
    float *g = grad->data;
    int64_t n = logits->numel;
    double sum = 0.0;
    gan_status status = GAN_OK;
    /* 1 - s rounded to float, as a float32 label tensor holds it */
    float real_target = 1.0f - loss->label_smoothing, fake_target = 0.0f;
    switch (loss->objective) {
    case GAN_OBJECTIVE_MINIMAX:
    case GAN_OBJECTIVE_NON_SATURATING:
        status = bce_flipped_sum(rng, x, n, real ? real_target : fake_target,
                                 real ? fake_target : real_target, loss->label_flip, g, &sum);
        break;
    case GAN_OBJECTIVE_WASSERSTEIN:
        sum = linear_sum(x, n, real ? -1.0 : 1.0, g);
        break;
    case GAN_OBJECTIVE_LEAST_SQUARES:
        sum = squared_sum(x, n, real ? loss->lsgan_b : loss->lsgan_a, g);
        break;
    case GAN_OBJECTIVE_HINGE:
        sum = hinge_sum(x, n, real ? -1.0 : 1.0, g);
        break;
    }
    if (status == GAN_OK && value)
        *value = sum / (double)n;
    return status;
}

gan_status gan__loss_discriminator_part(const gan_loss *loss, gan_rng *rng, bool real,
                                        const gan_tensor *logits, double *value,
                                        gan_tensor *grad)
{
    const char *function = real ? "discriminator loss (real batch)"
                                : "discriminator loss (fake batch)";
    if (!loss)
        return gan__null(function, "loss");
    gan_status status = check_batch(function, "logits", logits, "grad", grad);
    if (status == GAN_OK)
        status = check_flip_rng(function, loss, rng, flip_blocks(logits->numel));
    if (status == GAN_OK)
        status = discriminator_term(loss, rng, real, logits, value, grad);
    return status;
}

gan_status gan_loss_discriminator(const gan_loss *loss, gan_rng *rng,
                                  const gan_tensor *real_logits, const gan_tensor *fake_logits,
                                  float *value, gan_tensor *grad_real, gan_tensor *grad_fake)
{
    if (!loss)
        return gan__null(__func__, "loss");
    gan_status status = check_batch(__func__, "real_logits", real_logits, "grad_real", grad_real);
    if (status == GAN_OK)
        status = check_batch(__func__, "fake_logits", fake_logits, "grad_fake", grad_fake);
    if (status != GAN_OK)
        return status;
    /* The real term is written before the fake term is read: grad_real must not be where
     * the fake logits are, nor the two gradients in one place. (A gradient may overwrite
     * its own logits.) */
    if (grad_real->data == fake_logits->data || grad_real->data == grad_fake->data)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: grad_real shares its elements with %s",
                         __func__,
                         grad_real->data == grad_fake->data ? "grad_fake" : "fake_logits");
    if (grad_fake->data == real_logits->data)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                         "%s: grad_fake shares its elements with real_logits", __func__);
    status = check_flip_rng(__func__, loss, rng,
                            flip_blocks(real_logits->numel) + flip_blocks(fake_logits->numel));
    if (status != GAN_OK)
        return status;
    double real_term = 0.0, fake_term = 0.0;
    status = discriminator_term(loss, rng, true, real_logits, &real_term, grad_real);
    if (status == GAN_OK)
        status = discriminator_term(loss, rng, false, fake_logits, &fake_term, grad_fake);
    if (status == GAN_OK && value)
        *value = gan__loss_round(real_term + fake_term);
    return status;
}

/* ---- the generator ----------------------------------------------------------------- */

gan_status gan__loss_generator_part(const gan_loss *loss, const gan_tensor *logits,
                                    double *value, gan_tensor *grad)
{
    const char *function = "generator loss";
    if (!loss)
        return gan__null(function, "loss");
    gan_status status = check_batch(function, "fake_logits", logits, "grad_fake", grad);
    if (status != GAN_OK)
        return status;
    const float *x = logits->data;
    float *g = grad->data;
    int64_t n = logits->numel;
    double sum = 0.0;
    switch (loss->objective) {
    case GAN_OBJECTIVE_MINIMAX: /* -BCE(f, 0): the sum and the gradient negated */
        sum = -gan__bce_sum(x, n, NULL, 0.0f, -(double)n, g);
        break;
    case GAN_OBJECTIVE_NON_SATURATING:
        sum = gan__bce_sum(x, n, NULL, 1.0f, (double)n, g);
        break;
    case GAN_OBJECTIVE_WASSERSTEIN:
    case GAN_OBJECTIVE_HINGE:
        sum = linear_sum(x, n, -1.0, g);
        break;
    case GAN_OBJECTIVE_LEAST_SQUARES:
        sum = squared_sum(x, n, loss->lsgan_c, g);
        break;
    }
    if (value)
        *value = sum / (double)n;
    return GAN_OK;
}

gan_status gan_loss_generator(const gan_loss *loss, const gan_tensor *fake_logits,
                              float *value, gan_tensor *grad_fake)
{
    if (!loss)
        return gan__null(__func__, "loss");
    double term = 0.0;
    gan_status status = check_batch(__func__, "fake_logits", fake_logits, "grad_fake", grad_fake);
    if (status == GAN_OK)
        status = gan__loss_generator_part(loss, fake_logits, &term, grad_fake);
    if (status == GAN_OK && value)
        *value = gan__loss_round(term);
    return status;
}
