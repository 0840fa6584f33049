/* SD image backend: a host file, read-only with a sparse copy-on-write overlay in a temporary
 * file, or written through (see peripherals/sd_image.h). Not on the CPU's hot path: allocation is
 * fine here. */
#include "peripherals/sd_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "soc/host_image.h"
#include "soc/log.h"

#define CHUNK_SHIFT 12
#define CHUNK_SIZE  (1u << CHUNK_SHIFT)

struct sd_image {
    char *path;
    host_image *host; /* shared with the firmware loader: one open file, one decompressed copy */
    int fd;           /* the image's plain bytes (a decompressed copy for .gz/.xz) */
    sd_image_mode mode;
    uint64_t size;
    /* The overlay: an unnamed sparse temporary file holding written chunks at their card
     * offsets, and one bit per chunk saying it is there. -1: not created yet (write-through). */
    int overlay_fd;
    uint64_t *written; /* bitmap, n_words words */
    size_t n_words, used;
};

static bool chunk_written(const sd_image *img, uint64_t index) {
    uint64_t w = index / 64;
    return w < img->n_words && (img->written[w] >> (index % 64) & 1);
}

static bool mark_written(sd_image *img, uint64_t index) {
    uint64_t w = index / 64;
    if (w >= img->n_words) {
        size_t n = img->n_words ? img->n_words : 1024;
        while (n <= w)
            n *= 2;
        uint64_t *bits = realloc(img->written, n * sizeof *bits);
        if (!bits) return false;
        memset(bits + img->n_words, 0, (n - img->n_words) * sizeof *bits);
        img->written = bits;
        img->n_words = n;
    }
    img->written[w] |= 1ull << (index % 64);
    img->used++;
    return true;
}

static int open_overlay(sd_image *img, char *err, size_t errlen) {
    if (img->overlay_fd >= 0) return 0;
    char why[900];
    img->overlay_fd = host_tempfile("the SD write overlay", NULL, 0, why, sizeof why);
    if (img->overlay_fd >= 0) return 0;
    snprintf(err, errlen, "%s: %s", img->path, why);
    return -1;
}

/* pread/pwrite all of it, retrying short transfers; -1 with errno on failure (0 = EOF). */
static int full_io(bool write, int fd, uint8_t *buf, size_t len, uint64_t offset) {
    size_t done = 0;
    while (done < len) {
        ssize_t r = write ? pwrite(fd, buf + done, len - done, (off_t)(offset + done))
                          : pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = 0;
            return -1;
        }
        done += (size_t)r;
    }
    return 0;
}

/* Reads from the file only; zeros past its end. */
static int file_read(sd_image *img, uint64_t offset, uint8_t *buf, size_t len, char *err,
                     size_t errlen) {
    size_t n = 0;
    if (offset < img->size) {
        uint64_t avail = img->size - offset;
        n = len < avail ? len : (size_t)avail;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(img->fd, buf + done, n - done, (off_t)(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: read error at offset %llu: %s", img->path,
                     (unsigned long long)(offset + done), r < 0 ? strerror(errno) : "file shrank");
            return -1;
        }
        done += (size_t)r;
    }
    memset(buf + n, 0, len - n);
    return 0;
}

