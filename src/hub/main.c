/* district-hub: the central tool and server: packs and checks authored content, keeps it in
 * the hub's store, publishes signed releases, serves them to kiosks and watches the kiosks. */
#define _XOPEN_SOURCE 700 /* strptime */
#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_pack.h"
#include "dk_sign.h"
#include "hub_config.h"
#include "hub_devices.h"
#include "hub_keys.h"
#include "hub_regkeys.h"
#include "hub_registrations.h"
#include "hub_release.h"
#include "hub_serve.h"
#include "hub_site.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_USAGE = 2, EXIT_CONTENT = 1, EXIT_IO = 3 };

#define DEFAULT_CONFIG "/etc/district-hub/hub.conf"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: district-hub COMMAND ... [--config FILE] [--set KEY=VALUE]\n"
            "\n"
            "content:\n"
            "  check CONTENT_DIR\n"
            "      check the authored content and write nothing\n"
            "  pack CONTENT_DIR OUT_DIR [--version N] [--issued TIME]\n"
            "      check the authored content and write a bundle (manifest + objects)\n"
            "      TIME is UTC like 2026-11-26T10:00:00Z; without it SOURCE_DATE_EPOCH is used\n"
            "      if set, else the manifest carries no time (so packing is reproducible)\n"
            "\n"
            "the hub (settings: --config FILE, else $DISTRICT_HUB_CONFIG, else " DEFAULT_CONFIG "\n"
            "if it exists, else the defaults; see print-config and docs/hub.md):\n"
            "  init                 create the data folder, the keys and hub.db\n"
            "  import CONTENT_DIR   check the content as pack does and make it the hub's draft\n"
            "  publish              sign the draft as the next release and announce it\n"
            "  serve                serve releases and the kiosk API until SIGTERM or SIGINT\n"
            "  device add NAME      register a kiosk; prints its token once and its settings\n"
            "  device remove NAME   forget a kiosk (its token stops working)\n"
            "  devices [--json]     every kiosk with its last heartbeat; flags SILENT and STALE\n"
            "  export-static DIR    the current release as plain files for any web server\n"
            "  key rotate           make a successor signing key; both keys sign until finish\n"
            "  key status [--json]  the keys, and which kiosks trust the successor yet\n"
            "  key finish [--force] the successor becomes the signing key, the old one is\n"
            "                       retired; refused while a kiosk lags (--force: anyway)\n"
            "  registration-key rotate   a new key for sealed registrations; the old one is\n"
            "                       retired and still opens what was sealed to it\n"
            "  registration-key status [--json]  the keys, and which each kiosk seals to\n"
            "  registrations list [--district D] [--group G] [--all]\n"
            "                       volunteers' registrations, opened: those not handed over yet\n"
            "                       (--all: every one), by district and group\n"
            "  registrations export FILE.csv [--district D] [--group G] [--all]\n"
            "                       [--separator ';'|','|tab] [--mark-handed-over]\n"
            "                       the same as CSV for spreadsheets (UTF-8, mode 0600)\n"
            "  registrations handed-over ID...   mark records as given to their group\n"
            "  registrations delete ID...        delete records (a volunteer withdrew consent)\n"
            "  registrations purge  delete records handed over registration_retention_days ago\n"
            "                       (serve does this hourly); --now TIME for tests\n"
            "  verify-static DIR [--trusted-keys HEX,...]\n"
            "                       check a release tree as a kiosk would (default key: this hub's)\n"
            "  print-config         every setting with its default, unit and meaning\n"
            "                       (with --config: the values in force)\n"
            "\n"
            "exit status: 0 done, 1 refused (content has problems, exists already, not found),\n"
            "2 wrong usage, 3 cannot read or write (files, database, network)\n");
}

