/* test_hub_registrations.c: sealed volunteer registrations on the hub (issue 5): stored exactly
 * once per device and idempotency key, checked by opening them at receipt, kept sealed; the
 * HTTP endpoint's answers; list, CSV export with umlauts and formula protection, hand-over,
 * retention purge, deletion that overwrites; and, with the real district-hub binary, that no
 * log and no error message carries anything a volunteer typed. */
#include "test_hub_support.h"

#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_outbox.h"
#include "dk_sign.h"
#include "dk_signup.h"
#include "hub_db.h"
#include "hub_devices.h"
#include "hub_registrations.h"
#include "hub_serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0   1795687200LL /* 2026-11-26T10:00:00Z */
#define DAY  86400LL
#define KEY1 "0f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2b"
#define KEY2 "1f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2b"
#define KEY3 "2f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2b"

/* ---- records ---- */

static void set(char *dst, size_t dstsz, const char *src)
{
    assert_true(strlen(src) < dstsz);
    snprintf(dst, dstsz, "%s", src);
}
#define SET(field, text) set(field, sizeof(field), text)

/* Ayşe: Turkish letters, e-mail only, one group. */
static void record_ayse(dk_signup *r)
{
    memset(r, 0, sizeof *r);
    SET(r->name, "Ayşe Yılmaz");
    SET(r->email, "ayse@example.de");
    SET(r->groups[0], "ag-phoenix-see");
    r->group_count = 1;
    SET(r->district, "hoerde");
    SET(r->message, "Çok güzel! ğ ş ı İ");
    r->age_confirmed = r->consent = true;
    SET(r->consent_version, "privacy-2026-11");
    r->language = DK_LANG_TR;
    r->created = T0;
}

/* Jürgen: German umlauts, a phone number starting with '+', two groups. */
static void record_juergen(dk_signup *r)
{
    memset(r, 0, sizeof *r);
    SET(r->name, "Jürgen Weiß");
    SET(r->phone, "+49 231 1234567");
    SET(r->groups[0], "ag-phoenix-see");
    SET(r->groups[1], "lenkungsgremium-hoerde");
    r->group_count = 2;
    SET(r->district, "hoerde");
    SET(r->message, "Grüße aus Hörde: ä ö ü ß Ä Ö Ü");
    r->age_confirmed = r->consent = true;
    SET(r->consent_version, "privacy-2026-11");
    r->language = DK_LANG_DE;
    r->created = T0 + 60;
}

/* Someone trying formula injection in a spreadsheet, in another district. */
static void record_formula(dk_signup *r)
{
    memset(r, 0, sizeof *r);
    SET(r->name, "=HYPERLINK(\"http://x\";\"klick\")");
    SET(r->email, "mal@example.de");
    SET(r->groups[0], "ag-eving");
    r->group_count = 1;
    SET(r->district, "eving");
    SET(r->message, "@SUM(1+1)");
    r->age_confirmed = r->consent = true;
    SET(r->consent_version, "privacy-2026-11");
    r->language = DK_LANG_EN;
    r->created = T0 + 120;
}

/* Seals bytes to pub as a kiosk does; *len is the sealed length. */
static void seal_bytes(const unsigned char pub[32], const void *plain, size_t n, unsigned char *out,
                       size_t *len)
{
    assert_int_equal(crypto_box_seal(out, plain, n, pub), 0);
    *len = n + crypto_box_SEALBYTES;
}

static void seal_record(const unsigned char pub[32], const dk_signup *r, unsigned char *out,
                        size_t *len)
{
    char json[DK_SIGNUP_JSON_MAX];
    size_t n = 0;
    assert_int_equal(dk_signup_to_json(r, json, sizeof json, &n), DK_OK);
    seal_bytes(pub, json, n, out, len);
}

static void hub_public(const hubt *t, unsigned char pub[32])
{
    assert_int_equal(dk_hex_decode(t->keys.registration_public, pub, 32), DK_OK);
}

static hub_regkey *load_key(const hubt *t)
{
    hub_regkey *k = NULL;
    assert_int_equal(hub_regkey_load(t->site->registration_key_path, &k), DK_OK);
    return k;
}

/* 1 if needle occurs in the file dir/rel (a missing file holds nothing). */
static int file_has(const char *dir, const char *rel, const void *needle, size_t n)
{
    size_t len = 0;
    char *data = dkt_read(dir, rel, &len);
    int found = 0;
    for (size_t i = 0; data && n && i + n <= len && !found; i++)
        found = memcmp(data + i, needle, n) == 0;
    free(data);
    return found;
}

