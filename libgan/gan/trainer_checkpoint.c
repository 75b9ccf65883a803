/*
 * Training checkpoints: everything a trainer needs to continue bitwise as if it had never
 * stopped, in one safetensors file (io/safetensors.h: atomic, checksummed, read as hostile).
 *
 * The players: the generator, then the discriminators, named "generator",
 * "discriminator", "discriminator1", ... Tensors: "PLAYER.NAME" for each model's parameters
 * and buffers (PyTorch's names); "PLAYER_optim.state" ([slots, parameters]: every state
 * array an optimizer holds, in use or not); "generator_ema" when the EMA is on. Metadata
 * "libgan.trainer": JSON with the trainer's step count and options, the number of
 * discriminators, each optimizer's rule, options, milestones and step count under
 * "PLAYER_optim", the random generator's seed and stream positions (64-bit integers as
 * decimal strings), early stopping's record and the attached data set's position.
 *
 * Checkpoints of 0.5 load: they lack the options, the stream, the record and the
 * discriminator count added since, which then take their defaults (off, 0, none, 1).
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "core/random_impl.h"
#include "data/dataset_impl.h"
#include "gan/discriminator_impl.h"
#include "gan/generator_impl.h"
#include "gan/trainer_impl.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "loss/loss_impl.h"
#include "optim/optim_impl.h"

#define TRAINER_KEY "libgan.trainer"
enum { NAME_CAPACITY = GAN_ST_NAME_MAX + 1, PLAYERS = 1 + GAN__MAX_DISCRIMINATORS };

/* Player 0 is the generator, players 1 .. discriminator_count the discriminators. */
static int player_count(const gan_trainer *trainer)
{
    return 1 + trainer->discriminator_count;
}

static gan_model *player_model(const gan_trainer *trainer, int player)
{
    return player == 0 ? trainer->generator->model : trainer->discriminators[player - 1]->model;
}

static gan_optim *player_optim(const gan_trainer *trainer, int player)
{
    return player == 0 ? trainer->generator_optim : trainer->discriminator_optims[player - 1];
}

/* "generator", "discriminator", "discriminator1", ... followed by `suffix`. */
static const char *player_key(char buffer[NAME_CAPACITY], int player, const char *suffix)
{
    snprintf(buffer, NAME_CAPACITY, "%s%s",
             player == 0 ? "generator" : gan__discriminator_label(player - 1), suffix);
    return buffer;
}

/* The trainer options added in 0.6, all plain fields: written and read through the public
 * getters and setters, which check them. */
static const struct {
    const char *key;
    gan_trainer_option option;
    bool integer;
} newer_options[] = {
    {"instance_noise", GAN_TRAINER_INSTANCE_NOISE, false},
    {"instance_noise_steps", GAN_TRAINER_INSTANCE_NOISE_STEPS, true},
    {"diversity_alarm", GAN_TRAINER_DIVERSITY_ALARM, false},
    {"coverage_alarm", GAN_TRAINER_COVERAGE_ALARM, false},
    {"patience", GAN_TRAINER_PATIENCE, true},
    {"min_improvement", GAN_TRAINER_MIN_IMPROVEMENT, false},
    {"gman_lambda", GAN_TRAINER_GMAN_LAMBDA, false},
};
enum { NEWER_OPTIONS = sizeof newer_options / sizeof newer_options[0] };

/* The tensors of a checkpoint, with their names in one arena. */
typedef struct tensor_list {
    gan_st_tensor_in *items;
    char (*names)[NAME_CAPACITY];
    int64_t (*shapes)[2];  /* for the 1-d and 2-d arrays the list makes itself */
    size_t count, capacity;
} tensor_list;

static void list_free(tensor_list *list)
{
    gan__free(list->items);
    gan__free(list->names);
    gan__free(list->shapes);
}

static gan_status list_reserve(tensor_list *list, size_t capacity)
{
    list->items = gan__calloc_array(capacity, sizeof *list->items, "checkpoint tensor list");
    list->names = list->items ? gan__calloc_array(capacity, NAME_CAPACITY, "checkpoint names") : NULL;
    list->shapes = list->names ? gan__calloc_array(capacity, sizeof *list->shapes, "checkpoint shapes") : NULL;
    list->capacity = capacity;
    return list->shapes ? GAN_OK : GAN_ERR_OUT_OF_MEMORY;
}

