/* test_richtext.c: Markdown to blocks and runs, German word wrap, hanging lists, label fitting. */
#include "dk_test.h"

#include "dk_arena.h"
#include "dk_error.h"
#include "dk_richtext.h"
#include "dk_text.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SHY  "\xC2\xAD" /* U+00AD soft hyphen */
#define NBSP "\xC2\xA0" /* U+00A0 no-break space */
#define FFFD "\xEF\xBF\xBD"
#define PX   10 /* [px] the fake font's width of every code point */

/* A monospace fake font: PX pixels per code point, in every style. It counts its calls and
 * can be told to fail, like TTF_SizeUTF8 does when it runs out of memory. */
typedef struct fake_font {
    long calls;
    long fail_from;  /* the call (1-based) from which it returns -1; 0 never */
    int bad_input;   /* set when handed empty, invalid or unterminated UTF-8, or a bad style */
    int wide_from;   /* strings of this many code points or more are 20 px wider, as shaping
                        can make a whole line wider than its parts; 0 never */
    int wide_hyphen; /* '-' is three code points wide */
} fake_font;

static int fake_measure(void *ctx, int style, const char *s, size_t n)
{
    fake_font *f = ctx;
    f->calls++;
    if (f->fail_from > 0 && f->calls >= f->fail_from)
        return -1;
    if (n == 0 || s[n] != '\0' || !dk_utf8_valid(s, n) || style < 0 ||
        style >= DK_RICHTEXT_STYLE_COUNT)
        f->bad_input = 1;
    int cps = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += dk_utf8_decode(s + i, n - i, &cp);
        cps += cp == '-' && f->wide_hyphen ? 3 : 1;
    }
    return cps * PX + (f->wide_from > 0 && cps >= f->wide_from ? 20 : 0);
}

/* Body text 28 px lines (1.4 × 20 px), headings larger, one list indent of 40 px. */
static dk_richtext_metrics test_metrics(void)
{
    dk_richtext_metrics m = {
        .font = {{28, 20, 0, 14}, {56, 40, 24, 12}, {42, 30, 20, 10}, {34, 24, 16, 8}},
        .list_indent = 40,
        .label_gap = 10,
        .list_item_spacing = 6,
    };
    return m;
}

typedef struct fixture {
    dk_arena *arena;
    fake_font font;
    dk_richtext_metrics metrics;
    dk_richtext_doc doc;
    dk_richtext_layout layout;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->arena = dk_arena_new(64u << 20);
    f->metrics = test_metrics();
    *state = f;
    return f->arena ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_false(f->font.bad_input); /* the layout only ever measures real, valid text */
    dk_arena_free(f->arena);
    free(f);
    return 0;
}

static void lay_out_plain(fixture *f, const char *text, int width)
{
    assert_int_equal(dk_richtext_parse_plain(f->arena, text, strlen(text), &f->doc), DK_OK);
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, width, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_OK);
}

static void lay_out_markdown(fixture *f, const char *text, int width)
{
    assert_int_equal(dk_richtext_parse_markdown(f->arena, text, strlen(text), &f->doc), DK_OK);
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, width, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_OK);
}

/* The text of line i without its label, spans joined, in a static buffer. */
static const char *line_text(const dk_richtext_layout *l, size_t i)
{
    static char buf[4096];
    size_t n = 0;
    assert_true(i < l->nlines);
    const dk_richtext_line *line = &l->lines[i];
    for (size_t s = line->first_span; s < line->first_span + line->nspans; s++) {
        const dk_richtext_span *span = &l->spans[s];
        if (span->is_label)
            continue;
        assert_true(n + span->len < sizeof buf);
        memcpy(buf + n, span->text, span->len);
        n += span->len;
    }
    buf[n] = '\0';
    return buf;
}

static void assert_lines(const dk_richtext_layout *l, const char *const *expected, size_t n)
{
    for (size_t i = 0; i < n && i < l->nlines; i++)
        assert_string_equal(line_text(l, i), expected[i]);
    assert_int_equal(l->nlines, n);
}

/* The text of a block, runs joined, in a static buffer. */
static const char *block_text(const dk_richtext_block *b)
{
    static char buf[4096];
    size_t n = 0;
    for (size_t r = 0; r < b->nruns; r++) {
        assert_true(n + b->runs[r].len < sizeof buf);
        memcpy(buf + n, b->runs[r].text, b->runs[r].len);
        n += b->runs[r].len;
    }
    buf[n] = '\0';
    return buf;
}

static void assert_run(const dk_richtext_run *run, int style, const char *text)
{
    assert_int_equal(run->style, style);
    assert_int_equal(run->len, strlen(text));
    assert_memory_equal(run->text, text, run->len);
}

/* ------------------------------------ parsing ------------------------------------ */

