/* dk_benchhook.c: an LD_PRELOAD library that times district-kiosk from outside, without any
 * change to the kiosk: it wraps a few SDL calls the kiosk makes through the dynamic linker.
 *
 *   SDL_GetRendererOutputSize  draw() calls it first, so the last call before a present is the
 *                              start of a frame (scripts call it too, but only between frames)
 *   SDL_RenderPresent          the end of a frame: one line per frame in the log
 *   SDL_RenderReadPixels       marks the frame as a screenshot frame (PNG encoding in it)
 *   SDL_PushEvent              counts mouse presses the script injects: the "phase" of a frame
 *   SDL_WaitEventTimeout/SDL_WaitEvent/SDL_PollEvent  optionally inject taps at given times
 *                              (DK_BENCH_TAPS), for measurements that must run without a script
 *                              (idle CPU); SDL_PollEvent because on video drivers that cannot
 *                              sleep (dummy, kmsdrm) the kiosk waits by polling itself
 *
 * Environment:
 *   DK_BENCH_LOG=FILE   where to write (default: stderr)
 *   DK_BENCH_T0=S.US    the time the process was started, as bash's $EPOCHREALTIME just before
 *                       exec; frame times in the log are relative to it. Without it, relative
 *                       to the library's constructor (which misses exec and dynamic loading).
 *   DK_BENCH_TAPS=MS:X,Y[;MS:X,Y...]  left-click at X,Y once MS ms have passed since T0
 *   DK_BENCH_MEM=1      also log the resident set at every mouse press (to see which screen
 *                       costs what); the peak at exit is logged always
 *
 * Log lines:
 *   first-frame-ms MS          process start to the end of the first SDL_RenderPresent
 *   first-frame-cpu-ms MS      CPU time of the whole process (all threads) by then
 *   frame T DUR PHASE DOWN SHOT CPU  end of present since T0 [ms], draw() duration [ms], mouse
 *                              presses so far, 1 if the left button was held, 1 if a screenshot
 *                              frame, CPU time of the drawing thread in draw() [ms] (unlike DUR
 *                              it does not grow when other work on the machine takes the CPU)
 *   mem PHASE RSS HWM          [KiB] resident now and peak so far, at the press that starts PHASE
 *                              (PHASE 0: at the first frame)
 *   exit-ms MS                 process start to exit
 *   peak-rss-kb HWM            [KiB] VmHWM at exit: the peak resident set of the whole run
 * Build: cc -O2 -shared -fPIC -o dk_benchhook.so dk_benchhook.c $(pkg-config --cflags sdl2) -ldl */
#define _GNU_SOURCE
#include <SDL.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAPS_MAX 16

static FILE *log_out;
static double t0_real;     /* [s] CLOCK_REALTIME at process start */
static double frame_start; /* [s] CLOCK_REALTIME, 0 if none */
static double frame_cpu_start; /* [s] CLOCK_THREAD_CPUTIME_ID of the drawing thread */
static int frames, phase, button_down, shot, log_mem;
static struct tap {
    double at; /* [s] since t0 */
    int x, y, stage; /* stage 0: press due, 1: release due (100 ms later), 2: done */
} taps[TAPS_MAX];
static int ntaps;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_real(void)
{
    return clock_s(CLOCK_REALTIME);
}

__attribute__((constructor)) static void hook_init(void)
{
    const char *path = getenv("DK_BENCH_LOG");
    log_out = path && *path ? fopen(path, "w") : NULL;
    if (!log_out)
        log_out = stderr;
    setvbuf(log_out, NULL, _IOLBF, 0); /* the bench reads the log while the kiosk runs */
    const char *t0 = getenv("DK_BENCH_T0");
    t0_real = t0 && *t0 ? strtod(t0, NULL) : now_real();
    const char *mem = getenv("DK_BENCH_MEM");
    log_mem = mem && *mem && *mem != '0';
    const char *spec = getenv("DK_BENCH_TAPS");
    while (spec && *spec && ntaps < TAPS_MAX) {
        long ms;
        int x, y, used = 0;
        if (sscanf(spec, "%ld:%d,%d%n", &ms, &x, &y, &used) != 3)
            break;
        taps[ntaps++] = (struct tap){(double)ms / 1000.0, x, y, 0};
        spec += used;
        if (*spec == ';')
            spec++;
    }
}

/* VmRSS and VmHWM of this process [KiB]. */
static void read_mem(long *rss, long *hwm)
{
    *rss = *hwm = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm = strtol(line + 6, NULL, 10);
    }
    fclose(f);
}

__attribute__((destructor)) static void hook_fini(void)
{
    long rss, hwm;
    read_mem(&rss, &hwm);
    fprintf(log_out, "exit-ms %.3f\n", (now_real() - t0_real) * 1000.0);
    fprintf(log_out, "peak-rss-kb %ld\n", hwm);
    fflush(log_out);
}

