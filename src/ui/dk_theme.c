/* dk_theme.c: colour tables of both themes, WCAG contrast, district colours, mm-based metrics. */
#include "dk_theme.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* --- Colour tables --- */

#define RGB(hex)                                                                                   \
    {                                                                                              \
        (unsigned char)(((hex) >> 16) & 0xFF), (unsigned char)(((hex) >> 8) & 0xFF),               \
            (unsigned char)((hex)&0xFF), 255                                                       \
    }
#define RGBA(hex, alpha)                                                                           \
    {                                                                                              \
        (unsigned char)(((hex) >> 16) & 0xFF), (unsigned char)(((hex) >> 8) & 0xFF),               \
            (unsigned char)((hex)&0xFF), (unsigned char)(alpha)                                    \
    }

/* The ratios each colour reaches are checked pair by pair in tests/test_theme.c; the comments
 * give the tightest one so that a change knows its margin. */
static const dk_color theme_colors[DK_THEME_COUNT][DK_C_COUNT] =
    {
        [DK_THEME_NORMAL] =
            {
                [DK_C_BACKGROUND] = RGB(0xF4F2EE), /* warm off-white: calmer than pure white */
                [DK_C_SURFACE] = RGB(0xFFFFFF),
                [DK_C_SURFACE_PRESSED] = RGB(0xE2DED6),
                [DK_C_TEXT] = RGB(0x1C1F24),       /* 12.3:1 on SURFACE_PRESSED */
                [DK_C_TEXT_MUTED] = RGB(0x4F5661), /* 5.5:1 on SURFACE_PRESSED */
                [DK_C_HEADING] = RGB(0x17324D),
                [DK_C_LINK] = RGB(0x0A5A9C),   /* 6.4:1 on BACKGROUND */
                [DK_C_ACCENT] = RGB(0x0A5A9C), /* the one colour of what can be touched */
                [DK_C_ACCENT_PRESSED] = RGB(0x074275),
                [DK_C_ON_ACCENT] = RGB(0xFFFFFF), /* 7.1:1 on ACCENT */
                [DK_C_OUTLINE] = RGB(0x6B717A),   /* 3.4:1 on KEYBOARD_BG */
                [DK_C_FOCUS] = RGB(0xC45500), /* orange, apart from the blue accent; 3.2:1 on BAR */
                [DK_C_HEADER_BG] = RGB(0x17324D),
                [DK_C_ON_HEADER] = RGB(0xFFFFFF),
                [DK_C_BAR_BG] = RGB(0x1E2A38),
                [DK_C_BAR_BUTTON] = RGB(0x2C3B4E),
                [DK_C_BAR_BUTTON_PRESSED] = RGB(0x111922),
                [DK_C_BAR_OUTLINE] = RGB(0x9AA8B8), /* 4.7:1 on BAR_BUTTON */
                [DK_C_ON_BAR] = RGB(0xFFFFFF),
                [DK_C_BADGE_BG] = RGB(0xFFD23F), /* yellow: "Example" must not pass unnoticed */
                [DK_C_ON_BADGE] = RGB(0x1C1F24),
                [DK_C_ERROR] = RGB(0xB3261E), /* 5.9:1 as text on BACKGROUND */
                [DK_C_ON_ERROR] = RGB(0xFFFFFF),
                [DK_C_SUCCESS] = RGB(0x1E6B3A),
                [DK_C_ON_SUCCESS] = RGB(0xFFFFFF),
                [DK_C_SELECTED] = RGB(0x17324D),
                [DK_C_ON_SELECTED] = RGB(0xFFFFFF),
                [DK_C_OVERLAY] = RGBA(0x000000, 140),
                [DK_C_DIALOG_BG] = RGB(0xFFFFFF),
                [DK_C_SCRIM] = RGBA(0x000000, 170), /* white on it over a white photo: 5.5:1 */
                [DK_C_ON_SCRIM] = RGB(0xFFFFFF),
                [DK_C_KEYBOARD_BG] = RGB(0xD9D5CD),
                [DK_C_KEY] = RGB(0xFFFFFF),
                [DK_C_KEY_PRESSED] = RGB(0xC9C4BA),
                [DK_C_ON_KEY] = RGB(0x1C1F24),
                [DK_C_INPUT_BG] = RGB(0xFFFFFF),
                [DK_C_PLACEHOLDER] = RGB(0x5F6670), /* hint text is read too: body contrast */
                [DK_C_SCROLLBAR] = RGB(0x6B717A),
                [DK_C_DIVIDER] = RGB(0xD3CEC5),
            },
        [DK_THEME_HIGH_CONTRAST] =
            {
                [DK_C_BACKGROUND] = RGB(0x000000),
                [DK_C_SURFACE] = RGB(0x000000), /* surfaces are shown by their white outline */
                [DK_C_SURFACE_PRESSED] = RGB(0x303030),
                [DK_C_TEXT] = RGB(0xFFFFFF),
                [DK_C_TEXT_MUTED] = RGB(0xD0D0D0), /* 8.5:1 on SURFACE_PRESSED */
                [DK_C_HEADING] = RGB(0xFFE500),
                [DK_C_LINK] = RGB(0xFFE500),
                [DK_C_ACCENT] = RGB(0xFFE500),
                [DK_C_ACCENT_PRESSED] = RGB(0xFFFFFF),
                [DK_C_ON_ACCENT] = RGB(0x000000),
                [DK_C_OUTLINE] = RGB(0xFFFFFF),
                [DK_C_FOCUS] = RGB(0x00E5FF), /* cyan, apart from white outlines and yellow */
                [DK_C_HEADER_BG] = RGB(0x000000),
                [DK_C_ON_HEADER] = RGB(0xFFE500),
                [DK_C_BAR_BG] = RGB(0x000000),
                [DK_C_BAR_BUTTON] = RGB(0x000000),
                [DK_C_BAR_BUTTON_PRESSED] = RGB(0x303030),
                [DK_C_BAR_OUTLINE] = RGB(0xFFFFFF),
                [DK_C_ON_BAR] = RGB(0xFFFFFF),
                [DK_C_BADGE_BG] = RGB(0xFFE500),
                [DK_C_ON_BADGE] = RGB(0x000000),
                [DK_C_ERROR] = RGB(0xFF8A80), /* light red: 9:1 on black, black text 9:1 on it */
                [DK_C_ON_ERROR] = RGB(0x000000),
                [DK_C_SUCCESS] = RGB(0x7CFC9A),
                [DK_C_ON_SUCCESS] = RGB(0x000000),
                [DK_C_SELECTED] = RGB(0xFFFFFF),
                [DK_C_ON_SELECTED] = RGB(0x000000),
                [DK_C_OVERLAY] = RGBA(0x000000, 217),
                [DK_C_DIALOG_BG] = RGB(0x000000),
                [DK_C_SCRIM] = RGBA(0x000000, 217), /* white on it over a white photo: 15:1 */
                [DK_C_ON_SCRIM] = RGB(0xFFFFFF),
                [DK_C_KEYBOARD_BG] = RGB(0x000000),
                [DK_C_KEY] = RGB(0x000000),
                [DK_C_KEY_PRESSED] = RGB(0x303030),
                [DK_C_ON_KEY] = RGB(0xFFFFFF),
                [DK_C_INPUT_BG] = RGB(0x000000),
                [DK_C_PLACEHOLDER] = RGB(0xD0D0D0),
                [DK_C_SCROLLBAR] = RGB(0xFFFFFF),
                [DK_C_DIVIDER] = RGB(0xFFFFFF),
            },
};

