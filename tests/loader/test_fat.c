/* MBR + FAT12/16/32 reading on images built with sfdisk, mkfs.vfat and mtools at test time:
 * long names, subdirectories, case-insensitive lookup, fragmented files; corrupt images (cluster
 * loops, chains leaving the volume, bad boot sectors) must fail cleanly and quickly. */
#include <fcntl.h>
#include <sys/stat.h>

#include "check.h"
#include "loader/fat.h"
#include "loader/mbr.h"
#include "loader_test_util.h"

enum { DEEP_SIZE = 100000, BIG_SIZE = 300000 };
static uint8_t deep_data[DEEP_SIZE], big_data[BIG_SIZE];

/* Fills a FAT image: names with spaces and mixed case, a nested directory, and a file
 * fragmented by deleting a file before writing it. */
static int fill_fat(const char *img) {
    return tu_sh("export MTOOLS_SKIP_CHECK=1; "
                 "mcopy -i %s config.txt ::config.txt && "
                 "mcopy -i %s long.txt '::A Long File Name.txt' && "
                 "mcopy -i %s long.txt ::UPPER.TXT && "
                 "mcopy -i %s empty.txt ::empty.txt && "
                 "mmd -i %s ::sub ::sub/dir && "
                 "mcopy -i %s deep.bin '::sub/dir/Deep File With Long Name.bin' && "
                 "mcopy -i %s long.txt ::f1 && mcopy -i %s deep.bin ::f2 && "
                 "mcopy -i %s long.txt ::f3 && mdel -i %s ::f2 && "
                 "mcopy -i %s big.bin ::big.bin",
                 img, img, img, img, img, img, img, img, img, img, img);
}

typedef struct names {
    int count;
    bool saw_long, saw_sub;
} names;

static int collect(void *ctx, const fat_dirent *e) {
    names *n = ctx;
    n->count++;
    if (!strcmp(e->name, "A Long File Name.txt")) n->saw_long = true;
    if (!strcmp(e->name, "sub") && e->is_dir) n->saw_sub = true;
    return 0;
}

