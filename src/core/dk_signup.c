/* dk_signup.c: validation, canonical JSON and masking of volunteer registrations. */
#include "dk_signup.h"

#include "dk_crypto.h"
#include "dk_text.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

/* 9999-12-31T23:59:59Z: the last second the "YYYY-..." form can write. */
#define CREATED_LAST 253402300799LL

/* ==== Names ==== */

static const char *const code_names[DK_SIGNUP_CODE_COUNT] = {
    [DK_SIGNUP_TEXT_NOT_UTF8] = "TEXT_NOT_UTF8",
    [DK_SIGNUP_TEXT_CONTROL] = "TEXT_CONTROL",
    [DK_SIGNUP_NAME_EMPTY] = "NAME_EMPTY",
    [DK_SIGNUP_NAME_TOO_LONG] = "NAME_TOO_LONG",
    [DK_SIGNUP_EMAIL_TOO_LONG] = "EMAIL_TOO_LONG",
    [DK_SIGNUP_EMAIL_SPACE] = "EMAIL_SPACE",
    [DK_SIGNUP_EMAIL_NO_AT] = "EMAIL_NO_AT",
    [DK_SIGNUP_EMAIL_NO_DOMAIN_DOT] = "EMAIL_NO_DOMAIN_DOT",
    [DK_SIGNUP_EMAIL_INVALID] = "EMAIL_INVALID",
    [DK_SIGNUP_PHONE_INVALID] = "PHONE_INVALID",
    [DK_SIGNUP_PHONE_TOO_SHORT] = "PHONE_TOO_SHORT",
    [DK_SIGNUP_PHONE_TOO_LONG] = "PHONE_TOO_LONG",
    [DK_SIGNUP_CONTACT_MISSING] = "CONTACT_MISSING",
    [DK_SIGNUP_GROUP_MISSING] = "GROUP_MISSING",
    [DK_SIGNUP_GROUP_TOO_MANY] = "GROUP_TOO_MANY",
    [DK_SIGNUP_GROUP_INVALID] = "GROUP_INVALID",
    [DK_SIGNUP_GROUP_DUPLICATE] = "GROUP_DUPLICATE",
    [DK_SIGNUP_DISTRICT_MISSING] = "DISTRICT_MISSING",
    [DK_SIGNUP_DISTRICT_INVALID] = "DISTRICT_INVALID",
    [DK_SIGNUP_MESSAGE_TOO_LONG] = "MESSAGE_TOO_LONG",
    [DK_SIGNUP_AGE_NOT_CONFIRMED] = "AGE_NOT_CONFIRMED",
    [DK_SIGNUP_CONSENT_MISSING] = "CONSENT_MISSING",
    [DK_SIGNUP_CONSENT_VERSION_INVALID] = "CONSENT_VERSION_INVALID",
    [DK_SIGNUP_LANGUAGE_INVALID] = "LANGUAGE_INVALID",
    [DK_SIGNUP_CREATED_INVALID] = "CREATED_INVALID",
};

static const char *const field_names[DK_SIGNUP_FIELD_COUNT] = {
    [DK_SIGNUP_FIELD_NAME] = "name",
    [DK_SIGNUP_FIELD_EMAIL] = "email",
    [DK_SIGNUP_FIELD_PHONE] = "phone",
    [DK_SIGNUP_FIELD_CONTACT] = "contact",
    [DK_SIGNUP_FIELD_GROUPS] = "groups",
    [DK_SIGNUP_FIELD_DISTRICT] = "district",
    [DK_SIGNUP_FIELD_MESSAGE] = "message",
    [DK_SIGNUP_FIELD_AGE] = "age_confirmed",
    [DK_SIGNUP_FIELD_CONSENT] = "consent",
    [DK_SIGNUP_FIELD_CONSENT_VERSION] = "consent_version",
    [DK_SIGNUP_FIELD_LANGUAGE] = "language",
    [DK_SIGNUP_FIELD_CREATED] = "created",
};

