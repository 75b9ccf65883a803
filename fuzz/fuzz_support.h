/*
 * Shared by the fuzz targets (fuzz/fuzz_*.c): the input as a file the library can open, a
 * private temporary folder, allocation counting through the public hooks, and the checks
 * every target makes beyond "no crash". A failed check prints what was wrong and aborts,
 * which libFuzzer records as a crash and the replay (fuzz/replay.c) as a failure.
 *
 * The targets link the static library, so they may call internal (gan__*) functions.
 */
#ifndef GAN_FUZZ_SUPPORT_H
#define GAN_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gan.h"

/* The entry point of every target (libFuzzer's interface). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: counting allocator hooks, one thread. Every target calls it first. */
void fuzz_init(void);

/* A private folder (created on first use, removed with its files at exit), and the path of
 * `name` in it (the same lasting string for the same name; at most 16 names). */
const char *fuzz_temp_dir(void);
const char *fuzz_temp_path(const char *name);

/*
 * A path that holds exactly data[0..size): a memfd behind /proc/self/fd (no disk), or a
 * file in the private folder. Valid until the next call.
 */
const char *fuzz_input_file(const uint8_t *data, size_t size);

/* Prints "fuzz: check failed: ..." with gan_last_error() and aborts, unless `ok`. */
void fuzz_require(bool ok, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Empties gan_last_error(), so that a failure can be seen to set it. */
void fuzz_clear_error(void);

/* A failed call: a known error status and a message. `call` names it in the report. */
void fuzz_check_failure(gan_status status, const char *call);

/* Every libgan block allocated through the hooks has been freed. */
void fuzz_require_no_leak(void);

/* The model works: a forward pass of a batch of 2 zeros in training and in evaluation mode
 * gives the declared output shape, when its input shape is known and its sizes are small
 * (a file may ask for a model bigger than a fuzzer's memory: that is no finding). */
void fuzz_check_model_usable(gan_model *model);

/* Bitwise copies of a model's parameters and buffers, to prove a failed call changed
 * nothing. The copy is malloc'd (free it with free()); *count receives its length. */
float *fuzz_model_snapshot(gan_model *model, size_t *count);
void fuzz_require_model_unchanged(gan_model *model, const float *snapshot, size_t count,
                                  const char *call);

/*
 * For safetensors inputs: if the header holds libgan's checksum ("libgan.checksum":
 * "crc32:XXXXXXXX", io/safetensors.h), a malloc'd copy with the digits recomputed, so a
 * mutation gets past the checksum to the checks behind it; NULL when there is no checksum
 * to repair or it is right already. The copy has `size` bytes, like the input.
 */
uint8_t *fuzz_repair_checksum(const uint8_t *data, size_t size);

/*
 * The whole of a safetensors target's LLVMFuzzerTestOneInput: fuzz_init, load(path of the
 * input), load(path of the input with its checksum repaired) when that differs, and the
 * check that no libgan block leaked.
 */
void fuzz_safetensors_input(const uint8_t *data, size_t size, void (*load)(const char *path));

/* A model's architecture as JSON (io/architecture.h), malloc'd. */
char *fuzz_architecture_text(const gan_model *model);

#endif /* GAN_FUZZ_SUPPORT_H */
