/* dk_keyboard.c: the on-screen keyboard (layouts, key sizes in millimetres, shift, pages) and the
 * UTF-8 text-editing model with a cursor that it types into. */
#include "dk_keyboard.h"

#include "dk_i18n.h"

#include <stdio.h>
#include <string.h>

#define KEY_MAX_MM   22.0 /* [mm] widest letter key: a wide screen gets a keyboard of hand size */
#define PHONE_KEY_MM 32.0 /* [mm] width of a keypad key */
#define KEY_PAD_MM   2.0  /* [mm] between a key's edge and its label */
#define MAX_KEYS     112  /* [keys] on one page, every row together */
#define MAX_ROWS     12   /* [rows] on one page, after long rows were split */
#define WEIGHT_UNIT  10   /* flex weight of an ordinary key */

/* ==== Text editing ==== */

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t dk_utf8_count(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += !is_cont((unsigned char)*s);
    return n;
}

/* 1 if s is well-formed UTF-8 (no stray or missing continuation bytes, no overlong forms, no
 * surrogates, nothing above U+10FFFF). Keys type only our own texts: this is a guard. */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, n, cp;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, cp = c & 0x07;
        else
            return 0;
        for (unsigned i = 1; i <= n; i++) {
            if (!is_cont(p[i]))
                return 0;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        p += n + 1;
    }
    return 1;
}

void dk_textedit_init(dk_textedit *te, char *buf, size_t size, size_t max_chars)
{
    te->buf = buf;
    te->size = size;
    te->max_chars = max_chars;
    size_t len = 0;
    while (len < size && buf[len])
        len++;
    if (len == size) /* not terminated: cut (never happens with the form's buffers) */
        len = size - 1;
    memset(buf + len, 0, size - len);
    te->cursor = len;
    dk_textedit_clamp(te);
}

void dk_textedit_clamp(dk_textedit *te)
{
    size_t len = strlen(te->buf);
    if (te->cursor > len)
        te->cursor = len;
    while (te->cursor > 0 && is_cont((unsigned char)te->buf[te->cursor]))
        te->cursor--;
}

int dk_textedit_insert(dk_textedit *te, const char *s)
{
    dk_textedit_clamp(te);
    size_t n = s ? strlen(s) : 0;
    size_t len = strlen(te->buf);
    if (n == 0 || !utf8_valid(s) || len + n + 1 > te->size ||
        dk_utf8_count(te->buf) + dk_utf8_count(s) > te->max_chars)
        return 0;
    memmove(te->buf + te->cursor + n, te->buf + te->cursor, len - te->cursor + 1);
    memcpy(te->buf + te->cursor, s, n);
    te->cursor += n;
    return 1;
}

int dk_textedit_backspace(dk_textedit *te)
{
    dk_textedit_clamp(te);
    if (te->cursor == 0)
        return 0;
    size_t len = strlen(te->buf);
    size_t start = te->cursor - 1;
    while (start > 0 && is_cont((unsigned char)te->buf[start]))
        start--;
    size_t k = te->cursor - start;
    memmove(te->buf + start, te->buf + te->cursor, len - te->cursor + 1);
    memset(te->buf + len - k + 1, 0, k); /* the bytes the text no longer uses */
    te->cursor = start;
    return 1;
}

int dk_textedit_left(dk_textedit *te)
{
    dk_textedit_clamp(te);
    if (te->cursor == 0)
        return 0;
    te->cursor--;
    while (te->cursor > 0 && is_cont((unsigned char)te->buf[te->cursor]))
        te->cursor--;
    return 1;
}

int dk_textedit_right(dk_textedit *te)
{
    dk_textedit_clamp(te);
    size_t len = strlen(te->buf);
    if (te->cursor >= len)
        return 0;
    te->cursor++;
    while (te->cursor < len && is_cont((unsigned char)te->buf[te->cursor]))
        te->cursor++;
    return 1;
}

int dk_textedit_home(dk_textedit *te)
{
    dk_textedit_clamp(te);
    int moved = te->cursor > 0;
    te->cursor = 0;
    return moved;
}

int dk_textedit_end(dk_textedit *te)
{
    size_t len = strlen(te->buf);
    int moved = te->cursor != len;
    te->cursor = len;
    return moved;
}

/* ==== Layouts ==== */

