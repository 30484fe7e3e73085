/* dk_i18n.h: every text the kiosk itself shows, in German, English and Turkish, and the
 * language's way of writing dates, times and numbers. */
#ifndef DK_I18N_H
#define DK_I18N_H

#include "dk_content.h"
#include "dk_error.h"
#include "dk_signup.h"

#include <stddef.h>

/* Words follow the project's German/English vocabulary table (DOMAIN.md): German in the polite
 * "Sie" form with active verbs on buttons, English and Turkish (polite "siz") in the same tone. The
 * names of the languages themselves come from dk_lang_native_name() in dk_content.h.
 *
 * A text may hold the placeholder "{n}" (noted below); dk_i18n_fill() and
 * dk_i18n_format_count() put a value in its place. Placeholders instead of printf formats,
 * because word order differs between the languages ("seit 2021" / "2021 tarihinden beri") and
 * a format string from a table is a classic injection. */
typedef enum dk_string_id {
    /* where am I, where can I go */
    DK_S_HOME,
    DK_S_BACK,
    DK_S_DISTRICTS,
    DK_S_CHOOSE_DISTRICT,
    DK_S_YOUR_DISTRICT,
    DK_S_ALL_DISTRICTS,
    DK_S_CURRENT_PROJECTS,
    DK_S_PROJECTS_OF_DISTRICT,
    DK_S_WORKING_GROUPS,
    DK_S_STEERING_COMMITTEE,
    DK_S_DATES,
    DK_S_NEXT_DATES,
    DK_S_UPCOMING,
    DK_S_GET_INVOLVED,
    DK_S_REGISTER_INTEREST,
    DK_S_ABOUT,
    DK_S_PRIVACY,
    DK_S_LEGAL,
    DK_S_MORE,
    DK_S_CLOSE,
    DK_S_CANCEL,
    DK_S_OK,
    DK_S_CONTINUE,
    DK_S_START_OVER,
    DK_S_SCROLL_HINT,
    DK_S_PAGE_ONLY_GERMAN, /* a page whose text exists only in German */
    /* search */
    DK_S_SEARCH,
    DK_S_SEARCH_HINT,
    DK_S_NO_RESULTS,
    DK_S_RESULTS_COUNT,     /* {n}: number of results (dk_i18n_format_count) */
    DK_S_RESULTS_COUNT_ONE, /* ... the form for exactly one */
    /* the attract loop and the session */
    DK_S_TOUCH_TO_START,
    DK_S_DISCOVER_DISTRICT,
    DK_S_PAUSE,
    DK_S_PLAY,
    DK_S_NEED_MORE_TIME,
    DK_S_NEED_MORE_TIME_BODY,     /* {n}: seconds left (dk_i18n_format_count) */
    DK_S_NEED_MORE_TIME_BODY_ONE, /* ... the form for exactly one */
    /* accessibility and language */
    DK_S_ACCESSIBILITY,
    DK_S_LARGER_TEXT,
    DK_S_HIGH_CONTRAST,
    DK_S_READ_ALOUD,
    DK_S_STOP_READING,
    DK_S_SPEECH_BUTTON,     /* spoken after a button's label: what can be touched */
    DK_S_SPEECH_BUTTON_OFF, /* ... after a button that cannot be used now */
    DK_S_SPEECH_SWITCH,     /* ... after a switch's "label: state" */
    DK_S_SPEECH_IMAGE,      /* spoken before an image's text alternative */
    DK_S_LOW_REACH,
    DK_S_LOW_REACH_HINT,
    DK_S_ON,
    DK_S_OFF,
    DK_S_LANGUAGE,
    DK_S_CHOOSE_LANGUAGE,
    /* content labels */
    DK_S_EXAMPLE,
    DK_S_STATUS_PLANNED,
    DK_S_STATUS_RUNNING,
    DK_S_STATUS_COMPLETED,
    DK_S_FILTER_STATUS,
    DK_S_ALL,
    DK_S_GROUP_KIND_STEERING,
    DK_S_GROUP_KIND_MARKETING,
    DK_S_GROUP_KIND_PROJECT,
    DK_S_GROUP_KIND_WORKING,
    DK_S_OPEN_FOR_MEMBERS,
    DK_S_NOT_OPEN,
    DK_S_HOW_TO_JOIN,
    DK_S_MEETS,
    DK_S_PLACE,
    DK_S_CONTACT,
    DK_S_LINKED_GROUPS,
    DK_S_START,
    DK_S_END,
    DK_S_SINCE, /* {n}: a formatted date or a year (dk_i18n_fill) */
    DK_S_UNTIL, /* {n}: a formatted date or a year (dk_i18n_fill) */
    DK_S_NO_DATES,
    DK_S_DATE_PAST, /* a date found by search that has already taken place */
    DK_S_NO_PROJECTS,
    DK_S_NO_GROUPS,
    DK_S_DISTRICT_FACTS,
    DK_S_AREA,
    DK_S_KM2,
    DK_S_RESIDENTS,
    DK_S_RESIDENTS_YEAR, /* {n}: the reference year, or DK_S_YEAR_UNKNOWN (dk_i18n_fill) */
    DK_S_YEAR_UNKNOWN,
    DK_S_OFFICE,
    DK_S_OPENING_HOURS,
    DK_S_PICTURES,
    DK_S_CLOCK_TIME, /* {n}: "18:00"; used by dk_i18n_format_date() */
    /* volunteer sign-up */
    DK_S_YOUR_NAME,
    DK_S_EMAIL,
    DK_S_PHONE,
    DK_S_CONTACT_BY,
    DK_S_CHOOSE_GROUP,
    DK_S_MESSAGE,
    DK_S_MESSAGE_HINT,
    DK_S_AGE_16,
    DK_S_SEND,
    DK_S_SIGNUP_STORAGE,
    DK_S_THANK_YOU,
    DK_S_THANK_YOU_BODY,
    DK_S_FIELD_REQUIRED,
    DK_S_INVALID_EMAIL,
    DK_S_INVALID_PHONE,
    DK_S_CONFIRM_AGE,
    DK_S_CONSENT_REQUIRED,
    DK_S_SIGNUP_INVITE,         /* on a group's page, before the button to the form */
    DK_S_SIGNUP_INTRO,          /* one sentence above the form: what happens */
    DK_S_SIGNUP_GROUPS,         /* heading above the group choices; the confirmation's too */
    DK_S_SIGNUP_GROUPS_HINT,    /* how to choose */
    DK_S_SIGNUP_NO_OPEN_GROUPS, /* the district has no group that takes members */
    DK_S_YES,                   /* the state word of a ticked box */
    DK_S_NO,                    /* ... of an empty one */
    DK_S_CONTACT_HINT,          /* e-mail or phone: one is enough */
    DK_S_TAP_TO_TYPE,           /* placeholder of an empty field */
    DK_S_CONSENT_BOX,           /* the consent box's own sentence */
    DK_S_FULL_PRIVACY,          /* button: the full privacy notice */
    DK_S_CHECK_FIELDS,          /* banner after sending with problems */
    DK_S_SAVE_FAILED,           /* banner when storing failed */
    DK_S_CONFIRM_INTRO,         /* the confirmation: why the data is shortened */
    DK_S_NAME_SHORT,            /* "Name" on the confirmation */
    DK_S_SIGNUP_DONE,           /* button that leaves the confirmation */
    /* errors a visitor may see */
    DK_S_ERROR_GENERIC,
    DK_S_CONTENT_MISSING,
    /* on-screen keyboard */
    DK_S_KEY_SPACE,
    DK_S_KEY_DELETE,
    DK_S_KEY_SHIFT,
    DK_S_KEY_DONE,
    DK_S_KEY_SYMBOLS,
    DK_S_KEY_LETTERS,
    DK_S_KEY_CAPS_LOCK, /* the shift key while capitals are locked */
    DK_S_KEY_LEFT,      /* what the "‹" key does, for the element tree and speech */
    DK_S_KEY_RIGHT,
    /* staff screen */
    DK_S_STAFF,
    DK_S_STAFF_PIN,
    DK_S_WRONG_PIN,
    DK_S_CONTENT_VERSION,
    DK_S_DEVICE,
    DK_S_UPTIME,
    DK_S_MEMORY,
    DK_S_LAST_SYNC,
    DK_S_RECENT_LOG,
    DK_S_QUIT_MAINTENANCE,
    /* staff screen: content sync with the hub */
    DK_S_SYNC,
    DK_S_CONTENT_STATE,
    DK_S_CONTENT_CURRENT,
    DK_S_CONTENT_STALE,
    DK_S_LAST_ATTEMPT,
    DK_S_LAST_SUCCESS,
    DK_S_NEXT_ATTEMPT,
    DK_S_LAST_ERROR,
    DK_S_NO_ERROR,
    DK_S_REGISTRATIONS_WAITING,
    DK_S_NEVER,
    DK_S_NOT_SCHEDULED,
    DK_S_SYNC_NOW,
    DK_S_SYNC_RUNNING,
    DK_S_SYNC_NOT_CONFIGURED,
    /* staff screen: registrations, and those the hub refused (kept sealed in the quarantine) */
    DK_S_REGISTRATIONS,
    DK_S_REGISTRATIONS_REFUSED,
    DK_S_REFUSED_MALFORMED,          /* {n}: how many (dk_i18n_format_count); the hub said 400 */
    DK_S_REFUSED_KEY_REUSED,         /* {n}: ... 409 */
    DK_S_REFUSED_TOO_LARGE,          /* {n}: ... 413 */
    DK_S_REFUSED_BY_HUB_OTHER,       /* {n}: ... another status */
    DK_S_REFUSED_DAMAGED,            /* {n}: ... found damaged on the kiosk */
    DK_S_REFUSED_OTHER,              /* {n}: ... any other reason */
    DK_S_REFUSED_NEWEST,             /* {n}: when the latest of a group was refused (staff time) */
    DK_S_REFUSED_HINT,               /* what refused records are and what staff can do */
    DK_S_REFUSED_SEND_AGAIN,         /* button */
    DK_S_REFUSED_DELETE,             /* button; opens the confirmation */
    DK_S_REFUSED_DELETE_CONFIRM,     /* {n}: how many (dk_i18n_format_count) */
    DK_S_REFUSED_DELETE_CONFIRM_ONE, /* ... the form for exactly one */
    DK_S_DELETE_FOR_GOOD,            /* the confirmation's button */
    DK_S_REFUSED_RELEASED,           /* {n}: afterwards, how many go again (dk_i18n_format_count) */
    DK_S_REFUSED_RELEASED_ONE,       /* ... the form for exactly one */
    DK_S_REFUSED_DELETED,            /* {n}: afterwards, how many were deleted */
    DK_S_REFUSED_DELETED_ONE,        /* ... the form for exactly one */
    DK_S_REFUSED_CHANGED,            /* more were refused since staff looked: nothing deleted */
    DK_S_REFUSED_FAILED,             /* the outbox failed: nothing changed */
    /* relative times (dk_i18n_format_relative) */
    DK_S_TIME_NOW,
    DK_S_TIME_JUST_NOW,
    DK_S_TIME_UNDER_A_MINUTE,
    DK_S_IN_MINUTES,   /* {n}: minutes */
    DK_S_MINUTES_AGO,  /* {n}: minutes */
    DK_S_IN_HOURS,     /* {n}: hours */
    DK_S_HOURS_AGO,    /* {n}: hours */
    DK_S_IN_DAYS,      /* {n}: days (dk_i18n_format_count) */
    DK_S_IN_DAYS_ONE,  /* ... the form for exactly one */
    DK_S_DAYS_AGO,     /* {n}: days (dk_i18n_format_count) */
    DK_S_DAYS_AGO_ONE, /* ... the form for exactly one */
    /* calendar words, Monday first (ISO 8601); keep each run in order */
    DK_S_WEEKDAY_MONDAY,
    DK_S_WEEKDAY_TUESDAY,
    DK_S_WEEKDAY_WEDNESDAY,
    DK_S_WEEKDAY_THURSDAY,
    DK_S_WEEKDAY_FRIDAY,
    DK_S_WEEKDAY_SATURDAY,
    DK_S_WEEKDAY_SUNDAY,
    DK_S_WEEKDAY_SHORT_MONDAY,
    DK_S_WEEKDAY_SHORT_TUESDAY,
    DK_S_WEEKDAY_SHORT_WEDNESDAY,
    DK_S_WEEKDAY_SHORT_THURSDAY,
    DK_S_WEEKDAY_SHORT_FRIDAY,
    DK_S_WEEKDAY_SHORT_SATURDAY,
    DK_S_WEEKDAY_SHORT_SUNDAY,
    DK_S_MONTH_JANUARY,
    DK_S_MONTH_FEBRUARY,
    DK_S_MONTH_MARCH,
    DK_S_MONTH_APRIL,
    DK_S_MONTH_MAY,
    DK_S_MONTH_JUNE,
    DK_S_MONTH_JULY,
    DK_S_MONTH_AUGUST,
    DK_S_MONTH_SEPTEMBER,
    DK_S_MONTH_OCTOBER,
    DK_S_MONTH_NOVEMBER,
    DK_S_MONTH_DECEMBER,
    DK_S_COUNT
} dk_string_id;

