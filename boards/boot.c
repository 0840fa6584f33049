/* Getting the guest started: bare-metal ELF programs, arm64 Linux Images (with DTB and initrd,
 * as arm64 booting.rst and the Pi firmware do it) and the Pi firmware flow from an SD image.
 * Everything reaches guest memory through the loader and the bus. */
#include <errno.h>
#include <libfdt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/dtb.h"
#include "loader/loader.h"
#include "loader/rpi_firmware.h"
#include "peripherals/rpi_firmware.h"
#include "peripherals/sd_card.h"
#include "machine_internal.h"
#include "soc/log.h"

/* arm64 Linux: a 2 MiB aligned base, the Image at base + text_offset (booting.rst); the Pi
 * firmware's kernel_address default is 0x200000. */
#define LINUX_IMAGE_BASE 0x200000u
#define CNTFRQ_HZ        19200000u /* the Pi's crystal; what armstub8 writes to CNTFRQ_EL0 */

/* Secondary cores' holding loop, in the first page of RAM, as armstub8 does it: each core polls
 * its spin-table slot (slot_base + 8 * MPIDR.Aff0) and waits with WFE, and once Linux writes an
 * address there (then SEV) jumps to it with x0-x3 = 0. Checked with aarch64-linux-gnu-as and
 * objdump (see docs/boards.md). The slot base is patched into the MOVZ below.
 * The loop sits at 0x64, where armstub8's own secondary code is: below that the real stub has
 * boot-time-only code, and guests rely on it being dead (U-Boot 2023.01's sdhost probe writes
 * through a NULL struct pointer to 0x28). */
static const uint32_t armstub_words[] = {
    0xD53800A6, /* 0x00 mrs  x6, mpidr_el1          */
    0x92401CC6, /* 0x04 and  x6, x6, #0xff          */
    0xD2800005, /* 0x08 movz x5, #slot_base (imm16 patched in) */
    0x8B060CA5, /* 0x0c add  x5, x5, x6, lsl #3     */
    0xF94000A4, /* 0x10 ldr  x4, [x5]               */
    0xB5000064, /* 0x14 cbnz x4, 0x20               */
    0xD503205F, /* 0x18 wfe                         */
    0x17FFFFFD, /* 0x1c b    0x10                   */
    0xAA1F03E0, /* 0x20 mov  x0, xzr                */
    0xAA1F03E1, /* 0x24 mov  x1, xzr                */
    0xAA1F03E2, /* 0x28 mov  x2, xzr                */
    0xAA1F03E3, /* 0x2c mov  x3, xzr                */
    0xD61F0080, /* 0x30 br   x4                     */
};
#define ARMSTUB_WORDS  (sizeof armstub_words / sizeof armstub_words[0])
#define ARMSTUB_OFFSET 0x64u /* armstub8's in_el2: the secondaries' code */

static uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

/* A file copied as it is (an initrd is inflated by the kernel, not by us). */
static int read_raw(const char *path, size_t max_len, uint8_t **data, size_t *len, char *err,
                    size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || n > max_len) break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) free(buf);
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > max_len) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path,
                 !buf  ? "out of memory"
                 : bad ? "read error"
                       : "too large for the guest's RAM");
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* splitmix64: seed-derived values for kaslr-seed and rng-seed, so a seed repeats a run. */
static uint64_t next_seed(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The emulated GPU firmware answers mailbox queries (command line, serial, MAC, memory) with the
 * same facts it put into the device tree. */
static void tell_firmware_mailbox(machine *m, const rpi_firmware_boot_facts *facts) {
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        if (md->realized && md->bd->type && strcmp(md->bd->type->name, "bcm2835-mailbox") == 0)
            rpi_firmware_set_boot_facts(md->state, facts);
    }
}

/* --kernel with a display on a Pi board: what the firmware would do with the default gpu_mem
 * split (the mailbox's arm-ram-size): Linux gets the RAM below it, and a 1024x768 r5g6b5
 * simple-framebuffer sits at its bottom, in the GPU carve-out Linux never maps. */
static bool plan_firmware_framebuffer(machine *m, dtb_fixups *fx) {
    if (!m->opts.display || !m->desc->firmware) return false;
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        if (!md->realized || !md->bd->type || strcmp(md->bd->type->name, "bcm2835-mailbox") != 0)
            continue;
        uint64_t arm = dev_prop_u64(&md->ctx, "arm-ram-size");
        const uint32_t width = 1024, height = 768, stride = width * 2;
        if (arm <= m->ram->base || arm + (uint64_t)stride * height > m->ram->base + m->ram_size)
            return false;
        fx->memory_size = arm - m->ram->base;
        fx->add_framebuffer = true;
        fx->framebuffer = (dtb_framebuffer){
            .base = arm, .width = width, .height = height, .stride = stride, .format = "r5g6b5"};
        return true;
    }
    return false;
}

