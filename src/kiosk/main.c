/* district-kiosk: entry point and main loop. Reads the settings, makes sure content is installed,
 * opens the window and runs the visitor session; sleeps in SDL_WaitEventTimeout until input or
 * the next timer, and draws only when something changed. */
#include "dk_app.h"
#include "dk_speech.h"
#include "dk_bundle.h"
#include "dk_config.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "dk_store.h"
#include "kiosk_fonts.h"
#include "kiosk_images.h"
#include "kiosk_render.h"
#include "kiosk_script.h"
#include "kiosk_speech.h"
#include "kiosk_signup.h"
#include "kiosk_sync.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#ifndef DK_DATADIR
#define DK_DATADIR "/usr/share/district-kiosk"
#endif
#define APP_VERSION "0.1.0"
#define FRAME_BUDGET (16u << 20)  /* [bytes] one frame's commands, elements and text */
/* [bytes] rendered text lines kept as textures, and those on screen whatever it says: 2 MiB
 * scroll as fast as 4 did, now that making room never evicts a line the frame still draws */
#define TEXT_CACHE_BUDGET (2u << 20)
#define ANIMATION_FRAME_MS 16      /* [ms] between frames while something moves */
#define POLL_MS 10       /* [ms] between looks for events while pictures decode (wait_event) */
#define POLL_IDLE_MS 100 /* [ms] ... otherwise, for other threads' events (wait_event) */
#define INPUT_DEVICES_MAX 32 /* [devices] /dev/input/event* watched on kmsdrm (wait_event) */

typedef struct options {
    const char *config_path, *script_path, *screenshot_path;
    int window_w, window_h; /* 0: fullscreen */
    int software;
    int print_config, hash_pin, check_only, sync_once;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: district-kiosk [options]\n"
            "\n"
            "  --config FILE     settings file (see --print-config for every setting)\n"
            "  --data-dir DIR    where the kiosk keeps its content database and objects\n"
            "  --bundle DIR      bundle to install at first start (default " DK_DATADIR "/bundle)\n"
            "  --set KEY=VALUE   override one setting\n"
            "  --window WxH      run in a window of that size (development) instead of fullscreen\n"
            "  --software        use SDL's software renderer\n"
            "  --script FILE     drive the kiosk from a test script (see kiosk_script.h)\n"
            "  --screenshot PNG  draw the first screen, save it, and quit\n"
            "  --check           install the content if needed, print what it holds, and quit\n"
            "  --sync-once       sync with the hub once, print the outcome and status, and quit\n"
            "  --print-config    print every setting with its default, unit and meaning\n"
            "  --hash-pin        read a staff PIN from standard input and print its hash\n");
}

/* Reads the command line over the settings file; returns 0 to go on, else an exit status. */
static int parse_args(int argc, char **argv, dk_config *cfg, options *opt)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            opt->config_path = argv[++i];
    if (opt->config_path) {
        dk_buf problems;
        dk_buf_init(&problems, 64 * 1024);
        if (dk_config_load(cfg, opt->config_path, &problems) != DK_OK) {
            fprintf(stderr, "%sdistrict-kiosk: fix the settings file and start again\n",
                    problems.data ? problems.data : "");
            dk_buf_free(&problems);
            return 2;
        }
        dk_buf_free(&problems);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        dk_err err = DK_OK;
        if (strcmp(a, "--config") == 0 && more) {
            i++;
        } else if (strcmp(a, "--data-dir") == 0 && more) {
            err = dk_config_set(cfg, "data_dir", argv[++i]);
        } else if (strcmp(a, "--bundle") == 0 && more) {
            err = dk_config_set(cfg, "bundle_dir", argv[++i]);
        } else if (strcmp(a, "--set") == 0 && more) {
            char kv[DK_CONFIG_STR_MAX + 64];
            snprintf(kv, sizeof kv, "%s", argv[++i]);
            char *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "district-kiosk: --set needs KEY=VALUE\n");
                return 2;
            }
            *eq = '\0';
            err = dk_config_set(cfg, kv, eq + 1);
        } else if (strcmp(a, "--window") == 0 && more) {
            if (sscanf(argv[++i], "%dx%d", &opt->window_w, &opt->window_h) != 2 ||
                opt->window_w < 200 || opt->window_h < 200 || opt->window_w > 16384 ||
                opt->window_h > 16384) {
                fprintf(stderr, "district-kiosk: --window needs a size like 1920x1080\n");
                return 2;
            }
        } else if (strcmp(a, "--software") == 0) {
            opt->software = 1;
        } else if (strcmp(a, "--script") == 0 && more) {
            opt->script_path = argv[++i];
        } else if (strcmp(a, "--screenshot") == 0 && more) {
            opt->screenshot_path = argv[++i];
        } else if (strcmp(a, "--check") == 0) {
            opt->check_only = 1;
        } else if (strcmp(a, "--sync-once") == 0) {
            opt->sync_once = 1;
        } else if (strcmp(a, "--print-config") == 0) {
            opt->print_config = 1;
        } else if (strcmp(a, "--hash-pin") == 0) {
            opt->hash_pin = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else {
            fprintf(stderr, "district-kiosk: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (err) {
            fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
            return 2;
        }
    }
    return 0;
}

