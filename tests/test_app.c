/* test_app.c: the visitor session without a display: walk through the screens by tapping
 * elements of the UI's own tree, with the bundled content and a fake font. */
#include "dk_test.h"

#include "dk_app.h"
#include "dk_bundle.h"
#include "dk_crypto.h"
#include "dk_form.h"
#include "dk_i18n.h"
#include "dk_pack.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* A fake font: every code point is 0.55 em wide, lines as the theme says. */

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
    dk_ui_text_backend tb = dkt_fake_text_backend();
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
    dk_app_metrics(fx.app, fx.w, fx.h, &dkt_fake_metrics);
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
        /* Inside the screen's scroll area (the sign-up form's keyboard lies below it). */
        char area_name[48];
        snprintf(area_name, sizeof area_name, "scroll:%s", dk_screen_name(dk_app_screen(fx.app)));
        const dk_element *area = find_any(area_name);
        if (area && area->visible.h > 0) {
            dk_rect v = area->visible;
            x = v.x + v.w - v.w / 20;
            y0 = up ? v.y + v.h / 4 : v.y + v.h * 3 / 4;
            y1 = up ? v.y + v.h * 3 / 4 : v.y + v.h / 4;
        }
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
    double px_per_mm = dkt_fake_metrics.px_per_mm;
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
    int line = dk_reach_top_y(&dkt_fake_metrics, fx.cfg.screen_bottom_mm);
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
    const dk_element *dialog = find("dialog");
    assert_non_null(dialog);
    /* A touch on the dialog's edge, above whatever lies beneath it: nothing beneath reacts. */
    dk_rect d = dialog->rect;
    int depth = dk_app_nav_depth(fx.app);
    tap_at(d.x + 4, d.y + 4);
    assert_non_null(find("dialog"));
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
    assert_int_equal(dk_app_nav_depth(fx.app), depth);
    /* The Home button lies outside the dialog: a tap there only cancels the dialog. */
    tap("home");
    assert_null(find("dialog"));
    assert_int_equal(dk_app_nav_depth(fx.app), depth);
    fx.now += 4500; /* a new sequence of five taps */
    for (int i = 0; i < 5; i++)
        tap("staff-corner");
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

/* ---- helpers for the tests below ---- */

/* Some element (visible or not) whose label contains text. */
static const dk_element *find_text(const char *text)
{
    size_t n;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = n; i-- > 0;)
        if (strstr(els[i].label, text))
            return &els[i];
    return NULL;
}

/* 1 if a text command drawing exactly text lies inside r. */
static int drawn_in(dk_rect r, const char *text)
{
    size_t n;
    const dk_cmd *cmds = dk_ui_commands(fx.ui, &n);
    for (size_t i = 0; i < n; i++)
        if (cmds[i].type == DK_CMD_TEXT && cmds[i].len == strlen(text) &&
            memcmp(cmds[i].text, text, cmds[i].len) == 0 && cmds[i].rect.x >= r.x &&
            cmds[i].rect.y >= r.y && cmds[i].rect.x + cmds[i].rect.w <= r.x + r.w &&
            cmds[i].rect.y + cmds[i].rect.h <= r.y + r.h)
            return 1;
    return 0;
}

static void use_screen(int w, int h, double w_mm, double h_mm)
{
    fx.w = w;
    fx.h = h;
    fx.cfg.screen_width_mm = w_mm;
    fx.cfg.screen_height_mm = h_mm;
}

static void open_staff_screen(void)
{
    fx.now += 4500;
    for (int i = 0; i < 5; i++)
        tap("staff-corner");
    static const char *const pin[] = {"pin:2", "pin:4", "pin:6", "pin:8", "pin:ok"};
    for (int i = 0; i < 5; i++)
        tap(pin[i]);
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_STAFF);
}

/* ---- regression tests of the UI bugs of issue 3 ---- */

/* Bug 1: the scroll area was named like its screen, so "home" on the home screen found the
 * scroll area (the later element), not the Home button. */
static void test_scroll_area_is_named_scroll_screen_not_like_a_button(void **state)
{
    start_session();
    const dk_element *e = find("home");
    assert_non_null(e);
    assert_int_equal(e->role, DK_EL_BUTTON);
    e = find("scroll:home");
    assert_non_null(e);
    assert_int_equal(e->role, DK_EL_SCROLL);
    tap("projects");
    assert_int_equal(find("projects") ? (int)find("projects")->role : -1, -1); /* none left */
    assert_int_equal(find("scroll:projects")->role, DK_EL_SCROLL);
    tap("home");
    tap("home"); /* on the home screen: the button, which stays home */
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
    assert_int_equal(dk_app_nav_depth(fx.app), 2);
}

static void open_project_from_hoerde(const char *slug)
{
    start_session();
    scroll_to("district:hoerde");
    tap("district:hoerde");
    char name[96];
    snprintf(name, sizeof name, "project:%s", slug);
    tap(name);
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECT);
}

/* Bug 2: a project of one day (start == end) showed "19. Dezember 2026 – 19. Dezember 2026". */
static void test_a_single_day_project_shows_one_date(void **state)
{
    open_project_from_hoerde("hoerde-phoenixsee-lichterfest"); /* 2026-12-19 to 2026-12-19 */
    char day[64];
    assert_int_equal(dk_i18n_format_date(DK_LANG_DE, "2026-12-19", day, sizeof day, 0), DK_OK);
    assert_non_null(find_any(day));
    assert_null(find_text(" – 19. Dezember"));
    tap("lang:en");
    assert_int_equal(dk_i18n_format_date(DK_LANG_EN, "2026-12-19", day, sizeof day, 0), DK_OK);
    assert_non_null(find_any(day));
    /* a project of several days keeps its range */
    tap("back");
    tap("project:hoerde-geschichtspfad-stahlwerk-see");
    const dk_element *range = find_text(" – ");
    assert_non_null(range);
}

