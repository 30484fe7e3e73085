/* hub_regkeys.h: changing the hub's registration key (X25519, for sealed registrations) without
 * losing a registration (docs/hub.md, "Changing the registration key"): `registration-key
 * rotate` retires the current key and makes a new one, every later manifest names the new
 * public key (kiosks seal new records to it), and `registration-key status` shows which key
 * each kiosk reports sealing to.
 *
 *   keys/registration.key                            the current key (0600)
 *   keys/registration.pub                            its public key (a copy for staff)
 *   keys/registration-retired/<time>-<8 hex>.key     keys replaced by a rotate (0600, kept)
 *
 * The hub opens a record with the current key, then the retired ones (hub_regkey_load_ring), so
 * records sealed before a change, and those kiosks seal until they learn the new key, still
 * open. Retired keys are never deleted automatically.
 *
 * The one commit point of rotate is the rename of the new key over registration.key, after the
 * old key's copy in registration-retired/ is durable: a crash at any point leaves the old key
 * current (with perhaps a second copy retired) or the new key current with the old one retired,
 * never a key that a sealed record needs missing. */
#ifndef HUB_REGKEYS_H
#define HUB_REGKEYS_H

#include "dk_error.h"
#include "hub_db.h"
#include "hub_registrations.h"
#include "hub_site.h"

#include <stdio.h>

#define HUB_REGKEY_HEX      (2 * HUB_X25519_BYTES + 1) /* a public key as hex, with the NUL */
#define HUB_REGKEY_FILE_MAX 64                         /* [bytes] of a retired key's file name */

/* ---- rotate ---- */

typedef struct hub_regkey_rotate_result {
    char previous[HUB_REGKEY_HEX]; /* the key retired now */
    char current[HUB_REGKEY_HEX];  /* the new key */
    char retired_path[HUB_PATH_MAX];
} hub_regkey_rotate_result;

/* `district-hub registration-key rotate`: copies keys/registration.key to
 * keys/registration-retired/<now as YYYYMMDDTHHMMSSZ>-<first 8 hex of its public key>.key (0600,
 * fsynced; an identical copy an interrupted rotate left is used instead), then writes a new key
 * pair over keys/registration.key (temporary file, fsync, rename: the commit point) and
 * keys/registration.pub. Publishes nothing: the next publish names the new key. Refused,
 * changing nothing, when the current key or a retired one is unusable (a rotate must not make
 * a damaged ring worse) or the ring is full (DK_ERR_LIMIT). Interrupted anywhere (tests stop it
 * at every fault point: fs.write, fs.rename, regkeys.rotate.retired) it leaves the old key
 * current or the new one current with the old retired. Takes the writers' lock. */
dk_err hub_regkey_rotate(hub_site *s, long long now, hub_regkey_rotate_result *out) DK_MUST_CHECK;

/* ---- status ---- */

typedef struct hub_regkey_retired {
    char file[HUB_REGKEY_FILE_MAX];
    char key[HUB_REGKEY_HEX];
} hub_regkey_retired;

typedef struct hub_regkey_device {
    char name[HUB_NAME_MAX + 1];
    int has_heartbeat;
    long long received;                   /* [unix s] the last heartbeat */
    char reported[HUB_HB_REGKEY_HEX + 1]; /* first 8 hex it seals to; "": not reported */
    int on_current;                       /* reported the current key */
} hub_regkey_device;

typedef struct hub_regkey_status {
    char current[HUB_REGKEY_HEX];
    hub_regkey_retired *retired; /* newest first; owned */
    size_t retired_count;
    hub_regkey_device *devices; /* by name; owned */
    size_t device_count;
    size_t lagging; /* devices not (known to be) sealing to the current key */
} hub_regkey_status;

/* Fills *out from the key files and the devices' last heartbeats. Fails as
 * hub_regkey_load_ring when a key file is unusable. Free with hub_regkey_status_free (also
 * after an error). */
dk_err hub_regkey_status_get(hub_site *s, hub_regkey_status *out) DK_MUST_CHECK;
void hub_regkey_status_free(hub_regkey_status *st); /* accepts a zeroed or freed status */

/* `district-hub registration-key status [--json]`: *st for staff or as JSON. */
dk_err hub_regkey_status_print(const hub_regkey_status *st, long long now, int json,
                               FILE *out) DK_MUST_CHECK;

#endif
