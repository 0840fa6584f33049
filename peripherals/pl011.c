/* ARM PrimeCell UART (PL011), as on the Raspberry Pi's serial@7e201000 (ttyAMA0).
 *
 * Facts from the PL011 TRM (DDI 0183) and what Linux's drivers/tty/serial/amba-pl011.c relies on.
 * Transmission is instantaneous: a byte written to DR reaches the chardev at once, so the TX FIFO
 * is always empty (FR.TXFE set, TXFF and BUSY clear) and console writes never wait. Reception goes
 * through a 32-entry FIFO (1 entry when LCR_H.FEN is clear) fed by the chardev with back-pressure.
 * UARTEN/TXE/RXE are stored but not enforced: bare-metal programs often write DR without setting
 * up the UART, as the Pi firmware leaves it usable. */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    PL011_DR = 0x00,
    PL011_RSR = 0x04, /* read: receive status; write: error clear (ECR) */
    PL011_FR = 0x18,
    PL011_ILPR = 0x20,
    PL011_IBRD = 0x24,
    PL011_FBRD = 0x28,
    PL011_LCR_H = 0x2C,
    PL011_CR = 0x30,
    PL011_IFLS = 0x34,
    PL011_IMSC = 0x38,
    PL011_RIS = 0x3C,
    PL011_MIS = 0x40,
    PL011_ICR = 0x44,
    PL011_DMACR = 0x48,
    PL011_ID_BASE = 0xFE0, /* PeriphID0..3, PCellID0..3, one byte per word */
};

/* FR bits. */
enum {
    FR_CTS = 1u << 0,
    FR_BUSY = 1u << 3,
    FR_RXFE = 1u << 4,
    FR_TXFF = 1u << 5,
    FR_RXFF = 1u << 6,
    FR_TXFE = 1u << 7
};
/* Interrupt bits, shared by IMSC, RIS, MIS and ICR. */
enum { INT_RX = 1u << 4, INT_TX = 1u << 5, INT_RT = 1u << 6, INT_OE = 1u << 10, INT_ALL = 0x7FF };
enum { LCR_H_FEN = 1u << 4 };
/* Error bits of a received character in DR[11:8], and RSR[3:0]. */
enum { DR_OE = 1u << 11, RSR_OE = 1u << 3 };

#define RX_FIFO_SIZE 32
/* A received character waits this many bit periods below the trigger level before RT fires. */
#define RX_TIMEOUT_BITS 32

/* ID registers: periphid 0x00241011 (what the Pi DT declares), the PrimeCell cell id. */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x24, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

typedef struct pl011 {
    dev_ctx *ctx;
    uint16_t rx_fifo[RX_FIFO_SIZE]; /* data byte plus error bits [11:8] */
    unsigned rx_head, rx_count;
    uint32_t rsr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr, ilpr;
    uint64_t clock_hz;
    vclock_event rx_timeout;
} pl011;

static unsigned rx_capacity(const pl011 *u) {
    return (u->lcr_h & LCR_H_FEN) ? RX_FIFO_SIZE : 1;
}

/* RX trigger level in characters: IFLS[5:3] selects 1/8, 1/4, 1/2, 3/4 or 7/8 of the FIFO. */
static unsigned rx_trigger(const pl011 *u) {
    static const unsigned eighths[8] = {1, 2, 4, 6, 7, 7, 7, 7};
    if (!(u->lcr_h & LCR_H_FEN)) return 1;
    return RX_FIFO_SIZE * eighths[(u->ifls >> 3) & 7] / 8;
}

static void update_irq(pl011 *u) {
    irq_set(dev_irq(u->ctx, 0), (u->ris & u->imsc) != 0);
}

/* One character time's worth of bits at the programmed baud rate, in ns; 1 us when the divisor
 * is not programmed yet. Baud = clock / (16 * (IBRD + FBRD/64)). */
static uint64_t bit_period_ns(const pl011 *u) {
    uint64_t divisor_64ths = (uint64_t)u->ibrd * 64 + u->fbrd;
    if (!divisor_64ths || !u->clock_hz) return 1000;
    return 16 * divisor_64ths * 1000000000ull / 64 / u->clock_hz;
}

