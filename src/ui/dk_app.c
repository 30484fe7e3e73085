/* dk_app.c: the visitor session: screens, navigation, language, accessibility modes, idle reset,
 * the attract loop, the staff entry and the way to the volunteer sign-up form (dk_form). Every screen is drawn with dk_ui from store queries
 * made once per visit of the screen. */
#include "dk_app.h"

#include "dk_crypto.h"
#include "dk_form.h"
#include "dk_i18n.h"
#include "dk_keyboard.h"
#include "dk_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAV_MAX 24              /* [screens] deep the back stack goes */
#define DATA_BUDGET (8u << 20)  /* [bytes] query results of one screen */
#define SEARCH_MAX 64           /* [bytes] of search text */
#define SEARCH_HITS 30          /* [results] shown while typing */
#define SLIDE_MS 8000           /* [ms] one attract slide */
#define PROMPT_MS 4000          /* [ms] one language of "touch to start" */
#define STAFF_TAPS 5            /* taps on the hidden corner that open the staff PIN */
#define STAFF_TAP_WINDOW_MS 4000 /* [ms] ... within this time */
#define PIN_MAX 12              /* [digits] */
#define LIST_DATES 5            /* [dates] shown on a district or group page */
#define ALL_DATES 2000          /* [dates] searched for a date that is not upcoming */
#define THUMB_MM 45.0           /* [mm] width of a project's picture on a list card */

typedef struct nav {
    dk_screen screen;
    char arg[80];    /* slug of the district, project, group or page */
    unsigned filter; /* projects: status mask; lists: 1 = only arg's district */
    char focus[80];  /* dates: the id of the date to show and highlight (from search), or "" */
    int focus_pending; /* 1 until the list was scrolled to it */
} nav;

/* What the current screen shows, queried when the screen is entered. */
typedef struct screen_data {
    int loaded;
    dk_district *districts;
    size_t ndistricts;
    dk_district district;
    dk_project project, *projects;
    size_t nprojects;
    dk_group group, *groups;
    size_t ngroups;
    dk_date *dates;
    size_t ndates;
    dk_page page;
    int page_german_only; /* the page's text fell back to German: so did its title */
    dk_date focus_date;   /* the date nav.focus names, when it is not in the list (past) */
    int focus_found;      /* 1: focus is in dates[], 2: in focus_date, 0: not found */
    dk_page privacy; /* sign-up: the full notice; the first layer ("consent") is in page */
    dk_search_hit *hits;
    size_t nhits;
    char search_for[SEARCH_MAX]; /* the text hits were found for */
    dk_err err;                   /* a query failed: say so instead of an empty screen */
} screen_data;

struct dk_app {
    const dk_config *cfg;
    dk_store *store, *pending;
    dk_lang lang;
    int large_text, high_contrast, low_reach;
    nav stack[NAV_MAX];
    int depth; /* stack[depth - 1] is on screen */
    uint32_t now, last_input, warning_since;
    int warning;
    int slide, paused;
    uint32_t slide_start;
    char search[SEARCH_MAX];
    size_t search_cursor; /* [bytes] into search */
    dk_keyboard search_kb;
    dk_form *form; /* the sign-up form: what a volunteer typed lives here only */
    dk_app_submit_fn submit;
    void *submit_ctx;
    int a11y_open;
    int staff_taps;
    uint32_t staff_first_tap;
    int pin_open, pin_wrong, staff_unlocked;
    char pin[PIN_MAX + 1];
    int quit;
    dk_arena *data_arena;
    screen_data data;
    dk_app_status status;
    dk_app_sync_view sync;
    int sync_request;
    dk_app_refused_view refused; /* the outbox's quarantine, from the kiosk */
    int refused_known;           /* 1 once the kiosk said anything about it */
    dk_app_refused_fn refused_fn;
    void *refused_ctx;
    int refused_confirm;    /* "delete for good?" is open */
    int refused_outcome;    /* REFUSED_*: what the last action did, for the status line */
    long long refused_done; /* ... to how many */
    int redraw;             /* draw again at once: a staff action's outcome is ready */
    int focus_y; /* [px] from the top of the content to the focused date's card, -1 none */
    char today[11], now_text[17];
    long long wall_clock; /* [s since 1970] tests set the wall clock; 0: the real one */
    int speech_available; /* the kiosk can speak: "read aloud" is offered */
    int speech_request;   /* DK_APP_SPEECH_*: what the kiosk should do after this frame */
    int speech_armed;     /* "read aloud" was tapped: read the frame after (without the panel) */
    char band_image[DK_SHA256_HEX]; /* low-reach mode: the picture above the reach line */
};

/* What the last action on refused registrations did (the status line under the buttons). */
enum { REFUSED_NOTHING, REFUSED_SENT, REFUSED_DELETED, REFUSED_CHANGED, REFUSED_FAILED };

static const char *const screen_names[DK_SCREEN_COUNT] = {
    "attract", "home", "district", "projects", "project", "groups",
    "group", "dates", "page", "search", "staff", "signup", "thanks"};

const char *dk_screen_name(dk_screen s)
{
    return (unsigned)s < DK_SCREEN_COUNT ? screen_names[s] : "?";
}

/* ---- session ---- */

static void reset_session(dk_app *app)
{
    app->lang = DK_LANG_DE;
    app->large_text = app->high_contrast = app->low_reach = 0;
    app->depth = 1;
    app->stack[0] = (nav){DK_SCREEN_ATTRACT, "", 0, "", 0};
    app->warning = 0;
    app->a11y_open = 0;
    app->pin_open = app->pin_wrong = app->staff_unlocked = 0;
    app->refused_confirm = 0;
    app->refused_outcome = REFUSED_NOTHING;
    dk_wipe(app->pin, sizeof app->pin);
    dk_wipe(app->search, sizeof app->search); /* what a visitor typed goes with them */
    app->search_cursor = 0;
    dk_keyboard_reset(&app->search_kb);
    dk_form_wipe(app->form);
    app->slide_start = app->now;
    app->paused = 0;
    app->data.loaded = 0;
    if (app->pending) { /* new content waited for this moment */
        app->store = app->pending;
        app->pending = NULL;
    }
}

dk_app *dk_app_new(const dk_config *cfg, dk_store *store)
{
    dk_app *app = calloc(1, sizeof *app);
    if (!app)
        return NULL;
    app->cfg = cfg;
    app->store = store;
    app->data_arena = dk_arena_new(DATA_BUDGET);
    app->form = dk_form_new();
    if (!app->data_arena || !app->form) {
        dk_arena_free(app->data_arena);
        dk_form_free(app->form);
        free(app);
        return NULL;
    }
    reset_session(app);
    return app;
}

void dk_app_free(dk_app *app)
{
    if (!app)
        return;
    dk_arena_free(app->data_arena);
    dk_form_free(app->form); /* wipes it */
    dk_wipe(app, sizeof *app);
    free(app);
}

int dk_app_offer_store(dk_app *app, dk_store *store)
{
    if (app->stack[app->depth - 1].screen == DK_SCREEN_ATTRACT) {
        app->store = store;
        app->pending = NULL;
        app->data.loaded = 0;
        return 1;
    }
    app->pending = store;
    return 0;
}

dk_store *dk_app_store_in_use(const dk_app *app)
{
    return app->store;
}

int dk_app_quit_requested(const dk_app *app)
{
    return app->quit;
}

void dk_app_set_status(dk_app *app, const dk_app_status *status)
{
    app->status = *status;
}

void dk_app_set_sync_view(dk_app *app, const dk_app_sync_view *v)
{
    app->sync = *v;
    app->sync.issued[sizeof app->sync.issued - 1] = '\0';
    app->sync.error[sizeof app->sync.error - 1] = '\0';
}

void dk_app_set_refused_view(dk_app *app, const dk_app_refused_view *v)
{
    app->refused = *v;
    if (app->refused.groups < 0)
        app->refused.groups = 0;
    if (app->refused.groups > DK_APP_REFUSED_GROUPS)
        app->refused.groups = DK_APP_REFUSED_GROUPS;
    app->refused_known = 1;
    if (app->refused.refused <= 0)
        app->refused_confirm = 0; /* nothing left to confirm */
}

void dk_app_set_refused_handler(dk_app *app, dk_app_refused_fn fn, void *ctx)
{
    app->refused_fn = fn;
    app->refused_ctx = fn ? ctx : NULL;
    if (!fn)
        app->refused_confirm = 0;
}

void dk_app_set_submit(dk_app *app, dk_app_submit_fn fn, void *ctx)
{
    app->submit = fn;
    app->submit_ctx = fn ? ctx : NULL;
}

void dk_app_set_speech_available(dk_app *app, int available)
{
    app->speech_available = available;
}

int dk_app_take_speech_request(dk_app *app)
{
    int r = app->speech_request;
    app->speech_request = DK_APP_SPEECH_NONE;
    return r;
}

void dk_app_set_wall_clock(dk_app *app, long long unix_s)
{
    app->wall_clock = unix_s;
    app->data.loaded = 0; /* "today" and the upcoming dates follow the clock */
}

int dk_app_take_sync_request(dk_app *app)
{
    int r = app->sync_request;
    app->sync_request = 0;
    return r;
}

dk_screen dk_app_screen(const dk_app *app)
{
    return app->stack[app->depth - 1].screen;
}
dk_lang dk_app_lang(const dk_app *app)
{
    return app->lang;
}
int dk_app_large_text(const dk_app *app)
{
    return app->large_text;
}
int dk_app_high_contrast(const dk_app *app)
{
    return app->high_contrast;
}
int dk_app_low_reach(const dk_app *app)
{
    return app->low_reach;
}
const char *dk_app_search_text(const dk_app *app)
{
    return app->search;
}
int dk_app_form_is_wiped(const dk_app *app)
{
    return dk_form_is_wiped(app->form);
}
int dk_app_nav_depth(const dk_app *app)
{
    return app->depth;
}

dk_theme dk_app_theme(const dk_app *app)
{
    return app->high_contrast ? DK_THEME_HIGH_CONTRAST : DK_THEME_NORMAL;
}

void dk_app_metrics(const dk_app *app, int width, int height, dk_metrics *out)
{
    /* The configured size is validated by dk_config; a failure here falls back inside. */
    dk_err err = dk_metrics_init(out, width, height, app->cfg->screen_width_mm,
                                 app->cfg->screen_height_mm, app->large_text);
    (void)err;
}

/* ---- navigation ---- */

static void go(dk_app *app, dk_ui *ui, dk_screen screen, const char *arg, unsigned filter)
{
    if (app->depth == NAV_MAX) { /* keep the newest screens */
        memmove(app->stack + 1, app->stack + 2, (NAV_MAX - 2) * sizeof *app->stack);
        app->depth--;
    }
    nav *n = &app->stack[app->depth++];
    n->screen = screen;
    snprintf(n->arg, sizeof n->arg, "%s", arg ? arg : "");
    n->filter = filter;
    n->focus[0] = '\0';
    n->focus_pending = 0;
    app->data.loaded = 0;
    dk_ui_scroll_reset_all(ui);
    dk_ui_pointer_cancel(ui);
}

static int is_form(dk_screen s)
{
    return s == DK_SCREEN_SIGNUP || s == DK_SCREEN_THANKS;
}

static void go_home(dk_app *app, dk_ui *ui)
{
    for (int i = 0; i < app->depth; i++)
        if (is_form(app->stack[i].screen))
            dk_form_wipe(app->form); /* leaving the form wipes it (DOMAIN.md) */
    app->depth = 1;
    go(app, ui, DK_SCREEN_HOME, "", 0);
}

/* The dates list, scrolled to one date and highlighting it (a search hit). */
static void go_date(dk_app *app, dk_ui *ui, const char *id)
{
    go(app, ui, DK_SCREEN_DATES, "", 0);
    nav *n = &app->stack[app->depth - 1];
    snprintf(n->focus, sizeof n->focus, "%s", id);
    n->focus_pending = 1;
}

static void go_back(dk_app *app, dk_ui *ui)
{
    if (is_form(app->stack[app->depth - 1].screen))
        dk_form_wipe(app->form); /* leaving the form wipes it (DOMAIN.md) */
    if (app->depth > 2)
        app->depth--;
    else
        app->depth = 2, app->stack[1] = (nav){DK_SCREEN_HOME, "", 0, "", 0};
    nav *n = &app->stack[app->depth - 1];
    n->focus_pending = n->focus[0] != '\0'; /* scrolls start at the top again */
    app->data.loaded = 0;
    dk_ui_scroll_reset_all(ui);
    dk_ui_pointer_cancel(ui);
}

/* ---- data ---- */

static time_t wall_now(const dk_app *app)
{
    return app->wall_clock ? (time_t)app->wall_clock : time(NULL);
}

static void update_clock(dk_app *app)
{
    time_t t = wall_now(app);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(app->today, sizeof app->today, "%Y-%m-%d", &tm);
    strftime(app->now_text, sizeof app->now_text, "%Y-%m-%dT%H:%M", &tm);
}

static dk_err load_focus_date(dk_app *app, const char *id);

