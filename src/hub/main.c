/* district-hub: the central tool and server: packs authored content into bundles (more
 * commands arrive with publishing and registrations). */
#define _XOPEN_SOURCE 700 /* strptime */
#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_pack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2, EXIT_CONTENT = 1, EXIT_IO = 3 };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: district-hub COMMAND ...\n"
            "\n"
            "commands:\n"
            "  pack CONTENT_DIR OUT_DIR [--version N] [--issued TIME]\n"
            "      check the authored content and write a bundle (manifest + objects)\n"
            "      TIME is UTC like 2026-11-26T10:00:00Z; without it SOURCE_DATE_EPOCH is used\n"
            "      if set, else the manifest carries no time (so packing is reproducible)\n"
            "  check CONTENT_DIR\n"
            "      check the authored content and write nothing\n"
            "\n"
            "exit status: 0 done, 1 the content has problems, 2 wrong usage, 3 cannot write\n");
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

int main(int argc, char **argv)
{
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
    fprintf(stderr, "district-hub: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
