/*
 * The file parsers' rarer paths, white-box: this program links the static library (see
 * mk/coverage.mk) and calls the internal JSON, architecture and safetensors functions
 * directly, with what their callers inside libgan never pass today but a later caller or a
 * hostile file could. Also read errors, interrupted reads and files that shrink while they
 * are read, through the program's own read() and fstat(), which stand in front of the C
 * library's for libgan and zlib alike.
 *
 * tests/test_model_file.c, test_trainer_checkpoint.c, test_tampered_files.c and the data
 * set tests cover the same parsers through the public API; these are the cases they leave.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <float.h>
#include <sys/types.h>

#include "idx_test_support.h"
#include "io/architecture.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "safetensors_test_support.h"

/* ---- misbehaving system calls ----------------------------------------------------------- */

typedef enum read_fault { READ_ERROR, READ_INTERRUPTED, READ_SHRUNK } read_fault;

static struct {
    int countdown;     /* the read() call that misbehaves: 1 = the next one; 0 = none */
    read_fault fault;
    const char *path;  /* READ_SHRUNK: this file is cut to `length` bytes before the read */
    off_t length;
    bool fstat_fails;  /* the next fstat() fails */
    int injected;
} faults;

static void *next_symbol(const char *name)
{
    void *symbol = dlsym(RTLD_NEXT, name);
    if (!symbol)
        abort();
    return symbol;
}

ssize_t read(int fd, void *buffer, size_t count)
{
    static ssize_t (*real_read)(int, void *, size_t);
    if (!real_read) {
        void *symbol = next_symbol("read");
        memcpy(&real_read, &symbol, sizeof real_read);
    }
    if (faults.countdown > 0 && --faults.countdown == 0) {
        faults.injected++;
        if (faults.fault != READ_SHRUNK) {
            errno = faults.fault == READ_ERROR ? EIO : EINTR;
            return -1;
        }
        if (truncate(faults.path, faults.length) != 0)
            return -1;
    }
    return real_read(fd, buffer, count);
}

int fstat(int fd, struct stat *info)
{
    static int (*real_fstat)(int, struct stat *);
    if (!real_fstat) {
        void *symbol = next_symbol("fstat");
        memcpy(&real_fstat, &symbol, sizeof real_fstat);
    }
    if (faults.fstat_fails) {
        faults.fstat_fails = false;
        faults.injected++;
        errno = EOVERFLOW;
        return -1;
    }
    return real_fstat(fd, info);
}

static void fail_read(int call, read_fault fault)
{
    faults.countdown = call;
    faults.fault = fault;
}

static void shrink_at_read(int call, const char *path, off_t length)
{
    fail_read(call, READ_SHRUNK);
    faults.path = path;
    faults.length = length;
}

/* The injected fault happened (the countdown ran out). */
static void expect_fault_used(void)
{
    assert_int_equal(faults.countdown, 0);
    assert_false(faults.fstat_fails);
}

/* ---- JSON: the text builder and the checked parse (io/json.c) ----------------------------- */

static cJSON *parse_ok(const char *text, size_t length)
{
    cJSON *root = NULL;
    assert_status(gan__json_parse(text, length, &root, "test", "the text"), GAN_OK);
    assert_non_null(root);
    return root;
}

/* Strings with everything the writer escapes come back from the parser unchanged. */
static void json_strings_round_trip(void **state)
{
    (void)state;
    static const char *const strings[] = {
        "", "plain", "quote \" and backslash \\ and slash /", "newline\n, tab\t, return\r",
        "controls \x01\x02\x1f and delete \x7f", "UTF-8 na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80",
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        gan_text text = {0};
        gan__text_puts(&text, "{\"s\":");
        gan__text_json_string(&text, strings[i]);
        gan__text_puts(&text, "}");
        assert_status(gan__text_status(&text), GAN_OK);
        for (size_t k = 0; k < text.length; k++)
            assert_true((unsigned char)text.data[k] >= 0x20);  /* no raw control character */
        cJSON *root = parse_ok(text.data, text.length);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "s")->valuestring, strings[i]);
        cJSON_Delete(root);
        gan__text_free(&text);
    }
    gan_text text = {0};
    gan__text_json_string(&text, "\x01\n");
    assert_string_equal(text.data, "\"\\u0001\\n\"");
    gan__text_free(&text);
}

/* Doubles come back bit for bit, whatever their form: fraction, exponent, integer, sign. */
static void json_doubles_round_trip(void **state)
{
    (void)state;
    const double values[] = {0.0, -0.0, 0.1, -2.5, 1.0 / 3.0, 1e300, -1e-300, 5e-324, DBL_MAX,
                             (double)FLT_MAX, 123456789.0, 1e21, 1e-7, 0.5f};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        gan_text text = {0};
        gan__text_json_double(&text, values[i]);
        assert_status(gan__text_status(&text), GAN_OK);
        assert_int_equal(strspn(text.data, "-0123456789.e+"), text.length);
        double back = strtod(text.data, NULL);
        assert_memory_equal(&back, &values[i], sizeof back);
        gan__text_free(&text);
    }
}

typedef struct utf8_case {
    const char *bytes;
    bool valid;
} utf8_case;

