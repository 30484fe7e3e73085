/* dk_theme.h: the kiosk's colours (a calm normal theme and a high-contrast one) and its sizes,
 * given in millimetres and turned into pixels through the configured physical screen size. */
#ifndef DK_THEME_H
#define DK_THEME_H

#include "dk_error.h"

#include <stddef.h>

/* ------------------------------------------------------------------------------------------
 * Colours
 * ------------------------------------------------------------------------------------------ */

/* An sRGB colour; a = 255 is opaque. */
typedef struct dk_color {
    unsigned char r, g, b, a;
} dk_color;

typedef enum dk_theme {
    DK_THEME_NORMAL,        /* light surfaces, one blue accent for what can be touched */
    DK_THEME_HIGH_CONTRAST, /* black ground, white and yellow text, outlines on every control */
    DK_THEME_COUNT
} dk_theme;

/* What a colour is for. "ON_x" is the text (and icon) colour drawn on top of fill x. */
typedef enum dk_color_role {
    DK_C_BACKGROUND,      /* the content band behind everything */
    DK_C_SURFACE,         /* cards, tiles, list rows, secondary buttons */
    DK_C_SURFACE_PRESSED, /* a surface under the finger */
    DK_C_TEXT,            /* body text on background, surfaces, dialogs and inputs */
    DK_C_TEXT_MUTED,      /* secondary text (dates, captions): still body-text contrast */
    DK_C_HEADING,         /* headings in the content */
    DK_C_LINK,            /* a touchable word inside text */
    DK_C_ACCENT,          /* fill of primary buttons, checked boxes, the active toggle */
    DK_C_ACCENT_PRESSED,  /* a primary button under the finger */
    DK_C_ON_ACCENT,       /* label on DK_C_ACCENT and DK_C_ACCENT_PRESSED */
    DK_C_OUTLINE,         /* edge of controls, inputs, tiles and keys */
    DK_C_FOCUS,           /* ring around the element being read aloud or selected */
    DK_C_HEADER_BG,       /* the header band when no district colour applies */
    DK_C_ON_HEADER,       /* title and district name in the header */
    DK_C_BAR_BG,          /* the bottom bar */
    DK_C_BAR_BUTTON,      /* a button in the bottom bar */
    DK_C_BAR_BUTTON_PRESSED,
    DK_C_BAR_OUTLINE, /* edge of a bottom-bar button */
    DK_C_ON_BAR,      /* labels and icons in the bottom bar */
    DK_C_BADGE_BG,    /* the "Example" badge */
    DK_C_ON_BADGE,
    DK_C_ERROR, /* fill of an error banner; also error text next to a field */
    DK_C_ON_ERROR,
    DK_C_SUCCESS, /* fill of a confirmation ("Thank you!") banner */
    DK_C_ON_SUCCESS,
    DK_C_SELECTED, /* fill of the chosen filter chip, tab or language */
    DK_C_ON_SELECTED,
    DK_C_OVERLAY, /* translucent dim behind dialogs (a < 255) */
    DK_C_DIALOG_BG,
    DK_C_SCRIM, /* translucent band behind text on photos (attract loop, heroes) */
    DK_C_ON_SCRIM,
    DK_C_KEYBOARD_BG, /* the on-screen keyboard's panel */
    DK_C_KEY,         /* a key */
    DK_C_KEY_PRESSED,
    DK_C_ON_KEY,
    DK_C_INPUT_BG,    /* a text field */
    DK_C_PLACEHOLDER, /* hint text inside an empty field */
    DK_C_SCROLLBAR,   /* the position indicator of a long list */
    DK_C_DIVIDER,     /* decorative rules between rows; carries no meaning */
    DK_C_COUNT
} dk_color_role;

/* The colour of role r in theme t. An out-of-range theme counts as DK_THEME_NORMAL, an
 * out-of-range role as DK_C_TEXT. Can't fail. */
dk_color dk_theme_color(dk_theme t, dk_color_role r);

/* The role's name without prefix ("SURFACE_PRESSED"), for test output and the staff screen.
 * Static string, never NULL ("?" out of range). */
const char *dk_color_role_name(dk_color_role r);

/* 1 if every control must draw its outline in theme t (high contrast), 0 if only controls that
 * would otherwise not stand out from their ground do (inputs, keys, secondary buttons). */
int dk_theme_outlines_all(dk_theme t);

/* --- Contrast --- */

/* What a colour pair carries; it sets the contrast the pair needs. */
typedef enum dk_contrast_kind {
    DK_CONTRAST_BODY,    /* text of body size: 4.5:1 (7:1 in high contrast) */
    DK_CONTRAST_LARGE,   /* headings only: 3:1 (7:1 in high contrast) */
    DK_CONTRAST_CONTROL, /* an edge, fill or ring that shows a control: 3:1 (7:1) */
} dk_contrast_kind;

/* One foreground drawn on one background somewhere in the kiosk. */
typedef struct dk_color_pair {
    dk_color_role fg, bg;
    dk_contrast_kind kind;
} dk_color_pair;

