/* dk_arena.c: bump allocator made of chained blocks, with a byte budget. */
#include "dk_arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (64 * 1024) /* [bytes] smallest block requested from malloc */

typedef struct block {
    struct block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
} block;

struct dk_arena {
    block *head; /* newest block first */
    size_t max, total; /* budget and bytes handed out */
};

dk_arena *dk_arena_new(size_t max)
{
    dk_arena *a = calloc(1, sizeof *a);
    if (a)
        a->max = max;
    return a;
}

static void free_blocks(block *b)
{
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
}

void dk_arena_free(dk_arena *a)
{
    if (!a)
        return;
    free_blocks(a->head);
    free(a);
}

void dk_arena_reset(dk_arena *a)
{
    /* Keep the newest block, the one most likely sized for this workload. */
    if (!a->head)
        return;
    free_blocks(a->head->next);
    a->head->next = NULL;
    a->head->used = 0;
    a->total = 0;
}

size_t dk_arena_used(const dk_arena *a)
{
    return a->total;
}

void *dk_arena_alloc(dk_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > a->max || a->total > a->max - size) {
        dk_error_set(DK_ERR_LIMIT, "arena budget of %zu bytes exhausted", a->max);
        return NULL;
    }
    size = (size + align - 1) & ~(align - 1);
    block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > BLOCK_MIN ? size : BLOCK_MIN;
        b = malloc(sizeof *b + bsize);
        if (!b) {
            dk_error_set(DK_ERR_NOMEM, "cannot allocate %zu bytes", bsize);
            return NULL;
        }
        b->size = bsize;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *dk_arena_strndup(dk_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = dk_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *dk_arena_strdup(dk_arena *a, const char *s)
{
    return s ? dk_arena_strndup(a, s, strlen(s)) : NULL;
}