static int hash_pin(void)
{
    char pin[64];
    if (!fgets(pin, sizeof pin, stdin)) {
        fprintf(stderr, "district-kiosk: give the PIN on standard input\n");
        return 2;
    }
    pin[strcspn(pin, "\r\n")] = '\0';
    size_t n = strlen(pin);
    int digits = n >= 4 && n <= 12;
    for (size_t i = 0; i < n; i++)
        digits &= pin[i] >= '0' && pin[i] <= '9';
    if (!digits) {
        dk_wipe(pin, sizeof pin);
        fprintf(stderr, "district-kiosk: a staff PIN is 4 to 12 digits\n");
        return 2;
    }
    char hash[DK_PIN_HASH_MAX];
    dk_err err = dk_pin_hash(pin, hash, sizeof hash);
    dk_wipe(pin, sizeof pin);
    if (err) {
        fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
        return 1;
    }
    printf("staff_pin_hash = %s\n", hash);
    return 0;
}

static long long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * 4;
}

/* Keys never leave the kiosk: visitors have no keyboard, and a keyboard someone plugs in must
 * not quit it (Alt+F4, Ctrl+Q, Escape) or switch away (Alt+Tab). SDL_QUIT from the window
 * system is ignored too in kiosk mode; only the staff screen quits. */
static void lock_down(int windowed)
{
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, windowed ? "0" : "1");
    SDL_SetHint(SDL_HINT_ALLOW_ALT_TAB_WHILE_GRABBED, "0");
    SDL_SetHint(SDL_HINT_WINDOWS_NO_CLOSE_ON_ALT_F4, "1");
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0"); /* we handle fingers ourselves */
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
}

typedef struct kiosk {
    dk_config cfg;
    options opt;
    SDL_Window *window;
    SDL_Renderer *renderer;
    kiosk_fonts *fonts;
    kiosk_images *images;
    kiosk_render *render;
    dk_store *store;
    dk_app *app;
    dk_ui *ui;
    kiosk_speech *speech; /* "read aloud"; NULL without an audio device */
    kiosk_sync *sync; /* the content sync worker's glue; NULL when no hub is configured */
    kiosk_clock clock; /* SDL_GetTicks() unless a script moves or freezes it (idle tests) */
    int width, height;
    int finger_down;
} kiosk;

/* Benchmark hooks (tools/bench): DK_BENCH=1 prints when the first frame was presented,
 * DK_BENCH=2 also how long each frame took to build and draw. */
static int bench_level;
static struct timespec process_start;

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000.0 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static uint32_t now_ms(const kiosk *k)
{
    return kiosk_clock_now(&k->clock);
}