sd_image *sd_image_open(const char *path, sd_image_mode mode, char *err, size_t errlen) {
    host_image *h = host_image_open(path, mode == SD_IMAGE_WRITE_THROUGH, err, errlen);
    if (!h) return NULL;
    sd_image *img = calloc(1, sizeof *img);
    if (img) img->path = strdup(path);
    if (!img || !img->path) {
        free(img);
        host_image_close(h);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    img->host = h;
    img->fd = host_image_fd(h);
    img->mode = mode;
    img->size = host_image_size(h);
    img->overlay_fd = -1;
    /* Copy-on-write: the overlay's temporary file now, so a TMPDIR with no room for it is a
     * startup error rather than a failed guest write. */
    if (mode == SD_IMAGE_COPY_ON_WRITE && open_overlay(img, err, errlen) < 0) {
        sd_image_close(img);
        return NULL;
    }
    return img;
}

int sd_image_flush(sd_image *img, char *err, size_t errlen) {
    if (img->mode != SD_IMAGE_WRITE_THROUGH) return 0;
    if (fsync(img->fd) == 0 || errno == EINVAL) return 0; /* EINVAL: a file that cannot sync */
    snprintf(err, errlen, "%s: cannot sync the SD image: %s", img->path, strerror(errno));
    return -1;
}

void sd_image_close(sd_image *img) {
    if (!img) return;
    char err[300];
    if (sd_image_flush(img, err, sizeof err) < 0) soc_warn("%s", err);
    if (img->overlay_fd >= 0) close(img->overlay_fd);
    free(img->written);
    host_image_close(img->host);
    free(img->path);
    free(img);
}

const char *sd_image_path(const sd_image *img) {
    return img->path;
}

uint64_t sd_image_size(const sd_image *img) {
    return img->size;
}

uint64_t sd_image_overlay_bytes(const sd_image *img) {
    return (uint64_t)img->used * CHUNK_SIZE;
}

/* Write-through: the part of [offset, offset + len) inside the file, which bypasses the overlay. */
static size_t through_part(const sd_image *img, uint64_t offset, size_t len) {
    if (img->mode != SD_IMAGE_WRITE_THROUGH || offset >= img->size) return 0;
    uint64_t avail = img->size - offset;
    return len < avail ? len : (size_t)avail;
}

static int file_write(sd_image *img, uint64_t offset, const uint8_t *buf, size_t len, char *err,
                      size_t errlen) {
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(img->fd, buf + done, len - done, (off_t)(offset + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(err, errlen, "%s: write error at offset %llu: %s", img->path,
                     (unsigned long long)(offset + done), w < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

static int overlay_error(sd_image *img, bool write, uint64_t offset, char *err, size_t errlen) {
    snprintf(err, errlen, "%s: %s the write overlay (temporary file) at offset %llu: %s", img->path,
             write ? "cannot write" : "cannot read", (unsigned long long)offset,
             errno ? strerror(errno) : "file shrank");
    return -1;
}

int sd_image_read(sd_image *img, uint64_t offset, void *buf, size_t len, char *err, size_t errlen) {
    uint8_t *out = buf;
    size_t through = through_part(img, offset, len);
    if (through && file_read(img, offset, out, through, err, errlen) < 0) return -1;
    out += through, offset += through, len -= through;
    while (len) {
        /* A run of chunks that are all in the overlay, or all not. */
        uint64_t index = offset >> CHUNK_SHIFT;
        bool in_overlay = chunk_written(img, index);
        size_t n = CHUNK_SIZE - (size_t)(offset & (CHUNK_SIZE - 1));
        while (n < len && chunk_written(img, ++index) == in_overlay)
            n += CHUNK_SIZE;
        if (n > len) n = len;
        if (in_overlay) {
            if (full_io(false, img->overlay_fd, out, n, offset) < 0)
                return overlay_error(img, false, offset, err, errlen);
        } else if (file_read(img, offset, out, n, err, errlen) < 0) {
            return -1;
        }
        out += n;
        offset += n;
        len -= n;
    }
    return 0;
}

int sd_image_write(sd_image *img, uint64_t offset, const void *buf, size_t len, char *err,
                   size_t errlen) {
    const uint8_t *in = buf;
    size_t through = through_part(img, offset, len);
    if (through && file_write(img, offset, in, through, err, errlen) < 0) return -1;
    in += through, offset += through, len -= through;
    if (len && open_overlay(img, err, errlen) < 0) return -1;
    while (len) {
        uint64_t index = offset >> CHUNK_SHIFT;
        size_t in_chunk = (size_t)(offset & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in_chunk;
        if (n > len) n = len;
        if (!chunk_written(img, index)) {
            /* First write to the chunk: the overlay gets all of it, the rest of it from the
             * image (a partial write keeps the chunk's current content). */
            uint8_t chunk[CHUNK_SIZE];
            uint64_t base = index << CHUNK_SHIFT;
            if (n != CHUNK_SIZE && file_read(img, base, chunk, CHUNK_SIZE, err, errlen) < 0)
                return -1;
            memcpy(chunk + in_chunk, in, n);
            if (full_io(true, img->overlay_fd, chunk, CHUNK_SIZE, base) < 0)
                return overlay_error(img, true, base, err, errlen);
            if (!mark_written(img, index)) {
                snprintf(err, errlen, "%s: out of memory for the write overlay", img->path);
                return -1;
            }
        } else if (full_io(true, img->overlay_fd, (uint8_t *)in, n, offset) < 0) {
            return overlay_error(img, true, offset, err, errlen);
        }
        in += n;
        offset += n;
        len -= n;
    }
    return 0;
}
