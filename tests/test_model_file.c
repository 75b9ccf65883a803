/*
 * Model files (gan/io.h): round trips of every layer kind, loading weights into a model,
 * mismatches, hostile files (each with its status, the model left unchanged, no leak),
 * I/O failures (atomic replacement, no temporary left), allocation failures, the fuzzing
 * seed corpus, and PyTorch interop (tests/golden/make_io_golden.py).
 *
 * Files are made in a folder from mkdtemp. Hostile files are written byte by byte here;
 * with GAN_CORPUS_OUT=folder the hostile cases are also copied there (that is how
 * tests/corpus/safetensors/ was made). GAN_GOLDEN_DIR and GAN_CORPUS_DIR override
 * tests/golden and tests/corpus/safetensors.
 */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_test_support.h"
#include "safetensors_test_support.h"

static char program_dir[512] = ".";

static const char *golden_dir(void)
{
    return getenv("GAN_GOLDEN_DIR") ? getenv("GAN_GOLDEN_DIR") : "tests/golden";
}

/* ---- files ---------------------------------------------------------------------------- */

/* Copies a hostile case into GAN_CORPUS_OUT, if set. */
static void keep_for_corpus(const char *path, const char *name)
{
    const char *out = getenv("GAN_CORPUS_OUT");
    if (!out)
        return;
    size_t count;
    unsigned char *bytes = slurp(path, &count);
    if (!bytes)
        return;
    char target[1024];
    snprintf(target, sizeof target, "%s/%s.safetensors", out, name);
    write_bytes(target, bytes, count);
    free(bytes);
}

/* ---- models --------------------------------------------------------------------------- */

static gan_layer *named(gan_status status, gan_layer *layer, const char *name, int init)
{
    assert_status(status, GAN_OK);
    if (name)
        assert_status(gan_layer_set_name(layer, name), GAN_OK);
    if (init >= 0)
        assert_status(gan_layer_set_init(layer, (gan_init)init), GAN_OK);
    return layer;
}

#define ADD(model, call, name, init)                                      \
    do {                                                                  \
        gan_layer *layer_ = NULL;                                         \
        gan_status status_ = call;                                        \
        assert_status(gan_model_add(model, named(status_, layer_, name, init)), GAN_OK); \
    } while (0)

/* Every layer kind but Embedding, with options away from their defaults:
 * [3, 8, 8] -> ... -> [4, 4]. */
static gan_model *image_model(bool with_shape)
{
    gan_model *model = NULL;
    gan_layer *layer = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    ADD(model, gan_layer_conv2d(&layer_, 3, 4, 3, 1, 1, 1), "d.conv1", GAN_INIT_DCGAN);
    assert_status(gan_layer_batchnorm2d(&layer, 4), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.3f), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-3f), GAN_OK);
    assert_status(gan_model_add(model, named(GAN_OK, layer, "bn-2d", GAN_INIT_DCGAN)), GAN_OK);
    ADD(model, gan_layer_leaky_relu(&layer_, 0.3f), NULL, -1);
    ADD(model, gan_layer_maxpool2d(&layer_, 2, 2, 0), NULL, -1);
    ADD(model, gan_layer_conv_transpose2d(&layer_, 4, 3, 5, 2, 2, 1, 0), NULL,
        GAN_INIT_GLOROT_UNIFORM);
    ADD(model, gan_layer_avgpool2d(&layer_, 3, 2, 1), NULL, -1);
    ADD(model, gan_layer_upsample(&layer_, 2), "up", -1);
    assert_status(gan_layer_layernorm(&layer, 1, (const int64_t[]){8}), GAN_OK);
    assert_status(gan_layer_set_int(layer, GAN_LAYER_AFFINE, 0), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, 1e-4f), GAN_OK);
    assert_status(gan_model_add(model, layer), GAN_OK);
    ADD(model, gan_layer_relu(&layer_), NULL, -1);
    ADD(model, gan_layer_flatten(&layer_), NULL, -1);
    ADD(model, gan_layer_dropout(&layer_, 0.3f), NULL, -1);
    ADD(model, gan_layer_dense(&layer_, 192, 16, 1), "head", GAN_INIT_GLOROT_UNIFORM);
    assert_status(gan_layer_batchnorm1d(&layer, 16), GAN_OK);
    assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, 0.01f), GAN_OK);
    assert_status(gan_model_add(model, named(GAN_OK, layer, NULL, GAN_INIT_DCGAN)), GAN_OK);
    ADD(model, gan_layer_tanh(&layer_), NULL, -1);
    ADD(model, gan_layer_reshape(&layer_, 2, (const int64_t[]){4, 4}), NULL, -1);
    ADD(model, gan_layer_sigmoid(&layer_), NULL, -1);
    if (with_shape)
        assert_status(gan_model_set_input_shape(model, 3, (const int64_t[]){3, 8, 8}), GAN_OK);
    return model;
}

/* Embedding, an affine 1-d LayerNorm and a bias-free Linear; no input shape. */
static gan_model *embedding_model(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    ADD(model, gan_layer_embedding(&layer_, 10, 6), "embed", GAN_INIT_GLOROT_UNIFORM);
    ADD(model, gan_layer_layernorm(&layer_, 1, (const int64_t[]){6}), NULL, -1);
    ADD(model, gan_layer_dense(&layer_, 6, 2, 0), NULL, GAN_INIT_DCGAN);
    return model;
}

/* Linear(2, 3) and BatchNorm1d(3): small files. */
static gan_model *small_model(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    ADD(model, gan_layer_dense(&layer_, 2, 3, 1), NULL, -1);
    ADD(model, gan_layer_batchnorm1d(&layer_, 3), NULL, -1);
    return model;
}

/* Linear(2, 2): "0.weight" [2, 2] and "0.bias" [2], for the hand-made files. */
static gan_model *tiny_model(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    ADD(model, gan_layer_dense(&layer_, 2, 2, 1), NULL, -1);
    return model;
}

/* The eval-mode output of `model` for `x` (malloc'd copy). */
static float *eval_output(gan_model *model, const gan_tensor *x, size_t *count)
{
    const gan_tensor *y = NULL;
    assert_status(gan_model_set_training(model, 0), GAN_OK);
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    *count = (size_t)gan_tensor_numel(y);
    float *out = malloc(*count * sizeof(float));
    memcpy(out, gan_tensor_data_const(y), *count * sizeof(float));
    return out;
}

static gan_tensor *pattern_tensor(int rank, const int64_t *shape, float scale)
{
    gan_tensor *t = NULL;
    assert_status(gan_tensor_new(&t, rank, shape), GAN_OK);
    for (int64_t i = 0; i < gan_tensor_numel(t); i++)
        gan_tensor_data(t)[i] = scale * (float)((i * 7919) % 2001 - 1000) / 1000.0f;
    return t;
}

static void expect_same_layers(gan_model *a, gan_model *b)
{
    assert_int_equal(gan_model_layer_count(a), gan_model_layer_count(b));
    for (int i = 0; i < gan_model_layer_count(a); i++) {
        gan_layer *la = gan_model_layer(a, i), *lb = gan_model_layer(b, i);
        assert_string_equal(gan_layer_kind(la), gan_layer_kind(lb));
        assert_string_equal(gan_layer_name(la), gan_layer_name(lb));
        for (int option = GAN_LAYER_MOMENTUM; option <= GAN_LAYER_EPS; option++) {
            float fa = -1, fb = -1;
            gan_status sa = gan_layer_get_float(la, (gan_layer_option)option, &fa);
            assert_status(gan_layer_get_float(lb, (gan_layer_option)option, &fb), sa);
            assert_memory_equal(&fa, &fb, sizeof fa);
        }
        int64_t ia = -1, ib = -1;
        gan_status sa = gan_layer_get_int(la, GAN_LAYER_AFFINE, &ia);
        assert_status(gan_layer_get_int(lb, GAN_LAYER_AFFINE, &ib), sa);
        assert_int_equal(ia, ib);
    }
    char sa[4096], sb[4096];
    assert_status(gan_model_summary(a, sa, sizeof sa, NULL), GAN_OK);
    assert_status(gan_model_summary(b, sb, sizeof sb, NULL), GAN_OK);
    assert_string_equal(sa, sb);
}

