/* imagegen.c: dk-imagegen renders calm abstract pictures for the bundled example content,
 * deterministically from an accent colour and a seed string (no photos, no text). */
#define SDL_MAIN_HANDLED
#include <SDL.h>
#include <SDL_image.h>
#include <webp/encode.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Tunables. */
enum {
    SIDE_MIN = 16,     /* [px] smallest width or height accepted */
    SIDE_MAX = 4096,   /* [px] largest; the content model's limit per side */
    JPEG_QUALITY = 85, /* [0..100] IMG_SaveJPG quality */
    SEED_MAX = 256,    /* [bytes] longest seed string accepted */
};
#define WEBP_QUALITY 80.0f /* [0..100] WebPEncodeRGB quality */
#define PI_F 3.14159265f

static const char usage_text[] =
    "usage: dk-imagegen OUT.(jpg|png|webp) WIDTH HEIGHT COLOR SEED [STYLE]\n"
    "  WIDTH, HEIGHT  %d..%d pixels\n"
    "  COLOR          accent colour as #rrggbb\n"
    "  SEED           any string; the same arguments always give the same file\n"
    "  STYLE          hero (landscape, default), gallery (geometric) or card (bands, circle)\n";

/* ---- deterministic randomness: splitmix64 seeded from an FNV-1a hash ---- */

