/*
 * Internal: JSON for the file formats. Writing goes through a text builder (every byte in
 * memory from gan__alloc, numbers printed independently of the C locale); reading goes
 * through cJSON after a pre-scan that makes cJSON safe on hostile input.
 *
 * cJSON allocates its trees with its own global hooks (malloc by default), not through
 * gan__alloc: setting cJSON's hooks would change process-wide state that the application
 * may rely on. Trees are therefore parsed, read and deleted within one call, and the
 * pre-scan bounds how big a tree can get (GAN_JSON_MAX_VALUES).
 */
#ifndef GAN_IO_JSON_H
#define GAN_IO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "gan/status.h"

/* ---- writing ------------------------------------------------------------------------ */

/* A growing text buffer. A failed allocation sets `failed`; later appends do nothing, and
 * gan__text_status() reports GAN_ERR_OUT_OF_MEMORY (the message is already set). */
typedef struct gan_text {
    char *data; /* NUL-terminated when length > 0 */
    size_t length, capacity;
    bool failed;
} gan_text;

void gan__text_free(gan_text *text); /* and resets it to empty */
gan_status gan__text_status(const gan_text *text);
void gan__text_append(gan_text *text, const char *bytes, size_t count);
void gan__text_puts(gan_text *text, const char *string);
/* A JSON string literal: quotes, `"` `\` and control characters escaped, other bytes as
 * they are (the caller passes valid UTF-8). */
void gan__text_json_string(gan_text *text, const char *string);
void gan__text_json_int(gan_text *text, int64_t value);
/* A finite double with 17 significant digits ("%.17g" with '.' whatever the locale), so
 * strtod gives back the same double; a float widened to double therefore round-trips. */
void gan__text_json_double(gan_text *text, double value);

/* ---- reading ------------------------------------------------------------------------ */

/* The most values (objects, arrays, strings, numbers, literals) a parsed text may hold. */
#define GAN_JSON_MAX_VALUES (1 << 20)

/* Whether bytes[0..count) is well-formed UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF). */
bool gan__utf8_valid(const unsigned char *bytes, size_t count);

/*
 * Parses text[0..length) (no NUL needed) into *out (cJSON_Delete() it). Before cJSON sees
 * the text it must: be valid UTF-8; have no control characters but whitespace (none in
 * strings); have no "\u0000" escape (cJSON would cut the string there); hold at most
 * GAN_JSON_MAX_VALUES values. After the value only whitespace may follow. Failures are
 * GAN_ERR_FORMAT with a message "PREFIX: WHAT ..." naming the byte offset.
 */
gan_status gan__json_parse(const char *text, size_t length, cJSON **out, const char *prefix,
                           const char *what);

/* The exact integer value of a JSON number: integral and within +-2^53 (where doubles are
 * exact). false for anything else (not a number, fractional, too big, non-finite). */
bool gan__json_integer(const cJSON *item, int64_t *value);

/* GAN_ERR_FORMAT ("PREFIX: WHAT has the key 'k' twice") if a key of `object` occurs more
 * than once (cJSON keeps both), GAN_ERR_OUT_OF_MEMORY, else GAN_OK. O(n log n). */
gan_status gan__json_check_unique_keys(const cJSON *object, const char *prefix, const char *what);

#endif /* GAN_IO_JSON_H */
