/* test_form.c: the volunteer sign-up form without a display: typed by touch on its own keyboard,
 * checked per field in every language, stored only through the submit function, and wiped. */
#include "dk_test.h"

#include "dk_crypto.h"
#include "dk_form.h"
#include "dk_i18n.h"

#include <math.h>
#include <string.h>


/* What the kiosk's submit function saw. */
typedef struct submitted {
    int calls;
    dk_err answer;
    dk_signup copy;
} submitted;

static dk_err fake_submit(void *ctx, const dk_signup *rec)
{
    submitted *s = ctx;
    s->calls++;
    if (s->answer == DK_OK)
        s->copy = *rec;
    return s->answer;
}

static const dk_form_group groups[] = {
    {"hoerde-ak-hoerder-geschichte", "Arbeitskreis Hörder Geschichte"},
    {"hoerde-marketinggruppe", "Marketinggruppe Hörde"},
    {"hoerde-projektgruppe-lichterfest", "Projektgruppe Lichterfest"},
};

static const dk_form_district districts[] = {{"aplerbeck", "Aplerbeck"}, {"hoerde", "Hörde"}};

static const char *const consent_title[DK_LANG_COUNT] = {
    "Einwilligung in die Kontaktaufnahme", "Consent to be contacted", "İletişime geçilmesine onay"};
static const char *const consent_body = "**Verantwortlich:** Verein, Anschrift.\n\n**Zweck:** "
                                        "Kontaktaufnahme durch die gewählte Gruppe.";

typedef struct fixture {
    dk_ui *ui;
    dk_form *form;
    int w, h, large;
    double w_mm, h_mm;
    dk_theme theme;
    dk_lang lang;
    uint32_t now;
    dk_rect area;
    dk_form_view view;
    submitted sub;
    dk_form_event last;
    int finished, cancelled, sent, district_chosen;
} fixture;

static fixture fx;

static int setup(void **state)
{
    memset(&fx, 0, sizeof fx);
    dk_ui_text_backend tb = dkt_fake_text_backend();
    fx.ui = dk_ui_new(&tb, 16u << 20);
    fx.form = dk_form_new();
    assert_non_null(fx.ui);
    assert_non_null(fx.form);
    fx.w = 1920, fx.h = 1080, fx.w_mm = 527, fx.h_mm = 296;
    fx.now = 1000;
    fx.view.districts = districts;
    fx.view.ndistricts = 2;
    fx.view.district_name = "Hörde";
    fx.view.groups = groups;
    fx.view.ngroups = 3;
    fx.view.consent_body_md = consent_body;
    fx.view.privacy_title = "Datenschutzhinweise";
    fx.view.privacy_body_md = "# Datenschutz\n\nDer lange Text.\n\n## Ihre Rechte\n\nWiderruf.";
    fx.view.now = 1795000000; /* 2026-11-18 */
    fx.view.submit = fake_submit;
    fx.view.submit_ctx = &fx.sub;
    return 0;
}

static int teardown(void **state)
{
    dk_form_free(fx.form);
    dk_ui_free(fx.ui);
    dk_signup_wipe(&fx.sub.copy);
    return 0;
}

static void frame(void)
{
    assert_int_equal(dk_metrics_init(&dkt_fake_metrics, fx.w, fx.h, fx.w_mm, fx.h_mm, fx.large), DK_OK);
    dk_ui_begin(fx.ui, fx.w, fx.h, fx.now, &dkt_fake_metrics, fx.theme);
    /* As the app does: a header band above, the bottom bar below. */
    int head = dkt_fake_metrics.target_px + 2 * dkt_fake_metrics.unit_px;
    int bar = 2 * dkt_fake_metrics.line_px[DK_FONT_BUTTON] + 4 * dkt_fake_metrics.unit_px;
    fx.area = (dk_rect){0, head, fx.w, fx.h - head - bar};
    fx.view.lang = fx.lang;
    fx.view.consent_title = consent_title[fx.lang];
    fx.last = dk_form_frame(fx.form, fx.ui, fx.area, &fx.view);
    fx.finished += fx.last == DK_FORM_FINISHED;
    fx.cancelled += fx.last == DK_FORM_CANCEL;
    fx.sent += fx.last == DK_FORM_SENT;
    fx.district_chosen += fx.last == DK_FORM_DISTRICT;
    dk_ui_end(fx.ui);
    assert_false(dk_ui_overflowed(fx.ui));
    const char *label = NULL;
    if (dk_ui_label_overflows(fx.ui, &label))
        fail_msg("a label does not fit its button: '%s'", label);
}

