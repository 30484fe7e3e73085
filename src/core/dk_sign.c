/* dk_sign.c: Ed25519 keys, the signed envelope and the timestamp document (docs/protocol.md). */
#include "dk_sign.h"

#include "dk_content.h"
#include "dk_fs.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define ENVELOPE_MAGIC "district-kiosk-signed 1\n"
#define SIG_PREFIX "ed25519 "
#define TIMESTAMP_FORMAT "district-kiosk-timestamp"
#define TIMESTAMP_SCHEMA 1

_Static_assert(DK_SIGN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(DK_SIGN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");

/* ---- Keys ---- */

dk_err dk_sign_keygen(dk_sign_key *out)
{
    dk_err err = dk_crypto_init();
    if (err)
        return err;
    if (crypto_sign_keypair(out->pub, out->sec) != 0)
        return dk_error_set(DK_ERR_CRYPTO, "cannot make a signing key");
    return DK_OK;
}

dk_err dk_sign_key_save(const dk_sign_key *key, const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return dk_error_set(DK_ERR_EXISTS, "%s exists; a key is never overwritten", path);
    char hex[2 * DK_SIGN_SECRET_BYTES + 2];
    dk_hex_encode(key->sec, DK_SIGN_SECRET_BYTES, hex);
    hex[2 * DK_SIGN_SECRET_BYTES] = '\n';
    dk_err err = dk_fs_write_atomic(path, hex, 2 * DK_SIGN_SECRET_BYTES + 1, 0600);
    dk_wipe(hex, sizeof hex);
    return err;
}

dk_err dk_sign_key_load(const char *path, dk_sign_key *out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot read the key %s: %s", path,
                            strerror(errno));
    if (st.st_mode & 077)
        return dk_error_set(DK_ERR_INVALID,
                            "%s can be read by other users; make it private (chmod 600)", path);
    dk_err err = dk_crypto_init();
    if (err)
        return err;
    char *text = NULL;
    size_t len = 0;
    if ((err = dk_fs_read(path, 4 * DK_SIGN_SECRET_BYTES, &text, &len)))
        return err;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    memset(out, 0, sizeof *out);
    if (len != 2 * DK_SIGN_SECRET_BYTES || dk_hex_decode(text, out->sec, DK_SIGN_SECRET_BYTES)) {
        err = dk_error_set(DK_ERR_INVALID, "%s is not a signing key (expected 128 hex digits)", path);
    } else if (crypto_sign_ed25519_sk_to_pk(out->pub, out->sec) != 0) {
        err = dk_error_set(DK_ERR_CRYPTO, "%s: cannot derive the public key", path);
    }
    dk_wipe(text, len);
    free(text);
    if (err)
        dk_wipe(out, sizeof *out);
    return err;
}

void dk_sign_public_hex(const unsigned char pub[DK_SIGN_PUBLIC_BYTES], char hex[DK_SIGN_PUBLIC_HEX])
{
    dk_hex_encode(pub, DK_SIGN_PUBLIC_BYTES, hex);
}

dk_err dk_sign_keyring_add(dk_sign_keyring *ring, const unsigned char pub[DK_SIGN_PUBLIC_BYTES])
{
    for (size_t i = 0; i < ring->count; i++)
        if (memcmp(ring->pub[i], pub, DK_SIGN_PUBLIC_BYTES) == 0)
            return DK_OK;
    if (ring->count >= DK_SIGN_MAX_KEYS)
        return dk_error_set(DK_ERR_LIMIT, "more than %d trusted keys", DK_SIGN_MAX_KEYS);
    memcpy(ring->pub[ring->count++], pub, DK_SIGN_PUBLIC_BYTES);
    return DK_OK;
}

dk_err dk_sign_keyring_add_text(dk_sign_keyring *ring, const char *text)
{
    dk_sign_keyring work = *ring;
    const char *p = text;
    for (int n = 1;; n++) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", \t\r\n");
        char hex[DK_SIGN_PUBLIC_HEX];
        unsigned char pub[DK_SIGN_PUBLIC_BYTES];
        if (len != 2 * DK_SIGN_PUBLIC_BYTES)
            return dk_error_set(DK_ERR_INVALID, "trusted key %d is not 64 hex digits", n);
        memcpy(hex, p, len);
        hex[len] = '\0';
        for (size_t i = 0; i < len; i++)
            if (hex[i] >= 'A' && hex[i] <= 'F')
                hex[i] = (char)(hex[i] - 'A' + 'a');
        if (dk_hex_decode(hex, pub, sizeof pub) != DK_OK)
            return dk_error_set(DK_ERR_INVALID, "trusted key %d is not 64 hex digits", n);
        dk_err err = dk_sign_keyring_add(&work, pub);
        if (err)
            return err;
        p += len;
    }
    *ring = work;
    return DK_OK;
}

