/* The SD card's host side: image sizes (odd, SDHC/SDXC boundaries, a sparse 64 GiB card) as the
 * card reports them in CSD and SCR, the padding past the file's end, copy-on-write vs
 * write-through, gzip/xz images (content, sparseness, no temp files, sharing), and the one-line
 * errors (corrupt/truncated streams, read-only files, locks, empty files). */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "peripherals/sd_card.h"
#include "peripherals/sd_image.h"
#include "soc/host_image.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

static char dir[256], tmp_dir[300];

static const char *path_in(const char *name) {
    static char buf[16][400]; /* a ring: each test uses a few paths at a time */
    static unsigned n;
    char *p = buf[n++ % 16];
    snprintf(p, 400, "%s/%s", dir, name);
    return p;
}

static int sh(const char *fmt, const char *a, const char *b) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    return system(cmd);
}

/* A sparse file of size bytes with 512 bytes of pattern at each offset in at[] (n of them). */
static void make_file(const char *path, uint64_t size, const uint64_t *at, unsigned n) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
    for (unsigned i = 0; i < n; i++) {
        uint8_t block[512];
        for (unsigned j = 0; j < sizeof block; j++)
            block[j] = (uint8_t)(at[i] / 512 + j * 7 + 1);
        size_t len = size - at[i] < sizeof block ? (size_t)(size - at[i]) : sizeof block;
        CHECK(pwrite(fd, block, len, (off_t)at[i]) == (ssize_t)len);
    }
    close(fd);
}

static uint64_t file_size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static bool same_bytes(const char *a, const char *b) {
    return sh("cmp -s '%s' '%s'", a, b) == 0;
}

/* ---- the card's view: identification, CSD, SCR, block reads and writes ---- */

static uint32_t rca;

static void identify(sd_card *c) {
    uint32_t r[4];
    sd_card_command(c, 0, 0, r);
    CHECK_EQ_U64(sd_card_command(c, 8, 0x1AA, r), 48);
    for (int i = 0; i < 10; i++) {
        sd_card_command(c, 55, 0, r);
        sd_card_command(c, 41, 0x40FF8000, r);
        if (r[0] & SD_OCR_BUSY) break;
    }
    CHECK(r[0] & SD_OCR_BUSY);
    CHECK(r[0] & SD_OCR_CCS);
    CHECK_EQ_U64(sd_card_command(c, 2, 0, r), 136);
    CHECK_EQ_U64(sd_card_command(c, 3, 0, r), 48);
    rca = r[0] >> 16;
}

static uint32_t csd_c_size(sd_card *c) {
    uint32_t r[4];
    CHECK_EQ_U64(sd_card_command(c, 9, rca << 16, r), 136);
    CHECK_EQ_U64(r[3] >> 30, 1);             /* CSD_STRUCTURE: version 2.0 */
    return (r[2] & 0x3F) << 16 | r[1] >> 16; /* bits 69..48 */
}

static void select_card(sd_card *c) {
    uint32_t r[4];
    CHECK_EQ_U64(sd_card_command(c, 7, rca << 16, r), 48);
}

static unsigned scr_security(sd_card *c) {
    uint32_t r[4];
    uint8_t scr[8] = {0};
    sd_card_command(c, 55, rca << 16, r);
    CHECK_EQ_U64(sd_card_command(c, 51, 0, r), 48);
    CHECK_EQ_U64(sd_card_read_data(c, scr, sizeof scr), sizeof scr);
    return (scr[1] >> 4) & 7; /* SD_SECURITY, bits 54..52 */
}

static bool read_block(sd_card *c, uint64_t block, uint8_t *buf) {
    uint32_t r[4];
    sd_card_command(c, 17, (uint32_t)block, r);
    if (sd_card_data_state(c) != SD_DATA_READ) return false;
    return sd_card_read_data(c, buf, 512) == 512;
}

static bool write_block(sd_card *c, uint64_t block, const uint8_t *buf) {
    uint32_t r[4];
    sd_card_command(c, 24, (uint32_t)block, r);
    if (sd_card_data_state(c) != SD_DATA_WRITE) return false;
    return sd_card_write_data(c, buf, 512) == 512;
}

