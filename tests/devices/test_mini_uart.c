/* The BCM2835 mini UART as Linux's 8250_bcm2835aux and earlycon use it (notes section 2.3). */
#include "check.h"
#include "device_fixture.h"

enum {
    AUX_IRQ = 0x00,
    AUX_ENABLES = 0x04,
    IO = 0x40,
    IER = 0x44,
    IIR = 0x48,
    LCR = 0x4C,
    LSR = 0x54,
    CNTL = 0x60,
    STAT = 0x64,
    BAUD = 0x68,
    SPI1 = 0x80
};
#define BASE 0x3f215000u

static void test_gated_until_enabled(void) {
    fixture *f = fixture_new("bcm2835-aux", BASE, NULL);
    CHECK_EQ_U64(rd32(f, AUX_ENABLES), 0); /* hardware reset: the mini UART is off */
    CHECK_EQ_U64(rd(f, LSR, 1), 0);        /* RAZ while disabled ... */
    wr(f, IO, 1, 'x');                     /* ... and writes go nowhere */
    CHECK_EQ_U64(f->tc.n_out, 0);
    CHECK_EQ_U64(host_send(f, "abc"), 0); /* no reception either */
    wr32(f, AUX_ENABLES, 1);
    CHECK_EQ_U64(rd(f, LSR, 1), 0x60);
    fixture_free(f);
}

static void test_tx_instant(void) {
    const char *props[] = {"boot-enabled", "true", NULL};
    fixture *f = fixture_new("bcm2835-aux", BASE, props);
    CHECK_EQ_U64(rd32(f, AUX_ENABLES), 1); /* the enable_uart=1 firmware state */
    CHECK_EQ_U64(rd(f, LCR, 1), 3);
    CHECK_EQ_U64(rd32(f, BAUD), 270);
    for (const char *s = "hello"; *s; s++) {
        wr(f, IO, 1, (uint8_t)*s); /* 8250: byte accesses */
        uint64_t lsr = rd(f, LSR, 1);
        CHECK_EQ_U64(lsr & 0x60, 0x60); /* TX room and idle stay set: wait_for_lsr never waits */
        CHECK(lsr != 0xFF);
    }
    wr32(f, IO, '!'); /* earlycon: 32-bit accesses */
    CHECK(strcmp(f->tc.out, "hello!") == 0);
    /* A disabled transmitter holds bytes in the FIFO; enabling it sends them. */
    wr32(f, CNTL, 1);
    wr(f, IO, 1, 'Q');
    CHECK_EQ_U64(rd(f, LSR, 1) & 0x40, 0);
    CHECK_EQ_U64((rd32(f, STAT) >> 24) & 0xF, 1);
    CHECK(strcmp(f->tc.out, "hello!") == 0);
    wr32(f, CNTL, 3);
    CHECK(strcmp(f->tc.out, "hello!Q") == 0);
    CHECK_EQ_U64(rd(f, LSR, 1), 0x60);
    fixture_free(f);
}

static void test_thre_interrupt_level(void) {
    const char *props[] = {"boot-enabled", "true", NULL};
    fixture *f = fixture_new("bcm2835-aux", BASE, props);
    CHECK_EQ_U64(rd(f, IIR, 1), 0xC1); /* nothing pending, FIFOs on */
    CHECK(!irq_level(&f->irq));
    /* 8250's THRE test: set IER.THRI, read IIR, expect TX empty pending. */
    wr(f, IER, 1, 0x02);
    CHECK_EQ_U64(rd(f, IIR, 1), 0xC2);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, AUX_IRQ), 1);
    /* A level, not an edge: still pending after a transmit and a second IIR read. */
    wr(f, IO, 1, 'a');
    CHECK_EQ_U64(rd(f, IIR, 1), 0xC2);
    CHECK(irq_level(&f->irq));
    wr(f, IER, 1, 0);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, AUX_IRQ), 0);
    /* Disabling the block drops the line. */
    wr(f, IER, 1, 0x02);
    CHECK(irq_level(&f->irq));
    wr32(f, AUX_ENABLES, 0);
    CHECK(!irq_level(&f->irq));
    fixture_free(f);
}

static void test_rx_fifo(void) {
    const char *props[] = {"boot-enabled", "true", NULL};
    fixture *f = fixture_new("bcm2835-aux", BASE, props);
    CHECK_EQ_U64(host_send(f, "xyz"), 3);
    CHECK_EQ_U64(rd(f, LSR, 1) & 1, 1);
    CHECK_EQ_U64((rd32(f, STAT) >> 16) & 0xF, 3);
    CHECK(!irq_level(&f->irq)); /* IER.RX off */
    wr(f, IER, 1, 0x03);        /* RX outranks TX empty */
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd(f, IIR, 1), 0xC4);
    CHECK_EQ_U64(rd(f, IO, 1), 'x');
    CHECK_EQ_U64(rd(f, IO, 1), 'y');
    CHECK_EQ_U64(rd(f, IO, 1), 'z');
    CHECK_EQ_U64(rd(f, LSR, 1) & 1, 0);
    CHECK_EQ_U64(rd(f, IIR, 1), 0xC2);
    wr(f, IER, 1, 0x01);
    CHECK(!irq_level(&f->irq));
    /* 8 bytes of FIFO: the host is told to hold the rest. */
    CHECK_EQ_U64(host_send(f, "0123456789"), 8);
    CHECK_EQ_U64(host_send(f, "more"), 0);
    wr(f, IIR, 1, 0x02); /* FCR: flush RX */
    CHECK_EQ_U64(rd(f, LSR, 1) & 1, 0);
    CHECK_EQ_U64(host_send(f, "k"), 1);
    fixture_free(f);
}

static void test_divisor_latch_and_unmodelled(void) {
    const char *props[] = {"boot-enabled", "true", NULL};
    fixture *f = fixture_new("bcm2835-aux", BASE, props);
    wr(f, LCR, 1, 0x83); /* DLAB */
    wr(f, IO, 1, 0x0E);
    wr(f, IER, 1, 0x01);
    CHECK_EQ_U64(rd(f, IO, 1), 0x0E);
    wr(f, LCR, 1, 0x03);
    CHECK_EQ_U64(rd32(f, BAUD), 0x10E);
    CHECK_EQ_U64(f->tc.n_out, 0); /* DLL writes are not characters */
    wr32(f, SPI1, 0x1234);        /* SPI1: RAZ/WI */
    CHECK_EQ_U64(rd32(f, SPI1), 0);
    fixture_free(f);
}

int main(void) {
    test_gated_until_enabled();
    test_tx_instant();
    test_thre_interrupt_level();
    test_rx_fifo();
    test_divisor_latch_and_unmodelled();
    return check_report("devices_mini_uart");
}
