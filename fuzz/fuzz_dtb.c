/* Device tree blobs (loader/dtb.c): the checks and the firmware's fix-ups, as the rpi3 firmware
 * flow runs them on a DTB from the card; the result must again pass the checks. */
#include "fuzz_util.h"
#include "loader/dtb.h"

static const char *const compat[] = {"brcm,bcm2837", "raspberrypi,3-model-b", NULL};
static const uint8_t rng_seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    char err[512] = "";
    /* An exact-size heap copy, so ASan sees reads past the end. */
    uint8_t *blob = malloc(len ? len : 1);
    if (!blob) abort();
    memcpy(blob, data, len);
    if (dtb_check("fuzz.dtb", blob, len, err, sizeof err)) {
        if (!err[0]) abort();
        free(blob);
        return 0;
    }
    (void)dtb_check_compatible("fuzz.dtb", blob, "Raspberry Pi 3", compat, err, sizeof err);
    dtb_fixups fx = {
        .set_memory = true,
        .memory_size = 0x3b400000,
        .bootargs = "console=ttyS1,115200 root=/dev/mmcblk0p2 rootwait",
        .set_initrd = true,
        .initrd_start = 0x2000000,
        .initrd_end = 0x2400000,
        .set_kaslr_seed = true,
        .kaslr_seed = 0x0123456789abcdefull,
        .rng_seed = rng_seed,
        .rng_seed_len = sizeof rng_seed,
        .serial_number = "00000000c0ffee42",
        .set_mac = true,
        .mac = {0xb8, 0x27, 0xeb, 0xc0, 0xff, 0xee},
        .add_framebuffer = true,
        .framebuffer = {
            .base = 0x3c100000, .width = 640, .height = 480, .stride = 1280, .format = "r5g6b5"}};
    size_t n = len;
    dtb_fixup_report report;
    if (dtb_apply_fixups("fuzz.dtb", &blob, &n, &fx, &report, err, sizeof err) == 0) {
        if (dtb_check("fixed.dtb", blob, n, err, sizeof err)) {
            fprintf(stderr, "fix-ups made a bad blob: %s\n", err);
            abort();
        }
    } else if (!err[0]) {
        abort();
    }
    free(blob);
    return 0;
}
