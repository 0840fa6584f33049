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

static bool add_symbol(symbols *s, size_t *cap, uint64_t addr, const char *name) {
    if (s->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4096;
        sym *v = realloc(s->v, ncap * sizeof *v);
        if (!v) return false;
        s->v = v, *cap = ncap;
    }
    s->v[s->n].addr = addr;
    s->v[s->n].name = strdup(name);
    if (s->v[s->n].name) s->n++;
    return true;
}

static uint64_t le(const uint8_t *p, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A little-endian ELF64 file (vmlinux): the function symbols of its .symtab. Returns false if
 * the file is not one or has no symbol table. */
static bool load_elf(symbols *s, FILE *f) {
    uint8_t eh[64];
    if (fseek(f, 0, SEEK_SET) != 0 || fread(eh, 1, sizeof eh, f) != sizeof eh) return false;
    if (memcmp(eh,
               "\x7f"
               "ELF",
               4) != 0 ||
        eh[4] != 2 || eh[5] != 1)
        return false;
    uint64_t shoff = le(eh + 0x28, 8);
    unsigned shentsize = (unsigned)le(eh + 0x3a, 2), shnum = (unsigned)le(eh + 0x3c, 2);
    if (shentsize < 64 || !shnum || shnum > 65000) return false;
    uint8_t *sh = malloc((size_t)shnum * shentsize);
    bool ok = sh && fseek(f, (long)shoff, SEEK_SET) == 0 && fread(sh, shentsize, shnum, f) == shnum;
    size_t cap = 0;
    for (unsigned i = 0; ok && i < shnum; i++) {
        const uint8_t *h = sh + (size_t)i * shentsize;
        if (le(h + 4, 4) != 2 /* SHT_SYMTAB */) continue;
        unsigned link = (unsigned)le(h + 0x28, 4);
        if (link >= shnum) break;
        const uint8_t *strh = sh + (size_t)link * shentsize;
        uint64_t symoff = le(h + 0x18, 8), symsize = le(h + 0x20, 8);
        uint64_t stroff = le(strh + 0x18, 8), strsize = le(strh + 0x20, 8);
        if (symsize > (1u << 30) || strsize > (1u << 30)) break;
        uint8_t *syms = malloc(symsize ? symsize : 1);
        char *strs = malloc(strsize + 1);
        if (syms && strs && fseek(f, (long)symoff, SEEK_SET) == 0 &&
            fread(syms, 1, symsize, f) == symsize && fseek(f, (long)stroff, SEEK_SET) == 0 &&
            fread(strs, 1, strsize, f) == strsize) {
            strs[strsize] = '\0';
            for (uint64_t o = 0; o + 24 <= symsize; o += 24) {
                const uint8_t *e = syms + o;
                uint64_t name = le(e, 4), value = le(e + 8, 8);
                if ((e[4] & 0xf) != 2 /* STT_FUNC */ || !value || name >= strsize) continue;
                if (!add_symbol(s, &cap, value, strs + name)) break;
            }
        }
        free(syms);
        free(strs);
        break;
    }
    free(sh);
    return s->n > 0;
}

symbols *symbols_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    symbols *s = calloc(1, sizeof *s);
    if (s && load_elf(s, f)) {
        fclose(f);
        qsort(s->v, s->n, sizeof *s->v, by_addr);
        return s;
    }
    if (s && s->n == 0) rewind(f);
    size_t cap = 0;
    char line[1024];
    bool placeholder = false;
    while (s && fgets(line, sizeof line, f)) {
        if (strstr(line, "The real System.map is in")) placeholder = true;
        unsigned long long addr;
        char type, name[512];
        if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3) continue;
        if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue; /* code only */
        if (!add_symbol(s, &cap, addr, name)) break;
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
                 "%s: no symbols in it (expected a vmlinux with a symbol table, or System.map "
                 "lines like 'ffff800008010000 T _stext')",
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
