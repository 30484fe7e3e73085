/* dk_settings.c: parsing settings files against a table (dk_settings.h). */
#include "dk_settings.h"

#include "dk_fs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_FILE_MAX (256 * 1024) /* [bytes]: a settings file is a few KiB */
#define WHY_MAX 200                    /* [bytes] one reason, with the key's name */

static const dk_setting *find_key(const dk_settings *t, const char *name)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->keys[i].name, name) == 0)
            return &t->keys[i];
    return NULL;
}

/* A bound of k as text: whole numbers in full (1000000, not 1e+06), decimals as written. */
static void number(const dk_setting *k, double v, char *out, size_t outsz)
{
    if (k->type == DK_SETTING_INT)
        snprintf(out, outsz, "%.0f", v);
    else
        snprintf(out, outsz, "%g", v);
}

/* "MIN and MAX" or "MIN to MAX" of k. */
static void bounds(const dk_setting *k, const char *joiner, char *out, size_t outsz)
{
    char lo[32], hi[32];
    number(k, k->min, lo, sizeof lo);
    number(k, k->max, hi, sizeof hi);
    snprintf(out, outsz, "%s %s %s", lo, joiner, hi);
}

/* Parses value into k's field of cfg. Returns 0, or -1 with "NAME: reason" in why. */
static int apply(void *cfg, const dk_setting *k, const char *value, char *why, size_t whysz)
{
    char *field = (char *)cfg + k->offset;
    const char *of = *k->unit ? " of " : "", *sp = *k->unit ? " " : "";
    char *end;
    char range[80];
    switch (k->type) {
    case DK_SETTING_STR:
        if (strlen(value) >= k->size) {
            snprintf(why, whysz, "%s: value longer than %zu bytes", k->name, k->size - 1);
            return -1;
        }
        memset(field, 0, k->size); /* so that equal settings compare equal (memcmp) */
        memcpy(field, value, strlen(value));
        return 0;
    case DK_SETTING_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0) {
            *(int *)field = 1;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                   strcmp(value, "0") == 0) {
            *(int *)field = 0;
        } else {
            snprintf(why, whysz, "%s: must be true or false", k->name);
            return -1;
        }
        return 0;
    case DK_SETTING_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(why, whysz, "%s: must be a whole number%s%s", k->name, of, k->unit);
            return -1;
        }
        if ((double)v < k->min || (double)v > k->max) {
            bounds(k, "and", range, sizeof range);
            snprintf(why, whysz, "%s: must be between %s%s%s", k->name, range, sp, k->unit);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case DK_SETTING_NUM: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v)) {
            snprintf(why, whysz, "%s: must be a number%s%s", k->name, of, k->unit);
            return -1;
        }
        if (v < k->min || v > k->max) {
            bounds(k, "and", range, sizeof range);
            snprintf(why, whysz, "%s: must be between %s%s%s", k->name, range, sp, k->unit);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    }
    snprintf(why, whysz, "%s: unknown type", k->name);
    return -1;
}

/* Strips one pair of double quotes around value, in place. */
static char *unquote(char *value)
{
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        value++;
    }
    return value;
}

void dk_settings_defaults(const dk_settings *t, void *cfg)
{
    memset(cfg, 0, t->struct_size);
    for (size_t i = 0; i < t->count; i++) {
        char text[512], why[WHY_MAX];
        snprintf(text, sizeof text, "%s", t->keys[i].def_text);
        /* The tables' tests load every default; a default outside its bounds stays zero. */
        (void)apply(cfg, &t->keys[i], unquote(text), why, sizeof why);
    }
}

dk_err dk_settings_set(const dk_settings *t, void *cfg, const char *name, const char *value)
{
    const dk_setting *k = find_key(t, name);
    if (!k)
        return dk_error_set(DK_ERR_INVALID, "unknown setting '%s'%s", name, t->hint);
    char why[WHY_MAX];
    if (apply(cfg, k, value, why, sizeof why))
        return dk_error_set(DK_ERR_INVALID, "setting %s", why);
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

dk_err dk_settings_load(const dk_settings *t, void *cfg, const char *path, dk_buf *problems)
{
    char *text = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, SETTINGS_FILE_MAX, &text, &len);
    if (err) {
        dk_err lost = dk_buf_addf(problems, "%s: %s\n", path, dk_error_detail());
        (void)lost;
        return err;
    }
    void *next = malloc(t->struct_size); /* all or nothing: cfg changes only if all is right */
    if (!next) {
        free(text);
        return dk_error_set(DK_ERR_NOMEM, "out of memory reading %s", path);
    }
    memcpy(next, cfg, t->struct_size);
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
        char why[WHY_MAX];
        int wrong = 0;
        if (!eq) {
            snprintf(why, sizeof why, "expected 'key = value'");
            wrong = 1;
        } else {
            *eq = '\0';
            char *name = trim(s), *value = unquote(trim(eq + 1));
            const dk_setting *k = find_key(t, name);
            if (!k) {
                snprintf(why, sizeof why, "unknown setting '%s'%s", name, t->hint);
                wrong = 1;
            } else {
                wrong = apply(next, k, value, why, sizeof why) != 0;
            }
        }
        if (wrong) {
            bad = 1;
            dk_err lost = dk_buf_addf(problems, "%s:%d: %s\n", path, lineno, why);
            (void)lost;
        }
    }
    free(text);
    if (!bad)
        memcpy(cfg, next, t->struct_size);
    free(next);
    if (bad)
        return dk_error_set(DK_ERR_INVALID, "%s has errors", path);
    return DK_OK;
}

void dk_settings_write(const dk_settings *t, FILE *out, const void *cfg)
{
    fprintf(out, "# %s settings. Every line is optional; shown are the %s.\n", t->program,
            cfg ? "values in force" : "defaults");
    for (size_t i = 0; i < t->count; i++) {
        const dk_setting *k = &t->keys[i];
        fprintf(out, "\n# %s", k->help);
        if (*k->unit)
            fprintf(out, " [%s]", k->unit);
        if (k->type == DK_SETTING_INT || k->type == DK_SETTING_NUM) {
            char range[80];
            bounds(k, "to", range, sizeof range);
            fprintf(out, " (%s)", range);
        }
        fprintf(out, "\n%s = ", k->name);
        const char *field = cfg ? (const char *)cfg + k->offset : NULL;
        switch (k->type) {
        case DK_SETTING_STR:
            if (field) /* quoted like the defaults, so that the output reads back */
                fprintf(out, "\"%.*s\"\n", (int)k->size, field);
            else
                fprintf(out, "%s\n", k->def_text); /* the table's literal, already quoted */
            break;
        case DK_SETTING_INT:
            if (field)
                fprintf(out, "%ld\n", *(const long *)field);
            else
                fprintf(out, "%s\n", k->def_text);
            break;
        case DK_SETTING_NUM:
            if (field)
                fprintf(out, "%g\n", *(const double *)field);
            else
                fprintf(out, "%s\n", k->def_text);
            break;
        case DK_SETTING_BOOL: {
            int v = field ? *(const int *)field : strcmp(k->def_text, "0") != 0;
            fprintf(out, "%s\n", v ? "true" : "false");
            break;
        }
        }
    }
}
