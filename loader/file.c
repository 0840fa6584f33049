/* Reading guest images from the host, with transparent gzip and xz inflation. */
#include "loader/loader.h"

#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

bool loader_is_gzip(const uint8_t *data, size_t len) {
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

bool loader_is_xz(const uint8_t *data, size_t len) {
    static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    return len >= sizeof magic && memcmp(data, magic, sizeof magic) == 0;
}

/* A growing output buffer that refuses to pass max_len. */
typedef struct out_buf {
    uint8_t *data;
    size_t len, cap, max_len;
} out_buf;

/* Makes room for at least one more byte; false when the limit is reached. */
static bool out_buf_grow(out_buf *o) {
    if (o->len < o->cap) return true;
    if (o->cap >= o->max_len) return false;
    size_t cap = o->cap ? o->cap * 2 : 1 << 20;
    if (cap > o->max_len || cap < o->cap) cap = o->max_len;
    uint8_t *p = realloc(o->data, cap);
    if (!p) return false;
    o->data = p;
    o->cap = cap;
    return true;
}

static int inflate_gzip(const char *name, const uint8_t *in, size_t in_len, out_buf *o, char *err,
                        size_t errlen) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        snprintf(err, errlen, "%s: cannot start gzip inflation", name);
        return -1;
    }
    zs.next_in = (Bytef *)in;
    int rc = Z_OK;
    size_t consumed = 0;
    for (;;) {
        /* zlib counts in uInt: feed and drain in chunks so huge inputs work too. */
        size_t in_left = in_len - consumed;
        zs.next_in = (Bytef *)in + consumed;
        zs.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
        uInt avail_before = zs.avail_in;
        if (!out_buf_grow(o)) {
            inflateEnd(&zs);
            snprintf(err, errlen, "%s: inflated data is larger than the %zu-byte limit", name,
                     o->max_len);
            return -1;
        }
        size_t room = o->cap - o->len;
        zs.next_out = o->data + o->len;
        zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt out_before = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        consumed += avail_before - zs.avail_in;
        o->len += out_before - zs.avail_out;
        if (rc == Z_STREAM_END) {
            /* Concatenated gzip members are one stream (gzip -c a b > c). Trailing zero
             * padding (tar, dd) is tolerated. */
            size_t rest = in_len - consumed;
            if (rest >= 2 && loader_is_gzip(in + consumed, rest)) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (rc == Z_BUF_ERROR && consumed == in_len) {
            inflateEnd(&zs);
            snprintf(err, errlen, "%s: truncated gzip data", name);
            return -1;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(err, errlen, "%s: corrupt gzip data (%s)", name, zs.msg ? zs.msg : "error");
            inflateEnd(&zs);
            return -1;
        }
    }
    inflateEnd(&zs);
    return 0;
}

static int inflate_xz(const char *name, const uint8_t *in, size_t in_len, out_buf *o, char *err,
                      size_t errlen) {
    lzma_stream xs = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&xs, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
        snprintf(err, errlen, "%s: cannot start xz decoding", name);
        return -1;
    }
    xs.next_in = in;
    xs.avail_in = in_len;
    lzma_ret rc;
    for (;;) {
        if (!out_buf_grow(o)) {
            lzma_end(&xs);
            snprintf(err, errlen, "%s: inflated data is larger than the %zu-byte limit", name,
                     o->max_len);
            return -1;
        }
        xs.next_out = o->data + o->len;
        xs.avail_out = o->cap - o->len;
        size_t before = xs.avail_out;
        rc = lzma_code(&xs, xs.avail_in ? LZMA_RUN : LZMA_FINISH);
        o->len += before - xs.avail_out;
        if (rc == LZMA_STREAM_END) break;
        if (rc == LZMA_OK) continue;
        lzma_end(&xs);
        if (rc == LZMA_BUF_ERROR)
            snprintf(err, errlen, "%s: truncated xz data", name);
        else if (rc == LZMA_MEM_ERROR)
            snprintf(err, errlen, "%s: out of memory inflating xz data", name);
        else if (rc == LZMA_OPTIONS_ERROR)
            snprintf(err, errlen, "%s: unsupported xz options", name);
        else
            snprintf(err, errlen, "%s: corrupt xz data", name);
        return -1;
    }
    lzma_end(&xs);
    return 0;
}

int loader_inflate(const char *name, const uint8_t *in, size_t in_len, size_t max_len,
                   uint8_t **out, size_t *out_len, char *err, size_t errlen) {
    *out = NULL;
    *out_len = 0;
    bool gz = loader_is_gzip(in, in_len), xz = loader_is_xz(in, in_len);
    if (!gz && !xz) {
        if (in_len > max_len) {
            snprintf(err, errlen, "%s: %zu bytes is larger than the %zu-byte limit", name, in_len,
                     max_len);
            return -1;
        }
        *out = malloc(in_len ? in_len : 1);
        if (!*out) {
            snprintf(err, errlen, "%s: out of memory", name);
            return -1;
        }
        memcpy(*out, in, in_len);
        *out_len = in_len;
        return 0;
    }
    out_buf o = {.max_len = max_len};
    int rc = gz ? inflate_gzip(name, in, in_len, &o, err, errlen)
                : inflate_xz(name, in, in_len, &o, err, errlen);
    if (rc == 0 && o.len == 0) {
        snprintf(err, errlen, "%s: compressed data inflates to nothing", name);
        rc = -1;
    }
    if (rc) {
        free(o.data);
        return -1;
    }
    *out = o.data;
    *out_len = o.len;
    return 0;
}

int loader_read_file(const char *path, size_t max_len, uint8_t **data, size_t *len, char *err,
                     size_t errlen) {
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path,
                 S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        fclose(f);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: file is empty", path);
        fclose(f);
        return -1;
    }
    if ((uint64_t)st.st_size > max_len) {
        snprintf(err, errlen, "%s: %lld bytes is larger than the %zu-byte limit", path,
                 (long long)st.st_size, max_len);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *raw = malloc(size);
    if (!raw) {
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, size);
        fclose(f);
        return -1;
    }
    size_t got = fread(raw, 1, size, f);
    bool read_error = ferror(f);
    int saved_errno = errno;
    fclose(f);
    if (got != size) {
        snprintf(err, errlen, "%s: read error: %s", path,
                 read_error ? strerror(saved_errno) : "file shrank while being read");
        free(raw);
        return -1;
    }
    if (!loader_is_gzip(raw, size) && !loader_is_xz(raw, size)) {
        *data = raw;
        *len = size;
        return 0;
    }
    int rc = loader_inflate(path, raw, size, max_len, data, len, err, errlen);
    free(raw);
    return rc;
}
