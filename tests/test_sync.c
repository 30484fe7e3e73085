/* test_sync.c: the sync cycle and worker (dk_sync) against tests/dk_testserver.c, with releases
 * made by tests/dk_synctool.c from a small content tree: installing, a full disk in the middle of
 * a download, the time floor against a clock at 1970, key rotation, the rollback floor from
 * content.db, repairs after a power cut, a damaged sync.db, one sync per data folder, the
 * schedule, and a worker that stops promptly in the middle of a download. */
#include "dk_test.h"
#include "dk_test_server.h"

#include "dk_bundle.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_http.h"
#include "dk_pack.h"
#include "dk_store.h"
#include "dk_sync.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

typedef struct world {
    char *dir, *content;
    char bundle[4096], data[4096], www[4096], key[4096], key2[4096];
    char pub[80], pub2[80];
    dkt_server srv;
    dk_config cfg;
} world;

/* Runs dk-synctool with the arguments; fails the test unless it exits 0. Output in out. */
static void tool(char *out, size_t outsz, const char *fmt, ...)
{
    const char *prog = getenv("DK_SYNCTOOL");
    assert_non_null(prog);
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s", prog, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        print_message("%s: %s\n", cmd, buf);
    assert_int_equal(rc, 0);
    if (out)
        snprintf(out, outsz, "%s", buf);
    if (out && strchr(out, '\n'))
        *strchr(out, '\n') = '\0';
}

/* Writes release version into www: the small content with the about page saying so (and, from
 * release 2 on, a different hero image, so that there is media to fetch). */
static void release(world *w, int version, const char *extra)
{
    char text[64];
    snprintf(text, sizeof text, "Release %d.", version);
    dkt_write(w->content, "pages/about/body.de.md", text);
    if (version >= 2) {
        unsigned char png[sizeof dkt_png_2x1 + 8];
        memcpy(png, dkt_png_2x1, sizeof dkt_png_2x1);
        memset(png + sizeof dkt_png_2x1, version, 8);
        dkt_write_bytes(w->content, "districts/hoerde/hero.png", png, sizeof png);
    }
    tool(NULL, 0, "release '%s' '%s' --key '%s' --version %d %s", w->content, w->www, w->key,
         version, extra ? extra : "");
}

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->dir = dkt_mkdtemp("sync");
    w->content = dkt_make_content();
    snprintf(w->bundle, sizeof w->bundle, "%s/bundle", w->dir);
    snprintf(w->data, sizeof w->data, "%s/data", w->dir);
    snprintf(w->www, sizeof w->www, "%s/www", w->dir);
    snprintf(w->key, sizeof w->key, "%s/key", w->dir);
    snprintf(w->key2, sizeof w->key2, "%s/key2", w->dir);
    dk_problems problems;
    dk_problems_init(&problems);
    dk_pack_options opt = {0, NULL};
    assert_int_equal(dk_pack(w->content, w->bundle, &opt, &problems, NULL), DK_OK);
    dk_problems_free(&problems);
    assert_int_equal(dk_fs_mkdirs(w->data, 0755), DK_OK);
    assert_int_equal(dk_bundle_install(w->bundle, w->data), DK_OK);
    assert_int_equal(dk_fs_mkdirs(w->www, 0755), DK_OK);
    tool(w->pub, sizeof w->pub, "keygen '%s'", w->key);
    tool(w->pub2, sizeof w->pub2, "keygen '%s'", w->key2);
    dk_config_defaults(&w->cfg);
    snprintf(w->cfg.data_dir, sizeof w->cfg.data_dir, "%s", w->data);
    snprintf(w->cfg.bundle_dir, sizeof w->cfg.bundle_dir, "%s", w->bundle);
    snprintf(w->cfg.trusted_keys, sizeof w->cfg.trusted_keys, "%s", w->pub);
    w->cfg.sync_allow_http = 1;
    w->cfg.sync_connect_timeout_s = 3;
    w->cfg.sync_low_speed_bytes_s = 100;
    w->cfg.sync_low_speed_time_s = 3;
}

static void serve(world *w, const char *const *flags)
{
    dkt_server_stop(&w->srv);
    dkt_server_start(&w->srv, w->www, flags);
    snprintf(w->cfg.hub_url, sizeof w->cfg.hub_url, "%s", w->srv.url);
}

static void world_free(world *w)
{
    dkt_server_stop(&w->srv);
    dkt_rmdir(w->content);
    dkt_rmdir(w->dir);
}

