/* hub_db.c: hub.db, the hub's SQLite state; every statement prepared with bound parameters. */
#include "hub_db.h"

#include "dk_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 10000 /* [ms] wait for another process's write lock */

struct hub_db {
    sqlite3 *db;
};

static const char *const SCHEMA =
    /* One row per `district-hub import`. */
    "CREATE TABLE imports ("
    " id INTEGER PRIMARY KEY,"
    " imported TEXT NOT NULL,"          /* RFC 3339 UTC */
    " source TEXT NOT NULL,"            /* the content folder as given */
    " content_sha256 TEXT NOT NULL,"    /* the content document the packer made from it */
    " districts INTEGER NOT NULL, projects INTEGER NOT NULL, groups_ INTEGER NOT NULL,"
    " dates INTEGER NOT NULL, pages INTEGER NOT NULL, media INTEGER NOT NULL);"
    /* The draft: every entity as canonical JSON, exactly as in the content document, so that a
     * later browser interface can edit one entity (and keep rights per district). */
    "CREATE TABLE entities ("
    " kind TEXT NOT NULL CHECK (kind IN ('district','project','group','date','page')),"
    " slug TEXT NOT NULL,"              /* dates: their id */
    " district TEXT,"                   /* the district it belongs to; NULL for pages */
    " json TEXT NOT NULL,"
    " import_id INTEGER REFERENCES imports(id),"
    " updated TEXT NOT NULL,"
    " PRIMARY KEY (kind, slug)) WITHOUT ROWID;"
    "CREATE INDEX entities_by_district ON entities(district, kind);"
    /* Objects in data_dir/site/objects/<hash>. */
    "CREATE TABLE objects ("
    " hash TEXT PRIMARY KEY,"
    " role TEXT NOT NULL CHECK (role IN ('content','media')),"
    " length INTEGER NOT NULL CHECK (length >= 0),"
    " mime TEXT NOT NULL DEFAULT '',"
    " added TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE releases ("
    " version INTEGER PRIMARY KEY CHECK (version >= 1),"
    " issued TEXT NOT NULL, expires TEXT NOT NULL,"
    " manifest_sha256 TEXT NOT NULL, manifest_length INTEGER NOT NULL,"
    " content_sha256 TEXT NOT NULL, objects INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " import_id INTEGER REFERENCES imports(id));"
    "CREATE TABLE timestamps ("
    " version INTEGER PRIMARY KEY CHECK (version >= 1),"
    " issued TEXT NOT NULL, expires TEXT NOT NULL,"
    " manifest_version INTEGER NOT NULL REFERENCES releases(version));"
    "CREATE TABLE devices ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " token_sha256 TEXT NOT NULL UNIQUE," /* SHA-256 of the token; the token itself is not kept */
    " created TEXT NOT NULL);"
    /* The latest heartbeat of each device. NULL: the kiosk did not say. */
    "CREATE TABLE heartbeats ("
    " device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
    " received INTEGER NOT NULL,"        /* unix seconds, the hub's clock */
    " app_version TEXT, content_version INTEGER, content_issued TEXT,"
    " last_attempt TEXT, last_success TEXT, last_result TEXT, last_error TEXT,"
    " stale INTEGER, backlog INTEGER, quarantined INTEGER, free_disk_mb INTEGER, uptime_s INTEGER);"
    /* Staff accounts and their districts, for the browser interface of a later issue. */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK (role IN ('admin','editor','viewer')),"
    " password_hash TEXT,"               /* Argon2id (dk_pin_hash); NULL: cannot log in */
    " created TEXT NOT NULL);"
    "CREATE TABLE user_districts ("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " district TEXT NOT NULL,"
    " PRIMARY KEY (user_id, district)) WITHOUT ROWID;";