/* RX interrupt state after the FIFO level changed: RXRIS follows the trigger level; RTRIS is
 * armed for data sitting below it (Linux's pl011_int drains on RX or RT, so both must come). */
static void rx_level_changed(pl011 *u) {
    if (u->rx_count >= rx_trigger(u))
        u->ris |= INT_RX;
    else
        u->ris &= ~INT_RX;
    if (u->rx_count == 0) {
        u->ris &= ~INT_RT; /* the TRM clears RT when the FIFO empties */
        if (u->ctx->clock) vclock_cancel(u->ctx->clock, &u->rx_timeout);
    } else if (u->ctx->clock && !(u->ris & INT_RX)) {
        vclock_schedule(u->ctx->clock, &u->rx_timeout,
                        vclock_now(u->ctx->clock) + RX_TIMEOUT_BITS * bit_period_ns(u));
    }
    update_irq(u);
}

static void rx_timeout_fired(void *opaque, uint64_t now_ns) {
    pl011 *u = opaque;
    if (u->rx_count) {
        u->ris |= INT_RT;
        update_irq(u);
    }
}

static unsigned pl011_can_receive(void *opaque) {
    pl011 *u = opaque;
    return rx_capacity(u) - u->rx_count;
}

static void pl011_receive(void *opaque, const uint8_t *data, size_t len) {
    pl011 *u = opaque;
    for (size_t i = 0; i < len; i++) {
        if (u->rx_count >= rx_capacity(u)) {
            /* Overrun: the byte is lost and the last one in the FIFO carries OE. */
            u->rsr |= RSR_OE;
            u->ris |= INT_OE;
            unsigned last = (u->rx_head + u->rx_count - 1) % RX_FIFO_SIZE;
            u->rx_fifo[last] |= DR_OE;
            continue;
        }
        u->rx_fifo[(u->rx_head + u->rx_count) % RX_FIFO_SIZE] = data[i];
        u->rx_count++;
    }
    rx_level_changed(u);
}

static uint32_t read_dr(pl011 *u) {
    if (!u->rx_count) return 0;
    uint32_t value = u->rx_fifo[u->rx_head];
    u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
    u->rx_count--;
    u->rsr = (value >> 8) & 0xF;
    rx_level_changed(u);
    return value;
}

static uint32_t read_fr(const pl011 *u) {
    uint32_t fr = FR_TXFE | FR_CTS; /* TX drains instantly; CTS asserted (no flow control) */
    if (u->rx_count == 0) fr |= FR_RXFE;
    if (u->rx_count >= rx_capacity(u)) fr |= FR_RXFF;
    return fr;
}

static uint64_t pl011_read(void *opaque, uint64_t offset, unsigned size) {
    pl011 *u = opaque;
    if (offset >= PL011_ID_BASE && offset < PL011_ID_BASE + 0x20) {
        /* Only at word offsets; the Pi DT gives the periphid so Linux never reads these. */
        return (offset & 3) ? 0 : pl011_id[(offset - PL011_ID_BASE) / 4];
    }
    switch (offset) {
    case PL011_DR: return read_dr(u);
    case PL011_RSR: return u->rsr;
    case PL011_FR: return read_fr(u);
    case PL011_ILPR: return u->ilpr;
    case PL011_IBRD: return u->ibrd;
    case PL011_FBRD: return u->fbrd;
    case PL011_LCR_H: return u->lcr_h;
    case PL011_CR: return u->cr;
    case PL011_IFLS: return u->ifls;
    case PL011_IMSC: return u->imsc;
    case PL011_RIS: return u->ris;
    case PL011_MIS: return u->ris & u->imsc;
    case PL011_DMACR: return u->dmacr;
    default: dev_warn_unimp(u->ctx, offset, false, 0); return 0;
    }
}

