/* The BCM2835 Arasan SDHCI controller ("emmc", 0x7E300000 = ARM 0x3F300000, IRQ GPU 62): the SD
 * Host Controller Simplified Specification 3.00 register set as Linux's sdhci-iproc
 * ("brcm,bcm2835-sdhci") and U-Boot's bcm2835_sdhci.c drive it. Facts: /work/shared/notes/
 * rpi3-hardware.md section 2.7.
 * - 32-bit accesses only (the drivers shadow 8/16-bit writes: block size+count go out in one
 *   write, transfer mode+command in another; writing the command half of 0x0C issues it).
 * - PIO only: the capabilities offer neither SDMA nor ADMA (Linux: "using PIO"), so the data
 *   moves through the BUFFER port, one block at a time, announced by buffer-read/write-ready.
 * - Multi-block transfers with block count, Auto CMD12 and Auto CMD23 (ARGUMENT2 = the count):
 *   Linux 6.1 on a v3.00 host without DMA uses Auto CMD23 when the card supports CMD23.
 * - R1b commands end with transfer complete when the card's busy ends (Linux waits for it).
 * - Software resets (all, CMD line, DAT line) and the internal clock complete at once.
 * - Timing in virtual time from the SD clock (base clock / 2N): a command takes its bits on the
 *   wire, a block its bits on the 1/4/8 data lines plus CRC; deterministic.
 * - The card: the machine's one sd_card (ctx->sd_card), reachable only while input 0 ("pins
 *   routed here") is high. On the Pi 3 the GPIO drives it from pins 48-53 in ALT3; unwired it
 *   reads high (a controller with a slot of its own). With no card, or the slot's pins muxed to
 *   the sdhost, every command expecting a response ends in a command timeout at once (the Wi-Fi
 *   SDIO bus on pins 34-39 is not modelled), so a probe gives up in milliseconds. Routing
 *   changes latch card insert/remove.
 * Linux uses SDHCI_QUIRK_BROKEN_CARD_DETECTION (it polls) and ignores the capability registers;
 * U-Boot reads them. */
#include <stdint.h>
#include <string.h>

#include "peripherals/sd_card.h"
#include "soc/device.h"
#include "soc/log.h"

/* Register offsets (32-bit words; sub-registers noted). */
enum {
    SDHCI_ARGUMENT2 = 0x00, /* SDMA address / Auto CMD23 argument */
    SDHCI_BLOCK = 0x04,     /* [11:0] block size, [14:12] SDMA boundary, [31:16] block count */
    SDHCI_ARGUMENT = 0x08,
    SDHCI_COMMAND = 0x0C,  /* [15:0] transfer mode, [31:16] command: writing it issues it */
    SDHCI_RESPONSE = 0x10, /* 0x10-0x1C */
    SDHCI_BUFFER = 0x20,
    SDHCI_PRESENT_STATE = 0x24,
    SDHCI_HOST_CONTROL = 0x28,  /* host control, power control, block gap, wake-up */
    SDHCI_CLOCK_CONTROL = 0x2C, /* [15:0] clock control, [23:16] timeout, [31:24] soft reset */
    SDHCI_INT_STATUS = 0x30,    /* [15:0] normal, [31:16] error; W1C */
    SDHCI_INT_ENABLE = 0x34,    /* status enables */
    SDHCI_SIGNAL_ENABLE = 0x38, /* interrupt line enables */
    SDHCI_HOST_CONTROL2 = 0x3C, /* [15:0] auto-CMD error status (RO), [31:16] host control 2 */
    SDHCI_CAPABILITIES = 0x40,
    SDHCI_CAPABILITIES_1 = 0x44,
    SDHCI_MAX_CURRENT = 0x48,
    SDHCI_ADMA_ERROR = 0x54,
    SDHCI_ADMA_ADDRESS = 0x58,
    SDHCI_PRESET_FIRST = 0x60, /* 0x60-0x6F preset values: zero (Linux: PRESET_VALUE_BROKEN) */
    SDHCI_PRESET_LAST = 0x6C,
    SDHCI_SLOT_VERSION = 0xFC, /* [15:0] slot interrupt status, [31:16] host version */
    SDHCI_SIZE = 0x100,
};

