/*
 * PNG grids (gan/image.h): the grid's size for several N/columns/C, every pixel of a
 * gradient against the layout, the value mapping (rounding, clamping, NaN, infinities), the
 * border, grayscale vs RGB, argument errors, I/O failures (atomic replacement, no temporary
 * left behind) and every failed allocation, libpng's included. Files are read back with
 * libpng's simplified API, and the IHDR bytes are checked directly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "file_test_support.h"





static void expect_file_holds(const char *path, const void *bytes, size_t count)
{
    size_t got = 0;
    unsigned char *now = slurp(path, &got);
    assert_non_null(now);
    assert_int_equal(got, count);
    assert_memory_equal(now, bytes, count);
    free(now);
}

static bool file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}



/* ---- images and PNGs ---------------------------------------------------------------- */

static gan_tensor *new_images(int64_t n, int64_t c, int64_t h, int64_t w)
{
    int64_t shape[4] = {n, c, h, w};
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, shape), GAN_OK);
    return images;
}

/* The gradient: image n, channel c, pixel (y, x) holds a distinct-ish byte value. */
static float gradient_value(int64_t n, int64_t c, int64_t y, int64_t x, int64_t w)
{
    return (float)((n * 37 + c * 101 + y * w + x) % 256);
}

static gan_tensor *gradient_images(int64_t n, int64_t c, int64_t h, int64_t w)
{
    gan_tensor *images = new_images(n, c, h, w);
    float *data = gan_tensor_data(images);
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < c; k++)
            for (int64_t y = 0; y < h; y++)
                for (int64_t x = 0; x < w; x++)
                    data[((i * c + k) * h + y) * w + x] = gradient_value(i, k, y, x, w);
    return images;
}

typedef struct png_read {
    uint32_t width, height;
    int bit_depth, color_type; /* from the IHDR bytes */
    int channels;              /* 1 or 3 */
    unsigned char *pixels;     /* malloc'd, width * channels bytes a row */
} png_read;

static uint32_t big_endian(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static png_read read_png(const char *path)
{
    png_read result = {0};
    size_t count = 0;
    unsigned char *bytes = slurp(path, &count);
    assert_non_null(bytes);
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(count > 33);
    assert_memory_equal(bytes, signature, 8);
    assert_memory_equal(bytes + 12, "IHDR", 4);
    result.width = big_endian(bytes + 16);
    result.height = big_endian(bytes + 20);
    result.bit_depth = bytes[24];
    result.color_type = bytes[25];
    free(bytes);

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path))
        fail_msg("libpng cannot read %s: %s", path, image.message);
    assert_int_equal(image.width, result.width);
    assert_int_equal(image.height, result.height);
    bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
    assert_false(image.format & PNG_FORMAT_FLAG_ALPHA);
    result.channels = colour ? 3 : 1;
    image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    result.pixels = malloc(PNG_IMAGE_SIZE(image));
    assert_non_null(result.pixels);
    if (!png_image_finish_read(&image, NULL, result.pixels, 0, NULL))
        fail_msg("libpng cannot decode %s: %s", path, image.message);
    png_image_free(&image);
    return result;
}

static unsigned char pixel(const png_read *png, uint32_t x, uint32_t y, int channel)
{
    return png->pixels[((size_t)y * png->width + x) * (size_t)png->channels + (size_t)channel];
}

/* ---- the grid ------------------------------------------------------------------------ */