/* Root compatible strings a device tree for the Pi boards must carry. */
static const char *const rpi_dt_compatible[] = {"brcm,bcm2837", NULL};

/* The Pi's MAC: the option's, else the Foundation OUI and the low 24 bits of the serial. */
static void board_mac(const machine_options *o, uint64_t serial, uint8_t mac[6]) {
    static const uint8_t zero[6];
    if (memcmp(o->mac, zero, 6)) {
        memcpy(mac, o->mac, 6);
        return;
    }
    const uint8_t derived[6] = {
        0xB8, 0x27, 0xEB, (uint8_t)(serial >> 16), (uint8_t)(serial >> 8), (uint8_t)serial};
    memcpy(mac, derived, 6);
}

static int prepare_image(machine *m, const arm64_image_info *info, char *err, size_t errlen) {
    boot_plan *b = &m->boot;
    const machine_options *o = &m->opts;
    uint64_t ram_end = m->ram->base + m->ram_size;
    b->kind = BOOT_LINUX_IMAGE;
    b->kernel_addr = m->ram->base + LINUX_IMAGE_BASE + info->text_offset;
    b->entry = b->kernel_addr;
    uint64_t reserve = info->image_size > b->kernel_len ? info->image_size : b->kernel_len;
    uint64_t next = align_up(b->kernel_addr + reserve, 4096);
    if (!o->dtb) {
        snprintf(err, errlen, "%s: an arm64 Linux Image needs its device tree (--dtb)", o->kernel);
        return -1;
    }
    if (o->initrd) {
        if (read_raw(o->initrd, m->ram_size, &b->initrd, &b->initrd_len, err, errlen) < 0)
            return -1;
        b->initrd_addr = next; /* page-aligned after the kernel's image_size */
        next = align_up(next + b->initrd_len, 4096);
    }
    b->dtb_path = strdup(o->dtb);
    if (read_raw(o->dtb, DTB_MAX_SIZE, &b->dtb, &b->dtb_len, err, errlen) < 0) return -1;
    if (dtb_check(o->dtb, b->dtb, b->dtb_len, err, errlen) < 0) return -1;
    /* A Pi board: a DTB for another SoC would boot into silence (no console, no interrupt
     * controller it knows), so refuse it by its root compatible as the firmware flow does. A
     * hand-made DTB without a root compatible cannot be judged and is let through. */
    if (m->desc->firmware && fdt_getprop(b->dtb, 0, "compatible", NULL) &&
        dtb_check_compatible(o->dtb, b->dtb, m->desc->description, rpi_dt_compatible, err, errlen) <
            0)
        return -1;
    uint64_t seed_state = o->seed;
    uint8_t rng_seed[64];
    for (unsigned i = 0; i < sizeof rng_seed; i += 8) {
        uint64_t v = next_seed(&seed_state);
        memcpy(rng_seed + i, &v, 8);
    }
    /* The Pi's MAC in the DT as its firmware would put it (the firmware flow's serial is the
     * next seed value too), so smsc95xx takes it instead of a random one. */
    uint64_t serial_state = seed_state;
    uint64_t serial = next_seed(&serial_state) & 0xFFFFFFFFu;
    dtb_fixups fx = {
        .set_memory = true,
        .memory_base = m->ram->base,
        .memory_size = m->ram_size,
        .bootargs = o->append,
        .set_mac = m->desc->firmware != NULL,
        .set_initrd = o->initrd != NULL,
        .initrd_start = b->initrd_addr,
        .initrd_end = b->initrd_addr + b->initrd_len,
        .set_kaslr_seed = true,
        .kaslr_seed = next_seed(&seed_state),
        .rng_seed = rng_seed,
        .rng_seed_len = sizeof rng_seed,
    };
    board_mac(o, serial, fx.mac);
    if (plan_firmware_framebuffer(m, &fx)) ram_end = m->ram->base + fx.memory_size;
    if (dtb_apply_fixups(o->dtb, &b->dtb, &b->dtb_len, &fx, NULL, err, errlen) < 0) return -1;
    b->dtb_addr = align_up(next, 1 << 16); /* 8-byte alignment is the rule; keep it roomy */
    if (b->initrd_addr + b->initrd_len > ram_end || b->dtb_addr + b->dtb_len > ram_end) {
        snprintf(err, errlen,
                 "%s: kernel, initrd and device tree need 0x%" PRIx64
                 " bytes of RAM; the machine has 0x%" PRIx64,
                 o->kernel, b->dtb_addr + b->dtb_len - m->ram->base, m->ram_size);
        return -1;
    }
    b->use_spin_table = m->desc->has_spin_table;
    rpi_firmware_boot_facts fw = {.cmdline = o->append, .arm_ram_size = fx.memory_size};
    tell_firmware_mailbox(m, &fw);
    return 0;
}

