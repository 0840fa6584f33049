/* The progress line (progress.h). */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"

#define EVERY_S 0.5

void progress_init(progress *p, bool quiet) {
    p->enabled = !quiet && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    p->shown = false;
    p->last = 0;
}

void progress_update(progress *p, double host_now, double host_elapsed, uint64_t guest_ns,
                     uint64_t instructions, uint64_t console_lines) {
    if (!p->enabled || host_now - p->last < EVERY_S) return;
    p->last = host_now;
    fprintf(stderr,
            "\r\033[Ksocemu: %.1f s guest time, %.1f s host, %.1fM instructions, %llu "
            "console lines",
            (double)guest_ns / 1e9, host_elapsed, (double)instructions / 1e6,
            (unsigned long long)console_lines);
    fflush(stderr);
    p->shown = true;
}

void progress_clear(progress *p) {
    if (!p->shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}
