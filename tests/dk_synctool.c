/* dk_synctool.c: release fixtures and checks for the sync tests, built on dk_pack and dk_sign
 * (the hub's publish is built in parallel; this tool writes the same files by the protocol).
 *
 *   dk-synctool keygen KEYFILE                 new signing key; prints its public key
 *   dk-synctool pub KEYFILE                    prints the public key of KEYFILE
 *   dk-synctool release CONTENT_DIR OUT_DIR --key KEYFILE --version V [--ts-version N]
 *               [--issued T] [--expires T] [--ts-issued T] [--ts-expires T] [--next-key HEX]...
 *               [--registration-key HEX]
 *       packs CONTENT_DIR as release V into OUT_DIR (export-static layout: timestamp.signed,
 *       manifests/V.signed, objects/); OUT_DIR may already hold other releases. T is a UTC time
 *       or +N/-N seconds from now. Defaults: issued -60, expires +1 year, timestamp issued -60,
 *       expires +1 day, timestamp version 100 * V.
 *   dk-synctool timestamp OUT_DIR --key KEYFILE --manifest V --ts-version N [--ts-issued T]
 *               [--ts-expires T]
 *       signs a new timestamp.signed naming manifests/V.signed.
 *   dk-synctool check DATA_DIR [--release-dir DIR]... [--bundle DIR] [--expect V]
 *       checks a kiosk's data folder: content.db opens and passes its integrity check, its
 *       release is one of the given releases (or the bundle's), its content document is that
 *       release's, and every object of that release is present with the right length and hash.
 *       Prints "release V complete (N objects)"; exit 0, or 1 with the problem.
 *   dk-synctool objects MANIFEST_FILE
 *       prints the hashes a manifest lists (manifests/V.signed or a bundle's manifest.json). */
#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_pack.h"
#include "dk_sign.h"
#include "dk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "dk-synctool: %s: %s\n", what, dk_error_detail());
    return 1;
}

static int parse_time(const char *s, char out[32])
{
    long long t;
    if (s[0] == '+' || s[0] == '-') {
        t = (long long)time(NULL) + strtoll(s, NULL, 10);
        dk_time_format(t, out);
        return 0;
    }
    if (dk_time_parse(s, &t) != DK_OK)
        return -1;
    snprintf(out, 32, "%s", s);
    return 0;
}

typedef struct args {
    const char *key, *manifest_v;
    long long version, ts_version;
    char issued[32], expires[32], ts_issued[32], ts_expires[32];
    const char *next_keys[DK_SIGN_MAX_KEYS];
    int nnext;
    const char *registration_key; /* the manifest's registration_key, or NULL */
    const char *release_dirs[16];
    int nrel;
    const char *bundle;
    long long expect;
} args;

static int parse_opts(int argc, char **argv, int from, args *a)
{
    parse_time("-60", a->issued);
    parse_time("+31536000", a->expires);
    parse_time("-60", a->ts_issued);
    parse_time("+86400", a->ts_expires);
    a->expect = -1;
    for (int i = from; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "dk-synctool: %s needs a value\n", o);
            return -1;
        }
        i++;
        int bad = 0;
        if (strcmp(o, "--key") == 0)
            a->key = v;
        else if (strcmp(o, "--version") == 0)
            a->version = strtoll(v, NULL, 10);
        else if (strcmp(o, "--ts-version") == 0)
            a->ts_version = strtoll(v, NULL, 10);
        else if (strcmp(o, "--manifest") == 0)
            a->manifest_v = v;
        else if (strcmp(o, "--issued") == 0)
            bad = parse_time(v, a->issued);
        else if (strcmp(o, "--expires") == 0)
            bad = parse_time(v, a->expires);
        else if (strcmp(o, "--ts-issued") == 0)
            bad = parse_time(v, a->ts_issued);
        else if (strcmp(o, "--ts-expires") == 0)
            bad = parse_time(v, a->ts_expires);
        else if (strcmp(o, "--next-key") == 0 && a->nnext < DK_SIGN_MAX_KEYS)
            a->next_keys[a->nnext++] = v;
        else if (strcmp(o, "--registration-key") == 0)
            a->registration_key = v;
        else if (strcmp(o, "--release-dir") == 0 && a->nrel < 16)
            a->release_dirs[a->nrel++] = v;
        else if (strcmp(o, "--bundle") == 0)
            a->bundle = v;
        else if (strcmp(o, "--expect") == 0)
            a->expect = strtoll(v, NULL, 10);
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "dk-synctool: bad option %s %s\n", o, v);
            return -1;
        }
    }
    return 0;
}

static dk_err copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(from, (size_t)1 << 30, &data, &len);
    if (!err)
        err = dk_fs_write_atomic(to, data, len, 0644);
    free(data);
    return err;
}

