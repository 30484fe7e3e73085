/* test_store.c: building the content database from a content document, and every query on it. */
#include "dk_test.h"

#include "dk_arena.h"
#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_store.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Two content documents, written with ' for " to stay readable ---- */

#define REP8(x) x x x x x x x x
#define HASH(c) REP8(REP8(c))
#define IMAGE(c, alt)                                                                         \
    "{'hash':'" HASH(c) "','mime':'image/jpeg','width':1920,'height':1080,'length':123456,"   \
    "'alt':" alt "}"
#define OFFICE(name, address)                                                                 \
    "'office':{'name':{'de':'" name "'},'address':{'de':'" address "'},'hours':{'de':'Mo-Fr 8-12'}}"

/* Release 1: three districts, groups, projects, dates and pages. */
static const char doc_a_src[] =
    "{'format':'district-kiosk-content','schema':1,"
    "'districts':["
    "{'slug':'aplerbeck','name':{'de':'Aplerbeck'},'color':'#336699','area_km2':26.9,"
    " 'residents':{'count':56000,'year':2022},'short':{'de':'Aplerbeck im Osten.'},"
    " 'profile':{'de':'Aplerbeck hat Felder.'},'steering':{'de':'Ein Gremium.'},"
    " 'hero':" IMAGE("c", "{'de':'Felder'}") ","
    OFFICE("Bezirksverwaltungsstelle Aplerbeck", "Aplerbecker Marktplatz 21") "},"
    "{'slug':'hoerde','name':{'de':'Hörde'},'color':'#0a7e3d','area_km2':30.5,"
    " 'residents':{'count':56123,'year':2023},"
    " 'short':{'de':'Der Stadtbezirk Hörde liegt am Phoenix-See.',"
    "          'en':'The district of Hörde lies on Lake Phoenix.'},"
    " 'profile':{'de':'# Geschichte\\n\\nHörde hat eine **lange** Geschichte an der Burg.',"
    "            'en':'# History\\n\\nHörde has a *long* history.'},"
    " 'steering':{'de':'Das Lenkungsgremium berät über Projekte.'},"
    " 'hero':" IMAGE("a", "{'de':'Blick auf den Phoenix-See','en':'View of Lake Phoenix'}") ","
    " 'gallery':[" IMAGE("b", "{'de':'Die Burg'}") "," IMAGE("d", "{'de':'Der Markt'}") "],"
    " 'office':{'name':{'de':'Bezirksverwaltungsstelle Hörde'},"
    "           'address':{'de':'Hörder Bahnhofstraße 16, 44263 Dortmund'},"
    "           'hours':{'de':'Mo-Fr 8-12 Uhr','en':'Mon-Fri 8am-12pm'},"
    "           'phone':'0231 50-0','email':'bv-hoerde@example.org'}},"
    "{'slug':'innenstadt-nord','name':{'de':'Innenstadt-Nord','tr':'Kuzey Şehir Merkezi'},"
    " 'color':'#aa3300','area_km2':14.4,'residents':{'count':60000,'year':null},"
    " 'short':{'de':'Vielfalt in der Nordstadt.','tr':'Nordstadtta çeşitlilik.'},"
    " 'profile':{'de':'Die Nordstadt an der Münsterstraße.'},'steering':{'de':'Gremium Nord.'},"
    " 'hero':" IMAGE("e", "{'de':'Nordmarkt'}") ","
    OFFICE("Bezirksverwaltungsstelle Innenstadt-Nord", "Leopoldstraße 50") "}"
    "],"
    "'groups':["
    "{'slug':'ag-gruen','district':'hoerde','kind':'working_group',"
    " 'name':{'de':'AG Grünflächen','en':'Green spaces group'},"
    " 'purpose':{'de':'Pflegt Beete an der Faßstraße.'},'rhythm':{'de':'Samstags, 10:00'},"
    " 'place':{'de':'Faßstraße 3'},'contact':{'role':{'de':'Sprecherin der AG'},"
    " 'email':'ag@example.org'},'open':true,'join':{'de':'Einfach vorbeikommen.'},'example':true},"
    "{'slug':'lenkungsgremium-hoerde','district':'hoerde','kind':'steering_committee',"
    " 'name':{'de':'Lenkungsgremium Hörde','en':'Hörde steering committee'},"
    " 'purpose':{'de':'Berät über Projekte im Bezirk.'},"
    " 'rhythm':{'de':'Jeden ersten Dienstag im Monat, 18:00'},'place':{'de':'Rathaus Hörde'},"
    " 'contact':{'role':{'de':'Geschäftsstelle Bezirksmarketing Hörde'},'phone':'0231 000',"
    "            'address':{'de':'Hörder Rathaus'}},"
    " 'open':false,'join':{'de':'Sprechen Sie die Geschäftsstelle an.'},'example':true},"
    "{'slug':'marketing-nord','district':'innenstadt-nord','kind':'marketing_group',"
    " 'name':{'de':'Marketinggruppe Nordstadt'},'purpose':{'de':'Wirbt für die Nordstadt.'},"
    " 'rhythm':{'de':'Monatlich'},'place':{'de':'Nordmarkt 1'},"
    " 'contact':{'role':{'de':'Quartiersbüro'},'email':'nord@example.org'},'open':true,"
    " 'join':{'de':'Schreiben Sie uns.'}}"
    "],"
    "'projects':["
    "{'slug':'altes-fest','district':'hoerde','title':{'de':'Hörder Burgfest'},"
    " 'summary':{'de':'Ein Fest an der Burg.'},'body':{'de':'Es war schön.'},"
    " 'status':'completed','start':'2024-06-01','end':'2024-06-02',"
    " 'contact':{'role':{'de':'Festkomitee'},'email':'fest@example.org'},"
    " 'visible_until':'2024-12-31','example':true},"
    "{'slug':'phoenix-uferweg','district':'hoerde',"
    " 'title':{'de':'Uferweg am Phoenix-See','en':'Lakeside path at Lake Phoenix'},"
    " 'summary':{'de':'Ein neuer Weg entlang der Hörder Straße.',"
    "            'en':'A new path along the lake.'},"
    " 'body':{'de':'## Ziel\\n\\nDer Weg verbindet die **Straße** mit dem See. "
    "[Mehr](https://example.org/weg)',"
    "         'en':'## Goal\\n\\nThe path links the *street* with the lake.'},"
    " 'status':'running','start':'2025-03-01','end':'2026-12-31',"
    " 'image':" IMAGE("f", "{'de':'Der Uferweg'}") ","
    " 'contact':{'role':{'de':'Quartiersmanagement Hörde','tr':'Hörde mahalle yönetimi'},"
    "            'person':'Erika Beispiel','phone':'0231 123',"
    "            'address':{'de':'Hörder Straße 1'}},"
    " 'groups':['lenkungsgremium-hoerde','ag-gruen'],'example':true},"
    "{'slug':'spielplatz-nord','district':'innenstadt-nord',"
    " 'title':{'de':'Spielplatz Nordmarkt','tr':'Nordmarkt oyun alanı'},"
    " 'summary':{'de':'Ein neuer Spielplatz.'},'body':{'de':'Bald geht es los.'},"
    " 'status':'planned','start':'2026-05-01',"
    " 'contact':{'role':{'de':'Quartiersbüro'},'email':'nord@example.org'},"
    " 'visible_from':'2026-01-01'}"
    "],"
    "'dates':["
    "{'id':'2025-hoerde-sitzung','district':'hoerde','title':{'de':'Sitzung des Lenkungsgremiums'},"
    " 'start':'2025-09-02T18:00','end':'2025-09-02T20:00','place':{'de':'Rathaus Hörde'},"
    " 'group':'lenkungsgremium-hoerde','example':true},"
    "{'id':'2025-hoerde-uferweg','district':'hoerde',"
    " 'title':{'de':'Eröffnung Uferweg','en':'Opening of the lakeside path'},"
    " 'start':'2025-10-01T14:00','place':{'de':'Phoenix-See'},"
    " 'description':{'de':'Mit Musik.','en':'With music.'},'project':'phoenix-uferweg'},"
    "{'id':'2025-nord-markt','district':'innenstadt-nord','title':{'de':'Nordmarktfest'},"
    " 'start':'2025-08-15T10:00','end':'2025-08-17T22:00','place':{'de':'Nordmarkt'}}"
    "],"
    "'pages':["
    "{'slug':'about','title':{'de':'Über den Kiosk','en':'About the kiosk'},"
    " 'body':{'de':'Dieser Kiosk zeigt Projekte.','en':'This kiosk shows projects.'}},"
    "{'slug':'legal','title':{'de':'Impressum'},'body':{'de':'Stadt Dortmund.'}},"
    "{'slug':'privacy','title':{'de':'Datenschutz'},'body':{'de':'Wir speichern nichts.'}}"
    "]}";

