/**
 * @file gan/io.h
 * @brief Model files: safetensors weights with the architecture in the metadata.
 *
 * Files are safetensors (8-byte little-endian header length, a JSON header, raw
 * little-endian data) with PyTorch's tensor names ("0.weight", "1.running_mean"), so they
 * move between PyTorch and libgan unchanged. libgan adds to `__metadata__` the model's
 * architecture as JSON (so the file alone rebuilds the model) and a checksum of the data,
 * which loading verifies. Writes are atomic: a temporary file in the same folder, fsync,
 * rename, fsync of the folder; a failed save leaves the previous file as it was. Reading
 * treats every file as hostile: sizes and offsets are checked against the real file size
 * before anything is allocated.
 */
#ifndef GAN_IO_H
#define GAN_IO_H

#include "common.h"
#include "model.h"
#include "status.h"

GAN_BEGIN_DECLS

/**
 * Saves the model's parameters and buffers, its architecture and a checksum. BatchNorm
 * layers also get PyTorch's "NAME.num_batches_tracked" (int64, 0) so that PyTorch's
 * load_state_dict(strict=True) accepts the file.
 * @param model  the model (its input shape, if known, is saved too)
 * @param path   the file to write (replaced atomically)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO (naming the operation that failed),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_save(const gan_model *model, const char *path);

/**
 * Rebuilds a model from a file written by gan_model_save(): its layers, names, options,
 * input shape, parameters and buffers. The model is in training mode, as from
 * gan_model_new().
 * @param[out] out  receives the model (caller owns it; gan_model_free()), NULL on failure
 * @param path      the file
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO, GAN_ERR_FORMAT (malformed, truncated
 *         or failing its checksum), GAN_ERR_UNSUPPORTED (no architecture in the file, or a
 *         layer kind this version does not know), GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_load(gan_model **out, const char *path);

/**
 * Loads parameters and buffers by name into an existing model, from any safetensors file
 * with float32 tensors (one written by PyTorch's safetensors, for example). Every
 * parameter and buffer of the model must be in the file with the same shape; PyTorch's
 * "num_batches_tracked" entries are ignored; any other name the model does not have is an
 * error. On failure the model is unchanged.
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO, GAN_ERR_FORMAT,
 *         GAN_ERR_NOT_FOUND (a tensor missing from the file, or unknown to the model),
 *         GAN_ERR_SHAPE (naming both shapes), GAN_ERR_UNSUPPORTED (a dtype other than F32),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_load_weights(gan_model *model, const char *path);

GAN_END_DECLS

#endif /* GAN_IO_H */
