/* test_text.c: UTF-8 decoding, folding, word splitting, collation and the dkfold tokenizer. */
#include "dk_test.h"

#include "dk_text.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fold(const char *s)
{
    static char out[512];
    size_t need = dk_text_fold(s, strlen(s), out, sizeof out);
    assert_true(need < sizeof out);
    assert_int_equal(strlen(out), need);
    return out;
}

static void test_fold_lowercases_and_removes_german_umlauts(void **state)
{
    (void)state;
    assert_string_equal(fold("Hörde"), "horde");
    assert_string_equal(fold("HÖRDE"), "horde");
    assert_string_equal(fold("ÄÖÜäöü"), "aouaou");
    assert_string_equal(fold("Straße"), "strasse");
    assert_string_equal(fold("STRASSE"), "strasse");
    assert_string_equal(fold("\xE1\xBA\x9E"), "ss"); /* capital sharp s */
    assert_string_equal(fold("Dortmund"), "dortmund");
}

static void test_fold_handles_turkish_letters(void **state)
{
    (void)state;
    assert_string_equal(fold("Türkçe"), "turkce");
    assert_string_equal(fold("İSTANBUL"), "istanbul");
    assert_string_equal(fold("ışık"), "isik");
    assert_string_equal(fold("IĞDIR"), "igdir");
    assert_string_equal(fold("ĞğŞşÇçÖöÜüİı"), "ggssccoouuii");
}

static void test_fold_handles_other_latin_greek_and_cyrillic(void **state)
{
    (void)state;
    assert_string_equal(fold("Café Ñandú Łódź Œuvre Æsir Ørsted Þór"),
                        "cafe nandu lodz oeuvre aesir orsted thor");
    assert_string_equal(fold("Ĳssel ŉ ſ Ș Ț"), "ijssel n s s t");
    assert_string_equal(fold("ΑΘΗΝΑ Άλφα ς"), "αθηνα αλφα σ");
    assert_string_equal(fold("МОСКВА Ёлка"), "москва елка");
    assert_string_equal(fold("ＡＢＣ１２"), "abc12"); /* full-width */
}

static void test_fold_keeps_punctuation_and_makes_invalid_bytes_spaces(void **state)
{
    (void)state;
    assert_string_equal(fold("Hörde, Süd! 50%"), "horde, sud! 50%");
    assert_string_equal(fold("a\xFF" "b"), "a b");
    assert_string_equal(fold("a\xC3"), "a ");      /* truncated sequence */
    assert_string_equal(fold("x\xC0\xAFy"), "x  y"); /* overlong '/' is two bad bytes */
    assert_string_equal(fold("Bezirks\xC2\xADvertretung"), "bezirksvertretung");
    assert_string_equal(fold("o\xCC\x88"), "o");     /* decomposed ö */
}

static void test_fold_is_idempotent(void **state)
{
    (void)state;
    const char *samples[] = {"Hörde", "Straße", "İzmir ışık", "ΆΣΟΣ",
                             "Ёж",    "Œuvre",  "a\xFF"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char once[128], twice[128];
        dk_text_fold(samples[i], strlen(samples[i]), once, sizeof once);
        dk_text_fold(once, strlen(once), twice, sizeof twice);
        assert_string_equal(once, twice);
    }
}

static void test_fold_cuts_at_a_character_boundary(void **state)
{
    (void)state;
    char out[4];
    /* "λλλλ" folds to 8 bytes; only one 2-byte letter fits before the NUL. */
    size_t need = dk_text_fold("λλλλ", strlen("λλλλ"), out, sizeof out);
    assert_int_equal(need, 8);
    assert_string_equal(out, "λ");
    assert_true(dk_utf8_valid(out, strlen(out)));
    /* No letter after a gap: "ß" (2 bytes) does not fit after "ab", so "c" must not follow. */
    need = dk_text_fold("abßc", strlen("abßc"), out, sizeof out);
    assert_int_equal(need, 5);
    assert_string_equal(out, "ab");
    assert_int_equal(dk_text_fold("abc", 3, NULL, 0), 3);
}

