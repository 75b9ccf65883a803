/*
 * Writes the generated seeds of the fuzz corpora (fuzz/README.md): `make fuzz-seeds`, or
 *   make_seeds OUT        (OUT/idx, OUT/model_file, OUT/checkpoint, OUT/architecture)
 * Valid files come from the fixtures the targets load into (fuzz_fixtures.h); each bad file
 * breaks one rule, named in its file name. Files of the safetensors formats are rewritten
 * through libgan's own writer, so a bad one still has a correct checksum and fails at the
 * rule it breaks. Everything is deterministic: running it again writes the same bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "fuzz_fixtures.h"
#include "fuzz_support.h"
#include "io/architecture.h"
#include "io/safetensors.h"

static char out_dir[1024];
static int seeds_written;

static const char *seed_path(const char *target, const char *name)
{
    static char path[2048];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
    return path;
}

static void write_seed(const char *target, const char *name, const void *bytes, size_t size)
{
    const char *path = seed_path(target, name);
    FILE *file = fopen(path, "wb");
    fuzz_require(file && (size == 0 || fwrite(bytes, 1, size, file) == size) && fclose(file) == 0,
                 "writing %s: %s", path, strerror(errno));
    seeds_written++;
}

/* `text` with the first `find` replaced (malloc'd); a missing `find` is a broken recipe. */
static char *replace_once(const char *text, const char *find, const char *replacement)
{
    const char *at = strstr(text, find);
    fuzz_require(at != NULL, "seed recipe: \"%s\" is not in the text", find);
    size_t before = (size_t)(at - text), find_length = strlen(find);
    size_t length = strlen(text) - find_length + strlen(replacement);
    char *result = malloc(length + 1);
    fuzz_require(result != NULL, "malloc");
    snprintf(result, length + 1, "%.*s%s%s", (int)before, text, replacement, at + find_length);
    return result;
}

/* ---- IDX --------------------------------------------------------------------------------- */

typedef struct bytes {
    unsigned char data[4096];
    size_t size;
} bytes;

static void put_be32(bytes *b, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        b->data[b->size++] = (unsigned char)(value >> shift);
}

/* An IDX file: magic, dimensions, then `count` data bytes (value i * 37 + 11, or i % 10 for
 * labels), all within the buffer. */
static bytes idx_file(uint32_t magic, int rank, const uint32_t *dims, size_t count)
{
    bytes b = {.size = 0};
    put_be32(&b, magic);
    for (int d = 0; d < rank; d++)
        put_be32(&b, dims[d]);
    fuzz_require(b.size + count <= sizeof b.data, "an IDX seed too big");
    for (size_t i = 0; i < count; i++)
        b.data[b.size++] = (unsigned char)(magic == 0x801 ? i % 10 : i * 37 + 11);
    return b;
}

static bytes images(uint32_t count, uint32_t rows, uint32_t cols, size_t data_bytes)
{
    return idx_file(0x803, 3, (const uint32_t[]){count, rows, cols}, data_bytes);
}

static bytes labels(uint32_t count, size_t data_bytes)
{
    return idx_file(0x801, 1, (const uint32_t[]){count}, data_bytes);
}

