/* dk_bundle.c: manifest parsing and writing, object verification, installing a bundle. */
#include "dk_bundle.h"

#include "dk_content.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "dk_store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dk_manifest_free(dk_manifest *m)
{
    if (!m)
        return;
    free(m->objects);
    free(m);
}

const dk_object *dk_manifest_content(const dk_manifest *m)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->objects[i].role == DK_ROLE_CONTENT)
            return &m->objects[i];
    return NULL;
}

/* Only these keys may appear; anything else is an error, so a typo cannot hide a field. */
static dk_err check_keys(json_t *obj, const char *const *allowed, const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(key, *a) == 0)
                ok = 1;
        if (!ok)
            return dk_error_set(DK_ERR_INVALID, "manifest: unknown field '%s' in %s", key, where);
    }
    return DK_OK;
}

static dk_err copy_time(json_t *root, const char *key, char *out, size_t outsz)
{
    json_t *v = json_object_get(root, key);
    out[0] = '\0';
    if (!v)
        return DK_OK;
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (!s || n != 20 || s[4] != '-' || s[10] != 'T' || s[19] != 'Z')
        return dk_error_set(DK_ERR_INVALID,
                            "manifest: '%s' must be a UTC time like 2026-11-26T10:00:00Z", key);
    memcpy(out, s, n + 1);
    (void)outsz;
    return DK_OK;
}

/* The optional "keys" list: 1..DK_SIGN_MAX_KEYS distinct public keys as lower-case hex. */
static dk_err parse_keys(json_t *keys, dk_manifest *m)
{
    if (!keys)
        return DK_OK;
    if (!json_is_array(keys) || json_array_size(keys) == 0 ||
        json_array_size(keys) > DK_SIGN_MAX_KEYS)
        return dk_error_set(DK_ERR_INVALID, "manifest: 'keys' must be a list of 1 to %d public keys",
                            DK_SIGN_MAX_KEYS);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        const char *hex = json_string_value(k);
        unsigned char pub[DK_SIGN_PUBLIC_BYTES];
        if (!hex || strlen(hex) != 2 * DK_SIGN_PUBLIC_BYTES || !dk_sha256_hex_valid(hex) ||
            dk_hex_decode(hex, pub, sizeof pub) != DK_OK)
            return dk_error_set(DK_ERR_INVALID,
                                "manifest: keys[%zu] must be 64 lower-case hex digits", i);
        for (size_t j = 0; j < m->key_count; j++)
            if (memcmp(m->keys[j], pub, sizeof pub) == 0)
                return dk_error_set(DK_ERR_INVALID, "manifest: keys[%zu] is listed twice", i);
        memcpy(m->keys[m->key_count++], pub, sizeof pub);
    }
    return DK_OK;
}

/* The optional "registration_key": one X25519 public key as 64 lower-case hex digits. A key that
 * crypto_box_seal refuses (all zeros, a point of small order) would make every registration
 * fail after the visitor typed it: such a manifest is refused as a whole. */
static dk_err parse_registration_key(json_t *v, dk_manifest *m)
{
    if (!v)
        return DK_OK;
    const char *hex = json_string_value(v);
    if (!hex || strlen(hex) != 2 * DK_REGISTRATION_KEY_BYTES || !dk_sha256_hex_valid(hex) ||
        dk_hex_decode(hex, m->registration_key, DK_REGISTRATION_KEY_BYTES) != DK_OK)
        return dk_error_set(DK_ERR_INVALID,
                            "manifest: 'registration_key' must be 64 lower-case hex digits");
    _Static_assert(DK_REGISTRATION_KEY_BYTES == crypto_box_PUBLICKEYBYTES, "X25519 key size");
    unsigned char probe[crypto_box_SEALBYTES + 1];
    const unsigned char one = 0;
    if (crypto_box_seal(probe, &one, 1, m->registration_key) != 0)
        return dk_error_set(DK_ERR_INVALID,
                            "manifest: 'registration_key' is not a usable X25519 public key");
    m->has_registration_key = 1;
    return DK_OK;
}

