/* kiosk_images.h: the kiosk's pictures: object files decoded by one worker thread, turned into
 * textures on the UI thread and kept in an LRU cache with a byte budget. */
#ifndef KIOSK_IMAGES_H
#define KIOSK_IMAGES_H

#include "dk_error.h"

#include <SDL.h>
#include <stddef.h>

/* How it works: kiosk_images_draw() (or kiosk_images_get()) answers from the cache, or queues
 * the object for the worker and returns nothing (draw a placeholder). The worker reads
 * <objects_dir>/<sha256>, decodes it with SDL_image, scales it to the size asked for and posts
 * the surface to the UI thread with SDL_PushEvent (type kiosk_images_event_type(), user.data1 =
 * the result). The main loop hands every event to kiosk_images_handle_event(), which makes the
 * texture and says that a frame should be drawn. Only the UI thread touches textures and the
 * cache; the two threads share nothing but the request queue.
 *
 * Speed and memory: kiosk_images_draw() has each image decoded at exactly the size it is drawn
 * (a cover image cropped to its rectangle, a contained one fitted into it), so that a software
 * renderer copies it 1:1 instead of scaling it every frame, and no texture holds pixels nobody
 * sees. Images without transparency become textures without an alpha channel, drawn without
 * blending. The byte budget covers the pictures being decoded as well as the cached textures:
 * a decode holds the whole picture, 32 bits a pixel, while it scales it, and its result and the
 * new texture for a moment when it is handled; the cache makes room for that before (see
 * kiosk_images_frame()). The budget is soft for the images of the frame being drawn: textures
 * drawn in the last frame are never evicted, so a budget smaller than what one screen shows
 * costs memory for that screen, never a decode every frame. */

/* Tunables. The byte budget comes from the config (image_cache_mb). */
#define KIOSK_IMAGES_QUEUE_MAX    64   /* [requests] waiting; beyond it the oldest is dropped */
#define KIOSK_IMAGES_TEXTURES_MAX 1024 /* [textures] cached, whatever their bytes */
#define KIOSK_IMAGES_FAILED_MAX   256  /* [images] remembered as broken (never retried) */
/* [images] decoded and posted but not yet handled: the worker waits beyond this, which bounds
 * the memory of decoded pictures on their way to the UI thread (one: a full-screen picture is
 * 8 MiB at 1920x1080, and the UI thread turns each into a texture at once anyway). */
#define KIOSK_IMAGES_UNDELIVERED_MAX 1
/* [factor] a cached texture this much smaller than asked for is decoded again, larger. */
#define KIOSK_IMAGES_UPGRADE 1.25

typedef struct kiosk_images kiosk_images;

/* A new image cache for renderer (borrowed: it must outlive the cache) reading objects from
 * objects_dir (copied; e.g. "<data_dir>/objects"), holding at most budget_bytes of textures
 * (width x height x 4 each) and pictures being decoded, and decoding nothing larger than
 * max_w x max_h (the screen; 0 for no limit) beyond what covering that area needs. Calls
 * IMG_Init() for JPEG, PNG and WebP and starts the worker thread. The SDL video and events
 * subsystems must be initialised. Fails with DK_ERR_INVALID (bad argument, no event type left:
 * detail has SDL_GetError()), DK_ERR_LIMIT (path too long) or DK_ERR_NOMEM (includes: thread
 * not started). On success *out belongs to the caller: free it with kiosk_images_free() before
 * destroying the renderer. UI thread only, like every function here. */
dk_err kiosk_images_new(SDL_Renderer *renderer, const char *objects_dir, size_t budget_bytes,
                        int max_w, int max_h, kiosk_images **out) DK_MUST_CHECK;

/* Stops the worker (a decode in progress finishes first), waits for it, frees every texture,
 * queued request, and every result still waiting in SDL's event queue. Accepts NULL. */
void kiosk_images_free(kiosk_images *img);

/* The texture of object hash (64 lowercase hex digits) if it is cached, else NULL: then the
 * object is queued for decoding unless it is already on its way or known to be broken. want_w x
 * want_h is the size it will be drawn at [px] (0 x 0: the screen size given to new): the decode
 * keeps the whole image with enough pixels to cover that area (never more than it has), and a
 * cached texture that is clearly too small, or only a crop (made by kiosk_images_draw()), is
 * returned while a larger, whole one is decoded. Borrowed: the texture stays valid until the
 * next kiosk_images_handle_event(), kiosk_images_frame(), kiosk_images_clear() or
 * kiosk_images_free(), so a whole frame can be drawn with it (get never evicts). A malformed
 * hash gives NULL (logged once). */
SDL_Texture *kiosk_images_get(kiosk_images *img, const char *hash, int want_w, int want_h);

/* How an image fills the rectangle it is drawn into (as dk_fit). */
typedef enum kiosk_image_fit {
    KIOSK_IMAGE_COVER,  /* all of the rectangle, the image's centre cropped to its shape */
    KIOSK_IMAGE_CONTAIN /* all of the image, as large as fits, centred */
} kiosk_image_fit;

