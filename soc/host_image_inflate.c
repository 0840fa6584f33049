/* Streaming gzip/xz/zstd decompression into a sparse file: the input is read in small pieces and
 * the output written as it comes, so an 8 GiB card never sits in memory; all-zero blocks are
 * skipped (left as holes), so it does not sit on disk either unless it holds data. */
#include "host_image_inflate.h"

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum {
    IN_BUF = 64 * 1024,
    OUT_BUF = 1024 * 1024,
    HOLE_BLOCK = 4096, /* the granularity at which zeros become holes */
};

typedef struct inflate_job {
    int in_fd, out_fd;
    const char *path, *format, *tmp_dir;
    uint64_t in_pos, out_pos;
    uint8_t *in, *out;
    char *err;
    size_t errlen;
} inflate_job;

static bool all_zero(const uint8_t *p, size_t n) {
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Appends n bytes to the output, leaving zero blocks as holes. */
static int emit(inflate_job *j, const uint8_t *p, size_t n) {
    while (n) {
        size_t block = HOLE_BLOCK - (size_t)(j->out_pos % HOLE_BLOCK);
        if (block > n) block = n;
        if (!all_zero(p, block)) {
            size_t done = 0;
            while (done < block) {
                ssize_t w = pwrite(j->out_fd, p + done, block - done, (off_t)(j->out_pos + done));
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) {
                    snprintf(j->err, j->errlen, "%s: cannot decompress the image into %s: %s",
                             j->path, j->tmp_dir, w < 0 ? strerror(errno) : "short write");
                    return -1;
                }
                done += (size_t)w;
            }
        }
        j->out_pos += block;
        p += block;
        n -= block;
    }
    return 0;
}

/* Reads the next piece of input: bytes read, 0 at the end, -1 on error. */
static ssize_t take_input(inflate_job *j) {
    for (;;) {
        ssize_t n = read(j->in_fd, j->in, IN_BUF);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            snprintf(j->err, j->errlen, "%s: read error at byte %llu: %s", j->path,
                     (unsigned long long)j->in_pos, strerror(errno));
        else
            j->in_pos += (uint64_t)n;
        return n;
    }
}

static int bad_stream(inflate_job *j, const char *what, const char *detail) {
    snprintf(j->err, j->errlen, "%s: %s %s stream%s%s (near compressed byte %llu)", j->path, what,
             j->format, detail ? ": " : "", detail ? detail : "", (unsigned long long)j->in_pos);
    return -1;
}

static int inflate_gzip(inflate_job *j) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return bad_stream(j, "cannot start the", NULL);
    bool ended = false, out_full = false;
    int rc = -1;
    for (;;) {
        if (zs.avail_in == 0 && !out_full) {
            ssize_t n = take_input(j);
            if (n < 0) goto out;
            if (n == 0) break;
            zs.next_in = j->in;
            zs.avail_in = (uInt)n;
        }
        if (ended) { /* another gzip member follows (pigz, cat a.gz b.gz) */
            inflateReset(&zs);
            ended = false;
        }
        zs.next_out = j->out;
        zs.avail_out = OUT_BUF;
        int ret = inflate(&zs, Z_NO_FLUSH);
        if (ret == Z_STREAM_END)
            ended = true;
        else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            bad_stream(j, "corrupt", zs.msg ? zs.msg : "bad data");
            goto out;
        }
        if (emit(j, j->out, OUT_BUF - zs.avail_out) < 0) goto out;
        out_full = zs.avail_out == 0;
    }
    if (!ended) {
        bad_stream(j, "truncated", "it ends before the end of the compressed data");
        goto out;
    }
    rc = 0;
out:
    inflateEnd(&zs);
    return rc;
}

static const char *lzma_why(lzma_ret ret) {
    switch (ret) {
    case LZMA_FORMAT_ERROR: return "not an xz stream";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_DATA_ERROR: return "bad data";
    case LZMA_MEM_ERROR: return "out of memory";
    default: return "decoder error";
    }
}

