/* Placing blobs into guest memory: always through the bus, never around it. */
#include "loader/loader.h"

#include <inttypes.h>
#include <stdio.h>

bool loader_range_is_memory(const bus *b, uint64_t addr, uint64_t len) {
    if (len == 0) return true;
    if (addr + len < addr) return false; /* wraps */
    while (len) {
        uint64_t avail = 0;
        /* for_write = false: ROM counts, the loader may fill it. */
        if (!bus_ram_ptr(b, addr, false, &avail) || avail == 0) return false;
        if (avail >= len) return true;
        addr += avail;
        len -= avail;
    }
    return true;
}

int loader_place(bus *b, const char *path, uint64_t addr, const uint8_t *data, size_t len,
                 char *err, size_t errlen) {
    if (!loader_range_is_memory(b, addr, len)) {
        snprintf(err, errlen, "%s: 0x%" PRIx64 "-0x%" PRIx64 " (%zu bytes) is outside guest RAM",
                 path, addr, addr + len, len);
        return -1;
    }
    char why[LOADER_MSG_MAX];
    if (bus_write_block(b, addr, data, len, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}
