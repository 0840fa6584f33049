/* Watches guest console output for the patterns that end a CI run: --expect (pass), --fail and
 * the kernel panic banner (guest failed). Output arrives in arbitrary pieces, usually one byte at a
 * time from a UART, so the current line of each stream is kept. A line is tested when its newline
 * arrives; a partial line (a "login: " prompt never gets one) is tested once output has paused
 * (console_watch_idle), so a --fail pattern that extends an --expect one still wins when the whole
 * line arrives at once. */
#ifndef SOCEMU_CLI_CONSOLE_WATCH_H
#define SOCEMU_CLI_CONSOLE_WATCH_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    WATCH_RUNNING, /* nothing decisive seen yet */
    WATCH_EXPECT,  /* an --expect pattern matched */
    WATCH_FAIL,    /* a --fail pattern matched */
    WATCH_PANIC,   /* the kernel panicked */
} watch_verdict;

typedef enum { WATCH_KIND_EXPECT, WATCH_KIND_FAIL } watch_kind;

typedef struct console_watch console_watch;

/* With panic detection always on. */
console_watch *console_watch_new(void);
void console_watch_free(console_watch *w);

/* Adds a POSIX extended regex. Returns 0, or -1 with "--expect: 'a(': <why>" in err. */
int console_watch_add(console_watch *w, watch_kind kind, const char *regex, char *err,
                      size_t errlen);

/* Feeds output from one stream (streams keep separate current lines; ids 0..7). Returns the
 * verdict, which sticks once it is not WATCH_RUNNING. */
watch_verdict console_watch_feed(console_watch *w, unsigned stream, const uint8_t *data,
                                 size_t len);
/* Call every few milliseconds: tests each partial line that has not grown since the last call. */
watch_verdict console_watch_idle(console_watch *w);
/* Tests every partial line now (the run is over: nothing more will arrive). */
watch_verdict console_watch_flush(console_watch *w);
watch_verdict console_watch_verdict(const console_watch *w);

/* The pattern that decided (NULL while running) and the console line it matched in; the line
 * keeps growing until its newline, so a panic's reason is there when the run stops. */
const char *console_watch_pattern(const console_watch *w);
const char *console_watch_line(const console_watch *w);

#endif