/* Bug 3: a project without an image got no picture; UI.md asks for a card in the district's
 * colour, on the lists and on the project page. */
static void test_projects_without_image_get_a_picture_in_the_district_colour(void **state)
{
    dk_arena *a = dk_arena_new(1u << 20);
    dk_district hoerde;
    assert_int_equal(dk_store_district(fx.store, "hoerde", DK_LANG_DE, a, &hoerde), DK_OK);
    dk_color fill = dk_theme_district_colors(DK_THEME_NORMAL, dk_color_parse(hoerde.color,
                                                                           (dk_color){0, 0, 0, 0}))
                        .fill;
    start_session();
    tap("projects");
    tap("filter:all-statuses");
    /* Every project card on the list has a picture inside it: its image or a drawn one. */
    size_t n, cards = 0, drawn = 0;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(els[i].name, "project:", 8) != 0)
            continue;
        cards++;
        dk_rect c = els[i].rect;
        int found = 0;
        for (size_t k = 0; k < n && !found; k++)
            found = els[k].role == DK_EL_IMAGE && els[k].rect.x >= c.x && els[k].rect.y >= c.y &&
                    els[k].rect.x + els[k].rect.w <= c.x + c.w &&
                    els[k].rect.y + els[k].rect.h <= c.y + c.h;
        if (!found)
            fail_msg("card %s has no picture", els[i].name);
    }
    assert_true(cards >= 2);
    const dk_element *pic = find_any("picture:hoerde-geschichtspfad-stahlwerk-see");
    assert_non_null(pic);
    assert_int_equal(pic->role, DK_EL_IMAGE);
    assert_string_equal(pic->label, "Hörde");
    /* ... drawn in Hörde's colour */
    const dk_cmd *cmds = dk_ui_commands(fx.ui, &n);
    for (size_t i = 0; i < n; i++)
        if (cmds[i].type == DK_CMD_RECT && cmds[i].rect.x == pic->rect.x &&
            cmds[i].rect.y == pic->rect.y && cmds[i].rect.w == pic->rect.w &&
            cmds[i].color.r == fill.r && cmds[i].color.g == fill.g && cmds[i].color.b == fill.b)
            drawn++;
    assert_int_equal(drawn, 1);
    /* On the project page: a big one with the district's name. */
    tap("project:hoerde-geschichtspfad-stahlwerk-see");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PROJECT);
    pic = find("picture:hoerde-geschichtspfad-stahlwerk-see");
    assert_non_null(pic);
    assert_true(pic->rect.w >= fx.w / 3);
    assert_true(drawn_in(pic->rect, "Hörde"));
    /* A project with an image keeps it. */
    tap("back");
    tap("project:hoerde-phoenixsee-lichterfest");
    assert_null(find_any("picture:hoerde-phoenixsee-lichterfest"));
    dk_arena_free(a);
}

/* Bug 4: the accessibility switches showed on/off by colour alone. */
static void test_toggles_say_on_and_off_in_words(void **state)
{
    start_session();
    tap("accessibility");
    static const char *const names[] = {"a11y:large-text", "a11y:high-contrast", "a11y:low-reach"};
    static const dk_string_id labels[] = {DK_S_LARGER_TEXT, DK_S_HIGH_CONTRAST, DK_S_LOW_REACH};
    assert_string_equal(dk_i18n(DK_LANG_DE, DK_S_ON), "Ein");
    assert_string_equal(dk_i18n(DK_LANG_DE, DK_S_OFF), "Aus");
    for (int i = 0; i < 3; i++) {
        const dk_element *e = find(names[i]);
        assert_non_null(e);
        char want[128];
        snprintf(want, sizeof want, "%s: Aus", dk_i18n(DK_LANG_DE, labels[i]));
        assert_string_equal(e->label, want);
        assert_true(e->flags & DK_EL_TOGGLE);
        assert_false(e->flags & DK_EL_CHECKED);
        assert_true(drawn_in(e->rect, "Aus"));
        assert_true(drawn_in(e->rect, dk_i18n(DK_LANG_DE, labels[i])));
    }
    tap("a11y:high-contrast");
    const dk_element *e = find("a11y:high-contrast");
    assert_true(e->flags & DK_EL_CHECKED);
    assert_string_equal(e->label, "Hoher Kontrast: Ein");
    assert_true(drawn_in(e->rect, "Ein"));
    assert_false(find("a11y:large-text")->flags & DK_EL_CHECKED);
    /* In each language, and with larger text in portrait, where the words must still fit. The
     * panel is modal: a tap on a language beneath it only closes it. */
    tap("a11y:close");
    tap("lang:en");
    tap("accessibility");
    assert_string_equal(find("a11y:high-contrast")->label, "High contrast: On");
    assert_true(drawn_in(find("a11y:large-text")->rect, "Off"));
    tap("a11y:close");
    tap("lang:tr");
    tap("accessibility");
    assert_true(drawn_in(find("a11y:high-contrast")->rect, "Açık"));
    assert_true(drawn_in(find("a11y:low-reach")->rect, "Kapalı"));
    use_screen(1080, 1920, 296, 527);
    tap("a11y:large-text");
    assert_true(dk_app_large_text(fx.app));
    assert_string_equal(find("a11y:large-text")->label, "Yazıyı büyüt: Açık");
    /* the shift key is a switch too: its state shows on every letter key, and in the tree */
    tap("a11y:close");
    tap("search");
    assert_true(find("key:shift")->flags & DK_EL_TOGGLE);
    assert_false(find("key:shift")->flags & DK_EL_CHECKED);
    tap("key:shift");
    assert_true(find("key:shift")->flags & DK_EL_CHECKED);
    assert_non_null(find("key:Q"));
}

/* Every pair of keys that face each other across a row or a column is at least 3 mm apart, and
 * every key at least 15 mm high. */