/* One language's letters: rows in lower and upper case with the same characters in the same
 * places, and the letters of the other two languages for the symbols page. */
typedef struct letters {
    const char *digits;
    const char *lower[3], *upper[3];
    const char *extra_lower, *extra_upper;
} letters;

/* German QWERTZ (ß beside the 0, as on a German keyboard; it stays ß under shift), English
 * QWERTY, Turkish Q (ı and i are two letters: I and İ in capitals). The symbols page offers
 * the other languages' letters: a German layout must still type "Yılmaz", "İlkay" or "Çelik";
 * there the capital of the dotless ı key is İ, since I is on the letters page already. */
static const letters layouts[DK_LANG_COUNT] = {
    [DK_LANG_DE] = {"1234567890ß",
                    {"qwertzuiopü", "asdfghjklöä", "yxcvbnm"},
                    {"QWERTZUIOPÜ", "ASDFGHJKLÖÄ", "YXCVBNM"},
                    "çğışéèàñ",
                    "ÇĞİŞÉÈÀÑ"},
    [DK_LANG_EN] = {"1234567890",
                    {"qwertyuiop", "asdfghjkl", "zxcvbnm"},
                    {"QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"},
                    "äöüßçğışé",
                    "ÄÖÜßÇĞİŞÉ"},
    [DK_LANG_TR] = {"1234567890",
                    {"qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç"},
                    {"QWERTYUIOPĞÜ", "ASDFGHJKLŞİ", "ZXCVBNMÖÇ"},
                    "äßéèàâñ",
                    "ÄßÉÈÀÂÑ"},
};

/* Punctuation at the end of the last letter row, by kind. */
static const char *const row_punct[DK_KEYBOARD_KIND_COUNT] = {
    [DK_KEYBOARD_TEXT] = ",.-",
    [DK_KEYBOARD_EMAIL] = "._-",
    [DK_KEYBOARD_PHONE] = "",
    [DK_KEYBOARD_SEARCH] = "-",
};

/* The symbols page (the same in every language). */
static const char *const symbol_rows[2] = {"-/:;()€&@\"", ".,?!'*%+=#_"};

/* E-mail fields: the @ and the endings most addresses here have. */
static const char *const email_keys[] = {"@",       ".de",     ".com",        "@gmail.com",
                                         "@web.de", "@gmx.de", "@t-online.de"};

/* The keypad of a phone field, four columns. */
static const char *const phone_grid[4][4] = {
    {"1", "2", "3", "+"}, {"4", "5", "6", "/"}, {"7", "8", "9", "-"}, {"(", "0", ")", NULL}};

typedef enum key_action {
    K_TEXT,
    K_SHIFT,
    K_PAGE,
    K_SPACE,
    K_DELETE,
    K_LEFT,
    K_RIGHT,
    K_DONE
} key_action;

typedef struct key {
    key_action action;
    char text[24];      /* K_TEXT: what it types (and draws) */
    const char *drawn;  /* the label drawn on the key */
    const char *spoken; /* the element's label: what a person reads, what speech says */
    char name[40];      /* test name */
    int min_w;          /* [px] */
    int weight;         /* share of a flexible row's spare width; 0 in fixed rows */
    unsigned flags;
    int accent; /* drawn in the accent colour ("done") */
    dk_rect r;
} key;

typedef enum row_kind { ROW_FIXED, ROW_FLEX, ROW_GRID } row_kind;

typedef struct layout {
    key keys[MAX_KEYS];
    int nkeys;
    struct {
        row_kind kind;
        int first, count;
    } rows[MAX_ROWS];
    int nrows;
    int height; /* [px] of the whole panel */
} layout;

typedef struct ctx {
    dk_ui *ui;
    const dk_metrics *m;
    dk_lang lang;
    int pad;  /* [px] label padding inside a key */
    int unit; /* [px] width of a letter key */
} ctx;

static void begin_row(layout *L, row_kind kind)
{
    if (L->nrows < MAX_ROWS) {
        L->rows[L->nrows].kind = kind;
        L->rows[L->nrows].first = L->nkeys;
        L->rows[L->nrows].count = 0;
        L->nrows++;
    }
}

/* [px] the width a label needs: in the small bold font (dk_ui_label's fallback) plus padding. */
static int label_w(const ctx *c, const char *label)
{
    const dk_ui_text_backend *tb = dk_ui_text(c->ui);
    int w = tb->measure(tb->ctx, DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD), label, strlen(label));
    return (w > 0 ? w : 0) + 2 * c->pad + 2;
}

