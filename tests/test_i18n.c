/* test_i18n.c: the string table is complete and clean in three languages, the vocabulary is the
 * programme's, and dates, times and numbers are written each language's way without overflow. */
#include "dk_test.h"

#include "dk_content.h"
#include "dk_i18n.h"
#include "dk_text.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static const dk_lang langs[] = {DK_LANG_DE, DK_LANG_EN, DK_LANG_TR};
#define NLANGS (sizeof langs / sizeof langs[0])

/* Texts that are legitimately the same as the German one in a language. */
static const struct {
    dk_string_id id;
    dk_lang lang;
} same_as_german[] = {
    {DK_S_OK, DK_LANG_EN},
    {DK_S_KM2, DK_LANG_EN},
    {DK_S_KM2, DK_LANG_TR},
    {DK_S_KEY_SYMBOLS, DK_LANG_EN},
    {DK_S_KEY_SYMBOLS, DK_LANG_TR},
    {DK_S_KEY_LETTERS, DK_LANG_EN},
    {DK_S_KEY_LETTERS, DK_LANG_TR},
    {DK_S_PHONE, DK_LANG_TR},
    {DK_S_NAME_SHORT, DK_LANG_EN},
    {DK_S_MONTH_APRIL, DK_LANG_EN},
    {DK_S_MONTH_AUGUST, DK_LANG_EN},
    {DK_S_MONTH_SEPTEMBER, DK_LANG_EN},
    {DK_S_MONTH_NOVEMBER, DK_LANG_EN},
};

static int may_equal_german(dk_string_id id, dk_lang lang)
{
    for (size_t i = 0; i < sizeof same_as_german / sizeof same_as_german[0]; i++)
        if (same_as_german[i].id == id && same_as_german[i].lang == lang)
            return 1;
    return 0;
}

static void test_every_id_has_its_own_text_in_every_language(void **state)
{
    int failures = 0;
    for (int id = 0; id < DK_S_COUNT; id++) {
        const char *de = dk_i18n(DK_LANG_DE, (dk_string_id)id);
        for (size_t l = 0; l < NLANGS; l++) {
            const char *s = dk_i18n(langs[l], (dk_string_id)id);
            if (!dk_i18n_has_translation(langs[l], (dk_string_id)id) || s[0] == '\0') {
                print_message("id %d (\"%s\") has no %s text\n", id, de, dk_lang_code(langs[l]));
                failures++;
            } else if (langs[l] != DK_LANG_DE && strcmp(s, de) == 0 &&
                       !may_equal_german((dk_string_id)id, langs[l])) {
                print_message("id %d: %s text \"%s\" is the German one\n", id,
                              dk_lang_code(langs[l]), s);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
    /* the exceptions are still true: a stale entry would hide a missing translation later */
    for (size_t i = 0; i < sizeof same_as_german / sizeof same_as_german[0]; i++)
        assert_string_equal(dk_i18n(same_as_german[i].lang, same_as_german[i].id),
                            dk_i18n(DK_LANG_DE, same_as_german[i].id));
}

static void test_unknown_language_or_id_falls_back_never_null(void **state)
{
    assert_string_equal(dk_i18n((dk_lang)7, DK_S_HOME), "Startseite");
    assert_string_equal(dk_i18n((dk_lang)-1, DK_S_BACK), "Zurück");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_COUNT), "");
    assert_string_equal(dk_i18n(DK_LANG_EN, (dk_string_id)-3), "");
    assert_false(dk_i18n_has_translation((dk_lang)7, DK_S_HOME));
    assert_false(dk_i18n_has_translation(DK_LANG_TR, DK_S_COUNT));
}

static const char *without_soft_hyphens(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    for (; *s && n + 1 < outsz; s++) {
        if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xAD) {
            s++;
            continue;
        }
        out[n++] = *s;
    }
    out[n] = '\0';
    return out;
}

