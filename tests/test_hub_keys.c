/* test_hub_keys.c: changing the release signing key: envelopes signed by several keys, key rotate,
 * status and finish, every document of a rotation signed by both keys and naming the successor,
 * finish refused while a kiosk lags, crash safety of finish at every step, and a running server
 * that picks up the change. */
#include "test_hub_support.h"

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_log.h"
#include "dk_sign.h"
#include "hub_db.h"
#include "hub_devices.h"
#include "hub_keys.h"
#include "hub_release.h"
#include "hub_serve.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOW 1795000000LL /* 2026-11-18T11:06:40Z; any fixed time will do */

/* ---- helpers ---- */

static dk_sign_keyring ring1(const unsigned char pub[DK_SIGN_PUBLIC_BYTES])
{
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(dk_sign_keyring_add(&ring, pub), DK_OK);
    return ring;
}

static dk_sign_key key_at(const char *path)
{
    dk_sign_key k;
    assert_int_equal(dk_sign_key_load(path, &k), DK_OK);
    return k;
}

/* The signers of a signed file, as "hex,hex" in the order of its lines. */
static void signers_of(const char *path, dk_sign_type type, char *out, size_t outsz)
{
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(dk_fs_read(path, 4 << 20, &env, &len), DK_OK);
    unsigned char pubs[DK_SIGN_MAX_SIGS][DK_SIGN_PUBLIC_BYTES];
    size_t n = 0;
    assert_int_equal(dk_sign_envelope_signers(type, env, len, pubs, &n), DK_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char hex[DK_SIGN_PUBLIC_HEX];
        dk_sign_public_hex(pubs[i], hex);
        size_t used = strlen(out);
        snprintf(out + used, outsz - used, "%s%s", i ? "," : "", hex);
    }
    free(env);
}

static void pair_text(const dk_sign_key *a, const dk_sign_key *b, char *out, size_t outsz)
{
    char ha[DK_SIGN_PUBLIC_HEX], hb[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(a->pub, ha);
    if (!b) {
        snprintf(out, outsz, "%s", ha);
        return;
    }
    dk_sign_public_hex(b->pub, hb);
    snprintf(out, outsz, "%s,%s", ha, hb);
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

static long long publish_ok(hubt *t, long long now)
{
    hub_publish_summary sum;
    dk_err err = hub_publish(t->site, now, &sum);
    if (err)
        fprintf(stderr, "%s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
    return sum.release.version;
}

static const char *manifest_file(const hubt *t, long long v)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%lld.signed", t->site->manifests_dir, v);
    return path;
}

/* The manifest of release v, verified with ring; freed by the caller. */
static dk_manifest *manifest_of(const hubt *t, long long v, const dk_sign_keyring *ring)
{
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(dk_fs_read(manifest_file(t, v), 4 << 20, &env, &len), DK_OK);
    const char *payload;
    size_t plen;
    dk_manifest *m = NULL;
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, ring, env, len, &payload, &plen), DK_OK);
    assert_int_equal(dk_manifest_parse(payload, plen, &m), DK_OK);
    free(env);
    return m;
}

/* Registers a device and stores a heartbeat reporting content version v (-1: none sent). */
static void device_at(hubt *t, const char *name, long long v)
{
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t->site, name, token), DK_OK);
    if (v < 0)
        return;
    hub_device *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_db_devices(t->site->db, &list, &n), DK_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, name) != 0)
            continue;
        hub_heartbeat hb;
        hub_heartbeat_init(&hb);
        hb.content_version = v;
        assert_int_equal(hub_db_heartbeat_put(t->site->db, list[i].id, NOW, &hb), DK_OK);
    }
    free(list);
}

static void set_heartbeat(hubt *t, const char *name, long long v)
{
    hub_device *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_db_devices(t->site->db, &list, &n), DK_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, name) != 0)
            continue;
        hub_heartbeat hb;
        hub_heartbeat_init(&hb);
        hb.content_version = v;
        assert_int_equal(hub_db_heartbeat_put(t->site->db, list[i].id, NOW, &hb), DK_OK);
    }
    free(list);
}

static int mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (int)(st.st_mode & 0777);
}

/* A hub with release 1 published by the first key, then rotated, then release 2 published. */
static void rotated_and_published(hubt *t, char **content, dk_sign_key *old, dk_sign_key *next)
{
    hubt_setup(t);
    *content = dkt_make_content();
    import_ok(t, *content);
    assert_int_equal(publish_ok(t, NOW), 1);
    *old = key_at(t->site->signing_key_path);
    hub_key_rotate_result r;
    assert_int_equal(hub_key_rotate(t->site, NOW + 1, &r), DK_OK);
    *next = key_at(t->site->next_key_path);
    assert_int_equal(publish_ok(t, NOW + 2), 2);
}

