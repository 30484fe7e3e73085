/* kiosk_script.c: the headless test driver: parses a script and feeds the main loop SDL events,
 * then checks the UI's element tree. */
#include "kiosk_script.h"

#include "dk_fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_MAX (256 * 1024) /* [bytes] */
#define LINES_MAX 4096
#define STEPS_MAX 512           /* [micro-steps] one command may expand to */
#define SCROLL_TRIES 40

typedef enum step_kind { STEP_EVENT, STEP_FRAMES, STEP_SLEEP } step_kind;

typedef struct step {
    step_kind kind;
    SDL_Event ev;
    long n; /* frames, or ms */
} step;

struct kiosk_script {
    char *text;
    char **lines;
    int *lineno;
    int nlines, next;
    step steps[STEPS_MAX];
    int nsteps, at;
    uint32_t sleep_until;
    int frames_left;
    int passed, failed;
    int scroll_tries;
    char scroll_target[128];
    int scroll_line;
    int ended;
    char screenshot[1024]; /* path wanted, "" if none */
    int screenshot_line;
};

dk_err kiosk_script_load(const char *path, kiosk_script **out)
{
    *out = NULL;
    kiosk_script *s = calloc(1, sizeof *s);
    if (!s)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    size_t len = 0;
    dk_err err = dk_fs_read(path, SCRIPT_MAX, &s->text, &len);
    if (err) {
        free(s);
        return err;
    }
    s->lines = calloc(LINES_MAX, sizeof *s->lines);
    s->lineno = calloc(LINES_MAX, sizeof *s->lineno);
    if (!s->lines || !s->lineno) {
        kiosk_script_free(s);
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    }
    int no = 0;
    for (char *line = s->text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        no++;
        while (*line == ' ' || *line == '\t')
            line++;
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (!*line || *line == '#')
            continue;
        if (s->nlines == LINES_MAX) {
            kiosk_script_free(s);
            return dk_error_set(DK_ERR_LIMIT, "%s: more than %d commands", path, LINES_MAX);
        }
        s->lineno[s->nlines] = no;
        s->lines[s->nlines++] = line;
    }
    *out = s;
    return DK_OK;
}

void kiosk_script_free(kiosk_script *s)
{
    if (!s)
        return;
    free(s->text);
    free(s->lines);
    free(s->lineno);
    free(s);
}

int kiosk_script_waiting(const kiosk_script *s)
{
    return s->sleep_until != 0 && !s->ended;
}

int kiosk_script_failures(const kiosk_script *s)
{
    return s->failed;
}

long kiosk_script_wait_ms(const kiosk_script *s)
{
    if (s->ended)
        return 0; /* no sleep: the next step reports the end */
    if (s->sleep_until) { /* "wait": the kiosk idles as it would without a script */
        long left = (long)(s->sleep_until - SDL_GetTicks());
        return left > 0 ? left : 0;
    }
    return 16; /* keep frames coming while the script acts */
}

/* ---- helpers ---- */

static void report(kiosk_script *s, int ok, const char *fmt, ...) DK_PRINTF(3, 4);
static void report(kiosk_script *s, int ok, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = s->lineno[s->next - 1];
    if (ok) {
        s->passed++;
        printf("ok   line %d: %s\n", line, msg);
    } else {
        s->failed++;
        printf("FAIL line %d: %s\n", line, msg);
    }
    fflush(stdout);
}

const char *kiosk_script_screenshot_wanted(const kiosk_script *s)
{
    return s->screenshot[0] ? s->screenshot : NULL;
}

void kiosk_script_screenshot_done(kiosk_script *s, dk_err result)
{
    int saved = s->next;
    s->next = s->screenshot_line + 1;
    report(s, result == DK_OK, "screenshot %s%s%s", s->screenshot, result ? ": " : "",
           result ? dk_error_detail() : "");
    s->next = saved;
    s->screenshot[0] = '\0';
}