static void test_vocabulary_is_the_programmes(void **state)
{
    static const struct {
        dk_string_id id;
        const char *de, *en;
    } words[] = {
        {DK_S_HOME, "Startseite", "Home"},
        {DK_S_DISTRICTS, "Stadtbezirke", "Districts"},
        {DK_S_CHOOSE_DISTRICT, "Stadtbezirk wählen", "Choose a district"},
        {DK_S_CURRENT_PROJECTS, "Aktuelle Projekte", "Current projects"},
        {DK_S_WORKING_GROUPS, "Arbeitsgruppen", "Working groups"},
        {DK_S_STEERING_COMMITTEE, "Lenkungsgremium", "Steering committee"},
        {DK_S_DATES, "Termine", "Dates"},
        {DK_S_GET_INVOLVED, "Mitmachen", "Get involved"},
        {DK_S_REGISTER_INTEREST, "Interesse bekunden", "Register interest"},
        {DK_S_ABOUT, "Über das StadtbezirksMarketing", "About the programme"},
        {DK_S_PRIVACY, "Datenschutzhinweise", "Privacy notice"},
        {DK_S_LEGAL, "Impressum", "Legal notice"},
        {DK_S_NEED_MORE_TIME, "Brauchen Sie mehr Zeit?", "Need more time?"},
        {DK_S_THANK_YOU, "Vielen Dank!", "Thank you!"},
        {DK_S_LARGER_TEXT, "Schrift vergrößern", "Larger text"},
        {DK_S_HIGH_CONTRAST, "Hoher Kontrast", "High contrast"},
        {DK_S_READ_ALOUD, "Vorlesen", "Read aloud"},
        {DK_S_GROUP_KIND_STEERING, "Lenkungsgremium", "Steering committee"},
        {DK_S_SIGNUP_STORAGE,
         "Ihre Angaben werden verschlüsselt gespeichert und an das Bezirksmarketing übermittelt.",
         NULL},
    };
    /* Soft hyphens (where a long word may break on a narrow button) are invisible: the words
     * are compared as a reader sees them. */
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char seen[256];
        assert_string_equal(without_soft_hyphens(dk_i18n(DK_LANG_DE, words[i].id), seen,
                                                 sizeof seen),
                            words[i].de);
        if (words[i].en)
            assert_string_equal(without_soft_hyphens(dk_i18n(DK_LANG_EN, words[i].id), seen,
                                                     sizeof seen),
                                words[i].en);
    }
    /* the languages name themselves, never by a flag */
    assert_string_equal(dk_lang_native_name(DK_LANG_DE), "Deutsch");
    assert_string_equal(dk_lang_native_name(DK_LANG_EN), "English");
    assert_string_equal(dk_lang_native_name(DK_LANG_TR), "Türkçe");
}

static void test_turkish_uses_turkish_letters_and_the_polite_form(void **state)
{
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_DISTRICTS), "İlçeler");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_MONTH_DECEMBER), "Aralık");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_WEEKDAY_THURSDAY), "Perşembe");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_WEEKDAY_WEDNESDAY), "Çarşamba");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_MONTH_AUGUST), "Ağustos");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_CHOOSE_DISTRICT), "İlçe seçin"); /* siz */
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_THANK_YOU), "Teşekkür ederiz!");
    /* no German-keyboard stand-ins for Turkish letters crept in anywhere */
    for (int id = 0; id < DK_S_COUNT; id++) {
        const char *s = dk_i18n(DK_LANG_TR, (dk_string_id)id);
        assert_null(strstr(s, "ä"));
        assert_null(strstr(s, "ß"));
    }
}

static int contains_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word)) {
        int start = p == s || p[-1] == ' ';
        int end =
            p[n] == '\0' || p[n] == ' ' || p[n] == ',' || p[n] == '.' || p[n] == '?' || p[n] == '!';
        if (start && end)
            return 1;
    }
    return 0;
}

static void test_german_addresses_visitors_as_sie(void **state)
{
    const char *familiar[] = {"du", "Du", "dich", "dir", "dein", "deine", "Dein", "Deine"};
    for (int id = 0; id < DK_S_COUNT; id++) {
        const char *s = dk_i18n(DK_LANG_DE, (dk_string_id)id);
        for (size_t w = 0; w < sizeof familiar / sizeof familiar[0]; w++)
            if (contains_word(s, familiar[w]))
                fail_msg("\"%s\" uses \"%s\"", s, familiar[w]);
    }
    assert_non_null(strstr(dk_i18n(DK_LANG_DE, DK_S_NEED_MORE_TIME), "Sie"));
    assert_non_null(strstr(dk_i18n(DK_LANG_DE, DK_S_NO_RESULTS), "Sie"));
}

