/* JSON text building and checked parsing (see json.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/json.h"

/* ---- writing ------------------------------------------------------------------------ */

void gan__text_free(gan_text *text)
{
    gan__free(text->data);
    text->data = NULL;
    text->length = text->capacity = 0;
    text->failed = false;
}

gan_status gan__text_status(const gan_text *text)
{
    return text->failed ? GAN_ERR_OUT_OF_MEMORY : GAN_OK;
}

/* Room for `count` more bytes and a NUL. */
static bool reserve(gan_text *text, size_t count)
{
    if (text->failed)
        return false;
    size_t need;
    if (__builtin_add_overflow(text->length, count, &need) || __builtin_add_overflow(need, 1, &need)) {
        text->failed = true;
        gan__fail(GAN_ERR_OUT_OF_MEMORY, "a JSON text of more than SIZE_MAX bytes");
        return false;
    }
    if (need <= text->capacity)
        return true;
    size_t capacity = text->capacity ? text->capacity : 256;
    while (capacity < need)
        capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
    char *data = gan__alloc(capacity, "JSON text");
    if (!data) {
        text->failed = true;
        return false;
    }
    if (text->length)
        memcpy(data, text->data, text->length);
    gan__free(text->data);
    text->data = data;
    text->capacity = capacity;
    return true;
}

void gan__text_append(gan_text *text, const char *bytes, size_t count)
{
    if (!reserve(text, count))
        return;
    if (count)
        memcpy(text->data + text->length, bytes, count);
    text->length += count;
    text->data[text->length] = '\0';
}

void gan__text_puts(gan_text *text, const char *string)
{
    gan__text_append(text, string, strlen(string));
}

void gan__text_json_string(gan_text *text, const char *string)
{
    static const char hex[] = "0123456789abcdef";
    gan__text_append(text, "\"", 1);
    const char *run = string; /* bytes not yet appended that need no escape */
    for (const char *p = string;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c != 0 && c >= 0x20 && c != '"' && c != '\\')
            continue;
        gan__text_append(text, run, (size_t)(p - run));
        if (c == 0)
            break;
        char escape[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t length = 2;
        if (c == '\n')
            escape[1] = 'n';
        else if (c == '\t')
            escape[1] = 't';
        else if (c == '\r')
            escape[1] = 'r';
        else if (c < 0x20) {
            escape[1] = 'u';
            escape[2] = '0';
            escape[3] = '0';
            escape[4] = hex[c >> 4];
            escape[5] = hex[c & 15];
            length = 6;
        }
        gan__text_append(text, escape, length);
        run = p + 1;
    }
    gan__text_append(text, "\"", 1);
}

void gan__text_json_int(gan_text *text, int64_t value)
{
    char digits[32];
    int length = snprintf(digits, sizeof digits, "%lld", (long long)value);
    gan__text_append(text, digits, (size_t)length);
}

void gan__text_json_double(gan_text *text, double value)
{
    char digits[64];
    int length = snprintf(digits, sizeof digits, "%.17g", value);
    if (length < 0 || (size_t)length >= sizeof digits) {
        length = 0;
        digits[0] = '\0';
    }
    /* printf writes the locale's decimal point (maybe several bytes) after the sign and the
     * leading digits; JSON wants '.'. It is found in the text, not asked of localeconv(),
     * which is not thread-safe (glibc fills one static struct on every call). */
    char *at = digits + strspn(digits, "-0123456789");
    size_t skip = strcspn(at, "0123456789eE");
    if (skip > 0) {
        *at = '.';
        memmove(at + 1, at + skip, strlen(at + skip) + 1);
        length -= (int)skip - 1;
    }
    gan__text_append(text, digits, (size_t)length);
}

/* ---- reading ------------------------------------------------------------------------ */

bool gan__utf8_valid(const unsigned char *bytes, size_t count)
{
    size_t i = 0;
    while (i < count) {
        unsigned char c = bytes[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t extra;
        uint32_t code, minimum;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1, code = c & 0x1F, minimum = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2, code = c & 0x0F, minimum = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3, code = c & 0x07, minimum = 0x10000;
        } else {
            return false; /* a continuation byte, an overlong lead (C0, C1) or F5..FF */
        }
        if (count - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            unsigned char next = bytes[i + k];
            if ((next & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (next & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The pre-scan: characters, the \u0000 escape, and an upper bound on the values cJSON would
 * create (each value is the first element of a container or follows a comma). */
static gan_status prescan(const char *text, size_t length, const char *prefix, const char *what)
{
    if (!gan__utf8_valid((const unsigned char *)text, length))
        return gan__fail(GAN_ERR_FORMAT, "%s: %s is not valid UTF-8", prefix, what);
    bool in_string = false;
    size_t values = 1;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && !(!in_string && is_space((char)c)))
            return gan__fail(GAN_ERR_FORMAT, "%s: %s has a control character (0x%02x) at byte %zu",
                             prefix, what, (unsigned)c, i);
        if (in_string) {
            if (c == '"') {
                in_string = false;
            } else if (c == '\\') {
                if (i + 5 < length && memcmp(text + i + 1, "u0000", 5) == 0)
                    return gan__fail(GAN_ERR_FORMAT, "%s: %s has a \\u0000 escape at byte %zu",
                                     prefix, what, i);
                i++; /* the escaped character cannot end the string */
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',' || c == '[' || c == '{') {
            values++;
        }
        if (values > GAN_JSON_MAX_VALUES)
            return gan__fail(GAN_ERR_FORMAT, "%s: %s holds more than %d values", prefix, what,
                             GAN_JSON_MAX_VALUES);
    }
    return GAN_OK;
}

gan_status gan__json_parse(const char *text, size_t length, cJSON **out, const char *prefix,
                           const char *what)
{
    *out = NULL;
    gan_status status = prescan(text, length, prefix, what);
    if (status != GAN_OK)
        return status;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, length, &end, false);
    size_t offset = end && end >= text ? (size_t)(end - text) : 0;
    if (!root)
        return gan__fail(GAN_ERR_FORMAT, "%s: %s is not valid JSON (error at byte %zu of %zu)",
                         prefix, what, offset, length);
    for (size_t i = offset; i < length; i++)
        if (!is_space(text[i])) {
            cJSON_Delete(root);
            return gan__fail(GAN_ERR_FORMAT, "%s: %s has more than one JSON value (byte %zu)",
                             prefix, what, i);
        }
    *out = root;
    return GAN_OK;
}

bool gan__json_integer(const cJSON *item, int64_t *value)
{
    const double limit = 9007199254740992.0; /* 2^53 */
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= -limit && v <= limit) || v != floor(v))
        return false;
    *value = (int64_t)v;
    return true;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gan_status gan__json_check_unique_keys(const cJSON *object, const char *prefix, const char *what)
{
    size_t count = 0;
    for (const cJSON *item = object->child; item; item = item->next)
        count++;
    if (count < 2)
        return GAN_OK;
    const char **keys = gan__calloc_array(count, sizeof *keys, "JSON key list");
    if (!keys)
        return GAN_ERR_OUT_OF_MEMORY;
    size_t i = 0;
    for (const cJSON *item = object->child; item; item = item->next)
        keys[i++] = item->string ? item->string : "";
    qsort(keys, count, sizeof *keys, compare_keys);
    gan_status status = GAN_OK;
    for (i = 1; i < count && status == GAN_OK; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            status = gan__fail(GAN_ERR_FORMAT, "%s: %s has the key '%s' twice", prefix, what,
                               keys[i]);
    gan__free(keys);
    return status;
}
