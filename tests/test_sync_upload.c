/* test_sync_upload.c: the sync worker's registration upload (dk_sync, docs/protocol.md "POST
 * /api/v1/registrations") against tests/dk_testserver.c, which answers like the hub and can
 * misbehave: records go oldest first with the token, their key and their stored bytes; each
 * reply in the protocol's table gets its action (2xx delete, 400/409/413 quarantine, 401, 429,
 * 5xx, no answer and the rest keep and retry, stopping the batch); a reply lost on the way is
 * answered by a replay and the hub keeps one record; uploads work when the content does not and
 * the other way round; a damaged row is set aside; the worker sends a new record at once and
 * retries a failed one on its own; the counts reach the status and the heartbeat. */
#include "dk_test.h"
#include "dk_test_server.h"

#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_http.h"
#include "dk_outbox.h"
#include "dk_pack.h"
#include "dk_sync.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "test-token-0123456789"

typedef struct world {
    char *dir, *content;
    char bundle[4096], data[4096], www[4096], key[4096], pub[80];
    char regs[4096], heartbeats[4096], log[4096];
    unsigned char hub_pk[crypto_box_PUBLICKEYBYTES], hub_sk[crypto_box_SECRETKEYBYTES];
    dkt_server srv;
    dk_config cfg;
} world;

static void tool_keygen(world *w)
{
    const char *prog = getenv("DK_SYNCTOOL");
    assert_non_null(prog);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' keygen '%s'", prog, w->key);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(w->pub, 1, sizeof w->pub - 1, p);
    w->pub[n] = '\0';
    assert_int_equal(pclose(p), 0);
    w->pub[strcspn(w->pub, "\n")] = '\0';
}

static void release1(world *w)
{
    const char *prog = getenv("DK_SYNCTOOL");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s' release '%s' '%s' --key '%s' --version 1 >/dev/null", prog,
             w->content, w->www, w->key);
    assert_int_equal(system(cmd), 0);
}

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(dk_crypto_init(), DK_OK);
    w->dir = dkt_mkdtemp("upload");
    w->content = dkt_make_content();
    snprintf(w->bundle, sizeof w->bundle, "%s/bundle", w->dir);
    snprintf(w->data, sizeof w->data, "%s/data", w->dir);
    snprintf(w->www, sizeof w->www, "%s/www", w->dir);
    snprintf(w->key, sizeof w->key, "%s/key", w->dir);
    snprintf(w->regs, sizeof w->regs, "%s/registrations.log", w->dir);
    snprintf(w->heartbeats, sizeof w->heartbeats, "%s/heartbeats.log", w->dir);
    snprintf(w->log, sizeof w->log, "%s/server.log", w->dir);
    dk_problems problems;
    dk_problems_init(&problems);
    dk_pack_options opt = {0, NULL};
    assert_int_equal(dk_pack(w->content, w->bundle, &opt, &problems, NULL), DK_OK);
    dk_problems_free(&problems);
    assert_int_equal(dk_fs_mkdirs(w->data, 0755), DK_OK);
    assert_int_equal(dk_bundle_install(w->bundle, w->data), DK_OK);
    assert_int_equal(dk_fs_mkdirs(w->www, 0755), DK_OK);
    tool_keygen(w);
    release1(w);
    crypto_box_keypair(w->hub_pk, w->hub_sk);
    dk_config_defaults(&w->cfg);
    snprintf(w->cfg.data_dir, sizeof w->cfg.data_dir, "%s", w->data);
    snprintf(w->cfg.bundle_dir, sizeof w->cfg.bundle_dir, "%s", w->bundle);
    snprintf(w->cfg.trusted_keys, sizeof w->cfg.trusted_keys, "%s", w->pub);
    snprintf(w->cfg.device_token, sizeof w->cfg.device_token, "%s", TOKEN);
    w->cfg.sync_allow_http = 1;
    w->cfg.sync_connect_timeout_s = 3;
    w->cfg.sync_low_speed_bytes_s = 100;
    w->cfg.sync_low_speed_time_s = 3;
    w->cfg.registration_retry_min_s = 1; /* the tests wait for retries */
    w->cfg.registration_retry_max_s = 2;
}

