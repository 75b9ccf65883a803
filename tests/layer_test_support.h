/*
 * Shared by the layer test programs: the checks of a model that holds the layer under test,
 * beyond the gradient checks of gradcheck.h.
 */
#ifndef GAN_TEST_LAYER_TEST_SUPPORT_H
#define GAN_TEST_LAYER_TEST_SUPPORT_H

#include "gradcheck.h"

/* The model's per-sample output shape is `want` [rank]. */
static inline void expect_model_output_shape(const gan_model *model, int rank,
                                             const int64_t *want)
{
    int got_rank = 0;
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_status(gan_model_output_shape(model, &got_rank, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_int_equal(got_rank, rank);
    for (int i = 0; i < rank; i++)
        assert_int_equal(shape[i], want[i]);
}

/* A model of just `layer` (freed here) maps samples of shape `in` to samples of `want`, both
 * of rank `rank`. */
static inline void expect_layer_output_shape(gan_layer *layer, int rank, const int64_t *in,
                                             const int64_t *want)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    assert_status(gan_model_set_input_shape(model, rank, in), GAN_OK);
    expect_model_output_shape(model, rank, want);
    gan_model_free(model);
}

/*
 * Runs x [1, 1, h, w] through a model of `layer` (freed here) forward, then backward with
 * dy; the output must be [1, 1, out_h, out_w]. y_out receives out_h out_w floats, dx_out h w.
 */
static inline void run_plane(gan_layer *layer, int64_t h, int64_t w, int64_t out_h,
                             int64_t out_w, const float *x, const float *dy, float *y_out,
                             float *dx_out)
{
    gan_model *model = model_of(layer);
    const int64_t out_shape[4] = {1, 1, out_h, out_w};
    gan_tensor *input = NULL, *grad = NULL;
    assert_status(gan_tensor_new(&input, 4, (const int64_t[]){1, 1, h, w}), GAN_OK);
    assert_status(gan_tensor_copy_from(input, x, (size_t)(h * w)), GAN_OK);
    const gan_tensor *y = NULL, *dx = NULL;
    assert_status(gan_model_forward(model, input, &y), GAN_OK);
    int64_t shape[GAN_TENSOR_MAX_RANK];
    assert_int_equal(gan_tensor_rank(y), 4);
    assert_status(gan_tensor_shape(y, shape, GAN_TENSOR_MAX_RANK), GAN_OK);
    assert_memory_equal(shape, out_shape, sizeof out_shape);
    assert_int_equal(gan_tensor_numel(y), out_h * out_w);
    memcpy(y_out, gan_tensor_data_const(y), (size_t)(out_h * out_w) * sizeof(float));
    assert_status(gan_tensor_new(&grad, 4, out_shape), GAN_OK);
    assert_status(gan_tensor_copy_from(grad, dy, (size_t)(out_h * out_w)), GAN_OK);
    assert_status(gan_model_backward(model, grad, 0, &dx), GAN_OK);
    memcpy(dx_out, gan_tensor_data_const(dx), (size_t)(h * w) * sizeof(float));
    gan_tensor_free(grad);
    gan_tensor_free(input);
    gan_model_free(model);
}

#endif /* GAN_TEST_LAYER_TEST_SUPPORT_H */
