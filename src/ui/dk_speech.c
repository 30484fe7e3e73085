/* dk_speech.c: the text that speech output reads, from the element tree. */
#include "dk_speech.h"

#include "dk_i18n.h"

#include <string.h>

typedef struct writer {
    char *out;
    size_t size, len;
    int full;
} writer;

/* Appends n bytes of s, dropping soft hyphens (U+00AD) and the search marks (\x02, \x03), and
 * stopping at a character boundary when out is full. */
static void put(writer *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !w->full;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x02 || c == 0x03) {
            i++;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xAD) {
            i += 2;
            continue;
        }
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + len > n)
            len = n - i; /* a cut sequence in the input: copy what is there */
        if (w->len + len + 1 > w->size) {
            w->full = 1;
            break;
        }
        memcpy(w->out + w->len, s + i, len);
        w->len += len;
        i += len;
    }
    if (w->size)
        w->out[w->len] = '\0';
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Ends the previous piece so that the voice pauses: a full stop unless it ended in one. */
static void end_piece(writer *w)
{
    if (w->len == 0)
        return;
    char last = w->out[w->len - 1];
    puts_(w, strchr(".:!?", last) ? " " : ". ");
}

size_t dk_speech_text(const dk_element *els, size_t count, dk_lang lang, char *out, size_t outsz)
{
    writer w = {out, outsz, 0, outsz == 0};
    if (outsz)
        out[0] = '\0';
    int top = 0;
    for (size_t i = 0; i < count; i++)
        if (els[i].visible.w > 0 && els[i].visible.h > 0 && els[i].layer > top)
            top = els[i].layer;
    const char *previous = NULL;
    for (size_t i = 0; i < count && !w.full; i++) {
        const dk_element *e = &els[i];
        if (e->layer != top || e->visible.w <= 0 || e->visible.h <= 0 || !e->label || !e->label[0])
            continue;
        if (e->role == DK_EL_INPUT || e->role == DK_EL_SCROLL || e->role == DK_EL_DIALOG)
            continue;
        if (previous && strcmp(previous, e->label) == 0)
            continue;
        previous = e->label;
        end_piece(&w);
        if (e->role == DK_EL_IMAGE) {
            puts_(&w, dk_i18n(lang, DK_S_SPEECH_IMAGE));
            puts_(&w, ": ");
        }
        puts_(&w, e->label);
        if (e->role == DK_EL_BUTTON && !(e->flags & DK_EL_TOGGLE)) {
            puts_(&w, ", ");
            puts_(&w, dk_i18n(lang, (e->flags & DK_EL_DISABLED) ? DK_S_SPEECH_BUTTON_OFF
                                                                  : DK_S_SPEECH_BUTTON));
        } else if (e->flags & DK_EL_TOGGLE) {
            puts_(&w, ", ");
            puts_(&w, dk_i18n(lang, DK_S_SPEECH_SWITCH));
        }
    }
    if (w.len && !w.full && !strchr(".:!?", w.out[w.len - 1]))
        puts_(&w, ".");
    return w.len;
}
