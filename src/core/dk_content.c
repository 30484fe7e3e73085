/* dk_content.c: names of languages, statuses and group kinds, and their parsers. */
#include "dk_content.h"

#include <string.h>

static const char *const lang_codes[DK_LANG_COUNT] = {"de", "en", "tr"};
static const char *const lang_names[DK_LANG_COUNT] = {"Deutsch", "English", "Türkçe"};
static const char *const status_codes[DK_STATUS_COUNT] = {"planned", "running", "completed"};
static const char *const kind_codes[DK_GROUP_KIND_COUNT] = {
    "steering_committee", "marketing_group", "project_group", "working_group"};

static int lookup(const char *const *table, int n, const char *code)
{
    for (int i = 0; code && i < n; i++)
        if (strcmp(table[i], code) == 0)
            return i;
    return -1;
}

int dk_slug_valid(const char *s)
{
    size_t n = strnlen(s, DK_LIMIT_SLUG + 1);
    if (n == 0 || n > DK_LIMIT_SLUG || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' && s[i + 1] == '-')
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

const char *dk_lang_code(dk_lang lang)
{
    return (unsigned)lang < DK_LANG_COUNT ? lang_codes[lang] : "de";
}

const char *dk_lang_native_name(dk_lang lang)
{
    return (unsigned)lang < DK_LANG_COUNT ? lang_names[lang] : lang_names[0];
}

dk_err dk_lang_parse(const char *code, dk_lang *out)
{
    int i = lookup(lang_codes, DK_LANG_COUNT, code);
    if (i < 0)
        return dk_error_set(DK_ERR_INVALID, "unknown language '%s' (use de, en or tr)",
                            code ? code : "");
    *out = (dk_lang)i;
    return DK_OK;
}

const char *dk_status_code(dk_project_status s)
{
    return (unsigned)s < DK_STATUS_COUNT ? status_codes[s] : "planned";
}

dk_err dk_status_parse(const char *code, dk_project_status *out)
{
    int i = lookup(status_codes, DK_STATUS_COUNT, code);
    if (i < 0)
        return dk_error_set(DK_ERR_INVALID,
                            "unknown status '%s' (use planned, running or completed)",
                            code ? code : "");
    *out = (dk_project_status)i;
    return DK_OK;
}

const char *dk_group_kind_code(dk_group_kind k)
{
    return (unsigned)k < DK_GROUP_KIND_COUNT ? kind_codes[k] : "working_group";
}

dk_err dk_group_kind_parse(const char *code, dk_group_kind *out)
{
    int i = lookup(kind_codes, DK_GROUP_KIND_COUNT, code);
    if (i < 0)
        return dk_error_set(DK_ERR_INVALID,
                            "unknown group kind '%s' (use steering_committee, marketing_group, "
                            "project_group or working_group)",
                            code ? code : "");
    *out = (dk_group_kind)i;
    return DK_OK;
}
