/*
 * libgan against PyTorch: every layer, and the TensorFlow tutorial's DCGAN.
 *
 * The reference answers are in tests/golden/layers.txt and tests/golden/dcgan.txt, written
 * by tests/golden/make_golden.py (PyTorch 1.13, computed in float64 and rounded to float32
 * once; the script's docstring describes the format). CI never runs PyTorch: it reads the
 * committed files, found relative to the repository root (make runs the tests from there;
 * GAN_GOLDEN_DIR overrides the folder). A missing or malformed file fails the tests.
 *
 * Layers: each case is a one-layer model whose parameters and buffers are loaded by name
 * ("0.weight", "0.running_mean") through the named views; forward, backward with the
 * upstream gradient r, and then the output, the input gradient, the parameter gradients
 * of L = sum(r * y) and the buffers after the pass must match.
 *
 * DCGAN: the generator and discriminator are built through the public API; every layer's
 * output shape and parameter count, the totals and the summary text are checked against
 * PyTorch's; then one forward and backward (G in training mode, D in evaluation mode,
 * batch 4) with weights, inputs and upstream gradients generated on both sides by the same
 * integer hash. Big gradients are compared through summaries.
 *
 * Tolerance: |libgan - reference| <= rtol (|reference| + 0.1 max|reference of the tensor|),
 * i.e. rtol relative plus an absolute floor of rtol/10 of the tensor's largest magnitude
 * (sums with cancellation are only as accurate as their largest terms). rtol is 1e-5 for
 * single layers (float32 PyTorch itself needs 1.6e-6 against the float64 answer) and 1e-4
 * for the DCGAN (float32 PyTorch needs 1.1e-5: three BatchNorms over a batch of 4 and
 * reductions over up to 12544 terms; libgan sums in other orders). GAN_GOLDEN_VERBOSE=1
 * prints the worst error ratio of every tensor.
 */
#include <errno.h>
#include <math.h>

#include "test_support.h"

#define GOLDEN_FLOOR 0.1         /* the absolute floor, as a fraction of max|reference| */
#define LAYER_RTOL 1e-5
#define DCGAN_RTOL 1e-4
#define SUMMARY_RTOL 1e-5        /* sums relative to sum|v|, sum of squares to itself */
#define PATTERN_SEED 999u        /* the summaries' dot-product pattern (make_golden.py) */
#define MAX_ELEMENTS (INT64_C(1) << 26)

/* ---- the fixture files ------------------------------------------------------------------ */

typedef enum record_type { RECORD_TENSOR, RECORD_SUMMARY, RECORD_FILL, RECORD_LAYER } record_type;

typedef struct record {
    record_type type;
    char role[32];      /* tensor, summary, fill: param, input, ...; layer: PyTorch's kind */
    char name[64];      /* state_dict key or "-" */
    int rank;
    int64_t dim[GAN_TENSOR_MAX_RANK];
    int64_t numel;
    float *values;      /* tensor */
    double stats[5];    /* summary: sum, sum|v|, sum v^2, dot(v, pattern), max|v| */
    int samples;
    int64_t *sample_index;
    float *sample_value;
    uint32_t seed;      /* fill */
    int log2;
    double offset;
    int64_t index, parameters; /* layer */
} record;

typedef struct golden_case {
    char name[64], mode[16], kind[32];
    int64_t batch, parameters; /* dcgan; -1 when absent */
    int record_count, record_capacity;
    record *records;
} golden_case;

typedef struct golden_file {
    const char *file;
    int loaded, case_count;
    golden_case *cases;
    char error[1024];
} golden_file;

static golden_file layers_file = {.file = "layers.txt"};
static golden_file dcgan_file = {.file = "dcgan.txt"};

typedef struct scanner {
    const char *text, *at;
    int line;
    char token[128];
} scanner;

/* The next whitespace-separated token; '#' at the start of a token skips to the line's end.
 * Returns 0 at the end of the text, -1 for a token too long. */
static int next_token(scanner *s)
{
    for (;;) {
        while (*s->at == ' ' || *s->at == '\t' || *s->at == '\r' || *s->at == '\n') {
            if (*s->at == '\n')
                s->line++;
            s->at++;
        }
        if (*s->at != '#')
            break;
        while (*s->at && *s->at != '\n')
            s->at++;
    }
    if (!*s->at)
        return 0;
    size_t n = 0;
    while (*s->at && *s->at != ' ' && *s->at != '\t' && *s->at != '\r' && *s->at != '\n') {
        if (n + 1 >= sizeof s->token)
            return -1;
        s->token[n++] = *s->at++;
    }
    s->token[n] = '\0';
    return 1;
}

static void free_record(record *r)
{
    free(r->values);
    free(r->sample_index);
    free(r->sample_value);
}

static void free_file(golden_file *f)
{
    for (int c = 0; c < f->case_count; c++) {
        for (int r = 0; r < f->cases[c].record_count; r++)
            free_record(&f->cases[c].records[r]);
        free(f->cases[c].records);
    }
    free(f->cases);
    f->cases = NULL;
    f->case_count = 0;
    f->loaded = 0;
}

typedef struct parser {
    scanner s;
    golden_file *f;
    char *error;
    size_t error_size;
} parser;

static int parse_error(parser *p, const char *what)
{
    snprintf(p->error, p->error_size, "%s/%s, line %d: %s (at \"%s\")",
             getenv("GAN_GOLDEN_DIR") ? getenv("GAN_GOLDEN_DIR") : "tests/golden", p->f->file,
             p->s.line, what, p->s.token);
    return -1;
}

static int want_token(parser *p)
{
    int got = next_token(&p->s);
    if (got == 1)
        return 0;
    p->s.token[0] = '\0';
    return parse_error(p, got == 0 ? "the file ends early (truncated?)" : "a token is too long");
}

static int read_string(parser *p, char *out, size_t size)
{
    if (want_token(p))
        return -1;
    if (strlen(p->s.token) >= size)
        return parse_error(p, "a name is too long");
    memcpy(out, p->s.token, strlen(p->s.token) + 1);
    return 0;
}

static int read_int64(parser *p, int64_t *out, int64_t min, int64_t max)
{
    if (want_token(p))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(p->s.token, &end, 10);
    if (errno || *end || end == p->s.token || v < min || v > max)
        return parse_error(p, "expected an integer in range");
    *out = (int64_t)v;
    return 0;
}

static int read_double(parser *p, double *out)
{
    if (want_token(p))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(p->s.token, &end);
    if (errno || *end || end == p->s.token || !isfinite(v))
        return parse_error(p, "expected a finite number");
    *out = v;
    return 0;
}

