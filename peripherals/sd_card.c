/* SD memory card: the physical-layer command state machine (SD Physical Layer Simplified
 * Specification, as Linux's drivers/mmc/core/sd*.c and U-Boot's drivers/mmc/mmc.c drive it) over
 * an sd_image. Always a high-capacity card (SDHC, or SDXC from 32 GiB): block addressing, CSD
 * version 2.0, CCS set in the OCR, for any image size (also under 2 GiB, where real cards would be
 * SDSC: Linux and U-Boot read the capacity from C_SIZE either way, and block addressing keeps one
 * code path). The capacity is the image size rounded up to the 512 KiB C_SIZE unit. See
 * peripherals/sd_card.h for the host-side interface.
 *
 * Commands a card does not accept in its current state, or does not know, get no response (the
 * host sees a command timeout) and set ILLEGAL_COMMAND in the status the next response reports,
 * as real cards do. SDIO commands (CMD5, CMD52) are unknown to a memory card: Linux probes them
 * first and moves on at the timeout. Erase (CMD32/33/38) is not offered: the CSD command classes
 * leave out class 5, so Linux does not use discard on this card. */
#include "peripherals/sd_card.h"

#include <stdlib.h>
#include <string.h>

#include "soc/log.h"

#define SD_BLOCK          512u
#define SD_CSIZE_UNIT     (512u * 1024u) /* CSD v2: capacity = (C_SIZE + 1) * 512 KiB */
#define SD_CSIZE_MAX      0x3FFFFFu      /* 22 bits: 2 TiB */
#define SD_CSIZE_SDXC_MIN 0xFFFFu        /* 32 GiB and up is SDXC (Linux: "ext capacity") */
#define SD_RCA            0x59B4u        /* the RCA CMD3 publishes (fixed: deterministic runs) */
#define ACMD41_BUSY_POLLS 1              /* polls answered "busy" before power-up completes */

/* Response kinds, in bits on the wire (the payload is what the host controller shows). */
enum { RESP_NONE = 0, RESP_48 = 48, RESP_136 = 136 };

/* Status bits that are reported once, then cleared ("clear condition C" / "B"). */
#define SD_ST_REPORT_ONCE                                                                          \
    (SD_ST_OUT_OF_RANGE | SD_ST_ADDRESS_ERROR | SD_ST_BLOCK_LEN_ERROR | SD_ST_ILLEGAL_COMMAND |    \
     SD_ST_CC_ERROR | SD_ST_ERROR)

struct sd_card {
    sd_image *img;
    uint64_t capacity; /* bytes */
    uint32_t c_size;
    uint8_t cid[16], csd[16]; /* big-endian: byte 0 = bits 127..120 */
    sd_state state;
    uint16_t rca;
    uint32_t pending; /* SD_ST_REPORT_ONCE bits waiting to be reported */
    bool app_cmd;     /* the previous command was CMD55 */
    bool hcs;         /* ACMD41 argument had HCS */
    unsigned acmd41_polls;
    bool warned_no_hcs;
    unsigned bus_width;
    bool high_speed;
    uint32_t set_count; /* CMD23 block count for the next CMD18/CMD25 (0 = open-ended) */
    /* Data phase. */
    sd_data_dir dir;
    bool fixed;           /* a register (CMD6/ACMD13/ACMD51): only what is in buf */
    uint64_t next_block;  /* next block to load (read) or to commit (write) */
    uint32_t blocks_left; /* blocks after the current one; UINT32_MAX = until CMD12 */
    uint8_t buf[SD_BLOCK];
    size_t buf_len, buf_pos;
};

/* ---- Registers ---- */

static uint8_t crc7(const uint8_t *data, size_t len) {
    uint8_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            unsigned in = (data[i] >> bit) & 1;
            unsigned top = (crc >> 6) & 1;
            crc = (uint8_t)((crc << 1) & 0x7F);
            if (in ^ top) crc ^= 0x09; /* x^7 + x^3 + 1 */
        }
    }
    return crc;
}

