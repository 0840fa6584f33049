/* BCM2835 DMA controller (0x7E007000 = ARM 0x3F007000): channels 0-14, 0x100 apart, plus the
 * global INT_STATUS and ENABLE registers. Channel 15 (at 0x7EE05000) is not modelled.
 *
 * What Linux's drivers/dma/bcm2835-dma.c relies on (notes §2.5):
 * - start: CONBLK_AD <- control block bus address, CS <- ACTIVE. A control block is 8 words: TI,
 *   SOURCE_AD, DEST_AD, TXFR_LEN, STRIDE, NEXTCONBK, 2 reserved. The channel copies TXFR_LEN
 *   bytes, sets CS.END, sets CS.INT (and its IRQ) if TI.INTEN, loads NEXTCONBK and stops at 0;
 * - completion is detected by CONBLK_AD == 0; the IRQ handler writes CS = INT|ACTIVE, which must
 *   not restart an idle channel (ACTIVE with CONBLK_AD == 0 is ignored);
 * - CS bit 31 resets a channel; terminate writes CS = 0 (pause) and waits for bit 6 (never set);
 * - DEBUG bit 28 marks the "lite" channels 7-14 (Linux caps their blocks at 65532 bytes);
 * - ENABLE (0xFF0) resets to all channels enabled; Linux never writes it.
 * Addresses are VideoCore bus addresses: 0x7Exxxxxx is the peripheral window (ARM 0x3Fxxxxxx),
 * anything else is SDRAM (& 0x3FFFFFFF). Peripheral ends are accessed word by word with
 * bus_read/bus_write, RAM in blocks.
 * DREQ pacing: TI.S_DREQ/D_DREQ with PERMAP n move a word only while DREQ input n is high (see
 * soc/dreq.h; the sdhost drives input 13). DREQ 0 is permanently asserted, as on hardware.
 * Timing: a channel runs on a vclock event shortly after it is activated (or its DREQ rises) and
 * moves up to DMA_BUDGET bytes per event; a longer transfer continues in later events, one every
 * DMA_BUDGET * DMA_NS_PER_BYTE ns of guest time. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "soc/device.h"
#include "soc/dreq.h"
#include "soc/log.h"

/* Per-channel register offsets (channel n at 0x100 * n). */
enum {
    DMA_CS = 0x00,        /* control and status */
    DMA_CONBLK_AD = 0x04, /* control block address */
    DMA_TI = 0x08,        /* the loaded control block (read-only copies) */
    DMA_SOURCE_AD = 0x0C,
    DMA_DEST_AD = 0x10,
    DMA_TXFR_LEN = 0x14,
    DMA_STRIDE = 0x18,
    DMA_NEXTCONBK = 0x1C,
    DMA_DEBUG = 0x20,
    DMA_CHAN_STRIDE = 0x100,
    DMA_INT_STATUS = 0xFE0, /* bit n = channel n's CS.INT */
    DMA_ENABLE = 0xFF0,     /* bit n = channel n enabled */
    DMA_SIZE = 0x1000,
};

enum {
    CS_ACTIVE = 1u << 0,
    CS_END = 1u << 1, /* W1C */
    CS_INT = 1u << 2, /* W1C */
    CS_DREQ = 1u << 3,
    CS_PAUSED = 1u << 4,
    CS_ERROR = 1u << 8,
    CS_STORED = 0x30FF0000u, /* priorities, WAIT_FOR_OUTSTANDING_WRITES, DISDEBUG */
    CS_ABORT = 1u << 30,
    CS_RESET = 1u << 31,
};

enum {
    TI_INTEN = 1u << 0,
    TI_TDMODE = 1u << 1,
    TI_D_INC = 1u << 4,
    TI_D_DREQ = 1u << 6,
    TI_D_IGNORE = 1u << 7,
    TI_S_INC = 1u << 8,
    TI_S_DREQ = 1u << 10,
    TI_S_IGNORE = 1u << 11,
    TI_PERMAP_SHIFT = 16,
    TI_PERMAP_MASK = 0x1F,
};

enum {
    DEBUG_ERRORS = 0x7, /* read-last-not-set, FIFO, read error: W1C */
    DEBUG_READ_ERROR = 1u << 2,
    DEBUG_LITE = 1u << 28,
};