static const dk_element *find(const kiosk_script_env *env, const char *what)
{
    size_t n;
    const dk_element *els = dk_ui_elements(env->ui, &n);
    for (size_t i = n; i-- > 0;)
        if ((strcmp(els[i].name, what) == 0 || strcmp(els[i].label, what) == 0) &&
            els[i].visible.w > 0 && els[i].visible.h > 0)
            return &els[i];
    return NULL;
}

/* The element in the tree whether it is scrolled into view or not. */
static const dk_element *find_any(const kiosk_script_env *env, const char *what)
{
    size_t n;
    const dk_element *els = dk_ui_elements(env->ui, &n);
    for (size_t i = n; i-- > 0;)
        if (strcmp(els[i].name, what) == 0 || strcmp(els[i].label, what) == 0)
            return &els[i];
    return NULL;
}

static void add(kiosk_script *s, step st)
{
    if (s->nsteps < STEPS_MAX)
        s->steps[s->nsteps++] = st;
}

static void add_frames(kiosk_script *s, long n)
{
    add(s, (step){STEP_FRAMES, {0}, n});
}

static void add_mouse(kiosk_script *s, Uint32 type, int x, int y)
{
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    if (type == SDL_MOUSEMOTION) {
        ev.motion.x = x;
        ev.motion.y = y;
        ev.motion.state = SDL_BUTTON_LMASK;
    } else {
        ev.button.button = SDL_BUTTON_LEFT;
        ev.button.x = x;
        ev.button.y = y;
        ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
        ev.button.clicks = 1;
    }
    add(s, (step){STEP_EVENT, ev, 0});
}

static void add_finger(kiosk_script *s, const kiosk_script_env *env, Uint32 type, int x, int y)
{
    int w = 1, h = 1;
    SDL_GetRendererOutputSize(env->renderer, &w, &h);
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.tfinger.touchId = 1;
    ev.tfinger.fingerId = 1;
    ev.tfinger.x = (float)x / (float)w;
    ev.tfinger.y = (float)y / (float)h;
    ev.tfinger.pressure = 1;
    add(s, (step){STEP_EVENT, ev, 0});
}

static void add_tap(kiosk_script *s, const kiosk_script_env *env, int x, int y, int finger)
{
    if (finger) {
        add_finger(s, env, SDL_FINGERDOWN, x, y);
        add_frames(s, 2);
        add_finger(s, env, SDL_FINGERUP, x, y);
    } else {
        add_mouse(s, SDL_MOUSEBUTTONDOWN, x, y);
        add_frames(s, 2);
        add_mouse(s, SDL_MOUSEBUTTONUP, x, y);
    }
    add_frames(s, 3);
}

static void add_drag(kiosk_script *s, int x0, int y0, int x1, int y1, long ms)
{
    int n = (int)(ms / 16);
    if (n < 2)
        n = 2;
    if (n > 100)
        n = 100;
    add_mouse(s, SDL_MOUSEBUTTONDOWN, x0, y0);
    add_frames(s, 1);
    for (int i = 1; i <= n; i++) {
        add_mouse(s, SDL_MOUSEMOTION, x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n);
        add(s, (step){STEP_SLEEP, {0}, 16});
    }
    add_mouse(s, SDL_MOUSEBUTTONUP, x1, y1);
    add_frames(s, 3);
}

