/* The PL011 UART registers Linux's amba-pl011 uses: FR, DR, interrupts, the FIFO trigger levels
 * and the receive timeout in virtual time. */
#include "check.h"
#include "device_fixture.h"

enum {
    DR = 0x00,
    RSR = 0x04,
    FR = 0x18,
    IBRD = 0x24,
    FBRD = 0x28,
    LCR_H = 0x2C,
    CR = 0x30,
    IFLS = 0x34,
    IMSC = 0x38,
    RIS = 0x3C,
    MIS = 0x40,
    ICR = 0x44
};
enum { FR_RXFE = 0x10, FR_TXFF = 0x20, FR_RXFF = 0x40, FR_TXFE = 0x80 };
enum { INT_RX = 0x10, INT_TX = 0x20, INT_RT = 0x40, INT_OE = 0x400 };
#define BASE 0x3f201000u

static void test_reset_and_id(void) {
    fixture *f = fixture_new("pl011", BASE, NULL);
    CHECK_EQ_U64(rd32(f, FR) & 0xF8, FR_TXFE | FR_RXFE);
    CHECK_EQ_U64(rd32(f, CR), 0x300);
    CHECK_EQ_U64(rd32(f, IFLS), 0x12);
    static const uint8_t id[8] = {0x11, 0x10, 0x24, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ_U64(rd32(f, 0xFE0 + 4 * i), id[i]);
    wr(f, CR, 2, 0x301); /* 16-bit access, as amba-pl011 does */
    CHECK_EQ_U64(rd(f, CR, 2), 0x301);
    fixture_free(f);
}

static void test_tx(void) {
    fixture *f = fixture_new("pl011", BASE, NULL);
    wr(f, CR, 2, 0x301);
    wr(f, DR, 2, 'h');
    wr32(f, DR, 'i');
    CHECK(strcmp(f->tc.out, "hi") == 0);
    CHECK_EQ_U64(rd32(f, FR) & (FR_TXFE | FR_TXFF), FR_TXFE); /* drained at once */
    CHECK_EQ_U64(rd32(f, RIS) & INT_TX, INT_TX);
    CHECK(!irq_level(&f->irq)); /* masked */
    wr32(f, IMSC, INT_TX);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, MIS), INT_TX);
    wr32(f, ICR, INT_TX);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, RIS) & INT_TX, 0);
    fixture_free(f);
}

static void test_rx_without_fifo(void) {
    fixture *f = fixture_new("pl011", BASE, NULL);
    wr32(f, IMSC, INT_RX | INT_RT);
    CHECK_EQ_U64(host_send(f, "ab"), 1); /* FEN clear: a one-character holding register */
    CHECK_EQ_U64(rd32(f, FR) & (FR_RXFE | FR_RXFF), FR_RXFF);
    CHECK(irq_level(&f->irq));
    CHECK_EQ_U64(rd32(f, DR), 'a');
    CHECK_EQ_U64(rd32(f, FR) & FR_RXFE, FR_RXFE);
    CHECK(!irq_level(&f->irq));
    fixture_free(f);
}

static void test_rx_fifo_trigger_and_timeout(void) {
    fixture *f = fixture_new("pl011", BASE, NULL);
    wr32(f, IBRD, 26); /* 115200 baud at 48 MHz */
    wr32(f, FBRD, 3);
    wr32(f, LCR_H, 0x70); /* 8 bits, FIFO on */
    wr32(f, IMSC, INT_RX | INT_RT);
    CHECK_EQ_U64(host_send(f, "abc"), 3); /* below the 1/2 (16 character) trigger */
    CHECK_EQ_U64(rd32(f, RIS) & (INT_RX | INT_RT), 0);
    CHECK(!irq_level(&f->irq));
    /* 32 bit periods at 115200 is ~278 us: nothing at 100 us, RT by 300 us. */
    vclock_advance(&f->clock, 100000);
    CHECK(!irq_level(&f->irq));
    vclock_advance(&f->clock, 300000);
    CHECK_EQ_U64(rd32(f, MIS), INT_RT);
    CHECK(irq_level(&f->irq));
    wr32(f, ICR, INT_RT);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(host_send(f, "defghijklmnop"), 13); /* 16 characters: the trigger level */
    CHECK_EQ_U64(rd32(f, RIS) & INT_RX, INT_RX);
    CHECK(irq_level(&f->irq));
    unsigned n = 0;
    while (!(rd32(f, FR) & FR_RXFE) && n < 100) {
        CHECK_EQ_U64(rd32(f, DR) & 0xFF, (uint64_t)('a' + n));
        n++;
    }
    CHECK_EQ_U64(n, 16);
    CHECK_EQ_U64(rd32(f, RIS) & (INT_RX | INT_RT), 0);
    CHECK(!irq_level(&f->irq));
    CHECK_EQ_U64(host_send(f, "0123456789012345678901234567890123456789"), 32);
    fixture_free(f);
}

static void test_overrun(void) {
    fixture *f = fixture_new("pl011", BASE, NULL);
    /* A sender that ignores can_receive: the extra byte is lost and flagged. */
    f->tc.chr.receive(f->tc.chr.fe_opaque, (const uint8_t *)"xy", 2);
    CHECK_EQ_U64(rd32(f, RIS) & INT_OE, INT_OE);
    CHECK_EQ_U64(rd32(f, DR), 'x' | 0x800); /* OE on the character in the FIFO */
    CHECK_EQ_U64(rd32(f, RSR) & 8, 8);
    wr32(f, RSR, 0);
    CHECK_EQ_U64(rd32(f, RSR), 0);
    wr32(f, ICR, 0x7FF);
    CHECK_EQ_U64(rd32(f, RIS), 0);
    fixture_free(f);
}

int main(void) {
    test_reset_and_id();
    test_tx();
    test_rx_without_fifo();
    test_rx_fifo_trigger_and_timeout();
    test_overrun();
    return check_report("devices_pl011");
}
