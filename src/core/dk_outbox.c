/* dk_outbox.c: the sealed-registration outbox in SQLite (WAL, synchronous=FULL). */
#include "dk_outbox.h"

#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(DK_OUTBOX_HUB_KEY_BYTES == crypto_box_PUBLICKEYBYTES, "hub key size");
_Static_assert(DK_OUTBOX_SEAL_OVERHEAD == crypto_box_SEALBYTES, "seal overhead");

/* Counts are kept by triggers in the same transaction as every change, so the limit check in
 * dk_outbox_add() and the stats read one row instead of scanning 100,000. AUTOINCREMENT keeps
 * ids from being reused, so an id the worker still holds can never name a newer record. */
static const char schema_sql[] =
    "CREATE TABLE outbox (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    idem_key TEXT NOT NULL UNIQUE CHECK (length(idem_key) = 32),\n"
    "    sealed BLOB NOT NULL CHECK (length(sealed) > 48),  -- crypto_box_seal output\n"
    "    created INTEGER NOT NULL,                           -- [s since 1970]\n"
    "    attempts INTEGER NOT NULL DEFAULT 0,                -- failed uploads\n"
    "    next_attempt INTEGER NOT NULL,                      -- [s since 1970]\n"
    "    last_error TEXT NOT NULL DEFAULT ''                 -- never personal\n"
    ") STRICT;\n"
    "CREATE TABLE quarantine (\n"
    "    id INTEGER PRIMARY KEY,                             -- its id in outbox\n"
    "    idem_key TEXT NOT NULL UNIQUE,\n"
    "    sealed BLOB NOT NULL,\n"
    "    created INTEGER NOT NULL,\n"
    "    attempts INTEGER NOT NULL,\n"
    "    last_error TEXT NOT NULL,\n"
    "    quarantined INTEGER NOT NULL,                       -- [s since 1970]\n"
    "    reason TEXT NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE counts (\n"
    "    tbl TEXT PRIMARY KEY,                               -- 'outbox' or 'quarantine'\n"
    "    records INTEGER NOT NULL,\n"
    "    bytes INTEGER NOT NULL                              -- sum of length(sealed)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "INSERT INTO counts VALUES ('outbox', 0, 0), ('quarantine', 0, 0);\n"
    "CREATE TRIGGER outbox_added AFTER INSERT ON outbox BEGIN\n"
    "    UPDATE counts SET records = records + 1, bytes = bytes + length(NEW.sealed)\n"
    "        WHERE tbl = 'outbox';\n"
    "END;\n"
    "CREATE TRIGGER outbox_removed AFTER DELETE ON outbox BEGIN\n"
    "    UPDATE counts SET records = records - 1, bytes = bytes - length(OLD.sealed)\n"
    "        WHERE tbl = 'outbox';\n"
    "END;\n"
    "CREATE TRIGGER quarantine_added AFTER INSERT ON quarantine BEGIN\n"
    "    UPDATE counts SET records = records + 1, bytes = bytes + length(NEW.sealed)\n"
    "        WHERE tbl = 'quarantine';\n"
    "END;\n"
    "CREATE TRIGGER quarantine_removed AFTER DELETE ON quarantine BEGIN\n"
    "    UPDATE counts SET records = records - 1, bytes = bytes - length(OLD.sealed)\n"
    "        WHERE tbl = 'quarantine';\n"
    "END;\n";

enum statement {
    S_TOTALS,
    S_INSERT,
    S_NEXT,
    S_DELETE,
    S_ATTEMPTS,
    S_RESCHEDULE,
    S_QUARANTINE,
    S_STATS,
    S_SUMMARY_COUNTS,
    S_SUMMARY_GROUPS,
    S_QUARANTINED,
    S_RELEASE,
    S_DELETE_QUARANTINED,
    S_COUNT
};

_Static_assert(DK_OUTBOX_CAUSE_HUB == 0 && DK_OUTBOX_CAUSE_DAMAGED == 1 &&
                   DK_OUTBOX_CAUSE_OTHER == 2,
               "S_SUMMARY_GROUPS writes the causes as numbers");

