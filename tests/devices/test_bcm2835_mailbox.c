/* The BCM2835 mailbox as Linux's bcm2835-mailbox.c and U-Boot's mbox.c drive it (notes 3.1):
 * a request written to MAIL1_WRT is handled at once, MAIL1 never reads FULL, the reply word queues
 * in mailbox 0 (8 words), and the IRQ is a level while mailbox 0 holds data and CNF bit 0 is set.
 * The last test builds the real rpi3 machine: the reply reaches core 0's IRQ pin through the
 * armctrl's basic ARM IRQ 1. */
#include <stdio.h>

#include "check.h"
#include "device_fixture.h"
#include "boards/machine.h"
#include "peripherals/rpi_firmware.h"
#include "soc/log.h"

enum {
    MAIL0_RD = 0x00,
    MAIL0_PEEK = 0x10,
    MAIL0_SENDER = 0x14,
    MAIL0_STA = 0x18,
    MAIL0_CNF = 0x1C,
    MAIL1_WRT = 0x20,
    MAIL1_STA = 0x38,
    MAIL1_CNF = 0x3C,
    STA_FULL = 0x80000000u,
    STA_EMPTY = 0x40000000u,
};
#define BASE     0x3f00b880u
#define RAM_SIZE 0x01000000u

/* ---- captured warnings ---- */

static FILE *log_file;
static char log_text[16384];

static void log_begin(void) {
    log_file = tmpfile();
    if (!log_file) abort();
    soc_log_set_file(log_file);
}

static const char *log_end(void) {
    fflush(log_file);
    rewind(log_file);
    size_t n = fread(log_text, 1, sizeof log_text - 1, log_file);
    log_text[n] = '\0';
    fclose(log_file);
    soc_log_set_file(NULL);
    return log_text;
}

static unsigned count_lines(const char *text, const char *needle) {
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- a mailbox on a bus with 16 MiB of RAM at 0 ---- */

static fixture *mbox_new(void) {
    static const char *const props[] = {
        "arm-ram-size",         "0xc00000", "sdram-size", "0x1000000", "cmdline",
        "console=ttyS1,115200", NULL};
    fixture *f = fixture_new("bcm2835-mailbox", BASE, props);
    char err[200];
    if (bus_add_ram(&f->bus, "ram", 0, RAM_SIZE, NULL, err, sizeof err) < 0) abort();
    return f;
}

static void put_words(bus *b, uint64_t addr, const uint32_t *w, unsigned n) {
    char err[200];
    CHECK_EQ_U64(bus_write_block(b, addr, w, 4 * n, err, sizeof err), 0);
}

static uint32_t get_word(bus *b, uint64_t addr) {
    uint32_t w = 0;
    char err[200];
    CHECK_EQ_U64(bus_read_block(b, addr, &w, 4, err, sizeof err), 0);
    return w;
}

/* One GET_FIRMWARE_REVISION request at addr. */
static void put_revision_request(bus *b, uint64_t addr) {
    const uint32_t req[] = {28, 0, 0x00000001, 4, 0, 0xAAAAAAAA, 0};
    put_words(b, addr, req, 7);
}

static void test_reset_state(void) {
    fixture *f = mbox_new();
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    CHECK_EQ_U64(rd32(f, MAIL1_STA), STA_EMPTY); /* never FULL: Linux's tx-done poll */
    CHECK_EQ_U64(rd32(f, MAIL0_CNF), 0);
    CHECK_EQ_U64(rd32(f, MAIL0_SENDER), 0);
    CHECK(!irq_level(&f->irq));
    fixture_free(f);
}

static void test_property_request_and_irq_level(void) {
    fixture *f = mbox_new();
    put_revision_request(&f->bus, 0x1000);
    wr32(f, MAIL1_WRT, 0xC0001008); /* Linux: 0xC0000000 | phys, channel 8 */
    CHECK_EQ_U64(rd32(f, MAIL1_STA) & STA_FULL, 0);
    CHECK_EQ_U64(rd32(f, MAIL0_STA), 0); /* neither empty nor full */
    CHECK(!irq_level(&f->irq));          /* CNF bit 0 clear: U-Boot polls */
    /* The request was answered synchronously, before the reply was queued. */
    CHECK_EQ_U64(get_word(&f->bus, 0x1004), 0x80000000);
    CHECK_EQ_U64(get_word(&f->bus, 0x1010), 0x80000004);
    CHECK_EQ_U64(get_word(&f->bus, 0x1014), 1661860800u);
    /* Linux's startup enables the data IRQ: the line rises for the waiting word. */
    wr32(f, MAIL0_CNF, 1);
    CHECK_EQ_U64(rd32(f, MAIL0_CNF), 1);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_PEEK), 0xC0001008); /* peek does not pop */
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0xC0001008);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    /* A reply arriving while enabled raises it at once; disabling drops it with data left. */
    wr32(f, MAIL1_WRT, 0x00001008); /* the 0x00 alias works too */
    CHECK(irq_level(&f->irq));
    wr32(f, MAIL0_CNF, 0);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_STA), 0);
    wr32(f, MAIL0_CNF, 1);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0x00001008);
    CHECK(!irq_level(&f->irq));
    fixture_free(f);
}

