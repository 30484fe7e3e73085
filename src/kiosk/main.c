/* district-kiosk: entry point. Reads the settings, makes sure the bundled content is installed,
 * and (until the touch UI lands) reports what content it would show. */
#include "dk_bundle.h"
#include "dk_config.h"
#include "dk_crypto.h"
#include "dk_log.h"
#include "dk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DK_DATADIR
#define DK_DATADIR "/usr/share/district-kiosk"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: district-kiosk [--config FILE] [--data-dir DIR] [--bundle DIR] [--set KEY=VALUE]...\n"
            "       district-kiosk --print-config\n"
            "\n"
            "  --config FILE     settings file (see --print-config for every setting)\n"
            "  --data-dir DIR    where the kiosk keeps its content database and objects\n"
            "  --bundle DIR      bundle to install at first start (default " DK_DATADIR "/bundle)\n"
            "  --set KEY=VALUE   override one setting\n"
            "  --print-config    print every setting with its default, unit and meaning\n");
}

int main(int argc, char **argv)
{
    dk_config cfg;
    dk_config_defaults(&cfg);
    const char *config_path = NULL;
    dk_log_setup("district-kiosk", DK_LOG_INFO, 1, 0);

    /* The config file first, then the command line over it. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_path = argv[++i];
    if (config_path) {
        dk_buf problems;
        dk_buf_init(&problems, 64 * 1024);
        if (dk_config_load(&cfg, config_path, &problems) != DK_OK) {
            fprintf(stderr, "%sdistrict-kiosk: fix the settings file and start again\n",
                    problems.data ? problems.data : "");
            dk_buf_free(&problems);
            return 2;
        }
        dk_buf_free(&problems);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        dk_err err = DK_OK;
        if (strcmp(a, "--config") == 0 && i + 1 < argc) {
            i++;
        } else if (strcmp(a, "--data-dir") == 0 && i + 1 < argc) {
            err = dk_config_set(&cfg, "data_dir", argv[++i]);
        } else if (strcmp(a, "--bundle") == 0 && i + 1 < argc) {
            err = dk_config_set(&cfg, "bundle_dir", argv[++i]);
        } else if (strcmp(a, "--set") == 0 && i + 1 < argc) {
            char kv[DK_CONFIG_STR_MAX + 64];
            snprintf(kv, sizeof kv, "%s", argv[++i]);
            char *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "district-kiosk: --set needs KEY=VALUE\n");
                return 2;
            }
            *eq = '\0';
            err = dk_config_set(&cfg, kv, eq + 1);
        } else if (strcmp(a, "--print-config") == 0) {
            dk_config_write_defaults(stdout);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "district-kiosk: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (err) {
            fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
            return 2;
        }
    }
    dk_log_level level;
    if (dk_log_level_parse(cfg.log_level, &level) != DK_OK) {
        fprintf(stderr, "district-kiosk: %s\n", dk_error_detail());
        return 2;
    }
    dk_log_setup("district-kiosk", level, 1, cfg.log_syslog);
    if (dk_crypto_init() != DK_OK) {
        dk_error("%s", dk_error_detail());
        return 1;
    }
    const char *bundle = cfg.bundle_dir[0] ? cfg.bundle_dir : DK_DATADIR "/bundle";
    int installed = 0;
    dk_err err = dk_bundle_ensure(bundle, cfg.data_dir, &installed);
    if (err) {
        dk_error("no usable content: %s: %s", dk_strerror(err), dk_error_detail());
        return 1;
    }
    char db[4096];
    dk_store *store = NULL;
    if ((err = dk_bundle_db_path(cfg.data_dir, db, sizeof db)) ||
        (err = dk_store_open(db, &store))) {
        dk_error("cannot open the content: %s", dk_error_detail());
        return 1;
    }
    dk_store_info info;
    dk_store_get_info(store, &info);
    printf("district-kiosk: content release %lld%s%s, %lld districts, %lld projects, %lld groups, "
           "%lld dates, %lld pages%s\n",
           info.version, info.issued[0] ? " of " : "", info.issued, info.districts, info.projects,
           info.groups, info.dates, info.pages, installed ? " (installed from the bundle)" : "");
    dk_arena *arena = dk_arena_new(4 << 20);
    dk_district *districts = NULL;
    size_t n = 0;
    if (arena && dk_store_districts(store, DK_LANG_DE, arena, &districts, &n) == DK_OK)
        for (size_t i = 0; i < n; i++)
            printf("  %-16s %s\n", districts[i].slug, districts[i].name);
    dk_arena_free(arena);
    dk_store_close(store);
    return 0;
}
