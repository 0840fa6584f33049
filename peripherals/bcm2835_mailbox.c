/* BCM2835 ARM<->VideoCore mailbox (mailbox@7e00b880 = ARM 0x3F00B880) with the GPU firmware
 * behind it: the property interface on channel 8 (rpi_firmware_props.c) and the legacy
 * framebuffer on channel 1.
 *
 * What Linux 6.1 relies on (drivers/mailbox/bcm2835-mailbox.c, drivers/firmware/raspberrypi.c;
 * notes 3.1):
 * - send = one write of `bus address | channel` to MAIL1_WRT; "tx done" is polled as MAIL1_STA
 *   bit 31 (FULL) clear, with no timeout, so requests are handled synchronously on the write and
 *   mailbox 1 is never full;
 * - the reply word goes into mailbox 0 (VC->ARM, an 8-word FIFO); the IRQ handler drains MAIL0_RD
 *   while MAIL0_STA bit 30 (EMPTY) is clear, then the caller checks the buffer code; no reply
 *   within 1 s = "Firmware transaction timeout";
 * - startup writes MAIL0_CNF bit 0 (data IRQ enable), shutdown writes 0;
 * - the IRQ (DT <0 1>: basic ARM IRQ 1 on the armctrl) is a level while mailbox 0 holds data and
 *   CNF bit 0 is set.
 * U-Boot polls MAIL0_STA and drains stale words first (u-boot: arch/arm/mach-bcm283x/mbox.c). */
#include <inttypes.h>
#include <stdint.h>

#include "peripherals/rpi_firmware.h"
#include "rpi_firmware_props.h"
#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    MAIL0_RD = 0x00,     /* VC->ARM: read pops the FIFO */
    MAIL0_PEEK = 0x10,   /* the head word, not popped */
    MAIL0_SENDER = 0x14, /* [1:0] who wrote the head word: 0 = VideoCore */
    MAIL0_STA = 0x18,    /* bit 31 FULL, bit 30 EMPTY */
    MAIL0_CNF = 0x1C,    /* bit 0: IRQ while data is waiting (Linux startup/shutdown) */
    MAIL1_WRT = 0x20,    /* ARM->VC: the request word */
    MAIL1_PEEK = 0x30,
    MAIL1_SENDER = 0x34,
    MAIL1_STA = 0x38, /* always EMPTY: requests are consumed on the write */
    MAIL1_CNF = 0x3C,
    MBOX_SIZE = 0x40,
};

enum {
    STA_FULL = 1u << 31,
    STA_EMPTY = 1u << 30,
    CNF_DATA_IRQ = 1u << 0,
    CHAN_MASK = 0xF,
    CHAN_FB = 1,       /* legacy framebuffer descriptor */
    CHAN_PROPERTY = 8, /* property tags ARM->VC: the only one Linux 6.1 uses */
};

#define MBOX_FIFO_SIZE 8

typedef struct bcm2835_mailbox {
    dev_ctx *ctx;
    uint32_t fifo[MBOX_FIFO_SIZE]; /* mailbox 0, VC->ARM */
    unsigned head, count;
    uint32_t cnf;
    uint16_t warned_channels; /* bit n: channel n already logged */
    bool warned_empty_read, warned_overflow;
    rpi_fw fw;
} bcm2835_mailbox;

static void update_irq(bcm2835_mailbox *m) {
    irq_set(dev_irq(m->ctx, 0), (m->cnf & CNF_DATA_IRQ) && m->count);
}

static void push_reply(bcm2835_mailbox *m, uint32_t word) {
    if (m->count == MBOX_FIFO_SIZE) {
        if (!m->warned_overflow)
            soc_warn("%s: mailbox 0 full (the guest does not read replies): reply 0x%08" PRIx32
                     " dropped",
                     m->ctx->name, word);
        m->warned_overflow = true;
        return;
    }
    m->fifo[(m->head + m->count) % MBOX_FIFO_SIZE] = word;
    m->count++;
    update_irq(m);
}

static uint32_t pop_reply(bcm2835_mailbox *m) {
    if (!m->count) {
        if (!m->warned_empty_read)
            soc_warn("%s: MAIL0_RD read while mailbox 0 is empty (returns 0)", m->ctx->name);
        m->warned_empty_read = true;
        return 0;
    }
    uint32_t word = m->fifo[m->head];
    m->head = (m->head + 1) % MBOX_FIFO_SIZE;
    m->count--;
    update_irq(m);
    return word;
}

static uint32_t mail0_status(const bcm2835_mailbox *m) {
    if (!m->count) return STA_EMPTY;
    return m->count == MBOX_FIFO_SIZE ? STA_FULL : 0;
}

/* A request word: the top 28 bits are the buffer's bus address, the low 4 the channel. */
static void handle_request(bcm2835_mailbox *m, uint32_t word) {
    unsigned chan = word & CHAN_MASK;
    uint32_t addr = word & ~(uint32_t)CHAN_MASK;
    switch (chan) {
    case CHAN_PROPERTY:
        rpi_fw_property_call(&m->fw, m->ctx->bus, addr);
        push_reply(m, word); /* the same word back: the answer is in the buffer */
        break;
    case CHAN_FB:
        if (!(m->warned_channels & (1u << chan)))
            soc_warn("%s: legacy framebuffer mailbox channel 1 used (served)", m->ctx->name);
        m->warned_channels |= 1u << chan;
        push_reply(m, (rpi_fw_legacy_fb_call(&m->fw, m->ctx->bus, addr) << 4) | chan);
        break;
    default:
        /* Power (0), virtual UART (2), VCHIQ (3), LEDs, buttons, touch, counter, VC->ARM
         * properties (9): not modelled; no reply, as for a service that is absent. */
        if (!(m->warned_channels & (1u << chan)))
            soc_warn("%s: mailbox channel %u not modelled: request 0x%08" PRIx32 " ignored",
                     m->ctx->name, chan, word);
        m->warned_channels |= 1u << chan;
        break;
    }
}

