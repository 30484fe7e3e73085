/* test_signup.c: the registration record (issue 5): validation, canonical JSON, masking. */
#include "dk_test.h"

#include "dk_crypto.h"
#include "dk_signup.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* 2026-11-26T10:00:00Z */
#define T0 1795687200LL

static void set(char *dst, size_t dstsz, const char *src)
{
    assert_true(strlen(src) < dstsz);
    snprintf(dst, dstsz, "%s", src);
}
#define SET(field, text) set(field, sizeof(field), text)

static void append(char *dst, size_t dstsz, const char *src)
{
    size_t n = strlen(dst);
    assert_true(n + strlen(src) < dstsz);
    memcpy(dst + n, src, strlen(src) + 1);
}
#define APPEND(field, text) append(field, sizeof(field), text)

/* A complete, valid record as the form would hand it over. */
static void make_valid(dk_signup *r)
{
    memset(r, 0, sizeof *r);
    SET(r->name, "Ayşe Yılmaz");
    SET(r->email, "ayse@example.de");
    SET(r->phone, "+49 231 1234567");
    SET(r->groups[0], "ag-phoenix-see");
    SET(r->groups[1], "lenkungsgremium-hoerde");
    r->group_count = 2;
    SET(r->district, "hoerde");
    SET(r->message, "Ich helfe gern beim Lichterfest.");
    r->age_confirmed = true;
    r->consent = true;
    SET(r->consent_version, "privacy-2026-11");
    r->language = DK_LANG_TR;
    r->created = T0;
}

/* Validates r and checks that exactly one problem is reported, with this field and code. */
static void expect_one(const dk_signup *r, dk_signup_field field, dk_signup_code code)
{
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    size_t n = dk_signup_validate(r, p);
    if (n != 1 || p[0].field != field || p[0].code != code) {
        fprintf(stderr, "expected %s/%s, got %zu problem(s):", dk_signup_field_name(field),
                dk_signup_code_name(code), n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s/%s", dk_signup_field_name(p[i].field),
                    dk_signup_code_name(p[i].code));
        fprintf(stderr, "\n");
        fail();
    }
}

static void expect_valid(const dk_signup *r)
{
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    size_t n = dk_signup_validate(r, p);
    if (n != 0) {
        fprintf(stderr, "expected valid, got %s/%s\n", dk_signup_field_name(p[0].field),
                dk_signup_code_name(p[0].code));
        fail();
    }
}

/* A text of count copies of unit. */
static void repeat(char *dst, size_t dstsz, const char *unit, size_t count)
{
    size_t u = strlen(unit), n = 0;
    for (size_t i = 0; i < count; i++) {
        assert_true(n + u < dstsz);
        memcpy(dst + n, unit, u);
        n += u;
    }
    dst[n] = '\0';
}

/* ---- Validation ---- */

static void test_a_complete_record_in_each_language_is_valid(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    expect_valid(&r);
    const char *names[] = {"Jürgen Weiß", "İsmail Çağlar Öztürk", "Mary O'Brien-Smith",
                           "Ğ", "Zoë 李"};
    for (int l = 0; l < DK_LANG_COUNT; l++) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            make_valid(&r);
            r.language = (dk_lang)l;
            SET(r.name, names[i]);
            expect_valid(&r);
        }
    }
}

static void test_an_empty_form_reports_every_missing_field_in_order(void **state)
{
    (void)state;
    dk_signup r;
    memset(&r, 0, sizeof r);
    dk_signup_problem p[DK_SIGNUP_PROBLEMS_MAX];
    size_t n = dk_signup_validate(&r, p);
    const dk_signup_problem want[] = {
        {DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_EMPTY},
        {DK_SIGNUP_FIELD_CONTACT, DK_SIGNUP_CONTACT_MISSING},
        {DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_MISSING},
        {DK_SIGNUP_FIELD_DISTRICT, DK_SIGNUP_DISTRICT_MISSING},
        {DK_SIGNUP_FIELD_AGE, DK_SIGNUP_AGE_NOT_CONFIRMED},
        {DK_SIGNUP_FIELD_CONSENT, DK_SIGNUP_CONSENT_MISSING},
        {DK_SIGNUP_FIELD_CONSENT_VERSION, DK_SIGNUP_CONSENT_VERSION_INVALID},
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i].field, want[i].field);
        assert_int_equal(p[i].code, want[i].code);
    }
}

