/*
 * png_info: decodes a PNG completely with libpng and prints "WIDTH HEIGHT CHANNELS
 * BIT_DEPTH", or fails (exit status 1) if the file is not a valid PNG. Used by the check
 * scripts to read back what the examples wrote.
 *   png_info FILE.png
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: png_info FILE.png\n");
        return 2;
    }
    png_image image = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_file(&image, argv[1])) {
        fprintf(stderr, "png_info: %s: %s\n", argv[1], image.message);
        return 1;
    }
    unsigned channels = PNG_IMAGE_PIXEL_CHANNELS(image.format);
    unsigned depth = (image.format & PNG_FORMAT_FLAG_LINEAR) ? 16 : 8;
    unsigned width = image.width, height = image.height;
    png_bytep pixels = malloc(PNG_IMAGE_SIZE(image));
    if (!pixels || !png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        fprintf(stderr, "png_info: %s: %s\n", argv[1], pixels ? image.message : "out of memory");
        free(pixels);
        png_image_free(&image);
        return 1;
    }
    free(pixels);
    printf("%u %u %u %u\n", width, height, channels, depth);
    return 0;
}