static int read_float(parser *p, float *out)
{
    if (want_token(p))
        return -1;
    char *end;
    errno = 0;
    float v = strtof(p->s.token, &end);
    if (errno || *end || end == p->s.token || !isfinite(v))
        return parse_error(p, "expected a finite float32 number");
    *out = v;
    return 0;
}

/* ROLE NAME RANK D1..Dr (the role and name already read for fill records). */
static int read_shape(parser *p, record *r)
{
    int64_t rank;
    if (read_int64(p, &rank, 1, GAN_TENSOR_MAX_RANK))
        return -1;
    r->rank = (int)rank;
    r->numel = 1;
    for (int i = 0; i < r->rank; i++) {
        if (read_int64(p, &r->dim[i], 1, MAX_ELEMENTS))
            return -1;
        r->numel *= r->dim[i];
        if (r->numel > MAX_ELEMENTS)
            return parse_error(p, "a tensor is too large");
    }
    return 0;
}

static record *new_record(parser *p, golden_case *c, record_type type)
{
    if (c->record_count == c->record_capacity) {
        int capacity = c->record_capacity ? 2 * c->record_capacity : 16;
        record *grown = realloc(c->records, (size_t)capacity * sizeof *grown);
        if (!grown) {
            parse_error(p, "out of memory");
            return NULL;
        }
        c->records = grown;
        c->record_capacity = capacity;
    }
    record *r = &c->records[c->record_count++];
    memset(r, 0, sizeof *r);
    r->type = type;
    return r;
}

static int parse_record(parser *p, golden_case *c, const char *keyword)
{
    if (!strcmp(keyword, "batch"))
        return read_int64(p, &c->batch, 1, 1 << 20);
    if (!strcmp(keyword, "parameters"))
        return read_int64(p, &c->parameters, 0, MAX_ELEMENTS);
    record *r;
    if (!strcmp(keyword, "tensor")) {
        if (!(r = new_record(p, c, RECORD_TENSOR)) || read_string(p, r->role, sizeof r->role) ||
            read_string(p, r->name, sizeof r->name) || read_shape(p, r))
            return -1;
        r->values = malloc((size_t)r->numel * sizeof(float));
        if (!r->values)
            return parse_error(p, "out of memory");
        for (int64_t i = 0; i < r->numel; i++)
            if (read_float(p, &r->values[i]))
                return -1;
        return 0;
    }
    if (!strcmp(keyword, "summary")) {
        if (!(r = new_record(p, c, RECORD_SUMMARY)) || read_string(p, r->role, sizeof r->role) ||
            read_string(p, r->name, sizeof r->name) || read_shape(p, r))
            return -1;
        for (int i = 0; i < 5; i++)
            if (read_double(p, &r->stats[i]))
                return -1;
        int64_t samples;
        if (read_int64(p, &samples, 1, 1024))
            return -1;
        r->samples = (int)samples;
        r->sample_index = malloc((size_t)samples * sizeof(int64_t));
        r->sample_value = malloc((size_t)samples * sizeof(float));
        if (!r->sample_index || !r->sample_value)
            return parse_error(p, "out of memory");
        for (int i = 0; i < r->samples; i++)
            if (read_int64(p, &r->sample_index[i], 0, r->numel - 1) ||
                read_float(p, &r->sample_value[i]))
                return -1;
        return 0;
    }
    if (!strcmp(keyword, "fill")) {
        int64_t seed, log2;
        if (!(r = new_record(p, c, RECORD_FILL)) || read_string(p, r->role, sizeof r->role) ||
            read_string(p, r->name, sizeof r->name) || read_int64(p, &seed, 0, UINT32_MAX) ||
            read_int64(p, &log2, -40, 40) || read_double(p, &r->offset) || read_shape(p, r))
            return -1;
        r->seed = (uint32_t)seed;
        r->log2 = (int)log2;
        return 0;
    }
    if (!strcmp(keyword, "layer")) {
        if (!(r = new_record(p, c, RECORD_LAYER)) || read_int64(p, &r->index, 0, 1000) ||
            read_string(p, r->role, sizeof r->role) ||
            read_int64(p, &r->parameters, 0, MAX_ELEMENTS) || read_shape(p, r))
            return -1;
        return 0;
    }
    return parse_error(p, "unknown record");
}

static int parse_file(parser *p)
{
    golden_file *f = p->f;
    int64_t version;
    if (want_token(p) || strcmp(p->s.token, "golden"))
        return parse_error(p, "not a golden file (it must start with \"golden 1\")");
    if (read_int64(p, &version, 1, 1))
        return -1;
    golden_case *open_case = NULL;
    for (;;) {
        if (want_token(p))
            return -1;
        if (!strcmp(p->s.token, "eof")) {
            if (open_case)
                return parse_error(p, "a case is not closed with \"end\"");
            if (next_token(&p->s) != 0)
                return parse_error(p, "text after eof");
            return f->case_count > 0 ? 0 : parse_error(p, "no cases");
        }
        if (!strcmp(p->s.token, "case")) {
            if (open_case)
                return parse_error(p, "a case is not closed with \"end\"");
            golden_case *grown = realloc(f->cases, (size_t)(f->case_count + 1) * sizeof *grown);
            if (!grown)
                return parse_error(p, "out of memory");
            f->cases = grown;
            open_case = &f->cases[f->case_count++];
            memset(open_case, 0, sizeof *open_case);
            open_case->batch = open_case->parameters = -1;
            if (read_string(p, open_case->name, sizeof open_case->name) ||
                read_string(p, open_case->mode, sizeof open_case->mode) ||
                read_string(p, open_case->kind, sizeof open_case->kind))
                return -1;
            if (strcmp(open_case->mode, "train") && strcmp(open_case->mode, "eval"))
                return parse_error(p, "the mode is train or eval");
            for (int c = 0; c + 1 < f->case_count; c++)
                if (!strcmp(f->cases[c].name, open_case->name))
                    return parse_error(p, "a case name is used twice");
            continue;
        }
        if (!open_case)
            return parse_error(p, "a record outside a case");
        if (!strcmp(p->s.token, "end")) {
            open_case = NULL;
            continue;
        }
        char keyword[sizeof p->s.token];
        memcpy(keyword, p->s.token, sizeof keyword);
        if (parse_record(p, open_case, keyword))
            return -1;
    }
}

