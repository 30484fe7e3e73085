/* dk_form.c: the volunteer sign-up form, its keyboard, the privacy notice overlay and the
 * masked confirmation. Typed text is drawn and measured one character at a time, so that no
 * cache of the backend (rendered lines, measured widths) ever holds a whole name or address. */
#include "dk_form.h"

#include "dk_crypto.h"
#include "dk_i18n.h"
#include "dk_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCROLL_ID         "scroll:signup"
#define PRIVACY_SCROLL_ID "scroll:privacy"
#define CONSENT_HEX       16  /* [hex digits] of the SHA-256 kept as the consent version */
#define COLUMN_EMS        38  /* [body-font ems] widest text column (lines of 45-75 chars) */
#define CARET_MM          0.7 /* [mm] width of the text cursor */
#define FIELD_PAD_MM      2.5 /* [mm] between a field's edge and its text */
#define MAX_CHARS         DK_SIGNUP_MESSAGE_BYTES /* [characters] any field's buffer can hold */

enum { F_NAME, F_EMAIL, F_PHONE, F_MESSAGE, F_COUNT };

typedef struct field_spec {
    const char *name;
    dk_signup_field field;
    dk_keyboard_kind kind;
    size_t max_chars;
    int min_lines;
} field_spec;

static const field_spec fields[F_COUNT] = {
    {"field:name", DK_SIGNUP_FIELD_NAME, DK_KEYBOARD_TEXT, DK_SIGNUP_NAME_MAX, 1},
    {"field:email", DK_SIGNUP_FIELD_EMAIL, DK_KEYBOARD_EMAIL, DK_SIGNUP_EMAIL_MAX, 1},
    {"field:phone", DK_SIGNUP_FIELD_PHONE, DK_KEYBOARD_PHONE, DK_SIGNUP_PHONE_MAX, 1},
    {"field:message", DK_SIGNUP_FIELD_MESSAGE, DK_KEYBOARD_TEXT, DK_SIGNUP_MESSAGE_MAX, 3},
};

struct dk_form {
    dk_signup rec; /* personal data: wiped on submit, cancel, reset */
    size_t cursor[F_COUNT];
    int focus; /* the field with the keyboard, -1 none */
    dk_keyboard kb;
    int tried;          /* a send was attempted: problems show (and update as one types) */
    int save_failed;    /* the submit function failed: say so, keep everything */
    int privacy_open;   /* the full notice is shown over the form */
    int confirming;     /* "Thank you" with the masked data */
    int preselect_all;  /* select the district's groups once they are offered */
    int scroll_pending; /* bring the focused field into view when the layout is known */
    int scroll_problem; /* ... or the first field with a problem */
    int scroll_top;     /* ... or the top (the confirmation) */
    /* The confirmation: masked texts only, and the groups' slugs (not personal). */
    char masked_name[DK_SIGNUP_MASK_MAX];
    char masked_email[DK_SIGNUP_MASK_MAX];
    char masked_phone[DK_SIGNUP_MASK_MAX];
    char sent_groups[DK_SIGNUP_GROUPS_MAX][DK_SIGNUP_SLUG_BYTES];
    size_t nsent;
};

/* ---- life cycle ---- */

dk_form *dk_form_new(void)
{
    dk_form *f = calloc(1, sizeof *f);
    if (f)
        f->focus = -1;
    return f;
}

void dk_form_free(dk_form *f)
{
    if (!f)
        return;
    dk_wipe(f, sizeof *f);
    free(f);
}

void dk_form_wipe(dk_form *f)
{
    dk_signup_wipe(&f->rec);
    dk_wipe(f, sizeof *f);
    f->focus = -1;
}

static void copy_slug(char dst[DK_SIGNUP_SLUG_BYTES], const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= DK_SIGNUP_SLUG_BYTES)
        n = 0; /* not a slug: validation would refuse it anyway */
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

void dk_form_start(dk_form *f, const char *district, const char *const *groups, size_t ngroups)
{
    dk_form_wipe(f);
    copy_slug(f->rec.district, district);
    for (size_t i = 0; i < ngroups && f->rec.group_count < DK_SIGNUP_GROUPS_MAX; i++) {
        if (!groups[i] || !groups[i][0])
            continue;
        copy_slug(f->rec.groups[f->rec.group_count], groups[i]);
        if (f->rec.groups[f->rec.group_count][0])
            f->rec.group_count++;
    }
    f->preselect_all = ngroups == 0;
}

const char *dk_form_district_slug(const dk_form *f)
{
    return f->rec.district;
}

int dk_form_confirming(const dk_form *f)
{
    return f->confirming;
}

int dk_form_focus(const dk_form *f)
{
    return f->focus;
}

const dk_signup *dk_form_record(const dk_form *f)
{
    return &f->rec;
}

static int zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int dk_form_is_wiped(const dk_form *f)
{
    return zero(&f->rec, sizeof f->rec) && zero(f->masked_name, sizeof f->masked_name) &&
           zero(f->masked_email, sizeof f->masked_email) &&
           zero(f->masked_phone, sizeof f->masked_phone) && zero(f->cursor, sizeof f->cursor);
}

void dk_form_consent_version(const char *title, const char *body,
                             char out[DK_SIGNUP_CONSENT_VERSION_BYTES])
{
    out[0] = '\0';
    if (!title || !body || !body[0])
        return;
    dk_sha256 h;
    char hex[DK_SHA256_HEX];
    dk_sha256_start(&h);
    dk_sha256_update(&h, title, strlen(title));
    dk_sha256_update(&h, "\n", 1);
    dk_sha256_update(&h, body, strlen(body));
    dk_sha256_finish_hex(&h, hex);
    memcpy(out, hex, CONSENT_HEX);
    out[CONSENT_HEX] = '\0';
}

