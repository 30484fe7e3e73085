/* dk_signup.h: a volunteer's registration of interest: the record, its validation, its
 * canonical JSON (the plaintext the kiosk seals for the hub) and masked forms for the screen. */
#ifndef DK_SIGNUP_H
#define DK_SIGNUP_H

#include "dk_content.h"
#include "dk_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ==== Limits ====
 * Lengths are counted in characters (Unicode code points), never in bytes, so "Müller" is 6
 * long. Buffers hold up to 4 bytes per character plus the NUL, so any text of the maximum
 * length fits; validation still checks the count, so a caller may pass more. */
#define DK_SIGNUP_NAME_MAX 100            /* [characters] */
#define DK_SIGNUP_EMAIL_MAX 254           /* [characters] the whole address (RFC 5321) */
#define DK_SIGNUP_EMAIL_LOCAL_MAX 64      /* [characters] before the @ (RFC 5321) */
#define DK_SIGNUP_PHONE_MAX 40            /* [characters] as typed, with spaces and signs */
#define DK_SIGNUP_PHONE_DIGITS_MIN 6      /* [digits] */
#define DK_SIGNUP_PHONE_DIGITS_MAX 20     /* [digits] */
#define DK_SIGNUP_MESSAGE_MAX 500         /* [characters] */
#define DK_SIGNUP_GROUPS_MAX 8            /* [groups] one registration may name */
#define DK_SIGNUP_SLUG_MAX DK_LIMIT_SLUG  /* [bytes] a group or district slug */
#define DK_SIGNUP_CONSENT_VERSION_MAX 64  /* [bytes] the consent text's version */

#define DK_SIGNUP_NAME_BYTES (4 * DK_SIGNUP_NAME_MAX + 1)
#define DK_SIGNUP_EMAIL_BYTES (4 * DK_SIGNUP_EMAIL_MAX + 1)
#define DK_SIGNUP_PHONE_BYTES (4 * DK_SIGNUP_PHONE_MAX + 1)
#define DK_SIGNUP_MESSAGE_BYTES (4 * DK_SIGNUP_MESSAGE_MAX + 1)
#define DK_SIGNUP_SLUG_BYTES (DK_SIGNUP_SLUG_MAX + 1)
#define DK_SIGNUP_CONSENT_VERSION_BYTES (DK_SIGNUP_CONSENT_VERSION_MAX + 1)

/* [bytes] the canonical JSON of any valid record fits in this (checked in dk_signup.c). The
 * sealed form adds 48 bytes (crypto_box_SEALBYTES) and stays below the hub's 8 KiB cap. */
#define DK_SIGNUP_JSON_MAX 6144

/* The canonical JSON's format name and schema (docs/protocol.md, "Registration record"). */
#define DK_SIGNUP_FORMAT "district-kiosk-registration"
#define DK_SIGNUP_SCHEMA 1

/* ==== The record ====
 * The form's data and nothing more (DOMAIN.md, data minimisation): who, how to reach them,
 * which groups, and the proof of consent (version and time). Which kiosk sent it is not in the
 * record: the hub knows that from the device token.
 *
 * The struct holds personal data. It is plain memory with fixed buffers so that there is no
 * hidden copy on the heap: whoever fills one wipes it with dk_signup_wipe() on submit, cancel
 * and idle reset. A zeroed struct is an empty form: no consent, no age confirmation, German.
 * Texts are NUL-terminated UTF-8; an empty text means "not given". */
typedef struct dk_signup {
    char name[DK_SIGNUP_NAME_BYTES];
    char email[DK_SIGNUP_EMAIL_BYTES]; /* e-mail or phone or both */
    char phone[DK_SIGNUP_PHONE_BYTES];
    char groups[DK_SIGNUP_GROUPS_MAX][DK_SIGNUP_SLUG_BYTES]; /* slugs of the chosen groups */
    size_t group_count;                                      /* 1 to DK_SIGNUP_GROUPS_MAX */
    char district[DK_SIGNUP_SLUG_BYTES];   /* slug of the district the groups belong to */
    char message[DK_SIGNUP_MESSAGE_BYTES]; /* optional */
    bool age_confirmed; /* "I am at least 16": ticked by the visitor */
    bool consent;       /* the consent box: false until the visitor ticks it */
    /* The version of the consent text shown, from the content: 1 to 64 of [A-Za-z0-9._:+-]. */
    char consent_version[DK_SIGNUP_CONSENT_VERSION_BYTES];
    dk_lang language; /* the language the form was shown in */
    /* [s since 1970, UTC] when the visitor sent it. Use max(now, the sync time floor): a
     * kiosk's clock may be wrong, and validation never refuses a record for its time (only
     * values outside the years 1970 to 9999). */
    int64_t created;
} dk_signup;

