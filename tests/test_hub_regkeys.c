/* test_hub_regkeys.c: changing the registration key: the key ring opens records sealed to a
 * retired key (at receipt, list, export), registration-key rotate is crash-safe at every step,
 * a damaged key stops it, publish names the key, heartbeats report it and status shows it. */
#include "test_hub_support.h"

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_pack.h"
#include "dk_sign.h"
#include "dk_signup.h"
#include "hub_db.h"
#include "hub_devices.h"
#include "hub_registrations.h"
#include "hub_regkeys.h"
#include "hub_release.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW   1795687200LL /* 2026-11-26T10:00:00Z */
#define IDEM1 "0f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2b"
#define IDEM2 "1f3c9a5e7b2d4c8e9a1b3c5d7e9f1a2b"

static void record(dk_signup *r, const char *name)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->email, sizeof r->email, "someone@example.de");
    snprintf(r->groups[0], sizeof r->groups[0], "ag-phoenix-see");
    r->group_count = 1;
    snprintf(r->district, sizeof r->district, "hoerde");
    r->age_confirmed = r->consent = true;
    snprintf(r->consent_version, sizeof r->consent_version, "privacy-2026-11");
    r->language = DK_LANG_DE;
    r->created = NOW;
}

/* A record sealed to pub as a kiosk does. */
static size_t sealed_record(const unsigned char pub[32], const char *name, unsigned char *out)
{
    dk_signup r;
    record(&r, name);
    char json[DK_SIGNUP_JSON_MAX];
    size_t n = 0;
    assert_int_equal(dk_signup_to_json(&r, json, sizeof json, &n), DK_OK);
    assert_int_equal(crypto_box_seal(out, (const unsigned char *)json, n, pub), 0);
    return n + crypto_box_SEALBYTES;
}

static void current_public(const hubt *t, unsigned char pub[32])
{
    hub_regkey *k = NULL;
    assert_int_equal(hub_regkey_load(t->site->registration_key_path, &k), DK_OK);
    memcpy(pub, hub_regkey_public(k), 32);
    hub_regkey_free(k);
}

static hub_regkey *load_ring(const hubt *t)
{
    hub_regkey *k = NULL;
    assert_int_equal(
        hub_regkey_load_ring(t->site->registration_key_path, t->site->regkey_retired_dir, &k),
        DK_OK);
    return k;
}

static int opens(const hub_regkey *k, const unsigned char *sealed, size_t len)
{
    dk_signup out;
    dk_err err = hub_registration_open(k, sealed, len, &out);
    dk_signup_wipe(&out);
    return err == DK_OK;
}

