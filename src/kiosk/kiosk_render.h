/* kiosk_render.h: draws a frame of dk_ui commands with an SDL_Renderer: anti-aliased rounded
 * rectangles and outlines, text from a texture cache with a byte budget, and images. */
#ifndef KIOSK_RENDER_H
#define KIOSK_RENDER_H

#include "dk_error.h"
#include "dk_theme.h"
#include "dk_ui.h"
#include "kiosk_fonts.h"
#include "kiosk_images.h"

#include <SDL.h>
#include <stddef.h>

/* Tunables. */
/* [bytes] default budget of cached text textures (width x height x 4). Soft for the lines of the
 * frame being drawn, which are never evicted: a screen with more text costs memory while it
 * shows, not rendering every line every frame (at 1920x1080 the lines on screen took at most
 * 4.5 MiB in tools/bench's walk, 2 MiB mostly). Beyond those, it keeps lines scrolled out of
 * view for scrolling back; at the end of each frame the cache shrinks to it again. */
#define KIOSK_RENDER_TEXT_BUDGET  (2u << 20)
#define KIOSK_RENDER_TEXT_ENTRIES 4096 /* [lines] cached, whatever their bytes */
/* [bytes] longest line drawn; the rest is cut (2048 bytes are far wider than any screen) */
#define KIOSK_RENDER_TEXT_MAX 2048

typedef struct kiosk_render kiosk_render;

/* A renderer of dk_ui commands. renderer, fonts and images are borrowed and must outlive it
 * (images may be NULL: every image is then a placeholder). text_budget bounds the bytes of
 * cached text textures (0: KIOSK_RENDER_TEXT_BUDGET). Fails with DK_ERR_INVALID (no renderer
 * or fonts) or DK_ERR_NOMEM. On success *out belongs to the caller: free it with
 * kiosk_render_free() before the renderer. UI thread only, like every function here. */
dk_err kiosk_render_new(SDL_Renderer *renderer, kiosk_fonts *fonts, kiosk_images *images,
                        size_t text_budget, kiosk_render **out) DK_MUST_CHECK;
void kiosk_render_free(kiosk_render *render); /* accepts NULL; frees the cached textures */

/* The colour drawn where an image is not decoded yet (or cannot be): a calm surface colour,
 * e.g. dk_theme_color(theme, DK_C_SURFACE). Default light grey. An image command with a colour
 * (a > 0) uses that instead, and its alpha also fades the image (cross-fades); a = 0 means an
 * opaque image on this placeholder. Image corners are rounded by the command's radius. */
void kiosk_render_set_placeholder(kiosk_render *render, dk_color color);

/* Anti-aliased curves (a one-pixel feather on rounded corners) on or off. On by default, off
 * for SDL's software renderer, which rounds geometry to whole pixels and would show seams. */
void kiosk_render_set_antialias(kiosk_render *render, int on);

/* Executes count commands in order (the caller clears the screen before and presents after):
 * one frame (for the caches: what it draws is kept until the next call, kiosk_images_frame()).
 * Each command is clipped to its clip rect; text and images outside it cost nothing. Images are
 * drawn with kiosk_images_draw(), so at the size drawn they are copied 1:1, and opaque ones
 * without blending. Sets the
 * renderer's blend mode to blend and leaves clipping off afterwards. Returns how many commands
 * could not be drawn (a font that does not open, SDL failing: each kind logged once); 0 when
 * all were. An image that is still decoding is drawn as a placeholder and counts as drawn:
 * kiosk_images_handle_event() says when to draw again. */
int kiosk_render_commands(kiosk_render *render, const dk_cmd *cmds, size_t count);

/* Drops every cached text texture (e.g. after SDL_RENDER_TARGETS_RESET or
 * SDL_RENDER_DEVICE_RESET). Can't fail. */
void kiosk_render_clear_text(kiosk_render *render);

/* Counters for the staff screen and tests. */
typedef struct kiosk_render_stats {
    size_t text_bytes;  /* [bytes] of cached text textures */
    size_t text_budget; /* [bytes] */
    size_t text_count;  /* cached lines */
    unsigned long long text_hits, text_misses, text_evictions;
    unsigned long long failures; /* commands not drawn, ever */
} kiosk_render_stats;
void kiosk_render_get_stats(const kiosk_render *render, kiosk_render_stats *out);

/* Writes what renderer has drawn so far (its whole output, before SDL_RenderPresent) to path as
 * an opaque RGB PNG: first to a temporary file beside it, then renamed over path, so a reader
 * never sees half a file. Fails with DK_ERR_NOMEM, DK_ERR_IO (SDL_RenderReadPixels or
 * IMG_SavePNG failed, or the rename; detail says which, with SDL's or the system's message) or
 * DK_ERR_LIMIT (path too long). For the test harness and golden images. */
dk_err kiosk_render_screenshot(SDL_Renderer *renderer, const char *path) DK_MUST_CHECK;

#endif
