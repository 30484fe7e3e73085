/* dk_sync.c: the kiosk's sync cycle (timestamp, manifest, objects, switch, cleanup, registration
 * upload, heartbeat), its state in data_dir/sync.db, and the worker thread that schedules it. */
#include "dk_sync.h"

#include "dk_bundle.h"
#include "dk_content.h"
#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_http.h"
#include "dk_log.h"
#include "dk_outbox.h"
#include "dk_sign.h"
#include "dk_store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH_MAX_      4096
#define URL_MAX        1200
#define SPACE_MARGIN   (8u << 20) /* [bytes] kept free beyond what a release needs */
#define NOTIFY_EVERY_S 0.5        /* [s] at most two progress notifications a second */

struct dk_sync {
    dk_config cfg;
    char base_url[DK_CONFIG_STR_MAX]; /* release files, without a trailing slash */
    char hub_url[DK_CONFIG_STR_MAX];  /* API, without a trailing slash; "" for none */
    char bundle_dir[PATH_MAX_];
    char app_version[32];
    dk_sign_keyring config_keys;
    unsigned char config_regkey[DK_OUTBOX_HUB_KEY_BYTES]; /* registration_pubkey, if usable */
    int has_config_regkey;
    dk_sync_notify_fn notify;
    void *notify_arg;
    long long (*clock)(void);
    double started; /* monotonic, for uptime */

    pthread_mutex_t cycle_lock; /* one cycle at a time */
    pthread_mutex_t lock;       /* guards everything below */
    pthread_cond_t wake;
    dk_sync_status status;
    long long backlog, quarantined;
    long long time_floor; /* newest issued time seen [unix s] */
    int request, stopping, thread_running;
    int upload_request; /* dk_sync_request_upload() was called */
    double upload_due;  /* monotonic: the next upload pass on its own; 0: none planned */
    unsigned char regkey[DK_OUTBOX_HUB_KEY_BYTES]; /* named by the last accepted manifest */
    int has_regkey;
    pthread_t thread;
    atomic_int cancel;
    double last_notify; /* monotonic; only the cycle's thread touches it */
};

/* ---- Small helpers ---- */

const char *dk_sync_result_name(dk_sync_result r)
{
    switch (r) {
    case DK_SYNC_NONE:
        return "never";
    case DK_SYNC_CURRENT:
        return "ok";
    case DK_SYNC_UPDATED:
        return "updated";
    case DK_SYNC_STALE:
        return "stale";
    case DK_SYNC_FAILED:
        return "error";
    }
    return "error";
}

static long long wall_now(const dk_sync *s)
{
    return s->clock ? s->clock() : (long long)time(NULL);
}