/* The text of id in lang: static, valid UTF-8, never NULL. A text missing in lang, or an
 * unknown lang, gives the German one; an unknown id gives "". Can't fail. */
const char *dk_i18n(dk_lang lang, dk_string_id id);

/* 1 if the table has its own text for id in lang, 0 if dk_i18n() falls back to German (or id
 * or lang is unknown). For the completeness test and the staff screen. */
int dk_i18n_has_translation(dk_lang lang, dk_string_id id);

/* The text shown beside a form field for a validation problem (dk_signup.h), in lang: static,
 * never NULL; German for an unknown lang, "" for an unknown code. Every code has its own text
 * in every language; dk_i18n_has_signup_problem() says so for the completeness test. */
const char *dk_i18n_signup_problem(dk_lang lang, dk_signup_code code);
int dk_i18n_has_signup_problem(dk_lang lang, dk_signup_code code);

/* The label of a project status / group kind from dk_content.h (DK_S_STATUS_RUNNING, ...);
 * DK_S_COUNT for an unknown value, which dk_i18n() turns into "". */
dk_string_id dk_i18n_status_id(dk_project_status status);
dk_string_id dk_i18n_group_kind_id(dk_group_kind kind);

/* --- Formatting ---
 * All functions below write into the caller's out[outsz], which stays the caller's. When
 * outsz > 0 the result is always NUL-terminated, and when it does not fit it is cut at a
 * character boundary (never inside a UTF-8 sequence) and DK_ERR_LIMIT is returned. out NULL or
 * outsz 0 returns DK_ERR_INVALID without writing. Whatever is returned, out holds text fit to
 * show, so a screen can draw it without checking. */