static key *add_key(layout *L, const ctx *c, key_action action, const char *text, const char *drawn,
                    const char *spoken, const char *name, int weight)
{
    if (L->nkeys >= MAX_KEYS || L->nrows == 0)
        return NULL;
    key *k = &L->keys[L->nkeys++];
    memset(k, 0, sizeof *k);
    k->action = action;
    if (text) { /* keys type short texts: longer ones are not in any layout */
        size_t n = strlen(text);
        if (n >= sizeof k->text)
            n = 0;
        memcpy(k->text, text, n);
        k->text[n] = '\0';
    }
    k->drawn = drawn ? drawn : k->text;
    k->spoken = spoken ? spoken : k->drawn;
    if (name)
        snprintf(k->name, sizeof k->name, "%s", name);
    else
        snprintf(k->name, sizeof k->name, "key:%s", text ? text : "");
    k->weight = weight;
    int need = label_w(c, k->drawn);
    k->min_w = need > c->unit ? need : c->unit;
    L->rows[L->nrows - 1].count++;
    return k;
}

/* Adds one key per character of s. */
static void add_chars(layout *L, const ctx *c, const char *s)
{
    for (const char *p = s; p && *p;) {
        size_t n = 1;
        while (p[n] && is_cont((unsigned char)p[n]))
            n++;
        char one[8];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        add_key(L, c, K_TEXT, one, NULL, NULL, NULL, 0);
        p += n;
    }
}

/* The row of shift, page, space, cursor, delete and done. */
static void add_function_row(layout *L, const ctx *c, const dk_keyboard *kb, dk_keyboard_kind kind)
{
    dk_lang l = c->lang;
    begin_row(L, ROW_FLEX);
    if (kind != DK_KEYBOARD_PHONE) {
        int on = kb->shift != DK_SHIFT_OFF;
        const char *label = kb->shift == DK_SHIFT_LOCK ? dk_i18n(l, DK_S_KEY_CAPS_LOCK)
                                                       : dk_i18n(l, DK_S_KEY_SHIFT);
        key *k = add_key(L, c, K_SHIFT, NULL, label, NULL, "key:shift", 15);
        if (k)
            k->flags = DK_EL_TOGGLE | (on ? DK_EL_CHECKED | DK_EL_SELECTED : 0u);
        if (kb->symbols)
            add_key(L, c, K_PAGE, NULL, dk_i18n(l, DK_S_KEY_LETTERS), NULL, "key:letters", 12);
        else
            add_key(L, c, K_PAGE, NULL, dk_i18n(l, DK_S_KEY_SYMBOLS), NULL, "key:symbols", 12);
    }
    if (kind != DK_KEYBOARD_EMAIL && kind != DK_KEYBOARD_PHONE) /* an address has no spaces */
        add_key(L, c, K_SPACE, NULL, dk_i18n(l, DK_S_KEY_SPACE), NULL, "key:space", 40);
    /* "‹" and "›": Noto Sans has no arrows; the element says the words. */
    add_key(L, c, K_LEFT, NULL, "\u2039", dk_i18n(l, DK_S_KEY_LEFT), "key:left", 10);
    add_key(L, c, K_RIGHT, NULL, "\u203A", dk_i18n(l, DK_S_KEY_RIGHT), "key:right", 10);
    add_key(L, c, K_DELETE, NULL, dk_i18n(l, DK_S_KEY_DELETE), NULL, "key:delete", 15);
    if (kind != DK_KEYBOARD_SEARCH) {
        key *k = add_key(L, c, K_DONE, NULL, dk_i18n(l, DK_S_KEY_DONE), NULL, "key:done", 15);
        if (k)
            k->accent = 1;
    }
}

