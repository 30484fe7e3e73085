/* test_theme.c: contrast of every text pair in both themes, district colours, mm-based sizes,
 * the reach band. */
#include "dk_test.h"

#include "dk_error.h"
#include "dk_theme.h"

#include <math.h>
#include <string.h>

static const dk_color white = {255, 255, 255, 255};
static const dk_color black = {0, 0, 0, 255};

static dk_color rgb(unsigned hex)
{
    dk_color c = {(unsigned char)(hex >> 16), (unsigned char)(hex >> 8), (unsigned char)hex, 255};
    return c;
}

static int same_color(dk_color a, dk_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

static const char *theme_name(int t)
{
    return t == DK_THEME_HIGH_CONTRAST ? "high contrast" : "normal";
}

/* --- colours --- */

static void test_every_role_has_a_colour_and_a_name(void **state)
{
    for (int t = 0; t < DK_THEME_COUNT; t++)
        for (int r = 0; r < DK_C_COUNT; r++) {
            dk_color c = dk_theme_color((dk_theme)t, (dk_color_role)r);
            if (c.a == 0)
                fail_msg("%s theme: role %s has no colour", theme_name(t),
                         dk_color_role_name((dk_color_role)r));
            assert_string_not_equal(dk_color_role_name((dk_color_role)r), "?");
        }
    assert_string_equal(dk_color_role_name(DK_C_SURFACE_PRESSED), "SURFACE_PRESSED");
    assert_string_equal(dk_color_role_name((dk_color_role)DK_C_COUNT), "?");
    /* out-of-range arguments fall back instead of reading past the table */
    assert_true(same_color(dk_theme_color((dk_theme)9, (dk_color_role)999),
                           dk_theme_color(DK_THEME_NORMAL, DK_C_TEXT)));
}

static void test_every_text_pair_reaches_its_contrast_in_both_themes(void **state)
{
    int failures = 0;
    assert_true(dk_theme_pair_count() >= 40);
    for (int t = 0; t < DK_THEME_COUNT; t++)
        for (size_t i = 0; i < dk_theme_pair_count(); i++) {
            const dk_color_pair *p = dk_theme_pair(i);
            double ratio = dk_theme_pair_contrast((dk_theme)t, p);
            double need = dk_contrast_required((dk_theme)t, p->kind);
            if (ratio < need) {
                print_message("%s theme: %s on %s reaches %.2f:1, needs %.1f:1\n", theme_name(t),
                              dk_color_role_name(p->fg), dk_color_role_name(p->bg), ratio, need);
                failures++;
            }
        }
    assert_int_equal(failures, 0);
    assert_null(dk_theme_pair(dk_theme_pair_count()));
}

static void test_every_role_that_carries_text_is_in_the_pair_table(void **state)
{
    /* A role named ON_x, or TEXT, must be checked on at least one ground; otherwise a widget
     * could draw it where no test looks. */
    const dk_color_role text_roles[] = {
        DK_C_TEXT,        DK_C_TEXT_MUTED, DK_C_HEADING,     DK_C_LINK,        DK_C_ON_ACCENT,
        DK_C_ON_HEADER,   DK_C_ON_BAR,     DK_C_ON_BADGE,    DK_C_ON_ERROR,    DK_C_ON_SUCCESS,
        DK_C_ON_SELECTED, DK_C_ON_SCRIM,   DK_C_ON_KEY,      DK_C_PLACEHOLDER, DK_C_ERROR,
        DK_C_OUTLINE,     DK_C_FOCUS,      DK_C_BAR_OUTLINE, DK_C_SCROLLBAR,
    };
    for (size_t r = 0; r < sizeof text_roles / sizeof text_roles[0]; r++) {
        int found = 0;
        for (size_t i = 0; i < dk_theme_pair_count(); i++)
            found |= dk_theme_pair(i)->fg == text_roles[r];
        if (!found)
            fail_msg("%s is drawn but never checked", dk_color_role_name(text_roles[r]));
    }
}

static void test_high_contrast_outlines_every_control(void **state)
{
    assert_true(dk_theme_outlines_all(DK_THEME_HIGH_CONTRAST));
    assert_false(dk_theme_outlines_all(DK_THEME_NORMAL));
    assert_true(dk_contrast_required(DK_THEME_HIGH_CONTRAST, DK_CONTRAST_CONTROL) >= 7.0);
    assert_true(dk_contrast_required(DK_THEME_NORMAL, DK_CONTRAST_BODY) >= 4.5);
    assert_true(dk_contrast_required(DK_THEME_NORMAL, DK_CONTRAST_LARGE) >= 3.0);
}

static void test_contrast_ratio_known_values(void **state)
{
    assert_true(fabs(dk_contrast_ratio(black, white) - 21.0) < 1e-9);
    assert_true(fabs(dk_contrast_ratio(white, black) - 21.0) < 1e-9);
    assert_true(fabs(dk_contrast_ratio(rgb(0x1F4E79), rgb(0x1F4E79)) - 1.0) < 1e-12);
    /* #767676 is the lightest grey that passes 4.5:1 on white (4.54:1); #777777 fails (4.48) */
    assert_true(fabs(dk_contrast_ratio(rgb(0x767676), white) - 4.54) < 0.01);
    assert_true(dk_contrast_ratio(rgb(0x777777), white) < 4.5);
    assert_true(fabs(dk_relative_luminance(white) - 1.0) < 1e-12);
    assert_true(dk_relative_luminance(black) == 0.0);
    /* green weighs most in luminance */
    assert_true(dk_relative_luminance(rgb(0x00FF00)) > dk_relative_luminance(rgb(0xFF0000)));
    assert_true(dk_relative_luminance(rgb(0xFF0000)) > dk_relative_luminance(rgb(0x0000FF)));
}

static void test_blend_and_translucent_grounds(void **state)
{
    dk_color half = {0, 0, 0, 128};
    dk_color g = dk_color_blend(half, white);
    assert_int_equal(g.r, 127);
    assert_int_equal(g.a, 255);
    assert_true(same_color(dk_color_blend(white, black), white));
    /* a translucent scrim is judged over the worst photo under it: for white text, white */
    dk_color_pair p = {DK_C_ON_SCRIM, DK_C_SCRIM, DK_CONTRAST_BODY};
    dk_color scrim = dk_theme_color(DK_THEME_NORMAL, DK_C_SCRIM);
    assert_true(scrim.a < 255);
    double over_white = dk_contrast_ratio(white, dk_color_blend(scrim, white));
    assert_true(fabs(dk_theme_pair_contrast(DK_THEME_NORMAL, &p) - over_white) < 1e-9);
}

static void test_colour_parse_accepts_only_rrggbb(void **state)
{
    dk_color fb = {1, 2, 3, 4};
    assert_true(same_color(dk_color_parse("#1F4E79", fb), rgb(0x1F4E79)));
    assert_true(same_color(dk_color_parse("#b3261e", fb), rgb(0xB3261E)));
    const char *bad[] = {NULL,       "",       "#",        "#fff",     "1F4E79", "#1F4E7G",
                         "#1F4E790", "#1F4E7", " #1F4E79", "#1F4E79 ", "red",    "#-1F4E7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!same_color(dk_color_parse(bad[i], fb), fb))
            fail_msg("\"%s\" was accepted", bad[i] ? bad[i] : "(null)");
}

static void check_district(dk_color accent, int *darkened)
{
    dk_color near_black = dk_theme_color(DK_THEME_NORMAL, DK_C_TEXT);
    dk_district_colors d = dk_theme_district_colors(DK_THEME_NORMAL, accent);
    double r = dk_contrast_ratio(d.text, d.fill), rp = dk_contrast_ratio(d.text, d.fill_pressed);
    if (r < 4.5 || rp < 4.5)
        fail_msg("#%02X%02X%02X: text %.2f:1, pressed %.2f:1", accent.r, accent.g, accent.b, r, rp);
    assert_true(same_color(d.text, white) || same_color(d.text, near_black));
    assert_false(same_color(d.fill, d.fill_pressed));
    if (dk_contrast_ratio(white, accent) >= 4.5) /* white text is preferred, colour kept */
        assert_true(same_color(d.fill, accent) && same_color(d.text, white));
    if (!same_color(d.fill, accent)) {
        /* only darkened when neither text colour worked, and then for white text */
        assert_true(dk_contrast_ratio(white, accent) < 4.5);
        assert_true(dk_contrast_ratio(near_black, accent) < 4.5);
        assert_true(same_color(d.text, white));
        assert_true(dk_relative_luminance(d.fill) < dk_relative_luminance(accent));
        (*darkened)++;
    }
    int low = dk_contrast_ratio(d.fill, dk_theme_color(DK_THEME_NORMAL, DK_C_BACKGROUND)) < 3.0;
    assert_int_equal(d.needs_outline, low);

    dk_district_colors hc = dk_theme_district_colors(DK_THEME_HIGH_CONTRAST, accent);
    assert_true(dk_contrast_ratio(hc.text, hc.fill) >= 7.0);
    assert_true(dk_contrast_ratio(hc.text, hc.fill_pressed) >= 7.0);
    assert_true(hc.needs_outline);
}

static void test_any_district_colour_staff_enter_gets_readable_text(void **state)
{
    int darkened = 0;
    for (unsigned v = 0; v < 4096; v++) { /* every #rgb colour, as #rrggbb */
        unsigned r = (v >> 8) & 15, g = (v >> 4) & 15, b = v & 15;
        check_district(rgb((r * 17) << 16 | (g * 17) << 8 | b * 17), &darkened);
    }
    for (unsigned grey = 0; grey < 256; grey++) /* the band where neither colour works is grey */
        check_district(rgb(grey << 16 | grey << 8 | grey), &darkened);
    assert_true(darkened > 0); /* the darkening path ran */

    /* the bundled districts' colours keep their colour and get white text */
    const unsigned bundled[] = {0x00695C, 0x1F4E79, 0x2E7D32, 0x3949AB, 0x455A64, 0x5D4037,
                                0x6A1B9A, 0x7B6F14, 0x8D4A00, 0xAD1457, 0xB23A0C, 0xB3261E};
    for (size_t i = 0; i < sizeof bundled / sizeof bundled[0]; i++) {
        dk_district_colors d = dk_theme_district_colors(DK_THEME_NORMAL, rgb(bundled[i]));
        assert_true(same_color(d.fill, rgb(bundled[i])));
        assert_true(same_color(d.text, white));
    }
    /* a mid grey fails both (3.9 and 4.2:1): it is darkened under white text */
    dk_district_colors grey = dk_theme_district_colors(DK_THEME_NORMAL, rgb(0x808080));
    assert_true(same_color(grey.text, white));
    assert_true(grey.fill.r < 0x80);
    /* a yellow takes near-black text and stays yellow */
    dk_district_colors yellow = dk_theme_district_colors(DK_THEME_NORMAL, rgb(0xFFD500));
    assert_true(same_color(yellow.fill, rgb(0xFFD500)));
    assert_false(same_color(yellow.text, white));
    /* high contrast replaces the district's colour by the theme's */
    dk_district_colors hc = dk_theme_district_colors(DK_THEME_HIGH_CONTRAST, rgb(0xAD1457));
    assert_true(same_color(hc.fill, dk_theme_color(DK_THEME_HIGH_CONTRAST, DK_C_SURFACE)));
}

/* --- sizes --- */

/* The cap height a style really gets on glass, in mm. */
static double cap_on_glass_mm(const dk_metrics *m, dk_font_style s)
{
    return dk_font_px(m, s) * m->cap_ratio / m->px_per_mm;
}

static void check_text_sizes(const dk_metrics *m)
{
    double min_cap = 2.0 * m->viewing_distance_mm * tan(0.35 * 3.14159265358979 / 180.0);
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        double cap = cap_on_glass_mm(m, (dk_font_style)s);
        if (cap < min_cap - 1e-9)
            fail_msg("style %d: cap height %.2f mm under the 0.7 degree minimum %.2f mm", s, cap,
                     min_cap);
    }
    assert_true(cap_on_glass_mm(m, DK_FONT_BODY) >= m->cap_mm[DK_FONT_BODY] - 1e-9);
    assert_true(dk_font_px(m, DK_FONT_H1) > dk_font_px(m, DK_FONT_H2));
    assert_true(dk_font_px(m, DK_FONT_H2) > dk_font_px(m, DK_FONT_H3));
    assert_true(dk_font_px(m, DK_FONT_H3) > dk_font_px(m, DK_FONT_BODY));
    assert_true(dk_font_px(m, DK_FONT_TITLE) > dk_font_px(m, DK_FONT_BODY));
    assert_true(dk_font_px(m, DK_FONT_HUGE) > dk_font_px(m, DK_FONT_H1));
    assert_true(dk_font_px(m, DK_FONT_SMALL) <= dk_font_px(m, DK_FONT_BODY));
    assert_int_equal(dk_font_px(m, DK_FONT_BODY_BOLD), dk_font_px(m, DK_FONT_BODY));
    assert_true(dk_font_line_px(m, DK_FONT_BODY) >= dk_font_px(m, DK_FONT_BODY) * 1.35);
    /* targets and gaps meet their physical minimum, and a button's label line fits */
    assert_true(m->target_px >= DK_TARGET_MIN_PX);
    assert_true(m->target_px / m->px_per_mm >= DK_TARGET_MM - 1e-9);
    assert_true(m->target_px > dk_font_line_px(m, DK_FONT_BUTTON));
    assert_true(m->gap_px / m->px_per_mm >= DK_GAP_MM - 1e-9);
    assert_true(m->outline_px >= 2 && m->focus_px >= 3);
}

static void test_a_24_inch_landscape_screen_in_millimetres(void **state)
{
    dk_metrics m;
    assert_int_equal(dk_metrics_init(&m, 1920, 1080, 527.0, 296.0, 0), DK_OK);
    assert_false(m.portrait);
    assert_true(fabs(m.px_per_mm - 1080.0 / 296.0) < 1e-9); /* the larger of 3.643 and 3.649 */
    assert_int_equal(dk_mm(&m, 10.0), 36);
    assert_int_equal(m.unit_px, 15);           /* 4 mm */
    assert_int_equal(m.gap_px, 11);            /* 3 mm, rounded up */
    assert_int_equal(m.margin_px, 54);         /* 5 % of 1080 */
    assert_int_equal(m.target_px, 50 + 2 * 6); /* button line 42 * 1.2, 1.5 mm above, below */
    assert_int_equal(dk_font_px(&m, DK_FONT_BODY), 42); /* 8.06 mm cap / 0.714 */
    assert_true(m.cap_mm[DK_FONT_BODY] >= 7.3);         /* EN 301 549: 7.3 mm at 60 cm */
    check_text_sizes(&m);
}

static void test_portrait_keeps_the_physical_sizes(void **state)
{
    dk_metrics land, port, swapped;
    assert_int_equal(dk_metrics_init(&land, 1920, 1080, 527.0, 296.0, 0), DK_OK);
    assert_int_equal(dk_metrics_init(&port, 1080, 1920, 296.0, 527.0, 0), DK_OK);
    assert_true(port.portrait);
    assert_true(fabs(port.px_per_mm - land.px_per_mm) < 1e-9);
    for (int s = 0; s < DK_FONT_COUNT; s++)
        assert_int_equal(port.font_px[s], land.font_px[s]);
    assert_int_equal(port.target_px, land.target_px);
    assert_int_equal(port.margin_px, land.margin_px); /* same short side */
    check_text_sizes(&port);

    /* the screen was turned in the display settings, the config still says 527 x 296 */
    assert_int_equal(dk_metrics_init(&swapped, 1080, 1920, 527.0, 296.0, 0), DK_OK);
    assert_true(fabs(swapped.width_mm - 296.0) < 1e-9);
    assert_true(fabs(swapped.px_per_mm - port.px_per_mm) < 1e-9);
    assert_true(fabs(swapped.px_per_mm_y - 1920.0 / 527.0) < 1e-9);
}

static void test_touch_target_never_under_44_px_even_at_tiny_density(void **state)
{
    dk_metrics m; /* a projector-sized config: 0.5 px per mm */
    assert_int_equal(dk_metrics_init(&m, 800, 480, 1600.0, 960.0, 0), DK_OK);
    assert_int_equal(dk_mm(&m, 15.0), 8);
    assert_true(m.target_px >= 44);
    assert_true(m.gap_px >= 1 && m.unit_px >= 1);
    for (int s = 0; s < DK_FONT_COUNT; s++)
        assert_true(dk_font_px(&m, (dk_font_style)s) >= 6);
    /* a small 7-inch panel: headings are held to the screen, body text is not */
    assert_int_equal(dk_metrics_init(&m, 800, 480, 154.0, 86.0, 1), DK_OK);
    assert_true(dk_font_px(&m, DK_FONT_HUGE) <= 480 / 7 ||
                dk_font_px(&m, DK_FONT_HUGE) == dk_font_px(&m, DK_FONT_BODY));
    assert_true(cap_on_glass_mm(&m, DK_FONT_BODY) >= m.cap_mm[DK_FONT_BODY] - 1e-9);
}

static void test_larger_text_makes_every_style_bigger(void **state)
{
    dk_metrics normal, large;
    assert_int_equal(dk_metrics_init(&normal, 1920, 1080, 527.0, 296.0, 0), DK_OK);
    assert_int_equal(dk_metrics_init(&large, 1920, 1080, 527.0, 296.0, 1), DK_OK);
    assert_true(large.large_text);
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        double f = (double)large.font_px[s] / normal.font_px[s];
        if (!(f > 1.25 && f < 1.45))
            fail_msg("style %d grows by %.2f, not about %.2f", s, f, DK_LARGE_TEXT_SCALE);
        assert_true(large.line_px[s] > normal.line_px[s]);
    }
    assert_true(large.target_px > normal.target_px); /* the bigger label still fits */
    check_text_sizes(&large);
}