static char *read_whole_file(const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size,
                 "cannot open %s: %s (the tests run from the repository root; "
                 "tests/golden/make_golden.py writes the file)", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 1 << 16, length = 0;
    char *text = malloc(capacity);
    while (text) {
        size_t got = fread(text + length, 1, capacity - length - 1, file);
        length += got;
        if (length + 1 < capacity)
            break;
        char *grown = realloc(text, capacity * 2);
        if (!grown) {
            free(text);
            text = NULL;
            break;
        }
        text = grown;
        capacity *= 2;
    }
    int failed = ferror(file);
    fclose(file);
    if (!text || failed) {
        free(text);
        snprintf(error, error_size, "cannot read %s", path);
        return NULL;
    }
    text[length] = '\0';
    if (strlen(text) != length) {
        free(text);
        snprintf(error, error_size, "%s holds a NUL byte", path);
        return NULL;
    }
    return text;
}

/* Loads the file once; a failure is remembered and fails every test that needs it. */
static int load_file(golden_file *f)
{
    if (f->loaded)
        return f->loaded > 0 ? 0 : -1;
    const char *dir = getenv("GAN_GOLDEN_DIR") ? getenv("GAN_GOLDEN_DIR") : "tests/golden";
    char path[256];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, f->file) >= sizeof path) {
        snprintf(f->error, sizeof f->error, "GAN_GOLDEN_DIR is too long");
        f->loaded = -1;
        return -1;
    }
    char *text = read_whole_file(path, f->error, sizeof f->error);
    if (!text) {
        f->loaded = -1;
        return -1;
    }
    parser p = {.s = {.text = text, .at = text, .line = 1}, .f = f, .error = f->error,
                .error_size = sizeof f->error};
    int status = parse_file(&p);
    free(text);
    if (status) {
        char message[sizeof f->error];
        memcpy(message, f->error, sizeof message);
        free_file(f);
        memcpy(f->error, message, sizeof message);
        f->loaded = -1;
        return -1;
    }
    f->loaded = 1;
    return 0;
}

static golden_case *need_case(golden_file *f, const char *name)
{
    if (load_file(f))
        fail_msg("%s", f->error);
    for (int c = 0; c < f->case_count; c++)
        if (!strcmp(f->cases[c].name, name))
            return &f->cases[c];
    fail_msg("%s: no case \"%s\" (rerun tests/golden/make_golden.py?)", f->file, name);
    return NULL;
}

/* The record of `type` with this role and name, or NULL. */
static const record *find_record(const golden_case *c, record_type type, const char *role,
                                 const char *name)
{
    for (int r = 0; r < c->record_count; r++)
        if (c->records[r].type == type && !strcmp(c->records[r].role, role) &&
            !strcmp(c->records[r].name, name))
            return &c->records[r];
    return NULL;
}

static const record *need_record(const golden_case *c, record_type type, const char *role,
                                 const char *name)
{
    const record *r = find_record(c, type, role, name);
    if (!r)
        fail_msg("case %s: the fixture has no %s record %s %s", c->name,
                 type == RECORD_FILL ? "fill" : type == RECORD_SUMMARY ? "summary" : "tensor",
                 role, name);
    return r;
}

static int count_records(const golden_case *c, const char *role)
{
    int n = 0;
    for (int r = 0; r < c->record_count; r++)
        n += !strcmp(c->records[r].role, role);
    return n;
}

/* ---- the hash (make_golden.py) ---------------------------------------------------------- */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= UINT32_C(0x7feb352d);
    x ^= x >> 15;
    x *= UINT32_C(0x846ca68b);
    x ^= x >> 16;
    return x;
}

/* Odd multiples of 2^-16 in (-1, 1). */
static double unit_value(uint32_t seed, int64_t i)
{
    uint32_t h = mix32((uint32_t)i * UINT32_C(0x9e3779b9) + mix32(seed));
    return (2.0 * (double)(h >> 16) - 65535.0) / 65536.0;
}

static void fill_values(const record *fill, float *values)
{
    double scale = ldexp(1.0, fill->log2);
    for (int64_t i = 0; i < fill->numel; i++) {
        double v = fill->offset + unit_value(fill->seed, i) * scale;
        values[i] = (float)v;
        assert_true((double)values[i] == v); /* exact in float32, as in make_golden.py */
    }
}

/* ---- comparisons --------------------------------------------------------------------------- */

static int verbose(void)
{
    const char *v = getenv("GAN_GOLDEN_VERBOSE");
    return v && *v && strcmp(v, "0");
}

/* Compares n values; prints the first mismatches and returns the number of them. */
static int64_t compare_values(const char *case_name, const char *what, const float *got,
                              const float *want, const int64_t *index, int64_t n,
                              double max_want, double rtol)
{
    if (max_want < 0) {
        max_want = 0;
        for (int64_t i = 0; i < n; i++)
            max_want = fmax(max_want, fabs((double)want[i]));
    }
    double floor = GOLDEN_FLOOR * max_want, worst = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double error = fabs((double)got[i] - (double)want[i]);
        double allowed = rtol * (fabs((double)want[i]) + floor);
        double ratio = allowed > 0 ? error / allowed : (error > 0 ? INFINITY : 0);
        if (!(ratio <= 1.0)) {
            if (bad < 6)
                print_error("%s: %s[%lld]: libgan %.9g, PyTorch %.9g (error %.3g, allowed %.3g)\n",
                            case_name, what, (long long)(index ? index[i] : i), (double)got[i],
                            (double)want[i], error, allowed);
            bad++;
        }
        if (ratio > worst || isnan(ratio))
            worst = isnan(ratio) ? INFINITY : ratio;
    }
    if (bad)
        print_error("%s: %s: %lld of %lld values differ\n", case_name, what, (long long)bad,
                    (long long)n);
    if (verbose())
        print_message("# %-34s %-28s %9lld values, worst error %.3f of the tolerance\n",
                      case_name, what, (long long)n, worst);
    return bad;
}

static int same_dims(int rank, const int64_t *dims, const record *r)
{
    if (rank != r->rank)
        return 0;
    for (int i = 0; i < rank; i++)
        if (dims[i] != r->dim[i])
            return 0;
    return 1;
}

static int tensor_matches_shape(const gan_tensor *t, const record *r)
{
    int64_t dims[GAN_TENSOR_MAX_RANK];
    int rank = gan_tensor_rank(t);
    if (rank < 1 || gan_tensor_shape(t, dims, GAN_TENSOR_MAX_RANK) != GAN_OK)
        return 0;
    return same_dims(rank, dims, r);
}

