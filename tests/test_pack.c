/* test_pack.c: the packer: validation rules (one bad input each), all problems at once,
 * nothing written on error, determinism, and the bundled Dortmund content. */
#include "dk_test.h"

#include "dk_bundle.h"
#include "dk_content.h"
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_pack.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Packs content into a new folder OUT below a fresh temp dir; returns the problems text. */
typedef struct packed {
    dk_err err;
    char *problems;
    int errors;
    char *tmp; /* parent of out */
    char out[4096];
} packed;

static packed pack_into_new(const char *content)
{
    packed p = {0};
    p.tmp = dkt_mkdtemp("out");
    snprintf(p.out, sizeof p.out, "%s/bundle", p.tmp);
    dk_problems pr;
    dk_problems_init(&pr);
    p.err = dk_pack(content, p.out, NULL, &pr, NULL);
    p.problems = strdup(pr.text.data ? pr.text.data : "");
    p.errors = pr.errors;
    dk_problems_free(&pr);
    return p;
}

static void packed_free(packed *p)
{
    free(p->problems);
    dkt_rmdir(p->tmp);
}

static void test_valid_content_packs_into_a_complete_bundle(void **state)
{
    char *content = dkt_make_content();
    packed p = pack_into_new(content);
    assert_string_equal(p.problems, "");
    assert_int_equal(p.err, DK_OK);
    dk_manifest *m = NULL;
    assert_int_equal(dk_bundle_load(p.out, &m), DK_OK);
    assert_int_equal(m->count, 2); /* the content document and the hero */
    assert_int_equal(m->objects[0].role, DK_ROLE_CONTENT);
    assert_string_equal(m->objects[1].mime, "image/png");
    assert_int_equal(m->version, 0);
    assert_string_equal(m->issued, "");

    char rel[128];
    snprintf(rel, sizeof rel, "objects/%s", m->objects[0].hash);
    size_t len = 0;
    char *doc = dkt_read(p.out, rel, &len);
    assert_non_null(doc);
    json_error_t jerr;
    json_t *root = json_loadb(doc, len, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "format")), DK_CONTENT_FORMAT);
    json_t *d = json_array_get(json_object_get(root, "districts"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "slug")), "hoerde");
    assert_string_equal(json_string_value(json_object_get(d, "color")), "#1f6f8b");
    json_t *hero = json_object_get(d, "hero");
    assert_int_equal(json_integer_value(json_object_get(hero, "width")), 2);
    assert_string_equal(json_string_value(json_object_get(hero, "hash")), m->objects[1].hash);
    const char *profile =
        json_string_value(json_object_get(json_object_get(d, "profile"), "de"));
    assert_string_equal(profile, "# Hörde\n\nText über die Straße.");
    json_t *date = json_array_get(json_object_get(root, "dates"), 0);
    assert_string_equal(json_string_value(json_object_get(date, "district")), "hoerde");
    json_decref(root);
    free(doc);
    dk_manifest_free(m);
    packed_free(&p);
    dkt_rmdir(content);
}

static void test_packing_twice_gives_identical_bytes(void **state)
{
    char *content = dkt_make_content();
    packed a = pack_into_new(content), b = pack_into_new(content);
    assert_int_equal(a.err, DK_OK);
    assert_int_equal(b.err, DK_OK);
    size_t la, lb;
    char *ma = dkt_read(a.out, "manifest.json", &la), *mb = dkt_read(b.out, "manifest.json", &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ma, mb, la);
    assert_int_equal(dkt_count_files(a.out), dkt_count_files(b.out));
    /* Packing again into the same folder changes nothing either. */
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(content, a.out, NULL, &pr, NULL), DK_OK);
    dk_problems_free(&pr);
    size_t lc;
    char *mc = dkt_read(a.out, "manifest.json", &lc);
    assert_int_equal(lc, la);
    assert_memory_equal(mc, ma, la);
    free(ma);
    free(mb);
    free(mc);
    packed_free(&a);
    packed_free(&b);
    dkt_rmdir(content);
}

