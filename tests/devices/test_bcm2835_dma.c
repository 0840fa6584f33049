/* BCM2835 DMA at register level, no CPU: memory-to-memory copies from control blocks in RAM,
 * chaining, END/INT and the channel IRQ, CONBLK_AD == 0 at completion (how Linux's
 * bcm2835-dma detects it), INT|ACTIVE acknowledgement not restarting an idle channel, reset,
 * the lite channels' DEBUG bit, INT_STATUS/ENABLE, bad control blocks, DREQ pacing. */
#include "check.h"
#include "device_fixture.h"

enum {
    CS = 0x00,
    CONBLK = 0x04,
    TI = 0x08,
    SRC = 0x0C,
    DST = 0x10,
    LEN = 0x14,
    NEXT = 0x1C,
    DEBUG = 0x20,
    INT_STATUS = 0xFE0,
    ENABLE = 0xFF0,
};
enum { ACTIVE = 1, END = 2, INT = 4, PAUSED = 1u << 4, ERROR = 1u << 8, RESET = 1u << 31 };
enum {
    TI_INTEN = 1,
    TI_D_INC = 1u << 4,
    TI_D_DREQ = 1u << 6,
    TI_S_INC = 1u << 8,
    TI_S_IGNORE = 1u << 11
};

#define BUS 0xC0000000u
static fixture *f;
static uint8_t *ram;
static irq_line lines[16];

static void put_cb(uint32_t at, uint32_t ti, uint32_t src, uint32_t dst, uint32_t len,
                   uint32_t next) {
    uint32_t cb[8] = {ti, src, dst, len, 0, next, 0, 0};
    memcpy(ram + at, cb, sizeof cb);
}

static void run(uint64_t ns) {
    vclock_advance(&f->clock, vclock_now(&f->clock) + ns);
}

static void test_reset_state(void) {
    for (unsigned n = 0; n < 15; n++) {
        CHECK_EQ_U64(rd32(f, 0x100 * n + CS), 0);
        CHECK_EQ_U64(rd32(f, 0x100 * n + CONBLK), 0);
        CHECK_EQ_U64(rd32(f, 0x100 * n + DEBUG) >> 28 & 1, n >= 7); /* lite channels 7-14 */
    }
    CHECK_EQ_U64(rd32(f, ENABLE), 0x7FFF);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0);
}

static void test_chained_copy(void) {
    for (unsigned i = 0; i < 0x3000; i++)
        ram[0x10000 + i] = (uint8_t)(i * 7 + 1);
    memset(ram + 0x20000, 0, 0x4000);
    /* Block 1: 0x2000 bytes, no interrupt; block 2: 100 bytes (not a word multiple), INTEN. */
    put_cb(0x100, TI_S_INC | TI_D_INC, BUS | 0x10000, BUS | 0x20000, 0x2000, BUS | 0x120);
    put_cb(0x120, TI_S_INC | TI_D_INC | TI_INTEN, BUS | 0x12000, BUS | 0x23000, 100, 0);
    wr32(f, 0x100 * 2 + CONBLK, BUS | 0x100);
    wr32(f, 0x100 * 2 + CS, ACTIVE);
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + CS) & ACTIVE, ACTIVE);
    CHECK_EQ_U64(ram[0x20000], 0); /* runs in virtual time, not inside the register write */
    run(10000);
    CHECK(memcmp(ram + 0x20000, ram + 0x10000, 0x2000) == 0);
    CHECK(memcmp(ram + 0x23000, ram + 0x12000, 100) == 0);
    CHECK_EQ_U64(ram[0x23000 + 100], 0);
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + CONBLK), 0);
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + CS) & 0x1FF, END | INT);
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + TI), TI_S_INC | TI_D_INC | TI_INTEN); /* last block */
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + LEN), 0);
    CHECK(irq_level(&lines[2]));
    CHECK(!irq_level(&lines[0]));
    CHECK(irq_level(&lines[15])); /* "all" */
    CHECK_EQ_U64(rd32(f, INT_STATUS), 1u << 2);
    /* The IRQ handler's acknowledgement: INT|ACTIVE on a finished channel stays idle. */
    memset(ram + 0x20000, 0, 0x4000);
    wr32(f, 0x100 * 2 + CS, INT | ACTIVE);
    run(10000);
    CHECK(!irq_level(&lines[2]));
    CHECK(!irq_level(&lines[15]));
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + CS) & (ACTIVE | INT), 0);
    CHECK_EQ_U64(ram[0x20000], 0);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0);
    /* END is W1C. */
    wr32(f, 0x100 * 2 + CS, END);
    CHECK_EQ_U64(rd32(f, 0x100 * 2 + CS) & END, 0);
}

