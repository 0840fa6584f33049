/* FAT12/16/32 reader (loader/fat.c): the input is the start of a volume (the boot partition's
 * bytes) in a 64 MiB partition whose remaining bytes read as zeros, so a small input can be a
 * FAT16 or FAT32 volume (seeds: their metadata and first clusters). Opens it, walks every directory
 * (a few levels deep), reads every file and looks up the names the firmware asks for. */
#include "fuzz_util.h"
#include "loader/fat.h"

#define MAX_DEPTH 4

typedef struct walk {
    fat_volume *v;
    char path[1024];
    int depth;
    unsigned entries;
} walk;

static int visit(void *ctx, const fat_dirent *e);

static void walk_dir(walk *w) {
    char err[512];
    if (fat_list_dir(w->v, w->path, visit, w, err, sizeof err) < 0 && !err[0]) abort();
}

static int visit(void *ctx, const fat_dirent *e) {
    walk *w = ctx;
    if (strnlen(e->name, sizeof e->name) == sizeof e->name) abort(); /* unterminated */
    if (strnlen(e->short_name, sizeof e->short_name) == sizeof e->short_name) abort();
    if (++w->entries > 2000) return 1;
    size_t n = strlen(w->path);
    if (n + 1 + strlen(e->name) + 1 > sizeof w->path) return 0;
    snprintf(w->path + n, sizeof w->path - n, "/%s", e->name);
    char err[512];
    if (e->is_dir) {
        if (w->depth < MAX_DEPTH) {
            w->depth++;
            walk_dir(w);
            w->depth--;
        }
    } else {
        uint8_t *data = NULL;
        size_t len = 0;
        int rc = fat_read_file(w->v, w->path, 1u << 20, &data, &len, err, sizeof err);
        if (rc == 0) {
            if (!data || len > (1u << 20)) abort();
            if (len) (void)((volatile uint8_t *)data)[len - 1];
        }
        free(data);
    }
    fat_dirent found;
    (void)fat_lookup(w->v, w->path, &found, err, sizeof err);
    w->path[n] = 0;
    return 0;
}

#define VOLUME_SIZE (64ull << 20)

static int zero_extended_read(void *ctx, uint64_t offset, void *buf, size_t len) {
    const fuzz_mem *m = ctx;
    if (offset > VOLUME_SIZE || len > VOLUME_SIZE - offset) return -1;
    size_t have = offset < m->len ? m->len - (size_t)offset : 0;
    if (have > len) have = len;
    if (have) memcpy(buf, m->data + offset, have);
    memset((uint8_t *)buf + have, 0, len - have);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    fuzz_mem m = {data, len};
    disk_reader d = {
        .read = zero_extended_read, .ctx = &m, .size = VOLUME_SIZE, .name = "fuzz.img"};
    if (len > VOLUME_SIZE) return 0;
    fat_volume *v;
    char err[512];
    if (fat_open(&d, 0, VOLUME_SIZE, &v, err, sizeof err)) {
        if (!err[0]) abort();
        return 0;
    }
    (void)fat_volume_type(v);
    (void)fat_cluster_bytes(v);
    walk w = {.v = v};
    walk_dir(&w);
    static const char *const names[] = {
        "config.txt", "/cmdline.txt", "overlays/x.dtbo", "KERNEL8.IMG", "a/b/c/d", "", "/"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        uint8_t *buf = NULL;
        size_t n = 0;
        (void)fat_read_file(v, names[i], 1u << 20, &buf, &n, err, sizeof err);
        free(buf);
    }
    fat_close(v);
    return 0;
}
