/* Logging for the machine and its devices: warnings, once-only warnings and trace categories.
 * Never called from the CPU's hot path. Output goes to the --log file, else stderr. */
#ifndef SOC_LOG_H
#define SOC_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

/* Trace categories selected with --trace (comma separated). */
enum {
    TRACE_INSN = 1u << 0,  /* each block as it is decoded, disassembled */
    TRACE_EXEC = 1u << 1,  /* each block as it is executed */
    TRACE_INT = 1u << 2,   /* exceptions and interrupts */
    TRACE_MMU = 1u << 3,   /* translation faults and TLB maintenance */
    TRACE_UNIMP = 1u << 4, /* accesses to unmodelled registers and devices */
};

extern unsigned soc_trace_mask;     /* OR of TRACE_* */
extern log_level soc_log_threshold; /* messages above it are dropped (default LOG_WARN) */

void soc_log_set_file(FILE *f); /* NULL = stderr */
/* Put in front of every message ("socemu: "), before the level ("warning: "). */
void soc_log_set_program(const char *prefix);
/* Writes text with control bytes (tab aside) and invalid UTF-8 escaped as \xNN: what one-line
 * messages quoting file contents or names use. */
void soc_log_put_escaped(FILE *f, const char *text);
/* errno of the first message that could not be written to the log (a full disk), else 0. */
int soc_log_write_error(void);
FILE *soc_log_file(void);
void soc_log(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Warnings and errors logged so far, and the i-th most recent (0 = the last; the last 8 are
 * kept, up to 255 bytes each), NULL past them: what a failure report quotes. */
unsigned soc_log_warning_count(void);
const char *soc_log_recent_warning(unsigned i);
void soc_trace(unsigned category, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses "insn,int,unimp" into a mask; returns false and names the bad word in err. */
bool soc_trace_parse(const char *spec, unsigned *mask, char *err, size_t errlen);

#define soc_warn(...)  soc_log(LOG_WARN, __VA_ARGS__)
#define soc_error(...) soc_log(LOG_ERROR, __VA_ARGS__)

#endif
