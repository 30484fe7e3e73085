/* kiosk_speech.h: speech output ("Vorlesen", EN 301 549 5.1.3): text to speech with eSpeak NG
 * on a worker thread, played through SDL audio. */
#ifndef KIOSK_SPEECH_H
#define KIOSK_SPEECH_H

#include "dk_content.h"
#include "dk_error.h"

#include <stddef.h>

#define KIOSK_SPEECH_TEXT_MAX 16384 /* [bytes] of text one request may read; the rest is cut */
#define KIOSK_SPEECH_RATE 150       /* [words/min] eSpeak's default is 175: slower is clearer */

typedef struct kiosk_speech kiosk_speech;

/* Opens an audio device and starts the speech thread (eSpeak NG is loaded lazily on the first
 * request, so a kiosk nobody asks to read aloud does not pay for its dictionaries). SDL's audio
 * subsystem is initialised here. Fails with DK_ERR_NOTFOUND when there is no audio device (the
 * kiosk then offers no "read aloud" button) or DK_ERR_NOMEM. Call from the UI thread. */
dk_err kiosk_speech_new(kiosk_speech **out) DK_MUST_CHECK;

/* Stops speaking, joins the thread, closes the device. Accepts NULL. */
void kiosk_speech_free(kiosk_speech *sp);

/* Starts reading text (copied; cut at KIOSK_SPEECH_TEXT_MAX on a character boundary) in lang,
 * replacing whatever is being read. Returns at once. */
void kiosk_speech_say(kiosk_speech *sp, dk_lang lang, const char *text);

/* Stops at once: synthesis is aborted and queued audio dropped. Returns at once. */
void kiosk_speech_stop(kiosk_speech *sp);

/* 1 while text is being synthesised or audio is still queued. */
int kiosk_speech_active(kiosk_speech *sp);

/* Samples produced since start (tests check that speech really came out). */
unsigned long long kiosk_speech_samples(kiosk_speech *sp);

#endif