typedef struct rng {
    uint64_t state;
} rng;

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t hash_string(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A float in [0, 1). */
static float rng_unit(rng *r)
{
    return (float)(splitmix64(&r->state) >> 40) * (1.0f / 16777216.0f);
}

static float rng_range(rng *r, float lo, float hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* ---- colours: floats in 0..1 ---- */

typedef struct color {
    float r, g, b;
} color;

static const color WHITE = {1, 1, 1};
static const color BLACK = {0, 0, 0};

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static color mix(color a, color b, float t)
{
    return (color){a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

static color lighter(color c, float t)
{
    return mix(c, WHITE, t);
}

static color darker(color c, float t)
{
    return mix(c, BLACK, t);
}

/* Turns the hue by rotating the colour around the grey axis (keeps lightness roughly). */
static color rotate_hue(color c, float degrees)
{
    float a = degrees * PI_F / 180.0f, cs = cosf(a), sn = sinf(a);
    float k = (1.0f - cs) / 3.0f, s = sqrtf(1.0f / 3.0f) * sn;
    color o = {c.r * (cs + k) + c.g * (k - s) + c.b * (k + s),
               c.r * (k + s) + c.g * (cs + k) + c.b * (k - s),
               c.r * (k - s) + c.g * (k + s) + c.b * (cs + k)};
    return (color){clampf(o.r, 0, 1), clampf(o.g, 0, 1), clampf(o.b, 0, 1)};
}

/* ---- canvas: a plain RGB24 buffer, shapes anti-aliased by their pixel coverage ---- */

typedef struct canvas {
    int w, h;
    uint8_t *rgb; /* w * h * 3 bytes, rows top to bottom; owned */
} canvas;

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Paints colour c over pixel (x, y) with opacity a (0..1). */
static void blend(canvas *cv, int x, int y, color c, float a)
{
    if (a <= 0.0f)
        return;
    if (a > 1.0f)
        a = 1.0f;
    uint8_t *p = cv->rgb + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
    p[0] = (uint8_t)(p[0] + (c.r * 255.0f - p[0]) * a + 0.5f);
    p[1] = (uint8_t)(p[1] + (c.g * 255.0f - p[1]) * a + 0.5f);
    p[2] = (uint8_t)(p[2] + (c.b * 255.0f - p[2]) * a + 0.5f);
}

/* The pixels [*from, *to) that the span lo..hi touches, clipped to 0..limit. */
static void pixel_span(float lo, float hi, int limit, int *from, int *to)
{
    *from = clampi((int)floorf(lo), 0, limit);
    *to = clampi((int)ceilf(hi), 0, limit);
}

static float smoothstep(float e0, float e1, float x)
{
    float t = clampf((x - e0) / (e1 - e0), 0, 1);
    return t * t * (3.0f - 2.0f * t);
}

/* Fills every row with a vertical gradient: top colour above y0, bottom colour below y1. */
static void fill_gradient(canvas *cv, float y0, float y1, color top, color bottom)
{
    for (int y = 0; y < cv->h; y++) {
        color c = mix(top, bottom, smoothstep(y0, y1, (float)y + 0.5f));
        for (int x = 0; x < cv->w; x++)
            blend(cv, x, y, c, 1.0f);
    }
}

/* A disc; the edge pixel's coverage is its distance to the rim, which is a good anti-alias. */
static void fill_circle(canvas *cv, float cx, float cy, float r, color c, float alpha)
{
    int x0, x1, y0, y1;
    pixel_span(cx - r - 1, cx + r + 1, cv->w, &x0, &x1);
    pixel_span(cy - r - 1, cy + r + 1, cv->h, &y0, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            float dx = (float)x + 0.5f - cx, dy = (float)y + 0.5f - cy;
            blend(cv, x, y, c, alpha * clampf(r - sqrtf(dx * dx + dy * dy) + 0.5f, 0, 1));
        }
}

/* A soft glow: full alpha inside r_inner, fading out smoothly to nothing at r_outer. */
static void fill_glow(canvas *cv, float cx, float cy, float r_inner, float r_outer, color c,
                      float alpha)
{
    int x0, x1, y0, y1;
    pixel_span(cx - r_outer, cx + r_outer, cv->w, &x0, &x1);
    pixel_span(cy - r_outer, cy + r_outer, cv->h, &y0, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            float dx = (float)x + 0.5f - cx, dy = (float)y + 0.5f - cy;
            float d = sqrtf(dx * dx + dy * dy);
            blend(cv, x, y, c, alpha * (1.0f - smoothstep(r_inner, r_outer, d)));
        }
}

/* An axis-aligned rectangle with fractional edges; coverage is the pixel's overlap. */
static void fill_rect(canvas *cv, float rx0, float ry0, float rx1, float ry1, color c, float alpha)
{
    int x0, x1, y0, y1;
    pixel_span(rx0, rx1, cv->w, &x0, &x1);
    pixel_span(ry0, ry1, cv->h, &y0, &y1);
    for (int y = y0; y < y1; y++) {
        float cover_y = clampf(fminf((float)y + 1, ry1) - fmaxf((float)y, ry0), 0, 1);
        for (int x = x0; x < x1; x++) {
            float cover_x = clampf(fminf((float)x + 1, rx1) - fmaxf((float)x, rx0), 0, 1);
            blend(cv, x, y, c, alpha * cover_x * cover_y);
        }
    }
}

/* An endless straight band: the points whose distance along the unit direction at `degrees`
 * (0 = rightwards, 90 = downwards) lies between d0 and d1. */
static void fill_band(canvas *cv, float degrees, float d0, float d1, color c, float alpha)
{
    float nx = cosf(degrees * PI_F / 180.0f), ny = sinf(degrees * PI_F / 180.0f);
    for (int y = 0; y < cv->h; y++)
        for (int x = 0; x < cv->w; x++) {
            float s = ((float)x + 0.5f) * nx + ((float)y + 0.5f) * ny;
            blend(cv, x, y, c, alpha * clampf(fminf(s - d0, d1 - s) + 0.5f, 0, 1));
        }
}

/* Fills everything below the curve top[x] (one value per column, at the column's centre).
 * The vertical distance is scaled by the slope so that hillsides stay smooth, too. */
static void fill_below(canvas *cv, const float *top, color c, float alpha)
{
    for (int x = 0; x < cv->w; x++) {
        float slope = (top[x < cv->w - 1 ? x + 1 : x] - top[x > 0 ? x - 1 : x]) * 0.5f;
        float scale = 1.0f / sqrtf(1.0f + slope * slope);
        for (int y = clampi((int)floorf(top[x]) - 2, 0, cv->h); y < cv->h; y++)
            blend(cv, x, y, c, alpha * clampf(((float)y + 0.5f - top[x]) * scale + 0.5f, 0, 1));
    }
}

/* Fine, even grain (a triangular distribution of +-amount levels) that hides gradient banding
 * and gives JPEG files a photo-like size. Deterministic: derived from the seed and the pixel. */
static void add_grain(canvas *cv, uint64_t seed, float amount)
{
    for (int y = 0; y < cv->h; y++)
        for (int x = 0; x < cv->w; x++) {
            uint64_t state = seed ^ ((uint64_t)y << 32 | (uint64_t)x);
            uint64_t bits = splitmix64(&state);
            float n = ((float)(bits & 0xffff) + (float)((bits >> 16) & 0xffff)) / 65535.0f - 1.0f;
            uint8_t *p = cv->rgb + ((size_t)y * (size_t)cv->w + (size_t)x) * 3;
            for (int i = 0; i < 3; i++)
                p[i] = (uint8_t)clampf((float)p[i] + n * amount + 0.5f, 0, 255);
        }
}

/* ---- compositions ---- */

/* Rolling hills: three sines of rising frequency and falling amplitude around `base`. */
static void hill_profile(rng *r, float *top, int w, float base, float amplitude)
{
    float f1 = rng_range(r, 0.5f, 1.2f), p1 = rng_range(r, 0, 2 * PI_F);
    float f2 = rng_range(r, 1.6f, 2.8f), p2 = rng_range(r, 0, 2 * PI_F);
    float f3 = rng_range(r, 4.0f, 6.5f), p3 = rng_range(r, 0, 2 * PI_F);
    for (int x = 0; x < w; x++) {
        float u = 2 * PI_F * ((float)x + 0.5f) / (float)w;
        float wave = sinf(f1 * u + p1) + 0.45f * sinf(f2 * u + p2) + 0.12f * sinf(f3 * u + p3);
        top[x] = base - amplitude * wave / 1.57f;
    }
}

/* A stylised town: a cluster of blocks, tallest in the middle, mostly with one slim tower with a
 * pod near its top. They reach down to the bottom edge, to be hidden by the hills in front. */
static void draw_skyline(canvas *cv, rng *r, float ground, color c)
{
    float w = (float)cv->w, h = (float)cv->h;
    float left = rng_range(r, 0.05f, 0.35f) * w, right = left + rng_range(r, 0.4f, 0.58f) * w;
    for (float x = left; x < right;) {
        float width = rng_range(r, 0.02f, 0.055f) * w;
        float envelope = sinf(PI_F * clampf((x + width / 2 - left) / (right - left), 0, 1));
        float height = h * (0.05f + 0.17f * envelope * rng_range(r, 0.45f, 1.0f));
        color shade = mix(c, WHITE, rng_range(r, 0.0f, 0.06f));
        fill_rect(cv, x, ground - height, x + width, h, shade, 1.0f);
        x += width + (rng_unit(r) < 0.3f ? rng_range(r, 0.004f, 0.015f) * w : 0.0f);
    }
    if (rng_unit(r) < 0.3f)
        return;
    float tx = rng_range(r, left + 0.15f * (right - left), right - 0.15f * (right - left));
    float tw = 0.006f * w, tower_top = ground - rng_range(r, 0.3f, 0.36f) * h;
    fill_rect(cv, tx - tw / 2, tower_top, tx + tw / 2, h, c, 1.0f);
    fill_rect(cv, tx - tw / 6, tower_top - 0.05f * h, tx + tw / 6, tower_top, c, 1.0f);
    fill_circle(cv, tx, tower_top + 0.03f * h, 0.014f * w, c, 1.0f);
}

/* hero: a gradient sky with a pale sun and a few soft circles, layered hills in tints and
 * shades of the accent colour (far ones fade into the haze), sometimes with a skyline. */
static void render_hero(canvas *cv, color accent, rng *r)
{
    float w = (float)cv->w, h = (float)cv->h;
    color sky_top = lighter(rotate_hue(accent, rng_range(r, -18, 18)), 0.5f);
    color haze = lighter(accent, 0.9f);
    fill_gradient(cv, 0, h * 0.7f, sky_top, haze);

    float sun_x = rng_range(r, 0.15f, 0.85f) * w, sun_y = rng_range(r, 0.2f, 0.36f) * h;
    float sun_r = rng_range(r, 0.06f, 0.09f) * h;
    fill_glow(cv, sun_x, sun_y, sun_r, sun_r * 4.0f, lighter(accent, 0.97f), 0.35f);
    fill_circle(cv, sun_x, sun_y, sun_r, lighter(accent, 0.97f), 1.0f);
    for (int i = 0; i < 3; i++)
        fill_circle(cv, rng_range(r, 0.05f, 0.95f) * w, rng_range(r, 0.08f, 0.45f) * h,
                    rng_range(r, 0.025f, 0.1f) * h, WHITE, rng_range(r, 0.1f, 0.2f));

    /* Far to near: how far toward the accent colour, how much darker, where, how high. */
    static const struct {
        float toward_accent, darken, base, amplitude;
    } layers[] = {
        {0.30f, 0.00f, 0.56f, 0.07f},
        {0.55f, 0.00f, 0.65f, 0.07f},
        {0.85f, 0.08f, 0.76f, 0.06f},
        {1.00f, 0.35f, 0.88f, 0.05f},
    };
    int with_skyline = rng_unit(r) < 0.5f;
    float *top = malloc((size_t)cv->w * sizeof *top);
    if (!top) { /* only a few KB; without it the sky alone is still a picture */
        fprintf(stderr, "dk-imagegen: out of memory, drawing the sky only\n");
        return;
    }
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        color hue = rotate_hue(accent, rng_range(r, -8, 8));
        color c = darker(mix(haze, hue, layers[i].toward_accent), layers[i].darken);
        if (with_skyline && i == 2)
            draw_skyline(cv, r, h * 0.8f, mix(haze, darker(accent, 0.05f), 0.72f));
        hill_profile(r, top, cv->w, h * layers[i].base, h * layers[i].amplitude);
        fill_below(cv, top, c, 1.0f);
    }
    free(top);
    add_grain(cv, r->state, 6.0f);
}

/* gallery: a light ground with a few faint stripes, then translucent rectangles and circles
 * in a small palette around the accent colour, overlapping like coloured glass. Each shape gets
 * its own cell of a 4x2 grid (in shuffled order), so that they spread out instead of clumping. */
static void render_gallery(canvas *cv, color accent, rng *r)
{
    float w = (float)cv->w, h = (float)cv->h;
    const color palette[] = {
        accent,
        darker(accent, 0.3f),
        lighter(accent, 0.45f),
        lighter(rotate_hue(accent, 35), 0.25f),
        lighter(rotate_hue(accent, -30), 0.1f),
    };
    const int colors = (int)(sizeof palette / sizeof palette[0]);
    fill_rect(cv, 0, 0, w, h, lighter(accent, 0.88f), 1.0f);

    float angle = rng_unit(r) < 0.5f ? rng_range(r, 20, 40) : rng_range(r, 140, 160);
    float reach = w + h; /* distance along any direction across the picture, with margin */
    for (int i = 0; i < 3; i++) {
        float d = rng_range(r, -0.2f, 0.9f) * reach, width = rng_range(r, 0.03f, 0.08f) * reach;
        fill_band(cv, angle, d, d + width, palette[i % colors], 0.14f);
    }

    enum { COLUMNS = 4, ROWS = 2, CELLS = COLUMNS * ROWS, RECTS = 3 };
    int order[CELLS];
    for (int i = 0; i < CELLS; i++)
        order[i] = i;
    for (int i = CELLS - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)(rng_unit(r) * (float)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < CELLS; i++) {
        float cx = ((float)(order[i] % COLUMNS) + rng_range(r, 0.2f, 0.8f)) * w / COLUMNS;
        float cy = ((float)(order[i] / COLUMNS) + rng_range(r, 0.2f, 0.8f)) * h / ROWS;
        color c = palette[(int)(rng_unit(r) * (float)colors)];
        float alpha = rng_range(r, 0.45f, 0.65f);
        if (i < RECTS) {
            float half_w = rng_range(r, 0.09f, 0.18f) * w, half_h = rng_range(r, 0.12f, 0.24f) * h;
            fill_rect(cv, cx - half_w, cy - half_h, cx + half_w, cy + half_h, c, alpha);
        } else {
            fill_circle(cv, cx, cy, rng_range(r, 0.08f, 0.24f) * h, c, alpha);
        }
    }
}

/* card: the accent colour crossed by three bold diagonal bands, and one large pale circle. */
static void render_card(canvas *cv, color accent, rng *r)
{
    float w = (float)cv->w, h = (float)cv->h;
    fill_rect(cv, 0, 0, w, h, accent, 1.0f);

    float angle = rng_unit(r) < 0.5f ? rng_range(r, 25, 40) : rng_range(r, 140, 155);
    float nx = cosf(angle * PI_F / 180.0f), ny = sinf(angle * PI_F / 180.0f);
    /* The band direction's extent over the four corners. */
    float lo = fminf(0, w * nx) + fminf(0, h * ny), hi = fmaxf(0, w * nx) + fmaxf(0, h * ny);
    const color bands[] = {lighter(accent, 0.16f), darker(accent, 0.18f), lighter(accent, 0.32f)};
    float d = lo + rng_range(r, 0.12f, 0.22f) * (hi - lo);
    for (int i = 0; i < 3; i++) {
        float width = rng_range(r, 0.08f, 0.16f) * (hi - lo);
        fill_band(cv, angle, d, d + width, bands[i], 1.0f);
        d += width + rng_range(r, 0.04f, 0.14f) * (hi - lo);
    }

    int right = rng_unit(r) < 0.5f;
    float cx = (right ? rng_range(r, 0.64f, 0.76f) : rng_range(r, 0.24f, 0.36f)) * w;
    float cy = rng_range(r, 0.4f, 0.6f) * h, radius = rng_range(r, 0.3f, 0.38f) * h;
    fill_circle(cv, cx, cy, radius, lighter(accent, 0.86f), 0.94f);
    fill_circle(cv, cx + (right ? -1.0f : 1.0f) * radius * 1.4f, cy + radius * 0.55f,
                radius * 0.2f, darker(accent, 0.3f), 1.0f);
}

/* ---- saving: to a temporary file beside the target, then renamed over it ---- */

typedef enum image_format { FORMAT_JPEG, FORMAT_PNG, FORMAT_WEBP } image_format;

/* Finds the format from the file name's extension; returns 0, or -1 for an unknown one. */
static int format_from_path(const char *path, image_format *out)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return -1;
    if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
        *out = FORMAT_JPEG;
    else if (strcasecmp(dot, ".png") == 0)
        *out = FORMAT_PNG;
    else if (strcasecmp(dot, ".webp") == 0)
        *out = FORMAT_WEBP;
    else
        return -1;
    return 0;
}

/* The encoders write into a FILE we own and check afterwards: SDL_image ignores failed
 * writes (a full disk gives a truncated PNG and "success"), but the FILE remembers them. */
static int encode_with_sdl_image(const canvas *cv, FILE *f, image_format format, const char *path)
{
    SDL_Surface *surface = SDL_CreateRGBSurfaceWithFormatFrom(cv->rgb, cv->w, cv->h, 24, cv->w * 3,
                                                              SDL_PIXELFORMAT_RGB24);
    if (!surface) {
        fprintf(stderr, "dk-imagegen: cannot wrap the pixels in an SDL surface: %s\n",
                SDL_GetError());
        return -1;
    }
    SDL_RWops *out = SDL_RWFromFP(f, SDL_FALSE);
    if (!out) {
        fprintf(stderr, "dk-imagegen: cannot write %s: %s\n", path, SDL_GetError());
        SDL_FreeSurface(surface);
        return -1;
    }
    /* freedst = 1 frees the SDL_RWops; the FILE stays open for the caller's checks. */
    int rc = format == FORMAT_PNG ? IMG_SavePNG_RW(surface, out, 1)
                                  : IMG_SaveJPG_RW(surface, out, 1, JPEG_QUALITY);
    if (rc != 0)
        fprintf(stderr, "dk-imagegen: cannot encode %s: %s\n", path, IMG_GetError());
    SDL_FreeSurface(surface);
    return rc == 0 ? 0 : -1;
}

static int encode_webp(const canvas *cv, FILE *f, const char *path)
{
    uint8_t *data = NULL;
    size_t size = WebPEncodeRGB(cv->rgb, cv->w, cv->h, cv->w * 3, WEBP_QUALITY, &data);
    if (size == 0) {
        fprintf(stderr, "dk-imagegen: cannot encode %s: the WebP encoder failed for %dx%d pixels\n",
                path, cv->w, cv->h);
        WebPFree(data);
        return -1;
    }
    fwrite(data, 1, size, f); /* a short write sets the FILE's error flag, checked by the caller */
    WebPFree(data);
    return 0;
}

/* Writes the picture to path in the given format, through a temporary file beside it that is
 * flushed to disk and then renamed over path. Returns 0, or -1 after printing why; on failure
 * path is untouched and no temporary file is left behind. */
static int save_image(const canvas *cv, const char *path, image_format format)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "dk-imagegen: output path is too long: %s\n", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "dk-imagegen: cannot create %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int rc = format == FORMAT_WEBP ? encode_webp(cv, f, path)
                                   : encode_with_sdl_image(cv, f, format, path);
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "dk-imagegen: cannot write %s: a write failed (is the disk full?)\n", tmp);
        rc = -1;
    }
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        fprintf(stderr, "dk-imagegen: cannot write %s: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "dk-imagegen: cannot write %s: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "dk-imagegen: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        remove(tmp);
    return rc;
}

