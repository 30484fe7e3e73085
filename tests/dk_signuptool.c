/* dk_signuptool.c: registration fixtures and checks for the sign-up delivery tests, built on
 * dk_outbox exactly as the kiosk uses it (tests/signup_*.sh, tests/ui_signup.sh).
 *
 *   dk-signuptool keygen KEYFILE
 *       a registration key pair as the hub keeps it: the secret key as 64 hex digits in KEYFILE
 *       (mode 0600); prints the public key (registration_pubkey).
 *   dk-signuptool add DATA_DIR PUBHEX N [--tag T] [--hold]
 *       stores N registrations in DATA_DIR/outbox.db as the kiosk's "Send" does (dk_outbox_add:
 *       validated, sealed to PUBHEX, committed), each with its own name, e-mail and phone
 *       ("Jürgen Weiß-Çelik T-i", "t-i@example.de"; T defaults to "t"). After each commit it
 *       prints "ok IDEMPOTENCY_KEY T-i" and flushes: those are the registrations that showed
 *       "Thank you". With --hold it then keeps the outbox open (its -wal and -shm files exist)
 *       and prints "holding" until standard input ends.
 *   dk-signuptool bad DATA_DIR PUBHEX KIND
 *       writes one record the hub must refuse straight into the outbox table (a test hook; the
 *       kiosk never writes such a record): KIND "garbage" seals bytes that are no registration
 *       to PUBHEX, "otherkey" seals a valid registration to another key. Prints its key.
 *   dk-signuptool open DATA_DIR KEYFILE [--quarantine]
 *       opens every waiting (or quarantined) record with the secret key in KEYFILE and prints
 *       its plaintext, one line each. Exit 1 if any does not open.
 *   dk-signuptool keys DATA_DIR [--quarantine]
 *       prints the idempotency keys waiting (or quarantined), oldest first.
 *   dk-signuptool stats DATA_DIR
 *       prints "backlog N due N quarantined N". */
#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_outbox.h"
#include "dk_signup.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "dk-signuptool: %s: %s\n", what, dk_error_detail());
    return 1;
}

static int read_pub(const char *hex, unsigned char pk[crypto_box_PUBLICKEYBYTES])
{
    if (strlen(hex) != 2 * crypto_box_PUBLICKEYBYTES ||
        dk_hex_decode(hex, pk, crypto_box_PUBLICKEYBYTES) != DK_OK) {
        fprintf(stderr, "dk-signuptool: not a public key (64 hex digits): %s\n", hex);
        return -1;
    }
    return 0;
}

static int read_secret(const char *path, unsigned char pk[crypto_box_PUBLICKEYBYTES],
                       unsigned char sk[crypto_box_SECRETKEYBYTES])
{
    char *text = NULL;
    size_t len = 0;
    if (dk_fs_read(path, 256, &text, &len) != DK_OK) {
        fail(path);
        return -1;
    }
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    int bad = len != 2 * crypto_box_SECRETKEYBYTES ||
              dk_hex_decode(text, sk, crypto_box_SECRETKEYBYTES) != DK_OK ||
              crypto_scalarmult_base(pk, sk) != 0;
    sodium_memzero(text, len);
    free(text);
    if (bad)
        fprintf(stderr, "dk-signuptool: %s holds no registration secret key\n", path);
    return bad ? -1 : 0;
}

static int cmd_keygen(const char *path)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    char hex[2 * crypto_box_SECRETKEYBYTES + 2];
    crypto_box_keypair(pk, sk);
    dk_hex_encode(sk, sizeof sk, hex);
    hex[2 * crypto_box_SECRETKEYBYTES] = '\n';
    hex[2 * crypto_box_SECRETKEYBYTES + 1] = '\0';
    dk_err err = dk_fs_write_atomic(path, hex, strlen(hex), 0600);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(hex, sizeof hex);
    if (err)
        return fail(path);
    dk_hex_encode(pk, sizeof pk, hex);
    printf("%s\n", hex);
    return 0;
}

/* A registration as a visitor might type it: umlauts, ß, a Turkish letter, @, a phone number. */
static void make_record(dk_signup *r, const char *tag, long i)
{
    dk_signup_wipe(r);
    snprintf(r->name, sizeof r->name, "Jürgen Weiß-Çelik %s-%ld", tag, i);
    snprintf(r->email, sizeof r->email, "%s-%ld@example.de", tag, i);
    snprintf(r->phone, sizeof r->phone, "+49 231 %07ld", 1000000 + i % 9000000);
    snprintf(r->groups[0], sizeof r->groups[0], "hoerde-projektgruppe-lichterfest");
    r->group_count = 1;
    snprintf(r->district, sizeof r->district, "hoerde");
    snprintf(r->message, sizeof r->message, "Gern samstags – grüße!");
    r->age_confirmed = true;
    r->consent = true;
    snprintf(r->consent_version, sizeof r->consent_version, "privacy-test-1");
    r->language = DK_LANG_DE;
    r->created = (int64_t)time(NULL);
}

static int cmd_add(const char *data_dir, const char *pubhex, long n, const char *tag, int hold)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES];
    if (read_pub(pubhex, pk) != 0)
        return 2;
    dk_outbox *ob = NULL;
    if (dk_outbox_open(data_dir, NULL, &ob) != DK_OK)
        return fail("open the outbox");
    dk_signup rec;
    for (long i = 1; i <= n; i++) {
        make_record(&rec, tag, i);
        char key[DK_OUTBOX_IDEM_KEY_HEX];
        dk_err err = dk_outbox_add(ob, &rec, pk, key);
        dk_signup_wipe(&rec);
        if (err) {
            dk_outbox_close(ob);
            return fail("add a registration");
        }
        printf("ok %s %s-%ld\n", key, tag, i);
        fflush(stdout);
    }
    if (hold) {
        printf("holding\n");
        fflush(stdout);
        char buf[64];
        while (fgets(buf, sizeof buf, stdin)) {
        }
    }
    dk_outbox_close(ob);
    return 0;
}

