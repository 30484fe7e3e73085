/* dk_richtext.c: Markdown and plain text to styled blocks (md4c), and greedy line wrapping. */
#include "dk_richtext.h"

#include "dk_text.h"

#include <md4c.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CP_SOFT_HYPHEN         0x00ADu
#define CP_HYPHEN              0x2010u
#define CP_ZERO_WIDTH_SPACE    0x200Bu
#define CP_LINE_SEPARATOR      0x2028u
#define CP_PARAGRAPH_SEPARATOR 0x2029u
#define CP_BYTE_ORDER_MARK     0xFEFFu

static const char replacement_char[] = "\xEF\xBF\xBD"; /* U+FFFD for bytes that are not UTF-8 */

#define MAX_METRIC 65535 /* [px] largest line height, spacing or indent accepted */
/* A line holds its item's label (first line only) and one span per run on it; a run gives more
 * than one span only where a line ends inside it. So spans <= labels + runs + lines. */
#define MAX_SPANS (DK_RICHTEXT_MAX_LINES + DK_RICHTEXT_MAX_RUNS + DK_RICHTEXT_MAX_BLOCKS)
/* Each input byte gives at most 3 bytes of text (one U+FFFD). */
#define MAX_TEXT (3 * (size_t)DK_RICHTEXT_MAX_INPUT + 64) /* [bytes] */

/* Makes room for need items of size bytes in an array grown inside the arena. A grown array
 * leaves its old copy in the arena until the arena is reset: at most as much again as the final
 * array, which buys callers a single owner for everything. DK_ERR_LIMIT past max items. */
static dk_err reserve(dk_arena *arena, void **items, size_t *cap, size_t need, size_t size,
                      size_t max, const char *what)
{
    if (need <= *cap)
        return DK_OK;
    if (need > max)
        return dk_error_set(DK_ERR_LIMIT, "more than %zu %s", max, what);
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap = ncap > max / 2 ? max : ncap * 2;
    void *grown = dk_arena_alloc(arena, ncap * size);
    if (!grown) /* the arena has set the detail; its budget is the usual cause */
        return DK_ERR_LIMIT;
    if (*cap)
        memcpy(grown, *items, *cap * size);
    *items = grown;
    *cap = ncap;
    return DK_OK;
}

/* ===================================== Documents ===================================== */

typedef struct run_record {
    size_t start, len; /* in builder.text, which may still move */
    int style;
} run_record;

typedef struct block_record {
    dk_richtext_kind kind;
    int level, depth;
    const char *label;
    size_t first_run, nruns;
} block_record;

typedef struct list_level {
    int ordered;
    unsigned next;  /* number of the next item of an ordered list */
    char delimiter; /* '.' or ')' */
} list_level;

/* Collects blocks and runs while md4c (or the plain-text splitter) walks the input. Text is
 * normalised on the way in, so that a document is always clean: valid UTF-8, no control
 * characters, white space collapsed, nothing at the start or end of a block. */
typedef struct builder {
    dk_arena *arena;
    char *text;
    size_t text_len, text_cap;
    run_record *runs;
    size_t nruns, runs_cap;
    block_record *blocks;
    size_t nblocks, blocks_cap;

    int open;       /* blocks[nblocks - 1] takes the text that comes */
    int item_waits; /* the open block is a list item that has not had its first paragraph */
    dk_richtext_kind next_kind; /* what a block opened by arriving text will be */
    int next_level;
    /* White space is held back until more text follows, so that a block never starts or
     * ends with it; a hard break wins over a space. */
    int pending_space;
    int pending_space_style; /* a space keeps the style it had in the source */
    size_t pending_newlines;

    int strong, emphasis; /* span nesting */
    int depth;            /* list nesting */
    list_level lists[DK_RICHTEXT_MAX_DEPTH];
    int verbatim; /* inside a code block, where '\n' is a line break */
    dk_err err;
} builder;

static dk_err builder_init(builder *b, dk_arena *arena, size_t input_len)
{
    memset(b, 0, sizeof *b);
    b->arena = arena;
    b->next_kind = DK_RICHTEXT_PARAGRAPH;
    /* Text is about as long as the input; it grows only for bytes that become U+FFFD. */
    void *text = NULL;
    dk_err err = reserve(arena, &text, &b->text_cap, input_len + 16, 1, MAX_TEXT, "bytes of text");
    b->text = text;
    return err;
}

static int clamp_depth(int depth)
{
    return depth > DK_RICHTEXT_MAX_DEPTH ? DK_RICHTEXT_MAX_DEPTH : depth;
}

static void close_block(builder *b)
{
    b->open = 0;
    b->item_waits = 0;
    b->pending_space = 0;
    b->pending_newlines = 0;
}

static void open_block(builder *b, dk_richtext_kind kind, int level, const char *label)
{
    close_block(b);
    void *blocks = b->blocks;
    b->err = reserve(b->arena, &blocks, &b->blocks_cap, b->nblocks + 1, sizeof *b->blocks,
                     DK_RICHTEXT_MAX_BLOCKS, "blocks");
    b->blocks = blocks;
    if (b->err)
        return;
    b->blocks[b->nblocks++] =
        (block_record){kind, level, clamp_depth(b->depth), label, b->nruns, 0};
    b->open = 1;
}

