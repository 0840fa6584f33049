/* What tests may do to a machine beyond machine.h: drive the inputs the CPU model drives, so a
 * wiring test need not run guest code (tests/devices). Not for the CLI. */
#ifndef BOARDS_MACHINE_TEST_H
#define BOARDS_MACHINE_TEST_H

#include <stdbool.h>

#include "boards/machine.h"

/* Sets the output of a core's generic timer (CPU_TIMER_*) as the CPU would when it fires or
 * clears; it reaches whatever the board wires that timer to. */
void machine_test_timer_irq(machine *m, unsigned core, unsigned timer, bool level);

/* Puts every device back to its reset state, as a machine reset does (CPUs and memory are left
 * as they are). */
void machine_test_reset_devices(machine *m);

#endif
