/* hub_release.c: import, publish, the re-signed timestamp, and release trees (docs/hub.md). */
#include "hub_release.h"

#include "dk_bundle.h"
#include "dk_content.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_WAIT_S 30                 /* [s] wait for another writer of the data folder */
#define MAX_TREE_ENTRIES 1000000       /* [entries] one folder of a release tree */
#define COPY_CHUNK (256 * 1024)        /* [bytes] buffer when copying objects */
/* The packer's JSON flags: the content document must come out byte for byte the same. */
#define CONTENT_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))
#define MANIFEST_FILE_MAX (DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX)

/* ---- small helpers ---- */

static long long max_ll(long long a, long long b)
{
    return a > b ? a : b;
}

static dk_err path_in(char out[HUB_PATH_MAX], const char *dir, const char *name)
{
    return dk_fs_join(out, HUB_PATH_MAX, dir, name);
}

static dk_err manifest_path(char out[HUB_PATH_MAX], const char *manifests_dir, long long version)
{
    char name[40];
    snprintf(name, sizeof name, "%lld.signed", version);
    return path_in(out, manifests_dir, name);
}

/* V from a "<V>.signed" name (no sign, no leading zero), else 0. */
static long long manifest_name_version(const char *name)
{
    size_t n = strlen(name), digits = 0;
    while (digits < n && name[digits] >= '0' && name[digits] <= '9')
        digits++;
    if (digits == 0 || digits > 18 || name[0] == '0' || strcmp(name + digits, ".signed") != 0)
        return 0;
    return strtoll(name, NULL, 10);
}

/* The highest V of manifests/<V>.signed in dir (0 if none). */
static long long highest_manifest_on_disk(const char *dir)
{
    char **names = NULL;
    size_t n = 0;
    long long best = 0;
    if (dk_fs_list(dir, MAX_TREE_ENTRIES, &names, &n) != DK_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        best = max_ll(best, manifest_name_version(names[i]));
    free(names);
    return best;
}

/* The keys the hub checks its own files with: those that sign now. */
static dk_err keyring_of(const hub_site *s, dk_sign_keyring *ring)
{
    memset(ring, 0, sizeof *ring);
    const dk_sign_key *keys[2];
    size_t n = hub_site_signers(s, keys);
    dk_err err = n ? DK_OK : dk_error_set(DK_ERR_INVALID, "the signing key is not loaded");
    for (size_t i = 0; i < n && !err; i++)
        err = dk_sign_keyring_add(ring, keys[i]->pub);
    return err;
}

/* Signs payload with every key that signs now: the current key and, while a rotation is in
 * progress, its successor (hub_keys.h), so that kiosks trusting either accept it. */
static dk_err sign_all(const hub_site *s, dk_sign_type type, const void *payload, size_t len,
                       char **env, size_t *envlen)
{
    const dk_sign_key *keys[2];
    size_t n = hub_site_signers(s, keys);
    if (n == 0)
        return dk_error_set(DK_ERR_INVALID, "the signing key is not loaded");
    return dk_sign_envelope_multi(type, keys, n, payload, len, env, envlen);
}

/* 1 if env carries exactly one signature line by each key that signs now, and no other. */
static int signed_by_signers(const hub_site *s, dk_sign_type type, const char *env, size_t len)
{
    unsigned char pubs[DK_SIGN_MAX_SIGS][DK_SIGN_PUBLIC_BYTES];
    size_t count = 0;
    const dk_sign_key *keys[2];
    size_t n = hub_site_signers(s, keys);
    if (dk_sign_envelope_signers(type, env, len, pubs, &count) != DK_OK || count != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t k = 0; k < count && !found; k++)
            found = memcmp(pubs[k], keys[i]->pub, DK_SIGN_PUBLIC_BYTES) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

/* Reads and verifies a signed timestamp file; DK_ERR_NOTFOUND if it does not exist. */
static dk_err read_timestamp(const char *path, const dk_sign_keyring *ring, dk_timestamp *out,
                             char **raw, size_t *rawlen)
{
    char *env = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, DK_TIMESTAMP_MAX, &env, &len);
    if (err)
        return err;
    const char *payload;
    size_t plen;
    if (!(err = dk_sign_verify(DK_SIGN_TIMESTAMP, ring, env, len, &payload, &plen)))
        err = dk_timestamp_parse(payload, plen, out);
    if (err || !raw) {
        free(env);
    } else {
        *raw = env;
        *rawlen = len;
    }
    return err;
}

/* Reads manifests/<V>.signed from manifests_dir, checks the announced length and hash (when
 * given), the signature, and that it parses with version V. *m is freed with dk_manifest_free. */
static dk_err read_manifest(const char *manifests_dir, long long version, uint64_t want_len,
                            const char *want_sha, const dk_sign_keyring *ring, dk_manifest **m,
                            char **raw, size_t *rawlen)
{
    *m = NULL;
    char path[HUB_PATH_MAX];
    dk_err err = manifest_path(path, manifests_dir, version);
    if (err)
        return err;
    char *env = NULL;
    size_t len = 0;
    if ((err = dk_fs_read(path, MANIFEST_FILE_MAX, &env, &len))) {
        if (err == DK_ERR_NOTFOUND)
            return dk_error_set(err, "manifest %s is missing", path);
        return err;
    }
    char sha[DK_SHA256_HEX];
    dk_sha256_hex(env, len, sha);
    const char *payload;
    size_t plen;
    if (want_sha && (len != want_len || strcmp(sha, want_sha) != 0)) {
        err = dk_error_set(DK_ERR_CORRUPT,
                           "manifest %lld does not match the timestamp (length %zu, announced "
                           "%llu, or a different SHA-256)",
                           version, len, (unsigned long long)want_len);
    } else if (!(err = dk_sign_verify(DK_SIGN_MANIFEST, ring, env, len, &payload, &plen)) &&
               !(err = dk_manifest_parse(payload, plen, m)) && (*m)->version != version) {
        err = dk_error_set(DK_ERR_PROTOCOL, "manifests/%lld.signed holds release %lld", version,
                           (*m)->version);
    }
    if (err) {
        dk_manifest_free(*m);
        *m = NULL;
        free(env);
        return err;
    }
    if (raw) {
        *raw = env;
        *rawlen = len;
    } else {
        free(env);
    }
    return DK_OK;
}

/* ---- the content document, built from the draft ---- */

typedef struct media_ref {
    char hash[DK_SHA256_HEX];
    uint64_t length;
    char mime[24];
} media_ref;

typedef struct doc_ctx {
    json_t *list;
    json_t *media; /* hash -> [length, mime]: a set, so shared images count once */
    hub_kind kind;
    int oom;
} doc_ctx;

/* Images in the content document are {"alt", "hash", "height", "length", "mime", "width"}. */
static void collect_media(doc_ctx *c, json_t *v)
{
    if (json_is_object(v)) {
        const char *hash = json_string_value(json_object_get(v, "hash"));
        const char *mime = json_string_value(json_object_get(v, "mime"));
        json_t *length = json_object_get(v, "length");
        if (hash && mime && json_is_integer(length) && dk_sha256_hex_valid(hash)) {
            json_t *entry = json_pack("[I,s]", json_integer_value(length), mime);
            if (!entry || json_object_set_new(c->media, hash, entry) != 0)
                c->oom = 1;
            return;
        }
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) {
            collect_media(c, child);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            collect_media(c, child);
        }
    }
}

