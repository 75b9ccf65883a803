/*
 * Softmax cross-entropy: hand-checked values, values and gradients against a long-double
 * reference and central differences of it, extreme and infinite logits, NaN, label
 * formats and checks, shapes, NULL handles, in-place gradients, no allocations.
 */
#include "loss_test_support.h"

/* The mean over rows of log sum_j e^x_ij - x_i,label, in long double (for finite rows). */
typedef struct ce_batch {
    ldouble *x;
    const float *labels;
    int64_t n, c, moving;
} ce_batch;

static ldouble ref_row(const ldouble *x, int64_t c, int64_t label, ldouble *softmax)
{
    ldouble m = x[0], sum = 0;
    for (int64_t j = 1; j < c; j++)
        m = x[j] > m ? x[j] : m;
    for (int64_t j = 0; j < c; j++)
        sum += expl(x[j] - m);
    if (softmax)
        for (int64_t j = 0; j < c; j++)
            softmax[j] = expl(x[j] - m) / sum;
    return m + logl(sum) - x[label];
}

static ldouble ce_mean_at(void *context, ldouble value)
{
    ce_batch *b = context;
    ldouble saved = b->x[b->moving], total = 0;
    b->x[b->moving] = value;
    for (int64_t i = 0; i < b->n; i++)
        total += ref_row(b->x + i * b->c, b->c, (int64_t)b->labels[i], NULL);
    b->x[b->moving] = saved;
    return total / b->n;
}

/* Runs the loss on logits [n, c] with labels [n]; value and grad (n c floats) out. */
static gan_status run_ce(const float *x, int64_t n, int64_t c, const float *labels, float *value,
                         float *grad)
{
    gan_tensor *logits = tensor_of(2, (const int64_t[]){n, c}, x);
    gan_tensor *label_tensor = tensor_of(1, &n, labels);
    gan_tensor *g = tensor_of(2, (const int64_t[]){n, c}, NULL);
    gan_status status = gan_loss_softmax_cross_entropy(logits, label_tensor, value, g);
    if (grad)
        memcpy(grad, gan_tensor_data(g), (size_t)(n * c) * sizeof(float));
    gan_tensor_free(logits);
    gan_tensor_free(label_tensor);
    gan_tensor_free(g);
    return status;
}

static void hand_checked_values(void **state)
{
    (void)state;
    float value, grad[6];
    /* two equal logits: log 2, softmax 1/2 */
    assert_status(run_ce((const float[]){0, 0}, 1, 2, (const float[]){0}, &value, grad), GAN_OK);
    assert_true(fabs(value - 0.69314718055994531) < 1e-7);
    assert_true(grad[0] == -0.5f && grad[1] == 0.5f);
    /* logits ln 1, ln 2, ln 5 (softmax 1/8, 2/8, 5/8), labels 2 and 0, batch 2:
     * loss = (-ln(5/8) - ln(1/8)) / 2, grad = (softmax - onehot) / 2 */
    const float x[6] = {0, (float)log(2.0), (float)log(5.0), 0, (float)log(2.0), (float)log(5.0)};
    assert_status(run_ce(x, 2, 3, (const float[]){2, 0}, &value, grad), GAN_OK);
    assert_true(fabs(value - (-log(5.0 / 8) - log(1.0 / 8)) / 2) < 1e-6);
    const double want[6] = {1.0 / 16, 2.0 / 16, (5.0 / 8 - 1) / 2, (1.0 / 8 - 1) / 2, 2.0 / 16, 5.0 / 16};
    for (int j = 0; j < 6; j++)
        assert_true(fabs(grad[j] - want[j]) < 1e-7);
    /* one class: the loss is 0 whatever the logit */
    assert_status(run_ce((const float[]){3, -7}, 2, 1, (const float[]){0, 0},
                         &value, grad), GAN_OK);
    assert_true(value == 0.0f && grad[0] == 0.0f && grad[1] == 0.0f);
}

