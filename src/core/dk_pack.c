/* dk_pack.c: the packer: reads content/, checks every rule of docs/content-model.md, and writes
 * a bundle (canonical content document + content-addressed media + manifest). */
#include "dk_pack.h"

#include "dk_bundle.h"
#include "dk_content.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_image.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT_NAME 120   /* [characters] names and titles */
#define TEXT_SHORT 400  /* [characters] short texts and summaries */
#define TEXT_LONG 1000  /* [characters] other texts */
#define TEXT_PLACE 200  /* [characters] rhythm and place */
#define TEXT_PLAIN 200  /* [bytes] untranslated strings: e-mail, phone, person */
#define MAX_DIR_ENTRIES 100000

/* ---- problems ---- */

void dk_problems_init(dk_problems *p)
{
    dk_buf_init(&p->text, 1 << 20);
    p->errors = 0;
    p->warnings = 0;
}

void dk_problems_free(dk_problems *p)
{
    dk_buf_free(&p->text);
}

static void add_problem(dk_problems *p, int is_error, const char *file, const char *field,
                        const char *fmt, va_list ap)
{
    int n = p->errors + p->warnings;
    if (is_error)
        p->errors++;
    else
        p->warnings++;
    if (n > DK_PROBLEMS_MAX)
        return;
    if (n == DK_PROBLEMS_MAX) {
        dk_err lost = dk_buf_adds(&p->text, "... more problems follow; fix these first\n");
        (void)lost;
        return;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* A full buffer only loses the report's tail; the counts stay right. */
    dk_err lost = dk_buf_addf(&p->text, "%s%s%s%s: %s%s\n", file, field ? ": field '" : "",
                      field ? field : "", field ? "'" : "", is_error ? "" : "warning: ", msg);
    (void)lost;
}

/* ---- packing context ---- */

typedef struct media {
    char hash[DK_SHA256_HEX];
    char *path;
    uint64_t length;
    const char *mime;
} media;

typedef struct ref {
    char *file, *field, *slug;
    char kind; /* 'd' district, 'g' group, 'p' project */
} ref;

typedef struct ctx {
    const char *root;
    dk_problems *pr;
    json_t *districts, *projects, *groups, *dates, *pages;
    json_t *district_slugs, *group_slugs, *project_slugs, *date_ids; /* sets: slug -> true */
    media *media;
    size_t nmedia, capmedia;
    ref *refs;
    size_t nrefs, caprefs;
    uint64_t media_bytes;
    int oom;
} ctx;

static void err_at(ctx *c, const char *file, const char *field, const char *fmt, ...)
    DK_PRINTF(4, 5);
static void err_at(ctx *c, const char *file, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_problem(c->pr, 1, file, field, fmt, ap);
    va_end(ap);
}

static void warn_at(ctx *c, const char *file, const char *field, const char *fmt, ...)
    DK_PRINTF(4, 5);
static void warn_at(ctx *c, const char *file, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_problem(c->pr, 0, file, field, fmt, ap);
    va_end(ap);
}

/* Sets key in obj, stealing value; remembers an allocation failure instead of crashing. */
static void put(ctx *c, json_t *obj, const char *key, json_t *value)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        c->oom = 1;
}

static void add_ref(ctx *c, const char *file, const char *field, const char *slug, char kind)
{
    if (c->nrefs == c->caprefs) {
        size_t cap = c->caprefs ? c->caprefs * 2 : 64;
        ref *r = realloc(c->refs, cap * sizeof *r);
        if (!r) {
            c->oom = 1;
            return;
        }
        c->refs = r;
        c->caprefs = cap;
    }
    ref *r = &c->refs[c->nrefs];
    r->file = strdup(file);
    r->field = strdup(field);
    r->slug = strdup(slug);
    r->kind = kind;
    if (!r->file || !r->field || !r->slug) {
        free(r->file);
        free(r->field);
        free(r->slug);
        c->oom = 1;
        return;
    }
    c->nrefs++;
}

/* ---- small checks ---- */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int date_valid(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return 0;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static int datetime_valid(const char *s)
{
    return strlen(s) == 16 && date_valid(s) && s[10] == 'T' && digits(s + 11, 2) &&
           s[13] == ':' && digits(s + 14, 2) && num(s + 11, 2) < 24 && num(s + 14, 2) < 60;
}

/* Counts code points of valid UTF-8 (jansson has already rejected invalid UTF-8). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Returns a description of the first bad character, or NULL if the text is fine. */
static const char *text_problem(const char *s, int multiline)
{
    int visible = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' && multiline)
            continue;
        if (*p < 0x20 || *p == 0x7f)
            return *p == '\n' ? "has a line break (not allowed here)" : "has a control character";
        if (*p != ' ')
            visible = 1;
    }
    return visible ? NULL : "is empty";
}

static const char *const known_langs[] = {"de", "en", "tr"};

/* ---- field validators: each returns a new normalised value, or NULL after reporting ---- */

