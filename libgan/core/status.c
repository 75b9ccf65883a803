/* Status strings and the thread-local error message. */
#include <stdarg.h>
#include <stdio.h>

#include "core/error.h"

/* Long enough for a message naming a layer, two shapes and a file path. */
enum { MESSAGE_CAPACITY = 1024 };

static _Thread_local char last_message[MESSAGE_CAPACITY];

const char *gan_status_string(gan_status status)
{
    switch (status) {
    case GAN_OK: return "ok";
    case GAN_ERR_INVALID_ARGUMENT: return "invalid argument";
    case GAN_ERR_OUT_OF_MEMORY: return "out of memory";
    case GAN_ERR_OVERFLOW: return "size overflow";
    case GAN_ERR_SHAPE: return "shape mismatch";
    case GAN_ERR_STATE: return "invalid state";
    case GAN_ERR_IO: return "input/output error";
    case GAN_ERR_FORMAT: return "malformed data";
    case GAN_ERR_UNSUPPORTED: return "unsupported";
    case GAN_ERR_NOT_FOUND: return "not found";
    case GAN_ERR_NUMERIC: return "numeric error";
    }
    return "unknown status";
}

const char *gan_last_error(void)
{
    return last_message[0] ? last_message : "no error";
}

gan_status gan__fail(gan_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(last_message, sizeof last_message, format, args);
    va_end(args);
    return status;
}

gan_status gan__null(const char *function, const char *argument)
{
    return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: '%s' is NULL", function, argument);
}