/* ---- the record ---- */

static char *field_buf(dk_form *f, int id, size_t *size)
{
    switch (id) {
    case F_NAME:
        *size = sizeof f->rec.name;
        return f->rec.name;
    case F_EMAIL:
        *size = sizeof f->rec.email;
        return f->rec.email;
    case F_PHONE:
        *size = sizeof f->rec.phone;
        return f->rec.phone;
    default:
        *size = sizeof f->rec.message;
        return f->rec.message;
    }
}

static dk_textedit field_edit(dk_form *f, int id)
{
    size_t size;
    char *buf = field_buf(f, id, &size);
    dk_textedit te = {buf, size, fields[id].max_chars, f->cursor[id]};
    dk_textedit_clamp(&te);
    return te;
}

/* What the record gets from the screen rather than from the visitor. */
static void prepare(dk_signup *rec, const dk_form_view *v)
{
    rec->language = (unsigned)v->lang < DK_LANG_COUNT ? v->lang : DK_LANG_DE;
    rec->created = v->now;
    dk_form_consent_version(v->consent_title, v->consent_body_md, rec->consent_version);
}

/* The problems the record has as it would be sent now. The trimmed copy lives on the stack only
 * for this call and is wiped. */
static size_t current_problems(const dk_form *f, const dk_form_view *v,
                               dk_signup_problem out[DK_SIGNUP_PROBLEMS_MAX])
{
    dk_signup tmp = f->rec;
    dk_signup_trim(&tmp);
    prepare(&tmp, v);
    size_t n = dk_signup_validate(&tmp, out);
    dk_signup_wipe(&tmp);
    return n;
}

static int group_selected(const dk_form *f, const char *slug)
{
    for (size_t i = 0; i < f->rec.group_count && i < DK_SIGNUP_GROUPS_MAX; i++)
        if (strcmp(f->rec.groups[i], slug) == 0)
            return 1;
    return 0;
}

static void toggle_group(dk_form *f, const char *slug)
{
    size_t n =
        f->rec.group_count < DK_SIGNUP_GROUPS_MAX ? f->rec.group_count : DK_SIGNUP_GROUPS_MAX;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f->rec.groups[i], slug) != 0)
            continue;
        memmove(f->rec.groups[i], f->rec.groups[i + 1], (n - i - 1) * sizeof f->rec.groups[0]);
        memset(f->rec.groups[n - 1], 0, sizeof f->rec.groups[0]);
        f->rec.group_count = n - 1;
        return;
    }
    if (n < DK_SIGNUP_GROUPS_MAX) {
        copy_slug(f->rec.groups[n], slug);
        f->rec.group_count = n + 1;
    }
}

/* Keeps only groups the screen offers (a group that closed since the visitor's page was loaded
 * must not be sent silently), and selects all of them once when the form started without any. */
static void sync_groups(dk_form *f, const dk_form_view *v)
{
    if (!v->groups || v->ngroups == 0)
        return;
    for (size_t i = f->rec.group_count; i-- > 0;) {
        int offered = 0;
        for (size_t k = 0; k < v->ngroups && !offered; k++)
            offered = v->groups[k].slug && strcmp(v->groups[k].slug, f->rec.groups[i]) == 0;
        if (!offered)
            toggle_group(f, f->rec.groups[i]);
    }
    if (f->preselect_all) {
        f->preselect_all = 0;
        for (size_t k = 0; k < v->ngroups && f->rec.group_count < DK_SIGNUP_GROUPS_MAX; k++)
            if (v->groups[k].slug && !group_selected(f, v->groups[k].slug))
                toggle_group(f, v->groups[k].slug);
    }
}

/* ---- layout helpers ---- */

typedef struct flow {
    int x, y, w;
} flow;

static int text(dk_ui *ui, flow *fl, int font, dk_color_role role, dk_el_role el, const char *t)
{
    if (!t || !*t)
        return 0;
    int h = dk_ui_text_block(ui, (dk_rect){fl->x, fl->y, fl->w, 100000}, font,
                             dk_ui_color(ui, role), DK_ALIGN_LEFT, el, t);
    fl->y += h;
    return h;
}

static void space(dk_ui *ui, flow *fl, double units)
{
    fl->y += (int)(dk_ui_metrics(ui)->unit_px * units);
}

static int tall_button_h(const dk_metrics *m)
{
    int two = 2 * m->line_px[DK_FONT_BUTTON] + 2 * m->unit_px;
    return two > m->target_px ? two : m->target_px;
}

/* A text in the error colour beside a field, named "error:<field>" for tests. */
static void problem_text(dk_ui *ui, flow *fl, dk_lang lang, dk_signup_field field,
                         dk_signup_code code)
{
    const char *t = dk_i18n_signup_problem(lang, code);
    int font = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
    int h = dk_ui_text_height(ui, fl->w, font, t);
    char name[48];
    snprintf(name, sizeof name, "error:%s", dk_signup_field_name(field));
    dk_ui_element(ui, DK_EL_TEXT, (dk_rect){fl->x, fl->y, fl->w, h}, t, name, 0);
    text(ui, fl, font, DK_C_ERROR, DK_EL_TEXT, t);
    space(ui, fl, 0.5);
}

/* A box the visitor ticks: its sentence (wrapped, any length) and on the right its state in
 * words ("Ja" / "Nein") on a pill, filled when ticked, so the state never rests on colour.
 * The element is a toggle labelled "sentence: state". Returns 1 when tapped. */