/* Feeds one SDL event to the UI; returns 1 if it may change what is on screen. */
static int handle_event(kiosk *k, const SDL_Event *ev)
{
    uint32_t t = now_ms(k);
    switch (ev->type) {
    case SDL_MOUSEBUTTONDOWN:
        if (ev->button.which == SDL_TOUCH_MOUSEID || ev->button.button != SDL_BUTTON_LEFT)
            return 0;
        dk_ui_pointer_down(k->ui, ev->button.x, ev->button.y, t);
        return 1;
    case SDL_MOUSEMOTION:
        if (ev->motion.which == SDL_TOUCH_MOUSEID || !(ev->motion.state & SDL_BUTTON_LMASK))
            return 0;
        dk_ui_pointer_move(k->ui, ev->motion.x, ev->motion.y, t);
        return 1;
    case SDL_MOUSEBUTTONUP:
        if (ev->button.which == SDL_TOUCH_MOUSEID || ev->button.button != SDL_BUTTON_LEFT)
            return 0;
        dk_ui_pointer_up(k->ui, ev->button.x, ev->button.y, t);
        return 1;
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP: {
        /* One finger at a time: a second finger is ignored, not a second pointer. */
        if (ev->type == SDL_FINGERDOWN) {
            if (k->finger_down)
                return 0;
            k->finger_down = (int)ev->tfinger.fingerId + 1;
        } else if (k->finger_down != (int)ev->tfinger.fingerId + 1) {
            return 0;
        }
        int x = (int)(ev->tfinger.x * (float)k->width), y = (int)(ev->tfinger.y * (float)k->height);
        if (ev->type == SDL_FINGERDOWN)
            dk_ui_pointer_down(k->ui, x, y, t);
        else if (ev->type == SDL_FINGERMOTION)
            dk_ui_pointer_move(k->ui, x, y, t);
        else {
            dk_ui_pointer_up(k->ui, x, y, t);
            k->finger_down = 0;
        }
        return 1;
    }
    case SDL_WINDOWEVENT:
        return ev->window.event == SDL_WINDOWEVENT_EXPOSED ||
               ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
               ev->window.event == SDL_WINDOWEVENT_RESTORED;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        kiosk_render_clear_text(k->render);
        kiosk_images_clear(k->images);
        return 1;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
    case SDL_TEXTINPUT:
        return 0; /* see lock_down() */
    default:
        return kiosk_images_handle_event(k->images, ev);
    }
}

/* Draws one frame. If shot is not NULL the frame is saved there before it is presented (the
 * back buffer is undefined after a present on GPU renderers). */
/* What the app asked of speech output in the frame just built: read that frame's screen, or
 * stop. The text is built from the element tree, so it is what the screen shows. */
static void speak(kiosk *k)
{
    int req = dk_app_take_speech_request(k->app);
    if (!k->speech || req == DK_APP_SPEECH_NONE)
        return;
    if (req == DK_APP_SPEECH_STOP) {
        kiosk_speech_stop(k->speech);
        return;
    }
    size_t n;
    const dk_element *els = dk_ui_elements(k->ui, &n);
    char *text = malloc(KIOSK_SPEECH_TEXT_MAX);
    if (!text)
        return;
    size_t len = dk_speech_text(els, n, dk_app_lang(k->app), text, KIOSK_SPEECH_TEXT_MAX);
    dk_info("speech: reading %zu bytes in %s", len, dk_lang_code(dk_app_lang(k->app)));
    kiosk_speech_say(k->speech, dk_app_lang(k->app), text);
    free(text);
}

static dk_err draw(kiosk *k, const char *shot)
{
    static int frames;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    SDL_GetRendererOutputSize(k->renderer, &k->width, &k->height);
    dk_metrics m;
    dk_app_metrics(k->app, k->width, k->height, &m);
    kiosk_fonts_set_metrics(k->fonts, &m);
    dk_app_frame(k->app, k->ui, k->width, k->height, now_ms(k));
    speak(k);
    double built = bench_level >= 2 ? ms_since(&t0) : 0;
    dk_color bg = dk_theme_color(dk_app_theme(k->app), DK_C_BACKGROUND);
    kiosk_render_set_placeholder(k->render, dk_theme_color(dk_app_theme(k->app), DK_C_SURFACE));
    SDL_SetRenderDrawColor(k->renderer, bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(k->renderer);
    size_t n;
    const dk_cmd *cmds = dk_ui_commands(k->ui, &n);
    kiosk_render_commands(k->render, cmds, n);
    double rendered = bench_level >= 2 ? ms_since(&t0) : 0;
    dk_err err = shot ? kiosk_render_screenshot(k->renderer, shot) : DK_OK;
    SDL_RenderPresent(k->renderer);
    if (bench_level >= 2)
        fprintf(stderr, "frame-ms %.3f build %.3f render %.3f commands %zu\n", ms_since(&t0),
                built, rendered - built, n);
    if (bench_level >= 1 && frames++ == 0)
        fprintf(stderr, "first-frame-ms %.3f\n", ms_since(&process_start));
    return err;
}

static int open_content(kiosk *k)
{
    const char *bundle = k->cfg.bundle_dir[0] ? k->cfg.bundle_dir : DK_DATADIR "/bundle";
    int installed = 0;
    dk_err err = dk_bundle_ensure(bundle, k->cfg.data_dir, &installed);
    if (err) {
        dk_error("no usable content: %s: %s", dk_strerror(err), dk_error_detail());
        return -1;
    }
    char db[4096];
    if ((err = dk_bundle_db_path(k->cfg.data_dir, db, sizeof db)) ||
        (err = dk_store_open(db, &k->store))) {
        dk_error("cannot open the content: %s", dk_error_detail());
        return -1;
    }
    dk_store_info info;
    dk_store_get_info(k->store, &info);
    printf("district-kiosk: content release %lld%s%s, %lld districts, %lld projects, %lld groups, "
           "%lld dates, %lld pages%s\n",
           info.version, info.issued[0] ? " of " : "", info.issued, info.districts, info.projects,
           info.groups, info.dates, info.pages, installed ? " (installed from the bundle)" : "");
    fflush(stdout);
    return 0;
}

/* SIGTERM and SIGINT come from the system (systemctl stop, a shutdown), never from a visitor:
 * on them the kiosk ends cleanly, stopping the sync worker and closing its databases. SDL turns
 * them into SDL_QUIT, the same event as a window's close button, which kiosk mode ignores; so
 * this handler, installed over SDL's, marks that a signal came and then runs SDL's handler,
 * which makes the event loop wake up with SDL_QUIT. */
static volatile sig_atomic_t stop_signal;
static void (*sdl_stop_handler[2])(int);

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    void (*next)(int) = sdl_stop_handler[sig == SIGINT];
    if (next != SIG_DFL && next != SIG_IGN && next != NULL)
        next(sig);
}