/* Sets bits [hi:lo] of a big-endian register of nbytes bytes. */
static void put_bits(uint8_t *reg, unsigned nbytes, unsigned hi, unsigned lo, uint64_t value) {
    for (unsigned b = lo; b <= hi; b++) {
        unsigned byte = nbytes - 1 - b / 8, bit = b % 8;
        if ((value >> (b - lo)) & 1)
            reg[byte] |= (uint8_t)(1u << bit);
        else
            reg[byte] &= (uint8_t) ~(1u << bit);
    }
}

static void seal_crc(uint8_t reg[16]) {
    reg[15] = (uint8_t)(crc7(reg, 15) << 1 | 1);
}

/* CID: fixed, deterministic fields (Linux prints them: "mmcblk0: mmc0:59b4 SOCEM 8.00 GiB"). */
static void build_cid(sd_card *c) {
    uint8_t *r = c->cid;
    memset(r, 0, 16);
    put_bits(r, 16, 127, 120, 0x5E);         /* MID */
    r[1] = 'S', r[2] = 'E';                  /* OID */
    memcpy(&r[3], "SOCEM", 5);               /* PNM */
    put_bits(r, 16, 63, 56, 0x10);           /* PRV 1.0 */
    put_bits(r, 16, 55, 24, 0x00C0FFEE);     /* PSN */
    put_bits(r, 16, 19, 8, (23u << 4) | 1u); /* MDT: 2023-01 */
    seal_crc(r);
}

/* CSD version 2.0 (SDHC/SDXC). */
static void build_csd(sd_card *c) {
    uint8_t *r = c->csd;
    memset(r, 0, 16);
    static const struct {
        unsigned hi, lo;
        uint32_t value;
    } fields[] = {
        {127, 126, 1},    /* CSD_STRUCTURE: version 2.0 */
        {119, 112, 0x0E}, /* TAAC: 1 ms (fixed in v2) */
        {111, 104, 0x00}, /* NSAC */
        {103, 96, 0x32},  /* TRAN_SPEED: 25 MHz (0x5A once switched to high speed) */
        {95, 84, 0x595},  /* CCC: classes 0, 2, 4, 7, 8, 10 (no 5: erase not offered) */
        {83, 80, 9},      /* READ_BL_LEN: 512 */
        {46, 46, 1},      /* ERASE_BLK_EN */
        {45, 39, 0x7F},   /* SECTOR_SIZE */
        {28, 26, 2},      /* R2W_FACTOR */
        {25, 22, 9},      /* WRITE_BL_LEN: 512 */
    };
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++)
        put_bits(r, 16, fields[i].hi, fields[i].lo, fields[i].value);
    put_bits(r, 16, 69, 48, c->c_size);
    if (c->high_speed) put_bits(r, 16, 103, 96, 0x5A);
    seal_crc(r);
}

/* SCR (ACMD51, 8 bytes): SD 3.0, 1- and 4-bit bus, CMD23 supported (Linux then sends CMD23
 * before multi-block reads); no CMD48/49 (so no extension-register reads). SD_SECURITY is the
 * one field where SDXC differs (CPRM 3.xx); the OCR has no SDXC bit (capacity is the CSD's). */
static void build_scr(const sd_card *c, uint8_t r[8]) {
    memset(r, 0, 8);
    put_bits(r, 8, 63, 60, 0);                          /* SCR_STRUCTURE */
    put_bits(r, 8, 59, 56, 2);                          /* SD_SPEC: 2.00/3.0x */
    put_bits(r, 8, 54, 52, sd_card_is_sdxc(c) ? 4 : 3); /* SD_SECURITY: SDXC / SDHC */
    put_bits(r, 8, 51, 48, 5);                          /* SD_BUS_WIDTHS: 1 and 4 bit */
    put_bits(r, 8, 47, 47, 1);                          /* SD_SPEC3 */
    put_bits(r, 8, 33, 33, 1);                          /* CMD_SUPPORT: CMD23 */
}