static void check_keyboard(const char *what)
{
    double mm = dkt_fake_metrics.px_per_mm;
    size_t n, keys = 0;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(els[i].name, "key:", 4) != 0)
            continue;
        keys++;
        dk_rect a = els[i].rect;
        if (a.h < 15.0 * mm - 1)
            fail_msg("%s: %s is %.1f mm high", what, els[i].name, a.h / mm);
        for (size_t k = 0; k < n; k++) {
            if (k == i || strncmp(els[k].name, "key:", 4) != 0)
                continue;
            dk_rect b = els[k].rect;
            int overlap_y = a.y < b.y + b.h && b.y < a.y + a.h;
            int overlap_x = a.x < b.x + b.w && b.x < a.x + a.w;
            if (overlap_y && b.x >= a.x + a.w && b.x - (a.x + a.w) < 3.0 * mm)
                fail_msg("%s: %s and %s are %.2f mm apart", what, els[i].name, els[k].name,
                         (b.x - (a.x + a.w)) / mm);
            if (overlap_x && b.y >= a.y + a.h && b.y - (a.y + a.h) < 3.0 * mm)
                fail_msg("%s: %s and %s are %.2f mm apart (rows)", what, els[i].name,
                         els[k].name, (b.y - (a.y + a.h)) / mm);
        }
    }
    assert_true(keys >= 40);
}

/* Bug 5: the on-screen keys were 1.6 mm apart; UI.md asks at least 3 mm. */
static void test_keyboard_keys_are_big_and_3mm_apart(void **state)
{
    start_session();
    tap("search");
    frame();
    check_keyboard("landscape");
    tap("lang:tr"); /* the longest rows */
    check_keyboard("landscape, Turkish");
    use_screen(1080, 1920, 296, 527);
    frame();
    check_keyboard("portrait");
    tap("accessibility");
    tap("a11y:large-text");
    tap("a11y:close");
    frame();
    check_keyboard("portrait, larger text");
    use_screen(1920, 1080, 527, 296);
    frame();
    check_keyboard("landscape, larger text");
}

static void search_and_tap(const char *word, const char *hit)
{
    if (dk_app_screen(fx.app) != DK_SCREEN_SEARCH)
        tap("search");
    while (dk_app_search_text(fx.app)[0])
        tap("key:delete");
    type_text(word);
    tap(hit);
    for (int i = 0; i < 3; i++)
        frame();
}

/* Bug 6: a date found by search opened the dates list at its top, not at the date. */
static void test_a_date_found_by_search_is_shown_highlighted_in_the_dates(void **state)
{
    start_session();
    /* far down the list (June 2027) */
    search_and_tap("hellwegfest", "date:brackel-2027-06-19-hellwegfest");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_DATES);
    const dk_element *e = find("date:brackel-2027-06-19-hellwegfest");
    if (!e)
        fail_msg("the date is not in view");
    assert_true(e->visible.h == e->rect.h); /* wholly */
    assert_true(e->flags & DK_EL_SELECTED);
    size_t n, selected = 0;
    const dk_element *els = dk_ui_elements(fx.ui, &n);
    for (size_t i = 0; i < n; i++)
        selected += strncmp(els[i].name, "date:", 5) == 0 && (els[i].flags & DK_EL_SELECTED);
    assert_int_equal(selected, 1);
    /* Back from the date's group: the same place again. */
    tap("date:brackel-2027-06-19-hellwegfest");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_GROUP);
    tap("back");
    frame();
    frame();
    e = find("date:brackel-2027-06-19-hellwegfest");
    assert_non_null(e);
    assert_true(e->flags & DK_EL_SELECTED);
    /* A date that is over is not among the upcoming ones: it is shown first, and said to be
     * over (this one is over once the calendar has passed 25 November 2026). */
    tap("back");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SEARCH);
    search_and_tap("infotafeln", "date:aplerbeck-2026-11-25-ak-emscher");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_DATES);
    e = find("date:aplerbeck-2026-11-25-ak-emscher");
    assert_non_null(e);
    assert_true(e->flags & DK_EL_SELECTED);
    time_t now = time(NULL);
    struct tm tm;
    char today[16];
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    if (strcmp(today, "2026-11-25") > 0)
        assert_non_null(find(dk_i18n(DK_LANG_DE, DK_S_DATE_PAST)));
    /* the dates list reached from home highlights nothing */
    tap("home");
    tap("dates");
    els = dk_ui_elements(fx.ui, &n);
    for (size_t i = 0; i < n; i++)
        assert_false(strncmp(els[i].name, "date:", 5) == 0 && (els[i].flags & DK_EL_SELECTED));
}

/* Bug 7: Turkish privacy and legal pages had a Turkish title over a German body. */
static void test_a_page_only_in_german_has_the_german_title_and_says_so(void **state)
{
    dk_arena *a = dk_arena_new(1u << 20);
    static const char *const slugs[] = {"privacy", "legal", "about"};
    start_session();
    tap("lang:tr");
    for (int i = 0; i < 3; i++) {
        dk_page de, tr;
        assert_int_equal(dk_store_page(fx.store, slugs[i], DK_LANG_DE, a, &de), DK_OK);
        assert_int_equal(dk_store_page(fx.store, slugs[i], DK_LANG_TR, a, &tr), DK_OK);
        int german_only = strcmp(de.body_md, tr.body_md) == 0;
        tap("home");
        tap(slugs[i]);
        assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_PAGE);
        const dk_element *title = find(german_only ? de.title : tr.title);
        if (!title)
            fail_msg("page %s: no title '%s'", slugs[i], german_only ? de.title : tr.title);
        assert_int_equal(title->role, DK_EL_HEADING);
        const dk_element *note = find("page:german-only");
        if (german_only) {
            assert_non_null(note);
            assert_string_equal(note->label, dk_i18n(DK_LANG_TR, DK_S_PAGE_ONLY_GERMAN));
            assert_null(find(tr.title));
        } else {
            assert_null(note);
        }
        if (i < 2)
            assert_true(german_only); /* the bundled content: privacy and legal only in German */
    }
    /* English has its own text: its own title, no note. */
    tap("lang:en");
    frame();
    assert_non_null(find("Privacy notice") ? find("Privacy notice") : find("About the programme"));
    tap("home");
    tap("privacy");
    assert_non_null(find("Privacy notice"));
    assert_null(find("page:german-only"));
    dk_arena_free(a);
}

