/* BCM2835 "sdhost" SD card controller (0x7E202000 = ARM 0x3F202000), the Pi 3's SD card slot.
 * The register contract is what Linux's drivers/mmc/host/bcm2835.c relies on (notes §2.6):
 * - a command is SDARG then SDCMD|NEW; the driver polls NEW clear, then FAIL + SDHSTS for
 *   errors. Commands complete at the SDCMD write, so the first poll sees NEW clear.
 * - R2 (LONG) responses: SDRSP3..0 = bits 127..0 of CID/CSD, unshifted (driver: resp[3-i] =
 *   SDRSP[i]); short responses: the 32-bit payload in SDRSP0.
 * - SDHSTS: W1C error/interrupt bits; DATA_FLAG (bit 0) is a level, not a latch: "FIFO has data"
 *   while reading, "FIFO has room" while writing (the driver qualifies it with DATA_IRPT_EN).
 *   BLOCK_IRPT latches per written block only while BLOCK_IRPT_EN is set (the driver enables it
 *   for PIO writes after the first block; a stale latch would hit "block interrupt without
 *   data"); BUSY_IRPT latches when a BUSYWAIT (R1b) command completes.
 * - SDEDM: [3:0] FSM state (requests are refused unless IDENT/DATA; after data the driver waits
 *   for IDENT/DATA), [8:4] FIFO word count, thresholds [13:9]/[18:14] read back as written.
 * - Data: SDHBCT bytes x SDHBLC blocks through SDDATA (a 16-word FIFO). PIO reads take EDM's
 *   count words at a time; multi-block DMA (DREQ 13 on SDDATA) leaves the final 3 words of a
 *   read to the CPU, which reads each only while the EDM count is non-zero.
 * - Timing, in virtual time from the SD clock (250 MHz core clock / (SDCDIV + 2); the data bus
 *   is 4 bits wide with SDHCFG.WIDE_EXT_BUS, else 1): a block takes start bit + payload + CRC16
 *   + end bit clocks on the bus (~21 us for 512 bytes at 50 MHz: ~24 MB/s, a real Pi 3 reads
 *   20-23 MB/s). Reads: a block reaches the FIFO when its time on the bus is over, the next one
 *   follows while at most one block waits unread (the card is stopped otherwise); the FIFO
 *   count, DATA_FLAG and DREQ say what has arrived. Writes: the FIFO takes a block, then shows
 *   full (count 16, no DATA_FLAG/DREQ) while the card receives and programs it; after the last
 *   block the FSM stays in WRITEDATA until then. Commands complete at once.
 * - IRQ (GPU 56) = DATA_FLAG & DATA_IRPT_EN | BLOCK_IRPT & BLOCK_IRPT_EN | BUSY_IRPT &
 *   BUSY_IRPT_EN | SDIO_IRPT & SDIO_IRPT_EN.
 * The card is an sd_card on the `sd-image` file (set by the machine from --sd); without one,
 * every command times out (SDHSTS bit 6), as with an empty slot. So it does while input 0 (the
 * pin mux: GPIO 48-53 in ALT0 on the Pi 3; unwired it reads high) says the slot's pins are
 * routed elsewhere, e.g. to the Arasan SDHCI. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "peripherals/sd_card.h"
#include "peripherals/sd_image.h"
#include "soc/clock.h"
#include "soc/device.h"
#include "soc/dreq.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    SDCMD = 0x00,  /* [5:0] opcode, flags below */
    SDARG = 0x04,  /* command argument */
    SDTOUT = 0x08, /* data timeout in SD clocks (stored only) */
    SDCDIV = 0x0C, /* clock divider, 11 bits (stored only) */
    SDRSP0 = 0x10, /* response bits 31..0 */
    SDRSP1 = 0x14,
    SDRSP2 = 0x18,
    SDRSP3 = 0x1C, /* response bits 127..96 */
    SDHSTS = 0x20, /* host status, W1C */
    SDVDD = 0x30,  /* bit 0: card power */
    SDEDM = 0x34,  /* "emergency debug mode": FSM state, FIFO count, thresholds */
    SDHCFG = 0x38, /* host configuration: bus width, interrupt enables */
    SDHBCT = 0x3C, /* block size in bytes */
    SDDATA = 0x40, /* data FIFO */
    SDHBLC = 0x50, /* block count */
    SDHOST_SIZE = 0x100,
};

