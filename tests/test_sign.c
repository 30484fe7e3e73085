/* test_sign.c: signing keys, the signed envelope, timestamps and times (docs/protocol.md). */
#include "dk_test.h"

#include "dk_bundle.h"
#include "dk_sign.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char PAYLOAD[] = "{\"hello\":\"Hörde\"}\n";

static dk_sign_keyring ring_of(const dk_sign_key *k)
{
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(dk_sign_keyring_add(&ring, k->pub), DK_OK);
    return ring;
}

/* A new key in *k and PAYLOAD signed with it; the envelope is freed by the caller. */
static char *signed_payload(dk_sign_type type, dk_sign_key *k, size_t *len)
{
    char *env;
    assert_int_equal(dk_sign_keygen(k), DK_OK);
    assert_int_equal(dk_sign_envelope(type, k, PAYLOAD, strlen(PAYLOAD), &env, len), DK_OK);
    return env;
}

static void test_envelope_round_trip_gives_the_exact_payload(void **state)
{
    dk_sign_key k;
    size_t len;
    char *env = signed_payload(DK_SIGN_MANIFEST, &k, &len);
    assert_true(strncmp(env, "district-kiosk-signed 1\ned25519 ", 32) == 0);
    dk_sign_keyring ring = ring_of(&k);
    const char *p;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen), DK_OK);
    assert_int_equal(plen, strlen(PAYLOAD));
    assert_memory_equal(p, PAYLOAD, plen);
    free(env);
}

static void test_a_timestamp_signature_never_passes_as_a_manifest(void **state)
{
    dk_sign_key k;
    size_t len;
    char *env = signed_payload(DK_SIGN_TIMESTAMP, &k, &len);
    dk_sign_keyring ring = ring_of(&k);
    const char *p;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen), DK_ERR_CRYPTO);
    assert_null(p);
    free(env);
}

static void test_every_flipped_payload_byte_is_rejected(void **state)
{
    dk_sign_key k;
    size_t len;
    char *env = signed_payload(DK_SIGN_MANIFEST, &k, &len);
    dk_sign_keyring ring = ring_of(&k);
    for (size_t i = 0; i < len; i++) {
        env[i] ^= 0x01;
        const char *p;
        size_t plen;
        dk_err err = dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen);
        /* A flip in the public key makes the signature "by an unknown key": also refused. */
        assert_true(err == DK_ERR_CRYPTO || err == DK_ERR_PROTOCOL);
        env[i] ^= 0x01;
    }
    const char *p;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen), DK_OK);
    /* Cut off: a shorter payload no longer verifies; an envelope without its blank line is
     * malformed. */
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len - 1, &p, &plen),
                     DK_ERR_CRYPTO);
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, 40, &p, &plen), DK_ERR_PROTOCOL);
    free(env);
}

static void test_unknown_keys_are_refused_and_a_second_key_is_accepted(void **state)
{
    dk_sign_key a, b;
    assert_int_equal(dk_sign_keygen(&a), DK_OK);
    assert_int_equal(dk_sign_keygen(&b), DK_OK);
    char *env;
    size_t len;
    assert_int_equal(dk_sign_envelope(DK_SIGN_MANIFEST, &b, PAYLOAD, strlen(PAYLOAD), &env, &len),
                     DK_OK);
    dk_sign_keyring ring = ring_of(&a);
    const char *p;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen), DK_ERR_CRYPTO);
    assert_non_null(strstr(dk_error_detail(), "not signed by a key this kiosk trusts"));
    assert_int_equal(dk_sign_keyring_add(&ring, b.pub), DK_OK);
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &p, &plen), DK_OK);
    free(env);
}