/* Feature 9: the sync state on the staff screen, and "Sync now" for the sync worker. */
static void test_staff_screen_shows_the_sync_state_and_asks_for_a_sync(void **state)
{
    start_session();
    tap("lang:en");
    open_staff_screen();
    assert_true(dk_app_next_wakeup(fx.app, fx.now) <= 1000); /* relative times tick */
    /* Before the worker reported anything: not configured, and the button does nothing. */
    scroll_to("staff:sync");
    const dk_element *b = find("staff:sync");
    assert_string_equal(b->label, "Sync not configured");
    assert_true(b->flags & DK_EL_DISABLED);
    tap("staff:sync");
    assert_false(dk_app_take_sync_request(fx.app));
    assert_non_null(find_text("Never"));

    long long now = (long long)time(NULL);
    dk_app_sync_view v;
    memset(&v, 0, sizeof v);
    v.configured = 1;
    v.last_attempt = now - 150;
    v.last_success = now - 3 * 3600 - 100;
    v.next_attempt = now + 7 * 60 + 20;
    v.version = 42;
    snprintf(v.issued, sizeof v.issued, "2026-11-20T09:30:00Z");
    v.stale = 1;
    snprintf(v.error, sizeof v.error, "The hub did not answer within 10 seconds.");
    v.backlog = 3;
    dk_app_set_sync_view(fx.app, &v);
    frame();
    assert_non_null(find_text("42 · 20 November 2026"));
    assert_non_null(find_text("2 min ago"));
    assert_non_null(find_text("3 h ago"));
    assert_non_null(find_text("in 7 min"));
    assert_non_null(find_any("The hub did not answer within 10 seconds."));
    const dk_element *stale = find_any("staff:stale");
    assert_non_null(stale);
    assert_non_null(strstr(stale->label, "Out of date"));
    assert_non_null(find_any("3"));
    assert_non_null(find_any("Registrations waiting to be sent"));
    scroll_to("staff:sync");
    b = find("staff:sync");
    assert_string_equal(b->label, "Sync now");
    assert_false(b->flags & DK_EL_DISABLED);
    assert_true(b->rect.h >= 15.0 * dkt_fake_metrics.px_per_mm - 1);
    tap("staff:sync");
    assert_true(dk_app_take_sync_request(fx.app));
    assert_false(dk_app_take_sync_request(fx.app)); /* once */

    /* While it runs: says so, and is inert. */
    v.running = 1;
    v.stale = 0;
    v.error[0] = '\0';
    dk_app_set_sync_view(fx.app, &v);
    frame();
    assert_null(find_any("staff:stale"));
    assert_non_null(find_any("Up to date"));
    assert_non_null(find_any("None"));
    b = find("staff:sync");
    assert_string_equal(b->label, "Sync running…");
    assert_true(b->flags & DK_EL_DISABLED);
    tap("staff:sync");
    assert_false(dk_app_take_sync_request(fx.app));

    /* German and Turkish have their own words; portrait with larger text still fits. */
    v.running = 0;
    v.stale = 1;
    dk_app_set_sync_view(fx.app, &v);
    tap("lang:de");
    assert_non_null(find_text("in 7 Min."));
    assert_non_null(find_text("vor 2 Min."));
    assert_non_null(find_any("Jetzt abgleichen"));
    tap("lang:tr");
    assert_non_null(find_text("7 dk sonra"));
    assert_non_null(find_any("Şimdi eşitle"));
    use_screen(1080, 1920, 296, 527);
    tap("accessibility");
    tap("a11y:large-text");
    tap("a11y:close");
    scroll_to("staff:sync");
    scroll_to("staff:stale");
    v.configured = 0;
    dk_app_set_sync_view(fx.app, &v);
    scroll_to("staff:sync");
    assert_string_equal(find("staff:sync")->label, "Eşitleme ayarlanmamış");
}

/* Registrations the hub refused, kept sealed: the staff screen shows how many, why in plain
 * words and when the latest came, never what they hold; staff send them again or delete them,
 * after a confirmation that says they cannot be recovered. A fake stands in for the kiosk's
 * outbox, answering as kiosk_signup does. */
typedef struct fake_refused {
    int calls;
    dk_app_refused_action last;
    long long expected;
    dk_err answer;
} fake_refused;

static dk_err fake_refused_fn(void *ctx, dk_app_refused_action action, long long expected,
                              long long *done)
{
    fake_refused *r = ctx;
    r->calls++;
    r->last = action;
    r->expected = expected;
    if (r->answer)
        return r->answer;
    *done = expected;
    dk_app_refused_view none;
    memset(&none, 0, sizeof none);
    dk_app_set_refused_view(fx.app, &none); /* the quarantine is empty now */
    return DK_OK;
}

static dk_app_refused_view refused_view(long long now)
{
    dk_app_refused_view v;
    memset(&v, 0, sizeof v);
    v.refused = 4;
    v.groups = 2;
    v.group[0].why = DK_APP_REFUSED_MALFORMED;
    v.group[0].count = 3;
    v.group[0].newest = now - 2 * 3600 - 10;
    v.group[1].why = DK_APP_REFUSED_TOO_LARGE;
    v.group[1].count = 1;
    v.group[1].newest = now - 5 * 60 - 10;
    return v;
}

static const char *status_line(void)
{
    frame();
    const dk_element *e = find_any("staff:refused-status");
    return e ? e->label : "";
}