static dk_err add_entity(void *ctx, const char *slug, const char *district, const char *json,
                         size_t len)
{
    (void)district;
    doc_ctx *c = ctx;
    json_error_t jerr;
    json_t *e = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(e)) {
        json_decref(e);
        return dk_error_set(DK_ERR_CORRUPT, "the %s '%s' in hub.db is not a JSON object; import "
                            "the content again", hub_kind_name(c->kind), slug);
    }
    collect_media(c, e);
    if (json_array_append_new(c->list, e) != 0)
        c->oom = 1;
    return DK_OK;
}

static int cmp_media_ref(const void *a, const void *b)
{
    return strcmp(((const media_ref *)a)->hash, ((const media_ref *)b)->hash);
}

/* Builds the content document from the draft (inside a transaction of the caller's), and the
 * media it uses sorted by hash (*media freed with free(); may be NULL). */
static dk_err build_document(hub_site *s, char **doc, size_t *len, media_ref **media,
                             size_t *nmedia, int count[HUB_KIND_COUNT])
{
    *doc = NULL;
    *len = 0;
    if (media) {
        *media = NULL;
        *nmedia = 0;
    }
    json_t *lists[HUB_KIND_COUNT] = {0};
    json_t *set = json_object();
    dk_err err = set ? DK_OK : dk_error_set(DK_ERR_NOMEM, "out of memory");
    int oom = 0, total = 0;
    for (int k = 0; k < HUB_KIND_COUNT && !err; k++) {
        lists[k] = json_array();
        doc_ctx c = {lists[k], set, (hub_kind)k, !lists[k]};
        if (!c.oom)
            err = hub_db_entities_each(s->db, (hub_kind)k, add_entity, &c);
        oom |= c.oom;
        count[k] = (int)json_array_size(lists[k]);
        total += count[k];
    }
    json_t *root = NULL;
    if (!err && oom)
        err = dk_error_set(DK_ERR_NOMEM, "out of memory building the content document");
    if (!err && total == 0)
        err = dk_error_set(DK_ERR_NOTFOUND,
                           "the hub holds no content yet; run district-hub import CONTENT_DIR");
    if (!err) {
        /* The packer's shape (dk_pack.c): the same keys, sorted, the same flags. */
        root = json_pack("{s:s,s:i,s:O,s:O,s:O,s:O,s:O}", "format", DK_CONTENT_FORMAT, "schema",
                         DK_CONTENT_SCHEMA, "districts", lists[HUB_DISTRICT], "projects",
                         lists[HUB_PROJECT], "groups", lists[HUB_GROUP], "dates", lists[HUB_DATE],
                         "pages", lists[HUB_PAGE]);
        *doc = root ? json_dumps(root, CONTENT_JSON_FLAGS) : NULL;
        if (!*doc)
            err = dk_error_set(DK_ERR_NOMEM, "out of memory writing the content document");
        else
            *len = strlen(*doc);
    }
    if (!err && *len > (size_t)DK_LIMIT_CONTENT_DOC)
        err = dk_error_set(DK_ERR_LIMIT, "the content document would be %zu bytes; the limit is %ld",
                           *len, (long)DK_LIMIT_CONTENT_DOC);
    if (!err && media) {
        size_t n = json_object_size(set), i = 0;
        media_ref *list = calloc(n ? n : 1, sizeof *list);
        if (!list) {
            err = dk_error_set(DK_ERR_NOMEM, "out of memory");
        } else {
            const char *hash;
            json_t *v;
            json_object_foreach(set, hash, v) {
                snprintf(list[i].hash, sizeof list[i].hash, "%s", hash);
                list[i].length = (uint64_t)json_integer_value(json_array_get(v, 0));
                snprintf(list[i].mime, sizeof list[i].mime, "%s",
                         json_string_value(json_array_get(v, 1)));
                i++;
            }
            qsort(list, n, sizeof *list, cmp_media_ref);
            *media = list;
            *nmedia = n;
        }
    }
    if (err) {
        free(*doc);
        *doc = NULL;
        *len = 0;
    }
    json_decref(root);
    for (int k = 0; k < HUB_KIND_COUNT; k++)
        json_decref(lists[k]);
    json_decref(set);
    return err;
}

