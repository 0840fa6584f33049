/* What the emulated Raspberry Pi GPU firmware (the mailbox property interface, device type
 * "bcm2835-mailbox") exposes to the rest of socemu: the framebuffer the guest negotiated through
 * the framebuffer tags (for display code), and the boot facts the machine learns only when it
 * prepares a boot (the kernel command line, the board serial).
 *
 * All functions take the mailbox device's state, e.g. machine_device_state(m, "mailbox"). */
#ifndef PERIPHERALS_RPI_FIRMWARE_H
#define PERIPHERALS_RPI_FIRMWARE_H

#include <stdbool.h>
#include <stdint.h>

/* The framebuffer as the property tags 0x4xxxx left it. Geometry fields hold what the guest set
 * (or the defaults: 1024x768, 16 bpp) whether or not a buffer is allocated. */
typedef struct rpi_fb_state {
    bool allocated;    /* 0x40001 succeeded and no 0x48001 release since */
    uint64_t base;     /* ARM physical address of the pixels (inside the GPU carve-out) */
    uint32_t bus_base; /* what the guest was told: 0xC0000000 | base */
    uint32_t size;     /* bytes: pitch * virt_height */
    uint32_t phys_width, phys_height;
    uint32_t virt_width, virt_height;
    uint32_t depth;       /* bits per pixel: 8, 16, 24, 32 */
    uint32_t pixel_order; /* 0 BGR, 1 RGB */
    uint32_t alpha_mode;  /* 0 enabled, 1 reversed, 2 ignored */
    uint32_t pitch;       /* bytes per line */
    uint32_t x_offset, y_offset;
    uint32_t overscan[4]; /* top, bottom, left, right */
    bool blank;
    uint32_t generation; /* bumped on every change, so a display can poll cheaply */
} rpi_fb_state;

/* The live state (never NULL for a bcm2835-mailbox state). A device reset (guest reboot) restores
 * the 1024x768x16 defaults and releases the buffer; display code may change the geometry after
 * that, before the guest runs. */
rpi_fb_state *rpi_firmware_fb(void *mailbox_state);

/* Facts the machine knows at boot; NULL / false fields keep the board file's values. They
 * survive device resets (a guest reboot boots the same card). */
typedef struct rpi_firmware_boot_facts {
    const char *cmdline; /* answered by GET_COMMAND_LINE (0x50001); copied */
    bool have_serial;
    uint64_t serial; /* GET_BOARD_SERIAL; also the default MAC's low bytes */
    bool have_mac;
    uint8_t mac[6];
    uint32_t revision;     /* GET_BOARD_REVISION, 0 = keep */
    uint64_t arm_ram_size; /* GET_ARM_MEMORY size, 0 = keep */
} rpi_firmware_boot_facts;

void rpi_firmware_set_boot_facts(void *mailbox_state, const rpi_firmware_boot_facts *facts);

#endif
