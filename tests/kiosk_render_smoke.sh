#!/usr/bin/env bash
# The kiosk's SDL backend (src/kiosk/kiosk_fonts, kiosk_render, kiosk_images) drawing for real
# under SDL's dummy video driver with the software renderer: text in German and Turkish,
# rounded shapes, images decoded off the main thread, the caches' budgets, and shutdown.
# Leaves the frame in $DK_BINARY_DIR/kiosk_render_smoke.png for a person to look at.
# In a DK_SANITIZE build the program runs under ASan/LSan, so a leak at shutdown fails it.
set -euo pipefail
src=${DK_SOURCE_DIR:?set by ctest}
bin=${DK_BINARY_DIR:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Image objects named by their SHA-256, as in <data_dir>/objects.
mkdir -p "$tmp/objects"
obj() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$tmp/objects/$h"; echo "$h"; }
hoerde="$src/content/districts/hoerde"
hero=$(obj "$hoerde/hero.jpg")
webp=$(obj "$hoerde/gallery-1.webp")
png=$(obj "$hoerde/gallery-2.png")
head -c 4096 /dev/zero | tr '\0' 'x' > "$tmp/broken.bin"
broken=$(obj "$tmp/broken.bin")
missing=$(printf '%064d' 0)

cat > "$tmp/smoke.c" <<'EOF'
#include "dk_log.h"
#include "dk_theme.h"
#include "dk_ui.h"
#include "kiosk_fonts.h"
#include "kiosk_images.h"
#include "kiosk_render.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define W 800
#define H 600
static int passed, failed, current_failed;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            current_failed = 1;                                                                \
            fprintf(stderr, "  line %d: %s: ", __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
        }                                                                                      \
    } while (0)