/* Low-reach mode leaves the top of the screen out of use; a district's picture there (this
 * district's, else this hall's, else the first) keeps it from looking empty or broken. The
 * picture is decoration: its element has no label, so it is not read aloud. */
static void band_picture(dk_app *app, const char *district)
{
    app->band_image[0] = '\0';
    if (!app->low_reach)
        return;
    dk_arena *a = app->data_arena;
    dk_district d, *list;
    size_t n;
    const char *slug = district && district[0] ? district : app->cfg->home_district;
    if (slug[0] && dk_store_district(app->store, slug, DK_LANG_DE, a, &d) == DK_OK && d.hero.hash[0])
        memcpy(app->band_image, d.hero.hash, DK_SHA256_HEX);
    else if (dk_store_districts(app->store, DK_LANG_DE, a, &list, &n) == DK_OK && n)
        memcpy(app->band_image, list[0].hero.hash, DK_SHA256_HEX);
}

static void load(dk_app *app)
{
    screen_data *d = &app->data;
    if (d->loaded)
        return;
    dk_arena_reset(app->data_arena);
    memset(d, 0, sizeof *d);
    d->loaded = 1;
    update_clock(app);
    const nav *n = &app->stack[app->depth - 1];
    dk_arena *a = app->data_arena;
    dk_lang l = app->lang;
    dk_store *s = app->store;
    const char *district = n->filter & 1 ? n->arg : NULL;
    dk_err err = DK_OK;
    switch (n->screen) {
    case DK_SCREEN_ATTRACT:
    case DK_SCREEN_HOME:
        err = dk_store_districts(s, l, a, &d->districts, &d->ndistricts);
        break;
    case DK_SCREEN_DISTRICT:
        if (!(err = dk_store_district(s, n->arg, l, a, &d->district)) &&
            !(err = dk_store_projects(s, n->arg, DK_STORE_ALL_STATUSES, app->today, l, a,
                                      &d->projects, &d->nprojects)) &&
            !(err = dk_store_groups(s, n->arg, DK_STORE_ALL_KINDS, l, a, &d->groups, &d->ngroups)))
            err = dk_store_dates(s, app->now_text, n->arg, NULL, NULL, LIST_DATES, l, a, &d->dates,
                                 &d->ndates);
        break;
    case DK_SCREEN_PROJECTS:
        if (!(err = dk_store_districts(s, l, a, &d->districts, &d->ndistricts)))
            err = dk_store_projects(s, district, n->filter >> 1 ? n->filter >> 1
                                                                : DK_STORE_ALL_STATUSES,
                                    app->today, l, a, &d->projects, &d->nprojects);
        break;
    case DK_SCREEN_PROJECT:
        if (!(err = dk_store_project(s, n->arg, l, a, &d->project)) &&
            !(err = dk_store_district(s, d->project.district, l, a, &d->district)) &&
            !(err = dk_store_project_groups(s, n->arg, l, a, &d->groups, &d->ngroups)))
            err = dk_store_dates(s, app->now_text, NULL, NULL, n->arg, LIST_DATES, l, a,
                                 &d->dates, &d->ndates);
        break;
    case DK_SCREEN_GROUPS:
        if (!(err = dk_store_districts(s, l, a, &d->districts, &d->ndistricts)))
            err = dk_store_groups(s, district, DK_STORE_ALL_KINDS, l, a, &d->groups, &d->ngroups);
        break;
    case DK_SCREEN_GROUP:
        if (!(err = dk_store_group(s, n->arg, l, a, &d->group)) &&
            !(err = dk_store_district(s, d->group.district, l, a, &d->district)))
            err = dk_store_dates(s, app->now_text, NULL, n->arg, NULL, LIST_DATES, l, a,
                                 &d->dates, &d->ndates);
        break;
    case DK_SCREEN_DATES:
        if (!(err = dk_store_districts(s, l, a, &d->districts, &d->ndistricts)))
            err = dk_store_dates(s, app->now_text, district, NULL, NULL, 200, l, a, &d->dates,
                                 &d->ndates);
        if (!err && n->focus[0])
            err = load_focus_date(app, n->focus);
        break;
    case DK_SCREEN_PAGE:
        if (!(err = dk_store_page(s, n->arg, l, a, &d->page)) && l != DK_LANG_DE) {
            /* The store gives German where a text is missing. A body in German under a title in
             * the visitor's language would claim a translation that is not there: then the
             * title is the German one too, and the screen says so. */
            dk_page de;
            if (!(err = dk_store_page(s, n->arg, DK_LANG_DE, a, &de)) &&
                strcmp(d->page.body_md, de.body_md) == 0) {
                d->page.title = de.title;
                d->page_german_only = 1;
            }
        }
        break;
    case DK_SCREEN_SIGNUP:
    case DK_SCREEN_THANKS: {
        /* The districts (to choose one, when the form has none), the form's district and its
         * groups that take members, and the two layers of privacy information. */
        const char *dist = dk_form_district_slug(app->form);
        if (!(err = dk_store_districts(s, l, a, &d->districts, &d->ndistricts)) && dist[0] &&
            !(err = dk_store_district(s, dist, l, a, &d->district)) &&
            !(err = dk_store_groups(s, dist, DK_STORE_ALL_KINDS, l, a, &d->groups, &d->ngroups))) {
            size_t open = 0;
            for (size_t i = 0; i < d->ngroups; i++)
                if (d->groups[i].open)
                    d->groups[open++] = d->groups[i];
            d->ngroups = open;
        }
        if (!err && !(err = dk_store_page(s, "consent", l, a, &d->page)))
            err = dk_store_page(s, "privacy", l, a, &d->privacy);
        break;
    }
    case DK_SCREEN_SEARCH:
    case DK_SCREEN_STAFF:
    case DK_SCREEN_COUNT:
        break;
    }
    if (err) {
        d->err = err;
        dk_warn("screen %s (%s): %s", dk_screen_name(n->screen), n->arg, dk_error_detail());
    }
    band_picture(app, n->screen == DK_SCREEN_DISTRICT ? n->arg : NULL);
}

/* Finds the date a search hit named: in the list (usually), else among all dates (one that has
 * already taken place is not in the list of upcoming ones). Not found is no error: the list is
 * shown as it is. */
static dk_err load_focus_date(dk_app *app, const char *id)
{
    screen_data *d = &app->data;
    for (size_t i = 0; i < d->ndates; i++)
        if (strcmp(d->dates[i].id, id) == 0) {
            d->focus_found = 1;
            return DK_OK;
        }
    dk_date *all = NULL;
    size_t nall = 0;
    dk_err err = dk_store_dates(app->store, NULL, NULL, NULL, NULL, ALL_DATES, app->lang,
                                app->data_arena, &all, &nall);
    for (size_t i = 0; !err && i < nall; i++)
        if (strcmp(all[i].id, id) == 0) {
            d->focus_date = all[i];
            d->focus_found = 2;
        }
    return err;
}

static void load_search(dk_app *app)
{
    screen_data *d = &app->data;
    if (strcmp(d->search_for, app->search) == 0 && d->hits)
        return;
    snprintf(d->search_for, sizeof d->search_for, "%s", app->search);
    d->hits = NULL;
    d->nhits = 0;
    if (!app->search[0])
        return;
    if (dk_arena_used(app->data_arena) > DATA_BUDGET / 2)
        dk_arena_reset(app->data_arena); /* results of earlier keystrokes are not needed */
    if (dk_store_search(app->store, app->search, app->lang, SEARCH_HITS, app->data_arena, &d->hits,
                        &d->nhits))
        dk_warn("search failed: %s", dk_error_detail());
}

static const dk_district *find_district(const dk_app *app, const char *slug)
{
    for (size_t i = 0; i < app->data.ndistricts; i++)
        if (strcmp(app->data.districts[i].slug, slug) == 0)
            return &app->data.districts[i];
    return NULL;
}

/* ---- layout helpers ---- */

/* The part of the screen the UI uses: all of it, or in low-reach mode only what lies below the
 * reach limit (EN 301 549 8.3), so every control can be reached from a wheelchair. */
static dk_rect viewport(const dk_app *app, const dk_metrics *m)
{
    dk_rect r = {0, 0, m->width_px, m->height_px};
    if (app->low_reach) {
        int top = dk_reach_top_y(m, app->cfg->screen_bottom_mm);
        int min_h = m->height_px / 2; /* never squeeze the UI below half the screen */
        if (top > m->height_px - min_h)
            top = m->height_px - min_h;
        if (top > 0) {
            r.y = top;
            r.h -= top;
        }
    }
    return r;
}

static const char *S(const dk_app *app, dk_string_id id)
{
    return dk_i18n(app->lang, id);
}

static char *fmt(dk_ui *ui, const char *f, ...) DK_PRINTF(2, 3);
static char *fmt(dk_ui *ui, const char *f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    char *s = dk_arena_strdup(dk_ui_arena(ui), buf);
    return s ? s : "";
}

static char *date_text(dk_ui *ui, const dk_app *app, const char *when, int weekday)
{
    char buf[128];
    dk_i18n_format_date(app->lang, when, buf, sizeof buf, weekday);
    char *s = dk_arena_strdup(dk_ui_arena(ui), buf);
    return s ? s : "";
}

/* A vertical flow inside the content column. */
typedef struct flow {
    int x, y, w;
} flow;

static int text(dk_ui *ui, flow *f, int font, dk_color_role role, dk_el_role el, const char *t)
{
    if (!t || !*t)
        return 0;
    dk_rect r = {f->x, f->y, f->w, 100000};
    int h = dk_ui_text_block(ui, r, font, dk_ui_color(ui, role), DK_ALIGN_LEFT, el, t);
    f->y += h;
    return h;
}

static void space(dk_ui *ui, flow *f, double units)
{
    f->y += (int)(dk_ui_metrics(ui)->unit_px * units);
}

static void heading(dk_ui *ui, flow *f, const char *t)
{
    space(ui, f, 2);
    text(ui, f, DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), DK_C_HEADING, DK_EL_HEADING, t);
    space(ui, f, 1);
}

static int button_row(dk_ui *ui, flow *f, const char *label, const char *name)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_rect r = {f->x, f->y, f->w, m->target_px};
    int tapped = dk_ui_button(ui, r, label, name, DK_BUTTON_SECONDARY, 0);
    f->y += m->target_px + m->gap_px;
    return tapped;
}

/* "Example" badge before a title: returns the width used. */
static int badge(dk_ui *ui, const dk_app *app, int x, int y)
{
    const char *label = S(app, DK_S_EXAMPLE);
    int font = DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD);
    const dk_ui_text_backend *tb = dk_ui_text(ui);
    int w = tb->measure(tb->ctx, font, label, strlen(label));
    int lh = 0, asc = 0;
    tb->metrics(tb->ctx, font, &lh, &asc);
    int pad = dk_ui_mm(ui, 1.5);
    dk_rect r = {x, y, (w > 0 ? w : 0) + 2 * pad, lh};
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_BADGE_BG), dk_ui_metrics(ui)->radius_px);
    dk_ui_text_block(ui, (dk_rect){x + pad, y, r.w, lh}, font, dk_ui_color(ui, DK_C_ON_BADGE),
                     DK_ALIGN_LEFT, DK_EL_TEXT, label);
    return r.w + pad;
}

/* A picture for a card: an image object, or (no hash) one drawn in the district's colour. */
typedef struct card_picture {
    const char *hash, *alt; /* the image; hash NULL or "" for a drawn one */
    const char *color;      /* the district's "#rrggbb", for a drawn one */
    const char *district;   /* the district's name, for a drawn one's text alternative */
    const char *slug;       /* the project's, for the drawn one's test name "picture:<slug>" */
} card_picture;