static void check_reference(int64_t n, int64_t c, uint64_t seed, float spread)
{
    float *x = calloc((size_t)(n * c), sizeof(float)), *labels = calloc((size_t)n, sizeof(float));
    float *grad = calloc((size_t)(n * c), sizeof(float)), value;
    uniform_values(seed, x, n * c, -spread, spread);
    uniform_values(seed + 1, labels, n, 0, (float)c);
    for (int64_t i = 0; i < n; i++)
        labels[i] = floorf(labels[i]);
    assert_status(run_ce(x, n, c, labels, &value, grad), GAN_OK);
    ldouble *lx = calloc((size_t)(n * c), sizeof(ldouble)), *softmax = calloc((size_t)c, sizeof(ldouble));
    for (int64_t i = 0; i < n * c; i++)
        lx[i] = x[i];
    ce_batch b = {lx, labels, n, c, 0};
    expect_near("CE value", 0, value, ce_mean_at(&b, lx[0]), FLOAT_REL, 1e-30);
    for (int64_t i = 0; i < n; i++) {
        ref_row(lx + i * c, c, (int64_t)labels[i], softmax);
        for (int64_t j = 0; j < c; j++) {
            int64_t k = i * c + j;
            ldouble want = (softmax[j] - (j == (int64_t)labels[i])) / n;
            expect_near("CE grad", k, grad[k], want, FLOAT_REL, 1e-15);
            b.moving = k;
            expect_difference("CE grad vs differences", k, grad[k], ce_mean_at, &b, lx[k]);
        }
    }
    free(x);
    free(labels);
    free(grad);
    free(lx);
    free(softmax);
}

static void values_and_gradients_match_the_reference(void **state)
{
    (void)state;
    check_reference(6, 5, 1, 4);
    check_reference(1, 2, 3, 4);
    check_reference(9, 10, 5, 20);  /* peaked softmaxes */
    check_reference(40, 3, 7, 1);
    check_reference(3, 300, 9, 60); /* many classes, large spread */
}

/* Extreme finite logits give finite values; infinite logits give the limits described in
 * cross_entropy.c; the gradients stay finite in every case. */
static void extreme_logits_give_finite_values_and_limits(void **state)
{
    (void)state;
    static const struct {
        float x[3];
        float label;
        double value;
        double grad[3]; /* for a batch of one */
    } cases[] = {
        {{1e4f, -1e4f, 0}, 0, 0, {0, 0, 0}},
        {{1e4f, -1e4f, 0}, 1, 2e4, {1, -1, 0}},
        {{1e4f, 1e4f, 0}, 1, 0.69314718055994531, {0.5, -0.5, 0}},
        {{FLT_MAX, -FLT_MAX, 0}, 0, 0, {0, 0, 0}},
        {{FLT_MAX, -FLT_MAX, 0}, 1, FLT_MAX, {1, -1, 0}}, /* 2 FLT_MAX saturates */
        {{FLT_MAX, FLT_MAX, FLT_MAX}, 2, 1.0986122886681098, {1.0 / 3, 1.0 / 3, -2.0 / 3}},
        {{INFINITY, 0, 5}, 0, 0, {0, 0, 0}},
        {{INFINITY, 0, 5}, 2, INFINITY, {1, 0, -1}},
        {{INFINITY, INFINITY, -INFINITY}, 1, 0.69314718055994531, {0.5, -0.5, 0}},
        {{-INFINITY, -INFINITY, -INFINITY}, 0, 1.0986122886681098, {-2.0 / 3, 1.0 / 3, 1.0 / 3}},
        {{-INFINITY, 2, 3}, 0, INFINITY, {-1, 0.2689414213699951, 0.7310585786300049}},
        {{-INFINITY, 2, 3}, 2, 0.31326168751822286, {0, 0.2689414213699951, -0.2689414213699951}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        float value, grad[3];
        assert_status(run_ce(cases[i].x, 1, 3, &cases[i].label, &value, grad), GAN_OK);
        if (isinf(cases[i].value))
            assert_true(value == (float)cases[i].value);
        else
            expect_near("CE value", (long long)i, value, cases[i].value, 1e-6, 1e-30);
        for (int j = 0; j < 3; j++) {
            assert_true(isfinite(grad[j]));
            expect_near("CE grad", (long long)(3 * i + (size_t)j), grad[j], cases[i].grad[j], 1e-6, 1e-30);
        }
    }
    /* a NaN makes its row's loss and gradients NaN, and leaves other rows alone */
    float value, grad[6];
    assert_status(run_ce((const float[]){1, NAN, 0, 1, 2, 3}, 2, 3, (const float[]){0, 2},
                         &value, grad), GAN_OK);
    assert_true(isnan(value));
    for (int j = 0; j < 3; j++)
        assert_true(isnan(grad[j]) && isfinite(grad[3 + j]));
}

static void labels_are_checked(void **state)
{
    (void)state;
    const float x[6] = {1, 2, 3, 4, 5, 6};
    gan_tensor *logits = tensor_of(2, (const int64_t[]){2, 3}, x);
    gan_tensor *grad = tensor_of(2, (const int64_t[]){2, 3}, NULL);
    /* [N] and [N, 1] label the same */
    gan_tensor *flat = tensor_of(1, (const int64_t[]){2}, (const float[]){2, 1});
    gan_tensor *column = tensor_of(2, (const int64_t[]){2, 1}, (const float[]){2, 1});
    float a, b;
    assert_status(gan_loss_softmax_cross_entropy(logits, flat, &a, NULL), GAN_OK);
    assert_status(gan_loss_softmax_cross_entropy(logits, column, &b, NULL), GAN_OK);
    assert_true(a == b);
    /* not a class index */
    const float bad[] = {-1, 3, 1.5f, NAN, INFINITY, -INFINITY, 1e30f};
    assert_status(gan_tensor_fill(grad, 7), GAN_OK);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gan_tensor_data(flat)[1] = bad[i];
        float value = 7;
        assert_status(gan_loss_softmax_cross_entropy(logits, flat, &value, grad),
                      GAN_ERR_INVALID_ARGUMENT);
        assert_error_mentions("of sample 1 is not a class index in 0..2");
        assert_true(value == 7);
        expect_all(grad, 7);
    }
    /* label shapes */
    static const struct {
        int rank;
        int64_t shape[2];
        const char *text;
    } shapes[] = {{1, {3}, "[3]"}, {2, {2, 2}, "[2, 2]"}, {2, {1, 2}, "[1, 2]"}, {0, {0}, "[]"}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        gan_tensor *labels = tensor_of(shapes[i].rank, shapes[i].shape, NULL);
        assert_status(gan_loss_softmax_cross_entropy(logits, labels, NULL, grad), GAN_ERR_SHAPE);
        assert_error_mentions(shapes[i].text);
        gan_tensor_free(labels);
    }
    gan_tensor_free(logits);
    gan_tensor_free(grad);
    gan_tensor_free(flat);
    gan_tensor_free(column);
}