#define RUN(test)                                                                              \
    do {                                                                                       \
        current_failed = 0;                                                                    \
        test();                                                                                \
        if (current_failed) {                                                                  \
            failed++;                                                                          \
            fprintf(stderr, "FAILED: %s\n", #test);                                            \
        } else {                                                                               \
            passed++;                                                                          \
        }                                                                                      \
    } while (0)

static const char *out_png, *tmp_dir, *objects, *hero, *webp, *png, *broken, *missing;
static SDL_Renderer *ren;
static dk_metrics metrics;
static kiosk_fonts *fonts;
static kiosk_images *images;
static kiosk_render *render;
static const char *const SAMPLE = "Hörde Straße İğneada Şişli";
static const dk_color BG = {244, 242, 238, 255}, INK = {28, 30, 34, 255},
                      ACCENT = {11, 90, 156, 255}, PLACEHOLDER = {200, 200, 196, 255};

static Uint32 rgb(dk_color c)
{
    return (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b;
}

static Uint32 pixel(int x, int y)
{
    Uint32 p = 0;
    SDL_Rect one = {x, y, 1, 1};
    SDL_RenderReadPixels(ren, &one, SDL_PIXELFORMAT_RGB888, &p, 4);
    return p & 0xffffff;
}

/* Pixels in r clearly different from colour bg. */
static int ink(dk_rect r, Uint32 bg)
{
    int n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            Uint32 p = pixel(x, y);
            int d = abs((int)(p >> 16) - (int)(bg >> 16)) +
                    abs((int)((p >> 8) & 255) - (int)((bg >> 8) & 255)) +
                    abs((int)(p & 255) - (int)(bg & 255));
            n += d > 60;
        }
    return n;
}

static dk_cmd cmd(dk_cmd_type type, dk_rect r, dk_color c)
{
    dk_cmd k;
    memset(&k, 0, sizeof k);
    k.type = type;
    k.rect = r;
    k.clip = (dk_rect){0, 0, W, H};
    k.color = c;
    return k;
}

static dk_cmd text(int x, int y, int font, const char *s)
{
    dk_cmd k = cmd(DK_CMD_TEXT, (dk_rect){x, y, 0, 0}, INK);
    int line, ascent;
    kiosk_fonts_metrics(fonts, font, &line, &ascent);
    k.rect.w = kiosk_fonts_measure(fonts, font, s, strlen(s));
    k.rect.h = line;
    k.font = font;
    k.text = s;
    k.len = strlen(s);
    return k;
}

static dk_cmd image(dk_rect r, const char *hash, dk_fit fit)
{
    dk_cmd k = cmd(DK_CMD_IMAGE, r, (dk_color){0, 0, 0, 0});
    k.image = hash;
    k.fit = fit;
    return k;
}

/* The scene every render test looks at. */
static int draw_scene(void)
{
    dk_cmd c[32];
    int n = 0;
    c[n++] = cmd(DK_CMD_RECT, (dk_rect){0, 0, W, H}, BG);
    c[n++] = text(20, 10, DK_UI_FONT(DK_FONT_BODY, 0), SAMPLE);
    c[n++] = text(20, 70, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), "ÄÖÜ äöü ß — Grüße!");
    c[n++] = text(20, 130, DK_UI_FONT(DK_FONT_BODY, DK_UI_ITALIC), "ÇĞİÖŞÜ çğıöşü");
    c[n] = text(20, 200, DK_UI_FONT(DK_FONT_BODY, 0), "Abgeschnitten: Bezirksverwaltungsstelle");
    c[n++].clip = (dk_rect){20, 200, 150, 30}; /* only the top-left of this line shows */
    c[n] = cmd(DK_CMD_RECT, (dk_rect){20, 280, 80, 80}, ACCENT);
    c[n++].radius = 0;
    c[n] = cmd(DK_CMD_RECT, (dk_rect){120, 280, 80, 80}, ACCENT);
    c[n++].radius = 40; /* a circle */
    c[n] = cmd(DK_CMD_FRAME, (dk_rect){220, 280, 120, 80}, INK);
    c[n].radius = 12;
    c[n++].thickness = 4;
    c[n++] = cmd(DK_CMD_RECT, (dk_rect){360, 280, 80, 80}, (dk_color){220, 40, 40, 255});
    c[n] = cmd(DK_CMD_RECT, (dk_rect){400, 300, 80, 80}, (dk_color){40, 40, 220, 128});
    c[n++].radius = 16;
    c[n++] = image((dk_rect){500, 20, 280, 160}, hero, DK_FIT_COVER);
    c[n++] = cmd(DK_CMD_RECT, (dk_rect){500, 200, 280, 200}, ACCENT); /* under the letterbox */
    c[n++] = image((dk_rect){500, 200, 280, 200}, hero, DK_FIT_CONTAIN);
    c[n] = image((dk_rect){500, 420, 130, 80}, webp, DK_FIT_COVER);
    c[n++].radius = 20;
    c[n++] = image((dk_rect){650, 420, 130, 80}, png, DK_FIT_COVER);
    c[n++] = image((dk_rect){500, 510, 130, 80}, missing, DK_FIT_COVER);
    c[n++] = image((dk_rect){650, 510, 130, 80}, broken, DK_FIT_COVER);
    SDL_SetRenderDrawColor(ren, 0, 0, 0, 255);
    SDL_RenderClear(ren);
    return kiosk_render_commands(render, c, (size_t)n);
}

static void pump(kiosk_images *img)
{
    Uint32 end = SDL_GetTicks() + 20000;
    while (kiosk_images_pending(img) > 0 && !SDL_TICKS_PASSED(SDL_GetTicks(), end)) {
        SDL_Event ev;
        if (SDL_WaitEventTimeout(&ev, 50))
            kiosk_images_handle_event(img, &ev);
    }
}

/* ---- fonts ---- */

static void fonts_measure_honours_length_and_emphasis(void)
{
    int body = DK_UI_FONT(DK_FONT_BODY, 0), bold = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
    int w = kiosk_fonts_measure(fonts, body, SAMPLE, strlen(SAMPLE));
    int wb = kiosk_fonts_measure(fonts, bold, SAMPLE, strlen(SAMPLE));
    CHECK(w > 0 && wb > w, "regular %d, bold %d", w, wb);
    CHECK(kiosk_fonts_measure(fonts, body, "Hörde xyz", 6) ==
              kiosk_fonts_measure(fonts, body, "Hörde", 6),
          "only len bytes are measured");
    CHECK(kiosk_fonts_measure(fonts, body, "", 0) == 0, "empty text is 0 wide");
    CHECK(kiosk_fonts_measure(fonts, body, SAMPLE, strlen(SAMPLE)) == w, "cached answer same");
}