static void test_fifo_order_full_and_empty(void) {
    fixture *f = mbox_new();
    for (unsigned i = 0; i < 9; i++)
        put_revision_request(&f->bus, 0x2000 + 0x100 * i);
    log_begin();
    for (unsigned i = 0; i < 9; i++) {
        wr32(f, MAIL1_WRT, 0xC0002008 + 0x100 * i);
        CHECK_EQ_U64(rd32(f, MAIL1_STA) & STA_FULL, 0);
        if (i == 6) CHECK_EQ_U64(rd32(f, MAIL0_STA), 0);
        if (i == 7) CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_FULL); /* 8 words */
    }
    const char *log = log_end();
    CHECK_STR_CONTAINS(log, "mailbox 0 full");
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_FULL);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ_U64(rd32(f, MAIL0_RD), 0xC0002008 + 0x100 * i); /* oldest first */
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    /* Reading an empty mailbox: 0 and a warning, never a crash. */
    log_begin();
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0);
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0);
    log = log_end();
    CHECK_EQ_U64(count_lines(log, "MAIL0_RD read while mailbox 0 is empty"), 1);
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    fixture_free(f);
}

static void test_other_channels(void) {
    fixture *f = mbox_new();
    /* Channel 3 (VCHIQ doorbell) and 0 (power): logged once each, no reply. */
    log_begin();
    wr32(f, MAIL1_WRT, 0x00003003);
    wr32(f, MAIL1_WRT, 0x00003003);
    wr32(f, MAIL1_WRT, 0x00000000);
    const char *log = log_end();
    CHECK_EQ_U64(count_lines(log, "channel 3 not modelled"), 1);
    CHECK_EQ_U64(count_lines(log, "channel 0 not modelled"), 1);
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    /* Legacy framebuffer (channel 1): {phys w, h, virt w, h, pitch, depth, x, y, base, size}. */
    const uint32_t desc[10] = {320, 240, 320, 240, 0, 16, 0, 0, 0, 0};
    put_words(&f->bus, 0x3000, desc, 10);
    log_begin();
    wr32(f, MAIL1_WRT, 0x40003001);
    log = log_end();
    CHECK_STR_CONTAINS(log, "legacy framebuffer");
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0x00000001);          /* (0 = success) << 4 | channel */
    CHECK_EQ_U64(get_word(&f->bus, 0x3010), 640);         /* pitch: 320 * 2 */
    CHECK_EQ_U64(get_word(&f->bus, 0x3020), 0xC0C00000u); /* carve-out at ARM RAM top */
    CHECK_EQ_U64(get_word(&f->bus, 0x3024), 640 * 240);
    const rpi_fb_state *fb = rpi_firmware_fb(f->state);
    CHECK(fb->allocated);
    CHECK_EQ_U64(fb->base, 0xC00000);
    CHECK_EQ_U64(fb->virt_width, 320);
    /* Unmodelled offsets and read-only registers: warned, harmless. */
    log_begin();
    wr32(f, MAIL0_STA, 0);
    CHECK_EQ_U64(rd32(f, MAIL1_CNF), 0);
    log = log_end();
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    fixture_free(f);
}