static const utf8_case utf8_cases[] = {
    {"a\xc3\xa9", true},              /* U+00E9 */
    {"\xe2\x82\xac", true},           /* U+20AC */
    {"\xed\x9f\xbf", true},           /* U+D7FF, below the surrogates */
    {"\xee\x80\x80", true},           /* U+E000, above them */
    {"\xf0\x9f\x98\x80", true},       /* U+1F600 */
    {"\xf4\x8f\xbf\xbf", true},       /* U+10FFFF, the last code point */
    {"\xc3", false},                  /* truncated at the end: 2 bytes */
    {"\xe2\x82", false},              /* 3 bytes */
    {"\xf0\x9f\x98", false},          /* 4 bytes */
    {"\x80", false},                  /* a lone continuation byte */
    {"\xc1\xbf", false},              /* overlong 2-byte lead */
    {"\xe0\x80\xaf", false},          /* overlong 3-byte form of '/' */
    {"\xf0\x80\x80\xaf", false},      /* overlong 4-byte form */
    {"\xed\xa0\x80", false},          /* U+D800, a surrogate */
    {"\xed\xbf\xbf", false},          /* U+DFFF */
    {"\xf4\x90\x80\x80", false},      /* U+110000, past the last code point */
    {"\xf5\x80\x80\x80", false},      /* a lead byte that never occurs */
    {"\xc3\x28", false},              /* a lead byte without its continuation */
};

/* The validator, and the parser that runs it over the whole text first. */
static void utf8_is_checked(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        const utf8_case *c = &utf8_cases[i];
        if (gan__utf8_valid((const unsigned char *)c->bytes, strlen(c->bytes)) != c->valid)
            fail_msg("utf8 case %zu: expected %s", i, c->valid ? "valid" : "invalid");
        char text[64];
        snprintf(text, sizeof text, "[\"%s\"]", c->bytes);
        cJSON *root = NULL;
        gan_status status = gan__json_parse(text, strlen(text), &root, "test", "the text");
        assert_int_equal(status, c->valid ? GAN_OK : GAN_ERR_FORMAT);
        if (!c->valid)
            assert_error_mentions("test: the text is not valid UTF-8");
        cJSON_Delete(root);
    }
    /* The length counts, not a NUL: a character cut by the length is invalid. */
    assert_false(gan__utf8_valid((const unsigned char *)"\xe2\x82\xac", 2));
}

typedef struct parse_case {
    const char *text;
    gan_status status;
    const char *needle;
} parse_case;

static const parse_case parse_cases[] = {
    {" \t\r\n{ \"a\" :\n\t[1 ,\r2] }\r\n \t", GAN_OK, NULL},  /* every kind of whitespace */
    {"{\"a\":\"say \\\"hi\\\" \\\\\"}", GAN_OK, NULL},       /* escapes do not end the string */
    {"{\"a\":\"\\u0041\\u00e9\\ud83d\\ude00\"}", GAN_OK, NULL},
    {"{\"a\":\"x\ty\"}", GAN_ERR_FORMAT, "has a control character (0x09) at byte 7"},
    {"{\x01}", GAN_ERR_FORMAT, "has a control character (0x01) at byte 1"},
    {"{\"a\":1}\x0b", GAN_ERR_FORMAT, "control character (0x0b)"},
    {"{\"a\":\"\\u0000\"}", GAN_ERR_FORMAT, "has a \\u0000 escape at byte 6"},
    {"{\"a\":\"\\u000", GAN_ERR_FORMAT, "is not valid JSON"},  /* cut inside the escape */
    {"{\"a\":\"\\", GAN_ERR_FORMAT, "is not valid JSON"},
    {"{} {}", GAN_ERR_FORMAT, "has more than one JSON value (byte 3)"},
    {"", GAN_ERR_FORMAT, "is not valid JSON (error at byte 0 of 0)"},
};

static void json_parse_checks_the_text_first(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *c = &parse_cases[i];
        cJSON *root = (cJSON *)1;
        gan_status status = gan__json_parse(c->text, strlen(c->text), &root, "test", "the text");
        expect_case(c->text, status, c->status, c->needle);
        if (status == GAN_OK)
            assert_non_null(root);
        else
            assert_null(root);
        cJSON_Delete(root);
    }
    /* The parse stops at the length given, not at a NUL. */
    cJSON *root = parse_ok("[1]garbage", 3);
    cJSON_Delete(root);
}

typedef struct integer_case {
    const char *json;
    bool exact;
    int64_t value;
} integer_case;

static const integer_case integer_cases[] = {
    {"9007199254740992", true, INT64_C(9007199254740992)},     /* 2^53 */
    {"-9007199254740992", true, -INT64_C(9007199254740992)},
    {"-0", true, 0},
    {"1e3", true, 1000},
    {"9007199254740994", false, 0},
    {"-9007199254740994", false, 0},
    {"-1e300", false, 0},
    {"0.5", false, 0},
    {"\"1\"", false, 0},
    {"true", false, 0},
    {"null", false, 0},
};

static void json_integers_are_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof integer_cases / sizeof integer_cases[0]; i++) {
        const integer_case *c = &integer_cases[i];
        char text[64];
        snprintf(text, sizeof text, "[%s]", c->json);
        cJSON *root = parse_ok(text, strlen(text));
        int64_t value = -12345;
        if (gan__json_integer(root->child, &value) != c->exact)
            fail_msg("integer case %s: expected %s", c->json, c->exact ? "exact" : "refused");
        assert_int_equal(value, c->exact ? c->value : -12345);
        cJSON_Delete(root);
    }
    assert_false(gan__json_integer(NULL, &(int64_t){0}));
}

/* ---- architectures (io/architecture.c) --------------------------------------------------- */

#define ARCH(shape, layers) "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":" shape \
                            ",\"layers\":[" layers "]}"
#define LAYER(kind, args) "{\"kind\":\"" kind "\",\"name\":\"\",\"init\":0,\"args\":{" args "}}"
#define NORM_ARGS "\"momentum\":0.1,\"eps\":1e-05,\"affine\":true"

