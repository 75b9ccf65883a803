/*
 * Shared by the data set tests: a temporary folder, and IDX files written byte by byte
 * (raw, or gzip through zlib's gzopen/gzwrite).
 */
#ifndef GAN_IDX_TEST_SUPPORT_H
#define GAN_IDX_TEST_SUPPORT_H

#include <zlib.h>

#include "file_test_support.h"

static inline void write_file(const char *path, const unsigned char *bytes, size_t count,
                              int gzip)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb");
        if (!gz)
            fail_msg("cannot create %s", path);
        if (count && gzwrite(gz, bytes, (unsigned)count) != (int)count)
            fail_msg("cannot write %s", path);
        if (gzclose(gz) != Z_OK)
            fail_msg("cannot close %s", path);
        return;
    }
    write_bytes(path, bytes, count);
}

static inline void put_be32(unsigned char *bytes, uint32_t value)
{
    bytes[0] = (unsigned char)(value >> 24);
    bytes[1] = (unsigned char)(value >> 16);
    bytes[2] = (unsigned char)(value >> 8);
    bytes[3] = (unsigned char)value;
}

/* An IDX file: magic, `rank` dimensions, then `data_count` bytes of `data`. */
static inline void write_idx(const char *path, int gzip, uint32_t magic, int rank,
                             const uint32_t *dims, const unsigned char *data, size_t data_count)
{
    size_t header = 4 + 4 * (size_t)rank;
    unsigned char *bytes = malloc(header + data_count + 1);
    assert_non_null(bytes);
    put_be32(bytes, magic);
    for (int d = 0; d < rank; d++)
        put_be32(bytes + 4 + 4 * d, dims[d]);
    if (data_count)
        memcpy(bytes + header, data, data_count);
    write_file(path, bytes, header + data_count, gzip);
    free(bytes);
}

/* The pixel byte k of sample s in the test images: bytes 0 and 1 name the sample. */
static inline unsigned char test_pixel(int64_t s, int64_t k)
{
    if (k == 0)
        return (unsigned char)(s & 0xff);
    if (k == 1)
        return (unsigned char)(s >> 8);
    return (unsigned char)((s * 31 + k * 7) & 0xff);
}

/* Writes `count` images of rows x cols (test_pixel) and labels s % 10. */
static inline void write_test_set(const char *images, const char *labels, int gzip, uint32_t count,
                                  uint32_t rows, uint32_t cols)
{
    size_t sample = (size_t)rows * cols;
    unsigned char *pixels = malloc(count * sample + 1);
    unsigned char *tags = malloc(count + 1);
    assert_non_null(pixels);
    assert_non_null(tags);
    for (uint32_t s = 0; s < count; s++) {
        for (size_t k = 0; k < sample; k++)
            pixels[s * sample + k] = test_pixel(s, (int64_t)k);
        tags[s] = (unsigned char)(s % 10);
    }
    uint32_t dims[3] = {count, rows, cols};
    write_idx(images, gzip, 0x803, 3, dims, pixels, count * sample);
    if (labels)
        write_idx(labels, gzip, 0x801, 1, dims, tags, count);
    free(pixels);
    free(tags);
}

/* Group setup/teardown: a temporary folder and the counting allocator. */
static inline int make_temp_dir(void **state)
{
    snprintf(temp_dir, sizeof temp_dir, "%s/libgan-data-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(temp_dir)) {
        print_error("mkdtemp %s: %s\n", temp_dir, strerror(errno));
        return -1;
    }
    return install_counting_allocator(state);
}

static inline int remove_temp_dir(void **state)
{
    remove_tree(temp_dir);
    return remove_counting_allocator(state);
}

#endif /* GAN_IDX_TEST_SUPPORT_H */