/* ---- Envelope ---- */

static const char *type_name(dk_sign_type type)
{
    return type == DK_SIGN_TIMESTAMP ? "timestamp" : "manifest";
}

/* The signed message: "district-kiosk TYPE 1\n" + payload, in one streaming pass (Ed25519ph
 * would change the algorithm; instead the prefix and payload are concatenated once). */
static unsigned char *signed_message(dk_sign_type type, const void *payload, size_t len,
                                     size_t *msglen)
{
    char prefix[48];
    int n = snprintf(prefix, sizeof prefix, "district-kiosk %s 1\n", type_name(type));
    unsigned char *msg = malloc((size_t)n + len + 1);
    if (!msg)
        return NULL;
    memcpy(msg, prefix, (size_t)n);
    if (len)
        memcpy(msg + n, payload, len);
    *msglen = (size_t)n + len;
    return msg;
}

dk_err dk_sign_envelope(dk_sign_type type, const dk_sign_key *key, const void *payload, size_t len,
                        char **out, size_t *outlen)
{
    const dk_sign_key *keys[1] = {key};
    return dk_sign_envelope_multi(type, keys, 1, payload, len, out, outlen);
}

dk_err dk_sign_envelope_multi(dk_sign_type type, const dk_sign_key *const *keys, size_t nkeys,
                              const void *payload, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (nkeys < 1 || nkeys > DK_SIGN_MAX_SIGS)
        return dk_error_set(DK_ERR_INVALID, "a %s is signed by 1 to %d keys, not %zu",
                            type_name(type), DK_SIGN_MAX_SIGS, nkeys);
    for (size_t i = 0; i < nkeys; i++)
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[i]->pub, keys[j]->pub, DK_SIGN_PUBLIC_BYTES) == 0)
                return dk_error_set(DK_ERR_INVALID, "the same key cannot sign a %s twice",
                                    type_name(type));
    dk_err err = dk_crypto_init();
    if (err)
        return err;
    size_t msglen;
    unsigned char *msg = signed_message(type, payload, len, &msglen);
    if (!msg)
        return dk_error_set(DK_ERR_NOMEM, "cannot sign: out of memory");
    /* The header fits: magic (24) + DK_SIGN_MAX_SIGS lines of 201 bytes + the empty line. */
    _Static_assert(sizeof ENVELOPE_MAGIC + DK_SIGN_MAX_SIGS * (sizeof SIG_PREFIX + 64 + 1 + 128) +
                           1 <=
                       DK_SIGN_HEADER_MAX,
                   "an envelope header with every signature fits DK_SIGN_HEADER_MAX");
    char header[DK_SIGN_HEADER_MAX];
    size_t hn = sizeof ENVELOPE_MAGIC - 1;
    memcpy(header, ENVELOPE_MAGIC, hn);
    for (size_t i = 0; i < nkeys && !err; i++) {
        unsigned char sig[crypto_sign_BYTES];
        if (crypto_sign_detached(sig, NULL, msg, msglen, keys[i]->sec) != 0) {
            err = dk_error_set(DK_ERR_CRYPTO, "cannot sign the %s", type_name(type));
            break;
        }
        char pubhex[DK_SIGN_PUBLIC_HEX], sighex[2 * crypto_sign_BYTES + 1];
        dk_sign_public_hex(keys[i]->pub, pubhex);
        dk_hex_encode(sig, sizeof sig, sighex);
        int n = snprintf(header + hn, sizeof header - hn, SIG_PREFIX "%s %s\n", pubhex, sighex);
        if (n < 0 || (size_t)n >= sizeof header - hn)
            err = dk_error_set(DK_ERR_LIMIT, "the %s's signature header is too long",
                               type_name(type));
        else
            hn += (size_t)n;
    }
    free(msg);
    if (err)
        return err;
    header[hn++] = '\n';
    char *env = malloc(hn + len + 1);
    if (!env)
        return dk_error_set(DK_ERR_NOMEM, "cannot sign: out of memory");
    memcpy(env, header, hn);
    if (len)
        memcpy(env + hn, payload, len);
    env[hn + len] = '\0';
    *out = env;
    *outlen = hn + len;
    return DK_OK;
}