/* ---- the envelope with several signers ---- */

static void test_an_envelope_signed_by_two_keys_verifies_with_either(void **state)
{
    (void)state;
    dk_sign_key a, b, c;
    assert_int_equal(dk_sign_keygen(&a), DK_OK);
    assert_int_equal(dk_sign_keygen(&b), DK_OK);
    assert_int_equal(dk_sign_keygen(&c), DK_OK);
    const dk_sign_key *both[2] = {&a, &b};
    const char payload[] = "{\"x\":1}\n";
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(
        dk_sign_envelope_multi(DK_SIGN_MANIFEST, both, 2, payload, strlen(payload), &env, &len),
        DK_OK);
    const char *p;
    size_t plen;
    dk_sign_keyring ra = ring1(a.pub), rb = ring1(b.pub), rc = ring1(c.pub);
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ra, env, len, &p, &plen), DK_OK);
    assert_int_equal(plen, strlen(payload));
    assert_memory_equal(p, payload, plen);
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &rb, env, len, &p, &plen), DK_OK);
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &rc, env, len, &p, &plen), DK_ERR_CRYPTO);
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ra, env, len, &p, &plen), DK_ERR_CRYPTO);

    /* The signers, in the order given. */
    unsigned char pubs[DK_SIGN_MAX_SIGS][DK_SIGN_PUBLIC_BYTES];
    size_t n = 0;
    assert_int_equal(dk_sign_envelope_signers(DK_SIGN_MANIFEST, env, len, pubs, &n), DK_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(pubs[0], a.pub, DK_SIGN_PUBLIC_BYTES);
    assert_memory_equal(pubs[1], b.pub, DK_SIGN_PUBLIC_BYTES);

    /* A damaged signature by b: a kiosk trusting b refuses, one trusting only a accepts (b's
     * line is unknown to it, docs/protocol.md). */
    char *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, env, len);
    const char *second = strstr(bad + 30, "\ned25519 ") + 1;
    char *sig = (char *)second + 8 + 64 + 1;
    sig[0] = sig[0] == '0' ? '1' : '0';
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &rb, bad, len, &p, &plen), DK_ERR_CRYPTO);
    assert_non_null(strstr(dk_error_detail(), "does not match"));
    assert_int_equal(dk_sign_verify(DK_SIGN_MANIFEST, &ra, bad, len, &p, &plen), DK_OK);
    free(bad);

    /* The one-key API makes exactly the envelope of one signer (Ed25519 is deterministic). */
    char *one = NULL, *multi = NULL;
    size_t onelen = 0, multilen = 0;
    const dk_sign_key *just_a[1] = {&a};
    assert_int_equal(
        dk_sign_envelope(DK_SIGN_MANIFEST, &a, payload, strlen(payload), &one, &onelen), DK_OK);
    assert_int_equal(dk_sign_envelope_multi(DK_SIGN_MANIFEST, just_a, 1, payload, strlen(payload),
                                            &multi, &multilen),
                     DK_OK);
    assert_int_equal(onelen, multilen);
    assert_memory_equal(one, multi, onelen);
    assert_int_equal(dk_sign_envelope_signers(DK_SIGN_MANIFEST, one, onelen, pubs, &n), DK_OK);
    assert_int_equal(n, 1);
    free(one);
    free(multi);
    free(env);

    /* Nobody, the same key twice, or more lines than a verifier reads: refused, nothing made. */
    const dk_sign_key *twice[2] = {&a, &a};
    const dk_sign_key *five[5] = {&a, &b, &c, &a, &b};
    env = (char *)1;
    assert_int_equal(dk_sign_envelope_multi(DK_SIGN_MANIFEST, both, 0, "x", 1, &env, &len),
                     DK_ERR_INVALID);
    assert_null(env);
    assert_int_equal(dk_sign_envelope_multi(DK_SIGN_MANIFEST, twice, 2, "x", 1, &env, &len),
                     DK_ERR_INVALID);
    assert_null(env);
    assert_int_equal(dk_sign_envelope_multi(DK_SIGN_MANIFEST, five, 5, "x", 1, &env, &len),
                     DK_ERR_INVALID);
    assert_null(env);
    assert_int_equal(dk_sign_envelope_signers(DK_SIGN_MANIFEST, "nonsense", 8, pubs, &n),
                     DK_ERR_PROTOCOL);
}