/* gzip of `b` in memory (header without a time stamp or name: deterministic). */
static bytes gzip(const bytes *b)
{
    bytes out = {.size = 0};
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    fuzz_require(deflateInit2(&stream, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                 "deflateInit2");
    stream.next_in = (Bytef *)b->data;
    stream.avail_in = (uInt)b->size;
    stream.next_out = out.data;
    stream.avail_out = sizeof out.data;
    fuzz_require(deflate(&stream, Z_FINISH) == Z_STREAM_END, "deflate");
    out.size = stream.total_out;
    deflateEnd(&stream);
    return out;
}

static void append(bytes *b, const bytes *tail)
{
    fuzz_require(b->size + tail->size <= sizeof b->data, "a seed too big");
    memcpy(b->data + b->size, tail->data, tail->size);
    b->size += tail->size;
}

/* Images files: a header [count, rows, cols] and `data` bytes, raw or gzip. */
typedef struct image_seed {
    const char *name;
    uint32_t count, rows, cols;
    size_t data;
    bool gzip;
} image_seed;

static const image_seed image_seeds[] = {
    {"valid-images-3x2x2.idx", 3, 2, 2, 12, false},
    {"valid-images-3x2x2.idx.gz", 3, 2, 2, 12, true},
    {"valid-images-1x28x28.idx", 1, 28, 28, 784, false},
    {"valid-images-1x28x28.idx.gz", 1, 28, 28, 784, true},
    {"bad-images-count-0.idx", 0, 2, 2, 0, false},
    {"bad-images-rows-0.idx", 3, 0, 2, 0, false},
    {"bad-images-rows-65537.idx", 1, 65537, 1, 0, false},
    {"bad-images-count-2-31.idx", 0x80000000u, 1, 1, 0, false},
    {"bad-images-huge-claim.idx", 0x7fffffffu, 65536, 65536, 4, false},
    {"bad-images-truncated.idx", 3, 2, 2, 11, false},
    {"bad-images-trailing-byte.idx", 3, 2, 2, 13, false},
    {"bad-gzip-claims-too-much.idx.gz", 1000, 1000, 1000, 12, true},
    {"bad-gzip-short-data.idx.gz", 3, 2, 2, 5, true},
    {"bad-gzip-trailing-byte.idx.gz", 3, 2, 2, 13, true},
};

/* Labels files: a header [count], `data` bytes (i % 10), the last one set to `last` if
 * that is >= 0. */
typedef struct label_seed {
    const char *name;
    uint32_t count;
    size_t data;
    int last;
    bool gzip;
} label_seed;

static const label_seed label_seeds[] = {
    {"valid-labels-3.idx", 3, 3, -1, false},
    {"valid-labels-3.idx.gz", 3, 3, -1, true},
    {"valid-labels-10.idx", 10, 10, -1, false},
    {"bad-labels-count-0.idx", 0, 0, -1, false},
    {"bad-labels-value-10.idx", 3, 3, 10, false},
    {"bad-labels-truncated.idx", 3, 2, -1, false},
    {"bad-labels-count-4-for-3-images.idx", 4, 4, -1, false},
    {"bad-gzip-labels-value-200.idx.gz", 3, 3, 200, true},
};

/* Damage to the gzip of a valid images file: keep its first `keep` bytes (0: all), and
 * flip the bits `flip` of byte `at` (counted from the end when negative). */
typedef struct gzip_damage {
    const char *name;
    size_t keep;
    long at;
    unsigned char flip;
} gzip_damage;

static const gzip_damage gzip_damages[] = {
    {"bad-gzip-magic-only.idx.gz", 2, 0, 0},
    {"bad-gzip-truncated.idx.gz", 20, 0, 0},
    {"bad-gzip-crc.idx.gz", 0, -6, 0x55},        /* the CRC-32 trailer */
    {"bad-gzip-length.idx.gz", 0, -2, 0x01},     /* the ISIZE trailer */
    {"bad-gzip-corrupt-deflate.idx.gz", 0, 12, 0xff},
};

static void idx_seed_as(const char *name, bytes b, bool compressed)
{
    if (compressed)
        b = gzip(&b);
    write_seed("idx", name, b.data, b.size);
}

static void idx_table_seeds(void)
{
    for (size_t i = 0; i < sizeof image_seeds / sizeof image_seeds[0]; i++) {
        const image_seed *s = &image_seeds[i];
        idx_seed_as(s->name, images(s->count, s->rows, s->cols, s->data), s->gzip);
    }
    for (size_t i = 0; i < sizeof label_seeds / sizeof label_seeds[0]; i++) {
        const label_seed *s = &label_seeds[i];
        bytes b = labels(s->count, s->data);
        if (s->last >= 0)
            b.data[b.size - 1] = (unsigned char)s->last;
        idx_seed_as(s->name, b, s->gzip);
    }
    bytes valid = images(3, 2, 2, 12), packed = gzip(&valid);
    for (size_t i = 0; i < sizeof gzip_damages / sizeof gzip_damages[0]; i++) {
        const gzip_damage *d = &gzip_damages[i];
        bytes b = packed;
        if (d->keep)
            b.size = d->keep;
        if (d->flip)
            b.data[d->at < 0 ? (long)b.size + d->at : d->at] ^= d->flip;
        idx_seed_as(d->name, b, false);
    }
}

/* Files that are not a variation of a header. */
static void idx_other_seeds(void)
{
    idx_seed_as("bad-empty.idx", (bytes){.size = 0}, false);
    bytes b = images(3, 2, 2, 12);
    b.size = 4;
    idx_seed_as("bad-magic-only.idx", b, false);
    b.size = 10;
    idx_seed_as("bad-header-cut.idx", b, false);
    idx_seed_as("bad-magic-float-type.idx", idx_file(0xd03, 3, (const uint32_t[]){3, 2, 2}, 12),
                false);
    idx_seed_as("bad-magic-rank-2.idx", idx_file(0x802, 2, (const uint32_t[]){3, 4}, 12), false);
    /* gzip members one after the other read as one stream (as gunzip does). */
    bytes valid = images(3, 2, 2, 12), header = images(3, 2, 2, 0), rest = {.size = 12};
    memcpy(rest.data, valid.data + 16, 12);
    bytes two = gzip(&header), second = gzip(&rest);
    append(&two, &second);
    idx_seed_as("valid-images-two-gzip-members.idx.gz", two, false);
}

/* ---- safetensors rewrites ---------------------------------------------------------------- */

/* One change to a valid file: a text replacement in a metadata value, a tensor dropped, one
 * more tensor, or the metadata dropped. */
typedef struct rewrite {
    const char *name;             /* the new file's name */
    const char *key, *find, *replacement;  /* metadata `key`: `find` -> `replacement` */
    const char *drop_tensor;
    bool extra_tensor;
    bool drop_metadata;
} rewrite;

static void rewrite_file(const char *target, const char *from, const rewrite *change)
{
    gan_st_file *file = NULL;
    fuzz_require(gan__st_read(&file, from, "make_seeds") == GAN_OK, "reading %s", from);
    size_t count = gan__st_tensor_count(file), kept = 0, metadata_kept = 0;
    gan_st_tensor_in tensors[64];
    gan_st_meta_in metadata[8];
    char *edited = NULL;
    static const float extra_value = 1.0f;
    static const int64_t extra_shape[1] = {1};
    for (size_t i = 0; i < count && kept < 63; i++) {
        const gan_st_tensor *t = gan__st_tensor_at(file, i);
        if (change->drop_tensor && strcmp(t->name, change->drop_tensor) == 0)
            continue;
        tensors[kept++] = (gan_st_tensor_in){t->name, t->dtype, t->rank, t->shape, t->data};
    }
    fuzz_require(!change->drop_tensor || kept == count - 1, "no tensor %s", change->drop_tensor);
    if (change->extra_tensor)
        tensors[kept++] = (gan_st_tensor_in){"extra", GAN_ST_F32, 1, extra_shape, &extra_value};
    for (size_t i = 0; i < gan__st_metadata_count(file) && !change->drop_metadata; i++) {
        const char *key, *value;
        gan__st_metadata_at(file, i, &key, &value);
        if (strcmp(key, GAN_ST_CHECKSUM_KEY) == 0 || strcmp(key, GAN_ST_VERSION_KEY) == 0)
            continue; /* the writer adds them */
        if (change->key && strcmp(key, change->key) == 0)
            value = edited = replace_once(value, change->find, change->replacement);
        metadata[metadata_kept++] = (gan_st_meta_in){key, value};
    }
    fuzz_require(gan__st_write(seed_path(target, change->name), tensors, kept, metadata,
                               metadata_kept, "make_seeds") == GAN_OK, "writing %s", change->name);
    seeds_written++;
    free(edited);
    gan__st_free(file);
}

static void rewrite_all(const char *target, const char *from, const rewrite *changes, size_t count)
{
    char source[2048]; /* seed_path's buffer is reused for each new file */
    snprintf(source, sizeof source, "%s", from);
    for (size_t i = 0; i < count; i++)
        rewrite_file(target, source, &changes[i]);
}

/* ---- model files ------------------------------------------------------------------------- */

#define ARCH "libgan.architecture"

static void model_file_seeds(void)
{
    char name[128];
    for (int which = 0; which < FIXTURE_MODEL_COUNT; which++) {
        gan_model *model = fixture_model(which);
        snprintf(name, sizeof name, "valid-model-%s.safetensors", fixture_model_name(which));
        fuzz_require(gan_model_save(model, seed_path("model_file", name)) == GAN_OK, "saving %s",
                     name);
        seeds_written++;
        gan_model_free(model);
        char weights[128];
        snprintf(weights, sizeof weights, "valid-weights-%s.safetensors", fixture_model_name(which));
        rewrite_all("model_file", seed_path("model_file", name),
                    &(rewrite){.name = weights, .drop_metadata = true}, 1);
    }
    static const rewrite conv[] = {
        {"bad-conv-kernel-5.safetensors", ARCH, "\"kernel_size\":3", "\"kernel_size\":5", NULL, false, false},
        {"bad-conv-input-shape-misfit.safetensors", ARCH, "\"input_shape\":[1,6,6]", "\"input_shape\":[1,5,5]", NULL, false, false},
        {"bad-conv-layernorm-shape.safetensors", ARCH, "[1,12,12]", "[1,12,13]", NULL, false, false},
        {"bad-conv-no-bias.safetensors", ARCH, "\"bias\":true", "\"bias\":false", NULL, false, false},
        {"bad-conv-missing-weight.safetensors", NULL, NULL, NULL, "conv.weight", false, false},
        {"bad-conv-extra-tensor.safetensors", NULL, NULL, NULL, NULL, true, false},
        {"bad-conv-renamed-layer.safetensors", ARCH, "\"name\":\"head\"", "\"name\":\"tail\"", NULL, false, false},
    };
    rewrite_all("model_file", seed_path("model_file", "valid-model-conv.safetensors"), conv,
                sizeof conv / sizeof conv[0]);
    static const rewrite others[] = {
        {"bad-embedding-dim-4.safetensors", ARCH, "\"embedding_dim\":3", "\"embedding_dim\":4", NULL, false, false},
        {"bad-embedding-kind-unknown.safetensors", ARCH, "\"Embedding\"", "\"Embeddings\"", NULL, false, false},
    };
    rewrite_all("model_file", seed_path("model_file", "valid-model-embedding.safetensors"), others,
                sizeof others / sizeof others[0]);
    static const rewrite batchnorm[] = {
        {"bad-batchnorm-not-affine.safetensors", ARCH, "\"affine\":true", "\"affine\":false", NULL, false, false},
        {"bad-batchnorm-missing-running-var.safetensors", NULL, NULL, NULL, "1.running_var", false, false},
        {"valid-batchnorm-without-counter.safetensors", NULL, NULL, NULL, "1.num_batches_tracked", false, false},
    };
    rewrite_all("model_file", seed_path("model_file", "valid-model-linear-batchnorm.safetensors"),
                batchnorm, sizeof batchnorm / sizeof batchnorm[0]);
}

/* ---- training checkpoints ---------------------------------------------------------------- */

/* Options and steps that give each game's checkpoint more to carry. */
static void play(fixture_game *game, int which)
{
    if (which == 0) {
        fuzz_require(gan_trainer_set_float(game->trainer, GAN_TRAINER_EMA_DECAY, 0.9f) == GAN_OK &&
                         gan_trainer_set_float(game->trainer, GAN_TRAINER_LABEL_SMOOTHING, 0.1f) ==
                             GAN_OK, "trainer options");
        gan_tensor *batch = NULL, *tags = NULL;
        int64_t count = 0;
        fuzz_require(gan_tensor_new(&batch, 4, (const int64_t[]){4, 1, 2, 2}) == GAN_OK &&
                         gan_tensor_new(&tags, 1, (const int64_t[]){4}) == GAN_OK, "tensors");
        fuzz_require(gan_dataset_next_batch(game->dataset, game->rng, batch, tags, &count) == GAN_OK,
                     "gan_dataset_next_batch");
        gan_tensor_free(batch);
        gan_tensor_free(tags);
    } else if (which == 1) {
        fuzz_require(gan_trainer_set_int(game->trainer, GAN_TRAINER_N_CRITIC, 2) == GAN_OK &&
                         gan_trainer_set_float(game->trainer, GAN_TRAINER_WEIGHT_CLIP, 0.05f) ==
                             GAN_OK, "trainer options");
    } else {
        fuzz_require(gan_trainer_set_float(game->trainer, GAN_TRAINER_EMA_DECAY, 0.5f) == GAN_OK,
                     "trainer options");
    }
    for (int step = 0; step < 2; step++)
        fuzz_require(gan_trainer_step(game->trainer, game->real) == GAN_OK, "gan_trainer_step");
}

#define TRAINER "libgan.trainer"

static const rewrite checkpoint_changes[] = {
    {"bad-format.safetensors", TRAINER, "libgan-trainer", "libgan-model", NULL, false, false},
    {"bad-version-2.safetensors", TRAINER, "\"version\":1", "\"version\":2", NULL, false, false},
    {"bad-objective.safetensors", TRAINER, "\"objective\":1", "\"objective\":2", NULL, false, false},
    {"bad-steps-negative.safetensors", TRAINER, "\"steps\":2", "\"steps\":-2", NULL, false, false},
    {"bad-n-critic-0.safetensors", TRAINER, "\"n_critic\":1", "\"n_critic\":0", NULL, false, false},
    {"bad-n-critic-1001.safetensors", TRAINER, "\"n_critic\":1", "\"n_critic\":1001", NULL, false, false},
    {"bad-weight-clip-negative.safetensors", TRAINER, "\"weight_clip\":0", "\"weight_clip\":-1", NULL, false, false},
    {"bad-weight-clip-1e300.safetensors", TRAINER, "\"weight_clip\":0", "\"weight_clip\":1e300", NULL, false, false},
    {"bad-ema-decay-1.safetensors", TRAINER, "\"ema_decay\":0.89999997615814209", "\"ema_decay\":1", NULL, false, false},
    {"bad-ema-decay-string.safetensors", TRAINER, "\"ema_decay\":0.89999997615814209", "\"ema_decay\":\"0.9\"", NULL, false, false},
    {"bad-label-flip-2.safetensors", TRAINER, "\"label_flip\":0", "\"label_flip\":2", NULL, false, false},
    {"bad-optim-kind.safetensors", TRAINER, "\"generator_optim\":{\"kind\":1", "\"generator_optim\":{\"kind\":0", NULL, false, false},
    {"bad-optim-slots.safetensors", TRAINER, "\"slots\":2", "\"slots\":3", NULL, false, false},
    {"bad-optim-values-short.safetensors", TRAINER, "\"values\":[0.0099999997764825821,", "\"values\":[", NULL, false, false},
    {"bad-optim-lr-0.safetensors", TRAINER, "\"values\":[0.0099999997764825821,", "\"values\":[0,", NULL, false, false},
    {"bad-optim-lr-1e300.safetensors", TRAINER, "\"values\":[0.0099999997764825821,", "\"values\":[1e300,", NULL, false, false},
    {"bad-optim-flag-2.safetensors", TRAINER, "\"flags\":[0,", "\"flags\":[2,", NULL, false, false},
    {"bad-seed.safetensors", TRAINER, "\"seed\":\"11\"", "\"seed\":\"12\"", NULL, false, false},
    {"bad-seed-2-64.safetensors", TRAINER, "\"seed\":\"11\"", "\"seed\":\"18446744073709551616\"", NULL, false, false},
    {"bad-seed-number.safetensors", TRAINER, "\"seed\":\"11\"", "\"seed\":11", NULL, false, false},
    {"bad-positions-3.safetensors", TRAINER, "\"positions\":[", "\"positions\":[\"1\",", NULL, false, false},
    {"bad-dataset-count.safetensors", TRAINER, "\"count\":6", "\"count\":7", NULL, false, false},
    {"bad-dataset-index.safetensors", TRAINER, "\"index\":4", "\"index\":7", NULL, false, false},
    {"bad-dataset-epoch.safetensors", TRAINER, "\"epoch\":0", "\"epoch\":-1", NULL, false, false},
    {"bad-not-json.safetensors", TRAINER, "{", "[", NULL, false, false},
    {"bad-missing-ema.safetensors", NULL, NULL, NULL, "generator_ema", false, false},
    {"bad-missing-weight.safetensors", NULL, NULL, NULL, "discriminator.0.weight", false, false},
    {"bad-missing-optim-state.safetensors", NULL, NULL, NULL, "generator_optim.state", false, false},
    {"bad-extra-tensor.safetensors", NULL, NULL, NULL, NULL, true, false},
    {"bad-no-metadata.safetensors", NULL, NULL, NULL, NULL, false, true},
};

static void checkpoint_seeds(void)
{
    char name[128];
    for (int which = 0; which < FIXTURE_GAME_COUNT; which++) {
        fixture_game game;
        fixture_game_new(&game, which);
        for (int played = 0; played < 2; played++) {
            if (played)
                play(&game, which);
            snprintf(name, sizeof name, "valid-%s-step%d.safetensors", fixture_game_name(which),
                     played ? 2 : 0);
            fuzz_require(gan_trainer_save(game.trainer, seed_path("checkpoint", name)) == GAN_OK,
                         "saving %s", name);
            seeds_written++;
        }
        fixture_game_free(&game);
    }
    rewrite_all("checkpoint", seed_path("checkpoint", "valid-adam-nonsaturating-dataset-step2.safetensors"),
                checkpoint_changes, sizeof checkpoint_changes / sizeof checkpoint_changes[0]);
}

/* ---- architectures ----------------------------------------------------------------------- */

static void architecture_seed(const char *name, const char *json)
{
    write_seed("architecture", name, json, strlen(json));
}

/* The architectures of the fixture models; returns the conv model's (malloc'd). */
static char *architecture_valid_seeds(void)
{
    char *conv = NULL, name[128];
    for (int which = 0; which < FIXTURE_MODEL_COUNT; which++) {
        gan_model *model = fixture_model(which);
        gan_text text = {0};
        fuzz_require(gan__architecture_write(model, &text, "make_seeds") == GAN_OK, "writing JSON");
        snprintf(name, sizeof name, "valid-%s.json", fixture_model_name(which));
        architecture_seed(name, text.data);
        if (which == 2)
            conv = strdup(text.data);
        gan__text_free(&text);
        gan_model_free(model);
    }
    return conv;
}

/* The architectures inside tests/corpus/safetensors (valid and bad), as bare JSON. */
static void architecture_seeds_from_tests(const char *folder)
{
    DIR *dir = opendir(folder);
    fuzz_require(dir != NULL, "opening %s", folder);
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir)) {
        char path[2048], name[512];
        snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        gan_st_file *file = NULL;
        if (entry->d_name[0] == '.' || gan__st_read(&file, path, "make_seeds") != GAN_OK)
            continue;
        const char *json = gan__st_metadata(file, ARCH);
        snprintf(name, sizeof name, "tests-%.*s.json", (int)strcspn(entry->d_name, "."),
                 entry->d_name);
        if (json)
            architecture_seed(name, json);
        gan__st_free(file);
    }
    closedir(dir);
}