static void wait_ms(uint32_t ms)
{
    for (uint32_t t = 0; t < ms; t += 16) {
        fx.now += 16;
        frame();
    }
}

static const dk_element *find_any(const char *name_or_label)
{
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = n; i-- > 0;)
        if (strcmp(els[i].name, name_or_label) == 0 || strcmp(els[i].label, name_or_label) == 0)
            return &els[i];
    return NULL;
}

static const dk_element *find(const char *name_or_label)
{
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = n; i-- > 0;)
        if ((strcmp(els[i].name, name_or_label) == 0 || strcmp(els[i].label, name_or_label) == 0) &&
            els[i].visible.w > 0 && els[i].visible.h > 0)
            return &els[i];
    return NULL;
}

/* Drags the form's scroll area until the element is wholly visible. */
static void scroll_to(const char *name)
{
    for (int i = 0; i < 60; i++) {
        frame();
        const dk_element *e = find_any(name);
        if (e && e->visible.h == e->rect.h && e->visible.w > 0)
            return;
        const dk_element *view = find_any("scroll:signup");
        assert_non_null(view);
        dk_rect v = view->visible;
        int up = e && e->rect.y < v.y;
        int x = v.x + v.w - 10; /* the right margin: no control there */
        int y0 = up ? v.y + v.h / 4 : v.y + v.h * 3 / 4,
            y1 = up ? v.y + v.h * 3 / 4 : v.y + v.h / 4;
        dk_ui_pointer_down(fx.ui, x, y0, fx.now);
        for (int k = 1; k <= 10; k++) {
            fx.now += 16;
            dk_ui_pointer_move(fx.ui, x, y0 + (y1 - y0) * k / 10, fx.now);
            frame();
        }
        fx.now += 200;
        dk_ui_pointer_move(fx.ui, x, y1, fx.now);
        dk_ui_pointer_up(fx.ui, x, y1, fx.now);
        wait_ms(600);
    }
    fail_msg("could not scroll to '%s'", name);
}

static void tap(const char *name)
{
    frame();
    const dk_element *e = find(name);
    if (!e || e->visible.h < e->rect.h) {
        if (!find_any(name)) {
            size_t n;
            const dk_element *els = dk_ui_elements(fx.ui, &n);
            for (size_t i = 0; i < n; i++)
                print_message("  %d '%s' [%s]\n", els[i].role, els[i].label, els[i].name);
            fail_msg("nothing named '%s'", name);
        }
        scroll_to(name);
        e = find(name);
    }
    assert_non_null(e);
    int x = e->visible.x + e->visible.w / 2, y = e->visible.y + e->visible.h / 2;
    dk_ui_pointer_down(fx.ui, x, y, fx.now);
    fx.now += 16;
    frame();
    fx.now += 60;
    dk_ui_pointer_up(fx.ui, x, y, fx.now);
    fx.now += 16;
    frame();
    fx.now += 16;
    frame(); /* what the tap changed (the keyboard, a scroll) is laid out */
    fx.now += 16;
    frame();
}

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

static void start(const char *district, const char *group)
{
    const char *g[1] = {group};
    dk_form_start(fx.form, district, g, group ? 1 : 0);
    frame();
    frame();
}

static int checked(const char *name)
{
    frame();
    const dk_element *e = find_any(name);
    assert_non_null(e);
    assert_true(e->flags & DK_EL_TOGGLE);
    return (e->flags & DK_EL_CHECKED) != 0;
}

static int record_is_zero(void)
{
    const unsigned char *b = (const unsigned char *)dk_form_record(fx.form);
    for (size_t i = 0; i < sizeof(dk_signup); i++)
        if (b[i])
            return 0;
    return 1;
}

/* Types s, switching to the symbols page and back for a letter the current layout lacks (a
 * German keyboard's ş, an English one's ü). */
static void type_any(const char *s)
{
    for (const char *p = s; *p;) {
        size_t n = 1;
        while (p[n] && ((unsigned char)p[n] & 0xC0) == 0x80)
            n++;
        char one[8], name[32];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        snprintf(name, sizeof name, "key:%s", one);
        frame();
        if (*p != ' ' && !find(name)) {
            tap("key:symbols");
            type(one);
            tap("key:letters");
        } else {
            type(one);
        }
        p += n;
    }
}

