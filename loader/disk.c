/* A disk_reader over a host file, opened read-only. */
#include "loader/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_disk {
    int fd;
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        snprintf(err, errlen, "%s: not a disk image file", path);
        close(fd);
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? (uint64_t)end : 0;
    }
    if (size == 0) {
        snprintf(err, errlen, "%s: image is empty", path);
        close(fd);
        return -1;
    }
    file_disk *fdk = malloc(sizeof *fdk);
    char *copy = strdup(path);
    if (!fdk || !copy) {
        free(fdk);
        free(copy);
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    fdk->fd = fd;
    fdk->path = copy;
    d->read = file_disk_read;
    d->ctx = fdk;
    d->size = size;
    d->name = copy;
    return 0;
}

void disk_close(disk_reader *d) {
    if (d->read == file_disk_read && d->ctx) {
        file_disk *fdk = d->ctx;
        close(fdk->fd);
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
