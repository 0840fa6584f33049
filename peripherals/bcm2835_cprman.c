/* BCM2835 clock manager, CPRMAN (cprman@7e101000 = ARM 0x3F101000, 0x2000 bytes): the CM_*
 * clock generators (0x000-0x1FF) and the A2W PLL/analogue block (0x1000-0x1FFF).
 *
 * Nothing here generates a clock: Linux's drivers/clk/bcm/clk-bcm2835.c only reads the registers
 * back and recomputes every rate from them (PLL = 19.2 MHz x (NDIV + FRAC/2^20) / PDIV, channel =
 * PLL / div, clock = parent / DIV in 12.12 fixed point), so the model is storage with a reset
 * image that is a consistent firmware-like setup, plus the few status bits the driver polls:
 *   - every write must carry the password 0x5A in bits 31:24 (cprman_write ORs CM_PASSWORD in);
 *     writes without it are dropped with a warning, as the hardware ignores them;
 *   - CM_LOCK bits 8-12 (PLLA/B/C/D/H locked) always read 1 (bcm2835_pll_on waits 100 ms for
 *     them, then logs "couldn't lock PLL");
 *   - each clock's CTL BUSY (bit 7) follows its ENABLE (bit 4) at once (bcm2835_clock_off and
 *     set_parent poll BUSY clear, bcm2835_clock_wait_busy);
 *   - reads return what was written minus the password byte, so the whole window (PLL ANA
 *     registers, dividers, MASH, test registers) is plain storage.
 * Facts: /work/shared/notes/rpi3-hardware.md section 2.2. */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

enum {
    CPRMAN_SIZE = 0x2000,
    CM_PASSWORD = 0x5Au << 24,
    CM_PASSWORD_MASK = 0xFFu << 24,
    /* CM_*CTL bits (clk-bcm2835.c "General bits for the CM_*CTL regs"). */
    CM_ENABLE = 1u << 4,
    CM_BUSY = 1u << 7,
    /* CM_LOCK: FLOCKA..FLOCKH, polled by bcm2835_pll_on. */
    CM_LOCK = 0x114,
    CM_LOCK_ALL = 0x1Fu << 8,
    /* A2W PLL control: [9:0] NDIV, [14:12] PDIV, bit 16 PWRDN, bit 17 PRST_DISABLE (= on). */
    A2W_PLL_PRST_DISABLE = 1u << 17,
    A2W_PLL_PDIV_1 = 1u << 12,
    /* A2W PLL channel dividers: [7:0] div (0 = 256), bit 8 disable. */
    A2W_CHANNEL_DISABLE = 1u << 8,
};

/* Clock generator CTL registers (each followed by its DIV at +4): the clocks clk-bcm2835.c
 * registers for the BCM2835 family. Only these get BUSY-follows-ENABLE. */
static const uint16_t cm_ctl_regs[] = {
    0x000 /* GNRIC */, 0x008 /* VPU */,   0x010 /* SYS */,   0x018 /* PERIA */, 0x020 /* PERII */,
    0x028 /* H264 */,  0x030 /* ISP */,   0x038 /* V3D */,   0x040 /* CAM0 */,  0x048 /* CAM1 */,
    0x050 /* CCP2 */,  0x058 /* DSI0E */, 0x060 /* DSI0P */, 0x068 /* DPI */,   0x070 /* GP0 */,
    0x078 /* GP1 */,   0x080 /* GP2 */,   0x088 /* HSM */,   0x090 /* OTP */,   0x098 /* PCM */,
    0x0A0 /* PWM */,   0x0A8 /* SLIM */,  0x0B0 /* SMI */,   0x0C0 /* TCNT */,  0x0C8 /* TEC */,
    0x0D0 /* TD0 */,   0x0D8 /* TD1 */,   0x0E0 /* TSENS */, 0x0E8 /* TIMER */, 0x0F0 /* UART */,
    0x0F8 /* VEC */,   0x158 /* DSI1E */, 0x160 /* DSI1P */, 0x168 /* DFT */,   0x190 /* PULSE */,
    0x1A8 /* SDC */,   0x1B0 /* ARM */,   0x1B8 /* AVEO */,  0x1C0 /* EMMC */,
};

/* The reset image: what the GPU firmware leaves with enable_uart=1 (core clock pinned at
 * 250 MHz). Every register not listed resets to 0 (PLLA and PLLH off, clocks off). */
typedef struct cprman_init {
    uint16_t offset;
    uint32_t value;
    const char *why;
} cprman_init;

