/* kiosk_fonts.c: Noto Sans through SDL_ttf: face lookup, a small cache of open sizes, metrics
 * and a measurement cache for dk_ui. */
#include "kiosk_fonts.h"

#include "dk_fs.h"
#include "dk_log.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FACES           4    /* regular, bold, italic, bold italic: indexed by DK_UI_* bits */
#define PATH_MAX_LEN    1024 /* [bytes] a face's path */
#define MEASURE_BUCKETS 4096 /* measurement cache hash buckets (a power of two) */
#define STACK_TEXT      512  /* [bytes] texts up to this are copied on the stack */

static const char *const face_files[FACES] = {KIOSK_FONTS_FILE_REGULAR, KIOSK_FONTS_FILE_BOLD,
                                              KIOSK_FONTS_FILE_ITALIC,
                                              KIOSK_FONTS_FILE_BOLD_ITALIC};

typedef struct open_font {
    TTF_Font *font; /* NULL: slot free */
    int face, px;
    int ascent, height;      /* TTF_FontAscent / TTF_FontHeight, read once */
    unsigned long long used; /* tick of last use, for LRU */
} open_font;

/* A measured width, keyed by face, size and text: what the width depends on (hinting and
 * kerning are the same for every font). Whole lines are kept as well as the words and pieces
 * the line breaker asks about: the breaker measures each line it chose whole, every frame. */
typedef struct measure_entry {
    struct measure_entry *chain;       /* next in the hash bucket */
    struct measure_entry *prev, *next; /* LRU: head is the most recently used */
    uint32_t hash;
    int face, px;
    int width;
    size_t len;
    char text[]; /* len bytes */
} measure_entry;

struct kiosk_fonts {
    char path[FACES][PATH_MAX_LEN]; /* "" if not found */
    int face_for_bits[FACES];       /* the face drawn for each emphasis, after fallbacks */
    int px[DK_FONT_COUNT];          /* em size of each style */
    int line[DK_FONT_COUNT];        /* line height of each style */
    int bold[DK_FONT_COUNT];        /* 1 if the style itself is set bold */
    open_font open[KIOSK_FONTS_MAX_OPEN];
    unsigned long long tick;
    unsigned warned; /* bit per face that failed to open (logged once); bit 8: too long text */
    measure_entry *measure[MEASURE_BUCKETS];
    measure_entry *head, *tail;
    size_t measure_bytes; /* [bytes] of the entries, with their text */
    kiosk_fonts_stats stats;
};

/* ---- faces ---- */

static int find_face(const char *font_dir, const char *file, char *out, size_t outsz)
{
    const char *dirs[2] = {font_dir, KIOSK_FONTS_SYSTEM_DIR};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        if (dk_fs_join(out, outsz, dirs[i], file) == DK_OK && dk_fs_exists(out) &&
            !dk_fs_is_dir(out))
            return 1;
    }
    out[0] = '\0';
    return 0;
}

/* Bold italic falls back to bold, then italic, then regular; bold and italic to regular. */
static void choose_faces(kiosk_fonts *f)
{
    static const int fallbacks[FACES][3] = {{0, 0, 0},
                                            {DK_UI_BOLD, 0, 0},
                                            {DK_UI_ITALIC, 0, 0},
                                            {DK_UI_BOLD | DK_UI_ITALIC, DK_UI_BOLD, DK_UI_ITALIC}};
    for (int bits = 0; bits < FACES; bits++) {
        int chosen = 0;
        for (int k = 0; k < 3; k++) {
            if (f->path[fallbacks[bits][k]][0]) {
                chosen = fallbacks[bits][k];
                break;
            }
        }
        f->face_for_bits[bits] = chosen;
        if (chosen != bits)
            dk_warn("font %s not found in the font folder or %s: using %s instead",
                    face_files[bits], KIOSK_FONTS_SYSTEM_DIR, face_files[chosen]);
    }
}

static int clamp_px(int px)
{
    return px < 1 ? 1 : px > 2000 ? 2000 : px;
}

static int style_of(const kiosk_fonts *f, int font, int *bits)
{
    int style = font >= 0 ? DK_UI_FONT_STYLE(font) : 0;
    if (style < 0 || style >= DK_FONT_COUNT)
        style = DK_FONT_BODY;
    int b = font >= 0 ? DK_UI_FONT_BITS(font) : 0;
    if (f->bold[style])
        b |= DK_UI_BOLD;
    *bits = b;
    return style;
}

static void close_slot(kiosk_fonts *f, open_font *o)
{
    (void)f;
    if (o->font)
        TTF_CloseFont(o->font);
    memset(o, 0, sizeof *o);
}

