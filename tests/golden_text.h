/*
 * Reading the text fixtures of tests/golden (loss.txt, fid.txt): whitespace-separated
 * tokens, '#' comment lines, a magic word and a format version first. A fixture is found
 * in $GAN_GOLDEN_DIR, else tests/golden (the tests run from the repository root).
 * Any problem fails the test with the file's name.
 */
#ifndef GAN_TESTS_GOLDEN_TEXT_H
#define GAN_TESTS_GOLDEN_TEXT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct golden_text {
    FILE *file;
    char path[512];
    char token[64]; /* longer tokens are cut in two */
} golden_text;

/* The next token, skipping '#' comment lines; fails the test at the end of the file. */
static inline const char *golden_next(golden_text *g)
{
    for (;;) {
        if (fscanf(g->file, " %63s", g->token) != 1) {
            print_error("%s ends early (truncated?)\n", g->path);
            fail();
        }
        if (g->token[0] != '#')
            return g->token;
        int ch;
        while ((ch = fgetc(g->file)) != EOF && ch != '\n') {
        }
    }
}

static inline double golden_next_number(golden_text *g)
{
    const char *token = golden_next(g);
    char *end = NULL;
    double value = strtod(token, &end);
    if (*end != '\0') {
        print_error("%s: \"%s\" is not a number\n", g->path, token);
        fail();
    }
    return value;
}

/* Opens fixture `name` and checks its first two tokens: `magic` and format version 1. */
static inline void golden_open(golden_text *g, const char *name, const char *magic)
{
    const char *dir = getenv("GAN_GOLDEN_DIR") ? getenv("GAN_GOLDEN_DIR") : "tests/golden";
    snprintf(g->path, sizeof g->path, "%s/%s", dir, name);
    g->file = fopen(g->path, "r");
    if (!g->file) {
        print_error("cannot open %s (run from the repository root or set GAN_GOLDEN_DIR)\n",
                    g->path);
        fail();
    }
    assert_string_equal(golden_next(g), magic);
    assert_string_equal(golden_next(g), "1");
}

#endif /* GAN_TESTS_GOLDEN_TEXT_H */
