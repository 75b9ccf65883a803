/*
 * Softmax cross-entropy (torch.nn.CrossEntropyLoss, reduction "mean") for logits x [N, C]
 * and class labels y_i in 0..C-1:
 *   m_i = max_j x_ij,   s_ij = x_ij - m_i   (<= 0, so every exp below is in [0, 1])
 *   loss_i = log sum_j e^(x_ij) - x_i,y_i = log sum_j e^(s_ij) - s_i,y_i
 *   L = (1 / N) sum_i loss_i
 *   dL / dx_ij = (softmax(x_i)_j - [j = y_i]) / N,  softmax(x_i)_j = e^(s_ij) / sum_k e^(s_ik)
 * Both terms of loss_i are >= 0 (the sum is >= 1 because s_i,argmax = 0), so the value has
 * no cancellation. Computed in double from the float inputs, rounded once.
 *
 * Infinite logits: an entry equal to the row's maximum has s = 0 even when the maximum is
 * infinite (rather than inf - inf). So when k entries of a row are +inf, the softmax is
 * 1/k on them and 0 elsewhere (their common limit), and loss_i is log k if the label is one
 * of them, else +inf; a row of all -inf is uniform (loss log C); a -inf label among finite
 * logits gives +inf with gradient -1/N there. Finite logits give finite values (saturated
 * at FLT_MAX). A NaN anywhere in a row makes its loss and its gradient row NaN.
 */
#include "core/error.h"
#include "loss/loss_impl.h"

/* The row's largest logit; NaN if the row holds a NaN. */
static double row_max(const float *x, int64_t classes)
{
    double m = x[0];
    for (int64_t j = 0; j < classes; j++) {
        if (isnan(x[j]))
            return NAN;
        if (x[j] > m)
            m = x[j];
    }
    return m;
}

/* x - m, taken as 0 for the entries equal to the (possibly infinite) maximum. */
static inline double shifted(float x, double m)
{
    return (double)x == m ? 0.0 : (double)x - m;
}

/* loss_i for one row, writing (softmax - onehot) / batch into grad when it is not NULL. */
static double row_loss(const float *x, int64_t classes, int64_t label, double batch, float *grad)
{
    double m = row_max(x, classes);
    if (isnan(m)) {
        for (int64_t j = 0; grad && j < classes; j++)
            grad[j] = NAN;
        return NAN;
    }
    double sum = 0.0;
    for (int64_t j = 0; j < classes; j++)
        sum += exp(shifted(x[j], m));
    double loss = log(sum) - shifted(x[label], m); /* before grad, which may be x */
    if (grad)
        for (int64_t j = 0; j < classes; j++)
            grad[j] = (float)((exp(shifted(x[j], m)) / sum - (j == label ? 1.0 : 0.0)) / batch);
    return loss;
}

static gan_status check_labels(const char *function, const gan_tensor *logits,
                               const gan_tensor *labels)
{
    int64_t batch = logits->shape[0], classes = logits->shape[1];
    bool column = labels->rank == 1 || (labels->rank == 2 && labels->shape[1] == 1);
    if (!column || labels->shape[0] != batch) {
        char have[GAN_SHAPE_TEXT_CAPACITY], want[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: labels are %s; logits %s need [%lld] or [%lld, 1]",
                         function, gan__shape_text(have, labels->rank, labels->shape),
                         gan__shape_text(want, logits->rank, logits->shape), (long long)batch,
                         (long long)batch);
    }
    for (int64_t i = 0; i < batch; i++) {
        float label = labels->data[i];
        if (!(label >= 0.0f && (double)label < (double)classes && floorf(label) == label))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "%s: label %g of sample %lld is not a class index in 0..%lld",
                             function, (double)label, (long long)i, (long long)(classes - 1));
    }
    return GAN_OK;
}

gan_status gan_loss_softmax_cross_entropy(const gan_tensor *logits, const gan_tensor *labels,
                                          float *value, gan_tensor *grad)
{
    if (!logits)
        return gan__null(__func__, "logits");
    if (!labels)
        return gan__null(__func__, "labels");
    if (logits->rank != 2 || logits->shape[0] < 1 || logits->shape[1] < 1) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "%s: logits are %s; expected [N, C] with N, C >= 1",
                         __func__, gan__shape_text(text, logits->rank, logits->shape));
    }
    gan_status status = check_labels(__func__, logits, labels);
    if (status == GAN_OK && grad)
        status = gan__loss_check_same_shape(__func__, "grad", grad, "logits", logits);
    if (status != GAN_OK)
        return status;
    int64_t batch = logits->shape[0], classes = logits->shape[1];
    double total = 0.0;
    for (int64_t i = 0; i < batch; i++)
        total += row_loss(logits->data + i * classes, classes, (int64_t)labels->data[i],
                          (double)batch, grad ? grad->data + i * classes : NULL);
    if (value)
        *value = gan__loss_round(total / (double)batch);
    return GAN_OK;
}
