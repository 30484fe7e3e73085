/* kiosk_signup.h: the kiosk's side of volunteer sign-up: the UI thread's connection to the
 * sealed outbox, the submit function the sign-up form calls, what staff are told when sign-up
 * cannot work, and what staff do with registrations the hub refused. Delivery to the hub is the
 * sync worker's (dk_sync.h). */
#ifndef KIOSK_SIGNUP_H
#define KIOSK_SIGNUP_H

#include "dk_app.h"
#include "dk_config.h"
#include "dk_error.h"
#include "kiosk_sync.h"

typedef struct kiosk_signup kiosk_signup;

/* Offers sign-up when registration_pubkey holds a usable X25519 public key (64 hex digits, from
 * `district-hub device add`): opens data_dir/outbox.db on the calling (UI) thread and gives the
 * app a submit function (dk_app_set_submit). That function stamps the registration with
 * max(now, the sync's time floor), seals and stores it (dk_outbox_add: "Thank you" shows only
 * after the commit), wipes its copy of the record, logs only the idempotency key, and asks the
 * worker to send it now (kiosk_sync_request_upload).
 *
 * It also shows staff the registrations the hub refused (dk_app_set_refused_view: counts,
 * causes, dates, read again whenever the worker's count changes) and acts on the staff screen's
 * "Send refused again" (dk_outbox_release_quarantined, then the worker is asked to send) and
 * "Delete refused registrations" (dk_outbox_delete_quarantined), logging how many, never what.
 *
 * Without a usable key, or when the outbox cannot be opened, the kiosk runs without any
 * "Register interest" button: the log says why (a warning) and so does the staff screen, in
 * plain words; *out is then NULL and DK_OK is returned, because the kiosk works on. ks may be
 * NULL (no hub configured): registrations then wait in the outbox, and the staff screen says
 * so. cfg, app and ks are borrowed and must outlive the result. Fails only with DK_ERR_NOMEM. */
dk_err kiosk_signup_start(const dk_config *cfg, dk_app *app, kiosk_sync *ks,
                          kiosk_signup **out) DK_MUST_CHECK;

/* Takes its functions back from the app and the sync glue, closes the outbox and wipes the
 * key. Call before kiosk_sync_stop(). Accepts NULL. */
void kiosk_signup_stop(kiosk_signup *su);

#endif
