/* hub_regkeys.c: registration-key rotate and status: a planned change of the key kiosks seal
 * volunteers' registrations to. */
#include "hub_regkeys.h"

#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "hub_devices.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LOCK_WAIT_S  30  /* [s] wait for another writer of the data folder */
#define KEY_FILE_MAX 256 /* [bytes] a secret key file: 64 hex digits and a newline */
#define PREFIX_HEX   8   /* hex digits of a public key in a retired file's name and heartbeats */

_Static_assert(PREFIX_HEX == HUB_HB_REGKEY_HEX, "heartbeats report the same prefix");

/* ---- helpers ---- */

/* Lists the names in keys/registration-retired/ shaped like retired keys, sorted (oldest
 * first); none when the folder does not exist. *names is freed by the caller with free(). */
static dk_err retired_names(const hub_site *s, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (!dk_fs_is_dir(s->regkey_retired_dir))
        return DK_OK;
    char **all = NULL;
    size_t count = 0;
    dk_err err = dk_fs_list(s->regkey_retired_dir, HUB_REGKEY_RING_MAX * 4, &all, &count);
    if (err)
        return err;
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (hub_regkey_retired_name(all[i]))
            all[kept++] = all[i];
    *names = all;
    *n = kept;
    return DK_OK;
}

/* The public key of the key file dir/name as hex. */
static dk_err public_of(const char *dir, const char *name, char hex[HUB_REGKEY_HEX])
{
    char path[HUB_PATH_MAX];
    hub_regkey *k = NULL;
    dk_err err = dk_fs_join(path, sizeof path, dir, name);
    if (!err && !(err = hub_regkey_load(path, &k)))
        dk_hex_encode(hub_regkey_public(k), HUB_X25519_BYTES, hex);
    hub_regkey_free(k);
    return err;
}

/* A retired copy of the key pub made by an interrupted rotate: its path into path, or "". */
static dk_err find_retired(const hub_site *s, const char pub[HUB_REGKEY_HEX],
                           char path[HUB_PATH_MAX])
{
    path[0] = '\0';
    char **names = NULL;
    size_t n = 0;
    dk_err err = retired_names(s, &names, &n);
    for (size_t i = 0; i < n && !err && !path[0]; i++) {
        if (strncmp(names[i] + strlen(names[i]) - PREFIX_HEX - 4, pub, PREFIX_HEX) != 0)
            continue;
        char hex[HUB_REGKEY_HEX];
        if (!(err = public_of(s->regkey_retired_dir, names[i], hex)) && strcmp(hex, pub) == 0)
            err = dk_fs_join(path, HUB_PATH_MAX, s->regkey_retired_dir, names[i]);
    }
    free(names);
    return err;
}

/* Puts a durable copy of keys/registration.key (public key pub) into registration-retired/. */
static dk_err retire(hub_site *s, const char pub[HUB_REGKEY_HEX], long long now,
                     char path[HUB_PATH_MAX])
{
    time_t t = (time_t)now;
    struct tm tm;
    char stamp[32], name[HUB_REGKEY_FILE_MAX];
    if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return dk_error_set(DK_ERR_INVALID, "the clock's time %lld cannot name a file", now);
    snprintf(name, sizeof name, "%s-%.*s.key", stamp, PREFIX_HEX, pub);
    dk_err err;
    if ((err = dk_fs_mkdirs(s->regkey_retired_dir, 0700)) ||
        (err = dk_fs_join(path, HUB_PATH_MAX, s->regkey_retired_dir, name)))
        return err;
    if (chmod(s->regkey_retired_dir, 0700) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot make %s private: %s",
                            s->regkey_retired_dir, strerror(errno));
    /* The folder's own entry must be durable before the key inside it is relied on. */
    if ((err = dk_fs_sync_dir(s->keys_dir)))
        return err;
    struct stat st;
    if (lstat(path, &st) == 0)
        return dk_error_set(DK_ERR_EXISTS,
                            "%s exists and holds another key; nothing was changed. Wait a "
                            "second and run district-hub registration-key rotate again",
                            path);
    char *text = NULL;
    size_t len = 0;
    if ((err = dk_fs_read(s->registration_key_path, KEY_FILE_MAX, &text, &len)))
        return err;
    err = dk_fs_write_atomic(path, text, len, 0600); /* temporary file, fsync, rename, folder */
    sodium_memzero(text, len);
    free(text);
    return err;
}

/* ---- rotate ---- */

