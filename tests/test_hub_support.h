/* test_hub_support.h: helpers for the hub's test programs: a fresh, initialised data folder. */
#ifndef TEST_HUB_SUPPORT_H
#define TEST_HUB_SUPPORT_H

#include "dk_test.h"

#include "dk_fs.h"
#include "hub_config.h"
#include "hub_site.h"

#include <stdio.h>
#include <string.h>

typedef struct hubt {
    char *tmp;      /* removed at the end */
    hub_config cfg;
    hub_init_result keys;
    hub_site *site; /* opened with the signing key */
} hubt;

/* A temp folder with an initialised hub in tmp/data, opened. */
static inline void hubt_setup(hubt *t)
{
    memset(t, 0, sizeof *t);
    t->tmp = dkt_mkdtemp("hub");
    hub_config_defaults(&t->cfg);
    snprintf(t->cfg.data_dir, sizeof t->cfg.data_dir, "%s/data", t->tmp);
    t->cfg.port = 0;
    t->cfg.allow_plain_http = 1;
    t->cfg.access_log = 0;
    assert_int_equal(hub_site_init(&t->cfg, &t->keys), DK_OK);
    assert_int_equal(hub_site_open(&t->cfg, 1, &t->site), DK_OK);
}

static inline void hubt_teardown(hubt *t)
{
    hub_site_close(t->site);
    dkt_rmdir(t->tmp);
}

/* path = tmp/rel in a static buffer (valid until the next call). */
static inline const char *hubt_path(const hubt *t, const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", t->tmp, rel);
    return buf;
}

#endif
