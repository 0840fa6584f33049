/* MBR partition table parsing. Entry layout (16 bytes at 0x1be + 16 n): 0 boot flag (0x80),
 * 4 type, 8 start LBA (le32), 12 sector count (le32); signature 55 aa at 510. */
#include "loader/mbr.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool mbr_type_is_fat(uint8_t type) {
    switch (type) {
    case 0x01:
    case 0x04:
    case 0x06:
    case 0x0b:
    case 0x0c:
    case 0x0e: return true;
    default: return false;
    }
}

const char *mbr_type_name(uint8_t type) {
    switch (type) {
    case 0x01: return "FAT12";
    case 0x04: return "FAT16 (<32M)";
    case 0x06: return "FAT16";
    case 0x0b: return "FAT32";
    case 0x0c: return "FAT32 (LBA)";
    case 0x0e: return "FAT16 (LBA)";
    case 0x05:
    case 0x0f: return "extended";
    case 0x07: return "NTFS/exFAT";
    case 0x82: return "Linux swap";
    case 0x83: return "Linux";
    case 0xee: return "GPT protective";
    default: return "unknown";
    }
}

/* Every partition whole inside the image (a short one is a truncated download or copy) and no two
 * sharing a sector (a corrupt table). */
static int check_layout(const disk_reader *d, const mbr_table *t, uint64_t image_sectors, char *err,
                        size_t errlen) {
    for (unsigned i = 0; i < t->count; i++) {
        const mbr_partition *p = &t->parts[i];
        uint64_t end = p->start_lba + p->sectors; /* both < 2^32: no overflow */
        if (end > image_sectors) {
            snprintf(err, errlen,
                     "%s: partition %u ends at sector %" PRIu64
                     ", past the end of the image (%" PRIu64 " sectors, %" PRIu64
                     " missing): truncated image?",
                     d->name, p->number, end, image_sectors, end - image_sectors);
            return -1;
        }
        for (unsigned j = 0; j < i; j++) {
            const mbr_partition *q = &t->parts[j];
            if (p->start_lba < q->start_lba + q->sectors && q->start_lba < end) {
                snprintf(err, errlen,
                         "%s: corrupt MBR (partitions %u and %u overlap: sectors %" PRIu64
                         "-%" PRIu64 " and %" PRIu64 "-%" PRIu64 ")",
                         d->name, q->number, p->number, q->start_lba, q->start_lba + q->sectors - 1,
                         p->start_lba, end - 1);
                return -1;
            }
        }
    }
    return 0;
}

int mbr_read(const disk_reader *d, mbr_table *t, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    uint8_t sector[MBR_SECTOR_SIZE];
    if (d->size < MBR_SECTOR_SIZE) {
        snprintf(err, errlen, "%s: image is smaller than one sector (%" PRIu64 " bytes)", d->name,
                 d->size);
        return -1;
    }
    if (disk_read(d, 0, sector, sizeof sector, err, errlen)) return -1;
    if (sector[510] != 0x55 || sector[511] != 0xaa) {
        snprintf(err, errlen, "%s: no MBR partition table (sector 0 lacks the 55 aa signature)",
                 d->name);
        return -1;
    }
    uint64_t image_sectors = d->size / MBR_SECTOR_SIZE;
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = sector + 0x1be + 16 * i;
        uint8_t type = e[4];
        if (type == 0) continue;
        if (type == 0xee) {
            snprintf(err, errlen,
                     "%s: GPT partition table (the Raspberry Pi 3 boot ROM reads MBR only)",
                     d->name);
            return -1;
        }
        if (e[0] != 0x00 && e[0] != 0x80) {
            snprintf(err, errlen, "%s: corrupt MBR (partition %u has boot flag 0x%02x)", d->name,
                     i + 1, e[0]);
            return -1;
        }
        mbr_partition *p = &t->parts[t->count++];
        p->number = i + 1;
        p->type = type;
        p->bootable = e[0] == 0x80;
        p->start_lba = le32(e + 8);
        p->sectors = le32(e + 12);
        if (p->start_lba == 0 || p->sectors == 0) {
            snprintf(err, errlen,
                     "%s: corrupt MBR (partition %u starts at sector %" PRIu64 " with %" PRIu64
                     " sectors)",
                     d->name, p->number, p->start_lba, p->sectors);
            return -1;
        }
        if (p->start_lba >= image_sectors) {
            snprintf(err, errlen,
                     "%s: partition %u starts at sector %" PRIu64
                     ", past the end of the image (%" PRIu64 " sectors): truncated image?",
                     d->name, p->number, p->start_lba, image_sectors);
            return -1;
        }
    }
    if (t->count == 0) {
        snprintf(err, errlen, "%s: the partition table is empty (no partitions)", d->name);
        return -1;
    }
    return check_layout(d, t, image_sectors, err, errlen);
}