/* Copies a message of at most outsz - 1 bytes without cutting a UTF-8 sequence in two. */
static void copy_text(char *out, size_t outsz, const char *in)
{
    size_t n = strlen(in);
    if (n >= outsz) {
        n = outsz - 1;
        while (n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, in, n);
    out[n] = '\0';
}

static void strip_slashes(char *out, size_t outsz, const char *url)
{
    snprintf(out, outsz, "%s", url);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

dk_err dk_sync_parse_registration_key(const char *hex, unsigned char key[DK_OUTBOX_HUB_KEY_BYTES])
{
    if (!hex[0])
        return dk_error_set(DK_ERR_INVALID,
                            "registration_pubkey is not set (district-hub device add prints it)");
    if (strlen(hex) != 2 * DK_OUTBOX_HUB_KEY_BYTES ||
        dk_hex_decode(hex, key, DK_OUTBOX_HUB_KEY_BYTES) != DK_OK)
        return dk_error_set(DK_ERR_INVALID,
                            "registration_pubkey is not a key: it must be 64 hex digits, as "
                            "district-hub device add prints it");
    /* A key crypto_box_seal cannot use (all zeros, a point of small order) would fail every
     * registration after the visitor typed it: try it once now. */
    unsigned char probe[crypto_box_SEALBYTES + 1];
    const unsigned char m = 0;
    if (crypto_box_seal(probe, &m, 1, key) != 0)
        return dk_error_set(DK_ERR_INVALID,
                            "registration_pubkey is not a usable key (check the line district-hub "
                            "device add printed)");
    return DK_OK;
}

dk_err dk_sync_registration_key(dk_sync *s, unsigned char key[DK_OUTBOX_HUB_KEY_BYTES],
                                int *from_release)
{
    if (from_release)
        *from_release = 0;
    if (!s)
        return dk_error_set(DK_ERR_NOTFOUND, "no sync: no release can name a registration key");
    pthread_mutex_lock(&s->lock);
    int have = s->has_regkey;
    if (have)
        memcpy(key, s->regkey, DK_OUTBOX_HUB_KEY_BYTES);
    pthread_mutex_unlock(&s->lock);
    if (have) {
        if (from_release)
            *from_release = 1;
        return DK_OK;
    }
    if (!s->has_config_regkey)
        return dk_error_set(DK_ERR_NOTFOUND, "neither registration_pubkey nor a release names "
                                             "the hub's registration key");
    memcpy(key, s->config_regkey, DK_OUTBOX_HUB_KEY_BYTES);
    return DK_OK;
}

double dk_sync_next_delay(int failures, long interval_s, double random01)
{
    if (random01 < 0)
        random01 = 0;
    if (random01 >= 1)
        random01 = 0.999999;
    if (failures <= 0)
        return (double)interval_s * (0.9 + 0.2 * random01);
    double cap = (double)interval_s * DK_SYNC_BACKOFF_MAX_FACTOR;
    double wait = DK_SYNC_BACKOFF_FIRST_S * pow(2.0, failures > 30 ? 30 : failures - 1);
    if (wait > cap)
        wait = cap;
    return wait * (0.8 + 0.4 * random01);
}

static double random01(void)
{
    return (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
}

static void notify(dk_sync *s, dk_sync_event ev)
{
    if (s->notify)
        s->notify(s->notify_arg, ev);
}

static void set_phase(dk_sync *s, const char *phase)
{
    pthread_mutex_lock(&s->lock);
    snprintf(s->status.phase, sizeof s->status.phase, "%s", phase);
    pthread_mutex_unlock(&s->lock);
    s->last_notify = dk_http_monotonic();
    notify(s, DK_SYNC_EVENT_STATUS);
}

/* ---- State: data_dir/sync.db ---- */

typedef struct state {
    long long ts_version, manifest_version, time_floor;
    char etag[DK_HTTP_ETAG_MAX];
    char *ts_file; /* the last verified timestamp envelope (malloc), or NULL */
    size_t ts_len;
    long long ts_expires;
    long long last_attempt, last_success, last_heartbeat;
    char last_result[16];
    char last_error[DK_SYNC_ERROR_MAX];
    int failures;
    unsigned char keys[DK_SIGN_MAX_KEYS][DK_SIGN_PUBLIC_BYTES];
    size_t key_count;
    unsigned char regkey[DK_OUTBOX_HUB_KEY_BYTES]; /* valid if has_regkey */
    int has_regkey;
} state;

static const char *const state_sql =
    "CREATE TABLE IF NOT EXISTS state (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    timestamp_version INTEGER NOT NULL DEFAULT 0, -- highest timestamp version accepted\n"
    "    manifest_version INTEGER NOT NULL DEFAULT 0,  -- highest release accepted\n"
    "    time_floor INTEGER NOT NULL DEFAULT 0,        -- newest issued time seen [unix s]\n"
    "    etag TEXT NOT NULL DEFAULT '',                -- of the last timestamp.signed\n"
    "    timestamp_file BLOB,                          -- the last verified timestamp\n"
    "    timestamp_expires INTEGER NOT NULL DEFAULT 0, -- [unix s]\n"
    "    last_attempt INTEGER NOT NULL DEFAULT 0,\n"
    "    last_success INTEGER NOT NULL DEFAULT 0,\n"
    "    last_heartbeat INTEGER NOT NULL DEFAULT 0,\n"
    "    last_result TEXT NOT NULL DEFAULT '',\n"
    "    last_error TEXT NOT NULL DEFAULT '',\n"
    "    failures INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS trusted_key (\n"
    "    key TEXT PRIMARY KEY -- hex Ed25519 public key named by the last accepted manifest\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS registration_key (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    key TEXT NOT NULL -- hex X25519 key the newest manifest naming one named\n"
    ");\n"
    "INSERT OR IGNORE INTO state (id) VALUES (1);\n";

static dk_err db_error(sqlite3 *db, const char *what)
{
    int code = sqlite3_errcode(db);
    dk_err err = code == SQLITE_FULL                                 ? DK_ERR_NOSPACE
                 : (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? DK_ERR_CORRUPT
                                                                     : DK_ERR_DB;
    return dk_error_set(err, "sync.db: %s: %s", what, sqlite3_errmsg(db));
}

static dk_err pragma_text(sqlite3 *db, const char *sql, char *out, size_t outsz)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(db, sql);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, outsz, "%s", t ? t : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(db, sql);
    return DK_OK;
}

static dk_err state_open_once(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        dk_err err = db ? db_error(db, "open") : dk_error_set(DK_ERR_NOMEM, "sync.db: no memory");
        sqlite3_close(db);
        return err;
    }
    sqlite3_busy_timeout(db, 5000);
    char answer[64];
    dk_err err = pragma_text(db, "PRAGMA journal_mode=WAL", answer, sizeof answer);
    if (!err && strcmp(answer, "wal") != 0)
        err = dk_error_set(DK_ERR_DB, "sync.db: the file system does not allow WAL mode (%s)",
                           answer);
    if (!err && sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
        err = db_error(db, "synchronous=FULL");
    if (!err)
        err = pragma_text(db, "PRAGMA quick_check", answer, sizeof answer);
    if (!err && strcmp(answer, "ok") != 0)
        err = dk_error_set(DK_ERR_CORRUPT, "sync.db fails its check: %s", answer);
    if (!err && sqlite3_exec(db, state_sql, NULL, NULL, NULL) != SQLITE_OK)
        err = db_error(db, "create tables");
    if (!err && sqlite3_exec(db, "PRAGMA user_version=1" /* layout of sync.db */, NULL, NULL,
                             NULL) != SQLITE_OK)
        err = db_error(db, "user_version");
    if (err) {
        sqlite3_close(db);
        return err;
    }
    *out = db;
    return DK_OK;
}

/* Opens data_dir/sync.db. A damaged file is moved aside and started afresh: the rollback floor
 * also lives in content.db, so losing sync.db costs only the time floor and the status. */
static dk_err state_open(const char *data_dir, sqlite3 **out)
{
    char path[PATH_MAX_];
    dk_err err = dk_fs_join(path, sizeof path, data_dir, "sync.db");
    if (err)
        return err;
    err = state_open_once(path, out);
    if (err != DK_ERR_CORRUPT)
        return err;
    dk_warn("sync: %s; starting sync.db afresh", dk_error_detail());
    char aside[PATH_MAX_ + 16], side[PATH_MAX_ + 16];
    snprintf(aside, sizeof aside, "%s.damaged", path);
    if (rename(path, aside) != 0)
        return dk_error_set(DK_ERR_IO, "cannot move the damaged sync.db aside: %s",
                            strerror(errno));
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return state_open_once(path, out);
}

static dk_err state_load(sqlite3 *db, state *st)
{
    memset(st, 0, sizeof *st);
    sqlite3_stmt *q = NULL;
    const char *sql =
        "SELECT timestamp_version, manifest_version, time_floor, etag, timestamp_file, "
        "timestamp_expires, last_attempt, last_success, last_heartbeat, last_result, "
        "last_error, failures FROM state WHERE id = 1";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return db_error(db, "read the state");
    dk_err err = DK_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        st->ts_version = sqlite3_column_int64(q, 0);
        st->manifest_version = sqlite3_column_int64(q, 1);
        st->time_floor = sqlite3_column_int64(q, 2);
        const char *t = (const char *)sqlite3_column_text(q, 3);
        snprintf(st->etag, sizeof st->etag, "%s", t ? t : "");
        int n = sqlite3_column_bytes(q, 4);
        const void *blob = sqlite3_column_blob(q, 4);
        if (blob && n > 0 && n <= DK_TIMESTAMP_MAX) {
            st->ts_file = malloc((size_t)n + 1);
            if (!st->ts_file) {
                err = dk_error_set(DK_ERR_NOMEM, "sync.db: out of memory");
            } else {
                memcpy(st->ts_file, blob, (size_t)n);
                st->ts_file[n] = '\0';
                st->ts_len = (size_t)n;
            }
        }
        st->ts_expires = sqlite3_column_int64(q, 5);
        st->last_attempt = sqlite3_column_int64(q, 6);
        st->last_success = sqlite3_column_int64(q, 7);
        st->last_heartbeat = sqlite3_column_int64(q, 8);
        t = (const char *)sqlite3_column_text(q, 9);
        snprintf(st->last_result, sizeof st->last_result, "%s", t ? t : "");
        t = (const char *)sqlite3_column_text(q, 10);
        copy_text(st->last_error, sizeof st->last_error, t ? t : "");
        st->failures = sqlite3_column_int(q, 11);
    } else {
        err = db_error(db, "read the state");
    }
    sqlite3_finalize(q);
    if (err)
        return err;
    if (sqlite3_prepare_v2(db, "SELECT key FROM trusted_key ORDER BY key", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(db, "read the keys");
    while (sqlite3_step(q) == SQLITE_ROW && st->key_count < DK_SIGN_MAX_KEYS) {
        const char *hex = (const char *)sqlite3_column_text(q, 0);
        if (hex && strlen(hex) == 2 * DK_SIGN_PUBLIC_BYTES &&
            dk_hex_decode(hex, st->keys[st->key_count], DK_SIGN_PUBLIC_BYTES) == DK_OK)
            st->key_count++;
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db, "SELECT key FROM registration_key WHERE id = 1", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(db, "read the registration key");
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *hex = (const char *)sqlite3_column_text(q, 0);
        st->has_regkey = hex && strlen(hex) == 2 * DK_OUTBOX_HUB_KEY_BYTES &&
                         dk_hex_decode(hex, st->regkey, DK_OUTBOX_HUB_KEY_BYTES) == DK_OK;
    }
    sqlite3_finalize(q);
    return DK_OK;
}

static void state_free(state *st)
{
    free(st->ts_file);
    st->ts_file = NULL;
}

/* Runs one prepared statement to completion. */
static dk_err step_done(sqlite3 *db, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    dk_err err = rc == SQLITE_DONE ? DK_OK : db_error(db, what);
    sqlite3_finalize(q);
    return err;
}

/* Stores an accepted timestamp: its version, file, ETag and expiry, and the time floor. */
static dk_err state_save_timestamp(sqlite3 *db, const state *st)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "UPDATE state SET timestamp_version = ?1, time_floor = ?2, etag = ?3, "
                           "timestamp_file = ?4, timestamp_expires = ?5 WHERE id = 1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(db, "save the timestamp");
    sqlite3_bind_int64(q, 1, st->ts_version);
    sqlite3_bind_int64(q, 2, st->time_floor);
    sqlite3_bind_text(q, 3, st->etag, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(q, 4, st->ts_file, (int)st->ts_len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 5, st->ts_expires);
    return step_done(db, q, "save the timestamp");
}

/* Stores an accepted release, the keys its manifest names and its registration key (a manifest
 * without one leaves the stored key as it is), in one transaction. */
static dk_err state_save_release(sqlite3 *db, long long version, long long floor,
                                 const dk_manifest *m)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(db, "begin");
    sqlite3_stmt *q = NULL;
    dk_err err = DK_OK;
    if (sqlite3_prepare_v2(db,
                           "UPDATE state SET manifest_version = max(manifest_version, ?1), "
                           "time_floor = max(time_floor, ?2) WHERE id = 1",
                           -1, &q, NULL) != SQLITE_OK) {
        err = db_error(db, "save the release");
    } else {
        sqlite3_bind_int64(q, 1, version);
        sqlite3_bind_int64(q, 2, floor);
        err = step_done(db, q, "save the release");
    }
    if (!err && sqlite3_exec(db, "DELETE FROM trusted_key", NULL, NULL, NULL) != SQLITE_OK)
        err = db_error(db, "save the keys");
    for (size_t i = 0; i < m->key_count && !err; i++) {
        char hex[DK_SIGN_PUBLIC_HEX];
        dk_sign_public_hex(m->keys[i], hex);
        if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO trusted_key (key) VALUES (?1)", -1, &q,
                               NULL) != SQLITE_OK) {
            err = db_error(db, "save the keys");
            break;
        }
        sqlite3_bind_text(q, 1, hex, -1, SQLITE_TRANSIENT);
        err = step_done(db, q, "save the keys");
    }
    if (!err && m->has_registration_key) {
        char hex[2 * DK_OUTBOX_HUB_KEY_BYTES + 1];
        dk_hex_encode(m->registration_key, DK_OUTBOX_HUB_KEY_BYTES, hex);
        if (sqlite3_prepare_v2(db,
                               "INSERT OR REPLACE INTO registration_key (id, key) VALUES (1, ?1)",
                               -1, &q, NULL) != SQLITE_OK) {
            err = db_error(db, "save the registration key");
        } else {
            sqlite3_bind_text(q, 1, hex, -1, SQLITE_TRANSIENT);
            err = step_done(db, q, "save the registration key");
        }
    }
    if (!err && (err = dk_fault_point("sync.state.commit")) == DK_OK &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = db_error(db, "commit");
    if (err)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

/* From now on new registrations are sealed to key (the UI thread asks at each seal). */
static void adopt_regkey(dk_sync *s, const unsigned char key[DK_OUTBOX_HUB_KEY_BYTES])
{
    pthread_mutex_lock(&s->lock);
    int changed = !s->has_regkey || memcmp(s->regkey, key, DK_OUTBOX_HUB_KEY_BYTES) != 0;
    memcpy(s->regkey, key, DK_OUTBOX_HUB_KEY_BYTES);
    s->has_regkey = 1;
    pthread_mutex_unlock(&s->lock);
    if (changed) {
        char hex[2 * DK_OUTBOX_HUB_KEY_BYTES + 1];
        dk_hex_encode(key, DK_OUTBOX_HUB_KEY_BYTES, hex);
        dk_info("sync: new registrations are sealed to the hub's registration key %.8s from now "
                "on (named by the release); those stored before stay as they are",
                hex);
    }
}

/* state_save_release, then the sealing key follows what was committed. */
static dk_err save_release(dk_sync *s, sqlite3 *db, long long version, long long floor,
                           const dk_manifest *m)
{
    dk_err err = state_save_release(db, version, floor, m);
    if (!err && m->has_registration_key)
        adopt_regkey(s, m->registration_key);
    return err;
}

static dk_err state_save_result(sqlite3 *db, const dk_sync_status *s)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "UPDATE state SET last_attempt = ?1, last_success = ?2, "
                           "last_result = ?3, last_error = ?4, failures = ?5, "
                           "last_heartbeat = ?6 WHERE id = 1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(db, "save the result");
    sqlite3_bind_int64(q, 1, s->last_attempt);
    sqlite3_bind_int64(q, 2, s->last_success);
    sqlite3_bind_text(q, 3, dk_sync_result_name(s->last_result), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, s->last_error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 5, s->failures);
    sqlite3_bind_int64(q, 6, s->last_heartbeat);
    return step_done(db, q, "save the result");
}

/* ---- The cycle ---- */

typedef struct cycle {
    dk_sync *s;
    sqlite3 *db;
    dk_http *http;
    state st;
    dk_sign_keyring keys;
    char data_dir[PATH_MAX_], objdir[PATH_MAX_], partdir[PATH_MAX_], dbpath[PATH_MAX_],
        manifest_path[PATH_MAX_];
    long long now;
    long long content_version; /* -1: no usable content database */
    char content_issued[40], content_hash[DK_SHA256_HEX];
    uint64_t downloaded, total;
    unsigned fetched;
    int lock_fd;
    int locked; /* 1: this cycle holds the flock on sync.lock */
} cycle;

static long long floor_now(const cycle *c)
{
    return c->now > c->st.time_floor ? c->now : c->st.time_floor;
}

static void on_progress(void *arg, uint64_t received)
{
    cycle *c = arg;
    dk_sync *s = c->s;
    double t = dk_http_monotonic();
    pthread_mutex_lock(&s->lock);
    s->status.bytes_done = c->downloaded + received;
    pthread_mutex_unlock(&s->lock);
    if (t - s->last_notify >= NOTIFY_EVERY_S) {
        s->last_notify = t;
        notify(s, DK_SYNC_EVENT_STATUS);
    }
}

static void read_content_info(cycle *c)
{
    dk_store *store = NULL;
    c->content_version = -1;
    c->content_issued[0] = '\0';
    c->content_hash[0] = '\0';
    if (dk_store_open(c->dbpath, &store) == DK_OK) {
        dk_store_info info;
        dk_store_get_info(store, &info);
        c->content_version = info.version;
        snprintf(c->content_issued, sizeof c->content_issued, "%s", info.issued);
        snprintf(c->content_hash, sizeof c->content_hash, "%s", info.content_hash);
    }
    dk_store_close(store);
}

static dk_err url_for(const cycle *c, const char *rel, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%s/%s", c->s->base_url, rel);
    if (n < 0 || (size_t)n >= outsz)
        return dk_error_set(DK_ERR_LIMIT, "sync_url is too long");
    return DK_OK;
}

/* Steps 1 and 2: fetches and checks the timestamp. On DK_OK *ts is the accepted timestamp;
 * *stale says whether it has expired. */
static dk_err fetch_timestamp(cycle *c, dk_timestamp *ts, int *stale)
{
    char url[URL_MAX];
    dk_err err = url_for(c, "timestamp.signed", url, sizeof url);
    if (err)
        return err;
    dk_buf body;
    dk_buf_init(&body, DK_TIMESTAMP_MAX);
    dk_http_reply reply;
    const char *etag = c->st.ts_file && c->st.etag[0] ? c->st.etag : NULL;
    err = dk_http_get(c->http, url, etag, DK_TIMESTAMP_MAX, &body, &reply);
    if (err == DK_ERR_LIMIT)
        err = dk_error_set(DK_ERR_LIMIT,
                           "the server's timestamp.signed is larger than %d bytes: refused",
                           DK_TIMESTAMP_MAX);
    if (err) {
        dk_buf_free(&body);
        return err;
    }
    int fresh = reply.status == 200;
    const char *file = fresh ? body.data : c->st.ts_file;
    size_t len = fresh ? body.len : c->st.ts_len;
    const char *payload = NULL;
    size_t plen = 0;
    if (!file)
        file = "";
    err = dk_sign_verify(DK_SIGN_TIMESTAMP, &c->keys, file, len, &payload, &plen);
    if (!err)
        err = dk_timestamp_parse(payload, plen, ts);
    long long issued = 0, expires = 0;
    if (!err && (dk_time_parse(ts->issued, &issued) || dk_time_parse(ts->expires, &expires)))
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp's times cannot be read");
    if (!err && ts->version < c->st.ts_version)
        err = dk_error_set(DK_ERR_PROTOCOL,
                           "the server offers timestamp %lld, older than timestamp %lld that this "
                           "kiosk already accepted: refused as a replay",
                           ts->version, c->st.ts_version);
    if (err) {
        if (!fresh) { /* the stored copy no longer verifies: fetch a fresh one next time */
            c->st.etag[0] = '\0';
            dk_err lost = state_save_timestamp(c->db, &c->st);
            (void)lost;
        }
        dk_buf_free(&body);
        return err;
    }
    if (issued > c->st.time_floor)
        c->st.time_floor = issued;
    c->st.ts_version = ts->version;
    c->st.ts_expires = expires;
    if (fresh) {
        free(c->st.ts_file);
        c->st.ts_file = dk_buf_take(&body);
        c->st.ts_len = len;
        snprintf(c->st.etag, sizeof c->st.etag, "%s", reply.etag);
    }
    dk_buf_free(&body);
    if ((err = state_save_timestamp(c->db, &c->st)))
        return err;
    *stale = expires <= floor_now(c);
    return DK_OK;
}

/* Step 4: fetches and checks manifests/<V>.signed; on DK_OK *file holds its bytes (free()). */
static dk_err fetch_manifest(cycle *c, const dk_timestamp *ts, dk_manifest **out, char **file,
                             size_t *file_len)
{
    *out = NULL;
    *file = NULL;
    char rel[64], url[URL_MAX];
    snprintf(rel, sizeof rel, "manifests/%lld.signed", ts->manifest_version);
    dk_err err = url_for(c, rel, url, sizeof url);
    if (err)
        return err;
    dk_buf body;
    dk_buf_init(&body, (size_t)ts->manifest_length);
    dk_http_reply reply;
    err = dk_http_get(c->http, url, NULL, (size_t)ts->manifest_length, &body, &reply);
    if (err == DK_ERR_LIMIT)
        err = dk_error_set(DK_ERR_PROTOCOL,
                           "the manifest of release %lld is longer than the %llu bytes the "
                           "timestamp announces: refused",
                           ts->manifest_version, (unsigned long long)ts->manifest_length);
    char hex[DK_SHA256_HEX];
    if (!err) {
        dk_sha256_hex(body.data ? body.data : "", body.len, hex);
        if (body.len != ts->manifest_length || strcmp(hex, ts->manifest_sha256) != 0)
            err = dk_error_set(DK_ERR_CORRUPT,
                               "the manifest of release %lld does not match the timestamp (%zu "
                               "bytes, SHA-256 %.12s…; announced %llu bytes, %.12s…): damaged or "
                               "forged on the way",
                               ts->manifest_version, body.len, hex,
                               (unsigned long long)ts->manifest_length, ts->manifest_sha256);
    }
    const char *payload = NULL;
    size_t plen = 0;
    dk_manifest *m = NULL;
    if (!err)
        err = dk_sign_verify(DK_SIGN_MANIFEST, &c->keys, body.data, body.len, &payload, &plen);
    if (!err && (err = dk_manifest_parse(payload, plen, &m)))
        err = dk_error_set(DK_ERR_PROTOCOL, "the signed manifest cannot be used: %s",
                           dk_error_detail());
    long long issued = 0, expires = 0;
    if (!err && m->version != ts->manifest_version)
        err = dk_error_set(DK_ERR_PROTOCOL,
                           "manifests/%lld.signed holds release %lld: refused as a mix-up",
                           ts->manifest_version, m->version);
    if (!err && (dk_time_parse(m->issued, &issued) || dk_time_parse(m->expires, &expires)))
        err = dk_error_set(DK_ERR_PROTOCOL,
                           "the manifest of release %lld lacks its issued or expires time",
                           m->version);
    if (!err && expires <= floor_now(c)) {
        char when[32];
        dk_time_format(expires, when);
        err = dk_error_set(DK_ERR_PROTOCOL, "the manifest of release %lld expired on %s: refused",
                           m->version, when);
    }
    if (err) {
        dk_manifest_free(m);
        dk_buf_free(&body);
        return err;
    }
    if (issued > c->st.time_floor)
        c->st.time_floor = issued;
    *file_len = body.len;
    *file = dk_buf_take(&body);
    *out = m;
    return DK_OK;
}

/* 1 if objects/<hash> is a regular file of the object's length (not hashed). */
static int object_has_length(const cycle *c, const dk_object *o)
{
    char path[PATH_MAX_];
    struct stat st;
    return dk_fs_join(path, sizeof path, c->objdir, o->hash) == DK_OK && lstat(path, &st) == 0 &&
           S_ISREG(st.st_mode) && (uint64_t)st.st_size == o->length;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

/* Step 5: which objects are missing (need[i] = 1), and is there room for them? Objects already
 * present are verified in full: a damaged one is removed and fetched again. */
static dk_err plan(cycle *c, const dk_manifest *m, unsigned char *need)
{
    uint64_t missing = 0, max_object = (uint64_t)c->s->cfg.sync_max_object_mb << 20;
    c->total = 0;
    for (size_t i = 0; i < m->count; i++) {
        const dk_object *o = &m->objects[i];
        need[i] = 0;
        if (o->length > max_object)
            return dk_error_set(DK_ERR_LIMIT,
                                "release %lld has a file of %.1f MiB, more than sync_max_object_mb "
                                "(%ld MiB): refused",
                                m->version, (double)o->length / 1048576.0,
                                c->s->cfg.sync_max_object_mb);
        if (object_has_length(c, o)) {
            dk_err err = dk_object_verify(c->objdir, o);
            if (err == DK_OK)
                continue;
            char path[PATH_MAX_];
            dk_warn("sync: %s; fetching it again", dk_error_detail());
            if (dk_fs_join(path, sizeof path, c->objdir, o->hash) == DK_OK)
                unlink(path);
        }
        char part[PATH_MAX_];
        dk_err err = dk_fs_join(part, sizeof part, c->partdir, o->hash);
        if (err)
            return err;
        uint64_t have = file_size(part);
        need[i] = 1;
        missing += have < o->length ? o->length - have : 0;
        c->total += o->length;
    }
    const dk_object *doc = dk_manifest_content(m);
    uint64_t want = missing + 2 * doc->length + SPACE_MARGIN, free_bytes = 0;
    dk_err err = dk_fs_free_space(c->data_dir, &free_bytes);
    if (err)
        return err;
    if (free_bytes < want)
        return dk_error_set(DK_ERR_NOSPACE,
                            "the disk is full: release %lld needs %.1f MiB, only %.1f MiB are "
                            "free; nothing was changed",
                            m->version, (double)want / 1048576.0, (double)free_bytes / 1048576.0);
    return DK_OK;
}

/* Step 6 for one object: download to partial/, check, fsync, rename into objects/. */
static dk_err fetch_object(cycle *c, const dk_object *o)
{
    char rel[96], url[URL_MAX], part[PATH_MAX_], final[PATH_MAX_];
    snprintf(rel, sizeof rel, "objects/%s", o->hash);
    dk_err err;
    if ((err = url_for(c, rel, url, sizeof url)) ||
        (err = dk_fs_join(part, sizeof part, c->partdir, o->hash)) ||
        (err = dk_fs_join(final, sizeof final, c->objdir, o->hash)))
        return err;
    for (int attempt = 0;; attempt++) {
        dk_http_reply reply;
        err = dk_http_get_file(c->http, url, part, o->length, &reply);
        if (err == DK_ERR_LIMIT) {
            unlink(part);
            return dk_error_set(DK_ERR_LIMIT,
                                "the server sent more than the %llu bytes of object %.12s…: "
                                "refused",
                                (unsigned long long)o->length, o->hash);
        }
        if (err)
            return err;
        c->downloaded += reply.received;
        char hex[DK_SHA256_HEX];
        uint64_t len = 0;
        if ((err = dk_sha256_file(part, o->length, hex, &len))) {
            unlink(part);
            return err;
        }
        if (len < o->length) {
            if (reply.status == 416)
                unlink(part); /* the server's copy is shorter than ours: ours is not its prefix */
            return dk_error_set(DK_ERR_CORRUPT,
                                "object %.12s… is incomplete: the server sent %llu of %llu bytes",
                                o->hash, (unsigned long long)len, (unsigned long long)o->length);
        }
        if (strcmp(hex, o->hash) != 0) {
            unlink(part);
            if (reply.resumed && attempt == 0) {
                dk_info("sync: object %.12s… did not match after resuming; fetching it whole",
                        o->hash);
                continue;
            }
            return dk_error_set(DK_ERR_CORRUPT,
                                "object %.12s… from the server does not match its SHA-256 (got "
                                "%.12s…): damaged or replaced on the way; it was discarded",
                                o->hash, hex);
        }
        break;
    }
    if ((err = dk_fs_sync_file(part)) || (err = dk_fs_rename_durable(part, final)) ||
        (err = dk_fault_point("sync.object.done")))
        return err;
    c->fetched++;
    return DK_OK;
}

/* The payload of a signed file, parsed without checking signatures: only for deciding what to
 * keep (it was verified when it was written). NULL if there is none. */
static dk_manifest *read_local_manifest(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    dk_manifest *m = NULL;
    if (dk_fs_read(path, DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX, &data, &len) != DK_OK)
        return NULL;
    const char *p = strstr(data, "\n\n");
    if (p && dk_manifest_parse(p + 2, len - (size_t)(p + 2 - data), &m) != DK_OK)
        m = NULL;
    free(data);
    return m;
}

static int in_manifest(const dk_manifest *m, const char *hash)
{
    for (size_t i = 0; m && i < m->count; i++)
        if (strcmp(m->objects[i].hash, hash) == 0)
            return 1;
    return 0;
}

/* Step 9: removes objects that neither the new release, the one before it (the UI may still
 * show it until its next reset) nor the bundled content needs, and every partial file. */
static void collect_garbage(cycle *c, const dk_manifest *now, const dk_manifest *before)
{
    char path[PATH_MAX_];
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(c->partdir, 1u << 20, &names, &n) == DK_OK) {
        for (size_t i = 0; i < n; i++)
            if (dk_fs_join(path, sizeof path, c->partdir, names[i]) == DK_OK)
                unlink(path);
        free(names);
    }
    dk_manifest *bundle = NULL;
    if (c->s->bundle_dir[0]) {
        char *data = NULL;
        size_t len = 0;
        if (dk_fs_join(path, sizeof path, c->s->bundle_dir, DK_BUNDLE_MANIFEST) == DK_OK &&
            dk_fs_read(path, DK_LIMIT_MANIFEST, &data, &len) == DK_OK &&
            dk_manifest_parse(data, len, &bundle) != DK_OK)
            bundle = NULL;
        free(data);
    }
    if (!bundle) {
        dk_info("sync: the bundled content's manifest is not readable; no object is deleted");
        return;
    }
    int removed = 0;
    if (dk_fs_list(c->objdir, 1u << 20, &names, &n) == DK_OK) {
        for (size_t i = 0; i < n; i++) {
            const char *name = names[i];
            if (strlen(name) != 64 || !dk_sha256_hex_valid(name))
                continue; /* not an object (temporary files are removed at start) */
            if (in_manifest(now, name) || in_manifest(before, name) || in_manifest(bundle, name))
                continue;
            if (dk_fs_join(path, sizeof path, c->objdir, name) == DK_OK && unlink(path) == 0)
                removed++;
        }
        free(names);
    }
    dk_manifest_free(bundle);
    if (removed) {
        dk_err lost = dk_fs_sync_dir(c->objdir);
        (void)lost;
        dk_info("sync: removed %d objects no release needs any more", removed);
    }
}

/* Steps 7 and 8: builds the new content database, switches, records the release. */
static dk_err switch_release(cycle *c, const dk_manifest *m, const char *file, size_t file_len)
{
    const dk_object *doc = dk_manifest_content(m);
    char path[PATH_MAX_];
    char *json = NULL;
    size_t len = 0;
    dk_err err;
    if ((err = dk_fs_join(path, sizeof path, c->objdir, doc->hash)) ||
        (err = dk_fs_read(path, (size_t)doc->length, &json, &len)))
        return err;
    dk_store_release rel = {m->version, m->issued, doc->hash};
    double t0 = dk_http_monotonic();
    if (!(err = dk_fault_point("sync.switch.start")))
        err = dk_store_build(c->dbpath, json, len, &rel);
    free(json);
    if (err)
        return err;
    if ((err = dk_fault_point("sync.switch.built")) ||
        (err = dk_fs_write_atomic(c->manifest_path, file, file_len, 0644)) ||
        (err = save_release(c->s, c->db, m->version, c->st.time_floor, m)))
        return err;
    /* tools/bench/bench-sync.sh reads this line: the switch is the database build and rename */
    dk_info("sync: switched to release %lld in %.0f ms", m->version,
            (dk_http_monotonic() - t0) * 1000.0);
    notify(c->s, DK_SYNC_EVENT_CONTENT);
    return DK_OK;
}

/* The local manifest.signed if it verifies and is release version, else NULL. */
static dk_manifest *local_release(cycle *c, long long version)
{
    char *data = NULL;
    size_t len = 0;
    const char *payload = NULL;
    size_t plen = 0;
    dk_manifest *m = NULL;
    if (dk_fs_read(c->manifest_path, DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX, &data, &len) ==
            DK_OK &&
        dk_sign_verify(DK_SIGN_MANIFEST, &c->keys, data, len, &payload, &plen) == DK_OK &&
        dk_manifest_parse(payload, plen, &m) == DK_OK && m->version != version) {
        dk_manifest_free(m);
        m = NULL;
    }
    free(data);
    return m;
}

/* 1 if sync.db holds what m names: its signing keys and its registration key (if any). */
static int same_keys(const state *st, const dk_manifest *m)
{
    if (st->key_count != m->key_count)
        return 0;
    if (m->has_registration_key &&
        (!st->has_regkey || memcmp(st->regkey, m->registration_key, DK_OUTBOX_HUB_KEY_BYTES) != 0))
        return 0;
    for (size_t i = 0; i < m->key_count; i++) {
        int found = 0;
        for (size_t j = 0; j < st->key_count && !found; j++)
            found = memcmp(m->keys[i], st->keys[j], DK_SIGN_PUBLIC_BYTES) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

static dk_err cycle_lock(cycle *c)
{
    char path[PATH_MAX_];
    dk_err err = dk_fs_join(path, sizeof path, c->data_dir, "sync.lock");
    if (err)
        return err;
    c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (c->lock_fd < 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot open %s: %s", path,
                            strerror(errno));
    if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return dk_error_set(DK_ERR_EXISTS, "another sync of %s is running", c->data_dir);
    c->locked = 1;
    return DK_OK;
}

/* The whole cycle up to the heartbeat. *result says how it ended. */
static dk_err run(cycle *c, dk_sync_result *result)
{
    dk_sync *s = c->s;
    *result = DK_SYNC_FAILED;
    dk_err err;
    dk_info("sync: cycle started");
    if ((err = dk_fs_mkdirs(c->objdir, 0755)) || (err = dk_fs_mkdirs(c->partdir, 0755)) ||
        (err = cycle_lock(c)) || (err = state_open(c->data_dir, &c->db)) ||
        (err = state_load(c->db, &c->st)))
        return err;
    dk_fs_remove_stale_temps(c->objdir);
    c->keys = s->config_keys;
    for (size_t i = 0; i < c->st.key_count; i++)
        if (dk_sign_keyring_add(&c->keys, c->st.keys[i]) != DK_OK) {
            /* The ring is full: the configured keys come first. Said, not swallowed: a key
             * the hub rotated to would not be trusted, and its releases would be refused. */
            dk_warn("sync: %zu of the keys the release names are not trusted: trusted_keys "
                    "already holds the most keys a kiosk trusts (%d); remove retired ones",
                    c->st.key_count - i, DK_SIGN_MAX_KEYS);
            break;
        }
    read_content_info(c);
    long long rollback_floor =
        c->st.manifest_version > c->content_version ? c->st.manifest_version : c->content_version;
    dk_http_options ho = {s->cfg.ca_file,
                          s->cfg.pinned_public_key,
                          s->cfg.sync_allow_http,
                          s->cfg.sync_connect_timeout_s,
                          s->cfg.sync_low_speed_bytes_s,
                          s->cfg.sync_low_speed_time_s,
                          "district-kiosk"};
    if ((err = dk_http_new(&ho, &c->http)))
        return err;
    dk_http_set_cancel(c->http, &s->cancel);
    dk_http_set_deadline(c->http, dk_http_monotonic() + (double)s->cfg.sync_cycle_deadline_s);
    dk_http_set_progress(c->http, on_progress, c);

    set_phase(s, "timestamp");
    dk_timestamp ts;
    int stale = 0;
    if ((err = fetch_timestamp(c, &ts, &stale)))
        return err;
    if (stale) {
        char when[32];
        dk_time_format(c->st.ts_expires, when);
        *result = DK_SYNC_STALE;
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the hub's timestamp expired on %s: the hub has not re-signed it, or "
                            "someone replays an old one; the kiosk keeps its content and reports "
                            "itself stale",
                            when);
    }
    long long v = ts.manifest_version;
    if (v < rollback_floor)
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the server offers release %lld, older than release %lld that this "
                            "kiosk already has: refused (rollback)",
                            v, rollback_floor);
    dk_manifest *have = v == c->content_version ? local_release(c, v) : NULL;
    if (have && strcmp(dk_manifest_content(have)->hash, c->content_hash) != 0) {
        dk_manifest_free(have); /* content.db is not what manifest.signed says: install again */
        have = NULL;
    }
    if (have) { /* current; make sync.db agree in case a power cut came before it was written */
        if (c->st.manifest_version < v || !same_keys(&c->st, have))
            err = save_release(s, c->db, v, c->st.time_floor, have);
        dk_manifest_free(have);
        if (!err)
            *result = DK_SYNC_CURRENT;
        return err;
    }

    set_phase(s, "manifest");
    dk_manifest *m = NULL;
    char *file = NULL;
    size_t file_len = 0;
    if ((err = fetch_manifest(c, &ts, &m, &file, &file_len)))
        return err;
    dk_manifest *before = read_local_manifest(c->manifest_path);
    unsigned char *need = calloc(m->count, 1);
    if (!need) {
        err = dk_error_set(DK_ERR_NOMEM, "sync: out of memory");
        goto done;
    }
    if (v == c->content_version && strcmp(dk_manifest_content(m)->hash, c->content_hash) == 0) {
        /* The database is this release already, but manifest.signed is not (a power cut between
         * the switch and writing it): record the manifest, nothing to build. */
        if (!(err = dk_fs_write_atomic(c->manifest_path, file, file_len, 0644)) &&
            !(err = save_release(s, c->db, v, c->st.time_floor, m)))
            *result = DK_SYNC_CURRENT;
        goto done;
    }
    if ((err = plan(c, m, need)))
        goto done;
    set_phase(s, "objects");
    pthread_mutex_lock(&s->lock);
    s->status.bytes_total = c->total;
    s->status.bytes_done = 0;
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < m->count; i++)
        if (need[i] && (err = fetch_object(c, &m->objects[i])))
            goto done;
    set_phase(s, "switch");
    if ((err = switch_release(c, m, file, file_len)))
        goto done;
    *result = DK_SYNC_UPDATED;
    long long shown = c->content_version;
    read_content_info(c);
    set_phase(s, "cleanup");
    if ((before && before->version == shown) || shown <= 0) /* 0: the bundle, kept anyway */
        collect_garbage(c, m, before && before->version == shown ? before : NULL);
    else /* the objects of the release on screen are not known for sure: keep everything */
        dk_info("sync: the previous release's manifest is not at hand; nothing is deleted now");
done:
    free(need);
    free(file);
    dk_manifest_free(before);
    dk_manifest_free(m);
    return err;
}

/* ---- Registrations: the upload pass ---- */

/* The settings' defaults are the outbox's (dk_config.h cannot include dk_outbox.h). */
_Static_assert(DK_OUTBOX_DEFAULT_MAX_RECORDS == 100000, "registration_max_records default");
_Static_assert(DK_OUTBOX_DEFAULT_MAX_BYTES == (128LL << 20), "registration_max_mb default");
_Static_assert(DK_OUTBOX_DEFAULT_RETRY_MIN_S == 30, "registration_retry_min_s default");
_Static_assert(DK_OUTBOX_DEFAULT_RETRY_MAX_S == 3600, "registration_retry_max_s default");

void dk_sync_outbox_options(const dk_config *cfg, dk_outbox_options *out)
{
    dk_outbox_options_default(out);
    out->max_records = cfg->registration_max_records;
    out->max_bytes = (int64_t)cfg->registration_max_mb << 20;
    out->retry_min_s = cfg->registration_retry_min_s;
    out->retry_max_s = cfg->registration_retry_max_s;
}

/* How one upload pass went. */
typedef struct upload {
    int ran;           /* 1: there is an outbox and it was read */
    long long sent;    /* acknowledged by the hub (and deleted) */
    long long replays; /* ... of those, answered as a replay (the first reply was lost) */
    long long refused; /* moved to the quarantine */
    int failed;        /* a record was kept for a retry, or the outbox failed: the pass ended */
    int stopped;       /* the deadline or dk_sync_stop() ended the pass */
    int blocked;       /* no hub_url or device_token: nothing can be sent until they are set */
    int64_t retry_s;   /* [s] after a failure: until that record is due again */
    char error[DK_SYNC_ERROR_MAX]; /* plain words for staff; "" when nothing went wrong */
    dk_outbox_stats stats;
} upload;

static long long floor_of(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    long long f = s->time_floor;
    pthread_mutex_unlock(&s->lock);
    return f;
}

/* max(now, time floor): the time the outbox schedules by (dk_outbox.h). */
static long long upload_now(dk_sync *s)
{
    long long now = wall_now(s), f = floor_of(s);
    return now > f ? now : f;
}

static int outbox_exists(const dk_sync *s)
{
    char path[PATH_MAX_];
    return dk_fs_join(path, sizeof path, s->cfg.data_dir, DK_OUTBOX_FILE) == DK_OK &&
           dk_fs_exists(path);
}

/* What a failed upload means for staff, and what to do about it. detail is dk_http's message
 * (the server, the status, the hub's "message"; never the body sent). */
static void upload_words(long status, const char *detail, char *out, size_t outsz)
{
    if (status == 401 || status == 403)
        snprintf(out, outsz,
                 "the hub refused this kiosk's device token (%ld): registrations wait on the "
                 "kiosk; set device_token to the token from district-hub device add",
                 status);
    else if (status == 429 || status == 503)
        snprintf(out, outsz, "the hub is busy (%ld): registrations wait and are sent later",
                 status);
    else if (status >= 500)
        snprintf(out, outsz, "the hub failed (%ld): registrations wait and are sent later: %s",
                 status, detail);
    else if (status == 0)
        snprintf(out, outsz, "registrations wait: %s", detail);
    else
        snprintf(out, outsz,
                 "the hub answered %ld to a registration (check hub_url, and that kiosk and hub "
                 "are of matching versions): registrations wait: %s",
                 status, detail);
}

/* Sends the due records of the outbox, oldest first, until none is due, one fails, the deadline
 * passes or the sync is stopped. The caller holds cycle_lock and the flock on sync.lock. */
static void upload_pass(dk_sync *s, double deadline, upload *u)
{
    memset(u, 0, sizeof *u);
    if (!outbox_exists(s))
        return; /* no registration was ever stored here */
    dk_outbox_options oo;
    dk_sync_outbox_options(&s->cfg, &oo);
    dk_outbox *ob = NULL;
    if (dk_outbox_open(s->cfg.data_dir, &oo, &ob) != DK_OK) {
        char detail[DK_SYNC_ERROR_MAX];
        copy_text(detail, sizeof detail, dk_error_detail());
        snprintf(u->error, sizeof u->error, "registrations cannot be read from the outbox: %s",
                 detail);
        dk_warn("sync: %s", u->error);
        u->failed = 1;
        u->retry_s = oo.retry_min_s;
        return;
    }
    u->ran = 1;
    double t0 = dk_http_monotonic();
    long long now = upload_now(s);
    char url[URL_MAX];
    dk_http *http = NULL;
    dk_err err = DK_OK;
    if (!s->hub_url[0] || !s->cfg.device_token[0]) {
        err = DK_ERR_INVALID; /* nowhere to send them: said below if any wait */
        u->blocked = 1;
    } else if (snprintf(url, sizeof url, "%s/api/v1/registrations", s->hub_url) >=
               (int)sizeof url) {
        err = dk_error_set(DK_ERR_LIMIT, "hub_url is too long");
        snprintf(u->error, sizeof u->error, "registrations wait: hub_url is too long");
        u->blocked = 1;
    } else {
        dk_http_options ho = {s->cfg.ca_file,
                              s->cfg.pinned_public_key,
                              s->cfg.sync_allow_http,
                              s->cfg.sync_connect_timeout_s,
                              s->cfg.sync_low_speed_bytes_s,
                              s->cfg.sync_low_speed_time_s,
                              "district-kiosk"};
        if ((err = dk_http_new(&ho, &http))) {
            char detail[DK_SYNC_ERROR_MAX];
            copy_text(detail, sizeof detail, dk_error_detail());
            snprintf(u->error, sizeof u->error, "registrations wait: %s", detail);
            u->failed = 1;
            u->retry_s = oo.retry_min_s;
        } else {
            dk_http_set_cancel(http, &s->cancel);
            dk_http_set_deadline(http, deadline);
        }
    }
    /* One record at a time; the buffers live on the heap (a record is 6 KiB). */
    dk_outbox_record *rec = err ? NULL : malloc(sizeof *rec);
    dk_buf reply_body;
    dk_buf_init(&reply_body, DK_SYNC_REPLY_MAX);
    if (!err && !rec) {
        err = DK_ERR_NOMEM;
        snprintf(u->error, sizeof u->error, "registrations wait: out of memory");
        u->failed = 1;
        u->retry_s = oo.retry_min_s;
    }
    while (!err) {
        if (atomic_load(&s->cancel) || dk_http_monotonic() >= deadline) {
            u->stopped = 1;
            break;
        }
        now = upload_now(s);
        dk_err e = dk_outbox_next(ob, now, rec);
        if (e == DK_ERR_NOTFOUND)
            break;
        if (e == DK_ERR_CORRUPT) { /* a damaged row: set it aside for staff, go on */
            dk_warn("sync: %s; it is kept in the quarantine", dk_error_detail());
            if (dk_outbox_quarantine(ob, rec->id, "damaged in the kiosk's outbox", now) == DK_OK) {
                u->refused++;
                continue;
            }
        }
        if (e) {
            char detail[DK_SYNC_ERROR_MAX];
            copy_text(detail, sizeof detail, dk_error_detail());
            snprintf(u->error, sizeof u->error, "registrations cannot be read from the outbox: %s",
                     detail);
            u->failed = 1;
            u->retry_s = oo.retry_min_s;
            break;
        }
        char idem[32 + DK_OUTBOX_IDEM_KEY_HEX];
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", rec->idem_key);
        const char *const headers[] = {idem, NULL};
        dk_http_reply reply;
        e = dk_http_post(http, url, s->cfg.device_token, "application/octet-stream", headers,
                         rec->sealed, rec->sealed_len, DK_SYNC_REPLY_MAX, &reply_body, &reply);
        long status = reply.status;
        char detail[DK_SYNC_ERROR_MAX];
        copy_text(detail, sizeof detail, e ? dk_error_detail() : "");
        if (status >= 200 && status <= 299) {
            /* Stored by the hub. Tests end or fail the process here: the hub has the record,
             * the kiosk still too, so the next pass sends it again and gets a replay. */
            if (dk_fault_point("sync.upload.stored") != DK_OK) {
                u->stopped = 1;
                break;
            }
            e = dk_outbox_ack(ob, rec->id);
            if (e && e != DK_ERR_NOTFOUND) {
                char why[DK_SYNC_ERROR_MAX];
                copy_text(why, sizeof why, dk_error_detail());
                snprintf(u->error, sizeof u->error,
                         "a delivered registration cannot be removed from the outbox (it will be "
                         "sent again, and the hub knows it): %s",
                         why);
                u->failed = 1;
                u->retry_s = oo.retry_min_s;
                break;
            }
            int replay = reply_body.data && strstr(reply_body.data, "\"replay\":true") != NULL;
            u->sent++;
            u->replays += replay;
            dk_debug("sync: registration %s delivered (%ld%s)", rec->idem_key, status,
                     replay ? ", a replay" : "");
            continue;
        }
        if (status == 0 && (atomic_load(&s->cancel) || dk_http_monotonic() >= deadline)) {
            u->stopped = 1; /* cut off by us, not refused: sent again next time, unpunished */
            break;
        }
        if (status == 400 || status == 409 || status == 413) {
            /* The hub refuses this record itself; it will never take it. Kept sealed for staff;
             * the others may well be fine. */
            char reason[DK_OUTBOX_ERROR_MAX];
            snprintf(reason, sizeof reason, "refused by the hub (%ld): %s", status, detail);
            dk_warn("sync: registration %s was refused by the hub (%ld) and is kept sealed in "
                    "the quarantine: %s",
                    rec->idem_key, status, detail);
            if ((e = dk_outbox_quarantine(ob, rec->id, reason, now))) {
                char why[DK_SYNC_ERROR_MAX];
                copy_text(why, sizeof why, dk_error_detail());
                snprintf(u->error, sizeof u->error,
                         "a refused registration cannot be set aside: %s", why);
                u->failed = 1;
                u->retry_s = oo.retry_min_s;
                break;
            }
            u->refused++;
            continue;
        }
        /* The hub is down, busy, refuses this kiosk or is misconfigured: the next record would
         * fare no better. Keep this one for later and end the pass. */
        upload_words(status, detail, u->error, sizeof u->error);
        int64_t delay = 0;
        char line[DK_OUTBOX_ERROR_MAX];
        if (status)
            snprintf(line, sizeof line, "HTTP %ld: %s", status, detail);
        else
            snprintf(line, sizeof line, "%s", detail);
        if (dk_outbox_retry(ob, rec->id, line, now, &delay) != DK_OK) {
            dk_warn("sync: cannot schedule a registration's retry: %s", dk_error_detail());
            delay = oo.retry_min_s;
        }
        dk_warn("sync: registration %s not delivered, next try in %lld s: %s", rec->idem_key,
                (long long)delay, u->error);
        u->failed = 1;
        u->retry_s = delay;
        break;
    }
    if (rec)
        dk_wipe(rec, sizeof *rec); /* sealed bytes only, but no reason to leave them about */
    free(rec);
    dk_buf_free(&reply_body);
    dk_http_free(http);
    if (dk_outbox_stats_get(ob, upload_now(s), &u->stats) != DK_OK) {
        dk_warn("sync: cannot count the outbox: %s", dk_error_detail());
        u->ran = 0;
    }
    dk_outbox_close(ob);
    if (u->blocked && !u->error[0] && u->stats.backlog > 0)
        snprintf(u->error, sizeof u->error,
                 "registrations wait on the kiosk: hub_url and device_token must be set to send "
                 "them");
    if (u->sent || u->refused || u->failed) {
        char replays[64] = "";
        if (u->replays)
            snprintf(replays, sizeof replays, " (%lld of them again, after a lost reply)",
                     u->replays);
        dk_info("sync: registrations: %lld delivered%s, %lld refused, %lld waiting, %lld in the "
                "quarantine (%.1f s)",
                u->sent, replays, u->refused, (long long)u->stats.backlog,
                (long long)u->stats.quarantined, dk_http_monotonic() - t0);
    }
}

/* Puts what a pass found into the status and plans the next pass on its own. */
static void upload_apply(dk_sync *s, const upload *u)
{
    double mono = dk_http_monotonic();
    pthread_mutex_lock(&s->lock);
    dk_sync_status *st = &s->status;
    if (u->ran) {
        s->backlog = st->backlog = u->stats.backlog;
        s->quarantined = st->quarantined = u->stats.quarantined;
    }
    st->uploaded = u->sent;
    if (u->sent)
        st->last_upload = wall_now(s);
    copy_text(st->upload_error, sizeof st->upload_error, u->error);
    if (u->blocked)
        s->upload_due = 0; /* until the settings change (a restart) */
    else if (u->failed)
        s->upload_due = mono + (double)(u->retry_s > 0 ? u->retry_s : 1);
    else if (u->stopped || u->stats.due > 0)
        s->upload_due = mono + 1; /* more are due: go on soon (a cycle's deadline is per cycle) */
    else if (u->ran && u->stats.backlog > 0 && !u->error[0])
        s->upload_due = mono + (double)s->cfg.registration_retry_min_s; /* some wait for a retry */
    else
        s->upload_due = 0;
    pthread_mutex_unlock(&s->lock);
}

/* 1 while a failed record's retry is pending: a scheduled cycle then leaves the outbox alone. */
static int upload_backing_off(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    int wait =
        s->upload_due > 0 && s->upload_due > dk_http_monotonic() && s->status.upload_error[0];
    pthread_mutex_unlock(&s->lock);
    return wait;
}

/* ---- Heartbeat ---- */

static dk_err send_heartbeat(dk_sync *s, const dk_sync_status *st)
{
    if (!s->hub_url[0] || !s->cfg.device_token[0])
        return dk_error_set(DK_ERR_INVALID, "no heartbeat: hub_url or device_token is not set");
    char last_attempt[32], last_success[32], url[URL_MAX];
    dk_time_format(st->last_attempt, last_attempt);
    dk_time_format(st->last_success, last_success);
    uint64_t free_bytes = 0;
    if (dk_fs_free_space(s->cfg.data_dir, &free_bytes) != DK_OK)
        free_bytes = 0;
    pthread_mutex_lock(&s->lock);
    long long backlog = s->backlog, quarantined = s->quarantined;
    pthread_mutex_unlock(&s->lock);
    json_t *o = json_object();
    if (!o)
        return dk_error_set(DK_ERR_NOMEM, "heartbeat: out of memory");
    int bad = 0;
    bad |= json_object_set_new(o, "app_version", json_string(s->app_version));
    if (st->content_version >= 0) /* -1: no usable content database */
        bad |= json_object_set_new(o, "content_version", json_integer(st->content_version));
    if (st->content_issued[0])
        bad |= json_object_set_new(o, "content_issued", json_string(st->content_issued));
    if (st->last_attempt)
        bad |= json_object_set_new(o, "last_attempt", json_string(last_attempt));
    if (st->last_success)
        bad |= json_object_set_new(o, "last_success", json_string(last_success));
    /* The protocol's values: "ok" (the kiosk has the current release), "stale" or "error". */
    const char *result =
        st->last_result == DK_SYNC_UPDATED ? "ok" : dk_sync_result_name(st->last_result);
    bad |= json_object_set_new(o, "last_result", json_string(result));
    /* The hub's device list shows one error per kiosk: the content's, and why registrations
     * wait (at most 256 bytes, as the protocol allows). */
    char last_error[DK_SYNC_ERROR_MAX];
    if (st->upload_error[0] && st->last_error[0]) {
        char both[2 * DK_SYNC_ERROR_MAX + 32];
        snprintf(both, sizeof both, "%s; %s", st->upload_error, st->last_error);
        copy_text(last_error, sizeof last_error, both);
    } else {
        copy_text(last_error, sizeof last_error,
                  st->upload_error[0] ? st->upload_error : st->last_error);
    }
    bad |= json_object_set_new(o, "last_error", json_string(last_error));
    bad |= json_object_set_new(o, "stale", json_boolean(st->stale));
    bad |= json_object_set_new(o, "backlog", json_integer(backlog));
    bad |= json_object_set_new(o, "quarantined", json_integer(quarantined));
    bad |= json_object_set_new(o, "free_disk_mb", json_integer((json_int_t)(free_bytes >> 20)));
    bad |= json_object_set_new(o, "uptime_s",
                               json_integer((json_int_t)(dk_http_monotonic() - s->started)));
    unsigned char regkey[DK_OUTBOX_HUB_KEY_BYTES];
    if (dk_sync_registration_key(s, regkey, NULL) == DK_OK) {
        char hex[2 * DK_OUTBOX_HUB_KEY_BYTES + 1];
        dk_hex_encode(regkey, sizeof regkey, hex);
        hex[DK_SYNC_REGKEY_REPORT_HEX] = '\0'; /* enough for staff to tell the keys apart */
        bad |= json_object_set_new(o, "registration_key", json_string(hex));
    }
    char *body = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!body)
        return dk_error_set(DK_ERR_NOMEM, "heartbeat: out of memory");
    dk_http_options ho = {s->cfg.ca_file,
                          s->cfg.pinned_public_key,
                          s->cfg.sync_allow_http,
                          s->cfg.sync_connect_timeout_s,
                          s->cfg.sync_low_speed_bytes_s,
                          s->cfg.sync_low_speed_time_s,
                          "district-kiosk"};
    dk_http *http = NULL;
    dk_buf reply_body;
    dk_buf_init(&reply_body, DK_SYNC_REPLY_MAX);
    dk_http_reply reply;
    dk_err err;
    if (snprintf(url, sizeof url, "%s/api/v1/heartbeat", s->hub_url) >= (int)sizeof url)
        err = dk_error_set(DK_ERR_LIMIT, "hub_url is too long");
    else if (!(err = dk_http_new(&ho, &http))) {
        dk_http_set_cancel(http, &s->cancel);
        dk_http_set_deadline(http, dk_http_monotonic() + DK_SYNC_HEARTBEAT_TIMEOUT_S);
        err = dk_http_post_json(http, url, s->cfg.device_token, body, strlen(body),
                                DK_SYNC_REPLY_MAX, &reply_body, &reply);
    }
    dk_http_free(http);
    dk_buf_free(&reply_body);
    free(body);
    return err;
}

