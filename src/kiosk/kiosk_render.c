/* kiosk_render.c: the SDL side of dk_ui's draw commands: geometry for rounded shapes with a
 * one-pixel feathered edge, an LRU cache of text textures, images, screenshots. */
#include "kiosk_render.h"

#include "dk_log.h"

#include <SDL_image.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARC_MAX      32                  /* [segments] per rounded corner, at most */
#define CONTOUR_MAX  (4 * (ARC_MAX + 1)) /* [points] of one rounded-rectangle contour */
#define TEXT_BUCKETS 4096                /* text cache hash buckets (a power of two) */
#define PI_F         3.14159265358979f

/* ---- text cache ---- */

/* One rendered line, in its colour (see draw_text for why not white and tinted). The key is
 * (font, size, colour, text); alpha is applied at draw time. */
typedef struct text_entry {
    int font, px;
    uint32_t rgb; /* the colour the line is rendered in (see draw_text) */
    size_t len;
    uint32_t hash;
    SDL_Texture *texture;
    int w, h;
    size_t bytes;
    unsigned long long frame; /* the last frame it was drawn in */
    struct text_entry *chain;
    struct text_entry *prev, *next; /* LRU: head is the most recently drawn */
    char text[];                    /* len bytes, NUL-terminated */
} text_entry;

enum { WARN_FONT = 1, WARN_TEXT = 2, WARN_TOO_WIDE = 4, WARN_TEXTURE = 8, WARN_GEOMETRY = 16 };

struct kiosk_render {
    SDL_Renderer *renderer;
    kiosk_fonts *fonts;
    kiosk_images *images;
    dk_color placeholder;
    int antialias; /* feather curved edges (not on the software renderer: see new) */
    int max_texture_w;
    size_t text_budget;
    unsigned long long frame; /* kiosk_render_commands() calls */
    const dk_cmd *cmds;       /* the frame being drawn (borrowed, during the call) */
    size_t ncmds;
    int marked; /* its lines are marked (text_mark_frame) */
    text_entry *buckets[TEXT_BUCKETS];
    text_entry *head, *tail;
    unsigned warned;
    kiosk_render_stats stats;
    /* Scratch for one shape: four contours and a centre; indices for a fan and three bands. */
    SDL_Vertex verts[4 * CONTOUR_MAX + 1];
    int indices[3 * CONTOUR_MAX + 3 * 6 * CONTOUR_MAX];
};

static void warn_once(kiosk_render *kr, unsigned kind, const char *what, const char *why)
{
    if (!(kr->warned & kind))
        dk_warn("drawing: %s: %s", what, why);
    kr->warned |= kind;
}

