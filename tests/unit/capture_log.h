/* Test helper: route soc_log output into a memory buffer so tests can assert on messages. */
#ifndef TEST_CAPTURE_LOG_H
#define TEST_CAPTURE_LOG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/log.h"

static char *captured_text;
static size_t captured_size;
static FILE *captured_file;

static inline void capture_start(void) {
    captured_file = open_memstream(&captured_text, &captured_size);
    soc_log_set_file(captured_file);
}

/* The text logged since capture_start; valid until the next capture_start. */
static inline const char *capture_text(void) {
    fflush(captured_file);
    return captured_text ? captured_text : "";
}

static inline void capture_stop(void) {
    soc_log_set_file(NULL);
    fclose(captured_file);
    free(captured_text);
    captured_text = NULL;
    captured_file = NULL;
}

/* Occurrences of needle in the captured text. */
static inline unsigned capture_count(const char *needle) {
    unsigned n = 0;
    for (const char *p = capture_text(); (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#endif