/* ---- Running a cycle ---- */

static void status_from_state(dk_sync *s, const state *st, long long now)
{
    dk_sync_status *o = &s->status;
    o->last_attempt = st->last_attempt;
    o->last_success = st->last_success;
    o->last_heartbeat = st->last_heartbeat;
    o->failures = st->failures;
    copy_text(o->last_error, sizeof o->last_error, st->last_error);
    o->last_result = strcmp(st->last_result, "ok") == 0        ? DK_SYNC_CURRENT
                     : strcmp(st->last_result, "updated") == 0 ? DK_SYNC_UPDATED
                     : strcmp(st->last_result, "stale") == 0   ? DK_SYNC_STALE
                     : strcmp(st->last_result, "error") == 0   ? DK_SYNC_FAILED
                                                               : DK_SYNC_NONE;
    o->stale_at = st->ts_expires;
    long long t = now > st->time_floor ? now : st->time_floor;
    o->stale = st->ts_expires > 0 && st->ts_expires <= t;
}

/* One cycle. upload_always: 1 sends due registrations even while a failed one waits for its
 * retry (a cycle someone asked for), 0 leaves them to their own schedule (the timer's cycles). */
static dk_err cycle_locked(dk_sync *s, int upload_always)
{
    cycle c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.lock_fd = -1;
    c.now = wall_now(s);
    snprintf(c.data_dir, sizeof c.data_dir, "%s", s->cfg.data_dir);
    dk_err err;
    if ((err = dk_fs_join(c.objdir, sizeof c.objdir, c.data_dir, DK_BUNDLE_OBJECTS)) ||
        (err = dk_fs_join(c.partdir, sizeof c.partdir, c.data_dir, "partial")) ||
        (err = dk_bundle_db_path(c.data_dir, c.dbpath, sizeof c.dbpath)) ||
        (err = dk_fs_join(c.manifest_path, sizeof c.manifest_path, c.data_dir, "manifest.signed")))
        return err;
    pthread_mutex_lock(&s->lock);
    s->status.running = 1;
    s->status.bytes_done = s->status.bytes_total = 0;
    pthread_mutex_unlock(&s->lock);
    double t0 = dk_http_monotonic();
    dk_sync_result result = DK_SYNC_FAILED;
    err = run(&c, &result);
    char message[DK_SYNC_ERROR_MAX] = "";
    if (err) {
        copy_text(message, sizeof message, dk_error_detail());
        dk_warn("sync: %s", message);
    } else if (result == DK_SYNC_UPDATED) {
        dk_info("sync: release %lld installed: %u files, %.1f MiB downloaded in %.1f s",
                c.content_version, c.fetched, (double)c.downloaded / 1048576.0,
                dk_http_monotonic() - t0);
    } else {
        dk_info("sync: release %lld is current", c.content_version);
    }
    read_content_info(&c);
    if (c.db) {
        pthread_mutex_lock(&s->lock);
        if (c.st.time_floor > s->time_floor)
            s->time_floor = c.st.time_floor;
        pthread_mutex_unlock(&s->lock);
    }
    /* Registrations go whatever became of the content: the hub's API may work while the
     * release files do not (a mirror is down), or the other way round. Only not while another
     * process syncs this data folder (it uploads them). */
    if (!atomic_load(&s->cancel) && (upload_always || !upload_backing_off(s))) {
        if (!c.locked && c.lock_fd < 0 && cycle_lock(&c) != DK_OK)
            dk_debug("sync: no registration upload now: %s", dk_error_detail());
        if (c.locked) {
            set_phase(s, "upload");
            double deadline = t0 + (double)s->cfg.sync_cycle_deadline_s,
                   least = dk_http_monotonic() + DK_SYNC_UPLOAD_MIN_S;
            upload u;
            upload_pass(s, deadline > least ? deadline : least, &u);
            upload_apply(s, &u);
        }
    }
    int cancelled = atomic_load(&s->cancel);

    pthread_mutex_lock(&s->lock);
    dk_sync_status *st = &s->status;
    st->content_version = c.content_version;
    snprintf(st->content_issued, sizeof st->content_issued, "%s", c.content_issued);
    if (cancelled) { /* stopped from outside: not a failure of the hub, nothing to report */
        st->running = 0;
        st->phase[0] = '\0';
        pthread_mutex_unlock(&s->lock);
        state_free(&c.st);
        dk_http_free(c.http);
        if (c.db)
            sqlite3_close(c.db);
        if (c.lock_fd >= 0)
            close(c.lock_fd);
        notify(s, DK_SYNC_EVENT_STATUS);
        return dk_error_set(err ? err : DK_ERR_NETWORK, "the sync was stopped");
    }
    st->last_attempt = c.now;
    st->last_result = result;
    copy_text(st->last_error, sizeof st->last_error, message);
    if (result == DK_SYNC_CURRENT || result == DK_SYNC_UPDATED) {
        st->last_success = c.now;
        st->failures = 0;
    } else {
        st->failures++;
    }
    st->last_downloaded = c.downloaded;
    if (c.db) {
        long long t = c.now > c.st.time_floor ? c.now : c.st.time_floor;
        st->stale_at = c.st.ts_expires;
        st->stale = c.st.ts_expires > 0 && c.st.ts_expires <= t;
    }
    snprintf(st->phase, sizeof st->phase, "heartbeat");
    dk_sync_status snapshot = *st;
    pthread_mutex_unlock(&s->lock);
    notify(s, DK_SYNC_EVENT_STATUS);

    dk_err hb = send_heartbeat(s, &snapshot);
    pthread_mutex_lock(&s->lock);
    if (hb == DK_OK) {
        st->last_heartbeat = wall_now(s);
        st->heartbeat_error[0] = '\0';
    } else {
        copy_text(st->heartbeat_error, sizeof st->heartbeat_error, dk_error_detail());
    }
    snapshot = *st;
    pthread_mutex_unlock(&s->lock);
    if (hb != DK_OK && hb != DK_ERR_INVALID)
        dk_warn("sync: heartbeat: %s", snapshot.heartbeat_error);
    if (c.db && state_save_result(c.db, &snapshot) != DK_OK)
        dk_warn("sync: %s", dk_error_detail());

    state_free(&c.st);
    dk_http_free(c.http);
    if (c.db)
        sqlite3_close(c.db);
    if (c.lock_fd >= 0)
        close(c.lock_fd); /* releases the flock */
    pthread_mutex_lock(&s->lock);
    st->running = 0;
    st->phase[0] = '\0';
    pthread_mutex_unlock(&s->lock);
    notify(s, DK_SYNC_EVENT_STATUS);
    if (err)
        return dk_error_set(err, "%s", message);
    return DK_OK;
}

