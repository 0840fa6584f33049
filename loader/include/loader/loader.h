/* Loading guest images into the machine, always through the bus (never around it).
 * Every function returns 0, or -1 with a one-line reason in err that names the file
 * ("kernel.elf: truncated ELF header", "Image.gz: corrupt gzip data"). */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/bus.h"

/* Room for a one-line message that names a file: a path up to PATH_MAX and its reason (shorter
 * buffers cut the reason off a long path). */
#define LOADER_MSG_MAX 8192

/* Reads a whole file into memory, transparently inflating gzip (1f 8b) and xz (fd 37 7a 58 5a 00)
 * data. Files (or inflated data) larger than max_len are refused. *data is malloc'ed. */
int loader_read_file(const char *path, size_t max_len, uint8_t **data, size_t *len, char *err,
                     size_t errlen);
/* The same for data already in memory (a file read from a disk image): gzip and xz are inflated,
 * anything else is copied. name is used in messages. *out is malloc'ed. */
int loader_inflate(const char *name, const uint8_t *in, size_t in_len, size_t max_len,
                   uint8_t **out, size_t *out_len, char *err, size_t errlen);
bool loader_is_gzip(const uint8_t *data, size_t len);
bool loader_is_xz(const uint8_t *data, size_t len);

typedef enum { LOADER_ARCH_AARCH64, LOADER_ARCH_ARM } loader_arch;

typedef struct loaded_elf {
    uint64_t entry;
    uint64_t low, high; /* lowest and highest+1 physical address written */
} loaded_elf;

/* Whether the data starts with the ELF magic. */
bool loader_is_elf(const uint8_t *data, size_t len);
/* Loads every PT_LOAD segment at its physical address (p_paddr), zero-filling p_memsz beyond
 * p_filesz. Checks class, endianness, machine (arch), segment bounds. */
int loader_load_elf(bus *b, const char *path, const uint8_t *data, size_t len, loader_arch arch,
                    loaded_elf *out, char *err, size_t errlen);

/* The arm64 Linux Image header (Documentation/arm64/booting.rst facts). */
typedef struct arm64_image_info {
    uint64_t text_offset;
    uint64_t image_size; /* 0 in very old kernels: use the file size */
    uint64_t flags;
    bool little_endian;
} arm64_image_info;
bool loader_is_arm64_image(const uint8_t *data, size_t len);
int loader_parse_arm64_image(const char *path, const uint8_t *data, size_t len,
                             arm64_image_info *info, char *err, size_t errlen);

/* Copies a blob into guest memory at addr (RAM/ROM only). */
int loader_place(bus *b, const char *path, uint64_t addr, const uint8_t *data, size_t len,
                 char *err, size_t errlen);
/* Whether [addr, addr + len) is entirely RAM (or ROM: the loader may fill ROM), possibly spanning
 * adjacent regions. */
bool loader_range_is_memory(const bus *b, uint64_t addr, uint64_t len);

#endif