/* Release 2: different content everywhere, one of each kind. */
static const char doc_b_src[] =
    "{'format':'district-kiosk-content','schema':1,"
    "'districts':[{'slug':'scharnhorst','name':{'de':'Scharnhorst'},'color':'#123456',"
    " 'area_km2':32.1,'residents':{'count':45000,'year':2021},"
    " 'short':{'de':'Scharnhorst im Nordosten.'},'profile':{'de':'Zirkus und Wald.'},"
    " 'steering':{'de':'Gremium.'},'hero':" IMAGE("9", "{'de':'Wald'}") ","
    OFFICE("Bezirksverwaltungsstelle Scharnhorst", "Gleiwitzstraße 277") "}],"
    "'groups':[{'slug':'zirkus-gruppe','district':'scharnhorst','kind':'project_group',"
    " 'name':{'de':'Zirkusgruppe'},'purpose':{'de':'Probt.'},'rhythm':{'de':'Freitags'},"
    " 'place':{'de':'Zelt'},'contact':{'role':{'de':'Zirkusbüro'},'email':'z@example.org'},"
    " 'open':true,'join':{'de':'Kommen Sie.'}}],"
    "'projects':[{'slug':'zirkusprojekt','district':'scharnhorst','title':{'de':'Zirkusprojekt'},"
    " 'summary':{'de':'Kinder lernen Zirkus.'},'body':{'de':'Manege frei.'},'status':'running',"
    " 'start':'2025-01-01','contact':{'role':{'de':'Zirkusbüro'},'email':'z@example.org'},"
    " 'groups':['zirkus-gruppe']}],"
    "'dates':[{'id':'2026-zirkus','district':'scharnhorst','title':{'de':'Zirkusabend'},"
    " 'start':'2026-02-01T19:00','place':{'de':'Zelt'}}],"
    "'pages':[{'slug':'about','title':{'de':'Über uns'},'body':{'de':'Zweite Fassung.'}}]}";