/* SD Status (ACMD13, 64 bytes). Linux reads AU_SIZE and the erase fields (mmc_read_ssr). */
static void build_ssr(const sd_card *c, uint8_t r[64]) {
    memset(r, 0, 64);
    put_bits(r, 64, 511, 510, c->bus_width == 4 ? 2 : 0); /* DAT_BUS_WIDTH */
    put_bits(r, 64, 447, 440, 4);                         /* SPEED_CLASS: class 10 */
    put_bits(r, 64, 431, 428, 9);                         /* AU_SIZE: 4 MiB */
}

/* CMD6 switch status (64 bytes). Function group 1 (access mode): 0 default, 1 high speed. Other
 * groups only support function 0. mode 1 = switch, 0 = check. */
static void build_switch_status(sd_card *c, uint32_t arg, uint8_t r[64]) {
    memset(r, 0, 64);
    put_bits(r, 64, 511, 496, 200); /* maximum current: 200 mA */
    for (unsigned g = 0; g < 6; g++)
        put_bits(r, 64, 415 + 16 * g, 400 + 16 * g, g == 0 ? 0x8003 : 0x8001); /* supported */
    bool do_switch = arg >> 31;
    for (unsigned g = 0; g < 6; g++) {
        unsigned want = (arg >> (4 * g)) & 0xF;
        unsigned current = g == 0 && c->high_speed ? 1 : 0;
        unsigned result;
        if (want == 0xF)
            result = current; /* no change: report the current function */
        else if (want == 0 || (g == 0 && want == 1))
            result = want;
        else
            result = 0xF; /* not supported */
        if (do_switch && g == 0 && result != 0xF) c->high_speed = result == 1;
        put_bits(r, 64, 379 + 4 * g, 376 + 4 * g, result);
    }
    put_bits(r, 64, 375, 368, 1); /* data structure version 1 (busy status valid, all 0) */
    if (do_switch) build_csd(c);  /* TRAN_SPEED follows the access mode */
}

/* ---- Responses ---- */

static uint32_t card_status(sd_card *c, sd_state state_at_receive) {
    uint32_t st = c->pending | ((uint32_t)state_at_receive << 9) | SD_ST_READY_FOR_DATA;
    if (c->app_cmd) st |= SD_ST_APP_CMD;
    c->pending &= ~SD_ST_REPORT_ONCE;
    return st;
}

static int resp_r1(sd_card *c, sd_state at, uint32_t resp[4]) {
    resp[0] = card_status(c, at);
    return RESP_48;
}