static void catch_stop_signals(void)
{
    static const int sigs[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; i++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], &sa, &old) != 0)
            continue;
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) {
            sigaction(sigs[i], &old, NULL); /* ignored by whoever started us (nohup, a shell's &) */
            continue;
        }
        sdl_stop_handler[i] = (old.sa_flags & SA_SIGINFO) ? NULL : old.sa_handler;
    }
}

static int start_video(kiosk *k)
{
    int windowed = k->opt.window_w > 0;
    lock_down(windowed);
    /* Without this SDL may show the software renderer's frames through an accelerated renderer
     * (a texture per window): on X11 that costs 3.5 times the CPU of drawing straight into the
     * window. The environment variable still wins. */
    if (k->opt.software)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        dk_error("cannot start the display: %s", SDL_GetError());
        return -1;
    }
    catch_stop_signals(); /* after SDL_Init, which installs SDL's own */
    SDL_DisableScreenSaver();
    if (TTF_Init() != 0) {
        dk_error("cannot start the font engine: %s", TTF_GetError());
        return -1;
    }
    int img_flags = IMG_INIT_JPG | IMG_INIT_PNG | IMG_INIT_WEBP;
    if ((IMG_Init(img_flags) & img_flags) != img_flags)
        dk_warn("some image formats are not available: %s", IMG_GetError());
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
    int w = k->opt.window_w, h = k->opt.window_h;
    if (!windowed) {
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
        w = h = 0;
    }
    k->window = SDL_CreateWindow("district-kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                 w ? w : 1920, h ? h : 1080, flags);
    if (!k->window) {
        dk_error("cannot open the window: %s", SDL_GetError());
        return -1;
    }
    Uint32 rflags = k->opt.software ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC;
    k->renderer = SDL_CreateRenderer(k->window, -1, rflags);
    if (!k->renderer && !k->opt.software) {
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0"); /* as with --software */
        k->renderer = SDL_CreateRenderer(k->window, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!k->renderer) {
        dk_error("cannot draw into the window: %s", SDL_GetError());
        return -1;
    }
    if (!windowed)
        SDL_ShowCursor(SDL_DISABLE); /* a touch screen shows no pointer */
    SDL_GetRendererOutputSize(k->renderer, &k->width, &k->height);
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(k->renderer, &info) == 0)
        dk_info("display %dx%d, renderer %s, video driver %s", k->width, k->height, info.name,
                SDL_GetCurrentVideoDriver());
    dk_metrics m;
    dk_app_metrics(k->app, k->width, k->height, &m);
    char objects[4096];
    dk_err err;
    if ((err = kiosk_fonts_new(NULL, &m, &k->fonts)) ||
        (err = dk_fs_join(objects, sizeof objects, k->cfg.data_dir, DK_BUNDLE_OBJECTS)) ||
        (err = kiosk_images_new(k->renderer, objects, (size_t)k->cfg.image_cache_mb << 20, k->width,
                                k->height, &k->images)) ||
        (err = kiosk_render_new(k->renderer, k->fonts, k->images, TEXT_CACHE_BUDGET, &k->render))) {
        dk_error("cannot start drawing: %s", dk_error_detail());
        return -1;
    }
    dk_ui_text_backend tb = kiosk_fonts_backend(k->fonts);
    k->ui = dk_ui_new(&tb, FRAME_BUDGET);
    if (!k->ui) {
        dk_error("out of memory");
        return -1;
    }
    return 0;
}

