/* kiosk_images.c: image objects decoded on a worker thread at the size they are drawn, cached as
 * textures on the UI thread in an LRU list with a byte budget, with a negative cache for broken
 * objects. */
#include "kiosk_images.h"

#include "dk_content.h"
#include "dk_fs.h"
#include "dk_image.h"
#include "dk_log.h"

#include <SDL_image.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HASH_LEN      64   /* SHA-256 in hex */
#define BUCKETS       1024 /* hash table buckets (a power of two) */
#define DETAIL_MAX    200  /* [bytes] why a decode failed, for the log */
#define PATH_MAX_LEN  1024 /* [bytes] objects_dir plus a hash */
#define PUSH_RETRY_MS 10   /* [ms] wait before posting again when SDL's event queue is full */
#define RELEASE_MIN   (256 * 1024) /* [bytes] given back to the system at a time (release_rows) */
#define UPLOAD_ROWS   64           /* [rows] copied into a new texture at a time (upload) */

/* ---- shared between the threads: only the request queue, under the lock ---- */

/* What the worker posts in event.user.data1. Allocated by the UI thread with the request, so
 * that every request taken by the worker comes back, even when memory runs out. Owned by the
 * queue while queued, by the worker while decoding, then by whoever holds the event: the UI
 * thread frees it in kiosk_images_handle_event(), or kiosk_images_free() when it drains SDL's
 * queue. */
/* What a decode is made for: the whole image covering an area (kiosk_images_get), or exactly
 * a rectangle, cropped to it (cover) or fitted into it (contain) (kiosk_images_draw). */
typedef enum mode { MODE_WHOLE, MODE_COVER, MODE_CONTAIN } mode;

typedef struct key {
    mode mode;
    int w, h; /* [px] WHOLE: cover this area (0: full size); else the rectangle */
} key;

typedef struct result {
    kiosk_images *owner;
    char hash[HASH_LEN + 1];
    key made_for;         /* the request's */
    SDL_Surface *surface; /* NULL on failure; 32 bits, without alpha channel if opaque */
    int src_w, src_h;     /* the image's own size (0 if unknown) */
    int full_w, full_h;   /* the whole image at the surface's scale */
    SDL_Rect part;        /* the part of that whole the surface holds */
    dk_err err;
    char detail[DETAIL_MAX];
} result;

typedef struct request {
    result *result;       /* hash, owner and made_for filled in */
    int limit_w, limit_h; /* never larger than this (the renderer's texture limit); 0: none */
} request;

/* ---- UI thread only ---- */

typedef enum state { LOADING, READY, FAILED } state;

typedef struct entry {
    char hash[HASH_LEN + 1];
    state state;
    int inflight;              /* a request for it is queued or being decoded */
    key inflight_for;          /* ... made for this */
    size_t inflight_bytes;     /* ... whose texture will take about this [bytes] */
    SDL_Texture *texture;      /* READY */
    key made_for;              /* what the texture was decoded for */
    int w, h;                  /* the texture's size */
    int src_w, src_h;          /* the image's own size */
    int full_w, full_h;        /* the whole image at the texture's scale */
    SDL_Rect part;             /* the part of that whole the texture holds (w x h) */
    int opaque;                /* the texture has no alpha channel */
    size_t bytes;              /* w * h * 4 */
    unsigned long long frame;  /* the last frame it was drawn in (kiosk_images_frame) */
    key asked;                 /* the first rectangle asked for in that frame */
    int asked_w, asked_h;      /* the largest area asked for in that frame (cover) */
    unsigned long long multi;  /* the last frame it was asked for at two sizes; 0: never */
    int stuck;                 /* a decode for another size failed: keep this texture */
    struct entry *chain;       /* next in the hash bucket */
    struct entry *prev, *next; /* READY: the LRU list (head newest); FAILED: the failed list */
} entry;

typedef struct list {
    entry *head, *tail;
    size_t count;
} list;

struct kiosk_images {
    SDL_Renderer *renderer;
    char objects_dir[PATH_MAX_LEN];
    Uint32 event_type;
    size_t budget;
    int max_w, max_h;     /* the screen */
    int limit_w, limit_h; /* the renderer's largest texture */

    entry *buckets[BUCKETS];
    list lru;        /* READY entries */
    list failed;     /* FAILED entries, oldest at the tail */
    int outstanding; /* requests handed to the queue whose result has not come back */
    int inflight;    /* entries with a decode in flight */
    size_t decoding; /* [bytes] the textures of the entries in flight will take, about */
    /* [bytes] the most one of those decodes holds beyond its texture while it works (the whole
     * picture it decodes, see in_flight), since the last time none was in flight */
    size_t decode_extra;
    int warned_hash;
    unsigned long long frame; /* kiosk_images_frame() calls; 0: never (strict budget) */
    kiosk_images_stats stats;

    /* Shared with the worker, under lock. */
    SDL_mutex *lock;
    SDL_cond *wake;
    SDL_Thread *thread;
    int stop;
    request queue[KIOSK_IMAGES_QUEUE_MAX]; /* a stack: the newest request is decoded first */
    int queued;
    int undelivered; /* taken by the worker and not yet handled by the UI thread */
};

static void free_result(result *r)
{
    if (!r)
        return;
    SDL_FreeSurface(r->surface);
    free(r);
}

/* ---- worker thread ---- */

static int fail(result *r, dk_err err, const char *detail)
{
    r->err = err;
    SDL_strlcpy(r->detail, detail, sizeof r->detail);
    return -1;
}

/* 1 if s's pixels are its own, allocated as SDL allocates them (see take_pixels). */
static int owns_simd_pixels(const SDL_Surface *s)
{
    return (s->flags & SDL_SIMD_ALIGNED) && !(s->flags & SDL_PREALLOC) && !SDL_MUSTLOCK(s) &&
           s->pixels != NULL;
}