#define DMA_CHANNELS    15
#define DMA_FIRST_LITE  7
#define DMA_DREQS       32
#define DMA_BUDGET      (256u * 1024u)
#define DMA_NS_PER_BYTE 2 /* ~500 MB/s */
#define DMA_START_NS    100
#define DMA_CB_COST     32 /* budget charged per control block (zero-length loops end too) */
#define DMA_CHUNK       4096

struct bcm2835_dma;

typedef struct dma_channel {
    struct bcm2835_dma *dma;
    unsigned index;
    uint32_t cs, conblk_ad, ti, source_ad, dest_ad, txfr_len, stride, nextconbk, debug;
    uint32_t xlen;    /* 2D mode: the row length to reload */
    bool cb_loaded;   /* TI..NEXTCONBK hold the block at CONBLK_AD */
    bool stalled;     /* waiting for its DREQ to rise */
    vclock_event run; /* the next burst */
} dma_channel;

typedef struct bcm2835_dma {
    dev_ctx *ctx;
    dma_channel ch[DMA_CHANNELS];
    uint32_t enable;
    bool dreq[DMA_DREQS];
    uint64_t periph_base; /* ARM address of the 0x7E000000 bus window */
} bcm2835_dma;

static bool is_lite(const dma_channel *c) {
    return c->index >= DMA_FIRST_LITE;
}

static unsigned permap(const dma_channel *c) {
    return (c->ti >> TI_PERMAP_SHIFT) & TI_PERMAP_MASK;
}

static bool dreq_high(const bcm2835_dma *d, unsigned n) {
    return n == 0 || d->dreq[n];
}

static uint64_t to_phys(const bcm2835_dma *d, uint32_t bus_addr) {
    if ((bus_addr & 0xFF000000u) == 0x7E000000u) return d->periph_base | (bus_addr & 0xFFFFFFu);
    return bus_addr & 0x3FFFFFFFu;
}

static void update_irq(bcm2835_dma *d, unsigned n) {
    irq_set(dev_irq(d->ctx, n), d->ch[n].cs & CS_INT);
    bool any = false;
    for (unsigned i = 0; i < DMA_CHANNELS; i++)
        any |= (d->ch[i].cs & CS_INT) != 0;
    irq_set(dev_irq(d->ctx, DMA_CHANNELS), any); /* "all" */
}

static void schedule_run(dma_channel *c, uint64_t delay_ns) {
    vclock *clk = c->dma->ctx->clock;
    if (!vclock_event_pending(&c->run)) vclock_schedule(clk, &c->run, vclock_now(clk) + delay_ns);
}

static void channel_error(dma_channel *c, const char *what, uint32_t addr) {
    soc_warn("%s: channel %u: %s at bus address 0x%08x; channel stopped", c->dma->ctx->name,
             c->index, what, addr);
    c->cs = (c->cs | CS_ERROR) & ~CS_ACTIVE;
    c->debug |= DEBUG_READ_ERROR;
}

/* Loads the control block at CONBLK_AD into TI..NEXTCONBK. */
static bool load_cb(dma_channel *c) {
    uint32_t cb[8];
    char err[200];
    if (c->conblk_ad & 0x1F)
        soc_warn("%s: channel %u: control block 0x%08x is not 32-byte aligned", c->dma->ctx->name,
                 c->index, c->conblk_ad);
    if (bus_read_block(c->dma->ctx->bus, to_phys(c->dma, c->conblk_ad & ~0x1Fu), cb, sizeof cb, err,
                       sizeof err) < 0) {
        channel_error(c, "control block not in RAM", c->conblk_ad);
        return false;
    }
    c->ti = cb[0];
    c->source_ad = cb[1];
    c->dest_ad = cb[2];
    c->txfr_len = is_lite(c) ? cb[3] & 0xFFFF : cb[3] & 0x3FFFFFFF;
    c->stride = cb[4];
    c->nextconbk = cb[5];
    if ((c->ti & TI_TDMODE) && is_lite(c)) {
        soc_warn("%s: channel %u: 2D mode on a lite channel (ignored)", c->dma->ctx->name,
                 c->index);
        c->ti &= ~TI_TDMODE;
    }
    c->xlen = c->txfr_len & 0xFFFF;
    c->cb_loaded = true;
    return true;
}