dk_err hub_content_document(hub_site *s, char **doc, size_t *len)
{
    int count[HUB_KIND_COUNT];
    dk_err err = hub_db_begin_read(s->db);
    if (err)
        return err;
    err = build_document(s, doc, len, NULL, NULL, count);
    hub_db_rollback(s->db); /* read only */
    return err;
}

/* ---- import ---- */

static dk_err store_entities(hub_site *s, json_t *root, long long import_id)
{
    for (int k = 0; k < HUB_KIND_COUNT; k++) {
        json_t *list = json_object_get(root, hub_kind_array((hub_kind)k));
        if (!json_is_array(list))
            return dk_error_set(DK_ERR_CORRUPT, "the packed content has no '%s'",
                                hub_kind_array((hub_kind)k));
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e) {
            const char *slug = json_string_value(json_object_get(e, k == HUB_DATE ? "id" : "slug"));
            const char *district = k == HUB_DISTRICT ? slug
                                   : k == HUB_PAGE   ? NULL
                                                     : json_string_value(json_object_get(e, "district"));
            if (!slug)
                return dk_error_set(DK_ERR_CORRUPT, "a packed %s has no slug",
                                    hub_kind_name((hub_kind)k));
            char *json = json_dumps(e, CONTENT_JSON_FLAGS);
            if (!json)
                return dk_error_set(DK_ERR_NOMEM, "out of memory storing the content");
            dk_err err = hub_db_entity_put(s->db, (hub_kind)k, slug, district, json, import_id);
            free(json);
            if (err)
                return err;
        }
    }
    return DK_OK;
}

/* Moves the bundle's media into site/objects (content-addressed, so a copy that is already
 * there and intact stays). Files first, database after: an orphan file is harmless. */
static dk_err adopt_media(hub_site *s, const char *bundle_objects, const dk_manifest *m, int *added)
{
    *added = 0;
    for (size_t i = 0; i < m->count; i++) {
        const dk_object *o = &m->objects[i];
        if (o->role != DK_ROLE_MEDIA || dk_object_verify(s->objects_dir, o) == DK_OK)
            continue;
        char from[HUB_PATH_MAX], to[HUB_PATH_MAX];
        dk_err err;
        if ((err = path_in(from, bundle_objects, o->hash)) || (err = path_in(to, s->objects_dir, o->hash)))
            return err;
        if (rename(from, to) != 0)
            return dk_error_set(dk_error_from_errno(errno), "cannot move %s to %s: %s", from, to,
                                strerror(errno));
        (*added)++;
    }
    return *added ? dk_fs_sync_dir(s->objects_dir) : DK_OK;
}

