/* test_hub_release.c: init, import, publish, the re-signed timestamp, export-static and
 * verification of release trees, as the hub does them (issue 4). */
#include "test_hub_support.h"

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_pack.h"
#include "dk_sign.h"
#include "hub_db.h"
#include "hub_release.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOW 1795000000LL /* 2026-11-18T11:06:40Z; any fixed time will do */

static dk_sign_keyring ring_of(const hubt *t)
{
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(dk_sign_keyring_add_text(&ring, t->keys.signing_public), DK_OK);
    return ring;
}

static void import_ok(hubt *t, const char *content)
{
    dk_problems pr;
    dk_problems_init(&pr);
    hub_import_summary sum;
    dk_err err = hub_import(t->site, content, &pr, &sum);
    if (err)
        fprintf(stderr, "%s%s\n", pr.text.data ? pr.text.data : "", dk_error_detail());
    assert_int_equal(err, DK_OK);
    dk_problems_free(&pr);
}

static void publish_ok(hubt *t, long long now, hub_publish_summary *sum)
{
    dk_err err = hub_publish(t->site, now, sum);
    if (err)
        fprintf(stderr, "%s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
}

/* Reads the timestamp file of a data folder's site, verified. */
static dk_timestamp site_timestamp(const hubt *t)
{
    dk_sign_keyring ring = ring_of(t);
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(dk_fs_read(t->site->timestamp_path, DK_TIMESTAMP_MAX, &env, &len), DK_OK);
    const char *payload;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ring, env, len, &payload, &plen), DK_OK);
    dk_timestamp ts;
    assert_int_equal(dk_timestamp_parse(payload, plen, &ts), DK_OK);
    free(env);
    return ts;
}