/* The release in content.db, after checking that the database is intact. */
static long long installed(const world *w)
{
    char db[4096];
    assert_int_equal(dk_bundle_db_path(w->data, db, sizeof db), DK_OK);
    dk_store *s = NULL;
    assert_int_equal(dk_store_open(db, &s), DK_OK);
    assert_int_equal(dk_store_check(s), DK_OK);
    dk_store_info info;
    dk_store_get_info(s, &info);
    dk_store_close(s);
    return info.version;
}

static dk_err cycle(world *w, const dk_sync_options *opt, dk_sync_status *st)
{
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w->cfg, opt, &s), DK_OK);
    dk_err err = dk_sync_run_cycle(s);
    if (st)
        dk_sync_get_status(s, st);
    dk_sync_free(s);
    return err;
}

static int has(const char *text, const char *words)
{
    if (strstr(text, words))
        return 1;
    print_message("text: %s\n", text);
    return 0;
}

static void test_the_schedule_has_jitter_and_backs_off(void **state)
{
    for (double r = 0; r < 1; r += 0.1) {
        double ok = dk_sync_next_delay(0, 600, r);
        assert_true(ok >= 540 && ok <= 660);
        double first = dk_sync_next_delay(1, 600, r);
        assert_true(first >= 24 && first <= 36);
        double third = dk_sync_next_delay(3, 600, r);
        assert_true(third >= 96 && third <= 144);
        double most = dk_sync_next_delay(40, 600, r);
        assert_true(most >= 2880 && most <= 4320); /* 6 x the interval, +-20 % */
    }
    assert_true(dk_sync_next_delay(0, 600, 0.0) < dk_sync_next_delay(0, 600, 0.99));
}

static void test_settings_that_cannot_work_are_refused_in_plain_words(void **state)
{
    dk_config cfg;
    dk_config_defaults(&cfg);
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&cfg, NULL, &s), DK_ERR_INVALID);
    assert_true(has(dk_error_detail(), "set hub_url"));
    snprintf(cfg.hub_url, sizeof cfg.hub_url, "http://hub.example.org");
    assert_int_equal(dk_sync_new(&cfg, NULL, &s), DK_ERR_INVALID);
    assert_true(has(dk_error_detail(), "https://"));
    snprintf(cfg.hub_url, sizeof cfg.hub_url, "https://hub.example.org");
    assert_int_equal(dk_sync_new(&cfg, NULL, &s), DK_ERR_INVALID);
    assert_true(has(dk_error_detail(), "trusted_keys is empty"));
    snprintf(cfg.trusted_keys, sizeof cfg.trusted_keys, "abc");
    assert_int_equal(dk_sync_new(&cfg, NULL, &s), DK_ERR_INVALID);
    assert_true(has(dk_error_detail(), "trusted_keys"));
    assert_null(s);
}

static void test_a_cycle_installs_a_release_and_keeps_its_state(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    assert_int_equal(st.last_result, DK_SYNC_UPDATED);
    assert_int_equal(st.content_version, 1);
    assert_int_equal(installed(&w), 1);
    assert_string_equal(st.last_error, "");
    assert_true(st.last_success > 0);
    /* sync.db: WAL, and what it remembers shows before the next cycle */
    char path[4096];
    snprintf(path, sizeof path, "%s/sync.db", w.data);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    dk_sync_status before;
    dk_sync_get_status(s, &before);
    assert_int_equal(before.content_version, 1);
    assert_int_equal(before.last_result, DK_SYNC_UPDATED);
    assert_int_equal(before.last_success, st.last_success);
    dk_sync_free(s);
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    assert_int_equal(st.last_result, DK_SYNC_CURRENT);
    world_free(&w);
}

/* Arms a failing write when the cycle starts fetching objects: a disk that fills up then. */
static void fill_disk_when_downloading(void *arg, dk_sync_event ev)
{
    dk_sync **s = arg;
    static int armed;
    if (ev != DK_SYNC_EVENT_STATUS || !*s) {
        return;
    }
    dk_sync_status st;
    dk_sync_get_status(*s, &st);
    if (strcmp(st.phase, "objects") == 0 && !armed) {
        armed = 1;
        dk_fault_arm(1, DK_FAULT_FAIL); /* the next fault point: the first write of the object */
    } else if (strcmp(st.phase, "objects") != 0) {
        armed = 0;
    }
}