/* Overwrites the whole record with zeros in a way the compiler keeps. Accepts NULL. */
void dk_signup_wipe(dk_signup *rec);

/* Removes leading and trailing spaces (U+0020) from name, email, phone and message in place and
 * zeroes the bytes freed at the end. The form calls it before validating, so that a space typed
 * after an address is not an error. Can't fail. */
void dk_signup_trim(dk_signup *rec);

/* ==== Validation ====
 * A problem is a pair (field, code). The UI shows a text for each code beside the field, in the
 * visitor's language; codes are stable, so a test can check that every code has a text in every
 * language (loop up to DK_SIGNUP_CODE_COUNT). */
typedef enum dk_signup_field {
    DK_SIGNUP_FIELD_NAME,
    DK_SIGNUP_FIELD_EMAIL,
    DK_SIGNUP_FIELD_PHONE,
    DK_SIGNUP_FIELD_CONTACT, /* e-mail and phone together: neither was given */
    DK_SIGNUP_FIELD_GROUPS,
    DK_SIGNUP_FIELD_DISTRICT,
    DK_SIGNUP_FIELD_MESSAGE,
    DK_SIGNUP_FIELD_AGE,
    DK_SIGNUP_FIELD_CONSENT,
    DK_SIGNUP_FIELD_CONSENT_VERSION,
    DK_SIGNUP_FIELD_LANGUAGE,
    DK_SIGNUP_FIELD_CREATED,
    DK_SIGNUP_FIELD_COUNT
} dk_signup_field;

typedef enum dk_signup_code {
    /* Any text field (the field says which). Control characters are U+0000-U+001F,
     * U+007F-U+009F (so also tab and line breaks), U+2028, U+2029, and the bidirectional
     * embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069, which can make a
     * list on the hub show text in a different order than it is stored. */
    DK_SIGNUP_TEXT_NOT_UTF8,        /* bytes that are not valid UTF-8 */
    DK_SIGNUP_TEXT_CONTROL,         /* a control character */
    DK_SIGNUP_NAME_EMPTY,           /* no name, or only spaces */
    DK_SIGNUP_NAME_TOO_LONG,        /* more than DK_SIGNUP_NAME_MAX characters */
    DK_SIGNUP_EMAIL_TOO_LONG,       /* more than 254 characters, or more than 64 before the @ */
    DK_SIGNUP_EMAIL_SPACE,          /* a space inside (also no-break and other Unicode spaces) */
    DK_SIGNUP_EMAIL_NO_AT,          /* no @ */
    DK_SIGNUP_EMAIL_NO_DOMAIN_DOT,  /* nothing like "example.de" after the @ */
    DK_SIGNUP_EMAIL_INVALID,        /* anything else: two @, nothing before the @, "..",
                                       a dot at either end, a label starting or ending in '-',
                                       a one-letter ending, one of  " ( ) , : ; < > [ ] \  */
    DK_SIGNUP_PHONE_INVALID,        /* a character other than digits, space, + / - ( ), or a +
                                       that is not the first character */
    DK_SIGNUP_PHONE_TOO_SHORT,      /* fewer than 6 digits */
    DK_SIGNUP_PHONE_TOO_LONG,       /* more than 20 digits, or more than 40 characters */
    DK_SIGNUP_CONTACT_MISSING,      /* neither e-mail nor phone */
    DK_SIGNUP_GROUP_MISSING,        /* no group chosen */
    DK_SIGNUP_GROUP_TOO_MANY,       /* group_count above DK_SIGNUP_GROUPS_MAX */
    DK_SIGNUP_GROUP_INVALID,        /* a group that is not a slug */
    DK_SIGNUP_GROUP_DUPLICATE,      /* the same group twice */
    DK_SIGNUP_DISTRICT_MISSING,     /* no district */
    DK_SIGNUP_DISTRICT_INVALID,     /* a district that is not a slug */
    DK_SIGNUP_MESSAGE_TOO_LONG,     /* more than DK_SIGNUP_MESSAGE_MAX characters */
    DK_SIGNUP_AGE_NOT_CONFIRMED,    /* "I am at least 16" not ticked */
    DK_SIGNUP_CONSENT_MISSING,      /* the consent box not ticked */
    DK_SIGNUP_CONSENT_VERSION_INVALID, /* missing or not 1-64 of [A-Za-z0-9._:+-] */
    DK_SIGNUP_LANGUAGE_INVALID,     /* not one of dk_lang */
    DK_SIGNUP_CREATED_INVALID,      /* before 1970 or after 9999 */
    DK_SIGNUP_CODE_COUNT
} dk_signup_code;