static void test_utf8_decode_accepts_valid_sequences(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(dk_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(dk_utf8_decode("ö", 2, &cp), 2);
    assert_int_equal(cp, 0xF6);
    assert_int_equal(dk_utf8_decode("€", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(dk_utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(dk_utf8_decode("", 0, &cp), 0);
    char buf[4];
    for (uint32_t c = 1; c < 0x110000; c += 97) {
        size_t n = dk_utf8_encode(c, buf);
        if (c >= 0xD800 && c <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        uint32_t back;
        assert_int_equal(dk_utf8_decode(buf, n, &back), n);
        assert_int_equal(back, c);
    }
}

static void test_utf8_decode_rejects_malformed_sequences_one_byte_at_a_time(void **state)
{
    (void)state;
    const char *bad[] = {
        "\x80",             /* stray continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* surrogate */
        "\xF4\x90\x80\x80", /* beyond U+10FFFF */
        "\xF5\x80\x80\x80", /* invalid lead */
        "\xFF",
        "\xE2\x82",         /* truncated */
        "\xC3(",            /* lead without continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t cp = 0;
        assert_int_equal(dk_utf8_decode(bad[i], strlen(bad[i]), &cp), 1);
        assert_int_equal(cp, DK_TEXT_INVALID);
        assert_false(dk_utf8_valid(bad[i], strlen(bad[i])));
    }
    assert_true(dk_utf8_valid("Hörde İzmir 😀", strlen("Hörde İzmir 😀")));
}

typedef struct words {
    size_t n;
    dk_text_word w[16];
} words;

static words split(const char *s, size_t len)
{
    words out = {0};
    size_t pos = 0;
    while (out.n < 16 && dk_text_next_word(s, len, &pos, &out.w[out.n]))
        out.n++;
    assert_int_equal(pos, len);
    return out;
}

static void test_words_split_on_punctuation_and_keep_original_offsets(void **state)
{
    (void)state;
    const char *s = "Hörde, Dortmund-Süd! 2026";
    words ws = split(s, strlen(s));
    assert_int_equal(ws.n, 4);
    assert_string_equal(ws.w[0].folded, "horde");
    assert_int_equal(ws.w[0].start, 0);
    assert_int_equal(ws.w[0].end, 6); /* "Hörde" is 6 bytes */
    assert_string_equal(ws.w[1].folded, "dortmund");
    assert_int_equal(ws.w[1].start, 8);
    assert_int_equal(ws.w[1].end, 16);
    assert_string_equal(ws.w[2].folded, "sud");
    assert_int_equal(ws.w[2].start, 17);
    assert_int_equal(ws.w[2].end, 21);
    assert_string_equal(ws.w[3].folded, "2026");
    assert_int_equal(split("", 0).n, 0);
    const char *none = " ,.;!? \xE2\x80\x94 \xF0\x9F\x98\x80"; /* dash, emoji */
    assert_int_equal(split(none, strlen(none)).n, 0);
}

static void test_soft_hyphen_joins_a_word_and_is_dropped(void **state)
{
    (void)state;
    const char *s = "Bezirks\xC2\xADvertretung tagt";
    words ws = split(s, strlen(s));
    assert_int_equal(ws.n, 2);
    assert_string_equal(ws.w[0].folded, "bezirksvertretung");
    assert_int_equal(ws.w[0].start, 0);
    assert_int_equal(ws.w[0].end, 19); /* 17 letters and the 2-byte soft hyphen */
    /* A soft hyphen alone, or before a word, makes no word of its own. */
    assert_int_equal(split("\xC2\xAD", 2).n, 0);
    ws = split("\xC2\xAD" "ab", 4);
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.w[0].start, 2);
}

static void test_invalid_bytes_separate_words(void **state)
{
    (void)state;
    const char s[] = "ab\xFF\xFE" "cd\xC3";
    words ws = split(s, sizeof s - 1);
    assert_int_equal(ws.n, 2);
    assert_string_equal(ws.w[0].folded, "ab");
    assert_string_equal(ws.w[1].folded, "cd");
    assert_int_equal(ws.w[1].end, 6);
}

static void test_words_with_umlauts_get_a_german_transliteration(void **state)
{
    (void)state;
    const char *s = "Hörde MÜNSTER Straße Dortmund Bärstraße Ho\xCC\x88rde";
    words ws = split(s, strlen(s));
    assert_int_equal(ws.n, 6);
    assert_string_equal(ws.w[0].translit, "hoerde");
    assert_string_equal(ws.w[1].folded, "munster");
    assert_string_equal(ws.w[1].translit, "muenster");
    assert_int_equal(ws.w[2].translit_len, 0); /* "strasse" either way */
    assert_int_equal(ws.w[3].translit_len, 0);
    assert_string_equal(ws.w[4].translit, "baerstrasse");
    assert_string_equal(ws.w[5].folded, "horde"); /* decomposed o + combining diaeresis */
    assert_string_equal(ws.w[5].translit, "hoerde");
}

static void test_long_words_are_capped_at_a_character_boundary(void **state)
{
    (void)state;
    char s[400];
    memset(s, 'a', 200);
    words ws = split(s, 200);
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.w[0].folded_len, DK_TEXT_TOKEN_MAX);
    assert_int_equal(ws.w[0].end, 200);

    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(s + n, sizeof s - n, "λ");
    ws = split(s, n);
    assert_int_equal(ws.w[0].folded_len, DK_TEXT_TOKEN_MAX);
    assert_true(dk_utf8_valid(ws.w[0].folded, ws.w[0].folded_len));

    memset(s, 'a', 63); /* 63 letters, then "ß" (2 bytes folded) does not fit */
    memcpy(s + 63, "ßb", 3);
    ws = split(s, 66);
    assert_int_equal(ws.w[0].folded_len, 63);
    assert_int_equal(strlen(ws.w[0].folded), 63);
    memset(s, 'o', 63); /* the transliteration grows past the cap while the folding does not */
    memcpy(s + 63, "ö", 2);
    ws = split(s, 65);
    assert_int_equal(ws.w[0].folded_len, 64);
    assert_int_equal(ws.w[0].translit_len, 63); /* "oe" did not fit: cut there */
}

static int collate_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return dk_text_collate(x, strlen(x), y, strlen(y));
}

static void test_collation_orders_like_a_german_dictionary(void **state)
{
    (void)state;
    const char *names[] = {"Zollern", "öde", "Auto", "Ärzte", "Ober", "Apfel", "Hörde", "Horde"};
    qsort(names, sizeof names / sizeof names[0], sizeof names[0], collate_cmp);
    const char *want[] = {"Apfel", "Ärzte", "Auto", "Horde", "Hörde", "Ober", "öde", "Zollern"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(names[i], want[i]);
    assert_int_equal(dk_text_collate("a", 1, "a", 1), 0);
    assert_true(dk_text_collate("Straße", strlen("Straße"), "strasse", 7) != 0); /* total */
    assert_true(dk_text_collate("ab", 2, "abc", 3) < 0);
}

/* ---- the FTS5 tokenizer, through SQLite ---- */

static sqlite3 *open_memory_db(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(dk_text_sqlite_register(db), DK_OK);
    return db;
}

typedef struct token_log {
    char text[512];
    size_t len;
} token_log;

/* Records "token@start-end" or "=synonym@start-end" for each token. */
static int log_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    token_log *log = ctx;
    log->len += (size_t)snprintf(log->text + log->len, sizeof log->text - log->len,
                                 "%s%s%.*s@%d-%d", log->len ? " " : "",
                                 (flags & FTS5_TOKEN_COLOCATED) ? "=" : "", n, tok, start, end);
    return SQLITE_OK;
}

static const char *tokenize(sqlite3 *db, int flags, const char *text, int len)
{
    static token_log log;
    fts5_api *api = NULL;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);
    assert_non_null(api);
    void *user = NULL;
    fts5_tokenizer tok;
    assert_int_equal(api->xFindTokenizer(api, "dkfold", &user, &tok), SQLITE_OK);
    Fts5Tokenizer *t = NULL;
    assert_int_equal(tok.xCreate(user, NULL, 0, &t), SQLITE_OK);
    memset(&log, 0, sizeof log);
    assert_int_equal(tok.xTokenize(t, &log, flags, text, len, log_token), SQLITE_OK);
    tok.xDelete(t);
    return log.text;
}

static void test_tokenizer_adds_synonyms_only_when_indexing_documents(void **state)
{
    (void)state;
    sqlite3 *db = open_memory_db();
    const char *s = "Hörde Straße";
    assert_string_equal(tokenize(db, FTS5_TOKENIZE_DOCUMENT, s, (int)strlen(s)),
                        "horde@0-6 =hoerde@0-6 strasse@7-14");
    assert_string_equal(tokenize(db, FTS5_TOKENIZE_QUERY, s, (int)strlen(s)),
                        "horde@0-6 strasse@7-14");
    assert_string_equal(tokenize(db, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, "Hö", 3),
                        "ho@0-3");
    assert_string_equal(tokenize(db, FTS5_TOKENIZE_DOCUMENT, "\xFF\xC3", 2), "");
    assert_string_equal(tokenize(db, FTS5_TOKENIZE_DOCUMENT, "", 0), "");
    sqlite3_close(db);
}

static const char *query_text(sqlite3 *db, const char *sql, const char *param)
{
    static char out[256];
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (param)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    out[0] = '\0';
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? "|" : "",
                              t ? (const char *)t : "");
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    return out;
}

static void test_fts_table_finds_every_spelling_and_highlights_the_original(void **state)
{
    (void)state;
    sqlite3 *db = open_memory_db();
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'dkfold');"
                                  "INSERT INTO t VALUES ("
                                  "  'Der Stadtbezirk Hörde liegt an der Straße');"
                                  "INSERT INTO t VALUES ('Bezirks\xC2\xADvertretung tagt');"
                                  "INSERT INTO t VALUES ('Türkçe konuşuyoruz');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    const char *hl = "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1";
    const char *hoerde = "Der Stadtbezirk [Hörde] liegt an der Straße";
    assert_string_equal(query_text(db, hl, "horde"), hoerde);
    assert_string_equal(query_text(db, hl, "hoerde"), hoerde);
    assert_string_equal(query_text(db, hl, "HÖRDE"), hoerde);
    assert_string_equal(query_text(db, hl, "\"hö\"*"), hoerde);
    assert_string_equal(query_text(db, hl, "\"hoe\"*"), hoerde);
    assert_string_equal(query_text(db, hl, "strasse"),
                        "Der Stadtbezirk Hörde liegt an der [Straße]");
    assert_string_equal(query_text(db, hl, "bezirksvertretung"),
                        "[Bezirks\xC2\xADvertretung] tagt");
    assert_string_equal(query_text(db, hl, "turkce konusuyoruz"), "[Türkçe] [konuşuyoruz]");
    assert_string_equal(query_text(db, hl, "hamburg"), "");
    sqlite3_close(db);
}

