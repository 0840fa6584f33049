/* SMSC LAN9514 Ethernet function (USB 0424:ec00, behind the LAN9514 hub's port 1), as Linux's
 * smsc95xx driver drives it (facts: rpi3-hardware.md section 7, drivers/net/usb/smsc95xx.[ch]):
 *  - vendor control requests 0xA1 (read) / 0xA0 (write) of 32-bit registers at wIndex: ID_REV
 *    (chip 0xEC00), HW_CFG (lite reset, RX data offset, multiple frames per transfer, burst cap
 *    enable), PM_CTRL (PHY reset), E2P_CMD (no EEPROM: commands time out, so the MAC comes from
 *    the device tree), INT_STS/INT_EP_CTL, MAC_CR (RX/TX enable, promiscuous), ADDRH/ADDRL,
 *    MII_ADDR/MII_DATA to the internal PHY at address 1, COE_CR checksum offload; others are
 *    plain storage;
 *  - the PHY: BMCR/BMSR/ID/ANAR/ANLPAR; 100 Mb/s full duplex autonegotiated while a cable is
 *    plugged (the port's link_up); resets and autonegotiation restarts complete at once;
 *  - bulk IN endpoint 1: received frames, each behind a 4-byte status word (frame length with
 *    the 4-byte FCS, and the 2-byte RX checksum when COE_CR enables it, in bits 29:16) and the
 *    HW_CFG RX data offset; several frames per transfer with HW_CFG.MEF, each padded to 4 bytes;
 *  - bulk OUT endpoint 2: frames behind TX_CMD_A/TX_CMD_B (buffer size, first/last segment,
 *    data offset; TX checksum insertion with its 4-byte preamble);
 *  - interrupt IN endpoint 3: INT_STS bits enabled in INT_EP_CTL (the PHY interrupt).
 * The receive queue is bounded (RXQ_FRAMES frames); frames beyond it are dropped and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/usb.h"
#include "soc/log.h"
#include "soc/netport.h"

enum {
    ID_REV = 0x00,
    INT_STS = 0x08,
    RX_CFG = 0x0C,
    TX_CFG = 0x10,
    HW_CFG = 0x14,
    RX_FIFO_INF = 0x18,
    TX_FIFO_INF = 0x1C,
    PM_CTRL = 0x20,
    E2P_CMD = 0x30,
    E2P_DATA = 0x34,
    BURST_CAP = 0x38,
    INT_EP_CTL = 0x68,
    MAC_CR = 0x100,
    ADDRH = 0x104,
    ADDRL = 0x108,
    MII_ADDR = 0x114,
    MII_DATA = 0x118,
    COE_CR = 0x130,
    REG_SPACE = 0x140,

    ID_REV_LAN9514 = 0xEC000002u,
    INT_STS_PHY_INT = 1u << 15,
    TX_CFG_ON = 1u << 2,
    HW_CFG_SRST = 1u << 0,
    HW_CFG_BCE = 1u << 1,
    HW_CFG_LRST = 1u << 3,
    HW_CFG_MEF = 1u << 5,
    HW_CFG_RXDOFF_SHIFT = 9,
    PM_CTL_PHY_RST = 1u << 4,
    PM_CTL_DEV_RDY = 1u << 7,
    E2P_CMD_BUSY = 1u << 31,
    E2P_CMD_TIMEOUT = 1u << 10,
    MAC_CR_RXEN = 1u << 2,
    MAC_CR_TXEN = 1u << 3,
    MAC_CR_PRMS = 1u << 18,
    MII_BUSY = 1u << 0,
    MII_WRITE = 1u << 1,
    COE_RX_EN = 1u << 0,
    COE_TX_EN = 1u << 16,
    TX_CMD_A_BUF_SIZE = 0x7FF,
    TX_CMD_A_LAST_SEG = 1u << 12,
    TX_CMD_A_FIRST_SEG = 1u << 13,
    TX_CMD_B_CSUM = 1u << 14,

    PHY_ADDR = 1,
    PHY_INT_SRC = 29,
    PHY_INT_MASK = 30,
    BMCR_RESET = 1u << 15,
    BMCR_ANRESTART = 1u << 9,
    BMSR_LINK = 1u << 2,
    BMSR_ANEG_DONE = 1u << 5,
    PHY_INT_LINK_DOWN = 1u << 4,
    PHY_INT_ANEG_COMP = 1u << 6,

    RXQ_FRAMES = 256,
    FRAME_MAX = 2048, /* one frame and its TX command words, or a received one with trailers */
    MIN_FRAME = 60,
    MAX_ERRORS_LOGGED = 8,
};