static void test_four_signers_fit_the_header(void **state)
{
    (void)state;
    dk_sign_key k[DK_SIGN_MAX_SIGS];
    const dk_sign_key *all[DK_SIGN_MAX_SIGS];
    for (int i = 0; i < DK_SIGN_MAX_SIGS; i++) {
        assert_int_equal(dk_sign_keygen(&k[i]), DK_OK);
        all[i] = &k[i];
    }
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(
        dk_sign_envelope_multi(DK_SIGN_TIMESTAMP, all, DK_SIGN_MAX_SIGS, "{}", 2, &env, &len),
        DK_OK);
    dk_sign_keyring last = ring1(k[DK_SIGN_MAX_SIGS - 1].pub);
    const char *p;
    size_t plen;
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &last, env, len, &p, &plen), DK_OK);
    assert_int_equal(plen, 2);
    free(env);
}

/* ---- rotate ---- */

static void test_rotate_makes_a_private_successor_once(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_key_rotate_result r;
    assert_int_equal(hub_key_rotate(t.site, NOW, &r), DK_OK);
    assert_false(r.published); /* nothing to re-sign yet */
    assert_string_equal(r.current, t.keys.signing_public);
    assert_int_equal(strlen(r.successor), 64);
    assert_string_not_equal(r.successor, r.current);
    assert_int_equal(mode_of(t.site->next_key_path), 0600);
    dk_sign_key next = key_at(t.site->next_key_path);
    char hex[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(next.pub, hex);
    assert_string_equal(hex, r.successor);
    assert_true(t.site->has_next);

    /* Again while the successor exists: refused, naming it; neither key changes. */
    char *before = dkt_read(t.site->keys_dir, "signing-next.key", NULL);
    char *current = dkt_read(t.site->keys_dir, "signing.key", NULL);
    assert_int_equal(hub_key_rotate(t.site, NOW, &r), DK_ERR_EXISTS);
    assert_non_null(strstr(dk_error_detail(), "in progress already"));
    assert_non_null(strstr(dk_error_detail(), hex));
    char *after = dkt_read(t.site->keys_dir, "signing-next.key", NULL);
    char *current_after = dkt_read(t.site->keys_dir, "signing.key", NULL);
    assert_string_equal(before, after);
    assert_string_equal(current, current_after);
    free(before);
    free(after);
    free(current);
    free(current_after);

    /* device add now gives kiosks both keys. */
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "hoerde-foyer", token), DK_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(hub_device_snippet(t.site, "hoerde-foyer", token, f), DK_OK);
    fclose(f);
    char want[200];
    snprintf(want, sizeof want, "trusted_keys = %s,%s\n", t.keys.signing_public, hex);
    assert_non_null(strstr(text, want));
    free(text);
    hubt_teardown(&t);
}