static void build_keys(layout *L, const ctx *c, const dk_keyboard *kb, dk_keyboard_kind kind)
{
    memset(L, 0, sizeof *L);
    const letters *lt = &layouts[(unsigned)c->lang < DK_LANG_COUNT ? c->lang : DK_LANG_DE];
    int up = kb->shift != DK_SHIFT_OFF;
    if (kind == DK_KEYBOARD_PHONE) {
        for (int row = 0; row < 4; row++) {
            begin_row(L, ROW_GRID);
            for (int col = 0; col < 4; col++) {
                if (phone_grid[row][col])
                    add_key(L, c, K_TEXT, phone_grid[row][col], NULL, NULL, NULL, 0);
                else
                    add_key(L, c, K_SPACE, NULL, dk_i18n(c->lang, DK_S_KEY_SPACE), NULL,
                            "key:space", 0);
            }
        }
        add_function_row(L, c, kb, kind);
        L->rows[L->nrows - 1].kind = ROW_GRID; /* ‹ › delete done under the four columns */
        return;
    }
    if (kb->symbols) {
        begin_row(L, ROW_FIXED);
        add_chars(L, c, "1234567890");
        for (int i = 0; i < 2; i++) {
            begin_row(L, ROW_FIXED);
            add_chars(L, c, symbol_rows[i]);
        }
        begin_row(L, ROW_FIXED);
        add_chars(L, c, up ? lt->extra_upper : lt->extra_lower);
    } else {
        begin_row(L, ROW_FIXED);
        add_chars(L, c, lt->digits);
        for (int i = 0; i < 3; i++) {
            begin_row(L, ROW_FIXED);
            add_chars(L, c, up ? lt->upper[i] : lt->lower[i]);
            if (i == 2)
                add_chars(L, c, row_punct[kind]);
        }
    }
    if (kind == DK_KEYBOARD_EMAIL) {
        begin_row(L, ROW_FLEX);
        for (size_t i = 0; i < sizeof email_keys / sizeof email_keys[0]; i++)
            add_key(L, c, K_TEXT, email_keys[i], NULL, NULL, NULL, WEIGHT_UNIT);
    }
    add_function_row(L, c, kb, kind);
}

/* Places the keys of a flexible row in lines of width w starting at (x, *y), splitting it where
 * its keys need more than w; each line's spare width goes to its keys by weight. */
static void place_flex(layout *L, int first, int count, int x, int w, int *y, int key_h, int gap)
{
    int i = first, end = first + count;
    while (i < end) {
        int j = i, sum = 0, weights = 0;
        while (j < end) {
            int add = L->keys[j].min_w + (j > i ? gap : 0);
            if (j > i && sum + add > w)
                break;
            sum += add;
            weights += L->keys[j].weight;
            j++;
        }
        int spare = w - sum, px = x, given = 0;
        for (int k = i; k < j; k++) {
            key *ky = &L->keys[k];
            int extra = 0;
            if (spare > 0 && weights > 0) {
                extra = k == j - 1 ? spare - given : spare * ky->weight / weights;
                given += extra;
            }
            ky->r = (dk_rect){px, *y, ky->min_w + extra, key_h};
            px += ky->r.w + gap;
        }
        *y += key_h + gap;
        i = j;
    }
}

/* Lays the page out in r (only r.x, r.y and r.w matter) with keys key_h high and sets
 * L->height. */
static void place_keys(layout *L, const ctx *c, dk_rect r, int key_h)
{
    const dk_metrics *m = c->m;
    int gap = m->gap_px;
    int avail = r.w - 2 * gap;
    /* The block: as wide as the widest fixed row, or a flexible row that needs more. */
    int block = 0, grid_cols[4] = {0, 0, 0, 0}, grid = 0;
    for (int i = 0; i < L->nrows; i++) {
        int w = 0;
        for (int k = 0; k < L->rows[i].count; k++) {
            const key *ky = &L->keys[L->rows[i].first + k];
            if (L->rows[i].kind == ROW_GRID) {
                int col = k % 4;
                if (ky->min_w > grid_cols[col])
                    grid_cols[col] = ky->min_w;
                grid = 1;
            }
            w += ky->min_w + (k ? gap : 0);
        }
        if (L->rows[i].kind != ROW_GRID && w > block)
            block = w;
    }
    if (grid) { /* a keypad's columns are as wide as the widest, where the screen allows */
        int widest = 0;
        block = 3 * gap;
        for (int col = 0; col < 4; col++) {
            widest = grid_cols[col] > widest ? grid_cols[col] : widest;
            block += grid_cols[col];
        }
        if (4 * widest + 3 * gap <= avail) {
            for (int col = 0; col < 4; col++)
                grid_cols[col] = widest;
            block = 4 * widest + 3 * gap;
        }
    }
    if (block > avail)
        block = avail;
    int x0 = r.x + (r.w - block) / 2;
    int y = r.y + gap;
    for (int i = 0; i < L->nrows; i++) {
        int first = L->rows[i].first, count = L->rows[i].count;
        if (L->rows[i].kind == ROW_FLEX) {
            place_flex(L, first, count, x0, block, &y, key_h, gap);
            continue;
        }
        if (L->rows[i].kind == ROW_GRID) {
            int px = x0;
            for (int k = 0; k < count; k++) {
                int w = grid_cols[k % 4];
                if (px + w > x0 + block) /* a screen too narrow: the last column shrinks */
                    w = x0 + block - px;
                L->keys[first + k].r = (dk_rect){px, y, w > 1 ? w : 1, key_h};
                px += w + gap;
            }
            y += key_h + gap;
            continue;
        }
        int w = count * c->unit + (count - 1) * gap;
        int px = x0 + (block - w) / 2;
        for (int k = 0; k < count; k++) {
            L->keys[first + k].r = (dk_rect){px, y, c->unit, key_h};
            px += c->unit + gap;
        }
        y += key_h + gap;
    }
    L->height = y - r.y;
}

