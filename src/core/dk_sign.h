/* dk_sign.h: signed documents of the sync protocol (docs/protocol.md): Ed25519 keys, the signed
 * envelope, and the timestamp document. */
#ifndef DK_SIGN_H
#define DK_SIGN_H

#include "dk_crypto.h"
#include "dk_error.h"

#include <stddef.h>
#include <stdint.h>

#define DK_SIGN_PUBLIC_BYTES 32
#define DK_SIGN_SECRET_BYTES 64
#define DK_SIGN_PUBLIC_HEX (2 * DK_SIGN_PUBLIC_BYTES + 1) /* with the NUL */
#define DK_SIGN_MAX_SIGS 4            /* signatures one envelope may carry */
#define DK_SIGN_HEADER_MAX 1024       /* [bytes] of an envelope header */
#define DK_SIGN_MAX_KEYS 8            /* trusted keys a verifier holds */
#define DK_TIMESTAMP_MAX 4096         /* [bytes] of a signed timestamp file */

/* What a signature is for: part of the signed message, so one can never pass as the other. */
typedef enum dk_sign_type { DK_SIGN_TIMESTAMP, DK_SIGN_MANIFEST } dk_sign_type;

typedef struct dk_sign_key {
    unsigned char pub[DK_SIGN_PUBLIC_BYTES];
    unsigned char sec[DK_SIGN_SECRET_BYTES]; /* all zero for a verify-only key */
} dk_sign_key;

/* A set of trusted public keys. */
typedef struct dk_sign_keyring {
    unsigned char pub[DK_SIGN_MAX_KEYS][DK_SIGN_PUBLIC_BYTES];
    size_t count;
} dk_sign_keyring;

/* ---- Keys ---- */

/* Makes a new random key pair. DK_ERR_CRYPTO if libsodium cannot initialise. */
dk_err dk_sign_keygen(dk_sign_key *out) DK_MUST_CHECK;

/* Writes the secret key (64 bytes as 128 hex + newline) to path with mode 0600, atomically.
 * DK_ERR_EXISTS if path exists (keys are never overwritten by accident). */
dk_err dk_sign_key_save(const dk_sign_key *key, const char *path) DK_MUST_CHECK;

/* Reads a secret key written by dk_sign_key_save(). Refuses (DK_ERR_INVALID) a file readable by
 * group or others, and anything that is not exactly one key. */
dk_err dk_sign_key_load(const char *path, dk_sign_key *out) DK_MUST_CHECK;

/* Public key as 64 lower-case hex characters into hex (DK_SIGN_PUBLIC_HEX bytes). */
void dk_sign_public_hex(const unsigned char pub[DK_SIGN_PUBLIC_BYTES], char hex[DK_SIGN_PUBLIC_HEX]);

/* Adds keys from text: one or more 64-hex public keys separated by commas, spaces or newlines.
 * Duplicates are added once. DK_ERR_INVALID names the bad entry; DK_ERR_LIMIT beyond
 * DK_SIGN_MAX_KEYS. On error the ring is unchanged. */
dk_err dk_sign_keyring_add_text(dk_sign_keyring *ring, const char *text) DK_MUST_CHECK;

/* Adds one key (ignored if present). DK_ERR_LIMIT when full. */
dk_err dk_sign_keyring_add(dk_sign_keyring *ring, const unsigned char pub[DK_SIGN_PUBLIC_BYTES]) DK_MUST_CHECK;

/* ---- Envelope ---- */

/* Signs payload (len bytes) with key and returns the envelope (header + payload) in *out,
 * *outlen bytes, freed by the caller with free(). */
dk_err dk_sign_envelope(dk_sign_type type, const dk_sign_key *key, const void *payload, size_t len,
                        char **out, size_t *outlen) DK_MUST_CHECK;

/* The same with several signers: one `ed25519` line per key, in the order given (during a key
 * rotation the hub signs with the current key and its successor, so that kiosks trusting either
 * accept the document). nkeys is 1 to DK_SIGN_MAX_SIGS distinct keys, else DK_ERR_INVALID and
 * nothing is allocated. *out is freed by the caller with free(). */
dk_err dk_sign_envelope_multi(dk_sign_type type, const dk_sign_key *const *keys, size_t nkeys,
                              const void *payload, size_t len, char **out, size_t *outlen)
    DK_MUST_CHECK;

/* The public keys of an envelope's signature lines, in order, into pubs (*count of them),
 * without checking any signature: for the signer to see who signed a file it wrote, never to
 * decide trust (that is dk_sign_verify). DK_ERR_PROTOCOL for a malformed envelope. */
dk_err dk_sign_envelope_signers(dk_sign_type type, const char *env, size_t len,
                                unsigned char pubs[DK_SIGN_MAX_SIGS][DK_SIGN_PUBLIC_BYTES],
                                size_t *count) DK_MUST_CHECK;

/* Verifies an envelope of len bytes against ring. On success *payload points into env (borrowed,
 * valid as long as env) and *payload_len is its length. Fails with DK_ERR_PROTOCOL for a
 * malformed envelope, DK_ERR_CRYPTO when no trusted key signed it or a trusted key's signature
 * does not verify; the detail says which in plain words. */
dk_err dk_sign_verify(dk_sign_type type, const dk_sign_keyring *ring, const char *env, size_t len,
                      const char **payload, size_t *payload_len) DK_MUST_CHECK;

/* ---- Timestamp document ---- */

typedef struct dk_timestamp {
    long long version;                    /* increases with every signing */
    char issued[32], expires[32];         /* RFC 3339 UTC */
    long long manifest_version;
    uint64_t manifest_length;             /* [bytes] of manifests/<V>.signed */
    char manifest_sha256[DK_SHA256_HEX];
} dk_timestamp;

/* Canonical JSON payload (compact, sorted keys, newline at the end); *out freed with free(). */
dk_err dk_timestamp_serialize(const dk_timestamp *ts, char **out, size_t *len) DK_MUST_CHECK;

/* Parses a payload strictly (known fields, types, hash shape, times). DK_ERR_PROTOCOL on error. */
dk_err dk_timestamp_parse(const char *json, size_t len, dk_timestamp *out) DK_MUST_CHECK;

/* ---- Times ---- */

/* Unix seconds <-> "YYYY-MM-DDTHH:MM:SSZ". Parse fails with DK_ERR_INVALID on anything else. */
dk_err dk_time_parse(const char *s, long long *out) DK_MUST_CHECK;
void dk_time_format(long long t, char out[32]);

#endif
