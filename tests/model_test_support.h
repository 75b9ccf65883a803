/*
 * Shared by the tests of model files: a model filled with values that are nowhere at a
 * default, a snapshot of all its values, and a bitwise comparison of two models' tensors.
 */
#ifndef GAN_MODEL_TEST_SUPPORT_H
#define GAN_MODEL_TEST_SUPPORT_H

#include <math.h>
#include <stdbool.h>

#include "test_support.h"

/* Parameters from the init stream, buffers from a formula: nothing at a default value. */
static inline void fill_model(gan_model *model, uint64_t seed)
{
    gan_rng *rng = NULL;
    assert_status(gan_rng_new(&rng, seed), GAN_OK);
    assert_status(gan_model_init_parameters(model, rng), GAN_OK);
    gan_rng_free(rng);
    for (int b = 0; b < gan_model_named_buffer_count(model); b++) {
        gan_tensor *value = NULL;
        const char *name = NULL;
        assert_status(gan_model_named_buffer(model, b, &name, &value), GAN_OK);
        float *data = gan_tensor_data(value);
        bool var = strstr(name, "running_var") != NULL;
        for (int64_t i = 0; i < gan_tensor_numel(value); i++)
            data[i] = var ? 0.5f + 0.25f * (float)((i * 37 + b) % 11) : 0.1f * (float)sin((double)(i + 3 * b));
    }
}

/* All named tensors of a model, concatenated (malloc'd): a snapshot to compare. */
static inline float *snapshot(gan_model *model, size_t *count)
{
    size_t total = 0;
    int params = gan_model_named_parameter_count(model), buffers = gan_model_named_buffer_count(model);
    for (int pass = 0; pass < 2; pass++) {
        float *out = pass ? malloc((total ? total : 1) * sizeof(float)) : NULL;
        size_t at = 0;
        for (int i = 0; i < params + buffers; i++) {
            gan_tensor *value = NULL;
            if (i < params)
                assert_status(gan_model_named_parameter(model, i, NULL, &value, NULL), GAN_OK);
            else
                assert_status(gan_model_named_buffer(model, i - params, NULL, &value), GAN_OK);
            size_t n = (size_t)gan_tensor_numel(value);
            if (out)
                memcpy(out + at, gan_tensor_data(value), n * sizeof(float));
            at += n;
        }
        total = at;
        if (pass) {
            *count = total;
            return out;
        }
    }
    return NULL;
}

/* Same names, shapes and bit patterns of every parameter and buffer. */
static inline void expect_same_tensors(gan_model *a, gan_model *b)
{
    assert_int_equal(gan_model_named_parameter_count(a), gan_model_named_parameter_count(b));
    assert_int_equal(gan_model_named_buffer_count(a), gan_model_named_buffer_count(b));
    int params = gan_model_named_parameter_count(a), buffers = gan_model_named_buffer_count(a);
    for (int i = 0; i < params + buffers; i++) {
        const char *name_a, *name_b;
        gan_tensor *va, *vb;
        if (i < params) {
            assert_status(gan_model_named_parameter(a, i, &name_a, &va, NULL), GAN_OK);
            assert_status(gan_model_named_parameter(b, i, &name_b, &vb, NULL), GAN_OK);
        } else {
            assert_status(gan_model_named_buffer(a, i - params, &name_a, &va), GAN_OK);
            assert_status(gan_model_named_buffer(b, i - params, &name_b, &vb), GAN_OK);
        }
        assert_string_equal(name_a, name_b);
        assert_int_equal(gan_tensor_rank(va), gan_tensor_rank(vb));
        for (int d = 0; d < gan_tensor_rank(va); d++)
            assert_int_equal(gan_tensor_dim(va, d), gan_tensor_dim(vb, d));
        assert_memory_equal(gan_tensor_data(va), gan_tensor_data(vb),
                            (size_t)gan_tensor_numel(va) * sizeof(float));
    }
}

#endif /* GAN_MODEL_TEST_SUPPORT_H */
