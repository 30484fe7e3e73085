/* dk_config.h: the kiosk's settings: one table of every tunable with its default and unit. */
#ifndef DK_CONFIG_H
#define DK_CONFIG_H

#include "dk_buf.h"
#include "dk_error.h"

#include <stdio.h>

/* Every setting, in one place: X(type, name, default, min, max, unit, help).
 * Types: STR (string, at most DK_CONFIG_STR_MAX bytes), INT (whole number), NUM (decimal),
 * BOOL (true/false). min and max bound numbers; strings ignore them. */
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
    X(STR, staff_pin_hash, "", 0, 0, "",                                                           \
      "Argon2id hash of the staff PIN (district-kiosk --hash-pin); empty: staff screen locked")   \
    X(INT, image_cache_mb, 96, 8, 1024, "MiB", "Byte budget of decoded images and textures")

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
