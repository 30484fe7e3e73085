/* test_keyboard.c: the text-editing model (UTF-8, cursor, limits, wiping) and the on-screen
 * keyboard typed by touch, in every layout and kind, with keys measured in millimetres. */
#include "dk_test.h"

#include "dk_keyboard.h"

#include <math.h>
#include <string.h>

/* ---- the text-editing model ---- */

static int tail_is_zero(const char *buf, size_t size)
{
    for (size_t i = strlen(buf); i < size; i++)
        if (buf[i])
            return 0;
    return 1;
}

static void test_insert_and_delete_whole_utf8_characters(void **state)
{
    char buf[32] = "";
    dk_textedit te;
    dk_textedit_init(&te, buf, sizeof buf, 20);
    assert_true(dk_textedit_insert(&te, "M"));
    assert_true(dk_textedit_insert(&te, "ü"));
    assert_true(dk_textedit_insert(&te, "ß"));
    assert_true(dk_textedit_insert(&te, "İ"));
    assert_string_equal(buf, "Müßİ");
    assert_int_equal(te.cursor, strlen("Müßİ"));
    assert_int_equal(dk_utf8_count(buf), 4);
    /* Backspace removes a whole character (İ is two bytes), never half of one. */
    assert_true(dk_textedit_backspace(&te));
    assert_string_equal(buf, "Müß");
    assert_true(tail_is_zero(buf, sizeof buf));
    assert_true(dk_textedit_backspace(&te));
    assert_true(dk_textedit_backspace(&te));
    assert_string_equal(buf, "M");
    assert_true(dk_textedit_backspace(&te));
    assert_false(dk_textedit_backspace(&te)); /* at the start: nothing to delete */
    assert_string_equal(buf, "");
    assert_true(tail_is_zero(buf, sizeof buf));
}

static void test_cursor_moves_by_characters_and_edits_in_the_middle(void **state)
{
    char buf[64] = "Yılmaz";
    dk_textedit te;
    dk_textedit_init(&te, buf, sizeof buf, 50);
    assert_int_equal(te.cursor, strlen(buf)); /* at the end */
    for (int i = 0; i < 4; i++)
        assert_true(dk_textedit_left(&te));
    /* After "Yı": two characters, three bytes. */
    assert_int_equal(te.cursor, 3);
    assert_true(dk_textedit_backspace(&te));
    assert_string_equal(buf, "Ylmaz");
    assert_true(dk_textedit_insert(&te, "ı"));
    assert_string_equal(buf, "Yılmaz");
    assert_true(dk_textedit_right(&te));
    assert_true(dk_textedit_insert(&te, "-"));
    assert_string_equal(buf, "Yıl-maz");
    assert_true(dk_textedit_home(&te));
    assert_false(dk_textedit_left(&te));
    assert_true(dk_textedit_insert(&te, "Ç"));
    assert_string_equal(buf, "ÇYıl-maz");
    assert_true(dk_textedit_end(&te));
    assert_false(dk_textedit_right(&te));
    assert_true(tail_is_zero(buf, sizeof buf));
}

static void test_limits_are_all_or_nothing(void **state)
{
    /* max_chars counts characters: "ää" is 2, whatever its bytes. */
    char buf[16] = "";
    dk_textedit te;
    dk_textedit_init(&te, buf, sizeof buf, 3);
    assert_true(dk_textedit_insert(&te, "ä"));
    assert_true(dk_textedit_insert(&te, "ä"));
    assert_false(dk_textedit_insert(&te, ".de")); /* 5 characters: none goes in */
    assert_string_equal(buf, "ää");
    assert_true(dk_textedit_insert(&te, "x"));
    assert_false(dk_textedit_insert(&te, "y"));
    assert_string_equal(buf, "ääx");
    /* The buffer's size counts bytes: 4 bytes and the NUL fill a 5-byte buffer. */
    char small[5] = "";
    dk_textedit_init(&te, small, sizeof small, 100);
    assert_true(dk_textedit_insert(&te, "ğğ"));
    assert_false(dk_textedit_insert(&te, "a"));
    assert_string_equal(small, "ğğ");
    /* Nothing that is not UTF-8, nothing empty. */
    assert_false(dk_textedit_insert(&te, ""));
    char big[16] = "";
    dk_textedit_init(&te, big, sizeof big, 10);
    assert_false(dk_textedit_insert(&te, "\xC3"));
    assert_false(dk_textedit_insert(&te, "\xC0\xAF"));     /* overlong '/' */
    assert_false(dk_textedit_insert(&te, "\xED\xA0\x80")); /* a surrogate */
    assert_string_equal(big, "");
}