static void test_init_makes_private_keys_and_refuses_to_run_twice(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    struct stat st;
    assert_int_equal(stat(t.cfg.data_dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(t.site->signing_key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(t.site->registration_key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(t.site->db_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(strlen(t.keys.signing_public), 64);
    assert_int_equal(strlen(t.keys.registration_public), 64);

    /* The signing key on disk is the one init printed. */
    dk_sign_key key;
    assert_int_equal(dk_sign_key_load(t.site->signing_key_path, &key), DK_OK);
    char hex[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(key.pub, hex);
    assert_string_equal(hex, t.keys.signing_public);

    /* A second init changes nothing. */
    char *before = dkt_read(t.tmp, "data/keys/signing.key", NULL);
    hub_init_result again;
    assert_int_equal(hub_site_init(&t.cfg, &again), DK_ERR_EXISTS);
    assert_non_null(strstr(dk_error_detail(), "signing.key"));
    char *after = dkt_read(t.tmp, "data/keys/signing.key", NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* A key made readable by others is refused when the hub opens. */
    chmod(t.site->signing_key_path, 0644);
    hub_site *other = NULL;
    assert_int_equal(hub_site_open(&t.cfg, 1, &other), DK_ERR_INVALID);
    assert_null(other);
    chmod(t.site->signing_key_path, 0600);
    hubt_teardown(&t);
}

static void test_hub_db_is_wal_with_schema_version(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(t.site->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), HUB_DB_SCHEMA);
    sqlite3_finalize(st);
    const char *tables[] = {"imports", "entities", "objects", "releases", "timestamps",
                            "devices", "heartbeats", "users", "user_districts"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?", -1,
                                            &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    assert_int_equal(hub_db_quick_check(t.site->db), DK_OK);
    hubt_teardown(&t);
}

static void test_import_gives_back_exactly_what_pack_makes(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    dk_problems pr;
    dk_problems_init(&pr);
    dk_pack_summary packed;
    assert_int_equal(dk_pack(content, hubt_path(&t, "bundle"), NULL, &pr, &packed), DK_OK);
    dk_problems_free(&pr);

    import_ok(&t, content);
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(hub_content_document(t.site, &doc, &len), DK_OK);
    char rel[128];
    snprintf(rel, sizeof rel, "bundle/objects/%s", packed.content_hash);
    size_t plen = 0;
    char *pdoc = dkt_read(t.tmp, rel, &plen);
    assert_non_null(pdoc);
    assert_int_equal(len, plen);
    assert_memory_equal(doc, pdoc, len);
    free(doc);
    free(pdoc);

    /* Entities are stored one per row, by district, for a later editor. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(t.site->db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT kind, count(*) FROM entities WHERE district = "
                                        "'hoerde' GROUP BY kind ORDER BY kind",
                                        -1, &st, NULL),
                     SQLITE_OK);
    const char *kinds[] = {"date", "district", "group", "project"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), kinds[i]);
        assert_int_equal(sqlite3_column_int(st, 1), 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_bad_content_changes_nothing_and_names_file_and_field(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    char *before = NULL;
    size_t blen = 0;
    assert_int_equal(hub_content_document(t.site, &before, &blen), DK_OK);

    dkt_write(content, "projects/hoerde-lichterfest/project.json",
              "{\"district\": \"hoerde\", \"title\": {\"de\": \"Neu\"}, \"status\": \"ongoing\"}");
    dk_problems pr;
    dk_problems_init(&pr);
    hub_import_summary sum;
    assert_int_equal(hub_import(t.site, content, &pr, &sum), DK_ERR_INVALID);
    assert_true(pr.errors > 1); /* all problems, not just the first */
    assert_non_null(strstr(pr.text.data, "project.json: field 'status'"));
    dk_problems_free(&pr);

    char *after = NULL;
    size_t alen = 0;
    assert_int_equal(hub_content_document(t.site, &after, &alen), DK_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(before, after, blen);
    assert_false(dk_fs_exists(t.site->import_tmp));
    free(before);
    free(after);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_reimport_replaces_the_draft(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    /* The project goes away: it must not linger in the draft. */
    char path[4096];
    snprintf(path, sizeof path, "%s/projects", content);
    assert_int_equal(dk_fs_remove_tree(path), DK_OK);
    dkt_write(content, "dates/hoerde.json", "{\"dates\": []}");
    import_ok(&t, content);
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(hub_content_document(t.site, &doc, &len), DK_OK);
    assert_null(strstr(doc, "hoerde-lichterfest"));
    assert_non_null(strstr(doc, "\"projects\":[]"));
    free(doc);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_publish_signs_increasing_releases_and_a_timestamp(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_publish_summary sum;
    assert_int_equal(hub_publish(t.site, NOW, &sum), DK_ERR_NOTFOUND); /* nothing imported */
    char *content = dkt_make_content();
    import_ok(&t, content);
    publish_ok(&t, NOW, &sum);
    assert_int_equal(sum.release.version, 1);
    assert_int_equal(sum.release.objects, 2); /* content document and the hero */
    assert_int_equal(sum.count[HUB_DISTRICT], 1);
    assert_int_equal(sum.count[HUB_PAGE], 4);
    assert_false(sum.content_unchanged);

    hub_publish_summary again;
    publish_ok(&t, NOW + 10, &again);
    assert_int_equal(again.release.version, 2);
    assert_true(again.timestamp_version > sum.timestamp_version);
    assert_true(again.content_unchanged); /* published anyway: documented */

    /* The manifest is signed by the hub's key, names it in keys, and lists what pack lists. */
    dk_sign_keyring ring = ring_of(&t);
    char *env = NULL;
    size_t len = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/2.signed", t.site->manifests_dir);
    assert_int_equal(dk_fs_read(path, 1 << 20, &env, &len), DK_OK);
    const char *payload;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &payload, &plen), DK_OK);
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ring, env, len, &payload, &plen),
                     DK_ERR_CRYPTO); /* a manifest's signature never passes as a timestamp's */
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &payload, &plen), DK_OK);
    dk_manifest *m = NULL;
    assert_int_equal(dk_manifest_parse(payload, plen, &m), DK_OK);
    assert_int_equal(m->version, 2);
    assert_int_equal(m->key_count, 1);
    char hex[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(m->keys[0], hex);
    assert_string_equal(hex, t.keys.signing_public);
    assert_string_equal(m->issued, "2026-11-18T11:06:50Z");
    long long expires;
    assert_int_equal(dk_time_parse(m->expires, &expires), DK_OK);
    assert_int_equal(expires, NOW + 10 + 365LL * 86400);

    dk_problems pr;
    dk_problems_init(&pr);
    dk_pack_summary packed;
    assert_int_equal(dk_pack(content, hubt_path(&t, "bundle"), NULL, &pr, &packed), DK_OK);
    dk_problems_free(&pr);
    assert_string_equal(dk_manifest_content(m)->hash, packed.content_hash);
    dk_manifest *pm = NULL;
    assert_int_equal(dk_bundle_load(hubt_path(&t, "bundle"), &pm), DK_OK);
    assert_int_equal(pm->count, m->count);
    for (size_t i = 0; i < m->count; i++) {
        assert_string_equal(pm->objects[i].hash, m->objects[i].hash);
        assert_int_equal(pm->objects[i].length, m->objects[i].length);
        assert_string_equal(pm->objects[i].mime, m->objects[i].mime);
        assert_int_equal(dk_object_verify(t.site->objects_dir, &m->objects[i]), DK_OK);
    }
    dk_manifest_free(pm);
    dk_manifest_free(m);

    /* The timestamp names the signed manifest file: its version, length and hash. */
    dk_timestamp ts = site_timestamp(&t);
    assert_int_equal(ts.manifest_version, 2);
    assert_int_equal(ts.manifest_length, len);
    char sha[DK_SHA256_HEX];
    dk_sha256_hex(env, len, sha);
    assert_string_equal(ts.manifest_sha256, sha);
    assert_int_equal(ts.version, again.timestamp_version);
    free(env);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_a_manifest_left_without_record_keeps_its_number(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    hub_publish_summary sum;
    publish_ok(&t, NOW, &sum);
    /* As if a publish wrote manifests/2.signed and then failed to commit: kiosks may have
     * fetched it, so 2 is never used again for other bytes. */
    dkt_write(t.site->manifests_dir, "2.signed", "left over");
    publish_ok(&t, NOW + 1, &sum);
    assert_int_equal(sum.release.version, 3);
    char *left = dkt_read(t.site->manifests_dir, "2.signed", NULL);
    assert_string_equal(left, "left over");
    free(left);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_publish_numbers_above_what_kiosks_report_running(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    /* As after restoring an older backup: a kiosk runs release 7, hub.db knows none. */
    assert_int_equal(hub_db_device_add(t.site->db, "eving",
                                       "0000000000000000000000000000000000000000000000000000000000000000"),
                     DK_OK);
    hub_device *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_db_devices(t.site->db, &list, &n), DK_OK);
    hub_heartbeat hb;
    hub_heartbeat_init(&hb);
    hb.content_version = 7;
    assert_int_equal(hub_db_heartbeat_put(t.site->db, list[0].id, NOW, &hb), DK_OK);
    free(list);
    hub_publish_summary sum;
    publish_ok(&t, NOW, &sum);
    assert_int_equal(sum.release.version, 8);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_timestamp_is_resigned_after_a_quarter_of_its_lifetime(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_timestamp_state st;
    assert_int_equal(hub_timestamp_refresh(t.site, NOW, 0, &st), DK_ERR_NOTFOUND);
    char *content = dkt_make_content();
    import_ok(&t, content);
    hub_publish_summary sum;
    publish_ok(&t, NOW, &sum);
    long long quarter = t.cfg.timestamp_lifetime_s / 4;

    assert_int_equal(hub_timestamp_refresh(t.site, NOW + quarter - 1, 0, &st), DK_OK);
    assert_false(st.resigned);
    assert_int_equal(st.next_due, NOW + quarter);
    assert_int_equal(st.ts.version, sum.timestamp_version);

    assert_int_equal(hub_timestamp_refresh(t.site, NOW + quarter, 0, &st), DK_OK);
    assert_true(st.resigned);
    /* Versions are at least the time: a hub restored from a backup still counts upwards. */
    assert_int_equal(sum.timestamp_version, NOW);
    assert_int_equal(st.ts.version, NOW + quarter);
    dk_timestamp ts = site_timestamp(&t);
    assert_int_equal(ts.version, st.ts.version);
    assert_int_equal(ts.manifest_version, 1);
    long long issued, expires;
    assert_int_equal(dk_time_parse(ts.issued, &issued), DK_OK);
    assert_int_equal(dk_time_parse(ts.expires, &expires), DK_OK);
    assert_int_equal(issued, NOW + quarter);
    assert_int_equal(expires - issued, t.cfg.timestamp_lifetime_s);

    /* A clock set back (issued in the future) and a removed file both lead to a new version. */
    assert_int_equal(hub_timestamp_refresh(t.site, NOW - 3600, 0, &st), DK_OK);
    assert_true(st.resigned);
    assert_int_equal(st.ts.version, NOW + quarter + 1); /* never lower, whatever the clock says */
    unlink(t.site->timestamp_path);
    assert_int_equal(hub_timestamp_refresh(t.site, NOW, 0, &st), DK_OK);
    assert_true(st.resigned);
    assert_int_equal(st.ts.version, NOW + quarter + 2);

    /* A damaged manifest is never announced. */
    char path[4096];
    snprintf(path, sizeof path, "%s/1.signed", t.site->manifests_dir);
    chmod(path, 0644);
    dkt_write(t.site->manifests_dir, "1.signed", "damaged");
    assert_int_not_equal(hub_timestamp_refresh(t.site, NOW, 1, &st), DK_OK);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_export_static_is_a_verifiable_tree_of_the_current_release(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    hub_publish_summary sum;
    publish_ok(&t, NOW, &sum);
    const char *out = strdup(hubt_path(&t, "export"));
    hub_tree_summary ex;
    assert_int_equal(hub_export_static(t.site, out, NOW, &ex), DK_OK);
    assert_int_equal(ex.manifest_version, 1);
    assert_int_equal(ex.objects, 2);
    assert_int_equal(ex.copied, 2);
    assert_int_equal(dkt_count_files(out), 4); /* timestamp, one manifest, two objects */

    dk_sign_keyring ring = ring_of(&t);
    hub_tree_summary v;
    assert_int_equal(hub_verify_tree(out, &ring, NOW, &v), DK_OK);
    assert_int_equal(v.manifest_version, 1);
    assert_int_equal(v.objects, 2);

    /* The next release: the export follows, and files of the old one go. */
    dkt_write(content, "pages/about/page.json", "{\"title\": {\"de\": \"Über uns\"}}");
    import_ok(&t, content);
    publish_ok(&t, NOW + 60, &sum);
    assert_int_equal(hub_export_static(t.site, out, NOW + 60, &ex), DK_OK);
    assert_int_equal(ex.manifest_version, 2);
    assert_int_equal(ex.copied, 1); /* the new content document; the image was there */
    assert_int_equal(ex.removed, 2); /* the old content document and manifest 1 */
    assert_int_equal(dkt_count_files(out), 4);
    assert_int_equal(hub_verify_tree(out, &ring, NOW + 60, &v), DK_OK);

    /* A verifier catches a damaged object, an expired timestamp and an unknown key. */
    assert_int_equal(hub_verify_tree(out, &ring, NOW + 60 + t.cfg.timestamp_lifetime_s, &v),
                     DK_ERR_PROTOCOL);
    dk_sign_keyring stranger;
    memset(&stranger, 0, sizeof stranger);
    assert_int_equal(dk_sign_keyring_add_text(&stranger, t.keys.registration_public), DK_OK);
    assert_int_equal(hub_verify_tree(out, &stranger, NOW + 60, &v), DK_ERR_CRYPTO);
    char objdir[4096];
    snprintf(objdir, sizeof objdir, "%s/objects", out);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(dk_fs_list(objdir, 16, &names, &n), DK_OK);
    char victim[4096];
    snprintf(victim, sizeof victim, "%s/%s", objdir, names[0]);
    free(names);
    FILE *f = fopen(victim, "r+b");
    assert_non_null(f);
    fputc('X', f);
    fclose(f);
    assert_int_equal(hub_verify_tree(out, &ring, NOW + 60, &v), DK_ERR_CORRUPT);
    /* ... and the next export repairs it. */
    assert_int_equal(hub_export_static(t.site, out, NOW + 60, &ex), DK_OK);
    assert_int_equal(ex.copied, 1);
    assert_int_equal(hub_verify_tree(out, &ring, NOW + 60, &v), DK_OK);

    /* A folder that holds anything else is refused, untouched. */
    dkt_write(t.tmp, "elsewhere/index.html", "<p>mine</p>");
    assert_int_equal(hub_export_static(t.site, hubt_path(&t, "elsewhere"), NOW, &ex), DK_ERR_EXISTS);
    assert_int_equal(dkt_count_files(hubt_path(&t, "elsewhere")), 1);
    free((void *)out);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_makes_private_keys_and_refuses_to_run_twice),
        cmocka_unit_test(test_hub_db_is_wal_with_schema_version),
        cmocka_unit_test(test_import_gives_back_exactly_what_pack_makes),
        cmocka_unit_test(test_bad_content_changes_nothing_and_names_file_and_field),
        cmocka_unit_test(test_reimport_replaces_the_draft),
        cmocka_unit_test(test_publish_signs_increasing_releases_and_a_timestamp),
        cmocka_unit_test(test_a_manifest_left_without_record_keeps_its_number),
        cmocka_unit_test(test_publish_numbers_above_what_kiosks_report_running),
        cmocka_unit_test(test_timestamp_is_resigned_after_a_quarter_of_its_lifetime),
        cmocka_unit_test(test_export_static_is_a_verifiable_tree_of_the_current_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