const char *dk_signup_code_name(dk_signup_code code)
{
    return (unsigned)code < DK_SIGNUP_CODE_COUNT && code_names[code] ? code_names[code] : "?";
}

const char *dk_signup_field_name(dk_signup_field field)
{
    return (unsigned)field < DK_SIGNUP_FIELD_COUNT && field_names[field] ? field_names[field]
                                                                           : "?";
}

/* ==== Record helpers ==== */

void dk_signup_wipe(dk_signup *rec)
{
    if (rec)
        dk_wipe(rec, sizeof *rec);
}

/* Trims spaces from a text in a buffer of bufsz bytes; the freed tail becomes zeros. */
static void trim_text(char *s, size_t bufsz)
{
    size_t n = strnlen(s, bufsz);
    if (n == bufsz) /* not terminated: validation reports it; leave it alone */
        return;
    size_t start = 0;
    while (start < n && s[start] == ' ')
        start++;
    size_t end = n;
    while (end > start && s[end - 1] == ' ')
        end--;
    if (start > 0)
        memmove(s, s + start, end - start);
    dk_wipe(s + (end - start), n - (end - start));
}

void dk_signup_trim(dk_signup *rec)
{
    trim_text(rec->name, sizeof rec->name);
    trim_text(rec->email, sizeof rec->email);
    trim_text(rec->phone, sizeof rec->phone);
    trim_text(rec->message, sizeof rec->message);
}

/* ==== Characters ==== */

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Spaces a visitor cannot tell apart on screen, including the invisible zero-width ones. */
static int is_space(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

typedef enum text_state { TEXT_OK, TEXT_UNTERMINATED, TEXT_NOT_UTF8, TEXT_CONTROL } text_state;

/* Checks the NUL-terminated text s in a buffer of bufsz bytes. *len gets its length in bytes,
 * *chars in characters, *visible the count of characters that are not spaces. */
static text_state check_text(const char *s, size_t bufsz, size_t *len, size_t *chars,
                             size_t *visible)
{
    size_t n = strnlen(s, bufsz);
    *len = n;
    *chars = 0;
    *visible = 0;
    if (n == bufsz)
        return TEXT_UNTERMINATED;
    text_state state = TEXT_OK;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += dk_utf8_decode(s + i, n - i, &cp);
        (*chars)++;
        if (cp == DK_TEXT_INVALID)
            return TEXT_NOT_UTF8; /* wins over a control character seen before */
        if (is_control(cp))
            state = TEXT_CONTROL;
        else if (!is_space(cp))
            (*visible)++;
    }
    return state;
}

/* A slug in a fixed buffer that may lack its NUL (then it is not valid). */
static int slug_in(const char *s, size_t bufsz)
{
    return strnlen(s, bufsz) < bufsz && dk_slug_valid(s);
}

