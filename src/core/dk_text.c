/* dk_text.c: UTF-8 decoding, folding of Latin/Greek/Cyrillic text, and the "dkfold" tokenizer. */
#include "dk_text.h"

#include <sqlite3.h>
#include <string.h>

/* ---- UTF-8 ---- */

size_t dk_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    *cp = DK_TEXT_INVALID;
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 1; /* continuation byte, C0/C1 (always overlong) or F5..FF */
    }
    if (len < n)
        return 1;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return n;
}

int dk_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += dk_utf8_decode(s + i, len - i, &cp);
        if (cp == DK_TEXT_INVALID)
            return 0;
    }
    return 1;
}

size_t dk_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* ---- character classes ---- */

typedef enum char_class {
    CLASS_SEPARATOR, /* ends a word */
    CLASS_WORD,      /* letter or digit */
    CLASS_JOINER     /* invisible inside a word and dropped from it: soft hyphen, combining marks */
} char_class;

/* Coarse on purpose: exact for the Latin, Greek and Cyrillic blocks, and for everything else
 * "not punctuation or symbol" counts as a letter, so that other scripts still form words. */
static char_class classify(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return CLASS_WORD;
        return CLASS_SEPARATOR;
    }
    if (cp == DK_TEXT_INVALID)
        return CLASS_SEPARATOR;
    if (cp < 0xC0) {
        if (cp == 0xAD)
            return CLASS_JOINER;
        return (cp == 0xAA || cp == 0xB5 || cp == 0xBA) ? CLASS_WORD : CLASS_SEPARATOR;
    }
    if (cp == 0xD7 || cp == 0xF7) /* multiplication and division signs */
        return CLASS_SEPARATOR;
    if (cp < 0x300)
        return CLASS_WORD;
    if (cp < 0x370)
        return CLASS_JOINER; /* combining diacritical marks */
    if (cp == 0x375 || cp == 0x37E || cp == 0x384 || cp == 0x385 || cp == 0x387 || cp == 0x482)
        return CLASS_SEPARATOR; /* Greek and Cyrillic punctuation */
    if (cp >= 0x483 && cp <= 0x489)
        return CLASS_JOINER; /* Cyrillic combining marks */
    if (cp >= 0x1AB0 && cp <= 0x1AFF)
        return CLASS_JOINER; /* combining marks extended */
    if (cp >= 0x1DC0 && cp <= 0x1DFF)
        return CLASS_JOINER; /* combining marks supplement */
    if (cp >= 0x2000 && cp <= 0x2BFF)
        return CLASS_SEPARATOR; /* spaces, punctuation, super/subscripts, currency, symbols */
    if (cp >= 0x2E00 && cp <= 0x2E7F)
        return CLASS_SEPARATOR; /* supplemental punctuation */
    if (cp >= 0x3000 && cp <= 0x303F)
        return CLASS_SEPARATOR; /* CJK punctuation */
    if (cp >= 0xE000 && cp <= 0xF8FF)
        return CLASS_SEPARATOR; /* private use */
    if (cp >= 0xFE00 && cp <= 0xFE0F)
        return CLASS_JOINER; /* variation selectors */
    if (cp >= 0xFE10 && cp <= 0xFE6F)
        return CLASS_SEPARATOR; /* vertical, small and compatibility punctuation */
    if (cp >= 0xFF00 && cp <= 0xFFEF) {
        if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
            (cp >= 0xFF41 && cp <= 0xFF5A) || cp >= 0xFF66)
            return CLASS_WORD; /* full-width digits and letters, half-width kana */
        return CLASS_SEPARATOR;
    }
    if (cp >= 0xFFF0 && cp <= 0xFFFF)
        return CLASS_SEPARATOR; /* specials, U+FFFD */
    if (cp >= 0x1F000 && cp <= 0x1FAFF)
        return CLASS_SEPARATOR; /* emoji, pictographs, game symbols */
    if (cp >= 0xE0000)
        return CLASS_JOINER; /* tags and variation selectors supplement */
    return CLASS_WORD;
}

/* ---- folding ---- */

