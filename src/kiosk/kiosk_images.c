/* kiosk_images.c: image objects decoded on a worker thread, cached as textures on the UI thread
 * in an LRU list with a byte budget, with a negative cache for broken objects. */
#include "kiosk_images.h"

#include "dk_content.h"
#include "dk_fs.h"
#include "dk_image.h"
#include "dk_log.h"

#include <SDL_image.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HASH_LEN      64   /* SHA-256 in hex */
#define BUCKETS       1024 /* hash table buckets (a power of two) */
#define DETAIL_MAX    200  /* [bytes] why a decode failed, for the log */
#define PATH_MAX_LEN  1024 /* [bytes] objects_dir plus a hash */
#define PUSH_RETRY_MS 10   /* [ms] wait before posting again when SDL's event queue is full */

/* ---- shared between the threads: only the request queue, under the lock ---- */

/* What the worker posts in event.user.data1. Allocated by the UI thread with the request, so
 * that every request taken by the worker comes back, even when memory runs out. Owned by the
 * queue while queued, by the worker while decoding, then by whoever holds the event: the UI
 * thread frees it in kiosk_images_handle_event(), or kiosk_images_free() when it drains SDL's
 * queue. */
typedef struct result {
    kiosk_images *owner;
    char hash[HASH_LEN + 1];
    SDL_Surface *surface; /* NULL on failure */
    int src_w, src_h;     /* the image's own size (0 if unknown) */
    dk_err err;
    char detail[DETAIL_MAX];
} result;

typedef struct request {
    result *result;       /* hash and owner filled in */
    int want_w, want_h;   /* cover this area [px]; 0: full size */
    int limit_w, limit_h; /* never larger than this (the renderer's texture limit); 0: none */
} request;

/* ---- UI thread only ---- */

typedef enum state { LOADING, READY, FAILED } state;

typedef struct entry {
    char hash[HASH_LEN + 1];
    state state;
    int inflight;              /* a request for it is queued or being decoded */
    SDL_Texture *texture;      /* READY */
    int w, h;                  /* the texture's size */
    int src_w, src_h;          /* the image's own size */
    size_t bytes;              /* w * h * 4 */
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
    int warned_hash;
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

/* Halves a 32-bit surface with a 2x2 box filter: the clean way down before the final bilinear
 * step, which alone would skip pixels and alias when shrinking by more than 2. */
static SDL_Surface *halve(SDL_Surface *s)
{
    int w = s->w / 2, h = s->h / 2;
    SDL_Surface *d = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, s->format->format);
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

/* Scales s (32 bits per pixel) down to w x h; takes ownership of s. NULL on out of memory. */
static SDL_Surface *scale_down(SDL_Surface *s, int w, int h)
{
    while (s->w / 2 >= w && s->h / 2 >= h) {
        SDL_Surface *half = halve(s);
        SDL_FreeSurface(s);
        if (!half)
            return NULL;
        s = half;
    }
    if (s->w == w && s->h == h)
        return s;
    SDL_Surface *d = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, s->format->format);
    if (d && SDL_SoftStretchLinear(s, NULL, d, NULL) != 0) {
        SDL_FreeSurface(d);
        d = NULL;
    }
    SDL_FreeSurface(s);
    return d;
}

/* The size to keep of a w x h image so that it still covers want (never upscaled), then shrunk
 * to fit limit. */