static void pl011_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    pl011 *u = opaque;
    switch (offset) {
    case PL011_DR: {
        uint8_t byte = (uint8_t)value;
        chardev_write(u->ctx->chr, &byte, 1);
        /* The byte has left: the FIFO drained through the trigger level (amba-pl011.c's
         * interrupt-driven TX waits for this after filling the FIFO). */
        u->ris |= INT_TX;
        update_irq(u);
        break;
    }
    case PL011_RSR: u->rsr = 0; break; /* ECR: any write clears the error status */
    case PL011_ILPR: u->ilpr = value & 0xFF; break;
    case PL011_IBRD: u->ibrd = value & 0xFFFF; break;
    case PL011_FBRD: u->fbrd = value & 0x3F; break;
    case PL011_LCR_H:
        /* Turning the FIFO off leaves at most one character (the TRM flushes; keep the oldest). */
        if ((u->lcr_h & LCR_H_FEN) && !(value & LCR_H_FEN) && u->rx_count > 1) u->rx_count = 1;
        u->lcr_h = value & 0xFF;
        rx_level_changed(u);
        break;
    case PL011_CR: u->cr = value & 0xFF87; break;
    case PL011_IFLS:
        u->ifls = value & 0x3F;
        rx_level_changed(u);
        break;
    case PL011_IMSC:
        u->imsc = value & INT_ALL;
        update_irq(u);
        break;
    case PL011_ICR:
        u->ris &= ~(value & INT_ALL);
        update_irq(u);
        break;
    case PL011_DMACR: u->dmacr = value & 7; break;
    case PL011_FR:
    case PL011_RIS:
    case PL011_MIS: break; /* read-only */
    default: dev_warn_unimp(u->ctx, offset, true, value); break;
    }
}

static int pl011_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    pl011 *u = dev;
    u->ctx = ctx;
    u->clock_hz = dev_prop_u64(ctx, "clock-frequency");
    vclock_event_init(&u->rx_timeout, ctx->name, rx_timeout_fired, u);
    chardev_set_frontend(ctx->chr, pl011_can_receive, pl011_receive, u);
    return 0;
}

static void pl011_reset(void *dev) {
    pl011 *u = dev;
    if (u->ctx->clock) vclock_cancel(u->ctx->clock, &u->rx_timeout);
    u->rx_head = u->rx_count = 0;
    u->rsr = u->ibrd = u->fbrd = u->lcr_h = u->imsc = u->ris = u->dmacr = u->ilpr = 0;
    u->cr = 0x300;  /* TXE | RXE, UART disabled */
    u->ifls = 0x12; /* both triggers at 1/2 */
    update_irq(u);
}

static void pl011_unrealize(void *dev) {
    pl011 *u = dev;
    if (u->ctx->clock) vclock_cancel(u->ctx->clock, &u->rx_timeout);
    chardev_set_frontend(u->ctx->chr, NULL, NULL, NULL);
}

static const dev_region pl011_regions[] = {
    /* Linux uses 16-bit accesses (UPIO_MEM), earlycon and U-Boot 32-bit: the callbacks take any
     * width at a register's own offset, so a narrow write never becomes a read-modify-write of DR.
     */
    {.name = "regs",
     .size = 0x1000,
     .ops = {.read = pl011_read,
             .write = pl011_write,
             .valid_min = 1,
             .valid_max = 4,
             .impl_min = 1,
             .impl_max = 4}},
};

static const dev_prop pl011_props[] = {
    {.name = "clock-frequency",
     .kind = PROP_U64,
     .default_value = "48000000",
     .min = 1,
     .max = 1000000000,
     .help = "UARTCLK in Hz (sets the receive-timeout period)"},
};

static const char *const pl011_irq_outputs[] = {"irq"};

const dev_type pl011_type = {
    .name = "pl011",
    .description = "ARM PrimeCell PL011 UART",
    .state_size = sizeof(pl011),
    .regions = pl011_regions,
    .n_regions = 1,
    .props = pl011_props,
    .n_props = sizeof pl011_props / sizeof pl011_props[0],
    .irq_outputs = pl011_irq_outputs,
    .n_irq_outputs = 1,
    .is_uart = true,
    .realize = pl011_realize,
    .reset = pl011_reset,
    .unrealize = pl011_unrealize,
};
