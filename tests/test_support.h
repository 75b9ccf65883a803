/*
 * Shared by the cmocka test programs: status assertions that show gan_last_error(), and a
 * counting allocator that can be told to fail, installed through the public hooks.
 */
#ifndef GAN_TEST_SUPPORT_H
#define GAN_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gan.h"

/* Fails the test, with the library's message, unless `expr` returns `want`. */
#define assert_status(expr, want) \
    check_status_((expr), (want), #expr, __FILE__, __LINE__)

static inline void check_status_(gan_status got, gan_status want, const char *expr,
                                 const char *file, int line)
{
    if (got != want) {
        print_error("%s returned %d (%s), expected %d (%s); last error: %s\n", expr, (int)got,
                    gan_status_string(got), (int)want, gan_status_string(want), gan_last_error());
        _fail(file, line);
    }
}

/* Fails unless gan_last_error() contains `needle`. */
#define assert_error_mentions(needle) \
    check_error_mentions_((needle), __FILE__, __LINE__)

static inline void check_error_mentions_(const char *needle, const char *file, int line)
{
    if (!strstr(gan_last_error(), needle)) {
        print_error("last error \"%s\" does not mention \"%s\"\n", gan_last_error(), needle);
        _fail(file, line);
    }
}

/* The counting allocator: how many blocks are live, and which allocation should fail. */
typedef struct counting_allocator {
    long live;          /* blocks allocated and not yet freed */
    long calls;         /* allocation calls so far */
    long fail_at;       /* 1-based call number that returns NULL; 0 = never */
    int fail_onwards;   /* if set, every call from fail_at on fails */
    size_t last_alignment;
    size_t last_size;
} counting_allocator;

/* A Dense layer with a bias, named when `name` is not NULL; fails the test on an error. */
static inline gan_layer *new_dense(int64_t in, int64_t out, const char *name)
{
    gan_layer *layer = NULL;
    assert_status(gan_layer_dense(&layer, in, out, 1), GAN_OK);
    if (name)
        assert_status(gan_layer_set_name(layer, name), GAN_OK);
    return layer;
}

static inline void *counting_alloc(void *user_data, size_t size, size_t alignment)
{
    counting_allocator *counter = user_data;
    counter->calls++;
    counter->last_alignment = alignment;
    counter->last_size = size;
    if (counter->fail_at > 0 &&
        (counter->calls == counter->fail_at ||
         (counter->fail_onwards && counter->calls > counter->fail_at)))
        return NULL;
    void *ptr = NULL;
    if (posix_memalign(&ptr, alignment, size) != 0)
        return NULL;
    counter->live++;
    return ptr;
}

static inline void counting_free(void *user_data, void *ptr)
{
    counting_allocator *counter = user_data;
    counter->live--;
    free(ptr);
}

/* cmocka group setup/teardown: every test of the group runs on a counting allocator,
 * and the teardown fails if the group left a block allocated. */
static counting_allocator group_allocator;

static inline int install_counting_allocator(void **state)
{
    (void)state;
    memset(&group_allocator, 0, sizeof group_allocator);
    return gan_set_allocator(counting_alloc, counting_free, &group_allocator) == GAN_OK ? 0 : -1;
}

static inline int remove_counting_allocator(void **state)
{
    (void)state;
    if (group_allocator.live != 0) {
        print_error("%ld libgan blocks leaked\n", group_allocator.live);
        return -1;
    }
    return gan_set_allocator(NULL, NULL, NULL) == GAN_OK ? 0 : -1;
}

#endif /* GAN_TEST_SUPPORT_H */