/* Reads n bytes from the source into buf. */
static bool read_src(dma_channel *c, uint8_t *buf, uint32_t n) {
    bus *b = c->dma->ctx->bus;
    if (c->ti & TI_S_IGNORE) {
        memset(buf, 0, n);
        return true;
    }
    uint64_t pa = to_phys(c->dma, c->source_ad);
    uint64_t avail = 0;
    if ((c->ti & TI_S_INC) && bus_ram_ptr(b, pa, false, &avail) && avail >= n) {
        char err[200];
        return bus_read_block(b, pa, buf, n, err, sizeof err) == 0;
    }
    for (uint32_t i = 0; i < n; i += 4) {
        uint64_t v = 0;
        uint64_t a = (c->ti & TI_S_INC) ? pa + i : pa;
        if (bus_read(b, a, 4, &v) != BUS_OK) return false;
        for (unsigned k = 0; k < 4 && i + k < n; k++)
            buf[i + k] = (uint8_t)(v >> (8 * k));
    }
    return true;
}

static bool write_dst(dma_channel *c, const uint8_t *buf, uint32_t n) {
    bus *b = c->dma->ctx->bus;
    if (c->ti & TI_D_IGNORE) return true;
    uint64_t pa = to_phys(c->dma, c->dest_ad);
    uint64_t avail = 0;
    char err[200];
    if ((c->ti & TI_D_INC) && bus_ram_ptr(b, pa, true, &avail) && avail >= n)
        return bus_write_block(b, pa, buf, n, err, sizeof err) == 0;
    for (uint32_t i = 0; i < n; i += 4) {
        uint64_t a = (c->ti & TI_D_INC) ? pa + i : pa;
        uint32_t k = n - i < 4 ? n - i : 4;
        if (bus_ram_ptr(b, a, true, &avail) && avail >= k) {
            if (bus_write_block(b, a, buf + i, k, err, sizeof err) < 0) return false;
            continue;
        }
        uint64_t v = 0;
        for (unsigned j = 0; j < k; j++)
            v |= (uint64_t)buf[i + j] << (8 * j);
        if (bus_write(b, a, 4, v) != BUS_OK) return false;
    }
    return true;
}

/* Bytes left in the current row (the whole block in 1D mode). */
static uint32_t row_left(const dma_channel *c) {
    return (c->ti & TI_TDMODE) ? c->txfr_len & 0xFFFF : c->txfr_len;
}

/* Runs the current control block. Returns true when it is done, false when it stalled on its
 * DREQ, ran out of budget or failed. */
static bool run_cb(dma_channel *c, uint32_t *budget) {
    bool paced = c->ti & (TI_S_DREQ | TI_D_DREQ);
    uint8_t buf[DMA_CHUNK];
    for (;;) {
        uint32_t x = row_left(c);
        if (x == 0) {
            uint32_t rows = (c->txfr_len >> 16) & 0x3FFF;
            if (!(c->ti & TI_TDMODE) || rows == 0) return true;
            /* 2D: next row (YLENGTH + 1 rows in all), after adding the signed strides. */
            c->source_ad += (uint32_t)(int32_t)(int16_t)(c->stride & 0xFFFF);
            c->dest_ad += (uint32_t)(int32_t)(int16_t)(c->stride >> 16);
            c->txfr_len = (rows - 1) << 16 | c->xlen;
            continue;
        }
        if (paced && !dreq_high(c->dma, permap(c))) {
            c->stalled = true;
            return false;
        }
        if (*budget == 0) return false;
        uint32_t n = paced ? 4 : DMA_CHUNK;
        if (n > x) n = x;
        if (!read_src(c, buf, n)) {
            channel_error(c, "source not readable", c->source_ad);
            return false;
        }
        if (!write_dst(c, buf, n)) {
            channel_error(c, "destination not writable", c->dest_ad);
            return false;
        }
        if (c->ti & TI_S_INC) c->source_ad += n;
        if (c->ti & TI_D_INC) c->dest_ad += n;
        c->txfr_len -= n; /* only the low (row) part in 2D mode: x >= n */
        *budget = *budget > n ? *budget - n : 0;
    }
}

