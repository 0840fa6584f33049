/* DTB validation, board check and the firmware fix-ups, on blobs compiled with dtc at test time. */
#include <libfdt.h>

#include "check.h"
#include "loader/dtb.h"
#include "loader_test_util.h"

static const char *const rpi3[] = {"brcm,bcm2837", NULL};

static uint8_t *compile(const char *name, const char *dts, size_t *len) {
    char src[64], out[64];
    snprintf(src, sizeof src, "%s.dts", name);
    snprintf(out, sizeof out, "%s.dtb", name);
    tu_write_text(src, dts);
    if (tu_sh("dtc -q -I dts -O dtb -o %s %s", out, src)) return NULL;
    return tu_read(tu_path(out), len);
}

static const char *prop_str(const void *fdt, const char *path, const char *name) {
    int node = fdt_path_offset(fdt, path);
    return node < 0 ? NULL : fdt_getprop(fdt, node, name, NULL);
}

static uint64_t prop_cells(const void *fdt, const char *path, const char *name, int index,
                           int cells) {
    int node = fdt_path_offset(fdt, path), len = 0;
    const fdt32_t *p = node < 0 ? NULL : fdt_getprop(fdt, node, name, &len);
    if (!p || len < 4 * (index + cells)) return UINT64_MAX;
    uint64_t v = 0;
    for (int i = 0; i < cells; i++)
        v = v << 32 | fdt32_to_cpu(p[index + i]);
    return v;
}

static const char rpi_dts[] =
    "/dts-v1/;\n/memreserve/ 0x0 0x1000;\n"
    "/ { compatible = \"raspberrypi,3-model-b\", \"brcm,bcm2837\"; #address-cells = <1>; "
    "#size-cells = <1>;\n"
    "  aliases { ethernet0 = \"/soc/usb/ethernet@1\"; };\n"
    "  chosen { bootargs = \"old\"; };\n"
    "  memory@0 { device_type = \"memory\"; reg = <0 0x40000000>; };\n"
    "  soc { #address-cells = <1>; #size-cells = <0>; usb { #address-cells = <1>; "
    "#size-cells = <0>; ethernet@1 { reg = <1>; }; }; };\n};\n";