/* A small integer from a text, the same in every run: a drawn picture's pattern. */
static unsigned text_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A project's picture when it has no image (UI.md: "an image or a generated card in the
 * district's colour"): the district colour with a calm pattern of circles in a lighter tint
 * (which circles, and where, follow from the project's slug, so each project keeps its own),
 * and, when there is room (show_name), the district's name on the plain colour. Decoration
 * only: the pattern carries no meaning and the name is also in the card's text. */
static void drawn_picture(dk_ui *ui, dk_rect r, const card_picture *p, int show_name)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_theme theme = dk_ui_theme(ui);
    dk_district_colors dc =
        dk_theme_district_colors(theme, dk_color_parse(p->color, dk_ui_color(ui, DK_C_ACCENT)));
    char name[96];
    snprintf(name, sizeof name, "picture:%s", p->slug ? p->slug : "");
    dk_ui_element(ui, DK_EL_IMAGE, r, p->district ? p->district : "", name, 0);
    dk_ui_fill(ui, r, dc.fill, m->radius_px);
    dk_color tint = dc.text;
    tint.a = 46; /* 18 %: a pattern seen, not read */
    tint = dk_color_blend(tint, dc.fill);
    int font = DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD);
    int band = 0; /* the plain strip at the bottom that carries the name */
    if (show_name && p->district && p->district[0]) {
        band = dk_ui_text_height(ui, r.w - 4 * m->unit_px, font, p->district) + 3 * m->unit_px;
        if (band > r.h / 2)
            band = 0; /* no room: the pattern alone */
    }
    /* The pattern keeps to the right and above the name's strip; the picture's own edges may
     * cut it (as a photo's frame would), the strip never does. */
    unsigned h = text_hash(p->slug);
    dk_rect a = {r.x, r.y, r.w, r.h - band};
    dk_ui_clip_begin(ui, r);
    for (int i = 0; i < 4; i++, h = h * 1103515245u + 12345u) {
        int d = a.h * (int)(35 + (h >> 8) % 56) / 100; /* 35..90 % of the height */
        if (d > a.w * 2 / 5)
            d = a.w * 2 / 5;
        int cx = a.x + a.w * (int)(35 + (h >> 16) % 75) / 100; /* 35..109 % of the width */
        int bottom = a.y + a.h - (band ? 0 : -d / 3) - (int)((h >> 4) % 100) * a.h / 200;
        dk_rect c = {cx - d / 2, bottom - d, d, d};
        if (i % 2 == 0 || dk_theme_outlines_all(theme))
            dk_ui_outline(ui, c, tint, d / 2, d / 9 > 2 ? d / 9 : 2);
        else
            dk_ui_fill(ui, c, tint, d / 2);
    }
    dk_ui_clip_end(ui);
    if (band)
        dk_ui_text_block(ui, (dk_rect){r.x + 2 * m->unit_px, r.y + r.h - band + m->unit_px,
                                       r.w - 4 * m->unit_px, band - m->unit_px},
                         font, dc.text, DK_ALIGN_LEFT, DK_EL_TEXT, p->district);
    if (dc.needs_outline || dk_theme_outlines_all(theme))
        dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
}

static void picture(dk_ui *ui, dk_rect r, const card_picture *p, int show_name)
{
    if (p->hash && p->hash[0])
        dk_ui_image(ui, r, p->hash, DK_FIT_COVER, p->alt);
    else
        drawn_picture(ui, r, p, show_name);
}

/* A card for a list entry (project, group, date): title, a line below, example badge, and for
 * projects a picture on the left. flags: DK_EL_SELECTED draws it highlighted (a focus ring).
 * Returns 1 when tapped. */
static int card(dk_ui *ui, const dk_app *app, flow *f, const char *title, const char *sub,
                const char *sub2, int example, const char *name, const card_picture *pic,
                unsigned flags)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int pad = m->unit_px * 2;
    int inner = f->w - 2 * pad;
    /* A picture at the left, 4:3, when the text beside it keeps lines of some 40 characters;
     * otherwise (portrait, larger text) a strip across the top of the card. */
    int pic_w = 0, pic_h = 0, pic_top = 0;
    if (pic) {
        pic_w = dk_ui_mm(ui, THUMB_MM);
        if (pic_w > inner / 3)
            pic_w = inner / 3;
        pic_h = pic_w * 3 / 4;
        if (inner - pic_w - pad >= m->font_px[DK_FONT_SMALL] * 22) {
            inner -= pic_w + pad;
        } else {
            pic_w = inner;
            pic_h = inner / 5;
            pic_top = pic_h + pad;
        }
    }
    int tx = f->x + pad + (pic && !pic_top ? pic_w + pad : 0);
    int title_font = DK_UI_FONT(DK_FONT_H3, DK_UI_BOLD), body = DK_UI_FONT(DK_FONT_SMALL, 0);
    const dk_ui_text_backend *tb = dk_ui_text(ui);
    int blh = 0, basc = 0;
    tb->metrics(tb->ctx, DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD), &blh, &basc);
    int text_h = (example ? blh + m->unit_px : 0) + dk_ui_text_height(ui, inner, title_font, title) +
                 (sub && *sub ? m->unit_px + dk_ui_text_height(ui, inner, body, sub) : 0) +
                 (sub2 && *sub2 ? dk_ui_text_height(ui, inner, body, sub2) : 0);
    int h = pad + (pic_top ? pic_top + text_h : text_h > pic_h ? text_h : pic_h) + pad;
    if (h < m->target_px)
        h = m->target_px;
    dk_rect r = {f->x, f->y, f->w, h};
    int pressed = 0;
    int selected = (flags & DK_EL_SELECTED) != 0;
    int tapped = dk_ui_hit(ui, r, title, name, flags, &pressed);
    dk_ui_fill(ui, r, dk_ui_color(ui, pressed ? DK_C_SURFACE_PRESSED : DK_C_SURFACE), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, selected ? DK_C_FOCUS : DK_C_OUTLINE), m->radius_px,
                  selected ? m->focus_px : m->outline_px);
    if (pic)
        picture(ui, (dk_rect){r.x + pad, r.y + pad, pic_w, pic_h}, pic, 0);
    int y = r.y + pad + pic_top;
    if (example) {
        badge(ui, app, tx, y);
        y += blh + m->unit_px;
    }
    y += dk_ui_text_block(ui, (dk_rect){tx, y, inner, 100000}, title_font,
                          dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_TEXT, title);
    if (sub && *sub) {
        y += m->unit_px;
        y += dk_ui_text_block(ui, (dk_rect){tx, y, inner, 100000}, body,
                              dk_ui_color(ui, DK_C_TEXT_MUTED), DK_ALIGN_LEFT, DK_EL_TEXT, sub);
    }
    if (sub2 && *sub2)
        dk_ui_text_block(ui, (dk_rect){tx, y, inner, 100000}, body,
                         dk_ui_color(ui, DK_C_TEXT_MUTED), DK_ALIGN_LEFT, DK_EL_TEXT, sub2);
    f->y += h + m->gap_px;
    return tapped;
}

static const char *status_text(const dk_app *app, dk_project_status s)
{
    static const dk_string_id ids[] = {DK_S_STATUS_PLANNED, DK_S_STATUS_RUNNING,
                                       DK_S_STATUS_COMPLETED};
    return S(app, ids[(unsigned)s < DK_STATUS_COUNT ? s : 0]);
}

static const char *kind_text(const dk_app *app, dk_group_kind k)
{
    static const dk_string_id ids[] = {DK_S_GROUP_KIND_STEERING, DK_S_GROUP_KIND_MARKETING,
                                       DK_S_GROUP_KIND_PROJECT, DK_S_GROUP_KIND_WORKING};
    return S(app, ids[(unsigned)k < DK_GROUP_KIND_COUNT ? k : 0]);
}

/* How many columns of tiles fit in width: each at least ems button-font ems wide (so that a
 * district's name fits), at most max. Larger text and portrait screens get fewer columns. */
static int grid_columns(const dk_metrics *m, int width, int ems, int max)
{
    int min_w = m->font_px[DK_FONT_BUTTON] * ems;
    int cols = min_w > 0 ? (width + m->gap_px) / (min_w + m->gap_px) : 1;
    return cols < 1 ? 1 : cols > max ? max : cols;
}

/* ---- chrome: header and bottom bar ---- */

/* Height of a button that may need two lines of the button font (long German words). */
static int bar_button_h(const dk_metrics *m)
{
    int two = 2 * m->line_px[DK_FONT_BUTTON] + 2 * m->unit_px;
    return two > m->target_px ? two : m->target_px;
}

static int header(dk_app *app, dk_ui *ui, dk_rect vp, const char *title, const char *color)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    /* A long title (a project's) takes a second line rather than being cut. */
    int font = DK_UI_FONT(DK_FONT_TITLE, DK_UI_BOLD);
    int tw = vp.w - 2 * m->margin_px - m->target_px;
    int th = dk_ui_text_height(ui, tw, font, title);
    if (th > 2 * m->line_px[DK_FONT_TITLE]) {
        font = DK_UI_FONT(DK_FONT_H3, DK_UI_BOLD);
        th = dk_ui_text_height(ui, tw, font, title);
    }
    int h = th + 2 * m->unit_px;
    if (h < m->target_px + 2 * m->unit_px)
        h = m->target_px + 2 * m->unit_px;
    dk_rect r = {vp.x, vp.y, vp.w, h};
    dk_color bg = dk_ui_color(ui, DK_C_HEADER_BG), fg = dk_ui_color(ui, DK_C_ON_HEADER);
    if (color && *color) {
        dk_district_colors dc = dk_theme_district_colors(dk_ui_theme(ui), dk_color_parse(color, bg));
        bg = dc.fill;
        fg = dc.text;
    }
    dk_ui_fill(ui, r, bg, 0);
    if (dk_theme_outlines_all(dk_ui_theme(ui))) /* black on black: a rule shows the band's end */
        dk_ui_fill(ui, (dk_rect){vp.x, vp.y + h - m->outline_px, vp.w, m->outline_px},
                   dk_ui_color(ui, DK_C_OUTLINE), 0);
    dk_rect tr = {vp.x + m->margin_px, vp.y + (h - th) / 2, tw, th};
    dk_ui_text_block(ui, tr, font, fg, DK_ALIGN_LEFT, DK_EL_HEADING, title);
    /* The staff entry: several quick taps on the header's top right corner, which visitors
     * have no reason to touch; it opens a PIN prompt, nothing more. */
    dk_rect corner = {vp.x + vp.w - m->target_px, vp.y, m->target_px, h};
    if (dk_ui_hit(ui, corner, "", "staff-corner", 0, NULL)) {
        if (app->staff_taps == 0 || app->now - app->staff_first_tap > STAFF_TAP_WINDOW_MS) {
            app->staff_first_tap = app->now;
            app->staff_taps = 0;
        }
        if (++app->staff_taps >= STAFF_TAPS) {
            app->staff_taps = 0;
            app->pin_open = 1;
            app->pin_wrong = 0;
            dk_wipe(app->pin, sizeof app->pin);
        }
    }
    return h;
}

/* The bar every screen has, always in reach: back, home, the three languages (each named in
 * itself) and the accessibility options. One row in landscape; two rows of three in portrait,
 * where six buttons side by side would be too narrow for the words. */
static int bottom_bar(dk_app *app, dk_ui *ui, dk_rect vp)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int bh = bar_button_h(m);
    int rows = m->portrait ? 2 : 1, cols = 6 / rows;
    int gap = m->gap_px;
    int h = rows * bh + (rows - 1) * gap + 2 * m->unit_px;
    dk_rect bar = {vp.x, vp.y + vp.h - h, vp.w, h};
    dk_ui_fill(ui, bar, dk_ui_color(ui, DK_C_BAR_BG), 0);
    int w = (vp.w - 2 * m->unit_px - (cols - 1) * gap) / cols;
    dk_rect cell[6];
    for (int i = 0; i < 6; i++)
        cell[i] = (dk_rect){vp.x + m->unit_px + (i % cols) * (w + gap),
                            bar.y + m->unit_px + (i / cols) * (bh + gap), w, bh};
    /* Portrait puts navigation and accessibility in the lower row, nearest to the hand. */
    static const int landscape[6] = {0, 1, 2, 3, 4, 5}, portrait[6] = {3, 4, 0, 1, 2, 5};
    const int *at = m->portrait ? portrait : landscape;
    if (dk_ui_button(ui, cell[at[0]], S(app, DK_S_BACK), "back", DK_BUTTON_BAR, 0))
        go_back(app, ui);
    if (dk_ui_button(ui, cell[at[1]], S(app, DK_S_HOME), "home", DK_BUTTON_BAR, 0))
        go_home(app, ui);
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        char name[16];
        snprintf(name, sizeof name, "lang:%s", dk_lang_code((dk_lang)l));
        if (dk_ui_button(ui, cell[at[2 + l]], dk_lang_native_name((dk_lang)l), name, DK_BUTTON_BAR,
                         app->lang == (dk_lang)l ? DK_EL_SELECTED : 0) &&
            app->lang != (dk_lang)l) {
            app->lang = (dk_lang)l;
            app->data.loaded = 0; /* content in the new language */
            app->data.search_for[0] = '\0';
        }
    }
    if (dk_ui_button(ui, cell[at[5]], S(app, DK_S_ACCESSIBILITY), "accessibility", DK_BUTTON_BAR,
                     app->a11y_open ? DK_EL_SELECTED : 0))
        app->a11y_open = !app->a11y_open;
    return h;
}

/* ---- screens ---- */

/* The way to the sign-up form, with the groups preselected (NULL: every group of the district
 * that takes members; district NULL: the visitor chooses one first). Only where registrations
 * can be stored: without a submit function there is no button (no dead ends). */
static int signup_offered(const dk_app *app)
{
    return app->submit != NULL;
}

static void signup_button(dk_app *app, dk_ui *ui, flow *f, const char *district,
                          const char *const *groups, size_t n)
{
    if (!signup_offered(app))
        return;
    const dk_metrics *m = dk_ui_metrics(ui);
    int h = bar_button_h(m);
    if (dk_ui_button(ui, (dk_rect){f->x, f->y, f->w, h}, S(app, DK_S_REGISTER_INTEREST), "signup",
                     DK_BUTTON_PRIMARY, 0)) {
        dk_form_start(app->form, district, groups, n); /* copies the slugs */
        go(app, ui, DK_SCREEN_SIGNUP, district ? district : "", 0);
    }
    f->y += h + m->gap_px;
}

