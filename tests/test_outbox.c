/* test_outbox.c: the sealed-registration outbox (issue 5): sealing, durability, retry,
 * quarantine, limits, crashes at every step, and no plaintext on disk. */
#include "dk_test.h"

#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_fs.h"
#include "dk_outbox.h"
#include "dk_signup.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 2026-11-26T10:00:00Z */
#define T0 1795687200LL

typedef struct fixture {
    char *dir;
    unsigned char hub_pk[crypto_box_PUBLICKEYBYTES]; /* what the kiosk's config holds */
    unsigned char hub_sk[crypto_box_SECRETKEYBYTES]; /* only the hub has this */
} fixture;

static int setup(void **state)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = dkt_mkdtemp("outbox");
    crypto_box_keypair(f->hub_pk, f->hub_sk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dk_fault_disarm();
    dkt_rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- Helpers ---- */

static void set(char *dst, size_t dstsz, const char *src)
{
    assert_true(strlen(src) < dstsz);
    snprintf(dst, dstsz, "%s", src);
}
#define SET(field, text) set(field, sizeof(field), text)

/* Record i, with texts that are easy to find in a file if they ever reach one. */
static void make_record(dk_signup *r, int i)
{
    memset(r, 0, sizeof *r);
    char text[128];
    snprintf(text, sizeof text, "Quirinius Zwetschgenbaum-Öztürk %d", i);
    SET(r->name, text);
    snprintf(text, sizeof text, "quirinius.%d@zwetschgen-canary.example", i);
    SET(r->email, text);
    snprintf(text, sizeof text, "+49 231 7775%04d", i % 10000);
    SET(r->phone, text);
    snprintf(text, sizeof text, "Kanarienvogel-Nachricht %d: ich helfe gern", i);
    SET(r->message, text);
    SET(r->groups[0], "ag-canary-group");
    r->group_count = 1;
    SET(r->district, "hoerde");
    r->age_confirmed = true;
    r->consent = true;
    SET(r->consent_version, "canary-consent-v9");
    r->language = DK_LANG_DE;
    r->created = T0 + i;
}

static dk_outbox *open_with(fixture *f, const dk_outbox_options *o)
{
    dk_outbox *ob = NULL;
    dk_err err = dk_outbox_open(f->dir, o, &ob);
    if (err)
        fprintf(stderr, "open: %s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
    assert_non_null(ob);
    return ob;
}

static dk_outbox *open_default(fixture *f)
{
    return open_with(f, NULL);
}

static void add(fixture *f, dk_outbox *ob, int i, char key[DK_OUTBOX_IDEM_KEY_HEX])
{
    dk_signup r;
    make_record(&r, i);
    char tmp[DK_OUTBOX_IDEM_KEY_HEX];
    dk_err err = dk_outbox_add(ob, &r, f->hub_pk, key ? key : tmp);
    if (err)
        fprintf(stderr, "add: %s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
    dk_signup_wipe(&r);
}

static dk_outbox_stats stats(dk_outbox *ob, int64_t now)
{
    dk_outbox_stats s;
    assert_int_equal(dk_outbox_stats_get(ob, now, &s), DK_OK);
    return s;
}

static void db_path(const fixture *f, char *out, size_t outsz, const char *suffix)
{
    snprintf(out, outsz, "%s/%s%s", f->dir, DK_OUTBOX_FILE, suffix);
}

/* One integer from a plain SQLite connection of the test's own (no writes). */
static int64_t raw_int(const fixture *f, const char *sql)
{
    char path[4096];
    db_path(f, path, sizeof path, "");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* One text from the test's own connection, into out. */
static void raw_text(const fixture *f, const char *sql, char *out, size_t outsz)
{
    char path[4096];
    db_path(f, path, sizeof path, "");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *v = (const char *)sqlite3_column_text(st, 0);
    snprintf(out, outsz, "%s", v ? v : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The counters the triggers keep agree with the tables. */
static void assert_counts_consistent(const fixture *f)
{
    assert_int_equal(raw_int(f, "SELECT (SELECT records FROM counts WHERE tbl = 'outbox')"
                                " = (SELECT count(*) FROM outbox)"
                                " AND (SELECT bytes FROM counts WHERE tbl = 'outbox')"
                                " = (SELECT total(length(sealed)) FROM outbox)"
                                " AND (SELECT records FROM counts WHERE tbl = 'quarantine')"
                                " = (SELECT count(*) FROM quarantine)"
                                " AND (SELECT bytes FROM counts WHERE tbl = 'quarantine')"
                                " = (SELECT total(length(sealed)) FROM quarantine)"),
                     1);
}

static int is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Opens a sealed record with the hub's secret key and checks it is exactly record i's JSON. */
static void assert_hub_opens_as(const fixture *f, const dk_outbox_record *rec, int i)
{
    unsigned char plain[DK_SIGNUP_JSON_MAX];
    assert_true(rec->sealed_len > crypto_box_SEALBYTES);
    size_t plain_len = rec->sealed_len - crypto_box_SEALBYTES;
    assert_int_equal(crypto_box_seal_open(plain, rec->sealed, rec->sealed_len, f->hub_pk,
                                          f->hub_sk),
                     0);
    dk_signup r;
    make_record(&r, i);
    char want[DK_SIGNUP_JSON_MAX];
    size_t want_len = 0;
    assert_int_equal(dk_signup_to_json(&r, want, sizeof want, &want_len), DK_OK);
    assert_int_equal(plain_len, want_len);
    assert_memory_equal(plain, want, want_len);
    dk_signup back;
    assert_int_equal(dk_signup_from_json((const char *)plain, plain_len, &back), DK_OK);
    assert_string_equal(back.name, r.name);
    assert_string_equal(back.email, r.email);
}

static int contains(const char *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

/* How many (file, needle) pairs match: every file in the outbox's folder is searched bytewise
 * for every needle. */
static int files_containing(const fixture *f, const char *const *needles, size_t n)
{
    int hits = 0;
    char **names = NULL;
    size_t count = 0;
    assert_int_equal(dk_fs_list(f->dir, 100, &names, &count), DK_OK);
    assert_true(count >= 1);
    for (size_t k = 0; k < count; k++) {
        size_t len = 0;
        char *data = dkt_read(f->dir, names[k], &len);
        assert_non_null(data);
        for (size_t i = 0; i < n; i++) {
            if (contains(data, len, needles[i])) {
                fprintf(stderr, "%s contains \"%s\"\n", names[k], needles[i]);
                hits++;
            }
        }
        free(data);
    }
    free(names);
    return hits;
}

/* ---- Opening ---- */

static void test_open_creates_a_private_wal_database_with_its_layout(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    add(f, ob, 1, NULL); /* so that -wal and -shm exist */
    assert_int_equal(raw_int(f, "PRAGMA user_version"), DK_OUTBOX_SCHEMA);
    char mode[16];
    raw_text(f, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal"); /* stored in the file: every connection uses WAL */
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        db_path(f, path, sizeof path, suffixes[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600); /* the kiosk's user only */
    }
    /* A second handle (the sync worker's) opens the same file alongside. */
    dk_outbox *worker = open_default(f);
    assert_int_equal(stats(worker, T0).backlog, 1);
    dk_outbox_close(worker);
    dk_outbox_close(ob);
    dk_outbox_close(NULL);
    /* Reopening keeps what was stored. */
    ob = open_default(f);
    assert_int_equal(stats(ob, T0).backlog, 1);
    dk_outbox_close(ob);
}

static void test_open_refuses_other_files_and_unknown_layouts_and_leaves_them(void **state)
{
    fixture *f = *state;
    char path[4096];
    db_path(f, path, sizeof path, "");
    dk_outbox *ob = NULL;

    /* Not a database. */
    dkt_write(f->dir, DK_OUTBOX_FILE, "these are not the pages you are looking for........"
                                      "................................................");
    assert_int_equal(dk_outbox_open(f->dir, NULL, &ob), DK_ERR_CORRUPT);
    assert_null(ob);
    size_t len = 0;
    char *data = dkt_read(f->dir, DK_OUTBOX_FILE, &len);
    assert_non_null(data);
    assert_memory_equal(data, "these are not", 13);
    free(data);
    assert_int_equal(unlink(path), 0);

    /* A database of another program, and one from a future version of this one. */
    static const char *const others[] = {"CREATE TABLE t (x); ",
                                         "CREATE TABLE t (x); PRAGMA user_version = 7;"};
    for (int i = 0; i < 2; i++) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, others[i], NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(dk_outbox_open(f->dir, NULL, &ob), DK_ERR_CORRUPT);
        assert_null(ob);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_schema WHERE name = 't'"), 1);
        assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'outbox'"),
                         0);
        char p2[4096];
        for (int k = 0; k < 3; k++) {
            db_path(f, p2, sizeof p2, k == 0 ? "" : k == 1 ? "-wal" : "-shm");
            unlink(p2);
        }
    }

    /* A data folder that does not exist. */
    char missing[4096];
    snprintf(missing, sizeof missing, "%s/no/such/dir", f->dir);
    assert_int_not_equal(dk_outbox_open(missing, NULL, &ob), DK_OK);
    assert_null(ob);
}

static void test_open_refuses_options_out_of_range(void **state)
{
    fixture *f = *state;
    dk_outbox_options o;
    dk_outbox *ob = NULL;
    dk_outbox_options_default(&o);
    assert_int_equal(o.max_records, 100000);
    assert_int_equal(o.retry_min_s, 30);
    o.max_records = 0;
    assert_int_equal(dk_outbox_open(f->dir, &o, &ob), DK_ERR_INVALID);
    dk_outbox_options_default(&o);
    o.max_bytes = DK_OUTBOX_SEALED_MAX - 1; /* would refuse even the largest single record */
    assert_int_equal(dk_outbox_open(f->dir, &o, &ob), DK_ERR_INVALID);
    dk_outbox_options_default(&o);
    o.retry_max_s = o.retry_min_s - 1;
    assert_int_equal(dk_outbox_open(f->dir, &o, &ob), DK_ERR_INVALID);
    dk_outbox_options_default(&o);
    o.busy_timeout_ms = -1;
    assert_int_equal(dk_outbox_open(f->dir, &o, &ob), DK_ERR_INVALID);
    assert_null(ob);
    assert_int_equal(dkt_count_files(f->dir), 0); /* nothing created */
}

/* ---- Adding, sealing ---- */

static void test_add_stores_one_sealed_record_and_returns_its_key(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    char key[DK_OUTBOX_IDEM_KEY_HEX];
    memset(key, 'x', sizeof key);
    add(f, ob, 7, key);
    assert_true(is_hex32(key));

    dk_outbox_stats s = stats(ob, T0 + 7);
    assert_int_equal(s.backlog, 1);
    assert_int_equal(s.due, 1);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(s.oldest_age_s, 0);

    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 7, &rec), DK_OK);
    assert_string_equal(rec.idem_key, key);
    assert_int_equal(rec.created, T0 + 7);
    assert_int_equal(rec.attempts, 0);
    assert_int_equal(rec.next_attempt, T0 + 7);
    assert_int_equal(s.backlog_bytes, (int64_t)rec.sealed_len);
    dk_signup r;
    make_record(&r, 7);
    char json[DK_SIGNUP_JSON_MAX];
    size_t json_len = 0;
    assert_int_equal(dk_signup_to_json(&r, json, sizeof json, &json_len), DK_OK);
    assert_int_equal(rec.sealed_len, json_len + crypto_box_SEALBYTES);
    /* The caller's record is only read. */
    dk_signup again;
    make_record(&again, 7);
    assert_memory_equal(&r, &again, sizeof r);
    dk_outbox_close(ob);
}

static void test_the_kiosk_cannot_open_its_records_and_the_hub_can(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    add(f, ob, 1, NULL);
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 1, &rec), DK_OK);

    /* Everything the kiosk has or could make: the hub's public key (as a secret key too), its
     * device token, its release-signing public key, keys of its own, zeros. None opens it. */
    unsigned char candidates[8][crypto_box_SECRETKEYBYTES];
    memset(candidates[0], 0, sizeof candidates[0]);
    memcpy(candidates[1], f->hub_pk, sizeof candidates[1]);
    crypto_generichash(candidates[2], sizeof candidates[2],
                       (const unsigned char *)"device-token-3f9a", 17, NULL, 0);
    unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES], sign_sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(sign_pk, sign_sk);
    memcpy(candidates[3], sign_pk, sizeof candidates[3]);
    crypto_sign_ed25519_sk_to_curve25519(candidates[4], sign_sk);
    unsigned char own_pk[crypto_box_PUBLICKEYBYTES];
    crypto_box_keypair(own_pk, candidates[5]);
    randombytes_buf(candidates[6], sizeof candidates[6]);
    memcpy(candidates[7], rec.sealed, sizeof candidates[7]); /* the ephemeral public key */
    unsigned char plain[DK_SIGNUP_JSON_MAX];
    for (int i = 0; i < 8; i++) {
        unsigned char pk[crypto_box_PUBLICKEYBYTES];
        crypto_scalarmult_base(pk, candidates[i]);
        assert_int_not_equal(crypto_box_seal_open(plain, rec.sealed, rec.sealed_len, f->hub_pk,
                                                  candidates[i]),
                             0);
        assert_int_not_equal(
            crypto_box_seal_open(plain, rec.sealed, rec.sealed_len, pk, candidates[i]), 0);
    }
    /* The API itself never takes a secret key: dk_outbox_add() needs only the public one. */

    /* The hub opens it, and gets exactly the canonical record. */
    assert_hub_opens_as(f, &rec, 1);
    /* One changed byte anywhere and it does not open (the hub answers 400 only later, when
     * staff open it; it is never silently wrong). */
    for (size_t i = 0; i < rec.sealed_len; i += 37) {
        dk_outbox_record bad = rec;
        bad.sealed[i] ^= 1;
        assert_int_not_equal(crypto_box_seal_open(plain, bad.sealed, bad.sealed_len, f->hub_pk,
                                                  f->hub_sk),
                             0);
    }
    dk_outbox_close(ob);
}

static void test_sealing_is_randomised_and_keys_are_unique(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    enum { N = 20 };
    char keys[N][DK_OUTBOX_IDEM_KEY_HEX];
    for (int i = 0; i < N; i++)
        add(f, ob, 5, keys[i]); /* the same record every time */
    dk_outbox_record a, b;
    assert_int_equal(dk_outbox_next(ob, T0 + 5, &a), DK_OK);
    assert_int_equal(dk_outbox_ack(ob, a.id), DK_OK);
    assert_int_equal(dk_outbox_next(ob, T0 + 5, &b), DK_OK);
    assert_int_equal(a.sealed_len, b.sealed_len);
    assert_memory_not_equal(a.sealed, b.sealed, a.sealed_len);
    assert_hub_opens_as(f, &a, 5);
    assert_hub_opens_as(f, &b, 5);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < i; k++)
            assert_string_not_equal(keys[i], keys[k]);
    dk_outbox_close(ob);
}