static int count_placeholders(const char *s)
{
    int n = 0;
    for (const char *p = strstr(s, "{n}"); p; p = strstr(p + 3, "{n}"))
        n++;
    return n;
}

static void test_every_text_is_clean_utf8_with_matching_placeholders(void **state)
{
    for (int id = 0; id < DK_S_COUNT; id++) {
        int want = count_placeholders(dk_i18n(DK_LANG_DE, (dk_string_id)id));
        for (size_t l = 0; l < NLANGS; l++) {
            const char *s = dk_i18n(langs[l], (dk_string_id)id);
            size_t len = strlen(s);
            if (!dk_utf8_valid(s, len))
                fail_msg("id %d (%s) is not valid UTF-8", id, dk_lang_code(langs[l]));
            for (size_t i = 0; i < len;) {
                uint32_t cp;
                i += dk_utf8_decode(s + i, len - i, &cp);
                if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
                    fail_msg("id %d (%s) holds control character U+%04X", id,
                             dk_lang_code(langs[l]), (unsigned)cp);
            }
            if (s[0] == ' ' || s[len - 1] == ' ' || strstr(s, "  "))
                fail_msg("id %d (%s): stray space in \"%s\"", id, dk_lang_code(langs[l]), s);
            if (count_placeholders(s) != want)
                fail_msg("id %d (%s): \"%s\" has %d placeholders, German has %d", id,
                         dk_lang_code(langs[l]), s, count_placeholders(s), want);
            /* nothing else that looks like a format: the table is not a printf format */
            const char *rest = s;
            for (const char *p = strstr(rest, "{n}"); p; p = strstr(rest, "{n}"))
                rest = p + 3;
            if (strchr(rest, '%') || strchr(rest, '{') || strchr(rest, '}'))
                fail_msg("id %d (%s): stray format character in \"%s\"", id, dk_lang_code(langs[l]),
                         s);
        }
    }
}

static void test_status_and_group_kind_labels(void **state)
{
    for (int s = 0; s < DK_STATUS_COUNT; s++) {
        dk_string_id id = dk_i18n_status_id((dk_project_status)s);
        assert_true(id < DK_S_COUNT);
        assert_string_not_equal(dk_i18n(DK_LANG_TR, id), "");
    }
    assert_string_equal(dk_i18n(DK_LANG_DE, dk_i18n_status_id(DK_STATUS_COMPLETED)),
                        "Abgeschlossen");
    assert_int_equal(dk_i18n_status_id(DK_STATUS_COUNT), DK_S_COUNT);
    for (int k = 0; k < DK_GROUP_KIND_COUNT; k++)
        assert_true(dk_i18n_group_kind_id((dk_group_kind)k) < DK_S_COUNT);
    assert_string_equal(dk_i18n(DK_LANG_DE, dk_i18n_group_kind_id(DK_GROUP_MARKETING)),
                        "Marketinggruppe");
    assert_int_equal(dk_i18n_group_kind_id(DK_GROUP_KIND_COUNT), DK_S_COUNT);
}

/* --- dates --- */

