/*
 * API misuse: every exported function, called with NULL handles and buffers, wrong shapes,
 * out-of-range enums and sizes, and in wrong states, returns its documented error status
 * (or sentinel) with a message saying what was wrong; none crashes, none leaks.
 *
 * The functions come from the version script, libgan.map, read at run time: a function
 * exported without a case here fails the test by name, and so does a case for a function
 * that is no longer exported. Each case runs on a fresh fixture (tests/api_misuse_support.h)
 * under the counting allocator, and every libgan block must be freed after it.
 */
#include "api_misuse_core.h"
#include "api_misuse_data.h"
#include "api_misuse_nn.h"
#include "api_misuse_train.h"

static const struct {
    const misuse_case *cases;
    size_t count;
} case_tables[] = {
    {core_cases, sizeof core_cases / sizeof core_cases[0]},
    {nn_cases, sizeof nn_cases / sizeof nn_cases[0]},
    {train_cases, sizeof train_cases / sizeof train_cases[0]},
    {data_cases, sizeof data_cases / sizeof data_cases[0]},
};
enum { TABLES = sizeof case_tables / sizeof case_tables[0], MAX_SYMBOLS = 1024 };

static const misuse_case *all_cases[MAX_SYMBOLS];
static int case_count;

static const misuse_case *find_case(const char *function)
{
    for (int i = 0; i < case_count; i++)
        if (strcmp(all_cases[i]->function, function) == 0)
            return all_cases[i];
    return NULL;
}

/* The version script: $LIBGAN_MAP if set, else the one above this file's folder,
 * tests/../libgan.map. */
static void version_script_path(char *path, size_t capacity)
{
    if (getenv("LIBGAN_MAP")) {
        snprintf(path, capacity, "%s", getenv("LIBGAN_MAP"));
        return;
    }
    const char *slash = strrchr(__FILE__, '/');
    int folder = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, capacity, "%.*s/../libgan.map", folder, slash ? __FILE__ : ".");
}

static char *exported[MAX_SYMBOLS];
static int exported_count;

static int is_exported(const char *function)
{
    for (int i = 0; i < exported_count; i++)
        if (strcmp(exported[i], function) == 0)
            return 1;
    return 0;
}

static void every_exported_function_has_a_case(void **state)
{
    (void)state;
    assert_in_range(exported_count, 100, MAX_SYMBOLS - 1);
    int missing = 0;
    for (int i = 0; i < exported_count; i++)
        if (!find_case(exported[i])) {
            print_error("%s is exported but has no misuse case\n", exported[i]);
            missing++;
        }
    assert_int_equal(missing, 0);
}

static void every_case_is_of_an_exported_function(void **state)
{
    (void)state;
    int stale = 0;
    for (int i = 0; i < case_count; i++) {
        if (!is_exported(all_cases[i]->function)) {
            print_error("the case of %s is stale: libgan.map does not export it\n",
                        all_cases[i]->function);
            stale++;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(all_cases[i]->function, all_cases[j]->function) == 0) {
                print_error("%s has two cases\n", all_cases[i]->function);
                stale++;
            }
    }
    assert_int_equal(stale, 0);
}

/* Per case: *state is the case on entry to the setup, its fixture afterwards. */
typedef struct case_run {
    const misuse_case *misuse;
    long live_before; /* libgan blocks live before the fixture: a failed case's leftovers */
    fixture f;
} case_run;

static int setup_case(void **state)
{
    case_run *run = calloc(1, sizeof *run);
    if (!run)
        return -1;
    run->misuse = *state;
    run->live_before = group_allocator.live;
    fixture_new(&run->f);
    *state = run;
    return 0;
}

static int teardown_case(void **state)
{
    case_run *run = *state;
    long live_before = run->live_before;
    fixture_free(&run->f);
    free(run);
    if (group_allocator.live != live_before) {
        print_error("%ld libgan blocks leaked\n", group_allocator.live - live_before);
        return -1;
    }
    return 0;
}

static void run_case(void **state)
{
    case_run *run = *state;
    run->misuse->run(&run->f);
}

static int group_setup(void **state)
{
    if (make_temp_dir(state) != 0)
        return -1;
    snprintf(images_file, sizeof images_file, "%s", temp_path("images.idx"));
    snprintf(labels_file, sizeof labels_file, "%s", temp_path("labels.idx"));
    write_test_set(images_file, labels_file, 0, DATASET_COUNT, DATASET_SIDE, DATASET_SIDE);
    return 0;
}

int main(void)
{
    for (int t = 0; t < TABLES; t++)
        for (size_t i = 0; i < case_tables[t].count && case_count < MAX_SYMBOLS; i++)
            all_cases[case_count++] = &case_tables[t].cases[i];

    char path[1024];
    version_script_path(path, sizeof path);
    exported_count = read_version_script(path, exported, MAX_SYMBOLS);
    if (exported_count < 0)
        fprintf(stderr, "cannot read %s (run from the repository root)\n", path);

    static struct CMUnitTest tests[MAX_SYMBOLS + 2];
    int n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_exported_function_has_a_case);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_case_is_of_an_exported_function);
    for (int i = 0; i < case_count; i++)
        tests[n++] = (struct CMUnitTest){all_cases[i]->function, run_case, setup_case,
                                         teardown_case, (void *)all_cases[i]};

    int failures = _cmocka_run_group_tests("api_misuse", tests, (size_t)n, group_setup,
                                           remove_temp_dir);
    printf("# api_misuse: %ld misuse calls over %d functions (%d exported)\n", misuse_calls,
           case_count, exported_count);
    for (int i = 0; i < exported_count; i++)
        free(exported[i]);
    return failures;
}