static int parse_version(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int time_valid(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && *end == '\0' && strlen(s) == 20;
}

static void print_summary(const char *verb, const char *out_dir, const dk_pack_summary *s)
{
    printf("%s: %d districts, %d projects, %d groups, %d dates, %d pages; %d images "
           "(%.1f MiB); content document %.1f KiB, %s\n",
           verb, s->districts, s->projects, s->groups, s->dates, s->pages, s->media,
           (double)s->media_bytes / (1024.0 * 1024.0), (double)s->content_bytes / 1024.0,
           s->content_hash);
    if (out_dir)
        printf("bundle written to %s\n", out_dir);
}

static int cmd_pack(int argc, char **argv, int check_only)
{
    const char *content = NULL, *out = NULL;
    dk_pack_options opt = {0, NULL};
    char issued[32];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 && i + 1 < argc && !check_only) {
            if (parse_version(argv[++i], &opt.version) != 0) {
                fprintf(stderr, "district-hub: --version needs a whole number >= 0\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--issued") == 0 && i + 1 < argc && !check_only) {
            opt.issued = argv[++i];
            if (!time_valid(opt.issued)) {
                fprintf(stderr, "district-hub: --issued needs a UTC time like 2026-11-26T10:00:00Z\n");
                return EXIT_USAGE;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "district-hub: unknown option %s\n", argv[i]);
            return EXIT_USAGE;
        } else if (!content) {
            content = argv[i];
        } else if (!out && !check_only) {
            out = argv[i];
        } else {
            fprintf(stderr, "district-hub: too many arguments\n");
            return EXIT_USAGE;
        }
    }
    if (!content || (!out && !check_only)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (!opt.issued && sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        struct tm tm;
        time_t tt = (time_t)t;
        if (*end || t < 0 || !gmtime_r(&tt, &tm)) {
            fprintf(stderr, "district-hub: SOURCE_DATE_EPOCH must be seconds since 1970\n");
            return EXIT_USAGE;
        }
        strftime(issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", &tm);
        opt.issued = issued;
    }

    dk_problems problems;
    dk_problems_init(&problems);
    dk_pack_summary sum;
    dk_err err = dk_pack(content, out, &opt, &problems, &sum);
    if (problems.text.len)
        fputs(problems.text.data, stderr);
    int rc = 0;
    if (err == DK_ERR_INVALID && problems.errors > 0) {
        fprintf(stderr, "district-hub: %d problem%s found; nothing was written\n", problems.errors,
                problems.errors == 1 ? "" : "s");
        rc = EXIT_CONTENT;
    } else if (err) {
        fprintf(stderr, "district-hub: %s: %s\n", dk_strerror(err), dk_error_detail());
        rc = EXIT_IO;
    } else {
        print_summary(check_only ? "content is valid" : "packed", out, &sum);
    }
    dk_problems_free(&problems);
    return rc;
}

/* ---- the hub's commands ---- */

#define HUB_ARGS_MAX 256 /* positional arguments (registration ids) */

typedef struct hub_args {
    hub_config cfg;
    int explicit_config; /* --config was given */
    const char *pos[HUB_ARGS_MAX]; /* positional arguments */
    int npos;
    int json;
    int force; /* key finish --force */
    const char *trusted_keys;
    /* registrations */
    const char *district, *group, *separator, *now;
    int all, mark_handed_over;
} hub_args;

static int exit_for(dk_err err)
{
    switch (err) {
    case DK_OK:
        return 0;
    case DK_ERR_INVALID:
    case DK_ERR_EXISTS:
    case DK_ERR_NOTFOUND:
    case DK_ERR_LIMIT:
    case DK_ERR_CRYPTO:
    case DK_ERR_CORRUPT:
    case DK_ERR_PROTOCOL:
        return EXIT_CONTENT;
    default:
        return EXIT_IO;
    }
}

static int fail(dk_err err)
{
    fprintf(stderr, "district-hub: %s\n", dk_error_detail()[0] ? dk_error_detail() : dk_strerror(err));
    return exit_for(err);
}

/* Reads --config, --set and the command's own options; the settings file first, then --set. */
static int parse_hub_args(int argc, char **argv, int max_pos, hub_args *a)
{
    memset(a, 0, sizeof *a);
    hub_config_defaults(&a->cfg);
    const char *config = NULL;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[i + 1];
    a->explicit_config = config != NULL;
    if (!config && getenv("DISTRICT_HUB_CONFIG") && *getenv("DISTRICT_HUB_CONFIG"))
        config = getenv("DISTRICT_HUB_CONFIG");
    if (!config && access(DEFAULT_CONFIG, F_OK) == 0)
        config = DEFAULT_CONFIG;
    if (config) {
        dk_buf problems;
        dk_buf_init(&problems, 64 * 1024);
        dk_err err = hub_config_load(&a->cfg, config, &problems);
        if (err) {
            fputs(problems.data ? problems.data : "", stderr);
            fprintf(stderr, "district-hub: the settings in %s have errors; nothing was done\n",
                    config);
            dk_buf_free(&problems);
            return EXIT_USAGE;
        }
        dk_buf_free(&problems);
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int more = i + 1 < argc;
        if (strcmp(arg, "--config") == 0 && more) {
            i++;
        } else if (strcmp(arg, "--set") == 0 && more) {
            char kv[HUB_CONFIG_STR_MAX + 64];
            snprintf(kv, sizeof kv, "%s", argv[++i]);
            char *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "district-hub: --set needs KEY=VALUE\n");
                return EXIT_USAGE;
            }
            *eq = '\0';
            if (hub_config_set(&a->cfg, kv, eq + 1) != DK_OK) {
                fprintf(stderr, "district-hub: %s\n", dk_error_detail());
                return EXIT_USAGE;
            }
        } else if (strcmp(arg, "--json") == 0) {
            a->json = 1;
        } else if (strcmp(arg, "--force") == 0) {
            a->force = 1;
        } else if (strcmp(arg, "--trusted-keys") == 0 && more) {
            a->trusted_keys = argv[++i];
        } else if (strcmp(arg, "--district") == 0 && more) {
            a->district = argv[++i];
        } else if (strcmp(arg, "--group") == 0 && more) {
            a->group = argv[++i];
        } else if (strcmp(arg, "--separator") == 0 && more) {
            a->separator = argv[++i];
        } else if (strcmp(arg, "--now") == 0 && more) {
            a->now = argv[++i];
        } else if (strcmp(arg, "--all") == 0) {
            a->all = 1;
        } else if (strcmp(arg, "--mark-handed-over") == 0) {
            a->mark_handed_over = 1;
        } else if (arg[0] == '-' && arg[1]) {
            fprintf(stderr, "district-hub: unknown option %s\n", arg);
            return EXIT_USAGE;
        } else if (a->npos < max_pos) {
            a->pos[a->npos++] = arg;
        } else {
            fprintf(stderr, "district-hub: too many arguments\n");
            return EXIT_USAGE;
        }
    }
    dk_log_level level;
    if (dk_log_level_parse(a->cfg.log_level, &level) != DK_OK) {
        fprintf(stderr, "district-hub: log_level: %s\n", dk_error_detail());
        return EXIT_USAGE;
    }
    dk_log_setup("district-hub", level, 1, a->cfg.log_syslog);
    return 0;
}