typedef struct dk_signup_problem {
    dk_signup_field field;
    dk_signup_code code;
} dk_signup_problem;

/* At most one problem per field is reported (the first one found in the order of the codes
 * above), so this many always suffice. */
#define DK_SIGNUP_PROBLEMS_MAX DK_SIGNUP_FIELD_COUNT

/* Checks every field of rec and writes the problems found, in field order, to problems.
 * Returns how many (0: the record is valid). Does not check that the groups and the district
 * exist in the content (the form offers only existing ones). Pure; can't fail. */
size_t dk_signup_validate(const dk_signup *rec, dk_signup_problem problems[DK_SIGNUP_PROBLEMS_MAX]);

/* Stable names for tests, logs and the UI's text tables. Codes: the enum name without
 * "DK_SIGNUP_" ("EMAIL_NO_AT"); fields: the record's JSON key ("email"; "contact" for
 * DK_SIGNUP_FIELD_CONTACT, "age_confirmed" for the age box). Static strings; "?" for a value out
 * of range. Neither carries any personal data, so both may be logged. */
const char *dk_signup_code_name(dk_signup_code code);
const char *dk_signup_field_name(dk_signup_field field);

/* ==== Canonical JSON ====
 * The plaintext that the kiosk seals for the hub (docs/protocol.md, "Registration record"): one
 * object, keys in byte order, no white space, texts as UTF-8 with only '"' and '\' escaped,
 * every key always present (an empty text: not given), "created" as "YYYY-MM-DDTHH:MM:SSZ":
 *
 *   {"age_confirmed":true,"consent":true,"consent_version":"v3","created":"2026-11-26T10:00:00Z",
 *    "district":"hoerde","email":"a@example.de","format":"district-kiosk-registration",
 *    "groups":["ag-see"],"language":"de","message":"","name":"Ayşe","phone":"","schema":1}
 *
 * (shown on two lines here; it is one). The same record always gives the same bytes. */

/* Writes the canonical JSON of rec into out (outsz bytes; DK_SIGNUP_JSON_MAX always suffice),
 * NUL-terminated, and its length without the NUL into *len. Fails with DK_ERR_INVALID if rec
 * does not validate (nothing useful is written) and DK_ERR_LIMIT if out is too small. out then
 * holds personal data: the caller wipes it (dk_wipe) as soon as it is sealed. Nothing is
 * allocated, so no copy is left on the heap. */
dk_err dk_signup_to_json(const dk_signup *rec, char *out, size_t outsz, size_t *len)
    DK_MUST_CHECK;

/* The hub's side: parses a record that a kiosk wrote into *out. It accepts only what
 * dk_signup_to_json() writes for a valid record, byte for byte (so unknown keys, another
 * format or schema, white space, duplicate keys, other escapes and invalid fields are all
 * DK_ERR_INVALID); the detail names the field or key, never its value. On failure *out is
 * wiped. Uses jansson, whose freed memory is not wiped: meant for the hub, where records are
 * opened on purpose, not for the kiosk. */
dk_err dk_signup_from_json(const char *json, size_t len, dk_signup *out) DK_MUST_CHECK;

/* ==== Masked forms for the confirmation screen ====
 * The visitor sees enough to recognise their entry, a passer-by learns little. The number of
 * stars is fixed, so the length of what was typed does not show. out gets the masked text
 * (always NUL-terminated when outsz > 0; DK_SIGNUP_MASK_MAX always suffices); an empty input
 * gives "". The first letter kept is one whole character, never part of one. Can't fail.
 *
 *   name:  the first character and four stars       "Ayşe Yılmaz"          -> "A****"
 *   email: first character of the local part, four stars, @, first character of the domain,
 *          four stars, and the domain's last label  "anna.mueller@example.de" -> "a****@e****.de"
 *   phone: a leading + and the next two digits (country code), "*** ***", and the last two
 *          digits                                   "+49 231 1234512"      -> "+49 *** *** 12"
 *                                                   "0231 123456"          -> "*** *** 56"
 * A malformed address or number still gives a masked text (every character not described
 * above is hidden), so the function is safe on any input. */
#define DK_SIGNUP_MASK_MAX 96
void dk_signup_mask_name(const char *name, char *out, size_t outsz);
void dk_signup_mask_email(const char *email, char *out, size_t outsz);
void dk_signup_mask_phone(const char *phone, char *out, size_t outsz);

#endif