static void test_weekday_of_known_dates(void **state)
{
    assert_int_equal(dk_i18n_weekday(2026, 11, 26), 3); /* Thursday */
    assert_int_equal(dk_i18n_weekday(2000, 2, 29), 1);  /* Tuesday */
    assert_int_equal(dk_i18n_weekday(1970, 1, 1), 3);   /* Thursday */
    assert_int_equal(dk_i18n_weekday(2024, 1, 1), 0);   /* Monday */
    assert_int_equal(dk_i18n_weekday(2026, 12, 3), 3);  /* Thursday */
    assert_int_equal(dk_i18n_weekday(1, 1, 1), 0);      /* Monday, proleptic Gregorian */
    assert_int_equal(dk_i18n_weekday(9999, 12, 31), 4); /* Friday */
    assert_int_equal(dk_i18n_weekday(2023, 2, 29), -1);
    assert_int_equal(dk_i18n_weekday(1900, 2, 29), -1); /* not a leap year */
    assert_int_equal(dk_i18n_weekday(2026, 13, 1), -1);
    assert_int_equal(dk_i18n_weekday(2026, 4, 31), -1);
    assert_int_equal(dk_i18n_weekday(0, 1, 1), -1);
    assert_int_equal(dk_i18n_weekday(10000, 1, 1), -1);

    /* every day from 1899 to 2101 follows the one before, leap days included */
    int expected = dk_i18n_weekday(1899, 1, 1), days = 0;
    for (int y = 1899; y <= 2101; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                int w = dk_i18n_weekday(y, m, d);
                if (w < 0)
                    continue;
                assert_int_equal(w, expected);
                expected = (expected + 1) % 7;
                days++;
            }
    assert_int_equal(days, 203 * 365 + 49); /* 49 leap years from 1899 to 2101 */
}

static void check_date(dk_lang lang, const char *iso, int weekday, const char *want)
{
    char out[128];
    assert_int_equal(dk_i18n_format_date(lang, iso, out, sizeof out, weekday), DK_OK);
    assert_string_equal(out, want);
}

static void test_dates_are_written_each_languages_way(void **state)
{
    check_date(DK_LANG_DE, "2026-12-03T18:00", DK_WEEKDAY_SHORT,
               "Do., 3. Dezember 2026, 18:00 Uhr");
    check_date(DK_LANG_EN, "2026-12-03T18:00", DK_WEEKDAY_SHORT, "Thu, 3 December 2026, 18:00");
    check_date(DK_LANG_TR, "2026-12-03T18:00", DK_WEEKDAY_SHORT, "3 Aralık 2026 Perşembe, 18:00");
    check_date(DK_LANG_DE, "2026-11-26", DK_WEEKDAY_LONG, "Donnerstag, 26. November 2026");
    check_date(DK_LANG_EN, "2000-02-29", DK_WEEKDAY_LONG, "Tuesday, 29 February 2000");
    check_date(DK_LANG_TR, "2000-02-29", DK_WEEKDAY_LONG, "29 Şubat 2000 Salı");
    check_date(DK_LANG_DE, "2000-02-29", DK_WEEKDAY_NONE, "29. Februar 2000");
    check_date(DK_LANG_TR, "2026-11-26T09:05", DK_WEEKDAY_NONE, "26 Kasım 2026, 09:05");
    check_date(DK_LANG_DE, "2027-03-01T00:00", DK_WEEKDAY_SHORT, "Mo., 1. März 2027, 00:00 Uhr");
    check_date(DK_LANG_EN, "2026-05-31T23:59", DK_WEEKDAY_SHORT, "Sun, 31 May 2026, 23:59");
    check_date((dk_lang)9, "2026-11-26", DK_WEEKDAY_SHORT, "Do., 26. November 2026");

    char out[64];
    assert_int_equal(dk_i18n_format_time(DK_LANG_DE, "2026-11-26T09:05", out, sizeof out), DK_OK);
    assert_string_equal(out, "09:05 Uhr");
    assert_int_equal(dk_i18n_format_time(DK_LANG_EN, "2026-11-26T18:30", out, sizeof out), DK_OK);
    assert_string_equal(out, "18:30");
    assert_int_equal(dk_i18n_format_time(DK_LANG_TR, "2026-11-26", out, sizeof out), DK_OK);
    assert_string_equal(out, ""); /* an all-day date has no time */
    assert_int_equal(dk_i18n_format_time(DK_LANG_TR, "18:30", out, sizeof out), DK_ERR_INVALID);
    assert_string_equal(out, "18:30");
}

