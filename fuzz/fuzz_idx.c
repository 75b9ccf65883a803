/*
 * Fuzz target: IDX files (libgan/data/idx.h), raw or gzip. The input is the file. It is
 * read by the internal reader as an images file and as a labels file, and by the public
 * loader as images and as the labels of a fixed 3-image file.
 *
 * Checks: a failure is a known status with a message, leaves the reader closed and the
 * loader's *out NULL; a success keeps the header within its limits, and the values read
 * are the file's bytes (raw files: byte for byte), labels 0..9, pixels scaled into [0, 1].
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"
#include "fuzz_support.h"

enum { FIXED_IMAGES_COUNT = 3 };

static void check_header(const gan_idx_file *file, gan_idx_kind kind)
{
    fuzz_require(file->gz != NULL, "an opened IDX file has no stream");
    fuzz_require(file->count >= 1 && file->count <= GAN_IDX_MAX_COUNT, "count %lld",
                 (long long)file->count);
    if (kind == GAN_IDX_LABELS)
        fuzz_require(file->rows == 1 && file->cols == 1, "labels with rows %lld, cols %lld",
                     (long long)file->rows, (long long)file->cols);
    fuzz_require(file->rows >= 1 && file->rows <= GAN_IDX_MAX_SIDE && file->cols >= 1 &&
                     file->cols <= GAN_IDX_MAX_SIDE, "image sides %lld x %lld",
                 (long long)file->rows, (long long)file->cols);
    fuzz_require(file->data_bytes == (uint64_t)file->count * (uint64_t)file->rows *
                                         (uint64_t)file->cols, "data_bytes %llu",
                 (unsigned long long)file->data_bytes);
}

/* The values read: each a byte (labels 0..9); a raw file's data bytes exactly. */
static void check_values(const gan_idx_file *file, gan_idx_kind kind, const float *values,
                         const uint8_t *data, size_t size)
{
    size_t header = kind == GAN_IDX_IMAGES ? 16 : 8;
    if (!file->compressed)
        fuzz_require(size == header + file->data_bytes, "a raw file of %zu bytes for %llu of "
                     "data", size, (unsigned long long)file->data_bytes);
    for (uint64_t i = 0; i < file->data_bytes; i++) {
        float most = kind == GAN_IDX_IMAGES ? 255.0f : 9.0f;
        fuzz_require(values[i] >= 0.0f && values[i] <= most && values[i] == (float)(int)values[i],
                     "value %llu is %g", (unsigned long long)i, (double)values[i]);
        if (!file->compressed)
            fuzz_require(values[i] == (float)data[header + i], "value %llu is %g, the file's "
                         "byte is %u", (unsigned long long)i, (double)values[i],
                         (unsigned)data[header + i]);
    }
}

static void read_as(const char *path, gan_idx_kind kind, const uint8_t *data, size_t size)
{
    gan_idx_file file;
    fuzz_clear_error();
    gan_status status = gan__idx_open(&file, "fuzz_idx", path, kind);
    if (status != GAN_OK) {
        fuzz_check_failure(status, "gan__idx_open");
        fuzz_require(file.gz == NULL, "a failed open left the stream open");
        return;
    }
    check_header(&file, kind);
    /* The header check bounds data_bytes by the file size (times 1032 for gzip). */
    float *values = malloc((size_t)file.data_bytes * sizeof(float) + 1);
    fuzz_require(values != NULL, "malloc of %llu floats", (unsigned long long)file.data_bytes);
    fuzz_clear_error();
    if (kind == GAN_IDX_IMAGES) {
        uint8_t *pixels = malloc((size_t)file.data_bytes + 1);
        fuzz_require(pixels != NULL, "malloc of %llu bytes", (unsigned long long)file.data_bytes);
        status = gan__idx_read_images(&file, pixels);
        for (uint64_t i = 0; status == GAN_OK && i < file.data_bytes; i++)
            values[i] = (float)pixels[i];
        free(pixels);
    } else {
        status = gan__idx_read_labels(&file, values);
    }
    if (status == GAN_OK)
        check_values(&file, kind, values, data, size);
    else
        fuzz_check_failure(status, "reading IDX data");
    gan__idx_close(&file);
    fuzz_require(file.gz == NULL, "gan__idx_close left the stream open");
    free(values);
}

/* The first sample of a data set that loaded: shape [1, 1, H, W], pixels in [0, 1]. */
static void check_dataset(gan_dataset *dataset, bool labelled)
{
    int rank = 0;
    int64_t shape[4];
    fuzz_require(gan_dataset_count(dataset) >= 1, "an empty data set loaded");
    fuzz_require(gan_dataset_has_labels(dataset) == (int)labelled, "labels or not");
    fuzz_require(gan_dataset_sample_shape(dataset, &rank, shape + 1, 3) == GAN_OK && rank == 3 &&
                     shape[1] == 1, "the sample shape");
    shape[0] = 1;
    gan_tensor *image = NULL, *label = NULL;
    fuzz_require(gan_tensor_new(&image, 4, shape) == GAN_OK, "gan_tensor_new");
    if (labelled)
        fuzz_require(gan_tensor_new(&label, 1, (const int64_t[]){1}) == GAN_OK, "gan_tensor_new");
    fuzz_require(gan_dataset_copy(dataset, 0, image, label) == GAN_OK, "gan_dataset_copy");
    const float *pixels = gan_tensor_data(image);
    for (int64_t i = 0; i < gan_tensor_numel(image); i++)
        fuzz_require(pixels[i] >= 0.0f && pixels[i] <= 1.0f, "pixel %lld is %g", (long long)i,
                     (double)pixels[i]);
    gan_tensor_free(image);
    gan_tensor_free(label);
}

static void load(const char *images, const char *labels)
{
    gan_dataset *dataset = (gan_dataset *)&dataset; /* not NULL: the loader must clear it */
    fuzz_clear_error();
    gan_status status = gan_dataset_load_idx(&dataset, images, labels, GAN_PIXELS_UNIT);
    if (status != GAN_OK) {
        fuzz_check_failure(status, "gan_dataset_load_idx");
        fuzz_require(dataset == NULL, "a failed gan_dataset_load_idx left *out set");
        return;
    }
    check_dataset(dataset, labels != NULL);
    if (labels)
        fuzz_require(gan_dataset_count(dataset) == FIXED_IMAGES_COUNT, "the labels' count");
    gan_dataset_free(dataset);
}

/* Three 1 x 1 images, for the input as their labels. */
static const char *fixed_images(void)
{
    static const char *path;
    if (!path) {
        static const unsigned char bytes[] = {0, 0, 8, 3, 0, 0, 0, FIXED_IMAGES_COUNT, 0, 0, 0, 1,
                                              0, 0, 0, 1, 10, 128, 250};
        path = fuzz_temp_path("fixed-images.idx");
        FILE *file = fopen(path, "wb");
        fuzz_require(file && fwrite(bytes, 1, sizeof bytes, file) == sizeof bytes &&
                         fclose(file) == 0, "writing %s", path);
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *images = fixed_images();
    const char *path = fuzz_input_file(data, size);
    read_as(path, GAN_IDX_IMAGES, data, size);
    read_as(path, GAN_IDX_LABELS, data, size);
    load(path, NULL);
    load(images, path);
    fuzz_require_no_leak();
    return 0;
}