#define NAME(role) [DK_C_##role] = #role
static const char *const role_names[DK_C_COUNT] = {
    NAME(BACKGROUND),
    NAME(SURFACE),
    NAME(SURFACE_PRESSED),
    NAME(TEXT),
    NAME(TEXT_MUTED),
    NAME(HEADING),
    NAME(LINK),
    NAME(ACCENT),
    NAME(ACCENT_PRESSED),
    NAME(ON_ACCENT),
    NAME(OUTLINE),
    NAME(FOCUS),
    NAME(HEADER_BG),
    NAME(ON_HEADER),
    NAME(BAR_BG),
    NAME(BAR_BUTTON),
    NAME(BAR_BUTTON_PRESSED),
    NAME(BAR_OUTLINE),
    NAME(ON_BAR),
    NAME(BADGE_BG),
    NAME(ON_BADGE),
    NAME(ERROR),
    NAME(ON_ERROR),
    NAME(SUCCESS),
    NAME(ON_SUCCESS),
    NAME(SELECTED),
    NAME(ON_SELECTED),
    NAME(OVERLAY),
    NAME(DIALOG_BG),
    NAME(SCRIM),
    NAME(ON_SCRIM),
    NAME(KEYBOARD_BG),
    NAME(KEY),
    NAME(KEY_PRESSED),
    NAME(ON_KEY),
    NAME(INPUT_BG),
    NAME(PLACEHOLDER),
    NAME(SCROLLBAR),
    NAME(DIVIDER),
};
#undef NAME

