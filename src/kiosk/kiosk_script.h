/* kiosk_script.h: drives the running kiosk from a script file, for headless tests: taps, drags,
 * keys, waits, screenshots and assertions on the UI's element tree. */
#ifndef KIOSK_SCRIPT_H
#define KIOSK_SCRIPT_H

#include "dk_app.h"
#include "dk_error.h"
#include "dk_ui.h"

#include <SDL.h>
#include <stdint.h>

/* A script is a text file, one command per line ('#' starts a comment):
 *
 *   tap NAME|LABEL            tap the centre of the topmost visible element with that test
 *                             name ("district:hoerde") or label ("Aktuelle Projekte")
 *   touch NAME|LABEL          the same with touch (finger) events instead of the mouse
 *   tapxy X Y                 tap a point
 *   drag X0 Y0 X1 Y1 [MS]     press, move in steps over MS milliseconds, release
 *   scrollto NAME|LABEL       drag the content up until the element is fully visible
 *   type TEXT                 tap the on-screen keys of TEXT one by one (key:<char>)
 *   key COMBO                 press a key combination: "alt+f4", "escape", "ctrl+q", ...
 *   wait MS                   let MS milliseconds of real time pass (images arrive, flings end)
 *   advance MS                move the kiosk's clock forward without waiting (idle timeouts)
 *   freeze / unfreeze         stop the kiosk's clock so that only "advance" moves it (timing
 *                             checks that must not depend on the machine's speed); scroll
 *                             flings and other animations stand still while it is frozen
 *   screenshot PATH           save the screen as PNG
 *   dump                      print the element tree
 *   expect screen NAME        the current screen ("home", "district", ...)
 *   expect visible NAME|LABEL [min_mm N]   visible, and at least N mm tall and wide if given
 *   expect absent NAME|LABEL  not visible
 *   expect text SUBSTRING     some visible element's label contains it
 *   expect lang CODE / expect large_text 0|1 / expect high_contrast 0|1 / expect search TEXT
 *   expect running            the kiosk did not quit
 *   expect fits               no button label overflowed in the last frame
 *   quit                      end the run (exit status: number of failed expectations)
 *
 * Each command runs after the previous one's frames are drawn. A failed expectation prints
 * "FAIL line N: ..." and the run continues; the summary line is "script: N passed, M failed". */

typedef struct kiosk_script kiosk_script;

/* The kiosk's clock [ms]: SDL_GetTicks() plus an offset that "advance" moves forward (idle
 * tests need minutes to pass in no time); while frozen it stands at frozen_at. It never runs
 * backwards: the app subtracts times as unsigned numbers. */
typedef struct kiosk_clock {
    uint32_t offset;
    int frozen;
    uint32_t frozen_at;
} kiosk_clock;

static inline uint32_t kiosk_clock_now(const kiosk_clock *c)
{
    return c->frozen ? c->frozen_at : SDL_GetTicks() + c->offset;
}

/* What the script needs from the running kiosk; all borrowed. */
typedef struct kiosk_script_env {
    SDL_Window *window;
    SDL_Renderer *renderer;
    dk_ui *ui;
    dk_app *app;
    double px_per_mm;
    kiosk_clock *clock;     /* the kiosk's clock: "advance", "freeze" and "unfreeze" move it */
} kiosk_script_env;

/* Loads a script. DK_ERR_NOTFOUND / DK_ERR_INVALID (with the line) if it cannot be used. */
dk_err kiosk_script_load(const char *path, kiosk_script **out) DK_MUST_CHECK;
void kiosk_script_free(kiosk_script *s); /* accepts NULL */

/* Runs the next command if it is due (after waits). Called by the main loop once per turn,
 * after a frame was drawn. Returns 1 while the script goes on, 0 when it has ended. */
int kiosk_script_step(kiosk_script *s, const kiosk_script_env *env);


/* How long the main loop may sleep before the script wants to act [ms]. */
long kiosk_script_wait_ms(const kiosk_script *s);

/* A screenshot the script asked for: the main loop draws the next frame, saves it before
 * presenting (the back buffer is undefined after a present on GPU renderers) and reports the
 * result. Returns the path or NULL. */
const char *kiosk_script_screenshot_wanted(const kiosk_script *s);
void kiosk_script_screenshot_done(kiosk_script *s, dk_err result);

/* 1 while a "wait" runs: the main loop then draws only what the kiosk itself needs. */
int kiosk_script_waiting(const kiosk_script *s);

/* Number of failed expectations so far. */
int kiosk_script_failures(const kiosk_script *s);

#endif