int main(void) {
    tu_setup();
    char err[300];
    size_t len;
    uint8_t *dtb = compile("rpi", rpi_dts, &len);
    CHECK(dtb != NULL);
    if (!dtb) return check_report("loader_dtb");

    CHECK(dtb_check("rpi.dtb", dtb, len, err, sizeof err) == 0);
    CHECK(dtb_check_compatible("rpi.dtb", dtb, "Raspberry Pi 3", rpi3, err, sizeof err) == 0);

    uint8_t seed[32];
    tu_fill(seed, sizeof seed, 3);
    dtb_fixups fx = {
        .set_memory = true,
        .memory_size = 0x3b400000,
        .bootargs = "console=ttyS1,115200 root=/dev/mmcblk0p2 rw",
        .set_initrd = true,
        .initrd_start = 0x2400000,
        .initrd_end = 0x2c00123,
        .set_kaslr_seed = true,
        .kaslr_seed = 0x1122334455667788ull,
        .rng_seed = seed,
        .rng_seed_len = sizeof seed,
        .serial_number = "00000000deadbeef",
        .set_mac = true,
        .mac = {0xb8, 0x27, 0xeb, 0x01, 0x02, 0x03},
        .add_framebuffer = true,
        .framebuffer = {
            .base = 0x3b400000, .width = 1024, .height = 768, .stride = 2048, .format = "r5g6b5"}};
    dtb_fixup_report report;
    CHECK(dtb_apply_fixups("rpi.dtb", &dtb, &len, &fx, &report, err, sizeof err) == 0);
    CHECK(!report.mac_skipped);
    CHECK(dtb_check("patched", dtb, len, err, sizeof err) == 0);
    CHECK(len == fdt_totalsize(dtb));
    CHECK_EQ_U64(prop_cells(dtb, "/memory@0", "reg", 0, 1), 0);
    CHECK_EQ_U64(prop_cells(dtb, "/memory@0", "reg", 1, 1), 0x3b400000);
    CHECK(prop_str(dtb, "/chosen", "bootargs") &&
          !strcmp(prop_str(dtb, "/chosen", "bootargs"), fx.bootargs));
    CHECK_EQ_U64(prop_cells(dtb, "/chosen", "linux,initrd-start", 0, 1), 0x2400000);
    CHECK_EQ_U64(prop_cells(dtb, "/chosen", "linux,initrd-end", 0, 1), 0x2c00123);
    CHECK_EQ_U64(prop_cells(dtb, "/chosen", "kaslr-seed", 0, 2), 0x1122334455667788ull);
    int plen = 0;
    const void *rng = fdt_getprop(dtb, fdt_path_offset(dtb, "/chosen"), "rng-seed", &plen);
    CHECK(rng && plen == 32 && memcmp(rng, seed, 32) == 0);
    CHECK(prop_str(dtb, "/", "serial-number") &&
          !strcmp(prop_str(dtb, "/", "serial-number"), "00000000deadbeef"));
    const uint8_t *mac =
        fdt_getprop(dtb, fdt_path_offset(dtb, "/soc/usb/ethernet@1"), "local-mac-address", &plen);
    CHECK(mac && plen == 6 && mac[0] == 0xb8 && mac[5] == 0x03);
    CHECK(
        prop_str(dtb, "/chosen/framebuffer@3b400000", "compatible") &&
        !strcmp(prop_str(dtb, "/chosen/framebuffer@3b400000", "compatible"), "simple-framebuffer"));
    CHECK_EQ_U64(prop_cells(dtb, "/chosen/framebuffer@3b400000", "reg", 0, 1), 0x3b400000);
    CHECK_EQ_U64(prop_cells(dtb, "/chosen/framebuffer@3b400000", "reg", 1, 1), 2048 * 768);
    CHECK_EQ_U64(prop_cells(dtb, "/chosen/framebuffer@3b400000", "stride", 0, 1), 2048);
    CHECK(prop_str(dtb, "/aliases", "display0") != NULL);
    /* /memreserve/ survives. */
    uint64_t ra = 1, rs = 0;
    CHECK(fdt_num_mem_rsv(dtb) == 1 && fdt_get_mem_rsv(dtb, 0, &ra, &rs) == 0 && ra == 0 &&
          rs == 0x1000);
    /* Applying again replaces rather than duplicates. */
    fx.bootargs = "second";
    CHECK(dtb_apply_fixups("rpi.dtb", &dtb, &len, &fx, NULL, err, sizeof err) == 0);
    CHECK(!strcmp(prop_str(dtb, "/chosen", "bootargs"), "second"));
    free(dtb);

    /* 2/2 cells, no /memory node, no /chosen, no ethernet alias: created, MAC skipped. */
    dtb = compile("wide",
                  "/dts-v1/;\n/ { compatible = \"brcm,bcm2837\"; #address-cells = <2>; "
                  "#size-cells = <2>; };\n",
                  &len);
    dtb_fixups fx2 = {.set_memory = true,
                      .memory_base = 0x80000000ull,
                      .memory_size = 0x100000000ull,
                      .bootargs = "x",
                      .set_initrd = true,
                      .initrd_start = 0x100000000ull,
                      .initrd_end = 0x100001000ull,
                      .set_mac = true};
    CHECK(dtb && dtb_apply_fixups("wide.dtb", &dtb, &len, &fx2, &report, err, sizeof err) == 0);
    CHECK(report.mac_skipped);
    CHECK_EQ_U64(prop_cells(dtb, "/memory@0", "reg", 0, 2), 0x80000000ull);
    CHECK_EQ_U64(prop_cells(dtb, "/memory@0", "reg", 2, 2), 0x100000000ull);
    CHECK(prop_str(dtb, "/memory@0", "device_type") &&
          !strcmp(prop_str(dtb, "/memory@0", "device_type"), "memory"));
    CHECK_EQ_U64(prop_cells(dtb, "/chosen", "linux,initrd-start", 0, 2), 0x100000000ull);
    free(dtb);

    /* 1-cell sizes cannot hold 4 GiB: refused with a reason. */
    dtb = compile("narrow", "/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; };\n", &len);
    CHECK(dtb && dtb_apply_fixups("narrow.dtb", &dtb, &len, &fx2, NULL, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "narrow.dtb: memory reg");
    free(dtb);

    /* Wrong board. */
    dtb = compile(
        "bbb", "/dts-v1/;\n/ { compatible = \"ti,am335x-bone-black\", \"ti,am33xx\"; };\n", &len);
    CHECK(dtb && dtb_check_compatible("am335x-boneblack.dtb", dtb, "Raspberry Pi 3", rpi3, err,
                                      sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "am335x-boneblack.dtb: device tree is for 'ti,am335x-bone-black', "
                            "not a Raspberry Pi 3 (brcm,bcm2837)");
    free(dtb);
    dtb = compile("nocompat", "/dts-v1/;\n/ { };\n", &len);
    CHECK(dtb && dtb_check_compatible("n.dtb", dtb, "Raspberry Pi 3", rpi3, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "no root 'compatible'");

    /* Not a DTB, truncated, corrupt. */
    CHECK(dtb_check("kernel8.img", "MZ\0\0\0\0\0\0", 8, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "kernel8.img: not a device tree blob");
    CHECK(dtb_check("n.dtb", dtb, len - 8, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "n.dtb: truncated device tree blob");
    fdt_set_off_dt_struct(dtb, fdt_totalsize(dtb) + 64);
    CHECK(dtb_check("n.dtb", dtb, len, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "n.dtb: corrupt device tree blob");
    /* Old versions are refused before libfdt's full check, which crashed on this input (found
     * by fuzz/fuzz_dtb; fuzz/corpus/dtb). */
    size_t old_len;
    uint8_t *old = tu_read(SOCEMU_SOURCE_DIR "/fuzz/corpus/dtb/v3-check-full-null", &old_len);
    CHECK(old != NULL);
    if (old) {
        CHECK(dtb_check("old.dtb", old, old_len, err, sizeof err) == -1);
        CHECK_STR_CONTAINS(err, "old.dtb: device tree blob version 3 is too old");
        free(old);
    }
    free(dtb);
    tu_cleanup();
    return check_report("loader_dtb");
}
