/* dk_app.h: the kiosk's screens and visitor session: navigation, language, accessibility modes,
 * idle reset and the attract loop. Built on dk_ui; no SDL, so it runs in unit tests. */
#ifndef DK_APP_H
#define DK_APP_H

#include "dk_config.h"
#include "dk_signup.h"
#include "dk_store.h"
#include "dk_ui.h"

#include <stdint.h>

typedef enum dk_screen {
    DK_SCREEN_ATTRACT,
    DK_SCREEN_HOME,
    DK_SCREEN_DISTRICT,
    DK_SCREEN_PROJECTS,
    DK_SCREEN_PROJECT,
    DK_SCREEN_GROUPS,
    DK_SCREEN_GROUP,
    DK_SCREEN_DATES,
    DK_SCREEN_PAGE,
    DK_SCREEN_SEARCH,
    DK_SCREEN_STAFF,
    DK_SCREEN_SIGNUP, /* "Register interest": the volunteer sign-up form */
    DK_SCREEN_THANKS, /* ... its confirmation, with the data masked */
    DK_SCREEN_COUNT
} dk_screen;

/* Facts the staff screen shows that only the application knows. */
typedef struct dk_app_status {
    long long uptime_s;
    long long memory_kb; /* resident set size */
    const char *app_version;
} dk_app_status;

/* What the kiosk's sync worker reports for the staff screen. Times are unix seconds, 0 when it
 * never happened (or, for next_attempt, nothing is scheduled). */
typedef struct dk_app_sync_view {
    int configured;      /* 0: no hub is configured, nothing is synced */
    long long last_attempt, last_success, next_attempt; /* unix s, 0 = never */
    long long version;   /* content version the kiosk has */
    char issued[32];     /* when that version was issued ("2026-11-26T10:00:00Z"), "" if unknown */
    int stale;           /* 1: the content is older than the sync policy allows */
    int running;         /* 1: a sync is under way */
    char error[256];     /* the last error in plain words, "" = none */
    long long backlog;   /* registrations waiting to be sent */
} dk_app_sync_view;

typedef struct dk_app dk_app;

/* A new visitor session on the attract screen. cfg and store are borrowed and must outlive the
 * app (dk_app_set_store() swaps the store). NULL on out of memory. */
dk_app *dk_app_new(const dk_config *cfg, dk_store *store);
void dk_app_free(dk_app *app); /* accepts NULL */

/* New content: taken at once while nobody uses the kiosk (attract screen), otherwise at the
 * next reset, so a visitor is never disturbed mid-session. Returns 1 if it was taken now. The
 * caller closes the old store once dk_app_store_in_use() no longer returns it. */
int dk_app_offer_store(dk_app *app, dk_store *store);
dk_store *dk_app_store_in_use(const dk_app *app);

/* Builds one frame into ui for a screen of width x height px at now_ms. The theme and metrics
 * follow the visitor's accessibility choices. */
void dk_app_frame(dk_app *app, dk_ui *ui, int width, int height, uint32_t now_ms);

/* Milliseconds until the app needs a frame without any input (next slide, idle warning,
 * countdown tick), or -1 if it can sleep until input arrives. */
long dk_app_next_wakeup(const dk_app *app, uint32_t now_ms);

/* 1 once the staff chose "quit for maintenance". */
int dk_app_quit_requested(const dk_app *app);

void dk_app_set_status(dk_app *app, const dk_app_status *status);

/* The sync worker's latest state for the staff screen; *v is copied (its strings are cut to
 * their fields and always NUL-terminated). Until the first call the screen says that sync is
 * not configured. The main loop draws a frame afterwards to show it. */
void dk_app_set_sync_view(dk_app *app, const dk_app_sync_view *v);

/* Stores one registration of interest durably (the kiosk seals it into its outbox) and returns
 * DK_OK only once it is committed; "Thank you" shows exactly then. rec is borrowed for the call
 * and wiped right after: the function must not keep it or any part of it, nor log it. */
typedef dk_err (*dk_app_submit_fn)(void *ctx, const dk_signup *rec);

/* Where registrations go. Until it is set (or after fn NULL) the kiosk offers no sign-up at all:
 * no "Register interest" button anywhere, so nothing looks like a feature and does nothing.
 * ctx is borrowed and must outlive the app (or the next call). */
void dk_app_set_submit(dk_app *app, dk_app_submit_fn fn, void *ctx);

/* 1 once after staff tapped "Sync now" (then 0 until the next tap); for the sync worker. */
int dk_app_take_sync_request(dk_app *app);

