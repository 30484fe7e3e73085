/* test_core.c: the small core modules: errors, bounded buffers, arenas, the log ring, faults. */
#include "dk_test.h"

#include "dk_arena.h"
#include "dk_buf.h"
#include "dk_content.h"
#include "dk_error.h"
#include "dk_fault.h"
#include "dk_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_every_error_code_has_a_text(void **state)
{
    for (int e = 0; e < DK_ERR__COUNT; e++)
        assert_string_not_equal(dk_strerror((dk_err)e), "unknown error");
    assert_string_equal(dk_strerror((dk_err)999), "unknown error");
}

static void test_error_detail_is_kept_per_thread_and_returned_code_passes_through(void **state)
{
    dk_err e = dk_error_set(DK_ERR_IO, "cannot open %s", "x.json");
    assert_int_equal(e, DK_ERR_IO);
    assert_string_equal(dk_error_detail(), "cannot open x.json");
    dk_error_clear();
    assert_string_equal(dk_error_detail(), "");
    assert_int_equal(dk_error_from_errno(ENOSPC), DK_ERR_NOSPACE);
    assert_int_equal(dk_error_from_errno(ENOENT), DK_ERR_NOTFOUND);
    assert_int_equal(dk_error_from_errno(EACCES), DK_ERR_IO);
}

static void test_buffer_never_grows_past_its_maximum(void **state)
{
    dk_buf b;
    dk_buf_init(&b, 10);
    assert_int_equal(dk_buf_adds(&b, "12345"), DK_OK);
    assert_int_equal(dk_buf_addf(&b, "%d", 6789), DK_OK);
    assert_string_equal(b.data, "123456789");
    assert_int_equal(dk_buf_adds(&b, "ab"), DK_ERR_LIMIT);
    assert_string_equal(b.data, "123456789"); /* unchanged on failure */
    assert_int_equal(dk_buf_adds(&b, "a"), DK_OK);
    char *taken = dk_buf_take(&b);
    assert_string_equal(taken, "123456789a");
    free(taken);
    assert_null(b.data);
    dk_buf_free(&b);
}

static void test_buffer_formats_long_text(void **state)
{
    dk_buf b;
    dk_buf_init(&b, 10000);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(dk_buf_addf(&b, "<%s>", big), DK_OK);
    assert_int_equal(b.len, 1001);
    dk_buf_free(&b);
}

static void test_arena_respects_its_budget_and_resets(void **state)
{
    dk_arena *a = dk_arena_new(1000);
    assert_non_null(a);
    char *s = dk_arena_strdup(a, "Hörde");
    assert_string_equal(s, "Hörde");
    assert_null(dk_arena_strdup(a, NULL));
    assert_null(dk_arena_alloc(a, 2000));
    int *big = dk_arena_alloc(a, 800);
    assert_non_null(big);
    assert_int_equal(big[0], 0); /* zeroed */
    assert_null(dk_arena_alloc(a, 300)); /* past the budget */
    dk_arena_reset(a);
    assert_int_equal(dk_arena_used(a), 0);
    assert_non_null(dk_arena_alloc(a, 900));
    dk_arena_free(a);
    dk_arena_free(NULL);
}

static void test_log_ring_keeps_the_newest_lines_in_order(void **state)
{
    dk_log_setup("test", DK_LOG_INFO, 0, 0);
    for (int i = 0; i < DK_LOG_RING_LINES + 5; i++)
        dk_info("line %d", i);
    dk_debug("hidden"); /* below the level: neither printed nor kept */
    static char lines[DK_LOG_RING_LINES][DK_LOG_LINE_MAX];
    int n = dk_log_recent(lines, DK_LOG_RING_LINES);
    assert_int_equal(n, DK_LOG_RING_LINES);
    assert_non_null(strstr(lines[0], "line 5"));
    char last[32];
    snprintf(last, sizeof last, "line %d", DK_LOG_RING_LINES + 4);
    assert_non_null(strstr(lines[n - 1], last));
    dk_log_level lvl;
    assert_int_equal(dk_log_level_parse("warn", &lvl), DK_OK);
    assert_int_equal(lvl, DK_LOG_WARN);
    assert_int_equal(dk_log_level_parse("loud", &lvl), DK_ERR_INVALID);
}