static block_record *open_block_or_null(builder *b)
{
    return b->open ? &b->blocks[b->nblocks - 1] : NULL;
}

static dk_err append_text(builder *b, const char *bytes, size_t n)
{
    void *text = b->text;
    dk_err err =
        reserve(b->arena, &text, &b->text_cap, b->text_len + n, 1, MAX_TEXT, "bytes of text");
    b->text = text;
    if (err)
        return err;
    memcpy(b->text + b->text_len, bytes, n);
    b->text_len += n;
    return DK_OK;
}

/* Appends to the block's last run if it has this style, else starts a run. */
static void append_styled(builder *b, block_record *block, const char *bytes, size_t n, int style)
{
    if (block->nruns == 0 || b->runs[b->nruns - 1].style != style) {
        void *runs = b->runs;
        b->err = reserve(b->arena, &runs, &b->runs_cap, b->nruns + 1, sizeof *b->runs,
                         DK_RICHTEXT_MAX_RUNS, "runs of text");
        b->runs = runs;
        if (b->err)
            return;
        b->runs[b->nruns++] = (run_record){b->text_len, 0, style};
        block->nruns++;
    }
    if (!(b->err = append_text(b, bytes, n)))
        b->runs[b->nruns - 1].len += n;
}

/* Appends one visible character in style, opening a block if none is open. */
static void add_char(builder *b, const char *bytes, size_t n, int style)
{
    if (b->err)
        return;
    if (!b->open) {
        open_block(b, b->next_kind, b->next_level, NULL);
        if (b->err)
            return;
    }
    block_record *block = &b->blocks[b->nblocks - 1];
    if (block->nruns > 0) {
        /* A hard break is never drawn, so it joins the run before it, whatever its style. */
        for (; b->pending_newlines > 0 && !b->err; b->pending_newlines--)
            if (!(b->err = append_text(b, "\n", 1)))
                b->runs[b->nruns - 1].len++;
        if (b->pending_space && !b->err)
            append_styled(b, block, " ", 1, b->pending_space_style);
        b->pending_space = 0;
    }
    if (!b->err)
        append_styled(b, block, bytes, n, style);
}

static void add_space(builder *b, int style)
{
    block_record *block = open_block_or_null(b);
    if (block && block->nruns > 0 && b->pending_newlines == 0 && !b->pending_space) {
        b->pending_space = 1;
        b->pending_space_style = style;
    }
}

static void add_newline(builder *b)
{
    block_record *block = open_block_or_null(b);
    if (block && block->nruns > 0) {
        b->pending_space = 0;
        b->pending_newlines++;
    }
}

/* Adds s[0..n) in style, normalising it: invalid bytes become U+FFFD, control characters
 * vanish, white space collapses; '\n' is a hard break when newline_breaks, else a space. */
static void feed(builder *b, const char *s, size_t n, int style, int newline_breaks)
{
    size_t i = 0;
    while (i < n && !b->err) {
        uint32_t cp;
        size_t k = dk_utf8_decode(s + i, n - i, &cp);
        if (cp == DK_TEXT_INVALID)
            add_char(b, replacement_char, 3, style);
        else if (cp == '\n')
            newline_breaks ? add_newline(b) : add_space(b, style);
        else if (cp == CP_LINE_SEPARATOR || cp == CP_PARAGRAPH_SEPARATOR)
            add_newline(b);
        else if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\f' || cp == '\v')
            add_space(b, style);
        else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == CP_BYTE_ORDER_MARK)
            ; /* invisible control characters: nothing to draw, nothing to break at */
        else
            add_char(b, s + i, k, style);
        i += k;
    }
}

/* Copies the finished records into the public, arena-owned document. */
static dk_err builder_finish(builder *b, dk_richtext_doc *out)
{
    close_block(b);
    if (b->err)
        return b->err;
    if (b->nblocks == 0)
        return DK_OK;
    dk_richtext_block *blocks = dk_arena_alloc(b->arena, b->nblocks * sizeof *blocks);
    dk_richtext_run *runs = b->nruns ? dk_arena_alloc(b->arena, b->nruns * sizeof *runs) : NULL;
    if (!blocks || (b->nruns && !runs))
        return DK_ERR_LIMIT; /* detail set by the arena */
    for (size_t i = 0; i < b->nruns; i++)
        runs[i] = (dk_richtext_run){b->runs[i].style, b->text + b->runs[i].start, b->runs[i].len};
    for (size_t i = 0; i < b->nblocks; i++) {
        const block_record *r = &b->blocks[i];
        blocks[i] = (dk_richtext_block){
            r->kind, r->level, r->depth, r->label, r->nruns ? runs + r->first_run : NULL, r->nruns};
    }
    out->blocks = blocks;
    out->nblocks = b->nblocks;
    return DK_OK;
}

static dk_err check_input(const char *text, size_t len, dk_richtext_doc *out)
{
    memset(out, 0, sizeof *out);
    if (!text && len > 0)
        return dk_error_set(DK_ERR_INVALID, "no text given for %zu bytes", len);
    if (len > DK_RICHTEXT_MAX_INPUT)
        return dk_error_set(DK_ERR_LIMIT, "text of %zu bytes is longer than %d", len,
                            DK_RICHTEXT_MAX_INPUT);
    return DK_OK;
}

