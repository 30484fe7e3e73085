/* hub_config.c: the hub's settings table (hub_config.h) handed to the parser in dk_settings,
 * and what the hub derives from its settings. */
#include "hub_config.h"

#include "dk_settings.h"

#include <arpa/inet.h>
#include <string.h>

static const dk_setting keys[] = {
#define KEY(type, name, def, min, max, unit, help)                                                 \
    DK_SETTING_ENTRY(hub_config, type, name, def, min, max, unit, help)
    HUB_CONFIG_KEYS(KEY)
#undef KEY
};
static const dk_settings table = {"district-hub", " (see district-hub print-config)", keys,
                                  sizeof keys / sizeof keys[0], sizeof(hub_config)};

void hub_config_defaults(hub_config *cfg)
{
    dk_settings_defaults(&table, cfg);
}

dk_err hub_config_set(hub_config *cfg, const char *name, const char *value)
{
    return dk_settings_set(&table, cfg, name, value);
}

dk_err hub_config_load(hub_config *cfg, const char *path, dk_buf *problems)
{
    return dk_settings_load(&table, cfg, path, problems);
}

void hub_config_write(FILE *out, const hub_config *cfg)
{
    dk_settings_write(&table, out, cfg);
}

int hub_address_is_loopback(const char *addr)
{
    if (strcmp(addr, "localhost") == 0)
        return 1;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

int hub_config_plain_http(const hub_config *cfg)
{
    return !cfg->tls_cert[0] && cfg->allow_plain_http && hub_address_is_loopback(cfg->listen_address);
}

void hub_config_base_url(const hub_config *cfg, char *out, size_t outsz)
{
    if (cfg->public_url[0]) {
        snprintf(out, outsz, "%s", cfg->public_url);
        return;
    }
    const char *scheme = hub_config_plain_http(cfg) ? "http" : "https";
    int v6 = strchr(cfg->listen_address, ':') != NULL;
    snprintf(out, outsz, "%s://%s%s%s:%ld", scheme, v6 ? "[" : "", cfg->listen_address,
             v6 ? "]" : "", cfg->port);
}
