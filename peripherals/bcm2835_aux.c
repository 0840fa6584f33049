/* BCM2835 auxiliary peripherals: the AUX_IRQ/AUX_ENABLES block and the mini UART (Linux ttyS1,
 * the Raspberry Pi 3 console). SPI1/SPI2 are not modelled (disabled in the Pi 3 DT).
 *
 * Facts from "BCM2835 ARM Peripherals" ch. 2 (with its errata: IER bits are the 16550 ones) and
 * from what Linux relies on: drivers/tty/serial/8250/8250_bcm2835aux.c registers the UART as a
 * PORT_16550 with regshift 2, byte accesses and an 8-byte FIFO; earlycon uses 32-bit accesses;
 * drivers/clk/bcm/clk-bcm2835-aux.c gates it through AUX_ENABLES with a 32-bit read-modify-write.
 *
 * Transmission is instantaneous while CNTL enables the transmitter, so LSR bits 5/6 stay set and
 * the console never waits (8250_port.c wait_for_lsr polls up to 10 ms per character). */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets within the AUX block. */
enum {
    AUX_IRQ = 0x00,     /* RO: bit 0 mini UART, 1 SPI1, 2 SPI2 pending */
    AUX_ENABLES = 0x04, /* same bits: the block's clock enables */
    AUX_MU_BASE = 0x40,
    AUX_MU_IO = 0x40,  /* RX/TX data; DLAB: baud low byte */
    AUX_MU_IER = 0x44, /* interrupt enables; DLAB: baud high byte */
    AUX_MU_IIR = 0x48, /* read: interrupt identification; write: FIFO control */
    AUX_MU_LCR = 0x4C,
    AUX_MU_MCR = 0x50,
    AUX_MU_LSR = 0x54,
    AUX_MU_MSR = 0x58,
    AUX_MU_SCRATCH = 0x5C,
    AUX_MU_CNTL = 0x60,
    AUX_MU_STAT = 0x64,
    AUX_MU_BAUD = 0x68,
    AUX_MU_END = 0x80, /* SPI1 at 0x80, SPI2 at 0xC0 */
};

enum { AUX_UART = 1u << 0 };
enum { IER_RX = 1u << 0, IER_TX = 1u << 1 };
enum { LCR_DLAB = 1u << 7 };
enum {
    LSR_DATA_READY = 1u << 0,
    LSR_OVERRUN = 1u << 1,
    LSR_TX_EMPTY = 1u << 5,
    LSR_TX_IDLE = 1u << 6
};
enum { CNTL_RX_ENABLE = 1u << 0, CNTL_TX_ENABLE = 1u << 1 };
enum { FCR_CLEAR_RX = 1u << 1, FCR_CLEAR_TX = 1u << 2 };
/* IIR: bit 0 clear = pending; [2:1] 01 TX empty, 10 RX data; [7:6] always 11 (FIFOs on). */
enum { IIR_NONE = 0xC1, IIR_TX_EMPTY = 0xC2, IIR_RX_DATA = 0xC4 };

#define MU_FIFO_SIZE 8