/* T: {"de": ..., "en": ..., "tr": ...}; German required. */
static json_t *v_text(ctx *c, const char *file, const char *field, json_t *v, size_t maxchars,
                      int multiline)
{
    if (!json_is_object(v)) {
        err_at(c, file, field, "must be a translated text like {\"de\": \"...\", \"en\": \"...\"}");
        return NULL;
    }
    json_t *out = json_object();
    if (!out) {
        c->oom = 1;
        return NULL;
    }
    int bad = 0;
    const char *lang;
    json_t *s;
    json_object_foreach(v, lang, s) {
        dk_lang l;
        char sub[160];
        snprintf(sub, sizeof sub, "%s.%s", field, lang);
        if (dk_lang_parse(lang, &l) != DK_OK) {
            err_at(c, file, sub, "unknown language '%s' (use de, en or tr)", lang);
            bad = 1;
            continue;
        }
        const char *str = json_string_value(s);
        const char *why = str ? text_problem(str, multiline) : "must be a string";
        if (why) {
            err_at(c, file, sub, "%s", why);
            bad = 1;
        } else if (utf8_chars(str) > maxchars) {
            err_at(c, file, sub, "is %zu characters long, at most %zu allowed", utf8_chars(str),
                   maxchars);
            bad = 1;
        } else {
            put(c, out, lang, json_string(str));
        }
    }
    if (!json_object_get(v, "de")) {
        err_at(c, file, field, "needs a German text (\"de\"); it is the fallback for every "
                               "other language");
        bad = 1;
    }
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static const char *v_string(ctx *c, const char *file, const char *field, json_t *v, size_t maxbytes)
{
    const char *s = json_string_value(v);
    if (!s) {
        err_at(c, file, field, "must be a string");
        return NULL;
    }
    const char *why = text_problem(s, 0);
    if (why) {
        err_at(c, file, field, "%s", why);
        return NULL;
    }
    if (strlen(s) > maxbytes) {
        err_at(c, file, field, "is longer than %zu bytes", maxbytes);
        return NULL;
    }
    return s;
}

static int email_plausible(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && strchr(at + 1, '.') && !strchr(at + 1, '@') && !strchr(s, ' ') &&
           at[1] != '.' && s[strlen(s) - 1] != '.';
}

static int phone_plausible(const char *s)
{
    int ndigits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            ndigits++;
        else if (!strchr("+ -/()", *p))
            return 0;
    }
    return ndigits >= 3;
}

/* Reads the Markdown files <field>.<lang>.md of an entity folder into a T object. */
static json_t *v_markdown(ctx *c, const char *dir, const char *reldir, const char *field)
{
    json_t *out = json_object();
    if (!out) {
        c->oom = 1;
        return NULL;
    }
    int bad = 0;
    for (int i = 0; i < DK_LANG_COUNT; i++) {
        char name[96], path[4096], rel[4096];
        snprintf(name, sizeof name, "%s.%s.md", field, known_langs[i]);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        snprintf(rel, sizeof rel, "%s/%s", reldir, name);
        if (!dk_fs_exists(path)) {
            if (i == DK_LANG_DE) {
                err_at(c, rel, NULL, "missing: the German text of '%s' is required", field);
                bad = 1;
            }
            continue;
        }
        char *data = NULL;
        size_t len = 0;
        dk_err err = dk_fs_read(path, DK_LIMIT_MARKDOWN, &data, &len);
        if (err) {
            err_at(c, rel, NULL, "%s", err == DK_ERR_LIMIT ? "larger than 32 KiB"
                                                             : dk_error_detail());
            bad = 1;
            continue;
        }
        /* Normalise what editors differ in: a byte-order mark and CR LF line ends. */
        char *s = data;
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3;
        size_t w = 0;
        for (size_t r = 0; s[r]; r++)
            if (!(s[r] == '\r' && s[r + 1] == '\n'))
                s[w++] = s[r];
        s[w] = '\0';
        while (w > 0 && (s[w - 1] == '\n' || s[w - 1] == ' '))
            s[--w] = '\0';
        const char *why = NULL;
        for (size_t k = 0; k < w && !why; k++) {
            unsigned char ch = (unsigned char)s[k];
            if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
                why = "has a control character";
        }
        if (!why && strlen(s) != w)
            why = "has a NUL byte";
        if (!why && w == 0)
            why = "is empty";
        json_t *js = why ? NULL : json_stringn(s, w);
        if (!why && !js)
            why = "is not valid UTF-8";
        free(data);
        if (why) {
            err_at(c, rel, NULL, "%s", why);
            bad = 1;
            continue;
        }
        put(c, out, known_langs[i], js);
    }
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static int image_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return 0;
    }
    const char *dot = strrchr(s, '.');
    return dot && (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0 ||
                   strcmp(dot, ".png") == 0 || strcmp(dot, ".webp") == 0);
}

static int is_image_name(const char *s)
{
    const char *dot = strrchr(s, '.');
    return dot && (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0 ||
                   strcmp(dot, ".png") == 0 || strcmp(dot, ".webp") == 0);
}

/* Adds a media file once (by hash); returns its entry or NULL on out of memory. */
static media *add_media(ctx *c, const char *hash, const char *path, uint64_t length,
                        const char *mime)
{
    for (size_t i = 0; i < c->nmedia; i++)
        if (strcmp(c->media[i].hash, hash) == 0)
            return &c->media[i];
    if (c->nmedia == c->capmedia) {
        size_t cap = c->capmedia ? c->capmedia * 2 : 64;
        media *m = realloc(c->media, cap * sizeof *m);
        if (!m)
            return NULL;
        c->media = m;
        c->capmedia = cap;
    }
    media *m = &c->media[c->nmedia];
    memcpy(m->hash, hash, DK_SHA256_HEX);
    m->path = strdup(path);
    if (!m->path)
        return NULL;
    m->length = length;
    m->mime = mime;
    c->nmedia++;
    c->media_bytes += length;
    return m;
}