/* The table of every pair the widgets draw, the same for both themes (a widget that draws a new
 * pair adds it here, so that the contrast test checks it). dk_theme_pair() returns a pointer to
 * static data for i < dk_theme_pair_count(), else NULL. */
size_t dk_theme_pair_count(void);
const dk_color_pair *dk_theme_pair(size_t i);

/* The ratio pair p reaches in theme t. A translucent background (DK_C_SCRIM, DK_C_OVERLAY) is
 * composited over both white and black and the worse result counts, because a photo or a screen
 * of any colour may lie under it. */
double dk_theme_pair_contrast(dk_theme t, const dk_color_pair *p);

/* The ratio a pair of kind k must reach in theme t (4.5, 3 or 7). */
double dk_contrast_required(dk_theme t, dk_contrast_kind k);

/* WCAG 2.x relative luminance of c (0 black .. 1 white), sRGB linearised; alpha ignored. */
double dk_relative_luminance(dk_color c);

/* WCAG 2.x contrast ratio (L1 + 0.05) / (L2 + 0.05) of two colours, 1 .. 21, order irrelevant;
 * alpha ignored (composite first with dk_color_blend()). Can't fail. */
double dk_contrast_ratio(dk_color a, dk_color b);

/* top drawn over an opaque bottom with top's alpha ("source over"); the result is opaque. */
dk_color dk_color_blend(dk_color top, dk_color bottom);

/* Parses "#rrggbb" (either case) into an opaque colour. Anything else (NULL, "#rgb", names,
 * trailing text) returns fallback unchanged. Can't fail. */
dk_color dk_color_parse(const char *hex, dk_color fallback);

/* --- District colours ---
 * Staff may enter any colour for a district. These are the colours actually drawn for it on a
 * tile or header, with its text. */
typedef struct dk_district_colors {
    dk_color fill;         /* the accent, or a darkened variant of it when no text colour
                              reaches 4.5:1 on the accent itself */
    dk_color fill_pressed; /* the tile under the finger: text still reaches 4.5:1 on it */
    dk_color text;         /* white, or the theme's near-black text colour */
    int needs_outline;     /* 1 when the fill is below 3:1 against DK_C_BACKGROUND, so the
                              tile needs a DK_C_OUTLINE edge to look touchable */
} dk_district_colors;

/* The colours to draw district accent colour `accent` with in theme t. In the normal theme the
 * text is white if that reaches 4.5:1 on the accent (the design's preference), else near-black
 * if that does, else the fill is the accent darkened until white text reaches 4.5:1. In high
 * contrast the district colour is replaced by the theme's own (black fill, yellow text,
 * outline), which reach 7:1. Accent alpha is ignored. Can't fail. */
dk_district_colors dk_theme_district_colors(dk_theme t, dk_color accent);

/* ------------------------------------------------------------------------------------------
 * Sizes
 * ------------------------------------------------------------------------------------------ */

/* Design constants. Sizes the city may want to tune per site (screen size, mounting height,
 * viewing distance) come from the config file (dk_config.h); these follow from standards. */
#define DK_VIEWING_DISTANCE_MM 600.0 /* [mm] default eye distance (config viewing_distance_mm) */
#define DK_TEXT_MIN_ANGLE_DEG                                                                      \
    0.7                              /* [degrees] smallest cap height any text subtends            \
                                        (EN 301 549 5.1.4): 7.33 mm at 600 mm */
#define DK_BODY_CAP_FACTOR     1.1   /* body text cap height over that minimum: 8.1 mm at 600 mm */
#define DK_FONT_CAP_RATIO      0.714 /* cap height / em of Noto Sans, the bundled font */
#define DK_LARGE_TEXT_SCALE    1.35  /* [factor] on every text size in larger-text mode */
#define DK_LINE_HEIGHT_TEXT    1.4   /* [em] line height of body and small text */
#define DK_LINE_HEIGHT_HEADING 1.2   /* [em] line height of headings, titles, buttons */
#define DK_UNIT_MM             4.0   /* [mm] the spacing unit: every space is a multiple */
#define DK_TARGET_MM           15.0  /* [mm] smallest side of a touch target */
#define DK_TARGET_MIN_PX       44    /* [px] ... and never fewer pixels than this (WCAG 2.5.5) */
#define DK_TARGET_PAD_MM       1.5   /* [mm] space above and below a button's label line */
#define DK_GAP_MM              3.0   /* [mm] smallest gap between neighbouring targets */
#define DK_MARGIN_FRACTION     0.05  /* screen margin, of the screen's short side */
#define DK_OUTLINE_MM          0.5   /* [mm] control outline, at least 2 px */
#define DK_FOCUS_MM            1.0   /* [mm] focus ring, at least 3 px */
#define DK_RADIUS_MM           2.0   /* [mm] corner radius of buttons and tiles */
#define DK_REACH_HIGH_MM                                                                           \
    1220.0                    /* [mm] highest operable part above the floor (EN 301 549            \
                                 8.3) */
