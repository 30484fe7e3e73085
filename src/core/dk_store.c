/* dk_store.c: the content database: its tables, the build from a content document, the queries. */
#include "dk_store.h"

#include "dk_buf.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "dk_text.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <md4c.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Limits on single values of the (untrusted) content document, beyond those of dk_content.h. */
#define TEXT_MAX 8192               /* [bytes] a translatable text that is not Markdown */
#define PLAIN_MAX 512               /* [bytes] a person's name, phone number or e-mail address */
#define INDEX_TEXT_MAX (512 * 1024) /* [bytes] the text of one search row */

#define CACHE_KIB 256 /* [KiB] SQLite's page cache for the read-only content (dk_store_open) */

/* ==== The tables ==== */

/* Translatable texts have one column per language: <name>_de (required), <name>_en, <name>_tr
 * (NULL when missing; readers fall back to German). Slugs are the identifiers the content uses;
 * integer ids only join rows inside this file. */
static const char schema_sql[] =
    "CREATE TABLE meta (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),  -- exactly one row\n"
    "    release_version INTEGER NOT NULL,        -- the release this file was built from\n"
    "    issued TEXT,                             -- the release's issue time, NULL if unknown\n"
    "    content_hash TEXT NOT NULL,              -- SHA-256 of the content document\n"
    "    content_schema INTEGER NOT NULL,         -- the document's schema (DK_CONTENT_SCHEMA)\n"
    "    built_at TEXT NOT NULL                   -- when this file was built, UTC\n"
    ") STRICT;\n"
    "CREATE TABLE image (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    hash TEXT NOT NULL,                      -- SHA-256: the file's name in the object store\n"
    "    mime TEXT NOT NULL,\n"
    "    width INTEGER NOT NULL,                  -- [px]\n"
    "    height INTEGER NOT NULL,                 -- [px]\n"
    "    length INTEGER NOT NULL,                 -- [bytes]\n"
    "    alt_de TEXT NOT NULL, alt_en TEXT, alt_tr TEXT\n"
    ") STRICT;\n"
    "CREATE TABLE contact (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    role_de TEXT NOT NULL, role_en TEXT, role_tr TEXT,\n"
    "    person TEXT, email TEXT, phone TEXT,\n"
    "    address_de TEXT, address_en TEXT, address_tr TEXT\n"
    ") STRICT;\n"
    "CREATE TABLE district (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    name_de TEXT NOT NULL, name_en TEXT, name_tr TEXT,\n"
    "    color TEXT NOT NULL,                     -- #rrggbb\n"
    "    area_km2 REAL NOT NULL,\n"
    "    residents INTEGER NOT NULL,\n"
    "    residents_year INTEGER,                  -- NULL when unknown\n"
    "    short_de TEXT NOT NULL, short_en TEXT, short_tr TEXT,\n"
    "    profile_de TEXT NOT NULL, profile_en TEXT, profile_tr TEXT,  -- Markdown\n"
    "    steering_de TEXT NOT NULL, steering_en TEXT, steering_tr TEXT,\n"
    "    hero_image_id INTEGER NOT NULL REFERENCES image (id),\n"
    "    office_name_de TEXT NOT NULL, office_name_en TEXT, office_name_tr TEXT,\n"
    "    office_address_de TEXT NOT NULL, office_address_en TEXT, office_address_tr TEXT,\n"
    "    office_hours_de TEXT NOT NULL, office_hours_en TEXT, office_hours_tr TEXT,\n"
    "    office_phone TEXT, office_email TEXT\n"
    ") STRICT;\n"
    "CREATE TABLE district_gallery (\n"
    "    district_id INTEGER NOT NULL REFERENCES district (id),\n"
    "    position INTEGER NOT NULL,               -- 0, 1, ... in the author's order\n"
    "    image_id INTEGER NOT NULL REFERENCES image (id),\n"
    "    PRIMARY KEY (district_id, position)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "-- A group: steering committee, marketing group, ... (\"group\" is an SQL keyword).\n"
    "CREATE TABLE work_group (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    district_id INTEGER NOT NULL REFERENCES district (id),\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('steering_committee', 'marketing_group',\n"
    "                                       'project_group', 'working_group')),\n"
    "    name_de TEXT NOT NULL, name_en TEXT, name_tr TEXT,\n"
    "    purpose_de TEXT NOT NULL, purpose_en TEXT, purpose_tr TEXT,\n"
    "    rhythm_de TEXT NOT NULL, rhythm_en TEXT, rhythm_tr TEXT,\n"
    "    place_de TEXT NOT NULL, place_en TEXT, place_tr TEXT,\n"
    "    join_de TEXT NOT NULL, join_en TEXT, join_tr TEXT,  -- how to join\n"
    "    contact_id INTEGER NOT NULL REFERENCES contact (id),\n"
    "    is_open INTEGER NOT NULL CHECK (is_open IN (0, 1)),\n"
    "    example INTEGER NOT NULL CHECK (example IN (0, 1))\n"
    ") STRICT;\n"
    "CREATE INDEX work_group_district ON work_group (district_id);\n"
    "CREATE TABLE project (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    district_id INTEGER NOT NULL REFERENCES district (id),\n"
    "    title_de TEXT NOT NULL, title_en TEXT, title_tr TEXT,\n"
    "    summary_de TEXT NOT NULL, summary_en TEXT, summary_tr TEXT,\n"
    "    body_de TEXT NOT NULL, body_en TEXT, body_tr TEXT,  -- Markdown\n"
    "    status TEXT NOT NULL CHECK (status IN ('planned', 'running', 'completed')),\n"
    "    start_date TEXT NOT NULL,                -- YYYY-MM-DD\n"
    "    end_date TEXT,\n"
    "    image_id INTEGER REFERENCES image (id),  -- NULL: the kiosk draws a coloured card\n"
    "    contact_id INTEGER NOT NULL REFERENCES contact (id),\n"
    "    visible_from TEXT,                       -- YYYY-MM-DD, NULL: always\n"
    "    visible_until TEXT,\n"
    "    example INTEGER NOT NULL CHECK (example IN (0, 1))\n"
    ") STRICT;\n"
    "CREATE INDEX project_district ON project (district_id);\n"
    "CREATE TABLE project_work_group (           -- the groups a project links to\n"
    "    project_id INTEGER NOT NULL REFERENCES project (id),\n"
    "    position INTEGER NOT NULL,               -- 0, 1, ... in the author's order\n"
    "    group_id INTEGER NOT NULL REFERENCES work_group (id),\n"
    "    PRIMARY KEY (project_id, position),\n"
    "    UNIQUE (project_id, group_id)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "-- A date: a meeting or event (\"date\" is an SQL function).\n"
    "CREATE TABLE event (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,               -- the date's \"id\" in the content document\n"
    "    district_id INTEGER NOT NULL REFERENCES district (id),\n"
    "    title_de TEXT NOT NULL, title_en TEXT, title_tr TEXT,\n"
    "    place_de TEXT NOT NULL, place_en TEXT, place_tr TEXT,\n"
    "    description_de TEXT, description_en TEXT, description_tr TEXT,\n"
    "    start_at TEXT NOT NULL,                  -- YYYY-MM-DDTHH:MM, local time\n"
    "    end_at TEXT,\n"
    "    group_id INTEGER REFERENCES work_group (id),\n"
    "    project_id INTEGER REFERENCES project (id),\n"
    "    example INTEGER NOT NULL CHECK (example IN (0, 1))\n"
    ") STRICT;\n"
    "CREATE INDEX event_start ON event (start_at);\n"
    "CREATE TABLE page (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    title_de TEXT NOT NULL, title_en TEXT, title_tr TEXT,\n"
    "    body_de TEXT NOT NULL, body_en TEXT, body_tr TEXT  -- Markdown\n"
    ") STRICT;\n"
    "-- Full-text index: one row per entity and language it has texts in (German always).\n"
    "-- title: its title or name; body: its other texts, Markdown reduced to plain text.\n"
    "CREATE VIRTUAL TABLE search USING fts5 (\n"
    "    title, body,\n"
    "    kind UNINDEXED,                          -- district, project, group, date, page\n"
    "    ref UNINDEXED,                           -- the entity's slug (a date's id)\n"
    "    lang UNINDEXED,                          -- de, en, tr\n"
    "    tokenize = 'dkfold', prefix = '2 3'\n"
    ");\n"
    "PRAGMA user_version = " STRINGIFY(DK_STORE_SCHEMA) ";\n";

/* ==== Shared helpers ==== */

/* The one place where SQLite's result codes become ours; the detail carries sqlite3_errmsg. */
static dk_err db_error(sqlite3 *db, int rc, const char *what)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xFF) {
    case SQLITE_FULL:
        return dk_error_set(DK_ERR_NOSPACE, "%s: the disk is full (%s)", what, msg);
    case SQLITE_NOMEM:
        return dk_error_set(DK_ERR_NOMEM, "%s: %s", what, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return dk_error_set(DK_ERR_CORRUPT, "%s: %s", what, msg);
    case SQLITE_CONSTRAINT: /* only inserts meet constraints: the content broke a rule */
        return dk_error_set(DK_ERR_CORRUPT, "content document: %s: %s", what, msg);
    default:
        return dk_error_set(DK_ERR_DB, "%s: %s", what, msg);
    }
}

/* Runs SQL without parameters (schema, pragmas, transaction control). */
static dk_err exec_sql(sqlite3 *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? DK_OK : db_error(db, rc, what);
}

/* Binding by parameter name; the first failure is kept in *rc and later binds do nothing, so a
 * statement is bound in a row of calls and checked once. */
static void bind_text(sqlite3_stmt *st, int *rc, const char *name, const char *v)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "no such SQL parameter");
    if (i == 0)
        *rc = SQLITE_RANGE;
    else
        *rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int *rc, const char *name, long long v)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "no such SQL parameter");
    *rc = i == 0 ? SQLITE_RANGE : sqlite3_bind_int64(st, i, v);
}

/* Binds an id, or NULL for 0 (no row). */
static void bind_id(sqlite3_stmt *st, int *rc, const char *name, sqlite3_int64 id)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "no such SQL parameter");
    *rc = i == 0 ? SQLITE_RANGE : id ? sqlite3_bind_int64(st, i, id) : sqlite3_bind_null(st, i);
}

static void bind_double(sqlite3_stmt *st, int *rc, const char *name, double v)
{
    if (*rc != SQLITE_OK)
        return;
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "no such SQL parameter");
    *rc = i == 0 ? SQLITE_RANGE : sqlite3_bind_double(st, i, v);
}

