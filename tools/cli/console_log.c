/* The console record (console_log.h): a buffer that keeps the newest max_bytes of text. */
#include <stdlib.h>
#include <string.h>

#include "console_log.h"

struct console_log {
    char *text;
    size_t len, max;
    uint64_t dropped, lines;
    int esc; /* 0 none, 1 after ESC, 2 in a CSI sequence */
};

console_log *console_log_new(size_t max_bytes) {
    console_log *cl = calloc(1, sizeof *cl);
    if (!cl) return NULL;
    cl->max = max_bytes < 4096 ? 4096 : max_bytes;
    cl->text = malloc(cl->max + 1);
    if (!cl->text) {
        free(cl);
        return NULL;
    }
    cl->text[0] = '\0';
    return cl;
}

void console_log_free(console_log *cl) {
    if (!cl) return;
    free(cl->text);
    free(cl);
}

void console_log_feed(console_log *cl, const uint8_t *data, size_t len) {
    if (!cl) return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (cl->esc == 1) {
            cl->esc = c == '[' ? 2 : 0;
            continue;
        }
        if (cl->esc == 2) {
            if (c >= 0x40 && c <= 0x7e) cl->esc = 0;
            continue;
        }
        if (c == 0x1b) {
            cl->esc = 1;
            continue;
        }
        if (c == '\r' || c == 0) continue;
        if (cl->len == cl->max) { /* drop the oldest half */
            size_t half = cl->max / 2;
            memmove(cl->text, cl->text + half, cl->len - half);
            cl->len -= half;
            cl->dropped += half;
        }
        cl->text[cl->len++] = (char)c;
        if (c == '\n') cl->lines++;
    }
    cl->text[cl->len] = '\0';
}

const char *console_log_text(const console_log *cl, size_t *len, uint64_t *dropped) {
    if (len) *len = cl ? cl->len : 0;
    if (dropped) *dropped = cl ? cl->dropped : 0;
    return cl ? cl->text : "";
}

const char *console_log_tail(const console_log *cl, unsigned n) {
    if (!cl || !cl->len) return "";
    size_t i = cl->len;
    if (cl->text[i - 1] == '\n') i--; /* the last line's own newline */
    while (i > 0) {
        if (cl->text[i - 1] == '\n' && --n == 0) break;
        i--;
    }
    return cl->text + i;
}

uint64_t console_log_lines(const console_log *cl) {
    return cl ? cl->lines : 0;
}
