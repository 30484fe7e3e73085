/* hub_site.c: the hub's data folder: init, open, keys, and the writers' lock. */
#include "hub_site.h"

#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "hub_registrations.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static dk_err join(char *out, const char *a, const char *b)
{
    return dk_fs_join(out, HUB_PATH_MAX, a, b);
}

dk_err hub_site_paths(hub_site *s, const hub_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    s->cfg = *cfg;
    if (!cfg->data_dir[0])
        return dk_error_set(DK_ERR_INVALID, "data_dir is empty; set it in the settings file");
    snprintf(s->dir, sizeof s->dir, "%s", cfg->data_dir);
    dk_err err;
    if ((err = join(s->db_path, s->dir, "hub.db")) || (err = join(s->lock_path, s->dir, "hub.lock")) ||
        (err = join(s->keys_dir, s->dir, "keys")) ||
        (err = join(s->signing_key_path, s->keys_dir, "signing.key")) ||
        (err = join(s->next_key_path, s->keys_dir, "signing-next.key")) ||
        (err = join(s->retired_dir, s->keys_dir, "retired")) ||
        (err = join(s->registration_key_path, s->keys_dir, "registration.key")) ||
        (err = join(s->registration_pub_path, s->keys_dir, "registration.pub")) ||
        (err = join(s->regkey_retired_dir, s->keys_dir, "registration-retired")) ||
        (err = join(s->site_dir, s->dir, "site")) ||
        (err = join(s->objects_dir, s->site_dir, "objects")) ||
        (err = join(s->manifests_dir, s->site_dir, "manifests")) ||
        (err = join(s->timestamp_path, s->site_dir, "timestamp.signed")) ||
        (err = join(s->import_tmp, s->dir, "import.tmp")))
        return err;
    return DK_OK;
}

/* Writes text to a new file (never over an existing one) with mode, durably. */
static dk_err write_new(const char *path, const char *text, unsigned mode)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return dk_error_set(DK_ERR_EXISTS, "%s exists; a key is never overwritten", path);
    return dk_fs_write_atomic(path, text, strlen(text), mode);
}

dk_err hub_site_init(const hub_config *cfg, hub_init_result *out)
{
    memset(out, 0, sizeof *out);
    hub_site s;
    dk_err err = hub_site_paths(&s, cfg);
    if (err)
        return err;
    const char *existing[] = {s.signing_key_path, s.registration_key_path,
                              s.registration_pub_path, s.db_path};
    for (size_t i = 0; i < sizeof existing / sizeof existing[0]; i++)
        if (dk_fs_exists(existing[i]))
            return dk_error_set(DK_ERR_EXISTS,
                                "%s exists: this data folder was initialised already; nothing "
                                "was changed (keys are never overwritten)",
                                existing[i]);
    if ((err = dk_fs_mkdirs(s.dir, 0700)))
        return err;
    if (chmod(s.dir, 0700) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot make %s private: %s", s.dir,
                            strerror(errno));
    if ((err = dk_fs_mkdirs(s.keys_dir, 0700)) || (err = dk_fs_mkdirs(s.objects_dir, 0755)) ||
        (err = dk_fs_mkdirs(s.manifests_dir, 0755)))
        return err;
    if (chmod(s.keys_dir, 0700) != 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot make %s private: %s", s.keys_dir,
                            strerror(errno));

    dk_sign_key key;
    if ((err = dk_sign_keygen(&key)))
        return err;
    err = dk_sign_key_save(&key, s.signing_key_path);
    dk_sign_public_hex(key.pub, out->signing_public);
    dk_wipe(&key, sizeof key);
    if (err)
        return err;

    unsigned char pub[crypto_box_PUBLICKEYBYTES], sec[crypto_box_SECRETKEYBYTES];
    _Static_assert(crypto_box_PUBLICKEYBYTES == HUB_X25519_BYTES, "X25519 key size");
    crypto_box_keypair(pub, sec);
    char sechex[2 * crypto_box_SECRETKEYBYTES + 2];
    dk_hex_encode(sec, sizeof sec, sechex);
    sechex[2 * crypto_box_SECRETKEYBYTES] = '\n';
    sechex[2 * crypto_box_SECRETKEYBYTES + 1] = '\0';
    dk_hex_encode(pub, sizeof pub, out->registration_public);
    char publine[2 * HUB_X25519_BYTES + 2];
    snprintf(publine, sizeof publine, "%s\n", out->registration_public);
    err = write_new(s.registration_key_path, sechex, 0600);
    dk_wipe(sechex, sizeof sechex);
    dk_wipe(sec, sizeof sec);
    if (!err)
        err = write_new(s.registration_pub_path, publine, 0644);
    if (err)
        return err;

    hub_db *db = NULL;
    if ((err = hub_db_create(s.db_path, &db)))
        return err;
    hub_db_close(db);
    return dk_fs_sync_dir(s.dir);
}