static void test_markdown_headings_lists_and_emphasis_become_blocks_and_runs(void **state)
{
    fixture *f = *state;
    const char *md = "# Hörde\n"
                     "\n"
                     "Der **Phoenix-See** ist *schön*.\n"
                     "\n"
                     "## Gesucht\n"
                     "\n"
                     "- Helfer\n"
                     "- Menschen\n"
                     "  - vor Ort\n"
                     "\n"
                     "Zwischentext\n"
                     "\n"
                     "3. drei\n"
                     "4. vier\n"
                     "\n"
                     "#### Ganz tief\n";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    const dk_richtext_block *b = f->doc.blocks;
    assert_int_equal(f->doc.nblocks, 10);

    assert_int_equal(b[0].kind, DK_RICHTEXT_HEADING);
    assert_int_equal(b[0].level, 1);
    assert_int_equal(b[0].nruns, 1);
    assert_run(&b[0].runs[0], DK_RICHTEXT_STYLE(DK_RICHTEXT_REGULAR, 1), "Hörde");

    assert_int_equal(b[1].kind, DK_RICHTEXT_PARAGRAPH);
    assert_int_equal(b[1].depth, 0);
    assert_null(b[1].label);
    assert_int_equal(b[1].nruns, 5);
    assert_run(&b[1].runs[0], DK_RICHTEXT_REGULAR, "Der ");
    assert_run(&b[1].runs[1], DK_RICHTEXT_BOLD, "Phoenix-See");
    assert_run(&b[1].runs[2], DK_RICHTEXT_REGULAR, " ist ");
    assert_run(&b[1].runs[3], DK_RICHTEXT_ITALIC, "schön");
    assert_run(&b[1].runs[4], DK_RICHTEXT_REGULAR, ".");

    assert_int_equal(b[2].kind, DK_RICHTEXT_HEADING);
    assert_int_equal(b[2].level, 2);
    assert_int_equal(DK_RICHTEXT_STYLE_LEVEL(b[2].runs[0].style), 2);
    assert_string_equal(block_text(&b[2]), "Gesucht");

    assert_int_equal(b[3].kind, DK_RICHTEXT_LIST_ITEM);
    assert_int_equal(b[3].depth, 1);
    assert_string_equal(b[3].label, "•");
    assert_string_equal(block_text(&b[3]), "Helfer");
    assert_string_equal(block_text(&b[4]), "Menschen");
    assert_int_equal(b[5].kind, DK_RICHTEXT_LIST_ITEM);
    assert_int_equal(b[5].depth, 2);
    assert_string_equal(b[5].label, "–");
    assert_string_equal(block_text(&b[5]), "vor Ort");

    assert_int_equal(b[6].kind, DK_RICHTEXT_PARAGRAPH);
    assert_int_equal(b[6].depth, 0);
    assert_string_equal(block_text(&b[6]), "Zwischentext");

    assert_int_equal(b[7].kind, DK_RICHTEXT_LIST_ITEM);
    assert_string_equal(b[7].label, "3.");
    assert_string_equal(block_text(&b[7]), "drei");
    assert_string_equal(b[8].label, "4.");

    assert_int_equal(b[9].kind, DK_RICHTEXT_HEADING);
    assert_int_equal(b[9].level, 3); /* #### and deeper are shown as level 3 */
    assert_int_equal(b[9].runs[0].style, DK_RICHTEXT_STYLE(DK_RICHTEXT_REGULAR, 3));
}

static void test_nested_emphasis_combines_bold_and_italic(void **state)
{
    fixture *f = *state;
    const char *md = "***beides*** und **fett *kursiv***";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 1);
    const dk_richtext_block *b = &f->doc.blocks[0];
    assert_int_equal(b->nruns, 4);
    assert_run(&b->runs[0], DK_RICHTEXT_BOLD | DK_RICHTEXT_ITALIC, "beides");
    assert_run(&b->runs[1], DK_RICHTEXT_REGULAR, " und ");
    assert_run(&b->runs[2], DK_RICHTEXT_BOLD, "fett ");
    assert_run(&b->runs[3], DK_RICHTEXT_BOLD | DK_RICHTEXT_ITALIC, "kursiv");
}

static void test_links_show_their_text_and_soft_breaks_become_spaces(void **state)
{
    fixture *f = *state;
    const char *md = "Mehr   dazu [beim Bezirk](https://www.dortmund.de/hoerde)\n"
                     "und <https://example.org>\n"
                     "im    Rathaus.   ";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 1);
    assert_string_equal(block_text(&f->doc.blocks[0]),
                        "Mehr dazu beim Bezirk und https://example.org im Rathaus.");
}

static void test_hard_line_breaks_are_kept_and_force_a_new_line(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "Rathaus Hörde  \nHörder Bahnhofstraße 16\\\n44263 Dortmund", 1000);
    assert_int_equal(f->doc.nblocks, 1);
    assert_string_equal(block_text(&f->doc.blocks[0]),
                        "Rathaus Hörde\nHörder Bahnhofstraße 16\n44263 Dortmund");
    const char *lines[] = {"Rathaus Hörde", "Hörder Bahnhofstraße 16", "44263 Dortmund"};
    assert_lines(&f->layout, lines, 3);
}

static void test_code_block_keeps_its_line_breaks(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "```\nZeile 1\n    Zeile 2\n```\n\nDanach\nweiter", 1000);
    assert_int_equal(f->doc.nblocks, 2);
    assert_string_equal(block_text(&f->doc.blocks[0]), "Zeile 1\nZeile 2");
    assert_string_equal(block_text(&f->doc.blocks[1]), "Danach weiter");
    const char *lines[] = {"Zeile 1", "Zeile 2", "Danach weiter"};
    assert_lines(&f->layout, lines, 3);
}

static void test_loose_list_item_keeps_its_label_on_the_first_paragraph_only(void **state)
{
    fixture *f = *state;
    const char *md = "1) eins\n\n   weiter\n\n2) zwei\n";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    const dk_richtext_block *b = f->doc.blocks;
    assert_int_equal(f->doc.nblocks, 3);
    assert_int_equal(b[0].kind, DK_RICHTEXT_LIST_ITEM);
    assert_string_equal(b[0].label, "1)");
    assert_string_equal(block_text(&b[0]), "eins");
    assert_int_equal(b[1].kind, DK_RICHTEXT_PARAGRAPH); /* a continuation of item 1 */
    assert_int_equal(b[1].depth, 1);
    assert_null(b[1].label);
    assert_string_equal(block_text(&b[1]), "weiter");
    assert_string_equal(b[2].label, "2)");
}

static void test_entities_are_decoded_and_unknown_ones_shown_as_written(void **state)
{
    fixture *f = *state;
    const char *md = "Stra&szlig;e &amp; Platz&nbsp;1, Stadt&shy;bezirk &#x2013; &#228; "
                     "&unbekannt; &#0;";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    assert_string_equal(block_text(&f->doc.blocks[0]),
                        "Straße & Platz" NBSP "1, Stadt" SHY "bezirk – ä &unbekannt; " FFFD);
}

