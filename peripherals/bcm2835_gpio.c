/* BCM2835 GPIO (gpio@7e200000 = ARM 0x3F200000, 0xB4 bytes): 54 pins in two banks (0-31, 32-53).
 *
 * Linux 6.1 drivers/pinctrl/bcm/pinctrl-bcm2835.c (B): function select through GPFSEL (3 bits a
 * pin), outputs through GPSET/GPCLR, levels from GPLEV, interrupts from the event detect status
 * GPEDS (write 1 to clear) with rising/falling/high/low/async-rising/async-falling enables, and
 * pulls through the GPPUD/GPPUDCLK sequence. Its four parent interrupts are DT <2 17..20>:
 * output "bank0" (pins 0-27), "bank1" (28-45), "bank2" (46-53) and "all" (any pin).
 *
 * Model: a pin's level is its output latch when GPFSEL says output (001), else its input level.
 * Inputs are the device's interrupt inputs 0-53 (a board or a test drives a pin with
 * irq_set on ctx->irq_in[n]; they read 0 until driven). After every change of a level the
 * detectors run: edges on a transition, high/low detect as levels (the status bit comes back
 * after a clear while the level holds). Async detection behaves like the synchronous one.
 * GPPUD/GPPUDCLK are storage: pulls do not change levels.
 * Reset muxes are what the firmware leaves: 14/15 ALT5 (mini UART), 32/33 ALT3 (PL011 to the
 * Bluetooth chip), 34-39 ALT3 (SDHCI to Wi-Fi), 48-53 ALT0 (sdhost, the SD card).
 * Pin-group outputs publish the mux to the devices behind the pins: "sdhost-gpio48" is high while
 * every pin of 48-53 (the SD card slot) is in ALT0 (the sdhost's SD0 signals), "emmc-gpio48"
 * while they are all in ALT3 (the Arasan SDHCI's SD1 signals); the names and functions are the
 * sdhost_gpio48 / emmc_gpio48 groups of Linux's bcm283x.dtsi. A slot half-way through a remux
 * (two GPFSEL writes) belongs to neither.
 * Facts: /work/shared/notes/rpi3-hardware.md section 2.4. */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

#define GPIO_PINS 54

/* Register offsets; banked registers are at +0 (pins 0-31) and +4 (pins 32-53). */
enum {
    GPFSEL0 = 0x00, /* GPFSEL0-5 at 0x00-0x14: 10 pins of 3 bits each */
    GPFSEL5 = 0x14,
    GPSET0 = 0x1C,  /* write 1 to drive the output latch high (WO) */
    GPCLR0 = 0x28,  /* write 1 to drive the output latch low (WO) */
    GPLEV0 = 0x34,  /* pin levels (RO) */
    GPEDS0 = 0x40,  /* event detect status, write 1 to clear */
    GPREN0 = 0x4C,  /* rising edge detect enable */
    GPFEN0 = 0x58,  /* falling edge */
    GPHEN0 = 0x64,  /* high level */
    GPLEN0 = 0x70,  /* low level */
    GPAREN0 = 0x7C, /* async rising edge */
    GPAFEN0 = 0x88, /* async falling edge */
    GPPUD = 0x94,   /* pull-up/down control: storage */
    GPPUDCLK0 = 0x98,
    GPIO_SIZE = 0xB4,
};

/* The banked register groups, in offset order, and the index of each in gpio.banked[]. */
enum { B_SET, B_CLR, B_LEV, B_EDS, B_REN, B_FEN, B_HEN, B_LEN, B_AREN, B_AFEN, B_PUDCLK, B_COUNT };
static const uint16_t banked_base[B_COUNT] = {
    [B_SET] = GPSET0,   [B_CLR] = GPCLR0,   [B_LEV] = GPLEV0,       [B_EDS] = GPEDS0,
    [B_REN] = GPREN0,   [B_FEN] = GPFEN0,   [B_HEN] = GPHEN0,       [B_LEN] = GPLEN0,
    [B_AREN] = GPAREN0, [B_AFEN] = GPAFEN0, [B_PUDCLK] = GPPUDCLK0,
};

static const uint32_t bank_mask[2] = {0xFFFFFFFFu, 0x003FFFFFu}; /* 54 pins */

enum { FSEL_INPUT = 0, FSEL_OUTPUT = 1, FSEL_ALT0 = 4, FSEL_ALT3 = 7, FSEL_ALT5 = 2 };