dk_err dk_richtext_parse_plain(dk_arena *arena, const char *text, size_t len, dk_richtext_doc *out)
{
    dk_err err = check_input(text, len, out);
    if (err || len == 0)
        return err;
    builder b;
    if ((err = builder_init(&b, arena, len)))
        return err;
    size_t i = 0;
    while (i < len && !b.err) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        feed(&b, text + i, end - i, DK_RICHTEXT_REGULAR, 0);
        close_block(&b);
        i = end + 1;
    }
    return builder_finish(&b, out);
}

/* --- Markdown through md4c --- */

static int style_now(const builder *b)
{
    int bits = (b->strong ? DK_RICHTEXT_BOLD : 0) | (b->emphasis ? DK_RICHTEXT_ITALIC : 0);
    int level = b->open                               ? b->blocks[b->nblocks - 1].level
                : b->next_kind == DK_RICHTEXT_HEADING ? b->next_level
                                                      : 0;
    return DK_RICHTEXT_STYLE(bits, level);
}

/* "•" or "–" by depth, or the item's number as the list writes it ("3." or "3)"). */
static const char *item_label(builder *b)
{
    if (b->depth >= 1 && b->depth <= DK_RICHTEXT_MAX_DEPTH && b->lists[b->depth - 1].ordered) {
        list_level *list = &b->lists[b->depth - 1];
        char number[16];
        snprintf(number, sizeof number, "%u%c", list->next++, list->delimiter);
        const char *label = dk_arena_strdup(b->arena, number);
        if (!label)
            b->err = DK_ERR_LIMIT; /* detail set by the arena */
        return label;
    }
    return clamp_depth(b->depth) % 2 == 1 ? "\xE2\x80\xA2" : "\xE2\x80\x93";
}

static int md_enter_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    builder *b = user;
    switch (type) {
    case MD_BLOCK_DOC:
        break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
        close_block(b);
        b->depth++;
        if (b->depth <= DK_RICHTEXT_MAX_DEPTH) {
            list_level *list = &b->lists[b->depth - 1];
            if (type == MD_BLOCK_OL) {
                const MD_BLOCK_OL_DETAIL *ol = detail;
                *list = (list_level){1, ol->start, ol->mark_delimiter};
            } else {
                *list = (list_level){0, 0, 0};
            }
        }
        b->next_kind = DK_RICHTEXT_PARAGRAPH;
        b->next_level = 0;
        break;
    case MD_BLOCK_LI: {
        const char *label = item_label(b);
        if (!b->err) {
            open_block(b, DK_RICHTEXT_LIST_ITEM, 0, label);
            b->item_waits = 1;
        }
        break;
    }
    case MD_BLOCK_H: {
        const MD_BLOCK_H_DETAIL *h = detail;
        close_block(b);
        b->next_kind = DK_RICHTEXT_HEADING;
        b->next_level = h->level < 1 ? 1 : h->level > 3 ? 3 : (int)h->level;
        break;
    }
    case MD_BLOCK_P:
        if (b->open && b->item_waits) { /* a loose list item's first paragraph */
            b->item_waits = 0;
            break;
        }
        close_block(b);
        b->next_kind = DK_RICHTEXT_PARAGRAPH;
        b->next_level = 0;
        break;
    case MD_BLOCK_CODE:
    case MD_BLOCK_HTML:
        close_block(b);
        b->next_kind = DK_RICHTEXT_PARAGRAPH;
        b->next_level = 0;
        b->verbatim = 1;
        break;
    default: /* quotes, rules, tables: their text becomes paragraphs */
        close_block(b);
        b->next_kind = DK_RICHTEXT_PARAGRAPH;
        b->next_level = 0;
        break;
    }
    return b->err != DK_OK;
}

static int md_leave_block(MD_BLOCKTYPE type, void *detail, void *user)
{
    (void)detail;
    builder *b = user;
    if (type == MD_BLOCK_DOC)
        return 0;
    if (type == MD_BLOCK_UL || type == MD_BLOCK_OL)
        b->depth--;
    if (type == MD_BLOCK_CODE || type == MD_BLOCK_HTML)
        b->verbatim = 0;
    close_block(b);
    /* Text that follows (after a nested list, inside an item) is a continuation paragraph. */
    b->next_kind = DK_RICHTEXT_PARAGRAPH;
    b->next_level = 0;
    return 0;
}

static int md_enter_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)detail;
    builder *b = user;
    if (type == MD_SPAN_EM)
        b->emphasis++;
    else if (type == MD_SPAN_STRONG)
        b->strong++;
    return 0; /* links and images show their text; the target is not shown on a kiosk */
}

static int md_leave_span(MD_SPANTYPE type, void *detail, void *user)
{
    (void)detail;
    builder *b = user;
    if (type == MD_SPAN_EM && b->emphasis > 0)
        b->emphasis--;
    else if (type == MD_SPAN_STRONG && b->strong > 0)
        b->strong--;
    return 0;
}

/* The code point of an entity ("&auml;", "&#228;", "&#xE4;"), or DK_TEXT_INVALID for a name
 * this module does not know (CommonMark then shows it as it is written). */
