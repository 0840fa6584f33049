/* The Arasan SDHCI at register level, no CPU, driven as Linux's sdhci-iproc drives it: reset,
 * clocks, power, the SD card init sequence (CMD0, 8, 55+41, 2, 3, 9, 7, 16, ACMD6, CMD6), single
 * and multi-block PIO reads and writes (Auto CMD23 and Auto CMD12) against a temp image that
 * never changes, interrupt status/enable/signal masks, responses arriving in virtual time, soft
 * resets, no card while the slot's pins are routed elsewhere or with no card, 32-bit accesses. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "device_fixture.h"
#include "peripherals/sd_card.h"
#include "peripherals/sd_image.h"

enum {
    ARG2 = 0x00,
    BLOCK = 0x04,
    ARG = 0x08,
    COMMAND = 0x0C,
    RESP0 = 0x10,
    RESP3 = 0x1C,
    BUFFER = 0x20,
    PRESENT = 0x24,
    HOST_CTL = 0x28,
    CLOCK = 0x2C,
    INT_STATUS = 0x30,
    INT_ENABLE = 0x34,
    SIGNAL_ENABLE = 0x38,
    CAPS = 0x40,
    VERSION = 0xFC,
};
enum {
    R_NONE = 0x00,
    R_136 = 0x09, /* long + CRC */
    R_48 = 0x1A,  /* short + CRC + index */
    R_48B = 0x1B, /* short + busy */
    R_R3 = 0x02,  /* short, no checks */
    DATA = 0x20,  /* data present */
    TM_BLK_CNT = 0x02,
    TM_ACMD12 = 0x04,
    TM_ACMD23 = 0x08,
    TM_READ = 0x10,
    TM_MULTI = 0x20,
};
enum {
    INT_CMD = 1u << 0,
    INT_XFER = 1u << 1,
    INT_WRITE_READY = 1u << 4,
    INT_READ_READY = 1u << 5,
    INT_INSERT = 1u << 6,
    INT_REMOVE = 1u << 7,
    INT_ERR = 1u << 15,
    INT_CMD_TIMEOUT = 1u << 16,
    INT_ALL = 0x01FF00F3u | INT_INSERT | INT_REMOVE,
    PS_CMD_INHIBIT = 1u << 0,
    PS_DAT_INHIBIT = 1u << 1,
    PS_BUF_WRITE = 1u << 10,
    PS_BUF_READ = 1u << 11,
    PS_CARD = 1u << 16,
};

#define IMAGE_BLOCKS 4096u /* 2 MiB */
static char image_path[] = "/tmp/socemu-sdhci-XXXXXX";
static fixture *f;

static uint8_t pattern(uint64_t offset) {
    return (uint8_t)(offset * 7 + (offset >> 9));
}

static void make_image(void) {
    int fd = mkstemp(image_path);
    CHECK(fd >= 0);
    static uint8_t block[512];
    for (uint32_t b = 0; b < IMAGE_BLOCKS; b++) {
        for (unsigned i = 0; i < 512; i++)
            block[i] = pattern((uint64_t)b * 512 + i);
        CHECK_EQ_U64(write(fd, block, 512), 512);
    }
    close(fd);
}

/* Steps virtual time by 100 ns until one of `mask` is pending (or 10 ms pass); returns the ns
 * that took. */
static uint64_t wait_int(uint32_t mask) {
    uint64_t t0 = vclock_now(&f->clock);
    while (!(rd32(f, INT_STATUS) & mask) && vclock_now(&f->clock) - t0 < 10000000)
        vclock_advance(&f->clock, vclock_now(&f->clock) + 100);
    return vclock_now(&f->clock) - t0;
}

/* Sends a command as sdhci_send_command does (argument, then transfer mode + command in one
 * write) and waits for command complete or an error. Returns INT_STATUS then, acknowledged. */
static uint32_t cmd(unsigned index, uint32_t arg, unsigned flags, unsigned mode) {
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_CMD_INHIBIT, 0);
    wr32(f, ARG, arg);
    wr32(f, COMMAND, (index << 8 | flags) << 16 | mode);
    CHECK(rd32(f, PRESENT) & PS_CMD_INHIBIT); /* the response is still on the wire */
    CHECK_EQ_U64(rd32(f, INT_STATUS) & INT_CMD, 0);
    wait_int(INT_CMD | INT_ERR);
    uint32_t st = rd32(f, INT_STATUS);
    wr32(f, INT_STATUS, st & (INT_CMD | 0xFFFF0000u));
    return st;
}