static void test_staff_screen_shows_refused_registrations_and_lets_staff_act(void **state)
{
    start_session();
    tap("lang:en");
    open_staff_screen();
    /* Before the kiosk said anything: the waiting count, no refused part, no buttons. */
    assert_non_null(find_any("Registrations"));
    assert_non_null(find_any("Registrations waiting to be sent"));
    assert_null(find_any("Registrations refused by the hub"));
    assert_null(find_any("staff:refused-retry"));
    assert_null(find_any("staff:refused-delete"));
    /* Nothing refused: a zero, still no buttons, even with someone to act. */
    fake_refused fr = {0};
    dk_app_set_refused_handler(fx.app, fake_refused_fn, &fr);
    dk_app_refused_view v;
    memset(&v, 0, sizeof v);
    dk_app_set_refused_view(fx.app, &v);
    frame();
    assert_non_null(find_any("Registrations refused by the hub"));
    assert_null(find_any("staff:refused-retry"));
    assert_null(find_any("staff:refused-delete"));
    assert_null(find_text("nobody can read them"));

    /* Four refused, in two groups: counts and causes in words, the latest of each. */
    long long now = (long long)time(NULL);
    v = refused_view(now);
    dk_app_set_refused_view(fx.app, &v);
    frame();
    assert_non_null(find_any("4"));
    assert_non_null(find_any("3 refused by the hub as malformed (HTTP 400)"));
    assert_non_null(find_text("latest 2 h ago · "));
    assert_non_null(find_any("1 refused by the hub as too large (HTTP 413)"));
    assert_non_null(find_text("latest 5 min ago · "));
    assert_non_null(find_text("Refused registrations stay encrypted on this kiosk"));
    scroll_to("staff:refused-retry");
    const dk_element *b = find("staff:refused-retry");
    assert_string_equal(b->label, "Send refused again");
    assert_true(b->rect.h >= 15.0 * dkt_fake_metrics.px_per_mm - 1);
    scroll_to("staff:refused-delete");
    b = find("staff:refused-delete");
    assert_string_equal(b->label, "Delete refused registrations");
    assert_true(b->rect.h >= 15.0 * dkt_fake_metrics.px_per_mm - 1);
    /* Without a handler the figures stay, the buttons go (no button that cannot work). */
    dk_app_set_refused_handler(fx.app, NULL, NULL);
    frame();
    assert_null(find_any("staff:refused-retry"));
    assert_non_null(find_any("3 refused by the hub as malformed (HTTP 400)"));
    dk_app_set_refused_handler(fx.app, fake_refused_fn, &fr);

    /* Deleting asks first and says they cannot be recovered; cancel does nothing. */
    tap("staff:refused-delete");
    assert_int_equal(fr.calls, 0);
    assert_non_null(find("dialog"));
    assert_non_null(find_text("Delete 4 refused registrations for good? They cannot be recovered"));
    b = find("staff:refused-delete-confirm");
    assert_string_equal(b->label, "Delete for good");
    assert_true(b->rect.h >= 15.0 * dkt_fake_metrics.px_per_mm - 1);
    tap("staff:refused-delete-cancel");
    assert_int_equal(fr.calls, 0);
    assert_null(find("dialog"));
    assert_string_equal(status_line(), "");
    /* A tap beneath the open dialog closes it; it never sends or deletes. */
    tap("staff:refused-delete");
    tap("staff:refused-retry");
    assert_int_equal(fr.calls, 0);
    assert_null(find("dialog"));
    /* Confirmed: the handler deletes the four staff were shown; the buttons go; it says so. */
    tap("staff:refused-delete");
    tap("staff:refused-delete-confirm");
    assert_int_equal(fr.calls, 1);
    assert_int_equal(fr.last, DK_APP_REFUSED_DELETE);
    assert_int_equal(fr.expected, 4);
    assert_null(find("dialog"));
    assert_string_equal(status_line(), "4 refused registrations were deleted.");
    assert_null(find_any("staff:refused-retry"));
    assert_null(find_any("staff:refused-delete"));

    /* "Send refused again": one refused (key reused), sent again at once, said in the singular. */
    memset(&v, 0, sizeof v);
    v.refused = 1;
    v.groups = 1;
    v.group[0].why = DK_APP_REFUSED_KEY_REUSED;
    v.group[0].count = 1;
    v.group[0].newest = now - 20;
    dk_app_set_refused_view(fx.app, &v);
    frame();
    assert_non_null(
        find_any("1 refused by the hub: key already used for another registration (HTTP 409)"));
    assert_non_null(find_text("latest just now"));
    tap("staff:refused-retry");
    assert_int_equal(fr.calls, 2);
    assert_int_equal(fr.last, DK_APP_REFUSED_SEND_AGAIN);
    assert_int_equal(fr.expected, 1);
    assert_string_equal(status_line(), "1 refused registration will be sent again.");
    assert_null(find_any("staff:refused-retry"));

    /* When it does not work: plain words, nothing claimed. More refused since staff looked: */
    v = refused_view(now);
    dk_app_set_refused_view(fx.app, &v);
    fr.answer = DK_ERR_EXISTS;
    tap("staff:refused-delete");
    tap("staff:refused-delete-confirm");
    assert_int_equal(fr.calls, 3);
    assert_non_null(strstr(status_line(), "Nothing was deleted"));
    assert_non_null(find_any("staff:refused-retry")); /* still there: nothing changed */
    /* ... the outbox failed: */
    fr.answer = DK_ERR_DB;
    tap("staff:refused-retry");
    assert_int_equal(fr.calls, 4);
    assert_string_equal(status_line(),
                        "That did not work; nothing was changed. The details are in the recent "
                        "log below.");
    /* A status line shows at once: the app asks for a frame after the action. */
    fr.answer = DK_OK;
    scroll_to("staff:refused-retry");
    const dk_element *e = find("staff:refused-retry");
    dk_ui_pointer_down(fx.ui, e->visible.x + 5, e->visible.y + 5, fx.now);
    fx.now += 16;
    frame();
    dk_ui_pointer_up(fx.ui, e->visible.x + 5, e->visible.y + 5, fx.now);
    fx.now += 16;
    frame();
    assert_int_equal(fr.calls, 5);
    assert_int_equal(dk_app_next_wakeup(fx.app, fx.now), 0);
    frame();
    assert_true(dk_app_next_wakeup(fx.app, fx.now) > 0);
    assert_string_equal(status_line(), "4 refused registrations will be sent again.");

    /* German and Turkish have their own words. */
    v = refused_view(now);
    dk_app_set_refused_view(fx.app, &v);
    tap("lang:de");
    assert_non_null(find_any("3 von der Zentrale als fehlerhaft abgelehnt (HTTP 400)"));
    assert_non_null(find_text("zuletzt vor 2 Std. · "));
    assert_non_null(find_any("Abgelehnte erneut senden"));
    assert_non_null(find_any("Abgelehnte Anmeldungen löschen"));
    assert_string_equal(status_line(), "4 abgelehnte Anmeldungen werden erneut gesendet.");
    tap("staff:refused-delete");
    assert_non_null(find_text("4 abgelehnte Anmeldungen endgültig löschen? Sie lassen sich nicht "
                              "wiederherstellen"));
    tap("staff:refused-delete-cancel");
    tap("lang:tr");
    assert_non_null(
        find_any("1 kayıt merkez tarafından çok büyük olduğu için reddedildi (HTTP 413)"));
    assert_non_null(find_any("Reddedilenleri yeniden gönder"));
    /* Portrait with larger text: everything fits (frame() checks every label), targets stay big,
     * and the confirmation sits in the lower part, within reach. */
    use_screen(1080, 1920, 296, 527);
    tap("accessibility");
    tap("a11y:large-text");
    tap("a11y:close");
    scroll_to("staff:refused-delete");
    tap("staff:refused-delete");
    const dk_element *dialog = find("dialog");
    assert_non_null(dialog);
    assert_true(dialog->rect.y > fx.h / 3);
    b = find("staff:refused-delete-confirm");
    assert_true(b->rect.h >= 15.0 * dkt_fake_metrics.px_per_mm - 1);
    /* Staff walking away from the open question: the idle reset closes it, nothing deleted. */
    int calls = fr.calls;
    fx.now += (uint32_t)fx.cfg.idle_timeout_s * 1000 + 100;
    frame();
    fx.now += (uint32_t)fx.cfg.idle_countdown_s * 1000 + 100;
    frame();
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT);
    assert_int_equal(fr.calls, calls);
    tap("start");
    assert_null(find("dialog"));
    assert_string_equal(status_line(), "");
}

