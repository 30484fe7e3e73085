/* dk_crypto.h: SHA-256 and the other libsodium primitives the project uses, behind one header. */
#ifndef DK_CRYPTO_H
#define DK_CRYPTO_H

#include "dk_error.h"

#include <stddef.h>
#include <stdint.h>

#define DK_SHA256_BYTES 32
#define DK_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Initialises libsodium; call once before any other function here (safe to call again). */
dk_err dk_crypto_init(void) DK_MUST_CHECK;

/* SHA-256 of a buffer as lower-case hex into hex[DK_SHA256_HEX]. Can't fail. */
void dk_sha256_hex(const void *data, size_t len, char hex[DK_SHA256_HEX]);

/* SHA-256 of a file's content, streaming; at most max bytes are read (DK_ERR_LIMIT beyond).
 * *len receives the file's length. */
dk_err dk_sha256_file(const char *path, uint64_t max, char hex[DK_SHA256_HEX], uint64_t *len)
    DK_MUST_CHECK;

/* Streaming SHA-256 for data that arrives in pieces (downloads). The state is plain memory:
 * no free needed. */
typedef struct dk_sha256 {
    _Alignas(64) unsigned char state[128]; /* crypto_hash_sha256_state fits; checked in .c */
} dk_sha256;
void dk_sha256_start(dk_sha256 *h);
void dk_sha256_update(dk_sha256 *h, const void *data, size_t len);
void dk_sha256_finish_hex(dk_sha256 *h, char hex[DK_SHA256_HEX]);

/* 1 if s is exactly 64 lower-case hex digits (a valid object name), else 0. */
int dk_sha256_hex_valid(const char *s);

/* Hex encoding of bin into hex (size 2*len+1). Can't fail. */
void dk_hex_encode(const unsigned char *bin, size_t len, char *hex);
/* Decodes exactly len bytes from hex (2*len hex digits, then NUL). DK_ERR_INVALID otherwise. */
dk_err dk_hex_decode(const char *hex, unsigned char *bin, size_t len) DK_MUST_CHECK;

/* PINs and passwords: Argon2id hashes in libsodium's string format (crypto_pwhash_str).
 * dk_pin_hash writes the hash of pin into out (size DK_PIN_HASH_MAX); it is slow on purpose
 * (interactive limits). dk_pin_verify returns DK_OK when pin matches hash, DK_ERR_CRYPTO when it
 * does not, DK_ERR_INVALID for a hash that is not in that format. */
#define DK_PIN_HASH_MAX 128
dk_err dk_pin_hash(const char *pin, char *out, size_t outsz) DK_MUST_CHECK;
dk_err dk_pin_verify(const char *hash, const char *pin) DK_MUST_CHECK;

/* Overwrites memory so that the compiler cannot drop the write (for plaintext, keys). */
void dk_wipe(void *p, size_t len);

#endif
