/* dk_text.h: UTF-8 decoding, text folding for search and sorting, the "dkfold" tokenizer. */
#ifndef DK_TEXT_H
#define DK_TEXT_H

#include "dk_error.h"

#include <stddef.h>
#include <stdint.h>

/* Folding makes the spellings a visitor might type compare equal: Latin letters lose case and
 * diacritics ("Hörde" -> "horde", "İzmir" -> "izmir", "Łódź" -> "lodz"), ligatures and sharp s
 * are spelled out ("Straße" -> "strasse", "Œuvre" -> "oeuvre"), Greek and Cyrillic lose case,
 * combining marks and the soft hyphen (U+00AD) disappear. Everything else is kept as it is.
 * Folding is idempotent: folding folded text changes nothing.
 *
 * A word is a run of letters and digits; soft hyphens, combining marks and variation selectors
 * inside a word belong to it. Everything else (spaces, punctuation, symbols, emoji, and bytes
 * that are not valid UTF-8) separates words. */

#define DK_TEXT_INVALID 0xFFFFFFFFu /* the code point dk_utf8_decode() reports for a bad byte */
#define DK_TEXT_TOKEN_MAX 64        /* [bytes] longest folded word; longer ones are cut at a
                                       character boundary, the same way in documents and queries */

/* Decodes the code point at the start of s (len bytes available) into *cp. Returns the number
 * of bytes it used: 1 to 4, or 0 only when len is 0. A malformed sequence (overlong, surrogate,
 * beyond U+10FFFF, truncated, stray continuation byte) consumes exactly one byte and gives
 * *cp = DK_TEXT_INVALID, so a loop over any input always advances. Can't fail otherwise. */
size_t dk_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* 1 if s[0..len) is entirely valid UTF-8, else 0. */
int dk_utf8_valid(const char *s, size_t len);

/* Encodes cp as UTF-8 into out; returns the byte count (1 to 4), or 0 for a surrogate or a
 * value beyond U+10FFFF (nothing written). */
size_t dk_utf8_encode(uint32_t cp, char out[4]);

/* Folds s[0..len) into out (outsz bytes, always NUL-terminated when outsz > 0). Non-word
 * characters are copied unchanged, except that each invalid byte becomes one space. A
 * character whose folded form does not fit is left out with everything after it, so out never
 * ends inside a UTF-8 sequence. Returns the length the complete folding needs (like
 * snprintf), so a result >= outsz means out was cut. Can't fail. */
size_t dk_text_fold(const char *s, size_t len, char *out, size_t outsz);

/* Orders two texts for lists a person reads: compares the folded forms first ("Ärzte" between
 * "Apfel" and "Auto", as in a German dictionary), then the raw bytes so the order is total.
 * Returns <0, 0 or >0 like strcmp. Needs no memory; can't fail. */
int dk_text_collate(const char *a, size_t alen, const char *b, size_t blen);

/* One word found by dk_text_next_word(). */
typedef struct dk_text_word {
    size_t start, end;                   /* byte offsets of the word in the original text */
    char folded[DK_TEXT_TOKEN_MAX + 1];  /* folded word, NUL-terminated */
    size_t folded_len;
    /* German transliteration (ä->ae, ö->oe, ü->ue, ß->ss, any case) for a word with an umlaut,
     * so that "hoerde" finds "Hörde". translit_len is 0 when the word has no umlaut or the
     * transliteration equals the folded word. */
    char translit[DK_TEXT_TOKEN_MAX + 1];
    size_t translit_len;
} dk_text_word;

/* Finds the next word in s[0..len) at or after byte *pos. Returns 1 and fills *w (w->start >=
 * *pos on entry), moving *pos past the word; returns 0 when no word is left (*pos = len).
 * Never reads outside s[0..len); can't fail. */
int dk_text_next_word(const char *s, size_t len, size_t *pos, dk_text_word *w);

/* Registers, on one SQLite connection, the FTS5 tokenizer "dkfold" and the collation "dkfold".
 * The tokenizer emits each word folded, with the byte offsets of the original word (so
 * snippet() and highlight() show the original text); when indexing documents it adds the
 * transliteration of words with umlauts as a colocated synonym. The collation orders like
 * dk_text_collate(). Call on every connection that reads or writes a table using them.
 * Fails with DK_ERR_DB (detail from SQLite) if this SQLite lacks FTS5 or refuses the names. */
struct sqlite3;
dk_err dk_text_sqlite_register(struct sqlite3 *db) DK_MUST_CHECK;

/* The FTS5 API of a connection, for registering FTS5 extensions (*out is owned by SQLite and
 * lives as long as db). DK_ERR_DB if this SQLite has no FTS5 or its API is older than
 * version 2. */
struct fts5_api;
dk_err dk_text_fts5_api(struct sqlite3 *db, struct fts5_api **out) DK_MUST_CHECK;

#endif
