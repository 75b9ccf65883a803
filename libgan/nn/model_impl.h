/*
 * Internal: what the layers above nn (io: model files) may read of a model besides the
 * public API, and the one rule for naming its tensors.
 */
#ifndef GAN_NN_MODEL_IMPL_H
#define GAN_NN_MODEL_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/tensor.h"
#include "gan/model.h"
#include "nn/layer_impl.h"

/* Room for a tensor name: a layer name (or index) + "." + the longest suffix. */
enum { GAN_MODEL_TENSOR_NAME_CAPACITY = GAN_LAYER_NAME_CAPACITY + 24 };

/*
 * The name the model gives tensor `suffix` ("weight", "running_mean") of `layer` at
 * position `index`: "NAME.suffix" if the layer is named, else "INDEX.suffix". Used by the
 * model itself, and by model files to match tensors to layers before they are in a model.
 */
void gan__model_tensor_name(char name[GAN_MODEL_TENSOR_NAME_CAPACITY], int index,
                            const gan_layer *layer, const char *suffix);

/* Whether the per-sample input shape is known; if so, *shape receives it. */
bool gan__model_input_shape(const gan_model *model, gan_shape *shape);

/* Layer `index` (0 <= index < gan_model_layer_count), read-only. */
const gan_layer *gan__model_layer_at(const gan_model *model, int index);

/*
 * The named parameters followed by the named buffers: `index` runs over
 * 0 .. named_param_count + named_buffer_count - 1. *name and *value are the model's
 * (read-only views, valid until a layer is added or the model is freed).
 */
int gan__model_tensor_count(const gan_model *model);
void gan__model_tensor_at(const gan_model *model, int index, const char **name,
                          const gan_tensor **value);

/*
 * Calls visit(context, first, count) for each maximal run of the parameter array that
 * belongs to trainable layers (GAN_LAYER_TRAINABLE), in order: one run of every parameter
 * when nothing is frozen. Optimizers and weight clipping touch only these.
 */
typedef void (*gan_span_visitor)(void *context, size_t first, size_t count);
void gan__model_each_trainable_span(const gan_model *model, gan_span_visitor visit,
                                    void *context);

#endif /* GAN_NN_MODEL_IMPL_H */