/* Fills a valid form by touch in the form's language: Ayşe's name needs the symbols page for
 * the ş on a German or English keyboard. */
static void fill_valid_form(void)
{
    tap("field:name");
    tap("key:shift");
    type("A");
    type_any("yşe ");
    tap("key:shift");
    type("M");
    type_any("üller");
    tap("field:email");
    type("ayse.mueller");
    tap("key:@web.de");
    tap("field:phone");
    type("+49 231 1234512");
    tap("key:done");
    tap("signup:age");
    tap("signup:consent");
}

/* ---- the texts ---- */

static void test_every_validation_code_has_a_text_in_every_language(void **state)
{
    for (int c = 0; c < DK_SIGNUP_CODE_COUNT; c++) {
        for (int l = 0; l < DK_LANG_COUNT; l++) {
            if (!dk_i18n_has_signup_problem((dk_lang)l, (dk_signup_code)c))
                fail_msg("no %s text for %s", dk_lang_code((dk_lang)l),
                         dk_signup_code_name((dk_signup_code)c));
        }
        /* Translated, not copied: English and Turkish differ from German. */
        const char *de = dk_i18n_signup_problem(DK_LANG_DE, (dk_signup_code)c);
        assert_string_not_equal(de, dk_i18n_signup_problem(DK_LANG_EN, (dk_signup_code)c));
        assert_string_not_equal(de, dk_i18n_signup_problem(DK_LANG_TR, (dk_signup_code)c));
    }
    assert_string_equal(dk_i18n_signup_problem(DK_LANG_EN, DK_SIGNUP_CODE_COUNT), "");
    assert_false(dk_i18n_has_signup_problem((dk_lang)7, DK_SIGNUP_NAME_EMPTY));
}

static void test_consent_version_is_sha256_of_title_and_body(void **state)
{
    char v[DK_SIGNUP_CONSENT_VERSION_BYTES], hex[DK_SHA256_HEX];
    dk_form_consent_version("Titel", "Text", v);
    dk_sha256_hex("Titel\nText", strlen("Titel\nText"), hex);
    assert_int_equal(strlen(v), 16);
    assert_memory_equal(v, hex, 16);
    char other[DK_SIGNUP_CONSENT_VERSION_BYTES];
    dk_form_consent_version("Titel", "Text.", other); /* any edit is a new version */
    assert_string_not_equal(v, other);
    dk_form_consent_version("Titel", NULL, other); /* no text: no version, the form says so */
    assert_string_equal(other, "");
}

/* ---- the form ---- */

static void test_consent_and_age_are_never_preticked(void **state)
{
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        fx.lang = (dk_lang)l;
        start("hoerde", "hoerde-projektgruppe-lichterfest");
        assert_false(checked("signup:consent"));
        assert_false(checked("signup:age"));
        assert_false(dk_form_record(fx.form)->consent);
        assert_false(dk_form_record(fx.form)->age_confirmed);
        /* The state is in words, not in colour alone. */
        char want[256];
        snprintf(want, sizeof want, "%s: %s", dk_i18n(fx.lang, DK_S_CONSENT_BOX),
                 dk_i18n(fx.lang, DK_S_NO));
        assert_string_equal(find_any("signup:consent")->label, want);
    }
    tap("signup:consent");
    assert_true(checked("signup:consent"));
    assert_true(dk_form_record(fx.form)->consent);
    tap("signup:consent"); /* as easy to take back */
    assert_false(checked("signup:consent"));
}

static void test_the_group_one_came_from_is_preselected(void **state)
{
    start("hoerde", "hoerde-projektgruppe-lichterfest");
    assert_true(checked("signup-group:hoerde-projektgruppe-lichterfest"));
    assert_false(checked("signup-group:hoerde-marketinggruppe"));
    const dk_element *e = find_any("signup-group:hoerde-projektgruppe-lichterfest");
    assert_string_equal(e->label, "Projektgruppe Lichterfest: Ja");
    tap("signup-group:hoerde-marketinggruppe");
    assert_true(checked("signup-group:hoerde-marketinggruppe"));
    assert_int_equal(dk_form_record(fx.form)->group_count, 2);
    tap("signup-group:hoerde-projektgruppe-lichterfest");
    assert_int_equal(dk_form_record(fx.form)->group_count, 1);
    assert_string_equal(dk_form_record(fx.form)->groups[0], "hoerde-marketinggruppe");
    /* From a district page: the district's groups. */
    start("hoerde", NULL);
    for (size_t i = 0; i < 3; i++) {
        char name[96];
        snprintf(name, sizeof name, "signup-group:%s", groups[i].slug);
        assert_true(checked(name));
    }
    /* A group the screen no longer offers is not sent silently. */
    start("hoerde", "hoerde-lenkungsgremium");
    assert_int_equal(dk_form_record(fx.form)->group_count, 0);
}