enum {
    SDCMD_OPCODE = 0x3F,
    SDCMD_READ = 1u << 6,
    SDCMD_WRITE = 1u << 7,
    SDCMD_LONG_RESP = 1u << 9,
    SDCMD_NO_RESP = 1u << 10,
    SDCMD_BUSYWAIT = 1u << 11,
    SDCMD_FAIL = 1u << 14,
    SDCMD_NEW = 1u << 15,
};

enum {
    SDHSTS_DATA_FLAG = 1u << 0,
    SDHSTS_FIFO_ERROR = 1u << 3,
    SDHSTS_CRC7_ERROR = 1u << 4,
    SDHSTS_CRC16_ERROR = 1u << 5,
    SDHSTS_CMD_TIME_OUT = 1u << 6,
    SDHSTS_REW_TIME_OUT = 1u << 7,
    SDHSTS_SDIO_IRPT = 1u << 8,
    SDHSTS_BLOCK_IRPT = 1u << 9,
    SDHSTS_BUSY_IRPT = 1u << 10,
    SDHSTS_W1C = 0x7F8,
};

enum {
    SDHCFG_WIDE_EXT_BUS = 1u << 2,
    SDHCFG_DATA_IRPT_EN = 1u << 4,
    SDHCFG_SDIO_IRPT_EN = 1u << 5,
    SDHCFG_BLOCK_IRPT_EN = 1u << 8,
    SDHCFG_BUSY_IRPT_EN = 1u << 10,
    SDHCFG_MASK = 0x53F,
};

enum {
    EDM_FSM_IDENT = 0x0,
    EDM_FSM_DATA = 0x1,
    EDM_FSM_READDATA = 0x2,
    EDM_FSM_WRITEDATA = 0x3,
    EDM_COUNT_SHIFT = 4,
    EDM_THRESHOLDS = 0x3FFu << 9, /* write [13:9], read [18:14]: stored */
    EDM_FIFO_WORDS = 16,
};

typedef struct bcm2835_sdhost {
    dev_ctx *ctx;
    sd_image *img;
    sd_card *card; /* NULL: empty slot */
    uint32_t cmd, arg, tout, cdiv, rsp[4], hsts, vdd, edm, hcfg, hbct, hblc;
    /* The data phase of the last command, in host terms. */
    sd_data_dir dir;
    uint64_t remaining;   /* bytes still to move through SDDATA */
    uint32_t block_bytes; /* bytes of the current block moved (write BLOCK_IRPT) */
    /* Timing: read: bytes arrived in the FIFO and not yet read, bytes the card has still to
     * send, and whether the card waits for the host to make room; write: bytes the FIFO takes
     * before the card must receive a block. `ev` ends a block's time on the bus. */
    uint64_t ready, to_send;
    bool stalled;
    vclock_event ev;
    bool warned_no_data;
} bcm2835_sdhost;

enum {
    CORE_CLOCK_HZ = 250000000, /* the VPU clock the divider counts */
    NAC_CLOCKS = 8 + 48,       /* command end to the first data block (plus the response) */
    BUSY_CLOCKS = 16,          /* the card's programming busy after a written block */
};

enum { OUT_IRQ = 0, OUT_DREQ = 1 };
enum { IN_ROUTED = 0 }; /* input: the slot's pins are muxed to the sdhost (pulled up) */

/* The card, while the pin mux routes the slot here (on the Pi 3: pins 48-53 in ALT0). */
static sd_card *card_here(const bcm2835_sdhost *s) {
    return s->ctx->irq_in[IN_ROUTED].level ? s->card : NULL;
}

/* Words in the FIFO: arrived (read), or written and not yet taken by the card (write). */
static unsigned fifo_words(const bcm2835_sdhost *s) {
    uint64_t words;
    if (s->dir == SD_DATA_READ)
        words = s->ready / 4;
    else if (s->dir == SD_DATA_WRITE)
        words = s->ready >= 4 * EDM_FIFO_WORDS ? 0 : EDM_FIFO_WORDS - s->ready / 4;
    else
        return 0;
    return words < EDM_FIFO_WORDS ? (unsigned)words : EDM_FIFO_WORDS;
}

/* Read: a word has arrived; write: the FIFO has room for one. */
static bool data_flag(const bcm2835_sdhost *s) {
    return s->dir != SD_DATA_NONE && s->remaining >= 4 && s->ready >= 4;
}

static uint64_t clocks_ns(const bcm2835_sdhost *s, uint64_t clocks) {
    uint64_t hz = CORE_CLOCK_HZ / ((uint64_t)s->cdiv + 2);
    return (clocks * 1000000000ull + hz - 1) / hz;
}