/* Schema 2 adds the sealed registrations (issue 5); a schema-1 hub.db gets it when opened. */
static const char *const SCHEMA_REGISTRATIONS =
    /* One row per registration a kiosk sent: the sealed bytes exactly as they arrived, never
     * the plaintext. District and groups are in clear (slugs of public content, not personal by
     * themselves) so that staff can select by them without opening every record. */
    "CREATE TABLE registrations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT," /* never reused: staff refer to records by id */
    " device TEXT NOT NULL,"             /* the sending device's name (kept if it is removed) */
    " idem_key TEXT NOT NULL CHECK (length(idem_key) = 32),"
    " sealed BLOB NOT NULL CHECK (length(sealed) BETWEEN 49 AND 8192),"
    " received INTEGER NOT NULL,"        /* unix seconds, the hub's clock */
    " district TEXT NOT NULL,"
    " handed_over INTEGER,"              /* unix seconds; NULL: not handed over yet */
    " UNIQUE (device, idem_key));"
    "CREATE INDEX registrations_by_district ON registrations(district, id);"
    "CREATE INDEX registrations_by_handover ON registrations(handed_over)"
    " WHERE handed_over IS NOT NULL;"
    "CREATE TABLE registration_groups ("
    " registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"             /* the order in the record */
    " slug TEXT NOT NULL,"
    " PRIMARY KEY (registration_id, pos)) WITHOUT ROWID;"
    "CREATE INDEX registration_groups_by_slug ON registration_groups(slug);";

/* Schema 3: the registration key (first 8 hex) each kiosk reports sealing to. */
static const char *const SCHEMA_HEARTBEAT_REGKEY =
    "ALTER TABLE heartbeats ADD COLUMN registration_key TEXT;";

static dk_err db_error(hub_db *db, const char *what)
{
    return dk_error_set(DK_ERR_DB, "hub.db: %s: %s", what, sqlite3_errmsg(db->db));
}

static void now_text(char out[32])
{
    dk_time_format((long long)time(NULL), out);
}

static dk_err exec(hub_db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        dk_err err = dk_error_set(DK_ERR_DB, "hub.db: %s", msg ? msg : sqlite3_errmsg(db->db));
        sqlite3_free(msg);
        return err;
    }
    return DK_OK;
}

static dk_err prepare(hub_db *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(db, "prepare");
    return DK_OK;
}

/* Reads a single integer from a one-row query. */
static dk_err query_int(hub_db *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, sql, &st);
    if (err)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = db_error(db, sql);
    sqlite3_finalize(st);
    return err;
}

static dk_err configure(hub_db *db)
{
    sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->db, 1);
    sqlite3_stmt *st;
    dk_err err = prepare(db, "PRAGMA journal_mode=WAL", &st);
    if (err)
        return err;
    int rc = sqlite3_step(st);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    int wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) /* e.g. a file system without shared memory: durability would be different */
        return dk_error_set(DK_ERR_DB, "hub.db: the database refused WAL mode (journal_mode)");
    /* secure_delete: a deleted registration's bytes are overwritten, not left in free pages. */
    return exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");
}

static dk_err open_file(const char *path, int flags, hub_db **out)
{
    *out = NULL;
    hub_db *db = calloc(1, sizeof *db);
    if (!db)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    if (sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        dk_err err = dk_error_set(DK_ERR_DB, "cannot open %s: %s", path,
                                  db->db ? sqlite3_errmsg(db->db) : "out of memory");
        hub_db_close(db);
        return err;
    }
    dk_err err = configure(db);
    if (err) {
        hub_db_close(db);
        return err;
    }
    *out = db;
    return DK_OK;
}