dk_err dk_sync_run_cycle(dk_sync *s)
{
    pthread_mutex_lock(&s->cycle_lock);
    dk_err err = cycle_locked(s, 1);
    pthread_mutex_unlock(&s->cycle_lock);
    return err;
}

/* An upload pass between cycles (a registration was just stored, or a failed one is due
 * again), with a heartbeat when it delivered or refused anything so that the hub's device list
 * shows the new backlog. */
static void upload_alone(dk_sync *s)
{
    pthread_mutex_lock(&s->cycle_lock);
    cycle c;
    memset(&c, 0, sizeof c);
    c.lock_fd = -1;
    snprintf(c.data_dir, sizeof c.data_dir, "%s", s->cfg.data_dir);
    if (cycle_lock(&c) != DK_OK) { /* another process syncs this folder: it uploads them */
        dk_debug("sync: no registration upload now: %s", dk_error_detail());
        pthread_mutex_lock(&s->lock);
        s->upload_due = dk_http_monotonic() + DK_SYNC_BACKOFF_FIRST_S;
        pthread_mutex_unlock(&s->lock);
    } else {
        pthread_mutex_lock(&s->lock);
        s->status.running = 1;
        pthread_mutex_unlock(&s->lock);
        set_phase(s, "upload");
        upload u;
        upload_pass(s, dk_http_monotonic() + (double)s->cfg.sync_cycle_deadline_s, &u);
        upload_apply(s, &u);
        if ((u.sent || u.refused) && !atomic_load(&s->cancel)) {
            set_phase(s, "heartbeat");
            pthread_mutex_lock(&s->lock);
            dk_sync_status snapshot = s->status;
            pthread_mutex_unlock(&s->lock);
            dk_err hb = send_heartbeat(s, &snapshot);
            pthread_mutex_lock(&s->lock);
            if (hb == DK_OK) {
                s->status.last_heartbeat = wall_now(s);
                s->status.heartbeat_error[0] = '\0';
            } else {
                copy_text(s->status.heartbeat_error, sizeof s->status.heartbeat_error,
                          dk_error_detail());
            }
            pthread_mutex_unlock(&s->lock);
        }
        pthread_mutex_lock(&s->lock);
        s->status.running = 0;
        s->status.phase[0] = '\0';
        pthread_mutex_unlock(&s->lock);
        notify(s, DK_SYNC_EVENT_STATUS);
    }
    if (c.lock_fd >= 0)
        close(c.lock_fd);
    pthread_mutex_unlock(&s->cycle_lock);
}