static void list_add(tensor_list *list, const char *prefix, const char *name, const gan_tensor *tensor)
{
    size_t i = list->count++;
    snprintf(list->names[i], NAME_CAPACITY, "%s%s", prefix, name);
    list->items[i] = (gan_st_tensor_in){list->names[i], GAN_ST_F32, tensor->rank, tensor->shape,
                                        tensor->data};
}

static void list_add_array(tensor_list *list, const char *name, const float *data, int64_t rows,
                           int64_t columns)
{
    size_t i = list->count++;
    snprintf(list->names[i], NAME_CAPACITY, "%s", name);
    list->shapes[i][0] = rows;
    list->shapes[i][1] = columns;
    list->items[i] = (gan_st_tensor_in){list->names[i], GAN_ST_F32, rows < 0 ? 1 : 2,
                                        rows < 0 ? list->shapes[i] + 1 : list->shapes[i], data};
}

/* Calls `visit` for each named parameter and buffer of a model. */
typedef void (*tensor_visitor)(void *context, const char *name, gan_tensor *tensor);

static void each_named_tensor(gan_model *model, tensor_visitor visit, void *context)
{
    for (int i = 0; i < gan_model_named_parameter_count(model); i++) {
        const char *name;
        gan_tensor *value;
        gan_model_named_parameter(model, i, &name, &value, NULL);
        visit(context, name, value);
    }
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        const char *name;
        gan_tensor *value;
        gan_model_named_buffer(model, i, &name, &value);
        visit(context, name, value);
    }
}

typedef struct add_context {
    tensor_list *list;
    const char *prefix;
} add_context;

static void add_visitor(void *context, const char *name, gan_tensor *tensor)
{
    const add_context *add = context;
    list_add(add->list, add->prefix, name, tensor);
}

static size_t named_tensor_count(gan_model *model)
{
    return (size_t)gan_model_named_parameter_count(model) +
           (size_t)gan_model_named_buffer_count(model);
}

/* ---- the metadata ---------------------------------------------------------------------- */

static void json_u64(gan_text *text, uint64_t value)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, value);
    gan__text_json_string(text, digits);
}

static void write_optim(gan_text *text, const char *key, const gan_optim *optim)
{
    gan__text_puts(text, ",\"");
    gan__text_puts(text, key);
    gan__text_puts(text, "\":{\"kind\":");
    gan__text_json_int(text, optim->kind);
    gan__text_puts(text, ",\"steps\":");
    gan__text_json_int(text, optim->steps);
    gan__text_puts(text, ",\"slots\":");
    gan__text_json_int(text, optim->slots);
    gan__text_puts(text, ",\"values\":[");
    for (int i = 0; i < GAN__OPTIM_OPTION_COUNT; i++) {
        gan__text_puts(text, i ? "," : "");
        gan__text_json_double(text, optim->value[i]);
    }
    gan__text_puts(text, "],\"flags\":[");
    for (int i = 0; i < GAN__OPTIM_OPTION_COUNT; i++) {
        gan__text_puts(text, i ? "," : "");
        gan__text_json_int(text, optim->flag[i]);
    }
    gan__text_puts(text, "],\"milestones\":[");
    for (int i = 0; i < optim->milestone_count; i++) {
        gan__text_puts(text, i ? "," : "");
        gan__text_json_int(text, optim->milestones[i]);
    }
    gan__text_puts(text, "]}");
}

