/* Synopsys DesignWare USB 2.0 OTG core (DWC2), as in the BCM2837 (usb@7e980000 = ARM 0x3F980000,
 * 64 KiB, GPU IRQ 9), modelled at register level in host mode with an empty root port.
 *
 * What Linux's dwc2 driver (drivers/usb/dwc2, Debian: USB_DWC2=m) needs to probe and register a
 * root hub with one port and nothing plugged in (facts: rpi3-hardware.md section 7):
 *  - GSNPSID 0x4F54280A (2.80a, older than 4.20a: soft reset completes when CSFTRST reads 0);
 *  - GRSTCTL: CSFTRST and the FIFO flushes complete at once, AHBIDLE always set;
 *  - GHWCFG1-4 as a Pi reports them: HNP/SRP OTG, internal DMA, UTMI+, 8 host channels, dynamic
 *    FIFO sizing, 4080-word FIFO RAM, 19-bit transfer and 10-bit packet counters;
 *  - GINTSTS.CURMOD following GUSBCFG's force-host/force-device bits (otherwise host: the ID pin
 *    reads A-device, as the Pi's LAN9514 wiring needs);
 *  - HPRT0: port power, connection (with the lan9514 property: the board's LAN9514 hub, its
 *    Ethernet function on hub port 1 wired to the machine's net port), reset then enable at high
 *    speed, W1C change bits;
 *  - host channels in buffer-DMA mode: HCCHAR/HCTSIZ/HCDMA program a transfer, enabling the
 *    channel runs it against the addressed USB device (peripherals/usb.h) at once: SETUP, IN
 *    and OUT data go by DMA at HCDMA (bus address & 0x3FFFFFFF), HCTSIZ counts down size and
 *    packets and carries the next data toggle, HCINT reports XFERCOMPL/ACK/STALL/NAK/XACTERR/
 *    AHBERR with CHHLTD. A bulk or control IN the device NAKs stays active (the core retries
 *    non-periodic NAKs by itself) until the device has data; an interrupt IN that NAKs halts
 *    with NAK, as the driver expects of periodic transfers. Split transactions are not
 *    modelled (every device here is high speed): they end in a transaction error.
 *
 * Frames: the frame counter runs (1 ms frames) while the core is in host mode with port power
 * on, computed from virtual time on read. The SOF interrupt is an event only while unmasked and
 * not already pending, so an idle controller costs nothing. (Real cores only send SOFs on an
 * enabled port; Linux unmasks SOF only with periodic transfers queued, i.e. never here.)
 *
 * IRQ = (GINTSTS & GINTMSK) != 0 && GAHBCFG.GLBLINTRMSK. */
#include <stdint.h>
#include <string.h>

#include <stdlib.h>

#include "peripherals/usb.h"
#include "soc/device.h"
#include "soc/log.h"
#include "soc/netport.h"

/* Register offsets. */
enum {
    GOTGCTL = 0x000,
    GOTGINT = 0x004,
    GAHBCFG = 0x008,
    GUSBCFG = 0x00C,
    GRSTCTL = 0x010,
    GINTSTS = 0x014,
    GINTMSK = 0x018,
    GRXSTSR = 0x01C,
    GRXSTSP = 0x020,
    GRXFSIZ = 0x024,
    GNPTXFSIZ = 0x028,
    GNPTXSTS = 0x02C,
    GSNPSID = 0x040,
    GHWCFG1 = 0x044,
    GHWCFG2 = 0x048,
    GHWCFG3 = 0x04C,
    GHWCFG4 = 0x050,
    HPTXFSIZ = 0x100,
    DPTXFSIZ1 = 0x104, /* DPTXFSIZn at 0x104 + 4 (n - 1), n = 1..15 */
    HCFG = 0x400,
    HFIR = 0x404,
    HFNUM = 0x408,
    HPTXSTS = 0x410,
    HAINT = 0x414,
    HAINTMSK = 0x418,
    HPRT0 = 0x440,
    HC_BASE = 0x500, /* channel n at HC_BASE + HC_STRIDE n */
    HC_STRIDE = 0x20,
    HC_END = 0x700,
    PCGCCTL = 0xE00,
    CSR_END = 0xE04, /* beyond: the FIFO windows, unused with DMA */
    DWC2_SIZE = 0x10000,
};