static int check_row(dk_ui *ui, flow *fl, dk_lang lang, const char *label, const char *name, int on,
                     int problem)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    const char *yes = dk_i18n(lang, DK_S_YES), *no = dk_i18n(lang, DK_S_NO);
    const char *state = on ? yes : no;
    int bfont = DK_UI_FONT(DK_FONT_BUTTON, DK_UI_BOLD), font = DK_UI_FONT(DK_FONT_BODY, 0);
    const dk_ui_text_backend *tb = dk_ui_text(ui);
    int wy = tb->measure(tb->ctx, bfont, yes, strlen(yes));
    int wn = tb->measure(tb->ctx, bfont, no, strlen(no));
    int pad = dk_ui_mm(ui, FIELD_PAD_MM), pad_v = dk_ui_mm(ui, 2);
    int pill_w = (wy > wn ? wy : wn) + 3 * pad;
    if (pill_w > fl->w / 3)
        pill_w = fl->w / 3;
    int tw = fl->w - 3 * pad - pill_w;
    int th = dk_ui_text_height(ui, tw, font, label);
    int h = th + 2 * pad_v;
    if (h < m->target_px)
        h = m->target_px;
    dk_rect r = {fl->x, fl->y, fl->w, h};
    size_t ln = strlen(label), sn = strlen(state);
    char *spoken = dk_arena_alloc(dk_ui_arena(ui), ln + sn + 3);
    if (spoken) {
        memcpy(spoken, label, ln);
        memcpy(spoken + ln, ": ", 2);
        memcpy(spoken + ln + 2, state, sn + 1);
    }
    int pressed = 0;
    int tapped = dk_ui_hit(ui, r, spoken ? spoken : label, name,
                           DK_EL_TOGGLE | (on ? DK_EL_CHECKED : 0u), &pressed);
    dk_ui_fill(ui, r, dk_ui_color(ui, pressed ? DK_C_SURFACE_PRESSED : DK_C_SURFACE), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, problem ? DK_C_ERROR : DK_C_OUTLINE), m->radius_px,
                  problem ? 2 * m->outline_px : m->outline_px);
    dk_ui_text_block(ui, (dk_rect){r.x + pad, r.y + (h - th) / 2, tw, th}, font,
                     dk_ui_color(ui, DK_C_TEXT), DK_ALIGN_LEFT, DK_EL_TEXT, label);
    int ph = m->target_px - 2 * dk_ui_mm(ui, 1);
    dk_rect pill = {r.x + r.w - pad - pill_w, r.y + (h - ph) / 2, pill_w, ph};
    if (on) {
        dk_ui_fill(ui, pill, dk_ui_color(ui, DK_C_ACCENT), pill.h / 2);
        if (dk_theme_outlines_all(dk_ui_theme(ui)))
            dk_ui_outline(ui, pill, dk_ui_color(ui, DK_C_OUTLINE), pill.h / 2, m->outline_px);
    } else {
        dk_ui_outline(ui, pill, dk_ui_color(ui, DK_C_OUTLINE), pill.h / 2, m->outline_px);
    }
    dk_ui_label(ui, dk_rect_inset(pill, pad / 2, 0), state, bfont,
                dk_ui_color(ui, on ? DK_C_ON_ACCENT : DK_C_TEXT), DK_ALIGN_CENTER);
    fl->y += h + m->gap_px;
    return tapped;
}

/* ---- typed text, one character at a time ---- */

/* The characters of a field's text with their widths, and the lines they wrap into. Static:
 * the UI runs on one thread and a message may have 2000 bytes. */
typedef struct glyph_run {
    size_t off[MAX_CHARS + 1]; /* byte offset of character i; off[n] = the text's length */
    int w[MAX_CHARS];          /* [px] width of character i */
    int n;
    int line[MAX_CHARS + 1]; /* first character of each line */
    int nlines;
} glyph_run;

static glyph_run run;

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Splits s into characters and measures each; wraps them into lines of width w (at spaces, a
 * word wider than the line at any character). */
static void measure_run(dk_ui *ui, int font, const char *s, int w)
{
    const dk_ui_text_backend *tb = dk_ui_text(ui);
    run.n = 0;
    size_t i = 0;
    while (s[i] && run.n < MAX_CHARS) {
        size_t n = 1;
        while (s[i + n] && is_cont((unsigned char)s[i + n]))
            n++;
        run.off[run.n] = i;
        int cw = tb->measure(tb->ctx, font, s + i, n);
        run.w[run.n++] = cw > 0 ? cw : 0;
        i += n;
    }
    run.off[run.n] = i;
    run.nlines = 1;
    run.line[0] = 0;
    int x = 0, c = 0;
    while (c < run.n) {
        if (s[run.off[c]] == ' ') { /* spaces hang at the end of a line */
            x += run.w[c++];
            continue;
        }
        int end = c, ww = 0;
        while (end < run.n && s[run.off[end]] != ' ')
            ww += run.w[end++];
        if (x + ww <= w) {
            x += ww;
            c = end;
        } else if (x > 0) {
            run.line[run.nlines++] = c; /* the word starts the next line */
            x = 0;
        } else { /* a word wider than the line: as many characters as fit */
            int k = c;
            do
                x += run.w[k++];
            while (k < end && x + run.w[k] <= w);
            run.line[run.nlines++] = k;
            x = 0;
            c = k;
        }
    }
    if (run.nlines > 1 && run.line[run.nlines - 1] >= run.n && run.n > 0 &&
        s[run.off[run.n - 1]] != ' ')
        run.nlines--; /* a break after the very last character opens no empty line */
}

