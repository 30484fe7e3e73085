/* dk_log.c: levelled logging to stderr and syslog, with a ring of recent lines for staff. */
#include "dk_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static dk_log_level log_min = DK_LOG_INFO;
static int log_stderr = 1;
static int log_syslog = 0;
static int log_journal = 0; /* stderr is systemd's journal stream: "<N>" priority prefixes */
static char ring[DK_LOG_RING_LINES][DK_LOG_LINE_MAX];
static int ring_next;  /* slot the next line goes into */
static int ring_count; /* lines held, up to DK_LOG_RING_LINES */

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const int level_prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR}; /* syslog's */

/* 1 if stderr is the journal stream systemd connected us to. JOURNAL_STREAM holds its
 * "device:inode"; comparing them (as sd_journal_stream_fd(3) advises) keeps a redirected stderr
 * of a child or a shell from being mistaken for it. */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void dk_log_setup(const char *ident, dk_log_level min_level, int to_stderr, int to_syslog)
{
    pthread_mutex_lock(&log_lock);
    log_min = min_level;
    log_stderr = to_stderr;
    log_journal = to_stderr && stderr_is_journal();
    if (log_syslog)
        closelog();
    log_syslog = to_syslog;
    if (to_syslog)
        openlog(ident ? ident : "district-kiosk", LOG_PID, LOG_DAEMON);
    pthread_mutex_unlock(&log_lock);
}

dk_err dk_log_level_parse(const char *name, dk_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (dk_log_level)i;
            return DK_OK;
        }
    }
    return dk_error_set(DK_ERR_INVALID, "unknown log level '%s' (use debug, info, warn or error)",
                        name);
}

void dk_log(dk_log_level level, const char *fmt, ...)
{
    char msg[DK_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    pthread_mutex_lock(&log_lock);
    if (level < log_min) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);

    snprintf(ring[ring_next], DK_LOG_LINE_MAX, "%s %-5s %s", stamp, level_names[level], msg);
    ring_next = (ring_next + 1) % DK_LOG_RING_LINES;
    if (ring_count < DK_LOG_RING_LINES)
        ring_count++;

    if (log_journal) /* the journal stamps lines itself; the prefix is the line's priority, so
                      * that journalctl -p err finds errors (sd-daemon(3)) */
        fprintf(stderr, "<%d>%-5s %s\n", level_prio[level], level_names[level], msg);
    else if (log_stderr)
        fprintf(stderr, "%s %-5s %s\n", stamp, level_names[level], msg);
    if (log_syslog)
        syslog(level_prio[level], "%s", msg);
    pthread_mutex_unlock(&log_lock);
}

int dk_log_recent(char (*out)[DK_LOG_LINE_MAX], int max)
{
    pthread_mutex_lock(&log_lock);
    int n = ring_count < max ? ring_count : max;
    int start = (ring_next - n + DK_LOG_RING_LINES) % DK_LOG_RING_LINES;
    for (int i = 0; i < n; i++)
        memcpy(out[i], ring[(start + i) % DK_LOG_RING_LINES], DK_LOG_LINE_MAX);
    pthread_mutex_unlock(&log_lock);
    return n;
}
