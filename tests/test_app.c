/* test_app.c: the visitor session without a display: walk through the screens by tapping
 * elements of the UI's own tree, with the bundled content and a fake font. */
#include "dk_test.h"

#include "dk_app.h"
#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_i18n.h"
#include "dk_pack.h"

#include <math.h>
#include <string.h>

/* A fake font: every code point is 0.55 em wide, lines as the theme says. */
static dk_metrics fake_metrics;

static int fake_measure(void *ctx, int font, const char *s, size_t len)
{
    (void)ctx;
    int px = fake_metrics.font_px[DK_UI_FONT_STYLE(font)];
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return (int)lround((double)n * px * 0.55);
}

static void fake_font_metrics(void *ctx, int font, int *line_height, int *ascent)
{
    (void)ctx;
    *line_height = fake_metrics.line_px[DK_UI_FONT_STYLE(font)];
    *ascent = *line_height * 3 / 4;
}

typedef struct fixture {
    char *tmp;
    dk_config cfg;
    dk_store *store;
    dk_app *app;
    dk_ui *ui;
    int w, h;
    uint32_t now;
} fixture;

static fixture fx;

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    fx.tmp = dkt_mkdtemp("app");
    char bundle[4096], data[4096], db[4096];
    snprintf(bundle, sizeof bundle, "%s/bundle", fx.tmp);
    snprintf(data, sizeof data, "%s/data", fx.tmp);
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(dkt_source_path("content"), bundle, NULL, &pr, NULL), DK_OK);
    dk_problems_free(&pr);
    int installed;
    assert_int_equal(dk_bundle_ensure(bundle, data, &installed), DK_OK);
    assert_int_equal(dk_bundle_db_path(data, db, sizeof db), DK_OK);
    assert_int_equal(dk_store_open(db, &fx.store), DK_OK);
    dk_config_defaults(&fx.cfg);
    snprintf(fx.cfg.home_district, sizeof fx.cfg.home_district, "hoerde");
    assert_int_equal(dk_pin_hash("2468", fx.cfg.staff_pin_hash, sizeof fx.cfg.staff_pin_hash),
                     DK_OK);
    fx.app = dk_app_new(&fx.cfg, fx.store);
    dk_ui_text_backend tb = {NULL, fake_measure, fake_font_metrics};
    fx.ui = dk_ui_new(&tb, 16u << 20);
    assert_non_null(fx.app);
    assert_non_null(fx.ui);
    fx.w = 1920;
    fx.h = 1080;
    fx.now = 1000;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dk_ui_free(fx.ui);
    dk_app_free(fx.app);
    dk_store_close(fx.store);
    dkt_rmdir(fx.tmp);
    return 0;
}

static void frame(void)
{
    dk_app_metrics(fx.app, fx.w, fx.h, &fake_metrics);
    dk_app_frame(fx.app, fx.ui, fx.w, fx.h, fx.now);
    if (dk_ui_overflowed(fx.ui))
        print_error("frame overflowed on %s: %s\n", dk_screen_name(dk_app_screen(fx.app)), dk_error_detail());
    assert_false(dk_ui_overflowed(fx.ui));
    const char *label = NULL;
    if (dk_ui_label_overflows(fx.ui, &label)) {
        print_error("label does not fit its button on %s: '%s'\n",
                    dk_screen_name(dk_app_screen(fx.app)), label);
        fail();
    }
}

static void wait_ms(uint32_t ms)
{
    /* Frames as the main loop would draw them while something animates. */
    for (uint32_t t = 0; t < ms; t += 16) {
        fx.now += 16;
        frame();
    }
}

static const dk_element *find(const char *name_or_label)
{
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = n; i-- > 0;) /* topmost first */
        if ((strcmp(els[i].name, name_or_label) == 0 || strcmp(els[i].label, name_or_label) == 0) &&
            els[i].visible.w > 0 && els[i].visible.h > 0)
            return &els[i];
    return NULL;
}

/* The element in the tree, visible or not (scrolled out of view). */
static const dk_element *find_any(const char *name_or_label)
{
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = n; i-- > 0;)
        if (strcmp(els[i].name, name_or_label) == 0 || strcmp(els[i].label, name_or_label) == 0)
            return &els[i];
    return NULL;
}

static void scroll_to(const char *name);