static void test_without_a_district_the_visitor_chooses_one(void **state)
{
    start(NULL, NULL);
    assert_null(find_any("field:name"));
    fx.view.ngroups = 0; /* the app has not loaded any yet */
    tap("signup-district:hoerde");
    assert_int_equal(fx.district_chosen, 1);
    assert_string_equal(dk_form_district_slug(fx.form), "hoerde");
    fx.view.ngroups = 3;
    frame();
    assert_true(checked("signup-group:hoerde-marketinggruppe"));
    assert_non_null(find_any("field:name"));
}

static void test_typing_by_touch_fills_the_fields_and_keeps_the_field_in_view(void **state)
{
    start("hoerde", "hoerde-marketinggruppe");
    assert_null(find_any("keyboard")); /* no field chosen: no keyboard */
    fill_valid_form();
    const dk_signup *r = dk_form_record(fx.form);
    assert_string_equal(r->name, "Ayşe Müller");
    assert_string_equal(r->email, "ayse.mueller@web.de");
    assert_string_equal(r->phone, "+49 231 1234512");
    /* The message: typed, corrected in the middle with the cursor keys. */
    tap("field:message");
    frame();
    const dk_element *kb = find_any("keyboard"), *field = find("field:message");
    assert_non_null(kb);
    assert_non_null(field);
    /* The keyboard sits at the bottom of the area, in reach; the field stays visible above. */
    assert_int_equal(kb->rect.y + kb->rect.h, fx.area.y + fx.area.h);
    assert_true(field->visible.h > 0 && field->visible.y + field->visible.h <= kb->rect.y);
    tap("key:shift");
    type("I");
    type("ch helfe gern");
    for (int i = 0; i < 4; i++)
        tap("key:left");
    type("sehr ");
    tap("key:right");
    tap("key:delete");
    assert_string_equal(r->message, "Ich helfe sehr ern");
    assert_string_equal(find("field:message")->label, "Ich helfe sehr ern");
    tap("key:done");
    assert_null(find_any("keyboard"));
    assert_int_equal(dk_form_focus(fx.form), -1);
}

static void test_a_long_message_wraps_and_its_cursor_stays_in_view(void **state)
{
    fx.w = 1080, fx.h = 1920, fx.w_mm = 296, fx.h_mm = 527, fx.large = 1;
    start("hoerde", "hoerde-marketinggruppe");
    tap("field:message");
    for (int i = 0; i < 12; i++)
        type("wort ");
    type("einsehrlangeswortohneleerzeichendasumbrechenmuss");
    const dk_element *kb = find_any("keyboard"), *field = find_any("field:message");
    assert_true(field->rect.h > 3 * dkt_fake_metrics.line_px[DK_FONT_BODY]); /* grew */
    assert_true(field->rect.x + field->rect.w <= fx.w);
    assert_true(field->visible.y + field->visible.h <= kb->rect.y);
    assert_true(field->visible.h > 0);
}

