/* hub_release.h: content into the hub (import), releases out of it (publish), the signed
 * timestamp that keeps them fresh, and release trees for other web servers (export-static). */
#ifndef HUB_RELEASE_H
#define HUB_RELEASE_H

#include "dk_error.h"
#include "dk_pack.h"
#include "dk_sign.h"
#include "hub_site.h"

/* ---- import ---- */

typedef struct hub_import_summary {
    dk_pack_summary pack;  /* what the packer found (counts, bytes, content hash) */
    long long import_id;
    int objects_added;     /* media files that were new in site/objects */
} hub_import_summary;

/* Validates content_dir exactly as `district-hub pack` does and, if it has no error, replaces
 * the hub's draft with its entities and adds its media to site/objects, in one transaction.
 * Every problem goes to problems; on DK_ERR_INVALID (content problems) and on any other error
 * the draft is unchanged. Takes the writers' lock. */
dk_err hub_import(hub_site *s, const char *content_dir, dk_problems *problems,
                  hub_import_summary *out) DK_MUST_CHECK;

/* ---- the content document ---- */

/* The content document of the draft: the same bytes `district-hub pack` writes for the content
 * that was imported. *doc is freed with free(). DK_ERR_NOTFOUND if the draft is empty. */
dk_err hub_content_document(hub_site *s, char **doc, size_t *len) DK_MUST_CHECK;

/* ---- publish ---- */

typedef struct hub_publish_summary {
    hub_release_row release;
    long long timestamp_version;
    int count[HUB_KIND_COUNT];
    int media;
    long long previous_version;  /* 0 if this is the first release */
    int content_unchanged;       /* same content document as the previous release */
} hub_publish_summary;

/* Makes release V = last + 1 from the draft: writes the content document to site/objects,
 * checks every media object, writes the signed manifest site/manifests/<V>.signed (keys: the
 * keys that sign now, the successor too during a key rotation; signed by each of them), records
 * the release, then signs a new timestamp naming it. A draft that did not change since the last
 * release still makes a new release (docs/hub.md). now is unix seconds. Takes the writers' lock
 * and reads the key files under it (hub_site_load_keys): keys that are unusable or do not fit
 * together refuse the publish before anything is written. */
dk_err hub_publish(hub_site *s, long long now, hub_publish_summary *out) DK_MUST_CHECK;

/* The first release of the newest unbroken run of releases (site/manifests) whose manifest
 * names pub in its `keys`: during a key rotation, the oldest release from which a kiosk can have
 * learnt the successor (every release after it names it too). *version is 0 when the newest
 * release does not name pub, or nothing was published. A manifest that does not verify with the
 * keys that sign now ends the run. Fails only when the manifests folder cannot be read. */
dk_err hub_release_first_naming(hub_site *s, const unsigned char pub[DK_SIGN_PUBLIC_BYTES],
                                long long *version) DK_MUST_CHECK;

/* ---- timestamp ---- */

typedef struct hub_timestamp_state {
    int resigned;       /* 1 if a new timestamp was signed just now */
    int keys_changed;   /* 1 if the signing keys on disk changed since the site last read them */
    dk_timestamp ts;    /* the timestamp in force */
    long long next_due; /* unix seconds when it should be re-signed (issued + lifetime / 4) */
} hub_timestamp_state;

/* Re-reads the signing keys (hub_site_load_keys), then re-signs site/timestamp.signed if it is
 * missing, unreadable, names another release than the newest, is not signed by exactly the keys
 * that sign now (a key rotation started or finished), was issued in the future, or a quarter of
 * timestamp_lifetime_s has passed since it was issued (or force). The new version is one more
 * than any version signed before. The file is replaced atomically (fsync, rename, directory
 * fsync). DK_ERR_NOTFOUND if nothing was published yet; the errors of hub_site_load_keys when the
 * key files are unusable (then nothing is signed). Takes the writers' lock and releases it before
 * it returns (also when the caller held it). */
dk_err hub_timestamp_refresh(hub_site *s, long long now, int force, hub_timestamp_state *out)
    DK_MUST_CHECK;

/* ---- release trees ---- */

typedef struct hub_tree_summary {
    dk_timestamp ts;
    long long manifest_version;
    int objects;          /* objects the manifest lists */
    uint64_t bytes;       /* [bytes] of those objects */
    int copied;           /* export: objects that were new in the target */
    int removed;          /* export: files of older releases removed from the target */
} hub_tree_summary;

/* `district-hub export-static DIR`: the current release as plain files in dir (created if
 * missing): objects first, then manifests/<V>.signed, then timestamp.signed last, each file
 * written to a temporary name, fsynced and renamed; so an interrupted export is never taken for
 * a complete one (a fresh one has no timestamp.signed yet, an updated one still names the
 * previous complete release). Afterwards, objects and manifests of older releases are removed.
 * Re-signs the timestamp first if it is due. Refuses (DK_ERR_EXISTS) a dir that holds anything
 * but such a tree. */
dk_err hub_export_static(hub_site *s, const char *dir, long long now, hub_tree_summary *out)
    DK_MUST_CHECK;

/* Checks a release tree the way a kiosk would: timestamp signature by a key in ring, not
 * expired at now, manifest length and hash as announced, manifest signature, its version, and
 * every object's length and hash. DK_ERR_CRYPTO / DK_ERR_CORRUPT / DK_ERR_PROTOCOL /
 * DK_ERR_NOTFOUND say what failed, with the detail in plain words. */
dk_err hub_verify_tree(const char *dir, const dk_sign_keyring *ring, long long now,
                       hub_tree_summary *out) DK_MUST_CHECK;

#endif