/* Per-channel register offsets. */
enum { HCCHAR = 0x00, HCSPLT = 0x04, HCINT = 0x08, HCINTMSK = 0x0C, HCTSIZ = 0x10, HCDMA = 0x14 };

enum {
    DWC2_SNPSID = 0x4F54280A, /* "OT" 2.80a */
    DWC2_CHANNELS = 8,
    /* OTG (HNP+SRP), internal DMA, UTMI+ HS PHY, dedicated FS PHY, 7 device endpoints, 8 host
     * channels, periodic endpoints, dynamic FIFO sizing, queue depths 2/2/8. */
    DWC2_HWCFG2 = 0x228DDD50,
    /* 4080-word FIFO RAM, OTG, 19-bit transfer size and 10-bit packet counters. */
    DWC2_HWCFG3 = 0x0FF000E8,
    /* Dedicated device FIFOs, 7 IN endpoints, no descriptor DMA, 8-bit UTMI. */
    DWC2_HWCFG4 = 0x1FF00020,
    /* Power-on FIFO layout (words): RX 4096, non-periodic TX 256, periodic TX 512. Linux writes
     * its own (Broadcom params: RX 774) but checks its parameters against these depths. */
    DWC2_RXFSIZ_RESET = 0x1000,
    DWC2_NPTXFSIZ_RESET = (0x100u << 16) | 0x1000,
    DWC2_HPTXFSIZ_RESET = (0x200u << 16) | 0x1100,
    DWC2_DPTXFSIZ_RESET = (0x100u << 16),
    DWC2_USBCFG_RESET = 0x5u << 10, /* USB turnaround time 5 */
    DWC2_HFIR_RESET = 60000,        /* 1 ms at the 60 MHz PHY clock */
    FRAME_NS = 1000000,
    FRNUM_MASK = 0x3FFF,
};

enum {
    GAHBCFG_GLBLINTRMSK = 1u << 0,
    GUSBCFG_FORCEHOSTMODE = 1u << 29,
    GUSBCFG_FORCEDEVMODE = 1u << 30,
    GRSTCTL_CSFTRST = 1u << 0,
    GRSTCTL_FRMCNTRRST = 1u << 2,
    GRSTCTL_TXFNUM_MASK = 0x1Fu << 6,
    GRSTCTL_AHBIDLE = 1u << 31,

    GINTSTS_CURMOD_HOST = 1u << 0,
    GINTSTS_OTGINT = 1u << 2,
    GINTSTS_SOF = 1u << 3,
    GINTSTS_NPTXFEMP = 1u << 5,
    GINTSTS_PRTINT = 1u << 24,
    GINTSTS_HCHINT = 1u << 25,
    GINTSTS_PTXFEMP = 1u << 26,
    /* Status bits software clears by writing 1 (the rest are computed or read-only). */
    GINTSTS_W1C = 0xF8F3FC0Au,

    HPRT0_CONNSTS = 1u << 0,
    HPRT0_CONNDET = 1u << 1,
    HPRT0_ENA = 1u << 2,
    HPRT0_ENCHNG = 1u << 3,
    HPRT0_OVRCURRACT = 1u << 4,
    HPRT0_OVRCURRCHNG = 1u << 5,
    HPRT0_PWR = 1u << 12,
    HPRT0_CHANGES = HPRT0_CONNDET | HPRT0_ENCHNG | HPRT0_OVRCURRCHNG,
    /* Resume, suspend, reset, power, test control: plain storage. */
    HPRT0_RW = (1u << 6) | (1u << 7) | (1u << 8) | HPRT0_PWR | (0xFu << 13),

    HPRT0_RST = 1u << 8,