/* A new w x h surface of a 32-bit format whose pixels are left as they are (the caller writes
 * every one), allocated as SDL allocates them (see take_pixels). SDL zeroes the pixels of every
 * surface it makes, which makes all of them resident at once beside the whole picture they are
 * scaled from; left alone, a large buffer (its own mapping) takes memory only as its rows are
 * written, while stretch gives back the picture's. NULL on out of memory. */
static SDL_Surface *blank_surface(int w, int h, Uint32 format)
{
    int pitch = w * 4;
    void *pixels = SDL_SIMDAlloc((size_t)pitch * (size_t)h);
    if (!pixels)
        return NULL;
    SDL_Surface *d = SDL_CreateRGBSurfaceWithFormatFrom(pixels, w, h, 32, pitch, format);
    if (!d) {
        SDL_SIMDFree(pixels);
        return NULL;
    }
    d->flags = (d->flags & ~(Uint32)SDL_PREALLOC) | SDL_SIMD_ALIGNED; /* freed with d */
    return d;
}

/* Halves a 32-bit surface with a 2x2 box filter: the clean way down before the final bilinear
 * step, which alone would skip pixels and alias when shrinking by more than 2. */
static SDL_Surface *halve(SDL_Surface *s)
{
    int w = s->w / 2, h = s->h / 2;
    SDL_Surface *d = blank_surface(w, h, s->format->format);
    if (!d)
        return NULL;
    for (int y = 0; y < h; y++) {
        const Uint8 *r0 = (const Uint8 *)s->pixels + (size_t)(2 * y) * (size_t)s->pitch;
        const Uint8 *r1 = r0 + s->pitch;
        Uint8 *o = (Uint8 *)d->pixels + (size_t)y * (size_t)d->pitch;
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < 4; c++)
                o[4 * x + c] = (Uint8)((r0[8 * x + c] + r0[8 * x + 4 + c] + r1[8 * x + c] +
                                        r1[8 * x + 4 + c] + 2) /
                                       4);
        }
    }
    return d;
}

/* Gives the pages wholly inside rows [*done, upto) of s back to the system, when at least
 * RELEASE_MIN bytes came together; *done moves on. Only for a surface whose pixels are about to
 * be freed and are not read there again: it lowers the peak while they are copied elsewhere
 * (a decoded picture and its scaled copy, or its texture, need not both be resident whole).
 * The pages read back as zeros; the allocator's own data lies outside the rows. */
static void release_rows(SDL_Surface *s, int *done, int upto)
{
#ifdef MADV_DONTNEED
    if (upto <= *done || (size_t)(upto - *done) * (size_t)s->pitch < RELEASE_MIN)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = (uintptr_t)s->pixels + (uintptr_t)*done * (uintptr_t)s->pitch;
    uintptr_t to = (uintptr_t)s->pixels + (uintptr_t)upto * (uintptr_t)s->pitch;
    from = (from + page - 1) & ~(page - 1);
    to &= ~(page - 1);
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_DONTNEED); /* a failure only costs memory */
    *done = upto;
#else
    (void)s, (void)done, (void)upto;
#endif
}

/* Bilinear resampling of the source rectangle (sx, sy, sw, sh) [pixels of s, fractions allowed]
 * onto all of d, both 32 bits per pixel of the same format; a pixel's centre maps to the centre
 * of where it comes from. With release, rows of s no longer needed are given back as it goes
 * (s must be freed afterwards). Returns -1 on out of memory. */
