/* Read-only FAT12/16/32 (facts from Microsoft's FAT specification: the BPB layout, the
 * cluster-count rule that decides the FAT type, end-of-chain values, VFAT long-name entries). */
#include "loader/fat.h"
#include "loader/loader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR_ENTRY_SIZE      32
#define ATTR_VOLUME_ID      0x08
#define ATTR_DIRECTORY      0x10
#define ATTR_LONG_NAME      0x0f
#define LFN_CHARS_PER_ENTRY 13
#define LFN_MAX_ENTRIES     20
#define MAX_DIR_BYTES       (65536u * DIR_ENTRY_SIZE) /* the specification's entry limit */
#define FAT_CACHE_BYTES     4096u

struct fat_volume {
    const disk_reader *d;
    uint64_t base; /* partition start in the image */
    fat_type type;
    uint32_t bytes_per_sector, cluster_bytes;
    uint64_t fat_offset; /* bytes, from base */
    uint64_t fat_bytes;
    uint64_t root_offset; /* FAT12/16: fixed root directory, from base */
    uint32_t root_bytes;
    uint32_t root_cluster; /* FAT32 */
    uint64_t data_offset;  /* cluster 2, from base */
    uint32_t max_cluster;  /* highest valid cluster number */
    uint8_t cache[FAT_CACHE_BYTES];
    uint64_t cache_start; /* FAT byte offset of cache[0]; UINT64_MAX: empty */
    uint64_t cache_len;
};

static uint16_t le16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool is_power_of_two(uint32_t v) {
    return v && !(v & (v - 1));
}

fat_type fat_volume_type(const fat_volume *v) {
    return v->type;
}
uint32_t fat_cluster_bytes(const fat_volume *v) {
    return v->cluster_bytes;
}
uint64_t fat_table_offset(const fat_volume *v) {
    return v->base + v->fat_offset;
}
uint64_t fat_cluster_offset(const fat_volume *v, uint32_t cluster) {
    return v->base + v->data_offset + (uint64_t)(cluster - 2) * v->cluster_bytes;
}

static int corrupt(const fat_volume *v, char *err, size_t errlen, const char *what) {
    snprintf(err, errlen, "%s: corrupt FAT file system (%s)", v->d->name, what);
    return -1;
}