static void test_version_and_issued_reach_the_manifest(void **state)
{
    char *content = dkt_make_content();
    char *tmp = dkt_mkdtemp("out");
    char out[4096];
    snprintf(out, sizeof out, "%s/b", tmp);
    dk_pack_options opt = {7, "2026-11-26T10:00:00Z"};
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(content, out, &opt, &pr, NULL), DK_OK);
    dk_problems_free(&pr);
    dk_manifest *m = NULL;
    assert_int_equal(dk_bundle_load(out, &m), DK_OK);
    assert_int_equal(m->version, 7);
    assert_string_equal(m->issued, "2026-11-26T10:00:00Z");
    dk_manifest_free(m);
    dkt_rmdir(tmp);
    dkt_rmdir(content);
}

static void test_objects_no_longer_listed_are_removed(void **state)
{
    char *content = dkt_make_content();
    packed p = pack_into_new(content);
    assert_int_equal(p.err, DK_OK);
    int before = dkt_count_files(p.out);
    dkt_write(content, "districts/hoerde/profile.de.md", "Neuer Text.");
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(content, p.out, NULL, &pr, NULL), DK_OK);
    dk_problems_free(&pr);
    assert_int_equal(dkt_count_files(p.out), before);
    dk_manifest *m = NULL;
    assert_int_equal(dk_bundle_load(p.out, &m), DK_OK);
    dk_manifest_free(m);
    packed_free(&p);
    dkt_rmdir(content);
}

static void test_refuses_to_write_into_a_folder_that_is_not_a_bundle(void **state)
{
    char *content = dkt_make_content();
    char *tmp = dkt_mkdtemp("out");
    dkt_write(tmp, "important.txt", "keep me");
    dk_problems pr;
    dk_problems_init(&pr);
    assert_int_equal(dk_pack(content, tmp, NULL, &pr, NULL), DK_ERR_EXISTS);
    dk_problems_free(&pr);
    assert_int_equal(dkt_count_files(tmp), 1);
    dkt_rmdir(tmp);
    dkt_rmdir(content);
}

/* One rule: change one file, expect one problem naming file and field, and nothing written. */
typedef struct rule_case {
    const char *name;
    const char *file;     /* relative to the content folder */
    const char *text;     /* its new content, or NULL to delete it */
    const char *expect_file;  /* substring the problem must contain: the file */
    const char *expect_field; /* ... the field (NULL: no field) */
    const char *expect_what;  /* ... and what is wrong */
} rule_case;

#define DISTRICT "districts/hoerde/district.json"
#define PROJECT "projects/hoerde-lichterfest/project.json"
#define GROUP "groups/hoerde-ag-see/group.json"

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static void check_rule(const rule_case *rc)
{
    char *content = dkt_make_content();
    if (rc->text) {
        dkt_write(content, rc->file, rc->text);
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", content, rc->file);
        assert_int_equal(dk_fs_remove_tree(path), DK_OK);
    }
    packed p = pack_into_new(content);
    if (p.err != DK_ERR_INVALID || !strstr(p.problems, rc->expect_file) ||
        (rc->expect_field && !strstr(p.problems, rc->expect_field)) ||
        !strstr(p.problems, rc->expect_what)) {
        print_error("rule '%s': err %d, problems:\n%s", rc->name, p.err, p.problems);
        fail();
    }
    assert_true(p.errors >= 1);
    assert_false(dk_fs_exists(p.out)); /* nothing written */
    packed_free(&p);
    dkt_rmdir(content);
}