static int stretch(SDL_Surface *s, double sx, double sy, double sw, double sh, SDL_Surface *d,
                   int release)
{
    int *x0 = malloc(sizeof *x0 * (size_t)d->w * 2);
    if (!x0)
        return -1;
    int *wx = x0 + d->w; /* weight of the right neighbour, 0..256 */
    double kx = sw / d->w, ky = sh / d->h;
    for (int x = 0; x < d->w; x++) {
        double f = SDL_clamp(sx + (x + 0.5) * kx - 0.5, 0.0, (double)(s->w - 1));
        x0[x] = (int)f;
        wx[x] = (int)lround((f - x0[x]) * 256);
    }
    int done = 0;
    for (int y = 0; y < d->h; y++) {
        double f = SDL_clamp(sy + (y + 0.5) * ky - 0.5, 0.0, (double)(s->h - 1));
        int y0 = (int)f, wy = (int)lround((f - y0) * 256);
        const Uint8 *r0 = (const Uint8 *)s->pixels + (size_t)y0 * (size_t)s->pitch;
        const Uint8 *r1 = y0 + 1 < s->h ? r0 + s->pitch : r0;
        Uint8 *o = (Uint8 *)d->pixels + (size_t)y * (size_t)d->pitch;
        for (int x = 0; x < d->w; x++) {
            int a = 4 * x0[x], b = x0[x] + 1 < s->w ? a + 4 : a, w = wx[x];
            for (int c = 0; c < 4; c++) {
                int top = r0[a + c] * (256 - w) + r0[b + c] * w;
                int bottom = r1[a + c] * (256 - w) + r1[b + c] * w;
                o[4 * x + c] = (Uint8)((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16);
            }
        }
        if (release)
            release_rows(s, &done, y0); /* the next rows need y0 and below it nothing */
    }
    free(x0);
    return 0;
}

/* The rectangle part of s scaled to full_w x full_h, as a new surface of part's size; takes
 * ownership of s (32 bits per pixel). Halves first while that stays at least full size, then
 * one bilinear step for what is left (or a plain copy of the part when no scaling is left).
 * NULL on out of memory. */
static SDL_Surface *resample(SDL_Surface *s, int full_w, int full_h, SDL_Rect part)
{
    while (s->w / 2 >= full_w && s->h / 2 >= full_h) {
        SDL_Surface *half = halve(s);
        SDL_FreeSurface(s);
        if (!half)
            return NULL;
        s = half;
    }
    if (s->w == full_w && s->h == full_h && part.x == 0 && part.y == 0 && part.w == s->w &&
        part.h == s->h)
        return s;
    SDL_Surface *d = blank_surface(part.w, part.h, s->format->format);
    if (d && s->w == full_w && s->h == full_h) { /* a crop at the same scale */
        for (int y = 0; y < part.h; y++)
            memcpy((Uint8 *)d->pixels + (size_t)y * (size_t)d->pitch,
                   (const Uint8 *)s->pixels + (size_t)(part.y + y) * (size_t)s->pitch +
                       (size_t)part.x * 4,
                   (size_t)part.w * 4);
    } else if (d) { /* the part, as in the whole scaled to full_w x full_h */
        double kx = (double)s->w / full_w, ky = (double)s->h / full_h;
        if (stretch(s, part.x * kx, part.y * ky, part.w * kx, part.h * ky, d,
                    owns_simd_pixels(s)) != 0) {
            SDL_FreeSurface(d);
            d = NULL;
        }
    }
    SDL_FreeSurface(s);
    return d;
}

/* The size to keep of a w x h image so that it still covers want (never upscaled), then shrunk
 * to fit limit. */
static void target_size(int w, int h, const key *want, const request *rq, int *tw, int *th)
{
    double scale = 1.0;
    if (want->w > 0 && want->h > 0) {
        double sx = (double)want->w / w, sy = (double)want->h / h;
        scale = sx > sy ? sx : sy;
    }
    if (rq->limit_w > 0 && w * scale > rq->limit_w)
        scale = (double)rq->limit_w / w;
    if (rq->limit_h > 0 && h * scale > rq->limit_h)
        scale = (double)rq->limit_h / h;
    if (scale >= 1.0) {
        *tw = w, *th = h;
        return;
    }
    *tw = (int)ceil(w * scale - 1e-9);
    *th = (int)ceil(h * scale - 1e-9);
    if (*tw < 1)
        *tw = 1;
    if (*th < 1)
        *th = 1;
}

/* Where the w x h image goes for r->made_for: the whole at full_w x full_h and the part of it
 * kept. Cover and contain scale up too: a renderer then copies the texture 1:1. */
static void geometry(int w, int h, const request *rq, result *r)
{
    const key *k = &r->made_for;
    if (k->mode == MODE_WHOLE) {
        target_size(w, h, k, rq, &r->full_w, &r->full_h);
        r->part = (SDL_Rect){0, 0, r->full_w, r->full_h};
        return;
    }
    double sx = (double)k->w / w, sy = (double)k->h / h;
    if (k->mode == MODE_COVER) {
        /* As a renderer crops a whole texture that covers the rectangle: the centre, rounded
         * the same way (kiosk_render draws either 1:1). */
        double scale = sx > sy ? sx : sy;
        r->full_w = SDL_max((int)ceil(w * scale - 1e-9), k->w);
        r->full_h = SDL_max((int)ceil(h * scale - 1e-9), k->h);
        r->part = (SDL_Rect){(int)lroundf((float)(r->full_w - k->w) / 2),
                             (int)lroundf((float)(r->full_h - k->h) / 2), k->w, k->h};
    } else {
        double scale = sx < sy ? sx : sy;
        r->full_w = SDL_clamp((int)lround(w * scale), 1, k->w);
        r->full_h = SDL_clamp((int)lround(h * scale), 1, k->h);
        r->part = (SDL_Rect){0, 0, r->full_w, r->full_h};
    }
}

/* A surface of format over pixels, which it owns from now on as s owned them: allocated with
 * SDL_SIMDAlloc (SDL_SIMD_ALIGNED), which is how SDL 2 allocates the pixels of every surface it
 * creates, and what SDL_FreeSurface frees them with. s is freed without its pixels. On failure
 * (NULL) s is freed with them. This lets an image change its pixel format without a second
 * copy of its pixels in memory. */
static SDL_Surface *take_pixels(SDL_Surface *s, void *pixels, int pitch, Uint32 format)
{
    s->pixels = pixels; /* s owns them until the new surface does */
    SDL_Surface *d = SDL_CreateRGBSurfaceWithFormatFrom(pixels, s->w, s->h, 32, pitch, format);
    if (!d) {
        SDL_FreeSurface(s);
        return NULL;
    }
    d->flags = (d->flags & ~(Uint32)SDL_PREALLOC) | SDL_SIMD_ALIGNED;
    s->pixels = NULL;
    SDL_FreeSurface(s);
    return d;
}

/* Every decoded image as 32 bits per pixel, the format the scaler and the renderers work with:
 * XRGB8888 (no alpha channel, drawn without blending) when it is opaque, also when it has an
 * alpha channel that is 255 everywhere, else ARGB8888. Takes ownership of s. The 24-bit
 * pictures JPEG, WebP and PNG decode to are widened in place (the buffer grows by a third
 * instead of a second buffer being allocated), which lowers the peak of decoding a full-screen
 * JPEG from 14 to 8 MiB. NULL on out of memory (s freed). */
static SDL_Surface *to_32_bits(SDL_Surface *s)
{
    Uint32 f = s->format->format;
    if ((f == SDL_PIXELFORMAT_RGB24 || f == SDL_PIXELFORMAT_BGR24) && s->w >= 4 &&
        owns_simd_pixels(s) && (size_t)s->pitch <= (size_t)s->w * 4) {
        size_t pitch = (size_t)s->w * 4;
        Uint8 *p = SDL_SIMDRealloc(s->pixels, pitch * (size_t)s->h);
        if (!p) {
            SDL_FreeSurface(s);
            return NULL;
        }
        int rgb = f == SDL_PIXELFORMAT_RGB24;
        /* Back to front: pixel (x, y) moves from y * old pitch + 3x to y * pitch + 4x, never
         * before where it was, so nothing is overwritten before it is read. */
        for (int y = s->h - 1; y >= 0; y--) {
            const Uint8 *in = p + (size_t)y * (size_t)s->pitch;
            Uint8 *out = p + (size_t)y * pitch;
            for (int x = s->w - 1; x >= 0; x--) {
                Uint32 r = in[3 * x + (rgb ? 0 : 2)], g = in[3 * x + 1],
                       b = in[3 * x + (rgb ? 2 : 0)];
                Uint32 v = 0xFF000000u | r << 16 | g << 8 | b;
                memcpy(out + 4 * x, &v, 4);
            }
        }
        return take_pixels(s, p, (int)pitch, SDL_PIXELFORMAT_RGB888);
    }
    int alpha = SDL_ISPIXELFORMAT_ALPHA(f) || SDL_HasColorKey(s) || s->format->palette != NULL;
    SDL_Surface *c =
        SDL_ConvertSurfaceFormat(s, alpha ? SDL_PIXELFORMAT_ARGB8888 : SDL_PIXELFORMAT_RGB888, 0);
    SDL_FreeSurface(s);
    if (!c || !alpha)
        return c;
    for (int y = 0; y < c->h; y++) {
        const Uint32 *row = (const Uint32 *)((const Uint8 *)c->pixels + (size_t)y * c->pitch);
        for (int x = 0; x < c->w; x++)
            if ((row[x] >> 24) != 0xFF)
                return c; /* really transparent somewhere */
    }
    if (!owns_simd_pixels(c))
        return c; /* stays ARGB: still right, only blended */
    return take_pixels(c, c->pixels, c->pitch, SDL_PIXELFORMAT_RGB888); /* same layout */
}

static int decode(const kiosk_images *img, const request *rq, result *r)
{
    char path[PATH_MAX_LEN];
    if (dk_fs_join(path, sizeof path, img->objects_dir, r->hash) != DK_OK)
        return fail(r, DK_ERR_LIMIT, dk_error_detail());
    char *data = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, DK_LIMIT_IMAGE_FILE, &data, &len);
    if (err)
        return fail(r, err, dk_error_detail());
    /* The header first: nothing bigger than the packer allows is ever decoded (bombs). */
    dk_image_info info;
    if ((err = dk_image_probe(data, len, &info)) != DK_OK) {
        free(data);
        return fail(r, err, dk_error_detail());
    }
    if (info.width < 1 || info.height < 1 || info.width > DK_LIMIT_IMAGE_SIDE ||
        info.height > DK_LIMIT_IMAGE_SIDE ||
        (long)info.width * info.height > DK_LIMIT_IMAGE_PIXELS) {
        free(data);
        char msg[DETAIL_MAX];
        SDL_snprintf(msg, sizeof msg, "%dx%d pixels is more than allowed", info.width, info.height);
        return fail(r, DK_ERR_LIMIT, msg);
    }
    SDL_RWops *rw = SDL_RWFromConstMem(data, (int)len);
    SDL_Surface *s = rw ? IMG_Load_RW(rw, 1) : NULL;
    free(data); /* the file is not needed any more: freed before the pixels grow */
    if (!s)
        return fail(r, DK_ERR_INVALID, IMG_GetError());
    SDL_Surface *c = to_32_bits(s);
    if (!c)
        return fail(r, DK_ERR_NOMEM, "no memory to convert the image");
    r->src_w = c->w;
    r->src_h = c->h;
    geometry(c->w, c->h, rq, r);
    c = resample(c, r->full_w, r->full_h, r->part);
    if (!c)
        return fail(r, DK_ERR_NOMEM, "no memory to scale the image");
    r->surface = c;
    return 0;
}