static uint32_t entity_code_point(const char *e, size_t n)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } named[] = {
        {"&amp;", '&'},       {"&lt;", '<'},
        {"&gt;", '>'},        {"&quot;", '"'},
        {"&apos;", '\''},     {"&nbsp;", 0xA0},
        {"&shy;", 0xAD},      {"&ndash;", 0x2013},
        {"&mdash;", 0x2014},  {"&hellip;", 0x2026},
        {"&euro;", 0x20AC},   {"&bdquo;", 0x201E},
        {"&ldquo;", 0x201C},  {"&rdquo;", 0x201D},
        {"&sbquo;", 0x201A},  {"&lsquo;", 0x2018},
        {"&rsquo;", 0x2019},  {"&laquo;", 0xAB},
        {"&raquo;", 0xBB},    {"&auml;", 0xE4},
        {"&ouml;", 0xF6},     {"&uuml;", 0xFC},
        {"&Auml;", 0xC4},     {"&Ouml;", 0xD6},
        {"&Uuml;", 0xDC},     {"&szlig;", 0xDF},
        {"&copy;", 0xA9},     {"&deg;", 0xB0},
        {"&middot;", 0xB7},   {"&bull;", 0x2022},
        {"&thinsp;", 0x2009}, {"&ZeroWidthSpace;", CP_ZERO_WIDTH_SPACE},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == n && memcmp(named[i].name, e, n) == 0)
            return named[i].cp;
    if (n < 4 || e[0] != '&' || e[1] != '#' || e[n - 1] != ';')
        return DK_TEXT_INVALID;
    int hex = e[2] == 'x' || e[2] == 'X';
    uint32_t cp = 0;
    size_t first = hex ? 3 : 2;
    if (first >= n - 1)
        return DK_TEXT_INVALID;
    for (size_t i = first; i < n - 1; i++) {
        char c = e[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : !hex                 ? -1
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return DK_TEXT_INVALID;
        if (cp <= 0x10FFFF) /* keep reading the digits, but stop growing */
            cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
    }
    return cp; /* 0, surrogates and too large ones become U+FFFD in add_entity() */
}

static void add_entity(builder *b, const char *e, size_t n, int style)
{
    uint32_t cp = entity_code_point(e, n);
    if (cp == DK_TEXT_INVALID) {
        feed(b, e, n, style, 0);
        return;
    }
    char utf8[4];
    size_t k = cp == 0 ? 0 : dk_utf8_encode(cp, utf8);
    if (k == 0)
        add_char(b, replacement_char, 3, style);
    else
        feed(b, utf8, k, style, 0); /* so that &#10; is white space and &shy; a soft hyphen */
}

static int md_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user)
{
    builder *b = user;
    int style = style_now(b);
    switch (type) {
    case MD_TEXT_NULLCHAR:
        add_char(b, replacement_char, 3, style);
        break;
    case MD_TEXT_BR:
        add_newline(b);
        break;
    case MD_TEXT_SOFTBR:
        add_space(b, style);
        break;
    case MD_TEXT_ENTITY:
        add_entity(b, text, size, style);
        break;
    default: /* normal text, code, raw HTML shown as text */
        feed(b, text, size, style, b->verbatim);
        break;
    }
    return b->err != DK_OK;
}

dk_err dk_richtext_parse_markdown(dk_arena *arena, const char *text, size_t len,
                                  dk_richtext_doc *out)
{
    dk_err err = check_input(text, len, out);
    if (err || len == 0)
        return err;
    builder b;
    if ((err = builder_init(&b, arena, len)))
        return err;
    MD_PARSER parser = {
        .abi_version = 0,
        .flags = MD_FLAG_NOHTML,
        .enter_block = md_enter_block,
        .leave_block = md_leave_block,
        .enter_span = md_enter_span,
        .leave_span = md_leave_span,
        .text = md_text,
    };
    int rc = md_parse(text, (MD_SIZE)len, &parser, &b);
    if (b.err)
        return b.err;
    if (rc != 0)
        return dk_error_set(DK_ERR_NOMEM, "the Markdown parser ran out of memory");
    return builder_finish(&b, out);
}

/* ====================================== Wrapping ====================================== */

typedef enum break_kind {
    BREAK_SPACE,       /* the space is dropped */
    BREAK_NEWLINE,     /* a hard break: the line must end here */
    BREAK_SOFT_HYPHEN, /* the line ends with a '-' that is not in the text */
    BREAK_ZERO_WIDTH,  /* at a zero-width space, which is not in the text */
    BREAK_AFTER,       /* after a hyphen or slash, which stays on the line */
    BREAK_END,         /* the end of the block */
} break_kind;

typedef struct break_at {
    size_t pos; /* byte offset in wrapper.text where the line may end */
    break_kind kind;
} break_at;

typedef struct style_range {
    size_t start, end;
    int style;
} style_range;

/* One block at a time: its text with the soft hyphens and zero-width spaces taken out (they
 * are break opportunities, not characters), the styles over it, and where it may break.
 * The buffers are sized once for the largest block and reused. */
typedef struct wrapper {
    dk_measure_fn measure;
    void *ctx;
    char *text;
    size_t len, text_cap;
    style_range *ranges;
    size_t nranges, ranges_cap;
    break_at *breaks;
    size_t nbreaks, breaks_cap;
    char *scratch; /* one piece of text, a hyphen and a NUL, for measuring */
    size_t scratch_cap;
} wrapper;