/* Checks a tensor against a full record or a summary; returns the number of mismatches. */
static int64_t compare_tensor(const char *case_name, const char *what, const gan_tensor *got,
                              const record *want, double rtol)
{
    if (!tensor_matches_shape(got, want)) {
        print_error("%s: %s has shape rank %d, numel %lld; PyTorch's has rank %d, numel %lld\n",
                    case_name, what, gan_tensor_rank(got), (long long)gan_tensor_numel(got),
                    want->rank, (long long)want->numel);
        return 1;
    }
    const float *g = gan_tensor_data_const(got);
    if (want->type == RECORD_TENSOR)
        return compare_values(case_name, what, g, want->values, NULL, want->numel, -1.0, rtol);

    /* A summary: the statistics, then the sampled values. */
    double sum = 0, sum_abs = 0, sum_sq = 0, dot = 0, max_abs = 0;
    for (int64_t i = 0; i < want->numel; i++) {
        double v = g[i];
        sum += v;
        sum_abs += fabs(v);
        sum_sq += v * v;
        dot += v * unit_value(PATTERN_SEED, i);
        max_abs = fmax(max_abs, fabs(v));
    }
    const double got_stats[5] = {sum, sum_abs, sum_sq, dot, max_abs};
    const double scale[5] = {want->stats[1], want->stats[1], want->stats[2], want->stats[1],
                             want->stats[4]};
    const double tolerance[5] = {SUMMARY_RTOL, SUMMARY_RTOL, SUMMARY_RTOL, SUMMARY_RTOL, rtol};
    static const char *const names[5] = {"sum", "sum of |v|", "sum of squares",
                                         "dot product with the pattern", "max |v|"};
    int64_t bad = 0;
    for (int k = 0; k < 5; k++) {
        double error = fabs(got_stats[k] - want->stats[k]);
        if (!(error <= tolerance[k] * scale[k])) {
            print_error("%s: %s: %s is %.12g, PyTorch's %.12g (error %.3g of scale %.6g)\n",
                        case_name, what, names[k], got_stats[k], want->stats[k], error, scale[k]);
            bad++;
        }
    }
    float *sampled = malloc((size_t)want->samples * sizeof(float));
    assert_non_null(sampled);
    for (int i = 0; i < want->samples; i++)
        sampled[i] = g[want->sample_index[i]];
    char label[160];
    snprintf(label, sizeof label, "%s (sampled)", what);
    bad += compare_values(case_name, label, sampled, want->sample_value, want->sample_index,
                          want->samples, want->stats[4], rtol);
    free(sampled);
    return bad;
}

/* ---- building layers ---------------------------------------------------------------------- */

typedef enum layer_type {
    L_DENSE, L_CONV, L_CONVT, L_BN1D, L_BN2D, L_LAYERNORM, L_RELU, L_LEAKY_RELU, L_TANH,
    L_SIGMOID, L_FLATTEN, L_RESHAPE, L_UPSAMPLE, L_MAXPOOL, L_AVGPOOL, L_EMBEDDING, L_DROPOUT
} layer_type;

/* arg: dense (in, out, bias); conv (in, out, k, stride, padding, bias); conv transpose (in,
 * out, k, stride, padding, output padding, bias); batchnorm (features); layernorm and
 * reshape (rank, dims...); upsample (scale); pools (k, stride, padding); embedding (count,
 * dim). value: LeakyReLU's slope, Dropout's p. momentum, eps: BatchNorm, 0 = default. */
typedef struct layer_spec {
    const char *name;
    layer_type type;
    int64_t arg[7];
    float value, momentum, eps;
    const char *kind; /* gan_layer_kind() */
} layer_spec;

static gan_layer *make_layer(const layer_spec *spec)
{
    gan_layer *layer = NULL;
    const int64_t *a = spec->arg;
    gan_status status = GAN_ERR_INVALID_ARGUMENT;
    switch (spec->type) {
    case L_DENSE: status = gan_layer_dense(&layer, a[0], a[1], (int)a[2]); break;
    case L_CONV: status = gan_layer_conv2d(&layer, a[0], a[1], a[2], a[3], a[4], (int)a[5]); break;
    case L_CONVT:
        status = gan_layer_conv_transpose2d(&layer, a[0], a[1], a[2], a[3], a[4], a[5], (int)a[6]);
        break;
    case L_BN1D: status = gan_layer_batchnorm1d(&layer, a[0]); break;
    case L_BN2D: status = gan_layer_batchnorm2d(&layer, a[0]); break;
    case L_LAYERNORM: status = gan_layer_layernorm(&layer, (int)a[0], a + 1); break;
    case L_RELU: status = gan_layer_relu(&layer); break;
    case L_LEAKY_RELU: status = gan_layer_leaky_relu(&layer, spec->value); break;
    case L_TANH: status = gan_layer_tanh(&layer); break;
    case L_SIGMOID: status = gan_layer_sigmoid(&layer); break;
    case L_FLATTEN: status = gan_layer_flatten(&layer); break;
    case L_RESHAPE: status = gan_layer_reshape(&layer, (int)a[0], a + 1); break;
    case L_UPSAMPLE: status = gan_layer_upsample(&layer, a[0]); break;
    case L_MAXPOOL: status = gan_layer_maxpool2d(&layer, a[0], a[1], a[2]); break;
    case L_AVGPOOL: status = gan_layer_avgpool2d(&layer, a[0], a[1], a[2]); break;
    case L_EMBEDDING: status = gan_layer_embedding(&layer, a[0], a[1]); break;
    case L_DROPOUT: status = gan_layer_dropout(&layer, spec->value); break;
    }
    assert_status(status, GAN_OK);
    assert_non_null(layer);
    if (spec->momentum > 0) {
        float got = 0;
        assert_status(gan_layer_set_float(layer, GAN_LAYER_MOMENTUM, spec->momentum), GAN_OK);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_MOMENTUM, &got), GAN_OK);
        assert_true(got == spec->momentum);
    }
    if (spec->eps > 0) {
        float got = 0;
        assert_status(gan_layer_set_float(layer, GAN_LAYER_EPS, spec->eps), GAN_OK);
        assert_status(gan_layer_get_float(layer, GAN_LAYER_EPS, &got), GAN_OK);
        assert_true(got == spec->eps);
    }
    if (strcmp(gan_layer_kind(layer), spec->kind)) {
        print_error("%s: gan_layer_kind is \"%s\", expected \"%s\"\n", spec->name,
                    gan_layer_kind(layer), spec->kind);
        gan_layer_free(layer);
        fail();
    }
    return layer;
}

