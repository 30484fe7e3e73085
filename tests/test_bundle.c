/* test_bundle.c: the manifest format (strict parsing, canonical bytes) and object checks. */
#include "dk_test.h"

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_pack.h"
#include "dk_store.h"

#include <stdlib.h>
#include <string.h>

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

/* Canonical form: compact, keys sorted, a newline at the end. */
static const char *good =
    "{\"format\":\"district-kiosk-manifest\",\"issued\":\"2026-11-26T10:00:00Z\",\"objects\":["
    "{\"hash\":\"" H1 "\",\"length\":10,\"role\":\"content\"},"
    "{\"hash\":\"" H2 "\",\"length\":20,\"mime\":\"image/png\",\"role\":\"media\"}],"
    "\"schema\":1,\"version\":3}\n";

static void test_manifest_round_trips_to_identical_bytes(void **state)
{
    dk_manifest *m = NULL;
    assert_int_equal(dk_manifest_parse(good, strlen(good), &m), DK_OK);
    assert_int_equal(m->version, 3);
    assert_int_equal(m->count, 2);
    assert_string_equal(dk_manifest_content(m)->hash, H1);
    assert_string_equal(m->objects[1].mime, "image/png");
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(dk_manifest_serialize(m, &text, &len), DK_OK);
    assert_int_equal(len, strlen(good));
    assert_string_equal(text, good);
    free(text);
    dk_manifest_free(m);
}

static void expect_refused(const char *from, const char *to, const char *why)
{
    const char *at = strstr(good, from);
    assert_non_null(at);
    char text[2048];
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    dk_manifest *m = NULL;
    dk_err err = dk_manifest_parse(text, strlen(text), &m);
    if (err == DK_OK || !strstr(dk_error_detail(), why)) {
        print_error("expected '%s' for:\n%s\ngot %d: %s\n", why, text, err, dk_error_detail());
        fail();
    }
    assert_null(m);
}

static void test_manifest_parsing_is_strict(void **state)
{
    expect_refused("\"schema\":1", "\"schema\":2", "'schema' must be 1");
    expect_refused("\"format\":\"district-kiosk-manifest\"", "\"format\":\"other\"", "'format'");
    expect_refused("\"version\":3", "\"version\":-1", "'version'");
    expect_refused("\"version\":3", "\"version\":3,\"extra\":1", "unknown field 'extra'");
    expect_refused("2026-11-26T10:00:00Z", "yesterday", "'issued'");
    expect_refused(H2, H1, "listed twice");
    expect_refused(H2, "22", "64 lower-case hex");
    expect_refused("\"role\":\"media\"", "\"role\":\"content\"", "");
    expect_refused("\"length\":20", "\"length\":\"20\"", "'length'");
    expect_refused("\"image/png\"", "\"text/html\"", "'mime'");
    expect_refused("\"length\":20", "\"length\":99999999999", "an image of");
    expect_refused("{\"format\"", "[{\"format\"", "");
    expect_refused("\"schema\":1", "\"registration_key\":\"" H1 "x\",\"schema\":1",
                   "'registration_key' must be 64 lower-case hex");
    expect_refused("\"schema\":1", "\"registration_key\":\"ABCD\",\"schema\":1",
                   "'registration_key' must be 64 lower-case hex");
    expect_refused("\"schema\":1", "\"registration_key\":[],\"schema\":1",
                   "'registration_key' must be 64 lower-case hex");
    /* all zeros: crypto_box_seal refuses it, so every registration would fail */
    expect_refused("\"schema\":1",
                   "\"registration_key\":\"0000000000000000000000000000000000000000000000000000"
                   "000000000000\",\"schema\":1",
                   "not a usable X25519 public key");
    expect_refused("\"objects\":[", "\"objects\":[],\"x\":[", "");
}

/* A manifest naming the hub's registration key keeps it through a round trip; an older one
 * without it stays valid. */
static void test_the_registration_key_is_optional_and_round_trips(void **state)
{
    /* a usable X25519 public key */
    const char *key = "2fe57da347cd62431528daac5fbb290730fff684afc4cfc2ed90995f58cb3b74";
    char text[2048];
    const char *at = strstr(good, "\"schema\"");
    snprintf(text, sizeof text, "%.*s\"registration_key\":\"%s\",%s", (int)(at - good), good, key,
             at);
    dk_manifest *m = NULL;
    assert_int_equal(dk_manifest_parse(text, strlen(text), &m), DK_OK);
    assert_true(m->has_registration_key);
    char hex[65];
    dk_hex_encode(m->registration_key, 32, hex);
    assert_string_equal(hex, key);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(dk_manifest_serialize(m, &out, &len), DK_OK);
    assert_string_equal(out, text); /* canonical: sorted between objects and schema */
    free(out);
    dk_manifest_free(m);
    assert_int_equal(dk_manifest_parse(good, strlen(good), &m), DK_OK);
    assert_false(m->has_registration_key);
    dk_manifest_free(m);
}

static void test_duplicate_keys_and_garbage_are_refused(void **state)
{
    dk_manifest *m = NULL;
    const char *dup = "{\"format\":\"district-kiosk-manifest\",\"format\":\"x\"}";
    assert_int_equal(dk_manifest_parse(dup, strlen(dup), &m), DK_ERR_INVALID);
    assert_int_equal(dk_manifest_parse("\x01\x02garbage", 9, &m), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "line 1"));
    assert_int_equal(dk_manifest_parse("", 0, &m), DK_ERR_INVALID);
    assert_null(m);
}

