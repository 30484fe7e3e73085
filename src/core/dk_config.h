/* dk_config.h: the kiosk's settings: one table of every tunable with its default and unit. */
#ifndef DK_CONFIG_H
#define DK_CONFIG_H

#include "dk_buf.h"
#include "dk_error.h"

#include <stdio.h>

/* Every setting, in one place: X(type, name, default, min, max, unit, help).
 * Types: STR (string, at most DK_CONFIG_STR_MAX bytes), INT (whole number), NUM (decimal),
 * BOOL (true/false). min and max bound numbers; strings ignore them. Parsed by dk_settings.h. */
#define DK_CONFIG_STR_MAX 512
#define DK_CONFIG_KEYS(X)                                                                          \
    X(STR, device_name, "kiosk", 0, 0, "", "Name of this kiosk as staff see it")                 \
    X(STR, data_dir, "/var/lib/district-kiosk", 0, 0, "",                                          \
      "Folder for the content database, objects and outbox (must be writable)")                    \
    X(STR, bundle_dir, "", 0, 0, "",                                                               \
      "Bundle installed with the kiosk, used at first start (empty: the installed default)")       \
    X(STR, home_district, "", 0, 0, "", "Slug of this hall's district, shown first (empty: none)") \
    X(STR, log_level, "info", 0, 0, "", "debug, info, warn or error")                              \
    X(BOOL, log_syslog, 0, 0, 1, "", "Also log to syslog / the journal")                           \
    X(NUM, screen_width_mm, 527.0, 50, 5000, "mm", "Visible width of the screen")                \
    X(NUM, screen_height_mm, 296.0, 50, 5000, "mm", "Visible height of the screen")              \
    X(NUM, screen_bottom_mm, 700.0, 0, 3000, "mm",                                                 \
      "Height of the screen's lower edge above the floor (for low-reach mode)")                   \
    X(NUM, viewing_distance_mm, 600.0, 200, 2000, "mm", "Typical distance of the viewer's eyes")  \
    X(INT, idle_timeout_s, 90, 20, 3600, "s", "Idle time before \"Need more time?\" appears")     \
    X(INT, idle_countdown_s, 30, 20, 600, "s", "Countdown of \"Need more time?\" before reset")   \
    X(INT, night_from_h, 0, 0, 23, "h",                                                            \
      "Local hour from which the waiting screen is dark (equal to night_until_h: never)")         \
    X(INT, night_until_h, 0, 0, 23, "h", "Local hour at which the waiting screen lights up again") \
    X(STR, staff_pin_hash, "", 0, 0, "",                                                           \
      "Argon2id hash of the staff PIN (district-kiosk --hash-pin); empty: staff screen locked")   \
    X(INT, image_cache_mb, 16, 8, 1024, "MiB", "Byte budget of decoded images and textures")    \
    X(STR, hub_url, "", 0, 0, "",                                                                  \
      "Base URL of the hub (https://...) for heartbeats and registrations; empty: no sync")        \
    X(STR, sync_url, "", 0, 0, "",                                                                 \
      "Base URL of the release files (the hub, a web server or CDN); empty: hub_url")              \
    X(STR, trusted_keys, "", 0, 0, "",                                                             \
      "Ed25519 public keys that sign releases: 64 hex digits each, separated by commas")          \
    X(STR, device_token, "", 0, 0, "",                                                             \
      "This kiosk's secret token for the hub (district-hub device add); never logged")            \
    X(STR, ca_file, "", 0, 0, "",                                                                  \
      "PEM file of the authorities that sign the hub's certificate (empty: the system's)")        \
    X(STR, pinned_public_key, "", 0, 0, "",                                                        \
      "Optional pin of the server's public key: sha256//BASE64[;sha256//...] (empty: none)")      \
    X(BOOL, sync_allow_http, 0, 0, 1, "",                                                          \
      "Allow plain http:// for loopback hosts only (tests, development)")                         \
    X(INT, sync_interval_s, 600, 60, 86400, "s", "Time between sync cycles (each +-10% at random)")\
    X(INT, sync_connect_timeout_s, 10, 1, 300, "s",                                                \
      "Longest wait for a server to accept a connection")                                          \
    X(INT, sync_low_speed_bytes_s, 500, 1, 100000, "bytes/s",                                   \
      "A transfer slower than this for sync_low_speed_time_s is given up")                        \
    X(INT, sync_low_speed_time_s, 30, 1, 3600, "s", "How long a transfer may stay that slow")     \
    X(INT, sync_cycle_deadline_s, 1800, 10, 86400, "s", "Longest time one sync cycle may take")   \
    X(INT, sync_max_object_mb, 64, 1, 4096, "MiB", "Largest file the kiosk downloads")            \
    X(STR, registration_pubkey, "", 0, 0, "",                                                      \
      "The hub's key that registrations are sealed to until a release names one: 64 hex digits "   \
      "(district-hub device add); empty: no sign-up before such a release")                        \
    X(INT, registration_max_records, 100000, 1, 1000000, "records",                               \
      "Most registrations kept waiting for upload or refused by the hub; then sign-up pauses")    \
    X(INT, registration_max_mb, 128, 1, 4096, "MiB",                                               \
      "Most sealed bytes of registrations kept waiting or refused; then sign-up pauses")          \
    X(INT, registration_retry_min_s, 30, 1, 86400, "s",                                            \
      "Wait after a failed upload of a registration; doubles with each failure (+-20%)")          \
    X(INT, registration_retry_max_s, 3600, 1, 604800, "s",                                         \
      "Longest wait between upload attempts of one registration")

typedef struct dk_config {
#define DK_CONFIG_FIELD_STR(name) char name[DK_CONFIG_STR_MAX];
#define DK_CONFIG_FIELD_INT(name) long name;
#define DK_CONFIG_FIELD_NUM(name) double name;
#define DK_CONFIG_FIELD_BOOL(name) int name;
#define DK_CONFIG_FIELD(type, name, def, min, max, unit, help) DK_CONFIG_FIELD_##type(name)
    DK_CONFIG_KEYS(DK_CONFIG_FIELD)
#undef DK_CONFIG_FIELD
} dk_config;

/* Fills cfg with every default. Can't fail. */
void dk_config_defaults(dk_config *cfg);

/* Reads settings from a file of "key = value" lines ('#' starts a comment) over what cfg holds.
 * Every problem is appended to problems as "FILE:LINE: what is wrong", all at once; on any
 * problem DK_ERR_INVALID is returned and cfg is left exactly as it was. */
dk_err dk_config_load(dk_config *cfg, const char *path, dk_buf *problems) DK_MUST_CHECK;

/* Sets one setting from text (as the file would), e.g. from a command-line override. */
dk_err dk_config_set(dk_config *cfg, const char *key, const char *value) DK_MUST_CHECK;

/* Writes a complete config file with every key, its default, unit and help as comments. */
void dk_config_write_defaults(FILE *out);

#endif