/* Transfer mode (COMMAND [15:0]) and command (COMMAND [31:16]) fields. */
enum {
    TM_BLK_CNT_EN = 1u << 1,
    TM_AUTO_CMD_SHIFT = 2, /* [3:2]: 1 = Auto CMD12, 2 = Auto CMD23 */
    TM_READ = 1u << 4,
    TM_MULTI = 1u << 5,
    CMD_RESP_MASK = 0x3, /* 0 none, 1 136 bits, 2 48 bits, 3 48 bits + busy */
    CMD_DATA = 1u << 5,
    CMD_TYPE_ABORT = 3u << 6,
    CMD_INDEX_SHIFT = 8,
};
enum { RESP_NONE, RESP_136, RESP_48, RESP_48_BUSY };
enum { AUTO_CMD12 = 1, AUTO_CMD23 = 2 };

/* Interrupt status bits. */
enum {
    INT_CMD_COMPLETE = 1u << 0,
    INT_XFER_COMPLETE = 1u << 1,
    INT_BUF_WRITE_READY = 1u << 4,
    INT_BUF_READ_READY = 1u << 5,
    INT_CARD_INSERT = 1u << 6,
    INT_CARD_REMOVE = 1u << 7,
    INT_ERROR = 1u << 15,
    INT_CMD_TIMEOUT = 1u << 16,
    INT_DATA_TIMEOUT = 1u << 20,
    INT_AUTO_CMD_ERR = 1u << 24,
    INT_ERRORS = 0xFFFF0000u,
    INT_W1C = 0xFFFF7FFFu, /* bit 15 is the OR of the error bits */
};

/* Auto CMD error status (HOST_CONTROL2 [15:0]). */
enum { ACMD_TIMEOUT = 1u << 1 };

/* Present state bits. */
enum {
    PS_CMD_INHIBIT = 1u << 0,
    PS_DAT_INHIBIT = 1u << 1,
    PS_DAT_ACTIVE = 1u << 2,
    PS_WRITE_ACTIVE = 1u << 8,
    PS_READ_ACTIVE = 1u << 9,
    PS_BUF_WRITE_EN = 1u << 10,
    PS_BUF_READ_EN = 1u << 11,
    PS_CARD_INSERTED = 1u << 16,
    PS_CARD_STABLE = 1u << 17,
    PS_CARD_DETECT = 1u << 18,
    PS_WRITE_ENABLED = 1u << 19, /* write-protect switch level: 1 = writable */
    PS_DAT_LEVELS = 0xFu << 20,
    PS_CMD_LEVEL = 1u << 24,
};

/* Host control (0x28): data width in byte 0, bus power in byte 1. Clock control (0x2C). */
enum {
    HC_4BIT = 1u << 1,
    HC_8BIT = 1u << 5,
    HC_BUS_POWER = 1u << 8,
    CLK_INT_EN = 1u << 0,
    CLK_INT_STABLE = 1u << 1,
    RESET_SHIFT = 24,
    RESET_ALL = 1u << 0,
    RESET_CMD = 1u << 1,
    RESET_DATA = 1u << 2,
};

enum {
    HOST_VERSION = 0x9902u << 16, /* Arasan vendor 0x99, spec 3.00 */
    BUF_MAX = 2048,               /* the largest block size the spec allows */
    IN_ROUTED = 0,                /* input: the slot's pins are muxed to this controller */
    NCR_CLOCKS = 8,               /* command end to response start */
    BUSY_CLOCKS = 8,              /* R1b busy and write programming, per block */
};

/* What the controller is waiting for; `ev` fires the timed steps. */
typedef enum {
    PH_IDLE,
    PH_COMMAND,    /* command and response on the CMD line (timed) */
    PH_READ_LOAD,  /* the next block coming from the card (timed) */
    PH_READ_DRAIN, /* a block in the buffer for the host */
    PH_WRITE_FILL, /* the host filling the buffer */
    PH_WRITE_PROG, /* a written block going to the card (timed) */
    PH_FINISH,     /* busy / auto CMD12, then transfer complete (timed) */
} sdhci_phase;

typedef struct bcm2835_sdhci {
    dev_ctx *ctx;
    uint32_t arg2, block, arg, command, resp[4], host_ctl, clock_ctl, host_ctl2, adma_err,
        adma_addr;
    uint32_t int_status, int_enable, signal_enable;
    uint32_t caps0, caps1;
    uint64_t base_hz;
    bool card_seen; /* the routing as last reported (card insert/remove) */
    sdhci_phase phase;
    bool cmd_inhibit, dat_inhibit;
    uint32_t blocks_left; /* blocks still to move; UINT32_MAX = until an abort */
    uint8_t buf[BUF_MAX];
    uint32_t buf_pos, blksz;
    vclock_event ev;
} bcm2835_sdhci;