static int write_timestamp(const char *out_dir, const dk_sign_key *key, long long manifest_v,
                           const args *a)
{
    char mpath[4096], tpath[4096], rel[64];
    snprintf(rel, sizeof rel, "manifests/%lld.signed", manifest_v);
    char *mdata = NULL;
    size_t mlen = 0;
    if (dk_fs_join(mpath, sizeof mpath, out_dir, rel) ||
        dk_fs_join(tpath, sizeof tpath, out_dir, "timestamp.signed") ||
        dk_fs_read(mpath, DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX, &mdata, &mlen))
        return fail("read the manifest");
    dk_timestamp ts;
    memset(&ts, 0, sizeof ts);
    ts.version = a->ts_version > 0 ? a->ts_version : 100 * manifest_v;
    snprintf(ts.issued, sizeof ts.issued, "%s", a->ts_issued);
    snprintf(ts.expires, sizeof ts.expires, "%s", a->ts_expires);
    ts.manifest_version = manifest_v;
    ts.manifest_length = mlen;
    dk_sha256_hex(mdata, mlen, ts.manifest_sha256);
    free(mdata);
    char *payload = NULL, *env = NULL;
    size_t plen = 0, elen = 0;
    if (dk_timestamp_serialize(&ts, &payload, &plen) ||
        dk_sign_envelope(DK_SIGN_TIMESTAMP, key, payload, plen, &env, &elen) ||
        dk_fs_write_atomic(tpath, env, elen, 0644)) {
        free(payload);
        free(env);
        return fail("write the timestamp");
    }
    free(payload);
    free(env);
    return 0;
}

static int cmd_release(const char *content, const char *out_dir, const args *a)
{
    dk_sign_key key;
    if (!a->key || dk_sign_key_load(a->key, &key))
        return fail("load the key (--key)");
    if (a->version < 1) {
        fprintf(stderr, "dk-synctool: --version must be 1 or more\n");
        return 2;
    }
    char pack_dir[4096], path[4096], objdir[4096], mandir[4096];
    snprintf(pack_dir, sizeof pack_dir, "%s/.pack-%lld", out_dir, a->version);
    dk_problems problems;
    dk_problems_init(&problems);
    dk_pack_options opt = {a->version, a->issued};
    dk_err err = dk_pack(content, pack_dir, &opt, &problems, NULL);
    if (err) {
        fprintf(stderr, "%s", problems.text.data ? problems.text.data : "");
        dk_problems_free(&problems);
        return fail("pack");
    }
    dk_problems_free(&problems);
    dk_manifest *m = NULL;
    if (dk_bundle_load(pack_dir, &m))
        return fail("load the packed bundle");
    snprintf(m->expires, sizeof m->expires, "%s", a->expires);
    for (int i = 0; i < a->nnext; i++) {
        if (dk_hex_decode(a->next_keys[i], m->keys[m->key_count], DK_SIGN_PUBLIC_BYTES)) {
            fprintf(stderr, "dk-synctool: --next-key is not 64 hex digits\n");
            return 2;
        }
        m->key_count++;
    }
    if (a->registration_key) {
        if (strlen(a->registration_key) != 64 ||
            dk_hex_decode(a->registration_key, m->registration_key, 32)) {
            fprintf(stderr, "dk-synctool: --registration-key is not 64 hex digits\n");
            return 2;
        }
        m->has_registration_key = 1;
    }
    char *json = NULL, *env = NULL;
    size_t jlen = 0, elen = 0;
    char rel[64];
    snprintf(rel, sizeof rel, "manifests/%lld.signed", a->version);
    if (dk_manifest_serialize(m, &json, &jlen) ||
        dk_sign_envelope(DK_SIGN_MANIFEST, &key, json, jlen, &env, &elen) ||
        dk_fs_join(objdir, sizeof objdir, out_dir, "objects") ||
        dk_fs_join(mandir, sizeof mandir, out_dir, "manifests") || dk_fs_mkdirs(objdir, 0755) ||
        dk_fs_mkdirs(mandir, 0755) || dk_fs_join(path, sizeof path, out_dir, rel) ||
        dk_fs_write_atomic(path, env, elen, 0644))
        return fail("write the manifest");
    free(json);
    free(env);
    for (size_t i = 0; i < m->count; i++) {
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/objects/%s", pack_dir, m->objects[i].hash);
        snprintf(to, sizeof to, "%s/%s", objdir, m->objects[i].hash);
        if (!dk_fs_exists(to) && copy_file(from, to))
            return fail("copy an object");
    }
    size_t count = m->count;
    dk_manifest_free(m);
    if (dk_fs_remove_tree(pack_dir))
        return fail("remove the packing folder");
    if (write_timestamp(out_dir, &key, a->version, a))
        return 1;
    printf("release %lld: %zu objects in %s\n", a->version, count, out_dir);
    dk_wipe(&key, sizeof key);
    return 0;
}

/* The manifest of release version v among the release folders (payload after the envelope
 * header; the fixture is trusted here), or the bundle's for version 0. */