static int consent_version_valid(const char *s, size_t bufsz)
{
    size_t n = strnlen(s, bufsz);
    if (n == 0 || n == bufsz || n > DK_SIGNUP_CONSENT_VERSION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == ':' || ch == '+' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

/* ==== Validation ==== */

typedef struct problems {
    dk_signup_problem *item;
    size_t count;
} problems;

static void add_problem(problems *p, dk_signup_field field, dk_signup_code code)
{
    if (p->count < DK_SIGNUP_PROBLEMS_MAX) /* one per field, so always true */
        p->item[p->count++] = (dk_signup_problem){field, code};
}

/* The text checks every text field shares. Returns 1 if the text passed them. */
static int text_ok(problems *p, dk_signup_field field, dk_signup_code too_long, const char *s,
                   size_t bufsz, size_t *len, size_t *chars, size_t *visible)
{
    switch (check_text(s, bufsz, len, chars, visible)) {
    case TEXT_OK:
        return 1;
    case TEXT_UNTERMINATED:
        add_problem(p, field, too_long);
        return 0;
    case TEXT_NOT_UTF8:
        add_problem(p, field, DK_SIGNUP_TEXT_NOT_UTF8);
        return 0;
    case TEXT_CONTROL:
        add_problem(p, field, DK_SIGNUP_TEXT_CONTROL);
        return 0;
    }
    return 0;
}

static int email_forbidden(char ch)
{
    return ch != '\0' && strchr("\"(),:;<>[]\\", ch) != NULL;
}

/* Checks a non-empty address that is valid UTF-8 without control characters. The rules catch
 * typing mistakes and keep out what cannot be an address; they do not try to be RFC 5322. */
static dk_signup_code email_problem(const char *s, size_t len, size_t chars)
{
    if (chars > DK_SIGNUP_EMAIL_MAX)
        return DK_SIGNUP_EMAIL_TOO_LONG;
    size_t ats = 0, at = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t step = dk_utf8_decode(s + i, len - i, &cp);
        if (is_space(cp))
            return DK_SIGNUP_EMAIL_SPACE;
        if (cp == '@') {
            ats++;
            at = i;
        }
        i += step;
    }
    if (ats == 0)
        return DK_SIGNUP_EMAIL_NO_AT;
    if (ats > 1 || at == 0)
        return DK_SIGNUP_EMAIL_INVALID;
    size_t local_chars = 0;
    for (size_t i = 0; i < at;) {
        uint32_t cp;
        i += dk_utf8_decode(s + i, at - i, &cp);
        local_chars++;
    }
    if (local_chars > DK_SIGNUP_EMAIL_LOCAL_MAX)
        return DK_SIGNUP_EMAIL_TOO_LONG;

    const char *dom = s + at + 1;
    size_t dlen = len - at - 1;
    int inner_dot = 0; /* a dot that is neither the domain's first nor its last character */
    for (size_t i = 1; i + 1 < dlen; i++)
        if (dom[i] == '.')
            inner_dot = 1;
    if (!inner_dot)
        return DK_SIGNUP_EMAIL_NO_DOMAIN_DOT;

    for (size_t i = 0; i < len; i++)
        if (email_forbidden(s[i]))
            return DK_SIGNUP_EMAIL_INVALID;
    if (s[0] == '.' || s[at - 1] == '.')
        return DK_SIGNUP_EMAIL_INVALID;
    for (size_t i = 1; i < at; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return DK_SIGNUP_EMAIL_INVALID;

    /* The domain: labels of letters (any script), digits and inner hyphens. */
    size_t label_start = 0;
    for (size_t i = 0; i <= dlen; i++) {
        if (i < dlen && dom[i] != '.') {
            unsigned char ch = (unsigned char)dom[i];
            int ok = ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '-';
            if (!ok)
                return DK_SIGNUP_EMAIL_INVALID;
            continue;
        }
        size_t n = i - label_start;
        const char *label = dom + label_start;
        if (n == 0 || label[0] == '-' || label[n - 1] == '-')
            return DK_SIGNUP_EMAIL_INVALID;
        if (i == dlen) { /* the ending: two characters at least, not a number */
            size_t letters = 0, digits = 0;
            for (size_t k = 0; k < n;) {
                uint32_t cp;
                k += dk_utf8_decode(label + k, n - k, &cp);
                letters++;
                if (cp >= '0' && cp <= '9')
                    digits++;
            }
            if (letters < 2 || digits == letters)
                return DK_SIGNUP_EMAIL_INVALID;
        }
        label_start = i + 1;
    }
    return DK_SIGNUP_CODE_COUNT; /* no problem */
}

static dk_signup_code phone_problem(const char *s, size_t len, size_t chars)
{
    if (chars > DK_SIGNUP_PHONE_MAX)
        return DK_SIGNUP_PHONE_TOO_LONG;
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (!(ch == ' ' || ch == '/' || ch == '-' || ch == '(' || ch == ')' ||
                   (ch == '+' && i == 0)))
            return DK_SIGNUP_PHONE_INVALID;
    }
    if (digits < DK_SIGNUP_PHONE_DIGITS_MIN)
        return DK_SIGNUP_PHONE_TOO_SHORT;
    if (digits > DK_SIGNUP_PHONE_DIGITS_MAX)
        return DK_SIGNUP_PHONE_TOO_LONG;
    return DK_SIGNUP_CODE_COUNT;
}

size_t dk_signup_validate(const dk_signup *rec, dk_signup_problem out[DK_SIGNUP_PROBLEMS_MAX])
{
    problems p = {out, 0};
    size_t len, chars, visible;

    if (text_ok(&p, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_TOO_LONG, rec->name, sizeof rec->name,
                &len, &chars, &visible)) {
        if (visible == 0)
            add_problem(&p, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_EMPTY);
        else if (chars > DK_SIGNUP_NAME_MAX)
            add_problem(&p, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_TOO_LONG);
    }

    int has_email = rec->email[0] != '\0', has_phone = rec->phone[0] != '\0';
    if (text_ok(&p, DK_SIGNUP_FIELD_EMAIL, DK_SIGNUP_EMAIL_TOO_LONG, rec->email,
                sizeof rec->email, &len, &chars, &visible) &&
        has_email) {
        dk_signup_code c = email_problem(rec->email, len, chars);
        if (c != DK_SIGNUP_CODE_COUNT)
            add_problem(&p, DK_SIGNUP_FIELD_EMAIL, c);
    }
    if (text_ok(&p, DK_SIGNUP_FIELD_PHONE, DK_SIGNUP_PHONE_TOO_LONG, rec->phone,
                sizeof rec->phone, &len, &chars, &visible) &&
        has_phone) {
        dk_signup_code c = phone_problem(rec->phone, len, chars);
        if (c != DK_SIGNUP_CODE_COUNT)
            add_problem(&p, DK_SIGNUP_FIELD_PHONE, c);
    }
    if (!has_email && !has_phone)
        add_problem(&p, DK_SIGNUP_FIELD_CONTACT, DK_SIGNUP_CONTACT_MISSING);

    if (rec->group_count == 0) {
        add_problem(&p, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_MISSING);
    } else if (rec->group_count > DK_SIGNUP_GROUPS_MAX) {
        add_problem(&p, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_TOO_MANY);
    } else {
        dk_signup_code c = DK_SIGNUP_CODE_COUNT;
        for (size_t i = 0; i < rec->group_count && c == DK_SIGNUP_CODE_COUNT; i++) {
            if (!slug_in(rec->groups[i], sizeof rec->groups[i]))
                c = DK_SIGNUP_GROUP_INVALID;
            for (size_t k = 0; k < i && c == DK_SIGNUP_CODE_COUNT; k++)
                if (strcmp(rec->groups[i], rec->groups[k]) == 0)
                    c = DK_SIGNUP_GROUP_DUPLICATE;
        }
        if (c != DK_SIGNUP_CODE_COUNT)
            add_problem(&p, DK_SIGNUP_FIELD_GROUPS, c);
    }

    if (rec->district[0] == '\0')
        add_problem(&p, DK_SIGNUP_FIELD_DISTRICT, DK_SIGNUP_DISTRICT_MISSING);
    else if (!slug_in(rec->district, sizeof rec->district))
        add_problem(&p, DK_SIGNUP_FIELD_DISTRICT, DK_SIGNUP_DISTRICT_INVALID);

    if (text_ok(&p, DK_SIGNUP_FIELD_MESSAGE, DK_SIGNUP_MESSAGE_TOO_LONG, rec->message,
                sizeof rec->message, &len, &chars, &visible) &&
        chars > DK_SIGNUP_MESSAGE_MAX)
        add_problem(&p, DK_SIGNUP_FIELD_MESSAGE, DK_SIGNUP_MESSAGE_TOO_LONG);

    if (!rec->age_confirmed)
        add_problem(&p, DK_SIGNUP_FIELD_AGE, DK_SIGNUP_AGE_NOT_CONFIRMED);
    if (!rec->consent)
        add_problem(&p, DK_SIGNUP_FIELD_CONSENT, DK_SIGNUP_CONSENT_MISSING);
    if (!consent_version_valid(rec->consent_version, sizeof rec->consent_version))
        add_problem(&p, DK_SIGNUP_FIELD_CONSENT_VERSION, DK_SIGNUP_CONSENT_VERSION_INVALID);
    if ((unsigned)rec->language >= DK_LANG_COUNT)
        add_problem(&p, DK_SIGNUP_FIELD_LANGUAGE, DK_SIGNUP_LANGUAGE_INVALID);
    if (rec->created < 0 || rec->created > CREATED_LAST)
        add_problem(&p, DK_SIGNUP_FIELD_CREATED, DK_SIGNUP_CREATED_INVALID);
    return p.count;
}

/* ==== Canonical JSON ==== */

/* The largest canonical JSON: every text at its maximum in 4-byte characters (an escaped ASCII
 * character takes 2), every group slug at its maximum, and the keys and punctuation. */
#define JSON_WORST                                                                               \
    (4 * (DK_SIGNUP_NAME_MAX + DK_SIGNUP_EMAIL_MAX + DK_SIGNUP_MESSAGE_MAX) +                    \
     DK_SIGNUP_PHONE_MAX + DK_SIGNUP_GROUPS_MAX * (DK_SIGNUP_SLUG_MAX + 3) +                     \
     DK_SIGNUP_SLUG_MAX + DK_SIGNUP_CONSENT_VERSION_MAX + 512)
_Static_assert(JSON_WORST <= DK_SIGNUP_JSON_MAX, "DK_SIGNUP_JSON_MAX too small");
_Static_assert(DK_SIGNUP_JSON_MAX + 48 <= 8192, "a sealed record must fit the hub's 8 KiB cap");

/* Writes into a fixed buffer; past its end only the length grows, so one check at the end
 * tells whether everything fitted. */
typedef struct writer {
    char *out;
    size_t cap, len;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (w->len < w->cap)
        memcpy(w->out + w->len, s, w->len + n <= w->cap ? n : w->cap - w->len);
    w->len += n;
}

static void put_s(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* A JSON string. Valid records hold no control characters, so only '"' and '\' need escapes. */
static void put_string(writer *w, const char *s)
{
    put(w, "\"", 1);
    for (const char *run = s;; s++) {
        if (*s == '"' || *s == '\\' || *s == '\0') {
            put(w, run, (size_t)(s - run));
            if (*s == '\0')
                break;
            put(w, *s == '"' ? "\\\"" : "\\\\", 2);
            run = s + 1;
        }
    }
    put(w, "\"", 1);
}

static int format_time(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        return 0;
    return 1;
}

dk_err dk_signup_to_json(const dk_signup *rec, char *out, size_t outsz, size_t *len)
{
    dk_signup_problem probs[DK_SIGNUP_PROBLEMS_MAX];
    size_t n = dk_signup_validate(rec, probs);
    if (n > 0)
        return dk_error_set(DK_ERR_INVALID, "the registration is not valid: %s: %s",
                            dk_signup_field_name(probs[0].field),
                            dk_signup_code_name(probs[0].code));
    char created[21];
    if (!format_time(rec->created, created))
        return dk_error_set(DK_ERR_INVALID, "the registration's time cannot be written");

    writer w = {out, outsz, 0};
    put_s(&w, "{\"age_confirmed\":true,\"consent\":true,\"consent_version\":");
    put_string(&w, rec->consent_version);
    put_s(&w, ",\"created\":\"");
    put_s(&w, created);
    put_s(&w, "\",\"district\":");
    put_string(&w, rec->district);
    put_s(&w, ",\"email\":");
    put_string(&w, rec->email);
    put_s(&w, ",\"format\":\"" DK_SIGNUP_FORMAT "\",\"groups\":[");
    for (size_t i = 0; i < rec->group_count; i++) {
        if (i > 0)
            put(&w, ",", 1);
        put_string(&w, rec->groups[i]);
    }
    put_s(&w, "],\"language\":\"");
    put_s(&w, dk_lang_code(rec->language));
    put_s(&w, "\",\"message\":");
    put_string(&w, rec->message);
    put_s(&w, ",\"name\":");
    put_string(&w, rec->name);
    put_s(&w, ",\"phone\":");
    put_string(&w, rec->phone);
    put_s(&w, ",\"schema\":1}");
    _Static_assert(DK_SIGNUP_SCHEMA == 1, "the schema number is written literally above");

    if (w.len >= outsz) {
        if (outsz > 0)
            dk_wipe(out, outsz); /* no half record left behind */
        return dk_error_set(DK_ERR_LIMIT, "registration JSON needs %zu bytes, buffer has %zu",
                            w.len + 1, outsz);
    }
    out[w.len] = '\0';
    *len = w.len;
    return DK_OK;
}

/* ==== Parsing (the hub) ==== */

static dk_err copy_string(json_t *root, const char *key, char *dst, size_t dstsz)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_string(v))
        return dk_error_set(DK_ERR_INVALID, "registration record: \"%s\" must be a string", key);
    size_t n = json_string_length(v);
    if (n >= dstsz)
        return dk_error_set(DK_ERR_INVALID, "registration record: \"%s\" is too long", key);
    memcpy(dst, json_string_value(v), n);
    dst[n] = '\0';
    return DK_OK;
}

