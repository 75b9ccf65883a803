/*
 * Internal: safetensors files (https://github.com/huggingface/safetensors), written
 * atomically and read as hostile input. Model files (io/model_file.c) and training
 * checkpoints (gan/) are built on this.
 *
 * The format: an 8-byte little-endian header length N, N bytes of a UTF-8 JSON object,
 * then the data section. The object maps each tensor name to
 *   {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
 * (offsets relative to the data section) and may hold "__metadata__": {string: string}.
 * Tensor data is row-major and little-endian; libgan runs on little-endian machines
 * (x86-64), so the bytes are the native values (a build on a big-endian target fails).
 *
 * The checksum: the writer stores "libgan.checksum": "crc32:XXXXXXXX" (8 lowercase hex
 * digits) in __metadata__: the CRC-32 (zlib's crc32(), the ISO-HDLC/PNG polynomial) of
 * the N header bytes, with the 8 digits themselves replaced by ASCII '0', followed by the
 * data section. So both the data and the header (names, shapes, offsets, the other
 * metadata) are covered. The reader verifies it when the key is present; files from other
 * writers (PyTorch's safetensors) have none and are not checked. A file whose metadata has
 * any other key starting with "libgan." (the writer always adds GAN_ST_VERSION_KEY) must
 * have it, so damage to the checksum's key cannot switch the check off. In Python:
 *   m = re.search(rb'"libgan\.checksum"\s*:\s*"crc32:([0-9a-f]{8})"', header)
 *   patched = header[:m.start(1)] + b"0" * 8 + header[m.end(1):]
 *   ok = zlib.crc32(patched + data) == int(m.group(1), 16)
 *
 * Memory: everything the reader and writer keep is allocated through gan__alloc, except
 * cJSON's parse tree of the header (see io/json.h), which lives only inside gan__st_read.
 */
#ifndef GAN_IO_SAFETENSORS_H
#define GAN_IO_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan/status.h"

/* The dtypes of the safetensors format. Reading accepts all of them (it validates sizes);
 * what a caller accepts is up to it (model files take F32 only). */
typedef enum gan_st_dtype {
    GAN_ST_BOOL,
    GAN_ST_U8,
    GAN_ST_I8,
    GAN_ST_F8_E5M2,
    GAN_ST_F8_E4M3,
    GAN_ST_I16,
    GAN_ST_U16,
    GAN_ST_F16,
    GAN_ST_BF16,
    GAN_ST_I32,
    GAN_ST_U32,
    GAN_ST_F32,
    GAN_ST_F64,
    GAN_ST_I64,
    GAN_ST_U64,
    GAN_ST_DTYPE_COUNT
} gan_st_dtype;

/* The format's name ("F32") and element size in bytes, for a valid dtype. */
const char *gan__st_dtype_name(gan_st_dtype dtype);
size_t gan__st_dtype_size(gan_st_dtype dtype);

/* Limits. Names are 1..GAN_ST_NAME_MAX bytes; shapes have at most GAN_ST_MAX_RANK
 * dimensions (rank 0, a scalar, is allowed); the header is at most GAN_ST_MAX_HEADER
 * bytes (the limit of the reference implementation). */
#define GAN_ST_NAME_MAX 255
#define GAN_ST_MAX_RANK 8
#define GAN_ST_MAX_HEADER (100u * 1000u * 1000u)

/* The metadata the writer adds to every file: the checksum (checked by gan__st_read) and
 * the version of libgan that wrote it (gan_version_string()). Callers may not pass them. */
#define GAN_ST_CHECKSUM_KEY "libgan.checksum"
#define GAN_ST_VERSION_KEY "libgan.version"

/* ---- writing ------------------------------------------------------------------------ */

/* A tensor to write. Nothing is copied: the pointers must stay valid during the call. */
typedef struct gan_st_tensor_in {
    const char *name;    /* 1..GAN_ST_NAME_MAX bytes of UTF-8, not "__metadata__", unique */
    gan_st_dtype dtype;  /* any; F32 and I64 are what libgan writes */
    int rank;            /* 0..GAN_ST_MAX_RANK */
    const int64_t *shape; /* rank dimensions >= 0 (may be NULL when rank is 0) */
    const void *data;    /* numel * dtype size bytes, native (little-endian); may be NULL
                            when that is 0 */
} gan_st_tensor_in;

/* A metadata entry to write: both strings UTF-8, keys unique. */
typedef struct gan_st_meta_in {
    const char *key;
    const char *value;
} gan_st_meta_in;