static void test_no_plaintext_personal_data_ever_reaches_the_disk(void **state)
{
    fixture *f = *state;
    static const char *const needles[] = {
        "Quirinius", "Zwetschgen", "zwetschgen", "Öztürk", "quirinius.", "canary", "7775",
        "Kanarienvogel", "ich helfe", "hoerde",
        /* pieces of the JSON itself: if it was ever written, these would show */
        "consent_version", "district-kiosk-registration", "age_confirmed",
    };
    const size_t nn = sizeof needles / sizeof needles[0];
    dk_outbox *ob = open_default(f);
    dk_outbox *worker = open_default(f);
    for (int i = 0; i < 40; i++)
        add(f, ob, i, NULL);
    assert_int_equal(files_containing(f, needles, nn), 0);

    /* Upload some, quarantine some, reschedule some. */
    for (int i = 0; i < 40; i++) {
        dk_outbox_record rec;
        assert_int_equal(dk_outbox_next(worker, T0 + 100, &rec), DK_OK);
        if (i % 3 == 0)
            assert_int_equal(dk_outbox_ack(worker, rec.id), DK_OK);
        else if (i % 3 == 1)
            assert_int_equal(dk_outbox_quarantine(worker, rec.id, "HTTP 400 malformed", T0), DK_OK);
        else
            assert_int_equal(dk_outbox_retry(worker, rec.id, "HTTP 503", T0 + 100, NULL), DK_OK);
    }
    assert_int_equal(files_containing(f, needles, nn), 0);
    for (int i = 40; i < 60; i++)
        add(f, ob, i, NULL);
    assert_int_equal(files_containing(f, needles, nn), 0);

    /* Closing checkpoints the WAL into the main file: still nothing. */
    dk_outbox_close(worker);
    dk_outbox_close(ob);
    assert_int_equal(files_containing(f, needles, nn), 0);
    char **names = NULL;
    size_t count = 0;
    assert_int_equal(dk_fs_list(f->dir, 100, &names, &count), DK_OK);
    for (size_t i = 0; i < count; i++) /* no journal or temporary file of any other kind */
        assert_int_equal(strncmp(names[i], DK_OUTBOX_FILE, strlen(DK_OUTBOX_FILE)), 0);
    free(names);
    /* And the needles would be found if they were there (the test can fail). */
    dkt_write(f->dir, "control.txt", "a Quirinius in plain text");
    assert_int_equal(files_containing(f, needles, 1), 1);
}

