/* dk_ui.c: immediate-mode UI core: input to taps, drags and swipes; kinetic scrolling; widgets
 * that emit draw commands and elements. */
#include "dk_ui.h"

#include "dk_buf.h"
#include "dk_richtext.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CMDS 8192     /* [commands] per frame */
#define MAX_ELEMENTS 2048 /* [elements] per frame */
#define MAX_HITS 2048     /* [targets] per frame */
#define MAX_SCROLLS 32    /* [areas] whose offsets are remembered */
#define MAX_STACK 16      /* [levels] of nested clips and scroll areas */
#define SAMPLES 8         /* [moves] kept to estimate a fling's speed */

#define SLOP_MM 3.0          /* [mm] a finger may move this far and still tap */
#define EDGE_MM 6.0          /* [mm] a back swipe starts this close to the left edge */
#define SWIPE_MM 25.0        /* [mm] ... and moves at least this far right */
#define FRICTION 3.5         /* [1/s] exponential decay of a fling's speed */
#define SPRING 14.0          /* [1/s] how fast overscroll settles back */
#define RUBBER 0.45          /* overscroll moves this fraction of the finger */
#define MIN_SPEED 15.0       /* [px/s] a fling slower than this stops */
#define MAX_SPEED 8000.0     /* [px/s] flings are capped */
#define FLING_WINDOW_MS 100  /* [ms] moves this recent set a fling's speed */
#define BAR_MM 1.5           /* [mm] width of the scroll position bar */

typedef struct hit {
    uint32_t id;
    dk_rect visible;
    int layer;
    int scroll; /* 1 for a scroll area */
} hit;

typedef struct scroll_state {
    uint32_t id;
    float offset;   /* [px] may be outside [0, max] while overscrolled */
    float velocity; /* [px/s] */
    int content_h, view_h;
    uint32_t seen;  /* frame number last drawn */
} scroll_state;

typedef struct sample {
    int y;
    uint32_t ms;
} sample;

struct dk_ui {
    dk_ui_text_backend text;
    dk_arena *arena;
    uint32_t frame;

    /* this frame */
    int width, height;
    uint32_t now, last_now;
    const dk_metrics *metrics;
    dk_theme theme;
    dk_cmd *cmds;
    size_t ncmds;
    dk_element *els;
    size_t nels;
    hit *hits, *prev_hits;
    size_t nhits, nprev_hits;
    int overflow;
    int label_overflows; /* button labels that did not fit even in the small font */
    const char *last_overflow; /* the last of them (frame arena), for the test report */
    dk_rect clip[MAX_STACK];
    int shift[MAX_STACK]; /* [px] vertical translation of scroll areas, cumulative */
    int nclip;
    int scroll_stack[MAX_STACK]; /* index into scrolls of each open area */
    int nscroll_stack;
    int clips_dropped; /* dk_ui_clip_begin() calls that found the stack full */
    int layer, modal_layer, prev_modal_layer;
    uint32_t seen_ids[256]; /* open addressing: ids used this frame, for occurrence counts */
    unsigned seen_counts[256];

    /* input */
    int down, went_up, dragging, had_input, swiped, swipe_done;
    int down_x, down_y, cur_x, cur_y, up_x, up_y;
    uint32_t down_ms;
    uint32_t target;      /* id of the target under the finger at touch-down (0: none) */
    int drag_scroll;      /* index into scrolls being dragged, -1 none */
    float drag_start;     /* [px] that area's offset at the start of the drag */
    sample samples[SAMPLES];
    int nsamples;
    int slop_px, edge_px, swipe_px; /* from the last frame's metrics */

    scroll_state scrolls[MAX_SCROLLS];
};

/* ---- rectangles ---- */