#define BODY    DK_CONTRAST_BODY
#define LARGE   DK_CONTRAST_LARGE
#define CONTROL DK_CONTRAST_CONTROL
static const dk_color_pair pairs[] = {
    /* running text on every ground it is set on */
    {DK_C_TEXT, DK_C_BACKGROUND, BODY},
    {DK_C_TEXT, DK_C_SURFACE, BODY},
    {DK_C_TEXT, DK_C_SURFACE_PRESSED, BODY},
    {DK_C_TEXT, DK_C_DIALOG_BG, BODY},
    {DK_C_TEXT, DK_C_INPUT_BG, BODY},
    {DK_C_TEXT, DK_C_KEYBOARD_BG, BODY},
    {DK_C_TEXT_MUTED, DK_C_BACKGROUND, BODY},
    {DK_C_TEXT_MUTED, DK_C_SURFACE, BODY},
    {DK_C_TEXT_MUTED, DK_C_SURFACE_PRESSED, BODY},
    {DK_C_TEXT_MUTED, DK_C_DIALOG_BG, BODY},
    {DK_C_HEADING, DK_C_BACKGROUND, LARGE},
    {DK_C_HEADING, DK_C_SURFACE, LARGE},
    {DK_C_HEADING, DK_C_DIALOG_BG, LARGE},
    {DK_C_LINK, DK_C_BACKGROUND, BODY},
    {DK_C_LINK, DK_C_SURFACE, BODY},
    {DK_C_LINK, DK_C_DIALOG_BG, BODY},
    {DK_C_ERROR, DK_C_BACKGROUND, BODY}, /* the message next to a wrong field */
    {DK_C_ERROR, DK_C_SURFACE, BODY},
    {DK_C_ERROR, DK_C_DIALOG_BG, BODY},
    {DK_C_PLACEHOLDER, DK_C_INPUT_BG, BODY},
    /* labels on fills */
    {DK_C_ON_ACCENT, DK_C_ACCENT, BODY},
    {DK_C_ON_ACCENT, DK_C_ACCENT_PRESSED, BODY},
    {DK_C_ON_HEADER, DK_C_HEADER_BG, BODY},
    {DK_C_ON_BAR, DK_C_BAR_BG, BODY},
    {DK_C_ON_BAR, DK_C_BAR_BUTTON, BODY},
    {DK_C_ON_BAR, DK_C_BAR_BUTTON_PRESSED, BODY},
    {DK_C_ON_BADGE, DK_C_BADGE_BG, BODY},
    {DK_C_ON_ERROR, DK_C_ERROR, BODY},
    {DK_C_ON_SUCCESS, DK_C_SUCCESS, BODY},
    {DK_C_ON_SELECTED, DK_C_SELECTED, BODY},
    {DK_C_ON_SCRIM, DK_C_SCRIM, BODY},
    {DK_C_ON_KEY, DK_C_KEY, BODY},
    {DK_C_ON_KEY, DK_C_KEY_PRESSED, BODY},
    /* what shows a control (WCAG 1.4.11 non-text contrast) */
    {DK_C_OUTLINE, DK_C_BACKGROUND, CONTROL},
    {DK_C_OUTLINE, DK_C_SURFACE, CONTROL},
    {DK_C_OUTLINE, DK_C_DIALOG_BG, CONTROL},
    {DK_C_OUTLINE, DK_C_KEYBOARD_BG, CONTROL},
    {DK_C_OUTLINE, DK_C_INPUT_BG, CONTROL},
    {DK_C_FOCUS, DK_C_INPUT_BG, CONTROL},    /* the field that has the keyboard */
    {DK_C_ERROR, DK_C_INPUT_BG, CONTROL},    /* the edge of a field with a problem */
    {DK_C_SELECTED, DK_C_KEYBOARD_BG, CONTROL}, /* shift while on */
    {DK_C_FOCUS, DK_C_KEYBOARD_BG, CONTROL},
    {DK_C_ACCENT, DK_C_KEYBOARD_BG, CONTROL},   /* "done" */
    {DK_C_ACCENT, DK_C_BACKGROUND, CONTROL},
    {DK_C_ACCENT, DK_C_SURFACE, CONTROL},
    {DK_C_ACCENT, DK_C_DIALOG_BG, CONTROL},
    {DK_C_SELECTED, DK_C_BACKGROUND, CONTROL},
    {DK_C_SELECTED, DK_C_SURFACE, CONTROL},
    {DK_C_FOCUS, DK_C_BACKGROUND, CONTROL},
    {DK_C_FOCUS, DK_C_SURFACE, CONTROL},
    {DK_C_FOCUS, DK_C_DIALOG_BG, CONTROL},
    {DK_C_FOCUS, DK_C_BAR_BG, CONTROL},
    {DK_C_BAR_OUTLINE, DK_C_BAR_BG, CONTROL},
    {DK_C_BAR_OUTLINE, DK_C_BAR_BUTTON, CONTROL},
    {DK_C_SCROLLBAR, DK_C_BACKGROUND, CONTROL},
    {DK_C_SCROLLBAR, DK_C_SURFACE, CONTROL},
};
#undef BODY
#undef LARGE
#undef CONTROL

