/* The console kept for the reports (--junit's system-out, --result-json, the failure report's
 * last lines): every UART's output as text, terminal escape sequences and carriage returns
 * removed, the oldest part dropped beyond a limit. Lines are counted for the progress line. */
#ifndef SOCEMU_CLI_CONSOLE_LOG_H
#define SOCEMU_CLI_CONSOLE_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct console_log console_log;

console_log *console_log_new(size_t max_bytes);
void console_log_free(console_log *cl);
void console_log_feed(console_log *cl, const uint8_t *data, size_t len);
/* The text kept (NUL-terminated); *dropped: bytes lost at the start to the limit. */
const char *console_log_text(const console_log *cl, size_t *len, uint64_t *dropped);
/* The start of the last n lines of the text (an unfinished last line counts as one). */
const char *console_log_tail(const console_log *cl, unsigned n);
/* Complete lines seen so far (dropped ones included). */
uint64_t console_log_lines(const console_log *cl);

#endif