/* ---- round trips ------------------------------------------------------------------------- */

static void every_layer_kind_round_trips(void **state)
{
    (void)state;
    gan_model *model = image_model(true);
    fill_model(model, 11);
    const char *path = temp_path("image.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);
    assert_int_equal(count_temporaries(temp_dir), 0);

    gan_model *loaded = NULL;
    assert_status(gan_model_load(&loaded, path), GAN_OK);
    expect_same_layers(model, loaded);
    expect_same_tensors(model, loaded);
    /* The input shape came back: the output shape is known. */
    int rank = 0;
    int64_t shape[8];
    assert_status(gan_model_output_shape(loaded, &rank, shape, 8), GAN_OK);
    assert_int_equal(rank, 2);
    assert_int_equal(shape[0], 4);
    assert_int_equal(shape[1], 4);

    /* The same outputs, bit for bit. */
    gan_tensor *x = pattern_tensor(4, (const int64_t[]){5, 3, 8, 8}, 2.0f);
    size_t n1, n2;
    float *y1 = eval_output(model, x, &n1), *y2 = eval_output(loaded, x, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(y1, y2, n1 * sizeof(float));
    free(y1);
    free(y2);

    /* Saving the loaded model writes the same bytes: names, options, floats, init schemes
     * and the input shape all came back exactly. */
    const char *again = temp_path("image-again.safetensors");
    assert_status(gan_model_save(loaded, again), GAN_OK);
    size_t c1, c2;
    unsigned char *b1 = slurp(path, &c1), *b2 = slurp(again, &c2);
    assert_int_equal(c1, c2);
    assert_memory_equal(b1, b2, c1);
    free(b1);
    free(b2);

    /* Where a locale with a decimal comma exists, the file is the same under it. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        const char *localised = temp_path("image-locale.safetensors");
        gan_status status = gan_model_save(loaded, localised);
        gan_model *reloaded = NULL;
        if (status == GAN_OK)
            status = gan_model_load(&reloaded, localised);
        setlocale(LC_NUMERIC, "C");
        assert_status(status, GAN_OK);
        b2 = slurp(localised, &c2);
        b1 = slurp(path, &c1);
        assert_int_equal(c1, c2);
        assert_memory_equal(b1, b2, c1);
        free(b1);
        free(b2);
        gan_model_free(reloaded);
    }

    /* The init schemes came back: the same seed draws the same parameters. */
    fill_model(model, 99);
    fill_model(loaded, 99);
    expect_same_tensors(model, loaded);

    gan_tensor_free(x);
    gan_model_free(model);
    gan_model_free(loaded);
}

static void a_model_without_input_shape_round_trips(void **state)
{
    (void)state;
    gan_model *model = embedding_model();
    fill_model(model, 5);
    const char *path = temp_path("embedding.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);
    gan_model *loaded = NULL;
    assert_status(gan_model_load(&loaded, path), GAN_OK);
    expect_same_layers(model, loaded);
    expect_same_tensors(model, loaded);
    int rank;
    int64_t shape[8];
    assert_status(gan_model_output_shape(loaded, &rank, shape, 8), GAN_ERR_STATE);

    gan_tensor *x = NULL;
    assert_status(gan_tensor_new(&x, 2, (const int64_t[]){4, 1}), GAN_OK);
    for (int i = 0; i < 4; i++)
        gan_tensor_data(x)[i] = (float)(i * 3);
    size_t n1, n2;
    float *y1 = eval_output(model, x, &n1), *y2 = eval_output(loaded, x, &n2);
    assert_memory_equal(y1, y2, n1 * sizeof(float));
    free(y1);
    free(y2);
    gan_tensor_free(x);

    /* An empty model round-trips too. */
    gan_model *empty = NULL, *empty_loaded = NULL;
    assert_status(gan_model_new(&empty), GAN_OK);
    assert_status(gan_model_save(empty, temp_path("empty.safetensors")), GAN_OK);
    assert_status(gan_model_load(&empty_loaded, temp_path("empty.safetensors")), GAN_OK);
    assert_int_equal(gan_model_layer_count(empty_loaded), 0);
    gan_model_free(empty);
    gan_model_free(empty_loaded);
    gan_model_free(model);
    gan_model_free(loaded);
}

static void weights_load_into_a_fresh_model(void **state)
{
    (void)state;
    gan_model *model = image_model(true);
    fill_model(model, 21);
    const char *path = temp_path("weights.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);
    gan_model *fresh = image_model(false); /* zeros and defaults, no input shape */
    assert_status(gan_model_load_weights(fresh, path), GAN_OK);
    expect_same_tensors(model, fresh);
    /* The file holds PyTorch's counters for the BatchNorm layers: I64 scalars, ignored. */
    size_t count;
    unsigned char *bytes = slurp(path, &count);
    assert_non_null(strstr((char *)bytes + 8, "\"bn-2d.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]"));
    assert_non_null(strstr((char *)bytes + 8, "\"12.num_batches_tracked\""));
    free(bytes);
    gan_model_free(model);
    gan_model_free(fresh);
}

static void weights_must_match_the_model(void **state)
{
    (void)state;
    gan_model *model = small_model();
    fill_model(model, 3);
    const char *path = temp_path("small.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);

    /* A model with one more layer: its tensors are missing from the file. */
    gan_model *longer = small_model();
    ADD(longer, gan_layer_dense(&layer_, 3, 1, 1), NULL, -1);
    fill_model(longer, 4);
    size_t n_before, n_after;
    float *before = snapshot(longer, &n_before);
    assert_status(gan_model_load_weights(longer, path), GAN_ERR_NOT_FOUND);
    assert_error_mentions("the model has a tensor '2.bias' [1] that the file does not hold");
    float *after = snapshot(longer, &n_after);
    assert_memory_equal(before, after, n_before * sizeof(float)); /* unchanged */
    free(before);
    free(after);

    /* A model with one layer less: the file has tensors the model does not know. */
    gan_model *shorter = NULL;
    assert_status(gan_model_new(&shorter), GAN_OK);
    ADD(shorter, gan_layer_dense(&layer_, 2, 3, 1), NULL, -1);
    assert_status(gan_model_load_weights(shorter, path), GAN_ERR_NOT_FOUND);
    assert_error_mentions("tensor '1.");
    assert_error_mentions("is not a parameter or buffer of the model");

    /* A misshaped layer: both shapes named, nothing written (the Linear comes first in the
     * file and fits; the BatchNorm does not). */
    gan_model *misshaped = NULL;
    assert_status(gan_model_new(&misshaped), GAN_OK);
    ADD(misshaped, gan_layer_dense(&layer_, 2, 3, 1), NULL, -1);
    ADD(misshaped, gan_layer_batchnorm1d(&layer_, 4), NULL, -1);
    ADD(misshaped, gan_layer_dense(&layer_, 4, 3, 1), NULL, -1);
    before = snapshot(misshaped, &n_before);
    assert_status(gan_model_load_weights(misshaped, path), GAN_ERR_SHAPE);
    assert_error_mentions("has shape [3] in the file and [4] in the model");
    after = snapshot(misshaped, &n_after);
    assert_memory_equal(before, after, n_before * sizeof(float));
    free(before);
    free(after);

    /* gan_model_load needs an architecture. */
    gan_model *out = (gan_model *)1;
    char weights_only[1024];
    snprintf(weights_only, sizeof weights_only, "%s/io_generator.safetensors", golden_dir());
    assert_status(gan_model_load(&out, weights_only), GAN_ERR_UNSUPPORTED);
    assert_error_mentions("weights only");
    assert_null(out);

    /* Argument checks. */
    assert_status(gan_model_load_weights(NULL, path), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_load_weights(model, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_load(NULL, path), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_load(&out, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_save(NULL, path), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_save(model, NULL), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_save(model, ""), GAN_ERR_INVALID_ARGUMENT);
    assert_status(gan_model_save(model, temp_path("folder/")), GAN_ERR_INVALID_ARGUMENT);

    gan_model_free(model);
    gan_model_free(longer);
    gan_model_free(shorter);
    gan_model_free(misshaped);
}

/* ---- hostile files ------------------------------------------------------------------------ */

#define W_F32 "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}"
#define B_F32 "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}"
#define NBT "\"0.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}"
#define LONG_NAME "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\""

typedef struct hostile_case {
    const char *name;
    const char *header;
    size_t data_size;       /* bytes of data after the header (a float pattern) */
    gan_status status;      /* of gan_model_load_weights into tiny_model() */
    const char *needle;     /* in the message */
} hostile_case;

static const hostile_case hostile_cases[] = {
    {"valid-weights", "{" W_F32 "," B_F32 "}", 24, GAN_OK, NULL},
    {"valid-padded", "{" W_F32 "," B_F32 "}        ", 24, GAN_OK, NULL},
    {"valid-counter", "{" W_F32 "," B_F32 "," NBT "}", 32, GAN_OK, NULL},
    {"valid-checksum", "{\"__metadata__\":{\"libgan.version\":\"0\",\"libgan.checksum\":\"crc32:00000000\"},"
     W_F32 "," B_F32 "}", 24, GAN_OK, NULL},
    {"not-json", "{" W_F32 "," B_F32, 24, GAN_ERR_FORMAT, "is not valid JSON"},
    {"not-json-2", "{nonsense}", 0, GAN_ERR_FORMAT, "is not valid JSON"},
    {"not-an-object", "[1,2,3]", 0, GAN_ERR_FORMAT, "not a JSON object: it starts with byte 0x5b"},
    {"leading-space", " {" W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT, "starts with byte 0x20"},
    {"two-values", "{" W_F32 "," B_F32 "} {}", 24, GAN_ERR_FORMAT, "more than one JSON value"},
    {"invalid-utf8", "{\"\xff\":1," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT, "not valid UTF-8"},
    {"overlong-utf8", "{\"\xc0\xaf\":1," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT, "not valid UTF-8"},
    {"surrogate-utf8", "{\"\xed\xa0\x80\":1," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT, "not valid UTF-8"},
    {"control-char", "{\"0.we\x01ight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "control character (0x01)"},
    {"nul-escape", "{\"0.weight\\u0000x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "\\u0000"},
    {"duplicate-name", "{" W_F32 "," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT, "has the key '0.weight' twice"},
    {"dtype-f64", "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
     "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}", 40, GAN_ERR_UNSUPPORTED,
     "tensor '0.weight' is F64; libgan loads F32 only"},
    {"dtype-i8", "{\"0.weight\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
     "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, GAN_ERR_UNSUPPORTED, "is I8"},
    {"dtype-unknown", "{\"0.weight\":{\"dtype\":\"F99\",\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "unknown dtype \"F99\""},
    {"dtype-number", "{\"0.weight\":{\"dtype\":4,\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "dtype of tensor '0.weight' is not a string"},
    {"shape-negative", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "dimension 0 of tensor '0.weight' is not an integer >= 0"},
    {"shape-fraction", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2.5],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "dimension 1 of tensor '0.weight'"},
    {"shape-string", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[\"2\",2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "dimension 0 of tensor '0.weight'"},
    {"shape-huge-dim", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1e300,0],\"data_offsets\":[0,0]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "dimension 0 of tensor '0.weight'"},
    {"shape-not-array", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "shape of tensor '0.weight' is not an array"},
    {"shape-rank-9", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,4],\"data_offsets\":[0,16]},"
     B_F32 "}", 24, GAN_ERR_FORMAT, "rank 9"},
    {"numel-overflow", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
     "\"data_offsets\":[0,16]}," B_F32 "}", 24, GAN_ERR_FORMAT, "the size of tensor '0.weight' overflows"},
    {"bytes-overflow", "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[2147483648,2147483648],"
     "\"data_offsets\":[0,16]}," B_F32 "}", 24, GAN_ERR_FORMAT, "the size of tensor '0.weight' overflows"},
    {"offset-past-end", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,1000]}}",
     24, GAN_ERR_FORMAT, "ends at byte 1000 of the data section, which has 24 bytes"},
    {"offset-huge", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
     "\"data_offsets\":[9007199254740000,9007199254740008]}}", 24, GAN_ERR_FORMAT, "ends at byte"},
    {"offset-beyond-2-53", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
     "\"data_offsets\":[18446744073709551608,18446744073709551616]}}", 24, GAN_ERR_FORMAT,
     "data_offsets of tensor '0.bias' are not integers"},
    {"begin-after-end", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,16]}}",
     24, GAN_ERR_FORMAT, "begins at byte 24 after it ends (16)"},
    {"offsets-negative", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}",
     24, GAN_ERR_FORMAT, "are not integers >= 0"},
    {"offsets-three", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24,32]}}",
     24, GAN_ERR_FORMAT, "not an array [begin, end]"},
    {"offsets-string", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,\"24\"]}}",
     24, GAN_ERR_FORMAT, "are not integers"},
    {"size-mismatch", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,20]}}",
     24, GAN_ERR_FORMAT, "needs 8 bytes; its data_offsets [16, 20] hold 4"},
    {"overlap", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
     24, GAN_ERR_FORMAT, "tensor '0.bias' [12, 20] overlaps tensor '0.weight' [0, 16]"},
    {"same-range", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
     16, GAN_ERR_FORMAT, "overlaps"},
    {"gap", "{" W_F32 ",\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[20,28]}}",
     28, GAN_ERR_FORMAT, "bytes [16, 20] of the data section belong to no tensor"},
    {"gap-at-start", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[4,20]},"
     "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[20,28]}}", 28, GAN_ERR_FORMAT,
     "bytes [0, 4]"},
    {"trailing-data", "{" W_F32 "," B_F32 "}", 32, GAN_ERR_FORMAT, "has 32 bytes, but its tensors cover only 24"},
    {"field-missing", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2]}," B_F32 "}", 24, GAN_ERR_FORMAT,
     "tensor '0.weight' has no \"data_offsets\""},
    {"field-extra", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16],\"x\":1},"
     B_F32 "}", 24, GAN_ERR_FORMAT, "has 4 fields"},
    {"field-twice", "{\"0.weight\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2,2]}," B_F32 "}", 24,
     GAN_ERR_FORMAT, "no \"data_offsets\""},
    {"entry-not-object", "{\"0.weight\":[0,16]," B_F32 "}", 24, GAN_ERR_FORMAT,
     "entry of tensor '0.weight' is not an object"},
    {"empty-name", "{\"\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}", 24,
     GAN_ERR_FORMAT, "a tensor has an empty name"},
    {"long-name", "{" LONG_NAME ":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_FORMAT, "has 298 bytes; at most 255"},
    {"metadata-number", "{\"__metadata__\":{\"a\":1}," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT,
     "the __metadata__ value of 'a' is not a string"},
    {"metadata-nested", "{\"__metadata__\":{\"a\":{\"b\":\"c\"}}," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT,
     "is not a string"},
    {"metadata-array", "{\"__metadata__\":[\"a\"]," W_F32 "," B_F32 "}", 24, GAN_ERR_FORMAT,
     "__metadata__ is not an object"},
    {"metadata-twice", "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}," W_F32 "," B_F32 "}", 24,
     GAN_ERR_FORMAT, "__metadata__ has the key 'a' twice"},
    {"metadata-object-twice", "{\"__metadata__\":{},\"__metadata__\":{}," W_F32 "," B_F32 "}", 24,
     GAN_ERR_FORMAT, "has the key '__metadata__' twice"},
    {"checksum-missing", "{\"__metadata__\":{\"libgan.version\":\"0.3.0\"}," W_F32 "," B_F32 "}", 24,
     GAN_ERR_FORMAT, "has \"libgan.version\" but no \"libgan.checksum\""},
    {"checksum-form", "{\"__metadata__\":{\"libgan.checksum\":\"crc32:xyz\"}," W_F32 "," B_F32 "}", 24,
     GAN_ERR_FORMAT, "is not \"crc32:\" and 8 lowercase hex digits"},
    {"checksum-wrong", "{\"__metadata__\":{\"libgan.checksum\":\"crc32:12345678\"}," W_F32 "," B_F32 "}",
     24, GAN_ERR_FORMAT, "checksum mismatch: the file says crc32:12345678"},
    {"checksum-escaped", "{\"__metadata__\":{\"libgan\\u002echecksum\":\"crc32:12345678\"}," W_F32 "," B_F32 "}",
     24, GAN_ERR_FORMAT, "occurs 0 times in the raw header"},
    {"unknown-tensor", "{" W_F32 "," B_F32 ",\"1.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}",
     28, GAN_ERR_NOT_FOUND, "the file's tensor '1.weight' is not a parameter or buffer of the model"},
    {"missing-tensor", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16,
     GAN_ERR_NOT_FOUND, "the model has a tensor '0.bias' [2] that the file does not hold"},
    {"misshaped-tensor", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}," B_F32 "}",
     24, GAN_ERR_SHAPE, "tensor '0.weight' has shape [4] in the file and [2, 2] in the model"},
    {"empty-object", "{}", 0, GAN_ERR_NOT_FOUND, "does not hold"},
};

