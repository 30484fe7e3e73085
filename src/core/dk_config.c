/* dk_config.c: the kiosk's settings table (dk_config.h) handed to the parser in dk_settings. */
#include "dk_config.h"

#include "dk_settings.h"

static const dk_setting keys[] = {
#define KEY(type, name, def, min, max, unit, help)                                                 \
    DK_SETTING_ENTRY(dk_config, type, name, def, min, max, unit, help)
    DK_CONFIG_KEYS(KEY)
#undef KEY
};
static const dk_settings table = {"district-kiosk", " (see district-kiosk --print-config)", keys,
                                  sizeof keys / sizeof keys[0], sizeof(dk_config)};

void dk_config_defaults(dk_config *cfg)
{
    dk_settings_defaults(&table, cfg);
}

dk_err dk_config_set(dk_config *cfg, const char *name, const char *value)
{
    return dk_settings_set(&table, cfg, name, value);
}

dk_err dk_config_load(dk_config *cfg, const char *path, dk_buf *problems)
{
    return dk_settings_load(&table, cfg, path, problems);
}

void dk_config_write_defaults(FILE *out)
{
    dk_settings_write(&table, out, NULL);
}