static int add_key(kiosk_script *s, const char *combo)
{
    Uint16 mod = KMOD_NONE;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", combo);
    char *name = buf;
    for (char *plus; (plus = strchr(name, '+')) != NULL; name = plus + 1) {
        *plus = '\0';
        if (SDL_strcasecmp(name, "alt") == 0)
            mod |= KMOD_LALT;
        else if (SDL_strcasecmp(name, "ctrl") == 0)
            mod |= KMOD_LCTRL;
        else if (SDL_strcasecmp(name, "shift") == 0)
            mod |= KMOD_LSHIFT;
        else if (SDL_strcasecmp(name, "super") == 0 || SDL_strcasecmp(name, "gui") == 0)
            mod |= KMOD_LGUI;
        else
            return -1;
    }
    SDL_Keycode key = SDL_GetKeyFromName(name);
    if (key == SDLK_UNKNOWN)
        return -1;
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SDL_KEYDOWN;
    ev.key.state = SDL_PRESSED;
    ev.key.keysym.sym = key;
    ev.key.keysym.scancode = SDL_GetScancodeFromKey(key);
    ev.key.keysym.mod = mod;
    add(s, (step){STEP_EVENT, ev, 0});
    ev.type = SDL_KEYUP;
    ev.key.state = SDL_RELEASED;
    add(s, (step){STEP_EVENT, ev, 0});
    add_frames(s, 3);
    return 0;
}

/* ---- commands ---- */

static void cmd_expect(kiosk_script *s, const kiosk_script_env *env, char *args)
{
    char *what = strtok_r(args, " ", &args);
    const char *rest = args ? args : "";
    if (!what) {
        report(s, 0, "expect needs something to expect");
        return;
    }
    if (strcmp(what, "screen") == 0) {
        const char *now = dk_screen_name(dk_app_screen(env->app));
        report(s, strcmp(now, rest) == 0, "screen is %s (expected %s)", now, rest);
    } else if (strcmp(what, "visible") == 0 || strcmp(what, "absent") == 0) {
        char target[256];
        double min_mm = 0;
        const char *mm = strstr(rest, " min_mm ");
        size_t tl = mm ? (size_t)(mm - rest) : strlen(rest);
        snprintf(target, sizeof target, "%.*s", (int)tl, rest);
        if (mm)
            min_mm = strtod(mm + 8, NULL);
        const dk_element *e = find(env, target);
        if (what[0] == 'a') {
            report(s, e == NULL, "'%s' is %s", target, e ? "visible" : "absent");
            return;
        }
        if (!e) {
            report(s, 0, "'%s' is not visible", target);
            return;
        }
        double h_mm = e->rect.h / env->px_per_mm, w_mm = e->rect.w / env->px_per_mm;
        int ok = h_mm + 0.01 >= min_mm && w_mm + 0.01 >= min_mm && e->rect.h >= (min_mm > 0 ? 44 : 0);
        report(s, ok, "'%s' visible, %.1f x %.1f mm%s", target, w_mm, h_mm,
               min_mm > 0 ? " (min checked)" : "");
    } else if (strcmp(what, "text") == 0) {
        size_t n;
        const dk_element *els = dk_ui_elements(env->ui, &n);
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = els[i].visible.h > 0 && strstr(els[i].label, rest) != NULL;
        report(s, found, "text '%s' %s", rest, found ? "visible" : "not visible");
    } else if (strcmp(what, "lang") == 0) {
        const char *now = dk_lang_code(dk_app_lang(env->app));
        report(s, strcmp(now, rest) == 0, "language %s (expected %s)", now, rest);
    } else if (strcmp(what, "large_text") == 0 || strcmp(what, "high_contrast") == 0 ||
               strcmp(what, "low_reach") == 0) {
        int v = what[0] == 'l' ? (what[1] == 'a' ? dk_app_large_text(env->app)
                                                  : dk_app_low_reach(env->app))
                               : dk_app_high_contrast(env->app);
        report(s, v == (int)strtol(rest, NULL, 10), "%s is %d", what, v);
    } else if (strcmp(what, "search") == 0) {
        const char *now = dk_app_search_text(env->app);
        report(s, strcmp(now, rest) == 0, "search text '%s' (expected '%s')", now, rest);
    } else if (strcmp(what, "running") == 0) {
        report(s, !dk_app_quit_requested(env->app), "kiosk still running");
    } else if (strcmp(what, "fits") == 0) {
        const char *label = NULL;
        int n = dk_ui_label_overflows(env->ui, &label);
        report(s, n == 0, "%d button labels overflow%s%s", n, n ? ", e.g. " : "", n ? label : "");
    } else {
        report(s, 0, "unknown expectation '%s'", what);
    }
}

