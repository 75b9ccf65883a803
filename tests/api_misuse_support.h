/*
 * The harness of test_api_misuse: checks for a call made wrongly, the fixture each case
 * gets (a small untrained GAN, a tensor, a loss, a data set) and the list of exported
 * functions read from the version script.
 *
 * Every check primes the thread's message first with one no misuse call can produce, so a
 * call that fails without saying why is caught, not excused by an older message.
 */
#ifndef GAN_TEST_API_MISUSE_SUPPORT_H
#define GAN_TEST_API_MISUSE_SUPPORT_H

#include <ctype.h>
#include <limits.h>
#include <math.h>

#include "game_support.h"
#include "idx_test_support.h"
#include "loss_test_support.h"

/* Misuse calls made so far (docs/reliability.md reports the total). */
static long misuse_calls;

/* A dimension no test uses: the priming message mentions it. */
#define PRIMER_TEXT "-424242"

static inline void prime_message(void)
{
    gan_tensor *unused = NULL;
    gan_tensor_new(&unused, 1, (const int64_t[]){-424242});
}

/* The function a call names: the identifier its text starts with. */
static inline void called_function(const char *call, char *name, size_t capacity)
{
    size_t n = 0;
    while (n + 1 < capacity && (isalnum((unsigned char)call[n]) || call[n] == '_')) {
        name[n] = call[n];
        n++;
    }
    name[n] = '\0';
}

/* The message the call left must be new and mention `needle` (by default the function). */
static inline void check_message(const char *needle, const char *call, const char *file, int line)
{
    char function[128];
    called_function(call, function, sizeof function);
    const char *message = gan_last_error();
    if (!message || strstr(message, PRIMER_TEXT)) {
        print_error("%s set no message\n", call);
        _fail(file, line);
    }
    if (!strstr(message, needle ? needle : function)) {
        print_error("%s: message \"%s\" does not mention \"%s\"\n", call, message,
                    needle ? needle : function);
        _fail(file, line);
    }
}

static inline void check_failure(gan_status got, gan_status want, const char *needle,
                                 const char *call, const char *file, int line)
{
    misuse_calls++;
    if (got != want) {
        print_error("%s returned %d (%s), expected %d (%s); last error: %s\n", call, (int)got,
                    gan_status_string(got), (int)want, gan_status_string(want), gan_last_error());
        _fail(file, line);
    }
    check_message(needle, call, file, line);
}

static inline void check_value(int64_t got, int64_t want, const char *call, const char *file,
                               int line)
{
    misuse_calls++;
    if (got != want) {
        print_error("%s returned %lld, expected %lld\n", call, (long long)got, (long long)want);
        _fail(file, line);
    }
    check_message(NULL, call, file, line);
}

/* A status-returning call made wrongly: it must return `want` and say so, naming itself. */
#define misuse(call, want) misuse_says(call, want, NULL)

