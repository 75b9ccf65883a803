/*
 * Internal: a model's architecture as JSON, the "libgan.architecture" metadata of model
 * files. Version 1:
 *
 *   {"format": "libgan-model", "version": 1,
 *    "input_shape": [1, 28, 28],              (or null when the model's is not known)
 *    "layers": [{"kind": "Conv2d", "name": "d.conv1", "init": 2,
 *                "args": {"in_channels": 1, "out_channels": 64, "kernel_size": 5,
 *                         "stride": 2, "padding": 2, "bias": true}}, ...]}
 *
 * "kind" is gan_layer_kind(); "name" is gan_layer_name() ("" when unnamed); "init" is the
 * gan_init value; "args" are the layer's config op (nn/layer_impl.h): the arguments of its
 * public constructor by their parameter names, and its options (momentum, eps, affine).
 * Integers are JSON integers, floats are printed with 17 significant digits (so the float
 * comes back bit for bit), booleans are true/false, shapes are arrays of integers.
 *
 * Reading is strict: every key must be known and present, every value of the right type;
 * integers are taken only when they are exact (integral, within +-2^53) and the
 * constructors and setters then check the ranges as for any caller. A layer kind this
 * version does not know, an unknown argument, a version other than 1 or more than
 * GAN_ARCHITECTURE_MAX_LAYERS layers are GAN_ERR_UNSUPPORTED; anything else malformed is
 * GAN_ERR_FORMAT, naming the layer index and the key.
 */
#ifndef GAN_IO_ARCHITECTURE_H
#define GAN_IO_ARCHITECTURE_H

#include <stdbool.h>

#include "gan/model.h"
#include "io/json.h"
#include "nn/layer_impl.h"

#define GAN_ARCHITECTURE_FORMAT "libgan-model"
#define GAN_ARCHITECTURE_VERSION 1
/* Rebuilding re-lays out the model on every add, so a file cannot ask for a huge count. */
#define GAN_ARCHITECTURE_MAX_LAYERS 4096

/* Appends the model's architecture to `text`. GAN_ERR_OUT_OF_MEMORY, or GAN_ERR_UNSUPPORTED
 * for a layer without a config op. */
gan_status gan__architecture_write(const gan_model *model, gan_text *text, const char *function);

/* A parsed architecture: its layers, built and configured but in no model. */
typedef struct gan_architecture {
    gan_layer **layers;  /* layer_count layers; an entry set to NULL is no longer owned */
    int layer_count;
    bool has_input_shape;
    gan_shape input_shape;
} gan_architecture;

/*
 * Parses `json` (NUL-terminated) and builds its layers with the public constructors and
 * setters (name, init scheme, options). Messages start with `prefix`
 * ("gan_model_load: 'file'"). On failure *architecture holds nothing.
 */
gan_status gan__architecture_read(const char *json, gan_architecture *architecture,
                                  const char *prefix);

/* Frees the layers still owned and the list. */
void gan__architecture_free(gan_architecture *architecture);

#endif /* GAN_IO_ARCHITECTURE_H */