static void lay_out(layout *L, dk_ui *ui, const dk_keyboard *kb, dk_keyboard_kind kind,
                    dk_lang lang, dk_rect r, int key_h)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    ctx c = {ui, m, (unsigned)lang < DK_LANG_COUNT ? lang : DK_LANG_DE, dk_ui_mm(ui, KEY_PAD_MM),
             0};
    if ((unsigned)kind >= DK_KEYBOARD_KIND_COUNT)
        kind = DK_KEYBOARD_TEXT;
    /* Letter keys: as many columns as the longest row of this language (at least 10), each as
     * wide as fits, at most KEY_MAX_MM; never narrower than a target is high when there is
     * room. A keypad's keys are wider: few of them, and often pressed by less steady hands. */
    int gap = m->gap_px, avail = r.w - 2 * gap, cols = 10;
    if (kind == DK_KEYBOARD_PHONE) {
        c.unit = dk_ui_mm(ui, PHONE_KEY_MM);
        if (4 * c.unit + 3 * gap > avail)
            c.unit = (avail - 3 * gap) / 4;
    } else {
        const letters *lt = &layouts[c.lang];
        const char *rows[] = {lt->digits,      lt->lower[0],   lt->lower[1],  lt->lower[2],
                              lt->extra_lower, symbol_rows[0], symbol_rows[1]};
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            int n =
                (int)dk_utf8_count(rows[i]) + (i == 3 ? (int)dk_utf8_count(row_punct[kind]) : 0);
            if (n > cols)
                cols = n;
        }
        c.unit = (avail - (cols - 1) * gap) / cols;
        if (c.unit > dk_ui_mm(ui, KEY_MAX_MM))
            c.unit = dk_ui_mm(ui, KEY_MAX_MM);
    }
    if (c.unit < 1)
        c.unit = 1;
    build_keys(L, &c, kb, kind);
    place_keys(L, &c, r, key_h);
}

/* ==== The widget ==== */

void dk_keyboard_reset(dk_keyboard *kb)
{
    kb->shift = DK_SHIFT_OFF;
    kb->symbols = 0;
}

int dk_keyboard_height(dk_ui *ui, dk_keyboard_kind kind, dk_lang lang, int width)
{
    static layout L; /* large; the UI runs on one thread */
    dk_keyboard kb = {DK_SHIFT_OFF, 0};
    int h = 0;
    /* The tallest of both pages with shift off and locked (its label is longer then), so that
     * the content above does not jump when the visitor switches. */
    for (int variant = 0; variant < 4; variant++) {
        kb.symbols = variant & 1;
        kb.shift = variant & 2 ? DK_SHIFT_LOCK : DK_SHIFT_OFF;
        lay_out(&L, ui, &kb, kind, lang, (dk_rect){0, 0, width, 0}, dk_ui_metrics(ui)->target_px);
        if (L.height > h)
            h = L.height;
    }
    return h;
}

/* A key: the look of a secondary button in the keyboard's colours; the drawn label may differ
 * from the element's (a glyph drawn, words read). */