/* image: {"file": "...", "alt": T} -> {"hash", "mime", "width", "height", "length", "alt"} */
static json_t *v_image(ctx *c, const char *dir, const char *file, const char *field, json_t *v,
                       json_t *used)
{
    static const char *const keys[] = {"file", "alt", NULL};
    if (!json_is_object(v)) {
        err_at(c, file, field, "must be an image like {\"file\": \"hero.jpg\", \"alt\": {...}}");
        return NULL;
    }
    int bad = 0;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        int known = 0;
        for (const char *const *k = keys; *k; k++)
            known |= strcmp(key, *k) == 0;
        if (!known) {
            char sub[160];
            snprintf(sub, sizeof sub, "%s.%s", field, key);
            err_at(c, file, sub, "unknown field (an image has 'file' and 'alt')");
            bad = 1;
        }
    }
    char sub[160];
    snprintf(sub, sizeof sub, "%s.alt", field);
    json_t *alt = NULL;
    if (!json_object_get(v, "alt")) {
        err_at(c, file, sub, "missing: every image needs a text alternative");
        bad = 1;
    } else {
        alt = v_text(c, file, sub, json_object_get(v, "alt"), TEXT_SHORT, 0);
        bad |= !alt;
    }
    snprintf(sub, sizeof sub, "%s.file", field);
    const char *name = json_string_value(json_object_get(v, "file"));
    if (!name) {
        err_at(c, file, sub, "missing: name the image file in this folder");
        json_decref(alt);
        return NULL;
    }
    if (!image_name_valid(name)) {
        err_at(c, file, sub,
               "'%s' is not a valid image name (lower-case letters, digits, '.', '_', '-', ending "
               "in .jpg, .jpeg, .png or .webp)",
               name);
        json_decref(alt);
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, DK_LIMIT_IMAGE_FILE, &data, &len);
    if (err) {
        if (err == DK_ERR_NOTFOUND)
            err_at(c, file, sub, "image '%s' not found beside this file", name);
        else if (err == DK_ERR_LIMIT)
            err_at(c, file, sub, "image '%s' is larger than 8 MiB", name);
        else
            err_at(c, file, sub, "cannot read image '%s': %s", name, dk_error_detail());
        json_decref(alt);
        return NULL;
    }
    dk_image_info info;
    err = dk_image_probe(data, len, &info);
    if (err) {
        err_at(c, file, sub, "'%s' is not a usable image: %s", name, dk_error_detail());
        bad = 1;
    } else if (info.width > DK_LIMIT_IMAGE_SIDE || info.height > DK_LIMIT_IMAGE_SIDE ||
               (long)info.width * info.height > DK_LIMIT_IMAGE_PIXELS) {
        err_at(c, file, sub, "'%s' is %dx%d pixels; at most %d a side and %ld pixels allowed",
               name, info.width, info.height, DK_LIMIT_IMAGE_SIDE, (long)DK_LIMIT_IMAGE_PIXELS);
        bad = 1;
    }
    if (bad) {
        free(data);
        json_decref(alt);
        return NULL;
    }
    char hash[DK_SHA256_HEX];
    dk_sha256_hex(data, len, hash);
    free(data);
    if (!add_media(c, hash, path, len, info.mime))
        c->oom = 1;
    if (used)
        json_object_set_new(used, name, json_true());
    json_t *out = json_object();
    if (!out) {
        c->oom = 1;
        json_decref(alt);
        return NULL;
    }
    put(c, out, "hash", json_string(hash));
    put(c, out, "mime", json_string(info.mime));
    put(c, out, "width", json_integer(info.width));
    put(c, out, "height", json_integer(info.height));
    put(c, out, "length", json_integer((json_int_t)len));
    put(c, out, "alt", alt);
    return out;
}

/* contact: {"role": T, "person", "email", "phone", "address": T} */
static json_t *v_contact(ctx *c, const char *file, const char *field, json_t *v)
{
    static const char *const keys[] = {"role", "person", "email", "phone", "address", NULL};
    if (!json_is_object(v)) {
        err_at(c, file, field, "must be a contact like {\"role\": {...}, \"email\": \"...\"}");
        return NULL;
    }
    json_t *out = json_object();
    if (!out) {
        c->oom = 1;
        return NULL;
    }
    int bad = 0;
    char sub[160];
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        int known = 0;
        for (const char *const *k = keys; *k; k++)
            known |= strcmp(key, *k) == 0;
        if (!known) {
            snprintf(sub, sizeof sub, "%s.%s", field, key);
            err_at(c, file, sub, "unknown field (a contact has role, person, email, phone, address)");
            bad = 1;
        }
    }
    snprintf(sub, sizeof sub, "%s.role", field);
    json_t *role = json_object_get(v, "role");
    if (!role) {
        err_at(c, file, sub, "missing: name the role or office to contact");
        bad = 1;
    } else {
        json_t *t = v_text(c, file, sub, role, TEXT_NAME, 0);
        if (t)
            put(c, out, "role", t);
        bad |= !t;
    }
    json_t *addr = json_object_get(v, "address");
    if (addr) {
        snprintf(sub, sizeof sub, "%s.address", field);
        json_t *t = v_text(c, file, sub, addr, TEXT_PLACE, 1);
        if (t)
            put(c, out, "address", t);
        bad |= !t;
    }
    static const char *const plain[] = {"person", "email", "phone"};
    for (int i = 0; i < 3; i++) {
        json_t *pv = json_object_get(v, plain[i]);
        if (!pv)
            continue;
        snprintf(sub, sizeof sub, "%s.%s", field, plain[i]);
        const char *s = v_string(c, file, sub, pv, TEXT_PLAIN);
        if (s && i == 1 && !email_plausible(s)) {
            err_at(c, file, sub, "'%s' does not look like an e-mail address", s);
            s = NULL;
        }
        if (s && i == 2 && !phone_plausible(s)) {
            err_at(c, file, sub, "'%s' does not look like a phone number (digits, spaces, + - / ( ))", s);
            s = NULL;
        }
        if (s)
            put(c, out, plain[i], json_string(s));
        bad |= !s;
    }
    if (!json_object_get(v, "email") && !json_object_get(v, "phone")) {
        err_at(c, file, field, "needs an e-mail address or a phone number");
        bad = 1;
    }
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- entity schemas ---- */

typedef enum ftype {
    F_TEXT,      /* T, single line */
    F_TEXTML,    /* T, line breaks allowed */
    F_MARKDOWN,  /* M: <field>.<lang>.md files */
    F_DISTRICT,  /* slug of a district */
    F_GROUP,     /* slug of a group */
    F_PROJECT,   /* slug of a project */
    F_GROUPS,    /* list of group slugs */
    F_STATUS,    /* planned | running | completed */
    F_KIND,      /* group kind */
    F_DATE,
    F_DATETIME,
    F_BOOL,
    F_AREA,      /* number in (0, 1000) */
    F_RESIDENTS, /* {"count", "year"} */
    F_COLOR,     /* #rrggbb */
    F_IMAGE,
    F_GALLERY,
    F_OFFICE,
    F_CONTACT,
    F_ID         /* slug of a date */
} ftype;

typedef struct field {
    const char *name;
    ftype type;
    int required;
    size_t max; /* [characters] for texts */
} field;

