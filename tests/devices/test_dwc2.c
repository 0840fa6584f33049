/* DWC2 USB host, register level, as Linux's dwc2 driver probes it: identification and hardware
 * configuration, the core soft reset, forced modes (CURMOD), FIFO size storage, the interrupt
 * gating (GINTMSK, GAHBCFG), port power with no connection, W1C bits, channel halts, the frame
 * counter and SOF interrupts from virtual time; then the rpi3 wiring to the armctrl (GPU IRQ 9). */
#include "check.h"
#include "device_fixture.h"
#include "boards/machine.h"

#define BASE 0x3f980000ull

enum {
    GOTGCTL = 0x000,
    GAHBCFG = 0x008,
    GUSBCFG = 0x00C,
    GRSTCTL = 0x010,
    GINTSTS = 0x014,
    GINTMSK = 0x018,
    GRXFSIZ = 0x024,
    GNPTXFSIZ = 0x028,
    GSNPSID = 0x040,
    GHWCFG2 = 0x048,
    GHWCFG3 = 0x04C,
    GHWCFG4 = 0x050,
    HPTXFSIZ = 0x100,
    DPTXFSIZ2 = 0x108,
    HCFG = 0x400,
    HFIR = 0x404,
    HFNUM = 0x408,
    HAINT = 0x414,
    HAINTMSK = 0x418,
    HPRT0 = 0x440,
    HCCHAR3 = 0x560,
    HCINT3 = 0x568,
    HCINTMSK3 = 0x56C,
    HCDMA3 = 0x574,
    PCGCCTL = 0xE00,
};

enum {
    CURMOD = 1u << 0,
    SOF = 1u << 3,
    PRTINT = 1u << 24,
    HCHINT = 1u << 25,
    FORCEHOST = 1u << 29,
    FORCEDEV = 1u << 30,
    PRTPWR = 1u << 12,
};

static void advance(fixture *f, uint64_t ns) {
    vclock_advance(&f->clock, vclock_now(&f->clock) + ns);
}

static void test_identity_and_reset(fixture *f) {
    CHECK_EQ_U64(rd32(f, GSNPSID), 0x4F54280A);
    uint32_t hw2 = (uint32_t)rd32(f, GHWCFG2);
    CHECK_EQ_U64(hw2 & 7, 0);                 /* HNP and SRP capable OTG */
    CHECK_EQ_U64((hw2 >> 3) & 3, 2);          /* internal DMA */
    CHECK_EQ_U64(((hw2 >> 14) & 0xF) + 1, 8); /* host channels */
    CHECK(hw2 & (1u << 19));                  /* dynamic FIFO sizing */
    CHECK_EQ_U64(rd32(f, GHWCFG3) >> 16, 4080);
    CHECK_EQ_U64(rd32(f, GHWCFG4) & (1u << 30), 0); /* no descriptor DMA */
    /* Core soft reset: done as soon as the driver looks, AHB idle. */
    CHECK(rd32(f, GRSTCTL) & (1u << 31));
    wr32(f, GRSTCTL, 1);
    CHECK_EQ_U64(rd32(f, GRSTCTL) & 1, 0);
    CHECK(rd32(f, GRSTCTL) & (1u << 31));
    wr32(f, GRSTCTL, (0x10u << 6) | (1u << 5)); /* flush all TX FIFOs */
    CHECK_EQ_U64(rd32(f, GRSTCTL), (1u << 31) | (0x10u << 6));
    wr32(f, GRSTCTL, 1u << 4); /* flush RX */
    CHECK_EQ_U64(rd32(f, GRSTCTL) & (1u << 4), 0);
}