static dk_err require_true(json_t *root, const char *key, bool *dst)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_true(v))
        return dk_error_set(DK_ERR_INVALID, "registration record: \"%s\" must be true", key);
    *dst = true;
    return DK_OK;
}

static int digits_at(const char *s, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *value = *value * 10 + (s[i] - '0');
    }
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SSZ" to seconds; the canonical check afterwards refuses dates that
 * timegm() had to normalise (a 31st of February). */
static int parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z' || !digits_at(s, 4, &y) || !digits_at(s + 5, 2, &mo) ||
        !digits_at(s + 8, 2, &d) || !digits_at(s + 11, 2, &h) || !digits_at(s + 14, 2, &mi) ||
        !digits_at(s + 17, 2, &se))
        return 0;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = se};
    time_t t = timegm(&tm);
    if (t == (time_t)-1) /* an error, or 1969-12-31T23:59:59Z, which is not valid either */
        return 0;
    *out = (int64_t)t;
    return 1;
}

static dk_err parse_fields(json_t *root, dk_signup *out)
{
    static const char *const keys[] = {
        "age_confirmed", "consent", "consent_version", "created", "district", "email", "format",
        "groups",        "language", "message",       "name",    "phone",    "schema"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    if (!json_is_object(root))
        return dk_error_set(DK_ERR_INVALID, "registration record: not a JSON object");
    for (size_t i = 0; i < nkeys; i++)
        if (!json_object_get(root, keys[i]))
            return dk_error_set(DK_ERR_INVALID, "registration record: \"%s\" is missing", keys[i]);
    if (json_object_size(root) != nkeys)
        return dk_error_set(DK_ERR_INVALID, "registration record: unknown keys");

    json_t *format = json_object_get(root, "format");
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_string(format) || strcmp(json_string_value(format), DK_SIGNUP_FORMAT) != 0)
        return dk_error_set(DK_ERR_INVALID, "registration record: unknown format");
    if (!json_is_integer(schema) || json_integer_value(schema) != DK_SIGNUP_SCHEMA)
        return dk_error_set(DK_ERR_INVALID, "registration record: unknown schema");

    dk_err err;
    char text[32];
    if ((err = require_true(root, "age_confirmed", &out->age_confirmed)) ||
        (err = require_true(root, "consent", &out->consent)) ||
        (err = copy_string(root, "consent_version", out->consent_version,
                           sizeof out->consent_version)) ||
        (err = copy_string(root, "district", out->district, sizeof out->district)) ||
        (err = copy_string(root, "email", out->email, sizeof out->email)) ||
        (err = copy_string(root, "message", out->message, sizeof out->message)) ||
        (err = copy_string(root, "name", out->name, sizeof out->name)) ||
        (err = copy_string(root, "phone", out->phone, sizeof out->phone)))
        return err;
    if ((err = copy_string(root, "created", text, sizeof text)))
        return err;
    if (!parse_time(text, &out->created))
        return dk_error_set(DK_ERR_INVALID, "registration record: \"created\" is not a time");
    if ((err = copy_string(root, "language", text, sizeof text)))
        return err;
    if (dk_lang_parse(text, &out->language) != DK_OK)
        return dk_error_set(DK_ERR_INVALID, "registration record: unknown language");

    json_t *groups = json_object_get(root, "groups");
    if (!json_is_array(groups) || json_array_size(groups) > DK_SIGNUP_GROUPS_MAX)
        return dk_error_set(DK_ERR_INVALID, "registration record: \"groups\" must be a list of "
                                            "at most %d slugs", DK_SIGNUP_GROUPS_MAX);
    out->group_count = json_array_size(groups);
    for (size_t i = 0; i < out->group_count; i++) {
        json_t *g = json_array_get(groups, i);
        if (!json_is_string(g) || json_string_length(g) >= sizeof out->groups[i])
            return dk_error_set(DK_ERR_INVALID, "registration record: group %zu is not a slug", i);
        memcpy(out->groups[i], json_string_value(g), json_string_length(g) + 1);
    }
    return DK_OK;
}