/* Serves the release with the registrations endpoint and extra flags (NULL-terminated). */
static void serve(world *w, const char *const *extra)
{
    dkt_server_stop(&w->srv);
    const char *flags[24] = {"--token",      TOKEN,         "--registrations", w->regs,
                             "--heartbeats", w->heartbeats, "--log",           w->log};
    int n = 8;
    for (int i = 0; extra && extra[i] && n < 23; i++)
        flags[n++] = extra[i];
    flags[n] = NULL;
    dkt_server_start(&w->srv, w->www, flags);
    snprintf(w->cfg.hub_url, sizeof w->cfg.hub_url, "%s", w->srv.url);
}

static void world_free(world *w)
{
    dkt_server_stop(&w->srv);
    sodium_memzero(w->hub_sk, sizeof w->hub_sk);
    dkt_rmdir(w->content);
    dkt_rmdir(w->dir);
}

/* Stores n registrations as the kiosk does; their keys go to keys[i] (may be NULL). */
static void add(world *w, int n, char keys[][DK_OUTBOX_IDEM_KEY_HEX])
{
    dk_outbox_options oo;
    dk_sync_outbox_options(&w->cfg, &oo);
    dk_outbox *ob = NULL;
    assert_int_equal(dk_outbox_open(w->data, &oo, &ob), DK_OK);
    for (int i = 0; i < n; i++) {
        dk_signup r;
        dk_signup_wipe(&r);
        snprintf(r.name, sizeof r.name, "Ayşe Yılmaz %d", i);
        snprintf(r.email, sizeof r.email, "ayse%d@example.de", i);
        snprintf(r.groups[0], sizeof r.groups[0], "hoerde-ag-see");
        r.group_count = 1;
        snprintf(r.district, sizeof r.district, "hoerde");
        r.age_confirmed = r.consent = true;
        snprintf(r.consent_version, sizeof r.consent_version, "v1");
        r.language = DK_LANG_TR;
        r.created = (int64_t)time(NULL);
        char key[DK_OUTBOX_IDEM_KEY_HEX];
        assert_int_equal(dk_outbox_add(ob, &r, w->hub_pk, key), DK_OK);
        dk_signup_wipe(&r);
        if (keys)
            memcpy(keys[i], key, sizeof key);
    }
    dk_outbox_close(ob);
}

static dk_outbox_stats stats(const world *w)
{
    dk_outbox *ob = NULL;
    dk_outbox_stats s;
    assert_int_equal(dk_outbox_open(w->data, NULL, &ob), DK_OK);
    assert_int_equal(dk_outbox_stats_get(ob, (int64_t)time(NULL), &s), DK_OK);
    dk_outbox_close(ob);
    return s;
}

/* SHA-256 (hex) of each waiting record's stored bytes, oldest first; returns how many. */
static int stored_hashes(const world *w, char out[][DK_SHA256_HEX], int max)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", w->data, DK_OUTBOX_FILE);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM outbox ORDER BY id", -1, &q, NULL),
                     SQLITE_OK);
    int n = 0;
    while (n < max && sqlite3_step(q) == SQLITE_ROW) {
        dk_sha256_hex(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), out[n]);
        n++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static dk_err cycle(world *w, dk_sync_status *st)
{
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w->cfg, NULL, &s), DK_OK);
    dk_err err = dk_sync_run_cycle(s);
    if (st)
        dk_sync_get_status(s, st);
    dk_sync_free(s);
    return err;
}