/* The 136-bit response as Linux rebuilds it (sdhci_read_rsp_136): r[0] = bits 127..96. */
static void resp136(uint32_t r[4]) {
    uint32_t reg[4];
    for (unsigned i = 0; i < 4; i++)
        reg[i] = (uint32_t)rd32(f, RESP0 + 4 * i);
    for (unsigned i = 0; i < 4; i++)
        r[i] = reg[3 - i] << 8 | (i < 3 ? reg[2 - i] >> 24 : 0);
}

static void set_sd_clock(unsigned n) { /* SD clock = 250 MHz / 2n */
    wr32(f, CLOCK, (n & 0xFF) << 8 | ((n >> 8) & 3) << 6 | 0x4 | 0x1 | 0xE0000);
}

static void read_blocks(uint8_t *out, unsigned blocks, unsigned blksz) {
    for (unsigned b = 0; b < blocks; b++) {
        CHECK(wait_int(INT_READ_READY) > 0); /* each block takes time on the data lines */
        CHECK(rd32(f, PRESENT) & PS_BUF_READ);
        wr32(f, INT_STATUS, INT_READ_READY);
        for (unsigned i = 0; i < blksz; i += 4) {
            uint32_t v = (uint32_t)rd32(f, BUFFER);
            memcpy(out + b * blksz + i, &v, 4);
        }
        CHECK_EQ_U64(rd32(f, PRESENT) & PS_BUF_READ, 0);
    }
    wait_int(INT_XFER);
    CHECK_EQ_U64(rd32(f, INT_STATUS) & (INT_XFER | INT_ERR), INT_XFER);
    wr32(f, INT_STATUS, INT_XFER);
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_DAT_INHIBIT, 0);
}

static void write_blocks(const uint8_t *in, unsigned blocks) {
    for (unsigned b = 0; b < blocks; b++) {
        wait_int(INT_WRITE_READY);
        CHECK(rd32(f, PRESENT) & PS_BUF_WRITE);
        wr32(f, INT_STATUS, INT_WRITE_READY);
        for (unsigned i = 0; i < 512; i += 4) {
            uint32_t v;
            memcpy(&v, in + b * 512 + i, 4);
            wr32(f, BUFFER, v);
        }
    }
    wait_int(INT_XFER);
    CHECK_EQ_U64(rd32(f, INT_STATUS) & (INT_XFER | INT_ERR), INT_XFER);
    wr32(f, INT_STATUS, INT_XFER);
}

static bool matches_image(const uint8_t *data, uint64_t first_block, unsigned blocks) {
    for (uint64_t i = 0; i < (uint64_t)blocks * 512; i++)
        if (data[i] != pattern(first_block * 512 + i)) return false;
    return true;
}

static unsigned card_state(void) {
    CHECK_EQ_U64(cmd(13, 0x59B40000, R_48, 0) & INT_ERR, 0);
    return (rd32(f, RESP0) >> 9) & 0xF;
}

