/* hub_devices.c: device names and tokens, heartbeat parsing, and the devices overview. */
#include "hub_devices.h"

#include "dk_sign.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

dk_err hub_device_name_check(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > HUB_NAME_MAX)
        return dk_error_set(DK_ERR_INVALID, "a device name has 1 to %d characters", HUB_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
            return dk_error_set(DK_ERR_INVALID,
                                "'%s' is not a valid device name: use lower-case letters, digits, "
                                "'-', '_' and '.', starting with a letter or digit "
                                "(e.g. hoerde-foyer)",
                                name);
    }
    return DK_OK;
}

int hub_token_well_formed(const char *token)
{
    if (strlen(token) != HUB_TOKEN_HEX - 1)
        return 0;
    for (const char *p = token; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

void hub_token_hash(const char *token, char out[DK_SHA256_HEX])
{
    dk_sha256_hex(token, strlen(token), out);
}

dk_err hub_device_add(hub_site *s, const char *name, char token[HUB_TOKEN_HEX])
{
    dk_err err = hub_device_name_check(name);
    if (err)
        return err;
    unsigned char raw[HUB_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    dk_hex_encode(raw, sizeof raw, token);
    dk_wipe(raw, sizeof raw);
    char hash[DK_SHA256_HEX];
    hub_token_hash(token, hash);
    err = hub_db_device_add(s->db, name, hash);
    if (err)
        dk_wipe(token, HUB_TOKEN_HEX);
    return err;
}

dk_err hub_device_snippet(hub_site *s, const char *name, const char *token, FILE *out)
{
    char url[HUB_CONFIG_STR_MAX + 64], signing[2 * DK_SIGN_PUBLIC_HEX],
        registration[2 * HUB_X25519_BYTES + 1];
    hub_config_base_url(&s->cfg, url, sizeof url);
    /* During a key rotation the kiosk trusts both keys: releases are signed by both until the
     * rotation finishes, and by the successor alone after that. */
    dk_err err = hub_site_load_keys(s, NULL);
    if (err)
        return err;
    dk_sign_public_hex(s->key.pub, signing);
    if (s->has_next) {
        signing[DK_SIGN_PUBLIC_HEX - 1] = ',';
        dk_sign_public_hex(s->next.pub, signing + DK_SIGN_PUBLIC_HEX);
    }
    if ((err = hub_site_registration_public(s, registration)))
        return err;
    fprintf(out,
            "# district-kiosk settings for device '%s' (from district-hub device add)\n"
            "device_name = %s\n"
            "hub_url = %s\n"
            "trusted_keys = %s\n"
            "device_token = %s\n"
            "registration_pubkey = %s\n",
            name, name, url, signing, token, registration);
    if (hub_config_plain_http(&s->cfg))
        fprintf(out, "# this hub serves plain HTTP on loopback (development only):\n"
                     "sync_allow_http = true\n");
    return DK_OK;
}

/* ---- heartbeats ---- */

static dk_err take_string(json_t *root, const char *name, char out[HUB_HB_STR_MAX + 1])
{
    json_t *v = json_object_get(root, name);
    if (!v || json_is_null(v))
        return DK_OK;
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) > HUB_HB_STR_MAX || strlen(s) != json_string_length(v))
        return dk_error_set(DK_ERR_INVALID, "field '%s' must be a text of at most %d bytes", name,
                            HUB_HB_STR_MAX);
    memcpy(out, s, strlen(s) + 1);
    return DK_OK;
}

static dk_err take_count(json_t *root, const char *name, long long *out)
{
    json_t *v = json_object_get(root, name);
    if (!v || json_is_null(v))
        return DK_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return dk_error_set(DK_ERR_INVALID, "field '%s' must be a whole number >= 0", name);
    *out = (long long)json_integer_value(v);
    return DK_OK;
}

/* "registration_key": the first 8 lower-case hex digits of the key the kiosk seals to. */
static dk_err take_regkey(json_t *root, char out[HUB_HB_REGKEY_HEX + 1])
{
    json_t *v = json_object_get(root, "registration_key");
    if (!v || json_is_null(v))
        return DK_OK;
    const char *s = json_string_value(v);
    int ok = s && json_string_length(v) == HUB_HB_REGKEY_HEX;
    for (size_t i = 0; ok && i < HUB_HB_REGKEY_HEX; i++)
        ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (!ok)
        return dk_error_set(DK_ERR_INVALID,
                            "field 'registration_key' must be %d lower-case hex digits",
                            HUB_HB_REGKEY_HEX);
    memcpy(out, s, HUB_HB_REGKEY_HEX + 1);
    return DK_OK;
}

dk_err hub_heartbeat_parse(const char *json, size_t len, hub_heartbeat *out)
{
    hub_heartbeat_init(out);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return dk_error_set(DK_ERR_INVALID, "the body is not JSON (%s)", jerr.text);
    dk_err err = DK_OK;
    if (!json_is_object(root)) {
        err = dk_error_set(DK_ERR_INVALID, "the body must be a JSON object");
    } else {
        json_t *stale = json_object_get(root, "stale");
        if (stale && !json_is_null(stale) && !json_is_boolean(stale))
            err = dk_error_set(DK_ERR_INVALID, "field 'stale' must be true or false");
        else if (stale && json_is_boolean(stale))
            out->stale = json_is_true(stale);
        if (!err && !(err = take_string(root, "app_version", out->app_version)) &&
            !(err = take_string(root, "content_issued", out->content_issued)) &&
            !(err = take_string(root, "last_attempt", out->last_attempt)) &&
            !(err = take_string(root, "last_success", out->last_success)) &&
            !(err = take_string(root, "last_result", out->last_result)) &&
            !(err = take_string(root, "last_error", out->last_error)) &&
            !(err = take_count(root, "content_version", &out->content_version)) &&
            !(err = take_count(root, "backlog", &out->backlog)) &&
            !(err = take_count(root, "quarantined", &out->quarantined)) &&
            !(err = take_count(root, "free_disk_mb", &out->free_disk_mb)) &&
            !(err = take_count(root, "uptime_s", &out->uptime_s)))
            err = take_regkey(root, out->registration_key);
    }
    json_decref(root);
    if (err)
        hub_heartbeat_init(out);
    return err;
}

/* ---- the overview ---- */

int hub_device_flags(const hub_device *d, long long now, long silent_s, long long latest_release)
{
    int flags = 0;
    if (!d->has_heartbeat || now - d->received > silent_s)
        flags |= HUB_FLAG_SILENT;
    if (d->has_heartbeat &&
        (d->hb.stale == 1 || (latest_release > 0 && d->hb.content_version >= 0 &&
                              d->hb.content_version < latest_release)))
        flags |= HUB_FLAG_STALE;
    return flags;
}

/* Text a kiosk sent, made safe for a terminal: control characters become '?', cut at max. */
static void printable(const char *in, char *out, size_t max)
{
    size_t i = 0;
    for (; in[i] && i + 1 < max; i++)
        out[i] = ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) ? '?' : in[i];
    out[i] = '\0';
}