typedef struct rx_frame {
    uint16_t len;
    uint8_t data[NETPORT_MAX_FRAME];
} rx_frame;

struct smsc95xx {
    usb_device usb;
    netport *port;
    uint32_t regs[REG_SPACE / 4];
    uint16_t phy[32];
    bool int_reported; /* INT_STS reported on the interrupt endpoint since it last changed */
    bool link;         /* what the PHY last saw */
    /* receive queue: a ring of frames */
    rx_frame *rxq;
    unsigned rx_head, rx_count;
    uint64_t rx_dropped;
    /* transmit: segments of the frame being assembled */
    uint8_t tx[FRAME_MAX];
    size_t tx_len;
    bool tx_open;
    unsigned errors_logged;
    uint8_t device_desc[18];
    uint8_t config_desc[39];
};

static void guest_error(smsc95xx *s, const char *what, unsigned v) {
    if (s->errors_logged >= MAX_ERRORS_LOGGED) return;
    if (++s->errors_logged == MAX_ERRORS_LOGGED)
        soc_warn("usb smsc95xx: %s (%u); further errors not logged", what, v);
    else
        soc_warn("usb smsc95xx: %s (%u)", what, v);
}

static bool cable(const smsc95xx *s) {
    return s->port && s->port->link_up;
}

static void phy_reset(smsc95xx *s) {
    memset(s->phy, 0, sizeof s->phy);
    s->phy[0] = 0x3000;                     /* BMCR: 100 Mb/s, autonegotiation on */
    s->phy[2] = 0x0007, s->phy[3] = 0xC0C3; /* the LAN9514's internal PHY */
    s->phy[4] = 0x01E1;                     /* ANAR: 10/100 half/full, 802.3 */
    s->phy[17] = 0x0002;                    /* MODE_CTRL_STS: energy on */
    s->phy[18] = 0x00E1;                    /* SPECIAL_MODES: all capable, address 1 */
    s->phy[31] = 0x0058 | (1u << 12);       /* SPECIAL_CTRL_STS: 100 full, autoneg done */
    s->link = false;
}

/* The PHY follows the cable; a change raises its interrupt source. */
static void phy_update(smsc95xx *s) {
    bool up = cable(s) && !(s->phy[0] & (1u << 11)); /* not powered down */
    uint16_t bmsr = 0x7809;                          /* 10/100 half/full, aneg able, ext regs */
    if (up) bmsr |= BMSR_LINK | BMSR_ANEG_DONE;
    s->phy[1] = bmsr;
    s->phy[5] = up ? 0x45E1 : 0; /* partner: 10/100 half/full, acknowledge */
    s->phy[6] = up ? 0x0001 : 0; /* ANER: partner autonegotiates */
    if (up != s->link) {
        s->link = up;
        s->phy[PHY_INT_SRC] |= up ? PHY_INT_ANEG_COMP : PHY_INT_LINK_DOWN;
    }
    if (s->phy[PHY_INT_SRC] & s->phy[PHY_INT_MASK]) {
        if (!(s->regs[INT_STS / 4] & INT_STS_PHY_INT)) s->int_reported = false;
        s->regs[INT_STS / 4] |= INT_STS_PHY_INT;
    }
}

static uint16_t phy_read(smsc95xx *s, unsigned reg) {
    phy_update(s);
    uint16_t v = s->phy[reg];
    if (reg == PHY_INT_SRC) s->phy[reg] = 0; /* read to clear */
    return v;
}

static void phy_write(smsc95xx *s, unsigned reg, uint16_t v) {
    switch (reg) {
    case 0:
        if (v & BMCR_RESET) {
            phy_reset(s);
        } else {
            s->phy[0] = v & (uint16_t) ~(BMCR_RESET | BMCR_ANRESTART);
        }
        break;
    case 1:
    case 2:
    case 3:
    case 5:
    case 6:
    case PHY_INT_SRC: break; /* read-only */
    default: s->phy[reg] = v; break;
    }
    phy_update(s);
}

static void soft_reset(smsc95xx *s) {
    memset(s->regs, 0, sizeof s->regs);
    s->regs[ID_REV / 4] = ID_REV_LAN9514;
    s->regs[PM_CTRL / 4] = PM_CTL_DEV_RDY;
    s->regs[ADDRH / 4] = 0xFFFF, s->regs[ADDRL / 4] = 0xFFFFFFFFu; /* no EEPROM */
    s->rx_head = s->rx_count = 0;
    s->tx_len = 0;
    s->tx_open = false;
    s->int_reported = false;
    if (s->port) s->port->rx_enabled = false;
}

