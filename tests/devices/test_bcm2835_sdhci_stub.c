/* The Wi-Fi SDHCI slot with nothing attached: commands that expect a response end at once with
 * a command-timeout error interrupt, so Linux's sdhci-iproc probe gives up in milliseconds. */
#include "check.h"
#include "device_fixture.h"

enum {
    ARGUMENT = 0x08,
    COMMAND = 0x0C,
    PRESENT = 0x24,
    CLOCK = 0x2C,
    INT_STATUS = 0x30,
    INT_ENABLE = 0x34,
    SIGNAL_ENABLE = 0x38,
    CAPS = 0x40,
    VERSION = 0xFC,
};

int main(void) {
    fixture *f = fixture_new("bcm2835-sdhci-stub", 0x3F300000, NULL);
    CHECK_EQ_U64(rd32(f, VERSION) >> 16, 0x9902);
    CHECK_EQ_U64((rd32(f, CAPS) >> 8) & 0xFF, 250); /* base clock MHz */
    /* Clock: internal clock enable -> stable at once. Software reset completes at once. */
    wr32(f, CLOCK, 1);
    CHECK_EQ_U64(rd32(f, CLOCK) & 3, 3);
    wr32(f, CLOCK, 1u << 24); /* SOFTWARE_RESET_ALL */
    CHECK_EQ_U64(rd32(f, CLOCK) >> 24, 0);
    CHECK_EQ_U64(rd32(f, PRESENT) & 7, 0); /* command/data lines free */
    wr32(f, INT_ENABLE, 0x027F00FB);
    wr32(f, SIGNAL_ENABLE, 0x027F00FB);
    CHECK(!irq_level(&f->irq));
    /* CMD5 (SDIO IO_SEND_OP_COND, R4 = 48-bit response): command timeout. */
    wr32(f, ARGUMENT, 0);
    wr32(f, COMMAND, (5u << 8 | 0x02) << 16);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0x00018000); /* ERROR + error bit 0 (command timeout) */
    CHECK(irq_level(&f->irq));
    wr32(f, INT_STATUS, 0x00010000);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0);
    CHECK(!irq_level(&f->irq));
    /* CMD0 (no response) completes normally. */
    wr32(f, COMMAND, 0);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 1);
    CHECK(irq_level(&f->irq));
    wr32(f, INT_STATUS, 1);
    CHECK(!irq_level(&f->irq));
    /* Status bits masked by INT_ENABLE are not latched. */
    wr32(f, INT_ENABLE, 0);
    wr32(f, COMMAND, (8u << 8 | 0x1A) << 16);
    CHECK_EQ_U64(rd32(f, INT_STATUS), 0);
    /* Only 32-bit accesses. */
    uint64_t before = f->bus.unmapped_accesses;
    wr(f, INT_STATUS, 2, 0xFFFF);
    CHECK(f->bus.unmapped_accesses > before);
    fixture_free(f);
    return check_report("devices_bcm2835_sdhci_stub");
}