/* ---- card and timing ---- */

static sd_card *card(const bcm2835_sdhci *s) {
    return s->ctx->irq_in[IN_ROUTED].level ? s->ctx->sd_card : NULL;
}

static uint64_t sdclk_hz(const bcm2835_sdhci *s) {
    uint32_t n = ((s->clock_ctl >> 8) & 0xFF) | ((s->clock_ctl >> 6) & 0x3) << 8; /* 10 bits */
    return n ? s->base_hz / (2 * n) : s->base_hz;
}

static uint64_t clocks_ns(const bcm2835_sdhci *s, uint64_t clocks) {
    uint64_t hz = sdclk_hz(s);
    return (clocks * 1000000000ull + hz - 1) / hz;
}

static unsigned data_lines(const bcm2835_sdhci *s) {
    return s->host_ctl & HC_8BIT ? 8 : s->host_ctl & HC_4BIT ? 4 : 1;
}

/* A block on the data lines: start bit, payload, CRC16 per line, end bit. */
static uint64_t block_ns(const bcm2835_sdhci *s) {
    return clocks_ns(s, 2 + 16 + (uint64_t)s->blksz * 8 / data_lines(s));
}

static void schedule(bcm2835_sdhci *s, sdhci_phase phase, uint64_t delay_ns) {
    s->phase = phase;
    vclock_schedule(s->ctx->clock, &s->ev, vclock_now(s->ctx->clock) + delay_ns);
}

/* ---- interrupts ---- */

static void update_irq(bcm2835_sdhci *s) {
    irq_set(dev_irq(s->ctx, 0), (s->int_status & s->signal_enable & INT_W1C) != 0);
}

/* Latches the bits the status enables allow; bit 15 follows the error bits. */
static void raise_int(bcm2835_sdhci *s, uint32_t bits) {
    s->int_status |= bits & s->int_enable & INT_W1C;
    if (s->int_status & INT_ERRORS) s->int_status |= INT_ERROR;
    update_irq(s);
}

/* ---- data phase ---- */

static bool reading(const bcm2835_sdhci *s) {
    return (s->command & TM_READ) != 0;
}

static void end_data(bcm2835_sdhci *s) {
    vclock_cancel(s->ctx->clock, &s->ev);
    s->phase = PH_IDLE;
    s->dat_inhibit = false;
    s->buf_pos = 0;
}

/* The card gave no data (or took none): a data timeout ends the transfer. */
static void data_timeout(bcm2835_sdhci *s) {
    soc_trace(TRACE_UNIMP, "%s: CMD%u: the card moves no data: data timeout", s->ctx->name,
              (s->command >> 16) >> CMD_INDEX_SHIFT & 0x3F);
    end_data(s);
    raise_int(s, INT_DATA_TIMEOUT);
}

/* After the last block: Auto CMD12 if asked, then transfer complete once the busy ends. */
static void last_block_done(bcm2835_sdhci *s) {
    uint64_t delay = clocks_ns(s, BUSY_CLOCKS);
    if (((s->command >> TM_AUTO_CMD_SHIFT) & 3) == AUTO_CMD12 && (s->command & TM_MULTI)) {
        uint32_t r[4];
        sd_card *c = card(s);
        if (c && sd_card_command(c, 12, 0, r)) {
            s->resp[3] = r[0]; /* Auto CMD12's response lands in REP[127:96] */
            s->host_ctl2 &= 0xFFFF0000u;
        } else {
            s->host_ctl2 |= ACMD_TIMEOUT;
            raise_int(s, INT_AUTO_CMD_ERR);
        }
        delay += clocks_ns(s, 48 + NCR_CLOCKS + 48);
    }
    schedule(s, PH_FINISH, delay);
}

/* One block moved: count it, then the next one or the end. */
static void block_done(bcm2835_sdhci *s) {
    s->buf_pos = 0;
    if ((s->command & TM_BLK_CNT_EN) && (s->block >> 16)) s->block -= 1u << 16;
    if (s->blocks_left != UINT32_MAX) s->blocks_left--;
    if (s->blocks_left == 0) {
        last_block_done(s);
    } else if (reading(s)) {
        schedule(s, PH_READ_LOAD, block_ns(s));
    } else {
        s->phase = PH_WRITE_FILL;
        raise_int(s, INT_BUF_WRITE_READY);
    }
}