/* One layer of each kind; the constructors' own argument checks apply, the chain does not. */
#define EVERY_KIND                                                                              \
    LAYER("Linear", "\"in_features\":4,\"out_features\":3,\"bias\":true") ","                    \
    LAYER("Conv2d", "\"in_channels\":1,\"out_channels\":2,\"kernel_size\":3,\"stride\":1,"       \
                    "\"padding\":1,\"bias\":false") ","                                         \
    LAYER("ConvTranspose2d", "\"in_channels\":2,\"out_channels\":1,\"kernel_size\":4,"           \
                             "\"stride\":2,\"padding\":1,\"output_padding\":0,\"bias\":true") "," \
    LAYER("BatchNorm1d", "\"num_features\":3," NORM_ARGS) ","                                   \
    LAYER("BatchNorm2d", "\"num_features\":2," NORM_ARGS) ","                                   \
    LAYER("LayerNorm", "\"normalized_shape\":[2,4],\"eps\":1e-05,\"affine\":false") ","         \
    LAYER("ReLU", "") "," LAYER("LeakyReLU", "\"negative_slope\":-0.25") ","                   \
    LAYER("Tanh", "") "," LAYER("Sigmoid", "") "," LAYER("Dropout", "\"p\":0.5") ","         \
    LAYER("Flatten", "") "," LAYER("Reshape", "\"shape\":[2,2]") ","                           \
    LAYER("Upsample", "\"scale_factor\":2") ","                                                \
    LAYER("MaxPool2d", "\"kernel_size\":2,\"stride\":2,\"padding\":0") ","                     \
    LAYER("AvgPool2d", "\"kernel_size\":3,\"stride\":1,\"padding\":1") ","                     \
    LAYER("Embedding", "\"num_embeddings\":10,\"embedding_dim\":4")

static const char *const every_kind[] = {
    "Linear", "Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "ReLU",
    "LeakyReLU", "Tanh", "Sigmoid", "Dropout", "Flatten", "Reshape", "Upsample", "MaxPool2d",
    "AvgPool2d", "Embedding",
};

static void every_layer_kind_is_read(void **state)
{
    (void)state;
    gan_architecture architecture;
    assert_status(gan__architecture_read(ARCH("[1,8,8]", EVERY_KIND), &architecture, "test"),
                  GAN_OK);
    assert_int_equal(architecture.layer_count, sizeof every_kind / sizeof every_kind[0]);
    for (int i = 0; i < architecture.layer_count; i++)
        assert_string_equal(gan_layer_kind(architecture.layers[i]), every_kind[i]);
    assert_true(architecture.has_input_shape);
    assert_int_equal(architecture.input_shape.rank, 3);
    /* The options came through the setters. */
    float momentum = 0.0f;
    int64_t affine = -1;
    assert_status(gan_layer_get_float(architecture.layers[3], GAN_LAYER_MOMENTUM, &momentum), GAN_OK);
    assert_true(momentum == 0.1f);
    assert_status(gan_layer_get_int(architecture.layers[5], GAN_LAYER_AFFINE, &affine), GAN_OK);
    assert_int_equal(affine, 0);
    gan__architecture_free(&architecture);
    assert_int_equal(architecture.layer_count, 0);
}

typedef struct architecture_case {
    const char *name, *json;
    gan_status status;
    const char *needle;
} architecture_case;

#define ONE(kind, args) ARCH("null", LAYER(kind, args))

