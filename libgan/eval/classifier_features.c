/*
 * One batch of an evaluation: the classifier's forward pass, the features of one of its
 * layers added to the statistics, the softmax of its logits written out. Everything is
 * checked (shapes, capacity, finiteness) before the statistics or the probabilities are
 * touched, so a failed call adds and writes nothing.
 */
#include <math.h>
#include <stdio.h>

#include "core/checked_math.h"
#include "core/error.h"
#include "core/tensor.h"
#include "eval/feature_stats_impl.h"

static gan_status check_arguments(gan_model *classifier, int feature_layer,
                                  const gan_tensor *images, const gan_feature_stats *stats)
{
    if (!classifier)
        return gan__null("gan_classifier_features", "classifier");
    if (!images)
        return gan__null("gan_classifier_features", "images");
    int layers = gan_model_layer_count(classifier);
    if (feature_layer < -1 || feature_layer >= layers)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_classifier_features: feature layer %d "
                         "does not exist; the classifier has %d layers (-1 for none)",
                         feature_layer, layers);
    if (stats && feature_layer == -1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_classifier_features: statistics given "
                         "without a feature layer (-1)");
    return GAN_OK;
}

/* The logits must be [N, classes], finite, and fit in the caller's probabilities. */
static gan_status check_logits(const gan_tensor *logits, const float *probabilities,
                               size_t probabilities_count)
{
    if (logits->rank != 2) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "gan_classifier_features: the classifier's output is "
                         "%s; it must be [N, classes] logits",
                         gan__shape_text(text, logits->rank, logits->shape));
    }
    int64_t classes = logits->shape[1];
    if (probabilities && (uint64_t)logits->numel > probabilities_count)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_classifier_features: probabilities "
                         "holds %zu floats; %lld samples of %lld classes need %lld",
                         probabilities_count, (long long)logits->shape[0], (long long)classes,
                         (long long)logits->numel);
    for (int64_t k = 0; k < logits->numel; k++)
        if (!isfinite(logits->data[k]))
            return gan__fail(GAN_ERR_NUMERIC, "gan_classifier_features: logit %lld of sample "
                             "%lld is %g", (long long)(k % classes), (long long)(k / classes),
                             (double)logits->data[k]);
    return GAN_OK;
}

/* Adds the output of layer @p index, one vector per sample, to @p stats. */
static gan_status add_features(gan_model *classifier, int index, int64_t samples,
                               gan_feature_stats *stats)
{
    const gan_tensor *features;
    gan_status status = gan_model_layer_output(classifier, index, &features);
    if (status != GAN_OK)
        return status;
    int64_t dimension = features->numel / samples;
    if (dimension != gan_feature_stats_dimension(stats)) {
        char text[GAN_SHAPE_TEXT_CAPACITY];
        return gan__fail(GAN_ERR_SHAPE, "gan_classifier_features: layer %d's output is %s, "
                         "%lld features per sample; the statistics have dimension %lld", index,
                         gan__shape_text(text, features->rank, features->shape),
                         (long long)dimension, (long long)gan_feature_stats_dimension(stats));
    }
    char context[96];
    snprintf(context, sizeof context, "gan_classifier_features: layer %d's output", index);
    return gan__feature_stats_add(stats, features->data, samples, context);
}

/* Row-wise softmax, shifted by the row's maximum and computed in double. */
static void softmax_rows(const float *logits, int64_t rows, int64_t classes, float *out)
{
    for (int64_t i = 0; i < rows; i++) {
        const float *x = logits + i * classes;
        double top = x[0], sum = 0.0;
        for (int64_t j = 1; j < classes; j++)
            top = fmax(top, x[j]);
        for (int64_t j = 0; j < classes; j++)
            sum += exp(x[j] - top);
        for (int64_t j = 0; j < classes; j++)
            out[i * classes + j] = (float)(exp(x[j] - top) / sum);
    }
}

gan_status gan_classifier_features(gan_model *classifier, int feature_layer,
                                   const gan_tensor *images, gan_feature_stats *stats,
                                   float *probabilities, size_t probabilities_count)
{
    gan_status status = check_arguments(classifier, feature_layer, images, stats);
    const gan_tensor *logits = NULL;
    if (status == GAN_OK)
        status = gan_model_forward(classifier, images, &logits);
    if (status == GAN_OK)
        status = check_logits(logits, probabilities, probabilities_count);
    if (status == GAN_OK && stats)
        status = add_features(classifier, feature_layer, logits->shape[0], stats);
    if (status == GAN_OK && probabilities)
        softmax_rows(logits->data, logits->shape[0], logits->shape[1], probabilities);
    return status;
}