static void district_tile(dk_app *app, dk_ui *ui, dk_rect r, const dk_district *d, int big)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    char name[96];
    snprintf(name, sizeof name, "district:%s", d->slug);
    int pressed = 0;
    int tapped = dk_ui_hit(ui, r, d->name, name, 0, &pressed);
    dk_color fallback = dk_ui_color(ui, DK_C_ACCENT);
    dk_district_colors dc = dk_theme_district_colors(dk_ui_theme(ui), dk_color_parse(d->color, fallback));
    dk_ui_fill(ui, r, pressed ? dc.fill_pressed : dc.fill, m->radius_px);
    if (dc.needs_outline || dk_theme_outlines_all(dk_ui_theme(ui)))
        dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    int pad = m->unit_px * 2;
    if (big && d->hero.hash[0]) {
        dk_rect img = {r.x + r.w / 2, r.y, r.w - r.w / 2, r.h};
        dk_ui_image(ui, img, d->hero.hash, DK_FIT_COVER, d->hero.alt);
    }
    int tw = big ? r.w / 2 - 2 * pad : r.w - 2 * pad;
    if (!big) {
        dk_ui_label(ui, (dk_rect){r.x + pad, r.y + pad / 2, tw, r.h - pad}, d->name,
                    DK_UI_FONT(DK_FONT_BUTTON, DK_UI_BOLD), dc.text, DK_ALIGN_LEFT);
    } else {
        int y = r.y + pad;
        y += dk_ui_text_block(ui, (dk_rect){r.x + pad, y, tw, r.h - 2 * pad},
                              DK_UI_FONT(DK_FONT_H1, DK_UI_BOLD), dc.text, DK_ALIGN_LEFT,
                              DK_EL_TEXT, d->name);
        y += m->unit_px;
        dk_ui_text_block(ui, (dk_rect){r.x + pad, y, tw, r.y + r.h - pad - y},
                         DK_UI_FONT(DK_FONT_BODY, 0), dc.text, DK_ALIGN_LEFT, DK_EL_TEXT,
                         d->short_text);
    }
    if (tapped)
        go(app, ui, DK_SCREEN_DISTRICT, d->slug, 0);
}

static void screen_home(dk_app *app, dk_ui *ui, flow *f)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const screen_data *d = &app->data;
    const dk_district *home = app->cfg->home_district[0] ? find_district(app, app->cfg->home_district)
                                                         : NULL;
    if (home) {
        text(ui, f, DK_UI_FONT(DK_FONT_H3, DK_UI_BOLD), DK_C_TEXT_MUTED, DK_EL_TEXT,
             S(app, DK_S_YOUR_DISTRICT));
        space(ui, f, 1);
        int h = m->portrait ? f->w / 2 : f->w / 4;
        district_tile(app, ui, (dk_rect){f->x, f->y, f->w, h}, home, 1);
        f->y += h + m->gap_px;
    }
    /* The programme's entries. */
    static const dk_string_id entries[] = {DK_S_CURRENT_PROJECTS, DK_S_WORKING_GROUPS, DK_S_DATES,
                                           DK_S_SEARCH, DK_S_ABOUT, DK_S_REGISTER_INTEREST};
    static const char *const names[] = {"projects", "groups", "dates", "search", "about", "signup"};
    int n = signup_offered(app) ? 6 : 5;
    int cols = grid_columns(m, f->w, 13, 3), gap = m->gap_px;
    int w = (f->w - (cols - 1) * gap) / cols, h = bar_button_h(m);
    space(ui, f, 1);
    for (int i = 0; i < n; i++) {
        dk_rect r = {f->x + (i % cols) * (w + gap), f->y + (i / cols) * (h + gap), w, h};
        if (i == n - 1 && i % cols == 0)
            r.w = f->w; /* the last one alone in its row takes the whole row */
        if (dk_ui_button(ui, r, S(app, entries[i]), names[i], DK_BUTTON_PRIMARY, 0)) {
            if (i == 5) { /* the home district's groups, or the visitor chooses a district */
                dk_form_start(app->form, home ? home->slug : NULL, NULL, 0);
                go(app, ui, DK_SCREEN_SIGNUP, home ? home->slug : "", 0);
                return;
            }
            if (i == 0)
                go(app, ui, DK_SCREEN_PROJECTS, home ? home->slug : "",
                   DK_STORE_STATUS_BIT(DK_STATUS_RUNNING) << 1 | (home ? 1 : 0));
            else if (i == 1)
                go(app, ui, DK_SCREEN_GROUPS, home ? home->slug : "", home ? 1 : 0);
            else if (i == 2)
                go(app, ui, DK_SCREEN_DATES, home ? home->slug : "", home ? 1 : 0);
            else if (i == 3)
                go(app, ui, DK_SCREEN_SEARCH, "", 0);
            else
                go(app, ui, DK_SCREEN_PAGE, "about", 0);
        }
    }
    f->y += ((n + cols - 1) / cols) * (h + gap);
    heading(ui, f, S(app, DK_S_CHOOSE_DISTRICT));
    cols = grid_columns(m, f->w, 9, 4);
    w = (f->w - (cols - 1) * gap) / cols;
    h = bar_button_h(m) + m->unit_px * 2; /* room for a name on two lines */
    size_t shown = 0;
    for (size_t i = 0; i < d->ndistricts; i++) {
        dk_rect r = {f->x + (int)(shown % (size_t)cols) * (w + gap),
                     f->y + (int)(shown / (size_t)cols) * (h + gap), w, h};
        district_tile(app, ui, r, &d->districts[i], 0);
        shown++;
    }
    f->y += (int)((shown + (size_t)cols - 1) / (size_t)cols) * (h + gap);
    space(ui, f, 2);
    /* Privacy and legal notice, reachable from home as the law expects. */
    int half = (f->w - gap) / 2;
    h = bar_button_h(m); /* two lines: half a portrait screen is narrow for larger text */
    if (dk_ui_button(ui, (dk_rect){f->x, f->y, half, h}, S(app, DK_S_PRIVACY), "privacy",
                     DK_BUTTON_SECONDARY, 0))
        go(app, ui, DK_SCREEN_PAGE, "privacy", 0);
    if (dk_ui_button(ui, (dk_rect){f->x + half + gap, f->y, half, h}, S(app, DK_S_LEGAL), "legal",
                     DK_BUTTON_SECONDARY, 0))
        go(app, ui, DK_SCREEN_PAGE, "legal", 0);
    f->y += h;
}

static void fact(dk_ui *ui, flow *f, const char *label, const char *value)
{
    text(ui, f, DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD), DK_C_TEXT_MUTED, DK_EL_TEXT, label);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, value);
    space(ui, f, 1);
}

/* One date's card; focus highlights it and notes where it is, for scrolling to it. */
static void date_card(dk_app *app, dk_ui *ui, flow *f, const dk_date *dt, int focus)
{
    char name[96];
    snprintf(name, sizeof name, "date:%s", dt->id);
    const char *when = date_text(ui, app, dt->start, 1);
    if (focus)
        app->focus_y = f->y;
    if (card(ui, app, f, dt->title, when, dt->place, dt->example, name, NULL,
             focus ? DK_EL_SELECTED : 0)) {
        if (dt->group && dt->group[0])
            go(app, ui, DK_SCREEN_GROUP, dt->group, 0);
        else if (dt->project && dt->project[0])
            go(app, ui, DK_SCREEN_PROJECT, dt->project, 0);
    }
}

static void date_list(dk_app *app, dk_ui *ui, flow *f, const dk_date *dates, size_t n)
{
    /* A copy: a tapped card navigates, and the new screen's nav takes the old one's place. */
    const nav *at = &app->stack[app->depth - 1];
    char focus[sizeof at->focus];
    snprintf(focus, sizeof focus, "%s", at->screen == DK_SCREEN_DATES ? at->focus : "");
    for (size_t i = 0; i < n; i++)
        date_card(app, ui, f, &dates[i], focus[0] && strcmp(dates[i].id, focus) == 0);
}

/* A project's district among what the screen loaded (the district shown, or the list of all). */
static const dk_district *project_district(const dk_app *app, const char *slug)
{
    const dk_district *d = &app->data.district;
    if (d->slug && slug && strcmp(d->slug, slug) == 0)
        return d;
    return slug ? find_district(app, slug) : NULL;
}

static card_picture project_picture(const dk_app *app, const dk_project *p)
{
    const dk_district *d = project_district(app, p->district);
    card_picture pic = {p->image.hash, p->image.alt, d ? d->color : NULL, d ? d->name : NULL,
                        p->slug};
    return pic;
}

static void project_list(dk_app *app, dk_ui *ui, flow *f, const dk_project *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof name, "project:%s", p[i].slug);
        card_picture pic = project_picture(app, &p[i]);
        if (card(ui, app, f, p[i].title, status_text(app, p[i].status), p[i].summary,
                 p[i].example, name, &pic, 0))
            go(app, ui, DK_SCREEN_PROJECT, p[i].slug, 0);
    }
}

static void group_list(dk_app *app, dk_ui *ui, flow *f, const dk_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof name, "group:%s", g[i].slug);
        const char *sub = fmt(ui, "%s · %s", kind_text(app, g[i].kind),
                              S(app, g[i].open ? DK_S_OPEN_FOR_MEMBERS : DK_S_NOT_OPEN));
        if (card(ui, app, f, g[i].name, sub, g[i].rhythm, g[i].example, name, NULL, 0))
            go(app, ui, DK_SCREEN_GROUP, g[i].slug, 0);
    }
}

static void contact_block(dk_app *app, dk_ui *ui, flow *f, const dk_contact *c)
{
    heading(ui, f, S(app, DK_S_CONTACT));
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, c->role);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, c->person);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, c->email);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, c->phone);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, c->address);
}

static void screen_district(dk_app *app, dk_ui *ui, flow *f)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const dk_district *d = &app->data.district;
    if (d->hero.hash[0]) {
        int h = f->w * 9 / 16;
        if (h > m->height_px / 3)
            h = m->height_px / 3;
        dk_ui_image(ui, (dk_rect){f->x, f->y, f->w, h}, d->hero.hash, DK_FIT_COVER, d->hero.alt);
        f->y += h;
        space(ui, f, 2);
    }
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, d->short_text);
    space(ui, f, 2);
    char num[64], area[96];
    dk_i18n_format_number(app->lang, d->area_km2, 2, num, sizeof num);
    snprintf(area, sizeof area, "%s %s", num, S(app, DK_S_KM2));
    fact(ui, f, S(app, DK_S_AREA), area);
    dk_i18n_format_number(app->lang, (double)d->residents, 0, num, sizeof num);
    const char *year = d->residents_year ? fmt(ui, "%d", d->residents_year) : S(app, DK_S_YEAR_UNKNOWN);
    fact(ui, f, fmt(ui, "%s (%s)", S(app, DK_S_RESIDENTS), year), num);
    space(ui, f, 1);
    f->y += dk_ui_markdown(ui, f->x, f->y, f->w, dk_ui_color(ui, DK_C_TEXT), d->profile_md);
    heading(ui, f, S(app, DK_S_STEERING_COMMITTEE));
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, d->steering);
    heading(ui, f, S(app, DK_S_CURRENT_PROJECTS));
    if (app->data.nprojects == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_PROJECTS));
    project_list(app, ui, f, app->data.projects, app->data.nprojects);
    heading(ui, f, S(app, DK_S_WORKING_GROUPS));
    group_list(app, ui, f, app->data.groups, app->data.ngroups);
    signup_button(app, ui, f, d->slug, NULL, 0); /* the district's open groups, preselected */
    heading(ui, f, S(app, DK_S_NEXT_DATES));
    if (app->data.ndates == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_DATES));
    date_list(app, ui, f, app->data.dates, app->data.ndates);
    heading(ui, f, S(app, DK_S_OFFICE));
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, d->office_name);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, d->office_address);
    space(ui, f, 1);
    fact(ui, f, S(app, DK_S_OPENING_HOURS), d->office_hours);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, d->office_phone);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, d->office_email);
    for (size_t i = 0; i < d->gallery_count; i++) {
        space(ui, f, 2);
        int h = f->w * 9 / 16;
        dk_ui_image(ui, (dk_rect){f->x, f->y, f->w, h}, d->gallery[i].hash, DK_FIT_CONTAIN,
                    d->gallery[i].alt);
        f->y += h;
    }
}

/* Filter chips: "all districts" / "this district" and the statuses. */
static void filters(dk_app *app, dk_ui *ui, flow *f, int with_status)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    nav *n = &app->stack[app->depth - 1];
    int gap = m->gap_px;
    int cols = with_status ? 4 : 2;
    if (m->portrait && with_status)
        cols = 2;
    int w = (f->w - (cols - 1) * gap) / cols;
    int i = 0;
    unsigned status = n->filter >> 1;
    const dk_district *here = n->arg[0] ? find_district(app, n->arg) : NULL;
    dk_rect r = {f->x, f->y, w, m->target_px};