/* ---- Making one, and the worker ---- */

static dk_err check_url(const dk_config *cfg, const char *name, const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return DK_OK;
    if (strncmp(url, "http://", 7) == 0) {
        if (cfg->sync_allow_http && dk_http_is_loopback_url(url))
            return DK_OK;
        return dk_error_set(DK_ERR_INVALID,
                            "%s must start with https:// (plain http only for a loopback host "
                            "with sync_allow_http = true)",
                            name);
    }
    return dk_error_set(DK_ERR_INVALID, "%s must be an https:// address", name);
}

dk_err dk_sync_new(const dk_config *cfg, const dk_sync_options *opt, dk_sync **out)
{
    *out = NULL;
    const char *base = cfg->sync_url[0] ? cfg->sync_url : cfg->hub_url;
    if (!base[0])
        return dk_error_set(DK_ERR_INVALID, "sync is not configured: set hub_url (or sync_url)");
    dk_err err = check_url(cfg, cfg->sync_url[0] ? "sync_url" : "hub_url", base);
    if (!err && cfg->hub_url[0])
        err = check_url(cfg, "hub_url", cfg->hub_url);
    if (err)
        return err;
    if ((err = dk_crypto_init()))
        return err;
    dk_sync *s = calloc(1, sizeof *s);
    if (!s)
        return dk_error_set(DK_ERR_NOMEM, "sync: out of memory");
    s->cfg = *cfg;
    if ((err = dk_sign_keyring_add_text(&s->config_keys, cfg->trusted_keys))) {
        free(s);
        return dk_error_set(DK_ERR_INVALID, "trusted_keys: %s", dk_error_detail());
    }
    if (s->config_keys.count == 0) {
        free(s);
        return dk_error_set(DK_ERR_INVALID,
                            "trusted_keys is empty: the kiosk could not check any release (put the "
                            "hub's public key there)");
    }
    s->has_config_regkey =
        dk_sync_parse_registration_key(cfg->registration_pubkey, s->config_regkey) == DK_OK;
    strip_slashes(s->base_url, sizeof s->base_url, base);
    strip_slashes(s->hub_url, sizeof s->hub_url, cfg->hub_url);
    snprintf(s->bundle_dir, sizeof s->bundle_dir, "%s",
             opt && opt->bundle_dir ? opt->bundle_dir : "");
    snprintf(s->app_version, sizeof s->app_version, "%s",
             opt && opt->app_version ? opt->app_version : "");
    if (opt) {
        s->notify = opt->notify;
        s->notify_arg = opt->notify_arg;
        s->clock = opt->clock;
    }
    s->started = dk_http_monotonic();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->cycle_lock, NULL);
    atomic_init(&s->cancel, 0);
    s->status.configured = 1;

    /* The last known status, so that the staff screen has something before the first cycle. */
    cycle c;
    memset(&c, 0, sizeof c);
    c.s = s;
    snprintf(c.data_dir, sizeof c.data_dir, "%s", cfg->data_dir);
    if (dk_bundle_db_path(c.data_dir, c.dbpath, sizeof c.dbpath) == DK_OK) {
        read_content_info(&c);
        s->status.content_version = c.content_version;
        snprintf(s->status.content_issued, sizeof s->status.content_issued, "%s", c.content_issued);
    }
    char path[PATH_MAX_];
    sqlite3 *db = NULL;
    if (dk_fs_join(path, sizeof path, cfg->data_dir, "sync.db") == DK_OK && dk_fs_exists(path) &&
        state_open(cfg->data_dir, &db) == DK_OK && state_load(db, &c.st) == DK_OK) {
        status_from_state(s, &c.st, wall_now(s));
        s->time_floor = c.st.time_floor;
        if (c.st.has_regkey) {
            memcpy(s->regkey, c.st.regkey, sizeof s->regkey);
            s->has_regkey = 1;
        }
    }
    state_free(&c.st);
    sqlite3_close(db);
    /* ... and the registrations waiting, if this kiosk ever stored one. */
    if (outbox_exists(s)) {
        dk_outbox_options oo;
        dk_sync_outbox_options(cfg, &oo);
        dk_outbox *ob = NULL;
        dk_outbox_stats os;
        if (dk_outbox_open(cfg->data_dir, &oo, &ob) == DK_OK &&
            dk_outbox_stats_get(ob, upload_now(s), &os) == DK_OK) {
            s->backlog = s->status.backlog = os.backlog;
            s->quarantined = s->status.quarantined = os.quarantined;
        }
        dk_outbox_close(ob);
    }
    *out = s;
    return DK_OK;
}