/* The text of id with every "{n}" replaced by arg (NULL counts as ""). Returns DK_OK, or
 * DK_ERR_LIMIT / DK_ERR_INVALID as above. */
dk_err dk_i18n_fill(dk_lang lang, dk_string_id id, const char *arg, char *out, size_t outsz);

/* The text of id with "{n}" replaced by n in the language's digits ("1.234" in German). When n
 * is 1 and id has a singular form (DK_S_RESULTS_COUNT -> DK_S_RESULTS_COUNT_ONE), that one is
 * used. Fails as dk_i18n_fill(). */
dk_err dk_i18n_format_count(dk_lang lang, dk_string_id id, long n, char *out, size_t outsz);

/* with_weekday values for dk_i18n_format_date(). Turkish names weekdays in full either way. */
#define DK_WEEKDAY_NONE  0
#define DK_WEEKDAY_SHORT 1 /* "Do., 3. Dezember 2026" / "Thu, 3 December 2026" */
#define DK_WEEKDAY_LONG  2 /* "Donnerstag, 3. Dezember 2026" / "Thursday, 3 December 2026" */

/* Formats a content date "YYYY-MM-DD" or datetime "YYYY-MM-DDTHH:MM" (local Dortmund time, as
 * written; no time zone or locale is consulted), 24-hour clock in every language:
 *   de  "Do., 3. Dezember 2026, 18:00 Uhr"
 *   en  "Thu, 3 December 2026, 18:00"
 *   tr  "3 Aralık 2026 Perşembe, 18:00"
 * The weekday is computed from the date (proleptic Gregorian calendar, years 1 to 9999).
 * Returns DK_OK; DK_ERR_INVALID when iso is not such a date (a wrong shape, month 13, 30
 * February, 24:00, NULL), in which case out holds iso itself (or "" for NULL) so the visitor
 * still sees what staff wrote; DK_ERR_LIMIT when out is too small. */