static void check_volume(const char *label, const disk_reader *d, uint64_t off, uint64_t size,
                         fat_type want_type) {
    char err[300];
    fat_volume *v;
    printf("-- %s\n", label);
    CHECK(fat_open(d, off, size, &v, err, sizeof err) == 0);
    if (!v) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_U64(fat_volume_type(v), want_type);
    uint8_t *data;
    size_t len;
    CHECK(fat_read_file(v, "config.txt", 1 << 20, &data, &len, err, sizeof err) == 0);
    CHECK(len == 14 && data && !memcmp(data, "arm_64bit=1\nx\n", 14));
    free(data);
    /* Long name, any case; the 8.3 alias finds the same file. */
    CHECK(fat_read_file(v, "/a long file NAME.TXT", 1 << 20, &data, &len, err, sizeof err) == 0);
    CHECK(len == 6 && data && !memcmp(data, "hello\n", 6));
    free(data);
    fat_dirent e;
    CHECK(fat_lookup(v, "A Long File Name.txt", &e, err, sizeof err) == 0);
    CHECK(!strcmp(e.name, "A Long File Name.txt"));
    CHECK(fat_lookup(v, e.short_name, &e, err, sizeof err) == 0);
    CHECK(fat_lookup(v, "upper.txt", &e, err, sizeof err) == 0 && e.size == 6);
    CHECK(fat_read_file(v, "empty.txt", 10, &data, &len, err, sizeof err) == 0 && len == 0);
    free(data);
    /* Subdirectories, multi-cluster and fragmented files. */
    CHECK(fat_read_file(v, "SUB/Dir/deep file with long name.bin", 1 << 20, &data, &len, err,
                        sizeof err) == 0);
    CHECK(len == DEEP_SIZE && data && !memcmp(data, deep_data, DEEP_SIZE));
    free(data);
    CHECK(fat_read_file(v, "big.bin", 1 << 20, &data, &len, err, sizeof err) == 0);
    CHECK(len == BIG_SIZE && data && !memcmp(data, big_data, BIG_SIZE));
    free(data);
    names n = {0};
    CHECK(fat_list_dir(v, "/", collect, &n, err, sizeof err) == 0);
    CHECK(n.saw_long && n.saw_sub && n.count == 8);
    /* Missing things, limits, kinds. */
    CHECK(fat_read_file(v, "kernel8.img", 1 << 20, &data, &len, err, sizeof err) == FAT_NOT_FOUND);
    CHECK_STR_CONTAINS(err, "no 'kernel8.img' on the FAT partition");
    CHECK(fat_read_file(v, "sub/nope/x", 1 << 20, &data, &len, err, sizeof err) == FAT_NOT_FOUND);
    CHECK(fat_read_file(v, "config.txt/x", 1 << 20, &data, &len, err, sizeof err) == FAT_NOT_FOUND);
    CHECK(fat_read_file(v, "sub", 1 << 20, &data, &len, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "is a directory");
    CHECK(fat_read_file(v, "big.bin", 1000, &data, &len, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "larger than the 1000-byte limit");
    fat_close(v);
}

/* Writes a FAT entry (first FAT only: the reader uses that one) in a copy of an image. */
static void poke_fat(const char *img, fat_type type, uint64_t fat_off, uint32_t cluster,
                     uint32_t value) {
    int fd = open(img, O_WRONLY);
    CHECK(fd >= 0);
    uint8_t b[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                    (uint8_t)(value >> 24)};
    size_t width = type == FAT_TYPE_32 ? 4 : 2;
    CHECK(pwrite(fd, b, width, (off_t)(fat_off + cluster * width)) == (ssize_t)width);
    close(fd);
}

/* Opens partition 1 of a card copy and tries to read path; returns the error text. */
static int read_corrupt(const char *img, const char *path, char *err, size_t errlen) {
    disk_reader d;
    if (disk_open_file(img, &d, err, errlen)) return -1;
    mbr_table t;
    fat_volume *v = NULL;
    int rc = mbr_read(&d, &t, err, errlen);
    if (!rc)
        rc = fat_open(&d, t.parts[0].start_lba * 512, t.parts[0].sectors * 512, &v, err, errlen);
    if (!rc) {
        uint8_t *data = NULL;
        size_t len;
        rc = fat_read_file(v, path, 1 << 20, &data, &len, err, errlen);
        free(data);
        fat_close(v);
    }
    disk_close(&d);
    return rc;
}

int main(void) {
    tu_setup();
    char err[300];
    tu_fill(deep_data, DEEP_SIZE, 11);
    tu_fill(big_data, BIG_SIZE, 12);
    CHECK(tu_write(tu_path("deep.bin"), deep_data, DEEP_SIZE) == 0);
    CHECK(tu_write(tu_path("big.bin"), big_data, BIG_SIZE) == 0);
    tu_write_text("config.txt", "arm_64bit=1\nx\n");
    tu_write_text("long.txt", "hello\n");
    tu_write_text("empty.txt", "");

    /* A card: MBR with a FAT32 partition 1 (512-byte clusters) and a Linux partition 2. */
    CHECK(tu_sh("truncate -s 48M card.img && printf 'start=2048, size=81920, type=c\\nstart=83968, "
                "type=83\\n' | sfdisk -q card.img && mkfs.vfat -C -F 32 -s 1 -n BOOT part32.img "
                "40960 >/dev/null && dd if=part32.img of=card.img bs=512 seek=2048 conv=notrunc "
                "status=none") == 0);
    /* FAT16 on a second card, FAT12 as a bare volume (no partition table). */
    CHECK(tu_sh("mkfs.vfat -C -F 16 part16.img 16384 >/dev/null && mkfs.vfat -C -F 12 part12.img "
                "2048 >/dev/null") == 0);
    CHECK(fill_fat("part32.img") == 0 && fill_fat("part16.img") == 0 &&
          fill_fat("part12.img") == 0);
    CHECK(tu_sh("dd if=part32.img of=card.img bs=512 seek=2048 conv=notrunc status=none && "
                "chmod 0444 card.img && cp card.img card.orig") == 0);

    disk_reader d;
    CHECK(disk_open_file(tu_path("card.img"), &d, err, sizeof err) == 0);
    mbr_table t;
    CHECK(mbr_read(&d, &t, err, sizeof err) == 0);
    CHECK(t.count == 2);
    CHECK(t.parts[0].number == 1 && t.parts[0].type == 0x0c && t.parts[0].start_lba == 2048 &&
          t.parts[0].sectors == 81920);
    CHECK(mbr_type_is_fat(t.parts[0].type) && !mbr_type_is_fat(t.parts[1].type));
    CHECK(t.parts[1].type == 0x83 && t.parts[1].start_lba == 83968);
    check_volume("FAT32 in card.img", &d, 2048 * 512, 81920 * 512, FAT_TYPE_32);
    disk_close(&d);
    /* Reading never changed the (read-only) image. */
    CHECK(tu_sh("cmp -s card.img card.orig") == 0);

    CHECK(disk_open_file(tu_path("part16.img"), &d, err, sizeof err) == 0);
    check_volume("FAT16", &d, 0, d.size, FAT_TYPE_16);
    CHECK(mbr_read(&d, &t, err, sizeof err) == -1); /* a bare FAT is not a partition table */
    CHECK_STR_CONTAINS(err, "no partitions");
    disk_close(&d);
    CHECK(disk_open_file(tu_path("part12.img"), &d, err, sizeof err) == 0);
    check_volume("FAT12", &d, 0, d.size, FAT_TYPE_12);
    disk_close(&d);

    /* MBR errors. */
    CHECK(tu_sh("head -c 4096 /dev/zero > zero.img") == 0);
    CHECK(disk_open_file(tu_path("zero.img"), &d, err, sizeof err) == 0);
    CHECK(mbr_read(&d, &t, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "zero.img: no MBR partition table");
    disk_close(&d);
    CHECK(tu_sh("head -c 1M card.img > cut.img") == 0); /* partition 1 starts at 1 MiB */
    CHECK(disk_open_file(tu_path("cut.img"), &d, err, sizeof err) == 0);
    CHECK(mbr_read(&d, &t, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "past the end of the image");
    disk_close(&d);
    CHECK(disk_open_file(tu_path("missing.img"), &d, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "missing.img: No such file or directory");

    /* Corruption: find big.bin's first cluster and the FAT, then break copies of the card. */
    CHECK(disk_open_file(tu_path("card.img"), &d, err, sizeof err) == 0);
    fat_volume *v = NULL;
    CHECK(fat_open(&d, 2048 * 512, 81920 * 512, &v, err, sizeof err) == 0);
    fat_dirent big, deep;
    CHECK(fat_lookup(v, "big.bin", &big, err, sizeof err) == 0);
    CHECK(fat_lookup(v, "sub/dir/Deep File With Long Name.bin", &deep, err, sizeof err) == 0);
    uint64_t fat_off = fat_table_offset(v);
    uint32_t cb = fat_cluster_bytes(v);
    fat_close(v);
    disk_close(&d);
    struct {
        uint32_t cluster, value;
        const char *path, *expect;
    } cases[] = {
        {big.first_cluster + 3, big.first_cluster, "big.bin", "cluster chain of 'big.bin' loops"},
        {big.first_cluster, big.first_cluster, "big.bin", "loops"},
        {big.first_cluster + 1, 0x0ffffff0, "big.bin", "leaves the volume"},
        {big.first_cluster + 1, 0, "big.bin", "reaches a free cluster"},
        {big.first_cluster + 1, 0x0ffffff7, "big.bin", "bad cluster"},
        {big.first_cluster + 1, 0x0fffffff, "big.bin", "ends after"},
        {2, 2, "nothere.txt", "cluster chain of '/' loops"}, /* the FAT32 root directory */
        {deep.first_cluster, 0x0fffffff, "sub/dir/Deep File With Long Name.bin", "ends after"},
    };
    CHECK(big.size / cb > 5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(tu_sh("cp card.orig bad.img && chmod u+w bad.img") == 0);
        poke_fat(tu_path("bad.img"), FAT_TYPE_32, fat_off, cases[i].cluster, cases[i].value);
        CHECK(read_corrupt(tu_path("bad.img"), cases[i].path, err, sizeof err) == -1);
        CHECK_STR_CONTAINS(err, cases[i].expect);
        CHECK_STR_CONTAINS(err, "bad.img: corrupt FAT file system");
    }
    /* A broken boot sector: zero bytes per sector, then no signature. */
    CHECK(tu_sh("cp card.orig bad.img && chmod u+w bad.img && printf '\\000\\000' | dd of=bad.img "
                "bs=1 seek=$((2048*512+11)) conv=notrunc status=none") == 0);
    CHECK(read_corrupt(tu_path("bad.img"), "big.bin", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "bad bytes-per-sector");
    CHECK(tu_sh("cp card.orig bad.img && chmod u+w bad.img && printf '\\000' | dd of=bad.img "
                "bs=1 seek=$((2048*512+510)) conv=notrunc status=none") == 0);
    CHECK(read_corrupt(tu_path("bad.img"), "big.bin", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "55 aa signature");
    /* A card truncated inside the FAT partition. */
    CHECK(tu_sh("head -c 20M card.orig > bad.img") == 0);
    CHECK(read_corrupt(tu_path("bad.img"), "big.bin", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "truncated image?");
    /* Random garbage over the FAT and root directory: errors or not-found, never a crash. */
    for (uint32_t seed = 1; seed <= 20; seed++) {
        CHECK(tu_sh("cp card.orig bad.img && chmod u+w bad.img") == 0);
        uint8_t junk[4096];
        tu_fill(junk, sizeof junk, seed);
        int fd = open(tu_path("bad.img"), O_WRONLY);
        CHECK(pwrite(fd, junk, sizeof junk, (off_t)(fat_off + (seed - 1) * 1024)) ==
              (ssize_t)sizeof junk);
        close(fd);
        read_corrupt(tu_path("bad.img"), "sub/dir/Deep File With Long Name.bin", err, sizeof err);
        read_corrupt(tu_path("bad.img"), "big.bin", err, sizeof err);
    }
    tu_cleanup();
    return check_report("loader_fat");
}