dk_err hub_db_create(const char *path, hub_db **out)
{
    *out = NULL;
    /* Created empty and private first: SQLite gives its -wal and -shm files the same mode. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? dk_error_set(DK_ERR_EXISTS, "%s exists already", path)
                               : dk_error_set(dk_error_from_errno(errno), "cannot create %s: %s",
                                              path, strerror(errno));
    close(fd);
    hub_db *db;
    dk_err err = open_file(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
    if (err)
        return err;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", HUB_DB_SCHEMA);
    if ((err = exec(db, "BEGIN IMMEDIATE")) || (err = exec(db, SCHEMA)) ||
        (err = exec(db, SCHEMA_REGISTRATIONS)) || (err = exec(db, SCHEMA_HEARTBEAT_REGKEY)) ||
        (err = exec(db, sql)) || (err = exec(db, "COMMIT"))) {
        hub_db_close(db);
        return err;
    }
    *out = db;
    return DK_OK;
}

/* Schema 1 (issue 4) or 2 to 3: adds the registration tables (1) and the heartbeat's
 * registration key, in one transaction. Another process may have migrated meanwhile: the
 * version is read again under the write lock. */
static dk_err migrate(hub_db *db, long long *version)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", HUB_DB_SCHEMA);
    dk_err err = exec(db, "BEGIN IMMEDIATE");
    if (!err)
        err = query_int(db, "PRAGMA user_version", version);
    if (!err && *version == 1)
        err = exec(db, SCHEMA_REGISTRATIONS);
    if (!err && (*version == 1 || *version == 2) && !(err = exec(db, SCHEMA_HEARTBEAT_REGKEY)) &&
        !(err = exec(db, sql)))
        *version = HUB_DB_SCHEMA;
    if (!err)
        err = exec(db, "COMMIT");
    if (err)
        hub_db_rollback(db);
    return err;
}

dk_err hub_db_open(const char *path, hub_db **out)
{
    *out = NULL;
    if (!dk_fs_exists(path))
        return dk_error_set(DK_ERR_NOTFOUND, "%s does not exist; run district-hub init first", path);
    hub_db *db;
    dk_err err = open_file(path, SQLITE_OPEN_READWRITE, &db);
    if (err)
        return err;
    long long version = 0;
    if ((err = query_int(db, "PRAGMA user_version", &version))) {
        hub_db_close(db);
        return err;
    }
    if ((version == 1 || version == 2) && (err = migrate(db, &version))) {
        hub_db_close(db);
        return err;
    }
    if (version != HUB_DB_SCHEMA) {
        hub_db_close(db);
        return dk_error_set(DK_ERR_DB, "%s has schema %lld; this district-hub knows schema %d",
                            path, version, HUB_DB_SCHEMA);
    }
    *out = db;
    return DK_OK;
}

void hub_db_close(hub_db *db)
{
    if (!db)
        return;
    sqlite3_close_v2(db->db);
    free(db);
}

dk_err hub_db_quick_check(hub_db *db)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "PRAGMA quick_check", &st);
    if (err)
        return err;
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = db_error(db, "quick_check");
    } else {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (!r || strcmp(r, "ok") != 0)
            err = dk_error_set(DK_ERR_CORRUPT, "hub.db failed its check: %s", r ? r : "?");
    }
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_begin_read(hub_db *db)
{
    return exec(db, "BEGIN");
}

dk_err hub_db_begin_write(hub_db *db)
{
    return exec(db, "BEGIN IMMEDIATE");
}

dk_err hub_db_commit(hub_db *db)
{
    return exec(db, "COMMIT");
}

void hub_db_rollback(hub_db *db)
{
    if (!sqlite3_get_autocommit(db->db))
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs a prepared statement that returns no rows, then finalizes it. */
static dk_err step_done(hub_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        err = dk_error_set(DK_ERR_EXISTS, "%s: exists already", what);
    else if (rc != SQLITE_DONE)
        err = db_error(db, what);
    sqlite3_finalize(st);
    return err;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, long long v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static void column_copy(sqlite3_stmt *st, int i, char *out, size_t outsz)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    snprintf(out, outsz, "%s", s ? s : "");
}

static long long column_int_or(sqlite3_stmt *st, int i, long long unknown)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? unknown : sqlite3_column_int64(st, i);
}

/* ---- Imported content ---- */

static const char *const kind_names[HUB_KIND_COUNT] = {"district", "project", "group", "date",
                                                       "page"};
static const char *const kind_arrays[HUB_KIND_COUNT] = {"districts", "projects", "groups", "dates",
                                                        "pages"};