/* ---- arguments ---- */

/* Parses a side length; returns 0, or -1 after printing why. */
static int parse_side(const char *text, const char *name, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < SIDE_MIN || v > SIDE_MAX) {
        fprintf(stderr, "dk-imagegen: %s must be a whole number of pixels from %d to %d, "
                        "not '%s'\n", name, SIDE_MIN, SIDE_MAX, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int hex_digit(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Parses "#rrggbb"; returns 0, or -1 after printing why. */
static int parse_color(const char *text, color *out)
{
    int valid = strlen(text) == 7 && text[0] == '#';
    for (int i = 1; valid && i < 7; i++)
        valid = isxdigit((unsigned char)text[i]) != 0;
    if (!valid) {
        fprintf(stderr, "dk-imagegen: COLOR must look like #1a7f5a (# and six hex digits), "
                        "not '%s'\n", text);
        return -1;
    }
    out->r = (float)(hex_digit(text[1]) * 16 + hex_digit(text[2])) / 255.0f;
    out->g = (float)(hex_digit(text[3]) * 16 + hex_digit(text[4])) / 255.0f;
    out->b = (float)(hex_digit(text[5]) * 16 + hex_digit(text[6])) / 255.0f;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf(usage_text, SIDE_MIN, SIDE_MAX);
        return 0;
    }
    if (argc != 6 && argc != 7) {
        fprintf(stderr, usage_text, SIDE_MIN, SIDE_MAX);
        return 2;
    }
    const char *out_path = argv[1], *seed = argv[5], *style = argc == 7 ? argv[6] : "hero";
    image_format format;
    int width, height;
    color accent;
    if (format_from_path(out_path, &format) != 0) {
        fprintf(stderr, "dk-imagegen: OUT must end in .jpg, .jpeg, .png or .webp: %s\n", out_path);
        return 2;
    }
    if (parse_side(argv[2], "WIDTH", &width) != 0 || parse_side(argv[3], "HEIGHT", &height) != 0 ||
        parse_color(argv[4], &accent) != 0)
        return 2;
    if (seed[0] == '\0' || strlen(seed) > SEED_MAX) {
        fprintf(stderr, "dk-imagegen: SEED must be a non-empty string of at most %d bytes\n",
                SEED_MAX);
        return 2;
    }
    void (*render)(canvas *, color, rng *);
    if (strcmp(style, "hero") == 0)
        render = render_hero;
    else if (strcmp(style, "gallery") == 0)
        render = render_gallery;
    else if (strcmp(style, "card") == 0)
        render = render_card;
    else {
        fprintf(stderr, "dk-imagegen: STYLE must be hero, gallery or card, not '%s'\n", style);
        return 2;
    }

    canvas cv = {width, height, calloc((size_t)width * (size_t)height, 3)};
    if (!cv.rgb) {
        fprintf(stderr, "dk-imagegen: cannot allocate %dx%d pixels\n", width, height);
        return 1;
    }
    /* The style is hashed in too, so one seed gives unrelated pictures in different styles. */
    rng r = {hash_string(hash_string(0xcbf29ce484222325ULL, style), seed)};
    render(&cv, accent, &r);
    int rc = save_image(&cv, out_path, format);
    free(cv.rgb);
    return rc == 0 ? 0 : 1;
}
