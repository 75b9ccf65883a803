/*
 * Crash safety of checkpoint writing (io/atomic_file.c). A child process saving a checkpoint
 * is killed with SIGKILL at every step of the save (it stops inside the system calls of
 * io_fault_support.h, before or after each create, write, fsync, close, rename, and the
 * folder's open and fsync, and the parent kills it) and at random moments of a loop of
 * saves. After every kill the file is the old checkpoint or the new one, byte for byte,
 * and loads to that state; the temporary a kill leaves is gone after the next save. Then
 * which leftovers a save removes (only temporaries of its own target whose writer is
 * gone), and bounded temporary names for long targets.
 */
#define _GNU_SOURCE
#include "io_fault_support.h"

#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "game_support.h"

enum { SEED = 23, RANDOM_KILLS = 100 };

static long kills;           /* children killed while saving */
static long kills_mid_save;  /* ... that left a temporary (between create and rename) */

/* ---- two states of a run and their checkpoints --------------------------------------------- */

typedef struct checkpoints {
    game_state games[2]; /* a run after one step, and after two */
    unsigned char *bytes[2];
    size_t counts[2];
    float *states[2];
    size_t floats[2];
    game_state reader;   /* loads the file back */
    char path[1024];     /* the file the children save to */
} checkpoints;

static void checkpoints_new(checkpoints *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 2; i++) {
        game_new(&c->games[i], GAN_OBJECTIVE_NON_SATURATING, SEED);
        for (int step = 0; step <= i; step++)
            assert_status(gan_trainer_step(c->games[i].trainer, c->games[i].real), GAN_OK);
        const char *reference = temp_path(i ? "two.safetensors" : "one.safetensors");
        assert_status(gan_trainer_save(c->games[i].trainer, reference), GAN_OK);
        c->bytes[i] = slurp(reference, &c->counts[i]);
        c->states[i] = capture_state(&c->games[i], false, &c->floats[i]);
    }
    game_new(&c->reader, GAN_OBJECTIVE_NON_SATURATING, SEED);
    snprintf(c->path, sizeof c->path, "%s", temp_path("run.safetensors"));
    assert_status(gan_trainer_save(c->games[0].trainer, c->path), GAN_OK);
}

static void checkpoints_free(checkpoints *c)
{
    for (int i = 0; i < 2; i++) {
        free(c->bytes[i]);
        free(c->states[i]);
        game_free(&c->games[i]);
    }
    game_free(&c->reader);
}

/* Which of the two checkpoints the file is, byte for byte (the test fails if neither);
 * it loads, checksum verified, to that state. */
static int file_state(checkpoints *c)
{
    size_t count;
    unsigned char *bytes = slurp(c->path, &count);
    assert_non_null(bytes);
    int which = -1;
    for (int i = 0; i < 2; i++)
        if (count == c->counts[i] && memcmp(bytes, c->bytes[i], count) == 0)
            which = i;
    free(bytes);
    if (which < 0)
        fail_msg("%s is neither checkpoint (%zu bytes)", c->path, count);
    assert_status(gan_trainer_load(c->reader.trainer, c->path), GAN_OK);
    size_t floats;
    float *loaded = capture_state(&c->reader, false, &floats);
    assert_int_equal(floats, c->floats[which]);
    assert_memory_equal(loaded, c->states[which], floats * sizeof(float));
    free(loaded);
    return which;
}

/* ---- children ---------------------------------------------------------------------------- */

static pid_t fork_child(void)
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t child = fork();
    assert_true(child >= 0);
    return child;
}

