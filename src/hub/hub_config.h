/* hub_config.h: the hub's settings: one table of every tunable with its default and unit. */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include "dk_buf.h"
#include "dk_error.h"

#include <stdio.h>

/* Every setting, in one place: X(type, name, default, min, max, unit, help).
 * Types: STR (string, at most HUB_CONFIG_STR_MAX bytes), INT (whole number), BOOL (true/false).
 * min and max bound numbers; strings ignore them. docs/hub.md holds `district-hub print-config`.
 * The parser is the kiosk's too (dk_settings.h). */
#define HUB_CONFIG_STR_MAX 512
#define HUB_CONFIG_KEYS(X)                                                                          \
    X(STR, data_dir, "/var/lib/district-hub", 0, 0, "",                                             \
      "Folder for keys, hub.db and the release files (init creates it, mode 0700)")                 \
    X(STR, listen_address, "127.0.0.1", 0, 0, "",                                                   \
      "IPv4 or IPv6 address that serve listens on (0.0.0.0 or :: for every interface)")             \
    X(INT, port, 8443, 0, 65535, "", "TCP port that serve listens on (0: any free port, for tests)") \
    X(STR, public_url, "", 0, 0, "",                                                                \
      "URL kiosks use to reach this hub, for the snippet of device add "                            \
      "(empty: https://<listen_address>:<port>)")                                                   \
    X(STR, tls_cert, "", 0, 0, "", "PEM file with the server certificate (and its chain)")         \
    X(STR, tls_key, "", 0, 0, "", "PEM file with the certificate's private key (mode 0600)")       \
    X(BOOL, allow_plain_http, 0, 0, 1, "",                                                          \
      "Serve plain HTTP when no certificate is set; honoured only on a loopback listen_address")    \
    X(INT, timestamp_lifetime_s, 86400, 20, 2592000, "s",                                           \
      "Lifetime of a signed timestamp; serve re-signs after a quarter of it")                      \
    X(INT, manifest_lifetime_days, 365, 1, 3650, "days", "Lifetime of a published release")        \
    X(INT, max_connections, 256, 1, 65536, "connections", "Open connections serve accepts at once") \
    X(INT, worker_threads, 2, 1, 64, "threads", "Threads that serve requests")                      \
    X(INT, connection_timeout_s, 30, 1, 3600, "s", "An idle connection is closed after this")       \
    X(INT, max_request_bytes, 16384, 1024, 1048576, "bytes",                                        \
      "Largest API request body accepted (413 beyond)")                                             \
    X(INT, heartbeat_silent_s, 1800, 60, 2592000, "s",                                              \
      "A kiosk counts as SILENT after this long without a heartbeat")                               \
    X(INT, registration_retention_days, 180, 1, 3650, "days",                                       \
      "Registrations are deleted this long after they were handed over to their group")          \
    X(BOOL, access_log, 1, 0, 1, "", "Log one line per request (method, path, status, bytes, ms)")  \
    X(STR, log_level, "info", 0, 0, "", "debug, info, warn or error")                               \
    X(BOOL, log_syslog, 0, 0, 1, "", "Also log to syslog / the journal")

typedef struct hub_config {
#define HUB_CONFIG_FIELD_STR(name) char name[HUB_CONFIG_STR_MAX];
#define HUB_CONFIG_FIELD_INT(name) long name;
#define HUB_CONFIG_FIELD_BOOL(name) int name;
#define HUB_CONFIG_FIELD(type, name, def, min, max, unit, help) HUB_CONFIG_FIELD_##type(name)
    HUB_CONFIG_KEYS(HUB_CONFIG_FIELD)
#undef HUB_CONFIG_FIELD
} hub_config;

/* Fills cfg with every default. Can't fail. */
void hub_config_defaults(hub_config *cfg);

/* Reads "key = value" lines ('#' starts a comment, values may be quoted) over what cfg holds.
 * Every problem is appended to problems as "FILE:LINE: what is wrong", all at once; on any
 * problem DK_ERR_INVALID is returned and cfg is left exactly as it was. */
dk_err hub_config_load(hub_config *cfg, const char *path, dk_buf *problems) DK_MUST_CHECK;

/* Sets one setting from text, as the file would. DK_ERR_INVALID names the key and the reason. */
dk_err hub_config_set(hub_config *cfg, const char *key, const char *value) DK_MUST_CHECK;

/* Writes a complete settings file: every key with its help, unit and range as comments, and
 * its default (cfg NULL) or the value cfg holds. */
void hub_config_write(FILE *out, const hub_config *cfg);

/* 1 if addr is a loopback address (127.0.0.0/8, ::1 or "localhost"), else 0. */
int hub_address_is_loopback(const char *addr);

/* The base URL kiosks use: public_url if set, else scheme://listen_address:port with
 * scheme https, or http when plain HTTP is in force. Into out (size outsz). */
void hub_config_base_url(const hub_config *cfg, char *out, size_t outsz);

/* 1 if serve would use plain HTTP (no certificate, allow_plain_http, loopback), else 0. */
int hub_config_plain_http(const hub_config *cfg);

#endif