static void test_a_cursor_inside_a_character_is_moved_to_its_start(void **state)
{
    char buf[16] = "aö";
    dk_textedit te;
    dk_textedit_init(&te, buf, sizeof buf, 10);
    te.cursor = 2; /* between the two bytes of ö */
    dk_textedit_clamp(&te);
    assert_int_equal(te.cursor, 1);
    te.cursor = 99;
    dk_textedit_clamp(&te);
    assert_int_equal(te.cursor, 3);
    /* Init zeroes what lies after the text. */
    char dirty[8] = {'a', 0, 'x', 'y', 'z', 0, 0, 0};
    dk_textedit_init(&te, dirty, sizeof dirty, 10);
    assert_true(tail_is_zero(dirty, sizeof dirty));
}

/* ---- the keyboard by touch ---- */


typedef struct kfix {
    dk_ui *ui;
    dk_keyboard kb;
    char buf[128];
    dk_textedit te;
    int w, h, large;
    double w_mm, h_mm;
    dk_keyboard_kind kind;
    dk_lang lang;
    dk_theme theme;
    unsigned result;
    uint32_t now;
    dk_rect panel;
} kfix;

static kfix kx;

static int setup(void **state)
{
    memset(&kx, 0, sizeof kx);
    dk_ui_text_backend tb = dkt_fake_text_backend();
    kx.ui = dk_ui_new(&tb, 8u << 20);
    assert_non_null(kx.ui);
    kx.w = 1920, kx.h = 1080, kx.w_mm = 527, kx.h_mm = 296;
    kx.now = 1000;
    dk_textedit_init(&kx.te, kx.buf, sizeof kx.buf, 100);
    return 0;
}

static int teardown(void **state)
{
    dk_ui_free(kx.ui);
    return 0;
}

static void frame(void)
{
    assert_int_equal(dk_metrics_init(&dkt_fake_metrics, kx.w, kx.h, kx.w_mm, kx.h_mm, kx.large), DK_OK);
    dk_ui_begin(kx.ui, kx.w, kx.h, kx.now, &dkt_fake_metrics, kx.theme);
    int h = dk_keyboard_height(kx.ui, kx.kind, kx.lang, kx.w);
    kx.panel = (dk_rect){0, kx.h - h, kx.w, h};
    kx.result |= dk_keyboard_draw(&kx.kb, kx.ui, kx.panel, kx.kind, kx.lang, &kx.te);
    dk_ui_end(kx.ui);
    assert_false(dk_ui_overflowed(kx.ui));
    const char *label = NULL;
    if (dk_ui_label_overflows(kx.ui, &label))
        fail_msg("a key's label does not fit: '%s'", label);
}

static const dk_element *find(const char *name)
{
    size_t n;
    const dk_element *els = dk_ui_elements(kx.ui, &n);
    for (size_t i = n; i-- > 0;)
        if (strcmp(els[i].name, name) == 0 && els[i].visible.w > 0)
            return &els[i];
    return NULL;
}

static void tap(const char *name)
{
    frame();
    const dk_element *e = find(name);
    if (!e)
        fail_msg("no key '%s' (layout %d, kind %d, shift %d, symbols %d)", name, kx.lang, kx.kind,
                 kx.kb.shift, kx.kb.symbols);
    int x = e->visible.x + e->visible.w / 2, y = e->visible.y + e->visible.h / 2;
    dk_ui_pointer_down(kx.ui, x, y, kx.now);
    kx.now += 16;
    frame();
    kx.now += 60;
    dk_ui_pointer_up(kx.ui, x, y, kx.now);
    kx.now += 16;
    frame();
}