static void dump(const kiosk_script_env *env)
{
    size_t n;
    const dk_element *els = dk_ui_elements(env->ui, &n);
    static const char *const roles[] = {"button", "text", "heading", "image", "scroll", "dialog", "input"};
    for (size_t i = 0; i < n; i++)
        printf("  %-7s %-28s %5d,%5d %4dx%-4d %s%s\n", roles[els[i].role], els[i].name,
               els[i].rect.x, els[i].rect.y, els[i].rect.w, els[i].rect.h, els[i].label,
               els[i].visible.h ? "" : " (hidden)");
}

/* Plans the micro-steps of one command, or runs it at once (expectations). */
static void run_command(kiosk_script *s, const kiosk_script_env *env, char *line)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", line);
    char *args = NULL;
    char *cmd = strtok_r(copy, " ", &args);
    if (!args)
        args = copy + strlen(copy);
    int w = 1, h = 1;
    SDL_GetRendererOutputSize(env->renderer, &w, &h);
    if (strcmp(cmd, "tap") == 0 || strcmp(cmd, "touch") == 0) {
        const dk_element *e = find(env, args);
        if (!e) {
            report(s, 0, "nothing visible to %s: '%s' on screen %s", cmd, args,
                   dk_screen_name(dk_app_screen(env->app)));
            return;
        }
        add_tap(s, env, e->visible.x + e->visible.w / 2, e->visible.y + e->visible.h / 2,
                cmd[1] == 'o');
    } else if (strcmp(cmd, "tapxy") == 0) {
        int x = 0, y = 0;
        if (sscanf(args, "%d %d", &x, &y) != 2)
            report(s, 0, "tapxy needs X Y");
        else
            add_tap(s, env, x, y, 0);
    } else if (strcmp(cmd, "drag") == 0) {
        int x0, y0, x1, y1;
        long ms = 300;
        int got = sscanf(args, "%d %d %d %d %ld", &x0, &y0, &x1, &y1, &ms);
        if (got < 4)
            report(s, 0, "drag needs X0 Y0 X1 Y1 [MS]");
        else
            add_drag(s, x0, y0, x1, y1, ms);
    } else if (strcmp(cmd, "scrollto") == 0) {
        snprintf(s->scroll_target, sizeof s->scroll_target, "%s", args);
        s->scroll_tries = SCROLL_TRIES;
        s->scroll_line = s->next - 1;
    } else if (strcmp(cmd, "type") == 0) {
        for (const char *p = args; *p;) {
            size_t len = 1;
            while (p[len] && ((unsigned char)p[len] & 0xC0) == 0x80)
                len++;
            char name[32];
            if (*p == ' ')
                snprintf(name, sizeof name, "key:space");
            else
                snprintf(name, sizeof name, "key:%.*s", (int)len, p);
            /* Keys do not move, so their places are known from the current frame. */
            const dk_element *e = find(env, name);
            if (!e) {
                report(s, 0, "no key '%s' on the keyboard", name);
                return;
            }
            add_tap(s, env, e->visible.x + e->visible.w / 2, e->visible.y + e->visible.h / 2, 0);
            p += len;
        }
    } else if (strcmp(cmd, "key") == 0) {
        if (add_key(s, args) != 0)
            report(s, 0, "unknown key combination '%s'", args);
    } else if (strcmp(cmd, "wait") == 0) {
        add(s, (step){STEP_SLEEP, {0}, strtol(args, NULL, 10)});
        add_frames(s, 1);
    } else if (strcmp(cmd, "advance") == 0) {
        uint32_t ms = (uint32_t)strtol(args, NULL, 10);
        if (env->clock->frozen)
            env->clock->frozen_at += ms;
        else
            env->clock->offset += ms;
        add_frames(s, 2);
    } else if (strcmp(cmd, "freeze") == 0) {
        env->clock->frozen_at = kiosk_clock_now(env->clock);
        env->clock->frozen = 1;
        add_frames(s, 1);
    } else if (strcmp(cmd, "unfreeze") == 0) {
        if (env->clock->frozen) /* time goes on from where it stood */
            env->clock->offset = env->clock->frozen_at - SDL_GetTicks();
        env->clock->frozen = 0;
        add_frames(s, 1);
    } else if (strcmp(cmd, "screenshot") == 0) {
        snprintf(s->screenshot, sizeof s->screenshot, "%s", args);
        s->screenshot_line = s->next - 1;
        add_frames(s, 1);
    } else if (strcmp(cmd, "dump") == 0) {
        dump(env);
    } else if (strcmp(cmd, "expect") == 0) {
        cmd_expect(s, env, args);
    } else if (strcmp(cmd, "quit") == 0) {
        s->ended = 1;
        printf("script: %d passed, %d failed\n", s->passed, s->failed);
        fflush(stdout);
    } else {
        report(s, 0, "unknown command '%s'", cmd);
    }
}