static void test_pause_and_reset(void) {
    put_cb(0x200, TI_S_INC | TI_D_INC | TI_INTEN, BUS | 0x10000, BUS | 0x30000, 64, 0);
    wr32(f, CONBLK, BUS | 0x200);
    wr32(f, CS, ACTIVE);
    wr32(f, CS, 0);                           /* pause before it ran (Linux's terminate) */
    CHECK_EQ_U64(rd32(f, CS) & (1u << 6), 0); /* no outstanding writes */
    CHECK(rd32(f, CS) & PAUSED);
    run(10000);
    CHECK_EQ_U64(ram[0x30000], 0);
    CHECK(!irq_level(&f->irq));
    wr32(f, CS, RESET);
    CHECK_EQ_U64(rd32(f, CS), 0);
    CHECK_EQ_U64(rd32(f, CONBLK), 0);
    CHECK_EQ_U64(rd32(f, TI), 0);
    run(10000);
    CHECK_EQ_U64(ram[0x30000], 0);
    /* S_IGNORE fills with zeros; channel 0 drives the fixture's line. */
    memset(ram + 0x30000, 0xFF, 32);
    put_cb(0x200, TI_D_INC | TI_S_IGNORE | TI_INTEN, 0, BUS | 0x30000, 16, 0);
    wr32(f, CONBLK, BUS | 0x200);
    wr32(f, CS, ACTIVE);
    run(10000);
    CHECK_EQ_U64(ram[0x30000], 0);
    CHECK_EQ_U64(ram[0x3000F], 0);
    CHECK_EQ_U64(ram[0x30010], 0xFF);
    CHECK(irq_level(&f->irq));
    wr32(f, CS, INT);
    CHECK(!irq_level(&f->irq));
}

static void test_bad_control_block(void) {
    wr32(f, 0x100 * 3 + CONBLK, 0x7E00B000); /* a peripheral, not RAM */
    wr32(f, 0x100 * 3 + CS, ACTIVE);
    run(10000);
    CHECK(rd32(f, 0x100 * 3 + CS) & ERROR);
    CHECK_EQ_U64(rd32(f, 0x100 * 3 + CS) & ACTIVE, 0);
    CHECK(rd32(f, 0x100 * 3 + DEBUG) & 4);
    wr32(f, 0x100 * 3 + CS, RESET);
    CHECK_EQ_U64(rd32(f, 0x100 * 3 + CS), 0);
}

/* DREQ pacing: a transfer to a peripheral on DREQ 5 waits while the line is low. The "peripheral"
 * is RAM here (bus addresses outside 0x7E...), the DREQ driven by hand. */
static void test_dreq_pacing(void) {
    put_cb(0x300, TI_S_INC | TI_D_INC | TI_D_DREQ | (5u << 16) | TI_INTEN, BUS | 0x10000,
           BUS | 0x38000, 64, 0);
    memset(ram + 0x38000, 0, 64);
    wr32(f, 0x100 * 4 + CONBLK, BUS | 0x300);
    wr32(f, 0x100 * 4 + CS, ACTIVE);
    run(10000);
    CHECK_EQ_U64(ram[0x38000], 0);
    CHECK_EQ_U64(rd32(f, 0x100 * 4 + LEN), 64);
    CHECK_EQ_U64(rd32(f, 0x100 * 4 + CS) & (1u << 3), 0); /* CS.DREQ shows the line */
    irq_set(&f->ctx.irq_in[5], true);
    CHECK_EQ_U64(ram[0x38000], 0); /* the rise schedules, it does not run inside the handler */
    run(10000);
    CHECK(memcmp(ram + 0x38000, ram + 0x10000, 64) == 0);
    CHECK_EQ_U64(rd32(f, 0x100 * 4 + CONBLK), 0);
    CHECK(irq_level(&lines[4]));
    /* A disabled channel (ENABLE bit clear) does not run. */
    wr32(f, 0x100 * 4 + CS, INT);
    wr32(f, ENABLE, 0x7FFF & ~(1u << 4));
    memset(ram + 0x38000, 0, 64);
    wr32(f, 0x100 * 4 + CONBLK, BUS | 0x300);
    wr32(f, 0x100 * 4 + CS, ACTIVE);
    run(10000);
    CHECK_EQ_U64(ram[0x38000], 0);
    wr32(f, ENABLE, 0x7FFF);
    run(10000);
    CHECK(memcmp(ram + 0x38000, ram + 0x10000, 64) == 0);
}

/* A 1 MiB copy runs in bursts over virtual time and completes. */
static void test_long_copy(void) {
    put_cb(0x400, TI_S_INC | TI_D_INC | TI_INTEN, BUS | 0x100000, BUS | 0x300000, 0x100000, 0);
    for (unsigned i = 0; i < 0x100000; i += 4097)
        ram[0x100000 + i] = (uint8_t)i | 1;
    wr32(f, 0x100 * 5 + CONBLK, BUS | 0x400);
    wr32(f, 0x100 * 5 + CS, ACTIVE);
    run(1000);
    CHECK(rd32(f, 0x100 * 5 + CONBLK) != 0); /* not done after 1 us */
    run(10000000);
    CHECK_EQ_U64(rd32(f, 0x100 * 5 + CONBLK), 0);
    CHECK(memcmp(ram + 0x300000, ram + 0x100000, 0x100000) == 0);
}

int main(void) {
    f = fixture_new("bcm2835-dma", 0x3F007000, NULL);
    char err[200];
    if (bus_add_ram(&f->bus, "ram", 0, 8 * 1024 * 1024, NULL, err, sizeof err) < 0) return 1;
    uint64_t avail;
    ram = bus_ram_ptr(&f->bus, 0, true, &avail);
    for (unsigned i = 1; i < 16; i++) {
        irq_line_init(&lines[i], "dma", NULL, NULL, (int)i);
        f->ctx.irq_out[i] = &lines[i];
    }
    for (unsigned n = 0; n < f->ctx.type->n_irq_inputs; n++)
        irq_line_init(&f->ctx.irq_in[n], "dreq", f->ctx.type->irq_input, f->state, (int)n);
    test_reset_state();
    test_chained_copy();
    test_pause_and_reset();
    test_bad_control_block();
    test_dreq_pacing();
    test_long_copy();
    fixture_free(f);
    return check_report("devices_bcm2835_dma");
}
