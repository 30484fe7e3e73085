/* dk_sync.h: the kiosk's content sync (docs/protocol.md, "The kiosk's cycle"): one verified
 * cycle that either switches to a complete new release or leaves everything as it was, and a
 * worker thread that runs it periodically with jitter and backs off on failures. */
#ifndef DK_SYNC_H
#define DK_SYNC_H

#include "dk_config.h"
#include "dk_error.h"

#include <stdint.h>

/* Tunables that are not settings (protocol constants and scheduling). */
#define DK_SYNC_BACKOFF_FIRST_S     30    /* [s] first wait after a failure; doubles each time */
#define DK_SYNC_BACKOFF_MAX_FACTOR  6     /* the wait grows to at most sync_interval_s times this */
#define DK_SYNC_FIRST_DELAY_S       5     /* [s] after start, before the first cycle */
#define DK_SYNC_HEARTBEAT_TIMEOUT_S 30    /* [s] longest a heartbeat may take */
#define DK_SYNC_REPLY_MAX           16384 /* [bytes] of a reply to an API request */
#define DK_SYNC_ERROR_MAX           256   /* [bytes] of an error message, with the NUL */
#define DK_SYNC_NICE                10    /* the worker thread's nice value (Linux) */

typedef enum dk_sync_result {
    DK_SYNC_NONE,    /* no cycle has run yet */
    DK_SYNC_CURRENT, /* the kiosk has the release the hub offers */
    DK_SYNC_UPDATED, /* a new release was installed in this cycle */
    DK_SYNC_STALE,   /* the hub's timestamp has expired: content kept, reported as stale */
    DK_SYNC_FAILED   /* something went wrong: content kept as it was */
} dk_sync_result;

/* "never", "ok", "updated", "stale" or "error". Static; can't fail. */
const char *dk_sync_result_name(dk_sync_result r);

/* A snapshot of the sync's state. Times are unix seconds, 0 when it never happened. */
typedef struct dk_sync_status {
    int configured;            /* 1: a hub or release server is configured */
    int running;               /* 1: a cycle is under way */
    char phase[24];            /* what a running cycle does: "timestamp", "manifest",
                                * "objects", "switch", "cleanup", "heartbeat"; "" when idle */
    uint64_t bytes_done;       /* [bytes] downloaded so far in this cycle's object phase */
    uint64_t bytes_total;      /* [bytes] that phase has to download */
    long long content_version; /* release the kiosk shows (its content database's) */
    char content_issued[32];   /* when that release was issued, "" if unknown */
    long long last_attempt, last_success, next_attempt;
    dk_sync_result last_result;
    char last_error[DK_SYNC_ERROR_MAX]; /* plain words for staff, "" after a success */
    int stale;                /* 1: the newest timestamp this kiosk accepted has expired */
    long long stale_at;       /* when it expires / expired, 0 if none was ever accepted */
    int failures;             /* failed cycles in a row */
    uint64_t last_downloaded; /* [bytes] downloaded by the last cycle */
    long long last_heartbeat; /* last heartbeat the hub acknowledged */
    char heartbeat_error[DK_SYNC_ERROR_MAX]; /* why the last heartbeat failed, "" if it worked */
} dk_sync_status;

/* What the worker tells its owner. Called on the worker thread: the callback must only hand
 * the news on (a queue, SDL_PushEvent) and return. */
typedef enum dk_sync_event {
    DK_SYNC_EVENT_STATUS, /* the status changed; dk_sync_get_status() has the news */
    DK_SYNC_EVENT_CONTENT /* a new content database was switched in */
} dk_sync_event;
typedef void (*dk_sync_notify_fn)(void *arg, dk_sync_event event);

typedef struct dk_sync_options {
    const char *bundle_dir;   /* the bundled content: its objects are never deleted; NULL or "":
                               * unknown, and then no object is deleted at all */
    const char *app_version;  /* sent with the heartbeat */
    dk_sync_notify_fn notify; /* may be NULL */
    void *notify_arg;
    long long (*clock)(void); /* wall clock in unix seconds, for tests; NULL: time() */
} dk_sync_options;

typedef struct dk_sync dk_sync;

/* Makes a sync for the settings in cfg (copied): sync_url or hub_url must be set, use https
 * (plain http only with sync_allow_http and a loopback host), and trusted_keys must name at least
 * one key. Reads data_dir/sync.db for the last known status; touches no network.
 * DK_ERR_INVALID with a plain-words detail for a setting that cannot work, DK_ERR_NOMEM.
 * Free with dk_sync_free(). */
dk_err dk_sync_new(const dk_config *cfg, const dk_sync_options *opt, dk_sync **out) DK_MUST_CHECK;

/* Runs one cycle on the calling thread and returns its outcome: DK_OK when the kiosk has the
 * current release (installed now or already), else the error that stopped the cycle, with the
 * detail in plain words (stale: DK_ERR_PROTOCOL). In every case the previous release stays
 * complete and usable unless a new one was switched in completely. Waits while another cycle of
 * this dk_sync runs; fails with DK_ERR_EXISTS if another process syncs the same data_dir. The
 * heartbeat is sent afterwards; its failure does not change the result. */
dk_err dk_sync_run_cycle(dk_sync *s) DK_MUST_CHECK;

/* Starts the worker thread: a first cycle DK_SYNC_FIRST_DELAY_S after start, then every
 * sync_interval_s +-10 %, after failures after 30 s doubling up to sync_interval_s x 6, +-20 %.
 * DK_ERR_INVALID if it runs already, DK_ERR_NOMEM if no thread can be made. */
dk_err dk_sync_start(dk_sync *s) DK_MUST_CHECK;

/* Asks the worker for a cycle now (staff pressed "Sync now"). Can't fail. */
void dk_sync_request_now(dk_sync *s);

/* Copies the current status (under the lock; the only state the threads share). */
void dk_sync_get_status(dk_sync *s, dk_sync_status *out);

/* Registration outbox figures for the heartbeat (set by whoever owns the outbox). */
void dk_sync_set_backlog(dk_sync *s, long long backlog, long long quarantined);

/* Stops the worker promptly, also in the middle of a download (within about a second), and
 * waits for it. Partial downloads stay for the next start to continue. Safe to call twice. */
void dk_sync_stop(dk_sync *s);

void dk_sync_free(dk_sync *s); /* stops the worker first; accepts NULL */

/* The wait before the next cycle: interval_s +-10 % after a success (failures 0), else
 * 30 s x 2^(failures-1), at most interval_s x 6, +-20 %. random01 is in [0, 1). */
double dk_sync_next_delay(int failures, long interval_s, double random01);

#endif
