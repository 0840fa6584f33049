/* Line-by-line regex matching over console output that arrives in pieces. */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_watch.h"

#define WATCH_LINE_MAX     4096 /* longer lines keep their newest half */
#define WATCH_STREAMS      8
#define WATCH_MAX_PATTERNS 40

static const char panic_banner[] = "Kernel panic - not syncing";

typedef struct {
    regex_t re;
    watch_kind kind;
    bool is_panic;
    char *source;
} watch_pattern;

/* Terminal escape sequences are not text: busybox's shell sends ESC[6n (a cursor position
 * query) after its prompt, so patterns see the line with them removed. */
typedef enum {
    ESC_NONE,   /* text */
    ESC_START,  /* after ESC */
    ESC_CSI,    /* ESC [ parameters... final byte 0x40-0x7E */
    ESC_STRING, /* ESC ] (OSC), ESC P (DCS) ...: up to BEL or ESC \ */
    ESC_STRING_ESC,
} esc_state;

typedef struct {
    char text[WATCH_LINE_MAX + 1];
    size_t len;
    bool grew;   /* bytes arrived since the last idle check */
    bool tested; /* this partial line was tested as it is now */
    esc_state esc;
} watch_line;

struct console_watch {
    watch_pattern patterns[WATCH_MAX_PATTERNS];
    unsigned n_patterns;
    watch_line lines[WATCH_STREAMS];
    watch_verdict verdict;
    const watch_pattern *decider;
    unsigned verdict_stream;
    bool verdict_line_open; /* the deciding line has not seen its newline yet */
    watch_line verdict_line;
};

static int add_pattern(console_watch *w, watch_kind kind, bool is_panic, const char *regex,
                       char *err, size_t errlen) {
    const char *flag = kind == WATCH_KIND_EXPECT ? "--expect" : "--fail";
    if (w->n_patterns >= WATCH_MAX_PATTERNS) {
        snprintf(err, errlen, "%s: too many patterns", flag);
        return -1;
    }
    watch_pattern *p = &w->patterns[w->n_patterns];
    int rc = regcomp(&p->re, regex, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, &p->re, why, sizeof why);
        snprintf(err, errlen, "%s: '%s': %s", flag, regex, why);
        return -1;
    }
    p->source = strdup(regex);
    if (!p->source) {
        regfree(&p->re);
        snprintf(err, errlen, "%s: out of memory", flag);
        return -1;
    }
    p->kind = kind;
    p->is_panic = is_panic;
    w->n_patterns++;
    return 0;
}