    HCCHAR_MPS_MASK = 0x7FF,
    HCCHAR_EPDIR_IN = 1u << 15,
    HCCHAR_CHDIS = 1u << 30,
    HCCHAR_CHENA = 1u << 31,
    HCSPLT_SPLTENA = 1u << 31,
    HCINT_XFERCOMPL = 1u << 0,
    HCINT_CHHLTD = 1u << 1,
    HCINT_AHBERR = 1u << 2,
    HCINT_STALL = 1u << 3,
    HCINT_NAK = 1u << 4,
    HCINT_ACK = 1u << 5,
    HCINT_XACTERR = 1u << 7,
    HCTSIZ_XFERSIZE_MASK = 0x7FFFF,
    HCTSIZ_PKTCNT_SHIFT = 19,
    HCTSIZ_PKTCNT_MASK = 0x3FFu << 19,
    HCTSIZ_PID_SHIFT = 29,
    HCTSIZ_PID_MASK = 3u << 29,
    PID_DATA0 = 0,
    PID_DATA2 = 1,
    PID_DATA1 = 2,
    PID_SETUP = 3,
    EPTYPE_CONTROL = 0,
    EPTYPE_ISOC = 1,
    EPTYPE_BULK = 2,
    EPTYPE_INTR = 3,
    XFER_MAX = HCTSIZ_XFERSIZE_MASK + 1,
    DWC2_MAX_ERRORS_LOGGED = 16,
};

typedef struct dwc2_channel {
    uint32_t hcchar, hcsplt, hcint, hcintmsk, hctsiz, hcdma;
    bool waiting; /* an enabled IN transfer the device NAKed: retried when it has data */
} dwc2_channel;

typedef struct dwc2 {
    dev_ctx *ctx;
    uint32_t gotgctl, gotgint, gahbcfg, gusbcfg, grstctl_txfnum;
    uint32_t gintsts_latched; /* the W1C bits (SOF is computed from the frame counter) */
    uint32_t gintmsk;
    uint32_t grxfsiz, gnptxfsiz, hptxfsiz, dptxfsiz[15];
    uint32_t hcfg, hfir, haintmsk, hprt0, pcgcctl;
    uint32_t other[CSR_END / 4]; /* storage for registers without behaviour */
    dwc2_channel ch[DWC2_CHANNELS];
    /* Frame counter: running since frame_origin_ns while counting; SOF acknowledged up to
     * sof_acked frames after the origin. */
    bool counting;
    uint64_t frame_origin_ns;
    uint64_t sof_acked;
    vclock_event sof_event;
    /* The root port's device (the LAN9514 hub) and what hangs below it; NULL = empty. */
    usb_hub *hub;
    smsc95xx *eth;
    usb_device *root;
    uint8_t *xfer; /* XFER_MAX bytes: one transfer's data on its way to or from the device */
    bool in_transfer, retry_pending; /* a device's wakeup during a transfer waits for its end */
    unsigned errors_logged;
} dwc2;

static bool in_host_mode(const dwc2 *d) {
    if (d->gusbcfg & GUSBCFG_FORCEHOSTMODE) return true;
    if (d->gusbcfg & GUSBCFG_FORCEDEVMODE) return false;
    return true; /* ID pin: A-device */
}

static uint64_t frames_elapsed(const dwc2 *d) {
    return d->counting ? (vclock_now(d->ctx->clock) - d->frame_origin_ns) / FRAME_NS : 0;
}

static bool sof_pending(const dwc2 *d) {
    return d->counting && frames_elapsed(d) > d->sof_acked;
}

static uint32_t haint(const dwc2 *d) {
    uint32_t bits = 0;
    for (unsigned n = 0; n < DWC2_CHANNELS; n++)
        if (d->ch[n].hcint & d->ch[n].hcintmsk) bits |= 1u << n;
    return bits;
}

static uint32_t gintsts(const dwc2 *d) {
    uint32_t v = d->gintsts_latched | GINTSTS_NPTXFEMP | GINTSTS_PTXFEMP;
    if (in_host_mode(d)) v |= GINTSTS_CURMOD_HOST;
    if (d->gotgint) v |= GINTSTS_OTGINT;
    if (sof_pending(d)) v |= GINTSTS_SOF;
    if (d->hprt0 & HPRT0_CHANGES) v |= GINTSTS_PRTINT;
    if (haint(d) & d->haintmsk) v |= GINTSTS_HCHINT;
    return v;
}

/* The frame counter runs in host mode with port power on; (re)starting it begins at frame 0. */
static void update_counting(dwc2 *d) {
    bool run = in_host_mode(d) && (d->hprt0 & HPRT0_PWR);
    if (run && !d->counting) {
        d->frame_origin_ns = vclock_now(d->ctx->clock);
        d->sof_acked = 0;
    }
    d->counting = run;
}