/* Taps the keys of s as the script's "type" does: key:<char>, key:space for ' '. */
static void type(const char *s)
{
    for (const char *p = s; *p;) {
        size_t n = 1;
        while (p[n] && ((unsigned char)p[n] & 0xC0) == 0x80)
            n++;
        char name[32];
        if (*p == ' ')
            snprintf(name, sizeof name, "key:space");
        else
            snprintf(name, sizeof name, "key:%.*s", (int)n, p);
        tap(name);
        p += n;
    }
}

static void use(dk_keyboard_kind kind, dk_lang lang)
{
    kx.kind = kind;
    kx.lang = lang;
    dk_keyboard_reset(&kx.kb);
    memset(kx.buf, 0, sizeof kx.buf);
    dk_textedit_init(&kx.te, kx.buf, sizeof kx.buf, 100);
    kx.result = 0;
}

static void test_german_keyboard_types_umlauts_and_sharp_s(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_DE);
    tap("key:shift");
    type("M");
    type("üller-");
    tap("key:shift");
    type("L");
    type("üdenscheidt, ");
    tap("key:shift");
    type("S");
    type("traße");
    assert_string_equal(kx.buf, "Müller-Lüdenscheidt, Straße");
    assert_true(kx.result & DK_KEYBOARD_CHANGED);
    /* QWERTZ: z where an English keyboard has y. */
    frame();
    const dk_element *t = find("key:t"), *z = find("key:z"), *u = find("key:u");
    assert_non_null(t);
    assert_non_null(z);
    assert_true(t->rect.x < z->rect.x && z->rect.x < u->rect.x);
    assert_null(find("key:ı")); /* Turkish letters are on the symbols page */
}

static void test_turkish_keyboard_has_both_i_and_their_capitals(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_TR);
    type("ayşe yılmaz çağ öğün");
    assert_string_equal(kx.buf, "ayşe yılmaz çağ öğün");
    /* Shifted, the dotted i becomes İ and the dotless ı becomes I. */
    tap("key:shift");
    frame();
    assert_non_null(find("key:İ"));
    assert_non_null(find("key:I"));
    assert_non_null(find("key:Ş"));
    assert_null(find("key:i"));
    type(" İ");
    tap("key:shift");
    type("I");
    assert_string_equal(kx.buf, "ayşe yılmaz çağ öğün İI");
}

static void test_other_languages_letters_are_on_the_symbols_page(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_DE);
    tap("key:shift");
    type("Y");
    tap("key:symbols");
    type("ı");
    tap("key:letters");
    type("lmaz ");
    tap("key:symbols");
    tap("key:shift");
    type("İ");
    type("'");
    tap("key:letters");
    type("lkay");
    assert_string_equal(kx.buf, "Yılmaz İ'lkay");
    /* ... and German letters on an English keyboard. */
    use(DK_KEYBOARD_TEXT, DK_LANG_EN);
    type("m");
    tap("key:symbols");
    type("ü");
    tap("key:letters");
    type("ller");
    assert_string_equal(kx.buf, "müller");
}

static void test_shift_once_then_caps_lock_then_off(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_EN);
    tap("key:shift");
    assert_int_equal(kx.kb.shift, DK_SHIFT_ONCE);
    frame();
    assert_true(find("key:shift")->flags & DK_EL_CHECKED);
    type("A");
    assert_int_equal(kx.kb.shift, DK_SHIFT_OFF); /* one letter only */
    type("b");
    tap("key:shift");
    tap("key:shift");
    assert_int_equal(kx.kb.shift, DK_SHIFT_LOCK);
    frame();
    /* The state is in words on the key too, not in its colour alone. */
    assert_string_equal(find("key:shift")->label, "Caps lock");
    type("CD1");
    assert_int_equal(kx.kb.shift, DK_SHIFT_LOCK);
    tap("key:shift");
    assert_int_equal(kx.kb.shift, DK_SHIFT_OFF);
    type("e");
    assert_string_equal(kx.buf, "AbCD1e");
}

