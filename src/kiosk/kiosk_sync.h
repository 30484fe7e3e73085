/* kiosk_sync.h: the glue between the sync worker (dk_sync: content and registration upload) and
 * the SDL main loop: news from the worker arrive as SDL events, new content is offered to the
 * UI, the staff screen's "Sync now" and new registrations reach the worker. */
#ifndef KIOSK_SYNC_H
#define KIOSK_SYNC_H

#include "dk_app.h"
#include "dk_config.h"
#include "dk_error.h"
#include "dk_store.h"

#include "dk_sync.h"

#include <SDL.h>
#include <stddef.h>

typedef struct kiosk_sync kiosk_sync;

/* Starts the sync worker when hub_url or sync_url is set; otherwise *out is NULL, the staff
 * screen says sync is not configured, and DK_OK is returned. Call after SDL_Init (the worker
 * posts SDL events). *store is the store the app uses: when the app adopts new content,
 * kiosk_sync closes the old store and writes the new one there, so that whoever closes *store at
 * exit closes the right one. cfg, app and store are borrowed and must outlive the result. */
dk_err kiosk_sync_start(const dk_config *cfg, const char *app_version, dk_app *app,
                        dk_store **store, kiosk_sync **out) DK_MUST_CHECK;

/* Takes an event from the sync worker. Returns 1 when the screen should be redrawn (new content
 * was taken, or sync news while the staff screen shows), else 0 (also for any other event).
 * Accepts NULL. */
int kiosk_sync_handle_event(kiosk_sync *ks, const SDL_Event *ev);

/* Call once per pass of the main loop: hands "Sync now" from the staff screen to the worker,
 * and closes the old content store once the app has adopted the new one. Accepts NULL. */
void kiosk_sync_poll(kiosk_sync *ks);

/* The registration outbox's figures, for the staff screen and the heartbeat (main thread).
 * The worker counts the outbox itself after each upload pass. Accepts NULL. */
void kiosk_sync_set_backlog(kiosk_sync *ks, long long backlog, long long quarantined);

/* Who wants to know when the worker's count of refused registrations (the quarantine)
 * changed: kiosk_signup, which then reads why and when from its own outbox connection for the
 * staff screen. fn(ctx) runs on the main thread, from kiosk_sync_handle_event(); fn NULL
 * removes it. ctx is borrowed until then. Accepts ks NULL. */
void kiosk_sync_set_refused_listener(kiosk_sync *ks, void (*fn)(void *ctx), void *ctx);

/* A registration was just stored: the worker sends it now (an upload pass without a content
 * cycle). Accepts NULL. */
void kiosk_sync_request_upload(kiosk_sync *ks);

/* The sync's time floor [unix s] (dk_sync_time_floor), 0 for NULL. */
long long kiosk_sync_time_floor(kiosk_sync *ks);

/* The key a new registration is sealed to now (dk_sync_registration_key: the newest accepted
 * release's registration_key, else registration_pubkey); asked by kiosk_signup at each seal, so
 * a key change reaches a running kiosk with the release that names it. DK_ERR_NOTFOUND for ks
 * NULL or when neither names a key. */
dk_err kiosk_sync_registration_key(kiosk_sync *ks, unsigned char key[DK_OUTBOX_HUB_KEY_BYTES],
                                   int *from_release) DK_MUST_CHECK;

/* A line for the staff screen from elsewhere (kiosk_signup: "sign-up is off: ..."), shown with
 * the sync's own news; copied; NULL or "" for none. Accepts ks NULL (then nothing happens: the
 * caller shows it itself). */
void kiosk_sync_set_note(kiosk_sync *ks, const char *note);

/* What the staff screen's "last error" line says: the sync's errors, why registrations wait,
 * how many the hub refused, and note, in plain words, cut to outsz bytes (whole characters).
 * Exposed for kiosk_signup, which shows the same when there is no sync. */
void kiosk_sync_staff_error(const dk_sync_status *st, const char *note, char *out, size_t outsz);

/* Stops the worker (promptly, even mid-download) and frees everything; the store in *store
 * stays open for its owner. Call before SDL_Quit. Accepts NULL. */
void kiosk_sync_stop(kiosk_sync *ks);

/* `district-kiosk --sync-once`: one cycle (content, then the registrations waiting) without a
 * window; prints the outcome and the status on standard output. Returns the exit status: 0 the
 * kiosk has the current release, 1 the cycle failed, 2 sync is not configured, 3 the hub's
 * timestamp has expired (stale). How the registrations went is printed, not in the status. */
int kiosk_sync_once(const dk_config *cfg, const char *app_version);

#endif