static long long count_rows(hubt *t, const char *table)
{
    char path[4096], sql[128];
    snprintf(path, sizeof path, "%s/data/hub.db", t->tmp);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* ---- pure functions ---- */

static void check_cell(const char *text, char sep, const char *want)
{
    char out[256];
    size_t n = hub_csv_cell(out, sizeof out, text, sep);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(hub_csv_cell(NULL, 0, text, sep), strlen(want)); /* measuring */
}

static void test_csv_cells_are_quoted_as_rfc4180_and_formulas_defused(void **state)
{
    (void)state;
    check_cell("Ayşe Yılmaz", ';', "Ayşe Yılmaz");
    check_cell("", ';', "");
    check_cell("Müller, Hans", ';', "Müller, Hans");
    check_cell("Müller, Hans", ',', "\"Müller, Hans\"");
    check_cell("a;b", ';', "\"a;b\"");
    check_cell("sagte \"ja\"", ';', "\"sagte \"\"ja\"\"\"");
    check_cell("line\r\nbreak", ';', "\"line\r\nbreak\"");
    /* Formula injection (OWASP): = + - @ TAB CR at the start get an apostrophe. */
    check_cell("=1+1", ';', "'=1+1");
    check_cell("+49 231 1234567", ';', "'+49 231 1234567");
    check_cell("-2", ';', "'-2");
    check_cell("@SUM(A1)", ';', "'@SUM(A1)");
    check_cell("\tx", ';', "'\tx");
    check_cell("\rx", ';', "\"'\rx\"");
    check_cell("=HYPERLINK(\"http://x\";\"y\")", ';',
               "\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\"");
    check_cell("a=b", ';', "a=b"); /* only the first character counts */
    /* A cut buffer still ends in a NUL; the return value says what was needed. */
    char small[4];
    assert_int_equal(hub_csv_cell(small, sizeof small, "abcdef", ';'), 6);
    assert_string_equal(small, "abc");
}

static void test_idempotency_keys_are_32_lower_case_hex(void **state)
{
    (void)state;
    assert_true(hub_idem_key_valid(KEY1));
    assert_false(hub_idem_key_valid(NULL));
    assert_false(hub_idem_key_valid(""));
    assert_false(hub_idem_key_valid("0F3C9A5E7B2D4C8E9A1B3C5D7E9F1A2B"));
    assert_false(hub_idem_key_valid(KEY1 "0"));
    assert_false(hub_idem_key_valid("0f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2"));
    assert_false(hub_idem_key_valid("0f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2g"));
}

/* ---- opening ---- */

static void test_a_record_opens_with_the_hub_key_and_nothing_else_does(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    unsigned char pub[32], sealed[HUB_SEALED_MAX + 64];
    hub_public(&t, pub);
    assert_memory_equal(hub_regkey_public(k), pub, 32);
    dk_signup rec, back;
    record_ayse(&rec);
    size_t len = 0;
    seal_record(pub, &rec, sealed, &len);
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_OK);
    assert_string_equal(back.name, "Ayşe Yılmaz");
    assert_string_equal(back.groups[0], "ag-phoenix-see");

    /* Cut short, one bit flipped, too short to be a seal, too long. */
    assert_int_equal(hub_registration_open(k, sealed, len - 1, &back), DK_ERR_CRYPTO);
    assert_string_equal(back.name, ""); /* wiped on failure */
    sealed[len / 2] ^= 1;
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_ERR_CRYPTO);
    assert_int_equal(hub_registration_open(k, sealed, 48, &back), DK_ERR_INVALID);
    assert_int_equal(hub_registration_open(k, sealed, HUB_SEALED_MAX + 1, &back), DK_ERR_INVALID);
    /* Sealed to another key. */
    unsigned char other_pub[32], other_sec[32];
    crypto_box_keypair(other_pub, other_sec);
    seal_record(other_pub, &rec, sealed, &len);
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_ERR_CRYPTO);
    assert_non_null(strstr(dk_error_detail(), "does not open"));
    /* Garbage that is not a sealed box at all. */
    unsigned char garbage[300];
    randombytes_buf(garbage, sizeof garbage);
    assert_int_equal(hub_registration_open(k, garbage, sizeof garbage, &back), DK_ERR_CRYPTO);
    /* Sealed to the hub, but not JSON. */
    const char *text = "Name: Ayşe Yılmaz, ayse@example.de";
    seal_bytes(pub, text, strlen(text), sealed, &len);
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "not JSON"));
    /* JSON with one field more than a kiosk writes (at its place in key order). */
    char json[DK_SIGNUP_JSON_MAX], extra[DK_SIGNUP_JSON_MAX + 64];
    size_t n = 0;
    assert_int_equal(dk_signup_to_json(&rec, json, sizeof json, &n), DK_OK);
    int m = snprintf(extra, sizeof extra, "{\"admin\":1,%s", json + 1);
    seal_bytes(pub, extra, (size_t)m, sealed, &len);
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_ERR_INVALID);
    /* A record that breaks a rule: the detail names the field and rule, not the value. */
    char *at = strstr(json, "ayse@example.de");
    assert_non_null(at);
    at[4] = '#';
    seal_bytes(pub, json, n, sealed, &len);
    assert_int_equal(hub_registration_open(k, sealed, len, &back), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "email"));
    assert_null(strstr(dk_error_detail(), "ayse"));
    assert_null(strstr(dk_error_detail(), "Yılmaz"));
    hub_regkey_free(k);
    hubt_teardown(&t);
}

/* ---- receiving ---- */

static dk_err receive(hubt *t, hub_regkey *k, const char *device, const char *key, const void *body,
                      size_t len, long long now, hub_receive_outcome *out, long long *id)
{
    return hub_registration_receive(t->site->db, NULL, k, device, key, body, len, now, out, id);
}