static void fonts_line_height_from_theme_glyphs_centred(void)
{
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        int line, ascent, px = kiosk_fonts_px(fonts, DK_UI_FONT(s, 0));
        kiosk_fonts_metrics(fonts, DK_UI_FONT(s, 0), &line, &ascent);
        CHECK(line == metrics.line_px[s], "style %d: line %d, theme %d", s, line,
              metrics.line_px[s]);
        CHECK(px == metrics.font_px[s], "style %d: %d px, theme %d", s, px, metrics.font_px[s]);
        /* Noto Sans: ascender 1.069 em, descender 0.293 em, centred in the line. */
        int expect = (int)((line - 1.362 * px) / 2 + 1.069 * px + 0.5);
        CHECK(abs(ascent - expect) <= 2, "style %d: ascent %d, expected about %d", s, ascent,
              expect);
    }
}

static void fonts_broken_file_is_refused_by_name(void)
{
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/fonts", tmp_dir);
    snprintf(path, sizeof path, "%s/NotoSans-Regular.ttf", dir);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    fputs("not a font\n", f);
    fclose(f);
    kiosk_fonts *bad = NULL;
    dk_err err = kiosk_fonts_new(dir, &metrics, &bad);
    CHECK(err == DK_ERR_INVALID && !bad, "got %d", err);
    CHECK(strstr(dk_error_detail(), path) != NULL, "detail: %s", dk_error_detail());
}

static void fonts_larger_text_changes_sizes(void)
{
    dk_metrics large;
    (void)dk_metrics_init(&large, W, H, 240, 180, 1);
    int body = DK_UI_FONT(DK_FONT_BODY, 0);
    int before = kiosk_fonts_measure(fonts, body, SAMPLE, strlen(SAMPLE));
    CHECK(kiosk_fonts_set_metrics(fonts, &large) == 1, "sizes changed");
    CHECK(kiosk_fonts_set_metrics(fonts, &large) == 0, "same sizes again: no change");
    int after = kiosk_fonts_measure(fonts, body, SAMPLE, strlen(SAMPLE));
    CHECK(after > before * 5 / 4, "%d -> %d", before, after);
    CHECK(kiosk_fonts_set_metrics(fonts, &metrics) == 1, "back to normal");
}

/* ---- render ---- */

static void render_placeholder_until_decoded_then_image(void)
{
    CHECK(draw_scene() == 0, "first frame drawn");
    CHECK(pixel(640, 100) == rgb(PLACEHOLDER), "placeholder while decoding: %06x",
          pixel(640, 100));
    pump(images);
    CHECK(kiosk_images_pending(images) == 0, "all decodes came back");
    CHECK(draw_scene() == 0, "second frame drawn");
    CHECK(pixel(640, 100) != rgb(PLACEHOLDER), "hero drawn");
    CHECK(ink((dk_rect){500, 20, 40, 40}, rgb(PLACEHOLDER)) > 100, "hero has detail");
    CHECK(pixel(715, 460) != rgb(PLACEHOLDER), "png drawn");
    CHECK(pixel(565, 550) == rgb(PLACEHOLDER), "missing object: placeholder");
    CHECK(pixel(715, 550) == rgb(PLACEHOLDER), "broken object: placeholder");
}

static void render_contain_letterboxes_cover_fills(void)
{
    /* 16:9 in 280x200: 280x158 centred, 21 px bands above and below show what is beneath. */
    CHECK(pixel(640, 205) == rgb(ACCENT), "band above: %06x", pixel(640, 205));
    CHECK(pixel(640, 395) == rgb(ACCENT), "band below: %06x", pixel(640, 395));
    CHECK(pixel(640, 300) != rgb(ACCENT), "image in the middle");
    CHECK(pixel(501, 21) != rgb(BG) && pixel(778, 178) != rgb(BG), "cover reaches corners");
}