static int resp_r2(const uint8_t reg[16], uint32_t resp[4]) {
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *p = &reg[12 - 4 * i]; /* resp[0] = bits 31..0 = bytes 12..15 */
        resp[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    return RESP_136;
}

/* ---- Data phases ---- */

static void end_data(sd_card *c) {
    c->dir = SD_DATA_NONE;
    c->buf_len = c->buf_pos = 0;
    c->fixed = false;
    if (c->state == SD_STATE_DATA || c->state == SD_STATE_RCV || c->state == SD_STATE_PRG)
        c->state = SD_STATE_TRAN;
}

static void start_fixed_read(sd_card *c, const uint8_t *data, size_t len) {
    memcpy(c->buf, data, len);
    c->buf_len = len;
    c->buf_pos = 0;
    c->fixed = true;
    c->dir = SD_DATA_READ;
    c->state = SD_STATE_DATA;
}

static uint64_t capacity_blocks(const sd_card *c) {
    return c->capacity / SD_BLOCK;
}

/* Loads the next block of a read into buf; false ends the phase (out of range or I/O error). */
static bool load_block(sd_card *c) {
    if (c->next_block >= capacity_blocks(c)) {
        c->pending |= SD_ST_OUT_OF_RANGE;
        return false;
    }
    char err[300];
    if (sd_image_read(c->img, c->next_block * SD_BLOCK, c->buf, SD_BLOCK, err, sizeof err) < 0) {
        soc_warn("sd card: %s", err);
        c->pending |= SD_ST_ERROR;
        return false;
    }
    c->next_block++;
    c->buf_len = SD_BLOCK;
    c->buf_pos = 0;
    return true;
}

size_t sd_card_read_data(sd_card *c, uint8_t *buf, size_t len) {
    size_t done = 0;
    while (done < len && c->dir == SD_DATA_READ) {
        if (c->buf_pos == c->buf_len) {
            /* Loaded lazily, so an open-ended read never runs past what the host takes. */
            if (c->fixed || c->blocks_left == 0 || !load_block(c)) {
                end_data(c);
                break;
            }
            if (c->blocks_left != UINT32_MAX) c->blocks_left--;
        }
        size_t n = c->buf_len - c->buf_pos;
        if (n > len - done) n = len - done;
        memcpy(buf + done, c->buf + c->buf_pos, n);
        c->buf_pos += n;
        done += n;
        /* The last byte of a single block, a counted read or a register ends the phase now, so
         * the card is back in tran for the next command. */
        if (c->buf_pos == c->buf_len && (c->fixed || c->blocks_left == 0)) end_data(c);
    }
    return done;
}

static void commit_block(sd_card *c) {
    if (c->next_block >= capacity_blocks(c)) {
        c->pending |= SD_ST_OUT_OF_RANGE;
    } else {
        char err[300];
        if (sd_image_write(c->img, c->next_block * SD_BLOCK, c->buf, SD_BLOCK, err, sizeof err) <
            0) {
            soc_warn("sd card: %s", err);
            c->pending |= SD_ST_ERROR;
        }
    }
    c->next_block++;
    c->buf_pos = 0;
}

size_t sd_card_write_data(sd_card *c, const uint8_t *buf, size_t len) {
    size_t done = 0;
    while (done < len && c->dir == SD_DATA_WRITE) {
        size_t n = SD_BLOCK - c->buf_pos;
        if (n > len - done) n = len - done;
        memcpy(c->buf + c->buf_pos, buf + done, n);
        c->buf_pos += n;
        done += n;
        if (c->buf_pos == SD_BLOCK) {
            commit_block(c); /* programming is instantaneous: rcv -> prg -> rcv/tran */
            if (c->blocks_left == 0)
                end_data(c);
            else if (c->blocks_left != UINT32_MAX)
                c->blocks_left--;
        }
    }
    return done;
}

/* ---- Commands ---- */

#define ST(s) (1u << (s))
#define ST_ADDRESSED                                                                               \
    (ST(SD_STATE_STBY) | ST(SD_STATE_TRAN) | ST(SD_STATE_DATA) | ST(SD_STATE_RCV) |                \
     ST(SD_STATE_PRG) | ST(SD_STATE_DIS))

typedef int (*cmd_fn)(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]);

static int cmd_go_idle(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg, (void)at, (void)resp;
    sd_card_reset(c);
    return RESP_NONE;
}

static int cmd_all_send_cid(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg, (void)at;
    c->state = SD_STATE_IDENT;
    return resp_r2(c->cid, resp);
}

/* R6: [31:16] new RCA, [15:0] status bits 23, 22, 19, 12:0. */
static int cmd_send_rca(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg;
    c->rca = SD_RCA;
    c->state = SD_STATE_STBY;
    uint32_t st = card_status(c, at);
    resp[0] = (uint32_t)c->rca << 16 | ((st >> 8) & 0xC000) | ((st >> 6) & 0x2000) | (st & 0x1FFF);
    return RESP_48;
}

static int cmd_switch_func(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    uint8_t status[64];
    build_switch_status(c, arg, status);
    int n = resp_r1(c, at, resp);
    start_fixed_read(c, status, sizeof status);
    return n;
}

