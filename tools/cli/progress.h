/* The progress line for long runs on a terminal: guest time, instructions, console lines,
 * rewritten in place on stderr about twice a second. Only when stderr is a terminal that the
 * console does not also write to (stdout not a terminal), and not with -q. */
#ifndef SOCEMU_CLI_PROGRESS_H
#define SOCEMU_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct progress {
    bool enabled, shown;
    double last;
} progress;

/* Decides whether the line is shown (quiet: -q). */
void progress_init(progress *p, bool quiet);
void progress_update(progress *p, double host_now, double host_elapsed, uint64_t guest_ns,
                     uint64_t instructions, uint64_t console_lines);
/* Erases the line (before the summary). */
void progress_clear(progress *p);

#endif