/* The server's registration log ("KEY LENGTH SHA256 OUTCOME" lines), "" if none. */
static char *server_log(const world *w, const char *name)
{
    char *dir = strdup(w->dir);
    size_t len = 0;
    char *text = dkt_read(dir, name, &len);
    free(dir);
    return text ? text : strdup("");
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static int has(const char *text, const char *words)
{
    if (strstr(text, words))
        return 1;
    print_message("text: %s\n", text);
    return 0;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void test_records_go_oldest_first_with_their_key_and_bytes(void **state)
{
    world w;
    world_init(&w);
    serve(&w, NULL);
    char keys[3][DK_OUTBOX_IDEM_KEY_HEX], sha[3][DK_SHA256_HEX];
    add(&w, 3, keys);
    assert_int_equal(stored_hashes(&w, sha, 3), 3);
    dk_sync_status st;
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 3);
    assert_int_equal(st.backlog, 0);
    assert_int_equal(st.quarantined, 0);
    assert_string_equal(st.upload_error, "");
    assert_true(st.last_upload > 0);
    char *log = server_log(&w, "registrations.log");
    const char *p = log;
    for (int i = 0; i < 3; i++) { /* in the order they were stored, the bytes unchanged */
        const char *line = strstr(p, keys[i]);
        assert_non_null(line);
        assert_true(line >= p);
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        char row[256];
        snprintf(row, sizeof row, "%.*s", (int)(nl - line), line);
        assert_non_null(strstr(row, sha[i]));
        assert_non_null(strstr(row, " stored"));
        p = nl;
    }
    assert_int_equal(count(log, " stored"), 3);
    free(log);
    dk_outbox_stats os = stats(&w);
    assert_int_equal(os.backlog, 0);
    /* The heartbeat after the upload says so. */
    char *hb = server_log(&w, "heartbeats.log");
    assert_true(has(hb, "\"backlog\":0"));
    assert_true(has(hb, "\"quarantined\":0"));
    free(hb);
    /* Nothing left: the next cycle sends nothing. */
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 0);
    /* The time floor a registration's "created" respects (max(now, floor)): the newest issued
     * time seen, the timestamp's (dk-synctool: a minute ago), kept in sync.db. */
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    long long floor_s = dk_sync_time_floor(s), now = (long long)time(NULL);
    assert_true(floor_s >= now - 75 && floor_s <= now - 45);
    dk_sync_free(s);
    world_free(&w);
}

static void test_a_record_the_hub_refuses_is_quarantined_and_the_rest_go_on(void **state)
{
    const int statuses[] = {400, 409, 413};
    for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++) {
        world w;
        world_init(&w);
        char fault[64];
        snprintf(fault, sizeof fault, "status:%d@/api/v1/registrations#1", statuses[k]);
        const char *const flags[] = {"--fault", fault, NULL};
        serve(&w, flags);
        char keys[3][DK_OUTBOX_IDEM_KEY_HEX];
        add(&w, 3, keys);
        dk_sync_status st;
        assert_int_equal(cycle(&w, &st), DK_OK);
        assert_int_equal(st.uploaded, 2);
        assert_int_equal(st.backlog, 0);
        assert_int_equal(st.quarantined, 1);
        dk_outbox_stats os = stats(&w);
        assert_int_equal(os.quarantined, 1);
        assert_int_equal(os.backlog, 0);
        char *log = server_log(&w, "registrations.log");
        assert_null(strstr(log, keys[0])); /* refused before it was stored */
        assert_non_null(strstr(log, keys[1]));
        assert_non_null(strstr(log, keys[2]));
        free(log);
        char *hb = server_log(&w, "heartbeats.log");
        assert_true(has(hb, "\"quarantined\":1"));
        free(hb);
        /* The quarantine keeps the record sealed, with the reason, for staff. */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", w.data, DK_OUTBOX_FILE);
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(
            sqlite3_prepare_v2(db, "SELECT idem_key, reason FROM quarantine", -1, &q, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(q, 0), keys[0]);
        char want[32];
        snprintf(want, sizeof want, "(%d)", statuses[k]);
        assert_true(has((const char *)sqlite3_column_text(q, 1), want));
        sqlite3_finalize(q);
        sqlite3_close(db);
        world_free(&w);
    }
}