int fat_open(const disk_reader *d, uint64_t offset, uint64_t size, fat_volume **out, char *err,
             size_t errlen) {
    *out = NULL;
    uint8_t bs[512];
    if (size < sizeof bs || offset > d->size || d->size - offset < sizeof bs) {
        snprintf(err, errlen,
                 "%s: FAT partition at 0x%" PRIx64 " is too small or outside the image", d->name,
                 offset);
        return -1;
    }
    if (disk_read(d, offset, bs, sizeof bs, err, errlen)) return -1;
    fat_volume tmp = {.d = d, .base = offset};
    fat_volume *v = &tmp;
    if (bs[510] != 0x55 || bs[511] != 0xaa)
        return corrupt(v, err, errlen, "boot sector lacks the 55 aa signature");
    uint32_t bps = le16(bs + 11), spc = bs[13], reserved = le16(bs + 14), nfats = bs[16];
    uint32_t root_entries = le16(bs + 17);
    uint32_t total = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
    uint32_t fat_sectors = le16(bs + 22) ? le16(bs + 22) : le32(bs + 36);
    if (bps < 512 || bps > 4096 || !is_power_of_two(bps))
        return corrupt(v, err, errlen, "bad bytes-per-sector in boot sector");
    if (!is_power_of_two(spc)) return corrupt(v, err, errlen, "bad sectors-per-cluster");
    if (reserved == 0 || nfats == 0 || total == 0 || fat_sectors == 0)
        return corrupt(v, err, errlen, "zero reserved sectors, FAT count, size or FAT size");
    uint64_t root_sectors = ((uint64_t)root_entries * DIR_ENTRY_SIZE + bps - 1) / bps;
    uint64_t meta = reserved + (uint64_t)nfats * fat_sectors + root_sectors;
    if (meta >= total) return corrupt(v, err, errlen, "metadata larger than the volume");
    if ((uint64_t)total * bps > size) {
        snprintf(err, errlen,
                 "%s: FAT file system (%" PRIu64 " bytes) is larger than its partition (%" PRIu64
                 " bytes): truncated image?",
                 d->name, (uint64_t)total * bps, size);
        return -1;
    }
    uint64_t clusters = (total - meta) / spc;
    if (clusters == 0) return corrupt(v, err, errlen, "no data clusters");
    /* The type follows from the cluster count alone (the specification is explicit). */
    v->type = clusters < 4085 ? FAT_TYPE_12 : clusters < 65525 ? FAT_TYPE_16 : FAT_TYPE_32;
    if (v->type == FAT_TYPE_32 && clusters > 0x0ffffff5)
        return corrupt(v, err, errlen, "too many clusters");
    v->bytes_per_sector = bps;
    v->cluster_bytes = bps * spc;
    v->fat_offset = (uint64_t)reserved * bps;
    v->fat_bytes = (uint64_t)fat_sectors * bps;
    v->root_offset = (reserved + (uint64_t)nfats * fat_sectors) * bps;
    v->root_bytes = (uint32_t)(root_sectors * bps);
    v->data_offset = meta * bps;
    v->max_cluster = (uint32_t)(clusters + 1);
    uint64_t fat_bits = (uint64_t)(clusters + 2) * (v->type == FAT_TYPE_12 ? 12 : v->type);
    if (v->fat_bytes * 8 < fat_bits) return corrupt(v, err, errlen, "FAT too small for the volume");
    if (v->type == FAT_TYPE_32) {
        if (root_entries != 0) return corrupt(v, err, errlen, "FAT32 with a fixed root directory");
        v->root_cluster = le32(bs + 44);
        if (v->root_cluster < 2 || v->root_cluster > v->max_cluster)
            return corrupt(v, err, errlen, "root directory cluster out of range");
    } else if (root_entries == 0) {
        return corrupt(v, err, errlen, "no root directory entries");
    }
    v->cache_start = UINT64_MAX;
    fat_volume *heap = malloc(sizeof *heap);
    if (!heap) {
        snprintf(err, errlen, "%s: out of memory", d->name);
        return -1;
    }
    *heap = tmp;
    *out = heap;
    return 0;
}

void fat_close(fat_volume *v) {
    free(v);
}

/* Reads n (<= 4) bytes of the FAT at a byte offset through a small window cache: chain walks
 * touch neighbouring entries. */
static int read_fat_bytes(fat_volume *v, uint64_t off, uint8_t *buf, unsigned n, char *err,
                          size_t errlen) {
    if (off + n > v->fat_bytes) return corrupt(v, err, errlen, "FAT entry outside the FAT");
    if (v->cache_start == UINT64_MAX || off < v->cache_start ||
        off + n > v->cache_start + v->cache_len) {
        uint64_t start = off & ~(uint64_t)(FAT_CACHE_BYTES - 1);
        if (off + n > start + FAT_CACHE_BYTES) start = off; /* entry straddles a window edge */
        uint64_t len =
            v->fat_bytes - start < FAT_CACHE_BYTES ? v->fat_bytes - start : FAT_CACHE_BYTES;
        if (disk_read(v->d, v->base + v->fat_offset + start, v->cache, (size_t)len, err, errlen))
            return -1;
        v->cache_start = start;
        v->cache_len = len;
    }
    memcpy(buf, v->cache + (off - v->cache_start), n);
    return 0;
}

typedef enum { NEXT_CLUSTER, END_OF_CHAIN } chain_step;

/* The FAT entry of cluster c: the next cluster, or the end of the chain. Free, reserved, bad and
 * out-of-range values inside a chain are corruption. */