static void stop(kiosk *k)
{
    dk_ui_free(k->ui);
    kiosk_render_free(k->render);
    kiosk_images_free(k->images);
    kiosk_fonts_free(k->fonts);
    if (k->renderer)
        SDL_DestroyRenderer(k->renderer);
    if (k->window)
        SDL_DestroyWindow(k->window);
    IMG_Quit();
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    dk_app_free(k->app);
    dk_store_close(k->store);
}

/* Waiting for events. SDL 2 sleeps in SDL_WaitEventTimeout only on video drivers that can be
 * woken (x11, wayland, windows, cocoa); on the others (kmsdrm, dummy, offscreen) it looks for
 * events every millisecond, which cost 1.5 s of CPU per idle minute. There the kiosk waits
 * itself: on kmsdrm it sleeps in poll() on the input devices SDL reads, so that a touch wakes it
 * at once; events of other threads (decoded pictures, sync) are looked for every POLL_IDLE_MS,
 * or POLL_MS while pictures are on their way. */
static struct {
    int sleeps; /* the driver's own wait sleeps */
    int evdev;  /* the driver reads /dev/input/event* itself: watch them */
#ifdef __linux__
    int fd[INPUT_DEVICES_MAX], n;
    struct timespec scanned; /* /dev/input's change time when they were opened */
    int warned;
#endif
} waiter;

static void waiter_start(void)
{
    static const char *const sleeping[] = {"x11", "wayland", "windows", "cocoa"};
    const char *d = SDL_GetCurrentVideoDriver();
    /* Case-blind: SDL 2.26 names its KMS/DRM driver "KMSDRM" (and SDL_VIDEODRIVER accepts
     * either spelling), so a plain strcmp missed it and touches waited for the next look. */
    for (size_t i = 0; d && i < sizeof sleeping / sizeof sleeping[0]; i++)
        if (SDL_strcasecmp(d, sleeping[i]) == 0)
            waiter.sleeps = 1;
    waiter.evdev = d && (SDL_strcasecmp(d, "kmsdrm") == 0 || SDL_strcasecmp(d, "evdev") == 0);
}

#ifdef __linux__
static void waiter_close(void)
{
    for (int i = 0; i < waiter.n; i++)
        close(waiter.fd[i]);
    waiter.n = 0;
}

/* Opens the input devices again when /dev/input changed (a device plugged in or out). Only our
 * own copy of each device's events is read (and thrown away): SDL reads its own. */
static void waiter_scan(void)
{
    struct stat st;
    if (stat("/dev/input", &st) != 0 || (st.st_mtim.tv_sec == waiter.scanned.tv_sec &&
                                         st.st_mtim.tv_nsec == waiter.scanned.tv_nsec))
        return;
    waiter.scanned = st.st_mtim;
    waiter_close();
    DIR *dir = opendir("/dev/input");
    struct dirent *e;
    while (dir && (e = readdir(dir)) && waiter.n < INPUT_DEVICES_MAX) {
        char path[300];
        if (strncmp(e->d_name, "event", 5) != 0 ||
            (size_t)snprintf(path, sizeof path, "/dev/input/%s", e->d_name) >= sizeof path)
            continue;
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            waiter.fd[waiter.n++] = fd;
    }
    if (dir)
        closedir(dir);
    if (waiter.n == 0 && !waiter.warned++)
        dk_warn("cannot watch the input devices in /dev/input: looking for input every %d ms",
                POLL_MS);
}
#endif

