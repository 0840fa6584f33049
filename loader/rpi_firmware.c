/* The Raspberry Pi 3 firmware's boot flow (facts: rpi3-hardware.md §4, raspberrypi/documentation
 * config_txt/boot.adoc, Linux Documentation/arm64/booting.rst). */
#include "loader/rpi_firmware.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/disk.h"
#include "loader/dt_overlay.h"
#include "loader/fat.h"
#include "loader/loader.h"
#include "loader/mbr.h"

#define MIB                 (UINT64_C(1) << 20)
#define CONFIG_MAX_SIZE     (1u << 20)
#define KERNEL_MAX_SIZE     (256u << 20)
#define INITRD_MAX_SIZE     (512u << 20)
#define DEFAULT_GPU_MEM_MIB 76
#define MIN_GPU_MEM_MIB     16
#define KERNEL64_DEFAULT    0x200000u /* 2 MiB aligned, per booting.rst */
#define RAW64_DEFAULT       0x80000u  /* a 64-bit file without the Image header (U-Boot) */
#define KERNEL32_DEFAULT    0x8000u
#define PAGE_SIZE           4096u
#define DTB_HIGH_CEILING    0x2f000000u /* top of the firmware's DTB for raw 64-bit binaries */
#define DTB_HIGH_ALIGN      256u
#define ZIMAGE_MAGIC_OFFSET 0x24
#define ZIMAGE_MAGIC        0x016f2818u

typedef struct boot_fs {
    const char *image; /* the path, for messages */
    disk_reader disk;
    fat_volume *fat;
    const char *prefix; /* os_prefix in effect ("" when dropped) */
} boot_fs;

static uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