static const field district_fields[] = {
    {"name", F_TEXT, 1, 80},          {"color", F_COLOR, 1, 0},
    {"area_km2", F_AREA, 1, 0},       {"residents", F_RESIDENTS, 1, 0},
    {"short", F_TEXTML, 1, TEXT_SHORT}, {"profile", F_MARKDOWN, 1, 0},
    {"hero", F_IMAGE, 1, 0},          {"gallery", F_GALLERY, 0, 0},
    {"office", F_OFFICE, 1, 0},       {"steering", F_TEXTML, 1, TEXT_LONG},
    {NULL, F_TEXT, 0, 0}};

static const field project_fields[] = {
    {"district", F_DISTRICT, 1, 0},   {"title", F_TEXT, 1, TEXT_NAME},
    {"summary", F_TEXTML, 1, TEXT_SHORT}, {"body", F_MARKDOWN, 1, 0},
    {"status", F_STATUS, 1, 0},       {"start", F_DATE, 1, 0},
    {"end", F_DATE, 0, 0},            {"image", F_IMAGE, 0, 0},
    {"contact", F_CONTACT, 1, 0},     {"groups", F_GROUPS, 0, 0},
    {"visible_from", F_DATE, 0, 0},   {"visible_until", F_DATE, 0, 0},
    {"example", F_BOOL, 0, 0},        {NULL, F_TEXT, 0, 0}};

static const field group_fields[] = {
    {"district", F_DISTRICT, 1, 0},   {"kind", F_KIND, 1, 0},
    {"name", F_TEXT, 1, TEXT_NAME},   {"purpose", F_TEXTML, 1, TEXT_LONG},
    {"rhythm", F_TEXT, 1, TEXT_PLACE}, {"place", F_TEXT, 1, TEXT_PLACE},
    {"contact", F_CONTACT, 1, 0},     {"open", F_BOOL, 1, 0},
    {"join", F_TEXTML, 1, TEXT_LONG}, {"example", F_BOOL, 0, 0},
    {NULL, F_TEXT, 0, 0}};

static const field date_fields[] = {
    {"id", F_ID, 1, 0},               {"title", F_TEXT, 1, TEXT_NAME},
    {"start", F_DATETIME, 1, 0},      {"end", F_DATETIME, 0, 0},
    {"place", F_TEXT, 1, TEXT_PLACE}, {"description", F_TEXTML, 0, TEXT_LONG},
    {"group", F_GROUP, 0, 0},         {"project", F_PROJECT, 0, 0},
    {"example", F_BOOL, 0, 0},        {NULL, F_TEXT, 0, 0}};

static const field page_fields[] = {
    {"title", F_TEXT, 1, TEXT_NAME}, {"body", F_MARKDOWN, 1, 0}, {NULL, F_TEXT, 0, 0}};

/* Where an entity's files are: its folder (for Markdown and images) and the file to name in
 * problems. */
typedef struct where {
    const char *dir;    /* absolute folder */
    const char *reldir; /* folder as shown in problems */
    const char *file;   /* JSON file as shown in problems */
    json_t *used;       /* set of file names the entity uses (may be NULL) */
} where;

/* One item of a list field: the checked copy, or NULL after reporting a problem at sub. */
typedef json_t *(*v_item_fn)(ctx *c, const where *w, json_t *list, size_t i, json_t *item,
                             const char *sub);

static json_t *v_group_item(ctx *c, const where *w, json_t *list, size_t i, json_t *item,
                            const char *sub)
{
    const char *s = json_string_value(item);
    if (!s || !dk_slug_valid(s)) {
        err_at(c, w->file, sub, "must be a group slug");
        return NULL;
    }
    for (size_t k = 0; k < i; k++)
        if (json_equal(json_array_get(list, k), item)) {
            err_at(c, w->file, sub, "'%s' is listed twice", s);
            return NULL;
        }
    add_ref(c, w->file, sub, s, 'g');
    return json_string(s);
}

static json_t *v_gallery_item(ctx *c, const where *w, json_t *list, size_t i, json_t *item,
                              const char *sub)
{
    (void)list;
    (void)i;
    return v_image(c, w->dir, w->file, sub, item, w->used);
}

/* A list field of at most max items, each checked by item_fn; every bad item is reported
 * (not only the first) and the whole field is NULL if any was bad. */