static void test_a_record_sealed_to_a_retired_key_still_opens_everywhere(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    unsigned char key1[32], key2[32], old_rec[HUB_SEALED_MAX], new_rec[HUB_SEALED_MAX];
    current_public(&t, key1);
    size_t old_len = sealed_record(key1, "Old Key", old_rec);

    hub_regkey_rotate_result r;
    assert_int_equal(hub_regkey_rotate(t.site, NOW, &r), DK_OK);
    current_public(&t, key2);
    assert_memory_not_equal(key1, key2, 32);
    char hex1[65], hex2[65];
    dk_hex_encode(key1, 32, hex1);
    dk_hex_encode(key2, 32, hex2);
    assert_string_equal(r.previous, hex1);
    assert_string_equal(r.current, hex2);
    /* The retired copy: named by time and key, private. */
    assert_non_null(strstr(r.retired_path, "/keys/registration-retired/20261126T100000Z-"));
    char prefix[16];
    snprintf(prefix, sizeof prefix, "-%.8s.key", hex1);
    assert_non_null(strstr(r.retired_path, prefix));
    struct stat st;
    assert_int_equal(stat(r.retired_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(t.site->regkey_retired_dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(t.site->registration_key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* registration.pub follows, and so does what device add and publish read. */
    char hex[65];
    assert_int_equal(hub_site_registration_public(t.site, hex), DK_OK);
    assert_string_equal(hex, hex2);
    size_t len = 0;
    char *pubfile = dkt_read(t.tmp, "data/keys/registration.pub", &len);
    assert_int_equal(len, 65);
    assert_memory_equal(pubfile, hex2, 64);
    free(pubfile);

    size_t new_len = sealed_record(key2, "New Key", new_rec);
    /* The current key alone no longer opens the old record: the ring is what makes it work. */
    hub_regkey *alone = NULL;
    assert_int_equal(hub_regkey_load(t.site->registration_key_path, &alone), DK_OK);
    assert_false(opens(alone, old_rec, old_len));
    assert_true(opens(alone, new_rec, new_len));
    hub_regkey_free(alone);
    hub_regkey *ring = load_ring(&t);
    assert_int_equal(hub_regkey_count(ring), 2);
    assert_memory_equal(hub_regkey_public(ring), key2, 32);
    assert_memory_equal(hub_regkey_public_at(ring, 1), key1, 32);
    assert_null(hub_regkey_public_at(ring, 2));
    assert_true(opens(ring, old_rec, old_len));
    assert_true(opens(ring, new_rec, new_len));
    /* A record sealed to a key the hub never had still fails, naming the retired keys. */
    unsigned char stranger_pk[32], stranger_sk[32], bad[HUB_SEALED_MAX];
    crypto_box_keypair(stranger_pk, stranger_sk);
    size_t bad_len = sealed_record(stranger_pk, "Stranger", bad);
    dk_signup out;
    assert_int_equal(hub_registration_open(ring, bad, bad_len, &out), DK_ERR_CRYPTO);
    assert_non_null(strstr(dk_error_detail(), "nor a retired one"));

    /* Receipt, list and export: both records, once each. */
    hub_receive_outcome oc;
    long long id1 = 0, id2 = 0;
    assert_int_equal(hub_registration_receive(t.site->db, NULL, ring, "kiosk-a", IDEM1, old_rec,
                                              old_len, NOW + 1, &oc, &id1),
                     DK_OK);
    assert_int_equal(oc, HUB_RECEIVE_STORED);
    assert_int_equal(hub_registration_receive(t.site->db, NULL, ring, "kiosk-a", IDEM2, new_rec,
                                              new_len, NOW + 2, &oc, &id2),
                     DK_OK);
    assert_int_equal(oc, HUB_RECEIVE_STORED);
    assert_int_equal(hub_registration_receive(t.site->db, NULL, ring, "kiosk-a", IDEM1, old_rec,
                                              old_len, NOW + 3, &oc, &id1),
                     DK_OK);
    assert_int_equal(oc, HUB_RECEIVE_REPLAY);
    hub_registration_filter f = {NULL, NULL, 1};
    hub_registration_summary sum;
    char csv[4096];
    snprintf(csv, sizeof csv, "%s/out.csv", t.tmp);
    assert_int_equal(hub_registrations_export(t.site->db, ring, &f, csv, ';', 0, NOW, &sum), DK_OK);
    assert_int_equal(sum.shown, 2);
    char *text = dkt_read(t.tmp, "out.csv", &len);
    assert_non_null(strstr(text, "Old Key"));
    assert_non_null(strstr(text, "New Key"));
    free(text);
    FILE *listing = tmpfile();
    assert_non_null(listing);
    assert_int_equal(hub_registrations_list(t.site->db, ring, &f, listing, &sum), DK_OK);
    fclose(listing);
    assert_int_equal(sum.shown, 2);
    assert_int_equal(sum.unreadable, 0);
    /* Without the retired key the export refuses, writing nothing: the retired key matters. */
    assert_int_equal(unlink(r.retired_path), 0);
    hub_regkey *poorer = load_ring(&t);
    assert_int_equal(hub_regkey_count(poorer), 1);
    unlink(csv);
    assert_int_equal(hub_registrations_export(t.site->db, poorer, &f, csv, ';', 0, NOW, &sum),
                     DK_ERR_CORRUPT);
    assert_false(dk_fs_exists(csv));
    hub_regkey_free(poorer);
    hub_regkey_free(ring);
    hubt_teardown(&t);
}

static void test_a_damaged_retired_key_is_reported_and_stops_rotate(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_regkey_rotate_result r;
    assert_int_equal(hub_regkey_rotate(t.site, NOW, &r), DK_OK);
    unsigned char key2[32];
    current_public(&t, key2);
    /* Other names in the folder are not keys and are ignored. */
    dkt_write(t.tmp, "data/keys/registration-retired/README", "kept by staff\n");
    hub_regkey *ring = load_ring(&t);
    assert_int_equal(hub_regkey_count(ring), 2);
    hub_regkey_free(ring);
    dkt_write(t.tmp, "data/keys/registration-retired/20261127T000000Z-00000000.key", "garbage\n");
    hub_regkey *k = NULL;
    assert_int_equal(
        hub_regkey_load_ring(t.site->registration_key_path, t.site->regkey_retired_dir, &k),
        DK_ERR_INVALID);
    assert_null(k);
    assert_non_null(strstr(dk_error_detail(), "20261127T000000Z-00000000.key"));
    assert_int_equal(hub_regkey_rotate(t.site, NOW + 10, &r), DK_ERR_INVALID);
    unsigned char still[32];
    current_public(&t, still);
    assert_memory_equal(still, key2, 32); /* nothing was changed */
    hub_regkey_status st;
    assert_int_equal(hub_regkey_status_get(t.site, &st), DK_ERR_INVALID);
    hub_regkey_status_free(&st);
    hubt_teardown(&t);
}

/* After a crash: the ring loads, the record sealed to the first key opens, registration.pub
 * agrees with the current key, and the current key is the first one or a new one. Returns 1 if
 * the key changed. */
static int check_rotate_state(const hubt *t, const unsigned char key1[32], const unsigned char *rec,
                              size_t len)
{
    hub_site *s = NULL;
    assert_int_equal(hub_site_open(&t->cfg, 0, &s), DK_OK); /* removes stale temporary files */
    hub_regkey *ring = NULL;
    assert_int_equal(hub_regkey_load_ring(s->registration_key_path, s->regkey_retired_dir, &ring),
                     DK_OK);
    assert_true(opens(ring, rec, len));
    int changed = memcmp(hub_regkey_public(ring), key1, 32) != 0;
    char hex[65], want[65];
    dk_hex_encode(hub_regkey_public(ring), 32, want);
    assert_int_equal(hub_site_registration_public(s, hex), DK_OK);
    assert_string_equal(hex, want);
    if (changed) { /* a record sealed to the new key opens too */
        unsigned char fresh[HUB_SEALED_MAX];
        size_t n = sealed_record(hub_regkey_public(ring), "After", fresh);
        assert_true(opens(ring, fresh, n));
    }
    /* No temporary copy of a secret key is left behind. */
    char **names = NULL;
    size_t count = 0;
    if (dk_fs_is_dir(s->regkey_retired_dir)) {
        assert_int_equal(dk_fs_list(s->regkey_retired_dir, 100, &names, &count), DK_OK);
        for (size_t i = 0; i < count; i++)
            assert_true(hub_regkey_retired_name(names[i]));
        free(names);
    }
    hub_regkey_free(ring);
    hub_site_close(s);
    return changed;
}

static void test_rotate_killed_at_any_step_leaves_a_usable_key_and_loses_nothing(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    unsigned char key1[32], rec[HUB_SEALED_MAX];
    current_public(&t, key1);
    size_t len = sealed_record(key1, "Before", rec);
    char *key1_text = dkt_read(t.tmp, "data/keys/registration.key", &(size_t){0});
    char *pub1_text = dkt_read(t.tmp, "data/keys/registration.pub", &(size_t){0});
    hub_site_close(t.site);
    t.site = NULL;
    int rounds = 0, changed_once = 0;
    for (long n = 1; n < 100; n++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            hub_site *s = NULL;
            hub_regkey_rotate_result r;
            if (hub_site_open(&t.cfg, 0, &s) != DK_OK)
                _exit(2);
            dk_fault_arm(n, DK_FAULT_EXIT); /* the nth step ends the process, as kill -9 would */
            dk_err err = hub_regkey_rotate(s, NOW + n, &r);
            _exit(err ? 1 : 0);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        int code = WEXITSTATUS(status);
        assert_true(code == 77 || code == 0);
        rounds++;
        int changed = check_rotate_state(&t, key1, rec, len);
        if (code == 0) {
            assert_true(changed);
            break;
        }
        changed_once |= changed;
        if (!changed) {
            /* Rotating again completes it, reusing the retired copy a crash left. */
            hub_site *s = NULL;
            hub_regkey_rotate_result r;
            assert_int_equal(hub_site_open(&t.cfg, 0, &s), DK_OK);
            assert_int_equal(hub_regkey_rotate(s, NOW + 1000 + n, &r), DK_OK);
            hub_site_close(s);
            assert_true(check_rotate_state(&t, key1, rec, len));
            hub_site *c = NULL;
            assert_int_equal(hub_site_open(&t.cfg, 0, &c), DK_OK);
            char **names = NULL;
            size_t count = 0;
            assert_int_equal(dk_fs_list(c->regkey_retired_dir, 100, &names, &count), DK_OK);
            assert_int_equal(count, 1); /* one copy of the old key, not two */
            free(names);
            hub_site_close(c);
        }
        /* Back to the first key, nothing retired, for the next round. */
        assert_int_equal(dk_fs_remove_tree(hubt_path(&t, "data/keys/registration-retired")), DK_OK);
        dkt_write(t.tmp, "data/keys/registration.key", key1_text);
        dkt_write(t.tmp, "data/keys/registration.pub", pub1_text);
        assert_int_equal(chmod(hubt_path(&t, "data/keys/registration.key"), 0600), 0);
        assert_false(check_rotate_state(&t, key1, rec, len));
    }
    /* The retired copy's write and rename, the fault point, the new key's write and rename are
     * steps of their own, and a crash after the commit leaves the new key. */
    assert_true(rounds >= 5);
    assert_true(changed_once);
    free(key1_text);
    free(pub1_text);
    assert_int_equal(hub_site_open(&t.cfg, 1, &t.site), DK_OK);
    hubt_teardown(&t);
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

/* The registration_key of release v's manifest, as hex ("" if none). */
static void manifest_regkey(const hubt *t, long long v, char hex[65])
{
    char rel[64];
    snprintf(rel, sizeof rel, "data/site/manifests/%lld.signed", v);
    size_t len = 0;
    char *env = dkt_read(t->tmp, rel, &len);
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(dk_sign_keyring_add(&ring, t->site->key.pub), DK_OK);
    const char *payload = NULL;
    size_t plen = 0;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ring, env, len, &payload, &plen), DK_OK);
    dk_manifest *m = NULL;
    assert_int_equal(dk_manifest_parse(payload, plen, &m), DK_OK);
    hex[0] = '\0';
    if (m->has_registration_key)
        dk_hex_encode(m->registration_key, 32, hex);
    dk_manifest_free(m);
    free(env);
}

static void test_every_release_names_the_current_registration_key(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    hub_publish_summary sum;
    assert_int_equal(hub_publish(t.site, NOW, &sum), DK_OK);
    char hex[65];
    manifest_regkey(&t, 1, hex);
    assert_string_equal(hex, t.keys.registration_public);
    hub_regkey_rotate_result r;
    assert_int_equal(hub_regkey_rotate(t.site, NOW + 10, &r), DK_OK);
    manifest_regkey(&t, 1, hex); /* rotate publishes nothing */
    assert_string_equal(hex, t.keys.registration_public);
    assert_int_equal(hub_publish(t.site, NOW + 20, &sum), DK_OK);
    manifest_regkey(&t, 2, hex);
    assert_string_equal(hex, r.current);
    /* A registration.pub left stale by a crash after the commit is not what publish reads. */
    dkt_write(t.tmp, "data/keys/registration.pub", "0000\n");
    assert_int_equal(hub_publish(t.site, NOW + 30, &sum), DK_OK);
    manifest_regkey(&t, 3, hex);
    assert_string_equal(hex, r.current);
    size_t len = 0;
    char *pub = dkt_read(t.tmp, "data/keys/registration.pub", &len);
    assert_int_equal(len, 65);
    assert_memory_equal(pub, r.current, 64); /* and it is repaired */
    free(pub);
    /* A registration key that cannot be read stops publish: no release without it. */
    dkt_write(t.tmp, "data/keys/registration.key", "not a key\n");
    assert_int_not_equal(hub_publish(t.site, NOW + 40, &sum), DK_OK);
    assert_false(dk_fs_exists(hubt_path(&t, "data/site/manifests/4.signed")));
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void heartbeat(hubt *t, const char *device, const char *json)
{
    char token[HUB_TOKEN_HEX], sha[DK_SHA256_HEX];
    long long id = 0;
    char name[HUB_NAME_MAX + 1];
    assert_int_equal(hub_device_add(t->site, device, token), DK_OK);
    dk_sha256_hex(token, strlen(token), sha);
    assert_int_equal(hub_db_device_by_token(t->site->db, sha, &id, name), DK_OK);
    if (!json)
        return;
    hub_heartbeat hb;
    assert_int_equal(hub_heartbeat_parse(json, strlen(json), &hb), DK_OK);
    assert_int_equal(hub_db_heartbeat_put(t->site->db, id, NOW, &hb), DK_OK);
}

static void test_heartbeats_report_the_key_and_status_shows_who_moved_on(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_heartbeat hb;
    const char *bad[] = {"{\"registration_key\":\"0F3C9A5E\"}", "{\"registration_key\":\"0f3c\"}",
                         "{\"registration_key\":12345678}", "{\"registration_key\":\"0f3c9a5e7\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hub_heartbeat_parse(bad[i], strlen(bad[i]), &hb), DK_ERR_INVALID);
        assert_non_null(strstr(dk_error_detail(), "registration_key"));
    }
    assert_int_equal(hub_heartbeat_parse("{\"registration_key\":null}", 25, &hb), DK_OK);
    assert_string_equal(hb.registration_key, "");

    char old8[9], json[128];
    snprintf(old8, sizeof old8, "%.8s", t.keys.registration_public);
    hub_regkey_rotate_result r;
    assert_int_equal(hub_regkey_rotate(t.site, NOW, &r), DK_OK);
    snprintf(json, sizeof json, "{\"registration_key\":\"%.8s\"}", r.current);
    heartbeat(&t, "a-new", json);
    snprintf(json, sizeof json, "{\"registration_key\":\"%s\"}", old8);
    heartbeat(&t, "b-old", json);
    heartbeat(&t, "c-older-kiosk", "{\"app_version\":\"0.2.0\"}");
    heartbeat(&t, "d-silent", NULL);
    heartbeat(&t, "e-stranger", "{\"registration_key\":\"00000000\"}");

    hub_regkey_status st;
    assert_int_equal(hub_regkey_status_get(t.site, &st), DK_OK);
    assert_string_equal(st.current, r.current);
    assert_int_equal(st.retired_count, 1);
    assert_string_equal(st.retired[0].key, r.previous);
    assert_int_equal(st.device_count, 5);
    assert_int_equal(st.lagging, 4);
    assert_true(st.devices[0].on_current);
    assert_string_equal(st.devices[1].reported, old8);
    assert_false(st.devices[1].on_current);
    assert_string_equal(st.devices[2].reported, "");
    assert_false(st.devices[3].has_heartbeat);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(hub_regkey_status_print(&st, NOW + 60, 0, out), DK_OK);
    fclose(out);
    assert_non_null(strstr(text, "devices sealing to the current key"));
    assert_non_null(strstr(text, "1 of 5"));
    assert_non_null(strstr(text, "a-new"));
    assert_non_null(strstr(text, "RETIRED key (20261126T100000Z)"));
    assert_non_null(strstr(text, "not reported (an older kiosk)"));
    assert_non_null(strstr(text, "never reported"));
    assert_non_null(strstr(text, "UNKNOWN key"));
    free(text);
    out = open_memstream(&text, &len);
    assert_int_equal(hub_regkey_status_print(&st, NOW + 60, 1, out), DK_OK);
    fclose(out);
    assert_non_null(strstr(text, "\"on_current\": true"));
    assert_non_null(strstr(text, "\"lagging\": ["));
    free(text);
    hub_regkey_status_free(&st);
    hubt_teardown(&t);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_record_sealed_to_a_retired_key_still_opens_everywhere),
        cmocka_unit_test(test_a_damaged_retired_key_is_reported_and_stops_rotate),
        cmocka_unit_test(test_rotate_killed_at_any_step_leaves_a_usable_key_and_loses_nothing),
        cmocka_unit_test(test_every_release_names_the_current_registration_key),
        cmocka_unit_test(test_heartbeats_report_the_key_and_status_shows_who_moved_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
