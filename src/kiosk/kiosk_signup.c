/* kiosk_signup.c: sign-up on the kiosk: the hub's registration key from the settings, the UI
 * thread's outbox connection, and the submit function behind "Send" on the sign-up form. */
#include "kiosk_signup.h"

#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_outbox.h"
#include "dk_sync.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kiosk_signup {
    const dk_config *cfg;
    dk_app *app;
    kiosk_sync *ks; /* NULL: no hub configured */
    dk_outbox *ob;  /* this thread's connection; the worker opens its own */
    unsigned char hub_key[DK_OUTBOX_HUB_KEY_BYTES]; /* registration_pubkey: used without a sync */
    char note[256];                                 /* for the staff screen, "" for none */

    long long refused_shown; /* the quarantine count the staff screen has; -1: none yet */
};

_Static_assert(DK_APP_REFUSED_GROUPS >= DK_OUTBOX_SUMMARY_GROUPS,
               "the staff screen has room for every group of the summary");

/* Shows the outbox's figures (backlog -1: unknown) and note on the staff screen: through the
 * sync glue when there is one (note NULL: keep the one it has), else directly (the app then
 * knows no sync; configured stays 0). */
static void show(const dk_config *cfg, dk_app *app, kiosk_sync *ks, long long backlog,
                 long long quarantined, const char *note)
{
    if (ks) {
        if (note)
            kiosk_sync_set_note(ks, note);
        if (backlog >= 0)
            kiosk_sync_set_backlog(ks, backlog, quarantined);
        return;
    }
    if ((!note || !note[0]) && backlog <= 0 && quarantined <= 0)
        return; /* nothing to say: leave the screen as the sync glue left it */
    char line[256];
    snprintf(line, sizeof line, "%s%s%s", note ? note : "",
             note && note[0] && (cfg->hub_url[0] || cfg->sync_url[0]) ? "; " : "",
             cfg->hub_url[0] || cfg->sync_url[0] ? "sync is off (see the log)" : "");
    dk_sync_status st;
    memset(&st, 0, sizeof st);
    st.quarantined = quarantined > 0 ? quarantined : 0;
    dk_app_sync_view v;
    memset(&v, 0, sizeof v);
    v.backlog = backlog > 0 ? backlog : 0;
    kiosk_sync_staff_error(&st, line, v.error, sizeof v.error);
    dk_app_set_sync_view(app, &v);
}

/* max(now, the sync's time floor): the time the outbox schedules by (dk_outbox.h). */
static long long outbox_now(kiosk_signup *su)
{
    long long now = (long long)time(NULL), time_floor = kiosk_sync_time_floor(su->ks);
    return now > time_floor ? now : time_floor;
}

static dk_app_refusal refusal(const dk_outbox_refusal *g)
{
    if (g->cause == DK_OUTBOX_CAUSE_DAMAGED)
        return DK_APP_REFUSED_DAMAGED;
    if (g->cause != DK_OUTBOX_CAUSE_HUB)
        return DK_APP_REFUSED_OTHER;
    switch (g->status) {
    case 400:
        return DK_APP_REFUSED_MALFORMED;
    case 409:
        return DK_APP_REFUSED_KEY_REUSED;
    case 413:
        return DK_APP_REFUSED_TOO_LARGE;
    default:
        return DK_APP_REFUSED_BY_HUB;
    }
}

/* Hands the refused registrations (counts, causes, dates: nothing a record holds) to the staff
 * screen, read on this thread's connection. */
static void show_refused(kiosk_signup *su)
{
    dk_outbox_summary sum;
    if (dk_outbox_quarantine_summary(su->ob, &sum) != DK_OK) {
        dk_warn("sign-up: cannot read the refused registrations: %s", dk_error_detail());
        return;
    }
    dk_app_refused_view v;
    memset(&v, 0, sizeof v);
    v.refused = sum.quarantined;
    for (int i = 0; i < sum.groups; i++) {
        v.group[i].why = refusal(&sum.group[i]);
        v.group[i].count = sum.group[i].count;
        v.group[i].newest = sum.group[i].newest;
    }
    v.groups = sum.groups;
    dk_app_set_refused_view(su->app, &v);
    su->refused_shown = sum.quarantined;
}

/* Counts the outbox for the staff screen (UI thread); note as for show(). The refused
 * registrations are grouped again only when their number changed (or always, with all). */
static void refresh(kiosk_signup *su, const char *note, int all)
{
    dk_outbox_stats os;
    if (dk_outbox_stats_get(su->ob, outbox_now(su), &os) != DK_OK) {
        dk_warn("sign-up: cannot count the outbox: %s", dk_error_detail());
        return;
    }
    show(su->cfg, su->app, su->ks, os.backlog, os.quarantined, note);
    if (all || os.quarantined != su->refused_shown)
        show_refused(su);
}

/* The worker's count of refused registrations changed (main thread, kiosk_sync). */
static void on_refused_news(void *ctx)
{
    show_refused(ctx);
}

/* "Send refused again" and "Delete refused registrations" on the staff screen
 * (dk_app_refused_fn), on the UI thread with its own connection: the outbox's transactions wait
 * only for the worker's short ones, never for an upload. */