static uint64_t mbox_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    bcm2835_mailbox *m = opaque;
    switch (offset) {
    case MAIL0_RD: return pop_reply(m);
    case MAIL0_PEEK: return m->count ? m->fifo[m->head] : 0;
    case MAIL0_SENDER: return 0;
    case MAIL0_STA: return mail0_status(m);
    case MAIL0_CNF: return m->cnf;
    case MAIL1_STA: return STA_EMPTY;
    default: dev_warn_unimp(m->ctx, offset, false, 0); return 0;
    }
}

static void mbox_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    (void)size;
    bcm2835_mailbox *m = opaque;
    switch (offset) {
    case MAIL1_WRT: handle_request(m, (uint32_t)value); break;
    case MAIL0_CNF:
        m->cnf = (uint32_t)value & CNF_DATA_IRQ; /* other bits (space/opp IRQs) unused */
        if (value & ~(uint64_t)CNF_DATA_IRQ) dev_warn_unimp(m->ctx, offset, true, value);
        update_irq(m);
        break;
    default: dev_warn_unimp(m->ctx, offset, true, value); break; /* incl. read-only registers */
    }
}

static int mbox_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_mailbox *m = dev;
    m->ctx = ctx;
    return rpi_fw_init(&m->fw, ctx, err, errlen);
}

static void mbox_reset(void *dev) {
    bcm2835_mailbox *m = dev;
    m->head = m->count = 0;
    m->cnf = 0;
    m->warned_channels = 0;
    m->warned_empty_read = m->warned_overflow = false;
    rpi_fw_reset(&m->fw);
    update_irq(m);
}

static void mbox_unrealize(void *dev) {
    bcm2835_mailbox *m = dev;
    rpi_fw_destroy(&m->fw);
}

rpi_fb_state *rpi_firmware_fb(void *mailbox_state) {
    return &((bcm2835_mailbox *)mailbox_state)->fw.fb;
}

void rpi_firmware_set_boot_facts(void *mailbox_state, const rpi_firmware_boot_facts *facts) {
    rpi_fw_set_boot_facts(&((bcm2835_mailbox *)mailbox_state)->fw, facts);
}

static const dev_region mbox_regions[] = {
    /* Linux and U-Boot use 32-bit readl/writel only. */
    {.name = "regs",
     .size = MBOX_SIZE,
     .ops = {.read = mbox_read,
             .write = mbox_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop mbox_props[] = {
    {.name = "arm-ram-size",
     .kind = PROP_U64,
     .default_value = "0x3b400000",
     .help = "the ARM's RAM (GET_ARM_MEMORY); the GPU carve-out starts here (gpu_mem=76)"},
    {.name = "sdram-size",
     .kind = PROP_U64,
     .default_value = "1G",
     .help = "all SDRAM; GET_VC_MEMORY is sdram-size - arm-ram-size"},
    {.name = "board-revision",
     .kind = PROP_U64,
     .default_value = "0xa02082",
     .min = 0,
     .max = 0xFFFFFFFF,
     .help = "GET_BOARD_REVISION: 0xa02082 = 3 Model B, 0xa020d3 = 3 Model B+"},
    {.name = "serial",
     .kind = PROP_U64,
     .default_value = "0x12345678",
     .help = "GET_BOARD_SERIAL (the machine may override it at boot)"},
    {.name = "mac",
     .kind = PROP_STR,
     .default_value = "",
     .help = "GET_BOARD_MAC_ADDRESS as b8:27:eb:xx:xx:xx; empty = B8:27:EB + serial bits 23:0"},
    {.name = "cmdline",
     .kind = PROP_STR,
     .default_value = "",
     .help = "GET_COMMAND_LINE (the machine sets the booted kernel's at boot)"},
    {.name = "firmware-revision",
     .kind = PROP_U64,
     .default_value = "1661860800",
     .min = 0,
     .max = 0xFFFFFFFF,
     .help = "GET_FIRMWARE_REVISION, a build time in Unix seconds (fixed: runs stay "
             "deterministic)"},
};

static const char *const mbox_irq_outputs[] = {"irq"};

const dev_type bcm2835_mailbox_type = {
    .name = "bcm2835-mailbox",
    .description = "BCM2835 ARM/VideoCore mailbox with the GPU firmware property interface",
    .state_size = sizeof(bcm2835_mailbox),
    .regions = mbox_regions,
    .n_regions = 1,
    .props = mbox_props,
    .n_props = sizeof mbox_props / sizeof mbox_props[0],
    .irq_outputs = mbox_irq_outputs,
    .n_irq_outputs = 1,
    .realize = mbox_realize,
    .reset = mbox_reset,
    .unrealize = mbox_unrealize,
};
