/* kiosk_fonts.h: the kiosk's typeface: Noto Sans opened with SDL_ttf at the theme's pixel sizes,
 * and the text measurements dk_ui asks for. UI thread only. */
#ifndef KIOSK_FONTS_H
#define KIOSK_FONTS_H

#include "dk_error.h"
#include "dk_theme.h"
#include "dk_ui.h"

#include <SDL_ttf.h>
#include <stddef.h>

/* Tunables. */
#define KIOSK_FONTS_SYSTEM_DIR  "/usr/share/fonts/truetype/noto" /* Debian's fonts-noto-core */
#define KIOSK_FONTS_MAX_OPEN    24    /* [fonts] open TTF_Font objects (face x size) kept */
#define KIOSK_FONTS_TEXT_MAX    16384 /* [bytes] longest text measured or rendered in one piece */
#define KIOSK_FONTS_LINE_HEIGHT 1.4   /* [em] line height when the metrics give none (UI.md) */
/* [bytes] measured widths kept (LRU), text included: about 15,000 words and lines, several
 * screens' worth, so that laying out a page again (every frame while it scrolls) costs no
 * shaping. Texts over a sixteenth of it are measured every time. */
#define KIOSK_FONTS_MEASURE_BUDGET (1u << 20)

/* The four faces, indexed by dk_ui's emphasis bits (DK_UI_BOLD | DK_UI_ITALIC). */
#define KIOSK_FONTS_FILE_REGULAR     "NotoSans-Regular.ttf"
#define KIOSK_FONTS_FILE_BOLD        "NotoSans-Bold.ttf"
#define KIOSK_FONTS_FILE_ITALIC      "NotoSans-Italic.ttf"
#define KIOSK_FONTS_FILE_BOLD_ITALIC "NotoSans-BoldItalic.ttf"

typedef struct kiosk_fonts kiosk_fonts;

/* Finds the faces and opens the regular one at the body size to prove it works. Each face is
 * looked for in font_dir first (NULL or "" to skip, e.g. "assets/fonts"), then in
 * KIOSK_FONTS_SYSTEM_DIR. A missing bold or italic face falls back to the nearest one found
 * (logged once); a missing regular face fails with DK_ERR_NOTFOUND, one that SDL_ttf cannot open
 * with DK_ERR_INVALID (detail names the file and TTF_GetError()); DK_ERR_NOMEM. metrics gives
 * the first size set (read during the call only). TTF_Init() must have succeeded. On success
 * *out is owned by the caller: free it with kiosk_fonts_free() before TTF_Quit(). */
dk_err kiosk_fonts_new(const char *font_dir, const dk_metrics *metrics,
                       kiosk_fonts **out) DK_MUST_CHECK;
void kiosk_fonts_free(kiosk_fonts *fonts); /* accepts NULL */

/* Takes the pixel sizes and line heights of every DK_FONT_* style from metrics (read during the
 * call only), e.g. when larger-text mode or the window size changes. Fonts for sizes in use stay
 * open; new sizes open on first use. Measurements are kept per face and size, so they stay
 * right (and switching back finds them). Returns 1 if any size changed, 0 if not. Can't fail. */
int kiosk_fonts_set_metrics(kiosk_fonts *fonts, const dk_metrics *metrics);

/* The text backend for dk_ui_new(), with ctx = fonts: valid as long as fonts lives. */
dk_ui_text_backend kiosk_fonts_backend(kiosk_fonts *fonts);

/* Width [px] of utf8[0..len) (need not be NUL-terminated) in dk_ui font id font (DK_UI_FONT()),
 * kerned and shaped as it will be drawn. Answered from a cache of KIOSK_FONTS_MEASURE_BUDGET
 * bytes when it was measured before in the same face and size. 0 for len 0; -1 if the font
 * cannot be opened, the text is longer than KIOSK_FONTS_TEXT_MAX or SDL_ttf fails (logged once
 * per kind; failures are not cached). */
int kiosk_fonts_measure(kiosk_fonts *fonts, int font, const char *utf8, size_t len);

/* A font's line height (top of one line to the next) and ascent (line top to baseline) [px].
 * The line height is the theme's for the style (about 1.4 em for text); the glyph box
 * (ascender to descender) sits centred in it, half the leading above and half below. Can't
 * fail: without a usable font it estimates both from the size. */
void kiosk_fonts_metrics(kiosk_fonts *fonts, int font, int *line_height, int *ascent);

/* The TTF_Font for a dk_ui font id at the current size (opened on first use, hinting light,
 * kerning on, Latin script, left to right). Borrowed: valid until the next call of any
 * kiosk_fonts function, which may close the least recently used font. NULL if it cannot be
 * opened (logged once). */
TTF_Font *kiosk_fonts_get(kiosk_fonts *fonts, int font);

/* Offset [px] from a line's top to the top of the image TTF_Render* makes for the font: add it
 * to a DK_CMD_TEXT's rect.y. May be negative (the glyph box is taller than a tight line). */
int kiosk_fonts_glyph_top(kiosk_fonts *fonts, int font);

/* The em size [px] a dk_ui font id is set in now (0 for a bad id). Can't fail. */
int kiosk_fonts_px(const kiosk_fonts *fonts, int font);

/* Counters for the staff screen and tests. */
typedef struct kiosk_fonts_stats {
    int open_fonts;                   /* TTF_Font objects open now */
    unsigned long long fonts_opened;  /* TTF_OpenFont calls that succeeded, ever */
    unsigned long long measure_calls; /* kiosk_fonts_measure() calls */
    unsigned long long measure_hits;  /* ... answered from the measurement cache */
} kiosk_fonts_stats;
void kiosk_fonts_get_stats(const kiosk_fonts *fonts, kiosk_fonts_stats *out);

#endif