static void test_bad_dates_show_the_raw_text(void **state)
{
    const char *bad[] = {"2026-02-30",       "2026-13-01",       "2026-00-10",
                         "2026-1-5",         "26-11-2026",       "2026-11-26T24:00",
                         "2026-11-26T18:60", "2026-11-26 18:00", "2026-11-26T18:00:00",
                         "2026-11-26T1800",  "+026-11-26",       "",
                         "morgen",           "0000-01-01",       "2026-11-26T",
                         "2026-11-2\xC3\xA4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[64];
        if (dk_i18n_format_date(DK_LANG_DE, bad[i], out, sizeof out, 1) != DK_ERR_INVALID)
            fail_msg("\"%s\" was accepted as \"%s\"", bad[i], out);
        assert_string_equal(out, bad[i]);
    }
    char out[8];
    assert_int_equal(dk_i18n_format_date(DK_LANG_EN, NULL, out, sizeof out, 1), DK_ERR_INVALID);
    assert_string_equal(out, "");
    /* a long bad text is cut to the buffer, still reported as bad input */
    assert_int_equal(dk_i18n_format_date(DK_LANG_EN, "nächsten Donnerstag", out, sizeof out, 1),
                     DK_ERR_INVALID);
    assert_string_equal(out, "nächst"); /* 7 bytes: "ä" is two */
    assert_int_equal(dk_i18n_format_date(DK_LANG_EN, "2026-11-26", NULL, 8, 1), DK_ERR_INVALID);
}

/* Formats with fmt_fn into buffers of every size from 1 to full length + 2 with guard bytes
 * behind them: the result is always a NUL-terminated, valid UTF-8 prefix of the full text,
 * nothing is written past outsz, and DK_ERR_LIMIT says exactly when it was cut. */
typedef dk_err (*format_fn)(char *out, size_t outsz);

static void check_never_overflows(format_fn fmt_fn, const char *full)
{
    size_t full_len = strlen(full);
    for (size_t size = 1; size <= full_len + 2; size++) {
        char buf[256];
        assert_true(size + 16 <= sizeof buf);
        memset(buf, '#', sizeof buf);
        dk_err err = fmt_fn(buf, size);
        for (size_t i = size; i < size + 16; i++)
            assert_int_equal(buf[i], '#');
        size_t len = strnlen(buf, size);
        assert_true(len < size);
        assert_true(dk_utf8_valid(buf, len));
        assert_memory_equal(buf, full, len);
        assert_int_equal(err, full_len < size ? DK_OK : DK_ERR_LIMIT);
        if (err == DK_ERR_LIMIT) /* cut no further back than the last whole character */
            assert_true(len + 4 >= size);
    }
    char untouched = '#';
    assert_int_equal(fmt_fn(&untouched, 0), DK_ERR_INVALID);
    assert_int_equal(untouched, '#');
}

static dk_err format_long_date(char *out, size_t outsz)
{
    return dk_i18n_format_date(DK_LANG_TR, "2026-11-26T18:00", out, outsz, DK_WEEKDAY_LONG);
}

static dk_err format_number(char *out, size_t outsz)
{
    return dk_i18n_format_number(DK_LANG_DE, -1234567.891, 2, out, outsz);
}

static dk_err format_count(char *out, size_t outsz)
{
    return dk_i18n_format_count(DK_LANG_TR, DK_S_NEED_MORE_TIME_BODY, 20, out, outsz);
}

static void test_formatting_never_overflows(void **state)
{
    check_never_overflows(format_long_date, "26 Kasım 2026 Perşembe, 18:00");
    check_never_overflows(format_number, "-1.234.567,89");
    check_never_overflows(format_count, "20 saniye sonra ekran baştan başlayacak ve girdiğiniz "
                                        "bilgiler silinecek.");
}

/* --- numbers --- */

static void check_number(dk_lang lang, double v, int decimals, const char *want)
{
    char out[64];
    assert_int_equal(dk_i18n_format_number(lang, v, decimals, out, sizeof out), DK_OK);
    assert_string_equal(out, want);
}

