/*
 * safetensors files: the atomic writer and the hostile-input reader (see safetensors.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "gan/version.h"
#include "io/atomic_file.h"
#include "io/json.h"
#include "io/safetensors.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libgan's safetensors code reads and writes native values: it needs a little-endian target"
#endif

/* ---- dtypes ------------------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} dtypes[GAN_ST_DTYPE_COUNT] = {
    [GAN_ST_BOOL] = {"BOOL", 1},       [GAN_ST_U8] = {"U8", 1},
    [GAN_ST_I8] = {"I8", 1},           [GAN_ST_F8_E5M2] = {"F8_E5M2", 1},
    [GAN_ST_F8_E4M3] = {"F8_E4M3", 1}, [GAN_ST_I16] = {"I16", 2},
    [GAN_ST_U16] = {"U16", 2},         [GAN_ST_F16] = {"F16", 2},
    [GAN_ST_BF16] = {"BF16", 2},       [GAN_ST_I32] = {"I32", 4},
    [GAN_ST_U32] = {"U32", 4},         [GAN_ST_F32] = {"F32", 4},
    [GAN_ST_F64] = {"F64", 8},         [GAN_ST_I64] = {"I64", 8},
    [GAN_ST_U64] = {"U64", 8},
};

const char *gan__st_dtype_name(gan_st_dtype dtype)
{
    return (unsigned)dtype < GAN_ST_DTYPE_COUNT ? dtypes[dtype].name : "?";
}

size_t gan__st_dtype_size(gan_st_dtype dtype)
{
    return (unsigned)dtype < GAN_ST_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

static bool dtype_from_name(const char *name, gan_st_dtype *dtype)
{
    for (int i = 0; i < GAN_ST_DTYPE_COUNT; i++)
        if (strcmp(name, dtypes[i].name) == 0) {
            *dtype = (gan_st_dtype)i;
            return true;
        }
    return false;
}

/* ---- shared helpers ------------------------------------------------------------------ */

/* numel and byte count of a shape; false on overflow. */
static bool shape_bytes(int rank, const int64_t *shape, size_t element, int64_t *numel,
                        size_t *bytes)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        if (!gan__mul_i64(n, shape[i], &n))
            return false;
    *numel = n;
    return (uint64_t)n <= SIZE_MAX && gan__mul_size((size_t)n, element, bytes);
}

/* The byte count of a tensor to write (its size was checked by check_write_arguments). */
static size_t tensor_in_bytes(const gan_st_tensor_in *t)
{
    int64_t numel;
    size_t bytes = 0;
    if (!shape_bytes(t->rank, t->shape, gan__st_dtype_size(t->dtype), &numel, &bytes))
        bytes = 0;
    return bytes;
}

/* CRC-32 of any number of bytes (zlib takes 32-bit lengths). */
static uLong crc_update(uLong crc, const unsigned char *bytes, size_t count)
{
    while (count > 0) {
        uInt chunk = count > (1u << 30) ? (1u << 30) : (uInt)count;
        crc = crc32(crc, bytes, chunk);
        bytes += chunk;
        count -= chunk;
    }
    return crc;
}

static const char hex_digits[] = "0123456789abcdef";
#define CHECKSUM_PREFIX "crc32:"
#define CHECKSUM_DIGITS 8

/* ---- writing ------------------------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first string of `strings` that occurs twice, or NULL (O(n log n)). *status receives
 * GAN_ERR_OUT_OF_MEMORY if the sort could not be done. */
