/* loader_read_file / loader_inflate: plain, gzip and xz files, caps, and errors naming the file. */
#include "check.h"
#include "loader/loader.h"
#include "loader_test_util.h"

static int read_path(const char *path, size_t max, uint8_t **d, size_t *n, char *err) {
    return loader_read_file(path, max, d, n, err, 300);
}

int main(void) {
    tu_setup();
    char err[300];
    uint8_t *d;
    size_t n;
    enum { SIZE = 300000 };
    uint8_t *ref = malloc(SIZE);
    tu_fill(ref, SIZE / 2, 7);
    memset(ref + SIZE / 2, 'z', SIZE / 2); /* compressible half */
    CHECK(tu_write(tu_path("plain.bin"), ref, SIZE) == 0);

    CHECK(read_path(tu_path("plain.bin"), 1 << 20, &d, &n, err) == 0);
    CHECK(n == SIZE && d && memcmp(d, ref, SIZE) == 0);
    free(d);

    /* gzip and xz round trips, made with the real tools. */
    CHECK(tu_sh("gzip -9 -c plain.bin > plain.bin.gz && xz -c plain.bin > plain.bin.xz") == 0);
    CHECK(read_path(tu_path("plain.bin.gz"), 1 << 20, &d, &n, err) == 0);
    CHECK(n == SIZE && d && memcmp(d, ref, SIZE) == 0);
    free(d);
    CHECK(read_path(tu_path("plain.bin.xz"), 1 << 20, &d, &n, err) == 0);
    CHECK(n == SIZE && d && memcmp(d, ref, SIZE) == 0);
    free(d);

    /* Concatenated gzip members are one stream. */
    CHECK(tu_sh("gzip -c plain.bin > two.gz && gzip -c plain.bin >> two.gz") == 0);
    CHECK(read_path(tu_path("two.gz"), 1 << 20, &d, &n, err) == 0);
    CHECK(n == 2 * SIZE && d && memcmp(d + SIZE, ref, SIZE) == 0);
    free(d);

    /* Inflated size above the cap is refused, and said so. */
    CHECK(read_path(tu_path("plain.bin.gz"), SIZE - 1, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "plain.bin.gz: inflated data is larger than");
    CHECK(d == NULL);
    CHECK(read_path(tu_path("plain.bin"), SIZE - 1, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "larger than the");

    /* Truncated and corrupt compressed data. */
    CHECK(tu_sh("head -c 20000 plain.bin.gz > cut.gz && head -c 20000 plain.bin.xz > cut.xz") == 0);
    CHECK(read_path(tu_path("cut.gz"), 1 << 20, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "cut.gz: truncated gzip data");
    CHECK(read_path(tu_path("cut.xz"), 1 << 20, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "cut.xz: truncated xz data");
    size_t gz_len;
    uint8_t *gz = tu_read(tu_path("plain.bin.gz"), &gz_len);
    CHECK(gz != NULL);
    if (gz) {
        for (size_t i = 100; i < 200; i++)
            gz[i] ^= 0x5a;
        CHECK(tu_write(tu_path("bad.gz"), gz, gz_len) == 0);
        CHECK(read_path(tu_path("bad.gz"), 1 << 20, &d, &n, err) == -1);
        CHECK_STR_CONTAINS(err, "bad.gz: corrupt gzip data");
        free(gz);
    }
    size_t xz_len;
    uint8_t *xz = tu_read(tu_path("plain.bin.xz"), &xz_len);
    if (xz) {
        for (size_t i = 200; i < 300; i++)
            xz[i] ^= 0xa5;
        CHECK(tu_write(tu_path("bad.xz"), xz, xz_len) == 0);
        CHECK(read_path(tu_path("bad.xz"), 1 << 20, &d, &n, err) == -1);
        CHECK_STR_CONTAINS(err, "bad.xz: corrupt xz data");
        free(xz);
    }

    /* Missing, empty, a directory. */
    CHECK(read_path(tu_path("nope.img"), 1 << 20, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "nope.img: No such file or directory");
    CHECK(tu_write(tu_path("empty.img"), "", 0) == 0);
    CHECK(read_path(tu_path("empty.img"), 1 << 20, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "empty.img: file is empty");
    CHECK(read_path(tu_dir, 1 << 20, &d, &n, err) == -1);
    CHECK_STR_CONTAINS(err, "is a directory");

    /* In-memory inflation: plain data is copied, gzip inflated. */
    CHECK(loader_inflate("mem", ref, 100, 1000, &d, &n, err, sizeof err) == 0);
    CHECK(n == 100 && memcmp(d, ref, 100) == 0);
    free(d);
    gz = tu_read(tu_path("plain.bin.gz"), &gz_len);
    CHECK(loader_inflate("card.img: kernel8.img", gz, gz_len, 1 << 20, &d, &n, err, sizeof err) ==
          0);
    CHECK(n == SIZE && memcmp(d, ref, SIZE) == 0);
    free(d);
    CHECK(loader_inflate("card.img: kernel8.img", gz, gz_len / 2, 1 << 20, &d, &n, err,
                         sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "card.img: kernel8.img: truncated gzip data");
    free(gz);

    free(ref);
    tu_cleanup();
    return check_report("loader_file");
}
