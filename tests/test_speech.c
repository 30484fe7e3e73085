/* test_speech.c: what "read aloud" says for a screen's elements. */
#include "dk_test.h"

#include "dk_speech.h"

#include <string.h>

#define VISIBLE {0, 0, 100, 40}
#define HIDDEN {0, 0, 0, 0}

static dk_element el(dk_el_role role, const char *label, unsigned flags, int layer, dk_rect vis)
{
    dk_element e;
    memset(&e, 0, sizeof e);
    e.role = role;
    e.label = label;
    e.name = "";
    e.rect = (dk_rect){0, 0, 100, 40};
    e.visible = vis;
    e.flags = flags;
    e.layer = layer;
    return e;
}

static void test_reads_headings_texts_buttons_and_pictures_in_order(void **state)
{
    dk_element els[] = {
        el(DK_EL_SCROLL, "home", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_HEADING, "Hörde", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_IMAGE, "Der Phoenix-See im Sommer", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_TEXT, "Ein Stadt\u00adbezirk am \x02See\x03", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Projekte", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Hoher Kontrast: Aus", DK_EL_TOGGLE, 0, (dk_rect)VISIBLE),
    };
    char out[512];
    size_t n = dk_speech_text(els, 6, DK_LANG_DE, out, sizeof out);
    assert_string_equal(out, "Hörde. Bild: Der Phoenix-See im Sommer. Ein Stadtbezirk am See. "
                             "Projekte, Schaltfläche. Hoher Kontrast: Aus, Schalter.");
    assert_int_equal(n, strlen(out));
}

static void test_text_fields_are_never_read(void **state)
{
    /* The PIN dialog's dots and a volunteer's e-mail address are both DK_EL_INPUT. */
    dk_element els[] = {
        el(DK_EL_TEXT, "E-Mail-Adresse", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_INPUT, "anna@example.de", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Absenden", 0, 0, (dk_rect)VISIBLE),
    };
    char out[256];
    dk_speech_text(els, 3, DK_LANG_DE, out, sizeof out);
    assert_null(strstr(out, "anna"));
    assert_string_equal(out, "E-Mail-Adresse. Absenden, Schaltfläche.");
}

static void test_only_the_top_layer_and_what_is_visible_is_read(void **state)
{
    dk_element els[] = {
        el(DK_EL_HEADING, "Startseite", 0, 0, (dk_rect)VISIBLE),
        el(DK_EL_TEXT, "weiter unten, nicht zu sehen", 0, 1, (dk_rect)HIDDEN),
        el(DK_EL_DIALOG, "dialog", 0, 1, (dk_rect)VISIBLE),
        el(DK_EL_HEADING, "Need more time?", 0, 1, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Yes", 0, 1, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Yes", 0, 1, (dk_rect)VISIBLE),
        el(DK_EL_BUTTON, "Sync", DK_EL_DISABLED, 1, (dk_rect)VISIBLE),
    };
    char out[256];
    dk_speech_text(els, 7, DK_LANG_EN, out, sizeof out);
    assert_string_equal(out, "Need more time? Yes, button. Sync, button, not available now.");
}

static void test_a_long_screen_is_cut_at_a_character_boundary(void **state)
{
    dk_element els[] = {el(DK_EL_TEXT, "Ünlü düğme şöyle: ğğğğğğğğ", 0, 0, (dk_rect)VISIBLE)};
    for (size_t size = 0; size < 40; size++) {
        char out[40];
        memset(out, 'x', sizeof out);
        size_t n = dk_speech_text(els, 1, DK_LANG_TR, out, size);
        if (size == 0) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n < size);
        assert_int_equal(out[n], '\0');
        /* Never half a character: the last byte is not a UTF-8 lead byte. */
        assert_true(n == 0 || ((unsigned char)out[n - 1] & 0xC0) != 0xC0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_headings_texts_buttons_and_pictures_in_order),
        cmocka_unit_test(test_text_fields_are_never_read),
        cmocka_unit_test(test_only_the_top_layer_and_what_is_visible_is_read),
        cmocka_unit_test(test_a_long_screen_is_cut_at_a_character_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
