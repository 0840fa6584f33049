/* The report on stderr when a run fails, times out or hits --fail: the last console lines, one
 * line per core (state: running, wfi, wfe, off, polling, exception-loop; PC with its symbol, EL,
 * the next timer event), the devices the guest
 * touched in its last second or two, the unimplemented blocks it accessed, and what the run was
 * waiting for. The device activity is sampled from the run loop (bus counters, no hot-path
 * cost). */
#ifndef SOCEMU_CLI_FAILURE_REPORT_H
#define SOCEMU_CLI_FAILURE_REPORT_H

#include <stdio.h>

#include "boards/machine.h"
#include "console_log.h"
#include "symbols.h"

typedef struct failure_watch failure_watch;

failure_watch *failure_watch_new(void);
void failure_watch_free(failure_watch *fw);
/* From the run loop: keeps the bus counters as of about a second ago. */
void failure_watch_sample(failure_watch *fw, machine *m, double host_now);

/* waiting: what the run waited for ("--expect 'login:'"), or NULL. */
void failure_report_print(FILE *out, machine *m, const failure_watch *fw, const console_log *cl,
                          const symbols *syms, const char *waiting);

#endif