const char *hub_kind_name(hub_kind k)
{
    return (unsigned)k < HUB_KIND_COUNT ? kind_names[k] : "?";
}

const char *hub_kind_array(hub_kind k)
{
    return (unsigned)k < HUB_KIND_COUNT ? kind_arrays[k] : "?";
}

dk_err hub_db_import_add(hub_db *db, const char *source, hub_import_row *row)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT INTO imports (imported, source, content_sha256, districts, "
                         "projects, groups_, dates, pages, media) VALUES (?,?,?,?,?,?,?,?,?)",
                         &st);
    if (err)
        return err;
    now_text(row->imported);
    sqlite3_bind_text(st, 1, row->imported, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, row->content_sha256, -1, SQLITE_TRANSIENT);
    for (int k = 0; k < HUB_KIND_COUNT; k++)
        sqlite3_bind_int(st, 4 + k, row->count[k]);
    sqlite3_bind_int(st, 9, row->media);
    if ((err = step_done(db, st, "recording the import")))
        return err;
    row->id = sqlite3_last_insert_rowid(db->db);
    return DK_OK;
}

dk_err hub_db_import_latest(hub_db *db, hub_import_row *out)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "SELECT id, imported, content_sha256, districts, projects, groups_, dates, "
                         "pages, media FROM imports ORDER BY id DESC LIMIT 1",
                         &st);
    if (err)
        return err;
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        column_copy(st, 1, out->imported, sizeof out->imported);
        column_copy(st, 2, out->content_sha256, sizeof out->content_sha256);
        for (int k = 0; k < HUB_KIND_COUNT; k++)
            out->count[k] = sqlite3_column_int(st, 3 + k);
        out->media = sqlite3_column_int(st, 8);
    } else if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND,
                           "nothing has been imported yet; run district-hub import CONTENT_DIR");
    } else {
        err = db_error(db, "reading the imports");
    }
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_entities_clear(hub_db *db)
{
    return exec(db, "DELETE FROM entities");
}

dk_err hub_db_entity_put(hub_db *db, hub_kind kind, const char *slug, const char *district,
                         const char *json, long long import_id)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT INTO entities (kind, slug, district, json, import_id, updated) "
                         "VALUES (?,?,?,?,?,?)",
                         &st);
    if (err)
        return err;
    char now[32];
    now_text(now);
    sqlite3_bind_text(st, 1, hub_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, district);
    sqlite3_bind_text(st, 4, json, -1, SQLITE_TRANSIENT);
    if (import_id > 0)
        sqlite3_bind_int64(st, 5, import_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_TRANSIENT);
    return step_done(db, st, "storing an entity");
}

dk_err hub_db_entities_each(hub_db *db, hub_kind kind, hub_entity_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    /* BINARY collation compares bytes, as the packer's sorted folder listing does. */
    dk_err err = prepare(db,
                         "SELECT slug, district, json FROM entities WHERE kind = ? "
                         "ORDER BY slug COLLATE BINARY",
                         &st);
    if (err)
        return err;
    sqlite3_bind_text(st, 1, hub_kind_name(kind), -1, SQLITE_STATIC);
    int rc;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *json = (const char *)sqlite3_column_text(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        err = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1), json ? json : "", len);
    }
    if (!err && rc != SQLITE_DONE)
        err = db_error(db, "reading the entities");
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_object_put(hub_db *db, const dk_object *o)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT OR REPLACE INTO objects (hash, role, length, mime, added) "
                         "VALUES (?,?,?,?,?)",
                         &st);
    if (err)
        return err;
    char now[32];
    now_text(now);
    sqlite3_bind_text(st, 1, o->hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, o->role == DK_ROLE_CONTENT ? "content" : "media", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)o->length);
    sqlite3_bind_text(st, 4, o->mime, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_TRANSIENT);
    return step_done(db, st, "storing an object");
}