static dk_manifest *find_manifest(const args *a, long long v)
{
    char path[4096];
    char *data = NULL;
    size_t len = 0;
    dk_manifest *m = NULL;
    if (v == 0 && a->bundle) {
        snprintf(path, sizeof path, "%s/manifest.json", a->bundle);
        if (dk_fs_read(path, DK_LIMIT_MANIFEST, &data, &len) == DK_OK &&
            dk_manifest_parse(data, len, &m) == DK_OK) {
            free(data);
            return m;
        }
        free(data);
        return NULL;
    }
    for (int i = 0; i < a->nrel; i++) {
        snprintf(path, sizeof path, "%s/manifests/%lld.signed", a->release_dirs[i], v);
        if (dk_fs_read(path, DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX, &data, &len) != DK_OK)
            continue;
        const char *payload = strstr(data, "\n\n");
        if (payload &&
            dk_manifest_parse(payload + 2, len - (size_t)(payload + 2 - data), &m) == DK_OK) {
            free(data);
            return m;
        }
        free(data);
    }
    return NULL;
}

static int cmd_check(const char *data_dir, const args *a)
{
    char db[4096], objdir[4096];
    if (dk_bundle_db_path(data_dir, db, sizeof db) ||
        dk_fs_join(objdir, sizeof objdir, data_dir, "objects"))
        return fail("paths");
    dk_store *s = NULL;
    if (dk_store_open(db, &s) || dk_store_check(s)) {
        dk_store_close(s);
        return fail("content.db");
    }
    dk_store_info info;
    dk_store_get_info(s, &info);
    dk_store_close(s);
    dk_manifest *m = find_manifest(a, info.version);
    if (!m) {
        fprintf(stderr, "dk-synctool: content.db holds release %lld, which no given release has\n",
                info.version);
        return 1;
    }
    int bad = 0;
    if (strcmp(dk_manifest_content(m)->hash, info.content_hash) != 0) {
        fprintf(stderr,
                "dk-synctool: content.db says release %lld but holds another content "
                "document (%.12s, expected %.12s): a mixed release\n",
                info.version, info.content_hash, dk_manifest_content(m)->hash);
        bad = 1;
    }
    for (size_t i = 0; i < m->count && !bad; i++) {
        if (dk_object_verify(objdir, &m->objects[i])) {
            fprintf(stderr, "dk-synctool: release %lld: %s\n", info.version, dk_error_detail());
            bad = 1;
        }
    }
    size_t count = m->count;
    dk_manifest_free(m);
    if (bad)
        return 1;
    if (a->expect >= 0 && info.version != a->expect) {
        fprintf(stderr, "dk-synctool: release %lld complete, but %lld was expected\n", info.version,
                a->expect);
        return 1;
    }
    printf("release %lld complete (%zu objects)\n", info.version, count);
    return 0;
}

int main(int argc, char **argv)
{
    if (dk_crypto_init()) {
        fprintf(stderr, "dk-synctool: no libsodium\n");
        return 1;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of tests/dk_synctool.c\n");
        return 2;
    }
    const char *cmd = argv[1];
    args a;
    memset(&a, 0, sizeof a);
    if (strcmp(cmd, "keygen") == 0 || strcmp(cmd, "pub") == 0) {
        dk_sign_key key;
        if (strcmp(cmd, "keygen") == 0 && (dk_sign_keygen(&key) || dk_sign_key_save(&key, argv[2])))
            return fail("keygen");
        if (dk_sign_key_load(argv[2], &key))
            return fail("load the key");
        char hex[DK_SIGN_PUBLIC_HEX];
        dk_sign_public_hex(key.pub, hex);
        printf("%s\n", hex);
        dk_wipe(&key, sizeof key);
        return 0;
    }
    if (strcmp(cmd, "release") == 0 && argc >= 4) {
        if (parse_opts(argc, argv, 4, &a))
            return 2;
        return cmd_release(argv[2], argv[3], &a);
    }
    if (strcmp(cmd, "timestamp") == 0) {
        if (parse_opts(argc, argv, 3, &a) || !a.manifest_v || !a.key)
            return 2;
        dk_sign_key key;
        if (dk_sign_key_load(a.key, &key))
            return fail("load the key");
        int rc = write_timestamp(argv[2], &key, strtoll(a.manifest_v, NULL, 10), &a);
        dk_wipe(&key, sizeof key);
        return rc;
    }
    if (strcmp(cmd, "objects") == 0) {
        char *data = NULL;
        size_t len = 0;
        dk_manifest *m = NULL;
        if (dk_fs_read(argv[2], DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX, &data, &len))
            return fail("read the manifest");
        const char *p =
            strncmp(data, "district-kiosk-signed", 21) == 0 ? strstr(data, "\n\n") : NULL;
        const char *json = p ? p + 2 : data;
        if (dk_manifest_parse(json, len - (size_t)(json - data), &m)) {
            free(data);
            return fail("parse the manifest");
        }
        for (size_t i = 0; i < m->count; i++)
            printf("%s\n", m->objects[i].hash);
        dk_manifest_free(m);
        free(data);
        return 0;
    }
    if (strcmp(cmd, "check") == 0) {
        if (parse_opts(argc, argv, 3, &a))
            return 2;
        return cmd_check(argv[2], &a);
    }
    fprintf(stderr, "dk-synctool: unknown command %s\n", cmd);
    return 2;
}
