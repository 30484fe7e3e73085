/* dk_fault.h: named fault points that tests use to interrupt work at a chosen step. */
#ifndef DK_FAULT_H
#define DK_FAULT_H

#include "dk_error.h"

/* A fault point is a place in a multi-step operation (writing, building, switching) where a
 * power cut or crash could strike. In production every point returns DK_OK at the cost of one
 * counter increment. Tests arm the Nth point the process passes:
 *   - dk_fault_arm(n, DK_FAULT_FAIL): the Nth point returns DK_ERR_FAULT;
 *   - dk_fault_arm(n, DK_FAULT_EXIT): the Nth point ends the process with _exit(77), as a
 *     power cut would, without flushing or unwinding anything.
 * The environment variable DK_FAULT_EXIT_AT=n arms DK_FAULT_EXIT at start (for scripted runs). */
typedef enum dk_fault_mode { DK_FAULT_FAIL, DK_FAULT_EXIT } dk_fault_mode;

void dk_fault_arm(long n, dk_fault_mode mode);
void dk_fault_disarm(void);
long dk_fault_passed(void); /* points passed since the last arm/disarm */

/* Call at every step that could be interrupted. name is for the log line only. */
dk_err dk_fault_point(const char *name) DK_MUST_CHECK;

#endif
