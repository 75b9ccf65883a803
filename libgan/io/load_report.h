/*
 * Internal: building the report of gan_model_load_matching (gan/io.h). The loader knows
 * every list's length and the bytes of all names before it fills anything, so the report
 * is allocated once, up front: a failed allocation then leaves the model untouched.
 */
#ifndef GAN_IO_LOAD_REPORT_H
#define GAN_IO_LOAD_REPORT_H

#include <stddef.h>

#include "gan/io.h"

enum { GAN_LOAD_LIST_COUNT = 3 };

/*
 * An empty report with room for counts[list] names in each list and `text_bytes` bytes of
 * names (terminators included). *out is NULL on failure (GAN_ERR_OUT_OF_MEMORY).
 */
gan_status gan__load_report_new(gan_load_report **out, const size_t counts[GAN_LOAD_LIST_COUNT],
                                size_t text_bytes);

/* Appends a copy of `name` to `list`; the room was reserved by gan__load_report_new. */
void gan__load_report_add(gan_load_report *report, gan_load_list list, const char *name);

#endif /* GAN_IO_LOAD_REPORT_H */