static int next_cluster(fat_volume *v, uint32_t c, uint32_t *next, chain_step *step,
                        const char *what, char *err, size_t errlen) {
    uint8_t b[4] = {0};
    uint32_t val, eoc_min, bad;
    if (v->type == FAT_TYPE_12) {
        if (read_fat_bytes(v, c + c / 2, b, 2, err, errlen)) return -1;
        val = le16(b);
        val = (c & 1) ? val >> 4 : val & 0xfff;
        eoc_min = 0xff8;
        bad = 0xff7;
    } else if (v->type == FAT_TYPE_16) {
        if (read_fat_bytes(v, (uint64_t)c * 2, b, 2, err, errlen)) return -1;
        val = le16(b);
        eoc_min = 0xfff8;
        bad = 0xfff7;
    } else {
        if (read_fat_bytes(v, (uint64_t)c * 4, b, 4, err, errlen)) return -1;
        val = le32(b) & 0x0fffffff;
        eoc_min = 0x0ffffff8;
        bad = 0x0ffffff7;
    }
    if (val >= eoc_min) {
        *step = END_OF_CHAIN;
        return 0;
    }
    char why[LOADER_MSG_MAX];
    if (val == bad)
        snprintf(why, sizeof why, "cluster chain of '%s' reaches a bad cluster", what);
    else if (val < 2)
        snprintf(why, sizeof why, "cluster chain of '%s' reaches a free cluster", what);
    else if (val > v->max_cluster)
        snprintf(why, sizeof why, "cluster chain of '%s' leaves the volume (cluster %" PRIu32 ")",
                 what, val);
    else {
        *next = val;
        *step = NEXT_CLUSTER;
        return 0;
    }
    return corrupt(v, err, errlen, why);
}

/* Reads a cluster chain into a new buffer. want_bytes: the file size (the chain must hold at
 * least that many bytes; reading stops there), or 0 with limit for directories (read to the end
 * of the chain, at most limit bytes). A bitmap of visited clusters turns a loop into an error. */
static int read_chain(fat_volume *v, uint32_t first, uint64_t want_bytes, uint64_t limit,
                      const char *what, uint8_t **out, size_t *out_len, char *err, size_t errlen) {
    *out = NULL;
    *out_len = 0;
    char why[LOADER_MSG_MAX];
    if (first < 2 || first > v->max_cluster) {
        snprintf(why, sizeof why, "'%s' starts at cluster %" PRIu32 ", outside the volume", what,
                 first);
        return corrupt(v, err, errlen, why);
    }
    bool is_file = want_bytes != 0;
    uint64_t cap = is_file ? want_bytes : limit;
    uint8_t *visited = calloc(((size_t)v->max_cluster + 8) / 8, 1);
    size_t buf_cap = is_file ? (size_t)want_bytes : v->cluster_bytes;
    uint8_t *buf = malloc(buf_cap ? buf_cap : 1);
    if (!visited || !buf) {
        free(visited);
        free(buf);
        snprintf(err, errlen, "%s: out of memory reading '%s'", v->d->name, what);
        return -1;
    }
    uint64_t have = 0;
    uint32_t c = first;
    /* Contiguous runs of clusters are read with one call. */
    uint32_t run_start = c, run_len = 0;
    int rc = -1;
    for (;;) {
        if (visited[c / 8] & (1u << (c % 8))) {
            snprintf(why, sizeof why, "cluster chain of '%s' loops", what);
            corrupt(v, err, errlen, why);
            goto out;
        }
        visited[c / 8] |= (uint8_t)(1u << (c % 8));
        if (run_len && c != run_start + run_len) {
            uint64_t n = (uint64_t)run_len * v->cluster_bytes;
            if (n > cap - have) n = cap - have;
            if (disk_read(v->d, fat_cluster_offset(v, run_start), buf + have, (size_t)n, err,
                          errlen))
                goto out;
            have += n;
            run_start = c;
            run_len = 0;
        }
        if (!run_len) run_start = c;
        run_len++;
        uint64_t pending = have + (uint64_t)run_len * v->cluster_bytes;
        if (is_file && pending >= want_bytes) break; /* trailing clusters are not needed */
        if (!is_file) {
            if (pending > limit) {
                snprintf(why, sizeof why, "directory '%s' is larger than %" PRIu64 " bytes", what,
                         limit);
                corrupt(v, err, errlen, why);
                goto out;
            }
            if (pending > buf_cap) {
                size_t ncap = (size_t)(pending * 2 > limit ? limit : pending * 2);
                uint8_t *nb = realloc(buf, ncap);
                if (!nb) {
                    snprintf(err, errlen, "%s: out of memory reading '%s'", v->d->name, what);
                    goto out;
                }
                buf = nb;
                buf_cap = ncap;
            }
        }
        uint32_t next = 0;
        chain_step step;
        if (next_cluster(v, c, &next, &step, what, err, errlen)) goto out;
        if (step == END_OF_CHAIN) {
            if (is_file) {
                snprintf(why, sizeof why,
                         "cluster chain of '%s' ends after %" PRIu64 " bytes, file size %" PRIu64,
                         what, pending, want_bytes);
                corrupt(v, err, errlen, why);
                goto out;
            }
            break;
        }
        c = next;
    }
    uint64_t n = (uint64_t)run_len * v->cluster_bytes;
    if (n > cap - have) n = cap - have;
    if (disk_read(v->d, fat_cluster_offset(v, run_start), buf + have, (size_t)n, err, errlen))
        goto out;
    have += n;
    *out = buf;
    *out_len = (size_t)have;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    free(visited);
    return rc;
}

