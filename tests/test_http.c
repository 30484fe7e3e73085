/* test_http.c: dk_http against tests/dk_testserver.c: caps, conditional GET, resumed downloads
 * (206, a 200 to a range request, 416), refused redirects and plain http, timeouts, cancelling,
 * the bearer token, a full disk, and the plain words every failure is told in. */
#include "dk_test.h"
#include "dk_test_server.h"

#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_http.h"

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BIG 100000 /* [bytes] of the test file */

typedef struct fixture {
    char *dir; /* the served folder is dir/www */
    char www[4096];
    char *big; /* BIG bytes, also at www/big */
    dkt_server srv;
    dk_http *http;
} fixture;

static void setup(fixture *f, const char *const *flags, long low_speed_bytes, long low_speed_s)
{
    memset(f, 0, sizeof *f);
    f->dir = dkt_mkdtemp("http");
    snprintf(f->www, sizeof f->www, "%s/www", f->dir);
    f->big = malloc(BIG);
    assert_non_null(f->big);
    for (size_t i = 0; i < BIG; i++)
        f->big[i] = (char)('a' + (i * 7 + i / 13) % 26);
    dkt_write_bytes(f->www, "big", f->big, BIG);
    dkt_write(f->www, "small.txt", "hello, kiosk\n");
    dkt_server_start(&f->srv, f->www, flags);
    dk_http_options opt = {NULL, NULL, 1, 3, low_speed_bytes, low_speed_s, "test"};
    assert_int_equal(dk_http_new(&opt, &f->http), DK_OK);
}

static void teardown(fixture *f)
{
    dk_http_free(f->http);
    dkt_server_stop(&f->srv);
    free(f->big);
    dkt_rmdir(f->dir);
}

static void url(const fixture *f, const char *path, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", f->srv.url, path);
}

static int detail_has(const char *words)
{
    if (strstr(dk_error_detail(), words))
        return 1;
    print_message("detail: %s\n", dk_error_detail());
    return 0;
}

static void test_get_returns_the_body_and_its_etag_then_304(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256];
    url(&f, "small.txt", u, sizeof u);
    dk_buf body;
    dk_buf_init(&body, 1024);
    dk_http_reply r;
    assert_int_equal(dk_http_get(f.http, u, NULL, 1024, &body, &r), DK_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(body.data, "hello, kiosk\n");
    assert_true(r.etag[0] == '"');
    char etag[DK_HTTP_ETAG_MAX];
    snprintf(etag, sizeof etag, "%s", r.etag);
    assert_int_equal(dk_http_get(f.http, u, etag, 1024, &body, &r), DK_OK);
    assert_int_equal(r.status, 304);
    assert_int_equal(body.len, 0);
    assert_int_equal(dk_http_get(f.http, u, "\"other\"", 1024, &body, &r), DK_OK);
    assert_int_equal(r.status, 200);
    dk_buf_free(&body);
    teardown(&f);
}

static void test_get_refuses_a_body_longer_than_its_cap(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256];
    url(&f, "big", u, sizeof u);
    dk_buf body;
    dk_buf_init(&body, BIG);
    dk_http_reply r;
    assert_int_equal(dk_http_get(f.http, u, NULL, 4096, &body, &r), DK_ERR_LIMIT);
    assert_true(detail_has("sent more than the 4096 bytes expected for /big"));
    assert_int_equal(body.len, 0);
    dk_buf_free(&body);
    teardown(&f);
}

static void test_an_endless_body_is_cut_off_at_the_cap(void **state)
{
    const char *const flags[] = {"--fault", "endless", NULL};
    fixture f;
    setup(&f, flags, 0, 0);
    char u[256];
    url(&f, "small.txt", u, sizeof u);
    dk_buf body;
    dk_buf_init(&body, 1 << 20);
    dk_http_reply r;
    assert_int_equal(dk_http_get(f.http, u, NULL, 65536, &body, &r), DK_ERR_LIMIT);
    assert_true(r.received <= 65536);
    dk_buf_free(&body);
    teardown(&f);
}

static void partial(const fixture *f, const char *name, size_t len)
{
    dkt_write_bytes(f->dir, name, f->big, len);
}

static void assert_file_is_big(const fixture *f, const char *name)
{
    size_t len = 0;
    char *data = dkt_read(f->dir, name, &len);
    assert_non_null(data);
    assert_int_equal(len, BIG);
    assert_memory_equal(data, f->big, BIG);
    free(data);
}

static void test_get_file_resumes_a_partial_file_with_a_range(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    partial(&f, "part", 40000);
    dk_http_reply r;
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_OK);
    assert_int_equal(r.status, 206);
    assert_true(r.resumed);
    assert_int_equal(r.received, BIG - 40000);
    assert_file_is_big(&f, "part");
    /* complete already: no request at all */
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_OK);
    assert_int_equal(r.received, 0);
    assert_file_is_big(&f, "part");
    teardown(&f);
}

