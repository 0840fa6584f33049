/* System.map reading (symbols.h): text symbols sorted by address, binary search. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols.h"

typedef struct sym {
    uint64_t addr;
    char *name;
} sym;

struct symbols {
    sym *v;
    size_t n;
};

static int by_addr(const void *a, const void *b) {
    uint64_t x = ((const sym *)a)->addr, y = ((const sym *)b)->addr;
    return x < y ? -1 : x > y;
}

void symbols_free(symbols *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].name);
    free(s->v);
    free(s);
}

symbols *symbols_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    symbols *s = calloc(1, sizeof *s);
    size_t cap = 0;
    char line[1024];
    bool placeholder = false;
    while (s && fgets(line, sizeof line, f)) {
        if (strstr(line, "The real System.map is in")) placeholder = true;
        unsigned long long addr;
        char type, name[512];
        if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3) continue;
        if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue; /* code only */
        if (s->n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            sym *v = realloc(s->v, ncap * sizeof *v);
            if (!v) break;
            s->v = v, cap = ncap;
        }
        s->v[s->n].addr = addr;
        s->v[s->n].name = strdup(name);
        if (s->v[s->n].name) s->n++;
    }
    fclose(f);
    if (placeholder && (!s || !s->n)) {
        snprintf(err, errlen,
                 "%s: Debian's placeholder, not the kernel's symbols (the real System.map is in "
                 "the linux-image-VERSION-dbg package; /proc/kallsyms from the guest works too)",
                 path);
        symbols_free(s);
        return NULL;
    }
    if (!s || !s->n) {
        snprintf(err, errlen,
                 "%s: no symbols in it (expected System.map lines like "
                 "'ffff800008010000 T _stext')",
                 path);
        symbols_free(s);
        return NULL;
    }
    qsort(s->v, s->n, sizeof *s->v, by_addr);
    return s;
}

const char *symbols_lookup(const symbols *s, uint64_t addr, char *buf, size_t len) {
    if (!s || !s->n || addr < s->v[0].addr) return NULL;
    if (addr > s->v[s->n - 1].addr && addr - s->v[s->n - 1].addr > (1u << 20)) return NULL;
    size_t lo = 0, hi = s->n; /* the last symbol at or below addr */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    snprintf(buf, len, "%s+0x%llx", s->v[lo].name, (unsigned long long)(addr - s->v[lo].addr));
    return buf;
}