dk_err dk_signup_from_json(const char *json, size_t len, dk_signup *out)
{
    dk_signup_wipe(out);
    if (len > DK_SIGNUP_JSON_MAX)
        return dk_error_set(DK_ERR_INVALID, "registration record: %zu bytes, at most %d", len,
                            DK_SIGNUP_JSON_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) /* jerr.text may quote the input: only the position goes into the detail */
        return dk_error_set(DK_ERR_INVALID, "registration record: not JSON (at byte %d)",
                            jerr.position);
    dk_err err = parse_fields(root, out);
    json_decref(root);

    dk_signup_problem probs[DK_SIGNUP_PROBLEMS_MAX];
    if (!err && dk_signup_validate(out, probs) > 0)
        err = dk_error_set(DK_ERR_INVALID, "registration record: %s: %s",
                           dk_signup_field_name(probs[0].field), dk_signup_code_name(probs[0].code));
    if (!err) {
        char again[DK_SIGNUP_JSON_MAX];
        size_t n = 0;
        if (dk_signup_to_json(out, again, sizeof again, &n) != DK_OK || n != len ||
            memcmp(again, json, len) != 0)
            err = dk_error_set(DK_ERR_INVALID, "registration record: not in canonical form");
        dk_wipe(again, sizeof again);
    }
    if (err)
        dk_signup_wipe(out);
    return err;
}