/* What choose_line() decided. */
typedef struct line_choice {
    size_t end;    /* the line is text[start..end) */
    size_t next;   /* where the next line starts */
    int hyphen;    /* a '-' is drawn after the text */
    int64_t width; /* [px] measured */
    int overflow;  /* wider than the space available */
} line_choice;

static dk_err wrapper_init(wrapper *w, dk_arena *arena, size_t max_text, size_t max_runs,
                           dk_measure_fn measure, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->measure = measure;
    w->ctx = ctx;
    w->text_cap = 3 * max_text + 4; /* bad bytes of a hand-made document become U+FFFD */
    w->scratch_cap = w->text_cap + 4;
    w->breaks_cap = max_text + 2; /* at most one per character, and the end */
    w->ranges_cap = max_runs + 1;
    w->text = dk_arena_alloc(arena, w->text_cap);
    w->scratch = dk_arena_alloc(arena, w->scratch_cap);
    w->breaks = dk_arena_alloc(arena, w->breaks_cap * sizeof *w->breaks);
    w->ranges = dk_arena_alloc(arena, w->ranges_cap * sizeof *w->ranges);
    if (!w->text || !w->scratch || !w->breaks || !w->ranges)
        return DK_ERR_LIMIT; /* detail set by the arena */
    return DK_OK;
}

static int is_white(char c)
{
    return c == ' ' || c == '\n';
}

static int is_break_char(char c)
{
    return c == '-' || c == '/';
}

/* Whether a break found while copying the text is a real opportunity. A soft hyphen, a
 * zero-width space, a hyphen or a slash breaks only inside a word: "Auf- und Abbau" breaks
 * at the space, "-5" and "und/ oder" do not break at the sign. */
static int break_allowed(const wrapper *w, const break_at *b)
{
    const char *t = w->text;
    switch (b->kind) {
    case BREAK_SOFT_HYPHEN:
    case BREAK_ZERO_WIDTH:
        return b->pos > 0 && b->pos < w->len && !is_white(t[b->pos - 1]) && !is_white(t[b->pos]);
    case BREAK_AFTER: {
        if (b->pos >= w->len || is_white(t[b->pos]) || is_break_char(t[b->pos]))
            return 0;
        size_t sign = b->pos - 1; /* start of the hyphen or slash, which may be U+2010 */
        while (sign > 0 && ((unsigned char)t[sign] & 0xC0) == 0x80)
            sign--;
        return sign > 0 && !is_white(t[sign - 1]);
    }
    default:
        return 1;
    }
}

static void append_clean(wrapper *w, const char *bytes, size_t n)
{
    memcpy(w->text + w->len, bytes, n);
    w->len += n;
}

static void add_break(wrapper *w, break_kind kind)
{
    w->breaks[w->nbreaks++] = (break_at){w->len, kind};
}

/* Loads one block's runs. Never fails: the buffers were sized for the largest block. */
static void wrapper_load(wrapper *w, const dk_richtext_run *runs, size_t nruns)
{
    w->len = w->nranges = w->nbreaks = 0;
    for (size_t r = 0; r < nruns; r++) {
        size_t start = w->len;
        const char *s = runs[r].text;
        size_t n = runs[r].len, i = 0;
        while (i < n) {
            uint32_t cp;
            size_t k = dk_utf8_decode(s + i, n - i, &cp);
            if (cp == DK_TEXT_INVALID) {
                append_clean(w, replacement_char, 3);
            } else if (cp == CP_SOFT_HYPHEN) {
                add_break(w, BREAK_SOFT_HYPHEN);
            } else if (cp == CP_ZERO_WIDTH_SPACE) {
                add_break(w, BREAK_ZERO_WIDTH);
            } else if (cp == ' ' || cp == '\n') {
                add_break(w, cp == ' ' ? BREAK_SPACE : BREAK_NEWLINE);
                append_clean(w, s + i, k);
            } else {
                append_clean(w, s + i, k);
                if (cp == '-' || cp == '/' || cp == CP_HYPHEN)
                    add_break(w, BREAK_AFTER);
            }
            i += k;
        }
        if (w->len > start)
            w->ranges[w->nranges++] = (style_range){start, w->len, runs[r].style};
    }
    add_break(w, BREAK_END);
    size_t kept = 0;
    for (size_t i = 0; i < w->nbreaks; i++)
        if (break_allowed(w, &w->breaks[i]))
            w->breaks[kept++] = w->breaks[i];
    w->nbreaks = kept;
}

