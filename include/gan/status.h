/**
 * @file gan/status.h
 * @brief Status codes and the per-thread error message.
 *
 * Every libgan function that can fail returns a ::gan_status. On failure it also stores a
 * message on the calling thread saying exactly what was wrong, naming the object and the
 * values involved; read it with gan_last_error().
 */
#ifndef GAN_STATUS_H
#define GAN_STATUS_H

#include "common.h"

GAN_BEGIN_DECLS

/**
 * Result of a fallible libgan call. GAN_OK is zero; errors are negative.
 * The values are part of the ABI: they are never renumbered, and new codes only ever
 * get new values.
 */
typedef enum gan_status {
    GAN_OK = 0,                     /**< Success. */
    GAN_ERR_INVALID_ARGUMENT = -1,  /**< A NULL pointer, an unknown enum value or an out-of-range number. */
    GAN_ERR_OUT_OF_MEMORY = -2,     /**< The allocator returned NULL. */
    GAN_ERR_OVERFLOW = -3,          /**< A size computation would overflow. */
    GAN_ERR_SHAPE = -4,             /**< Shapes or element counts do not agree. */
    GAN_ERR_STATE = -5,             /**< The call is not allowed in the object's or library's current state. */
    GAN_ERR_IO = -6,                /**< The operating system refused a file operation. */
    GAN_ERR_FORMAT = -7,            /**< A file or buffer is malformed, truncated or corrupt. */
    GAN_ERR_UNSUPPORTED = -8,       /**< Well-formed, but not supported by this version of libgan. */
    GAN_ERR_NOT_FOUND = -9,         /**< A named thing (file, parameter, layer) does not exist. */
    GAN_ERR_NUMERIC = -10           /**< Values are not finite or are numerically unusable. */
} gan_status;

/**
 * A short, static, English description of a status code ("invalid argument").
 * @return never NULL; "unknown status" for a value libgan does not define.
 */
GAN_API const char *gan_status_string(gan_status status);

/**
 * The message of the most recent failed libgan call on the calling thread, for example
 * "gan_tensor_copy_from: 12 elements given, tensor [3, 5] holds 15".
 * Successful calls leave it unchanged.
 * @return a thread-local string valid until the next libgan call on this thread; never NULL.
 */
GAN_API const char *gan_last_error(void);

GAN_END_DECLS

#endif /* GAN_STATUS_H */
