/* MBR partition table (loader/mbr.c): the input is a whole card image. */
#include "fuzz_util.h"
#include "loader/mbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    fuzz_mem m;
    disk_reader d = fuzz_disk(&m, data, len);
    mbr_table t;
    char err[512];
    if (mbr_read(&d, &t, err, sizeof err) == 0) {
        if (t.count > 4) abort();
        for (unsigned i = 0; i < t.count; i++) {
            const mbr_partition *p = &t.parts[i];
            /* What mbr_read promises: each partition inside the image, clear of sector 0. */
            if (p->start_lba == 0 || p->sectors == 0) abort();
            if (p->start_lba + p->sectors > len / MBR_SECTOR_SIZE) abort();
            if (!mbr_type_name(p->type)) abort();
            (void)mbr_type_is_fat(p->type);
        }
    } else if (!err[0]) {
        abort(); /* every failure says why */
    }
    return 0;
}