typedef struct bcm2835_aux {
    dev_ctx *ctx;
    uint32_t enables;
    uint8_t rx_fifo[MU_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t tx_fifo[MU_FIFO_SIZE]; /* holds bytes only while CNTL disables the transmitter */
    unsigned tx_count;
    bool overrun;
    uint8_t ier, lcr, mcr, scratch, cntl;
    uint16_t baud;
    bool warned_disabled; /* one warning per period with the enable bit clear */
    bool boot_enabled;    /* reset into the state enable_uart=1 firmware leaves */
} bcm2835_aux;

static bool uart_enabled(const bcm2835_aux *a) {
    return a->enables & AUX_UART;
}

/* The mini UART interrupt is a level: RX data with IER bit 0, or an empty TX FIFO with IER
 * bit 1 (8250's THRE test at startup reads IIR right after setting IER.THRI and falls back to a
 * polling timer if nothing is pending). */
static bool uart_irq_pending(const bcm2835_aux *a) {
    if (!uart_enabled(a)) return false;
    return ((a->ier & IER_RX) && a->rx_count) || ((a->ier & IER_TX) && a->tx_count == 0);
}

static void update_irq(bcm2835_aux *a) {
    irq_set(dev_irq(a->ctx, 0), uart_irq_pending(a));
}

static void drain_tx(bcm2835_aux *a) {
    if (!(a->cntl & CNTL_TX_ENABLE) || !a->tx_count) return;
    chardev_write(a->ctx->chr, a->tx_fifo, a->tx_count);
    a->tx_count = 0;
}

static unsigned aux_can_receive(void *opaque) {
    bcm2835_aux *a = opaque;
    if (!uart_enabled(a) || !(a->cntl & CNTL_RX_ENABLE)) return 0;
    return MU_FIFO_SIZE - a->rx_count;
}

static void aux_receive(void *opaque, const uint8_t *data, size_t len) {
    bcm2835_aux *a = opaque;
    for (size_t i = 0; i < len; i++) {
        if (a->rx_count >= MU_FIFO_SIZE) {
            a->overrun = true; /* sender ignored can_receive: drop, as the hardware would */
            continue;
        }
        a->rx_fifo[(a->rx_head + a->rx_count) % MU_FIFO_SIZE] = data[i];
        a->rx_count++;
    }
    update_irq(a);
}

static uint8_t pop_rx(bcm2835_aux *a) {
    if (!a->rx_count) return 0;
    uint8_t byte = a->rx_fifo[a->rx_head];
    a->rx_head = (a->rx_head + 1) % MU_FIFO_SIZE;
    a->rx_count--;
    update_irq(a);
    return byte;
}

static uint8_t read_iir(const bcm2835_aux *a) {
    /* RX data outranks TX empty, as on a 16550. */
    if ((a->ier & IER_RX) && a->rx_count) return IIR_RX_DATA;
    if ((a->ier & IER_TX) && a->tx_count == 0) return IIR_TX_EMPTY;
    return IIR_NONE;
}

/* Never 0xFF: 8250 reads that as "no UART here" (the LSR safety check). */
static uint8_t read_lsr(bcm2835_aux *a) {
    uint8_t lsr = 0;
    if (a->rx_count) lsr |= LSR_DATA_READY;
    if (a->overrun) lsr |= LSR_OVERRUN;
    if (a->tx_count < MU_FIFO_SIZE) lsr |= LSR_TX_EMPTY;
    if (a->tx_count == 0) lsr |= LSR_TX_IDLE;
    a->overrun = false; /* cleared on read */
    return lsr;
}

static uint32_t read_stat(const bcm2835_aux *a) {
    uint32_t stat = 0;
    if (a->rx_count) stat |= 1u << 0;                /* symbol available */
    if (a->tx_count < MU_FIFO_SIZE) stat |= 1u << 1; /* space available */
    stat |= 1u << 2;                                 /* receiver idle */
    if (a->tx_count == 0) stat |= 1u << 3;           /* transmitter idle */
    if (a->overrun) stat |= 1u << 4;
    if (a->tx_count == MU_FIFO_SIZE) stat |= 1u << 5;    /* TX FIFO full */
    if (a->tx_count == 0) stat |= (1u << 8) | (1u << 9); /* TX FIFO empty, transmitter done */
    stat |= (uint32_t)a->rx_count << 16;
    stat |= (uint32_t)a->tx_count << 24;
    return stat;
}

/* The mini UART is dead while its enable bit is clear: reads zero, writes are dropped. */
static bool mu_gated(bcm2835_aux *a, uint64_t offset, bool is_write) {
    if (uart_enabled(a)) return false;
    if (!a->warned_disabled) {
        soc_warn("%s: mini UART %s at 0x%x while AUX_ENABLES bit 0 is clear (ignored)",
                 a->ctx->name, is_write ? "write" : "read", (unsigned)offset);
        a->warned_disabled = true;
    }
    return true;
}

static uint64_t mu_read(bcm2835_aux *a, uint64_t offset) {
    if (mu_gated(a, offset, false)) return 0;
    switch (offset) {
    case AUX_MU_IO: return (a->lcr & LCR_DLAB) ? (a->baud & 0xFF) : pop_rx(a);
    case AUX_MU_IER: return (a->lcr & LCR_DLAB) ? (a->baud >> 8) : a->ier;
    case AUX_MU_IIR: return read_iir(a);
    case AUX_MU_LCR: return a->lcr;
    case AUX_MU_MCR: return a->mcr;
    case AUX_MU_LSR: return read_lsr(a);
    case AUX_MU_MSR: return 0x20; /* CTS asserted */
    case AUX_MU_SCRATCH: return a->scratch;
    case AUX_MU_CNTL: return a->cntl;
    case AUX_MU_STAT: return read_stat(a);
    case AUX_MU_BAUD: return a->baud;
    default: dev_warn_unimp(a->ctx, offset, false, 0); return 0;
    }
}

static void mu_write(bcm2835_aux *a, uint64_t offset, uint64_t value) {
    if (mu_gated(a, offset, true)) return;
    switch (offset) {
    case AUX_MU_IO:
        if (a->lcr & LCR_DLAB) {
            a->baud = (a->baud & 0xFF00) | (value & 0xFF);
        } else if (a->tx_count < MU_FIFO_SIZE) {
            a->tx_fifo[a->tx_count++] = (uint8_t)value;
            drain_tx(a);
        }
        break;
    case AUX_MU_IER:
        if (a->lcr & LCR_DLAB)
            a->baud = (uint16_t)((a->baud & 0x00FF) | ((value & 0xFF) << 8));
        else
            a->ier = value & 0x0F; /* bits 3:2 are read back as written */
        break;
    case AUX_MU_IIR:
        if (value & FCR_CLEAR_RX) a->rx_head = a->rx_count = 0;
        if (value & FCR_CLEAR_TX) a->tx_count = 0;
        break;
    case AUX_MU_LCR: a->lcr = (uint8_t)value; break;
    case AUX_MU_MCR: a->mcr = (uint8_t)value; break;
    case AUX_MU_SCRATCH: a->scratch = (uint8_t)value; break;
    case AUX_MU_CNTL:
        a->cntl = (uint8_t)value;
        drain_tx(a);
        break;
    case AUX_MU_BAUD: a->baud = (uint16_t)value; break;
    case AUX_MU_LSR:
    case AUX_MU_MSR:
    case AUX_MU_STAT: break; /* read-only */
    default: dev_warn_unimp(a->ctx, offset, true, value); break;
    }
    update_irq(a);
}

/* Registers are 32-bit words; an access at another byte of a word is not a register. */
static uint64_t aux_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_aux *a = opaque;
    if (offset == AUX_IRQ) return uart_irq_pending(a) ? AUX_UART : 0;
    if (offset == AUX_ENABLES) return a->enables;
    if (offset >= AUX_MU_BASE && offset < AUX_MU_END && !(offset & 3)) return mu_read(a, offset);
    dev_warn_unimp(a->ctx, offset, false, 0); /* SPI1/SPI2 and holes */
    return 0;
}