static const architecture_case architecture_cases[] = {
    {"format-missing", "{\"version\":1,\"layers\":[]}", GAN_ERR_FORMAT, "'format' is not \"libgan-model\""},
    {"input-shape-number", ARCH("5", ""), GAN_ERR_FORMAT,
     "'input_shape' is not null or an array of 1 to 7 integers"},
    {"input-shape-rank-8", ARCH("[1,1,1,1,1,1,1,1]", ""), GAN_ERR_FORMAT,
     "'input_shape' is not null or an array"},
    {"input-shape-string", ARCH("[1,\"2\"]", ""), GAN_ERR_FORMAT,
     "element 1 of 'input_shape' is not an integer >= 1"},
    {"entry-number", ARCH("null", "5"), GAN_ERR_FORMAT, "layer 0 (?): the entry is not an object"},
    {"name-number", ARCH("null", "{\"kind\":\"ReLU\",\"name\":5,\"init\":0,\"args\":{}}"),
     GAN_ERR_FORMAT, "layer 0 (ReLU): 'name' is missing or not a string"},
    {"init-string", ARCH("null", "{\"kind\":\"ReLU\",\"name\":\"\",\"init\":\"0\",\"args\":{}}"),
     GAN_ERR_FORMAT, "'init' is missing or not 0, 1 or 2"},
    {"init-negative", ARCH("null", "{\"kind\":\"ReLU\",\"name\":\"\",\"init\":-1,\"args\":{}}"),
     GAN_ERR_FORMAT, "'init' is missing or not 0, 1 or 2"},
    {"conv-padding-missing", ONE("Conv2d", "\"in_channels\":1,\"out_channels\":2,\"kernel_size\":3,"
     "\"stride\":1,\"bias\":true"), GAN_ERR_FORMAT, "layer 0 (Conv2d): argument 'padding' is missing"},
    {"convt-output-padding-missing", ONE("ConvTranspose2d", "\"in_channels\":1,\"out_channels\":2,"
     "\"kernel_size\":3,\"stride\":1,\"padding\":0,\"bias\":true"), GAN_ERR_FORMAT,
     "argument 'output_padding' is missing"},
    {"batchnorm-features-missing", ONE("BatchNorm2d", NORM_ARGS), GAN_ERR_FORMAT,
     "layer 0 (BatchNorm2d): argument 'num_features' is missing"},
    {"batchnorm-eps-missing", ONE("BatchNorm1d", "\"num_features\":3,\"momentum\":0.1,\"affine\":true"),
     GAN_ERR_FORMAT, "argument 'eps' is missing"},
    {"batchnorm-momentum-string", ONE("BatchNorm1d", "\"num_features\":3,\"momentum\":\"0.1\","
     "\"eps\":1e-05,\"affine\":true"), GAN_ERR_FORMAT,
     "argument 'momentum' is not a number in the range of float"},
    {"layernorm-shape-missing", ONE("LayerNorm", "\"eps\":1e-05,\"affine\":true"), GAN_ERR_FORMAT,
     "argument 'normalized_shape' is missing"},
    {"layernorm-shape-number", ONE("LayerNorm", "\"normalized_shape\":4,\"eps\":1e-05,\"affine\":true"),
     GAN_ERR_FORMAT, "argument 'normalized_shape' is not an array of 1 to 7 integers"},
    {"layernorm-shape-empty", ONE("LayerNorm", "\"normalized_shape\":[],\"eps\":1e-05,\"affine\":true"),
     GAN_ERR_FORMAT, "argument 'normalized_shape' is not an array"},
    {"layernorm-shape-string", ONE("LayerNorm", "\"normalized_shape\":[4,\"x\"],\"eps\":1e-05,"
     "\"affine\":true"), GAN_ERR_FORMAT, "element 1 of argument 'normalized_shape' is not an integer"},
    {"layernorm-arg-unknown", ONE("LayerNorm", "\"normalized_shape\":[4],\"eps\":1e-05,\"affine\":true,"
     "\"elementwise_affine\":true"), GAN_ERR_UNSUPPORTED, "unknown argument 'elementwise_affine'"},
    {"reshape-arg-unknown", ONE("Reshape", "\"shape\":[4],\"dims\":[4]"), GAN_ERR_UNSUPPORTED,
     "layer 0 (Reshape): unknown argument 'dims'"},
    {"leaky-slope-below-float", ONE("LeakyReLU", "\"negative_slope\":-1e39"), GAN_ERR_FORMAT,
     "argument 'negative_slope' is not a number in the range of float"},
    {"dropout-p-missing", ONE("Dropout", ""), GAN_ERR_FORMAT, "layer 0 (Dropout): argument 'p' is missing"},
    {"upsample-scale-missing", ONE("Upsample", ""), GAN_ERR_FORMAT, "argument 'scale_factor' is missing"},
    {"maxpool-stride-missing", ONE("MaxPool2d", "\"kernel_size\":2,\"padding\":0"), GAN_ERR_FORMAT,
     "layer 0 (MaxPool2d): argument 'stride' is missing"},
    {"avgpool-padding-fraction", ONE("AvgPool2d", "\"kernel_size\":2,\"stride\":2,\"padding\":0.5"),
     GAN_ERR_FORMAT, "argument 'padding' is not an integer"},
    {"embedding-dim-missing", ONE("Embedding", "\"num_embeddings\":10"), GAN_ERR_FORMAT,
     "layer 0 (Embedding): argument 'embedding_dim' is missing"},
    {"embedding-count-zero", ONE("Embedding", "\"num_embeddings\":0,\"embedding_dim\":4"),
     GAN_ERR_FORMAT, "layer 0 (Embedding): gan_layer_embedding"},
    {"second-layer-bad", ARCH("null", LAYER("ReLU", "") "," LAYER("Tanh", "\"x\":1")),
     GAN_ERR_UNSUPPORTED, "layer 1 (Tanh): unknown argument 'x'"},
};

static void architecture_errors_name_the_layer_and_argument(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof architecture_cases / sizeof architecture_cases[0]; i++) {
        const architecture_case *c = &architecture_cases[i];
        long live = group_allocator.live;
        gan_architecture architecture;
        gan_status status = gan__architecture_read(c->json, &architecture, "test");
        expect_case(c->name, status, c->status, c->needle);
        assert_int_equal(architecture.layer_count, 0);
        assert_null(architecture.layers);
        assert_int_equal(group_allocator.live, live);
    }
}

/* ---- safetensors: what the writer refuses (io/safetensors.c) ------------------------------ */

static const float four[4] = {1.0f, 2.0f, 3.0f, 4.0f};
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define F32_2X2(name) {name, GAN_ST_F32, 2, SHAPE(2, 2), four}
#define X16 "xxxxxxxxxxxxxxxx"
#define NAME_256 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16

typedef struct write_case {
    const char *name;
    gan_st_tensor_in tensors[3];
    size_t tensor_count;
    gan_st_meta_in metadata[2];
    size_t metadata_count;
    bool null_tensors, null_metadata;
    gan_status status;
    const char *needle;
} write_case;