static gan_status write_metadata(const gan_trainer *trainer, gan_text *text)
{
    gan__text_puts(text, "{\"format\":\"libgan-trainer\",\"version\":1,\"objective\":");
    gan__text_json_int(text, trainer->objective);
    gan__text_puts(text, ",\"steps\":");
    gan__text_json_int(text, trainer->steps);
    gan__text_puts(text, ",\"n_critic\":");
    gan__text_json_int(text, trainer->n_critic);
    gan__text_puts(text, ",\"weight_clip\":");
    gan__text_json_double(text, trainer->weight_clip);
    gan__text_puts(text, ",\"ema_decay\":");
    gan__text_json_double(text, trainer->ema_decay);
    gan__text_puts(text, ",\"label_smoothing\":");
    gan__text_json_double(text, trainer->loss->label_smoothing);
    gan__text_puts(text, ",\"label_flip\":");
    gan__text_json_double(text, trainer->loss->label_flip);
    for (int i = 0; i < NEWER_OPTIONS; i++) {
        gan__text_puts(text, ",\"");
        gan__text_puts(text, newer_options[i].key);
        gan__text_puts(text, "\":");
        int64_t integer = 0;
        float real = 0.0f;
        if (newer_options[i].integer) {
            gan_trainer_get_int(trainer, newer_options[i].option, &integer);
            gan__text_json_int(text, integer);
        } else {
            gan_trainer_get_float(trainer, newer_options[i].option, &real);
            gan__text_json_double(text, real);
        }
    }
    gan__text_puts(text, ",\"discriminators\":");
    gan__text_json_int(text, trainer->discriminator_count);
    for (int player = 0; player < player_count(trainer); player++) {
        char key[NAME_CAPACITY];
        write_optim(text, player_key(key, player, "_optim"), player_optim(trainer, player));
    }
    const gan_evaluation_record *record = &trainer->evaluations;
    gan__text_puts(text, ",\"evaluations\":{\"count\":");
    gan__text_json_int(text, record->count);
    gan__text_puts(text, ",\"best\":");
    gan__text_json_double(text, record->count > 0 ? record->best : 0.0);
    gan__text_puts(text, ",\"best_step\":");
    gan__text_json_int(text, record->best_step);
    gan__text_puts(text, ",\"since_best\":");
    gan__text_json_int(text, record->since_best);
    gan__text_puts(text, "},\"rng\":{\"seed\":");
    json_u64(text, gan_rng_seed(trainer->rng));
    gan__text_puts(text, ",\"positions\":[");
    for (int stream = 0; stream < GAN__RNG_STREAMS; stream++) {
        uint64_t position = 0;
        gan_rng_get_position(trainer->rng, (gan_rng_stream)stream, &position);
        gan__text_puts(text, stream ? "," : "");
        json_u64(text, position);
    }
    gan__text_puts(text, "]}");
    if (trainer->dataset) {
        gan_dataset_state state;
        gan__dataset_get_state(trainer->dataset, &state);
        gan__text_puts(text, ",\"dataset\":{\"epoch\":");
        gan__text_json_int(text, state.epoch);
        gan__text_puts(text, ",\"index\":");
        gan__text_json_int(text, state.index);
        gan__text_puts(text, ",\"count\":");
        gan__text_json_int(text, state.count);
        gan__text_puts(text, ",\"shuffle_position\":");
        json_u64(text, state.shuffle_position);
        gan__text_puts(text, "}");
    }
    gan__text_puts(text, "}");
    return gan__text_status(text);
}

gan_status gan_trainer_save(const gan_trainer *trainer, const char *path)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!path)
        return gan__null(__func__, "path");
    tensor_list list = {0};
    gan_text metadata = {0};
    size_t capacity = 1; /* the EMA */
    for (int player = 0; player < player_count(trainer); player++)
        capacity += named_tensor_count(player_model(trainer, player)) + 1;
    gan_status status = list_reserve(&list, capacity);
    if (status == GAN_OK) {
        for (int player = 0; player < player_count(trainer); player++) {
            char prefix[NAME_CAPACITY], state[NAME_CAPACITY];
            each_named_tensor(player_model(trainer, player), add_visitor,
                              &(add_context){&list, player_key(prefix, player, ".")});
            const gan_optim *optim = player_optim(trainer, player);
            if (optim->slots > 0)
                list_add_array(&list, player_key(state, player, "_optim.state"), optim->state,
                               optim->slots, (int64_t)optim->count);
        }
        if (trainer->ema) {
            float *average;
            size_t count;
            status = gan_ema_data(trainer->ema, &average, &count);
            if (status == GAN_OK)
                list_add_array(&list, "generator_ema", average, -1, (int64_t)count);
        }
    }
    if (status == GAN_OK)
        status = write_metadata(trainer, &metadata);
    if (status == GAN_OK) {
        gan_st_meta_in entry = {TRAINER_KEY, metadata.data};
        status = gan__st_write(path, list.items, list.count, &entry, 1, __func__);
    }
    gan__text_free(&metadata);
    list_free(&list);
    return status;
}

/* ---- loading ---------------------------------------------------------------------------- */