static int draw_key(dk_ui *ui, const key *k)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int pressed = 0;
    int tapped = dk_ui_hit(ui, k->r, k->spoken, k->name, k->flags, &pressed);
    int selected = (k->flags & DK_EL_SELECTED) != 0;
    dk_color_role bg = pressed ? DK_C_KEY_PRESSED : DK_C_KEY, fg = DK_C_ON_KEY;
    if (k->accent) {
        bg = pressed ? DK_C_ACCENT_PRESSED : DK_C_ACCENT;
        fg = DK_C_ON_ACCENT;
    } else if (selected && !pressed) {
        bg = DK_C_SELECTED;
        fg = DK_C_ON_SELECTED;
    }
    dk_ui_fill(ui, k->r, dk_ui_color(ui, bg), m->radius_px);
    if (!k->accent || dk_theme_outlines_all(dk_ui_theme(ui)))
        dk_ui_outline(ui, k->r, dk_ui_color(ui, selected ? DK_C_FOCUS : DK_C_OUTLINE), m->radius_px,
                      selected ? m->focus_px : m->outline_px);
    int pad = dk_ui_mm(ui, KEY_PAD_MM), pad_v = dk_ui_mm(ui, 1);
    dk_rect inner = {k->r.x + pad, k->r.y + pad_v, k->r.w - 2 * pad, k->r.h - 2 * pad_v};
    dk_ui_label(ui, inner, k->drawn, DK_UI_FONT(DK_FONT_BUTTON, DK_UI_BOLD), dk_ui_color(ui, fg),
                DK_ALIGN_CENTER);
    return tapped;
}

unsigned dk_keyboard_draw(dk_keyboard *kb, dk_ui *ui, dk_rect r, dk_keyboard_kind kind,
                          dk_lang lang, dk_textedit *te)
{
    static layout L;
    const dk_metrics *m = dk_ui_metrics(ui);
    if (kind == DK_KEYBOARD_PHONE) /* a keypad has neither capitals nor a symbols page */
        dk_keyboard_reset(kb);
    lay_out(&L, ui, kb, kind, lang, r, m->target_px);
    if (L.height > r.h) {
        /* A screen too small for it (a tiny window, larger text in low reach): lower keys
         * rather than missing ones, since a keyboard without "done" would be a dead end. */
        int lines = (L.height - m->gap_px) / (m->target_px + m->gap_px);
        int key_h = lines > 0 ? (r.h - (lines + 1) * m->gap_px) / lines : 1;
        lay_out(&L, ui, kb, kind, lang, r, key_h > 1 ? key_h : 1);
    }
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_KEYBOARD_BG), 0);
    if (dk_theme_outlines_all(dk_ui_theme(ui))) /* black on black: a rule shows where it starts */
        dk_ui_fill(ui, (dk_rect){r.x, r.y, r.w, m->outline_px}, dk_ui_color(ui, DK_C_OUTLINE), 0);
    dk_ui_element(ui, DK_EL_TEXT, r, "", "keyboard", 0);
    unsigned result = 0;
    for (int i = 0; i < L.nkeys; i++) {
        const key *k = &L.keys[i];
        if (!draw_key(ui, k))
            continue;
        switch (k->action) {
        case K_TEXT:
        case K_SPACE:
            if (te && dk_textedit_insert(te, k->action == K_SPACE ? " " : k->text))
                result |= DK_KEYBOARD_CHANGED;
            if (kb->shift == DK_SHIFT_ONCE && k->action == K_TEXT)
                kb->shift = DK_SHIFT_OFF;
            break;
        case K_SHIFT:
            kb->shift = kb->shift == DK_SHIFT_OFF    ? DK_SHIFT_ONCE
                        : kb->shift == DK_SHIFT_ONCE ? DK_SHIFT_LOCK
                                                     : DK_SHIFT_OFF;
            break;
        case K_PAGE:
            kb->symbols = !kb->symbols;
            break;
        case K_DELETE:
            if (te && dk_textedit_backspace(te))
                result |= DK_KEYBOARD_CHANGED;
            break;
        case K_LEFT:
            if (te && dk_textedit_left(te))
                result |= DK_KEYBOARD_MOVED;
            break;
        case K_RIGHT:
            if (te && dk_textedit_right(te))
                result |= DK_KEYBOARD_MOVED;
            break;
        case K_DONE:
            dk_keyboard_reset(kb);
            result |= DK_KEYBOARD_DONE;
            break;
        }
    }
    return result;
}