dk_err hub_db_object_get(hub_db *db, const char *hash, dk_object *out)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "SELECT role, length, mime FROM objects WHERE hash = ?", &st);
    if (err)
        return err;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *role = (const char *)sqlite3_column_text(st, 0);
        out->role = role && strcmp(role, "content") == 0 ? DK_ROLE_CONTENT : DK_ROLE_MEDIA;
        snprintf(out->hash, sizeof out->hash, "%s", hash);
        out->length = (uint64_t)sqlite3_column_int64(st, 1);
        column_copy(st, 2, out->mime, sizeof out->mime);
    } else if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND, "object %.12s… is not in the hub's store", hash);
    } else {
        err = db_error(db, "reading an object");
    }
    sqlite3_finalize(st);
    return err;
}

/* ---- Releases and timestamps ---- */

dk_err hub_db_release_add(hub_db *db, const hub_release_row *r)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT INTO releases (version, issued, expires, manifest_sha256, "
                         "manifest_length, content_sha256, objects, bytes, import_id) "
                         "VALUES (?,?,?,?,?,?,?,?,?)",
                         &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, r->version);
    sqlite3_bind_text(st, 2, r->issued, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, r->expires, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, r->manifest_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)r->manifest_length);
    sqlite3_bind_text(st, 6, r->content_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, r->objects);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)r->bytes);
    if (r->import_id > 0)
        sqlite3_bind_int64(st, 9, r->import_id);
    else
        sqlite3_bind_null(st, 9);
    return step_done(db, st, "recording the release");
}

dk_err hub_db_release_latest(hub_db *db, hub_release_row *out)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "SELECT version, issued, expires, manifest_sha256, manifest_length, "
                         "content_sha256, objects, bytes, import_id FROM releases "
                         "ORDER BY version DESC LIMIT 1",
                         &st);
    if (err)
        return err;
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->version = sqlite3_column_int64(st, 0);
        column_copy(st, 1, out->issued, sizeof out->issued);
        column_copy(st, 2, out->expires, sizeof out->expires);
        column_copy(st, 3, out->manifest_sha256, sizeof out->manifest_sha256);
        out->manifest_length = (uint64_t)sqlite3_column_int64(st, 4);
        column_copy(st, 5, out->content_sha256, sizeof out->content_sha256);
        out->objects = sqlite3_column_int64(st, 6);
        out->bytes = (uint64_t)sqlite3_column_int64(st, 7);
        out->import_id = column_int_or(st, 8, 0);
    } else if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND,
                           "nothing has been published yet; run district-hub publish");
    } else {
        err = db_error(db, "reading the releases");
    }
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_timestamp_max(hub_db *db, long long *version)
{
    return query_int(db, "SELECT COALESCE(MAX(version), 0) FROM timestamps", version);
}

dk_err hub_db_timestamp_add(hub_db *db, const dk_timestamp *ts)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT INTO timestamps (version, issued, expires, manifest_version) "
                         "VALUES (?,?,?,?)",
                         &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, ts->version);
    sqlite3_bind_text(st, 2, ts->issued, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, ts->expires, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, ts->manifest_version);
    return step_done(db, st, "recording the timestamp");
}

/* ---- Devices and heartbeats ---- */

void hub_heartbeat_init(hub_heartbeat *hb)
{
    memset(hb, 0, sizeof *hb);
    hb->content_version = -1;
    hb->stale = -1;
    hb->backlog = hb->quarantined = hb->free_disk_mb = hb->uptime_s = -1;
}

dk_err hub_db_device_add(hub_db *db, const char *name, const char *token_sha256)
{
    sqlite3_stmt *st;
    dk_err err =
        prepare(db, "INSERT INTO devices (name, token_sha256, created) VALUES (?,?,?)", &st);
    if (err)
        return err;
    char now[32];
    now_text(now);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, token_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    err = step_done(db, st, "adding the device");
    if (err == DK_ERR_EXISTS)
        return dk_error_set(DK_ERR_EXISTS, "a device named '%s' exists already", name);
    return err;
}

