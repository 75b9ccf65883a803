/*
 * Atomic replacement of a file through a temporary in the same folder (see atomic_file.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/checked_math.h"
#include "core/error.h"
#include "io/atomic_file.h"

gan_status gan__io_error(const char *function, const char *operation, const char *path,
                         int error)
{
    char reason[256];
    if (strerror_r(error, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", error);
    return gan__fail(GAN_ERR_IO, "%s: %s '%s' failed: %s", function, operation, path, reason);
}

/* Writes all `count` bytes; 0 or an errno. */
static int write_all(int fd, const void *bytes, size_t count)
{
    const unsigned char *p = bytes;
    while (count > 0) {
        ssize_t written = write(fd, p, count);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (written == 0)
            return EIO;
        p += written;
        count -= (size_t)written;
    }
    return 0;
}

/*
 * The temporary is ".NAME.libgan-PID-RANDOM.tmp" in the target's folder: NAME is the target's
 * file name cut to its first NAME_BYTES bytes (so the whole stays within NAME_MAX = 255), PID
 * the writer's process id in decimal, RANDOM 16 lowercase hex digits. A writer killed before
 * its rename leaves its temporary behind; the next save of the same target removes it.
 */
enum {
    NAME_BYTES = 200,
    SUFFIX_BYTES = 48 /* PID (at most 20 characters), '-', RANDOM, ".tmp", '\0' */
};
static const char TEMPORARY_MARK[] = ".libgan-";

/* The folder of `path` (".", "/" or the part before the last '/') and the start of the
 * temporary's path, "FOLDER/.NAME.libgan-" (create_temporary completes it); both are
 * allocated (gan__free them). *prefix_at is where ".NAME.libgan-" starts in *temporary. */
static gan_status temporary_path(const char *path, const char *function, char **temporary,
                                 char **folder, size_t *prefix_at)
{
    *temporary = *folder = NULL;
    size_t length = strlen(path);
    const char *slash = strrchr(path, '/');
    if (length == 0 || slash == path + length - 1)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the path '%s' does not name a file",
                         function, path);
    size_t folder_length = slash ? (size_t)(slash - path) + 1 : 0; /* with the slash */
    size_t name_length = length - folder_length;
    if (name_length > NAME_BYTES)
        name_length = NAME_BYTES;
    size_t capacity;
    if (!gan__add_size(folder_length, 1 + NAME_BYTES + sizeof TEMPORARY_MARK + SUFFIX_BYTES,
                       &capacity))
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "%s: the path is too long", function);
    *temporary = gan__alloc(capacity, "temporary file name");
    *folder = *temporary ? gan__alloc(capacity, "folder name") : NULL;
    if (!*folder) {
        gan__free(*temporary);
        *temporary = NULL;
        return GAN_ERR_OUT_OF_MEMORY;
    }
    char *end = *temporary;
    memcpy(end, path, folder_length);
    end += folder_length;
    *end++ = '.';
    memcpy(end, path + folder_length, name_length);
    strcpy(end + name_length, TEMPORARY_MARK);
    *prefix_at = folder_length;
    if (folder_length == 0)
        strcpy(*folder, ".");
    else if (folder_length == 1)
        strcpy(*folder, "/");
    else {
        memcpy(*folder, path, folder_length - 1);
        (*folder)[folder_length - 1] = '\0';
    }
    return GAN_OK;
}

/* Whether `name` is `prefix` followed by "PID-RANDOM.tmp" as create_temporary writes them;
 * *writer receives PID. At most 9 digits, no leading zero: PID 0 or a negative one would
 * make kill() signal a whole process group. */