/* CMD7: select by our RCA (stby -> tran), anything else deselects (no response). */
static int cmd_select(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    if ((arg >> 16) != c->rca) {
        if (c->state != SD_STATE_STBY) end_data(c), c->state = SD_STATE_STBY;
        return RESP_NONE;
    }
    if (at != SD_STATE_STBY && at != SD_STATE_DIS) {
        c->pending |= SD_ST_ILLEGAL_COMMAND;
        return RESP_NONE;
    }
    c->state = SD_STATE_TRAN;
    return resp_r1(c, at, resp);
}

/* R7: echo the check pattern if the host supplies 2.7-3.6 V. */
static int cmd_send_if_cond(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)c, (void)at;
    if (((arg >> 8) & 0xF) != 1) return RESP_NONE;
    resp[0] = arg & 0xFFF;
    return RESP_48;
}

static int cmd_send_csd(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)at;
    if ((arg >> 16) != c->rca) return RESP_NONE;
    return resp_r2(c->csd, resp);
}

static int cmd_send_cid(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)at;
    if ((arg >> 16) != c->rca) return RESP_NONE;
    return resp_r2(c->cid, resp);
}

/* CMD12 (R1b): ends a read or write. Accepted in tran too (nothing to stop). */
static int cmd_stop(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg;
    end_data(c);
    return resp_r1(c, at, resp);
}

static int cmd_send_status(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    if ((arg >> 16) != c->rca) return RESP_NONE;
    return resp_r1(c, at, resp);
}

static int cmd_go_inactive(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)at, (void)resp;
    if ((arg >> 16) == c->rca) c->state = SD_STATE_INA;
    return RESP_NONE;
}

/* CMD16: high-capacity cards always move 512-byte blocks; the length matters only for lock. */
static int cmd_set_blocklen(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    if (arg == 0 || arg > SD_BLOCK) c->pending |= SD_ST_BLOCK_LEN_ERROR;
    return resp_r1(c, at, resp);
}

static int start_block_io(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4], bool write,
                          bool multi) {
    uint32_t count = c->set_count;
    c->set_count = 0;
    if (arg >= capacity_blocks(c)) {
        c->pending |= SD_ST_OUT_OF_RANGE; /* reported now; no data phase */
        return resp_r1(c, at, resp);
    }
    int n = resp_r1(c, at, resp);
    c->next_block = arg;
    c->fixed = false;
    c->buf_len = c->buf_pos = 0;
    /* blocks_left counts blocks after the current one for writes, blocks still to load for reads
     * (reads load lazily). */
    uint32_t total = !multi ? 1 : count ? count : UINT32_MAX;
    if (write) {
        c->dir = SD_DATA_WRITE;
        c->state = SD_STATE_RCV;
        c->blocks_left = total == UINT32_MAX ? UINT32_MAX : total - 1;
    } else {
        c->dir = SD_DATA_READ;
        c->state = SD_STATE_DATA;
        c->blocks_left = total;
    }
    return n;
}

static int cmd_read_single(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    return start_block_io(c, arg, at, resp, false, false);
}
static int cmd_read_multiple(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    return start_block_io(c, arg, at, resp, false, true);
}
static int cmd_write_single(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    return start_block_io(c, arg, at, resp, true, false);
}
static int cmd_write_multiple(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    return start_block_io(c, arg, at, resp, true, true);
}

static int cmd_set_block_count(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    c->set_count = arg;
    return resp_r1(c, at, resp);
}

static int cmd_app_cmd(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    if (at != SD_STATE_IDLE && (arg >> 16) != c->rca) return RESP_NONE;
    c->app_cmd = true; /* reported in this response's APP_CMD bit */
    return resp_r1(c, at, resp);
}

static int acmd_set_bus_width(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    switch (arg & 3) {
    case 0: c->bus_width = 1; break;
    case 2: c->bus_width = 4; break;
    default: c->pending |= SD_ST_ERROR; break;
    }
    return resp_r1(c, at, resp);
}

