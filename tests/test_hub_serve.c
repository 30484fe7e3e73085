/* test_hub_serve.c: the hub's HTTP server: strict paths, Range and ETag handling, and a real
 * server on a loopback port answering release files and heartbeats, with JSON errors. */
#include "test_hub_support.h"

#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_pack.h"
#include "hub_db.h"
#include "hub_devices.h"
#include "hub_release.h"
#include "hub_serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- pure functions ---- */

static void test_only_exact_release_paths_route(void **state)
{
    (void)state;
    const char *hash = "049c5a9b1f25afd801fabcf1213680b4f4e56c7c0d435e414511bdcdd5a92942";
    char path[128];
    assert_int_equal(hub_route_parse("/timestamp.signed").kind, HUB_ROUTE_TIMESTAMP);
    assert_int_equal(hub_route_parse("/api/v1/heartbeat").kind, HUB_ROUTE_HEARTBEAT);
    hub_route r = hub_route_parse("/manifests/12.signed");
    assert_int_equal(r.kind, HUB_ROUTE_MANIFEST);
    assert_int_equal(r.version, 12);
    snprintf(path, sizeof path, "/objects/%s", hash);
    r = hub_route_parse(path);
    assert_int_equal(r.kind, HUB_ROUTE_OBJECT);
    assert_string_equal(r.hash, hash);
    const char *bad[] = {"/", "", "/timestamp.signed/", "//timestamp.signed", "/manifests/0.signed",
                         "/manifests/01.signed", "/manifests/-1.signed", "/manifests/1.signed.tmp",
                         "/manifests/1", "/manifests/1234567890123456789.signed",
                         "/manifests/../hub.db", "/objects/../hub.db", "/objects/",
                         "/objects/049C5A9B1F25AFD801FABCF1213680B4F4E56C7C0D435E414511BDCDD5A92942",
                         "/api/v1/heartbeat/", "/api/v2/heartbeat", "/hub.db", "/keys/signing.key"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hub_route_parse(bad[i]).kind, HUB_ROUTE_NONE);
    snprintf(path, sizeof path, "/objects/%s/", hash);
    assert_int_equal(hub_route_parse(path).kind, HUB_ROUTE_NONE);
    snprintf(path, sizeof path, "/objects/%.63s", hash);
    assert_int_equal(hub_route_parse(path).kind, HUB_ROUTE_NONE);
    assert_int_equal(hub_route_parse(NULL).kind, HUB_ROUTE_NONE);
}