static const char *const statement_sql[S_COUNT] = {
    [S_TOTALS] = "SELECT sum(records), sum(bytes) FROM counts",
    [S_INSERT] = "INSERT INTO outbox (idem_key, sealed, created, next_attempt)"
                 " VALUES (:key, :sealed, :created, :created)",
    [S_NEXT] = "SELECT id, idem_key, sealed, created, attempts, next_attempt FROM outbox"
               " WHERE next_attempt <= :now OR next_attempt > :far ORDER BY id LIMIT 1",
    [S_DELETE] = "DELETE FROM outbox WHERE id = :id",
    [S_ATTEMPTS] = "SELECT attempts FROM outbox WHERE id = :id",
    [S_RESCHEDULE] = "UPDATE outbox SET attempts = attempts + 1, next_attempt = :next,"
                     " last_error = :error WHERE id = :id",
    [S_QUARANTINE] = "INSERT INTO quarantine"
                     " (id, idem_key, sealed, created, attempts, last_error, quarantined, reason)"
                     " SELECT id, idem_key, sealed, created, attempts, last_error, :now, :reason"
                     " FROM outbox WHERE id = :id",
    [S_STATS] = "SELECT"
                " (SELECT records FROM counts WHERE tbl = 'outbox'),"
                " (SELECT bytes FROM counts WHERE tbl = 'outbox'),"
                " (SELECT records FROM counts WHERE tbl = 'quarantine'),"
                " (SELECT bytes FROM counts WHERE tbl = 'quarantine'),"
                " (SELECT created FROM outbox ORDER BY id LIMIT 1),"
                " (SELECT count(*) FROM outbox WHERE next_attempt <= :now OR next_attempt > :far),"
                " (SELECT coalesce(max(attempts), 0) FROM outbox)",
    [S_SUMMARY_COUNTS] = "SELECT"
                         " (SELECT records FROM counts WHERE tbl = 'outbox'),"
                         " (SELECT bytes FROM counts WHERE tbl = 'quarantine')",
    /* The reasons dk_sync writes: "refused by the hub (400): ..." (the status is characters
     * 21 to 23) and "damaged in the kiosk's outbox". Grouped by cause, not by the whole text,
     * which also carries the hub's message and would make a group of nearly every record. */
    [S_SUMMARY_GROUPS] =
        "SELECT cause, status, count(*), max(quarantined) FROM ("
        " SELECT CASE WHEN reason GLOB 'refused by the hub ([0-9][0-9][0-9])*' THEN 0"
        "             WHEN reason GLOB 'damaged *' THEN 1 ELSE 2 END AS cause,"
        "        CASE WHEN reason GLOB 'refused by the hub ([0-9][0-9][0-9])*'"
        "             THEN CAST(substr(reason, 21, 3) AS INTEGER) ELSE 0 END AS status,"
        "        quarantined FROM quarantine)"
        " GROUP BY cause, status ORDER BY count(*) DESC, max(quarantined) DESC, cause, status",
    [S_QUARANTINED] = "SELECT records FROM counts WHERE tbl = 'quarantine'",
    /* Its old id is free: AUTOINCREMENT never gave it to another record. */
    [S_RELEASE] = "INSERT INTO outbox"
                  " (id, idem_key, sealed, created, attempts, next_attempt, last_error)"
                  " SELECT id, idem_key, sealed, created, 0, :now, '' FROM quarantine ORDER BY id",
    [S_DELETE_QUARANTINED] = "DELETE FROM quarantine",
};

struct dk_outbox {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    dk_outbox_options opts;
};

/* ==== SQLite helpers ==== */

/* The one place where SQLite's result codes become ours; the detail carries sqlite3_errmsg
 * (which never quotes a record: only keys, times and counts are bound as text or numbers). */
static dk_err db_error(sqlite3 *db, int rc, const char *what)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xFF) {
    case SQLITE_FULL:
        return dk_error_set(DK_ERR_NOSPACE, "outbox: %s: the disk is full (%s)", what, msg);
    case SQLITE_NOMEM:
        return dk_error_set(DK_ERR_NOMEM, "outbox: %s: %s", what, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return dk_error_set(DK_ERR_CORRUPT, "outbox: %s: %s", what, msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return dk_error_set(DK_ERR_IO, "outbox: %s: %s", what, msg);
    default:
        return dk_error_set(DK_ERR_DB, "outbox: %s: %s", what, msg);
    }
}

static dk_err exec_sql(sqlite3 *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? DK_OK : db_error(db, rc, what);
}

/* Binding by parameter name; the first failure stays in *rc, so a row of binds is checked once. */
static void bind_int(sqlite3_stmt *st, int *rc, const char *name, int64_t v)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    *rc = i == 0 ? SQLITE_RANGE : sqlite3_bind_int64(st, i, v);
}