/* ---- volunteer sign-up (issue 5) ---- */

typedef struct fake_outbox {
    int calls;
    dk_err answer;
    dk_signup last; /* a copy, wiped by the test */
} fake_outbox;

static dk_err fake_submit(void *ctx, const dk_signup *rec)
{
    fake_outbox *o = ctx;
    o->calls++;
    if (o->answer == DK_OK)
        o->last = *rec;
    return o->answer;
}

static void type_keys(const char *s) /* as the script's "type": a space is key:space */
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

static void open_group(const char *slug)
{
    char name[96];
    snprintf(name, sizeof name, "group:%s", slug);
    tap("groups");
    tap("filter:all-districts");
    tap(name);
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_GROUP);
}

static void test_register_interest_is_offered_only_where_it_can_be_stored(void **state)
{
    /* No outbox configured: no button anywhere, nothing that looks like a feature. */
    start_session();
    frame();
    assert_null(find_any("signup"));
    tap("district:hoerde");
    assert_null(find_any("signup"));
    tap("home");
    open_group("hoerde-projektgruppe-lichterfest");
    assert_null(find_any("signup"));
    /* With one: on home, the district, an open group, a project; not on a closed group. */
    fake_outbox ob = {0};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    frame();
    assert_non_null(find_any("signup"));
    assert_string_equal(find_any("signup")->label, "Interesse bekunden");
    tap("home");
    assert_non_null(find_any("signup"));
    tap("district:hoerde");
    assert_non_null(find_any("signup"));
    tap("home");
    open_group("hoerde-lenkungsgremium");
    assert_null(find_any("signup"));
    tap("home");
    tap("projects");
    tap("filter:all-districts");
    tap("filter:all-statuses");
    tap("project:hoerde-phoenixsee-lichterfest");
    assert_non_null(find_any("signup"));
    dk_app_set_submit(fx.app, NULL, NULL);
    frame();
    assert_null(find_any("signup"));
}

/* The consent version the record must carry: of the consent page as shown in lang. */
static void expected_consent_version(dk_lang lang, char out[DK_SIGNUP_CONSENT_VERSION_BYTES])
{
    dk_arena *a = dk_arena_new(1u << 20);
    dk_page page;
    assert_int_equal(dk_store_page(fx.store, "consent", lang, a, &page), DK_OK);
    dk_form_consent_version(page.title, page.body_md, out);
    assert_int_equal(strlen(out), 16);
    dk_arena_free(a);
}

