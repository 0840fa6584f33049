/* Read-only access to a disk image (an SD card file), for the partition and FAT readers.
 * Images are opened O_RDONLY: nothing in the loader can modify a user's card. */
#ifndef LOADER_DISK_H
#define LOADER_DISK_H

#include <stddef.h>
#include <stdint.h>

typedef struct disk_reader {
    /* Reads exactly len bytes at offset; returns 0, or -1 (short read, I/O error). */
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
    void *ctx;
    uint64_t size;    /* bytes */
    const char *name; /* for messages: the image path */
} disk_reader;

/* Opens a host image file read-only (a .gz/.xz image: its decompressed bytes). The reader keeps
 * a copy of path for messages. */
int disk_open_file(const char *path, disk_reader *d, char *err, size_t errlen);
void disk_close(disk_reader *d);

/* Reads with bounds checking against d->size; errors name the image and offset. */
int disk_read(const disk_reader *d, uint64_t offset, void *buf, size_t len, char *err,
              size_t errlen);

#endif