#define REAL(ret, name, ...)                                                                   \
    static ret (*real_##name)(__VA_ARGS__);                                                    \
    if (!real_##name)                                                                          \
        *(void **)&real_##name = dlsym(RTLD_NEXT, #name);

int SDL_GetRendererOutputSize(SDL_Renderer *r, int *w, int *h)
{
    REAL(int, SDL_GetRendererOutputSize, SDL_Renderer *, int *, int *);
    frame_start = now_real();
    frame_cpu_start = clock_s(CLOCK_THREAD_CPUTIME_ID);
    return real_SDL_GetRendererOutputSize(r, w, h);
}

int SDL_RenderReadPixels(SDL_Renderer *r, const SDL_Rect *rect, Uint32 format, void *pixels,
                         int pitch)
{
    REAL(int, SDL_RenderReadPixels, SDL_Renderer *, const SDL_Rect *, Uint32, void *, int);
    shot = 1;
    return real_SDL_RenderReadPixels(r, rect, format, pixels, pitch);
}

void SDL_RenderPresent(SDL_Renderer *r)
{
    REAL(void, SDL_RenderPresent, SDL_Renderer *);
    real_SDL_RenderPresent(r);
    double end = now_real(), cpu_end = clock_s(CLOCK_THREAD_CPUTIME_ID);
    if (frames++ == 0) {
        fprintf(log_out, "first-frame-ms %.3f\n", (end - t0_real) * 1000.0);
        fprintf(log_out, "first-frame-cpu-ms %.3f\n", clock_s(CLOCK_PROCESS_CPUTIME_ID) * 1000.0);
        if (log_mem) {
            long rss, hwm;
            read_mem(&rss, &hwm);
            fprintf(log_out, "mem 0 %ld %ld\n", rss, hwm);
        }
    }
    double dur = frame_start > 0 ? end - frame_start : 0;
    double cpu = frame_start > 0 ? cpu_end - frame_cpu_start : 0;
    fprintf(log_out, "frame %.3f %.3f %d %d %d %.3f\n", (end - t0_real) * 1000.0, dur * 1000.0,
            phase, button_down, shot, cpu * 1000.0);
    frame_start = 0;
    shot = 0;
}

static void note_event(const SDL_Event *ev)
{
    if (ev->type == SDL_MOUSEBUTTONDOWN && ev->button.button == SDL_BUTTON_LEFT) {
        phase++;
        button_down = 1;
        if (log_mem) {
            long rss, hwm;
            read_mem(&rss, &hwm);
            fprintf(log_out, "mem %d %ld %ld\n", phase, rss, hwm);
        }
    } else if (ev->type == SDL_MOUSEBUTTONUP && ev->button.button == SDL_BUTTON_LEFT) {
        button_down = 0;
    }
}

int SDL_PushEvent(SDL_Event *ev)
{
    REAL(int, SDL_PushEvent, SDL_Event *);
    note_event(ev);
    return real_SDL_PushEvent(ev);
}

/* Pushes taps that are due; returns ms until the next one, or -1. */
static long inject_due(void)
{
    double t = now_real() - t0_real;
    long next = -1;
    for (int i = 0; i < ntaps; i++) {
        struct tap *tp = &taps[i];
        double due = tp->stage == 0 ? tp->at : tp->at + 0.1;
        if (tp->stage < 2 && t >= due) {
            SDL_Event ev;
            memset(&ev, 0, sizeof ev);
            ev.type = tp->stage == 0 ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
            ev.button.button = SDL_BUTTON_LEFT;
            ev.button.state = tp->stage == 0 ? SDL_PRESSED : SDL_RELEASED;
            ev.button.clicks = 1;
            ev.button.x = tp->x;
            ev.button.y = tp->y;
            ev.button.timestamp = SDL_GetTicks();
            SDL_PushEvent(&ev);
            tp->stage++;
            due = tp->at + 0.1;
        }
        if (tp->stage < 2) {
            long ms = (long)((due - t) * 1000.0) + 1;
            if (ms < 0)
                ms = 0;
            if (next < 0 || ms < next)
                next = ms;
        }
    }
    return next;
}

int SDL_WaitEventTimeout(SDL_Event *ev, int timeout)
{
    REAL(int, SDL_WaitEventTimeout, SDL_Event *, int);
    if (ntaps) {
        long next = inject_due();
        if (next >= 0 && (timeout < 0 || next < timeout))
            timeout = (int)next;
    }
    return real_SDL_WaitEventTimeout(ev, timeout);
}

int SDL_WaitEvent(SDL_Event *ev)
{
    REAL(int, SDL_WaitEvent, SDL_Event *);
    if (ntaps) {
        long next = inject_due();
        if (next >= 0)
            return SDL_WaitEventTimeout(ev, (int)next) ? 1 : SDL_WaitEvent(ev);
    }
    return real_SDL_WaitEvent(ev);
}

int SDL_PollEvent(SDL_Event *ev)
{
    REAL(int, SDL_PollEvent, SDL_Event *);
    if (ntaps)
        (void)inject_due();
    return real_SDL_PollEvent(ev);
}