static void bind_text(sqlite3_stmt *st, int *rc, const char *name, const char *v)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    *rc = i == 0 ? SQLITE_RANGE : sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_blob(sqlite3_stmt *st, int *rc, const char *name, const void *v, size_t n)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    *rc = i == 0 ? SQLITE_RANGE : sqlite3_bind_blob(st, i, v, (int)n, SQLITE_STATIC);
}

/* Takes a prepared statement, reset and with no bindings left from its last use. */
static sqlite3_stmt *stmt(dk_outbox *ob, enum statement which)
{
    sqlite3_stmt *st = ob->st[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Runs a statement that returns no rows; *changes (may be NULL) gets the rows it changed. */
static dk_err run(dk_outbox *ob, sqlite3_stmt *st, int bind_rc, const char *what, int *changes)
{
    int rc = bind_rc == SQLITE_OK ? sqlite3_step(st) : bind_rc;
    dk_err err = rc == SQLITE_DONE ? DK_OK : db_error(ob->db, rc, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (changes)
        *changes = sqlite3_changes(ob->db);
    return err;
}

static dk_err begin(dk_outbox *ob)
{
    return exec_sql(ob->db, "BEGIN IMMEDIATE", "starting a transaction");
}

/* Ends a write transaction: COMMIT when err is DK_OK, else ROLLBACK (whose own failure is
 * only logged: SQLite rolls back a failed transaction by itself at the latest on close).
 * Returns err, or the COMMIT's error. */
static dk_err finish(dk_outbox *ob, dk_err err)
{
    if (err == DK_OK) {
        err = exec_sql(ob->db, "COMMIT", "committing");
        if (err == DK_OK)
            return DK_OK;
    }
    if (!sqlite3_get_autocommit(ob->db)) {
        int rc = sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            dk_warn("outbox: rollback failed: %s", sqlite3_errmsg(ob->db));
    }
    return err;
}

/* Copies an error text for storage: printable ASCII only (other bytes become '?'), at most
 * DK_OUTBOX_ERROR_MAX bytes. */
static void clean_text(const char *in, char out[DK_OUTBOX_ERROR_MAX + 1])
{
    size_t n = 0;
    for (; in && in[n] && n < DK_OUTBOX_ERROR_MAX; n++)
        out[n] = in[n] >= 0x20 && in[n] <= 0x7E ? in[n] : '?';
    out[n] = '\0';
}

/* ==== Opening ==== */

void dk_outbox_options_default(dk_outbox_options *o)
{
    o->max_records = DK_OUTBOX_DEFAULT_MAX_RECORDS;
    o->max_bytes = DK_OUTBOX_DEFAULT_MAX_BYTES;
    o->retry_min_s = DK_OUTBOX_DEFAULT_RETRY_MIN_S;
    o->retry_max_s = DK_OUTBOX_DEFAULT_RETRY_MAX_S;
    o->busy_timeout_ms = DK_OUTBOX_DEFAULT_BUSY_TIMEOUT_MS;
}

static dk_err check_options(const dk_outbox_options *o)
{
    if (o->max_records < 1 || o->max_bytes < DK_OUTBOX_SEALED_MAX || o->retry_min_s < 1 ||
        o->retry_max_s < o->retry_min_s || o->retry_max_s > (INT64_C(1) << 40) ||
        o->busy_timeout_ms < 0)
        return dk_error_set(DK_ERR_INVALID, "outbox: options out of range");
    return DK_OK;
}

/* A pragma that answers one text value, which must be expected. */
static dk_err pragma_expect(sqlite3 *db, const char *sql, const char *expected)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    int ok = 0;
    char got[32] = "";
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        snprintf(got, sizeof got, "%s", v ? v : "");
        ok = strcmp(got, expected) == 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return db_error(db, rc, sql);
    if (!ok)
        return dk_error_set(DK_ERR_DB, "outbox: \"%s\" answered \"%s\", not \"%s\"", sql, got,
                            expected);
    return DK_OK;
}

static dk_err query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? DK_OK : db_error(db, rc, sql);
}

/* Creates the tables in an empty file, or checks that the file holds this layout. Runs in a
 * write transaction, so two connections opening a new file at once create it once. */
static dk_err ensure_schema(dk_outbox *ob)
{
    dk_err err = begin(ob);
    if (err)
        return err;
    int64_t version = 0, objects = 0;
    if (!(err = query_int(ob->db, "PRAGMA user_version", &version)) &&
        !(err = query_int(ob->db, "SELECT count(*) FROM sqlite_schema", &objects))) {
        if (version == 0 && objects == 0)
            err = exec_sql(ob->db, schema_sql, "creating the tables");
        else if (version == 0)
            err = dk_error_set(DK_ERR_CORRUPT, "outbox: the file holds another program's "
                                               "tables; it is left untouched");
        else if (version != DK_OUTBOX_SCHEMA)
            err = dk_error_set(DK_ERR_CORRUPT,
                               "outbox: the file has layout %lld, this program knows %d; "
                               "it is left untouched",
                               (long long)version, DK_OUTBOX_SCHEMA);
        if (!err && version == 0)
            err = exec_sql(ob->db, "PRAGMA user_version = 1", "setting the layout version");
        _Static_assert(DK_OUTBOX_SCHEMA == 1, "the version is written literally above");
    }
    return finish(ob, err);
}

static dk_err open_db(dk_outbox *ob, const char *data_dir)
{
    char path[4096];
    dk_err err = dk_fs_join(path, sizeof path, data_dir, DK_OUTBOX_FILE);
    if (err)
        return err;

    /* Create the file ourselves so that it (and the -wal and -shm files SQLite gives the same
     * mode) is readable by the kiosk's user only. */
    int created = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        created = 1;
        close(fd);
    } else if (errno != EEXIST) {
        return dk_error_set(dk_error_from_errno(errno), "outbox: cannot create %s: %s", path,
                            strerror(errno));
    }

    int rc = sqlite3_open_v2(path, &ob->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK)
        return db_error(ob->db, rc, "opening");
    sqlite3_extended_result_codes(ob->db, 1);
    sqlite3_db_config(ob->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_busy_timeout(ob->db, ob->opts.busy_timeout_ms);

    if ((err = pragma_expect(ob->db, "PRAGMA journal_mode = WAL", "wal")) ||
        (err = exec_sql(ob->db,
                        "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;"
                        " PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF;"
                        " PRAGMA journal_size_limit = 4194304;", /* [bytes] WAL kept after a
                                                                    checkpoint */
                        "setting up the connection")) ||
        (err = pragma_expect(ob->db, "PRAGMA synchronous", "2")) ||
        (err = pragma_expect(ob->db, "PRAGMA secure_delete", "1")) ||
        (err = ensure_schema(ob)))
        return err;
    if (created && (err = dk_fs_sync_dir(data_dir)))
        return err;

    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(ob->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *result = (const char *)sqlite3_column_text(st, 0);
        if (!result || strcmp(result, "ok") != 0)
            err = dk_error_set(DK_ERR_CORRUPT, "outbox: %s fails its check: %.200s", path,
                               result ? result : "(no result)");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        err = db_error(ob->db, rc, "checking the file");
    if (err)
        return err;

    for (int i = 0; i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(ob->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &ob->st[i], NULL);
        if (rc != SQLITE_OK)
            return db_error(ob->db, rc, "preparing the statements");
    }
    return DK_OK;
}

dk_err dk_outbox_open(const char *data_dir, const dk_outbox_options *opts, dk_outbox **out)
{
    *out = NULL;
    dk_outbox_options defaults;
    dk_outbox_options_default(&defaults);
    if (!opts)
        opts = &defaults;
    dk_err err = check_options(opts);
    if (err || (err = dk_crypto_init()))
        return err;
    dk_outbox *ob = calloc(1, sizeof *ob);
    if (!ob)
        return dk_error_set(DK_ERR_NOMEM, "outbox: out of memory");
    ob->opts = *opts;
    if ((err = open_db(ob, data_dir))) {
        dk_outbox_close(ob);
        return err;
    }
    *out = ob;
    return DK_OK;
}

void dk_outbox_close(dk_outbox *ob)
{
    if (!ob)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(ob->st[i]);
    if (ob->db && sqlite3_close(ob->db) != SQLITE_OK)
        dk_warn("outbox: close failed: %s", sqlite3_errmsg(ob->db));
    free(ob);
}

/* ==== Adding ==== */

/* Inserts one sealed record in a transaction of its own, checking the limits first. */
static dk_err insert_sealed(dk_outbox *ob, const unsigned char *sealed, size_t sealed_len,
                            const char *key, int64_t created)
{
    dk_err err = begin(ob);
    if (err)
        return err;
    if ((err = dk_fault_point("outbox.add.begin")))
        return finish(ob, err);

    sqlite3_stmt *st = stmt(ob, S_TOTALS);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        err = db_error(ob->db, rc, "counting the records");
    } else {
        int64_t records = sqlite3_column_int64(st, 0), bytes = sqlite3_column_int64(st, 1);
        if (records + 1 > ob->opts.max_records || bytes + (int64_t)sealed_len > ob->opts.max_bytes)
            err = dk_error_set(DK_ERR_LIMIT,
                               "the outbox is full (%lld records, %lld bytes; at most %lld "
                               "records, %lld bytes): no registration can be taken until the "
                               "kiosk reaches the hub or staff empty the quarantine",
                               (long long)records, (long long)bytes,
                               (long long)ob->opts.max_records, (long long)ob->opts.max_bytes);
    }
    sqlite3_reset(st);
    if (err)
        return finish(ob, err);

    st = stmt(ob, S_INSERT);
    int brc = SQLITE_OK;
    bind_text(st, &brc, ":key", key);
    bind_blob(st, &brc, ":sealed", sealed, sealed_len);
    bind_int(st, &brc, ":created", created);
    if ((err = run(ob, st, brc, "storing the registration", NULL)) ||
        (err = dk_fault_point("outbox.add.commit")))
        return finish(ob, err);
    return finish(ob, DK_OK);
}

dk_err dk_outbox_add(dk_outbox *ob, const dk_signup *rec,
                     const unsigned char hub_pubkey[DK_OUTBOX_HUB_KEY_BYTES],
                     char idem_key_out[DK_OUTBOX_IDEM_KEY_HEX])
{
    if (!ob || !rec || !hub_pubkey || !idem_key_out)
        return dk_error_set(DK_ERR_INVALID, "outbox: missing argument");

    /* The plaintext exists only in this stack buffer, between writing and sealing. */
    char plain[DK_SIGNUP_JSON_MAX];
    unsigned char sealed[DK_OUTBOX_SEALED_MAX];
    size_t plain_len = 0;
    dk_err err = dk_signup_to_json(rec, plain, sizeof plain, &plain_len);
    if (err == DK_OK &&
        crypto_box_seal(sealed, (const unsigned char *)plain, plain_len, hub_pubkey) != 0)
        err = dk_error_set(DK_ERR_CRYPTO, "outbox: the hub's registration key is not usable");
    sodium_memzero(plain, sizeof plain);
    if (err)
        return err;
    size_t sealed_len = plain_len + crypto_box_SEALBYTES;

    unsigned char key_bin[DK_OUTBOX_IDEM_KEY_BYTES];
    char key[DK_OUTBOX_IDEM_KEY_HEX];
    randombytes_buf(key_bin, sizeof key_bin);
    dk_hex_encode(key_bin, sizeof key_bin, key);

    if ((err = insert_sealed(ob, sealed, sealed_len, key, rec->created)))
        return err;
    /* Committed: the record is stored whatever happens now. A fault here (a test's power cut
     * between the commit and "Thank you") must not turn into an error. */
    if (dk_fault_point("outbox.add.committed") != DK_OK)
        dk_error_clear();
    memcpy(idem_key_out, key, sizeof key);
    return DK_OK;
}

/* ==== Uploading ==== */

static int64_t far_ahead(const dk_outbox *ob, int64_t now)
{
    return now + 2 * ob->opts.retry_max_s;
}

static int idem_key_valid(const char *s)
{
    for (int i = 0; i < 2 * DK_OUTBOX_IDEM_KEY_BYTES; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[2 * DK_OUTBOX_IDEM_KEY_BYTES] == '\0';
}

dk_err dk_outbox_next(dk_outbox *ob, int64_t now, dk_outbox_record *out)
{
    sqlite3_stmt *st = stmt(ob, S_NEXT);
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":now", now);
    bind_int(st, &rc, ":far", far_ahead(ob, now));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND, "outbox: no record is due");
    } else if (rc != SQLITE_ROW) {
        err = db_error(ob->db, rc, "finding the next record");
    } else {
        const char *key = (const char *)sqlite3_column_text(st, 1);
        const void *sealed = sqlite3_column_blob(st, 2);
        int n = sqlite3_column_bytes(st, 2);
        out->id = sqlite3_column_int64(st, 0);
        if (!key || strlen(key) != 2 * DK_OUTBOX_IDEM_KEY_BYTES || !idem_key_valid(key) ||
            !sealed || n <= DK_OUTBOX_SEAL_OVERHEAD || n > DK_OUTBOX_SEALED_MAX) {
            err = dk_error_set(DK_ERR_CORRUPT, "outbox: record %lld is damaged",
                               (long long)out->id);
        } else {
            memcpy(out->idem_key, key, DK_OUTBOX_IDEM_KEY_HEX);
            memcpy(out->sealed, sealed, (size_t)n);
            out->sealed_len = (size_t)n;
            out->created = sqlite3_column_int64(st, 3);
            out->attempts = sqlite3_column_int64(st, 4);
            out->next_attempt = sqlite3_column_int64(st, 5);
        }
    }
    sqlite3_reset(st);
    return err;
}