/* Binds tr[DK_LANG_DE..TR] to ":<name>_de", ":<name>_en", ":<name>_tr". */
static void bind_tr(sqlite3_stmt *st, int *rc, const char *name,
                    const char *const tr[DK_LANG_COUNT])
{
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        char param[64];
        snprintf(param, sizeof param, ":%s_%s", name, dk_lang_code((dk_lang)l));
        bind_text(st, rc, param, tr[l]);
    }
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DD" at the start of s (s has at least 10 bytes before any NUL when it returns 1). */
static int date_prefix_valid(const char *s)
{
    if (!is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' ||
        !is_digits(s + 8, 2))
        return 0;
    int month = two_digits(s + 5), day = two_digits(s + 8);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static int date_valid(const char *s)
{
    return s && strnlen(s, 11) == 10 && date_prefix_valid(s);
}

/* "YYYY-MM-DDTHH:MM" */
static int datetime_valid(const char *s)
{
    if (!s || strnlen(s, 17) != 16 || !date_prefix_valid(s) || s[10] != 'T' ||
        !is_digits(s + 11, 2) || s[13] != ':' || !is_digits(s + 14, 2))
        return 0;
    return two_digits(s + 11) <= 23 && two_digits(s + 14) <= 59;
}

static int color_valid(const char *s)
{
    if (strnlen(s, 8) != 7 || s[0] != '#')
        return 0;
    for (int i = 1; i < 7; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* ==== Reading the content document ==== */

/* The document was validated by the packer, but a kiosk gets it from far away: every access
 * checks presence and type, and a failure names the entity and field. `where` names the
 * entity ("project 'stadtgarten'"). */

static dk_err field_error(const char *where, const char *key, const char *problem)
{
    return dk_error_set(DK_ERR_CORRUPT, "content document: %s: '%s' %s", where, key, problem);
}

/* Checks that v (named label) is a non-empty string of at most max bytes. */
static dk_err check_string(json_t *v, const char *label, size_t max, const char *where,
                           const char **out)
{
    if (!json_is_string(v))
        return field_error(where, label, "must be a string");
    size_t n = json_string_length(v);
    if (n == 0)
        return field_error(where, label, "must not be empty");
    if (n > max)
        return dk_error_set(DK_ERR_CORRUPT, "content document: %s: '%s' is longer than %zu bytes",
                            where, label, max);
    *out = json_string_value(v);
    return DK_OK;
}

/* A string field; *out is NULL when an optional field is absent. Borrowed from the document. */
static dk_err get_string(json_t *obj, const char *key, int required, size_t max,
                         const char *where, const char **out)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? field_error(where, key, "is missing") : DK_OK;
    return check_string(v, key, max, where, out);
}

/* A translatable text {"de": ..., "en": ..., "tr": ...}: out[lang] or NULL; German required. */
static dk_err get_tr(json_t *obj, const char *key, int required, size_t max, const char *where,
                     const char *out[DK_LANG_COUNT])
{
    for (int l = 0; l < DK_LANG_COUNT; l++)
        out[l] = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? field_error(where, key, "is missing") : DK_OK;
    if (!json_is_object(v))
        return field_error(where, key, "must be an object of translations ({\"de\": ...})");
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        const char *code = dk_lang_code((dk_lang)l);
        char label[64];
        snprintf(label, sizeof label, "%s.%s", key, code);
        json_t *t = json_object_get(v, code);
        if (!t) {
            if (l == DK_LANG_DE)
                return field_error(where, label, "is missing: German is required");
            continue;
        }
        dk_err err = check_string(t, label, max, where, &out[l]);
        if (err)
            return err;
    }
    return DK_OK;
}

static dk_err get_int(json_t *obj, const char *key, long long min, long long max,
                      const char *where, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return field_error(where, key, "is missing");
    if (!json_is_integer(v))
        return field_error(where, key, "must be an integer");
    long long n = (long long)json_integer_value(v);
    if (n < min || n > max)
        return dk_error_set(DK_ERR_CORRUPT,
                            "content document: %s: '%s' is %lld, outside %lld..%lld", where, key,
                            n, min, max);
    *out = n;
    return DK_OK;
}

/* A boolean; an absent optional one is false. */
static dk_err get_bool(json_t *obj, const char *key, int required, const char *where, int *out)
{
    *out = 0;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? field_error(where, key, "is missing") : DK_OK;
    if (!json_is_boolean(v))
        return field_error(where, key, "must be true or false");
    *out = json_is_true(v);
    return DK_OK;
}

static dk_err get_slug(json_t *obj, const char *key, int required, const char *where,
                       const char **out)
{
    dk_err err = get_string(obj, key, required, DK_LIMIT_SLUG, where, out);
    if (!err && *out && !dk_slug_valid(*out))
        err = field_error(where, key, "must be a slug (a-z, 0-9 and single hyphens)");
    return err;
}

static dk_err get_date(json_t *obj, const char *key, int required, int with_time,
                       const char *where, const char **out)
{
    dk_err err = get_string(obj, key, required, 16, where, out);
    if (!err && *out && !(with_time ? datetime_valid(*out) : date_valid(*out)))
        err = field_error(where, key, with_time ? "must be a time YYYY-MM-DDTHH:MM"
                                                : "must be a date YYYY-MM-DD");
    return err;
}

/* ==== Building ==== */

enum build_statement {
    B_META,
    B_IMAGE,
    B_CONTACT,
    B_DISTRICT,
    B_GALLERY,
    B_GROUP,
    B_PROJECT,
    B_PROJECT_GROUP,
    B_EVENT,
    B_PAGE,
    B_SEARCH,
    B_DISTRICT_ID,
    B_GROUP_ID,
    B_PROJECT_ID,
    B_COUNT
};

#define TR3(name) name "_de, " name "_en, " name "_tr"
#define TR3P(name) ":" name "_de, :" name "_en, :" name "_tr"

static const char *const build_sql[B_COUNT] = {
    [B_META] = "INSERT INTO meta (id, release_version, issued, content_hash, content_schema, "
               "built_at) VALUES (1, :version, :issued, :hash, :schema, :built)",
    [B_IMAGE] = "INSERT INTO image (hash, mime, width, height, length, " TR3("alt") ") "
                "VALUES (:hash, :mime, :width, :height, :length, " TR3P("alt") ")",
    [B_CONTACT] = "INSERT INTO contact (" TR3("role") ", person, email, phone, " TR3("address")
                  ") VALUES (" TR3P("role") ", :person, :email, :phone, " TR3P("address") ")",
    [B_DISTRICT] =
        "INSERT INTO district (slug, " TR3("name") ", color, area_km2, residents, residents_year, "
        TR3("short") ", " TR3("profile") ", " TR3("steering") ", hero_image_id, "
        TR3("office_name") ", " TR3("office_address") ", " TR3("office_hours") ", "
        "office_phone, office_email) VALUES (:slug, " TR3P("name") ", :color, :area_km2, "
        ":residents, :residents_year, " TR3P("short") ", " TR3P("profile") ", " TR3P("steering")
        ", :hero_image_id, " TR3P("office_name") ", " TR3P("office_address") ", "
        TR3P("office_hours") ", :office_phone, :office_email)",
    [B_GALLERY] = "INSERT INTO district_gallery (district_id, position, image_id) "
                  "VALUES (:district_id, :position, :image_id)",
    [B_GROUP] = "INSERT INTO work_group (slug, district_id, kind, " TR3("name") ", "
                TR3("purpose") ", " TR3("rhythm") ", " TR3("place") ", " TR3("join") ", "
                "contact_id, is_open, example) VALUES (:slug, :district_id, :kind, "
                TR3P("name") ", " TR3P("purpose") ", " TR3P("rhythm") ", " TR3P("place") ", "
                TR3P("join") ", :contact_id, :is_open, :example)",
    [B_PROJECT] = "INSERT INTO project (slug, district_id, " TR3("title") ", " TR3("summary")
                  ", " TR3("body") ", status, start_date, end_date, image_id, contact_id, "
                  "visible_from, visible_until, example) VALUES (:slug, :district_id, "
                  TR3P("title") ", " TR3P("summary") ", " TR3P("body") ", :status, :start_date, "
                  ":end_date, :image_id, :contact_id, :visible_from, :visible_until, :example)",
    [B_PROJECT_GROUP] = "INSERT INTO project_work_group (project_id, position, group_id) "
                        "VALUES (:project_id, :position, :group_id)",
    [B_EVENT] = "INSERT INTO event (slug, district_id, " TR3("title") ", " TR3("place") ", "
                TR3("description") ", start_at, end_at, group_id, project_id, example) "
                "VALUES (:slug, :district_id, " TR3P("title") ", " TR3P("place") ", "
                TR3P("description") ", :start_at, :end_at, :group_id, :project_id, :example)",
    [B_PAGE] = "INSERT INTO page (slug, " TR3("title") ", " TR3("body") ") "
               "VALUES (:slug, " TR3P("title") ", " TR3P("body") ")",
    [B_SEARCH] = "INSERT INTO search (title, body, kind, ref, lang) "
                 "VALUES (:title, :body, :kind, :ref, :lang)",
    [B_DISTRICT_ID] = "SELECT id FROM district WHERE slug = :slug",
    [B_GROUP_ID] = "SELECT id FROM work_group WHERE slug = :slug",
    [B_PROJECT_ID] = "SELECT id FROM project WHERE slug = :slug",
};

typedef struct builder {
    sqlite3 *db;
    sqlite3_stmt *st[B_COUNT];
    int bind_rc;      /* first failed bind of the statement being filled */
    dk_buf title;     /* the search row being built */
    dk_buf body;
    dk_buf markdown;  /* one Markdown text reduced to plain text */
} builder;

/* Steps an insert bound with b->bind_rc, then resets it. *rowid (if not NULL) gets the new row. */
static dk_err run(builder *b, enum build_statement which, const char *what, sqlite3_int64 *rowid)
{
    sqlite3_stmt *st = b->st[which];
    dk_err err = DK_OK;
    if (b->bind_rc != SQLITE_OK) {
        err = dk_error_set(DK_ERR_DB, "%s: cannot bind a parameter: %s", what,
                           sqlite3_errstr(b->bind_rc));
    } else {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            err = db_error(b->db, rc, what);
        else if (rowid)
            *rowid = sqlite3_last_insert_rowid(b->db);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    b->bind_rc = SQLITE_OK;
    return err;
}

/* The id of the district/group/project named slug; DK_ERR_CORRUPT if there is none. */
static dk_err lookup(builder *b, enum build_statement which, const char *slug, const char *where,
                     const char *field, sqlite3_int64 *id)
{
    sqlite3_stmt *st = b->st[which];
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":slug", slug);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        err = dk_error_set(DK_ERR_CORRUPT,
                           "content document: %s: '%s' names '%s', which does not exist", where,
                           field, slug);
    else
        err = db_error(b->db, rc, "looking up a slug");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

/* ---- Text for the search index ---- */

/* Appends text with control characters other than line breaks made spaces: indexed text must
 * never contain the snippet markers. */
static dk_err add_clean(dk_buf *out, const char *s, size_t n)
{
    char chunk[256];
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)s[i];
            chunk[i] = ((c < 0x20 && c != '\n') || c == 0x7F) ? ' ' : (char)c;
        }
        dk_err err = dk_buf_add(out, chunk, k);
        if (err)
            return err;
        s += k;
        n -= k;
    }
    return DK_OK;
}

/* An HTML entity from Markdown ("&amp;", "&#228;") as text; unknown ones are dropped. */
static dk_err add_entity(dk_buf *out, const char *e, size_t n)
{
    static const struct {
        const char *name, *text;
    } named[] = {{"&amp;", "&"},   {"&lt;", "<"},    {"&gt;", ">"},        {"&quot;", "\""},
                 {"&apos;", "'"},  {"&nbsp;", " "},  {"&shy;", "\xC2\xAD"}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == n && memcmp(named[i].name, e, n) == 0)
            return dk_buf_adds(out, named[i].text);
    if (n < 4 || e[0] != '&' || e[1] != '#' || e[n - 1] != ';')
        return DK_OK;
    int hex = e[2] == 'x' || e[2] == 'X';
    uint32_t cp = 0;
    for (size_t i = hex ? 3 : 2; i < n - 1; i++) {
        char c = e[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : !hex                 ? -1
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0 || cp > 0x10FFFF)
            return DK_OK;
        cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
    }
    char utf8[4];
    size_t len = cp >= 0x20 && cp != 0x7F ? dk_utf8_encode(cp, utf8) : 0;
    return len ? dk_buf_add(out, utf8, len) : DK_OK;
}

typedef struct plain_text {
    dk_buf *out;
    dk_err err;
} plain_text;

static int md_enter_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    (void)type, (void)detail, (void)user;
    return 0;
}

static int md_leave_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    (void)detail;
    plain_text *p = user;
    if (type != MD_BLOCK_DOC)
        p->err = dk_buf_add(p->out, "\n", 1);
    return p->err != DK_OK;
}

static int md_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)type, (void)detail, (void)user;
    return 0;
}

static int md_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user)
{
    plain_text *p = user;
    switch (type) {
    case MD_TEXT_NULLCHAR:
    case MD_TEXT_HTML: /* raw HTML tags are markup, not text */
        return 0;
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
        p->err = dk_buf_add(p->out, " ", 1);
        break;
    case MD_TEXT_ENTITY:
        p->err = add_entity(p->out, text, size);
        break;
    default:
        p->err = add_clean(p->out, text, size);
        break;
    }
    return p->err != DK_OK;
}

/* Appends the text of a Markdown body without its markup (headings, emphasis, link targets),
 * so that search snippets read like the page. scratch is working space. */
static dk_err add_markdown(dk_buf *out, dk_buf *scratch, const char *md)
{
    dk_buf_reset(scratch);
    plain_text p = {scratch, DK_OK};
    MD_PARSER parser = {
        .abi_version = 0,
        .flags = MD_DIALECT_COMMONMARK,
        .enter_block = md_enter_block,
        .leave_block = md_leave_block,
        .enter_span = md_span,
        .leave_span = md_span,
        .text = md_text,
    };
    int rc = md_parse(md, (MD_SIZE)strlen(md), &parser, &p);
    if (p.err)
        return p.err;
    if (rc != 0) /* md4c gave up (out of memory): index the raw text rather than nothing */
        return add_clean(out, md, strlen(md));
    return scratch->len ? dk_buf_add(out, scratch->data, scratch->len) : DK_OK;
}