static void run_channel(dma_channel *c) {
    bcm2835_dma *d = c->dma;
    uint32_t budget = DMA_BUDGET;
    c->stalled = false;
    while ((c->cs & CS_ACTIVE) && (d->enable & (1u << c->index))) {
        if (!c->cb_loaded && !load_cb(c)) break;
        if (!run_cb(c, &budget)) {
            if (!c->stalled && (c->cs & CS_ACTIVE) && budget == 0)
                schedule_run(c, (uint64_t)DMA_BUDGET * DMA_NS_PER_BYTE);
            break;
        }
        /* Block done: END, INT if asked, then the next block or stop. */
        c->cs |= CS_END;
        if (c->ti & TI_INTEN) c->cs |= CS_INT;
        c->conblk_ad = c->nextconbk;
        c->cb_loaded = false;
        if (c->conblk_ad == 0) c->cs &= ~CS_ACTIVE;
        if (budget <= DMA_CB_COST) {
            budget = 0;
            if (c->cs & CS_ACTIVE) schedule_run(c, (uint64_t)DMA_BUDGET * DMA_NS_PER_BYTE);
            break;
        }
        budget -= DMA_CB_COST;
    }
    update_irq(d, c->index);
}

static void run_event(void *opaque, uint64_t now_ns) {
    (void)now_ns;
    run_channel(opaque);
}

static void reset_channel(dma_channel *c) {
    if (c->dma->ctx) vclock_cancel(c->dma->ctx->clock, &c->run);
    c->cs = c->conblk_ad = c->ti = c->source_ad = c->dest_ad = 0;
    c->txfr_len = c->stride = c->nextconbk = c->xlen = 0;
    c->debug = is_lite(c) ? DEBUG_LITE : 0;
    c->cb_loaded = c->stalled = false;
}

static uint32_t read_cs(const dma_channel *c) {
    uint32_t cs = c->cs;
    if (c->cb_loaded && dreq_high(c->dma, permap(c))) cs |= CS_DREQ;
    if (!(cs & CS_ACTIVE) && c->conblk_ad) cs |= CS_PAUSED;
    return cs;
}

static void write_cs(dma_channel *c, uint32_t v) {
    if (v & CS_RESET) {
        reset_channel(c);
        update_irq(c->dma, c->index);
        return;
    }
    c->cs &= ~(v & (CS_END | CS_INT));
    c->cs = (c->cs & ~CS_STORED) | (v & CS_STORED);
    if ((v & CS_ABORT) && c->cb_loaded) {
        /* Abort the current block: go on with the next one. */
        c->conblk_ad = c->nextconbk;
        c->cb_loaded = false;
    }
    if (!(v & CS_ACTIVE)) {
        c->cs &= ~CS_ACTIVE; /* pause */
    } else if (c->conblk_ad != 0) {
        c->cs |= CS_ACTIVE; /* start or resume */
        schedule_run(c, DMA_START_NS);
    }
    /* ACTIVE with CONBLK_AD == 0: the channel stays idle (Linux's IRQ ack writes INT|ACTIVE). */
    update_irq(c->dma, c->index);
}

static uint64_t dma_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    bcm2835_dma *d = opaque;
    if (offset == DMA_INT_STATUS) {
        uint32_t v = 0;
        for (unsigned i = 0; i < DMA_CHANNELS; i++)
            if (d->ch[i].cs & CS_INT) v |= 1u << i;
        return v;
    }
    if (offset == DMA_ENABLE) return d->enable;
    unsigned n = (unsigned)(offset / DMA_CHAN_STRIDE);
    if (n >= DMA_CHANNELS) {
        dev_warn_unimp(d->ctx, offset, false, 0);
        return 0;
    }
    dma_channel *c = &d->ch[n];
    switch (offset % DMA_CHAN_STRIDE) {
    case DMA_CS: return read_cs(c);
    case DMA_CONBLK_AD: return c->conblk_ad;
    case DMA_TI: return c->ti;
    case DMA_SOURCE_AD: return c->source_ad;
    case DMA_DEST_AD: return c->dest_ad;
    case DMA_TXFR_LEN: return c->txfr_len;
    case DMA_STRIDE: return c->stride;
    case DMA_NEXTCONBK: return c->nextconbk;
    case DMA_DEBUG: return c->debug;
    default: dev_warn_unimp(d->ctx, offset, false, 0); return 0;
    }
}