static int cmp_hash(const void *a, const void *b)
{
    return strcmp(((const dk_object *)a)->hash, ((const dk_object *)b)->hash);
}

dk_err dk_manifest_parse(const char *json, size_t len, dk_manifest **out)
{
    static const char *const top_keys[] = {"format", "schema",           "version",
                                           "issued", "expires",          "objects",
                                           "keys",   "registration_key", NULL};
    static const char *const obj_keys[] = {"role", "hash", "length", "mime", NULL};
    *out = NULL;
    if (len > DK_LIMIT_MANIFEST)
        return dk_error_set(DK_ERR_LIMIT, "manifest: %zu bytes, more than the limit of %ld", len,
                            (long)DK_LIMIT_MANIFEST);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return dk_error_set(DK_ERR_INVALID, "manifest: line %d, column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    dk_err err = DK_OK;
    dk_manifest *m = calloc(1, sizeof *m);
    if (!m) {
        err = dk_error_set(DK_ERR_NOMEM, "manifest: out of memory");
        goto done;
    }
    if (!json_is_object(root)) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: not a JSON object");
        goto done;
    }
    if ((err = check_keys(root, top_keys, "the manifest")))
        goto done;
    const char *format = json_string_value(json_object_get(root, "format"));
    if (!format || strcmp(format, DK_MANIFEST_FORMAT) != 0) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: 'format' must be \"%s\"",
                           DK_MANIFEST_FORMAT);
        goto done;
    }
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_integer(schema) || json_integer_value(schema) != DK_MANIFEST_SCHEMA) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: 'schema' must be %d (this kiosk knows no other)",
                           DK_MANIFEST_SCHEMA);
        goto done;
    }
    json_t *version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) < 0) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: 'version' must be a whole number >= 0");
        goto done;
    }
    m->version = (long long)json_integer_value(version);
    if ((err = copy_time(root, "issued", m->issued, sizeof m->issued)) ||
        (err = copy_time(root, "expires", m->expires, sizeof m->expires)))
        goto done;
    if ((err = parse_keys(json_object_get(root, "keys"), m)) ||
        (err = parse_registration_key(json_object_get(root, "registration_key"), m)))
        goto done;
    json_t *objects = json_object_get(root, "objects");
    if (!json_is_array(objects) || json_array_size(objects) == 0) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: 'objects' must be a non-empty list");
        goto done;
    }
    size_t n = json_array_size(objects);
    if (n > (size_t)DK_LIMIT_PROJECTS + DK_LIMIT_DISTRICTS * (DK_LIMIT_GALLERY + 1) + 1) {
        err = dk_error_set(DK_ERR_LIMIT, "manifest: %zu objects is more than a bundle may hold", n);
        goto done;
    }
    m->objects = calloc(n, sizeof *m->objects);
    if (!m->objects) {
        err = dk_error_set(DK_ERR_NOMEM, "manifest: out of memory");
        goto done;
    }
    size_t contents = 0;
    uint64_t media_total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(objects, i);
        dk_object *d = &m->objects[i];
        char where[48];
        snprintf(where, sizeof where, "object %zu", i + 1);
        if (!json_is_object(o)) {
            err = dk_error_set(DK_ERR_INVALID, "manifest: %s is not an object", where);
            goto done;
        }
        if ((err = check_keys(o, obj_keys, where)))
            goto done;
        const char *role = json_string_value(json_object_get(o, "role"));
        const char *hash = json_string_value(json_object_get(o, "hash"));
        json_t *length = json_object_get(o, "length");
        const char *mime = json_string_value(json_object_get(o, "mime"));
        if (!role || (strcmp(role, "content") != 0 && strcmp(role, "media") != 0)) {
            err = dk_error_set(DK_ERR_INVALID, "manifest: %s: 'role' must be content or media",
                               where);
            goto done;
        }
        if (!hash || strlen(hash) != 64 || !dk_sha256_hex_valid(hash)) {
            err = dk_error_set(DK_ERR_INVALID,
                               "manifest: %s: 'hash' must be 64 lower-case hex digits", where);
            goto done;
        }
        if (!json_is_integer(length) || json_integer_value(length) < 0) {
            err = dk_error_set(DK_ERR_INVALID, "manifest: %s: 'length' must be a whole number",
                               where);
            goto done;
        }
        d->role = role[0] == 'c' ? DK_ROLE_CONTENT : DK_ROLE_MEDIA;
        memcpy(d->hash, hash, DK_SHA256_HEX);
        d->length = (uint64_t)json_integer_value(length);
        if (d->role == DK_ROLE_CONTENT) {
            contents++;
            if (mime || d->length > (uint64_t)DK_LIMIT_CONTENT_DOC) {
                err = dk_error_set(DK_ERR_INVALID,
                                   "manifest: %s: the content document takes no 'mime' and at "
                                   "most %ld bytes",
                                   where, (long)DK_LIMIT_CONTENT_DOC);
                goto done;
            }
        } else {
            if (!mime || (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/png") != 0 &&
                          strcmp(mime, "image/webp") != 0)) {
                err = dk_error_set(DK_ERR_INVALID,
                                   "manifest: %s: 'mime' must be image/jpeg, image/png or image/webp",
                                   where);
                goto done;
            }
            snprintf(d->mime, sizeof d->mime, "%s", mime);
            if (d->length > DK_LIMIT_IMAGE_FILE) {
                err = dk_error_set(DK_ERR_LIMIT, "manifest: %s: an image of %llu bytes", where,
                                   (unsigned long long)d->length);
                goto done;
            }
            media_total += d->length;
        }
    }
    if (contents != 1) {
        err = dk_error_set(DK_ERR_INVALID, "manifest: %zu content documents, expected exactly one",
                           contents);
        goto done;
    }
    if (media_total > (uint64_t)DK_LIMIT_BUNDLE_MEDIA) {
        err = dk_error_set(DK_ERR_LIMIT, "manifest: media add up to %llu bytes",
                           (unsigned long long)media_total);
        goto done;
    }
    /* Duplicate hashes would make "each object once" ambiguous. */
    dk_object *sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        err = dk_error_set(DK_ERR_NOMEM, "manifest: out of memory");
        goto done;
    }
    memcpy(sorted, m->objects, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_hash);
    for (size_t i = 1; i < n && !err; i++)
        if (strcmp(sorted[i - 1].hash, sorted[i].hash) == 0)
            err = dk_error_set(DK_ERR_INVALID, "manifest: object %s is listed twice",
                               sorted[i].hash);
    free(sorted);
    if (err)
        goto done;
    m->count = n;
