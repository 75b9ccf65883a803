/* The fuzz targets' shared harness (fuzz_support.h). */
#define _GNU_SOURCE /* memfd_create */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/architecture.h"
#include "nn/model_impl.h"

/* ---- failing a check --------------------------------------------------------------------- */

void fuzz_require(bool ok, const char *format, ...)
{
    if (ok)
        return;
    va_list args;
    va_start(args, format);
    fputs("fuzz: check failed: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nfuzz: gan_last_error(): \"%s\"\n", gan_last_error());
    abort();
}

void fuzz_clear_error(void)
{
    gan__fail(GAN_OK, "%s", "");
}

void fuzz_check_failure(gan_status status, const char *call)
{
    /* gan_status_string() names every status it knows; an unknown one reads like -1000. */
    const char *unknown = gan_status_string((gan_status)-1000);
    fuzz_require(status < 0 && strcmp(gan_status_string(status), unknown) != 0,
                 "%s returned %d, which is not an error status", call, (int)status);
    fuzz_require(gan_last_error()[0] != '\0', "%s failed (%s) without a message", call,
                 gan_status_string(status));
}

/* ---- allocation counting ----------------------------------------------------------------- */

static long live_blocks;

static void *counting_alloc(void *user_data, size_t size, size_t alignment)
{
    (void)user_data;
    void *block = NULL;
    if (posix_memalign(&block, alignment, size) != 0)
        return NULL;
    live_blocks++;
    return block;
}

static void counting_free(void *user_data, void *block)
{
    (void)user_data;
    live_blocks--;
    free(block);
}

void fuzz_require_no_leak(void)
{
    fuzz_require(live_blocks == 0, "%ld libgan blocks leaked", live_blocks);
}

/* ---- the private folder ------------------------------------------------------------------ */

static char temp_dir[512];

static void remove_temp_dir(void)
{
    DIR *dir = opendir(temp_dir);
    if (!dir)
        return;
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir)) {
        char path[1024];
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0 &&
            snprintf(path, sizeof path, "%s/%s", temp_dir, entry->d_name) < (int)sizeof path)
            unlink(path);
    }
    closedir(dir);
    rmdir(temp_dir);
}

const char *fuzz_temp_dir(void)
{
    if (!temp_dir[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(temp_dir, sizeof temp_dir, "%s/libgan-fuzz-XXXXXX", base);
        fuzz_require(mkdtemp(temp_dir) != NULL, "mkdtemp %s: %s", temp_dir, strerror(errno));
        atexit(remove_temp_dir);
    }
    return temp_dir;
}

const char *fuzz_temp_path(const char *name)
{
    /* One stable string per name, so callers may keep the pointer. */
    static struct {
        char name[64];
        char path[1024];
    } paths[16];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!paths[i].name[0]) {
            fuzz_require(strlen(name) < sizeof paths[i].name, "temporary name %s", name);
            snprintf(paths[i].name, sizeof paths[i].name, "%s", name);
            snprintf(paths[i].path, sizeof paths[i].path, "%s/%s", fuzz_temp_dir(), name);
        }
        if (strcmp(paths[i].name, name) == 0)
            return paths[i].path;
    }
    fuzz_require(false, "more than 16 temporary names");
    return NULL;
}

/* ---- the input as a file ----------------------------------------------------------------- */

static void write_all(int fd, const uint8_t *data, size_t size, const char *path)
{
    fuzz_require(ftruncate(fd, 0) == 0, "ftruncate %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        fuzz_require(n > 0, "write %s: %s", path, strerror(errno));
        done += (size_t)n;
    }
}

const char *fuzz_input_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[1024];
    if (fd < 0) {
        fd = memfd_create("libgan-fuzz-input", MFD_CLOEXEC);
        if (fd >= 0) {
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            if (access(path, R_OK) != 0) { /* no /proc: a plain file instead */
                close(fd);
                fd = -1;
            }
        }
        if (fd < 0) {
            snprintf(path, sizeof path, "%s", fuzz_temp_path("input"));
            fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            fuzz_require(fd >= 0, "create %s: %s", path, strerror(errno));
        }
    }
    write_all(fd, data, size, path);
    return path;
}

