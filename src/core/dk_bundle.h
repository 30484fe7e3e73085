/* dk_bundle.h: the bundle format: a manifest plus content-addressed objects (docs/content-model.md). */
#ifndef DK_BUNDLE_H
#define DK_BUNDLE_H

#include "dk_crypto.h"
#include "dk_error.h"
#include "dk_sign.h"

#include <stddef.h>
#include <stdint.h>

#define DK_REGISTRATION_KEY_BYTES 32 /* an X25519 public key (crypto_box_PUBLICKEYBYTES) */

typedef enum dk_object_role {
    DK_ROLE_CONTENT, /* the content document (exactly one per manifest) */
    DK_ROLE_MEDIA    /* an image */
} dk_object_role;

typedef struct dk_object {
    dk_object_role role;
    char hash[DK_SHA256_HEX]; /* lower-case hex SHA-256: the object's file name */
    uint64_t length;          /* [bytes] */
    char mime[24];            /* media only: "image/jpeg", "image/png", "image/webp" */
} dk_object;

typedef struct dk_manifest {
    long long version; /* release number; 0 for content packed but never published */
    char issued[32];   /* RFC 3339 UTC ("2026-11-26T10:00:00Z") or "" */
    char expires[32];  /* RFC 3339 UTC or "" */
    dk_object *objects; /* content first, then media sorted by hash */
    size_t count;
    /* Ed25519 public keys that sign releases from this one on (docs/protocol.md, key rotation);
     * key_count 0: the manifest names none ("keys" absent). */
    unsigned char keys[DK_SIGN_MAX_KEYS][DK_SIGN_PUBLIC_BYTES];
    size_t key_count;
    /* The hub's X25519 registration public key that kiosks seal new registrations to from this
     * release on (docs/protocol.md, "registration_key"); valid if has_registration_key (0: the
     * manifest names none, as older hubs' manifests). */
    unsigned char registration_key[DK_REGISTRATION_KEY_BYTES];
    int has_registration_key;
} dk_manifest;

#define DK_BUNDLE_MANIFEST "manifest.json"
#define DK_BUNDLE_OBJECTS "objects"

/* Parses a manifest strictly: known fields only, types checked, hashes valid, exactly one content
 * object, no duplicate hashes, lengths within the limits of dk_content.h, a registration_key (if
 * any) 64 lower-case hex digits of a key crypto_box_seal can use. On success *out is a new
 * manifest (free with dk_manifest_free). On error *out is NULL and the detail says what is wrong. */
dk_err dk_manifest_parse(const char *json, size_t len, dk_manifest **out) DK_MUST_CHECK;

/* The manifest's canonical bytes (compact JSON, sorted keys, objects in order, newline at the
 * end): the same manifest always gives the same bytes. *out is freed by the caller with free(). */
dk_err dk_manifest_serialize(const dk_manifest *m, char **out, size_t *len) DK_MUST_CHECK;

void dk_manifest_free(dk_manifest *m); /* accepts NULL */

/* The content object; never NULL for a manifest from dk_manifest_parse(). Borrowed. */
const dk_object *dk_manifest_content(const dk_manifest *m);

/* Checks that objects_dir/<hash> is a regular file of the object's length and hash.
 * DK_ERR_NOTFOUND if missing, DK_ERR_CORRUPT on a length or hash mismatch. */
dk_err dk_object_verify(const char *objects_dir, const dk_object *o) DK_MUST_CHECK;

/* Reads bundle_dir/manifest.json and verifies every object in bundle_dir/objects.
 * On success *out is the manifest (free with dk_manifest_free). */
dk_err dk_bundle_load(const char *bundle_dir, dk_manifest **out) DK_MUST_CHECK;

/* Installs a verified bundle into a kiosk's data folder: copies the objects that are missing into
 * data_dir/objects (each one atomically, verified again after the copy), then builds
 * data_dir/content.db from the content document in a new file and switches to it with one rename.
 * If anything fails, the previous content.db is untouched and still in use. */
dk_err dk_bundle_install(const char *bundle_dir, const char *data_dir) DK_MUST_CHECK;

/* Makes sure data_dir holds usable content: if data_dir/content.db opens and passes its
 * integrity check nothing happens (*installed = 0); otherwise the bundle in bundle_dir is
 * installed (*installed = 1). Temporary files that an interrupted write left behind are removed
 * first. This is how a kiosk starts with no network at all, and how it heals
 * a database that was damaged on disk. */
dk_err dk_bundle_ensure(const char *bundle_dir, const char *data_dir, int *installed) DK_MUST_CHECK;

/* Path of the content database inside a kiosk data folder, into out (size outsz). */
dk_err dk_bundle_db_path(const char *data_dir, char *out, size_t outsz) DK_MUST_CHECK;

#endif