static json_t *v_list(ctx *c, const where *w, const char *fname, json_t *v, int max,
                      const char *noun, v_item_fn item_fn)
{
    if (!json_is_array(v)) {
        err_at(c, w->file, fname, "must be a list of %s", noun);
        return NULL;
    }
    if (json_array_size(v) > (size_t)max) {
        err_at(c, w->file, fname, "has %zu %s, at most %d allowed", json_array_size(v), noun, max);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *item;
    int bad = 0;
    json_array_foreach(v, i, item) {
        char sub[160];
        snprintf(sub, sizeof sub, "%s[%zu]", fname, i);
        json_t *checked = item_fn(c, w, v, i, item, sub);
        if (!checked)
            bad = 1;
        else if (!out)
            json_decref(checked), c->oom = 1;
        else if (json_array_append_new(out, checked) != 0) /* releases checked on failure */
            c->oom = 1;
    }
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *v_field(ctx *c, const where *w, const field *f, json_t *v, const char *fname)
{
    const char *file = w->file;
    switch (f->type) {
    case F_TEXT:
    case F_TEXTML:
        return v_text(c, file, fname, v, f->max, f->type == F_TEXTML);
    case F_MARKDOWN:
        return NULL; /* handled by the caller: it lives in files, not in the JSON */
    case F_DISTRICT:
    case F_GROUP:
    case F_PROJECT:
    case F_ID: {
        const char *s = json_string_value(v);
        if (!s || !dk_slug_valid(s)) {
            err_at(c, file, fname, "must be a slug (lower-case letters, digits and single '-', "
                                   "at most 64)");
            return NULL;
        }
        if (f->type != F_ID)
            add_ref(c, file, fname, s, f->type == F_DISTRICT ? 'd' : f->type == F_GROUP ? 'g' : 'p');
        return json_string(s);
    }
    case F_GROUPS:
        return v_list(c, w, fname, v, DK_LIMIT_LINKS, "group slugs", v_group_item);
    case F_STATUS:
    case F_KIND: {
        const char *s = json_string_value(v);
        dk_project_status st;
        dk_group_kind k;
        dk_err e = f->type == F_STATUS ? dk_status_parse(s, &st) : dk_group_kind_parse(s, &k);
        if (e) {
            err_at(c, file, fname, "%s", dk_error_detail());
            return NULL;
        }
        return json_string(s);
    }
    case F_DATE:
    case F_DATETIME: {
        const char *s = json_string_value(v);
        int ok = s && (f->type == F_DATE ? strlen(s) == 10 && date_valid(s) : datetime_valid(s));
        if (!ok) {
            err_at(c, file, fname, "must be a %s",
                   f->type == F_DATE ? "date like 2026-11-26" : "date and time like 2026-11-26T18:30");
            return NULL;
        }
        return json_string(s);
    }
    case F_BOOL:
        if (!json_is_boolean(v)) {
            err_at(c, file, fname, "must be true or false");
            return NULL;
        }
        return json_boolean(json_is_true(v));
    case F_AREA: {
        if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) >= 1000) {
            err_at(c, file, fname, "must be a number of square kilometres between 0 and 1000");
            return NULL;
        }
        return json_real(json_number_value(v));
    }
    case F_RESIDENTS: {
        json_t *count = json_object_get(v, "count");
        json_t *year = json_object_get(v, "year");
        if (!json_is_object(v) || json_object_size(v) != 2 || !count || !year) {
            err_at(c, file, fname, "must be {\"count\": 12345, \"year\": 2023} (year null if unknown)");
            return NULL;
        }
        if (!json_is_integer(count) || json_integer_value(count) <= 0 ||
            json_integer_value(count) > 100000000) {
            err_at(c, file, fname, "'count' must be a whole number of residents");
            return NULL;
        }
        if (!json_is_null(year) && (!json_is_integer(year) || json_integer_value(year) < 1900 ||
                                    json_integer_value(year) > 2199)) {
            err_at(c, file, fname, "'year' must be the reference year of the figure, or null");
            return NULL;
        }
        return json_pack("{s:I,s:O}", "count", json_integer_value(count), "year", year);
    }
    case F_COLOR: {
        const char *s = json_string_value(v);
        int ok = s && strlen(s) == 7 && s[0] == '#';
        for (int i = 1; ok && i < 7; i++)
            ok = strchr("0123456789abcdefABCDEF", s[i]) != NULL;
        if (!ok) {
            err_at(c, file, fname, "must be a colour like \"#1f6f8b\"");
            return NULL;
        }
        char lower[8];
        for (int i = 0; i < 8; i++)
            lower[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
        return json_string(lower);
    }
    case F_IMAGE:
        return v_image(c, w->dir, file, fname, v, w->used);
    case F_GALLERY:
        return v_list(c, w, fname, v, DK_LIMIT_GALLERY, "images", v_gallery_item);
    case F_OFFICE: {
        static const field office_fields[] = {
            {"name", F_TEXT, 1, TEXT_NAME},   {"address", F_TEXTML, 1, TEXT_PLACE},
            {"hours", F_TEXTML, 1, TEXT_LONG}, {"phone", F_TEXT, 0, 0},
            {"email", F_TEXT, 0, 0},          {NULL, F_TEXT, 0, 0}};
        if (!json_is_object(v)) {
            err_at(c, file, fname, "must be an object with name, address and hours");
            return NULL;
        }
        json_t *out = json_object();
        int bad = 0;
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            const field *of = NULL;
            for (const field *k = office_fields; k->name; k++)
                if (strcmp(k->name, key) == 0)
                    of = k;
            char sub[160];
            snprintf(sub, sizeof sub, "%s.%s", fname, key);
            if (!of) {
                err_at(c, file, sub, "unknown field (an office has name, address, hours, phone, email)");
                bad = 1;
                continue;
            }
            json_t *nv = NULL;
            if (of->max) {
                nv = v_text(c, file, sub, val, of->max, of->type == F_TEXTML);
            } else {
                const char *s = v_string(c, file, sub, val, TEXT_PLAIN);
                if (s && strcmp(key, "email") == 0 && !email_plausible(s)) {
                    err_at(c, file, sub, "'%s' does not look like an e-mail address", s);
                    s = NULL;
                } else if (s && strcmp(key, "phone") == 0 && !phone_plausible(s)) {
                    err_at(c, file, sub, "'%s' does not look like a phone number", s);
                    s = NULL;
                }
                nv = s ? json_string(s) : NULL;
            }
            if (nv)
                put(c, out, key, nv);
            else
                bad = 1;
        }
        for (const field *k = office_fields; k->name; k++)
            if (k->required && !json_object_get(v, k->name)) {
                char sub[160];
                snprintf(sub, sizeof sub, "%s.%s", fname, k->name);
                err_at(c, file, sub, "missing");
                bad = 1;
            }
        if (bad) {
            json_decref(out);
            return NULL;
        }
        return out;
    }
    case F_CONTACT:
        return v_contact(c, file, fname, v);
    }
    return NULL;
}

