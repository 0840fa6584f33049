/* The BCM2835 Arasan SDHCI controller (0x7E300000 = ARM 0x3F300000) as an empty slot: the Pi 3
 * wires it to the Wi-Fi chip's SDIO bus, which socemu does not model. Linux's sdhci-iproc
 * (brcm,bcm2835-sdhci: 32-bit accesses only, capabilities from the driver) probes the slot with
 * SDIO/SD/MMC commands; each one that expects a response ends at once with a command-timeout
 * error interrupt (INT_STATUS bit 15 ERROR + bit 16, error bit 0 "command timeout"), so the probe
 * finds no card in milliseconds instead of waiting 10 s per command on a silent register file.
 * Commands without a response (CMD0) complete normally, as on a real empty slot.
 * Standard SDHCI register layout (SD Host Controller Simplified Specification 3.00). IRQ: GPU 62.
 */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets (32-bit words; sub-registers noted). */
enum {
    SDHCI_DMA_ADDRESS = 0x00,
    SDHCI_BLOCK = 0x04, /* [15:0] block size, [31:16] block count */
    SDHCI_ARGUMENT = 0x08,
    SDHCI_COMMAND = 0x0C,  /* [15:0] transfer mode, [31:16] command: writing it issues it */
    SDHCI_RESPONSE = 0x10, /* 0x10-0x1C */
    SDHCI_BUFFER = 0x20,
    SDHCI_PRESENT_STATE = 0x24,
    SDHCI_HOST_CONTROL = 0x28,  /* host control, power control, block gap, wake-up */
    SDHCI_CLOCK_CONTROL = 0x2C, /* [15:0] clock control, [23:16] timeout, [31:24] soft reset */
    SDHCI_INT_STATUS = 0x30,    /* [15:0] normal, [31:16] error; W1C */
    SDHCI_INT_ENABLE = 0x34,    /* status enables */
    SDHCI_SIGNAL_ENABLE = 0x38, /* interrupt line enables */
    SDHCI_HOST_CONTROL2 = 0x3C, /* [15:0] auto-CMD error status, [31:16] host control 2 */
    SDHCI_CAPABILITIES = 0x40,
    SDHCI_CAPABILITIES_1 = 0x44,
    SDHCI_MAX_CURRENT = 0x48,
    SDHCI_SLOT_VERSION = 0xFC, /* [15:0] slot interrupt status, [31:16] host version */
    SDHCI_SIZE = 0x100,
};

enum {
    INT_CMD_COMPLETE = 1u << 0,
    INT_ERROR = 1u << 15,
    INT_CMD_TIMEOUT = 1u << 16, /* error status bit 0 */
    INT_W1C = 0xFFFF7FFFu,      /* bit 15 is the OR of the error bits */
    CLK_INT_EN = 1u << 0,
    CLK_INT_STABLE = 1u << 1,
    RESET_SHIFT = 24,
    RESET_ALL = 1u << 0,
    CMD_RESP_MASK = 0x3, /* command register bits 1:0: 0 = no response */
    /* PRESENT_STATE: slot stable + write enabled; no card detected (nothing on the bus). */
    PRESENT_IDLE = (1u << 17) | (1u << 18) | (1u << 19) | (0xFu << 20) | (1u << 24),
    HOST_VERSION = 0x9902u << 16, /* Arasan vendor 0x99, spec 3.00 */
};

typedef struct bcm2835_sdhci_stub {
    dev_ctx *ctx;
    uint32_t regs[SDHCI_SIZE / 4]; /* plain storage for registers without side effects */
    uint32_t int_status, int_enable, signal_enable;
    uint32_t caps0, caps1;
} bcm2835_sdhci_stub;

static void update_irq(bcm2835_sdhci_stub *s) {
    irq_set(dev_irq(s->ctx, 0), (s->int_status & s->signal_enable) != 0);
}

/* Latches interrupt bits allowed by the status enables; bit 15 follows the error bits. */
static void raise_int(bcm2835_sdhci_stub *s, uint32_t bits) {
    s->int_status |= bits & s->int_enable;
    if (s->int_status & 0xFFFF0000u) s->int_status |= INT_ERROR;
}

static void soft_reset(bcm2835_sdhci_stub *s, uint32_t what) {
    if (what & RESET_ALL) {
        memset(s->regs, 0, sizeof s->regs);
        s->int_status = s->int_enable = s->signal_enable = 0;
    } else {
        s->int_status = 0; /* CMD/DATA line resets clear the pending command state */
    }
}

static void issue_command(bcm2835_sdhci_stub *s, uint32_t value) {
    unsigned cmd = (value >> 16) >> 8 & 0x3F;
    if (((value >> 16) & CMD_RESP_MASK) == 0) {
        raise_int(s, INT_CMD_COMPLETE);
    } else {
        soc_trace(TRACE_UNIMP, "%s: CMD%u: no card on the Wi-Fi SDIO bus, command timeout",
                  s->ctx->name, cmd);
        raise_int(s, INT_CMD_TIMEOUT);
    }
}