static void dma_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    (void)size;
    bcm2835_dma *d = opaque;
    uint32_t v = (uint32_t)value;
    if (offset == DMA_INT_STATUS) {
        for (unsigned i = 0; i < DMA_CHANNELS; i++)
            if (v & (1u << i)) {
                d->ch[i].cs &= ~CS_INT;
                update_irq(d, i);
            }
        return;
    }
    if (offset == DMA_ENABLE) {
        uint32_t was = d->enable;
        d->enable = v & ((1u << DMA_CHANNELS) - 1);
        for (unsigned i = 0; i < DMA_CHANNELS; i++)
            if (!(was & (1u << i)) && (d->enable & (1u << i)) && (d->ch[i].cs & CS_ACTIVE))
                schedule_run(&d->ch[i], DMA_START_NS);
        return;
    }
    unsigned n = (unsigned)(offset / DMA_CHAN_STRIDE);
    if (n >= DMA_CHANNELS) {
        dev_warn_unimp(d->ctx, offset, true, value);
        return;
    }
    dma_channel *c = &d->ch[n];
    switch (offset % DMA_CHAN_STRIDE) {
    case DMA_CS: write_cs(c, v); break;
    case DMA_CONBLK_AD:
        c->conblk_ad = v;
        c->cb_loaded = false;
        break;
    case DMA_NEXTCONBK: c->nextconbk = v; break;
    case DMA_DEBUG: c->debug &= ~(v & DEBUG_ERRORS); break;
    case DMA_TI:
    case DMA_SOURCE_AD:
    case DMA_DEST_AD:
    case DMA_TXFR_LEN:
    case DMA_STRIDE: break; /* loaded from the control block */
    default: dev_warn_unimp(d->ctx, offset, true, value); break;
    }
}

/* DREQ inputs: record the level; a rise wakes channels stalled on it (never runs them here). */
static void dma_dreq_input(void *dev, int n, bool level) {
    bcm2835_dma *d = dev;
    if (n < 0 || n >= DMA_DREQS) return;
    d->dreq[n] = level;
    if (!level) return;
    for (unsigned i = 0; i < DMA_CHANNELS; i++) {
        dma_channel *c = &d->ch[i];
        if (c->stalled && (c->cs & CS_ACTIVE) && permap(c) == (unsigned)n) {
            c->stalled = false;
            schedule_run(c, 0);
        }
    }
}

static int dma_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    (void)err, (void)errlen;
    bcm2835_dma *d = dev;
    d->ctx = ctx;
    d->periph_base = dev_prop_u64(ctx, "peripheral-base");
    for (unsigned i = 0; i < DMA_CHANNELS; i++) {
        d->ch[i].dma = d;
        d->ch[i].index = i;
        vclock_event_init(&d->ch[i].run, "bcm2835-dma", run_event, &d->ch[i]);
    }
    return 0;
}

static void dma_reset(void *dev) {
    bcm2835_dma *d = dev;
    for (unsigned i = 0; i < DMA_CHANNELS; i++) {
        reset_channel(&d->ch[i]);
        update_irq(d, i);
    }
    d->enable = (1u << DMA_CHANNELS) - 1;
}

static void dma_unrealize(void *dev) {
    bcm2835_dma *d = dev;
    for (unsigned i = 0; i < DMA_CHANNELS; i++)
        vclock_cancel(d->ctx->clock, &d->ch[i].run);
}

static const dev_region dma_regions[] = {
    {.name = "regs",
     .size = DMA_SIZE,
     .ops = {.read = dma_read,
             .write = dma_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop dma_props[] = {
    {.name = "peripheral-base",
     .kind = PROP_U64,
     .default_value = "0x3f000000",
     .help = "ARM physical address of bus address 0x7e000000 (BCM2837: 0x3f000000)"},
};

/* Channel n's interrupt (Linux: GPU 16 + n for 0-10, 11-14 share GPU 27), then "all" (GPU 28). */
static const char *const dma_irq_outputs[] = {"ch0",  "ch1",  "ch2",  "ch3", "ch4",  "ch5",
                                              "ch6",  "ch7",  "ch8",  "ch9", "ch10", "ch11",
                                              "ch12", "ch13", "ch14", "all"};

const dev_type bcm2835_dma_type = {
    .name = "bcm2835-dma",
    .description = "BCM2835 DMA controller, channels 0-14 (7-14 lite), DREQ-paced transfers",
    .state_size = sizeof(bcm2835_dma),
    .regions = dma_regions,
    .n_regions = 1,
    .props = dma_props,
    .n_props = 1,
    .irq_outputs = dma_irq_outputs,
    .n_irq_outputs = DMA_CHANNELS + 1,
    .n_irq_inputs = DMA_DREQS, /* DREQ lines (soc/dreq.h), not interrupts */
    .irq_input = dma_dreq_input,
    .realize = dma_realize,
    .reset = dma_reset,
    .unrealize = dma_unrealize,
};