static void expect_killed(pid_t child)
{
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (!WIFSIGNALED(status))
        fail_msg("the saving child was not killed: it exited with %d", WEXITSTATUS(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    kills++;
}

/* A child saves state `which` over the file and is killed at `step` of the save (before
 * or after the call, as `action` says): it asks through a pipe, and this process kills it. */
static void kill_save_at(checkpoints *c, int which, long step, io_action action)
{
    int ask[2];
    assert_int_equal(pipe(ask), 0);
    pid_t child = fork_child();
    if (child == 0) {
        close(ask[0]);
        io_kill_pipe = ask[1];
        io_reset();
        io_plan = (io_fault){.op = IO_ANY, .at = step, .action = action};
        gan_trainer_save(c->games[which].trainer, c->path);
        _exit(3); /* the step was never reached */
    }
    close(ask[1]);
    char byte;
    if (read(ask[0], &byte, 1) == 1)
        assert_int_equal(kill(child, SIGKILL), 0);
    close(ask[0]);
    expect_killed(child);
}

/* The child of the random kills: saves once, says so through `ready`, then saves the two
 * states in turn until it is killed. */
static _Noreturn void save_forever(checkpoints *c, int which, int ready)
{
    if (gan_trainer_save(c->games[which].trainer, c->path) != GAN_OK)
        _exit(4);
    if (write(ready, "r", 1) != 1)
        _exit(5);
    for (;;) {
        which = 1 - which;
        if (gan_trainer_save(c->games[which].trainer, c->path) != GAN_OK)
            _exit(4);
    }
}

/* The name of the one temporary in temp_dir (or "" if there is none) into `name`. */
static void find_temporary(char *name, size_t capacity)
{
    name[0] = '\0';
    DIR *dir = opendir(temp_dir);
    assert_non_null(dir);
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir))
        if (strstr(entry->d_name, ".libgan-"))
            snprintf(name, capacity, "%s", temp_path(entry->d_name));
    closedir(dir);
}

/* ---- the kills --------------------------------------------------------------------------- */

/* Each step of a save, killed before and after its call. Steps before the rename leave the
 * old file, the rename and later ones the new; a temporary exists from its create to the
 * rename, and the next child's save removes it before its first step. */
static void a_kill_at_every_step_leaves_the_old_or_the_new_file(void **state)
{
    (void)state;
    checkpoints c;
    checkpoints_new(&c);
    io_reset();
    assert_status(gan_trainer_save(c.games[1].trainer, temp_path("steps.safetensors")), GAN_OK);
    long steps = io_steps;
    assert_true(steps >= IO_OPS && steps <= IO_TRACE);
    io_op trace[IO_TRACE];
    memcpy(trace, io_trace, sizeof trace);
    int in_file = 0;
    for (long step = 1; step <= steps; step++)
        for (int after = 0; after <= 1; after++) {
            int next = 1 - in_file;
            kill_save_at(&c, next, step, after ? IO_KILL_AFTER : IO_KILL_BEFORE);
            /* io_op lists the operations in the order a save makes them */
            io_op op = trace[step - 1];
            bool renamed = op > IO_RENAME || (op == IO_RENAME && after);
            bool created = op > IO_CREATE || (op == IO_CREATE && after);
            assert_int_equal(file_state(&c), renamed ? next : in_file);
            assert_int_equal(count_temporaries(temp_dir), created && !renamed);
            kills_mid_save += created && !renamed;
            in_file = renamed ? next : in_file;
        }
    assert_status(gan_trainer_save(c.games[0].trainer, c.path), GAN_OK);
    assert_int_equal(count_temporaries(temp_dir), 0);
    checkpoints_free(&c);
}

static long elapsed_ns(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

/* The time a save takes here (ten of them, in this process). */
static long save_time_ns(checkpoints *c)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 10; i++)
        assert_status(gan_trainer_save(c->games[i % 2].trainer, temp_path("timed.safetensors")),
                      GAN_OK);
    return elapsed_ns(&start) / 10 + 1;
}

/* xorshift64*: the delays, the same every run. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(2685821657736338717);
}

/* A child saves the two states in turn; the parent kills it after a random delay of up to
 * three saves' time. The temporary a kill leaves is gone once the next child has saved. */