/* Draws characters [from, to) of s at (x, y): one text command per character. */
static void draw_chars(dk_ui *ui, int x, int y, int lh, int font, dk_color c, const char *s,
                       int from, int to)
{
    for (int k = from; k < to; k++) {
        size_t o = run.off[k], n = run.off[k + 1] - o;
        if (s[o] != ' ')
            dk_ui_text_run(ui, (dk_rect){x, y, run.w[k], lh}, font, c, s + o, n);
        x += run.w[k];
    }
}

/* ---- fields ---- */

typedef struct field_pos {
    int top;     /* [px] the label's top, content coordinates */
    int caret_y; /* [px] top of the cursor's line */
    int line_h;
} field_pos;

static void draw_field(dk_form *f, dk_ui *ui, flow *fl, int id, const char *label, const char *hint,
                       dk_lang lang, int problem, field_pos *pos)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    pos->top = fl->y;
    text(ui, fl, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT, label);
    if (hint)
        text(ui, fl, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT_MUTED, DK_EL_TEXT, hint);
    space(ui, fl, 0.5);
    size_t size;
    const char *buf = field_buf(f, id, &size);
    int font = DK_UI_FONT(DK_FONT_BODY, 0);
    int lh = 0, asc = 0;
    dk_ui_text(ui)->metrics(dk_ui_text(ui)->ctx, font, &lh, &asc);
    int pad = dk_ui_mm(ui, FIELD_PAD_MM), pad_v = dk_ui_mm(ui, 1.5);
    int inner_w = fl->w - 2 * pad - dk_ui_mm(ui, CARET_MM);
    measure_run(ui, font, buf, inner_w > 1 ? inner_w : 1);
    int lines = run.nlines > fields[id].min_lines ? run.nlines : fields[id].min_lines;
    int h = lines * lh + 2 * pad_v;
    if (h < m->target_px)
        h = m->target_px;
    dk_rect box = {fl->x, fl->y, fl->w, h};
    int focused = f->focus == id;
    if (dk_ui_hit(ui, box, label, fields[id].name, 0, NULL) && !focused) {
        f->focus = id;
        f->cursor[id] = strlen(buf); /* typing goes on at the end */
        dk_keyboard_reset(&f->kb);
        f->scroll_pending = 1;
    }
    /* What a test reads: the text itself (the element tree lives in the frame arena only). */
    dk_ui_element(ui, DK_EL_INPUT, box, buf, fields[id].name, focused ? DK_EL_SELECTED : 0u);
    dk_ui_fill(ui, box, dk_ui_color(ui, DK_C_INPUT_BG), m->radius_px);
    if (focused)
        dk_ui_outline(ui, box, dk_ui_color(ui, DK_C_FOCUS), m->radius_px, m->focus_px);
    else
        dk_ui_outline(ui, box, dk_ui_color(ui, problem ? DK_C_ERROR : DK_C_OUTLINE), m->radius_px,
                      problem ? 2 * m->outline_px : m->outline_px);
    int ty = box.y + (lines == 1 ? (h - lh) / 2 : pad_v);
    dk_rect inner = {box.x + pad, box.y, box.w - 2 * pad, box.h};
    dk_ui_clip_begin(ui, inner);
    if (!buf[0] && !focused) {
        dk_ui_text_block(ui, (dk_rect){inner.x, ty, inner.w, lh}, font,
                         dk_ui_color(ui, DK_C_PLACEHOLDER), DK_ALIGN_LEFT, DK_EL_TEXT,
                         dk_i18n(lang, DK_S_TAP_TO_TYPE));
    }
    dk_color tc = dk_ui_color(ui, DK_C_TEXT);
    for (int l = 0; l < run.nlines; l++) {
        int to = l + 1 < run.nlines ? run.line[l + 1] : run.n;
        draw_chars(ui, inner.x, ty + l * lh, lh, font, tc, buf, run.line[l], to);
    }
    pos->caret_y = ty;
    pos->line_h = lh;
    if (focused) {
        /* The cursor: the line holding it (a cursor at a break belongs to the next line). */
        size_t cur = f->cursor[id];
        int ci = 0;
        while (ci < run.n && run.off[ci] < cur)
            ci++;
        int l = run.nlines - 1;
        while (l > 0 && run.line[l] > ci)
            l--;
        int cx = 0;
        for (int k = run.line[l]; k < ci; k++)
            cx += run.w[k];
        if (cx > inner.w - dk_ui_mm(ui, CARET_MM))
            cx = inner.w - dk_ui_mm(ui, CARET_MM); /* spaces hanging past the edge */
        int cw = dk_ui_mm(ui, CARET_MM);
        dk_ui_fill(ui, (dk_rect){inner.x + cx, ty + l * lh + lh / 10, cw > 2 ? cw : 2, lh * 8 / 10},
                   tc, 0);
        pos->caret_y = ty + l * lh;
    }
    dk_ui_clip_end(ui);
    fl->y += h + m->unit_px / 2;
}

/* ---- the screen ---- */

static int problem_for(const dk_signup_problem *p, size_t n, dk_signup_field field)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].field == field)
            return (int)p[i].code;
    return -1;
}

static void banner(dk_ui *ui, flow *fl, const char *t, dk_color_role bg, dk_color_role fg)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    int pad = 2 * m->unit_px, font = DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD);
    int th = dk_ui_text_height(ui, fl->w - 2 * pad, font, t);
    dk_rect box = {fl->x, fl->y, fl->w, th + 2 * pad};
    dk_ui_element(ui, DK_EL_TEXT, box, t, "signup:banner", 0);
    dk_ui_fill(ui, box, dk_ui_color(ui, bg), m->radius_px);
    dk_ui_text_block(ui, (dk_rect){box.x + pad, box.y + pad, box.w - 2 * pad, th}, font,
                     dk_ui_color(ui, fg), DK_ALIGN_LEFT, DK_EL_TEXT, t);
    fl->y += box.h + m->gap_px;
}

