/* dk_sync.h: the kiosk's content sync (docs/protocol.md, "The kiosk's cycle"): one verified
 * cycle that either switches to a complete new release or leaves everything as it was, then the
 * upload of waiting volunteer registrations from the outbox (dk_outbox.h), and a worker thread
 * that runs it periodically with jitter and backs off on failures. */
#ifndef DK_SYNC_H
#define DK_SYNC_H

#include "dk_config.h"
#include "dk_error.h"
#include "dk_outbox.h"

#include <stdint.h>

/* Tunables that are not settings (protocol constants and scheduling). */
#define DK_SYNC_BACKOFF_FIRST_S     30    /* [s] first wait after a failure; doubles each time */
#define DK_SYNC_BACKOFF_MAX_FACTOR  6     /* the wait grows to at most sync_interval_s times this */
#define DK_SYNC_FIRST_DELAY_S       5     /* [s] after start, before the first cycle */
#define DK_SYNC_HEARTBEAT_TIMEOUT_S 30    /* [s] longest a heartbeat may take */
#define DK_SYNC_REPLY_MAX           16384 /* [bytes] of a reply to an API request */
#define DK_SYNC_ERROR_MAX           256   /* [bytes] of an error message, with the NUL */
#define DK_SYNC_NICE                10    /* the worker thread's nice value (Linux) */
/* [s] the registration upload of a cycle may take at least this long, even when the content
 * part used up the cycle's deadline. */
#define DK_SYNC_UPLOAD_MIN_S      60
#define DK_SYNC_REGKEY_REPORT_HEX 8 /* hex digits of the sealing key a heartbeat reports */

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
    /* Registrations (the outbox in data_dir; all 0 / "" while there is none): */
    long long backlog;     /* [records] waiting for upload */
    long long quarantined; /* [records] refused by the hub, kept sealed for staff */
    long long last_upload; /* when the hub last acknowledged a registration */
    long long uploaded;    /* [records] the hub acknowledged in the last upload pass */
    char upload_error[DK_SYNC_ERROR_MAX]; /* why registrations wait, in plain words ("the hub
                                           * refused this kiosk's device token ..."); "" when the
                                           * last upload pass had no trouble */
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

/* Registration upload (docs/protocol.md, "POST /api/v1/registrations"). Every cycle ends, after
 * the content part and whatever became of it, with an upload pass over its own connection to
 * data_dir/outbox.db (only if that file exists: a kiosk that never took a registration has
 * none): the records that are due, oldest first, one request at a time to
 * hub_url/api/v1/registrations with the device token and the record's idempotency key, the
 * stored sealed bytes unchanged. A 2xx deletes the record (dk_outbox_ack); 400, 409 and 413 move
 * it to the quarantine (and the pass goes on with the next); 401, 429, 5xx, no answer and any
 * other status keep it, schedule its retry (dk_outbox_retry: retry_min_s doubling up to
 * retry_max_s, +-20 %) and end the pass. A pass ends at the cycle's deadline (at least
 * DK_SYNC_UPLOAD_MIN_S after it began) and when the sync is stopped; a request cut off that way
 * is not counted as a failure of the record (the hub may have stored it: the next pass sends it
 * again and gets 200). The heartbeat that follows carries the backlog and quarantine counts. */

/* Starts the worker thread: a first cycle DK_SYNC_FIRST_DELAY_S after start, then every
 * sync_interval_s +-10 %, after failures after 30 s doubling up to sync_interval_s x 6, +-20 %.
 * Between cycles it runs upload passes alone: at once after dk_sync_request_upload(), and when a
 * record that failed is due again (then also a heartbeat if the pass delivered anything).
 * DK_ERR_INVALID if it runs already, DK_ERR_NOMEM if no thread can be made. */
dk_err dk_sync_start(dk_sync *s) DK_MUST_CHECK;

/* Asks the worker for a cycle now (staff pressed "Sync now"). Can't fail. */
void dk_sync_request_now(dk_sync *s);

/* Asks the worker for an upload pass now, without a content cycle (a registration was just
 * stored). A pass runs even while a retry is pending: the new record may well get through.
 * Can't fail. */
void dk_sync_request_upload(dk_sync *s);

/* The hub's registration key (X25519 public key) to seal a NEW registration to, into key: the
 * one the newest accepted manifest named ("registration_key", docs/protocol.md; kept in
 * sync.db, committed with the release, and in force from that commit on, without a restart),
 * else registration_pubkey from the settings. *from_release (may be NULL) says which. Records
 * sealed before keep their key: the hub opens them with its retired keys. DK_ERR_NOTFOUND when
 * neither names a usable key, or s is NULL. Thread-safe (the UI thread calls it at each seal). */
dk_err dk_sync_registration_key(dk_sync *s, unsigned char key[DK_OUTBOX_HUB_KEY_BYTES],
                                int *from_release) DK_MUST_CHECK;

/* Checks a registration_pubkey setting: 64 hex digits of a key crypto_box_seal can use, into
 * key. DK_ERR_INVALID with the reason in plain words for staff. */
dk_err dk_sync_parse_registration_key(const char *hex,
                                      unsigned char key[DK_OUTBOX_HUB_KEY_BYTES]) DK_MUST_CHECK;

/* The time floor [unix s]: the newest `issued` time of any verified document, 0 if none. Times
 * the kiosk records (a registration's `created`) use max(now, floor), since a kiosk's clock
 * may be wrong (no battery: 1970). Thread-safe. */
long long dk_sync_time_floor(dk_sync *s);

/* The outbox options from the settings (registration_max_records, registration_max_mb,
 * registration_retry_min_s, registration_retry_max_s), for every connection to the outbox: the
 * UI's and the worker's. Can't fail (dk_outbox_open() checks the values). */
void dk_sync_outbox_options(const dk_config *cfg, dk_outbox_options *out);

/* Copies the current status (under the lock; the only state the threads share). */
void dk_sync_get_status(dk_sync *s, dk_sync_status *out);

/* Registration outbox figures for the heartbeat and the status. The worker counts the outbox
 * itself after every upload pass, which replaces what was set here. */
void dk_sync_set_backlog(dk_sync *s, long long backlog, long long quarantined);

/* Stops the worker promptly, also in the middle of a download (within about a second), and
 * waits for it. Partial downloads stay for the next start to continue. Safe to call twice. */
void dk_sync_stop(dk_sync *s);

void dk_sync_free(dk_sync *s); /* stops the worker first; accepts NULL */

/* The wait before the next cycle: interval_s +-10 % after a success (failures 0), else
 * 30 s x 2^(failures-1), at most interval_s x 6, +-20 %. random01 is in [0, 1). */
double dk_sync_next_delay(int failures, long interval_s, double random01);

#endif