/* What a checkpoint holds for one optimizer, validated. */
typedef struct optim_record {
    gan_optim checked;  /* the optimizer with the file's options applied through its setters */
    int64_t steps;
    const gan_st_tensor *state;
} optim_record;

/* Everything gan_trainer_load applies, gathered and checked before anything is written. */
typedef struct checkpoint_data {
    const gan_st_file *file;
    const char *path;
    const gan_st_tensor **tensors;  /* the models' tensors in each_named_tensor order */
    size_t tensor_count, used;
    optim_record optims[PLAYERS];
    int64_t steps, n_critic;
    float weight_clip, ema_decay, label_smoothing, label_flip;
    gan_trainer newer;  /* a copy of the trainer with the file's newer options set */
    gan_evaluation_record evaluations;
    uint64_t positions[GAN__RNG_STREAMS];
    const gan_st_tensor *ema;
    bool has_dataset;
    gan_dataset_state dataset;
} checkpoint_data;

static gan_status bad(const checkpoint_data *checkpoint, const char *what)
{
    return gan__fail(GAN_ERR_FORMAT, "gan_trainer_load: '%s': %s", checkpoint->path, what);
}

static gan_status read_int(const checkpoint_data *checkpoint, const cJSON *object, const char *key,
                           int64_t minimum, int64_t *value)
{
    if (!gan__json_integer(cJSON_GetObjectItemCaseSensitive(object, key), value) || *value < minimum)
        return gan__fail(GAN_ERR_FORMAT, "gan_trainer_load: '%s': \"%s\" is missing or not an "
                         "integer >= %lld", checkpoint->path, key, (long long)minimum);
    return GAN_OK;
}

/* A number that converts to a finite float: a larger one would become infinity (and the
 * conversion is undefined behaviour in C), which the setters refuse and JSON cannot hold. */
static bool is_float(const cJSON *item)
{
    return cJSON_IsNumber(item) && item->valuedouble >= -FLT_MAX && item->valuedouble <= FLT_MAX;
}

static gan_status read_float(const checkpoint_data *checkpoint, const cJSON *object, const char *key,
                             float *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (!is_float(item))
        return gan__fail(GAN_ERR_FORMAT, "gan_trainer_load: '%s': \"%s\" is missing or not a "
                         "number in the range of float", checkpoint->path, key);
    *value = (float)item->valuedouble;
    return GAN_OK;
}

static gan_status read_u64(const checkpoint_data *checkpoint, const cJSON *item, uint64_t *value)
{
    const char *text = cJSON_GetStringValue(item);
    char *end = NULL;
    if (!text || text[0] < '0' || text[0] > '9' || strlen(text) > 20)
        return bad(checkpoint, "a random-generator value is not a decimal string");
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return bad(checkpoint, "a random-generator value is not a 64-bit integer");
    *value = (uint64_t)parsed;
    return GAN_OK;
}

/* The milestones of a multi-step schedule, through the setter, which checks them; absent
 * (a checkpoint of 0.5) means none. */
static gan_status read_milestones(const checkpoint_data *checkpoint, const cJSON *array,
                                  gan_optim *probe)
{
    int64_t milestones[GAN__OPTIM_MAX_MILESTONES];
    int count = array ? cJSON_GetArraySize(array) : 0;
    if ((array && !cJSON_IsArray(array)) || count > GAN__OPTIM_MAX_MILESTONES)
        return bad(checkpoint, "an optimizer's milestones are not an array of at most 64 integers");
    for (int i = 0; i < count; i++)
        if (!gan__json_integer(cJSON_GetArrayItem(array, i), &milestones[i]))
            return bad(checkpoint, "an optimizer's milestone is not an integer");
    return gan_optim_set_milestones(probe, milestones, (size_t)count);
}

/* Applies the file's options to a copy of `optim` through the public setters, which check
 * every value; options the rule does not have keep their (equal) defaults. */
