/* SD image backend: a host file, read-only with a sparse copy-on-write overlay in memory, or
 * written through (see peripherals/sd_image.h). Not on the CPU's hot path: allocation is fine
 * here. */
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

typedef struct chunk_slot {
    uint64_t index; /* chunk number (offset >> CHUNK_SHIFT) */
    uint8_t *data;  /* NULL = empty slot */
} chunk_slot;

struct sd_image {
    char *path;
    host_image *host; /* shared with the firmware loader: one open file, one decompressed copy */
    int fd;           /* the image's plain bytes (a decompressed copy for .gz/.xz) */
    sd_image_mode mode;
    uint64_t size;
    chunk_slot *slots; /* open addressing, power-of-two capacity */
    size_t cap, used;
};

static size_t slot_hash(uint64_t index, size_t cap) {
    index *= 0x9E3779B97F4A7C15ull;
    return (size_t)(index >> 20) & (cap - 1);
}

static chunk_slot *find_slot(const sd_image *img, uint64_t index) {
    if (!img->cap) return NULL;
    for (size_t i = slot_hash(index, img->cap);; i = (i + 1) & (img->cap - 1)) {
        chunk_slot *s = &img->slots[i];
        if (!s->data) return NULL;
        if (s->index == index) return s;
    }
}

static bool grow(sd_image *img) {
    size_t cap = img->cap ? img->cap * 2 : 256;
    chunk_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < img->cap; i++) {
        chunk_slot *s = &img->slots[i];
        if (!s->data) continue;
        size_t j = slot_hash(s->index, cap);
        while (slots[j].data)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(img->slots);
    img->slots = slots;
    img->cap = cap;
    return true;
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
    for (size_t i = 0; i < img->cap; i++)
        free(img->slots[i].data);
    free(img->slots);
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

int sd_image_read(sd_image *img, uint64_t offset, void *buf, size_t len, char *err, size_t errlen) {
    uint8_t *out = buf;
    size_t through = through_part(img, offset, len);
    if (through && file_read(img, offset, out, through, err, errlen) < 0) return -1;
    out += through, offset += through, len -= through;
    while (len) {
        uint64_t index = offset >> CHUNK_SHIFT;
        size_t in_chunk = (size_t)(offset & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in_chunk;
        if (n > len) n = len;
        const chunk_slot *s = find_slot(img, index);
        if (s)
            memcpy(out, s->data + in_chunk, n);
        else if (file_read(img, offset, out, n, err, errlen) < 0)
            return -1;
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
    while (len) {
        uint64_t index = offset >> CHUNK_SHIFT;
        size_t in_chunk = (size_t)(offset & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in_chunk;
        if (n > len) n = len;
        chunk_slot *s = find_slot(img, index);
        if (!s) {
            /* Keep the load factor under 1/2. */
            if ((img->used + 1) * 2 > img->cap && !grow(img)) goto oom;
            uint8_t *data = malloc(CHUNK_SIZE);
            if (!data) goto oom;
            /* A partial write keeps the rest of the chunk's current content. */
            if (n != CHUNK_SIZE &&
                file_read(img, index << CHUNK_SHIFT, data, CHUNK_SIZE, err, errlen) < 0) {
                free(data);
                return -1;
            }
            size_t j = slot_hash(index, img->cap);
            while (img->slots[j].data)
                j = (j + 1) & (img->cap - 1);
            img->slots[j] = (chunk_slot){index, data};
            img->used++;
            s = &img->slots[j];
        }
        memcpy(s->data + in_chunk, in, n);
        in += n;
        offset += n;
        len -= n;
    }
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory for the write overlay", img->path);
    return -1;
}