typedef struct signature_line {
    unsigned char pub[DK_SIGN_PUBLIC_BYTES];
    unsigned char sig[crypto_sign_BYTES];
} signature_line;

/* Parses an envelope's header: its signature lines into sigs (*nsigs) and the offset of the
 * payload into *payload_pos. DK_ERR_PROTOCOL for anything malformed. */
static dk_err parse_header(const char *what, const char *env, size_t len,
                           signature_line sigs[DK_SIGN_MAX_SIGS], size_t *nsigs,
                           size_t *payload_pos)
{
    size_t magic = sizeof ENVELOPE_MAGIC - 1;
    *nsigs = 0;
    if (len < magic || memcmp(env, ENVELOPE_MAGIC, magic) != 0)
        return dk_error_set(DK_ERR_PROTOCOL, "the %s is not a signed document", what);
    size_t pos = magic;
    for (;;) {
        if (pos >= len || pos > DK_SIGN_HEADER_MAX)
            return dk_error_set(DK_ERR_PROTOCOL, "the %s's signature header is cut off or too long",
                                what);
        if (env[pos] == '\n') {
            pos++;
            break;
        }
        const char *line = env + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - line) : 0;
        size_t want = sizeof SIG_PREFIX - 1 + 2 * DK_SIGN_PUBLIC_BYTES + 1 + 2 * crypto_sign_BYTES;
        if (!nl || linelen != want || memcmp(line, SIG_PREFIX, sizeof SIG_PREFIX - 1) != 0 ||
            line[sizeof SIG_PREFIX - 1 + 2 * DK_SIGN_PUBLIC_BYTES] != ' ')
            return dk_error_set(DK_ERR_PROTOCOL, "the %s has a malformed signature line", what);
        if (*nsigs == DK_SIGN_MAX_SIGS)
            return dk_error_set(DK_ERR_PROTOCOL, "the %s carries more than %d signatures", what,
                                DK_SIGN_MAX_SIGS);
        char pubhex[DK_SIGN_PUBLIC_HEX], sighex[2 * crypto_sign_BYTES + 1];
        memcpy(pubhex, line + sizeof SIG_PREFIX - 1, 2 * DK_SIGN_PUBLIC_BYTES);
        pubhex[2 * DK_SIGN_PUBLIC_BYTES] = '\0';
        memcpy(sighex, line + sizeof SIG_PREFIX + 2 * DK_SIGN_PUBLIC_BYTES, 2 * crypto_sign_BYTES);
        sighex[2 * crypto_sign_BYTES] = '\0';
        if (dk_hex_decode(pubhex, sigs[*nsigs].pub, DK_SIGN_PUBLIC_BYTES) ||
            dk_hex_decode(sighex, sigs[*nsigs].sig, crypto_sign_BYTES))
            return dk_error_set(DK_ERR_PROTOCOL, "the %s has a signature that is not lower-case hex",
                                what);
        (*nsigs)++;
        pos += linelen + 1;
    }
    if (*nsigs == 0)
        return dk_error_set(DK_ERR_PROTOCOL, "the %s carries no signature", what);
    *payload_pos = pos;
    return DK_OK;
}

