/* test_config.c: the settings file: defaults, overrides, and every mistake reported at once. */
#include "dk_test.h"

#include "dk_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_defaults_are_documented_values(void **state)
{
    dk_config c;
    dk_config_defaults(&c);
    assert_int_equal(c.idle_timeout_s, 90);
    assert_true(c.idle_countdown_s >= 20); /* WCAG 2.2.1: at least 20 s to respond */
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.log_syslog, 0);
}

static void test_file_overrides_defaults(void **state)
{
    char *dir = dkt_mkdtemp("cfg");
    dkt_write(dir, "kiosk.conf",
              "# a comment\n\ndevice_name = Halle Hörde  # trailing comment\n"
              "home_district = \"hoerde\"\nidle_timeout_s=120\nscreen_width_mm = 1209.6\n"
              "log_syslog = yes\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/kiosk.conf", dir);
    dk_config c;
    dk_config_defaults(&c);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(dk_config_load(&c, path, &problems), DK_OK);
    assert_string_equal(c.device_name, "Halle Hörde");
    assert_string_equal(c.home_district, "hoerde");
    assert_int_equal(c.idle_timeout_s, 120);
    assert_true(c.screen_width_mm > 1209.5 && c.screen_width_mm < 1209.7);
    assert_int_equal(c.log_syslog, 1);
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

static void test_every_bad_line_is_reported_and_nothing_changes(void **state)
{
    char *dir = dkt_mkdtemp("cfg");
    dkt_write(dir, "kiosk.conf",
              "device_name = ok\nidle_timout_s = 120\nidle_timeout_s = soon\n"
              "idle_countdown_s = 5\njust words\nlog_syslog = maybe\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/kiosk.conf", dir);
    dk_config c;
    dk_config_defaults(&c);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(dk_config_load(&c, path, &problems), DK_ERR_INVALID);
    const char *t = problems.data;
    assert_non_null(strstr(t, "kiosk.conf:2: unknown setting 'idle_timout_s'"));
    assert_non_null(strstr(t, "kiosk.conf:3: idle_timeout_s: must be a whole number of s"));
    assert_non_null(strstr(t, "kiosk.conf:4: idle_countdown_s: must be between 20 and 600 s"));
    assert_non_null(strstr(t, "kiosk.conf:5: expected 'key = value'"));
    assert_non_null(strstr(t, "kiosk.conf:6: log_syslog: must be true or false"));
    assert_string_equal(c.device_name, "kiosk"); /* all or nothing */
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

static void test_missing_file_is_a_clear_error(void **state)
{
    dk_config c;
    dk_config_defaults(&c);
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(dk_config_load(&c, "/nonexistent/kiosk.conf", &problems), DK_ERR_NOTFOUND);
    assert_non_null(strstr(problems.data, "/nonexistent/kiosk.conf"));
    dk_buf_free(&problems);
}

static void test_written_defaults_load_back_unchanged(void **state)
{
    char *dir = dkt_mkdtemp("cfg");
    char path[4096];
    snprintf(path, sizeof path, "%s/defaults.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    dk_config_write_defaults(f);
    fclose(f);
    dk_config a, b;
    dk_config_defaults(&a);
    dk_config_defaults(&b);
    snprintf(b.device_name, sizeof b.device_name, "changed");
    dk_buf problems;
    dk_buf_init(&problems, 4096);
    assert_int_equal(dk_config_load(&b, path, &problems), DK_OK);
    assert_memory_equal(&a, &b, sizeof a);
    dk_buf_free(&problems);
    dkt_rmdir(dir);
}

static void test_set_applies_one_override(void **state)
{
    dk_config c;
    dk_config_defaults(&c);
    assert_int_equal(dk_config_set(&c, "idle_timeout_s", "45"), DK_OK);
    assert_int_equal(c.idle_timeout_s, 45);
    assert_int_equal(dk_config_set(&c, "nope", "1"), DK_ERR_INVALID);
    assert_int_equal(dk_config_set(&c, "idle_timeout_s", "1"), DK_ERR_INVALID);
    assert_int_equal(c.idle_timeout_s, 45);
}

static void test_limits_and_messages(void **state)
{
    dk_config c;
    dk_config_defaults(&c);
    char long_value[DK_CONFIG_STR_MAX + 1];
    memset(long_value, 'x', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    assert_int_equal(dk_config_set(&c, "device_name", long_value), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "device_name: value longer than 511 bytes"));
    assert_string_equal(c.device_name, "kiosk");
    long_value[DK_CONFIG_STR_MAX - 1] = '\0'; /* exactly the capacity: fits */
    assert_int_equal(dk_config_set(&c, "device_name", long_value), DK_OK);
    assert_int_equal(strlen(c.device_name), DK_CONFIG_STR_MAX - 1);
    assert_int_equal(dk_config_set(&c, "screen_width_mm", "nan"), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "screen_width_mm: must be a number of mm"));
    assert_int_equal(dk_config_set(&c, "screen_width_mm", "10"), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "must be between 50 and 5000 mm"));
    assert_int_equal(dk_config_set(&c, "idle_timeout_s", "99999999999999999999"), DK_ERR_INVALID);
    assert_int_equal(dk_config_set(&c, "idel_timeout_s", "90"), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "see district-kiosk --print-config"));
    /* Whole-number ranges are written in full, not as 1e+06. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    dk_config_write_defaults(f);
    fclose(f);
    assert_non_null(strstr(text, "[records] (1 to 1000000)\nregistration_max_records = 100000\n"));
    assert_null(strstr(text, "e+"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_documented_values),
        cmocka_unit_test(test_file_overrides_defaults),
        cmocka_unit_test(test_every_bad_line_is_reported_and_nothing_changes),
        cmocka_unit_test(test_missing_file_is_a_clear_error),
        cmocka_unit_test(test_written_defaults_load_back_unchanged),
        cmocka_unit_test(test_set_applies_one_override),
        cmocka_unit_test(test_limits_and_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