static unsigned char ascii_lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool name_equal(const char *a, const char *b, size_t b_len) {
    size_t i = 0;
    for (; i < b_len && a[i]; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i])) return false;
    return i == b_len && a[i] == 0;
}

/* "KERNEL8 IMG" -> "KERNEL8.IMG", honouring the NT lower-case flags (byte 12). */
static void format_short_name(const uint8_t *e, char out[13]) {
    size_t n = 0;
    bool lower_base = e[12] & 0x08, lower_ext = e[12] & 0x10;
    for (int i = 0; i < 8 && e[i] != ' '; i++) {
        unsigned char c = (i == 0 && e[0] == 0x05) ? 0xe5 : e[i];
        out[n++] = (char)(lower_base ? ascii_lower(c) : c);
    }
    if (e[8] != ' ') {
        out[n++] = '.';
        for (int i = 8; i < 11 && e[i] != ' '; i++)
            out[n++] = (char)(lower_ext ? ascii_lower(e[i]) : e[i]);
    }
    out[n] = 0;
}

static uint8_t short_name_checksum(const uint8_t *name11) {
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
    return sum;
}

/* Collects VFAT long-name pieces, which precede their short entry in reverse order. */
typedef struct lfn_state {
    uint16_t chars[LFN_MAX_ENTRIES * LFN_CHARS_PER_ENTRY];
    int expect; /* next sequence number expected; 0: no name in progress */
    int total;
    uint8_t checksum;
} lfn_state;

static void lfn_feed(lfn_state *s, const uint8_t *e) {
    static const int offsets[LFN_CHARS_PER_ENTRY] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    int seq = e[0] & 0x3f;
    if (e[0] & 0x40) {
        if (seq < 1 || seq > LFN_MAX_ENTRIES) {
            s->expect = 0;
            return;
        }
        memset(s->chars, 0xff, sizeof s->chars);
        s->total = seq;
        s->expect = seq;
        s->checksum = e[13];
    } else if (!s->expect || seq != s->expect || e[13] != s->checksum) {
        s->expect = 0; /* out of order: drop the long name, keep the 8.3 one */
        return;
    }
    for (int i = 0; i < LFN_CHARS_PER_ENTRY; i++)
        s->chars[(seq - 1) * LFN_CHARS_PER_ENTRY + i] = le16(e + offsets[i]);
    s->expect = seq - 1 == 0 ? -1 : seq - 1; /* -1: complete */
}

