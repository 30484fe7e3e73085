/* dk_ui.h: the kiosk's immediate-mode UI core: touch input, widgets, scrolling, and the two
 * lists a frame produces: draw commands for the backend and an element tree for tests. */
#ifndef DK_UI_H
#define DK_UI_H

#include "dk_arena.h"
#include "dk_error.h"
#include "dk_theme.h"

#include <stddef.h>
#include <stdint.h>

/* How it works (after microui): every frame the screen code calls dk_ui_begin(), then widget
 * functions that both draw and report interaction ("was this button tapped?"), then
 * dk_ui_end(). Nothing here touches SDL: the backend executes dk_ui_commands() and feeds
 * pointer events in between frames; tests read dk_ui_elements() to check what is on screen.
 *
 * Touch rules (UI.md): a target shows its pressed state from touch-down; the action fires on
 * touch-up inside the same target; a drag that starts on a target scrolls instead and never
 * fires it. A drag starting at the left edge and moving right is the "back" swipe. */

typedef struct dk_rect {
    int x, y, w, h;
} dk_rect;

int dk_rect_contains(dk_rect r, int x, int y);
dk_rect dk_rect_intersect(dk_rect a, dk_rect b);
dk_rect dk_rect_inset(dk_rect r, int dx, int dy);

/* --- fonts: a theme font style (DK_FONT_*) plus emphasis bits --- */
#define DK_UI_BOLD 1
#define DK_UI_ITALIC 2
#define DK_UI_FONT(style, bits) ((int)(style) << 2 | (bits))
#define DK_UI_FONT_STYLE(font) ((font) >> 2)
#define DK_UI_FONT_BITS(font) ((font) & 3)
#define DK_UI_FONT_IDS (DK_FONT_COUNT << 2)

/* What the UI needs to know about text; the backend supplies it (SDL_ttf on the kiosk, a fake
 * in unit tests). measure returns the width in px of utf8[0..len) (len > 0) or < 0 on failure;
 * metrics gives a font's line height and ascent in px. */
typedef struct dk_ui_text_backend {
    void *ctx;
    int (*measure)(void *ctx, int font, const char *utf8, size_t len);
    void (*metrics)(void *ctx, int font, int *line_height, int *ascent);
} dk_ui_text_backend;

/* --- draw commands --- */
typedef enum dk_cmd_type {
    DK_CMD_RECT,  /* filled rectangle, corners rounded by radius */
    DK_CMD_FRAME, /* outline of thickness px */
    DK_CMD_TEXT,  /* one line of text, top-left at rect.x/y */
    DK_CMD_IMAGE  /* an image object (by hash) into rect */
} dk_cmd_type;

typedef enum dk_fit { DK_FIT_COVER, DK_FIT_CONTAIN } dk_fit;

/* Strings are owned by the frame arena: valid until the next dk_ui_begin(). */
typedef struct dk_cmd {
    dk_cmd_type type;
    dk_rect rect;
    dk_rect clip; /* draw nothing outside this */
    dk_color color;
    int radius, thickness;
    int font;
    const char *text; /* DK_CMD_TEXT: NUL-terminated UTF-8 */
    size_t len;
    const char *image; /* DK_CMD_IMAGE: SHA-256 hex of the object */
    dk_fit fit;
} dk_cmd;

/* --- the element tree --- */
typedef enum dk_el_role {
    DK_EL_BUTTON,  /* anything that can be tapped */
    DK_EL_TEXT,
    DK_EL_HEADING,
    DK_EL_IMAGE,
    DK_EL_SCROLL,  /* a scrolling area */
    DK_EL_DIALOG,
    DK_EL_INPUT    /* a text field */
} dk_el_role;

#define DK_EL_PRESSED 1u
#define DK_EL_SELECTED 2u
#define DK_EL_DISABLED 4u /* looks and is inert (dk_ui_button never reports a tap) */
#define DK_EL_TOGGLE 8u   /* an on/off switch (dk_ui_toggle); DK_EL_CHECKED when it is on */
#define DK_EL_CHECKED 16u