static void render_round_corners_and_crisp_edges(void)
{
    CHECK(pixel(20, 280) == rgb(ACCENT), "square corner filled");
    CHECK(pixel(121, 281) == rgb(BG), "circle leaves its corner empty");
    CHECK(pixel(160, 320) == rgb(ACCENT), "circle centre filled");
    CHECK(pixel(160, 280) == rgb(ACCENT) && pixel(160, 279) == rgb(BG), "top edge crisp");
    CHECK(pixel(200 - 1, 320) == rgb(ACCENT) && pixel(200, 320) == rgb(BG), "right edge crisp");
    CHECK(pixel(501, 421) == rgb(BG), "rounded image corner empty: %06x", pixel(501, 421));
    CHECK(pixel(565, 421) != rgb(BG), "rounded image top edge drawn");
}

static void render_frame_is_a_band_of_its_thickness(void)
{
    CHECK(pixel(280, 280) == rgb(INK) && pixel(280, 283) == rgb(INK), "top band 4 px");
    CHECK(pixel(280, 284) == rgb(BG), "inside is hollow");
    CHECK(pixel(220, 320) == rgb(INK) && pixel(223, 320) == rgb(INK) &&
              pixel(224, 320) == rgb(BG),
          "left band 4 px");
    CHECK(pixel(220, 280) == rgb(BG), "rounded outer corner");
}

static void render_translucent_fill_blends(void)
{
    Uint32 p = pixel(420, 320); /* blue at 50 % over red */
    int r = (int)(p >> 16), b = (int)(p & 255);
    CHECK(r > 100 && r < 160 && b > 100 && b < 160, "blend %06x", p);
}

static void render_text_has_ink_and_stays_in_its_clip(void)
{
    CHECK(ink((dk_rect){20, 10, 300, 50}, rgb(BG)) > 400, "body text has ink");
    CHECK(ink((dk_rect){20, 70, 300, 50}, rgb(BG)) > 600, "bold text has ink");
    CHECK(ink((dk_rect){20, 130, 300, 50}, rgb(BG)) > 300, "italic text has ink");
    CHECK(ink((dk_rect){20, 200, 150, 30}, rgb(BG)) > 100, "clipped text inside its clip");
    CHECK(ink((dk_rect){170, 200, 300, 60}, rgb(BG)) == 0, "nothing right of the clip");
    CHECK(ink((dk_rect){20, 230, 150, 30}, rgb(BG)) == 0, "nothing below the clip");
}

static void render_screenshot_is_a_png_written_whole(void)
{
    CHECK(draw_scene() == 0, "frame drawn");
    dk_err err = kiosk_render_screenshot(ren, out_png);
    CHECK(err == DK_OK, "%s", dk_error_detail());
    SDL_Surface *s = IMG_Load(out_png);
    CHECK(s && s->w == W && s->h == H, "reads back at %dx%d", W, H);
    SDL_FreeSurface(s);
    err = kiosk_render_screenshot(ren, "/nonexistent-dir/shot.png");
    CHECK(err == DK_ERR_IO, "an unwritable path fails: %d", err);
}

/* ---- caches ---- */

static void images_failures_are_remembered_not_retried(void)
{
    CHECK(kiosk_images_state(images, broken) == KIOSK_IMAGE_FAILED, "broken remembered");
    CHECK(kiosk_images_state(images, missing) == KIOSK_IMAGE_FAILED, "missing remembered");
    CHECK(kiosk_images_get(images, broken, 100, 100) == NULL, "still no texture");
    CHECK(kiosk_images_pending(images) == 0, "not queued again");
    CHECK(kiosk_images_get(images, "../../etc/passwd", 100, 100) == NULL, "bad name refused");
    CHECK(kiosk_images_pending(images) == 0, "bad name not queued");
    kiosk_images_stats st;
    kiosk_images_get_stats(images, &st);
    CHECK(st.failed == 2 && st.count == 3, "failed %zu, cached %zu", st.failed, st.count);
}