/* Converts a complete long name to UTF-8; false when it does not fit or is empty. */
static bool lfn_to_utf8(const lfn_state *s, char *out, size_t cap) {
    size_t n = 0;
    for (int i = 0; i < s->total * LFN_CHARS_PER_ENTRY; i++) {
        uint16_t c = s->chars[i];
        if (c == 0 || c == 0xffff) break;
        if (c < 0x80) {
            if (n + 1 >= cap) return false;
            out[n++] = (char)c;
        } else if (c < 0x800) {
            if (n + 2 >= cap) return false;
            out[n++] = (char)(0xc0 | c >> 6);
            out[n++] = (char)(0x80 | (c & 0x3f));
        } else {
            if (n + 3 >= cap) return false;
            out[n++] = (char)(0xe0 | c >> 12);
            out[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[n] = 0;
    return n > 0;
}

/* Walks a directory's raw entries; fn returns non-zero to stop (that value is returned). */
typedef int (*entry_fn)(void *ctx, const fat_dirent *e);

static int walk_dir(fat_volume *v, const uint8_t *dir, size_t len, entry_fn fn, void *ctx) {
    lfn_state lfn = {0};
    for (size_t off = 0; off + DIR_ENTRY_SIZE <= len; off += DIR_ENTRY_SIZE) {
        const uint8_t *e = dir + off;
        if (e[0] == 0x00) break; /* end of directory */
        if (e[0] == 0xe5) {
            lfn.expect = 0;
            continue;
        }
        if ((e[11] & 0x3f) == ATTR_LONG_NAME) {
            lfn_feed(&lfn, e);
            continue;
        }
        bool have_lfn = lfn.expect == -1 && lfn.checksum == short_name_checksum(e);
        lfn.expect = 0;
        if (e[11] & ATTR_VOLUME_ID) continue;
        fat_dirent d = {0};
        format_short_name(e, d.short_name);
        if (!strcmp(d.short_name, ".") || !strcmp(d.short_name, "..")) continue;
        if (!have_lfn || !lfn_to_utf8(&lfn, d.name, sizeof d.name))
            memcpy(d.name, d.short_name, sizeof d.short_name);
        d.is_dir = e[11] & ATTR_DIRECTORY;
        d.size = le32(e + 28);
        d.first_cluster = le16(e + 26);
        if (v->type == FAT_TYPE_32) d.first_cluster |= (uint32_t)le16(e + 20) << 16;
        int rc = fn(ctx, &d);
        if (rc) return rc;
    }
    return 0;
}

static int read_root(fat_volume *v, uint8_t **dir, size_t *len, char *err, size_t errlen) {
    if (v->type == FAT_TYPE_32)
        return read_chain(v, v->root_cluster, 0, MAX_DIR_BYTES, "/", dir, len, err, errlen);
    *dir = malloc(v->root_bytes);
    if (!*dir) {
        snprintf(err, errlen, "%s: out of memory", v->d->name);
        return -1;
    }
    *len = v->root_bytes;
    if (disk_read(v->d, v->base + v->root_offset, *dir, v->root_bytes, err, errlen)) {
        free(*dir);
        *dir = NULL;
        return -1;
    }
    return 0;
}

typedef struct find_ctx {
    const char *name;
    size_t name_len;
    fat_dirent found;
} find_ctx;

static int find_entry(void *ctx, const fat_dirent *e) {
    find_ctx *f = ctx;
    if (name_equal(e->name, f->name, f->name_len) ||
        name_equal(e->short_name, f->name, f->name_len)) {
        f->found = *e;
        return 1;
    }
    return 0;
}

/* Reads the directory named by path into *dir, or resolves path's final entry into *entry when
 * entry is non-NULL (then *dir is not returned). */
static int resolve(fat_volume *v, const char *path, fat_dirent *entry, uint8_t **dir_out,
                   size_t *dir_len, char *err, size_t errlen) {
    uint8_t *dir = NULL;
    size_t len = 0;
    if (read_root(v, &dir, &len, err, errlen)) return -1;
    fat_dirent current = {.name = "/", .is_dir = true};
    const char *p = path;
    bool is_root = true;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) break;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
            p += n;
            continue;
        }
        if (!current.is_dir) {
            free(dir);
            snprintf(err, errlen, "%s: '%.*s' in '%s' is not a directory", v->d->name,
                     (int)(p - path - 1), path, path);
            return FAT_NOT_FOUND;
        }
        if (!is_root || dir == NULL) {
            free(dir);
            dir = NULL;
            if (current.first_cluster == 0) {
                char why[LOADER_MSG_MAX];
                snprintf(why, sizeof why, "directory '%.*s' has no clusters", (int)(p - path),
                         path);
                return corrupt(v, err, errlen, why);
            }
            char what[300];
            snprintf(what, sizeof what, "%.*s", (int)(p - path), path);
            if (read_chain(v, current.first_cluster, 0, MAX_DIR_BYTES, what, &dir, &len, err,
                           errlen))
                return -1;
        }
        find_ctx f = {.name = p, .name_len = n};
        if (!walk_dir(v, dir, len, find_entry, &f)) {
            free(dir);
            snprintf(err, errlen, "%s: no '%s' on the FAT partition", v->d->name, path);
            return FAT_NOT_FOUND;
        }
        current = f.found;
        is_root = false;
        p += n;
    }
    if (entry) {
        free(dir);
        *entry = current;
        return 0;
    }
    if (!current.is_dir) {
        free(dir);
        snprintf(err, errlen, "%s: '%s' is not a directory", v->d->name, path);
        return FAT_NOT_FOUND;
    }
    if (!is_root) {
        free(dir);
        dir = NULL;
        if (read_chain(v, current.first_cluster, 0, MAX_DIR_BYTES, path, &dir, &len, err, errlen))
            return -1;
    }
    *dir_out = dir;
    *dir_len = len;
    return 0;
}

