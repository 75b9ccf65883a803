/*
 * Internal: the data movement of 2-D convolutions, which turns them into matrix products.
 *
 * Images are NCHW. A column matrix has one row per (channel, kh, kw) and one column per
 * (image, oy, ox), row-major: col[((c k + kh) k + kw), (n oh + oy) ow + ox] is the image
 * value at row oy s - p + kh, column ox s - p + kw of channel c of image n (zero in the
 * padding). One matrix covers a whole batch, so one GEMM does too.
 */
#ifndef GAN_KERNELS_IM2COL_H
#define GAN_KERNELS_IM2COL_H

#include <stdint.h>

/* A square-kernel, zero-padded 2-D convolution's geometry. The image side is the
 * convolution's input (a ConvTranspose2d's output); the positions are where the kernel is
 * applied (a Conv2d's output, a ConvTranspose2d's input). */
typedef struct gan_conv_geometry {
    int64_t channels, height, width;  /* each image: [channels, height, width] */
    int64_t kernel, stride, padding;
    int64_t out_height, out_width;    /* positions per image */
} gan_conv_geometry;

/* col [channels k k, batch out_height out_width] from images [batch, channels, height, width]. */
void gan__im2col(const gan_conv_geometry *g, int64_t batch, const float *images, float *col);

/* The adjoint of im2col: images = 0, then every entry of col is added to the image element
 * it was read from (entries that fall in the padding are dropped). */
void gan__col2im(const gan_conv_geometry *g, int64_t batch, const float *col, float *images);

/* dst [channels, batch, positions] from src [batch, channels, positions]. */
void gan__nchw_to_cnhw(int64_t batch, int64_t channels, int64_t positions, const float *src,
                       float *dst);

/* dst [batch, channels, positions] from src [channels, batch, positions], plus bias[c] on
 * channel c when bias is not NULL. */
void gan__cnhw_to_nchw(int64_t batch, int64_t channels, int64_t positions, const float *src,
                       const float *bias, float *dst);

/* x [batch, channels, positions] += bias[c] on channel c. */
void gan__add_channel_bias(int64_t batch, int64_t channels, int64_t positions, const float *bias,
                           float *x);

/* sums[c] += the sum of channel c of x [batch, channels, positions] (accumulated in double). */
void gan__add_channel_sums(int64_t batch, int64_t channels, int64_t positions, const float *x,
                           float *sums);

/*
 * How many images a layer puts in one GEMM when it works through a batch in chunks (to
 * bound its column scratch): enough for GAN_CONV_CHUNK_COLUMNS columns, at least one
 * image, at most the batch. Depends only on the shapes, so results do not depend on
 * the machine.
 */
enum { GAN_CONV_CHUNK_COLUMNS = 4096 };
int64_t gan__conv_chunk_images(int64_t batch, int64_t positions);

#endif /* GAN_KERNELS_IM2COL_H */