static void images_clear_drops_everything(void)
{
    kiosk_images_clear(images);
    kiosk_images_stats st;
    kiosk_images_get_stats(images, &st);
    CHECK(st.count == 0 && st.bytes == 0 && st.failed == 0, "%zu %zu %zu", st.count, st.bytes,
          st.failed);
    CHECK(kiosk_images_state(images, hero) == KIOSK_IMAGE_ABSENT, "hero forgotten");
}

static void images_lru_stays_within_budget(void)
{
    kiosk_images *img = NULL;
    size_t budget = 3u << 19; /* 1.5 MiB; each image covering 640x360 is 0.9-1 MiB: one fits */
    CHECK(kiosk_images_new(ren, objects, budget, W, H, &img) == DK_OK, "%s", dk_error_detail());
    if (!img)
        return;
    const char *all[3] = {hero, webp, png};
    for (int i = 0; i < 3; i++) {
        CHECK(kiosk_images_get(img, all[i], 640, 360) == NULL, "first get misses");
        pump(img);
        CHECK(kiosk_images_state(img, all[i]) == KIOSK_IMAGE_READY, "image %d ready", i);
    }
    kiosk_images_stats st;
    kiosk_images_get_stats(img, &st);
    CHECK(st.count == 1 && st.evictions == 2 && st.bytes <= budget, "%zu, %llu, %zu bytes",
          st.count, st.evictions, st.bytes);
    CHECK(kiosk_images_state(img, hero) == KIOSK_IMAGE_ABSENT, "the oldest went first");
    kiosk_images_free(img);
}

static void images_decode_at_the_size_drawn_and_upgrade(void)
{
    kiosk_images *img = NULL;
    CHECK(kiosk_images_new(ren, objects, 64u << 20, W, H, &img) == DK_OK, "%s",
          dk_error_detail());
    if (!img)
        return;
    kiosk_images_get(img, hero, 192, 108);
    pump(img);
    int w = 0, h = 0;
    SDL_Texture *t = kiosk_images_get(img, hero, 192, 108);
    if (t)
        SDL_QueryTexture(t, NULL, NULL, &w, &h);
    CHECK(w == 192 && h == 108, "small tile: %dx%d", w, h);
    t = kiosk_images_get(img, hero, 640, 360);
    CHECK(t != NULL && kiosk_images_pending(img) == 1, "small one shown, larger one queued");
    pump(img);
    t = kiosk_images_get(img, hero, 640, 360);
    if (t)
        SDL_QueryTexture(t, NULL, NULL, &w, &h);
    CHECK(w == 640 && h == 360, "upgraded: %dx%d", w, h);
    t = kiosk_images_get(img, hero, 4000, 4000);
    if (t)
        SDL_QueryTexture(t, NULL, NULL, &w, &h);
    CHECK(kiosk_images_pending(img) == 1, "asked larger than the screen: screen size queued");
    pump(img);
    t = kiosk_images_get(img, hero, 4000, 4000);
    if (t)
        SDL_QueryTexture(t, NULL, NULL, &w, &h);
    /* Clamped to the screen, 800x600: 1920x1080 scaled to cover it is 1067x600. */
    CHECK(w == 1067 && h == 600, "never more than covering the screen: %dx%d", w, h);
    /* Requests still queued and results still in SDL's queue are freed at shutdown (a
     * sanitizer build fails here on a leak). */
    kiosk_images_clear(img);
    kiosk_images_get(img, webp, 0, 0);
    kiosk_images_get(img, png, 0, 0);
    SDL_Delay(300);
    kiosk_images_free(img);
}

/* Issue 3 (peak memory): a decode holds the whole picture while it scales it down, so the cache
 * makes room for that when it is asked for, not only for the small texture it will keep: a
 * screenful while the picture's size is unknown, the picture once an earlier decode told it. */