dk_err dk_outbox_ack(dk_outbox *ob, int64_t id)
{
    dk_err err = begin(ob);
    if (err)
        return err;
    int changes = 0;
    sqlite3_stmt *st = stmt(ob, S_DELETE);
    int brc = SQLITE_OK;
    bind_int(st, &brc, ":id", id);
    if (!(err = dk_fault_point("outbox.ack.begin")) &&
        !(err = run(ob, st, brc, "deleting an acknowledged record", &changes)) && changes == 0)
        err = dk_error_set(DK_ERR_NOTFOUND, "outbox: no record %lld", (long long)id);
    if (!err)
        err = dk_fault_point("outbox.ack.commit");
    return finish(ob, err);
}

/* min(retry_min_s * 2^(attempt-1), retry_max_s), +- the jitter; at least 1 s. */
static int64_t retry_delay(const dk_outbox *ob, int64_t attempt)
{
    int64_t delay = ob->opts.retry_min_s;
    for (int64_t i = 1; i < attempt && delay < ob->opts.retry_max_s; i++)
        delay *= 2;
    if (delay > ob->opts.retry_max_s)
        delay = ob->opts.retry_max_s;
    int64_t pct = 100 - DK_OUTBOX_RETRY_JITTER_PCT +
                  (int64_t)randombytes_uniform(2 * DK_OUTBOX_RETRY_JITTER_PCT + 1);
    delay = delay * pct / 100;
    return delay < 1 ? 1 : delay;
}