static const dk_color white = RGB(0xFFFFFF);
static const dk_color black = RGB(0x000000);

dk_color dk_theme_color(dk_theme t, dk_color_role r)
{
    if ((unsigned)t >= DK_THEME_COUNT)
        t = DK_THEME_NORMAL;
    if ((unsigned)r >= DK_C_COUNT)
        r = DK_C_TEXT;
    return theme_colors[t][r];
}

const char *dk_color_role_name(dk_color_role r)
{
    if ((unsigned)r >= DK_C_COUNT || !role_names[r])
        return "?";
    return role_names[r];
}

int dk_theme_outlines_all(dk_theme t)
{
    return t == DK_THEME_HIGH_CONTRAST;
}

size_t dk_theme_pair_count(void)
{
    return sizeof pairs / sizeof pairs[0];
}

const dk_color_pair *dk_theme_pair(size_t i)
{
    return i < dk_theme_pair_count() ? &pairs[i] : NULL;
}

/* --- Contrast --- */

static double linearise(unsigned char channel)
{
    double c = channel / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double dk_relative_luminance(dk_color c)
{
    return 0.2126 * linearise(c.r) + 0.7152 * linearise(c.g) + 0.0722 * linearise(c.b);
}

double dk_contrast_ratio(dk_color a, dk_color b)
{
    double la = dk_relative_luminance(a), lb = dk_relative_luminance(b);
    if (la < lb) {
        double swap = la;
        la = lb;
        lb = swap;
    }
    return (la + 0.05) / (lb + 0.05);
}

static unsigned char mix_channel(unsigned char top, unsigned char bottom, unsigned alpha)
{
    return (unsigned char)((top * alpha + bottom * (255u - alpha) + 127u) / 255u);
}

dk_color dk_color_blend(dk_color top, dk_color bottom)
{
    dk_color out = {mix_channel(top.r, bottom.r, top.a), mix_channel(top.g, bottom.g, top.a),
                    mix_channel(top.b, bottom.b, top.a), 255};
    return out;
}

double dk_theme_pair_contrast(dk_theme t, const dk_color_pair *p)
{
    if (!p)
        return 1.0;
    dk_color fg = dk_theme_color(t, p->fg), bg = dk_theme_color(t, p->bg);
    if (bg.a == 255)
        return dk_contrast_ratio(dk_color_blend(fg, bg), bg);
    dk_color over_white = dk_color_blend(bg, white), over_black = dk_color_blend(bg, black);
    double a = dk_contrast_ratio(dk_color_blend(fg, over_white), over_white);
    double b = dk_contrast_ratio(dk_color_blend(fg, over_black), over_black);
    return a < b ? a : b;
}

double dk_contrast_required(dk_theme t, dk_contrast_kind k)
{
    if (t == DK_THEME_HIGH_CONTRAST)
        return 7.0;
    return k == DK_CONTRAST_BODY ? 4.5 : 3.0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

dk_color dk_color_parse(const char *hex, dk_color fallback)
{
    if (!hex || hex[0] != '#')
        return fallback;
    int v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = hex_digit(hex[i + 1]); /* stops at the NUL: hex_digit('\0') is -1 */
        if (v[i] < 0)
            return fallback;
    }
    if (hex[7] != '\0')
        return fallback;
    dk_color c = {(unsigned char)(v[0] * 16 + v[1]), (unsigned char)(v[2] * 16 + v[3]),
                  (unsigned char)(v[4] * 16 + v[5]), 255};
    return c;
}

/* --- District colours --- */

#define DISTRICT_TEXT_CONTRAST      4.5  /* body text on a tile or header */
#define DISTRICT_DARKEN_STEP        0.02 /* [factor] per step while looking for a usable fill */
#define DISTRICT_PRESS_DARKEN       0.8  /* [factor] a pressed tile with white text */
#define DISTRICT_PRESS_LIGHTEN      77   /* [alpha of white] a pressed tile with dark text */
#define DISTRICT_PRESS_VERY_DARK    0.02 /* [luminance] below: too dark to darken visibly */
#define DISTRICT_PRESS_LIGHTEN_DARK 51   /* [alpha of white] ... so lighten it (>= 7:1 kept) */
#define DISTRICT_PRESS_VERY_LIGHT   0.7  /* [luminance] above: too light to lighten visibly */
#define DISTRICT_PRESS_DARKEN_LIGHT 0.88 /* [factor] ... so darken it (>= 9:1 kept) */

static dk_color scale_color(dk_color c, double factor)
{
    dk_color out = {(unsigned char)lround(c.r * factor), (unsigned char)lround(c.g * factor),
                    (unsigned char)lround(c.b * factor), 255};
    return out;
}

dk_district_colors dk_theme_district_colors(dk_theme t, dk_color accent)
{
    dk_district_colors d;
    accent.a = 255;
    if (t == DK_THEME_HIGH_CONTRAST) {
        d.fill = dk_theme_color(t, DK_C_SURFACE);
        d.fill_pressed = dk_theme_color(t, DK_C_SURFACE_PRESSED);
        d.text = dk_theme_color(t, DK_C_ON_HEADER);
        d.needs_outline = 1;
        return d;
    }
    dk_color near_black = dk_theme_color(DK_THEME_NORMAL, DK_C_TEXT);
    d.fill = accent;
    int white_text = 1;
    if (dk_contrast_ratio(white, accent) >= DISTRICT_TEXT_CONTRAST) {
        d.text = white;
    } else if (dk_contrast_ratio(near_black, accent) >= DISTRICT_TEXT_CONTRAST) {
        d.text = near_black;
        white_text = 0;
    } else {
        /* A mid-luminance colour on which neither reaches 4.5:1 (pure black would, but the
         * design sets district tiles in white). Scaling every channel down lowers luminance
         * monotonically, and at factor 0 the fill is black, so the loop always ends. */
        d.text = white;
        for (int step = 1; step <= 50; step++) {
            d.fill = scale_color(accent, 1.0 - step * DISTRICT_DARKEN_STEP);
            if (dk_contrast_ratio(white, d.fill) >= DISTRICT_TEXT_CONTRAST)
                break;
        }
    }
    /* The pressed fill moves away from the text colour, so its contrast only grows; a fill
     * already at that end (black under white text, white under dark text) moves the other way
     * by a step small enough to stay far above 4.5:1. */
    double lum = dk_relative_luminance(d.fill);
    dk_color veil = white;
    if (white_text && lum >= DISTRICT_PRESS_VERY_DARK) {
        d.fill_pressed = scale_color(d.fill, DISTRICT_PRESS_DARKEN);
    } else if (white_text) {
        veil.a = DISTRICT_PRESS_LIGHTEN_DARK;
        d.fill_pressed = dk_color_blend(veil, d.fill);
    } else if (lum <= DISTRICT_PRESS_VERY_LIGHT) {
        veil.a = DISTRICT_PRESS_LIGHTEN;
        d.fill_pressed = dk_color_blend(veil, d.fill);
    } else {
        d.fill_pressed = scale_color(d.fill, DISTRICT_PRESS_DARKEN_LIGHT);
    }
    d.needs_outline =
        dk_contrast_ratio(d.fill, dk_theme_color(DK_THEME_NORMAL, DK_C_BACKGROUND)) < 3.0;
    return d;
}

/* --- Metrics --- */

#define DEFAULT_WIDTH_PX  1920
#define DEFAULT_HEIGHT_PX 1080
#define MM_PX_MAX         1000000.0 /* [px] the largest result of dk_mm() */
#define FONT_PX_MIN       6         /* [px] smallest font size handed to the font engine */
#define HEADING_SHORT_SIDE_DIVISOR                                                                 \
    7 /* a heading is at most this fraction of the short side                                      \
         (only matters on small screens) */

/* Cap height of each style relative to body text (DK_FONT_SMALL is set apart: it is the
 * EN 301 549 minimum itself). Hierarchy comes from weight and colour as much as size, so the
 * steps stay moderate and a German compound still fits a tile. */
static const double font_scale[DK_FONT_COUNT] = {
    [DK_FONT_BODY] = 1.0,   [DK_FONT_BODY_BOLD] = 1.0, [DK_FONT_SMALL] = 1.0,
    [DK_FONT_BUTTON] = 1.0, [DK_FONT_H1] = 1.8,        [DK_FONT_H2] = 1.45,
    [DK_FONT_H3] = 1.2,     [DK_FONT_TITLE] = 1.35,    [DK_FONT_HUGE] = 2.6,
};
static const unsigned char font_bold[DK_FONT_COUNT] = {
    [DK_FONT_BODY_BOLD] = 1, [DK_FONT_BUTTON] = 1, [DK_FONT_H1] = 1,   [DK_FONT_H2] = 1,
    [DK_FONT_H3] = 1,        [DK_FONT_TITLE] = 1,  [DK_FONT_HUGE] = 1,
};

static int positive(double x)
{
    return isfinite(x) && x > 0.0;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* v rounded up to an int in [lo, hi]; NaN gives lo. Never converts an out-of-range double. */
static int clamp_ceil(double v, int lo, int hi)
{
    if (!(v > lo))
        return lo;
    if (v >= hi)
        return hi;
    int i = (int)ceil(v - 1e-9); /* 1e-9: a product that should be whole stays whole */
    return i < lo ? lo : i;
}

/* v rounded down to an int in [lo, hi]; NaN gives lo. */
static int clamp_floor(double v, int lo, int hi)
{
    if (!(v > lo))
        return lo;
    if (v >= hi)
        return hi;
    return (int)floor(v + 1e-9);
}

int dk_mm(const dk_metrics *m, double mm)
{
    if (!m || !(mm > 0.0))
        return 0;
    double px = mm * m->px_per_mm;
    if (!(px < MM_PX_MAX))
        return (int)MM_PX_MAX;
    long r = lround(px);
    return r < 1 ? 1 : (int)r;
}

/* At least mm millimetres: for minimum sizes, where rounding down would break the rule. */
static int mm_at_least(const dk_metrics *m, double mm)
{
    return clamp_ceil(mm * m->px_per_mm, 1, (int)MM_PX_MAX);
}

dk_err dk_metrics_init(dk_metrics *m, int width_px, int height_px, double width_mm,
                       double height_mm, int large_text)
{
    dk_metrics_params p = {width_px, height_px, width_mm, height_mm, large_text, 0.0, 0.0};
    return dk_metrics_init_params(m, &p);
}

dk_err dk_metrics_init_params(dk_metrics *m, const dk_metrics_params *p)
{
    assert(m && p);
    dk_err err = DK_OK;
    memset(m, 0, sizeof *m);

    int w = p->width_px, h = p->height_px;
    double wmm = p->width_mm, hmm = p->height_mm;
    if (w <= 0 || h <= 0) {
        err = dk_error_set(DK_ERR_INVALID, "screen size %d x %d px is not usable; assuming %d x %d",
                           w, h, DEFAULT_WIDTH_PX, DEFAULT_HEIGHT_PX);
        w = DEFAULT_WIDTH_PX;
        h = DEFAULT_HEIGHT_PX;
    }
    if (!positive(wmm) || !positive(hmm)) {
        err = dk_error_set(DK_ERR_INVALID,
                           "physical screen size %g x %g mm is not usable; assuming 96 dpi", wmm,
                           hmm);
        wmm = w / DK_FALLBACK_PX_PER_MM;
        hmm = h / DK_FALLBACK_PX_PER_MM;
    }
    /* A screen turned to portrait by the display settings while the config still gives the
     * landscape size (or the other way round) shows as two densities far apart; the swapped
     * reading that makes them agree is the right one. */
    double dx = w / wmm, dy = h / hmm;
    double sx = w / hmm, sy = h / wmm;
    if (fmax(sx, sy) / fmin(sx, sy) < fmax(dx, dy) / fmin(dx, dy)) {
        double swap = wmm;
        wmm = hmm;
        hmm = swap;
        dx = sx;
        dy = sy;
    }

    double dist = p->viewing_distance_mm, ratio = p->cap_ratio;
    if (dist == 0.0) {
        dist = DK_VIEWING_DISTANCE_MM;
    } else if (!(dist >= 100.0 && dist <= 5000.0)) {
        err = dk_error_set(DK_ERR_INVALID, "viewing distance %g mm is out of range", dist);
        dist = DK_VIEWING_DISTANCE_MM;
    }
    if (ratio == 0.0) {
        ratio = DK_FONT_CAP_RATIO;
    } else if (!(ratio >= 0.4 && ratio <= 0.9)) {
        err = dk_error_set(DK_ERR_INVALID, "font cap-height ratio %g is out of range", ratio);
        ratio = DK_FONT_CAP_RATIO;
    }

    m->width_px = w;
    m->height_px = h;
    m->width_mm = wmm;
    m->height_mm = hmm;
    m->px_per_mm = fmax(dx, dy);
    m->px_per_mm_y = dy;
    m->portrait = h > w;
    m->large_text = p->large_text != 0;
    m->cap_ratio = ratio;
    m->viewing_distance_mm = dist;

    int short_px = w < h ? w : h;
    const double pi = 3.14159265358979323846;
    double min_cap_mm = 2.0 * dist * tan(DK_TEXT_MIN_ANGLE_DEG / 2.0 * pi / 180.0);
    double text_scale = m->large_text ? DK_LARGE_TEXT_SCALE : 1.0;
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        double cap = s == DK_FONT_SMALL ? min_cap_mm : min_cap_mm * DK_BODY_CAP_FACTOR;
        cap *= font_scale[s] * text_scale;
        m->cap_mm[s] = cap;
        /* Rounded up, so that the cap height on glass is never below the one intended. */
        m->font_px[s] =
            clamp_ceil(cap * m->px_per_mm / ratio, FONT_PX_MIN, max_int(FONT_PX_MIN, short_px / 3));
    }
    for (int s = 0; s < DK_FONT_COUNT; s++) {
        int heading = s == DK_FONT_H1 || s == DK_FONT_H2 || s == DK_FONT_H3 || s == DK_FONT_TITLE ||
                      s == DK_FONT_HUGE;
        if (heading) {
            int limit = max_int(m->font_px[DK_FONT_BODY], short_px / HEADING_SHORT_SIDE_DIVISOR);
            if (m->font_px[s] > limit)
                m->font_px[s] = limit;
        }
        double lh = heading || s == DK_FONT_BUTTON ? DK_LINE_HEIGHT_HEADING : DK_LINE_HEIGHT_TEXT;
        m->line_px[s] = (int)lround(m->font_px[s] * lh);
    }

    m->unit_px = dk_mm(m, DK_UNIT_MM);
    m->gap_px = mm_at_least(m, DK_GAP_MM);
    m->target_px = max_int(max_int(mm_at_least(m, DK_TARGET_MM), DK_TARGET_MIN_PX),
                           m->line_px[DK_FONT_BUTTON] + 2 * mm_at_least(m, DK_TARGET_PAD_MM));
    m->margin_px = max_int(m->unit_px, (int)lround(short_px * DK_MARGIN_FRACTION));
    m->outline_px = max_int(2, dk_mm(m, DK_OUTLINE_MM));
    m->focus_px = max_int(3, dk_mm(m, DK_FOCUS_MM));
    m->radius_px = dk_mm(m, DK_RADIUS_MM);
    return err;
}

int dk_font_px(const dk_metrics *m, dk_font_style s)
{
    if ((unsigned)s >= DK_FONT_COUNT)
        s = DK_FONT_BODY;
    return m->font_px[s];
}

int dk_font_line_px(const dk_metrics *m, dk_font_style s)
{
    if ((unsigned)s >= DK_FONT_COUNT)
        s = DK_FONT_BODY;
    return m->line_px[s];
}

int dk_font_is_bold(dk_font_style s)
{
    return (unsigned)s < DK_FONT_COUNT && font_bold[s];
}

int dk_reach_top_y(const dk_metrics *m, double screen_bottom_mm)
{
    if (isnan(screen_bottom_mm))
        return 0;
    double too_high_mm = screen_bottom_mm + m->height_mm - DK_REACH_HIGH_MM;
    if (!(too_high_mm > 0.0))
        return 0;
    return clamp_ceil(too_high_mm * m->px_per_mm_y, 0, m->height_px);
}

int dk_reach_bottom_y(const dk_metrics *m, double screen_bottom_mm)
{
    if (isnan(screen_bottom_mm))
        return m->height_px;
    double too_low_mm = DK_REACH_LOW_MM - screen_bottom_mm;
    if (!(too_low_mm > 0.0))
        return m->height_px;
    return clamp_floor(m->height_px - too_low_mm * m->px_per_mm_y, 0, m->height_px);
}
