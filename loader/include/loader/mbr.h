/* The MBR (DOS) partition table the Pi boot ROM reads: four primary entries in sector 0. */
#ifndef LOADER_MBR_H
#define LOADER_MBR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/disk.h"

#define MBR_SECTOR_SIZE 512

typedef struct mbr_partition {
    unsigned number; /* 1..4, as Linux names them (mmcblk0p1) */
    uint8_t type;    /* 0x0c FAT32 LBA, 0x0b FAT32, 0x0e/0x06/0x04 FAT16, 0x01 FAT12, 0x83 Linux */
    bool bootable;
    uint64_t start_lba, sectors;
} mbr_partition;

typedef struct mbr_table {
    mbr_partition parts[4]; /* only used (type != 0) entries, in table order */
    unsigned count;
} mbr_table;

/* Reads and validates the table: the 0x55AA signature, no GPT, each partition wholly inside the
 * image (else "truncated image?") and clear of sector 0, no two overlapping. Errors name the image
 * ("card.img: no MBR partition table ..."). */
int mbr_read(const disk_reader *d, mbr_table *t, char *err, size_t errlen);

bool mbr_type_is_fat(uint8_t type);
/* A short human name for a partition type ("FAT32 (LBA)", "Linux"). */
const char *mbr_type_name(uint8_t type);

#endif