static void shapes_and_handles_are_checked(void **state)
{
    (void)state;
    gan_tensor *labels = tensor_of(1, (const int64_t[]){2}, (const float[]){0, 1});
    gan_tensor *logits = tensor_of(2, (const int64_t[]){2, 3}, NULL);
    gan_tensor *wrong = tensor_of(2, (const int64_t[]){3, 2}, NULL);
    static const struct {
        int rank;
        int64_t shape[3];
        const char *text;
    } bad[] = {{1, {6}, "[6]"}, {3, {2, 3, 1}, "[2, 3, 1]"}, {2, {0, 3}, "[0, 3]"}, {2, {2, 0}, "[2, 0]"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gan_tensor *x = tensor_of(bad[i].rank, bad[i].shape, NULL);
        assert_status(gan_loss_softmax_cross_entropy(x, labels, NULL, NULL), GAN_ERR_SHAPE);
        assert_error_mentions(bad[i].text);
        gan_tensor_free(x);
    }
    assert_status(gan_loss_softmax_cross_entropy(logits, labels, NULL, wrong), GAN_ERR_SHAPE);
    assert_error_mentions("grad is [3, 2]");
    assert_status(gan_loss_softmax_cross_entropy(NULL, labels, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'logits' is NULL");
    assert_status(gan_loss_softmax_cross_entropy(logits, NULL, NULL, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("'labels' is NULL");
    gan_tensor_free(labels);
    gan_tensor_free(logits);
    gan_tensor_free(wrong);
}

/* The gradient may overwrite the logits; value and gradient are each optional; nothing is
 * allocated. */
static void in_place_optional_outputs_and_no_allocations(void **state)
{
    (void)state;
    float x[12], want_grad[12], want_value, value;
    uniform_values(40, x, 12, -3, 3);
    const float labels[4] = {0, 2, 1, 2};
    assert_status(run_ce(x, 4, 3, labels, &want_value, want_grad), GAN_OK);
    gan_tensor *logits = tensor_of(2, (const int64_t[]){4, 3}, x);
    gan_tensor *label_tensor = tensor_of(2, (const int64_t[]){4, 1}, labels);
    long calls = group_allocator.calls;
    assert_status(gan_loss_softmax_cross_entropy(logits, label_tensor, &value, NULL), GAN_OK);
    assert_true(value == want_value);
    assert_status(gan_loss_softmax_cross_entropy(logits, label_tensor, &value, logits), GAN_OK);
    assert_true(value == want_value);
    assert_true(same_floats(gan_tensor_data(logits), want_grad, 12));
    assert_int_equal(group_allocator.calls, calls);
    gan_tensor_free(logits);
    gan_tensor_free(label_tensor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_checked_values),
        cmocka_unit_test(values_and_gradients_match_the_reference),
        cmocka_unit_test(extreme_logits_give_finite_values_and_limits),
        cmocka_unit_test(labels_are_checked),
        cmocka_unit_test(shapes_and_handles_are_checked),
        cmocka_unit_test(in_place_optional_outputs_and_no_allocations),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