#define NEXT_CELL()                                                                                \
    do {                                                                                           \
        i++;                                                                                       \
        r.x = f->x + (i % cols) * (w + gap);                                                       \
        r.y = f->y + (i / cols) * (m->target_px + gap);                                            \
    } while (0)
    if (here) {
        if (dk_ui_button(ui, r, here->name, "filter:district", DK_BUTTON_SECONDARY,
                         n->filter & 1 ? DK_EL_SELECTED : 0))
            n->filter |= 1, app->data.loaded = 0;
        NEXT_CELL();
        if (dk_ui_button(ui, r, S(app, DK_S_ALL_DISTRICTS), "filter:all-districts",
                         DK_BUTTON_SECONDARY, n->filter & 1 ? 0 : DK_EL_SELECTED))
            n->filter &= ~1u, app->data.loaded = 0;
        NEXT_CELL();
    }
    if (with_status) {
        static const dk_string_id ids[] = {DK_S_STATUS_PLANNED, DK_S_STATUS_RUNNING,
                                           DK_S_STATUS_COMPLETED};
        static const char *const names[] = {"filter:planned", "filter:running", "filter:completed"};
        if (dk_ui_button(ui, r, S(app, DK_S_ALL), "filter:all-statuses", DK_BUTTON_SECONDARY,
                         status == 0 ? DK_EL_SELECTED : 0))
            n->filter &= 1u, app->data.loaded = 0;
        for (int s = 0; s < DK_STATUS_COUNT; s++) {
            NEXT_CELL();
            unsigned bit = DK_STORE_STATUS_BIT(s);
            if (dk_ui_button(ui, r, S(app, ids[s]), names[s], DK_BUTTON_SECONDARY,
                             status == bit ? DK_EL_SELECTED : 0))
                n->filter = (n->filter & 1u) | bit << 1, app->data.loaded = 0;
        }
    }
#undef NEXT_CELL
    if (i % cols)
        i += cols - i % cols;
    f->y += (i / cols) * (m->target_px + gap) + gap;
}

/* The "Example" badge on a line of its own in a flow. */
static void example_line(dk_ui *ui, const dk_app *app, flow *f)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    badge(ui, app, f->x, f->y);
    f->y += m->line_px[DK_FONT_SMALL] + m->unit_px;
}

/* A button to the district a project or group belongs to (its name was loaded with it). */
static void district_link(dk_app *app, dk_ui *ui, flow *f, const char *slug)
{
    space(ui, f, 1);
    char name[96];
    snprintf(name, sizeof name, "district:%s", slug);
    if (app->data.district.name && button_row(ui, f, app->data.district.name, name))
        go(app, ui, DK_SCREEN_DISTRICT, slug, 0);
}

static void screen_projects(dk_app *app, dk_ui *ui, flow *f)
{
    filters(app, ui, f, 1);
    if (app->data.nprojects == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_PROJECTS));
    project_list(app, ui, f, app->data.projects, app->data.nprojects);
}

static void screen_project(dk_app *app, dk_ui *ui, flow *f)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const dk_project *p = &app->data.project;
    if (p->example)
        example_line(ui, app, f);
    {
        int h = f->w * 9 / 16;
        if (h > m->height_px / 3)
            h = m->height_px / 3;
        card_picture pic = project_picture(app, p);
        picture(ui, (dk_rect){f->x, f->y, f->w, h}, &pic, 1);
        f->y += h;
        space(ui, f, 2);
    }
    const char *when;
    if (!p->end[0]) {
        char since[160];
        dk_i18n_fill(app->lang, DK_S_SINCE, date_text(ui, app, p->start, 0), since, sizeof since);
        when = fmt(ui, "%s", since);
    } else if (strcmp(p->start, p->end) == 0) { /* one day: one date */
        when = date_text(ui, app, p->start, 0);
    } else {
        when = fmt(ui, "%s – %s", date_text(ui, app, p->start, 0), date_text(ui, app, p->end, 0));
    }
    fact(ui, f, status_text(app, p->status), when);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, p->summary);
    space(ui, f, 2);
    f->y += dk_ui_markdown(ui, f->x, f->y, f->w, dk_ui_color(ui, DK_C_TEXT), p->body_md);
    contact_block(app, ui, f, &p->contact);
    if (app->data.ngroups) {
        heading(ui, f, S(app, DK_S_LINKED_GROUPS));
        group_list(app, ui, f, app->data.groups, app->data.ngroups);
    }
    if (signup_offered(app)) {
        /* The project's groups that take members, or (none) the district's. */
        const char *open[DK_SIGNUP_GROUPS_MAX];
        size_t nopen = 0;
        for (size_t i = 0; i < app->data.ngroups && nopen < DK_SIGNUP_GROUPS_MAX; i++)
            if (app->data.groups[i].open)
                open[nopen++] = app->data.groups[i].slug;
        heading(ui, f, S(app, DK_S_GET_INVOLVED));
        signup_button(app, ui, f, p->district, nopen ? open : NULL, nopen);
    }
    if (app->data.ndates) {
        heading(ui, f, S(app, DK_S_NEXT_DATES));
        date_list(app, ui, f, app->data.dates, app->data.ndates);
    }
    district_link(app, ui, f, p->district);
}

static void screen_groups(dk_app *app, dk_ui *ui, flow *f)
{
    filters(app, ui, f, 0);
    if (app->data.ngroups == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_GROUPS));
    group_list(app, ui, f, app->data.groups, app->data.ngroups);
}

static void screen_group(dk_app *app, dk_ui *ui, flow *f)
{
    const dk_group *g = &app->data.group;
    if (g->example)
        example_line(ui, app, f);
    text(ui, f, DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD), DK_C_TEXT_MUTED, DK_EL_TEXT,
         kind_text(app, g->kind));
    space(ui, f, 1);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, g->purpose);
    space(ui, f, 2);
    fact(ui, f, S(app, DK_S_MEETS), g->rhythm);
    fact(ui, f, S(app, DK_S_PLACE), g->place);
    heading(ui, f, S(app, DK_S_HOW_TO_JOIN));
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT,
         S(app, g->open ? DK_S_OPEN_FOR_MEMBERS : DK_S_NOT_OPEN));
    space(ui, f, 1);
    text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, g->join);
    if (g->open && signup_offered(app)) {
        space(ui, f, 1);
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, S(app, DK_S_SIGNUP_INVITE));
        space(ui, f, 1);
        const char *slug = g->slug;
        signup_button(app, ui, f, g->district, &slug, 1);
    }
    contact_block(app, ui, f, &g->contact);
    heading(ui, f, S(app, DK_S_NEXT_DATES));
    if (app->data.ndates == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_DATES));
    date_list(app, ui, f, app->data.dates, app->data.ndates);
    district_link(app, ui, f, g->district);
}

static void screen_dates(dk_app *app, dk_ui *ui, flow *f)
{
    filters(app, ui, f, 0);
    if (app->data.focus_found == 2) {
        /* The date a visitor found by search is not among the upcoming ones: it comes first,
         * highlighted, with a word that it is over (or filtered away), then the list. */
        date_card(app, ui, f, &app->data.focus_date, 1);
        if (app->stack[app->depth - 1].screen != DK_SCREEN_DATES)
            return; /* the card navigated */
        if (strcmp(app->data.focus_date.start, app->now_text) < 0)
            text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT,
                 S(app, DK_S_DATE_PAST));
        heading(ui, f, S(app, DK_S_UPCOMING));
    }
    if (app->data.ndates == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_DATES));
    date_list(app, ui, f, app->data.dates, app->data.ndates);
}

static void screen_page(dk_app *app, dk_ui *ui, flow *f)
{
    if (app->data.page_german_only) {
        /* In the visitor's language: why the page below is in German. */
        const dk_metrics *m = dk_ui_metrics(ui);
        const char *note = S(app, DK_S_PAGE_ONLY_GERMAN);
        int pad = 2 * m->unit_px, font = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
        int th = dk_ui_text_height(ui, f->w - 2 * pad, font, note);
        dk_rect box = {f->x, f->y, f->w, th + 2 * pad};
        dk_ui_element(ui, DK_EL_TEXT, box, note, "page:german-only", 0);
        dk_ui_fill(ui, box, dk_ui_color(ui, DK_C_SURFACE), m->radius_px);
        dk_ui_outline(ui, box, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
        dk_ui_text_block(ui, (dk_rect){box.x + pad, box.y + pad, box.w - 2 * pad, th}, font,
                         dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_TEXT, note);
        f->y += box.h;
        space(ui, f, 2);
    }
    f->y += dk_ui_markdown(ui, f->x, f->y, f->w, dk_ui_color(ui, DK_C_TEXT), app->data.page.body_md);
}

/* Appends one UTF-8 character if it fits (the PIN dialog's dots and digits). */
static void type_char(char *buf, size_t size, const char *ch, size_t len)
{
    size_t n = strlen(buf);
    if (n + len < size) {
        memcpy(buf + n, ch, len);
        buf[n + len] = '\0';
    }
}

static void screen_search(dk_app *app, dk_ui *ui, flow *f, dk_rect content)
{
    (void)content;
    load_search(app);
    const screen_data *d = &app->data;
    if (!app->search[0]) {
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_SEARCH_HINT));
        return;
    }
    if (d->nhits == 0)
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, S(app, DK_S_NO_RESULTS));
    for (size_t i = 0; i < d->nhits; i++) {
        const dk_search_hit *h = &d->hits[i];
        /* The store marks matches with control characters; shown as plain text here. */
        char *snippet = dk_arena_strdup(dk_ui_arena(ui), h->snippet ? h->snippet : "");
        if (snippet) {
            char *w = snippet;
            for (const char *p = snippet; *p; p++)
                if (*p != DK_STORE_MARK_ON[0] && *p != DK_STORE_MARK_OFF[0])
                    *w++ = *p;
            *w = '\0';
        }
        char name[96];
        snprintf(name, sizeof name, "%s:%s", h->kind, h->id);
        if (card(ui, app, f, h->title, snippet, NULL, 0, name, NULL, 0)) {
            if (strcmp(h->kind, "district") == 0)
                go(app, ui, DK_SCREEN_DISTRICT, h->id, 0);
            else if (strcmp(h->kind, "project") == 0)
                go(app, ui, DK_SCREEN_PROJECT, h->id, 0);
            else if (strcmp(h->kind, "group") == 0)
                go(app, ui, DK_SCREEN_GROUP, h->id, 0);
            else if (strcmp(h->kind, "page") == 0)
                go(app, ui, DK_SCREEN_PAGE, h->id, 0);
            else if (strcmp(h->kind, "date") == 0)
                go_date(app, ui, h->id); /* the dates, scrolled to this one, highlighted */
            return;
        }
    }
}

/* ---- staff ---- */

static void pin_dialog(dk_app *app, dk_ui *ui, dk_rect vp)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int key = m->target_px + m->unit_px, key_w = key * 3;
    int gap = m->gap_px;
    if (3 * key_w + 4 * gap > vp.w)
        key_w = (vp.w - 4 * gap) / 3;
    int w = 3 * key_w + 4 * gap, h = 6 * key + 7 * gap;
    dk_rect r = {vp.x + (vp.w - w) / 2, vp.y + vp.h - h - m->margin_px, w, h};
    if (dk_ui_modal_begin(ui, r, S(app, DK_S_STAFF_PIN))) {
        app->pin_open = 0; /* a tap outside cancels */
        dk_wipe(app->pin, sizeof app->pin);
    }
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_DIALOG_BG), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    int y = r.y + gap;
    dk_ui_text_block(ui, (dk_rect){r.x + gap, y, w - 2 * gap, key}, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD),
                     dk_ui_color(ui, app->pin_wrong ? DK_C_ERROR : DK_C_TEXT), DK_ALIGN_CENTER,
                     DK_EL_TEXT, S(app, app->pin_wrong ? DK_S_WRONG_PIN : DK_S_STAFF_PIN));
    y += key + gap;
    char dots[PIN_MAX * 3 + 1] = "";
    for (size_t i = 0; i < strlen(app->pin); i++)
        type_char(dots, sizeof dots, "•", strlen("•")); /* never shown, never spoken */
    dk_ui_text_block(ui, (dk_rect){r.x + gap, y, w - 2 * gap, key}, DK_UI_FONT(DK_FONT_H2, 0),
                     dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_CENTER, DK_EL_INPUT, dots);
    y += key + gap;
    static const char *const keys = "123456789";
    for (int i = 0; i < 12; i++) {
        dk_rect k = {r.x + gap + (i % 3) * (key_w + gap), y + (i / 3) * (key + gap), key_w, key};
        char label[8];
        const char *name;
        if (i < 9) {
            label[0] = keys[i];
            label[1] = '\0';
            name = NULL;
        } else if (i == 10) {
            snprintf(label, sizeof label, "0");
            name = NULL;
        } else {
            name = i == 9 ? "pin:cancel" : "pin:ok";
        }
        const char *text_label = i == 9 ? S(app, DK_S_CANCEL) : i == 11 ? S(app, DK_S_OK) : label;
        char nm[16];
        if (!name) {
            snprintf(nm, sizeof nm, "pin:%s", label);
            name = nm;
        }
        if (!dk_ui_button(ui, k, text_label, name, i == 11 ? DK_BUTTON_PRIMARY : DK_BUTTON_SECONDARY, 0))
            continue;
        if (i == 9) {
            app->pin_open = 0;
            dk_wipe(app->pin, sizeof app->pin);
        } else if (i == 11) {
            const char *hash = app->cfg->staff_pin_hash;
            if (hash[0] && dk_pin_verify(hash, app->pin) == DK_OK) {
                app->pin_open = 0;
                app->staff_unlocked = 1;
                go(app, ui, DK_SCREEN_STAFF, "", 0);
                dk_info("staff screen opened");
            } else {
                app->pin_wrong = 1;
                dk_warn("staff PIN refused");
            }
            dk_wipe(app->pin, sizeof app->pin);
        } else {
            type_char(app->pin, sizeof app->pin, label, 1);
        }
    }
    dk_ui_modal_end(ui);
}