typedef struct dk_element {
    dk_el_role role;
    const char *label; /* what a person reads (or the alt text); frame arena */
    const char *name;  /* stable test name, e.g. "district:hoerde", or "" */
    dk_rect rect;      /* where it is, in screen pixels */
    dk_rect visible;   /* the part not clipped away (w or h 0: not visible) */
    unsigned flags;
    int layer;
} dk_element;

typedef struct dk_ui dk_ui;

/* New UI context. frame_budget bounds the memory one frame may use (commands, elements, text)
 * [bytes]. NULL on out of memory. Free with dk_ui_free() (accepts NULL). */
dk_ui *dk_ui_new(const dk_ui_text_backend *text, size_t frame_budget);
void dk_ui_free(dk_ui *ui);

/* --- input, fed between frames (ms is a monotonic clock) --- */
void dk_ui_pointer_down(dk_ui *ui, int x, int y, uint32_t ms);
void dk_ui_pointer_move(dk_ui *ui, int x, int y, uint32_t ms);
void dk_ui_pointer_up(dk_ui *ui, int x, int y, uint32_t ms);
/* Forgets any touch in progress (e.g. when the screen changes under the finger). */
void dk_ui_pointer_cancel(dk_ui *ui);

/* --- frames --- */
/* Starts a frame of width x height px at time now_ms with the given metrics and theme
 * (borrowed: they must outlive the frame). Resets the frame arena. */
void dk_ui_begin(dk_ui *ui, int width, int height, uint32_t now_ms, const dk_metrics *metrics,
                 dk_theme theme);
void dk_ui_end(dk_ui *ui);

/* The frame's output, valid until the next dk_ui_begin(). */
const dk_cmd *dk_ui_commands(const dk_ui *ui, size_t *count);
const dk_element *dk_ui_elements(const dk_ui *ui, size_t *count);
/* 1 if something moves (scrolling, a press) and another frame should follow soon. */
int dk_ui_animating(const dk_ui *ui);
/* 1 if the frame ran out of its budget (some commands are missing): a bug to report. */
int dk_ui_overflowed(const dk_ui *ui);
/* Number of button labels this frame that did not fit their button even in the small font:
 * a layout bug the tests look for (the label is never drawn outside its button). */
int dk_ui_label_overflows(const dk_ui *ui, const char **last);
/* 1 if there was any input since the previous frame (for the idle timer). */
int dk_ui_had_input(const dk_ui *ui);
/* 1 once, in the frame after a back swipe from the left edge. */
int dk_ui_swiped_back(const dk_ui *ui);

dk_arena *dk_ui_arena(dk_ui *ui);              /* the frame arena, for screen code */
const dk_metrics *dk_ui_metrics(const dk_ui *ui);
dk_theme dk_ui_theme(const dk_ui *ui);
dk_color dk_ui_color(const dk_ui *ui, dk_color_role role);
int dk_ui_mm(const dk_ui *ui, double mm);       /* millimetres to pixels */
const dk_ui_text_backend *dk_ui_text(const dk_ui *ui);

/* --- drawing --- */
void dk_ui_fill(dk_ui *ui, dk_rect r, dk_color c, int radius);
void dk_ui_outline(dk_ui *ui, dk_rect r, dk_color c, int radius, int thickness);
/* An image by object hash, with its text alternative for the element tree. */
void dk_ui_image(dk_ui *ui, dk_rect r, const char *hash, dk_fit fit, const char *alt);
/* Adds an element to the tree without drawing anything, for things drawn from several commands
 * (a picture made of fills, a banner): role, where, what a person reads, a test name. */
void dk_ui_element(dk_ui *ui, dk_el_role role, dk_rect r, const char *label, const char *name,
                   unsigned flags);

/* Clips everything drawn until the matching dk_ui_clip_end() to r as well (nested clips
 * intersect; scrolling still applies). Begin and end must pair up within a frame. */
void dk_ui_clip_begin(dk_ui *ui, dk_rect r);
void dk_ui_clip_end(dk_ui *ui);

typedef enum dk_align { DK_ALIGN_LEFT, DK_ALIGN_CENTER, DK_ALIGN_RIGHT } dk_align;

/* Plain text wrapped into r (German break rules, dk_richtext): returns the height used [px].
 * Lines that do not fit below r are not drawn; role DK_EL_TEXT or DK_EL_HEADING. */