static sd_card *open_card(const char *path, sd_image_mode mode, sd_image **img) {
    char err[300];
    *img = sd_image_open(path, mode, err, sizeof err);
    if (!*img) {
        fprintf(stderr, "%s\n", err);
        CHECK(!"sd_image_open");
        return NULL;
    }
    sd_card *c = sd_card_new(*img);
    CHECK(c != NULL);
    identify(c);
    return c;
}

static void close_card(sd_card *c, sd_image *img) {
    sd_card_free(c);
    sd_image_close(img);
}

/* 300 MiB + 3 sectors: the capacity rounds up to 512 KiB, the padding reads zeros, writes there
 * never reach the file. */
static void test_odd_size(void) {
    const uint64_t size = 300 * MiB + 3 * 512, last = size - 512;
    const char *odd = path_in("odd.img"), *orig = path_in("odd.orig");
    const uint64_t at[] = {0, 5 * 512, last};
    make_file(odd, size, at, 3);
    CHECK(sh("cp --sparse=always '%s' '%s'", odd, orig) == 0);

    sd_image *img;
    sd_card *c = open_card(odd, SD_IMAGE_COPY_ON_WRITE, &img);
    CHECK_EQ_U64(sd_card_capacity(c), 601 * 512 * 1024ull);
    CHECK_EQ_U64(csd_c_size(c), 600);
    CHECK(!sd_card_is_sdxc(c));
    select_card(c);
    CHECK_EQ_U64(scr_security(c), 3);
    uint8_t buf[512], zeros[512] = {0}, data[512];
    CHECK(read_block(c, last / 512, buf));
    CHECK_EQ_U64(buf[0], (uint8_t)(last / 512 + 1));
    CHECK(read_block(c, size / 512, buf)); /* past the file, inside the card */
    CHECK(memcmp(buf, zeros, 512) == 0);
    CHECK(!read_block(c, 601 * 1024, buf)); /* past the card */
    memset(data, 0xA5, sizeof data);
    CHECK(write_block(c, 5, data));
    CHECK(write_block(c, size / 512 + 1, data));
    CHECK(read_block(c, 5, buf) && memcmp(buf, data, 512) == 0);
    CHECK(read_block(c, size / 512 + 1, buf) && memcmp(buf, data, 512) == 0);
    close_card(c, img);
    CHECK(same_bytes(odd, orig)); /* copy-on-write: the file never changes */

    c = open_card(odd, SD_IMAGE_WRITE_THROUGH, &img);
    select_card(c);
    CHECK(write_block(c, 5, data));
    CHECK(write_block(c, size / 512 + 1, data)); /* the padding: memory only */
    CHECK(read_block(c, size / 512 + 1, buf) && memcmp(buf, data, 512) == 0);
    close_card(c, img);
    CHECK_EQ_U64(file_size_of(odd), size);
    int fd = open(odd, O_RDONLY);
    CHECK(pread(fd, buf, 512, 5 * 512) == 512 && memcmp(buf, data, 512) == 0);
    close(fd);
    CHECK(!same_bytes(odd, orig));
    unlink(odd);
    unlink(orig);
}

/* SDHC up to 32 GiB - 512 KiB, SDXC from 32 GiB (C_SIZE 0xFFFF); a sparse 64 GiB image. */
static void test_sdxc(void) {
    static const struct {
        uint64_t size;
        uint32_t c_size;
        bool sdxc;
    } cases[] = {
        {32 * GiB - 512 * 1024, 0xFFFE, false},
        {32 * GiB, 0xFFFF, true},
        {64 * GiB, 0x1FFFF, true},
    };
    const char *big = path_in("big.img");
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint64_t at[] = {cases[i].size - 512};
        make_file(big, cases[i].size, at, 1);
        sd_image *img;
        sd_card *c = open_card(big, SD_IMAGE_COPY_ON_WRITE, &img);
        CHECK_EQ_U64(csd_c_size(c), cases[i].c_size);
        CHECK_EQ_U64(sd_card_is_sdxc(c), cases[i].sdxc);
        select_card(c);
        CHECK_EQ_U64(scr_security(c), cases[i].sdxc ? 4 : 3);
        uint8_t buf[512];
        CHECK(read_block(c, cases[i].size / 512 - 1, buf));
        CHECK_EQ_U64(buf[0], (uint8_t)(cases[i].size / 512 - 1 + 1));
        close_card(c, img);
    }
    unlink(big);
}

