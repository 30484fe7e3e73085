/* dk_fs.c: bounded reads, atomic writes, durable renames, directory helpers. */
#define _GNU_SOURCE
#include "dk_fs.h"

#include "dk_fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static dk_err errno_error(const char *what, const char *path)
{
    int e = errno;
    return dk_error_set(dk_error_from_errno(e), "%s %s: %s", what, path, strerror(e));
}

dk_err dk_fs_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_error("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        dk_err err = errno_error("cannot stat", path);
        close(fd);
        return err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dk_error_set(DK_ERR_INVALID, "%s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return dk_error_set(DK_ERR_LIMIT, "%s is %lld bytes, more than the limit of %zu", path,
                            (long long)st.st_size, max);
    }
    /* Read until EOF rather than trusting st_size: the file may change under us. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *data = malloc(cap);
    if (!data) {
        close(fd);
        return dk_error_set(DK_ERR_NOMEM, "cannot allocate %zu bytes for %s", cap, path);
    }
    for (;;) {
        if (n == cap - 1) {
            if (n >= max + 1) { /* one byte past max proves the file grew past the limit */
                free(data);
                close(fd);
                return dk_error_set(DK_ERR_LIMIT, "%s grew past the limit of %zu bytes", path, max);
            }
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *p = realloc(data, ncap);
            if (!p) {
                free(data);
                close(fd);
                return dk_error_set(DK_ERR_NOMEM, "cannot allocate %zu bytes for %s", ncap, path);
            }
            data = p;
            cap = ncap;
        }
        ssize_t r = read(fd, data + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            dk_err err = errno_error("cannot read", path);
            free(data);
            close(fd);
            return err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(data);
        return dk_error_set(DK_ERR_LIMIT, "%s grew past the limit of %zu bytes", path, max);
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return DK_OK;
}

dk_err dk_fs_join(char *out, size_t outsz, const char *a, const char *b)
{
    size_t la = strlen(a);
    int slash = la > 0 && a[la - 1] != '/';
    int n = snprintf(out, outsz, "%s%s%s", a, slash ? "/" : "", b);
    if (n < 0 || (size_t)n >= outsz)
        return dk_error_set(DK_ERR_LIMIT, "path too long: %s/%s", a, b);
    return DK_OK;
}

static void dir_of(const char *path, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, outsz, ".");
    } else if (slash == path) {
        snprintf(out, outsz, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= outsz)
            n = outsz - 1;
        memcpy(out, path, n);
        out[n] = '\0';
    }
}

dk_err dk_fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno_error("cannot open directory", dir);
    if (fsync(fd) != 0 && errno != EINVAL) { /* some file systems cannot sync directories */
        dk_err err = errno_error("cannot sync directory", dir);
        close(fd);
        return err;
    }
    close(fd);
    return DK_OK;
}

dk_err dk_fs_sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_error("cannot open", path);
    if (fsync(fd) != 0) {
        dk_err err = errno_error("cannot sync", path);
        close(fd);
        return err;
    }
    close(fd);
    return DK_OK;
}

dk_err dk_fs_rename_durable(const char *from, const char *to)
{
    dk_err err = dk_fault_point("fs.rename");
    if (err)
        return err;
    if (rename(from, to) != 0)
        return errno_error("cannot rename to", to);
    char dir[4096];
    dir_of(to, dir, sizeof dir);
    if ((err = dk_fs_sync_dir(dir)))
        return err;
    char fromdir[4096];
    dir_of(from, fromdir, sizeof fromdir);
    if (strcmp(fromdir, dir) != 0)
        err = dk_fs_sync_dir(fromdir);
    return err;
}

dk_err dk_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return dk_error_set(DK_ERR_LIMIT, "path too long: %s", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return errno_error("cannot create a temporary file for", path);
    dk_err err = DK_OK;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = errno_error("cannot write", tmp);
            goto fail;
        }
        p += w;
        left -= (size_t)w;
        if ((err = dk_fault_point("fs.write")))
            goto fail;
    }
    if (fchmod(fd, mode) != 0) {
        err = errno_error("cannot set the mode of", tmp);
        goto fail;
    }
    if (fsync(fd) != 0) {
        err = errno_error("cannot sync", tmp);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        err = errno_error("cannot close", tmp);
        goto fail;
    }
    fd = -1;
    if ((err = dk_fs_rename_durable(tmp, path)))
        goto fail;
    return DK_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return err;
}

dk_err dk_fs_mkdirs(const char *dir, unsigned mode)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return dk_error_set(DK_ERR_INVALID, "bad directory path '%s'", dir);
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return errno_error("cannot create directory", buf);
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
        return errno_error("cannot create directory", buf);
    if (!dk_fs_is_dir(buf))
        return dk_error_set(DK_ERR_EXISTS, "%s exists and is not a directory", buf);
    return DK_OK;
}

dk_err dk_fs_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? DK_OK : errno_error("cannot stat", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0 && errno != ENOENT)
            return errno_error("cannot remove", path);
        return DK_OK;
    }
    DIR *d = opendir(path);
    if (!d)
        return errno_error("cannot open directory", path);
    dk_err err = DK_OK;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096];
        err = dk_fs_join(child, sizeof child, path, e->d_name);
        if (!err)
            err = dk_fs_remove_tree(child);
    }
    closedir(d);
    if (!err && rmdir(path) != 0 && errno != ENOENT)
        err = errno_error("cannot remove directory", path);
    return err;
}

int dk_fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int dk_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

dk_err dk_fs_free_space(const char *path, uint64_t *bytes)
{
    struct statvfs sv;
    if (statvfs(path, &sv) != 0)
        return errno_error("cannot query free space of", path);
    *bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
    return DK_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

dk_err dk_fs_list(const char *dir, size_t max, char ***names, size_t *count)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno_error("cannot open directory", dir);
    /* Two passes over one allocation: pointers first, then the strings. */
    size_t n = 0, bytes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (++n > max) {
            closedir(d);
            return dk_error_set(DK_ERR_LIMIT, "%s has more than %zu entries", dir, max);
        }
        bytes += strlen(e->d_name) + 1;
    }
    char **list = malloc(n * sizeof *list + bytes + 1);
    if (!list) {
        closedir(d);
        return dk_error_set(DK_ERR_NOMEM, "cannot list %s", dir);
    }
    char *s = (char *)(list + n);
    size_t i = 0;
    rewinddir(d);
    while (i < n && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t l = strlen(e->d_name) + 1;
        if ((size_t)(s - (char *)(list + n)) + l > bytes)
            break; /* the directory changed between the passes; list what fits */
        memcpy(s, e->d_name, l);
        list[i++] = s;
        s += l;
    }
    closedir(d);
    qsort(list, i, sizeof *list, cmp_names);
    *names = list;
    *count = i;
    return DK_OK;
}

int dk_fs_remove_stale_temps(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(dir, 1000000, &names, &n) != DK_OK)
        return -1;
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = strstr(names[i], ".tmp-");
        if (!t || strlen(t) != 11) /* ".tmp-" and the six characters of mkostemp */
            continue;
        char path[4096];
        if (dk_fs_join(path, sizeof path, dir, names[i]) == DK_OK && unlink(path) == 0)
            removed++;
    }
    free(names);
    return removed;
}
