/* The monitors harnesses written for QEMU talk to: QMP (JSON, -qmp / -mon mode=control) and the
 * human monitor (-monitor, -mon mode=readline), over any serial backend (stdio, a unix socket,
 * a pipe). Both share one set of commands: query-status/info status, stop, cont, system_reset,
 * system_powerdown, quit, query-version, query-cpus-fast, screendump, and info registers through
 * human-monitor-command. Served from the run loop (monitor_poll never blocks); a monitor nobody
 * talks to changes nothing in the run. */
#ifndef SOCEMU_CLI_QMP_H
#define SOCEMU_CLI_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include "boards/machine.h"

typedef struct monitor monitor;

/* Opens the monitor's backend (spec as for --serial). NULL with "SPEC: why" in err. Open the
 * monitors before the serial ports, so a stdio monitor owns stdin. */
monitor *monitor_open(const char *spec, bool control, char *err, size_t errlen);
void monitor_free(monitor *mon);
/* Whether the monitor talks over stdin/stdout. */
bool monitor_uses_stdio(const monitor *mon);
/* The machine is there (after machine_create); paused: started with -S ("prelaunch"). */
void monitor_attach(monitor *mon, machine *m, bool paused);

/* From the run loop: greets new clients, runs the commands that have arrived, reports events
 * (STOP/RESUME/RESET seen on the machine). */
void monitor_poll(monitor *mon);
/* quit was asked for. */
bool monitor_quit_requested(const monitor *mon);
/* Resets asked for by system_reset (not the guest's own: the reset-loop check leaves them out). */
unsigned monitor_host_resets(const monitor *mon);
/* The run has ended: reports SHUTDOWN (guest: the guest powered off or rebooted with
 * -no-reboot; otherwise reason is QEMU's "host-qmp-quit", "host-signal"...). */
void monitor_shutdown(monitor *mon, bool guest, const char *reason);

#endif