static uint32_t text_hash(int font, int px, uint32_t rgb, const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    h = (h ^ rgb) * 16777619u;
    h = (h ^ (uint32_t)font) * 16777619u;
    h = (h ^ (uint32_t)px) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void lru_unlink(kiosk_render *kr, text_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        kr->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        kr->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(kiosk_render *kr, text_entry *e)
{
    e->prev = NULL;
    e->next = kr->head;
    if (kr->head)
        kr->head->prev = e;
    else
        kr->tail = e;
    kr->head = e;
}

static void text_remove(kiosk_render *kr, text_entry *e)
{
    text_entry **p = &kr->buckets[e->hash & (TEXT_BUCKETS - 1)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    lru_unlink(kr, e);
    kr->stats.text_bytes -= e->bytes;
    kr->stats.text_count--;
    SDL_DestroyTexture(e->texture);
    free(e);
}

static void text_mark_frame(kiosk_render *kr);

/* Keeps the cache within its budget, never evicting a line of this frame (drawn, or to be
 * drawn: see text_mark_frame): a screen whose lines need more than the budget keeps them (for
 * as long as it shows them) rather than render every line again every frame. The LRU list is
 * in order of use, so the first such line from the tail ends the search. */
static void text_evict(kiosk_render *kr)
{
    if (!kr->marked && kr->stats.text_bytes > kr->text_budget)
        text_mark_frame(kr);
    while (kr->tail && kr->tail->frame != kr->frame &&
           (kr->stats.text_bytes > kr->text_budget ||
            kr->stats.text_count > KIOSK_RENDER_TEXT_ENTRIES)) {
        text_remove(kr, kr->tail);
        kr->stats.text_evictions++;
    }
}

/* The cached line, or NULL; if found, it is marked as drawn in this frame and made the most
 * recently used. */
static text_entry *text_find(kiosk_render *kr, int font, int px, uint32_t rgb, uint32_t h,
                             const char *s, size_t len)
{
    for (text_entry *e = kr->buckets[h & (TEXT_BUCKETS - 1)]; e; e = e->chain) {
        if (e->hash == h && e->font == font && e->px == px && e->rgb == rgb && e->len == len &&
            memcmp(e->text, s, len) == 0) {
            e->frame = kr->frame;
            lru_unlink(kr, e);
            lru_push(kr, e);
            return e;
        }
    }
    return NULL;
}

/* The cached texture of a line, rendering it on a miss. NULL if it cannot be drawn. */
static text_entry *text_get(kiosk_render *kr, int font, dk_color color, const char *s, size_t len)
{
    int px = kiosk_fonts_px(kr->fonts, font);
    uint32_t rgb = (uint32_t)color.r << 16 | (uint32_t)color.g << 8 | color.b;
    uint32_t h = text_hash(font, px, rgb, s, len);
    text_entry *found = text_find(kr, font, px, rgb, h, s, len);
    if (found) {
        kr->stats.text_hits++;
        return found;
    }
    kr->stats.text_misses++;
    TTF_Font *ttf = kiosk_fonts_get(kr->fonts, font);
    if (!ttf) {
        warn_once(kr, WARN_FONT, "font unavailable", "text not drawn");
        return NULL;
    }
    text_entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return NULL;
    memcpy(e->text, s, len);
    e->text[len] = '\0';
    SDL_Color fg = {color.r, color.g, color.b, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(ttf, e->text, fg);
    if (!surf) {
        warn_once(kr, WARN_TEXT, "cannot render text", TTF_GetError());
        free(e);
        return NULL;
    }
    if (kr->max_texture_w > 0 && surf->w > kr->max_texture_w) {
        warn_once(kr, WARN_TOO_WIDE, "line wider than the largest texture", "not drawn");
        SDL_FreeSurface(surf);
        free(e);
        return NULL;
    }
    e->texture = SDL_CreateTextureFromSurface(kr->renderer, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    if (!e->texture) {
        warn_once(kr, WARN_TEXTURE, "cannot make a text texture", SDL_GetError());
        free(e);
        return NULL;
    }
    SDL_SetTextureBlendMode(e->texture, SDL_BLENDMODE_BLEND);
    e->font = font;
    e->px = px;
    e->rgb = rgb;
    e->len = len;
    e->hash = h;
    e->frame = kr->frame;
    e->bytes = (size_t)e->w * (size_t)e->h * 4;
    text_entry **b = &kr->buckets[h & (TEXT_BUCKETS - 1)];
    e->chain = *b;
    *b = e;
    e->prev = e->next = NULL;
    lru_push(kr, e);
    kr->stats.text_bytes += e->bytes;
    kr->stats.text_count++;
    text_evict(kr);
    return e;
}

/* ---- rounded shapes ---- */

typedef struct shape {
    float x, y, w, h, r;
    int n;    /* segments per corner; 0 for square corners */
    int snap; /* round points to whole pixels (no anti-aliasing) */
} shape;

static shape make_shape(const kiosk_render *kr, dk_rect rect, int radius)
{
    shape s = {(float)rect.x, (float)rect.y, (float)rect.w, (float)rect.h, (float)radius, 0,
               !kr->antialias};
    float half = (s.w < s.h ? s.w : s.h) / 2;
    if (s.r > half)
        s.r = half;
    if (s.r < 0)
        s.r = 0;
    if (s.r >= 1) { /* about one segment per 2 px of radius: smooth, and few triangles */
        s.n = (int)ceilf(s.r * 0.5f);
        s.n = s.n < 2 ? 2 : s.n > ARC_MAX ? ARC_MAX : s.n;
    }
    return s;
}

/* Texture coordinates as a linear function of position (u = au * x + bu), for images. */
typedef struct uv_map {
    float au, bu, av, bv;
} uv_map;

/* One point of the contour of s grown by d px (shrunk for d < 0): point i of corner k (0 top
 * left, then clockwise). Growing a rounded rectangle by d grows its radius by d; a square
 * corner stays square. */
static SDL_FPoint contour_point(const shape *s, float d, int corner, int i)
{
    float x0 = s->x - d, y0 = s->y - d, x1 = s->x + s->w + d, y1 = s->y + s->h + d;
    if (x1 < x0)
        x0 = x1 = s->x + s->w / 2;
    if (y1 < y0)
        y0 = y1 = s->y + s->h / 2;
    SDL_FPoint p;
    if (s->n == 0) {
        p.x = corner == 0 || corner == 3 ? x0 : x1;
        p.y = corner < 2 ? y0 : y1;
        return p;
    }
    float r = s->r + d;
    float half = ((x1 - x0) < (y1 - y0) ? (x1 - x0) : (y1 - y0)) / 2;
    if (r > half)
        r = half;
    if (r < 0)
        r = 0;
    /* Each corner's arc runs a quarter turn from quarter start[corner] (0 is +x, 1 is +y, y
     * pointing down). Its ends are computed exactly: cosf(PI / 2) is not quite 0, and a
     * renderer that truncates to whole pixels would put a notch where the arc meets the edge. */
    static const int start[4] = {2, 3, 0, 1};
    static const float axis[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    float dx, dy;
    if (i == 0 || i == s->n) {
        int q = (start[corner] + (i == 0 ? 0 : 1)) % 4;
        dx = axis[q][0];
        dy = axis[q][1];
    } else {
        float a = 0.5f * PI_F * ((float)start[corner] + (float)i / (float)s->n);
        dx = cosf(a);
        dy = sinf(a);
    }
    p.x = (corner == 0 || corner == 3 ? x0 + r : x1 - r) + r * dx;
    p.y = (corner < 2 ? y0 + r : y1 - r) + r * dy;
    return p;
}

/* Writes a contour of s to v: 4 * (n + 1) points, clockwise from the left end of the top-left
 * arc. Points inside the arcs lie d px out from the edge, the arcs' two ends d_end px: with
 * d_end = 0 the straight edges stay exactly where they are, so that on whole pixels they come
 * out as crisp as SDL_RenderFillRect on every renderer (the software one rounds positions to
 * whole pixels), and only the curves are feathered. */
static int contour(const shape *s, float d, float d_end, SDL_Color c, const uv_map *uv,
                   SDL_Vertex *v)
{
    int k = 0;
    for (int corner = 0; corner < 4; corner++) {
        for (int i = 0; i <= s->n; i++) {
            SDL_FPoint p = contour_point(s, i == 0 || i == s->n ? d_end : d, corner, i);
            if (s->snap) { /* the software renderer truncates: round to the nearest instead */
                p.x = roundf(p.x);
                p.y = roundf(p.y);
            }
            v[k].position = p;
            v[k].color = c;
            /* SDL refuses coordinates outside [0, 1]; the feather reaches half a pixel past the
             * image, where its edge pixels repeat. */
            v[k].tex_coord.x = uv ? SDL_clamp(uv->au * p.x + uv->bu, 0.0f, 1.0f) : 0;
            v[k].tex_coord.y = uv ? SDL_clamp(uv->av * p.y + uv->bv, 0.0f, 1.0f) : 0;
            k++;
        }
    }
    return k;
}

/* Indices of the band between two contours of np points starting at a and b. */
static int band(int *idx, int a, int b, int np)
{
    int k = 0;
    for (int i = 0; i < np; i++) {
        int j = (i + 1) % np;
        idx[k++] = a + i;
        idx[k++] = b + i;
        idx[k++] = a + j;
        idx[k++] = a + j;
        idx[k++] = b + i;
        idx[k++] = b + j;
    }
    return k;
}

static int geometry(kiosk_render *kr, SDL_Texture *texture, int nv, int ni)
{
    if (SDL_RenderGeometry(kr->renderer, texture, kr->verts, nv, kr->indices, ni) == 0)
        return 0;
    warn_once(kr, WARN_GEOMETRY, "SDL_RenderGeometry failed", SDL_GetError());
    return -1;
}

/* A filled rounded rectangle whose curved edges fade out over one pixel centred on the true
 * edge (anti-aliasing); a fan from the centre fills the inside. */
static int fill_shape(kiosk_render *kr, const shape *s, SDL_Color c, SDL_Texture *texture,
                      const uv_map *uv)
{
    float h = kr->antialias ? 0.5f : 0.0f;
    SDL_Color clear = {c.r, c.g, c.b, 0};
    SDL_Vertex *v = kr->verts;
    float cxp = s->x + s->w / 2, cyp = s->y + s->h / 2;
    v[0].position.x = cxp;
    v[0].position.y = cyp;
    v[0].color = c;
    v[0].tex_coord.x = uv ? uv->au * cxp + uv->bu : 0;
    v[0].tex_coord.y = uv ? uv->av * cyp + uv->bv : 0;
    int np = contour(s, -h, 0, c, uv, v + 1);
    int k = 0;
    for (int i = 0; i < np; i++) {
        kr->indices[k++] = 0;
        kr->indices[k++] = 1 + i;
        kr->indices[k++] = 1 + (i + 1) % np;
    }
    if (h == 0)
        return geometry(kr, texture, 1 + np, k);
    contour(s, h, 0, clear, uv, v + 1 + np);
    k += band(kr->indices + k, 1, 1 + np, np);
    return geometry(kr, texture, 1 + 2 * np, k);
}

/* An outline thickness px wide inside the shape's edge, the inner edge rounded with the radius
 * less the thickness, so the band has the same width all round. */
static int frame_shape(kiosk_render *kr, const shape *s, int thickness, SDL_Color c)
{
    float t = (float)(thickness < 1 ? 1 : thickness);
    if (2 * t >= s->w || 2 * t >= s->h)
        return fill_shape(kr, s, c, NULL, NULL);
    SDL_Vertex *v = kr->verts;
    if (!kr->antialias) {
        int np = contour(s, 0, 0, c, NULL, v);
        contour(s, -t, -t, c, NULL, v + np);
        int k = band(kr->indices, 0, np, np);
        return geometry(kr, NULL, 2 * np, k);
    }
    SDL_Color clear = {c.r, c.g, c.b, 0};
    int np = contour(s, 0.5f, 0, clear, NULL, v);
    contour(s, -0.5f, 0, c, NULL, v + np);
    contour(s, 0.5f - t, -t, c, NULL, v + 2 * np);
    contour(s, -0.5f - t, -t, clear, NULL, v + 3 * np);
    int k = 0;
    k += band(kr->indices + k, 0, np, np);
    k += band(kr->indices + k, np, 2 * np, np);
    k += band(kr->indices + k, 2 * np, 3 * np, np);
    return geometry(kr, NULL, 4 * np, k);
}

/* ---- hard-edged shapes as pixel spans ---- */

/* Without anti-aliasing a shape is drawn as the pixels whose centres lie inside it, row by row,
 * with SDL_RenderFillRects: exact on every renderer, where thin triangles would leave gaps. */

#define SPAN_RECTS 64 /* rects batched per SDL_RenderFillRects call */

typedef struct span_batch {
    SDL_Renderer *renderer;
    SDL_Texture *texture; /* NULL: fill with the draw colour; else copy from it, mapping a
                             screen point to texels as x * ax + bx, y * ay + by */
    float ax, bx, ay, by;
    int tw, th;
    SDL_Rect rects[SPAN_RECTS];
    int n, failed;
} span_batch;

static void span_flush(span_batch *b)
{
    if (b->n && SDL_RenderFillRects(b->renderer, b->rects, b->n) != 0)
        b->failed = 1;
    b->n = 0;
}

static void span_add(span_batch *b, SDL_Rect r)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    if (b->texture) { /* the part of the image under this rect */
        int x0 = (int)lroundf((float)r.x * b->ax + b->bx);
        int y0 = (int)lroundf((float)r.y * b->ay + b->by);
        int x1 = (int)lroundf((float)(r.x + r.w) * b->ax + b->bx);
        int y1 = (int)lroundf((float)(r.y + r.h) * b->ay + b->by);
        x0 = SDL_clamp(x0, 0, b->tw - 1);
        y0 = SDL_clamp(y0, 0, b->th - 1);
        x1 = SDL_clamp(x1, x0 + 1, b->tw);
        y1 = SDL_clamp(y1, y0 + 1, b->th);
        SDL_Rect src = {x0, y0, x1 - x0, y1 - y0};
        if (SDL_RenderCopy(b->renderer, b->texture, &src, &r) != 0)
            b->failed = 1;
        return;
    }
    if (b->n == SPAN_RECTS)
        span_flush(b);
    b->rects[b->n++] = r;
}

/* The pixels [*l, *r) of row j whose centres lie inside s. 0 if none. */
static int row_span(const shape *s, int j, int *l, int *r)
{
    float yc = (float)j + 0.5f;
    if (s->w <= 0 || s->h <= 0 || yc < s->y || yc >= s->y + s->h)
        return 0;
    float left = s->x, right = s->x + s->w, dy = 0;
    if (yc < s->y + s->r)
        dy = s->y + s->r - yc;
    else if (yc > s->y + s->h - s->r)
        dy = yc - (s->y + s->h - s->r);
    if (dy > 0) {
        float in = s->r - sqrtf(s->r * s->r - dy * dy);
        left += in;
        right -= in;
    }
    *l = (int)ceilf(left - 0.5f);
    *r = (int)floorf(right - 0.5f) + 1;
    return *r > *l;
}

/* Fills outer less inner (NULL: nothing cut out), rows limited to the clip. Rows with the same
 * spans are merged into one rectangle, so straight parts cost one rect each. */
static int span_shape_into(span_batch *b, const shape *outer, const shape *inner,
                           const SDL_Rect *clip)
{
    int j0 = (int)floorf(outer->y), j1 = (int)ceilf(outer->y + outer->h);
    if (j0 < clip->y)
        j0 = clip->y;
    if (j1 > clip->y + clip->h)
        j1 = clip->y + clip->h;
    int open[4] = {0, 0, 0, 0}, nopen = 0, top = j0; /* the segments of the rows since top */
    for (int j = j0; j <= j1; j++) {
        int seg[4], nseg = 0, ol, or_, il, ir;
        if (j < j1 && row_span(outer, j, &ol, &or_)) {
            if (inner && row_span(inner, j, &il, &ir) && il < ir) {
                seg[0] = ol, seg[1] = il, seg[2] = ir, seg[3] = or_;
                nseg = 4;
            } else {
                seg[0] = ol, seg[1] = or_;
                nseg = 2;
            }
        }
        if (nseg == nopen && memcmp(seg, open, sizeof(int) * (size_t)nseg) == 0)
            continue; /* same as the row above: the open rects grow */
        for (int k = 0; k < nopen; k += 2)
            span_add(b, (SDL_Rect){open[k], top, open[k + 1] - open[k], j - top});
        memcpy(open, seg, sizeof(int) * (size_t)nseg);
        nopen = nseg;
        top = j;
    }
    span_flush(b);
    return b->failed ? -1 : 0;
}

static int span_shape(kiosk_render *kr, const shape *outer, const shape *inner,
                      const SDL_Rect *clip)
{
    span_batch b;
    memset(&b, 0, sizeof b);
    b.renderer = kr->renderer;
    return span_shape_into(&b, outer, inner, clip);
}

static SDL_Color sdl_color(dk_color c)
{
    SDL_Color s = {c.r, c.g, c.b, c.a};
    return s;
}

/* Sets the draw colour; opaque colours draw without blending, which on the software renderer
 * is a plain fill instead of a per-pixel blend (several times faster for large areas). */
static void set_draw_color(kiosk_render *kr, dk_color c)
{
    SDL_SetRenderDrawColor(kr->renderer, c.r, c.g, c.b, c.a);
    SDL_SetRenderDrawBlendMode(kr->renderer, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static int draw_rect(kiosk_render *kr, const dk_cmd *cmd, const SDL_Rect *clip)
{
    if (cmd->rect.w <= 0 || cmd->rect.h <= 0 || cmd->color.a == 0)
        return 0;
    set_draw_color(kr, cmd->color);
    if (cmd->radius <= 0) {
        SDL_Rect r = {cmd->rect.x, cmd->rect.y, cmd->rect.w, cmd->rect.h};
        return SDL_RenderFillRect(kr->renderer, &r) == 0 ? 0 : -1;
    }
    shape s = make_shape(kr, cmd->rect, cmd->radius);
    if (!kr->antialias)
        return span_shape(kr, &s, NULL, clip);
    return fill_shape(kr, &s, sdl_color(cmd->color), NULL, NULL);
}

static int draw_frame(kiosk_render *kr, const dk_cmd *cmd, const SDL_Rect *clip)
{
    if (cmd->rect.w <= 0 || cmd->rect.h <= 0 || cmd->color.a == 0)
        return 0;
    int t = cmd->thickness < 1 ? 1 : cmd->thickness;
    if (cmd->radius <= 0) { /* four bars, no overlap (overlaps would show with alpha) */
        const dk_rect r = cmd->rect;
        if (2 * t >= r.w || 2 * t >= r.h) {
            dk_cmd fill = *cmd;
            fill.radius = 0;
            return draw_rect(kr, &fill, clip);
        }
        SDL_Rect bars[4] = {{r.x, r.y, r.w, t},
                            {r.x, r.y + r.h - t, r.w, t},
                            {r.x, r.y + t, t, r.h - 2 * t},
                            {r.x + r.w - t, r.y + t, t, r.h - 2 * t}};
        set_draw_color(kr, cmd->color);
        return SDL_RenderFillRects(kr->renderer, bars, 4) == 0 ? 0 : -1;
    }
    shape s = make_shape(kr, cmd->rect, cmd->radius);
    if (!kr->antialias) {
        set_draw_color(kr, cmd->color);
        if (2 * t >= cmd->rect.w || 2 * t >= cmd->rect.h)
            return span_shape(kr, &s, NULL, clip);
        shape in = s;
        in.x += (float)t;
        in.y += (float)t;
        in.w -= 2.0f * (float)t;
        in.h -= 2.0f * (float)t;
        in.r = s.r > (float)t ? s.r - (float)t : 0;
        return span_shape(kr, &s, &in, clip);
    }
    return frame_shape(kr, &s, t, sdl_color(cmd->color));
}

/* The bytes of a text command that are drawn (0: none), if any of it is inside clip. */
static size_t text_in_view(kiosk_render *kr, const dk_cmd *cmd, const SDL_Rect *clip)
{
    if (!cmd->text || cmd->color.a == 0)
        return 0;
    size_t len = cmd->len ? cmd->len : strlen(cmd->text);
    if (len > KIOSK_RENDER_TEXT_MAX) { /* cut at a character boundary */
        len = KIOSK_RENDER_TEXT_MAX;
        while (len > 0 && ((unsigned char)cmd->text[len] & 0xC0) == 0x80)
            len--;
    }
    if (len == 0)
        return 0;
    /* The line box is known before rendering: skip text scrolled out of view. Its width is
     * the measured one; glyphs may overhang it a little, so allow a line height of slack. */
    int line, ascent;
    kiosk_fonts_metrics(kr->fonts, cmd->font, &line, &ascent);
    SDL_Rect box = {cmd->rect.x - line, cmd->rect.y - line, cmd->rect.w + 2 * line, 3 * line};
    return SDL_HasIntersection(&box, clip) ? len : 0;
}

/* Marks a line the frame will draw, if it is cached (see text_mark_frame). */
static void text_mark(kiosk_render *kr, const dk_cmd *cmd)
{
    SDL_Rect clip = {cmd->clip.x, cmd->clip.y, cmd->clip.w, cmd->clip.h};
    size_t len = clip.w > 0 && clip.h > 0 ? text_in_view(kr, cmd, &clip) : 0;
    if (len == 0)
        return;
    int px = kiosk_fonts_px(kr->fonts, cmd->font);
    uint32_t rgb = (uint32_t)cmd->color.r << 16 | (uint32_t)cmd->color.g << 8 | cmd->color.b;
    (void)text_find(kr, cmd->font, px, rgb, text_hash(cmd->font, px, rgb, cmd->text, len),
                    cmd->text, len);
}

/* Marks every cached line the frame draws, once per frame and only when the cache must make
 * room: a new line then pushes out only lines the frame does not draw. Otherwise, with more
 * lines on screen than the budget holds, it would evict lines the frame draws after it, and
 * render them again, every frame. */
static void text_mark_frame(kiosk_render *kr)
{
    kr->marked = 1;
    for (size_t i = 0; i < kr->ncmds; i++)
        if (kr->cmds[i].type == DK_CMD_TEXT)
            text_mark(kr, &kr->cmds[i]);
}

static int draw_text(kiosk_render *kr, const dk_cmd *cmd, const SDL_Rect *clip)
{
    size_t len = text_in_view(kr, cmd, clip);
    if (len == 0)
        return 0;
    /* Lines are rendered in their own colour rather than white and tinted: on the software
     * renderer a colour-modulated blend takes SDL's slow generic blitter, which made text the
     * largest cost of a scrolling frame. A pressed label gets its own cache entry. */
    text_entry *e = text_get(kr, cmd->font, cmd->color, cmd->text, len);
    if (!e)
        return -1;
    SDL_Rect dst = {cmd->rect.x, cmd->rect.y + kiosk_fonts_glyph_top(kr->fonts, cmd->font), e->w,
                    e->h};
    SDL_SetTextureAlphaMod(e->texture, cmd->color.a);
    return SDL_RenderCopy(kr->renderer, e->texture, NULL, &dst) == 0 ? 0 : -1;
}

static int draw_image(kiosk_render *kr, const dk_cmd *cmd, const SDL_Rect *clip)
{
    const dk_rect r = cmd->rect;
    SDL_Rect whole = {r.x, r.y, r.w, r.h};
    if (r.w <= 0 || r.h <= 0 || !SDL_HasIntersection(&whole, clip))
        return 0; /* out of view: not even decoded */
    kiosk_image_view v;
    kiosk_image_fit fit = cmd->fit == DK_FIT_CONTAIN ? KIOSK_IMAGE_CONTAIN : KIOSK_IMAGE_COVER;
    int tw = 0, th = 0;
    if (!kr->images || !cmd->image ||
        !kiosk_images_draw(kr->images, cmd->image, r.w, r.h, fit, &v) ||
        SDL_QueryTexture(v.texture, NULL, NULL, &tw, &th) != 0 || tw <= 0 || th <= 0) {
        dk_cmd ph = *cmd;
        ph.color = cmd->color.a ? cmd->color : kr->placeholder;
        return draw_rect(kr, &ph, clip);
    }
    /* Source rectangle in pixels of the whole image at the texture's scale (full_w x full_h),
     * and destination on screen, as floats. A texture made for exactly this rectangle comes out
     * as a 1:1 copy: the same size, whole pixels. */
    float sx = 0, sy = 0, sw = (float)v.full_w, sh = (float)v.full_h;
    float dx = (float)r.x, dy = (float)r.y, dw = (float)r.w, dh = (float)r.h;
    float scale_w = dw / sw, scale_h = dh / sh;
    if (cmd->fit == DK_FIT_CONTAIN) { /* all of it, centred, bands left as they are */
        float scale = scale_w < scale_h ? scale_w : scale_h;
        if (v.exact)
            scale = 1; /* fitted by the decoder already, rounded to whole pixels */
        float w = sw * scale, h = sh * scale;
        dx += floorf((dw - w) / 2);
        dy += floorf((dh - h) / 2);
        dw = w;
        dh = h;
    } else { /* cover: the centre of it, cropped to the rectangle's shape */
        float scale = scale_w > scale_h ? scale_w : scale_h;
        float w = dw / scale, h = dh / scale;
        sx = (sw - w) / 2;
        sy = (sh - h) / 2;
        sw = w;
        sh = h;
        if (v.exact) { /* cropped by the decoder already */
            sx = (float)v.part.x;
            sy = (float)v.part.y;
        }
    }
    /* The texture holds only v.part of the whole: clip the source to it, and the destination
     * with it (a texture made for another size may lack what this rectangle shows), then make
     * the source relative to the texture. */
    float kx = dw / sw, ky = dh / sh; /* screen pixels per source pixel */
    float px0 = (float)v.part.x, py0 = (float)v.part.y;
    float px1 = px0 + (float)v.part.w, py1 = py0 + (float)v.part.h;
    if (sx < px0) {
        dx += (px0 - sx) * kx, dw -= (px0 - sx) * kx, sw -= px0 - sx, sx = px0;
    }
    if (sy < py0) {
        dy += (py0 - sy) * ky, dh -= (py0 - sy) * ky, sh -= py0 - sy, sy = py0;
    }
    if (sx + sw > px1) {
        dw -= (sx + sw - px1) * kx, sw = px1 - sx;
    }
    if (sy + sh > py1) {
        dh -= (sy + sh - py1) * ky, sh = py1 - sy;
    }
    if (sw <= 0 || sh <= 0 || dw < 1 || dh < 1)
        return 0;
    sx -= px0;
    sy -= py0;
    Uint8 alpha = cmd->color.a ? cmd->color.a : 255; /* a colour's alpha fades the image */
    /* Opaque and not faded: copied without blending (on the software renderer a plain copy of
     * rows; blending an opaque picture takes SDL's slowest generic blitter). */
    SDL_SetTextureBlendMode(v.texture,
                            v.opaque && alpha == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    if (cmd->radius <= 0) {
        SDL_Rect src = {(int)lroundf(sx), (int)lroundf(sy), (int)lroundf(sw), (int)lroundf(sh)};
        SDL_FRect dst = {dx, dy, dw, dh};
        SDL_SetTextureAlphaMod(v.texture, alpha);
        return SDL_RenderCopyF(kr->renderer, v.texture, &src, &dst) == 0 ? 0 : -1;
    }
    /* Rounded corners: the same feathered shape, textured. */
    SDL_SetTextureAlphaMod(v.texture, 255);
    uv_map uv;
    uv.au = sw / (float)tw / dw;
    uv.bu = sx / (float)tw - uv.au * dx;
    uv.av = sh / (float)th / dh;
    uv.bv = sy / (float)th - uv.av * dy;
    dk_rect dr = {(int)lroundf(dx), (int)lroundf(dy), (int)lroundf(dw), (int)lroundf(dh)};
    shape s = make_shape(kr, dr, cmd->radius);
    if (!kr->antialias) { /* row spans copied from the image: exact sampling, no seams */
        SDL_SetTextureAlphaMod(v.texture, alpha);
        span_batch b;
        memset(&b, 0, sizeof b);
        b.renderer = kr->renderer;
        b.texture = v.texture;
        b.tw = tw;
        b.th = th;
        b.ax = uv.au * (float)tw;
        b.bx = uv.bu * (float)tw;
        b.ay = uv.av * (float)th;
        b.by = uv.bv * (float)th;
        return span_shape_into(&b, &s, NULL, clip);
    }
    /* The feathered edge fades out through alpha: blended, even when the picture is opaque. */
    SDL_SetTextureBlendMode(v.texture, SDL_BLENDMODE_BLEND);
    SDL_Color white = {255, 255, 255, alpha};
    return fill_shape(kr, &s, white, v.texture, &uv);
}

/* ---- public ---- */

dk_err kiosk_render_new(SDL_Renderer *renderer, kiosk_fonts *fonts, kiosk_images *images,
                        size_t text_budget, kiosk_render **out)
{
    *out = NULL;
    if (!renderer || !fonts)
        return dk_error_set(DK_ERR_INVALID, "kiosk_render_new: no renderer or fonts");
    kiosk_render *kr = calloc(1, sizeof *kr);
    if (!kr)
        return dk_error_set(DK_ERR_NOMEM, "no memory for the renderer");
    kr->renderer = renderer;
    kr->fonts = fonts;
    kr->images = images;
    kr->placeholder = (dk_color){224, 224, 220, 255};
    kr->text_budget = text_budget ? text_budget : KIOSK_RENDER_TEXT_BUDGET;
    /* The software renderer rounds geometry to whole pixels, so a feather half a pixel wide
     * comes out as stray seams: there curves are drawn hard-edged. */
    kr->antialias = 1;
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(renderer, &info) == 0) {
        kr->max_texture_w = info.max_texture_width;
        if (info.name && strcmp(info.name, "software") == 0)
            kr->antialias = 0;
    }
    *out = kr;
    return DK_OK;
}

void kiosk_render_clear_text(kiosk_render *kr)
{
    while (kr->tail)
        text_remove(kr, kr->tail);
}

void kiosk_render_free(kiosk_render *kr)
{
    if (!kr)
        return;
    kiosk_render_clear_text(kr);
    free(kr);
}

void kiosk_render_set_antialias(kiosk_render *kr, int on)
{
    kr->antialias = on != 0;
}

void kiosk_render_set_placeholder(kiosk_render *kr, dk_color color)
{
    kr->placeholder = color;
}

int kiosk_render_commands(kiosk_render *kr, const dk_cmd *cmds, size_t count)
{
    int failed = 0;
    int have_clip = 0;
    SDL_Rect clip = {0, 0, 0, 0};
    kr->frame++;
    if (kr->images)
        kiosk_images_frame(kr->images);
    kr->cmds = cmds;
    kr->ncmds = count;
    kr->marked = 0;
    SDL_SetRenderDrawBlendMode(kr->renderer, SDL_BLENDMODE_BLEND);
    for (size_t i = 0; i < count; i++) {
        const dk_cmd *cmd = &cmds[i];
        if (cmd->clip.w <= 0 || cmd->clip.h <= 0)
            continue; /* clipped away entirely */
        SDL_Rect c = {cmd->clip.x, cmd->clip.y, cmd->clip.w, cmd->clip.h};
        if (!have_clip || !SDL_RectEquals(&c, &clip)) {
            SDL_RenderSetClipRect(kr->renderer, &c);
            clip = c;
            have_clip = 1;
        }
        int rc = 0;
        switch (cmd->type) {
        case DK_CMD_RECT:
            rc = draw_rect(kr, cmd, &clip);
            break;
        case DK_CMD_FRAME:
            rc = draw_frame(kr, cmd, &clip);
            break;
        case DK_CMD_TEXT:
            rc = draw_text(kr, cmd, &clip);
            break;
        case DK_CMD_IMAGE:
            rc = draw_image(kr, cmd, &clip);
            break;
        }
        if (rc) {
            failed++;
            kr->stats.failures++;
        }
    }
    SDL_RenderSetClipRect(kr->renderer, NULL);
    /* Lines out of view go now, not only when a new line needs room: the cache shrinks to its
     * budget after every frame rather than keep the screen before's lines until then. */
    kr->marked = 1; /* every line of the frame is drawn, so marked */
    text_evict(kr);
    kr->cmds = NULL;
    kr->ncmds = 0;
    return failed;
}

void kiosk_render_get_stats(const kiosk_render *kr, kiosk_render_stats *out)
{
    *out = kr->stats;
    out->text_budget = kr->text_budget;
}

dk_err kiosk_render_screenshot(SDL_Renderer *renderer, const char *path)
{
    int w = 0, h = 0;
    if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0 || w <= 0 || h <= 0)
        return dk_error_set(DK_ERR_IO, "screenshot: no output size: %s", SDL_GetError());
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= sizeof tmp)
        return dk_error_set(DK_ERR_LIMIT, "screenshot path too long");
    /* XRGB: no alpha channel, so the PNG is opaque whatever the back buffer's alpha holds. */
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
    if (!s)
        return dk_error_set(DK_ERR_NOMEM, "screenshot: %s", SDL_GetError());
    if (SDL_RenderReadPixels(renderer, NULL, SDL_PIXELFORMAT_RGB888, s->pixels, s->pitch) != 0) {
        dk_err err = dk_error_set(DK_ERR_IO, "screenshot: cannot read pixels: %s", SDL_GetError());
        SDL_FreeSurface(s);
        return err;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        SDL_FreeSurface(s);
        return dk_error_set(DK_ERR_IO, "screenshot: cannot create %s: %s", tmp, strerror(e));
    }
    fchmod(fd, 0644); /* mkstemp makes 0600; a screenshot is for people to look at */
    close(fd);
    int rc = IMG_SavePNG(s, tmp);
    SDL_FreeSurface(s);
    if (rc != 0) {
        dk_err err =
            dk_error_set(DK_ERR_IO, "screenshot: cannot write %s: %s", tmp, IMG_GetError());
        unlink(tmp);
        return err;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return dk_error_set(dk_error_from_errno(e), "screenshot: cannot rename to %s: %s", path,
                            strerror(e));
    }
    return DK_OK;
}