/* Sleeps up to ms; 1 if input arrived (then SDL may take a moment to read it too). */
static int nap(long ms)
{
#ifdef __linux__
    if (waiter.evdev) {
        waiter_scan();
        if (waiter.n > 0) {
            struct pollfd p[INPUT_DEVICES_MAX];
            for (int i = 0; i < waiter.n; i++)
                p[i] = (struct pollfd){waiter.fd[i], POLLIN, 0};
            if (poll(p, (nfds_t)waiter.n, (int)ms) <= 0)
                return 0;
            for (int i = 0; i < waiter.n; i++) {
                char buf[1024];
                if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL))
                    waiter.scanned.tv_sec = 0; /* gone: open them again next time */
                else if (p[i].revents & POLLIN)
                    while (read(p[i].fd, buf, sizeof buf) > 0)
                        ;
            }
            return 1;
        }
    }
#endif
    SDL_Delay((uint32_t)ms);
    return 0;
}

/* As SDL_WaitEventTimeout (timeout < 0: no limit), sleeping between looks where SDL would poll.
 * busy: events are expected soon from another thread (pictures being decoded). */
static int wait_event(SDL_Event *ev, long timeout, int busy)
{
    if (waiter.sleeps)
        return timeout < 0 ? SDL_WaitEvent(ev) : SDL_WaitEventTimeout(ev, (int)timeout);
    uint32_t start = SDL_GetTicks();
    int settle = 0; /* looks 1 ms apart after input woke us, until SDL has read it */
    for (;;) {
        if (SDL_PollEvent(ev))
            return 1;
        if (stop_signal)
            return 0;
        long left = timeout < 0 ? POLL_IDLE_MS : timeout - (long)(SDL_GetTicks() - start);
        if (left <= 0)
            return 0;
        long most = busy ? POLL_MS : POLL_IDLE_MS;
#ifdef __linux__
        if (waiter.evdev && waiter.n == 0)
            most = POLL_MS; /* input is only noticed by looking */
#endif
        if (settle > 0) {
            most = 1;
            settle--;
        }
        if (nap(left < most ? left : most))
            settle = 5;
    }
}

static int run(kiosk *k)
{
    kiosk_script *script = NULL;
    if (k->opt.script_path && kiosk_script_load(k->opt.script_path, &script) != DK_OK) {
        dk_error("cannot use the script: %s", dk_error_detail());
        return 2;
    }
    time_t started = time(NULL);
    int dirty = 1, status = 0;
    uint32_t last_status = 0;
    waiter_start();
    /* The screen last drawn: after it changes, memory freed by the old one goes back to the
     * system once the kiosk is idle (malloc_trim), so that the resident set follows what is
     * shown rather than the largest screen ever shown. */
    dk_screen drawn_screen = DK_SCREEN_ATTRACT;
    int drawn_depth = -1, trim = 0;
    for (;;) {
        uint32_t t = now_ms(k);
        if (t - last_status >= 1000 || !last_status) {
            dk_app_status st = {(long long)(time(NULL) - started), rss_kb(), APP_VERSION};
            dk_app_set_status(k->app, &st);
            last_status = t;
        }
        if (dirty) {
            const char *shot = script ? kiosk_script_screenshot_wanted(script) : NULL;
            dk_err err = draw(k, shot);
            if (shot)
                kiosk_script_screenshot_done(script, err);
            dirty = 0;
            /* The frame may have asked for a sync ("Sync now" is seen while the frame is
             * built, after the events were handled): pass it on now, not at the next touch. */
            kiosk_sync_poll(k->sync);
            if (dk_app_screen(k->app) != drawn_screen || dk_app_nav_depth(k->app) != drawn_depth) {
                drawn_screen = dk_app_screen(k->app);
                drawn_depth = dk_app_nav_depth(k->app);
                trim = 1;
            }
            if (k->opt.screenshot_path) {
                /* Give images a moment to arrive, then save what is on screen. */
                uint32_t until = SDL_GetTicks() + 1500;
                while (SDL_GetTicks() < until) {
                    SDL_Event ev;
                    if (SDL_WaitEventTimeout(&ev, 50))
                        handle_event(k, &ev);
                    if (!kiosk_images_pending(k->images))
                        break;
                }
                err = draw(k, k->opt.screenshot_path);
                if (err)
                    dk_error("screenshot: %s", dk_error_detail());
                status = err ? 1 : 0;
                break;
            }
        }
        if (script) {
            kiosk_script_env env = {k->window, k->renderer, k->ui, k->app, 0, &k->clock};
            dk_metrics m;
            dk_app_metrics(k->app, k->width, k->height, &m);
            env.px_per_mm = m.px_per_mm;
            if (!kiosk_script_step(script, &env)) {
                status = kiosk_script_failures(script) ? 1 : 0;
                break;
            }
        }
        if (dk_app_quit_requested(k->app))
            break;
        if (stop_signal) /* also when SDL's handler was not there to send SDL_QUIT */
            goto done;
        /* Sleep until input, the next animation frame, the app's next timer or the script. */
        long timeout = dk_ui_animating(k->ui) ? ANIMATION_FRAME_MS : dk_app_next_wakeup(k->app, now_ms(k));
        if (script) {
            long sw = kiosk_script_wait_ms(script);
            if (sw >= 0 && (timeout < 0 || sw < timeout))
                timeout = sw;
        }
        if (trim && !dk_ui_animating(k->ui)) {
#ifdef __GLIBC__
            malloc_trim(0);
#endif
            trim = 0;
        }
        SDL_Event ev;
        int got = wait_event(&ev, timeout, kiosk_images_pending(k->images) > 0);
        if (!got) {
            dirty = 1; /* a timer is due */
            continue;
        }
        do {
            if (ev.type == SDL_QUIT) {
                if (stop_signal || (k->opt.window_w > 0 && !script))
                    goto done; /* the system stops us, or a development window is closed */
                continue;
            }
            dirty |= kiosk_sync_handle_event(k->sync, &ev) || handle_event(k, &ev);
        } while (SDL_PollEvent(&ev));
        kiosk_sync_poll(k->sync);
        if (dk_ui_animating(k->ui))
            dirty = 1;
        if (script && !kiosk_script_waiting(script))
            dirty = 1;
    }
done:
    if (stop_signal)
        dk_info("stopping: %s", stop_signal == SIGINT ? "interrupted (SIGINT)" : "asked to (SIGTERM)");
#ifdef __linux__
    waiter_close();
#endif
    kiosk_script_free(script);
    return status;
}

