/* hub_serve.h: `district-hub serve`: the release files and the kiosk API over HTTPS
 * (libmicrohttpd with GnuTLS), with the timestamp re-signed in the background. */
#ifndef HUB_SERVE_H
#define HUB_SERVE_H

#include "dk_error.h"
#include "hub_site.h"

#include <stdint.h>

/* ---- request parsing (pure functions, unit-tested) ---- */

typedef enum hub_route_kind {
    HUB_ROUTE_NONE,       /* no such path: 404 */
    HUB_ROUTE_TIMESTAMP,  /* /timestamp.signed */
    HUB_ROUTE_MANIFEST,   /* /manifests/<V>.signed, V >= 1 without leading zeros */
    HUB_ROUTE_OBJECT,     /* /objects/<64 lower-case hex> */
    HUB_ROUTE_HEARTBEAT,  /* /api/v1/heartbeat */
    HUB_ROUTE_REGISTRATIONS /* /api/v1/registrations */
} hub_route_kind;

typedef struct hub_route {
    hub_route_kind kind;
    long long version;      /* HUB_ROUTE_MANIFEST */
    char hash[65];          /* HUB_ROUTE_OBJECT */
} hub_route;

/* Classifies a request path (no query string). Only the exact shapes above match: no "..", no
 * doubled or trailing slashes, no upper-case hex, no other characters. Can't fail. */
hub_route hub_route_parse(const char *path);

typedef enum hub_range_result {
    HUB_RANGE_NONE,           /* no usable Range header: send everything (200) */
    HUB_RANGE_PARTIAL,        /* one satisfiable range: 206 with *start, *length */
    HUB_RANGE_UNSATISFIABLE   /* 416 */
} hub_range_result;

/* Interprets a Range header (NULL if absent) for a body of size bytes. One range of the forms
 * "bytes=A-B", "bytes=A-" and "bytes=-N" is honoured; several ranges or malformed headers are
 * ignored (HUB_RANGE_NONE, as RFC 9110 allows). */
hub_range_result hub_range_parse(const char *header, uint64_t size, uint64_t *start,
                                 uint64_t *length);

/* 1 if an If-None-Match header value (a list of entity tags, or "*") matches etag, which is
 * given with its quotes. Weak tags ("W/...") match by value. */
int hub_etag_matches(const char *if_none_match, const char *etag);

/* ---- the server ---- */

typedef struct hub_server hub_server;

/* Starts serving site s (which must stay open until hub_server_stop) on the configured address
 * and port: HTTPS with tls_cert/tls_key, or plain HTTP only when allow_plain_http is set and the
 * address is loopback. The registration secret keys (keys/registration.key and the retired ones,
 * hub_regkey_load_ring) are read into guarded memory: registrations are opened at receipt to
 * check them (hub_registrations.h); a record that opens with none of them makes serve read the
 * key files again if they changed (a registration-key rotate by another process).
 * DK_ERR_INVALID explains a configuration that cannot be served; DK_ERR_NETWORK when the port
 * cannot be bound; the errors of hub_regkey_load_ring when a key cannot be read. */
dk_err hub_server_start(hub_site *s, hub_server **out) DK_MUST_CHECK;

/* The TCP port the server listens on (the one chosen when the configured port is 0). */
unsigned hub_server_port(const hub_server *srv);

/* Periodic work, serialised with the request threads' use of hub.db: deletes registrations
 * handed over registration_retention_days ago (every HUB_PURGE_EVERY_S, logging only counts;
 * once a day a warning counts records that waited that long without a hand-over), and re-signs
 * the timestamp if it is due (hub_timestamp_refresh). *next_due is when to call again (unix
 * seconds). Fails only when re-signing fails (a failed purge is logged and retried). */
#define HUB_PURGE_EVERY_S 3600       /* [s] between retention purges */
#define HUB_PURGE_RETRY_S 300        /* [s] after a failed purge */
#define HUB_OVERDUE_WARN_EVERY_S 86400 /* [s] between warnings about records not handed over */
dk_err hub_server_tick(hub_server *srv, long long now, long long *next_due) DK_MUST_CHECK;

/* Stops accepting, closes every connection, waits for the threads and frees srv. Accepts NULL. */
void hub_server_stop(hub_server *srv);

/* `district-hub serve`: opens the site, starts the server, re-signs the timestamp whenever a
 * quarter of its lifetime has passed, and returns after SIGTERM or SIGINT. */
dk_err hub_serve_run(const hub_config *cfg) DK_MUST_CHECK;

#endif