/* Firmware-left function selects (pins not listed are inputs). */
static const struct {
    uint8_t first, last, fsel;
} gpio_boot_mux[] = {
    {14, 15, FSEL_ALT5}, /* TXD1/RXD1: mini UART, the Linux console */
    {32, 33, FSEL_ALT3}, /* TXD0/RXD0: PL011 to the Bluetooth chip */
    {34, 39, FSEL_ALT3}, /* SD1: Arasan SDHCI to the Wi-Fi chip */
    {48, 53, FSEL_ALT0}, /* SD0: sdhost, the SD card */
};

/* Interrupt outputs: the pins each covers (pinctrl-bcm2835.c bcm2835_gpio_irq_handler), then the
 * pin-group outputs (gpio_groups). */
enum { IRQ_BANK0, IRQ_BANK1, IRQ_BANK2, IRQ_ALL, IRQ_COUNT };
enum { OUT_SDHOST_GPIO48 = IRQ_COUNT, OUT_EMMC_GPIO48, OUT_COUNT };
static const char *const gpio_irq_outputs[OUT_COUNT] = {
    "bank0", "bank1", "bank2", "all", "sdhost-gpio48", "emmc-gpio48",
};

/* Pin groups whose function select is published as a level output. */
static const struct {
    uint8_t output, first, last, fsel;
} gpio_groups[] = {
    {OUT_SDHOST_GPIO48, 48, 53, FSEL_ALT0},
    {OUT_EMMC_GPIO48, 48, 53, FSEL_ALT3},
};
static const uint64_t irq_pins[IRQ_COUNT] = {
    [IRQ_BANK0] = 0x000000000FFFFFFFull, /* 0-27 */
    [IRQ_BANK1] = 0x00003FFFF0000000ull, /* 28-45 */
    [IRQ_BANK2] = 0x003FC00000000000ull, /* 46-53 */
    [IRQ_ALL] = 0x003FFFFFFFFFFFFFull,
};

typedef struct bcm2835_gpio {
    dev_ctx *ctx;
    uint32_t fsel[6];
    uint64_t out;   /* output latches */
    uint64_t in;    /* input levels (driven through the irq inputs) */
    uint64_t level; /* last evaluated pin levels, for edge detection */
    uint64_t eds, ren, fen, hen, len, aren, afen, pudclk;
    uint32_t pud;
} bcm2835_gpio;

static unsigned pin_fsel(const bcm2835_gpio *g, unsigned pin) {
    return (g->fsel[pin / 10] >> (3 * (pin % 10))) & 7;
}

static void update_groups(bcm2835_gpio *g) {
    for (size_t i = 0; i < sizeof gpio_groups / sizeof gpio_groups[0]; i++) {
        bool all = true;
        for (unsigned pin = gpio_groups[i].first; pin <= gpio_groups[i].last; pin++)
            all = all && pin_fsel(g, pin) == gpio_groups[i].fsel;
        irq_set(dev_irq(g->ctx, gpio_groups[i].output), all);
    }
}

static uint64_t output_pins(const bcm2835_gpio *g) {
    uint64_t m = 0;
    for (unsigned pin = 0; pin < GPIO_PINS; pin++)
        if (pin_fsel(g, pin) == FSEL_OUTPUT) m |= 1ull << pin;
    return m;
}

static uint64_t pin_levels(const bcm2835_gpio *g) {
    uint64_t outs = output_pins(g);
    return (g->out & outs) | (g->in & ~outs);
}

static void update_irqs(bcm2835_gpio *g) {
    for (unsigned i = 0; i < IRQ_COUNT; i++)
        irq_set(dev_irq(g->ctx, i), g->eds & irq_pins[i]);
}

/* Re-evaluates every pin after a change: edge detectors fire on transitions, level detectors
 * set their status bit whenever the level matches (also right after a W1C). */
static void evaluate(bcm2835_gpio *g) {
    uint64_t now = pin_levels(g);
    uint64_t rose = now & ~g->level, fell = ~now & g->level;
    g->eds |= rose & (g->ren | g->aren);
    g->eds |= fell & (g->fen | g->afen);
    g->eds |= now & g->hen;
    g->eds |= ~now & g->len;
    g->eds &= irq_pins[IRQ_ALL];
    g->level = now;
    update_irqs(g);
}

static uint64_t *banked_reg(bcm2835_gpio *g, unsigned group) {
    switch (group) {
    case B_EDS: return &g->eds;
    case B_REN: return &g->ren;
    case B_FEN: return &g->fen;
    case B_HEN: return &g->hen;
    case B_LEN: return &g->len;
    case B_AREN: return &g->aren;
    case B_AFEN: return &g->afen;
    case B_PUDCLK: return &g->pudclk;
    default: return NULL;
    }
}

