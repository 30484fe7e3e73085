/* dk_speech.h: what "read aloud" says: the text of the screen as a person sees it, built from
 * the element tree (EN 301 549 5.1.3, speech output for closed functionality). */
#ifndef DK_SPEECH_H
#define DK_SPEECH_H

#include "dk_content.h"
#include "dk_ui.h"

#include <stddef.h>

/* Writes into out (outsz bytes, always NUL-terminated when outsz > 0) what speech output reads
 * for this frame's elements, in reading order:
 * - only the topmost layer (an open dialog is read, not what it covers);
 * - only what is visible on the screen: a long page is read as far as it is shown, and the
 *   visitor scrolls and asks again;
 * - headings and texts as they are, images by their text alternative, buttons with the word
 *   for "button" in lang so that a listener knows what can be touched, switches with their state;
 * - never the content of a text field (DK_EL_INPUT): a field may hold a PIN or a volunteer's
 *   contact details, and a passer-by must not hear them;
 * - soft hyphens and search match marks dropped, repeats of the same label read once.
 * Returns the length written. Can't fail; a text that does not fit is cut at a character
 * boundary. */
size_t dk_speech_text(const dk_element *els, size_t count, dk_lang lang, char *out, size_t outsz);

#endif