/* Validates obj against fields; returns the normalised entity or NULL if anything is wrong. */
static json_t *v_entity(ctx *c, const where *w, const field *fields, json_t *obj)
{
    if (!json_is_object(obj)) {
        err_at(c, w->file, NULL, "must hold a JSON object { ... }");
        return NULL;
    }
    json_t *out = json_object();
    if (!out) {
        c->oom = 1;
        return NULL;
    }
    int bad = 0;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        const field *f = NULL;
        for (const field *k = fields; k->name; k++)
            if (strcmp(k->name, key) == 0)
                f = k;
        if (!f || f->type == F_MARKDOWN) {
            if (f)
                err_at(c, w->file, key, "lives in the files %s.de.md, %s.en.md, %s.tr.md, not here",
                       key, key, key);
            else
                err_at(c, w->file, key, "unknown field (see docs/content-model.md)");
            bad = 1;
            continue;
        }
        json_t *nv = v_field(c, w, f, val, key);
        if (nv)
            put(c, out, key, nv);
        else
            bad = 1;
    }
    for (const field *f = fields; f->name; f++) {
        if (f->type == F_MARKDOWN) {
            json_t *md = v_markdown(c, w->dir, w->reldir, f->name);
            if (md)
                put(c, out, f->name, md);
            else
                bad = 1;
            if (w->used)
                for (int i = 0; i < DK_LANG_COUNT; i++) {
                    char name[96];
                    snprintf(name, sizeof name, "%s.%s.md", f->name, known_langs[i]);
                    json_object_set_new(w->used, name, json_true());
                }
        } else if (f->required && !json_object_get(obj, f->name)) {
            err_at(c, w->file, f->name, "missing (required)");
            bad = 1;
        }
    }
    /* Ranges that span two fields. */
    static const char *const pairs[][2] = {
        {"start", "end"}, {"visible_from", "visible_until"}};
    for (int i = 0; i < 2 && !bad; i++) {
        const char *a = json_string_value(json_object_get(out, pairs[i][0]));
        const char *b = json_string_value(json_object_get(out, pairs[i][1]));
        if (a && b && strcmp(b, a) < 0) {
            err_at(c, w->file, pairs[i][1], "is before '%s' (%s < %s)", pairs[i][0], b, a);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Reads and parses one JSON file, reporting problems with their line and column. */
static json_t *load_json(ctx *c, const char *path, const char *rel, size_t max)
{
    char *data = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, max, &data, &len);
    if (err) {
        if (err == DK_ERR_LIMIT)
            err_at(c, rel, NULL, "larger than the limit of %zu KiB", max / 1024);
        else if (err == DK_ERR_NOTFOUND)
            err_at(c, rel, NULL, "missing");
        else
            err_at(c, rel, NULL, "%s", dk_error_detail());
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (!root)
        err_at(c, rel, NULL, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    return root;
}

/* Reports files in an entity folder that nothing uses. */
static void check_unused(ctx *c, const char *dir, const char *reldir, const char *json_name,
                         json_t *used)
{
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(dir, MAX_DIR_ENTRIES, &names, &n) != DK_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        if (strcmp(name, json_name) == 0 || json_object_get(used, name))
            continue;
        char rel[4096];
        snprintf(rel, sizeof rel, "%s/%s", reldir, name);
        if (is_image_name(name))
            warn_at(c, rel, NULL, "image not used by %s; it is not packed", json_name);
        else if (name[0] != '.')
            err_at(c, rel, NULL, "unexpected file here (a language other than de, en, tr, or a "
                                 "misspelt name?)");
    }
    free(names);
}

/* Loads every entity folder of one kind: <root>/<kind>/<slug>/<json_name>. */
static void load_kind(ctx *c, const char *kind, const char *json_name, const field *fields,
                      json_t *list, json_t *slugs, size_t limit)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", c->root, kind);
    if (!dk_fs_is_dir(dir)) {
        if (strcmp(kind, "projects") != 0 && strcmp(kind, "groups") != 0)
            err_at(c, dir, NULL, "missing folder");
        return;
    }
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(dir, MAX_DIR_ENTRIES, &names, &n) != DK_OK) {
        err_at(c, dir, NULL, "%s", dk_error_detail());
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *slug = names[i];
        if (slug[0] == '.')
            continue;
        char edir[4096], rel[4096], path[4096];
        snprintf(edir, sizeof edir, "%s/%s", dir, slug);
        snprintf(rel, sizeof rel, "%s/%s/%s", dir, slug, json_name);
        if (!dk_fs_is_dir(edir)) {
            err_at(c, edir, NULL, "expected a folder named after the slug, with %s inside",
                   json_name);
            continue;
        }
        if (!dk_slug_valid(slug)) {
            err_at(c, edir, NULL, "folder name is not a valid slug (lower-case letters, digits "
                                  "and single '-', at most 64)");
            continue;
        }
        if (++count > limit) {
            err_at(c, dir, NULL, "more than %zu %s", limit, kind);
            break;
        }
        /* Known before it is checked, so that one broken entity does not also turn every
         * reference to it into a problem. */
        json_object_set_new(slugs, slug, json_true());
        snprintf(path, sizeof path, "%s/%s", edir, json_name);
        json_t *root = load_json(c, path, rel, DK_LIMIT_JSON_FILE);
        json_t *used = json_object();
        where w = {edir, edir, rel, used};
        json_t *e = root ? v_entity(c, &w, fields, root) : NULL;
        if (used)
            check_unused(c, edir, edir, json_name, used);
        json_decref(used);
        json_decref(root);
        if (!e)
            continue;
        put(c, e, "slug", json_string(slug));
        if (json_array_append_new(list, e) != 0)
            c->oom = 1;
    }
    free(names);
}