/* A moment for staff: "vor 7 Min. · 26. November 2026, 12:50 Uhr"; never_id when t is 0. */
static const char *staff_time(dk_ui *ui, const dk_app *app, long long t, long long now,
                              dk_string_id never_id)
{
    if (t <= 0)
        return S(app, never_id);
    char rel[96], iso[32], abs[96];
    dk_i18n_format_relative(app->lang, t - now, rel, sizeof rel);
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M", &tm) == 0)
        return fmt(ui, "%s", rel);
    dk_i18n_format_date(app->lang, iso, abs, sizeof abs, DK_WEEKDAY_NONE);
    return fmt(ui, "%s · %s", rel, abs);
}

/* The sync section: what the sync worker last reported, and "Sync now". */
static void staff_sync(dk_app *app, dk_ui *ui, flow *f, const dk_store_info *info)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const dk_app_sync_view *v = &app->sync;
    long long now = (long long)time(NULL);
    heading(ui, f, S(app, DK_S_SYNC));
    /* The version the worker knows of; before it reported one, the store's own. */
    int from_sync = v->version > 0 || v->issued[0];
    long long version = from_sync ? v->version : info->version;
    const char *issued = from_sync ? v->issued : info->issued[0] ? info->issued : info->built;
    char day[11] = "";
    snprintf(day, sizeof day, "%.10s", issued ? issued : "");
    /* ... and what the content in use holds: districts / projects / groups / dates. */
    const char *counts = fmt(ui, "%lld / %lld / %lld / %lld", info->districts, info->projects,
                             info->groups, info->dates);
    fact(ui, f, S(app, DK_S_CONTENT_VERSION),
         day[0] ? fmt(ui, "%lld · %s · %s", version, date_text(ui, app, day, 0), counts)
                : fmt(ui, "%lld · %s", version, counts));
    if (v->stale) {
        /* Clearly flagged: a banner in the error colour, in words. */
        const char *t = S(app, DK_S_CONTENT_STALE);
        int pad = 2 * m->unit_px, font = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
        int th = dk_ui_text_height(ui, f->w - 2 * pad, font, t);
        dk_rect box = {f->x, f->y, f->w, th + 2 * pad};
        dk_ui_element(ui, DK_EL_TEXT, box, t, "staff:stale", 0);
        dk_ui_fill(ui, box, dk_ui_color(ui, DK_C_ERROR), m->radius_px);
        dk_ui_text_block(ui, (dk_rect){box.x + pad, box.y + pad, box.w - 2 * pad, th}, font,
                         dk_ui_color(ui, DK_C_ON_ERROR), DK_ALIGN_LEFT, DK_EL_TEXT, t);
        f->y += box.h;
        space(ui, f, 1);
    } else if (v->configured) { /* with no hub there is nothing to be current with */
        fact(ui, f, S(app, DK_S_CONTENT_STATE), S(app, DK_S_CONTENT_CURRENT));
    }
    fact(ui, f, S(app, DK_S_LAST_ATTEMPT), staff_time(ui, app, v->last_attempt, now, DK_S_NEVER));
    fact(ui, f, S(app, DK_S_LAST_SUCCESS), staff_time(ui, app, v->last_success, now, DK_S_NEVER));
    const char *next = v->next_attempt > 0 && v->next_attempt <= now
                           ? S(app, DK_S_TIME_NOW) /* due: the worker is about to start */
                           : staff_time(ui, app, v->next_attempt, now, DK_S_NOT_SCHEDULED);
    fact(ui, f, S(app, DK_S_NEXT_ATTEMPT), next);
    fact(ui, f, S(app, DK_S_LAST_ERROR), v->error[0] ? v->error : S(app, DK_S_NO_ERROR));
    space(ui, f, 1);
    /* A big button; while a sync runs, or with no hub configured, it looks and is inert and
     * says why. */
    dk_string_id label = !v->configured ? DK_S_SYNC_NOT_CONFIGURED
                         : v->running   ? DK_S_SYNC_RUNNING
                                        : DK_S_SYNC_NOW;
    unsigned flags = v->configured && !v->running ? 0 : DK_EL_DISABLED;
    int h = bar_button_h(m);
    if (dk_ui_button(ui, (dk_rect){f->x, f->y, f->w, h}, S(app, label), "staff:sync",
                     DK_BUTTON_PRIMARY, flags)) {
        app->sync_request = 1;
        dk_info("staff asked for a sync");
    }
    f->y += h + m->gap_px;
}

static dk_string_id refusal_text(dk_app_refusal why)
{
    switch (why) {
    case DK_APP_REFUSED_MALFORMED: return DK_S_REFUSED_MALFORMED;
    case DK_APP_REFUSED_KEY_REUSED: return DK_S_REFUSED_KEY_REUSED;
    case DK_APP_REFUSED_TOO_LARGE: return DK_S_REFUSED_TOO_LARGE;
    case DK_APP_REFUSED_BY_HUB: return DK_S_REFUSED_BY_HUB_OTHER;
    case DK_APP_REFUSED_DAMAGED: return DK_S_REFUSED_DAMAGED;
    default: return DK_S_REFUSED_OTHER;
    }
}

/* Runs what staff chose through the kiosk's handler and keeps the outcome for the status line. */
static void refused_act(dk_app *app, dk_app_refused_action action)
{
    long long done = 0;
    dk_err err = app->refused_fn(app->refused_ctx, action, app->refused.refused, &done);
    if (err == DK_OK) {
        app->refused_outcome = action == DK_APP_REFUSED_SEND_AGAIN ? REFUSED_SENT : REFUSED_DELETED;
        app->refused_done = done;
    } else {
        /* The handler logged the detail; staff get plain words and the log below. */
        app->refused_outcome = err == DK_ERR_EXISTS && action == DK_APP_REFUSED_DELETE
                                   ? REFUSED_CHANGED
                                   : REFUSED_FAILED;
    }
    app->redraw = 1; /* this frame was built before the outcome: show it now */
}

/* The status line after an action, in the error colour when it did not work. */
static void refused_outcome_line(dk_app *app, dk_ui *ui, flow *f)
{
    char t[512];
    dk_err cut = DK_OK;
    switch (app->refused_outcome) {
    case REFUSED_SENT:
        cut = dk_i18n_format_count(app->lang, DK_S_REFUSED_RELEASED, (long)app->refused_done, t,
                                   sizeof t);
        break;
    case REFUSED_DELETED:
        cut = dk_i18n_format_count(app->lang, DK_S_REFUSED_DELETED, (long)app->refused_done, t,
                                   sizeof t);
        break;
    case REFUSED_CHANGED:
        cut = dk_i18n_fill(app->lang, DK_S_REFUSED_CHANGED, NULL, t, sizeof t);
        break;
    case REFUSED_FAILED:
        cut = dk_i18n_fill(app->lang, DK_S_REFUSED_FAILED, NULL, t, sizeof t);
        break;
    default:
        return;
    }
    (void)cut; /* a cut text is still fit to show */
    int failed = app->refused_outcome == REFUSED_CHANGED || app->refused_outcome == REFUSED_FAILED;
    int font = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
    int h = dk_ui_text_height(ui, f->w, font, t);
    dk_ui_element(ui, DK_EL_TEXT, (dk_rect){f->x, f->y, f->w, h}, t, "staff:refused-status", 0);
    text(ui, f, font, failed ? DK_C_ERROR : DK_C_TEXT, DK_EL_TEXT, t);
    space(ui, f, 1);
}

/* The registrations part: how many wait, how many the hub refused, why and when (never what
 * they hold: the kiosk cannot read them), and what staff can do about the refused ones. */
static void staff_registrations(dk_app *app, dk_ui *ui, flow *f)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const dk_app_refused_view *r = &app->refused;
    long long now = (long long)time(NULL);
    heading(ui, f, S(app, DK_S_REGISTRATIONS));
    char n[32];
    dk_i18n_format_number(app->lang, (double)app->sync.backlog, 0, n, sizeof n);
    fact(ui, f, S(app, DK_S_REGISTRATIONS_WAITING), n);
    if (app->refused_known) {
        text(ui, f, DK_UI_FONT(DK_FONT_SMALL, DK_UI_BOLD), DK_C_TEXT_MUTED, DK_EL_TEXT,
             S(app, DK_S_REGISTRATIONS_REFUSED));
        dk_i18n_format_number(app->lang, (double)(r->refused > 0 ? r->refused : 0), 0, n, sizeof n);
        text(ui, f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, n);
        for (int i = 0; i < r->groups && r->refused > 0; i++) {
            char what[256], latest[256];
            dk_err cut = dk_i18n_format_count(app->lang, refusal_text(r->group[i].why),
                                              (long)r->group[i].count, what, sizeof what);
            cut = dk_i18n_fill(app->lang, DK_S_REFUSED_NEWEST,
                               staff_time(ui, app, r->group[i].newest, now, DK_S_NEVER), latest,
                               sizeof latest);
            (void)cut; /* a cut text is still fit to show */
            space(ui, f, 0.5);
            text(ui, f, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, what);
            text(ui, f, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, latest);
        }
        space(ui, f, 1);
        if (r->refused > 0)
            text(ui, f, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT, DK_EL_TEXT,
                 S(app, DK_S_REFUSED_HINT));
    }
    /* Big buttons, only while there is something to act on and someone to do it. */
    if (app->refused_known && r->refused > 0 && app->refused_fn) {
        space(ui, f, 1);
        int h = bar_button_h(m);
        if (dk_ui_button(ui, (dk_rect){f->x, f->y, f->w, h}, S(app, DK_S_REFUSED_SEND_AGAIN),
                         "staff:refused-retry", DK_BUTTON_PRIMARY, 0))
            refused_act(app, DK_APP_REFUSED_SEND_AGAIN);
        f->y += h + m->gap_px;
        if (dk_ui_button(ui, (dk_rect){f->x, f->y, f->w, h}, S(app, DK_S_REFUSED_DELETE),
                         "staff:refused-delete", DK_BUTTON_SECONDARY, 0)) {
            app->refused_confirm = 1;
            app->refused_outcome = REFUSED_NOTHING;
        }
        f->y += h + m->gap_px;
    }
    refused_outcome_line(app, ui, f);
}

static void screen_staff(dk_app *app, dk_ui *ui, flow *f)
{
    if (!app->staff_unlocked) {
        go_home(app, ui);
        return;
    }
    dk_store_info info;
    dk_store_get_info(app->store, &info);
    fact(ui, f, S(app, DK_S_DEVICE), app->cfg->device_name);
    fact(ui, f, S(app, DK_S_UPTIME),
         fmt(ui, "%lld h %02lld min", app->status.uptime_s / 3600, app->status.uptime_s / 60 % 60));
    fact(ui, f, S(app, DK_S_MEMORY), fmt(ui, "%lld MiB", app->status.memory_kb / 1024));
    if (app->status.app_version)
        fact(ui, f, "Version", app->status.app_version);
    staff_sync(app, ui, f, &info);
    staff_registrations(app, ui, f);
    heading(ui, f, S(app, DK_S_RECENT_LOG));
    static char lines[20][DK_LOG_LINE_MAX];
    int n = dk_log_recent(lines, 20);
    for (int i = n - 1; i >= 0; i--)
        text(ui, f, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT, DK_EL_TEXT, lines[i]);
    space(ui, f, 2);
    if (button_row(ui, f, S(app, DK_S_QUIT_MAINTENANCE), "staff:quit")) {
        dk_info("staff quit the kiosk for maintenance");
        app->quit = 1;
    }
}

/* ---- overlays ---- */