dk_err hub_import(hub_site *s, const char *content_dir, dk_problems *problems,
                  hub_import_summary *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    dk_manifest *m = NULL;
    char *doc = NULL, *rebuilt = NULL;
    json_t *root = NULL;
    int in_txn = 0;
    if ((err = dk_fs_remove_tree(s->import_tmp)))
        goto done;
    dk_pack_options opt = {0, NULL};
    /* The packer validates and writes a bundle; nothing reaches the store unless it is clean. */
    if ((err = dk_pack(content_dir, s->import_tmp, &opt, problems, &out->pack)))
        goto done;
    if ((err = dk_bundle_load(s->import_tmp, &m)))
        goto done;
    char objects[HUB_PATH_MAX], docpath[HUB_PATH_MAX];
    const dk_object *content = dk_manifest_content(m);
    if ((err = path_in(objects, s->import_tmp, DK_BUNDLE_OBJECTS)) ||
        (err = path_in(docpath, objects, content->hash)))
        goto done;
    size_t doclen = 0;
    if ((err = dk_fs_read(docpath, (size_t)DK_LIMIT_CONTENT_DOC, &doc, &doclen)))
        goto done;
    json_error_t jerr;
    root = json_loadb(doc, doclen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        err = dk_error_set(DK_ERR_CORRUPT, "the packed content document does not parse: %s",
                           jerr.text);
        goto done;
    }
    if ((err = adopt_media(s, objects, m, &out->objects_added)))
        goto done;

    if ((err = hub_db_begin_write(s->db)))
        goto done;
    in_txn = 1;
    hub_import_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.content_sha256, sizeof row.content_sha256, "%s", content->hash);
    row.count[HUB_DISTRICT] = out->pack.districts;
    row.count[HUB_PROJECT] = out->pack.projects;
    row.count[HUB_GROUP] = out->pack.groups;
    row.count[HUB_DATE] = out->pack.dates;
    row.count[HUB_PAGE] = out->pack.pages;
    row.media = out->pack.media;
    if ((err = hub_db_import_add(s->db, content_dir, &row)) ||
        (err = hub_db_entities_clear(s->db)) || (err = store_entities(s, root, row.id)))
        goto done;
    for (size_t i = 0; i < m->count && !err; i++)
        if (m->objects[i].role == DK_ROLE_MEDIA)
            err = hub_db_object_put(s->db, &m->objects[i]);
    if (err)
        goto done;
    /* The draft must give back exactly what the packer made, or publishing would not be the
     * same as packing: checked before the import counts. */
    int count[HUB_KIND_COUNT];
    size_t rlen = 0;
    if ((err = build_document(s, &rebuilt, &rlen, NULL, NULL, count)))
        goto done;
    if (rlen != doclen || memcmp(rebuilt, doc, doclen) != 0) {
        err = dk_error_set(DK_ERR_CORRUPT, "internal error: the stored content does not give back "
                           "the packed document; nothing was imported");
        goto done;
    }
    if ((err = hub_db_commit(s->db)))
        goto done;
    in_txn = 0;
    out->import_id = row.id;

done:
    if (in_txn)
        hub_db_rollback(s->db);
    json_decref(root);
    free(doc);
    free(rebuilt);
    dk_manifest_free(m);
    dk_err lost = dk_fs_remove_tree(s->import_tmp);
    (void)lost; /* a left-over is removed by the next import */
    hub_site_unlock(s);
    return err;
}

/* ---- which release named a key ---- */