static void images_decodes_in_flight_take_room_for_their_picture(void)
{
    kiosk_images *img = NULL;
    size_t budget = 2200000; /* two 300x169 tiles (0.2 MB each) and a screenful (1.92 MB) don't */
    CHECK(kiosk_images_new(ren, objects, budget, W, H, &img) == DK_OK, "%s", dk_error_detail());
    if (!img)
        return;
    kiosk_image_view v;
    kiosk_images_frame(img);
    kiosk_images_draw(img, webp, 300, 169, KIOSK_IMAGE_COVER, &v);
    kiosk_images_draw(img, png, 300, 169, KIOSK_IMAGE_COVER, &v);
    pump(img);
    kiosk_images_stats st;
    kiosk_images_get_stats(img, &st);
    CHECK(st.count == 2 && st.evictions == 0, "tiles cached: %zu, evictions %llu", st.count,
          st.evictions);
    kiosk_images_frame(img); /* two frames without them: no longer on screen */
    kiosk_images_frame(img);
    kiosk_images_frame(img);
    kiosk_images_draw(img, hero, 100, 56, KIOSK_IMAGE_COVER, &v); /* 22 kB, size unknown */
    kiosk_images_get_stats(img, &st);
    CHECK(st.count == 1 && st.evictions == 1, "room for a screenful: %zu cached, %llu evicted",
          st.count, st.evictions);
    pump(img);
    CHECK(kiosk_images_state(img, hero) == KIOSK_IMAGE_READY, "hero decoded");
    kiosk_images_frame(img);
    kiosk_images_frame(img);
    kiosk_images_frame(img);
    /* Another size of the hero: 90 kB to keep, from its 1920x1080 picture (8.3 MB). */
    CHECK(kiosk_images_draw(img, hero, 200, 112, KIOSK_IMAGE_COVER, &v) == 1 && !v.exact,
          "the hero at its old size meanwhile");
    kiosk_images_get_stats(img, &st);
    CHECK(st.count == 1 && st.evictions == 2, "all but the hero on screen: %zu, %llu", st.count,
          st.evictions);
    CHECK(kiosk_images_state(img, hero) == KIOSK_IMAGE_READY, "the hero is on screen: kept");
    pump(img);
    CHECK(kiosk_images_draw(img, hero, 200, 112, KIOSK_IMAGE_COVER, &v) == 1 && v.exact,
          "then the exact one");
    kiosk_images_free(img);
}

/* Issue 3: SDL makes a texture whole before the decoded picture is copied in, so for a moment
 * both are there: the cache makes room for both. */
static void images_a_texture_and_its_picture_fit_the_budget_together(void)
{
    kiosk_images *img = NULL;
    size_t budget = 2u << 20; /* 640x360 is 0.92 MB: two fit, three don't */
    CHECK(kiosk_images_new(ren, objects, budget, W, H, &img) == DK_OK, "%s", dk_error_detail());
    if (!img)
        return;
    kiosk_images_get(img, hero, 640, 360);
    pump(img);
    kiosk_images_get(img, webp, 640, 360);
    pump(img);
    kiosk_images_stats st;
    kiosk_images_get_stats(img, &st);
    CHECK(kiosk_images_state(img, webp) == KIOSK_IMAGE_READY, "the new one is cached");
    CHECK(st.count == 1 && st.evictions == 1 && st.bytes <= budget, "%zu cached, %llu evicted",
          st.count, st.evictions);
    kiosk_images_free(img);
}

static void images_full_queue_drops_the_oldest_requests(void)
{
    kiosk_images *img = NULL;
    CHECK(kiosk_images_new(ren, objects, 8u << 20, W, H, &img) == DK_OK, "%s",
          dk_error_detail());
    if (!img)
        return;
    /* Without events handled the worker stops after a few results, so 100 requests overflow
     * the queue of 64. */
    char names[100][65];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "%064x", i + 1);
        kiosk_images_get(img, names[i], 100, 100);
    }
    kiosk_images_stats st;
    kiosk_images_get_stats(img, &st);
    CHECK(st.dropped >= 100 - KIOSK_IMAGES_QUEUE_MAX - KIOSK_IMAGES_UNDELIVERED_MAX - 1,
          "dropped %llu", st.dropped);
    CHECK(kiosk_images_state(img, names[0]) == KIOSK_IMAGE_ABSENT, "the oldest was dropped");
    CHECK(kiosk_images_state(img, names[99]) == KIOSK_IMAGE_LOADING, "the newest waits");
    pump(img);
    kiosk_images_get_stats(img, &st);
    CHECK(kiosk_images_pending(img) == 0, "every request still queued came back");
    CHECK(st.failed == 100 - st.dropped, "failed %zu, dropped %llu", st.failed, st.dropped);
    CHECK(kiosk_images_state(img, names[99]) == KIOSK_IMAGE_FAILED, "missing object failed");
    kiosk_images_free(img);
}