static void test_name_length_counts_characters_not_bytes(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    repeat(r.name, sizeof r.name, "ü", DK_SIGNUP_NAME_MAX); /* 200 bytes, 100 characters */
    expect_valid(&r);
    repeat(r.name, sizeof r.name, "ü", DK_SIGNUP_NAME_MAX + 1);
    expect_one(&r, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_TOO_LONG);
    repeat(r.name, sizeof r.name, "\xF0\x9F\x98\x80", DK_SIGNUP_NAME_MAX); /* 4-byte emoji */
    expect_valid(&r);
    repeat(r.name, sizeof r.name, "a", DK_SIGNUP_NAME_MAX + 1);
    expect_one(&r, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_TOO_LONG);
    /* A buffer with no NUL at all is too long, never read past. */
    memset(r.name, 'a', sizeof r.name);
    expect_one(&r, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_TOO_LONG);
    /* Only spaces, also no-break and ideographic ones, is no name. */
    SET(r.name, "   ");
    expect_one(&r, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_EMPTY);
    SET(r.name, " \xC2\xA0\xE3\x80\x80 ");
    expect_one(&r, DK_SIGNUP_FIELD_NAME, DK_SIGNUP_NAME_EMPTY);
}

static void test_texts_must_be_utf8_without_control_characters(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        dk_signup_code code;
    } bad[] = {
        {"Ay\xC3\x28se", DK_SIGNUP_TEXT_NOT_UTF8},       /* broken sequence */
        {"a\xC0\xAF", DK_SIGNUP_TEXT_NOT_UTF8},          /* overlong '/' */
        {"a\xED\xA0\x80", DK_SIGNUP_TEXT_NOT_UTF8},      /* surrogate */
        {"a\xF4\x90\x80\x80", DK_SIGNUP_TEXT_NOT_UTF8},  /* beyond U+10FFFF */
        {"M\xC3", DK_SIGNUP_TEXT_NOT_UTF8},              /* truncated */
        {"a\tb", DK_SIGNUP_TEXT_CONTROL},
        {"a\nb", DK_SIGNUP_TEXT_CONTROL},
        {"a\rb", DK_SIGNUP_TEXT_CONTROL},
        {"a\x7F", DK_SIGNUP_TEXT_CONTROL},               /* DEL */
        {"a\xC2\x85", DK_SIGNUP_TEXT_CONTROL},           /* U+0085 next line */
        {"a\xE2\x80\xA8", DK_SIGNUP_TEXT_CONTROL},       /* U+2028 line separator */
        {"a\xE2\x80\xAE" "cba", DK_SIGNUP_TEXT_CONTROL}, /* U+202E right-to-left override */
        {"a\xE2\x81\xA6", DK_SIGNUP_TEXT_CONTROL},       /* U+2066 isolate */
        {"\x1B[31m", DK_SIGNUP_TEXT_CONTROL},            /* terminal escape */
    };
    static const dk_signup_field fields[] = {DK_SIGNUP_FIELD_NAME, DK_SIGNUP_FIELD_EMAIL,
                                             DK_SIGNUP_FIELD_PHONE, DK_SIGNUP_FIELD_MESSAGE};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            dk_signup r;
            make_valid(&r);
            switch (fields[f]) {
            case DK_SIGNUP_FIELD_NAME: SET(r.name, bad[i].text); break;
            case DK_SIGNUP_FIELD_EMAIL: SET(r.email, bad[i].text); break;
            case DK_SIGNUP_FIELD_PHONE: SET(r.phone, bad[i].text); break;
            default: SET(r.message, bad[i].text); break;
            }
            expect_one(&r, fields[f], bad[i].code);
        }
    }
    /* Left-to-right and right-to-left marks are ordinary in names and allowed. */
    dk_signup r;
    make_valid(&r);
    SET(r.name, "Ali \xE2\x80\x8F" "Hasan");
    expect_valid(&r);
}