static void grids_have_the_documented_size(void **state)
{
    (void)state;
    static const struct {
        int64_t n, c, h, w, columns;
        uint32_t width, height; /* expected */
    } cases[] = {
        {1, 1, 3, 5, 0, 1 * 7 + 2, 1 * 5 + 2},
        {4, 1, 3, 5, 0, 2 * 7 + 2, 2 * 5 + 2},   /* ceil(sqrt(4)) = 2 */
        {5, 3, 3, 5, 0, 3 * 7 + 2, 2 * 5 + 2},   /* ceil(sqrt(5)) = 3, 2 rows */
        {10, 1, 2, 2, 0, 4 * 4 + 2, 3 * 4 + 2},  /* ceil(sqrt(10)) = 4, 3 rows */
        {9, 3, 2, 2, 0, 3 * 4 + 2, 3 * 4 + 2},
        {7, 3, 4, 3, 2, 2 * 5 + 2, 4 * 6 + 2},   /* 2 columns, 4 rows */
        {3, 1, 4, 3, 8, 3 * 5 + 2, 1 * 6 + 2},   /* more columns than images: N */
        {6, 1, 1, 1, 1, 1 * 3 + 2, 6 * 3 + 2},   /* one column */
        {16, 3, 2, 3, 16, 16 * 5 + 2, 1 * 4 + 2},
        {2, 1, 0, 0, 0, 2 * 2 + 2, 1 * 2 + 2},   /* empty images: the borders */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gan_tensor *images = gradient_images(cases[i].n, cases[i].c, cases[i].h, cases[i].w);
        const char *path = temp_path("size.png");
        assert_status(gan_image_write_png_grid(path, images, cases[i].columns, 0.0f, 255.0f),
                      GAN_OK);
        png_read png = read_png(path);
        if (png.width != cases[i].width || png.height != cases[i].height)
            fail_msg("case %zu: %ux%u, expected %ux%u", i, png.width, png.height,
                     cases[i].width, cases[i].height);
        assert_int_equal(png.bit_depth, 8);
        assert_int_equal(png.color_type, cases[i].c == 3 ? 2 : 0); /* RGB : grayscale */
        assert_int_equal(png.channels, (int)cases[i].c);
        free(png.pixels);
        gan_tensor_free(images);
    }
    assert_int_equal(count_temporaries(temp_dir), 0);
}

/* Every pixel of the grid against the documented layout, computed independently. */
static void check_every_pixel(int64_t n, int64_t c, int64_t h, int64_t w, int64_t columns,
                              int64_t used_columns)
{
    gan_tensor *images = gradient_images(n, c, h, w);
    const char *path = temp_path("gradient.png");
    assert_status(gan_image_write_png_grid(path, images, columns, 0.0f, 255.0f), GAN_OK);
    png_read png = read_png(path);
    int64_t rows = (n + used_columns - 1) / used_columns;
    assert_int_equal(png.width, (uint32_t)(used_columns * (w + 2) + 2));
    assert_int_equal(png.height, (uint32_t)(rows * (h + 2) + 2));
    assert_int_equal(png.channels, (int)c);
    long border_pixels = 0;
    for (uint32_t y = 0; y < png.height; y++)
        for (uint32_t x = 0; x < png.width; x++) {
            /* Which image, and where in it? */
            int64_t gx = (int64_t)x - 2, gy = (int64_t)y - 2;
            int64_t column = gx >= 0 ? gx / (w + 2) : -1, row = gy >= 0 ? gy / (h + 2) : -1;
            int64_t ix = gx - column * (w + 2), iy = gy - row * (h + 2);
            int64_t image = row * used_columns + column;
            bool inside = gx >= 0 && gy >= 0 && ix < w && iy < h && column < used_columns &&
                          image < n;
            if (!inside)
                border_pixels++;
            for (int k = 0; k < (int)c; k++) {
                int want = inside ? (int)gradient_value(image, k, iy, ix, w) : 128;
                if (pixel(&png, x, y, k) != want)
                    fail_msg("N=%lld C=%lld: pixel (%u, %u) channel %d is %d, expected %d",
                             (long long)n, (long long)c, x, y, k, pixel(&png, x, y, k), want);
            }
        }
    assert_int_equal(border_pixels, (long)png.width * png.height - (long)(n * h * w));
    free(png.pixels);
    gan_tensor_free(images);
}

static void pixels_follow_the_layout(void **state)
{
    (void)state;
    check_every_pixel(5, 3, 4, 6, 3, 3); /* RGB, a part-empty last row */
    check_every_pixel(5, 1, 4, 6, 3, 3); /* the same in grayscale */
    check_every_pixel(7, 1, 3, 2, 0, 3);
    check_every_pixel(1, 3, 5, 5, 0, 1);
    check_every_pixel(4, 1, 2, 9, 1, 1);
    check_every_pixel(3, 3, 2, 2, 10, 3);
    /* The corners of the border, explicitly: mid-gray. */
    gan_tensor *images = new_images(1, 3, 2, 2);
    assert_status(gan_tensor_fill(images, 255.0f), GAN_OK);
    const char *path = temp_path("corners.png");
    assert_status(gan_image_write_png_grid(path, images, 0, 0.0f, 1.0f), GAN_OK);
    png_read png = read_png(path);
    assert_int_equal(png.width, 6);
    assert_int_equal(png.height, 6);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(pixel(&png, 0, 0, k), 128);
        assert_int_equal(pixel(&png, 1, 1, k), 128);
        assert_int_equal(pixel(&png, 5, 5, k), 128);
        assert_int_equal(pixel(&png, 4, 1, k), 128);
        assert_int_equal(pixel(&png, 2, 2, k), 255);
        assert_int_equal(pixel(&png, 3, 3, k), 255);
    }
    free(png.pixels);
    gan_tensor_free(images);
}