static void test_init_sequence(void) {
    CHECK_EQ_U64(rd32(f, VERSION) >> 16, 0x9902);
    CHECK_EQ_U64((rd32(f, CAPS) >> 8) & 0xFF, 250);
    CHECK_EQ_U64(rd32(f, CAPS) & ((1u << 19) | (1u << 22)), 0); /* no ADMA2, no SDMA: PIO */
    wr32(f, CLOCK, 1u << 24);                                   /* reset all: done at once */
    CHECK_EQ_U64(rd32(f, CLOCK) >> 24, 0);
    set_sd_clock(313);                   /* ~400 kHz */
    CHECK_EQ_U64(rd32(f, CLOCK) & 3, 3); /* internal clock enabled and stable */
    wr32(f, HOST_CTL, 0x0F00);           /* 3.3 V, bus power on */
    wr32(f, INT_ENABLE, INT_ALL);
    wr32(f, SIGNAL_ENABLE, INT_ALL);
    CHECK(rd32(f, PRESENT) & PS_CARD);
    CHECK(rd32(f, PRESENT) & (1u << 19)); /* writable */

    CHECK_EQ_U64(cmd(0, 0, R_NONE, 0), INT_CMD);
    CHECK(!irq_level(&f->irq)); /* acknowledged */
    /* At 400 kHz a 48-bit command plus its response takes a few hundred microseconds. */
    wr32(f, ARG, 0x1AA);
    wr32(f, COMMAND, (8u << 8 | R_48) << 16);
    uint64_t ns = wait_int(INT_CMD);
    CHECK(ns >= 200000 && ns <= 400000);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, RESP0), 0x1AA);
    wr32(f, INT_STATUS, INT_CMD);
    CHECK(!irq_level(&f->irq));
    uint32_t ocr = 0;
    for (unsigned i = 0; i < 5 && !(ocr >> 31); i++) {
        CHECK_EQ_U64(cmd(55, 0, R_48, 0) & INT_ERR, 0);
        CHECK_EQ_U64(cmd(41, 0x40FF8000, R_R3, 0) & INT_ERR, 0);
        ocr = (uint32_t)rd32(f, RESP0);
    }
    CHECK_EQ_U64(ocr >> 30, 3); /* powered up, high capacity */
    uint32_t r[4];
    CHECK_EQ_U64(cmd(2, 0, R_136, 0) & INT_ERR, 0);
    resp136(r);
    CHECK_EQ_U64(r[0] >> 24, 0x5E);                                       /* MID */
    CHECK_EQ_U64((r[0] >> 8) & 0xFFFF, 'S' << 8 | 'E');                   /* OID */
    CHECK_EQ_U64(r[1], (uint32_t)'O' << 24 | 'C' << 16 | 'E' << 8 | 'M'); /* PNM "SOCEM" */
    CHECK_EQ_U64(cmd(3, 0, R_48, 0) & INT_ERR, 0);
    CHECK_EQ_U64(rd32(f, RESP0) >> 16, 0x59B4);
    CHECK_EQ_U64(cmd(9, 0x59B40000, R_136, 0) & INT_ERR, 0);
    resp136(r);
    CHECK_EQ_U64(r[0] >> 30, 1);                        /* CSD 2.0 */
    uint32_t c_size = (r[1] & 0x3F) << 16 | r[2] >> 16; /* bits 69:48 */
    CHECK_EQ_U64((uint64_t)(c_size + 1) * 512 * 1024, IMAGE_BLOCKS * 512u);
    /* CMD7 (R1b): command complete, then transfer complete when the busy ends. */
    CHECK_EQ_U64(cmd(7, 0x59B40000, R_48B, 0) & INT_ERR, 0);
    CHECK(rd32(f, PRESENT) & PS_DAT_INHIBIT);
    wait_int(INT_XFER);
    CHECK_EQ_U64(rd32(f, INT_STATUS), INT_XFER);
    wr32(f, INT_STATUS, INT_XFER);
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_DAT_INHIBIT, 0);
    CHECK_EQ_U64(cmd(16, 512, R_48, 0) & INT_ERR, 0);
    CHECK_EQ_U64(cmd(55, 0x59B40000, R_48, 0) & INT_ERR, 0);
    CHECK_EQ_U64(cmd(6, 2, R_48, 0) & INT_ERR, 0); /* ACMD6: 4-bit bus */
    wr32(f, HOST_CTL, 0x0F02);
    /* CMD6 switch to high speed: a 64-byte read. */
    wr32(f, BLOCK, 64 | 1u << 16);
    CHECK_EQ_U64(cmd(6, 0x80FFFFF1, R_48 | DATA, TM_BLK_CNT | TM_READ) & INT_ERR, 0);
    uint8_t status[64];
    read_blocks(status, 1, 64);
    CHECK_EQ_U64(status[16] & 0xF, 1); /* function group 1 switched to high speed */
    set_sd_clock(3);                   /* 41.7 MHz */
    CHECK_EQ_U64(card_state(), 4);     /* tran */
}