static void test_submit_with_problems_shows_each_beside_its_field(void **state)
{
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        fx.lang = (dk_lang)l;
        start("hoerde", NULL);
        tap("signup-group:hoerde-marketinggruppe"); /* now two of the three preselected */
        tap("signup:send");
        assert_int_equal(fx.sub.calls, 0);
        assert_false(dk_form_confirming(fx.form));
        static const struct {
            const char *name;
            dk_signup_code code;
        } want[] = {{"error:name", DK_SIGNUP_NAME_EMPTY},
                    {"error:contact", DK_SIGNUP_CONTACT_MISSING},
                    {"error:age_confirmed", DK_SIGNUP_AGE_NOT_CONFIRMED},
                    {"error:consent", DK_SIGNUP_CONSENT_MISSING}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            const dk_element *e = find_any(want[i].name);
            if (!e)
                fail_msg("%s: no %s", dk_lang_code(fx.lang), want[i].name);
            assert_string_equal(e->label, dk_i18n_signup_problem(fx.lang, want[i].code));
        }
        assert_null(find_any("error:email"));
        assert_null(find_any("error:groups"));
        assert_string_equal(find_any("signup:banner")->label, dk_i18n(fx.lang, DK_S_CHECK_FIELDS));
        /* The view went to the first problem: the name field. */
        frame();
        assert_non_null(find("error:name"));
        /* Problems follow the typing once shown. */
        tap("field:email");
        type("anna@");
        assert_string_equal(find_any("error:email")->label,
                            dk_i18n_signup_problem(fx.lang, DK_SIGNUP_EMAIL_NO_DOMAIN_DOT));
        assert_null(find_any("error:contact"));
        type("web");
        tap("key:.de");
        assert_null(find_any("error:email"));
        tap("field:phone");
        type("12 3");
        assert_string_equal(find_any("error:phone")->label,
                            dk_i18n_signup_problem(fx.lang, DK_SIGNUP_PHONE_TOO_SHORT));
        tap("key:done");
        /* No group: its own message. */
        tap("signup-group:hoerde-ak-hoerder-geschichte");
        tap("signup-group:hoerde-projektgruppe-lichterfest");
        frame();
        assert_string_equal(find_any("error:groups")->label,
                            dk_i18n_signup_problem(fx.lang, DK_SIGNUP_GROUP_MISSING));
    }
}

static void test_send_stores_once_then_thanks_with_masked_data_and_wipes(void **state)
{
    fx.lang = DK_LANG_TR;
    start("hoerde", "hoerde-marketinggruppe");
    fill_valid_form();
    tap("signup:send");
    assert_int_equal(fx.sub.calls, 1);
    assert_int_equal(fx.sent, 1);
    const dk_signup *c = &fx.sub.copy;
    assert_string_equal(c->name, "Ayşe Müller");
    assert_string_equal(c->email, "ayse.mueller@web.de");
    assert_string_equal(c->district, "hoerde");
    assert_int_equal(c->group_count, 1);
    assert_string_equal(c->groups[0], "hoerde-marketinggruppe");
    assert_true(c->consent && c->age_confirmed);
    assert_int_equal(c->language, DK_LANG_TR);
    assert_int_equal(c->created, fx.view.now);
    char v[DK_SIGNUP_CONSENT_VERSION_BYTES];
    dk_form_consent_version(consent_title[DK_LANG_TR], consent_body, v);
    assert_string_equal(c->consent_version, v);
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    assert_int_equal(dk_signup_validate(c, p), 0);
    /* Wiped at once; the confirmation shows only masked data. */
    assert_true(record_is_zero());
    assert_true(dk_form_confirming(fx.form));
    frame();
    assert_string_equal(find_any("signup:thanks")->label, dk_i18n(DK_LANG_TR, DK_S_THANK_YOU));
    assert_non_null(find_any("A****"));
    assert_non_null(find_any("a****@w****.de"));
    assert_non_null(find_any("+49 *** *** 12"));
    assert_non_null(find_any("Marketinggruppe Hörde"));
    assert_null(find_any("Ayşe Müller"));
    assert_null(find_any("field:name"));
    tap("signup:done");
    assert_int_equal(fx.finished, 1);
    assert_true(dk_form_is_wiped(fx.form));
    assert_false(dk_form_confirming(fx.form));
}

static void test_a_failed_store_keeps_the_form_and_never_says_thank_you(void **state)
{
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        fx.lang = (dk_lang)l;
        fx.sub.answer = DK_ERR_DB;
        fx.sub.calls = 0;
        start("hoerde", "hoerde-marketinggruppe");
        fill_valid_form();
        tap("signup:send");
        assert_int_equal(fx.sub.calls, 1);
        assert_false(dk_form_confirming(fx.form));
        assert_null(find_any("signup:thanks"));
        assert_string_equal(find_any("signup:banner")->label, dk_i18n(fx.lang, DK_S_SAVE_FAILED));
        /* Nothing typed is lost: staff can help, and a second try may work. */
        assert_string_equal(dk_form_record(fx.form)->name, "Ayşe Müller");
        assert_true(dk_form_record(fx.form)->consent);
        fx.sub.answer = DK_OK;
        tap("signup:send");
        assert_int_equal(fx.sub.calls, 2);
        assert_true(dk_form_confirming(fx.form));
        assert_true(record_is_zero());
        tap("signup:done");
    }
    /* Without a place to store, sending fails the same way (the app offers no form then). */
    fx.view.submit = NULL;
    start("hoerde", "hoerde-marketinggruppe");
    fill_valid_form();
    tap("signup:send");
    assert_false(dk_form_confirming(fx.form));
    assert_non_null(find_any("signup:banner"));
}