static int inflate_xz(inflate_job *j) {
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
        return bad_stream(j, "cannot start the", NULL);
    lzma_action action = LZMA_RUN;
    int rc = -1;
    for (;;) {
        if (s.avail_in == 0 && action == LZMA_RUN) {
            ssize_t n = take_input(j);
            if (n < 0) goto out;
            if (n == 0) action = LZMA_FINISH;
            s.next_in = j->in;
            s.avail_in = (size_t)n;
        }
        s.next_out = j->out;
        s.avail_out = OUT_BUF;
        lzma_ret ret = lzma_code(&s, action);
        if (emit(j, j->out, OUT_BUF - s.avail_out) < 0) goto out;
        if (ret == LZMA_STREAM_END) break;
        if (ret == LZMA_BUF_ERROR) {
            bad_stream(j, "truncated", "it ends before the end of the compressed data");
            goto out;
        }
        if (ret != LZMA_OK) {
            bad_stream(j, "corrupt", lzma_why(ret));
            goto out;
        }
    }
    rc = 0;
out:
    lzma_end(&s);
    return rc;
}

static int inflate_zstd(inflate_job *j) {
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds) return bad_stream(j, "cannot start the", NULL);
    size_t last = 1; /* 0 once a frame is complete: at the end of the input that is success */
    int rc = -1;
    for (;;) {
        ssize_t n = take_input(j);
        if (n < 0) goto out;
        if (n == 0) break;
        ZSTD_inBuffer in = {j->in, (size_t)n, 0};
        /* Until the input is used up and a call leaves room in the output (nothing held back). */
        for (bool full = true; in.pos < in.size || full;) {
            ZSTD_outBuffer out = {j->out, OUT_BUF, 0};
            last = ZSTD_decompressStream(ds, &out, &in);
            if (ZSTD_isError(last)) {
                bad_stream(j, "corrupt", ZSTD_getErrorName(last));
                goto out;
            }
            if (emit(j, j->out, out.pos) < 0) goto out;
            full = out.pos == OUT_BUF;
        }
    }
    if (last != 0) {
        bad_stream(j, "truncated", "it ends before the end of the compressed data");
        goto out;
    }
    rc = 0;
out:
    ZSTD_freeDStream(ds);
    return rc;
}

int host_image_inflate(int in_fd, const char *format, const char *path, int out_fd,
                       const char *tmp_dir, uint64_t *size, char *err, size_t errlen) {
    inflate_job j = {.in_fd = in_fd,
                     .out_fd = out_fd,
                     .path = path,
                     .format = format,
                     .tmp_dir = tmp_dir,
                     .err = err,
                     .errlen = errlen};
    if (lseek(in_fd, 0, SEEK_SET) < 0) {
        snprintf(err, errlen, "%s: cannot read the image: %s", path, strerror(errno));
        return -1;
    }
    j.in = malloc(IN_BUF);
    j.out = malloc(OUT_BUF);
    int rc = -1;
    if (!j.in || !j.out)
        snprintf(err, errlen, "%s: out of memory for decompression", path);
    else if (strcmp(format, "gzip") == 0)
        rc = inflate_gzip(&j);
    else if (strcmp(format, "xz") == 0)
        rc = inflate_xz(&j);
    else if (strcmp(format, "zstd") == 0)
        rc = inflate_zstd(&j);
    else
        snprintf(err, errlen, "%s: SD image is %s-compressed; decompress it first", path, format);
    if (rc == 0 && ftruncate(out_fd, (off_t)j.out_pos) < 0) {
        snprintf(err, errlen, "%s: cannot decompress the image into %s: %s", path, tmp_dir,
                 strerror(errno));
        rc = -1;
    }
    free(j.in);
    free(j.out);
    *size = j.out_pos;
    return rc;
}