static void test_each_rule_names_file_and_field_and_writes_nothing(void **state)
{
    char *unknown = replace(dkt_district_json, "\"color\"", "\"colour\": \"#000000\", \"color\"");
    char *no_de = replace(dkt_district_json, "{\"de\": \"Am Phoenix-See.\", ", "{");
    char *bad_lang = replace(dkt_district_json, "\"en\": \"On", "\"fr\": \"On");
    char *no_color = replace(dkt_district_json, "\"color\": \"#1F6F8B\",", "");
    char *bad_color = replace(dkt_district_json, "#1F6F8B", "blue");
    char *bad_area = replace(dkt_district_json, "29.79", "-3");
    char *bad_year = replace(dkt_district_json, "2021", "\"2021\"");
    char *no_image = replace(dkt_district_json, "hero.png", "missing.png");
    char *bad_imgname = replace(dkt_district_json, "hero.png", "../hero.png");
    char *long_name = replace(dkt_district_json, "\"Hörde\", \"en\"",
                              "\"Hördeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\", \"en\"");
    char *ctl = replace(dkt_district_json, "Am Phoenix-See.", "Am\\u0007See");
    char *no_alt = replace(dkt_district_json, ", \"alt\": {\"de\": \"Grafik\"}", "");
    char *bad_status = replace(dkt_project_json, "running", "active");
    char *bad_date = replace(dkt_project_json, "2026-05-01", "2026-02-30");
    char *end_before = replace(dkt_project_json, "2026-12-31", "2026-01-01");
    char *bad_district = replace(dkt_project_json, "\"district\": \"hoerde\"", "\"district\": \"hoerd\"");
    char *bad_group = replace(dkt_project_json, "[\"hoerde-ag-see\"]", "[\"hoerde-ag-sea\"]");
    char *no_contact = replace(dkt_project_json, "\"phone\": \"+49 231 0\"", "\"fax\": \"1\"");
    char *bad_email = replace(dkt_group_json, "ag@example.org", "ag-at-example");
    char *bad_kind = replace(dkt_group_json, "working_group", "club");
    char *bad_open = replace(dkt_group_json, "\"open\": true", "\"open\": \"yes\"");
    char *bad_time = replace(dkt_dates_json, "2026-12-03T18:00", "2026-12-03 18:00");
    char *bad_date_ref = replace(dkt_dates_json, "\"project\": \"hoerde-lichterfest\"",
                                 "\"project\": \"nowhere\"");
    char *dup_id = replace(dkt_dates_json, "]}", ", {\"id\": \"hoerde-treffen\", \"title\": {\"de\": \"B\"},"
                                             " \"start\": \"2026-12-04T18:00\", \"place\": {\"de\": \"R\"}}]}");
    char *md_in_json = replace(dkt_project_json, "\"example\": true", "\"body\": {\"de\": \"x\"}");
    const rule_case cases[] = {
        {"unknown field", DISTRICT, unknown, DISTRICT, "colour", "unknown field"},
        {"German missing", DISTRICT, no_de, DISTRICT, "short", "German"},
        {"unknown language", DISTRICT, bad_lang, DISTRICT, "short.fr", "unknown language"},
        {"required field missing", DISTRICT, no_color, DISTRICT, "color", "missing"},
        {"bad colour", DISTRICT, bad_color, DISTRICT, "color", "colour"},
        {"area out of range", DISTRICT, bad_area, DISTRICT, "area_km2", "between"},
        {"year of wrong type", DISTRICT, bad_year, DISTRICT, "residents", "year"},
        {"image file missing", DISTRICT, no_image, DISTRICT, "hero.file", "not found"},
        {"image name escapes folder", DISTRICT, bad_imgname, DISTRICT, "hero.file", "not a valid image name"},
        {"text too long", DISTRICT, long_name, DISTRICT, "name.de", "at most 80"},
        {"control character", DISTRICT, ctl, DISTRICT, "short.de", "control character"},
        {"image without alt text", DISTRICT, no_alt, DISTRICT, "hero.alt", "text alternative"},
        {"JSON syntax error", DISTRICT, "{\"name\": ", DISTRICT, NULL, "line 1"},
        {"unknown status", PROJECT, bad_status, PROJECT, "status", "unknown status 'active'"},
        {"impossible date", PROJECT, bad_date, PROJECT, "start", "date like"},
        {"end before start", PROJECT, end_before, PROJECT, "end", "before 'start'"},
        {"missing district", PROJECT, bad_district, PROJECT, "district", "no district 'hoerd'"},
        {"missing group", PROJECT, bad_group, PROJECT, "groups[0]", "no group 'hoerde-ag-sea'"},
        {"contact without channel", PROJECT, no_contact, PROJECT, "contact.fax", "unknown field"},
        {"markdown field in JSON", PROJECT, md_in_json, PROJECT, "body", "body.de.md"},
        {"bad e-mail", GROUP, bad_email, GROUP, "contact.email", "e-mail"},
        {"unknown group kind", GROUP, bad_kind, GROUP, "kind", "unknown group kind"},
        {"boolean of wrong type", GROUP, bad_open, GROUP, "open", "true or false"},
        {"bad datetime", "dates/hoerde.json", bad_time, "dates[0]", "start", "date and time"},
        {"date links a missing project", "dates/hoerde.json", bad_date_ref, "dates[0]", "project", "no project"},
        {"duplicate date id", "dates/hoerde.json", dup_id, "dates[1]", "id", "used twice"},
        {"dates of an unknown district", "dates/nowhere.json", "{\"dates\": []}", "nowhere.json", NULL, "no district"},
        {"German body missing", "districts/hoerde/profile.de.md", NULL, "profile.de.md", NULL, "German"},
        {"body in unknown language", "districts/hoerde/profile.fr.md", "Texte", "profile.fr.md", NULL, "unexpected file"},
        {"empty body", "projects/hoerde-lichterfest/body.de.md", "\n\n", "body.de.md", NULL, "empty"},
        {"required page missing", "pages/privacy", NULL, "pages/privacy", NULL, "required"},
        {"bad folder name", "groups/Bad_Name/group.json", dkt_group_json, "Bad_Name", NULL, "not a valid slug"},
        {"entity file missing", GROUP, NULL, GROUP, NULL, "missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_rule(&cases[i]);
    char *all[] = {unknown, no_de, bad_lang, no_color, bad_color, bad_area, bad_year, no_image,
                   bad_imgname, long_name, ctl, no_alt, bad_status, bad_date, end_before,
                   bad_district, bad_group, no_contact, bad_email, bad_kind, bad_open, bad_time,
                   bad_date_ref, dup_id, md_in_json};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

static void test_decompression_bomb_and_fake_images_are_refused(void **state)
{
    const unsigned char *imgs[] = {dkt_png_bomb, (const unsigned char *)"GIF89a not ours"};
    size_t lens[] = {sizeof dkt_png_bomb, 15};
    const char *what[] = {"pixels", "not a usable image"};
    for (int i = 0; i < 2; i++) {
        char *content = dkt_make_content();
        dkt_write_bytes(content, "districts/hoerde/hero.png", imgs[i], lens[i]);
        packed p = pack_into_new(content);
        assert_int_equal(p.err, DK_ERR_INVALID);
        assert_non_null(strstr(p.problems, "district.json: field 'hero.file'"));
        assert_non_null(strstr(p.problems, what[i]));
        assert_false(dk_fs_exists(p.out));
        packed_free(&p);
        dkt_rmdir(content);
    }
}

static void test_oversized_files_are_refused(void **state)
{
    char *content = dkt_make_content();
    size_t big = DK_LIMIT_JSON_FILE + 10;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, ' ', big);
    text[big] = '\0';
    dkt_write(content, GROUP, text);
    free(text);
    packed p = pack_into_new(content);
    assert_int_equal(p.err, DK_ERR_INVALID);
    assert_non_null(strstr(p.problems, "group.json: larger than the limit"));
    packed_free(&p);
    dkt_rmdir(content);
}

static void test_all_problems_are_reported_at_once(void **state)
{
    char *content = dkt_make_content();
    char *a = replace(dkt_project_json, "running", "active");
    char *b = replace(dkt_group_json, "working_group", "club");
    dkt_write(content, PROJECT, a);
    dkt_write(content, GROUP, b);
    dkt_write(content, "districts/hoerde/profile.fr.md", "x");
    packed p = pack_into_new(content);
    assert_int_equal(p.err, DK_ERR_INVALID);
    assert_non_null(strstr(p.problems, "'status'"));
    assert_non_null(strstr(p.problems, "'kind'"));
    assert_non_null(strstr(p.problems, "profile.fr.md"));
    assert_true(p.errors >= 3);
    packed_free(&p);
    free(a);
    free(b);
    dkt_rmdir(content);
}

static void test_unused_image_is_a_warning_only(void **state)
{
    char *content = dkt_make_content();
    dkt_write_bytes(content, "districts/hoerde/old.png", dkt_png_2x1, sizeof dkt_png_2x1);
    packed p = pack_into_new(content);
    assert_int_equal(p.err, DK_OK);
    assert_non_null(strstr(p.problems, "old.png: warning: image not used"));
    packed_free(&p);
    dkt_rmdir(content);
}

/* The bundled Dortmund content: all twelve districts, German and English everywhere. */
static void require_en(json_t *v, const char *where)
{
    if (json_is_object(v) && json_object_get(v, "de")) {
        if (!json_object_get(v, "en")) {
            print_error("no English text at %s\n", where);
            fail();
        }
        return;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c) {
            if (strcmp(k, "hash") == 0)
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s.%s", where, k);
            require_en(c, sub);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
            require_en(c, sub);
        }
    }
}

static void test_bundled_content_has_twelve_districts_in_german_and_english(void **state)
{
    packed p = pack_into_new(dkt_source_path("content"));
    if (p.err != DK_OK)
        print_error("%s\n", p.problems);
    assert_int_equal(p.err, DK_OK);
    dk_manifest *m = NULL;
    assert_int_equal(dk_bundle_load(p.out, &m), DK_OK);
    char rel[128];
    snprintf(rel, sizeof rel, "objects/%s", dk_manifest_content(m)->hash);
    size_t len;
    char *doc = dkt_read(p.out, rel, &len);
    json_t *root = json_loadb(doc, len, 0, NULL);
    assert_non_null(root);
    json_t *districts = json_object_get(root, "districts");
    assert_int_equal(json_array_size(districts), 12);
    static const char *const slugs[] = {"aplerbeck", "brackel", "eving", "hoerde", "hombruch",
                                        "huckarde", "innenstadt-nord", "innenstadt-ost",
                                        "innenstadt-west", "luetgendortmund", "mengede",
                                        "scharnhorst"};
    for (size_t i = 0; i < 12; i++) {
        json_t *d = json_array_get(districts, i);
        assert_string_equal(json_string_value(json_object_get(d, "slug")), slugs[i]);
        json_t *hero = json_object_get(d, "hero");
        assert_true(json_integer_value(json_object_get(hero, "width")) >= 1280);
    }
    /* Every district has projects and groups. */
    for (size_t i = 0; i < 12; i++) {
        int projects = 0, groups = 0;
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(root, "projects"), k, e)
            projects += strcmp(json_string_value(json_object_get(e, "district")), slugs[i]) == 0;
        json_array_foreach(json_object_get(root, "groups"), k, e)
            groups += strcmp(json_string_value(json_object_get(e, "district")), slugs[i]) == 0;
        assert_in_range(projects, 2, 4);
        assert_in_range(groups, 2, 4);
    }
    require_en(root, "content");
    int mimes[3] = {0, 0, 0};
    for (size_t i = 0; i < m->count; i++) {
        mimes[0] += strcmp(m->objects[i].mime, "image/jpeg") == 0;
        mimes[1] += strcmp(m->objects[i].mime, "image/png") == 0;
        mimes[2] += strcmp(m->objects[i].mime, "image/webp") == 0;
    }
    assert_true(mimes[0] > 0 && mimes[1] > 0 && mimes[2] > 0);
    json_decref(root);
    free(doc);
    dk_manifest_free(m);
    packed_free(&p);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_content_packs_into_a_complete_bundle),
        cmocka_unit_test(test_packing_twice_gives_identical_bytes),
        cmocka_unit_test(test_version_and_issued_reach_the_manifest),
        cmocka_unit_test(test_objects_no_longer_listed_are_removed),
        cmocka_unit_test(test_refuses_to_write_into_a_folder_that_is_not_a_bundle),
        cmocka_unit_test(test_each_rule_names_file_and_field_and_writes_nothing),
        cmocka_unit_test(test_decompression_bomb_and_fake_images_are_refused),
        cmocka_unit_test(test_oversized_files_are_refused),
        cmocka_unit_test(test_all_problems_are_reported_at_once),
        cmocka_unit_test(test_unused_image_is_a_warning_only),
        cmocka_unit_test(test_bundled_content_has_twelve_districts_in_german_and_english),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