/* ==== Masking ==== */

static void mask_put(writer *w, const char *s, size_t n)
{
    put(w, s, n);
}

/* The first character of s[0..n) as whole bytes, or "*" if it is not valid UTF-8 or a
 * control character. */
static void mask_first(writer *w, const char *s, size_t n)
{
    uint32_t cp;
    size_t k = dk_utf8_decode(s, n, &cp);
    if (k == 0)
        return;
    if (cp == DK_TEXT_INVALID || is_control(cp))
        mask_put(w, "*", 1);
    else
        mask_put(w, s, k);
}

static void mask_end(writer *w, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    if (w->len < outsz) {
        out[w->len] = '\0';
        return;
    }
    /* Cut at a character boundary (only reached with a buffer below DK_SIGNUP_MASK_MAX). */
    size_t end = outsz - 1;
    while (end > 0 && ((unsigned char)out[end] & 0xC0) == 0x80)
        end--;
    out[end] = '\0';
}

void dk_signup_mask_name(const char *name, char *out, size_t outsz)
{
    writer w = {out, outsz, 0};
    size_t n = strlen(name), i = 0;
    while (i < n) { /* skip leading spaces of any kind */
        uint32_t cp;
        size_t k = dk_utf8_decode(name + i, n - i, &cp);
        if (!is_space(cp))
            break;
        i += k;
    }
    if (i < n) {
        mask_first(&w, name + i, n - i);
        mask_put(&w, "****", 4);
    }
    mask_end(&w, out, outsz);
}

