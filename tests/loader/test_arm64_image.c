/* arm64 Image header parsing on synthesized headers. */
#include "check.h"
#include "loader/loader.h"
#include "loader_test_util.h"

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Debian's vmlinuz header: "MZ", text_offset 0, image_size 0x02010000, flags 0xA. */
static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags) {
    memset(h, 0, 4096);
    h[0] = 'M';
    h[1] = 'Z';
    put64(h + 8, text_offset);
    put64(h + 16, image_size);
    put64(h + 24, flags);
    memcpy(h + 0x38, "ARM\x64", 4);
}

int main(void) {
    uint8_t h[4096];
    char err[300];
    arm64_image_info info;

    make_header(h, 0, 0x02010000, 0xa);
    CHECK(loader_is_arm64_image(h, sizeof h));
    CHECK(loader_parse_arm64_image("vmlinuz", h, sizeof h, &info, err, sizeof err) == 0);
    CHECK_EQ_U64(info.text_offset, 0);
    CHECK_EQ_U64(info.image_size, 0x02010000);
    CHECK_EQ_U64(info.flags, 0xa);
    CHECK(info.little_endian);

    make_header(h, 0x80000, 0x1000000, 0x2);
    CHECK(loader_parse_arm64_image("Image", h, sizeof h, &info, err, sizeof err) == 0);
    CHECK_EQ_U64(info.text_offset, 0x80000);

    /* Big-endian flag is reported, not hidden. */
    make_header(h, 0, 0x1000000, 0x1);
    CHECK(loader_parse_arm64_image("Image", h, sizeof h, &info, err, sizeof err) == 0);
    CHECK(!info.little_endian);

    /* image_size 0: pre-3.17 kernel, text_offset 0x80000, size = file. */
    make_header(h, 0x1234, 0, 0);
    CHECK(loader_parse_arm64_image("old", h, sizeof h, &info, err, sizeof err) == 0);
    CHECK_EQ_U64(info.text_offset, 0x80000);
    CHECK_EQ_U64(info.image_size, sizeof h);

    /* Refusals. */
    make_header(h, 0, 0x1000000, 0xa);
    CHECK(loader_parse_arm64_image("short", h, 63, &info, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "short: truncated arm64 Image header");
    CHECK(!loader_is_arm64_image(h, 63));
    h[0x3b] = 0;
    CHECK(!loader_is_arm64_image(h, sizeof h));
    CHECK(loader_parse_arm64_image("zImage", h, sizeof h, &info, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "zImage: not an arm64 Linux Image");
    make_header(h, 0x200001, 0x1000000, 0xa);
    CHECK(loader_parse_arm64_image("bad", h, sizeof h, &info, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "bad: corrupt arm64 Image header (text_offset");
    make_header(h, 0, UINT64_C(1) << 40, 0xa);
    CHECK(loader_parse_arm64_image("bad", h, sizeof h, &info, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "image_size");
    return check_report("loader_arm64_image");
}
