/* dk_test_ui.c: a fake font for UI tests without SDL: widths from the character count, line
 * heights from the metrics the test sets, so layouts are stable on every machine. */
#include "dk_test.h"

#include <math.h>

dk_metrics dkt_fake_metrics;

static int fake_measure(void *ctx, int font, const char *s, size_t len)
{
    (void)ctx;
    int px = dkt_fake_metrics.font_px[DK_UI_FONT_STYLE(font)];
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return (int)lround((double)n * px * 0.55);
}

static void fake_font_metrics(void *ctx, int font, int *line_height, int *ascent)
{
    (void)ctx;
    *line_height = dkt_fake_metrics.line_px[DK_UI_FONT_STYLE(font)];
    *ascent = *line_height * 3 / 4;
}

dk_ui_text_backend dkt_fake_text_backend(void)
{
    dk_ui_text_backend tb = {NULL, fake_measure, fake_font_metrics};
    return tb;
}