static int cmp_version_desc(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

dk_err hub_release_first_naming(hub_site *s, const unsigned char pub[DK_SIGN_PUBLIC_BYTES],
                                long long *version)
{
    *version = 0;
    dk_sign_keyring ring;
    char **names = NULL;
    size_t n = 0;
    dk_err err = keyring_of(s, &ring);
    if (err || (err = dk_fs_list(s->manifests_dir, MAX_TREE_ENTRIES, &names, &n)))
        return err;
    long long *versions = calloc(n ? n : 1, sizeof *versions);
    if (!versions) {
        free(names);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if ((versions[count] = manifest_name_version(names[i])) > 0)
            count++;
    free(names);
    qsort(versions, count, sizeof *versions, cmp_version_desc);
    /* Newest first; a run of rotation releases is short, so only a few manifests are read. */
    for (size_t i = 0; i < count; i++) {
        dk_manifest *m = NULL;
        if (read_manifest(s->manifests_dir, versions[i], 0, NULL, &ring, &m, NULL, NULL) != DK_OK)
            break;
        int named = 0;
        for (size_t k = 0; k < m->key_count && !named; k++)
            named = memcmp(m->keys[k], pub, DK_SIGN_PUBLIC_BYTES) == 0;
        dk_manifest_free(m);
        if (!named)
            break;
        *version = versions[i];
    }
    free(versions);
    dk_error_clear(); /* a manifest that ended the run is no error of this function */
    return DK_OK;
}

/* ---- timestamp ---- */

/* Signs a timestamp naming release r, records it (inside the caller's write transaction) and
 * returns the envelope for the caller to write after the commit. */
static dk_err sign_timestamp(hub_site *s, long long now, const hub_release_row *r, dk_timestamp *ts,
                             char **env, size_t *envlen)
{
    long long db_max = 0;
    dk_err err = hub_db_timestamp_max(s->db, &db_max);
    if (err)
        return err;
    /* The file may hold a version the database lost (a commit that failed after the write):
     * never sign a version that is not higher than anything a kiosk may have seen. */
    dk_sign_keyring ring;
    dk_timestamp cur;
    long long file_version = 0;
    if (keyring_of(s, &ring) == DK_OK && read_timestamp(s->timestamp_path, &ring, &cur, NULL, NULL) == DK_OK)
        file_version = cur.version;
    memset(ts, 0, sizeof *ts);
    /* At least the time in seconds, too: a hub restored from an older backup still signs
     * versions above those the kiosks have seen, instead of being refused until it catches up. */
    ts->version = max_ll(max_ll(db_max, file_version) + 1, now);
    dk_time_format(now, ts->issued);
    dk_time_format(now + s->cfg.timestamp_lifetime_s, ts->expires);
    ts->manifest_version = r->version;
    ts->manifest_length = r->manifest_length;
    snprintf(ts->manifest_sha256, sizeof ts->manifest_sha256, "%s", r->manifest_sha256);
    char *payload = NULL;
    size_t plen = 0;
    if ((err = dk_timestamp_serialize(ts, &payload, &plen)))
        return err;
    err = sign_all(s, DK_SIGN_TIMESTAMP, payload, plen, env, envlen);
    free(payload);
    if (!err)
        err = hub_db_timestamp_add(s->db, ts);
    if (err) {
        free(*env);
        *env = NULL;
    }
    return err;
}

dk_err hub_timestamp_refresh(hub_site *s, long long now, int force, hub_timestamp_state *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    /* The writers' lock is held throughout: no publish can come in between. */
    long long quarter = s->cfg.timestamp_lifetime_s / 4;
    hub_release_row r;
    dk_sign_keyring ring;
    dk_timestamp cur;
    char *env = NULL, *raw = NULL;
    size_t envlen = 0, rawlen = 0;
    if ((err = hub_db_begin_read(s->db)))
        goto unlock;
    err = hub_db_release_latest(s->db, &r);
    hub_db_rollback(s->db);
    /* The keys may have changed since the last signing (key rotate or finish, in another
     * process): the keys on disk sign, and a change re-signs at once (below). */
    if (err || (err = hub_site_load_keys(s, &out->keys_changed)) || (err = keyring_of(s, &ring)))
        goto unlock;
    long long issued = 0;
    /* A timestamp signed by other keys than those that sign now (a rotation that was started
     * or finished after it was signed) is not current either. */
    int current = read_timestamp(s->timestamp_path, &ring, &cur, &raw, &rawlen) == DK_OK &&
                  signed_by_signers(s, DK_SIGN_TIMESTAMP, raw, rawlen) &&
                  dk_time_parse(cur.issued, &issued) == DK_OK &&
                  cur.manifest_version == r.version &&
                  strcmp(cur.manifest_sha256, r.manifest_sha256) == 0 &&
                  cur.manifest_length == r.manifest_length;
    /* An issued time in the future means the clock was set back: sign afresh. */
    if (current && !force && issued <= now + 60 && now < issued + quarter) {
        out->ts = cur;
        out->next_due = issued + quarter;
        goto unlock;
    }
    /* Never announce a manifest that is not on disk as recorded. */
    dk_manifest *m = NULL;
    if ((err = read_manifest(s->manifests_dir, r.version, r.manifest_length, r.manifest_sha256,
                             &ring, &m, NULL, NULL)))
        goto unlock;
    dk_manifest_free(m);
    if ((err = hub_db_begin_write(s->db)))
        goto unlock;
    if ((err = sign_timestamp(s, now, &r, &out->ts, &env, &envlen)) || (err = hub_db_commit(s->db))) {
        hub_db_rollback(s->db);
        goto unlock;
    }
    if ((err = dk_fs_write_atomic(s->timestamp_path, env, envlen, 0644)))
        goto unlock;
    out->resigned = 1;
    out->next_due = now + quarter;
unlock:
    free(env);
    free(raw);
    hub_site_unlock(s);
    return err;
}

/* ---- publish ---- */

/* Writes data as objects/<hash> unless an intact copy is there. */
static dk_err put_object(const char *objects_dir, const dk_object *o, const void *data)
{
    if (dk_object_verify(objects_dir, o) == DK_OK)
        return DK_OK;
    char path[HUB_PATH_MAX];
    dk_err err = path_in(path, objects_dir, o->hash);
    if (err)
        return err;
    return dk_fs_write_atomic(path, data, (size_t)o->length, 0644);
}

dk_err hub_publish(hub_site *s, long long now, hub_publish_summary *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    /* The keys on disk now sign (a rotation may have started since the site was opened); keys
     * that do not fit together refuse the publish here, before anything is written. */
    if ((err = hub_site_load_keys(s, NULL))) {
        hub_site_unlock(s);
        return err;
    }
    char *doc = NULL, *mtext = NULL, *menv = NULL, *tsenv = NULL;
    size_t doclen = 0, mlen = 0, menvlen = 0, tsenvlen = 0;
    media_ref *media = NULL;
    size_t nmedia = 0;
    dk_manifest m;
    memset(&m, 0, sizeof m);
    hub_import_row imp;
    hub_release_row prev;
    int in_txn = 0;

    /* 1. Read the draft in one snapshot. */
    if ((err = hub_db_begin_read(s->db)))
        goto done;
    in_txn = 1;
    if ((err = hub_db_import_latest(s->db, &imp)) ||
        (err = build_document(s, &doc, &doclen, &media, &nmedia, out->count)))
        goto done;
    err = hub_db_release_latest(s->db, &prev);
    if (err == DK_ERR_NOTFOUND)
        memset(&prev, 0, sizeof prev);
    else if (err)
        goto done;
    err = DK_OK;
    m.objects = calloc(nmedia + 1, sizeof *m.objects);
    if (!m.objects) {
        err = dk_error_set(DK_ERR_NOMEM, "out of memory");
        goto done;
    }
    m.count = nmedia + 1;
    dk_object *content = &m.objects[0];
    content->role = DK_ROLE_CONTENT;
    content->length = doclen;
    dk_sha256_hex(doc, doclen, content->hash);
    uint64_t bytes = doclen;
    for (size_t i = 0; i < nmedia; i++) {
        dk_object *o = &m.objects[i + 1], known;
        o->role = DK_ROLE_MEDIA;
        memcpy(o->hash, media[i].hash, DK_SHA256_HEX);
        o->length = media[i].length;
        snprintf(o->mime, sizeof o->mime, "%s", media[i].mime);
        bytes += o->length;
        if ((err = hub_db_object_get(s->db, o->hash, &known)) == DK_OK &&
            (known.length != o->length || strcmp(known.mime, o->mime) != 0))
            err = dk_error_set(DK_ERR_CORRUPT, "image %.12s… is recorded with another length or "
                               "type than the content says", o->hash);
        if (!err && (err = dk_object_verify(s->objects_dir, o)) != DK_OK)
            err = dk_error_set(err, "image %.12s… is missing or damaged in %s (%s); import the "
                               "content again", o->hash, s->objects_dir, dk_error_detail());
        if (err)
            goto done;
    }
    hub_db_rollback(s->db);
    in_txn = 0;

    /* 2. The content document as an object (outside the write lock of hub.db: it may be big). */
    if ((err = put_object(s->objects_dir, content, doc)))
        goto done;

    /* 3. The release: version, manifest, record, timestamp, in one write transaction. */
    if ((err = hub_db_begin_write(s->db)))
        goto done;
    in_txn = 1;
    hub_release_row r;
    memset(&r, 0, sizeof r);
    if ((err = hub_db_release_latest(s->db, &prev)) && err != DK_ERR_NOTFOUND)
        goto done;
    if (err == DK_ERR_NOTFOUND)
        memset(&prev, 0, sizeof prev);
    /* A manifest file without a row (a commit that failed after the write) keeps its number,
     * and so does a release that kiosks report running but hub.db does not know (restored from
     * an older backup): a kiosk would refuse a lower number, or take an equal one for the
     * release it has. */
    long long reported = 0;
    if ((err = hub_db_heartbeat_max_version(s->db, &reported)))
        goto done;
    r.version = max_ll(max_ll(prev.version, highest_manifest_on_disk(s->manifests_dir)), reported) + 1;
    m.version = r.version;
    dk_time_format(now, m.issued);
    dk_time_format(now + 86400LL * s->cfg.manifest_lifetime_days, m.expires);
    /* keys: the keys that sign from now on. During a rotation that names the successor, so a
     * kiosk that accepts this release trusts it (docs/protocol.md, "Manifest payload"). */
    const dk_sign_key *signers[2];
    m.key_count = hub_site_signers(s, signers);
    for (size_t i = 0; i < m.key_count; i++)
        memcpy(m.keys[i], signers[i]->pub, DK_SIGN_PUBLIC_BYTES);
    /* registration_key: the key kiosks seal new registrations to from this release on
     * (docs/protocol.md); read under the writers' lock, so never half a registration-key
     * rotate. */
    char reghex[2 * HUB_X25519_BYTES + 1];
    if ((err = hub_site_registration_public(s, reghex)) ||
        (err = dk_hex_decode(reghex, m.registration_key, sizeof m.registration_key)))
        goto done;
    m.has_registration_key = 1;
    char mpath[HUB_PATH_MAX];
    if ((err = dk_manifest_serialize(&m, &mtext, &mlen)) ||
        (err = sign_all(s, DK_SIGN_MANIFEST, mtext, mlen, &menv, &menvlen)) ||
        (err = manifest_path(mpath, s->manifests_dir, r.version)))
        goto done;
    if (dk_fs_exists(mpath)) { /* cannot happen: r.version is above every file */
        err = dk_error_set(DK_ERR_EXISTS, "%s exists; a manifest is never overwritten", mpath);
        goto done;
    }
    if ((err = dk_fs_write_atomic(mpath, menv, menvlen, 0644)))
        goto done;
    memcpy(r.issued, m.issued, sizeof r.issued);
    memcpy(r.expires, m.expires, sizeof r.expires);
    dk_sha256_hex(menv, menvlen, r.manifest_sha256);
    r.manifest_length = menvlen;
    memcpy(r.content_sha256, content->hash, DK_SHA256_HEX);
    r.objects = (long long)m.count;
    r.bytes = bytes;
    r.import_id = imp.id;
    if ((err = hub_db_object_put(s->db, content)) || (err = hub_db_release_add(s->db, &r)))
        goto done;
    dk_timestamp ts;
    if ((err = sign_timestamp(s, now, &r, &ts, &tsenv, &tsenvlen)) || (err = hub_db_commit(s->db)))
        goto done;
    in_txn = 0;
    /* 4. The timestamp last: from now on kiosks see the release. Should this write fail, the
     * next refresh (serve, export-static) signs one for it. */
    if ((err = dk_fs_write_atomic(s->timestamp_path, tsenv, tsenvlen, 0644)))
        goto done;
    out->release = r;
    out->timestamp_version = ts.version;
    out->media = (int)nmedia;
    out->previous_version = prev.version;
    out->content_unchanged = prev.version > 0 && strcmp(prev.content_sha256, r.content_sha256) == 0;
    dk_info("published release %lld (%llu objects, %llu bytes), timestamp %lld", r.version,
            (unsigned long long)r.objects, (unsigned long long)r.bytes, ts.version);

done:
    if (in_txn)
        hub_db_rollback(s->db);
    free(doc);
    free(mtext);
    free(menv);
    free(tsenv);
    free(media);
    free(m.objects);
    hub_site_unlock(s);
    return err;
}

/* ---- release trees ---- */

/* Copies src to dst_dir/<o->hash> through a temporary file, checking length and hash on the way;
 * fsynced and renamed, so dst is either absent or complete. */
static dk_err copy_object(const char *src_dir, const char *dst_dir, const dk_object *o)
{
    char src[HUB_PATH_MAX], dst[HUB_PATH_MAX], tmp[HUB_PATH_MAX + 16];
    dk_err err;
    if ((err = path_in(src, src_dir, o->hash)) || (err = path_in(dst, dst_dir, o->hash)))
        return err;
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dst);
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot read %s: %s", src, strerror(errno));
    int outfd = mkstemp(tmp);
    if (outfd < 0) {
        int e = errno;
        close(in);
        return dk_error_set(dk_error_from_errno(e), "cannot create a file in %s: %s", dst_dir,
                            strerror(e));
    }
    char *buf = malloc(COPY_CHUNK);
    dk_sha256 h;
    dk_sha256_start(&h);
    uint64_t total = 0;
    if (!buf)
        err = dk_error_set(DK_ERR_NOMEM, "out of memory");
    while (!err) {
        ssize_t n = read(in, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = dk_error_set(dk_error_from_errno(errno), "cannot read %s: %s", src, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > o->length) {
            err = dk_error_set(DK_ERR_CORRUPT, "%s is longer than the manifest says", src);
            break;
        }
        dk_sha256_update(&h, buf, (size_t)n);
        for (ssize_t done = 0; done < n && !err;) {
            ssize_t w = write(outfd, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                err = dk_error_set(dk_error_from_errno(errno), "cannot write %s: %s", tmp,
                                   strerror(errno));
            else
                done += w;
        }
    }
    free(buf);
    close(in);
    char hex[DK_SHA256_HEX];
    dk_sha256_finish_hex(&h, hex);
    if (!err && (total != o->length || strcmp(hex, o->hash) != 0))
        err = dk_error_set(DK_ERR_CORRUPT, "%s does not match its manifest entry (length or hash)",
                           src);
    if (!err && (fchmod(outfd, 0644) != 0 || fsync(outfd) != 0))
        err = dk_error_set(dk_error_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
    if (close(outfd) != 0 && !err)
        err = dk_error_set(dk_error_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
    if (!err && rename(tmp, dst) != 0)
        err = dk_error_set(dk_error_from_errno(errno), "cannot rename %s: %s", tmp, strerror(errno));
    if (err)
        unlink(tmp);
    return err;
}

/* A target folder may hold only a release tree (and the temporaries of an interrupted one). */
static dk_err check_target(const char *dir)
{
    if (!dk_fs_exists(dir))
        return DK_OK;
    if (!dk_fs_is_dir(dir))
        return dk_error_set(DK_ERR_EXISTS, "%s exists and is not a folder", dir);
    char **names = NULL;
    size_t n = 0;
    dk_err err = dk_fs_list(dir, 1000, &names, &n);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        const char *name = names[i];
        if (strcmp(name, "objects") != 0 && strcmp(name, "manifests") != 0 &&
            strcmp(name, "timestamp.signed") != 0 && strncmp(name, "timestamp.signed.tmp-", 21) != 0)
            err = dk_error_set(DK_ERR_EXISTS,
                               "%s holds '%s', so it is not a release tree; choose an empty or new "
                               "folder (or one that an earlier export-static wrote)",
                               dir, name);
    }
    free(names);
    return err;
}

/* Removes files of older releases: objects not in m, manifests other than m's. Only names of
 * the release tree's shapes are touched. */
static int prune_tree(const char *objects, const char *manifests, const dk_manifest *m)
{
    int removed = 0;
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(objects, MAX_TREE_ENTRIES, &names, &n) == DK_OK) {
        for (size_t i = 0; i < n; i++) {
            if (!dk_sha256_hex_valid(names[i]))
                continue;
            int listed = 0;
            for (size_t k = 0; k < m->count && !listed; k++)
                listed = strcmp(names[i], m->objects[k].hash) == 0;
            char path[HUB_PATH_MAX];
            if (!listed && path_in(path, objects, names[i]) == DK_OK && unlink(path) == 0)
                removed++;
        }
        free(names);
    }
    if (dk_fs_list(manifests, MAX_TREE_ENTRIES, &names, &n) == DK_OK) {
        for (size_t i = 0; i < n; i++) {
            long long v = manifest_name_version(names[i]);
            char path[HUB_PATH_MAX];
            if (v > 0 && v != m->version && path_in(path, manifests, names[i]) == DK_OK &&
                unlink(path) == 0)
                removed++;
        }
        free(names);
    }
    return removed;
}

dk_err hub_export_static(hub_site *s, const char *dir, long long now, hub_tree_summary *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = check_target(dir);
    if (err)
        return err;
    hub_timestamp_state st;
    if (s->has_key && (err = hub_timestamp_refresh(s, now, 0, &st)))
        return err;
    if ((err = hub_site_lock(s, LOCK_WAIT_S)))
        return err;
    dk_sign_keyring ring;
    dk_manifest *m = NULL;
    char *tsraw = NULL, *mraw = NULL;
    size_t tslen = 0, mlen = 0;
    char objects[HUB_PATH_MAX], manifests[HUB_PATH_MAX], tspath[HUB_PATH_MAX], mpath[HUB_PATH_MAX];
    if ((err = keyring_of(s, &ring)) ||
        (err = read_timestamp(s->timestamp_path, &ring, &out->ts, &tsraw, &tslen))) {
        if (err == DK_ERR_NOTFOUND)
            err = dk_error_set(err, "nothing has been published yet; run district-hub publish");
        goto done;
    }
    if ((err = read_manifest(s->manifests_dir, out->ts.manifest_version, out->ts.manifest_length,
                             out->ts.manifest_sha256, &ring, &m, &mraw, &mlen)))
        goto done;
    if ((err = path_in(objects, dir, "objects")) || (err = path_in(manifests, dir, "manifests")) ||
        (err = path_in(tspath, dir, "timestamp.signed")) ||
        (err = manifest_path(mpath, manifests, m->version)) ||
        (err = dk_fs_mkdirs(objects, 0755)) || (err = dk_fs_mkdirs(manifests, 0755)))
        goto done;
    dk_fs_remove_stale_temps(dir);
    dk_fs_remove_stale_temps(objects);
    dk_fs_remove_stale_temps(manifests);
    /* Objects first, then the manifest, the timestamp last: the commit point. */
    for (size_t i = 0; i < m->count; i++) {
        const dk_object *o = &m->objects[i];
        out->bytes += o->length;
        if (dk_object_verify(objects, o) == DK_OK)
            continue;
        if ((err = copy_object(s->objects_dir, objects, o)))
            goto done;
        out->copied++;
    }
    out->objects = (int)m->count;
    out->manifest_version = m->version;
    if ((err = dk_fs_sync_dir(objects)) || (err = dk_fs_write_atomic(mpath, mraw, mlen, 0644)) ||
        (err = dk_fs_write_atomic(tspath, tsraw, tslen, 0644)))
        goto done;
    out->removed = prune_tree(objects, manifests, m);
    if (out->removed)
        err = dk_fs_sync_dir(objects);

done:
    free(tsraw);
    free(mraw);
    dk_manifest_free(m);
    hub_site_unlock(s);
    return err;
}

dk_err hub_verify_tree(const char *dir, const dk_sign_keyring *ring, long long now,
                       hub_tree_summary *out)
{
    memset(out, 0, sizeof *out);
    char objects[HUB_PATH_MAX], manifests[HUB_PATH_MAX], tspath[HUB_PATH_MAX];
    dk_err err;
    if ((err = path_in(objects, dir, "objects")) || (err = path_in(manifests, dir, "manifests")) ||
        (err = path_in(tspath, dir, "timestamp.signed")))
        return err;
    if ((err = read_timestamp(tspath, ring, &out->ts, NULL, NULL)))
        return err == DK_ERR_NOTFOUND ? dk_error_set(err, "%s has no timestamp.signed", dir) : err;
    long long expires = 0;
    if ((err = dk_time_parse(out->ts.expires, &expires)))
        return err;
    if (expires <= now)
        return dk_error_set(DK_ERR_PROTOCOL, "the timestamp expired at %s", out->ts.expires);
    dk_manifest *m = NULL;
    if ((err = read_manifest(manifests, out->ts.manifest_version, out->ts.manifest_length,
                             out->ts.manifest_sha256, ring, &m, NULL, NULL)))
        return err;
    out->manifest_version = m->version;
    out->objects = (int)m->count;
    if (dk_time_parse(m->expires, &expires) != DK_OK || expires <= now)
        err = dk_error_set(DK_ERR_PROTOCOL, "release %lld has no expiry or expired (%s)",
                           m->version, m->expires);
    for (size_t i = 0; i < m->count && !err; i++) {
        out->bytes += m->objects[i].length;
        if ((err = dk_object_verify(objects, &m->objects[i]))) {
            char was[DK_ERROR_DETAIL_MAX]; /* copied: dk_error_set writes the same buffer */
            snprintf(was, sizeof was, "%s", dk_error_detail());
            err = dk_error_set(err, "object %s: %s", m->objects[i].hash, was);
        }
    }
    dk_manifest_free(m);
    return err;
}