static void a11y_panel(dk_app *app, dk_ui *ui, dk_rect vp, int bar_h)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int gap = m->gap_px, n = app->speech_available ? 5 : 4;
    int row = m->target_px + gap;
    dk_rect r = {vp.x + m->unit_px, vp.y + vp.h - bar_h - n * row - 2 * gap, vp.w - 2 * m->unit_px,
                 n * row + gap};
    if (dk_ui_modal_begin(ui, r, S(app, DK_S_ACCESSIBILITY)))
        app->a11y_open = 0; /* a tap outside closes the panel */
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_DIALOG_BG), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    dk_rect b = {r.x + gap, r.y + gap, r.w - 2 * gap, m->target_px};
    /* Switches that say their state in words ("Ein" / "Aus"), not by colour alone. */
    const char *on = S(app, DK_S_ON), *off = S(app, DK_S_OFF);
    if (dk_ui_toggle(ui, b, S(app, DK_S_LARGER_TEXT), "a11y:large-text", app->large_text, on, off))
        app->large_text = !app->large_text;
    b.y += row;
    if (dk_ui_toggle(ui, b, S(app, DK_S_HIGH_CONTRAST), "a11y:high-contrast", app->high_contrast,
                     on, off))
        app->high_contrast = !app->high_contrast;
    b.y += row;
    if (dk_ui_toggle(ui, b, S(app, DK_S_LOW_REACH), "a11y:low-reach", app->low_reach, on, off)) {
        app->low_reach = !app->low_reach;
        app->data.loaded = 0; /* loads the picture for the top band */
    }
    b.y += row;
    /* Reads the screen beneath once the panel has closed; touching anything stops it, and this
     * button reads it again from the start. */
    if (app->speech_available &&
        dk_ui_button(ui, b, S(app, DK_S_READ_ALOUD), "a11y:read-aloud", DK_BUTTON_SECONDARY, 0)) {
        app->a11y_open = 0;
        app->speech_armed = 1;
    }
    if (app->speech_available)
        b.y += row;
    if (dk_ui_button(ui, b, S(app, DK_S_CLOSE), "a11y:close", DK_BUTTON_PRIMARY, 0))
        app->a11y_open = 0;
    dk_ui_modal_end(ui);
}

static void more_time_dialog(dk_app *app, dk_ui *ui, dk_rect vp)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    long left_ms = (long)app->cfg->idle_countdown_s * 1000 - (long)(app->now - app->warning_since);
    int left = (int)((left_ms + 999) / 1000);
    if (left < 0)
        left = 0;
    int w = vp.w - 2 * m->margin_px, pad = m->unit_px * 2;
    const char *title = S(app, DK_S_NEED_MORE_TIME);
    char body[256];
    dk_err cut = dk_i18n_format_count(app->lang, DK_S_NEED_MORE_TIME_BODY, left, body, sizeof body);
    (void)cut; /* a cut text is still fit to show */
    int th = dk_ui_text_height(ui, w - 2 * pad, DK_UI_FONT(DK_FONT_H1, DK_UI_BOLD), title);
    int bh = dk_ui_text_height(ui, w - 2 * pad, DK_UI_FONT(DK_FONT_BODY, 0), body);
    int h = pad + th + m->unit_px + bh + 2 * m->unit_px + m->target_px + pad;
    dk_rect r = {vp.x + m->margin_px, vp.y + vp.h - h - m->margin_px, w, h};
    if (dk_ui_modal_begin(ui, r, title)) { /* any tap outside counts as "continue" too */
        app->warning = 0;
        app->last_input = app->now;
    }
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_DIALOG_BG), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    int y = r.y + pad;
    y += dk_ui_text_block(ui, (dk_rect){r.x + pad, y, w - 2 * pad, th}, DK_UI_FONT(DK_FONT_H1, DK_UI_BOLD),
                          dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_HEADING, title);
    y += m->unit_px;
    y += dk_ui_text_block(ui, (dk_rect){r.x + pad, y, w - 2 * pad, bh}, DK_UI_FONT(DK_FONT_BODY, 0),
                          dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_TEXT, body);
    y += 2 * m->unit_px;
    if (dk_ui_button(ui, (dk_rect){r.x + pad, y, w - 2 * pad, m->target_px}, S(app, DK_S_CONTINUE),
                     "continue", DK_BUTTON_PRIMARY, 0)) {
        app->warning = 0;
        app->last_input = app->now;
    }
    dk_ui_modal_end(ui);
}

/* "Delete refused registrations": says how many, that nobody will ever get them, and asks. */
static void refused_dialog(dk_app *app, dk_ui *ui, dk_rect vp)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int w = vp.w - 2 * m->margin_px, pad = m->unit_px * 2, gap = m->gap_px;
    const char *title = S(app, DK_S_REFUSED_DELETE);
    char body[512];
    dk_err cut = dk_i18n_format_count(app->lang, DK_S_REFUSED_DELETE_CONFIRM,
                                      (long)app->refused.refused, body, sizeof body);
    (void)cut; /* a cut text is still fit to show */
    int th = dk_ui_text_height(ui, w - 2 * pad, DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), title);
    int bh = dk_ui_text_height(ui, w - 2 * pad, DK_UI_FONT(DK_FONT_BODY, 0), body);
    int button_h = bar_button_h(m);
    int h = pad + th + m->unit_px + bh + 2 * m->unit_px + button_h + pad;
    dk_rect r = {vp.x + m->margin_px, vp.y + vp.h - h - m->margin_px, w, h};
    if (dk_ui_modal_begin(ui, r, title))
        app->refused_confirm = 0; /* a tap outside cancels */
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_DIALOG_BG), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    int y = r.y + pad;
    y += dk_ui_text_block(ui, (dk_rect){r.x + pad, y, w - 2 * pad, th},
                          DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), dk_ui_color(ui, DK_C_TEXT),
                          DK_ALIGN_LEFT, DK_EL_HEADING, title);
    y += m->unit_px;
    y += dk_ui_text_block(ui, (dk_rect){r.x + pad, y, w - 2 * pad, bh}, DK_UI_FONT(DK_FONT_BODY, 0),
                          dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_TEXT, body);
    y += 2 * m->unit_px;
    /* Cancel first, where the eye starts; deleting is the deliberate second button. */
    int half = (w - 2 * pad - gap) / 2;
    if (dk_ui_button(ui, (dk_rect){r.x + pad, y, half, button_h}, S(app, DK_S_CANCEL),
                     "staff:refused-delete-cancel", DK_BUTTON_SECONDARY, 0))
        app->refused_confirm = 0;
    if (dk_ui_button(ui, (dk_rect){r.x + pad + half + gap, y, half, button_h},
                     S(app, DK_S_DELETE_FOR_GOOD), "staff:refused-delete-confirm",
                     DK_BUTTON_PRIMARY, 0)) {
        app->refused_confirm = 0;
        if (app->refused_fn)
            refused_act(app, DK_APP_REFUSED_DELETE);
    }
    dk_ui_modal_end(ui);
}

/* ---- attract loop ---- */

/* Night (UI.md: "at night the screen dims"): the configured local hours, e.g. 22 to 6. */
static int is_night(const dk_app *app)
{
    int from = (int)app->cfg->night_from_h, until = (int)app->cfg->night_until_h;
    if (from == until)
        return 0;
    time_t t = wall_now(app);
    struct tm tm;
    localtime_r(&t, &tm);
    return from < until ? tm.tm_hour >= from && tm.tm_hour < until
                        : tm.tm_hour >= from || tm.tm_hour < until;
}

/* The waiting screen at night: almost black, no pictures, no slideshow and no timers, so that
 * the panel gives off little light and the kiosk does no work; one dim line says that a touch
 * wakes it. */
static void screen_night(dk_app *app, dk_ui *ui, int width, int height)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_rect all = {0, 0, width, height};
    dk_ui_fill(ui, all, (dk_color){0, 0, 0, 255}, 0);
    int tapped = dk_ui_hit(ui, all, S(app, DK_S_TOUCH_TO_START), "start", 0, NULL);
    char prompt[256];
    snprintf(prompt, sizeof prompt, "%s · %s · %s", dk_i18n(DK_LANG_DE, DK_S_TOUCH_TO_START),
             dk_i18n(DK_LANG_EN, DK_S_TOUCH_TO_START), dk_i18n(DK_LANG_TR, DK_S_TOUCH_TO_START));
    int font = DK_UI_FONT(DK_FONT_BODY, 0);
    int w = width - 2 * m->margin_px;
    int th = dk_ui_text_height(ui, w, font, prompt);
    /* Grey on black: about 7:1, readable up close, dim from across the hall. */
    dk_ui_text_block(ui, (dk_rect){m->margin_px, (height - th) / 2, w, th}, font,
                     (dk_color){150, 150, 150, 255}, DK_ALIGN_CENTER, DK_EL_HEADING, prompt);
    if (tapped)
        go(app, ui, DK_SCREEN_HOME, "", 0);
}

static void screen_attract(dk_app *app, dk_ui *ui, int width, int height)
{
    if (is_night(app)) {
        screen_night(app, ui, width, height);
        return;
    }
    const dk_metrics *m = dk_ui_metrics(ui);
    const screen_data *d = &app->data;
    dk_rect all = {0, 0, width, height};
    dk_ui_fill(ui, all, dk_ui_color(ui, DK_C_BACKGROUND), 0);
    uint32_t shown = app->now - app->slide_start;
    if (!app->paused && shown >= SLIDE_MS && d->ndistricts) {
        app->slide = (int)((app->slide + 1) % (int)d->ndistricts);
        app->slide_start = app->now;
        shown = 0;
    }
    const dk_district *dist = d->ndistricts ? &d->districts[app->slide % (int)d->ndistricts] : NULL;
    /* Touching anywhere starts; the pause button is the one exception. */
    int tapped = dk_ui_hit(ui, all, S(app, DK_S_TOUCH_TO_START), "start", 0, NULL);
    if (dist && dist->hero.hash[0])
        dk_ui_image(ui, all, dist->hero.hash, DK_FIT_COVER, dist->hero.alt);
    /* "Touch to start", in turn in each language. */
    dk_lang lang = (dk_lang)((app->now / PROMPT_MS) % DK_LANG_COUNT);
    const char *prompt = dk_i18n(lang, DK_S_TOUCH_TO_START);
    int pad = m->unit_px * 3;
    int font = DK_UI_FONT(DK_FONT_HUGE, DK_UI_BOLD);
    int th = dk_ui_text_height(ui, width - 2 * m->margin_px - 2 * pad, font, prompt);
    dk_rect band = {0, height - th - 2 * pad - m->target_px - 2 * m->margin_px, width,
                    th + 2 * pad};
    dk_ui_fill(ui, band, dk_ui_color(ui, DK_C_SCRIM), 0);
    dk_ui_text_block(ui, (dk_rect){m->margin_px, band.y + pad, width - 2 * m->margin_px, th}, font,
                     dk_ui_color(ui, DK_C_ON_SCRIM), DK_ALIGN_CENTER, DK_EL_HEADING, prompt);
    if (dist) {
        int nf = DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD);
        const dk_ui_text_backend *tb = dk_ui_text(ui);
        int nw = tb->measure(tb->ctx, nf, dist->name, strlen(dist->name));
        if (nw <= 0 || nw > width / 2)
            nw = width / 2;
        int nh = dk_ui_text_height(ui, nw, nf, dist->name);
        dk_rect nb = {m->margin_px, m->margin_px, nw + 2 * pad, nh + 2 * pad};
        dk_ui_fill(ui, nb, dk_ui_color(ui, DK_C_SCRIM), m->radius_px);
        dk_ui_text_block(ui, (dk_rect){nb.x + pad, nb.y + pad, nw + 1, nh}, nf,
                         dk_ui_color(ui, DK_C_ON_SCRIM), DK_ALIGN_LEFT, DK_EL_TEXT, dist->name);
    }
    int bw = m->target_px * 4;
    dk_rect pause = {width - bw - m->margin_px, height - m->target_px - m->margin_px, bw,
                     m->target_px};
    if (dk_ui_button(ui, pause, S(app, app->paused ? DK_S_PLAY : DK_S_PAUSE), "pause",
                     DK_BUTTON_PRIMARY, 0)) {
        app->paused = !app->paused;
        app->slide_start = app->now;
        return;
    }
    if (tapped)
        go(app, ui, DK_SCREEN_HOME, "", 0);
}

/* ---- the frame ---- */

static const char *screen_title(dk_app *app)
{
    const nav *n = &app->stack[app->depth - 1];
    const screen_data *d = &app->data;
    switch (n->screen) {
    case DK_SCREEN_HOME: return "StadtbezirksMarketing Dortmund"; /* a name: not translated */
    case DK_SCREEN_DISTRICT: return d->district.name ? d->district.name : "";
    case DK_SCREEN_PROJECTS: return S(app, DK_S_CURRENT_PROJECTS);
    case DK_SCREEN_PROJECT: return d->project.title ? d->project.title : "";
    case DK_SCREEN_GROUPS: return S(app, DK_S_WORKING_GROUPS);
    case DK_SCREEN_GROUP: return d->group.name ? d->group.name : "";
    case DK_SCREEN_DATES: return S(app, DK_S_DATES);
    case DK_SCREEN_PAGE: return d->page.title ? d->page.title : "";
    case DK_SCREEN_SEARCH: return S(app, DK_S_SEARCH);
    case DK_SCREEN_STAFF: return S(app, DK_S_STAFF);
    case DK_SCREEN_SIGNUP:
    case DK_SCREEN_THANKS: return S(app, DK_S_REGISTER_INTEREST);
    default: return "";
    }
}