static void test_cancel_and_wipe_leave_no_byte_of_what_was_typed(void **state)
{
    start("hoerde", "hoerde-marketinggruppe");
    fill_valid_form();
    tap("field:message");
    type("hallo");
    assert_false(record_is_zero());
    tap("key:done");
    tap("signup:cancel");
    assert_int_equal(fx.cancelled, 1);
    assert_true(record_is_zero());
    assert_true(dk_form_is_wiped(fx.form));
    /* The idle reset and "back" use dk_form_wipe(). */
    start("hoerde", "hoerde-marketinggruppe");
    fill_valid_form();
    dk_form_wipe(fx.form);
    assert_true(dk_form_is_wiped(fx.form));
    assert_int_equal(dk_form_focus(fx.form), -1);
    /* ... also on the confirmation, where the masked data is. */
    start("hoerde", "hoerde-marketinggruppe");
    fill_valid_form();
    tap("signup:send");
    assert_true(dk_form_confirming(fx.form));
    assert_false(dk_form_is_wiped(fx.form));
    dk_form_wipe(fx.form);
    assert_true(dk_form_is_wiped(fx.form));
    assert_false(dk_form_confirming(fx.form));
}

static void test_the_full_privacy_notice_is_one_tap_away_and_keeps_the_form(void **state)
{
    start("hoerde", "hoerde-marketinggruppe");
    tap("field:name");
    type("anna");
    tap("key:done");
    /* The first layer is on the form, above the consent box. */
    const dk_element *title = find_any(consent_title[DK_LANG_DE]);
    const dk_element *box = find_any("signup:consent");
    assert_non_null(title);
    assert_true(title->rect.y < box->rect.y);
    assert_non_null(find_any("Zweck: Kontaktaufnahme durch die gewählte Gruppe."));
    tap("signup:privacy");
    assert_non_null(find("dialog"));
    assert_non_null(find_any("Ihre Rechte"));
    tap("signup:privacy-close");
    assert_null(find_any("dialog"));
    assert_string_equal(dk_form_record(fx.form)->name, "anna");
}

static void test_every_state_fits_in_portrait_with_larger_text_and_high_contrast(void **state)
{
    fx.w = 1080, fx.h = 1920, fx.w_mm = 296, fx.h_mm = 527, fx.large = 1;
    fx.theme = DK_THEME_HIGH_CONTRAST;
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        fx.lang = (dk_lang)l;
        start("hoerde", "hoerde-marketinggruppe");
        tap("signup:send"); /* every problem shown */
        const char *fields[] = {"field:name", "field:email", "field:phone", "field:message"};
        for (int i = 0; i < 4; i++) {
            tap(fields[i]);
            if (i != 2) { /* the phone keypad has no shift */
                tap("key:shift");
                tap("key:symbols");
                tap("key:letters");
            }
            frame(); /* frame() fails on any label that does not fit */
        }
        tap("key:done");
        fill_valid_form();
        tap("signup:send");
        assert_true(dk_form_confirming(fx.form));
        tap("signup:done");
    }
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_validation_code_has_a_text_in_every_language),
        cmocka_unit_test(test_consent_version_is_sha256_of_title_and_body),
        cmocka_unit_test_setup_teardown(test_consent_and_age_are_never_preticked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_group_one_came_from_is_preselected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_without_a_district_the_visitor_chooses_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_typing_by_touch_fills_the_fields_and_keeps_the_field_in_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_long_message_wraps_and_its_cursor_stays_in_view,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_with_problems_shows_each_beside_its_field,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_send_stores_once_then_thanks_with_masked_data_and_wipes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_store_keeps_the_form_and_never_says_thank_you,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_wipe_leave_no_byte_of_what_was_typed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_the_full_privacy_notice_is_one_tap_away_and_keeps_the_form, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_every_state_fits_in_portrait_with_larger_text_and_high_contrast, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