static int need_args(const hub_args *a, int n, const char *what)
{
    if (a->npos != n) {
        fprintf(stderr, "district-hub: usage: district-hub %s\n", what);
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_print_config(hub_args *a)
{
    hub_config_write(stdout, a->explicit_config ? &a->cfg : NULL);
    return 0;
}

static int cmd_init(hub_args *a)
{
    hub_init_result r;
    dk_err err = hub_site_init(&a->cfg, &r);
    if (err)
        return fail(err);
    printf("initialised %s\n"
           "signing public key (the kiosks' trusted_keys): %s\n"
           "registration public key (registration_pubkey): %s\n"
           "next: district-hub import CONTENT_DIR, then district-hub publish\n",
           a->cfg.data_dir, r.signing_public, r.registration_public);
    return 0;
}

static int cmd_import(hub_args *a)
{
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    dk_problems problems;
    dk_problems_init(&problems);
    hub_import_summary sum;
    err = hub_import(s, a->pos[0], &problems, &sum);
    if (problems.text.len)
        fputs(problems.text.data, stderr);
    int rc = 0;
    if (err == DK_ERR_INVALID && problems.errors > 0) {
        fprintf(stderr, "district-hub: %d problem%s found; the hub's content was not changed\n",
                problems.errors, problems.errors == 1 ? "" : "s");
        rc = EXIT_CONTENT;
    } else if (err) {
        rc = fail(err);
    } else {
        const dk_pack_summary *p = &sum.pack;
        printf("imported: %d districts, %d projects, %d groups, %d dates, %d pages; %d images "
               "(%d new, %.1f MiB); content document %.1f KiB, %s\n"
               "next: district-hub publish\n",
               p->districts, p->projects, p->groups, p->dates, p->pages, p->media,
               sum.objects_added, (double)p->media_bytes / (1024.0 * 1024.0),
               (double)p->content_bytes / 1024.0, p->content_hash);
    }
    dk_problems_free(&problems);
    hub_site_close(s);
    return rc;
}

static int cmd_publish(hub_args *a)
{
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 1, &s);
    if (err)
        return fail(err);
    hub_publish_summary sum;
    err = hub_publish(s, (long long)time(NULL), &sum);
    hub_site_close(s);
    if (err)
        return fail(err);
    const hub_release_row *r = &sum.release;
    printf("published release %lld: %d districts, %d projects, %d groups, %d dates, %d pages; "
           "%d images; %lld objects, %.1f MiB; content %s\n"
           "timestamp %lld; the release expires %s\n",
           r->version, sum.count[HUB_DISTRICT], sum.count[HUB_PROJECT], sum.count[HUB_GROUP],
           sum.count[HUB_DATE], sum.count[HUB_PAGE], sum.media, r->objects,
           (double)r->bytes / (1024.0 * 1024.0), r->content_sha256, sum.timestamp_version,
           r->expires);
    if (sum.content_unchanged)
        printf("note: the content is the same as in release %lld (published again anyway)\n",
               sum.previous_version);
    return 0;
}

static int cmd_serve(hub_args *a)
{
    dk_err err = hub_serve_run(&a->cfg);
    return err ? fail(err) : 0;
}

static int cmd_device(hub_args *a)
{
    if (a->npos != 2 || (strcmp(a->pos[0], "add") != 0 && strcmp(a->pos[0], "remove") != 0)) {
        fprintf(stderr, "district-hub: usage: district-hub device add NAME | device remove NAME\n");
        return EXIT_USAGE;
    }
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    const char *name = a->pos[1];
    if (strcmp(a->pos[0], "remove") == 0) {
        err = hub_db_device_remove(s->db, name);
        if (!err)
            printf("removed device %s; its token no longer works\n", name);
    } else {
        char token[HUB_TOKEN_HEX];
        err = hub_device_add(s, name, token);
        if (!err) {
            printf("registered device %s. Its token is shown only now; put these lines into the "
                   "kiosk's settings file:\n\n", name);
            err = hub_device_snippet(s, name, token, stdout);
            dk_wipe(token, sizeof token);
        }
    }
    hub_site_close(s);
    return err ? fail(err) : 0;
}

static int cmd_devices(hub_args *a)
{
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    err = hub_devices_print(s, (long long)time(NULL), a->json, stdout);
    hub_site_close(s);
    return err ? fail(err) : 0;
}

static int key_usage(const char *why)
{
    fprintf(stderr,
            "district-hub: %s\n"
            "usage: district-hub key rotate\n"
            "       district-hub key status [--json]\n"
            "       district-hub key finish [--force]\n",
            why);
    return EXIT_USAGE;
}

static int cmd_key(hub_args *a)
{
    const char *sub = a->npos ? a->pos[0] : "";
    int rotate = strcmp(sub, "rotate") == 0, status = strcmp(sub, "status") == 0;
    int finish = strcmp(sub, "finish") == 0;
    if (!rotate && !status && !finish)
        return key_usage(a->npos ? "unknown key command" : "which key command?");
    if (a->json && !status)
        return key_usage("--json is for key status");
    if (a->force && !finish)
        return key_usage("--force is for key finish");
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    long long now = (long long)time(NULL);
    if (rotate) {
        hub_key_rotate_result r;
        if (!(err = hub_key_rotate(s, now, &r))) {
            printf("key rotation started: a successor signing key is in keys/signing-next.key "
                   "(mode 0600)\n"
                   "current key:   %s\n"
                   "successor key: %s\n"
                   "from now on publish, serve and export-static sign with both keys, and every "
                   "new release names both, so that a kiosk that installs one trusts the "
                   "successor\n",
                   r.current, r.successor);
            if (r.resigned)
                printf("timestamp %lld re-signed with both keys\n", r.timestamp_version);
            if (r.note[0])
                printf("note: %s\n", r.note);
            printf("next:\n"
                   "  1. back up keys/signing-next.key now, like keys/signing.key\n"
                   "  2. district-hub publish (even without changes): its release names the "
                   "successor\n"
                   "  3. district-hub key status, until every kiosk has that release (each takes "
                   "it at its next sync)\n"
                   "  4. district-hub key finish: the successor becomes the signing key\n"
                   "a running serve signs with both keys within a minute (at once after kill -HUP)\n");
        }
    } else if (status) {
        hub_key_status st;
        if (!(err = hub_key_status_get(s, &st)))
            err = hub_key_status_print(&st, now, a->json, stdout);
        hub_key_status_free(&st);
    } else {
        hub_key_finish_result r;
        if (!(err = hub_key_finish(s, now, a->force, &r))) {
            printf("key rotation finished: signing with %s\n"
                   "the old key %s signs nothing any more; it is kept in %s\n",
                   r.current, r.retired, r.retired_path);
            if (r.forced)
                printf("warning: forced past %zu device%s that had not reported a release naming "
                       "the new key: change their trusted_keys to %s by hand\n",
                       r.forced, r.forced == 1 ? "" : "s", r.current);
            if (r.resigned)
                printf("timestamp %lld re-signed with the new key alone\n", r.timestamp_version);
            if (r.note[0])
                printf("note: %s\n", r.note);
            printf("a running serve signs with the new key within a minute (at once after kill "
                   "-HUP); new kiosks get trusted_keys = %s from device add\n",
                   r.current);
        }
    }
    hub_site_close(s);
    return err ? fail(err) : 0;
}

static int cmd_export(hub_args *a)
{
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 1, &s);
    if (err)
        return fail(err);
    hub_tree_summary sum;
    err = hub_export_static(s, a->pos[0], (long long)time(NULL), &sum);
    hub_site_close(s);
    if (err)
        return fail(err);
    printf("exported release %lld to %s: %d objects (%d new, %.1f MiB), timestamp %lld valid "
           "until %s; %d files of older releases removed\n"
           "run this again at least every %ld s, or the kiosks report stale content\n",
           sum.manifest_version, a->pos[0], sum.objects, sum.copied,
           (double)sum.bytes / (1024.0 * 1024.0), sum.ts.version, sum.ts.expires, sum.removed,
           a->cfg.timestamp_lifetime_s / 4);
    return 0;
}