/* The data of the hand-made files: floats 0.5, 1.5, ... */
static const float hostile_data[16] = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f,
                                       8.5f, 9.5f, 10.5f, 11.5f, 12.5f, 13.5f, 14.5f, 15.5f};

/* Loads `path` into a tiny model (must give `status`, mention `needle`, change nothing on
 * failure) and with gan_model_load (must fail: none of these files has an architecture). */
static void expect_hostile(const char *path, const char *name, gan_status status,
                           const char *needle)
{
    long live = group_allocator.live;
    gan_model *model = tiny_model();
    fill_model(model, 8);
    size_t n_before, n_after;
    float *before = snapshot(model, &n_before);
    gan_status got = gan_model_load_weights(model, path);
    if (got != status)
        fail_msg("case %s: gan_model_load_weights returned %s, expected %s; last error: %s", name,
                 gan_status_string(got), gan_status_string(status), gan_last_error());
    if (needle && !strstr(gan_last_error(), needle))
        fail_msg("case %s: the message \"%s\" does not mention \"%s\"", name, gan_last_error(), needle);
    if (status != GAN_OK) {
        float *after = snapshot(model, &n_after);
        assert_memory_equal(before, after, n_before * sizeof(float));
        free(after);
    }
    free(before);
    gan_model *loaded = (gan_model *)1;
    got = gan_model_load(&loaded, path);
    if (got == GAN_OK || (status != GAN_OK && status != GAN_ERR_NOT_FOUND && status != GAN_ERR_SHAPE &&
                          got != status))
        fail_msg("case %s: gan_model_load returned %s; last error: %s", name, gan_status_string(got),
                 gan_last_error());
    assert_null(loaded);
    gan_model_free(model);
    assert_int_equal(group_allocator.live, live);
}

