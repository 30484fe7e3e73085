/* dk_content.h: the content model's vocabulary: languages, statuses, group kinds, limits. */
#ifndef DK_CONTENT_H
#define DK_CONTENT_H

#include "dk_error.h"

/* Version of the content document's schema (docs/content-model.md). A kiosk refuses a content
 * document with a schema it does not know. */
#define DK_CONTENT_SCHEMA 1
#define DK_CONTENT_FORMAT "district-kiosk-content"
#define DK_MANIFEST_FORMAT "district-kiosk-manifest"
#define DK_MANIFEST_SCHEMA 1

/* German is required and the fallback for every text; English and Turkish are optional. */
typedef enum dk_lang { DK_LANG_DE, DK_LANG_EN, DK_LANG_TR, DK_LANG_COUNT } dk_lang;

const char *dk_lang_code(dk_lang lang);        /* "de", "en", "tr" */
const char *dk_lang_native_name(dk_lang lang); /* "Deutsch", "English", "Türkçe" */

/* 1 if s is a slug: 1 to DK_LIMIT_SLUG bytes of a-z, 0-9 and single '-' not at either end (at
 * most DK_LIMIT_SLUG + 1 bytes of s are read). Slugs name entities and appear in file names. */
int dk_slug_valid(const char *s);
dk_err dk_lang_parse(const char *code, dk_lang *out) DK_MUST_CHECK;

typedef enum dk_project_status {
    DK_STATUS_PLANNED,
    DK_STATUS_RUNNING,
    DK_STATUS_COMPLETED,
    DK_STATUS_COUNT
} dk_project_status;

const char *dk_status_code(dk_project_status s); /* "planned", "running", "completed" */
dk_err dk_status_parse(const char *code, dk_project_status *out) DK_MUST_CHECK;

typedef enum dk_group_kind {
    DK_GROUP_STEERING,  /* Lenkungsgremium */
    DK_GROUP_MARKETING, /* Marketinggruppe */
    DK_GROUP_PROJECT,   /* Projektgruppe */
    DK_GROUP_WORKING,   /* Arbeitsgruppe / Arbeitskreis */
    DK_GROUP_KIND_COUNT
} dk_group_kind;

/* "steering_committee", "marketing_group", "project_group", "working_group" */
const char *dk_group_kind_code(dk_group_kind k);
dk_err dk_group_kind_parse(const char *code, dk_group_kind *out) DK_MUST_CHECK;

/* Limits on authored content. Everything read from content/ or a bundle is checked against
 * these; they are generous for real content and small enough to keep a kiosk safe. */
#define DK_LIMIT_JSON_FILE (64 * 1024)             /* [bytes] one authored JSON file */
#define DK_LIMIT_DATES_FILE (1024 * 1024)          /* [bytes] one district's dates file */
#define DK_LIMIT_MARKDOWN (32 * 1024)              /* [bytes] one Markdown body */
#define DK_LIMIT_IMAGE_FILE (8 * 1024 * 1024)      /* [bytes] one image file */
#define DK_LIMIT_IMAGE_SIDE 4096                   /* [px] width or height */
#define DK_LIMIT_IMAGE_PIXELS (4096L * 4096L)      /* [px] width x height, against bombs */
#define DK_LIMIT_CONTENT_DOC (256L * 1024 * 1024)  /* [bytes] the content document */
#define DK_LIMIT_MANIFEST (16L * 1024 * 1024)      /* [bytes] a manifest */
#define DK_LIMIT_BUNDLE_MEDIA (4LL << 30)          /* [bytes] all media of one bundle */
#define DK_LIMIT_DISTRICTS 64                      /* [entities] */
#define DK_LIMIT_PROJECTS 20000                    /* [entities] */
#define DK_LIMIT_GROUPS 5000                       /* [entities] */
#define DK_LIMIT_DATES 50000                       /* [entities] */
#define DK_LIMIT_PAGES 32                          /* [entities] */
#define DK_LIMIT_GALLERY 12                        /* [images] per district */
#define DK_LIMIT_LINKS 32                          /* [slugs] linked groups per project */
#define DK_LIMIT_SLUG 64                           /* [bytes] */

#endif
