/* The gdb remote stub (--gdb tcp::PORT, -s, -S): one debugger connection at a time, served from
 * the machine's run-loop poll. Cores are gdb threads 1..N. */
#ifndef CLI_GDBSTUB_H
#define CLI_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

#include "boards/machine.h"

typedef struct gdb_stub gdb_stub;

/* spec: "tcp::PORT" (127.0.0.1), "tcp:HOST:PORT". Listens at once; NULL with a reason in err. */
gdb_stub *gdb_stub_open(const char *spec, machine *m, char *err, size_t errlen);
/* Accepts a connection, answers packets, reports stops. Never blocks for long (up to ~10 ms while
 * the machine is halted, to wait for gdb's next packet without spinning). */
void gdb_stub_poll(gdb_stub *s);
/* gdb sent 'k': the run was stopped with machine_stop and should end as a normal exit. */
bool gdb_stub_killed(const gdb_stub *s);
void gdb_stub_free(gdb_stub *s);

#endif
