/* dk_fs.h: file helpers that never leave a half-written file: bounded reads, atomic writes. */
#ifndef DK_FS_H
#define DK_FS_H

#include "dk_error.h"

#include <stddef.h>
#include <stdint.h>

/* Reads a whole regular file into a new NUL-terminated buffer (*out, freed by the caller with
 * free(); *len excludes the NUL). Fails with DK_ERR_LIMIT, leaving *out NULL, if the file is
 * larger than max bytes, and with DK_ERR_INVALID if it is not a regular file. */
dk_err dk_fs_read(const char *path, size_t max, char **out, size_t *len) DK_MUST_CHECK;

/* Writes data to path atomically: a temporary file beside it, fsync, rename over path, fsync of
 * the directory. After a crash path holds either the old or the new content, never a mixture.
 * mode is the new file's permission bits (e.g. 0644, 0600). */
dk_err dk_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
    DK_MUST_CHECK;

/* Renames from over to and fsyncs the directories of both, so the rename survives power loss. */
dk_err dk_fs_rename_durable(const char *from, const char *to) DK_MUST_CHECK;

/* fsyncs a directory so that entries created, renamed or removed in it are durable. */
dk_err dk_fs_sync_dir(const char *dir) DK_MUST_CHECK;

/* fsyncs the file at path. */
dk_err dk_fs_sync_file(const char *path) DK_MUST_CHECK;

/* Creates dir and its missing parents with mode; existing directories are fine. */
dk_err dk_fs_mkdirs(const char *dir, unsigned mode) DK_MUST_CHECK;

/* Removes a directory tree (no symlinks are followed). A missing path is not an error. */
dk_err dk_fs_remove_tree(const char *path) DK_MUST_CHECK;

/* Removes the temporary files that dk_fs_write_atomic() leaves in dir when the process dies
 * mid-write ("NAME.tmp-XXXXXX"). Call it at start-up on folders the process owns. Returns how
 * many were removed, or -1 if dir cannot be read. */
int dk_fs_remove_stale_temps(const char *dir);

/* 1 if path exists (any type), 0 if not. */
int dk_fs_exists(const char *path);
/* 1 if path is a directory, 0 otherwise. */
int dk_fs_is_dir(const char *path);

/* Bytes available to an unprivileged user on the file system holding path. */
dk_err dk_fs_free_space(const char *path, uint64_t *bytes) DK_MUST_CHECK;

/* Joins a and b with one '/' into out (size outsz). DK_ERR_LIMIT if it does not fit. */
dk_err dk_fs_join(char *out, size_t outsz, const char *a, const char *b) DK_MUST_CHECK;

/* Directory listing: the names in dir (no "." or ".."), sorted bytewise so that every caller sees
 * the same order. *names is one allocation (free() it); *count entries. At most max entries,
 * else DK_ERR_LIMIT. */
dk_err dk_fs_list(const char *dir, size_t max, char ***names, size_t *count) DK_MUST_CHECK;

#endif