static const write_case write_cases[] = {
    {"tensors-null", {F32_2X2("w")}, 1, {{NULL, NULL}}, 0, true, false, GAN_ERR_INVALID_ARGUMENT,
     "write: 'tensors' is NULL"},
    {"metadata-null", {F32_2X2("w")}, 1, {{"k", "v"}}, 1, false, true, GAN_ERR_INVALID_ARGUMENT,
     "write: 'metadata' is NULL"},
    {"name-null", {F32_2X2(NULL)}, 1, {{NULL, NULL}}, 0, false, false, GAN_ERR_INVALID_ARGUMENT,
     "tensor 0 has no name"},
    {"name-empty", {F32_2X2("")}, 1, {{NULL, NULL}}, 0, false, false, GAN_ERR_INVALID_ARGUMENT,
     "the name '' (0 bytes) is not 1 to 255 bytes of UTF-8 other than \"__metadata__\""},
    {"name-256", {F32_2X2(NAME_256)}, 1, {{NULL, NULL}}, 0, false, false, GAN_ERR_INVALID_ARGUMENT,
     "(256 bytes) is not 1 to 255 bytes"},
    {"name-metadata", {F32_2X2("__metadata__")}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "the name '__metadata__'"},
    {"name-utf8", {F32_2X2("w\xff")}, 1, {{NULL, NULL}}, 0, false, false, GAN_ERR_INVALID_ARGUMENT,
     "is not 1 to 255 bytes of UTF-8"},
    {"dtype-past-end", {{"w", GAN_ST_DTYPE_COUNT, 0, NULL, four}}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "tensor 'w' has an unknown dtype 15"},
    {"dtype-negative", {{"w", (gan_st_dtype)-1, 0, NULL, four}}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "tensor 'w' has an unknown dtype -1"},
    {"rank-negative", {{"w", GAN_ST_F32, -1, NULL, four}}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "tensor 'w' has rank -1 (0 to 8, with a shape)"},
    {"rank-9", {{"w", GAN_ST_F32, 9, SHAPE(1, 1, 1, 1, 1, 1, 1, 1, 1), four}}, 1, {{NULL, NULL}}, 0,
     false, false, GAN_ERR_INVALID_ARGUMENT, "has rank 9"},
    {"shape-null", {{"w", GAN_ST_F32, 2, NULL, four}}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "has rank 2 (0 to 8, with a shape)"},
    {"dimension-negative", {{"w", GAN_ST_F32, 2, SHAPE(2, -2), four}}, 1, {{NULL, NULL}}, 0, false,
     false, GAN_ERR_INVALID_ARGUMENT, "tensor 'w': dimension 1 is -2"},
    {"numel-overflow", {{"w", GAN_ST_F32, 2, SHAPE(INT64_C(1) << 62, 4), four}}, 1, {{NULL, NULL}}, 0,
     false, false, GAN_ERR_OVERFLOW, "tensor 'w': the size of the data overflows"},
    {"bytes-overflow", {{"w", GAN_ST_F64, 1, SHAPE(INT64_C(1) << 61), four}}, 1, {{NULL, NULL}}, 0,
     false, false, GAN_ERR_OVERFLOW, "the size of the data overflows"},
    {"sum-overflow", {{"a", GAN_ST_F64, 1, SHAPE(INT64_C(1) << 60), four},
                      {"b", GAN_ST_F64, 1, SHAPE(INT64_C(1) << 60), four}}, 2, {{NULL, NULL}}, 0,
     false, false, GAN_ERR_OVERFLOW, "tensor 'b': the size of the data overflows"},
    {"data-null", {{"w", GAN_ST_F32, 2, SHAPE(2, 2), NULL}}, 1, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "tensor 'w' has 16 bytes but no data"},
    {"key-null", {F32_2X2("w")}, 1, {{NULL, "v"}}, 1, false, false, GAN_ERR_INVALID_ARGUMENT,
     "metadata entry 0 has a NULL key"},
    {"value-null", {F32_2X2("w")}, 1, {{"k", "v"}, {"k2", NULL}}, 2, false, false,
     GAN_ERR_INVALID_ARGUMENT, "metadata entry 1 has a NULL value"},
    {"key-checksum", {F32_2X2("w")}, 1, {{"libgan.checksum", "crc32:00000000"}}, 1, false, false,
     GAN_ERR_INVALID_ARGUMENT, "the metadata key \"libgan.checksum\" is the writer's"},
    {"key-version", {F32_2X2("w")}, 1, {{"libgan.version", "9"}}, 1, false, false,
     GAN_ERR_INVALID_ARGUMENT, "the metadata key \"libgan.version\" is the writer's"},
    {"key-utf8", {F32_2X2("w")}, 1, {{"k\xc3", "v"}}, 1, false, false, GAN_ERR_INVALID_ARGUMENT,
     "is not valid UTF-8"},
    {"value-utf8", {F32_2X2("w")}, 1, {{"k", "\xed\xa0\x80"}}, 1, false, false,
     GAN_ERR_INVALID_ARGUMENT, "metadata entry 'k' is not valid UTF-8"},
    {"names-twice", {F32_2X2("w"), F32_2X2("w")}, 2, {{NULL, NULL}}, 0, false, false,
     GAN_ERR_INVALID_ARGUMENT, "two tensors are named 'w'"},
    {"names-twice-first", {F32_2X2("a"), F32_2X2("a"), F32_2X2("b")}, 3, {{NULL, NULL}}, 0, false,
     false, GAN_ERR_INVALID_ARGUMENT, "two tensors are named 'a'"},
    {"keys-twice", {F32_2X2("w")}, 1, {{"k", "1"}, {"k", "2"}}, 2, false, false,
     GAN_ERR_INVALID_ARGUMENT, "the metadata key 'k' is given twice"},
};

