/* dk_store.h: the kiosk's content database: built once from a content document, then read. */
#ifndef DK_STORE_H
#define DK_STORE_H

#include "dk_arena.h"
#include "dk_content.h"
#include "dk_crypto.h"
#include "dk_error.h"

#include <stddef.h>

/* Layout version of the database (PRAGMA user_version). Raise it with any change to the tables
 * in dk_store.c; a kiosk refuses a database whose layout it does not know. */
#define DK_STORE_SCHEMA 1

/* Search tunables. */
#define DK_STORE_QUERY_MAX 256      /* [bytes] of a query that are read; the rest is ignored */
#define DK_STORE_QUERY_TERMS 8      /* [words] of a search query that are used */
#define DK_STORE_SEARCH_MAX 100     /* [hits] most one search returns */
#define DK_STORE_SNIPPET_WORDS 12   /* [words] length of a search snippet */
/* A search snippet marks each match with these (content never holds control characters). */
#define DK_STORE_MARK_ON "\x02"
#define DK_STORE_MARK_OFF "\x03"

/* ---- Building ---- */

typedef struct dk_store_release {
    long long version;        /* release number, >= 0 */
    const char *issued;       /* when the release was issued ("2026-11-26T10:00:00Z"), or NULL */
    const char *content_hash; /* SHA-256 (hex) of the content document, or NULL to compute it */
} dk_store_release;

/* Builds the content database at db_path from a content document (docs/content-model.md) of
 * len bytes. The document is treated as untrusted: it is parsed with duplicate keys rejected and
 * every field's type and shape is checked. The database is built in "<db_path>.new" (a stale one
 * is deleted first) in one transaction, checked, fsynced and then renamed over db_path, so that
 * an interruption at any point leaves the previous db_path as it was and readers see either the
 * old or the new database, never a mixture. rel may be NULL (version 0, no issue time).
 * Fails with:
 *   DK_ERR_INVALID  bad arguments, a document of another format or an unknown schema;
 *   DK_ERR_CORRUPT  a document that is not JSON, or has a missing or wrongly typed field, a
 *                   dangling reference, a duplicate slug, or a content_hash that does not match;
 *   DK_ERR_LIMIT    a document or list larger than the limits in dk_content.h;
 *   DK_ERR_NOSPACE, DK_ERR_IO, DK_ERR_DB, DK_ERR_NOMEM, DK_ERR_FAULT (tests).
 * The detail (dk_error_detail) names the field or step. On failure db_path is untouched and
 * "<db_path>.new" is removed. Only one build per db_path may run at a time. */
dk_err dk_store_build(const char *db_path, const char *content_json, size_t len,
                      const dk_store_release *rel) DK_MUST_CHECK;

/* ---- Reading ---- */

/* A read-only connection to a content database. One thread uses a handle at a time. A handle
 * keeps reading the database it opened even after a rebuild renamed a new one over its path;
 * open again to see the new content. */
typedef struct dk_store dk_store;

/* Opens db_path read-only and checks its layout version. *out receives a handle to close with
 * dk_store_close(). Fails with DK_ERR_NOTFOUND (no such file), DK_ERR_INVALID (a layout this
 * kiosk does not know), DK_ERR_CORRUPT (not a content database), DK_ERR_DB, DK_ERR_NOMEM;
 * *out is NULL then. */
dk_err dk_store_open(const char *db_path, dk_store **out) DK_MUST_CHECK;
void dk_store_close(dk_store *s); /* accepts NULL */

/* Runs SQLite's quick_check and FTS5's integrity check. DK_ERR_CORRUPT if either finds damage,
 * DK_ERR_DB if they cannot run. For start-up and tests. */
dk_err dk_store_check(dk_store *s) DK_MUST_CHECK;

typedef struct dk_store_info {
    long long version;                  /* release version */
    char issued[40];                    /* release issue time, "" if none */
    char content_hash[DK_SHA256_HEX];   /* SHA-256 of the content document */
    char built[24];                     /* when the database was built: "YYYY-MM-DDTHH:MM:SSZ" */
    long long districts, projects, groups, dates, pages; /* [entities] */
} dk_store_info;

/* Copies the release and counts, read when the store was opened. Can't fail. */
void dk_store_get_info(const dk_store *s, dk_store_info *out);

/* Query results. Every string is resolved to the requested language, with German where a
 * translation is missing, and is never NULL ("" when an optional value is absent) unless a
 * field says otherwise. Every string and array belongs to the arena passed to the query and
 * stays valid until that arena is reset or freed. */

typedef struct dk_image_ref {
    char hash[DK_SHA256_HEX]; /* the file's name in the object store; "" when there is no image */
    const char *mime;
    int width, height;        /* [px] */
    const char *alt;
} dk_image_ref;

typedef struct dk_contact {
    const char *role, *person, *email, *phone, *address;
} dk_contact;

typedef struct dk_district {
    const char *slug, *name;
    const char *color;        /* "#rrggbb" */
    const char *short_text;
    const char *profile_md;   /* Markdown */
    const char *steering;
    double area_km2;
    long long residents;
    int residents_year;       /* 0 when unknown */
    dk_image_ref hero;
    dk_image_ref *gallery;
    size_t gallery_count;
    const char *office_name, *office_address, *office_hours, *office_phone, *office_email;
} dk_district;

typedef struct dk_project {
    const char *slug, *district, *title, *summary;
    const char *body_md;      /* Markdown; NULL in dk_store_projects() lists, see there */
    dk_project_status status;
    const char *start, *end;  /* "YYYY-MM-DD"; end "" if open */
    dk_image_ref image;       /* hash "" when the project has none */
    dk_contact contact;
    const char **groups;      /* slugs of linked groups, in the author's order */
    size_t group_count;
    int example;              /* 1: an invented example, shown with a badge */
} dk_project;

