/* dk_richtext.h: Markdown and plain text as styled blocks, wrapped the way German needs. */
#ifndef DK_RICHTEXT_H
#define DK_RICHTEXT_H

#include "dk_arena.h"
#include "dk_error.h"

#include <stddef.h>

/* The module works in three steps, none of which needs a display:
 *   1. dk_richtext_parse_markdown() / dk_richtext_parse_plain() turn a body into a document: a
 *      flat list of blocks (paragraphs, headings, list items), each a list of styled runs;
 *   2. dk_richtext_lay_out() wraps the document to a width in pixels, using a measuring
 *      callback (TTF_SizeUTF8 on the kiosk, a fake monospace font in the tests), into lines of
 *      positioned spans that the SDL backend draws one texture each;
 *   3. dk_richtext_fit_label() wraps a button caption into at most N lines and says whether it
 *      fits, so the caller can shrink the font instead of letting text overflow the button.
 *
 * Line breaks are allowed only at spaces, at soft hyphens (U+00AD, then drawn as '-'), at a
 * zero-width space (U+200B), after a hyphen ('-' or U+2010) or '/' inside a word, and at hard
 * line breaks. A word is never cut anywhere else: a word wider than the line gets a line of its
 * own and the line is flagged as overflowing. A no-break space (U+00A0, U+202F) never breaks.
 *
 * All memory comes from the caller's arena: the results stay valid until the arena is reset
 * or freed, and nothing has to be freed on its own. On failure the output is zeroed and the
 * arena may hold a partial result, which goes with the arena. */

/* --- Limits (a body is at most DK_LIMIT_MARKDOWN = 32 KiB, so these are generous) --- */
#define DK_RICHTEXT_MAX_INPUT  (1024 * 1024) /* [bytes] longest text accepted for parsing */
#define DK_RICHTEXT_MAX_BLOCKS 10000         /* [blocks] per document */
#define DK_RICHTEXT_MAX_RUNS   50000         /* [runs] per document */
#define DK_RICHTEXT_MAX_LINES  20000         /* [lines] per layout */
/* Lists nested deeper than this are drawn at this depth, with bullets instead of numbers. */
#define DK_RICHTEXT_MAX_DEPTH 8 /* [levels] */

/* --- Styles ---
 * A style is the emphasis bits plus the heading level (0 = body text, 1 to 3). The backend maps
 * each distinct style to a font: DK_RICHTEXT_STYLE_COUNT values are possible. */
#define DK_RICHTEXT_REGULAR            0
#define DK_RICHTEXT_BOLD               1 /* **strong** */
#define DK_RICHTEXT_ITALIC             2 /* *emphasis* */
#define DK_RICHTEXT_STYLE(bits, level) ((bits) | ((level) << 2))
#define DK_RICHTEXT_STYLE_BITS(style)  ((style)&3)
#define DK_RICHTEXT_STYLE_LEVEL(style) (((style) >> 2) & 3)
#define DK_RICHTEXT_LEVELS             4 /* body text and heading levels 1 to 3 */
#define DK_RICHTEXT_STYLE_COUNT        16

/* Width in pixels of utf8[0..len) set in style (never called with len 0). The text is valid
 * UTF-8 and NUL-terminated at utf8[len], so it can go to TTF_SizeUTF8() as it is; it is only
 * borrowed for the call. Return a negative value when measuring fails: the layout then fails
 * with DK_ERR_INVALID. */
typedef int (*dk_measure_fn)(void *ctx, int style, const char *utf8, size_t len);

/* --- The document --- */

typedef enum dk_richtext_kind {
    DK_RICHTEXT_PARAGRAPH,
    DK_RICHTEXT_HEADING,
    DK_RICHTEXT_LIST_ITEM,
} dk_richtext_kind;

/* Text in one style. The text is valid UTF-8 with white space collapsed to single spaces; it
 * keeps soft hyphens and no-break spaces, and holds '\n' for a hard line break. Not
 * NUL-terminated; never empty. */
typedef struct dk_richtext_run {
    int style;
    const char *text;
    size_t len;
} dk_richtext_run;

typedef struct dk_richtext_block {
    dk_richtext_kind kind;
    int level;         /* 1 to 3 for a heading (#### and deeper count as 3), else 0 */
    int depth;         /* list nesting: 0 outside lists, 1 for a top-level item; a paragraph
                          inside a list item (a continuation) has the item's depth */
    const char *label; /* "•", "–" or "3." for a list item, NUL-terminated; NULL otherwise */
    const dk_richtext_run *runs;
    size_t nruns; /* 0 only for an empty list item */
} dk_richtext_block;

typedef struct dk_richtext_doc {
    const dk_richtext_block *blocks;
    size_t nblocks; /* 0 for empty or blank input */
} dk_richtext_doc;

/* Parses a Markdown body (CommonMark with raw HTML shown as text): headings, paragraphs,
 * *emphasis*, **strong**, bullet and numbered lists (nested), links as their text, soft line
 * breaks as spaces, hard line breaks kept, entities decoded. Bytes that are not UTF-8 become
 * U+FFFD, control characters are dropped. text may be NULL when len is 0.
 * Fails with DK_ERR_LIMIT (input, blocks, runs, or the arena's budget), DK_ERR_NOMEM. */