#define DK_REACH_LOW_MM 380.0 /* [mm] lowest operable part above the floor */
#define DK_FALLBACK_PX_PER_MM                                                                      \
    (96.0 / 25.4) /* [px/mm] used only when the configured physical                                \
                     size is unusable */

/* Text styles. Each maps to one font size and weight (regular or bold: at most two weights). */
typedef enum dk_font_style {
    DK_FONT_BODY,      /* running text */
    DK_FONT_BODY_BOLD, /* emphasis and labels inside running text */
    DK_FONT_SMALL,     /* secondary information: exactly the EN 301 549 minimum, never below */
    DK_FONT_BUTTON,    /* labels on buttons, tiles and keys */
    DK_FONT_H1,
    DK_FONT_H2,
    DK_FONT_H3,
    DK_FONT_TITLE, /* the screen title in the header */
    DK_FONT_HUGE,  /* "touch to start" in the attract loop */
    DK_FONT_COUNT
} dk_font_style;

/* Everything a screen needs to know about its size. Filled by dk_metrics_init(); the fields
 * are read directly (a value, no resources: copy it freely, nothing to free). */
typedef struct dk_metrics {
    int width_px, height_px;    /* the drawable area */
    double width_mm, height_mm; /* its physical size (swapped if the config had them the other
                                   way round from the pixels) */
    double px_per_mm;           /* the density used for every size: the larger of the horizontal
                                   and vertical one, so nothing ends up smaller than asked */
    double px_per_mm_y;         /* vertical density, for positions on the wall (reach) */
    int portrait;               /* 1 if taller than wide */
    int large_text;             /* 1 in larger-text mode */
    double cap_ratio;           /* the font's cap height / em */
    double viewing_distance_mm;

    int unit_px;   /* DK_UNIT_MM */
    int gap_px;    /* DK_GAP_MM */
    int target_px; /* smallest side of a touch target: DK_TARGET_MM, DK_TARGET_MIN_PX, and tall
                      enough for one line of DK_FONT_BUTTON with padding, whichever is most */
    int margin_px; /* around the screen: DK_MARGIN_FRACTION of the short side, >= unit_px */
    int outline_px;
    int focus_px;
    int radius_px;

    double cap_mm[DK_FONT_COUNT]; /* intended cap height of each style */
    int font_px[DK_FONT_COUNT];   /* font size (em, as TTF_OpenFont takes it) of each style */
    int line_px[DK_FONT_COUNT];   /* line advance of each style */
} dk_metrics;

/* Everything dk_metrics_init_params() takes. Zero for viewing_distance_mm or cap_ratio means the
 * default (DK_VIEWING_DISTANCE_MM, DK_FONT_CAP_RATIO). */
typedef struct dk_metrics_params {
    int width_px, height_px;
    double width_mm, height_mm;
    int large_text;
    double viewing_distance_mm;
    double cap_ratio;
} dk_metrics_params;

/* Fills *m for a drawable area of width_px x height_px shown on width_mm x height_mm of glass,
 * at the default viewing distance, for Noto Sans. Returns DK_OK, or DK_ERR_INVALID (with a
 * detail message) when a size is not positive and finite; *m is then still filled with usable
 * values (a 1920 x 1080 area, or DK_FALLBACK_PX_PER_MM for a missing physical size), so that
 * the kiosk can show its error instead of nothing. */
dk_err dk_metrics_init(dk_metrics *m, int width_px, int height_px, double width_mm,
                       double height_mm, int large_text);

/* As dk_metrics_init() with every parameter given; failure works the same way. A viewing
 * distance or cap ratio that is out of range (distance 100 to 5000 mm, ratio 0.4 to 0.9) is
 * replaced by its default and also returns DK_ERR_INVALID. */
dk_err dk_metrics_init_params(dk_metrics *m, const dk_metrics_params *p);

/* mm millimetres in pixels, rounded, at least 1 for any positive mm; 0 for mm <= 0 or NaN;
 * at most 1000000. Can't fail. */
int dk_mm(const dk_metrics *m, double mm);

/* The font size (em in px) / line advance (px) of style s; DK_FONT_BODY's for a bad s. */
int dk_font_px(const dk_metrics *m, dk_font_style s);
int dk_font_line_px(const dk_metrics *m, dk_font_style s);

/* 1 if style s is set in the bold weight. */
int dk_font_is_bold(dk_font_style s);

/* The reach band, for a screen whose lower visible edge is screen_bottom_mm above the floor
 * (config screen_bottom_mm). dk_reach_top_y() is the first pixel row (from the top) that lies
 * at or below DK_REACH_HIGH_MM: 0 when the whole screen is low enough, height_px when all of
 * it is too high. dk_reach_bottom_y() is the first row below DK_REACH_LOW_MM: height_px when
 * the screen's bottom is high enough. Controls belong in rows [top, bottom). Rounded so that
 * the band never includes a row outside reach. A NaN height counts as no limit. */
int dk_reach_top_y(const dk_metrics *m, double screen_bottom_mm);
int dk_reach_bottom_y(const dk_metrics *m, double screen_bottom_mm);

#endif