/* ---- Uploading ---- */

static void test_records_come_oldest_first_and_ack_deletes_them(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    char keys[3][DK_OUTBOX_IDEM_KEY_HEX];
    for (int i = 0; i < 3; i++)
        add(f, ob, i, keys[i]);
    int64_t last_id = 0;
    for (int i = 0; i < 3; i++) {
        dk_outbox_record rec;
        assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_OK);
        assert_string_equal(rec.idem_key, keys[i]);
        assert_true(rec.id > last_id);
        assert_hub_opens_as(f, &rec, i);
        /* Asking again before the ack gives the same record (an upload in flight). */
        dk_outbox_record same;
        assert_int_equal(dk_outbox_next(ob, T0 + 10, &same), DK_OK);
        assert_int_equal(same.id, rec.id);
        assert_int_equal(dk_outbox_ack(ob, rec.id), DK_OK);
        assert_int_equal(dk_outbox_ack(ob, rec.id), DK_ERR_NOTFOUND); /* a second ack */
        last_id = rec.id;
    }
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_ERR_NOTFOUND);
    assert_int_equal(stats(ob, T0).backlog, 0);
    /* Ids are never reused, so a stale id cannot name a newer record. */
    add(f, ob, 9, NULL);
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_OK);
    assert_true(rec.id > last_id);
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

static void test_retry_backs_off_exponentially_with_jitter_and_keeps_the_error(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f); /* 30 s doubling to 3600 s, +-20 % */
    add(f, ob, 0, NULL);
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0, &rec), DK_OK);
    int64_t now = T0;
    for (int attempt = 1; attempt <= 10; attempt++) {
        int64_t delay = -1, base = 30;
        for (int k = 1; k < attempt && base < 3600; k++)
            base *= 2;
        if (base > 3600)
            base = 3600;
        assert_int_equal(dk_outbox_retry(ob, rec.id, "HTTP 503", now, &delay), DK_OK);
        assert_true(delay >= base * 80 / 100 && delay <= base * 120 / 100);
        dk_outbox_record r2;
        assert_int_equal(dk_outbox_next(ob, now + delay - 1, &r2), DK_ERR_NOTFOUND);
        assert_int_equal(dk_outbox_next(ob, now + delay, &r2), DK_OK);
        assert_int_equal(r2.attempts, attempt);
        assert_int_equal(r2.next_attempt, now + delay);
        assert_int_equal(stats(ob, now).max_attempts, attempt);
        now += delay;
    }
    assert_int_equal(dk_outbox_ack(ob, rec.id), DK_OK);
    /* Jitter: the first delay of twenty records is not always the same. */
    int seen[37] = {0}, distinct = 0;
    for (int i = 1; i <= 20; i++) {
        add(f, ob, i, NULL);
        assert_int_equal(dk_outbox_next(ob, T0 + 100, &rec), DK_OK);
        int64_t delay = 0;
        assert_int_equal(dk_outbox_retry(ob, rec.id, "timeout", T0 + 100, &delay), DK_OK);
        assert_true(delay >= 24 && delay <= 36);
        if (!seen[delay]++)
            distinct++;
    }
    assert_true(distinct >= 3);

    /* The error is kept as printable ASCII, cut to its limit. */
    char error[400];
    snprintf(error, sizeof error, "HTTP 502\nBad\x01gateway \xC3\xA4 %0300d", 7);
    assert_int_equal(dk_outbox_retry(ob, rec.id, error, now, NULL), DK_OK);
    char sql[256], stored[512];
    snprintf(sql, sizeof sql, "SELECT last_error FROM outbox WHERE id = %lld", (long long)rec.id);
    raw_text(f, sql, stored, sizeof stored);
    assert_int_equal(strlen(stored), DK_OUTBOX_ERROR_MAX);
    assert_memory_equal(stored, "HTTP 502?Bad?gateway ?? 0000", 28);
    assert_int_equal(dk_outbox_retry(ob, rec.id, NULL, now, NULL), DK_OK);
    assert_int_equal(dk_outbox_retry(ob, 99999, "x", now, NULL), DK_ERR_NOTFOUND);
    dk_outbox_close(ob);
}

static void test_a_record_waiting_for_retry_lets_the_next_one_go_first(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    char keys[2][DK_OUTBOX_IDEM_KEY_HEX];
    add(f, ob, 0, keys[0]);
    add(f, ob, 1, keys[1]);
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 5, &rec), DK_OK);
    assert_string_equal(rec.idem_key, keys[0]);
    int64_t delay = 0;
    assert_int_equal(dk_outbox_retry(ob, rec.id, "HTTP 500", T0 + 5, &delay), DK_OK);
    assert_int_equal(dk_outbox_next(ob, T0 + 5, &rec), DK_OK);
    assert_string_equal(rec.idem_key, keys[1]);
    assert_int_equal(dk_outbox_ack(ob, rec.id), DK_OK);
    assert_int_equal(dk_outbox_next(ob, T0 + 5, &rec), DK_ERR_NOTFOUND);
    dk_outbox_stats s = stats(ob, T0 + 5);
    assert_int_equal(s.backlog, 1); /* still waiting, just not due */
    assert_int_equal(s.due, 0);
    assert_int_equal(dk_outbox_next(ob, T0 + 5 + delay, &rec), DK_OK);
    assert_string_equal(rec.idem_key, keys[0]);
    dk_outbox_close(ob);
}

