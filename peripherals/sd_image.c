/* SD image backend: a read-only host file plus a sparse copy-on-write overlay in memory
 * (see peripherals/sd_image.h). Not on the CPU's hot path: allocation is fine here. */
#include "peripherals/sd_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>

#define CHUNK_SHIFT 12
#define CHUNK_SIZE  (1u << CHUNK_SHIFT)

typedef struct chunk_slot {
    uint64_t index; /* chunk number (offset >> CHUNK_SHIFT) */
    uint8_t *data;  /* NULL = empty slot */
} chunk_slot;

struct sd_image {
    char *path;
    int fd;
    uint64_t size;
    chunk_slot *slots; /* open addressing, power-of-two capacity */
    size_t cap, used;
};

/* Magic bytes of formats we recognise but cannot read yet. */
static const struct {
    const char *name;
    uint8_t magic[6];
    unsigned len;
} compressed_formats[] = {
    {"gzip", {0x1F, 0x8B}, 2},
    {"xz", {0xFD, '7', 'z', 'X', 'Z', 0x00}, 6},
    {"zstd", {0x28, 0xB5, 0x2F, 0xFD}, 4},
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

sd_image *sd_image_open(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open SD image: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: SD image is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: SD image is empty", path);
        close(fd);
        return NULL;
    }
    uint8_t head[8] = {0};
    ssize_t got = pread(fd, head, sizeof head, 0);
    for (unsigned i = 0; got > 0 && i < sizeof compressed_formats / sizeof compressed_formats[0];
         i++) {
        if ((size_t)got >= compressed_formats[i].len &&
            memcmp(head, compressed_formats[i].magic, compressed_formats[i].len) == 0) {
            snprintf(err, errlen,
                     "%s: SD image is %s-compressed; decompress it first (not supported yet)", path,
                     compressed_formats[i].name);
            close(fd);
            return NULL;
        }
    }
    sd_image *img = calloc(1, sizeof *img);
    if (img) img->path = strdup(path);
    if (!img || !img->path) {
        free(img);
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    img->fd = fd;
    img->size = (uint64_t)st.st_size;
    return img;
}

void sd_image_close(sd_image *img) {
    if (!img) return;
    for (size_t i = 0; i < img->cap; i++)
        free(img->slots[i].data);
    free(img->slots);
    close(img->fd);
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

int sd_image_read(sd_image *img, uint64_t offset, void *buf, size_t len, char *err, size_t errlen) {
    uint8_t *out = buf;
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
