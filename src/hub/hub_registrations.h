/* hub_registrations.h: volunteer registrations on the hub: receiving a kiosk's sealed record
 * (checked by opening it, stored still sealed, exactly once per device and idempotency key),
 * and what staff do with them: list, CSV export, hand-over, deletion, the retention purge.
 *
 * Privacy (../shared/DOMAIN.md): hub.db holds each record sealed, as it arrived; only the
 * district and group slugs are in clear. A record is opened in memory only, with the secret key
 * in libsodium's guarded memory, and every plaintext is wiped (sodium_memzero) after use, also
 * what jansson allocated while parsing it (hub_json_wipe_freed). Nothing opened is ever logged:
 * logs and error texts carry ids, device names, idempotency keys, counts and field names. */
#ifndef HUB_REGISTRATIONS_H
#define HUB_REGISTRATIONS_H

#include "dk_error.h"
#include "dk_signup.h"
#include "hub_db.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

/* Makes jansson wipe every block it frees (the block's whole usable size), so that a parsed
 * record leaves no copy in freed memory. Blocks remain plain malloc() blocks: any order of calls
 * is safe; call it once at the start of the process. Can't fail. */
void hub_json_wipe_freed(void);

/* ---- The registration keys (X25519): keys/registration.key and the retired ones ---- */

#define HUB_REGKEY_RING_MAX 64 /* [keys] the current key and retired keys opened at once */

/* A key ring: the current key, then retired keys (keys/registration-retired/, hub_regkeys.h)
 * that still open records sealed before a key change. Opaque; in guarded memory. */
typedef struct hub_regkey hub_regkey;

/* Reads the secret key (64 hex digits and a newline) into guarded memory (sodium_malloc) and
 * derives its public key; the file's text is wiped. A ring of that one key. *out is freed with
 * hub_regkey_free(). DK_ERR_NOTFOUND if the file is missing, DK_ERR_INVALID if it holds no key,
 * DK_ERR_NOMEM. */
dk_err hub_regkey_load(const char *path, hub_regkey **out) DK_MUST_CHECK;

/* The same with the retired keys: every file in retired_dir (may be NULL or missing) named as
 * hub_regkey_retired_name() accepts, newest first, after the current key in path; a key held
 * twice counts once. Other names are ignored. Fails as hub_regkey_load for any key file, naming
 * it (a damaged retired key is reported, never skipped: records sealed to it would be lost
 * silently), DK_ERR_LIMIT beyond HUB_REGKEY_RING_MAX keys. */
dk_err hub_regkey_load_ring(const char *path, const char *retired_dir,
                            hub_regkey **out) DK_MUST_CHECK;

/* 1 if name has the shape of a retired key's file: "20261126T173000Z-0f3c9a5e.key". Pure. */
int hub_regkey_retired_name(const char *name);

/* Wipes and frees the ring. Accepts NULL. */
void hub_regkey_free(hub_regkey *k);

/* The current public key (32 bytes) that kiosks seal to. Borrowed from k. */
const unsigned char *hub_regkey_public(const hub_regkey *k);

/* Keys in the ring (at least 1), and the public key of the ith (0: the current one), NULL past
 * the end. Borrowed from k. */
size_t hub_regkey_count(const hub_regkey *k);
const unsigned char *hub_regkey_public_at(const hub_regkey *k, size_t i);

/* ---- Receiving (POST /api/v1/registrations, docs/protocol.md) ---- */

/* 1 if key is exactly 32 lower-case hex digits (an Idempotency-Key), else 0. */
int hub_idem_key_valid(const char *key);

/* Opens a sealed record with the first key of k that opens it (crypto_box_seal_open) and parses it
 * with dk_signup_from_json into *out; the plaintext is wiped before this returns. *out then holds
 * personal data: the caller wipes it (dk_signup_wipe). Fails, with *out wiped and a detail that
 * names a field and a rule but never a value: DK_ERR_INVALID for a length outside 49 to 8192 bytes
 * or a plaintext that is not a registration record as a kiosk writes it; DK_ERR_CRYPTO when it does
 * not open (sealed to another key, damaged or cut). */
dk_err hub_registration_open(const hub_regkey *k, const void *sealed, size_t len,
                             dk_signup *out) DK_MUST_CHECK;

typedef enum hub_receive_outcome {
    HUB_RECEIVE_STORED,  /* new: stored and committed (201) */
    HUB_RECEIVE_REPLAY,  /* this device sent this key with these bytes before (200) */
    HUB_RECEIVE_CONFLICT /* this key came before with other bytes; the first stays (409) */
} hub_receive_outcome;