/* Drives the IRQ line and keeps one SOF event armed only while a SOF could raise it. */
static void dwc2_update(dwc2 *d) {
    update_counting(d);
    bool enabled = d->gahbcfg & GAHBCFG_GLBLINTRMSK;
    irq_set(dev_irq(d->ctx, 0), enabled && (gintsts(d) & d->gintmsk) != 0);
    bool want_sof = enabled && (d->gintmsk & GINTSTS_SOF) && d->counting && !sof_pending(d);
    if (want_sof)
        vclock_schedule(d->ctx->clock, &d->sof_event,
                        d->frame_origin_ns + (d->sof_acked + 1) * FRAME_NS);
    else if (vclock_event_pending(&d->sof_event))
        vclock_cancel(d->ctx->clock, &d->sof_event);
}

static void sof_fired(void *opaque, uint64_t now_ns) {
    (void)now_ns;
    dwc2_update(opaque);
}

/* HFNUM: [15:0] frame number, [31:16] PHY clocks left in the frame (scaled from HFIR). */
static uint32_t hfnum(const dwc2 *d) {
    if (!d->counting) return FRNUM_MASK;
    uint64_t since = vclock_now(d->ctx->clock) - d->frame_origin_ns;
    uint64_t left_ns = FRAME_NS - since % FRAME_NS;
    uint32_t remaining = (uint32_t)(left_ns * (d->hfir & 0xFFFF) / FRAME_NS);
    return (remaining << 16) | (uint32_t)((since / FRAME_NS) & FRNUM_MASK);
}

static void soft_reset(dwc2 *d) {
    /* State machines restart and FIFOs flush; pending interrupts go, configuration stays. */
    d->gintsts_latched = 0;
    d->gotgint = 0;
    for (unsigned n = 0; n < DWC2_CHANNELS; n++) {
        d->ch[n].hcint = 0;
        d->ch[n].hcchar &= ~(HCCHAR_CHENA | HCCHAR_CHDIS);
        d->ch[n].waiting = false;
    }
    d->hprt0 &= ~HPRT0_CHANGES;
    /* The port is seen again as if just connected. */
    d->hprt0 &= ~HPRT0_ENA;
    if ((d->hprt0 & HPRT0_PWR) && d->root) d->hprt0 |= HPRT0_CONNSTS | HPRT0_CONNDET;
    d->sof_acked = frames_elapsed(d);
}

static void guest_error(dwc2 *d, unsigned n, const char *what, uint32_t v) {
    if (d->errors_logged >= DWC2_MAX_ERRORS_LOGGED) return;
    d->errors_logged++;
    soc_warn("%s: channel %u: %s (0x%x)%s", d->ctx->name, n, what, v,
             d->errors_logged == DWC2_MAX_ERRORS_LOGGED ? "; further errors not logged" : "");
}

static void halt(dwc2_channel *c, uint32_t why) {
    c->hcint |= HCINT_CHHLTD | why;
    c->hcchar &= ~(HCCHAR_CHENA | HCCHAR_CHDIS);
    c->waiting = false;
}

static bool port_enabled(const dwc2 *d) {
    return d->root && (d->hprt0 & HPRT0_ENA);
}

static uint64_t dma_addr(const dwc2_channel *c) {
    return c->hcdma & 0x3FFFFFFFu; /* bus address: the 0xC0000000 alias of SDRAM */
}

/* A transfer of len bytes in packets of mps moved: HCTSIZ counts down, the toggle advances. */
static void account(dwc2_channel *c, uint32_t len, uint32_t mps, bool in) {
    uint32_t size = c->hctsiz & HCTSIZ_XFERSIZE_MASK;
    uint32_t pkts = (c->hctsiz & HCTSIZ_PKTCNT_MASK) >> HCTSIZ_PKTCNT_SHIFT;
    uint32_t pid = (c->hctsiz & HCTSIZ_PID_MASK) >> HCTSIZ_PID_SHIFT;
    uint32_t moved = len ? (len + mps - 1) / mps : 1;
    size = in ? (len <= size ? size - len : 0) : 0;
    pkts = moved <= pkts ? pkts - moved : 0;
    if (pid == PID_SETUP)
        pid = PID_DATA1;
    else if (moved & 1)
        pid = pid == PID_DATA0 ? PID_DATA1 : PID_DATA0;
    c->hctsiz = (c->hctsiz & ~(HCTSIZ_XFERSIZE_MASK | HCTSIZ_PKTCNT_MASK | HCTSIZ_PID_MASK)) |
                size | pkts << HCTSIZ_PKTCNT_SHIFT | pid << HCTSIZ_PID_SHIFT;
    c->hcdma += len;
}