static void format_age(long long age, char *out, size_t outsz)
{
    if (age < 0)
        age = 0;
    if (age < 120)
        snprintf(out, outsz, "%lld s ago", age);
    else if (age < 7200)
        snprintf(out, outsz, "%lld min ago", age / 60);
    else if (age < 172800)
        snprintf(out, outsz, "%lld h ago", age / 3600);
    else
        snprintf(out, outsz, "%lld days ago", age / 86400);
}

static void format_disk(long long mb, char *out, size_t outsz)
{
    if (mb < 0)
        snprintf(out, outsz, "-");
    else if (mb >= 10240)
        snprintf(out, outsz, "%.0f GiB", (double)mb / 1024.0);
    else if (mb >= 1024)
        snprintf(out, outsz, "%.1f GiB", (double)mb / 1024.0);
    else
        snprintf(out, outsz, "%lld MiB", mb);
}

static void format_count(long long v, char *out, size_t outsz)
{
    if (v < 0)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%lld", v);
}

static json_t *json_opt_string(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *json_opt_int(long long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static dk_err print_json(const hub_device *list, size_t n, long long now, long silent_s,
                         long long latest, FILE *out)
{
    json_t *devices = json_array();
    json_t *root = json_pack("{s:o,s:I,s:I,s:o}", "latest_release", json_opt_int(latest > 0 ? latest : -1),
                             "silent_after_s", (json_int_t)silent_s, "now", (json_int_t)now,
                             "devices", devices);
    if (!root)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    int oom = 0;
    for (size_t i = 0; i < n; i++) {
        const hub_device *d = &list[i];
        int flags = hub_device_flags(d, now, silent_s, latest);
        json_t *fl = json_array();
        if (fl && (flags & HUB_FLAG_SILENT))
            json_array_append_new(fl, json_string("SILENT"));
        if (fl && (flags & HUB_FLAG_STALE))
            json_array_append_new(fl, json_string("STALE"));
        char received[32] = "";
        if (d->has_heartbeat)
            dk_time_format(d->received, received);
        const hub_heartbeat *hb = &d->hb;
        json_t *o = json_object();
        if (!o || !fl) {
            json_decref(o);
            json_decref(fl);
            oom = 1;
            break;
        }
        json_object_set_new(o, "name", json_string(d->name));
        json_object_set_new(o, "created", json_string(d->created));
        json_object_set_new(o, "last_heartbeat", json_opt_string(received));
        json_object_set_new(o, "age_s", json_opt_int(d->has_heartbeat ? now - d->received : -1));
        json_object_set_new(o, "flags", fl);
        json_object_set_new(o, "silent", json_boolean(flags & HUB_FLAG_SILENT));
        json_object_set_new(o, "stale", json_boolean(flags & HUB_FLAG_STALE));
        json_object_set_new(o, "reported_stale", hb->stale < 0 ? json_null() : json_boolean(hb->stale));
        json_object_set_new(o, "app_version", json_opt_string(hb->app_version));
        json_object_set_new(o, "registration_key", json_opt_string(hb->registration_key));
        json_object_set_new(o, "content_version", json_opt_int(hb->content_version));
        json_object_set_new(o, "content_issued", json_opt_string(hb->content_issued));
        json_object_set_new(o, "last_attempt", json_opt_string(hb->last_attempt));
        json_object_set_new(o, "last_success", json_opt_string(hb->last_success));
        json_object_set_new(o, "last_result", json_opt_string(hb->last_result));
        json_object_set_new(o, "last_error", json_opt_string(hb->last_error));
        json_object_set_new(o, "backlog", json_opt_int(hb->backlog));
        json_object_set_new(o, "quarantined", json_opt_int(hb->quarantined));
        json_object_set_new(o, "free_disk_mb", json_opt_int(hb->free_disk_mb));
        json_object_set_new(o, "uptime_s", json_opt_int(hb->uptime_s));
        if (json_array_append_new(devices, o) != 0)
            oom = 1;
    }
    return hub_json_print(root, oom, out);
}

dk_err hub_json_print(json_t *root, int oom, FILE *out)
{
    char *text = oom || !root ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    fprintf(out, "%s\n", text);
    free(text);
    return DK_OK;
}

dk_err hub_devices_print(hub_site *s, long long now, int json, FILE *out)
{
    hub_device *list = NULL;
    size_t n = 0;
    hub_release_row latest;
    long long latest_version = 0;
    dk_err err = hub_db_release_latest(s->db, &latest);
    if (err == DK_OK)
        latest_version = latest.version;
    else if (err != DK_ERR_NOTFOUND)
        return err;
    if ((err = hub_db_devices(s->db, &list, &n)))
        return err;
    long silent_s = s->cfg.heartbeat_silent_s;
    if (json) {
        err = print_json(list, n, now, silent_s, latest_version, out);
        free(list);
        return err;
    }
    if (latest_version > 0)
        fprintf(out, "latest release: %lld (published %s)\n", latest_version, latest.issued);
    else
        fprintf(out, "latest release: none published yet\n");
    if (n == 0) {
        fprintf(out, "no devices; add one with: district-hub device add NAME\n");
        free(list);
        return DK_OK;
    }
    fprintf(out, "%-20s %-16s %-7s %-10s %-7s %-9s %-10s %s\n", "NAME", "LAST HEARTBEAT",
            "CONTENT", "LAST SYNC", "BACKLOG", "FREE DISK", "APP", "FLAGS");
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        const hub_device *d = &list[i];
        const hub_heartbeat *hb = &d->hb;
        int flags = hub_device_flags(d, now, silent_s, latest_version);
        char age[32] = "never", content[24], backlog[24], disk[24], result[16], app[16];
        if (d->has_heartbeat)
            format_age(now - d->received, age, sizeof age);
        format_count(hb->content_version, content, sizeof content);
        format_count(hb->backlog, backlog, sizeof backlog);
        format_disk(hb->free_disk_mb, disk, sizeof disk);
        printable(hb->last_result[0] ? hb->last_result : "-", result, 11);
        printable(hb->app_version[0] ? hb->app_version : "-", app, 11);
        fprintf(out, "%-20s %-16s %-7s %-10s %-7s %-9s %-10s %s%s%s\n", d->name, age, content,
                result, backlog, disk, app, (flags & HUB_FLAG_SILENT) ? "SILENT" : "",
                (flags & HUB_FLAG_SILENT) && (flags & HUB_FLAG_STALE) ? "," : "",
                (flags & HUB_FLAG_STALE) ? "STALE" : "");
        errors += hb->last_error[0] != '\0';
    }
    if (errors) {
        fprintf(out, "\nlast errors:\n");
        for (size_t i = 0; i < n; i++) {
            if (!list[i].hb.last_error[0])
                continue;
            char text[HUB_HB_STR_MAX + 1];
            printable(list[i].hb.last_error, text, sizeof text);
            fprintf(out, "  %s: %s\n", list[i].name, text);
        }
    }
    fprintf(out, "\nSILENT: no heartbeat for %ld s; STALE: the kiosk reports stale content or runs an "
                 "older release\n", silent_s);
    free(list);
    return DK_OK;
}
