/* --symbols: System.map lines (and /proc/kallsyms, the same format) or a vmlinux's symbol table
 * name the function an address is in; data symbols, addresses outside the map and Debian's
 * placeholder file are handled. */
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "symbols.h"

static const char *write_file(const char *text) {
    static char path[] = "/tmp/socemu-test-symbols-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void put(uint8_t *p, uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A minimal ELF64 (a vmlinux stand-in): header, .symtab with a function and an object, .strtab. */
static void test_elf(void) {
    uint8_t f[1024] = {0};
    memcpy(f,
           "\x7f"
           "ELF",
           4);
    f[4] = 2, f[5] = 1, f[6] = 1;
    put(f + 0x28, 0x200, 8); /* e_shoff */
    put(f + 0x3a, 64, 2);    /* e_shentsize */
    put(f + 0x3c, 3, 2);     /* e_shnum: null, symtab, strtab */
    const char strtab[] = "\0el1_sync\0some_object";
    memcpy(f + 0x100, strtab, sizeof strtab);
    uint8_t *sym = f + 0x140; /* entry 0 is the null symbol */
    put(sym + 24, 1, 4);      /* st_name "el1_sync" */
    sym[24 + 4] = 0x12;       /* GLOBAL FUNC */
    put(sym + 24 + 8, 0xffff800008011000, 8);
    put(sym + 48, 10, 4); /* "some_object" */
    sym[48 + 4] = 0x11;   /* GLOBAL OBJECT: not code */
    put(sym + 48 + 8, 0xffff800008011800, 8);
    uint8_t *sh = f + 0x200;
    put(sh + 64 + 4, 2, 4); /* SHT_SYMTAB */
    put(sh + 64 + 0x18, 0x140, 8);
    put(sh + 64 + 0x20, 72, 8);
    put(sh + 64 + 0x28, 2, 4); /* sh_link: the strtab */
    put(sh + 128 + 4, 3, 4);   /* SHT_STRTAB */
    put(sh + 128 + 0x18, 0x100, 8);
    put(sh + 128 + 0x20, sizeof strtab, 8);
    char path[] = "/tmp/socemu-test-vmlinux-XXXXXX";
    FILE *out = fdopen(mkstemp(path), "wb");
    fwrite(f, 1, 0x200 + 3 * 64, out);
    fclose(out);
    char err[512], buf[128];
    symbols *s = symbols_load(path, err, sizeof err);
    CHECK(s != NULL);
    CHECK(s && symbols_lookup(s, 0xffff800008011ffc, buf, sizeof buf) &&
          strcmp(buf, "el1_sync+0xffc") == 0);
    symbols_free(s);
    remove(path);
}

int main(void) {
    test_elf();
    char err[512], buf[128];
    const char *path = write_file("ffff800008010000 T _stext\n"
                                  "ffff800008010100 t do_thing\n"
                                  "ffff800008010080 D some_data\n"
                                  "ffff800008010200 T cpu_do_idle\t[module]\n"
                                  "junk line\n");
    symbols *s = symbols_load(path, err, sizeof err);
    CHECK(s != NULL);
    CHECK(symbols_lookup(s, 0xffff800008010104, buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "do_thing+0x4") == 0);
    CHECK(strcmp(symbols_lookup(s, 0xffff800008010090, buf, sizeof buf), "_stext+0x90") == 0);
    CHECK(strcmp(symbols_lookup(s, 0xffff800008010200, buf, sizeof buf), "cpu_do_idle+0x0") == 0);
    CHECK(symbols_lookup(s, 0xffff800008000000, buf, sizeof buf) == NULL);
    CHECK(symbols_lookup(s, 0xffff800009000000, buf, sizeof buf) == NULL);
    symbols_free(s);
    remove(path);

    char path2[] = "/tmp/socemu-test-symbols-XXXXXX";
    FILE *f = fdopen(mkstemp(path2), "w");
    fputs("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n",
          f);
    fclose(f);
    CHECK(symbols_load(path2, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "Debian's placeholder");
    remove(path2);
    CHECK(symbols_load("/nonexistent/System.map", err, sizeof err) == NULL);
    CHECK(strcmp(err, "/nonexistent/System.map: No such file or directory") == 0);
    return check_report("cli_symbols");
}