/* A cached texture and which part of the image it holds. The image scaled to full_w x full_h
 * is the reference: the texture holds its rectangle part (texture size part.w x part.h). */
typedef struct kiosk_image_view {
    SDL_Texture *texture;
    int full_w, full_h; /* [px] the whole image at the texture's scale */
    SDL_Rect part;      /* [px] the part of that whole the texture holds */
    int exact;          /* 1: made for exactly this rectangle and fit: draw it 1:1 (cover: into
                           the rectangle; contain: centred in it) */
    int opaque;         /* 1: no transparency: may be drawn without blending */
} kiosk_image_view;

/* The texture to draw object hash into a w x h [px] rectangle with fit, for the renderer. Like
 * kiosk_images_get(), but the decode is made for exactly that rectangle: scaled (up or down)
 * and, for cover, cropped to it, so out->exact is 1 once it arrived. Until then a texture made
 * for another size may be returned (out->exact 0: draw it scaled, using full_w, full_h and part)
 * while the exact one is decoded. An image drawn at two sizes in the same frame is decoded once,
 * whole, covering the larger (drawn scaled), instead of once per size and frame. Rectangles
 * larger than the screen given to new are handled as by kiosk_images_get(). Returns 1 with *out
 * filled, or 0 (out->texture NULL) when there is no texture yet or the object is broken. The
 * texture is borrowed as with kiosk_images_get(). */
int kiosk_images_draw(kiosk_images *img, const char *hash, int w, int h, kiosk_image_fit fit,
                      kiosk_image_view *out);

/* A new frame begins: first the least recently used textures that the frame before did not
 * draw are evicted beyond the budget, less the room the decodes in flight take: each its
 * texture, and the one that needs most beyond that its picture (a screenful until its size is
 * known from an earlier decode) or, when more, its result beside the new texture; then the
 * textures kiosk_images_draw() returns are kept (not evicted) until the next call,
 * whatever the budget. The renderer calls it once per frame, before drawing. It ends the life
 * of textures returned before it, like kiosk_images_handle_event(). Without it (tests) the
 * budget is strict, as it is for kiosk_images_get(). Can't fail. */
void kiosk_images_frame(kiosk_images *img);

/* The state of an object in the cache, for tests and the staff screen. */
typedef enum kiosk_image_state {
    KIOSK_IMAGE_ABSENT,  /* never asked for, evicted, or dropped from a full queue */
    KIOSK_IMAGE_LOADING, /* queued or being decoded */
    KIOSK_IMAGE_READY,   /* a texture is cached */
    KIOSK_IMAGE_FAILED   /* missing or undecodable: not retried until kiosk_images_clear() */
} kiosk_image_state;
kiosk_image_state kiosk_images_state(const kiosk_images *img, const char *hash);

/* The SDL event type the worker posts (from SDL_RegisterEvents). */
Uint32 kiosk_images_event_type(const kiosk_images *img);

/* Takes a decoded image out of ev if ev is one of ours: evicts the least recently used textures
 * to make room within the budget for its texture, for its surface beside it while it is copied,
 * and for the decodes still in flight (never those drawn in the last frame, see
 * kiosk_images_frame(), and a single texture larger than the whole budget is still kept,
 * alone), uploads it to a texture, and frees the surface and the result. Also drops every texture
 * on SDL_RENDER_DEVICE_RESET (the renderer lost them). Returns 1 if a frame should be drawn
 * because something changed, 0 otherwise (including events that are not ours). Every event of
 * our type must come here, or its surface leaks until kiosk_images_free(). */
int kiosk_images_handle_event(kiosk_images *img, const SDL_Event *ev);

/* Drops every texture, every remembered failure and every waiting request, e.g. when the
 * content changes. Decodes already under way are discarded when they arrive. Can't fail. */
void kiosk_images_clear(kiosk_images *img);

/* Requests queued, being decoded, or decoded but not yet handled. Tests wait for 0. */
int kiosk_images_pending(const kiosk_images *img);

/* Counters for the staff screen and tests. */
typedef struct kiosk_images_stats {
    size_t bytes;                 /* [bytes] of cached textures (width x height x 4) */
    size_t budget;                /* [bytes] the budget */
    size_t count;                 /* textures cached */
    size_t failed;                /* objects remembered as broken */
    unsigned long long hits;      /* kiosk_images_get() answered with a texture */
    unsigned long long misses;    /* ... with NULL (queued, in flight or broken) */
    unsigned long long evictions; /* textures dropped to stay within the budget */
    unsigned long long decoded;   /* images decoded and uploaded */
    unsigned long long dropped;   /* requests dropped from a full queue */
} kiosk_images_stats;
void kiosk_images_get_stats(const kiosk_images *img, kiosk_images_stats *out);

#endif