dk_err dk_i18n_format_date(dk_lang lang, const char *iso, char *out, size_t outsz,
                           int with_weekday);

/* Only the time of a datetime "YYYY-MM-DDTHH:MM": "18:00 Uhr" (de), "18:00" (en, tr). A plain
 * date gives "" and DK_OK (the event has no time); anything else as dk_i18n_format_date(). */
dk_err dk_i18n_format_time(dk_lang lang, const char *iso, char *out, size_t outsz);

/* How far a moment lies from now, in words, for the staff screen: seconds > 0 lies ahead
 * ("in 7 min"), seconds < 0 behind ("vor 7 Min." / "7 min ago"). Whole minutes below an hour,
 * whole hours below two days, then whole days, always rounded toward now; under a minute
 * "jetzt" (0), "gleich" / "in under a minute" (ahead) or "gerade eben" / "just now" (behind).
 * Fails as dk_i18n_fill(). */
dk_err dk_i18n_format_relative(dk_lang lang, long long seconds, char *out, size_t outsz);

/* The day of the week of a date, 0 = Monday .. 6 = Sunday; -1 if the date does not exist or
 * year is outside 1 to 9999. Can't fail otherwise. */
int dk_i18n_weekday(int year, int month, int day);

/* value rounded to decimals places (0 to 9; others are clamped) with the language's digit
 * grouping and decimal mark: de and tr "56.547" and "29,79", en "56,547" and "29.79". For
 * amounts and measures, not for years or codes. Negative values get "-". NaN or infinity
 * writes "–" and returns DK_ERR_INVALID; otherwise fails as dk_i18n_fill(). */
dk_err dk_i18n_format_number(dk_lang lang, double value, int decimals, char *out, size_t outsz);

#endif