static void aux_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_aux *a = opaque;
    if (offset == AUX_ENABLES) {
        a->enables = value & 7;
        if (uart_enabled(a)) a->warned_disabled = false;
        update_irq(a);
        return;
    }
    if (offset == AUX_IRQ) return; /* read-only */
    if (offset >= AUX_MU_BASE && offset < AUX_MU_END && !(offset & 3)) {
        mu_write(a, offset, value);
        return;
    }
    dev_warn_unimp(a->ctx, offset, true, value);
}

static int aux_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_aux *a = dev;
    a->ctx = ctx;
    a->boot_enabled = dev_prop_bool(ctx, "boot-enabled");
    chardev_set_frontend(ctx->chr, aux_can_receive, aux_receive, a);
    return 0;
}

static void aux_reset(void *dev) {
    bcm2835_aux *a = dev;
    a->rx_head = a->rx_count = a->tx_count = 0;
    a->overrun = a->warned_disabled = false;
    a->ier = a->mcr = a->scratch = 0;
    a->cntl = CNTL_RX_ENABLE | CNTL_TX_ENABLE;
    if (a->boot_enabled) {
        /* What enable_uart=1 firmware leaves: clock on, 8 bits, 115200 baud at VPU 250 MHz
         * (250e6 / (8 * 115200) - 1 = 270). */
        a->enables = AUX_UART;
        a->lcr = 3;
        a->baud = 270;
    } else {
        a->enables = 0;
        a->lcr = 0;
        a->baud = 0;
    }
    update_irq(a);
}

static void aux_unrealize(void *dev) {
    bcm2835_aux *a = dev;
    chardev_set_frontend(a->ctx->chr, NULL, NULL, NULL);
}

static const dev_region aux_regions[] = {
    /* Linux's 8250 uses byte accesses, earlycon and the clock gate 32-bit ones. */
    {.name = "regs",
     .size = 0x100,
     .ops = {.read = aux_read,
             .write = aux_write,
             .valid_min = 1,
             .valid_max = 4,
             .impl_min = 1,
             .impl_max = 4}},
};

static const dev_prop aux_props[] = {
    {.name = "boot-enabled",
     .kind = PROP_BOOL,
     .default_value = "false",
     .help = "reset into the state enable_uart=1 firmware leaves (mini UART on, 8N1, 115200)"},
};

static const char *const aux_irq_outputs[] = {"irq"};

const dev_type bcm2835_aux_type = {
    .name = "bcm2835-aux",
    .description = "BCM2835 AUX block: mini UART (SPI1/2 not modelled)",
    .state_size = sizeof(bcm2835_aux),
    .regions = aux_regions,
    .n_regions = 1,
    .props = aux_props,
    .n_props = sizeof aux_props / sizeof aux_props[0],
    .irq_outputs = aux_irq_outputs,
    .n_irq_outputs = 1,
    .is_uart = true,
    .realize = aux_realize,
    .reset = aux_reset,
    .unrealize = aux_unrealize,
};
