/* hub_site.h: the hub's data folder: its layout, `init`, opening it with hub.db and the
 * signing key, and the lock that keeps its writers (publish, import, the re-signer) in turn.
 *
 *   data_dir/                    mode 0700
 *     hub.db                     hub_db.h
 *     hub.lock                   flock()ed by every writer of releases
 *     keys/signing.key           Ed25519 secret key (dk_sign_key_save), 0600
 *     keys/signing-next.key      its successor while a key rotation is in progress (hub_keys.h)
 *     keys/retired/<public>.key  keys that signed before a rotation finished; never deleted
 *     keys/registration.key      X25519 secret key for crypto_box_seal_open, 64 hex, 0600
 *     keys/registration.pub      its public key, 64 hex (a copy for staff: the hub derives it
 *                                from registration.key and rewrites this file when it differs)
 *     keys/registration-retired/<time>-<8 hex>.key   registration keys replaced by
 *                                `registration-key rotate` (hub_regkeys.h); never deleted
 *     site/timestamp.signed      what `serve` serves under / (docs/protocol.md)
 *     site/manifests/<V>.signed
 *     site/objects/<sha256>
 */
#ifndef HUB_SITE_H
#define HUB_SITE_H

#include "dk_error.h"
#include "dk_sign.h"
#include "hub_config.h"
#include "hub_db.h"

#define HUB_PATH_MAX 1024 /* [bytes] data_dir is at most HUB_CONFIG_STR_MAX */
#define HUB_X25519_BYTES 32

typedef struct hub_site {
    hub_config cfg; /* a copy of the settings the site was opened with */
    char dir[HUB_PATH_MAX];
    char db_path[HUB_PATH_MAX], lock_path[HUB_PATH_MAX];
    char keys_dir[HUB_PATH_MAX], signing_key_path[HUB_PATH_MAX];
    char next_key_path[HUB_PATH_MAX], retired_dir[HUB_PATH_MAX];
    char registration_key_path[HUB_PATH_MAX], registration_pub_path[HUB_PATH_MAX];
    char regkey_retired_dir[HUB_PATH_MAX];
    char site_dir[HUB_PATH_MAX], objects_dir[HUB_PATH_MAX], manifests_dir[HUB_PATH_MAX];
    char timestamp_path[HUB_PATH_MAX], import_tmp[HUB_PATH_MAX];
    hub_db *db;       /* NULL until opened */
    dk_sign_key key;  /* valid if has_key */
    dk_sign_key next; /* the successor (keys/signing-next.key), valid if has_next */
    int has_key, has_next;
    int lock_fd;      /* -1 when not held */
} hub_site;

/* Fills the paths of s from cfg (nothing is opened). DK_ERR_INVALID for an empty or relative-
 * looking-but-unusable data_dir, DK_ERR_LIMIT when a path would not fit. */
dk_err hub_site_paths(hub_site *s, const hub_config *cfg) DK_MUST_CHECK;

typedef struct hub_init_result {
    char signing_public[DK_SIGN_PUBLIC_HEX];
    char registration_public[2 * HUB_X25519_BYTES + 1];
} hub_init_result;

/* `district-hub init`: creates data_dir (0700) with keys/, site/, the two key pairs and hub.db.
 * DK_ERR_EXISTS (naming the file) if any key or hub.db exists already: nothing is overwritten
 * and nothing is created then. */
dk_err hub_site_init(const hub_config *cfg, hub_init_result *out) DK_MUST_CHECK;

/* Opens an initialised data folder: hub.db, and the signing keys if need_key
 * (hub_site_load_keys). *out is freed with hub_site_close(). DK_ERR_NOTFOUND with "run
 * district-hub init" if it was never initialised. */
dk_err hub_site_open(const hub_config *cfg, int need_key, hub_site **out) DK_MUST_CHECK;

/* (Re-)reads keys/signing.key and, if it exists, keys/signing-next.key into s: every writer
 * calls it after taking the writers' lock, so that a key rotated or finished by another process
 * (a running serve) is used from then on. Refuses, naming the file and what to do, a key that
 * is unreadable, readable by others or not a key, and a successor equal to the current key. On
 * error no key stays loaded (has_key and has_next are 0): nothing is signed with keys that are
 * no longer on disk. *changed (may be NULL) is 1 when the public keys differ from those loaded
 * before (0 on the first load). */
dk_err hub_site_load_keys(hub_site *s, int *changed) DK_MUST_CHECK;

/* The keys that sign now: the current key, then the successor during a rotation. Returns how
 * many (0 when none is loaded); the pointers are borrowed from s. */
size_t hub_site_signers(const hub_site *s, const dk_sign_key *keys[2]);

/* Closes hub.db, releases the lock, wipes the key and frees s. Accepts NULL. */
void hub_site_close(hub_site *s);

/* The current registration public key as 64 hex (for the kiosk's config and every manifest),
 * derived from keys/registration.key: the file kiosks' records must open with. If
 * keys/registration.pub says otherwise (a rotate interrupted after its commit), it is rewritten
 * (a failure to do so is only logged). The errors of hub_regkey_load. */
dk_err hub_site_registration_public(const hub_site *s, char hex[2 * HUB_X25519_BYTES + 1])
    DK_MUST_CHECK;

/* Takes the writers' lock (flock on hub.lock), waiting up to timeout_s seconds.
 * DK_ERR_EXISTS ("another district-hub is publishing") when it stays taken. Not recursive. */
dk_err hub_site_lock(hub_site *s, int timeout_s) DK_MUST_CHECK;
void hub_site_unlock(hub_site *s); /* harmless when not held */

#endif