static gan_status read_optim(checkpoint_data *checkpoint, const cJSON *object, const gan_optim *optim,
                             const char *key, const char *state_name, optim_record *record)
{
    if (!cJSON_IsObject(object))
        return gan__fail(GAN_ERR_FORMAT, "gan_trainer_load: '%s': no \"%s\" (the optimizer's "
                         "state)", checkpoint->path, key);
    int64_t kind, slots;
    gan_status status = read_int(checkpoint, object, "kind", 0, &kind);
    if (status == GAN_OK)
        status = read_int(checkpoint, object, "steps", 0, &record->steps);
    if (status == GAN_OK)
        status = read_int(checkpoint, object, "slots", 0, &slots);
    if (status != GAN_OK)
        return status;
    if (kind != optim->kind || slots != optim->slots)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_trainer_load: '%s': %s was rule %lld "
                         "with %lld state arrays; this trainer's is rule %d with %d",
                         checkpoint->path, key, (long long)kind, (long long)slots,
                         (int)optim->kind, optim->slots);
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(object, "values");
    const cJSON *flags = cJSON_GetObjectItemCaseSensitive(object, "flags");
    /* A checkpoint of 0.5 has no schedule options: the optimizer keeps its own. */
    int option_count = cJSON_GetArraySize(values);
    if ((option_count != GAN__OPTIM_OPTION_COUNT && option_count != GAN__OPTIM_OPTION_COUNT_0_5) ||
        cJSON_GetArraySize(flags) != option_count)
        return bad(checkpoint, "an optimizer's options are not two arrays of the right length");
    record->checked = *optim;
    gan_optim *probe = &record->checked;
    status = read_milestones(checkpoint, cJSON_GetObjectItemCaseSensitive(object, "milestones"),
                             probe);
    if (status == GAN_OK && probe->flag[GAN_OPTIM_NESTEROV])
        status = gan_optim_set_int(probe, GAN_OPTIM_NESTEROV, 0); /* so momentum may change */
    for (int i = 0; status == GAN_OK && i < option_count; i++) {
        const cJSON *value = cJSON_GetArrayItem(values, i);
        int64_t flag;
        if (!is_float(value) || !gan__json_integer(cJSON_GetArrayItem(flags, i), &flag))
            return bad(checkpoint, "an optimizer option is not a number in the range of float");
        if ((float)value->valuedouble != probe->value[i])
            status = gan_optim_set_float(probe, (gan_optim_option)i, (float)value->valuedouble);
        if (status == GAN_OK && flag != probe->flag[i])
            status = gan_optim_set_int(probe, (gan_optim_option)i, flag);
    }
    if (status != GAN_OK)
        return status;
    if (slots > 0)
        status = gan__st_expect(checkpoint->file, state_name, GAN_ST_F32, 2, (const int64_t[]){slots, (int64_t)optim->count},
                                &record->state);
    checkpoint->used += slots > 0;
    return status;
}

/* The options added in 0.6 (absent from older files: their defaults), and the number of
 * discriminators, which must be this trainer's. */
static gan_status read_newer_options(checkpoint_data *checkpoint, const cJSON *root,
                                     const gan_trainer *trainer)
{
    int64_t discriminators = 1;
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(root, "discriminators");
    if (count && !gan__json_integer(count, &discriminators))
        return bad(checkpoint, "\"discriminators\" is not an integer");
    if (discriminators != trainer->discriminator_count)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_trainer_load: '%s' was trained with "
                         "%lld discriminators; this trainer has %d", checkpoint->path,
                         (long long)discriminators, trainer->discriminator_count);
    checkpoint->newer = *trainer;
    gan_status status = GAN_OK;
    for (int i = 0; status == GAN_OK && i < NEWER_OPTIONS; i++) {
        const char *key = newer_options[i].key;
        int64_t integer = 0;
        float real = 0.0f;
        bool present = cJSON_GetObjectItemCaseSensitive(root, key) != NULL;
        if (newer_options[i].integer) {
            if (present)
                status = read_int(checkpoint, root, key, 0, &integer);
            if (status == GAN_OK)
                status = gan_trainer_set_int(&checkpoint->newer, newer_options[i].option, integer);
        } else {
            if (present)
                status = read_float(checkpoint, root, key, &real);
            if (status == GAN_OK)
                status = gan_trainer_set_float(&checkpoint->newer, newer_options[i].option, real);
        }
        if (status == GAN_ERR_INVALID_ARGUMENT)
            status = bad(checkpoint, "a trainer option added in 0.6 is out of range");
    }
    return status;
}

