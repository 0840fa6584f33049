/* What the Raspberry Pi 3 firmware does between power-on and the kernel's first instruction, as
 * a library: find the FAT boot partition on the SD image, read config.txt (and its includes),
 * cmdline.txt, the kernel, the DTB and the initramfs files, choose load addresses, apply the
 * device tree fix-ups, and place everything in guest memory through the bus. The rpi3 board calls
 * this; it also sets up the CPU (entry, x0 = DTB) and the spin table itself.
 *
 * Every failure is one line naming the image and the file ("card.img: config.txt names kernel
 * 'foo.img' but it is not on the boot partition"). */
#ifndef LOADER_RPI_FIRMWARE_H
#define LOADER_RPI_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/disk.h"
#include "loader/dtb.h"
#include "loader/rpi_config.h"
#include "soc/bus.h"

/* Facts about the emulated board that the real firmware reads from OTP and the hardware. */
typedef struct rpi_board_facts {
    const char *board_name; /* for messages: "Raspberry Pi 3" */
    uint64_t ram_size;      /* SDRAM bytes (1 GiB on a 3B) */
    rpi_board_id id;        /* revision code and serial, for [filters] and serial-number */
    /* Root compatibles a DTB must carry (NULL-terminated); NULL skips the check. */
    const char *const *dt_compatible;
    /* DTB names tried when config.txt names none, in order; NULL: the Pi 3 B defaults
     * (bcm2710-rpi-3-b.dtb, or bcm2837-rpi-3-b.dtb first with upstream_kernel=1). */
    const char *const *default_dtbs;
    bool have_mac;
    uint8_t mac[6];
    bool have_kaslr_seed;
    uint64_t kaslr_seed;
    const uint8_t *rng_seed; /* NULL: no /chosen/rng-seed */
    size_t rng_seed_len;
    bool display; /* add a /chosen/framebuffer simple-framebuffer node */
    /* Appended (after a space) to cmdline.txt's line: the user's --append with --sd. */
    const char *extra_cmdline;
    /* The user's own files in place of the card's (--dtb / --initrd with --sd); NULL: the
     * card's. A DTB given here is checked like the card's and gets config.txt's overlays and
     * dtparams and the firmware's fix-ups; an initramfs replaces config.txt's initramfs files
     * (or adds one, at the address config.txt gives, else after the kernel). The name is for
     * messages. */
    const uint8_t *dtb_data;
    size_t dtb_len;
    const char *dtb_name;
    const uint8_t *initrd_data;
    size_t initrd_len;
    const char *initrd_name;
} rpi_board_facts;

/* A file read from the boot partition and where it goes. */
typedef struct rpi_blob {
    char *name; /* as found on the partition ("vmlinuz-6.1.0-21-arm64"); several joined by ',' */
    uint8_t *data;
    size_t len;
    uint64_t addr;
} rpi_blob;

typedef struct rpi_boot_plan {
    bool arm_64bit;
    rpi_blob kernel;         /* inflated if it was gzip/xz */
    uint64_t kernel_entry;   /* PC of the primary core */
    uint64_t kernel_reserve; /* bytes from kernel.addr the kernel may use (Image image_size) */
    bool have_initrd;
    rpi_blob initrd;          /* concatenated initramfs files */
    rpi_blob dtb;             /* after fix-ups; x0 (r2) at entry */
    char *cmdline;            /* NULL when there was no cmdline file */
    uint64_t arm_memory_size; /* 1024 - gpu_mem MiB: the /memory size */
    uint64_t gpu_memory_size;
    bool enable_uart;
    bool have_framebuffer;
    dtb_framebuffer framebuffer;
    rpi_config config;        /* everything config.txt said (dtoverlay lists and so on) */
    rpi_string_list warnings; /* config warnings plus the firmware's own */
} rpi_boot_plan;

/* Reads the image (read-only) and builds the plan. On failure the plan is left empty. */
int rpi_firmware_plan(const char *image_path, const rpi_board_facts *facts, rpi_boot_plan *plan,
                      char *err, size_t errlen);
/* The same from any disk: the board passes its SD card model (copy-on-write overlay included),
 * so the firmware flow run again at a guest reboot sees what the guest wrote to the card.
 * disk->name names the image in messages. */
int rpi_firmware_plan_disk(const disk_reader *disk, const rpi_board_facts *facts,
                           rpi_boot_plan *plan, char *err, size_t errlen);
/* Copies kernel, initramfs and DTB into guest memory. */
int rpi_firmware_place(bus *b, const rpi_boot_plan *plan, char *err, size_t errlen);
void rpi_boot_plan_free(rpi_boot_plan *plan);

#endif
