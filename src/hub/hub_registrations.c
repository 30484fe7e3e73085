/* hub_registrations.c: sealed volunteer registrations on the hub: receiving, opening, listing,
 * CSV export, hand-over, deletion and the retention purge. */
#include "hub_registrations.h"

#include "dk_crypto.h"
#include "dk_fs.h"
#include "dk_sign.h"

#include <jansson.h>
#include <malloc.h> /* malloc_usable_size */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(HUB_SEALED_MIN == crypto_box_SEALBYTES + 1, "smallest sealed record");
_Static_assert(DK_SIGNUP_JSON_MAX + crypto_box_SEALBYTES <= HUB_SEALED_MAX, "kiosk records fit");

#define KEY_FILE_MAX 256 /* [bytes] keys/registration.key: 64 hex digits and a newline */

/* Sets err with the current detail between before and after (copied first: the detail buffer
 * is the one being written). */
static dk_err with_detail(dk_err err, const char *before, const char *after)
{
    char was[DK_ERROR_DETAIL_MAX];
    snprintf(was, sizeof was, "%s", dk_error_detail());
    return dk_error_set(err, "%s%s%s", before, was, after);
}

/* ---- jansson: wipe what it frees ----
 * Blocks stay plain malloc() blocks (callers free json_dumps() output with free()); jansson's own
 * frees wipe the whole usable size first. */

static void wiping_free(void *block)
{
    if (!block)
        return;
    sodium_memzero(block, malloc_usable_size(block));
    free(block);
}

void hub_json_wipe_freed(void)
{
    json_set_alloc_funcs(malloc, wiping_free);
}

/* ---- the key ring ---- */

struct hub_regkey {
    size_t count; /* keys[0] is the current key, then the retired ones */
    unsigned char pk[HUB_REGKEY_RING_MAX][crypto_box_PUBLICKEYBYTES];
    unsigned char sk[HUB_REGKEY_RING_MAX][crypto_box_SECRETKEYBYTES];
};

/* Reads one secret key file into sk and derives pk; the file's text is wiped. */
static dk_err read_secret(const char *path, unsigned char sk[crypto_box_SECRETKEYBYTES],
                          unsigned char pk[crypto_box_PUBLICKEYBYTES])
{
    char *text = NULL;
    size_t len = 0;
    dk_err err = dk_fs_read(path, KEY_FILE_MAX, &text, &len);
    if (err)
        return with_detail(err, "cannot read the registration key: ", "");
    size_t n = len;
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    if (n != 2 * crypto_box_SECRETKEYBYTES ||
        dk_hex_decode(text, sk, crypto_box_SECRETKEYBYTES) != DK_OK)
        err = dk_error_set(DK_ERR_INVALID, "%s is not a registration secret key (64 hex digits)",
                           path);
    else if (crypto_scalarmult_base(pk, sk) != 0)
        err = dk_error_set(DK_ERR_INVALID, "%s holds an unusable key", path);
    sodium_memzero(text, len);
    free(text);
    return err;
}

/* Adds the key in path to k unless k holds it already (a retired copy that an interrupted
 * rotate left beside the current key). */
static dk_err ring_add(hub_regkey *k, const char *path)
{
    if (k->count == HUB_REGKEY_RING_MAX)
        return dk_error_set(DK_ERR_LIMIT,
                            "more than %d registration keys (the current one and those in "
                            "keys/registration-retired/); the hub opens at most that many",
                            HUB_REGKEY_RING_MAX);
    dk_err err = read_secret(path, k->sk[k->count], k->pk[k->count]);
    if (err) {
        sodium_memzero(k->sk[k->count], sizeof k->sk[k->count]);
        return err;
    }
    for (size_t i = 0; i < k->count; i++)
        if (sodium_memcmp(k->pk[i], k->pk[k->count], sizeof k->pk[i]) == 0) {
            sodium_memzero(k->sk[k->count], sizeof k->sk[k->count]);
            return DK_OK;
        }
    k->count++;
    return DK_OK;
}

dk_err hub_regkey_load(const char *path, hub_regkey **out)
{
    return hub_regkey_load_ring(path, NULL, out);
}