static void test_reads(void) {
    static uint8_t data[4 * 512];
    /* Single block 5. */
    wr32(f, BLOCK, 512 | 1u << 16);
    CHECK_EQ_U64(cmd(17, 5, R_48 | DATA, TM_BLK_CNT | TM_READ) & INT_ERR, 0);
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_BUF_READ, 0); /* the block is not there yet */
    CHECK_EQ_U64(rd32(f, BUFFER), 0);                /* reading early gives nothing */
    read_blocks(data, 1, 512);
    CHECK(matches_image(data, 5, 1));
    /* Three blocks from 10 with Auto CMD23 (ARGUMENT2 = count): the block count runs down. */
    wr32(f, ARG2, 3);
    wr32(f, BLOCK, 512 | 3u << 16);
    CHECK_EQ_U64(cmd(18, 10, R_48 | DATA, TM_BLK_CNT | TM_ACMD23 | TM_READ | TM_MULTI) & INT_ERR,
                 0);
    read_blocks(data, 3, 512);
    CHECK(matches_image(data, 10, 3));
    CHECK_EQ_U64(rd32(f, BLOCK) >> 16, 0);
    CHECK_EQ_U64(card_state(), 4);
    /* Two blocks from 4000 with Auto CMD12: its response lands in RESPONSE[3]. */
    wr32(f, BLOCK, 512 | 2u << 16);
    CHECK_EQ_U64(cmd(18, 4000, R_48 | DATA, TM_BLK_CNT | TM_ACMD12 | TM_READ | TM_MULTI) & INT_ERR,
                 0);
    read_blocks(data, 2, 512);
    CHECK(matches_image(data, 4000, 2));
    CHECK_EQ_U64((rd32(f, RESP3) >> 9) & 0xF, 5); /* CMD12 received in the data state */
    CHECK_EQ_U64(card_state(), 4);
}

static void test_writes(void) {
    static uint8_t in[2 * 512], out[2 * 512];
    for (unsigned i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 13 + 1);
    wr32(f, BLOCK, 512 | 1u << 16);
    CHECK_EQ_U64(cmd(24, 7, R_48 | DATA, TM_BLK_CNT) & INT_ERR, 0);
    write_blocks(in, 1);
    wr32(f, ARG2, 2);
    wr32(f, BLOCK, 512 | 2u << 16);
    CHECK_EQ_U64(cmd(25, 20, R_48 | DATA, TM_BLK_CNT | TM_ACMD23 | TM_MULTI) & INT_ERR, 0);
    write_blocks(in, 2);
    CHECK_EQ_U64(card_state(), 4);
    wr32(f, BLOCK, 512 | 1u << 16);
    cmd(17, 7, R_48 | DATA, TM_BLK_CNT | TM_READ);
    read_blocks(out, 1, 512);
    CHECK(memcmp(out, in, 512) == 0);
    wr32(f, ARG2, 2);
    wr32(f, BLOCK, 512 | 2u << 16);
    cmd(18, 20, R_48 | DATA, TM_BLK_CNT | TM_ACMD23 | TM_READ | TM_MULTI);
    read_blocks(out, 2, 512);
    CHECK(memcmp(out, in, sizeof in) == 0);
}

static void test_interrupt_masks_and_resets(void) {
    /* Signal enable off: the status latches, the line stays low. */
    wr32(f, SIGNAL_ENABLE, 0);
    cmd(13, 0x59B40000, R_48, 0);
    wr32(f, ARG, 0x59B40000);
    wr32(f, COMMAND, (13u << 8 | R_48) << 16);
    wait_int(INT_CMD);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, VERSION) & 1, 0); /* no slot interrupt either */
    wr32(f, SIGNAL_ENABLE, INT_ALL);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, VERSION) & 1, 1);
    wr32(f, INT_STATUS, INT_CMD);
    CHECK(!irq_level(&f->irq));
    /* Status enable off: nothing latches. */
    wr32(f, INT_ENABLE, INT_ALL & ~INT_CMD);
    wr32(f, COMMAND, (13u << 8 | R_48) << 16);
    vclock_advance(&f->clock, vclock_now(&f->clock) + 100000);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0);
    wr32(f, INT_ENABLE, INT_ALL);
    /* A DAT-line reset abandons a read: inhibits drop, the card is stopped with CMD12. */
    wr32(f, BLOCK, 512 | 1u << 16);
    cmd(17, 1, R_48 | DATA, TM_BLK_CNT | TM_READ);
    CHECK(rd32(f, PRESENT) & PS_DAT_INHIBIT);
    wr32(f, CLOCK, (rd32(f, CLOCK) & 0xFFFF) | 4u << 24);
    CHECK_EQ_U64(rd32(f, PRESENT) & (PS_DAT_INHIBIT | PS_BUF_READ), 0);
    vclock_advance(&f->clock, vclock_now(&f->clock) + 1000000);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0); /* the abandoned block never arrives */
    CHECK_EQ_U64(cmd(12, 0, R_48B, 0) & INT_ERR, 0);
    wait_int(INT_XFER);
    wr32(f, INT_STATUS, INT_XFER);
    CHECK_EQ_U64(card_state(), 4);
}

