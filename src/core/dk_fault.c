/* dk_fault.c: counted fault points for interruption tests. */
#include "dk_fault.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_long passed;
static atomic_long armed_at; /* 0: disarmed */
static dk_fault_mode armed_mode;
static atomic_int env_checked;

void dk_fault_arm(long n, dk_fault_mode mode)
{
    armed_mode = mode;
    atomic_store(&passed, 0);
    atomic_store(&armed_at, n);
    atomic_store(&env_checked, 1);
}

void dk_fault_disarm(void)
{
    atomic_store(&armed_at, 0);
    atomic_store(&passed, 0);
    atomic_store(&env_checked, 1);
}

long dk_fault_passed(void)
{
    return atomic_load(&passed);
}

dk_err dk_fault_point(const char *name)
{
    if (!atomic_exchange(&env_checked, 1)) {
        const char *e = getenv("DK_FAULT_EXIT_AT");
        if (e && *e) {
            char *end;
            long n = strtol(e, &end, 10);
            if (*end == '\0' && n > 0) {
                armed_mode = DK_FAULT_EXIT;
                atomic_store(&armed_at, n);
            }
        }
    }
    long at = atomic_load(&armed_at);
    long now = atomic_fetch_add(&passed, 1) + 1;
    if (at == 0 || now != at)
        return DK_OK;
    if (armed_mode == DK_FAULT_EXIT)
        _exit(77);
    return dk_error_set(DK_ERR_FAULT, "injected fault at point %ld (%s)", now, name);
}