/* A copy of src with every ' made " (free() it). */
static char *json_text(const char *src)
{
    char *s = strdup(src);
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

/* ---- Fixture ---- */

typedef struct fixture {
    char *dir;
    char db[4096];
    char db_new[4096];
    dk_arena *arena;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = dkt_mkdtemp("store");
    snprintf(f->db, sizeof f->db, "%s/content.db", f->dir);
    snprintf(f->db_new, sizeof f->db_new, "%s/content.db.new", f->dir);
    f->arena = dk_arena_new(4 * 1024 * 1024);
    assert_non_null(f->arena);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dk_fault_disarm();
    dk_arena_free(f->arena);
    dkt_rmdir(f->dir);
    free(f);
    return 0;
}

/* Builds db_path from a document in ' notation (or plain JSON) as the given release. */
static dk_err build_text(const char *db_path, const char *json, long long version)
{
    dk_store_release rel = {version, "2026-01-15T09:00:00Z", NULL};
    return dk_store_build(db_path, json, strlen(json), &rel);
}

static dk_err build_src(const char *db_path, const char *src, long long version)
{
    char *json = json_text(src);
    dk_err err = build_text(db_path, json, version);
    free(json);
    return err;
}

/* The fixture's database built from release 1, opened. */
static dk_store *open_a(fixture *f)
{
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    dk_store *s = NULL;
    assert_int_equal(dk_store_open(f->db, &s), DK_OK);
    return s;
}

static size_t search_count(dk_store *s, dk_arena *a, const char *query)
{
    dk_search_hit *hits = NULL;
    size_t n = 99;
    assert_int_equal(dk_store_search(s, query, DK_LANG_DE, 20, a, &hits, &n), DK_OK);
    return n;
}

/* Asserts that db_path opens, passes its checks and holds release 1 entirely. */
static void assert_holds_a(const char *db_path)
{
    dk_store *s = NULL;
    assert_int_equal(dk_store_open(db_path, &s), DK_OK);
    assert_int_equal(dk_store_check(s), DK_OK);
    dk_store_info info;
    dk_store_get_info(s, &info);
    char *json = json_text(doc_a_src);
    char hash[DK_SHA256_HEX];
    dk_sha256_hex(json, strlen(json), hash);
    free(json);
    assert_int_equal(info.version, 1);
    assert_string_equal(info.content_hash, hash);
    assert_int_equal(info.districts, 3);
    assert_int_equal(info.projects, 3);
    assert_int_equal(info.groups, 3);
    assert_int_equal(info.dates, 3);
    assert_int_equal(info.pages, 3);
    dk_arena *a = dk_arena_new(1024 * 1024);
    dk_district *d;
    size_t n;
    assert_int_equal(dk_store_districts(s, DK_LANG_DE, a, &d, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(d[1].name, "Hörde");
    assert_int_equal(d[1].gallery_count, 2);
    dk_project *p;
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, NULL, DK_LANG_DE, a, &p, &n),
                     DK_OK);
    assert_int_equal(n, 3);
    dk_page page;
    assert_int_equal(dk_store_page(s, "about", DK_LANG_DE, a, &page), DK_OK);
    assert_string_equal(page.title, "Über den Kiosk");
    assert_true(search_count(s, a, "phoenix") > 0);
    assert_int_equal(search_count(s, a, "zirkus"), 0);
    dk_arena_free(a);
    dk_store_close(s);
}

/* Asserts that db_path holds release 2 entirely and nothing of release 1. */
static void assert_holds_b(const char *db_path)
{
    dk_store *s = NULL;
    assert_int_equal(dk_store_open(db_path, &s), DK_OK);
    assert_int_equal(dk_store_check(s), DK_OK);
    dk_store_info info;
    dk_store_get_info(s, &info);
    assert_int_equal(info.version, 2);
    assert_int_equal(info.districts, 1);
    assert_int_equal(info.projects, 1);
    assert_int_equal(info.groups, 1);
    assert_int_equal(info.dates, 1);
    assert_int_equal(info.pages, 1);
    dk_arena *a = dk_arena_new(1024 * 1024);
    dk_page page;
    assert_int_equal(dk_store_page(s, "about", DK_LANG_DE, a, &page), DK_OK);
    assert_string_equal(page.title, "Über uns");
    assert_true(search_count(s, a, "zirkus") > 0);
    assert_int_equal(search_count(s, a, "phoenix"), 0);
    dk_arena_free(a);
    dk_store_close(s);
}

/* ---- Build and info ---- */

static void test_build_records_release_and_counts(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_store_info info;
    dk_store_get_info(s, &info);
    assert_int_equal(info.version, 1);
    assert_string_equal(info.issued, "2026-01-15T09:00:00Z");
    assert_int_equal(strlen(info.content_hash), 64);
    assert_int_equal(strlen(info.built), 20);
    assert_int_equal(dk_store_check(s), DK_OK);
    dk_store_close(s);
    assert_false(dk_fs_exists(f->db_new));
    assert_holds_a(f->db);
}

static void test_build_accepts_a_matching_hash_and_refuses_another(void **state)
{
    fixture *f = *state;
    char *json = json_text(doc_a_src);
    char hash[DK_SHA256_HEX];
    dk_sha256_hex(json, strlen(json), hash);
    dk_store_release rel = {1, "2026-01-15T09:00:00Z", hash};
    assert_int_equal(dk_store_build(f->db, json, strlen(json), &rel), DK_OK);
    rel.content_hash = HASH("0");
    rel.version = 5;
    assert_int_equal(dk_store_build(f->db, json, strlen(json), &rel), DK_ERR_CORRUPT);
    free(json);
    assert_holds_a(f->db);
}

/* ---- Districts ---- */

static void test_districts_are_sorted_by_folded_name_in_each_language(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_district *d;
    size_t n;
    assert_int_equal(dk_store_districts(s, DK_LANG_DE, f->arena, &d, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(d[0].name, "Aplerbeck");
    assert_string_equal(d[1].name, "Hörde");
    assert_string_equal(d[2].name, "Innenstadt-Nord");
    assert_int_equal(dk_store_districts(s, DK_LANG_TR, f->arena, &d, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(d[0].name, "Aplerbeck");
    assert_string_equal(d[1].name, "Hörde");
    assert_string_equal(d[2].name, "Kuzey Şehir Merkezi");
    assert_string_equal(d[2].slug, "innenstadt-nord");
    dk_store_close(s);
}

static void test_district_by_slug_has_every_field_and_its_gallery(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_district d;
    assert_int_equal(dk_store_district(s, "hoerde", DK_LANG_EN, f->arena, &d), DK_OK);
    assert_string_equal(d.slug, "hoerde");
    assert_string_equal(d.name, "Hörde"); /* no English name: German */
    assert_string_equal(d.color, "#0a7e3d");
    assert_true(d.area_km2 > 30.4 && d.area_km2 < 30.6);
    assert_int_equal(d.residents, 56123);
    assert_int_equal(d.residents_year, 2023);
    assert_string_equal(d.short_text, "The district of Hörde lies on Lake Phoenix.");
    assert_string_equal(d.profile_md, "# History\n\nHörde has a *long* history.");
    assert_string_equal(d.steering, "Das Lenkungsgremium berät über Projekte.");
    assert_string_equal(d.hero.hash, HASH("a"));
    assert_string_equal(d.hero.mime, "image/jpeg");
    assert_int_equal(d.hero.width, 1920);
    assert_int_equal(d.hero.height, 1080);
    assert_string_equal(d.hero.alt, "View of Lake Phoenix");
    assert_int_equal(d.gallery_count, 2);
    assert_string_equal(d.gallery[0].hash, HASH("b"));
    assert_string_equal(d.gallery[0].alt, "Die Burg");
    assert_string_equal(d.gallery[1].hash, HASH("d"));
    assert_string_equal(d.office_name, "Bezirksverwaltungsstelle Hörde");
    assert_string_equal(d.office_address, "Hörder Bahnhofstraße 16, 44263 Dortmund");
    assert_string_equal(d.office_hours, "Mon-Fri 8am-12pm");
    assert_string_equal(d.office_phone, "0231 50-0");
    assert_string_equal(d.office_email, "bv-hoerde@example.org");

    assert_int_equal(dk_store_district(s, "innenstadt-nord", DK_LANG_DE, f->arena, &d), DK_OK);
    assert_int_equal(d.residents_year, 0); /* year null: unknown */
    assert_int_equal(d.gallery_count, 0);
    assert_null(d.gallery);
    assert_string_equal(d.office_phone, "");
    dk_store_close(s);
}

static void test_missing_slugs_give_notfound(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_district d;
    dk_project p;
    dk_group g;
    dk_page page;
    assert_int_equal(dk_store_district(s, "nowhere", DK_LANG_DE, f->arena, &d), DK_ERR_NOTFOUND);
    assert_non_null(strstr(dk_error_detail(), "nowhere"));
    assert_int_equal(dk_store_project(s, "nothing", DK_LANG_DE, f->arena, &p), DK_ERR_NOTFOUND);
    assert_int_equal(dk_store_group(s, "nobody", DK_LANG_DE, f->arena, &g), DK_ERR_NOTFOUND);
    assert_int_equal(dk_store_page(s, "imprint", DK_LANG_DE, f->arena, &page), DK_ERR_NOTFOUND);
    assert_int_equal(dk_store_page(s, NULL, DK_LANG_DE, f->arena, &page), DK_ERR_NOTFOUND);
    dk_store_close(s);
}

static void test_texts_fall_back_to_german_when_a_translation_is_missing(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_project p;
    assert_int_equal(dk_store_project(s, "phoenix-uferweg", DK_LANG_TR, f->arena, &p), DK_OK);
    assert_string_equal(p.title, "Uferweg am Phoenix-See");     /* no tr: de */
    assert_string_equal(p.contact.role, "Hörde mahalle yönetimi"); /* tr present */
    assert_string_equal(p.image.alt, "Der Uferweg");
    assert_int_equal(dk_store_project(s, "phoenix-uferweg", DK_LANG_EN, f->arena, &p), DK_OK);
    assert_string_equal(p.title, "Lakeside path at Lake Phoenix");
    assert_string_equal(p.contact.role, "Quartiersmanagement Hörde"); /* no en: de */
    dk_page page;
    assert_int_equal(dk_store_page(s, "legal", DK_LANG_EN, f->arena, &page), DK_OK);
    assert_string_equal(page.title, "Impressum");
    assert_string_equal(page.body_md, "Stadt Dortmund.");
    dk_group g;
    assert_int_equal(dk_store_group(s, "marketing-nord", DK_LANG_TR, f->arena, &g), DK_OK);
    assert_string_equal(g.name, "Marketinggruppe Nordstadt");
    dk_store_close(s);
}

/* ---- Projects ---- */

static void test_projects_filter_by_district_status_and_visible_day(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_project *p;
    size_t n;
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, NULL, DK_LANG_DE, f->arena,
                                       &p, &n),
                     DK_OK);
    assert_int_equal(n, 3); /* sorted by title */
    assert_string_equal(p[0].title, "Hörder Burgfest");
    assert_string_equal(p[1].title, "Spielplatz Nordmarkt");
    assert_string_equal(p[2].title, "Uferweg am Phoenix-See");
    assert_null(p[2].body_md); /* lists leave bodies out */
    assert_int_equal(p[2].group_count, 2);
    assert_string_equal(p[2].groups[0], "lenkungsgremium-hoerde");
    assert_string_equal(p[2].groups[1], "ag-gruen");
    assert_int_equal(p[0].group_count, 0);

    assert_int_equal(dk_store_projects(s, "hoerde", DK_STORE_ALL_STATUSES, NULL, DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_STATUS_BIT(DK_STATUS_PLANNED) |
                                                    DK_STORE_STATUS_BIT(DK_STATUS_COMPLETED),
                                       NULL, DK_LANG_DE, f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].status, DK_STATUS_COMPLETED);
    assert_int_equal(p[1].status, DK_STATUS_PLANNED);
    assert_int_equal(dk_store_projects(s, NULL, 0, NULL, DK_LANG_DE, f->arena, &p, &n), DK_OK);
    assert_int_equal(n, 0);
    assert_null(p);

    /* On 2025-06-01 the old festival has expired and the playground is not shown yet. */
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, "2025-06-01", DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].slug, "phoenix-uferweg");
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, "2024-12-31", DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 2); /* the last day of visible_until still counts */
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, "2026-01-01", DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 2); /* the first day of visible_from counts */
    assert_int_equal(dk_store_projects(s, "nowhere", DK_STORE_ALL_STATUSES, NULL, DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_project_by_slug_has_body_contact_image_and_groups(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_project p;
    assert_int_equal(dk_store_project(s, "phoenix-uferweg", DK_LANG_DE, f->arena, &p), DK_OK);
    assert_string_equal(p.slug, "phoenix-uferweg");
    assert_string_equal(p.district, "hoerde");
    assert_string_equal(p.summary, "Ein neuer Weg entlang der Hörder Straße.");
    assert_non_null(strstr(p.body_md, "**Straße**")); /* Markdown as written */
    assert_int_equal(p.status, DK_STATUS_RUNNING);
    assert_string_equal(p.start, "2025-03-01");
    assert_string_equal(p.end, "2026-12-31");
    assert_string_equal(p.image.hash, HASH("f"));
    assert_string_equal(p.contact.person, "Erika Beispiel");
    assert_string_equal(p.contact.phone, "0231 123");
    assert_string_equal(p.contact.email, "");
    assert_string_equal(p.contact.address, "Hörder Straße 1");
    assert_int_equal(p.group_count, 2);
    assert_true(p.example);

    assert_int_equal(dk_store_project(s, "spielplatz-nord", DK_LANG_DE, f->arena, &p), DK_OK);
    assert_string_equal(p.image.hash, ""); /* no image */
    assert_string_equal(p.image.mime, "");
    assert_string_equal(p.end, "");
    assert_false(p.example);
    dk_store_close(s);
}

/* ---- Groups ---- */

static void test_groups_filter_by_district_and_kind(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_group *g;
    size_t n;
    assert_int_equal(dk_store_groups(s, NULL, DK_STORE_ALL_KINDS, DK_LANG_DE, f->arena, &g, &n),
                     DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(g[0].name, "AG Grünflächen");
    assert_string_equal(g[1].name, "Lenkungsgremium Hörde");
    assert_string_equal(g[2].name, "Marketinggruppe Nordstadt");
    assert_int_equal(dk_store_groups(s, NULL, DK_STORE_ALL_KINDS, DK_LANG_EN, f->arena, &g, &n),
                     DK_OK);
    assert_string_equal(g[0].name, "Green spaces group");
    assert_string_equal(g[1].name, "Hörde steering committee");
    assert_int_equal(dk_store_groups(s, "hoerde", DK_STORE_ALL_KINDS, DK_LANG_DE, f->arena, &g, &n),
                     DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dk_store_groups(s, NULL, DK_STORE_KIND_BIT(DK_GROUP_STEERING), DK_LANG_DE,
                                     f->arena, &g, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].slug, "lenkungsgremium-hoerde");
    assert_int_equal(g[0].kind, DK_GROUP_STEERING);
    assert_int_equal(dk_store_groups(s, "innenstadt-nord", DK_STORE_KIND_BIT(DK_GROUP_STEERING),
                                     DK_LANG_DE, f->arena, &g, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_group_by_slug_and_groups_of_a_project(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_group g;
    assert_int_equal(dk_store_group(s, "lenkungsgremium-hoerde", DK_LANG_DE, f->arena, &g), DK_OK);
    assert_string_equal(g.district, "hoerde");
    assert_int_equal(g.kind, DK_GROUP_STEERING);
    assert_string_equal(g.purpose, "Berät über Projekte im Bezirk.");
    assert_string_equal(g.rhythm, "Jeden ersten Dienstag im Monat, 18:00");
    assert_string_equal(g.place, "Rathaus Hörde");
    assert_string_equal(g.join, "Sprechen Sie die Geschäftsstelle an.");
    assert_string_equal(g.contact.role, "Geschäftsstelle Bezirksmarketing Hörde");
    assert_string_equal(g.contact.person, "");
    assert_false(g.open);
    assert_true(g.example);

    dk_group *list;
    size_t n;
    assert_int_equal(dk_store_project_groups(s, "phoenix-uferweg", DK_LANG_EN, f->arena, &list, &n),
                     DK_OK);
    assert_int_equal(n, 2); /* in the project's order, not by name */
    assert_string_equal(list[0].name, "Hörde steering committee");
    assert_string_equal(list[1].name, "Green spaces group");
    assert_true(list[1].open);
    assert_int_equal(dk_store_project_groups(s, "altes-fest", DK_LANG_EN, f->arena, &list, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(dk_store_project_groups(s, "unknown", DK_LANG_EN, f->arena, &list, &n), DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

/* ---- Dates and pages ---- */

static void test_dates_from_a_time_filter_and_limit(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_date *e;
    size_t n;
    /* At noon on the 16th the market festival (15th to 17th) is still on. */
    assert_int_equal(dk_store_dates(s, "2025-08-16T12:00", NULL, NULL, NULL, 10, DK_LANG_EN,
                                    f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].id, "2025-nord-markt");
    assert_string_equal(e[0].end, "2025-08-17T22:00");
    assert_string_equal(e[1].id, "2025-hoerde-sitzung");
    assert_string_equal(e[1].group, "lenkungsgremium-hoerde");
    assert_string_equal(e[1].project, "");
    assert_string_equal(e[1].description, "");
    assert_true(e[1].example);
    assert_string_equal(e[2].title, "Opening of the lakeside path");
    assert_string_equal(e[2].place, "Phoenix-See");
    assert_string_equal(e[2].description, "With music.");
    assert_string_equal(e[2].project, "phoenix-uferweg");
    assert_string_equal(e[2].start, "2025-10-01T14:00");
    assert_string_equal(e[2].end, "");

    assert_int_equal(dk_store_dates(s, "2025-09-01T00:00", NULL, NULL, NULL, 10, DK_LANG_DE,
                                    f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dk_store_dates(s, NULL, "hoerde", NULL, NULL, 10, DK_LANG_DE, f->arena, &e,
                                    &n),
                     DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dk_store_dates(s, NULL, NULL, "lenkungsgremium-hoerde", NULL, 10, DK_LANG_DE,
                                    f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(dk_store_dates(s, NULL, NULL, NULL, "phoenix-uferweg", 10, DK_LANG_DE,
                                    f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].title, "Eröffnung Uferweg");
    assert_int_equal(dk_store_dates(s, NULL, NULL, NULL, NULL, 1, DK_LANG_DE, f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].id, "2025-nord-markt");
    assert_int_equal(dk_store_dates(s, "2030-01-01T00:00", NULL, NULL, NULL, 10, DK_LANG_DE,
                                    f->arena, &e, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_page_by_slug_in_each_language(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_page p;
    assert_int_equal(dk_store_page(s, "about", DK_LANG_EN, f->arena, &p), DK_OK);
    assert_string_equal(p.slug, "about");
    assert_string_equal(p.title, "About the kiosk");
    assert_string_equal(p.body_md, "This kiosk shows projects.");
    assert_int_equal(dk_store_page(s, "about", DK_LANG_TR, f->arena, &p), DK_OK);
    assert_string_equal(p.title, "Über den Kiosk");
    dk_store_close(s);
}

static void test_queries_refuse_bad_arguments(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_project *p;
    dk_date *e;
    dk_district *d;
    size_t n;
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, "2025-6-1", DK_LANG_DE,
                                       f->arena, &p, &n),
                     DK_ERR_INVALID);
    assert_int_equal(dk_store_projects(s, NULL, DK_STORE_ALL_STATUSES, "2025-06-01'; --",
                                       DK_LANG_DE, f->arena, &p, &n),
                     DK_ERR_INVALID);
    assert_int_equal(dk_store_dates(s, "2025-08-16 12:00", NULL, NULL, NULL, 10, DK_LANG_DE,
                                    f->arena, &e, &n),
                     DK_ERR_INVALID);
    assert_int_equal(dk_store_districts(s, (dk_lang)7, f->arena, &d, &n), DK_ERR_INVALID);
    assert_int_equal(dk_store_districts(s, DK_LANG_DE, NULL, &d, &n), DK_ERR_INVALID);
    /* Slugs are bound as values: quotes in them are just characters. */
    assert_int_equal(dk_store_projects(s, "hoerde' OR '1'='1", DK_STORE_ALL_STATUSES, NULL,
                                       DK_LANG_DE, f->arena, &p, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_a_query_fails_cleanly_when_the_arena_budget_runs_out(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_arena *small = dk_arena_new(256);
    assert_non_null(small);
    dk_district *d = (dk_district *)1;
    size_t n = 7;
    assert_int_equal(dk_store_districts(s, DK_LANG_DE, small, &d, &n), DK_ERR_LIMIT);
    assert_null(d);
    assert_int_equal(n, 0);
    dk_search_hit *hits;
    dk_arena_reset(small);
    assert_int_equal(dk_store_search(s, "hörde", DK_LANG_DE, 20, small, &hits, &n), DK_ERR_LIMIT);
    dk_arena_free(small);
    /* The store is still usable afterwards. */
    assert_int_equal(dk_store_districts(s, DK_LANG_DE, f->arena, &d, &n), DK_OK);
    assert_int_equal(n, 3);
    dk_store_close(s);
}

/* ---- Search ---- */

/* Index of the hit of kind/id in hits, or -1. */
static int find_hit(const dk_search_hit *hits, size_t n, const char *kind, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(hits[i].kind, kind) == 0 && strcmp(hits[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void test_search_finds_hoerde_with_or_without_umlaut(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    const char *queries[] = {"horde", "hoerde", "Hörde", "HOERDE", "Ho\xCC\x88rde"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        dk_search_hit *hits;
        size_t n;
        assert_int_equal(dk_store_search(s, queries[q], DK_LANG_DE, 20, f->arena, &hits, &n),
                         DK_OK);
        assert_true(n >= 3);
        /* The district named Hörde ranks first: titles weigh most. */
        assert_string_equal(hits[0].kind, "district");
        assert_string_equal(hits[0].id, "hoerde");
        assert_string_equal(hits[0].title, "Hörde");
        assert_true(find_hit(hits, n, "group", "lenkungsgremium-hoerde") >= 0);
        assert_true(find_hit(hits, n, "project", "phoenix-uferweg") >= 0);
        for (size_t i = 1; i < n; i++)
            assert_true(hits[i - 1].rank <= hits[i].rank);
    }
    dk_store_close(s);
}

static void test_search_strasse_finds_strasse_spelled_with_sharp_s(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    assert_int_equal(dk_store_search(s, "strasse", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    int i = find_hit(hits, n, "project", "phoenix-uferweg");
    assert_true(i >= 0);
    assert_non_null(strstr(hits[i].snippet, DK_STORE_MARK_ON "Straße" DK_STORE_MARK_OFF));
    assert_int_equal(dk_store_search(s, "Straße", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_true(find_hit(hits, n, "project", "phoenix-uferweg") >= 0);
    /* "Faßstraße" folds to one word "fassstrasse", found by its start. */
    assert_int_equal(dk_store_search(s, "fass", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_true(find_hit(hits, n, "group", "ag-gruen") >= 0);
    dk_store_close(s);
}

static void test_search_matches_the_last_word_as_a_prefix_while_typing(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    const char *typing[] = {"H", "Hö", "Hör", "Hörd", "ho", "hoe", "hoer", "hoerd"};
    for (size_t q = 0; q < sizeof typing / sizeof typing[0]; q++) {
        dk_search_hit *hits;
        size_t n;
        assert_int_equal(dk_store_search(s, typing[q], DK_LANG_DE, 50, f->arena, &hits, &n),
                         DK_OK);
        assert_true(find_hit(hits, n, "district", "hoerde") >= 0);
    }
    dk_search_hit *hits;
    size_t n;
    assert_int_equal(dk_store_search(s, "Phoe", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_string_equal(hits[0].id, "phoenix-uferweg");
    /* Earlier words are whole words; all words must match. */
    assert_int_equal(dk_store_search(s, "uferweg pho", DK_LANG_DE, 20, f->arena, &hits, &n),
                     DK_OK);
    assert_true(find_hit(hits, n, "project", "phoenix-uferweg") >= 0);
    assert_int_equal(dk_store_search(s, "ufer pho", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 0);
    /* A finished word (followed by a space) is no longer a prefix. */
    assert_int_equal(dk_store_search(s, "Phoe ", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_search_shows_title_and_snippet_in_the_requested_language(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    /* English: the district's English text matched, so the snippet is English. */
    assert_int_equal(dk_store_search(s, "phoenix", DK_LANG_EN, 20, f->arena, &hits, &n), DK_OK);
    int i = find_hit(hits, n, "district", "hoerde");
    assert_true(i >= 0);
    assert_string_equal(hits[i].title, "Hörde");
    assert_non_null(strstr(hits[i].snippet, "Lake " DK_STORE_MARK_ON "Phoenix" DK_STORE_MARK_OFF));
    i = find_hit(hits, n, "project", "phoenix-uferweg");
    assert_string_equal(hits[i].title, "Lakeside path at Lake Phoenix");
    /* Turkish: no Turkish text for Hörde, so German. */
    assert_int_equal(dk_store_search(s, "phoenix", DK_LANG_TR, 20, f->arena, &hits, &n), DK_OK);
    i = find_hit(hits, n, "district", "hoerde");
    assert_true(i >= 0);
    assert_non_null(strstr(hits[i].snippet, DK_STORE_MARK_ON "Phoenix" DK_STORE_MARK_OFF "-See"));
    /* A German word searched on the English screen: German snippet, English title. */
    assert_int_equal(dk_store_search(s, "Uferweg", DK_LANG_EN, 20, f->arena, &hits, &n), DK_OK);
    i = find_hit(hits, n, "project", "phoenix-uferweg");
    assert_true(i >= 0);
    assert_string_equal(hits[i].title, "Lakeside path at Lake Phoenix");
    assert_non_null(strstr(hits[i].snippet, DK_STORE_MARK_ON "Uferweg" DK_STORE_MARK_OFF));
    /* Turkish title of a district found by its Turkish text. */
    assert_int_equal(dk_store_search(s, "çeşitlilik", DK_LANG_TR, 20, f->arena, &hits, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].title, "Kuzey Şehir Merkezi");
    dk_store_close(s);
}

/* Issue 3: an English snippet ran fields together ("...office New faces..."). */
static void test_search_snippets_keep_fields_apart(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    assert_int_equal(dk_store_search(s, "samstags", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    int i = find_hit(hits, n, "group", "ag-gruen");
    assert_true(i >= 0);
    /* purpose ends in a full stop: a plain space; rhythm and place do not: a middle dot. */
    assert_non_null(strstr(hits[i].snippet, "Faßstraße. " DK_STORE_MARK_ON "Samstags"));
    assert_non_null(strstr(hits[i].snippet, "10:00 \xC2\xB7 Faßstraße 3 \xC2\xB7 Einfach"));
    assert_null(strchr(hits[i].snippet, '\n'));
    dk_store_close(s);
}

static void test_search_snippets_are_plain_text_without_markdown(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    assert_int_equal(dk_store_search(s, "lange geschichte", DK_LANG_DE, 20, f->arena, &hits, &n),
                     DK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].id, "hoerde");
    assert_null(strchr(hits[0].snippet, '*'));
    assert_null(strchr(hits[0].snippet, '#'));
    assert_null(strchr(hits[0].snippet, '\n'));
    assert_non_null(strstr(hits[0].snippet, DK_STORE_MARK_ON "lange" DK_STORE_MARK_OFF));
    /* Link targets are not text. */
    assert_int_equal(dk_store_search(s, "example", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

static void test_search_ranks_title_matches_first(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    /* "Burg" is in a project's title ("Hörder Burgfest") and in Hörde's profile text. */
    assert_int_equal(dk_store_search(s, "burg", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(hits[0].id, "altes-fest");
    assert_string_equal(hits[1].id, "hoerde");
    /* "Nordmarkt" begins the titles of a project and a date, and is a group's meeting place. */
    assert_int_equal(dk_store_search(s, "nordmarkt", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_true(find_hit(hits, 2, "project", "spielplatz-nord") >= 0);
    assert_true(find_hit(hits, 2, "date", "2025-nord-markt") >= 0);
    assert_string_equal(hits[2].id, "marketing-nord");
    dk_store_close(s);
}

static void test_search_lists_each_entity_once_and_respects_the_limit(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    dk_search_hit *hits;
    size_t n;
    /* Hörde matches in its German and its English row: one hit. */
    assert_int_equal(dk_store_search(s, "horde", DK_LANG_EN, 50, f->arena, &hits, &n), DK_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_false(strcmp(hits[i].kind, hits[j].kind) == 0 &&
                         strcmp(hits[i].id, hits[j].id) == 0);
    size_t all = n;
    assert_true(all >= 3);
    assert_int_equal(dk_store_search(s, "horde", DK_LANG_EN, 2, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(dk_store_search(s, "horde", DK_LANG_EN, 0, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(dk_store_search(s, "horde", DK_LANG_EN, 100000, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, all);
    dk_store_close(s);
}

static void test_search_treats_hostile_queries_as_plain_words(void **state)
{
    fixture *f = *state;
    dk_store *s = open_a(f);
    const char *empty[] = {"", "\"", "*", ")", "(", "\"\"", "\" OR \"", "^", "-", ":", "{}",
                           "   ", "\xFF\xFE", "\xC2\xAD", "\"*\"*", "NEAR(", "AND", "OR", "NOT"};
    for (size_t q = 0; q < sizeof empty / sizeof empty[0]; q++) {
        dk_search_hit *hits = (dk_search_hit *)1;
        size_t n = 99;
        assert_int_equal(dk_store_search(s, empty[q], DK_LANG_DE, 20, f->arena, &hits, &n),
                         DK_OK);
        if (q < 16) { /* no letters or digits: nothing to search for */
            assert_int_equal(n, 0);
            assert_null(hits);
        }
    }
    const char *odd[] = {"hörde AND", "hörde OR phoenix", "NEAR(hörde phoenix)", "title:hörde",
                         "hörde\"", "\"hörde", "hörde*", "(hörde", "-hörde", "^hörde",
                         "hö\"rde", "hörde NOT x"};
    for (size_t q = 0; q < sizeof odd / sizeof odd[0]; q++) {
        dk_search_hit *hits;
        size_t n;
        assert_int_equal(dk_store_search(s, odd[q], DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    }
    /* Operators are words: "hörde title" needs the word "title*", which no text has. */
    dk_search_hit *hits;
    size_t n;
    assert_int_equal(dk_store_search(s, "title:hörde", DK_LANG_DE, 20, f->arena, &hits, &n),
                     DK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(dk_store_search(s, "hörde*", DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_true(n > 0);
    /* Very long input and many words. */
    char long_query[2000];
    size_t len = 0;
    while (len + 6 < sizeof long_query)
        len += (size_t)snprintf(long_query + len, sizeof long_query - len, "hörde ");
    assert_int_equal(dk_store_search(s, long_query, DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_true(n > 0);
    assert_int_equal(dk_store_search(s, NULL, DK_LANG_DE, 20, f->arena, &hits, &n), DK_OK);
    assert_int_equal(n, 0);
    dk_store_close(s);
}

/* ---- Refusing bad documents and databases ---- */

/* Release 1 with the value at path ("projects.1.title.de"; numbers index arrays) replaced by
 * the JSON value_json, or removed when value_json is NULL. Returns JSON text to free(). */
static char *doc_a_with(const char *path, const char *value_json)
{
    char *src = json_text(doc_a_src);
    json_error_t e;
    json_t *doc = json_loads(src, 0, &e);
    free(src);
    assert_non_null(doc);
    json_t *value = NULL;
    if (value_json) {
        value = json_loads(value_json, JSON_DECODE_ANY, &e);
        assert_non_null(value);
    }
    char p[256];
    snprintf(p, sizeof p, "%s", path);
    json_t *parent = doc;
    char *key = p;
    for (;;) {
        char *dot = strchr(key, '.');
        if (dot)
            *dot = '\0';
        int is_index = key[0] >= '0' && key[0] <= '9';
        size_t index = is_index ? (size_t)strtoul(key, NULL, 10) : 0;
        if (!dot) {
            if (is_index)
                assert_int_equal(value ? json_array_set_new(parent, index, value)
                                       : json_array_remove(parent, index), 0);
            else
                assert_int_equal(value ? json_object_set_new(parent, key, value)
                                       : json_object_del(parent, key), 0);
            break;
        }
        parent = is_index ? json_array_get(parent, index) : json_object_get(parent, key);
        assert_non_null(parent);
        key = dot + 1;
    }
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_non_null(out);
    return out;
}

static void test_build_refuses_unknown_format_and_schema(void **state)
{
    fixture *f = *state;
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    const struct {
        const char *path, *value;
    } cases[] = {
        {"format", "\"district-kiosk-manifest\""},
        {"format", NULL},
        {"format", "1"},
        {"schema", "2"},
        {"schema", "0"},
        {"schema", "\"1\""},
        {"schema", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = doc_a_with(cases[i].path, cases[i].value);
        assert_int_equal(build_text(f->db, json, 2), DK_ERR_INVALID);
        assert_true(strstr(dk_error_detail(), "format") || strstr(dk_error_detail(), "schema"));
        free(json);
        assert_false(dk_fs_exists(f->db_new));
    }
    assert_holds_a(f->db);
}

static void test_build_refuses_wrongly_typed_documents_and_keeps_the_old_db(void **state)
{
    fixture *f = *state;
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    const struct {
        const char *path, *value, *detail; /* detail: a word the error must name */
    } cases[] = {
        {"districts", "\"many\"", "districts"},
        {"districts.1", "[]", "districts[1]"},
        {"districts.1.name", "5", "name"},
        {"districts.1.name", "{\"en\":\"Hoerde\"}", "name.de"},
        {"districts.1.name.de", "\"\"", "name.de"},
        {"districts.1.name.tr", "[\"x\"]", "name.tr"},
        {"districts.1.slug", "\"Hörde!\"", "slug"},
        {"districts.1.slug", "\"aplerbeck\"", "district.slug"}, /* duplicate */
        {"districts.1.color", "\"green\"", "color"},
        {"districts.1.area_km2", "\"30\"", "area_km2"},
        {"districts.1.residents.count", "\"many\"", "count"},
        {"districts.1.residents.year", "2023.5", "year"},
        {"districts.1.hero", NULL, "hero"},
        {"districts.1.hero.hash", "\"../../etc/passwd\"", "hash"},
        {"districts.1.hero.width", "-1", "width"},
        {"districts.1.hero.mime", "\"text/html\"", "mime"},
        {"districts.1.gallery", "{}", "gallery"},
        {"districts.1.gallery.0", "7", "gallery[0]"},
        {"districts.1.office", "\"Rathaus\"", "office"},
        {"districts.1.office.hours", NULL, "hours"},
        {"groups.0.open", "\"yes\"", "open"},
        {"groups.0.kind", "\"club\"", "kind"},
        {"groups.0.district", "\"nowhere\"", "nowhere"},
        {"groups.0.contact", NULL, "contact"},
        {"groups.0.contact.role", "\"Chef\"", "role"},
        {"projects.0", "\"x\"", "projects[0]"},
        {"projects.1.title.de", "7", "title.de"},
        {"projects.1.status", "\"done\"", "status"},
        {"projects.1.start", "\"2025-13-01\"", "start"},
        {"projects.1.end", "20251231", "end"},
        {"projects.1.groups", "\"ag-gruen\"", "groups"},
        {"projects.1.groups.0", "\"no-such-group\"", "no-such-group"},
        {"projects.1.groups.1", "\"lenkungsgremium-hoerde\"", "project_work_group"}, /* twice */
        {"projects.1.slug", "\"altes-fest\"", "project.slug"},                   /* duplicate */
        {"projects.1.example", "1", "example"},
        {"dates.0.district", "\"nowhere\"", "nowhere"},
        {"dates.0.start", "\"2025-09-02 18:00\"", "start"},
        {"dates.0.group", "\"nobody\"", "nobody"},
        {"dates.0.id", "5", "id"},
        {"pages", NULL, "pages"},
        {"pages.0.body", "null", "body"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = doc_a_with(cases[i].path, cases[i].value);
        dk_err err = build_text(f->db, json, 2);
        free(json);
        if (err != DK_ERR_CORRUPT || !strstr(dk_error_detail(), cases[i].detail))
            fail_msg("%s = %s: got %s (%s)", cases[i].path, cases[i].value ? cases[i].value : "-",
                     dk_strerror(err), dk_error_detail());
        assert_false(dk_fs_exists(f->db_new));
    }
    const char *broken[] = {"{", "[]", "null",
                            "{\"format\":\"district-kiosk-content\",\"format\":\"x\"}",
                            "{\"format\":\"district-kiosk-content\",\"schema\":1}"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        assert_int_equal(build_text(f->db, broken[i], 2), DK_ERR_CORRUPT);
    assert_holds_a(f->db);
}

static void test_build_refuses_bad_arguments_and_too_many_entities(void **state)
{
    fixture *f = *state;
    char *json = json_text(doc_a_src);
    dk_store_release rel = {-1, NULL, NULL};
    assert_int_equal(dk_store_build(f->db, json, strlen(json), &rel), DK_ERR_INVALID);
    rel.version = 1;
    rel.issued = "";
    assert_int_equal(dk_store_build(f->db, json, strlen(json), &rel), DK_ERR_INVALID);
    assert_int_equal(dk_store_build(NULL, json, strlen(json), NULL), DK_ERR_INVALID);
    assert_int_equal(dk_store_build(f->db, NULL, 0, NULL), DK_ERR_INVALID);
    free(json);
    assert_false(dk_fs_exists(f->db));

    /* 33 pages: one more than DK_LIMIT_PAGES. */
    json_t *pages = json_array();
    for (int i = 0; i <= DK_LIMIT_PAGES; i++) {
        char slug[16];
        snprintf(slug, sizeof slug, "p%d", i);
        json_array_append_new(pages, json_pack("{s:s, s:{s:s}, s:{s:s}}", "slug", slug, "title",
                                               "de", "T", "body", "de", "B"));
    }
    char *text = json_dumps(pages, JSON_COMPACT);
    json_decref(pages);
    char *many = doc_a_with("pages", text);
    free(text);
    assert_int_equal(build_text(f->db, many, 1), DK_ERR_LIMIT);
    free(many);
    assert_false(dk_fs_exists(f->db));
}

static void test_open_refuses_unknown_layouts_and_other_files(void **state)
{
    fixture *f = *state;
    dk_store *s = (dk_store *)1;
    assert_int_equal(dk_store_open(f->db, &s), DK_ERR_NOTFOUND);
    assert_null(s);

    /* A database of a future layout. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (y); PRAGMA user_version = 99;", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(dk_store_open(f->db, &s), DK_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(dk_error_detail(), "layout 99"));

    /* Not a database at all, and an empty file. */
    char junk[4096];
    memset(junk, 'x', sizeof junk);
    dkt_write_bytes(f->dir, "junk.db", junk, sizeof junk);
    char path[4096];
    snprintf(path, sizeof path, "%s/junk.db", f->dir);
    assert_int_equal(dk_store_open(path, &s), DK_ERR_CORRUPT);
    dkt_write(f->dir, "empty.db", "");
    snprintf(path, sizeof path, "%s/empty.db", f->dir);
    assert_int_equal(dk_store_open(path, &s), DK_ERR_CORRUPT);
    assert_int_equal(dk_store_open(f->dir, &s), DK_ERR_INVALID); /* a directory */
    dk_store_close(NULL);
}

/* ---- Replacing a database ---- */

static void test_rebuild_replaces_the_db_while_an_open_handle_keeps_reading(void **state)
{
    fixture *f = *state;
    dk_store *old = open_a(f);
    dk_district *d;
    size_t n;
    assert_int_equal(dk_store_districts(old, DK_LANG_DE, f->arena, &d, &n), DK_OK);
    assert_int_equal(n, 3);

    assert_int_equal(build_src(f->db, doc_b_src, 2), DK_OK);
    assert_holds_b(f->db);

    /* The old handle still reads the old file, whole and consistent. */
    assert_int_equal(dk_store_check(old), DK_OK);
    assert_int_equal(dk_store_districts(old, DK_LANG_DE, f->arena, &d, &n), DK_OK);
    assert_int_equal(n, 3);
    assert_int_equal(search_count(old, f->arena, "phoenix") > 0, 1);
    assert_int_equal(search_count(old, f->arena, "zirkus"), 0);
    dk_store_info info;
    dk_store_get_info(old, &info);
    assert_int_equal(info.version, 1);
    dk_store_close(old);
    assert_false(dk_fs_exists(f->db_new));
}

static void test_build_removes_a_stale_new_file(void **state)
{
    fixture *f = *state;
    dkt_write(f->dir, "content.db.new", "half a database from a power cut");
    dkt_write(f->dir, "content.db.new-journal", "and its journal");
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    assert_false(dk_fs_exists(f->db_new));
    char journal[4096];
    snprintf(journal, sizeof journal, "%s-journal", f->db_new);
    assert_false(dk_fs_exists(journal));
    assert_holds_a(f->db);
}

/* Interrupts the build of release 2 at fault point 1, 2, 3, ... until it runs through; after
 * every interruption the database must still be release 1, whole. */
static void test_build_failing_at_any_step_keeps_the_old_db(void **state)
{
    fixture *f = *state;
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    long n;
    for (n = 1;; n++) {
        assert_true(n < 1000);
        dk_fault_arm(n, DK_FAULT_FAIL);
        dk_err err = build_src(f->db, doc_b_src, 2);
        long passed = dk_fault_passed();
        dk_fault_disarm();
        if (err == DK_OK) {
            assert_true(passed < n); /* it really ran past every point */
            break;
        }
        assert_int_equal(err, DK_ERR_FAULT);
        assert_false(dk_fs_exists(f->db_new));
        assert_holds_a(f->db);
    }
    assert_true(n > 10); /* the build has many interruptible steps */
    assert_holds_b(f->db);
}

/* The same with the process killed at the fault point, as by a power cut: nothing is cleaned
 * up, and the next build must cope with what is left. */
static void test_build_killed_at_any_step_keeps_the_old_db(void **state)
{
    fixture *f = *state;
    assert_int_equal(build_src(f->db, doc_a_src, 1), DK_OK);
    long n;
    for (n = 1;; n++) {
        assert_true(n < 1000);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            dk_fault_arm(n, DK_FAULT_EXIT);
            dk_err err = build_src(f->db, doc_b_src, 2);
            _exit(err == DK_OK ? 0 : 1);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 0)
            break;
        assert_int_equal(WEXITSTATUS(status), 77);
        assert_holds_a(f->db);
    }
    assert_true(n > 10);
    assert_holds_b(f->db);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_build_records_release_and_counts),
        T(test_build_accepts_a_matching_hash_and_refuses_another),
        T(test_districts_are_sorted_by_folded_name_in_each_language),
        T(test_district_by_slug_has_every_field_and_its_gallery),
        T(test_missing_slugs_give_notfound),
        T(test_texts_fall_back_to_german_when_a_translation_is_missing),
        T(test_projects_filter_by_district_status_and_visible_day),
        T(test_project_by_slug_has_body_contact_image_and_groups),
        T(test_groups_filter_by_district_and_kind),
        T(test_group_by_slug_and_groups_of_a_project),
        T(test_dates_from_a_time_filter_and_limit),
        T(test_page_by_slug_in_each_language),
        T(test_queries_refuse_bad_arguments),
        T(test_a_query_fails_cleanly_when_the_arena_budget_runs_out),
        T(test_search_finds_hoerde_with_or_without_umlaut),
        T(test_search_strasse_finds_strasse_spelled_with_sharp_s),
        T(test_search_matches_the_last_word_as_a_prefix_while_typing),
        T(test_search_shows_title_and_snippet_in_the_requested_language),
        T(test_search_snippets_keep_fields_apart),
        T(test_search_snippets_are_plain_text_without_markdown),
        T(test_search_ranks_title_matches_first),
        T(test_search_lists_each_entity_once_and_respects_the_limit),
        T(test_search_treats_hostile_queries_as_plain_words),
        T(test_build_refuses_unknown_format_and_schema),
        T(test_build_refuses_wrongly_typed_documents_and_keeps_the_old_db),
        T(test_build_refuses_bad_arguments_and_too_many_entities),
        T(test_open_refuses_unknown_layouts_and_other_files),
        T(test_rebuild_replaces_the_db_while_an_open_handle_keeps_reading),
        T(test_build_removes_a_stale_new_file),
        T(test_build_failing_at_any_step_keeps_the_old_db),
        T(test_build_killed_at_any_step_keeps_the_old_db),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