static void
test_during_a_rotation_everything_is_signed_by_both_and_names_the_successor(void **state)
{
    (void)state;
    hubt t;
    char *content;
    dk_sign_key old, next;
    rotated_and_published(&t, &content, &old, &next);
    char both[200], only_old[100];
    pair_text(&old, &next, both, sizeof both);
    pair_text(&old, NULL, only_old, sizeof only_old);
    dk_sign_keyring ring_old = ring1(old.pub), ring_new = ring1(next.pub);

    /* Release 1 came before the rotation: one signer, names the old key only. */
    char who[300];
    signers_of(manifest_file(&t, 1), DK_SIGN_MANIFEST, who, sizeof who);
    assert_string_equal(who, only_old);
    /* Release 2: both sign it, and its keys name both (so a kiosk trusting the old key that
     * accepts it learns the successor). */
    signers_of(manifest_file(&t, 2), DK_SIGN_MANIFEST, who, sizeof who);
    assert_string_equal(who, both);
    dk_manifest *m = manifest_of(&t, 2, &ring_old);
    assert_int_equal(m->key_count, 2);
    assert_memory_equal(m->keys[0], old.pub, DK_SIGN_PUBLIC_BYTES);
    assert_memory_equal(m->keys[1], next.pub, DK_SIGN_PUBLIC_BYTES);
    dk_manifest_free(m);
    m = manifest_of(&t, 2, &ring_new);
    dk_manifest_free(m);

    /* The timestamp publish signed, and the one the re-signer makes. */
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, both);
    hub_timestamp_state st;
    assert_int_equal(hub_timestamp_refresh(t.site, NOW + 3, 1, &st), DK_OK);
    assert_true(st.resigned);
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, both);

    /* export-static copies both signatures to the mirror, and it verifies with either key. */
    hub_tree_summary sum;
    assert_int_equal(hub_export_static(t.site, hubt_path(&t, "www"), NOW + 4, &sum), DK_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/timestamp.signed", hubt_path(&t, "www"));
    signers_of(path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, both);
    snprintf(path, sizeof path, "%s/manifests/2.signed", hubt_path(&t, "www"));
    signers_of(path, DK_SIGN_MANIFEST, who, sizeof who);
    assert_string_equal(who, both);
    assert_int_equal(hub_verify_tree(hubt_path(&t, "www"), &ring_old, NOW + 5, &sum), DK_OK);
    assert_int_equal(hub_verify_tree(hubt_path(&t, "www"), &ring_new, NOW + 5, &sum), DK_OK);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_a_timestamp_signed_before_the_rotation_is_signed_again(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    publish_ok(&t, NOW);
    dk_sign_key old = key_at(t.site->signing_key_path);
    /* As if another process (or a rotate that died before it re-signed) made the successor: the
     * next refresh notices the change and re-signs with both, although the timestamp is young. */
    dk_sign_key next;
    assert_int_equal(dk_sign_keygen(&next), DK_OK);
    assert_int_equal(dk_sign_key_save(&next, t.site->next_key_path), DK_OK);
    hub_timestamp_state st;
    assert_int_equal(hub_timestamp_refresh(t.site, NOW + 1, 0, &st), DK_OK);
    assert_true(st.keys_changed);
    assert_true(st.resigned);
    char both[200], who[300];
    pair_text(&old, &next, both, sizeof both);
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, both);
    /* Nothing changed: no new signature. */
    assert_int_equal(hub_timestamp_refresh(t.site, NOW + 2, 0, &st), DK_OK);
    assert_false(st.keys_changed);
    assert_false(st.resigned);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_publish_refuses_key_files_that_do_not_fit(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    publish_ok(&t, NOW);
    hub_publish_summary sum;
    hub_timestamp_state st;
    char *ts_before = dkt_read(t.site->site_dir, "timestamp.signed", NULL);

    /* The successor is the current key (copied by hand). */
    char *current = dkt_read(t.site->keys_dir, "signing.key", NULL);
    dkt_write(t.site->keys_dir, "signing-next.key", current);
    chmod(t.site->next_key_path, 0600);
    assert_int_equal(hub_publish(t.site, NOW + 1, &sum), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "same key"));
    assert_false(dk_fs_exists(manifest_file(&t, 2)));
    /* ...and the re-signer signs nothing with keys that do not fit. */
    assert_int_equal(hub_timestamp_refresh(t.site, NOW + 100000, 0, &st), DK_ERR_INVALID);

    /* Readable by others. */
    dk_sign_key next;
    assert_int_equal(dk_sign_keygen(&next), DK_OK);
    unlink(t.site->next_key_path);
    assert_int_equal(dk_sign_key_save(&next, t.site->next_key_path), DK_OK);
    chmod(t.site->next_key_path, 0644);
    assert_int_equal(hub_publish(t.site, NOW + 1, &sum), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "successor"));
    assert_non_null(strstr(dk_error_detail(), "chmod 600"));
    assert_false(dk_fs_exists(manifest_file(&t, 2)));

    /* Not a key, and not readable at all. */
    dkt_write(t.site->keys_dir, "signing-next.key", "not a key\n");
    chmod(t.site->next_key_path, 0600);
    assert_int_equal(hub_publish(t.site, NOW + 1, &sum), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "not a signing key"));
    if (geteuid() != 0) { /* root reads files of any mode */
        assert_int_equal(dk_sign_key_save(&next, hubt_path(&t, "spare.key")), DK_OK);
        rename(hubt_path(&t, "spare.key"), t.site->next_key_path);
        chmod(t.site->next_key_path, 0);
        assert_int_not_equal(hub_publish(t.site, NOW + 1, &sum), DK_OK);
    }
    assert_false(dk_fs_exists(manifest_file(&t, 2)));
    char *ts_after = dkt_read(t.site->site_dir, "timestamp.signed", NULL);
    assert_string_equal(ts_before, ts_after);

    /* Made consistent again, publish works and signs with both. */
    unlink(t.site->next_key_path);
    assert_int_equal(dk_sign_key_save(&next, t.site->next_key_path), DK_OK);
    assert_int_equal(publish_ok(&t, NOW + 2), 2);
    char who[300], both[200];
    dk_sign_key old = key_at(t.site->signing_key_path);
    pair_text(&old, &next, both, sizeof both);
    signers_of(manifest_file(&t, 2), DK_SIGN_MANIFEST, who, sizeof who);
    assert_string_equal(who, both);
    free(current);
    free(ts_before);
    free(ts_after);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

