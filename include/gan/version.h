/**
 * @file gan/version.h
 * @brief Compile-time and run-time version of libgan.
 *
 * These macros are the one source of truth for the version: the Makefile reads them to
 * name the shared library and to fill in libgan.pc.
 */
#ifndef GAN_VERSION_H
#define GAN_VERSION_H

#include "common.h"

#define GAN_VERSION_MAJOR 0 /**< Incremented for incompatible ABI changes (SONAME libgan.so.MAJOR). */
#define GAN_VERSION_MINOR 6 /**< Incremented when functions are added. */
#define GAN_VERSION_PATCH 0 /**< Incremented for fixes that change no interface. */

/** @cond INTERNAL */
#define GAN_VERSION_STRINGIFY_(x) #x
#define GAN_VERSION_STRINGIFY(x) GAN_VERSION_STRINGIFY_(x)
/** @endcond */

/** The version as a string literal, "MAJOR.MINOR.PATCH". */
#define GAN_VERSION_STRING                                                    \
    GAN_VERSION_STRINGIFY(GAN_VERSION_MAJOR) "." GAN_VERSION_STRINGIFY(GAN_VERSION_MINOR) "." \
    GAN_VERSION_STRINGIFY(GAN_VERSION_PATCH)

/** The version as one comparable integer: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define GAN_VERSION_NUMBER \
    (GAN_VERSION_MAJOR * 10000 + GAN_VERSION_MINOR * 100 + GAN_VERSION_PATCH)

GAN_BEGIN_DECLS

/**
 * The version of the library loaded at run time, "MAJOR.MINOR.PATCH".
 * Compare it with GAN_VERSION_STRING to detect a header/library mismatch.
 * @return a static string; never NULL.
 */
GAN_API const char *gan_version_string(void);

/** The run-time version as GAN_VERSION_NUMBER computes it for the headers. */
GAN_API int gan_version_number(void);

GAN_END_DECLS

#endif /* GAN_VERSION_H */