static void test_viewing_distance_and_font_change_text_size(void **state)
{
    dk_metrics near, far;
    dk_metrics_params p = {1920, 1080, 527.0, 296.0, 0, 600.0, 0.0};
    assert_int_equal(dk_metrics_init_params(&near, &p), DK_OK);
    p.viewing_distance_mm = 1200.0;
    assert_int_equal(dk_metrics_init_params(&far, &p), DK_OK);
    assert_true(fabs(far.cap_mm[DK_FONT_BODY] / near.cap_mm[DK_FONT_BODY] - 2.0) < 1e-6);
    check_text_sizes(&far);
    /* a font with a smaller cap height needs a bigger em for the same cap height */
    p.viewing_distance_mm = 600.0;
    p.cap_ratio = 0.66;
    assert_int_equal(dk_metrics_init_params(&far, &p), DK_OK);
    assert_true(dk_font_px(&far, DK_FONT_BODY) > dk_font_px(&near, DK_FONT_BODY));
    check_text_sizes(&far);
}

static void test_unusable_sizes_fail_but_leave_usable_metrics(void **state)
{
    dk_metrics m;
    dk_error_clear();
    assert_int_equal(dk_metrics_init(&m, 0, -5, 527.0, 296.0, 0), DK_ERR_INVALID);
    assert_int_equal(m.width_px, 1920);
    assert_int_equal(m.height_px, 1080);
    assert_string_not_equal(dk_error_detail(), "");
    check_text_sizes(&m);

    assert_int_equal(dk_metrics_init(&m, 1920, 1080, NAN, 296.0, 0), DK_ERR_INVALID);
    assert_true(fabs(m.px_per_mm - DK_FALLBACK_PX_PER_MM) < 1e-9);
    check_text_sizes(&m);
    assert_int_equal(dk_metrics_init(&m, 1920, 1080, 527.0, -1.0, 0), DK_ERR_INVALID);
    assert_int_equal(dk_metrics_init(&m, 1920, 1080, INFINITY, 296.0, 0), DK_ERR_INVALID);

    dk_metrics_params p = {1920, 1080, 527.0, 296.0, 0, 50.0, 0.0};
    assert_int_equal(dk_metrics_init_params(&m, &p), DK_ERR_INVALID);
    assert_true(m.viewing_distance_mm == DK_VIEWING_DISTANCE_MM);
    p.viewing_distance_mm = 0.0;
    p.cap_ratio = 3.0;
    assert_int_equal(dk_metrics_init_params(&m, &p), DK_ERR_INVALID);
    assert_true(m.cap_ratio == DK_FONT_CAP_RATIO);
    check_text_sizes(&m);
}

