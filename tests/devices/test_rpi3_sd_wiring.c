/* The SD card path on the real rpi3 machine (board wiring, no guest code): sdhost (GPU 56), DMA
 * channels (GPU 16 + n, 11-14 on GPU 27) and the Arasan SDHCI (GPU 62) reach the armctrl; an
 * rpi3 without --sd has an empty slot; a bad --sd path fails machine creation naming the file. */
#include "machine_io.h"

enum {
    SDHOST = 0x3f202000,
    DMA = 0x3f007000,
    SDHCI = 0x3f300000,
    IC_PENDING1 = 0x3f00b204,
    IC_PENDING2 = 0x3f00b208,
    IC_ENABLE1 = 0x3f00b210,
    IC_ENABLE2 = 0x3f00b214,
};

static void test_empty_slot_and_sdhost_irq(void) {
    wr32(SDHOST + 0x30, 1);        /* SDVDD on */
    wr32(SDHOST + 0x38, 1u << 10); /* BUSY_IRPT_EN */
    wr32(SDHOST + 0x04, 0x1AA);
    wr32(SDHOST + 0x00, 8 | 0x8000);        /* CMD8 | NEW */
    CHECK(rd32(SDHOST + 0x00) & 0x4000);    /* FAIL */
    CHECK(rd32(SDHOST + 0x20) & (1u << 6)); /* command timeout: no card */
    wr32(SDHOST + 0x20, 0x7F8);
    wr32(IC_ENABLE2, 1u << 24);
    CHECK_EQ_U64(rd32(IC_PENDING2), 0);
    wr32(SDHOST + 0x00, 0 | (1u << 10) | (1u << 11) | 0x8000); /* CMD0, no response, busy */
    CHECK_EQ_U64(rd32(IC_PENDING2), 1u << 24);                 /* GPU 56 */
    wr32(SDHOST + 0x20, 1u << 10);
    CHECK_EQ_U64(rd32(IC_PENDING2), 0);
}

static void test_dma_irqs(void) {
    uint8_t cb[32] = {0};
    uint32_t words[8] = {1 | (1u << 4) | (1u << 8), 0xC0100000, 0xC0200000, 64, 0, 0, 0, 0};
    memcpy(cb, words, sizeof cb);
    char err[200];
    CHECK_EQ_U64(bus_write_block(machine_bus(test_machine), 0x1000, cb, sizeof cb, err, sizeof err),
                 0);
    wr32(IC_ENABLE1, (1u << 16) | (1u << 27));
    static const unsigned channels[] = {0, 12};
    for (unsigned i = 0; i < 2; i++) {
        unsigned ch = channels[i];
        wr32(DMA + 0x100 * ch + 0x04, 0xC0001000);
        wr32(DMA + 0x100 * ch + 0x00, 1);
        run_ns(100000);
        CHECK_EQ_U64(rd32(DMA + 0x100 * ch + 0x04), 0);
        CHECK_EQ_U64(rd32(IC_PENDING1), ch == 0 ? 1u << 16 : 1u << 27);
        wr32(DMA + 0x100 * ch + 0x00, 4 | 1); /* INT|ACTIVE ack */
        CHECK_EQ_U64(rd32(IC_PENDING1), 0);
    }
}

static void test_sdhci_irq(void) {
    wr32(IC_ENABLE2, 1u << 30);
    wr32(SDHCI + 0x34, 0xFFFFFFFF);
    wr32(SDHCI + 0x38, 0xFFFFFFFF);
    wr32(SDHCI + 0x0C, (5u << 8 | 2) << 16); /* CMD5: no card there, times out */
    run_ns(100000);
    CHECK_EQ_U64(rd32(SDHCI + 0x30), 0x00018000);
    CHECK_EQ_U64(rd32(IC_PENDING2) & (1u << 30), 1u << 30); /* GPU 62 */
    wr32(SDHCI + 0x30, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(IC_PENDING2) & (1u << 30), 0);
}

int main(void) {
    char err[300];
    machine_options opts = {.board = "rpi3"};
    test_machine = machine_create(&opts, err, sizeof err);
    if (!test_machine) {
        fprintf(stderr, "machine_create: %s\n", err);
        return 1;
    }
    test_empty_slot_and_sdhost_irq();
    test_dma_irqs();
    test_sdhci_irq();
    machine_free(test_machine);
    /* --sd with a missing file: the sdhost's realize names it. */
    opts.sd_image = "/nonexistent/socemu-card.img";
    test_machine = machine_create(&opts, err, sizeof err);
    CHECK(test_machine == NULL);
    CHECK_STR_CONTAINS(err, "/nonexistent/socemu-card.img");
    machine_free(test_machine);
    return check_report("devices_rpi3_sd_wiring");
}