static const char *group_name(const dk_form_view *v, const char *slug)
{
    for (size_t i = 0; i < v->ngroups; i++)
        if (v->groups[i].slug && strcmp(v->groups[i].slug, slug) == 0)
            return v->groups[i].name ? v->groups[i].name : slug;
    return slug;
}

/* Sends: trims, checks, stores through the caller's function; wipes on success. */
static dk_form_event submit(dk_form *f, const dk_form_view *v)
{
    f->focus = -1;
    dk_signup_trim(&f->rec);
    for (int id = 0; id < F_COUNT; id++) {
        dk_textedit te = field_edit(f, id);
        f->cursor[id] = te.cursor;
    }
    prepare(&f->rec, v);
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    f->tried = 1;
    f->save_failed = 0;
    if (dk_signup_validate(&f->rec, p) > 0) {
        f->scroll_problem = 1;
        return DK_FORM_NONE;
    }
    dk_err err = v->submit ? v->submit(v->submit_ctx, &f->rec)
                           : dk_error_set(DK_ERR_INVALID, "no place to store registrations");
    if (err) {
        /* Nothing personal in the log: the error code and its detail only. */
        dk_warn("a registration could not be stored (%s)", dk_strerror(err));
        f->save_failed = 1;
        return DK_FORM_NONE;
    }
    dk_signup_mask_name(f->rec.name, f->masked_name, sizeof f->masked_name);
    dk_signup_mask_email(f->rec.email, f->masked_email, sizeof f->masked_email);
    dk_signup_mask_phone(f->rec.phone, f->masked_phone, sizeof f->masked_phone);
    f->nsent =
        f->rec.group_count < DK_SIGNUP_GROUPS_MAX ? f->rec.group_count : DK_SIGNUP_GROUPS_MAX;
    memcpy(f->sent_groups, f->rec.groups, sizeof f->sent_groups);
    dk_signup_wipe(&f->rec);
    dk_wipe(f->cursor, sizeof f->cursor);
    dk_keyboard_reset(&f->kb);
    f->tried = f->save_failed = f->privacy_open = 0;
    f->confirming = 1;
    f->scroll_top = 1;
    dk_info("registration of interest stored");
    return DK_FORM_SENT;
}

static dk_form_event draw_districts(dk_form *f, dk_ui *ui, flow *fl, const dk_form_view *v)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    space(ui, fl, 1);
    text(ui, fl, DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), DK_C_HEADING, DK_EL_HEADING,
         dk_i18n(v->lang, DK_S_CHOOSE_DISTRICT));
    space(ui, fl, 1);
    int cols = fl->w >= 3 * m->font_px[DK_FONT_BUTTON] * 9 ? 3 : 2, gap = m->gap_px;
    int w = (fl->w - (cols - 1) * gap) / cols, h = tall_button_h(m);
    dk_form_event ev = DK_FORM_NONE;
    for (size_t i = 0; i < v->ndistricts; i++) {
        dk_rect r = {fl->x + (int)(i % (size_t)cols) * (w + gap),
                     fl->y + (int)(i / (size_t)cols) * (h + gap), w, h};
        char name[96];
        snprintf(name, sizeof name, "signup-district:%s", v->districts[i].slug);
        if (dk_ui_button(ui, r, v->districts[i].name, name, DK_BUTTON_SECONDARY, 0)) {
            copy_slug(f->rec.district, v->districts[i].slug);
            f->preselect_all = 1;
            ev = DK_FORM_DISTRICT;
        }
    }
    fl->y += (int)((v->ndistricts + (size_t)cols - 1) / (size_t)cols) * (h + gap);
    return ev;
}

