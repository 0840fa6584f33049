/* DTB validation, the board check and the Raspberry Pi firmware's fix-ups, with libfdt. */
#include "loader/dtb.h"

#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dtb_check(const char *path, const void *blob, size_t len, char *err, size_t errlen) {
    if (len < 4 || fdt_magic(blob) != FDT_MAGIC) {
        snprintf(err, errlen, "%s: not a device tree blob", path);
        return -1;
    }
    if (len < sizeof(struct fdt_header)) {
        snprintf(err, errlen, "%s: truncated device tree blob (%zu bytes)", path, len);
        return -1;
    }
    if (fdt_totalsize(blob) > len) {
        snprintf(err, errlen, "%s: truncated device tree blob (header says %u bytes, have %zu)",
                 path, fdt_totalsize(blob), len);
        return -1;
    }
    if (fdt_totalsize(blob) > DTB_MAX_SIZE) {
        snprintf(err, errlen, "%s: device tree blob is %u bytes, more than the 2 MiB limit", path,
                 fdt_totalsize(blob));
        return -1;
    }
    /* Versions before 16 (libfdt still reads them) have no size for the structure block, and
     * libfdt 1.6.1's fdt_check_full dereferences NULL on some of them (found by fuzz_dtb). dtc,
     * the kernel and the Pi firmware all write version 17. */
    if (fdt_version(blob) < 16) {
        snprintf(err, errlen, "%s: device tree blob version %u is too old (need 16 or later)", path,
                 fdt_version(blob));
        return -1;
    }
    int rc = fdt_check_header(blob);
    if (rc == 0) rc = fdt_check_full(blob, len);
    if (rc != 0) {
        snprintf(err, errlen, "%s: corrupt device tree blob (%s)", path, fdt_strerror(rc));
        return -1;
    }
    return 0;
}

int dtb_check_compatible(const char *path, const void *blob, const char *board_name,
                         const char *const *accepted, char *err, size_t errlen) {
    int len = 0;
    const char *compat = fdt_getprop(blob, 0, "compatible", &len);
    if (!compat || len <= 0) {
        snprintf(err, errlen, "%s: device tree has no root 'compatible', cannot tell its board",
                 path);
        return -1;
    }
    for (const char *const *a = accepted; *a; a++)
        if (fdt_stringlist_search(blob, 0, "compatible", *a) >= 0) return 0;
    char want[200] = "";
    size_t n = 0;
    for (const char *const *a = accepted; *a && n < sizeof want; a++)
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", a == accepted ? "" : ", ", *a);
    /* The first string is the most specific: it names the board the blob was built for. */
    snprintf(err, errlen, "%s: device tree is for '%.*s', not a %s (%s)", path,
             (int)strnlen(compat, (size_t)len), compat, board_name, want);
    return -1;
}

/* Finds or creates a node at the root. */
static int root_subnode(void *fdt, const char *name) {
    int off = fdt_subnode_offset(fdt, 0, name);
    if (off == -FDT_ERR_NOTFOUND) off = fdt_add_subnode(fdt, 0, name);
    return off;
}

/* Encodes a value as `cells` big-endian 32-bit cells (1 or 2); false if it does not fit. */
static bool put_cells(uint8_t *out, int cells, uint64_t value) {
    if (cells == 1) {
        if (value > UINT32_MAX) return false;
        fdt32_st(out, (uint32_t)value);
        return true;
    }
    fdt32_st(out, (uint32_t)(value >> 32));
    fdt32_st(out + 4, (uint32_t)value);
    return true;
}

/* The memory node: /memory@0, else /memory, else any node with device_type "memory". */
static int find_memory_node(void *fdt) {
    int off = fdt_path_offset(fdt, "/memory@0");
    if (off >= 0) return off;
    off = fdt_path_offset(fdt, "/memory");
    if (off >= 0) return off;
    off = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", sizeof "memory");
    if (off >= 0) return off;
    off = fdt_add_subnode(fdt, 0, "memory@0");
    if (off < 0) return off;
    int rc = fdt_setprop_string(fdt, off, "device_type", "memory");
    return rc < 0 ? rc : off;
}