static void hostile_headers_are_rejected(void **state)
{
    (void)state;
    float data[16];
    memcpy(data, hostile_data, sizeof data);
    for (size_t i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
        const hostile_case *c = &hostile_cases[i];
        char name[128], corpus_name[160];
        snprintf(name, sizeof name, "%s.safetensors", c->name);
        snprintf(corpus_name, sizeof corpus_name, "%s%s", c->status == GAN_OK ? "" : "bad-", c->name);
        const char *path = temp_path(name);
        write_st_file(path, c->header, strlen(c->header), data, c->data_size);
        keep_for_corpus(path, corpus_name);
        expect_hostile(path, c->name, c->status, c->needle);
    }
}

static void write_header_length(const char *path, uint64_t n, size_t follow)
{
    unsigned char bytes[64] = {0};
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(n >> (8 * i));
    memcpy(bytes + 8, "{}", follow >= 2 ? 2 : follow);
    write_bytes(path, bytes, 8 + follow);
}

static void hostile_sizes_are_rejected(void **state)
{
    (void)state;
    const char *path = temp_path("sizes.safetensors");
    write_bytes(path, "", 0);
    keep_for_corpus(path, "bad-empty");
    expect_hostile(path, "empty", GAN_ERR_FORMAT, "the file has 0 bytes");
    write_bytes(path, "\x10\0\0\0\0", 5);
    keep_for_corpus(path, "bad-truncated-length");
    expect_hostile(path, "truncated length", GAN_ERR_FORMAT, "the file has 5 bytes");
    write_header_length(path, UINT64_MAX, 2);
    keep_for_corpus(path, "bad-huge-length");
    expect_hostile(path, "huge length", GAN_ERR_FORMAT,
                   "the header length is 18446744073709551615 bytes, but only 2 bytes follow");
    write_header_length(path, UINT64_C(1) << 63, 2);
    expect_hostile(path, "length 2^63", GAN_ERR_FORMAT, "but only 2 bytes follow");
    write_header_length(path, 1000, 50);
    keep_for_corpus(path, "bad-header-past-end");
    expect_hostile(path, "header past the end", GAN_ERR_FORMAT, "only 50 bytes follow it");
    write_header_length(path, 0, 0);
    expect_hostile(path, "empty header", GAN_ERR_FORMAT, "the smallest header");
    write_header_length(path, 1, 1);
    expect_hostile(path, "one-byte header", GAN_ERR_FORMAT, "the smallest header");

    /* A header length above the 100 MB limit, in a (sparse) file that long. */
    const uint64_t big = 100000001;
    write_header_length(path, big, 2);
    assert_int_equal(truncate(path, (off_t)(8 + big)), 0);
    expect_hostile(path, "header above the limit", GAN_ERR_FORMAT,
                   "the header length 100000001 is above the limit of 100000000 bytes");

    /* More values than the parser takes: [0,0,...] with 2^20 + 1 entries. */
    size_t count = (1u << 20) + 1;
    char *header = malloc(count * 2 + 128);
    strcpy(header, "{\"__metadata__\":{},\"x\":{\"dtype\":\"F32\",\"shape\":[");
    char *p = header + strlen(header);
    for (size_t i = 0; i < count; i++) {
        *p++ = '0';
        *p++ = ',';
    }
    strcpy(p - 1, "],\"data_offsets\":[0,0]}}");
    write_st_file(path, header, strlen(header), NULL, 0);
    free(header);
    expect_hostile(path, "too many values", GAN_ERR_FORMAT, "holds more than 1048576 values");

    /* Deep nesting: cJSON stops at its limit. */
    char deep[4200];
    strcpy(deep, "{\"__metadata__\":");
    size_t at = strlen(deep);
    for (int i = 0; i < 2000; i++)
        deep[at++] = '[';
    for (int i = 0; i < 2000; i++)
        deep[at++] = ']';
    strcpy(deep + at, "}");
    write_st_file(path, deep, strlen(deep), NULL, 0);
    keep_for_corpus(path, "bad-deep-nesting");
    expect_hostile(path, "deep nesting", GAN_ERR_FORMAT, "is not valid JSON");

    /* Not a file at all, and no file. */
    expect_hostile(temp_dir, "a folder", GAN_ERR_IO, "is not a regular file");
    expect_hostile(temp_path("absent.safetensors"), "no file", GAN_ERR_IO, "open '");
    assert_error_mentions("No such file or directory");
}