static void test_raw_html_is_shown_as_text_not_interpreted(void **state)
{
    fixture *f = *state;
    const char *md = "<b>fett</b> oder nicht";
    assert_int_equal(dk_richtext_parse_markdown(f->arena, md, strlen(md), &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 1);
    assert_string_equal(block_text(&f->doc.blocks[0]), "<b>fett</b> oder nicht");
    assert_int_equal(f->doc.blocks[0].runs[0].style, DK_RICHTEXT_REGULAR);
}

static void test_plain_text_lines_become_paragraphs_with_white_space_collapsed(void **state)
{
    fixture *f = *state;
    const char *text = "Erste  Zeile\n\n  Zweite\t Zeile \r\n*kein* Markdown";
    assert_int_equal(dk_richtext_parse_plain(f->arena, text, strlen(text), &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 3);
    assert_string_equal(block_text(&f->doc.blocks[0]), "Erste Zeile");
    assert_string_equal(block_text(&f->doc.blocks[1]), "Zweite Zeile");
    assert_string_equal(block_text(&f->doc.blocks[2]), "*kein* Markdown");
    for (size_t i = 0; i < f->doc.nblocks; i++) {
        assert_int_equal(f->doc.blocks[i].kind, DK_RICHTEXT_PARAGRAPH);
        assert_int_equal(f->doc.blocks[i].nruns, 1);
        assert_int_equal(f->doc.blocks[i].runs[0].style, DK_RICHTEXT_REGULAR);
    }
}

/* ------------------------------------ wrapping ------------------------------------ */

static void test_words_wrap_at_spaces_filling_each_line(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "Der Weg führt über breite Wege", 100); /* 10 characters a line */
    const char *lines[] = {"Der Weg", "führt über", "breite", "Wege"};
    assert_lines(&f->layout, lines, 4);
    const int widths[] = {70, 100, 60, 40};
    for (size_t i = 0; i < 4; i++) {
        const dk_richtext_line *line = &f->layout.lines[i];
        assert_int_equal(line->width, widths[i]);
        assert_int_equal(line->x, 0);
        assert_int_equal(line->y, (int)i * 28);
        assert_int_equal(line->baseline, (int)i * 28 + 20);
        assert_int_equal(line->height, 28);
        assert_false(line->overflow);
        assert_int_equal(line->block, 0);
    }
    assert_int_equal(f->layout.height, 4 * 28);
    assert_int_equal(f->layout.max_line_width, 100);
    assert_int_equal(f->layout.overflows, 0);
}

static void test_soft_hyphen_break_shows_a_hyphen_and_otherwise_vanishes(void **state)
{
    fixture *f = *state;
    const char *word = "Stadt" SHY "bezirks" SHY "marketing"; /* 21 letters */
    lay_out_plain(f, word, 150);
    const char *broken[] = {"Stadtbezirks-", "marketing"};
    assert_lines(&f->layout, broken, 2);
    assert_int_equal(f->layout.lines[0].width, 130); /* the hyphen is measured */
    assert_int_equal(f->layout.spans[0].len, strlen("Stadtbezirks-"));
    assert_int_equal(f->layout.max_line_width, 130);

    lay_out_plain(f, word, 300);
    const char *whole[] = {"Stadtbezirksmarketing"};
    assert_lines(&f->layout, whole, 1);
    assert_int_equal(f->layout.lines[0].width, 210); /* soft hyphens take no room */
    assert_null(strstr(f->layout.spans[0].text, SHY));

    lay_out_markdown(f, "Stadt&shy;bezirks&shy;marketing", 150); /* the same as an entity */
    assert_lines(&f->layout, broken, 2);
}

static void test_word_end_narrower_than_the_hyphen_fits_without_a_break(void **state)
{
    fixture *f = *state;
    f->font.wide_hyphen = 1;
    lay_out_plain(f, "ab" SHY "c d", 40); /* "ab-" is 50 px, "abc" 30 px */
    const char *lines[] = {"abc", "d"};
    assert_lines(&f->layout, lines, 2);
    assert_int_equal(f->layout.overflows, 0);
}

static void test_soft_hyphen_at_a_word_edge_is_no_break_opportunity(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, SHY "Hörde" SHY " " SHY "See", 50);
    const char *lines[] = {"Hörde", "See"};
    assert_lines(&f->layout, lines, 2);
    assert_int_equal(f->layout.overflows, 0);
}

static void test_hard_hyphen_allows_a_break_after_it(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "am Phoenix-See", 90);
    const char *lines[] = {"am", "Phoenix-", "See"};
    assert_lines(&f->layout, lines, 3);
    assert_int_equal(f->layout.overflows, 0);

    lay_out_plain(f, "Phoenix\xE2\x80\x90See", 90); /* U+2010 HYPHEN */
    const char *unicode[] = {"Phoenix\xE2\x80\x90", "See"};
    assert_lines(&f->layout, unicode, 2);

    lay_out_plain(f, "bei -1500 Grad", 40); /* a sign at the start of a word is no break */
    const char *sign[] = {"bei", "-1500", "Grad"};
    assert_lines(&f->layout, sign, 3);
    assert_int_equal(f->layout.overflows, 1); /* "-1500" is 50 px */
}

static void test_slash_allows_a_break_after_it(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "Helferinnen/Helfer gesucht", 120);
    const char *lines[] = {"Helferinnen/", "Helfer", "gesucht"};
    assert_lines(&f->layout, lines, 3);
    assert_int_equal(f->layout.overflows, 0);
}

static void test_long_compound_without_break_is_not_cut_and_is_flagged(void **state)
{
    fixture *f = *state;
    const char *word = "Donaudampfschifffahrtsgesellschaftskapitän"; /* 42 letters */
    char text[128];
    snprintf(text, sizeof text, "Der %s kommt", word);
    lay_out_plain(f, text, 200);
    const char *lines[] = {"Der", word, "kommt"};
    assert_lines(&f->layout, lines, 3);
    assert_false(f->layout.lines[0].overflow);
    assert_true(f->layout.lines[1].overflow);
    assert_int_equal(f->layout.lines[1].width, 420);
    assert_false(f->layout.lines[2].overflow);
    assert_int_equal(f->layout.overflows, 1);
    assert_int_equal(f->layout.max_line_width, 420);
}

static void test_overflowing_compound_still_breaks_at_its_soft_hyphens(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "Fußgänger" SHY "überweg", 60);
    const char *lines[] = {"Fußgänger-", "überweg"};
    assert_lines(&f->layout, lines, 2);
    assert_true(f->layout.lines[0].overflow); /* 100 px: no earlier opportunity */
    assert_true(f->layout.lines[1].overflow); /* 70 px */
    assert_int_equal(f->layout.overflows, 2);
}