static int set_reg(void *fdt, int node, const char *prop, uint64_t base, uint64_t size,
                   int addr_cells, int size_cells, const char *path, const char *what, char *err,
                   size_t errlen) {
    uint8_t reg[16];
    if (addr_cells < 1 || addr_cells > 2 || size_cells < 1 || size_cells > 2) {
        snprintf(err, errlen, "%s: unsupported #address-cells %d / #size-cells %d for %s", path,
                 addr_cells, size_cells, what);
        return -1;
    }
    if (!put_cells(reg, addr_cells, base) || !put_cells(reg + 4 * addr_cells, size_cells, size)) {
        snprintf(err, errlen, "%s: %s 0x%" PRIx64 "+0x%" PRIx64 " does not fit the tree's cells",
                 path, what, base, size);
        return -1;
    }
    int rc = fdt_setprop(fdt, node, prop, reg, 4 * (addr_cells + size_cells));
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot set %s: %s", path, what, fdt_strerror(rc));
        return -1;
    }
    return 0;
}

/* Linux reads linux,initrd-start/-end in whatever width they have: use 32 bits when possible,
 * as the Pi firmware does. */
static int set_addr_prop(void *fdt, int node, const char *name, uint64_t value) {
    if (value <= UINT32_MAX) return fdt_setprop_u32(fdt, node, name, (uint32_t)value);
    return fdt_setprop_u64(fdt, node, name, value);
}