static const char *duplicate_string(const char **strings, size_t count, gan_status *status)
{
    *status = GAN_OK;
    if (count < 2)
        return NULL;
    const char **sorted = gan__calloc_array(count, sizeof *sorted, "name list");
    if (!sorted) {
        *status = GAN_ERR_OUT_OF_MEMORY;
        return NULL;
    }
    memcpy(sorted, strings, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_strings);
    const char *duplicate = NULL;
    for (size_t i = 1; i < count && !duplicate; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            duplicate = sorted[i];
    gan__free(sorted);
    return duplicate;
}

static bool valid_utf8_string(const char *string)
{
    return gan__utf8_valid((const unsigned char *)string, strlen(string));
}

/* Checks the tensors and metadata; *data_size receives the data section's size. */
static gan_status check_write_arguments(const gan_st_tensor_in *tensors, size_t tensor_count,
                                        const gan_st_meta_in *metadata, size_t metadata_count,
                                        const char *function, size_t *data_size)
{
    if (tensor_count && !tensors)
        return gan__null(function, "tensors");
    if (metadata_count && !metadata)
        return gan__null(function, "metadata");
    size_t total = 0;
    for (size_t i = 0; i < tensor_count; i++) {
        const gan_st_tensor_in *t = &tensors[i];
        if (!t->name)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: tensor %zu has no name", function, i);
        size_t length = strlen(t->name);
        if (length == 0 || length > GAN_ST_NAME_MAX || strcmp(t->name, "__metadata__") == 0 ||
            !valid_utf8_string(t->name))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT,
                             "%s: tensor %zu: the name '%.64s' (%zu bytes) is not 1 to %d bytes "
                             "of UTF-8 other than \"__metadata__\"",
                             function, i, t->name, length, GAN_ST_NAME_MAX);
        if ((unsigned)t->dtype >= GAN_ST_DTYPE_COUNT)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: tensor '%s' has an unknown dtype %d",
                             function, t->name, (int)t->dtype);
        if (t->rank < 0 || t->rank > GAN_ST_MAX_RANK || (t->rank > 0 && !t->shape))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: tensor '%s' has rank %d (0 to %d, "
                             "with a shape)", function, t->name, t->rank, GAN_ST_MAX_RANK);
        for (int d = 0; d < t->rank; d++)
            if (t->shape[d] < 0)
                return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: tensor '%s': dimension %d is %lld",
                                 function, t->name, d, (long long)t->shape[d]);
        int64_t numel;
        size_t bytes;
        if (!shape_bytes(t->rank, t->shape, gan__st_dtype_size(t->dtype), &numel, &bytes) ||
            !gan__add_size(total, bytes, &total))
            return gan__fail(GAN_ERR_OVERFLOW, "%s: tensor '%s': the size of the data overflows",
                             function, t->name);
        if (bytes > 0 && !t->data)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: tensor '%s' has %zu bytes but no data",
                             function, t->name, bytes);
    }
    for (size_t i = 0; i < metadata_count; i++) {
        const gan_st_meta_in *m = &metadata[i];
        if (!m->key || !m->value)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: metadata entry %zu has a NULL %s",
                             function, i, m->key ? "value" : "key");
        if (strcmp(m->key, GAN_ST_CHECKSUM_KEY) == 0 || strcmp(m->key, GAN_ST_VERSION_KEY) == 0)
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the metadata key \"%s\" is the writer's",
                             function, m->key);
        if (!valid_utf8_string(m->key) || !valid_utf8_string(m->value))
            return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: metadata entry '%.64s' is not valid UTF-8",
                             function, m->key);
    }
    /* Duplicates: names among themselves, keys among themselves. */
    size_t most = tensor_count > metadata_count ? tensor_count : metadata_count;
    gan_status status = GAN_OK;
    if (most >= 2) {
        const char **strings = gan__calloc_array(most, sizeof *strings, "name list");
        if (!strings)
            return GAN_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; i < tensor_count; i++)
            strings[i] = tensors[i].name;
        const char *duplicate = duplicate_string(strings, tensor_count, &status);
        if (status == GAN_OK && duplicate)
            status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: two tensors are named '%s'",
                               function, duplicate);
        if (status == GAN_OK) {
            for (size_t i = 0; i < metadata_count; i++)
                strings[i] = metadata[i].key;
            duplicate = duplicate_string(strings, metadata_count, &status);
            if (status == GAN_OK && duplicate)
                status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the metadata key '%s' is "
                                   "given twice", function, duplicate);
        }
        gan__free(strings);
    }
    *data_size = total;
    return status;
}

/*
 * The header JSON with the checksum digits as '0's, padded with spaces to a multiple of 8;
 * *digits receives the offset of the digits.
 */
