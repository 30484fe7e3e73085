/* dk_test_server.c: runs tests/dk_testserver.c for cmocka tests. */
#include "dk_test_server.h"

#include "dk_test.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void dkt_server_start(dkt_server *s, const char *root, const char *const *flags)
{
    const char *prog = getenv("DK_TESTSERVER");
    assert_non_null(prog);
    char portfile[4096];
    snprintf(portfile, sizeof portfile, "%s.port", root);
    unlink(portfile);
    const char *argv[40];
    int n = 0;
    argv[n++] = prog;
    argv[n++] = "--root";
    argv[n++] = root;
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    for (int i = 0; flags && flags[i] && n < 38; i++)
        argv[n++] = flags[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    s->port = 0;
    for (int i = 0; i < 400 && !s->port; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            if (fscanf(f, "%d", &s->port) != 1)
                s->port = 0;
            fclose(f);
        }
        if (!s->port) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(s->port > 0);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
}

void dkt_server_stop(dkt_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}
