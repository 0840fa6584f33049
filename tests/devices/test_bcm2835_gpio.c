/* GPIO: firmware boot muxes, GPSET/GPCLR -> GPLEV on output pins, external input levels, edge and
 * level detection into GPEDS (W1C) and the level of each bank's interrupt output. */
#include "check.h"
#include "device_fixture.h"

#define BASE 0x3f200000ull

enum {
    GPFSEL0 = 0x00,
    GPFSEL1 = 0x04,
    GPFSEL3 = 0x0C,
    GPFSEL4 = 0x10,
    GPFSEL5 = 0x14,
    GPSET0 = 0x1C,
    GPSET1 = 0x20,
    GPCLR0 = 0x28,
    GPCLR1 = 0x2C,
    GPLEV0 = 0x34,
    GPLEV1 = 0x38,
    GPEDS0 = 0x40,
    GPEDS1 = 0x44,
    GPREN0 = 0x4C,
    GPFEN0 = 0x58,
    GPHEN0 = 0x64,
    GPLEN0 = 0x70,
    GPAREN1 = 0x80,
    GPPUD = 0x94,
    GPPUDCLK0 = 0x98,
};

static irq_line outs[6]; /* bank0, bank1, bank2, all, sdhost-gpio48, emmc-gpio48 */

static unsigned fsel(fixture *f, unsigned pin) {
    return (unsigned)(rd32(f, GPFSEL0 + 4 * (pin / 10)) >> (3 * (pin % 10))) & 7;
}

static void drive(fixture *f, unsigned pin, bool level) {
    f->ctx.type->irq_input(f->state, (int)pin, level);
}

static unsigned irq_mask(void) {
    unsigned m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (irq_level(&outs[i])) m |= 1u << i;
    return m;
}

static void test_boot_muxes(fixture *f) {
    CHECK_EQ_U64(fsel(f, 14), 2); /* ALT5: mini UART */
    CHECK_EQ_U64(fsel(f, 15), 2);
    CHECK_EQ_U64(fsel(f, 32), 7); /* ALT3: PL011 */
    CHECK_EQ_U64(fsel(f, 33), 7);
    CHECK_EQ_U64(fsel(f, 34), 7); /* ALT3: SDHCI */
    CHECK_EQ_U64(fsel(f, 39), 7);
    for (unsigned pin = 48; pin <= 53; pin++)
        CHECK_EQ_U64(fsel(f, pin), 4); /* ALT0: sdhost */
    CHECK_EQ_U64(fsel(f, 0), 0);
    CHECK_EQ_U64(fsel(f, 47), 0);
    CHECK_EQ_U64(rd32(f, GPFSEL1), 0x12u << 12); /* pins 14/15 = 010 */
    CHECK_EQ_U64(rd32(f, GPLEV0) | rd32(f, GPLEV1), 0);
    CHECK_EQ_U64(irq_mask(), 0);
}

static void test_outputs(fixture *f) {
    /* Pin 17 output (GPFSEL1 bits 23:21 = 001), pin 47 output (GPFSEL4 bits 23:21). */
    wr32(f, GPFSEL1, rd32(f, GPFSEL1) | (1u << 21));
    wr32(f, GPFSEL4, rd32(f, GPFSEL4) | (1u << 21));
    wr32(f, GPSET0, 1u << 17);
    CHECK_EQ_U64(rd32(f, GPLEV0), 1u << 17);
    wr32(f, GPSET1, 1u << 15); /* pin 47 */
    CHECK_EQ_U64(rd32(f, GPLEV1), 1u << 15);
    CHECK_EQ_U64(rd32(f, GPSET0), 0); /* write-only */
    wr32(f, GPCLR0, 1u << 17);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0);
    wr32(f, GPCLR1, 1u << 15);
    CHECK_EQ_U64(rd32(f, GPLEV1), 0);
    /* The latch of an input pin is kept but not seen until it becomes an output. */
    wr32(f, GPSET0, 1u << 4);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0);
    wr32(f, GPFSEL0, 1u << 12); /* pin 4 output */
    CHECK_EQ_U64(rd32(f, GPLEV0), 1u << 4);
    wr32(f, GPFSEL0, 0);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0);
    wr32(f, GPCLR0, 1u << 4);
    /* GPLEV ignores writes; bits past pin 53 do not exist. */
    wr32(f, GPLEV0, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0);
    wr32(f, GPFSEL5, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(f, GPFSEL5), 0xFFF);
    f->ctx.type->reset(f->state);
}

