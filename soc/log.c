/* Machine-wide logging: leveled messages and trace categories, to the --log file or stderr. */
#include <stdarg.h>
#include <string.h>

#include "soc/log.h"

unsigned soc_trace_mask;
log_level soc_log_threshold = LOG_WARN;

static FILE *log_file;

void soc_log_set_file(FILE *f) {
    log_file = f;
}

FILE *soc_log_file(void) {
    return log_file ? log_file : stderr;
}

static const char *level_prefix(log_level level) {
    switch (level) {
    case LOG_ERROR: return "error: ";
    case LOG_WARN: return "warning: ";
    case LOG_INFO: return "";
    case LOG_DEBUG: return "debug: ";
    }
    return "";
}

static void emit(const char *prefix, const char *fmt, va_list ap) {
    FILE *f = soc_log_file();
    fputs(prefix, f);
    vfprintf(f, fmt, ap);
    size_t n = strlen(fmt);
    if (n == 0 || fmt[n - 1] != '\n') fputc('\n', f);
    /* Keep interleaving with guest console output readable. */
    fflush(f);
}

void soc_log(log_level level, const char *fmt, ...) {
    if (level > soc_log_threshold) return;
    va_list ap;
    va_start(ap, fmt);
    emit(level_prefix(level), fmt, ap);
    va_end(ap);
}

void soc_trace(unsigned category, const char *fmt, ...) {
    if (!(soc_trace_mask & category)) return;
    va_list ap;
    va_start(ap, fmt);
    emit("trace: ", fmt, ap);
    va_end(ap);
}

static const struct {
    const char *name;
    unsigned bit;
} trace_names[] = {
    {"insn", TRACE_INSN}, {"exec", TRACE_EXEC},   {"int", TRACE_INT},
    {"mmu", TRACE_MMU},   {"unimp", TRACE_UNIMP},
};

bool soc_trace_parse(const char *spec, unsigned *mask, char *err, size_t errlen) {
    unsigned result = 0;
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            bool found = false;
            if (len == 3 && strncmp(p, "all", 3) == 0) {
                result |= TRACE_INSN | TRACE_EXEC | TRACE_INT | TRACE_MMU | TRACE_UNIMP;
                found = true;
            }
            for (size_t i = 0; !found && i < sizeof trace_names / sizeof trace_names[0]; i++) {
                if (strlen(trace_names[i].name) == len &&
                    strncmp(p, trace_names[i].name, len) == 0) {
                    result |= trace_names[i].bit;
                    found = true;
                }
            }
            if (!found) {
                if (err && errlen)
                    snprintf(err, errlen,
                             "unknown trace category '%.*s' (known: insn,exec,int,mmu,unimp,all)",
                             (int)len, p);
                return false;
            }
        }
        p += len;
        if (*p == ',') p++;
    }
    *mask = result;
    return true;
}