/* A block on the data lines: start bit, payload, CRC16 per line, end bit. */
static uint64_t block_ns(const bcm2835_sdhost *s, uint64_t bytes) {
    unsigned lines = s->hcfg & SDHCFG_WIDE_EXT_BUS ? 4 : 1;
    return clocks_ns(s, 2 + 16 + bytes * 8 / lines);
}

static uint64_t block_size(const bcm2835_sdhost *s) {
    return s->hbct ? s->hbct : 4;
}

static uint64_t next_block(const bcm2835_sdhost *s) {
    return s->to_send < block_size(s) ? s->to_send : block_size(s);
}

static void schedule_in(bcm2835_sdhost *s, uint64_t ns) {
    vclock_schedule(s->ctx->clock, &s->ev, vclock_now(s->ctx->clock) + ns);
}

static uint32_t read_hsts(const bcm2835_sdhost *s) {
    return s->hsts | (data_flag(s) ? SDHSTS_DATA_FLAG : 0);
}

static void update_lines(bcm2835_sdhost *s) {
    uint32_t h = read_hsts(s);
    bool irq = ((h & SDHSTS_DATA_FLAG) && (s->hcfg & SDHCFG_DATA_IRPT_EN)) ||
               ((h & SDHSTS_BLOCK_IRPT) && (s->hcfg & SDHCFG_BLOCK_IRPT_EN)) ||
               ((h & SDHSTS_BUSY_IRPT) && (s->hcfg & SDHCFG_BUSY_IRPT_EN)) ||
               ((h & SDHSTS_SDIO_IRPT) && (s->hcfg & SDHCFG_SDIO_IRPT_EN));
    irq_set(dev_irq(s->ctx, OUT_IRQ), irq);
    dreq_set(dev_irq(s->ctx, OUT_DREQ), data_flag(s));
}

static uint32_t read_edm(const bcm2835_sdhost *s) {
    uint32_t fsm;
    if (s->dir == SD_DATA_READ)
        fsm = EDM_FSM_READDATA;
    else if (s->dir == SD_DATA_WRITE)
        fsm = EDM_FSM_WRITEDATA;
    else if (card_here(s) && s->vdd && sd_card_state(card_here(s)) >= SD_STATE_STBY)
        fsm = EDM_FSM_DATA;
    else
        fsm = EDM_FSM_IDENT;
    return (s->edm & EDM_THRESHOLDS) | fifo_words(s) << EDM_COUNT_SHIFT | fsm;
}

static void end_transfer(bcm2835_sdhost *s) {
    s->dir = SD_DATA_NONE;
    s->remaining = s->ready = s->to_send = 0;
    s->block_bytes = 0;
    s->stalled = false;
    if (s->ctx->clock) vclock_cancel(s->ctx->clock, &s->ev);
}

/* A block's time on the bus is over. Read: it is in the FIFO, and the card goes on with the
 * next unless a whole block already waits unread. Write: the card took the block; the FIFO has
 * room again, or, after the last one, the data phase ends. */
static void block_event(void *opaque, uint64_t now) {
    (void)now;
    bcm2835_sdhost *s = opaque;
    if (s->dir == SD_DATA_READ) {
        uint64_t n = next_block(s);
        s->ready += n;
        s->to_send -= n;
        if (s->to_send && s->ready <= block_size(s))
            schedule_in(s, block_ns(s, next_block(s)));
        else if (s->to_send)
            s->stalled = true;
    } else if (s->dir == SD_DATA_WRITE) {
        if (s->remaining < 4)
            end_transfer(s);
        else
            s->ready = s->remaining < block_size(s) ? s->remaining : block_size(s);
    }
    update_lines(s);
}

static void start_transfer(bcm2835_sdhost *s, sd_data_dir dir) {
    uint64_t blocks = s->hblc ? s->hblc : 1;
    s->dir = dir;
    s->remaining = blocks * s->hbct;
    s->block_bytes = 0;
    s->stalled = false;
    if (s->remaining == 0) {
        end_transfer(s);
    } else if (dir == SD_DATA_READ) {
        s->ready = 0;
        s->to_send = s->remaining;
        schedule_in(s, clocks_ns(s, NAC_CLOCKS) + block_ns(s, next_block(s)));
    } else {
        s->ready = s->remaining < block_size(s) ? s->remaining : block_size(s);
    }
    if (card_here(s) && sd_card_data_state(card_here(s)) != dir && !s->warned_no_data) {
        soc_warn("%s: CMD%u: the card started no %s data phase (reads give zeros)", s->ctx->name,
                 s->cmd & SDCMD_OPCODE, dir == SD_DATA_READ ? "read" : "write");
        s->warned_no_data = true;
    }
}