static void test_signup_by_touch_from_a_group_page_in_three_languages(void **state)
{
    fake_outbox ob = {0};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    start_session();
    static const struct {
        const char *lang, *name_rest, *email, *ending, *phone, *want_name, *want_email;
        dk_lang code;
    } runs[] = {
        {"lang:de", "üller-weiß", "jana.mueller", "key:@web.de", "0231 123456", "Jana Müller-weiß",
         "jana.mueller@web.de", DK_LANG_DE},
        {"lang:en", "mith", "j_smith", "key:@gmail.com", "+44 20 7946 0018", "Jana Smith",
         "j_smith@gmail.com", DK_LANG_EN},
        {"lang:tr", "ılmaz ğüşçö", "ayse", "key:@t-online.de", "(0231) 98-76/54", "Jana Yılmaz ğüşçö",
         "ayse@t-online.de", DK_LANG_TR},
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        tap("home");
        tap(runs[r].lang);
        open_group("hoerde-projektgruppe-lichterfest");
        tap("signup");
        assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SIGNUP);
        /* The group one came from is chosen; the boxes one has to tick are not. */
        assert_true(find_any("signup-group:hoerde-projektgruppe-lichterfest")->flags & DK_EL_CHECKED);
        assert_false(find_any("signup:consent")->flags & DK_EL_CHECKED);
        assert_false(find_any("signup:age")->flags & DK_EL_CHECKED);
        tap("field:name");
        tap("key:shift");
        type_keys("J");
        type_keys("ana ");
        tap("key:shift");
        type_keys(r == 0 ? "M" : r == 1 ? "S" : "Y");
        type_keys(runs[r].name_rest);
        tap("field:email");
        type_keys(runs[r].email);
        tap(runs[r].ending);
        tap("field:phone");
        type_keys(runs[r].phone);
        tap("key:done");
        tap("signup:age");
        tap("signup:consent");
        tap("signup:send");
        assert_int_equal(ob.calls, (int)r + 1);
        assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_THANKS);
        assert_string_equal(ob.last.name, runs[r].want_name);
        assert_string_equal(ob.last.email, runs[r].want_email);
        assert_string_equal(ob.last.phone, runs[r].phone);
        assert_string_equal(ob.last.district, "hoerde");
        assert_string_equal(ob.last.groups[0], "hoerde-projektgruppe-lichterfest");
        assert_int_equal(ob.last.language, runs[r].code);
        char version[DK_SIGNUP_CONSENT_VERSION_BYTES];
        expected_consent_version(runs[r].code, version);
        assert_string_equal(ob.last.consent_version, version);
        assert_true(ob.last.created >= (int64_t)time(NULL) - 60);
        dk_signup_wipe(&ob.last);
        /* Thank you, masked; nothing of the plain record left in the form. */
        assert_non_null(find_any("signup:thanks"));
        assert_non_null(find_any("J****"));
        frame();
        const char *label = NULL;
        assert_int_equal(dk_ui_label_overflows(fx.ui, &label), 0);
        tap("signup:done");
        assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_GROUP);
        assert_true(dk_app_form_is_wiped(fx.app));
    }
}

static void fill_minimal_form(void)
{
    tap("field:name");
    type_keys("anna");
    tap("field:email");
    type_keys("anna");
    tap("key:@gmx.de");
    tap("key:done");
    tap("signup:age");
    tap("signup:consent");
}

static void test_the_form_is_wiped_on_cancel_back_home_and_idle_reset(void **state)
{
    fake_outbox ob = {0};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    start_session();
    tap("district:hoerde");
    const char *ways[] = {"signup:cancel", "back", "home", NULL /* idle */};
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        if (dk_app_screen(fx.app) != DK_SCREEN_DISTRICT) {
            if (dk_app_screen(fx.app) == DK_SCREEN_ATTRACT)
                tap("start");
            tap("district:hoerde");
        }
        tap("signup");
        assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SIGNUP);
        fill_minimal_form();
        assert_false(dk_app_form_is_wiped(fx.app));
        if (ways[w]) {
            tap(ways[w]);
        } else {
            fx.now += (uint32_t)fx.cfg.idle_timeout_s * 1000;
            frame();
            fx.now += (uint32_t)fx.cfg.idle_countdown_s * 1000 + 100;
            frame();
            assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_ATTRACT);
        }
        assert_true(dk_app_form_is_wiped(fx.app));
        assert_int_not_equal(dk_app_screen(fx.app), DK_SCREEN_SIGNUP);
    }
    assert_int_equal(ob.calls, 0);
}

static void test_a_failed_store_says_so_in_the_visitors_language_and_keeps_the_form(void **state)
{
    fake_outbox ob = {.answer = DK_ERR_NOSPACE};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    start_session();
    tap("lang:tr");
    tap("district:hoerde");
    tap("signup");
    fill_minimal_form();
    tap("signup:send");
    assert_int_equal(ob.calls, 1);
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SIGNUP); /* never "Thank you" */
    assert_null(find_any("signup:thanks"));
    assert_string_equal(find_any("signup:banner")->label, dk_i18n(DK_LANG_TR, DK_S_SAVE_FAILED));
    assert_false(dk_app_form_is_wiped(fx.app));
    assert_string_equal(find_any("field:name")->label, "anna");
    ob.answer = DK_OK;
    tap("signup:send");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_THANKS);
    dk_signup_wipe(&ob.last);
}

static void test_signup_from_home_without_a_home_district_asks_for_one(void **state)
{
    fx.cfg.home_district[0] = '\0';
    fake_outbox ob = {0};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    start_session();
    tap("signup");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_SIGNUP);
    assert_null(find_any("field:name"));
    tap("signup-district:eving");
    frame();
    /* Eving's groups that take members, all chosen; its steering committee is not offered. */
    assert_true(find_any("signup-group:eving-ak-bergbaugeschichte")->flags & DK_EL_CHECKED);
    assert_null(find_any("signup-group:eving-lenkungsgremium"));
    assert_non_null(find_any("field:name"));
}