/* ---- compressed images ---- */

static unsigned entries_in(const char *path) {
    DIR *d = opendir(path);
    unsigned n = 0;
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_compressed(void) {
    char raw[400];
    snprintf(raw, sizeof raw, "%s", path_in("small.img"));
    const uint64_t size = 8 * MiB + 512; /* not a multiple of the 4 KiB hole block either */
    const uint64_t at[] = {0, 512, 6 * MiB, size - 512};
    make_file(raw, size, at, 4);
    static const struct {
        const char *format, *tool;
    } kinds[] = {{"gzip", "gzip -c"}, {"xz", "xz -0 -c"}, {"zstd", "zstd -q -1 -c"}};
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char name[64];
        snprintf(name, sizeof name, "small.img.%s", kinds[k].format);
        const char *packed = path_in(name);
        char full[1200];
        snprintf(full, sizeof full, "%s '%s' > '%s'", kinds[k].tool, raw, packed);
        CHECK(system(full) == 0);

        char err[300];
        host_image *h = host_image_open(packed, false, err, sizeof err);
        CHECK(h != NULL);
        if (!h) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        CHECK_EQ_U64(host_image_size(h), size);
        CHECK(host_image_compression(h) && strcmp(host_image_compression(h), kinds[k].format) == 0);
        CHECK_EQ_U64(entries_in(tmp_dir), 0); /* the copy has no name */
        struct stat st;
        CHECK(fstat(host_image_fd(h), &st) == 0);
        CHECK((uint64_t)st.st_blocks * 512 < 1 * MiB); /* zeros stayed holes */
        /* The same file again (as the firmware loader opens it): the same copy. */
        host_image *again = host_image_open(packed, false, err, sizeof err);
        CHECK(again == h);
        host_image_close(again);
        /* Byte for byte the raw image. */
        int fd = open(raw, O_RDONLY);
        uint8_t a[64 * 1024], b[64 * 1024];
        bool same = true;
        for (uint64_t off = 0; off < size && same; off += sizeof a) {
            ssize_t n = pread(fd, a, sizeof a, (off_t)off);
            same = n > 0 && pread(host_image_fd(h), b, (size_t)n, (off_t)off) == n &&
                   memcmp(a, b, (size_t)n) == 0;
        }
        CHECK(same);
        close(fd);
        /* The card over it reads the same. */
        sd_image *img = sd_image_open(packed, SD_IMAGE_COPY_ON_WRITE, err, sizeof err);
        CHECK(img != NULL);
        if (img) {
            uint8_t blk[512];
            CHECK(sd_image_read(img, 6 * MiB, blk, sizeof blk, err, sizeof err) == 0);
            CHECK_EQ_U64(blk[0], (uint8_t)(6 * MiB / 512 + 1));
            sd_image_close(img);
        }
        host_image_close(h);
        CHECK_EQ_U64(entries_in(tmp_dir), 0);

        /* --sd-write needs an uncompressed image. */
        CHECK(host_image_open(packed, true, err, sizeof err) == NULL);
        CHECK_STR_CONTAINS(err, packed);
        CHECK_STR_CONTAINS(err, "needs an uncompressed image");

        /* Truncated and corrupt streams: one line naming the file. */
        uint64_t packed_size = file_size_of(packed);
        const char *cut = path_in("cut.img.z");
        int in = open(packed, O_RDONLY), out = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        uint8_t *whole = malloc(packed_size);
        CHECK(whole && read(in, whole, packed_size) == (ssize_t)packed_size);
        CHECK(write(out, whole, packed_size / 2) == (ssize_t)(packed_size / 2));
        close(out);
        CHECK(host_image_open(cut, false, err, sizeof err) == NULL);
        CHECK_STR_CONTAINS(err, cut);
        char want[64];
        snprintf(want, sizeof want, "truncated %s stream", kinds[k].format);
        CHECK_STR_CONTAINS(err, want);
        CHECK(!strchr(err, '\n'));
        for (uint64_t i = packed_size / 3; i < packed_size / 3 + 64; i++)
            whole[i] ^= 0x5A;
        out = open(cut, O_WRONLY | O_TRUNC);
        CHECK(write(out, whole, packed_size) == (ssize_t)packed_size);
        close(out);
        CHECK(host_image_open(cut, false, err, sizeof err) == NULL);
        snprintf(want, sizeof want, "corrupt %s stream", kinds[k].format);
        CHECK_STR_CONTAINS(err, want);
        CHECK_EQ_U64(entries_in(tmp_dir), 0);
        free(whole);
        close(in);
        unlink(cut);
        unlink(packed);
    }
    unlink(raw);
}

