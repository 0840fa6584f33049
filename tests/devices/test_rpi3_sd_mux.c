/* The SD card slot follows the GPIO pin mux on the real rpi3 machine (board wiring, no guest
 * code): with the firmware's mux (pins 48-53 in ALT0) the sdhost answers and the Arasan SDHCI
 * sees no card; with 48-53 in ALT3 (Linux's emmc_gpio48 pinctrl) it is the other way round, on
 * the same card (its RCA survives the switch); a machine reset brings the firmware's mux back. */
#include <unistd.h>

#include "boards/machine_test.h"
#include "machine_io.h"

enum {
    GPFSEL4 = 0x3f200010,
    GPFSEL5 = 0x3f200014,
    SDHOST = 0x3f202000,
    SDHCI = 0x3f300000,
};

/* CMD8 (R7) through the sdhost: the echoed check pattern, or 0 on a command timeout. */
static uint32_t sdhost_cmd8(void) {
    wr32(SDHOST + 0x30, 1); /* SDVDD: power (a fresh card on power-up), left on */
    wr32(SDHOST + 0x20, 0x7F8);
    wr32(SDHOST + 0x00, 0 | (1u << 10) | 0x8000); /* CMD0, no response */
    wr32(SDHOST + 0x04, 0x1AA);
    wr32(SDHOST + 0x00, 8 | 0x8000);
    return (rd32(SDHOST + 0x00) & 0x4000) ? 0 : rd32(SDHOST + 0x10);
}

/* A command through the SDHCI; returns INT_STATUS after it ended (acknowledged). */
static uint32_t sdhci_cmd(unsigned index, uint32_t arg, unsigned flags) {
    wr32(SDHCI + 0x08, arg);
    wr32(SDHCI + 0x0C, (index << 8 | flags) << 16);
    run_ns(1000000);
    uint32_t st = rd32(SDHCI + 0x30);
    wr32(SDHCI + 0x30, st);
    return st;
}

static void mux_slot(unsigned fsel) { /* pins 48, 49 in GPFSEL4; 50-53 in GPFSEL5 */
    wr32(GPFSEL4, (rd32(GPFSEL4) & ~(077u << 24)) | (fsel * 011u) << 24);
    wr32(GPFSEL5, (rd32(GPFSEL5) & ~07777u) | fsel * 01111u);
}

/* A bare-metal ELF (`b .` at 0x80000), so --sd does not start the firmware flow. */
static void write_idle_elf(const char *path) {
    uint8_t elf[0x7C] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    const struct {
        unsigned off, size;
        uint64_t value;
    } fields[] = {
        {16, 2, 2},    {18, 2, 183},          {20, 4, 1},       {24, 8, 0x80000}, {32, 8, 64},
        {52, 2, 64},   {54, 2, 56},           {56, 2, 1},       {64, 4, 1},       {68, 4, 5},
        {72, 8, 0x78}, {80, 8, 0x80000},      {88, 8, 0x80000}, {96, 8, 4},       {104, 8, 4},
        {112, 8, 4},   {0x78, 4, 0x14000000},
    };
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++)
        for (unsigned b = 0; b < fields[i].size; b++)
            elf[fields[i].off + b] = (uint8_t)(fields[i].value >> (8 * b));
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(elf, sizeof elf, 1, f) == 1);
    if (f) fclose(f);
}

int main(void) {
    char kernel[] = "/tmp/socemu-sd-mux-elf-XXXXXX";
    close(mkstemp(kernel));
    write_idle_elf(kernel);
    char path[] = "/tmp/socemu-sd-mux-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ_U64(ftruncate(fd, 4 << 20), 0);
    close(fd);
    char err[300];
    machine_options opts = {.board = "rpi3", .kernel = kernel, .sd_image = path};
    test_machine = machine_create(&opts, err, sizeof err);
    if (!test_machine) {
        fprintf(stderr, "machine_create: %s\n", err);
        return 1;
    }
    wr32(SDHCI + 0x2C, 1);          /* internal clock on */
    wr32(SDHCI + 0x28, 0x0F00);     /* bus power on */
    wr32(SDHCI + 0x34, 0x01FF00FF); /* status enables incl. card insert/remove */
    wr32(SDHCI + 0x38, 0x01FF00FF);

    /* The firmware's mux: the sdhost has the card. */
    CHECK_EQ_U64(sdhost_cmd8(), 0x1AA);
    CHECK_EQ_U64(rd32(SDHCI + 0x24) & (1u << 16), 0);
    CHECK_EQ_U64(sdhci_cmd(8, 0x1AA, 0x1A), 0x00018000); /* command timeout */

    /* emmc_gpio48: the SDHCI sees the card (insert), the sdhost loses it. */
    mux_slot(7);
    CHECK_EQ_U64(rd32(SDHCI + 0x30), 1u << 6);
    wr32(SDHCI + 0x30, 1u << 6);
    CHECK(rd32(SDHCI + 0x24) & (1u << 16));
    CHECK_EQ_U64(sdhost_cmd8(), 0);
    CHECK_EQ_U64(sdhci_cmd(0, 0, 0), 1);
    CHECK_EQ_U64(sdhci_cmd(8, 0x1AA, 0x1A), 1);
    CHECK_EQ_U64(rd32(SDHCI + 0x10), 0x1AA);
    uint32_t ocr = 0;
    for (unsigned i = 0; i < 5 && !(ocr >> 31); i++) {
        sdhci_cmd(55, 0, 0x1A);
        sdhci_cmd(41, 0x40FF8000, 0x02);
        ocr = rd32(SDHCI + 0x10);
    }
    CHECK(ocr >> 31);
    CHECK_EQ_U64(sdhci_cmd(2, 0, 0x09), 1);
    CHECK_EQ_U64(sdhci_cmd(3, 0, 0x1A), 1);
    uint32_t rca = rd32(SDHCI + 0x10) >> 16;
    CHECK(rca != 0);

    /* Half-way (48/49 ALT0, 50-53 ALT3): neither controller has the slot. */
    wr32(GPFSEL4, (rd32(GPFSEL4) & ~(077u << 24)) | 044u << 24);
    CHECK_EQ_U64(rd32(SDHCI + 0x30), 1u << 7); /* remove */
    wr32(SDHCI + 0x30, 1u << 7);
    CHECK_EQ_U64(sdhci_cmd(13, rca << 16, 0x1A), 0x00018000);

    /* Back to the sdhost (still powered): the same card, in standby with the RCA the SDHCI
     * gave it. */
    mux_slot(4);
    wr32(SDHOST + 0x04, rca << 16);
    wr32(SDHOST + 0x00, 13 | 0x8000); /* CMD13 SEND_STATUS */
    CHECK_EQ_U64(rd32(SDHOST + 0x00) & 0x4000, 0);
    CHECK_EQ_U64((rd32(SDHOST + 0x10) >> 9) & 0xF, 3);

    /* A machine reset: the firmware's mux again. */
    mux_slot(7);
    machine_test_reset_devices(test_machine);
    CHECK_EQ_U64(sdhost_cmd8(), 0x1AA);
    CHECK_EQ_U64(rd32(SDHCI + 0x24) & (1u << 16), 0);

    machine_free(test_machine);
    unlink(path);
    unlink(kernel);
    return check_report("devices_rpi3_sd_mux");
}