static gan_status build_header(gan_text *text, const gan_st_tensor_in *tensors,
                               size_t tensor_count, const gan_st_meta_in *metadata,
                               size_t metadata_count, size_t *digits, const char *function)
{
    gan__text_puts(text, "{\"__metadata__\":{");
    for (size_t i = 0; i < metadata_count; i++) {
        gan__text_json_string(text, metadata[i].key);
        gan__text_puts(text, ":");
        gan__text_json_string(text, metadata[i].value);
        gan__text_puts(text, ",");
    }
    gan__text_puts(text, "\"" GAN_ST_VERSION_KEY "\":");
    gan__text_json_string(text, gan_version_string());
    gan__text_puts(text, ",\"" GAN_ST_CHECKSUM_KEY "\":\"" CHECKSUM_PREFIX);
    *digits = text->length;
    gan__text_puts(text, "00000000\"}");
    size_t offset = 0;
    for (size_t i = 0; i < tensor_count; i++) {
        const gan_st_tensor_in *t = &tensors[i];
        size_t bytes = tensor_in_bytes(t);
        gan__text_puts(text, ",");
        gan__text_json_string(text, t->name);
        gan__text_puts(text, ":{\"dtype\":\"");
        gan__text_puts(text, gan__st_dtype_name(t->dtype));
        gan__text_puts(text, "\",\"shape\":[");
        for (int d = 0; d < t->rank; d++) {
            if (d)
                gan__text_puts(text, ",");
            gan__text_json_int(text, t->shape[d]);
        }
        gan__text_puts(text, "],\"data_offsets\":[");
        gan__text_json_int(text, (int64_t)offset);
        gan__text_puts(text, ",");
        gan__text_json_int(text, (int64_t)(offset + bytes));
        gan__text_puts(text, "]}");
        offset += bytes;
    }
    gan__text_puts(text, "}");
    while (!text->failed && text->length % 8 != 0)
        gan__text_puts(text, " ");
    gan_status status = gan__text_status(text);
    if (status == GAN_OK && text->length > GAN_ST_MAX_HEADER)
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the header would have %zu bytes, more "
                           "than the format's limit of %u", function, text->length,
                           (unsigned)GAN_ST_MAX_HEADER);
    return status;
}

/* Writes the whole file into the open temporary. */
static gan_status write_contents(gan_atomic_file *file, const gan_text *header,
                                 const gan_st_tensor_in *tensors, size_t tensor_count)
{
    unsigned char length[8];
    uint64_t n = header->length;
    for (int i = 0; i < 8; i++)
        length[i] = (unsigned char)(n >> (8 * i));
    gan_status status = gan__atomic_write(file, length, sizeof length);
    if (status == GAN_OK)
        status = gan__atomic_write(file, header->data, header->length);
    for (size_t i = 0; i < tensor_count && status == GAN_OK; i++) {
        size_t bytes = tensor_in_bytes(&tensors[i]);
        if (bytes)
            status = gan__atomic_write(file, tensors[i].data, bytes);
    }
    return status;
}

/* The temporary file dance (io/atomic_file.h): create, write, fsync, close, rename, fsync
 * the folder; the temporary is removed on failure. */
static gan_status write_atomically(const char *path, const gan_text *header,
                                   const gan_st_tensor_in *tensors, size_t tensor_count,
                                   const char *function)
{
    gan_atomic_file file;
    gan_status status = gan__atomic_begin(&file, path, function);
    if (status != GAN_OK)
        return status;
    status = write_contents(&file, header, tensors, tensor_count);
    if (status != GAN_OK) {
        gan__atomic_abort(&file);
        return status;
    }
    return gan__atomic_commit(&file);
}

gan_status gan__st_write(const char *path, const gan_st_tensor_in *tensors, size_t tensor_count,
                         const gan_st_meta_in *metadata, size_t metadata_count,
                         const char *function)
{
    if (!path)
        return gan__null(function, "path");
    size_t data_size = 0;
    gan_status status = check_write_arguments(tensors, tensor_count, metadata, metadata_count,
                                              function, &data_size);
    if (status != GAN_OK)
        return status;
    gan_text header = {0};
    size_t digits = 0;
    status = build_header(&header, tensors, tensor_count, metadata, metadata_count, &digits,
                          function);
    if (status == GAN_OK) {
        uLong crc = crc_update(crc32(0L, Z_NULL, 0), (const unsigned char *)header.data,
                               header.length);
        for (size_t i = 0; i < tensor_count; i++) {
            size_t bytes = tensor_in_bytes(&tensors[i]);
            if (bytes)
                crc = crc_update(crc, tensors[i].data, bytes);
        }
        for (int i = 0; i < CHECKSUM_DIGITS; i++)
            header.data[digits + (size_t)i] = hex_digits[(crc >> (28 - 4 * i)) & 15];
        status = write_atomically(path, &header, tensors, tensor_count, function);
    }
    gan__text_free(&header);
    return status;
}