int kiosk_script_step(kiosk_script *s, const kiosk_script_env *env)
{
    if (s->ended)
        return 0;
    if (s->sleep_until) {
        if ((int32_t)(SDL_GetTicks() - s->sleep_until) < 0)
            return 1;
        s->sleep_until = 0;
    }
    if (s->frames_left > 0) {
        s->frames_left--;
        return 1;
    }
    if (s->at < s->nsteps) {
        step *st = &s->steps[s->at++];
        if (st->kind == STEP_EVENT) {
            st->ev.common.timestamp = SDL_GetTicks();
            SDL_PushEvent(&st->ev);
        } else if (st->kind == STEP_FRAMES) {
            s->frames_left = (int)st->n;
        } else {
            s->sleep_until = SDL_GetTicks() + (uint32_t)st->n;
            if (!s->sleep_until)
                s->sleep_until = 1;
        }
        return 1;
    }
    s->nsteps = s->at = 0;
    if (s->scroll_tries > 0) {
        const dk_element *e = find_any(env, s->scroll_target);
        int w = 1, h = 1;
        SDL_GetRendererOutputSize(env->renderer, &w, &h);
        if (e && e->visible.h == e->rect.h && e->visible.w > 0) {
            s->scroll_tries = 0;
            return 1;
        }
        if (--s->scroll_tries == 0) {
            int saved = s->next;
            s->next = s->scroll_line + 1;
            report(s, 0, "could not scroll to '%s'", s->scroll_target);
            s->next = saved;
            return 1;
        }
        /* Drag by the distance to the element (up or down, at most half a screen), resting
         * before the release so that nothing flings: each step moves a known amount. */
        int dy = e ? (e->rect.y + e->rect.h / 2) - h / 2 : h / 3;
        if (dy > h / 3)
            dy = h / 3;
        if (dy < -h / 3)
            dy = -h / 3;
        if (dy > -8 && dy < 8)
            dy = dy < 0 ? -8 : 8;
        add_mouse(s, SDL_MOUSEBUTTONDOWN, w / 2, h / 2 + dy / 2);
        add_frames(s, 1);
        for (int i = 1; i <= 8; i++) {
            add_mouse(s, SDL_MOUSEMOTION, w / 2, h / 2 + dy / 2 - dy * i / 8);
            add(s, (step){STEP_SLEEP, {0}, 16});
        }
        add(s, (step){STEP_SLEEP, {0}, 150});
        add_mouse(s, SDL_MOUSEBUTTONUP, w / 2, h / 2 - dy / 2);
        add(s, (step){STEP_SLEEP, {0}, 250}); /* overscroll settles */
        add_frames(s, 1);
        return 1;
    }
    if (s->next >= s->nlines) {
        s->ended = 1;
        printf("script: %d passed, %d failed\n", s->passed, s->failed);
        fflush(stdout);
        return 0;
    }
    run_command(s, env, s->lines[s->next++]);
    return 1;
}