int main(int argc, char **argv)
{
    static kiosk k;
    clock_gettime(CLOCK_MONOTONIC, &process_start);
#ifdef __GLIBC__
    /* Blocks of 128 KiB and more (pictures, text lines, decode buffers) get their own mappings
     * and go back to the system when freed. By default glibc raises this threshold after each
     * such free, up to 32 MiB, and later buffers then pile up in the heap, which grew the
     * resident set by tens of MiB over a walk through every screen. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    const char *bench = getenv("DK_BENCH");
    bench_level = bench ? (int)strtol(bench, NULL, 10) : 0;
    dk_config_defaults(&k.cfg);
    dk_log_setup("district-kiosk", DK_LOG_INFO, 1, 0);
    int rc = parse_args(argc, argv, &k.cfg, &k.opt);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (k.opt.print_config) {
        dk_config_write_defaults(stdout);
        return 0;
    }
    if (dk_crypto_init() != DK_OK) {
        fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
        return 1;
    }
    if (k.opt.hash_pin)
        return hash_pin();
    dk_log_level level;
    if (dk_log_level_parse(k.cfg.log_level, &level) != DK_OK) {
        fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
        return 2;
    }
    dk_log_setup("district-kiosk", level, 1, k.cfg.log_syslog);
    if (open_content(&k) != 0)
        return 1;
    if (k.opt.check_only || k.opt.sync_once) {
        dk_store_close(k.store);
        return k.opt.sync_once ? kiosk_sync_once(&k.cfg, APP_VERSION) : 0;
    }
    k.app = dk_app_new(&k.cfg, k.store);
    if (!k.app) {
        dk_error("out of memory");
        dk_store_close(k.store);
        return 1;
    }
    if (start_video(&k) != 0) {
        stop(&k);
        return 1;
    }
    if (kiosk_speech_new(&k.speech) == DK_OK)
        dk_app_set_speech_available(k.app, 1);
    else
        dk_info("read aloud is off: %s", dk_error_detail());
    if (kiosk_sync_start(&k.cfg, APP_VERSION, k.app, &k.store, &k.sync) != DK_OK)
        dk_error("content sync is off: %s", dk_error_detail());
    kiosk_signup *signup = NULL; /* the outbox and "Register interest"; NULL: sign-up is off */
    if (kiosk_signup_start(&k.cfg, k.app, k.sync, &signup) != DK_OK)
        dk_error("sign-up is off: %s", dk_error_detail());
    rc = run(&k);
    kiosk_signup_stop(signup);
    kiosk_sync_stop(k.sync);
    kiosk_speech_free(k.speech);
    stop(&k);
    return rc;
}