/* The firmware reads the card through the card model: what the guest wrote (the copy-on-write
 * overlay, or the file with --sd-write) is what the next boot finds. */
static int card_disk_read(void *ctx, uint64_t offset, void *buf, size_t len) {
    char why[300];
    if (sd_image_read(ctx, offset, buf, len, why, sizeof why) == 0) return 0;
    if (!errno) errno = EIO;
    return -1;
}

static sd_image *board_card_image(machine *m) {
    for (unsigned i = 0; i < m->desc->n_devices; i++)
        if (m->devices[i].realized && m->devices[i].ctx.sd_card)
            return sd_card_image(m->devices[i].ctx.sd_card);
    return NULL;
}

/* Each firmware warning once per run: a reboot reads the same config.txt again. */
static void warn_once(machine *m, const char *msg) {
    boot_plan *b = &m->boot;
    for (size_t i = 0; i < b->n_warned; i++)
        if (strcmp(b->warned[i], msg) == 0) return;
    soc_warn("%s", msg);
    char **grown = realloc(b->warned, (b->n_warned + 1) * sizeof *grown);
    if (!grown) return;
    b->warned = grown;
    if ((grown[b->n_warned] = strdup(msg))) b->n_warned++;
}

/* The Pi GPU firmware's work: everything comes from the SD card's boot partition. Run at power-on
 * and again at every guest reboot, as the real firmware reads the card on every reset. */
static int prepare_rpi_firmware(machine *m, char *err, size_t errlen) {
    boot_plan *b = &m->boot;
    const machine_options *o = &m->opts;
    uint64_t seed_state = o->seed;
    uint8_t rng_seed[64];
    for (unsigned i = 0; i < sizeof rng_seed; i += 8) {
        uint64_t v = next_seed(&seed_state);
        memcpy(rng_seed + i, &v, 8);
    }
    uint64_t serial = next_seed(&seed_state) & 0xFFFFFFFFu;
    rpi_board_facts facts = {
        .board_name = m->desc->description,
        .ram_size = o->memory_bytes       ? o->memory_bytes
                    : m->desc->sdram_size ? m->desc->sdram_size
                                          : m->ram_size,
        .id = {.revision = 0xa02082, .serial = serial}, /* 3 Model B, 1 GiB, Sony UK */
        .dt_compatible = rpi_dt_compatible,
        .have_mac = true,
        .have_kaslr_seed = true,
        .kaslr_seed = next_seed(&seed_state),
        .rng_seed = rng_seed,
        .rng_seed_len = sizeof rng_seed,
        .display = o->display,
        .extra_cmdline = o->append,
        .dtb_data = b->user_dtb,
        .dtb_len = b->user_dtb_len,
        .dtb_name = o->dtb,
        .initrd_data = b->user_initrd,
        .initrd_len = b->user_initrd_len,
        .initrd_name = o->initrd,
    };
    board_mac(o, serial, facts.mac);
    rpi_boot_plan plan;
    memset(&plan, 0, sizeof plan);
    sd_image *card = board_card_image(m);
    if (card) {
        disk_reader disk = {
            .read = card_disk_read, .ctx = card, .size = sd_image_size(card), .name = o->sd_image};
        if (rpi_firmware_plan_disk(&disk, &facts, &plan, err, errlen) < 0) return -1;
    } else if (rpi_firmware_plan(o->sd_image, &facts, &plan, err, errlen) < 0) {
        return -1;
    }
    size_t image_len = strlen(o->sd_image);
    for (size_t i = 0; i < plan.warnings.count; i++) {
        /* Most warnings name the image already; the others get it in front. */
        const char *w = plan.warnings.items[i];
        if (!strncmp(w, o->sd_image, image_len) && w[image_len] == ':') {
            warn_once(m, w);
        } else {
            size_t n = image_len + strlen(w) + 3;
            char *named = malloc(n);
            if (named) {
                snprintf(named, n, "%s: %s", o->sd_image, w);
                warn_once(m, named);
                free(named);
            }
        }
    }
    if (!plan.arm_64bit) {
        snprintf(err, errlen, "%s: config.txt boots a 32-bit kernel; only arm_64bit=1 is supported",
                 o->sd_image);
        rpi_boot_plan_free(&plan);
        return -1;
    }
    /* Take the blobs: they are placed again on every reboot. */
    b->kind = BOOT_LINUX_IMAGE;
    b->kernel_path = strdup(plan.kernel.name ? plan.kernel.name : "kernel");
    b->kernel = plan.kernel.data, b->kernel_len = plan.kernel.len;
    b->kernel_addr = plan.kernel.addr;
    b->entry = plan.kernel_entry;
    plan.kernel.data = NULL;
    if (plan.have_initrd) {
        b->initrd = plan.initrd.data, b->initrd_len = plan.initrd.len;
        b->initrd_addr = plan.initrd.addr;
        plan.initrd.data = NULL;
    }
    b->dtb_path = strdup(plan.dtb.name ? plan.dtb.name : "dtb");
    b->dtb = plan.dtb.data, b->dtb_len = plan.dtb.len;
    b->dtb_addr = plan.dtb.addr;
    plan.dtb.data = NULL;
    b->use_spin_table = m->desc->has_spin_table;
    rpi_firmware_boot_facts fw = {
        .cmdline = plan.cmdline,
        .have_serial = true,
        .serial = serial,
        .have_mac = true,
        .revision = 0xa02082,
        .arm_ram_size = plan.arm_memory_size,
    };
    memcpy(fw.mac, facts.mac, 6);
    tell_firmware_mailbox(m, &fw);
    rpi_boot_plan_free(&plan);
    return 0;
}

