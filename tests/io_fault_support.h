/*
 * Shared by test_io_faults and test_crash_save: failure injection into the system calls
 * through which libgan writes files (io/atomic_file.c).
 *
 * The seam: the test program defines open, write, fsync, close and rename itself. The
 * dynamic linker binds libgan.so's calls to the executable's definitions first, and each
 * forwards to the next definition (dlsym(RTLD_NEXT)): libc's, or under gcc's ASan the
 * interceptor libasan defines (weakly) for write, as libasan is loaded between the
 * executable and libc. valgrind replaces none of these. Only calls on libgan's
 * temporaries (a name containing ".libgan-") and on folders count; every other call
 * passes straight through, so cmocka, libc's own calls (which never go through the PLT)
 * and the loaders are untouched.
 *
 * Before each save a test calls io_reset() and sets `io_plan` (which operation, which
 * call, what to do); io_calls / io_steps / io_trace then say what the save did.
 * io_injected and io_short_writes count the faults injected since the program started
 * (the figures of docs/reliability.md). Also here: the cmocka group setup both programs
 * use (a temporary folder, the counting allocator) and expect_file_is.
 */
#ifndef GAN_TEST_IO_FAULT_SUPPORT_H
#define GAN_TEST_IO_FAULT_SUPPORT_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include (dlsym's RTLD_NEXT)"
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_test_support.h"

/* The operations of an atomic save, in the order it makes them. */
typedef enum io_op {
    IO_CREATE,       /* open(O_CREAT) of the temporary */
    IO_WRITE,        /* write to the temporary */
    IO_FSYNC,        /* fsync of the temporary */
    IO_CLOSE,        /* close of the temporary */
    IO_RENAME,       /* rename of the temporary over the target */
    IO_OPEN_FOLDER,  /* open(O_DIRECTORY) of the folder */
    IO_FSYNC_FOLDER, /* fsync of the folder */
    IO_OPS,
    IO_ANY = IO_OPS  /* io_plan.op: count every operation (steps) */
} io_op;

static const char *const io_op_names[IO_OPS] = {"create", "write", "fsync", "close", "rename",
                                                "open folder", "fsync folder"};

typedef enum io_action {
    IO_PASS,        /* do the call */
    IO_FAIL,        /* return -1 with io_plan.error (close still closes: Linux does) */
    IO_SHORT,       /* write at most io_plan.short_bytes bytes */
    IO_KILL_BEFORE, /* SIGKILL instead of the call (io_die) */
    IO_KILL_AFTER   /* do the call, then SIGKILL */
} io_action;

typedef struct io_fault {
    io_op op;           /* the operation counted, or IO_ANY */
    long at;            /* the 1-based call (or step) that gets the action; 0 = none */
    bool onwards;       /* every call from `at` on */
    io_action action;
    int error;          /* errno for IO_FAIL */
    size_t short_bytes; /* for IO_SHORT */
} io_fault;

static io_fault io_plan;
static long io_calls[IO_OPS]; /* calls per operation since io_reset() */
static long io_steps;         /* calls of any operation since io_reset() */
static long io_injected;      /* failures and kills injected */
static long io_injected_per_op[IO_OPS];
static long io_short_writes;  /* writes cut short */
enum { IO_TRACE = 512 };
static io_op io_trace[IO_TRACE]; /* the operation of each step (the first IO_TRACE) */

/* No fault from now on (a plan of `at` 0), and the counts back to zero. */
static inline void io_reset(void)
{
    memset(&io_plan, 0, sizeof io_plan);
    memset(io_calls, 0, sizeof io_calls);
    io_steps = 0;
}

/* The next definition of `name` (libc's, or a sanitizer's interceptor). The memcpy turns
 * the object pointer dlsym returns into a function pointer, which ISO C has no cast for. */
static inline void io_next_definition(const char *name, void *function_pointer, size_t size)
{
    void *symbol = dlsym(RTLD_NEXT, name);
    if (!symbol) {
        fprintf(stderr, "io_fault_support: no next definition of %s\n", name);
        abort();
    }
    memcpy(function_pointer, &symbol, size);
}

#define IO_NEXT(name, pointer) \
    ((pointer) ? (void)0 : io_next_definition(name, &(pointer), sizeof(pointer)))

/* Whether `fd` is open on one of libgan's temporaries. */
static inline bool io_is_temporary(int fd)
{
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length < 0)
        return false;
    target[length] = '\0';
    return strstr(target, ".libgan-") != NULL;
}

static inline bool io_is_folder(int fd)
{
    struct stat info;
    return fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
}

/* If set (>= 0), a kill is asked of the parent: a byte on this pipe, then a wait for it. A
 * process that kills itself runs under valgrind into valgrind's exit (a leak check of the
 * whole child, a second each); one killed from outside just ends. */