/* Logs a warning and an error with stderr sent to a file; returns what was written there. */
static char *log_to_file(const char *journal_stream_value, int match_stderr)
{
    char *dir = dkt_mkdtemp("log");
    char path[4096], text_path[4096];
    snprintf(path, sizeof path, "%s/stderr", dir);
    snprintf(text_path, sizeof text_path, "%s", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char value[64];
    if (match_stderr)
        snprintf(value, sizeof value, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
    else
        snprintf(value, sizeof value, "%s", journal_stream_value);
    setenv("JOURNAL_STREAM", value, 1);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
    dk_log_setup("test", DK_LOG_INFO, 1, 0);
    dk_warn("disk nearly full");
    dk_error("cannot open the database");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    unsetenv("JOURNAL_STREAM");
    dk_log_setup("test", DK_LOG_INFO, 0, 0);
    FILE *f = fopen(text_path, "r");
    assert_non_null(f);
    static char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    dkt_rmdir(dir);
    return text;
}

static void test_log_gives_the_journal_priorities(void **state)
{
    /* systemd's stream: "<N>" prefixes (4 warning, 3 error) and no second time stamp. */
    const char *t = log_to_file(NULL, 1);
    assert_non_null(strstr(t, "<4>warn  disk nearly full\n"));
    assert_non_null(strstr(t, "<3>error cannot open the database\n"));
    /* Another stream (stderr redirected elsewhere): plain lines with the time. */
    t = log_to_file("1:2", 0);
    assert_null(strstr(t, "<4>"));
    assert_non_null(strstr(t, " warn  disk nearly full\n"));
    assert_true(t[0] >= '1' && t[0] <= '9'); /* the date first */
}

static void test_fault_point_fails_exactly_the_armed_step(void **state)
{
    dk_fault_arm(3, DK_FAULT_FAIL);
    assert_int_equal(dk_fault_point("a"), DK_OK);
    assert_int_equal(dk_fault_point("b"), DK_OK);
    assert_int_equal(dk_fault_point("c"), DK_ERR_FAULT);
    assert_int_equal(dk_fault_point("d"), DK_OK);
    dk_fault_disarm();
    assert_int_equal(dk_fault_point("e"), DK_OK);
}

static void test_vocabulary_round_trips(void **state)
{
    dk_lang l;
    assert_int_equal(dk_lang_parse("tr", &l), DK_OK);
    assert_string_equal(dk_lang_native_name(l), "Türkçe");
    assert_int_equal(dk_lang_parse("fr", &l), DK_ERR_INVALID);
    dk_project_status s;
    assert_int_equal(dk_status_parse("completed", &s), DK_OK);
    assert_string_equal(dk_status_code(s), "completed");
    dk_group_kind k;
    assert_int_equal(dk_group_kind_parse("steering_committee", &k), DK_OK);
    assert_int_equal(k, DK_GROUP_STEERING);
    assert_int_equal(dk_group_kind_parse(NULL, &k), DK_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_code_has_a_text),
        cmocka_unit_test(test_error_detail_is_kept_per_thread_and_returned_code_passes_through),
        cmocka_unit_test(test_buffer_never_grows_past_its_maximum),
        cmocka_unit_test(test_buffer_formats_long_text),
        cmocka_unit_test(test_arena_respects_its_budget_and_resets),
        cmocka_unit_test(test_log_ring_keeps_the_newest_lines_in_order),
        cmocka_unit_test(test_log_gives_the_journal_priorities),
        cmocka_unit_test(test_fault_point_fails_exactly_the_armed_step),
        cmocka_unit_test(test_vocabulary_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
