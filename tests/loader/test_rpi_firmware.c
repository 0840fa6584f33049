/* The Pi firmware boot plan end to end: a generated SD card (MBR, FAT32, config.txt, cmdline.txt,
 * a gzip'd fake arm64 Image, two initramfs files, a real DTB), addresses, the DT fix-ups as the
 * guest sees them in RAM, and one-line errors for broken cards. */
#include <libfdt.h>

#include "check.h"
#include "loader/loader.h"
#include "loader/rpi_firmware.h"
#include "loader_test_util.h"

#define GIB         (UINT64_C(1) << 30)
#define IMAGE_LEN   65536
#define IMAGE_SIZE  0x1800000u /* header image_size: 24 MiB */
#define INITRD1_LEN 50000
#define INITRD2_LEN 3000

static uint8_t image[IMAGE_LEN], initrd[INITRD1_LEN + INITRD2_LEN];
static const char *const rpi3_compat[] = {"brcm,bcm2837", NULL};
static const uint8_t rng_seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static const char dts[] =
    "/dts-v1/;\n/memreserve/ 0x0 0x1000;\n/ { compatible = \"raspberrypi,3-model-b\", "
    "\"brcm,bcm2837\"; #address-cells = <1>; #size-cells = <1>;\n"
    "aliases { ethernet0 = \"/soc/ethernet@1\"; };\nchosen { };\n"
    "memory@0 { device_type = \"memory\"; reg = <0 0>; };\n"
    "soc { #address-cells = <1>; #size-cells = <1>; ethernet@1 { reg = <1 1>; }; }; };\n";

static const char debian_config[] = "arm_64bit=1\nenable_uart=1\nupstream_kernel=1\n"
                                    "kernel=vmlinuz.gz\ngpu_mem=64\n"
                                    "initramfs initrd.img,extra.cpio followkernel\n";

static void make_assets(void) {
    tu_fill(image, IMAGE_LEN, 21);
    memset(image, 0, 64);
    image[0] = 'M';
    image[1] = 'Z';
    image[16] = (uint8_t)IMAGE_SIZE, image[17] = (uint8_t)(IMAGE_SIZE >> 8);
    image[18] = (uint8_t)(IMAGE_SIZE >> 16), image[19] = (uint8_t)(IMAGE_SIZE >> 24);
    image[24] = 0xa; /* LE, 4K pages, anywhere */
    memcpy(image + 0x38, "ARM\x64", 4);
    tu_fill(initrd, sizeof initrd, 22);
    tu_write(tu_path("Image"), image, IMAGE_LEN);
    tu_write(tu_path("initrd.img"), initrd, INITRD1_LEN);
    tu_write(tu_path("extra.cpio"), initrd + INITRD1_LEN, INITRD2_LEN);
    tu_write_text("rpi.dts", dts);
    tu_write_text("bbb.dts", "/dts-v1/;\n/ { compatible = \"ti,am335x-bone-black\"; };\n");
    tu_write_text("cmdline.txt", "console=ttyS1,115200 root=/dev/mmcblk0p2 rw rootwait\r\n");
    CHECK(tu_sh("gzip -c Image > vmlinuz.gz && head -c 3000 vmlinuz.gz > bad.gz && "
                "dtc -q -O dtb -o bcm2837-rpi-3-b.dtb rpi.dts && dtc -q -O dtb -o bbb.dtb bbb.dts "
                "&& export MTOOLS_SKIP_CHECK=1 && mkfs.vfat -C -F 32 -s 1 base.img 40960 "
                ">/dev/null && mcopy -i base.img vmlinuz.gz bad.gz initrd.img extra.cpio "
                "cmdline.txt bcm2837-rpi-3-b.dtb bbb.dtb ::") == 0);
}

/* A card whose FAT holds the base files plus this config.txt (NULL: none); partition type 0x0c
 * unless another is given. */