dk_err dk_outbox_retry(dk_outbox *ob, int64_t id, const char *error, int64_t now,
                       int64_t *delay_s)
{
    char text[DK_OUTBOX_ERROR_MAX + 1];
    clean_text(error, text);
    dk_err err = begin(ob);
    if (err)
        return err;
    sqlite3_stmt *st = stmt(ob, S_ATTEMPTS);
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":id", id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int64_t attempts = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return finish(ob, dk_error_set(DK_ERR_NOTFOUND, "outbox: no record %lld", (long long)id));
    if (rc != SQLITE_ROW)
        return finish(ob, db_error(ob->db, rc, "reading a record's attempts"));

    int64_t delay = retry_delay(ob, attempts + 1);
    st = stmt(ob, S_RESCHEDULE);
    int brc = SQLITE_OK;
    bind_int(st, &brc, ":next", now + delay);
    bind_text(st, &brc, ":error", text);
    bind_int(st, &brc, ":id", id);
    if (!(err = dk_fault_point("outbox.retry.begin")) &&
        !(err = run(ob, st, brc, "rescheduling a record", NULL)))
        err = dk_fault_point("outbox.retry.commit");
    if ((err = finish(ob, err)))
        return err;
    if (delay_s)
        *delay_s = delay;
    return DK_OK;
}

