/* dk_outbox.h: the kiosk's durable outbox of sealed registrations waiting for upload to the
 * hub (data_dir/outbox.db), with retry scheduling and a quarantine for rejected records. */
#ifndef DK_OUTBOX_H
#define DK_OUTBOX_H

#include "dk_error.h"
#include "dk_signup.h"

#include <stddef.h>
#include <stdint.h>

/* What it guarantees (../shared/SYNC.md, DOMAIN.md):
 *
 * - Nothing personal on disk. dk_outbox_add() serialises the record, seals it to the hub's
 *   registration public key (X25519, crypto_box_seal), wipes the plaintext, and stores only the
 *   sealed bytes. The kiosk never holds the matching secret key, so nobody with the kiosk's
 *   disk (or the kiosk itself) can read a waiting record; the hub opens it with
 *   crypto_box_seal_open. The plain columns hold only the idempotency key, times, counts and
 *   the last error text of the upload.
 * - Durable before "Thank you". dk_outbox_add() returns DK_OK only after the transaction holding
 *   the record has committed with synchronous=FULL (WAL mode): after a power cut it is there.
 *   When it fails, the record is not stored and the form may be sent again.
 * - Exactly once, together with the hub. Each record gets a random 128-bit idempotency key when
 *   it is added; the sealed bytes and the key never change (sealing is randomised, so the worker
 *   must never seal again). A record is deleted only by dk_outbox_ack(), after the hub answered
 *   2xx; the hub keeps one record per device and key and answers a replay with success.
 * - Nothing dropped silently. A record the hub refuses as malformed moves, still sealed, to a
 *   quarantine table that the staff screen and the heartbeat count; only staff send it again or
 *   delete it.
 * - Bounded. At most max_records records and max_bytes sealed bytes (outbox and quarantine
 *   together); beyond that dk_outbox_add() fails with DK_ERR_LIMIT. The defaults take 100,000
 *   typical records (about 450 bytes sealed) or about 21,000 of the largest possible size, so
 *   10,000 waiting records always fit.
 *
 * Threads: a dk_outbox is one SQLite connection and belongs to one thread at a time. The UI
 * thread (which adds) and the sync worker (which uploads) each open their own handle on the
 * same data_dir; WAL lets the worker read while the UI writes, every write runs in a
 * BEGIN IMMEDIATE transaction, and a writer that finds the other one busy waits up to
 * busy_timeout_ms. Separate processes may share the file the same way.
 *
 * Time: functions that schedule take `now` [s since 1970, UTC] from the caller, who passes
 * max(time(NULL), the sync time floor) as for every other time on the kiosk. */

#define DK_OUTBOX_FILE "outbox.db"
#define DK_OUTBOX_SCHEMA 1                   /* PRAGMA user_version of outbox.db */
#define DK_OUTBOX_HUB_KEY_BYTES 32           /* X25519 public key (crypto_box_PUBLICKEYBYTES) */
#define DK_OUTBOX_SEAL_OVERHEAD 48           /* [bytes] crypto_box_SEALBYTES */
#define DK_OUTBOX_SEALED_MAX (DK_SIGNUP_JSON_MAX + DK_OUTBOX_SEAL_OVERHEAD) /* [bytes] */
#define DK_OUTBOX_IDEM_KEY_BYTES 16          /* [bytes] random, 128 bits */
#define DK_OUTBOX_IDEM_KEY_HEX (2 * DK_OUTBOX_IDEM_KEY_BYTES + 1) /* 32 lower-case hex + NUL */
#define DK_OUTBOX_ERROR_MAX 200              /* [bytes] of a stored error or reason text */

/* Defaults of dk_outbox_options, with their units. */
#define DK_OUTBOX_DEFAULT_MAX_RECORDS 100000           /* [records] outbox + quarantine */
#define DK_OUTBOX_DEFAULT_MAX_BYTES (128LL << 20)      /* [bytes] sealed, outbox + quarantine */
#define DK_OUTBOX_DEFAULT_RETRY_MIN_S 30               /* [s] delay after the first failure */
#define DK_OUTBOX_DEFAULT_RETRY_MAX_S 3600             /* [s] longest delay */
#define DK_OUTBOX_DEFAULT_BUSY_TIMEOUT_MS 5000         /* [ms] wait for the other connection */
#define DK_OUTBOX_RETRY_JITTER_PCT 20                  /* [%] delays vary by +- this much */

typedef struct dk_outbox_options {
    int64_t max_records;   /* [records] >= 1 */
    int64_t max_bytes;     /* [bytes] >= DK_OUTBOX_SEALED_MAX */
    int64_t retry_min_s;   /* [s] >= 1 */
    int64_t retry_max_s;   /* [s] >= retry_min_s */
    int busy_timeout_ms;   /* [ms] >= 0 */
} dk_outbox_options;

/* Fills o with the DK_OUTBOX_DEFAULT_* values. Can't fail. */
void dk_outbox_options_default(dk_outbox_options *o);

typedef struct dk_outbox dk_outbox;

/* ==== Opening ==== */

