/* The Pi firmware with a 64-bit kernel file that is not an arm64 Image (U-Boot's u-boot.bin, or
 * any bare-metal binary): loaded raw at 0x80000 (or kernel_address), entry there, and the DTB
 * high, ending just below 0x2f000000 as the real firmware puts it (U-Boot's BSS runs past its
 * file and would wipe a DTB placed right after it). An arm64 Image on the same card keeps its
 * placement. */
#include <libfdt.h>

#include "check.h"
#include "loader/rpi_firmware.h"
#include "loader_test_util.h"

#define GIB     (UINT64_C(1) << 30)
#define RAW_LEN 40000

static uint8_t raw[RAW_LEN];
static const char *const rpi3_compat[] = {"brcm,bcm2837", NULL};

static const char dts[] = "/dts-v1/;\n/memreserve/ 0x0 0x1000;\n/ { compatible = "
                          "\"raspberrypi,3-model-b\", \"brcm,bcm2837\"; #address-cells = <1>; "
                          "#size-cells = <1>;\nchosen { };\n"
                          "memory@0 { device_type = \"memory\"; reg = <0 0>; };\n};\n";

/* A card (superfloppy FAT) with u-boot.bin, the DTB and this config.txt. */
static const char *make_card(const char *name, const char *config) {
    tu_write_text("config.txt", config);
    CHECK(tu_sh("rm -f %s && export MTOOLS_SKIP_CHECK=1 && mkfs.vfat -C -F 32 -s 1 %s 40960 "
                ">/dev/null && mcopy -i %s u-boot.bin bcm2837-rpi-3-b.dtb config.txt ::",
                name, name, name) == 0);
    return tu_path(name);
}

static rpi_board_facts facts(void) {
    rpi_board_facts f = {.board_name = "Raspberry Pi 3",
                         .ram_size = GIB,
                         .id = {.revision = 0xa02082, .serial = 0xc0ffee42},
                         .dt_compatible = rpi3_compat};
    return f;
}

static void plan_card(const char *card, rpi_boot_plan *plan) {
    char err[400] = "";
    rpi_board_facts f = facts();
    int rc = rpi_firmware_plan(card, &f, plan, err, sizeof err);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "plan: %s\n", err);
}

int main(void) {
    tu_setup();
    tu_fill(raw, RAW_LEN, 7);
    raw[0] = 0x0a, raw[1] = 0x00, raw[2] = 0x00, raw[3] = 0x14; /* b 0x28, as U-Boot starts */
    tu_write(tu_path("u-boot.bin"), raw, RAW_LEN);
    tu_write_text("rpi.dts", dts);
    CHECK(tu_sh("dtc -q -O dtb -o bcm2837-rpi-3-b.dtb rpi.dts") == 0);
    rpi_boot_plan plan;

    /* Defaults: 0x80000, the DTB 256-byte aligned and ending at most at 0x2f000000. */
    plan_card(make_card("uboot.img", "arm_64bit=1\nenable_uart=1\nkernel=u-boot.bin\n"
                                     "device_tree=bcm2837-rpi-3-b.dtb\n"),
              &plan);
    if (plan.kernel.data) {
        CHECK(plan.kernel.len == RAW_LEN && !memcmp(plan.kernel.data, raw, RAW_LEN));
        CHECK_EQ_U64(plan.kernel.addr, 0x80000);
        CHECK_EQ_U64(plan.kernel_entry, 0x80000);
        CHECK(plan.dtb.addr % 256 == 0);
        CHECK(plan.dtb.addr + plan.dtb.len <= 0x2f000000);
        CHECK(plan.dtb.addr + plan.dtb.len > 0x2f000000 - 256);
        CHECK(fdt_check_header(plan.dtb.data) == 0);
        bus b;
        tu_bus(&b, 0, GIB);
        char err[300] = "";
        static uint8_t got[RAW_LEN], fdt[1 << 16];
        CHECK(rpi_firmware_place(&b, &plan, err, sizeof err) == 0);
        CHECK(bus_read_block(&b, 0x80000, got, RAW_LEN, err, sizeof err) == 0);
        CHECK(memcmp(got, raw, RAW_LEN) == 0);
        CHECK(plan.dtb.len <= sizeof fdt);
        CHECK(bus_read_block(&b, plan.dtb.addr, fdt, plan.dtb.len, err, sizeof err) == 0);
        CHECK(fdt_check_header(fdt) == 0);
        bus_destroy(&b);
    }
    rpi_boot_plan_free(&plan);

    /* kernel_address and device_tree_address still win. */
    plan_card(make_card("addr.img", "arm_64bit=1\nkernel=u-boot.bin\n"
                                    "device_tree=bcm2837-rpi-3-b.dtb\nkernel_address=0x100000\n"
                                    "device_tree_address=0x3000000\n"),
              &plan);
    if (plan.kernel.data) {
        CHECK_EQ_U64(plan.kernel.addr, 0x100000);
        CHECK_EQ_U64(plan.dtb.addr, 0x3000000);
    }
    rpi_boot_plan_free(&plan);

    /* A small RAM (total_mem=256): the DTB goes below the top of ARM RAM instead. */
    plan_card(make_card("small.img", "arm_64bit=1\nkernel=u-boot.bin\n"
                                     "device_tree=bcm2837-rpi-3-b.dtb\ntotal_mem=256\n"),
              &plan);
    if (plan.kernel.data) {
        CHECK(plan.dtb.addr + plan.dtb.len <= plan.arm_memory_size);
        CHECK(plan.dtb.addr > 0x80000 + RAW_LEN);
    }
    rpi_boot_plan_free(&plan);

    tu_cleanup();
    return check_report("loader_rpi_firmware_raw");
}