static void test_a_full_disk_during_download_keeps_the_old_release(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    assert_int_equal(cycle(&w, NULL, NULL), DK_OK);
    release(&w, 2, NULL);
    dk_sync *s = NULL;
    dk_sync_options opt = {w.bundle, "test", fill_disk_when_downloading, &s, NULL};
    assert_int_equal(dk_sync_new(&w.cfg, &opt, &s), DK_OK);
    assert_int_equal(dk_sync_run_cycle(s), DK_ERR_NOSPACE);
    dk_fault_disarm();
    dk_sync_status st;
    dk_sync_get_status(s, &st);
    assert_int_equal(st.last_result, DK_SYNC_FAILED);
    assert_true(has(st.last_error, "the disk is full"));
    assert_int_equal(st.content_version, 1);
    assert_int_equal(installed(&w), 1);
    dk_sync *again = s;
    s = NULL; /* the callback arms nothing now */
    assert_int_equal(dk_sync_run_cycle(again), DK_OK);
    dk_sync_get_status(again, &st);
    assert_int_equal(st.last_result, DK_SYNC_UPDATED);
    assert_int_equal(installed(&w), 2);
    dk_sync_free(again);
    world_free(&w);
}

static long long clock_1970(void)
{
    return 0;
}

static void test_the_time_floor_beats_a_clock_at_1970(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    dk_sync_options opt = {w.bundle, "test", NULL, NULL, clock_1970};
    assert_int_equal(cycle(&w, &opt, NULL), DK_OK);
    /* A timestamp that expired an hour ago, of a newer signing: at 1970 it would look fresh,
     * but the kiosk has seen a newer issue time and knows better. */
    tool(NULL, 0,
         "timestamp '%s' --key '%s' --manifest 1 --ts-version 500 --ts-issued -90000 "
         "--ts-expires -3600",
         w.www, w.key);
    dk_sync_status st;
    assert_int_equal(cycle(&w, &opt, &st), DK_ERR_PROTOCOL);
    assert_int_equal(st.last_result, DK_SYNC_STALE);
    assert_true(st.stale);
    assert_true(has(st.last_error, "stale"));
    assert_int_equal(installed(&w), 1);
    world_free(&w);
}

static void test_a_release_can_hand_over_to_a_new_key(void **state)
{
    world w;
    world_init(&w);
    char arg[200];
    snprintf(arg, sizeof arg, "--next-key %s", w.pub2);
    release(&w, 1, arg); /* signed by key 1, names key 2 */
    serve(&w, NULL);
    assert_int_equal(cycle(&w, NULL, NULL), DK_OK);
    /* release 2, signed by key 2 alone; the settings still name key 1 only */
    char saved_key[4096];
    snprintf(saved_key, sizeof saved_key, "%s", w.key);
    snprintf(w.key, sizeof w.key, "%s", w.key2);
    release(&w, 2, arg);
    snprintf(w.key, sizeof w.key, "%s", saved_key);
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    assert_int_equal(installed(&w), 2);
    /* a kiosk that never saw release 1's handover does not trust key 2 */
    char *other = dkt_mkdtemp("sync-other");
    snprintf(w.cfg.data_dir, sizeof w.cfg.data_dir, "%s", other);
    assert_int_equal(dk_bundle_install(w.bundle, other), DK_OK);
    assert_int_equal(cycle(&w, NULL, &st), DK_ERR_CRYPTO);
    assert_true(has(st.last_error, "not signed by a key this kiosk trusts"));
    dkt_rmdir(other);
    world_free(&w);
}