typedef struct json_change {
    const char *name, *find, *replacement;
} json_change;

static const json_change json_changes[] = {
    {"bad-version-2.json", "\"version\":1", "\"version\":2"},
    {"bad-format.json", "libgan-model", "libgan-trainer"},
    {"bad-root-key-unknown.json", "\"layers\":", "\"extra\":0,\"layers\":"},
    {"bad-root-key-twice.json", "\"layers\":", "\"version\":1,\"layers\":"},
    {"bad-input-shape-empty.json", "\"input_shape\":[1,6,6]", "\"input_shape\":[]"},
    {"bad-input-shape-rank-8.json", "\"input_shape\":[1,6,6]", "\"input_shape\":[1,1,1,1,1,1,1,1]"},
    {"bad-input-shape-0.json", "\"input_shape\":[1,6,6]", "\"input_shape\":[1,0,6]"},
    {"bad-input-shape-misfit.json", "\"input_shape\":[1,6,6]", "\"input_shape\":[1,5,5]"},
    {"valid-input-shape-null.json", "\"input_shape\":[1,6,6]", "\"input_shape\":null"},
    {"bad-layers-object.json", "\"layers\":[", "\"layers\":{\"a\":["},
    {"bad-layer-not-object.json", "\"layers\":[", "\"layers\":[1,"},
    {"bad-kind-missing.json", "\"kind\":\"Conv2d\",", ""},
    {"bad-kind-unknown.json", "\"kind\":\"Conv2d\"", "\"kind\":\"Conv3d\""},
    {"bad-layer-key-unknown.json", "\"kind\":\"Conv2d\"", "\"kind\":\"Conv2d\",\"extra\":1"},
    {"bad-init-3.json", "\"init\":0", "\"init\":3"},
    {"bad-name-too-long.json", "\"name\":\"conv\"",
     "\"name\":\"a-name-of-more-than-sixty-three-bytes-which-no-layer-can-hold-at-all\""},
    {"bad-name-twice.json", "\"name\":\"head\"", "\"name\":\"conv\""},
    {"bad-name-nul.json", "\"name\":\"conv\"", "\"name\":\"co\\u0000nv\""},
    {"bad-arg-unknown.json", "\"stride\":1", "\"stride\":1,\"dilation\":1"},
    {"bad-arg-missing.json", "\"stride\":1,", ""},
    {"bad-arg-fraction.json", "\"stride\":1", "\"stride\":1.5"},
    {"bad-arg-huge.json", "\"out_channels\":2", "\"out_channels\":9007199254740993"},
    {"bad-arg-bool.json", "\"bias\":true", "\"bias\":1"},
    {"bad-momentum-2.json", "\"momentum\":0.10000000149011612", "\"momentum\":2"},
    {"bad-eps-0.json", "\"eps\":9.9999997473787516e-06", "\"eps\":0"},
    {"bad-slope-1e39.json", "\"negative_slope\":0.20000000298023224", "\"negative_slope\":1e39"},
    {"bad-dropout-1.json", "\"p\":0.25", "\"p\":1"},
    {"bad-upsample-0.json", "\"scale_factor\":2", "\"scale_factor\":0"},
    {"bad-reshape-rank-8.json", "\"shape\":[1,2,2]", "\"shape\":[1,1,1,1,1,1,1,4]"},
    {"bad-reshape-misfit.json", "\"shape\":[1,2,2]", "\"shape\":[1,2,3]"},
    {"bad-layernorm-shape-string.json", "\"normalized_shape\":[1,12,12]", "\"normalized_shape\":\"x\""},
    {"bad-trailing-text.json", "]}", "]} x"},
    {"bad-cut.json", "\"kind\":\"Tanh\"", "\"ki"},
};

