/*
 * Shared by the tests that write files: a temporary folder (the test sets temp_dir, e.g. with
 * mkdtemp), paths in it, whole-file reads and writes, and a count of the temporaries an
 * atomic write may have left behind.
 */
#ifndef GAN_TEST_FILE_SUPPORT_H
#define GAN_TEST_FILE_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

static char temp_dir[512];

/* `name` in the temporary folder (four rotating buffers). */
static inline const char *temp_path(const char *name)
{
    static char paths[4][1024];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", temp_dir, name);
    return path;
}

static inline void write_bytes(const char *path, const void *bytes, size_t count)
{
    FILE *file = fopen(path, "wb");
    if (!file)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    if (count && fwrite(bytes, 1, count, file) != count)
        fail_msg("cannot write %s", path);
    fclose(file);
}

/* The whole file (malloc'd), or NULL if it does not exist. */
static inline unsigned char *slurp(const char *path, size_t *count)
{
    *count = 0;
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc((size_t)size + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *count = (size_t)size;
    return bytes;
}

/* Entries of `dir` named like the writer's temporaries (".NAME.libgan-PID-RANDOM.tmp"). */
static inline int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        size_t length = strlen(e->d_name);
        if (e->d_name[0] == '.' && strstr(e->d_name, ".libgan-") && length > 4 &&
            strcmp(e->d_name + length - 4, ".tmp") == 0)
            count++;
    }
    closedir(d);
    return count;
}

static inline void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[1024];
        int length = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (length < 0 || (size_t)length >= sizeof path)
            continue;
        struct stat info;
        if (lstat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
            chmod(path, 0755);
            remove_tree(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

#endif /* GAN_TEST_FILE_SUPPORT_H */