/* The hub's side of one upload: if device stored idem_key before, compares the bytes (replay or
 * conflict, without opening anything). Otherwise checks the record opens and parses
 * (hub_registration_open, plaintext wiped at once) and stores body as it came, with its district
 * and groups, committed before this returns. lock (may be NULL) is held around each use of db,
 * not while the record is opened. *id is the stored record's id.
 * DK_OK with *outcome set; DK_ERR_INVALID (key or length wrong, not a registration) or
 * DK_ERR_CRYPTO (does not open) for a malformed record, nothing stored; DK_ERR_DB and the like
 * when hub.db cannot store it (the kiosk retries). */
dk_err hub_registration_receive(hub_db *db, pthread_mutex_t *lock, const hub_regkey *k,
                                const char *device, const char *idem_key, const void *body,
                                size_t len, long long now, hub_receive_outcome *outcome,
                                long long *id) DK_MUST_CHECK;

/* ---- Staff: list, export, hand-over, delete, purge ---- */

typedef struct hub_registration_summary {
    long long shown;      /* records listed or exported */
    long long unreadable; /* listed by id only: they do not open with this key */
    long long marked;     /* marked handed over by this call */
} hub_registration_summary;

/* `registrations list`: every record f selects, opened, as a block of lines (id, received,
 * district, groups, device; name, e-mail, phone, message; language, consent version and time;
 * hand-over). A record that does not open is shown by id with a note and counted. */
dk_err hub_registrations_list(hub_db *db, const hub_regkey *k, const hub_registration_filter *f,
                              FILE *out, hub_registration_summary *sum) DK_MUST_CHECK;

#define HUB_CSV_MAX_BYTES (512u << 20) /* [bytes] largest export held in memory */

/* Writes one CSV cell for text into out (outsz bytes, NUL-terminated when it fits) and returns
 * its length (so a call with outsz 0 measures). RFC 4180: quoted when it holds sep, '"', CR or
 * LF, quotes doubled. Formula injection: a text starting with = + - @ TAB or CR gets a leading
 * apostrophe, so spreadsheet programs show it as text. Bytes are copied as they are (UTF-8).
 * Pure; can't fail. */
size_t hub_csv_cell(char *out, size_t outsz, const char *text, char sep);

/* `registrations export`: the records f selects as CSV for spreadsheet programs: UTF-8 with a
 * byte order mark, sep between cells (';' for German Excel, or ','), CRLF after every row, one
 * header row. Written atomically with mode 0600 (temporary file, fsync, rename). With mark,
 * the exported records are marked handed over at now, in the same write transaction, after the
 * file is durable. Fails, writing nothing and marking nothing, with DK_ERR_CORRUPT (naming the
 * ids) if a record does not open, DK_ERR_LIMIT beyond HUB_CSV_MAX_BYTES, DK_ERR_IO and the like;
 * DK_ERR_NOTFOUND when f selects nothing (no file then). */
dk_err hub_registrations_export(hub_db *db, const hub_regkey *k, const hub_registration_filter *f,
                                const char *path, char sep, int mark, long long now,
                                hub_registration_summary *sum) DK_MUST_CHECK;

/* `registrations handed-over ID...`: marks every id handed over at now, in one transaction
 * (records already marked keep their first time). All or nothing: DK_ERR_NOTFOUND names the
 * first unknown id and changes nothing. *marked counts the newly marked ones. */
dk_err hub_registrations_hand_over(hub_db *db, const long long *ids, size_t n, long long now,
                                   long long *marked) DK_MUST_CHECK;

/* `registrations delete ID...`: deletes the records in one transaction (secure_delete
 * overwrites their bytes), then empties the WAL (hub_db_checkpoint). All or nothing:
 * DK_ERR_NOTFOUND names the first unknown id and deletes nothing. *wal_emptied is 0 when another
 * connection kept the WAL from being emptied now. */
dk_err hub_registrations_delete(hub_db *db, const long long *ids, size_t n,
                                int *wal_emptied) DK_MUST_CHECK;

/* Retention: deletes every record handed over retention_days or more before now, then empties
 * the WAL if it deleted any. *deleted counts them; *counts (may be NULL) holds the figures
 * afterwards, with overdue = records not handed over that arrived retention_days or more ago. */
dk_err hub_registrations_purge(hub_db *db, long retention_days, long long now, long long *deleted,
                               hub_registration_counts *counts) DK_MUST_CHECK;

#endif