/*
 * Writes a safetensors file at `path`: the tensors' data back to back in the order given
 * (offsets [0, a), [a, b), ...), the header listing __metadata__ first (the given entries
 * in order, then "libgan.version" and "libgan.checksum"), then the tensors in order, padded
 * with spaces so
 * 8 + N is a multiple of 8 (as PyTorch's writer does).
 *
 * Atomic (io/atomic_file.h): the bytes go to a new temporary file in the same folder
 * (".NAME.libgan-PID-RANDOM.tmp", created with O_EXCL and mode 0666 & ~umask), which is
 * fsynced, closed and renamed over `path`; then the folder is fsynced. Temporaries of
 * `path` left by killed writers are removed first. On any failure before the rename the
 * temporary is removed and `path` is left as it was. (If only the final fsync of the
 * folder fails, the new file is in place but its durability is not confirmed: GAN_ERR_IO.
 * File systems that cannot fsync a folder (EINVAL) count as success.)
 *
 * `function` prefixes every message ("gan_trainer_save: ...").
 * Returns GAN_OK; GAN_ERR_INVALID_ARGUMENT (NULL or empty path, a path ending in '/', a bad
 * name, dtype, shape or NULL data, a duplicate name or key, the key GAN_ST_CHECKSUM_KEY or
 * GAN_ST_VERSION_KEY, invalid UTF-8, a header above GAN_ST_MAX_HEADER); GAN_ERR_OVERFLOW (a
 * tensor's or the file's size does not fit); GAN_ERR_IO (naming the operation, the path
 * and strerror: "create", "write", "fsync", "close", "rename", "open folder", "fsync
 * folder"); GAN_ERR_OUT_OF_MEMORY.
 */
gan_status gan__st_write(const char *path, const gan_st_tensor_in *tensors, size_t tensor_count,
                         const gan_st_meta_in *metadata, size_t metadata_count,
                         const char *function);

/* ---- reading ------------------------------------------------------------------------ */

/* A tensor of a file that was read. Everything belongs to the gan_st_file. */
typedef struct gan_st_tensor {
    const char *name;
    gan_st_dtype dtype;
    int rank;
    int64_t shape[GAN_ST_MAX_RANK];
    int64_t numel;              /* product of the shape (1 for rank 0) */
    size_t begin, nbytes;       /* its bytes: data section [begin, begin + nbytes) */
    const unsigned char *data;  /* nbytes bytes, little-endian values; NOT aligned for the
                                   dtype (offsets are arbitrary): copy them out with memcpy */
} gan_st_tensor;

typedef struct gan_st_file gan_st_file;

/*
 * Reads a whole safetensors file into memory (the header, then the data section in one
 * buffer). Every check happens before the data buffer is allocated, against the real
 * file size from fstat, with overflow-checked arithmetic:
 *   - the file is a regular file of at least 8 bytes;
 *   - the header length N satisfies 2 <= N <= size - 8 and N <= GAN_ST_MAX_HEADER;
 *   - the header is valid UTF-8 JSON (io/json.h's pre-scan), starts with '{', and is one
 *     object followed only by whitespace;
 *   - the keys are unique; "__metadata__", if present, is an object of string values;
 *   - every other key is a name of 1..GAN_ST_NAME_MAX bytes whose value is an object with
 *     exactly "dtype" (a known dtype name), "shape" (0..GAN_ST_MAX_RANK integers >= 0) and
 *     "data_offsets" ([begin, end] integers, begin <= end <= data size), and
 *     end - begin == numel * dtype size (products overflow-checked);
 *   - the tensors' ranges, sorted, cover the data section exactly: no overlap, no gap, no
 *     trailing bytes (as the format requires);
 *   - the checksum, when present, has the form "crc32:XXXXXXXX", occurs once in the raw
 *     header, and matches; it must be present if any other metadata key starts with
 *     "libgan.".
 * Each violation is GAN_ERR_FORMAT with a message "FUNCTION: 'PATH': ..." that says which
 * check failed and on what (the tensor name, the values). Other results: GAN_ERR_IO
 * (open, fstat, read; a path that is not a regular file), GAN_ERR_OUT_OF_MEMORY,
 * GAN_ERR_INVALID_ARGUMENT (NULL arguments). *out is NULL on failure.
 */
gan_status gan__st_read(gan_st_file **out, const char *path, const char *function);

/* Releases a file that was read; NULL is a no-op. */
void gan__st_free(gan_st_file *file);

/* The tensors, in the order of the header. */
size_t gan__st_tensor_count(const gan_st_file *file);
const gan_st_tensor *gan__st_tensor_at(const gan_st_file *file, size_t index);

/* The tensor called `name`, or NULL. O(log n). */
const gan_st_tensor *gan__st_find(const gan_st_file *file, const char *name);

/*
 * The tensor called `name`, checked: GAN_ERR_NOT_FOUND if absent, GAN_ERR_UNSUPPORTED if its
 * dtype is not `dtype`, GAN_ERR_SHAPE (naming both shapes) unless its shape is
 * [shape[0], ..., shape[rank-1]]. Messages start with "FUNCTION: 'PATH': ". Then copy the
 * values out with memcpy(destination, tensor->data, tensor->nbytes).
 */
gan_status gan__st_expect(const gan_st_file *file, const char *name, gan_st_dtype dtype, int rank,
                          const int64_t *shape, const gan_st_tensor **out);

/* The metadata, in the order of the header (including the checksum entry). */
size_t gan__st_metadata_count(const gan_st_file *file);
void gan__st_metadata_at(const gan_st_file *file, size_t index, const char **key,
                         const char **value);

/* The metadata value for `key`, or NULL. */
const char *gan__st_metadata(const gan_st_file *file, const char *key);

/* The path and function the file was read with, for callers' messages. */
const char *gan__st_path(const gan_st_file *file);
const char *gan__st_function(const gan_st_file *file);

#endif /* GAN_IO_SAFETENSORS_H */