static void truncated_and_flipped_files_are_detected(void **state)
{
    (void)state;
    gan_model *model = small_model();
    fill_model(model, 13);
    const char *path = temp_path("flips.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);
    size_t count;
    unsigned char *good = slurp(path, &count);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | good[i];
    size_t data_start = 8 + (size_t)n;
    keep_for_corpus(path, "valid-model");

    const char *bad = temp_path("flipped.safetensors");
    /* Truncated data: the offsets run past the end. */
    for (size_t cut = 1; cut <= 8; cut++) {
        write_bytes(bad, good, count - cut);
        if (cut == 4)
            keep_for_corpus(bad, "bad-truncated-data");
        expect_hostile(bad, "truncated", GAN_ERR_FORMAT, "a truncated file?");
    }
    /* Every single-bit flip anywhere in the file is caught: the checksum covers the data
     * and the header, and a damaged checksum key is noticed. */
    unsigned char *copy = malloc(count);
    long live = group_allocator.live;
    for (size_t byte = 0; byte < count; byte++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, good, count);
            copy[byte] ^= (unsigned char)(1u << bit);
            write_bytes(bad, copy, count);
            gan_model *loaded = NULL;
            gan_status status = gan_model_load(&loaded, bad);
            if (status == GAN_OK || loaded)
                fail_msg("a flip of bit %d of byte %zu (of %zu, data from %zu) was not noticed", bit,
                         byte, count, data_start);
            if (status != GAN_ERR_FORMAT && status != GAN_ERR_UNSUPPORTED)
                fail_msg("a flip of bit %d of byte %zu gave %s: %s", bit, byte,
                         gan_status_string(status), gan_last_error());
            if (byte >= data_start) {
                assert_status(status, GAN_ERR_FORMAT);
                assert_error_mentions("checksum mismatch");
                if (byte == data_start + 5 && bit == 3)
                    keep_for_corpus(bad, "bad-data-bit-flip");
            }
            if (byte == 40 && bit == 0)
                keep_for_corpus(bad, "bad-header-bit-flip");
        }
    assert_int_equal(group_allocator.live, live);
    free(copy);
    free(good);
    gan_model_free(model);
}

/* ---- the architecture ----------------------------------------------------------------------- */

typedef struct architecture_case {
    const char *name;
    const char *json;       /* the architecture, as a JSON value in the header */
    gan_status status;
    const char *needle;
} architecture_case;

#define ARCH(layers) "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":null,\"layers\":[" layers "]}"
#define LINEAR(args) "{\"kind\":\"Linear\",\"name\":\"\",\"init\":0,\"args\":{" args "}}"
#define LINEAR_OK LINEAR("\"in_features\":2,\"out_features\":2,\"bias\":true")

static const architecture_case architecture_cases[] = {
    {"valid", ARCH(LINEAR_OK), GAN_OK, NULL},
    {"valid-with-shape", "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":[5,2],\"layers\":["
     LINEAR_OK ",{\"kind\":\"LeakyReLU\",\"name\":\"act\",\"init\":1,\"args\":{\"negative_slope\":0.3}}]}",
     GAN_OK, NULL},
    {"malformed", "{\"format\":", GAN_ERR_FORMAT, "the architecture is not valid JSON"},
    {"not-object", "[1]", GAN_ERR_FORMAT, "the architecture is not a JSON object"},
    {"format-wrong", "{\"format\":\"keras\",\"version\":1,\"layers\":[]}", GAN_ERR_FORMAT,
     "'format' is not \"libgan-model\""},
    {"version-2", "{\"format\":\"libgan-model\",\"version\":2,\"layers\":[]}", GAN_ERR_UNSUPPORTED,
     "architecture version 2; this libgan reads version 1"},
    {"version-missing", "{\"format\":\"libgan-model\",\"layers\":[]}", GAN_ERR_FORMAT, "'version'"},
    {"key-unknown", "{\"format\":\"libgan-model\",\"version\":1,\"layers\":[],\"x\":1}", GAN_ERR_FORMAT,
     "unknown key 'x'"},
    {"key-twice", "{\"format\":\"libgan-model\",\"version\":1,\"layers\":[],\"layers\":[]}", GAN_ERR_FORMAT,
     "has the key 'layers' twice"},
    {"layers-missing", "{\"format\":\"libgan-model\",\"version\":1}", GAN_ERR_FORMAT, "'layers' is missing"},
    {"kind-unknown", ARCH("{\"kind\":\"Conv3d\",\"name\":\"\",\"init\":0,\"args\":{}}"), GAN_ERR_UNSUPPORTED,
     "architecture layer 0 (Conv3d): this version of libgan has no layer kind 'Conv3d'"},
    {"kind-missing", ARCH("{\"name\":\"\",\"init\":0,\"args\":{}}"), GAN_ERR_FORMAT, "'kind' is missing"},
    {"layer-key-unknown", ARCH("{\"kind\":\"ReLU\",\"name\":\"\",\"init\":0,\"args\":{},\"z\":0}"),
     GAN_ERR_FORMAT, "layer 0 (ReLU): unknown key 'z'"},
    {"arg-missing", ARCH(LINEAR("\"in_features\":2,\"bias\":true")), GAN_ERR_FORMAT,
     "architecture layer 0 (Linear): argument 'out_features' is missing"},
    {"arg-fraction", ARCH(LINEAR("\"in_features\":2.5,\"out_features\":2,\"bias\":true")), GAN_ERR_FORMAT,
     "layer 0 (Linear): argument 'in_features' is not an integer"},
    {"arg-huge", ARCH(LINEAR("\"in_features\":1e300,\"out_features\":2,\"bias\":true")), GAN_ERR_FORMAT,
     "argument 'in_features' is not an integer"},
    {"arg-string", ARCH(LINEAR("\"in_features\":\"2\",\"out_features\":2,\"bias\":true")), GAN_ERR_FORMAT,
     "argument 'in_features' is not an integer"},
    {"arg-zero", ARCH(LINEAR("\"in_features\":0,\"out_features\":2,\"bias\":true")), GAN_ERR_FORMAT,
     "layer 0 (Linear): gan_layer_dense: in_features is 0; it must be >= 1"},
    {"arg-too-big", ARCH(LINEAR("\"in_features\":9007199254740992,\"out_features\":2,\"bias\":true")),
     GAN_ERR_FORMAT, "is too large"},
    {"arg-bool-number", ARCH(LINEAR("\"in_features\":2,\"out_features\":2,\"bias\":1")), GAN_ERR_FORMAT,
     "argument 'bias' is not true or false"},
    {"arg-unknown", ARCH(LINEAR("\"in_features\":2,\"out_features\":2,\"bias\":true,\"dilation\":1")),
     GAN_ERR_UNSUPPORTED, "layer 0 (Linear): unknown argument 'dilation'"},
    {"arg-twice", ARCH(LINEAR("\"in_features\":2,\"in_features\":2,\"out_features\":2,\"bias\":true")),
     GAN_ERR_FORMAT, "has the key 'in_features' twice"},
    {"args-missing", ARCH("{\"kind\":\"ReLU\",\"name\":\"\",\"init\":0}"), GAN_ERR_FORMAT,
     "'args' is missing or not an object"},
    {"init-bad", ARCH("{\"kind\":\"Linear\",\"name\":\"\",\"init\":7,\"args\":{\"in_features\":2,"
     "\"out_features\":2,\"bias\":true}}"), GAN_ERR_FORMAT, "'init' is missing or not 0, 1 or 2"},
    {"name-bad", ARCH("{\"kind\":\"Linear\",\"name\":\"a b\",\"init\":0,\"args\":{\"in_features\":2,"
     "\"out_features\":2,\"bias\":true}}"), GAN_ERR_FORMAT, "is not one of [A-Za-z0-9_.-]"},
    {"float-range", ARCH(LINEAR_OK ",{\"kind\":\"LeakyReLU\",\"name\":\"\",\"init\":0,\"args\":"
     "{\"negative_slope\":1e39}}"), GAN_ERR_FORMAT, "layer 1 (LeakyReLU): argument 'negative_slope' is not a "
     "number in the range of float"},
    {"momentum-range", ARCH(LINEAR_OK ",{\"kind\":\"BatchNorm1d\",\"name\":\"\",\"init\":0,\"args\":"
     "{\"num_features\":2,\"momentum\":5,\"eps\":0.001,\"affine\":true}}"), GAN_ERR_FORMAT,
     "layer 1 (BatchNorm1d): BatchNorm1d layer '': momentum 5 is outside [0, 1]"},
    {"shape-arg-bad", ARCH(LINEAR_OK ",{\"kind\":\"Reshape\",\"name\":\"\",\"init\":0,\"args\":"
     "{\"shape\":[1,1,1,1,1,1,1,2]}}"), GAN_ERR_FORMAT, "argument 'shape' is not an array of 1 to 7 integers"},
    {"names-twice", ARCH(LINEAR_OK ",{\"kind\":\"ReLU\",\"name\":\"a\",\"init\":0,\"args\":{}},"
     "{\"kind\":\"ReLU\",\"name\":\"a\",\"init\":0,\"args\":{}}"),
     GAN_ERR_FORMAT, "layer 2: gan_model_add: the model already has a layer named 'a'"},
    {"tensors-disagree", ARCH(LINEAR("\"in_features\":2,\"out_features\":3,\"bias\":true")), GAN_ERR_FORMAT,
     "tensor '0.weight' has shape [2, 2] in the file and [3, 2] in its architecture"},
    {"tensor-unclaimed", ARCH(LINEAR("\"in_features\":2,\"out_features\":2,\"bias\":false")), GAN_ERR_FORMAT,
     "the file's tensor '0.bias' is not a parameter or buffer of its architecture"},
    {"input-shape-misfit", "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":[3],\"layers\":["
     LINEAR_OK "]}", GAN_ERR_FORMAT, "the input shape: model layer 0 (Linear): input [3] has 3 features"},
    {"input-shape-zero", "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":[0],\"layers\":[]}",
     GAN_ERR_FORMAT, "element 0 of 'input_shape' is not an integer >= 1"},
};