static void test_a_refused_token_keeps_every_record_and_says_so(void **state)
{
    world w;
    world_init(&w);
    serve(&w, NULL);
    add(&w, 3, NULL);
    snprintf(w.cfg.device_token, sizeof w.cfg.device_token, "not-the-token");
    dk_sync_status st;
    assert_int_equal(cycle(&w, &st), DK_OK); /* the release files need no token */
    assert_int_equal(st.uploaded, 0);
    assert_int_equal(st.backlog, 3);
    assert_int_equal(st.quarantined, 0);
    assert_true(has(st.upload_error, "refused this kiosk's device token (401)"));
    assert_null(strstr(st.upload_error, "not-the-token"));
    dk_outbox_stats os = stats(&w);
    assert_int_equal(os.backlog, 3);
    assert_int_equal(os.max_attempts, 1);
    assert_int_equal(os.due, 2); /* one was tried: the batch stopped there */
    char *log = server_log(&w, "server.log");
    assert_int_equal(count(log, "POST /api/v1/registrations"), 1);
    free(log);
    /* The right token: all of them go, the one that failed once it is due again. */
    snprintf(w.cfg.device_token, sizeof w.cfg.device_token, "%s", TOKEN);
    sleep_s(1.3);
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 3);
    assert_string_equal(st.upload_error, "");
    assert_int_equal(stats(&w).backlog, 0);
    world_free(&w);
}

static void test_a_busy_or_absent_hub_keeps_the_records_and_stops_the_batch(void **state)
{
    const char *const faults[] = {
        "status:503@/api/v1/registrations", "status:429@/api/v1/registrations",
        "status:500@/api/v1/registrations", "status:404@/api/v1/registrations",
        "status:415@/api/v1/registrations", NULL};
    const char *const words[] = {"the hub is busy (503)", "the hub is busy (429)",
                                 "the hub failed (500)", "the hub answered 404",
                                 "the hub answered 415"};
    for (int k = 0; faults[k]; k++) {
        world w;
        world_init(&w);
        const char *const flags[] = {"--fault", faults[k], NULL};
        serve(&w, flags);
        add(&w, 3, NULL);
        dk_sync_status st;
        assert_int_equal(cycle(&w, &st), DK_OK);
        assert_int_equal(st.uploaded, 0);
        assert_int_equal(st.backlog, 3);
        assert_true(has(st.upload_error, words[k]));
        char *log = server_log(&w, "server.log");
        assert_int_equal(count(log, "POST /api/v1/registrations"), 1);
        free(log);
        assert_int_equal(stats(&w).max_attempts, 1);
        world_free(&w);
    }
    /* No hub at all: the content fails too, the records wait. */
    world w;
    world_init(&w);
    serve(&w, NULL);
    add(&w, 2, NULL);
    dkt_server_stop(&w.srv);
    dk_sync_status st;
    assert_int_not_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.backlog, 2);
    assert_true(has(st.upload_error, "registrations wait: cannot connect"));
    assert_int_equal(stats(&w).max_attempts, 1);
    world_free(&w);
}

static void test_a_lost_reply_is_answered_by_a_replay_and_stored_once(void **state)
{
    world w;
    world_init(&w);
    const char *const flags[] = {"--fault", "lost@/api/v1/registrations#1", NULL};
    serve(&w, flags);
    char keys[3][DK_OUTBOX_IDEM_KEY_HEX];
    add(&w, 3, keys);
    dk_sync_status st;
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 0); /* stored by the server, but the kiosk cannot know */
    assert_int_equal(st.backlog, 3);
    sleep_s(1.3); /* registration_retry_min_s = 1 (+-20 %) */
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 3);
    assert_int_equal(st.backlog, 0);
    char *log = server_log(&w, "registrations.log");
    char line[128];
    snprintf(line, sizeof line, "%s", keys[0]);
    assert_int_equal(count(log, line), 2);      /* sent twice ... */
    assert_int_equal(count(log, " stored"), 3); /* ... stored once, like every other */
    assert_int_equal(count(log, " replay"), 1);
    assert_int_equal(count(log, " conflict"), 0); /* the same bytes: never sealed again */
    free(log);
    world_free(&w);
}

static void test_uploads_do_not_depend_on_the_content(void **state)
{
    world w;
    world_init(&w);
    const char *const broken_content[] = {"--fault", "status:500@/timestamp.signed", NULL};
    serve(&w, broken_content);
    add(&w, 2, NULL);
    dk_sync_status st;
    assert_int_not_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.last_result, DK_SYNC_FAILED);
    assert_int_equal(st.uploaded, 2);
    assert_int_equal(st.backlog, 0);
    /* ... and content does not depend on the uploads. */
    const char *const broken_api[] = {"--fault", "status:503@/api/v1/registrations", NULL};
    serve(&w, broken_api);
    add(&w, 1, NULL);
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.last_result, DK_SYNC_UPDATED);
    assert_int_equal(st.backlog, 1);
    assert_true(has(st.upload_error, "busy"));
    world_free(&w);
}