dk_err dk_sign_envelope_signers(dk_sign_type type, const char *env, size_t len,
                                unsigned char pubs[DK_SIGN_MAX_SIGS][DK_SIGN_PUBLIC_BYTES],
                                size_t *count)
{
    *count = 0;
    signature_line sigs[DK_SIGN_MAX_SIGS];
    size_t nsigs = 0, pos = 0;
    dk_err err = parse_header(type_name(type), env, len, sigs, &nsigs, &pos);
    if (err)
        return err;
    for (size_t i = 0; i < nsigs; i++)
        memcpy(pubs[i], sigs[i].pub, DK_SIGN_PUBLIC_BYTES);
    *count = nsigs;
    return DK_OK;
}

dk_err dk_sign_verify(dk_sign_type type, const dk_sign_keyring *ring, const char *env, size_t len,
                      const char **payload, size_t *payload_len)
{
    *payload = NULL;
    *payload_len = 0;
    const char *what = type_name(type);
    size_t magic = sizeof ENVELOPE_MAGIC - 1;
    if (len < magic || memcmp(env, ENVELOPE_MAGIC, magic) != 0)
        return dk_error_set(DK_ERR_PROTOCOL, "the %s is not a signed document", what);
    dk_err err = dk_crypto_init();
    if (err)
        return err;

    /* Parse the signature lines first, then verify: the payload starts after the empty line. */
    signature_line sigs[DK_SIGN_MAX_SIGS];
    size_t nsigs = 0, pos = 0;
    if ((err = parse_header(what, env, len, sigs, &nsigs, &pos)))
        return err;

    size_t msglen;
    unsigned char *msg = signed_message(type, env + pos, len - pos, &msglen);
    if (!msg)
        return dk_error_set(DK_ERR_NOMEM, "cannot verify: out of memory");
    int trusted = 0;
    for (size_t i = 0; i < nsigs && !err; i++) {
        for (size_t k = 0; k < ring->count; k++) {
            if (sodium_memcmp(ring->pub[k], sigs[i].pub, DK_SIGN_PUBLIC_BYTES) != 0)
                continue;
            if (crypto_sign_verify_detached(sigs[i].sig, msg, msglen, sigs[i].pub) != 0) {
                char hex[DK_SIGN_PUBLIC_HEX];
                dk_sign_public_hex(sigs[i].pub, hex);
                err = dk_error_set(DK_ERR_CRYPTO,
                                   "the %s's signature by trusted key %.16s… does not match: the "
                                   "file was changed or damaged on the way",
                                   what, hex);
            } else {
                trusted = 1;
            }
            break;
        }
    }
    free(msg);
    if (err)
        return err;
    if (!trusted)
        return dk_error_set(DK_ERR_CRYPTO,
                            "the %s is not signed by a key this kiosk trusts (check trusted_keys)",
                            what);
    *payload = env + pos;
    *payload_len = len - pos;
    return DK_OK;
}

/* ---- Times ---- */

dk_err dk_time_parse(const char *s, long long *out)
{
    int y, mo, d, h, mi, se;
    char z;
    int consumed = 0;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &y, &mo, &d, &h, &mi, &se, &z, &consumed) != 7 ||
        consumed != 20 || z != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
        return dk_error_set(DK_ERR_INVALID, "'%.40s' is not a UTC time like 2026-11-26T10:00:00Z",
                            s ? s : "");
    /* Days from civil (Howard Hinnant): no timegm(), no time zone state. */
    long long yy = y - (mo <= 2);
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    *out = days * 86400 + h * 3600 + mi * 60 + se;
    return DK_OK;
}

