/* dk_crypto.c: libsodium behind the project's error type. */
#include "dk_crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((dk_sha256 *)0)->state),
               "dk_sha256 too small for libsodium's state");

dk_err dk_crypto_init(void)
{
    if (sodium_init() < 0)
        return dk_error_set(DK_ERR_CRYPTO, "libsodium failed to initialise");
    return DK_OK;
}

void dk_hex_encode(const unsigned char *bin, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bin[i] >> 4];
        hex[2 * i + 1] = digits[bin[i] & 15];
    }
    hex[2 * len] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

dk_err dk_hex_decode(const char *hex, unsigned char *bin, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return dk_error_set(DK_ERR_INVALID, "not %zu bytes of hex", len);
        bin[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hex[2 * len] != '\0')
        return dk_error_set(DK_ERR_INVALID, "hex longer than %zu bytes", len);
    return DK_OK;
}

int dk_sha256_hex_valid(const char *s)
{
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return s[64] == '\0';
}

void dk_sha256_hex(const void *data, size_t len, char hex[DK_SHA256_HEX])
{
    unsigned char out[DK_SHA256_BYTES];
    crypto_hash_sha256(out, data, len);
    dk_hex_encode(out, sizeof out, hex);
}

void dk_sha256_start(dk_sha256 *h)
{
    crypto_hash_sha256_init((crypto_hash_sha256_state *)h->state);
}

void dk_sha256_update(dk_sha256 *h, const void *data, size_t len)
{
    crypto_hash_sha256_update((crypto_hash_sha256_state *)h->state, data, len);
}

void dk_sha256_finish_hex(dk_sha256 *h, char hex[DK_SHA256_HEX])
{
    unsigned char out[DK_SHA256_BYTES];
    crypto_hash_sha256_final((crypto_hash_sha256_state *)h->state, out);
    dk_hex_encode(out, sizeof out, hex);
}

dk_err dk_sha256_file(const char *path, uint64_t max, char hex[DK_SHA256_HEX], uint64_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return dk_error_set(dk_error_from_errno(e), "cannot open %s: %s", path, strerror(e));
    }
    dk_sha256 h;
    dk_sha256_start(&h);
    unsigned char buf[65536];
    uint64_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return dk_error_set(DK_ERR_IO, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        total += (uint64_t)r;
        if (total > max) {
            close(fd);
            return dk_error_set(DK_ERR_LIMIT, "%s is larger than %llu bytes", path,
                                (unsigned long long)max);
        }
        dk_sha256_update(&h, buf, (size_t)r);
    }
    close(fd);
    dk_sha256_finish_hex(&h, hex);
    if (len)
        *len = total;
    return DK_OK;
}

void dk_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}

_Static_assert(DK_PIN_HASH_MAX >= crypto_pwhash_STRBYTES, "PIN hash buffer too small");

dk_err dk_pin_hash(const char *pin, char *out, size_t outsz)
{
    if (outsz < crypto_pwhash_STRBYTES)
        return dk_error_set(DK_ERR_INVALID, "PIN hash buffer too small");
    if (crypto_pwhash_str(out, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return dk_error_set(DK_ERR_NOMEM, "not enough memory to hash the PIN");
    return DK_OK;
}

dk_err dk_pin_verify(const char *hash, const char *pin)
{
    if (strncmp(hash, "$argon2id$", 10) != 0 || strlen(hash) >= crypto_pwhash_STRBYTES)
        return dk_error_set(DK_ERR_INVALID, "the PIN hash is not an Argon2id hash");
    if (crypto_pwhash_str_verify(hash, pin, strlen(pin)) != 0)
        return dk_error_set(DK_ERR_CRYPTO, "wrong PIN");
    return DK_OK;
}