/* The key sync.db holds for sealing ("" if none). */
static void stored_regkey(const world *w, char hex[65])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sync.db", w->data);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT key FROM registration_key WHERE id = 1", -1, &q, NULL),
        SQLITE_OK);
    hex[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(hex, 65, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void x25519_hex(char hex[65])
{
    unsigned char pk[32], sk[32];
    crypto_box_keypair(pk, sk);
    dk_hex_encode(pk, 32, hex);
}

static void expect_sealing_key(dk_sync *s, const char *want, int want_from_release)
{
    unsigned char key[32];
    int from_release = -1;
    assert_int_equal(dk_sync_registration_key(s, key, &from_release), DK_OK);
    char hex[65];
    dk_hex_encode(key, 32, hex);
    assert_string_equal(hex, want);
    assert_int_equal(from_release, want_from_release);
}

static void test_a_release_naming_a_registration_key_changes_the_sealing_key_at_once(void **state)
{
    world w;
    world_init(&w);
    char k1[65], k2[65], k3[65], arg[128], hex[65];
    x25519_hex(k1);
    x25519_hex(k2);
    x25519_hex(k3);
    snprintf(w.cfg.registration_pubkey, sizeof w.cfg.registration_pubkey, "%s", k1);
    release(&w, 1, NULL); /* an older hub: no registration_key */
    serve(&w, NULL);
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    expect_sealing_key(s, k1, 0);
    assert_int_equal(dk_sync_run_cycle(s), DK_OK);
    expect_sealing_key(s, k1, 0); /* the setting, as long as no release names one */
    stored_regkey(&w, hex);
    assert_string_equal(hex, "");
    /* Release 2 names key 2: the running sync seals to it after the cycle, no restart. */
    snprintf(arg, sizeof arg, "--registration-key %s", k2);
    release(&w, 2, arg);
    assert_int_equal(dk_sync_run_cycle(s), DK_OK);
    assert_int_equal(installed(&w), 2);
    expect_sealing_key(s, k2, 1);
    stored_regkey(&w, hex);
    assert_string_equal(hex, k2);
    dk_sync_free(s);
    /* A restart keeps it (sync.db), also without or with a broken setting. */
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    expect_sealing_key(s, k2, 1);
    dk_sync_free(s);
    snprintf(w.cfg.registration_pubkey, sizeof w.cfg.registration_pubkey, "not-a-key");
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    expect_sealing_key(s, k2, 1);
    /* A later release without the field leaves it as it is. */
    release(&w, 3, NULL);
    assert_int_equal(dk_sync_run_cycle(s), DK_OK);
    assert_int_equal(installed(&w), 3);
    expect_sealing_key(s, k2, 1);
    /* A manifest naming a key the kiosk cannot seal to is refused as a whole. */
    snprintf(arg, sizeof arg, "--registration-key %064d", 0);
    release(&w, 4, arg);
    assert_int_not_equal(dk_sync_run_cycle(s), DK_OK);
    assert_int_equal(installed(&w), 3);
    expect_sealing_key(s, k2, 1);
    snprintf(arg, sizeof arg, "--registration-key %s", k3);
    release(&w, 5, arg);
    assert_int_equal(dk_sync_run_cycle(s), DK_OK);
    expect_sealing_key(s, k3, 1);
    dk_sync_free(s);
    /* Neither a setting nor a release: none, said plainly. */
    char *other = dkt_mkdtemp("sync-nokey");
    snprintf(w.cfg.data_dir, sizeof w.cfg.data_dir, "%s", other);
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    unsigned char key[32];
    assert_int_equal(dk_sync_registration_key(s, key, NULL), DK_ERR_NOTFOUND);
    assert_int_equal(dk_sync_registration_key(NULL, key, NULL), DK_ERR_NOTFOUND);
    dk_sync_free(s);
    dkt_rmdir(other);
    world_free(&w);
}

static void test_the_rollback_floor_survives_a_lost_sync_db(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    release(&w, 2, NULL);
    serve(&w, NULL);
    assert_int_equal(cycle(&w, NULL, NULL), DK_OK);
    assert_int_equal(installed(&w), 2);
    char path[4096];
    const char *files[] = {"sync.db", "sync.db-wal", "sync.db-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", w.data, files[i]);
        unlink(path);
    }
    tool(NULL, 0, "timestamp '%s' --key '%s' --manifest 1 --ts-version 900", w.www, w.key);
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_ERR_PROTOCOL);
    assert_true(has(st.last_error, "older than release 2"));
    assert_int_equal(installed(&w), 2);
    world_free(&w);
}

static void test_a_power_cut_after_the_switch_is_repaired(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    release(&w, 2, NULL);
    serve(&w, NULL);
    assert_int_equal(cycle(&w, NULL, NULL), DK_OK);
    /* As if the power went after content.db was switched but before manifest.signed and
     * sync.db were written: */
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.signed", w.data);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/sync.db", w.data);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE state SET manifest_version = 0", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    assert_int_equal(st.last_result, DK_SYNC_CURRENT);
    snprintf(path, sizeof path, "%s/manifest.signed", w.data);
    assert_true(dk_fs_exists(path));
    assert_int_equal(installed(&w), 2);
    world_free(&w);
}

static void test_a_damaged_sync_db_is_set_aside(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    dkt_write(w.data, "sync.db",
              "this is not a database, just bytes on a bad disk........"
              "................................................");
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    assert_int_equal(installed(&w), 1);
    char path[4096];
    snprintf(path, sizeof path, "%s/sync.db.damaged", w.data);
    assert_true(dk_fs_exists(path));
    world_free(&w);
}