static void test_email_keyboard_has_at_and_common_endings(void **state)
{
    static const char *const endings[] = {"@",       ".de",     ".com",        "@gmail.com",
                                          "@web.de", "@gmx.de", "@t-online.de"};
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        use(DK_KEYBOARD_EMAIL, (dk_lang)l);
        frame();
        for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
            char name[32];
            snprintf(name, sizeof name, "key:%s", endings[i]);
            assert_non_null(find(name));
        }
        assert_null(find("key:space")); /* an address has no spaces */
        assert_non_null(find("key:done"));
    }
    use(DK_KEYBOARD_EMAIL, DK_LANG_DE);
    type("anna.m_2");
    tap("key:@web.de");
    assert_string_equal(kx.buf, "anna.m_2@web.de");
    while (kx.buf[0])
        tap("key:delete");
    type("x-y");
    tap("key:@");
    type("example");
    tap("key:.com");
    assert_string_equal(kx.buf, "x-y@example.com");
    tap("key:@t-online.de");
    assert_string_equal(kx.buf, "x-y@example.com@t-online.de"); /* typed as asked; validation
                                                                    says what is wrong */
}

static void test_phone_keypad_types_numbers_with_signs(void **state)
{
    use(DK_KEYBOARD_PHONE, DK_LANG_DE);
    type("+49 231 12-34/56");
    assert_string_equal(kx.buf, "+49 231 12-34/56");
    while (kx.buf[0])
        tap("key:delete");
    type("(0231) 987654");
    assert_string_equal(kx.buf, "(0231) 987654");
    frame();
    assert_null(find("key:a")); /* no letters on a keypad */
    assert_null(find("key:shift"));
    assert_non_null(find("key:left"));
    /* Four columns: 1 2 3 + in one row, 0 below 8. */
    const dk_element *one = find("key:1"), *plus = find("key:+"), *eight = find("key:8"),
                     *zero = find("key:0");
    assert_int_equal(one->rect.y, plus->rect.y);
    assert_int_equal(eight->rect.x, zero->rect.x);
    assert_true(zero->rect.y > eight->rect.y);
}

static void test_cursor_keys_move_and_delete_works_in_the_middle(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_DE);
    type("mller");
    for (int i = 0; i < 4; i++)
        tap("key:left");
    assert_true(kx.result & DK_KEYBOARD_MOVED);
    type("ü");
    assert_string_equal(kx.buf, "müller");
    tap("key:right");
    tap("key:delete");
    assert_string_equal(kx.buf, "müler");
    for (int i = 0; i < 10; i++)
        tap("key:right"); /* stops at the end */
    type("n");
    assert_string_equal(kx.buf, "mülern");
    frame();
    /* The cursor keys say in words what they do. */
    assert_string_equal(find("key:left")->label, "Cursor nach links");
    assert_string_equal(find("key:right")->label, "Cursor nach rechts");
}

static void test_done_reports_and_resets_shift(void **state)
{
    use(DK_KEYBOARD_TEXT, DK_LANG_EN);
    tap("key:shift");
    tap("key:symbols");
    tap("key:done");
    assert_true(kx.result & DK_KEYBOARD_DONE);
    assert_int_equal(kx.kb.shift, DK_SHIFT_OFF);
    assert_int_equal(kx.kb.symbols, 0);
    use(DK_KEYBOARD_SEARCH, DK_LANG_EN);
    frame();
    assert_null(find("key:done")); /* search follows the typing: nothing to finish */
}

/* Every key at least DK_TARGET_MM high and wide, neighbours at least DK_GAP_MM apart, all keys
 * inside the panel and the panel as high as dk_keyboard_height() said. */