/* Opens data_dir/outbox.db, creating it (mode 0600) with its tables when it does not exist;
 * data_dir must exist. Sets journal_mode=WAL (and fails with DK_ERR_DB if SQLite does not
 * answer "wal"), synchronous=FULL, secure_delete=ON and busy_timeout, and runs quick_check.
 * opts may be NULL for the defaults. *out is the caller's; close it with dk_outbox_close().
 * Fails with DK_ERR_CORRUPT if the file is damaged or has an unknown layout (user_version):
 * the file is left as it is, since it may hold registrations nobody else has. DK_ERR_INVALID
 * for options out of range; DK_ERR_DB, DK_ERR_IO, DK_ERR_NOSPACE otherwise. */
dk_err dk_outbox_open(const char *data_dir, const dk_outbox_options *opts, dk_outbox **out)
    DK_MUST_CHECK;

/* Closes the connection. Accepts NULL. Can't fail (a failing close is logged). */
void dk_outbox_close(dk_outbox *ob);

/* ==== The UI's side ==== */

/* Stores one registration for upload and returns only after it is durably committed, so the
 * form may show "Thank you" exactly when this returns DK_OK. It validates rec, writes its
 * canonical JSON (dk_signup_to_json) into a buffer on the stack, seals it to hub_pubkey with
 * crypto_box_seal, wipes the plaintext, draws a random idempotency key, and inserts the sealed
 * bytes with it (created = rec->created, due at once) in one transaction. idem_key_out receives
 * the key (32 lower-case hex digits) on success; it is not personal and may be logged.
 * rec is only read: the caller still wipes it (dk_signup_wipe).
 * Fails, storing nothing, with DK_ERR_INVALID if rec does not validate (call
 * dk_signup_validate first to show the problems), DK_ERR_CRYPTO if hub_pubkey is not a usable
 * key, DK_ERR_LIMIT if the outbox is full (its detail says so; the kiosk cannot take
 * registrations until it reaches the hub), DK_ERR_NOSPACE if the disk is full, DK_ERR_DB
 * (also after busy_timeout_ms of waiting for the other connection). */
dk_err dk_outbox_add(dk_outbox *ob, const dk_signup *rec,
                     const unsigned char hub_pubkey[DK_OUTBOX_HUB_KEY_BYTES],
                     char idem_key_out[DK_OUTBOX_IDEM_KEY_HEX]) DK_MUST_CHECK;

/* ==== The sync worker's side ==== */

/* One waiting record as stored: exactly what goes to the hub. Plain memory, no free. */
typedef struct dk_outbox_record {
    int64_t id;                              /* never reused within one outbox.db */
    char idem_key[DK_OUTBOX_IDEM_KEY_HEX];   /* Idempotency-Key header */
    int64_t created;                         /* [s since 1970] rec->created when added */
    int64_t attempts;                        /* failed uploads so far (dk_outbox_retry) */
    int64_t next_attempt;                    /* [s since 1970] due from then on */
    size_t sealed_len;                       /* [bytes] 48 < sealed_len <= DK_OUTBOX_SEALED_MAX */
    unsigned char sealed[DK_OUTBOX_SEALED_MAX]; /* the request body, sent as it is */
} dk_outbox_record;

/* The oldest record (lowest id) that is due at now, into *out. A record whose next_attempt lies
 * more than twice retry_max_s ahead counts as due, so a clock that jumped back does not strand
 * it.
 * DK_ERR_NOTFOUND when nothing is due (the outbox may still hold records waiting for their
 * retry time); DK_ERR_CORRUPT for a stored record that breaks the limits above. */
dk_err dk_outbox_next(dk_outbox *ob, int64_t now, dk_outbox_record *out) DK_MUST_CHECK;

/* The hub stored the record (2xx, first time or replay): deletes it. DK_ERR_NOTFOUND if there is
 * no record id in the outbox (already acknowledged, or quarantined): nothing changes. */
dk_err dk_outbox_ack(dk_outbox *ob, int64_t id) DK_MUST_CHECK;

/* The upload failed in a way that may pass later (network, 5xx, 429, 401, a misconfigured URL):
 * counts the attempt, keeps error (cut to DK_OUTBOX_ERROR_MAX bytes of printable ASCII; other
 * bytes become '?'; never personal: a status line, not a body) and makes the record due again
 * after min(retry_min_s * 2^(attempts-1), retry_max_s) seconds +- DK_OUTBOX_RETRY_JITTER_PCT %,
 * counted from now. *delay_s (may be NULL) receives the delay chosen. DK_ERR_NOTFOUND for an
 * unknown id. The worker should end its cycle on such a failure: when the hub is down, trying
 * the next record at once only fails again (its own cycle backoff covers that). */
dk_err dk_outbox_retry(dk_outbox *ob, int64_t id, const char *error, int64_t now,
                       int64_t *delay_s) DK_MUST_CHECK;

/* The hub refused the record itself (400 malformed, 409 key reused, 413 too large): moves it,
 * still sealed, with its key, times and attempts, into the quarantine table, noting reason (as
 * for dk_outbox_retry's error) and now, in one transaction. Quarantined records count against
 * the limits and stay until staff deal with them (dk_outbox_release_quarantined,
 * dk_outbox_delete_quarantined). DK_ERR_NOTFOUND for an unknown id. */