static void test_a_clock_that_jumped_back_does_not_strand_a_record(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    add(f, ob, 0, NULL);
    dk_outbox_record rec;
    /* The kiosk believed it was 2040 when the upload failed; now the clock is right again. */
    int64_t wrong = T0 + 14LL * 365 * 86400;
    assert_int_equal(dk_outbox_next(ob, wrong, &rec), DK_OK);
    assert_int_equal(dk_outbox_retry(ob, rec.id, "timeout", wrong, NULL), DK_OK);
    assert_int_equal(dk_outbox_next(ob, T0 + 60, &rec), DK_OK);
    assert_int_equal(stats(ob, T0 + 60).due, 1);
    dk_outbox_close(ob);
}

static void test_quarantine_keeps_the_record_sealed_counted_and_out_of_the_queue(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    add(f, ob, 3, NULL);
    add(f, ob, 4, NULL);
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_OK);
    assert_int_equal(dk_outbox_retry(ob, rec.id, "HTTP 503", T0 - 1000, NULL), DK_OK);
    assert_int_equal(dk_outbox_quarantine(ob, rec.id, "HTTP 400: malformed", T0 + 20), DK_OK);

    dk_outbox_stats s = stats(ob, T0 + 20);
    assert_int_equal(s.backlog, 1);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.quarantine_bytes, (int64_t)rec.sealed_len);
    dk_outbox_record next;
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &next), DK_OK);
    assert_int_not_equal(next.id, rec.id); /* the other record; the quarantined one is out */
    /* Kept whole: same key, same sealed bytes, its attempts, why and when. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT idem_key = '%s' AND attempts = 1 AND last_error = 'HTTP 503'"
             " AND reason = 'HTTP 400: malformed' AND quarantined = %lld AND created = %lld"
             " FROM quarantine WHERE id = %lld",
             rec.idem_key, (long long)(T0 + 20), (long long)(T0 + 3), (long long)rec.id);
    assert_int_equal(raw_int(f, sql), 1);
    snprintf(sql, sizeof sql, "SELECT length(sealed) FROM quarantine WHERE id = %lld",
             (long long)rec.id);
    assert_int_equal(raw_int(f, sql), (int64_t)rec.sealed_len);
    /* Neither acknowledged, rescheduled nor quarantined again. */
    assert_int_equal(dk_outbox_ack(ob, rec.id), DK_ERR_NOTFOUND);
    assert_int_equal(dk_outbox_retry(ob, rec.id, "x", T0, NULL), DK_ERR_NOTFOUND);
    assert_int_equal(dk_outbox_quarantine(ob, rec.id, "again", T0), DK_ERR_NOTFOUND);
    assert_int_equal(stats(ob, T0).quarantined, 1);
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

static void test_stats_count_backlog_due_quarantine_and_oldest_age(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    dk_outbox_stats s = stats(ob, T0);
    assert_int_equal(s.backlog, 0);
    assert_int_equal(s.oldest_age_s, 0);
    assert_int_equal(s.max_attempts, 0);
    add(f, ob, 0, NULL);  /* created T0 */
    add(f, ob, 10, NULL); /* T0 + 10 */
    add(f, ob, 20, NULL); /* T0 + 20 */
    s = stats(ob, T0 + 100);
    assert_int_equal(s.backlog, 3);
    assert_int_equal(s.due, 3);
    assert_int_equal(s.oldest_age_s, 100);
    assert_true(s.backlog_bytes > 3 * 100);
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 100, &rec), DK_OK);
    assert_int_equal(dk_outbox_retry(ob, rec.id, "HTTP 503", T0 + 100, NULL), DK_OK);
    s = stats(ob, T0 + 100);
    assert_int_equal(s.due, 2);
    assert_int_equal(s.max_attempts, 1);
    assert_int_equal(s.oldest_age_s, 100); /* still the oldest waiting */
    assert_int_equal(dk_outbox_quarantine(ob, rec.id, "HTTP 413", T0 + 100), DK_OK);
    s = stats(ob, T0 + 100);
    assert_int_equal(s.backlog, 2);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.oldest_age_s, 90);
    s = stats(ob, T0); /* a clock behind the records: no negative age */
    assert_int_equal(s.oldest_age_s, 0);
    dk_outbox_close(ob);
}

static void test_a_full_outbox_refuses_with_a_clear_error(void **state)
{
    fixture *f = *state;
    dk_outbox_options o;
    dk_outbox_options_default(&o);
    o.max_records = 5;
    dk_outbox *ob = open_with(f, &o);
    for (int i = 0; i < 5; i++)
        add(f, ob, i, NULL);
    dk_signup r;
    make_record(&r, 99);
    char key[DK_OUTBOX_IDEM_KEY_HEX] = "";
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_ERR_LIMIT);
    assert_non_null(strstr(dk_error_detail(), "outbox is full"));
    assert_string_equal(key, "");
    /* Quarantined records still count: they are kept, not dropped. */
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_OK);
    assert_int_equal(dk_outbox_quarantine(ob, rec.id, "HTTP 400", T0), DK_OK);
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_ERR_LIMIT);
    /* An acknowledged upload makes room. */
    assert_int_equal(dk_outbox_next(ob, T0 + 10, &rec), DK_OK);
    assert_int_equal(dk_outbox_ack(ob, rec.id), DK_OK);
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_OK);
    assert_int_equal(stats(ob, T0).backlog + stats(ob, T0).quarantined, 5);
    dk_outbox_close(ob);

    /* The byte limit, at its smallest allowed value. */
    o.max_records = 100000;
    o.max_bytes = DK_OUTBOX_SEALED_MAX;
    ob = open_with(f, &o);
    dk_outbox_stats s = stats(ob, T0);
    int added = 0;
    dk_err err;
    while ((err = dk_outbox_add(ob, &r, f->hub_pk, key)) == DK_OK)
        added++;
    assert_int_equal(err, DK_ERR_LIMIT);
    s = stats(ob, T0);
    assert_true(s.backlog_bytes + s.quarantine_bytes <= o.max_bytes);
    assert_true(added >= 1);
    dk_outbox_close(ob);
    dk_signup_wipe(&r);
}

static void test_add_refuses_invalid_records_and_unusable_keys_and_stores_nothing(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    dk_signup r;
    make_record(&r, 1);
    r.consent = false;
    char key[DK_OUTBOX_IDEM_KEY_HEX] = "";
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_ERR_INVALID);
    assert_non_null(strstr(dk_error_detail(), "CONSENT_MISSING"));
    assert_null(strstr(dk_error_detail(), "Quirinius")); /* errors never carry personal data */
    make_record(&r, 1);
    unsigned char zero_pk[crypto_box_PUBLICKEYBYTES] = {0};
    assert_int_equal(dk_outbox_add(ob, &r, zero_pk, key), DK_ERR_CRYPTO);
    assert_int_equal(dk_outbox_add(ob, NULL, f->hub_pk, key), DK_ERR_INVALID);
    assert_int_equal(dk_outbox_add(ob, &r, NULL, key), DK_ERR_INVALID);
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, NULL), DK_ERR_INVALID);
    assert_string_equal(key, "");
    assert_int_equal(stats(ob, T0).backlog, 0);
    dk_outbox_close(ob);
}

/* ---- Staff: the records the hub refused ---- */