dk_err hub_regkey_rotate(hub_site *s, long long now, hub_regkey_rotate_result *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    hub_regkey *ring = NULL;
    /* Every key must load first: a rotate never adds to a ring that cannot open records. */
    if ((err = hub_regkey_load_ring(s->registration_key_path, s->regkey_retired_dir, &ring)))
        goto done;
    dk_hex_encode(hub_regkey_public(ring), HUB_X25519_BYTES, out->previous);
    if ((err = find_retired(s, out->previous, out->retired_path)))
        goto done;
    if (!out->retired_path[0]) {
        if (hub_regkey_count(ring) >= HUB_REGKEY_RING_MAX) {
            err = dk_error_set(DK_ERR_LIMIT,
                               "the hub holds %d registration keys already, the most it opens "
                               "records with; nothing was changed. Move the oldest retired key "
                               "out of %s once no record sealed to it is left",
                               HUB_REGKEY_RING_MAX, s->regkey_retired_dir);
            goto done;
        }
        if ((err = retire(s, out->previous, now, out->retired_path)))
            goto done;
    }
    /* The order makes every crash safe: 1. the old key's copy is durable; 2. one rename puts the
     * new key in place of registration.key (dk_fs_write_atomic), and the folder is fsynced.
     * Before the rename the old key is current (and also retired: harmless), after it the new
     * key is current and the old one opens what was sealed to it. */
    if ((err = dk_fault_point("regkeys.rotate.retired")))
        goto done;
    unsigned char pub[crypto_box_PUBLICKEYBYTES], sec[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pub, sec);
    char sechex[2 * crypto_box_SECRETKEYBYTES + 2];
    dk_hex_encode(sec, sizeof sec, sechex);
    sechex[2 * crypto_box_SECRETKEYBYTES] = '\n';
    sechex[2 * crypto_box_SECRETKEYBYTES + 1] = '\0';
    err = dk_fs_write_atomic(s->registration_key_path, sechex, strlen(sechex), 0600);
    sodium_memzero(sechex, sizeof sechex);
    sodium_memzero(sec, sizeof sec);
    if (err)
        goto done;
    dk_hex_encode(pub, sizeof pub, out->current);
    char line[HUB_REGKEY_HEX + 1];
    snprintf(line, sizeof line, "%s\n", out->current);
    /* Only a copy for staff: hub_site_registration_public() repairs it if this fails. */
    if (dk_fs_write_atomic(s->registration_pub_path, line, strlen(line), 0644) != DK_OK)
        dk_warn("%s could not be rewritten (%s); the next publish or device add repairs it",
                s->registration_pub_path, dk_error_detail());
    dk_info("registration key changed: new key %s; %s retired to %s", out->current, out->previous,
            out->retired_path);
done:
    hub_regkey_free(ring);
    hub_site_unlock(s);
    return err;
}

/* ---- status ---- */

void hub_regkey_status_free(hub_regkey_status *st)
{
    if (!st)
        return;
    free(st->retired);
    free(st->devices);
    st->retired = NULL;
    st->devices = NULL;
    st->retired_count = st->device_count = 0;
}