/* The same cases, in the same order, as make_golden.py's layer_cases(). */
static const layer_spec layer_cases[] = {
    {"linear_bias", L_DENSE, {7, 5, 1}, 0, 0, 0, "Linear"},
    {"linear_nobias", L_DENSE, {6, 3, 0}, 0, 0, 0, "Linear"},
    {"conv2d_k3s1p1", L_CONV, {3, 4, 3, 1, 1, 1}, 0, 0, 0, "Conv2d"},
    {"conv2d_k5s2p2", L_CONV, {2, 3, 5, 2, 2, 1}, 0, 0, 0, "Conv2d"},
    {"conv2d_k3s2p1_nonsquare", L_CONV, {3, 2, 3, 2, 1, 1}, 0, 0, 0, "Conv2d"},
    {"conv2d_k3s1p0_nobias_nonsquare", L_CONV, {2, 3, 3, 1, 0, 0}, 0, 0, 0, "Conv2d"},
    {"convt_k5s1p2", L_CONVT, {3, 2, 5, 1, 2, 0, 1}, 0, 0, 0, "ConvTranspose2d"},
    {"convt_k5s2p2op1", L_CONVT, {3, 2, 5, 2, 2, 1, 1}, 0, 0, 0, "ConvTranspose2d"},
    {"convt_k5s2p2op1_nobias_nonsquare", L_CONVT, {2, 3, 5, 2, 2, 1, 0}, 0, 0, 0, "ConvTranspose2d"},
    {"convt_k4s2p1", L_CONVT, {2, 2, 4, 2, 1, 0, 1}, 0, 0, 0, "ConvTranspose2d"},
    {"batchnorm1d_train", L_BN1D, {5}, 0, 0, 0, "BatchNorm1d"},
    {"batchnorm1d_train_cl_options", L_BN1D, {4}, 0, 0.2f, 1e-3f, "BatchNorm1d"},
    {"batchnorm1d_eval", L_BN1D, {5}, 0, 0, 0, "BatchNorm1d"},
    {"batchnorm2d_train", L_BN2D, {3}, 0, 0, 0, "BatchNorm2d"},
    {"batchnorm2d_train_options", L_BN2D, {3}, 0, 0.01f, 1e-3f, "BatchNorm2d"},
    {"batchnorm2d_eval", L_BN2D, {3}, 0, 0, 0, "BatchNorm2d"},
    {"layernorm_last", L_LAYERNORM, {1, 8}, 0, 0, 0, "LayerNorm"},
    {"layernorm_2d", L_LAYERNORM, {2, 3, 4}, 0, 0, 0, "LayerNorm"},
    {"relu", L_RELU, {0}, 0, 0, 0, "ReLU"},
    {"leaky_relu", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"},
    {"tanh", L_TANH, {0}, 0, 0, 0, "Tanh"},
    {"sigmoid", L_SIGMOID, {0}, 0, 0, 0, "Sigmoid"},
    {"flatten", L_FLATTEN, {0}, 0, 0, 0, "Flatten"},
    {"upsample2", L_UPSAMPLE, {2}, 0, 0, 0, "Upsample"},
    {"upsample3", L_UPSAMPLE, {3}, 0, 0, 0, "Upsample"},
    {"maxpool_k2s2", L_MAXPOOL, {2, 2, 0}, 0, 0, 0, "MaxPool2d"},
    {"maxpool_k2s2_odd", L_MAXPOOL, {2, 2, 0}, 0, 0, 0, "MaxPool2d"},
    {"maxpool_k3s2p1", L_MAXPOOL, {3, 2, 1}, 0, 0, 0, "MaxPool2d"},
    {"avgpool_k2s2", L_AVGPOOL, {2, 2, 0}, 0, 0, 0, "AvgPool2d"},
    {"avgpool_k3s2p1", L_AVGPOOL, {3, 2, 1}, 0, 0, 0, "AvgPool2d"},
    {"embedding", L_EMBEDDING, {10, 4}, 0, 0, 0, "Embedding"},
    {"dropout_eval", L_DROPOUT, {0}, 0.3f, 0, 0, "Dropout"},
};
#define LAYER_CASE_COUNT ((int)(sizeof layer_cases / sizeof layer_cases[0]))

/* ---- running a model against a case ------------------------------------------------------ */

static gan_tensor *tensor_of(const record *r, const float *values)
{
    gan_tensor *t = NULL;
    assert_status(gan_tensor_new(&t, r->rank, r->dim), GAN_OK);
    if (values)
        assert_status(gan_tensor_copy_from(t, values, (size_t)r->numel), GAN_OK);
    else
        fill_values(r, gan_tensor_data(t));
    return t;
}

/* A named tensor from a tensor or fill record of the role, shape-checked. */
static void set_named(const golden_case *c, const char *role, const char *name, gan_tensor *value)
{
    const record *r = find_record(c, RECORD_TENSOR, role, name);
    if (!r)
        r = find_record(c, RECORD_FILL, role, name);
    if (!r)
        fail_msg("case %s: libgan has %s \"%s\"; PyTorch's state_dict does not", c->name, role, name);
    if (!tensor_matches_shape(value, r))
        fail_msg("case %s: %s \"%s\" has %lld elements in libgan (rank %d), %lld in PyTorch (rank %d)",
                 c->name, role, name, (long long)gan_tensor_numel(value), gan_tensor_rank(value),
                 (long long)r->numel, r->rank);
    if (r->type == RECORD_TENSOR)
        assert_status(gan_tensor_copy_from(value, r->values, (size_t)r->numel), GAN_OK);
    else
        fill_values(r, gan_tensor_data(value));
}

/* Loads every parameter and buffer by name; the counts must match PyTorch's state_dict. */
static void load_state(gan_model *model, const golden_case *c)
{
    int params = gan_model_named_parameter_count(model);
    int buffers = gan_model_named_buffer_count(model);
    assert_int_equal(params, count_records(c, "param"));
    assert_int_equal(buffers, count_records(c, "buffer"));
    for (int i = 0; i < params; i++) {
        const char *name = NULL;
        gan_tensor *value = NULL;
        assert_status(gan_model_named_parameter(model, i, &name, &value, NULL), GAN_OK);
        set_named(c, "param", name, value);
    }
    for (int i = 0; i < buffers; i++) {
        const char *name = NULL;
        gan_tensor *value = NULL;
        assert_status(gan_model_named_buffer(model, i, &name, &value), GAN_OK);
        set_named(c, "buffer", name, value);
    }
}

static const record *tensor_or_summary(const golden_case *c, const char *role, const char *name)
{
    const record *r = find_record(c, RECORD_TENSOR, role, name);
    if (!r)
        r = find_record(c, RECORD_SUMMARY, role, name);
    if (!r)
        fail_msg("case %s: the fixture has no %s for \"%s\"", c->name, role, name);
    return r;
}

/*
 * Forward with the case's input, backward with its upstream gradient, and every comparison.
 * `input_gradient`: 1 compare it, 0 the layer has none (Embedding: must be zero).
 */
static int64_t run_case(gan_model *model, const golden_case *c, int input_gradient, double rtol)
{
    const record *input = find_record(c, RECORD_TENSOR, "input", "-");
    if (!input)
        input = need_record(c, RECORD_FILL, "input", "-");
    const record *upstream = find_record(c, RECORD_TENSOR, "grad_output", "-");
    if (!upstream)
        upstream = need_record(c, RECORD_FILL, "grad_output", "-");
    const record *want_output = need_record(c, RECORD_TENSOR, "output", "-");

    assert_status(gan_model_set_training(model, !strcmp(c->mode, "train")), GAN_OK);
    gan_tensor *x = tensor_of(input, input->type == RECORD_TENSOR ? input->values : NULL);
    gan_tensor *r = tensor_of(upstream, upstream->type == RECORD_TENSOR ? upstream->values : NULL);

    int64_t bad = 0;
    const gan_tensor *y = NULL;
    assert_status(gan_model_forward(model, x, &y), GAN_OK);
    bad += compare_tensor(c->name, "output", y, want_output, rtol);

    assert_status(gan_model_zero_grad(model), GAN_OK);
    const gan_tensor *dx = NULL;
    assert_status(gan_model_backward(model, r, 0, &dx), GAN_OK);
    assert_non_null(dx);
    if (input_gradient) {
        bad += compare_tensor(c->name, "input gradient", dx,
                              need_record(c, RECORD_TENSOR, "grad_input", "-"), rtol);
    } else {
        assert_null(find_record(c, RECORD_TENSOR, "grad_input", "-"));
        assert_int_equal(gan_tensor_numel(dx), input->numel);
        for (int64_t i = 0; i < input->numel; i++)
            assert_true(gan_tensor_data_const(dx)[i] == 0.0f); /* indices: no gradient */
    }

    int params = gan_model_named_parameter_count(model);
    assert_int_equal(params, count_records(c, "param_grad"));
    for (int i = 0; i < params; i++) {
        const char *name = NULL;
        gan_tensor *grad = NULL;
        assert_status(gan_model_named_parameter(model, i, &name, NULL, &grad), GAN_OK);
        char what[96];
        snprintf(what, sizeof what, "gradient of %s", name);
        bad += compare_tensor(c->name, what, grad, tensor_or_summary(c, "param_grad", name), rtol);
    }
    int buffers = gan_model_named_buffer_count(model);
    assert_int_equal(buffers, count_records(c, "buffer_after"));
    for (int i = 0; i < buffers; i++) {
        const char *name = NULL;
        gan_tensor *value = NULL;
        assert_status(gan_model_named_buffer(model, i, &name, &value), GAN_OK);
        char what[96];
        snprintf(what, sizeof what, "%s after the pass", name);
        bad += compare_tensor(c->name, what, value, tensor_or_summary(c, "buffer_after", name), rtol);
    }
    gan_tensor_free(r);
    gan_tensor_free(x);
    return bad;
}

/* ---- the layer tests ------------------------------------------------------------------------ */

static void layer_matches_pytorch(void **state)
{
    const layer_spec *spec = *state;
    const golden_case *c = need_case(&layers_file, spec->name);
    gan_layer *layer = make_layer(spec);
    if (strcmp(gan_layer_kind(layer), c->kind)) {
        gan_layer_free(layer);
        fail_msg("%s: libgan's kind \"%s\" is not PyTorch's \"%s\"", c->name, spec->kind, c->kind);
    }
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    gan_status added = gan_model_add(model, layer);
    if (added != GAN_OK)
        gan_layer_free(layer);
    assert_status(added, GAN_OK);
    const record *input = need_record(c, RECORD_TENSOR, "input", "-");
    assert_status(gan_model_set_input_shape(model, input->rank - 1, input->dim + 1), GAN_OK);
    load_state(model, c);
    int64_t bad = run_case(model, c, spec->type != L_EMBEDDING, LAYER_RTOL);
    gan_model_free(model);
    if (bad)
        fail_msg("%s: %lld values differ from PyTorch's", c->name, (long long)bad);
}

/* The test table and the fixture hold the same cases. */
static void every_fixture_case_is_tested(void **state)
{
    (void)state;
    if (load_file(&layers_file))
        fail_msg("%s", layers_file.error);
    assert_int_equal(layers_file.case_count, LAYER_CASE_COUNT);
    for (int c = 0; c < layers_file.case_count; c++) {
        int known = 0;
        for (int i = 0; i < LAYER_CASE_COUNT; i++)
            known |= !strcmp(layers_file.cases[c].name, layer_cases[i].name);
        if (!known)
            fail_msg("layers.txt has case \"%s\", which test_golden.c does not run",
                     layers_file.cases[c].name);
    }
}

/* ---- the DCGAN ----------------------------------------------------------------------------- */

typedef struct dcgan_layer {
    layer_spec spec;
    const char *torch_kind;
} dcgan_layer;

static const dcgan_layer generator_layers[] = {
    {{"dense", L_DENSE, {100, 7 * 7 * 256, 0}, 0, 0, 0, "Linear"}, "Linear"},
    {{"bn1", L_BN1D, {7 * 7 * 256}, 0, 0, 0, "BatchNorm1d"}, "BatchNorm1d"},
    {{"act1", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"}, "LeakyReLU"},
    {{"reshape", L_RESHAPE, {3, 256, 7, 7}, 0, 0, 0, "Reshape"}, "Unflatten"},
    {{"deconv1", L_CONVT, {256, 128, 5, 1, 2, 0, 0}, 0, 0, 0, "ConvTranspose2d"}, "ConvTranspose2d"},
    {{"bn2", L_BN2D, {128}, 0, 0, 0, "BatchNorm2d"}, "BatchNorm2d"},
    {{"act2", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"}, "LeakyReLU"},
    {{"deconv2", L_CONVT, {128, 64, 5, 2, 2, 1, 0}, 0, 0, 0, "ConvTranspose2d"}, "ConvTranspose2d"},
    {{"bn3", L_BN2D, {64}, 0, 0, 0, "BatchNorm2d"}, "BatchNorm2d"},
    {{"act3", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"}, "LeakyReLU"},
    {{"deconv3", L_CONVT, {64, 1, 5, 2, 2, 1, 0}, 0, 0, 0, "ConvTranspose2d"}, "ConvTranspose2d"},
    {{"out", L_TANH, {0}, 0, 0, 0, "Tanh"}, "Tanh"},
};

static const dcgan_layer discriminator_layers[] = {
    {{"conv1", L_CONV, {1, 64, 5, 2, 2, 1}, 0, 0, 0, "Conv2d"}, "Conv2d"},
    {{"act1", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"}, "LeakyReLU"},
    {{"drop1", L_DROPOUT, {0}, 0.3f, 0, 0, "Dropout"}, "Dropout"},
    {{"conv2", L_CONV, {64, 128, 5, 2, 2, 1}, 0, 0, 0, "Conv2d"}, "Conv2d"},
    {{"act2", L_LEAKY_RELU, {0}, 0.3f, 0, 0, "LeakyReLU"}, "LeakyReLU"},
    {{"drop2", L_DROPOUT, {0}, 0.3f, 0, 0, "Dropout"}, "Dropout"},
    {{"flatten", L_FLATTEN, {0}, 0, 0, 0, "Flatten"}, "Flatten"},
    {{"dense", L_DENSE, {7 * 7 * 128, 1, 1}, 0, 0, 0, "Linear"}, "Linear"},
};

typedef struct dcgan_model {
    const char *tag;
    const dcgan_layer *layers;
    int count;
    int input_rank;
    int64_t input_shape[3];
} dcgan_model;

#define COUNT_OF(array) ((int)(sizeof(array) / sizeof((array)[0])))
static const dcgan_model generator = {"G", generator_layers, COUNT_OF(generator_layers), 1, {100}};
static const dcgan_model discriminator = {"D", discriminator_layers,
                                          COUNT_OF(discriminator_layers), 3, {1, 28, 28}};

static const record *layer_record(const golden_case *c, int index)
{
    for (int r = 0; r < c->record_count; r++)
        if (c->records[r].type == RECORD_LAYER && c->records[r].index == index)
            return &c->records[r];
    fail_msg("case %s: the fixture has no layer %d", c->name, index);
    return NULL;
}

static void shape_text(char *text, size_t size, int rank, const int64_t *dims)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)dims[i]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

/*
 * Builds the model layer by layer with the input shape declared first, checking after each
 * layer its output shape and parameter count against PyTorch's; then the totals.
 */
static gan_model *build_dcgan(const dcgan_model *m, const golden_case *c)
{
    gan_model *model = NULL;
    assert_status(gan_model_new(&model), GAN_OK);
    assert_status(gan_model_set_input_shape(model, m->input_rank, m->input_shape), GAN_OK);
    int layer_records = 0;
    for (int r = 0; r < c->record_count; r++)
        layer_records += c->records[r].type == RECORD_LAYER;
    assert_int_equal(layer_records, m->count);
    int64_t previous = 0;
    for (int i = 0; i < m->count; i++) {
        const record *want = layer_record(c, i);
        if (strcmp(want->role, m->layers[i].torch_kind))
            fail_msg("%s layer %d: PyTorch's is %s, the test expects %s", c->name, i, want->role,
                     m->layers[i].torch_kind);
        gan_layer *layer = make_layer(&m->layers[i].spec);
        gan_status added = gan_model_add(model, layer);
        if (added != GAN_OK)
            gan_layer_free(layer);
        assert_status(added, GAN_OK);
        int rank = 0;
        int64_t dims[GAN_TENSOR_MAX_RANK];
        assert_status(gan_model_output_shape(model, &rank, dims, GAN_TENSOR_MAX_RANK), GAN_OK);
        if (!same_dims(rank, dims, want)) {
            char got_text[96], want_text[96];
            shape_text(got_text, sizeof got_text, rank, dims);
            shape_text(want_text, sizeof want_text, want->rank, want->dim);
            fail_msg("%s layer %d (%s): output %s, PyTorch's %s", c->name, i,
                     m->layers[i].spec.kind, got_text, want_text);
        }
        int64_t total = gan_model_parameter_count(model);
        if (total - previous != want->parameters)
            fail_msg("%s layer %d (%s): %lld parameters, PyTorch's %lld", c->name, i,
                     m->layers[i].spec.kind, (long long)(total - previous),
                     (long long)want->parameters);
        previous = total;
    }
    assert_int_equal(gan_model_layer_count(model), m->count);
    assert_true(c->parameters >= 0);
    assert_int_equal(gan_model_parameter_count(model), c->parameters);
    return model;
}

/* The summary has a line per layer naming its kind, output shape and parameter count. */
static void check_summary(gan_model *model, const dcgan_model *m, const golden_case *c)
{
    size_t length = 0;
    assert_status(gan_model_summary(model, NULL, 0, &length), GAN_OK);
    assert_true(length > 0);
    char *text = malloc(length + 1);
    assert_non_null(text);
    assert_status(gan_model_summary(model, text, length + 1, NULL), GAN_OK);
    assert_int_equal(strlen(text), length);

    const char *line = strchr(text, '\n'); /* skip the header line */
    for (int i = 0; i < m->count; i++) {
        assert_non_null(line);
        line++;
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        char row[256];
        size_t n = (size_t)(end - line) < sizeof row - 1 ? (size_t)(end - line) : sizeof row - 1;
        memcpy(row, line, n);
        row[n] = '\0';
        const record *want = layer_record(c, i);
        char shape[96], kind[64], count[32], index[16];
        shape_text(shape, sizeof shape, want->rank, want->dim);
        snprintf(kind, sizeof kind, " %s ", m->layers[i].spec.kind);
        snprintf(count, sizeof count, " %lld", (long long)want->parameters);
        snprintf(index, sizeof index, "%d ", i);
        size_t count_length = strlen(count);
        int ok = !strncmp(row, index, strlen(index)) && strstr(row, kind) && strstr(row, shape) &&
                 n >= count_length && !strcmp(row + n - count_length, count);
        if (!ok) {
            print_error("summary:\n%s", text);
            free(text);
            fail_msg("%s summary line %d \"%s\" does not give kind %s, shape %s, parameters%s",
                     c->name, i, row, m->layers[i].spec.kind, shape, count);
        }
        line = end;
    }
    char total[64];
    snprintf(total, sizeof total, "trainable parameters: %lld", (long long)c->parameters);
    int has_total = strstr(text, total) != NULL;
    if (!has_total)
        print_error("summary:\n%s", text);
    free(text);
    assert_true(has_total);
}

static void dcgan_shapes_and_summary(const dcgan_model *m)
{
    golden_case *c = need_case(&dcgan_file, m->tag);
    gan_model *model = build_dcgan(m, c);
    check_summary(model, m, c);
    gan_model_free(model);
}

static void generator_shapes_parameters_and_summary(void **state)
{
    (void)state;
    dcgan_shapes_and_summary(&generator);
}

static void discriminator_shapes_parameters_and_summary(void **state)
{
    (void)state;
    dcgan_shapes_and_summary(&discriminator);
}

/* Generator in training mode (batch statistics), batch 4. */
static void generator_pass_matches_pytorch(void **state)
{
    (void)state;
    golden_case *c = need_case(&dcgan_file, generator.tag);
    assert_string_equal(c->mode, "train");
    gan_model *model = build_dcgan(&generator, c);
    load_state(model, c);
    const record *input = need_record(c, RECORD_FILL, "input", "-");
    assert_int_equal(input->dim[0], c->batch);
    int64_t bad = run_case(model, c, 1, DCGAN_RTOL);
    gan_model_free(model);
    if (bad)
        fail_msg("G: %lld values differ from PyTorch's", (long long)bad);
}

/* Discriminator in evaluation mode (dropout off), batch 4; then the generator step's
 * backward (input gradient only) leaves the parameter gradients alone. */
static void discriminator_pass_matches_pytorch(void **state)
{
    (void)state;
    golden_case *c = need_case(&dcgan_file, discriminator.tag);
    assert_string_equal(c->mode, "eval");
    gan_model *model = build_dcgan(&discriminator, c);
    load_state(model, c);
    int64_t bad = run_case(model, c, 1, DCGAN_RTOL);

    float *grads = NULL;
    size_t count = 0;
    assert_status(gan_model_parameter_arrays(model, NULL, &grads, &count), GAN_OK);
    assert_int_equal(count, c->parameters);
    float *saved = malloc(count * sizeof(float));
    assert_non_null(saved);
    memcpy(saved, grads, count * sizeof(float));
    gan_tensor *r = tensor_of(need_record(c, RECORD_FILL, "grad_output", "-"), NULL);
    const gan_tensor *dx = NULL;
    assert_status(gan_model_backward(model, r, GAN_BACKWARD_SKIP_PARAMETERS, &dx), GAN_OK);
    bad += compare_tensor("D (skipping parameters)", "input gradient", dx,
                          need_record(c, RECORD_TENSOR, "grad_input", "-"), DCGAN_RTOL);
    int untouched = memcmp(saved, grads, count * sizeof(float)) == 0;
    free(saved);
    gan_tensor_free(r);
    gan_model_free(model);
    assert_true(untouched);
    if (bad)
        fail_msg("D: %lld values differ from PyTorch's", (long long)bad);
}

static void every_dcgan_case_is_tested(void **state)
{
    (void)state;
    if (load_file(&dcgan_file))
        fail_msg("%s", dcgan_file.error);
    assert_int_equal(dcgan_file.case_count, 2);
    need_case(&dcgan_file, "G");
    need_case(&dcgan_file, "D");
}

/* ---- the loader's own checks -------------------------------------------------------------- */

static int parse_text(const char *text, char *error, size_t size)
{
    golden_file f = {.file = "inline"};
    parser p = {.s = {.text = text, .at = text, .line = 1}, .f = &f, .error = error,
                .error_size = size};
    int status = parse_file(&p);
    free_file(&f);
    return status;
}

/* Malformed fixtures are errors, never silently accepted. */
static void malformed_fixtures_are_rejected(void **state)
{
    (void)state;
    char error[512];
    const char *good = "golden 1\ncase a train X\ntensor input - 1 2\n1 2\nend\neof\n";
    assert_int_equal(parse_text(good, error, sizeof error), 0);
    const char *bad[] = {
        "",
        "golden 2\ncase a train X\nend\neof\n",
        "golden 1\ncase a train X\ntensor input - 1 2\n1 2\nend\n",        /* no eof */
        "golden 1\ncase a train X\ntensor input - 1 3\n1 2\nend\neof\n",   /* too few values */
        "golden 1\ncase a train X\ntensor input - 1 2\n1 x\nend\neof\n",   /* not a number */
        "golden 1\ncase a train X\ntensor input - 1 2\n1 nan\nend\neof\n", /* not finite */
        "golden 1\ncase a train X\ntensor input - 9 1 1 1 1 1 1 1 1 1\n1\nend\neof\n",
        "golden 1\ncase a later X\nend\neof\n",                            /* mode */
        "golden 1\ncase a train X\nbogus 1\nend\neof\n",
        "golden 1\ntensor input - 1 1\n1\neof\n",                          /* outside a case */
        "golden 1\ncase a train X\nend\ncase a train X\nend\neof\n",      /* name twice */
        "golden 1\ncase a train X\nend\neof\nmore\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse_text(bad[i], error, sizeof error) == 0)
            fail_msg("malformed fixture %zu was accepted", i);
    golden_file missing = {.file = "no-such-file.txt"};
    assert_int_equal(load_file(&missing), -1);
    assert_non_null(strstr(missing.error, "cannot open"));
}

/* The hash gives the same numbers as make_golden.py (values printed by the script's mix()
 * and unit()), and only odd multiples of 2^-16 in (-1, 1). */
static void hash_matches_the_script(void **state)
{
    (void)state;
    assert_int_equal(mix32(0), 0);
    assert_int_equal(mix32(1), 1753845952u);
    assert_int_equal(mix32(0xdeadbeefu), 3861431939u);
    const int64_t index[] = {0, 1, 2, 65535, 65536, 69999};
    const double want[] = {-22183, 40355, 295, 21953, -9305, 46993}; /* times 2^-16 */
    for (int i = 0; i < 6; i++)
        assert_true(unit_value(7, index[i]) == ldexp(want[i], -16));
    for (int64_t i = 0; i < 100000; i++) {
        double v = unit_value(7, i);
        assert_true(v > -1.0 && v < 1.0);
        assert_true(ldexp(v, 16) == floor(ldexp(v, 16)) && fmod(ldexp(v, 16), 2.0) != 0.0);
    }
}

static int teardown_group(void **state)
{
    free_file(&layers_file);
    free_file(&dcgan_file);
    return remove_counting_allocator(state);
}

int main(void)
{
    struct CMUnitTest tests[LAYER_CASE_COUNT + 9];
    int n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(malformed_fixtures_are_rejected);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(hash_matches_the_script);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_fixture_case_is_tested);
    for (int i = 0; i < LAYER_CASE_COUNT; i++)
        tests[n++] = (struct CMUnitTest){layer_cases[i].name, layer_matches_pytorch, NULL, NULL,
                                         (void *)&layer_cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_dcgan_case_is_tested);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(generator_shapes_parameters_and_summary);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(discriminator_shapes_parameters_and_summary);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(generator_pass_matches_pytorch);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(discriminator_pass_matches_pytorch);
    return _cmocka_run_group_tests("test_golden", tests, (size_t)n, install_counting_allocator,
                                   teardown_group);
}