dk_err hub_db_device_remove(hub_db *db, const char *name)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "DELETE FROM devices WHERE name = ?", &st);
    if (err)
        return err;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if ((err = step_done(db, st, "removing the device")))
        return err;
    if (sqlite3_changes(db->db) == 0)
        return dk_error_set(DK_ERR_NOTFOUND, "there is no device named '%s'", name);
    return DK_OK;
}

dk_err hub_db_device_by_token(hub_db *db, const char *token_sha256, long long *id,
                              char name[HUB_NAME_MAX + 1])
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "SELECT id, name, token_sha256 FROM devices", &st);
    if (err)
        return err;
    int found = 0, rc;
    size_t want = strlen(token_sha256);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(st, 2);
        /* Every row is compared in full, whether or not an earlier one matched. */
        int same = stored && strlen(stored) == want && want == DK_SHA256_HEX - 1 &&
                   sodium_memcmp(stored, token_sha256, want) == 0;
        if (same && !found) {
            found = 1;
            *id = sqlite3_column_int64(st, 0);
            column_copy(st, 1, name, HUB_NAME_MAX + 1);
        }
    }
    if (rc != SQLITE_DONE)
        err = db_error(db, "reading the devices");
    else if (!found)
        err = dk_error_set(DK_ERR_NOTFOUND, "unknown device token");
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_heartbeat_put(hub_db *db, long long device_id, long long received,
                            const hub_heartbeat *hb)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "INSERT OR REPLACE INTO heartbeats (device_id, received, app_version, "
                         "content_version, content_issued, last_attempt, last_success, "
                         "last_result, last_error, stale, backlog, quarantined, free_disk_mb, "
                         "uptime_s, registration_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, device_id);
    sqlite3_bind_int64(st, 2, received);
    bind_text_or_null(st, 3, hb->app_version);
    bind_int_or_null(st, 4, hb->content_version);
    bind_text_or_null(st, 5, hb->content_issued);
    bind_text_or_null(st, 6, hb->last_attempt);
    bind_text_or_null(st, 7, hb->last_success);
    bind_text_or_null(st, 8, hb->last_result);
    /* An empty last_error ("no error") is stored as such, not as unknown. */
    sqlite3_bind_text(st, 9, hb->last_error, -1, SQLITE_TRANSIENT);
    bind_int_or_null(st, 10, hb->stale);
    bind_int_or_null(st, 11, hb->backlog);
    bind_int_or_null(st, 12, hb->quarantined);
    bind_int_or_null(st, 13, hb->free_disk_mb);
    bind_int_or_null(st, 14, hb->uptime_s);
    bind_text_or_null(st, 15, hb->registration_key);
    return step_done(db, st, "storing the heartbeat");
}

dk_err hub_db_heartbeat_max_version(hub_db *db, long long *version)
{
    return query_int(db, "SELECT COALESCE(MAX(content_version), 0) FROM heartbeats", version);
}