static void test_collation_is_available_in_sql(void **state)
{
    (void)state;
    sqlite3 *db = open_memory_db();
    assert_string_equal(
        query_text(db,
                   "SELECT x FROM (SELECT 'Zollern' AS x UNION ALL SELECT 'Ärzte' UNION ALL "
                   "SELECT 'Auto' UNION ALL SELECT 'Apfel') ORDER BY x COLLATE dkfold",
                   NULL),
        "Apfel|Ärzte|Auto|Zollern");
    sqlite3_close(db);
}

static void test_tokenizer_refuses_unknown_options(void **state)
{
    (void)state;
    sqlite3 *db = open_memory_db();
    const char *sql = "CREATE VIRTUAL TABLE t USING fts5(b, tokenize = 'dkfold x')";
    assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_lowercases_and_removes_german_umlauts),
        cmocka_unit_test(test_fold_handles_turkish_letters),
        cmocka_unit_test(test_fold_handles_other_latin_greek_and_cyrillic),
        cmocka_unit_test(test_fold_keeps_punctuation_and_makes_invalid_bytes_spaces),
        cmocka_unit_test(test_fold_is_idempotent),
        cmocka_unit_test(test_fold_cuts_at_a_character_boundary),
        cmocka_unit_test(test_utf8_decode_accepts_valid_sequences),
        cmocka_unit_test(test_utf8_decode_rejects_malformed_sequences_one_byte_at_a_time),
        cmocka_unit_test(test_words_split_on_punctuation_and_keep_original_offsets),
        cmocka_unit_test(test_soft_hyphen_joins_a_word_and_is_dropped),
        cmocka_unit_test(test_invalid_bytes_separate_words),
        cmocka_unit_test(test_words_with_umlauts_get_a_german_transliteration),
        cmocka_unit_test(test_long_words_are_capped_at_a_character_boundary),
        cmocka_unit_test(test_collation_orders_like_a_german_dictionary),
        cmocka_unit_test(test_tokenizer_adds_synonyms_only_when_indexing_documents),
        cmocka_unit_test(test_fts_table_finds_every_spelling_and_highlights_the_original),
        cmocka_unit_test(test_collation_is_available_in_sql),
        cmocka_unit_test(test_tokenizer_refuses_unknown_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