dk_err hub_site_open(const hub_config *cfg, int need_key, hub_site **out)
{
    *out = NULL;
    hub_site *s = malloc(sizeof *s);
    if (!s)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    dk_err err = hub_site_paths(s, cfg);
    if (!err && !dk_fs_is_dir(s->dir))
        err = dk_error_set(DK_ERR_NOTFOUND,
                           "the data folder %s does not exist; run district-hub init first", s->dir);
    if (!err)
        err = hub_db_open(s->db_path, &s->db);
    if (!err && need_key)
        err = hub_site_load_keys(s, NULL);
    if (!err && (err = dk_fs_mkdirs(s->objects_dir, 0755)) == DK_OK)
        err = dk_fs_mkdirs(s->manifests_dir, 0755);
    if (err) {
        hub_site_close(s);
        return err;
    }
    /* Left-overs of writes that a crash interrupted (NAME.tmp-XXXXXX); in keys/ they hold a
     * copy of a secret key (key rotate, key finish). */
    dk_fs_remove_stale_temps(s->keys_dir);
    if (dk_fs_is_dir(s->retired_dir))
        dk_fs_remove_stale_temps(s->retired_dir);
    if (dk_fs_is_dir(s->regkey_retired_dir))
        dk_fs_remove_stale_temps(s->regkey_retired_dir);
    dk_fs_remove_stale_temps(s->site_dir);
    dk_fs_remove_stale_temps(s->manifests_dir);
    dk_fs_remove_stale_temps(s->objects_dir);
    *out = s;
    return DK_OK;
}

void hub_site_close(hub_site *s)
{
    if (!s)
        return;
    hub_site_unlock(s);
    hub_db_close(s->db);
    dk_wipe(&s->key, sizeof s->key);
    dk_wipe(&s->next, sizeof s->next);
    free(s);
}

dk_err hub_site_load_keys(hub_site *s, int *changed)
{
    if (changed)
        *changed = 0;
    dk_sign_key key, next;
    int has_next = 0;
    dk_err err = dk_sign_key_load(s->signing_key_path, &key);
    if (err == DK_OK && dk_fs_exists(s->next_key_path)) {
        if ((err = dk_sign_key_load(s->next_key_path, &next)) != DK_OK) {
            char was[DK_ERROR_DETAIL_MAX]; /* copied: dk_error_set writes the same buffer */
            snprintf(was, sizeof was, "%s", dk_error_detail());
            err = dk_error_set(err, "the successor signing key is unusable: %s", was);
        } else if (sodium_memcmp(next.pub, key.pub, DK_SIGN_PUBLIC_BYTES) == 0) {
            err = dk_error_set(DK_ERR_INVALID,
                               "%s holds the same key as %s: a successor must be a new key; "
                               "remove %s and run district-hub key rotate again",
                               s->next_key_path, s->signing_key_path, s->next_key_path);
        } else {
            has_next = 1;
        }
    }
    if (err) {
        dk_wipe(&key, sizeof key);
        dk_wipe(&next, sizeof next);
        dk_wipe(&s->key, sizeof s->key);
        dk_wipe(&s->next, sizeof s->next);
        s->has_key = s->has_next = 0;
        return err;
    }
    if (changed && s->has_key)
        *changed = memcmp(s->key.pub, key.pub, DK_SIGN_PUBLIC_BYTES) != 0 ||
                   s->has_next != has_next ||
                   (has_next && memcmp(s->next.pub, next.pub, DK_SIGN_PUBLIC_BYTES) != 0);
    s->key = key;
    s->has_key = 1;
    if (has_next)
        s->next = next;
    else
        dk_wipe(&s->next, sizeof s->next);
    s->has_next = has_next;
    dk_wipe(&key, sizeof key);
    dk_wipe(&next, sizeof next);
    return DK_OK;
}

size_t hub_site_signers(const hub_site *s, const dk_sign_key *keys[2])
{
    size_t n = 0;
    if (s->has_key)
        keys[n++] = &s->key;
    if (s->has_key && s->has_next)
        keys[n++] = &s->next;
    return n;
}

dk_err hub_site_registration_public(const hub_site *s, char hex[2 * HUB_X25519_BYTES + 1])
{
    hub_regkey *k = NULL;
    dk_err err = hub_regkey_load(s->registration_key_path, &k);
    if (err)
        return err;
    dk_hex_encode(hub_regkey_public(k), HUB_X25519_BYTES, hex);
    hub_regkey_free(k);
    char *text = NULL;
    size_t len = 0;
    int same =
        dk_fs_read(s->registration_pub_path, 256, &text, &len) == DK_OK &&
        len >= 2 * HUB_X25519_BYTES && memcmp(text, hex, 2 * HUB_X25519_BYTES) == 0 &&
        (len == 2 * HUB_X25519_BYTES || (len == 2 * HUB_X25519_BYTES + 1 && text[len - 1] == '\n'));
    free(text);
    if (!same) {
        char line[2 * HUB_X25519_BYTES + 2];
        snprintf(line, sizeof line, "%s\n", hex);
        if (dk_fs_write_atomic(s->registration_pub_path, line, strlen(line), 0644) != DK_OK)
            dk_warn("%s does not hold the registration public key and cannot be rewritten: %s",
                    s->registration_pub_path, dk_error_detail());
        else
            dk_info("%s rewritten: it did not hold the key of %s", s->registration_pub_path,
                    s->registration_key_path);
    }
    return DK_OK;
}

dk_err hub_site_lock(hub_site *s, int timeout_s)
{
    if (s->lock_fd >= 0)
        return DK_OK;
    int fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot open %s: %s", s->lock_path,
                            strerror(errno));
    for (int waited_ms = 0;; waited_ms += 50) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            s->lock_fd = fd;
            return DK_OK;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(fd);
            return dk_error_set(dk_error_from_errno(e), "cannot lock %s: %s", s->lock_path,
                                strerror(e));
        }
        if (waited_ms >= timeout_s * 1000) {
            close(fd);
            return dk_error_set(DK_ERR_EXISTS,
                                "another district-hub is publishing or importing right now; "
                                "try again in a moment");
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void hub_site_unlock(hub_site *s)
{
    if (s->lock_fd < 0)
        return;
    flock(s->lock_fd, LOCK_UN);
    close(s->lock_fd);
    s->lock_fd = -1;
}