static void test_get_file_starts_over_when_a_range_gets_the_whole_file(void **state)
{
    const char *const flags[] = {"--no-range", NULL};
    fixture f;
    setup(&f, flags, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    partial(&f, "part", 40000);
    dk_http_reply r;
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_OK);
    assert_int_equal(r.status, 200);
    assert_false(r.resumed);
    assert_file_is_big(&f, "part");
    teardown(&f);
}

static void test_get_file_takes_416_as_nothing_more_to_fetch(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    partial(&f, "part", BIG);
    dk_http_reply r; /* the caller expected a longer file: the server has nothing past BIG */
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG + 10, &r), DK_OK);
    assert_int_equal(r.status, 416);
    assert_file_is_big(&f, "part");
    teardown(&f);
}

static void test_get_file_discards_a_partial_file_longer_than_the_object(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    char *junk = calloc(1, BIG + 50);
    assert_non_null(junk);
    dkt_write_bytes(f.dir, "part", junk, BIG + 50);
    free(junk);
    dk_http_reply r;
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_OK);
    assert_file_is_big(&f, "part");
    teardown(&f);
}

static void test_get_file_refuses_more_bytes_than_the_object_has(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    dk_http_reply r;
    assert_int_equal(dk_http_get_file(f.http, u, path, 5000, &r), DK_ERR_LIMIT);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size <= 5000);
    teardown(&f);
}

static void test_a_reset_keeps_what_arrived_for_the_next_attempt(void **state)
{
    const char *const flags[] = {"--fault", "reset#1", NULL};
    fixture f;
    setup(&f, flags, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    dk_http_reply r;
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_ERR_NETWORK);
    assert_true(detail_has("broke off while fetching /big"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0 && st.st_size < BIG);
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_OK);
    assert_true(r.resumed);
    assert_file_is_big(&f, "part");
    teardown(&f);
}

static void test_a_full_disk_is_reported_as_such(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    dk_http_reply r;
    dk_fault_arm(2, DK_FAULT_FAIL); /* the second write of the download */
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_ERR_NOSPACE);
    dk_fault_disarm();
    assert_true(detail_has("the disk is full"));
    teardown(&f);
}

static void test_statuses_and_redirects_are_told_in_plain_words(void **state)
{
    const char *const flags[] = {"--fault", "status:500@/small.txt", "--fault", "redirect@/big",
                                 NULL};
    fixture f;
    setup(&f, flags, 0, 0);
    char u[256];
    dk_buf body;
    dk_buf_init(&body, BIG);
    dk_http_reply r;
    url(&f, "small.txt", u, sizeof u);
    assert_int_equal(dk_http_get(f.http, u, NULL, 1024, &body, &r), DK_ERR_PROTOCOL);
    assert_int_equal(r.status, 500);
    assert_true(detail_has("failed with a server error (500) for /small.txt: injected status 500"));
    url(&f, "big", u, sizeof u);
    assert_int_equal(dk_http_get(f.http, u, NULL, BIG, &body, &r), DK_ERR_PROTOCOL);
    assert_true(detail_has("redirects /big to http://127.0.0.1:"));
    assert_true(detail_has("follows no redirects"));
    url(&f, "missing", u, sizeof u);
    assert_int_equal(dk_http_get(f.http, u, NULL, BIG, &body, &r), DK_ERR_NOTFOUND);
    assert_true(detail_has("has no /missing (404)"));
    dk_buf_free(&body);
    teardown(&f);
}

static void test_plain_http_only_for_loopback_when_allowed(void **state)
{
    assert_true(dk_http_is_loopback_url("http://127.0.0.1:8080/x"));
    assert_true(dk_http_is_loopback_url("http://127.9.9.9/"));
    assert_true(dk_http_is_loopback_url("http://localhost/"));
    assert_true(dk_http_is_loopback_url("http://[::1]:99/"));
    assert_false(dk_http_is_loopback_url("http://128.0.0.1/"));
    assert_false(dk_http_is_loopback_url("http://hub.example.org/"));
    assert_false(dk_http_is_loopback_url("not a url"));
    dk_http *h = NULL;
    dk_http_options opt = {NULL, NULL, 0, 1, 0, 0, NULL};
    assert_int_equal(dk_http_new(&opt, &h), DK_OK);
    dk_buf body;
    dk_buf_init(&body, 100);
    dk_http_reply r;
    assert_int_equal(dk_http_get(h, "http://127.0.0.1:1/x", NULL, 100, &body, &r), DK_ERR_PROTOCOL);
    assert_true(detail_has("plain http"));
    dk_http_free(h);
    opt.allow_http_loopback = 1;
    assert_int_equal(dk_http_new(&opt, &h), DK_OK);
    assert_int_equal(dk_http_get(h, "http://hub.example.org/x", NULL, 100, &body, &r),
                     DK_ERR_PROTOCOL);
    assert_int_equal(dk_http_get(h, "ftp://127.0.0.1/x", NULL, 100, &body, &r), DK_ERR_PROTOCOL);
    dk_buf_free(&body);
    dk_http_free(h);
}