static void test_signup_keyboard_sits_low_in_reach_and_fits_portrait_large_text(void **state)
{
    fake_outbox ob = {0};
    dk_app_set_submit(fx.app, fake_submit, &ob);
    use_screen(1080, 1920, 296, 527);
    fx.cfg.screen_bottom_mm = 900;
    start_session();
    tap("accessibility");
    tap("a11y:large-text");
    tap("a11y:low-reach");
    tap("a11y:close");
    tap("district:hoerde");
    tap("signup");
    tap("field:message");
    frame();
    int line = dk_reach_top_y(&dkt_fake_metrics, fx.cfg.screen_bottom_mm);
    const dk_element *kb = find_any("keyboard");
    assert_non_null(kb);
    assert_true(kb->rect.y >= line);
    /* Right above the bottom bar (its top row holds the languages in portrait). */
    int bar_top = fx.h;
    const char *bar[] = {"back", "home", "lang:de", "lang:en", "lang:tr", "accessibility"};
    for (size_t i = 0; i < 6; i++)
        if (find(bar[i]) && find(bar[i])->rect.y < bar_top)
            bar_top = find(bar[i])->rect.y;
    assert_true(kb->rect.y + kb->rect.h <= bar_top);
    assert_true(bar_top - (kb->rect.y + kb->rect.h) < 10 * dkt_fake_metrics.px_per_mm);
    check_keyboard("sign-up, portrait, larger text, low reach");
    type_keys("wir ");
    tap("key:symbols");
    type_keys("ç");
    tap("key:letters");
    assert_string_equal(find_any("field:message")->label, "wir ç");
}

static void test_search_keyboard_moves_the_cursor(void **state)
{
    start_session();
    tap("search");
    type_text("hrde");
    for (int i = 0; i < 3; i++)
        tap("key:left");
    type_text("ö");
    assert_string_equal(dk_app_search_text(fx.app), "hörde");
    assert_non_null(find("district:hoerde"));
}


/* UI.md: at night the waiting screen dims: black, no pictures, no timers; a touch wakes it. */
static void test_the_waiting_screen_is_dark_at_night_and_wakes_on_touch(void **state)
{
    fx.cfg.night_from_h = 22;
    fx.cfg.night_until_h = 6;
    /* 02:00 local time on some day: midnight of that day plus two hours. */
    time_t base = 1795687200; /* 2026-11-26, any hour */
    struct tm tm;
    localtime_r(&base, &tm);
    tm.tm_hour = 2;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    time_t night = mktime(&tm);
    dk_app_set_wall_clock(fx.app, (long long)night);
    frame();
    size_t n;
    const dk_cmd *cmds = dk_ui_commands(fx.ui, &n);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(cmds[i].type, DK_CMD_IMAGE); /* no pictures light up the hall */
    assert_non_null(find("start"));
    assert_null(find("pause")); /* nothing moves, so nothing to pause */
    long wake = dk_app_next_wakeup(fx.app, fx.now);
    assert_true(wake > 1000 && wake <= 3600 * 1000); /* asleep until the next full hour */
    tap("start");
    assert_int_equal(dk_app_screen(fx.app), DK_SCREEN_HOME);
    /* By day the slideshow is back. */
    dk_app_set_wall_clock(fx.app, (long long)night + 10 * 3600);
    tap("home");
    assert_non_null(find("Startseite"));
}

/* EN 301 549 5.1.3: "read aloud" reads the screen beneath the panel; any touch stops it. */
static void test_read_aloud_reads_the_screen_and_a_touch_stops_it(void **state)
{
    tap("start");
    tap("accessibility");
    assert_null(find("a11y:read-aloud")); /* a kiosk that cannot speak offers nothing */
    tap("a11y:close");
    dk_app_set_speech_available(fx.app, 1);
    (void)dk_app_take_speech_request(fx.app);
    tap("accessibility");
    tap("a11y:read-aloud");
    assert_int_equal(dk_app_take_speech_request(fx.app), DK_APP_SPEECH_START);
    assert_null(find("a11y:close")); /* the panel closed: the frame read is the screen itself */
    assert_int_equal(dk_app_take_speech_request(fx.app), DK_APP_SPEECH_NONE);
    tap("district:hoerde");
    assert_int_equal(dk_app_take_speech_request(fx.app), DK_APP_SPEECH_STOP);
}

/* Low reach: the band above the reach line shows a district picture instead of nothing. */
static void test_low_reach_shows_a_picture_above_the_reach_line(void **state)
{
    fx.w = 1080;
    fx.h = 1920;
    fx.cfg.screen_width_mm = 296;
    fx.cfg.screen_height_mm = 527;
    tap("start");
    tap("accessibility");
    tap("a11y:low-reach");
    tap("a11y:close");
    frame();
    size_t n;
    const dk_cmd *cmds = dk_ui_commands(fx.ui, &n);
    int picture = 0;
    for (size_t i = 0; i < n; i++)
        if (cmds[i].type == DK_CMD_IMAGE && cmds[i].rect.y == 0 && cmds[i].rect.x == 0 &&
            cmds[i].rect.w == fx.w)
            picture = 1;
    assert_true(picture);
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
        cmocka_unit_test_setup_teardown(test_scroll_area_is_named_scroll_screen_not_like_a_button, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_single_day_project_shows_one_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projects_without_image_get_a_picture_in_the_district_colour, setup, teardown),
        cmocka_unit_test_setup_teardown(test_toggles_say_on_and_off_in_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_keys_are_big_and_3mm_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_date_found_by_search_is_shown_highlighted_in_the_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_page_only_in_german_has_the_german_title_and_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_screen_shows_the_sync_state_and_asks_for_a_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_screen_shows_refused_registrations_and_lets_staff_act, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_interest_is_offered_only_where_it_can_be_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signup_by_touch_from_a_group_page_in_three_languages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_form_is_wiped_on_cancel_back_home_and_idle_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_store_says_so_in_the_visitors_language_and_keeps_the_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signup_from_home_without_a_home_district_asks_for_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signup_keyboard_sits_low_in_reach_and_fits_portrait_large_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_keyboard_moves_the_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_waiting_screen_is_dark_at_night_and_wakes_on_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_aloud_reads_the_screen_and_a_touch_stops_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_reach_shows_a_picture_above_the_reach_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