static int worker(void *arg)
{
    kiosk_images *img = arg;
    /* Decoding must never take the CPU from drawing: on a small machine a frame that waits for
     * a picture to decode misses its time (a failure only means normal priority). */
    (void)SDL_SetThreadPriority(SDL_THREAD_PRIORITY_LOW);
    SDL_LockMutex(img->lock);
    for (;;) {
        while (!img->stop && (img->queued == 0 || img->undelivered >= KIOSK_IMAGES_UNDELIVERED_MAX))
            SDL_CondWait(img->wake, img->lock);
        if (img->stop)
            break;
        request rq = img->queue[--img->queued];
        img->undelivered++;
        SDL_UnlockMutex(img->lock);

        result *r = rq.result;
        decode(img, &rq, r);
        SDL_Event ev;
        SDL_zero(ev);
        ev.type = img->event_type;
        ev.user.data1 = r;
        for (;;) {
            if (SDL_PushEvent(&ev) == 1)
                break;
            SDL_LockMutex(img->lock);
            int stop = img->stop;
            SDL_UnlockMutex(img->lock);
            if (stop) { /* the UI thread no longer reads events: nobody else will free it */
                free_result(r);
                break;
            }
            SDL_Delay(PUSH_RETRY_MS); /* SDL's queue is full: the UI thread will drain it */
        }
        SDL_LockMutex(img->lock);
    }
    SDL_UnlockMutex(img->lock);
    return 0;
}

/* ---- cache (UI thread) ---- */

