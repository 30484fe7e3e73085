/* dk_settings.h: settings files of "key = value" lines, parsed against a table of settings.
 *
 * One parser for both programs: the kiosk's table is in dk_config.h, the hub's in hub_config.h.
 * Each table entry names a field of the program's settings struct, its type, bounds, unit, help
 * text and default, so that defaults, parsing, error messages and the documented file
 * (`--print-config`, `print-config`) all come from the same line. */
#ifndef DK_SETTINGS_H
#define DK_SETTINGS_H

#include "dk_buf.h"
#include "dk_error.h"

#include <stddef.h>
#include <stdio.h>

typedef enum {
    DK_SETTING_STR,  /* char[N], NUL-terminated; a longer value is refused */
    DK_SETTING_INT,  /* long, within [min, max] */
    DK_SETTING_NUM,  /* double, finite, within [min, max] */
    DK_SETTING_BOOL, /* int 0 or 1; true/false, yes/no, 1/0 */
} dk_setting_type;

typedef struct dk_setting {
    const char *name;
    dk_setting_type type;
    size_t offset; /* of the field in the settings struct */
    size_t size;   /* of the field: for STR the capacity including the NUL */
    double min, max;
    const char *unit;     /* "s", "MiB", ... or "" */
    const char *help;     /* one line */
    const char *def_text; /* the default as the table writes it (strings quoted) */
} dk_setting;

/* A table entry for field NAME of struct STRUCT, from an X(type, name, def, min, max, unit, help)
 * line of a settings table. */
#define DK_SETTING_ENTRY(STRUCT, type, name, def, min, max, unit, help)                            \
    {#name, DK_SETTING_##type, offsetof(STRUCT, name), sizeof(((STRUCT *)0)->name),               \
     min, max, unit, help, #def},

typedef struct dk_settings {
    const char *program;     /* "district-kiosk": the first line of a written file */
    const char *hint;        /* added to "unknown setting" messages, e.g. where the list is */
    const dk_setting *keys;  /* static table, in the order files are written */
    size_t count;
    size_t struct_size;      /* sizeof the settings struct: load works on a copy */
} dk_settings;

/* Fills cfg (a struct of t's shape) with every default. Can't fail for a table whose defaults
 * are within its bounds (tests/test_config.c and test_hub_config.c check both tables). */
void dk_settings_defaults(const dk_settings *t, void *cfg);

/* Sets one setting from text, as the file would (e.g. a command-line override).
 * DK_ERR_INVALID names the key and the reason. */
dk_err dk_settings_set(const dk_settings *t, void *cfg, const char *name,
                       const char *value) DK_MUST_CHECK;

/* Reads "key = value" lines ('#' starts a comment, values may be in double quotes) over what
 * cfg holds. Every problem is appended to problems as "FILE:LINE: what is wrong", all at once;
 * on any problem DK_ERR_INVALID is returned and cfg is left exactly as it was (all or nothing).
 * DK_ERR_NOMEM if the copy cannot be made. */
dk_err dk_settings_load(const dk_settings *t, void *cfg, const char *path,
                        dk_buf *problems) DK_MUST_CHECK;

/* Writes a complete settings file: every key with its help, unit and range as comments, and
 * its default (cfg NULL) or the value cfg holds; what it writes reads back the same. */
void dk_settings_write(const dk_settings *t, FILE *out, const void *cfg);

#endif