static void the_writer_refuses_bad_arguments(void **state)
{
    (void)state;
    const char *path = temp_path("refused.safetensors");
    for (size_t i = 0; i < sizeof write_cases / sizeof write_cases[0]; i++) {
        const write_case *c = &write_cases[i];
        long live = group_allocator.live;
        gan_status status = gan__st_write(path, c->null_tensors ? NULL : c->tensors, c->tensor_count,
                                          c->null_metadata ? NULL : c->metadata, c->metadata_count,
                                          "write");
        expect_case(c->name, status, c->status, c->needle);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(count_temporaries(temp_dir), 0);
        assert_int_equal(group_allocator.live, live);
    }
    assert_status(gan__st_write(NULL, NULL, 0, NULL, 0, "write"), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("write: 'path' is NULL");
    assert_status(gan__st_write("", NULL, 0, NULL, 0, "write"), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("does not name a file");
    /* The dtype helpers outside the table. */
    assert_string_equal(gan__st_dtype_name(GAN_ST_DTYPE_COUNT), "?");
    assert_int_equal(gan__st_dtype_size(GAN_ST_DTYPE_COUNT), 0);
    assert_string_equal(gan__st_dtype_name(GAN_ST_BF16), "BF16");
    assert_int_equal(gan__st_dtype_size(GAN_ST_U64), 8);
}

/* ---- safetensors: what the writer writes, the reader reads -------------------------------- */

static const char awkward_value[] = "quote \" backslash \\ newline \n tab \t return \r control \x01"
                                    " na\xc3\xafve \xe2\x82\xac";

/* Every dtype (names and sizes from the table), empty tensors at the same offset as a
 * non-empty one, a scalar without a shape, metadata that needs escaping: all come back. */
static void every_dtype_and_odd_shapes_round_trip(void **state)
{
    (void)state;
    enum { EXTRA = 3, COUNT = GAN_ST_DTYPE_COUNT + EXTRA };
    unsigned char bytes[GAN_ST_DTYPE_COUNT][3 * 8];
    gan_st_tensor_in tensors[COUNT];
    const float scalar = 2.5f;
    const int64_t three[1] = {3}; /* outlives the loop, unlike a compound literal in it */
    tensors[0] = (gan_st_tensor_in){"empty", GAN_ST_F32, 2, SHAPE(0, 3), NULL};
    tensors[1] = (gan_st_tensor_in){"empty.too", GAN_ST_I64, 1, SHAPE(0), NULL};
    tensors[2] = (gan_st_tensor_in){"scalar", GAN_ST_F32, 0, NULL, &scalar};
    for (int d = 0; d < GAN_ST_DTYPE_COUNT; d++) {
        for (size_t k = 0; k < sizeof bytes[d]; k++)
            bytes[d][k] = (unsigned char)(d * 16 + (int)k);
        tensors[EXTRA + d] = (gan_st_tensor_in){gan__st_dtype_name((gan_st_dtype)d), (gan_st_dtype)d,
                                                1, three, bytes[d]};
    }
    const gan_st_meta_in metadata[2] = {{"note", awkward_value}, {"k\"\\\n", "v"}};
    const char *path = temp_path("dtypes.safetensors");
    assert_status(gan__st_write(path, tensors, COUNT, metadata, 2, "write"), GAN_OK);

    gan_st_file *file = NULL;
    assert_status(gan__st_read(&file, path, "read"), GAN_OK);
    assert_int_equal(gan__st_tensor_count(file), COUNT);
    for (size_t i = 0; i < COUNT; i++) {
        const gan_st_tensor *t = gan__st_tensor_at(file, i);
        assert_string_equal(t->name, tensors[i].name);
        assert_ptr_equal(gan__st_find(file, t->name), t);
        assert_int_equal(t->dtype, tensors[i].dtype);
        assert_int_equal(t->rank, tensors[i].rank);
        if (t->rank > 0)
            assert_memory_equal(t->shape, tensors[i].shape, (size_t)t->rank * sizeof(int64_t));
        assert_int_equal(t->nbytes, (size_t)t->numel * gan__st_dtype_size(t->dtype));
        if (t->nbytes)
            assert_memory_equal(t->data, tensors[i].data, t->nbytes);
    }
    assert_int_equal(gan__st_tensor_at(file, 0)->numel, 0);
    assert_int_equal(gan__st_tensor_at(file, 2)->numel, 1);
    assert_null(gan__st_tensor_at(file, COUNT));
    assert_null(gan__st_find(file, "absent"));
    assert_string_equal(gan__st_metadata(file, "note"), awkward_value);
    assert_string_equal(gan__st_metadata(file, "k\"\\\n"), "v");
    assert_non_null(gan__st_metadata(file, GAN_ST_CHECKSUM_KEY));
    assert_string_equal(gan__st_metadata(file, GAN_ST_VERSION_KEY), gan_version_string());
    assert_int_equal(gan__st_metadata_count(file), 4);
    const char *key, *value;
    gan__st_metadata_at(file, 0, &key, &value);
    assert_string_equal(key, "note");
    assert_string_equal(gan__st_path(file), path);
    assert_string_equal(gan__st_function(file), "read");

    /* gan__st_expect: each way a tensor can differ from what a caller expects. */
    const gan_st_tensor *found = (const gan_st_tensor *)1;
    assert_status(gan__st_expect(file, "absent", GAN_ST_F32, 0, NULL, &found), GAN_ERR_NOT_FOUND);
    assert_null(found);
    assert_error_mentions("read: '");
    assert_error_mentions("': the file has no tensor 'absent'");
    assert_status(gan__st_expect(file, "F64", GAN_ST_F32, 1, SHAPE(3), &found), GAN_ERR_UNSUPPORTED);
    assert_error_mentions("tensor 'F64' is F64; F32 is expected");
    assert_status(gan__st_expect(file, "F32", GAN_ST_F32, 2, SHAPE(3, 1), &found), GAN_ERR_SHAPE);
    assert_error_mentions("tensor 'F32' has shape [3]; [3, 1] is expected");
    assert_status(gan__st_expect(file, "empty", GAN_ST_F32, 2, SHAPE(0, 4), &found), GAN_ERR_SHAPE);
    assert_error_mentions("has shape [0, 3]; [0, 4] is expected");
    assert_status(gan__st_expect(file, "scalar", GAN_ST_F32, 1, SHAPE(1), &found), GAN_ERR_SHAPE);
    assert_error_mentions("has shape []; [1] is expected");
    assert_status(gan__st_expect(file, "scalar", GAN_ST_F32, 0, NULL, &found), GAN_OK);
    assert_ptr_equal(found, gan__st_find(file, "scalar"));
    gan__st_free(file);
    gan__st_free(NULL);

    /* Only empty tensors: no data section at all. */
    assert_status(gan__st_write(path, tensors, 2, NULL, 0, "write"), GAN_OK);
    assert_status(gan__st_read(&file, path, "read"), GAN_OK);
    assert_int_equal(gan__st_tensor_count(file), 2);
    assert_null(gan__st_tensor_at(file, 0)->data);
    assert_null(gan__st_tensor_at(file, 1)->data);
    gan__st_free(file);

    gan_st_file *untouched = (gan_st_file *)1;
    assert_status(gan__st_read(NULL, path, "read"), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("read: 'out' is NULL");
    assert_status(gan__st_read(&untouched, NULL, "read"), GAN_ERR_INVALID_ARGUMENT);
    assert_error_mentions("read: 'path' is NULL");
    assert_null(untouched);
}

/* ---- safetensors: hostile headers the other tests do not write ------------------------------ */

#define W "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}"
#define META(entries) "\"__metadata__\":{" entries "}"
#define SUM "\"libgan.checksum\":\"crc32:00000000\""

typedef struct header_case {
    const char *name, *header;
    size_t data_size;  /* bytes of `four` after the header */
    gan_status status;
    const char *needle;
} header_case;

static const header_case header_cases[] = {
    {"smallest", "{}", 0, GAN_OK, NULL},
    {"offsets-number", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":16}}", 0, GAN_ERR_FORMAT,
     "the data_offsets of tensor 'w' are not an array [begin, end]"},
    {"offsets-one", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16]}}", 0, GAN_ERR_FORMAT,
     "are not an array [begin, end]"},
    {"end-negative", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,-16]}}",
     0, GAN_ERR_FORMAT, "the data_offsets of tensor 'w' are not integers >= 0"},
    {"begin-fraction", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0.5,16]}}",
     0, GAN_ERR_FORMAT, "are not integers >= 0"},
    {"name-255", "{\"" X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16
     "xxxxxxxxxxxxxxx\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, GAN_OK, NULL},
    {"dtype-lowercase", "{\"w\":{\"dtype\":\"f32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
     16, GAN_ERR_FORMAT, "tensor 'w' has an unknown dtype \"f32\""},
    /* The checksum: found in the raw header with any JSON whitespace around the colon. */
    {"checksum-spaced", "{" META("\"libgan.checksum\" :\t\"crc32:00000000\"") "," W "}", 16, GAN_OK, NULL},
    {"checksum-lines", "{" META("\"libgan.checksum\"\r\n:\n \"crc32:00000000\"") "," W "}", 16, GAN_OK, NULL},
    /* ... and only where it is a key followed by its value. */
    {"checksum-key-as-value", "{" META("\"note\":\"libgan.checksum\"," SUM) "," W "}", 16, GAN_OK, NULL},
    {"checksum-key-as-tensor", "{" META(SUM) ",\"libgan.checksum\":{\"dtype\":\"F32\",\"shape\":[4],"
     "\"data_offsets\":[0,16]}}", 16, GAN_OK, NULL},
    {"checksum-escaped-digit", "{" META("\"libgan.checksum\":\"crc32:1234567\\u0038\"") "," W "}",
     16, GAN_ERR_FORMAT, "the checksum entry occurs 0 times in the raw header"},
    {"checksum-escaped-prefix", "{" META("\"libgan.checksum\":\"\\u0063rc32:12345678\"") "," W "}",
     16, GAN_ERR_FORMAT, "occurs 0 times"},
    {"checksum-uppercase", "{" META("\"libgan.checksum\":\"crc32:ABCDEF12\"") "," W "}", 16, GAN_ERR_FORMAT,
     "the checksum \"crc32:ABCDEF12\" is not \"crc32:\" and 8 lowercase hex digits"},
    {"checksum-7-digits", "{" META("\"libgan.checksum\":\"crc32:1234567\"") "," W "}", 16, GAN_ERR_FORMAT,
     "is not \"crc32:\" and 8 lowercase hex digits"},
    {"checksum-prefix", "{" META("\"libgan.checksum\":\"CRC32:12345678\"") "," W "}", 16, GAN_ERR_FORMAT,
     "is not \"crc32:\" and 8 lowercase hex digits"},
    {"libgan-key-unchecked", "{" META("\"libgan.architecture\":\"{}\"") "," W "}", 16, GAN_ERR_FORMAT,
     "the metadata has \"libgan.architecture\" but no \"libgan.checksum\""},
    /* Tensors listed out of order, and an empty one at the start of another. */
    {"reversed", "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16, GAN_OK, NULL},
    {"empty-after", "{" W ",\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 16,
     GAN_OK, NULL},
};

static void hostile_headers_are_refused(void **state)
{
    (void)state;
    const char *path = temp_path("header.safetensors");
    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const header_case *c = &header_cases[i];
        long live = group_allocator.live;
        write_st_file(path, c->header, strlen(c->header), four, c->data_size);
        gan_st_file *file = (gan_st_file *)1;
        gan_status status = gan__st_read(&file, path, "read");
        expect_case(c->name, status, c->status, c->needle);
        if (status == GAN_OK) {
            /* Each tensor holds its own bytes of the data section. */
            size_t covered = 0;
            for (size_t k = 0; k < gan__st_tensor_count(file); k++) {
                const gan_st_tensor *t = gan__st_tensor_at(file, k);
                if (t->nbytes)
                    assert_memory_equal(t->data, (const unsigned char *)four + t->begin, t->nbytes);
                covered += t->nbytes;
            }
            assert_int_equal(covered, c->data_size);
            gan__st_free(file);
        } else {
            assert_null(file);
        }
        assert_int_equal(group_allocator.live, live);
    }
}