static void execute_command(bcm2835_sdhost *s) {
    unsigned opcode = s->cmd & SDCMD_OPCODE;
    uint32_t resp[4] = {0};
    end_transfer(s); /* a new command abandons any unfinished data phase */
    int bits = 0;
    if (card_here(s) && s->vdd) bits = sd_card_command(card_here(s), opcode, s->arg, resp);
    s->cmd &= ~(SDCMD_NEW | SDCMD_FAIL);
    if (!(s->cmd & SDCMD_NO_RESP)) {
        if (bits == 0) {
            /* No response: the card is absent or refused the command. */
            s->cmd |= SDCMD_FAIL;
            s->hsts |= SDHSTS_CMD_TIME_OUT;
            if (s->cmd & SDCMD_BUSYWAIT) s->hsts |= SDHSTS_BUSY_IRPT;
            return;
        }
        if (s->cmd & SDCMD_LONG_RESP)
            memcpy(s->rsp, resp, sizeof s->rsp);
        else
            s->rsp[0] = resp[0], s->rsp[1] = s->rsp[2] = s->rsp[3] = 0;
    }
    if (s->cmd & SDCMD_BUSYWAIT) s->hsts |= SDHSTS_BUSY_IRPT;
    if (s->cmd & SDCMD_READ)
        start_transfer(s, SD_DATA_READ);
    else if (s->cmd & SDCMD_WRITE)
        start_transfer(s, SD_DATA_WRITE);
}

static uint32_t read_data(bcm2835_sdhost *s) {
    if (s->dir != SD_DATA_READ || s->remaining < 4 || s->ready < 4) {
        soc_trace(TRACE_UNIMP, "%s: SDDATA read with an empty FIFO", s->ctx->name);
        return 0;
    }
    uint8_t b[4] = {0};
    if (card_here(s)) sd_card_read_data(card_here(s), b, 4);
    s->remaining -= 4;
    s->ready -= 4;
    if (s->stalled && s->ready <= block_size(s)) { /* room again: the card goes on */
        s->stalled = false;
        schedule_in(s, block_ns(s, next_block(s)));
    }
    if (s->remaining < 4) end_transfer(s);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void write_data(bcm2835_sdhost *s, uint32_t v) {
    if (s->dir != SD_DATA_WRITE || s->remaining < 4 || s->ready < 4) {
        soc_trace(TRACE_UNIMP, "%s: SDDATA write 0x%08x outside a write", s->ctx->name, v);
        return;
    }
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    if (card_here(s)) sd_card_write_data(card_here(s), b, 4);
    s->remaining -= 4;
    s->ready -= 4;
    s->block_bytes += 4;
    if (s->block_bytes >= s->hbct) {
        s->block_bytes = 0;
        if (s->hcfg & SDHCFG_BLOCK_IRPT_EN) s->hsts |= SDHSTS_BLOCK_IRPT;
    }
    /* A full block (or the last words): the card receives and programs it. */
    if (s->ready < 4) {
        s->ready = 0;
        schedule_in(s, block_ns(s, block_size(s)) + clocks_ns(s, BUSY_CLOCKS));
    }
}

static void set_power(bcm2835_sdhost *s, uint32_t on) {
    on &= 1;
    if (on && !s->vdd && card_here(s)) sd_card_reset(s->card); /* power-up: a fresh card */
    if (!on) end_transfer(s);
    s->vdd = on;
}

static uint64_t sdhost_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    bcm2835_sdhost *s = opaque;
    uint64_t v;
    switch (offset) {
    case SDCMD: return s->cmd;
    case SDARG: return s->arg;
    case SDTOUT: return s->tout;
    case SDCDIV: return s->cdiv;
    case SDRSP0:
    case SDRSP1:
    case SDRSP2:
    case SDRSP3: return s->rsp[(offset - SDRSP0) / 4];
    case SDHSTS: return read_hsts(s);
    case SDVDD: return s->vdd;
    case SDEDM: return read_edm(s);
    case SDHCFG: return s->hcfg;
    case SDHBCT: return s->hbct;
    case SDHBLC: return s->hblc;
    case SDDATA:
        v = read_data(s);
        update_lines(s);
        return v;
    default: dev_warn_unimp(s->ctx, offset, false, 0); return 0;
    }
}

