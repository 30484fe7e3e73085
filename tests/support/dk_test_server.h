/* dk_test_server.h: starts and stops tests/dk_testserver.c (a misbehaving HTTP server) from
 * cmocka tests. The program's path comes from DK_TESTSERVER (set by ctest). */
#ifndef DK_TEST_SERVER_H
#define DK_TEST_SERVER_H

#include <sys/types.h>

typedef struct dkt_server {
    pid_t pid;
    int port;
    char url[64]; /* "http://127.0.0.1:PORT" */
} dkt_server;

/* Serves root with the extra flags (a NULL-terminated list, or NULL), e.g.
 * {"--fault", "reset@/objects/", NULL}. Fails the test if the server does not come up. */
void dkt_server_start(dkt_server *s, const char *root, const char *const *flags);

/* Stops it and waits for it; accepts a server that never started. */
void dkt_server_stop(dkt_server *s);

#endif