dk_err hub_regkey_status_get(hub_site *s, hub_regkey_status *out)
{
    memset(out, 0, sizeof *out);
    hub_regkey *ring = NULL;
    dk_err err = hub_regkey_load_ring(s->registration_key_path, s->regkey_retired_dir, &ring);
    if (err)
        return err;
    dk_hex_encode(hub_regkey_public(ring), HUB_X25519_BYTES, out->current);
    hub_regkey_free(ring);
    char **names = NULL;
    size_t n = 0;
    if ((err = retired_names(s, &names, &n)))
        return err;
    out->retired = calloc(n ? n : 1, sizeof *out->retired);
    if (!out->retired) {
        free(names);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    for (size_t i = n; i-- > 0 && !err;) { /* newest first */
        hub_regkey_retired *r = &out->retired[out->retired_count++];
        snprintf(r->file, sizeof r->file, "%s", names[i]);
        err = public_of(s->regkey_retired_dir, names[i], r->key);
    }
    free(names);
    if (err)
        return err;
    hub_device *list = NULL;
    if ((err = hub_db_devices(s->db, &list, &n)))
        return err;
    out->devices = calloc(n ? n : 1, sizeof *out->devices);
    if (!out->devices) {
        free(list);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        hub_regkey_device *d = &out->devices[i];
        snprintf(d->name, sizeof d->name, "%s", list[i].name);
        d->has_heartbeat = list[i].has_heartbeat;
        d->received = list[i].received;
        snprintf(d->reported, sizeof d->reported, "%s",
                 list[i].has_heartbeat ? list[i].hb.registration_key : "");
        d->on_current = d->reported[0] && strncmp(d->reported, out->current, PREFIX_HEX) == 0;
        out->lagging += !d->on_current;
    }
    out->device_count = n;
    free(list);
    return DK_OK;
}

/* "retired 20261126T173000Z" when prefix names a retired key, "an unknown key" otherwise. */
static void describe(const hub_regkey_status *st, const char *prefix, char *out, size_t outsz)
{
    for (size_t i = 0; i < st->retired_count; i++)
        if (strncmp(st->retired[i].key, prefix, PREFIX_HEX) == 0) {
            snprintf(out, outsz, "RETIRED key (%.16s)", st->retired[i].file);
            return;
        }
    snprintf(out, outsz, "UNKNOWN key (not this hub's)");
}

static dk_err print_json(const hub_regkey_status *st, long long now, FILE *out)
{
    json_t *root = json_object(), *retired = json_array(), *devices = json_array();
    json_t *lagging = json_array();
    int oom = !root || !retired || !devices || !lagging;
    for (size_t i = 0; i < st->retired_count && !oom; i++)
        oom |= json_array_append_new(retired, json_pack("{s:s,s:s}", "file", st->retired[i].file,
                                                        "key", st->retired[i].key)) != 0;
    for (size_t i = 0; i < st->device_count && !oom; i++) {
        const hub_regkey_device *d = &st->devices[i];
        char received[32] = "";
        if (d->has_heartbeat)
            dk_time_format(d->received, received);
        json_t *o = json_pack(
            "{s:s,s:o,s:o,s:o,s:b}", "name", d->name, "last_heartbeat",
            d->has_heartbeat ? json_string(received) : json_null(), "age_s",
            d->has_heartbeat ? json_integer(now - d->received) : json_null(), "registration_key",
            d->reported[0] ? json_string(d->reported) : json_null(), "on_current", d->on_current);
        oom |= !o || json_array_append_new(devices, o) != 0;
        if (!d->on_current)
            oom |= json_array_append_new(lagging, json_string(d->name)) != 0;
    }
    if (!oom) {
        oom |= json_object_set_new(root, "registration_key", json_string(st->current)) != 0;
        oom |= json_object_set_new(root, "retired_keys", retired) != 0;
        oom |= json_object_set_new(root, "devices", devices) != 0;
        oom |= json_object_set_new(root, "lagging", lagging) != 0;
        retired = devices = lagging = NULL; /* owned by root now, also when a set failed */
    }
    json_decref(retired);
    json_decref(devices);
    json_decref(lagging);
    return hub_json_print(root, oom, out);
}

dk_err hub_regkey_status_print(const hub_regkey_status *st, long long now, int json, FILE *out)
{
    if (json)
        return print_json(st, now, out);
    fprintf(out, "registration key: %s (keys/registration.key)\n", st->current);
    if (st->retired_count) {
        fprintf(out,
                "retired keys: %zu in keys/registration-retired/ (they still open records "
                "sealed to them; never deleted by the hub)\n",
                st->retired_count);
        for (size_t i = 0; i < st->retired_count; i++)
            fprintf(out, "  %s  %s\n", st->retired[i].file, st->retired[i].key);
    } else {
        fprintf(out, "retired keys: none\n");
    }
    fprintf(out, "devices sealing to the current key (%.*s): %zu of %zu\n", PREFIX_HEX, st->current,
            st->device_count - st->lagging, st->device_count);
    for (size_t i = 0; i < st->device_count; i++) {
        const hub_regkey_device *d = &st->devices[i];
        char what[64];
        if (d->on_current)
            snprintf(what, sizeof what, "current key");
        else if (d->reported[0])
            describe(st, d->reported, what, sizeof what);
        else
            snprintf(what, sizeof what, "%s",
                     d->has_heartbeat ? "not reported (an older kiosk)" : "never reported");
        fprintf(out, "  %-20s %-8s %s\n", d->name, d->reported[0] ? d->reported : "-", what);
    }
    if (st->lagging)
        fprintf(out, "next: devices not on the current key seal to the key they name until they "
                     "accept a release published after the change (district-hub publish, then "
                     "their next sync); the hub opens both\n");
    return DK_OK;
}
