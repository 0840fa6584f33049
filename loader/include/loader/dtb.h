/* Device tree blobs: validation, the board check, and the fix-ups the Raspberry Pi firmware
 * applies before starting the kernel (all with libfdt). */
#ifndef LOADER_DTB_H
#define LOADER_DTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DTB larger than this is refused (arm64 Linux requires < 2 MiB). */
#define DTB_MAX_SIZE (2u << 20)

/* Checks the header and structure: "FILE: not a device tree blob", "FILE: corrupt device tree
 * blob (...)", "FILE: truncated device tree blob". */
int dtb_check(const char *path, const void *blob, size_t len, char *err, size_t errlen);

/* Accepts the blob if one of its root `compatible` strings is in accepted (NULL-terminated).
 * Otherwise: "FILE: device tree is for 'ti,am335x-bone-black', not a Raspberry Pi 3
 * (brcm,bcm2837)", with board_name and the accepted strings. */
int dtb_check_compatible(const char *path, const void *blob, const char *board_name,
                         const char *const *accepted, char *err, size_t errlen);

typedef struct dtb_framebuffer {
    uint64_t base; /* guest physical */
    uint32_t width, height, stride;
    const char *format; /* "r5g6b5", "a8r8g8b8", "x8r8g8b8" */
} dtb_framebuffer;

/* Each part applies only when set. */
typedef struct dtb_fixups {
    bool set_memory; /* /memory@0 reg = <base size> in the root's cell sizes */
    uint64_t memory_base, memory_size;
    const char *bootargs; /* /chosen/bootargs */
    bool set_initrd;      /* /chosen/linux,initrd-start and -end (end exclusive) */
    uint64_t initrd_start, initrd_end;
    bool set_kaslr_seed; /* /chosen/kaslr-seed (u64) */
    uint64_t kaslr_seed;
    const uint8_t *rng_seed; /* /chosen/rng-seed (bytes) */
    size_t rng_seed_len;
    const char *serial_number; /* root serial-number */
    bool set_mac;              /* local-mac-address on the node /aliases/ethernet0 names */
    uint8_t mac[6];
    bool add_framebuffer; /* /chosen/framebuffer@BASE, simple-framebuffer */
    dtb_framebuffer framebuffer;
} dtb_fixups;

/* What dtb_apply_fixups could not do without failing (not errors). */
typedef struct dtb_fixup_report {
    bool mac_skipped; /* no /aliases/ethernet0, or it names no node */
} dtb_fixup_report;

/* Applies the fix-ups to *blob (len bytes), growing it as needed: on success *blob is replaced by
 * a new malloc'ed, packed blob (the old one is freed) and *len updated. report may be NULL. */
int dtb_apply_fixups(const char *path, uint8_t **blob, size_t *len, const dtb_fixups *fx,
                     dtb_fixup_report *report, char *err, size_t errlen);

#endif