static void test_modes_and_fifos(fixture *f) {
    CHECK(rd32(f, GINTSTS) & CURMOD); /* ID pin: A-device */
    uint32_t usbcfg = (uint32_t)rd32(f, GUSBCFG);
    wr32(f, GUSBCFG, usbcfg | FORCEDEV);
    CHECK_EQ_U64(rd32(f, GINTSTS) & CURMOD, 0);
    wr32(f, GUSBCFG, usbcfg | FORCEHOST);
    CHECK_EQ_U64(rd32(f, GINTSTS) & CURMOD, CURMOD);
    /* Power-on depths the driver checks its parameters against, then its own layout. */
    CHECK(rd32(f, GRXFSIZ) >= 774);
    CHECK_EQ_U64(rd32(f, GNPTXFSIZ) >> 16, 0x100);
    CHECK_EQ_U64(rd32(f, HPTXFSIZ) >> 16, 0x200);
    wr32(f, GRXFSIZ, 774);
    wr32(f, GNPTXFSIZ, (256u << 16) | 774);
    wr32(f, HPTXFSIZ, (512u << 16) | 1030);
    wr32(f, DPTXFSIZ2, 0x12345678);
    CHECK_EQ_U64(rd32(f, GRXFSIZ), 774);
    CHECK_EQ_U64(rd32(f, GNPTXFSIZ), (256u << 16) | 774);
    CHECK_EQ_U64(rd32(f, HPTXFSIZ), (512u << 16) | 1030);
    CHECK_EQ_U64(rd32(f, DPTXFSIZ2), 0x12345678);
    wr32(f, HCFG, 1);
    CHECK_EQ_U64(rd32(f, HCFG), 1);
    wr32(f, PCGCCTL, 0);
    CHECK_EQ_U64(rd32(f, PCGCCTL), 0);
    wr32(f, GSNPSID, 0); /* read-only */
    CHECK_EQ_U64(rd32(f, GSNPSID), 0x4F54280A);
}

static void test_port(fixture *f) {
    CHECK_EQ_U64(rd32(f, HPRT0), 0); /* unpowered, nothing connected */
    wr32(f, HPRT0, PRTPWR);
    CHECK_EQ_U64(rd32(f, HPRT0), PRTPWR); /* powered, still no connection */
    /* Writing the W1C bits and PRTENA (1 disables) changes nothing on an empty port. */
    wr32(f, HPRT0, PRTPWR | 0x2E);
    CHECK_EQ_U64(rd32(f, HPRT0), PRTPWR);
    CHECK_EQ_U64(rd32(f, GINTSTS) & PRTINT, 0);
    /* Port reset is the driver's to time: it stays until cleared. */
    wr32(f, HPRT0, PRTPWR | (1u << 8));
    CHECK_EQ_U64(rd32(f, HPRT0), PRTPWR | (1u << 8));
    wr32(f, HPRT0, PRTPWR);
}

static void test_interrupts_and_channels(fixture *f) {
    /* A halted channel interrupt, through HCINTMSK, HAINT, HAINTMSK, GINTMSK and GAHBCFG. */
    wr32(f, HCDMA3, 0x1000);
    CHECK_EQ_U64(rd32(f, HCDMA3), 0x1000);
    wr32(f, HCINTMSK3, 2); /* CHHLTD */
    wr32(f, HCCHAR3, (1u << 31) | (1u << 30) | 64);
    CHECK_EQ_U64(rd32(f, HCCHAR3), 64); /* the disable completed: CHENA clear */
    CHECK_EQ_U64(rd32(f, HCINT3), 2);
    CHECK_EQ_U64(rd32(f, HAINT), 1u << 3);
    CHECK_EQ_U64(rd32(f, GINTSTS) & HCHINT, 0); /* HAINTMSK */
    wr32(f, HAINTMSK, 1u << 3);
    CHECK_EQ_U64(rd32(f, GINTSTS) & HCHINT, HCHINT);
    wr32(f, GINTMSK, HCHINT);
    CHECK(!irq_level(&f->irq)); /* global mask off */
    wr32(f, GAHBCFG, 1);
    CHECK(irq_level(&f->irq));
    wr32(f, GAHBCFG, 0);
    CHECK(!irq_level(&f->irq));
    wr32(f, GAHBCFG, 1);
    wr32(f, GINTSTS, HCHINT); /* read-only in GINTSTS: cleared at the channel */
    CHECK(irq_level(&f->irq));
    wr32(f, HCINT3, 2);
    CHECK_EQ_U64(rd32(f, HAINT), 0);
    CHECK(!irq_level(&f->irq));
    /* A transfer started with nothing attached: halted with a transaction error. */
    wr32(f, HCCHAR3, (1u << 31) | 64);
    CHECK_EQ_U64(rd32(f, HCCHAR3) >> 31, 0);
    CHECK_EQ_U64(rd32(f, HCINT3), 0x82);
    CHECK(irq_level(&f->irq));
    wr32(f, HCINT3, 0xFFFFFFFF);
    CHECK(!irq_level(&f->irq));
    wr32(f, GINTMSK, 0);
}

