/* golden_compare.c: compares a screenshot with its golden image within a tolerance, for
 * tests/ui_golden.sh (which compiles it with cc and SDL2_image; it is no CMake target).
 *
 *   golden_compare GOLDEN.png ACTUAL.png DIFF.png [CHANNEL_TOLERANCE [MAX_PERCENT]]
 *
 * A pixel counts as different when any of its red, green or blue channels differs by more than
 * CHANNEL_TOLERANCE (default 48: anti-aliasing and font hinting of another FreeType stay
 * below it; a changed colour, a moved edge or a missing word do not). The images match when
 * at most MAX_PERCENT of the pixels differ (default 0.5). On a mismatch DIFF.png is written:
 * the actual image faded to grey, every differing pixel in full red.
 * Exit status: 0 match, 1 mismatch (one line says by how much), 2 cannot compare. */
#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>

/* Loads a PNG as 32-bit RGBA in memory order; NULL (and a message) if it cannot. */
static SDL_Surface *load_rgba(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    if (!raw) {
        fprintf(stderr, "golden_compare: cannot read %s: %s\n", path, IMG_GetError());
        return NULL;
    }
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGBA32, 0);
    SDL_FreeSurface(raw);
    if (!s)
        fprintf(stderr, "golden_compare: cannot convert %s: %s\n", path, SDL_GetError());
    return s;
}

static int number(const char *text, double min, double max, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    double tolerance = 48, max_percent = 0.5;
    if (argc < 4 || argc > 6 || (argc > 4 && number(argv[4], 0, 255, &tolerance)) ||
        (argc > 5 && number(argv[5], 0, 100, &max_percent))) {
        fprintf(stderr, "usage: golden_compare GOLDEN.png ACTUAL.png DIFF.png "
                        "[CHANNEL_TOLERANCE 0-255 [MAX_PERCENT 0-100]]\n");
        return 2;
    }
    SDL_Surface *golden = load_rgba(argv[1]), *actual = load_rgba(argv[2]);
    int status = 2;
    if (!golden || !actual)
        goto done;
    if (golden->w != actual->w || golden->h != actual->h) {
        printf("size differs: golden %dx%d, actual %dx%d\n", golden->w, golden->h, actual->w,
               actual->h);
        status = 1;
        goto done;
    }
    long long differ = 0, total = (long long)golden->w * golden->h;
    int worst = 0, tol = (int)tolerance;
    for (int y = 0; y < golden->h; y++) {
        const Uint8 *g = (const Uint8 *)golden->pixels + (size_t)y * (size_t)golden->pitch;
        Uint8 *a = (Uint8 *)actual->pixels + (size_t)y * (size_t)actual->pitch;
        for (int x = 0; x < golden->w; x++, g += 4, a += 4) {
            int d = 0;
            for (int c = 0; c < 3; c++) {
                int dc = abs((int)g[c] - (int)a[c]);
                d = dc > d ? dc : d;
            }
            worst = d > worst ? d : worst;
            /* The diff image is built in place: grey actual, red where it differs. */
            if (d > tol) {
                differ++;
                a[0] = 255, a[1] = 0, a[2] = 0;
            } else {
                Uint8 grey = (Uint8)(160 + (a[0] * 3 + a[1] * 6 + a[2]) / 10 * 95 / 255);
                a[0] = a[1] = a[2] = grey;
            }
            a[3] = 255;
        }
    }
    double percent = total ? 100.0 * (double)differ / (double)total : 0;
    status = percent <= max_percent ? 0 : 1;
    printf("%lld of %lld pixels differ by more than %d (%.3f %%, at most %.3f %% allowed); "
           "largest channel difference %d\n",
           differ, total, tol, percent, max_percent, worst);
    if (status && IMG_SavePNG(actual, argv[3]) != 0) {
        fprintf(stderr, "golden_compare: cannot write %s: %s\n", argv[3], IMG_GetError());
        status = 2;
    }
done:
    SDL_FreeSurface(golden);
    SDL_FreeSurface(actual);
    IMG_Quit();
    SDL_Quit();
    return status;
}
