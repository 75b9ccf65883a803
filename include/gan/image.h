/**
 * @file gan/image.h
 * @brief Pictures of samples: PNG grids through libpng.
 */
#ifndef GAN_IMAGE_H
#define GAN_IMAGE_H

#include <stdint.h>

#include "common.h"
#include "status.h"
#include "tensor.h"

GAN_BEGIN_DECLS

/**
 * Writes N images as one PNG grid, row by row, with a 2-pixel border around and between
 * them. Values are mapped linearly from [low, high] to 0..255 and clamped (NaN becomes 0).
 * One channel gives a grayscale PNG, three an RGB one. The write is atomic (a temporary
 * file in the same folder, renamed over @p path).
 * @param path     the file to write
 * @param images   [N, C, H, W] with C 1 or 3, N >= 1
 * @param columns  images per row, or 0 for ceil(sqrt(N))
 * @param low      the value shown black
 * @param high     the value shown white (> low)
 * @return GAN_OK, GAN_ERR_INVALID_ARGUMENT, GAN_ERR_SHAPE, GAN_ERR_OVERFLOW (a side above
 *         PNG's 2^31 - 1 pixels, or more than 4 GiB of raw pixels), GAN_ERR_IO,
 *         GAN_ERR_OUT_OF_MEMORY.
 */
GAN_API gan_status gan_image_write_png_grid(const char *path, const gan_tensor *images,
                                            int64_t columns, float low, float high);

GAN_END_DECLS

#endif /* GAN_IMAGE_H */
