/*
 * Internal: replacing a file atomically. The bytes go to a new temporary file in the same
 * folder, ".NAME.libgan-PID-RANDOM.tmp" (NAME: the target's file name, cut to 200 bytes;
 * PID: the writer's process id; RANDOM: 16 hex digits; created with O_EXCL and mode
 * 0666 & ~umask); committing fsyncs and closes it, renames it over the target and fsyncs the
 * folder. On any failure before the rename the temporary is removed and the target is left
 * as it was. (If only the final fsync of the folder fails, the new file is in place but its
 * durability is not confirmed: GAN_ERR_IO. File systems that cannot fsync a folder (EINVAL)
 * count as success.) Used by the safetensors writer (io/safetensors.c) and the PNG writer
 * (io/png.c).
 *
 * A writer killed before its rename leaves its temporary behind. gan__atomic_begin removes
 * the temporaries of the same target (same folder, same ".NAME.libgan-" prefix, then
 * exactly "PID-RANDOM.tmp") whose writer is gone: kill(PID, 0) fails with ESRCH. It keeps
 * those of live processes (a save in progress elsewhere), of this process (another thread's)
 * and every other file. Limits: two targets whose names share their first 200 bytes share
 * the prefix (a gone writer's temporary is garbage whichever it was); a writer in another
 * PID namespace sharing the folder looks gone, and then its rename fails cleanly; a gone
 * writer whose PID was reused keeps its temporary until the PID is free again.
 *
 * Use:
 *   gan_atomic_file file;
 *   status = gan__atomic_begin(&file, path, function);     // nothing to undo on failure
 *   ... status = gan__atomic_write(&file, bytes, count) ...
 *   if (status != GAN_OK) gan__atomic_abort(&file);        // removes the temporary
 *   else status = gan__atomic_commit(&file);               // always releases the file
 *
 * Messages start with `function` ("gan_model_save: ...") and, for I/O, name the
 * operation, the path and strerror: "create", "write", "fsync", "close", "rename",
 * "open folder", "fsync folder".
 */
#ifndef GAN_IO_ATOMIC_FILE_H
#define GAN_IO_ATOMIC_FILE_H

#include <stddef.h>

#include "gan/status.h"

typedef struct gan_atomic_file {
    const char *path;     /* the target (borrowed) */
    const char *function; /* message prefix (borrowed) */
    char *temporary;      /* the temporary's path (gan__alloc), NULL when released */
    char *folder;         /* the folder to fsync (gan__alloc) */
    int fd;               /* the open temporary, or -1 */
} gan_atomic_file;

/*
 * Removes the stale temporaries of `path` (best effort, see above), then creates its
 * temporary. GAN_ERR_INVALID_ARGUMENT (NULL or empty path, a path ending in '/'),
 * GAN_ERR_IO ("create"), GAN_ERR_OUT_OF_MEMORY. On failure *file holds nothing
 * (gan__atomic_abort is a harmless no-op on it).
 */
gan_status gan__atomic_begin(gan_atomic_file *file, const char *path, const char *function);

/* Appends `count` bytes (retrying short writes and EINTR). GAN_ERR_IO ("write", naming the
 * temporary). The file stays open either way: abort it on failure. */
gan_status gan__atomic_write(gan_atomic_file *file, const void *bytes, size_t count);

/* fsync, close, rename over the target, fsync the folder. The file is released whatever the
 * result; on a failure before the rename the temporary is removed. */
gan_status gan__atomic_commit(gan_atomic_file *file);

/* Closes and removes the temporary and releases the file. A no-op on a released file. */
void gan__atomic_abort(gan_atomic_file *file);

/* GAN_ERR_IO with "FUNCTION: OPERATION 'PATH' failed: strerror(error)". */
gan_status gan__io_error(const char *function, const char *operation, const char *path,
                         int error);

#endif /* GAN_IO_ATOMIC_FILE_H */