done:
    json_decref(root);
    if (err) {
        dk_manifest_free(m);
        return err;
    }
    *out = m;
    return DK_OK;
}

dk_err dk_manifest_serialize(const dk_manifest *m, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    json_t *root = json_object();
    json_t *objects = json_array();
    if (!root || !objects)
        goto nomem;
    int bad = json_object_set_new(root, "format", json_string(DK_MANIFEST_FORMAT));
    bad |= json_object_set_new(root, "schema", json_integer(DK_MANIFEST_SCHEMA));
    bad |= json_object_set_new(root, "version", json_integer(m->version));
    if (m->issued[0])
        bad |= json_object_set_new(root, "issued", json_string(m->issued));
    if (m->expires[0])
        bad |= json_object_set_new(root, "expires", json_string(m->expires));
    if (m->key_count) {
        json_t *keys = json_array();
        if (!keys)
            goto nomem;
        for (size_t i = 0; i < m->key_count && !bad; i++) {
            char hex[DK_SIGN_PUBLIC_HEX];
            dk_sign_public_hex(m->keys[i], hex);
            bad |= json_array_append_new(keys, json_string(hex));
        }
        bad |= json_object_set_new(root, "keys", keys);
    }
    if (m->has_registration_key) {
        char hex[2 * DK_REGISTRATION_KEY_BYTES + 1];
        dk_hex_encode(m->registration_key, DK_REGISTRATION_KEY_BYTES, hex);
        bad |= json_object_set_new(root, "registration_key", json_string(hex));
    }
    for (size_t i = 0; i < m->count && !bad; i++) {
        const dk_object *o = &m->objects[i];
        json_t *jo = json_object();
        if (!jo)
            goto nomem;
        bad |= json_object_set_new(jo, "role",
                                   json_string(o->role == DK_ROLE_CONTENT ? "content" : "media"));
        bad |= json_object_set_new(jo, "hash", json_string(o->hash));
        bad |= json_object_set_new(jo, "length", json_integer((json_int_t)o->length));
        if (o->role == DK_ROLE_MEDIA)
            bad |= json_object_set_new(jo, "mime", json_string(o->mime));
        bad |= json_array_append_new(objects, jo);
    }
    bad |= json_object_set(root, "objects", objects);
    if (bad)
        goto nomem;
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!text)
        goto nomem;
    size_t n = strlen(text);
    char *withnl = realloc(text, n + 2);
    if (!withnl) {
        free(text);
        goto nomem;
    }
    withnl[n] = '\n';
    withnl[n + 1] = '\0';
    json_decref(objects);
    json_decref(root);
    *out = withnl;
    *len = n + 1;
    return DK_OK;