int fat_lookup(fat_volume *v, const char *path, fat_dirent *out, char *err, size_t errlen) {
    return resolve(v, path, out, NULL, NULL, err, errlen);
}

int fat_read_file(fat_volume *v, const char *path, size_t max_len, uint8_t **data, size_t *len,
                  char *err, size_t errlen) {
    *data = NULL;
    *len = 0;
    fat_dirent e;
    int rc = fat_lookup(v, path, &e, err, errlen);
    if (rc) return rc;
    if (e.is_dir) {
        snprintf(err, errlen, "%s: '%s' is a directory, not a file", v->d->name, path);
        return -1;
    }
    if (e.size > max_len) {
        snprintf(err, errlen, "%s: '%s' is %" PRIu32 " bytes, larger than the %zu-byte limit",
                 v->d->name, path, e.size, max_len);
        return -1;
    }
    if (e.size == 0) {
        *data = malloc(1);
        if (!*data) {
            snprintf(err, errlen, "%s: out of memory", v->d->name);
            return -1;
        }
        return 0;
    }
    if ((uint64_t)e.size > (uint64_t)(v->max_cluster - 1) * v->cluster_bytes) {
        char why[LOADER_MSG_MAX];
        snprintf(why, sizeof why, "'%s' claims %" PRIu32 " bytes, more than the volume holds", path,
                 e.size);
        return corrupt(v, err, errlen, why);
    }
    return read_chain(v, e.first_cluster, e.size, 0, path, data, len, err, errlen);
}

typedef struct list_ctx {
    fat_list_fn fn;
    void *ctx;
} list_ctx;

static int list_entry(void *ctx, const fat_dirent *e) {
    list_ctx *l = ctx;
    return l->fn(l->ctx, e);
}

int fat_list_dir(fat_volume *v, const char *path, fat_list_fn fn, void *ctx, char *err,
                 size_t errlen) {
    uint8_t *dir = NULL;
    size_t len = 0;
    int rc = resolve(v, path, NULL, &dir, &len, err, errlen);
    if (rc) return rc;
    list_ctx l = {fn, ctx};
    walk_dir(v, dir, len, list_entry, &l);
    free(dir);
    return 0;
}