dk_err dk_outbox_quarantine(dk_outbox *ob, int64_t id, const char *reason, int64_t now)
{
    char text[DK_OUTBOX_ERROR_MAX + 1];
    clean_text(reason, text);
    dk_err err = begin(ob);
    if (err)
        return err;
    int changes = 0;
    sqlite3_stmt *st = stmt(ob, S_QUARANTINE);
    int brc = SQLITE_OK;
    bind_int(st, &brc, ":now", now);
    bind_text(st, &brc, ":reason", text);
    bind_int(st, &brc, ":id", id);
    if ((err = dk_fault_point("outbox.quarantine.begin")) ||
        (err = run(ob, st, brc, "quarantining a record", &changes)))
        return finish(ob, err);
    if (changes == 0)
        return finish(ob, dk_error_set(DK_ERR_NOTFOUND, "outbox: no record %lld", (long long)id));
    st = stmt(ob, S_DELETE);
    brc = SQLITE_OK;
    bind_int(st, &brc, ":id", id);
    if (!(err = dk_fault_point("outbox.quarantine.copied")) &&
        !(err = run(ob, st, brc, "removing a quarantined record", NULL)))
        err = dk_fault_point("outbox.quarantine.commit");
    return finish(ob, err);
}

/* ==== Counting ==== */