static void test_single_ranges_and_what_is_ignored(void **state)
{
    (void)state;
    uint64_t s, n;
    assert_int_equal(hub_range_parse(NULL, 100, &s, &n), HUB_RANGE_NONE);
    assert_int_equal(n, 100);
    assert_int_equal(hub_range_parse("bytes=0-9", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 0 && n == 10);
    assert_int_equal(hub_range_parse("bytes=90-", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 90 && n == 10);
    assert_int_equal(hub_range_parse("bytes=90-1000", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 90 && n == 10);
    assert_int_equal(hub_range_parse("bytes=-30", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 70 && n == 30);
    assert_int_equal(hub_range_parse("bytes=-300", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 0 && n == 100);
    assert_int_equal(hub_range_parse("bytes=99-99", 100, &s, &n), HUB_RANGE_PARTIAL);
    assert_true(s == 99 && n == 1);
    assert_int_equal(hub_range_parse("bytes=100-", 100, &s, &n), HUB_RANGE_UNSATISFIABLE);
    assert_int_equal(hub_range_parse("bytes=-0", 100, &s, &n), HUB_RANGE_UNSATISFIABLE);
    assert_int_equal(hub_range_parse("bytes=0-", 0, &s, &n), HUB_RANGE_UNSATISFIABLE);
    /* Ignored (the whole file is a correct answer): several ranges, bad syntax, other units. */
    const char *ignored[] = {"bytes=0-1,5-6", "bytes=5-1", "items=0-1", "bytes=a-b", "bytes=1-2x",
                             "bytes=", "bytes 0-1", "bytes=99999999999999999999-"};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        assert_int_equal(hub_range_parse(ignored[i], 100, &s, &n), HUB_RANGE_NONE);
}

static void test_etag_lists(void **state)
{
    (void)state;
    assert_true(hub_etag_matches("\"abc\"", "\"abc\""));
    assert_true(hub_etag_matches("\"x\", \"abc\"", "\"abc\""));
    assert_true(hub_etag_matches("W/\"abc\"", "\"abc\""));
    assert_true(hub_etag_matches("*", "\"abc\""));
    assert_false(hub_etag_matches("\"abcd\"", "\"abc\""));
    assert_false(hub_etag_matches("abc", "\"abc\""));
    assert_false(hub_etag_matches("\"ab", "\"abc\""));
    assert_false(hub_etag_matches(NULL, "\"abc\""));
    assert_false(hub_etag_matches("", "\"abc\""));
}

/* ---- a real server on a loopback port ---- */

typedef struct reply {
    int status;
    char head[4096];
    char *body;
    size_t body_len;
} reply;

/* Sends raw (a whole HTTP/1.1 request) to 127.0.0.1:port and reads the reply until close. */
static reply http(unsigned port, const char *raw, size_t rawlen)
{
    reply r;
    memset(&r, 0, sizeof r);
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
    size_t sent = 0;
    while (sent < rawlen) {
        ssize_t n = send(fd, raw + sent, rawlen - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may close early (413): read what it said */
        sent += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (len + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    assert_non_null(end);
    size_t hl = (size_t)(end - buf);
    assert_true(hl < sizeof r.head);
    memcpy(r.head, buf, hl);
    r.head[hl] = '\0';
    assert_memory_equal(r.head, "HTTP/1.1 ", 9);
    r.status = (int)strtol(r.head + 9, NULL, 10);
    r.body_len = len - hl - 4;
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, end + 4, r.body_len);
    r.body[r.body_len] = '\0';
    free(buf);
    return r;
}

static reply get(unsigned port, const char *path, const char *extra)
{
    char req[2048];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
                     path, extra ? extra : "");
    return http(port, req, (size_t)n);
}

static reply post(unsigned port, const char *token, const char *body, size_t len)
{
    size_t cap = len + 1024;
    char *req = malloc(cap);
    assert_non_null(req);
    int n = snprintf(req, cap,
                     "POST /api/v1/heartbeat HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\n%s%s%sContent-Length: %zu\r\n\r\n",
                     token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                     len);
    memcpy(req + n, body, len);
    reply r = http(port, req, (size_t)n + len);
    free(req);
    return r;
}

static int has_header(const reply *r, const char *line)
{
    return strstr(r->head, line) != NULL;
}

static void reply_free(reply *r)
{
    free(r->body);
}

typedef struct served {
    hubt t;
    hub_server *srv;
    unsigned port;
    char token[HUB_TOKEN_HEX];
    char object[DK_SHA256_HEX];
    hub_publish_summary pub;
} served;

static void serve_published(served *s)
{
    memset(s, 0, sizeof *s);
    hubt_setup(&s->t);
    s->t.cfg.max_request_bytes = 1024;
    s->t.site->cfg = s->t.cfg;
    char *content = dkt_make_content();
    dk_problems pr;
    dk_problems_init(&pr);
    hub_import_summary sum;
    assert_int_equal(hub_import(s->t.site, content, &pr, &sum), DK_OK);
    dk_problems_free(&pr);
    dkt_rmdir(content);
    assert_int_equal(hub_publish(s->t.site, (long long)time(NULL), &s->pub), DK_OK);
    assert_int_equal(hub_device_add(s->t.site, "hoerde-foyer", s->token), DK_OK);
    assert_int_equal(hub_server_start(s->t.site, &s->srv), DK_OK);
    s->port = hub_server_port(s->srv);
    assert_true(s->port > 0);
    snprintf(s->object, sizeof s->object, "%s", s->pub.release.content_sha256);
}

static void serve_stop(served *s)
{
    hub_server_stop(s->srv);
    hubt_teardown(&s->t);
}

static void test_timestamp_with_etag_and_304(void **state)
{
    (void)state;
    served s;
    serve_published(&s);
    reply r = get(s.port, "/timestamp.signed", NULL);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Cache-Control: no-cache"));
    char *file = dkt_read(s.t.tmp, "data/site/timestamp.signed", NULL);
    assert_string_equal(r.body, file);
    char sha[DK_SHA256_HEX], etag[128];
    dk_sha256_hex(file, strlen(file), sha);
    snprintf(etag, sizeof etag, "ETag: \"%s\"", sha);
    assert_true(has_header(&r, etag));
    reply_free(&r);

    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: \"%s\"\r\n", sha);
    r = get(s.port, "/timestamp.signed", inm);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    reply_free(&r);

    /* Re-signing changes the body and the ETag; the old one no longer matches. */
    long long next = 0;
    assert_int_equal(hub_server_tick(s.srv, (long long)time(NULL) + s.t.cfg.timestamp_lifetime_s, &next),
                     DK_OK);
    r = get(s.port, "/timestamp.signed", inm);
    assert_int_equal(r.status, 200);
    assert_false(has_header(&r, etag));
    assert_string_not_equal(r.body, file);
    reply_free(&r);
    free(file);
    serve_stop(&s);
}

static void test_objects_are_immutable_and_ranged(void **state)
{
    (void)state;
    served s;
    serve_published(&s);
    char path[128];
    snprintf(path, sizeof path, "/objects/%s", s.object);
    reply r = get(s.port, path, NULL);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Cache-Control: public, max-age=31536000, immutable"));
    assert_true(has_header(&r, "Accept-Ranges: bytes"));
    char sha[DK_SHA256_HEX];
    dk_sha256_hex(r.body, r.body_len, sha);
    assert_string_equal(sha, s.object);
    size_t full = r.body_len;
    reply_free(&r);

    r = get(s.port, path, "Range: bytes=10-19\r\n");
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 10);
    char cr[96];
    snprintf(cr, sizeof cr, "Content-Range: bytes 10-19/%zu", full);
    assert_true(has_header(&r, cr));
    reply_free(&r);

    r = get(s.port, path, "Range: bytes=999999-\r\n");
    assert_int_equal(r.status, 416);
    snprintf(cr, sizeof cr, "Content-Range: bytes */%zu", full);
    assert_true(has_header(&r, cr));
    assert_non_null(strstr(r.body, "\"error\":\"range_not_satisfiable\""));
    reply_free(&r);

    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: \"%s\"\r\n", s.object);
    r = get(s.port, path, inm);
    assert_int_equal(r.status, 304);
    reply_free(&r);

    r = get(s.port, "/manifests/1.signed", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, s.pub.release.manifest_length);
    reply_free(&r);
    serve_stop(&s);
}

static void test_bad_paths_and_methods_get_json_errors(void **state)
{
    (void)state;
    served s;
    serve_published(&s);
    const char *paths[] = {"/hub.db", "/keys/signing.key", "/objects/../hub.db",
                           "/objects/%2e%2e/hub.db", "/manifests/2.signed", "/manifests/01.signed",
                           "/objects/0000000000000000000000000000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        reply r = get(s.port, paths[i], NULL);
        assert_int_equal(r.status, 404);
        assert_true(has_header(&r, "Content-Type: application/json"));
        assert_non_null(strstr(r.body, "\"error\":\"not_found\""));
        assert_non_null(strstr(r.body, "\"message\":"));
        reply_free(&r);
    }
    const char *del = "DELETE /timestamp.signed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    reply r = http(s.port, del, strlen(del));
    assert_int_equal(r.status, 405);
    assert_true(has_header(&r, "Allow: GET, HEAD"));
    reply_free(&r);
    r = get(s.port, "/api/v1/heartbeat", NULL);
    assert_int_equal(r.status, 401); /* the API checks the token first (docs/protocol.md) */
    reply_free(&r);
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", s.token);
    r = get(s.port, "/api/v1/heartbeat", auth);
    assert_int_equal(r.status, 405);
    assert_true(has_header(&r, "Allow: POST"));
    reply_free(&r);
    serve_stop(&s);
}

static void test_heartbeat_needs_a_known_token_and_a_small_body(void **state)
{
    (void)state;
    served s;
    serve_published(&s);
    const char *body = "{\"content_version\":1,\"last_result\":\"ok\",\"backlog\":2,\"unknown\":true}";
    reply r = post(s.port, s.token, body, strlen(body));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"ok\":true,\"time\":\""));
    reply_free(&r);
    hub_device *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_db_devices(s.t.site->db, &list, &n), DK_OK);
    assert_int_equal(n, 1);
    assert_true(list[0].has_heartbeat);
    assert_int_equal(list[0].hb.backlog, 2);
    assert_string_equal(list[0].hb.last_result, "ok");
    free(list);

    r = post(s.port, NULL, body, strlen(body));
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"error\":\"no_token\""));
    reply_free(&r);
    char wrong[HUB_TOKEN_HEX];
    memcpy(wrong, s.token, sizeof wrong);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    r = post(s.port, wrong, body, strlen(body));
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"error\":\"bad_token\""));
    reply_free(&r);
    char form[512];
    int flen = snprintf(form, sizeof form,
                        "POST /api/v1/heartbeat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        "Authorization: Bearer %s\r\nContent-Type: application/x-www-form-"
                        "urlencoded\r\nContent-Length: 2\r\n\r\n{}", s.token);
    r = http(s.port, form, (size_t)flen);
    assert_int_equal(r.status, 415);
    reply_free(&r);
    r = post(s.port, s.token, "{\"backlog\":\"many\"}", 18);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "backlog"));
    reply_free(&r);

    char big[4096];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    r = post(s.port, s.token, big, sizeof big); /* max_request_bytes is 1024 here */
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"error\":\"too_large\""));
    reply_free(&r);

    /* The same body, chunked (no Content-Length): read up to a bound, then 413. */
    char chunked[8192];
    int len = snprintf(chunked, sizeof chunked,
                       "POST /api/v1/heartbeat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n1000\r\n",
                       s.token);
    memcpy(chunked + len, big, sizeof big);
    len += (int)sizeof big;
    len += snprintf(chunked + len, sizeof chunked - (size_t)len, "\r\n0\r\n\r\n");
    r = http(s.port, chunked, (size_t)len);
    assert_int_equal(r.status, 413);
    reply_free(&r);
    serve_stop(&s);
}

