/* Shared by the BatchNorm and LayerNorm tests: the initial values of their weight and bias. */
#ifndef GAN_TEST_NORM_TEST_SUPPORT_H
#define GAN_TEST_NORM_TEST_SUPPORT_H

#include "layer_test_support.h"

/* After initialisation with `scheme`, the `count` weights are 1 (DCGAN: drawn from
 * N(1, 0.02), checked by their mean and standard deviation) and the biases 0. */
static inline void expect_norm_affine_init(gan_init scheme, const gan_tensor *weight,
                                           const gan_tensor *bias, int64_t count)
{
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double w = gan_tensor_data_const(weight)[i];
        sum += w;
        sum_sq += w * w;
        if (scheme != GAN_INIT_DCGAN)
            assert_true(w == 1.0);
        assert_true(gan_tensor_data_const(bias)[i] == 0.0f);
    }
    if (scheme == GAN_INIT_DCGAN) {
        double mean = sum / (double)count, std = sqrt(sum_sq / (double)count - mean * mean);
        assert_true(fabs(mean - 1.0) < 0.002);
        assert_true(fabs(std - 0.02) < 0.002);
    }
}

#endif /* GAN_TEST_NORM_TEST_SUPPORT_H */