static void values_map_low_high_to_bytes(void **state)
{
    (void)state;
    static const struct {
        float value;
        int byte;
    } cases[] = {
        {-1.0f, 0},     {1.0f, 255},   {0.0f, 128} /* 127.5 rounds up */,
        {0.5f, 191},    {-0.5f, 64},   {-2.0f, 0},  {2.0f, 255},
        {1e30f, 255},   {-1e30f, 0},   {-0.999f, 0} /* 0.1275 */,
        {-0.996f, 1} /* 0.51 */, {0.996f, 254} /* 254.49 */, {0.997f, 255} /* 254.6 */,
    };
    size_t count = sizeof cases / sizeof cases[0];
    gan_tensor *images = new_images(1, 1, 1, (int64_t)count + 3);
    float *data = gan_tensor_data(images);
    for (size_t i = 0; i < count; i++)
        data[i] = cases[i].value;
    data[count] = NAN;
    data[count + 1] = INFINITY;
    data[count + 2] = -INFINITY;
    const char *path = temp_path("mapping.png");
    assert_status(gan_image_write_png_grid(path, images, 0, -1.0f, 1.0f), GAN_OK);
    png_read png = read_png(path);
    for (size_t i = 0; i < count; i++)
        if (pixel(&png, 2 + (uint32_t)i, 2, 0) != cases[i].byte)
            fail_msg("%g became %d, expected %d", (double)cases[i].value,
                     pixel(&png, 2 + (uint32_t)i, 2, 0), cases[i].byte);
    assert_int_equal(pixel(&png, 2 + (uint32_t)count, 2, 0), 0);       /* NaN */
    assert_int_equal(pixel(&png, 2 + (uint32_t)count + 1, 2, 0), 255); /* +inf */
    assert_int_equal(pixel(&png, 2 + (uint32_t)count + 2, 2, 0), 0);   /* -inf */
    free(png.pixels);

    /* [0, 1]: k / 255 gives k for every k, in RGB with NaN in one channel only. */
    gan_tensor *rgb = new_images(1, 3, 1, 256);
    data = gan_tensor_data(rgb);
    for (int k = 0; k < 256; k++) {
        data[k] = (float)k / 255.0f;
        data[256 + k] = 1.0f - (float)k / 255.0f;
        data[512 + k] = k % 2 ? NAN : 0.25f; /* 63.75 -> 64 */
    }
    assert_status(gan_image_write_png_grid(path, rgb, 1, 0.0f, 1.0f), GAN_OK);
    png = read_png(path);
    assert_int_equal(png.color_type, 2);
    for (uint32_t k = 0; k < 256; k++) {
        assert_int_equal(pixel(&png, 2 + k, 2, 0), k);
        assert_int_equal(pixel(&png, 2 + k, 2, 1), 255 - k);
        assert_int_equal(pixel(&png, 2 + k, 2, 2), k % 2 ? 0 : 64);
    }
    free(png.pixels);

    /* The smallest range: low gives 0, high 255, anything below low 0. */
    data[0] = 1.0f;
    data[1] = nextafterf(1.0f, 2.0f);
    data[2] = 0.0f;
    assert_status(gan_image_write_png_grid(path, rgb, 1, 1.0f, nextafterf(1.0f, 2.0f)), GAN_OK);
    png = read_png(path);
    assert_int_equal(pixel(&png, 2, 2, 0), 0);
    assert_int_equal(pixel(&png, 3, 2, 0), 255);
    assert_int_equal(pixel(&png, 4, 2, 0), 0);
    free(png.pixels);
    gan_tensor_free(rgb);
    gan_tensor_free(images);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void expect_refused(const char *path, const gan_tensor *images, int64_t columns,
                           float low, float high, gan_status want, const char *mention)
{
    long live = group_allocator.live;
    assert_status(gan_image_write_png_grid(path, images, columns, low, high), want);
    assert_int_equal(group_allocator.live, live);
    if (mention)
        assert_error_mentions(mention);
    if (path)
        assert_false(file_exists(path));
    assert_int_equal(count_temporaries(temp_dir), 0);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    const char *path = temp_path("refused.png");
    gan_tensor *good = new_images(2, 1, 2, 2);
    expect_refused(NULL, good, 0, 0.0f, 1.0f, GAN_ERR_INVALID_ARGUMENT, "path");
    expect_refused(path, NULL, 0, 0.0f, 1.0f, GAN_ERR_INVALID_ARGUMENT, "images");
    assert_status(gan_image_write_png_grid(temp_path(""), good, 0, 0.0f, 1.0f),
                  GAN_ERR_INVALID_ARGUMENT); /* ends in '/' */
    assert_error_mentions("does not name a file");
    assert_status(gan_image_write_png_grid("", good, 0, 0.0f, 1.0f), GAN_ERR_INVALID_ARGUMENT);

    /* The range. */
    expect_refused(path, good, 0, 1.0f, 1.0f, GAN_ERR_INVALID_ARGUMENT, "[1, 1]");
    expect_refused(path, good, 0, 1.0f, 0.0f, GAN_ERR_INVALID_ARGUMENT, "high > low");
    expect_refused(path, good, 0, NAN, 1.0f, GAN_ERR_INVALID_ARGUMENT, "finite");
    expect_refused(path, good, 0, 0.0f, NAN, GAN_ERR_INVALID_ARGUMENT, "finite");
    expect_refused(path, good, 0, -INFINITY, 1.0f, GAN_ERR_INVALID_ARGUMENT, "finite");
    expect_refused(path, good, 0, 0.0f, INFINITY, GAN_ERR_INVALID_ARGUMENT, "finite");
    expect_refused(path, good, -1, 0.0f, 1.0f, GAN_ERR_INVALID_ARGUMENT, "columns is -1");

    /* Shapes. */
    gan_tensor *two = new_images(2, 2, 2, 2);
    expect_refused(path, two, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "C is 2");
    gan_tensor *four = new_images(1, 4, 2, 2);
    expect_refused(path, four, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "C is 4");
    gan_tensor *none = new_images(1, 0, 2, 2);
    expect_refused(path, none, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "C is 0");
    gan_tensor *empty = new_images(0, 1, 2, 2);
    expect_refused(path, empty, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "N is 0");
    int64_t shape3[3] = {1, 2, 2};
    gan_tensor *rank3 = NULL;
    assert_status(gan_tensor_new(&rank3, 3, shape3), GAN_OK);
    expect_refused(path, rank3, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "rank 3");
    int64_t shape5[5] = {1, 1, 1, 2, 2};
    gan_tensor *rank5 = NULL;
    assert_status(gan_tensor_new(&rank5, 5, shape5), GAN_OK);
    expect_refused(path, rank5, 0, 0.0f, 1.0f, GAN_ERR_SHAPE, "rank 5");

    /* Grids above PNG's 2^31 - 1 pixels a side (empty images: no memory needed). */
    gan_tensor *wide = new_images(1, 1, 0, INT64_C(0x7fffffff) - 2);
    expect_refused(path, wide, 0, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "2147483647");
    gan_tensor *tall = new_images(3, 3, INT64_C(0x40000000), 0);
    expect_refused(path, tall, 1, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "PNG's limit");
    gan_tensor *huge = new_images(1, 1, 0, INT64_MAX - 1);
    expect_refused(path, huge, 0, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "PNG's limit");
    gan_tensor *many = new_images(INT64_MAX / 4, 1, 0, 0);
    expect_refused(path, many, 1, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "PNG's limit");
    expect_refused(path, many, 0, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "PNG's limit");
    /* Empty images cost nothing, but 2^40 of them in 2^20 columns would be a border-only grid
     * of 2^22 x 2^22 pixels: within PNG's sides, refused by the 4 GiB cap. */
    gan_tensor *borders = new_images(INT64_C(1) << 40, 1, 0, 0);
    expect_refused(path, borders, 0, 0.0f, 1.0f, GAN_ERR_OVERFLOW, "4 GiB");
    /* Wider than libpng's default user limit of 10^6 pixels: the writer raises it. (The
     * simplified reader keeps that limit, so read the IHDR bytes.) */
    gan_tensor *fits = new_images(1, 1, 0, 1000002);
    assert_status(gan_image_write_png_grid(path, fits, 0, 0.0f, 1.0f), GAN_OK);
    size_t count = 0;
    unsigned char *bytes = slurp(path, &count);
    assert_non_null(bytes);
    assert_true(count > 33);
    assert_int_equal(big_endian(bytes + 16), 1000006);
    assert_int_equal(big_endian(bytes + 20), 4);
    assert_int_equal(bytes[25], 0);
    free(bytes);
    unlink(path);

    gan_tensor *all[] = {good, two, four, none, empty, rank3, rank5, wide, tall, huge, many,
                         borders, fits};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gan_tensor_free(all[i]);
}

/* ---- I/O ------------------------------------------------------------------------------------ */

static void files_are_replaced_atomically(void **state)
{
    (void)state;
    gan_tensor *images = gradient_images(4, 3, 8, 8);
    const char *path = temp_path("atomic.png");
    write_bytes(path, "old contents", 12);
    /* Someone holds the old file open: a rename leaves what they read intact. */
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    assert_status(gan_image_write_png_grid(path, images, 0, 0.0f, 255.0f), GAN_OK);
    assert_int_equal(stat(path, &after), 0);
    assert_true(before.st_ino != after.st_ino);
    char old[16] = {0};
    assert_int_equal(read(fd, old, sizeof old), 12);
    assert_memory_equal(old, "old contents", 12);
    close(fd);
    png_read png = read_png(path);
    assert_int_equal(png.width, 2 * 10 + 2);
    assert_int_equal(png.channels, 3);
    free(png.pixels);
    assert_int_equal(count_temporaries(temp_dir), 0);

    /* A relative path (the folder is "."). */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(temp_dir), 0);
    assert_status(gan_image_write_png_grid("relative.png", images, 0, 0.0f, 255.0f), GAN_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_true(file_exists(temp_path("relative.png")));
    gan_tensor_free(images);
}

static void io_failures_leave_the_old_file(void **state)
{
    (void)state;
    gan_tensor *images = new_images(1, 3, 128, 128);
    /* Noise, so the PNG does not compress below the file size limit below. */
    float *data = gan_tensor_data(images);
    uint32_t x = 12345;
    for (int64_t i = 0; i < gan_tensor_numel(images); i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = (float)(x >> 24);
    }
    long baseline = group_allocator.live;

    /* A folder that does not exist. */
    const char *missing = temp_path("no-such-folder/grid.png");
    assert_status(gan_image_write_png_grid(missing, images, 0, 0.0f, 255.0f), GAN_ERR_IO);
    assert_error_mentions("create '");
    assert_error_mentions("No such file or directory");
    assert_int_equal(group_allocator.live, baseline);

    /* The file system refuses the data half way (a file size limit, inside libpng's write
     * callback: the error goes through png_error and the longjmp). Works as root too. */
    const char *path = temp_path("limited.png");
    write_bytes(path, "old", 3);
    struct rlimit limit, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &limit), 0);
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    small = limit;
    small.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    gan_status status = gan_image_write_png_grid(path, images, 0, 0.0f, 255.0f);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    signal(SIGXFSZ, previous);
    assert_status(status, GAN_ERR_IO);
    assert_error_mentions("gan_image_write_png_grid: write '");
    assert_error_mentions("File too large");
    expect_file_holds(path, "old", 3);
    assert_int_equal(count_temporaries(temp_dir), 0);
    assert_int_equal(group_allocator.live, baseline);

    /* The rename fails: the target is a folder (not empty). */
    const char *folder = temp_path("target");
    assert_int_equal(mkdir(folder, 0755), 0);
    char inside[700];
    snprintf(inside, sizeof inside, "%s/x", folder);
    write_bytes(inside, "x", 1);
    assert_status(gan_image_write_png_grid(folder, images, 0, 0.0f, 255.0f), GAN_ERR_IO);
    assert_error_mentions("rename '");
    assert_int_equal(count_temporaries(temp_dir), 0);
    assert_true(file_exists(inside));
    assert_int_equal(group_allocator.live, baseline);

    /* A read-only folder (root may write anyway: then there is nothing to test). */
    const char *readonly = temp_path("readonly");
    assert_int_equal(mkdir(readonly, 0755), 0);
    char target[700];
    snprintf(target, sizeof target, "%s/grid.png", readonly);
    write_bytes(target, "kept", 4);
    assert_int_equal(chmod(readonly, 0555), 0);
    if (geteuid() != 0) {
        assert_status(gan_image_write_png_grid(target, images, 0, 0.0f, 255.0f), GAN_ERR_IO);
        assert_error_mentions("Permission denied");
        expect_file_holds(target, "kept", 4);
        assert_int_equal(count_temporaries(readonly), 0);
    }
    chmod(readonly, 0755);
    assert_int_equal(group_allocator.live, baseline);

    /* And then it works. */
    assert_status(gan_image_write_png_grid(path, images, 0, 0.0f, 255.0f), GAN_OK);
    png_read png = read_png(path);
    assert_int_equal(png.width, 132);
    assert_int_equal(pixel(&png, 2, 2, 0), (int)data[0]);
    free(png.pixels);
    gan_tensor_free(images);
}