typedef struct dk_group {
    const char *slug, *district;
    dk_group_kind kind;
    const char *name, *purpose, *rhythm, *place, *join;
    dk_contact contact;
    int open;                 /* 1: takes new members now */
    int example;
} dk_group;

typedef struct dk_date {
    const char *id, *district, *title, *place, *description;
    const char *start, *end;  /* "YYYY-MM-DDTHH:MM" local time; end "" if none */
    const char *group, *project; /* slugs, "" if none */
    int example;
} dk_date;

typedef struct dk_page {
    const char *slug, *title, *body_md;
} dk_page;

typedef struct dk_search_hit {
    const char *kind;         /* "district", "project", "group", "date" or "page" */
    const char *id;           /* slug (a date's id) */
    const char *title;
    const char *snippet;      /* text around the match, matches between DK_STORE_MARK_ON/OFF */
    double rank;              /* BM25F score, negated like bm25(): lower is better; best first */
} dk_search_hit;

/* Masks for filters: one bit per enum value. */
#define DK_STORE_STATUS_BIT(status) (1u << (status))
#define DK_STORE_ALL_STATUSES ((1u << DK_STATUS_COUNT) - 1u)
#define DK_STORE_KIND_BIT(kind) (1u << (kind))
#define DK_STORE_ALL_KINDS ((1u << DK_GROUP_KIND_COUNT) - 1u)

/* All the queries below return DK_OK or an error: DK_ERR_INVALID for a bad argument,
 * DK_ERR_NOTFOUND where a single item is missing, DK_ERR_LIMIT when the arena's budget runs out,
 * DK_ERR_DB/DK_ERR_CORRUPT/DK_ERR_NOMEM. List queries set *out to an array of *count items
 * (NULL and 0 when nothing matches, and on error). On error the arena may hold part of a result;
 * it is reclaimed with the arena. */

/* All districts, sorted by name in lang (folded, as in a German dictionary). */
dk_err dk_store_districts(dk_store *s, dk_lang lang, dk_arena *arena, dk_district **out,
                          size_t *count) DK_MUST_CHECK;
/* One district with its gallery. DK_ERR_NOTFOUND if there is none with that slug. */
dk_err dk_store_district(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                         dk_district *out) DK_MUST_CHECK;

/* Projects of one district (NULL: all) whose status is in status_mask (DK_STORE_STATUS_BIT),
 * visible on day "YYYY-MM-DD" (between visible_from and visible_until; NULL: ignore
 * visibility), sorted by title in lang. body_md is NULL in these lists, to keep a list of
 * thousands small; dk_store_project() returns it. */
dk_err dk_store_projects(dk_store *s, const char *district, unsigned status_mask,
                         const char *day, dk_lang lang, dk_arena *arena, dk_project **out,
                         size_t *count) DK_MUST_CHECK;
/* One project, with its body, whatever its visibility. DK_ERR_NOTFOUND if missing. */
dk_err dk_store_project(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                        dk_project *out) DK_MUST_CHECK;

/* Groups of one district (NULL: all) whose kind is in kind_mask (DK_STORE_KIND_BIT), sorted by
 * name in lang. */
dk_err dk_store_groups(dk_store *s, const char *district, unsigned kind_mask, dk_lang lang,
                       dk_arena *arena, dk_group **out, size_t *count) DK_MUST_CHECK;
/* One group. DK_ERR_NOTFOUND if missing. */
dk_err dk_store_group(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                      dk_group *out) DK_MUST_CHECK;
/* The groups a project links to, in the project's order (none for an unknown project). */
dk_err dk_store_project_groups(dk_store *s, const char *project, dk_lang lang, dk_arena *arena,
                               dk_group **out, size_t *count) DK_MUST_CHECK;

/* At most limit dates that have not ended at from ("YYYY-MM-DDTHH:MM"; NULL: all): those
 * starting at or after from, and those that started before and end at or after it. Filtered
 * by district, group and project slug (each NULL: any), sorted by start. */
dk_err dk_store_dates(dk_store *s, const char *from, const char *district, const char *group,
                      const char *project, size_t limit, dk_lang lang, dk_arena *arena,
                      dk_date **out, size_t *count) DK_MUST_CHECK;

/* One page ("about", "privacy", "legal", ...). DK_ERR_NOTFOUND if missing. */
dk_err dk_store_page(dk_store *s, const char *slug, dk_lang lang, dk_arena *arena,
                     dk_page *out) DK_MUST_CHECK;

/* Full-text search over every text in every language, for results as the visitor types. The
 * query is folded like the content ("hörde", "Hoerde" and "HORDE" find "Hörde"; "strasse" finds
 * "Straße"), its words must all match, and its last word matches as a prefix unless the query
 * ends with a space or punctuation. User input is never parsed as FTS5 syntax: a query with no
 * letters or digits, or with FTS5 operators, simply gives its plain-word results or none. At
 * most min(limit, DK_STORE_SEARCH_MAX) hits, best first (titles weigh more than texts); each
 * entity appears once, with its title in lang and a snippet from lang's text where it matched
 * there, else from German, else from the language that matched. Ranking is BM25F (bm25 with
 * each column normalised by its own length, so the title weight does not saturate away). */
dk_err dk_store_search(dk_store *s, const char *query, dk_lang lang, size_t limit,
                       dk_arena *arena, dk_search_hit **out, size_t *count) DK_MUST_CHECK;

#endif
