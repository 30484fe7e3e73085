/* test_fs.c: bounded reads, atomic writes that survive interruption, listing, directories. */
#include "dk_test.h"

#include "dk_fault.h"
#include "dk_fs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_read_refuses_files_over_the_limit(void **state)
{
    char *dir = dkt_mkdtemp("fs");
    dkt_write(dir, "a.txt", "0123456789");
    char path[4096];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(dk_fs_read(path, 9, &data, &len), DK_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(dk_fs_read(path, 10, &data, &len), DK_OK);
    assert_int_equal(len, 10);
    assert_string_equal(data, "0123456789");
    free(data);
    assert_int_equal(dk_fs_read(dir, 100, &data, &len), DK_ERR_INVALID); /* a directory */
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(dk_fs_read(path, 100, &data, &len), DK_ERR_NOTFOUND);
    dkt_rmdir(dir);
}

static void test_atomic_write_replaces_content_and_sets_mode(void **state)
{
    char *dir = dkt_mkdtemp("fs");
    char path[4096];
    snprintf(path, sizeof path, "%s/state", dir);
    assert_int_equal(dk_fs_write_atomic(path, "one", 3, 0600), DK_OK);
    assert_int_equal(dk_fs_write_atomic(path, "two!", 4, 0600), DK_OK);
    char *data = dkt_read(dir, "state", NULL);
    assert_string_equal(data, "two!");
    free(data);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(dkt_count_files(dir), 1); /* no temporary left behind */
    dkt_rmdir(dir);
}

static void test_interrupted_atomic_write_leaves_old_content(void **state)
{
    char *dir = dkt_mkdtemp("fs");
    char path[4096];
    snprintf(path, sizeof path, "%s/state", dir);
    assert_int_equal(dk_fs_write_atomic(path, "old", 3, 0644), DK_OK);
    /* Every fault point of one write, as an error and as a sudden exit. */
    for (long n = 1; n <= 3; n++) {
        dk_fault_arm(n, DK_FAULT_FAIL);
        dk_err err = dk_fs_write_atomic(path, "new", 3, 0644);
        dk_fault_disarm();
        if (err == DK_OK)
            break;
        assert_int_equal(err, DK_ERR_FAULT);
        char *data = dkt_read(dir, "state", NULL);
        assert_string_equal(data, "old");
        free(data);
        assert_int_equal(dkt_count_files(dir), 1);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            dk_fault_arm(n, DK_FAULT_EXIT);
            dk_err e = dk_fs_write_atomic(path, "new", 3, 0644);
            _exit(e == DK_OK ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(WEXITSTATUS(status), 77);
        data = dkt_read(dir, "state", NULL);
        assert_string_equal(data, "old");
        free(data);
        /* A crash leaves at most the temporary file, which start-up clears away. */
        assert_in_range(dk_fs_remove_stale_temps(dir), 0, 1);
        assert_int_equal(dkt_count_files(dir), 1);
    }
    dkt_rmdir(dir);
}

static void test_list_is_sorted_and_bounded(void **state)
{
    char *dir = dkt_mkdtemp("fs");
    dkt_write(dir, "b", "");
    dkt_write(dir, "a", "");
    dkt_write(dir, "c", "");
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(dk_fs_list(dir, 10, &names, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[2], "c");
    free(names);
    assert_int_equal(dk_fs_list(dir, 2, &names, &n), DK_ERR_LIMIT);
    assert_null(names);
    dkt_rmdir(dir);
}

static void test_mkdirs_and_remove_tree(void **state)
{
    char *dir = dkt_mkdtemp("fs");
    char deep[4096];
    snprintf(deep, sizeof deep, "%s/a/b/c", dir);
    assert_int_equal(dk_fs_mkdirs(deep, 0755), DK_OK);
    assert_int_equal(dk_fs_mkdirs(deep, 0755), DK_OK); /* existing is fine */
    assert_true(dk_fs_is_dir(deep));
    dkt_write(dir, "a/b/file", "x");
    char file[4096];
    snprintf(file, sizeof file, "%s/a/b/file", dir);
    assert_int_equal(dk_fs_mkdirs(file, 0755), DK_ERR_EXISTS);
    char top[4096];
    snprintf(top, sizeof top, "%s/a", dir);
    assert_int_equal(dk_fs_remove_tree(top), DK_OK);
    assert_false(dk_fs_exists(top));
    assert_int_equal(dk_fs_remove_tree(top), DK_OK); /* missing is fine */
    uint64_t free_bytes = 0;
    assert_int_equal(dk_fs_free_space(dir, &free_bytes), DK_OK);
    assert_true(free_bytes > 0);
    dkt_rmdir(dir);
}

static void test_join_refuses_paths_that_do_not_fit(void **state)
{
    char out[8];
    assert_int_equal(dk_fs_join(out, sizeof out, "ab", "cd"), DK_OK);
    assert_string_equal(out, "ab/cd");
    assert_int_equal(dk_fs_join(out, sizeof out, "ab/", "cd"), DK_OK);
    assert_string_equal(out, "ab/cd");
    assert_int_equal(dk_fs_join(out, sizeof out, "abcd", "efgh"), DK_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_refuses_files_over_the_limit),
        cmocka_unit_test(test_atomic_write_replaces_content_and_sets_mode),
        cmocka_unit_test(test_interrupted_atomic_write_leaves_old_content),
        cmocka_unit_test(test_list_is_sorted_and_bounded),
        cmocka_unit_test(test_mkdirs_and_remove_tree),
        cmocka_unit_test(test_join_refuses_paths_that_do_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