static int io_kill_pipe = -1;

static inline void io_die(void)
{
    if (io_kill_pipe >= 0 && write(io_kill_pipe, "k", 1) == 1)
        for (;;)
            pause();
    raise(SIGKILL);
}

/* Counts a call of `op` and says what to do with it; kills now for IO_KILL_BEFORE. */
static inline io_action io_decide(io_op op)
{
    long call = ++io_calls[op], step = ++io_steps;
    if (step <= IO_TRACE)
        io_trace[step - 1] = op;
    long index = io_plan.op == IO_ANY ? step : io_plan.op == op ? call : 0;
    if (io_plan.at <= 0 || index < io_plan.at || (index > io_plan.at && !io_plan.onwards))
        return IO_PASS;
    if (io_plan.action == IO_SHORT) {
        io_short_writes++;
        return IO_SHORT;
    }
    io_injected++;
    io_injected_per_op[op]++;
    if (io_plan.action == IO_KILL_BEFORE)
        io_die();
    return io_plan.action;
}

/* The end of a call that was done: kills now for IO_KILL_AFTER. */
static inline void io_done(io_action action)
{
    if (action == IO_KILL_AFTER)
        io_die();
}

/* A failure that the call reports as -1 with errno. */
static inline int io_fail(void)
{
    errno = io_plan.error;
    return -1;
}

int open(const char *path, int flags, ...)
{
    static int (*next)(const char *, int, ...);
    IO_NEXT("open", next);
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list arguments;
        va_start(arguments, flags);
        mode = (mode_t)va_arg(arguments, int); /* mode_t is promoted through `...` */
        va_end(arguments);
    }
    io_action action = IO_PASS;
    if ((flags & O_CREAT) && strstr(path, ".libgan-"))
        action = io_decide(IO_CREATE);
    else if (flags & O_DIRECTORY)
        action = io_decide(IO_OPEN_FOLDER);
    if (action == IO_FAIL)
        return io_fail();
    int fd = next(path, flags, mode);
    io_done(action);
    return fd;
}

ssize_t write(int fd, const void *bytes, size_t count)
{
    static ssize_t (*next)(int, const void *, size_t);
    IO_NEXT("write", next);
    io_action action = io_is_temporary(fd) ? io_decide(IO_WRITE) : IO_PASS;
    if (action == IO_FAIL)
        return io_fail();
    if (action == IO_SHORT && count > io_plan.short_bytes)
        count = io_plan.short_bytes;
    ssize_t written = next(fd, bytes, count);
    io_done(action);
    return written;
}

int fsync(int fd)
{
    static int (*next)(int);
    IO_NEXT("fsync", next);
    io_action action = IO_PASS;
    if (io_is_temporary(fd))
        action = io_decide(IO_FSYNC);
    else if (io_is_folder(fd))
        action = io_decide(IO_FSYNC_FOLDER);
    if (action == IO_FAIL)
        return io_fail();
    int result = next(fd);
    io_done(action);
    return result;
}

int close(int fd)
{
    static int (*next)(int);
    IO_NEXT("close", next);
    io_action action = io_is_temporary(fd) ? io_decide(IO_CLOSE) : IO_PASS;
    int result = next(fd);
    io_done(action);
    return action == IO_FAIL ? io_fail() : result;
}

int rename(const char *from, const char *to)
{
    static int (*next)(const char *, const char *);
    IO_NEXT("rename", next);
    io_action action = strstr(from, ".libgan-") ? io_decide(IO_RENAME) : IO_PASS;
    if (action == IO_FAIL)
        return io_fail();
    int result = next(from, to);
    io_done(action);
    return result;
}

/* Fails unless the file at `path` holds exactly `count` bytes equal to `bytes`. */
static inline void expect_file_is(const char *path, const void *bytes, size_t count)
{
    size_t now_count;
    unsigned char *now = slurp(path, &now_count);
    if (!now)
        fail_msg("%s does not exist", path);
    assert_int_equal(now_count, count);
    assert_memory_equal(now, bytes, count);
    free(now);
}

/* cmocka group setup and teardown: a temporary folder (temp_dir) and the counting
 * allocator, which must find no block leaked. */
static inline int io_test_setup(void **state)
{
    snprintf(temp_dir, sizeof temp_dir, "%s/libgan-iofault-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(temp_dir))
        return -1;
    return install_counting_allocator(state);
}

static inline int io_test_teardown(void **state)
{
    remove_tree(temp_dir);
    return remove_counting_allocator(state);
}

#endif /* GAN_TEST_IO_FAULT_SUPPORT_H */