static void target_size(int w, int h, const request *rq, int *tw, int *th)
{
    double scale = 1.0;
    if (rq->want_w > 0 && rq->want_h > 0) {
        double sx = (double)rq->want_w / w, sy = (double)rq->want_h / h;
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
    free(data);
    if (!s)
        return fail(r, DK_ERR_INVALID, IMG_GetError());
    /* One 32-bit format for every image: what the renderer and the scaler work with. Opaque
     * images get one without an alpha channel, which renderers can draw without reading it. */
    int alpha = SDL_ISPIXELFORMAT_ALPHA(s->format->format) || SDL_HasColorKey(s) ||
                (s->format->palette != NULL);
    SDL_Surface *c =
        SDL_ConvertSurfaceFormat(s, alpha ? SDL_PIXELFORMAT_ARGB8888 : SDL_PIXELFORMAT_RGB888, 0);
    SDL_FreeSurface(s);
    if (!c)
        return fail(r, DK_ERR_NOMEM, SDL_GetError());
    r->src_w = c->w;
    r->src_h = c->h;
    int tw, th;
    target_size(c->w, c->h, rq, &tw, &th);
    if (tw != c->w || th != c->h) {
        c = scale_down(c, tw, th);
        if (!c)
            return fail(r, DK_ERR_NOMEM, "no memory to scale the image down");
    }
    r->surface = c;
    return 0;
}

static int worker(void *arg)
{
    kiosk_images *img = arg;
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

/* Unlinks e from the table and its list and frees it with its texture. */
static void remove_entry(kiosk_images *img, entry *e)
{
    entry **p = &img->buckets[bucket_of(e->hash)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    if (e->state == READY) {
        list_remove(&img->lru, e);
        img->stats.bytes -= e->bytes;
        SDL_DestroyTexture(e->texture);
    } else if (e->state == FAILED) {
        list_remove(&img->failed, e);
    }
    free(e);
}

/* Queues a decode of e at want. A full queue drops its oldest request; that entry forgets
 * it was asked for, so that a screen still showing it asks again. */
static int enqueue(kiosk_images *img, entry *e, int want_w, int want_h)
{
    request rq;
    rq.result = calloc(1, sizeof *rq.result);
    if (!rq.result)
        return -1;
    rq.result->owner = img;
    memcpy(rq.result->hash, e->hash, sizeof rq.result->hash);
    rq.want_w = want_w;
    rq.want_h = want_h;
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
    e->inflight = 1;
    img->outstanding++;
    if (dropped) {
        img->outstanding--;
        img->stats.dropped++;
        entry *d = find(img, dropped->hash);
        if (d) {
            d->inflight = 0;
            if (d->state == LOADING)
                remove_entry(img, d);
        }
        free_result(dropped);
    }
    return 0;
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

/* 1 if a texture of e is clearly too small to cover want_w x want_h and a larger one exists. */
static int too_small(const entry *e, int want_w, int want_h)
{
    if (want_w <= 0 || want_h <= 0 || (e->w >= e->src_w && e->h >= e->src_h))
        return 0;
    double sx = (double)want_w / e->src_w, sy = (double)want_h / e->src_h;
    double scale = sx > sy ? sx : sy;
    if (scale > 1.0)
        scale = 1.0;
    return e->src_w * scale > e->w * KIOSK_IMAGES_UPGRADE ||
           e->src_h * scale > e->h * KIOSK_IMAGES_UPGRADE;
}

SDL_Texture *kiosk_images_get(kiosk_images *img, const char *hash, int want_w, int want_h)
{
    clamp_want(img, &want_w, &want_h);
    entry *e = find(img, hash);
    if (e) {
        if (e->state != READY) {
            img->stats.misses++;
            return NULL;
        }
        img->stats.hits++;
        list_remove(&img->lru, e);
        list_push_head(&img->lru, e);
        if (!e->inflight && too_small(e, want_w, want_h))
            (void)enqueue(img, e, want_w, want_h); /* out of memory: asked again next frame */
        return e->texture;
    }
    img->stats.misses++;
    if (!valid_hash(hash)) {
        if (!img->warned_hash)
            dk_warn("image object name '%.80s' is not a SHA-256 in hex: not loaded",
                    hash ? hash : "(null)");
        img->warned_hash = 1;
        return NULL;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL; /* asked again next frame */
    memcpy(e->hash, hash, HASH_LEN + 1);
    e->state = LOADING;
    entry **b = &img->buckets[bucket_of(hash)];
    e->chain = *b;
    *b = e;
    if (enqueue(img, e, want_w, want_h) != 0)
        remove_entry(img, e); /* out of memory: asked again next frame */
    return NULL;
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
    if (e->state == READY)
        return; /* an upgrade failed: keep the smaller texture */
    e->state = FAILED;
    list_push_head(&img->failed, e);
    while (img->failed.count > KIOSK_IMAGES_FAILED_MAX)
        remove_entry(img, img->failed.tail);
}

static void evict(kiosk_images *img, const entry *keep)
{
    while (img->lru.count > 0 &&
           (img->stats.bytes > img->budget || img->lru.count > KIOSK_IMAGES_TEXTURES_MAX)) {
        entry *victim = img->lru.tail;
        if (victim == keep) {
            victim = victim->prev;
            if (!victim)
                break; /* only the newest is left: it stays, even above the budget */
        }
        remove_entry(img, victim); /* an upgrade in flight for it is discarded on arrival */
        img->stats.evictions++;
    }
}

static int take_result(kiosk_images *img, result *r)
{
    SDL_LockMutex(img->lock);
    img->undelivered--;
    SDL_CondSignal(img->wake);
    SDL_UnlockMutex(img->lock);
    img->outstanding--;
    entry *e = find(img, r->hash);
    if (!e || !e->inflight) { /* cleared, evicted or dropped meanwhile */
        free_result(r);
        return 0;
    }
    e->inflight = 0;
    if (!r->surface) {
        mark_failed(img, e, r);
        free_result(r);
        return 0;
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(img->renderer, r->surface);
    if (!t) {
        SDL_snprintf(r->detail, sizeof r->detail, "cannot make a %dx%d texture: %s", r->surface->w,
                     r->surface->h, SDL_GetError());
        r->err = DK_ERR_NOMEM;
        mark_failed(img, e, r);
        free_result(r);
        return 0;
    }
    SDL_SetTextureScaleMode(t, SDL_ScaleModeLinear); /* photos are drawn scaled */
    /* Blended even when opaque: fades and anti-aliased rounded corners need it. */
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    if (e->state == READY) { /* a larger decode replaces the smaller one */
        img->stats.bytes -= e->bytes;
        SDL_DestroyTexture(e->texture);
    } else {
        e->state = READY;
        list_push_head(&img->lru, e);
    }
    e->texture = t;
    e->w = r->surface->w;
    e->h = r->surface->h;
    e->src_w = r->src_w;
    e->src_h = r->src_h;
    e->bytes = (size_t)e->w * (size_t)e->h * 4;
    img->stats.bytes += e->bytes;
    img->stats.decoded++;
    free_result(r);
    evict(img, e);
    return 1;
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