static void start_data(bcm2835_sdhci *s) {
    s->blksz = s->block & 0xFFF;
    if (s->blksz > BUF_MAX) s->blksz = BUF_MAX;
    bool multi = (s->command & TM_MULTI) != 0;
    uint32_t count = s->block >> 16;
    if (!multi)
        s->blocks_left = 1;
    else if (s->command & TM_BLK_CNT_EN)
        s->blocks_left = count;
    else
        s->blocks_left = UINT32_MAX;
    s->buf_pos = 0;
    if (s->blksz == 0 || s->blocks_left == 0) {
        last_block_done(s); /* nothing to move */
    } else if (reading(s)) {
        schedule(s, PH_READ_LOAD, clocks_ns(s, NCR_CLOCKS) + block_ns(s));
    } else {
        s->phase = PH_WRITE_FILL;
        raise_int(s, INT_BUF_WRITE_READY);
    }
}

static void load_block(bcm2835_sdhci *s) {
    sd_card *c = card(s);
    if (!c || sd_card_data_state(c) != SD_DATA_READ) {
        data_timeout(s);
        return;
    }
    size_t n = sd_card_read_data(c, s->buf, s->blksz);
    memset(s->buf + n, 0, s->blksz - n);
    s->phase = PH_READ_DRAIN;
    raise_int(s, INT_BUF_READ_READY);
}

static void program_block(bcm2835_sdhci *s) {
    sd_card *c = card(s);
    if (!c || sd_card_data_state(c) != SD_DATA_WRITE ||
        sd_card_write_data(c, s->buf, s->blksz) != s->blksz) {
        data_timeout(s);
        return;
    }
    block_done(s);
}

static uint32_t read_buffer(bcm2835_sdhci *s) {
    if (s->phase != PH_READ_DRAIN) {
        soc_trace(TRACE_UNIMP, "%s: BUFFER read with no block ready", s->ctx->name);
        return 0;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < 4 && s->buf_pos < s->blksz; i++)
        v |= (uint32_t)s->buf[s->buf_pos++] << (8 * i);
    if (s->buf_pos >= s->blksz) block_done(s);
    return v;
}

static void write_buffer(bcm2835_sdhci *s, uint32_t v) {
    if (s->phase != PH_WRITE_FILL) {
        soc_trace(TRACE_UNIMP, "%s: BUFFER write 0x%08x with no room", s->ctx->name, v);
        return;
    }
    for (unsigned i = 0; i < 4 && s->buf_pos < s->blksz; i++)
        s->buf[s->buf_pos++] = (uint8_t)(v >> (8 * i));
    if (s->buf_pos >= s->blksz) schedule(s, PH_WRITE_PROG, block_ns(s) + clocks_ns(s, BUSY_CLOCKS));
}

/* ---- commands ---- */

static unsigned cmd_resp(const bcm2835_sdhci *s) {
    return (s->command >> 16) & CMD_RESP_MASK;
}

/* The response reached the host: latch it, then start the data or busy phase. */
static void finish_command(bcm2835_sdhci *s) {
    unsigned index = (s->command >> 16) >> CMD_INDEX_SHIFT & 0x3F;
    unsigned resp_type = cmd_resp(s);
    uint32_t r[4] = {0};
    sd_card *c = card(s);
    int bits = c ? sd_card_command(c, index, s->arg, r) : 0;
    s->cmd_inhibit = false;
    s->phase = PH_IDLE;
    if (resp_type != RESP_NONE && bits == 0) {
        soc_trace(TRACE_UNIMP, "%s: CMD%u: no response (%s): command timeout", s->ctx->name, index,
                  !s->ctx->sd_card ? "no card"
                  : !c             ? "pins not routed here"
                                   : "card");
        s->dat_inhibit = false;
        raise_int(s, INT_CMD_TIMEOUT);
        return;
    }
    if (resp_type == RESP_136) {
        /* REP[119:0] = response bits 127:8 (the CRC byte is not kept). */
        for (unsigned i = 0; i < 4; i++)
            s->resp[i] = r[i] >> 8 | (i < 3 ? r[i + 1] << 24 : 0);
    } else if (resp_type != RESP_NONE) {
        s->resp[0] = r[0];
    }
    raise_int(s, INT_CMD_COMPLETE);
    if ((s->command >> 16) & CMD_DATA)
        start_data(s);
    else if (resp_type == RESP_48_BUSY)
        schedule(s, PH_FINISH, clocks_ns(s, BUSY_CLOCKS));
    else
        s->dat_inhibit = false;
}