nomem:
    json_decref(objects);
    json_decref(root);
    return dk_error_set(DK_ERR_NOMEM, "cannot write the manifest: out of memory");
}

dk_err dk_object_verify(const char *objects_dir, const dk_object *o)
{
    char path[4096], hex[DK_SHA256_HEX];
    uint64_t len = 0;
    dk_err err = dk_fs_join(path, sizeof path, objects_dir, o->hash);
    if (err)
        return err;
    struct stat st;
    if (lstat(path, &st) != 0)
        return dk_error_set(DK_ERR_NOTFOUND, "object %s is missing", o->hash);
    if (!S_ISREG(st.st_mode))
        return dk_error_set(DK_ERR_CORRUPT, "object %s is not a regular file", o->hash);
    if ((uint64_t)st.st_size != o->length)
        return dk_error_set(DK_ERR_CORRUPT, "object %s has %lld bytes, the manifest says %llu",
                            o->hash, (long long)st.st_size, (unsigned long long)o->length);
    if ((err = dk_sha256_file(path, o->length, hex, &len)))
        return err == DK_ERR_LIMIT ? dk_error_set(DK_ERR_CORRUPT, "object %s grew", o->hash) : err;
    if (len != o->length || strcmp(hex, o->hash) != 0)
        return dk_error_set(DK_ERR_CORRUPT, "object %s does not match its hash", o->hash);
    return DK_OK;
}

dk_err dk_bundle_load(const char *bundle_dir, dk_manifest **out)
{
    char path[4096], objdir[4096];
    char *json = NULL;
    size_t len = 0;
    *out = NULL;
    dk_err err = dk_fs_join(path, sizeof path, bundle_dir, DK_BUNDLE_MANIFEST);
    if (!err)
        err = dk_fs_join(objdir, sizeof objdir, bundle_dir, DK_BUNDLE_OBJECTS);
    if (!err)
        err = dk_fs_read(path, DK_LIMIT_MANIFEST, &json, &len);
    if (err)
        return err;
    dk_manifest *m = NULL;
    err = dk_manifest_parse(json, len, &m);
    free(json);
    if (err)
        return err;
    for (size_t i = 0; i < m->count && !err; i++)
        err = dk_object_verify(objdir, &m->objects[i]);
    if (err) {
        dk_manifest_free(m);
        return err;
    }
    *out = m;
    return DK_OK;
}