static void test_numbers_use_each_languages_separators(void **state)
{
    check_number(DK_LANG_DE, 56547, 0, "56.547");
    check_number(DK_LANG_DE, 29.79, 2, "29,79");
    check_number(DK_LANG_EN, 56547, 0, "56,547");
    check_number(DK_LANG_EN, 29.79, 2, "29.79");
    check_number(DK_LANG_TR, 56547, 0, "56.547");
    check_number(DK_LANG_TR, 29.79, 2, "29,79");
    check_number(DK_LANG_DE, 612065, 0, "612.065");
    check_number(DK_LANG_DE, 280.7, 1, "280,7");
    check_number(DK_LANG_EN, 1234567.891, 2, "1,234,567.89");
    check_number(DK_LANG_DE, 0, 0, "0");
    check_number(DK_LANG_DE, 999, 0, "999");
    check_number(DK_LANG_DE, 1000, 0, "1.000");
    check_number(DK_LANG_EN, 13.76, 0, "14");
    check_number(DK_LANG_DE, 0.5, 2, "0,50");
    check_number(DK_LANG_DE, -1234.5, 1, "-1.234,5");
    check_number(DK_LANG_DE, -0.001, 2, "0,00");            /* no "-0,00" */
    check_number(DK_LANG_EN, 1.0 / 3.0, 20, "0.333333333"); /* decimals clamped to 9 */
    check_number(DK_LANG_EN, 2.0, -4, "2");
    check_number((dk_lang)9, 56547, 0, "56.547");

    char out[512];
    assert_int_equal(dk_i18n_format_number(DK_LANG_EN, NAN, 2, out, sizeof out), DK_ERR_INVALID);
    assert_string_equal(out, "–");
    assert_int_equal(dk_i18n_format_number(DK_LANG_EN, -INFINITY, 2, out, sizeof out),
                     DK_ERR_INVALID);
    assert_int_equal(dk_i18n_format_number(DK_LANG_EN, 1.7e308, 9, out, sizeof out), DK_OK);
    assert_int_equal(strlen(out), 309 + 102 + 1 + 9); /* 309 digits, 102 separators, .xxx */
    assert_int_equal(dk_i18n_format_number(DK_LANG_EN, 1.7e308, 9, out, 40), DK_ERR_LIMIT);
}

static void test_counts_fill_the_text_with_the_right_form(void **state)
{
    char out[160];
    assert_int_equal(dk_i18n_format_count(DK_LANG_DE, DK_S_RESULTS_COUNT, 1, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "1 Treffer");
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_RESULTS_COUNT, 1, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "1 result");
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_RESULTS_COUNT, 2, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "2 results");
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_RESULTS_COUNT, 0, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "0 results");
    assert_int_equal(dk_i18n_format_count(DK_LANG_DE, DK_S_RESULTS_COUNT, 1234, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "1.234 Treffer");
    assert_int_equal(dk_i18n_format_count(DK_LANG_TR, DK_S_RESULTS_COUNT, 1, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "1 sonuç");
    assert_int_equal(
        dk_i18n_format_count(DK_LANG_DE, DK_S_NEED_MORE_TIME_BODY, 20, out, sizeof out), DK_OK);
    assert_string_equal(out, "In 20 Sekunden beginnt der Bildschirm von vorn. Ihre Eingaben "
                             "werden dann gelöscht.");
    assert_int_equal(dk_i18n_format_count(DK_LANG_DE, DK_S_NEED_MORE_TIME_BODY, 1, out, sizeof out),
                     DK_OK);
    assert_non_null(strstr(out, "In 1 Sekunde beginnt"));
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_NEED_MORE_TIME_BODY, 1, out, sizeof out),
                     DK_OK);
    assert_non_null(strstr(out, "In 1 second the"));
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_RESULTS_COUNT, -1234, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "-1,234 results");
    /* a text without a placeholder comes out unchanged */
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_HOME, 5, out, sizeof out), DK_OK);
    assert_string_equal(out, "Home");
}

