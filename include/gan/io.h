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

#include <stdint.h>

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

/** What gan_model_load_matching() loaded and what it left out (opaque). */
typedef struct gan_load_report gan_load_report;

/** The name lists of a gan_load_report. Values are part of the ABI. */
typedef enum gan_load_list {
    GAN_LOAD_MATCHED = 0,      /**< Tensors loaded (the model's names), in model order. */
    GAN_LOAD_ONLY_IN_FILE = 1, /**< Tensors of the file (under the prefix, prefix stripped) the
                                    model does not have, in file order. */
    GAN_LOAD_ONLY_IN_MODEL = 2 /**< Parameters and buffers of the model the file does not have
                                    (they keep their values), in model order. */
} gan_load_list;

/**
 * Loads parameters and buffers by name into an existing model whose other layers may differ
 * from the file's (fine-tuning, transfer): each parameter or buffer of the model whose name
 * equals that of a considered tensor of the file is loaded; the others keep their values,
 * and the file's other tensors are left out. The file is any safetensors file, read with the same
 * checks as gan_model_load_weights(): a model file, a training checkpoint from
 * gan_trainer_save() (tensors "generator.NAME", "discriminator.NAME", optimizer state), or a
 * file written by PyTorch. PyTorch's "num_batches_tracked" entries are ignored (not
 * listed). All or nothing: on failure the model is unchanged and *report is NULL.
 * @param model       the model to load into
 * @param path        the file
 * @param prefix      only the file's tensors whose names start with it are considered, with
 *                    it stripped before matching ("generator." picks the generator out of a
 *                    checkpoint); NULL or "" considers every tensor
 * @param[out] report NULL if not wanted; otherwise receives, on success, what was loaded and
 *                    what was left out (caller owns it; gan_load_report_free()), NULL on
 *                    failure
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_IO, GAN_ERR_FORMAT,
 *         GAN_ERR_NOT_FOUND (no considered tensor names a parameter or buffer of the model;
 *         the message says the prefix and how many tensors the file has under it),
 *         GAN_ERR_SHAPE (a matching tensor of another shape; the message names it and both
 *         shapes), GAN_ERR_UNSUPPORTED (a matching tensor of a dtype other than F32),
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_model_load_matching(gan_model *model, const char *path, const char *prefix,
                                           gan_load_report **report);

/**
 * The number of names in one list of a report.
 * @return the count (0 or more), or -1 for a NULL report or an unknown list (with a message
 *         in gan_last_error()).
 */
GAN_API int64_t gan_load_report_count(const gan_load_report *report, gan_load_list list);

/**
 * Name @p index (0 <= index < gan_load_report_count()) of one list of a report.
 * @return the name, valid until gan_load_report_free(); NULL for a NULL report, an unknown
 *         list or an index out of range (with a message in gan_last_error()).
 */
GAN_API const char *gan_load_report_name(const gan_load_report *report, gan_load_list list,
                                         int64_t index);

/** Releases a report; NULL is a no-op. */
GAN_API void gan_load_report_free(gan_load_report *report);

GAN_END_DECLS

#endif /* GAN_IO_H */