static uint32_t reg_read(smsc95xx *s, unsigned off) {
    switch (off) {
    case RX_FIFO_INF: return s->rx_count ? (uint32_t)s->rx_count * 64 : 0;
    case TX_FIFO_INF: return 0x12C0; /* all free */
    case MII_DATA:
    default: return off < REG_SPACE ? s->regs[off / 4] : 0;
    }
}

static void reg_write(smsc95xx *s, unsigned off, uint32_t v) {
    if (off >= REG_SPACE || (off & 3)) {
        guest_error(s, "register write outside the register file", off);
        return;
    }
    uint32_t *r = &s->regs[off / 4];
    switch (off) {
    case ID_REV:
    case RX_FIFO_INF:
    case TX_FIFO_INF: break;
    case INT_STS:
        *r &= ~v;
        s->int_reported = false;
        phy_update(s);
        break;
    case HW_CFG:
        if (v & (HW_CFG_LRST | HW_CFG_SRST)) {
            uint32_t keep = *r & ~(HW_CFG_LRST | HW_CFG_SRST);
            soft_reset(s);
            s->regs[HW_CFG / 4] = keep;
        } else {
            *r = v;
        }
        break;
    case PM_CTRL:
        if (v & PM_CTL_PHY_RST) phy_reset(s), phy_update(s);
        *r = (v & ~PM_CTL_PHY_RST) | PM_CTL_DEV_RDY;
        break;
    case E2P_CMD:
        /* No EEPROM fitted (as on the Pi): every command times out at once. */
        *r = (v & E2P_CMD_BUSY) ? ((v & ~E2P_CMD_BUSY) | E2P_CMD_TIMEOUT) : (v & ~E2P_CMD_TIMEOUT);
        break;
    case MII_ADDR: {
        unsigned phy = (v >> 11) & 0x1F, reg = (v >> 6) & 0x1F;
        if (v & MII_WRITE) {
            if (phy == PHY_ADDR) phy_write(s, reg, (uint16_t)s->regs[MII_DATA / 4]);
        } else {
            s->regs[MII_DATA / 4] = phy == PHY_ADDR ? phy_read(s, reg) : 0xFFFF;
        }
        *r = v & ~MII_BUSY; /* done at once */
        break;
    }
    case MAC_CR:
        if ((v & MAC_CR_RXEN) && !(*r & MAC_CR_RXEN)) usb_wakeup(&s->usb);
        *r = v;
        if (s->port) s->port->rx_enabled = v & MAC_CR_RXEN;
        break;
    default: *r = v; break;
    }
}