static dk_form_event draw_confirmation(dk_form *f, dk_ui *ui, flow *fl, const dk_form_view *v)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_lang l = v->lang;
    int pad = 2 * m->unit_px;
    const char *title = dk_i18n(l, DK_S_THANK_YOU), *body = dk_i18n(l, DK_S_THANK_YOU_BODY);
    int tf = DK_UI_FONT(DK_FONT_H1, DK_UI_BOLD), bf = DK_UI_FONT(DK_FONT_BODY, 0);
    int th = dk_ui_text_height(ui, fl->w - 2 * pad, tf, title);
    int bh = dk_ui_text_height(ui, fl->w - 2 * pad, bf, body);
    dk_rect box = {fl->x, fl->y, fl->w, th + m->unit_px + bh + 2 * pad};
    dk_ui_element(ui, DK_EL_HEADING, box, title, "signup:thanks", 0);
    dk_ui_fill(ui, box, dk_ui_color(ui, DK_C_SUCCESS), m->radius_px);
    dk_color on = dk_ui_color(ui, DK_C_ON_SUCCESS);
    dk_ui_text_block(ui, (dk_rect){box.x + pad, box.y + pad, box.w - 2 * pad, th}, tf, on,
                     DK_ALIGN_LEFT, DK_EL_HEADING, title);
    dk_ui_text_block(ui, (dk_rect){box.x + pad, box.y + pad + th + m->unit_px, box.w - 2 * pad, bh},
                     bf, on, DK_ALIGN_LEFT, DK_EL_TEXT, body);
    fl->y += box.h;
    space(ui, fl, 2);
    text(ui, fl, bf, DK_C_TEXT, DK_EL_TEXT, dk_i18n(l, DK_S_CONFIRM_INTRO));
    space(ui, fl, 1);
    struct {
        const char *label, *value;
    } facts[] = {{dk_i18n(l, DK_S_NAME_SHORT), f->masked_name},
                 {dk_i18n(l, DK_S_EMAIL), f->masked_email},
                 {dk_i18n(l, DK_S_PHONE), f->masked_phone}};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        if (!facts[i].value[0])
            continue;
        /* One line each, "Name: A****"; the masked value is also an element of its own. */
        int w = fl->w, y = fl->y;
        char *line =
            dk_arena_alloc(dk_ui_arena(ui), strlen(facts[i].label) + strlen(facts[i].value) + 3);
        if (line)
            snprintf(line, strlen(facts[i].label) + strlen(facts[i].value) + 3, "%s: %s",
                     facts[i].label, facts[i].value);
        text(ui, fl, bf, DK_C_TEXT, DK_EL_TEXT, line ? line : facts[i].value);
        dk_ui_element(ui, DK_EL_TEXT, (dk_rect){fl->x, y, w, fl->y - y}, facts[i].value, "", 0);
    }
    if (f->nsent) {
        space(ui, fl, 1);
        text(ui, fl, DK_UI_FONT(DK_FONT_BODY, DK_UI_BOLD), DK_C_TEXT, DK_EL_TEXT,
             dk_i18n(l, DK_S_SIGNUP_GROUPS));
        for (size_t i = 0; i < f->nsent; i++)
            text(ui, fl, bf, DK_C_TEXT, DK_EL_TEXT, group_name(v, f->sent_groups[i]));
    }
    space(ui, fl, 1);
    int h = tall_button_h(m);
    if (dk_ui_button(ui, (dk_rect){fl->x, fl->y, fl->w, h}, dk_i18n(l, DK_S_SIGNUP_DONE),
                     "signup:done", DK_BUTTON_PRIMARY, 0)) {
        dk_form_wipe(f);
        return DK_FORM_FINISHED;
    }
    fl->y += h;
    return DK_FORM_NONE;
}

static dk_form_event draw_form(dk_form *f, dk_ui *ui, flow *fl, const dk_form_view *v,
                               field_pos pos[F_COUNT], int *problem_y)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_lang l = v->lang;
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    size_t np = f->tried ? current_problems(f, v, p) : 0;
    *problem_y = -1;