static void test_frames_and_sof(fixture *f) {
    /* Port powered in host mode: 1 ms frames from the moment power went on (test_port). */
    wr32(f, HPRT0, 0);
    CHECK_EQ_U64(rd32(f, HFNUM) & 0xFFFF, 0x3FFF); /* not counting */
    wr32(f, HPRT0, PRTPWR);
    wr32(f, HFIR, 60000);
    CHECK_EQ_U64(rd32(f, HFNUM) & 0xFFFF, 0);
    CHECK_EQ_U64(rd32(f, HFNUM) >> 16, 60000);
    advance(f, 2500000);
    CHECK_EQ_U64(rd32(f, HFNUM) & 0xFFFF, 2);
    CHECK_EQ_U64(rd32(f, HFNUM) >> 16, 30000); /* half a frame left */
    /* SOF: pending status without an event while masked. */
    CHECK(rd32(f, GINTSTS) & SOF);
    CHECK_EQ_U64(f->clock.n_events, 0);
    wr32(f, GINTSTS, SOF);
    CHECK_EQ_U64(rd32(f, GINTSTS) & SOF, 0);
    wr32(f, GINTMSK, SOF);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(f->clock.n_events, 1); /* armed for the next frame start */
    advance(f, 600000);                 /* frame 3 starts at 3 ms */
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(f->clock.n_events, 0); /* pending: nothing more to schedule */
    wr32(f, GINTSTS, SOF);
    CHECK(!irq_level(&f->irq));
    advance(f, 1000000);
    CHECK(irq_level(&f->irq));
    /* Frame counter reset restarts at 0. */
    wr32(f, GRSTCTL, 1u << 2);
    CHECK_EQ_U64(rd32(f, HFNUM) & 0xFFFF, 0);
    CHECK(!irq_level(&f->irq));
    wr32(f, GINTMSK, 0);
    CHECK_EQ_U64(f->clock.n_events, 0);
    /* Device mode stops the counter. */
    wr32(f, GUSBCFG, (uint32_t)rd32(f, GUSBCFG) ^ (FORCEHOST | FORCEDEV));
    CHECK_EQ_U64(rd32(f, HFNUM) & 0xFFFF, 0x3FFF);
}

/* The rpi3 board: the controller at 0x3F980000 raises GPU IRQ 9 (armctrl pending 1, bit 9). */
static void test_rpi3_wiring(void) {
    machine_options opts = {.board = "rpi3"};
    char err[256];
    machine *m = machine_create(&opts, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        return;
    }
    bus *b = machine_bus(m);
    uint64_t v = 0;
    CHECK_EQ_U64(bus_read(b, BASE + GSNPSID, 4, &v), BUS_OK);
    CHECK_EQ_U64(v, 0x4F54280A);
    bus_write(b, 0x3f00b210, 4, 1u << 9); /* IC enable 1: GPU IRQ 9 */
    bus_write(b, BASE + HAINTMSK, 4, 1);
    bus_write(b, BASE + 0x50C, 4, 2); /* HCINTMSK0 */
    bus_write(b, BASE + GINTMSK, 4, HCHINT);
    bus_write(b, BASE + GAHBCFG, 4, 1);
    bus_write(b, BASE + 0x500, 4, 3u << 30); /* halt channel 0 */
    bus_read(b, 0x3f00b204, 4, &v);
    CHECK_EQ_U64(v, 1u << 9);
    bus_write(b, BASE + 0x508, 4, 2);
    bus_read(b, 0x3f00b204, 4, &v);
    CHECK_EQ_U64(v, 0);
    machine_free(m);
}

int main(void) {
    fixture *f = fixture_new("dwc2", BASE, NULL);
    test_identity_and_reset(f);
    test_modes_and_fifos(f);
    test_port(f);
    test_interrupts_and_channels(f);
    test_frames_and_sof(f);
    fixture_free(f);
    test_rpi3_wiring();
    return check_report("devices_dwc2");
}
