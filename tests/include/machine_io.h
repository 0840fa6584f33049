/* Register access to a whole test machine (boards/machine.h) through its bus, as a CPU's
 * loads and stores go: every access must reach something (BUS_OK, else a failed CHECK). The
 * test creates test_machine in its main; virtual time only moves by run_ns. */
#ifndef SOCEMU_TEST_MACHINE_IO_H
#define SOCEMU_TEST_MACHINE_IO_H

#include "check.h"
#include "boards/machine.h"

static machine *test_machine;

static inline uint32_t rd32(uint64_t addr) {
    uint64_t v = 0;
    CHECK_EQ_U64(bus_read(machine_bus(test_machine), addr, 4, &v), BUS_OK);
    return (uint32_t)v;
}

static inline void wr32(uint64_t addr, uint32_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(test_machine), addr, 4, v), BUS_OK);
}

/* Advances the machine's virtual clock by ns, firing the device events that fall due. */
static inline void run_ns(uint64_t ns) {
    vclock *clock = machine_clock(test_machine);
    vclock_advance(clock, vclock_now(clock) + ns);
}

#endif