/* Base letters of U+00C0..U+017F. '*' marks a letter spelled with two (see multi_letter),
 * '-' a non-letter (x and division sign). */
static const char latin_base[] = "aaaaaa*ceeeeiiii"  /* U+00C0 */
                                 "dnooooo-ouuuuy**"  /* U+00D0 */
                                 "aaaaaa*ceeeeiiii"  /* U+00E0 */
                                 "dnooooo-ouuuuy*y"  /* U+00F0 */
                                 "aaaaaaccccccccdd"  /* U+0100 */
                                 "ddeeeeeeeeeegggg"  /* U+0110 */
                                 "gggghhhhiiiiiiii"  /* U+0120 */
                                 "ii**jjkkklllllll"  /* U+0130 */
                                 "lllnnnnnnnnnoooo"  /* U+0140 */
                                 "oo**rrrrrrssssss"  /* U+0150 */
                                 "ssttttttuuuuuuuu"  /* U+0160 */
                                 "uuuuwwyyyzzzzzzs"; /* U+0170 */

_Static_assert(sizeof latin_base == 0x180 - 0xC0 + 1, "one base letter per code point");

static const char *multi_letter(uint32_t cp)
{
    switch (cp) {
    case 0xC6: case 0xE6: return "ae";   /* Æ æ */
    case 0xDE: case 0xFE: return "th";   /* Þ þ */
    case 0xDF: return "ss";              /* ß */
    case 0x132: case 0x133: return "ij"; /* Ĳ ĳ */
    case 0x152: case 0x153: return "oe"; /* Œ œ */
    default: return "";
    }
}

/* 1 for ä, ö, ü in either case: the letters German spells out as ae, oe, ue. */
static int is_umlaut(uint32_t cp)
{
    return cp == 0xC4 || cp == 0xD6 || cp == 0xDC || cp == 0xE4 || cp == 0xF6 || cp == 0xFC;
}

static uint32_t fold_greek_cyrillic(uint32_t cp)
{
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
        cp += 0x20;
    switch (cp) { /* accented and final forms to the plain small letter */
    case 0x386: case 0x3AC: return 0x3B1;
    case 0x388: case 0x3AD: return 0x3B5;
    case 0x389: case 0x3AE: return 0x3B7;
    case 0x38A: case 0x3AF: case 0x3CA: case 0x390: case 0x3AA: return 0x3B9;
    case 0x38C: case 0x3CC: return 0x3BF;
    case 0x38E: case 0x3CD: case 0x3CB: case 0x3B0: case 0x3AB: return 0x3C5;
    case 0x38F: case 0x3CE: return 0x3C9;
    case 0x3C2: return 0x3C3;
    default: break;
    }
    if (cp >= 0x410 && cp <= 0x42F)
        cp += 0x20;
    else if (cp >= 0x400 && cp <= 0x40F)
        cp += 0x50;
    if (cp == 0x451) /* ё searches as е */
        cp = 0x435;
    return cp;
}

/* Folded form of one word character into out (at most 4 bytes); returns its length (>= 1).
 * With translit, ä/ö/ü become ae/oe/ue instead of a/o/u. */
static size_t fold_word_char(uint32_t cp, int translit, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp);
        return 1;
    }
    if (cp >= 0xC0 && cp < 0x180) {
        char base = latin_base[cp - 0xC0];
        if (translit && is_umlaut(cp)) {
            out[0] = base;
            out[1] = 'e';
            return 2;
        }
        if (base == '*') {
            const char *m = multi_letter(cp);
            out[0] = m[0];
            out[1] = m[1];
            return 2;
        }
        if (base != '-') {
            out[0] = base;
            return 1;
        }
    }
    switch (cp) {
    case 0x1E9E: /* capital sharp s */
        out[0] = 's';
        out[1] = 's';
        return 2;
    case 0x218: case 0x219: /* Romanian s and t with comma */
        out[0] = 's';
        return 1;
    case 0x21A: case 0x21B:
        out[0] = 't';
        return 1;
    default:
        break;
    }
    if (cp >= 0xFF10 && cp <= 0xFF19) {
        out[0] = (char)('0' + (cp - 0xFF10));
        return 1;
    }
    if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) {
        out[0] = (char)('a' + (cp - (cp >= 0xFF41 ? 0xFF41 : 0xFF21)));
        return 1;
    }
    if (cp >= 0x370 && cp < 0x530)
        cp = fold_greek_cyrillic(cp);
    size_t n = dk_utf8_encode(cp, out);
    return n ? n : 1; /* unreachable for decoded input; keep the contract anyway */
}

