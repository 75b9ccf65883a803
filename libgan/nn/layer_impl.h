/*
 * Internal: the interface every layer implements, and the state the model keeps in it.
 *
 * A layer computes on raw row-major float arrays: forward maps x [batch, in] to
 * y [batch, out]; backward maps dy to dx and accumulates parameter gradients. Shapes are
 * per sample, set by the model before the first pass. The ops table is the seam where a
 * forward-mode (tangent) pass will be added for exact gradient penalties.
 */
#ifndef GAN_NN_LAYER_IMPL_H
#define GAN_NN_LAYER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"
#include "gan/layer.h"
#include "gan/model.h"
#include "gan/random.h"

/* A per-sample shape. */
typedef struct gan_shape {
    int rank;
    int64_t dim[GAN_TENSOR_MAX_RANK];
} gan_shape;

int64_t gan__shape_numel(const gan_shape *shape);

/* One parameter or buffer tensor of a layer; the model points value/grad into its arrays. */
typedef struct gan_layer_tensor {
    const char *suffix; /* "weight", "bias", "running_mean", ... */
    gan_shape shape;
    float *value;
    float *grad;        /* NULL for buffers */
} gan_layer_tensor;

/*
 * A layer's configuration, as a model file records it (io/architecture.c): the arguments
 * of its public constructor and its options, by the constructor's parameter names, so the
 * layer can be rebuilt with the constructor and the setters. Name and init scheme are not
 * part of it (they belong to every layer).
 */
typedef enum gan_layer_arg_type {
    GAN_LAYER_ARG_INT,   /* `integer` */
    GAN_LAYER_ARG_FLOAT, /* `real` */
    GAN_LAYER_ARG_BOOL   /* `integer`, 0 or 1 */
} gan_layer_arg_type;

typedef struct gan_layer_arg {
    const char *key; /* static: "in_features", "negative_slope", "affine", ... */
    gan_layer_arg_type type;
    int64_t integer;
    float real;
} gan_layer_arg;

enum { GAN_LAYER_MAX_ARGS = 8 };

typedef struct gan_layer_config {
    int arg_count;
    gan_layer_arg args[GAN_LAYER_MAX_ARGS];
    const char *shape_key; /* a shape argument ("normalized_shape", "shape"), or NULL */
    gan_shape shape;
} gan_layer_config;

/* Synchronised BatchNorm's all-reduce (gan_model_set_batchnorm_sync). */
typedef struct gan_batch_sync {
    gan_sum_hook hook;
    void *user_data;
} gan_batch_sync;

/* What a pass needs besides the arrays. */
typedef struct gan_pass {
    int64_t batch;
    bool training;
    gan_rng *rng;      /* the model's generator, may be NULL */
    float *workspace;  /* ops->workspace_floats(layer, batch) floats, kept from forward to backward */
    const gan_batch_sync *sync; /* NULL: every process keeps its own batch statistics */
    gan_status *failure; /* backward: where a layer that can fail (a sync hook) reports it */
} gan_pass;

typedef struct gan_layer_ops {
    const char *kind; /* PyTorch's class name */
    /* The output shape for an input shape, or an error (gan__fail) that says what does not fit;
     * the model prefixes the layer's position and name. */
    gan_status (*infer)(const gan_layer *layer, const gan_shape *in, gan_shape *out);
    /* Floats of workspace a pass over `batch` samples needs (may be NULL: none). */
    size_t (*workspace_floats)(const gan_layer *layer, int64_t batch);
    /* Draws the parameters from the init stream and resets buffers (NULL: no parameters). */
    void (*init)(gan_layer *layer, gan_rng *rng);
    /* Sets the values a new layer has before any initialisation, where PyTorch's are not
     * random (norm layers: weight 1, bias 0, running_var 1); called when the layer is added.
     * NULL: zeros. */
    void (*reset)(gan_layer *layer);
    gan_status (*forward)(gan_layer *layer, const gan_pass *pass, const float *x, float *y);
    /* dx may be NULL (not wanted); parameter gradients are accumulated only if param_grads. */
    void (*backward)(gan_layer *layer, const gan_pass *pass, const float *x, const float *y,
                     const float *dy, float *dx, bool param_grads);
    /* Options (NULL: the layer has none). */
    gan_status (*set_float)(gan_layer *layer, gan_layer_option option, float value);
    gan_status (*get_float)(const gan_layer *layer, gan_layer_option option, float *value);
    gan_status (*set_int)(gan_layer *layer, gan_layer_option option, int64_t value);
    gan_status (*get_int)(const gan_layer *layer, gan_layer_option option, int64_t *value);
    /* Fills `config` (zeroed by the caller) with the constructor's arguments and the
     * options, in the constructor's order; every layer has it (gan__config_none for none). */
    void (*config)(const gan_layer *layer, gan_layer_config *config);
    /* The output is the input, reinterpreted (Flatten, Reshape): no copy in either pass. */
    bool aliases_input;
} gan_layer_ops;

