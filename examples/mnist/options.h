/*
 * Command-line parsing shared by the MNIST examples: options that take a value are
 * written "--name value" or "--name=value"; a wrong one gets a one-line message on stderr
 * naming the program, and the example exits with status 2.
 */
#ifndef MNIST_OPTIONS_H
#define MNIST_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Matches argv[*i] against the `count` options in `valued`. On a match sets *name (the
 * entry of `valued`) and *value, moves *i past a separate value, and returns 1. Returns 0
 * after a message for an unknown option, a missing value or an empty one.
 */
int mnist_option_value(const char *program, int argc, char **argv, int *i,
                       const char *const *valued, size_t count, const char **name,
                       const char **value);

/* Parses a whole number in [min, max]; returns 0 after a message if `text` is not one. */
int mnist_parse_int(const char *program, const char *option, const char *text, int64_t min,
                    int64_t max, int64_t *out);

/* Parses a finite number above `min` (or equal when `min_inclusive`) and at most `max`;
 * returns 0 after a message if `text` is not one. */
int mnist_parse_float(const char *program, const char *option, const char *text, float min,
                      int min_inclusive, float max, float *out);

#endif /* MNIST_OPTIONS_H */