static void test_a_damaged_row_is_set_aside(void **state)
{
    world w;
    world_init(&w);
    serve(&w, NULL);
    add(&w, 2, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", w.data, DK_OUTBOX_FILE);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* A key of the right length but not lower-case hex: dk_outbox_next calls it damaged. */
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE outbox SET idem_key = upper(idem_key) || '' "
                                  "WHERE id = (SELECT min(id) FROM outbox)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    dk_sync_status st;
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.uploaded, 1);
    assert_int_equal(st.quarantined, 1);
    assert_int_equal(st.backlog, 0);
    world_free(&w);
}

static int drained(const dk_sync_status *st)
{
    return st->backlog == 0 && st->uploaded > 0 && !st->running;
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
        sleep_s(0.02);
    }
}

static void test_the_worker_sends_a_new_record_at_once_and_retries_on_its_own(void **state)
{
    world w;
    world_init(&w);
    const char *const flags[] = {"--fault", "status:503@/api/v1/registrations#1", NULL};
    serve(&w, flags);
    dk_sync *s = NULL;
    assert_int_equal(dk_sync_new(&w.cfg, NULL, &s), DK_OK);
    assert_int_equal(dk_sync_start(s), DK_OK);
    add(&w, 1, NULL);
    double t0 = dk_http_monotonic();
    dk_sync_request_upload(s); /* as the kiosk does after "Thank you" */
    /* The first try meets a busy hub; the worker tries again after registration_retry_min_s
     * by itself, well before its first content cycle (DK_SYNC_FIRST_DELAY_S). */
    wait_until(s, drained, 4);
    double took = dk_http_monotonic() - t0;
    print_message("delivered after %.2f s\n", took);
    assert_true(took < DK_SYNC_FIRST_DELAY_S);
    dk_sync_status st;
    dk_sync_get_status(s, &st);
    assert_int_equal(st.last_result, DK_SYNC_NONE); /* no content cycle ran */
    char *log = server_log(&w, "server.log");
    assert_null(strstr(log, "timestamp.signed"));
    assert_int_equal(count(log, "POST /api/v1/registrations"), 2);
    assert_true(has(log, "POST /api/v1/heartbeat")); /* the hub learns the new backlog */
    free(log);
    /* The time floor of the sync is what a registration's "created" respects. */
    assert_int_equal(dk_sync_time_floor(s), 0);
    dk_sync_stop(s);
    dk_sync_free(s);
    world_free(&w);
}

static void test_without_token_registrations_wait_and_say_why(void **state)
{
    world w;
    world_init(&w);
    serve(&w, NULL);
    add(&w, 1, NULL);
    w.cfg.device_token[0] = '\0';
    dk_sync_status st;
    assert_int_equal(cycle(&w, &st), DK_OK);
    assert_int_equal(st.backlog, 1);
    assert_true(has(st.upload_error, "device_token must be set"));
    assert_int_equal(stats(&w).max_attempts, 0); /* not a failed attempt */
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_go_oldest_first_with_their_key_and_bytes),
        cmocka_unit_test(test_a_record_the_hub_refuses_is_quarantined_and_the_rest_go_on),
        cmocka_unit_test(test_a_refused_token_keeps_every_record_and_says_so),
        cmocka_unit_test(test_a_busy_or_absent_hub_keeps_the_records_and_stops_the_batch),
        cmocka_unit_test(test_a_lost_reply_is_answered_by_a_replay_and_stored_once),
        cmocka_unit_test(test_uploads_do_not_depend_on_the_content),
        cmocka_unit_test(test_a_damaged_row_is_set_aside),
        cmocka_unit_test(test_the_worker_sends_a_new_record_at_once_and_retries_on_its_own),
        cmocka_unit_test(test_without_token_registrations_wait_and_say_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