enum { GAN_LAYER_NAME_CAPACITY = 64, GAN_LAYER_MAX_TENSORS = 2 };

struct gan_layer {
    const gan_layer_ops *ops;
    char name[GAN_LAYER_NAME_CAPACITY];
    gan_init init;
    bool in_model;
    bool frozen;           /* GAN_LAYER_TRAINABLE 0: no parameter gradients, no updates */
    gan_shape in, out;     /* set by the model */
    int param_count;
    gan_layer_tensor params[GAN_LAYER_MAX_TENSORS];
    int buffer_count;
    gan_layer_tensor buffers[GAN_LAYER_MAX_TENSORS];
};

/*
 * A constructor's first step: checks `out` and sets *out = NULL, so every later failure
 * leaves it NULL. Then come the argument checks, chained as
 *   if (status == GAN_OK) status = gan__check_min(...);
 * and last gan__layer_alloc.
 */
gan_status gan__layer_begin(gan_layer **out, const char *function);

/* Allocates a layer of `size` bytes (a struct whose first member is gan_layer) with its ops
 * into *out; the constructor then fills in its own fields. */
gan_status gan__layer_alloc(gan_layer **out, size_t size, const gan_layer_ops *ops);

/* Declares a parameter (with gradient) or buffer tensor of the given shape. */
void gan__layer_add_param(gan_layer *layer, const char *suffix, int rank, const int64_t *dim);
void gan__layer_add_buffer(gan_layer *layer, const char *suffix, int rank, const int64_t *dim);

/* Argument checks shared by the constructors: `what` must be >= minimum. */
gan_status gan__check_min(const char *function, const char *what, int64_t value, int64_t minimum);

/* A parameter tensor of a * b * c floats must stay below 2^40 (so sums over a model fit). */
gan_status gan__check_weight_size(const char *function, int64_t a, int64_t b, int64_t c);

/* The rejection of an option the layer does not have. */
gan_status gan__no_such_option(const gan_layer *layer, gan_layer_option option);

/* Elements of a pass's input: batch times the per-sample input size. */
int64_t gan__pass_input_numel(const gan_layer *layer, const gan_pass *pass);

/* The infer of layers whose output has the input's shape (activations, Dropout). */
gan_status gan__infer_same_shape(const gan_layer *layer, const gan_shape *in, gan_shape *out);

/* Appending to a gan_layer_config (at most GAN_LAYER_MAX_ARGS arguments). */
void gan__config_int(gan_layer_config *config, const char *key, int64_t value);
void gan__config_float(gan_layer_config *config, const char *key, float value);
void gan__config_bool(gan_layer_config *config, const char *key, bool value);
void gan__config_shape(gan_layer_config *config, const char *key, const gan_shape *shape);
/* The config op of layers whose constructor takes no arguments (ReLU, Tanh, Flatten, ...). */
void gan__config_none(const gan_layer *layer, gan_layer_config *config);

/* Initialisers, drawing from GAN_RNG_INIT. */
void gan__init_uniform(gan_rng *rng, float *values, int64_t count, float bound);
void gan__init_normal(gan_rng *rng, float *values, int64_t count, float mean, float std);
void gan__init_constant(float *values, int64_t count, float value);

/*
 * The initialisation of a weight with fans (fan_in, fan_out) and its optional bias, for
 * the layer's scheme: PyTorch's default, Glorot uniform or DCGAN normal.
 */
void gan__init_weight_and_bias(const gan_layer *layer, gan_rng *rng, float *weight,
                               int64_t weight_count, float *bias, int64_t bias_count,
                               int64_t fan_in, int64_t fan_out);

#endif /* GAN_NN_LAYER_IMPL_H */
