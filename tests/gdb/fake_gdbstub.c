/* The gdb stub for socemu_fake (main.c over the scripted fake machine of tests/cli): there is no
 * CPU to debug, so --gdb is refused the way a bad address would be. */
#include <stdio.h>

#include "gdbstub.h"

gdb_stub *gdb_stub_open(const char *spec, machine *m, char *err, size_t errlen) {
    (void)m;
    snprintf(err, errlen, "--gdb %s: no gdb stub in the fake machine", spec);
    return NULL;
}

void gdb_stub_poll(gdb_stub *s) {
    (void)s;
}

bool gdb_stub_killed(const gdb_stub *s) {
    (void)s;
    return false;
}

void gdb_stub_free(gdb_stub *s) {
    (void)s;
}

/* machine_debug_halt and friends: tests/cli/fake_machine.c (-S with a monitor). */
