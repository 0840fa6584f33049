/* A read-only FAT12/16/32 reader over one partition of a disk image: what the Pi firmware needs to
 * read its boot partition (config.txt, the kernel, DTBs, the initramfs).
 *
 * Names are matched case-insensitively (ASCII), against both the VFAT long name and the 8.3
 * name. Corrupt volumes (bad boot sector, cluster chains that loop, leave the volume or end early)
 * give an error naming the image; nothing here can hang, crash or write. */
#ifndef LOADER_FAT_H
#define LOADER_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/disk.h"

typedef struct fat_volume fat_volume;

typedef enum { FAT_TYPE_12 = 12, FAT_TYPE_16 = 16, FAT_TYPE_32 = 32 } fat_type;

/* Returned by fat_lookup / fat_read_file / fat_list_dir when the path does not exist (err says
 * which name is missing); other failures return -1. */
#define FAT_NOT_FOUND 1

typedef struct fat_dirent {
    char name[256];      /* the long name (UTF-8) if there is one, else the 8.3 name */
    char short_name[13]; /* "KERNEL8.IMG" */
    bool is_dir;
    uint32_t size;
    uint32_t first_cluster;
} fat_dirent;

/* Opens the FAT file system found at [offset, offset + size) of the image. The reader must
 * outlive the volume. */
int fat_open(const disk_reader *d, uint64_t offset, uint64_t size, fat_volume **out, char *err,
             size_t errlen);
void fat_close(fat_volume *v);

fat_type fat_volume_type(const fat_volume *v);
uint32_t fat_cluster_bytes(const fat_volume *v);
/* Byte offset of the (first) FAT in the image and of a cluster's data: for tests and tools. */
uint64_t fat_table_offset(const fat_volume *v);
uint64_t fat_cluster_offset(const fat_volume *v, uint32_t cluster);

/* Path separators are '/'; a leading '/' is optional. 0 (found), FAT_NOT_FOUND or -1. */
int fat_lookup(fat_volume *v, const char *path, fat_dirent *out, char *err, size_t errlen);
/* Reads a whole regular file; refuses files larger than max_len. *data is malloc'ed (non-NULL
 * even for an empty file). 0, FAT_NOT_FOUND or -1. */
int fat_read_file(fat_volume *v, const char *path, size_t max_len, uint8_t **data, size_t *len,
                  char *err, size_t errlen);
/* Calls fn for each entry of a directory ("" or "/" is the root), except "." and "..". fn returns
 * non-zero to stop early. 0, FAT_NOT_FOUND or -1. */
typedef int (*fat_list_fn)(void *ctx, const fat_dirent *entry);
int fat_list_dir(fat_volume *v, const char *path, fat_list_fn fn, void *ctx, char *err,
                 size_t errlen);

#endif