int hub_regkey_retired_name(const char *name)
{
    /* <YYYYMMDDTHHMMSSZ>-<8 hex>.key, as hub_regkey_rotate names them */
    static const char shape[] = "ddddddddTddddddZ-hhhhhhhh.key";
    if (strlen(name) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++) {
        char c = name[i];
        if (shape[i] == 'd'   ? !(c >= '0' && c <= '9')
            : shape[i] == 'h' ? !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                              : c != shape[i])
            return 0;
    }
    return 1;
}

dk_err hub_regkey_load_ring(const char *path, const char *retired_dir, hub_regkey **out)
{
    *out = NULL;
    hub_regkey *k = sodium_malloc(sizeof *k); /* guarded pages, locked in memory */
    if (!k)
        return dk_error_set(DK_ERR_NOMEM, "out of memory for the registration keys");
    k->count = 0;
    dk_err err = ring_add(k, path);
    char **names = NULL;
    size_t n = 0;
    if (!err && retired_dir && dk_fs_is_dir(retired_dir))
        err = dk_fs_list(retired_dir, HUB_REGKEY_RING_MAX * 4, &names, &n);
    /* Newest first: the names start with the time of the rotation that retired the key. */
    for (size_t i = n; i-- > 0 && !err;) {
        char file[4096];
        if (!hub_regkey_retired_name(names[i]))
            continue; /* temporary files of an interrupted write, notes staff left */
        if (!(err = dk_fs_join(file, sizeof file, retired_dir, names[i])))
            err = ring_add(k, file);
    }
    free(names);
    if (err) {
        hub_regkey_free(k);
        return err;
    }
    sodium_mprotect_readonly(k); /* a stray write ends the process instead of changing a key */
    *out = k;
    return DK_OK;
}

void hub_regkey_free(hub_regkey *k)
{
    if (k)
        sodium_free(k); /* zeroes the memory first */
}

const unsigned char *hub_regkey_public(const hub_regkey *k)
{
    return k->pk[0];
}

size_t hub_regkey_count(const hub_regkey *k)
{
    return k->count;
}

const unsigned char *hub_regkey_public_at(const hub_regkey *k, size_t i)
{
    return i < k->count ? k->pk[i] : NULL;
}

/* ---- receiving ---- */