int dk_ui_text_block(dk_ui *ui, dk_rect r, int font, dk_color c, dk_align align, dk_el_role role,
                     const char *text);
/* Height [px] dk_ui_text_block() would use at width w. */
int dk_ui_text_height(dk_ui *ui, int w, int font, const char *text);
/* One piece of text drawn exactly as given into r (its top left; r.w and r.h only bound it):
 * no wrapping, no folding of white space, no element in the tree. For text the caller lays out
 * itself, such as a text field drawn one character at a time. len bytes of UTF-8 (copied). */
void dk_ui_text_run(dk_ui *ui, dk_rect r, int font, dk_color c, const char *text, size_t len);
/* A Markdown body at x, y, width w; returns its height [px]. */
int dk_ui_markdown(dk_ui *ui, int x, int y, int w, dk_color c, const char *markdown);

/* --- interaction --- */

/* Registers a tappable area and reports what happened to it this frame:
 * returns DK_HIT_TAP on a completed tap, and sets *pressed while a finger is down on it.
 * name is a stable test name ("" if none); label what a person reads. */
#define DK_HIT_TAP 1
int dk_ui_hit(dk_ui *ui, dk_rect r, const char *label, const char *name, unsigned flags,
              int *pressed);

typedef enum dk_button_kind {
    DK_BUTTON_PRIMARY,   /* accent fill */
    DK_BUTTON_SECONDARY, /* surface fill with an outline */
    DK_BUTTON_BAR        /* in the bottom bar */
} dk_button_kind;

/* A button with a label that always fits (smaller font or more lines, never overflowing).
 * Returns 1 when tapped. flags may carry DK_EL_SELECTED (drawn as the current choice) or
 * DK_EL_DISABLED (flat on the background with muted text and a faint edge, whatever the kind;
 * never tapped, but it still takes the touch, so nothing beneath reacts). */
int dk_ui_button(dk_ui *ui, dk_rect r, const char *label, const char *name, dk_button_kind kind,
                 unsigned flags);

/* An on/off switch: the label on the left and the state in words on a pill at the right
 * (on_text on the accent fill, off_text outlined), so that the state never rests on colour
 * alone. Its element is a DK_EL_BUTTON flagged DK_EL_TOGGLE, plus DK_EL_CHECKED when on, and
 * labelled "label: state" (what a person reads, and what speech output says). Returns 1 when
 * tapped; the caller flips its state. */
int dk_ui_toggle(dk_ui *ui, dk_rect r, const char *label, const char *name, int on,
                 const char *on_text, const char *off_text);

/* A short label (a button's, a tile's) fitted into r and centred vertically: the font given in up
 * to two lines, else the small font in up to three, never more lines than r holds. A label
 * that fits in none of these is counted by dk_ui_label_overflows() and only its first lines are
 * drawn, inside r. */
void dk_ui_label(dk_ui *ui, dk_rect r, const char *label, int font, dk_color c, dk_align align);

/* --- scrolling --- */
/* Everything between begin and end is drawn shifted by the scroll offset and clipped to view.
 * id names the scroll state, which persists across frames. Returns the y where content starts
 * (view.y minus the offset). end takes the content's total height [px]. Kinetic scrolling with
 * friction, rubber-band overscroll, and a position bar when content is taller than the view. */
int dk_ui_scroll_begin(dk_ui *ui, const char *id, dk_rect view);
void dk_ui_scroll_end(dk_ui *ui, int content_height);
/* Scroll offsets go back to the top (a new screen). */
void dk_ui_scroll_reset_all(dk_ui *ui);
/* Scrolls the given area to an offset (tests and "back to top"). */
void dk_ui_scroll_to(dk_ui *ui, const char *id, int offset);

/* --- layers --- */
/* Opens a modal layer (a dialog in r): while one is open, nothing beneath it reacts to touch.
 * Returns DK_HIT_TAP when the visitor tapped outside r (usually: close the dialog). */
int dk_ui_modal_begin(dk_ui *ui, dk_rect r, const char *label);
void dk_ui_modal_end(dk_ui *ui);

#endif