static int cmd_verify(hub_args *a)
{
    dk_sign_keyring ring;
    memset(&ring, 0, sizeof ring);
    dk_err err = DK_OK;
    if (a->trusted_keys) {
        err = dk_sign_keyring_add_text(&ring, a->trusted_keys);
    } else {
        hub_site paths;
        dk_sign_key key;
        if (!(err = hub_site_paths(&paths, &a->cfg)) &&
            !(err = dk_sign_key_load(paths.signing_key_path, &key))) {
            err = dk_sign_keyring_add(&ring, key.pub);
            dk_wipe(&key, sizeof key);
        }
    }
    if (err)
        return fail(err);
    hub_tree_summary sum;
    if ((err = hub_verify_tree(a->pos[0], &ring, (long long)time(NULL), &sum)))
        return fail(err);
    printf("ok: %s holds release %lld, %d objects (%.1f MiB) all intact; timestamp %lld valid "
           "until %s\n",
           a->pos[0], sum.manifest_version, sum.objects, (double)sum.bytes / (1024.0 * 1024.0),
           sum.ts.version, sum.ts.expires);
    return 0;
}

/* ---- registration-key ---- */

static int regkey_usage(const char *why)
{
    fprintf(stderr,
            "district-hub: %s\n"
            "usage: district-hub registration-key rotate\n"
            "       district-hub registration-key status [--json]\n",
            why);
    return EXIT_USAGE;
}