void dk_time_format(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* ---- Timestamp document ---- */

dk_err dk_timestamp_serialize(const dk_timestamp *ts, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    char buf[DK_TIMESTAMP_MAX];
    int n = snprintf(buf, sizeof buf,
                     "{\"expires\":\"%s\",\"format\":\"" TIMESTAMP_FORMAT "\",\"issued\":\"%s\","
                     "\"manifest\":{\"length\":%llu,\"sha256\":\"%s\",\"version\":%lld},"
                     "\"schema\":%d,\"version\":%lld}\n",
                     ts->expires, ts->issued, (unsigned long long)ts->manifest_length,
                     ts->manifest_sha256, ts->manifest_version, TIMESTAMP_SCHEMA, ts->version);
    long long t;
    if (n < 0 || (size_t)n >= sizeof buf || dk_time_parse(ts->issued, &t) ||
        dk_time_parse(ts->expires, &t) || !dk_sha256_hex_valid(ts->manifest_sha256) ||
        ts->version < 1 || ts->manifest_version < 1)
        return dk_error_set(DK_ERR_INVALID, "cannot write a timestamp with these fields");
    char *copy = malloc((size_t)n + 1);
    if (!copy)
        return dk_error_set(DK_ERR_NOMEM, "cannot write the timestamp: out of memory");
    memcpy(copy, buf, (size_t)n + 1);
    *out = copy;
    *len = (size_t)n;
    return DK_OK;
}

static int only_keys(json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(key, *a) == 0;
        if (!ok)
            return 0;
    }
    return 1;
}

static int get_time(json_t *obj, const char *key, char out[32])
{
    const char *s = json_string_value(json_object_get(obj, key));
    long long t;
    if (!s || dk_time_parse(s, &t) != DK_OK)
        return 0;
    memcpy(out, s, 21);
    return 1;
}

dk_err dk_timestamp_parse(const char *json, size_t len, dk_timestamp *out)
{
    static const char *const top[] = {"format", "schema", "version", "issued",
                                      "expires", "manifest", NULL};
    static const char *const man[] = {"version", "length", "sha256", NULL};
    memset(out, 0, sizeof *out);
    if (len > DK_TIMESTAMP_MAX)
        return dk_error_set(DK_ERR_PROTOCOL, "the timestamp is larger than %d bytes",
                            DK_TIMESTAMP_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return dk_error_set(DK_ERR_PROTOCOL, "the timestamp is not JSON: %s", jerr.text);
    dk_err err = DK_OK;
    json_t *m = json_object_get(root, "manifest");
    json_t *v = json_object_get(root, "version"), *mv = json_object_get(m, "version"),
           *ml = json_object_get(m, "length");
    const char *fmt = json_string_value(json_object_get(root, "format"));
    const char *sha = json_string_value(json_object_get(m, "sha256"));
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_object(root) || !only_keys(root, top) || !json_is_object(m) ||
        !only_keys(m, man))
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp has unknown or missing fields");
    else if (!fmt || strcmp(fmt, TIMESTAMP_FORMAT) != 0 || !json_is_integer(schema) ||
             json_integer_value(schema) != TIMESTAMP_SCHEMA)
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp is of a format this kiosk does not know");
    else if (!json_is_integer(v) || json_integer_value(v) < 1 || !json_is_integer(mv) ||
             json_integer_value(mv) < 1 || !json_is_integer(ml) || json_integer_value(ml) < 1 ||
             json_integer_value(ml) > DK_LIMIT_MANIFEST + DK_SIGN_HEADER_MAX)
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp has a bad version or length");
    else if (!sha || !dk_sha256_hex_valid(sha))
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp's manifest hash is not a SHA-256");
    else if (!get_time(root, "issued", out->issued) || !get_time(root, "expires", out->expires))
        err = dk_error_set(DK_ERR_PROTOCOL, "the timestamp's issued/expires are not UTC times");
    if (!err) {
        out->version = (long long)json_integer_value(v);
        out->manifest_version = (long long)json_integer_value(mv);
        out->manifest_length = (uint64_t)json_integer_value(ml);
        memcpy(out->manifest_sha256, sha, DK_SHA256_HEX);
    }
    json_decref(root);
    return err;
}