static void test_a_record_is_stored_once_and_a_replay_gets_the_same_success(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    unsigned char pub[32], sealed[HUB_SEALED_MAX], other[HUB_SEALED_MAX];
    hub_public(&t, pub);
    dk_signup rec;
    record_ayse(&rec);
    size_t len = 0, olen = 0;
    seal_record(pub, &rec, sealed, &len);
    seal_record(pub, &rec, other, &olen); /* the same record sealed again: other bytes */
    assert_memory_not_equal(sealed, other, len);

    hub_receive_outcome out;
    long long id = 0, id2 = 0;
    assert_int_equal(receive(&t, k, "hoerde-foyer", KEY1, sealed, len, T0, &out, &id), DK_OK);
    assert_int_equal(out, HUB_RECEIVE_STORED);
    assert_true(id > 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(receive(&t, k, "hoerde-foyer", KEY1, sealed, len, T0 + i, &out, &id2),
                         DK_OK);
        assert_int_equal(out, HUB_RECEIVE_REPLAY);
        assert_int_equal(id2, id);
    }
    /* The same key with other bytes: refused, the first stays. */
    assert_int_equal(receive(&t, k, "hoerde-foyer", KEY1, other, olen, T0, &out, &id2), DK_OK);
    assert_int_equal(out, HUB_RECEIVE_CONFLICT);
    assert_int_equal(id2, id);
    /* The key is per device: another kiosk may (astronomically unlikely) draw it too. */
    assert_int_equal(receive(&t, k, "eving-foyer", KEY1, other, olen, T0, &out, &id2), DK_OK);
    assert_int_equal(out, HUB_RECEIVE_STORED);
    assert_true(id2 > id);
    assert_int_equal(count_rows(&t, "registrations"), 2);
    /* Stored sealed, byte for byte as it came; the plaintext is nowhere in hub.db. */
    assert_true(file_has(t.tmp, "data/hub.db-wal", sealed, len) ||
                file_has(t.tmp, "data/hub.db", sealed, len));
    const char *plain[] = {"Ayşe", "ayse@example.de", "Çok güzel"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        assert_false(file_has(t.tmp, "data/hub.db-wal", plain[i], strlen(plain[i])));
        assert_false(file_has(t.tmp, "data/hub.db", plain[i], strlen(plain[i])));
    }
    /* District and groups are in clear, for selection. */
    assert_int_equal(count_rows(&t, "registration_groups"), 2);
    hub_regkey_free(k);
    hubt_teardown(&t);
}

static void test_malformed_records_are_refused_and_store_nothing(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    unsigned char pub[32], sealed[HUB_SEALED_MAX + 16];
    hub_public(&t, pub);
    dk_signup rec;
    record_ayse(&rec);
    size_t len = 0;
    seal_record(pub, &rec, sealed, &len);
    hub_receive_outcome out;
    long long id;
    /* The key's form. */
    assert_int_equal(receive(&t, k, "k", "", sealed, len, T0, &out, &id), DK_ERR_INVALID);
    assert_int_equal(
        receive(&t, k, "k", "0F3C9A5E7B2D4C8E9A1B3C5D7E9F1A2B", sealed, len, T0, &out, &id),
        DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "Idempotency-Key"));
    /* Truncated, too short, garbage, sealed to another key, not JSON. */
    assert_int_equal(receive(&t, k, "k", KEY1, sealed, len - 10, T0, &out, &id), DK_ERR_CRYPTO);
    assert_int_equal(receive(&t, k, "k", KEY1, sealed, 48, T0, &out, &id), DK_ERR_INVALID);
    unsigned char garbage[400];
    randombytes_buf(garbage, sizeof garbage);
    assert_int_equal(receive(&t, k, "k", KEY1, garbage, sizeof garbage, T0, &out, &id),
                     DK_ERR_CRYPTO);
    unsigned char other_pub[32], other_sec[32];
    crypto_box_keypair(other_pub, other_sec);
    unsigned char foreign[HUB_SEALED_MAX];
    size_t flen;
    seal_record(other_pub, &rec, foreign, &flen);
    assert_int_equal(receive(&t, k, "k", KEY1, foreign, flen, T0, &out, &id), DK_ERR_CRYPTO);
    seal_bytes(pub, "hello, hub", 10, sealed, &len);
    assert_int_equal(receive(&t, k, "k", KEY1, sealed, len, T0, &out, &id), DK_ERR_INVALID);
    assert_int_equal(count_rows(&t, "registrations"), 0);
    assert_int_equal(count_rows(&t, "registration_groups"), 0);
    hub_regkey_free(k);
    hubt_teardown(&t);
}

static void test_a_schema_1_hub_db_gets_the_registration_tables(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_site_close(t.site);
    t.site = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/data/hub.db", t.tmp);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE registration_groups; DROP TABLE registrations; "
                                  "ALTER TABLE heartbeats DROP COLUMN registration_key; "
                                  "PRAGMA user_version=1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(hub_site_open(&t.cfg, 1, &t.site), DK_OK);
    assert_int_equal(count_rows(&t, "registrations"), 0);
    hub_site_close(t.site);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=4;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    t.site = NULL;
    assert_int_equal(hub_site_open(&t.cfg, 1, &t.site), DK_ERR_DB);
    assert_non_null(strstr(dk_error_detail(), "schema 4"));
    hubt_teardown(&t);
}

/* ---- staff: export, list, hand-over, purge, delete ---- */

/* Stores Ayşe (#1), Jürgen (#2) and the formula (#3), received at T0 + 5, + 65, + 125. */
static void store_three(hubt *t, hub_regkey *k)
{
    unsigned char pub[32], sealed[HUB_SEALED_MAX];
    hub_public(t, pub);
    void (*make[3])(dk_signup *) = {record_ayse, record_juergen, record_formula};
    const char *keys[3] = {KEY1, KEY2, KEY3};
    for (int i = 0; i < 3; i++) {
        dk_signup rec;
        make[i](&rec);
        size_t len;
        seal_record(pub, &rec, sealed, &len);
        hub_receive_outcome out;
        long long id;
        assert_int_equal(
            receive(t, k, "hoerde-foyer", keys[i], sealed, len, T0 + 5 + 60 * i, &out, &id), DK_OK);
        assert_int_equal(out, HUB_RECEIVE_STORED);
        assert_int_equal(id, i + 1);
    }
}

