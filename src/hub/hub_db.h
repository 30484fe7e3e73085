/* hub_db.h: the hub's own state in SQLite (hub.db): imported content, releases, timestamps,
 * devices and their heartbeats, sealed registrations, users. Every SQL statement of the hub
 * lives in hub_db.c. */
#ifndef HUB_DB_H
#define HUB_DB_H

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_error.h"
#include "dk_sign.h"
#include "dk_signup.h"

#include <stddef.h>
#include <stdint.h>

/* PRAGMA user_version of the schema this code writes. 2 added the registrations (issue 5), 3
 * the registration key a kiosk's heartbeat reports; hub_db_open() brings an older hub.db up to
 * 3 by itself. */
#define HUB_DB_SCHEMA 3

typedef struct hub_db hub_db;

/* ---- Opening ---- */

/* Creates a new hub.db at path with the schema (DK_ERR_EXISTS if the file exists). Journal mode
 * WAL (checked), synchronous=FULL, foreign keys on. *out is closed with hub_db_close(). */
dk_err hub_db_create(const char *path, hub_db **out) DK_MUST_CHECK;

/* Opens an existing hub.db with the same settings (and secure_delete=ON). A schema-1 or -2
 * database is migrated to HUB_DB_SCHEMA in one transaction. DK_ERR_NOTFOUND if it does not exist,
 * DK_ERR_DB if its schema version is another one. */
dk_err hub_db_open(const char *path, hub_db **out) DK_MUST_CHECK;

void hub_db_close(hub_db *db); /* accepts NULL */

/* PRAGMA quick_check. DK_ERR_CORRUPT with the first finding. */
dk_err hub_db_quick_check(hub_db *db) DK_MUST_CHECK;

/* Transactions. hub_db_begin_write takes the write lock at once (BEGIN IMMEDIATE), so that
 * processes sharing hub.db (serve, publish) never interleave; it waits up to 10 s for it. */
dk_err hub_db_begin_read(hub_db *db) DK_MUST_CHECK;
dk_err hub_db_begin_write(hub_db *db) DK_MUST_CHECK;
dk_err hub_db_commit(hub_db *db) DK_MUST_CHECK;
void hub_db_rollback(hub_db *db); /* can't fail; harmless outside a transaction */

/* ---- Imported content ---- */

typedef enum hub_kind { HUB_DISTRICT, HUB_PROJECT, HUB_GROUP, HUB_DATE, HUB_PAGE, HUB_KIND_COUNT } hub_kind;

/* "district", "project", ...: the kind column; and the content document's array name. */
const char *hub_kind_name(hub_kind k);
const char *hub_kind_array(hub_kind k); /* "districts", "projects", ... */

typedef struct hub_import_row {
    long long id;
    char imported[32];             /* RFC 3339 UTC */
    char content_sha256[DK_SHA256_HEX]; /* the content document the packer made at import */
    int count[HUB_KIND_COUNT];
    int media;
} hub_import_row;

/* Records an import; id is set. Inside a write transaction. */
dk_err hub_db_import_add(hub_db *db, const char *source, hub_import_row *row) DK_MUST_CHECK;
/* The newest import. DK_ERR_NOTFOUND if nothing was imported yet. */
dk_err hub_db_import_latest(hub_db *db, hub_import_row *out) DK_MUST_CHECK;

/* Removes every entity (the draft), before an import replaces it. */
dk_err hub_db_entities_clear(hub_db *db) DK_MUST_CHECK;

/* Stores one entity: its canonical JSON as in the content document. district is NULL for
 * pages. DK_ERR_EXISTS if kind+slug is already there. */
dk_err hub_db_entity_put(hub_db *db, hub_kind kind, const char *slug, const char *district,
                         const char *json, long long import_id) DK_MUST_CHECK;

/* Calls fn for every entity of kind in bytewise slug order (the packer's order). A non-DK_OK
 * return of fn stops the walk and is returned. The strings are borrowed for the call. */
typedef dk_err (*hub_entity_fn)(void *ctx, const char *slug, const char *district,
                                const char *json, size_t len);
dk_err hub_db_entities_each(hub_db *db, hub_kind kind, hub_entity_fn fn, void *ctx) DK_MUST_CHECK;