static int add_framebuffer(void *fdt, int chosen, const dtb_framebuffer *fb, const char *path,
                           char *err, size_t errlen) {
    char name[48];
    snprintf(name, sizeof name, "framebuffer@%" PRIx64, fb->base);
    int node = fdt_subnode_offset(fdt, chosen, name);
    if (node == -FDT_ERR_NOTFOUND) node = fdt_add_subnode(fdt, chosen, name);
    if (node < 0) {
        snprintf(err, errlen, "%s: cannot add /chosen/%s: %s", path, name, fdt_strerror(node));
        return -1;
    }
    /* /chosen usually has no #address-cells: give it the root's so reg reads the same in every
     * parser (Linux walks up to the root, others default to 2/1). */
    int ac = fdt_address_cells(fdt, 0), sc = fdt_size_cells(fdt, 0);
    if (ac < 0 || sc < 0) {
        snprintf(err, errlen, "%s: bad root #address-cells/#size-cells", path);
        return -1;
    }
    int rc = 0;
    if (!fdt_getprop(fdt, chosen, "#address-cells", NULL))
        rc = fdt_setprop_u32(fdt, chosen, "#address-cells", (uint32_t)ac);
    if (!rc && !fdt_getprop(fdt, chosen, "#size-cells", NULL))
        rc = fdt_setprop_u32(fdt, chosen, "#size-cells", (uint32_t)sc);
    /* An empty ranges (1:1), as the firmware writes it: without it Linux cannot translate reg
     * ("simple-framebuffer ...: No memory resource"). */
    if (!rc && !fdt_getprop(fdt, chosen, "ranges", NULL))
        rc = fdt_setprop(fdt, chosen, "ranges", NULL, 0);
    if (rc) goto fail;
    node = fdt_subnode_offset(fdt, chosen, name); /* offsets move after edits above */
    ac = fdt_address_cells(fdt, chosen);
    sc = fdt_size_cells(fdt, chosen);
    uint64_t bytes = (uint64_t)fb->stride * fb->height;
    if (set_reg(fdt, node, "reg", fb->base, bytes, ac, sc, path, "framebuffer reg", err, errlen))
        return -1;
    node = fdt_subnode_offset(fdt, chosen, name);
    if ((rc = fdt_setprop_string(fdt, node, "compatible", "simple-framebuffer")) ||
        (rc = fdt_setprop_u32(fdt, node, "width", fb->width)) ||
        (rc = fdt_setprop_u32(fdt, node, "height", fb->height)) ||
        (rc = fdt_setprop_u32(fdt, node, "stride", fb->stride)) ||
        (rc = fdt_setprop_string(fdt, node, "format", fb->format ? fb->format : "r5g6b5")) ||
        (rc = fdt_setprop_string(fdt, node, "status", "okay")))
        goto fail;
    int aliases = fdt_path_offset(fdt, "/aliases");
    if (aliases >= 0) {
        char full[80];
        snprintf(full, sizeof full, "/chosen/%s", name);
        if ((rc = fdt_setprop_string(fdt, aliases, "display0", full))) goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot fill /chosen/%s: %s", path, name, fdt_strerror(rc));
    return -1;
}

/* Room added before editing: the properties written plus slack for node headers and names. */
static size_t fixup_room(const dtb_fixups *fx) {
    size_t room = 4096;
    if (fx->bootargs) room += strlen(fx->bootargs) + 1;
    if (fx->serial_number) room += strlen(fx->serial_number) + 1;
    room += fx->rng_seed_len;
    return room;
}

int dtb_apply_fixups(const char *path, uint8_t **blob, size_t *len, const dtb_fixups *fx,
                     dtb_fixup_report *report, char *err, size_t errlen) {
    dtb_fixup_report local = {0};
    if (!report) report = &local;
    memset(report, 0, sizeof *report);
    if (dtb_check(path, *blob, *len, err, errlen)) return -1;
    size_t new_size = fdt_totalsize(*blob) + fixup_room(fx);
    uint8_t *fdt = malloc(new_size);
    if (!fdt) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = fdt_open_into(*blob, fdt, (int)new_size);
    const char *step = "open";
    if (rc) goto fail;

    if (fx->set_memory) {
        step = "/memory";
        int mem = find_memory_node(fdt);
        if ((rc = mem) < 0) goto fail;
        int ac = fdt_address_cells(fdt, 0), sc = fdt_size_cells(fdt, 0);
        if (set_reg(fdt, mem, "reg", fx->memory_base, fx->memory_size, ac, sc, path, "memory reg",
                    err, errlen))
            goto fail_msg;
    }
    bool need_chosen =
        fx->bootargs || fx->set_initrd || fx->set_kaslr_seed || fx->rng_seed || fx->add_framebuffer;
    if (need_chosen) {
        step = "/chosen";
        int chosen = root_subnode(fdt, "chosen");
        if ((rc = chosen) < 0) goto fail;
        /* Offsets are re-fetched after each edit: adding data moves later nodes. */
        if (fx->bootargs && (rc = fdt_setprop_string(fdt, fdt_path_offset(fdt, "/chosen"),
                                                     "bootargs", fx->bootargs)))
            goto fail;
        if (fx->set_initrd) {
            step = "/chosen/linux,initrd-*";
            if ((rc = set_addr_prop(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-start",
                                    fx->initrd_start)) ||
                (rc = set_addr_prop(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-end",
                                    fx->initrd_end)))
                goto fail;
        }
        step = "/chosen seeds";
        if (fx->set_kaslr_seed && (rc = fdt_setprop_u64(fdt, fdt_path_offset(fdt, "/chosen"),
                                                        "kaslr-seed", fx->kaslr_seed)))
            goto fail;
        if (fx->rng_seed && (rc = fdt_setprop(fdt, fdt_path_offset(fdt, "/chosen"), "rng-seed",
                                              fx->rng_seed, (int)fx->rng_seed_len)))
            goto fail;
        if (fx->add_framebuffer && add_framebuffer(fdt, fdt_path_offset(fdt, "/chosen"),
                                                   &fx->framebuffer, path, err, errlen))
            goto fail_msg;
    }
    if (fx->serial_number) {
        step = "serial-number";
        if ((rc = fdt_setprop_string(fdt, 0, "serial-number", fx->serial_number))) goto fail;
    }
    if (fx->set_mac) {
        step = "local-mac-address";
        const char *eth = fdt_get_alias(fdt, "ethernet0");
        int node = eth ? fdt_path_offset(fdt, eth) : -FDT_ERR_NOTFOUND;
        if (node >= 0) {
            if ((rc = fdt_setprop(fdt, node, "local-mac-address", fx->mac, 6))) goto fail;
        } else {
            report->mac_skipped = true;
        }
    }
    rc = fdt_pack(fdt);
    if (rc) goto fail;
    free(*blob);
    *blob = fdt;
    *len = fdt_totalsize(fdt);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot apply device tree fix-up (%s): %s", path, step,
             fdt_strerror(rc));
fail_msg:
    free(fdt);
    return -1;
}
