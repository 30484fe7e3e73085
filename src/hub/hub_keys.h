/* hub_keys.h: changing the hub's release signing key without stranding a kiosk (docs/hub.md,
 * "Changing the signing key"): `key rotate` makes a successor that signs beside the current key
 * and is named in every manifest's `keys`, `key status` shows which kiosks took a release naming
 * it, `key finish` makes it the signing key and retires the old one.
 *
 *   keys/signing.key            the current key; during a rotation it and the successor sign
 *   keys/signing-next.key       the successor, only during a rotation (0600)
 *   keys/retired/<public>.key   keys that signed before a finished rotation (0600, kept)
 *
 * The one commit point of `finish` is the rename of signing-next.key over signing.key, after the
 * old key's copy in keys/retired/ is durable: a crash at any point leaves the rotation in
 * progress or finished, never a hub without a usable signing key. */
#ifndef HUB_KEYS_H
#define HUB_KEYS_H

#include "dk_error.h"
#include "dk_sign.h"
#include "hub_db.h"
#include "hub_site.h"

#include <stdio.h>

#define HUB_KEYS_RETIRED_MAX 1000 /* [keys] keys/retired/ entries status lists */

/* ---- rotate ---- */

typedef struct hub_key_rotate_result {
    char current[DK_SIGN_PUBLIC_HEX];
    char successor[DK_SIGN_PUBLIC_HEX];
    int resigned; /* 1 if the timestamp was re-signed by both keys just now */
    long long timestamp_version;
    int published;                  /* 0 when nothing was published yet (no timestamp to sign) */
    char note[DK_ERROR_DETAIL_MAX]; /* why the timestamp could not be re-signed now, or "" */
} hub_key_rotate_result;

/* `district-hub key rotate`: makes a new key as keys/signing-next.key (mode 0600, atomic) and
 * re-signs the timestamp with both keys. From then on publish, serve and export-static sign
 * with both, and each manifest's `keys` names both. DK_ERR_EXISTS (naming the successor) if a
 * rotation is in progress already; the errors of hub_site_load_keys when the key files are
 * unusable (nothing is written then). A timestamp that cannot be re-signed at once does not fail
 * the rotation (out->note says why; the next refresh signs it). Takes the writers' lock. */
dk_err hub_key_rotate(hub_site *s, long long now, hub_key_rotate_result *out) DK_MUST_CHECK;

/* ---- status ---- */

typedef struct hub_key_device {
    char name[HUB_NAME_MAX + 1];
    int has_heartbeat;
    long long received;        /* [unix s] the last heartbeat, if has_heartbeat */
    long long content_version; /* the release it reported running; -1 unknown */
    int trusts_successor;      /* reported first_release or later */
} hub_key_device;

typedef struct hub_key_status {
    char current[DK_SIGN_PUBLIC_HEX];
    char successor[DK_SIGN_PUBLIC_HEX]; /* "" when no rotation is in progress */
    long long first_release;            /* the first release naming the successor; 0: none yet */
    long long latest_release;           /* 0: nothing published */
    hub_key_device *devices; /* every registered device, by name; owned, hub_key_status_free */
    size_t device_count;
    size_t lagging;                      /* devices that have not reported first_release or later */
    char (*retired)[DK_SIGN_PUBLIC_HEX]; /* keys in keys/retired/; owned */
    size_t retired_count;
} hub_key_status;

/* Fills *out from the key files, site/manifests and the devices' last heartbeats. A device
 * trusts the successor when its last heartbeat reports a content version at or above the first
 * release that named it: it accepted that manifest or a later one, each naming the successor.
 * Free with hub_key_status_free (also after an error). */
dk_err hub_key_status_get(hub_site *s, hub_key_status *out) DK_MUST_CHECK;
void hub_key_status_free(hub_key_status *st); /* accepts a zeroed or freed status */

/* `district-hub key status [--json]`: *st as text for staff or as JSON. */
dk_err hub_key_status_print(const hub_key_status *st, long long now, int json,
                            FILE *out) DK_MUST_CHECK;

/* ---- finish ---- */

typedef struct hub_key_finish_result {
    char current[DK_SIGN_PUBLIC_HEX]; /* the successor, now the signing key */
    char retired[DK_SIGN_PUBLIC_HEX]; /* the old key */
    char retired_path[HUB_PATH_MAX];
    size_t forced; /* devices that had not reported a release naming the successor */
    int resigned;  /* 1 if the timestamp was re-signed by the new key alone */
    long long timestamp_version;
    char note[DK_ERROR_DETAIL_MAX]; /* why the timestamp could not be re-signed now, or "" */
} hub_key_finish_result;

/* `district-hub key finish [--force]`: copies the current key to keys/retired/<public>.key
 * (0600, fsynced), renames keys/signing-next.key over keys/signing.key (the commit point), then
 * re-signs the timestamp with the new key alone. Refused, changing nothing:
 * DK_ERR_NOTFOUND when no rotation is in progress; DK_ERR_INVALID when no release names the
 * successor yet (a kiosk could never learn it; --force does not change this), and when a
 * registered device has not reported such a release, naming those devices, unless force.
 * Interrupted anywhere (tests stop it at every fault point: fs.write, fs.rename and
 * keys.finish.retired), it leaves the rotation in progress (running it again completes it) or
 * finished. A timestamp that cannot be re-signed at once does not fail it (out->note). Takes
 * the writers' lock. */
dk_err hub_key_finish(hub_site *s, long long now, int force,
                      hub_key_finish_result *out) DK_MUST_CHECK;

#endif