static void sdhost_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    (void)size;
    bcm2835_sdhost *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case SDCMD:
        s->cmd = v & 0xFFFF;
        if (v & SDCMD_NEW) execute_command(s);
        break;
    case SDARG: s->arg = v; break;
    case SDTOUT: s->tout = v; break;
    case SDCDIV: s->cdiv = v & 0x7FF; break;
    case SDHSTS: s->hsts &= ~(v & SDHSTS_W1C); break;
    case SDVDD: set_power(s, v); break;
    case SDEDM: s->edm = v & EDM_THRESHOLDS; break; /* FORCE_DATA_MODE: we never wait */
    case SDHCFG: s->hcfg = v & SDHCFG_MASK; break;
    case SDHBCT: s->hbct = v; break;
    case SDHBLC: s->hblc = v; break;
    case SDDATA: write_data(s, v); break;
    case SDRSP0:
    case SDRSP1:
    case SDRSP2:
    case SDRSP3: break; /* read-only */
    default: dev_warn_unimp(s->ctx, offset, true, value); break;
    }
    update_lines(s);
}

static int sdhost_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_sdhost *s = dev;
    s->ctx = ctx;
    vclock_event_init(&s->ev, ctx->name, block_event, s);
    ctx->irq_in[IN_ROUTED].level = true; /* unwired: the slot is the sdhost's own */
    const char *path = dev_prop_str(ctx, "sd-image");
    if (path && *path) {
        s->img = sd_image_open(
            path, dev_prop_bool(ctx, "sd-write") ? SD_IMAGE_WRITE_THROUGH : SD_IMAGE_COPY_ON_WRITE,
            err, errlen);
        if (!s->img) return -1;
        s->card = sd_card_new(s->img);
        if (!s->card) {
            snprintf(err, errlen, "%s: SD image too large (an SDXC card holds at most 2 TiB)",
                     path);
            sd_image_close(s->img);
            s->img = NULL;
            return -1;
        }
        ctx->sd_card = s->card; /* the machine offers it to the board's other SD hosts */
    }
    return 0;
}

/* Input 0 moved: nothing to latch (Linux polls the sdhost's slot); commands see it. */
static void sdhost_route(void *dev, int n, bool level) {
    (void)dev, (void)n, (void)level;
}

static void sdhost_reset(void *dev) {
    bcm2835_sdhost *s = dev;
    s->cmd = s->arg = s->hsts = s->hcfg = s->hbct = s->hblc = s->vdd = 0;
    memset(s->rsp, 0, sizeof s->rsp);
    s->tout = 0xF00000;
    s->cdiv = 0x1FB; /* 507: the reset divider the driver's comment mentions */
    s->edm = 0;
    end_transfer(s);
    if (s->card) sd_card_reset(s->card);
    /* A guest reboot: what it wrote through to the image is on disk now. */
    char err[300];
    if (s->img && sd_image_flush(s->img, err, sizeof err) < 0) soc_warn("%s", err);
    update_lines(s);
}

static void sdhost_unrealize(void *dev) {
    bcm2835_sdhost *s = dev;
    if (s->ctx->clock) vclock_cancel(s->ctx->clock, &s->ev);
    sd_card_free(s->card);
    sd_image_close(s->img);
    s->card = NULL;
    s->img = NULL;
}

static const dev_region sdhost_regions[] = {
    /* Linux and U-Boot use 32-bit accesses only. */
    {.name = "regs",
     .size = SDHOST_SIZE,
     .ops = {.read = sdhost_read,
             .write = sdhost_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop sdhost_props[] = {
    {.name = "sd-image",
     .kind = PROP_STR,
     .default_value = "",
     .help = "SD card image (read-only; writes go to a copy-on-write overlay unless sd-write). The "
             "machine sets it from --sd; empty = no card"},
    {.name = "sd-write",
     .kind = PROP_BOOL,
     .default_value = "false",
     .help = "write guest writes through to the image file (the machine sets it from --sd-write)"},
};

static const char *const sdhost_irq_outputs[] = {"irq", "dreq"};

const dev_type bcm2835_sdhost_type = {
    .name = "bcm2835-sdhost",
    .description = "BCM2835 sdhost SD card controller with an SD card on the --sd image",
    .state_size = sizeof(bcm2835_sdhost),
    .regions = sdhost_regions,
    .n_regions = 1,
    .props = sdhost_props,
    .n_props = sizeof sdhost_props / sizeof sdhost_props[0],
    .irq_outputs = sdhost_irq_outputs,
    .n_irq_outputs = 2,
    .n_irq_inputs = 1,
    .irq_input = sdhost_route,
    .sd_host = true,
    .realize = sdhost_realize,
    .reset = sdhost_reset,
    .unrealize = sdhost_unrealize,
};