static void text_cache_stays_within_budget_and_keys_on_colour(void)
{
    kiosk_render *kr = NULL;
    size_t budget = 256u << 10;
    CHECK(kiosk_render_new(ren, fonts, NULL, budget, &kr) == DK_OK, "%s", dk_error_detail());
    if (!kr)
        return;
    char line[64];
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof line, "Zeile %d: Hörde", i);
        dk_cmd c = text(10, 10, DK_UI_FONT(DK_FONT_BODY, 0), line);
        CHECK(kiosk_render_commands(kr, &c, 1) == 0, "line %d", i);
    }
    kiosk_render_stats st;
    kiosk_render_get_stats(kr, &st);
    CHECK(st.text_bytes <= budget && st.text_evictions > 0, "%zu bytes, %llu evictions",
          st.text_bytes, st.text_evictions);
    CHECK(st.text_misses == 100, "each line rendered once: %llu", st.text_misses);
    dk_cmd c = text(10, 10, DK_UI_FONT(DK_FONT_BODY, 0), "Zeile 99: Hörde");
    kiosk_render_commands(kr, &c, 1); /* the same line again: a hit */
    c.color = (dk_color){200, 0, 0, 255};
    kiosk_render_commands(kr, &c, 1); /* in another colour: rendered in that colour, a miss */
    c.rect.y = 400; /* scrolled out of its clip: costs nothing */
    c.text = "unsichtbar";
    c.len = strlen(c.text);
    c.clip = (dk_rect){0, 0, 100, 100};
    kiosk_render_commands(kr, &c, 1);
    kiosk_render_get_stats(kr, &st);
    CHECK(st.text_hits == 1 && st.text_misses == 101, "hits %llu, misses %llu", st.text_hits,
          st.text_misses);
    kiosk_render_free(kr);
}

/* Issue 3: with fewer bytes than the screen's lines, a new line must not push out lines the
 * same frame draws after it (they would be rendered again every frame), and lines that left
 * the screen go at the end of the frame. */