static void test_reset_clears_fifo(void) {
    fixture *f = mbox_new();
    put_revision_request(&f->bus, 0x1000);
    wr32(f, MAIL0_CNF, 1);
    wr32(f, MAIL1_WRT, 0xC0001008);
    CHECK(irq_level(&f->irq));
    f->ctx.type->reset(f->state);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
    CHECK_EQ_U64(rd32(f, MAIL0_CNF), 0);
    fixture_free(f);
}

/* ---- the rpi3 machine: wiring to the armctrl and the boot facts ---- */

enum {
    IC_BASIC = 0x3f00b200,
    IC_ENABLE_BASIC = 0x3f00b218,
    LINT_IRQ_SRC0 = 0x40000060,
};

static uint64_t mrd32(machine *m, uint64_t addr) {
    uint64_t v = 0;
    CHECK_EQ_U64(bus_read(machine_bus(m), addr, 4, &v), BUS_OK);
    return v;
}
static void mwr32(machine *m, uint64_t addr, uint64_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(m), addr, 4, v), BUS_OK);
}

static void test_rpi3_machine(void) {
    machine_options opts = {.board = "rpi3"};
    char err[300];
    machine *m = machine_create(&opts, err, sizeof err);
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        CHECK(m != NULL);
        return;
    }
    void *mbox = machine_device_state(m, "mailbox");
    CHECK(mbox != NULL);
    if (!mbox) {
        machine_free(m);
        return;
    }
    rpi_firmware_boot_facts facts = {.cmdline = "console=ttyS1,115200 root=/dev/mmcblk0p2",
                                     .have_serial = true,
                                     .serial = 0x00000000deadbeefull};
    rpi_firmware_set_boot_facts(mbox, &facts);
    /* ARM memory and the command line in one buffer at 0x10000. */
    // clang-format off
    const uint32_t req[] = {
        96, 0,
        0x00010005, 8, 0, 0, 0,                                /* words 2-6: ARM memory */
        0x00050001, 48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 7-21: command line */
        0,                                                     /* 22: end */
        0,                                                     /* pad to 96 bytes */
    };
    // clang-format on
    put_words(machine_bus(m), 0x10000, req, sizeof req / 4);
    mwr32(m, IC_ENABLE_BASIC, 1u << 1); /* Linux unmasks the "ARM mailbox" basic IRQ */
    mwr32(m, BASE + MAIL0_CNF, 1);
    CHECK(!machine_cpu_pin_level(m, 0, false));
    mwr32(m, BASE + MAIL1_WRT, 0xC0010008);
    CHECK_EQ_U64(mrd32(m, IC_BASIC) & 0xFF, 1u << 1);
    CHECK_EQ_U64(mrd32(m, LINT_IRQ_SRC0), 1u << 8); /* the chained armctrl on local hwirq 8 */
    CHECK(machine_cpu_pin_level(m, 0, false));
    CHECK_EQ_U64(mrd32(m, BASE + MAIL0_RD), 0xC0010008);
    CHECK(!machine_cpu_pin_level(m, 0, false));
    CHECK_EQ_U64(mrd32(m, IC_BASIC), 0);
    bus *b = machine_bus(m);
    CHECK_EQ_U64(get_word(b, 0x10004), 0x80000000);
    CHECK_EQ_U64(get_word(b, 0x10010), 0x80000008);
    CHECK_EQ_U64(get_word(b, 0x10014), 0);          /* ARM memory base */
    CHECK_EQ_U64(get_word(b, 0x10018), 0x3b400000); /* gpu_mem=76 */
    char line[49] = {0};
    bus_read_block(b, 0x10000 + 4 * 10, line, 48, err, sizeof err);
    CHECK(strcmp(line, "console=ttyS1,115200 root=/dev/mmcblk0p2") == 0);
    CHECK_EQ_U64(get_word(b, 0x10000 + 4 * 9), 0x80000000u | 41);
    machine_free(m);
}

int main(void) {
    test_reset_state();
    test_property_request_and_irq_level();
    test_fifo_order_full_and_empty();
    test_other_channels();
    test_reset_clears_fifo();
    test_rpi3_machine();
    return check_report("devices_bcm2835_mailbox");
}
