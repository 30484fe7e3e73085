/* test_hub_config.c: the hub's settings: defaults and units, all problems at once and nothing
 * half applied, loopback-only plain HTTP, the URL kiosks are given, and a round trip. */
#include "dk_test.h"

#include "hub_config.h"

#include <string.h>

static void test_defaults_are_the_documented_ones(void **state)
{
    (void)state;
    hub_config c;
    hub_config_defaults(&c);
    assert_string_equal(c.data_dir, "/var/lib/district-hub");
    assert_string_equal(c.listen_address, "127.0.0.1");
    assert_int_equal(c.port, 8443);
    assert_int_equal(c.allow_plain_http, 0);
    assert_int_equal(c.timestamp_lifetime_s, 86400);
    assert_int_equal(c.manifest_lifetime_days, 365);
    assert_int_equal(c.heartbeat_silent_s, 1800);
    assert_int_equal(c.registration_retention_days, 180);
    assert_int_equal(c.max_request_bytes, 16384);
    assert_string_equal(c.tls_cert, "");
}

static void test_file_sets_every_kind_of_value(void **state)
{
    (void)state;
    char *dir = dkt_mkdtemp("hubcfg");
    dkt_write(dir, "hub.conf",
              "# a comment\n"
              "data_dir = \"/srv/hub\"   # quoted\n"
              "\n"
              "  port = 9443\n"
              "allow_plain_http = yes\n"
              "listen_address = ::1\n"
              "timestamp_lifetime_s=3600\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    hub_config c;
    hub_config_defaults(&c);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(hub_config_load(&c, path, &problems), DK_OK);
    assert_int_equal(problems.len, 0);
    assert_string_equal(c.data_dir, "/srv/hub");
    assert_int_equal(c.port, 9443);
    assert_int_equal(c.allow_plain_http, 1);
    assert_string_equal(c.listen_address, "::1");
    assert_int_equal(c.timestamp_lifetime_s, 3600);
    assert_int_equal(c.max_connections, 256); /* untouched keys keep their defaults */
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

static void test_every_bad_line_is_reported_and_nothing_applied(void **state)
{
    (void)state;
    char *dir = dkt_mkdtemp("hubcfg");
    dkt_write(dir, "hub.conf",
              "port = 9443\n"
              "port = 70000\n"
              "heartbeat_silent_s = soon\n"
              "colour = blue\n"
              "allow_plain_http = maybe\n"
              "just words\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    hub_config c;
    hub_config_defaults(&c);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(hub_config_load(&c, path, &problems), DK_ERR_INVALID);
    const char *t = problems.data;
    assert_non_null(strstr(t, "hub.conf:2: port: must be between 0 and 65535"));
    assert_non_null(strstr(t, "hub.conf:3: heartbeat_silent_s: must be a whole number of s"));
    assert_non_null(strstr(t, "hub.conf:4: unknown setting 'colour'"));
    assert_non_null(strstr(t, "hub.conf:5: allow_plain_http: must be true or false"));
    assert_non_null(strstr(t, "hub.conf:6: expected 'key = value'"));
    assert_int_equal(c.port, 8443); /* line 1 was fine, but nothing is half applied */
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

static void test_set_names_key_and_reason(void **state)
{
    (void)state;
    hub_config c;
    hub_config_defaults(&c);
    assert_int_equal(hub_config_set(&c, "max_request_bytes", "100"), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "max_request_bytes"));
    assert_int_equal(hub_config_set(&c, "nope", "1"), DK_ERR_INVALID);
    assert_int_equal(hub_config_set(&c, "worker_threads", "4"), DK_OK);
    assert_int_equal(c.worker_threads, 4);
}

static void test_loopback_addresses(void **state)
{
    (void)state;
    assert_true(hub_address_is_loopback("127.0.0.1"));
    assert_true(hub_address_is_loopback("127.3.2.1"));
    assert_true(hub_address_is_loopback("::1"));
    assert_true(hub_address_is_loopback("localhost"));
    assert_false(hub_address_is_loopback("0.0.0.0"));
    assert_false(hub_address_is_loopback("::"));
    assert_false(hub_address_is_loopback("10.1.2.3"));
    assert_false(hub_address_is_loopback("128.0.0.1"));
    assert_false(hub_address_is_loopback("example.org"));
}

static void test_plain_http_only_on_loopback_without_certificate(void **state)
{
    (void)state;
    hub_config c;
    hub_config_defaults(&c);
    assert_false(hub_config_plain_http(&c)); /* not allowed */
    c.allow_plain_http = 1;
    assert_true(hub_config_plain_http(&c));
    snprintf(c.listen_address, sizeof c.listen_address, "0.0.0.0");
    assert_false(hub_config_plain_http(&c)); /* not loopback: not honoured */
    snprintf(c.listen_address, sizeof c.listen_address, "127.0.0.1");
    snprintf(c.tls_cert, sizeof c.tls_cert, "/etc/hub.pem");
    assert_false(hub_config_plain_http(&c)); /* a certificate means HTTPS */
}

static void test_base_url_for_the_kiosk_snippet(void **state)
{
    (void)state;
    hub_config c;
    hub_config_defaults(&c);
    char url[600];
    hub_config_base_url(&c, url, sizeof url);
    assert_string_equal(url, "https://127.0.0.1:8443");
    snprintf(c.listen_address, sizeof c.listen_address, "::1");
    c.allow_plain_http = 1;
    c.port = 8080;
    hub_config_base_url(&c, url, sizeof url);
    assert_string_equal(url, "http://[::1]:8080");
    snprintf(c.public_url, sizeof c.public_url, "https://hub.dortmund.example");
    hub_config_base_url(&c, url, sizeof url);
    assert_string_equal(url, "https://hub.dortmund.example");
}

static void test_written_settings_read_back_the_same(void **state)
{
    (void)state;
    char *dir = dkt_mkdtemp("hubcfg");
    char path[4096];
    snprintf(path, sizeof path, "%s/out.conf", dir);
    hub_config c, back;
    hub_config_defaults(&c);
    memset(c.data_dir, 0, sizeof c.data_dir); /* the loader clears whole fields too */
    snprintf(c.data_dir, sizeof c.data_dir, "/srv/a b");
    c.port = 1234;
    c.access_log = 0;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    hub_config_write(f, &c);
    fclose(f);
    hub_config_defaults(&back);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(hub_config_load(&back, path, &problems), DK_OK);
    assert_memory_equal(&c, &back, sizeof c);
    dk_buf_free(&problems);

    /* The defaults as written (print-config) read back as the defaults. */
    f = fopen(path, "w");
    assert_non_null(f);
    hub_config_write(f, NULL);
    fclose(f);
    hub_config_defaults(&c);
    memset(&back, 0x55, sizeof back);
    hub_config_defaults(&back);
    dk_buf_init(&problems, 4096);
    assert_int_equal(hub_config_load(&back, path, &problems), DK_OK);
    assert_memory_equal(&c, &back, sizeof c);
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_documented_ones),
        cmocka_unit_test(test_file_sets_every_kind_of_value),
        cmocka_unit_test(test_every_bad_line_is_reported_and_nothing_applied),
        cmocka_unit_test(test_set_names_key_and_reason),
        cmocka_unit_test(test_loopback_addresses),
        cmocka_unit_test(test_plain_http_only_on_loopback_without_certificate),
        cmocka_unit_test(test_base_url_for_the_kiosk_snippet),
        cmocka_unit_test(test_written_settings_read_back_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