static void test_fill_puts_words_where_each_language_wants_them(void **state)
{
    char out[64];
    assert_int_equal(dk_i18n_fill(DK_LANG_DE, DK_S_RESIDENTS_YEAR, "2023", out, sizeof out), DK_OK);
    assert_string_equal(out, "Einwohner (2023)");
    assert_int_equal(dk_i18n_fill(DK_LANG_DE, DK_S_RESIDENTS_YEAR,
                                  dk_i18n(DK_LANG_DE, DK_S_YEAR_UNKNOWN), out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "Einwohner (Jahr unbekannt)");
    assert_int_equal(dk_i18n_fill(DK_LANG_TR, DK_S_SINCE, "2021", out, sizeof out), DK_OK);
    assert_string_equal(out, "2021 tarihinden beri");
    assert_int_equal(dk_i18n_fill(DK_LANG_EN, DK_S_UNTIL, "3 December 2026", out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "until 3 December 2026");
    assert_int_equal(dk_i18n_fill(DK_LANG_EN, DK_S_RESIDENTS_YEAR, NULL, out, sizeof out), DK_OK);
    assert_string_equal(out, "Residents ()");
    /* an argument that itself looks like a placeholder is not expanded again */
    assert_int_equal(dk_i18n_fill(DK_LANG_EN, DK_S_SINCE, "{n}", out, sizeof out), DK_OK);
    assert_string_equal(out, "since {n}");
    assert_int_equal(dk_i18n_fill(DK_LANG_EN, DK_S_SINCE, "2021", out, 0), DK_ERR_INVALID);
    assert_int_equal(dk_i18n_fill(DK_LANG_EN, DK_S_SINCE, "2021", NULL, 4), DK_ERR_INVALID);
}

static void test_relative_times_in_words_each_languages_way(void **state)
{
    static const struct {
        dk_lang lang;
        long long s;
        const char *want;
    } cases[] = {
        {DK_LANG_EN, 7 * 60 + 20, "in 7 min"},
        {DK_LANG_DE, 7 * 60 + 59, "in 7 Min."},
        {DK_LANG_TR, 7 * 60, "7 dk sonra"},
        {DK_LANG_EN, -150, "2 min ago"},
        {DK_LANG_DE, -150, "vor 2 Min."},
        {DK_LANG_TR, -150, "2 dk önce"},
        {DK_LANG_EN, 0, "now"},
        {DK_LANG_DE, 0, "jetzt"},
        {DK_LANG_EN, 59, "in under a minute"},
        {DK_LANG_EN, -59, "just now"},
        {DK_LANG_DE, -5, "gerade eben"},
        {DK_LANG_EN, -3 * 3600 - 100, "3 h ago"},
        {DK_LANG_DE, 47 * 3600, "in 47 Std."},
        {DK_LANG_EN, 2 * 86400, "in 2 days"},
        {DK_LANG_EN, -86400 * 3 - 5, "3 days ago"},
        {DK_LANG_DE, -86400 * 3, "vor 3 Tagen"},
        {DK_LANG_TR, 86400 * 3, "3 gün sonra"},
        {DK_LANG_DE, -86400 * 400, "vor 400 Tagen"},
        {DK_LANG_EN, -3599, "59 min ago"},
        {DK_LANG_EN, 3600, "in 1 h"},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(dk_i18n_format_relative(cases[i].lang, cases[i].s, out, sizeof out), DK_OK);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%lld s (%s): \"%s\", wanted \"%s\"", cases[i].s,
                     dk_lang_code(cases[i].lang), out, cases[i].want);
    }
    /* a clock that is far off still gives words, never a wrapped number */
    assert_int_equal(dk_i18n_format_relative(DK_LANG_EN, LLONG_MIN, out, sizeof out), DK_OK);
    assert_string_equal(out, "999,999 days ago");
    assert_int_equal(dk_i18n_format_relative(DK_LANG_EN, LLONG_MAX, out, sizeof out), DK_OK);
    assert_string_equal(out, "in 999,999 days");
    /* bounded like every formatter */
    assert_int_equal(dk_i18n_format_relative(DK_LANG_DE, -86400 * 3, out, 6), DK_ERR_LIMIT);
    assert_string_equal(out, "vor 3");
    assert_int_equal(dk_i18n_format_relative(DK_LANG_DE, 5, NULL, 6), DK_ERR_INVALID);
}

static void test_switch_words_say_on_and_off(void **state)
{
    /* the accessibility switches show these words next to their label */
    assert_string_equal(dk_i18n(DK_LANG_DE, DK_S_ON), "Ein");
    assert_string_equal(dk_i18n(DK_LANG_DE, DK_S_OFF), "Aus");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_ON), "On");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_OFF), "Off");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_ON), "Açık");
    assert_string_equal(dk_i18n(DK_LANG_TR, DK_S_OFF), "Kapalı");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_SYNC_NOW), "Sync now");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_SYNC_RUNNING), "Sync running…");
    assert_string_equal(dk_i18n(DK_LANG_EN, DK_S_SYNC_NOT_CONFIGURED), "Sync not configured");
}

