/* hub_devices.h: kiosks known to the hub: names, device tokens, heartbeats, and the overview
 * that `district-hub devices` prints. */
#ifndef HUB_DEVICES_H
#define HUB_DEVICES_H

#include "dk_crypto.h"
#include "dk_error.h"
#include "hub_db.h"
#include "hub_site.h"

#include <stdio.h>

#define HUB_TOKEN_BYTES 32                       /* random bytes of a device token */
#define HUB_TOKEN_HEX (2 * HUB_TOKEN_BYTES + 1)  /* as lower-case hex, with the NUL */

/* DK_OK if name can name a device: 1 to HUB_NAME_MAX of a-z, 0-9, '-', '_', '.', starting with a
 * letter or digit. DK_ERR_INVALID says why not. */
dk_err hub_device_name_check(const char *name) DK_MUST_CHECK;

/* 1 if token is exactly HUB_TOKEN_HEX - 1 lower-case hex digits. */
int hub_token_well_formed(const char *token);

/* The stored form of a token: SHA-256 of its hex text, as hex. Can't fail. */
void hub_token_hash(const char *token, char out[DK_SHA256_HEX]);

/* Registers a device and writes its new token (random) into token: the only time it exists
 * outside the kiosk. DK_ERR_EXISTS if the name is taken. */
dk_err hub_device_add(hub_site *s, const char *name, char token[HUB_TOKEN_HEX]) DK_MUST_CHECK;

/* Writes the lines a kiosk's settings file needs to talk to this hub: trusted_keys is the
 * signing key, and its successor too while a key rotation is in progress (hub_keys.h). Reads the
 * key files (hub_site_load_keys) and fails with their errors. */
dk_err hub_device_snippet(hub_site *s, const char *name, const char *token, FILE *out)
    DK_MUST_CHECK;

/* Parses a heartbeat body (docs/protocol.md): a JSON object, every field optional, unknown
 * fields ignored, strings at most HUB_HB_STR_MAX bytes, numbers whole and >= 0.
 * DK_ERR_INVALID names the first bad field in plain words. */
dk_err hub_heartbeat_parse(const char *json, size_t len, hub_heartbeat *out) DK_MUST_CHECK;

/* Flags of the overview. */
enum { HUB_FLAG_SILENT = 1, HUB_FLAG_STALE = 2 };

/* SILENT: no heartbeat, or none for silent_s seconds. STALE: the kiosk reported itself stale, or
 * runs a content version below latest_release (0: nothing published). */
int hub_device_flags(const hub_device *d, long long now, long silent_s, long long latest_release);

/* `district-hub devices`: every device with its last heartbeat, as a table (json 0) or JSON. */
dk_err hub_devices_print(hub_site *s, long long now, int json, FILE *out) DK_MUST_CHECK;

/* Writes root as indented JSON and a newline to out, and releases root (NULL accepted: out of
 * memory). oom: building root ran out of memory; nothing is written. The --json output of the
 * staff commands (devices, key status, registration-key status). */
struct json_t;
dk_err hub_json_print(struct json_t *root, int oom, FILE *out) DK_MUST_CHECK;

#endif