/* Early stopping's record (absent before 0.6: no evaluation yet). */
static gan_status read_evaluations(checkpoint_data *checkpoint, const cJSON *object)
{
    gan_evaluation_record *record = &checkpoint->evaluations;
    *record = (gan_evaluation_record){0};
    if (!object)
        return GAN_OK;
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(object, "best");
    gan_status status = read_int(checkpoint, object, "count", 0, &record->count);
    if (status == GAN_OK)
        status = read_int(checkpoint, object, "best_step", 0, &record->best_step);
    if (status == GAN_OK)
        status = read_int(checkpoint, object, "since_best", 0, &record->since_best);
    if (status == GAN_OK && (!cJSON_IsNumber(best) || !isfinite(best->valuedouble) ||
                             record->since_best > record->count))
        status = bad(checkpoint, "the evaluation record is not consistent");
    if (status == GAN_OK)
        record->best = best->valuedouble;
    return status;
}

static gan_status read_metadata(checkpoint_data *checkpoint, const gan_trainer *trainer)
{
    const char *json = gan__st_metadata(checkpoint->file, TRAINER_KEY);
    if (!json)
        return bad(checkpoint, "no \"" TRAINER_KEY "\" metadata: not a training checkpoint");
    cJSON *root = NULL;
    gan_status status = gan__json_parse(json, strlen(json), &root, "gan_trainer_load",
                                        "the training state");
    if (status != GAN_OK)
        return status;
    int64_t version, objective;
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "libgan-trainer") != 0)
        status = bad(checkpoint, "the training state's format is not \"libgan-trainer\"");
    if (status == GAN_OK)
        status = read_int(checkpoint, root, "version", 1, &version);
    if (status == GAN_OK && version != 1)
        status = gan__fail(GAN_ERR_UNSUPPORTED, "gan_trainer_load: '%s': training-state "
                           "version %lld is newer than this libgan", checkpoint->path,
                           (long long)version);
    if (status == GAN_OK)
        status = read_int(checkpoint, root, "objective", 0, &objective);
    if (status == GAN_OK && objective != trainer->objective)
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_trainer_load: '%s' was trained with "
                           "objective %lld, this trainer uses %d", checkpoint->path,
                           (long long)objective, (int)trainer->objective);
    if (status == GAN_OK)
        status = read_int(checkpoint, root, "steps", 0, &checkpoint->steps);
    if (status == GAN_OK)
        status = read_int(checkpoint, root, "n_critic", 1, &checkpoint->n_critic);
    if (status == GAN_OK)
        status = read_float(checkpoint, root, "weight_clip", &checkpoint->weight_clip);
    if (status == GAN_OK)
        status = read_float(checkpoint, root, "ema_decay", &checkpoint->ema_decay);
    if (status == GAN_OK)
        status = read_float(checkpoint, root, "label_smoothing", &checkpoint->label_smoothing);
    if (status == GAN_OK)
        status = read_float(checkpoint, root, "label_flip", &checkpoint->label_flip);
    if (status == GAN_OK)
        status = read_newer_options(checkpoint, root, trainer);
    for (int player = 0; status == GAN_OK && player < player_count(trainer); player++) {
        char key[NAME_CAPACITY], state_name[NAME_CAPACITY];
        player_key(key, player, "_optim");
        player_key(state_name, player, "_optim.state");
        status = read_optim(checkpoint, cJSON_GetObjectItemCaseSensitive(root, key),
                            player_optim(trainer, player), key, state_name,
                            &checkpoint->optims[player]);
    }
    if (status == GAN_OK)
        status = read_evaluations(checkpoint, cJSON_GetObjectItemCaseSensitive(root, "evaluations"));
    const cJSON *rng = cJSON_GetObjectItemCaseSensitive(root, "rng");
    const cJSON *positions = cJSON_GetObjectItemCaseSensitive(rng, "positions");
    uint64_t seed = 0;
    int streams = cJSON_GetArraySize(positions);
    if (status == GAN_OK && streams != GAN__RNG_STREAMS && streams != GAN__RNG_STREAMS_0_5)
        status = bad(checkpoint, "the random generator's positions are not 5 values (4 before 0.6)");
    if (status == GAN_OK)
        status = read_u64(checkpoint, cJSON_GetObjectItemCaseSensitive(rng, "seed"), &seed);
    for (int i = 0; status == GAN_OK && i < streams; i++)
        status = read_u64(checkpoint, cJSON_GetArrayItem(positions, i), &checkpoint->positions[i]);
    const cJSON *dataset = cJSON_GetObjectItemCaseSensitive(root, "dataset");
    if (status == GAN_OK && dataset && trainer->dataset) {
        checkpoint->has_dataset = true;
        status = read_int(checkpoint, dataset, "epoch", 0, &checkpoint->dataset.epoch);
        if (status == GAN_OK)
            status = read_int(checkpoint, dataset, "index", 0, &checkpoint->dataset.index);
        if (status == GAN_OK)
            status = read_int(checkpoint, dataset, "count", 0, &checkpoint->dataset.count);
        if (status == GAN_OK)
            status = read_u64(checkpoint, cJSON_GetObjectItemCaseSensitive(dataset, "shuffle_position"),
                              &checkpoint->dataset.shuffle_position);
        if (status == GAN_OK)
            status = gan__dataset_check_state(trainer->dataset, &checkpoint->dataset);
    }
    if (status == GAN_OK && seed != gan_rng_seed(trainer->rng))
        status = gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_trainer_load: '%s' was trained with "
                           "seed %" PRIu64 "; this trainer's random generator has seed %" PRIu64,
                           checkpoint->path, seed, gan_rng_seed(trainer->rng));
    cJSON_Delete(root);
    return status;
}