/* The open font for (face, px), opening it in the least recently used slot if needed. */
static open_font *open_face(kiosk_fonts *f, int face, int px)
{
    open_font *victim = NULL; /* a free slot, else the least recently used one */
    for (int i = 0; i < KIOSK_FONTS_MAX_OPEN; i++) {
        open_font *o = &f->open[i];
        if (o->font && o->face == face && o->px == px) {
            o->used = ++f->tick;
            return o;
        }
        if (!victim || (victim->font && (!o->font || o->used < victim->used)))
            victim = o;
    }
    if (f->warned & (1u << face))
        return NULL; /* this face failed before: do not retry it every frame */
    TTF_Font *font = TTF_OpenFont(f->path[face], px);
    if (!font) {
        f->warned |= 1u << face;
        dk_warn("cannot open font %s at %d px: %s", f->path[face], px, TTF_GetError());
        return NULL;
    }
    TTF_SetFontHinting(font, TTF_HINTING_LIGHT);
    TTF_SetFontKerning(font, 1);
    /* Shaping hints for HarfBuzz (SDL_ttf >= 2.20): every kiosk language is Latin script. A
     * failure only means SDL_ttf was built without HarfBuzz, which still renders correctly. */
    TTF_SetFontDirection(font, TTF_DIRECTION_LTR);
    TTF_SetFontScriptName(font, "Latn");
    close_slot(f, victim);
    victim->font = font;
    victim->face = face;
    victim->px = px;
    victim->ascent = TTF_FontAscent(font);
    victim->height = TTF_FontHeight(font);
    victim->used = ++f->tick;
    f->stats.fonts_opened++;
    return victim;
}

static open_font *lookup(kiosk_fonts *f, int font)
{
    int bits;
    int style = style_of(f, font, &bits);
    return open_face(f, f->face_for_bits[bits], f->px[style]);
}

/* ---- public ---- */

int kiosk_fonts_set_metrics(kiosk_fonts *f, const dk_metrics *m)
{
    int changed = 0;
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        int px = clamp_px(m->font_px[s]);
        int line = m->line_px[s] > 0 ? m->line_px[s] : (int)lround(KIOSK_FONTS_LINE_HEIGHT * px);
        int bold = dk_font_is_bold((dk_font_style)s) ? 1 : 0;
        if (px != f->px[s] || line != f->line[s] || bold != f->bold[s])
            changed = 1;
        f->px[s] = px;
        f->line[s] = line;
        f->bold[s] = bold;
    }
    return changed; /* measurements are per face and size: they stay right */
}

dk_err kiosk_fonts_new(const char *font_dir, const dk_metrics *metrics, kiosk_fonts **out)
{
    *out = NULL;
    kiosk_fonts *f = calloc(1, sizeof *f);
    if (!f)
        return dk_error_set(DK_ERR_NOMEM, "no memory for the fonts");
    for (int i = 0; i < FACES; i++)
        find_face(font_dir, face_files[i], f->path[i], sizeof f->path[i]);
    if (!f->path[0][0]) {
        free(f);
        return dk_error_set(DK_ERR_NOTFOUND,
                            "font %s not found in '%s' or '%s': install the package "
                            "fonts-noto-core or put the Noto Sans files into the font folder",
                            face_files[0], font_dir && font_dir[0] ? font_dir : "(none)",
                            KIOSK_FONTS_SYSTEM_DIR);
    }
    choose_faces(f);
    kiosk_fonts_set_metrics(f, metrics);
    /* Open the regular face now, so that a broken file stops the kiosk at start-up with a
     * message instead of drawing no text. */
    TTF_Font *probe = TTF_OpenFont(f->path[0], f->px[DK_FONT_BODY]);
    if (!probe) {
        dk_err err =
            dk_error_set(DK_ERR_INVALID, "cannot open font %s: %s", f->path[0], TTF_GetError());
        free(f);
        return err;
    }
    TTF_CloseFont(probe);
    dk_info("fonts: %s and its bold and italic faces", f->path[0]); /* fallbacks warned */
    *out = f;
    return DK_OK;
}

void kiosk_fonts_free(kiosk_fonts *f)
{
    if (!f)
        return;
    for (int i = 0; i < KIOSK_FONTS_MAX_OPEN; i++)
        close_slot(f, &f->open[i]);
    while (f->head) {
        measure_entry *e = f->head;
        f->head = e->next;
        free(e);
    }
    free(f);
}

TTF_Font *kiosk_fonts_get(kiosk_fonts *f, int font)
{
    open_font *o = lookup(f, font);
    return o ? o->font : NULL;
}

int kiosk_fonts_px(const kiosk_fonts *f, int font)
{
    if (font < 0 || DK_UI_FONT_STYLE(font) >= DK_FONT_COUNT)
        return 0;
    return f->px[DK_UI_FONT_STYLE(font)];
}

void kiosk_fonts_metrics(kiosk_fonts *f, int font, int *line_height, int *ascent)
{
    int bits;
    int style = style_of(f, font, &bits);
    int line = f->line[style];
    /* From the regular face, so that bold and italic words share the line's baseline even
     * with a font whose faces differ in their vertical metrics. */
    open_font *o = open_face(f, f->face_for_bits[0], f->px[style]);
    *line_height = line;
    if (o) /* half the leading above the glyph box (negative if the line is tighter) */
        *ascent = (line - o->height) / 2 + o->ascent;
    else /* Noto Sans: ascender 1.069 em, descender 0.293 em */
        *ascent = (int)lround((line - 1.362 * f->px[style]) / 2 + 1.069 * f->px[style]);
}