#define NOTE_PROBLEM()                                                                             \
    do {                                                                                           \
        if (*problem_y < 0)                                                                        \
            *problem_y = fl->y;                                                                    \
    } while (0)
    text(ui, fl, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT, dk_i18n(l, DK_S_SIGNUP_INTRO));
    if (!f->rec.district[0])
        return draw_districts(f, ui, fl, v);

    /* The groups. */
    space(ui, fl, 2);
    int gp = problem_for(p, np, DK_SIGNUP_FIELD_GROUPS);
    if (gp >= 0)
        NOTE_PROBLEM();
    const char *heading = dk_i18n(l, DK_S_SIGNUP_GROUPS);
    if (v->district_name && v->district_name[0]) {
        size_t n = strlen(heading) + strlen(v->district_name) + sizeof " · ";
        char *h = dk_arena_alloc(dk_ui_arena(ui), n);
        if (h) {
            snprintf(h, n, "%s · %s", heading, v->district_name);
            heading = h;
        }
    }
    text(ui, fl, DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), DK_C_HEADING, DK_EL_HEADING, heading);
    if (v->ngroups == 0) {
        text(ui, fl, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT,
             dk_i18n(l, DK_S_SIGNUP_NO_OPEN_GROUPS));
    } else {
        text(ui, fl, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT_MUTED, DK_EL_TEXT,
             dk_i18n(l, DK_S_SIGNUP_GROUPS_HINT));
        space(ui, fl, 0.5);
    }
    for (size_t i = 0; i < v->ngroups; i++) {
        char name[96];
        snprintf(name, sizeof name, "signup-group:%s", v->groups[i].slug);
        if (check_row(ui, fl, l, v->groups[i].name, name, group_selected(f, v->groups[i].slug),
                      gp >= 0))
            toggle_group(f, v->groups[i].slug);
    }
    if (gp >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_GROUPS, (dk_signup_code)gp);

    /* Who, and how to reach them. */
    space(ui, fl, 2);
    int np_name = problem_for(p, np, DK_SIGNUP_FIELD_NAME);
    if (np_name >= 0)
        NOTE_PROBLEM();
    draw_field(f, ui, fl, F_NAME, dk_i18n(l, DK_S_YOUR_NAME), NULL, l, np_name >= 0, &pos[F_NAME]);
    if (np_name >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_NAME, (dk_signup_code)np_name);
    space(ui, fl, 1.5);
    int pe = problem_for(p, np, DK_SIGNUP_FIELD_EMAIL),
        pp = problem_for(p, np, DK_SIGNUP_FIELD_PHONE);
    int pc = problem_for(p, np, DK_SIGNUP_FIELD_CONTACT);
    if (pe >= 0 || pp >= 0 || pc >= 0)
        NOTE_PROBLEM();
    text(ui, fl, DK_UI_FONT(DK_FONT_H3, DK_UI_BOLD), DK_C_HEADING, DK_EL_HEADING,
         dk_i18n(l, DK_S_CONTACT_BY));
    text(ui, fl, DK_UI_FONT(DK_FONT_SMALL, 0), DK_C_TEXT_MUTED, DK_EL_TEXT,
         dk_i18n(l, DK_S_CONTACT_HINT));
    space(ui, fl, 1);
    draw_field(f, ui, fl, F_EMAIL, dk_i18n(l, DK_S_EMAIL), NULL, l, pe >= 0 || pc >= 0,
               &pos[F_EMAIL]);
    if (pe >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_EMAIL, (dk_signup_code)pe);
    space(ui, fl, 1);
    draw_field(f, ui, fl, F_PHONE, dk_i18n(l, DK_S_PHONE), NULL, l, pp >= 0 || pc >= 0,
               &pos[F_PHONE]);
    if (pp >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_PHONE, (dk_signup_code)pp);
    if (pc >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_CONTACT, (dk_signup_code)pc);

    /* An optional message, with the hint where it is read: above the box. */
    space(ui, fl, 1.5);
    int pm = problem_for(p, np, DK_SIGNUP_FIELD_MESSAGE);
    if (pm >= 0)
        NOTE_PROBLEM();
    draw_field(f, ui, fl, F_MESSAGE, dk_i18n(l, DK_S_MESSAGE), dk_i18n(l, DK_S_MESSAGE_HINT), l,
               pm >= 0, &pos[F_MESSAGE]);
    if (pm >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_MESSAGE, (dk_signup_code)pm);

    /* Age. */
    space(ui, fl, 2);
    int pa = problem_for(p, np, DK_SIGNUP_FIELD_AGE);
    if (pa >= 0)
        NOTE_PROBLEM();
    if (check_row(ui, fl, l, dk_i18n(l, DK_S_AGE_16), "signup:age", f->rec.age_confirmed, pa >= 0))
        f->rec.age_confirmed = !f->rec.age_confirmed;
    if (pa >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_AGE, (dk_signup_code)pa);

    /* Consent, after the first layer of the privacy information it refers to. */
    space(ui, fl, 2);
    int pk = problem_for(p, np, DK_SIGNUP_FIELD_CONSENT);
    if (pk >= 0)
        NOTE_PROBLEM();
    if (v->consent_title)
        text(ui, fl, DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD), DK_C_HEADING, DK_EL_HEADING,
             v->consent_title);
    space(ui, fl, 1);
    if (v->consent_body_md)
        fl->y +=
            dk_ui_markdown(ui, fl->x, fl->y, fl->w, dk_ui_color(ui, DK_C_TEXT), v->consent_body_md);
    space(ui, fl, 1);
    if (v->privacy_body_md && v->privacy_body_md[0]) {
        int h = tall_button_h(m);
        if (dk_ui_button(ui, (dk_rect){fl->x, fl->y, fl->w, h}, dk_i18n(l, DK_S_FULL_PRIVACY),
                         "signup:privacy", DK_BUTTON_SECONDARY, 0)) {
            f->privacy_open = 1;
            dk_ui_scroll_to(ui, PRIVACY_SCROLL_ID, 0);
        }
        fl->y += h + m->gap_px;
    }
    space(ui, fl, 1);
    if (check_row(ui, fl, l, dk_i18n(l, DK_S_CONSENT_BOX), "signup:consent", f->rec.consent,
                  pk >= 0))
        f->rec.consent = !f->rec.consent;
    if (pk >= 0)
        problem_text(ui, fl, l, DK_SIGNUP_FIELD_CONSENT, (dk_signup_code)pk);
    /* What the visitor cannot fix in a field (the kiosk's clock, a missing consent text). */
    static const dk_signup_field others[] = {DK_SIGNUP_FIELD_DISTRICT,
                                             DK_SIGNUP_FIELD_CONSENT_VERSION,
                                             DK_SIGNUP_FIELD_LANGUAGE, DK_SIGNUP_FIELD_CREATED};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        int po = problem_for(p, np, others[i]);
        if (po >= 0) {
            NOTE_PROBLEM();
            problem_text(ui, fl, l, others[i], (dk_signup_code)po);
        }
    }
#undef NOTE_PROBLEM

    /* What happens next, then the two buttons. */
    space(ui, fl, 2);
    text(ui, fl, DK_UI_FONT(DK_FONT_BODY, 0), DK_C_TEXT, DK_EL_TEXT,
         dk_i18n(l, DK_S_SIGNUP_STORAGE));
    space(ui, fl, 1);
    if (f->save_failed)
        banner(ui, fl, dk_i18n(l, DK_S_SAVE_FAILED), DK_C_ERROR, DK_C_ON_ERROR);
    else if (np > 0)
        banner(ui, fl, dk_i18n(l, DK_S_CHECK_FIELDS), DK_C_ERROR, DK_C_ON_ERROR);
    int gap = m->gap_px, h = tall_button_h(m);
    int half = (fl->w - gap) / 2;
    dk_form_event ev = DK_FORM_NONE;
    if (dk_ui_button(ui, (dk_rect){fl->x, fl->y, half, h}, dk_i18n(l, DK_S_CANCEL), "signup:cancel",
                     DK_BUTTON_SECONDARY, 0)) {
        dk_form_wipe(f);
        return DK_FORM_CANCEL;
    }
    if (dk_ui_button(ui, (dk_rect){fl->x + half + gap, fl->y, fl->w - half - gap, h},
                     dk_i18n(l, DK_S_SEND), "signup:send", DK_BUTTON_PRIMARY, 0))
        ev = submit(f, v);
    fl->y += h;
    return ev;
}

