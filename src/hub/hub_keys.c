/* hub_keys.c: key rotate, status and finish: a planned change of the release signing key. */
#include "hub_keys.h"

#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "hub_devices.h"
#include "hub_release.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOCK_WAIT_S    30  /* [s] wait for another writer of the data folder */
#define NAMES_IN_ERROR 200 /* [bytes] of device names a refusal lists before "and N more" */

/* ---- helpers ---- */

/* Copies the calling thread's error detail into note (the operation went on regardless). */
static void keep_note(char note[DK_ERROR_DETAIL_MAX], const char *what)
{
    char was[DK_ERROR_DETAIL_MAX];
    snprintf(was, sizeof was, "%s", dk_error_detail());
    snprintf(note, DK_ERROR_DETAIL_MAX, "%s: %s", what, was);
}

/* Re-signs the timestamp after the keys changed; a failure goes to note, not to the caller:
 * the key change is done, and serve or the next publish signs the timestamp. Releases the lock. */
static void resign_after_change(hub_site *s, long long now, int *resigned, long long *version,
                                int *published, char note[DK_ERROR_DETAIL_MAX])
{
    hub_timestamp_state st;
    dk_err err = hub_timestamp_refresh(s, now, 0, &st);
    if (published)
        *published = err != DK_ERR_NOTFOUND;
    if (err == DK_ERR_NOTFOUND)
        return;
    if (err) {
        keep_note(note, "the timestamp could not be re-signed now (serve or the next publish "
                        "signs it)");
        dk_warn("%s", note);
        return;
    }
    *resigned = st.resigned;
    *version = st.ts.version;
}

