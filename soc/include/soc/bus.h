/* The physical address space: RAM and ROM (host memory, reached directly by pointer) and MMIO
 * regions (device callbacks with declared access sizes).
 *
 * Regions never overlap: bus_add_* refuses an overlapping, empty or wrapping range with a message
 * naming both regions. Lookups are a binary search over a sorted array: they are the slow path (the
 * CPU caches RAM host pointers in its TLB and never asks the bus for RAM on the hot path). */
#ifndef SOC_BUS_H
#define SOC_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { REGION_RAM, REGION_ROM, REGION_MMIO, REGION_UNIMP } region_kind;

/* What a device's register block accepts. Sizes are in bytes (1, 2, 4, 8).
 * valid_*: what the guest may do; anything else is a bus error (logged, then RAZ/WI or abort as
 * the bus policy says). impl_*: what the callbacks handle; the bus splits wider and widens
 * narrower accesses (read-modify-write) so a device writes only its natural width.
 * Zeros mean the defaults: valid 1..8, impl = valid. */
typedef struct mmio_ops {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    uint8_t valid_min, valid_max;
    uint8_t impl_min, impl_max;
    bool unaligned_ok;
} mmio_ops;

typedef struct bus_region {
    const char *name;
    uint64_t base, size;
    region_kind kind;
    uint8_t *host;       /* RAM/ROM: host memory of the whole region */
    const mmio_ops *ops; /* MMIO */
    void *opaque;        /* MMIO: passed to the callbacks */
    bool owns_host;      /* host memory was allocated by the bus */
    /* Guest accesses that reached the device (MMIO) or the unimplemented block: the
     * SOCEMU_STATS "mmio" line, to explain where a boot's device time goes. */
    uint64_t reads, writes;
} bus_region;

/* What happens on an access to an address no region covers, or of a size a region refuses. */
typedef enum { BUS_UNMAPPED_RAZ_WI, BUS_UNMAPPED_ABORT } bus_unmapped_policy;

typedef enum { BUS_OK = 0, BUS_ERR_UNMAPPED, BUS_ERR_SIZE, BUS_ERR_READONLY } bus_status;

#define BUS_MAX_REGIONS 256

/* Called after RAM is written by anyone but the CPU's own stores (loader, DMA, devices), so that
 * decoded code for that range can be dropped. */
typedef void (*bus_ram_write_hook)(void *opaque, uint64_t addr, uint64_t len);

typedef struct bus {
    bus_region regions[BUS_MAX_REGIONS]; /* sorted by base */
    unsigned n_regions;
    bus_unmapped_policy unmapped_policy;
    uint64_t unmapped_accesses; /* count of accesses that hit nothing or a refused size */
    uint64_t unimp_accesses;    /* count of accesses to REGION_UNIMP blocks */
    uint64_t readonly_writes;   /* count of bus_write calls refused by ROM */
    void *logged;               /* set of addresses already warned about (slow path only) */
    bus_ram_write_hook ram_write_hook;
    void *ram_write_hook_opaque;
} bus;

void bus_init(bus *b, bus_unmapped_policy policy);
void bus_destroy(bus *b);
/* One "socemu-stats: mmio" line: reads/writes per device region, busiest first. */
void bus_report_stats(const bus *b, FILE *out);

/* Each returns 0, or -1 with a one-line reason in err. host == NULL: the bus allocates zeroed
 * memory (freed by bus_destroy). */
int bus_add_ram(bus *b, const char *name, uint64_t base, uint64_t size, uint8_t *host, char *err,
                size_t errlen);
int bus_add_rom(bus *b, const char *name, uint64_t base, uint64_t size, uint8_t *host, char *err,
                size_t errlen);
int bus_add_mmio(bus *b, const char *name, uint64_t base, uint64_t size, const mmio_ops *ops,
                 void *opaque, char *err, size_t errlen);
/* A block that is known to exist but is not modelled: reads zero, writes are ignored, each
 * register offset is warned about once (and traced under TRACE_UNIMP). */
int bus_add_unimp(bus *b, const char *name, uint64_t base, uint64_t size, char *err, size_t errlen);

const bus_region *bus_find(const bus *b, uint64_t addr);
/* "RAM", "ROM", "MMIO", "unimplemented": for messages. */
const char *bus_region_kind_name(region_kind kind);

/* Host pointer for addr if it lies in RAM (or ROM when !for_write), with the number of bytes that
 * follow contiguously in *avail; NULL otherwise. */
uint8_t *bus_ram_ptr(const bus *b, uint64_t addr, bool for_write, uint64_t *avail);

/* One access of size 1, 2, 4 or 8 bytes, little-endian. Unmapped or refused accesses are counted,
 * logged once per address, and then read as zero / ignored (BUS_UNMAPPED_RAZ_WI, status BUS_OK is
 * NOT returned: the status says what happened so the CPU can raise an external abort under the
 * ABORT policy). */
bus_status bus_read(bus *b, uint64_t addr, unsigned size, uint64_t *value);
bus_status bus_write(bus *b, uint64_t addr, unsigned size, uint64_t value);
/* Whether a failed access should abort (per the policy). */
static inline bool bus_should_abort(const bus *b, bus_status s) {
    return s != BUS_OK && b->unmapped_policy == BUS_UNMAPPED_ABORT;
}

/* Block copies for the loader and DMA: RAM (and ROM for the loader) only, may span adjacent
 * regions; return 0 or -1 with a reason naming the address. bus_write_block calls the RAM write
 * hook. */
int bus_write_block(bus *b, uint64_t addr, const void *src, size_t len, char *err, size_t errlen);
int bus_read_block(bus *b, uint64_t addr, void *dst, size_t len, char *err, size_t errlen);
void bus_set_ram_write_hook(bus *b, bus_ram_write_hook hook, void *opaque);

#endif
