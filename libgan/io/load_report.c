/*
 * The report of gan_model_load_matching (gan/io.h): three lists of names. The names of all
 * lists share one array of pointers (list after list) and one block of text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/load_report.h"

struct gan_load_report {
    const char **names;                   /* every list, one after another */
    size_t start[GAN_LOAD_LIST_COUNT];    /* where each list begins in `names` */
    size_t count[GAN_LOAD_LIST_COUNT];    /* names added so far */
    size_t capacity[GAN_LOAD_LIST_COUNT]; /* names reserved */
    char *text;                           /* the names' bytes */
    size_t text_used, text_bytes;
};

/* The array of names and the block of text; stops at the first failed allocation. */
static gan_status allocate_arrays(gan_load_report *report, size_t names)
{
    if (names > 0) {
        report->names = gan__calloc_array(names, sizeof *report->names, "load report names");
        if (!report->names)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    if (report->text_bytes > 0) {
        report->text = gan__alloc(report->text_bytes, "load report text");
        if (!report->text)
            return GAN_ERR_OUT_OF_MEMORY;
    }
    return GAN_OK;
}

gan_status gan__load_report_new(gan_load_report **out, const size_t counts[GAN_LOAD_LIST_COUNT],
                                size_t text_bytes)
{
    *out = NULL;
    gan_load_report *report = gan__calloc(sizeof *report, "load report");
    if (!report)
        return GAN_ERR_OUT_OF_MEMORY;
    size_t total = 0;
    for (int list = 0; list < GAN_LOAD_LIST_COUNT; list++) {
        report->start[list] = total;
        report->capacity[list] = counts[list];
        total += counts[list];
    }
    report->text_bytes = text_bytes;
    if (allocate_arrays(report, total) != GAN_OK) {
        gan_load_report_free(report);
        return GAN_ERR_OUT_OF_MEMORY;
    }
    *out = report;
    return GAN_OK;
}

void gan__load_report_add(gan_load_report *report, gan_load_list list, const char *name)
{
    size_t bytes = strlen(name) + 1;
    /* The loader reserved exactly what it adds; this guard only keeps a bug in bounds. */
    if (report->count[list] >= report->capacity[list] ||
        bytes > report->text_bytes - report->text_used)
        return;
    char *copy = report->text + report->text_used;
    memcpy(copy, name, bytes);
    report->text_used += bytes;
    report->names[report->start[list] + report->count[list]++] = copy;
}

/* The accessors' argument checks: a report and a known list, or a message naming `function`. */
static bool can_read_list(const gan_load_report *report, gan_load_list list, const char *function)
{
    if (!report) {
        gan__null(function, "report");
        return false;
    }
    if (list != GAN_LOAD_MATCHED && list != GAN_LOAD_ONLY_IN_FILE &&
        list != GAN_LOAD_ONLY_IN_MODEL) {
        gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: unknown list %d", function, (int)list);
        return false;
    }
    return true;
}

int64_t gan_load_report_count(const gan_load_report *report, gan_load_list list)
{
    if (!can_read_list(report, list, __func__))
        return -1;
    return (int64_t)report->count[list];
}

const char *gan_load_report_name(const gan_load_report *report, gan_load_list list,
                                 int64_t index)
{
    if (!can_read_list(report, list, __func__))
        return NULL;
    if (index < 0 || (uint64_t)index >= report->count[list]) {
        gan__fail(GAN_ERR_INVALID_ARGUMENT,
                  "%s: index %lld is out of range: the list has %zu names", __func__,
                  (long long)index, report->count[list]);
        return NULL;
    }
    return report->names[report->start[list] + (size_t)index];
}

void gan_load_report_free(gan_load_report *report)
{
    if (!report)
        return;
    gan__free(report->names);
    gan__free(report->text);
    gan__free(report);
}