static void tap_at(int x, int y)
{
    dk_ui_pointer_down(fx.ui, x, y, fx.now);
    fx.now += 16;
    frame();
    fx.now += 60;
    dk_ui_pointer_up(fx.ui, x, y, fx.now);
    fx.now += 16;
    frame();
    fx.now += 16;
    frame(); /* the screen a tap navigated to */
}

static void tap(const char *name_or_label)
{
    frame();
    const dk_element *e = find(name_or_label);
    if (!e && find_any(name_or_label)) {
        scroll_to(name_or_label);
        e = find(name_or_label);
    }
    if (!e) {
        size_t n;
        const dk_element *els = dk_ui_elements(fx.ui, &n);
        for (size_t i = 0; i < n; i++)
            print_message("  %d '%s' [%s]\n", els[i].role, els[i].label, els[i].name);
        print_error("nothing visible named '%s' on screen %s\n", name_or_label,
                    dk_screen_name(dk_app_screen(fx.app)));
        fail();
    }
    tap_at(e->visible.x + e->visible.w / 2, e->visible.y + e->visible.h / 2);
}

/* Scrolls the content until the element is wholly visible (or fails), up or down. */
static void scroll_to(const char *name)
{
    for (int i = 0; i < 40; i++) {
        frame();
        const dk_element *e = find_any(name);
        if (e && e->visible.h == e->rect.h && e->visible.w > 0)
            return;
        int up = e && e->rect.y < fx.h / 2; /* above the view: drag down */
        int x = fx.w / 2, y0 = up ? fx.h / 3 : fx.h * 2 / 3, y1 = up ? fx.h * 2 / 3 : fx.h / 3;
        dk_ui_pointer_down(fx.ui, x, y0, fx.now);
        for (int k = 1; k <= 10; k++) {
            fx.now += 16;
            dk_ui_pointer_move(fx.ui, x, y0 + (y1 - y0) * k / 10, fx.now);
            frame();
        }
        fx.now += 200; /* a pause before lifting: no fling */
        dk_ui_pointer_move(fx.ui, x, y1, fx.now);
        dk_ui_pointer_up(fx.ui, x, y1, fx.now);
        wait_ms(600);
    }
    print_error("could not scroll to '%s'\n", name);
    fail();
}

/* A tap on the dimmed backdrop, away from the dialog: it closes the panel. */
static void tapxy_outside_dialog(void)
{
    frame();
    const dk_element *d = find("dialog");
    assert_non_null(d);
    int y = d->rect.y > fx.h / 4 ? d->rect.y / 2 : d->rect.y + d->rect.h + 10;
    tap_at(fx.w / 2, y);
    assert_null(find("dialog"));
}

static void start_session(void)
{
    frame();
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT);
    tap("start");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
}

static void test_attract_loop_leads_home_and_can_be_paused(void **state)
{
    frame();
    const dk_element *pause = find("pause");
    assert_non_null(pause);
    assert_string_equal(pause->label, "Anhalten");
    tap("pause");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT); /* pausing does not start */
    assert_non_null(find("pause"));
    assert_true(dk_app_next_wakeup(fx.app, fx.now) > 0);
    tap("start");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
}

static void test_home_reaches_all_twelve_districts_with_big_targets(void **state)
{
    start_session();
    static const char *const slugs[] = {"aplerbeck", "brackel", "eving", "hoerde", "hombruch",
                                        "huckarde", "innenstadt-nord", "innenstadt-ost",
                                        "innenstadt-west", "luetgendortmund", "mengede",
                                        "scharnhorst"};
    double px_per_mm = fake_metrics.px_per_mm;
    for (int i = 0; i < 12; i++) {
        char name[64];
        snprintf(name, sizeof name, "district:%s", slugs[i]);
        scroll_to(name);
        const dk_element *e = find(name);
        assert_non_null(e);
        assert_true(e->rect.h >= 15.0 * px_per_mm - 1);
        assert_true(e->rect.h >= 44);
    }
    for (size_t i = 0; i < 5; i++) {
        static const char *const entries[] = {"projects", "groups", "dates", "search", "about"};
        scroll_to(entries[i]);
        const dk_element *e = find(entries[i]);
        if (!e)
            print_error("no entry '%s' on home\n", entries[i]);
        assert_non_null(e);
        assert_int_equal(e->role, DK_EL_BUTTON);
        assert_true(e->rect.h >= 15.0 * px_per_mm - 1);
    }
}