/* Registrations the hub refused, kept sealed on the kiosk (the outbox's quarantine). The kiosk
 * cannot read them, so staff see only counts, causes and dates, and may send them all again or
 * delete them all. The kiosk glue reads its outbox and hands the figures over here, as for the
 * sync view; the UI never touches the outbox itself. */
typedef enum dk_app_refusal {
    DK_APP_REFUSED_MALFORMED,  /* the hub answered 400 */
    DK_APP_REFUSED_KEY_REUSED, /* 409: the idempotency key came before with other bytes */
    DK_APP_REFUSED_TOO_LARGE,  /* 413 */
    DK_APP_REFUSED_BY_HUB,     /* another status from the hub */
    DK_APP_REFUSED_DAMAGED,    /* found damaged in the kiosk's own outbox */
    DK_APP_REFUSED_OTHER       /* any other reason */
} dk_app_refusal;

#define DK_APP_REFUSED_GROUPS 6 /* [lines] at most on the staff screen */

typedef struct dk_app_refused_view {
    long long refused; /* registrations refused, in all groups */
    int groups;        /* 0 .. DK_APP_REFUSED_GROUPS */
    struct {
        dk_app_refusal why;
        long long count;
        long long newest; /* unix s: when the latest of them was refused */
    } group[DK_APP_REFUSED_GROUPS];
} dk_app_refused_view;

/* The outbox's latest figures; *v is copied (groups beyond DK_APP_REFUSED_GROUPS are ignored).
 * Until the first call the staff screen shows no refused registrations. */
void dk_app_set_refused_view(dk_app *app, const dk_app_refused_view *v);

typedef enum dk_app_refused_action {
    DK_APP_REFUSED_SEND_AGAIN = 1, /* "Send refused again": back to the outbox, sent again */
    DK_APP_REFUSED_DELETE          /* "Delete refused registrations", after the confirmation */
} dk_app_refused_action;

/* Does what staff chose, on the UI thread, while the frame is built: it must return promptly
 * and never wait for the sync worker (kiosk_signup uses the UI thread's own outbox connection,
 * whose transactions wait only for the worker's short ones). expected is the number of refused
 * registrations the screen showed (and, for DELETE, the confirmation named); DELETE must change
 * nothing and return DK_ERR_EXISTS when the outbox holds another number. On DK_OK *done is how
 * many were sent again or deleted. Any error means nothing changed. The function logs what
 * happened (never personal data) and hands the new figures over with dk_app_set_refused_view().
 */
typedef dk_err (*dk_app_refused_fn)(void *ctx, dk_app_refused_action action, long long expected,
                                    long long *done);

/* Who acts on refused registrations. Until it is set (or after fn NULL) the staff screen shows
 * the figures without the two buttons (no button that cannot work). ctx is borrowed and must
 * outlive the app (or the next call). */
void dk_app_set_refused_handler(dk_app *app, dk_app_refused_fn fn, void *ctx);

/* Speech output ("read aloud", EN 301 549 5.1.3). The kiosk says whether it can speak; only
 * then does the accessibility panel offer "Read aloud". After each frame the kiosk asks what to
 * do: START means read this frame's screen (dk_speech_text over its elements, in the app's
 * language), STOP means stop at once (any touch stops reading; reading again starts over). */
enum { DK_APP_SPEECH_NONE, DK_APP_SPEECH_START, DK_APP_SPEECH_STOP };
void dk_app_set_speech_available(dk_app *app, int available);
int dk_app_take_speech_request(dk_app *app); /* DK_APP_SPEECH_*, then NONE until the next */

/* Tests: pretend the wall clock says unix_s (night hours, dates); 0 goes back to the real one. */
void dk_app_set_wall_clock(dk_app *app, long long unix_s);

/* For tests and the staff screen. */
dk_screen dk_app_screen(const dk_app *app);
dk_lang dk_app_lang(const dk_app *app);
int dk_app_large_text(const dk_app *app);
int dk_app_high_contrast(const dk_app *app);
int dk_app_low_reach(const dk_app *app);
const char *dk_app_search_text(const dk_app *app);
/* 1 if the sign-up form holds nothing a visitor typed or was shown (every byte zero). */
int dk_app_form_is_wiped(const dk_app *app);
int dk_app_nav_depth(const dk_app *app);
const char *dk_screen_name(dk_screen s); /* "home", "district", ... */

/* Metrics and theme the app uses for a screen of this size (for the backend's fonts). */
void dk_app_metrics(const dk_app *app, int width, int height, dk_metrics *out);
dk_theme dk_app_theme(const dk_app *app);

#endif
