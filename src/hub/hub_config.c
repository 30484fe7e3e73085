/* hub_config.c: parsing the hub's settings file against the one table in hub_config.h. */
#include "hub_config.h"

#include "dk_fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE_MAX (256 * 1024) /* [bytes] */

typedef enum { T_STR, T_INT, T_BOOL } ctype;

typedef struct key {
    const char *name;
    ctype type;
    size_t offset;
    double min, max;
    const char *unit, *help, *def_text;
} key;

#define KEY(type, name, def, min, max, unit, help)                                                 \
    {#name, T_##type, offsetof(hub_config, name), min, max, unit, help, #def},
static const key keys[] = {HUB_CONFIG_KEYS(KEY)};
#undef KEY
#define NKEYS (sizeof keys / sizeof keys[0])

void hub_config_defaults(hub_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
#define SET_STR(name, def) snprintf(cfg->name, sizeof cfg->name, "%s", def);
#define SET_INT(name, def) cfg->name = def;
#define SET_BOOL(name, def) cfg->name = def;
#define SET(type, name, def, min, max, unit, help) SET_##type(name, def)
    HUB_CONFIG_KEYS(SET)
#undef SET
}

static const key *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Parses value into k's field of cfg. Returns NULL, or the reason in why. */
static const char *apply(hub_config *cfg, const key *k, const char *value, char *why, size_t whysz)
{
    char *field = (char *)cfg + k->offset;
    switch (k->type) {
    case T_STR:
        if (strlen(value) >= HUB_CONFIG_STR_MAX) {
            snprintf(why, whysz, "%s: value longer than %d bytes", k->name, HUB_CONFIG_STR_MAX - 1);
            return why;
        }
        memset(field, 0, HUB_CONFIG_STR_MAX);
        snprintf(field, HUB_CONFIG_STR_MAX, "%s", value);
        return NULL;
    case T_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0) {
            *(int *)field = 1;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
                   strcmp(value, "0") == 0) {
            *(int *)field = 0;
        } else {
            snprintf(why, whysz, "%s: must be true or false", k->name);
            return why;
        }
        return NULL;
    case T_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(why, whysz, "%s: must be a whole number%s%s", k->name, *k->unit ? " of " : "",
                     k->unit);
            return why;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, whysz, "%s: must be between %.0f and %.0f%s%s", k->name, k->min, k->max,
                     *k->unit ? " " : "", k->unit);
            return why;
        }
        *(long *)field = v;
        return NULL;
    }
    }
    snprintf(why, whysz, "%s: unknown type", k->name);
    return why;
}

dk_err hub_config_set(hub_config *cfg, const char *name, const char *value)
{
    const key *k = find_key(name);
    if (!k)
        return dk_error_set(DK_ERR_INVALID, "unknown setting '%s' (see district-hub print-config)",
                            name);
    char why[200];
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

dk_err hub_config_load(hub_config *cfg, const char *path, dk_buf *problems)
{
    char *text = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, CONFIG_FILE_MAX, &text, &len);
    if (err) {
        dk_err lost = dk_buf_addf(problems, "%s: %s\n", path, dk_error_detail());
        (void)lost;
        return err;
    }
    hub_config next = *cfg; /* all or nothing */
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
        char why[200];
        const char *bad_line = NULL;
        if (!eq) {
            bad_line = "expected 'key = value'";
        } else {
            *eq = '\0';
            char *name = trim(s), *value = trim(eq + 1);
            size_t vl = strlen(value);
            if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
                value[vl - 1] = '\0';
                value++;
            }
            const key *k = find_key(name);
            if (!k) {
                snprintf(why, sizeof why, "unknown setting '%s'", name);
                bad_line = why;
            } else {
                bad_line = apply(&next, k, value, why, sizeof why);
            }
        }
        if (bad_line) {
            bad = 1;
            dk_err lost = dk_buf_addf(problems, "%s:%d: %s\n", path, lineno, bad_line);
            (void)lost;
        }
    }
    free(text);
    if (bad)
        return dk_error_set(DK_ERR_INVALID, "%s has errors", path);
    *cfg = next;
    return DK_OK;
}

void hub_config_write(FILE *out, const hub_config *cfg)
{
    fprintf(out, "# district-hub settings. Every line is optional; shown are the %s.\n",
            cfg ? "values in force" : "defaults");
    for (size_t i = 0; i < NKEYS; i++) {
        const key *k = &keys[i];
        fprintf(out, "\n# %s", k->help);
        if (*k->unit)
            fprintf(out, " [%s]", k->unit);
        if (k->type == T_INT)
            fprintf(out, " (%.0f to %.0f)", k->min, k->max);
        fprintf(out, "\n%s = ", k->name);
        const char *field = cfg ? (const char *)cfg + k->offset : NULL;
        switch (k->type) {
        case T_STR:
            if (field) /* quoted like the defaults, so that the output reads back */
                fprintf(out, "\"%s\"\n", field);
            else
                fprintf(out, "%s\n", k->def_text); /* the macro argument, already quoted */
            break;
        case T_INT:
            if (field)
                fprintf(out, "%ld\n", *(const long *)field);
            else
                fprintf(out, "%s\n", k->def_text);
            break;
        case T_BOOL: {
            int v = field ? *(const int *)field : strcmp(k->def_text, "0") != 0;
            fprintf(out, "%s\n", v ? "true" : "false");
            break;
        }
        }
    }
}

int hub_address_is_loopback(const char *addr)
{
    if (strcmp(addr, "localhost") == 0)
        return 1;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

int hub_config_plain_http(const hub_config *cfg)
{
    return !cfg->tls_cert[0] && cfg->allow_plain_http && hub_address_is_loopback(cfg->listen_address);
}

void hub_config_base_url(const hub_config *cfg, char *out, size_t outsz)
{
    if (cfg->public_url[0]) {
        snprintf(out, outsz, "%s", cfg->public_url);
        return;
    }
    const char *scheme = hub_config_plain_http(cfg) ? "http" : "https";
    int v6 = strchr(cfg->listen_address, ':') != NULL;
    snprintf(out, outsz, "%s://%s%s%s:%ld", scheme, v6 ? "[" : "", cfg->listen_address,
             v6 ? "]" : "", cfg->port);
}
