/*
 * libgan's losses against PyTorch: tests/golden/loss.txt, written by
 * tests/golden/make_loss_golden.py (PyTorch 1.13, float64, rounded to float32 once; the
 * format is described there). Every adversarial objective's D and G values and gradients,
 * BCE on logits and softmax cross-entropy, as a PyTorch training script writes them.
 * The file is found in $GAN_GOLDEN_DIR, else tests/golden (run from the repository root).
 */
#include "golden_text.h"
#include "loss_test_support.h"

enum { MAX_TENSORS = 8 };

typedef struct named {
    char role[64];
    gan_tensor *tensor; /* NULL for a scalar */
    float scalar;
} named;

typedef struct golden_case {
    char name[64], kind[64];
    int objective;
    float smoothing, a, b, c;
    named items[MAX_TENSORS];
    int count;
} golden_case;

static void read_item(golden_text *r, golden_case *c, int is_tensor)
{
    assert_true(c->count < MAX_TENSORS);
    named *item = &c->items[c->count++];
    snprintf(item->role, sizeof item->role, "%s", golden_next(r));
    item->tensor = NULL;
    if (!is_tensor) {
        item->scalar = (float)golden_next_number(r);
        return;
    }
    int rank = (int)golden_next_number(r);
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_true(rank >= 0 && rank <= GAN_TENSOR_MAX_RANK);
    for (int i = 0; i < rank; i++)
        shape[i] = (int64_t)golden_next_number(r);
    item->tensor = tensor_of(rank, shape, NULL);
    for (int64_t i = 0; i < gan_tensor_numel(item->tensor); i++)
        gan_tensor_data(item->tensor)[i] = (float)golden_next_number(r);
}

static const named *find(const golden_case *c, const char *role)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->items[i].role, role) == 0)
            return &c->items[i];
    print_error("case %s has no %s\n", c->name, role);
    fail();
    return NULL;
}

static gan_tensor *tensor_named(const golden_case *c, const char *role)
{
    const named *item = find(c, role);
    assert_non_null(item->tensor);
    return item->tensor;
}

/* The fixture is correctly rounded; libgan is within a few float ulps of it. The absolute
 * floor covers PyTorch's own float64 rounding in tiny tails (sigmoid(33) - 1). */
static void expect_golden(const golden_case *c, const char *what, float got, float want)
{
    if (!(fabs((double)got - want) <= 5e-7 * fabs(want) + 1e-15)) {
        print_error("%s %s: libgan %.9g, PyTorch %.9g\n", c->name, what, (double)got, (double)want);
        fail();
    }
}

static void expect_golden_tensor(const golden_case *c, const char *what, const gan_tensor *got,
                          const gan_tensor *want)
{
    assert_int_equal(gan_tensor_numel(got), gan_tensor_numel(want));
    for (int64_t i = 0; i < gan_tensor_numel(want); i++) {
        char label[96];
        snprintf(label, sizeof label, "%s[%lld]", what, (long long)i);
        expect_golden(c, label, gan_tensor_data_const(got)[i], gan_tensor_data_const(want)[i]);
    }
}

