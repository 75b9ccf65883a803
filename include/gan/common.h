/**
 * @file gan/common.h
 * @brief Macros shared by every public libgan header: symbol export and C++ linkage.
 *
 * Nothing here declares a function; it is included by the other headers.
 */
#ifndef GAN_COMMON_H
#define GAN_COMMON_H

/**
 * @def GAN_API
 * Marks a function exported from the shared library. libgan is built with
 * `-fvisibility=hidden`, so only functions declared with GAN_API (and listed in the
 * linker version script) are part of the ABI.
 */
#if defined(__GNUC__) || defined(__clang__)
#define GAN_API __attribute__((visibility("default")))
#else
#define GAN_API
#endif

/** @cond INTERNAL */
#ifdef __cplusplus
#define GAN_BEGIN_DECLS extern "C" {
#define GAN_END_DECLS }
#else
#define GAN_BEGIN_DECLS
#define GAN_END_DECLS
#endif
/** @endcond */

#endif /* GAN_COMMON_H */