static void test_inputs_and_edges(fixture *f) {
    /* An input pin reads what drives it. */
    drive(f, 5, true);
    CHECK_EQ_U64(rd32(f, GPLEV0), 1u << 5);
    CHECK_EQ_U64(rd32(f, GPEDS0), 0); /* no detector enabled */
    CHECK_EQ_U64(irq_mask(), 0);
    drive(f, 5, false);
    /* Rising edge on pin 5: GPEDS bit + bank0 and "all" outputs; W1C clears both. */
    wr32(f, GPREN0, 1u << 5);
    drive(f, 5, true);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 5);
    CHECK_EQ_U64(irq_mask(), 0x9);
    drive(f, 5, false); /* a falling edge, not enabled: status stays */
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 5);
    wr32(f, GPEDS0, 1u << 4); /* clearing another bit changes nothing */
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 5);
    wr32(f, GPEDS0, 1u << 5);
    CHECK_EQ_U64(rd32(f, GPEDS0), 0);
    CHECK_EQ_U64(irq_mask(), 0);
    wr32(f, GPREN0, 0);
    /* Falling edge on pin 30 (bank1 output, GPIO IRQ 50). */
    drive(f, 30, true);
    wr32(f, GPFEN0, 1u << 30);
    CHECK_EQ_U64(rd32(f, GPEDS0), 0);
    drive(f, 30, false);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 30);
    CHECK_EQ_U64(irq_mask(), 0xA);
    wr32(f, GPEDS0, 1u << 30);
    wr32(f, GPFEN0, 0);
    /* Async rising edge on pin 50 (bank2 output). */
    wr32(f, GPAREN1, 1u << 18);
    drive(f, 50, true);
    CHECK_EQ_U64(rd32(f, GPEDS1), 1u << 18);
    CHECK_EQ_U64(irq_mask(), 0xC);
    wr32(f, GPEDS1, 1u << 18);
    CHECK_EQ_U64(irq_mask(), 0);
    wr32(f, GPAREN1, 0);
    /* An output pin's own transitions are detected too. */
    wr32(f, GPFSEL0, 1u << 3); /* pin 1 output */
    wr32(f, GPREN0, 1u << 1);
    wr32(f, GPSET0, 1u << 1);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 1);
    wr32(f, GPEDS0, 1u << 1);
    wr32(f, GPREN0, 0);
}

static void test_level_detect(fixture *f) {
    /* High detect: the status comes back after a clear while the level holds. */
    drive(f, 7, true);
    wr32(f, GPHEN0, 1u << 7);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 7);
    CHECK_EQ_U64(irq_mask(), 0x9);
    wr32(f, GPEDS0, 1u << 7);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 7);
    drive(f, 7, false);
    wr32(f, GPEDS0, 1u << 7);
    CHECK_EQ_U64(rd32(f, GPEDS0), 0);
    CHECK_EQ_U64(irq_mask(), 0);
    wr32(f, GPHEN0, 0);
    /* Low detect on pin 8 (which reads low). */
    wr32(f, GPLEN0, 1u << 8);
    CHECK_EQ_U64(rd32(f, GPEDS0), 1u << 8);
    drive(f, 8, true);
    wr32(f, GPEDS0, 1u << 8);
    CHECK_EQ_U64(rd32(f, GPEDS0), 0);
    wr32(f, GPLEN0, 0);
    CHECK_EQ_U64(rd32(f, GPLEN0), 0);
    /* Pull control: storage. */
    wr32(f, GPPUD, 2);
    wr32(f, GPPUDCLK0, 1u << 8);
    CHECK_EQ_U64(rd32(f, GPPUD), 2);
    CHECK_EQ_U64(rd32(f, GPPUDCLK0), 1u << 8);
}

/* The SD card slot's pin-group outputs follow GPFSEL4/5: pins 48-53 all ALT0 (sdhost) or all
 * ALT3 (Arasan SDHCI); half-way through a remux neither. */
static void test_sd_slot_groups(fixture *f) {
    irq_line *sdhost = &outs[4], *emmc = &outs[5];
    CHECK(irq_level(sdhost)); /* the firmware's mux */
    CHECK(!irq_level(emmc));
    uint32_t fsel4 = (uint32_t)rd32(f, GPFSEL4), fsel5 = (uint32_t)rd32(f, GPFSEL5);
    wr32(f, GPFSEL4, (fsel4 & ~(077u << 24)) | (077u << 24)); /* 48, 49 -> ALT3 (111) */
    CHECK(!irq_level(sdhost));
    CHECK(!irq_level(emmc));
    wr32(f, GPFSEL5, 07777u); /* 50-53 -> ALT3 */
    CHECK(irq_level(emmc));
    CHECK(!irq_level(sdhost));
    wr32(f, GPFSEL5, 0); /* 50-53 input */
    CHECK(!irq_level(emmc));
    wr32(f, GPFSEL4, fsel4);
    wr32(f, GPFSEL5, fsel5);
    CHECK(irq_level(sdhost));
    f->ctx.type->reset(f->state);
    CHECK(irq_level(sdhost));
}

/* A board pull-up (the Pi 3's GPIO 2/3) reads high until the pin is driven low, e.g. by the
 * power button that system_powerdown presses; a reset keeps it. */
static void test_pulled_high(void) {
    static const char *const props[] = {"pulled-high", "0xc", NULL};
    fixture *f = fixture_new("bcm2835-gpio", BASE, props);
    f->ctx.type->reset(f->state);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0xcu);
    f->ctx.type->irq_input(f->state, 3, false);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0x4u);
    f->ctx.type->irq_input(f->state, 3, true);
    f->ctx.type->reset(f->state);
    CHECK_EQ_U64(rd32(f, GPLEV0), 0xcu);
    fixture_free(f);
}

int main(void) {
    test_pulled_high();
    fixture *f = fixture_new("bcm2835-gpio", BASE, NULL);
    for (unsigned i = 0; i < 6; i++) {
        irq_line_init(&outs[i], "gpio-test", NULL, NULL, (int)i);
        f->ctx.irq_out[i] = &outs[i];
    }
    f->ctx.type->reset(f->state);
    CHECK_EQ_U64(f->ctx.type->n_irq_outputs, 6);
    CHECK_EQ_U64(f->ctx.type->n_irq_inputs, 54);
    test_boot_muxes(f);
    test_sd_slot_groups(f);
    test_outputs(f);
    test_inputs_and_edges(f);
    test_level_detect(f);
    fixture_free(f);
    return check_report("devices_bcm2835_gpio");
}