int kiosk_fonts_glyph_top(kiosk_fonts *f, int font)
{
    int line, ascent;
    kiosk_fonts_metrics(f, font, &line, &ascent);
    open_font *o = lookup(f, font);
    return o ? ascent - o->ascent : 0;
}

static uint32_t fnv1a(int face, int px, const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    h = (h ^ (uint32_t)face) * 16777619u;
    h = (h ^ (uint32_t)px) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void measure_unlink(kiosk_fonts *f, measure_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        f->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        f->tail = e->prev;
    e->prev = e->next = NULL;
}

static void measure_push(kiosk_fonts *f, measure_entry *e)
{
    e->prev = NULL;
    e->next = f->head;
    if (f->head)
        f->head->prev = e;
    else
        f->tail = e;
    f->head = e;
}

static size_t measure_size(size_t len)
{
    return sizeof(measure_entry) + len;
}

/* Drops the least recently used measurements beyond the budget. */
static void measure_evict(kiosk_fonts *f)
{
    while (f->tail && f->measure_bytes > KIOSK_FONTS_MEASURE_BUDGET) {
        measure_entry *e = f->tail;
        measure_entry **p = &f->measure[e->hash & (MEASURE_BUCKETS - 1)];
        while (*p != e)
            p = &(*p)->chain;
        *p = e->chain;
        measure_unlink(f, e);
        f->measure_bytes -= measure_size(e->len);
        free(e);
    }
}

/* Remembers a width; out of memory only means it is measured again next time. */
static void measure_keep(kiosk_fonts *f, uint32_t h, int face, int px, const char *utf8, size_t len,
                         int width)
{
    if (measure_size(len) > KIOSK_FONTS_MEASURE_BUDGET / 16)
        return; /* a text that long is rare: it would only push out many short ones */
    measure_entry *e = malloc(measure_size(len));
    if (!e)
        return;
    e->hash = h;
    e->face = face;
    e->px = px;
    e->width = width;
    e->len = len;
    memcpy(e->text, utf8, len);
    measure_entry **b = &f->measure[h & (MEASURE_BUCKETS - 1)];
    e->chain = *b;
    *b = e;
    measure_push(f, e);
    f->measure_bytes += measure_size(len);
    measure_evict(f);
}

int kiosk_fonts_measure(kiosk_fonts *f, int font, const char *utf8, size_t len)
{
    f->stats.measure_calls++;
    if (len == 0)
        return 0;
    if (len > KIOSK_FONTS_TEXT_MAX) {
        if (!(f->warned & 0x100u))
            dk_warn("text of %zu bytes not measured: the limit is %d", len, KIOSK_FONTS_TEXT_MAX);
        f->warned |= 0x100u;
        return -1;
    }
    int bits;
    int style = style_of(f, font, &bits);
    int face = f->face_for_bits[bits], px = f->px[style];
    uint32_t h = fnv1a(face, px, utf8, len);
    for (measure_entry *e = f->measure[h & (MEASURE_BUCKETS - 1)]; e; e = e->chain) {
        if (e->hash == h && e->face == face && e->px == px && e->len == len &&
            memcmp(e->text, utf8, len) == 0) {
            f->stats.measure_hits++;
            measure_unlink(f, e);
            measure_push(f, e);
            return e->width;
        }
    }
    open_font *o = open_face(f, face, px);
    if (!o)
        return -1;
    char stack[STACK_TEXT];
    char *copy = len < sizeof stack ? stack : malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, utf8, len);
    copy[len] = '\0';
    int w = 0, ht = 0;
    int rc = TTF_SizeUTF8(o->font, copy, &w, &ht);
    if (copy != stack)
        free(copy);
    if (rc != 0) {
        if (!(f->warned & 0x200u))
            dk_warn("cannot measure text: %s", TTF_GetError());
        f->warned |= 0x200u;
        return -1;
    }
    measure_keep(f, h, face, px, utf8, len, w);
    return w;
}

static int backend_measure(void *ctx, int font, const char *utf8, size_t len)
{
    return kiosk_fonts_measure(ctx, font, utf8, len);
}

static void backend_metrics(void *ctx, int font, int *line_height, int *ascent)
{
    kiosk_fonts_metrics(ctx, font, line_height, ascent);
}

dk_ui_text_backend kiosk_fonts_backend(kiosk_fonts *f)
{
    dk_ui_text_backend b = {f, backend_measure, backend_metrics};
    return b;
}

void kiosk_fonts_get_stats(const kiosk_fonts *f, kiosk_fonts_stats *out)
{
    *out = f->stats;
    out->open_fonts = 0;
    for (int i = 0; i < KIOSK_FONTS_MAX_OPEN; i++)
        out->open_fonts += f->open[i].font != NULL;
}