static int valid_hash(const char *h)
{
    if (!h)
        return 0;
    for (int i = 0; i < HASH_LEN; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return h[HASH_LEN] == '\0';
}

static unsigned bucket_of(const char *hash)
{
    unsigned v = 0; /* the hash is uniform already: its first hex digits are the index */
    for (int i = 0; i < 4; i++)
        v = v << 4 | (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return v & (BUCKETS - 1);
}

static entry *find(const kiosk_images *img, const char *hash)
{
    if (!valid_hash(hash))
        return NULL;
    for (entry *e = img->buckets[bucket_of(hash)]; e; e = e->chain)
        if (memcmp(e->hash, hash, HASH_LEN) == 0)
            return e;
    return NULL;
}

static void list_remove(list *l, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = NULL;
    l->count--;
}

static void list_push_head(list *l, entry *e)
{
    e->prev = NULL;
    e->next = l->head;
    if (l->head)
        l->head->prev = e;
    else
        l->tail = e;
    l->head = e;
    l->count++;
}

/* The bytes a decode for k will make: the texture's (at most, for contain). */
static size_t key_bytes(const kiosk_images *img, key k)
{
    if (k.w <= 0 || k.h <= 0)
        return (size_t)img->max_w * (size_t)img->max_h * 4;
    return (size_t)k.w * (size_t)k.h * 4;
}

/* Counts a decode of e made for k against the budget until its result is handled, at the
 * most it holds at once: while it works, the whole picture, 32 bits a pixel, before it is
 * scaled to its texture (a full-screen JPEG is 8 MiB at 1920x1080, for a 2 MiB strip); when it
 * is handled, its surface and the new texture, which SDL makes whole before a row is copied.
 * The worker decodes one at a time, so the decodes in flight together hold their textures plus
 * at most the largest such surplus. The picture's size is known from an earlier decode of e;
 * until then a screenful, the size content pictures are made at. */
static void in_flight(kiosk_images *img, entry *e, key k)
{
    size_t bytes = key_bytes(img, k);
    size_t picture = e->src_w > 0 && e->src_h > 0 ? (size_t)e->src_w * (size_t)e->src_h * 4
                                                  : (size_t)img->max_w * (size_t)img->max_h * 4;
    size_t extra = picture > 2 * bytes ? picture - bytes : bytes;
    e->inflight = 1;
    e->inflight_for = k;
    e->inflight_bytes = bytes;
    img->inflight++;
    img->decoding += bytes;
    if (extra > img->decode_extra)
        img->decode_extra = extra;
}

static void not_in_flight(kiosk_images *img, entry *e)
{
    if (e->inflight) {
        img->decoding -= e->inflight_bytes;
        if (--img->inflight == 0)
            img->decode_extra = 0;
    }
    e->inflight = 0;
    e->inflight_bytes = 0;
}

/* [bytes] kept free in the budget for the decodes in flight (see in_flight). */
static size_t reserved(const kiosk_images *img)
{
    return img->decoding + img->decode_extra;
}

/* Unlinks e from the table and its list and frees it with its texture. */
static void remove_entry(kiosk_images *img, entry *e)
{
    entry **p = &img->buckets[bucket_of(e->hash)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    not_in_flight(img, e);
    if (e->state == READY) {
        list_remove(&img->lru, e);
        img->stats.bytes -= e->bytes;
        SDL_DestroyTexture(e->texture);
    } else if (e->state == FAILED) {
        list_remove(&img->failed, e);
    }
    free(e);
}

/* Queues a decode of e made for k. A full queue drops its oldest request; that entry forgets
 * it was asked for, so that a screen still showing it asks again. */
static int enqueue(kiosk_images *img, entry *e, key k)
{
    request rq;
    rq.result = calloc(1, sizeof *rq.result);
    if (!rq.result)
        return -1;
    rq.result->owner = img;
    memcpy(rq.result->hash, e->hash, sizeof rq.result->hash);
    rq.result->made_for = k;
    rq.limit_w = img->limit_w;
    rq.limit_h = img->limit_h;
    result *dropped = NULL;
    SDL_LockMutex(img->lock);
    if (img->queued == KIOSK_IMAGES_QUEUE_MAX) {
        dropped = img->queue[0].result;
        memmove(&img->queue[0], &img->queue[1], sizeof img->queue[0] * (size_t)(img->queued - 1));
        img->queued--;
    }
    img->queue[img->queued++] = rq;
    SDL_CondSignal(img->wake);
    SDL_UnlockMutex(img->lock);
    not_in_flight(img, e);
    in_flight(img, e, k);
    img->outstanding++;
    if (dropped) {
        img->outstanding--;
        img->stats.dropped++;
        entry *d = find(img, dropped->hash);
        if (d) {
            not_in_flight(img, d);
            if (d->state == LOADING)
                remove_entry(img, d);
        }
        free_result(dropped);
    }
    return 0;
}

static void evict(kiosk_images *img, const entry *keep, size_t incoming, size_t incoming_count,
                  unsigned long long pinned_since);

/* Evicts textures not on screen beyond the budget now rather than at the next upload, less
 * the room the decodes under way take (see in_flight): they then find it, instead of adding to
 * what the screen before left behind. Only once frames are counted (kiosk_images_frame), so
 * that the textures on screen are known. */
static void make_room(kiosk_images *img)
{
    if (img->frame == 0)
        return;
    size_t reserve = SDL_min(reserved(img), img->budget);
    /* While a frame is drawn, what the frame before drew may still be drawn again. */
    evict(img, NULL, reserve, 0, img->frame - 1);
}

/* The area to ask the worker for: want, or the screen, and never more than the screen. */
static void clamp_want(const kiosk_images *img, int *w, int *h)
{
    if (*w <= 0 || *h <= 0)
        *w = img->max_w, *h = img->max_h;
    if (img->max_w > 0 && *w > img->max_w)
        *w = img->max_w;
    if (img->max_h > 0 && *h > img->max_h)
        *h = img->max_h;
}

/* 1 if the texture of e is clearly too small to cover want_w x want_h while the image has more
 * pixels, or holds only a crop of the image (kiosk_images_get wants it whole). */
static int too_small(const entry *e, int want_w, int want_h)
{
    if (e->part.w != e->full_w || e->part.h != e->full_h)
        return 1;
    if (want_w <= 0 || want_h <= 0 || (e->w >= e->src_w && e->h >= e->src_h))
        return 0;
    double sx = (double)want_w / e->src_w, sy = (double)want_h / e->src_h;
    double scale = sx > sy ? sx : sy;
    if (scale > 1.0)
        scale = 1.0;
    return e->src_w * scale > e->w * KIOSK_IMAGES_UPGRADE ||
           e->src_h * scale > e->h * KIOSK_IMAGES_UPGRADE;
}

static int same_key(key a, key b)
{
    return a.mode == b.mode && a.w == b.w && a.h == b.h;
}

/* The entry of hash, created and queued for k if there is none. NULL for a malformed hash
 * (logged once) or out of memory (asked again next frame). */
static entry *lookup(kiosk_images *img, const char *hash, key k)
{
    entry *e = find(img, hash);
    if (e)
        return e;
    if (!valid_hash(hash)) {
        if (!img->warned_hash)
            dk_warn("image object name '%.80s' is not a SHA-256 in hex: not loaded",
                    hash ? hash : "(null)");
        img->warned_hash = 1;
        return NULL;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    memcpy(e->hash, hash, HASH_LEN + 1);
    e->state = LOADING;
    entry **b = &img->buckets[bucket_of(hash)];
    e->chain = *b;
    *b = e;
    if (enqueue(img, e, k) != 0) {
        remove_entry(img, e);
        return NULL;
    }
    return e;
}

static void touch(kiosk_images *img, entry *e)
{
    list_remove(&img->lru, e);
    list_push_head(&img->lru, e);
}

SDL_Texture *kiosk_images_get(kiosk_images *img, const char *hash, int want_w, int want_h)
{
    clamp_want(img, &want_w, &want_h);
    key k = {MODE_WHOLE, want_w, want_h};
    entry *e = lookup(img, hash, k);
    if (!e || e->state != READY) {
        img->stats.misses++;
        return NULL;
    }
    img->stats.hits++;
    touch(img, e);
    if (!e->inflight && !e->stuck && too_small(e, want_w, want_h))
        (void)enqueue(img, e, k); /* out of memory: asked again next frame */
    return e->texture;
}

/* Notes that e is asked for k (drawn at k.w x k.h) in this frame; 1 if it was asked for at
 * another size too in this frame or the one before. */
static int asked_twice(kiosk_images *img, entry *e, key k)
{
    if (img->frame == 0) /* frames not counted: no way to tell */
        return 0;
    if (e->frame != img->frame) {
        e->frame = img->frame;
        e->asked = k;
        e->asked_w = k.w;
        e->asked_h = k.h;
    } else if (!same_key(e->asked, k)) {
        e->multi = img->frame;
        e->asked_w = SDL_max(e->asked_w, k.w);
        e->asked_h = SDL_max(e->asked_h, k.h);
    }
    return e->multi != 0 && e->multi + 1 >= img->frame;
}

int kiosk_images_draw(kiosk_images *img, const char *hash, int w, int h, kiosk_image_fit fit,
                      kiosk_image_view *out)
{
    memset(out, 0, sizeof *out);
    if (w <= 0 || h <= 0)
        return 0;
    key k = {fit == KIOSK_IMAGE_CONTAIN ? MODE_CONTAIN : MODE_COVER, w, h};
    if ((img->max_w > 0 && w > img->max_w) || (img->max_h > 0 && h > img->max_h) ||
        (img->limit_w > 0 && w > img->limit_w) || (img->limit_h > 0 && h > img->limit_h)) {
        /* Larger than the screen: the whole image, at most covering the screen, scaled. */
        k.mode = MODE_WHOLE;
        clamp_want(img, &k.w, &k.h);
    }
    int queued = img->outstanding;
    entry *e = lookup(img, hash, k);
    if (!e) {
        img->stats.misses++;
        return 0;
    }
    int twice = asked_twice(img, e, k);
    if (e->state != READY) {
        if (img->outstanding > queued)
            make_room(img); /* a new decode: room for it now */
        img->stats.misses++;
        return 0;
    }
    if (!e->inflight && !e->stuck && !twice && !same_key(e->made_for, k) &&
        e->bytes > 2 * (size_t)w * (size_t)h * 4 && enqueue(img, e, k) == 0) {
        /* Far larger than needed (a full-screen picture now shown as a strip): not kept while
         * the right size decodes, which would hold both at once; a placeholder for a frame or
         * two instead. Not drawn yet in this frame (asked once), so it can go now. */
        list_remove(&img->lru, e);
        img->stats.bytes -= e->bytes;
        SDL_DestroyTexture(e->texture);
        e->texture = NULL;
        e->state = LOADING;
        img->stats.misses++;
        make_room(img);
        return 0;
    }
    img->stats.hits++;
    touch(img, e);
    if (!e->inflight && !e->stuck) {
        if (!twice && !same_key(e->made_for, k)) {
            (void)enqueue(img, e, k); /* out of memory: asked again next frame */
        } else if (twice && too_small(e, e->asked_w, e->asked_h)) {
            key whole = {MODE_WHOLE, e->asked_w, e->asked_h};
            clamp_want(img, &whole.w, &whole.h);
            (void)enqueue(img, e, whole);
        }
    }
    if (img->outstanding > queued)
        make_room(img); /* never e: drawn in this frame */
    out->texture = e->texture;
    out->full_w = e->full_w;
    out->full_h = e->full_h;
    out->part = e->part;
    out->exact = same_key(e->made_for, k);
    out->opaque = e->opaque;
    return 1;
}

void kiosk_images_frame(kiosk_images *img)
{
    img->frame++;
    make_room(img);
}

kiosk_image_state kiosk_images_state(const kiosk_images *img, const char *hash)
{
    const entry *e = find(img, hash);
    if (!e)
        return KIOSK_IMAGE_ABSENT;
    return e->state == READY    ? KIOSK_IMAGE_READY
           : e->state == FAILED ? KIOSK_IMAGE_FAILED
                                : KIOSK_IMAGE_LOADING;
}

static void mark_failed(kiosk_images *img, entry *e, const result *r)
{
    if (r)
        dk_warn("image %.12s… cannot be shown: %s: %s", e->hash, dk_strerror(r->err), r->detail);
    else
        dk_warn("image %.12s… cannot be shown: out of memory", e->hash);
    if (e->state == READY) {
        e->stuck = 1; /* another size failed: keep this texture rather than retry every frame */
        return;
    }
    e->state = FAILED;
    list_push_head(&img->failed, e);
    while (img->failed.count > KIOSK_IMAGES_FAILED_MAX)
        remove_entry(img, img->failed.tail);
}

/* 1 if e was drawn in frame since or later (it is on screen), so that evicting it would make
 * the next frame decode it again (and the one after evict another): the budget is soft for
 * those. */
static int pinned(const kiosk_images *img, const entry *e, unsigned long long since)
{
    return img->frame > 0 && e->frame >= since;
}

/* Evicts the least recently used textures (never keep, nor those drawn in frame pinned_since or
 * later) until incoming more bytes and incoming_count more textures fit the budget, or nothing
 * evictable is left. */
static void evict(kiosk_images *img, const entry *keep, size_t incoming, size_t incoming_count,
                  unsigned long long pinned_since)
{
    entry *victim = img->lru.tail;
    while (victim && (img->stats.bytes + incoming > img->budget ||
                      img->lru.count + incoming_count > KIOSK_IMAGES_TEXTURES_MAX)) {
        entry *newer = victim->prev;
        if (victim != keep) {
            if (pinned(img, victim, pinned_since))
                break; /* the LRU list is in order of use: all the rest were drawn too */
            remove_entry(img, victim); /* an upgrade in flight for it is discarded on arrival */
            img->stats.evictions++;
        }
        victim = newer;
    }
}

/* Lets the worker decode the next image: after a result's surface is freed, so that at most
 * one decoded picture exists outside the cache at a time. */
static void delivered(kiosk_images *img)
{
    SDL_LockMutex(img->lock);
    img->undelivered--;
    SDL_CondSignal(img->wake);
    SDL_UnlockMutex(img->lock);
}

/* The texture of s (which is freed afterwards), copied in bands of UPLOAD_ROWS rows whose
 * pages of s are given back as they are copied. SDL zeroes a new texture whole before the first
 * row is copied, so both are resident whole for a moment: upload() makes room for both. NULL if
 * SDL cannot make it. */
static SDL_Texture *texture_of(SDL_Renderer *renderer, SDL_Surface *s)
{
    SDL_Texture *t = NULL;
    if (owns_simd_pixels(s))
        t = SDL_CreateTexture(renderer, s->format->format, SDL_TEXTUREACCESS_STATIC, s->w, s->h);
    if (!t)
        return SDL_CreateTextureFromSurface(renderer, s);
    int done = 0;
    for (int y = 0; y < s->h; y += UPLOAD_ROWS) {
        int n = SDL_min(UPLOAD_ROWS, s->h - y);
        SDL_Rect band = {0, y, s->w, n};
        if (SDL_UpdateTexture(t, &band, (const Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch,
                              s->pitch) != 0) {
            SDL_DestroyTexture(t); /* rows already given back: no second try from s */
            return NULL;
        }
        release_rows(s, &done, y + n);
    }
    return t;
}

/* Makes the texture of r's surface for e, evicting first so that the cache and the new
 * texture stay within the budget (the old texture of e, if any, is replaced). Returns 1 if e
 * has it, 0 if it could not be made (e marked failed unless it keeps an older texture). */
static int upload(kiosk_images *img, entry *e, result *r)
{
    SDL_Surface *s = r->surface;
    size_t bytes = (size_t)s->w * (size_t)s->h * 4;
    /* Between frames: what the last frame drew is on screen, nothing else. Room for s and the
     * new texture, both whole for a moment (e's old one goes after), and for the decodes still
     * in flight: the worker starts the next one as soon as this is handled. */
    evict(img, e, 2 * bytes + reserved(img), e->state == READY ? 0 : 1, img->frame);
    SDL_Texture *t = texture_of(img->renderer, s);
    if (!t) {
        SDL_snprintf(r->detail, sizeof r->detail, "cannot make a %dx%d texture: %s", s->w, s->h,
                     SDL_GetError());
        r->err = DK_ERR_NOMEM;
        mark_failed(img, e, r);
        return 0;
    }
    SDL_SetTextureScaleMode(t, SDL_ScaleModeLinear); /* when drawn at another size */
    /* Without an alpha channel it is copied, not blended: on the software renderer blending
     * an opaque picture takes SDL's slowest generic blitter (the renderer blends only when a
     * fade or an anti-aliased edge needs it). */
    e->opaque = !SDL_ISPIXELFORMAT_ALPHA(s->format->format);
    SDL_SetTextureBlendMode(t, e->opaque ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    if (e->state == READY) { /* a decode for another size replaces the one before */
        img->stats.bytes -= e->bytes;
        SDL_DestroyTexture(e->texture);
    } else {
        e->state = READY;
        list_push_head(&img->lru, e);
    }
    e->texture = t;
    e->made_for = r->made_for;
    e->w = s->w;
    e->h = s->h;
    e->src_w = r->src_w;
    e->src_h = r->src_h;
    e->full_w = r->full_w;
    e->full_h = r->full_h;
    e->part = r->part;
    e->bytes = bytes;
    img->stats.bytes += e->bytes;
    img->stats.decoded++;
    return 1;
}

static int take_result(kiosk_images *img, result *r)
{
    img->outstanding--;
    entry *e = find(img, r->hash);
    int changed = 0;
    if (!e || !e->inflight) { /* cleared, evicted or dropped meanwhile */
    } else if (!r->surface) {
        not_in_flight(img, e);
        mark_failed(img, e, r);
    } else {
        not_in_flight(img, e);
        changed = upload(img, e, r);
        if (changed && img->frame > 0 && e->multi && e->multi + 1 >= img->frame &&
            too_small(e, e->asked_w, e->asked_h)) {
            /* Drawn at two sizes: one whole texture for both, instead of one decode per size. */
            key whole = {MODE_WHOLE, e->asked_w, e->asked_h};
            clamp_want(img, &whole.w, &whole.h);
            (void)enqueue(img, e, whole);
        }
    }
    free_result(r);
    delivered(img);
    return changed;
}

static void drop_textures(kiosk_images *img)
{
    while (img->lru.tail)
        remove_entry(img, img->lru.tail);
}

int kiosk_images_handle_event(kiosk_images *img, const SDL_Event *ev)
{
    if (ev->type == SDL_RENDER_DEVICE_RESET) {
        drop_textures(img);
        return 1;
    }
    if (ev->type != img->event_type)
        return 0;
    result *r = ev->user.data1;
    if (!r || r->owner != img)
        return 0;
    return take_result(img, r);
}

void kiosk_images_clear(kiosk_images *img)
{
    SDL_LockMutex(img->lock);
    int dropped = img->queued;
    for (int i = 0; i < img->queued; i++)
        free_result(img->queue[i].result);
    img->queued = 0;
    SDL_UnlockMutex(img->lock);
    img->outstanding -= dropped;
    for (int i = 0; i < BUCKETS; i++)
        while (img->buckets[i])
            remove_entry(img, img->buckets[i]);
}

int kiosk_images_pending(const kiosk_images *img)
{
    return img->outstanding;
}

Uint32 kiosk_images_event_type(const kiosk_images *img)
{
    return img->event_type;
}

void kiosk_images_get_stats(const kiosk_images *img, kiosk_images_stats *out)
{
    *out = img->stats;
    out->budget = img->budget;
    out->count = img->lru.count;
    out->failed = img->failed.count;
}

/* ---- life ---- */

dk_err kiosk_images_new(SDL_Renderer *renderer, const char *objects_dir, size_t budget_bytes,
                        int max_w, int max_h, kiosk_images **out)
{
    *out = NULL;
    if (!renderer || !objects_dir || budget_bytes == 0)
        return dk_error_set(DK_ERR_INVALID, "kiosk_images_new: missing renderer, folder or budget");
    kiosk_images *img = calloc(1, sizeof *img);
    if (!img)
        return dk_error_set(DK_ERR_NOMEM, "no memory for the image cache");
    if (SDL_strlcpy(img->objects_dir, objects_dir, sizeof img->objects_dir) >=
        sizeof img->objects_dir) {
        free(img);
        return dk_error_set(DK_ERR_LIMIT, "objects folder path too long: %.100s...", objects_dir);
    }
    img->renderer = renderer;
    img->budget = budget_bytes;
    img->max_w = max_w > 0 ? max_w : 0;
    img->max_h = max_h > 0 ? max_h : 0;
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(renderer, &info) == 0) {
        img->limit_w = info.max_texture_width;
        img->limit_h = info.max_texture_height;
    }
    img->stats.budget = budget_bytes;
    img->event_type = SDL_RegisterEvents(1);
    if (img->event_type == (Uint32)-1) {
        free(img);
        return dk_error_set(DK_ERR_INVALID, "no SDL event type left for images: %s",
                            SDL_GetError());
    }
    int want = IMG_INIT_JPG | IMG_INIT_PNG | IMG_INIT_WEBP;
    if ((IMG_Init(want) & want) != want) /* not fatal: that format's objects fail, logged */
        dk_warn("SDL_image lacks a format (JPEG, PNG or WebP): %s", IMG_GetError());
    img->lock = SDL_CreateMutex();
    img->wake = SDL_CreateCond();
    if (img->lock && img->wake)
        img->thread = SDL_CreateThread(worker, "kiosk-images", img);
    if (!img->thread) {
        dk_err err =
            dk_error_set(DK_ERR_NOMEM, "cannot start the image decoder: %s", SDL_GetError());
        SDL_DestroyCond(img->wake);
        SDL_DestroyMutex(img->lock);
        free(img);
        return err;
    }
    *out = img;
    return DK_OK;
}

void kiosk_images_free(kiosk_images *img)
{
    if (!img)
        return;
    SDL_LockMutex(img->lock);
    img->stop = 1;
    for (int i = 0; i < img->queued; i++)
        free_result(img->queue[i].result);
    img->queued = 0;
    SDL_CondBroadcast(img->wake);
    SDL_UnlockMutex(img->lock);
    SDL_WaitThread(img->thread, NULL);
    /* Results posted but never handled still sit in SDL's queue with their surfaces. */
    SDL_Event evs[16];
    int n;
    while ((n = SDL_PeepEvents(evs, 16, SDL_GETEVENT, img->event_type, img->event_type)) > 0)
        for (int i = 0; i < n; i++)
            free_result(evs[i].user.data1);
    for (int i = 0; i < BUCKETS; i++)
        while (img->buckets[i])
            remove_entry(img, img->buckets[i]);
    SDL_DestroyCond(img->wake);
    SDL_DestroyMutex(img->lock);
    free(img);
}