static usb_device *channel_device(dwc2 *d, unsigned n) {
    dwc2_channel *c = &d->ch[n];
    if (!port_enabled(d)) return NULL;
    if (c->hcsplt & HCSPLT_SPLTENA) {
        guest_error(d, n, "split transaction to a high-speed device", c->hcsplt);
        return NULL;
    }
    return usb_find(d->root, (uint8_t)((c->hcchar >> 22) & 0x7F));
}

/* One attempt at an IN transfer; returns false while the device NAKs and the channel waits. */
static bool try_in(dwc2 *d, unsigned n) {
    dwc2_channel *c = &d->ch[n];
    usb_device *dev = channel_device(d, n);
    if (!dev) {
        halt(c, HCINT_XACTERR);
        return true;
    }
    unsigned ep = (c->hcchar >> 11) & 0xF, type = (c->hcchar >> 18) & 3;
    uint32_t mps = c->hcchar & HCCHAR_MPS_MASK;
    uint32_t size = c->hctsiz & HCTSIZ_XFERSIZE_MASK;
    if (!mps) mps = 64;
    int got = usb_in(dev, ep, d->xfer, size);
    if (got == USB_NAK) {
        if (type == EPTYPE_INTR || type == EPTYPE_ISOC) {
            halt(c, HCINT_NAK);
            return true;
        }
        c->waiting = true;
        return false;
    }
    if (got == USB_STALL) {
        halt(c, HCINT_STALL);
        return true;
    }
    if (got > 0) {
        char err[160];
        if (bus_write_block(d->ctx->bus, dma_addr(c), d->xfer, (size_t)got, err, sizeof err) < 0) {
            guest_error(d, n, "IN data to a DMA address outside RAM", c->hcdma);
            halt(c, HCINT_AHBERR);
            return true;
        }
    }
    account(c, (uint32_t)got, mps, true);
    halt(c, HCINT_XFERCOMPL | HCINT_ACK);
    return true;
}

static void channel_start(dwc2 *d, unsigned n) {
    dwc2_channel *c = &d->ch[n];
    usb_device *dev = channel_device(d, n);
    if (!dev) {
        halt(c, HCINT_XACTERR);
        return;
    }
    unsigned ep = (c->hcchar >> 11) & 0xF;
    uint32_t mps = c->hcchar & HCCHAR_MPS_MASK;
    uint32_t size = c->hctsiz & HCTSIZ_XFERSIZE_MASK;
    uint32_t pid = (c->hctsiz & HCTSIZ_PID_MASK) >> HCTSIZ_PID_SHIFT;
    uint32_t pkts = (c->hctsiz & HCTSIZ_PKTCNT_MASK) >> HCTSIZ_PKTCNT_SHIFT;
    if (!mps || (size > pkts * mps)) {
        guest_error(d, n, "transfer size beyond packet count x max packet size", c->hctsiz);
        halt(c, HCINT_XACTERR);
        return;
    }
    if (c->hcchar & HCCHAR_EPDIR_IN) {
        try_in(d, n);
        return;
    }
    char err[160];
    if (size && bus_read_block(d->ctx->bus, dma_addr(c), d->xfer, size, err, sizeof err) < 0) {
        guest_error(d, n, "OUT data from a DMA address outside RAM", c->hcdma);
        halt(c, HCINT_AHBERR);
        return;
    }
    int r;
    if (pid == PID_SETUP) {
        if (ep != 0 || size != 8) {
            guest_error(d, n, "SETUP packet not 8 bytes to endpoint 0", size);
            halt(c, HCINT_XACTERR);
            return;
        }
        usb_setup(dev, d->xfer);
        r = 0;
    } else {
        r = usb_out(dev, ep, d->xfer, size);
    }
    if (r == USB_STALL) {
        halt(c, HCINT_STALL);
    } else if (r == USB_NAK) {
        halt(c, HCINT_NAK);
    } else {
        account(c, size, mps, false);
        halt(c, HCINT_XFERCOMPL | HCINT_ACK);
    }
}