/* A libgan file holding tiny_model()'s tensors and `architecture` (a JSON text, put into
 * the metadata as a string), with a correct checksum. */
static void write_architecture_file(const char *path, const char *architecture)
{
    cJSON *text = cJSON_CreateString(architecture);
    char *quoted = cJSON_PrintUnformatted(text);
    size_t size = strlen(quoted) + 512;
    char *header = malloc(size);
    snprintf(header, size, "{\"__metadata__\":{\"libgan.architecture\":%s,\"libgan.version\":\"0.3.0\","
             "\"libgan.checksum\":\"crc32:00000000\"}," W_F32 "," B_F32 "}", quoted);
    write_st_file(path, header, strlen(header), hostile_data, 24);
    free(header);
    cJSON_free(quoted);
    cJSON_Delete(text);
}

static void architecture_errors_name_layer_and_key(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof architecture_cases / sizeof architecture_cases[0]; i++) {
        const architecture_case *c = &architecture_cases[i];
        char name[128];
        snprintf(name, sizeof name, "arch-%s.safetensors", c->name);
        const char *path = temp_path(name);
        write_architecture_file(path, c->json);
        char corpus_name[160];
        snprintf(corpus_name, sizeof corpus_name, "%s-arch-%s", c->status == GAN_OK ? "valid" : "bad", c->name);
        keep_for_corpus(path, corpus_name);
        long live = group_allocator.live;
        gan_model *model = (gan_model *)1;
        gan_status status = gan_model_load(&model, path);
        if (status != c->status)
            fail_msg("case %s: gan_model_load returned %s, expected %s; last error: %s", c->name,
                     gan_status_string(status), gan_status_string(c->status), gan_last_error());
        if (c->needle && !strstr(gan_last_error(), c->needle))
            fail_msg("case %s: the message \"%s\" does not mention \"%s\"", c->name, gan_last_error(),
                     c->needle);
        if (status == GAN_OK) {
            assert_non_null(model);
            assert_int_equal(gan_model_parameter_count(model), 6);
            gan_model_free(model);
        } else {
            assert_null(model);
        }
        assert_int_equal(group_allocator.live, live);
    }

    /* More layers than a file may ask for. */
    size_t count = 4097, size = count * 60 + 256;
    char *json = malloc(size);
    strcpy(json, "{\"format\":\"libgan-model\",\"version\":1,\"layers\":[");
    char *end = json + strlen(json);
    for (size_t i = 0; i < count; i++)
        end += sprintf(end, "%s{\"kind\":\"ReLU\",\"name\":\"\",\"init\":0,\"args\":{}}", i ? "," : "");
    strcpy(end, "]}");
    const char *path = temp_path("arch-many.safetensors");
    write_architecture_file(path, json);
    free(json);
    gan_model *model = NULL;
    assert_status(gan_model_load(&model, path), GAN_ERR_UNSUPPORTED);
    assert_error_mentions("4097 layers; libgan loads at most 4096");
}

/* ---- I/O failures ---------------------------------------------------------------------------- */

static void expect_unchanged_file(const char *path, const unsigned char *bytes, size_t count)
{
    size_t now;
    unsigned char *current = slurp(path, &now);
    assert_non_null(current);
    assert_int_equal(now, count);
    assert_memory_equal(current, bytes, count);
    free(current);
}