/* ---- the copy-on-write overlay lives in a temporary file ---- */

static uint64_t rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %llu", (unsigned long long *)&kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static uint8_t spill_byte(uint64_t off, unsigned round) {
    return (uint8_t)((off * 2654435761u >> 11) ^ round ^ (off >> 20));
}

/* 96 MiB written through the overlay (unaligned pieces, some rewritten) read back exactly, with
 * host memory bounded: the overlay is a nameless file in $TMPDIR, not RAM. It survives a new
 * card on the same image (a guest reboot) and the image file never changes. */
static void test_overlay_spills(void) {
    const char *path = path_in("spill.img");
    const uint64_t at[] = {0, 5 * MiB};
    make_file(path, 8 * MiB, at, 2);
    char copy[400];
    snprintf(copy, sizeof copy, "%s", path_in("spill-copy.img"));
    CHECK(sh("cp '%s' '%s'", path, copy) == 0);
    char err[300];
    sd_image *img = sd_image_open(path, SD_IMAGE_COPY_ON_WRITE, err, sizeof err);
    CHECK(img != NULL);
    if (!img) return;
    CHECK_EQ_U64(entries_in(tmp_dir), 0);
    const uint64_t total = 96 * MiB, piece = 1 * MiB + 100, base = 3 * MiB + 7;
    uint8_t *buf = malloc(piece), *back = malloc(piece);
    uint64_t rss_before = rss_kib(), end = base;
    for (uint64_t off = 0; off < total; off += piece, end += piece) {
        for (uint64_t i = 0; i < piece; i++)
            buf[i] = spill_byte(base + off + i, 1);
        CHECK(sd_image_write(img, base + off, buf, piece, err, sizeof err) == 0);
    }
    /* Rewrite a stretch that straddles written chunks and the image's untouched start. */
    for (uint64_t i = 0; i < piece; i++)
        buf[i] = spill_byte(i, 2);
    CHECK(sd_image_write(img, base - 5000, buf, piece, err, sizeof err) == 0);
    uint64_t rss_after = rss_kib();
    /* An overlay in memory would grow by the data written (96 MiB); this one by a bitmap. */
    CHECK(rss_after < rss_before + 16 * 1024);
    CHECK(sd_image_overlay_bytes(img) >= total);
    CHECK_EQ_U64(entries_in(tmp_dir), 0);

    /* A reboot: a fresh card over the same image sees everything. */
    sd_card *c = sd_card_new(img);
    sd_card_free(c);
    bool same = true;
    for (uint64_t off = 0; off < total + piece && same; off += piece) {
        uint64_t at_off = base - 5000 + off;
        CHECK(sd_image_read(img, at_off, back, piece, err, sizeof err) == 0);
        for (uint64_t i = 0; i < piece && same; i++) {
            uint64_t o = at_off + i;
            uint8_t want = o < base - 5000 + piece ? spill_byte(o - (base - 5000), 2)
                           : o < end               ? spill_byte(o, 1)
                                                   : 0;
            same = back[i] == want;
        }
    }
    CHECK(same);
    /* Below the writes: the image's own bytes (block 0's pattern). */
    uint8_t blk[512];
    CHECK(sd_image_read(img, 0, blk, sizeof blk, err, sizeof err) == 0);
    CHECK_EQ_U64(blk[0], 1);
    sd_image_close(img);
    CHECK(same_bytes(path, copy)); /* the image untouched */
    free(buf);
    free(back);
    unlink(path);
    unlink(copy);
}