/* Texts that are not an edit of a valid one. */
static void architecture_other_seeds(void)
{
    architecture_seed("bad-empty.json", "");
    architecture_seed("bad-null.json", "null");
    architecture_seed("bad-invalid-utf8.json", "{\"format\":\"libgan-\xff\"}");
    architecture_seed("bad-control-char.json", "{\"format\":\"libgan-model\x01\"}");
    architecture_seed("valid-no-layers.json",
                      "{\"format\":\"libgan-model\",\"version\":1,\"input_shape\":null,\"layers\":[]}");
    char deep[4200];
    memset(deep, '[', 4096);
    deep[4096] = '\0';
    architecture_seed("bad-deep-nesting.json", deep);
    /* One layer more than GAN_ARCHITECTURE_MAX_LAYERS (4096), each the smallest entry. */
    static char many[4200 * 3 + 128];
    size_t at = (size_t)snprintf(many, sizeof many, "{\"format\":\"libgan-model\",\"version\":1,"
                                 "\"input_shape\":null,\"layers\":[");
    for (int i = 0; i <= GAN_ARCHITECTURE_MAX_LAYERS; i++)
        at += (size_t)snprintf(many + at, sizeof many - at, "%s{}", i ? "," : "");
    snprintf(many + at, sizeof many - at, "]}");
    architecture_seed("bad-4097-layers.json", many);
}

static void architecture_seeds(void)
{
    char *conv = architecture_valid_seeds();
    for (size_t i = 0; i < sizeof json_changes / sizeof json_changes[0]; i++) {
        char *edited = replace_once(conv, json_changes[i].find, json_changes[i].replacement);
        architecture_seed(json_changes[i].name, edited);
        free(edited);
    }
    free(conv);
    architecture_seeds_from_tests("tests/corpus/safetensors");
    architecture_other_seeds();
}

/* ---- main -------------------------------------------------------------------------------- */

static void make_folder(const char *target)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", out_dir, target);
    fuzz_require(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_FOLDER\n", argv[0]);
        return 2;
    }
    snprintf(out_dir, sizeof out_dir, "%s", argv[1]);
    fuzz_init();
    make_folder("");
    static const char *const targets[] = {"idx", "model_file", "checkpoint", "architecture"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        make_folder(targets[i]);
    idx_table_seeds();
    idx_other_seeds();
    model_file_seeds();
    checkpoint_seeds();
    architecture_seeds();
    fuzz_require_no_leak();
    printf("make_seeds: %d seeds written in %s\n", seeds_written, out_dir);
    return 0;
}