static const char *screen_color(dk_app *app)
{
    const nav *n = &app->stack[app->depth - 1];
    if (n->screen == DK_SCREEN_DISTRICT && app->data.district.color)
        return app->data.district.color;
    return NULL;
}

/* The sign-up form (or its confirmation) in area, from what load() found; handles what it
 * reports. Views into the screen's data live in the frame arena. */
static void screen_signup(dk_app *app, dk_ui *ui, dk_rect area)
{
    screen_data *d = &app->data;
    dk_arena *fa = dk_ui_arena(ui);
    dk_form_group *groups = d->ngroups ? dk_arena_alloc(fa, d->ngroups * sizeof *groups) : NULL;
    dk_form_district *districts =
        d->ndistricts ? dk_arena_alloc(fa, d->ndistricts * sizeof *districts) : NULL;
    size_t ngroups = groups ? d->ngroups : 0, ndistricts = districts ? d->ndistricts : 0;
    for (size_t i = 0; i < ngroups; i++)
        groups[i] = (dk_form_group){d->groups[i].slug, d->groups[i].name};
    for (size_t i = 0; i < ndistricts; i++)
        districts[i] = (dk_form_district){d->districts[i].slug, d->districts[i].name};
    dk_form_view v = {
        .lang = app->lang,
        .district_name = d->district.name,
        .districts = districts,
        .ndistricts = ndistricts,
        .groups = groups,
        .ngroups = ngroups,
        .consent_title = d->page.title,
        .consent_body_md = d->page.body_md,
        .privacy_title = d->privacy.title,
        .privacy_body_md = d->privacy.body_md,
        .now = (int64_t)time(NULL),
        .submit = app->submit,
        .submit_ctx = app->submit_ctx,
    };
    nav *n = &app->stack[app->depth - 1];
    switch (dk_form_frame(app->form, ui, area, &v)) {
    case DK_FORM_SENT: /* the confirmation replaces the form: "back" does not return to it */
        n->screen = DK_SCREEN_THANKS;
        break;
    case DK_FORM_CANCEL:
    case DK_FORM_FINISHED:
        go_back(app, ui);
        break;
    case DK_FORM_DISTRICT: /* load the chosen district's groups */
        snprintf(n->arg, sizeof n->arg, "%s", dk_form_district_slug(app->form));
        d->loaded = 0;
        break;
    case DK_FORM_NONE:
        break;
    }
}

static void overlays(dk_app *app, dk_ui *ui, dk_rect vp, int bar_h)
{
    if (app->a11y_open)
        a11y_panel(app, ui, vp, bar_h);
    if (app->pin_open)
        pin_dialog(app, ui, vp);
    if (app->stack[app->depth - 1].screen != DK_SCREEN_STAFF)
        app->refused_confirm = 0; /* staff left: the question is no longer theirs to answer */
    if (app->refused_confirm)
        refused_dialog(app, ui, vp);
    if (app->warning)
        more_time_dialog(app, ui, vp);
}

static void frame(dk_app *app, dk_ui *ui, int width, int height, uint32_t now_ms);

void dk_app_frame(dk_app *app, dk_ui *ui, int width, int height, uint32_t now_ms)
{
    int read_this_frame = app->speech_armed;
    app->speech_armed = 0;
    frame(app, ui, width, height, now_ms);
    if (read_this_frame && !dk_ui_had_input(ui))
        app->speech_request = DK_APP_SPEECH_START;
}

static void frame(dk_app *app, dk_ui *ui, int width, int height, uint32_t now_ms)
{
    app->now = now_ms;
    app->redraw = 0;
    if (!app->last_input)
        app->last_input = now_ms;
    if (dk_ui_had_input(ui)) {
        app->last_input = now_ms;
        if (app->speech_available)
            app->speech_request = DK_APP_SPEECH_STOP; /* speech stops on the next action */
    }
    dk_screen screen = app->stack[app->depth - 1].screen;
    /* Idle: warn, count down, then reset everything the visitor chose or typed. */
    if (screen != DK_SCREEN_ATTRACT) {
        uint32_t idle = now_ms - app->last_input;
        if (!app->warning && idle >= (uint32_t)app->cfg->idle_timeout_s * 1000) {
            app->warning = 1;
            app->warning_since = now_ms;
        }
        if (app->warning && now_ms - app->warning_since >= (uint32_t)app->cfg->idle_countdown_s * 1000) {
            dk_info("session reset after %lu s idle", (unsigned long)(idle / 1000));
            reset_session(app);
            dk_ui_scroll_reset_all(ui);
            dk_ui_pointer_cancel(ui);
            screen = DK_SCREEN_ATTRACT;
        }
    }
    load(app);
    dk_metrics m;
    dk_app_metrics(app, width, height, &m);
    dk_ui_begin(ui, width, height, now_ms, &m, dk_app_theme(app));
    if (screen == DK_SCREEN_ATTRACT) {
        screen_attract(app, ui, width, height);
        dk_ui_end(ui);
        return;
    }
    if (dk_ui_swiped_back(ui) && !app->warning)
        go_back(app, ui), load(app);

    dk_rect vp = viewport(app, &m);
    /* The backend clears the screen to DK_C_BACKGROUND before drawing; no fill needed. */
    if (vp.y > 0) { /* low-reach mode: a calm picture above the reach line, nothing to touch */
        dk_rect band = {0, 0, width, vp.y};
        dk_ui_fill(ui, band, dk_ui_color(ui, DK_C_SURFACE), 0);
        if (app->band_image[0])
            dk_ui_image(ui, band, app->band_image, DK_FIT_COVER, "");
    }
    int head_h = header(app, ui, vp, screen_title(app), screen_color(app));
    int bar_h = bottom_bar(app, ui, vp);
    if (app->stack[app->depth - 1].screen != screen || !app->data.loaded) {
        /* A bar button navigated; draw the new screen in the next frame. */
        dk_ui_end(ui);
        return;
    }
    if (is_form(screen) && !app->data.err) {
        screen_signup(app, ui, (dk_rect){vp.x, vp.y + head_h, vp.w, vp.h - head_h - bar_h});
        overlays(app, ui, vp, bar_h);
        dk_ui_end(ui);
        return;
    }
    int kb_h = 0;
    if (screen == DK_SCREEN_SEARCH) {
        /* The keyboard sits right above the bottom bar, within reach (UI.md, low-reach mode
         * included: the viewport is the reachable band then). */
        kb_h = dk_keyboard_height(ui, DK_KEYBOARD_SEARCH, app->lang, vp.w);
        if (kb_h > vp.h / 2)
            kb_h = vp.h / 2;
        dk_rect kb = {vp.x, vp.y + vp.h - bar_h - kb_h, vp.w, kb_h};
        dk_textedit te = {app->search, sizeof app->search, SEARCH_MAX - 1, app->search_cursor};
        dk_textedit_clamp(&te);
        if (dk_keyboard_draw(&app->search_kb, ui, kb, DK_KEYBOARD_SEARCH, app->lang, &te) &
            DK_KEYBOARD_CHANGED)
            dk_ui_scroll_reset_all(ui);
        app->search_cursor = te.cursor;
    }
    dk_rect content = {vp.x, vp.y + head_h, vp.w, vp.h - head_h - bar_h - kb_h};
    if (screen == DK_SCREEN_SEARCH) {
        /* The search field: what was typed, or the hint. */
        int fh = m.target_px;
        dk_rect field = {vp.x + m.margin_px, content.y + m.unit_px, vp.w - 2 * m.margin_px, fh};
        dk_ui_fill(ui, field, dk_ui_color(ui, DK_C_INPUT_BG), m.radius_px);
        dk_ui_outline(ui, field, dk_ui_color(ui, DK_C_OUTLINE), m.radius_px, m.outline_px);
        int lh = 0, asc = 0;
        dk_ui_text(ui)->metrics(dk_ui_text(ui)->ctx, DK_UI_FONT(DK_FONT_BODY, 0), &lh, &asc);
        dk_rect tr = {field.x + m.unit_px * 2, field.y + (fh - lh) / 2, field.w - m.unit_px * 4, lh};
        dk_ui_text_block(ui, tr, DK_UI_FONT(DK_FONT_BODY, 0),
                         dk_ui_color(ui, app->search[0] ? DK_C_TEXT : DK_C_PLACEHOLDER),
                         DK_ALIGN_LEFT, DK_EL_INPUT, app->search[0] ? app->search : S(app, DK_S_SEARCH));
        /* The cursor, where the next letter goes (the cursor keys move it). */
        const dk_ui_text_backend *tb = dk_ui_text(ui);
        int cx = app->search_cursor > 0 ? tb->measure(tb->ctx, DK_UI_FONT(DK_FONT_BODY, 0),
                                                      app->search, app->search_cursor)
                                        : 0;
        if (cx < 0 || cx > tr.w)
            cx = cx < 0 ? 0 : tr.w;
        int cw = dk_mm(&m, 0.7) > 2 ? dk_mm(&m, 0.7) : 2;
        dk_ui_fill(ui, (dk_rect){tr.x + cx, tr.y + lh / 10, cw, lh * 8 / 10},
                   dk_ui_color(ui, DK_C_TEXT), 0);
        content.y += fh + 2 * m.unit_px;
        content.h -= fh + 2 * m.unit_px;
    }
    int margin = m.margin_px;
    int col = content.w - 2 * margin;
    /* Lines of 45 to 75 characters: very wide screens get a centred column. */
    int max_col = m.font_px[DK_FONT_BODY] * 38;
    if (col > max_col)
        col = max_col;
    int x = content.x + (content.w - col) / 2;
    /* Named "scroll:<screen>", never the screen's own name, which a button may carry (the bar's
     * "home" on the home screen): a test that taps "home" means the button. */
    char scroll_id[32];
    snprintf(scroll_id, sizeof scroll_id, "scroll:%s", screen_names[screen]);
    int top = dk_ui_scroll_begin(ui, scroll_id, content);
    flow f = {x, top + m.unit_px * 2, col};
    app->focus_y = -1;
    int start = f.y;
    if (app->data.err) {
        text(ui, &f, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, S(app, DK_S_CONTENT_MISSING));
    } else {
        switch (screen) {
        case DK_SCREEN_HOME: screen_home(app, ui, &f); break;
        case DK_SCREEN_DISTRICT: screen_district(app, ui, &f); break;
        case DK_SCREEN_PROJECTS: screen_projects(app, ui, &f); break;
        case DK_SCREEN_PROJECT: screen_project(app, ui, &f); break;
        case DK_SCREEN_GROUPS: screen_groups(app, ui, &f); break;
        case DK_SCREEN_GROUP: screen_group(app, ui, &f); break;
        case DK_SCREEN_DATES: screen_dates(app, ui, &f); break;
        case DK_SCREEN_PAGE: screen_page(app, ui, &f); break;
        case DK_SCREEN_SEARCH: screen_search(app, ui, &f, content); break;
        case DK_SCREEN_STAFF: screen_staff(app, ui, &f); break;
        default: break;
        }
    }
    f.y += m.unit_px * 4;
    dk_ui_scroll_end(ui, f.y - start + m.unit_px * 2);
    nav *at = &app->stack[app->depth - 1];
    if (at->screen == screen && at->focus_pending && app->data.loaded) {
        /* A date from search: its card near the top of the view, once (the visitor may scroll
         * away). The offset takes effect in the next frame, now that the height is known. */
        if (app->focus_y >= 0)
            dk_ui_scroll_to(ui, scroll_id, app->focus_y - top - m.unit_px * 2);
        at->focus_pending = 0;
    }
    overlays(app, ui, vp, bar_h);
    dk_ui_end(ui);
}

long dk_app_next_wakeup(const dk_app *app, uint32_t now_ms)
{
    dk_screen screen = app->stack[app->depth - 1].screen;
    if (app->speech_armed)
        return 0; /* the frame to read aloud */
    if (app->redraw)
        return 0; /* the outcome of what staff just did */
    if (screen == DK_SCREEN_ATTRACT) {
        if (is_night(app)) /* nothing moves; look again at the next full hour */
            return (long)(3600 - wall_now(app) % 3600) * 1000;
        if (app->paused)
            return (long)(PROMPT_MS - now_ms % PROMPT_MS); /* the prompt still changes language */
        long slide = (long)SLIDE_MS - (long)(now_ms - app->slide_start);
        long prompt = (long)(PROMPT_MS - now_ms % PROMPT_MS);
        long next = slide < prompt ? slide : prompt;
        return next > 0 ? next : 0;
    }
    if (app->warning)
        return 1000 - (long)((now_ms - app->warning_since) % 1000); /* the countdown ticks */
    long idle = (long)app->cfg->idle_timeout_s * 1000 - (long)(now_ms - app->last_input);
    if (screen == DK_SCREEN_STAFF && idle > 1000)
        idle = 1000; /* staff only: "in 7 min" and the sync state stay current */
    return idle > 0 ? idle : 0;
}
