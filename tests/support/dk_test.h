/* dk_test.h: helpers shared by the cmocka test programs (temporary folders, files, paths). */
#ifndef DK_TEST_H
#define DK_TEST_H

#include <setjmp.h> /* cmocka needs these before its header */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dk_ui.h"

#include <stdio.h>
#include <stdlib.h>

/* A fresh empty directory under $TMPDIR (or /tmp), removed by dkt_rmdir(). Returns a static
 * buffer's copy: the caller frees it with free(). Fails the test on error. */
char *dkt_mkdtemp(const char *tag);
void dkt_rmdir(char *dir); /* removes the tree and frees the string; accepts NULL */

/* Writes text to dir/rel, creating parent folders. Fails the test on error. */
void dkt_write(const char *dir, const char *rel, const char *text);
void dkt_write_bytes(const char *dir, const char *rel, const void *data, size_t len);

/* Reads dir/rel into a new NUL-terminated buffer (free() it); NULL if it does not exist. */
char *dkt_read(const char *dir, const char *rel, size_t *len);

/* The source tree (DK_SOURCE_DIR from ctest, else the current directory's ..). Borrowed. */
const char *dkt_source_dir(void);

/* A path inside the source tree in a static buffer (valid until the next call). */
const char *dkt_source_path(const char *rel);

/* Counts the regular files below dir, recursively. */
int dkt_count_files(const char *dir);

/* A small valid content tree (one district "hoerde", group "hoerde-ag-see", project
 * "hoerde-lichterfest", one date, the three pages) in a new temporary folder; dkt_rmdir() it.
 * The JSON texts are exported so that tests can write broken variants of them. */
char *dkt_make_content(void);
extern const char *const dkt_district_json, *const dkt_group_json, *const dkt_project_json,
    *const dkt_dates_json;
extern const unsigned char dkt_png_2x1[33], dkt_png_bomb[33];

/* A fake font for UI tests (dk_test_ui.c): a code point is 0.55 of the font's pixel size wide,
 * a line as high as dkt_fake_metrics says; set the metrics before laying anything out. */
extern dk_metrics dkt_fake_metrics;
dk_ui_text_backend dkt_fake_text_backend(void);

#endif