static void test_plain_http_is_refused_off_loopback_and_tls_needs_both_files(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_server *srv = NULL;
    snprintf(t.site->cfg.listen_address, sizeof t.site->cfg.listen_address, "0.0.0.0");
    assert_int_equal(hub_server_start(t.site, &srv), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "loopback"));
    t.site->cfg.allow_plain_http = 0;
    snprintf(t.site->cfg.listen_address, sizeof t.site->cfg.listen_address, "127.0.0.1");
    assert_int_equal(hub_server_start(t.site, &srv), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "tls_cert"));
    snprintf(t.site->cfg.tls_cert, sizeof t.site->cfg.tls_cert, "%s/cert.pem", t.tmp);
    assert_int_equal(hub_server_start(t.site, &srv), DK_ERR_INVALID); /* key missing */
    snprintf(t.site->cfg.tls_key, sizeof t.site->cfg.tls_key, "%s/key.pem", t.tmp);
    assert_int_equal(hub_server_start(t.site, &srv), DK_ERR_NOTFOUND); /* files missing */
    assert_null(srv);
    hubt_teardown(&t);
}

static int log_has(const char *text)
{
    char lines[DK_LOG_RING_LINES][DK_LOG_LINE_MAX];
    int n = dk_log_recent(lines, DK_LOG_RING_LINES);
    for (int i = 0; i < n; i++)
        if (strstr(lines[i], text))
            return 1;
    return 0;
}

