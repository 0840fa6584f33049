/* --symbols: System.map lines (and /proc/kallsyms, the same format) name the function an address
 * is in; data symbols, addresses outside the map and Debian's placeholder file are handled. */
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

int main(void) {
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