static dk_err act_on_refused(void *ctx, dk_app_refused_action action, long long expected,
                             long long *done)
{
    kiosk_signup *su = ctx;
    int64_t n = 0;
    dk_err err;
    if (action == DK_APP_REFUSED_SEND_AGAIN)
        err = dk_outbox_release_quarantined(su->ob, outbox_now(su), &n);
    else if (action == DK_APP_REFUSED_DELETE)
        err = dk_outbox_delete_quarantined(su->ob, expected, &n);
    else
        err = dk_error_set(DK_ERR_INVALID, "unknown action %d", (int)action);
    const char *verb = action == DK_APP_REFUSED_SEND_AGAIN ? "send again" : "delete";
    if (err) {
        /* dk_outbox's details name counts and SQLite's words, never a record's content. */
        dk_warn("sign-up: staff could not %s the refused registrations: %s", verb,
                dk_error_detail());
        refresh(su, su->ks ? NULL : su->note, 1); /* what is there now, e.g. more refused */
        return err;
    }
    if (action == DK_APP_REFUSED_SEND_AGAIN)
        dk_info("staff released %lld refused registration%s: they are sent again", (long long)n,
                n == 1 ? "" : "s");
    else
        dk_info("staff deleted %lld refused registration%s", (long long)n, n == 1 ? "" : "s");
    refresh(su, su->ks ? NULL : su->note, 1);
    if (action == DK_APP_REFUSED_SEND_AGAIN && n > 0)
        kiosk_sync_request_upload(su->ks);
    *done = n;
    return DK_OK;
}

/* The form's submit function (dk_app_submit_fn), on the UI thread. */
static dk_err submit(void *ctx, const dk_signup *rec)
{
    kiosk_signup *su = ctx;
    /* The record is const and the form wipes it; the stamped copy is wiped here. */
    dk_signup copy;
    memcpy(&copy, rec, sizeof copy);
    long long now = (long long)time(NULL), time_floor = kiosk_sync_time_floor(su->ks);
    copy.created = now > time_floor ? now : time_floor;
    /* The key is asked for now, not at start: a release that named a new registration key
     * reaches a running kiosk with the sync (dk_sync_registration_key). */
    unsigned char hub_key[DK_OUTBOX_HUB_KEY_BYTES];
    if (kiosk_sync_registration_key(su->ks, hub_key, NULL) != DK_OK)
        memcpy(hub_key, su->hub_key, sizeof hub_key);
    char key[DK_OUTBOX_IDEM_KEY_HEX];
    dk_err err = dk_outbox_add(su->ob, &copy, hub_key, key);
    dk_signup_wipe(&copy);
    sodium_memzero(hub_key, sizeof hub_key);
    if (err) {
        /* dk_outbox_add's details name a rule, a limit or SQLite's words, never a value. */
        dk_warn("sign-up: a registration could not be stored: %s", dk_error_detail());
        return err;
    }
    dk_info("sign-up: registration %s sealed and stored for upload", key);
    refresh(su, su->ks ? NULL : su->note, 0);
    kiosk_sync_request_upload(su->ks);
    return DK_OK;
}

dk_err kiosk_signup_start(const dk_config *cfg, dk_app *app, kiosk_sync *ks, kiosk_signup **out)
{
    *out = NULL;
    unsigned char key[DK_OUTBOX_HUB_KEY_BYTES];
    char note[256];
    int from_release = 0;
    /* registration_pubkey, else the key a release named (a kiosk set up without one turns
     * sign-up on at its first start after a release named a key). */
    dk_err err = dk_sync_parse_registration_key(cfg->registration_pubkey, key);
    snprintf(note, sizeof note, "sign-up is off: %s", err ? dk_error_detail() : "");
    if (err && kiosk_sync_registration_key(ks, key, &from_release) != DK_OK) {
        dk_warn("%s", note);
        sodium_memzero(key, sizeof key);
        show(cfg, app, ks, -1, 0, note);
        return DK_OK;
    }
    kiosk_signup *su = calloc(1, sizeof *su);
    if (!su) {
        sodium_memzero(key, sizeof key);
        return dk_error_set(DK_ERR_NOMEM, "sign-up: out of memory");
    }
    su->cfg = cfg;
    su->app = app;
    su->ks = ks;
    su->refused_shown = -1;
    memcpy(su->hub_key, key, sizeof key);
    sodium_memzero(key, sizeof key);
    dk_outbox_options oo;
    dk_sync_outbox_options(cfg, &oo);
    if (dk_outbox_open(cfg->data_dir, &oo, &su->ob) != DK_OK) {
        char detail[200];
        snprintf(detail, sizeof detail, "%s", dk_error_detail());
        snprintf(note, sizeof note, "sign-up is off: the outbox cannot be opened: %s", detail);
        dk_warn("%s", note);
        show(cfg, app, ks, -1, 0, note);
        kiosk_signup_stop(su);
        return DK_OK;
    }
    dk_app_set_submit(app, submit, su);
    dk_app_set_refused_handler(app, act_on_refused, su);
    kiosk_sync_set_refused_listener(ks, on_refused_news, su);
    /* With a sync but no device_token the worker says why registrations wait, once some do. */
    if (!ks)
        snprintf(su->note, sizeof su->note,
                 "registrations wait on this kiosk: no hub_url is set to send them to");
    dk_info("sign-up: on; registrations are sealed for the hub into %s/%s%s%s", cfg->data_dir,
            DK_OUTBOX_FILE, su->note[0] ? " and wait there: no hub_url is set" : "",
            from_release ? " (to the registration key the newest release named)" : "");
    refresh(su, su->note, 1);
    *out = su;
    return DK_OK;
}

void kiosk_signup_stop(kiosk_signup *su)
{
    if (!su)
        return;
    if (su->ob) { /* only a started one gave the app its functions */
        dk_app_set_submit(su->app, NULL, NULL);
        dk_app_set_refused_handler(su->app, NULL, NULL);
        kiosk_sync_set_refused_listener(su->ks, NULL, NULL);
    }
    dk_outbox_close(su->ob);
    sodium_memzero(su->hub_key, sizeof su->hub_key);
    free(su);
}
