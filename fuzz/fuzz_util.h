/* Shared helpers of the libFuzzer targets: an in-memory disk reader, splitting one input into
 * several files, and a scratch directory for parsers that only take a path. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/disk.h"

typedef struct fuzz_mem {
    const uint8_t *data;
    size_t len;
} fuzz_mem;

static inline int fuzz_mem_read(void *ctx, uint64_t offset, void *buf, size_t len) {
    const fuzz_mem *m = ctx;
    if (offset > m->len || len > m->len - offset) return -1;
    memcpy(buf, m->data + offset, len);
    return 0;
}

/* A disk_reader over the fuzz input (as disk_open_file would give for a file with these bytes). */
static inline disk_reader fuzz_disk(fuzz_mem *m, const uint8_t *data, size_t len) {
    m->data = data;
    m->len = len;
    return (disk_reader){.read = fuzz_mem_read, .ctx = m, .size = len, .name = "fuzz.img"};
}

/* Splits the input at each line "%%\n" into at most max parts (the last takes the rest). */
#define FUZZ_SEPARATOR "\n%%\n"
static inline size_t fuzz_split(const uint8_t *data, size_t len, fuzz_mem *parts, size_t max) {
    size_t n = 0, start = 0, sep = strlen(FUZZ_SEPARATOR);
    for (size_t i = 0; n + 1 < max && i + sep <= len; i++) {
        if (memcmp(data + i, FUZZ_SEPARATOR, sep) == 0) {
            parts[n++] = (fuzz_mem){data + start, i - start};
            start = i + sep;
            i = start - 1;
        }
    }
    parts[n++] = (fuzz_mem){data + start, len - start};
    return n;
}

/* A private directory (created once, removed at exit) for inputs a parser reads by path. */
static char fuzz_dir_path[64];
static inline void fuzz_dir_cleanup(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_path);
    if (system(cmd)) {
    }
}
static inline const char *fuzz_dir(void) {
    if (!fuzz_dir_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/socemu-fuzz-XXXXXX",
                 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) abort();
        atexit(fuzz_dir_cleanup);
    }
    return fuzz_dir_path;
}

/* Writes data to DIR/name (replacing it) and returns the path (static storage). */
static inline const char *fuzz_write_file(const char *name, const uint8_t *data, size_t len) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    unlink(path);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (len && fwrite(data, 1, len, f) != len) abort();
    if (fclose(f)) abort();
    return path;
}

#endif