/* Folded form of any code point, for whole-text folding and collation: words fold, joiners
 * vanish, separators stay, an invalid byte becomes a space. Returns the length (0 to 4). */
static size_t fold_any(uint32_t cp, char out[4])
{
    switch (classify(cp)) {
    case CLASS_WORD:
        return fold_word_char(cp, 0, out);
    case CLASS_JOINER:
        return 0;
    case CLASS_SEPARATOR:
        break;
    }
    if (cp == DK_TEXT_INVALID) {
        out[0] = ' ';
        return 1;
    }
    return dk_utf8_encode(cp, out);
}

size_t dk_text_fold(const char *s, size_t len, char *out, size_t outsz)
{
    size_t need = 0, written = 0, i = 0;
    int full = 0;
    while (i < len) {
        uint32_t cp;
        i += dk_utf8_decode(s + i, len - i, &cp);
        char f[4];
        size_t n = fold_any(cp, f);
        if (!full && written + n < outsz) {
            memcpy(out + written, f, n);
            written += n;
        } else {
            full = 1; /* keep counting, stop writing: never a character after a gap */
        }
        need += n;
    }
    if (outsz > 0)
        out[written] = '\0';
    return need;
}

/* Reads a text's folded form one byte at a time, so collation needs no buffer. */
typedef struct fold_reader {
    const char *s;
    size_t len, pos;
    char pending[4];
    size_t npending, next;
} fold_reader;

/* Next byte of the folded form (0..255), or -1 at the end. */
static int fold_reader_next(fold_reader *r)
{
    while (r->next == r->npending) {
        if (r->pos >= r->len)
            return -1;
        uint32_t cp;
        r->pos += dk_utf8_decode(r->s + r->pos, r->len - r->pos, &cp);
        r->npending = fold_any(cp, r->pending);
        r->next = 0;
    }
    return (unsigned char)r->pending[r->next++];
}

int dk_text_collate(const char *a, size_t alen, const char *b, size_t blen)
{
    fold_reader ra = {.s = a, .len = alen}, rb = {.s = b, .len = blen};
    for (;;) {
        int ca = fold_reader_next(&ra), cb = fold_reader_next(&rb);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca < 0)
            break;
    }
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* ---- words ---- */

/* Appends piece to a token of at most DK_TEXT_TOKEN_MAX bytes. Once a piece does not fit the
 * token is closed (*full), so a token is always a prefix of the whole folded word. */
static void token_add(char *tok, size_t *len, int *full, const char *piece, size_t n)
{
    if (*full)
        return;
    if (*len + n > DK_TEXT_TOKEN_MAX) {
        *full = 1;
        return;
    }
    memcpy(tok + *len, piece, n);
    *len += n;
}