/* Index of the style range holding byte pos (ranges cover the text without gaps). */
static size_t range_at(const wrapper *w, size_t pos)
{
    size_t lo = 0, hi = w->nranges;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->ranges[mid].start <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Measures s[0..n), which must be NUL-terminated at s[n]. */
static dk_err measure_text(const wrapper *w, int style, const char *s, size_t n, int64_t *width)
{
    *width = 0;
    if (n == 0)
        return DK_OK;
    int v = w->measure(w->ctx, style, s, n);
    if (v < 0)
        return dk_error_set(DK_ERR_INVALID, "measuring %zu bytes of text in style %d failed", n,
                            style);
    *width = v;
    return DK_OK;
}

/* Width of text[a..e), each style measured on its own, with a '-' after it when hyphen. Each
 * piece is copied so that it ends in a NUL, which is what TTF_SizeUTF8() needs. */
static dk_err measure_range(wrapper *w, size_t a, size_t e, int hyphen, int64_t *width)
{
    *width = 0;
    if (e <= a)
        return DK_OK;
    for (size_t r = range_at(w, a); r < w->nranges && w->ranges[r].start < e; r++) {
        size_t from = a > w->ranges[r].start ? a : w->ranges[r].start;
        size_t to = e < w->ranges[r].end ? e : w->ranges[r].end;
        if (to <= from)
            continue;
        size_t n = to - from;
        memcpy(w->scratch, w->text + from, n);
        if (hyphen && to == e) /* the hyphen is shaped with the syllable it ends */
            w->scratch[n++] = '-';
        w->scratch[n] = '\0';
        int64_t piece;
        dk_err err = measure_text(w, w->ranges[r].style, w->scratch, n, &piece);
        if (err)
            return err;
        *width += piece;
    }
    return DK_OK;
}

static int is_forced(const break_at *b)
{
    return b->kind == BREAK_NEWLINE || b->kind == BREAK_END;
}

/* Where a line starting at start ends if it breaks at b (spaces before a break are dropped). */
static size_t line_end(const wrapper *w, const break_at *b, size_t start)
{
    size_t e = b->pos;
    if (b->kind == BREAK_SPACE || b->kind == BREAK_NEWLINE || b->kind == BREAK_END)
        while (e > start && w->text[e - 1] == ' ')
            e--;
    return e;
}

static int usable(const wrapper *w, const break_at *b, size_t start)
{
    return b->pos >= start && (line_end(w, b, start) > start || is_forced(b));
}

/* Picks where the line starting at start ends, filling it greedily up to avail pixels.
 * Candidates are judged by adding up the widths of the pieces between breaks (so a long
 * paragraph is measured in linear time), then the chosen line is measured whole, because
 * shaping can make the whole a little wider than its parts; if it is, the line gives back
 * one break at a time. When not even the first word fits, it gets the line to itself.
 * *cursor is the first break to look at, moved past the chosen one. */
static dk_err choose_line(wrapper *w, size_t start, int avail, size_t *cursor, line_choice *out)
{
    const size_t none = SIZE_MAX;
    size_t first = none, best = none, seg = start;
    int64_t sum = 0;
    dk_err err;
    for (size_t k = *cursor; k < w->nbreaks; k++) {
        const break_at *b = &w->breaks[k];
        if (!usable(w, b, start))
            continue;
        size_t e = line_end(w, b, start);
        if (e > seg) {
            int64_t piece;
            if ((err = measure_range(w, seg, e, 0, &piece)))
                return err;
            sum += piece;
            seg = e;
        }
        int64_t candidate = sum;
        if (b->kind == BREAK_SOFT_HYPHEN) {
            int64_t hyphen;
            if ((err = measure_text(w, w->ranges[range_at(w, e - 1)].style, "-", 1, &hyphen)))
                return err;
            candidate += hyphen;
        }
        if (first == none)
            first = k;
        if (candidate > avail) {
            if (sum <= avail && b->kind == BREAK_SOFT_HYPHEN)
                continue; /* the rest of the word may be narrower than the hyphen */
            break;
        }
        best = k;
        if (is_forced(b))
            break;
    }
    if (first == none) /* cannot happen: the end of the block is always usable */
        return dk_error_set(DK_ERR_INVALID, "no place to end a line at byte %zu", start);
    size_t chosen = best != none ? best : first;
    int64_t width;
    for (;;) {
        const break_at *b = &w->breaks[chosen];
        if ((err = measure_range(w, start, line_end(w, b, start), b->kind == BREAK_SOFT_HYPHEN,
                                 &width)))
            return err;
        if (width <= avail || chosen == first)
            break;
        do
            chosen--;
        while (chosen > first && !usable(w, &w->breaks[chosen], start));
    }
    const break_at *b = &w->breaks[chosen];
    out->end = line_end(w, b, start);
    out->hyphen = b->kind == BREAK_SOFT_HYPHEN;
    out->width = width;
    out->overflow = width > avail;
    out->next = b->kind == BREAK_SPACE || b->kind == BREAK_NEWLINE ? b->pos + 1 : b->pos;
    while (out->next < w->len && w->text[out->next] == ' ')
        out->next++;
    *cursor = chosen + 1;
    return DK_OK;
}

static int clamp_int(int64_t v)
{
    return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

/* ====================================== Layout ====================================== */

typedef struct layout_builder {
    dk_arena *arena;
    dk_richtext_line *lines;
    size_t nlines, lines_cap;
    dk_richtext_span *spans;
    size_t nspans, spans_cap;
} layout_builder;

static dk_err add_span(layout_builder *lb, const dk_richtext_span *span)
{
    void *spans = lb->spans;
    dk_err err = reserve(lb->arena, &spans, &lb->spans_cap, lb->nspans + 1, sizeof *lb->spans,
                         MAX_SPANS, "spans of text");
    lb->spans = spans;
    if (!err)
        lb->spans[lb->nspans++] = *span;
    return err;
}

static dk_err add_line(layout_builder *lb, const dk_richtext_line *line)
{
    void *lines = lb->lines;
    dk_err err = reserve(lb->arena, &lines, &lb->lines_cap, lb->nlines + 1, sizeof *lb->lines,
                         DK_RICHTEXT_MAX_LINES, "lines");
    lb->lines = lines;
    if (!err)
        lb->lines[lb->nlines++] = *line;
    return err;
}

static char *copy_text(dk_arena *arena, const char *s, size_t n, int hyphen)
{
    char *copy = dk_arena_alloc(arena, n + 2);
    if (copy) {
        memcpy(copy, s, n);
        if (hyphen)
            copy[n] = '-';
    }
    return copy;
}

/* Adds the spans of text[start..choice->end) from x on, and returns the line's width. */
static dk_err add_text_spans(layout_builder *lb, wrapper *w, size_t start,
                             const line_choice *choice, int x, const dk_richtext_line *line,
                             int64_t *width)
{
    *width = 0;
    size_t e = choice->end;
    if (e <= start)
        return DK_OK;
    for (size_t r = range_at(w, start); r < w->nranges && w->ranges[r].start < e; r++) {
        size_t from = start > w->ranges[r].start ? start : w->ranges[r].start;
        size_t to = e < w->ranges[r].end ? e : w->ranges[r].end;
        if (to <= from)
            continue;
        int hyphen = choice->hyphen && to == e;
        size_t n = to - from + (hyphen ? 1 : 0);
        char *text = copy_text(lb->arena, w->text + from, to - from, hyphen);
        if (!text)
            return DK_ERR_LIMIT; /* detail set by the arena */
        int64_t piece;
        dk_err err = measure_text(w, w->ranges[r].style, text, n, &piece);
        if (err)
            return err;
        dk_richtext_span span = {
            .x = clamp_int(x + *width),
            .y = line->y,
            .baseline = line->baseline,
            .width = clamp_int(piece),
            .style = w->ranges[r].style,
            .text = text,
            .len = n,
        };
        if ((err = add_span(lb, &span)))
            return err;
        *width += piece;
    }
    return DK_OK;
}

static int metrics_valid(const dk_richtext_metrics *m)
{
    for (int i = 0; i < DK_RICHTEXT_LEVELS; i++) {
        const dk_richtext_font *f = &m->font[i];
        if (f->line_height < 1 || f->line_height > MAX_METRIC || f->ascent < 0 ||
            f->ascent > MAX_METRIC || f->space_before < 0 || f->space_before > MAX_METRIC ||
            f->space_after < 0 || f->space_after > MAX_METRIC)
            return 0;
    }
    return m->list_indent >= 0 && m->list_indent <= MAX_METRIC && m->label_gap >= 0 &&
           m->label_gap <= MAX_METRIC && m->list_item_spacing >= 0 &&
           m->list_item_spacing <= MAX_METRIC;
}

static int block_level(const dk_richtext_block *b)
{
    return b->kind == DK_RICHTEXT_HEADING && b->level >= 1 && b->level <= 3 ? b->level : 0;
}

static int block_depth(const dk_richtext_block *b)
{
    return b->depth < 0 ? 0 : clamp_depth(b->depth);
}

static int64_t space_between(const dk_richtext_metrics *m, const dk_richtext_block *above,
                             const dk_richtext_block *below)
{
    if (block_depth(above) > 0 && block_depth(below) > 0)
        return m->list_item_spacing;
    int after = m->font[block_level(above)].space_after;
    int before = m->font[block_level(below)].space_before;
    return after > before ? after : before;
}

dk_err dk_richtext_lay_out(dk_arena *arena, const dk_richtext_doc *doc, int width,
                           const dk_richtext_metrics *metrics, dk_measure_fn measure, void *ctx,
                           dk_richtext_layout *out)
{
    memset(out, 0, sizeof *out);
    if (width < 1)
        return dk_error_set(DK_ERR_INVALID, "cannot lay out text in %d pixels", width);
    if (!metrics_valid(metrics))
        return dk_error_set(DK_ERR_INVALID, "font metrics out of range (0 to %d px)", MAX_METRIC);
    if (doc->nblocks == 0)
        return DK_OK;

    size_t max_text = 0, max_runs = 0;
    for (size_t i = 0; i < doc->nblocks; i++) {
        size_t n = 0;
        for (size_t r = 0; r < doc->blocks[i].nruns; r++)
            n += doc->blocks[i].runs[r].len;
        max_text = n > max_text ? n : max_text;
        max_runs = doc->blocks[i].nruns > max_runs ? doc->blocks[i].nruns : max_runs;
    }
    if (max_text > MAX_TEXT)
        return dk_error_set(DK_ERR_LIMIT, "a block of %zu bytes is longer than %zu", max_text,
                            MAX_TEXT);
    wrapper w;
    dk_err err = wrapper_init(&w, arena, max_text, max_runs, measure, ctx);
    if (err)
        return err;

    layout_builder lb = {arena, NULL, 0, 0, NULL, 0, 0};
    int64_t y = 0, right = 0;
    size_t overflows = 0;
    const dk_richtext_block *above = NULL;
    for (size_t i = 0; i < doc->nblocks && !err; i++) {
        const dk_richtext_block *block = &doc->blocks[i];
        const dk_richtext_font *font = &metrics->font[block_level(block)];
        int depth = block_depth(block);
        wrapper_load(&w, block->runs, block->nruns);
        if (w.len == 0 && !block->label)
            continue; /* nothing to draw (only possible in a hand-made document) */

        /* A list item hangs: its label sits in the indent, every line of text starts after
         * it. A wide number pushes the text further right rather than overlapping it. */
        int64_t label_x = depth > 0 ? (int64_t)(depth - 1) * metrics->list_indent : 0;
        int64_t text_x = (int64_t)depth * metrics->list_indent, label_width = 0;
        if (block->label) {
            if ((err = measure_text(&w, DK_RICHTEXT_REGULAR, block->label, strlen(block->label),
                                    &label_width)))
                break;
            if (label_x + label_width + metrics->label_gap > text_x)
                text_x = label_x + label_width + metrics->label_gap;
            if (label_x + label_width > right)
                right = label_x + label_width;
        }
        int64_t avail = (int64_t)width - text_x;
        if (avail < 1)
            avail = 1;

        if (above)
            y += space_between(metrics, above, block);
        above = block;
        size_t start = 0, cursor = 0;
        while (start < w.len && w.text[start] == ' ')
            start++;
        int first_line = 1;
        do {
            if (y + font->line_height + font->ascent > INT_MAX) {
                err = dk_error_set(DK_ERR_LIMIT, "text taller than %d pixels", INT_MAX);
                break;
            }
            line_choice choice = {start, start, 0, 0, 0};
            if (start < w.len && (err = choose_line(&w, start, (int)avail, &cursor, &choice)))
                break;
            dk_richtext_line line = {
                .x = clamp_int(text_x),
                .y = (int)y,
                .height = font->line_height,
                .baseline = (int)y + font->ascent,
                .overflow = choice.overflow,
                .block = i,
                .first_span = lb.nspans,
            };
            if (first_line && block->label) {
                dk_richtext_span label = {
                    .x = clamp_int(label_x),
                    .y = line.y,
                    .baseline = line.baseline,
                    .width = clamp_int(label_width),
                    .style = DK_RICHTEXT_REGULAR,
                    .is_label = 1,
                    .text = block->label,
                    .len = strlen(block->label),
                };
                if ((err = add_span(&lb, &label)))
                    break;
            }
            int64_t text_width;
            if ((err = add_text_spans(&lb, &w, start, &choice, line.x, &line, &text_width)))
                break;
            line.width = clamp_int(text_width);
            line.nspans = lb.nspans - line.first_span;
            if ((err = add_line(&lb, &line)))
                break;
            overflows += choice.overflow ? 1 : 0;
            if (text_width > 0 && text_x + text_width > right)
                right = text_x + text_width;
            y += font->line_height;
            first_line = 0;
            start = choice.next;
        } while (start < w.len);
    }
    if (err)
        return err;
    out->lines = lb.lines;
    out->nlines = lb.nlines;
    out->spans = lb.spans;
    out->nspans = lb.nspans;
    out->height = clamp_int(y);
    out->max_line_width = clamp_int(right);
    out->overflows = overflows;
    return DK_OK;
}

/* ====================================== Labels ====================================== */

dk_err dk_richtext_fit_label(dk_arena *arena, const char *text, size_t len, int style, int width,
                             size_t max_lines, dk_measure_fn measure, void *ctx,
                             dk_richtext_label *out)
{
    memset(out, 0, sizeof *out);
    if (width < 1)
        return dk_error_set(DK_ERR_INVALID, "cannot fit a label into %d pixels", width);
    if (max_lines < 1 || max_lines > DK_RICHTEXT_LABEL_MAX_LINES)
        return dk_error_set(DK_ERR_INVALID, "a label has 1 to %d lines, not %zu",
                            DK_RICHTEXT_LABEL_MAX_LINES, max_lines);
    dk_richtext_doc doc;
    dk_err err = check_input(text, len, &doc);
    if (err)
        return err;
    out->fits = 1;
    if (len == 0)
        return DK_OK;

    builder b;
    if ((err = builder_init(&b, arena, len)))
        return err;
    feed(&b, text, len, style, 1);
    if ((err = builder_finish(&b, &doc)))
        return err;
    if (doc.nblocks == 0)
        return DK_OK; /* only white space */
    const dk_richtext_block *block = &doc.blocks[0];
    size_t n = 0;
    for (size_t r = 0; r < block->nruns; r++)
        n += block->runs[r].len;
    wrapper w;
    if ((err = wrapper_init(&w, arena, n, block->nruns, measure, ctx)))
        return err;
    wrapper_load(&w, block->runs, block->nruns);

    size_t start = 0, cursor = 0;
    while (start < w.len) {
        if (out->nlines == max_lines) {
            out->fits = 0; /* more text than lines */
            break;
        }
        line_choice choice;
        if ((err = choose_line(&w, start, width, &cursor, &choice)))
            break;
        size_t line_len = choice.end - start + (choice.hyphen ? 1 : 0);
        char *line = copy_text(arena, w.text + start, choice.end - start, choice.hyphen);
        if (!line) {
            err = DK_ERR_LIMIT; /* detail set by the arena */
            break;
        }
        int line_width = clamp_int(choice.width);
        out->lines[out->nlines++] = (dk_richtext_label_line){line, line_len, line_width};
        if (line_width > out->max_width)
            out->max_width = line_width;
        if (choice.overflow)
            out->fits = 0;
        start = choice.next;
    }
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
