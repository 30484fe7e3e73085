/* dk_buf.h: a growable byte buffer with a hard maximum (after curl's dynbuf). */
#ifndef DK_BUF_H
#define DK_BUF_H

#include "dk_error.h"

#include <stddef.h>

/* The buffer owns data; it is always NUL-terminated when len > 0, so text can be used directly.
 * Initialise with dk_buf_init(); free with dk_buf_free(). Fields are read-only for callers. */
typedef struct dk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* [bytes] len never exceeds this */
} dk_buf;

void dk_buf_init(dk_buf *b, size_t max);
void dk_buf_free(dk_buf *b);              /* frees data, keeps max; accepts a zeroed buffer */
void dk_buf_reset(dk_buf *b);             /* len = 0, keeps memory */

/* Appends; on failure (DK_ERR_NOMEM, or DK_ERR_LIMIT past max) the buffer is unchanged. */
dk_err dk_buf_add(dk_buf *b, const void *data, size_t len) DK_MUST_CHECK;
dk_err dk_buf_adds(dk_buf *b, const char *text) DK_MUST_CHECK;
dk_err dk_buf_addf(dk_buf *b, const char *fmt, ...) DK_PRINTF(2, 3) DK_MUST_CHECK;

/* Hands the data to the caller (who frees it with free()) and leaves the buffer empty.
 * Returns NULL for an empty buffer. */
char *dk_buf_take(dk_buf *b);

#endif