dk_err dk_bundle_db_path(const char *data_dir, char *out, size_t outsz)
{
    return dk_fs_join(out, outsz, data_dir, "content.db");
}

/* Copies src to dst through a temporary file and a durable rename. */
static dk_err copy_object(const char *src, const char *dst, uint64_t length)
{
    char *data = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(src, (size_t)length, &data, &len);
    if (err)
        return err;
    err = dk_fs_write_atomic(dst, data, len, 0644);
    free(data);
    return err;
}

dk_err dk_bundle_install(const char *bundle_dir, const char *data_dir)
{
    dk_manifest *m = NULL;
    char srcdir[4096], dstdir[4096], db[4096];
    char *doc = NULL;
    size_t doclen = 0;
    dk_err err = dk_bundle_load(bundle_dir, &m);
    if (err)
        return err;
    if ((err = dk_fs_join(srcdir, sizeof srcdir, bundle_dir, DK_BUNDLE_OBJECTS)) ||
        (err = dk_fs_join(dstdir, sizeof dstdir, data_dir, DK_BUNDLE_OBJECTS)) ||
        (err = dk_bundle_db_path(data_dir, db, sizeof db)) ||
        (err = dk_fs_mkdirs(dstdir, 0755)))
        goto done;
    for (size_t i = 0; i < m->count; i++) {
        const dk_object *o = &m->objects[i];
        if (dk_object_verify(dstdir, o) == DK_OK)
            continue; /* already there and intact */
        char src[4096], dst[4096];
        if ((err = dk_fs_join(src, sizeof src, srcdir, o->hash)) ||
            (err = dk_fs_join(dst, sizeof dst, dstdir, o->hash)) ||
            (err = copy_object(src, dst, o->length)) || (err = dk_object_verify(dstdir, o)) ||
            (err = dk_fault_point("bundle.install.object")))
            goto done;
    }
    char docpath[4096];
    const dk_object *c = dk_manifest_content(m);
    if ((err = dk_fs_join(docpath, sizeof docpath, dstdir, c->hash)) ||
        (err = dk_fs_read(docpath, (size_t)c->length, &doc, &doclen)))
        goto done;
    dk_store_release rel = {m->version, m->issued[0] ? m->issued : NULL, c->hash};
    err = dk_store_build(db, doc, doclen, &rel);
    if (!err)
        dk_info("installed content release %lld (%zu objects) into %s", m->version, m->count,
                data_dir);
done:
    free(doc);
    dk_manifest_free(m);
    return err;
}

dk_err dk_bundle_ensure(const char *bundle_dir, const char *data_dir, int *installed)
{
    char db[4096];
    *installed = 0;
    dk_err err = dk_bundle_db_path(data_dir, db, sizeof db);
    if (err)
        return err;
    /* Left-overs of writes that a power cut interrupted: never valid, always safe to remove. */
    char objdir[4096];
    if (dk_fs_join(objdir, sizeof objdir, data_dir, DK_BUNDLE_OBJECTS) == DK_OK &&
        dk_fs_is_dir(objdir))
        dk_fs_remove_stale_temps(objdir);
    if (dk_fs_is_dir(data_dir))
        dk_fs_remove_stale_temps(data_dir);
    dk_store *s = NULL;
    err = dk_store_open(db, &s);
    if (!err)
        err = dk_store_check(s);
    dk_store_close(s);
    if (!err)
        return DK_OK;
    if (err != DK_ERR_NOTFOUND)
        dk_warn("content database %s is unusable (%s: %s); installing the bundled content", db,
                dk_strerror(err), dk_error_detail());
    if ((err = dk_fs_mkdirs(data_dir, 0755)) || (err = dk_bundle_install(bundle_dir, data_dir)))
        return err;
    *installed = 1;
    return DK_OK;
}