typedef struct expect_context {
    checkpoint_data *checkpoint;
    const char *prefix;
    gan_status status;
} expect_context;

static void expect_visitor(void *context, const char *name, gan_tensor *tensor)
{
    expect_context *expect = context;
    checkpoint_data *checkpoint = expect->checkpoint;
    if (expect->status != GAN_OK)
        return;
    char full[NAME_CAPACITY];
    snprintf(full, sizeof full, "%s%s", expect->prefix, name);
    expect->status = gan__st_expect(checkpoint->file, full, GAN_ST_F32, tensor->rank, tensor->shape,
                                    &checkpoint->tensors[checkpoint->tensor_count]);
    checkpoint->tensor_count++;
    checkpoint->used++;
}

/* The trainer options of the file, checked by the same rules as the setters. */
static gan_status check_options(const checkpoint_data *checkpoint, const gan_trainer *trainer)
{
    gan_loss probe = *trainer->loss;
    gan_status status = GAN_OK;
    if (gan__objective_is_bce(probe.objective)) {
        status = gan_loss_set_float(&probe, GAN_LOSS_LABEL_SMOOTHING, checkpoint->label_smoothing);
        if (status == GAN_OK)
            status = gan_loss_set_float(&probe, GAN_LOSS_LABEL_FLIP, checkpoint->label_flip);
    } else if (checkpoint->label_smoothing != 0.0f || checkpoint->label_flip != 0.0f) {
        /* The other objectives have no labels to smooth or flip. */
        status = bad(checkpoint, "label smoothing or flipping is set for an objective without labels");
    }
    if (status == GAN_OK && (checkpoint->n_critic > 1000 || checkpoint->weight_clip < 0.0f ||
                             !(checkpoint->ema_decay >= 0.0f && checkpoint->ema_decay < 1.0f)))
        status = bad(checkpoint, "n_critic, weight_clip or ema_decay is out of range");
    return status;
}

/* Everything the file must hold for this trainer; GAN_OK means applying cannot fail. */
static gan_status gather(checkpoint_data *checkpoint, const gan_trainer *trainer)
{
    gan_model *g = trainer->generator->model;
    gan_status status = read_metadata(checkpoint, trainer);
    if (status == GAN_OK)
        status = check_options(checkpoint, trainer);
    if (status != GAN_OK)
        return status;
    size_t tensors = 1;
    for (int player = 0; player < player_count(trainer); player++)
        tensors += named_tensor_count(player_model(trainer, player));
    checkpoint->tensors = gan__calloc_array(tensors, sizeof *checkpoint->tensors,
                                            "checkpoint tensors");
    if (!checkpoint->tensors)
        return GAN_ERR_OUT_OF_MEMORY;
    expect_context expect = {checkpoint, NULL, GAN_OK};
    for (int player = 0; player < player_count(trainer); player++) {
        char prefix[NAME_CAPACITY];
        expect.prefix = player_key(prefix, player, ".");
        each_named_tensor(player_model(trainer, player), expect_visitor, &expect);
    }
    status = expect.status;
    if (status == GAN_OK && checkpoint->ema_decay > 0.0f) {
        status = gan__st_expect(checkpoint->file, "generator_ema", GAN_ST_F32, 1,
                                (const int64_t[]){gan_model_parameter_count(g)}, &checkpoint->ema);
        checkpoint->used++;
    }
    if (status == GAN_OK && checkpoint->used != gan__st_tensor_count(checkpoint->file))
        status = gan__fail(GAN_ERR_NOT_FOUND, "gan_trainer_load: '%s' holds %zu tensors; this "
                           "trainer has %zu (a different architecture?)", checkpoint->path,
                           gan__st_tensor_count(checkpoint->file), checkpoint->used);
    return status;
}

