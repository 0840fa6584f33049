/* config.txt: keys, filters for the board, includes, the initramfs command, warnings and errors
 * with file:line; cmdline.txt's first line. */
#include "check.h"
#include "loader/rpi_config.h"
#include "loader_test_util.h"

/* Included files served from a table, as the FAT would. */
static int read_table(void *ctx, const char *name, char **text, size_t *len, char *err,
                      size_t errlen) {
    const char *const *files = ctx;
    for (; files[0]; files += 2) {
        if (strcmp(files[0], name)) continue;
        *text = strdup(files[1]);
        *len = strlen(files[1]);
        return 0;
    }
    return 1;
}

static const rpi_board_id pi3b = {.revision = 0xa02082, .serial = 0x12345678};
static const rpi_board_id pi3bplus = {.revision = 0xa020d3, .serial = 0x1};

static int parse(rpi_config *c, const char *text, const rpi_board_id *id, const char *const *inc,
                 char *err) {
    rpi_config_init(c);
    return rpi_config_parse(c, "config.txt", text, strlen(text), id, read_table, (void *)inc, err,
                            300);
}

static bool has_warning(const rpi_config *c, const char *needle) {
    for (size_t i = 0; i < c->warnings.count; i++)
        if (strstr(c->warnings.items[i], needle)) return true;
    return false;
}