static const char *make_card(const char *name, const char *config, const char *type) {
    char part[64];
    snprintf(part, sizeof part, "%s.part", name);
    CHECK(tu_sh("cp base.img %s", part) == 0);
    if (config) {
        tu_write_text("config.txt", config);
        CHECK(tu_sh("MTOOLS_SKIP_CHECK=1 mcopy -o -i %s config.txt ::config.txt", part) == 0);
    }
    CHECK(tu_sh("rm -f %s && truncate -s 48M %s && printf 'start=2048, size=81920, type=%s\\n' | "
                "sfdisk -q %s && dd if=%s of=%s bs=512 seek=2048 conv=notrunc status=none && "
                "chmod 0444 %s",
                name, name, type, name, part, name, name) == 0);
    return tu_path(name);
}

static rpi_board_facts facts(void) {
    rpi_board_facts f = {.board_name = "Raspberry Pi 3",
                         .ram_size = GIB,
                         .id = {.revision = 0xa02082, .serial = 0xc0ffee42},
                         .dt_compatible = rpi3_compat,
                         .have_mac = true,
                         .mac = {0xb8, 0x27, 0xeb, 0xc0, 0xff, 0xee},
                         .have_kaslr_seed = true,
                         .kaslr_seed = 0x0123456789abcdefull,
                         .rng_seed = rng_seed,
                         .rng_seed_len = sizeof rng_seed};
    return f;
}

static uint64_t cells(const void *fdt, const char *path, const char *prop, int idx, int n) {
    int len, node = fdt_path_offset(fdt, path);
    const fdt32_t *p = node < 0 ? NULL : fdt_getprop(fdt, node, prop, &len);
    if (!p || len < 4 * (idx + n)) return UINT64_MAX;
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 32 | fdt32_to_cpu(p[idx + i]);
    return v;
}

