/* dk_config.c: parsing the settings file against the one table in dk_config.h. */
#include "dk_config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dk_fs.h"

#define CONFIG_FILE_MAX (256 * 1024) /* [bytes] */

typedef enum { T_STR, T_INT, T_NUM, T_BOOL } ctype;

typedef struct key {
    const char *name;
    ctype type;
    size_t offset;
    double min, max;
    const char *unit, *help, *def_text;
} key;

#define KEY(type, name, def, min, max, unit, help)                                                 \
    {#name, T_##type, offsetof(dk_config, name), min, max, unit, help, #def},
static const key keys[] = {DK_CONFIG_KEYS(KEY)};
#undef KEY
#define NKEYS (sizeof keys / sizeof keys[0])

void dk_config_defaults(dk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
#define SET_STR(name, def) snprintf(cfg->name, sizeof cfg->name, "%s", def);
#define SET_INT(name, def) cfg->name = def;
#define SET_NUM(name, def) cfg->name = def;
#define SET_BOOL(name, def) cfg->name = def;
#define SET(type, name, def, min, max, unit, help) SET_##type(name, def)
    DK_CONFIG_KEYS(SET)
#undef SET
}

static const key *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Parses value for k into the field of cfg; returns a reason on failure, else NULL. */
static const char *apply(dk_config *cfg, const key *k, const char *value, char *why, size_t whysz)
{
    char *field = (char *)cfg + k->offset;
    char *end;
    switch (k->type) {
    case T_STR:
        if (strlen(value) >= DK_CONFIG_STR_MAX)
            return "value too long";
        memset(field, 0, DK_CONFIG_STR_MAX); /* so that equal settings compare equal */
        snprintf(field, DK_CONFIG_STR_MAX, "%s", value);
        return NULL;
    case T_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
            *(int *)field = 1;
        else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
            *(int *)field = 0;
        else
            return "must be true or false";
        return NULL;
    case T_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(why, whysz, "must be a whole number%s%s", *k->unit ? " of " : "", k->unit);
            return why;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, whysz, "must be between %.0f and %.0f %s", k->min, k->max, k->unit);
            return why;
        }
        *(long *)field = v;
        return NULL;
    }
    case T_NUM: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v)) {
            snprintf(why, whysz, "must be a number%s%s", *k->unit ? " of " : "", k->unit);
            return why;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, whysz, "must be between %g and %g %s", k->min, k->max, k->unit);
            return why;
        }
        *(double *)field = v;
        return NULL;
    }
    }
    return "unknown type";
}

dk_err dk_config_set(dk_config *cfg, const char *name, const char *value)
{
    const key *k = find_key(name);
    if (!k)
        return dk_error_set(DK_ERR_INVALID, "unknown setting '%s'", name);
    char why[160];
    const char *bad = apply(cfg, k, value, why, sizeof why);
    if (bad)
        return dk_error_set(DK_ERR_INVALID, "setting '%s': %s", name, bad);
    return DK_OK;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

dk_err dk_config_load(dk_config *cfg, const char *path, dk_buf *problems)
{
    char *text = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, CONFIG_FILE_MAX, &text, &len);
    if (err) {
        dk_err lost = dk_buf_addf(problems, "%s: %s\n", path, dk_error_detail());
        (void)lost;
        return err;
    }
    dk_config next = *cfg; /* all or nothing: cfg changes only if every line is right */
    int bad = 0, lineno = 0;
    char *save = NULL;
    for (char *line = text; line; line = save) {
        save = strchr(line, '\n');
        if (save)
            *save++ = '\0';
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        const char *why = NULL;
        char whybuf[160];
        if (!eq) {
            why = "expected 'key = value'";
        } else {
            *eq = '\0';
            char *name = trim(s), *value = trim(eq + 1);
            size_t vl = strlen(value);
            if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') { /* optional quotes */
                value[vl - 1] = '\0';
                value++;
            }
            const key *k = find_key(name);
            if (!k) {
                snprintf(whybuf, sizeof whybuf, "unknown setting '%s'", name);
                why = whybuf;
            } else {
                why = apply(&next, k, value, whybuf, sizeof whybuf);
                if (why && why != whybuf) {
                    snprintf(whybuf, sizeof whybuf, "%s: %s", name, why);
                    why = whybuf;
                } else if (why) {
                    char tmp[160];
                    snprintf(tmp, sizeof tmp, "%s: %s", name, whybuf);
                    snprintf(whybuf, sizeof whybuf, "%s", tmp);
                }
            }
        }
        if (why) {
            bad = 1;
            dk_err lost = dk_buf_addf(problems, "%s:%d: %s\n", path, lineno, why);
            (void)lost;
        }
    }
    free(text);
    if (bad)
        return dk_error_set(DK_ERR_INVALID, "%s has errors", path);
    *cfg = next;
    return DK_OK;
}

void dk_config_write_defaults(FILE *out)
{
    fprintf(out, "# district-kiosk settings. Every line is optional; shown are the defaults.\n");
    for (size_t i = 0; i < NKEYS; i++) {
        const key *k = &keys[i];
        fprintf(out, "\n# %s", k->help);
        if (*k->unit)
            fprintf(out, " [%s]", k->unit);
        if (k->type == T_INT || k->type == T_NUM)
            fprintf(out, " (%g to %g)", k->min, k->max);
        const char *def = k->def_text;
        if (k->type == T_BOOL)
            def = strcmp(def, "0") == 0 ? "false" : "true";
        fprintf(out, "\n%s = %s\n", k->name, def);
    }
}