static void test_mm_rounds_and_stays_in_range(void **state)
{
    dk_metrics m;
    assert_int_equal(dk_metrics_init(&m, 1000, 2000, 500.0, 1000.0, 0), DK_OK); /* 2 px/mm */
    assert_int_equal(dk_mm(&m, 10.0), 20);
    assert_int_equal(dk_mm(&m, 1.26), 3); /* 2.52 */
    assert_int_equal(dk_mm(&m, 1.24), 2); /* 2.48 */
    assert_int_equal(dk_mm(&m, 0.01), 1); /* tiny but positive: at least a pixel */
    assert_int_equal(dk_mm(&m, 0.0), 0);
    assert_int_equal(dk_mm(&m, -3.0), 0);
    assert_int_equal(dk_mm(&m, NAN), 0);
    assert_int_equal(dk_mm(&m, 1e300), 1000000);
    assert_int_equal(dk_mm(&m, INFINITY), 1000000);
    assert_int_equal(dk_mm(NULL, 10.0), 0);
}

static void test_bold_flags_give_two_weights(void **state)
{
    assert_false(dk_font_is_bold(DK_FONT_BODY));
    assert_false(dk_font_is_bold(DK_FONT_SMALL));
    assert_true(dk_font_is_bold(DK_FONT_BODY_BOLD));
    assert_true(dk_font_is_bold(DK_FONT_BUTTON));
    assert_true(dk_font_is_bold(DK_FONT_H1));
    assert_true(dk_font_is_bold(DK_FONT_TITLE));
    assert_false(dk_font_is_bold(DK_FONT_COUNT));
    dk_metrics m;
    assert_int_equal(dk_metrics_init(&m, 1920, 1080, 527.0, 296.0, 0), DK_OK);
    assert_int_equal(dk_font_px(&m, DK_FONT_COUNT), dk_font_px(&m, DK_FONT_BODY));
}