/* ---- set-up ------------------------------------------------------------------------------ */

void fuzz_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    fuzz_require(gan_set_allocator(counting_alloc, counting_free, NULL) == GAN_OK,
                 "gan_set_allocator");
    fuzz_require(gan_set_num_threads(1) == GAN_OK, "gan_set_num_threads");
}

/* ---- models ------------------------------------------------------------------------------ */

/* Models bigger than this are not run: per sample, a layer's input, output and workspace
 * floats; a layer's parameters times its output (a bound on its multiply-adds). */
enum { USABLE_MAX_FLOATS = 1 << 18 };
#define USABLE_MAX_WORK (1LL << 28)

static int64_t layer_parameter_floats(const gan_layer *layer)
{
    int64_t total = 0;
    for (int t = 0; t < layer->param_count; t++)
        total += gan__shape_numel(&layer->params[t].shape);
    return total;
}

static bool layer_small_enough(const gan_layer *layer)
{
    int64_t in = gan__shape_numel(&layer->in), out = gan__shape_numel(&layer->out);
    size_t workspace = layer->ops->workspace_floats ? layer->ops->workspace_floats(layer, 1) : 0;
    return in <= USABLE_MAX_FLOATS && out <= USABLE_MAX_FLOATS && workspace <= USABLE_MAX_FLOATS &&
           layer_parameter_floats(layer) * (out > 0 ? out : 1) <= USABLE_MAX_WORK;
}

static bool small_enough(const gan_model *model)
{
    if (gan_model_parameter_count(model) > USABLE_MAX_FLOATS)
        return false;
    for (int i = 0; i < gan_model_layer_count(model); i++)
        if (!layer_small_enough(gan__model_layer_at(model, i)))
            return false;
    return true;
}

static void forward_once(gan_model *model, int training, const gan_tensor *input,
                         const int64_t *out_shape, int out_rank)
{
    const gan_tensor *output = NULL;
    gan_status status = gan_model_set_training(model, training);
    if (status == GAN_OK)
        status = gan_model_forward(model, input, &output);
    fuzz_require(status == GAN_OK, "forward (training %d) of a model that loaded: %s", training,
                 gan_status_string(status));
    fuzz_require(gan_tensor_rank(output) == out_rank + 1 && gan_tensor_dim(output, 0) == 2,
                 "the output of a batch of 2 has rank %d, batch %lld", gan_tensor_rank(output),
                 (long long)gan_tensor_dim(output, 0));
    for (int d = 0; d < out_rank; d++)
        fuzz_require(gan_tensor_dim(output, d + 1) == out_shape[d],
                     "output dimension %d is %lld, the model declares %lld", d + 1,
                     (long long)gan_tensor_dim(output, d + 1), (long long)out_shape[d]);
}

void fuzz_check_model_usable(gan_model *model)
{
    int rank = 0, out_rank = 0;
    int64_t shape[GAN_TENSOR_MAX_RANK], out_shape[GAN_TENSOR_MAX_RANK];
    if (gan_model_input_shape(model, &rank, shape + 1, GAN_TENSOR_MAX_RANK - 1) != GAN_OK ||
        rank == 0 || gan_model_layer_count(model) == 0 || !small_enough(model))
        return;
    fuzz_require(gan_model_output_shape(model, &out_rank, out_shape, GAN_TENSOR_MAX_RANK) == GAN_OK,
                 "a model with an input shape has no output shape");
    shape[0] = 2;
    gan_tensor *input = NULL;
    gan_rng *rng = NULL;
    fuzz_require(gan_tensor_new(&input, rank + 1, shape) == GAN_OK, "gan_tensor_new");
    fuzz_require(gan_rng_new(&rng, 1) == GAN_OK, "gan_rng_new");
    fuzz_require(gan_model_set_rng(model, rng) == GAN_OK, "gan_model_set_rng"); /* Dropout */
    forward_once(model, 1, input, out_shape, out_rank);
    forward_once(model, 0, input, out_shape, out_rank);
    gan_model_set_rng(model, NULL);
    gan_rng_free(rng);
    gan_tensor_free(input);
}