/* Pins 48-53 muxed to the sdhost: the card is gone for this controller, and back after. */
static void test_routing(void) {
    irq_line *routed = &f->ctx.irq_in[0];
    irq_set(routed, false);
    CHECK_EQ_U64(rd32(f, INT_STATUS), INT_REMOVE);
    CHECK(irq_level(&f->irq));
    wr32(f, INT_STATUS, INT_REMOVE);
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_CARD, 0);
    CHECK_EQ_U64(cmd(13, 0x59B40000, R_48, 0), INT_ERR | INT_CMD_TIMEOUT);
    CHECK_EQ_U64(rd32(f, PRESENT) & (PS_CMD_INHIBIT | PS_DAT_INHIBIT), 0);
    irq_set(routed, true);
    CHECK_EQ_U64(rd32(f, INT_STATUS), INT_INSERT);
    wr32(f, INT_STATUS, INT_INSERT);
    CHECK(rd32(f, PRESENT) & PS_CARD);
    CHECK_EQ_U64(card_state(), 4); /* the same card, still selected */
}

static void test_accesses(void) {
    uint64_t before = f->bus.unmapped_accesses;
    wr(f, INT_STATUS, 2, 0xFFFF);
    CHECK(f->bus.unmapped_accesses > before);
}

int main(void) {
    make_image();
    char err[300];
    sd_image *img = sd_image_open(image_path, SD_IMAGE_COPY_ON_WRITE, err, sizeof err);
    CHECK(img != NULL);
    if (!img) return check_report("devices_bcm2835_sdhci");
    sd_card *card = sd_card_new(img);
    struct stat before;
    CHECK_EQ_U64(stat(image_path, &before), 0);

    /* No card at all: a response-expecting command times out, CMD0 completes. */
    f = fixture_new("bcm2835-sdhci", 0x3F300000, NULL);
    wr32(f, CLOCK, 1);
    wr32(f, INT_ENABLE, INT_ALL);
    wr32(f, SIGNAL_ENABLE, INT_ALL);
    CHECK_EQ_U64(rd32(f, PRESENT) & PS_CARD, 0);
    CHECK_EQ_U64(cmd(8, 0x1AA, R_48, 0), INT_ERR | INT_CMD_TIMEOUT);
    CHECK_EQ_U64(cmd(0, 0, R_NONE, 0), INT_CMD);
    fixture_free(f);

    f = fixture_new("bcm2835-sdhci", 0x3F300000, NULL);
    const dev_type *t = f->ctx.type;
    irq_line_init(&f->ctx.irq_in[0], "routed", t->irq_input, f->state, 0);
    f->ctx.irq_in[0].level = true; /* pulled up, as realize leaves it */
    f->ctx.sd_card = card;
    t->reset(f->state); /* as the machine does: the card is there before reset */
    test_init_sequence();
    test_reads();
    test_writes();
    test_interrupt_masks_and_resets();
    test_routing();
    test_accesses();
    fixture_free(f);

    sd_card_free(card);
    sd_image_close(img);
    struct stat after;
    CHECK_EQ_U64(stat(image_path, &after), 0);
    CHECK_EQ_U64(after.st_size, before.st_size);
    CHECK_EQ_U64(after.st_mtime, before.st_mtime); /* copy-on-write: the file is untouched */
    unlink(image_path);
    return check_report("devices_bcm2835_sdhci");
}