int main(void) {
    char err[300];
    rpi_config c;
    CHECK_EQ_U64(rpi_revision_board_type(0xa02082), 0x08);
    CHECK_EQ_U64(rpi_revision_board_type(0xa020d3), 0x0d);

    /* Debian's config.txt, with CRLF endings and a comment. */
    const char *debian = "# Debian\r\narm_64bit=1\r\nenable_uart=1\r\nupstream_kernel=1\r\n\r\n"
                         "kernel=vmlinuz-6.1.0-21-arm64\r\n# initramfs\r\ninitramfs "
                         "initrd.img-6.1.0-21-arm64\r\n";
    CHECK(parse(&c, debian, &pi3b, NULL, err) == 0);
    CHECK(c.arm_64bit == 1 && c.enable_uart && c.upstream_kernel);
    CHECK(c.kernel && !strcmp(c.kernel, "vmlinuz-6.1.0-21-arm64"));
    CHECK(c.initramfs.count == 1 && !strcmp(c.initramfs.items[0], "initrd.img-6.1.0-21-arm64"));
    CHECK(!c.initramfs_address_set);
    CHECK(c.warnings.count == 0);
    CHECK(c.gpu_mem == -1 && c.total_mem == -1 && c.device_tree == NULL);
    rpi_config_free(&c);

    /* All the keys socemu uses. */
    const char *full = "kernel_address=0x400000\ninitramfs a.cpio,b.cpio.gz 0x3000000\n"
                       "device_tree=my.dtb\ndevice_tree_address=0x100\nos_prefix=os1/\n"
                       "cmdline=cmd2.txt\ngpu_mem=64\ngpu_mem_1024=128\ntotal_mem=512\n"
                       "dtoverlay=vc4-kms-v3d\ndtoverlay=disable-bt\ndtparam=audio=on\n"
                       "framebuffer_width=800\nframebuffer_height=600\nframebuffer_depth=32\n"
                       "hdmi_force_hotplug=1\nmy_made_up_key=3\narmstub=stub.bin\n"
                       "dtoverlay=\ndtparam=i2c_arm=on\noverlay_prefix=ovl/\n";
    CHECK(parse(&c, full, &pi3b, NULL, err) == 0);
    CHECK(c.kernel_address_set && c.kernel_address == 0x400000);
    CHECK(c.initramfs.count == 2 && !strcmp(c.initramfs.items[1], "b.cpio.gz"));
    CHECK(c.initramfs_address_set && c.initramfs_address == 0x3000000);
    CHECK(c.device_tree && !strcmp(c.device_tree, "my.dtb"));
    CHECK(c.device_tree_address_set && c.device_tree_address == 0x100);
    CHECK(c.os_prefix && !strcmp(c.os_prefix, "os1/"));
    CHECK(c.cmdline && !strcmp(c.cmdline, "cmd2.txt"));
    CHECK(c.gpu_mem == 64 && c.gpu_mem_1024 == 128 && c.total_mem == 512);
    CHECK(c.dtoverlays.count == 2 && !strcmp(c.dtoverlays.items[1], "disable-bt"));
    CHECK(c.dtparams.count == 2 && !strcmp(c.dtparams.items[0], "audio=on"));
    /* dtoverlay/dtparam in file order, the empty dtoverlay= (end of scope) included */
    CHECK(c.dt_directives.count == 5 && !strcmp(c.dt_directives.items[2], "dtparam=audio=on") &&
          !strcmp(c.dt_directives.items[3], "dtoverlay=") &&
          !strcmp(c.dt_directives.items[4], "dtparam=i2c_arm=on"));
    CHECK(c.overlay_prefix && !strcmp(c.overlay_prefix, "ovl/"));
    CHECK(c.framebuffer_width == 800 && c.framebuffer_height == 600 && c.framebuffer_depth == 32);
    CHECK(c.arm_64bit == -1);
    CHECK(c.warnings.count == 2);
    CHECK(has_warning(&c, "config.txt:17: unknown key 'my_made_up_key' ignored"));
    CHECK(has_warning(&c, "config.txt:18: 'armstub' is not supported"));
    rpi_config_free(&c);

    /* Filters: model, pi3+, serial, board-type, none/all. */
    const char *filtered = "kernel=all.img\n[pi4]\nkernel=pi4.img\n[pi3]\ngpu_mem=100\n"
                           "[pi3+]\ngpu_mem=200\n[all]\n[0x12345678]\ntotal_mem=700\n"
                           "[0x99999999]\ntotal_mem=800\n[all]\n[board-type=0x08]\n"
                           "framebuffer_width=1\n[board-type=0x0d]\nframebuffer_width=2\n[none]\n"
                           "arm_64bit=1\n[all]\nenable_uart=1\n";
    CHECK(parse(&c, filtered, &pi3b, NULL, err) == 0);
    CHECK(c.kernel && !strcmp(c.kernel, "all.img"));
    CHECK(c.gpu_mem == 100);
    CHECK(c.total_mem == 700);
    CHECK(c.framebuffer_width == 1);
    CHECK(c.arm_64bit == -1);
    CHECK(c.enable_uart);
    rpi_config_free(&c);
    CHECK(parse(&c, filtered, &pi3bplus, NULL, err) == 0);
    CHECK(c.gpu_mem == 200 && c.total_mem == -1 && c.framebuffer_width == 2);
    rpi_config_free(&c);

    /* [pi3] followed by [0x...]: kinds combine (AND); a later model filter replaces [pi3]. */
    CHECK(parse(&c, "[pi3]\n[0x12345678]\ngpu_mem=17\n[pi4]\ngpu_mem=18\n", &pi3b, NULL, err) == 0);
    CHECK(c.gpu_mem == 17);
    rpi_config_free(&c);

    /* Includes, honoured only where the section applies; nested; loops are refused. */
    const char *const files[] = {"extra.txt",  "gpu_mem=32\ninclude deeper.txt\n",
                                 "deeper.txt", "kernel=deep.img\n",
                                 "pi4.txt",    "kernel=wrong.img\n",
                                 "loop.txt",   "include loop.txt\n",
                                 NULL};
    CHECK(parse(&c, "include extra.txt\n[pi4]\ninclude pi4.txt\n", &pi3b, files, err) == 0);
    CHECK(c.gpu_mem == 32 && c.kernel && !strcmp(c.kernel, "deep.img"));
    rpi_config_free(&c);
    CHECK(parse(&c, "\ninclude loop.txt\n", &pi3b, files, err) == -1);
    CHECK_STR_CONTAINS(err, "nested too deeply");
    rpi_config_free(&c);
    CHECK(parse(&c, "# x\n\ninclude gone.txt\n", &pi3b, files, err) == -1);
    CHECK_STR_CONTAINS(err, "config.txt:3: include 'gone.txt': not on the boot partition");
    rpi_config_free(&c);

    /* initramfs forms. */
    CHECK(parse(&c, "initramfs x.img followkernel\n", &pi3b, NULL, err) == 0);
    CHECK(c.initramfs.count == 1 && !c.initramfs_address_set);
    rpi_config_free(&c);
    CHECK(parse(&c, "initramfs x.img 0\n", &pi3b, NULL, err) == 0);
    CHECK(!c.initramfs_address_set);
    rpi_config_free(&c);
    CHECK(parse(&c, "ramfsfile=r1,r2\nramfsaddr=0x2000000\n", &pi3b, NULL, err) == 0);
    CHECK(c.initramfs.count == 2 && c.initramfs_address_set && c.initramfs_address == 0x2000000);
    rpi_config_free(&c);

    /* Errors name the file and line; warnings do not stop parsing. */
    struct {
        const char *text, *expect;
    } bad[] = {
        {"arm_64bit=1\n\n\n\n\n\nkernel_address=zz\n", "config.txt:7: kernel_address: 'zz' is "
                                                       "not a number"},
        {"gpu_mem=-5\n", "config.txt:1: gpu_mem: '-5' is not a number"},
        {"gpu_mem=5000\n", "config.txt:1: gpu_mem: 5000 is out of range"},
        {"total_mem=99999999999999999999\n",
         "config.txt:1: total_mem: 99999999999999999999 is too large (at most 16384)"},
        {"[pi3\n", "config.txt:1: unterminated section"},
        {"initramfs\n", "config.txt:1: initramfs needs a file name"},
        {"initramfs a.img somewhere\n", "neither an address nor followkernel"},
        {"kernel=\n", "config.txt:1: kernel: empty file name"},
        {"[board-type=zz]\n", "bad board-type filter"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse(&c, bad[i].text, &pi3b, NULL, err) == -1);
        CHECK_STR_CONTAINS(err, bad[i].expect);
        rpi_config_free(&c);
    }
    CHECK(parse(&c,
                "just words\n[EDID=VSC-TD2220]\nkernel=edid.img\n[all]\n[gpio4=1]\n"
                "gpu_mem=20\n[gpio20=1]\ngpu_mem=30\n[weird]\nkernel=weird.img\n",
                &pi3b, NULL, err) == 0);
    CHECK(has_warning(&c, "config.txt:1: ignoring line 'just words'"));
    CHECK(has_warning(&c, "config.txt:9: unknown filter '[weird]'"));
    CHECK(c.kernel == NULL); /* no monitor, unknown filter skipped */
    CHECK(c.gpu_mem == 20);  /* GPIO 4 pulls high, GPIO 20 low */
    rpi_config_free(&c);

    /* Binary junk never crashes the parser. */
    char junk[2048];
    tu_fill((uint8_t *)junk, sizeof junk, 5);
    rpi_config_init(&c);
    rpi_config_parse(&c, "junk", junk, sizeof junk, &pi3b, NULL, NULL, err, sizeof err);
    rpi_config_free(&c);

    /* cmdline.txt */
    char *cl =
        rpi_cmdline_from_text("console=ttyS1,115200 root=/dev/mmcblk0p2 rw \r\nsecond\n", 54);
    CHECK(cl && !strcmp(cl, "console=ttyS1,115200 root=/dev/mmcblk0p2 rw"));
    free(cl);
    cl = rpi_cmdline_from_text("", 0);
    CHECK(cl && !strcmp(cl, ""));
    free(cl);
    cl = rpi_cmdline_from_text("a b", 3);
    CHECK(cl && !strcmp(cl, "a b"));
    free(cl);
    return check_report("loader_rpi_config");
}