static int cmd_bad(const char *data_dir, const char *pubhex, const char *kind)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES], other_sk[crypto_box_SECRETKEYBYTES];
    if (read_pub(pubhex, pk) != 0)
        return 2;
    char plain[DK_SIGNUP_JSON_MAX];
    size_t plain_len = 0;
    if (strcmp(kind, "garbage") == 0) {
        plain_len = (size_t)snprintf(plain, sizeof plain, "{\"format\":\"not a registration\"}");
    } else if (strcmp(kind, "otherkey") == 0) {
        dk_signup rec;
        make_record(&rec, "other", 1);
        dk_err err = dk_signup_to_json(&rec, plain, sizeof plain, &plain_len);
        dk_signup_wipe(&rec);
        if (err)
            return fail("write a record");
        crypto_box_keypair(pk, other_sk); /* sealed to a key the hub does not have */
        sodium_memzero(other_sk, sizeof other_sk);
    } else {
        fprintf(stderr, "dk-signuptool: bad KIND is garbage or otherkey\n");
        return 2;
    }
    unsigned char sealed[DK_OUTBOX_SEALED_MAX];
    if (crypto_box_seal(sealed, (const unsigned char *)plain, plain_len, pk) != 0)
        return 1;
    sodium_memzero(plain, sizeof plain);
    dk_outbox *ob = NULL; /* makes the file and its tables if needed */
    if (dk_outbox_open(data_dir, NULL, &ob) != DK_OK)
        return fail("open the outbox");
    dk_outbox_close(ob);
    char path[4096], key[DK_OUTBOX_IDEM_KEY_HEX];
    unsigned char kb[DK_OUTBOX_IDEM_KEY_BYTES];
    randombytes_buf(kb, sizeof kb);
    dk_hex_encode(kb, sizeof kb, key);
    snprintf(path, sizeof path, "%s/%s", data_dir, DK_OUTBOX_FILE);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(db, 5000);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO outbox (idem_key, sealed, created, next_attempt) "
                                "VALUES (?1, ?2, ?3, ?3)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, sealed, (int)(plain_len + crypto_box_SEALBYTES), SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        fprintf(stderr, "dk-signuptool: cannot insert: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        return 1;
    printf("%s\n", key);
    return 0;
}

static int cmd_rows(const char *data_dir, const char *keyfile, int quarantine)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    if (keyfile && read_secret(keyfile, pk, sk) != 0)
        return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir, DK_OUTBOX_FILE);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *sql = quarantine ? "SELECT id, idem_key, sealed FROM quarantine ORDER BY id"
                                 : "SELECT id, idem_key, sealed FROM outbox ORDER BY id";
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "dk-signuptool: cannot read %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    int bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        if (!keyfile) {
            printf("%s\n", key ? key : "");
            continue;
        }
        const unsigned char *sealed = sqlite3_column_blob(st, 2);
        int n = sqlite3_column_bytes(st, 2);
        unsigned char plain[8192];
        if (!sealed || n <= (int)crypto_box_SEALBYTES || n > (int)sizeof plain ||
            crypto_box_seal_open(plain, sealed, (unsigned long long)n, pk, sk) != 0) {
            printf("record %lld (%s) does not open with this key\n", id, key ? key : "");
            bad = 1;
            continue;
        }
        printf("%.*s\n", n - (int)crypto_box_SEALBYTES, (const char *)plain);
        sodium_memzero(plain, sizeof plain);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    sodium_memzero(sk, sizeof sk);
    return bad;
}

static int cmd_stats(const char *data_dir)
{
    dk_outbox *ob = NULL;
    dk_outbox_stats s;
    if (dk_outbox_open(data_dir, NULL, &ob) != DK_OK ||
        dk_outbox_stats_get(ob, (int64_t)time(NULL), &s) != DK_OK) {
        dk_outbox_close(ob);
        return fail("count the outbox");
    }
    dk_outbox_close(ob);
    printf("backlog %lld due %lld quarantined %lld\n", (long long)s.backlog, (long long)s.due,
           (long long)s.quarantined);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: dk-signuptool keygen KEYFILE | add DATA_DIR PUBHEX N [--tag T] "
                    "[--hold] | bad DATA_DIR PUBHEX garbage|otherkey | open DATA_DIR KEYFILE "
                    "[--quarantine] | keys DATA_DIR [--quarantine] | stats DATA_DIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (dk_crypto_init() != DK_OK)
        return fail("libsodium");
    if (argc < 3)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "keygen") == 0 && argc == 3)
        return cmd_keygen(argv[2]);
    if (strcmp(cmd, "add") == 0 && argc >= 5) {
        const char *tag = "t";
        int hold = 0;
        for (int i = 5; i < argc; i++) {
            if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
                tag = argv[++i];
            else if (strcmp(argv[i], "--hold") == 0)
                hold = 1;
            else
                return usage();
        }
        return cmd_add(argv[2], argv[3], strtol(argv[4], NULL, 10), tag, hold);
    }
    if (strcmp(cmd, "bad") == 0 && argc == 5)
        return cmd_bad(argv[2], argv[3], argv[4]);
    int quarantine = argc > 3 && strcmp(argv[argc - 1], "--quarantine") == 0;
    if (strcmp(cmd, "open") == 0 && argc >= 4)
        return cmd_rows(argv[2], argv[3], quarantine);
    if (strcmp(cmd, "keys") == 0)
        return cmd_rows(argv[2], NULL, quarantine);
    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(argv[2]);
    return usage();
}
