/* dk_test_content.c: a small, complete, valid content tree for tests of the packer and store. */
#include "dk_test.h"

/* A 2x1 PNG header (the packer reads headers only) and a header claiming a huge size. */
const unsigned char dkt_png_2x1[33] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                        13,   'I',  'H',  'D',  'R',  0,    0,    0,    2, 0, 0,
                                        0,    1,    8,    2,    0,    0,    0,    0,    0, 0, 0};
const unsigned char dkt_png_bomb[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
                                         13,   'I', 'H', 'D', 'R',  0,    1,    0x86, 0xa0, 0, 1,
                                         0x86, 0xa0, 8, 2, 0, 0, 0, 0, 0, 0, 0};

const char *const dkt_district_json =
    "{\"name\": {\"de\": \"Hörde\", \"en\": \"Hörde\"}, \"color\": \"#1F6F8B\","
    " \"area_km2\": 29.79, \"residents\": {\"count\": 56547, \"year\": 2021},"
    " \"short\": {\"de\": \"Am Phoenix-See.\", \"en\": \"On Lake Phoenix.\"},"
    " \"hero\": {\"file\": \"hero.png\", \"alt\": {\"de\": \"Grafik\"}},"
    " \"office\": {\"name\": {\"de\": \"Bezirksverwaltungsstelle\"}, \"address\": {\"de\": \"Hörde\"},"
    "  \"hours\": {\"de\": \"Mo–Fr\"}},"
    " \"steering\": {\"de\": \"Das Lenkungsgremium.\"}}";

const char *const dkt_group_json =
    "{\"district\": \"hoerde\", \"kind\": \"working_group\", \"name\": {\"de\": \"AG See\"},"
    " \"purpose\": {\"de\": \"Plant Feste.\"}, \"rhythm\": {\"de\": \"monatlich\"},"
    " \"place\": {\"de\": \"Rathaus\"}, \"contact\": {\"role\": {\"de\": \"Geschäftsstelle\"},"
    " \"email\": \"ag@example.org\"}, \"open\": true, \"join\": {\"de\": \"Kommen Sie vorbei.\"},"
    " \"example\": true}";

const char *const dkt_project_json =
    "{\"district\": \"hoerde\", \"title\": {\"de\": \"Lichterfest\"},"
    " \"summary\": {\"de\": \"Ein Fest.\"}, \"status\": \"running\", \"start\": \"2026-05-01\","
    " \"end\": \"2026-12-31\", \"contact\": {\"role\": {\"de\": \"Büro\"}, \"phone\": \"+49 231 0\"},"
    " \"groups\": [\"hoerde-ag-see\"], \"example\": true}";

const char *const dkt_dates_json =
    "{\"dates\": [{\"id\": \"hoerde-treffen\", \"title\": {\"de\": \"Treffen\"},"
    " \"start\": \"2026-12-03T18:00\", \"place\": {\"de\": \"Rathaus\"},"
    " \"group\": \"hoerde-ag-see\", \"project\": \"hoerde-lichterfest\"}]}";

/* Writes a small, complete, valid content tree into a new temporary folder. */
char *dkt_make_content(void)
{
    char *dir = dkt_mkdtemp("content");
    dkt_write(dir, "districts/hoerde/district.json", dkt_district_json);
    dkt_write(dir, "districts/hoerde/profile.de.md", "# Hörde\n\nText über die Straße.\n");
    dkt_write(dir, "districts/hoerde/profile.en.md", "# Hörde\n\nText.\n");
    dkt_write_bytes(dir, "districts/hoerde/hero.png", dkt_png_2x1, sizeof dkt_png_2x1);
    dkt_write(dir, "groups/hoerde-ag-see/group.json", dkt_group_json);
    dkt_write(dir, "projects/hoerde-lichterfest/project.json", dkt_project_json);
    dkt_write(dir, "projects/hoerde-lichterfest/body.de.md", "Ein Fest am See.");
    dkt_write(dir, "dates/hoerde.json", dkt_dates_json);
    const char *pages[] = {"about", "privacy", "legal", "consent"};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "pages/%s/page.json", pages[i]);
        dkt_write(dir, rel, "{\"title\": {\"de\": \"Titel\", \"en\": \"Title\"}}");
        snprintf(rel, sizeof rel, "pages/%s/body.de.md", pages[i]);
        dkt_write(dir, rel, "Text.");
    }
    return dir;
}