dk_err dk_outbox_quarantine(dk_outbox *ob, int64_t id, const char *reason, int64_t now)
    DK_MUST_CHECK;

/* ==== For staff: the records the hub refused ====
 *
 * The kiosk cannot open a quarantined record, so staff decide by counts, reasons and dates:
 * send them all again (after the hub was fixed) or delete them all. Both run in one write
 * transaction: on any failure nothing has changed. */

/* Why records were set aside, read from the reason texts the sync worker writes (dk_sync.c):
 * "refused by the hub (NNN): ..." and "damaged in the kiosk's outbox". */
typedef enum dk_outbox_cause {
    DK_OUTBOX_CAUSE_HUB,     /* the hub refused them; status holds its HTTP status */
    DK_OUTBOX_CAUSE_DAMAGED, /* the kiosk found them damaged in its own outbox */
    DK_OUTBOX_CAUSE_OTHER    /* any other reason (and groups beyond the summary's room) */
} dk_outbox_cause;

#define DK_OUTBOX_SUMMARY_GROUPS 6 /* [groups] at most in a summary */

typedef struct dk_outbox_refusal {
    dk_outbox_cause cause;
    int status;     /* cause HUB: the hub's HTTP status (400, 409, 413); else 0 */
    int64_t count;  /* [records] */
    int64_t newest; /* [s since 1970] when the latest of them was set aside */
} dk_outbox_refusal;

/* The quarantine for the staff screen: plain memory, no free. */
typedef struct dk_outbox_summary {
    int64_t backlog;          /* [records] waiting for upload */
    int64_t quarantined;      /* [records] refused; the sum of the groups' counts */
    int64_t quarantine_bytes; /* [bytes] sealed */
    int groups;               /* 0 .. DK_OUTBOX_SUMMARY_GROUPS */
    /* One per cause and status, most records first (then the newest first). Beyond the room
     * the last group takes the rest as DK_OUTBOX_CAUSE_OTHER. */
    dk_outbox_refusal group[DK_OUTBOX_SUMMARY_GROUPS];
} dk_outbox_summary;

/* Counts the backlog and the quarantine grouped by cause, in one read transaction (so
 * quarantined is the sum of the groups). Reads no record's sealed bytes. DK_ERR_DB (or as
 * dk_outbox_open) on failure; *out is then all zero. */
dk_err dk_outbox_quarantine_summary(dk_outbox *ob, dk_outbox_summary *out) DK_MUST_CHECK;

/* "Send refused again": moves every quarantined record back into the outbox with its id, its
 * idempotency key, its sealed bytes and created unchanged (so the hub stores it at most once,
 * and a record it stored before is answered as a replay), attempts 0, no error, due at now, in
 * one transaction. The limits do not change (both tables count). *released (may be NULL)
 * receives how many moved; 0 when the quarantine was empty (DK_OK). On failure (DK_ERR_DB, also
 * when a record's key is in the outbox already; DK_ERR_NOSPACE, ...) nothing moved. */
dk_err dk_outbox_release_quarantined(dk_outbox *ob, int64_t now, int64_t *released)
    DK_MUST_CHECK;

#define DK_OUTBOX_ANY_COUNT (-1) /* dk_outbox_delete_quarantined: however many there are */

/* "Delete refused registrations": deletes every quarantined record for good, in one
 * transaction, freeing its room under the limits. secure_delete (set by dk_outbox_open)
 * overwrites the bytes in the file; afterwards a TRUNCATE checkpoint is tried, without waiting
 * for the other connection, so the overwritten pages reach outbox.db and the -wal file
 * empties (if the worker is reading, SQLite's next checkpoint does it). expected is the number
 * staff confirmed (DK_OUTBOX_ANY_COUNT: no check): if the quarantine holds another number
 * (the worker set more aside since staff looked), nothing is deleted and DK_ERR_EXISTS is
 * returned, so nobody deletes a record they were not shown. *deleted (may be NULL) receives
 * how many were deleted. On any failure nothing is deleted. */
dk_err dk_outbox_delete_quarantined(dk_outbox *ob, int64_t expected, int64_t *deleted)
    DK_MUST_CHECK;

/* ==== For the staff screen and the heartbeat ==== */

typedef struct dk_outbox_stats {
    int64_t backlog;          /* [records] waiting for upload */
    int64_t backlog_bytes;    /* [bytes] their sealed size */
    int64_t due;              /* [records] of those, due at now */
    int64_t quarantined;      /* [records] refused by the hub, kept sealed */
    int64_t quarantine_bytes; /* [bytes] */
    int64_t oldest_age_s;     /* [s] now minus the oldest waiting record's created; 0 when the
                                 backlog is empty, never negative */
    int64_t max_attempts;     /* the most failed uploads of any waiting record */
} dk_outbox_stats;

/* Counts in one read transaction (consistent with each other). Can't see the content of any
 * record. DK_ERR_DB on failure. */
dk_err dk_outbox_stats_get(dk_outbox *ob, int64_t now, dk_outbox_stats *out) DK_MUST_CHECK;

#endif