/* Objects (media and content documents) known to be in site/objects. */
dk_err hub_db_object_put(hub_db *db, const dk_object *o) DK_MUST_CHECK; /* replaces */
dk_err hub_db_object_get(hub_db *db, const char *hash, dk_object *out) DK_MUST_CHECK; /* NOTFOUND */

/* ---- Releases and timestamps ---- */

typedef struct hub_release_row {
    long long version;
    char issued[32], expires[32];
    char manifest_sha256[DK_SHA256_HEX]; /* of manifests/<V>.signed, envelope included */
    uint64_t manifest_length;             /* [bytes] of that file */
    char content_sha256[DK_SHA256_HEX];
    long long objects;                    /* objects listed, content document included */
    uint64_t bytes;                       /* [bytes] of all listed objects */
    long long import_id;                  /* 0 if unknown */
} hub_release_row;

dk_err hub_db_release_add(hub_db *db, const hub_release_row *r) DK_MUST_CHECK;
/* The release with the highest version. DK_ERR_NOTFOUND if none was published. */
dk_err hub_db_release_latest(hub_db *db, hub_release_row *out) DK_MUST_CHECK;

/* Highest timestamp version signed so far into *version (0 if none). */
dk_err hub_db_timestamp_max(hub_db *db, long long *version) DK_MUST_CHECK;
dk_err hub_db_timestamp_add(hub_db *db, const dk_timestamp *ts) DK_MUST_CHECK;

/* ---- Devices and heartbeats ---- */

#define HUB_NAME_MAX 64       /* [bytes] of a device name */
#define HUB_HB_STR_MAX 256    /* [bytes] of a heartbeat string (docs/protocol.md) */
#define HUB_HB_REGKEY_HEX 8   /* hex digits of the registration key a heartbeat reports */

/* What a kiosk reported. Unknown numbers are -1, unknown strings "". */
typedef struct hub_heartbeat {
    char app_version[HUB_HB_STR_MAX + 1];
    long long content_version;
    char content_issued[HUB_HB_STR_MAX + 1];
    char last_attempt[HUB_HB_STR_MAX + 1];
    char last_success[HUB_HB_STR_MAX + 1];
    char last_result[HUB_HB_STR_MAX + 1];
    char last_error[HUB_HB_STR_MAX + 1];
    int stale; /* 1, 0, or -1 unknown */
    long long backlog, quarantined, free_disk_mb, uptime_s;
    char registration_key[HUB_HB_REGKEY_HEX + 1]; /* the first 8 hex of the key it seals to */
} hub_heartbeat;

void hub_heartbeat_init(hub_heartbeat *hb); /* everything unknown */

typedef struct hub_device {
    long long id;
    char name[HUB_NAME_MAX + 1];
    char created[32];
    int has_heartbeat;
    long long received;   /* unix seconds the last heartbeat arrived */
    hub_heartbeat hb;     /* the last heartbeat, if has_heartbeat */
} hub_device;

/* DK_ERR_EXISTS if the name (or, astronomically unlikely, the token) is taken. */
dk_err hub_db_device_add(hub_db *db, const char *name, const char *token_sha256) DK_MUST_CHECK;
/* Removes a device and its heartbeat. DK_ERR_NOTFOUND if there is no such device. */
dk_err hub_db_device_remove(hub_db *db, const char *name) DK_MUST_CHECK;

/* Finds the device whose stored token hash equals token_sha256. Every stored hash is compared
 * in constant time (no early exit), so timing tells nothing about stored tokens.
 * DK_ERR_NOTFOUND if none matches. */
dk_err hub_db_device_by_token(hub_db *db, const char *token_sha256, long long *id,
                              char name[HUB_NAME_MAX + 1]) DK_MUST_CHECK;

/* Stores the latest heartbeat of a device (replacing the previous one). */
dk_err hub_db_heartbeat_put(hub_db *db, long long device_id, long long received,
                            const hub_heartbeat *hb) DK_MUST_CHECK;

/* The highest content_version any device reported (0 if none): after a restore from an older
 * backup, publish numbers above what the kiosks already run. */
dk_err hub_db_heartbeat_max_version(hub_db *db, long long *version) DK_MUST_CHECK;

/* Every device with its latest heartbeat, by name. *list is freed with free(). */
dk_err hub_db_devices(hub_db *db, hub_device **list, size_t *count) DK_MUST_CHECK;

/* ---- Registrations: stored sealed, exactly as a kiosk sent them ---- */