static int eth_control(usb_device *d, const usb_setup_req *r, uint8_t *data) {
    smsc95xx *s = d->opaque;
    if (r->type == 0xC0 && r->request == 0xA1 && r->length == 4) {
        uint32_t v = reg_read(s, r->index);
        data[0] = (uint8_t)v, data[1] = (uint8_t)(v >> 8), data[2] = (uint8_t)(v >> 16),
        data[3] = (uint8_t)(v >> 24);
        return 4;
    }
    if (r->type == 0x40 && r->request == 0xA0 && r->length == 4) {
        reg_write(s, r->index,
                  (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                      (uint32_t)data[3] << 24);
        return 0;
    }
    guest_error(s, "unknown control request", (unsigned)(r->type << 8 | r->request));
    return USB_STALL;
}

static uint32_t crc32_le(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* The ones' complement sum the RX checksum engine reports: 16-bit little-endian words from the
 * end of the Ethernet header to the end of the frame (what Linux uses as CHECKSUM_COMPLETE). */
static uint16_t rx_csum(const uint8_t *p, size_t n) {
    uint32_t sum = 0;
    size_t i = 14;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
    if (i < n) sum += p[i];
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

static int eth_bulk_in(smsc95xx *s, uint8_t *buf, size_t max) {
    if (!s->rx_count || !(s->regs[MAC_CR / 4] & MAC_CR_RXEN)) return USB_NAK;
    uint32_t hw = s->regs[HW_CFG / 4];
    size_t limit = max;
    uint32_t burst = s->regs[BURST_CAP / 4] & 0xFF;
    if ((hw & HW_CFG_BCE) && burst && burst * 512u < limit) limit = burst * 512u;
    unsigned off = (hw >> HW_CFG_RXDOFF_SHIFT) & 3;
    bool coe = s->regs[COE_CR / 4] & COE_RX_EN;
    size_t pos = 0;
    while (s->rx_count) {
        rx_frame *f = &s->rxq[s->rx_head];
        size_t size = (size_t)f->len + 4 + (coe ? 2 : 0);
        size_t start = (pos + 3) & ~(size_t)3; /* frames after the first start 4-byte aligned */
        if (start + 4 + off + size > limit) {
            if (pos == 0) { /* the transfer cannot hold one frame: the guest asked too little */
                guest_error(s, "bulk IN transfer too short for a frame", (unsigned)max);
                return USB_STALL;
            }
            break;
        }
        memset(buf + pos, 0, start - pos);
        uint32_t status = (uint32_t)size << 16;
        if (f->data[0] & 1) status |= 1u << 10; /* multicast */
        uint8_t *p = buf + start;
        p[0] = (uint8_t)status, p[1] = (uint8_t)(status >> 8), p[2] = (uint8_t)(status >> 16),
        p[3] = (uint8_t)(status >> 24);
        memset(p + 4, 0, off);
        uint8_t *fr = p + 4 + off;
        memcpy(fr, f->data, f->len);
        uint32_t fcs = crc32_le(f->data, f->len);
        for (int k = 0; k < 4; k++)
            fr[f->len + k] = (uint8_t)(fcs >> (8 * k));
        if (coe) {
            uint16_t c = rx_csum(f->data, f->len);
            fr[f->len + 4] = (uint8_t)c, fr[f->len + 5] = (uint8_t)(c >> 8);
        }
        pos = start + 4 + off + size;
        s->rx_head = (s->rx_head + 1) % RXQ_FRAMES;
        s->rx_count--;
        if (!(hw & HW_CFG_MEF)) break;
    }
    return (int)pos;
}

static void tx_checksum(uint8_t *f, size_t len, unsigned start, unsigned at) {
    if (start >= len || at + 2 > len) return;
    uint32_t sum = 0;
    size_t i = start;
    for (; i + 1 < len; i += 2)
        sum += (uint32_t)f[i] << 8 | f[i + 1];
    if (i < len) sum += (uint32_t)f[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    f[at] = (uint8_t)(c >> 8), f[at + 1] = (uint8_t)c;
}

static int eth_bulk_out(smsc95xx *s, const uint8_t *data, size_t len) {
    size_t pos = 0;
    while (pos + 8 <= len) {
        uint32_t a = (uint32_t)data[pos] | (uint32_t)data[pos + 1] << 8 |
                     (uint32_t)data[pos + 2] << 16 | (uint32_t)data[pos + 3] << 24;
        uint32_t b = (uint32_t)data[pos + 4] | (uint32_t)data[pos + 5] << 8 |
                     (uint32_t)data[pos + 6] << 16 | (uint32_t)data[pos + 7] << 24;
        size_t size = a & TX_CMD_A_BUF_SIZE, offset = (a >> 16) & 0x1F;
        size_t at = pos + 8 + offset;
        if (at + size > len) {
            guest_error(s, "TX buffer runs past the transfer", (unsigned)size);
            s->tx_open = false;
            return 0;
        }
        if (a & TX_CMD_A_FIRST_SEG) s->tx_len = 0, s->tx_open = true;
        if (!s->tx_open || s->tx_len + size > sizeof s->tx) {
            guest_error(s, "TX segment without a first segment, or frame too long", (unsigned)size);
            s->tx_open = false;
        } else {
            memcpy(s->tx + s->tx_len, data + at, size);
            s->tx_len += size;
        }
        if ((a & TX_CMD_A_LAST_SEG) && s->tx_open) {
            s->tx_open = false;
            uint8_t *f = s->tx;
            size_t flen = b & 0x7FF;
            if (flen > s->tx_len) flen = s->tx_len;
            if ((b & TX_CMD_B_CSUM) && flen >= 4) {
                unsigned start = f[0] | f[1] << 8, put = f[2] | f[3] << 8;
                f += 4, flen -= 4;
                if (s->regs[COE_CR / 4] & COE_TX_EN) tx_checksum(f, flen, start, put);
            }
            if (flen < 14 || flen > NETPORT_MAX_FRAME)
                guest_error(s, "TX frame length out of range", (unsigned)flen);
            else if ((s->regs[MAC_CR / 4] & MAC_CR_TXEN) && (s->regs[TX_CFG / 4] & TX_CFG_ON))
                netport_send(s->port, f, flen);
        }
        pos = (at + size + 3) & ~(size_t)3;
    }
    return 0;
}

static int eth_in(usb_device *d, unsigned ep, uint8_t *buf, size_t max) {
    smsc95xx *s = d->opaque;
    if (d->config == 0) return USB_STALL;
    if (ep == 1) return eth_bulk_in(s, buf, max);
    if (ep == 3) {
        phy_update(s);
        uint32_t pending = s->regs[INT_STS / 4] & s->regs[INT_EP_CTL / 4];
        if (!pending || s->int_reported) return USB_NAK;
        s->int_reported = true;
        size_t n = max < 4 ? max : 4;
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)(pending >> (8 * k));
        return (int)n;
    }
    return USB_STALL;
}

static int eth_out(usb_device *d, unsigned ep, const uint8_t *data, size_t len) {
    smsc95xx *s = d->opaque;
    if (d->config == 0 || ep != 2) return USB_STALL;
    return eth_bulk_out(s, data, len);
}

static void eth_reset(usb_device *d) {
    smsc95xx *s = d->opaque;
    soft_reset(s);
    phy_reset(s);
    phy_update(s);
}

static const usb_device_ops eth_ops = {
    .reset = eth_reset, .control = eth_control, .in = eth_in, .out = eth_out};

static bool accept(const smsc95xx *s, const uint8_t *f) {
    if (s->regs[MAC_CR / 4] & MAC_CR_PRMS) return true;
    if (f[0] & 1) return true; /* broadcast, multicast */
    uint32_t lo = s->regs[ADDRL / 4], hi = s->regs[ADDRH / 4];
    uint8_t mac[6] = {(uint8_t)lo,         (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                      (uint8_t)(lo >> 24), (uint8_t)hi,        (uint8_t)(hi >> 8)};
    return memcmp(f, mac, 6) == 0;
}

static void eth_receive(void *opaque, const uint8_t *frame, size_t len) {
    smsc95xx *s = opaque;
    if (len < 14 || len > NETPORT_MAX_FRAME || !(s->regs[MAC_CR / 4] & MAC_CR_RXEN) || !cable(s) ||
        !accept(s, frame))
        return;
    if (s->rx_count == RXQ_FRAMES) {
        s->rx_dropped++;
        return;
    }
    rx_frame *f = &s->rxq[(s->rx_head + s->rx_count) % RXQ_FRAMES];
    memcpy(f->data, frame, len);
    if (len < MIN_FRAME) memset(f->data + len, 0, MIN_FRAME - len), len = MIN_FRAME;
    f->len = (uint16_t)len;
    s->rx_count++;
    usb_wakeup(&s->usb);
}

smsc95xx *smsc95xx_new(netport *port) {
    smsc95xx *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->rxq = calloc(RXQ_FRAMES, sizeof *s->rxq);
    if (!s->rxq) {
        free(s);
        return NULL;
    }
    const uint8_t dd[18] = {18,
                            1,
                            USB_LE16(0x0200),
                            0xFF,
                            0x00,
                            0xFF,
                            64,
                            USB_LE16(0x0424),
                            USB_LE16(0xEC00),
                            USB_LE16(0x0200),
                            0,
                            0,
                            0,
                            1};
    const uint8_t cd[39] = {
        9,
        2,
        USB_LE16(39),
        1,
        1,
        0,
        0xE0,
        1, /* self-powered, remote wakeup, 2 mA */
        9,
        4,
        0,
        0,
        3,
        0xFF,
        0x00,
        0xFF,
        0, /* vendor interface, three endpoints */
        7,
        5,
        0x81,
        2,
        USB_LE16(512),
        0, /* bulk IN: received frames */
        7,
        5,
        0x02,
        2,
        USB_LE16(512),
        0, /* bulk OUT: frames to send */
        7,
        5,
        0x83,
        3,
        USB_LE16(16),
        4, /* interrupt IN: status */
    };
    memcpy(s->device_desc, dd, sizeof dd);
    memcpy(s->config_desc, cd, sizeof cd);
    usb_device_init(&s->usb, "lan9514-eth", &eth_ops, s, s->device_desc, s->config_desc);
    s->port = port;
    netport_set_frontend(port, eth_receive, s);
    eth_reset(&s->usb);
    return s;
}

void smsc95xx_free(smsc95xx *s) {
    if (!s) return;
    netport_set_frontend(s->port, NULL, NULL);
    free(s->rxq);
    free(s);
}

usb_device *smsc95xx_device(smsc95xx *s) {
    return &s->usb;
}

uint64_t smsc95xx_rx_dropped(const smsc95xx *s) {
    return s->rx_dropped;
}