console_watch *console_watch_new(void) {
    console_watch *w = calloc(1, sizeof *w);
    char err[256];
    if (w && add_pattern(w, WATCH_KIND_FAIL, true, panic_banner, err, sizeof err) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

void console_watch_free(console_watch *w) {
    if (!w) return;
    for (unsigned i = 0; i < w->n_patterns; i++) {
        regfree(&w->patterns[i].re);
        free(w->patterns[i].source);
    }
    free(w);
}

int console_watch_add(console_watch *w, watch_kind kind, const char *regex, char *err,
                      size_t errlen) {
    return add_pattern(w, kind, false, regex, err, errlen);
}

static void line_append(watch_line *l, char c) {
    if (l->len == WATCH_LINE_MAX) {
        size_t keep = WATCH_LINE_MAX / 2;
        memmove(l->text, l->text + l->len - keep, keep);
        l->len = keep;
    }
    l->text[l->len++] = c;
    l->text[l->len] = '\0';
}

/* True when c is text for the line (not part of an escape sequence, not CR, NUL or BEL). */
static bool line_text(watch_line *l, unsigned char c) {
    switch (l->esc) {
    case ESC_NONE:
        if (c == 0x1B) {
            l->esc = ESC_START;
            return false;
        }
        if (c == 0x9B) { /* the 8-bit CSI */
            l->esc = ESC_CSI;
            return false;
        }
        return c != '\r' && c != '\0' && c != '\a'; /* NUL would end the C string regexec sees */
    case ESC_START:
        l->esc = c == '['                                                   ? ESC_CSI
                 : c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_' ? ESC_STRING
                 : c >= 0x20 && c <= 0x2F ? ESC_START /* intermediate bytes: ESC ( B */
                                          : ESC_NONE;
        return false;
    case ESC_CSI:
        if (c >= 0x40 && c <= 0x7E)
            l->esc = ESC_NONE;
        else if (c < 0x20 || c > 0x3F)
            l->esc = c == 0x1B ? ESC_START : ESC_NONE; /* broken */
        return false;
    case ESC_STRING:
        if (c == '\a')
            l->esc = ESC_NONE;
        else if (c == 0x1B)
            l->esc = ESC_STRING_ESC;
        return false;
    case ESC_STRING_ESC: l->esc = c == '\\' ? ESC_NONE : ESC_STRING; return false;
    }
    return false;
}

/* Failure patterns are tested first so that text matching both counts as a failure. */
static const watch_pattern *first_match(const console_watch *w, const char *text) {
    for (int pass = 0; pass < 2; pass++) {
        watch_kind kind = pass == 0 ? WATCH_KIND_FAIL : WATCH_KIND_EXPECT;
        for (unsigned i = 0; i < w->n_patterns; i++) {
            const watch_pattern *p = &w->patterns[i];
            if (p->kind == kind && regexec(&p->re, text, 0, NULL, 0) == 0) return p;
        }
    }
    return NULL;
}

static bool test_line(console_watch *w, unsigned stream, bool complete) {
    const watch_line *l = &w->lines[stream];
    if (l->len == 0) return false;
    const watch_pattern *p = first_match(w, l->text);
    if (!p) return false;
    w->decider = p;
    w->verdict = p->is_panic ? WATCH_PANIC : p->kind == WATCH_KIND_FAIL ? WATCH_FAIL : WATCH_EXPECT;
    w->verdict_stream = stream;
    w->verdict_line = *l;
    w->verdict_line_open = !complete;
    return true;
}

watch_verdict console_watch_feed(console_watch *w, unsigned stream, const uint8_t *data,
                                 size_t len) {
    if (stream >= WATCH_STREAMS) stream = WATCH_STREAMS - 1;
    watch_line *l = &w->lines[stream];
    for (size_t i = 0; i < len; i++) {
        char c = (char)data[i];
        if (w->verdict != WATCH_RUNNING) {
            /* Only to complete the deciding line for the report. */
            if (!w->verdict_line_open || stream != w->verdict_stream) break;
            if (c == '\n')
                w->verdict_line_open = false;
            else if (line_text(&w->verdict_line, (unsigned char)c))
                line_append(&w->verdict_line, c);
            continue;
        }
        if (c == '\n') {
            test_line(w, stream, true);
            l->len = 0;
            l->text[0] = '\0';
            l->esc = ESC_NONE;
        } else if (line_text(l, (unsigned char)c)) {
            line_append(l, c);
            l->grew = true;
            l->tested = false;
        }
    }
    return w->verdict;
}

static watch_verdict test_partial_lines(console_watch *w, bool only_quiet) {
    for (unsigned s = 0; s < WATCH_STREAMS && w->verdict == WATCH_RUNNING; s++) {
        watch_line *l = &w->lines[s];
        bool quiet = !l->grew;
        l->grew = false;
        if ((quiet || !only_quiet) && !l->tested) {
            l->tested = true;
            test_line(w, s, false);
        }
    }
    return w->verdict;
}

watch_verdict console_watch_idle(console_watch *w) {
    return test_partial_lines(w, true);
}
watch_verdict console_watch_flush(console_watch *w) {
    return test_partial_lines(w, false);
}

watch_verdict console_watch_verdict(const console_watch *w) {
    return w->verdict;
}

const char *console_watch_pattern(const console_watch *w) {
    return w->decider ? w->decider->source : NULL;
}

const char *console_watch_line(const console_watch *w) {
    return w->decider ? w->verdict_line.text : NULL;
}