typedef struct index_text {
    const char *const *tr; /* [DK_LANG_COUNT] */
    int markdown;
} index_text;

/* Adds the search rows of one entity: German always, English and Turkish when the entity has
 * any text of its own in them. The title of a row falls back to German; the body holds only
 * the row's own language, so German words found in an English row are really shown there. */
static dk_err index_entity(builder *b, const char *kind, const char *ref,
                           const char *const title[DK_LANG_COUNT], const index_text *texts,
                           size_t ntexts)
{
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        int present = l == DK_LANG_DE || title[l];
        for (size_t i = 0; i < ntexts && !present; i++)
            present = texts[i].tr[l] != NULL;
        if (!present)
            continue;
        dk_buf_reset(&b->title);
        dk_buf_reset(&b->body);
        const char *t = title[l] ? title[l] : title[DK_LANG_DE];
        dk_err err = add_clean(&b->title, t, strlen(t));
        for (size_t i = 0; !err && i < ntexts; i++) {
            const char *text = texts[i].tr[l];
            if (!text)
                continue;
            err = texts[i].markdown ? add_markdown(&b->body, &b->markdown, text)
                                    : add_clean(&b->body, text, strlen(text));
            if (!err)
                err = dk_buf_add(&b->body, "\n", 1);
        }
        if (err)
            return dk_error_set(err, "search text of %s '%s' is too long: %s", kind, ref,
                                dk_error_detail());
        sqlite3_stmt *st = b->st[B_SEARCH];
        bind_text(st, &b->bind_rc, ":title", b->title.len ? b->title.data : "");
        bind_text(st, &b->bind_rc, ":body", b->body.len ? b->body.data : "");
        bind_text(st, &b->bind_rc, ":kind", kind);
        bind_text(st, &b->bind_rc, ":ref", ref);
        bind_text(st, &b->bind_rc, ":lang", dk_lang_code((dk_lang)l));
        if ((err = run(b, B_SEARCH, "indexing", NULL)))
            return err;
    }
    return DK_OK;
}

/* ---- Entities ---- */

/* An image object; inserts it and returns its row in *id. */
static dk_err put_image(builder *b, json_t *v, const char *where, sqlite3_int64 *id)
{
    if (!json_is_object(v))
        return dk_error_set(DK_ERR_CORRUPT, "content document: %s must be an image object",
                            where);
    const char *hash, *mime, *alt[DK_LANG_COUNT];
    long long width, height, length;
    dk_err err;
    if ((err = get_string(v, "hash", 1, 64, where, &hash)))
        return err;
    if (!dk_sha256_hex_valid(hash))
        return field_error(where, "hash", "must be 64 lower-case hex digits");
    if ((err = get_string(v, "mime", 1, 32, where, &mime)))
        return err;
    if (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/png") != 0 &&
        strcmp(mime, "image/webp") != 0)
        return field_error(where, "mime", "must be image/jpeg, image/png or image/webp");
    if ((err = get_int(v, "width", 1, DK_LIMIT_IMAGE_SIDE, where, &width)) ||
        (err = get_int(v, "height", 1, DK_LIMIT_IMAGE_SIDE, where, &height)) ||
        (err = get_int(v, "length", 1, DK_LIMIT_IMAGE_FILE, where, &length)) ||
        (err = get_tr(v, "alt", 1, TEXT_MAX, where, alt)))
        return err;
    sqlite3_stmt *st = b->st[B_IMAGE];
    bind_text(st, &b->bind_rc, ":hash", hash);
    bind_text(st, &b->bind_rc, ":mime", mime);
    bind_int(st, &b->bind_rc, ":width", width);
    bind_int(st, &b->bind_rc, ":height", height);
    bind_int(st, &b->bind_rc, ":length", length);
    bind_tr(st, &b->bind_rc, "alt", alt);
    return run(b, B_IMAGE, where, id);
}

/* The "contact" field of obj; inserts it, returns its row and its role (for the index). */
static dk_err put_contact(builder *b, json_t *obj, const char *where, sqlite3_int64 *id,
                          const char *role[DK_LANG_COUNT])
{
    json_t *v = json_object_get(obj, "contact");
    if (!v)
        return field_error(where, "contact", "is missing");
    if (!json_is_object(v))
        return field_error(where, "contact", "must be an object");
    char w[128];
    snprintf(w, sizeof w, "%s: contact", where);
    const char *person, *email, *phone, *address[DK_LANG_COUNT];
    dk_err err;
    if ((err = get_tr(v, "role", 1, TEXT_MAX, w, role)) ||
        (err = get_string(v, "person", 0, PLAIN_MAX, w, &person)) ||
        (err = get_string(v, "email", 0, PLAIN_MAX, w, &email)) ||
        (err = get_string(v, "phone", 0, PLAIN_MAX, w, &phone)) ||
        (err = get_tr(v, "address", 0, TEXT_MAX, w, address)))
        return err;
    sqlite3_stmt *st = b->st[B_CONTACT];
    bind_tr(st, &b->bind_rc, "role", role);
    bind_text(st, &b->bind_rc, ":person", person);
    bind_text(st, &b->bind_rc, ":email", email);
    bind_text(st, &b->bind_rc, ":phone", phone);
    bind_tr(st, &b->bind_rc, "address", address);
    return run(b, B_CONTACT, w, id);
}

/* Checks that item is an object with a valid slug in key; names it in where. */
static dk_err entity_start(json_t *item, const char *list, size_t i, const char *kind,
                           const char *key, char *where, size_t wsz, const char **slug)
{
    snprintf(where, wsz, "%s[%zu]", list, i);
    if (!json_is_object(item))
        return dk_error_set(DK_ERR_CORRUPT, "content document: %s must be an object", where);
    dk_err err = get_slug(item, key, 1, where, slug);
    if (!err)
        snprintf(where, wsz, "%s '%s'", kind, *slug);
    return err;
}

static dk_err put_district(builder *b, json_t *d, size_t i)
{
    char where[96];
    const char *slug, *color, *name[3], *short_text[3], *profile[3], *steering[3];
    const char *office_name[3], *office_address[3], *office_hours[3], *office_phone, *office_email;
    long long residents, year = 0;
    dk_err err = entity_start(d, "districts", i, "district", "slug", where, sizeof where, &slug);
    if (err)
        return err;
    if ((err = get_tr(d, "name", 1, TEXT_MAX, where, name)) ||
        (err = get_string(d, "color", 1, 7, where, &color)))
        return err;
    if (!color_valid(color))
        return field_error(where, "color", "must be a colour #rrggbb");
    json_t *area = json_object_get(d, "area_km2");
    if (!json_is_number(area) || !isfinite(json_number_value(area)) ||
        json_number_value(area) <= 0)
        return field_error(where, "area_km2", "must be a positive number");
    json_t *res = json_object_get(d, "residents");
    if (!json_is_object(res))
        return field_error(where, "residents", "must be an object {\"count\", \"year\"}");
    char rw[128];
    snprintf(rw, sizeof rw, "%s: residents", where);
    if ((err = get_int(res, "count", 0, 100000000, rw, &residents)))
        return err;
    json_t *y = json_object_get(res, "year");
    if (y && !json_is_null(y) && (err = get_int(res, "year", 1, 9999, rw, &year)))
        return err;
    if ((err = get_tr(d, "short", 1, TEXT_MAX, where, short_text)) ||
        (err = get_tr(d, "profile", 1, DK_LIMIT_MARKDOWN, where, profile)) ||
        (err = get_tr(d, "steering", 1, TEXT_MAX, where, steering)))
        return err;
    json_t *office = json_object_get(d, "office");
    if (!json_is_object(office))
        return field_error(where, "office", office ? "must be an object" : "is missing");
    char ow[128];
    snprintf(ow, sizeof ow, "%s: office", where);
    if ((err = get_tr(office, "name", 1, TEXT_MAX, ow, office_name)) ||
        (err = get_tr(office, "address", 1, TEXT_MAX, ow, office_address)) ||
        (err = get_tr(office, "hours", 1, TEXT_MAX, ow, office_hours)) ||
        (err = get_string(office, "phone", 0, PLAIN_MAX, ow, &office_phone)) ||
        (err = get_string(office, "email", 0, PLAIN_MAX, ow, &office_email)))
        return err;
    json_t *hero = json_object_get(d, "hero");
    if (!hero)
        return field_error(where, "hero", "is missing");
    char iw[128];
    snprintf(iw, sizeof iw, "%s: hero", where);
    sqlite3_int64 hero_id = 0, district_id = 0;
    if ((err = put_image(b, hero, iw, &hero_id)))
        return err;

    sqlite3_stmt *st = b->st[B_DISTRICT];
    int *rc = &b->bind_rc;
    bind_text(st, rc, ":slug", slug);
    bind_tr(st, rc, "name", name);
    bind_text(st, rc, ":color", color);
    bind_double(st, rc, ":area_km2", json_number_value(area));
    bind_int(st, rc, ":residents", residents);
    bind_id(st, rc, ":residents_year", year);
    bind_tr(st, rc, "short", short_text);
    bind_tr(st, rc, "profile", profile);
    bind_tr(st, rc, "steering", steering);
    bind_id(st, rc, ":hero_image_id", hero_id);
    bind_tr(st, rc, "office_name", office_name);
    bind_tr(st, rc, "office_address", office_address);
    bind_tr(st, rc, "office_hours", office_hours);
    bind_text(st, rc, ":office_phone", office_phone);
    bind_text(st, rc, ":office_email", office_email);
    if ((err = run(b, B_DISTRICT, where, &district_id)))
        return err;

    json_t *gallery = json_object_get(d, "gallery");
    if (gallery && !json_is_array(gallery))
        return field_error(where, "gallery", "must be an array of images");
    if (json_array_size(gallery) > DK_LIMIT_GALLERY)
        return dk_error_set(DK_ERR_LIMIT, "content document: %s has more than %d gallery images",
                            where, DK_LIMIT_GALLERY);
    for (size_t g = 0; g < json_array_size(gallery); g++) {
        snprintf(iw, sizeof iw, "%s: gallery[%zu]", where, g);
        sqlite3_int64 image_id = 0;
        if ((err = put_image(b, json_array_get(gallery, g), iw, &image_id)))
            return err;
        st = b->st[B_GALLERY];
        bind_id(st, rc, ":district_id", district_id);
        bind_int(st, rc, ":position", (long long)g);
        bind_id(st, rc, ":image_id", image_id);
        if ((err = run(b, B_GALLERY, iw, NULL)))
            return err;
    }
    const index_text texts[] = {{short_text, 0}, {profile, 1},        {steering, 0},
                                {office_name, 0}, {office_address, 0}};
    return index_entity(b, "district", slug, name, texts, sizeof texts / sizeof texts[0]);
}

static dk_err put_group(builder *b, json_t *g, size_t i)
{
    char where[96];
    const char *slug, *district, *kind, *name[3], *purpose[3], *rhythm[3], *place[3], *join[3];
    const char *role[3];
    int open, example;
    sqlite3_int64 district_id = 0, contact_id = 0;
    dk_group_kind k;
    dk_err err = entity_start(g, "groups", i, "group", "slug", where, sizeof where, &slug);
    if (err)
        return err;
    if ((err = get_slug(g, "district", 1, where, &district)) ||
        (err = lookup(b, B_DISTRICT_ID, district, where, "district", &district_id)) ||
        (err = get_string(g, "kind", 1, 32, where, &kind)))
        return err;
    if (dk_group_kind_parse(kind, &k) != DK_OK)
        return field_error(where, "kind", "must be steering_committee, marketing_group, "
                                          "project_group or working_group");
    if ((err = get_tr(g, "name", 1, TEXT_MAX, where, name)) ||
        (err = get_tr(g, "purpose", 1, TEXT_MAX, where, purpose)) ||
        (err = get_tr(g, "rhythm", 1, TEXT_MAX, where, rhythm)) ||
        (err = get_tr(g, "place", 1, TEXT_MAX, where, place)) ||
        (err = get_tr(g, "join", 1, TEXT_MAX, where, join)) ||
        (err = get_bool(g, "open", 1, where, &open)) ||
        (err = get_bool(g, "example", 0, where, &example)) ||
        (err = put_contact(b, g, where, &contact_id, role)))
        return err;
    sqlite3_stmt *st = b->st[B_GROUP];
    int *rc = &b->bind_rc;
    bind_text(st, rc, ":slug", slug);
    bind_id(st, rc, ":district_id", district_id);
    bind_text(st, rc, ":kind", dk_group_kind_code(k));
    bind_tr(st, rc, "name", name);
    bind_tr(st, rc, "purpose", purpose);
    bind_tr(st, rc, "rhythm", rhythm);
    bind_tr(st, rc, "place", place);
    bind_tr(st, rc, "join", join);
    bind_id(st, rc, ":contact_id", contact_id);
    bind_int(st, rc, ":is_open", open);
    bind_int(st, rc, ":example", example);
    if ((err = run(b, B_GROUP, where, NULL)))
        return err;
    const index_text texts[] = {{purpose, 0}, {rhythm, 0}, {place, 0}, {join, 0}, {role, 0}};
    return index_entity(b, "group", slug, name, texts, sizeof texts / sizeof texts[0]);
}