/* As misuse(), for a message that names the object or value rather than the function. */
#define misuse_says(call, want, needle)                                          \
    do {                                                                         \
        prime_message();                                                         \
        check_failure((call), (want), (needle), #call, __FILE__, __LINE__);       \
    } while (0)

/* A value-returning call made wrongly: its documented sentinel, and a message. */
#define misuse_value(call, sentinel)                                              \
    do {                                                                          \
        prime_message();                                                          \
        check_value((int64_t)(call), (sentinel), #call, __FILE__, __LINE__);       \
    } while (0)

/* A pointer-returning call made wrongly: NULL, and a message. */
#define misuse_null(call)                                                         \
    do {                                                                          \
        prime_message();                                                          \
        check_value((call) != NULL, 0, #call, __FILE__, __LINE__);                 \
    } while (0)

/* A string-returning call made wrongly: its documented string, and a message. */
#define misuse_string(call, expected)                                             \
    do {                                                                          \
        prime_message();                                                          \
        const char *got_ = (call);                                                \
        check_value(got_ != NULL && strcmp(got_, (expected)) == 0, 1, #call,      \
                    __FILE__, __LINE__);                                          \
    } while (0)

/* Something that stands for "not written yet" in an out-pointer. */
static char untouched_marker;
#define UNTOUCHED ((void *)&untouched_marker)

/* A constructor made wrongly: as misuse(), and *out must be set to NULL. */
#define misuse_new(out, call, want) misuse_new_says(out, call, want, NULL)

#define misuse_new_says(out, call, want, needle)                                  \
    do {                                                                          \
        (out) = UNTOUCHED;                                                        \
        misuse_says(call, want, needle);                                          \
        if ((out) != NULL)                                                        \
            fail_msg("%s left its out-pointer set", #call);                       \
    } while (0)

/* A release function given NULL, or something it does not own: a no-op. */
#define no_op(call)         \
    do {                    \
        misuse_calls++;     \
        call;               \
    } while (0)

/* Reading an option wrongly through `get`: a NULL handle, a NULL value (of `type`), an option
 * the handle does not have (of the other type, say) and options that do not exist. The last
 * two messages mention `says` (NULL: the function). */
#define misuse_option_reads(get, handle, option, foreign_option, bad_option, type, says)     \
    do {                                                                                 \
        type value_ = 0;                                                                 \
        misuse(get(NULL, option, &value_), GAN_ERR_INVALID_ARGUMENT);                    \
        misuse(get(handle, option, NULL), GAN_ERR_INVALID_ARGUMENT);                     \
        misuse_says(get(handle, foreign_option, &value_), GAN_ERR_INVALID_ARGUMENT, says); \
        for (int i_ = 0; i_ < BAD_ENUMS; i_++)                                           \
            misuse_says(get(handle, bad_option(i_), &value_), GAN_ERR_INVALID_ARGUMENT,    \
                        says);                                                           \
    } while (0)

/* Setting an option wrongly through `set` (to `value`, valid for `option`): a NULL handle, an
 * option the handle does not have and options that do not exist. The last two messages
 * mention `says` (NULL: the function). */
#define misuse_option_writes(set, handle, option, value, foreign_option, bad_option, says)  \
    do {                                                                                 \
        misuse(set(NULL, option, value), GAN_ERR_INVALID_ARGUMENT);                      \
        misuse_says(set(handle, foreign_option, value), GAN_ERR_INVALID_ARGUMENT, says);   \
        for (int i_ = 0; i_ < BAD_ENUMS; i_++)                                           \
            misuse_says(set(handle, bad_option(i_), value), GAN_ERR_INVALID_ARGUMENT, says); \
    } while (0)

/* Values outside an enum whose last value is `last`: bad_enum(0..BAD_ENUMS - 1, last) gives
 * -1, last + 1 and INT_MAX. */
enum { BAD_ENUMS = 3 };

static inline int bad_enum(int i, int last)
{
    return i == 0 ? -1 : i == 1 ? last + 1 : INT_MAX;
}

/* The cases of functions whose one argument is a handle, for which NULL is the only misuse:
 * a release is a no-op, a getter gives its sentinel, a constructor or setter fails. */
#define NULL_CASE_NO_OP(function)               \
    static void function##_misuse(fixture *f)   \
    {                                           \
        (void)f;                                \
        no_op(function(NULL));                  \
    }

#define NULL_CASE_VALUE(function, sentinel)     \
    static void function##_misuse(fixture *f)   \
    {                                           \
        (void)f;                                \
        misuse_value(function(NULL), sentinel); \
    }

#define NULL_CASE_NULL(function)                \
    static void function##_misuse(fixture *f)   \
    {                                           \
        (void)f;                                \
        misuse_null(function(NULL));            \
    }

#define NULL_CASE_STATUS(function)                                \
    static void function##_misuse(fixture *f)                     \
    {                                                             \
        (void)f;                                                  \
        misuse(function(NULL), GAN_ERR_INVALID_ARGUMENT);         \
    }

/* A case whose checks a helper shares with a sibling function's case. */
#define CASE_BY(helper, function)               \
    static void function##_misuse(fixture *f)   \
    {                                           \
        helper(f, function, #function);         \
    }

/* What each case gets: built before the case, freed after it. */
typedef struct fixture {
    game_state game;     /* G and D (input shapes known), Adam for both, rng, trainer, real */
    gan_tensor *tensor;  /* [2, 3] */
    gan_loss *loss;      /* non-saturating */
    gan_dataset *dataset; /* DATASET_COUNT images of 4 x 4, with labels */
    gan_layer *linear;   /* D's first layer: a Linear, which has no options */
    gan_layer *norm;     /* D's second: a BatchNorm1d, which has every option */
} fixture;

enum { DATASET_COUNT = 8, DATASET_SIDE = 4 };

/* Files the group setup writes into the temporary folder. */
static char images_file[1024], labels_file[1024];

static inline void fixture_new(fixture *f)
{
    memset(f, 0, sizeof *f);
    game_new(&f->game, GAN_OBJECTIVE_NON_SATURATING, 7);
    assert_status(gan_tensor_new(&f->tensor, 2, (const int64_t[]){2, 3}), GAN_OK);
    assert_status(gan_loss_new(&f->loss, GAN_OBJECTIVE_NON_SATURATING), GAN_OK);
    assert_status(gan_dataset_load_idx(&f->dataset, images_file, labels_file, GAN_PIXELS_UNIT),
                  GAN_OK);
    f->linear = gan_model_layer(f->game.d_model, 0);
    f->norm = gan_model_layer(f->game.d_model, 1);
}

static inline void fixture_free(fixture *f)
{
    gan_dataset_free(f->dataset);
    gan_loss_free(f->loss);
    gan_tensor_free(f->tensor);
    game_free(&f->game);
}

/* One exported function and the case that calls it wrongly. */
typedef struct misuse_case {
    const char *function;
    void (*run)(fixture *f);
} misuse_case;

/* Each table entry names its case `<function>_misuse`. */
#define CASE(function) {#function, function##_misuse}

/* A batch dimension nothing could be sized for: a tensor [HUGE_BATCH, 0] costs nothing, and
 * must be refused by its shape before anything is allocated for its batch. */
#define HUGE_BATCH (INT64_C(1) << 40)

/* A new tensor of the given shape, zero-filled (the test fails if it cannot be made). */
#define new_tensor(rank, ...) tensor_of((rank), (const int64_t[]){__VA_ARGS__}, NULL)

/* Frees tensors: free_tensors(a, b, c). */
#define free_tensors(...) free_tensor_list((gan_tensor *[]){__VA_ARGS__, NULL})

static inline void free_tensor_list(gan_tensor **list)
{
    for (; *list; list++)
        gan_tensor_free(*list);
}

/*
 * The exported functions: every `gan_...;` line of the version script.
 * Returns how many were read into `names` (each malloc'd), or -1 if the file is unreadable.
 */
static inline int read_version_script(const char *path, char **names, int capacity)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return -1;
    int count = 0;
    char line[256];
    while (fgets(line, sizeof line, file)) {
        char symbol[128];
        char end = 0;
        if (sscanf(line, " %127[A-Za-z0-9_]%c", symbol, &end) == 2 && end == ';' &&
            strncmp(symbol, "gan_", 4) == 0 && count < capacity) {
            names[count] = strdup(symbol);
            assert_non_null(names[count]);
            count++;
        }
    }
    fclose(file);
    return count;
}

#endif /* GAN_TEST_API_MISUSE_SUPPORT_H */
