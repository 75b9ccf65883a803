/*
 * Shared by the tests that hand-craft safetensors files: a file from a header text and data,
 * with libgan's checksum made right, and a copy of a file whose header has been edited
 * (again with the length and the checksum made right, so that only the reader's checks of
 * the content stand between the edit and the caller); and the check of one case of their
 * tables of files.
 */
#ifndef GAN_SAFETENSORS_TEST_SUPPORT_H
#define GAN_SAFETENSORS_TEST_SUPPORT_H

#include <zlib.h>

#include "file_test_support.h"

/* Writes a safetensors file: the header length, the header, the data. If the header holds
 * "crc32:00000000", those digits become libgan's checksum of the header (with the digits
 * as '0') and the data. */
static inline void write_st_file(const char *path, const char *header, size_t header_length,
                                 const void *data, size_t data_size)
{
    unsigned char *bytes = malloc(8 + header_length + data_size + 1);
    assert_non_null(bytes);
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)header_length >> (8 * i));
    memcpy(bytes + 8, header, header_length);
    if (data_size)
        memcpy(bytes + 8 + header_length, data, data_size);
    bytes[8 + header_length + data_size] = '\0';
    char *digits = strstr((char *)bytes + 8, "\"crc32:00000000\"");
    if (digits && (size_t)(digits - (char *)bytes) + 16 <= 8 + header_length) {
        digits += 7;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), bytes + 8, (uInt)(header_length + data_size));
        char hex[9];
        snprintf(hex, sizeof hex, "%08lx", (unsigned long)crc);
        memcpy(digits, hex, 8);
    }
    write_bytes(path, bytes, 8 + header_length + data_size);
    free(bytes);
}

/* A copy of the safetensors file `from` at `to` with the first `old` in the header replaced
 * by `replacement` (the test fails if the header has no `old`), and libgan's checksum, if
 * the file has one, computed again. */
static inline void patch_st_header(const char *from, const char *to, const char *old,
                                   const char *replacement)
{
    size_t count;
    unsigned char *bytes = slurp(from, &count);
    assert_non_null(bytes);
    assert_true(count >= 8);
    uint64_t length = 0;
    for (int i = 7; i >= 0; i--)
        length = (length << 8) | bytes[i];
    assert_true(length <= count - 8);
    char *header = malloc((size_t)length + 1);
    assert_non_null(header);
    memcpy(header, bytes + 8, (size_t)length);
    header[length] = '\0';
    char *at = strstr(header, old);
    if (!at)
        fail_msg("the header of %s has no \"%s\"", from, old);
    size_t before = (size_t)(at - header), old_length = strlen(old), new_length = strlen(replacement);
    size_t patched_length = (size_t)length - old_length + new_length;
    char *patched = malloc(patched_length + 1);
    assert_non_null(patched);
    memcpy(patched, header, before);
    memcpy(patched + before, replacement, new_length);
    memcpy(patched + before + new_length, at + old_length, (size_t)length - before - old_length);
    patched[patched_length] = '\0';
    char *checksum = strstr(patched, "\"libgan.checksum\":\"crc32:");
    if (checksum)
        memset(checksum + strlen("\"libgan.checksum\":\"crc32:"), '0', 8);
    write_st_file(to, patched, patched_length, bytes + 8 + length, count - 8 - (size_t)length);
    free(patched);
    free(header);
    free(bytes);
}

/* Fails, naming the case, unless `got` is `want` and the message mentions `needle` (if set). */
static inline void expect_case(const char *name, gan_status got, gan_status want,
                               const char *needle)
{
    if (got != want)
        fail_msg("case %s: returned %s, expected %s; last error: %s", name,
                 gan_status_string(got), gan_status_string(want), gan_last_error());
    if (needle && !strstr(gan_last_error(), needle))
        fail_msg("case %s: the message \"%s\" does not mention \"%s\"", name, gan_last_error(),
                 needle);
}

#endif /* GAN_SAFETENSORS_TEST_SUPPORT_H */
