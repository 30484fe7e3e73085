/* kiosk_sync.c: runs the sync worker beside the SDL main loop. The worker never touches the UI:
 * it posts one SDL event type (from SDL_RegisterEvents) and the main thread reads the status
 * snapshot, feeds the staff screen (content and registrations) and offers new content to the
 * app. */
#include "kiosk_sync.h"

#include "dk_bundle.h"
#include "dk_fault.h"
#include "dk_log.h"
#include "dk_sign.h"
#include "dk_sync.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DK_DATADIR
#define DK_DATADIR "/usr/share/district-kiosk"
#endif

struct kiosk_sync {
    dk_sync *sync;
    dk_app *app;
    dk_store **store;  /* the store the app uses (owned by the caller, swapped here) */
    dk_store *pending; /* offered to the app, not adopted yet (owned here) */
    Uint32 event_type;
    atomic_int status_queued; /* 1 while a status event waits in SDL's queue */
    char note[256];           /* kiosk_sync_set_note(): another module's line for staff */

    void (*refused_news)(void *ctx); /* kiosk_sync_set_refused_listener() */
    void *refused_ctx;
    long long refused_told; /* the quarantine count it last heard of; -1: none yet */
    char db_path[4096];
};

static void bundle_dir(const dk_config *cfg, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", cfg->bundle_dir[0] ? cfg->bundle_dir : DK_DATADIR "/bundle");
}

/* Worker thread: hand the news to the main thread and return at once. */
static void on_sync_news(void *arg, dk_sync_event event)
{
    kiosk_sync *ks = arg;
    if (event == DK_SYNC_EVENT_STATUS && atomic_exchange(&ks->status_queued, 1))
        return; /* one waiting status event is enough: it reads the newest status */
    SDL_Event ev;
    SDL_zero(ev);
    ev.type = ks->event_type;
    ev.user.code = (Sint32)event;
    if (SDL_PushEvent(&ev) != 1 && event == DK_SYNC_EVENT_STATUS)
        atomic_store(&ks->status_queued, 0);
}

/* Appends part to out (of outsz bytes) with "; " between parts, cutting whole characters only
 * and ending in "…" when something did not fit. */