static void test_object_verify_catches_missing_short_and_corrupt_files(void **state)
{
    char *dir = dkt_mkdtemp("objs");
    const char *data = "hello objects";
    dk_object o = {DK_ROLE_MEDIA, "", strlen(data), "image/png"};
    dk_sha256_hex(data, strlen(data), o.hash);
    assert_int_equal(dk_object_verify(dir, &o), DK_ERR_NOTFOUND);
    dkt_write(dir, o.hash, data);
    assert_int_equal(dk_object_verify(dir, &o), DK_OK);
    dkt_write(dir, o.hash, "hello object"); /* one byte short */
    assert_int_equal(dk_object_verify(dir, &o), DK_ERR_CORRUPT);
    dkt_write(dir, o.hash, "hellO objects"); /* one byte changed */
    assert_int_equal(dk_object_verify(dir, &o), DK_ERR_CORRUPT);
    assert_non_null(strstr(dk_error_detail(), "does not match its hash"));
    dkt_rmdir(dir);
}

/* Packs the test content into tmp/bundle; returns the bundle path in a static buffer. */
static const char *make_bundle(const char *tmp, const char *content)
{
    static char out[4096];
    snprintf(out, sizeof out, "%s/bundle", tmp);
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(content, out, NULL, &pr, NULL), DK_OK);
    dk_problems_free(&pr);
    return out;
}

static long long districts_in(const char *data)
{
    char db[4096];
    assert_int_equal(dk_bundle_db_path(data, db, sizeof db), DK_OK);
    dk_store *s = NULL;
    assert_int_equal(dk_store_open(db, &s), DK_OK);
    dk_store_info info;
    dk_store_get_info(s, &info);
    dk_store_close(s);
    return info.districts;
}

static void test_first_start_installs_the_bundle_and_later_starts_keep_it(void **state)
{
    char *content = dkt_make_content();
    char *tmp = dkt_mkdtemp("install");
    const char *bundle = make_bundle(tmp, content);
    char data[4096];
    snprintf(data, sizeof data, "%s/data", tmp);
    int installed = -1;
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    assert_int_equal(installed, 1);
    assert_int_equal(districts_in(data), 1);
    char objs[4096];
    snprintf(objs, sizeof objs, "%s/objects", data);
    assert_int_equal(dkt_count_files(objs), 2);
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    assert_int_equal(installed, 0);
    /* A write that a power cut interrupted leaves a temporary file; start-up removes it. */
    dkt_write(objs, "0123.tmp-AbC123", "half an object");
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    assert_int_equal(dkt_count_files(objs), 2);
    dkt_rmdir(tmp);
    dkt_rmdir(content);
}

static void test_a_damaged_database_is_rebuilt_from_the_bundle(void **state)
{
    char *content = dkt_make_content();
    char *tmp = dkt_mkdtemp("install");
    const char *bundle = make_bundle(tmp, content);
    char data[4096];
    snprintf(data, sizeof data, "%s/data", tmp);
    int installed = 0;
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    dkt_write(data, "content.db", "this is not a database, it was overwritten on disk");
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    assert_int_equal(installed, 1);
    assert_int_equal(districts_in(data), 1);
    dkt_rmdir(tmp);
    dkt_rmdir(content);
}

static void test_a_corrupt_bundle_is_refused_and_the_old_content_stays(void **state)
{
    char *content = dkt_make_content();
    char *tmp = dkt_mkdtemp("install");
    const char *bundle = make_bundle(tmp, content);
    char data[4096];
    snprintf(data, sizeof data, "%s/data", tmp);
    int installed = 0;
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    char *before = dkt_read(data, "content.db", NULL);

    dk_manifest *m = NULL;
    assert_int_equal(dk_bundle_load(bundle, &m), DK_OK);
    char rel[128];
    snprintf(rel, sizeof rel, "objects/%s", m->objects[1].hash);
    size_t len = 0;
    char *img = dkt_read(bundle, rel, &len);
    img[len - 1] ^= 1; /* one flipped bit */
    dkt_write_bytes(bundle, rel, img, len);
    free(img);
    dk_manifest_free(m);

    assert_int_equal(dk_bundle_install(bundle, data), DK_ERR_CORRUPT);
    assert_non_null(strstr(dk_error_detail(), "does not match its hash"));
    char *after = dkt_read(data, "content.db", NULL);
    assert_string_equal(before, after);
    assert_int_equal(districts_in(data), 1);
    free(before);
    free(after);
    dkt_rmdir(tmp);
    dkt_rmdir(content);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_round_trips_to_identical_bytes),
        cmocka_unit_test(test_manifest_parsing_is_strict),
        cmocka_unit_test(test_duplicate_keys_and_garbage_are_refused),
        cmocka_unit_test(test_the_registration_key_is_optional_and_round_trips),
        cmocka_unit_test(test_object_verify_catches_missing_short_and_corrupt_files),
        cmocka_unit_test(test_first_start_installs_the_bundle_and_later_starts_keep_it),
        cmocka_unit_test(test_a_damaged_database_is_rebuilt_from_the_bundle),
        cmocka_unit_test(test_a_corrupt_bundle_is_refused_and_the_old_content_stays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