/* 1 if name is "<64 lower-case hex>.key"; the key into hex. */
static int retired_name(const char *name, char hex[DK_SIGN_PUBLIC_HEX])
{
    size_t n = strlen(name);
    if (n != 2 * DK_SIGN_PUBLIC_BYTES + 4 || strcmp(name + n - 4, ".key") != 0)
        return 0;
    for (size_t i = 0; i < 2 * DK_SIGN_PUBLIC_BYTES; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    memcpy(hex, name, 2 * DK_SIGN_PUBLIC_BYTES);
    hex[2 * DK_SIGN_PUBLIC_BYTES] = '\0';
    return 1;
}

/* ---- rotate ---- */

dk_err hub_key_rotate(hub_site *s, long long now, hub_key_rotate_result *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    if ((err = hub_site_load_keys(s, NULL)))
        goto unlock;
    if (s->has_next) {
        char hex[DK_SIGN_PUBLIC_HEX];
        dk_sign_public_hex(s->next.pub, hex);
        err = dk_error_set(DK_ERR_EXISTS,
                           "a key rotation is in progress already (successor %s in %s); nothing "
                           "was changed. Finish it first: district-hub key status, then "
                           "district-hub key finish",
                           hex, s->next_key_path);
        goto unlock;
    }
    dk_sign_key next;
    if ((err = dk_sign_keygen(&next)))
        goto unlock;
    /* Atomic (temporary file, fsync, rename, folder fsync): the successor exists whole or not at
     * all, and only from this rename on does anything sign with it. */
    err = dk_sign_key_save(&next, s->next_key_path);
    dk_wipe(&next, sizeof next);
    if (err || (err = hub_site_load_keys(s, NULL)))
        goto unlock;
    dk_sign_public_hex(s->key.pub, out->current);
    dk_sign_public_hex(s->next.pub, out->successor);
    dk_info("key rotation started: successor %s signs beside %s", out->successor, out->current);
    resign_after_change(s, now, &out->resigned, &out->timestamp_version, &out->published,
                        out->note);
    return DK_OK; /* resign_after_change released the lock */
unlock:
    hub_site_unlock(s);
    return err;
}

/* ---- status ---- */

void hub_key_status_free(hub_key_status *st)
{
    if (!st)
        return;
    free(st->devices);
    free(st->retired);
    st->devices = NULL;
    st->retired = NULL;
    st->device_count = st->retired_count = 0;
}

static dk_err list_retired(const hub_site *s, hub_key_status *out)
{
    if (!dk_fs_is_dir(s->retired_dir))
        return DK_OK;
    char **names = NULL;
    size_t n = 0;
    dk_err err = dk_fs_list(s->retired_dir, HUB_KEYS_RETIRED_MAX, &names, &n);
    if (err)
        return err;
    out->retired = calloc(n ? n : 1, sizeof *out->retired);
    if (!out->retired) {
        free(names);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (retired_name(names[i], out->retired[out->retired_count]))
            out->retired_count++;
    free(names);
    return DK_OK;
}

dk_err hub_key_status_get(hub_site *s, hub_key_status *out)
{
    memset(out, 0, sizeof *out);
    dk_err err = hub_site_load_keys(s, NULL);
    if (err)
        return err;
    dk_sign_public_hex(s->key.pub, out->current);
    if (s->has_next) {
        dk_sign_public_hex(s->next.pub, out->successor);
        if ((err = hub_release_first_naming(s, s->next.pub, &out->first_release)))
            return err;
    }
    hub_release_row latest;
    err = hub_db_release_latest(s->db, &latest);
    if (err == DK_OK)
        out->latest_release = latest.version;
    else if (err != DK_ERR_NOTFOUND)
        return err;
    hub_device *list = NULL;
    size_t n = 0;
    if ((err = hub_db_devices(s->db, &list, &n)))
        return err;
    out->devices = calloc(n ? n : 1, sizeof *out->devices);
    if (!out->devices) {
        free(list);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        hub_key_device *d = &out->devices[i];
        snprintf(d->name, sizeof d->name, "%s", list[i].name);
        d->has_heartbeat = list[i].has_heartbeat;
        d->received = list[i].received;
        d->content_version = list[i].has_heartbeat ? list[i].hb.content_version : -1;
        /* Every manifest from first_release on names the successor, and a kiosk replaces its
         * extra keys with those of each manifest it accepts: running such a release, it trusts
         * the successor. */
        d->trusts_successor = out->first_release > 0 && d->content_version >= out->first_release;
        out->lagging += !d->trusts_successor;
    }
    out->device_count = n;
    free(list);
    return list_retired(s, out);
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

static json_t *json_opt_int(long long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static dk_err print_json(const hub_key_status *st, long long now, FILE *out)
{
    int rotating = st->successor[0] != '\0';
    json_t *devices = json_array(), *lagging = json_array(), *retired = json_array();
    json_t *root = json_object();
    int oom = !devices || !lagging || !retired || !root;
    for (size_t i = 0; i < st->device_count && !oom; i++) {
        const hub_key_device *d = &st->devices[i];
        char received[32] = "";
        if (d->has_heartbeat)
            dk_time_format(d->received, received);
        json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:b}", "name", d->name, "last_heartbeat",
                              d->has_heartbeat ? json_string(received) : json_null(), "age_s",
                              d->has_heartbeat ? json_integer(now - d->received) : json_null(),
                              "content_version", json_opt_int(d->content_version),
                              "trusts_successor", rotating && d->trusts_successor);
        oom |= !o || json_array_append_new(devices, o) != 0;
        if (rotating && !d->trusts_successor)
            oom |= json_array_append_new(lagging, json_string(d->name)) != 0;
    }
    for (size_t i = 0; i < st->retired_count && !oom; i++)
        oom |= json_array_append_new(retired, json_string(st->retired[i])) != 0;
    if (!oom) {
        oom |= json_object_set_new(root, "signing_key", json_string(st->current)) != 0;
        oom |= json_object_set_new(root, "successor",
                                   rotating ? json_string(st->successor) : json_null()) != 0;
        oom |= json_object_set_new(root, "first_release",
                                   st->first_release > 0 ? json_integer(st->first_release)
                                                         : json_null()) != 0;
        oom |= json_object_set_new(root, "latest_release",
                                   st->latest_release > 0 ? json_integer(st->latest_release)
                                                          : json_null()) != 0;
        oom |= json_object_set_new(
                   root, "ready_to_finish",
                   json_boolean(rotating && st->first_release > 0 && st->lagging == 0)) != 0;
        oom |= json_object_set_new(root, "devices", devices) != 0;
        oom |= json_object_set_new(root, "lagging", lagging) != 0;
        oom |= json_object_set_new(root, "retired_keys", retired) != 0;
        devices = lagging = retired = NULL; /* owned by root now, also when a set failed */
    }
    json_decref(devices);
    json_decref(lagging);
    json_decref(retired);
    return hub_json_print(root, oom, out);
}

dk_err hub_key_status_print(const hub_key_status *st, long long now, int json, FILE *out)
{
    if (json)
        return print_json(st, now, out);
    fprintf(out, "signing key: %s (keys/signing.key)\n", st->current);
    if (st->retired_count)
        fprintf(out, "retired keys: %zu in keys/retired/ (they sign nothing)\n", st->retired_count);
    if (!st->successor[0]) {
        fprintf(out, "no key rotation in progress; to change the key: district-hub key rotate "
                     "(docs/hub.md, \"Changing the signing key\")\n");
        return DK_OK;
    }
    fprintf(out,
            "successor:   %s (keys/signing-next.key): a key rotation is in progress, both "
            "keys sign\n",
            st->successor);
    if (st->first_release == 0) {
        fprintf(out, "no release names the successor yet: run district-hub publish (even without "
                     "changes), so that kiosks learn it\n");
        return DK_OK;
    }
    fprintf(out, "first release naming the successor: %lld (latest release: %lld)\n",
            st->first_release, st->latest_release);
    fprintf(out, "devices that trust the successor (reported release %lld or later): %zu of %zu\n",
            st->first_release, st->device_count - st->lagging, st->device_count);
    for (size_t i = 0; i < st->device_count; i++) {
        const hub_key_device *d = &st->devices[i];
        char running[48], age[32];
        if (d->content_version >= 0)
            snprintf(running, sizeof running, "release %lld", d->content_version);
        else
            snprintf(running, sizeof running, "%s",
                     d->has_heartbeat ? "no content" : "never reported");
        if (d->trusts_successor) {
            fprintf(out, "  %-20s %-16s trusts it\n", d->name, running);
        } else {
            if (d->has_heartbeat)
                format_age(now - d->received, age, sizeof age);
            fprintf(out, "  %-20s %-16s NOT YET%s%s%s\n", d->name, running,
                    d->has_heartbeat ? " (last heartbeat " : "", d->has_heartbeat ? age : "",
                    d->has_heartbeat ? ")" : "");
        }
    }
    if (st->lagging)
        fprintf(out, "next: wait until the devices marked NOT YET have synced (district-hub "
                     "devices shows why one does not), or remove devices that are gone; then "
                     "district-hub key finish\n");
    else
        fprintf(out, "next: district-hub key finish (every device trusts the successor)\n");
    return DK_OK;
}

/* ---- finish ---- */

/* "name (release 6), other (never reported), and 3 more" for a refusal. */
static void lagging_names(const hub_key_status *st, char *out, size_t outsz)
{
    size_t len = 0, listed = 0;
    out[0] = '\0';
    for (size_t i = 0; i < st->device_count; i++) {
        const hub_key_device *d = &st->devices[i];
        if (d->trusts_successor)
            continue;
        char item[HUB_NAME_MAX + 48];
        if (d->content_version >= 0)
            snprintf(item, sizeof item, "%s%s (runs release %lld)", listed ? ", " : "", d->name,
                     d->content_version);
        else
            snprintf(item, sizeof item, "%s%s (%s)", listed ? ", " : "", d->name,
                     d->has_heartbeat ? "reports no content" : "never reported");
        if (len + strlen(item) >= NAMES_IN_ERROR || len + strlen(item) >= outsz) {
            snprintf(out + len, outsz - len, " and %zu more", st->lagging - listed);
            return;
        }
        memcpy(out + len, item, strlen(item) + 1);
        len += strlen(item);
        listed++;
    }
}

/* Puts the old key into keys/retired/<public>.key, durably; an identical copy left by an
 * interrupted finish is fine. */
static dk_err retire(hub_site *s, char path[HUB_PATH_MAX])
{
    char hex[DK_SIGN_PUBLIC_HEX], name[DK_SIGN_PUBLIC_HEX + 8];
    dk_sign_public_hex(s->key.pub, hex);
    snprintf(name, sizeof name, "%s.key", hex);
    dk_err err;
    if ((err = dk_fs_mkdirs(s->retired_dir, 0700)) ||
        (err = dk_fs_join(path, HUB_PATH_MAX, s->retired_dir, name)))
        return err;
    if (chmod(s->retired_dir, 0700) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot make %s private: %s",
                            s->retired_dir, strerror(errno));
    /* The folder's own entry must be durable before the key inside it is relied on. */
    if ((err = dk_fs_sync_dir(s->keys_dir)))
        return err;
    if (dk_fs_exists(path)) {
        dk_sign_key old;
        err = dk_sign_key_load(path, &old);
        int same = !err && sodium_memcmp(old.pub, s->key.pub, DK_SIGN_PUBLIC_BYTES) == 0;
        dk_wipe(&old, sizeof old);
        if (!same)
            return dk_error_set(DK_ERR_EXISTS,
                                "%s exists but is not a private copy of the current key; nothing "
                                "was changed. Move it elsewhere and run district-hub key finish "
                                "again",
                                path);
        return DK_OK;
    }
    return dk_sign_key_save(&s->key, path); /* temporary file, fsync, rename, folder fsync */
}

dk_err hub_key_finish(hub_site *s, long long now, int force, hub_key_finish_result *out)
{
    memset(out, 0, sizeof *out);
    hub_key_status st;
    memset(&st, 0, sizeof st);
    dk_err err = hub_site_lock(s, LOCK_WAIT_S);
    if (err)
        return err;
    /* Under the lock: no publish can name other keys while the devices are checked. */
    if ((err = hub_key_status_get(s, &st)))
        goto unlock;
    if (!s->has_next) {
        err = dk_error_set(DK_ERR_NOTFOUND, "no key rotation is in progress, so there is nothing "
                                            "to finish; district-hub key rotate starts one");
        goto unlock;
    }
    if (st.first_release == 0) {
        err = dk_error_set(DK_ERR_INVALID,
                           "key finish refused: no release names the successor yet, so no kiosk "
                           "can have learnt it (--force does not change this). Run district-hub "
                           "publish (even without changes), wait until every kiosk has it "
                           "(district-hub key status), then finish");
        goto unlock;
    }
    if (st.lagging && !force) {
        char names[NAMES_IN_ERROR + 64];
        lagging_names(&st, names, sizeof names);
        err =
            dk_error_set(DK_ERR_INVALID,
                         "key finish refused: %zu device%s not reported release %lld or later "
                         "and may not trust the new key: %s. Wait for their next sync "
                         "(district-hub key status), remove devices that are gone, or use "
                         "--force (such a kiosk then refuses new releases until its "
                         "trusted_keys is changed by hand)",
                         st.lagging, st.lagging == 1 ? " has" : "s have", st.first_release, names);
        goto unlock;
    }
    out->forced = st.lagging;
    dk_sign_public_hex(s->key.pub, out->retired);
    dk_sign_public_hex(s->next.pub, out->current);
    /* The order makes every crash safe: 1. the old key's copy in retired/ is durable; 2. one
     * rename puts the successor in place of signing.key, and the folder is fsynced. Before the
     * rename the rotation is still in progress (finish again completes it), after it it is
     * finished; there is never a moment without a signing key. */
    if ((err = retire(s, out->retired_path)) || (err = dk_fault_point("keys.finish.retired")) ||
        (err = dk_fs_rename_durable(s->next_key_path, s->signing_key_path)))
        goto unlock;
    dk_info("key rotation finished: signing with %s; %s retired to %s", out->current, out->retired,
            out->retired_path);
    if (out->forced)
        dk_warn("key finish forced: %zu device%s had not reported release %lld or later",
                out->forced, out->forced == 1 ? "" : "s", st.first_release);
    hub_key_status_free(&st);
    resign_after_change(s, now, &out->resigned, &out->timestamp_version, NULL, out->note);
    return DK_OK; /* resign_after_change released the lock */
unlock:
    hub_key_status_free(&st);
    hub_site_unlock(s);
    return err;
}