static void failed_saves_leave_the_old_file(void **state)
{
    (void)state;
    gan_model *model = image_model(true), *other = small_model();
    fill_model(model, 1);
    fill_model(other, 2);
    const char *path = temp_path("keep.safetensors");
    assert_status(gan_model_save(other, path), GAN_OK);
    size_t count;
    unsigned char *old = slurp(path, &count);

    /* A missing folder. */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/folder/m.safetensors", temp_dir);
    assert_status(gan_model_save(model, missing), GAN_ERR_IO);
    assert_error_mentions("gan_model_save: create '");
    assert_error_mentions("/no/such/folder/.m.safetensors.libgan-");
    assert_error_mentions("No such file or directory");

    /* The file system refuses the data half way (a file size limit: works as root too). */
    struct rlimit limit, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &limit), 0);
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    small = limit;
    small.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    gan_status status = gan_model_save(model, path);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    signal(SIGXFSZ, previous);
    assert_status(status, GAN_ERR_IO);
    assert_error_mentions("write '");
    assert_error_mentions("File too large");
    expect_unchanged_file(path, old, count);
    assert_int_equal(count_temporaries(temp_dir), 0);

    /* The rename fails: the target is a folder (not empty). */
    const char *folder = temp_path("target");
    assert_int_equal(mkdir(folder, 0755), 0);
    char inside[600];
    snprintf(inside, sizeof inside, "%s/x", folder);
    write_bytes(inside, "x", 1);
    assert_status(gan_model_save(model, folder), GAN_ERR_IO);
    assert_error_mentions("rename '");
    assert_error_mentions("Is a directory");
    assert_int_equal(count_temporaries(temp_dir), 0);
    struct stat info;
    assert_int_equal(stat(inside, &info), 0);

    /* A read-only folder (root may write anyway: then there is nothing to test). */
    const char *readonly = temp_path("readonly");
    assert_int_equal(mkdir(readonly, 0755), 0);
    char target[600];
    snprintf(target, sizeof target, "%s/m.safetensors", readonly);
    assert_status(gan_model_save(other, target), GAN_OK);
    unsigned char *kept = slurp(target, &count);
    assert_int_equal(chmod(readonly, 0555), 0);
    if (geteuid() != 0) {
        assert_status(gan_model_save(model, target), GAN_ERR_IO);
        assert_error_mentions("Permission denied");
        expect_unchanged_file(target, kept, count);
        assert_int_equal(count_temporaries(readonly), 0);
    }
    chmod(readonly, 0755);
    free(kept);

    /* A successful save replaces the file, and leaves no temporary. */
    assert_status(gan_model_save(model, path), GAN_OK);
    assert_int_equal(count_temporaries(temp_dir), 0);
    gan_model *loaded = NULL;
    assert_status(gan_model_load(&loaded, path), GAN_OK);
    expect_same_tensors(model, loaded);
    gan_model_free(loaded);

    free(old);
    gan_model_free(model);
    gan_model_free(other);
}

/* ---- allocation failures ------------------------------------------------------------------------ */

static void every_failed_allocation_is_survived(void **state)
{
    (void)state;
    gan_model *model = image_model(true);
    fill_model(model, 31);
    const char *path = temp_path("alloc.safetensors"), *other = temp_path("alloc-new.safetensors");
    assert_status(gan_model_save(model, path), GAN_OK);
    size_t count;
    unsigned char *bytes = slurp(path, &count);
    long baseline = group_allocator.live;

    /* Save over an existing file: each failure leaves it, and no temporary. */
    write_bytes(other, "old", 3);
    long k;
    for (k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_status status = gan_model_save(model, other);
        group_allocator.fail_at = 0;
        if (status == GAN_OK)
            break;
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        assert_int_equal(group_allocator.live, baseline);
        expect_unchanged_file(other, (const unsigned char *)"old", 3);
        assert_int_equal(count_temporaries(temp_dir), 0);
    }
    assert_true(k > 3);
    expect_unchanged_file(other, bytes, count);

    /* Load. */
    for (k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_model *loaded = (gan_model *)1;
        gan_status status = gan_model_load(&loaded, path);
        group_allocator.fail_at = 0;
        if (status == GAN_OK) {
            expect_same_tensors(model, loaded);
            gan_model_free(loaded);
            break;
        }
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        assert_null(loaded);
        assert_int_equal(group_allocator.live, baseline);
    }
    assert_true(k > 10);

    /* Load weights: the model is unchanged by each failure. */
    gan_model *fresh = image_model(true);
    size_t n_before, n_after;
    float *before = snapshot(fresh, &n_before);
    baseline = group_allocator.live;
    for (k = 1;; k++) {
        group_allocator.calls = 0;
        group_allocator.fail_at = k;
        gan_status status = gan_model_load_weights(fresh, path);
        group_allocator.fail_at = 0;
        if (status == GAN_OK)
            break;
        assert_status(status, GAN_ERR_OUT_OF_MEMORY);
        assert_int_equal(group_allocator.live, baseline);
        float *after = snapshot(fresh, &n_after);
        assert_memory_equal(before, after, n_before * sizeof(float));
        free(after);
    }
    expect_same_tensors(model, fresh);
    free(before);
    free(bytes);
    gan_model_free(fresh);
    gan_model_free(model);
}

/* ---- the seed corpus ------------------------------------------------------------------------------ */

static void the_seed_corpus_loads_or_fails_cleanly(void **state)
{
    (void)state;
    const char *dir = getenv("GAN_CORPUS_DIR") ? getenv("GAN_CORPUS_DIR") : "tests/corpus/safetensors";
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open the corpus %s: %s", dir, strerror(errno));
    int files = 0, valid = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        const char *name = e->d_name;
        size_t length = strlen(name);
        if (length < 12 || strcmp(name + length - 12, ".safetensors") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        long live = group_allocator.live;
        bool expect_ok = strncmp(name, "valid-", 6) == 0;
        gan_model *model = NULL;
        gan_status status = gan_model_load(&model, path);
        /* valid-* model files load; valid-* weights files (no architecture) load as weights. */
        if (expect_ok && status == GAN_ERR_UNSUPPORTED && strstr(gan_last_error(), "weights only")) {
            gan_model *tiny = tiny_model();
            status = gan_model_load_weights(tiny, path);
            gan_model_free(tiny);
        }
        if ((status == GAN_OK) != expect_ok)
            fail_msg("%s: %s (%s)", name, gan_status_string(status), gan_last_error());
        gan_model_free(model);
        assert_int_equal(group_allocator.live, live);
        files++;
        valid += expect_ok;
    }
    closedir(d);
    assert_true(files >= 20);
    assert_true(valid >= 3);
}

/* ---- PyTorch interop -------------------------------------------------------------------------------- */

/* Reads F32 tensor `name` of a small safetensors file (parsed here with cJSON, independently
 * of libgan) into out[count]. */
static void read_f32(const char *path, const char *name, float *out, size_t count)
{
    size_t size;
    unsigned char *bytes = slurp(path, &size);
    if (!bytes)
        fail_msg("cannot read %s (rerun tests/golden/make_io_golden.py?)", path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | bytes[i];
    assert_true(n <= size - 8);
    cJSON *root = cJSON_ParseWithLength((const char *)bytes + 8, (size_t)n);
    assert_non_null(root);
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(root, name);
    assert_non_null(entry);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(entry, "dtype")->valuestring, "F32");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    size_t begin = (size_t)offsets->child->valuedouble, end = (size_t)offsets->child->next->valuedouble;
    assert_int_equal(end - begin, count * sizeof(float));
    assert_true(8 + n + end <= size);
    memcpy(out, bytes + 8 + n + begin, count * sizeof(float));
    cJSON_Delete(root);
    free(bytes);
}