static void test_umlauts_sharp_s_and_turkish_letters_count_as_one_code_point_each(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "Größe Übergänge ğış İstanbul Straße", 100);
    const char *lines[] = {"Größe", "Übergänge", "ğış", "İstanbul", "Straße"};
    assert_lines(&f->layout, lines, 5);
    const int widths[] = {50, 90, 30, 80, 60};
    for (size_t i = 0; i < 5; i++) {
        const dk_richtext_span *span = &f->layout.spans[f->layout.lines[i].first_span];
        assert_int_equal(f->layout.lines[i].width, widths[i]);
        assert_true(span->len > (size_t)widths[i] / PX); /* more bytes than code points */
        assert_true(dk_utf8_valid(span->text, span->len));
    }
    assert_int_equal(f->layout.overflows, 0);
}

static void test_no_break_space_does_not_break(void **state)
{
    fixture *f = *state;
    lay_out_plain(f, "Es sind 5" NBSP "km", 80);
    const char *lines[] = {"Es sind", "5" NBSP "km"};
    assert_lines(&f->layout, lines, 2);

    lay_out_plain(f, "5" NBSP "km", 30); /* too narrow, but still not split */
    const char *together[] = {"5" NBSP "km"};
    assert_lines(&f->layout, together, 1);
    assert_int_equal(f->layout.overflows, 1);

    lay_out_markdown(f, "z.&nbsp;B. Hörde", 50);
    const char *entity[] = {"z." NBSP "B.", "Hörde"};
    assert_lines(&f->layout, entity, 2);
}

static void test_line_wider_as_a_whole_than_its_parts_gives_back_a_word(void **state)
{
    fixture *f = *state;
    f->font.wide_from = 8;
    lay_out_plain(f, "abcd efgh ij", 95); /* parts: 40 + 50 px; whole: 90 + 20 px */
    const char *lines[] = {"abcd", "efgh ij"};
    assert_lines(&f->layout, lines, 2);
    assert_int_equal(f->layout.lines[0].width, 40);
    assert_int_equal(f->layout.lines[1].width, 70);
    assert_int_equal(f->layout.overflows, 0);

    dk_richtext_label label;
    assert_int_equal(
        dk_richtext_fit_label(f->arena, "abcd efgh", 9, 0, 95, 2, fake_measure, &f->font, &label),
        DK_OK);
    assert_true(label.fits);
    assert_int_equal(label.nlines, 2);
    assert_int_equal(label.max_width, 40);
}

static void test_styled_runs_share_a_line_at_the_right_positions(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "Ein *schöner* **Tag**", 1000);
    assert_int_equal(f->layout.nlines, 1);
    assert_int_equal(f->layout.nspans, 4);
    const dk_richtext_span *s = f->layout.spans;
    const int x[] = {0, 40, 110, 120}, w[] = {40, 70, 10, 30};
    const int style[] = {DK_RICHTEXT_REGULAR, DK_RICHTEXT_ITALIC, DK_RICHTEXT_REGULAR,
                         DK_RICHTEXT_BOLD};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(s[i].x, x[i]);
        assert_int_equal(s[i].width, w[i]);
        assert_int_equal(s[i].style, style[i]);
        assert_int_equal(s[i].y, 0);
        assert_int_equal(s[i].baseline, 20);
        assert_false(s[i].is_label);
    }
    assert_int_equal(f->layout.lines[0].width, 150);
}

static void test_style_change_inside_a_word_is_no_break_opportunity(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "Ein **Stadt**bezirk", 100);
    const char *lines[] = {"Ein", "Stadtbezirk"};
    assert_lines(&f->layout, lines, 2);
    const dk_richtext_line *second = &f->layout.lines[1];
    assert_int_equal(second->nspans, 2);
    assert_int_equal(f->layout.spans[second->first_span].style, DK_RICHTEXT_BOLD);
    assert_int_equal(f->layout.spans[second->first_span + 1].x, 50);
    assert_true(second->overflow);
}

static void test_list_item_continuation_lines_are_indented_after_the_bullet(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f,
                     "- Ein langer Listenpunkt, der umbricht\n"
                     "  - innen\n"
                     "\n"
                     "10. zehn\n",
                     200);
    /* text starts one indent (40 px) in, so 16 characters fit */
    const char *lines[] = {"Ein langer", "Listenpunkt, der", "umbricht", "innen", "zehn"};
    assert_lines(&f->layout, lines, 5);
    const dk_richtext_layout *l = &f->layout;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(l->lines[i].x, 40);
        assert_int_equal(l->lines[i].block, 0);
        const dk_richtext_span *first = &l->spans[l->lines[i].first_span];
        assert_int_equal(first->is_label, i == 0); /* the bullet only on the first line */
        assert_int_equal(first->x, i == 0 ? 0 : 40);
    }
    assert_string_equal(l->spans[0].text, "•");
    assert_int_equal(l->lines[1].width, 160);

    /* The nested item hangs one indent further in. */
    const dk_richtext_span *dash = &l->spans[l->lines[3].first_span];
    assert_true(dash->is_label);
    assert_string_equal(dash->text, "–");
    assert_int_equal(dash->x, 40);
    assert_int_equal(l->lines[3].x, 80);

    /* "10." is 30 px: with the 10 px gap it just fits the indent. */
    const dk_richtext_span *number = &l->spans[l->lines[4].first_span];
    assert_string_equal(number->text, "10.");
    assert_int_equal(number->width, 30);
    assert_int_equal(l->lines[4].x, 40);
    assert_int_equal(f->layout.overflows, 0);
}

static void test_wide_list_number_pushes_the_text_instead_of_overlapping(void **state)
{
    fixture *f = *state;
    f->metrics.label_gap = 20;
    lay_out_markdown(f, "100. hundert\n", 300);
    const dk_richtext_line *line = &f->layout.lines[0];
    assert_int_equal(line->x, 60); /* 40 px label + 20 px gap, more than the 40 px indent */
    assert_int_equal(f->layout.spans[0].width, 40);
}