static bool firmware_boot(const machine *m) {
    return !m->opts.kernel && m->opts.sd_image && m->desc->firmware;
}

/* --dtb / --initrd with --sd (no --kernel): read once, handed to the firmware flow at every boot
 * in place of the card's files. */
static int read_user_files(machine *m, char *err, size_t errlen) {
    boot_plan *b = &m->boot;
    const machine_options *o = &m->opts;
    if (o->dtb) {
        if (read_raw(o->dtb, DTB_MAX_SIZE, &b->user_dtb, &b->user_dtb_len, err, errlen) < 0)
            return -1;
        if (dtb_check(o->dtb, b->user_dtb, b->user_dtb_len, err, errlen) < 0) return -1;
    }
    if (o->initrd &&
        read_raw(o->initrd, m->ram_size, &b->user_initrd, &b->user_initrd_len, err, errlen) < 0)
        return -1;
    return 0;
}

static void free_images(boot_plan *b) {
    free(b->kernel_path);
    free(b->kernel);
    free(b->initrd);
    free(b->dtb_path);
    free(b->dtb);
    b->kernel_path = b->dtb_path = NULL;
    b->kernel = b->initrd = b->dtb = NULL;
    b->kernel_len = b->initrd_len = b->dtb_len = 0;
}

int machine_boot_reload(machine *m, char *err, size_t errlen) {
    if (!firmware_boot(m)) return 0; /* host files: placed again as they were read */
    free_images(&m->boot);
    return prepare_rpi_firmware(m, err, errlen);
}

int machine_boot_prepare(machine *m, char *err, size_t errlen) {
    boot_plan *b = &m->boot;
    const machine_options *o = &m->opts;
    if (!o->kernel) {
        if (!o->sd_image) return 0; /* no guest: cores stay at their reset state */
        if (!m->desc->firmware) {
            snprintf(err, errlen, "%s: board '%s' cannot boot from an SD image without --kernel",
                     o->sd_image, m->desc->name);
            return -1;
        }
        if (read_user_files(m, err, errlen) < 0) return -1;
        return prepare_rpi_firmware(m, err, errlen);
    }
    b->kernel_path = strdup(o->kernel);
    if (loader_read_file(o->kernel, m->ram_size, &b->kernel, &b->kernel_len, err, errlen) < 0)
        return -1;
    if (loader_is_elf(b->kernel, b->kernel_len)) {
        if (o->dtb || o->initrd || o->append) {
            snprintf(err, errlen,
                     "%s: --dtb, --initrd and --append are for Linux Images, not "
                     "ELF programs",
                     o->kernel);
            return -1;
        }
        b->kind = BOOT_ELF;
        return 0;
    }
    if (loader_is_arm64_image(b->kernel, b->kernel_len)) {
        arm64_image_info info;
        if (loader_parse_arm64_image(o->kernel, b->kernel, b->kernel_len, &info, err, errlen) < 0)
            return -1;
        return prepare_image(m, &info, err, errlen);
    }
    snprintf(err, errlen,
             "%s: neither an ELF program nor an arm64 Linux Image (raw binaries such as U-Boot "
             "boot from a card: kernel=FILE in its config.txt)",
             o->kernel);
    return -1;
}

