/* Private to peripherals/: the GPU firmware's property interface (mailbox channel 8), used by
 * bcm2835_mailbox.c. Facts: /work/shared/notes/rpi3-hardware.md sections 3.2-3.4. */
#ifndef PERIPHERALS_RPI_FIRMWARE_PROPS_H
#define PERIPHERALS_RPI_FIRMWARE_PROPS_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/rpi_firmware.h"
#include "soc/bus.h"
#include "soc/device.h"

#define RPI_FW_N_CLOCKS     16 /* ids 1..15 (linux: RPI_FIRMWARE_NUM_CLK_ID) */
#define RPI_FW_N_DOMAINS    32
#define RPI_FW_N_POWER_DEVS 9 /* SET_POWER_STATE device ids 0..8 (SD .. CCP2TX) */
#define RPI_FW_N_EXP_GPIOS  8 /* the Pi 3 GPIO expander: firmware gpio 128..135 */
#define RPI_FW_MAX_WARNED   64

typedef struct rpi_fw_gpio {
    uint32_t direction, polarity, term_en, term_pull_up, state;
} rpi_fw_gpio;

typedef struct rpi_fw {
    const char *name; /* device instance, for messages */
    /* Board facts (properties, possibly updated at boot). */
    uint64_t arm_ram_size, sdram_size, serial;
    uint32_t revision, firmware_revision;
    uint8_t mac[6];
    char *cmdline; /* owned */
    /* Mutable firmware state, reset by rpi_fw_reset. */
    uint32_t clock_rate[RPI_FW_N_CLOCKS];
    bool clock_on[RPI_FW_N_CLOCKS];
    uint32_t turbo;
    bool domain_on[RPI_FW_N_DOMAINS];
    bool power_on[RPI_FW_N_POWER_DEVS];
    rpi_fw_gpio gpio[RPI_FW_N_EXP_GPIOS];
    rpi_fb_state fb;
    /* Tags already warned about (unknown or refused), so each is logged once. */
    uint32_t warned[RPI_FW_MAX_WARNED];
    unsigned n_warned;
} rpi_fw;

/* Reads the board-file properties of ctx (arm-ram-size, sdram-size, board-revision, serial, mac,
 * cmdline, firmware-revision). Returns -1 with a reason on a bad value. */
int rpi_fw_init(rpi_fw *fw, const dev_ctx *ctx, char *err, size_t errlen);
void rpi_fw_reset(rpi_fw *fw);
void rpi_fw_destroy(rpi_fw *fw);
void rpi_fw_set_boot_facts(rpi_fw *fw, const rpi_firmware_boot_facts *facts);

/* Handles one property call: bus_addr is the VideoCore bus address of the buffer (the mailbox
 * word without its channel). Answers in place in guest RAM; never fails: a bad buffer is warned
 * about and gets code 0x80000001 where it can be written. Returns the buffer code written (or 0
 * if nothing could be written). */
uint32_t rpi_fw_property_call(rpi_fw *fw, bus *b, uint32_t bus_addr);

/* Legacy framebuffer channel 1: the 40-byte descriptor at bus_addr. Returns the reply value
 * (0 = success) that goes back with the channel number. */
uint32_t rpi_fw_legacy_fb_call(rpi_fw *fw, bus *b, uint32_t bus_addr);

/* VideoCore bus address -> ARM physical (notes 1.1: the 0x00/0x40/0x80/0xC0 aliases of SDRAM). */
static inline uint64_t rpi_fw_bus_to_phys(uint32_t bus_addr) {
    return bus_addr & 0x3FFFFFFFu;
}

#endif