static dk_err put_project(builder *b, json_t *p, size_t i)
{
    char where[96];
    const char *slug, *district, *title[3], *summary[3], *body[3], *status, *start, *end;
    const char *visible_from, *visible_until, *role[3];
    int example;
    sqlite3_int64 district_id = 0, contact_id = 0, image_id = 0, project_id = 0;
    dk_project_status s;
    dk_err err = entity_start(p, "projects", i, "project", "slug", where, sizeof where, &slug);
    if (err)
        return err;
    if ((err = get_slug(p, "district", 1, where, &district)) ||
        (err = lookup(b, B_DISTRICT_ID, district, where, "district", &district_id)) ||
        (err = get_tr(p, "title", 1, TEXT_MAX, where, title)) ||
        (err = get_tr(p, "summary", 1, TEXT_MAX, where, summary)) ||
        (err = get_tr(p, "body", 1, DK_LIMIT_MARKDOWN, where, body)) ||
        (err = get_string(p, "status", 1, 32, where, &status)))
        return err;
    if (dk_status_parse(status, &s) != DK_OK)
        return field_error(where, "status", "must be planned, running or completed");
    if ((err = get_date(p, "start", 1, 0, where, &start)) ||
        (err = get_date(p, "end", 0, 0, where, &end)) ||
        (err = get_date(p, "visible_from", 0, 0, where, &visible_from)) ||
        (err = get_date(p, "visible_until", 0, 0, where, &visible_until)) ||
        (err = get_bool(p, "example", 0, where, &example)) ||
        (err = put_contact(b, p, where, &contact_id, role)))
        return err;
    json_t *image = json_object_get(p, "image");
    if (image) {
        char iw[128];
        snprintf(iw, sizeof iw, "%s: image", where);
        if ((err = put_image(b, image, iw, &image_id)))
            return err;
    }
    sqlite3_stmt *st = b->st[B_PROJECT];
    int *rc = &b->bind_rc;
    bind_text(st, rc, ":slug", slug);
    bind_id(st, rc, ":district_id", district_id);
    bind_tr(st, rc, "title", title);
    bind_tr(st, rc, "summary", summary);
    bind_tr(st, rc, "body", body);
    bind_text(st, rc, ":status", dk_status_code(s));
    bind_text(st, rc, ":start_date", start);
    bind_text(st, rc, ":end_date", end);
    bind_id(st, rc, ":image_id", image_id);
    bind_id(st, rc, ":contact_id", contact_id);
    bind_text(st, rc, ":visible_from", visible_from);
    bind_text(st, rc, ":visible_until", visible_until);
    bind_int(st, rc, ":example", example);
    if ((err = run(b, B_PROJECT, where, &project_id)))
        return err;

    json_t *groups = json_object_get(p, "groups");
    if (groups && !json_is_array(groups))
        return field_error(where, "groups", "must be an array of group slugs");
    if (json_array_size(groups) > DK_LIMIT_LINKS)
        return dk_error_set(DK_ERR_LIMIT, "content document: %s links more than %d groups",
                            where, DK_LIMIT_LINKS);
    for (size_t g = 0; g < json_array_size(groups); g++) {
        json_t *v = json_array_get(groups, g);
        const char *group = json_string_value(v);
        sqlite3_int64 group_id = 0;
        if (!group || !dk_slug_valid(group))
            return field_error(where, "groups", "must hold group slugs");
        if ((err = lookup(b, B_GROUP_ID, group, where, "groups", &group_id)))
            return err;
        st = b->st[B_PROJECT_GROUP];
        bind_id(st, rc, ":project_id", project_id);
        bind_int(st, rc, ":position", (long long)g);
        bind_id(st, rc, ":group_id", group_id);
        if ((err = run(b, B_PROJECT_GROUP, where, NULL)))
            return err;
    }
    const index_text texts[] = {{summary, 0}, {body, 1}, {role, 0}};
    return index_entity(b, "project", slug, title, texts, sizeof texts / sizeof texts[0]);
}

static dk_err put_date(builder *b, json_t *e, size_t i)
{
    char where[96];
    const char *id, *district, *title[3], *place[3], *description[3], *start, *end;
    const char *group, *project;
    int example;
    sqlite3_int64 district_id = 0, group_id = 0, project_id = 0;
    dk_err err = entity_start(e, "dates", i, "date", "id", where, sizeof where, &id);
    if (err)
        return err;
    if ((err = get_slug(e, "district", 1, where, &district)) ||
        (err = lookup(b, B_DISTRICT_ID, district, where, "district", &district_id)) ||
        (err = get_tr(e, "title", 1, TEXT_MAX, where, title)) ||
        (err = get_tr(e, "place", 1, TEXT_MAX, where, place)) ||
        (err = get_tr(e, "description", 0, TEXT_MAX, where, description)) ||
        (err = get_date(e, "start", 1, 1, where, &start)) ||
        (err = get_date(e, "end", 0, 1, where, &end)) ||
        (err = get_slug(e, "group", 0, where, &group)) ||
        (err = get_slug(e, "project", 0, where, &project)) ||
        (err = get_bool(e, "example", 0, where, &example)))
        return err;
    if (group && (err = lookup(b, B_GROUP_ID, group, where, "group", &group_id)))
        return err;
    if (project && (err = lookup(b, B_PROJECT_ID, project, where, "project", &project_id)))
        return err;
    sqlite3_stmt *st = b->st[B_EVENT];
    int *rc = &b->bind_rc;
    bind_text(st, rc, ":slug", id);
    bind_id(st, rc, ":district_id", district_id);
    bind_tr(st, rc, "title", title);
    bind_tr(st, rc, "place", place);
    bind_tr(st, rc, "description", description);
    bind_text(st, rc, ":start_at", start);
    bind_text(st, rc, ":end_at", end);
    bind_id(st, rc, ":group_id", group_id);
    bind_id(st, rc, ":project_id", project_id);
    bind_int(st, rc, ":example", example);
    if ((err = run(b, B_EVENT, where, NULL)))
        return err;
    const index_text texts[] = {{place, 0}, {description, 0}};
    return index_entity(b, "date", id, title, texts, sizeof texts / sizeof texts[0]);
}

static dk_err put_page(builder *b, json_t *p, size_t i)
{
    char where[96];
    const char *slug, *title[3], *body[3];
    dk_err err = entity_start(p, "pages", i, "page", "slug", where, sizeof where, &slug);
    if (err)
        return err;
    if ((err = get_tr(p, "title", 1, TEXT_MAX, where, title)) ||
        (err = get_tr(p, "body", 1, DK_LIMIT_MARKDOWN, where, body)))
        return err;
    sqlite3_stmt *st = b->st[B_PAGE];
    bind_text(st, &b->bind_rc, ":slug", slug);
    bind_tr(st, &b->bind_rc, "title", title);
    bind_tr(st, &b->bind_rc, "body", body);
    if ((err = run(b, B_PAGE, where, NULL)))
        return err;
    const index_text texts[] = {{body, 1}};
    return index_entity(b, "page", slug, title, texts, 1);
}

/* Inserts every item of the document's array `key`, then passes a fault point. */
static dk_err put_all(builder *b, json_t *doc, const char *key, size_t limit,
                      dk_err (*put)(builder *, json_t *, size_t), const char *fault)
{
    json_t *list = json_object_get(doc, key);
    if (!list)
        return dk_error_set(DK_ERR_CORRUPT, "content document: '%s' is missing", key);
    if (!json_is_array(list))
        return dk_error_set(DK_ERR_CORRUPT, "content document: '%s' must be an array", key);
    if (json_array_size(list) > limit)
        return dk_error_set(DK_ERR_LIMIT, "content document has %zu %s, more than the limit of %zu",
                            json_array_size(list), key, limit);
    for (size_t i = 0; i < json_array_size(list); i++) {
        dk_err err = put(b, json_array_get(list, i), i);
        if (err)
            return err;
    }
    return dk_fault_point(fault);
}

static dk_err builder_close(builder *b)
{
    for (int i = 0; i < B_COUNT; i++) {
        sqlite3_finalize(b->st[i]);
        b->st[i] = NULL;
    }
    dk_buf_free(&b->title);
    dk_buf_free(&b->body);
    dk_buf_free(&b->markdown);
    if (!b->db)
        return DK_OK;
    int rc = sqlite3_close(b->db);
    dk_err err = rc == SQLITE_OK ? DK_OK : db_error(b->db, rc, "closing the new content database");
    b->db = NULL;
    return err;
}

/* Why journal_mode=DELETE and not WAL: the file is written once, by one connection, under a
 * name no reader opens; the atomic switch is the rename, not the journal. A WAL database's
 * -wal and -shm files belong to its name, which the rename hands to a different file while
 * readers of the old one are still open, and a read-only WAL reader needs a writable -shm.
 * In rollback mode the finished file stands alone. synchronous=FULL makes the commit durable
 * before the file is renamed. */