static void channel_write_hcchar(dwc2 *d, unsigned n, uint32_t value) {
    dwc2_channel *c = &d->ch[n];
    bool was_active = c->hcchar & HCCHAR_CHENA;
    c->hcchar = value;
    if (!(value & HCCHAR_CHENA)) {
        if (was_active) c->hcchar |= HCCHAR_CHENA; /* CHENA cannot be cleared by software */
        return;
    }
    if (value & HCCHAR_CHDIS) { /* halt request: an active (waiting) transfer stops */
        halt(c, 0);
        return;
    }
    /* (A driver that gave up on a waiting transfer and programs a new one without halting the
     * channel, as U-Boot does after its timeout, gets the new transfer.) */
    channel_start(d, n);
}

/* A device has data: waiting IN transfers try again. */
static void usb_has_data(void *opaque) {
    dwc2 *d = opaque;
    if (d->in_transfer) { /* d->xfer is in use: retry once this transfer is done */
        d->retry_pending = true;
        return;
    }
    d->in_transfer = true;
    bool any = false;
    for (unsigned n = 0; n < DWC2_CHANNELS; n++)
        if (d->ch[n].waiting && try_in(d, n)) any = true;
    d->in_transfer = false;
    if (any) dwc2_update(d);
}

static uint64_t channel_read(const dwc2 *d, uint64_t offset) {
    unsigned n = (unsigned)((offset - HC_BASE) / HC_STRIDE);
    if (n >= DWC2_CHANNELS) return 0;
    const dwc2_channel *c = &d->ch[n];
    switch ((offset - HC_BASE) % HC_STRIDE) {
    case HCCHAR: return c->hcchar;
    case HCSPLT: return c->hcsplt;
    case HCINT: return c->hcint;
    case HCINTMSK: return c->hcintmsk;
    case HCTSIZ: return c->hctsiz;
    case HCDMA: return c->hcdma;
    default: return 0;
    }
}

static void channel_write(dwc2 *d, uint64_t offset, uint32_t value) {
    unsigned n = (unsigned)((offset - HC_BASE) / HC_STRIDE);
    if (n >= DWC2_CHANNELS) return;
    dwc2_channel *c = &d->ch[n];
    switch ((offset - HC_BASE) % HC_STRIDE) {
    case HCCHAR: channel_write_hcchar(d, n, value); break;
    case HCSPLT: c->hcsplt = value; break;
    case HCINT: c->hcint &= ~value; break;
    case HCINTMSK: c->hcintmsk = value & 0x7FF; break;
    case HCTSIZ: c->hctsiz = value; break;
    case HCDMA: c->hcdma = value; break;
    default: break;
    }
}

static uint64_t dwc2_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    dwc2 *d = opaque;
    if (offset >= CSR_END) return 0; /* FIFO windows: slave mode only */
    if (offset >= HC_BASE && offset < HC_END) return channel_read(d, offset);
    if (offset >= DPTXFSIZ1 && offset < DPTXFSIZ1 + 4 * 15)
        return d->dptxfsiz[(offset - DPTXFSIZ1) / 4];
    switch (offset) {
    case GOTGCTL: return d->gotgctl; /* CONIDSTS 0: A-device */
    case GOTGINT: return d->gotgint;
    case GAHBCFG: return d->gahbcfg;
    case GUSBCFG: return d->gusbcfg;
    case GRSTCTL: return GRSTCTL_AHBIDLE | d->grstctl_txfnum;
    case GINTSTS: return gintsts(d);
    case GINTMSK: return d->gintmsk;
    case GRXSTSR:
    case GRXSTSP: return 0;
    case GRXFSIZ: return d->grxfsiz;
    case GNPTXFSIZ: return d->gnptxfsiz;
    case GNPTXSTS: return (8u << 16) | (d->gnptxfsiz >> 16); /* queue and FIFO all free */
    case GSNPSID: return DWC2_SNPSID;
    case GHWCFG1: return 0; /* every endpoint bidirectional */
    case GHWCFG2: return DWC2_HWCFG2;
    case GHWCFG3: return DWC2_HWCFG3;
    case GHWCFG4: return DWC2_HWCFG4;
    case HPTXFSIZ: return d->hptxfsiz;
    case HCFG: return d->hcfg;
    case HFIR: return d->hfir;
    case HFNUM: return hfnum(d);
    case HPTXSTS: return (8u << 16) | (d->hptxfsiz >> 16);
    case HAINT: return haint(d);
    case HAINTMSK: return d->haintmsk;
    case HPRT0: return d->hprt0;
    case PCGCCTL: return d->pcgcctl;
    default: return d->other[offset / 4];
    }
}

