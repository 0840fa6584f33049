/* --symbols FILE: a kernel's vmlinux (an ELF64 with .symtab: its functions) or System.map
 * ("ffff800008010000 T _stext" lines), to name the function a core's PC is in for the failure
 * report. */
#ifndef SOCEMU_CLI_SYMBOLS_H
#define SOCEMU_CLI_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

typedef struct symbols symbols;

/* NULL with "PATH: why" in err (unreadable, or no symbol lines in it). */
symbols *symbols_load(const char *path, char *err, size_t errlen);
void symbols_free(symbols *s);
/* "name+0x1c" for addr into buf, or NULL when addr is outside the map (below its first symbol
 * or more than 1 MiB past its last). */
const char *symbols_lookup(const symbols *s, uint64_t addr, char *buf, size_t len);

#endif