static dk_err build_file(builder *b, const char *path, json_t *doc, long long version,
                         const char *issued, const char *hash)
{
    int rc = sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        return db_error(b->db, rc, "creating the new content database");
    sqlite3_extended_result_codes(b->db, 1);
    sqlite3_db_config(b->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    dk_err err;
    sqlite3_stmt *st = NULL;
    if ((err = dk_text_sqlite_register(b->db)))
        return err;
    rc = sqlite3_prepare_v2(b->db, "PRAGMA journal_mode = DELETE", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        rc = mode && strcmp(mode, "delete") == 0 ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return dk_error_set(DK_ERR_DB, "cannot set the journal mode of %s", path);
    if ((err = exec_sql(b->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                        "setting up the new content database")) ||
        (err = dk_fault_point("store.build.open")) ||
        (err = exec_sql(b->db, "BEGIN IMMEDIATE", "starting the build")) ||
        (err = exec_sql(b->db, schema_sql, "creating the tables")) ||
        (err = dk_fault_point("store.build.schema")))
        return err;
    for (int i = 0; i < B_COUNT; i++) {
        rc = sqlite3_prepare_v2(b->db, build_sql[i], -1, &b->st[i], NULL);
        if (rc != SQLITE_OK)
            return db_error(b->db, rc, "preparing the build");
    }

    char built[24];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(built, sizeof built, "1970-01-01T00:00:00Z");
    st = b->st[B_META];
    bind_int(st, &b->bind_rc, ":version", version);
    bind_text(st, &b->bind_rc, ":issued", issued);
    bind_text(st, &b->bind_rc, ":hash", hash);
    bind_int(st, &b->bind_rc, ":schema", DK_CONTENT_SCHEMA);
    bind_text(st, &b->bind_rc, ":built", built);
    if ((err = run(b, B_META, "writing the release", NULL)))
        return err;

    /* In dependency order: groups name districts, projects name groups, dates name both. */
    if ((err = put_all(b, doc, "districts", DK_LIMIT_DISTRICTS, put_district,
                       "store.build.districts")) ||
        (err = put_all(b, doc, "groups", DK_LIMIT_GROUPS, put_group, "store.build.groups")) ||
        (err = put_all(b, doc, "projects", DK_LIMIT_PROJECTS, put_project,
                       "store.build.projects")) ||
        (err = put_all(b, doc, "dates", DK_LIMIT_DATES, put_date, "store.build.dates")) ||
        (err = put_all(b, doc, "pages", DK_LIMIT_PAGES, put_page, "store.build.pages")))
        return err;

    /* FTS5's own check needs a writable connection, so it runs here rather than at open. */
    if ((err = exec_sql(b->db, "INSERT INTO search (search) VALUES ('optimize')",
                        "optimising the search index")) ||
        (err = exec_sql(b->db, "INSERT INTO search (search) VALUES ('integrity-check')",
                        "checking the search index")) ||
        (err = dk_fault_point("store.build.commit")) ||
        (err = exec_sql(b->db, "COMMIT", "committing the new content database")) ||
        (err = dk_fault_point("store.build.check")))
        return err;

    rc = sqlite3_prepare_v2(b->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *result = (const char *)sqlite3_column_text(st, 0);
        if (!result || strcmp(result, "ok") != 0)
            err = dk_error_set(DK_ERR_CORRUPT, "the new content database fails its check: %s",
                               result ? result : "(no result)");
    } else {
        err = db_error(b->db, rc, "checking the new content database");
    }
    sqlite3_finalize(st);
    if (err || (err = dk_fault_point("store.build.close")) || (err = builder_close(b)) ||
        (err = dk_fault_point("store.build.sync")))
        return err;
    return dk_fs_sync_file(path); /* the commit synced already; this also covers the metadata */
}

/* Removes a database file and the journals SQLite may have left beside it. */
static dk_err remove_db_files(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char p[4096];
        int n = snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        if (n < 0 || (size_t)n >= sizeof p)
            return dk_error_set(DK_ERR_LIMIT, "path too long: %s", path);
        if (unlink(p) != 0 && errno != ENOENT)
            return dk_error_set(dk_error_from_errno(errno), "cannot remove %s: %s", p,
                                strerror(errno));
    }
    return DK_OK;
}

/* Parses and checks the document's header. *out is owned by the caller (json_decref). */
static dk_err parse_document(const char *json, size_t len, json_t **out)
{
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    *out = NULL;
    if (!doc)
        return dk_error_set(DK_ERR_CORRUPT, "content document is not valid JSON (line %d, "
                            "column %d): %s", jerr.line, jerr.column, jerr.text);
    dk_err err = DK_OK;
    json_t *format = json_object_get(doc, "format");
    json_t *schema = json_object_get(doc, "schema");
    if (!json_is_object(doc))
        err = dk_error_set(DK_ERR_CORRUPT, "content document is not a JSON object");
    else if (!json_is_string(format) || strcmp(json_string_value(format), DK_CONTENT_FORMAT) != 0)
        err = dk_error_set(DK_ERR_INVALID, "this is not a content document: its format is '%s', "
                           "expected '%s'", json_is_string(format) ? json_string_value(format)
                           : "(none)", DK_CONTENT_FORMAT);
    else if (!json_is_integer(schema) || json_integer_value(schema) != DK_CONTENT_SCHEMA)
        err = dk_error_set(DK_ERR_INVALID, "content document has schema %lld; this kiosk reads "
                           "schema %d: update the kiosk software",
                           json_is_integer(schema) ? (long long)json_integer_value(schema) : -1LL,
                           DK_CONTENT_SCHEMA);
    if (err) {
        json_decref(doc);
        return err;
    }
    *out = doc;
    return DK_OK;
}

dk_err dk_store_build(const char *db_path, const char *content_json, size_t len,
                      const dk_store_release *rel)
{
    if (!db_path || !*db_path || !content_json)
        return dk_error_set(DK_ERR_INVALID, "dk_store_build: missing path or document");
    if (len > (size_t)DK_LIMIT_CONTENT_DOC)
        return dk_error_set(DK_ERR_LIMIT, "content document is %zu bytes, more than the limit "
                            "of %ld", len, DK_LIMIT_CONTENT_DOC);
    long long version = rel ? rel->version : 0;
    const char *issued = rel ? rel->issued : NULL;
    if (version < 0)
        return dk_error_set(DK_ERR_INVALID, "release version %lld is negative", version);
    if (issued && (!*issued || strnlen(issued, sizeof ((dk_store_info *)0)->issued) >=
                                   sizeof ((dk_store_info *)0)->issued))
        return dk_error_set(DK_ERR_INVALID, "release issue time is empty or too long");
    char hash[DK_SHA256_HEX];
    dk_sha256_hex(content_json, len, hash);
    if (rel && rel->content_hash && strcmp(rel->content_hash, hash) != 0)
        return dk_error_set(DK_ERR_CORRUPT, "content document's SHA-256 is %s, but the release "
                            "names %.64s", hash, rel->content_hash);
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.new", db_path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return dk_error_set(DK_ERR_LIMIT, "path too long: %s", db_path);

    json_t *doc;
    dk_err err = parse_document(content_json, len, &doc);
    if (err)
        return err;
    if ((err = remove_db_files(tmp))) { /* a build that was cut off */
        json_decref(doc);
        return err;
    }
    builder b = {0};
    dk_buf_init(&b.title, INDEX_TEXT_MAX);
    dk_buf_init(&b.body, INDEX_TEXT_MAX);
    dk_buf_init(&b.markdown, INDEX_TEXT_MAX);
    err = build_file(&b, tmp, doc, version, issued, hash);
    json_decref(doc);
    if (!err)
        err = dk_fault_point("store.build.rename");
    if (!err)
        err = dk_fs_rename_durable(tmp, db_path);
    if (err) {
        char detail[DK_ERROR_DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", dk_error_detail());
        (void)builder_close(&b);
        (void)remove_db_files(tmp);
        dk_error_set(err, "%s", detail); /* cleaning up must not hide the cause */
        return err;
    }
    dk_info("content database built: release %lld, content %.12s", version, hash);
    return DK_OK;
}

/* ==== Reading ==== */

/* Result columns are listed once, in X-macros, so that the SELECT text and the column numbers
 * cannot drift apart. X(name, sql) is one column; T(name, sql) a translatable text, which
 * expands to three columns sql_de, sql_en, sql_tr in dk_lang order (name + lang is the column
 * to read). Every SELECT ends with a dummy NULL column, so that each entry can end in a comma. */
#define COL_ENUM(name, sql) name,
#define COL_SQL(name, sql) sql ", "
#define TR_ENUM(name, sql) name, name##_EN_, name##_TR_,
#define TR_SQL(name, sql) sql "_de, " sql "_en, " sql "_tr, "
#define TR_SKIP(name, sql) "NULL, NULL, NULL, " /* a text a list leaves out */

_Static_assert(DK_LANG_DE == 0 && DK_LANG_EN == 1 && DK_LANG_TR == 2, "columns _de, _en, _tr");

/* An image: hash, mime, width, height, alt (read by read_image). */
#define IMAGE_COLUMNS(X, T, name, alias)                                                      \
    X(name##_HASH, alias ".hash") X(name##_MIME, alias ".mime")                               \
    X(name##_WIDTH, alias ".width") X(name##_HEIGHT, alias ".height")                         \
    T(name##_ALT, alias ".alt")
/* A contact: role, person, email, phone, address (read by read_contact). */
#define CONTACT_COLUMNS(X, T, name, alias)                                                    \
    T(name##_ROLE, alias ".role") X(name##_PERSON, alias ".person")                          \
    X(name##_EMAIL, alias ".email") X(name##_PHONE, alias ".phone")                           \
    T(name##_ADDRESS, alias ".address")

/* The text of a column in the requested language, German where it is missing. */
#define LOCALIZED(col) "coalesce(CASE :lang WHEN 1 THEN " col "_en WHEN 2 THEN " col "_tr END, " \
                       col "_de)"

#define DISTRICT_COLUMNS(X, T)                                                                \
    X(D_ID, "d.id") X(D_SLUG, "d.slug") T(D_NAME, "d.name") X(D_COLOR, "d.color")           \
    X(D_AREA, "d.area_km2") X(D_RESIDENTS, "d.residents")                                    \
    X(D_RESIDENTS_YEAR, "d.residents_year") T(D_SHORT, "d.short") T(D_PROFILE, "d.profile") \
    T(D_STEERING, "d.steering") IMAGE_COLUMNS(X, T, D_HERO, "h")                             \
    T(D_OFFICE_NAME, "d.office_name") T(D_OFFICE_ADDRESS, "d.office_address")               \
    T(D_OFFICE_HOURS, "d.office_hours") X(D_OFFICE_PHONE, "d.office_phone")                 \
    X(D_OFFICE_EMAIL, "d.office_email")
enum district_column { DISTRICT_COLUMNS(COL_ENUM, TR_ENUM) D_COLUMNS };
#define DISTRICT_SELECT                                                                       \
    "SELECT " DISTRICT_COLUMNS(COL_SQL, TR_SQL) "NULL FROM district d "                      \
    "JOIN image h ON h.id = d.hero_image_id "

#define GALLERY_COLUMNS(X, T) IMAGE_COLUMNS(X, T, GAL, "i")
enum gallery_column { GALLERY_COLUMNS(COL_ENUM, TR_ENUM) GAL_COLUMNS };

#define PROJECT_COLUMNS(X, T, BODY)                                                           \
    X(P_SLUG, "p.slug") X(P_DISTRICT, "d.slug") T(P_TITLE, "p.title")                       \
    T(P_SUMMARY, "p.summary") BODY(P_BODY, "p.body") X(P_STATUS, "p.status")                \
    X(P_START, "p.start_date") X(P_END, "p.end_date") IMAGE_COLUMNS(X, T, P_IMAGE, "i")     \
    CONTACT_COLUMNS(X, T, P_CONTACT, "c") X(P_EXAMPLE, "p.example")                         \
    X(P_GROUPS, "(SELECT group_concat(slug, ' ') FROM (SELECT g.slug FROM "                  \
                "project_work_group pg JOIN work_group g ON g.id = pg.group_id "             \
                "WHERE pg.project_id = p.id ORDER BY pg.position))")
enum project_column { PROJECT_COLUMNS(COL_ENUM, TR_ENUM, TR_ENUM) P_COLUMNS };
#define PROJECT_FROM                                                                          \
    "NULL FROM project p JOIN district d ON d.id = p.district_id "                           \
    "JOIN contact c ON c.id = p.contact_id LEFT JOIN image i ON i.id = p.image_id "

#define GROUP_COLUMNS(X, T)                                                                   \
    X(G_SLUG, "g.slug") X(G_DISTRICT, "d.slug") X(G_KIND, "g.kind") T(G_NAME, "g.name")     \
    T(G_PURPOSE, "g.purpose") T(G_RHYTHM, "g.rhythm") T(G_PLACE, "g.place")                 \
    T(G_JOIN, "g.join") CONTACT_COLUMNS(X, T, G_CONTACT, "c") X(G_OPEN, "g.is_open")        \
    X(G_EXAMPLE, "g.example")
enum group_column { GROUP_COLUMNS(COL_ENUM, TR_ENUM) G_COLUMNS };
#define GROUP_SELECT "SELECT " GROUP_COLUMNS(COL_SQL, TR_SQL) "NULL "
#define GROUP_JOINS                                                                           \
    "JOIN district d ON d.id = g.district_id JOIN contact c ON c.id = g.contact_id "

#define DATE_COLUMNS(X, T)                                                                    \
    X(E_ID, "e.slug") X(E_DISTRICT, "d.slug") T(E_TITLE, "e.title") T(E_PLACE, "e.place")   \
    T(E_DESCRIPTION, "e.description") X(E_START, "e.start_at") X(E_END, "e.end_at")         \
    X(E_GROUP, "g.slug") X(E_PROJECT, "p.slug") X(E_EXAMPLE, "e.example")
enum date_column { DATE_COLUMNS(COL_ENUM, TR_ENUM) E_COLUMNS };

#define PAGE_COLUMNS(X, T) X(PG_SLUG, "slug") T(PG_TITLE, "title") T(PG_BODY, "body")
enum page_column { PAGE_COLUMNS(COL_ENUM, TR_ENUM) PG_COLUMNS };

enum query {
    Q_META,
    Q_COUNTS,
    Q_DISTRICTS,
    Q_DISTRICT,
    Q_GALLERY,
    Q_PROJECTS,
    Q_PROJECT,
    Q_GROUPS,
    Q_GROUP,
    Q_PROJECT_GROUPS,
    Q_DATES,
    Q_PAGE,
    Q_SEARCH,
    Q_SNIPPET,
    Q_TITLE,
    Q_COUNT
};

static const char *const query_sql[Q_COUNT] = {
    [Q_META] = "SELECT release_version, issued, content_hash, built_at FROM meta WHERE id = 1",
    [Q_COUNTS] = "SELECT (SELECT count(*) FROM district), (SELECT count(*) FROM project), "
                 "(SELECT count(*) FROM work_group), (SELECT count(*) FROM event), "
                 "(SELECT count(*) FROM page)",
    [Q_DISTRICTS] = DISTRICT_SELECT "ORDER BY " LOCALIZED("d.name") " COLLATE dkfold, d.slug",
    [Q_DISTRICT] = DISTRICT_SELECT "WHERE d.slug = :slug",
    [Q_GALLERY] = "SELECT " GALLERY_COLUMNS(COL_SQL, TR_SQL) "NULL FROM district_gallery g "
                  "JOIN image i ON i.id = g.image_id WHERE g.district_id = :district "
                  "ORDER BY g.position",
    [Q_PROJECTS] = "SELECT " PROJECT_COLUMNS(COL_SQL, TR_SQL, TR_SKIP) PROJECT_FROM
                   "WHERE (:district IS NULL OR d.slug = :district) "
                   "AND p.status IN (:status0, :status1, :status2) "
                   "AND (:day IS NULL OR ((p.visible_from IS NULL OR p.visible_from <= :day) "
                   "AND (p.visible_until IS NULL OR p.visible_until >= :day))) "
                   "ORDER BY " LOCALIZED("p.title") " COLLATE dkfold, p.slug",
    [Q_PROJECT] = "SELECT " PROJECT_COLUMNS(COL_SQL, TR_SQL, TR_SQL) PROJECT_FROM
                  "WHERE p.slug = :slug",
    [Q_GROUPS] = GROUP_SELECT "FROM work_group g " GROUP_JOINS
                 "WHERE (:district IS NULL OR d.slug = :district) "
                 "AND g.kind IN (:kind0, :kind1, :kind2, :kind3) "
                 "ORDER BY " LOCALIZED("g.name") " COLLATE dkfold, g.slug",
    [Q_GROUP] = GROUP_SELECT "FROM work_group g " GROUP_JOINS "WHERE g.slug = :slug",
    [Q_PROJECT_GROUPS] = GROUP_SELECT "FROM project p "
                         "JOIN project_work_group pg ON pg.project_id = p.id "
                         "JOIN work_group g ON g.id = pg.group_id " GROUP_JOINS
                         "WHERE p.slug = :project ORDER BY pg.position",
    [Q_DATES] = "SELECT " DATE_COLUMNS(COL_SQL, TR_SQL) "NULL FROM event e "
                "JOIN district d ON d.id = e.district_id "
                "LEFT JOIN work_group g ON g.id = e.group_id "
                "LEFT JOIN project p ON p.id = e.project_id "
                "WHERE (:from IS NULL OR coalesce(e.end_at, e.start_at) >= :from) "
                "AND (:district IS NULL OR d.slug = :district) "
                "AND (:group IS NULL OR g.slug = :group) "
                "AND (:project IS NULL OR p.slug = :project) "
                "ORDER BY e.start_at, e.slug LIMIT :limit",
    [Q_PAGE] = "SELECT " PAGE_COLUMNS(COL_SQL, TR_SQL) "NULL FROM page WHERE slug = :slug",
    /* Every matching row, one per entity and language, scored by dkrank (BM25F) with titles
     * weighing ten times the texts. Per entity: the best score ranks it, and the row shown is
     * the one in the visitor's language if it matched, else German, else the best. */
    [Q_SEARCH] = "SELECT id, best FROM ("
                 "  SELECT id, kind, ref, min(score) OVER entity AS best,"
                 "         row_number() OVER (entity ORDER BY lang = :lang DESC,"
                 "                            lang = 'de' DESC, score) AS pick"
                 "  FROM (SELECT rowid AS id, kind, ref, lang, dkrank(search, 10.0, 1.0) AS score"
                 "        FROM search WHERE search MATCH :match)"
                 "  WINDOW entity AS (PARTITION BY kind, ref))"
                 " WHERE pick = 1 ORDER BY best, kind, ref LIMIT :limit",
    [Q_SNIPPET] = "SELECT kind, ref, snippet(search, -1, :on, :off, '\xE2\x80\xA6', :words) "
                  "FROM search WHERE search MATCH :match AND rowid = :id",
    [Q_TITLE] = "SELECT name_de, name_en, name_tr FROM district "
                "WHERE :kind = 'district' AND slug = :ref "
                "UNION ALL SELECT title_de, title_en, title_tr FROM project "
                "WHERE :kind = 'project' AND slug = :ref "
                "UNION ALL SELECT name_de, name_en, name_tr FROM work_group "
                "WHERE :kind = 'group' AND slug = :ref "
                "UNION ALL SELECT title_de, title_en, title_tr FROM event "
                "WHERE :kind = 'date' AND slug = :ref "
                "UNION ALL SELECT title_de, title_en, title_tr FROM page "
                "WHERE :kind = 'page' AND slug = :ref",
};

struct dk_store {
    sqlite3 *db;
    sqlite3_stmt *st[Q_COUNT]; /* prepared on first use, kept until close */
    dk_store_info info;
};

/* The statement for query q, reset and unbound; owned by the store. */
static dk_err statement(dk_store *s, enum query q, sqlite3_stmt **out)
{
    if (!s->st[q]) {
        int rc = sqlite3_prepare_v3(s->db, query_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->st[q], NULL);
        if (rc != SQLITE_OK)
            return db_error(s->db, rc, "preparing a content query");
    }
    *out = s->st[q];
    return DK_OK;
}

static void statement_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Copies results into the caller's arena; the first failure sticks and later copies give "". */
typedef struct reader {
    dk_store *s;
    dk_arena *arena;
    dk_lang lang;
    dk_err err;
} reader;

static const char *keep(reader *r, const char *text, size_t n)
{
    if (r->err)
        return "";
    char *p = dk_arena_strndup(r->arena, text, n);
    if (!p) {
        /* dk_arena does not say which of its two failures it met; the detail does. */
        r->err = DK_ERR_LIMIT;
        return "";
    }
    return p;
}

/* Column col as text in the arena; "" for NULL. */
static const char *read_text(reader *r, sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    return t ? keep(r, t, (size_t)n) : "";
}

/* The translatable text starting at column col (its _de column) in r->lang, else German. */
static const char *read_tr(reader *r, sqlite3_stmt *st, int col)
{
    int c = sqlite3_column_type(st, col + (int)r->lang) != SQLITE_NULL ? col + (int)r->lang : col;
    return read_text(r, st, c);
}

/* Columns from IMAGE_COLUMNS starting at col. */
static void read_image(reader *r, sqlite3_stmt *st, int col, dk_image_ref *out)
{
    const char *hash = (const char *)sqlite3_column_text(st, col);
    memset(out, 0, sizeof *out);
    if (hash && dk_sha256_hex_valid(hash))
        memcpy(out->hash, hash, DK_SHA256_HEX);
    out->mime = read_text(r, st, col + 1);
    out->width = sqlite3_column_int(st, col + 2);
    out->height = sqlite3_column_int(st, col + 3);
    out->alt = read_tr(r, st, col + 4);
}

/* Columns from CONTACT_COLUMNS starting at col. */
static void read_contact(reader *r, sqlite3_stmt *st, int col, dk_contact *out)
{
    out->role = read_tr(r, st, col);
    out->person = read_text(r, st, col + 3);
    out->email = read_text(r, st, col + 4);
    out->phone = read_text(r, st, col + 5);
    out->address = read_tr(r, st, col + 6);
}

/* A growing array of results in malloc'd memory, copied into the arena when complete, so that
 * growing never wastes arena budget. */
typedef struct vec {
    unsigned char *data;
    size_t count, cap, size;
} vec;

/* A new zeroed element, or NULL (detail set) when out of memory. */
static void *vec_push(vec *v)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        if (cap > SIZE_MAX / v->size) {
            dk_error_set(DK_ERR_NOMEM, "result list too long");
            return NULL;
        }
        unsigned char *p = realloc(v->data, cap * v->size);
        if (!p) {
            dk_error_set(DK_ERR_NOMEM, "cannot grow a result list to %zu items", cap);
            return NULL;
        }
        v->data = p;
        v->cap = cap;
    }
    void *item = v->data + v->count * v->size;
    memset(item, 0, v->size);
    v->count++;
    return item;
}

/* Reads one row into item. */
typedef void (*row_reader)(reader *r, sqlite3_stmt *st, void *item);

/* Steps st to the end, reading rows of item_size bytes into an arena array (*out, *count). */
static dk_err read_rows(reader *r, sqlite3_stmt *st, size_t item_size, row_reader read_row,
                        void **out, size_t *count)
{
    vec v = {.size = item_size};
    dk_err err = DK_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *item = vec_push(&v);
        if (!item) {
            err = DK_ERR_NOMEM;
            break;
        }
        read_row(r, st, item);
        if (r->err) {
            err = r->err;
            break;
        }
    }
    if (!err && rc != SQLITE_DONE)
        err = db_error(r->s->db, rc, "reading content");
    statement_done(st);
    if (!err && v.count > 0) {
        void *array = dk_arena_alloc(r->arena, v.count * v.size);
        if (!array)
            err = DK_ERR_LIMIT;
        else
            memcpy(array, v.data, v.count * v.size);
        *out = array;
        *count = array ? v.count : 0;
    }
    free(v.data);
    return err;
}

/* Steps st for exactly one row; DK_ERR_NOTFOUND (naming what) when there is none. */
static dk_err read_one(reader *r, sqlite3_stmt *st, row_reader read_row, void *item,
                       const char *what, const char *slug)
{
    int rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_ROW) {
        read_row(r, st, item);
        err = r->err;
    } else if (rc == SQLITE_DONE) {
        err = dk_error_set(DK_ERR_NOTFOUND, "there is no %s '%s'", what, slug);
    } else {
        err = db_error(r->s->db, rc, "reading content");
    }
    statement_done(st);
    return err;
}

static dk_err check_query(dk_store *s, dk_lang lang, dk_arena *arena)
{
    if (!s || !arena)
        return dk_error_set(DK_ERR_INVALID, "content query without a store or an arena");
    if ((unsigned)lang >= DK_LANG_COUNT)
        return dk_error_set(DK_ERR_INVALID, "unknown language %d", (int)lang);
    return DK_OK;
}

static dk_err bind_failed(dk_store *s, sqlite3_stmt *st, int rc)
{
    statement_done(st);
    return db_error(s->db, rc, "binding a content query");
}

/* ---- Ranking ---- */

/* FTS5's bm25() treats a row as one document: it multiplies term frequencies by the column
 * weights, then saturates and normalises by the length of the whole row. A title weight then
 * saturates away, and a short row (an English row holding only a title) outranks the district
 * whose name is exactly the word. "dkrank" is BM25F instead: each column's frequency is
 * normalised by that column's length against its average, weighted, summed, then saturated,
 * with bm25()'s IDF. Arguments: one weight per column (default 1). Lower is better, as with
 * bm25(), so ORDER BY works the same way. */
#define RANK_K1 1.2  /* term frequency saturation, as FTS5's bm25() */
#define RANK_B 0.75  /* length normalisation, as FTS5's bm25() */

typedef struct rank_data {
    int nphrase, ncol;
    double *idf;    /* [nphrase] */
    double *avglen; /* [ncol] average column length in tokens */
    double *tf;     /* [nphrase * ncol] scratch for the current row */
} rank_data;

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *user)
{
    (void)api, (void)fts;
    (*(sqlite3_int64 *)user)++;
    return SQLITE_OK;
}

/* Per-query data, computed at the first row and kept by FTS5 until the query ends. */
static int rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts, rank_data **out)
{
    rank_data *d = api->xGetAuxdata(fts, 0);
    if (d) {
        *out = d;
        return SQLITE_OK;
    }
    int nphrase = api->xPhraseCount(fts), ncol = api->xColumnCount(fts), rc;
    sqlite3_int64 nrow = 0;
    if ((rc = api->xRowCount(fts, &nrow)) != SQLITE_OK)
        return rc;
    size_t doubles = (size_t)nphrase * (size_t)(1 + ncol) + (size_t)ncol;
    d = sqlite3_malloc64(sizeof *d + doubles * sizeof(double));
    if (!d)
        return SQLITE_NOMEM;
    memset(d, 0, sizeof *d + doubles * sizeof(double));
    d->nphrase = nphrase;
    d->ncol = ncol;
    d->idf = (double *)(d + 1);
    d->avglen = d->idf + nphrase;
    d->tf = d->avglen + ncol;
    for (int c = 0; rc == SQLITE_OK && c < ncol; c++) {
        sqlite3_int64 total = 0;
        rc = api->xColumnTotalSize(fts, c, &total);
        d->avglen[c] = nrow > 0 && total > 0 ? (double)total / (double)nrow : 1.0;
    }
    for (int p = 0; rc == SQLITE_OK && p < nphrase; p++) {
        sqlite3_int64 hits = 0;
        rc = api->xQueryPhrase(fts, p, &hits, count_row);
        double idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
        d->idf[p] = idf > 1e-6 ? idf : 1e-6; /* as bm25(): a common word still counts a little */
    }
    if (rc != SQLITE_OK) {
        sqlite3_free(d);
        return rc;
    }
    if ((rc = api->xSetAuxdata(fts, d, sqlite3_free)) != SQLITE_OK) /* frees d on failure */
        return rc;
    *out = d;
    return SQLITE_OK;
}

static void dkrank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                   int nval, sqlite3_value **vals)
{
    rank_data *d = NULL;
    int rc = rank_data_get(api, fts, &d), ninst = 0;
    if (rc == SQLITE_OK)
        rc = api->xInstCount(fts, &ninst);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    memset(d->tf, 0, (size_t)d->nphrase * (size_t)d->ncol * sizeof(double));
    for (int i = 0; i < ninst; i++) {
        int phrase, col, offset;
        if (api->xInst(fts, i, &phrase, &col, &offset) == SQLITE_OK && phrase >= 0 &&
            phrase < d->nphrase && col >= 0 && col < d->ncol)
            d->tf[phrase * d->ncol + col] += 1.0;
    }
    double score = 0.0;
    for (int p = 0; p < d->nphrase; p++) {
        double tf = 0.0;
        for (int c = 0; c < d->ncol; c++) {
            double n = d->tf[p * d->ncol + c];
            int len = 0;
            if (n == 0.0 || api->xColumnSize(fts, c, &len) != SQLITE_OK)
                continue;
            double weight = c < nval ? sqlite3_value_double(vals[c]) : 1.0;
            tf += weight * n / (1.0 - RANK_B + RANK_B * (double)len / d->avglen[c]);
        }
        score += d->idf[p] * tf * (RANK_K1 + 1.0) / (tf + RANK_K1);
    }
    sqlite3_result_double(ctx, -score);
}

static dk_err register_rank(sqlite3 *db)
{
    fts5_api *api;
    dk_err err = dk_text_fts5_api(db, &api);
    if (err)
        return err;
    if (api->xCreateFunction(api, "dkrank", NULL, dkrank, NULL) != SQLITE_OK)
        return dk_error_set(DK_ERR_DB, "cannot register the dkrank function: %s",
                            sqlite3_errmsg(db));
    return DK_OK;
}

/* ---- Opening ---- */

static dk_err open_fail(dk_store *s, dk_err err)
{
    char detail[DK_ERROR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", dk_error_detail());
    dk_store_close(s);
    dk_error_set(err, "%s", detail);
    return err;
}

/* Reads the layout version, the release and the counts. */
static dk_err load_info(dk_store *s, const char *path)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int layout = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        dk_err err = db_error(s->db, rc, "reading the content database");
        return dk_error_set(err, "%s is not a readable content database: %s", path,
                            sqlite3_errmsg(s->db));
    }
    if (layout == 0)
        return dk_error_set(DK_ERR_CORRUPT, "%s is not a content database (empty or unfinished)",
                            path);
    if (layout != DK_STORE_SCHEMA)
        return dk_error_set(DK_ERR_INVALID, "content database %s has layout %d, but this kiosk "
                            "reads layout %d: rebuild it from the content bundle",
                            path, layout, DK_STORE_SCHEMA);
    dk_err err = statement(s, Q_META, &st);
    if (err)
        return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *issued = (const char *)sqlite3_column_text(st, 1);
        const char *hash = (const char *)sqlite3_column_text(st, 2);
        const char *built = (const char *)sqlite3_column_text(st, 3);
        s->info.version = sqlite3_column_int64(st, 0);
        snprintf(s->info.issued, sizeof s->info.issued, "%s", issued ? issued : "");
        snprintf(s->info.content_hash, sizeof s->info.content_hash, "%s", hash ? hash : "");
        snprintf(s->info.built, sizeof s->info.built, "%s", built ? built : "");
    }
    statement_done(st);
    if (rc == SQLITE_DONE)
        return dk_error_set(DK_ERR_CORRUPT, "content database %s has no release record", path);
    if (rc != SQLITE_ROW)
        return db_error(s->db, rc, "reading the release record");
    if ((err = statement(s, Q_COUNTS, &st)))
        return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->info.districts = sqlite3_column_int64(st, 0);
        s->info.projects = sqlite3_column_int64(st, 1);
        s->info.groups = sqlite3_column_int64(st, 2);
        s->info.dates = sqlite3_column_int64(st, 3);
        s->info.pages = sqlite3_column_int64(st, 4);
    }
    statement_done(st);
    return rc == SQLITE_ROW ? DK_OK : db_error(s->db, rc, "counting content");
}