static int cmd_regkey(hub_args *a)
{
    const char *sub = a->npos ? a->pos[0] : "";
    int rotate = strcmp(sub, "rotate") == 0, status = strcmp(sub, "status") == 0;
    if (!rotate && !status)
        return regkey_usage(a->npos ? "unknown registration-key command"
                                    : "which registration-key command?");
    if (a->json && !status)
        return regkey_usage("--json is for registration-key status");
    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    long long now = (long long)time(NULL);
    if (rotate) {
        hub_regkey_rotate_result r;
        if (!(err = hub_regkey_rotate(s, now, &r)))
            printf("registration key changed\n"
                   "new key (registration_pubkey):  %s\n"
                   "old key, retired:               %s\n"
                   "  kept in %s: it still opens every record sealed to it (never deleted by "
                   "the hub)\n"
                   "nothing was published: the next district-hub publish names the new key in "
                   "its release, and each kiosk seals new registrations to it from its next sync "
                   "on\n"
                   "next:\n"
                   "  1. back up keys/ now (the new key and the retired one)\n"
                   "  2. district-hub publish (even without changes)\n"
                   "  3. district-hub registration-key status, until every kiosk reports the new "
                   "key\n"
                   "a running serve reads the keys again by itself when a record does not open "
                   "with those it has\n",
                   r.current, r.previous, r.retired_path);
    } else {
        hub_regkey_status st;
        if (!(err = hub_regkey_status_get(s, &st)))
            err = hub_regkey_status_print(&st, now, a->json, stdout);
        hub_regkey_status_free(&st);
    }
    hub_site_close(s);
    return err ? fail(err) : 0;
}