/* The staff screen's words for registrations the hub refused: counts in the right form, and
 * the status code named, so staff can tell the hub's team what it said. */
static void test_refused_registrations_are_counted_in_each_languages_way(void **state)
{
    char out[512];
    assert_int_equal(dk_i18n_format_count(DK_LANG_EN, DK_S_REFUSED_MALFORMED, 3, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "3 refused by the hub as malformed (HTTP 400)");
    assert_int_equal(dk_i18n_format_count(DK_LANG_DE, DK_S_REFUSED_TOO_LARGE, 1200, out, sizeof out),
                     DK_OK);
    assert_string_equal(out, "1.200 von der Zentrale als zu groß abgelehnt (HTTP 413)");
    assert_non_null(strstr(dk_i18n(DK_LANG_TR, DK_S_REFUSED_KEY_REUSED), "(HTTP 409)"));
    static const struct {
        dk_lang lang;
        dk_string_id id;
        long n;
        const char *want;
    } counts[] = {
        {DK_LANG_EN, DK_S_REFUSED_DELETED, 1, "1 refused registration was deleted."},
        {DK_LANG_EN, DK_S_REFUSED_DELETED, 2, "2 refused registrations were deleted."},
        {DK_LANG_DE, DK_S_REFUSED_RELEASED, 1, "1 abgelehnte Anmeldung wird erneut gesendet."},
        {DK_LANG_DE, DK_S_REFUSED_RELEASED, 5, "5 abgelehnte Anmeldungen werden erneut gesendet."},
        {DK_LANG_TR, DK_S_REFUSED_DELETED, 7, "7 reddedilen kayıt silindi."},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        assert_int_equal(
            dk_i18n_format_count(counts[i].lang, counts[i].id, counts[i].n, out, sizeof out), DK_OK);
        assert_string_equal(out, counts[i].want);
    }
    /* The confirmation says, in every language, that there is no way back. */
    assert_int_equal(
        dk_i18n_format_count(DK_LANG_EN, DK_S_REFUSED_DELETE_CONFIRM, 1, out, sizeof out), DK_OK);
    assert_non_null(strstr(out, "Delete 1 refused registration for good? It cannot be recovered"));
    assert_int_equal(
        dk_i18n_format_count(DK_LANG_DE, DK_S_REFUSED_DELETE_CONFIRM, 3, out, sizeof out), DK_OK);
    assert_non_null(strstr(out, "nicht wiederherstellen"));
    assert_int_equal(
        dk_i18n_format_count(DK_LANG_TR, DK_S_REFUSED_DELETE_CONFIRM, 3, out, sizeof out), DK_OK);
    assert_non_null(strstr(out, "Geri getirilemez"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_id_has_its_own_text_in_every_language),
        cmocka_unit_test(test_unknown_language_or_id_falls_back_never_null),
        cmocka_unit_test(test_vocabulary_is_the_programmes),
        cmocka_unit_test(test_turkish_uses_turkish_letters_and_the_polite_form),
        cmocka_unit_test(test_german_addresses_visitors_as_sie),
        cmocka_unit_test(test_every_text_is_clean_utf8_with_matching_placeholders),
        cmocka_unit_test(test_status_and_group_kind_labels),
        cmocka_unit_test(test_weekday_of_known_dates),
        cmocka_unit_test(test_dates_are_written_each_languages_way),
        cmocka_unit_test(test_bad_dates_show_the_raw_text),
        cmocka_unit_test(test_formatting_never_overflows),
        cmocka_unit_test(test_numbers_use_each_languages_separators),
        cmocka_unit_test(test_counts_fill_the_text_with_the_right_form),
        cmocka_unit_test(test_fill_puts_words_where_each_language_wants_them),
        cmocka_unit_test(test_relative_times_in_words_each_languages_way),
        cmocka_unit_test(test_switch_words_say_on_and_off),
        cmocka_unit_test(test_refused_registrations_are_counted_in_each_languages_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
