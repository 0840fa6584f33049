/* A disk_reader over a host image file, opened read-only (soc/host_image: .gz/.xz images are
 * read through their decompressed copy, shared with the SD card model). */
#include "loader/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soc/host_image.h"

typedef struct file_disk {
    host_image *host;
    int fd; /* the plain bytes: the file, or its decompressed copy */
    char *path;
} file_disk;

static int file_disk_read(void *ctx, uint64_t offset, void *buf, size_t len) {
    file_disk *fd = ctx;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int disk_open_file(const char *path, disk_reader *d, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    host_image *h = host_image_open(path, false, err, errlen);
    if (!h) return -1;
    file_disk *fdk = malloc(sizeof *fdk);
    char *copy = strdup(path);
    if (!fdk || !copy) {
        free(fdk);
        free(copy);
        host_image_close(h);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    fdk->host = h;
    fdk->fd = host_image_fd(h);
    fdk->path = copy;
    d->read = file_disk_read;
    d->ctx = fdk;
    d->size = host_image_size(h);
    d->name = copy;
    return 0;
}

void disk_close(disk_reader *d) {
    if (d->read == file_disk_read && d->ctx) {
        file_disk *fdk = d->ctx;
        host_image_close(fdk->host);
        free(fdk->path);
        free(fdk);
    }
    memset(d, 0, sizeof *d);
}

int disk_read(const disk_reader *d, uint64_t offset, void *buf, size_t len, char *err,
              size_t errlen) {
    if (offset > d->size || len > d->size - offset) {
        snprintf(err, errlen, "%s: read of %zu bytes at 0x%" PRIx64 " is past the end of the image",
                 d->name, len, offset);
        return -1;
    }
    if (d->read(d->ctx, offset, buf, len) != 0) {
        snprintf(err, errlen, "%s: read error at 0x%" PRIx64 ": %s", d->name, offset,
                 errno ? strerror(errno) : "short read");
        return -1;
    }
    return 0;
}