dk_err dk_outbox_stats_get(dk_outbox *ob, int64_t now, dk_outbox_stats *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = stmt(ob, S_STATS);
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":now", now);
    bind_int(st, &rc, ":far", far_ahead(ob, now));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_ROW) {
        out->backlog = sqlite3_column_int64(st, 0);
        out->backlog_bytes = sqlite3_column_int64(st, 1);
        out->quarantined = sqlite3_column_int64(st, 2);
        out->quarantine_bytes = sqlite3_column_int64(st, 3);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            int64_t age = now - sqlite3_column_int64(st, 4);
            out->oldest_age_s = age > 0 ? age : 0;
        }
        out->due = sqlite3_column_int64(st, 5);
        out->max_attempts = sqlite3_column_int64(st, 6);
    } else {
        err = db_error(ob->db, rc, "counting");
    }
    sqlite3_reset(st);
    return err;
}

/* ==== For staff: the quarantine ==== */

/* Adds one group row to out, folding what does not fit into the last group. */
static void add_group(dk_outbox_summary *out, dk_outbox_cause cause, int status, int64_t count,
                      int64_t newest)
{
    out->quarantined += count;
    if (out->groups < DK_OUTBOX_SUMMARY_GROUPS) {
        out->group[out->groups++] = (dk_outbox_refusal){cause, status, count, newest};
        return;
    }
    dk_outbox_refusal *last = &out->group[DK_OUTBOX_SUMMARY_GROUPS - 1];
    last->cause = DK_OUTBOX_CAUSE_OTHER;
    last->status = 0;
    last->count += count;
    if (newest > last->newest)
        last->newest = newest;
}

dk_err dk_outbox_quarantine_summary(dk_outbox *ob, dk_outbox_summary *out)
{
    memset(out, 0, sizeof *out);
    /* A read transaction, so that the counts and the groups see the same moment. */
    dk_err err = exec_sql(ob->db, "BEGIN", "starting a read transaction");
    if (err)
        return err;
    sqlite3_stmt *st = stmt(ob, S_SUMMARY_COUNTS);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->backlog = sqlite3_column_int64(st, 0);
        out->quarantine_bytes = sqlite3_column_int64(st, 1);
        rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_OK)
        err = db_error(ob->db, rc, "counting");
    st = stmt(ob, S_SUMMARY_GROUPS);
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t cause = sqlite3_column_int64(st, 0), status = sqlite3_column_int64(st, 1);
        if (cause < DK_OUTBOX_CAUSE_HUB || cause > DK_OUTBOX_CAUSE_OTHER)
            cause = DK_OUTBOX_CAUSE_OTHER;
        add_group(out, (dk_outbox_cause)cause, cause == DK_OUTBOX_CAUSE_HUB ? (int)status : 0,
                  sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
    }
    if (!err && rc != SQLITE_DONE)
        err = db_error(ob->db, rc, "grouping the quarantine");
    sqlite3_reset(st);
    /* Nothing was written: COMMIT only ends the read; a failing one still fails the call. */
    err = finish(ob, err);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

