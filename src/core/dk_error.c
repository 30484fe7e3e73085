/* dk_error.c: error codes to text, and the per-thread detail message. */
#include "dk_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char detail[DK_ERROR_DETAIL_MAX];

const char *dk_strerror(dk_err err)
{
    switch (err) {
    case DK_OK: return "no error";
    case DK_ERR_NOMEM: return "out of memory";
    case DK_ERR_INVALID: return "invalid input";
    case DK_ERR_LIMIT: return "limit exceeded";
    case DK_ERR_NOTFOUND: return "not found";
    case DK_ERR_EXISTS: return "already exists";
    case DK_ERR_IO: return "input/output error";
    case DK_ERR_NOSPACE: return "disk full";
    case DK_ERR_CORRUPT: return "data corrupt";
    case DK_ERR_DB: return "database error";
    case DK_ERR_CRYPTO: return "cryptographic check failed";
    case DK_ERR_NETWORK: return "network error";
    case DK_ERR_PROTOCOL: return "protocol error";
    case DK_ERR_FAULT: return "injected fault";
    case DK_ERR__COUNT: break;
    }
    return "unknown error";
}

dk_err dk_error_set(dk_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return err;
}

const char *dk_error_detail(void)
{
    return detail;
}

void dk_error_clear(void)
{
    detail[0] = '\0';
}

dk_err dk_error_from_errno(int errnum)
{
    switch (errnum) {
    case 0: return DK_OK;
    case ENOMEM: return DK_ERR_NOMEM;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return DK_ERR_NOSPACE;
    case ENOENT: return DK_ERR_NOTFOUND;
    case EEXIST: return DK_ERR_EXISTS;
    case EINVAL: return DK_ERR_INVALID;
    case EFBIG: return DK_ERR_LIMIT;
    default: return DK_ERR_IO;
    }
}
