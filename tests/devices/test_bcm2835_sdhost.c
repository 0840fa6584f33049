/* The SD card path at register level, no CPU: the sdhost driven exactly as Linux's
 * drivers/mmc/host/bcm2835.c drives it (card init, PIO single-block reads, multi-block DMA reads
 * through a control block in RAM on DREQ 13 with the 3-word PIO tail, PIO and DMA writes, CMD12
 * busy interrupts), the copy-on-write image (the file never changes), and an empty slot. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sd_rig.h"

enum {
    SDCMD = 0x00,
    SDARG = 0x04,
    SDRSP0 = 0x10,
    SDRSP1 = 0x14,
    SDRSP2 = 0x18,
    SDRSP3 = 0x1C,
    SDCDIV = 0x0C,
    SDHSTS = 0x20,
    SDVDD = 0x30,
    SDEDM = 0x34,
    SDHCFG = 0x38,
    SDHBCT = 0x3C,
    SDDATA = 0x40,
    SDHBLC = 0x50,
};
enum {
    READ = 1u << 6,
    WRITE = 1u << 7,
    LONG = 1u << 9,
    NO_RESP = 1u << 10,
    BUSY = 1u << 11,
    FAIL = 1u << 14,
    NEW = 1u << 15,
};
enum {
    HSTS_DATA = 1u << 0,
    HSTS_CMD_TIMEOUT = 1u << 6,
    HSTS_BLOCK = 1u << 9,
    HSTS_BUSY = 1u << 10,
    HSTS_ERRORS = 0xF8,
    HCFG_DATA_EN = 1u << 4,
    HCFG_BLOCK_EN = 1u << 8,
    HCFG_BUSY_EN = 1u << 10,
    HCFG_WIDE_INT = 1u << 1,
    HCFG_WIDE_EXT = 1u << 2,
    HCFG_SLOW = 1u << 3,
    HCFG_MODE = HCFG_WIDE_INT | HCFG_WIDE_EXT | HCFG_SLOW, /* after ACMD6: a 4-bit bus */
};
/* 250 MHz / (3 + 2) = 50 MHz, Linux's choice for a high-speed card. A 512-byte block on a 4-bit
 * bus: start + 1024 data + 16 CRC + end clocks = 1042 clocks = 20.84 us. */
enum { CDIV_50MHZ = 3, BLOCK_NS = 20840, NAC_NS = 56 * 20 };
enum { DMA_CS = 0x00, DMA_CONBLK = 0x04, DMA_TXFR_LEN = 0x14 };
enum {
    TI_INTEN = 1,
    TI_WAIT_RESP = 1u << 3,
    TI_D_INC = 1u << 4,
    TI_D_DREQ = 1u << 6,
    TI_S_INC = 1u << 8,
    TI_S_DREQ = 1u << 10,
    TI_PERMAP_SDHOST = 13u << 16
};

#define IMAGE_SIZE (3u * 512u * 1024u + 1000u) /* not a power of two, not block aligned */
#define BUS_RAM    0xC0000000u                 /* how Linux hands buffers to the DMA */

static rig *r;
static char image_path[256];
static uint8_t *image; /* the file's bytes as generated */

static uint8_t pattern(uint64_t i) {
    return (uint8_t)(((i * 2654435761u) >> 13) ^ (i >> 9));
}

static uint32_t sd(uint32_t off) {
    return rig_rd(r, RIG_SDHOST + off);
}
static void sd_wr(uint32_t off, uint32_t v) {
    rig_wr(r, RIG_SDHOST + off, v);
}

/* A command as bcm2835_send_command + bcm2835_finish_command issue it; returns SDCMD after. */
static uint32_t cmd(unsigned opcode, uint32_t arg, uint32_t flags) {
    CHECK_EQ_U64(sd(SDCMD) & NEW, 0);
    uint32_t h = sd(SDHSTS);
    if (h & HSTS_ERRORS) sd_wr(SDHSTS, h);
    sd_wr(SDARG, arg);
    sd_wr(SDCMD, opcode | flags | NEW);
    uint32_t c = sd(SDCMD);
    CHECK_EQ_U64(c & NEW, 0); /* complete at the first poll */
    return c;
}