static void write_hprt0(dwc2 *d, uint32_t value) {
    uint32_t old = d->hprt0;
    uint32_t v = (old & ~HPRT0_RW) | (value & HPRT0_RW);
    v &= ~(value & HPRT0_CHANGES); /* W1C */
    if ((value & HPRT0_ENA) && (old & HPRT0_ENA)) v = (v & ~HPRT0_ENA) | HPRT0_ENCHNG;
    bool powered = v & HPRT0_PWR;
    if (powered && !(old & HPRT0_PWR) && d->root) v |= HPRT0_CONNSTS | HPRT0_CONNDET;
    if (!powered) {
        if (old & HPRT0_CONNSTS) v |= HPRT0_CONNDET;
        v &= ~(HPRT0_CONNSTS | HPRT0_ENA);
    }
    if ((old & HPRT0_RST) && !(v & HPRT0_RST) && (v & HPRT0_CONNSTS)) {
        /* End of the port reset: the device is reset and the port enabled at high speed. */
        usb_device_reset(d->root);
        for (unsigned n = 0; n < DWC2_CHANNELS; n++)
            d->ch[n].waiting = false;
        v |= HPRT0_ENA | HPRT0_ENCHNG;
    }
    if (v & HPRT0_RST) v &= ~HPRT0_ENA;
    d->hprt0 = v & ~HPRT0_OVRCURRACT; /* speed bits 18:17 stay 0: high speed */
}

static void dwc2_write(void *opaque, uint64_t offset, uint64_t value64, unsigned size) {
    (void)size;
    dwc2 *d = opaque;
    uint32_t value = (uint32_t)value64;
    if (offset >= CSR_END) return;
    if (offset >= HC_BASE && offset < HC_END) {
        d->in_transfer = true;
        channel_write(d, offset, value);
        d->in_transfer = false;
        for (int round = 0; round < 4 && d->retry_pending; round++) {
            d->retry_pending = false;
            usb_has_data(d);
        }
    } else if (offset >= DPTXFSIZ1 && offset < DPTXFSIZ1 + 4 * 15) {
        d->dptxfsiz[(offset - DPTXFSIZ1) / 4] = value;
    } else {
        switch (offset) {
        case GOTGCTL: d->gotgctl = value & 0x0010FFFF; break; /* status bits read-only */
        case GOTGINT: d->gotgint &= ~value; break;
        case GAHBCFG: d->gahbcfg = value; break;
        case GUSBCFG: d->gusbcfg = value; break;
        case GRSTCTL:
            /* Resets and flushes complete before the next read can see them. */
            d->grstctl_txfnum = value & GRSTCTL_TXFNUM_MASK;
            if (value & GRSTCTL_CSFTRST) soft_reset(d);
            if ((value & GRSTCTL_FRMCNTRRST) && d->counting) {
                d->frame_origin_ns = vclock_now(d->ctx->clock);
                d->sof_acked = 0;
            }
            break;
        case GINTSTS:
            d->gintsts_latched &= ~(value & GINTSTS_W1C);
            if (value & GINTSTS_SOF) d->sof_acked = frames_elapsed(d);
            break;
        case GINTMSK: d->gintmsk = value; break;
        case GRXFSIZ: d->grxfsiz = value & 0xFFFF; break;
        case GNPTXFSIZ: d->gnptxfsiz = value; break;
        case HPTXFSIZ: d->hptxfsiz = value; break;
        case HCFG: d->hcfg = value; break;
        case HFIR: d->hfir = value & 0x1FFFF; break;
        case HAINTMSK: d->haintmsk = value & 0xFFFF; break;
        case HPRT0: write_hprt0(d, value); break;
        case PCGCCTL: d->pcgcctl = value; break;
        case GNPTXSTS:
        case GSNPSID:
        case GHWCFG1:
        case GHWCFG2:
        case GHWCFG3:
        case GHWCFG4:
        case GRXSTSR:
        case GRXSTSP:
        case HFNUM:
        case HPTXSTS:
        case HAINT: break; /* read-only */
        default: d->other[offset / 4] = value; break;
        }
    }
    dwc2_update(d);
}