void dk_signup_mask_email(const char *email, char *out, size_t outsz)
{
    writer w = {out, outsz, 0};
    size_t n = strlen(email);
    const char *at = memchr(email, '@', n);
    for (const char *p = at; p; p = memchr(p + 1, '@', n - (size_t)(p + 1 - email)))
        at = p; /* the last @ */
    size_t local_len = at ? (size_t)(at - email) : n;
    if (local_len > 0) {
        mask_first(&w, email, local_len);
        mask_put(&w, "****", 4);
    } else if (n > 0) {
        mask_put(&w, "****", 4);
    }
    if (at) {
        const char *dom = at + 1;
        size_t dlen = n - local_len - 1;
        mask_put(&w, "@", 1);
        if (dlen > 0) {
            mask_first(&w, dom, dlen);
            mask_put(&w, "****", 4);
        }
        /* The ending (".de") if it is a plausible one: 2 to 16 letters or digits, any script. */
        const char *dot = NULL;
        for (size_t i = 0; i < dlen; i++)
            if (dom[i] == '.')
                dot = dom + i;
        if (dot && dot > dom) {
            const char *label = dot + 1;
            size_t llen = dlen - (size_t)(label - dom), chars = 0;
            int ok = llen > 0;
            for (size_t i = 0; i < llen && ok;) {
                uint32_t cp;
                i += dk_utf8_decode(label + i, llen - i, &cp);
                chars++;
                if (cp == DK_TEXT_INVALID)
                    ok = 0;
                else if (cp >= 0x80)
                    ok = !is_control(cp) && !is_space(cp);
                else
                    ok = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                         (cp >= '0' && cp <= '9');
            }
            if (ok && chars >= 2 && chars <= 16) {
                mask_put(&w, ".", 1);
                mask_put(&w, label, llen);
            }
        }
    }
    mask_end(&w, out, outsz);
}

void dk_signup_mask_phone(const char *phone, char *out, size_t outsz)
{
    writer w = {out, outsz, 0};
    size_t n = strlen(phone), digits = 0, first = 0;
    while (first < n && phone[first] == ' ')
        first++;
    char last[2] = {0, 0}, cc[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (phone[i] >= '0' && phone[i] <= '9') {
            if (digits < 2)
                cc[digits] = phone[i];
            last[0] = last[1];
            last[1] = phone[i];
            digits++;
        }
    }
    if (n > first) {
        /* Show four digits only when at least two more stay hidden (a valid number has 6). */
        int show = digits >= DK_SIGNUP_PHONE_DIGITS_MIN;
        if (show && phone[first] == '+') {
            mask_put(&w, "+", 1);
            mask_put(&w, cc, 2);
            mask_put(&w, " ", 1);
        }
        mask_put(&w, "*** ***", 7);
        if (show) {
            mask_put(&w, " ", 1);
            mask_put(&w, last, 2);
        }
    }
    mask_end(&w, out, outsz);
}
