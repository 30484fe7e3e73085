/* dk_error.h: the one error type of district-kiosk, and a per-thread detail message. */
#ifndef DK_ERROR_H
#define DK_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define DK_MUST_CHECK __attribute__((warn_unused_result))
#define DK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DK_MUST_CHECK
#define DK_PRINTF(fmt, args)
#endif

/* Error codes. Expected failures (bad input, disk full, network down) are returned as one of
 * these; they never assert. Foreign codes (errno, SQLITE_*, CURLcode, SDL_GetError) are turned
 * into one of these once, at the module boundary, with the detail in dk_error_detail(). */
typedef enum dk_err {
    DK_OK = 0,
    DK_ERR_NOMEM,     /* out of memory */
    DK_ERR_INVALID,   /* bad input: content, config, request, argument */
    DK_ERR_LIMIT,     /* input larger than the limit set for it */
    DK_ERR_NOTFOUND,  /* a file, row or key that was asked for is not there */
    DK_ERR_EXISTS,    /* something that must not exist yet does */
    DK_ERR_IO,        /* reading or writing a file failed */
    DK_ERR_NOSPACE,   /* the disk is full */
    DK_ERR_CORRUPT,   /* stored data failed a hash, length or integrity check */
    DK_ERR_DB,        /* SQLite failed */
    DK_ERR_CRYPTO,    /* a signature or decryption did not verify, or libsodium failed */
    DK_ERR_NETWORK,   /* a connection or transfer failed */
    DK_ERR_PROTOCOL,  /* the other side answered something we cannot use */
    DK_ERR_FAULT,     /* an injected fault (tests only) */
    DK_ERR__COUNT
} dk_err;

/* Short, static English text for a code ("out of memory"). Never NULL; can't fail. */
const char *dk_strerror(dk_err err);

/* Records a detail message for the calling thread and returns err, so that a failing path can
 * say `return dk_error_set(DK_ERR_IO, "cannot open %s: %s", path, strerror(errno));`.
 * The message is truncated to DK_ERROR_DETAIL_MAX bytes. */
#define DK_ERROR_DETAIL_MAX 512
dk_err dk_error_set(dk_err err, const char *fmt, ...) DK_PRINTF(2, 3);

/* The calling thread's last detail message, or "" if none. Borrowed: valid until the next
 * dk_error_set() on this thread. */
const char *dk_error_detail(void);

/* Clears the calling thread's detail message. */
void dk_error_clear(void);

/* Maps an errno value to a code (ENOSPC -> DK_ERR_NOSPACE, ENOENT -> DK_ERR_NOTFOUND, ...). */
dk_err dk_error_from_errno(int errnum);

#endif