static void test_malformed_envelopes_get_a_clear_error(void **state)
{
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    const char *p;
    size_t plen;
    static const char *const bad[] = {
        "",
        "{\"json\":1}",
        "district-kiosk-signed 1\n\n{}",
        "district-kiosk-signed 1\ned25519 zz\n\n{}",
        "district-kiosk-signed 1\ned25519 ",
        "district-kiosk-signed 2\n\n{}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ring, bad[i], strlen(bad[i]), &p, &plen),
                         DK_ERR_PROTOCOL);
    /* A header that never ends is refused after DK_SIGN_HEADER_MAX bytes. */
    size_t n = 1 << 16;
    char *huge = malloc(n);
    assert_non_null(huge);
    memset(huge, 'e', n);
    memcpy(huge, "district-kiosk-signed 1\n", 24);
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ring, huge, n, &p, &plen), DK_ERR_PROTOCOL);
    free(huge);
}

static void test_key_files_are_private_and_never_overwritten(void **state)
{
    char *dir = dkt_mkdtemp("sign");
    char path[4096];
    snprintf(path, sizeof path, "%s/signing.key", dir);
    dk_sign_key k, loaded;
    assert_int_equal(dk_sign_keygen(&k), DK_OK);
    assert_int_equal(dk_sign_key_save(&k, path), DK_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(dk_sign_key_save(&k, path), DK_ERR_EXISTS);
    assert_int_equal(dk_sign_key_load(path, &loaded), DK_OK);
    assert_memory_equal(loaded.pub, k.pub, sizeof k.pub);
    assert_memory_equal(loaded.sec, k.sec, sizeof k.sec);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(dk_sign_key_load(path, &loaded), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "chmod 600"));
    dkt_write(dir, "bad.key", "not a key\n");
    snprintf(path, sizeof path, "%s/bad.key", dir);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(dk_sign_key_load(path, &loaded), DK_ERR_INVALID);
    dkt_rmdir(dir);
}

static void test_keyring_text_accepts_lists_and_rejects_bad_entries(void **state)
{
    dk_sign_key a, b;
    assert_int_equal(dk_sign_keygen(&a), DK_OK);
    assert_int_equal(dk_sign_keygen(&b), DK_OK);
    char ha[DK_SIGN_PUBLIC_HEX], hb[DK_SIGN_PUBLIC_HEX], text[256];
    dk_sign_public_hex(a.pub, ha);
    dk_sign_public_hex(b.pub, hb);
    snprintf(text, sizeof text, " %s, %s ,%s\n", ha, hb, ha);
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(dk_sign_keyring_add_text(&ring, text), DK_OK);
    assert_int_equal(ring.count, 2);
    snprintf(text, sizeof text, "%s, 1234", ha);
    dk_sign_keyring before = ring;
    assert_int_equal(dk_sign_keyring_add_text(&ring, text), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "trusted key 2"));
    assert_memory_equal(&ring, &before, sizeof ring);
}

