/* dk_keyboard.h: the kiosk's own on-screen keyboard (never a system one) and the text-editing
 * model it types into: a UTF-8 text in the caller's fixed buffer with a cursor. */
#ifndef DK_KEYBOARD_H
#define DK_KEYBOARD_H

#include "dk_content.h"
#include "dk_ui.h"

#include <stddef.h>

/* ==== Text editing ====
 * A view onto the caller's buffer: the text stays where the caller keeps it (a dk_signup field,
 * the search text), so there is no second copy of what a visitor typed. The cursor is a byte
 * offset that always lies on a character boundary. Every edit keeps the bytes after the text's
 * NUL zero, so nothing deleted lingers in the buffer (the form wipes the whole buffer anyway).
 * None of these functions allocates; all accept any cursor value (it is clamped first). */
typedef struct dk_textedit {
    char *buf;        /* the caller's NUL-terminated UTF-8 text */
    size_t size;      /* [bytes] of buf, >= 1 */
    size_t max_chars; /* [characters] (code points) the text may hold at most */
    size_t cursor;    /* [bytes] where the next character goes, 0 .. strlen(buf) */
} dk_textedit;

/* A view on buf (size bytes, already holding a NUL-terminated text) with the cursor at its end.
 * Bytes after the NUL are zeroed. Can't fail. */
void dk_textedit_init(dk_textedit *te, char *buf, size_t size, size_t max_chars);

/* Moves a cursor that points past the end or into a character back to the character's start.
 * Call after the text was changed from outside (trimmed, wiped). Can't fail. */
void dk_textedit_clamp(dk_textedit *te);

/* Inserts the UTF-8 text s (one key: a letter, "@gmail.com") at the cursor and moves the cursor
 * behind it. All or nothing: returns 1 if inserted, 0 if it would exceed size or max_chars or
 * s is empty or not valid UTF-8 (the text is then unchanged). */
int dk_textedit_insert(dk_textedit *te, const char *s);

/* Deletes the character before the cursor (backspace). Returns 1 if one was deleted, 0 at the
 * start of the text. */
int dk_textedit_backspace(dk_textedit *te);

/* Moves the cursor one character left / right, or to the start / end. Return 1 if it moved. */
int dk_textedit_left(dk_textedit *te);
int dk_textedit_right(dk_textedit *te);
int dk_textedit_home(dk_textedit *te);
int dk_textedit_end(dk_textedit *te);

/* Number of characters (code points) in s, counting each lead byte. Can't fail. */
size_t dk_utf8_count(const char *s);

/* ==== The keyboard ==== */

/* What the field wants typed; it chooses the keys. */
typedef enum dk_keyboard_kind {
    DK_KEYBOARD_TEXT,   /* letters of the language, digits, punctuation, a symbols page */
    DK_KEYBOARD_EMAIL,  /* letters and digits plus @ and common endings (".de", "@gmail.com") */
    DK_KEYBOARD_PHONE,  /* a keypad: 0-9, +, space, /, -, ( ) */
    DK_KEYBOARD_SEARCH, /* letters and digits; no "done" (results follow the typing) */
    DK_KEYBOARD_KIND_COUNT
} dk_keyboard_kind;

/* Shift: one tap capitalises the next letter; a tap while it is on locks capitals (caps lock),
 * and one more turns it off. Its state shows in words on the key and in the letters themselves,
 * never in colour alone. */
typedef enum dk_keyboard_shift { DK_SHIFT_OFF, DK_SHIFT_ONCE, DK_SHIFT_LOCK } dk_keyboard_shift;

/* The keyboard's own state between frames: plain values, no resources. A zeroed struct is a
 * keyboard showing lower-case letters. It never remembers what was typed: no suggestions, no
 * learning (DOMAIN.md). */
typedef struct dk_keyboard {
    dk_keyboard_shift shift;
    int symbols; /* 1: the digits and symbols page instead of the letters */
} dk_keyboard;

/* Back to lower-case letters (a new field, a new visitor). Can't fail. */
void dk_keyboard_reset(dk_keyboard *kb);

/* What dk_keyboard_draw() reports (bits). */
#define DK_KEYBOARD_CHANGED 1u /* the text changed */
#define DK_KEYBOARD_MOVED   2u /* only the cursor moved */
#define DK_KEYBOARD_DONE    4u /* "done" was tapped: the caller hides the keyboard */

/* [px] the height the keyboard wants for this kind, language and width, at the frame's metrics
 * (keys at least DK_TARGET_MM high, DK_GAP_MM apart, rows as the labels need). Call between
 * dk_ui_begin() and dk_ui_end(). The caller gives it that height above the bottom bar (low on
 * the screen, in reach: UI.md) and may give less only on a screen too small for it. */
int dk_keyboard_height(dk_ui *ui, dk_keyboard_kind kind, dk_lang lang, int width);

/* Draws the keyboard into r (its panel fills r; keys are centred in it) and applies the key
 * tapped in this frame to te. Layouts: German QWERTZ with ä ö ü ß, English QWERTY, Turkish Q
 * with ç ğ ı İ ö ş ü (chosen by lang); the symbols page offers the letters of the other two
 * languages, so "Yılmaz" can be typed on a German keyboard. Key test names: "key:<text>" for
 * every key that types (the text it types: "key:ä", "key:A" while shifted, "key:@gmail.com"),
 * "key:space", "key:delete", "key:shift", "key:left", "key:right", "key:symbols",
 * "key:letters", "key:done". Returns DK_KEYBOARD_* bits. te may be NULL (nothing is typed). */
unsigned dk_keyboard_draw(dk_keyboard *kb, dk_ui *ui, dk_rect r, dk_keyboard_kind kind,
                          dk_lang lang, dk_textedit *te);

#endif