static int acmd_sd_status(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg;
    uint8_t ssr[64];
    build_ssr(c, ssr);
    int n = resp_r1(c, at, resp);
    start_fixed_read(c, ssr, sizeof ssr);
    return n;
}

static int acmd_set_wr_blk_erase_count(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg; /* a pre-erase hint: nothing to do */
    return resp_r1(c, at, resp);
}

/* ACMD41 (R3, no CRC). A zero voltage window is an inquiry (Linux sends one first). Power-up
 * completes after ACMD41_BUSY_POLLS busy answers; a host without HCS never gets a high-capacity
 * card out of busy, as the spec says. */
static int acmd_send_op_cond(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)at;
    uint32_t ocr = SD_OCR_VDD_27_36;
    if ((arg & SD_OCR_VDD_27_36) == 0) {
        resp[0] = ocr;
        return RESP_48;
    }
    if (!(arg & SD_OCR_HCS)) {
        if (!c->warned_no_hcs)
            soc_warn("sd card: ACMD41 without HCS: a high-capacity card stays busy forever");
        c->warned_no_hcs = true;
    } else if (c->acmd41_polls++ >= ACMD41_BUSY_POLLS) {
        ocr |= SD_OCR_BUSY | SD_OCR_CCS;
        c->state = SD_STATE_READY;
    }
    resp[0] = ocr;
    return RESP_48;
}

static int acmd_send_scr(sd_card *c, uint32_t arg, sd_state at, uint32_t resp[4]) {
    (void)arg;
    uint8_t scr[8];
    build_scr(c, scr);
    int n = resp_r1(c, at, resp);
    start_fixed_read(c, scr, sizeof scr);
    return n;
}

typedef struct sd_command {
    uint8_t opcode;
    const char *name;
    uint32_t states; /* ST() mask where the command is legal */
    cmd_fn fn;
} sd_command;

static const sd_command sd_commands[] = {
    {0, "GO_IDLE_STATE", ~ST(SD_STATE_INA), cmd_go_idle},
    {2, "ALL_SEND_CID", ST(SD_STATE_READY), cmd_all_send_cid},
    {3, "SEND_RELATIVE_ADDR", ST(SD_STATE_IDENT) | ST(SD_STATE_STBY), cmd_send_rca},
    {6, "SWITCH_FUNC", ST(SD_STATE_TRAN), cmd_switch_func},
    {7, "SELECT_CARD", ST_ADDRESSED, cmd_select},
    {8, "SEND_IF_COND", ST(SD_STATE_IDLE), cmd_send_if_cond},
    {9, "SEND_CSD", ST(SD_STATE_STBY), cmd_send_csd},
    {10, "SEND_CID", ST(SD_STATE_STBY), cmd_send_cid},
    {12, "STOP_TRANSMISSION", ST(SD_STATE_DATA) | ST(SD_STATE_RCV) | ST(SD_STATE_TRAN), cmd_stop},
    {13, "SEND_STATUS", ST_ADDRESSED, cmd_send_status},
    {15, "GO_INACTIVE_STATE", ST_ADDRESSED, cmd_go_inactive},
    {16, "SET_BLOCKLEN", ST(SD_STATE_TRAN), cmd_set_blocklen},
    {17, "READ_SINGLE_BLOCK", ST(SD_STATE_TRAN), cmd_read_single},
    {18, "READ_MULTIPLE_BLOCK", ST(SD_STATE_TRAN), cmd_read_multiple},
    {23, "SET_BLOCK_COUNT", ST(SD_STATE_TRAN), cmd_set_block_count},
    {24, "WRITE_BLOCK", ST(SD_STATE_TRAN), cmd_write_single},
    {25, "WRITE_MULTIPLE_BLOCK", ST(SD_STATE_TRAN), cmd_write_multiple},
    {55, "APP_CMD", ~ST(SD_STATE_INA), cmd_app_cmd},
};