static void add_part(char *out, size_t outsz, const char *part)
{
    if (!part || !*part || outsz < 8)
        return;
    size_t have = strlen(out);
    if (have + 4 >= outsz)
        return;
    char joined[1024];
    snprintf(joined, sizeof joined, "%s%s%s", out, have ? "; " : "", part);
    size_t n = strlen(joined);
    if (n < outsz) {
        memcpy(out, joined, n + 1);
        return;
    }
    n = outsz - 4; /* room for "…" (3 bytes) and the NUL */
    while (n > 0 && ((unsigned char)joined[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, joined, n);
    memcpy(out + n, "\xe2\x80\xa6", 4);
}

void kiosk_sync_staff_error(const dk_sync_status *st, const char *note, char *out, size_t outsz)
{
    if (!outsz)
        return;
    out[0] = '\0';
    /* The registrations first: people's data waits there; content errors are long. */
    add_part(out, outsz, note);
    if (st) {
        add_part(out, outsz, st->upload_error);
        if (st->quarantined > 0) {
            char q[160];
            snprintf(q, sizeof q,
                     "%lld registration%s refused by the hub, kept sealed on this kiosk "
                     "(quarantine)",
                     st->quarantined, st->quarantined == 1 ? " was" : "s were");
            add_part(out, outsz, q);
        }
        add_part(out, outsz, st->last_error);
    }
}

static void feed_view(kiosk_sync *ks)
{
    dk_sync_status st;
    dk_sync_get_status(ks->sync, &st);
    dk_app_sync_view v;
    memset(&v, 0, sizeof v);
    v.configured = 1;
    v.last_attempt = st.last_attempt;
    v.last_success = st.last_success;
    v.next_attempt = st.next_attempt;
    v.version = st.content_version;
    snprintf(v.issued, sizeof v.issued, "%s", st.content_issued);
    v.stale = st.stale;
    v.running = st.running;
    kiosk_sync_staff_error(&st, ks->note, v.error, sizeof v.error);
    v.backlog = st.backlog;
    dk_app_set_sync_view(ks->app, &v);
}

/* Closes the old store once the app uses the pending one. */
static void adopt_if_taken(kiosk_sync *ks)
{
    if (ks->pending && dk_app_store_in_use(ks->app) == ks->pending) {
        dk_store_close(*ks->store);
        *ks->store = ks->pending;
        ks->pending = NULL;
        dk_info("sync: the screens now show the new content");
    }
}

static void offer_new_content(kiosk_sync *ks)
{
    dk_store *fresh = NULL;
    if (dk_store_open(ks->db_path, &fresh) != DK_OK) {
        dk_warn("sync: cannot open the new content: %s", dk_error_detail());
        return;
    }
    dk_store *older = ks->pending;
    ks->pending = fresh;
    dk_app_offer_store(ks->app, fresh); /* now on the attract screen, else at the next reset */
    if (older && dk_app_store_in_use(ks->app) != older)
        dk_store_close(older); /* replaced before the app took it */
    adopt_if_taken(ks);
}

dk_err kiosk_sync_start(const dk_config *cfg, const char *app_version, dk_app *app,
                        dk_store **store, kiosk_sync **out)
{
    *out = NULL;
    if (!cfg->hub_url[0] && !cfg->sync_url[0]) {
        dk_info("sync: no hub_url is set; the kiosk shows its installed content");
        return DK_OK;
    }
    kiosk_sync *ks = calloc(1, sizeof *ks);
    if (!ks)
        return dk_error_set(DK_ERR_NOMEM, "sync: out of memory");
    ks->app = app;
    ks->store = store;
    ks->refused_told = -1;
    atomic_init(&ks->status_queued, 0);
    ks->event_type = SDL_RegisterEvents(1);
    dk_err err = DK_OK;
    if (ks->event_type == (Uint32)-1)
        err = dk_error_set(DK_ERR_NOMEM, "sync: no SDL event type left");
    char bundle[4096];
    bundle_dir(cfg, bundle, sizeof bundle);
    dk_sync_options opt = {bundle, app_version, on_sync_news, ks, NULL};
    if (!err)
        err = dk_bundle_db_path(cfg->data_dir, ks->db_path, sizeof ks->db_path);
    if (!err)
        err = dk_sync_new(cfg, &opt, &ks->sync);
    if (!err)
        err = dk_sync_start(ks->sync);
    if (err) { /* the staff screen says why sync does not run */
        dk_app_sync_view v;
        memset(&v, 0, sizeof v);
        v.configured = 1;
        if (*store) {
            dk_store_info info;
            dk_store_get_info(*store, &info);
            v.version = info.version;
            snprintf(v.issued, sizeof v.issued, "%s", info.issued);
        }
        snprintf(v.error, sizeof v.error, "sync is off: %s", dk_error_detail());
        dk_app_set_sync_view(app, &v);
        dk_sync_free(ks->sync);
        free(ks);
        return err;
    }
    feed_view(ks);
    *out = ks;
    return DK_OK;
}

int kiosk_sync_handle_event(kiosk_sync *ks, const SDL_Event *ev)
{
    if (!ks || ev->type != ks->event_type)
        return 0;
    int redraw = 0;
    if (ev->user.code == DK_SYNC_EVENT_CONTENT) {
        dk_store *before = dk_app_store_in_use(ks->app);
        offer_new_content(ks);
        redraw = dk_app_store_in_use(ks->app) != before;
    } else {
        atomic_store(&ks->status_queued, 0);
    }
    feed_view(ks);
    if (ks->refused_news) {
        dk_sync_status st;
        dk_sync_get_status(ks->sync, &st);
        if (st.quarantined != ks->refused_told) {
            ks->refused_told = st.quarantined;
            ks->refused_news(ks->refused_ctx);
        }
    }
    return redraw || dk_app_screen(ks->app) == DK_SCREEN_STAFF;
}

void kiosk_sync_poll(kiosk_sync *ks)
{
    if (!ks)
        return;
    if (dk_app_take_sync_request(ks->app)) {
        dk_info("sync: staff asked for a sync now");
        dk_sync_request_now(ks->sync);
    }
    adopt_if_taken(ks);
}

void kiosk_sync_set_backlog(kiosk_sync *ks, long long backlog, long long quarantined)
{
    if (!ks)
        return;
    dk_sync_set_backlog(ks->sync, backlog, quarantined);
    ks->refused_told = quarantined; /* the caller counted it: nothing to tell it */
    feed_view(ks);
}

void kiosk_sync_set_refused_listener(kiosk_sync *ks, void (*fn)(void *ctx), void *ctx)
{
    if (!ks)
        return;
    ks->refused_news = fn;
    ks->refused_ctx = fn ? ctx : NULL;
}

void kiosk_sync_request_upload(kiosk_sync *ks)
{
    if (ks)
        dk_sync_request_upload(ks->sync);
}

long long kiosk_sync_time_floor(kiosk_sync *ks)
{
    return ks ? dk_sync_time_floor(ks->sync) : 0;
}

dk_err kiosk_sync_registration_key(kiosk_sync *ks, unsigned char key[DK_OUTBOX_HUB_KEY_BYTES],
                                   int *from_release)
{
    return dk_sync_registration_key(ks ? ks->sync : NULL, key, from_release);
}

void kiosk_sync_set_note(kiosk_sync *ks, const char *note)
{
    if (!ks)
        return;
    snprintf(ks->note, sizeof ks->note, "%s", note ? note : "");
    feed_view(ks);
}

void kiosk_sync_stop(kiosk_sync *ks)
{
    if (!ks)
        return;
    dk_sync_free(ks->sync); /* stops and joins the worker */
    adopt_if_taken(ks);
    if (ks->pending && dk_app_store_in_use(ks->app) != ks->pending)
        dk_store_close(ks->pending);
    free(ks);
}

/* ---- --sync-once ---- */

/* For the power-cut tests (tests/sync_killloop.sh): DK_FAULT_EXIT_AT_SWITCH=k ends the process
 * at the k-th fault point after the switch to a new release began, as a power cut would
 * (dk_fault.h). The count restarts there, so "fault points passed" then counts the switch. */
/* DK_FAULT_EXIT_AT_UPLOAD=k does the same from the start of the registration upload: k = 1 ends
 * the process right after the hub acknowledged the first record and before the kiosk deleted
 * it (a reply lost to a power cut), so the next run must send it again and get a replay. */
static void once_news(void *arg, dk_sync_event event)
{
    dk_sync *const *s = arg;
    static int armed;
    if (event != DK_SYNC_EVENT_STATUS || !*s || armed)
        return;
    dk_sync_status st;
    dk_sync_get_status(*s, &st);
    const char *k = getenv("DK_FAULT_EXIT_AT_SWITCH");
    const char *u = getenv("DK_FAULT_EXIT_AT_UPLOAD");
    if (k && strcmp(st.phase, "switch") == 0) {
        armed = 1;
        dk_fault_arm(strtol(k, NULL, 10), DK_FAULT_EXIT);
    } else if (u && strcmp(st.phase, "upload") == 0) {
        armed = 1;
        dk_fault_arm(strtol(u, NULL, 10), DK_FAULT_EXIT);
    }
}

static void print_time(const char *label, long long t)
{
    char text[32] = "never";
    if (t > 0)
        dk_time_format(t, text);
    printf("  %-18s %s\n", label, text);
}

int kiosk_sync_once(const dk_config *cfg, const char *app_version)
{
    char bundle[4096];
    bundle_dir(cfg, bundle, sizeof bundle);
    dk_sync *s = NULL;
    dk_sync_options opt = {bundle, app_version, once_news, &s, NULL};
    if (dk_sync_new(cfg, &opt, &s) != DK_OK) {
        printf("sync: not configured: %s\n", dk_error_detail());
        return 2;
    }
    dk_err err = dk_sync_run_cycle(s);
    dk_sync_status st;
    dk_sync_get_status(s, &st);
    dk_sync_free(s);
    switch (st.last_result) {
    case DK_SYNC_UPDATED:
        printf("sync: ok: release %lld installed (%.1f MiB downloaded)\n", st.content_version,
               (double)st.last_downloaded / 1048576.0);
        break;
    case DK_SYNC_CURRENT:
        printf("sync: ok: release %lld is current\n", st.content_version);
        break;
    case DK_SYNC_STALE:
        printf("sync: stale: %s\n", st.last_error);
        break;
    default:
        printf("sync: failed: %s\n", st.last_error[0] || !err ? st.last_error : dk_error_detail());
        break;
    }
    printf("status:\n");
    printf("  %-18s %lld%s%s\n", "content release", st.content_version,
           st.content_issued[0] ? " of " : "", st.content_issued);
    print_time("last attempt", st.last_attempt);
    print_time("last success", st.last_success);
    printf("  %-18s %s\n", "last result", dk_sync_result_name(st.last_result));
    printf("  %-18s %s\n", "last error", st.last_error[0] ? st.last_error : "none");
    printf("  %-18s %s\n", "stale", st.stale ? "yes" : "no");
    printf("  %-18s %d\n", "failures in a row", st.failures);
    printf("  %-18s %s\n", "heartbeat", st.heartbeat_error[0] ? st.heartbeat_error : "sent");
    printf("  %-18s %lld delivered now, %lld waiting, %lld refused (quarantine)\n", "registrations",
           st.uploaded, st.backlog, st.quarantined);
    printf("  %-18s %s\n", "upload error", st.upload_error[0] ? st.upload_error : "none");
    char staff[256]; /* the staff screen's line (dk_app_sync_view.error) */
    kiosk_sync_staff_error(&st, NULL, staff, sizeof staff);
    printf("  %-18s %s\n", "staff screen", staff[0] ? staff : "no error");
    if (getenv("DK_FAULT_EXIT_AT") || getenv("DK_FAULT_EXIT_AT_SWITCH") ||
        getenv("DK_FAULT_EXIT_AT_UPLOAD"))
        fprintf(stderr, "fault points passed: %ld\n", dk_fault_passed());
    fflush(stdout);
    if (st.last_result == DK_SYNC_UPDATED || st.last_result == DK_SYNC_CURRENT)
        return 0;
    return st.last_result == DK_SYNC_STALE ? 3 : 1;
}