static void issue_command(bcm2835_sdhci *s, uint32_t value) {
    uint32_t cmd = value >> 16;
    bool abort = (cmd & CMD_TYPE_ABORT) == CMD_TYPE_ABORT || (cmd >> CMD_INDEX_SHIFT) == 12;
    if (s->cmd_inhibit) {
        soc_trace(TRACE_UNIMP, "%s: command 0x%04x while CMD_INHIBIT: ignored", s->ctx->name, cmd);
        return;
    }
    if (s->dat_inhibit && abort) end_data(s); /* CMD12 / abort ends the data transfer */
    s->command = value;
    if (!(s->clock_ctl & CLK_INT_EN))
        soc_trace(TRACE_UNIMP, "%s: command issued with the internal clock off", s->ctx->name);
    unsigned auto_cmd = (value >> TM_AUTO_CMD_SHIFT) & 3;
    uint64_t delay = 0;
    if ((cmd & CMD_DATA) && (value & TM_MULTI) && auto_cmd == AUTO_CMD23) {
        uint32_t r[4];
        sd_card *c = card(s);
        if (!c || !sd_card_command(c, 23, s->arg2, r)) {
            s->host_ctl2 |= ACMD_TIMEOUT; /* the command itself is not sent */
            raise_int(s, INT_AUTO_CMD_ERR);
            return;
        }
        s->host_ctl2 &= 0xFFFF0000u;
        delay += clocks_ns(s, 48 + NCR_CLOCKS + 48);
    }
    s->cmd_inhibit = true;
    if ((cmd & CMD_DATA) || (cmd & CMD_RESP_MASK) == RESP_48_BUSY) s->dat_inhibit = true;
    unsigned resp_bits = (cmd & CMD_RESP_MASK) == RESP_NONE  ? 0
                         : (cmd & CMD_RESP_MASK) == RESP_136 ? 136
                                                             : 48;
    schedule(s, PH_COMMAND, delay + clocks_ns(s, 48 + (resp_bits ? NCR_CLOCKS + resp_bits : 8)));
}

static void sdhci_event(void *opaque, uint64_t now_ns) {
    (void)now_ns;
    bcm2835_sdhci *s = opaque;
    switch (s->phase) {
    case PH_COMMAND: finish_command(s); break;
    case PH_READ_LOAD: load_block(s); break;
    case PH_WRITE_PROG: program_block(s); break;
    case PH_FINISH:
        end_data(s);
        raise_int(s, INT_XFER_COMPLETE);
        break;
    default: break;
    }
    update_irq(s);
}

/* ---- resets, routing, power ---- */

static void soft_reset(bcm2835_sdhci *s, uint32_t what) {
    if (what & RESET_ALL) {
        vclock_cancel(s->ctx->clock, &s->ev);
        s->arg2 = s->block = s->arg = s->command = s->host_ctl = s->clock_ctl = 0;
        s->host_ctl2 = s->adma_err = s->adma_addr = 0;
        memset(s->resp, 0, sizeof s->resp);
        s->int_status = s->int_enable = s->signal_enable = 0;
        s->phase = PH_IDLE;
        s->cmd_inhibit = s->dat_inhibit = false;
        s->buf_pos = 0;
        return;
    }
    if (what & RESET_CMD) {
        if (s->phase == PH_COMMAND) vclock_cancel(s->ctx->clock, &s->ev), s->phase = PH_IDLE;
        s->cmd_inhibit = false;
        s->int_status &= ~INT_CMD_COMPLETE;
    }
    if (what & RESET_DATA) {
        if (s->phase != PH_COMMAND) end_data(s);
        s->dat_inhibit = false;
        s->int_status &= ~(INT_XFER_COMPLETE | INT_BUF_READ_READY | INT_BUF_WRITE_READY);
    }
}

static bool card_visible(const bcm2835_sdhci *s) {
    return card(s) != NULL;
}