static const char CSV_EXPECTED[] =
    "\xEF\xBB\xBF"
    "id;received;district;groups;name;email;phone;message;language;consent_version;"
    "consent_given;device;handed_over\r\n"
    "1;2026-11-26T10:00:05Z;hoerde;ag-phoenix-see;Ayşe Yılmaz;ayse@example.de;;"
    "Çok güzel! ğ ş ı İ;tr;privacy-2026-11;2026-11-26T10:00:00Z;hoerde-foyer;\r\n"
    "2;2026-11-26T10:01:05Z;hoerde;ag-phoenix-see, lenkungsgremium-hoerde;Jürgen Weiß;;"
    "'+49 231 1234567;Grüße aus Hörde: ä ö ü ß Ä Ö Ü;de;privacy-2026-11;2026-11-26T10:01:00Z;"
    "hoerde-foyer;\r\n"
    "3;2026-11-26T10:02:05Z;eving;ag-eving;\"'=HYPERLINK(\"\"http://x\"\";\"\"klick\"\")\";"
    "mal@example.de;;'@SUM(1+1);en;privacy-2026-11;2026-11-26T10:02:00Z;hoerde-foyer;\r\n";

static void test_the_csv_export_keeps_umlauts_byte_exact_and_defuses_formulas(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    store_three(&t, k);
    hub_registration_filter all = {NULL, NULL, 0};
    hub_registration_summary sum;
    assert_int_equal(dk_fs_mkdirs(hubt_path(&t, "out"), 0700), DK_OK);
    const char *path = hubt_path(&t, "out/registrations.csv");
    assert_int_equal(hub_registrations_export(t.site->db, k, &all, path, ';', 0, T0 + DAY, &sum),
                     DK_OK);
    assert_int_equal(sum.shown, 3);
    assert_int_equal(sum.marked, 0);
    size_t len = 0;
    char *csv = dkt_read(t.tmp, "out/registrations.csv", &len);
    assert_non_null(csv);
    if (len != sizeof CSV_EXPECTED - 1 || memcmp(csv, CSV_EXPECTED, len) != 0) {
        fprintf(stderr, "CSV differs:\n%s\n", csv);
        fail();
    }
    free(csv);
    struct stat st;
    assert_int_equal(stat(hubt_path(&t, "out/registrations.csv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* With ',' the groups cell is quoted; by district and by group. */
    hub_registration_filter f = {"hoerde", "lenkungsgremium-hoerde", 0};
    path = hubt_path(&t, "out/comma.csv");
    assert_int_equal(hub_registrations_export(t.site->db, k, &f, path, ',', 0, T0, &sum), DK_OK);
    assert_int_equal(sum.shown, 1);
    csv = dkt_read(t.tmp, "out/comma.csv", &len);
    assert_non_null(strstr(csv, "\r\n2,2026-11-26T10:01:05Z,hoerde,\"ag-phoenix-see, "
                                "lenkungsgremium-hoerde\",Jürgen Weiß,,'+49 231 1234567,"));
    free(csv);
    f.district = "eving";
    f.group = "ag-phoenix-see";
    path = hubt_path(&t, "out/none.csv");
    assert_int_equal(hub_registrations_export(t.site->db, k, &f, path, ';', 0, T0, &sum),
                     DK_ERR_NOTFOUND);
    assert_false(dk_fs_exists(hubt_path(&t, "out/none.csv")));
    hub_regkey_free(k);
    hubt_teardown(&t);
}

static void test_export_can_mark_handed_over_and_list_then_shows_the_rest(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    store_three(&t, k);
    hub_registration_filter f = {"hoerde", NULL, 0};
    hub_registration_summary sum;
    assert_int_equal(dk_fs_mkdirs(hubt_path(&t, "out"), 0700), DK_OK);
    assert_int_equal(hub_registrations_export(t.site->db, k, &f, hubt_path(&t, "out/h.csv"), ';', 1,
                                              T0 + DAY, &sum),
                     DK_OK);
    assert_int_equal(sum.shown, 2);
    assert_int_equal(sum.marked, 2);
    /* A second export of the ones not handed over finds none in Hörde. */
    assert_int_equal(hub_registrations_export(t.site->db, k, &f, hubt_path(&t, "out/h2.csv"), ';',
                                              1, T0 + DAY, &sum),
                     DK_ERR_NOTFOUND);

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    hub_registration_filter rest = {NULL, NULL, 0};
    assert_int_equal(hub_registrations_list(t.site->db, k, &rest, out, &sum), DK_OK);
    fclose(out);
    assert_int_equal(sum.shown, 1);
    assert_non_null(strstr(text, "#3  received 2026-11-26T10:02:05Z  district eving  groups "
                                 "ag-eving  device hoerde-foyer\n"));
    assert_non_null(strstr(text, "  name:     =HYPERLINK(\"http://x\";\"klick\")\n"));
    assert_null(strstr(text, "Ayşe"));
    free(text);

    out = open_memstream(&text, &size);
    rest.all = 1;
    assert_int_equal(hub_registrations_list(t.site->db, k, &rest, out, &sum), DK_OK);
    fclose(out);
    assert_int_equal(sum.shown, 3);
    assert_non_null(strstr(text, "  name:     Ayşe Yılmaz\n  e-mail:   ayse@example.de\n"
                                 "  phone:    -\n  message:  Çok güzel! ğ ş ı İ\n"
                                 "  language: tr   consent: privacy-2026-11, given "
                                 "2026-11-26T10:00:00Z\n  handed over 2026-11-27T10:00:00Z\n"));
    assert_non_null(strstr(text, "  name:     Jürgen Weiß\n"));
    free(text);
    hub_regkey_free(k);
    hubt_teardown(&t);
}

static void test_records_are_deleted_after_the_retention_from_hand_over(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    store_three(&t, k);
    long long ids[] = {1, 2}, marked = 0, deleted = 0;
    assert_int_equal(hub_registrations_hand_over(t.site->db, ids, 2, T0 + DAY, &marked), DK_OK);
    assert_int_equal(marked, 2);
    /* Marking again keeps the first time; an unknown id changes nothing. */
    long long again[] = {2, 3, 99};
    assert_int_equal(hub_registrations_hand_over(t.site->db, again, 3, T0 + 2 * DAY, &marked),
                     DK_ERR_NOTFOUND);
    assert_non_null(strstr(dk_error_detail(), "99"));
    assert_int_equal(marked, 0);
    hub_registration_counts c;
    assert_int_equal(hub_db_registrations_count(t.site->db, T0, &c), DK_OK);
    assert_int_equal(c.waiting, 1); /* #3 was not marked by the refused call */

    /* 180 days (the default) after the hand-over, not before. */
    assert_int_equal(
        hub_registrations_purge(t.site->db, 180, T0 + DAY + 180 * DAY - 1, &deleted, &c), DK_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(c.total, 3);
    assert_int_equal(hub_registrations_purge(t.site->db, 180, T0 + DAY + 180 * DAY, &deleted, &c),
                     DK_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(c.total, 1);
    assert_int_equal(c.waiting, 1);
    assert_int_equal(c.overdue, 1); /* #3 waited more than 180 days */
    assert_int_equal(count_rows(&t, "registration_groups"), 1);

    /* serve does the same by itself, and logs only the count. */
    long long three[] = {3};
    assert_int_equal(hub_registrations_hand_over(t.site->db, three, 1, T0 + 2 * DAY, &marked),
                     DK_OK);
    hub_server *srv = NULL;
    assert_int_equal(hub_server_start(t.site, &srv), DK_OK);
    long long next = 0;
    assert_int_equal(hub_server_tick(srv, T0 + 2 * DAY + 180 * DAY, &next), DK_OK);
    hub_server_stop(srv);
    assert_int_equal(count_rows(&t, "registrations"), 0);
    char lines[DK_LOG_RING_LINES][DK_LOG_LINE_MAX];
    int n = dk_log_recent(lines, DK_LOG_RING_LINES), logged = 0;
    for (int i = 0; i < n; i++) {
        logged |= strstr(lines[i], "registrations: deleted 1 handed over 180 days ago") != NULL;
        assert_null(strstr(lines[i], "=HYPERLINK"));
        assert_null(strstr(lines[i], "mal@example.de"));
    }
    assert_true(logged);
    hub_regkey_free(k);
    hubt_teardown(&t);
}

static void test_deleting_a_record_overwrites_its_bytes(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey *k = load_key(&t);
    unsigned char pub[32], sealed[HUB_SEALED_MAX], keep[HUB_SEALED_MAX];
    hub_public(&t, pub);
    dk_signup rec;
    record_ayse(&rec);
    size_t len, klen;
    seal_record(pub, &rec, sealed, &len);
    record_juergen(&rec);
    seal_record(pub, &rec, keep, &klen);
    hub_receive_outcome out;
    long long id;
    assert_int_equal(receive(&t, k, "hoerde-foyer", KEY1, sealed, len, T0, &out, &id), DK_OK);
    assert_int_equal(receive(&t, k, "hoerde-foyer", KEY2, keep, klen, T0, &out, &id), DK_OK);
    int emptied = 0;
    assert_int_equal(hub_db_checkpoint(t.site->db, &emptied), DK_OK);
    assert_true(emptied);
    assert_true(file_has(t.tmp, "data/hub.db", sealed, 64)); /* the search finds it */

    long long one[] = {1}, unknown[] = {1, 7};
    assert_int_equal(hub_registrations_delete(t.site->db, unknown, 2, &emptied), DK_ERR_NOTFOUND);
    assert_int_equal(count_rows(&t, "registrations"), 2); /* all or nothing */
    assert_int_equal(hub_registrations_delete(t.site->db, one, 1, &emptied), DK_OK);
    assert_true(emptied);
    assert_int_equal(count_rows(&t, "registrations"), 1);
    /* secure_delete overwrote the record in hub.db; the emptied WAL holds no copy either. */
    assert_false(file_has(t.tmp, "data/hub.db", sealed, 64));
    assert_false(file_has(t.tmp, "data/hub.db-wal", sealed, 64));
    assert_false(file_has(t.tmp, "data/hub.db", sealed + len - 64, 64));
    assert_true(file_has(t.tmp, "data/hub.db", keep, 64)); /* the other one stays */
    assert_int_equal(hub_registrations_delete(t.site->db, one, 1, &emptied), DK_ERR_NOTFOUND);
    hub_regkey_free(k);
    hubt_teardown(&t);
}

/* ---- HTTP ---- */

typedef struct reply {
    int status;
    char head[4096];
    char body[4096];
} reply;

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends raw and reads everything until the server closes; returns it (free()). */
static char *exchange(unsigned port, const void *raw, size_t rawlen, size_t *got)
{
    int fd = connect_to(port);
    size_t sent = 0;
    while (sent < rawlen) {
        ssize_t n = send(fd, (const char *)raw + sent, rawlen - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close early (413) */
        sent += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        assert_true(len + 1 < cap);
    }
    close(fd);
    buf[len] = '\0';
    *got = len;
    return buf;
}

static reply parse_reply(const char *buf)
{
    reply r;
    memset(&r, 0, sizeof r);
    const char *end = strstr(buf, "\r\n\r\n");
    assert_non_null(end);
    size_t hl = (size_t)(end - buf);
    assert_true(hl < sizeof r.head);
    memcpy(r.head, buf, hl);
    assert_memory_equal(r.head, "HTTP/1.1 ", 9);
    r.status = (int)strtol(r.head + 9, NULL, 10);
    snprintf(r.body, sizeof r.body, "%s", end + 4);
    return r;
}

/* A raw registration request (headers given whole) with body. */
static size_t build(char *out, size_t outsz, const char *headers, const void *body, size_t len)
{
    int n =
        snprintf(out, outsz, "POST /api/v1/registrations HTTP/1.1\r\nHost: hub\r\n%s\r\n", headers);
    assert_true(n > 0 && (size_t)n + len < outsz);
    memcpy(out + n, body, len);
    return (size_t)n + len;
}

static reply post_reg(unsigned port, const char *token, const char *key, const char *type,
                      const void *body, size_t len)
{
    char headers[1024], raw[3 * HUB_SEALED_MAX];
    snprintf(headers, sizeof headers,
             "Connection: close\r\n%s%s%s%s%s%sContent-Type: %s\r\nContent-Length: %zu\r\n",
             token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
             key ? "Idempotency-Key: " : "", key ? key : "", key ? "\r\n" : "", type, len);
    size_t n = build(raw, sizeof raw, headers, body, len);
    size_t got;
    char *buf = exchange(port, raw, n, &got);
    reply r = parse_reply(buf);
    free(buf);
    return r;
}

#define OCTETS "application/octet-stream"

static void expect(reply r, int status, const char *in_body)
{
    if (r.status != status || (in_body && !strstr(r.body, in_body))) {
        fprintf(stderr, "expected %d with %s, got:\n%s\n\n%s\n", status, in_body ? in_body : "-",
                r.head, r.body);
        fail();
    }
}

static void test_the_endpoint_answers_as_the_protocol_says(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "hoerde-foyer", token), DK_OK);
    hub_server *srv = NULL;
    assert_int_equal(hub_server_start(t.site, &srv), DK_OK);
    unsigned port = hub_server_port(srv);
    unsigned char pub[32], sealed[HUB_SEALED_MAX], other[HUB_SEALED_MAX];
    hub_public(&t, pub);
    dk_signup rec;
    record_ayse(&rec);
    size_t len, olen;
    seal_record(pub, &rec, sealed, &len);
    seal_record(pub, &rec, other, &olen);

    /* No token, a wrong token: 401 and nothing stored. */
    expect(post_reg(port, NULL, KEY1, OCTETS, sealed, len), 401, "\"error\":\"no_token\"");
    char wrong[HUB_TOKEN_HEX];
    memcpy(wrong, token, sizeof wrong);
    wrong[5] = wrong[5] == 'a' ? 'b' : 'a';
    expect(post_reg(port, wrong, KEY1, OCTETS, sealed, len), 401, "\"error\":\"bad_token\"");
    expect(post_reg(port, "not-a-token", KEY1, OCTETS, sealed, len), 401, "bad_token");
    assert_int_equal(count_rows(&t, "registrations"), 0);

    /* Stored once (201), replays answered 200, other bytes under the key 409. */
    expect(post_reg(port, token, KEY1, OCTETS, sealed, len), 201, "{\"ok\":true,\"replay\":false}");
    expect(post_reg(port, token, KEY1, OCTETS, sealed, len), 200, "{\"ok\":true,\"replay\":true}");
    expect(post_reg(port, token, KEY1, OCTETS, sealed, len), 200, "\"replay\":true");
    expect(post_reg(port, token, KEY1, OCTETS, other, olen), 409,
           "\"error\":\"idempotency_conflict\"");
    assert_int_equal(count_rows(&t, "registrations"), 1);

    /* Type, size, key and body checks, in the protocol's order. */
    expect(post_reg(port, token, KEY2, "application/json", sealed, len), 415,
           "unsupported_media_type");
    expect(post_reg(port, token, KEY2, "application/octet-stream; x=1", other, olen), 201, NULL);
    unsigned char big[HUB_SEALED_MAX + 1];
    memset(big, 'x', sizeof big);
    expect(post_reg(port, token, KEY3, OCTETS, big, sizeof big), 413, "\"error\":\"too_large\"");
    expect(post_reg(port, token, NULL, OCTETS, sealed, len), 400, "Idempotency-Key");
    expect(post_reg(port, token, "0F3C9A5E7B2D4C8E9A1B3C5D7E9F1A2B", OCTETS, sealed, len), 400,
           "\"error\":\"malformed\"");
    expect(post_reg(port, token, KEY3, OCTETS, sealed, 48), 400, "49 to 8192 bytes");
    expect(post_reg(port, token, KEY3, OCTETS, sealed, len - 1), 400, "does not open");
    unsigned char garbage[300];
    randombytes_buf(garbage, sizeof garbage);
    expect(post_reg(port, token, KEY3, OCTETS, garbage, sizeof garbage), 400, "does not open");
    unsigned char other_pub[32], other_sec[32], foreign[HUB_SEALED_MAX];
    size_t flen;
    crypto_box_keypair(other_pub, other_sec);
    seal_record(other_pub, &rec, foreign, &flen);
    expect(post_reg(port, token, KEY3, OCTETS, foreign, flen), 400, "does not open");
    unsigned char notjson[200];
    size_t nlen;
    seal_bytes(pub, "{\"name\":\"x\"", 11, notjson, &nlen);
    expect(post_reg(port, token, KEY3, OCTETS, notjson, nlen), 400, "registration record");
    assert_int_equal(count_rows(&t, "registrations"), 2);

    /* No Content-Length (chunked): 411. Another method: 405 with Allow. */
    char raw[2048];
    int n = snprintf(raw, sizeof raw,
                     "POST /api/v1/registrations HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nIdempotency-Key: %s\r\nContent-Type: %s\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                     token, KEY3, OCTETS);
    size_t got;
    char *buf = exchange(port, raw, (size_t)n, &got);
    expect(parse_reply(buf), 411, "length_required");
    free(buf);
    n = snprintf(raw, sizeof raw,
                 "GET /api/v1/registrations HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n"
                 "Authorization: Bearer %s\r\n\r\n",
                 token);
    buf = exchange(port, raw, (size_t)n, &got);
    reply r = parse_reply(buf);
    expect(r, 405, "method_not_allowed");
    assert_non_null(strstr(r.head, "Allow: POST"));
    free(buf);

    /* Keep-alive: two registrations on one connection, both answered. */
    unsigned char a[HUB_SEALED_MAX], b[HUB_SEALED_MAX];
    size_t alen, blen;
    record_juergen(&rec);
    seal_record(pub, &rec, a, &alen);
    record_formula(&rec);
    seal_record(pub, &rec, b, &blen);
    char twice[4 * HUB_SEALED_MAX], headers[512];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nIdempotency-Key: %s\r\nContent-Type: %s\r\n"
             "Content-Length: %zu\r\n",
             token, "a0000000000000000000000000000000", OCTETS, alen);
    size_t m = build(twice, sizeof twice, headers, a, alen);
    snprintf(headers, sizeof headers,
             "Connection: close\r\nAuthorization: Bearer %s\r\nIdempotency-Key: %s\r\n"
             "Content-Type: %s\r\nContent-Length: %zu\r\n",
             token, "b0000000000000000000000000000000", OCTETS, blen);
    m += build(twice + m, sizeof twice - m, headers, b, blen);
    buf = exchange(port, twice, m, &got);
    char *second = strstr(buf + 1, "HTTP/1.1 ");
    assert_non_null(second);
    assert_memory_equal(buf, "HTTP/1.1 201", 12);
    assert_memory_equal(second, "HTTP/1.1 201", 12);
    free(buf);
    assert_int_equal(count_rows(&t, "registrations"), 4);

    hub_server_stop(srv);
    hubt_teardown(&t);
}

/* ---- the real binary: serve, the staff commands, and what ends up in logs ---- */

/* Runs a shell command line; returns its exit status. */
static int run(const char *fmt, ...) DK_PRINTF(1, 2);
static int run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int text_has(const char *dir, const char *rel, const char *needle)
{
    return file_has(dir, rel, needle, strlen(needle));
}

static void test_the_binary_stores_lists_exports_and_logs_nothing_personal(void **state)
{
    (void)state;
    const char *hub = getenv("DK_HUB");
    if (!hub || !*hub) {
        fprintf(stderr, "DK_HUB not set (run through ctest): skipped\n");
        skip();
    }
    char *tmp = dkt_mkdtemp("hubreg");
    char conf[4096];
    snprintf(conf, sizeof conf,
             "data_dir = %s/data\nlisten_address = 127.0.0.1\nport = 0\nallow_plain_http = true\n"
             "access_log = true\nlog_level = debug\nregistration_retention_days = 30\n",
             tmp);
    dkt_write(tmp, "hub.conf", conf);
    assert_int_equal(
        run("cd '%s' && DISTRICT_HUB_CONFIG=hub.conf '%s' init >init.out 2>all.err", tmp, hub), 0);
    assert_int_equal(run("cd '%s' && DISTRICT_HUB_CONFIG=hub.conf '%s' device add hoerde-foyer "
                         ">dev.out 2>>all.err",
                         tmp, hub),
                     0);
    char *dev = dkt_read(tmp, "dev.out", NULL), token[HUB_TOKEN_HEX] = "";
    char *line = strstr(dev, "device_token = ");
    assert_non_null(line);
    memcpy(token, line + 15, HUB_TOKEN_HEX - 1);
    free(dev);
    char *pubhex = dkt_read(tmp, "data/keys/registration.pub", NULL);
    unsigned char pub[32];
    pubhex[64] = '\0';
    assert_int_equal(dk_hex_decode(pubhex, pub, 32), DK_OK);
    free(pubhex);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "cd '%s' && exec '%s' serve --config hub.conf 2>serve.log", tmp,
                 hub);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    unsigned port = 0;
    for (int i = 0; i < 200 && !port; i++) {
        char *log = dkt_read(tmp, "serve.log", NULL);
        char *at = log ? strstr(log, "serving on http://127.0.0.1:") : NULL;
        if (at)
            port = (unsigned)strtoul(at + 28, NULL, 10);
        free(log);
        if (!port)
            usleep(50 * 1000);
    }
    assert_true(port > 0);

    /* The kiosk's own outbox seals the record; the hub stores it and answers a replay. */
    char kiosk[4096];
    snprintf(kiosk, sizeof kiosk, "%s/kiosk", tmp);
    assert_int_equal(dk_fs_mkdirs(kiosk, 0700), DK_OK);
    dk_outbox *ob = NULL;
    assert_int_equal(dk_outbox_open(kiosk, NULL, &ob), DK_OK);
    dk_signup rec;
    char idem[DK_OUTBOX_IDEM_KEY_HEX];
    record_juergen(&rec);
    assert_int_equal(dk_outbox_add(ob, &rec, pub, idem), DK_OK);
    record_ayse(&rec);
    assert_int_equal(dk_outbox_add(ob, &rec, pub, idem), DK_OK);
    dk_outbox_record * or = malloc(sizeof * or);
    assert_non_null(or);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(dk_outbox_next(ob, T0 + 3600, or), DK_OK);
        expect(post_reg(port, token, or->idem_key, OCTETS, or->sealed, or->sealed_len), 201, NULL);
        expect(post_reg(port, token, or->idem_key, OCTETS, or->sealed, or->sealed_len), 200, NULL);
        assert_int_equal(dk_outbox_ack(ob, or->id), DK_OK);
    }
    free(or);
    dk_outbox_close(ob);
    /* A refused record: the log names the rule, not the value. */
    unsigned char sealed[HUB_SEALED_MAX];
    size_t len;
    char json[DK_SIGNUP_JSON_MAX];
    size_t n;
    record_ayse(&rec);
    assert_int_equal(dk_signup_to_json(&rec, json, sizeof json, &n), DK_OK);
    strstr(json, "ayse@example.de")[4] = '#';
    seal_bytes(pub, json, n, sealed, &len);
    expect(post_reg(port, token, KEY3, OCTETS, sealed, len), 400, "email");
    expect(post_reg(port, NULL, KEY3, OCTETS, sealed, len), 401, NULL);
    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(text_has(tmp, "serve.log", "POST /api/v1/registrations 201 "));
    assert_true(text_has(tmp, "serve.log", " hoerde-foyer "));
    assert_true(text_has(tmp, "serve.log", "refused as malformed: registration record: email"));

#define HUB_CMD "cd '%s' && DISTRICT_HUB_CONFIG=hub.conf '%s' "
    assert_int_equal(run(HUB_CMD "registrations list >list.out 2>>all.err", tmp, hub), 0);
    assert_true(text_has(tmp, "list.out", "  name:     Jürgen Weiß\n"));
    assert_true(text_has(tmp, "list.out", "  name:     Ayşe Yılmaz\n"));
    assert_true(text_has(tmp, "list.out", "2 registrations not handed over yet"));
    assert_int_equal(run(HUB_CMD "registrations list --group lenkungsgremium-hoerde >list2.out "
                                 "2>>all.err",
                         tmp, hub),
                     0);
    assert_false(text_has(tmp, "list2.out", "Ayşe"));
    assert_true(text_has(tmp, "list2.out", "Jürgen"));
    assert_int_equal(run(HUB_CMD "registrations export out.csv --district hoerde "
                                 "--mark-handed-over --now 2026-12-01T00:00:00Z >export.out "
                                 "2>>all.err",
                         tmp, hub),
                     0);
    assert_true(text_has(tmp, "export.out", "exported 2 registrations to out.csv"));
    size_t csvlen = 0;
    char *csv = dkt_read(tmp, "out.csv", &csvlen);
    assert_memory_equal(csv, "\xEF\xBB\xBFid;received;", 15);
    assert_non_null(strstr(csv, ";Jürgen Weiß;;'+49 231 1234567;Grüße aus Hörde: ä ö ü ß Ä Ö Ü;"
                                "de;privacy-2026-11;2026-11-26T10:01:00Z;hoerde-foyer;"
                                "2026-12-01T00:00:00Z\r\n"));
    assert_non_null(strstr(csv, ";Ayşe Yılmaz;ayse@example.de;;Çok güzel! ğ ş ı İ;tr;"));
    free(csv);
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/out.csv", tmp);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(run(HUB_CMD "registrations list >list3.out 2>>all.err", tmp, hub), 0);
    assert_true(text_has(tmp, "list3.out", "0 registrations not handed over yet"));

    /* Retention: 30 days here, counted from the hand-over. */
    assert_int_equal(run(HUB_CMD "registrations purge --now 2026-12-30T23:59:59Z >purge1.out "
                                 "2>>all.err",
                         tmp, hub),
                     0);
    assert_true(text_has(tmp, "purge1.out", "deleted 0 registrations"));
    assert_int_equal(run(HUB_CMD "registrations purge --now 2026-12-31T00:00:00Z >purge2.out "
                                 "2>>all.err",
                         tmp, hub),
                     0);
    assert_true(text_has(tmp, "purge2.out", "deleted 2 registrations handed over 30 days ago"));
    assert_int_equal(run(HUB_CMD "registrations delete 1 >delete.out 2>delete.err", tmp, hub), 1);
    assert_true(text_has(tmp, "delete.err", "there is no registration 1; nothing was deleted"));
    assert_int_equal(run(HUB_CMD "registrations delete x >/dev/null 2>>all.err", tmp, hub), 2);
    assert_int_equal(run(HUB_CMD "registrations frobnicate >/dev/null 2>>all.err", tmp, hub), 2);

    /* Nothing personal in any log, error message or file of the hub besides the export. */
    const char *personal[] = {"Jürgen",          "Weiß",    "Ayşe",  "Yılmaz", "ayse@example.de",
                              "ayse#example.de", "1234567", "Grüße", "güzel"};
    const char *files[] = {
        "serve.log",       "all.err",         "delete.err",         "init.out",
        "export.out",      "purge1.out",      "purge2.out",         "data/hub.db",
        "data/hub.db-wal", "kiosk/outbox.db", "kiosk/outbox.db-wal"};
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
        for (size_t j = 0; j < sizeof files / sizeof files[0]; j++)
            if (text_has(tmp, files[j], personal[i])) {
                fprintf(stderr, "%s holds \"%s\"\n", files[j], personal[i]);
                fail();
            }
    dkt_rmdir(tmp);
}

int main(void)
{
    hub_json_wipe_freed();
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cells_are_quoted_as_rfc4180_and_formulas_defused),
        cmocka_unit_test(test_idempotency_keys_are_32_lower_case_hex),
        cmocka_unit_test(test_a_record_opens_with_the_hub_key_and_nothing_else_does),
        cmocka_unit_test(test_a_record_is_stored_once_and_a_replay_gets_the_same_success),
        cmocka_unit_test(test_malformed_records_are_refused_and_store_nothing),
        cmocka_unit_test(test_a_schema_1_hub_db_gets_the_registration_tables),
        cmocka_unit_test(test_the_csv_export_keeps_umlauts_byte_exact_and_defuses_formulas),
        cmocka_unit_test(test_export_can_mark_handed_over_and_list_then_shows_the_rest),
        cmocka_unit_test(test_records_are_deleted_after_the_retention_from_hand_over),
        cmocka_unit_test(test_deleting_a_record_overwrites_its_bytes),
        cmocka_unit_test(test_the_endpoint_answers_as_the_protocol_says),
        cmocka_unit_test(test_the_binary_stores_lists_exports_and_logs_nothing_personal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