dk_err dk_richtext_parse_markdown(dk_arena *arena, const char *text, size_t len,
                                  dk_richtext_doc *out) DK_MUST_CHECK;

/* Parses plain text: every line is a paragraph in the regular style; blank lines are skipped.
 * Fails like dk_richtext_parse_markdown(). */
dk_err dk_richtext_parse_plain(dk_arena *arena, const char *text, size_t len,
                               dk_richtext_doc *out) DK_MUST_CHECK;

/* --- Layout --- */

/* Metrics of the font used for one level (body text or a heading level). */
typedef struct dk_richtext_font {
    int line_height;  /* [px] from one line's top to the next (about 1.4 × the font size) */
    int ascent;       /* [px] from a line's top to its baseline */
    int space_before; /* [px] at least this much above a block of this level */
    int space_after;  /* [px] at least this much below a block of this level */
} dk_richtext_font;

typedef struct dk_richtext_metrics {
    dk_richtext_font font[DK_RICHTEXT_LEVELS]; /* [0] body text, [1..3] headings */
    int list_indent;       /* [px] per list level; the item's text starts one indent in */
    int label_gap;         /* [px] at least this between a bullet or number and the text */
    int list_item_spacing; /* [px] between two blocks that are both inside a list */
} dk_richtext_metrics;

/* A piece of one line in one style, drawn with its left edge at x and the line's top at y
 * (or its baseline at baseline). The text is arena-owned and NUL-terminated: soft hyphens are
 * removed, and a '-' is appended where the line was broken at one. */
typedef struct dk_richtext_span {
    int x, y;     /* [px] relative to the layout's top left corner */
    int baseline; /* [px] y + the ascent of the line's level */
    int width;    /* [px] as measured */
    int style;
    int is_label; /* 1 for a list item's bullet or number */
    const char *text;
    size_t len;
} dk_richtext_span;

typedef struct dk_richtext_line {
    int x;                     /* [px] where the text starts (list items are indented) */
    int y;                     /* [px] top of the line */
    int height;                /* [px] the line height of the level */
    int baseline;              /* [px] y + ascent */
    int width;                 /* [px] of the text, without the indent and the label */
    int overflow;              /* 1 if a word without a break opportunity is wider than the line */
    size_t block;              /* index into the document's blocks */
    size_t first_span, nspans; /* into dk_richtext_layout.spans; a label comes first */
} dk_richtext_line;

typedef struct dk_richtext_layout {
    const dk_richtext_line *lines;
    size_t nlines;
    const dk_richtext_span *spans;
    size_t nspans;
    int height;         /* [px] from the first line's top to the last line's bottom */
    int max_line_width; /* [px] rightmost pixel of any line's text, indent included */
    size_t overflows;   /* number of lines with overflow set */
} dk_richtext_layout;

/* Wraps doc to width pixels. Lines are filled greedily; runs of different styles share a line.
 * The spacing between blocks is the larger of the upper block's space_after and the lower's
 * space_before (list_item_spacing between blocks of a list). An overflowing word is not an
 * error: it is counted in out->overflows for the caller to shrink the font or report.
 * Fails with DK_ERR_INVALID (width < 1, bad metrics, measure returned < 0), DK_ERR_LIMIT (more
 * than DK_RICHTEXT_MAX_LINES lines, or the arena's budget). */
dk_err dk_richtext_lay_out(dk_arena *arena, const dk_richtext_doc *doc, int width,
                           const dk_richtext_metrics *metrics, dk_measure_fn measure, void *ctx,
                           dk_richtext_layout *out) DK_MUST_CHECK;

/* --- Labels (button captions) --- */

#define DK_RICHTEXT_LABEL_MAX_LINES 8 /* [lines] most a label may be given */

typedef struct dk_richtext_label_line {
    const char *text; /* arena-owned, NUL-terminated, soft hyphens handled as in spans */
    size_t len;
    int width; /* [px] */
} dk_richtext_label_line;

typedef struct dk_richtext_label {
    dk_richtext_label_line lines[DK_RICHTEXT_LABEL_MAX_LINES];
    size_t nlines; /* at most the max_lines asked for */
    int max_width; /* [px] widest line */
    int fits;      /* 1: the whole label is in lines and no line is wider than width */
} dk_richtext_label;

/* Wraps a plain-text label (one style; '\n' forces a line break) into at most max_lines lines
 * of width pixels, with the same break rules as dk_richtext_lay_out(). When the label needs
 * more lines, or a word is wider than width, fits is 0 and lines hold only the first lines:
 * the caller must then use a smaller font or a wider button, never draw them as they are.
 * An empty label fits in 0 lines. Fails with DK_ERR_INVALID (width < 1, max_lines 0 or more
 * than DK_RICHTEXT_LABEL_MAX_LINES, measure returned < 0), DK_ERR_LIMIT (the arena's budget,
 * text longer than DK_RICHTEXT_MAX_INPUT). */
dk_err dk_richtext_fit_label(dk_arena *arena, const char *text, size_t len, int style, int width,
                             size_t max_lines, dk_measure_fn measure, void *ctx,
                             dk_richtext_label *out) DK_MUST_CHECK;

#endif