dk_err dk_store_open(const char *db_path, dk_store **out)
{
    if (!out)
        return dk_error_set(DK_ERR_INVALID, "dk_store_open: no result pointer");
    *out = NULL;
    if (!db_path || !*db_path)
        return dk_error_set(DK_ERR_INVALID, "dk_store_open: no path");
    struct stat sb;
    if (stat(db_path, &sb) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot open the content database %s: %s",
                            db_path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return dk_error_set(DK_ERR_INVALID, "%s is not a file", db_path);
    dk_store *s = calloc(1, sizeof *s);
    if (!s)
        return dk_error_set(DK_ERR_NOMEM, "cannot allocate a content store");
    int rc = sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK)
        return open_fail(s, db_error(s->db, rc, "opening the content database"));
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    dk_err err = dk_text_sqlite_register(s->db);
    if (!err)
        err = register_rank(s->db);
    if (!err)
        err = exec_sql(s->db, "PRAGMA query_only = ON", "opening the content database");
    /* Read-only, and its pages stay in the system's file cache: SQLite's own cache (2 MB by
     * default, as large as the whole bundled content) only kept a second copy of them in the
     * kiosk's memory. */
    if (!err)
        err = exec_sql(s->db, "PRAGMA cache_size = -" STRINGIFY(CACHE_KIB),
                       "opening the content database");
    if (!err)
        err = load_info(s, db_path);
    if (err)
        return open_fail(s, err);
    *out = s;
    return DK_OK;
}