/* The height above the floor of the top edge of pixel row y. */
static double row_top_mm(const dk_metrics *m, double bottom_mm, int y)
{
    return bottom_mm + (m->height_px - y) / m->px_per_mm_y;
}

static void test_reach_band_for_several_mountings(void **state)
{
    dk_metrics m;
    /* a 24-inch landscape screen at desk height: all of it is in reach */
    assert_int_equal(dk_metrics_init(&m, 1920, 1080, 527.0, 296.0, 0), DK_OK);
    assert_int_equal(dk_reach_top_y(&m, 700.0), 0);
    assert_int_equal(dk_reach_bottom_y(&m, 700.0), 1080);
    /* the lower edge at 924 mm: the top edge is exactly at 1220 mm */
    assert_int_equal(dk_reach_top_y(&m, 924.0), 0);
    /* hung above 1220 mm: nothing is in reach */
    assert_int_equal(dk_reach_top_y(&m, 1300.0), 1080);

    /* a tall portrait screen, 2 px per mm, its lower edge at 700 mm: top edge at 1700 mm, so
     * the upper 480 mm (960 px) are out of reach */
    assert_int_equal(dk_metrics_init(&m, 1000, 2000, 500.0, 1000.0, 0), DK_OK);
    assert_int_equal(dk_reach_top_y(&m, 700.0), 960);
    assert_true(row_top_mm(&m, 700.0, 960) <= 1220.0 + 1e-9);
    assert_int_equal(dk_reach_bottom_y(&m, 700.0), 2000);
    /* the same screen standing on a 300 mm plinth: 80 mm at the bottom are too low */
    assert_int_equal(dk_reach_top_y(&m, 300.0), 160);
    assert_int_equal(dk_reach_bottom_y(&m, 300.0), 1840);
    /* a 24-inch screen turned to portrait, lower edge at 700 mm: top at 1227 mm; 7 mm at
     * 3.643 px/mm is 25.5 px, rounded down into reach */
    assert_int_equal(dk_metrics_init(&m, 1080, 1920, 296.0, 527.0, 0), DK_OK);
    int y = dk_reach_top_y(&m, 700.0);
    assert_int_equal(y, 26);
    assert_true(row_top_mm(&m, 700.0, y) <= 1220.0);
    assert_true(row_top_mm(&m, 700.0, y - 1) > 1220.0);
    /* no usable mounting height: no limit rather than no controls */
    assert_int_equal(dk_reach_top_y(&m, NAN), 0);
    assert_int_equal(dk_reach_bottom_y(&m, NAN), 1920);
    assert_int_equal(dk_reach_top_y(&m, INFINITY), 1920);
    assert_int_equal(dk_reach_bottom_y(&m, -INFINITY), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_role_has_a_colour_and_a_name),
        cmocka_unit_test(test_every_text_pair_reaches_its_contrast_in_both_themes),
        cmocka_unit_test(test_every_role_that_carries_text_is_in_the_pair_table),
        cmocka_unit_test(test_high_contrast_outlines_every_control),
        cmocka_unit_test(test_contrast_ratio_known_values),
        cmocka_unit_test(test_blend_and_translucent_grounds),
        cmocka_unit_test(test_colour_parse_accepts_only_rrggbb),
        cmocka_unit_test(test_any_district_colour_staff_enter_gets_readable_text),
        cmocka_unit_test(test_a_24_inch_landscape_screen_in_millimetres),
        cmocka_unit_test(test_portrait_keeps_the_physical_sizes),
        cmocka_unit_test(test_touch_target_never_under_44_px_even_at_tiny_density),
        cmocka_unit_test(test_larger_text_makes_every_style_bigger),
        cmocka_unit_test(test_viewing_distance_and_font_change_text_size),
        cmocka_unit_test(test_unusable_sizes_fail_but_leave_usable_metrics),
        cmocka_unit_test(test_mm_rounds_and_stays_in_range),
        cmocka_unit_test(test_bold_flags_give_two_weights),
        cmocka_unit_test(test_reach_band_for_several_mountings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
