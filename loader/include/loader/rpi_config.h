/* The Raspberry Pi firmware's config.txt (facts: raspberrypi/documentation config_txt pages) and
 * cmdline.txt.
 *
 * Lines are `key=value`, `#` comments, `include FILE`, `initramfs FILE[,FILE] [ADDR|followkernel]`
 * and conditional sections: [all] [none] [pi1..pi5] [pi3+] [pi400] [cm4] [pi0] [pi02] [0xSERIAL]
 * [board-type=0xNN]. Filters of one kind replace each other; kinds combine with AND; [all] resets
 * them all. Unknown keys and filters become warnings; malformed values of keys socemu uses are
 * errors naming the file and line ("config.txt:7: kernel_address: 'zz' is not a number"). */
#ifndef LOADER_RPI_CONFIG_H
#define LOADER_RPI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The board the filters are evaluated for. */
typedef struct rpi_board_id {
    uint32_t revision; /* new-style revision code, e.g. 0xa02082 (3B), 0xa020d3 (3B+) */
    uint64_t serial;
} rpi_board_id;

/* The "type" field of a new-style revision code (bits 11:4): 0x08 3B, 0x0d 3B+, 0x0e 3A+. */
unsigned rpi_revision_board_type(uint32_t revision);

typedef struct rpi_string_list {
    char **items;
    size_t count;
} rpi_string_list;

typedef struct rpi_config {
    int arm_64bit; /* -1: not set */
    char *kernel;  /* NULL: not set */
    bool kernel_address_set;
    uint64_t kernel_address;
    rpi_string_list initramfs;  /* files, concatenated in order */
    bool initramfs_address_set; /* an explicit non-zero address */
    uint64_t initramfs_address;
    char *device_tree;
    bool device_tree_address_set;
    uint64_t device_tree_address;
    char *os_prefix; /* NULL: not set */
    bool upstream_kernel;
    char *cmdline; /* NULL: not set (cmdline.txt) */
    bool enable_uart;
    int gpu_mem, gpu_mem_256, gpu_mem_512, gpu_mem_1024; /* MiB, -1: not set */
    int total_mem;                                       /* MiB, -1: not set */
    rpi_string_list dtoverlays;                          /* "name[,param=value...]" as written */
    rpi_string_list dtparams;
    /* "dtoverlay=..." and "dtparam=..." lines in file order (dtparam applies to the overlay before
     * it; an empty "dtoverlay=" is kept: it ends that overlay's scope) */
    rpi_string_list dt_directives;
    /* where dtoverlay looks for NAME.dtbo, under os_prefix; NULL: not set ("overlays/") */
    char *overlay_prefix;
    int framebuffer_width, framebuffer_height, framebuffer_depth; /* -1: not set */
    rpi_string_list warnings; /* "config.txt:9: unknown key 'foo' ignored" */
} rpi_config;

/* Reads an included file; returns 0, 1 when it does not exist, -1 on an error (err set). */
typedef int (*rpi_config_read_fn)(void *ctx, const char *name, char **text, size_t *len, char *err,
                                  size_t errlen);

void rpi_config_init(rpi_config *c);
void rpi_config_free(rpi_config *c);

/* Parses text (the content of file `name`) into c, which must be initialised; later settings
 * override earlier ones. read may be NULL (then `include` lines are errors). */
int rpi_config_parse(rpi_config *c, const char *name, const char *text, size_t len,
                     const rpi_board_id *board, rpi_config_read_fn read, void *read_ctx, char *err,
                     size_t errlen);

/* The kernel command line from cmdline.txt's text: the first line, CR/LF and trailing blanks
 * removed. Returns a malloc'ed string (possibly empty), NULL on out of memory. */
char *rpi_cmdline_from_text(const char *text, size_t len);

#endif
