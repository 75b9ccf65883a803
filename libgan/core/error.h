/* Internal: recording a failure in the thread-local error message. */
#ifndef GAN_CORE_ERROR_H
#define GAN_CORE_ERROR_H

#include "gan/status.h"

/*
 * Formats the thread-local message (printf-style) and returns @p status, so a failing
 * path reads `return gan__fail(GAN_ERR_SHAPE, "...", ...);`. The message should name the
 * function or object and the values that were wrong.
 */
gan_status gan__fail(gan_status status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The usual first check of a public function: `if (!p) return gan__null(__func__, "p");` */
gan_status gan__null(const char *function, const char *argument);

#endif /* GAN_CORE_ERROR_H */
