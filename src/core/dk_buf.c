/* dk_buf.c: growable byte buffer with a hard maximum. */
#include "dk_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dk_buf_init(dk_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void dk_buf_free(dk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void dk_buf_reset(dk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

dk_err dk_buf_add(dk_buf *b, const void *data, size_t len)
{
    if (len > b->max || b->len > b->max - len)
        return dk_error_set(DK_ERR_LIMIT, "buffer limit of %zu bytes reached", b->max);
    size_t need = b->len + len + 1; /* room for the NUL */
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *p = realloc(b->data, cap);
        if (!p)
            return dk_error_set(DK_ERR_NOMEM, "cannot grow buffer to %zu bytes", cap);
        b->data = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return DK_OK;
}

dk_err dk_buf_adds(dk_buf *b, const char *text)
{
    return dk_buf_add(b, text, strlen(text));
}

dk_err dk_buf_addf(dk_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return dk_error_set(DK_ERR_INVALID, "bad format string");
    if ((size_t)n < sizeof small)
        return dk_buf_add(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return dk_error_set(DK_ERR_NOMEM, "cannot format %d bytes", n);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    dk_err err = dk_buf_add(b, big, (size_t)n);
    free(big);
    return err;
}

char *dk_buf_take(dk_buf *b)
{
    char *p = b->data;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