static void test_empty_list_item_still_shows_its_bullet(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "-\n- zwei\n", 300);
    assert_int_equal(f->doc.nblocks, 2);
    assert_int_equal(f->doc.blocks[0].nruns, 0);
    assert_int_equal(f->layout.nlines, 2);
    assert_int_equal(f->layout.lines[0].nspans, 1);
    assert_true(f->layout.spans[0].is_label);
    assert_string_equal(line_text(&f->layout, 0), "");
    assert_int_equal(f->layout.lines[1].y, 28 + 6);
}

static void test_block_spacing_and_total_height_follow_the_metrics(void **state)
{
    fixture *f = *state;
    lay_out_markdown(f, "# Titel\n\nText\n\n- a\n- b\n\nEnde\n", 1000);
    const dk_richtext_layout *l = &f->layout;
    assert_int_equal(l->nlines, 5);
    const int y[] = {0, 56 + 12, 96 + 14, 138 + 6, 172 + 14};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(l->lines[i].y, y[i]);
    assert_int_equal(l->lines[0].height, 56);
    assert_int_equal(l->lines[0].baseline, 40);
    assert_int_equal(l->spans[0].style, DK_RICHTEXT_STYLE(DK_RICHTEXT_REGULAR, 1));
    assert_int_equal(l->height, 186 + 28);
}

static void test_empty_and_blank_input_give_no_blocks_and_no_lines(void **state)
{
    fixture *f = *state;
    const char *inputs[] = {"", "   ", "\n\n\n", " \t\r\n \n", "\xEF\xBB\xBF \n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        lay_out_plain(f, inputs[i], 100);
        assert_int_equal(f->doc.nblocks, 0);
        assert_int_equal(f->layout.nlines, 0);
        assert_int_equal(f->layout.height, 0);
        lay_out_markdown(f, inputs[i], 100);
        assert_int_equal(f->doc.nblocks, 0);
        assert_int_equal(f->layout.nlines, 0);
        assert_int_equal(f->layout.max_line_width, 0);
    }
    const char *spaces = "&#32;&#9;\n\n&#10;"; /* white space written as entities */
    assert_int_equal(dk_richtext_parse_markdown(f->arena, spaces, strlen(spaces), &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 0);
    assert_int_equal(dk_richtext_parse_markdown(f->arena, NULL, 0, &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, 0);
    assert_int_equal(dk_richtext_parse_plain(f->arena, NULL, 1, &f->doc), DK_ERR_INVALID);
    assert_int_equal(f->font.calls, 0);
}

static void test_invalid_utf8_becomes_replacement_characters_and_never_splits(void **state)
{
    fixture *f = *state;
    /* a truncated ö, a stray continuation byte, 0xFF, an overlong '/', a surrogate */
    const char *bad = "Gr\xC3 \x80x \xFF \xC0\xAF \xED\xA0\x80 Stra\xC3\x9F\xC3";
    lay_out_plain(f, bad, 30);
    assert_string_equal(block_text(&f->doc.blocks[0]), "Gr" FFFD " " FFFD "x " FFFD " " FFFD FFFD
                                                       " " FFFD FFFD FFFD " Straß" FFFD);
    for (size_t i = 0; i < f->layout.nspans; i++)
        assert_true(dk_utf8_valid(f->layout.spans[i].text, f->layout.spans[i].len));
    lay_out_markdown(f, bad, 30);
    assert_true(f->layout.nlines > 0);

    /* A hand-made document with raw bad bytes is still drawn safely. */
    dk_richtext_run run = {DK_RICHTEXT_REGULAR,
                           "a\xFF"
                           "b c",
                           5};
    dk_richtext_block block = {DK_RICHTEXT_PARAGRAPH, 0, 0, NULL, &run, 1};
    dk_richtext_doc doc = {&block, 1};
    assert_int_equal(
        dk_richtext_lay_out(f->arena, &doc, 1000, &f->metrics, fake_measure, &f->font, &f->layout),
        DK_OK);
    assert_string_equal(line_text(&f->layout, 0), "a" FFFD "b c");

    /* Repeated spaces (which the parsers never make) neither end nor start a line. */
    run = (dk_richtext_run){DK_RICHTEXT_REGULAR, "ab   cd  ", 9};
    assert_int_equal(
        dk_richtext_lay_out(f->arena, &doc, 30, &f->metrics, fake_measure, &f->font, &f->layout),
        DK_OK);
    const char *lines[] = {"ab", "cd"};
    assert_lines(&f->layout, lines, 2);
    assert_int_equal(f->layout.lines[0].width, 20);
    assert_int_equal(f->layout.lines[1].width, 20);
    run = (dk_richtext_run){DK_RICHTEXT_REGULAR, "abcd   ef", 9}; /* after an overflow too */
    assert_int_equal(
        dk_richtext_lay_out(f->arena, &doc, 30, &f->metrics, fake_measure, &f->font, &f->layout),
        DK_OK);
    const char *overflowing[] = {"abcd", "ef"};
    assert_lines(&f->layout, overflowing, 2);
    assert_int_equal(f->layout.lines[1].width, 20);
}

/* Random bytes biased towards what matters here: Markdown syntax, white space, soft hyphens,
 * umlauts and broken sequences. Every layout must be valid UTF-8 and never wider than the
 * line unless the line says it overflows. */
static void test_random_input_lays_out_safely(void **state)
{
    fixture *f = *state;
    static const char *const atoms[] = {"a",
                                        "Wort",
                                        " ",
                                        "  ",
                                        "\n",
                                        "\n\n",
                                        "*",
                                        "**",
                                        "_",
                                        "- ",
                                        "1. ",
                                        "# ",
                                        "-",
                                        "/",
                                        SHY,
                                        NBSP,
                                        "ä",
                                        "ß",
                                        "İ",
                                        "\xE2\x80\x8B",
                                        "\xC3",
                                        "\x80",
                                        "\xFF",
                                        "&shy;",
                                        "&#0;",
                                        "  \n",
                                        "\\\n",
                                        "`",
                                        "[x](y)",
                                        "> ",
                                        "\t",
                                        "\r\n",
                                        "Stadtbezirksmarketing"};
    uint32_t seed = 2024;
    char text[600];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t count = (seed >> 16) % 60;
        for (size_t i = 0; i < count; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *atom = atoms[(seed >> 16) % (sizeof atoms / sizeof atoms[0])];
            size_t k = strlen(atom);
            if (n + k >= sizeof text)
                break;
            memcpy(text + n, atom, k);
            n += k;
        }
        seed = seed * 1103515245u + 12345u;
        int width = 1 + (int)((seed >> 16) % 300);
        dk_arena_reset(f->arena);
        for (int markdown = 0; markdown < 2; markdown++) {
            dk_err err = markdown ? dk_richtext_parse_markdown(f->arena, text, n, &f->doc)
                                  : dk_richtext_parse_plain(f->arena, text, n, &f->doc);
            assert_int_equal(err, DK_OK);
            for (size_t b = 0; b < f->doc.nblocks; b++)
                for (size_t r = 0; r < f->doc.blocks[b].nruns; r++) {
                    const dk_richtext_run *run = &f->doc.blocks[b].runs[r];
                    assert_true(run->len > 0);
                    assert_true(dk_utf8_valid(run->text, run->len));
                }
            assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, width, &f->metrics,
                                                 fake_measure, &f->font, &f->layout),
                             DK_OK);
            for (size_t i = 0; i < f->layout.nlines; i++) {
                const dk_richtext_line *line = &f->layout.lines[i];
                if (!line->overflow)
                    assert_true(line->x + line->width <= (width > line->x ? width : line->x + 1));
                if (i > 0)
                    assert_true(line->y >=
                                f->layout.lines[i - 1].y + f->layout.lines[i - 1].height);
            }
            for (size_t s = 0; s < f->layout.nspans; s++) {
                const dk_richtext_span *span = &f->layout.spans[s];
                assert_true(dk_utf8_valid(span->text, span->len));
                assert_int_equal(strlen(span->text), span->len);
                assert_null(strstr(span->text, SHY));
            }
        }
        dk_richtext_label label;
        assert_int_equal(dk_richtext_fit_label(f->arena, text, n, DK_RICHTEXT_BOLD, width, 3,
                                               fake_measure, &f->font, &label),
                         DK_OK);
        assert_true(label.nlines <= 3);
        if (label.fits)
            assert_true(label.max_width <= width);
    }
}