#define HUB_IDEM_KEY_HEX 33        /* an Idempotency-Key: 32 lower-case hex and the NUL */
#define HUB_SEALED_MIN 49          /* [bytes] crypto_box_SEALBYTES + 1 */
#define HUB_SEALED_MAX 8192        /* [bytes] docs/protocol.md */
/* [bytes] the groups of a row as text: slugs in the record's order, separated by ", ". */
#define HUB_GROUPS_TEXT_MAX (DK_SIGNUP_GROUPS_MAX * (DK_SIGNUP_SLUG_BYTES + 2))

typedef struct hub_registration_row {
    long long id;                          /* never reused */
    char device[HUB_NAME_MAX + 1];         /* the device that sent it */
    char idem_key[HUB_IDEM_KEY_HEX];
    long long received;                    /* [s since 1970] the hub's clock */
    long long handed_over;                 /* [s since 1970]; 0: not handed over yet */
    char district[DK_SIGNUP_SLUG_BYTES];
    char groups[HUB_GROUPS_TEXT_MAX];
    const unsigned char *sealed;           /* borrowed: valid during the callback only */
    size_t sealed_len;
} hub_registration_row;

/* Looks up what device stored under idem_key. DK_ERR_NOTFOUND if nothing; else *id is the
 * record and *same 1 if its stored bytes equal body (len bytes), 0 if not. */
dk_err hub_db_registration_compare(hub_db *db, const char *device, const char *idem_key,
                                   const void *body, size_t len, long long *id, int *same)
    DK_MUST_CHECK;

/* Stores a sealed record with the district and groups of its opened form rec (in clear, for
 * selection; nothing else of rec is stored) in one transaction of its own, committed
 * (synchronous=FULL) before it returns; *id is the new row. DK_ERR_EXISTS if device and
 * idem_key are stored already (nothing changes). */
dk_err hub_db_registration_add(hub_db *db, const char *device, const char *idem_key,
                               const void *sealed, size_t len, long long received,
                               const dk_signup *rec, long long *id) DK_MUST_CHECK;

/* Which records hub_db_registrations_each() visits. */
typedef struct hub_registration_filter {
    const char *district;  /* NULL: every district */
    const char *group;     /* NULL: every group; else records naming this group */
    int all;               /* 0: only those not handed over; 1: also handed over ones */
} hub_registration_filter;

/* Calls fn for every record f selects, by id. A non-DK_OK return of fn stops the walk and is
 * returned. Inside a read transaction when the caller needs one snapshot. */
typedef dk_err (*hub_registration_fn)(void *ctx, const hub_registration_row *row);
dk_err hub_db_registrations_each(hub_db *db, const hub_registration_filter *f,
                                 hub_registration_fn fn, void *ctx) DK_MUST_CHECK;

/* Marks record id handed over at when, unless it is already (then its first time stays and
 * *already is 1). DK_ERR_NOTFOUND for an unknown id. Inside the caller's write transaction. */
dk_err hub_db_registration_hand_over(hub_db *db, long long id, long long when, int *already)
    DK_MUST_CHECK;

/* Deletes record id (its bytes are overwritten: secure_delete). DK_ERR_NOTFOUND if unknown.
 * Inside the caller's write transaction. */
dk_err hub_db_registration_delete(hub_db *db, long long id) DK_MUST_CHECK;

/* Deletes every record handed over at or before `before`; *deleted counts them. Commits on its
 * own. */
dk_err hub_db_registrations_purge(hub_db *db, long long before, long long *deleted)
    DK_MUST_CHECK;

/* Counts: every record, those not handed over, and of those the ones received at or before
 * `waiting_before` (waiting too long for their group). */
typedef struct hub_registration_counts {
    long long total, waiting, overdue;
} hub_registration_counts;
dk_err hub_db_registrations_count(hub_db *db, long long waiting_before,
                                  hub_registration_counts *out) DK_MUST_CHECK;

/* PRAGMA wal_checkpoint(TRUNCATE): copies the WAL into hub.db and empties it, so that pages
 * secure_delete overwrote are overwritten in the main file too and no old copy stays in the
 * WAL. *complete is 0 when another connection kept it from finishing (it is done later, by
 * SQLite's automatic checkpoints and the next such call). */
dk_err hub_db_checkpoint(hub_db *db, int *complete) DK_MUST_CHECK;

#endif