/* ---- reads that fail, are interrupted, or find the file shorter ----------------------------- */

/* The three reads of a safetensors file: the length, the header, the data. */
static void safetensors_reads_that_go_wrong(void **state)
{
    (void)state;
    const char *path = temp_path("reads.safetensors");
    const gan_st_tensor_in tensor = F32_2X2("w");
    assert_status(gan__st_write(path, &tensor, 1, NULL, 0, "write"), GAN_OK);
    size_t size;
    unsigned char *original = slurp(path, &size);
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = (header << 8) | original[i];
    static const char *const shrunk[3] = {"the file ended after 4 bytes (it shrank while being read)",
                                          "the header ended after", "the data section ended after 8 of 16 bytes"};
    const off_t cut[3] = {4, (off_t)(8 + header / 2), (off_t)(8 + header + 8)};
    for (int call = 1; call <= 3; call++) {
        long live = group_allocator.live;
        gan_st_file *file = NULL;
        /* An interrupted read is simply read again. */
        fail_read(call, READ_INTERRUPTED);
        assert_status(gan__st_read(&file, path, "read"), GAN_OK);
        expect_fault_used();
        assert_memory_equal(gan__st_find(file, "w")->data, four, sizeof four);
        gan__st_free(file);
        /* A failing one is an I/O error that says what failed. */
        fail_read(call, READ_ERROR);
        assert_status(gan__st_read(&file, path, "read"), GAN_ERR_IO);
        expect_fault_used();
        assert_error_mentions("read: read '");
        assert_error_mentions("' failed: Input/output error");
        /* A file cut short between fstat() and the read. */
        shrink_at_read(call, path, cut[call - 1]);
        assert_status(gan__st_read(&file, path, "read"), GAN_ERR_FORMAT);
        expect_fault_used();
        assert_error_mentions(shrunk[call - 1]);
        assert_null(file);
        write_bytes(path, original, size);
        assert_int_equal(group_allocator.live, live);
    }
    faults.fstat_fails = true;
    gan_st_file *file = (gan_st_file *)1;
    assert_status(gan__st_read(&file, path, "read"), GAN_ERR_IO);
    expect_fault_used();
    assert_error_mentions("read: fstat '");
    assert_null(file);
    free(original);
}