static const cprman_init cprman_reset_image[] = {
    /* PLLC = 19.2 MHz x (52 + 0x15556/2^20) / 1 = 1000.000012 MHz; CORE0 and PER channels /4.
     * The fraction is rounded up, not down (0x15555 gives 999.999993 MHz): Linux truncates the
     * PLL rate, so a low PLLC made the VPU clock 249999999 Hz and the mini UART report
     * base_baud = 31249999 instead of the 31250000 a real Pi 3 prints. */
    {0x1120, A2W_PLL_PRST_DISABLE | A2W_PLL_PDIV_1 | 52, "A2W_PLLC_CTRL"},
    {0x1220, 0x15556, "A2W_PLLC_FRAC"},
    {0x1620, 4, "A2W_PLLC_CORE0: 250 MHz, parent of the VPU clock"},
    {0x1520, 4, "A2W_PLLC_PER: 250 MHz"},
    {0x1420, A2W_CHANNEL_DISABLE, "A2W_PLLC_CORE1: off"},
    {0x1320, A2W_CHANNEL_DISABLE, "A2W_PLLC_CORE2: off"},
    /* PLLD = 19.2 MHz x (104 + 0x2AAAB/2^20) = 2000 MHz; PER /4 = 500 MHz. */
    {0x1140, A2W_PLL_PRST_DISABLE | A2W_PLL_PDIV_1 | 104, "A2W_PLLD_CTRL"},
    {0x1240, 0x2AAAB, "A2W_PLLD_FRAC"},
    {0x1540, 4, "A2W_PLLD_PER: 500 MHz, parent of UART and EMMC"},
    {0x1340, A2W_CHANNEL_DISABLE, "A2W_PLLD_CORE: off"},
    {0x1440, A2W_CHANNEL_DISABLE, "A2W_PLLD_DSI0: off"},
    {0x1640, A2W_CHANNEL_DISABLE, "A2W_PLLD_DSI1: off"},
    /* PLLB (ARM) = 19.2 MHz x (62 + 0x80000/2^20) = 1200 MHz, ARM channel /2 = 600 MHz.
     * Firmware-owned: Linux only reads it. */
    {0x11E0, A2W_PLL_PRST_DISABLE | A2W_PLL_PDIV_1 | 62, "A2W_PLLB_CTRL"},
    {0x12E0, 0x80000, "A2W_PLLB_FRAC"},
    {0x13E0, 2, "A2W_PLLB_ARM: 600 MHz"},
    /* Clocks: CTL = source | ENABLE (BUSY is derived), DIV = 12.12 fixed point. */
    {0x008, 0x05 | CM_ENABLE, "CM_VPUCTL: PLLC_CORE0"},
    {0x00C, 0x1000, "CM_VPUDIV: /1 = 250 MHz (mini UART, sdhost, I2C, SPI)"},
    {0x0F0, 0x06 | CM_ENABLE, "CM_UARTCTL: PLLD_PER"},
    {0x0F4, 0xA6AA, "CM_UARTDIV: /10.4165 = 48 MHz (PL011)"},
    {0x1C0, 0x06 | CM_ENABLE, "CM_EMMCCTL: PLLD_PER"},
    {0x1C4, 0x2000, "CM_EMMCDIV: /2 = 250 MHz (Arasan SDHCI)"},
    {0x0E0, 0x01 | CM_ENABLE, "CM_TSENSCTL: oscillator"},
    {0x0E4, 0xA000, "CM_TSENSDIV: /10 = 1.92 MHz (thermal wants 1.92-5 MHz)"},
};

typedef struct bcm2835_cprman {
    dev_ctx *ctx;
    uint32_t regs[CPRMAN_SIZE / 4]; /* stored without the password byte */
} bcm2835_cprman;

static bool is_clock_ctl(uint64_t offset) {
    for (size_t i = 0; i < sizeof cm_ctl_regs / sizeof cm_ctl_regs[0]; i++)
        if (cm_ctl_regs[i] == offset) return true;
    return false;
}

static uint64_t cprman_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_cprman *c = opaque;
    uint32_t v = c->regs[offset / 4];
    if (offset == CM_LOCK) return v | CM_LOCK_ALL;
    if (is_clock_ctl(offset)) {
        /* The generator switches at once: busy exactly while enabled. */
        v &= ~CM_BUSY;
        if (v & CM_ENABLE) v |= CM_BUSY;
    }
    return v;
}

static void cprman_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_cprman *c = opaque;
    if ((value & CM_PASSWORD_MASK) != CM_PASSWORD) {
        soc_warn("%s: write of 0x%08x to 0x%03x without the 0x5a password (ignored)", c->ctx->name,
                 (unsigned)value, (unsigned)offset);
        return;
    }
    c->regs[offset / 4] = (uint32_t)value & ~CM_PASSWORD_MASK;
}

static int cprman_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_cprman *c = dev;
    c->ctx = ctx;
    return 0;
}

static void cprman_reset(void *dev) {
    bcm2835_cprman *c = dev;
    memset(c->regs, 0, sizeof c->regs);
    for (size_t i = 0; i < sizeof cprman_reset_image / sizeof cprman_reset_image[0]; i++)
        c->regs[cprman_reset_image[i].offset / 4] = cprman_reset_image[i].value;
}

static const dev_region cprman_regions[] = {
    /* 32-bit registers (readl/writel). */
    {.name = "regs",
     .size = CPRMAN_SIZE,
     .ops = {.read = cprman_read,
             .write = cprman_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

const dev_type bcm2835_cprman_type = {
    .name = "bcm2835-cprman",
    .description = "BCM2835 clock manager (CPRMAN): firmware-like PLL/clock register image",
    .state_size = sizeof(bcm2835_cprman),
    .regions = cprman_regions,
    .n_regions = 1,
    .realize = cprman_realize,
    .reset = cprman_reset,
};