static unsigned fsm(void) {
    return sd(SDEDM) & 0xF;
}
static unsigned fifo_count(void) {
    return (sd(SDEDM) >> 4) & 0x1F;
}
static unsigned card_state(uint32_t rca) {
    uint32_t c = cmd(13, rca << 16, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    return (sd(SDRSP0) >> 9) & 0xF;
}

static uint8_t crc7(const uint8_t *d, size_t n) {
    uint8_t crc = 0;
    for (size_t i = 0; i < n; i++)
        for (int b = 7; b >= 0; b--) {
            unsigned fb = ((d[i] >> b) & 1) ^ ((crc >> 6) & 1);
            crc = (uint8_t)((crc << 1) & 0x7F);
            if (fb) crc ^= 0x09;
        }
    return crc;
}

/* The PIO read loop of bcm2835_transfer_block_pio: EDM count words at a time. */
static void pio_read(uint8_t *out, size_t len) {
    size_t words = len / 4, done = 0;
    unsigned spins = 0;
    while (done < words && spins < 1000) {
        unsigned n = fifo_count();
        if (n == 0) {
            spins++;
            rig_run(r, 1000); /* the driver's ndelay while the FIFO fills */
            continue;
        }
        CHECK_EQ_U64(fsm(), 2); /* READDATA while data is pending */
        for (unsigned i = 0; i < n && done < words; i++, done++) {
            uint32_t w = sd(SDDATA);
            memcpy(out + 4 * done, &w, 4);
        }
    }
    CHECK_EQ_U64(done, words);
}

static void pio_write(const uint8_t *in, size_t len) {
    for (size_t i = 0; i < len; i += 4) {
        for (unsigned spins = 0; spins < 1000 && fifo_count() == 16; spins++)
            rig_run(r, 1000);         /* the card is taking the previous block */
        CHECK(16 - fifo_count() > 0); /* room */
        uint32_t w;
        memcpy(&w, in + i, 4);
        sd_wr(SDDATA, w);
    }
}

static void make_image(void) {
    snprintf(image_path, sizeof image_path, "/tmp/socemu-sdhost-test-%d.img", (int)getpid());
    image = malloc(IMAGE_SIZE);
    for (uint64_t i = 0; i < IMAGE_SIZE; i++)
        image[i] = pattern(i);
    FILE *f = fopen(image_path, "wb");
    CHECK(f != NULL);
    fwrite(image, 1, IMAGE_SIZE, f);
    fclose(f);
    chmod(image_path, 0444); /* the emulator needs no write permission */
}

static uint32_t rca;

/* Host reset + the mmc core's SD init sequence (mmc_rescan_try_freq / mmc_sd_init_card). */
static void test_init_sequence(void) {
    /* bcm2835_reset_internal */
    sd_wr(SDVDD, 0);
    sd_wr(SDCMD, 0);
    sd_wr(SDARG, 0);
    sd_wr(SDHSTS, 0x7F8);
    sd_wr(SDHCFG, 0);
    sd_wr(SDHBCT, 0);
    sd_wr(SDHBLC, 0);
    uint32_t edm = sd(SDEDM);
    edm = (edm & ~((0x1Fu << 14) | (0x1Fu << 9))) | (4u << 14) | (4u << 9);
    sd_wr(SDEDM, edm);
    CHECK_EQ_U64(sd(SDEDM) & ~0xFu, (4u << 14) | (4u << 9)); /* thresholds read back */
    sd_wr(SDVDD, 1);
    sd_wr(SDHCFG, HCFG_BUSY_EN | HCFG_MODE);
    CHECK_EQ_U64(fsm(), 0); /* ident mode */

    /* SDIO probe first: CMD52 and CMD5 are not for a memory card -> command timeout. */
    uint32_t c = cmd(0, 0, NO_RESP);
    CHECK_EQ_U64(c & FAIL, 0);
    c = cmd(8, 0x1AA, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK_EQ_U64(sd(SDRSP0), 0x1AA); /* R7 echo */
    c = cmd(5, 0, 0);
    CHECK(c & FAIL);
    CHECK(sd(SDHSTS) & HSTS_CMD_TIMEOUT);
    sd_wr(SDHSTS, HSTS_ERRORS); /* finish_command clears the errors (W1C) */
    CHECK_EQ_U64(sd(SDHSTS) & HSTS_CMD_TIMEOUT, 0);

    /* ACMD41: inquiry, then poll until the busy bit says power-up is done. */
    c = cmd(55, 0, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK(sd(SDRSP0) & (1u << 5));  /* APP_CMD */
    CHECK(sd(SDRSP0) & (1u << 22)); /* ILLEGAL_COMMAND: the CMD5 before, reported once */
    cmd(41, 0, 0);
    CHECK_EQ_U64(sd(SDRSP0), 0x00FF8000);
    unsigned polls = 0;
    uint32_t ocr = 0;
    do {
        cmd(55, 0, 0);
        CHECK_EQ_U64(sd(SDRSP0) & (1u << 22), 0);
        c = cmd(41, 0x40FF8000, 0);
        CHECK_EQ_U64(c & FAIL, 0);
        ocr = sd(SDRSP0);
    } while (!(ocr & (1u << 31)) && ++polls < 10);
    CHECK_EQ_U64(polls, 1);  /* ready at the second poll */
    CHECK(ocr & (1u << 30)); /* CCS: high capacity */

    /* CMD2: R2 with the CID in SDRSP3..0, bits 127..0 unshifted (CRC7 and end bit in SDRSP0). */
    c = cmd(2, 0, LONG);
    CHECK_EQ_U64(c & FAIL, 0);
    uint32_t cid[4] = {sd(SDRSP3), sd(SDRSP2), sd(SDRSP1), sd(SDRSP0)};
    uint8_t cb[16];
    for (unsigned i = 0; i < 16; i++)
        cb[i] = (uint8_t)(cid[i / 4] >> (24 - 8 * (i % 4)));
    CHECK_EQ_U64(cb[0], 0x5E);               /* MID */
    CHECK(memcmp(&cb[3], "SOCEM", 5) == 0);  /* product name */
    CHECK_EQ_U64(cb[15] & 1, 1);             /* end bit */
    CHECK_EQ_U64(cb[15] >> 1, crc7(cb, 15)); /* CRC7 over bits 127..8 */

    c = cmd(3, 0, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    rca = sd(SDRSP0) >> 16;
    CHECK(rca != 0);
    CHECK_EQ_U64((sd(SDRSP0) >> 9) & 0xF, 2); /* R6 status: was in ident */

    /* CMD9: CSD v2 with C_SIZE = image size rounded up to 512 KiB, minus one. */
    c = cmd(9, rca << 16, LONG);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK_EQ_U64(sd(SDRSP3) >> 30, 1); /* CSD_STRUCTURE 1 = version 2.0 */
    uint32_t c_size = ((sd(SDRSP2) & 0x3F) << 16) | (sd(SDRSP1) >> 16);
    CHECK_EQ_U64(c_size, 3);                   /* 1.5 MiB + 1000 bytes -> 2 MiB = 4 units */
    CHECK_EQ_U64((sd(SDRSP2) >> 16) & 0xF, 9); /* READ_BL_LEN 512 */
    CHECK_EQ_U64(sd(SDRSP0) & 1, 1);
    /* CMD9 to another RCA: no response. */
    CHECK(cmd(9, (rca + 1) << 16, LONG) & FAIL);

    c = cmd(7, rca << 16, 0); /* select: R1, stby -> tran */
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK_EQ_U64((sd(SDRSP0) >> 9) & 0xF, 3);
    CHECK_EQ_U64(fsm(), 1); /* data mode */

    /* ACMD51: the SCR by PIO (8 bytes). */
    cmd(55, rca << 16, 0);
    sd_wr(SDHCFG, HCFG_DATA_EN | HCFG_BUSY_EN | HCFG_MODE);
    sd_wr(SDHBCT, 8);
    sd_wr(SDHBLC, 1);
    CHECK(!irq_level(&r->sdhost_irq));
    c = cmd(51, 0, READ);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK_EQ_U64(fifo_count(), 0); /* on the bus, at the identification clock (~490 kHz) */
    for (unsigned i = 0; i < 1000 && !fifo_count(); i++)
        rig_run(r, 1000);
    CHECK(irq_level(&r->sdhost_irq)); /* DATA_FLAG & DATA_IRPT_EN */
    CHECK_EQ_U64(fifo_count(), 2);
    uint8_t scr[8];
    pio_read(scr, 8);
    CHECK_EQ_U64(scr[0], 0x02);        /* SCR structure 0, SD spec 2 (3.0x with SD_SPEC3) */
    CHECK_EQ_U64(scr[1] & 0x0F, 0x05); /* 1- and 4-bit bus */
    CHECK_EQ_U64(scr[2] & 0x80, 0x80); /* SD_SPEC3 */
    CHECK_EQ_U64(scr[3] & 0x02, 0x02); /* CMD23 supported */
    CHECK(!irq_level(&r->sdhost_irq));
    CHECK_EQ_U64(fsm(), 1);
    sd_wr(SDHCFG, HCFG_BUSY_EN | HCFG_MODE);

    /* ACMD6: 4-bit bus; ACMD13 then reports it. */
    cmd(55, rca << 16, 0);
    c = cmd(6, 2, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    cmd(55, rca << 16, 0);
    sd_wr(SDHBCT, 64);
    sd_wr(SDHBLC, 1);
    cmd(13, 0, READ);
    uint8_t ssr[64];
    pio_read(ssr, 64);
    CHECK_EQ_U64(ssr[0] >> 6, 2);  /* DAT_BUS_WIDTH 4 */
    CHECK_EQ_U64(ssr[10] >> 4, 9); /* AU_SIZE 4 MiB */

    /* CMD6: query then switch to high speed. */
    uint8_t sw[64];
    cmd(6, 0x00FFFFF1, READ);
    pio_read(sw, 64);
    CHECK(sw[13] & 0x02);          /* group 1 supports high speed */
    CHECK_EQ_U64(sw[16] & 0xF, 1); /* check mode: would select it */
    cmd(6, 0x80FFFFF1, READ);
    pio_read(sw, 64);
    CHECK_EQ_U64(sw[16] & 0xF, 1); /* switched */

    c = cmd(16, 512, 0);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK_EQ_U64(card_state(rca), 4); /* tran */
}

/* bcm2835 PIO path: 1 block, DATA_IRPT_EN, driver reads EDM count words per pass. */
static void read_block_pio(uint32_t block, uint8_t *out) {
    sd_wr(SDHCFG, HCFG_DATA_EN | HCFG_BUSY_EN | HCFG_MODE);
    sd_wr(SDHBCT, 512);
    sd_wr(SDHBLC, 1);
    uint32_t c = cmd(17, block, READ);
    CHECK_EQ_U64(c & FAIL, 0);
    /* The block is on the bus for 20.84 us: nothing in the FIFO before it is over. */
    CHECK(!irq_level(&r->sdhost_irq));
    CHECK_EQ_U64(fifo_count(), 0);
    CHECK_EQ_U64(fsm(), 2);
    rig_run(r, NAC_NS + BLOCK_NS - 100);
    CHECK_EQ_U64(fifo_count(), 0);
    rig_run(r, 100);
    CHECK(irq_level(&r->sdhost_irq));
    CHECK_EQ_U64(fifo_count(), 16);
    pio_read(out, 512);
    sd_wr(SDHCFG, HCFG_BUSY_EN | HCFG_MODE); /* finish_data */
    CHECK(!irq_level(&r->sdhost_irq));
    CHECK_EQ_U64(fsm(), 1);
}

static void test_pio_read(void) {
    uint8_t buf[512];
    read_block_pio(0, buf);
    CHECK(memcmp(buf, image, 512) == 0);
    CHECK_EQ_U64(card_state(rca), 4); /* back in tran after one block */
    /* The last block of the file is partial: file bytes, then zeros. */
    uint32_t last = IMAGE_SIZE / 512;
    read_block_pio(last, buf);
    CHECK(memcmp(buf, image + last * 512, IMAGE_SIZE % 512) == 0);
    CHECK_EQ_U64(buf[IMAGE_SIZE % 512], 0);
    CHECK_EQ_U64(buf[511], 0);
    /* Past the card's capacity: OUT_OF_RANGE in the response, no data phase. */
    uint32_t c = cmd(17, 4096, READ);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK(sd(SDRSP0) & (1u << 31));
    cmd(12, 0, BUSY);
    sd_wr(SDHSTS, HSTS_BUSY);
}

/* bcm2835_prepare_dma for a read of n blocks from `block`: one control block, trimmed by 12
 * bytes; CMD23 first (use_sbc); after the DMA callback the 3-word drain reads SDDATA while the
 * EDM count is non-zero. */
static uint64_t read_blocks_dma(uint32_t block, uint32_t n, uint32_t ram, bool use_cmd23) {
    const uint32_t cb_addr = 0x1000;
    uint32_t len = n * 512 - 12;
    uint32_t cb[8] = {TI_INTEN | TI_WAIT_RESP | TI_D_INC | TI_S_DREQ | TI_PERMAP_SDHOST,
                      0x7E202040,
                      BUS_RAM | ram,
                      len,
                      0,
                      0,
                      0,
                      0};
    memcpy(r->ram + cb_addr, cb, sizeof cb);
    memset(r->ram + ram, 0xEE, n * 512 + 16);
    sd_wr(SDHCFG, HCFG_BUSY_EN | HCFG_MODE); /* DMA: busy only */
    if (use_cmd23) CHECK_EQ_U64(cmd(23, n, 0) & FAIL, 0);
    sd_wr(SDHBCT, 512);
    sd_wr(SDHBLC, n);
    uint32_t c = cmd(18, block, READ);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK(!irq_level(&r->sdhost_irq)); /* no DATA_IRPT_EN */
    /* bcm2835_dma_start_desc */
    uint64_t start = vclock_now(&r->clock);
    rig_wr(r, RIG_DMA + DMA_CONBLK, BUS_RAM | cb_addr);
    rig_wr(r, RIG_DMA + DMA_CS, 1);
    CHECK(rig_rd(r, RIG_DMA + DMA_CONBLK) != 0);
    for (unsigned i = 0; i < 100000 && rig_rd(r, RIG_DMA + DMA_CONBLK) != 0; i++)
        rig_run(r, 100);
    uint64_t took = vclock_now(&r->clock) - start;
    CHECK_EQ_U64(rig_rd(r, RIG_DMA + DMA_CONBLK), 0); /* completion as Linux detects it */
    CHECK_EQ_U64(rig_rd(r, RIG_DMA + DMA_CS) & 7, 6); /* END | INT, not ACTIVE */
    CHECK_EQ_U64(rig_rd(r, RIG_DMA + DMA_TXFR_LEN), 0);
    CHECK(irq_level(&r->dma_irq[0]));
    rig_wr(r, RIG_DMA + DMA_CS, 4 | 1); /* the IRQ handler's INT|ACTIVE */
    CHECK(!irq_level(&r->dma_irq[0]));
    /* The tail: 3 words left in the FIFO for the CPU. */
    CHECK_EQ_U64(fifo_count(), 3);
    CHECK_EQ_U64(fsm(), 2);
    for (unsigned i = 0; i < 3; i++) {
        if (fifo_count()) {
            uint32_t w = sd(SDDATA);
            memcpy(r->ram + ram + len + 4 * i, &w, 4);
        }
    }
    CHECK_EQ_U64(fifo_count(), 0);
    CHECK_EQ_U64(fsm(), 1); /* wait_transfer_complete sees data mode */
    if (!use_cmd23) {
        c = cmd(12, 0, BUSY);
        CHECK_EQ_U64(c & FAIL, 0);
        CHECK(sd(SDHSTS) & HSTS_BUSY);
        CHECK(irq_level(&r->sdhost_irq)); /* R1b completes on BUSY_IRPT */
        sd_wr(SDHSTS, HSTS_BUSY | HSTS_BLOCK | HSTS_DATA);
        CHECK(!irq_level(&r->sdhost_irq));
    }
    CHECK_EQ_U64(card_state(rca), 4);
    return took;
}

/* Guest-visible speed: 64 blocks by DMA take their time on the bus (a real Pi 3 reads 20-23
 * MB/s), and a slower clock or a 1-bit bus is slower in proportion. */
static void test_read_timing(void) {
    uint64_t took = read_blocks_dma(0, 64, 0x10000, true);
    CHECK(memcmp(r->ram + 0x10000, image, 64 * 512) == 0);
    CHECK(took >= NAC_NS + 64ull * BLOCK_NS);
    CHECK(took <= NAC_NS + 64ull * BLOCK_NS + 1000);
    double mb_s = 64 * 512 / (double)took * 1e3;
    CHECK(mb_s > 20 && mb_s < 25);
    /* 25 MHz (CDIV 8): twice the time per block. */
    sd_wr(SDCDIV, 8);
    took = read_blocks_dma(0, 16, 0x10000, true);
    CHECK(took >= 2 * (NAC_NS + 16ull * BLOCK_NS) &&
          took <= 2 * (NAC_NS + 16ull * BLOCK_NS) + 1000);
    sd_wr(SDCDIV, CDIV_50MHZ);
}

static void test_dma_read(void) {
    read_blocks_dma(1, 8, 0x10000, true);
    CHECK(memcmp(r->ram + 0x10000, image + 512, 8 * 512) == 0);
    read_blocks_dma(100, 32, 0x20000, false); /* open-ended + CMD12 */
    CHECK(memcmp(r->ram + 0x20000, image + 100 * 512, 32 * 512) == 0);
    CHECK_EQ_U64(r->ram[0x20000 + 32 * 512], 0xEE); /* nothing past the buffer */
}

static void file_snapshot(uint8_t *buf, struct stat *st) {
    FILE *f = fopen(image_path, "rb");
    CHECK(f != NULL);
    CHECK_EQ_U64(fread(buf, 1, IMAGE_SIZE + 1, f), IMAGE_SIZE);
    fclose(f);
    stat(image_path, st);
}

static void test_writes(void) {
    static uint8_t before[IMAGE_SIZE + 1], after[IMAGE_SIZE + 1];
    struct stat st_before, st_after;
    file_snapshot(before, &st_before);

    /* PIO single-block write of block 2: DATA irq, then the block interrupt. */
    uint8_t data[4 * 512];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(0xA5 ^ i ^ (i >> 8));
    sd_wr(SDHCFG, HCFG_DATA_EN | HCFG_BUSY_EN | HCFG_MODE);
    sd_wr(SDHBCT, 512);
    sd_wr(SDHBLC, 1);
    uint32_t c = cmd(24, 2, WRITE);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK(irq_level(&r->sdhost_irq)); /* room in the FIFO */
    CHECK_EQ_U64(fsm(), 3);           /* WRITEDATA */
    sd_wr(SDHCFG, HCFG_BLOCK_EN | HCFG_BUSY_EN | HCFG_MODE);
    CHECK(!irq_level(&r->sdhost_irq));
    pio_write(data, 512);
    CHECK(sd(SDHSTS) & HSTS_BLOCK);
    CHECK(irq_level(&r->sdhost_irq));
    sd_wr(SDHSTS, HSTS_BUSY | HSTS_BLOCK | HSTS_DATA);
    CHECK(!irq_level(&r->sdhost_irq));
    CHECK_EQ_U64(fsm(), 3); /* the card receives and programs the block */
    CHECK_EQ_U64(fifo_count(), 16);
    rig_run(r, BLOCK_NS + 16 * 20);
    CHECK_EQ_U64(fsm(), 1);
    sd_wr(SDHCFG, HCFG_BUSY_EN | HCFG_MODE);
    CHECK_EQ_U64(card_state(rca), 4);

    /* DMA write of blocks 3-5 (no CMD23 for writes), then CMD12 with busy. */
    memcpy(r->ram + 0x40000, data + 512, 3 * 512);
    uint32_t cb[8] = {TI_INTEN | TI_WAIT_RESP | TI_S_INC | TI_D_DREQ | TI_PERMAP_SDHOST,
                      BUS_RAM | 0x40000,
                      0x7E202040,
                      3 * 512,
                      0,
                      0,
                      0,
                      0};
    memcpy(r->ram + 0x1000, cb, sizeof cb);
    sd_wr(SDHBCT, 512);
    sd_wr(SDHBLC, 3);
    c = cmd(25, 3, WRITE);
    CHECK_EQ_U64(c & FAIL, 0);
    uint64_t start = vclock_now(&r->clock);
    rig_wr(r, RIG_DMA + DMA_CONBLK, BUS_RAM | 0x1000);
    rig_wr(r, RIG_DMA + DMA_CS, 1);
    for (unsigned i = 0; i < 100000 && rig_rd(r, RIG_DMA + DMA_CONBLK) != 0; i++)
        rig_run(r, 100);
    /* The DMA waits for the card to take each block: two blocks' time before the last fits. */
    CHECK(vclock_now(&r->clock) - start >= 2 * BLOCK_NS);
    CHECK_EQ_U64(fsm(), 3);
    rig_run(r, BLOCK_NS + 16 * 20);
    CHECK_EQ_U64(rig_rd(r, RIG_DMA + DMA_CONBLK), 0);
    CHECK(irq_level(&r->dma_irq[0]));
    rig_wr(r, RIG_DMA + DMA_CS, 4 | 1);
    CHECK_EQ_U64(sd(SDHSTS) & HSTS_BLOCK, 0); /* BLOCK_IRPT_EN was off: no stale latch */
    CHECK_EQ_U64(fsm(), 1);
    CHECK_EQ_U64(card_state(rca), 6); /* rcv until CMD12 */
    c = cmd(12, 0, BUSY);
    CHECK_EQ_U64(c & FAIL, 0);
    CHECK(irq_level(&r->sdhost_irq));
    sd_wr(SDHSTS, HSTS_BUSY);
    CHECK_EQ_U64(card_state(rca), 4);

    /* Reads see the new data, by PIO and by DMA; the neighbours are unchanged. */
    uint8_t buf[512];
    read_block_pio(2, buf);
    CHECK(memcmp(buf, data, 512) == 0);
    read_blocks_dma(1, 6, 0x50000, true);
    CHECK(memcmp(r->ram + 0x50000, image + 512, 512) == 0);
    CHECK(memcmp(r->ram + 0x50000 + 512, data, 4 * 512) == 0);
    CHECK(memcmp(r->ram + 0x50000 + 5 * 512, image + 6 * 512, 512) == 0);
    /* Writing past the end of the file but inside the card's capacity works too. */
    sd_wr(SDHCFG, HCFG_DATA_EN | HCFG_BUSY_EN | HCFG_MODE);
    sd_wr(SDHBLC, 1);
    cmd(24, 4000, WRITE);
    sd_wr(SDHCFG, HCFG_BLOCK_EN | HCFG_BUSY_EN | HCFG_MODE);
    pio_write(data, 512);
    sd_wr(SDHSTS, HSTS_BLOCK);
    rig_run(r, BLOCK_NS + 16 * 20);
    read_block_pio(4000, buf);
    CHECK(memcmp(buf, data, 512) == 0);

    /* The image file is untouched: same bytes, same mtime. */
    file_snapshot(after, &st_after);
    CHECK(memcmp(before, after, IMAGE_SIZE) == 0);
    CHECK(memcmp(after, image, IMAGE_SIZE) == 0);
    CHECK_EQ_U64(st_after.st_mtime, st_before.st_mtime);
    CHECK_EQ_U64(st_after.st_size, IMAGE_SIZE);
}

/* Power cycle through SDVDD: the card is back in idle (Linux's hw_reset). */
static void test_power_cycle(void) {
    sd_wr(SDVDD, 0);
    sd_wr(SDVDD, 1);
    CHECK_EQ_U64(fsm(), 0);
    CHECK(cmd(13, rca << 16, 0) & FAIL); /* idle: CMD13 is illegal, no response */
    sd_wr(SDHSTS, HSTS_ERRORS);
    CHECK_EQ_U64(cmd(8, 0x1AA, 0) & FAIL, 0);
}

static void test_absent_card(void) {
    char err[300];
    rig *empty = rig_new(NULL, err, sizeof err);
    CHECK(empty != NULL);
    rig *saved = r;
    r = empty;
    sd_wr(SDVDD, 1);
    CHECK_EQ_U64(cmd(0, 0, NO_RESP) & FAIL, 0);
    uint32_t c = cmd(8, 0x1AA, 0);
    CHECK(c & FAIL);
    CHECK(sd(SDHSTS) & HSTS_CMD_TIMEOUT);
    CHECK(cmd(55, 0, 0) & FAIL);
    CHECK(cmd(1, 0, 0) & FAIL);
    CHECK_EQ_U64(fsm(), 0);
    CHECK(!irq_level(&r->sdhost_irq));
    r = saved;
    rig_free(empty);
}

static void test_bad_images(void) {
    char err[300];
    CHECK(rig_new("/nonexistent/card.img", err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "/nonexistent/card.img");
    char gz[256];
    snprintf(gz, sizeof gz, "/tmp/socemu-sdhost-test-%d.img.gz", (int)getpid());
    FILE *f = fopen(gz, "wb");
    fwrite("\x1f\x8b\x08\x00rest", 1, 8, f);
    fclose(f);
    CHECK(rig_new(gz, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, gz);
    CHECK_STR_CONTAINS(err, "truncated gzip stream"); /* gzip images are read, not refused */
    unlink(gz);
}

int main(void) {
    char err[300];
    make_image();
    r = rig_new(image_path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "rig: %s\n", err);
        return 1;
    }
    test_init_sequence();
    sd_wr(SDCDIV, CDIV_50MHZ); /* what the driver sets once the card is identified */
    test_pio_read();
    test_read_timing();
    test_dma_read();
    test_writes();
    test_power_cycle();
    test_absent_card();
    test_bad_images();
    rig_free(r);
    chmod(image_path, 0644);
    unlink(image_path);
    free(image);
    return check_report("devices_bcm2835_sdhost");
}