/* Wrapping keeps every character: the lines joined again give the text back, apart from
 * spaces and hyphens; and with a greedy fill, the next line's first word would not have fit. */
static void test_wrapping_keeps_every_character_and_fills_lines_greedily(void **state)
{
    fixture *f = *state;
    const char *text = "Kurz vor Weihnachten soll der Phoenix-See leuchten. Kinder aus Kitas "
                       "und Schulen basteln Laternen, Chöre und Musik" SHY "gruppen aus Hörde "
                       "singen und spielen. Helferinnen/Helfer für Auf- und Abbau gesucht: "
                       "Stadt" SHY "bezirks" SHY "marketing, Bürger" SHY "beteiligung.";
    char expected[1024], joined[1024];
    size_t ne = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '-' || (p[0] == '\xC2' && p[1] == '\xAD')) {
            p += *p == '\xC2';
            continue;
        }
        expected[ne++] = *p;
    }
    expected[ne] = '\0';
    for (int width = 120; width <= 800; width += 10) {
        lay_out_plain(f, text, width);
        size_t nj = 0;
        for (size_t i = 0; i < f->layout.nlines; i++) {
            const char *line = line_text(&f->layout, i);
            for (const char *p = line; *p; p++)
                if (*p != ' ' && *p != '-')
                    joined[nj++] = *p;
            assert_false(f->layout.lines[i].overflow);
            assert_true(f->layout.lines[i].width <= width);
            if (i + 1 < f->layout.nlines) { /* greedy: the next word did not fit here */
                const char *next = line_text(&f->layout, i + 1);
                size_t word = strcspn(next, " -/");
                word += next[word] == '-' || next[word] == '/'; /* it stays on the line */
                int cps = 0;
                for (size_t k = 0; k < word; k++)
                    cps += ((unsigned char)next[k] & 0xC0) != 0x80;
                assert_true(f->layout.lines[i].width + PX + cps * PX > width);
            }
        }
        joined[nj] = '\0';
        assert_string_equal(joined, expected);
    }
}

/* dir inside the source tree: from DK_SOURCE_DIR (ctest) if set, else next to this file, so
 * that running the program by hand from anywhere finds the content too. */
static void source_path(const char *dir, char *out, size_t size)
{
    const char *env = getenv("DK_SOURCE_DIR");
    if (env && *env) {
        snprintf(out, size, "%s", dkt_source_path(dir));
        return;
    }
    const char *file = __FILE__, *tests = strstr(file, "tests/test_richtext.c");
    int root = tests ? (int)(tests - file) : 0;
    snprintf(out, size, "%.*s%s%s", root, file, root ? "" : "../", dir);
}

static void test_every_content_body_wraps_at_sixty_characters_without_overflow(void **state)
{
    fixture *f = *state;
    const char *dirs[] = {"content/projects", "content/pages", "content/groups",
                          "content/districts"};
    int bodies = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char root[4096];
        source_path(dirs[d], root, sizeof root);
        DIR *dir = opendir(root);
        if (!dir)
            continue;
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (e->d_name[0] == '.')
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", root, e->d_name);
            DIR *entity = opendir(sub);
            if (!entity)
                continue;
            struct dirent *file;
            while ((file = readdir(entity))) {
                size_t n = strlen(file->d_name);
                if (n < 3 || strcmp(file->d_name + n - 3, ".md") != 0)
                    continue;
                size_t len;
                char rel[4096];
                snprintf(rel, sizeof rel, "%s/%s", e->d_name, file->d_name);
                char *md = dkt_read(root, rel, &len);
                assert_non_null(md);
                dk_arena_reset(f->arena);
                lay_out_markdown(f, md, 60 * PX);
                if (f->layout.overflows)
                    fail_msg("%s/%s has a word longer than 60 characters", root, rel);
                assert_true(f->layout.nlines > 0);
                free(md);
                bodies++;
            }
            closedir(entity);
        }
        closedir(dir);
    }
    assert_true(bodies > 0);
}

/* ------------------------------------ labels ------------------------------------ */