void dk_store_close(dk_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db); /* read-only and every statement finalized: cannot fail */
    free(s);
}

dk_err dk_store_check(dk_store *s)
{
    if (!s)
        return dk_error_set(DK_ERR_INVALID, "dk_store_check: no store");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    dk_err err = DK_OK;
    if (rc == SQLITE_ROW) {
        const char *result = (const char *)sqlite3_column_text(st, 0);
        if (!result || strcmp(result, "ok") != 0)
            err = dk_error_set(DK_ERR_CORRUPT, "content database is damaged: %s",
                               result ? result : "(no result)");
    } else {
        err = db_error(s->db, rc, "checking the content database");
    }
    sqlite3_finalize(st);
    return err;
}

void dk_store_get_info(const dk_store *s, dk_store_info *out)
{
    *out = s->info;
}

/* ---- Districts ---- */

static void read_gallery_row(reader *r, sqlite3_stmt *st, void *item)
{
    read_image(r, st, GAL_HASH, item);
}

static void read_district_row(reader *r, sqlite3_stmt *st, void *item)
{
    dk_district *d = item;
    d->slug = read_text(r, st, D_SLUG);
    d->name = read_tr(r, st, D_NAME);
    d->color = read_text(r, st, D_COLOR);
    d->area_km2 = sqlite3_column_double(st, D_AREA);
    d->residents = sqlite3_column_int64(st, D_RESIDENTS);
    d->residents_year = sqlite3_column_int(st, D_RESIDENTS_YEAR); /* NULL reads as 0 */
    d->short_text = read_tr(r, st, D_SHORT);
    d->profile_md = read_tr(r, st, D_PROFILE);
    d->steering = read_tr(r, st, D_STEERING);
    read_image(r, st, D_HERO_HASH, &d->hero);
    d->office_name = read_tr(r, st, D_OFFICE_NAME);
    d->office_address = read_tr(r, st, D_OFFICE_ADDRESS);
    d->office_hours = read_tr(r, st, D_OFFICE_HOURS);
    d->office_phone = read_text(r, st, D_OFFICE_PHONE);
    d->office_email = read_text(r, st, D_OFFICE_EMAIL);
    if (r->err)
        return;
    /* At most DK_LIMIT_GALLERY small rows; a second statement may run while this one steps. */
    sqlite3_stmt *gst;
    dk_err err = statement(r->s, Q_GALLERY, &gst);
    if (!err) {
        int rc = sqlite3_bind_int64(gst, sqlite3_bind_parameter_index(gst, ":district"),
                                    sqlite3_column_int64(st, D_ID));
        err = rc != SQLITE_OK ? bind_failed(r->s, gst, rc)
                              : read_rows(r, gst, sizeof(dk_image_ref), read_gallery_row,
                                          (void **)&d->gallery, &d->gallery_count);
    }
    r->err = err;
}

/* The one entity of a kind with this slug, read by read_row into item: the shape shared by
 * dk_store_district(), _project(), _group() and _page(). DK_ERR_NOTFOUND if there is none. */
static dk_err query_by_slug(dk_store *s, enum query query, const char *slug, dk_lang lang,
                            dk_arena *arena, row_reader read_row, void *item, const char *what)
{
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err || (err = statement(s, query, &st)))
        return err;
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":slug", slug ? slug : "");
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_one(&r, st, read_row, item, what, slug ? slug : "");
}

dk_err dk_store_districts(dk_store *s, dk_lang lang, dk_arena *arena, dk_district **out,
                          size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err || (err = statement(s, Q_DISTRICTS, &st)))
        return err;
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":lang", lang);
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_rows(&r, st, sizeof **out, read_district_row, (void **)out, count);
}

dk_err dk_store_district(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                         dk_district *out)
{
    memset(out, 0, sizeof *out);
    return query_by_slug(s, Q_DISTRICT, slug, lang, arena, read_district_row, out, "district");
}

/* ---- Projects ---- */

/* Splits "a b c" (the group_concat of linked slugs) into an arena array. */
static void read_slug_list(reader *r, sqlite3_stmt *st, int col, const char ***out, size_t *count)
{
    const char *list = (const char *)sqlite3_column_text(st, col);
    *out = NULL;
    *count = 0;
    if (!list || !*list || r->err)
        return;
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ' ';
    const char **slugs = dk_arena_alloc(r->arena, n * sizeof *slugs);
    if (!slugs) {
        r->err = DK_ERR_LIMIT;
        return;
    }
    size_t i = 0;
    for (const char *p = list; *p && i < n;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        slugs[i++] = keep(r, p, len);
        p += len + (end != NULL);
    }
    *out = slugs;
    *count = i;
}

static void read_project_row(reader *r, sqlite3_stmt *st, int with_body, dk_project *p)
{
    p->slug = read_text(r, st, P_SLUG);
    p->district = read_text(r, st, P_DISTRICT);
    p->title = read_tr(r, st, P_TITLE);
    p->summary = read_tr(r, st, P_SUMMARY);
    p->body_md = with_body ? read_tr(r, st, P_BODY) : NULL;
    if (dk_status_parse((const char *)sqlite3_column_text(st, P_STATUS), &p->status) != DK_OK &&
        !r->err)
        r->err = dk_error_set(DK_ERR_CORRUPT, "content database: project with a bad status");
    p->start = read_text(r, st, P_START);
    p->end = read_text(r, st, P_END);
    read_image(r, st, P_IMAGE_HASH, &p->image);
    read_contact(r, st, P_CONTACT_ROLE, &p->contact);
    p->example = sqlite3_column_int(st, P_EXAMPLE) != 0;
    read_slug_list(r, st, P_GROUPS, &p->groups, &p->group_count);
}

static void read_project_list_row(reader *r, sqlite3_stmt *st, void *item)
{
    read_project_row(r, st, 0, item);
}

static void read_project_full_row(reader *r, sqlite3_stmt *st, void *item)
{
    read_project_row(r, st, 1, item);
}