static void check_keys(const char *what)
{
    frame();
    double mm = dkt_fake_metrics.px_per_mm;
    size_t n, keys = 0;
    const dk_element *els = dk_ui_elements(kx.ui, &n);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(els[i].name, "key:", 4) != 0)
            continue;
        keys++;
        dk_rect a = els[i].rect;
        if (a.h < DK_TARGET_MM * mm - 0.5 || a.w < DK_TARGET_MM * mm - 0.5)
            fail_msg("%s: %s is %.1f x %.1f mm", what, els[i].name, a.w / mm, a.h / mm);
        if (a.x < kx.panel.x || a.y < kx.panel.y || a.x + a.w > kx.panel.x + kx.panel.w ||
            a.y + a.h > kx.panel.y + kx.panel.h)
            fail_msg("%s: %s lies outside the keyboard", what, els[i].name);
        for (size_t k = 0; k < n; k++) {
            if (k == i || strncmp(els[k].name, "key:", 4) != 0)
                continue;
            dk_rect b = els[k].rect;
            int overlap_y = a.y < b.y + b.h && b.y < a.y + a.h;
            int overlap_x = a.x < b.x + b.w && b.x < a.x + a.w;
            if (overlap_x && overlap_y)
                fail_msg("%s: %s and %s overlap", what, els[i].name, els[k].name);
            if (overlap_y && b.x >= a.x + a.w && b.x - (a.x + a.w) < DK_GAP_MM * mm - 0.5)
                fail_msg("%s: %s and %s are %.2f mm apart", what, els[i].name, els[k].name,
                         (b.x - (a.x + a.w)) / mm);
            if (overlap_x && b.y >= a.y + a.h && b.y - (a.y + a.h) < DK_GAP_MM * mm - 0.5)
                fail_msg("%s: %s and %s are %.2f mm apart (rows)", what, els[i].name, els[k].name,
                         (b.y - (a.y + a.h)) / mm);
        }
    }
    if (keys < 20)
        fail_msg("%s: only %zu keys", what, keys);
}

static void test_keys_are_at_least_15mm_and_3mm_apart_everywhere(void **state)
{
    static const struct {
        int w, h;
        double w_mm, h_mm;
        int large;
        const char *what;
    } screens[] = {
        {1920, 1080, 527, 296, 0, "landscape"},
        {1080, 1920, 296, 527, 0, "portrait"},
        {1920, 1080, 527, 296, 1, "landscape, larger text"},
        {1080, 1920, 296, 527, 1, "portrait, larger text"},
        {960, 540, 527, 296, 0, "small window"},
        {540, 960, 296, 527, 1, "small portrait window, larger text"},
    };
    for (size_t s = 0; s < sizeof screens / sizeof screens[0]; s++) {
        kx.w = screens[s].w, kx.h = screens[s].h;
        kx.w_mm = screens[s].w_mm, kx.h_mm = screens[s].h_mm;
        kx.large = screens[s].large;
        for (int l = 0; l < DK_LANG_COUNT; l++) {
            for (int k = 0; k < DK_KEYBOARD_KIND_COUNT; k++) {
                for (int page = 0; page < 2; page++) {
                    for (int t = 0; t < DK_THEME_COUNT; t++) {
                        use((dk_keyboard_kind)k, (dk_lang)l);
                        kx.theme = (dk_theme)t;
                        kx.kb.symbols = page;
                        kx.kb.shift = page ? DK_SHIFT_LOCK : DK_SHIFT_OFF;
                        char what[128];
                        snprintf(what, sizeof what, "%s, %s, kind %d, page %d", screens[s].what,
                                 dk_lang_code((dk_lang)l), k, page);
                        check_keys(what);
                    }
                }
            }
        }
    }
}

static void test_keyboard_fits_below_half_of_a_landscape_screen(void **state)
{
    /* The sign-up form must keep room for the field being typed in above it. */
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        use(DK_KEYBOARD_EMAIL, (dk_lang)l);
        frame();
        assert_true(kx.panel.h <= kx.h / 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_delete_whole_utf8_characters),
        cmocka_unit_test(test_cursor_moves_by_characters_and_edits_in_the_middle),
        cmocka_unit_test(test_limits_are_all_or_nothing),
        cmocka_unit_test(test_a_cursor_inside_a_character_is_moved_to_its_start),
        cmocka_unit_test_setup_teardown(test_german_keyboard_types_umlauts_and_sharp_s, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_turkish_keyboard_has_both_i_and_their_capitals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_other_languages_letters_are_on_the_symbols_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shift_once_then_caps_lock_then_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_keyboard_has_at_and_common_endings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_phone_keypad_types_numbers_with_signs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cursor_keys_move_and_delete_works_in_the_middle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_done_reports_and_resets_shift, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_are_at_least_15mm_and_3mm_apart_everywhere, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_fits_below_half_of_a_landscape_screen, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