/* TMPDIR naming a place where no file can be created: /var/tmp, then /tmp, take over. */
static void test_tmpdir_fallback(void) {
    const char *path = path_in("fallback.img");
    const uint64_t at[] = {0};
    make_file(path, 1 * MiB, at, 1);
    char err[900], used[512];
    setenv("TMPDIR", "/proc", 1);
    int fd = host_tempfile("a test", used, sizeof used, err, sizeof err);
    CHECK(fd >= 0);
    CHECK(strcmp(used, "/var/tmp") == 0 || strcmp(used, "/tmp") == 0);
    if (fd >= 0) close(fd);
    sd_image *img = sd_image_open(path, SD_IMAGE_COPY_ON_WRITE, err, sizeof err);
    CHECK(img != NULL);
    if (img) {
        uint8_t blk[512] = {9};
        CHECK(sd_image_write(img, 4096, blk, sizeof blk, err, sizeof err) == 0);
        sd_image_close(img);
    }
    setenv("TMPDIR", tmp_dir, 1);
    unlink(path);
}

/* ---- errors and locks ---- */

static void test_errors(void) {
    char err[300];
    const char *empty = path_in("empty.img");
    make_file(empty, 0, NULL, 0);
    CHECK(host_image_open(empty, false, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "empty.img: SD image is empty");
    const char *empty_gz = path_in("empty.img.gz");
    CHECK(sh("gzip -c < '%s' > '%s'", empty, empty_gz) == 0);
    CHECK(host_image_open(empty_gz, false, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "empty.img.gz: SD image is empty");

    /* A zstd frame header and nothing else. */
    const char *zst = path_in("card.img.zst");
    int fd = open(zst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, "\x28\xB5\x2F\xFD", 4) == 4);
    close(fd);
    CHECK(host_image_open(zst, false, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "card.img.zst: truncated zstd stream");

    const char *plain = path_in("plain.img");
    const uint64_t at[] = {0};
    make_file(plain, 1 * MiB, at, 1);
    /* chmod a-w: refused for writing even by root. */
    CHECK(chmod(plain, 0444) == 0);
    CHECK(host_image_open(plain, true, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "plain.img: SD image is read-only");
    host_image *h = host_image_open(plain, false, err, sizeof err);
    CHECK(h != NULL);
    host_image_close(h);
    CHECK(chmod(plain, 0644) == 0);

    /* Locks: a reader shuts writers out, a writer everyone. */
    h = host_image_open(plain, false, err, sizeof err);
    CHECK(h != NULL);
    fd = open(plain, O_RDONLY);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) != 0);
    CHECK(flock(fd, LOCK_SH | LOCK_NB) == 0);
    flock(fd, LOCK_UN);
    CHECK(host_image_open(plain, true, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "plain.img: SD image is already open read-only");
    host_image_close(h);
    h = host_image_open(plain, true, err, sizeof err);
    CHECK(h != NULL && host_image_writable(h));
    /* The firmware loader reads the card --sd-write opened: it shares the writable image. */
    host_image *reader = host_image_open(plain, false, err, sizeof err);
    CHECK(reader == h);
    host_image_close(reader);
    CHECK(flock(fd, LOCK_SH | LOCK_NB) != 0);
    host_image_close(h);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
    /* ... and the other process's lock keeps us out, with a clear line. */
    CHECK(host_image_open(plain, true, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "plain.img: SD image is in use by another process");
    close(fd);
    unlink(plain);
    unlink(zst);
    unlink(empty);
    unlink(empty_gz);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/socemu-sd-image-test-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(tmp_dir, sizeof tmp_dir, "%s/scratch", dir);
    mkdir(tmp_dir, 0700);
    setenv("TMPDIR", tmp_dir, 1);
    test_odd_size();
    test_sdxc();
    test_compressed();
    test_errors();
    test_overlay_spills();
    test_tmpdir_fallback();
    rmdir(tmp_dir);
    rmdir(dir);
    return check_report("devices_sd_image");
}