static void test_an_expiring_release_is_warned_about(void **state)
{
    (void)state;
    served s;
    serve_published(&s);
    long long now = (long long)time(NULL), next = 0;
    assert_int_equal(hub_server_tick(s.srv, now, &next), DK_OK);
    assert_false(log_has("to renew it"));
    /* 365 days: the warning comes in the last 30. */
    assert_int_equal(hub_server_tick(s.srv, now + 336 * 86400LL, &next), DK_OK);
    assert_true(log_has("release 1 expires"));
    assert_true(log_has("to renew it"));
    serve_stop(&s);
}

static void test_nothing_published_is_a_json_404(void **state)
{
    (void)state;
    hubt t;
    hubt_setup(&t);
    hub_server *srv = NULL;
    assert_int_equal(hub_server_start(t.site, &srv), DK_OK);
    reply r = get(hub_server_port(srv), "/timestamp.signed", NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"error\":\"no_release\""));
    reply_free(&r);
    long long next = 0;
    assert_int_equal(hub_server_tick(srv, (long long)time(NULL), &next), DK_OK);
    hub_server_stop(srv);
    hubt_teardown(&t);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_exact_release_paths_route),
        cmocka_unit_test(test_single_ranges_and_what_is_ignored),
        cmocka_unit_test(test_etag_lists),
        cmocka_unit_test(test_timestamp_with_etag_and_304),
        cmocka_unit_test(test_objects_are_immutable_and_ranged),
        cmocka_unit_test(test_bad_paths_and_methods_get_json_errors),
        cmocka_unit_test(test_heartbeat_needs_a_known_token_and_a_small_body),
        cmocka_unit_test(test_plain_http_is_refused_off_loopback_and_tls_needs_both_files),
        cmocka_unit_test(test_an_expiring_release_is_warned_about),
        cmocka_unit_test(test_nothing_published_is_a_json_404),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
