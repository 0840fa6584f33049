/* Host disk images: open, decompress, share by inode, lock (see soc/host_image.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "soc/host_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_image_inflate.h"

struct host_image {
    host_image *next; /* the open images, for sharing */
    unsigned refs;
    dev_t dev;
    ino_t ino;
    int file_fd; /* the user's file (holds the lock) */
    int data_fd; /* the plain bytes: file_fd, or the decompressed copy */
    uint64_t size;
    bool writable;
    const char *compression;
};

static host_image *open_images;

static const struct {
    const char *name;
    uint8_t magic[6];
    unsigned len;
} formats[] = {
    {"gzip", {0x1F, 0x8B}, 2},
    {"xz", {0xFD, '7', 'z', 'X', 'Z', 0x00}, 6},
    {"zstd", {0x28, 0xB5, 0x2F, 0xFD}, 4},
};

const char *host_image_sniff(const uint8_t *head, size_t len) {
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (len >= formats[i].len && memcmp(head, formats[i].magic, formats[i].len) == 0)
            return formats[i].name;
    return NULL;
}

static int open_user_file(const char *path, bool writable, char *err, size_t errlen) {
    static const char ro_fmt[] = "%s: SD image is read-only (%s); --sd-write needs a writable file";
    if (writable) {
        struct stat st;
        /* root ignores permission bits: honour a user's chmod a-w anyway, it says "keep this". */
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && !(st.st_mode & 0222)) {
            snprintf(err, errlen, ro_fmt, path, "no write permission");
            return -1;
        }
    }
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (writable && (errno == EACCES || errno == EPERM || errno == EROFS))
        snprintf(err, errlen, ro_fmt, path, strerror(errno));
    else
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}

static uint64_t file_size(int fd, const struct stat *st) {
    if (!S_ISBLK(st->st_mode)) return (uint64_t)st->st_size;
    off_t end = lseek(fd, 0, SEEK_END);
    return end > 0 ? (uint64_t)end : 0;
}

/* One try at an unnamed file in dir: O_TMPFILE, else a unique name unlinked at once. Returns the
 * fd, or -1 with errno set. */
static int tempfile_in(const char *dir) {
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
        /* EISDIR/EOPNOTSUPP: the filesystem has no O_TMPFILE; anything else fails the same below.
         */
#endif
    char name[4096];
    if ((size_t)snprintf(name, sizeof name, "%s/socemu-XXXXXX", dir) >= sizeof name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(name, O_CLOEXEC);
    if (fd >= 0) unlink(name);
    return fd;
}

int host_tempfile(const char *purpose, char *dir_used, size_t dir_len, char *err, size_t errlen) {
    const char *env = getenv("TMPDIR");
    const char *dirs[3];
    unsigned n = 0;
    if (env && *env) dirs[n++] = env;
    /* /var/tmp before /tmp: /tmp is often RAM, which is what these files are meant to spare. */
    if (!env || strcmp(env, "/var/tmp") != 0) dirs[n++] = "/var/tmp";
    if (!env || strcmp(env, "/tmp") != 0) dirs[n++] = "/tmp";
    char tried[768] = "";
    size_t used = 0;
    for (unsigned i = 0; i < n; i++) {
        int fd = tempfile_in(dirs[i]);
        if (fd >= 0) {
            if (dir_used && dir_len) snprintf(dir_used, dir_len, "%s", dirs[i]);
            return fd;
        }
        int e = errno;
        if (used < sizeof tried)
            used += (size_t)snprintf(tried + used, sizeof tried - used, "%s%s%.200s (%s)",
                                     i ? ", " : "", dirs[i] == env ? "TMPDIR=" : "", dirs[i],
                                     strerror(e));
    }
    snprintf(err, errlen, "cannot create a temporary file for %s: tried %s", purpose, tried);
    return -1;
}

static host_image *find_open(const struct stat *st) {
    for (host_image *h = open_images; h; h = h->next)
        if (h->dev == st->st_dev && h->ino == st->st_ino) return h;
    return NULL;
}

host_image *host_image_open(const char *path, bool writable, char *err, size_t errlen) {
    int fd = open_user_file(path, writable, err, errlen);
    if (fd < 0) return NULL;
    struct stat st;
    host_image *h = NULL;
    if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        snprintf(err, errlen, "%s: SD image is not a regular file", path);
        goto fail;
    }
    h = find_open(&st);
    if (h) {
        /* A reader (the firmware loader) may share a writer's image, not the other way. */
        if (writable && !h->writable) {
            snprintf(err, errlen, "%s: SD image is already open read-only", path);
            h = NULL;
            goto fail;
        }
        close(fd);
        h->refs++;
        return h;
    }
    uint64_t size = file_size(fd, &st);
    if (size == 0) {
        snprintf(err, errlen, "%s: SD image is empty", path);
        goto fail;
    }
    /* Writers exclude everyone; readers only exclude writers. */
    if (flock(fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
        snprintf(err, errlen, "%s: SD image is in use by another process (%s)", path,
                 writable ? "it holds a lock on the file: another socemu running on it?"
                          : "another emulator writes it with --sd-write");
        goto fail;
    }
    uint8_t head[8] = {0};
    ssize_t got = pread(fd, head, sizeof head, 0);
    const char *format = host_image_sniff(head, got > 0 ? (size_t)got : 0);
    if (format && writable) {
        snprintf(err, errlen,
                 "%s: SD image is %s-compressed; --sd-write needs an uncompressed image "
                 "(decompress it first)",
                 path, format);
        goto fail;
    }
    h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    h->file_fd = h->data_fd = fd;
    h->size = size;
    if (format) {
        char dir[512], why[900];
        h->data_fd = host_tempfile("the decompressed image", dir, sizeof dir, why, sizeof why);
        if (h->data_fd < 0) {
            snprintf(err, errlen, "%s: %s", path, why);
            goto fail;
        }
        if (host_image_inflate(fd, format, path, h->data_fd, dir, &h->size, err, errlen) < 0)
            goto fail;
        if (h->size == 0) {
            snprintf(err, errlen, "%s: SD image is empty (%s-compressed nothing)", path, format);
            goto fail;
        }
    }
    h->refs = 1;
    h->dev = st.st_dev;
    h->ino = st.st_ino;
    h->writable = writable;
    h->compression = format;
    h->next = open_images;
    open_images = h;
    return h;
fail:
    if (h && h->data_fd >= 0 && h->data_fd != fd) close(h->data_fd);
    free(h);
    close(fd);
    return NULL;
}

void host_image_close(host_image *h) {
    if (!h || --h->refs) return;
    for (host_image **p = &open_images; *p; p = &(*p)->next) {
        if (*p == h) {
            *p = h->next;
            break;
        }
    }
    if (h->writable) fsync(h->file_fd);
    if (h->data_fd != h->file_fd) close(h->data_fd);
    close(h->file_fd);
    free(h);
}

int host_image_fd(const host_image *h) {
    return h->data_fd;
}

uint64_t host_image_size(const host_image *h) {
    return h->size;
}

bool host_image_writable(const host_image *h) {
    return h->writable;
}

const char *host_image_compression(const host_image *h) {
    return h->compression;
}