float *fuzz_model_snapshot(gan_model *model, size_t *count)
{
    float *parameters, *gradients;
    size_t parameter_count, total;
    fuzz_require(gan_model_parameter_arrays(model, &parameters, &gradients, &parameter_count) ==
                     GAN_OK, "gan_model_parameter_arrays");
    total = parameter_count;
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        gan_model_named_buffer(model, i, NULL, &buffer);
        total += (size_t)gan_tensor_numel(buffer);
    }
    float *copy = malloc(total * sizeof(float) + 1);
    fuzz_require(copy != NULL, "malloc");
    if (parameter_count)
        memcpy(copy, parameters, parameter_count * sizeof(float));
    size_t at = parameter_count;
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        gan_model_named_buffer(model, i, NULL, &buffer);
        size_t n = (size_t)gan_tensor_numel(buffer);
        memcpy(copy + at, gan_tensor_data(buffer), n * sizeof(float));
        at += n;
    }
    *count = total;
    return copy;
}

void fuzz_require_model_unchanged(gan_model *model, const float *snapshot, size_t count,
                                  const char *call)
{
    size_t now_count;
    float *now = fuzz_model_snapshot(model, &now_count);
    bool same = now_count == count && memcmp(now, snapshot, count * sizeof(float)) == 0;
    free(now);
    fuzz_require(same, "%s failed but changed the model's parameters or buffers", call);
}

/* ---- safetensors checksums --------------------------------------------------------------- */

static size_t skip_json_space(const char *text, size_t at, size_t length)
{
    while (at < length && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' ||
                           text[at] == '\n'))
        at++;
    return at;
}

/* Where the 8 hex digits of "libgan.checksum": "crc32:XXXXXXXX" start in the header, or -1. */
static long checksum_digits(const char *header, size_t length)
{
    static const char key[] = "\"libgan.checksum\"", value[] = "\"crc32:";
    const char *at = memmem(header, length, key, sizeof key - 1);
    if (!at)
        return -1;
    size_t i = skip_json_space(header, (size_t)(at - header) + sizeof key - 1, length);
    if (i >= length || header[i] != ':')
        return -1;
    i = skip_json_space(header, i + 1, length);
    if (length - i < sizeof value - 1 + 8 || memcmp(header + i, value, sizeof value - 1) != 0)
        return -1;
    return (long)(i + sizeof value - 1);
}

uint8_t *fuzz_repair_checksum(const uint8_t *data, size_t size)
{
    if (size < 8)
        return NULL;
    uint64_t length = 0;
    for (int b = 7; b >= 0; b--)
        length = length << 8 | data[b];
    if (length > size - 8)
        return NULL;
    long digits = checksum_digits((const char *)data + 8, (size_t)length);
    if (digits < 0)
        return NULL;
    uint8_t *copy = malloc(size);
    fuzz_require(copy != NULL, "malloc");
    memcpy(copy, data, size);
    uint8_t *field = copy + 8 + digits;
    memset(field, '0', 8);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t at = 8; at < size;) { /* crc32 takes at most UINT_MAX bytes per call */
        size_t n = size - at < 1u << 30 ? size - at : 1u << 30;
        crc = crc32(crc, copy + at, (uInt)n);
        at += n;
    }
    char text[9];
    snprintf(text, sizeof text, "%08lx", (unsigned long)crc & 0xffffffffUL);
    memcpy(field, text, 8);
    if (memcmp(copy, data, size) == 0) {
        free(copy);
        return NULL;
    }
    return copy;
}

void fuzz_safetensors_input(const uint8_t *data, size_t size, void (*load)(const char *path))
{
    fuzz_init();
    load(fuzz_input_file(data, size));
    uint8_t *repaired = fuzz_repair_checksum(data, size);
    if (repaired) {
        load(fuzz_input_file(repaired, size));
        free(repaired);
    }
    fuzz_require_no_leak();
}

/* ---- architectures ----------------------------------------------------------------------- */

char *fuzz_architecture_text(const gan_model *model)
{
    gan_text text = {0};
    fuzz_require(gan__architecture_write(model, &text, "fuzz") == GAN_OK,
                 "gan__architecture_write");
    char *copy = strdup(text.data ? text.data : "");
    fuzz_require(copy != NULL, "strdup");
    gan__text_free(&text);
    return copy;
}