static void test_label_wraps_into_the_lines_it_is_allowed(void **state)
{
    fixture *f = *state;
    dk_richtext_label label;
    const char *text = "Projekte ansehen";
    assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), DK_RICHTEXT_BOLD, 100, 2,
                                           fake_measure, &f->font, &label),
                     DK_OK);
    assert_true(label.fits);
    assert_int_equal(label.nlines, 2);
    assert_string_equal(label.lines[0].text, "Projekte");
    assert_string_equal(label.lines[1].text, "ansehen");
    assert_int_equal(label.lines[1].width, 70);
    assert_int_equal(label.max_width, 80);

    assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), DK_RICHTEXT_BOLD, 160, 2,
                                           fake_measure, &f->font, &label),
                     DK_OK);
    assert_true(label.fits);
    assert_int_equal(label.nlines, 1);
    assert_string_equal(label.lines[0].text, "Projekte ansehen");

    text = "Stadtbezirks" SHY "marketing\nkontaktieren";
    assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), DK_RICHTEXT_REGULAR, 130,
                                           3, fake_measure, &f->font, &label),
                     DK_OK);
    assert_true(label.fits);
    assert_int_equal(label.nlines, 3);
    assert_string_equal(label.lines[0].text, "Stadtbezirks-");
    assert_string_equal(label.lines[1].text, "marketing");
    assert_string_equal(label.lines[2].text, "kontaktieren");
}

static void test_label_that_does_not_fit_says_so(void **state)
{
    fixture *f = *state;
    dk_richtext_label label;
    const char *text = "Interesse an diesem Projekt bekunden";
    assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), DK_RICHTEXT_BOLD, 100, 2,
                                           fake_measure, &f->font, &label),
                     DK_OK);
    assert_false(label.fits); /* needs 4 lines */
    assert_int_equal(label.nlines, 2);

    text = "Bürgerbeteiligungsverfahren";
    assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), DK_RICHTEXT_BOLD, 100, 3,
                                           fake_measure, &f->font, &label),
                     DK_OK);
    assert_false(label.fits); /* one line, but wider than the button */
    assert_int_equal(label.nlines, 1);
    assert_string_equal(label.lines[0].text, text);
    assert_int_equal(label.max_width, 270);

    assert_int_equal(dk_richtext_fit_label(f->arena, " ", 1, DK_RICHTEXT_BOLD, 100, 1, fake_measure,
                                           &f->font, &label),
                     DK_OK);
    assert_true(label.fits);
    assert_int_equal(label.nlines, 0);

    assert_int_equal(
        dk_richtext_fit_label(f->arena, "x", 1, 0, 0, 1, fake_measure, &f->font, &label),
        DK_ERR_INVALID);
    assert_int_equal(
        dk_richtext_fit_label(f->arena, "x", 1, 0, 100, 0, fake_measure, &f->font, &label),
        DK_ERR_INVALID);
    assert_int_equal(dk_richtext_fit_label(f->arena, "x", 1, 0, 100,
                                           DK_RICHTEXT_LABEL_MAX_LINES + 1, fake_measure, &f->font,
                                           &label),
                     DK_ERR_INVALID);
}

/* ------------------------------------ failures ------------------------------------ */

static void test_measure_failure_is_reported_as_invalid(void **state)
{
    fixture *f = *state;
    const char *text = "Der Weg führt über breite Wege";
    assert_int_equal(dk_richtext_parse_plain(f->arena, text, strlen(text), &f->doc), DK_OK);
    for (long at = 1; at <= 6; at++) {
        f->font.calls = 0;
        f->font.fail_from = at;
        assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 100, &f->metrics, fake_measure,
                                             &f->font, &f->layout),
                         DK_ERR_INVALID);
        assert_int_equal(f->layout.nlines, 0);
        assert_non_null(strstr(dk_error_detail(), "measuring"));
        dk_richtext_label label;
        f->font.calls = 0;
        assert_int_equal(dk_richtext_fit_label(f->arena, text, strlen(text), 0, 100, 2,
                                               fake_measure, &f->font, &label),
                         DK_ERR_INVALID);
        assert_int_equal(label.nlines, 0);
    }
    f->font.fail_from = 0;
}

static void test_bad_width_or_metrics_are_rejected(void **state)
{
    fixture *f = *state;
    assert_int_equal(dk_richtext_parse_plain(f->arena, "a", 1, &f->doc), DK_OK);
    assert_int_equal(
        dk_richtext_lay_out(f->arena, &f->doc, 0, &f->metrics, fake_measure, &f->font, &f->layout),
        DK_ERR_INVALID);
    f->metrics.font[2].line_height = 0;
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 100, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_ERR_INVALID);
    f->metrics = test_metrics();
    f->metrics.list_indent = -1;
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 100, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_ERR_INVALID);
}

/* Text made of count copies of unit. Free with free(). */
static char *repeat(const char *unit, size_t count, size_t *len)
{
    size_t k = strlen(unit);
    char *s = malloc(k * count + 1);
    assert_non_null(s);
    for (size_t i = 0; i < count; i++)
        memcpy(s + i * k, unit, k);
    s[k * count] = '\0';
    *len = k * count;
    return s;
}