static void load_dates(ctx *c)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/dates", c->root);
    if (!dk_fs_is_dir(dir))
        return; /* no dates at all is fine */
    char **names = NULL;
    size_t n = 0;
    if (dk_fs_list(dir, MAX_DIR_ENTRIES, &names, &n) != DK_OK) {
        err_at(c, dir, NULL, "%s", dk_error_detail());
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        if (name[0] == '.')
            continue;
        char path[4096], district[DK_LIMIT_SLUG + 8];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t len = strlen(name);
        if (len < 6 || strcmp(name + len - 5, ".json") != 0 || len - 5 > DK_LIMIT_SLUG) {
            err_at(c, path, NULL, "unexpected file (dates live in <district-slug>.json)");
            continue;
        }
        memcpy(district, name, len - 5);
        district[len - 5] = '\0';
        if (!json_object_get(c->district_slugs, district)) {
            err_at(c, path, NULL, "there is no district '%s' (the file is named after its district)",
                   district);
            continue;
        }
        json_t *root = load_json(c, path, path, DK_LIMIT_DATES_FILE);
        if (!root)
            continue;
        json_t *list = json_object_get(root, "dates");
        if (!json_is_object(root) || !json_is_array(list) || json_object_size(root) != 1) {
            err_at(c, path, NULL, "must hold {\"dates\": [ ... ]} and nothing else");
            json_decref(root);
            continue;
        }
        size_t k;
        json_t *item;
        json_array_foreach(list, k, item) {
            char rel[4096];
            snprintf(rel, sizeof rel, "%s: dates[%zu]", path, k);
            where w = {dir, dir, rel, NULL};
            json_t *e = v_entity(c, &w, date_fields, item);
            if (!e)
                continue;
            const char *id = json_string_value(json_object_get(e, "id"));
            if (json_object_get(c->date_ids, id)) {
                err_at(c, rel, "id", "'%s' is used twice; ids must be unique across all districts",
                       id);
                json_decref(e);
                continue;
            }
            if (json_array_size(c->dates) >= DK_LIMIT_DATES) {
                err_at(c, rel, NULL, "more than %d dates", DK_LIMIT_DATES);
                json_decref(e);
                break;
            }
            json_object_set_new(c->date_ids, id, json_true());
            put(c, e, "district", json_string(district));
            if (json_array_append_new(c->dates, e) != 0)
                c->oom = 1;
        }
        json_decref(root);
    }
    free(names);
}

static void check_refs(ctx *c)
{
    for (size_t i = 0; i < c->nrefs; i++) {
        ref *r = &c->refs[i];
        json_t *set = r->kind == 'd' ? c->district_slugs
                      : r->kind == 'g' ? c->group_slugs
                                       : c->project_slugs;
        const char *what = r->kind == 'd' ? "district" : r->kind == 'g' ? "group" : "project";
        if (!json_object_get(set, r->slug))
            err_at(c, r->file, r->field, "there is no %s '%s'", what, r->slug);
    }
}

static void check_required_pages(ctx *c)
{
    /* consent is the first layer of the privacy information on the sign-up form (Art. 13
     * GDPR); privacy is the full notice one tap away from it. */
    static const char *const required[] = {"about", "privacy", "legal", "consent"};
    for (int i = 0; i < 4; i++) {
        int found = 0;
        size_t k;
        json_t *p;
        json_array_foreach(c->pages, k, p) {
            found |= strcmp(json_string_value(json_object_get(p, "slug")), required[i]) == 0;
        }
        if (!found) {
            char path[4096];
            snprintf(path, sizeof path, "%s/pages/%s", c->root, required[i]);
            if (!dk_fs_exists(path))
                err_at(c, path, NULL, "missing: the pages about, privacy, legal and consent are required");
        }
    }
}

static int cmp_date_id(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));
    return strcmp(x, y);
}

static int cmp_media(const void *a, const void *b)
{
    return strcmp(((const media *)a)->hash, ((const media *)b)->hash);
}