static void test_every_screen_is_reachable_by_touch_and_back_returns(void **state)
{
    start_session();
    scroll_to("district:eving");
    tap("district:eving");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_DISTRICT);
    assert_non_null(find("Eving"));
    scroll_to("Lenkungsgremium");
    tap("back");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);

    tap("projects");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECTS);
    tap("filter:all-districts");
    tap("filter:all-statuses");
    tap("project:hoerde-phoenixsee-lichterfest");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECT);
    assert_non_null(find("Beispiel"));
    tap("back");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECTS);
    tap("home");
    tap("groups");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_GROUPS);
    tap("group:hoerde-lenkungsgremium");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_GROUP);
    assert_non_null(find("Lenkungsgremium"));
    tap("home");
    tap("dates");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_DATES);
    tap("home");
    tap("about");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PAGE);
    tap("home");
    scroll_to("privacy");
    tap("privacy");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PAGE);
    tap("home");
    scroll_to("legal");
    tap("legal");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PAGE);
}

static void test_language_switch_changes_ui_and_content(void **state)
{
    start_session();
    tap("lang:en");
    assert_int_equal(dk_app_lang(fx.app), DK_LANG_EN);
    assert_non_null(find("Current projects"));
    assert_non_null(find("Back"));
    const dk_element *en = find("lang:en");
    assert_true(en->flags & DK_EL_SELECTED);
    tap("lang:tr");
    assert_non_null(find("Türkçe"));
    tap("lang:de");
    assert_non_null(find("Aktuelle Projekte"));
}

static void type_text(const char *keys)
{
    for (const char *p = keys; *p;) {
        size_t len = 1;
        while (p[len] && ((unsigned char)p[len] & 0xC0) == 0x80)
            len++;
        char name[16];
        snprintf(name, sizeof name, "key:%.*s", (int)len, p);
        tap(name);
        p += len;
    }
}

static void test_search_finds_hoerde_typed_with_or_without_umlaut(void **state)
{
    start_session();
    tap("search");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SEARCH);
    type_text("hörde");
    assert_string_equal(dk_app_search_text(fx.app), "hörde");
    assert_non_null(find("district:hoerde"));
    for (int i = 0; i < 5; i++)
        tap("key:delete");
    assert_string_equal(dk_app_search_text(fx.app), "");
    type_text("hoerde");
    assert_non_null(find("district:hoerde"));
    tap("district:hoerde");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_DISTRICT);
}

static void test_idle_warns_then_resets_everything(void **state)
{
    start_session();
    tap("lang:en");
    tap("accessibility");
    tap("a11y:large-text");
    tap("a11y:high-contrast");
    tap("a11y:close");
    tap("search");
    type_text("abc");
    assert_true(dk_app_large_text(fx.app) && dk_app_high_contrast(fx.app));
    /* Just before the timeout nothing happens; then "Need more time?" with one tap to go on. */
    fx.now += (uint32_t)fx.cfg.idle_timeout_s * 1000 - 100;
    frame();
    assert_null(find("dialog"));
    fx.now += 200;
    frame();
    const dk_element *dialog = find("dialog");
    assert_non_null(dialog);
    assert_string_equal(dialog->label, "Need more time?");
    tap("continue");
    assert_null(find("dialog"));
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SEARCH);
    /* Ignored a second time: after the countdown the session is gone. */
    fx.now += (uint32_t)fx.cfg.idle_timeout_s * 1000 + 100;
    frame();
    assert_non_null(find("dialog"));
    fx.now += (uint32_t)fx.cfg.idle_countdown_s * 1000 + 100;
    frame();
    frame();
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT);
    assert_int_equal(dk_app_lang(fx.app), DK_LANG_DE);
    assert_false(dk_app_large_text(fx.app));
    assert_false(dk_app_high_contrast(fx.app));
    assert_false(dk_app_low_reach(fx.app));
    assert_string_equal(dk_app_search_text(fx.app), "");
    assert_int_equal(dk_app_nav_depth(fx.app), 1);
}

