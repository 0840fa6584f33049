/* An SD memory card (SDHC/SDXC, block addressed) on top of an sd_image: the SD physical layer
 * command state machine as Linux's mmc core and U-Boot drive it, and a byte-stream data
 * interface for a host controller model. The card knows nothing about host registers.
 *
 * Use from a host controller:
 *   n = sd_card_command(card, opcode, arg, resp)   -> 0 (no response: the host reports a command
 *       timeout), 48 (resp[0] = the 32-bit payload: R1 status, R3 OCR, R6, R7) or 136 (R2:
 *       resp[3..0] = bits 127..0 of CID/CSD including CRC7 and end bit, resp[0] = bits 31..0);
 *   then, if sd_card_data_state() says so, move the data with sd_card_read_data() /
 *   sd_card_write_data() in any piece sizes (bytes stream in card order). */
#ifndef PERIPHERALS_SD_CARD_H
#define PERIPHERALS_SD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peripherals/sd_image.h"

typedef struct sd_card sd_card;

/* SD card states (CURRENT_STATE in R1). */
typedef enum {
    SD_STATE_IDLE = 0,
    SD_STATE_READY = 1,
    SD_STATE_IDENT = 2,
    SD_STATE_STBY = 3,
    SD_STATE_TRAN = 4,
    SD_STATE_DATA = 5,
    SD_STATE_RCV = 6,
    SD_STATE_PRG = 7,
    SD_STATE_DIS = 8,
    SD_STATE_INA = 15, /* not a status value: CMD15 sent the card to the inactive state */
} sd_state;

/* Card status (R1) bits. */
enum {
    SD_ST_OUT_OF_RANGE = 1u << 31,
    SD_ST_ADDRESS_ERROR = 1u << 30,
    SD_ST_BLOCK_LEN_ERROR = 1u << 29,
    SD_ST_ILLEGAL_COMMAND = 1u << 22,
    SD_ST_CC_ERROR = 1u << 20,
    SD_ST_ERROR = 1u << 19,
    SD_ST_READY_FOR_DATA = 1u << 8,
    SD_ST_APP_CMD = 1u << 5,
};

/* OCR (R3) bits. */
enum {
    SD_OCR_BUSY = 1u << 31, /* set = power-up done */
    SD_OCR_CCS = 1u << 30,  /* card capacity status: block addressed */
    SD_OCR_HCS = 1u << 30,  /* in ACMD41's argument: the host supports high capacity */
    SD_OCR_VDD_27_36 = 0x00FF8000,
};

/* img is borrowed (the caller closes it after sd_card_free). */
sd_card *sd_card_new(sd_image *img);
void sd_card_free(sd_card *c);
/* Power cycle: back to idle, RCA 0, bus width 1. */
void sd_card_reset(sd_card *c);

int sd_card_command(sd_card *c, unsigned opcode, uint32_t arg, uint32_t resp[4]);

typedef enum { SD_DATA_NONE, SD_DATA_READ, SD_DATA_WRITE } sd_data_dir;
sd_data_dir sd_card_data_state(const sd_card *c);
/* Produce / consume up to len bytes of the current data phase; returns the count moved (less
 * only when the phase ends: a single block, a CMD23 count, a fixed register). */
size_t sd_card_read_data(sd_card *c, uint8_t *buf, size_t len);
size_t sd_card_write_data(sd_card *c, const uint8_t *buf, size_t len);

/* The image behind the card (the board's firmware flow reads the card through it, overlay
 * included). */
sd_image *sd_card_image(const sd_card *c);
sd_state sd_card_state(const sd_card *c);
uint32_t sd_card_rca(const sd_card *c);
uint64_t sd_card_capacity(const sd_card *c);  /* bytes, a multiple of 512 KiB */
bool sd_card_is_sdxc(const sd_card *c);       /* capacity >= 32 GiB (C_SIZE >= 0xFFFF) */
unsigned sd_card_bus_width(const sd_card *c); /* 1 or 4 (ACMD6) */
bool sd_card_high_speed(const sd_card *c);    /* CMD6 switched function group 1 to high speed */

#endif