/* ---- allocation failures ------------------------------------------------------------------- */

static void every_failed_allocation_is_survived(void **state)
{
    (void)state;
    for (int channels = 1; channels <= 3; channels += 2) {
        gan_tensor *images = gradient_images(5, channels, 9, 7);
        const char *path = temp_path("alloc.png"), *reference = temp_path("alloc-ref.png");
        assert_status(gan_image_write_png_grid(reference, images, 0, 0.0f, 255.0f), GAN_OK);
        size_t count;
        unsigned char *want = slurp(reference, &count);
        assert_non_null(want);
        long baseline = group_allocator.live;
        write_bytes(path, "old", 3);
        long k;
        for (k = 1;; k++) {
            group_allocator.calls = 0;
            group_allocator.fail_at = k;
            gan_status status = gan_image_write_png_grid(path, images, 0, 0.0f, 255.0f);
            group_allocator.fail_at = 0;
            if (status == GAN_OK)
                break;
            assert_status(status, GAN_ERR_OUT_OF_MEMORY);
            assert_error_mentions("out of memory");
            assert_int_equal(group_allocator.live, baseline);
            expect_file_holds(path, "old", 3);
            assert_int_equal(count_temporaries(temp_dir), 0);
        }
        /* The row, the two file names, libpng's structs and zlib's state at least. */
        assert_true(k > 6);
        assert_int_equal(group_allocator.live, baseline);
        expect_file_holds(path, want, count);

        /* Every allocation from some point on failing. */
        for (long from = 1; from < k; from++) {
            group_allocator.calls = 0;
            group_allocator.fail_at = from;
            group_allocator.fail_onwards = 1;
            gan_status status = gan_image_write_png_grid(path, images, 0, 0.0f, 255.0f);
            group_allocator.fail_at = 0;
            group_allocator.fail_onwards = 0;
            assert_status(status, GAN_ERR_OUT_OF_MEMORY);
            assert_int_equal(group_allocator.live, baseline);
            assert_int_equal(count_temporaries(temp_dir), 0);
        }
        free(want);
        gan_tensor_free(images);
    }
}

/* ---- main ---------------------------------------------------------------------------------- */

static int setup(void **state)
{
    snprintf(temp_dir, sizeof temp_dir, "%s/libgan-image-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(temp_dir)) {
        print_error("mkdtemp %s: %s\n", temp_dir, strerror(errno));
        return -1;
    }
    return install_counting_allocator(state);
}

static int teardown(void **state)
{
    remove_tree(temp_dir);
    return remove_counting_allocator(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grids_have_the_documented_size),
        cmocka_unit_test(pixels_follow_the_layout),
        cmocka_unit_test(values_map_low_high_to_bytes),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(files_are_replaced_atomically),
        cmocka_unit_test(io_failures_leave_the_old_file),
        cmocka_unit_test(every_failed_allocation_is_survived),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
