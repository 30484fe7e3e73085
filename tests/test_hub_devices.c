/* test_hub_devices.c: device names and tokens (only a hash is stored), heartbeat parsing,
 * the SILENT and STALE flags, and the overview of `district-hub devices`. */
#include "test_hub_support.h"

#include "dk_crypto.h"
#include "hub_db.h"
#include "hub_devices.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void test_device_names(void **state)
{
    (void)state;
    assert_int_equal(hub_device_name_check("hoerde-foyer"), DK_OK);
    assert_int_equal(hub_device_name_check("kiosk_2.eg"), DK_OK);
    assert_int_equal(hub_device_name_check(""), DK_ERR_INVALID);
    assert_int_equal(hub_device_name_check("-x"), DK_ERR_INVALID);
    assert_int_equal(hub_device_name_check("Hörde"), DK_ERR_INVALID);
    assert_int_equal(hub_device_name_check("a b"), DK_ERR_INVALID);
    assert_int_equal(hub_device_name_check("a/b"), DK_ERR_INVALID);
    char longname[HUB_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(hub_device_name_check(longname), DK_ERR_INVALID);
    longname[HUB_NAME_MAX] = '\0';
    assert_int_equal(hub_device_name_check(longname), DK_OK);
}

static void test_only_the_hash_of_a_token_is_stored(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char token[HUB_TOKEN_HEX], token2[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "hoerde-foyer", token), DK_OK);
    assert_true(hub_token_well_formed(token));
    assert_int_equal(hub_device_add(t.site, "eving", token2), DK_OK);
    assert_string_not_equal(token, token2);
    assert_int_equal(hub_device_add(t.site, "eving", token2), DK_ERR_EXISTS);

    /* The database holds SHA-256 of the token, never the token. */
    char hash[DK_SHA256_HEX];
    hub_token_hash(token, hash);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(t.site->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT token_sha256 FROM devices WHERE name = "
                                            "'hoerde-foyer'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), hash);
    sqlite3_finalize(st);
    sqlite3_close(db);
    char *dbfile = dkt_read(t.tmp, "data/hub.db", NULL);
    assert_null(strstr(dbfile ? dbfile : "", token));
    free(dbfile);

    long long id = 0;
    char name[HUB_NAME_MAX + 1];
    assert_int_equal(hub_db_device_by_token(t.site->db, hash, &id, name), DK_OK);
    assert_string_equal(name, "hoerde-foyer");
    char other[DK_SHA256_HEX];
    hub_token_hash("0000000000000000000000000000000000000000000000000000000000000000", other);
    assert_int_equal(hub_db_device_by_token(t.site->db, other, &id, name), DK_ERR_NOTFOUND);

    /* Removing a device removes its heartbeat (foreign keys are on) and its token stops working. */
    hub_heartbeat hb;
    hub_heartbeat_init(&hb);
    assert_int_equal(hub_db_heartbeat_put(t.site->db, id, 100, &hb), DK_OK);
    assert_int_equal(hub_db_device_remove(t.site->db, "hoerde-foyer"), DK_OK);
    assert_int_equal(hub_db_device_remove(t.site->db, "hoerde-foyer"), DK_ERR_NOTFOUND);
    assert_int_equal(hub_db_device_by_token(t.site->db, hash, &id, name), DK_ERR_NOTFOUND);
    assert_int_equal(sqlite3_open_v2(t.site->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM heartbeats", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    hubt_teardown(&t);
}

static void test_tokens_are_exactly_64_lower_case_hex(void **state)
{
    (void)state;
    assert_true(hub_token_well_formed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(hub_token_well_formed("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(hub_token_well_formed("0123456789abcdef"));
    assert_false(hub_token_well_formed(""));
    assert_false(hub_token_well_formed("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
}

static void test_snippet_has_everything_a_kiosk_needs(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "aplerbeck", token), DK_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(hub_device_snippet(t.site, "aplerbeck", token, f), DK_OK);
    fclose(f);
    char line[256];
    snprintf(line, sizeof line, "trusted_keys = %s\n", t.keys.signing_public);
    assert_non_null(strstr(buf, line));
    snprintf(line, sizeof line, "device_token = %s\n", token);
    assert_non_null(strstr(buf, line));
    snprintf(line, sizeof line, "registration_pubkey = %s\n", t.keys.registration_public);
    assert_non_null(strstr(buf, line));
    assert_non_null(strstr(buf, "hub_url = http://127.0.0.1:0\n")); /* plain: the test config */
    free(buf);
    hubt_teardown(&t);
}

static void test_heartbeat_fields_types_and_limits(void **state)
{
    (void)state;
    hub_heartbeat hb;
    const char *full =
        "{\"app_version\":\"0.3.0\",\"content_version\":7,\"content_issued\":\"2026-11-26T10:00:00Z\","
        "\"last_attempt\":\"2026-11-26T10:05:00Z\",\"last_success\":\"2026-11-26T10:05:00Z\","
        "\"last_result\":\"ok\",\"last_error\":\"\",\"stale\":false,\"backlog\":3,\"quarantined\":1,"
        "\"free_disk_mb\":5123,\"uptime_s\":86400,\"future_field\":{\"x\":[1,2]}}";
    assert_int_equal(hub_heartbeat_parse(full, strlen(full), &hb), DK_OK);
    assert_string_equal(hb.app_version, "0.3.0");
    assert_int_equal(hb.content_version, 7);
    assert_int_equal(hb.stale, 0);
    assert_int_equal(hb.backlog, 3);
    assert_int_equal(hb.quarantined, 1);
    assert_int_equal(hb.free_disk_mb, 5123);
    assert_string_equal(hb.last_result, "ok");

    assert_int_equal(hub_heartbeat_parse("{}", 2, &hb), DK_OK); /* all optional */
    assert_int_equal(hb.content_version, -1);
    assert_int_equal(hb.stale, -1);

    const char *bad[] = {"", "[]", "{\"backlog\":-1}", "{\"backlog\":\"3\"}", "{\"stale\":1}",
                         "{\"content_version\":1.5}", "{\"last_error\":7}", "{\"a\":1,\"a\":2}",
                         "{\"x\":1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hub_heartbeat_parse(bad[i], strlen(bad[i]), &hb), DK_ERR_INVALID);
        assert_true(strlen(dk_error_detail()) > 0);
    }
    char longtext[HUB_HB_STR_MAX + 40];
    snprintf(longtext, sizeof longtext, "{\"last_error\":\"%0*d\"}", HUB_HB_STR_MAX + 1, 0);
    assert_int_equal(hub_heartbeat_parse(longtext, strlen(longtext), &hb), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "last_error"));
    snprintf(longtext, sizeof longtext, "{\"last_error\":\"%0*d\"}", HUB_HB_STR_MAX, 0);
    assert_int_equal(hub_heartbeat_parse(longtext, strlen(longtext), &hb), DK_OK);
}

static void test_silent_and_stale_flags(void **state)
{
    (void)state;
    hub_device d;
    memset(&d, 0, sizeof d);
    hub_heartbeat_init(&d.hb);
    assert_int_equal(hub_device_flags(&d, 1000, 1800, 5), HUB_FLAG_SILENT); /* never heard of */
    d.has_heartbeat = 1;
    d.received = 1000;
    d.hb.content_version = 5;
    assert_int_equal(hub_device_flags(&d, 1000 + 1800, 1800, 5), 0);
    assert_int_equal(hub_device_flags(&d, 1000 + 1801, 1800, 5), HUB_FLAG_SILENT);
    assert_int_equal(hub_device_flags(&d, 1000, 1800, 6), HUB_FLAG_STALE); /* behind */
    d.hb.stale = 1;
    assert_int_equal(hub_device_flags(&d, 1000, 1800, 5), HUB_FLAG_STALE); /* reports stale */
    assert_int_equal(hub_device_flags(&d, 9999, 1800, 5), HUB_FLAG_SILENT | HUB_FLAG_STALE);
}

static void test_overview_as_table_and_json(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "hoerde-foyer", token), DK_OK);
    assert_int_equal(hub_device_add(t.site, "eving", token), DK_OK);
    long long id;
    char name[HUB_NAME_MAX + 1], hash[DK_SHA256_HEX];
    hub_token_hash(token, hash);
    assert_int_equal(hub_db_device_by_token(t.site->db, hash, &id, name), DK_OK);
    hub_heartbeat hb;
    const char *body = "{\"content_version\":0,\"last_result\":\"error\","
                       "\"last_error\":\"hub not reachable\\u0007\",\"free_disk_mb\":2048,"
                       "\"app_version\":\"0.3.0\",\"backlog\":4}";
    assert_int_equal(hub_heartbeat_parse(body, strlen(body), &hb), DK_OK);
    assert_int_equal(hub_db_heartbeat_put(t.site->db, id, 10000, &hb), DK_OK);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(hub_devices_print(t.site, 10000 + 125, 0, f), DK_OK);
    fclose(f);
    assert_non_null(strstr(buf, "latest release: none published yet"));
    assert_non_null(strstr(buf, "eving                2 min ago        0       error      4       2.0 GiB   0.3.0"));
    assert_non_null(strstr(buf, "hoerde-foyer         never"));
    assert_non_null(strstr(buf, "SILENT"));
    assert_non_null(strstr(buf, "  eving: hub not reachable?\n")); /* control character made safe */
    free(buf);

    f = open_memstream(&buf, &len);
    assert_int_equal(hub_devices_print(t.site, 10000 + 7200, 1, f), DK_OK);
    fclose(f);
    json_error_t jerr;
    json_t *root = json_loads(buf, 0, &jerr);
    assert_non_null(root);
    json_t *devices = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devices), 2);
    json_t *eving = json_array_get(devices, 0);
    assert_string_equal(json_string_value(json_object_get(eving, "name")), "eving");
    assert_int_equal(json_integer_value(json_object_get(eving, "age_s")), 7200);
    assert_int_equal(json_integer_value(json_object_get(eving, "backlog")), 4);
    assert_true(json_is_true(json_object_get(eving, "silent")));
    assert_true(json_is_null(json_object_get(root, "latest_release")));
    json_t *foyer = json_array_get(devices, 1);
    assert_true(json_is_null(json_object_get(foyer, "last_heartbeat")));
    json_decref(root);
    free(buf);
    hubt_teardown(&t);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_names),
        cmocka_unit_test(test_only_the_hash_of_a_token_is_stored),
        cmocka_unit_test(test_tokens_are_exactly_64_lower_case_hex),
        cmocka_unit_test(test_snippet_has_everything_a_kiosk_needs),
        cmocka_unit_test(test_heartbeat_fields_types_and_limits),
        cmocka_unit_test(test_silent_and_stale_flags),
        cmocka_unit_test(test_overview_as_table_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