dk_err dk_store_projects(dk_store *s, const char *district, unsigned status_mask,
                         const char *day, dk_lang lang, dk_arena *arena, dk_project **out,
                         size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err)
        return err;
    if (day && !date_valid(day))
        return dk_error_set(DK_ERR_INVALID, "'%.16s' is not a day YYYY-MM-DD", day);
    if ((err = statement(s, Q_PROJECTS, &st)))
        return err;
    _Static_assert(DK_STATUS_COUNT == 3, "Q_PROJECTS has one parameter per status");
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":lang", lang);
    bind_text(st, &rc, ":district", district);
    bind_text(st, &rc, ":day", day);
    for (int i = 0; i < DK_STATUS_COUNT; i++) {
        char param[16];
        snprintf(param, sizeof param, ":status%d", i);
        bind_text(st, &rc, param,
                  status_mask & DK_STORE_STATUS_BIT(i) ? dk_status_code((dk_project_status)i)
                                                       : NULL);
    }
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_rows(&r, st, sizeof **out, read_project_list_row, (void **)out, count);
}

dk_err dk_store_project(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                        dk_project *out)
{
    memset(out, 0, sizeof *out);
    return query_by_slug(s, Q_PROJECT, slug, lang, arena, read_project_full_row, out, "project");
}

/* ---- Groups ---- */

static void read_group_row(reader *r, sqlite3_stmt *st, void *item)
{
    dk_group *g = item;
    g->slug = read_text(r, st, G_SLUG);
    g->district = read_text(r, st, G_DISTRICT);
    if (dk_group_kind_parse((const char *)sqlite3_column_text(st, G_KIND), &g->kind) != DK_OK &&
        !r->err)
        r->err = dk_error_set(DK_ERR_CORRUPT, "content database: group with a bad kind");
    g->name = read_tr(r, st, G_NAME);
    g->purpose = read_tr(r, st, G_PURPOSE);
    g->rhythm = read_tr(r, st, G_RHYTHM);
    g->place = read_tr(r, st, G_PLACE);
    g->join = read_tr(r, st, G_JOIN);
    read_contact(r, st, G_CONTACT_ROLE, &g->contact);
    g->open = sqlite3_column_int(st, G_OPEN) != 0;
    g->example = sqlite3_column_int(st, G_EXAMPLE) != 0;
}

dk_err dk_store_groups(dk_store *s, const char *district, unsigned kind_mask, dk_lang lang,
                       dk_arena *arena, dk_group **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err || (err = statement(s, Q_GROUPS, &st)))
        return err;
    _Static_assert(DK_GROUP_KIND_COUNT == 4, "Q_GROUPS has one parameter per kind");
    int rc = SQLITE_OK;
    bind_int(st, &rc, ":lang", lang);
    bind_text(st, &rc, ":district", district);
    for (int i = 0; i < DK_GROUP_KIND_COUNT; i++) {
        char param[16];
        snprintf(param, sizeof param, ":kind%d", i);
        bind_text(st, &rc, param,
                  kind_mask & DK_STORE_KIND_BIT(i) ? dk_group_kind_code((dk_group_kind)i) : NULL);
    }
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_rows(&r, st, sizeof **out, read_group_row, (void **)out, count);
}

dk_err dk_store_group(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                      dk_group *out)
{
    memset(out, 0, sizeof *out);
    return query_by_slug(s, Q_GROUP, slug, lang, arena, read_group_row, out, "group");
}

dk_err dk_store_project_groups(dk_store *s, const char *project, dk_lang lang, dk_arena *arena,
                               dk_group **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err || (err = statement(s, Q_PROJECT_GROUPS, &st)))
        return err;
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":project", project ? project : "");
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_rows(&r, st, sizeof **out, read_group_row, (void **)out, count);
}

/* ---- Dates and pages ---- */

static void read_date_row(reader *r, sqlite3_stmt *st, void *item)
{
    dk_date *e = item;
    e->id = read_text(r, st, E_ID);
    e->district = read_text(r, st, E_DISTRICT);
    e->title = read_tr(r, st, E_TITLE);
    e->place = read_tr(r, st, E_PLACE);
    e->description = read_tr(r, st, E_DESCRIPTION);
    e->start = read_text(r, st, E_START);
    e->end = read_text(r, st, E_END);
    e->group = read_text(r, st, E_GROUP);
    e->project = read_text(r, st, E_PROJECT);
    e->example = sqlite3_column_int(st, E_EXAMPLE) != 0;
}

dk_err dk_store_dates(dk_store *s, const char *from, const char *district, const char *group,
                      const char *project, size_t limit, dk_lang lang, dk_arena *arena,
                      dk_date **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    dk_err err = check_query(s, lang, arena);
    if (err)
        return err;
    if (from && !datetime_valid(from))
        return dk_error_set(DK_ERR_INVALID, "'%.20s' is not a time YYYY-MM-DDTHH:MM", from);
    if (limit == 0)
        return DK_OK;
    if ((err = statement(s, Q_DATES, &st)))
        return err;
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":from", from);
    bind_text(st, &rc, ":district", district);
    bind_text(st, &rc, ":group", group);
    bind_text(st, &rc, ":project", project);
    bind_int(st, &rc, ":limit", limit > (size_t)DK_LIMIT_DATES ? DK_LIMIT_DATES : (long long)limit);
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    reader r = {s, arena, lang, DK_OK};
    return read_rows(&r, st, sizeof **out, read_date_row, (void **)out, count);
}

static void read_page_row(reader *r, sqlite3_stmt *st, void *item)
{
    dk_page *p = item;
    p->slug = read_text(r, st, PG_SLUG);
    p->title = read_tr(r, st, PG_TITLE);
    p->body_md = read_tr(r, st, PG_BODY);
}

dk_err dk_store_page(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                     dk_page *out)
{
    memset(out, 0, sizeof *out);
    return query_by_slug(s, Q_PAGE, slug, lang, arena, read_page_row, out, "page");
}

/* ---- Search ---- */

/* Turns what a visitor typed into an FTS5 expression that can only be a list of quoted words:
 * each word is folded like the index and put in double quotes (so AND, NEAR, *, ( and " in the
 * input are plain text), and the last word gets a prefix star if the visitor may still be
 * typing it. Returns the number of words (0: nothing to search for). */
static size_t search_expression(const char *query, char *out, size_t outsz)
{
    size_t len = strnlen(query, DK_STORE_QUERY_MAX), pos = 0, n = 0, used = 0, last_end = 0;
    dk_text_word w;
    out[0] = '\0';
    while (n < DK_STORE_QUERY_TERMS && dk_text_next_word(query, len, &pos, &w)) {
        if (w.folded_len == 0)
            continue;
        /* a space, two quotes, a star and the NUL around at most DK_TEXT_TOKEN_MAX bytes */
        if (used + w.folded_len + 5 > outsz)
            break;
        if (n > 0)
            out[used++] = ' ';
        out[used++] = '"';
        memcpy(out + used, w.folded, w.folded_len); /* letters and digits only: no quote */
        used += w.folded_len;
        out[used++] = '"';
        out[used] = '\0';
        last_end = w.end;
        n++;
    }
    if (n > 0 && last_end == len && used + 2 <= outsz) {
        out[used++] = '*';
        out[used] = '\0';
    }
    return n;
}

/* Copies a snippet into the arena with every run of white space made one space. */
/* The snippet FTS5 cut from the indexed text, on one line. The indexed text holds each field on
 * a line of its own, so a line break inside the snippet is where one field ended and the next
 * began: it becomes " · " unless the field ended in punctuation anyway, so that "the office" and
 * "New faces are welcome" do not read as one sentence. Other white space runs become one space. */
static const char *keep_snippet(reader *r, const char *text)
{
    size_t n = strlen(text);
    char *p = r->err ? NULL : dk_arena_alloc(r->arena, 2 * n + 1); /* " · " is 4 bytes for 1 */
    if (!p) {
        r->err = r->err ? r->err : DK_ERR_LIMIT;
        return "";
    }
    size_t j = 0, i = 0;
    while (i < n) {
        char c = text[i];
        if (!(c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
            p[j++] = c;
            i++;
            continue;
        }
        int newline = 0;
        for (; i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'); i++)
            newline |= text[i] == '\n';
        if (j == 0 || i == n)
            continue; /* trims both ends */
        size_t k = j; /* the last character written, skipping the match marks */
        while (k > 0 && (p[k - 1] == DK_STORE_MARK_ON[0] || p[k - 1] == DK_STORE_MARK_OFF[0]))
            k--;
        int ends_sentence = k > 0 && strchr(".:;!?", p[k - 1]) != NULL;
        if (newline && !ends_sentence) {
            memcpy(p + j, " \xC2\xB7 ", 4);
            j += 4;
        } else {
            p[j++] = ' ';
        }
    }
    p[j] = '\0';
    return p;
}

/* Fills hit (whose kind and id are set) with its title in r->lang. */
static dk_err search_title(reader *r, dk_search_hit *hit)
{
    sqlite3_stmt *st;
    dk_err err = statement(r->s, Q_TITLE, &st);
    if (err)
        return err;
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":kind", hit->kind);
    bind_text(st, &rc, ":ref", hit->id);
    if (rc != SQLITE_OK)
        return bind_failed(r->s, st, rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        hit->title = read_tr(r, st, 0);
    else if (rc == SQLITE_DONE)
        hit->title = hit->id; /* an index row without its entity: show the slug, not nothing */
    else
        err = db_error(r->s->db, rc, "reading a search hit's title");
    statement_done(st);
    return err ? err : r->err;
}

dk_err dk_store_search(dk_store *s, const char *query, dk_lang lang, size_t limit,
                       dk_arena *arena, dk_search_hit **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    dk_err err = check_query(s, lang, arena);
    if (err)
        return err;
    char match[DK_STORE_QUERY_TERMS * (DK_TEXT_TOKEN_MAX + 3) + 2];
    if (!query || limit == 0 || search_expression(query, match, sizeof match) == 0)
        return DK_OK;
    if (limit > DK_STORE_SEARCH_MAX)
        limit = DK_STORE_SEARCH_MAX;

    /* First the best entities, without snippets (cheap for thousands of matches)... */
    sqlite3_int64 ids[DK_STORE_SEARCH_MAX];
    double ranks[DK_STORE_SEARCH_MAX];
    size_t n = 0;
    sqlite3_stmt *st;
    if ((err = statement(s, Q_SEARCH, &st)))
        return err;
    int rc = SQLITE_OK;
    bind_text(st, &rc, ":match", match);
    bind_text(st, &rc, ":lang", dk_lang_code(lang));
    bind_int(st, &rc, ":limit", (long long)limit);
    if (rc != SQLITE_OK)
        return bind_failed(s, st, rc);
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        ranks[n] = sqlite3_column_double(st, 1);
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = db_error(s->db, rc, "searching");
    statement_done(st);
    if (err || n == 0)
        return err;

    /* ...then a snippet for each of them. */
    reader r = {s, arena, lang, DK_OK};
    dk_search_hit *hits = dk_arena_alloc(arena, n * sizeof *hits);
    if (!hits)
        return DK_ERR_LIMIT;
    if ((err = statement(s, Q_SNIPPET, &st)))
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        rc = SQLITE_OK;
        bind_text(st, &rc, ":match", match);
        bind_int(st, &rc, ":id", ids[i]);
        bind_text(st, &rc, ":on", DK_STORE_MARK_ON);
        bind_text(st, &rc, ":off", DK_STORE_MARK_OFF);
        bind_int(st, &rc, ":words", DK_STORE_SNIPPET_WORDS);
        if (rc != SQLITE_OK)
            return bind_failed(s, st, rc);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            hits[i].kind = read_text(&r, st, 0);
            hits[i].id = read_text(&r, st, 1);
            const char *snippet = (const char *)sqlite3_column_text(st, 2);
            hits[i].snippet = keep_snippet(&r, snippet ? snippet : "");
            hits[i].rank = ranks[i];
            err = r.err;
        } else if (rc == SQLITE_DONE) {
            err = dk_error_set(DK_ERR_CORRUPT, "a search hit vanished from the index");
        } else {
            err = db_error(s->db, rc, "reading a search hit");
        }
        statement_done(st);
        if (!err)
            err = search_title(&r, &hits[i]);
    }
    if (err)
        return err;
    *out = hits;
    *count = n;
    return DK_OK;
}
