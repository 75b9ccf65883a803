/*
 * The IDX reader (see idx.h): header checks against the real file size before anything is
 * allocated, then exactly the promised bytes and the end of the file.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/error.h"
#include "data/idx.h"

/* Bytes read per gzread call (on the stack). */
enum { IDX_CHUNK = 16384 };

static const char *kind_name(gan_idx_kind kind)
{
    return kind == GAN_IDX_IMAGES ? "images" : "labels";
}

static gan_status idx_io_error(const gan_idx_file *file, const char *operation, int error)
{
    char reason[256];
    if (strerror_r(error, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", error);
    return gan__fail(GAN_ERR_IO, "%s: %s '%s' failed: %s", file->function, operation,
                     file->path, reason);
}

/* After gzread returned fewer bytes than asked: zlib's error, or plain truncation. */
static gan_status short_read(const gan_idx_file *file, const char *part, uint64_t got,
                             uint64_t wanted)
{
    int error = Z_OK;
    const char *message = gzerror((gzFile)file->gz, &error);
    if (error == Z_ERRNO)
        return idx_io_error(file, "reading", errno);
    if (error != Z_OK) {
        /* zlib prefixes "<fd:N>: " (the file was opened with gzdopen). */
        const char *colon = message ? strstr(message, ": ") : NULL;
        if (message && strncmp(message, "<fd:", 4) == 0 && colon)
            message = colon + 2;
        return gan__fail(GAN_ERR_FORMAT, "%s: '%s': %s: %s (zlib: %s) after %llu of %llu bytes",
                         file->function, file->path, part,
                         file->compressed ? "truncated or corrupt gzip data" : "read error",
                         message ? message : "?", (unsigned long long)got,
                         (unsigned long long)wanted);
    }
    return gan__fail(GAN_ERR_FORMAT, "%s: '%s': truncated %s: %llu of %llu bytes",
                     file->function, file->path, part, (unsigned long long)got,
                     (unsigned long long)wanted);
}

/* Reads up to `count` bytes (count <= IDX_CHUNK); returns how many came before the end of
 * the data or an error (short_read tells which). */
static size_t read_some(gan_idx_file *file, unsigned char *bytes, size_t count)
{
    size_t got = 0;
    while (got < count) {
        int n = gzread((gzFile)file->gz, bytes + got, (unsigned)(count - got));
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* Reads exactly `count` bytes (count <= IDX_CHUNK) of `part`; `before` bytes of the part
 * were read already and `total` is the part's size (for messages). */
static gan_status read_exact(gan_idx_file *file, unsigned char *bytes, size_t count,
                             const char *part, uint64_t before, uint64_t total)
{
    size_t got = read_some(file, bytes, count);
    if (got != count)
        return short_read(file, part, before + got, total);
    return GAN_OK;
}

static uint32_t big_endian(const unsigned char *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 |
           (uint32_t)bytes[3];
}

/* Checks the header's numbers and bounds the data by the file's real size. */
static gan_status check_header(gan_idx_file *file, const uint32_t *dims, int rank,
                               uint64_t file_size)
{
    const char *what = kind_name(file->kind);
    if (dims[0] == 0)
        return gan__fail(GAN_ERR_FORMAT, "%s: '%s': the %s file holds no samples (count 0)",
                         file->function, file->path, what);
    if (dims[0] > GAN_IDX_MAX_COUNT)
        return gan__fail(GAN_ERR_FORMAT, "%s: '%s': count %lu exceeds the limit %lld",
                         file->function, file->path, (unsigned long)dims[0], GAN_IDX_MAX_COUNT);
    file->count = dims[0];
    file->rows = file->cols = 1;
    if (rank == 3) {
        for (int d = 1; d < 3; d++)
            if (dims[d] == 0 || dims[d] > GAN_IDX_MAX_SIDE)
                return gan__fail(GAN_ERR_FORMAT,
                                 "%s: '%s': image dimensions %lu x %lu: each must be 1 to %lld",
                                 file->function, file->path, (unsigned long)dims[1],
                                 (unsigned long)dims[2], GAN_IDX_MAX_SIDE);
        file->rows = dims[1];
        file->cols = dims[2];
    }
    /* At most 2^31 * 2^16 * 2^16 = 2^63: no overflow. */
    file->data_bytes = (uint64_t)file->count * (uint64_t)file->rows * (uint64_t)file->cols;
    uint64_t header_bytes = 4 + 4 * (uint64_t)rank;
    uint64_t needed = header_bytes + file->data_bytes;
    char shape[96];
    if (rank == 3)
        snprintf(shape, sizeof shape, "[%lld, %lld, %lld]", (long long)file->count,
                 (long long)file->rows, (long long)file->cols);
    else
        snprintf(shape, sizeof shape, "[%lld]", (long long)file->count);
    if (!file->compressed) {
        if (file_size != needed)
            return gan__fail(GAN_ERR_FORMAT,
                             "%s: '%s': the file has %llu bytes, but its header %s needs "
                             "%llu (%llu of header and %llu of data)%s",
                             file->function, file->path, (unsigned long long)file_size, shape,
                             (unsigned long long)needed, (unsigned long long)header_bytes,
                             (unsigned long long)file->data_bytes,
                             file_size < needed ? ": truncated" : ": trailing bytes");
    } else if (file_size <= UINT64_MAX / GAN_IDX_MAX_GZIP_RATIO &&
               needed > file_size * GAN_IDX_MAX_GZIP_RATIO) {
        return gan__fail(GAN_ERR_FORMAT,
                         "%s: '%s': the header %s claims %llu bytes, but %llu bytes of gzip "
                         "can hold at most %llu",
                         file->function, file->path, shape, (unsigned long long)needed,
                         (unsigned long long)file_size,
                         (unsigned long long)(file_size * GAN_IDX_MAX_GZIP_RATIO));
    }
    if (file->data_bytes > SIZE_MAX / sizeof(float))
        return gan__fail(GAN_ERR_OVERFLOW, "%s: '%s': %s %s do not fit in memory",
                         file->function, file->path, what, shape);
    return GAN_OK;
}

static gan_status read_header(gan_idx_file *file, uint64_t file_size)
{
    const uint32_t expected = file->kind == GAN_IDX_IMAGES ? GAN_IDX_MAGIC_IMAGES
                                                           : GAN_IDX_MAGIC_LABELS;
    const int rank = file->kind == GAN_IDX_IMAGES ? 3 : 1;
    const uint64_t header_bytes = 4 + 4 * (uint64_t)rank;
    unsigned char header[16];
    /* Known before the first read, so that a corrupt stream is reported as one. */
    file->compressed = gzdirect((gzFile)file->gz) == 0;
    gan_status status = read_exact(file, header, 4, "header", 0, header_bytes);
    if (status != GAN_OK)
        return status;
    uint32_t magic = big_endian(header);
    if (magic != expected) {
        const char *hint = "";
        if (magic == GAN_IDX_MAGIC_IMAGES)
            hint = " (this is an images file)";
        else if (magic == GAN_IDX_MAGIC_LABELS)
            hint = " (this is a labels file)";
        return gan__fail(GAN_ERR_FORMAT,
                         "%s: '%s': magic number 0x%08lx, expected 0x%08lx (IDX unsigned-byte "
                         "%s)%s",
                         file->function, file->path, (unsigned long)magic,
                         (unsigned long)expected, kind_name(file->kind), hint);
    }
    status = read_exact(file, header + 4, (size_t)(4 * rank), "header", 4, header_bytes);
    if (status != GAN_OK)
        return status;
    uint32_t dims[3] = {0, 0, 0};
    for (int d = 0; d < rank; d++)
        dims[d] = big_endian(header + 4 + 4 * d);
    return check_header(file, dims, rank, file_size);
}

gan_status gan__idx_open(gan_idx_file *file, const char *function, const char *path,
                         gan_idx_kind kind)
{
    memset(file, 0, sizeof *file);
    file->function = function;
    file->path = path;
    file->kind = kind;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return idx_io_error(file, "open", errno);
    struct stat info;
    if (fstat(fd, &info) != 0) {
        gan_status status = idx_io_error(file, "fstat", errno);
        close(fd);
        return status;
    }
    if (!S_ISREG(info.st_mode)) {
        close(fd);
        return gan__fail(GAN_ERR_IO, "%s: '%s' is not a regular file", function, path);
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return gan__fail(GAN_ERR_OUT_OF_MEMORY, "%s: '%s': zlib could not set up reading",
                         function, path);
    }
    file->gz = gz;
    gan_status status = read_header(file, (uint64_t)info.st_size);
    if (status != GAN_OK)
        gan__idx_close(file);
    return status;
}

/* Requires the end of the file after the data. */
static gan_status expect_end(gan_idx_file *file)
{
    unsigned char extra;
    int n = gzread((gzFile)file->gz, &extra, 1);
    if (n > 0)
        return gan__fail(GAN_ERR_FORMAT,
                         "%s: '%s': trailing bytes after the %llu bytes of data the header "
                         "promises",
                         file->function, file->path, (unsigned long long)file->data_bytes);
    if (n < 0)
        return short_read(file, "end of data", file->data_bytes, file->data_bytes);
    return GAN_OK;
}

gan_status gan__idx_read_images(gan_idx_file *file, uint8_t *out)
{
    uint64_t done = 0;
    while (done < file->data_bytes) {
        uint64_t left = file->data_bytes - done;
        size_t count = left < IDX_CHUNK ? (size_t)left : IDX_CHUNK;
        gan_status status = read_exact(file, out + done, count, "pixel data", done,
                                       file->data_bytes);
        if (status != GAN_OK)
            return status;
        done += count;
    }
    return expect_end(file);
}

gan_status gan__idx_read_labels(gan_idx_file *file, float *out)
{
    unsigned char chunk[IDX_CHUNK];
    uint64_t done = 0;
    while (done < file->data_bytes) {
        uint64_t left = file->data_bytes - done;
        size_t count = left < IDX_CHUNK ? (size_t)left : IDX_CHUNK;
        gan_status status = read_exact(file, chunk, count, "label data", done, file->data_bytes);
        if (status != GAN_OK)
            return status;
        for (size_t i = 0; i < count; i++) {
            if (chunk[i] > 9)
                return gan__fail(GAN_ERR_FORMAT, "%s: '%s': label %u of sample %llu is outside "
                                 "0..9", file->function, file->path, (unsigned)chunk[i],
                                 (unsigned long long)(done + i));
            out[done + i] = (float)chunk[i];
        }
        done += count;
    }
    return expect_end(file);
}

void gan__idx_close(gan_idx_file *file)
{
    if (file->gz) {
        gzclose_r((gzFile)file->gz);
        file->gz = NULL;
    }
}
