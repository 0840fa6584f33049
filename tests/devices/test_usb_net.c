/* The Pi 3's USB Ethernet path without a CPU: the DWC2 host channels in buffer-DMA mode driving
 * the LAN9514 hub and its smsc95xx Ethernet function as Linux does (port power and reset, hub
 * and device enumeration by control transfers, hub class requests and the status endpoint,
 * vendor register access, MII to the PHY, bulk IN frames with their status words, bulk OUT
 * frames behind TX command words, NAKed bulk IN waiting for data), then bad guest input: a
 * transfer size beyond its packets, DMA outside RAM, a receive flood (bounded queue). */
#include "check.h"
#include "device_fixture.h"
#include "peripherals/usb.h"
#include "soc/netport.h"

#define BASE    0x3f980000ull
#define RAM     0x100000ull /* guest RAM for DMA buffers */
#define RAMSIZE 0x100000ull

enum {
    GINTSTS = 0x014,
    HPRT0 = 0x440,
    HC = 0x500,
    PRTPWR = 1u << 12,
    PRTRST = 1u << 8,
    XFERCOMPL = 1u << 0,
    CHHLTD = 1u << 1,
    AHBERR = 1u << 2,
    STALL = 1u << 3,
    NAK = 1u << 4,
    XACTERR = 1u << 7,
    CTRL = 0,
    BULK = 2,
    INTR = 3,
    DATA0 = 0,
    DATA1 = 2,
    SETUP = 3,
};

static uint8_t ram[RAMSIZE];

typedef struct test_net {
    netport port;
    uint8_t last[2048];
    size_t last_len;
    unsigned sent;
} test_net;

static void net_send(netport *p, const uint8_t *frame, size_t len) {
    test_net *t = (test_net *)p;
    memcpy(t->last, frame, len);
    t->last_len = len;
    t->sent++;
}

static test_net net = {.port = {.name = "test", .link_up = true, .send = net_send}};

/* Programs channel 0 and enables it; returns HCINT (then cleared). */
static uint32_t xfer(fixture *f, unsigned addr, unsigned ep, bool in, unsigned type, unsigned mps,
                     unsigned pid, uint32_t size, uint64_t dma) {
    uint32_t pkts = size ? (size + mps - 1) / mps : 1;
    wr32(f, HC + 0x08, 0x7FF);
    wr32(f, HC + 0x10, size | pkts << 19 | (uint32_t)pid << 29);
    wr32(f, HC + 0x14, (uint32_t)(dma | 0xC0000000u));
    wr32(f, HC + 0x00, mps | ep << 11 | (in ? 1u << 15 : 0) | type << 18 | addr << 22 | 1u << 31);
    return (uint32_t)rd32(f, HC + 0x08);
}

static uint32_t xfer_remaining(fixture *f) {
    return (uint32_t)rd32(f, HC + 0x10) & 0x7FFFF;
}

/* A whole control transfer; returns the IN length or -1 on a stall. */
static int control(fixture *f, unsigned addr, uint8_t type, uint8_t req, uint16_t value,
                   uint16_t index, uint16_t length, uint8_t *data) {
    uint8_t setup[8] = {type,
                        req,
                        (uint8_t)value,
                        (uint8_t)(value >> 8),
                        (uint8_t)index,
                        (uint8_t)(index >> 8),
                        (uint8_t)length,
                        (uint8_t)(length >> 8)};
    memcpy(ram, setup, 8);
    if (xfer(f, addr, 0, false, CTRL, 64, SETUP, 8, RAM) != (CHHLTD | XFERCOMPL | 1u << 5))
        return -1;
    int got = 0;
    if (length) {
        bool in = type & 0x80;
        if (!in) memcpy(ram + 0x100, data, length);
        uint32_t r = xfer(f, addr, 0, in, CTRL, 64, DATA1, length, RAM + 0x100);
        if (r & STALL) return -1;
        if (in) {
            got = (int)(length - xfer_remaining(f));
            memcpy(data, ram + 0x100, (size_t)got);
        }
        uint32_t st = xfer(f, addr, 0, !in, CTRL, 64, DATA1, 0, RAM);
        if (st & STALL) return -1;
    } else {
        if (xfer(f, addr, 0, true, CTRL, 64, DATA1, 0, RAM) & STALL) return -1;
    }
    return got;
}

