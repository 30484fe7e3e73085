/* dk_test.c: helpers shared by the cmocka test programs. */
#include "dk_test.h"

#include "dk_fs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *dkt_mkdtemp(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/dk-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = strdup(dir);
    assert_non_null(copy);
    return copy;
}

void dkt_rmdir(char *dir)
{
    if (!dir)
        return;
    dk_err err = dk_fs_remove_tree(dir);
    assert_int_equal(err, DK_OK);
    free(dir);
}

void dkt_write_bytes(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(dk_fs_mkdirs(path, 0755), DK_OK);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void dkt_write(const char *dir, const char *rel, const char *text)
{
    dkt_write_bytes(dir, rel, text, strlen(text));
}

char *dkt_read(const char *dir, const char *rel, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *data = NULL;
    size_t n = 0;
    if (dk_fs_read(path, (size_t)1 << 30, &data, &n) != DK_OK)
        return NULL;
    if (len)
        *len = n;
    return data;
}

const char *dkt_source_dir(void)
{
    const char *s = getenv("DK_SOURCE_DIR");
    return s && *s ? s : "..";
}

const char *dkt_source_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dkt_source_dir(), rel);
    return buf;
}

int dkt_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            n += dkt_count_files(path);
        else if (S_ISREG(st.st_mode))
            n++;
    }
    closedir(d);
    return n;
}