dk_err hub_db_devices(hub_db *db, hub_device **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "SELECT d.id, d.name, d.created, h.received, h.app_version, "
                         "h.content_version, h.content_issued, h.last_attempt, h.last_success, "
                         "h.last_result, h.last_error, h.stale, h.backlog, h.quarantined, "
                         "h.free_disk_mb, h.uptime_s, h.registration_key FROM devices d "
                         "LEFT JOIN heartbeats h ON h.device_id = d.id ORDER BY d.name",
                         &st);
    if (err)
        return err;
    hub_device *out = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            hub_device *grown = realloc(out, ncap * sizeof *grown);
            if (!grown) {
                err = dk_error_set(DK_ERR_NOMEM, "out of memory listing devices");
                break;
            }
            out = grown;
            cap = ncap;
        }
        hub_device *d = &out[n++];
        memset(d, 0, sizeof *d);
        hub_heartbeat_init(&d->hb);
        d->id = sqlite3_column_int64(st, 0);
        column_copy(st, 1, d->name, sizeof d->name);
        column_copy(st, 2, d->created, sizeof d->created);
        d->has_heartbeat = sqlite3_column_type(st, 3) != SQLITE_NULL;
        if (!d->has_heartbeat)
            continue;
        hub_heartbeat *hb = &d->hb;
        d->received = sqlite3_column_int64(st, 3);
        column_copy(st, 4, hb->app_version, sizeof hb->app_version);
        hb->content_version = column_int_or(st, 5, -1);
        column_copy(st, 6, hb->content_issued, sizeof hb->content_issued);
        column_copy(st, 7, hb->last_attempt, sizeof hb->last_attempt);
        column_copy(st, 8, hb->last_success, sizeof hb->last_success);
        column_copy(st, 9, hb->last_result, sizeof hb->last_result);
        column_copy(st, 10, hb->last_error, sizeof hb->last_error);
        hb->stale = (int)column_int_or(st, 11, -1);
        hb->backlog = column_int_or(st, 12, -1);
        hb->quarantined = column_int_or(st, 13, -1);
        hb->free_disk_mb = column_int_or(st, 14, -1);
        hb->uptime_s = column_int_or(st, 15, -1);
        column_copy(st, 16, hb->registration_key, sizeof hb->registration_key);
    }
    if (!err && rc != SQLITE_DONE)
        err = db_error(db, "listing the devices");
    sqlite3_finalize(st);
    if (err) {
        free(out);
        return err;
    }
    *list = out;
    *count = n;
    return DK_OK;
}

/* ---- Registrations ---- */

dk_err hub_db_registration_compare(hub_db *db, const char *device, const char *idem_key,
                                   const void *body, size_t len, long long *id, int *same)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "SELECT id, sealed FROM registrations WHERE device = ? AND idem_key = ?",
                         &st);
    if (err)
        return err;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, idem_key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        const void *stored = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        *same = n == len && (len == 0 || (stored && memcmp(stored, body, len) == 0));
    } else if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND, "no registration under this key");
    } else {
        err = db_error(db, "reading a registration");
    }
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_registration_add(hub_db *db, const char *device, const char *idem_key,
                               const void *sealed, size_t len, long long received,
                               const dk_signup *rec, long long *id)
{
    dk_err err = hub_db_begin_write(db);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    if ((err = prepare(db,
                       "INSERT INTO registrations (device, idem_key, sealed, received, district) "
                       "VALUES (?,?,?,?,?)",
                       &st)))
        goto fail;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, idem_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, sealed, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, received);
    sqlite3_bind_text(st, 5, rec->district, -1, SQLITE_TRANSIENT);
    if ((err = step_done(db, st, "storing a registration")))
        goto fail;
    *id = sqlite3_last_insert_rowid(db->db);
    for (size_t i = 0; i < rec->group_count; i++) {
        if ((err = prepare(db,
                           "INSERT INTO registration_groups (registration_id, pos, slug) "
                           "VALUES (?,?,?)",
                           &st)))
            goto fail;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, rec->groups[i], -1, SQLITE_TRANSIENT);
        if ((err = step_done(db, st, "storing a registration's groups")))
            goto fail;
    }
    if ((err = hub_db_commit(db)))
        goto fail;
    return DK_OK;
fail:
    hub_db_rollback(db);
    return err;
}

