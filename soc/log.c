/* Machine-wide logging: leveled messages and trace categories, to the --log file or stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "soc/log.h"

unsigned soc_trace_mask;
log_level soc_log_threshold = LOG_WARN;

static FILE *log_file;
static const char *log_program = "";
static int log_errno; /* the first failed write, 0 if none */

/* The last warnings and errors, for the CLI's failure report. */
#define RECENT_MAX 8
static char recent[RECENT_MAX][256];
static unsigned recent_count;

unsigned soc_log_warning_count(void) {
    return recent_count;
}

const char *soc_log_recent_warning(unsigned i) {
    if (i >= recent_count || i >= RECENT_MAX) return NULL;
    return recent[(recent_count - 1 - i) % RECENT_MAX];
}

void soc_log_set_file(FILE *f) {
    log_file = f;
    log_errno = 0;
}

void soc_log_set_program(const char *prefix) {
    log_program = prefix ? prefix : "";
}

int soc_log_write_error(void) {
    return log_errno;
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

/* Length of the valid UTF-8 sequence at s (2-4), or 0. */
static size_t utf8_len(const unsigned char *s) {
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (s[0] >= 0xF5) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return n;
}

void soc_log_put_escaped(FILE *f, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t n = *s >= 0x80 ? utf8_len(s) : (*s >= 0x20 && *s != 0x7F) || *s == '\t' ? 1 : 0;
        if (n) {
            fwrite(s, 1, n, f);
            s += n;
        } else {
            fprintf(f, "\\x%02x", *s++);
        }
    }
}

static void emit(const char *prefix, bool keep, const char *fmt, va_list ap) {
    FILE *f = soc_log_file();
    errno = 0;
    fputs(log_program, f);
    fputs(prefix, f);
    /* Messages quote what they read (a config line, a file name): control bytes and invalid
     * UTF-8 are shown escaped, never sent to the terminal raw. */
    char small[1024] = "", *text = small;
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    if (len >= (int)sizeof small && (text = malloc((size_t)len + 1)) != NULL)
        vsnprintf(text, (size_t)len + 1, fmt, again);
    va_end(again);
    if (!text) text = small;
    size_t n = len > 0 ? strlen(text) : 0;
    bool newline = n && text[n - 1] == '\n';
    if (newline) text[n - 1] = '\0';
    if (keep) snprintf(recent[recent_count++ % RECENT_MAX], sizeof recent[0], "%s", text);
    soc_log_put_escaped(f, text);
    fputc('\n', f);
    if (text != small) free(text);
    /* Keep interleaving with guest console output readable. */
    if ((fflush(f) != 0 || ferror(f)) && !log_errno) log_errno = errno ? errno : EIO;
}

void soc_log(log_level level, const char *fmt, ...) {
    if (level > soc_log_threshold) return;
    va_list ap;
    va_start(ap, fmt);
    emit(level_prefix(level), level <= LOG_WARN, fmt, ap);
    va_end(ap);
}

void soc_trace(unsigned category, const char *fmt, ...) {
    if (!(soc_trace_mask & category)) return;
    va_list ap;
    va_start(ap, fmt);
    emit("trace: ", false, fmt, ap);
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