static void kills_at_random_moments_leave_the_old_or_the_new_file(void **state)
{
    (void)state;
    checkpoints c;
    checkpoints_new(&c);
    long save_ns = save_time_ns(&c);
    uint64_t random = UINT64_C(0x9e3779b97f4a7c15);
    char left[1024] = ""; /* the temporary the last kill left */
    long mid_save = 0;
    int seen[2] = {0, 0};
    for (int i = 0; i < RANDOM_KILLS; i++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t child = fork_child();
        if (child == 0) {
            close(ready[0]);
            save_forever(&c, i % 2, ready[1]);
        }
        close(ready[1]);
        char byte;
        assert_int_equal(read(ready[0], &byte, 1), 1);
        close(ready[0]);
        if (left[0])
            assert_int_equal(access(left, F_OK), -1);
        long delay = (long)(next_random(&random) % (uint64_t)(3 * save_ns));
        nanosleep(&(struct timespec){delay / 1000000000L, delay % 1000000000L}, NULL);
        assert_int_equal(kill(child, SIGKILL), 0);
        expect_killed(child);
        seen[file_state(&c)]++;
        int temporaries = count_temporaries(temp_dir);
        assert_true(temporaries <= 1);
        mid_save += temporaries;
        find_temporary(left, sizeof left);
    }
    assert_status(gan_trainer_save(c.games[0].trainer, c.path), GAN_OK);
    assert_int_equal(count_temporaries(temp_dir), 0);
    /* The kills did land inside saves, and after each of the two. */
    assert_true(mid_save > 0);
    assert_true(seen[0] > 0 && seen[1] > 0);
    kills_mid_save += mid_save;
    printf("# %d random kills (a save takes %ld us here): %ld during a save, old/new state "
           "%d/%d\n", RANDOM_KILLS, save_ns / 1000, mid_save, seen[0], seen[1]);
    checkpoints_free(&c);
}

/* ---- which leftovers a save removes ------------------------------------------------------- */

/* A child that waits to be killed (a child that exits would, under valgrind, first be
 * checked for leaks). */
static pid_t waiting_child(void)
{
    pid_t child = fork_child();
    if (child == 0)
        for (;;)
            pause();
    return child;
}

static void end_child(pid_t child)
{
    assert_int_equal(kill(child, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
}

/* A process id that is free: a child that has been killed and waited for. */
static pid_t gone_process(void)
{
    pid_t child = waiting_child();
    end_child(child);
    return child;
}

static char leftover_dir[600]; /* a folder of its own, so no other test sees the leftovers */

/* The path in leftover_dir of BEFORE, the pid (if `pid` >= 0) and AFTER. */
static const char *entry_path(const char *before, long pid, const char *after)
{
    static char path[2048];
    char number[32] = "";
    if (pid >= 0)
        snprintf(number, sizeof number, "%ld", pid);
    snprintf(path, sizeof path, "%s/%s%s%s", leftover_dir, before, number, after);
    return path;
}

static bool exists(const char *path)
{
    struct stat info;
    return lstat(path, &info) == 0;
}

/* Leftovers named for a writer: BEFORE, its pid, AFTER. Some go, the others stay. */
typedef struct leftover {
    const char *before, *after;
    bool removed; /* by a save of "run.safetensors" if the writer is gone */
} leftover;

static const leftover leftovers[] = {
    {".run.safetensors.libgan-", "-0123456789abcdef.tmp", true},
    {".run.safetensors.libgan-", "-fedcba9876543210.tmp", true},
    {".other.safetensors.libgan-", "-0123456789abcdef.tmp", false}, /* another target */
    {"run.safetensors.libgan-", "-0123456789abcdef.tmp", false},
    {".libgan-", "-0123456789abcdef.tmp", false}, /* the naming of libgan <= 0.5 */
    {".run.safetensors.libgan-", "-0123456789ABCDEF.tmp", false},
    {".run.safetensors.libgan-", "-0123456789abcde.tmp", false},
    {".run.safetensors.libgan-", "-0123456789abcdef0.tmp", false},
    {".run.safetensors.libgan-", "-0123456789abcdef.tmp~", false},
    {".run.safetensors.libgan-", "-0123456789abcdef.tmpx", false},
    {".run.safetensors.libgan-", "-.tmp", false},
    {".run.safetensors.libgan-", "x-0123456789abcdef.tmp", false},
    {".run.safetensors.libgan-0", "-0123456789abcdef.tmp", false},
    {".run.safetensors.libgan--", "-0123456789abcdef.tmp", false},
    {".run.safetensors.libgan-", "0000000000-0123456789abcdef.tmp", false},
    {"run.safetensors.", "", false},
};

static void create_leftovers(long pid)
{
    for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++)
        write_bytes(entry_path(leftovers[i].before, pid, leftovers[i].after), "x", 1);
}

static void expect_leftovers(long pid, bool writer_gone)
{
    for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) {
        const char *path = entry_path(leftovers[i].before, pid, leftovers[i].after);
        if (exists(path) != !(leftovers[i].removed && writer_gone))
            fail_msg("%s was %s", path, exists(path) ? "kept" : "removed");
    }
}