/* The number of quarantined records, inside the caller's transaction. */
static dk_err quarantined_now(dk_outbox *ob, int64_t *out)
{
    sqlite3_stmt *st = stmt(ob, S_QUARANTINED);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? DK_OK : db_error(ob->db, rc, "counting the quarantine");
}

dk_err dk_outbox_release_quarantined(dk_outbox *ob, int64_t now, int64_t *released)
{
    if (released)
        *released = 0;
    dk_err err = begin(ob);
    if (err)
        return err;
    int64_t held = 0;
    int moved = 0, removed = 0;
    sqlite3_stmt *st = stmt(ob, S_RELEASE);
    int brc = SQLITE_OK;
    bind_int(st, &brc, ":now", now);
    if ((err = dk_fault_point("outbox.release.begin")) || (err = quarantined_now(ob, &held)) ||
        (err = run(ob, st, brc, "moving refused records back to the outbox", &moved)) ||
        (err = dk_fault_point("outbox.release.copied")) ||
        (err = run(ob, stmt(ob, S_DELETE_QUARANTINED), SQLITE_OK, "emptying the quarantine",
                   &removed)))
        return finish(ob, err);
    if (moved != removed || moved != held)
        return finish(ob, dk_error_set(DK_ERR_CORRUPT,
                                       "outbox: the quarantine's count (%lld) does not match its "
                                       "records (%d moved, %d removed): nothing was moved",
                                       (long long)held, moved, removed));
    if ((err = dk_fault_point("outbox.release.commit")))
        return finish(ob, err);
    if ((err = finish(ob, DK_OK)))
        return err;
    if (released)
        *released = moved;
    return DK_OK;
}

/* After a delete: gets the overwritten pages into outbox.db and empties the -wal file, where
 * older copies of them lived. Best effort and without waiting: with the busy handler off, a
 * reader on the other connection makes it return at once, and SQLite's next automatic
 * checkpoint does the rest. */
static void checkpoint_without_waiting(dk_outbox *ob)
{
    sqlite3_busy_timeout(ob->db, 0);
    int rc = sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(ob->db, ob->opts.busy_timeout_ms);
    if (rc != SQLITE_OK)
        dk_debug("outbox: checkpoint after deleting postponed: %s", sqlite3_errmsg(ob->db));
}

dk_err dk_outbox_delete_quarantined(dk_outbox *ob, int64_t expected, int64_t *deleted)
{
    if (deleted)
        *deleted = 0;
    if (expected < DK_OUTBOX_ANY_COUNT)
        return dk_error_set(DK_ERR_INVALID, "outbox: expected count %lld out of range",
                            (long long)expected);
    dk_err err = begin(ob);
    if (err)
        return err;
    int64_t held = 0;
    int removed = 0;
    if ((err = dk_fault_point("outbox.delete.begin")) || (err = quarantined_now(ob, &held)))
        return finish(ob, err);
    if (expected != DK_OUTBOX_ANY_COUNT && held != expected)
        return finish(ob, dk_error_set(DK_ERR_EXISTS,
                                       "outbox: the quarantine holds %lld records, not the %lld "
                                       "confirmed: nothing was deleted",
                                       (long long)held, (long long)expected));
    if ((err = run(ob, stmt(ob, S_DELETE_QUARANTINED), SQLITE_OK, "deleting refused records",
                   &removed)))
        return finish(ob, err);
    if (removed != held)
        return finish(ob, dk_error_set(DK_ERR_CORRUPT,
                                       "outbox: the quarantine's count (%lld) does not match its "
                                       "records (%d): nothing was deleted",
                                       (long long)held, removed));
    if ((err = dk_fault_point("outbox.delete.commit")))
        return finish(ob, err);
    if ((err = finish(ob, DK_OK)))
        return err;
    checkpoint_without_waiting(ob);
    if (deleted)
        *deleted = removed;
    return DK_OK;
}