static const sd_command sd_app_commands[] = {
    {6, "SET_BUS_WIDTH", ST(SD_STATE_TRAN), acmd_set_bus_width},
    {13, "SD_STATUS", ST(SD_STATE_TRAN), acmd_sd_status},
    {23, "SET_WR_BLK_ERASE_COUNT", ST(SD_STATE_TRAN), acmd_set_wr_blk_erase_count},
    {41, "SD_SEND_OP_COND", ST(SD_STATE_IDLE), acmd_send_op_cond},
    {51, "SEND_SCR", ST(SD_STATE_TRAN), acmd_send_scr},
};

static const sd_command *lookup(const sd_command *table, size_t n, unsigned opcode) {
    for (size_t i = 0; i < n; i++)
        if (table[i].opcode == opcode) return &table[i];
    return NULL;
}

int sd_card_command(sd_card *c, unsigned opcode, uint32_t arg, uint32_t resp[4]) {
    memset(resp, 0, 4 * sizeof resp[0]);
    if (c->state == SD_STATE_INA) return RESP_NONE; /* until power cycle */
    const sd_command *cmd = NULL;
    bool app = c->app_cmd;
    /* After CMD55, an opcode that is not an ACMD is taken as the ordinary command. */
    if (app)
        cmd = lookup(sd_app_commands, sizeof sd_app_commands / sizeof sd_app_commands[0], opcode);
    if (!cmd) cmd = lookup(sd_commands, sizeof sd_commands / sizeof sd_commands[0], opcode);
    sd_state at = c->state;
    if (!cmd || !(cmd->states & ST(at))) {
        /* Unknown (SDIO CMD5/CMD52, MMC-only, erase...) or illegal in this state: no response,
         * reported in the next status. */
        soc_trace(TRACE_UNIMP, "sd card: %sCMD%u arg 0x%08x %s in state %d: no response",
                  app ? "A" : "", opcode, arg, cmd ? "illegal" : "unsupported", (int)at);
        c->pending |= SD_ST_ILLEGAL_COMMAND;
        c->app_cmd = false;
        return RESP_NONE;
    }
    int n = cmd->fn(c, arg, at, resp);
    if (cmd->fn != cmd_app_cmd) c->app_cmd = false;
    return n;
}

/* ---- Life cycle and queries ---- */

sd_card *sd_card_new(sd_image *img) {
    uint64_t size = sd_image_size(img);
    uint64_t units = (size + SD_CSIZE_UNIT - 1) / SD_CSIZE_UNIT;
    if (units == 0 || units - 1 > SD_CSIZE_MAX) return NULL;
    sd_card *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->img = img;
    c->capacity = units * SD_CSIZE_UNIT;
    c->c_size = (uint32_t)(units - 1);
    build_cid(c);
    sd_card_reset(c);
    return c;
}

void sd_card_free(sd_card *c) {
    free(c);
}

void sd_card_reset(sd_card *c) {
    c->state = SD_STATE_IDLE;
    c->rca = 0;
    c->pending = 0;
    c->app_cmd = false;
    c->hcs = false;
    c->acmd41_polls = 0;
    c->bus_width = 1;
    c->high_speed = false;
    c->set_count = 0;
    c->dir = SD_DATA_NONE;
    c->fixed = false;
    c->buf_len = c->buf_pos = 0;
    build_csd(c);
}

sd_data_dir sd_card_data_state(const sd_card *c) {
    return c->dir;
}
sd_state sd_card_state(const sd_card *c) {
    return c->state;
}
uint32_t sd_card_rca(const sd_card *c) {
    return c->rca;
}
bool sd_card_is_sdxc(const sd_card *c) {
    return c->c_size >= SD_CSIZE_SDXC_MIN;
}
uint64_t sd_card_capacity(const sd_card *c) {
    return c->capacity;
}
sd_image *sd_card_image(const sd_card *c) {
    return c->img;
}

unsigned sd_card_bus_width(const sd_card *c) {
    return c->bus_width;
}
bool sd_card_high_speed(const sd_card *c) {
    return c->high_speed;
}