/* Writes F32 tensors to a safetensors file by hand (for the Python side to read). */
static void write_f32_file(const char *path, const char *name_a, int rank_a, const int64_t *shape_a,
                           const float *a, const char *name_b, int rank_b, const int64_t *shape_b,
                           const float *b)
{
    size_t na = 1, nb = 1;
    for (int i = 0; i < rank_a; i++)
        na *= (size_t)shape_a[i];
    for (int i = 0; i < rank_b; i++)
        nb *= (size_t)shape_b[i];
    char header[1024], dims_a[128] = "", dims_b[128] = "";
    for (int i = 0; i < rank_a; i++)
        snprintf(dims_a + strlen(dims_a), sizeof dims_a - strlen(dims_a), i ? ",%lld" : "%lld", (long long)shape_a[i]);
    for (int i = 0; i < rank_b; i++)
        snprintf(dims_b + strlen(dims_b), sizeof dims_b - strlen(dims_b), i ? ",%lld" : "%lld", (long long)shape_b[i]);
    snprintf(header, sizeof header, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[%s],\"data_offsets\":[0,%zu]},"
             "\"%s\":{\"dtype\":\"F32\",\"shape\":[%s],\"data_offsets\":[%zu,%zu]}}", name_a, dims_a,
             na * 4, name_b, dims_b, na * 4, (na + nb) * 4);
    while (strlen(header) % 8)
        strcat(header, " ");
    float *data = malloc((na + nb) * sizeof(float));
    memcpy(data, a, na * sizeof(float));
    memcpy(data + na, b, nb * sizeof(float));
    write_st_file(path, header, strlen(header), data, (na + nb) * sizeof(float));
    free(data);
}

enum { LATENT = 16, SAMPLES = 4, PIXELS = 28 * 28 };

/* make_io_golden.py's generator, built with the API (unnamed layers: "0.weight", ...). */
static gan_model *small_generator(void)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    ADD(model, gan_layer_dense(&layer_, LATENT, 7 * 7 * 8, 0), NULL, -1);
    ADD(model, gan_layer_batchnorm1d(&layer_, 7 * 7 * 8), NULL, -1);
    ADD(model, gan_layer_leaky_relu(&layer_, 0.3f), NULL, -1);
    ADD(model, gan_layer_reshape(&layer_, 3, (const int64_t[]){8, 7, 7}), NULL, -1);
    ADD(model, gan_layer_conv_transpose2d(&layer_, 8, 4, 5, 1, 2, 0, 0), NULL, -1);
    ADD(model, gan_layer_batchnorm2d(&layer_, 4), NULL, -1);
    ADD(model, gan_layer_leaky_relu(&layer_, 0.3f), NULL, -1);
    ADD(model, gan_layer_conv_transpose2d(&layer_, 4, 2, 5, 2, 2, 1, 0), NULL, -1);
    ADD(model, gan_layer_batchnorm2d(&layer_, 2), NULL, -1);
    ADD(model, gan_layer_leaky_relu(&layer_, 0.3f), NULL, -1);
    ADD(model, gan_layer_conv_transpose2d(&layer_, 2, 1, 5, 2, 2, 1, 0), NULL, -1);
    ADD(model, gan_layer_tanh(&layer_), NULL, -1);
    assert_status(gan_model_set_input_shape(model, 1, (const int64_t[]){LATENT}), GAN_OK);
    return model;
}

static float *generate(gan_model *model, const float *latent)
{
    gan_tensor *z = NULL;
    assert_status(gan_tensor_new(&z, 2, (const int64_t[]){SAMPLES, LATENT}), GAN_OK);
    memcpy(gan_tensor_data(z), latent, sizeof(float) * SAMPLES * LATENT);
    size_t count;
    float *images = eval_output(model, z, &count);
    assert_int_equal(count, SAMPLES * PIXELS);
    gan_tensor_free(z);
    return images;
}

static double max_difference(const float *a, const float *b, size_t count)
{
    double worst = 0;
    for (size_t i = 0; i < count; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst))
            worst = isnan(d) ? INFINITY : d;
    }
    return worst;
}

static void pytorch_weights_give_pytorch_images(void **state)
{
    (void)state;
    char weights[1024], samples[1024];
    snprintf(weights, sizeof weights, "%s/io_generator.safetensors", golden_dir());
    snprintf(samples, sizeof samples, "%s/io_generator_samples.safetensors", golden_dir());
    float latent[SAMPLES * LATENT], want[SAMPLES * PIXELS];
    read_f32(samples, "latent", latent, SAMPLES * LATENT);
    read_f32(samples, "images", want, SAMPLES * PIXELS);

    gan_model *model = small_generator();
    assert_status(gan_model_load_weights(model, weights), GAN_OK); /* with num_batches_tracked */
    float *images = generate(model, latent);
    double difference = max_difference(images, want, SAMPLES * PIXELS);
    if (difference > 1e-5)
        fail_msg("libgan's images differ from PyTorch's by %.3g", difference);
    free(images);

    /* (b) Change every weight (a fixed formula), save, and write the images libgan now
     * generates: make_io_golden.py --check loads the file into PyTorch (strict) and compares. */
    float *params = NULL;
    size_t count = 0;
    assert_status(gan_model_parameter_arrays(model, &params, NULL, &count), GAN_OK);
    for (size_t i = 0; i < count; i++)
        params[i] = params[i] * 1.25f + 0.01f * (float)sin((double)i);
    for (int b = 0; b < gan_model_named_buffer_count(model); b++) {
        gan_tensor *value = NULL;
        const char *name = NULL;
        assert_status(gan_model_named_buffer(model, b, &name, &value), GAN_OK);
        for (int64_t i = 0; i < gan_tensor_numel(value); i++)
            gan_tensor_data(value)[i] *= strstr(name, "running_var") ? 1.5f : 0.5f;
    }
    char written[1024], written_images[1024];
    snprintf(written, sizeof written, "%s/libgan_written.safetensors", program_dir);
    snprintf(written_images, sizeof written_images, "%s/libgan_written_images.safetensors", program_dir);
    assert_status(gan_model_save(model, written), GAN_OK);
    images = generate(model, latent);
    write_f32_file(written_images, "latent", 2, (const int64_t[]){SAMPLES, LATENT}, latent, "images", 4,
                   (const int64_t[]){SAMPLES, 1, 28, 28}, images);
    free(images);

    /* The committed copy of such a file (libgan 0.3.0) still loads and generates its images. */
    char committed[1024], committed_images[1024];
    snprintf(committed, sizeof committed, "%s/libgan_written.safetensors", golden_dir());
    snprintf(committed_images, sizeof committed_images, "%s/libgan_written_images.safetensors", golden_dir());
    gan_model *old = NULL;
    assert_status(gan_model_load(&old, committed), GAN_OK);
    read_f32(committed_images, "latent", latent, SAMPLES * LATENT);
    read_f32(committed_images, "images", want, SAMPLES * PIXELS);
    images = generate(old, latent);
    difference = max_difference(images, want, SAMPLES * PIXELS);
    if (difference > 1e-5)
        fail_msg("the committed libgan file generates images off by %.3g", difference);
    free(images);
    gan_model_free(old);
    gan_model_free(model);
}

/* ---- main ---------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    snprintf(temp_dir, sizeof temp_dir, "%s/libgan-io-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
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

int main(int argc, char **argv)
{
    (void)argc;
    const char *slash = strrchr(argv[0], '/');
    if (slash)
        snprintf(program_dir, sizeof program_dir, "%.*s", (int)(slash - argv[0]), argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_layer_kind_round_trips),
        cmocka_unit_test(a_model_without_input_shape_round_trips),
        cmocka_unit_test(weights_load_into_a_fresh_model),
        cmocka_unit_test(weights_must_match_the_model),
        cmocka_unit_test(hostile_headers_are_rejected),
        cmocka_unit_test(hostile_sizes_are_rejected),
        cmocka_unit_test(truncated_and_flipped_files_are_detected),
        cmocka_unit_test(architecture_errors_name_layer_and_key),
        cmocka_unit_test(failed_saves_leave_the_old_file),
        cmocka_unit_test(every_failed_allocation_is_survived),
        cmocka_unit_test(the_seed_corpus_loads_or_fails_cleanly),
        cmocka_unit_test(pytorch_weights_give_pytorch_images),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