static void test_a_server_that_is_down_is_named(void **state)
{
    fixture f;
    setup(&f, NULL, 0, 0);
    char u[256];
    url(&f, "small.txt", u, sizeof u);
    dkt_server_stop(&f.srv);
    dk_buf body;
    dk_buf_init(&body, 100);
    dk_http_reply r;
    assert_int_equal(dk_http_get(f.http, u, NULL, 100, &body, &r), DK_ERR_NETWORK);
    assert_true(detail_has("cannot connect to the server 127.0.0.1:"));
    assert_true(detail_has("refused"));
    dk_buf_free(&body);
    teardown(&f);
}

static void test_a_slow_drip_hits_the_low_speed_limit(void **state)
{
    const char *const flags[] = {"--fault", "drip", NULL};
    fixture f;
    setup(&f, flags, 1000, 1);
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    dk_http_reply r;
    double t0 = dk_http_monotonic();
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_ERR_NETWORK);
    assert_true(dk_http_monotonic() - t0 < 10);
    assert_true(detail_has("sent less than 1000 bytes/s for 1 s"));
    teardown(&f);
}

typedef struct canceller {
    atomic_int *flag;
    long ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    struct timespec ts = {c->ms / 1000, (c->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(c->flag, 1);
    return NULL;
}

static void test_cancel_and_deadline_stop_a_transfer_promptly(void **state)
{
    const char *const flags[] = {"--fault", "drip", NULL};
    fixture f;
    setup(&f, flags, 0, 0); /* no low-speed limit: only cancel or deadline end the drip */
    char u[256], path[4096];
    url(&f, "big", u, sizeof u);
    snprintf(path, sizeof path, "%s/part", f.dir);
    atomic_int flag;
    atomic_init(&flag, 0);
    dk_http_set_cancel(f.http, &flag);
    canceller c = {&flag, 300};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
    dk_http_reply r;
    double t0 = dk_http_monotonic();
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_ERR_NETWORK);
    double took = dk_http_monotonic() - t0;
    pthread_join(t, NULL);
    assert_true(took < 2.5);
    assert_true(detail_has("stopped"));
    atomic_store(&flag, 0);
    dkt_server_stop(&f.srv); /* the single-threaded server may still drip to the old socket */
    dkt_server_start(&f.srv, f.www, flags);
    url(&f, "big", u, sizeof u);
    dk_http_set_deadline(f.http, dk_http_monotonic() + 1.0);
    t0 = dk_http_monotonic();
    assert_int_equal(dk_http_get_file(f.http, u, path, BIG, &r), DK_ERR_NETWORK);
    assert_true(dk_http_monotonic() - t0 < 3.0);
    assert_true(detail_has("ran out of time"));
    teardown(&f);
}

static void test_post_json_sends_the_token_and_never_tells_it(void **state)
{
    const char *const flags[] = {"--token", "s3cret-T0KEN", "--heartbeats", "/dev/null", NULL};
    fixture f;
    setup(&f, flags, 0, 0);
    char u[256];
    url(&f, "api/v1/heartbeat", u, sizeof u);
    dk_buf body;
    dk_buf_init(&body, 1024);
    dk_http_reply r;
    const char *json = "{\"stale\":false}";
    assert_int_equal(
        dk_http_post_json(f.http, u, "s3cret-T0KEN", json, strlen(json), 1024, &body, &r), DK_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body.data, "\"ok\":true"));
    assert_int_equal(
        dk_http_post_json(f.http, u, "wrong-T0KEN", json, strlen(json), 1024, &body, &r),
        DK_ERR_PROTOCOL);
    assert_int_equal(r.status, 401);
    assert_true(detail_has("refused access"));
    assert_true(detail_has("This device token is not known"));
    assert_null(strstr(dk_error_detail(), "T0KEN"));
    dk_buf_free(&body);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_returns_the_body_and_its_etag_then_304),
        cmocka_unit_test(test_get_refuses_a_body_longer_than_its_cap),
        cmocka_unit_test(test_an_endless_body_is_cut_off_at_the_cap),
        cmocka_unit_test(test_get_file_resumes_a_partial_file_with_a_range),
        cmocka_unit_test(test_get_file_starts_over_when_a_range_gets_the_whole_file),
        cmocka_unit_test(test_get_file_takes_416_as_nothing_more_to_fetch),
        cmocka_unit_test(test_get_file_discards_a_partial_file_longer_than_the_object),
        cmocka_unit_test(test_get_file_refuses_more_bytes_than_the_object_has),
        cmocka_unit_test(test_a_reset_keeps_what_arrived_for_the_next_attempt),
        cmocka_unit_test(test_a_full_disk_is_reported_as_such),
        cmocka_unit_test(test_statuses_and_redirects_are_told_in_plain_words),
        cmocka_unit_test(test_plain_http_only_for_loopback_when_allowed),
        cmocka_unit_test(test_a_server_that_is_down_is_named),
        cmocka_unit_test(test_a_slow_drip_hits_the_low_speed_limit),
        cmocka_unit_test(test_cancel_and_deadline_stop_a_transfer_promptly),
        cmocka_unit_test(test_post_json_sends_the_token_and_never_tells_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