int hub_idem_key_valid(const char *key)
{
    if (!key || strlen(key) != HUB_IDEM_KEY_HEX - 1)
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

dk_err hub_registration_open(const hub_regkey *k, const void *sealed, size_t len, dk_signup *out)
{
    dk_signup_wipe(out);
    if (len < HUB_SEALED_MIN || len > HUB_SEALED_MAX)
        return dk_error_set(DK_ERR_INVALID,
                            "a sealed registration has %d to %d bytes, this one %zu",
                            HUB_SEALED_MIN, HUB_SEALED_MAX, len);
    unsigned char plain[HUB_SEALED_MAX - crypto_box_SEALBYTES];
    size_t plain_len = len - crypto_box_SEALBYTES;
    size_t i = 0;
    while (i < k->count && crypto_box_seal_open(plain, sealed, len, k->pk[i], k->sk[i]) != 0)
        i++;
    if (i == k->count) {
        sodium_memzero(plain, sizeof plain);
        return dk_error_set(DK_ERR_CRYPTO,
                            "the record does not open with this hub's registration key%s "
                            "(sealed to another key, damaged or cut short)",
                            k->count > 1 ? " nor a retired one" : "");
    }
    dk_err err = dk_signup_from_json((const char *)plain, plain_len, out);
    sodium_memzero(plain, sizeof plain);
    return err; /* the detail names a field and rule, never a value (dk_signup.h) */
}

static void lock_db(pthread_mutex_t *lock)
{
    if (lock)
        pthread_mutex_lock(lock);
}

static void unlock_db(pthread_mutex_t *lock)
{
    if (lock)
        pthread_mutex_unlock(lock);
}

/* A replay or a conflict of a key stored before: DK_OK with *outcome set, or DK_ERR_NOTFOUND. */
static dk_err compare_stored(hub_db *db, pthread_mutex_t *lock, const char *device,
                             const char *idem_key, const void *body, size_t len,
                             hub_receive_outcome *outcome, long long *id)
{
    int same = 0;
    lock_db(lock);
    dk_err err = hub_db_registration_compare(db, device, idem_key, body, len, id, &same);
    unlock_db(lock);
    if (!err)
        *outcome = same ? HUB_RECEIVE_REPLAY : HUB_RECEIVE_CONFLICT;
    return err;
}

dk_err hub_registration_receive(hub_db *db, pthread_mutex_t *lock, const hub_regkey *k,
                                const char *device, const char *idem_key, const void *body,
                                size_t len, long long now, hub_receive_outcome *outcome,
                                long long *id)
{
    *id = 0;
    if (!hub_idem_key_valid(idem_key))
        return dk_error_set(DK_ERR_INVALID,
                            "the Idempotency-Key header must be 32 lower-case hex digits");
    if (len < HUB_SEALED_MIN || len > HUB_SEALED_MAX)
        return dk_error_set(DK_ERR_INVALID,
                            "a sealed registration has %d to %d bytes, this one %zu",
                            HUB_SEALED_MIN, HUB_SEALED_MAX, len);
    /* A retry is answered from what is stored: no need to open it again. */
    dk_err err = compare_stored(db, lock, device, idem_key, body, len, outcome, id);
    if (err != DK_ERR_NOTFOUND)
        return err;

    dk_signup rec;
    if ((err = hub_registration_open(k, body, len, &rec)))
        return err; /* rec is wiped */
    lock_db(lock);
    err = hub_db_registration_add(db, device, idem_key, body, len, now, &rec, id);
    unlock_db(lock);
    dk_signup_wipe(&rec);
    if (err == DK_ERR_EXISTS) /* the same key arrived at the same time on another connection */
        return compare_stored(db, lock, device, idem_key, body, len, outcome, id);
    if (!err)
        *outcome = HUB_RECEIVE_STORED;
    return err;
}

/* ---- a buffer for personal data: wiped when it grows and when it is freed ---- */

typedef struct wbuf {
    char *data;
    size_t len, cap, max;
    dk_err err; /* the first failure; later additions are ignored */
} wbuf;

static void wbuf_add(wbuf *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (n > b->max - b->len) {
        b->err =
            dk_error_set(DK_ERR_LIMIT, "the export would be larger than %zu MiB", b->max >> 20);
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = malloc(cap); /* not realloc: the old block is wiped before it is freed */
        if (!grown) {
            b->err = dk_error_set(DK_ERR_NOMEM, "out of memory for the export");
            return;
        }
        if (b->data) {
            memcpy(grown, b->data, b->len);
            sodium_memzero(b->data, b->cap);
            free(b->data);
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void wbuf_free(wbuf *b)
{
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

/* ---- listing ---- */

typedef struct list_ctx {
    const hub_regkey *key;
    FILE *out;
    hub_registration_summary *sum;
} list_ctx;

static dk_err list_one(void *ctx, const hub_registration_row *row)
{
    list_ctx *c = ctx;
    char received[32], when[32];
    dk_time_format(row->received, received);
    fprintf(c->out, "#%lld  received %s  district %s  groups %s  device %s\n", row->id, received,
            row->district, row->groups, row->device);
    dk_signup rec;
    if (hub_registration_open(c->key, row->sealed, row->sealed_len, &rec) != DK_OK) {
        fprintf(c->out, "  (cannot be opened with the registration keys: %s)\n\n",
                dk_error_detail());
        c->sum->unreadable++;
        return DK_OK;
    }
    dk_time_format(rec.created, when);
    fprintf(c->out,
            "  name:     %s\n"
            "  e-mail:   %s\n"
            "  phone:    %s\n"
            "  message:  %s\n"
            "  language: %s   consent: %s, given %s\n",
            rec.name, rec.email[0] ? rec.email : "-", rec.phone[0] ? rec.phone : "-",
            rec.message[0] ? rec.message : "-", dk_lang_code(rec.language), rec.consent_version,
            when);
    dk_signup_wipe(&rec);
    if (row->handed_over) {
        dk_time_format(row->handed_over, when);
        fprintf(c->out, "  handed over %s\n", when);
    }
    fputc('\n', c->out);
    c->sum->shown++;
    return DK_OK;
}

dk_err hub_registrations_list(hub_db *db, const hub_regkey *k, const hub_registration_filter *f,
                              FILE *out, hub_registration_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    list_ctx c = {k, out, sum};
    dk_err err = hub_db_begin_read(db); /* one snapshot */
    if (err)
        return err;
    err = hub_db_registrations_each(db, f, list_one, &c);
    hub_db_rollback(db); /* read only: nothing to commit */
    fflush(out);
    return err;
}

/* ---- CSV ---- */

size_t hub_csv_cell(char *out, size_t outsz, const char *text, char sep)
{
    int guard = text[0] && strchr("=+-@\t\r", text[0]) != NULL;
    int quote = 0;
    for (const char *p = text; *p; p++)
        if (*p == sep || *p == '"' || *p == '\r' || *p == '\n')
            quote = 1;
    size_t n = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n + 1 < outsz)                                                                         \
            out[n] = (ch);                                                                         \
        n++;                                                                                       \
    } while (0)
    if (quote)
        PUT('"');
    if (guard)
        PUT('\'');
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            PUT('"');
        PUT(*p);
    }
    if (quote)
        PUT('"');
#undef PUT
    if (outsz)
        out[n < outsz ? n : outsz - 1] = '\0';
    return n;
}

typedef struct export_ctx {
    const hub_regkey *key;
    wbuf *csv;
    char sep;
    int mark; /* records not handed over yet are, at now: the file says so */
    long long now;
    long long *ids; /* exported, for the hand-over mark */
    size_t n, cap;
    long long unreadable, first_unreadable;
    dk_err err;
} export_ctx;

/* Appends one cell (and the separator before it unless first). */
static void csv_put(wbuf *b, const char *text, char sep, int first)
{
    char cell[2 * DK_SIGNUP_MESSAGE_BYTES + 8]; /* every quote doubled, plus quotes and guard */
    if (!first)
        wbuf_add(b, &sep, 1);
    size_t n = hub_csv_cell(cell, sizeof cell, text, sep);
    if (n >= sizeof cell) { /* cannot happen for a valid record: every text fits twice */
        if (!b->err)
            b->err = dk_error_set(DK_ERR_LIMIT, "a cell of the export is too long");
    } else {
        wbuf_add(b, cell, n);
    }
    sodium_memzero(cell, sizeof cell);
}

static const char *const CSV_HEADER[] = {
    "id",      "received", "district",        "groups",        "name",   "email",      "phone",
    "message", "language", "consent_version", "consent_given", "device", "handed_over"};
#define CSV_COLUMNS (sizeof CSV_HEADER / sizeof CSV_HEADER[0])

static dk_err export_one(void *ctx, const hub_registration_row *row)
{
    export_ctx *c = ctx;
    dk_signup rec;
    if (hub_registration_open(c->key, row->sealed, row->sealed_len, &rec) != DK_OK) {
        if (!c->unreadable++)
            c->first_unreadable = row->id;
        return DK_OK; /* counted; the export is refused after the walk */
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        long long *grown = realloc(c->ids, cap * sizeof *grown);
        if (!grown) {
            dk_signup_wipe(&rec);
            return dk_error_set(DK_ERR_NOMEM, "out of memory");
        }
        c->ids = grown;
        c->cap = cap;
    }
    c->ids[c->n++] = row->id;
    char id[24], received[32], given[32], handed[32] = "";
    snprintf(id, sizeof id, "%lld", row->id);
    dk_time_format(row->received, received);
    dk_time_format(rec.created, given);
    if (row->handed_over)
        dk_time_format(row->handed_over, handed);
    else if (c->mark)
        dk_time_format(c->now, handed);
    const char *cells[CSV_COLUMNS] = {id,
                                      received,
                                      row->district,
                                      row->groups,
                                      rec.name,
                                      rec.email,
                                      rec.phone,
                                      rec.message,
                                      dk_lang_code(rec.language),
                                      rec.consent_version,
                                      given,
                                      row->device,
                                      handed};
    for (size_t i = 0; i < CSV_COLUMNS; i++)
        csv_put(c->csv, cells[i], c->sep, i == 0);
    wbuf_add(c->csv, "\r\n", 2);
    dk_signup_wipe(&rec);
    return c->csv->err;
}

dk_err hub_registrations_export(hub_db *db, const hub_regkey *k, const hub_registration_filter *f,
                                const char *path, char sep, int mark, long long now,
                                hub_registration_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    if (sep != ';' && sep != ',' && sep != '\t')
        return dk_error_set(DK_ERR_INVALID, "the separator must be ';', ',' or a tab");
    wbuf csv = {NULL, 0, 0, HUB_CSV_MAX_BYTES, DK_OK};
    wbuf_add(&csv, "\xEF\xBB\xBF", 3); /* UTF-8 byte order mark: Excel then reads UTF-8 */
    for (size_t i = 0; i < CSV_COLUMNS; i++)
        csv_put(&csv, CSV_HEADER[i], sep, i == 0);
    wbuf_add(&csv, "\r\n", 2);
    export_ctx c;
    memset(&c, 0, sizeof c);
    c.key = k;
    c.csv = &csv;
    c.sep = sep;
    c.mark = mark;
    c.now = now;
    /* With mark, the write lock is held from reading to marking: exactly the records in the
     * file are marked, none that arrived meanwhile. */
    dk_err err = mark ? hub_db_begin_write(db) : hub_db_begin_read(db);
    if (!err)
        err = hub_db_registrations_each(db, f, export_one, &c);
    if (!err && csv.err)
        err = csv.err;
    if (!err && c.unreadable)
        err = dk_error_set(DK_ERR_CORRUPT,
                           "%lld registration%s (the first: #%lld) cannot be opened with "
                           "the registration keys (current and retired); nothing was written",
                           c.unreadable, c.unreadable == 1 ? "" : "s", c.first_unreadable);
    if (!err && c.n == 0)
        err = dk_error_set(DK_ERR_NOTFOUND, "no registrations match; nothing was written");
    if (!err)
        err = dk_fs_write_atomic(path, csv.data, csv.len, 0600);
    wbuf_free(&csv);
    if (!err && mark) {
        for (size_t i = 0; i < c.n && !err; i++) {
            int already = 0;
            err = hub_db_registration_hand_over(db, c.ids[i], now, &already);
            sum->marked += !err && !already;
        }
        if (!err)
            err = hub_db_commit(db);
        if (err) {
            sum->marked = 0;
            char was[DK_ERROR_DETAIL_MAX];
            snprintf(was, sizeof was, "%s", dk_error_detail());
            err = dk_error_set(err,
                               "%s was written, but the records could not be marked handed "
                               "over (%s); mark them with registrations handed-over",
                               path, was);
        }
    }
    hub_db_rollback(db);
    if (!err)
        sum->shown = (long long)c.n;
    free(c.ids);
    return err;
}

/* ---- hand-over, deletion, retention ---- */

dk_err hub_registrations_hand_over(hub_db *db, const long long *ids, size_t n, long long now,
                                   long long *marked)
{
    *marked = 0;
    dk_err err = hub_db_begin_write(db);
    for (size_t i = 0; i < n && !err; i++) {
        int already = 0;
        err = hub_db_registration_hand_over(db, ids[i], now, &already);
        *marked += !err && !already;
    }
    if (err == DK_ERR_NOTFOUND)
        err = with_detail(err, "", "; nothing was changed");
    if (!err)
        err = hub_db_commit(db);
    if (err) {
        hub_db_rollback(db);
        *marked = 0;
    }
    return err;
}

dk_err hub_registrations_delete(hub_db *db, const long long *ids, size_t n, int *wal_emptied)
{
    *wal_emptied = 0;
    dk_err err = hub_db_begin_write(db);
    for (size_t i = 0; i < n && !err; i++)
        err = hub_db_registration_delete(db, ids[i]);
    if (err == DK_ERR_NOTFOUND)
        err = with_detail(err, "", "; nothing was deleted");
    if (!err)
        err = hub_db_commit(db);
    if (err) {
        hub_db_rollback(db);
        return err;
    }
    return hub_db_checkpoint(db, wal_emptied);
}

dk_err hub_registrations_purge(hub_db *db, long retention_days, long long now, long long *deleted,
                               hub_registration_counts *counts)
{
    long long before = now - 86400LL * retention_days;
    dk_err err = hub_db_registrations_purge(db, before, deleted);
    if (!err && *deleted > 0) {
        int emptied;
        err = hub_db_checkpoint(db, &emptied);
    }
    if (!err && counts)
        err = hub_db_registrations_count(db, before, counts);
    return err;
}