static void test_one_sync_per_data_folder(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/sync.lock", w.data);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0); /* another process syncing */
    dk_sync_status st;
    assert_int_equal(cycle(&w, NULL, &st), DK_ERR_EXISTS);
    assert_true(has(st.last_error, "another sync"));
    close(fd);
    assert_int_equal(cycle(&w, NULL, &st), DK_OK);
    world_free(&w);
}

typedef struct news {
    atomic_int status, content;
} news;

static void count_news(void *arg, dk_sync_event ev)
{
    news *n = arg;
    if (ev == DK_SYNC_EVENT_CONTENT)
        atomic_fetch_add(&n->content, 1);
    else
        atomic_fetch_add(&n->status, 1);
}

static void wait_until(dk_sync *s, int (*done)(const dk_sync_status *), double seconds)
{
    double until = dk_http_monotonic() + seconds;
    dk_sync_status st;
    for (;;) {
        dk_sync_get_status(s, &st);
        if (done(&st))
            return;
        assert_true(dk_http_monotonic() < until);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int finished_once(const dk_sync_status *st)
{
    return st->last_result != DK_SYNC_NONE && !st->running;
}

static int downloading(const dk_sync_status *st)
{
    return st->running && strcmp(st->phase, "objects") == 0;
}

static void test_the_worker_syncs_on_request_and_stops_mid_download(void **state)
{
    world w;
    world_init(&w);
    release(&w, 1, NULL);
    serve(&w, NULL);
    news n;
    atomic_init(&n.status, 0);
    atomic_init(&n.content, 0);
    dk_sync *s = NULL;
    dk_sync_options opt = {w.bundle, "test", count_news, &n, NULL};
    assert_int_equal(dk_sync_new(&w.cfg, &opt, &s), DK_OK);
    assert_int_equal(dk_sync_start(s), DK_OK);
    assert_int_equal(dk_sync_start(s), DK_ERR_INVALID);
    dk_sync_request_now(s); /* without it, the first cycle comes after DK_SYNC_FIRST_DELAY_S */
    wait_until(s, finished_once, 20);
    dk_sync_status st;
    dk_sync_get_status(s, &st);
    assert_int_equal(st.last_result, DK_SYNC_UPDATED);
    assert_true(st.next_attempt >= st.last_attempt + 500); /* 600 s +-10 % */
    assert_int_equal(atomic_load(&n.content), 1);
    assert_true(atomic_load(&n.status) >= 3);
    /* Release 2 comes through a server that drips: the worker is stopped in the middle. */
    release(&w, 2, NULL);
    const char *const drip[] = {"--fault", "drip@/objects/", NULL};
    dk_sync_stop(s);
    dk_sync_free(s);
    serve(&w, drip);
    w.cfg.sync_low_speed_bytes_s = 1; /* so that only stop() ends the drip */
    w.cfg.sync_low_speed_time_s = 600;
    assert_int_equal(dk_sync_new(&w.cfg, &opt, &s), DK_OK);
    assert_int_equal(dk_sync_start(s), DK_OK);
    dk_sync_request_now(s);
    wait_until(s, downloading, 20);
    double t0 = dk_http_monotonic();
    dk_sync_stop(s);
    double took = dk_http_monotonic() - t0;
    print_message("stop took %.3f s\n", took);
    assert_true(took < 2.0);
    dk_sync_get_status(s, &st);
    assert_false(st.running);
    assert_int_equal(st.last_result, DK_SYNC_UPDATED); /* a stop is not recorded as a failure */
    dk_sync_free(s);
    assert_int_equal(installed(&w), 1);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_schedule_has_jitter_and_backs_off),
        cmocka_unit_test(test_settings_that_cannot_work_are_refused_in_plain_words),
        cmocka_unit_test(test_a_cycle_installs_a_release_and_keeps_its_state),
        cmocka_unit_test(test_a_release_naming_a_registration_key_changes_the_sealing_key_at_once),
        cmocka_unit_test(test_a_full_disk_during_download_keeps_the_old_release),
        cmocka_unit_test(test_the_time_floor_beats_a_clock_at_1970),
        cmocka_unit_test(test_a_release_can_hand_over_to_a_new_key),
        cmocka_unit_test(test_the_rollback_floor_survives_a_lost_sync_db),
        cmocka_unit_test(test_a_power_cut_after_the_switch_is_repaired),
        cmocka_unit_test(test_a_damaged_sync_db_is_set_aside),
        cmocka_unit_test(test_one_sync_per_data_folder),
        cmocka_unit_test(test_the_worker_syncs_on_request_and_stops_mid_download),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
