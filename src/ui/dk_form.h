/* dk_form.h: the volunteer sign-up screen's content: the form (groups, name, e-mail, phone,
 * message, age, consent with the first layer of privacy information), its on-screen keyboard,
 * the full privacy notice one tap away, and the confirmation with the data masked. */
#ifndef DK_FORM_H
#define DK_FORM_H

#include "dk_keyboard.h"
#include "dk_signup.h"
#include "dk_ui.h"

#include <stddef.h>
#include <stdint.h>

/* How it fits in (DOMAIN.md, privacy):
 * - What the visitor types lives only in the dk_form (one dk_signup with fixed buffers, on the
 *   heap block dk_form_new() returns) and in the frame's draw commands. dk_form_wipe() zeroes
 *   all of it; the app calls it on cancel, back, home and idle reset, and the form wipes itself
 *   after a successful submit (keeping only the masked texts for the confirmation, which
 *   dk_form_wipe() and leaving the confirmation remove).
 * - The form does not know where a registration goes: the caller passes a submit function
 *   (the kiosk's seals and commits it to the outbox). "Thank you" appears only after it
 *   returned DK_OK; on any error the form stays as it was, with a message in the visitor's
 *   language, so that nothing typed is lost.
 * - The form never pre-ticks the consent or age boxes; the groups the visitor came from are
 *   preselected (dk_form_start()). */

/* Stores one registration; returns DK_OK only once it is durably stored. rec is borrowed for
 * the call: the function must not keep it (it is wiped right after). */
typedef dk_err (*dk_form_submit_fn)(void *ctx, const dk_signup *rec);

/* A group the visitor may choose, and a district (when the form has none yet). Borrowed. */
typedef struct dk_form_group {
    const char *slug, *name;
} dk_form_group;

typedef struct dk_form_district {
    const char *slug, *name;
} dk_form_district;

/* What the form shows this frame, in the visitor's language; all borrowed for the call. */
typedef struct dk_form_view {
    dk_lang lang;
    const char *district_name;         /* the form's district, NULL or "" if unknown */
    const dk_form_district *districts; /* to choose from while the form has no district */
    size_t ndistricts;
    const dk_form_group *groups; /* the district's groups that take new members */
    size_t ngroups;
    const char *consent_title; /* the "consent" page in lang: the first layer */
    const char *consent_body_md;
    const char *privacy_title; /* the "privacy" page in lang: the full notice */
    const char *privacy_body_md;
    int64_t now;              /* [s since 1970, UTC] the record's time */
    dk_form_submit_fn submit; /* NULL: sending fails with a message */
    void *submit_ctx;
} dk_form_view;

typedef enum dk_form_event {
    DK_FORM_NONE,
    DK_FORM_CANCEL,   /* "cancel" was tapped: the form is wiped; the caller leaves the screen */
    DK_FORM_SENT,     /* stored: the record is wiped, the confirmation shows from now on */
    DK_FORM_FINISHED, /* "done" on the confirmation: everything is wiped; leave the screen */
    DK_FORM_DISTRICT  /* a district was chosen (dk_form_district_slug()): give its groups next */
} dk_form_event;

typedef struct dk_form dk_form;

/* An empty form (no district, no groups). NULL on out of memory. Free with dk_form_free(),
 * which wipes it first; accepts NULL. */
dk_form *dk_form_new(void);
void dk_form_free(dk_form *f);

/* Wipes everything and starts a form for district (a slug; NULL or "" lets the visitor choose
 * one) with the given groups preselected (slugs, at most DK_SIGNUP_GROUPS_MAX are taken; the
 * strings are copied). Can't fail. */
void dk_form_start(dk_form *f, const char *district, const char *const *groups, size_t ngroups);

/* Overwrites everything the visitor typed, chose or was shown (record, cursors, masked texts)
 * with zeros: an empty form without a district. Can't fail. */
void dk_form_wipe(dk_form *f);

/* One frame of the screen in area (between the header and the bottom bar): a scroll area
 * "scroll:signup" with the form or the confirmation, and while a field has the focus the
 * keyboard at the bottom of area, where it is easiest to reach. Element names: "field:name",
 * "field:email", "field:phone", "field:message" (DK_EL_INPUT labelled with the text),
 * "signup-group:<slug>", "signup:age", "signup:consent" (toggles, DK_EL_CHECKED when ticked),
 * "signup:privacy" and "signup:privacy-close", "signup:send", "signup:cancel",
 * "error:<field>" (the problem beside a field, dk_signup_field_name()), "signup:banner",
 * "signup-district:<slug>", "signup:done", "signup:thanks"; the keys as in dk_keyboard.h. */
dk_form_event dk_form_frame(dk_form *f, dk_ui *ui, dk_rect area, const dk_form_view *v);

/* The district slug ("" while none), whether the confirmation is showing, the field that has the
 * keyboard (-1 none; 0 name, 1 e-mail, 2 phone, 3 message). */
const char *dk_form_district_slug(const dk_form *f);
int dk_form_confirming(const dk_form *f);
int dk_form_focus(const dk_form *f);

/* For tests: the record being edited (borrowed, valid while f lives), and 1 if every byte that
 * held personal data (the record and the masked confirmation) is zero. */
const dk_signup *dk_form_record(const dk_form *f);
int dk_form_is_wiped(const dk_form *f);

/* The consent text's version as the record stores it: the first 16 hex digits of the SHA-256 of
 * title + "\n" + body (docs/content-model.md). out gets "" when the text is missing. */
void dk_form_consent_version(const char *title, const char *body,
                             char out[DK_SIGNUP_CONSENT_VERSION_BYTES]);

#endif