/* The full privacy notice over the form, scrollable, closed by a button in reach. */
static void draw_privacy(dk_form *f, dk_ui *ui, dk_rect area, const dk_form_view *v)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_rect r = dk_rect_inset(area, m->unit_px * 2, m->unit_px * 2);
    const char *title = v->privacy_title ? v->privacy_title : dk_i18n(v->lang, DK_S_PRIVACY);
    if (dk_ui_modal_begin(ui, r, title))
        f->privacy_open = 0; /* a tap outside closes it */
    dk_ui_fill(ui, r, dk_ui_color(ui, DK_C_DIALOG_BG), m->radius_px);
    dk_ui_outline(ui, r, dk_ui_color(ui, DK_C_OUTLINE), m->radius_px, m->outline_px);
    int pad = m->unit_px * 2, bh = m->target_px;
    int w = r.w - 2 * pad;
    int max_col = m->font_px[DK_FONT_BODY] * COLUMN_EMS;
    int col = w < max_col ? w : max_col;
    int x = r.x + (r.w - col) / 2;
    int tf = DK_UI_FONT(DK_FONT_H2, DK_UI_BOLD);
    int th = dk_ui_text_height(ui, col, tf, title);
    dk_ui_text_block(ui, (dk_rect){x, r.y + pad, col, th}, tf, dk_ui_color(ui, DK_C_HEADING),
                     DK_ALIGN_LEFT, DK_EL_HEADING, title);
    dk_rect view = {r.x + m->outline_px, r.y + pad + th + m->unit_px, r.w - 2 * m->outline_px,
                    r.h - 3 * pad - th - m->unit_px - bh};
    int top = dk_ui_scroll_begin(ui, PRIVACY_SCROLL_ID, view);
    int h = dk_ui_markdown(ui, x, top + m->unit_px, col, dk_ui_color(ui, DK_C_TEXT),
                           v->privacy_body_md);
    dk_ui_scroll_end(ui, h + 2 * m->unit_px);
    if (dk_ui_button(ui, (dk_rect){r.x + pad, r.y + r.h - pad - bh, w, bh},
                     dk_i18n(v->lang, DK_S_CLOSE), "signup:privacy-close", DK_BUTTON_PRIMARY, 0))
        f->privacy_open = 0;
    dk_ui_modal_end(ui);
}

dk_form_event dk_form_frame(dk_form *f, dk_ui *ui, dk_rect area, const dk_form_view *v)
{
    const dk_metrics *m = dk_ui_metrics(ui);
    dk_lang l = (unsigned)v->lang < DK_LANG_COUNT ? v->lang : DK_LANG_DE;
    dk_form_view view = *v;
    view.lang = l;
    if (!f->confirming)
        sync_groups(f, &view);
    /* The keyboard for the focused field, at the bottom: low, in reach (UI.md). */
    int kb_h = 0;
    int show_kb = f->focus >= 0 && f->focus < F_COUNT && !f->confirming && !f->privacy_open;
    if (show_kb) {
        int id = f->focus;
        kb_h = dk_keyboard_height(ui, fields[id].kind, l, area.w);
        /* The line being typed stays in view; the keyboard gets the rest, whole. */
        int min_view = m->target_px + 2 * m->unit_px;
        if (kb_h > area.h - min_view)
            kb_h = area.h - min_view > 0 ? area.h - min_view : 0;
        dk_textedit te = field_edit(f, id);
        unsigned res =
            dk_keyboard_draw(&f->kb, ui, (dk_rect){area.x, area.y + area.h - kb_h, area.w, kb_h},
                             fields[id].kind, l, &te);
        f->cursor[id] = te.cursor;
        if (res & (DK_KEYBOARD_CHANGED | DK_KEYBOARD_MOVED))
            f->scroll_pending = 1;
        if (res & DK_KEYBOARD_DONE)
            f->focus = -1;
    }
    dk_rect vp = {area.x, area.y, area.w, area.h - kb_h};
    int col = vp.w - 2 * m->margin_px;
    int max_col = m->font_px[DK_FONT_BODY] * COLUMN_EMS;
    if (col > max_col)
        col = max_col;
    int top = dk_ui_scroll_begin(ui, SCROLL_ID, vp);
    flow fl = {vp.x + (vp.w - col) / 2, top + m->unit_px * 2, col};
    field_pos pos[F_COUNT];
    memset(pos, 0, sizeof pos);
    int problem_y = -1;
    dk_form_event ev = f->confirming ? draw_confirmation(f, ui, &fl, &view)
                                     : draw_form(f, ui, &fl, &view, pos, &problem_y);
    fl.y += m->unit_px * 4;
    dk_ui_scroll_end(ui, fl.y - top);
    if (ev == DK_FORM_CANCEL || ev == DK_FORM_FINISHED)
        return ev;
    /* Scrolling that needs this frame's layout; takes effect in the next frame. */
    if (f->scroll_top) {
        dk_ui_scroll_to(ui, SCROLL_ID, 0);
        f->scroll_top = f->scroll_pending = f->scroll_problem = 0;
    } else if (f->scroll_problem && problem_y >= 0) {
        dk_ui_scroll_to(ui, SCROLL_ID, problem_y - top - m->unit_px * 2);
        f->scroll_problem = f->scroll_pending = 0;
    } else if (f->scroll_pending && (f->focus < 0 || show_kb)) {
        if (f->focus >= 0) {
            const field_pos *p = &pos[f->focus];
            int y = p->top - top - m->unit_px * 2;
            int caret_bottom = p->caret_y + p->line_h - top + m->unit_px * 2;
            if (caret_bottom - y > vp.h)
                y = caret_bottom - vp.h;
            dk_ui_scroll_to(ui, SCROLL_ID, y);
        }
        f->scroll_pending = 0;
    }
    if (f->privacy_open && !f->confirming)
        draw_privacy(f, ui, area, &view);
    return ev;
}