static void text_cache_smaller_than_a_screen_renders_each_line_once(void)
{
    kiosk_render *kr = NULL;
    size_t budget = 16u << 10; /* less than two lines */
    CHECK(kiosk_render_new(ren, fonts, NULL, budget, &kr) == DK_OK, "%s", dk_error_detail());
    if (!kr)
        return;
    static char lines[21][64];
    dk_cmd c[21];
    snprintf(lines[0], sizeof lines[0], "Eine neue Zeile oben");
    for (int i = 1; i < 21; i++)
        snprintf(lines[i], sizeof lines[i], "Zeile %d: Hörde, Straße", i);
    for (int i = 0; i < 21; i++)
        c[i] = text(10, 5 + 28 * i, DK_UI_FONT(DK_FONT_BODY, 0), lines[i]);
    kiosk_render_commands(kr, c + 1, 20); /* a screen of 20 lines */
    kiosk_render_commands(kr, c, 21);     /* scrolled: a new line first, the 20 after it */
    kiosk_render_stats st;
    kiosk_render_get_stats(kr, &st);
    CHECK(st.text_misses == 21 && st.text_hits == 20, "misses %llu, hits %llu", st.text_misses,
          st.text_hits);
    CHECK(st.text_count == 21 && st.text_bytes > budget, "the screen's lines stay: %zu, %zu",
          st.text_count, st.text_bytes);
    kiosk_render_commands(kr, c, 1); /* only the new line is left on screen */
    kiosk_render_get_stats(kr, &st);
    CHECK(st.text_count == 1, "lines off screen evicted after the frame: %zu left", st.text_count);
    kiosk_render_free(kr);
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: smoke OUT.png TMP OBJECTS HERO WEBP PNG BROKEN MISSING\n");
        return 2;
    }
    out_png = argv[1], tmp_dir = argv[2], objects = argv[3], hero = argv[4], webp = argv[5];
    png = argv[6], broken = argv[7], missing = argv[8];
    dk_log_setup("kiosk_render_smoke", DK_LOG_ERROR, 1, 0);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0 || TTF_Init() != 0) {
        fprintf(stderr, "SDL: %s\n", SDL_GetError());
        return 1;
    }
    SDL_Window *win = SDL_CreateWindow("smoke", 0, 0, W, H, SDL_WINDOW_HIDDEN);
    ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!ren) {
        fprintf(stderr, "renderer: %s\n", SDL_GetError());
        return 1;
    }
    (void)dk_metrics_init(&metrics, W, H, 240, 180, 0);
    if (kiosk_fonts_new(NULL, &metrics, &fonts) ||
        kiosk_images_new(ren, objects, 96u << 20, W, H, &images) ||
        kiosk_render_new(ren, fonts, images, 0, &render)) {
        fprintf(stderr, "setup: %s\n", dk_error_detail());
        return 1;
    }
    kiosk_render_set_placeholder(render, PLACEHOLDER);

    RUN(fonts_measure_honours_length_and_emphasis);
    RUN(fonts_line_height_from_theme_glyphs_centred);
    RUN(fonts_broken_file_is_refused_by_name);
    RUN(fonts_larger_text_changes_sizes);
    RUN(render_placeholder_until_decoded_then_image);
    RUN(render_contain_letterboxes_cover_fills);
    RUN(render_round_corners_and_crisp_edges);
    RUN(render_frame_is_a_band_of_its_thickness);
    RUN(render_translucent_fill_blends);
    RUN(render_text_has_ink_and_stays_in_its_clip);
    RUN(render_screenshot_is_a_png_written_whole);
    RUN(images_failures_are_remembered_not_retried);
    RUN(images_clear_drops_everything);
    RUN(images_lru_stays_within_budget);
    RUN(images_decode_at_the_size_drawn_and_upgrade);
    RUN(images_decodes_in_flight_take_room_for_their_picture);
    RUN(images_a_texture_and_its_picture_fit_the_budget_together);
    RUN(images_full_queue_drops_the_oldest_requests);
    RUN(text_cache_stays_within_budget_and_keys_on_colour);
    RUN(text_cache_smaller_than_a_screen_renders_each_line_once);

    kiosk_render_free(render);
    kiosk_images_free(images);
    kiosk_fonts_free(fonts);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    IMG_Quit();
    TTF_Quit();
    SDL_Quit();
    printf("kiosk_render_smoke: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
EOF

# Build it against this tree's headers and the libraries of this build.
flags=()
if grep -q '^DK_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt" 2>/dev/null; then
  flags=("-fsanitize=address,undefined" -fno-omit-frame-pointer)
fi
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror \
  -Wno-unused-parameter "${flags[@]}" \
  -I"$src/src/core" -I"$src/src/ui" -I"$src/src/kiosk" \
  $(pkg-config --cflags sdl2 SDL2_ttf SDL2_image) \
  "$tmp/smoke.c" "$src/src/kiosk/kiosk_fonts.c" "$src/src/kiosk/kiosk_images.c" \
  "$src/src/kiosk/kiosk_render.c" "$bin/libdkui.a" "$bin/libdkcore.a" \
  $(pkg-config --libs sdl2 SDL2_ttf SDL2_image sqlite3 libsodium jansson md4c) -lm -lpthread \
  -o "$tmp/smoke"

# DK_TEST_WRAPPER runs it under a tool, e.g. "valgrind --leak-check=full --error-exitcode=9".
# shellcheck disable=SC2086
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy ${DK_TEST_WRAPPER:-} "$tmp/smoke" \
  "$bin/kiosk_render_smoke.png" "$tmp" \
  "$tmp/objects" "$hero" "$webp" "$png" "$broken" "$missing"
echo "frame for a person to look at: $bin/kiosk_render_smoke.png"