/* A zero tensor shaped like `like`. */
static gan_tensor *zeros_like(const gan_tensor *like)
{
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_tensor_shape(like, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    return tensor_of(gan_tensor_rank(like), shape, NULL);
}

static void run_adversarial(const golden_case *c)
{
    gan_loss *loss = NULL;
    assert_status(gan_loss_new(&loss, (gan_objective)c->objective), GAN_OK);
    if (c->objective <= GAN_OBJECTIVE_NON_SATURATING)
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LABEL_SMOOTHING, c->smoothing), GAN_OK);
    if (c->objective == GAN_OBJECTIVE_LEAST_SQUARES) {
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_A, c->a), GAN_OK);
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_B, c->b), GAN_OK);
        assert_status(gan_loss_set_float(loss, GAN_LOSS_LSGAN_C, c->c), GAN_OK);
    }
    const gan_tensor *real = tensor_named(c, "real"), *fake = tensor_named(c, "fake");
    gan_tensor *grad_real = zeros_like(real), *grad_fake = zeros_like(fake);
    float value;
    assert_status(gan_loss_discriminator(loss, NULL, real, fake, &value, grad_real, grad_fake),
                  GAN_OK);
    expect_golden(c, "D value", value, find(c, "d_value")->scalar);
    expect_golden_tensor(c, "D grad_real", grad_real, tensor_named(c, "d_grad_real"));
    expect_golden_tensor(c, "D grad_fake", grad_fake, tensor_named(c, "d_grad_fake"));
    assert_status(gan_loss_generator(loss, fake, &value, grad_fake), GAN_OK);
    expect_golden(c, "G value", value, find(c, "g_value")->scalar);
    expect_golden_tensor(c, "G grad", grad_fake, tensor_named(c, "g_grad"));
    gan_tensor_free(grad_real);
    gan_tensor_free(grad_fake);
    gan_loss_free(loss);
}

static void run_classification(const golden_case *c, int cross_entropy)
{
    const gan_tensor *logits = tensor_named(c, "logits");
    gan_tensor *grad = zeros_like(logits);
    float value;
    if (cross_entropy)
        assert_status(gan_loss_softmax_cross_entropy(logits, tensor_named(c, "labels"), &value,
                                                     grad), GAN_OK);
    else
        assert_status(gan_loss_bce_with_logits(logits, tensor_named(c, "targets"), &value, grad),
                      GAN_OK);
    expect_golden(c, "value", value, find(c, "value")->scalar);
    expect_golden_tensor(c, "grad", grad, tensor_named(c, "grad"));
    gan_tensor_free(grad);
}

static void losses_match_pytorch(void **state)
{
    (void)state;
    golden_text r;
    golden_open(&r, "loss.txt", "loss-golden");
    int cases = 0, kinds[3] = {0, 0, 0}, objectives[5] = {0, 0, 0, 0, 0};
    for (;;) {
        const char *token = golden_next(&r);
        if (strcmp(token, "eof") == 0)
            break;
        assert_string_equal(token, "case");
        golden_case c = {.count = 0};
        snprintf(c.name, sizeof c.name, "%s", golden_next(&r));
        snprintf(c.kind, sizeof c.kind, "%s", golden_next(&r));
        c.objective = (int)golden_next_number(&r);
        c.smoothing = (float)golden_next_number(&r);
        c.a = (float)golden_next_number(&r);
        c.b = (float)golden_next_number(&r);
        c.c = (float)golden_next_number(&r);
        for (token = golden_next(&r); strcmp(token, "end") != 0; token = golden_next(&r)) {
            int is_tensor = strcmp(token, "tensor") == 0;
            if (!is_tensor && strcmp(token, "scalar") != 0) {
                print_error("case %s: unexpected \"%s\"\n", c.name, token);
                fail();
            }
            read_item(&r, &c, is_tensor);
        }
        if (strcmp(c.kind, "adversarial") == 0) {
            assert_true(c.objective >= 0 && c.objective < 5);
            run_adversarial(&c);
            kinds[0]++;
            objectives[c.objective]++;
        } else if (strcmp(c.kind, "bce") == 0) {
            run_classification(&c, 0);
            kinds[1]++;
        } else {
            assert_string_equal(c.kind, "ce");
            run_classification(&c, 1);
            kinds[2]++;
        }
        for (int i = 0; i < c.count; i++)
            gan_tensor_free(c.items[i].tensor);
        cases++;
    }
    fclose(r.file);
    /* the file covers what it should: every objective, BCE and cross-entropy */
    for (int o = 0; o < 5; o++)
        assert_true(objectives[o] >= 2);
    assert_true(kinds[1] >= 1 && kinds[2] >= 1);
    assert_true(cases >= 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(losses_match_pytorch),
    };
    return cmocka_run_group_tests(tests, install_counting_allocator, remove_counting_allocator);
}
