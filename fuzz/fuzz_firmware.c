/* The whole Raspberry Pi firmware flow (loader/rpi_firmware.c) on a card image: MBR, FAT,
 * config.txt and its includes, cmdline.txt, the kernel (arm64 Image, zImage, gzip/xz), the DTB,
 * overlays, initramfs and the load addresses. rpi_firmware_plan takes a path: the input is
 * written to a file in a private directory. File size is capped (RLIMIT_FSIZE) so a compressed
 * card that inflates without end fails cleanly. */
#include <signal.h>
#include <sys/resource.h>

#include "fuzz_util.h"
#include "loader/rpi_firmware.h"

static const char *const compat[] = {"raspberrypi,3-model-b", "brcm,bcm2837", NULL};
static const uint8_t rng_seed[8] = {1, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 64u << 20, .rlim_max = 64u << 20};
    if (setrlimit(RLIMIT_FSIZE, &rl)) abort();
    setenv("TMPDIR", fuzz_dir(), 1); /* decompressed cards go here */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    signal(SIGXFSZ, SIG_IGN); /* libFuzzer installs its own handler after LLVMFuzzerInitialize */
    const char *path = fuzz_write_file("card.img", data, len);
    rpi_board_facts facts = {.board_name = "Raspberry Pi 3",
                             .ram_size = 1u << 30,
                             .id = {.revision = 0xa02082, .serial = 0xc0ffee42},
                             .dt_compatible = compat,
                             .have_mac = true,
                             .mac = {0xb8, 0x27, 0xeb, 0xc0, 0xff, 0xee},
                             .have_kaslr_seed = true,
                             .kaslr_seed = 42,
                             .rng_seed = rng_seed,
                             .rng_seed_len = sizeof rng_seed,
                             .display = len & 1,
                             .extra_cmdline = len & 2 ? "quiet" : NULL};
    rpi_boot_plan plan;
    char err[1024] = "";
    if (rpi_firmware_plan(path, &facts, &plan, err, sizeof err) == 0) {
        if (!plan.kernel.data || !plan.dtb.data) abort();
        rpi_boot_plan_free(&plan);
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