static uint32_t reg_read(fixture *f, unsigned addr, uint16_t reg) {
    uint8_t b[4] = {0};
    CHECK_EQ_U64(control(f, addr, 0xC0, 0xA1, 0, reg, 4, b), 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void reg_write(fixture *f, unsigned addr, uint16_t reg, uint32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    CHECK_EQ_U64(control(f, addr, 0x40, 0xA0, 0, reg, 4, b), 0);
}

static uint16_t mii_read(fixture *f, unsigned addr, unsigned phy_reg) {
    reg_write(f, addr, 0x114, 1u << 11 | phy_reg << 6 | 1u);
    CHECK_EQ_U64(reg_read(f, addr, 0x114) & 1, 0);
    return (uint16_t)reg_read(f, addr, 0x118);
}

static void enumerate(fixture *f, unsigned addr, uint16_t product) {
    uint8_t d[64];
    CHECK_EQ_U64(control(f, 0, 0x80, 6, 0x0100, 0, 64, d), 18);
    CHECK_EQ_U64(d[8] | d[9] << 8, 0x0424);
    CHECK_EQ_U64(d[10] | d[11] << 8, product);
    CHECK_EQ_U64(control(f, 0, 0x00, 5, (uint16_t)addr, 0, 0, NULL), 0);
    CHECK_EQ_U64(control(f, 0, 0x80, 6, 0x0100, 0, 18, d), -1); /* address 0 is gone */
    CHECK_EQ_U64(control(f, addr, 0x80, 6, 0x0200, 0, 9, d), 9);
    CHECK_EQ_U64(control(f, addr, 0x00, 9, 1, 0, 0, NULL), 0);
}

static void test_port_and_hub(fixture *f) {
    CHECK_EQ_U64(rd32(f, HPRT0) & 1, 0);
    wr32(f, HPRT0, PRTPWR);
    CHECK_EQ_U64(rd32(f, HPRT0) & 3, 3); /* connected, connect detected */
    CHECK(rd32(f, GINTSTS) & (1u << 24));
    wr32(f, HPRT0, PRTPWR | 2); /* clear the detection */
    /* Before the reset nothing answers. */
    CHECK_EQ_U64(xfer(f, 0, 0, true, CTRL, 64, DATA1, 0, RAM), CHHLTD | XACTERR);
    wr32(f, HPRT0, PRTPWR | PRTRST);
    wr32(f, HPRT0, PRTPWR);
    uint32_t p = (uint32_t)rd32(f, HPRT0);
    CHECK(p & 4);                   /* enabled */
    CHECK(p & 8);                   /* enable changed */
    CHECK_EQ_U64((p >> 17) & 3, 0); /* high speed */
    enumerate(f, 1, 0x9514);
    uint8_t d[16];
    CHECK_EQ_U64(control(f, 1, 0xA0, 6, 0x2900, 0, 9, d), 9);
    CHECK_EQ_U64(d[2], 5); /* ports */
    /* The status endpoint NAKs until a port changes. */
    CHECK_EQ_U64(xfer(f, 1, 1, true, INTR, 1, DATA0, 1, RAM), CHHLTD | NAK);
    CHECK_EQ_U64(control(f, 1, 0x23, 3, 8, 1, 0, NULL), 0); /* power port 1 */
    CHECK_EQ_U64(control(f, 1, 0x23, 3, 8, 2, 0, NULL), 0); /* power port 2 (empty) */
    CHECK_EQ_U64(xfer(f, 1, 1, true, INTR, 1, DATA0, 1, RAM), CHHLTD | XFERCOMPL | 1u << 5);
    CHECK_EQ_U64(ram[0], 0x02);
    CHECK_EQ_U64(control(f, 1, 0xA3, 0, 0, 1, 4, d), 4);
    CHECK_EQ_U64(d[0] & 1, 1); /* connection */
    CHECK_EQ_U64(d[1] & 1, 1); /* power */
    CHECK_EQ_U64(d[2] & 1, 1); /* connection changed */
    CHECK_EQ_U64(control(f, 1, 0xA3, 0, 0, 2, 4, d), 4);
    CHECK_EQ_U64(d[0] & 1, 0);                               /* port 2 empty */
    CHECK_EQ_U64(control(f, 1, 0x23, 1, 16, 1, 0, NULL), 0); /* clear C_CONNECTION */
    CHECK_EQ_U64(control(f, 1, 0x23, 3, 4, 1, 0, NULL), 0);  /* reset port 1 */
    CHECK_EQ_U64(control(f, 1, 0xA3, 0, 0, 1, 4, d), 4);
    CHECK_EQ_U64(d[0] & 0x13, 0x03); /* connected, enabled, reset over */
    CHECK(d[1] & 0x04);              /* high speed */
    CHECK_EQ_U64(d[2] & 0x10, 0x10); /* C_RESET */
    CHECK_EQ_U64(control(f, 1, 0x23, 1, 20, 1, 0, NULL), 0);
    CHECK_EQ_U64(xfer(f, 1, 1, true, INTR, 1, DATA0, 1, RAM), CHHLTD | NAK);
    CHECK_EQ_U64(control(f, 1, 0xA3, 0, 0, 6, 4, d), -1); /* no port 6 */
}

static void test_ethernet(fixture *f) {
    enumerate(f, 2, 0xEC00);
    CHECK_EQ_U64(reg_read(f, 2, 0x00) >> 16, 0xEC00);
    /* No EEPROM: a read command times out. */
    reg_write(f, 2, 0x30, 1u << 31 | 1);
    CHECK_EQ_U64(reg_read(f, 2, 0x30) & (1u << 31 | 1u << 10), 1u << 10);
    /* The PHY at address 1: its ID, the link with the cable plugged. */
    CHECK_EQ_U64(mii_read(f, 2, 2), 0x0007);
    CHECK_EQ_U64(mii_read(f, 2, 1) & 0x24, 0x24);
    reg_write(f, 2, 0x108, 0x44332211); /* ADDRL: 11:22:33:44:55:66 */
    reg_write(f, 2, 0x104, 0x6655);
    reg_write(f, 2, 0x14, 1u << 5 | 2u << 9);  /* MEF, RX data offset 2 */
    reg_write(f, 2, 0x130, 1);                 /* RX checksum */
    reg_write(f, 2, 0x10, 1u << 2);            /* TX on */
    reg_write(f, 2, 0x100, 1u << 2 | 1u << 3); /* RX, TX enable */

    /* Bulk IN with nothing received: the channel stays enabled, no interrupt. */
    CHECK_EQ_U64(xfer(f, 2, 1, true, BULK, 512, DATA0, 18944, RAM + 0x1000), 0);
    CHECK(rd32(f, HC) & (1u << 31));
    uint8_t frame[100];
    for (unsigned i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)i;
    memcpy(frame, "\x11\x22\x33\x44\x55\x66", 6);
    net.port.receive(net.port.fe_opaque, frame, sizeof frame);
    CHECK_EQ_U64(rd32(f, HC + 0x08), CHHLTD | XFERCOMPL | 1u << 5);
    CHECK_EQ_U64(18944 - xfer_remaining(f), 4 + 2 + 106);
    const uint8_t *b = ram + 0x1000;
    uint32_t st = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    CHECK_EQ_U64((st >> 16) & 0x3FFF, 100 + 4 + 2); /* frame, FCS, checksum */
    CHECK_EQ_U64(b[4] | b[5], 0);                   /* the RX data offset */
    CHECK(memcmp(b + 6, frame, sizeof frame) == 0);
    /* Two frames received while no transfer waits: one transfer carries both, the second
     * 4-byte aligned after the first. */
    net.port.receive(net.port.fe_opaque, frame, sizeof frame);
    net.port.receive(net.port.fe_opaque, frame, 61);
    CHECK_EQ_U64(xfer(f, 2, 1, true, BULK, 512, DATA0, 18944, RAM + 0x1000),
                 CHHLTD | XFERCOMPL | 1u << 5);
    size_t second = (4 + 2 + 106 + 3) & ~3u;
    st = b[second] | b[second + 1] << 8 | b[second + 2] << 16 | (uint32_t)b[second + 3] << 24;
    CHECK_EQ_U64((st >> 16) & 0x3FFF, 61 + 6);
    CHECK_EQ_U64(18944 - xfer_remaining(f), second + 4 + 2 + 67);
    /* A frame for another MAC is filtered. */
    frame[0] = 0x02;
    net.port.receive(net.port.fe_opaque, frame, 64);
    CHECK_EQ_U64(xfer(f, 2, 1, true, BULK, 512, DATA0, 18944, RAM + 0x1000), 0);
    wr32(f, HC, (uint32_t)rd32(f, HC) | 3u << 30); /* the driver halts it */
    CHECK_EQ_U64(rd32(f, HC + 0x08) & CHHLTD, CHHLTD);

    /* Bulk OUT: TX_CMD_A (first+last, 42 bytes), TX_CMD_B, the frame. */
    uint8_t *o = ram + 0x3000;
    uint32_t a = 42 | 1u << 12 | 1u << 13, bb = 42;
    memcpy(o, &a, 4), memcpy(o + 4, &bb, 4);
    for (unsigned i = 0; i < 42; i++)
        o[8 + i] = (uint8_t)(0xA0 + i);
    CHECK_EQ_U64(xfer(f, 2, 2, false, BULK, 512, DATA0, 50, RAM + 0x3000),
                 CHHLTD | XFERCOMPL | 1u << 5);
    CHECK_EQ_U64(net.sent, 1);
    CHECK_EQ_U64(net.last_len, 42);
    CHECK_EQ_U64(net.last[41], 0xA0 + 41);
    /* One packet moved: the toggle is DATA1 now. */
    CHECK_EQ_U64((rd32(f, HC + 0x10) >> 29) & 3, DATA1);
}

static void mii_write(fixture *f, unsigned addr, unsigned phy_reg, uint16_t v) {
    reg_write(f, addr, 0x118, v);
    reg_write(f, addr, 0x114, 1u << 11 | phy_reg << 6 | 2u | 1u);
}

/* Unplugging the cable: the PHY loses the link and, with its interrupt unmasked and INT_EP_CTL
 * enabling it, the interrupt endpoint reports INT_STS.PHY_INT once. */
static void test_link_interrupt(fixture *f) {
    CHECK_EQ_U64(xfer(f, 2, 3, true, INTR, 16, DATA0, 16, RAM + 0x2000), CHHLTD | NAK);
    mii_write(f, 2, 30, 1u << 4);    /* PHY_INT_MASK: link down */
    reg_write(f, 2, 0x68, 1u << 15); /* INT_EP_CTL: PHY interrupt */
    net.port.link_up = false;
    CHECK_EQ_U64(mii_read(f, 2, 1) & 0x04, 0); /* BMSR: no link */
    CHECK_EQ_U64(xfer(f, 2, 3, true, INTR, 16, DATA0, 16, RAM + 0x2000),
                 CHHLTD | XFERCOMPL | 1u << 5);
    CHECK_EQ_U64(16 - xfer_remaining(f), 4);
    CHECK_EQ_U64(ram[0x2001], 0x80); /* bit 15 */
    CHECK_EQ_U64(xfer(f, 2, 3, true, INTR, 16, DATA0, 16, RAM + 0x2000), CHHLTD | NAK);
    CHECK_EQ_U64(mii_read(f, 2, 29) & (1u << 4), 1u << 4); /* PHY_INT_SRC, read to clear */
    reg_write(f, 2, 0x08, 0xFFFFFFFFu);                    /* INT_STS cleared */
    CHECK_EQ_U64(reg_read(f, 2, 0x08) & (1u << 15), 0);
    /* No link: received frames are not taken. */
    uint8_t frame[64];
    memset(frame, 0xFF, sizeof frame);
    net.port.receive(net.port.fe_opaque, frame, sizeof frame);
    CHECK_EQ_U64(xfer(f, 2, 1, true, BULK, 512, DATA0, 2048, RAM + 0x1000), 0);
    wr32(f, HC, (uint32_t)rd32(f, HC) | 3u << 30);
    net.port.link_up = true;
}

static void test_bad_input(fixture *f) {
    /* Size beyond packet count x max packet size: a transaction error, no DMA. */
    wr32(f, HC + 0x08, 0x7FF);
    wr32(f, HC + 0x10, 5000 | 1u << 19);
    wr32(f, HC + 0x14, 0xC0000000u | RAM);
    wr32(f, HC, 512 | 1u << 11 | 1u << 15 | 2u << 18 | 2u << 22 | 1u << 31);
    CHECK_EQ_U64(rd32(f, HC + 0x08), CHHLTD | XACTERR);
    /* OUT data from outside RAM. */
    CHECK_EQ_U64(xfer(f, 2, 2, false, BULK, 512, DATA0, 64, 0x3e000000ull) & AHBERR, AHBERR);
    /* A TX command word claiming more than the transfer carries: logged, nothing sent. */
    uint32_t a = 1500 | 3u << 12, bb = 1500;
    memcpy(ram + 0x3000, &a, 4), memcpy(ram + 0x3004, &bb, 4);
    unsigned sent = net.sent;
    CHECK_EQ_U64(xfer(f, 2, 2, false, BULK, 512, DATA0, 64, RAM + 0x3000) & XFERCOMPL, XFERCOMPL);
    CHECK_EQ_U64(net.sent, sent);
    /* A flood: the queue holds a bounded number of frames, the rest are dropped. */
    uint8_t frame[1514];
    memset(frame, 0xFF, 6);
    for (unsigned i = 0; i < 10000; i++)
        net.port.receive(net.port.fe_opaque, frame, sizeof frame);
    unsigned frames = 0;
    for (unsigned i = 0; i < 20000; i++) {
        uint32_t r = xfer(f, 2, 1, true, BULK, 512, DATA0, 2048, RAM + 0x1000);
        if (!(r & XFERCOMPL)) {
            wr32(f, HC, (uint32_t)rd32(f, HC) | 3u << 30);
            break;
        }
        frames++;
    }
    CHECK(frames > 0 && frames <= 512);
}

int main(void) {
    fixture_next_net = &net.port;
    static const char *const props[] = {"lan9514", "true", NULL};
    fixture *f = fixture_new("dwc2", BASE, props);
    char err[200];
    if (bus_add_ram(&f->bus, "ram", RAM, RAMSIZE, ram, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_port_and_hub(f);
    test_ethernet(f);
    test_link_interrupt(f);
    test_bad_input(f);
    fixture_free(f);
    return check_report("devices_usb_net");
}