/* ---- reading ------------------------------------------------------------------------- */

typedef struct meta_entry {
    const char *key, *value;
} meta_entry;

struct gan_st_file {
    char *path;
    const char *function;
    gan_st_tensor *tensors;
    size_t tensor_count;
    const gan_st_tensor **by_name; /* sorted by name, for gan__st_find */
    meta_entry *metadata;
    size_t metadata_count;
    char *strings;                 /* names, keys and values */
    unsigned char *data;           /* the data section */
    size_t data_size;
};

void gan__st_free(gan_st_file *file)
{
    if (!file)
        return;
    gan__free(file->path);
    gan__free(file->tensors);
    gan__free(file->by_name);
    gan__free(file->metadata);
    gan__free(file->strings);
    gan__free(file->data);
    gan__free(file);
}

/* Reads up to `count` bytes; 0 or an errno; *got receives what was read (less at EOF). */
static int read_all(int fd, void *bytes, size_t count, size_t *got)
{
    unsigned char *p = bytes;
    *got = 0;
    while (*got < count) {
        size_t want = count - *got;
        if (want > (1u << 30))
            want = 1u << 30;
        ssize_t n = read(fd, p + *got, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* What parsing the header needs to report and where it puts what it finds. */
typedef struct reader {
    gan_st_file *file;
    const char *function, *path;
    char prefix[600]; /* "FUNCTION: 'PATH'" for the JSON messages */
    size_t data_size;
    char *header;
    size_t header_length;
} reader;

static gan_status format_error(const reader *r, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static gan_status format_error(const reader *r, const char *format, ...)
{
    char reason[800];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    return gan__fail(GAN_ERR_FORMAT, "%s: '%s': %s", r->function, r->path, reason);
}

/* One tensor entry of the header, checked; fills `t` except name and data. */
static gan_status parse_tensor(const reader *r, const cJSON *entry, gan_st_tensor *t)
{
    const char *name = entry->string;
    if (!cJSON_IsObject(entry))
        return format_error(r, "the entry of tensor '%s' is not an object", name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    int fields = cJSON_GetArraySize(entry);
    if (!dtype || !shape || !offsets)
        return format_error(r, "tensor '%s' has no \"%s\"", name,
                            !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (fields != 3)
        return format_error(r, "tensor '%s' has %d fields; exactly \"dtype\", \"shape\" and "
                            "\"data_offsets\" are expected", name, fields);
    if (!cJSON_IsString(dtype))
        return format_error(r, "the dtype of tensor '%s' is not a string", name);
    if (!dtype_from_name(dtype->valuestring, &t->dtype))
        return format_error(r, "tensor '%s' has an unknown dtype \"%.32s\"", name,
                            dtype->valuestring);

    if (!cJSON_IsArray(shape))
        return format_error(r, "the shape of tensor '%s' is not an array", name);
    int rank = cJSON_GetArraySize(shape);
    if (rank > GAN_ST_MAX_RANK)
        return format_error(r, "tensor '%s' has rank %d; libgan reads at most %d", name, rank,
                            GAN_ST_MAX_RANK);
    t->rank = rank;
    int d = 0;
    for (const cJSON *dim = shape->child; dim; dim = dim->next, d++)
        if (!gan__json_integer(dim, &t->shape[d]) || t->shape[d] < 0)
            return format_error(r, "dimension %d of tensor '%s' is not an integer >= 0", d, name);
    size_t bytes;
    if (!shape_bytes(rank, t->shape, gan__st_dtype_size(t->dtype), &t->numel, &bytes))
        return format_error(r, "the size of tensor '%s' overflows", name);

    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2)
        return format_error(r, "the data_offsets of tensor '%s' are not an array [begin, end]", name);
    int64_t begin, end;
    if (!gan__json_integer(offsets->child, &begin) || !gan__json_integer(offsets->child->next, &end) ||
        begin < 0 || end < 0)
        return format_error(r, "the data_offsets of tensor '%s' are not integers >= 0", name);
    if (begin > end)
        return format_error(r, "tensor '%s' begins at byte %lld after it ends (%lld)", name,
                            (long long)begin, (long long)end);
    if ((uint64_t)end > r->data_size)
        return format_error(r, "tensor '%s' ends at byte %lld of the data section, which has %zu "
                            "bytes (a truncated file?)", name, (long long)end, r->data_size);
    if ((uint64_t)(end - begin) != (uint64_t)bytes)
        return format_error(r, "tensor '%s' (%s, %lld elements) needs %zu bytes; its data_offsets "
                            "[%lld, %lld] hold %lld", name, dtypes[t->dtype].name,
                            (long long)t->numel, bytes, (long long)begin, (long long)end,
                            (long long)(end - begin));
    t->begin = (size_t)begin;
    t->nbytes = bytes;
    return GAN_OK;
}

static int compare_by_offset(const void *a, const void *b)
{
    const gan_st_tensor *x = *(const gan_st_tensor *const *)a, *y = *(const gan_st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->nbytes != y->nbytes)
        return x->nbytes < y->nbytes ? -1 : 1;
    return 0;
}

static int compare_by_name(const void *a, const void *b)
{
    return strcmp((*(const gan_st_tensor *const *)a)->name, (*(const gan_st_tensor *const *)b)->name);
}

/* The tensors' ranges cover the data section exactly. Uses file->by_name as scratch and
 * leaves it sorted by name. */
static gan_status check_coverage(const reader *r)
{
    gan_st_file *file = r->file;
    const gan_st_tensor **order = file->by_name;
    for (size_t i = 0; i < file->tensor_count; i++)
        order[i] = &file->tensors[i];
    if (file->tensor_count)
        qsort(order, file->tensor_count, sizeof *order, compare_by_offset);
    size_t covered = 0;
    for (size_t i = 0; i < file->tensor_count; i++) {
        const gan_st_tensor *t = order[i];
        if (t->begin < covered)
            return format_error(r, "tensor '%s' [%zu, %zu] overlaps tensor '%s' [%zu, %zu]",
                                t->name, t->begin, t->begin + t->nbytes, order[i - 1]->name,
                                order[i - 1]->begin, order[i - 1]->begin + order[i - 1]->nbytes);
        if (t->begin > covered)
            return format_error(r, "bytes [%zu, %zu] of the data section belong to no tensor "
                                "(a gap before tensor '%s')", covered, t->begin, t->name);
        covered = t->begin + t->nbytes;
    }
    if (covered != r->data_size)
        return format_error(r, "the data section has %zu bytes, but its tensors cover only %zu",
                            r->data_size, covered);
    if (file->tensor_count)
        qsort(order, file->tensor_count, sizeof *order, compare_by_name);
    return GAN_OK;
}

static char *copy_string(char **cursor, const char *string)
{
    size_t length = strlen(string) + 1;
    char *copy = *cursor;
    memcpy(copy, string, length);
    *cursor += length;
    return copy;
}

/* The header object: counts, checks every entry, then copies what the file keeps. */
static gan_status parse_header(reader *r, const cJSON *root)
{
    gan_st_file *file = r->file;
    gan_status status = gan__json_check_unique_keys(root, r->prefix, "the header");
    if (status != GAN_OK)
        return status;
    const cJSON *meta = NULL;
    size_t tensors = 0, strings = 0;
    for (const cJSON *entry = root->child; entry; entry = entry->next) {
        if (strcmp(entry->string, "__metadata__") == 0) {
            meta = entry;
            continue;
        }
        size_t length = strlen(entry->string);
        if (length == 0)
            return format_error(r, "a tensor has an empty name");
        if (length > GAN_ST_NAME_MAX)
            return format_error(r, "the tensor name '%.40s...' has %zu bytes; at most %d are allowed",
                                entry->string, length, GAN_ST_NAME_MAX);
        tensors++;
        strings += length + 1;
    }
    if (meta) {
        if (!cJSON_IsObject(meta))
            return format_error(r, "__metadata__ is not an object");
        status = gan__json_check_unique_keys(meta, r->prefix, "__metadata__");
        if (status != GAN_OK)
            return status;
        for (const cJSON *entry = meta->child; entry; entry = entry->next) {
            if (!cJSON_IsString(entry))
                return format_error(r, "the __metadata__ value of '%.64s' is not a string",
                                    entry->string);
            file->metadata_count++;
            strings += strlen(entry->string) + strlen(entry->valuestring) + 2;
        }
    }
    if (tensors) {
        file->tensors = gan__calloc_array(tensors, sizeof *file->tensors, "tensor list");
        file->by_name = file->tensors ? gan__calloc_array(tensors, sizeof *file->by_name, "tensor index")
                                      : NULL;
        if (!file->by_name)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    if (file->metadata_count) {
        file->metadata = gan__calloc_array(file->metadata_count, sizeof *file->metadata, "metadata");
        if (!file->metadata)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    if (strings) {
        file->strings = gan__alloc(strings, "tensor names and metadata");
        if (!file->strings)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    char *cursor = file->strings;
    for (const cJSON *entry = root->child; entry; entry = entry->next) {
        if (entry == meta)
            continue;
        gan_st_tensor *t = &file->tensors[file->tensor_count];
        status = parse_tensor(r, entry, t);
        if (status != GAN_OK)
            return status;
        t->name = copy_string(&cursor, entry->string);
        file->tensor_count++;
    }
    size_t m = 0;
    if (meta)
        for (const cJSON *entry = meta->child; entry; entry = entry->next, m++) {
            file->metadata[m].key = copy_string(&cursor, entry->string);
            file->metadata[m].value = copy_string(&cursor, entry->valuestring);
        }
    return check_coverage(r);
}

/*
 * The checksum entry, if any: its form, its place in the raw header (the digits are
 * replaced by '0' there), and the CRC of the patched header into *crc.
 */
static gan_status checksum_header(reader *r, bool *present, uLong *expected, uLong *crc)
{
    const char *value = gan__st_metadata(r->file, GAN_ST_CHECKSUM_KEY);
    *present = value != NULL;
    if (!value) {
        for (size_t i = 0; i < r->file->metadata_count; i++)
            if (strncmp(r->file->metadata[i].key, "libgan.", 7) == 0)
                return format_error(r, "the metadata has \"%.64s\" but no \"%s\": a libgan file "
                                    "always has both (is the header damaged?)",
                                    r->file->metadata[i].key, GAN_ST_CHECKSUM_KEY);
        return GAN_OK;
    }
    size_t prefix_length = strlen(CHECKSUM_PREFIX);
    bool form = strlen(value) == prefix_length + CHECKSUM_DIGITS &&
                strncmp(value, CHECKSUM_PREFIX, prefix_length) == 0;
    *expected = 0;
    for (size_t i = prefix_length; form && i < prefix_length + CHECKSUM_DIGITS; i++) {
        const char *digit = strchr(hex_digits, value[i]);
        form = value[i] != '\0' && digit != NULL;
        if (form)
            *expected = (*expected << 4) | (uLong)(digit - hex_digits);
    }
    if (!form)
        return format_error(r, "the checksum \"%.40s\" is not \"crc32:\" and 8 lowercase hex digits",
                            value);
    /* Find `"libgan.checksum" ws : ws "crc32:` in the raw bytes: exactly once. */
    static const char key[] = "\"" GAN_ST_CHECKSUM_KEY "\"";
    const size_t key_length = sizeof key - 1;
    char *digits = NULL;
    int found = 0;
    for (size_t i = 0; i + key_length <= r->header_length; i++) {
        if (memcmp(r->header + i, key, key_length) != 0)
            continue;
        size_t j = i + key_length;
        while (j < r->header_length && strchr(" \t\r\n", r->header[j]) && r->header[j])
            j++;
        if (j >= r->header_length || r->header[j] != ':')
            continue;
        j++;
        while (j < r->header_length && strchr(" \t\r\n", r->header[j]) && r->header[j])
            j++;
        if (r->header_length - j >= 1 + prefix_length + CHECKSUM_DIGITS + 1 &&
            r->header[j] == '"' && memcmp(r->header + j + 1, CHECKSUM_PREFIX, prefix_length) == 0 &&
            memcmp(r->header + j + 1 + prefix_length, value + prefix_length, CHECKSUM_DIGITS) == 0 &&
            r->header[j + 1 + prefix_length + CHECKSUM_DIGITS] == '"') {
            digits = r->header + j + 1 + prefix_length;
            found++;
        }
    }
    if (found != 1)
        return format_error(r, "the checksum entry occurs %d times in the raw header; a libgan "
                            "writer puts it there once, unescaped", found);
    memset(digits, '0', CHECKSUM_DIGITS);
    *crc = crc_update(crc32(0L, Z_NULL, 0), (const unsigned char *)r->header, r->header_length);
    return GAN_OK;
}

static gan_status read_open_file(reader *r, int fd)
{
    struct stat info;
    if (fstat(fd, &info) != 0)
        return gan__io_error(r->function, "fstat", r->path, errno);
    if (!S_ISREG(info.st_mode))
        return gan__fail(GAN_ERR_IO, "%s: '%s' is not a regular file", r->function, r->path);
    uint64_t size = (uint64_t)info.st_size;
    if (size < 8)
        return format_error(r, "the file has %llu bytes; a safetensors file starts with an 8-byte "
                            "header length", (unsigned long long)size);
    if (size > SIZE_MAX)
        return format_error(r, "the file is too large to read");
    unsigned char prefix[8];
    size_t got;
    int error = read_all(fd, prefix, 8, &got);
    if (error)
        return gan__io_error(r->function, "read", r->path, error);
    if (got != 8)
        return format_error(r, "the file ended after %zu bytes (it shrank while being read)", got);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | prefix[i];
    if (n > size - 8)
        return format_error(r, "the header length is %llu bytes, but only %llu bytes follow it "
                            "(a truncated file?)", (unsigned long long)n,
                            (unsigned long long)(size - 8));
    if (n > GAN_ST_MAX_HEADER)
        return format_error(r, "the header length %llu is above the limit of %u bytes",
                            (unsigned long long)n, (unsigned)GAN_ST_MAX_HEADER);
    if (n < 2)
        return format_error(r, "the header length is %llu; the smallest header, {}, has 2 bytes",
                            (unsigned long long)n);
    r->header_length = (size_t)n;
    r->data_size = (size_t)(size - 8 - n);
    r->header = gan__alloc(r->header_length + 1, "safetensors header");
    if (!r->header)
        return GAN_ERR_OUT_OF_MEMORY;
    error = read_all(fd, r->header, r->header_length, &got);
    if (error)
        return gan__io_error(r->function, "read", r->path, error);
    if (got != r->header_length)
        return format_error(r, "the header ended after %zu of %zu bytes (the file shrank while "
                            "being read)", got, r->header_length);
    r->header[r->header_length] = '\0';
    if (r->header[0] != '{')
        return format_error(r, "the header is not a JSON object: it starts with byte 0x%02x",
                            (unsigned)(unsigned char)r->header[0]);

    cJSON *root = NULL;
    gan_status status = gan__json_parse(r->header, r->header_length, &root, r->prefix, "the header");
    if (status == GAN_OK && !cJSON_IsObject(root))
        status = format_error(r, "the header is not a JSON object");
    if (status == GAN_OK)
        status = parse_header(r, root);
    cJSON_Delete(root);
    bool checked = false;
    uLong expected = 0, crc = 0;
    if (status == GAN_OK)
        status = checksum_header(r, &checked, &expected, &crc);
    gan__free(r->header);
    r->header = NULL;
    if (status != GAN_OK)
        return status;

    gan_st_file *file = r->file;
    file->data_size = r->data_size;
    if (r->data_size) {
        file->data = gan__alloc(r->data_size, "safetensors data");
        if (!file->data)
            return GAN_ERR_OUT_OF_MEMORY;
        error = read_all(fd, file->data, r->data_size, &got);
        if (error)
            return gan__io_error(r->function, "read", r->path, error);
        if (got != r->data_size)
            return format_error(r, "the data section ended after %zu of %zu bytes (the file "
                                "shrank while being read)", got, r->data_size);
    }
    if (checked) {
        crc = crc_update(crc, file->data, r->data_size);
        if (crc != expected)
            return format_error(r, "checksum mismatch: the file says crc32:%08lx, its contents give "
                                "crc32:%08lx (the file is corrupt)", (unsigned long)expected,
                                (unsigned long)crc);
    }
    for (size_t i = 0; i < file->tensor_count; i++)
        file->tensors[i].data = file->data ? file->data + file->tensors[i].begin : NULL;
    return GAN_OK;
}

gan_status gan__st_read(gan_st_file **out, const char *path, const char *function)
{
    if (!out)
        return gan__null(function, "out");
    *out = NULL;
    if (!path)
        return gan__null(function, "path");
    gan_st_file *file = gan__calloc(sizeof *file, "safetensors file");
    if (!file)
        return GAN_ERR_OUT_OF_MEMORY;
    size_t length = strlen(path);
    file->path = gan__alloc(length + 1, "file path");
    if (!file->path) {
        gan__st_free(file);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    memcpy(file->path, path, length + 1);
    file->function = function;
    reader r = {.file = file, .function = function, .path = path};
    snprintf(r.prefix, sizeof r.prefix, "%s: '%s'", function, path);

    gan_status status;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        status = gan__io_error(function, "open", path, errno);
    } else {
        status = read_open_file(&r, fd);
        close(fd);
    }
    gan__free(r.header);
    if (status != GAN_OK) {
        gan__st_free(file);
        return status;
    }
    *out = file;
    return GAN_OK;
}

/* ---- access ---------------------------------------------------------------------------- */

size_t gan__st_tensor_count(const gan_st_file *file)
{
    return file->tensor_count;
}

const gan_st_tensor *gan__st_tensor_at(const gan_st_file *file, size_t index)
{
    return index < file->tensor_count ? &file->tensors[index] : NULL;
}

const gan_st_tensor *gan__st_find(const gan_st_file *file, const char *name)
{
    size_t low = 0, high = file->tensor_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(file->by_name[middle]->name, name);
        if (order == 0)
            return file->by_name[middle];
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

static const char *shape_text(char *text, size_t capacity, int rank, const int64_t *shape)
{
    size_t used = (size_t)snprintf(text, capacity, "[");
    for (int i = 0; i < rank && used < capacity; i++)
        used += (size_t)snprintf(text + used, capacity - used, i ? ", %lld" : "%lld",
                                 (long long)shape[i]);
    if (used < capacity)
        snprintf(text + used, capacity - used, "]");
    return text;
}

gan_status gan__st_expect(const gan_st_file *file, const char *name, gan_st_dtype dtype, int rank,
                          const int64_t *shape, const gan_st_tensor **out)
{
    *out = NULL;
    const gan_st_tensor *t = gan__st_find(file, name);
    if (!t)
        return gan__fail(GAN_ERR_NOT_FOUND, "%s: '%s': the file has no tensor '%s'",
                         file->function, file->path, name);
    if (t->dtype != dtype)
        return gan__fail(GAN_ERR_UNSUPPORTED, "%s: '%s': tensor '%s' is %s; %s is expected",
                         file->function, file->path, name, gan__st_dtype_name(t->dtype),
                         gan__st_dtype_name(dtype));
    if (t->rank != rank || (rank > 0 && memcmp(t->shape, shape, (size_t)rank * sizeof *shape) != 0)) {
        char have[200], want[200];
        return gan__fail(GAN_ERR_SHAPE, "%s: '%s': tensor '%s' has shape %s; %s is expected",
                         file->function, file->path, name,
                         shape_text(have, sizeof have, t->rank, t->shape),
                         shape_text(want, sizeof want, rank, shape));
    }
    *out = t;
    return GAN_OK;
}

size_t gan__st_metadata_count(const gan_st_file *file)
{
    return file->metadata_count;
}

void gan__st_metadata_at(const gan_st_file *file, size_t index, const char **key,
                         const char **value)
{
    *key = file->metadata[index].key;
    *value = file->metadata[index].value;
}

const char *gan__st_metadata(const gan_st_file *file, const char *key)
{
    for (size_t i = 0; i < file->metadata_count; i++)
        if (strcmp(file->metadata[i].key, key) == 0)
            return file->metadata[i].value;
    return NULL;
}

const char *gan__st_path(const gan_st_file *file)
{
    return file->path;
}

const char *gan__st_function(const gan_st_file *file)
{
    return file->function;
}
