/* ELF loading (loader/elf.c) into a small machine: 16 MiB of RAM at 0 and a ROM at 0x20000000,
 * for both the AArch64 and the ARM checks. */
#include "fuzz_util.h"
#include "loader/loader.h"
#include "soc/bus.h"

static bus b;

static void setup(void) {
    char err[256];
    bus_init(&b, BUS_UNMAPPED_ABORT);
    if (bus_add_ram(&b, "ram", 0, 16u << 20, NULL, err, sizeof err) ||
        bus_add_rom(&b, "rom", 0x20000000, 64u << 10, NULL, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    if (!b.n_regions) setup();
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) abort();
    memcpy(copy, data, len);
    (void)loader_is_elf(copy, len);
    for (int arch = 0; arch < 2; arch++) {
        loaded_elf out;
        char err[512] = "";
        int rc =
            loader_load_elf(&b, "fuzz.elf", copy, len, arch ? LOADER_ARCH_ARM : LOADER_ARCH_AARCH64,
                            &out, err, sizeof err);
        if (rc == 0) {
            /* low and high bound what was written (segments may leave gaps between them) */
            if (out.low >= out.high) abort();
            if (!loader_range_is_memory(&b, out.low, 1) ||
                !loader_range_is_memory(&b, out.high - 1, 1))
                abort(); /* it wrote somewhere that is not memory */
        } else if (!err[0]) {
            abort();
        }
    }
    free(copy);
    return 0;
}