static void expect_error(const char *card, const char *config, const char *expect) {
    char err[400] = "";
    rpi_boot_plan plan;
    rpi_board_facts f = facts();
    const char *path = make_card(card, config, "c");
    CHECK(rpi_firmware_plan(path, &f, &plan, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, expect);
    CHECK(strchr(err, '\n') == NULL);
    CHECK(plan.kernel.data == NULL && plan.dtb.data == NULL);
}

int main(void) {
    tu_setup();
    make_assets();
    char err[400] = "";
    rpi_board_facts f = facts();
    rpi_boot_plan plan;

    /* The Debian-style card. */
    const char *card = make_card("card.img", debian_config, "c");
    CHECK(tu_sh("cp card.img card.orig") == 0);
    int rc = rpi_firmware_plan(card, &f, &plan, err, sizeof err);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "plan: %s\n", err);
    if (rc == 0) {
        CHECK(plan.arm_64bit && plan.enable_uart);
        CHECK(plan.kernel.len == IMAGE_LEN && !memcmp(plan.kernel.data, image, IMAGE_LEN));
        CHECK_EQ_U64(plan.kernel.addr, 0x200000);
        CHECK_EQ_U64(plan.kernel_entry, 0x200000);
        CHECK_EQ_U64(plan.kernel_reserve, IMAGE_SIZE);
        CHECK(plan.have_initrd);
        CHECK_EQ_U64(plan.initrd.addr, 0x200000 + IMAGE_SIZE); /* page-aligned after image_size */
        CHECK_EQ_U64(plan.initrd.len, INITRD1_LEN + INITRD2_LEN);
        CHECK_EQ_U64(plan.dtb.addr,
                     (0x200000 + IMAGE_SIZE + INITRD1_LEN + INITRD2_LEN + 4095) & ~4095ull);
        CHECK_EQ_U64(plan.arm_memory_size, (1024 - 64) * (UINT64_C(1) << 20));
        CHECK(plan.cmdline && !strcmp(plan.cmdline, "console=ttyS1,115200 root=/dev/mmcblk0p2 "
                                                    "rw rootwait"));
        CHECK(plan.dtb.name && !strcmp(plan.dtb.name, "bcm2837-rpi-3-b.dtb"));
        for (size_t i = 0; i < plan.warnings.count; i++)
            printf("warning: %s\n", plan.warnings.items[i]);

        /* Into guest RAM, then read back as the kernel would. */
        bus b;
        tu_bus(&b, 0, GIB);
        CHECK(rpi_firmware_place(&b, &plan, err, sizeof err) == 0);
        uint8_t *got = malloc(IMAGE_LEN + sizeof initrd);
        CHECK(bus_read_block(&b, 0x200000, got, IMAGE_LEN, err, sizeof err) == 0);
        CHECK(!memcmp(got, image, IMAGE_LEN));
        CHECK(bus_read_block(&b, plan.initrd.addr, got, sizeof initrd, err, sizeof err) == 0);
        CHECK(!memcmp(got, initrd, sizeof initrd));
        free(got);
        uint8_t *fdt = malloc(plan.dtb.len);
        CHECK(bus_read_block(&b, plan.dtb.addr, fdt, plan.dtb.len, err, sizeof err) == 0);
        CHECK(fdt_check_header(fdt) == 0);
        const char *bootargs = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL);
        CHECK(bootargs && !strcmp(bootargs, plan.cmdline));
        CHECK_EQ_U64(cells(fdt, "/chosen", "linux,initrd-start", 0, 1), plan.initrd.addr);
        CHECK_EQ_U64(cells(fdt, "/chosen", "linux,initrd-end", 0, 1),
                     plan.initrd.addr + sizeof initrd);
        CHECK_EQ_U64(cells(fdt, "/chosen", "kaslr-seed", 0, 2), 0x0123456789abcdefull);
        int len = 0;
        const uint8_t *seed = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "rng-seed", &len);
        CHECK(seed && len == 16 && seed[15] == 16);
        CHECK_EQ_U64(cells(fdt, "/memory@0", "reg", 1, 1), 0x3c000000);
        const char *serial = fdt_getprop(fdt, 0, "serial-number", NULL);
        CHECK(serial && !strcmp(serial, "00000000c0ffee42"));
        const uint8_t *mac =
            fdt_getprop(fdt, fdt_path_offset(fdt, "/soc/ethernet@1"), "local-mac-address", &len);
        CHECK(mac && len == 6 && mac[5] == 0xee);
        CHECK(fdt_path_offset(fdt, "/chosen/framebuffer@3c000000") < 0); /* no display asked */
        free(fdt);
        bus_destroy(&b);
        rpi_boot_plan_free(&plan);
    }
    CHECK(tu_sh("cmp -s card.img card.orig") == 0); /* the card was only read */

    /* A display: the framebuffer node sits in the GPU carve-out right above ARM RAM. */
    f.display = true;
    CHECK(rpi_firmware_plan(card, &f, &plan, err, sizeof err) == 0);
    CHECK(plan.have_framebuffer && plan.framebuffer.base == 0x3c000000 &&
          plan.framebuffer.width == 1024 && plan.framebuffer.stride == 2048);
    CHECK(plan.dtb.data && fdt_path_offset(plan.dtb.data, "/chosen/framebuffer@3c000000") >= 0);
    rpi_boot_plan_free(&plan);
    f.display = false;

    /* --append with --sd: the user's arguments follow cmdline.txt's, in the plan and the DTB. */
    f.extra_cmdline = "socemu.write=1 quiet";
    CHECK(rpi_firmware_plan(card, &f, &plan, err, sizeof err) == 0);
    CHECK(plan.cmdline && !strcmp(plan.cmdline, "console=ttyS1,115200 root=/dev/mmcblk0p2 rw "
                                                "rootwait socemu.write=1 quiet"));
    CHECK(plan.dtb.data &&
          !strcmp(fdt_getprop(plan.dtb.data, fdt_path_offset(plan.dtb.data, "/chosen"), "bootargs",
                              NULL),
                  plan.cmdline));
    rpi_boot_plan_free(&plan);
    f.extra_cmdline = NULL;

    /* Defaults: no gpu_mem (76 MiB), the downstream DTB name missing so the upstream one is
     * used with a warning, kernel_address and an explicit initramfs address honoured. */
    card = make_card("card2.img",
                     "arm_64bit=1\nkernel=vmlinuz.gz\nkernel_address=0x400000\n"
                     "initramfs extra.cpio 0x8000000\n",
                     "c");
    CHECK(rpi_firmware_plan(card, &f, &plan, err, sizeof err) == 0);
    CHECK_EQ_U64(plan.arm_memory_size, 0x3b400000);
    CHECK_EQ_U64(plan.kernel.addr, 0x400000);
    CHECK_EQ_U64(plan.initrd.addr, 0x8000000);
    CHECK_EQ_U64(plan.initrd.len, INITRD2_LEN);
    CHECK_EQ_U64(plan.dtb.addr, 0x8001000);
    bool fallback_warned = false;
    for (size_t i = 0; i < plan.warnings.count; i++)
        if (strstr(plan.warnings.items[i], "no bcm2710-rpi-3-b.dtb: using bcm2837-rpi-3-b.dtb"))
            fallback_warned = true;
    CHECK(fallback_warned);
    rpi_boot_plan_free(&plan);

    /* Broken cards: one line each, naming the card and the file. */
    expect_error("e1.img", "arm_64bit=1\nkernel=foo.img\n",
                 "e1.img: config.txt names kernel 'foo.img' but it is not on the boot partition");
    expect_error("e2.img", "arm_64bit=1\n",
                 "e2.img: no kernel: 'kernel8.img' is not on the boot "
                 "partition");
    expect_error("e3.img", "arm_64bit=1\nkernel=bad.gz\n", "e3.img: bad.gz: truncated gzip data");
    expect_error("e4.img", "arm_64bit=1\nkernel=vmlinuz.gz\ndevice_tree=bbb.dtb\n",
                 "e4.img: bbb.dtb: device tree is for 'ti,am335x-bone-black', not a Raspberry Pi 3 "
                 "(brcm,bcm2837)");
    expect_error("e5.img", "arm_64bit=1\nkernel=vmlinuz.gz\ninitramfs gone.img\n",
                 "e5.img: config.txt names initramfs 'gone.img' but it is not on the boot "
                 "partition");
    expect_error("e6.img", "arm_64bit=1\nkernel=vmlinuz.gz\ndevice_tree=cmdline.txt\n",
                 "e6.img: cmdline.txt: not a device tree blob");
    expect_error("e7.img", "kernel=vmlinuz.gz\n",
                 "e7.img: vmlinuz.gz: is a 64-bit arm64 Image but config.txt does not set "
                 "arm_64bit=1");
    expect_error("e8.img", "arm_64bit=1\nkernel=vmlinuz.gz\n\nkernel_address=0x3ff00000\n",
                 "e8.img: kernel at 0x3ff00000");
    expect_error("e9.img", "arm_64bit=1\n\nkernel_address=what\n",
                 "e9.img: config.txt:3: kernel_address: 'what' is not a number");
    expect_error("e10.img", "arm_64bit=1\nkernel=vmlinuz.gz\ninitramfs initrd.img 0x300000\n",
                 "e10.img: initramfs at 0x300000 overlaps the kernel");
    /* No FAT partition at all. */
    card = make_card("nofat.img", NULL, "83");
    CHECK(tu_sh("chmod u+w nofat.img && dd if=/dev/zero of=nofat.img bs=512 seek=2048 count=64 "
                "conv=notrunc status=none") == 0);
    CHECK(rpi_firmware_plan(card, &f, &plan, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "nofat.img: no FAT boot partition");
    CHECK(rpi_firmware_plan(tu_path("absent.img"), &f, &plan, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "absent.img: No such file or directory");
    tu_cleanup();
    return check_report("loader_rpi_firmware");
}