static void add_warning(rpi_boot_plan *plan, const char *fmt, ...) {
    char msg[LOADER_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **items = realloc(plan->warnings.items, (plan->warnings.count + 1) * sizeof *items);
    if (!items) return;
    plan->warnings.items = items;
    if ((items[plan->warnings.count] = strdup(msg))) plan->warnings.count++;
}

/* The boot ROM reads the first FAT partition; a card formatted without a partition table
 * ("superfloppy") is accepted too. */
static int open_boot_partition(boot_fs *fs, char *err, size_t errlen) {
    mbr_table t;
    char mbr_err[LOADER_MSG_MAX] = "", why[300] = "";
    if (mbr_read(&fs->disk, &t, mbr_err, sizeof mbr_err) == 0) {
        for (unsigned i = 0; i < t.count; i++) {
            const mbr_partition *p = &t.parts[i];
            if (!mbr_type_is_fat(p->type)) continue;
            uint64_t off = p->start_lba * MBR_SECTOR_SIZE;
            uint64_t size = p->sectors * MBR_SECTOR_SIZE;
            if (size > fs->disk.size - off) size = fs->disk.size - off;
            if (fat_open(&fs->disk, off, size, &fs->fat, err, errlen) == 0) return 0;
            return -1; /* a FAT partition that does not open: say why */
        }
        snprintf(why, sizeof why, " (%u partitions, none FAT%s%s)", t.count,
                 t.count ? "; partition 1 is " : "", t.count ? mbr_type_name(t.parts[0].type) : "");
    }
    char fat_err[LOADER_MSG_MAX];
    if (fat_open(&fs->disk, 0, fs->disk.size, &fs->fat, fat_err, sizeof fat_err) == 0) return 0;
    if (mbr_err[0] && !why[0]) {
        snprintf(err, errlen, "%s", mbr_err);
        return -1;
    }
    snprintf(err, errlen, "%s: no FAT boot partition%s", fs->image, why);
    return -1;
}

/* Reads prefix+name from the boot partition: 0, FAT_NOT_FOUND or -1. */
static int read_boot_file(boot_fs *fs, const char *name, size_t max, uint8_t **data, size_t *len,
                          char *err, size_t errlen) {
    char path[512];
    snprintf(path, sizeof path, "%s%s", fs->prefix, name);
    return fat_read_file(fs->fat, path, max, data, len, err, errlen);
}

static bool boot_file_exists(boot_fs *fs, const char *prefix, const char *name) {
    char path[512], why[300];
    fat_dirent e;
    snprintf(path, sizeof path, "%s%s", prefix, name);
    return fat_lookup(fs->fat, path, &e, why, sizeof why) == 0 && !e.is_dir;
}

/* For include lines in config.txt (not prefixed: config files live at the top). */
static int read_include(void *ctx, const char *name, char **text, size_t *len, char *err,
                        size_t errlen) {
    boot_fs *fs = ctx;
    uint8_t *data;
    int rc = fat_read_file(fs->fat, name, CONFIG_MAX_SIZE, &data, len, err, errlen);
    if (rc) return rc == FAT_NOT_FOUND ? 1 : -1;
    *text = (char *)data;
    return 0;
}

static int read_config(boot_fs *fs, const rpi_board_facts *facts, rpi_boot_plan *plan, char *err,
                       size_t errlen) {
    rpi_config_init(&plan->config);
    uint8_t *text;
    size_t len;
    char why[LOADER_MSG_MAX];
    int rc = fat_read_file(fs->fat, "config.txt", CONFIG_MAX_SIZE, &text, &len, why, sizeof why);
    if (rc == FAT_NOT_FOUND) {
        add_warning(plan, "%s: no config.txt on the boot partition: using the defaults", fs->image);
        return 0;
    }
    if (rc) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    char cfg_err[400];
    rc = rpi_config_parse(&plan->config, "config.txt", (const char *)text, len, &facts->id,
                          read_include, fs, cfg_err, sizeof cfg_err);
    free(text);
    if (rc) {
        snprintf(err, errlen, "%s: %s", fs->image, cfg_err);
        return -1;
    }
    for (size_t i = 0; i < plan->config.warnings.count; i++)
        add_warning(plan, "%s: %s", fs->image, plan->config.warnings.items[i]);
    return 0;
}

/* The DTB names to try: config's device_tree, else the board's defaults, upstream names first
 * with upstream_kernel=1 (the other family is the fallback: both describe the same board). */
static size_t dtb_candidates(const rpi_config *c, const rpi_board_facts *facts,
                             const char *out[8]) {
    size_t n = 0;
    if (c->device_tree) {
        out[n++] = c->device_tree;
        return n;
    }
    static const char *const downstream_first[] = {"bcm2710-rpi-3-b.dtb", "bcm2837-rpi-3-b.dtb",
                                                   NULL};
    static const char *const upstream_first[] = {"bcm2837-rpi-3-b.dtb", "bcm2710-rpi-3-b.dtb",
                                                 NULL};
    const char *const *list = facts->default_dtbs  ? facts->default_dtbs
                              : c->upstream_kernel ? upstream_first
                                                   : downstream_first;
    for (; *list && n < 8; list++)
        out[n++] = *list;
    return n;
}

/* os_prefix (or upstream/ implied by upstream_kernel) applies only if the kernel and the DTB
 * both exist under it; otherwise the firmware drops it. */
static void choose_prefix(boot_fs *fs, const rpi_config *c, const char *kernel,
                          const char *const *dtbs, size_t n_dtbs, rpi_boot_plan *plan) {
    const char *prefix = c->os_prefix ? c->os_prefix : c->upstream_kernel ? "upstream/" : "";
    fs->prefix = "";
    if (!*prefix) return;
    bool dtb_found = false;
    for (size_t i = 0; i < n_dtbs && !dtb_found; i++)
        dtb_found = boot_file_exists(fs, prefix, dtbs[i]);
    if (boot_file_exists(fs, prefix, kernel) && dtb_found) {
        fs->prefix = prefix;
        return;
    }
    if (c->os_prefix)
        add_warning(plan, "%s: os_prefix '%s' ignored: the kernel or DTB is not there", fs->image,
                    prefix);
}

static int load_kernel(boot_fs *fs, const rpi_config *c, const char *kernel_name,
                       rpi_boot_plan *plan, char *err, size_t errlen) {
    uint8_t *raw;
    size_t raw_len;
    char why[LOADER_MSG_MAX];
    int rc = read_boot_file(fs, kernel_name, KERNEL_MAX_SIZE, &raw, &raw_len, why, sizeof why);
    if (rc == FAT_NOT_FOUND) {
        if (c->kernel)
            snprintf(err, errlen,
                     "%s: config.txt names kernel '%s%s' but it is not on the boot partition",
                     fs->image, fs->prefix, kernel_name);
        else
            snprintf(err, errlen,
                     "%s: no kernel: '%s%s' is not on the boot partition (name one with kernel= "
                     "in config.txt)",
                     fs->image, fs->prefix, kernel_name);
        return -1;
    }
    if (rc) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    char label[LOADER_MSG_MAX];
    snprintf(label, sizeof label, "%s: %s%s", fs->image, fs->prefix, kernel_name);
    if (raw_len == 0) {
        free(raw);
        snprintf(err, errlen, "%s: kernel file is empty", label);
        return -1;
    }
    rc = loader_inflate(label, raw, raw_len, KERNEL_MAX_SIZE, &plan->kernel.data, &plan->kernel.len,
                        err, errlen);
    free(raw);
    if (rc) return -1;
    plan->kernel.name = strdup(kernel_name);
    const uint8_t *k = plan->kernel.data;
    size_t len = plan->kernel.len;
    if (loader_is_elf(k, len)) {
        snprintf(err, errlen,
                 "%s: is an ELF file; the Pi firmware loads raw kernel images (objcopy -O binary)",
                 label);
        return -1;
    }
    bool arm64_image = loader_is_arm64_image(k, len);
    /* The firmware puts a 64-bit file without the arm64 Image header (U-Boot, bare-metal code
     * linked at 0x80000) where 64-bit kernels went before the header existed. */
    uint64_t base = c->kernel_address_set ? c->kernel_address
                    : !plan->arm_64bit    ? KERNEL32_DEFAULT
                    : arm64_image         ? KERNEL64_DEFAULT
                                          : RAW64_DEFAULT;
    plan->kernel.addr = base;
    plan->kernel_reserve = len;
    if (plan->arm_64bit && arm64_image) {
        arm64_image_info info;
        if (loader_parse_arm64_image(label, k, len, &info, err, errlen)) return -1;
        if (!info.little_endian) {
            snprintf(err, errlen, "%s: big-endian kernel; the Pi boots little-endian", label);
            return -1;
        }
        /* Firmware since 2020 honours text_offset for "ARM\x64" images (fw#1415). */
        plan->kernel.addr = base + info.text_offset;
        if (info.image_size > plan->kernel_reserve) plan->kernel_reserve = info.image_size;
    } else if (plan->arm_64bit) {
        add_warning(plan, "%s: no arm64 Image header: loaded as a raw binary at 0x%" PRIx64, label,
                    base);
    } else if (arm64_image) {
        snprintf(err, errlen, "%s: is a 64-bit arm64 Image but config.txt does not set arm_64bit=1",
                 label);
        return -1;
    } else if (len >= ZIMAGE_MAGIC_OFFSET + 4 &&
               (uint32_t)(k[0x24] | k[0x25] << 8 | k[0x26] << 16 | (uint32_t)k[0x27] << 24) ==
                   ZIMAGE_MAGIC) {
        /* A zImage decompresses itself right above its load address: keep the initramfs clear
         * of the expanded kernel (deviation: the firmware puts it straight after the file). */
        uint64_t room = (uint64_t)len * 4;
        plan->kernel_reserve = room < 32 * MIB ? 32 * MIB : room;
    }
    plan->kernel_entry = plan->kernel.addr;
    return 0;
}

/* --initrd with --sd: the user's file instead of config.txt's initramfs list. */
static int take_user_initrd(const rpi_board_facts *facts, rpi_boot_plan *plan, char *err,
                            size_t errlen) {
    const char *name = facts->initrd_name ? facts->initrd_name : "initrd";
    if (facts->initrd_len > INITRD_MAX_SIZE) {
        snprintf(err, errlen, "%s: initramfs larger than %u MiB", name, INITRD_MAX_SIZE >> 20);
        return -1;
    }
    plan->initrd.data = malloc(facts->initrd_len ? facts->initrd_len : 1);
    plan->initrd.name = strdup(name);
    if (!plan->initrd.data || !plan->initrd.name) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    memcpy(plan->initrd.data, facts->initrd_data, facts->initrd_len);
    plan->initrd.len = facts->initrd_len;
    plan->have_initrd = true;
    return 0;
}

static int load_initramfs(boot_fs *fs, const rpi_config *c, const rpi_board_facts *facts,
                          rpi_boot_plan *plan, char *err, size_t errlen) {
    if (facts->initrd_data) return take_user_initrd(facts, plan, err, errlen);
    if (!c->initramfs.count) return 0;
    size_t total = 0, names_len = 0;
    for (size_t i = 0; i < c->initramfs.count; i++) {
        uint8_t *part;
        size_t len;
        char why[LOADER_MSG_MAX];
        const char *name = c->initramfs.items[i];
        int rc = read_boot_file(fs, name, INITRD_MAX_SIZE, &part, &len, why, sizeof why);
        if (rc == FAT_NOT_FOUND) {
            snprintf(err, errlen,
                     "%s: config.txt names initramfs '%s%s' but it is not on the boot partition",
                     fs->image, fs->prefix, name);
            return -1;
        }
        if (rc) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        if (total + len > INITRD_MAX_SIZE) {
            free(part);
            snprintf(err, errlen, "%s: initramfs files are larger than %u MiB together", fs->image,
                     INITRD_MAX_SIZE >> 20);
            return -1;
        }
        uint8_t *grown = realloc(plan->initrd.data, total + len + 1);
        char *names = realloc(plan->initrd.name, names_len + strlen(name) + 2);
        if (grown) plan->initrd.data = grown;
        if (names) plan->initrd.name = names;
        if (!grown || !names) {
            free(part);
            snprintf(err, errlen, "%s: out of memory reading the initramfs", fs->image);
            return -1;
        }
        memcpy(plan->initrd.data + total, part, len);
        free(part);
        total += len;
        names_len += (size_t)sprintf(plan->initrd.name + names_len, "%s%s", i ? "," : "", name);
    }
    plan->initrd.len = total;
    plan->have_initrd = true;
    return 0;
}

/* cmdline.txt's line, then the user's extra arguments (--append with --sd). */
static int append_extra_cmdline(boot_fs *fs, rpi_boot_plan *plan, const char *extra, char *err,
                                size_t errlen) {
    if (!extra || !*extra) return 0;
    const char *base = plan->cmdline ? plan->cmdline : "";
    size_t len = strlen(base) + 1 + strlen(extra) + 1;
    char *joined = malloc(len);
    if (!joined) {
        snprintf(err, errlen, "%s: out of memory", fs->image);
        return -1;
    }
    snprintf(joined, len, "%s%s%s", base, *base ? " " : "", extra);
    free(plan->cmdline);
    plan->cmdline = joined;
    return 0;
}

static int load_cmdline(boot_fs *fs, const rpi_config *c, rpi_boot_plan *plan, char *err,
                        size_t errlen) {
    const char *name = c->cmdline ? c->cmdline : "cmdline.txt";
    uint8_t *text;
    size_t len;
    char why[LOADER_MSG_MAX];
    int rc = read_boot_file(fs, name, CONFIG_MAX_SIZE, &text, &len, why, sizeof why);
    if (rc == FAT_NOT_FOUND) {
        add_warning(plan, "%s: no %s%s on the boot partition: the DTB's bootargs are kept",
                    fs->image, fs->prefix, name);
        return 0;
    }
    if (rc) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    plan->cmdline = rpi_cmdline_from_text((const char *)text, len);
    free(text);
    if (!plan->cmdline) {
        snprintf(err, errlen, "%s: out of memory", fs->image);
        return -1;
    }
    return 0;
}

/* ARM RAM = total - gpu_mem (rpi3-hardware.md §1.2): gpu_mem_<size> overrides gpu_mem for boards
 * of that size; total_mem caps what the firmware uses. */
static int memory_split(const rpi_config *c, const rpi_board_facts *facts, rpi_boot_plan *plan,
                        const char *image, char *err, size_t errlen) {
    uint64_t ram_mib = facts->ram_size / MIB;
    if (c->total_mem > 0 && (uint64_t)c->total_mem < ram_mib) ram_mib = (uint64_t)c->total_mem;
    int gpu = c->gpu_mem;
    if (facts->ram_size / MIB == 1024 && c->gpu_mem_1024 >= 0) gpu = c->gpu_mem_1024;
    if (facts->ram_size / MIB == 512 && c->gpu_mem_512 >= 0) gpu = c->gpu_mem_512;
    if (facts->ram_size / MIB == 256 && c->gpu_mem_256 >= 0) gpu = c->gpu_mem_256;
    if (gpu < 0) gpu = DEFAULT_GPU_MEM_MIB;
    if (gpu < MIN_GPU_MEM_MIB) {
        add_warning(plan, "%s: gpu_mem=%d is below the minimum: using %d", image, gpu,
                    MIN_GPU_MEM_MIB);
        gpu = MIN_GPU_MEM_MIB;
    }
    if ((uint64_t)gpu + 32 > ram_mib) {
        snprintf(err, errlen, "%s: gpu_mem=%d MiB leaves too little of %" PRIu64 " MiB for Linux",
                 image, gpu, ram_mib);
        return -1;
    }
    plan->gpu_memory_size = (uint64_t)gpu * MIB;
    plan->arm_memory_size = (ram_mib - (uint64_t)gpu) * MIB;
    return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return alen && blen && a < b + blen && b < a + alen;
}

static int check_fits(const char *image, const char *what, uint64_t addr, uint64_t len,
                      uint64_t ram, char *err, size_t errlen) {
    if (addr > ram || len > ram - addr) {
        snprintf(err, errlen,
                 "%s: %s at 0x%" PRIx64 "-0x%" PRIx64 " does not fit in ARM RAM (0x%" PRIx64
                 " bytes)",
                 image, what, addr, addr + len, ram);
        return -1;
    }
    return 0;
}

/* dtoverlay's .dtbo files come from the boot partition, under os_prefix like the kernel. */
static int read_overlay(void *ctx, const char *name, uint8_t **data, size_t *len, char *err,
                        size_t errlen) {
    int rc = read_boot_file(ctx, name, DTB_MAX_SIZE, data, len, err, errlen);
    return rc == FAT_NOT_FOUND ? 1 : rc ? -1 : 0;
}

static void overlay_warning(void *plan, const char *message) {
    add_warning(plan, "%s", message);
}

static int load_dtb(boot_fs *fs, const rpi_config *c, const rpi_board_facts *facts,
                    rpi_boot_plan *plan, const char *const *dtbs, size_t n_dtbs, char *err,
                    size_t errlen) {
    char why[LOADER_MSG_MAX];
    int rc = FAT_NOT_FOUND;
    if (facts->dtb_data) { /* --dtb with --sd: the user's DTB in place of the card's */
        plan->dtb.data = malloc(facts->dtb_len ? facts->dtb_len : 1);
        plan->dtb.name = strdup(facts->dtb_name ? facts->dtb_name : "dtb");
        if (!plan->dtb.data || !plan->dtb.name) {
            snprintf(err, errlen, "%s: out of memory", fs->image);
            return -1;
        }
        memcpy(plan->dtb.data, facts->dtb_data, facts->dtb_len);
        plan->dtb.len = facts->dtb_len;
        rc = 0;
        n_dtbs = 0;
    }
    for (size_t i = 0; i < n_dtbs && rc == FAT_NOT_FOUND; i++) {
        rc = read_boot_file(fs, dtbs[i], DTB_MAX_SIZE, &plan->dtb.data, &plan->dtb.len, why,
                            sizeof why);
        if (rc == 0) {
            plan->dtb.name = strdup(dtbs[i]);
            if (i > 0 && !c->device_tree)
                add_warning(plan, "%s: no %s%s: using %s%s instead", fs->image, fs->prefix, dtbs[0],
                            fs->prefix, dtbs[i]);
        }
    }
    if (rc == FAT_NOT_FOUND) {
        if (c->device_tree)
            snprintf(err, errlen,
                     "%s: config.txt names device_tree '%s%s' but it is not on the boot partition",
                     fs->image, fs->prefix, c->device_tree);
        else
            snprintf(err, errlen, "%s: no device tree: none of %s%s%s%s is on the boot partition",
                     fs->image, dtbs[0], n_dtbs > 1 ? ", " : "", n_dtbs > 1 ? dtbs[1] : "",
                     n_dtbs > 2 ? ", ..." : "");
        return -1;
    }
    if (rc) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    char label[LOADER_MSG_MAX];
    if (facts->dtb_data)
        snprintf(label, sizeof label, "%s", plan->dtb.name);
    else
        snprintf(label, sizeof label, "%s: %s%s", fs->image, fs->prefix, plan->dtb.name);
    /* plan warnings get the image name in front already */
    const char *short_label = facts->dtb_data ? label : label + strlen(fs->image) + 2;
    if (dtb_check(label, plan->dtb.data, plan->dtb.len, err, errlen)) return -1;
    if (facts->dt_compatible &&
        dtb_check_compatible(label, plan->dtb.data,
                             facts->board_name ? facts->board_name : "Raspberry Pi 3",
                             facts->dt_compatible, err, errlen))
        return -1;

    /* Overlays first, then the firmware's own fix-ups, as on the Pi. */
    dt_overlay_env overlays = {.overlay_dir = c->overlay_prefix ? c->overlay_prefix : "overlays/",
                               .read = read_overlay,
                               .read_ctx = fs,
                               .warn = overlay_warning,
                               .warn_ctx = plan};
    if (dt_overlay_apply_config(short_label, &plan->dtb.data, &plan->dtb.len,
                                (const char *const *)c->dt_directives.items, c->dt_directives.count,
                                &overlays, err, errlen))
        return -1;

    char serial[17];
    snprintf(serial, sizeof serial, "%016" PRIx64, facts->id.serial);
    dtb_fixups fx = {
        .set_memory = true,
        .memory_base = 0,
        .memory_size = plan->arm_memory_size,
        .bootargs = plan->cmdline,
        .set_initrd = plan->have_initrd,
        .initrd_start = plan->initrd.addr,
        .initrd_end = plan->initrd.addr + plan->initrd.len,
        .set_kaslr_seed = facts->have_kaslr_seed,
        .kaslr_seed = facts->kaslr_seed,
        .rng_seed = facts->rng_seed,
        .rng_seed_len = facts->rng_seed_len,
        .serial_number = serial,
        .set_mac = facts->have_mac,
        .add_framebuffer = plan->have_framebuffer,
        .framebuffer = plan->framebuffer,
    };
    memcpy(fx.mac, facts->mac, 6);
    dtb_fixup_report report;
    if (dtb_apply_fixups(label, &plan->dtb.data, &plan->dtb.len, &fx, &report, err, errlen))
        return -1;
    if (report.mac_skipped)
        add_warning(plan, "%s: no /aliases/ethernet0 node: local-mac-address not set", label);
    return 0;
}

/* Addresses, in the firmware's order: kernel at its base (+ text_offset), the initramfs
 * page-aligned after the kernel's reserved size, the DTB page-aligned after both (or where
 * config.txt says). The DTB size is only known after the fix-ups, so its fit is checked then. */
static int place_initrd(const rpi_config *c, rpi_boot_plan *plan, const char *image, char *err,
                        size_t errlen) {
    if (check_fits(image, "kernel", plan->kernel.addr, plan->kernel_reserve, plan->arm_memory_size,
                   err, errlen))
        return -1;
    if (!plan->have_initrd) return 0;
    plan->initrd.addr = c->initramfs_address_set
                            ? c->initramfs_address
                            : align_up(plan->kernel.addr + plan->kernel_reserve, PAGE_SIZE);
    if (check_fits(image, "initramfs", plan->initrd.addr, plan->initrd.len, plan->arm_memory_size,
                   err, errlen))
        return -1;
    if (overlaps(plan->initrd.addr, plan->initrd.len, plan->kernel.addr, plan->kernel_reserve)) {
        snprintf(err, errlen,
                 "%s: initramfs at 0x%" PRIx64 " overlaps the kernel at 0x%" PRIx64 "-0x%" PRIx64,
                 image, plan->initrd.addr, plan->kernel.addr,
                 plan->kernel.addr + plan->kernel_reserve);
        return -1;
    }
    return 0;
}

static int place_dtb(const rpi_config *c, rpi_boot_plan *plan, const char *image, char *err,
                     size_t errlen) {
    uint64_t end = plan->kernel.addr + plan->kernel_reserve;
    if (plan->have_initrd && plan->initrd.addr + plan->initrd.len > end)
        end = plan->initrd.addr + plan->initrd.len;
    /* The addresses in the DTB do not depend on where the DTB itself goes. */
    plan->dtb.addr = c->device_tree_address_set ? c->device_tree_address : align_up(end, PAGE_SIZE);
    /* A raw 64-bit binary's BSS is unknown (U-Boot's runs past its file and would wipe the DTB):
     * there the DTB goes where the real firmware puts it, ending just below 0x2f000000
     * (U-Boot's fdt_addr=2eff7700 on a 3 B+). */
    if (!c->device_tree_address_set && plan->arm_64bit &&
        !loader_is_arm64_image(plan->kernel.data, plan->kernel.len)) {
        uint64_t ceiling =
            plan->arm_memory_size < DTB_HIGH_CEILING ? plan->arm_memory_size : DTB_HIGH_CEILING;
        if (ceiling > end + plan->dtb.len + DTB_HIGH_ALIGN)
            plan->dtb.addr = (ceiling - plan->dtb.len) & ~(uint64_t)(DTB_HIGH_ALIGN - 1);
    }
    if (plan->dtb.addr & 7) {
        snprintf(err, errlen, "%s: device_tree_address 0x%" PRIx64 " is not 8-byte aligned", image,
                 plan->dtb.addr);
        return -1;
    }
    if (check_fits(image, "device tree", plan->dtb.addr, plan->dtb.len, plan->arm_memory_size, err,
                   errlen))
        return -1;
    if (overlaps(plan->dtb.addr, plan->dtb.len, plan->kernel.addr, plan->kernel_reserve) ||
        (plan->have_initrd &&
         overlaps(plan->dtb.addr, plan->dtb.len, plan->initrd.addr, plan->initrd.len))) {
        snprintf(err, errlen, "%s: device tree at 0x%" PRIx64 " overlaps the kernel or initramfs",
                 image, plan->dtb.addr);
        return -1;
    }
    return 0;
}

static void choose_framebuffer(const rpi_config *c, const rpi_board_facts *facts,
                               rpi_boot_plan *plan) {
    if (!facts->display) return;
    uint32_t w = c->framebuffer_width > 0 ? (uint32_t)c->framebuffer_width : 1024;
    uint32_t h = c->framebuffer_height > 0 ? (uint32_t)c->framebuffer_height : 768;
    uint32_t depth = c->framebuffer_depth > 0 ? (uint32_t)c->framebuffer_depth : 16;
    if (depth != 16 && depth != 24 && depth != 32) {
        add_warning(plan, "framebuffer_depth=%u is not supported: using 16", depth);
        depth = 16;
    }
    const char *format = depth == 32 ? "a8r8g8b8" : depth == 24 ? "r8g8b8" : "r5g6b5";
    uint32_t stride = w * (depth / 8);
    if ((uint64_t)stride * h > plan->gpu_memory_size / 2) {
        add_warning(plan, "framebuffer %ux%u does not fit in gpu_mem: no framebuffer", w, h);
        return;
    }
    /* In the GPU carve-out, right above ARM RAM, as the firmware allocates it there. */
    plan->have_framebuffer = true;
    plan->framebuffer = (dtb_framebuffer){
        .base = plan->arm_memory_size, .width = w, .height = h, .stride = stride, .format = format};
}

int rpi_firmware_plan(const char *image_path, const rpi_board_facts *facts, rpi_boot_plan *plan,
                      char *err, size_t errlen) {
    memset(plan, 0, sizeof *plan);
    disk_reader disk;
    if (disk_open_file(image_path, &disk, err, errlen)) return -1;
    int rc = rpi_firmware_plan_disk(&disk, facts, plan, err, errlen);
    disk_close(&disk);
    return rc;
}

int rpi_firmware_plan_disk(const disk_reader *disk, const rpi_board_facts *facts,
                           rpi_boot_plan *plan, char *err, size_t errlen) {
    memset(plan, 0, sizeof *plan);
    const char *image_path = disk->name ? disk->name : "SD card";
    boot_fs fs = {.image = image_path, .disk = *disk, .prefix = ""};
    int rc = -1;
    if (open_boot_partition(&fs, err, errlen)) goto out;
    if (read_config(&fs, facts, plan, err, errlen)) goto out;
    const rpi_config *c = &plan->config;
    plan->arm_64bit = c->arm_64bit == 1;
    plan->enable_uart = c->enable_uart;
    const char *kernel_name = c->kernel         ? c->kernel
                              : plan->arm_64bit ? "kernel8.img"
                                                : "kernel7.img";
    const char *dtbs[8];
    size_t n_dtbs = dtb_candidates(c, facts, dtbs);
    choose_prefix(&fs, c, kernel_name, dtbs, n_dtbs, plan);
    if (memory_split(c, facts, plan, image_path, err, errlen) ||
        load_kernel(&fs, c, kernel_name, plan, err, errlen) ||
        load_initramfs(&fs, c, facts, plan, err, errlen) ||
        place_initrd(c, plan, image_path, err, errlen) || load_cmdline(&fs, c, plan, err, errlen) ||
        append_extra_cmdline(&fs, plan, facts->extra_cmdline, err, errlen))
        goto out;
    choose_framebuffer(c, facts, plan);
    if (load_dtb(&fs, c, facts, plan, dtbs, n_dtbs, err, errlen) ||
        place_dtb(c, plan, image_path, err, errlen))
        goto out;
    rc = 0;
out:
    if (fs.fat) fat_close(fs.fat);
    if (rc) rpi_boot_plan_free(plan);
    return rc;
}

int rpi_firmware_place(bus *b, const rpi_boot_plan *plan, char *err, size_t errlen) {
    if (loader_place(b, plan->kernel.name, plan->kernel.addr, plan->kernel.data, plan->kernel.len,
                     err, errlen))
        return -1;
    if (plan->have_initrd && loader_place(b, plan->initrd.name, plan->initrd.addr,
                                          plan->initrd.data, plan->initrd.len, err, errlen))
        return -1;
    return loader_place(b, plan->dtb.name, plan->dtb.addr, plan->dtb.data, plan->dtb.len, err,
                        errlen);
}

static void blob_free(rpi_blob *blob) {
    free(blob->name);
    free(blob->data);
    memset(blob, 0, sizeof *blob);
}

void rpi_boot_plan_free(rpi_boot_plan *plan) {
    blob_free(&plan->kernel);
    blob_free(&plan->initrd);
    blob_free(&plan->dtb);
    free(plan->cmdline);
    rpi_config_free(&plan->config);
    for (size_t i = 0; i < plan->warnings.count; i++)
        free(plan->warnings.items[i]);
    free(plan->warnings.items);
    memset(plan, 0, sizeof *plan);
}