static void test_timestamp_round_trip_and_strict_parse(void **state)
{
    dk_timestamp ts = {.version = 41, .issued = "2026-11-26T10:00:00Z",
                       .expires = "2026-11-27T10:00:00Z", .manifest_version = 7,
                       .manifest_length = 1843};
    memset(ts.manifest_sha256, 'a', 64);
    ts.manifest_sha256[64] = '\0';
    char *json;
    size_t len;
    assert_int_equal(dk_timestamp_serialize(&ts, &json, &len), DK_OK);
    dk_timestamp back;
    assert_int_equal(dk_timestamp_parse(json, len, &back), DK_OK);
    assert_memory_equal(&back, &ts, sizeof ts);
    free(json);
    static const char *const bad[] = {
        "[]",
        "{\"format\":\"district-kiosk-timestamp\",\"schema\":1}",
        "{\"expires\":\"2026-11-27T10:00:00Z\",\"format\":\"district-kiosk-timestamp\","
        "\"issued\":\"2026-11-26T10:00:00Z\",\"manifest\":{\"length\":1,\"sha256\":\"xx\","
        "\"version\":1},\"schema\":1,\"version\":1}",
        "{\"expires\":\"tomorrow\",\"format\":\"district-kiosk-timestamp\","
        "\"issued\":\"2026-11-26T10:00:00Z\",\"manifest\":{\"length\":1,\"sha256\":"
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"version\":1},"
        "\"schema\":1,\"version\":1}",
        "{\"extra\":1,\"expires\":\"2026-11-27T10:00:00Z\",\"format\":\"district-kiosk-timestamp\","
        "\"issued\":\"2026-11-26T10:00:00Z\",\"manifest\":{\"length\":1,\"sha256\":"
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"version\":1},"
        "\"schema\":1,\"version\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(dk_timestamp_parse(bad[i], strlen(bad[i]), &back), DK_ERR_PROTOCOL);
}

static void test_times_parse_and_format_in_utc(void **state)
{
    long long t;
    assert_int_equal(dk_time_parse("1970-01-01T00:00:00Z", &t), DK_OK);
    assert_int_equal(t, 0);
    assert_int_equal(dk_time_parse("2026-11-26T10:00:00Z", &t), DK_OK);
    assert_int_equal(t, 1795687200LL);
    char out[32];
    dk_time_format(t, out);
    assert_string_equal(out, "2026-11-26T10:00:00Z");
    assert_int_equal(dk_time_parse("2028-02-29T23:59:59Z", &t), DK_OK);
    dk_time_format(t, out);
    assert_string_equal(out, "2028-02-29T23:59:59Z");
    static const char *const bad[] = {"", "2026-11-26", "2026-11-26T10:00:00", "2026-13-01T00:00:00Z",
                                      "2026-11-26 10:00:00Z", "2026-11-26T10:00:00+01:00",
                                      "1969-12-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(dk_time_parse(bad[i], &t), DK_ERR_INVALID);
}

static void test_manifest_keys_round_trip_and_are_checked(void **state)
{
    dk_sign_key k;
    assert_int_equal(dk_sign_keygen(&k), DK_OK);
    char hex[DK_SIGN_PUBLIC_HEX], json[1024];
    dk_sign_public_hex(k.pub, hex);
    const char *obj = "\"objects\":[{\"hash\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                      "aaaaaaaaaaaa\",\"length\":3,\"role\":\"content\"}]";
    snprintf(json, sizeof json,
             "{\"format\":\"district-kiosk-manifest\",\"keys\":[\"%s\"],%s,\"schema\":1,"
             "\"version\":3}\n",
             hex, obj);
    dk_manifest *m;
    assert_int_equal(dk_manifest_parse(json, strlen(json), &m), DK_OK);
    assert_int_equal(m->key_count, 1);
    assert_memory_equal(m->keys[0], k.pub, sizeof k.pub);
    char *out;
    size_t len;
    assert_int_equal(dk_manifest_serialize(m, &out, &len), DK_OK);
    assert_int_equal(len, strlen(json));
    assert_memory_equal(out, json, len);
    free(out);
    dk_manifest_free(m);
    snprintf(json, sizeof json,
             "{\"format\":\"district-kiosk-manifest\",\"keys\":[\"%s\",\"%s\"],%s,\"schema\":1,"
             "\"version\":3}",
             hex, hex, obj);
    assert_int_equal(dk_manifest_parse(json, strlen(json), &m), DK_ERR_INVALID);
    snprintf(json, sizeof json,
             "{\"format\":\"district-kiosk-manifest\",\"keys\":[\"nothex\"],%s,\"schema\":1,"
             "\"version\":3}",
             obj);
    assert_int_equal(dk_manifest_parse(json, strlen(json), &m), DK_ERR_INVALID);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_round_trip_gives_the_exact_payload),
        cmocka_unit_test(test_a_timestamp_signature_never_passes_as_a_manifest),
        cmocka_unit_test(test_every_flipped_payload_byte_is_rejected),
        cmocka_unit_test(test_unknown_keys_are_refused_and_a_second_key_is_accepted),
        cmocka_unit_test(test_malformed_envelopes_get_a_clear_error),
        cmocka_unit_test(test_key_files_are_private_and_never_overwritten),
        cmocka_unit_test(test_keyring_text_accepts_lists_and_rejects_bad_entries),
        cmocka_unit_test(test_timestamp_round_trip_and_strict_parse),
        cmocka_unit_test(test_times_parse_and_format_in_utc),
        cmocka_unit_test(test_manifest_keys_round_trip_and_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