/* Input 0: the pin mux moved the slot to or away from this controller. */
static void sdhci_route(void *dev, int n, bool level) {
    (void)n, (void)level;
    bcm2835_sdhci *s = dev;
    if (!s->ctx) return; /* before realize */
    bool seen = card_visible(s);
    if (seen != s->card_seen) raise_int(s, seen ? INT_CARD_INSERT : INT_CARD_REMOVE);
    s->card_seen = seen;
    update_irq(s);
}

static void write_host_control(bcm2835_sdhci *s, uint32_t v) {
    bool power_on = (v & HC_BUS_POWER) && !(s->host_ctl & HC_BUS_POWER);
    s->host_ctl = v;
    if (power_on && card(s)) sd_card_reset(card(s)); /* bus power-up: a fresh card */
}

/* ---- registers ---- */

static uint32_t present_state(const bcm2835_sdhci *s) {
    uint32_t v = PS_CARD_STABLE | PS_WRITE_ENABLED | PS_DAT_LEVELS | PS_CMD_LEVEL;
    if (s->cmd_inhibit) v |= PS_CMD_INHIBIT;
    if (s->dat_inhibit) v |= PS_DAT_INHIBIT | PS_DAT_ACTIVE;
    if (s->phase == PH_READ_LOAD || s->phase == PH_READ_DRAIN) v |= PS_READ_ACTIVE;
    if (s->phase == PH_WRITE_FILL || s->phase == PH_WRITE_PROG) v |= PS_WRITE_ACTIVE;
    if (s->phase == PH_READ_DRAIN) v |= PS_BUF_READ_EN;
    if (s->phase == PH_WRITE_FILL) v |= PS_BUF_WRITE_EN;
    if (card_visible(s)) v |= PS_CARD_INSERTED | PS_CARD_DETECT;
    return v;
}

static uint64_t sdhci_read(void *opaque, uint64_t offset, unsigned size) {
    (void)size;
    bcm2835_sdhci *s = opaque;
    uint32_t v;
    switch (offset) {
    case SDHCI_ARGUMENT2: return s->arg2;
    case SDHCI_BLOCK: return s->block;
    case SDHCI_ARGUMENT: return s->arg;
    case SDHCI_COMMAND: return s->command;
    case SDHCI_RESPONSE:
    case SDHCI_RESPONSE + 4:
    case SDHCI_RESPONSE + 8:
    case SDHCI_RESPONSE + 12: return s->resp[(offset - SDHCI_RESPONSE) / 4];
    case SDHCI_BUFFER:
        v = read_buffer(s);
        update_irq(s);
        return v;
    case SDHCI_PRESENT_STATE: return present_state(s);
    case SDHCI_HOST_CONTROL: return s->host_ctl;
    case SDHCI_CLOCK_CONTROL: /* resets complete at once; the internal clock is stable at once */
        return (s->clock_ctl & 0x00FFFFFFu) | (s->clock_ctl & CLK_INT_EN ? CLK_INT_STABLE : 0);
    case SDHCI_INT_STATUS: return s->int_status;
    case SDHCI_INT_ENABLE: return s->int_enable;
    case SDHCI_SIGNAL_ENABLE: return s->signal_enable;
    case SDHCI_HOST_CONTROL2: return s->host_ctl2;
    case SDHCI_CAPABILITIES: return s->caps0;
    case SDHCI_CAPABILITIES_1: return s->caps1;
    case SDHCI_MAX_CURRENT: return 0;
    case SDHCI_ADMA_ERROR: return s->adma_err;
    case SDHCI_ADMA_ADDRESS: return s->adma_addr;
    case SDHCI_SLOT_VERSION:
        return HOST_VERSION | ((s->int_status & s->signal_enable & INT_W1C) ? 1 : 0);
    default:
        if (offset >= SDHCI_PRESET_FIRST && offset <= SDHCI_PRESET_LAST) return 0;
        dev_warn_unimp(s->ctx, offset, false, 0);
        return 0;
    }
}