/* ---- registrations ---- */

static int reg_usage(const char *why)
{
    fprintf(stderr,
            "district-hub: %s\n"
            "usage: district-hub registrations list [--district D] [--group G] [--all]\n"
            "       district-hub registrations export FILE.csv [--district D] [--group G] [--all]\n"
            "                    [--separator ';'|','|tab] [--mark-handed-over] [--now TIME]\n"
            "       district-hub registrations handed-over ID... [--now TIME]\n"
            "       district-hub registrations delete ID...\n"
            "       district-hub registrations purge [--now TIME]\n",
            why);
    return EXIT_USAGE;
}

/* Parses the ids pos[1..]: whole numbers >= 1. */
static int reg_ids(const hub_args *a, long long *ids, size_t *n)
{
    *n = 0;
    for (int i = 1; i < a->npos; i++) {
        if (parse_version(a->pos[i], &ids[*n]) != 0 || ids[*n] < 1)
            return -1;
        (*n)++;
    }
    return *n ? 0 : -1;
}

static int cmd_registrations(hub_args *a)
{
    const char *sub = a->npos ? a->pos[0] : "";
    int list = strcmp(sub, "list") == 0, export = strcmp(sub, "export") == 0;
    int hand = strcmp(sub, "handed-over") == 0, del = strcmp(sub, "delete") == 0;
    int purge = strcmp(sub, "purge") == 0;
    if (!list && !export && !hand && !del && !purge)
        return reg_usage(a->npos ? "unknown registrations command" : "which registrations command?");
    if (((list || purge) && a->npos != 1) || (export && a->npos != 2) ||
        ((hand || del) && a->npos < 2))
        return reg_usage("wrong number of arguments");
    if (!(list || export) && (a->district || a->group || a->all))
        return reg_usage("--district, --group and --all are for list and export");
    if (!export && (a->separator || a->mark_handed_over))
        return reg_usage("--separator and --mark-handed-over are for export");
    if ((list || del) && a->now)
        return reg_usage("--now is for export, handed-over and purge");
    char sep = ';';
    if (a->separator) {
        if (strcmp(a->separator, ";") == 0 || strcmp(a->separator, ",") == 0)
            sep = a->separator[0];
        else if (strcmp(a->separator, "tab") == 0)
            sep = '\t';
        else
            return reg_usage("--separator is ';', ',' or tab");
    }
    long long now = (long long)time(NULL);
    if (a->now && dk_time_parse(a->now, &now) != DK_OK)
        return reg_usage("--now needs a UTC time like 2026-11-26T10:00:00Z");
    long long ids[HUB_ARGS_MAX];
    size_t nids = 0;
    if ((hand || del) && reg_ids(a, ids, &nids) != 0)
        return reg_usage("registration ids are whole numbers >= 1 (as list shows them)");

    hub_site *s = NULL;
    dk_err err = hub_site_open(&a->cfg, 0, &s);
    if (err)
        return fail(err);
    hub_regkey *key = NULL;
    if ((list || export) &&
        (err = hub_regkey_load_ring(s->registration_key_path, s->regkey_retired_dir, &key))) {
        hub_site_close(s);
        return fail(err);
    }
    hub_registration_filter f = {a->district, a->group, a->all};
    hub_registration_summary sum;
    if (list) {
        err = hub_registrations_list(s->db, key, &f, stdout, &sum);
        if (!err) {
            printf("%lld registration%s%s%s%s%s", sum.shown, sum.shown == 1 ? "" : "s",
                   a->all ? "" : " not handed over yet", a->district ? " in " : "",
                   a->district ? a->district : "", a->group ? " for " : "");
            printf("%s%s\n", a->group ? a->group : "", a->all ? "" : " (--all shows every one)");
            if (sum.unreadable)
                printf("%lld cannot be opened with the registration keys\n", sum.unreadable);
        }
    } else if (export) {
        err = hub_registrations_export(s->db, key, &f, a->pos[1], sep, a->mark_handed_over, now,
                                       &sum);
        if (!err)
            printf("exported %lld registration%s to %s (UTF-8, separator '%s', mode 0600)%s\n",
                   sum.shown, sum.shown == 1 ? "" : "s", a->pos[1],
                   sep == '\t' ? "tab" : (sep == ',' ? "," : ";"),
                   a->mark_handed_over ? "; marked handed over" : "");
    } else if (hand) {
        long long marked = 0;
        err = hub_registrations_hand_over(s->db, ids, nids, now, &marked);
        if (!err)
            printf("marked %lld registration%s handed over; %lld %s already\n", marked,
                   marked == 1 ? "" : "s", (long long)nids - marked,
                   (long long)nids - marked == 1 ? "was" : "were");
    } else if (del) {
        int emptied = 0;
        err = hub_registrations_delete(s->db, ids, nids, &emptied);
        if (!err)
            printf("deleted %zu registration%s%s\n", nids, nids == 1 ? "" : "s",
                   emptied ? "" : " (the write-ahead log is emptied at the next checkpoint)");
    } else {
        long long deleted = 0;
        hub_registration_counts counts;
        err = hub_registrations_purge(s->db, a->cfg.registration_retention_days, now, &deleted,
                                      &counts);
        if (!err) {
            printf("deleted %lld registration%s handed over %ld days ago or earlier; %lld left, "
                   "%lld not handed over yet\n",
                   deleted, deleted == 1 ? "" : "s", a->cfg.registration_retention_days,
                   counts.total, counts.waiting);
            if (counts.overdue)
                printf("note: %lld arrived %ld days ago or earlier and are not handed over yet\n",
                       counts.overdue, a->cfg.registration_retention_days);
        }
    }
    hub_regkey_free(key);
    hub_site_close(s);
    return err ? fail(err) : 0;
}