/* Sorts dates by id so that their order does not depend on which file they came from. */
static json_t *sorted_dates(json_t *dates)
{
    size_t n = json_array_size(dates);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    json_t *out = json_array();
    if (!items || !out) {
        free(items);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(dates, i);
    qsort(items, n, sizeof *items, cmp_date_id);
    for (size_t i = 0; i < n; i++)
        json_array_append(out, items[i]);
    free(items);
    return out;
}

/* Writes one object into objdir unless an intact copy is already there. */
static dk_err write_object(const char *objdir, const char *hash, const void *data, size_t len)
{
    char path[4096];
    dk_err err = dk_fs_join(path, sizeof path, objdir, hash);
    if (err)
        return err;
    dk_object o = {DK_ROLE_MEDIA, "", len, ""};
    memcpy(o.hash, hash, DK_SHA256_HEX);
    if (dk_object_verify(objdir, &o) == DK_OK)
        return DK_OK;
    return dk_fs_write_atomic(path, data, len, 0644);
}

static dk_err write_bundle(ctx *c, const char *out_dir, const dk_pack_options *opt,
                           const char *doc, size_t doclen, dk_pack_summary *sum)
{
    char objdir[4096], mpath[4096];
    dk_err err;
    if ((err = dk_fs_join(objdir, sizeof objdir, out_dir, DK_BUNDLE_OBJECTS)) ||
        (err = dk_fs_join(mpath, sizeof mpath, out_dir, DK_BUNDLE_MANIFEST)))
        return err;
    if (dk_fs_exists(out_dir) && !dk_fs_exists(mpath)) {
        char **names = NULL;
        size_t n = 0;
        if ((err = dk_fs_list(out_dir, 16, &names, &n)) && err != DK_ERR_LIMIT)
            return err;
        free(names);
        if (err == DK_ERR_LIMIT || (n > 0 && !(n == 1 && dk_fs_is_dir(objdir))))
            return dk_error_set(DK_ERR_EXISTS,
                                "%s exists and is not a bundle; choose an empty or new folder",
                                out_dir);
    }
    if ((err = dk_fs_mkdirs(objdir, 0755)))
        return err;

    dk_manifest m;
    memset(&m, 0, sizeof m);
    m.version = opt ? opt->version : 0;
    if (opt && opt->issued)
        snprintf(m.issued, sizeof m.issued, "%s", opt->issued);
    m.objects = calloc(c->nmedia + 1, sizeof *m.objects);
    if (!m.objects)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    m.count = c->nmedia + 1;
    m.objects[0].role = DK_ROLE_CONTENT;
    dk_sha256_hex(doc, doclen, m.objects[0].hash);
    m.objects[0].length = doclen;
    snprintf(sum->content_hash, sizeof sum->content_hash, "%s", m.objects[0].hash);
    qsort(c->media, c->nmedia, sizeof *c->media, cmp_media);

    err = write_object(objdir, m.objects[0].hash, doc, doclen);
    for (size_t i = 0; i < c->nmedia && !err; i++) {
        media *md = &c->media[i];
        dk_object *o = &m.objects[i + 1];
        o->role = DK_ROLE_MEDIA;
        memcpy(o->hash, md->hash, DK_SHA256_HEX);
        o->length = md->length;
        snprintf(o->mime, sizeof o->mime, "%s", md->mime);
        char *data = NULL;
        size_t len = 0;
        if ((err = dk_fs_read(md->path, DK_LIMIT_IMAGE_FILE, &data, &len)))
            break;
        char hash[DK_SHA256_HEX];
        dk_sha256_hex(data, len, hash);
        if (strcmp(hash, md->hash) != 0)
            err = dk_error_set(DK_ERR_CORRUPT, "%s changed while packing; pack again", md->path);
        else
            err = write_object(objdir, md->hash, data, len);
        free(data);
    }
    char *mtext = NULL;
    size_t mlen = 0;
    if (!err)
        err = dk_manifest_serialize(&m, &mtext, &mlen);
    if (!err) /* the manifest is the commit point: written last, atomically */
        err = dk_fs_write_atomic(mpath, mtext, mlen, 0644);
    free(mtext);
    if (!err) {
        /* Objects that the new manifest does not list are left-overs of an earlier pack. */
        char **names = NULL;
        size_t n = 0;
        if (dk_fs_list(objdir, MAX_DIR_ENTRIES, &names, &n) == DK_OK) {
            for (size_t i = 0; i < n; i++) {
                int listed = 0;
                for (size_t k = 0; k < m.count && !listed; k++)
                    listed = strcmp(names[i], m.objects[k].hash) == 0;
                if (!listed) {
                    char path[4096];
                    if (dk_fs_join(path, sizeof path, objdir, names[i]) == DK_OK)
                        unlink(path);
                }
            }
            free(names);
        }
    }
    free(m.objects);
    return err;
}

dk_err dk_pack(const char *content_dir, const char *out_dir, const dk_pack_options *opt,
               dk_problems *problems, dk_pack_summary *summary)
{
    dk_pack_summary local;
    dk_pack_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    ctx c = {0};
    c.root = content_dir;
    c.pr = problems;
    c.districts = json_array();
    c.projects = json_array();
    c.groups = json_array();
    c.dates = json_array();
    c.pages = json_array();
    c.district_slugs = json_object();
    c.group_slugs = json_object();
    c.project_slugs = json_object();
    c.date_ids = json_object();
    dk_err err = DK_OK;
    char *doc = NULL;
    json_t *root = NULL;

    if (!dk_fs_is_dir(content_dir)) {
        err_at(&c, content_dir, NULL, "not a folder");
        err = DK_ERR_INVALID;
        goto done;
    }
    load_kind(&c, "districts", "district.json", district_fields, c.districts, c.district_slugs,
              DK_LIMIT_DISTRICTS);
    load_kind(&c, "groups", "group.json", group_fields, c.groups, c.group_slugs, DK_LIMIT_GROUPS);
    load_kind(&c, "projects", "project.json", project_fields, c.projects, c.project_slugs,
              DK_LIMIT_PROJECTS);
    json_t *page_slugs = json_object();
    load_kind(&c, "pages", "page.json", page_fields, c.pages, page_slugs, DK_LIMIT_PAGES);
    json_decref(page_slugs);
    load_dates(&c);
    check_refs(&c);
    check_required_pages(&c);
    if (json_array_size(c.districts) == 0 && problems->errors == 0)
        err_at(&c, content_dir, NULL, "no districts: content needs at least one district");
    if (c.media_bytes > (uint64_t)DK_LIMIT_BUNDLE_MEDIA)
        err_at(&c, content_dir, NULL, "all images together are larger than the limit of 4 GiB");
    if (c.oom) {
        err = dk_error_set(DK_ERR_NOMEM, "out of memory while reading the content");
        goto done;
    }
    if (problems->errors > 0) {
        err = dk_error_set(DK_ERR_INVALID, "%d problem%s in %s", problems->errors,
                           problems->errors == 1 ? "" : "s", content_dir);
        goto done;
    }

    json_t *dates = sorted_dates(c.dates);
    root = json_pack("{s:s,s:i,s:O,s:O,s:O,s:o*,s:O}", "format", DK_CONTENT_FORMAT, "schema",
                     DK_CONTENT_SCHEMA, "districts", c.districts, "projects", c.projects,
                     "groups", c.groups, "dates", dates, "pages", c.pages);
    doc = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)) : NULL;
    if (!doc) {
        err = dk_error_set(DK_ERR_NOMEM, "out of memory while writing the content document");
        goto done;
    }
    size_t doclen = strlen(doc);
    if (doclen > (size_t)DK_LIMIT_CONTENT_DOC) {
        err = dk_error_set(DK_ERR_LIMIT, "the content document would be %zu bytes; the limit is %ld",
                           doclen, (long)DK_LIMIT_CONTENT_DOC);
        goto done;
    }
    sum->districts = (int)json_array_size(c.districts);
    sum->projects = (int)json_array_size(c.projects);
    sum->groups = (int)json_array_size(c.groups);
    sum->dates = (int)json_array_size(c.dates);
    sum->pages = (int)json_array_size(c.pages);
    sum->media = (int)c.nmedia;
    sum->content_bytes = doclen;
    sum->media_bytes = c.media_bytes;
    dk_sha256_hex(doc, doclen, sum->content_hash);
    if (out_dir)
        err = write_bundle(&c, out_dir, opt, doc, doclen, sum);

done:
    free(doc);
    json_decref(root);
    json_decref(c.districts);
    json_decref(c.projects);
    json_decref(c.groups);
    json_decref(c.dates);
    json_decref(c.pages);
    json_decref(c.district_slugs);
    json_decref(c.group_slugs);
    json_decref(c.project_slugs);
    json_decref(c.date_ids);
    for (size_t i = 0; i < c.nmedia; i++)
        free(c.media[i].path);
    free(c.media);
    for (size_t i = 0; i < c.nrefs; i++) {
        free(c.refs[i].file);
        free(c.refs[i].field);
        free(c.refs[i].slug);
    }
    free(c.refs);
    return err;
}
