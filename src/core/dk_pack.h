/* dk_pack.h: validates the authored content in content/ and writes a bundle from it. */
#ifndef DK_PACK_H
#define DK_PACK_H

#include "dk_buf.h"
#include "dk_error.h"

/* Problems found in authored content, one line each: "FILE: FIELD: what is wrong".
 * Initialise with dk_problems_init(); free with dk_problems_free(). */
typedef struct dk_problems {
    dk_buf text;  /* every problem, one per line, in the order found */
    int errors;   /* lines that stop packing */
    int warnings; /* lines that do not (e.g. an image nobody uses) */
} dk_problems;

#define DK_PROBLEMS_MAX 500 /* [lines] after this, one line says how many more there were */

void dk_problems_init(dk_problems *p);
void dk_problems_free(dk_problems *p);

typedef struct dk_pack_options {
    long long version;  /* release number written into the manifest (0: never published) */
    const char *issued; /* RFC 3339 UTC time for the manifest, or NULL to leave it out */
} dk_pack_options;

typedef struct dk_pack_summary {
    int districts, projects, groups, dates, pages, media;
    unsigned long long content_bytes, media_bytes;
    char content_hash[65];
} dk_pack_summary;

/* Validates everything under content_dir and, if there is no error, writes the bundle to out_dir
 * (created if missing; objects are content-addressed, the manifest is written last and
 * atomically, objects no longer listed are removed afterwards). With out_dir NULL it only
 * validates. Every problem is appended to problems (all of them, not just the first); when there
 * is any error nothing at all is written and DK_ERR_INVALID is returned. Other codes report
 * I/O failures while writing. summary may be NULL. The same content always gives byte-identical
 * files. */
dk_err dk_pack(const char *content_dir, const char *out_dir, const dk_pack_options *opt,
               dk_problems *problems, dk_pack_summary *summary) DK_MUST_CHECK;

#endif