typedef struct apply_context {
    const checkpoint_data *checkpoint;
    size_t next;
} apply_context;

static void apply_visitor(void *context, const char *name, gan_tensor *tensor)
{
    (void)name;
    apply_context *apply = context;
    const gan_st_tensor *source = apply->checkpoint->tensors[apply->next++];
    memcpy(tensor->data, source->data, source->nbytes);
}

static void apply_optim(gan_optim *optim, const optim_record *record)
{
    memcpy(optim->value, record->checked.value, sizeof optim->value);
    memcpy(optim->flag, record->checked.flag, sizeof optim->flag);
    memcpy(optim->milestones, record->checked.milestones, sizeof optim->milestones);
    optim->milestone_count = record->checked.milestone_count;
    if (record->state)
        memcpy(optim->state, record->state->data, record->state->nbytes);
    gan_optim_set_step_count(optim, record->steps);
}

gan_status gan_trainer_load(gan_trainer *trainer, const char *path)
{
    if (!trainer)
        return gan__null(__func__, "trainer");
    if (!path)
        return gan__null(__func__, "path");
    gan_st_file *file = NULL;
    gan_status status = gan__st_read(&file, path, __func__);
    if (status != GAN_OK)
        return status;
    checkpoint_data checkpoint = {.file = file, .path = path};
    gan_ema *ema = NULL;
    status = gather(&checkpoint, trainer);
    if (status == GAN_OK && checkpoint.ema_decay > 0.0f)
        status = gan_ema_new(&ema, trainer->generator->model, checkpoint.ema_decay);
    if (status == GAN_OK) {
        apply_context apply = {&checkpoint, 0};
        for (int player = 0; player < player_count(trainer); player++) {
            each_named_tensor(player_model(trainer, player), apply_visitor, &apply);
            apply_optim(player_optim(trainer, player), &checkpoint.optims[player]);
        }
        trainer->instance_noise = checkpoint.newer.instance_noise;
        trainer->instance_noise_steps = checkpoint.newer.instance_noise_steps;
        trainer->diversity_alarm = checkpoint.newer.diversity_alarm;
        trainer->coverage_alarm = checkpoint.newer.coverage_alarm;
        trainer->patience = checkpoint.newer.patience;
        trainer->min_improvement = checkpoint.newer.min_improvement;
        trainer->gman_lambda = checkpoint.newer.gman_lambda;
        trainer->evaluations = checkpoint.evaluations;
        if (ema) {
            float *average;
            size_t count;
            gan_ema_data(ema, &average, &count);
            memcpy(average, checkpoint.ema->data, checkpoint.ema->nbytes);
        }
        gan_ema_free(trainer->ema);
        trainer->ema = ema;
        trainer->ema_decay = checkpoint.ema_decay;
        trainer->steps = checkpoint.steps;
        trainer->n_critic = checkpoint.n_critic;
        trainer->weight_clip = checkpoint.weight_clip;
        trainer->loss->label_smoothing = checkpoint.label_smoothing;
        trainer->loss->label_flip = checkpoint.label_flip;
        if (checkpoint.has_dataset) /* before the positions: it redraws its order from the rng */
            gan__dataset_set_state(trainer->dataset, trainer->rng, &checkpoint.dataset);
        for (int stream = 0; stream < GAN__RNG_STREAMS; stream++)
            gan_rng_set_position(trainer->rng, (gan_rng_stream)stream, checkpoint.positions[stream]);
        trainer->have_stats = false;
    }
    gan__free(checkpoint.tensors);
    gan__st_free(file);
    return status;
}