static void test_limits_return_DK_ERR_LIMIT(void **state)
{
    fixture *f = *state;
    size_t len;

    /* input */
    char *big = repeat("a", DK_RICHTEXT_MAX_INPUT + 1, &len);
    assert_int_equal(dk_richtext_parse_markdown(f->arena, big, len, &f->doc), DK_ERR_LIMIT);
    assert_int_equal(dk_richtext_parse_plain(f->arena, big, len, &f->doc), DK_ERR_LIMIT);
    assert_int_equal(f->doc.nblocks, 0);
    dk_richtext_label label;
    assert_int_equal(
        dk_richtext_fit_label(f->arena, big, len, 0, 100, 1, fake_measure, &f->font, &label),
        DK_ERR_LIMIT);
    free(big);

    /* blocks */
    char *blocks = repeat("a\n", DK_RICHTEXT_MAX_BLOCKS, &len);
    assert_int_equal(dk_richtext_parse_plain(f->arena, blocks, len, &f->doc), DK_OK);
    assert_int_equal(f->doc.nblocks, DK_RICHTEXT_MAX_BLOCKS);
    free(blocks);
    blocks = repeat("a\n", DK_RICHTEXT_MAX_BLOCKS + 1, &len);
    assert_int_equal(dk_richtext_parse_plain(f->arena, blocks, len, &f->doc), DK_ERR_LIMIT);
    assert_non_null(strstr(dk_error_detail(), "blocks"));
    free(blocks);
    blocks = repeat("- a\n", DK_RICHTEXT_MAX_BLOCKS + 1, &len);
    assert_int_equal(dk_richtext_parse_markdown(f->arena, blocks, len, &f->doc), DK_ERR_LIMIT);
    free(blocks);
    dk_arena_reset(f->arena);

    /* runs: every "*a*b" is an italic and a regular run */
    char *runs = repeat("*a*b", DK_RICHTEXT_MAX_RUNS / 2, &len);
    assert_int_equal(dk_richtext_parse_markdown(f->arena, runs, len, &f->doc), DK_OK);
    assert_int_equal(f->doc.blocks[0].nruns, DK_RICHTEXT_MAX_RUNS);
    free(runs);
    runs = repeat("*a*b", DK_RICHTEXT_MAX_RUNS / 2 + 1, &len);
    assert_int_equal(dk_richtext_parse_markdown(f->arena, runs, len, &f->doc), DK_ERR_LIMIT);
    assert_non_null(strstr(dk_error_detail(), "runs"));
    free(runs);
    dk_arena_reset(f->arena);

    /* lines: one word a line */
    char *words = repeat("ab ", DK_RICHTEXT_MAX_LINES, &len);
    assert_int_equal(dk_richtext_parse_plain(f->arena, words, len, &f->doc), DK_OK);
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 2 * PX, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_OK);
    assert_int_equal(f->layout.nlines, DK_RICHTEXT_MAX_LINES);
    assert_int_equal(f->layout.height, DK_RICHTEXT_MAX_LINES * 28);
    free(words);
    words = repeat("ab ", DK_RICHTEXT_MAX_LINES + 1, &len);
    assert_int_equal(dk_richtext_parse_plain(f->arena, words, len, &f->doc), DK_OK);
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 2 * PX, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_ERR_LIMIT);
    assert_non_null(strstr(dk_error_detail(), "lines"));
    assert_int_equal(f->layout.nlines, 0);
    /* the same text at a width where it fits is fine */
    assert_int_equal(dk_richtext_lay_out(f->arena, &f->doc, 1000 * PX, &f->metrics, fake_measure,
                                         &f->font, &f->layout),
                     DK_OK);
    free(words);
}

static void test_arena_budget_is_respected_at_every_size(void **state)
{
    fixture *f = *state;
    const char *md = "# Hörde\n\nDer **Phoenix-See** ist *schön*, Stadt" SHY "bezirks" SHY
                     "marketing.\n\n- eins\n- zwei\n";
    /* Every budget either works completely or fails with DK_ERR_LIMIT, never crashes. */
    int worked = 0, failed = 0;
    for (size_t budget = 16; budget <= 6000; budget += 16) {
        dk_arena *arena = dk_arena_new(budget);
        assert_non_null(arena);
        dk_richtext_doc doc;
        dk_richtext_layout layout;
        dk_err err = dk_richtext_parse_markdown(arena, md, strlen(md), &doc);
        if (!err)
            err =
                dk_richtext_lay_out(arena, &doc, 100, &f->metrics, fake_measure, &f->font, &layout);
        if (err) {
            assert_int_equal(err, DK_ERR_LIMIT);
            failed++;
        } else {
            assert_int_equal(layout.nlines, 10);
            worked++;
        }
        dk_arena_free(arena);
    }
    assert_true(worked > 0);
    assert_true(failed > 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_markdown_headings_lists_and_emphasis_become_blocks_and_runs),
        T(test_nested_emphasis_combines_bold_and_italic),
        T(test_links_show_their_text_and_soft_breaks_become_spaces),
        T(test_hard_line_breaks_are_kept_and_force_a_new_line),
        T(test_code_block_keeps_its_line_breaks),
        T(test_loose_list_item_keeps_its_label_on_the_first_paragraph_only),
        T(test_entities_are_decoded_and_unknown_ones_shown_as_written),
        T(test_raw_html_is_shown_as_text_not_interpreted),
        T(test_plain_text_lines_become_paragraphs_with_white_space_collapsed),
        T(test_words_wrap_at_spaces_filling_each_line),
        T(test_soft_hyphen_break_shows_a_hyphen_and_otherwise_vanishes),
        T(test_word_end_narrower_than_the_hyphen_fits_without_a_break),
        T(test_soft_hyphen_at_a_word_edge_is_no_break_opportunity),
        T(test_hard_hyphen_allows_a_break_after_it),
        T(test_slash_allows_a_break_after_it),
        T(test_long_compound_without_break_is_not_cut_and_is_flagged),
        T(test_overflowing_compound_still_breaks_at_its_soft_hyphens),
        T(test_umlauts_sharp_s_and_turkish_letters_count_as_one_code_point_each),
        T(test_no_break_space_does_not_break),
        T(test_line_wider_as_a_whole_than_its_parts_gives_back_a_word),
        T(test_styled_runs_share_a_line_at_the_right_positions),
        T(test_style_change_inside_a_word_is_no_break_opportunity),
        T(test_list_item_continuation_lines_are_indented_after_the_bullet),
        T(test_wide_list_number_pushes_the_text_instead_of_overlapping),
        T(test_empty_list_item_still_shows_its_bullet),
        T(test_block_spacing_and_total_height_follow_the_metrics),
        T(test_empty_and_blank_input_give_no_blocks_and_no_lines),
        T(test_invalid_utf8_becomes_replacement_characters_and_never_splits),
        T(test_random_input_lays_out_safely),
        T(test_wrapping_keeps_every_character_and_fills_lines_greedily),
        T(test_every_content_body_wraps_at_sixty_characters_without_overflow),
        T(test_label_wraps_into_the_lines_it_is_allowed),
        T(test_label_that_does_not_fit_says_so),
        T(test_measure_failure_is_reported_as_invalid),
        T(test_bad_width_or_metrics_are_rejected),
        T(test_limits_return_DK_ERR_LIMIT),
        T(test_arena_budget_is_respected_at_every_size),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
