/* dk_log.h: levelled logging to stderr and syslog (journal), with a ring of recent lines. */
#ifndef DK_LOG_H
#define DK_LOG_H

#include "dk_error.h"

typedef enum dk_log_level {
    DK_LOG_DEBUG,
    DK_LOG_INFO,
    DK_LOG_WARN,
    DK_LOG_ERROR
} dk_log_level;

/* Where log lines go. Lines below min_level are dropped. ident names the program in syslog.
 * Can be called again to change the settings; thread-safe. Never logs personal data: callers
 * pass identifiers and counts, never form fields. */
void dk_log_setup(const char *ident, dk_log_level min_level, int to_stderr, int to_syslog);

/* Parses "debug", "info", "warn" or "error"; returns DK_ERR_INVALID for anything else. */
dk_err dk_log_level_parse(const char *name, dk_log_level *out) DK_MUST_CHECK;

void dk_log(dk_log_level level, const char *fmt, ...) DK_PRINTF(2, 3);

#define dk_debug(...) dk_log(DK_LOG_DEBUG, __VA_ARGS__)
#define dk_info(...) dk_log(DK_LOG_INFO, __VA_ARGS__)
#define dk_warn(...) dk_log(DK_LOG_WARN, __VA_ARGS__)
#define dk_error(...) dk_log(DK_LOG_ERROR, __VA_ARGS__)

/* The recent-lines ring, for the staff screen: lines are kept even when below min_level is not
 * (only what was logged). At most DK_LOG_RING_LINES lines of at most DK_LOG_LINE_MAX bytes. */
#define DK_LOG_RING_LINES 64 /* [lines] */
#define DK_LOG_LINE_MAX 240  /* [bytes] including the terminating NUL */

/* Copies up to max of the newest lines, oldest first, into out (each DK_LOG_LINE_MAX bytes).
 * Returns how many were copied. Thread-safe; can't fail. */
int dk_log_recent(char (*out)[DK_LOG_LINE_MAX], int max);

#endif
