/* dk_arena.h: a bump allocator with a byte budget, for query results and per-frame data. */
#ifndef DK_ARENA_H
#define DK_ARENA_H

#include "dk_error.h"

#include <stddef.h>

/* Everything allocated from an arena is freed at once by dk_arena_reset() or dk_arena_free();
 * nothing is freed on its own. The arena never holds more than its budget: an allocation past
 * it returns NULL and sets DK_ERR_LIMIT, so a screen that asks for too much fails cleanly
 * instead of growing the kiosk's memory. */
typedef struct dk_arena dk_arena;

/* New arena with budget max bytes. NULL on out of memory. Free with dk_arena_free(). */
dk_arena *dk_arena_new(size_t max);
void dk_arena_free(dk_arena *a); /* accepts NULL */
void dk_arena_reset(dk_arena *a);
size_t dk_arena_used(const dk_arena *a); /* [bytes] handed out since the last reset */

/* Memory aligned for any type, or NULL (DK_ERR_NOMEM or DK_ERR_LIMIT, detail set). Zeroed. */
void *dk_arena_alloc(dk_arena *a, size_t size);
/* Copy of s (NULL gives NULL without error), or NULL on failure. */
char *dk_arena_strdup(dk_arena *a, const char *s);
char *dk_arena_strndup(dk_arena *a, const char *s, size_t n);

#endif