static int dwc2_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    dwc2 *d = dev;
    d->ctx = ctx;
    vclock_event_init(&d->sof_event, "dwc2-sof", sof_fired, d);
    if (!dev_prop_bool(ctx, "lan9514")) return 0;
    /* The Pi 3's LAN9514: a 5-port hub on the root port, its Ethernet function on port 1. */
    d->xfer = malloc(XFER_MAX);
    d->hub = usb_hub_new("lan9514-hub", 0x0424, 0x9514, 5);
    d->eth = smsc95xx_new(ctx->net);
    if (!d->xfer || !d->hub || !d->eth) {
        snprintf(err, errlen, "out of memory for the LAN9514 model");
        return -1;
    }
    d->root = usb_hub_device(d->hub);
    d->root->wakeup = usb_has_data;
    d->root->wakeup_opaque = d;
    usb_hub_attach(d->hub, 1, smsc95xx_device(d->eth));
    return 0;
}

static void dwc2_reset(void *dev) {
    dwc2 *d = dev;
    dev_ctx *ctx = d->ctx;
    if (vclock_event_pending(&d->sof_event)) vclock_cancel(ctx->clock, &d->sof_event);
    vclock_event saved = d->sof_event;
    usb_hub *hub = d->hub;
    smsc95xx *eth = d->eth;
    usb_device *root = d->root;
    uint8_t *xfer = d->xfer;
    memset(d, 0, sizeof *d);
    d->ctx = ctx;
    d->sof_event = saved;
    d->hub = hub, d->eth = eth, d->root = root, d->xfer = xfer;
    if (root) usb_device_reset(root);
    d->gusbcfg = DWC2_USBCFG_RESET;
    d->grxfsiz = DWC2_RXFSIZ_RESET;
    d->gnptxfsiz = DWC2_NPTXFSIZ_RESET;
    d->hptxfsiz = DWC2_HPTXFSIZ_RESET;
    for (unsigned n = 0; n < 15; n++)
        d->dptxfsiz[n] = DWC2_DPTXFSIZ_RESET | (0x1300u + 0x100u * n);
    d->hfir = DWC2_HFIR_RESET;
    irq_set(dev_irq(ctx, 0), false);
}

static void dwc2_unrealize(void *dev) {
    dwc2 *d = dev;
    if (vclock_event_pending(&d->sof_event)) vclock_cancel(d->ctx->clock, &d->sof_event);
    smsc95xx_free(d->eth);
    usb_hub_free(d->hub);
    free(d->xfer);
    d->eth = NULL, d->hub = NULL, d->root = NULL, d->xfer = NULL;
}

static const dev_prop dwc2_props[] = {
    {"lan9514", PROP_BOOL, "false", 0, 0,
     "a LAN9514 hub on the root port with its Ethernet function (smsc95xx) on hub port 1, "
     "wired to the machine's network port"},
};

static const dev_region dwc2_regions[] = {
    {.name = "regs",
     .size = DWC2_SIZE,
     .ops = {.read = dwc2_read,
             .write = dwc2_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const char *const dwc2_irqs[] = {"irq"};

const dev_type dwc2_type = {
    .name = "dwc2",
    .description = "Synopsys DWC2 USB 2.0 OTG core, host mode, buffer DMA (optional LAN9514)",
    .state_size = sizeof(dwc2),
    .props = dwc2_props,
    .n_props = 1,
    .net_port = true,
    .regions = dwc2_regions,
    .n_regions = 1,
    .irq_outputs = dwc2_irqs,
    .n_irq_outputs = 1,
    .realize = dwc2_realize,
    .reset = dwc2_reset,
    .unrealize = dwc2_unrealize,
};