static void test_a_drag_that_starts_on_a_button_scrolls_and_does_not_tap(void **state)
{
    start_session();
    scroll_to("district:aplerbeck");
    const dk_element *e = find("district:aplerbeck");
    assert_non_null(e);
    dk_element before = *e;
    e = &before;
    int x = e->visible.x + e->visible.w / 2, y = e->visible.y + e->visible.h / 2;
    dk_ui_pointer_down(fx.ui, x, y, fx.now);
    for (int k = 1; k <= 8; k++) {
        fx.now += 16;
        dk_ui_pointer_move(fx.ui, x, y - k * 20, fx.now);
        frame();
    }
    dk_ui_pointer_up(fx.ui, x, y - 160, fx.now);
    wait_ms(2000);
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
    const dk_element *moved = find("district:aplerbeck");
    assert_non_null(moved);
    assert_true(moved->rect.y < e->rect.y);
}

static void test_swipe_from_the_left_edge_goes_back(void **state)
{
    start_session();
    tap("projects");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECTS);
    int y = fx.h / 2;
    dk_ui_pointer_down(fx.ui, 3, y, fx.now);
    for (int k = 1; k <= 10; k++) {
        fx.now += 16;
        dk_ui_pointer_move(fx.ui, 3 + k * 40, y + k, fx.now);
        frame();
    }
    dk_ui_pointer_up(fx.ui, 403, y + 10, fx.now);
    frame();
    frame();
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
}

static void test_low_reach_keeps_every_control_below_the_reach_line(void **state)
{
    fx.w = 1080;
    fx.h = 1920;
    fx.cfg.screen_width_mm = 296;
    fx.cfg.screen_height_mm = 527;
    fx.cfg.screen_bottom_mm = 900; /* the top edge is at 1427 mm: out of reach */
    start_session();
    tap("accessibility");
    tap("a11y:low-reach");
    tapxy_outside_dialog();
    frame();
    int line = dk_reach_top_y(&fake_metrics, fx.cfg.screen_bottom_mm);
    assert_true(line > 0);
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    int buttons = 0;
    for (size_t i = 0; i < n; i++) {
        if (els[i].role != DK_EL_BUTTON || els[i].visible.h == 0 || !els[i].label[0])
            continue;
        buttons++;
        if (els[i].visible.y < line) {
            print_error("'%s' at y=%d is above the reach line %d\n", els[i].label, els[i].visible.y,
                        line);
            fail();
        }
    }
    assert_true(buttons >= 7); /* the bar and at least one of the content's own */
}

static void test_staff_entry_needs_the_pin_and_blocks_what_is_beneath(void **state)
{
    start_session();
    for (int i = 0; i < 5; i++)
        tap("staff-corner");
    assert_non_null(find("dialog"));
    tap("home"); /* beneath the dialog: must not react */
    assert_non_null(find("dialog"));
    tap("pin:1");
    tap("pin:2");
    tap("pin:ok");
    assert_non_null(find(dk_i18n(DK_LANG_DE, DK_S_WRONG_PIN)));
    tap("pin:2");
    tap("pin:4");
    tap("pin:6");
    tap("pin:8");
    tap("pin:ok");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_STAFF);
    scroll_to("staff:quit");
    tap("staff:quit");
    assert_true(dk_app_quit_requested(fx.app));
}

static void test_lock_down_new_content_waits_for_the_next_reset(void **state)
{
    start_session();
    dk_store *other = fx.store; /* any store object: only identity matters here */
    assert_int_equal(dk_app_offer_store(fx.app, other), 0);
    fx.now += (uint32_t)fx.cfg.idle_timeout_s * 1000 + 100;
    frame();
    fx.now += (uint32_t)fx.cfg.idle_countdown_s * 1000 + 100;
    frame();
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT);
    assert_ptr_equal(dk_app_store_in_use(fx.app), other);
    assert_int_equal(dk_app_offer_store(fx.app, fx.store), 1);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attract_loop_leads_home_and_can_be_paused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_reaches_all_twelve_districts_with_big_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_screen_is_reachable_by_touch_and_back_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_language_switch_changes_ui_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_finds_hoerde_typed_with_or_without_umlaut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_warns_then_resets_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_drag_that_starts_on_a_button_scrolls_and_does_not_tap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swipe_from_the_left_edge_goes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_reach_keeps_every_control_below_the_reach_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_entry_needs_the_pin_and_blocks_what_is_beneath, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_down_new_content_waits_for_the_next_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