/* The group and bank of a banked offset; false if the offset is not one. */
static bool decode_banked(uint64_t offset, unsigned *group, unsigned *bank) {
    for (unsigned i = 0; i < B_COUNT; i++)
        if (offset == banked_base[i] || offset == banked_base[i] + 4u) {
            *group = i;
            *bank = (unsigned)(offset - banked_base[i]) / 4;
            return true;
        }
    return false;
}

static uint64_t gpio_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_gpio *g = opaque;
    if (offset <= GPFSEL5) return g->fsel[offset / 4];
    if (offset == GPPUD) return g->pud;
    unsigned group, bank;
    if (!decode_banked(offset, &group, &bank)) {
        dev_warn_unimp(g->ctx, offset, false, 0); /* reserved words and the test register */
        return 0;
    }
    unsigned shift = 32 * bank;
    switch (group) {
    case B_SET:
    case B_CLR: return 0; /* write-only */
    case B_LEV: return (uint32_t)(pin_levels(g) >> shift);
    default: return (uint32_t)(*banked_reg(g, group) >> shift);
    }
}

static void gpio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_gpio *g = opaque;
    uint32_t v = (uint32_t)value;
    if (offset <= GPFSEL5) {
        unsigned reg = (unsigned)offset / 4;
        g->fsel[reg] = v & (reg == 5 ? 0xFFFu : 0x3FFFFFFFu); /* GPFSEL5: pins 50-53 */
        update_groups(g);
        evaluate(g);
        return;
    }
    if (offset == GPPUD) {
        g->pud = v & 3;
        return;
    }
    unsigned group, bank;
    if (!decode_banked(offset, &group, &bank)) {
        dev_warn_unimp(g->ctx, offset, true, value);
        return;
    }
    unsigned shift = 32 * bank;
    uint64_t bits = (uint64_t)(v & bank_mask[bank]) << shift;
    uint64_t keep = ~((uint64_t)0xFFFFFFFFu << shift);
    switch (group) {
    case B_SET: g->out |= bits; break;
    case B_CLR: g->out &= ~bits; break;
    case B_LEV: return; /* read-only */
    case B_EDS: g->eds &= ~bits; break;
    default: {
        uint64_t *r = banked_reg(g, group);
        *r = (*r & keep) | bits;
        break;
    }
    }
    evaluate(g);
}

/* Input pins: interrupt input n is the level driven onto pin n from outside. */
static void gpio_input(void *dev, int n, bool level) {
    bcm2835_gpio *g = dev;
    if (n < 0 || n >= GPIO_PINS) return;
    if (level)
        g->in |= 1ull << n;
    else
        g->in &= ~(1ull << n);
    evaluate(g);
}

static int gpio_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_gpio *g = dev;
    g->ctx = ctx;
    /* Pins the board pulls up (e.g. the Pi 3's I2C1 on GPIO 2/3) read high until something
     * drives them low, such as a power button to ground. */
    g->in = dev_prop_u64(ctx, "pulled-high");
    return 0;
}

static const dev_prop gpio_props[] = {
    {.name = "pulled-high",
     .kind = PROP_U64,
     .default_value = "0",
     .help = "mask of pins with an external pull-up on the board: they read 1 as inputs until "
             "driven low"},
};

static void gpio_reset(void *dev) {
    bcm2835_gpio *g = dev;
    memset(g->fsel, 0, sizeof g->fsel);
    for (size_t i = 0; i < sizeof gpio_boot_mux / sizeof gpio_boot_mux[0]; i++)
        for (unsigned pin = gpio_boot_mux[i].first; pin <= gpio_boot_mux[i].last; pin++)
            g->fsel[pin / 10] |= (uint32_t)gpio_boot_mux[i].fsel << (3 * (pin % 10));
    g->out = 0;
    g->eds = g->ren = g->fen = g->hen = g->len = g->aren = g->afen = g->pudclk = 0;
    g->pud = 0;
    g->level = pin_levels(g); /* inputs keep what drives them */
    update_irqs(g);
    update_groups(g);
}

static const dev_region gpio_regions[] = {
    {.name = "regs",
     .size = GPIO_SIZE,
     .ops = {.read = gpio_read,
             .write = gpio_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

const dev_type bcm2835_gpio_type = {
    .name = "bcm2835-gpio",
    .description = "BCM2835 GPIO: 54 pins, levels, edge/level detect, inputs 0-53 drive pins",
    .state_size = sizeof(bcm2835_gpio),
    .regions = gpio_regions,
    .n_regions = 1,
    .irq_outputs = gpio_irq_outputs,
    .n_irq_outputs = OUT_COUNT,
    .n_irq_inputs = GPIO_PINS,
    .irq_input = gpio_input,
    .realize = gpio_realize,
    .reset = gpio_reset,
    .props = gpio_props,
    .n_props = sizeof gpio_props / sizeof gpio_props[0],
};