/* ---- status and finish ---- */

static void test_status_names_the_first_release_and_the_devices_that_lag(void **state)
{
    (void)state;
    hubt t;
    char *content;
    dk_sign_key old, next;
    rotated_and_published(&t, &content, &old, &next);
    assert_int_equal(publish_ok(&t, NOW + 3), 3);
    device_at(&t, "aplerbeck", 3);
    device_at(&t, "eving", 2);
    device_at(&t, "hoerde", 1);
    device_at(&t, "mengede", -1); /* never reported */

    hub_key_status st;
    assert_int_equal(hub_key_status_get(t.site, &st), DK_OK);
    char hex[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(next.pub, hex);
    assert_string_equal(st.successor, hex);
    assert_int_equal(st.first_release, 2); /* release 1 named the old key only */
    assert_int_equal(st.latest_release, 3);
    assert_int_equal(st.device_count, 4);
    assert_int_equal(st.lagging, 2);
    assert_true(st.devices[0].trusts_successor);  /* aplerbeck, release 3 */
    assert_true(st.devices[1].trusts_successor);  /* eving, release 2 */
    assert_false(st.devices[2].trusts_successor); /* hoerde, release 1 */
    assert_false(st.devices[3].trusts_successor); /* mengede, never */

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(hub_key_status_print(&st, NOW + 60, 0, f), DK_OK);
    fclose(f);
    assert_non_null(strstr(text, "first release naming the successor: 2"));
    assert_non_null(strstr(text, "2 of 4"));
    assert_non_null(strstr(text, "hoerde"));
    assert_non_null(strstr(text, "NOT YET"));
    free(text);
    f = open_memstream(&text, &len);
    assert_int_equal(hub_key_status_print(&st, NOW + 60, 1, f), DK_OK);
    fclose(f);
    assert_non_null(strstr(text, "\"first_release\": 2"));
    assert_non_null(strstr(text, "\"ready_to_finish\": false"));
    char *lag = strstr(text, "\"lagging\"");
    assert_non_null(lag);
    assert_non_null(strstr(lag, "\"hoerde\""));
    assert_non_null(strstr(lag, "\"mengede\""));
    assert_null(strstr(lag, "\"eving\""));
    free(text);
    hub_key_status_free(&st);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_finish_is_refused_while_a_device_lags_unless_forced(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_key_finish_result r;
    assert_int_equal(hub_key_finish(t.site, NOW, 1, &r), DK_ERR_NOTFOUND); /* no rotation */
    assert_non_null(strstr(dk_error_detail(), "no key rotation is in progress"));
    char *content = dkt_make_content();
    import_ok(&t, content);
    publish_ok(&t, NOW);
    device_at(&t, "eving", 1);
    device_at(&t, "hoerde", 1);
    dk_sign_key old = key_at(t.site->signing_key_path);
    hub_key_rotate_result rot;
    assert_int_equal(hub_key_rotate(t.site, NOW + 1, &rot), DK_OK);
    dk_sign_key next = key_at(t.site->next_key_path);

    /* No release names the successor yet: refused, even with --force. */
    assert_int_equal(hub_key_finish(t.site, NOW + 2, 1, &r), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "no release names the successor"));

    publish_ok(&t, NOW + 3);
    set_heartbeat(&t, "eving", 2);
    char *signing_before = dkt_read(t.site->keys_dir, "signing.key", NULL);
    char *next_before = dkt_read(t.site->keys_dir, "signing-next.key", NULL);
    assert_int_equal(hub_key_finish(t.site, NOW + 4, 0, &r), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "hoerde (runs release 1)"));
    assert_null(strstr(dk_error_detail(), "eving"));
    assert_non_null(strstr(dk_error_detail(), "--force"));
    char *signing_after = dkt_read(t.site->keys_dir, "signing.key", NULL);
    char *next_after = dkt_read(t.site->keys_dir, "signing-next.key", NULL);
    assert_string_equal(signing_before, signing_after);
    assert_string_equal(next_before, next_after);
    assert_false(dk_fs_exists(t.site->retired_dir));

    /* Forced: the successor signs alone, the old key is kept private in retired/. */
    assert_int_equal(hub_key_finish(t.site, NOW + 5, 1, &r), DK_OK);
    assert_int_equal(r.forced, 1);
    assert_true(r.resigned);
    dk_sign_key now_signing = key_at(t.site->signing_key_path);
    assert_memory_equal(now_signing.pub, next.pub, DK_SIGN_PUBLIC_BYTES);
    assert_false(dk_fs_exists(t.site->next_key_path));
    dk_sign_key retired = key_at(r.retired_path);
    assert_memory_equal(retired.sec, old.sec, DK_SIGN_SECRET_BYTES);
    assert_int_equal(mode_of(r.retired_path), 0600);
    assert_int_equal(mode_of(t.site->retired_dir), 0700);
    assert_int_equal(mode_of(t.site->signing_key_path), 0600);
    char only_new[100], who[300];
    pair_text(&next, NULL, only_new, sizeof only_new);
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, only_new);

    /* The next release is the new key's alone, and names it alone. */
    assert_int_equal(publish_ok(&t, NOW + 6), 3);
    signers_of(manifest_file(&t, 3), DK_SIGN_MANIFEST, who, sizeof who);
    assert_string_equal(who, only_new);
    dk_sign_keyring ring_new = ring1(next.pub);
    dk_manifest *m = manifest_of(&t, 3, &ring_new);
    assert_int_equal(m->key_count, 1);
    assert_memory_equal(m->keys[0], next.pub, DK_SIGN_PUBLIC_BYTES);
    dk_manifest_free(m);

    /* Status knows the retired key; device add gives the new key alone. */
    hub_key_status st;
    assert_int_equal(hub_key_status_get(t.site, &st), DK_OK);
    assert_string_equal(st.successor, "");
    assert_int_equal(st.retired_count, 1);
    assert_string_equal(st.retired[0], rot.current);
    hub_key_status_free(&st);
    char token[HUB_TOKEN_HEX];
    assert_int_equal(hub_device_add(t.site, "mengede", token), DK_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(hub_device_snippet(t.site, "mengede", token, f), DK_OK);
    fclose(f);
    char want[120];
    snprintf(want, sizeof want, "trusted_keys = %s\n", only_new);
    assert_non_null(strstr(text, want));
    free(text);

    /* And a second rotation works the same way. */
    assert_int_equal(hub_key_rotate(t.site, NOW + 7, &rot), DK_OK);
    assert_string_equal(rot.current, only_new);
    free(signing_before);
    free(signing_after);
    free(next_before);
    free(next_after);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

static void test_finish_goes_ahead_when_every_device_reported_the_release(void **state)
{
    (void)state;
    hubt t;
    char *content;
    dk_sign_key old, next;
    rotated_and_published(&t, &content, &old, &next);
    device_at(&t, "eving", 2);
    hub_key_finish_result r;
    assert_int_equal(hub_key_finish(t.site, NOW + 3, 0, &r), DK_OK);
    assert_int_equal(r.forced, 0);
    dk_sign_key now_signing = key_at(t.site->signing_key_path);
    assert_memory_equal(now_signing.pub, next.pub, DK_SIGN_PUBLIC_BYTES);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

/* Either the rotation is still in progress (old signs, successor beside it) or it is finished
 * (successor signs alone, old key retired); the hub can always sign, and the timestamp on disk
 * verifies for a kiosk trusting the new key. Returns 1 when finished. */
static int check_state(const hubt *t, const dk_sign_key *old, const dk_sign_key *next)
{
    hub_site *s = NULL;
    dk_err err = hub_site_open(&t->cfg, 1, &s);
    if (err)
        fprintf(stderr, "%s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
    /* No copy of a secret key is left behind by a write the crash cut short. */
    const char *dirs[2] = {s->keys_dir, s->retired_dir};
    for (int d = 0; d < 2; d++) {
        char **names = NULL;
        size_t n = 0;
        if (dk_fs_list(dirs[d], 100, &names, &n) != DK_OK)
            continue;
        for (size_t i = 0; i < n; i++)
            assert_null(strstr(names[i], ".tmp-"));
        free(names);
    }
    int finished = memcmp(s->key.pub, next->pub, DK_SIGN_PUBLIC_BYTES) == 0;
    if (finished) {
        assert_false(s->has_next);
        char path[4096], hex[DK_SIGN_PUBLIC_HEX];
        dk_sign_public_hex(old->pub, hex);
        snprintf(path, sizeof path, "%s/%s.key", s->retired_dir, hex);
        dk_sign_key kept = key_at(path);
        assert_memory_equal(kept.sec, old->sec, DK_SIGN_SECRET_BYTES);
    } else {
        assert_memory_equal(s->key.pub, old->pub, DK_SIGN_PUBLIC_BYTES);
        assert_true(s->has_next);
        assert_memory_equal(s->next.pub, next->pub, DK_SIGN_PUBLIC_BYTES);
    }
    dk_sign_keyring ring = ring1(next->pub);
    char *env = NULL;
    size_t len = 0;
    const char *p;
    size_t plen;
    assert_int_equal(dk_fs_read(s->timestamp_path, DK_TIMESTAMP_MAX, &env, &len), DK_OK);
    assert_int_equal(dk_sign_verify(DK_SIGN_TIMESTAMP, &ring, env, len, &p, &plen), DK_OK);
    free(env);
    hub_site_close(s);
    return finished;
}

static void test_finish_killed_at_any_step_leaves_the_old_or_the_new_state(void **state)
{
    (void)state;
    hubt t;
    char *content;
    dk_sign_key old, next;
    rotated_and_published(&t, &content, &old, &next);
    hub_site_close(t.site); /* the children open their own */
    t.site = NULL;
    char hex[DK_SIGN_PUBLIC_HEX], retired[4096], both[200];
    dk_sign_public_hex(old.pub, hex);
    pair_text(&old, &next, both, sizeof both);
    int finished_once = 0, rounds = 0;
    for (long n = 1; n < 100; n++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            hub_site *s = NULL;
            hub_key_finish_result r;
            if (hub_site_open(&t.cfg, 0, &s) != DK_OK)
                _exit(2);
            dk_fault_arm(n, DK_FAULT_EXIT); /* the nth step ends the process, as kill -9 would */
            dk_err err = hub_key_finish(s, NOW + 10 + n, 0, &r);
            _exit(err ? 1 : 0);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        int code = WEXITSTATUS(status);
        assert_true(code == 77 || code == 0);
        rounds++;
        int finished = check_state(&t, &old, &next);
        if (code == 0) {
            assert_true(finished);
            break;
        }
        finished_once |= finished;
        if (!finished) {
            /* Finish again completes what the crash left. */
            hub_site *s = NULL;
            hub_key_finish_result r;
            assert_int_equal(hub_site_open(&t.cfg, 0, &s), DK_OK);
            assert_int_equal(hub_key_finish(s, NOW + 10 + n, 0, &r), DK_OK);
            hub_site_close(s);
            assert_true(check_state(&t, &old, &next));
        }
        /* Back to the rotation in progress for the next round. */
        snprintf(retired, sizeof retired, "%s/data/keys/retired/%s.key", t.tmp, hex);
        unlink(retired);
        unlink(hubt_path(&t, "data/keys/signing.key"));
        unlink(hubt_path(&t, "data/keys/signing-next.key"));
        assert_int_equal(dk_sign_key_save(&old, hubt_path(&t, "data/keys/signing.key")), DK_OK);
        assert_int_equal(dk_sign_key_save(&next, hubt_path(&t, "data/keys/signing-next.key")),
                         DK_OK);
        hub_site *s = NULL;
        hub_timestamp_state st;
        assert_int_equal(hub_site_open(&t.cfg, 0, &s), DK_OK);
        assert_int_equal(hub_timestamp_refresh(s, NOW + 10 + n, 0, &st), DK_OK);
        hub_site_close(s);
        char who[300];
        signers_of(hubt_path(&t, "data/site/timestamp.signed"), DK_SIGN_TIMESTAMP, who, sizeof who);
        assert_string_equal(who, both); /* also when the finish had signed it alone */
        assert_false(check_state(&t, &old, &next));
    }
    /* The retired copy, the rename and the timestamp's writes are steps of their own, and a
     * crash after the rename leaves the finished state. */
    assert_true(rounds >= 5);
    assert_true(finished_once);
    assert_int_equal(hub_site_open(&t.cfg, 1, &t.site), DK_OK);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

/* ---- a running server ---- */

static int log_has(const char *text)
{
    char lines[DK_LOG_RING_LINES][DK_LOG_LINE_MAX];
    int n = dk_log_recent(lines, DK_LOG_RING_LINES);
    for (int i = 0; i < n; i++)
        if (strstr(lines[i], text))
            return 1;
    return 0;
}

static void test_a_running_server_picks_up_rotate_and_finish(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    char *content = dkt_make_content();
    import_ok(&t, content);
    publish_ok(&t, (long long)time(NULL));
    dk_sign_key old = key_at(t.site->signing_key_path);
    hub_server *srv = NULL;
    assert_int_equal(hub_server_start(t.site, &srv), DK_OK);
    long long now = (long long)time(NULL), next_due = 0;
    assert_int_equal(hub_server_tick(srv, now, &next_due), DK_OK);

    /* Staff rotate in another process (another handle on the same data folder). */
    hub_site *staff = NULL;
    assert_int_equal(hub_site_open(&t.cfg, 0, &staff), DK_OK);
    hub_key_rotate_result rot;
    assert_int_equal(hub_key_rotate(staff, now, &rot), DK_OK);
    dk_sign_key next = key_at(t.site->next_key_path);
    assert_false(t.site->has_next); /* the server has not looked yet */
    assert_int_equal(hub_server_tick(srv, now + 1, &next_due), DK_OK);
    assert_true(t.site->has_next);
    assert_memory_equal(t.site->next.pub, next.pub, DK_SIGN_PUBLIC_BYTES);
    char want[200];
    snprintf(want, sizeof want, "signing keys changed on disk: %s and successor %s sign",
             rot.current, rot.successor);
    assert_true(log_has(want));

    /* The server's own re-signing uses both keys. */
    assert_int_equal(hub_server_tick(srv, now + t.cfg.timestamp_lifetime_s, &next_due), DK_OK);
    char both[200], only_new[100], who[300];
    pair_text(&old, &next, both, sizeof both);
    pair_text(&next, NULL, only_new, sizeof only_new);
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, both);

    /* Staff publish (naming the successor) and finish: the server signs with the new key. */
    hub_publish_summary sum;
    assert_int_equal(hub_publish(staff, now + 2, &sum), DK_OK);
    hub_key_finish_result fin;
    assert_int_equal(hub_key_finish(staff, now + 3, 0, &fin), DK_OK);
    hub_site_close(staff);
    assert_int_equal(hub_server_tick(srv, now + 2 * t.cfg.timestamp_lifetime_s, &next_due), DK_OK);
    assert_memory_equal(t.site->key.pub, next.pub, DK_SIGN_PUBLIC_BYTES);
    assert_false(t.site->has_next);
    signers_of(t.site->timestamp_path, DK_SIGN_TIMESTAMP, who, sizeof who);
    assert_string_equal(who, only_new);
    snprintf(want, sizeof want, "signing keys changed on disk: %s signs", only_new);
    assert_true(log_has(want));

    /* A successor made unusable stops the re-signing, with the reason, instead of signing with
     * keys that are no longer on disk. */
    dk_sign_key third;
    assert_int_equal(dk_sign_keygen(&third), DK_OK);
    assert_int_equal(dk_sign_key_save(&third, t.site->next_key_path), DK_OK);
    chmod(t.site->next_key_path, 0644);
    assert_int_equal(hub_server_tick(srv, now + 3 * t.cfg.timestamp_lifetime_s, &next_due),
                     DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "chmod 600"));
    assert_false(t.site->has_key);
    chmod(t.site->next_key_path, 0600);
    assert_int_equal(hub_server_tick(srv, now + 3 * t.cfg.timestamp_lifetime_s, &next_due), DK_OK);
    assert_true(t.site->has_key && t.site->has_next);
    hub_server_stop(srv);
    dkt_rmdir(content);
    hubt_teardown(&t);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_envelope_signed_by_two_keys_verifies_with_either),
        cmocka_unit_test(test_four_signers_fit_the_header),
        cmocka_unit_test(test_rotate_makes_a_private_successor_once),
        cmocka_unit_test(
            test_during_a_rotation_everything_is_signed_by_both_and_names_the_successor),
        cmocka_unit_test(test_a_timestamp_signed_before_the_rotation_is_signed_again),
        cmocka_unit_test(test_publish_refuses_key_files_that_do_not_fit),
        cmocka_unit_test(test_status_names_the_first_release_and_the_devices_that_lag),
        cmocka_unit_test(test_finish_is_refused_while_a_device_lags_unless_forced),
        cmocka_unit_test(test_finish_goes_ahead_when_every_device_reported_the_release),
        cmocka_unit_test(test_finish_killed_at_any_step_leaves_the_old_or_the_new_state),
        cmocka_unit_test(test_a_running_server_picks_up_rotate_and_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