int dk_text_next_word(const char *s, size_t len, size_t *pos, dk_text_word *w)
{
    size_t i = *pos;
    while (i < len) { /* skip to the first letter or digit: a word never starts with a joiner */
        uint32_t cp;
        size_t n = dk_utf8_decode(s + i, len - i, &cp);
        if (classify(cp) == CLASS_WORD)
            break;
        i += n;
    }
    if (i >= len) {
        *pos = len;
        return 0;
    }
    w->start = i;
    w->folded_len = w->translit_len = 0;
    int folded_full = 0, translit_full = 0, umlaut = 0;
    uint32_t prev = 0; /* the previous word character, for a combining diaeresis after it */
    while (i < len) {
        uint32_t cp;
        size_t n = dk_utf8_decode(s + i, len - i, &cp);
        char_class c = classify(cp);
        if (c == CLASS_SEPARATOR)
            break;
        i += n;
        if (c == CLASS_JOINER) {
            /* "o" + U+0308 is "ö" written decomposed: transliterate it as "oe" too. */
            if (cp == 0x308 && (prev == 'a' || prev == 'o' || prev == 'u' || prev == 'A' ||
                                prev == 'O' || prev == 'U')) {
                token_add(w->translit, &w->translit_len, &translit_full, "e", 1);
                umlaut = 1;
            }
            continue;
        }
        char f[4];
        size_t fn = fold_word_char(cp, 0, f);
        token_add(w->folded, &w->folded_len, &folded_full, f, fn);
        fn = fold_word_char(cp, 1, f);
        token_add(w->translit, &w->translit_len, &translit_full, f, fn);
        umlaut |= is_umlaut(cp);
        prev = cp;
    }
    w->end = i;
    *pos = i;
    w->folded[w->folded_len] = '\0';
    if (!umlaut || (w->translit_len == w->folded_len &&
                    memcmp(w->translit, w->folded, w->folded_len) == 0))
        w->translit_len = 0;
    w->translit[w->translit_len] = '\0';
    return 1;
}

/* ---- SQLite: FTS5 tokenizer and collation ---- */

/* The tokenizer has no options and no state; every instance is this one object. */
static int dkfold_instance;

static int dkfold_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)argv;
    if (argc > 0) {
        *out = NULL;
        return SQLITE_ERROR; /* an option we do not know: refuse rather than ignore */
    }
    *out = (Fts5Tokenizer *)&dkfold_instance;
    return SQLITE_OK;
}

static void dkfold_delete(Fts5Tokenizer *t)
{
    (void)t;
}

static int dkfold_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int ntext,
                           int (*emit)(void *, int, const char *, int, int, int))
{
    (void)t;
    if (!text || ntext <= 0)
        return SQLITE_OK;
    size_t pos = 0, len = (size_t)ntext;
    dk_text_word w;
    while (dk_text_next_word(text, len, &pos, &w)) {
        if (w.folded_len == 0)
            continue;
        int rc = emit(ctx, 0, w.folded, (int)w.folded_len, (int)w.start, (int)w.end);
        /* Synonyms go into the index only: a query for "hoerde" then meets the synonym, and a
         * query for "Hörde" meets the folded word, without OR-ing alternatives at query time. */
        if (rc == SQLITE_OK && (flags & FTS5_TOKENIZE_DOCUMENT) && w.translit_len > 0)
            rc = emit(ctx, FTS5_TOKEN_COLOCATED, w.translit, (int)w.translit_len, (int)w.start,
                      (int)w.end);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int dkfold_collate(void *ctx, int alen, const void *a, int blen, const void *b)
{
    (void)ctx;
    return dk_text_collate(a, alen > 0 ? (size_t)alen : 0, b, blen > 0 ? (size_t)blen : 0);
}

static dk_err sqlite_error(sqlite3 *db, const char *what)
{
    return dk_error_set(DK_ERR_DB, "%s: %s", what, sqlite3_errmsg(db));
}

dk_err dk_text_fts5_api(sqlite3 *db, fts5_api **out)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return sqlite_error(db, "this SQLite has no FTS5");
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW || !api)
        return sqlite_error(db, "cannot get the FTS5 API");
    if (api->iVersion < 2)
        return dk_error_set(DK_ERR_DB, "FTS5 API version %d is too old", api->iVersion);
    *out = api;
    return DK_OK;
}

dk_err dk_text_sqlite_register(sqlite3 *db)
{
    fts5_api *api;
    dk_err err = dk_text_fts5_api(db, &api);
    if (err)
        return err;
    fts5_tokenizer tok = {dkfold_create, dkfold_delete, dkfold_tokenize};
    if (api->xCreateTokenizer(api, "dkfold", NULL, &tok, NULL) != SQLITE_OK)
        return sqlite_error(db, "cannot register the dkfold tokenizer");
    if (sqlite3_create_collation_v2(db, "dkfold", SQLITE_UTF8, NULL, dkfold_collate, NULL) !=
        SQLITE_OK)
        return sqlite_error(db, "cannot register the dkfold collation");
    return DK_OK;
}