/* A save removes the temporaries of its target whose writer is gone, and nothing else:
 * not a live process's, not its own process's, not one of another target, not any name
 * that only looks like one, not a folder, and only the link of a symbolic link. Once the
 * live writer is gone, its temporaries go with the next save. */
static void only_stale_temporaries_of_the_same_target_are_removed(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, SEED);
    snprintf(leftover_dir, sizeof leftover_dir, "%s", temp_path("leftovers"));
    assert_int_equal(mkdir(leftover_dir, 0755), 0);
    char target[2048], victim_path[2048];
    snprintf(target, sizeof target, "%s", entry_path("run.safetensors", -1, ""));
    snprintf(victim_path, sizeof victim_path, "%s", entry_path("victim", -1, ""));
    long gone = gone_process(), alive = waiting_child(), self = getpid();
    const long nobody = 999999999, init = 1; /* 9 digits: above any pid_max; init lives */
    const long writers[] = {gone, alive, self, nobody, init, 0};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        create_leftovers(writers[i]);
    char folder[2048], link[2048];
    snprintf(folder, sizeof folder, "%s",
             entry_path(".run.safetensors.libgan-", gone, "-00000000000000ff.tmp"));
    snprintf(link, sizeof link, "%s",
             entry_path(".run.safetensors.libgan-", gone, "-00000000000000ee.tmp"));
    assert_int_equal(mkdir(folder, 0755), 0);
    write_bytes(victim_path, "victim", 6);
    assert_int_equal(symlink(victim_path, link), 0);

    assert_status(gan_trainer_save(game.trainer, target), GAN_OK);
    expect_leftovers(gone, true);
    expect_leftovers(nobody, true);
    expect_leftovers(alive, false);
    expect_leftovers(self, false);
    expect_leftovers(init, false);
    expect_leftovers(0, false); /* pid 0 names no writer (kill(0, 0) is the group) */
    assert_true(exists(folder));
    assert_false(exists(link));
    expect_file_is(victim_path, "victim", 6);

    end_child((pid_t)alive);
    assert_status(gan_trainer_save(game.trainer, target), GAN_OK);
    expect_leftovers(alive, true);
    expect_leftovers(self, false);
    game_free(&game);
}

/* A target name of 255 bytes (NAME_MAX) saves: the temporary's name holds the first 200
 * bytes of it, and a gone writer's temporary of such a name is removed. */
static void long_target_names_get_bounded_temporaries(void **state)
{
    (void)state;
    game_state game;
    game_new(&game, GAN_OBJECTIVE_NON_SATURATING, SEED);
    char name[256], cut[201];
    memset(name, 'n', 255);
    name[255] = '\0';
    memcpy(cut, name, 200);
    cut[200] = '\0';
    char target[1024];
    snprintf(target, sizeof target, "%s", temp_path(name));

    char stale[512];
    snprintf(stale, sizeof stale, ".%s.libgan-%ld-0123456789abcdef.tmp", cut, (long)gone_process());
    write_bytes(temp_path(stale), "x", 1);
    assert_status(gan_trainer_save(game.trainer, target), GAN_OK);
    assert_false(exists(temp_path(stale)));
    assert_status(gan_trainer_load(game.trainer, target), GAN_OK);

    io_reset();
    io_plan = (io_fault){.op = IO_RENAME, .at = 1, .action = IO_FAIL, .error = EIO};
    gan_status status = gan_trainer_save(game.trainer, target);
    io_reset();
    assert_status(status, GAN_ERR_IO);
    char expected[512];
    snprintf(expected, sizeof expected, "/.%s.libgan-%ld-", cut, (long)getpid());
    assert_error_mentions(expected);
    assert_int_equal(count_temporaries(temp_dir), 0);
    game_free(&game);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_kill_at_every_step_leaves_the_old_or_the_new_file),
        cmocka_unit_test(kills_at_random_moments_leave_the_old_or_the_new_file),
        cmocka_unit_test(only_stale_temporaries_of_the_same_target_are_removed),
        cmocka_unit_test(long_target_names_get_bounded_temporaries),
    };
    int failed = cmocka_run_group_tests(tests, io_test_setup, io_test_teardown);
    printf("# saving children killed with SIGKILL: %ld (%ld while a temporary existed)\n", kills,
           kills_mid_save);
    return failed;
}