typedef struct command {
    const char *name;
    int max_pos, min_pos;
    const char *usage;
    int (*run)(hub_args *a);
} command;

static const command commands[] = {
    {"init", 0, 0, "init [--config FILE]", cmd_init},
    {"import", 1, 1, "import CONTENT_DIR [--config FILE]", cmd_import},
    {"publish", 0, 0, "publish [--config FILE]", cmd_publish},
    {"serve", 0, 0, "serve [--config FILE]", cmd_serve},
    {"device", 2, 2, "device add NAME | device remove NAME", cmd_device},
    {"devices", 0, 0, "devices [--json] [--config FILE]", cmd_devices},
    {"export-static", 1, 1, "export-static DIR [--config FILE]", cmd_export},
    {"key", 1, 1, "key rotate | key status [--json] | key finish [--force]", cmd_key},
    {"registration-key", 1, 1, "registration-key rotate | registration-key status [--json]",
     cmd_regkey},
    {"verify-static", 1, 1, "verify-static DIR [--trusted-keys HEX,...]", cmd_verify},
    {"registrations", HUB_ARGS_MAX, 1, "registrations list|export|handed-over|delete|purge ...",
     cmd_registrations},
    {"print-config", 0, 0, "print-config [--config FILE]", cmd_print_config},
    {"--print-config", 0, 0, "--print-config [--config FILE]", cmd_print_config},
};

int main(int argc, char **argv)
{
    hub_json_wipe_freed(); /* before anything uses jansson: registrations are parsed with it */
    dk_log_setup("district-hub", DK_LOG_INFO, 1, 0);
    if (dk_crypto_init() != DK_OK) {
        fprintf(stderr, "district-hub: %s\n", dk_error_detail());
        return EXIT_IO;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "pack") == 0)
        return cmd_pack(argc - 2, argv + 2, 0);
    if (strcmp(argv[1], "check") == 0)
        return cmd_pack(argc - 2, argv + 2, 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        hub_args a;
        int rc = parse_hub_args(argc - 2, argv + 2, c->max_pos, &a);
        if (rc)
            return rc;
        if (a.npos < c->min_pos && (rc = need_args(&a, c->min_pos, c->usage)))
            return rc;
        if (c->run != cmd_registrations &&
            (a.district || a.group || a.separator || a.now || a.all || a.mark_handed_over)) {
            fprintf(stderr, "district-hub: --district, --group, --all, --separator, --now and "
                            "--mark-handed-over are options of registrations\n");
            return EXIT_USAGE;
        }
        if (c->run != cmd_key && a.force) {
            fprintf(stderr, "district-hub: --force is an option of key finish\n");
            return EXIT_USAGE;
        }
        return c->run(&a);
    }
    fprintf(stderr, "district-hub: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