static void test_email_rules_give_a_reason_for_each_mistake(void **state)
{
    (void)state;
    static const char *const good[] = {
        "anna@example.de", "a.b+tag@sub.example.co.uk", "ayşe@örnek.com.tr", "x@müller.de",
        "o'brien@example.ie", "first_last-1@ex-ample.org", "a@b.cd", "1@2.xn--p1ai",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        dk_signup r;
        make_valid(&r);
        SET(r.email, good[i]);
        expect_valid(&r);
    }
    char long_local[128], long_all[300];
    repeat(long_local, sizeof long_local, "a", DK_SIGNUP_EMAIL_LOCAL_MAX + 1);
    APPEND(long_local, "@example.de");
    repeat(long_all, sizeof long_all, "b", DK_SIGNUP_EMAIL_MAX - 10);
    memcpy(long_all, "a@", 2);
    APPEND(long_all, ".example.de");
    const struct {
        const char *email;
        dk_signup_code code;
    } bad[] = {
        {"annaexample.de", DK_SIGNUP_EMAIL_NO_AT},
        {"anna(at)example.de", DK_SIGNUP_EMAIL_NO_AT},
        {"anna@example", DK_SIGNUP_EMAIL_NO_DOMAIN_DOT},
        {"anna@example.", DK_SIGNUP_EMAIL_NO_DOMAIN_DOT},
        {"anna@.de", DK_SIGNUP_EMAIL_NO_DOMAIN_DOT},
        {"anna@", DK_SIGNUP_EMAIL_NO_DOMAIN_DOT},
        {"anna @example.de", DK_SIGNUP_EMAIL_SPACE},
        {"anna@exa mple.de", DK_SIGNUP_EMAIL_SPACE},
        {"anna@example.de ", DK_SIGNUP_EMAIL_SPACE},
        {"anna\xC2\xA0@example.de", DK_SIGNUP_EMAIL_SPACE},     /* no-break space */
        {"an\xE2\x80\x8Bna@example.de", DK_SIGNUP_EMAIL_SPACE}, /* zero-width space */
        {"anna@@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna@home@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"@example.de", DK_SIGNUP_EMAIL_INVALID},
        {".anna@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna.@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"an..na@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna@example..de", DK_SIGNUP_EMAIL_INVALID},
        {"anna@-example.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna@example-.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna@example.d", DK_SIGNUP_EMAIL_INVALID},
        {"anna@10.0.0.1", DK_SIGNUP_EMAIL_INVALID},
        {"anna@exa_mple.de", DK_SIGNUP_EMAIL_INVALID},
        {"an<na>@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"anna,bob@example.de", DK_SIGNUP_EMAIL_INVALID},
        {"\"anna\"@example.de", DK_SIGNUP_EMAIL_INVALID},
        {long_local, DK_SIGNUP_EMAIL_TOO_LONG},
        {long_all, DK_SIGNUP_EMAIL_TOO_LONG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dk_signup r;
        make_valid(&r);
        SET(r.email, bad[i].email);
        expect_one(&r, DK_SIGNUP_FIELD_EMAIL, bad[i].code);
    }
    /* 254 characters exactly is fine. */
    dk_signup r;
    make_valid(&r);
    repeat(r.email, sizeof r.email, "c", DK_SIGNUP_EMAIL_MAX - 11);
    memcpy(r.email, "a@", 2);
    APPEND(r.email, ".example.de");
    assert_int_equal(strlen(r.email), DK_SIGNUP_EMAIL_MAX);
    expect_valid(&r);
}

static void test_phone_rules_allow_common_spellings(void **state)
{
    (void)state;
    static const char *const good[] = {"+49 231 1234567", "0231/123456", "(0231) 12-34-56",
                                       "123456", "+90 212 555 12 34", "01512 3456789"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        dk_signup r;
        make_valid(&r);
        SET(r.phone, good[i]);
        expect_valid(&r);
    }
    static const struct {
        const char *phone;
        dk_signup_code code;
    } bad[] = {
        {"12345", DK_SIGNUP_PHONE_TOO_SHORT},
        {"+49 (0)", DK_SIGNUP_PHONE_TOO_SHORT},
        {"123456789012345678901", DK_SIGNUP_PHONE_TOO_LONG},
        {"0 2 3 1 - 1 2 3 4 - 5 6 7 8 - 9 0 1 2 3 4", DK_SIGNUP_PHONE_TOO_LONG}, /* 41 chars */
        {"0231 123456 ext 5", DK_SIGNUP_PHONE_INVALID},
        {"0231.123456", DK_SIGNUP_PHONE_INVALID},
        {"49+231123456", DK_SIGNUP_PHONE_INVALID},
        {"++49231123456", DK_SIGNUP_PHONE_INVALID},
        {"０２３１１２３４５６", DK_SIGNUP_PHONE_INVALID}, /* full-width digits */
        {"anna@example.de", DK_SIGNUP_PHONE_INVALID},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dk_signup r;
        make_valid(&r);
        SET(r.phone, bad[i].phone);
        expect_one(&r, DK_SIGNUP_FIELD_PHONE, bad[i].code);
    }
}

static void test_contact_needs_email_or_phone(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.phone[0] = '\0';
    expect_valid(&r); /* e-mail only */
    make_valid(&r);
    r.email[0] = '\0';
    expect_valid(&r); /* phone only */
    r.phone[0] = '\0';
    expect_one(&r, DK_SIGNUP_FIELD_CONTACT, DK_SIGNUP_CONTACT_MISSING);
    SET(r.email, "anna");
    expect_one(&r, DK_SIGNUP_FIELD_EMAIL, DK_SIGNUP_EMAIL_NO_AT); /* given, but wrong */
}

static void test_groups_and_district_must_be_slugs(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.group_count = 0;
    expect_one(&r, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_MISSING);
    for (size_t i = 0; i < DK_SIGNUP_GROUPS_MAX; i++)
        snprintf(r.groups[i], sizeof r.groups[i], "ag-%zu", i);
    r.group_count = DK_SIGNUP_GROUPS_MAX;
    expect_valid(&r);
    r.group_count = DK_SIGNUP_GROUPS_MAX + 1;
    expect_one(&r, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_TOO_MANY);
    r.group_count = 2;
    SET(r.groups[1], "ag-0");
    expect_one(&r, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_DUPLICATE);
    const char *bad_slugs[] = {"AG-See", "ag--see", "-ag", "ag-", "ag see", "ag_see", "",
                               "grünflächen"};
    for (size_t i = 0; i < sizeof bad_slugs / sizeof bad_slugs[0]; i++) {
        SET(r.groups[1], bad_slugs[i]);
        expect_one(&r, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_INVALID);
    }
    memset(r.groups[1], 'a', sizeof r.groups[1]); /* 65 bytes, no NUL */
    expect_one(&r, DK_SIGNUP_FIELD_GROUPS, DK_SIGNUP_GROUP_INVALID);
    repeat(r.groups[1], sizeof r.groups[1], "b", DK_SIGNUP_SLUG_MAX);
    expect_valid(&r);

    r.district[0] = '\0';
    expect_one(&r, DK_SIGNUP_FIELD_DISTRICT, DK_SIGNUP_DISTRICT_MISSING);
    SET(r.district, "Hörde");
    expect_one(&r, DK_SIGNUP_FIELD_DISTRICT, DK_SIGNUP_DISTRICT_INVALID);
}

static void test_message_is_optional_and_short(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.message[0] = '\0';
    expect_valid(&r);
    repeat(r.message, sizeof r.message, "ş", DK_SIGNUP_MESSAGE_MAX);
    expect_valid(&r);
    repeat(r.message, sizeof r.message, "ş", DK_SIGNUP_MESSAGE_MAX + 1);
    expect_one(&r, DK_SIGNUP_FIELD_MESSAGE, DK_SIGNUP_MESSAGE_TOO_LONG);
    SET(r.message, "Zeile eins\nZeile zwei");
    expect_one(&r, DK_SIGNUP_FIELD_MESSAGE, DK_SIGNUP_TEXT_CONTROL);
}

static void test_age_and_consent_must_be_ticked_and_recorded(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.age_confirmed = false;
    expect_one(&r, DK_SIGNUP_FIELD_AGE, DK_SIGNUP_AGE_NOT_CONFIRMED);
    make_valid(&r);
    r.consent = false;
    expect_one(&r, DK_SIGNUP_FIELD_CONSENT, DK_SIGNUP_CONSENT_MISSING);

    const char *good_versions[] = {"1", "v3", "privacy-2026-11-01", "de:2026.1+r2", "A_b"};
    for (size_t i = 0; i < sizeof good_versions / sizeof good_versions[0]; i++) {
        make_valid(&r);
        SET(r.consent_version, good_versions[i]);
        expect_valid(&r);
    }
    char hex[DK_SHA256_HEX];
    dk_sha256_hex("consent text", 12, hex); /* a text's hash is a fine version too */
    SET(r.consent_version, hex);
    expect_valid(&r);
    const char *bad_versions[] = {"", "v 3", "v\"3", "version/3", "ä"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
        make_valid(&r);
        SET(r.consent_version, bad_versions[i]);
        expect_one(&r, DK_SIGNUP_FIELD_CONSENT_VERSION, DK_SIGNUP_CONSENT_VERSION_INVALID);
    }
    memset(r.consent_version, 'a', sizeof r.consent_version);
    expect_one(&r, DK_SIGNUP_FIELD_CONSENT_VERSION, DK_SIGNUP_CONSENT_VERSION_INVALID);
}

static void test_language_and_time_are_checked_but_a_wrong_clock_is_accepted(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.language = DK_LANG_COUNT;
    expect_one(&r, DK_SIGNUP_FIELD_LANGUAGE, DK_SIGNUP_LANGUAGE_INVALID);
    r.language = (dk_lang)-1;
    expect_one(&r, DK_SIGNUP_FIELD_LANGUAGE, DK_SIGNUP_LANGUAGE_INVALID);
    make_valid(&r);
    r.created = 0; /* a kiosk with no clock battery: still taken */
    expect_valid(&r);
    r.created = 253402300799LL;
    expect_valid(&r);
    r.created = 253402300800LL;
    expect_one(&r, DK_SIGNUP_FIELD_CREATED, DK_SIGNUP_CREATED_INVALID);
    r.created = -1;
    expect_one(&r, DK_SIGNUP_FIELD_CREATED, DK_SIGNUP_CREATED_INVALID);
}

static void test_code_and_field_names_are_stable_and_unique(void **state)
{
    (void)state;
    for (int i = 0; i < DK_SIGNUP_CODE_COUNT; i++) {
        const char *name = dk_signup_code_name((dk_signup_code)i);
        assert_string_not_equal(name, "?");
        for (int k = 0; k < i; k++)
            assert_string_not_equal(name, dk_signup_code_name((dk_signup_code)k));
    }
    for (int i = 0; i < DK_SIGNUP_FIELD_COUNT; i++) {
        const char *name = dk_signup_field_name((dk_signup_field)i);
        assert_string_not_equal(name, "?");
        for (int k = 0; k < i; k++)
            assert_string_not_equal(name, dk_signup_field_name((dk_signup_field)k));
    }
    /* The UI's text tables and other modules' tests use these exact spellings. */
    assert_string_equal(dk_signup_code_name(DK_SIGNUP_NAME_EMPTY), "NAME_EMPTY");
    assert_string_equal(dk_signup_code_name(DK_SIGNUP_EMAIL_NO_AT), "EMAIL_NO_AT");
    assert_string_equal(dk_signup_code_name(DK_SIGNUP_CONTACT_MISSING), "CONTACT_MISSING");
    assert_string_equal(dk_signup_code_name(DK_SIGNUP_CREATED_INVALID), "CREATED_INVALID");
    assert_string_equal(dk_signup_field_name(DK_SIGNUP_FIELD_AGE), "age_confirmed");
    assert_string_equal(dk_signup_field_name(DK_SIGNUP_FIELD_CONTACT), "contact");
    assert_string_equal(dk_signup_code_name(DK_SIGNUP_CODE_COUNT), "?");
    assert_string_equal(dk_signup_code_name((dk_signup_code)-1), "?");
    assert_string_equal(dk_signup_field_name(DK_SIGNUP_FIELD_COUNT), "?");
}

static void test_trim_removes_outer_spaces_and_wipe_clears_everything(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    SET(r.name, "  Jürgen  ");
    SET(r.email, " j@example.de ");
    SET(r.phone, "   ");
    SET(r.message, "hallo welt ");
    dk_signup_trim(&r);
    assert_string_equal(r.name, "Jürgen");
    assert_string_equal(r.email, "j@example.de");
    assert_string_equal(r.phone, "");
    assert_string_equal(r.message, "hallo welt");
    /* The bytes freed at the end are zeros, not leftovers of what was typed. */
    for (size_t i = strlen(r.name); i < 12; i++)
        assert_int_equal(r.name[i], 0);
    expect_valid(&r);

    dk_signup_wipe(&r);
    static const dk_signup zero;
    assert_memory_equal(&r, &zero, sizeof r);
    dk_signup_wipe(NULL);
}

/* ---- Canonical JSON ---- */

static const char sample_json[] =
    "{\"age_confirmed\":true,\"consent\":true,\"consent_version\":\"privacy-2026-11\","
    "\"created\":\"2026-11-26T10:00:00Z\",\"district\":\"hoerde\",\"email\":\"ayse@example.de\","
    "\"format\":\"district-kiosk-registration\","
    "\"groups\":[\"ag-phoenix-see\",\"lenkungsgremium-hoerde\"],\"language\":\"tr\","
    "\"message\":\"Ich helfe gern beim Lichterfest.\",\"name\":\"Ayşe Yılmaz\","
    "\"phone\":\"+49 231 1234567\",\"schema\":1}";

static void test_json_is_canonical_and_byte_identical_for_the_same_record(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    char a[DK_SIGNUP_JSON_MAX], b[DK_SIGNUP_JSON_MAX];
    size_t alen = 0, blen = 0;
    assert_int_equal(dk_signup_to_json(&r, a, sizeof a, &alen), DK_OK);
    assert_string_equal(a, sample_json);
    assert_int_equal(alen, strlen(sample_json));
    assert_int_equal(dk_signup_to_json(&r, b, sizeof b, &blen), DK_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);

    /* Quotes and backslashes are escaped; everything else stays raw UTF-8. */
    SET(r.name, "Dr. \"Hasan\" Back\\slash / Öz");
    r.email[0] = '\0';
    assert_int_equal(dk_signup_to_json(&r, a, sizeof a, &alen), DK_OK);
    assert_non_null(strstr(a, "\"name\":\"Dr. \\\"Hasan\\\" Back\\\\slash / Öz\""));
    assert_non_null(strstr(a, "\"email\":\"\""));
    assert_int_equal(alen, strlen(a));
}

static void test_json_refuses_invalid_records_and_small_buffers(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    r.consent = false;
    char out[DK_SIGNUP_JSON_MAX];
    size_t len = 0;
    assert_int_equal(dk_signup_to_json(&r, out, sizeof out, &len), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "CONSENT_MISSING"));

    make_valid(&r);
    char small[64];
    memset(small, 'x', sizeof small);
    assert_int_equal(dk_signup_to_json(&r, small, sizeof small, &len), DK_ERR_LIMIT);
    for (size_t i = 0; i < sizeof small; i++) /* no piece of the record left behind */
        assert_int_equal(small[i], 0);
    assert_int_equal(dk_signup_to_json(&r, out, strlen(sample_json), &len), DK_ERR_LIMIT);
    assert_int_equal(dk_signup_to_json(&r, out, strlen(sample_json) + 1, &len), DK_OK);
}

static void test_the_largest_record_fits_the_json_and_upload_limits(void **state)
{
    (void)state;
    dk_signup r;
    make_valid(&r);
    repeat(r.name, sizeof r.name, "\xF0\x9F\x98\x80", DK_SIGNUP_NAME_MAX);
    repeat(r.message, sizeof r.message, "\xF0\x9F\x98\x80", DK_SIGNUP_MESSAGE_MAX);
    repeat(r.email, sizeof r.email, "\xF0\x9F\x98\x80", 60);
    APPEND(r.email, "@");
    char label[800];
    repeat(label, sizeof label, "\xF0\x9F\x98\x80", DK_SIGNUP_EMAIL_MAX - 64);
    APPEND(r.email, label);
    APPEND(r.email, ".de");
    repeat(r.phone, sizeof r.phone, "1", 20);
    for (size_t i = 0; i < DK_SIGNUP_GROUPS_MAX; i++) {
        repeat(r.groups[i], sizeof r.groups[i], "g", DK_SIGNUP_SLUG_MAX);
        r.groups[i][0] = (char)('a' + i);
    }
    r.group_count = DK_SIGNUP_GROUPS_MAX;
    repeat(r.district, sizeof r.district, "d", DK_SIGNUP_SLUG_MAX);
    repeat(r.consent_version, sizeof r.consent_version, "v", DK_SIGNUP_CONSENT_VERSION_MAX);
    expect_valid(&r);
    char out[DK_SIGNUP_JSON_MAX];
    size_t len = 0;
    assert_int_equal(dk_signup_to_json(&r, out, sizeof out, &len), DK_OK);
    assert_true(len < DK_SIGNUP_JSON_MAX);
    assert_true(len + crypto_box_SEALBYTES <= 8192); /* docs/protocol.md: body at most 8 KiB */

    /* The same with every ASCII character one that needs an escape. */
    repeat(r.name, sizeof r.name, "\"", DK_SIGNUP_NAME_MAX);
    repeat(r.message, sizeof r.message, "\\", DK_SIGNUP_MESSAGE_MAX);
    expect_valid(&r);
    assert_int_equal(dk_signup_to_json(&r, out, sizeof out, &len), DK_OK);
    assert_true(len < DK_SIGNUP_JSON_MAX);
}

/* docs/protocol.md shows a record; it must be exactly what the code writes. */
static void test_the_protocol_doc_example_is_canonical(void **state)
{
    (void)state;
    size_t doc_len = 0;
    char *doc = dkt_read(dkt_source_dir(), "docs/protocol.md", &doc_len);
    assert_non_null(doc);
    dk_signup r;
    make_valid(&r);
    r.phone[0] = '\0';
    r.message[0] = '\0';
    r.group_count = 1;
    char json[DK_SIGNUP_JSON_MAX], line[DK_SIGNUP_JSON_MAX + 2];
    size_t len = 0;
    assert_int_equal(dk_signup_to_json(&r, json, sizeof json, &len), DK_OK);
    snprintf(line, sizeof line, "\n%s\n", json);
    assert_non_null(strstr(doc, line));
    char length[64];
    snprintf(length, sizeof length, "Content-Length: %zu\n", len + crypto_box_SEALBYTES);
    assert_non_null(strstr(doc, length));
    dk_signup back;
    assert_int_equal(dk_signup_from_json(json, len, &back), DK_OK);
    free(doc);
}

/* ---- Parsing (the hub's side) ---- */

static void test_from_json_round_trips_a_record(void **state)
{
    (void)state;
    dk_signup r, back;
    make_valid(&r);
    char json[DK_SIGNUP_JSON_MAX];
    size_t len = 0;
    assert_int_equal(dk_signup_to_json(&r, json, sizeof json, &len), DK_OK);
    assert_int_equal(dk_signup_from_json(json, len, &back), DK_OK);
    assert_string_equal(back.name, r.name);
    assert_string_equal(back.email, r.email);
    assert_string_equal(back.phone, r.phone);
    assert_int_equal(back.group_count, 2);
    assert_string_equal(back.groups[0], "ag-phoenix-see");
    assert_string_equal(back.groups[1], "lenkungsgremium-hoerde");
    assert_string_equal(back.district, "hoerde");
    assert_string_equal(back.message, r.message);
    assert_true(back.age_confirmed);
    assert_true(back.consent);
    assert_string_equal(back.consent_version, "privacy-2026-11");
    assert_int_equal(back.language, DK_LANG_TR);
    assert_int_equal(back.created, T0);

    /* Empty e-mail, phone-only, one group, the earliest time. */
    make_valid(&r);
    r.email[0] = '\0';
    r.message[0] = '\0';
    r.group_count = 1;
    r.created = 0;
    r.language = DK_LANG_EN;
    assert_int_equal(dk_signup_to_json(&r, json, sizeof json, &len), DK_OK);
    assert_non_null(strstr(json, "\"created\":\"1970-01-01T00:00:00Z\""));
    assert_int_equal(dk_signup_from_json(json, len, &back), DK_OK);
    assert_string_equal(back.email, "");
    assert_int_equal(back.created, 0);
    assert_int_equal(back.group_count, 1);
}

/* Replaces the first occurrence of from in sample_json with to. */
static size_t variant(char *out, size_t outsz, const char *from, const char *to)
{
    const char *at = strstr(sample_json, from);
    assert_non_null(at);
    int n = snprintf(out, outsz, "%.*s%s%s", (int)(at - sample_json), sample_json, to,
                     at + strlen(from));
    assert_true(n > 0 && (size_t)n < outsz);
    return (size_t)n;
}

static void test_from_json_accepts_only_exactly_what_a_kiosk_writes(void **state)
{
    (void)state;
    dk_signup r;
    assert_int_equal(dk_signup_from_json(sample_json, strlen(sample_json), &r), DK_OK);

    static const struct {
        const char *from, *to;
    } changes[] = {
        {"{\"age", "{ \"age"},                                   /* white space */
        {"\"schema\":1}", "\"schema\":1}\n"},                     /* trailing newline */
        {"\"schema\":1", "\"schema\":2"},                         /* unknown schema */
        {"\"schema\":1", "\"schema\":1.0"},                       /* schema not an integer */
        {"district-kiosk-registration", "district-kiosk-other"},  /* unknown format */
        {"\"schema\":1", "\"schema\":1,\"extra\":0"},             /* unknown key */
        {"\"schema\":1", "\"schema\":1,\"schema\":1"},            /* duplicate key */
        {"\"phone\":\"+49 231 1234567\",", ""},                   /* missing key */
        {"\"consent\":true", "\"consent\":false"},                /* no consent */
        {"\"consent\":true", "\"consent\":1"},
        {"\"age_confirmed\":true", "\"age_confirmed\":false"},
        {"Ayşe", "Ay\\u015fe"},                                   /* another escape */
        {"ayse@example.de", "ayse\\u0040example.de"},
        {"ayse@example.de", "ayse@example"},                      /* invalid field */
        {"Ayşe Yılmaz", "Ayşe\\nYılmaz"},                         /* control character */
        {"Ayşe Yılmaz", "Ay\\u0000"},                             /* NUL inside a string */
        {"2026-11-26T10:00:00Z", "2026-02-31T10:00:00Z"},         /* no such day */
        {"2026-11-26T10:00:00Z", "2026-11-26 10:00:00"},
        {"2026-11-26T10:00:00Z", "1795687200"},
        {"\"language\":\"tr\"", "\"language\":\"fr\""},
        {"[\"ag-phoenix-see\",\"lenkungsgremium-hoerde\"]", "[]"},
        {"[\"ag-phoenix-see\",", "[\"ag-phoenix-see\",1,"},
        {"\"groups\":[", "\"groups\":{\"a\":"},
        {"{\"age", "[{\"age"},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        char json[DK_SIGNUP_JSON_MAX];
        size_t len = variant(json, sizeof json, changes[i].from, changes[i].to);
        memset(&r, 0x55, sizeof r);
        if (dk_signup_from_json(json, len, &r) != DK_ERR_INVALID) {
            fprintf(stderr, "accepted change %zu: %s\n", i, json);
            fail();
        }
        /* The detail names what is wrong, never the visitor's data; the record is wiped. */
        const char *detail = dk_error_detail();
        assert_null(strstr(detail, "Ay"));
        assert_null(strstr(detail, "ayse"));
        assert_null(strstr(detail, "1234567"));
        static const dk_signup zero;
        assert_memory_equal(&r, &zero, sizeof r);
    }
    assert_int_equal(dk_signup_from_json("not json at all", 15, &r), DK_ERR_INVALID);
    assert_int_equal(dk_signup_from_json("", 0, &r), DK_ERR_INVALID);
    assert_int_equal(dk_signup_from_json(sample_json, strlen(sample_json) - 1, &r),
                     DK_ERR_INVALID);
}

/* ---- Masking ---- */

static void test_masks_show_enough_to_recognise_and_little_else(void **state)
{
    (void)state;
    char out[DK_SIGNUP_MASK_MAX];
    static const struct {
        const char *in, *name, *email, *phone;
    } cases[] = {
        /* the examples in dk_signup.h */
        {"Ayşe Yılmaz", "A****", NULL, NULL},
        {"anna.mueller@example.de", NULL, "a****@e****.de", NULL},
        {"+49 231 1234512", NULL, NULL, "+49 *** *** 12"},
        {"0231 123456", NULL, NULL, "*** *** 56"},
        /* more */
        {"", "", "", ""},
        {"Şule", "Ş****", "Ş****", "*** ***"},
        {"  Ülkü", "Ü****", NULL, NULL},
        {"\xC3", "*****", NULL, NULL},
        {"a@b.co.uk", NULL, "a****@b****.uk", NULL},
        {"ayşe@örnek.com.tr", NULL, "a****@ö****.tr", NULL},
        {"x@localhost", NULL, "x****@l****", NULL},
        {"@example.de", NULL, "****@e****.de", NULL},
        {"anna@", NULL, "a****@", NULL},
        {"a@b.averyveryverylongending", NULL, "a****@b****", NULL},
        {"a@home@example.de", NULL, "a****@e****.de", NULL},
        {"a@b.d\xE2\x80\xAE", NULL, "a****@b****", NULL},
        {"(0231) 12-34-56", NULL, NULL, "*** *** 56"},
        {"+90 212 555 12 34", NULL, NULL, "+90 *** *** 34"},
        {"12345", NULL, NULL, "*** ***"},
        {"+1 2", NULL, NULL, "*** ***"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].name) {
            dk_signup_mask_name(cases[i].in, out, sizeof out);
            assert_string_equal(out, cases[i].name);
        }
        if (cases[i].email) {
            dk_signup_mask_email(cases[i].in, out, sizeof out);
            assert_string_equal(out, cases[i].email);
        }
        if (cases[i].phone) {
            dk_signup_mask_phone(cases[i].in, out, sizeof out);
            assert_string_equal(out, cases[i].phone);
        }
    }
    /* The mask has the same length however long the input was. */
    char a[DK_SIGNUP_MASK_MAX], b[DK_SIGNUP_MASK_MAX];
    dk_signup_mask_email("a@b.de", a, sizeof a);
    dk_signup_mask_email("alexandra.konstantinopoulou@bezirksverwaltung.de", b, sizeof b);
    assert_int_equal(strlen(a), strlen(b));

    /* A short buffer cuts at a character boundary and stays terminated. */
    char tiny[2];
    dk_signup_mask_name("Ülkü", tiny, sizeof tiny);
    assert_string_equal(tiny, "");
    char four[4];
    dk_signup_mask_name("Ülkü", four, sizeof four);
    assert_string_equal(four, "Ü*");
    dk_signup_mask_name("Ülkü", out, 0); /* nothing written, no crash */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_complete_record_in_each_language_is_valid),
        cmocka_unit_test(test_an_empty_form_reports_every_missing_field_in_order),
        cmocka_unit_test(test_name_length_counts_characters_not_bytes),
        cmocka_unit_test(test_texts_must_be_utf8_without_control_characters),
        cmocka_unit_test(test_email_rules_give_a_reason_for_each_mistake),
        cmocka_unit_test(test_phone_rules_allow_common_spellings),
        cmocka_unit_test(test_contact_needs_email_or_phone),
        cmocka_unit_test(test_groups_and_district_must_be_slugs),
        cmocka_unit_test(test_message_is_optional_and_short),
        cmocka_unit_test(test_age_and_consent_must_be_ticked_and_recorded),
        cmocka_unit_test(test_language_and_time_are_checked_but_a_wrong_clock_is_accepted),
        cmocka_unit_test(test_code_and_field_names_are_stable_and_unique),
        cmocka_unit_test(test_trim_removes_outer_spaces_and_wipe_clears_everything),
        cmocka_unit_test(test_json_is_canonical_and_byte_identical_for_the_same_record),
        cmocka_unit_test(test_json_refuses_invalid_records_and_small_buffers),
        cmocka_unit_test(test_the_largest_record_fits_the_json_and_upload_limits),
        cmocka_unit_test(test_the_protocol_doc_example_is_canonical),
        cmocka_unit_test(test_from_json_round_trips_a_record),
        cmocka_unit_test(test_from_json_accepts_only_exactly_what_a_kiosk_writes),
        cmocka_unit_test(test_masks_show_enough_to_recognise_and_little_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
