/* Shared helpers for the loader tests: a scratch directory, shell steps (gzip, dtc, mtools...),
 * small file I/O, and a guest RAM bus. */
#ifndef LOADER_TEST_UTIL_H
#define LOADER_TEST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soc/bus.h"

static char tu_dir[64];

/* Creates the scratch directory (removed by tu_cleanup unless KEEP_TEST_FILES is set). */
static inline void tu_setup(void) {
    snprintf(tu_dir, sizeof tu_dir, "/tmp/socemu-loader-XXXXXX");
    if (!mkdtemp(tu_dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void tu_cleanup(void) {
    if (getenv("KEEP_TEST_FILES")) {
        fprintf(stderr, "test files kept in %s\n", tu_dir);
        return;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+w %s; rm -rf %s", tu_dir, tu_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tu_dir);
}

/* A path inside the scratch directory (a few rotating static buffers). */
static inline const char *tu_path(const char *name) {
    static char bufs[8][512];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512, "%s/%s", tu_dir, name);
    return b;
}

/* Runs a shell command in the scratch directory; returns its exit status (0 = success). */
static inline int tu_sh(const char *fmt, ...) {
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "cd %s && ", tu_dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

static inline bool tu_have(const char *tool) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static inline int tu_write(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

static inline int tu_write_text(const char *name, const char *text) {
    return tu_write(tu_path(name), text, strlen(text));
}

/* Reads a whole file (malloc'ed), NULL on error. */
static inline uint8_t *tu_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(size > 0 ? (size_t)size : 1);
    if (d && fread(d, 1, (size_t)size, f) != (size_t)size) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return d;
}

/* Deterministic pseudo-random bytes, so content checks catch misplaced clusters. */
static inline void tu_fill(uint8_t *p, size_t n, uint32_t seed) {
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* A bus with one RAM region [base, base + size). */
static inline void tu_bus(bus *b, uint64_t base, uint64_t size) {
    char err[200];
    bus_init(b, BUS_UNMAPPED_RAZ_WI);
    if (bus_add_ram(b, "ram", base, size, NULL, err, sizeof err)) {
        fprintf(stderr, "bus_add_ram: %s\n", err);
        exit(2);
    }
}

#endif