int dk_rect_contains(dk_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

dk_rect dk_rect_intersect(dk_rect a, dk_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    dk_rect r = {x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
    return r;
}

dk_rect dk_rect_inset(dk_rect r, int dx, int dy)
{
    dk_rect o = {r.x + dx, r.y + dy, r.w - 2 * dx, r.h - 2 * dy};
    if (o.w < 0)
        o.w = 0;
    if (o.h < 0)
        o.h = 0;
    return o;
}

/* ---- life cycle ---- */

dk_ui *dk_ui_new(const dk_ui_text_backend *text, size_t frame_budget)
{
    dk_ui *ui = calloc(1, sizeof *ui);
    if (!ui)
        return NULL;
    ui->text = *text;
    ui->arena = dk_arena_new(frame_budget);
    ui->cmds = malloc(MAX_CMDS * sizeof *ui->cmds);
    ui->els = malloc(MAX_ELEMENTS * sizeof *ui->els);
    ui->hits = malloc(MAX_HITS * sizeof *ui->hits);
    ui->prev_hits = malloc(MAX_HITS * sizeof *ui->prev_hits);
    if (!ui->arena || !ui->cmds || !ui->els || !ui->hits || !ui->prev_hits) {
        dk_ui_free(ui);
        return NULL;
    }
    ui->drag_scroll = -1;
    ui->slop_px = 12;
    ui->edge_px = 24;
    ui->swipe_px = 100;
    return ui;
}

void dk_ui_free(dk_ui *ui)
{
    if (!ui)
        return;
    dk_arena_free(ui->arena);
    free(ui->cmds);
    free(ui->els);
    free(ui->hits);
    free(ui->prev_hits);
    free(ui);
}

/* ---- ids ---- */

static uint32_t fnv(uint32_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A widget's id: its name (or label) plus how often that name already occurred this frame, so
 * that two "Mehr" buttons on one screen stay apart while ids stay stable across frames. */
static uint32_t make_id(dk_ui *ui, const char *name, const char *label)
{
    uint32_t base = fnv(2166136261u, name && *name ? name : label);
    base = fnv(base, ui->nscroll_stack ? "s" : "");
    unsigned slot = base & 255;
    for (int probe = 0; probe < 256; probe++, slot = (slot + 1) & 255) {
        if (ui->seen_counts[slot] == 0) {
            ui->seen_ids[slot] = base;
            ui->seen_counts[slot] = 1;
            return base ? base : 1;
        }
        if (ui->seen_ids[slot] == base) {
            uint32_t id = base ^ (ui->seen_counts[slot]++ * 2654435761u);
            return id ? id : 1;
        }
    }
    return base ? base : 1; /* table full: ids may collide, taps still work by position */
}

/* ---- input ---- */

static int find_scroll(dk_ui *ui, uint32_t id)
{
    for (int i = 0; i < MAX_SCROLLS; i++)
        if (ui->scrolls[i].id == id)
            return i;
    return -1;
}

static float max_offset(const scroll_state *s)
{
    float m = (float)(s->content_h - s->view_h);
    return m > 0 ? m : 0;
}

void dk_ui_pointer_down(dk_ui *ui, int x, int y, uint32_t ms)
{
    ui->had_input = 1;
    ui->down = 1;
    ui->went_up = 0;
    ui->dragging = 0;
    ui->swipe_done = 0;
    ui->down_x = ui->cur_x = x;
    ui->down_y = ui->cur_y = y;
    ui->down_ms = ms;
    ui->target = 0;
    ui->drag_scroll = -1;
    ui->samples[0] = (sample){y, ms};
    ui->nsamples = 1;
    /* The target is what was on screen under the finger: the topmost target of the last frame
     * that is not beneath an open dialog. */
    for (size_t i = ui->nprev_hits; i-- > 0;) {
        const hit *h = &ui->prev_hits[i];
        if (h->layer < ui->prev_modal_layer || !dk_rect_contains(h->visible, x, y))
            continue;
        if (h->scroll) {
            if (ui->drag_scroll < 0) {
                ui->drag_scroll = find_scroll(ui, h->id);
                if (ui->drag_scroll >= 0) {
                    scroll_state *s = &ui->scrolls[ui->drag_scroll];
                    s->velocity = 0; /* a touch stops a fling */
                    ui->drag_start = s->offset;
                }
            }
        } else if (!ui->target && ui->drag_scroll < 0) {
            ui->target = h->id;
        }
    }
}

void dk_ui_pointer_move(dk_ui *ui, int x, int y, uint32_t ms)
{
    if (!ui->down)
        return;
    ui->had_input = 1;
    ui->cur_x = x;
    ui->cur_y = y;
    int dx = x - ui->down_x, dy = y - ui->down_y;
    if (!ui->dragging && dx * dx + dy * dy > ui->slop_px * ui->slop_px) {
        ui->dragging = 1; /* from now on this touch scrolls; no tap will fire */
        ui->drag_start = ui->drag_scroll >= 0 ? ui->scrolls[ui->drag_scroll].offset : 0;
    }
    if (ui->down_x <= ui->edge_px && !ui->swipe_done && dx >= ui->swipe_px && abs(dy) * 2 < dx) {
        ui->swiped = 1;
        ui->swipe_done = 1;
        ui->drag_scroll = -1; /* the swipe wins over scrolling */
    }
    if (ui->nsamples == SAMPLES) {
        memmove(ui->samples, ui->samples + 1, (SAMPLES - 1) * sizeof *ui->samples);
        ui->nsamples--;
    }
    ui->samples[ui->nsamples++] = (sample){y, ms};
    if (ui->dragging && ui->drag_scroll >= 0) {
        scroll_state *s = &ui->scrolls[ui->drag_scroll];
        float want = ui->drag_start - (float)(y - ui->down_y);
        float max = max_offset(s);
        /* Past either end the content follows the finger only partly: visible overscroll. */
        if (want < 0)
            want *= RUBBER;
        else if (want > max)
            want = max + (want - max) * RUBBER;
        s->offset = want;
    }
}

void dk_ui_pointer_up(dk_ui *ui, int x, int y, uint32_t ms)
{
    if (!ui->down)
        return;
    dk_ui_pointer_move(ui, x, y, ms);
    ui->had_input = 1;
    ui->down = 0;
    ui->went_up = 1;
    ui->up_x = x;
    ui->up_y = y;
    if (ui->dragging && ui->drag_scroll >= 0) {
        /* Fling speed from the moves of the last FLING_WINDOW_MS. */
        const sample *last = &ui->samples[ui->nsamples - 1];
        const sample *first = last;
        for (int i = ui->nsamples - 1; i >= 0; i--)
            if (last->ms - ui->samples[i].ms <= FLING_WINDOW_MS)
                first = &ui->samples[i];
        float v = 0;
        if (last->ms > first->ms)
            v = -(float)(last->y - first->y) * 1000.0f / (float)(last->ms - first->ms);
        if (v > MAX_SPEED)
            v = MAX_SPEED;
        if (v < -MAX_SPEED)
            v = -MAX_SPEED;
        ui->scrolls[ui->drag_scroll].velocity = v;
    }
    ui->drag_scroll = -1;
}

void dk_ui_pointer_cancel(dk_ui *ui)
{
    ui->down = 0;
    ui->went_up = 0;
    ui->dragging = 0;
    ui->target = 0;
    ui->drag_scroll = -1;
}

/* ---- frames ---- */

static void step_scrolls(dk_ui *ui, float dt)
{
    for (int i = 0; i < MAX_SCROLLS; i++) {
        scroll_state *s = &ui->scrolls[i];
        if (!s->id || i == ui->drag_scroll)
            continue;
        float max = max_offset(s);
        if (s->offset < 0 || s->offset > max) {
            float target = s->offset < 0 ? 0 : max;
            s->velocity *= expf(-dt * SPRING * 2); /* a fling into the end stops quickly */
            s->offset += s->velocity * dt;
            s->offset += (target - s->offset) * (1.0f - expf(-dt * SPRING));
            if (fabsf(s->offset - target) < 0.5f && fabsf(s->velocity) < MIN_SPEED) {
                s->offset = target;
                s->velocity = 0;
            }
        } else if (s->velocity != 0) {
            s->offset += s->velocity * dt;
            s->velocity *= expf(-dt * FRICTION);
            if (fabsf(s->velocity) < MIN_SPEED)
                s->velocity = 0;
        }
    }
}

void dk_ui_begin(dk_ui *ui, int width, int height, uint32_t now_ms, const dk_metrics *metrics,
                 dk_theme theme)
{
    dk_arena_reset(ui->arena);
    ui->frame++;
    ui->width = width;
    ui->height = height;
    ui->last_now = ui->now ? ui->now : now_ms;
    ui->now = now_ms;
    ui->metrics = metrics;
    ui->theme = theme;
    ui->ncmds = ui->nels = ui->nhits = 0;
    ui->overflow = 0;
    ui->label_overflows = 0;
    ui->last_overflow = NULL;
    ui->clip[0] = (dk_rect){0, 0, width, height};
    ui->shift[0] = 0;
    ui->nclip = 1;
    ui->nscroll_stack = 0;
    ui->clips_dropped = 0;
    ui->layer = 0;
    ui->modal_layer = 0;
    memset(ui->seen_counts, 0, sizeof ui->seen_counts);
    ui->slop_px = dk_mm(metrics, SLOP_MM);
    ui->edge_px = dk_mm(metrics, EDGE_MM);
    ui->swipe_px = dk_mm(metrics, SWIPE_MM);
    float dt = (float)(ui->now - ui->last_now) / 1000.0f;
    if (dt > 0.05f)
        dt = 0.05f; /* after a pause, do not jump */
    step_scrolls(ui, dt);
}

void dk_ui_end(dk_ui *ui)
{
    /* This frame's targets are what the next touch-down is matched against. */
    hit *t = ui->prev_hits;
    ui->prev_hits = ui->hits;
    ui->hits = t;
    ui->nprev_hits = ui->nhits;
    ui->prev_modal_layer = ui->modal_layer;
    /* Input events are consumed by the frame that saw them. */
    ui->went_up = 0;
    ui->had_input = 0;
    ui->swiped = 0;
    /* Areas not drawn for a while give their slot back (a screen that is gone). */
    for (int i = 0; i < MAX_SCROLLS; i++)
        if (ui->scrolls[i].id && ui->frame - ui->scrolls[i].seen > 600)
            memset(&ui->scrolls[i], 0, sizeof ui->scrolls[i]);
}

const dk_cmd *dk_ui_commands(const dk_ui *ui, size_t *count)
{
    *count = ui->ncmds;
    return ui->cmds;
}

const dk_element *dk_ui_elements(const dk_ui *ui, size_t *count)
{
    *count = ui->nels;
    return ui->els;
}

int dk_ui_animating(const dk_ui *ui)
{
    if (ui->down)
        return 1;
    for (int i = 0; i < MAX_SCROLLS; i++) {
        const scroll_state *s = &ui->scrolls[i];
        if (s->id && (s->velocity != 0 || s->offset < 0 || s->offset > max_offset(s)))
            return 1;
    }
    return 0;
}

int dk_ui_overflowed(const dk_ui *ui)
{
    return ui->overflow;
}

int dk_ui_label_overflows(const dk_ui *ui, const char **last)
{
    if (last)
        *last = ui->last_overflow ? ui->last_overflow : "";
    return ui->label_overflows;
}

int dk_ui_had_input(const dk_ui *ui)
{
    return ui->had_input;
}

int dk_ui_swiped_back(const dk_ui *ui)
{
    return ui->swiped;
}

dk_arena *dk_ui_arena(dk_ui *ui)
{
    return ui->arena;
}

const dk_metrics *dk_ui_metrics(const dk_ui *ui)
{
    return ui->metrics;
}

dk_theme dk_ui_theme(const dk_ui *ui)
{
    return ui->theme;
}

dk_color dk_ui_color(const dk_ui *ui, dk_color_role role)
{
    return dk_theme_color(ui->theme, role);
}

int dk_ui_mm(const dk_ui *ui, double mm)
{
    return dk_mm(ui->metrics, mm);
}

const dk_ui_text_backend *dk_ui_text(const dk_ui *ui)
{
    return &ui->text;
}

/* ---- recording ---- */

static dk_rect shifted(const dk_ui *ui, dk_rect r)
{
    r.y += ui->shift[ui->nclip - 1];
    return r;
}

static dk_cmd *push_cmd(dk_ui *ui, dk_cmd_type type, dk_rect r)
{
    if (ui->ncmds == MAX_CMDS) {
        ui->overflow = 1;
        return NULL;
    }
    dk_rect clip = ui->clip[ui->nclip - 1];
    r = shifted(ui, r);
    if (dk_rect_intersect(r, clip).w == 0 && type != DK_CMD_TEXT)
        return NULL; /* entirely clipped away: nothing to draw */
    dk_cmd *c = &ui->cmds[ui->ncmds++];
    memset(c, 0, sizeof *c);
    c->type = type;
    c->rect = r;
    c->clip = clip;
    return c;
}

static void push_element(dk_ui *ui, dk_el_role role, dk_rect r, const char *label,
                         const char *name, unsigned flags)
{
    if (ui->nels == MAX_ELEMENTS) {
        ui->overflow = 1;
        return;
    }
    dk_element *e = &ui->els[ui->nels++];
    e->role = role;
    e->rect = shifted(ui, r);
    e->visible = dk_rect_intersect(e->rect, ui->clip[ui->nclip - 1]);
    e->label = dk_arena_strdup(ui->arena, label ? label : "");
    e->name = dk_arena_strdup(ui->arena, name ? name : "");
    if (!e->label || !e->name) {
        ui->overflow = 1;
        e->label = e->name = "";
    }
    e->flags = flags;
    e->layer = ui->layer;
}

static void push_hit(dk_ui *ui, uint32_t id, dk_rect visible, int scroll)
{
    if (ui->nhits == MAX_HITS) {
        ui->overflow = 1;
        return;
    }
    ui->hits[ui->nhits++] = (hit){id, visible, ui->layer, scroll};
}

/* ---- drawing ---- */

void dk_ui_fill(dk_ui *ui, dk_rect r, dk_color c, int radius)
{
    dk_cmd *cmd = push_cmd(ui, DK_CMD_RECT, r);
    if (cmd) {
        cmd->color = c;
        cmd->radius = radius;
    }
}

void dk_ui_outline(dk_ui *ui, dk_rect r, dk_color c, int radius, int thickness)
{
    dk_cmd *cmd = push_cmd(ui, DK_CMD_FRAME, r);
    if (cmd) {
        cmd->color = c;
        cmd->radius = radius;
        cmd->thickness = thickness;
    }
}

void dk_ui_image(dk_ui *ui, dk_rect r, const char *hash, dk_fit fit, const char *alt)
{
    push_element(ui, DK_EL_IMAGE, r, alt, hash, 0);
    if (!hash || !*hash)
        return;
    dk_cmd *cmd = push_cmd(ui, DK_CMD_IMAGE, r);
    if (cmd) {
        cmd->image = dk_arena_strdup(ui->arena, hash);
        cmd->fit = fit;
        if (!cmd->image)
            ui->ncmds--, ui->overflow = 1;
    }
}

void dk_ui_element(dk_ui *ui, dk_el_role role, dk_rect r, const char *label, const char *name,
                   unsigned flags)
{
    push_element(ui, role, r, label, name, flags);
}

void dk_ui_clip_begin(dk_ui *ui, dk_rect r)
{
    if (ui->nclip >= MAX_STACK) {
        ui->overflow = 1;
        ui->clips_dropped++;
        return;
    }
    ui->clip[ui->nclip] = dk_rect_intersect(ui->clip[ui->nclip - 1], shifted(ui, r));
    ui->shift[ui->nclip] = ui->shift[ui->nclip - 1];
    ui->nclip++;
}

void dk_ui_clip_end(dk_ui *ui)
{
    if (ui->clips_dropped > 0)
        ui->clips_dropped--;
    else if (ui->nclip > 1)
        ui->nclip--;
}

/* Text measuring for dk_richtext: a richtext style (bits, level) becomes one of our fonts. */
typedef struct measure_ctx {
    dk_ui *ui;
    int style[DK_RICHTEXT_LEVELS]; /* theme font style for body text and heading levels */
} measure_ctx;

static int rt_font(const measure_ctx *m, int style)
{
    return DK_UI_FONT(m->style[DK_RICHTEXT_STYLE_LEVEL(style)], DK_RICHTEXT_STYLE_BITS(style));
}

static int rt_measure(void *ctx, int style, const char *utf8, size_t len)
{
    measure_ctx *m = ctx;
    return m->ui->text.measure(m->ui->text.ctx, rt_font(m, style), utf8, len);
}

static void rt_metrics(dk_ui *ui, measure_ctx *mc, dk_richtext_metrics *rm)
{
    memset(rm, 0, sizeof *rm);
    for (int level = 0; level < DK_RICHTEXT_LEVELS; level++) {
        int lh = 0, asc = 0;
        ui->text.metrics(ui->text.ctx, DK_UI_FONT(mc->style[level], 0), &lh, &asc);
        rm->font[level].line_height = lh;
        rm->font[level].ascent = asc;
        rm->font[level].space_before = level ? lh * 2 / 3 : 0;
        rm->font[level].space_after = level ? lh / 4 : lh / 2;
    }
    rm->list_indent = dk_mm(ui->metrics, 8);
    rm->label_gap = dk_mm(ui->metrics, 2);
    rm->list_item_spacing = dk_mm(ui->metrics, 1.5);
}

/* Lays out a document and emits one text command per span; returns the height. */
static int emit_layout(dk_ui *ui, const dk_richtext_layout *lay, measure_ctx *mc, int x, int y,
                       int w, dk_color c, dk_align align)
{
    for (size_t i = 0; i < lay->nlines; i++) {
        const dk_richtext_line *line = &lay->lines[i];
        int dx = 0;
        if (align == DK_ALIGN_CENTER)
            dx = (w - line->width - line->x) / 2;
        else if (align == DK_ALIGN_RIGHT)
            dx = w - line->width - line->x;
        for (size_t k = 0; k < line->nspans; k++) {
            const dk_richtext_span *sp = &lay->spans[line->first_span + k];
            dk_rect r = {x + dx + sp->x, y + sp->y, sp->width, line->height};
            dk_cmd *cmd = push_cmd(ui, DK_CMD_TEXT, r);
            if (!cmd)
                continue;
            cmd->color = c;
            cmd->font = rt_font(mc, sp->style);
            cmd->text = sp->text;
            cmd->len = sp->len;
        }
    }
    return lay->height;
}

static int lay_out_text(dk_ui *ui, int w, int font, const char *text, int markdown,
                        measure_ctx *mc, dk_richtext_layout *lay)
{
    memset(lay, 0, sizeof *lay);
    mc->ui = ui;
    if (markdown) {
        mc->style[0] = DK_FONT_BODY;
        mc->style[1] = DK_FONT_H1;
        mc->style[2] = DK_FONT_H2;
        mc->style[3] = DK_FONT_H3;
    } else {
        for (int i = 0; i < DK_RICHTEXT_LEVELS; i++)
            mc->style[i] = DK_UI_FONT_STYLE(font);
    }
    if (!text || !*text || w < 1)
        return 0;
    dk_richtext_doc doc;
    dk_err err = markdown ? dk_richtext_parse_markdown(ui->arena, text, strlen(text), &doc)
                          : dk_richtext_parse_plain(ui->arena, text, strlen(text), &doc);
    if (err) {
        ui->overflow = 1;
        return -1;
    }
    if (!markdown && DK_UI_FONT_BITS(font)) {
        /* A plain block in a bold or italic font: every run takes those bits. */
        for (size_t b = 0; b < doc.nblocks; b++)
            for (size_t r = 0; r < doc.blocks[b].nruns; r++)
                ((dk_richtext_run *)doc.blocks[b].runs)[r].style |= DK_UI_FONT_BITS(font);
    }
    dk_richtext_metrics rm;
    rt_metrics(ui, mc, &rm);
    if (dk_richtext_lay_out(ui->arena, &doc, w, &rm, rt_measure, mc, lay)) {
        ui->overflow = 1;
        return -1;
    }
    return 0;
}

int dk_ui_text_height(dk_ui *ui, int w, int font, const char *text)
{
    measure_ctx mc;
    dk_richtext_layout lay;
    if (lay_out_text(ui, w, font, text, 0, &mc, &lay))
        return 0;
    return lay.height;
}

int dk_ui_text_block(dk_ui *ui, dk_rect r, int font, dk_color c, dk_align align, dk_el_role role,
                     const char *text)
{
    measure_ctx mc;
    dk_richtext_layout lay;
    if (lay_out_text(ui, r.w, font, text, 0, &mc, &lay) || lay.nlines == 0)
        return 0;
    dk_rect er = {r.x, r.y, r.w, lay.height};
    push_element(ui, role, er, text, "", 0);
    int saved = ui->nclip;
    if (ui->nclip < MAX_STACK) { /* lines below r are clipped */
        ui->clip[ui->nclip] = dk_rect_intersect(ui->clip[ui->nclip - 1], shifted(ui, r));
        ui->shift[ui->nclip] = ui->shift[ui->nclip - 1];
        ui->nclip++;
    }
    emit_layout(ui, &lay, &mc, r.x, r.y, r.w, c, align);
    ui->nclip = saved;
    return lay.height;
}

void dk_ui_text_run(dk_ui *ui, dk_rect r, int font, dk_color c, const char *text, size_t len)
{
    if (!text || len == 0)
        return;
    char *copy = dk_arena_strndup(ui->arena, text, len);
    if (!copy) {
        ui->overflow = 1;
        return;
    }
    dk_cmd *cmd = push_cmd(ui, DK_CMD_TEXT, r);
    if (!cmd)
        return;
    cmd->color = c;
    cmd->font = font;
    cmd->text = copy;
    cmd->len = len;
}

int dk_ui_markdown(dk_ui *ui, int x, int y, int w, dk_color c, const char *markdown)
{
    measure_ctx mc;
    dk_richtext_layout lay;
    if (lay_out_text(ui, w, DK_UI_FONT(DK_FONT_BODY, 0), markdown, 1, &mc, &lay) ||
        lay.nlines == 0)
        return 0;
    /* One element per block, so that tests can find headings and paragraphs by their text. */
    size_t i = 0;
    while (i < lay.nlines) {
        size_t block = lay.lines[i].block, j = i;
        dk_buf text;
        dk_buf_init(&text, 64 * 1024);
        while (j < lay.nlines && lay.lines[j].block == block) {
            const dk_richtext_line *ln = &lay.lines[j];
            for (size_t k = 0; k < ln->nspans; k++) {
                const dk_richtext_span *sp = &lay.spans[ln->first_span + k];
                if (sp->is_label)
                    continue;
                dk_err lost = dk_buf_add(&text, sp->text, sp->len);
                (void)lost;
            }
            if (j + 1 < lay.nlines && lay.lines[j + 1].block == block) {
                dk_err lost = dk_buf_adds(&text, " ");
                (void)lost;
            }
            j++;
        }
        const dk_richtext_line *first = &lay.lines[i], *last = &lay.lines[j - 1];
        dk_rect er = {x, y + first->y, w, last->y + last->height - first->y};
        int heading = DK_RICHTEXT_STYLE_LEVEL(lay.spans[first->first_span].style) > 0;
        push_element(ui, heading ? DK_EL_HEADING : DK_EL_TEXT, er, text.data ? text.data : "",
                     "", 0);
        dk_buf_free(&text);
        i = j;
    }
    return emit_layout(ui, &lay, &mc, x, y, w, c, DK_ALIGN_LEFT);
}

/* ---- interaction ---- */

int dk_ui_hit(dk_ui *ui, dk_rect r, const char *label, const char *name, unsigned flags,
              int *pressed)
{
    uint32_t id = make_id(ui, name, label);
    dk_rect visible = dk_rect_intersect(shifted(ui, r), ui->clip[ui->nclip - 1]);
    push_hit(ui, id, visible, 0);
    int is_target = ui->target == id && !ui->dragging && !ui->swipe_done &&
                    ui->layer >= ui->prev_modal_layer;
    int down_here = is_target && ui->down && dk_rect_contains(visible, ui->cur_x, ui->cur_y);
    int tapped = is_target && ui->went_up && dk_rect_contains(visible, ui->up_x, ui->up_y);
    if (pressed)
        *pressed = down_here;
    push_element(ui, DK_EL_BUTTON, r, label, name, flags | (down_here ? DK_EL_PRESSED : 0));
    if (tapped)
        ui->target = 0; /* one tap, one action */
    return tapped ? DK_HIT_TAP : 0;
}

/* Fits a label into a w x h px area: the button font in up to two lines, else the small font
 * in up to three, never more lines than the height holds; returns the font chosen and the
 * lines in *out (out->fits 0 if nothing fits). */
static int fit_label(dk_ui *ui, const char *label, int w, int h, int base_font,
                     dk_richtext_label *out)
{
    static const int tries[][2] = {{-1, 2}, {DK_FONT_SMALL, 3}};
    measure_ctx mc = {ui, {0}};
    int font = base_font;
    memset(out, 0, sizeof *out);
    for (size_t t = 0; t < sizeof tries / sizeof tries[0]; t++) {
        font = tries[t][0] < 0 ? base_font : DK_UI_FONT(tries[t][0], DK_UI_FONT_BITS(base_font));
        for (int l = 0; l < DK_RICHTEXT_LEVELS; l++)
            mc.style[l] = DK_UI_FONT_STYLE(font);
        int lh = 0, asc = 0;
        ui->text.metrics(ui->text.ctx, font, &lh, &asc);
        int max_lines = lh > 0 ? h / lh : 1;
        if (max_lines > tries[t][1])
            max_lines = tries[t][1];
        if (max_lines < 1)
            max_lines = 1;
        int style = DK_RICHTEXT_STYLE(DK_UI_FONT_BITS(font), 0);
        if (dk_richtext_fit_label(ui->arena, label, strlen(label), style, w > 0 ? w : 1,
                                  (size_t)max_lines, rt_measure, &mc, out) != DK_OK) {
            memset(out, 0, sizeof *out);
            return font;
        }
        if (out->fits)
            return font;
    }
    return font; /* does not fit even small: the first lines are drawn, the frame counts it */
}

int dk_ui_button(dk_ui *ui, dk_rect r, const char *label, const char *name, dk_button_kind kind,
                 unsigned flags)
{
    int pressed = 0;
    int tapped = dk_ui_hit(ui, r, label, name, flags, &pressed);
    const dk_metrics *m = ui->metrics;
    int disabled = (flags & DK_EL_DISABLED) != 0;
    int selected = (flags & DK_EL_SELECTED) != 0 && !disabled;
    dk_color_role bg, fg, edge = DK_C_OUTLINE;
    if (disabled) {
        tapped = pressed = 0;
        kind = DK_BUTTON_SECONDARY; /* no accent */
    }
    switch (kind) {
    case DK_BUTTON_PRIMARY:
        bg = pressed ? DK_C_ACCENT_PRESSED : DK_C_ACCENT;
        fg = DK_C_ON_ACCENT;
        break;
    case DK_BUTTON_BAR:
        bg = pressed ? DK_C_BAR_BUTTON_PRESSED : DK_C_BAR_BUTTON;
        fg = DK_C_ON_BAR;
        edge = DK_C_BAR_OUTLINE;
        break;
    default:
        bg = pressed ? DK_C_SURFACE_PRESSED : DK_C_SURFACE;
        fg = DK_C_TEXT;
        break;
    }
    if (selected && !pressed) { /* the current choice: a language, a filter, a mode */
        bg = DK_C_SELECTED;
        fg = DK_C_ON_SELECTED;
    }
    if (disabled) { /* flat on the ground, a faint edge: nothing that invites a touch */
        bg = DK_C_BACKGROUND;
        fg = DK_C_TEXT_MUTED;
        edge = DK_C_DIVIDER;
    }
    dk_ui_fill(ui, r, dk_ui_color(ui, bg), m->radius_px);
    if (dk_theme_outlines_all(ui->theme) || kind != DK_BUTTON_PRIMARY || selected)
        dk_ui_outline(ui, r, dk_ui_color(ui, selected ? DK_C_FOCUS : edge), m->radius_px,
                      selected ? m->focus_px : m->outline_px);
    int pad = dk_mm(ui->metrics, 2.5), pad_v = dk_mm(ui->metrics, 1);
    dk_rect inner = {r.x + pad, r.y + pad_v, r.w - 2 * pad, r.h - 2 * pad_v};
    dk_ui_label(ui, inner, label, DK_UI_FONT(DK_FONT_BUTTON, DK_UI_BOLD), dk_ui_color(ui, fg),
                DK_ALIGN_CENTER);
    return tapped;
}

int dk_ui_toggle(dk_ui *ui, dk_rect r, const char *label, const char *name, int on,
                 const char *on_text, const char *off_text)
{
    const dk_metrics *m = ui->metrics;
    const char *state = on ? on_text : off_text;
    /* The element says the state in words too: "Hoher Kontrast: Ein". */
    size_t ln = strlen(label), sn = strlen(state);
    char *spoken = dk_arena_alloc(ui->arena, ln + sn + 3);
    if (spoken) {
        memcpy(spoken, label, ln);
        memcpy(spoken + ln, ": ", 2);
        memcpy(spoken + ln + 2, state, sn + 1);
    }
    int pressed = 0;
    int tapped = dk_ui_hit(ui, r, spoken ? spoken : label, name,
                           DK_EL_TOGGLE | (on ? DK_EL_CHECKED : 0u), &pressed);
    dk_ui_fill(ui, r, dk_ui_color(ui, pressed ? DK_C_SURFACE_PRESSED : DK_C_SURFACE), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    /* The pill is as wide as the longer of the two words, so it does not jump when flipped. */
    int font = DK_UI_FONT(DK_FONT_BUTTON, DK_UI_BOLD);
    int won = on_text[0] ? ui->text.measure(ui->text.ctx, font, on_text, strlen(on_text)) : 0;
    int woff = off_text[0] ? ui->text.measure(ui->text.ctx, font, off_text, strlen(off_text)) : 0;
    if (won < 0)
        won = 0; /* a failed measurement: the label fitting below still keeps the word inside */
    if (woff < 0)
        woff = 0;
    int pad = dk_mm(m, 2.5), pad_v = dk_mm(m, 1.0);
    int pill_w = (won > woff ? won : woff) + 3 * pad;
    if (pill_w > r.w / 2)
        pill_w = r.w / 2;
    dk_rect pill = {r.x + r.w - pad - pill_w, r.y + pad_v, pill_w, r.h - 2 * pad_v};
    if (on) {
        dk_ui_fill(ui, pill, dk_ui_color(ui, DK_C_ACCENT), pill.h / 2);
        if (dk_theme_outlines_all(ui->theme))
            dk_ui_outline(ui, pill, dk_ui_color(ui, DK_C_OUTLINE), pill.h / 2, m->outline_px);
    } else {
        dk_ui_outline(ui, pill, dk_ui_color(ui, DK_C_OUTLINE), pill.h / 2, m->outline_px);
    }
    dk_rect inner = dk_rect_inset(pill, pad / 2, 0);
    dk_ui_label(ui, inner, state, font, dk_ui_color(ui, on ? DK_C_ON_ACCENT : DK_C_TEXT),
                DK_ALIGN_CENTER);
    dk_rect text = {r.x + pad, r.y + dk_mm(m, 1), pill.x - pad - (r.x + pad), r.h - 2 * dk_mm(m, 1)};
    dk_ui_label(ui, text, label, font, dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT);
    return tapped;
}

void dk_ui_label(dk_ui *ui, dk_rect r, const char *label, int font, dk_color c, dk_align align)
{
    dk_richtext_label lab;
    font = fit_label(ui, label, r.w, r.h, font, &lab);
    if (!lab.fits) {
        ui->label_overflows++;
        ui->last_overflow = dk_arena_strdup(ui->arena, label);
    }
    int lh = 0, asc = 0;
    ui->text.metrics(ui->text.ctx, font, &lh, &asc);
    int total = (int)lab.nlines * lh;
    int y = r.y + (r.h - total) / 2;
    for (size_t i = 0; i < lab.nlines; i++) {
        int x = r.x;
        if (align == DK_ALIGN_CENTER)
            x += (r.w - lab.lines[i].width) / 2;
        else if (align == DK_ALIGN_RIGHT)
            x += r.w - lab.lines[i].width;
        dk_rect tr = {x, y + (int)i * lh, lab.lines[i].width, lh};
        dk_cmd *cmd = push_cmd(ui, DK_CMD_TEXT, tr);
        if (!cmd)
            continue;
        cmd->color = c;
        cmd->font = font;
        cmd->text = lab.lines[i].text;
        cmd->len = lab.lines[i].len;
    }
}

/* ---- scrolling ---- */

int dk_ui_scroll_begin(dk_ui *ui, const char *id_text, dk_rect view)
{
    uint32_t id = fnv(2166136261u, id_text);
    int idx = find_scroll(ui, id);
    if (idx < 0) {
        for (int i = 0; i < MAX_SCROLLS && idx < 0; i++)
            if (!ui->scrolls[i].id)
                idx = i;
        if (idx < 0) { /* all slots taken: reuse the one unseen longest */
            idx = 0;
            for (int i = 1; i < MAX_SCROLLS; i++)
                if (ui->scrolls[i].seen < ui->scrolls[idx].seen)
                    idx = i;
        }
        memset(&ui->scrolls[idx], 0, sizeof ui->scrolls[idx]);
        ui->scrolls[idx].id = id;
    }
    scroll_state *s = &ui->scrolls[idx];
    s->seen = ui->frame;
    s->view_h = view.h;
    dk_rect sv = shifted(ui, view);
    push_hit(ui, id, dk_rect_intersect(sv, ui->clip[ui->nclip - 1]), 1);
    push_element(ui, DK_EL_SCROLL, view, "", id_text, 0);
    if (ui->nclip >= MAX_STACK || ui->nscroll_stack >= MAX_STACK) {
        ui->overflow = 1;
        return view.y;
    }
    int offset = (int)lroundf(s->offset);
    ui->clip[ui->nclip] = dk_rect_intersect(ui->clip[ui->nclip - 1], sv);
    ui->shift[ui->nclip] = ui->shift[ui->nclip - 1] - offset;
    ui->nclip++;
    ui->scroll_stack[ui->nscroll_stack++] = idx;
    return view.y;
}

void dk_ui_scroll_end(dk_ui *ui, int content_height)
{
    if (ui->nscroll_stack == 0)
        return;
    scroll_state *s = &ui->scrolls[ui->scroll_stack[--ui->nscroll_stack]];
    dk_rect view = ui->clip[ui->nclip - 1];
    ui->nclip--;
    s->content_h = content_height;
    if (content_height > s->view_h && s->view_h > 0) {
        /* The position bar: where you are in a long list. */
        int bar_w = dk_mm(ui->metrics, BAR_MM);
        int min_h = dk_mm(ui->metrics, 10);
        int bar_h = (int)((long long)s->view_h * s->view_h / content_height);
        if (bar_h < min_h)
            bar_h = min_h;
        float max = max_offset(s);
        float pos = max > 0 ? s->offset / max : 0;
        if (pos < 0)
            pos = 0;
        if (pos > 1)
            pos = 1;
        dk_rect bar = {view.x + view.w - bar_w - bar_w / 2,
                       view.y + (int)(pos * (float)(view.h - bar_h)), bar_w, bar_h};
        bar.y -= ui->shift[ui->nclip - 1]; /* push_cmd shifts again */
        dk_ui_fill(ui, bar, dk_ui_color(ui, DK_C_SCROLLBAR), bar_w / 2);
    }
}

void dk_ui_scroll_reset_all(dk_ui *ui)
{
    memset(ui->scrolls, 0, sizeof ui->scrolls);
    ui->drag_scroll = -1;
}

void dk_ui_scroll_to(dk_ui *ui, const char *id_text, int offset)
{
    int idx = find_scroll(ui, fnv(2166136261u, id_text));
    if (idx < 0)
        return;
    scroll_state *s = &ui->scrolls[idx];
    float max = max_offset(s);
    s->offset = offset < 0 ? 0 : (float)offset > max ? max : (float)offset;
    s->velocity = 0;
}

/* ---- layers ---- */

int dk_ui_modal_begin(dk_ui *ui, dk_rect r, const char *label)
{
    ui->layer++;
    ui->modal_layer = ui->layer;
    /* Everything beneath is dimmed, and the dialog is announced in the element tree. */
    dk_rect all = {0, 0, ui->width, ui->height};
    dk_ui_fill(ui, all, dk_ui_color(ui, DK_C_OVERLAY), 0);
    /* Two targets: the backdrop (a tap there means "close"), and the dialog itself above it,
     * which swallows taps between its buttons. Both block whatever is beneath. */
    uint32_t backdrop = make_id(ui, "dialog-backdrop", label);
    push_hit(ui, backdrop, all, 0);
    push_hit(ui, make_id(ui, "dialog-body", label), dk_rect_intersect(r, all), 0);
    push_element(ui, DK_EL_DIALOG, r, label, "dialog", 0);
    int tapped = ui->target == backdrop && ui->went_up && !ui->dragging &&
                 !dk_rect_contains(r, ui->up_x, ui->up_y);
    if (tapped)
        ui->target = 0;
    return tapped ? DK_HIT_TAP : 0;
}

void dk_ui_modal_end(dk_ui *ui)
{
    (void)ui; /* the layer stays raised to the frame's end: dialogs are drawn last */
}