static void *worker(void *arg)
{
    dk_sync *s = arg;
#ifdef __linux__
    /* Hashing and building the database must not take the CPU from the UI's frames: on Linux
     * nice is per thread. Failing to lower it is harmless. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), DK_SYNC_NICE) != 0)
        dk_debug("sync: cannot lower the worker's priority: %s", strerror(errno));
#endif
    double due = dk_http_monotonic() + DK_SYNC_FIRST_DELAY_S;
    pthread_mutex_lock(&s->lock);
    s->status.next_attempt = wall_now(s) + DK_SYNC_FIRST_DELAY_S;
    for (;;) {
        /* Sleep until the next cycle, a request, or an upload pass of its own. */
        for (;;) {
            double mono = dk_http_monotonic();
            if (s->stopping || s->request || s->upload_request || mono >= due ||
                (s->upload_due > 0 && mono >= s->upload_due))
                break;
            double at = s->upload_due > 0 && s->upload_due < due ? s->upload_due : due;
            struct timespec ts;
            ts.tv_sec = (time_t)at;
            ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&s->wake, &s->lock, &ts);
        }
        if (s->stopping)
            break;
        int asked = s->request, cycle_due = asked || dk_http_monotonic() >= due;
        s->request = 0;
        s->upload_request = 0;
        pthread_mutex_unlock(&s->lock);
        if (!cycle_due) { /* registrations only; the content keeps its schedule */
            upload_alone(s);
            pthread_mutex_lock(&s->lock);
            continue;
        }
        pthread_mutex_lock(&s->cycle_lock);
        dk_err err = cycle_locked(s, asked);
        pthread_mutex_unlock(&s->cycle_lock);
        (void)err; /* the status holds the outcome */
        pthread_mutex_lock(&s->lock);
        double delay = dk_sync_next_delay(s->status.failures, s->cfg.sync_interval_s, random01());
        due = dk_http_monotonic() + delay;
        s->status.next_attempt = wall_now(s) + (long long)delay;
        pthread_mutex_unlock(&s->lock);
        notify(s, DK_SYNC_EVENT_STATUS);
        pthread_mutex_lock(&s->lock);
    }
    s->status.next_attempt = 0;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