dk_err hub_db_registrations_each(hub_db *db, const hub_registration_filter *f,
                                 hub_registration_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    /* The groups in the record's order, as one text (a correlated sub-select keeps the order). */
    dk_err err = prepare(db,
                         "SELECT r.id, r.device, r.idem_key, r.received, r.handed_over, "
                         "r.district, (SELECT group_concat(slug, ', ') FROM (SELECT slug FROM "
                         "registration_groups WHERE registration_id = r.id ORDER BY pos)), "
                         "r.sealed FROM registrations r "
                         "WHERE (?1 IS NULL OR r.district = ?1) AND (?3 OR r.handed_over IS NULL) "
                         "AND (?2 IS NULL OR EXISTS (SELECT 1 FROM registration_groups g WHERE "
                         "g.registration_id = r.id AND g.slug = ?2)) ORDER BY r.id",
                         &st);
    if (err)
        return err;
    bind_text_or_null(st, 1, f ? f->district : NULL);
    bind_text_or_null(st, 2, f ? f->group : NULL);
    sqlite3_bind_int(st, 3, f ? f->all != 0 : 1);
    hub_registration_row row;
    int rc;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&row, 0, sizeof row);
        row.id = sqlite3_column_int64(st, 0);
        column_copy(st, 1, row.device, sizeof row.device);
        column_copy(st, 2, row.idem_key, sizeof row.idem_key);
        row.received = sqlite3_column_int64(st, 3);
        row.handed_over = column_int_or(st, 4, 0);
        column_copy(st, 5, row.district, sizeof row.district);
        column_copy(st, 6, row.groups, sizeof row.groups);
        row.sealed = sqlite3_column_blob(st, 7);
        row.sealed_len = (size_t)sqlite3_column_bytes(st, 7);
        err = fn(ctx, &row);
    }
    if (!err && rc != SQLITE_DONE)
        err = db_error(db, "reading the registrations");
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_registration_hand_over(hub_db *db, long long id, long long when, int *already)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "SELECT handed_over FROM registrations WHERE id = ?", &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *already = sqlite3_column_type(st, 0) != SQLITE_NULL;
    else if (rc == SQLITE_DONE)
        err = dk_error_set(DK_ERR_NOTFOUND, "there is no registration %lld", id);
    else
        err = db_error(db, "reading a registration");
    sqlite3_finalize(st);
    if (err || *already)
        return err;
    if ((err = prepare(db, "UPDATE registrations SET handed_over = ? WHERE id = ?", &st)))
        return err;
    sqlite3_bind_int64(st, 1, when);
    sqlite3_bind_int64(st, 2, id);
    return step_done(db, st, "marking a registration handed over");
}

dk_err hub_db_registration_delete(hub_db *db, long long id)
{
    sqlite3_stmt *st;
    dk_err err = prepare(db, "DELETE FROM registrations WHERE id = ?", &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, id);
    if ((err = step_done(db, st, "deleting a registration")))
        return err;
    if (sqlite3_changes(db->db) == 0)
        return dk_error_set(DK_ERR_NOTFOUND, "there is no registration %lld", id);
    return DK_OK;
}

dk_err hub_db_registrations_purge(hub_db *db, long long before, long long *deleted)
{
    *deleted = 0;
    dk_err err = hub_db_begin_write(db);
    if (err)
        return err;
    sqlite3_stmt *st;
    if (!(err = prepare(db,
                        "DELETE FROM registrations WHERE handed_over IS NOT NULL "
                        "AND handed_over <= ?",
                        &st))) {
        sqlite3_bind_int64(st, 1, before);
        err = step_done(db, st, "deleting registrations after their retention");
    }
    if (!err) {
        /* The groups go with them (ON DELETE CASCADE), so count only the records' own rows. */
        *deleted = sqlite3_changes(db->db);
        err = hub_db_commit(db);
    }
    if (err) {
        hub_db_rollback(db);
        *deleted = 0;
    }
    return err;
}

dk_err hub_db_registrations_count(hub_db *db, long long waiting_before,
                                  hub_registration_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    dk_err err = prepare(db,
                         "SELECT count(*), count(*) FILTER (WHERE handed_over IS NULL), "
                         "count(*) FILTER (WHERE handed_over IS NULL AND received <= ?) "
                         "FROM registrations",
                         &st);
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, waiting_before);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->total = sqlite3_column_int64(st, 0);
        out->waiting = sqlite3_column_int64(st, 1);
        out->overdue = sqlite3_column_int64(st, 2);
    } else {
        err = db_error(db, "counting the registrations");
    }
    sqlite3_finalize(st);
    return err;
}

dk_err hub_db_checkpoint(hub_db *db, int *complete)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    *complete = rc == SQLITE_OK;
    if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return DK_OK;
    return db_error(db, "checkpoint");
}