static void sdhci_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    (void)size;
    bcm2835_sdhci *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case SDHCI_ARGUMENT2: s->arg2 = v; break;
    case SDHCI_BLOCK: s->block = v & 0xFFFF7FFFu; break;
    case SDHCI_ARGUMENT: s->arg = v; break;
    case SDHCI_COMMAND: issue_command(s, v & 0x3FFB003Fu); break;
    case SDHCI_BUFFER: write_buffer(s, v); break;
    case SDHCI_HOST_CONTROL: write_host_control(s, v & 0x070F0FFFu); break;
    case SDHCI_CLOCK_CONTROL:
        s->clock_ctl = v & 0x000FFFE5u; /* stable (bit 1) is read-only */
        if (v >> RESET_SHIFT) soft_reset(s, v >> RESET_SHIFT);
        break;
    case SDHCI_INT_STATUS:
        s->int_status &= ~(v & INT_W1C);
        if (!(s->int_status & INT_ERRORS)) s->int_status &= ~INT_ERROR;
        break;
    case SDHCI_INT_ENABLE:
        s->int_enable = v & INT_W1C;
        s->int_status &= s->int_enable | INT_ERROR; /* disabled status bits read as 0 */
        if (!(s->int_status & INT_ERRORS)) s->int_status &= ~INT_ERROR;
        break;
    case SDHCI_SIGNAL_ENABLE: s->signal_enable = v & INT_W1C; break;
    case SDHCI_HOST_CONTROL2: s->host_ctl2 = (s->host_ctl2 & 0xFFFFu) | (v & 0xC0FF0000u); break;
    case SDHCI_ADMA_ERROR: s->adma_err = v & 7; break;
    case SDHCI_ADMA_ADDRESS: s->adma_addr = v; break;
    case SDHCI_RESPONSE:
    case SDHCI_RESPONSE + 4:
    case SDHCI_RESPONSE + 8:
    case SDHCI_RESPONSE + 12:
    case SDHCI_PRESENT_STATE:
    case SDHCI_CAPABILITIES:
    case SDHCI_CAPABILITIES_1:
    case SDHCI_MAX_CURRENT:
    case SDHCI_SLOT_VERSION: break; /* read-only */
    default: dev_warn_unimp(s->ctx, offset, true, value); break;
    }
    update_irq(s);
}

static int sdhci_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    (void)err, (void)errlen;
    bcm2835_sdhci *s = dev;
    s->ctx = ctx;
    /* Input 0 is pulled up: a controller whose slot no pin mux drives always sees its card. */
    ctx->irq_in[IN_ROUTED].level = true;
    vclock_event_init(&s->ev, ctx->name, sdhci_event, s);
    uint64_t mhz = dev_prop_u64(ctx, "base-clock-mhz");
    s->base_hz = mhz * 1000000;
    /* Capabilities: timeout clock in MHz (bit 7) = base, base clock [15:8], max block 1024,
     * high speed, 3.3 V; no SDMA/ADMA (sdhci-iproc's bcm2835 data overrides them; U-Boot
     * reads them). */
    s->caps0 = (uint32_t)(mhz & 0x3F) | (1u << 7) | (uint32_t)(mhz & 0xFF) << 8 | (1u << 16) |
               (1u << 21) | (1u << 24);
    s->caps1 = 0;
    return 0;
}

static void sdhci_reset(void *dev) {
    bcm2835_sdhci *s = dev;
    soft_reset(s, RESET_ALL);
    s->card_seen = card_visible(s);
    update_irq(s);
}

static void sdhci_unrealize(void *dev) {
    bcm2835_sdhci *s = dev;
    vclock_cancel(s->ctx->clock, &s->ev);
}

static const dev_region sdhci_regions[] = {
    /* The BCM2835's Arasan block only takes 32-bit accesses. */
    {.name = "regs",
     .size = SDHCI_SIZE,
     .ops = {.read = sdhci_read,
             .write = sdhci_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop sdhci_props[] = {
    {.name = "base-clock-mhz",
     .kind = PROP_U64,
     .default_value = "250",
     .min = 1,
     .max = 255,
     .help = "base clock (CM_EMMC) in MHz: the SD clock is base / 2N; also in the capabilities"},
};

static const char *const sdhci_irq_outputs[] = {"irq"};

const dev_type bcm2835_sdhci_type = {
    .name = "bcm2835-sdhci",
    .description = "BCM2835 Arasan SDHCI (emmc): SD 3.00 PIO host; the SD card when the pins say",
    .state_size = sizeof(bcm2835_sdhci),
    .regions = sdhci_regions,
    .n_regions = 1,
    .props = sdhci_props,
    .n_props = 1,
    .irq_outputs = sdhci_irq_outputs,
    .n_irq_outputs = 1,
    .n_irq_inputs = 1,
    .irq_input = sdhci_route,
    .sd_host = true,
    .realize = sdhci_realize,
    .reset = sdhci_reset,
    .unrealize = sdhci_unrealize,
};