static int place_armstub(machine *m, char *err, size_t errlen) {
    uint32_t words[ARMSTUB_WORDS];
    memcpy(words, armstub_words, sizeof words);
    words[2] |= (uint32_t)(m->desc->spin_table & 0xFFFF) << 5; /* movz x5, #slot_base */
    if (m->desc->spin_table > 0xFFFF || m->desc->spin_table < ARMSTUB_OFFSET + sizeof words) {
        snprintf(err, errlen, "%s: spin-table 0x%" PRIx64 " must lie in 0x%zx..0xffff",
                 m->desc->path, m->desc->spin_table, ARMSTUB_OFFSET + sizeof words);
        return -1;
    }
    uint8_t slots[8 * SOC_MAX_CORES] = {0}; /* released = non-zero: start every boot cleared */
    if (loader_place(&m->bus, "armstub", m->ram->base + ARMSTUB_OFFSET, (const uint8_t *)words,
                     sizeof words, err, errlen) < 0 ||
        loader_place(&m->bus, "spin table", m->ram->base + m->desc->spin_table, slots,
                     8 * m->n_cores, err, errlen) < 0)
        return -1;
    return 0;
}

int machine_boot_apply(machine *m, char *err, size_t errlen) {
    boot_plan *b = &m->boot;
    for (unsigned c = 0; c < m->n_cores; c++)
        cpu_reset(cpu_cluster_core(m->cpus, c));
    switch (b->kind) {
    case BOOT_NONE: return 0;
    case BOOT_ELF: {
        /* Bare-metal test programs: every core at the entry in EL3 (the program parks the
         * secondaries itself by MPIDR), x0 = 0. */
        loaded_elf elf;
        if (loader_load_elf(&m->bus, b->kernel_path, b->kernel, b->kernel_len, LOADER_ARCH_AARCH64,
                            &elf, err, errlen) < 0)
            return -1;
        for (unsigned c = 0; c < m->n_cores; c++) {
            arm_cpu *cpu = cpu_cluster_core(m->cpus, c);
            cpu_set_el(cpu, 3);
            cpu_set_pc(cpu, elf.entry);
            cpu_set_xreg(cpu, 0, 0);
        }
        return 0;
    }
    case BOOT_LINUX_IMAGE: break;
    }
    if (loader_place(&m->bus, b->kernel_path, b->kernel_addr, b->kernel, b->kernel_len, err,
                     errlen) < 0)
        return -1;
    if (b->initrd && loader_place(&m->bus, m->opts.initrd ? m->opts.initrd : "initrd",
                                  b->initrd_addr, b->initrd, b->initrd_len, err, errlen) < 0)
        return -1;
    if (loader_place(&m->bus, b->dtb_path, b->dtb_addr, b->dtb, b->dtb_len, err, errlen) < 0)
        return -1;
    if (b->use_spin_table && place_armstub(m, err, errlen) < 0) return -1;
    /* What armstub8 leaves: EL2, MMU off, DAIF masked, x0 = DTB, x1-x3 = 0; the counter
     * frequency set. Secondaries run our stub (or stay off without a spin table). */
    for (unsigned c = 0; c < m->n_cores; c++) {
        arm_cpu *cpu = cpu_cluster_core(m->cpus, c);
        cpu_set_el(cpu, 2);
        cpu_write_sysreg(cpu, "CNTFRQ_EL0", CNTFRQ_HZ); /* false only for a placeholder CPU */
        if (c == 0) {
            cpu_set_pc(cpu, b->entry);
            cpu_set_xreg(cpu, 0, b->dtb_addr);
        } else if (b->use_spin_table) {
            cpu_set_pc(cpu, m->ram->base + ARMSTUB_OFFSET);
        } else {
            cpu_power_off(cpu);
        }
    }
    return 0;
}

void machine_boot_free(machine *m) {
    boot_plan *b = &m->boot;
    free_images(b);
    free(b->user_dtb);
    free(b->user_initrd);
    for (size_t i = 0; i < b->n_warned; i++)
        free(b->warned[i]);
    free(b->warned);
    memset(b, 0, sizeof *b);
}

const void *machine_boot_dtb(const machine *m, size_t *len) {
    *len = m->boot.dtb_len;
    return m->boot.dtb;
}
