/*
 * Replays inputs through a fuzz target without a fuzzing engine, so the targets build
 * with any compiler and `make check` runs their corpora:
 *   replay_TARGET FILE_OR_FOLDER...
 * Each file (the files of a folder in name order; hidden ones skipped) is read and given to
 * LLVMFuzzerTestOneInput once. Every name is printed before it runs, so the last line
 * before a crash or a failed check names the input. Ends with "replay: N inputs".
 * Exit status: 0, or 2 when a file or folder cannot be read (a failed check aborts).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;

/* The whole file (malloc'd), or NULL with a message. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 4096, used = 0;
    uint8_t *bytes = malloc(capacity);
    while (bytes) {
        used += fread(bytes + used, 1, capacity - used, file);
        if (used < capacity)
            break;
        capacity *= 2;
        uint8_t *bigger = realloc(bytes, capacity);
        if (!bigger)
            free(bytes);
        bytes = bigger;
    }
    bool failed = !bytes || ferror(file);
    fclose(file);
    if (failed) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(bytes);
        return NULL;
    }
    *size = used;
    return bytes;
}

static int replay_file(const char *path)
{
    size_t size = 0;
    uint8_t *bytes = read_file(path, &size);
    if (!bytes)
        return 2;
    printf("replay: %s\n", path);
    fflush(stdout);
    /* libFuzzer's inputs are never at a NULL pointer; a copy of exactly `size` bytes lets
     * AddressSanitizer see a read past the end. */
    LLVMFuzzerTestOneInput(bytes, size);
    free(bytes);
    replayed++;
    return 0;
}

static int not_hidden(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

static int replay_folder(const char *folder)
{
    struct dirent **entries = NULL;
    int count = scandir(folder, &entries, not_hidden, alphasort);
    if (count < 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", folder, strerror(errno));
        return 2;
    }
    int status = 0;
    for (int i = 0; i < count; i++) {
        char path[4096];
        struct stat info;
        snprintf(path, sizeof path, "%s/%s", folder, entries[i]->d_name);
        if (stat(path, &info) == 0 && S_ISREG(info.st_mode) && replay_file(path) != 0)
            status = 2;
        free(entries[i]);
    }
    free(entries);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            status = 2;
        } else if (S_ISDIR(info.st_mode) ? replay_folder(argv[i]) : replay_file(argv[i])) {
            status = 2;
        }
    }
    printf("replay: %ld inputs\n", replayed);
    return status;
}
