/* Command-line parsing shared by the MNIST examples (options.h). */
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mnist_option_value(const char *program, int argc, char **argv, int *i,
                       const char *const *valued, size_t count, const char **name,
                       const char **value)
{
    const char *arg = argv[*i];
    *name = *value = NULL;
    for (size_t k = 0; k < count && !*name; k++) {
        size_t length = strlen(valued[k]);
        if (strcmp(arg, valued[k]) == 0) {
            if (*i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value (try --help)\n", program, arg);
                return 0;
            }
            *name = valued[k];
            *value = argv[++*i];
        } else if (strncmp(arg, valued[k], length) == 0 && arg[length] == '=') {
            *name = valued[k];
            *value = arg + length + 1;
        }
    }
    if (!*name) {
        fprintf(stderr, "%s: unknown option '%s' (try --help)\n", program, arg);
        return 0;
    }
    if ((*value)[0] == '\0') {
        fprintf(stderr, "%s: %s: empty value (try --help)\n", program, *name);
        return 0;
    }
    return 1;
}

static int bad_value(const char *program, const char *option, const char *value,
                     const char *expected)
{
    fprintf(stderr, "%s: %s: '%s' is not %s (try --help)\n", program, option, value, expected);
    return 0;
}

int mnist_parse_int(const char *program, const char *option, const char *text, int64_t min,
                    int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        char expected[96];
        snprintf(expected, sizeof expected, "a whole number from %" PRId64 " to %" PRId64, min,
                 max);
        return bad_value(program, option, text, expected);
    }
    *out = (int64_t)value;
    return 1;
}

int mnist_parse_float(const char *program, const char *option, const char *text, float min,
                      int min_inclusive, float max, float *out)
{
    char *end = NULL;
    errno = 0;
    float value = strtof(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(value) || value > max ||
        (min_inclusive ? value < min : value <= min)) {
        char expected[96];
        snprintf(expected, sizeof expected, "a number %s %g and <= %g",
                 min_inclusive ? ">=" : ">", (double)min, (double)max);
        return bad_value(program, option, text, expected);
    }
    *out = value;
    return 1;
}