/* Runs one statement on the test's own connection (crafting a state the kiosk never makes). */
static void raw_exec(const fixture *f, const char *sql)
{
    char path[4096];
    db_path(f, path, sizeof path, "");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

/* Takes the oldest due record and quarantines it with reason at when; returns it in *rec. */
static void refuse_next(dk_outbox *ob, const char *reason, int64_t when, dk_outbox_record *rec)
{
    assert_int_equal(dk_outbox_next(ob, T0 + 100000, rec), DK_OK);
    assert_int_equal(dk_outbox_quarantine(ob, rec->id, reason, when), DK_OK);
}

static dk_outbox_summary summary(dk_outbox *ob)
{
    dk_outbox_summary s;
    dk_err err = dk_outbox_quarantine_summary(ob, &s);
    if (err)
        fprintf(stderr, "summary: %s\n", dk_error_detail());
    assert_int_equal(err, DK_OK);
    return s;
}

static void test_summary_groups_refusals_by_cause_with_counts_and_the_newest_time(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    dk_outbox_summary s = summary(ob);
    assert_int_equal(s.groups, 0);
    assert_int_equal(s.quarantined, 0);
    for (int i = 0; i < 9; i++)
        add(f, ob, i, NULL);
    dk_outbox_record rec;
    /* Three 400s with different messages from the hub are one group: the reason as dk_sync
     * writes it carries the hub's words after the status. */
    refuse_next(ob, "refused by the hub (400): the record does not open", T0 + 10, &rec);
    refuse_next(ob, "refused by the hub (400): consent missing", T0 + 30, &rec);
    refuse_next(ob, "refused by the hub (400): not JSON", T0 + 20, &rec);
    refuse_next(ob, "refused by the hub (413): too large", T0 + 40, &rec);
    refuse_next(ob, "refused by the hub (409): This Idempotency-Key came before", T0 + 50, &rec);
    refuse_next(ob, "refused by the hub (409): This Idempotency-Key came before", T0 + 5, &rec);
    refuse_next(ob, "damaged in the kiosk's outbox", T0 + 60, &rec);
    refuse_next(ob, "HTTP 400: malformed", T0 + 70, &rec); /* not dk_sync's words: "other" */
    s = summary(ob);
    assert_int_equal(s.backlog, 1);
    assert_int_equal(s.quarantined, 8);
    assert_int_equal(s.quarantine_bytes, stats(ob, T0).quarantine_bytes);
    assert_int_equal(s.groups, 5);
    /* Most records first; among equals the newest first. */
    assert_int_equal(s.group[0].cause, DK_OUTBOX_CAUSE_HUB);
    assert_int_equal(s.group[0].status, 400);
    assert_int_equal(s.group[0].count, 3);
    assert_int_equal(s.group[0].newest, T0 + 30);
    assert_int_equal(s.group[1].cause, DK_OUTBOX_CAUSE_HUB);
    assert_int_equal(s.group[1].status, 409);
    assert_int_equal(s.group[1].count, 2);
    assert_int_equal(s.group[1].newest, T0 + 50);
    assert_int_equal(s.group[2].cause, DK_OUTBOX_CAUSE_OTHER);
    assert_int_equal(s.group[2].status, 0);
    assert_int_equal(s.group[2].newest, T0 + 70);
    assert_int_equal(s.group[3].cause, DK_OUTBOX_CAUSE_DAMAGED);
    assert_int_equal(s.group[3].newest, T0 + 60);
    assert_int_equal(s.group[4].cause, DK_OUTBOX_CAUSE_HUB);
    assert_int_equal(s.group[4].status, 413);
    assert_int_equal(s.group[4].count, 1);
    dk_outbox_close(ob);
}

static void test_summary_folds_groups_beyond_its_room_into_the_last(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    int n = DK_OUTBOX_SUMMARY_GROUPS + 3;
    for (int i = 0; i < n; i++)
        add(f, ob, i, NULL);
    for (int i = 0; i < n; i++) {
        char reason[64];
        snprintf(reason, sizeof reason, "refused by the hub (%d): odd", 400 + i);
        dk_outbox_record rec;
        refuse_next(ob, reason, T0 + i, &rec);
    }
    dk_outbox_summary s = summary(ob);
    assert_int_equal(s.quarantined, n);
    assert_int_equal(s.groups, DK_OUTBOX_SUMMARY_GROUPS);
    int64_t sum = 0;
    for (int i = 0; i < s.groups; i++)
        sum += s.group[i].count;
    assert_int_equal(sum, n); /* nothing lost in the folding */
    const dk_outbox_refusal *last = &s.group[DK_OUTBOX_SUMMARY_GROUPS - 1];
    assert_int_equal(last->cause, DK_OUTBOX_CAUSE_OTHER);
    assert_int_equal(last->count, 4);
    assert_int_equal(s.group[0].newest, T0 + n - 1); /* one each: the newest first */
    assert_int_equal(last->newest, T0 + 3);
    dk_outbox_close(ob);
}

static void test_release_sends_refused_records_again_with_their_keys_and_bytes(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    char keys[3][DK_OUTBOX_IDEM_KEY_HEX];
    for (int i = 0; i < 3; i++)
        add(f, ob, i, keys[i]);
    /* Records 0 and 1 failed once and were then refused; record 2 waits normally. */
    dk_outbox_record refused[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(dk_outbox_next(ob, T0 + 10, &refused[i]), DK_OK);
        assert_int_equal(dk_outbox_retry(ob, refused[i].id, "HTTP 503", T0 - 1000, NULL), DK_OK);
        assert_int_equal(
            dk_outbox_quarantine(ob, refused[i].id, "refused by the hub (400): x", T0 + 20), DK_OK);
    }
    assert_int_equal(stats(ob, T0 + 20).quarantined, 2);
    int64_t bytes_before = stats(ob, T0).backlog_bytes + stats(ob, T0).quarantine_bytes;

    int64_t released = -1;
    assert_int_equal(dk_outbox_release_quarantined(ob, T0 + 500, &released), DK_OK);
    assert_int_equal(released, 2);
    dk_outbox_stats st = stats(ob, T0 + 500);
    assert_int_equal(st.quarantined, 0);
    assert_int_equal(st.backlog, 3);
    assert_int_equal(st.due, 3);
    assert_int_equal(st.max_attempts, 0); /* a fresh start, not the next step of the backoff */
    assert_int_equal(st.backlog_bytes, bytes_before); /* the limits do not change */
    /* Back in their old places, under their old ids and keys, with the same sealed bytes (the
     * hub stores each at most once), no error kept. */
    for (int i = 0; i < 2; i++) {
        dk_outbox_record rec;
        assert_int_equal(dk_outbox_next(ob, T0 + 500, &rec), DK_OK);
        assert_int_equal(rec.id, refused[i].id);
        assert_string_equal(rec.idem_key, keys[i]);
        assert_int_equal(rec.sealed_len, refused[i].sealed_len);
        assert_memory_equal(rec.sealed, refused[i].sealed, rec.sealed_len);
        assert_int_equal(rec.created, T0 + i);
        assert_int_equal(rec.attempts, 0);
        assert_int_equal(rec.next_attempt, T0 + 500);
        assert_hub_opens_as(f, &rec, i);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT last_error = '' FROM outbox WHERE id = %lld",
                 (long long)rec.id);
        assert_int_equal(raw_int(f, sql), 1);
        assert_int_equal(dk_outbox_ack(ob, rec.id), DK_OK);
    }
    dk_outbox_record rec;
    assert_int_equal(dk_outbox_next(ob, T0 + 500, &rec), DK_OK);
    assert_string_equal(rec.idem_key, keys[2]);
    /* Nothing to release: DK_OK, none. */
    assert_int_equal(dk_outbox_release_quarantined(ob, T0 + 600, &released), DK_OK);
    assert_int_equal(released, 0);
    assert_int_equal(summary(ob).groups, 0);
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

/* 1 if any file of the outbox's folder holds the n bytes of needle. */
static int files_hold_bytes(const fixture *f, const unsigned char *needle, size_t n)
{
    char **names = NULL;
    size_t count = 0;
    int found = 0;
    assert_int_equal(dk_fs_list(f->dir, 100, &names, &count), DK_OK);
    for (size_t k = 0; k < count; k++) {
        size_t len = 0;
        char *data = dkt_read(f->dir, names[k], &len);
        assert_non_null(data);
        for (size_t i = 0; n <= len && i <= len - n && !found; i++)
            found = memcmp(data + i, needle, n) == 0;
        free(data);
    }
    free(names);
    return found;
}

static void test_delete_frees_the_limits_so_sign_up_resumes_and_leaves_no_copy(void **state)
{
    fixture *f = *state;
    dk_outbox_options o;
    dk_outbox_options_default(&o);
    o.max_records = 3;
    dk_outbox *ob = open_with(f, &o);
    for (int i = 0; i < 3; i++)
        add(f, ob, i, NULL);
    dk_outbox_record rec[3];
    for (int i = 0; i < 3; i++)
        refuse_next(ob, "refused by the hub (400): x", T0 + 1, &rec[i]);
    /* The quarantine fills the outbox: sign-up has paused. */
    dk_signup r;
    make_record(&r, 7);
    char key[DK_OUTBOX_IDEM_KEY_HEX];
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_ERR_LIMIT);
    /* Before: the sealed bytes are in the files (the needle is found at all). */
    assert_true(files_hold_bytes(f, rec[1].sealed + 100, 64));

    int64_t deleted = -1;
    assert_int_equal(dk_outbox_delete_quarantined(ob, 3, &deleted), DK_OK);
    assert_int_equal(deleted, 3);
    assert_int_equal(stats(ob, T0).quarantined, 0);
    assert_int_equal(stats(ob, T0).quarantine_bytes, 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM quarantine"), 0);
    /* Overwritten (secure_delete) and checkpointed: no copy in outbox.db or its -wal file. */
    for (int i = 0; i < 3; i++)
        assert_false(files_hold_bytes(f, rec[i].sealed + 100, 64));
    /* Sign-up resumes. */
    assert_int_equal(dk_outbox_add(ob, &r, f->hub_pk, key), DK_OK);
    dk_signup_wipe(&r);
    /* Nothing left: deleting again is no error. */
    assert_int_equal(dk_outbox_delete_quarantined(ob, DK_OUTBOX_ANY_COUNT, &deleted), DK_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(stats(ob, T0).backlog, 1); /* waiting records are never touched */
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

static void test_delete_refuses_when_more_were_refused_since_staff_looked(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    for (int i = 0; i < 3; i++)
        add(f, ob, i, NULL);
    dk_outbox_record rec;
    refuse_next(ob, "refused by the hub (400): x", T0, &rec);
    /* Staff were shown one; the worker sets a second aside before they confirm. */
    int64_t shown = summary(ob).quarantined;
    assert_int_equal(shown, 1);
    refuse_next(ob, "refused by the hub (413): y", T0 + 1, &rec);
    int64_t deleted = -1;
    assert_int_equal(dk_outbox_delete_quarantined(ob, shown, &deleted), DK_ERR_EXISTS);
    assert_non_null(strstr(dk_error_detail(), "nothing was deleted"));
    assert_int_equal(deleted, 0);
    assert_int_equal(stats(ob, T0).quarantined, 2);
    assert_int_equal(dk_outbox_delete_quarantined(ob, -2, &deleted), DK_ERR_INVALID);
    assert_int_equal(stats(ob, T0).quarantined, 2);
    /* Confirmed with the number there is now: done. */
    assert_int_equal(dk_outbox_delete_quarantined(ob, summary(ob).quarantined, &deleted), DK_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(stats(ob, T0).backlog, 1);
    dk_outbox_close(ob);
}

/* Fault point 1, 2, 3, ... of release and delete fails in turn: each call either did all of it
 * or nothing (the outbox and the quarantine exactly as before). */
static void test_release_and_delete_failing_at_any_step_change_nothing(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    for (int i = 0; i < 4; i++)
        add(f, ob, i, NULL);
    dk_outbox_record rec;
    for (int i = 0; i < 3; i++)
        refuse_next(ob, "refused by the hub (400): x", T0, &rec);
    for (int op = 0; op < 2; op++) {
        long n;
        for (n = 1;; n++) {
            assert_true(n < 50);
            dk_outbox_stats before = stats(ob, T0);
            int64_t done = -1;
            dk_fault_arm(n, DK_FAULT_FAIL);
            dk_err err = op == 0 ? dk_outbox_release_quarantined(ob, T0, &done)
                                 : dk_outbox_delete_quarantined(ob, 3, &done);
            long passed = dk_fault_passed();
            dk_fault_disarm();
            dk_outbox_stats after = stats(ob, T0);
            if (err) {
                assert_int_equal(err, DK_ERR_FAULT);
                assert_int_equal(done, 0);
                assert_int_equal(after.backlog, before.backlog);
                assert_int_equal(after.quarantined, before.quarantined);
                assert_int_equal(after.backlog_bytes, before.backlog_bytes);
                assert_counts_consistent(f);
                continue;
            }
            assert_int_equal(done, 3);
            if (op == 0) {
                assert_int_equal(after.backlog, 4);
                assert_int_equal(after.quarantined, 0);
            } else {
                assert_int_equal(after.backlog, 1);
                assert_int_equal(after.quarantined, 0);
            }
            assert_true(passed < n); /* a success ran past every point */
            break;
        }
        assert_true(n >= 3); /* begin, copied or counted, commit */
        /* Quarantine the same three again for the delete. */
        for (int i = 0; op == 0 && i < 3; i++)
            refuse_next(ob, "refused by the hub (400): x", T0, &rec);
    }
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

/* A record that cannot go back (its key is in the outbox already: a state only a damaged file
 * has) stops the whole release: none moves, none is lost. */
static void test_a_release_that_cannot_move_one_record_moves_none(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    for (int i = 0; i < 3; i++)
        add(f, ob, i, NULL);
    dk_outbox_record rec;
    refuse_next(ob, "refused by the hub (400): x", T0, &rec);
    refuse_next(ob, "refused by the hub (400): x", T0, &rec);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (idem_key, sealed, created, next_attempt)"
             " SELECT idem_key, sealed, created, 0 FROM quarantine WHERE id = %lld",
             (long long)rec.id);
    raw_exec(f, sql);
    dk_outbox_stats before = stats(ob, T0);
    int64_t released = -1;
    assert_int_equal(dk_outbox_release_quarantined(ob, T0, &released), DK_ERR_DB);
    assert_non_null(strstr(dk_error_detail(), "moving refused records back"));
    assert_int_equal(released, 0);
    dk_outbox_stats after = stats(ob, T0);
    assert_int_equal(after.backlog, before.backlog);
    assert_int_equal(after.quarantined, 2);
    assert_int_equal(summary(ob).quarantined, 2);
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

/* ---- Interruptions ---- */

/* Fault point 1, 2, 3, ... of dk_outbox_add() fails in turn. Before the commit the add must
 * fail and store nothing (the form then says "please try again"); the point after the commit
 * must not turn a stored record into an error. */
static void test_add_failing_at_any_step_stores_nothing_or_everything(void **state)
{
    fixture *f = *state;
    dk_outbox *ob = open_default(f);
    long n;
    for (n = 1;; n++) {
        assert_true(n < 100);
        dk_signup r;
        make_record(&r, (int)n);
        char key[DK_OUTBOX_IDEM_KEY_HEX] = "";
        int64_t before = stats(ob, T0).backlog;
        dk_fault_arm(n, DK_FAULT_FAIL);
        dk_err err = dk_outbox_add(ob, &r, f->hub_pk, key);
        long passed = dk_fault_passed();
        dk_fault_disarm();
        if (err) {
            assert_int_equal(err, DK_ERR_FAULT);
            assert_int_equal(stats(ob, T0).backlog, before);
            assert_string_equal(key, "");
            continue;
        }
        assert_int_equal(stats(ob, T0).backlog, before + 1);
        assert_true(is_hex32(key));
        if (passed < n)
            break; /* ran past every point */
    }
    assert_true(n >= 3);
    assert_counts_consistent(f);
    dk_outbox_close(ob);
}

/* The same with the process killed at each point, as by a power cut: afterwards the outbox
 * opens cleanly and holds the record whole or not at all; when the add returned (and the form
 * showed "Thank you") the record is there under the key it returned. */
static void test_add_killed_at_any_step_keeps_the_record_whole_or_not_at_all(void **state)
{
    fixture *f = *state;
    long n;
    int64_t stored = 0;
    int kept_after_kill = 0, lost_before_commit = 0;
    for (n = 1;; n++) {
        assert_true(n < 100);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            dk_outbox *ob = NULL;
            if (dk_outbox_open(f->dir, NULL, &ob) != DK_OK)
                _exit(2);
            dk_signup r;
            make_record(&r, (int)n);
            char key[DK_OUTBOX_IDEM_KEY_HEX];
            dk_fault_arm(n, DK_FAULT_EXIT);
            if (dk_outbox_add(ob, &r, f->hub_pk, key) != DK_OK)
                _exit(1);
            dk_fault_disarm();
            if (write(fds[1], key, sizeof key) != (ssize_t)sizeof key)
                _exit(3);
            dk_outbox_close(ob);
            _exit(0);
        }
        close(fds[1]);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        char key[DK_OUTBOX_IDEM_KEY_HEX] = "";
        ssize_t got = read(fds[0], key, sizeof key);
        close(fds[0]);

        dk_outbox *ob = open_default(f); /* includes quick_check */
        dk_outbox_stats s = stats(ob, T0);
        assert_counts_consistent(f);
        if (WEXITSTATUS(status) == 0) {
            assert_int_equal(got, (ssize_t)sizeof key);
            assert_int_equal(s.backlog, stored + 1);
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE idem_key = '%s'", key);
            assert_int_equal(raw_int(f, sql), 1);
            dk_outbox_close(ob);
            break;
        }
        assert_int_equal(WEXITSTATUS(status), 77);
        assert_true(s.backlog == stored || s.backlog == stored + 1);
        if (s.backlog == stored + 1) { /* killed after the commit: the whole record is there */
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT max(id) FROM outbox");
            int64_t id = raw_int(f, sql);
            dk_outbox_record rec;
            int64_t when = T0 + n;
            assert_int_equal(dk_outbox_next(ob, when, &rec), DK_OK);
            while (rec.id != id) { /* walk to the newest record */
                assert_int_equal(dk_outbox_retry(ob, rec.id, "skip", T0 + n, NULL), DK_OK);
                assert_int_equal(dk_outbox_next(ob, when, &rec), DK_OK);
            }
            assert_hub_opens_as(f, &rec, (int)n);
            kept_after_kill++;
            stored++;
        } else {
            lost_before_commit++;
        }
        dk_outbox_close(ob);
    }
    assert_true(lost_before_commit >= 2); /* killed after BEGIN, before COMMIT */
    assert_int_equal(kept_after_kill, 1); /* killed between COMMIT and "Thank you" */
}

typedef enum op { OP_ACK, OP_RETRY, OP_QUARANTINE } op;

static dk_err run_op(dk_outbox *ob, op which, int64_t id)
{
    switch (which) {
    case OP_ACK:
        return dk_outbox_ack(ob, id);
    case OP_RETRY:
        return dk_outbox_retry(ob, id, "HTTP 503", T0, NULL);
    default:
        return dk_outbox_quarantine(ob, id, "HTTP 400", T0);
    }
}

/* Acknowledging, rescheduling and quarantining killed at every step: each record stays in
 * exactly one place, whole, and the counters agree with the tables. */
static void test_upload_steps_killed_at_any_point_keep_each_record_exactly_once(void **state)
{
    fixture *f = *state;
    for (op which = OP_ACK; which <= OP_QUARANTINE; which++) {
        long n;
        for (n = 1;; n++) {
            assert_true(n < 100);
            dk_outbox *ob = open_default(f);
            dk_outbox_record rec;
            if (dk_outbox_next(ob, T0 + 1000000, &rec) != DK_OK) {
                add(f, ob, (int)n, NULL);
                assert_int_equal(dk_outbox_next(ob, T0 + 1000000, &rec), DK_OK);
            }
            dk_outbox_close(ob);
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT attempts FROM outbox WHERE id = %lld",
                     (long long)rec.id);
            int64_t attempts_before = raw_int(f, sql);

            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                dk_outbox *child = NULL;
                if (dk_outbox_open(f->dir, NULL, &child) != DK_OK)
                    _exit(2);
                dk_fault_arm(n, DK_FAULT_EXIT);
                _exit(run_op(child, which, rec.id) == DK_OK ? 0 : 1);
            }
            int status = 0;
            assert_int_equal(waitpid(pid, &status, 0), pid);
            assert_true(WIFEXITED(status));
            int code = WEXITSTATUS(status);
            assert_true(code == 0 || code == 77);

            ob = open_default(f);
            assert_counts_consistent(f);
            snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE id = %lld",
                     (long long)rec.id);
            int64_t in_outbox = raw_int(f, sql);
            snprintf(sql, sizeof sql, "SELECT count(*) FROM quarantine WHERE id = %lld",
                     (long long)rec.id);
            int64_t in_quarantine = raw_int(f, sql);
            /* Every fault point lies before the COMMIT: killed, nothing changed; returned,
             * the whole change is there. */
            int done = code == 0;
            assert_int_equal(in_outbox + in_quarantine, which == OP_ACK && done ? 0 : 1);
            switch (which) {
            case OP_ACK:
                assert_int_equal(in_outbox, !done);
                break;
            case OP_RETRY:
                snprintf(sql, sizeof sql, "SELECT attempts FROM outbox WHERE id = %lld",
                         (long long)rec.id);
                assert_int_equal(raw_int(f, sql), attempts_before + done);
                break;
            case OP_QUARANTINE:
                assert_int_equal(in_quarantine, done);
                break;
            }
            if (in_quarantine) { /* still sealed and whole */
                snprintf(sql, sizeof sql,
                         "SELECT length(sealed) FROM quarantine WHERE id = %lld",
                         (long long)rec.id);
                assert_int_equal(raw_int(f, sql), (int64_t)rec.sealed_len);
            }
            dk_outbox_close(ob);
            if (code == 0)
                break;
        }
        assert_true(n >= 3); /* each step has points after BEGIN and before COMMIT */
    }
}

/* ---- Threads ---- */

enum { THREAD_RECORDS = 150 };

typedef struct shared {
    fixture *f;
    char added[THREAD_RECORDS][DK_OUTBOX_IDEM_KEY_HEX];
    char acked[THREAD_RECORDS][DK_OUTBOX_IDEM_KEY_HEX];
    int ui_failures, worker_failures;
} shared;

static void *ui_thread(void *arg)
{
    shared *sh = arg;
    dk_outbox *ob = NULL;
    if (dk_outbox_open(sh->f->dir, NULL, &ob) != DK_OK) {
        sh->ui_failures++;
        return NULL;
    }
    for (int i = 0; i < THREAD_RECORDS; i++) {
        dk_signup r;
        make_record(&r, i);
        if (dk_outbox_add(ob, &r, sh->f->hub_pk, sh->added[i]) != DK_OK) {
            fprintf(stderr, "ui thread: %s\n", dk_error_detail());
            sh->ui_failures++;
        }
        dk_signup_wipe(&r);
    }
    dk_outbox_close(ob);
    return NULL;
}

static void *worker_thread(void *arg)
{
    shared *sh = arg;
    dk_outbox *ob = NULL;
    if (dk_outbox_open(sh->f->dir, NULL, &ob) != DK_OK) {
        sh->worker_failures++;
        return NULL;
    }
    int acked = 0;
    time_t deadline = time(NULL) + 120;
    while (acked < THREAD_RECORDS && time(NULL) < deadline) {
        dk_outbox_record rec;
        dk_err err = dk_outbox_next(ob, T0 + THREAD_RECORDS, &rec);
        if (err == DK_ERR_NOTFOUND) {
            usleep(1000);
            continue;
        }
        if (err == DK_OK)
            err = dk_outbox_ack(ob, rec.id);
        if (err) {
            fprintf(stderr, "worker thread: %s\n", dk_error_detail());
            sh->worker_failures++;
            break;
        }
        memcpy(sh->acked[acked++], rec.idem_key, DK_OUTBOX_IDEM_KEY_HEX);
    }
    dk_outbox_close(ob);
    return NULL;
}

static void test_ui_and_worker_threads_each_with_their_own_handle(void **state)
{
    fixture *f = *state;
    shared *sh = calloc(1, sizeof *sh);
    assert_non_null(sh);
    sh->f = f;
    dk_outbox *init = open_default(f); /* the file exists before both start */
    dk_outbox_close(init);
    pthread_t ui, worker;
    assert_int_equal(pthread_create(&worker, NULL, worker_thread, sh), 0);
    assert_int_equal(pthread_create(&ui, NULL, ui_thread, sh), 0);
    pthread_join(ui, NULL);
    pthread_join(worker, NULL);
    assert_int_equal(sh->ui_failures, 0);
    assert_int_equal(sh->worker_failures, 0);
    /* Every record added was uploaded once, in the order it was added. */
    for (int i = 0; i < THREAD_RECORDS; i++)
        assert_string_equal(sh->acked[i], sh->added[i]);
    dk_outbox *ob = open_default(f);
    assert_int_equal(stats(ob, T0).backlog, 0);
    dk_outbox_close(ob);
    assert_counts_consistent(f);
    free(sh);
}

/* ---- Size and speed ---- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 10,000 records (the "hub unreachable while 10,000 records queue up") fit, and are
 * drained in order. Prints the figures: each add is one fsync'd commit (synchronous=FULL).
 * DK_OUTBOX_BENCH_N changes the count. */
static void test_ten_thousand_records_fit_and_drain_in_order(void **state)
{
    fixture *f = *state;
    const char *env = getenv("DK_OUTBOX_BENCH_N");
    long n = env && *env ? strtol(env, NULL, 10) : 10000;
    assert_true(n > 0 && n <= 100000);
    dk_outbox *ui = open_default(f);
    dk_outbox *worker = open_default(f);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++)
        add(f, ui, (int)i, NULL);
    double add_s = seconds_since(&t0);

    dk_outbox_stats s = stats(ui, T0 + n);
    assert_int_equal(s.backlog, n);
    char path[4096];
    db_path(f, path, sizeof path, "");
    struct stat st, wal;
    assert_int_equal(stat(path, &st), 0);
    char wal_path[4096];
    db_path(f, wal_path, sizeof wal_path, "-wal");
    if (stat(wal_path, &wal) != 0)
        wal.st_size = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        dk_outbox_record rec;
        assert_int_equal(dk_outbox_next(worker, T0 + n, &rec), DK_OK);
        assert_int_equal(rec.created, T0 + i);
        assert_int_equal(dk_outbox_ack(worker, rec.id), DK_OK);
    }
    double drain_s = seconds_since(&t0);
    assert_int_equal(stats(ui, T0).backlog, 0);
    printf("outbox: %ld adds in %.2f s = %.0f records/s (sealed, one fsync'd commit each); "
           "backlog %.1f KiB sealed, outbox.db %.1f MiB + wal %.1f MiB; "
           "next+ack %.0f records/s\n",
           n, add_s, (double)n / add_s, (double)s.backlog_bytes / 1024.0,
           (double)st.st_size / 1048576.0, (double)wal.st_size / 1048576.0,
           (double)n / drain_s);
    /* "Comfortably": the default limits hold this many of the largest records too. */
    assert_true(10000LL * DK_OUTBOX_SEALED_MAX < DK_OUTBOX_DEFAULT_MAX_BYTES);
    assert_true(10000 < DK_OUTBOX_DEFAULT_MAX_RECORDS);
    dk_outbox_close(worker);
    dk_outbox_close(ui);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_creates_a_private_wal_database_with_its_layout),
        T(test_open_refuses_other_files_and_unknown_layouts_and_leaves_them),
        T(test_open_refuses_options_out_of_range),
        T(test_add_stores_one_sealed_record_and_returns_its_key),
        T(test_the_kiosk_cannot_open_its_records_and_the_hub_can),
        T(test_sealing_is_randomised_and_keys_are_unique),
        T(test_no_plaintext_personal_data_ever_reaches_the_disk),
        T(test_records_come_oldest_first_and_ack_deletes_them),
        T(test_retry_backs_off_exponentially_with_jitter_and_keeps_the_error),
        T(test_a_record_waiting_for_retry_lets_the_next_one_go_first),
        T(test_a_clock_that_jumped_back_does_not_strand_a_record),
        T(test_quarantine_keeps_the_record_sealed_counted_and_out_of_the_queue),
        T(test_stats_count_backlog_due_quarantine_and_oldest_age),
        T(test_a_full_outbox_refuses_with_a_clear_error),
        T(test_add_refuses_invalid_records_and_unusable_keys_and_stores_nothing),
        T(test_summary_groups_refusals_by_cause_with_counts_and_the_newest_time),
        T(test_summary_folds_groups_beyond_its_room_into_the_last),
        T(test_release_sends_refused_records_again_with_their_keys_and_bytes),
        T(test_delete_frees_the_limits_so_sign_up_resumes_and_leaves_no_copy),
        T(test_delete_refuses_when_more_were_refused_since_staff_looked),
        T(test_release_and_delete_failing_at_any_step_change_nothing),
        T(test_a_release_that_cannot_move_one_record_moves_none),
        T(test_add_failing_at_any_step_stores_nothing_or_everything),
        T(test_add_killed_at_any_step_keeps_the_record_whole_or_not_at_all),
        T(test_upload_steps_killed_at_any_point_keep_each_record_exactly_once),
        T(test_ui_and_worker_threads_each_with_their_own_handle),
        T(test_ten_thousand_records_fit_and_drain_in_order),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