static void idx_reads_that_go_wrong(void **state)
{
    (void)state;
    for (int gzip = 0; gzip <= 1; gzip++) {
        const char *images = temp_path(gzip ? "reads-images.gz" : "reads-images.idx");
        write_test_set(images, NULL, gzip, 5, 4, 4);
        gan_dataset *data = (gan_dataset *)1;
        fail_read(1, READ_ERROR);
        assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_ERR_IO);
        expect_fault_used();
        assert_error_mentions("gan_dataset_load_idx: reading '");
        assert_error_mentions("' failed: Input/output error");
        assert_null(data);
        faults.fstat_fails = true;
        assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_ERR_IO);
        expect_fault_used();
        assert_error_mentions("gan_dataset_load_idx: fstat '");
        assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_OK);
        gan_dataset_free(data);
    }
    /* A raw file cut short after its size was checked: zlib reads it without an error. */
    const char *images = temp_path("reads-images.idx");
    gan_dataset *data = NULL;
    shrink_at_read(1, images, 16 + 30);
    assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
    expect_fault_used();
    assert_error_mentions("truncated pixel data: 30 of 80 bytes");
    assert_null(data);
}

/* ---- IDX: damaged gzip files ------------------------------------------------------------- */

static void flip_byte(const char *path, long from_end)
{
    size_t size;
    unsigned char *bytes = slurp(path, &size);
    assert_non_null(bytes);
    bytes[size - (size_t)from_end] ^= 0x5a;
    write_bytes(path, bytes, size);
    free(bytes);
}

static void damaged_gzip_files_are_refused(void **state)
{
    (void)state;
    const char *images = temp_path("damaged-images.gz"), *labels = temp_path("damaged-labels.gz");
    gan_dataset *data = (gan_dataset *)1;
    /* The data inflates in full, but the gzip trailer's CRC-32 does not match it. */
    write_test_set(images, NULL, 1, 6, 3, 3);
    flip_byte(images, 8);
    assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
    assert_error_mentions("truncated or corrupt gzip data");
    assert_null(data);
    /* A second gzip member after the data, which does not inflate. */
    write_test_set(images, NULL, 1, 6, 3, 3);
    static const unsigned char bad_member[14] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                                                 0xff, 0xff, 0xff, 0xff};
    FILE *file = fopen(images, "ab");
    assert_non_null(file);
    assert_int_equal(fwrite(bad_member, 1, sizeof bad_member, file), sizeof bad_member);
    fclose(file);
    assert_status(gan_dataset_load_idx(&data, images, NULL, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
    assert_error_mentions("end of data: truncated or corrupt gzip data");
    assert_null(data);
    /* Labels whose compressed stream is cut: the images are fine. */
    write_test_set(images, labels, 1, 300, 2, 2);
    size_t size;
    unsigned char *bytes = slurp(labels, &size);
    write_bytes(labels, bytes, size - 12);
    free(bytes);
    assert_status(gan_dataset_load_idx(&data, images, labels, GAN_PIXELS_UNIT), GAN_ERR_FORMAT);
    assert_error_mentions("label data: truncated or corrupt gzip data");
    assert_null(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_strings_round_trip),
        cmocka_unit_test(json_doubles_round_trip),
        cmocka_unit_test(utf8_is_checked),
        cmocka_unit_test(json_parse_checks_the_text_first),
        cmocka_unit_test(json_integers_are_exact),
        cmocka_unit_test(every_layer_kind_is_read),
        cmocka_unit_test(architecture_errors_name_the_layer_and_argument),
        cmocka_unit_test(the_writer_refuses_bad_arguments),
        cmocka_unit_test(every_dtype_and_odd_shapes_round_trip),
        cmocka_unit_test(hostile_headers_are_refused),
        cmocka_unit_test(safetensors_reads_that_go_wrong),
        cmocka_unit_test(idx_reads_that_go_wrong),
        cmocka_unit_test(damaged_gzip_files_are_refused),
    };
    int failed = cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
    print_message("# %d read and fstat faults injected\n", faults.injected);
    return failed;
}