static bool names_a_temporary(const char *name, const char *prefix, pid_t *writer)
{
    size_t prefix_length = strlen(prefix);
    if (strncmp(name, prefix, prefix_length) != 0)
        return false;
    const char *p = name + prefix_length, *digits = p;
    long pid = 0;
    while (*p >= '0' && *p <= '9' && p - digits < 9)
        pid = pid * 10 + (*p++ - '0');
    if (p == digits || *digits == '0' || *p++ != '-')
        return false;
    for (const char *hex = p; p - hex < 16; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    *writer = (pid_t)pid;
    return strcmp(p, ".tmp") == 0;
}

/* A writer is gone when signalling it finds no such process. A live process of another
 * user answers EPERM, and this process (whose other threads may be saving) is alive: both
 * are kept. */
static bool writer_is_gone(pid_t writer)
{
    return kill(writer, 0) != 0 && errno == ESRCH;
}

/* Removes the temporaries of `prefix` (".NAME.libgan-") in `folder` whose writer is gone,
 * i.e. was killed before its rename. Best effort: an unreadable folder is left to the save
 * to report, and a temporary that cannot be removed stays. */
static void remove_stale_temporaries(const char *folder, const char *prefix)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return;
    pid_t writer;
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir))
        if (names_a_temporary(entry->d_name, prefix, &writer) && writer_is_gone(writer))
            unlinkat(dirfd(dir), entry->d_name, 0);
    closedir(dir);
}

/* Creates the temporary (its name completed in `temporary`, which holds "FOLDER/.NAME.libgan-")
 * with O_EXCL; the returned fd is >= 0, or -1 with *error set. */
static int create_temporary(char *temporary, int *error)
{
    size_t prefix_length = strlen(temporary);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t seed = (uint64_t)now.tv_sec * 1000000007u ^ (uint64_t)now.tv_nsec ^
                    (uint64_t)(uintptr_t)&now;
    for (int attempt = 0; attempt < 100; attempt++) {
        /* splitmix64 */
        uint64_t z = (seed += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        z ^= z >> 31;
        snprintf(temporary + prefix_length, SUFFIX_BYTES, "%ld-%016llx.tmp", (long)getpid(),
                 (unsigned long long)z);
        int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST) {
            *error = errno;
            return -1;
        }
    }
    *error = EEXIST;
    return -1;
}

static void release(gan_atomic_file *file)
{
    gan__free(file->temporary);
    gan__free(file->folder);
    file->temporary = file->folder = NULL;
    file->fd = -1;
}

gan_status gan__atomic_begin(gan_atomic_file *file, const char *path, const char *function)
{
    file->path = path;
    file->function = function;
    file->temporary = file->folder = NULL;
    file->fd = -1;
    if (!path)
        return gan__null(function, "path");
    size_t prefix_at = 0;
    gan_status status =
        temporary_path(path, function, &file->temporary, &file->folder, &prefix_at);
    if (status != GAN_OK)
        return status;
    remove_stale_temporaries(file->folder, file->temporary + prefix_at);
    int error = 0;
    file->fd = create_temporary(file->temporary, &error);
    if (file->fd < 0) {
        status = gan__io_error(function, "create", file->temporary, error);
        release(file);
    }
    return status;
}

gan_status gan__atomic_write(gan_atomic_file *file, const void *bytes, size_t count)
{
    int error = write_all(file->fd, bytes, count);
    return error ? gan__io_error(file->function, "write", file->temporary, error) : GAN_OK;
}

void gan__atomic_abort(gan_atomic_file *file)
{
    if (!file->temporary)
        return;
    if (file->fd >= 0)
        close(file->fd);
    unlink(file->temporary);
    release(file);
}

gan_status gan__atomic_commit(gan_atomic_file *file)
{
    const char *function = file->function;
    gan_status status = GAN_OK;
    if (fsync(file->fd) != 0) {
        status = gan__io_error(function, "fsync", file->temporary, errno);
        gan__atomic_abort(file);
        return status;
    }
    int fd = file->fd;
    file->fd = -1; /* closed below, whatever close() says */
    if (close(fd) != 0) {
        status = gan__io_error(function, "close", file->temporary, errno);
        gan__atomic_abort(file);
        return status;
    }
    if (rename(file->temporary, file->path) != 0) {
        int error_number = errno;
        char reason[256];
        if (strerror_r(error_number, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", error_number);
        status = gan__fail(GAN_ERR_IO, "%s: rename '%s' to '%s' failed: %s", function,
                           file->temporary, file->path, reason);
        gan__atomic_abort(file);
        return status;
    }
    /* The new name is in place; make the folder entry durable. */
    int dir = open(file->folder, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (dir < 0) {
        status = gan__io_error(function, "open folder", file->folder, errno);
    } else {
        if (fsync(dir) != 0 && errno != EINVAL)
            status = gan__io_error(function, "fsync folder", file->folder, errno);
        close(dir);
    }
    release(file);
    return status;
}