static uint64_t sdhci_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    bcm2835_sdhci_stub *s = opaque;
    switch (offset) {
    case SDHCI_PRESENT_STATE: return PRESENT_IDLE;
    case SDHCI_CLOCK_CONTROL: {
        uint32_t v = s->regs[offset / 4] & 0x00FFFFFFu; /* resets complete at once */
        if (v & CLK_INT_EN) v |= CLK_INT_STABLE;
        return v;
    }
    case SDHCI_INT_STATUS: return s->int_status;
    case SDHCI_INT_ENABLE: return s->int_enable;
    case SDHCI_SIGNAL_ENABLE: return s->signal_enable;
    case SDHCI_CAPABILITIES: return s->caps0;
    case SDHCI_CAPABILITIES_1: return s->caps1;
    case SDHCI_SLOT_VERSION: return HOST_VERSION | ((s->int_status & s->signal_enable) ? 1 : 0);
    case SDHCI_BUFFER: return 0;
    default:
        if (offset < 0x50 || offset == 0xFC) return s->regs[offset / 4];
        dev_warn_unimp(s->ctx, offset, false, 0);
        return 0;
    }
}

static void sdhci_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    (void)size;
    bcm2835_sdhci_stub *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case SDHCI_COMMAND:
        s->regs[offset / 4] = v;
        issue_command(s, v);
        break;
    case SDHCI_CLOCK_CONTROL:
        s->regs[offset / 4] = v & 0x00FFFFFFu;
        if (v >> RESET_SHIFT) soft_reset(s, v >> RESET_SHIFT);
        break;
    case SDHCI_INT_STATUS:
        s->int_status &= ~(v & INT_W1C);
        if (!(s->int_status & 0xFFFF0000u)) s->int_status &= ~INT_ERROR;
        break;
    case SDHCI_INT_ENABLE:
        s->int_enable = v;
        s->int_status &= v | INT_ERROR; /* disabled status bits read as 0 */
        break;
    case SDHCI_SIGNAL_ENABLE: s->signal_enable = v; break;
    case SDHCI_PRESENT_STATE:
    case SDHCI_CAPABILITIES:
    case SDHCI_CAPABILITIES_1:
    case SDHCI_SLOT_VERSION: break; /* read-only */
    default:
        if (offset < 0x50)
            s->regs[offset / 4] = v;
        else
            dev_warn_unimp(s->ctx, offset, true, value);
        break;
    }
    update_irq(s);
}

static int sdhci_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    (void)err, (void)errlen;
    bcm2835_sdhci_stub *s = dev;
    s->ctx = ctx;
    uint64_t mhz = dev_prop_u64(ctx, "base-clock-mhz");
    /* Capabilities: timeout clock in MHz (bit 7) = base, base clock [15:8], 3.3 V, high speed,
     * max block 1024. (sdhci-iproc's bcm2835 data overrides them; U-Boot may read them.) */
    s->caps0 = (uint32_t)(mhz & 0x3F) | (1u << 7) | (uint32_t)(mhz & 0xFF) << 8 | (1u << 16) |
               (1u << 21) | (1u << 24);
    s->caps1 = 0;
    return 0;
}

static void sdhci_reset(void *dev) {
    bcm2835_sdhci_stub *s = dev;
    soft_reset(s, RESET_ALL);
    update_irq(s);
}

static const dev_region sdhci_regions[] = {
    /* The BCM2835's Arasan block only takes 32-bit accesses (sdhci-iproc shadows 8/16-bit
     * writes into 32-bit ones). */
    {.name = "regs",
     .size = SDHCI_SIZE,
     .ops = {.read = sdhci_read,
             .write = sdhci_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop sdhci_props[] = {
    {.name = "base-clock-mhz",
     .kind = PROP_U64,
     .default_value = "250",
     .min = 1,
     .max = 255,
     .help = "base clock reported in the capabilities register"},
};

static const char *const sdhci_irq_outputs[] = {"irq"};

const dev_type bcm2835_sdhci_stub_type = {
    .name = "bcm2835-sdhci-stub",
    .description = "BCM2835 Arasan SDHCI (Wi-Fi SDIO) with nothing attached: commands time out",
    .state_size = sizeof(bcm2835_sdhci_stub),
    .regions = sdhci_regions,
    .n_regions = 1,
    .props = sdhci_props,
    .n_props = 1,
    .irq_outputs = sdhci_irq_outputs,
    .n_irq_outputs = 1,
    .realize = sdhci_realize,
    .reset = sdhci_reset,
};