dk_err dk_sync_start(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->thread_running) {
        pthread_mutex_unlock(&s->lock);
        return dk_error_set(DK_ERR_INVALID, "the sync worker runs already");
    }
    s->stopping = 0;
    atomic_store(&s->cancel, 0);
    int rc = pthread_create(&s->thread, NULL, worker, s);
    s->thread_running = rc == 0;
    pthread_mutex_unlock(&s->lock);
    if (rc != 0)
        return dk_error_set(DK_ERR_NOMEM, "cannot start the sync thread: %s", strerror(rc));
    return DK_OK;
}

void dk_sync_request_now(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    s->request = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void dk_sync_request_upload(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    s->upload_request = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

long long dk_sync_time_floor(dk_sync *s)
{
    return floor_of(s);
}

void dk_sync_get_status(dk_sync *s, dk_sync_status *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->status;
    pthread_mutex_unlock(&s->lock);
}

void dk_sync_set_backlog(dk_sync *s, long long backlog, long long quarantined)
{
    pthread_mutex_lock(&s->lock);
    s->backlog = s->status.backlog = backlog;
    s->quarantined = s->status.quarantined = quarantined;
    pthread_mutex_unlock(&s->lock);
}

void dk_sync_stop(dk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    int running = s->thread_running;
    s->stopping = 1;
    atomic_store(&s->cancel, 1);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (running)
        pthread_join(s->thread, NULL);
    pthread_mutex_lock(&s->lock);
    s->thread_running = 0;
    pthread_mutex_unlock(&s->lock);
}

void dk_sync_free(dk_sync *s)
{
    if (!s)
        return;
    dk_sync_stop(s);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->cycle_lock);
    dk_wipe(s->cfg.device_token, sizeof s->cfg.device_token);
    free(s);
}
