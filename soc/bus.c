/* The physical address space: a sorted array of non-overlapping regions, binary-searched on the
 * slow path. MMIO accesses are checked against the device's valid sizes and reshaped to its
 * implemented sizes here, so device models only ever see their natural register width. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "once_set.h"
#include "soc/bus.h"
#include "soc/log.h"

/* Keys of the once-only warning set: what went wrong at an address. */
enum { WARN_UNMAPPED = 1, WARN_SIZE, WARN_READONLY, WARN_UNIMP };

void bus_init(bus *b, bus_unmapped_policy policy) {
    memset(b, 0, sizeof *b);
    b->unmapped_policy = policy;
}

void bus_destroy(bus *b) {
    for (unsigned i = 0; i < b->n_regions; i++) {
        bus_region *r = &b->regions[i];
        if (r->owns_host) free(r->host);
        free((char *)r->name);
    }
    once_set_free(b->logged);
    memset(b, 0, sizeof *b);
}

const char *bus_region_kind_name(region_kind kind) {
    switch (kind) {
    case REGION_RAM: return "RAM";
    case REGION_ROM: return "ROM";
    case REGION_MMIO: return "MMIO";
    case REGION_UNIMP: return "unimplemented";
    }
    return "?";
}

static uint64_t region_last(const bus_region *r) {
    return r->base + (r->size - 1);
}

/* Index of the region containing addr, or -1. */
static int find_index(const bus *b, uint64_t addr) {
    unsigned lo = 0, hi = b->n_regions; /* first region with base > addr is in [lo, hi] */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (b->regions[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return -1;
    const bus_region *r = &b->regions[lo - 1];
    return addr - r->base < r->size ? (int)(lo - 1) : -1;
}

const bus_region *bus_find(const bus *b, uint64_t addr) {
    int i = find_index(b, addr);
    return i < 0 ? NULL : &b->regions[i];
}

static int add_region(bus *b, const bus_region *proto, char *err, size_t errlen) {
    const char *name = proto->name ? proto->name : "(unnamed)";
    if (proto->size == 0) {
        snprintf(err, errlen, "region '%s' at 0x%" PRIx64 " has size zero", name, proto->base);
        return -1;
    }
    uint64_t last = proto->base + (proto->size - 1);
    if (last < proto->base) {
        snprintf(err, errlen,
                 "region '%s' at 0x%" PRIx64 " size 0x%" PRIx64 " wraps past the end of the "
                 "address space",
                 name, proto->base, proto->size);
        return -1;
    }
    if (b->n_regions >= BUS_MAX_REGIONS) {
        snprintf(err, errlen, "region '%s': bus is full (%d regions)", name, BUS_MAX_REGIONS);
        return -1;
    }
    unsigned pos = b->n_regions;
    for (unsigned i = 0; i < b->n_regions; i++) {
        const bus_region *r = &b->regions[i];
        /* Two-sided test: catches containment in either direction and straddling. */
        if (proto->base <= region_last(r) && r->base <= last) {
            snprintf(err, errlen,
                     "region '%s' [0x%" PRIx64 "-0x%" PRIx64 "] overlaps '%s' [0x%" PRIx64
                     "-0x%" PRIx64 "]",
                     name, proto->base, last, r->name, r->base, region_last(r));
            return -1;
        }
        if (pos == b->n_regions && r->base > proto->base) pos = i;
    }
    char *name_copy = strdup(name);
    if (!name_copy) {
        snprintf(err, errlen, "region '%s': out of memory", name);
        return -1;
    }
    memmove(&b->regions[pos + 1], &b->regions[pos], (b->n_regions - pos) * sizeof b->regions[0]);
    b->regions[pos] = *proto;
    b->regions[pos].name = name_copy;
    b->n_regions++;
    return 0;
}

static int add_memory(bus *b, region_kind kind, const char *name, uint64_t base, uint64_t size,
                      uint8_t *host, char *err, size_t errlen) {
    bus_region r = {.name = name, .base = base, .size = size, .kind = kind, .host = host};
    if (!host && size > 0) {
        if (size > SIZE_MAX) {
            snprintf(err, errlen, "region '%s': size 0x%" PRIx64 " too large for this host", name,
                     size);
            return -1;
        }
        /* calloc of a large block maps fresh zero pages lazily, so unused guest RAM costs nothing.
         */
        r.host = calloc(1, (size_t)size);
        if (!r.host) {
            snprintf(err, errlen, "region '%s': cannot allocate 0x%" PRIx64 " bytes", name, size);
            return -1;
        }
        r.owns_host = true;
    }
    if (add_region(b, &r, err, errlen) < 0) {
        if (r.owns_host) free(r.host);
        return -1;
    }
    return 0;
}

int bus_add_ram(bus *b, const char *name, uint64_t base, uint64_t size, uint8_t *host, char *err,
                size_t errlen) {
    return add_memory(b, REGION_RAM, name, base, size, host, err, errlen);
}

int bus_add_rom(bus *b, const char *name, uint64_t base, uint64_t size, uint8_t *host, char *err,
                size_t errlen) {
    return add_memory(b, REGION_ROM, name, base, size, host, err, errlen);
}

static bool is_access_size(unsigned size) {
    return size == 1 || size == 2 || size == 4 || size == 8;
}

int bus_add_mmio(bus *b, const char *name, uint64_t base, uint64_t size, const mmio_ops *ops,
                 void *opaque, char *err, size_t errlen) {
    if (!ops || !ops->read || !ops->write) {
        snprintf(err, errlen, "MMIO region '%s' needs read and write callbacks",
                 name ? name : "(unnamed)");
        return -1;
    }
    unsigned limits[4] = {ops->valid_min, ops->valid_max, ops->impl_min, ops->impl_max};
    for (unsigned i = 0; i < 4; i++) {
        if (limits[i] != 0 && !is_access_size(limits[i])) {
            snprintf(err, errlen, "MMIO region '%s': access size limit %u is not 1, 2, 4 or 8",
                     name ? name : "(unnamed)", limits[i]);
            return -1;
        }
    }
    if ((ops->valid_min && ops->valid_max && ops->valid_min > ops->valid_max) ||
        (ops->impl_min && ops->impl_max && ops->impl_min > ops->impl_max)) {
        snprintf(err, errlen, "MMIO region '%s': minimum access size above the maximum",
                 name ? name : "(unnamed)");
        return -1;
    }
    bus_region r = {.name = name,
                    .base = base,
                    .size = size,
                    .kind = REGION_MMIO,
                    .ops = ops,
                    .opaque = opaque};
    return add_region(b, &r, err, errlen);
}

int bus_add_unimp(bus *b, const char *name, uint64_t base, uint64_t size, char *err,
                  size_t errlen) {
    bus_region r = {.name = name, .base = base, .size = size, .kind = REGION_UNIMP};
    return add_region(b, &r, err, errlen);
}

uint8_t *bus_ram_ptr(const bus *b, uint64_t addr, bool for_write, uint64_t *avail) {
    const bus_region *r = bus_find(b, addr);
    if (!r || !(r->kind == REGION_RAM || (r->kind == REGION_ROM && !for_write))) return NULL;
    uint64_t offset = addr - r->base;
    if (avail) *avail = r->size - offset;
    return r->host + offset;
}

void bus_set_ram_write_hook(bus *b, bus_ram_write_hook hook, void *opaque) {
    b->ram_write_hook = hook;
    b->ram_write_hook_opaque = opaque;
}

/* ---- single accesses ---- */

static uint64_t size_mask(unsigned size) {
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

static uint64_t load_le(const uint8_t *p, unsigned size) {
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v) {
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool warn_first(bus *b, uint64_t addr, unsigned what) {
    once_set *set = b->logged; /* void * in the header keeps the set's type private */
    bool first = once_set_first(&set, addr, what);
    b->logged = set;
    return first;
}

static bus_status unmapped(bus *b, uint64_t addr, unsigned size, bool is_write, uint64_t value) {
    b->unmapped_accesses++;
    if (warn_first(b, addr, WARN_UNMAPPED)) {
        if (is_write)
            soc_warn("bus: unmapped %u-byte write of 0x%" PRIx64 " to 0x%" PRIx64 "%s", size, value,
                     addr, b->unmapped_policy == BUS_UNMAPPED_ABORT ? " (abort)" : " (ignored)");
        else
            soc_warn("bus: unmapped %u-byte read from 0x%" PRIx64 "%s", size, addr,
                     b->unmapped_policy == BUS_UNMAPPED_ABORT ? " (abort)" : " (reads zero)");
    }
    return BUS_ERR_UNMAPPED;
}

static bus_status refused_size(bus *b, const bus_region *r, uint64_t addr, unsigned size,
                               bool is_write, const char *why) {
    b->unmapped_accesses++;
    if (warn_first(b, addr, WARN_SIZE))
        soc_warn("bus: %u-byte %s at 0x%" PRIx64 " ('%s'+0x%" PRIx64 ") refused: %s", size,
                 is_write ? "write" : "read", addr, r->name, addr - r->base, why);
    return BUS_ERR_SIZE;
}

/* A size no bus access can have: a caller's bug, reported like any refused access. */
static bus_status bad_size(bus *b, uint64_t addr, unsigned size, bool is_write) {
    b->unmapped_accesses++;
    if (warn_first(b, addr, WARN_SIZE))
        soc_warn("bus: %u-byte %s at 0x%" PRIx64 " refused: sizes are 1, 2, 4 or 8", size,
                 is_write ? "write" : "read", addr);
    return BUS_ERR_SIZE;
}

static void unimp_access(bus *b, const bus_region *r, uint64_t addr, unsigned size, bool is_write,
                         uint64_t value) {
    uint64_t offset = addr - r->base;
    b->unimp_accesses++;
    if (warn_first(b, addr, WARN_UNIMP)) {
        if (is_write)
            soc_warn("%s: register 0x%" PRIx64 " (%u-byte write of 0x%" PRIx64
                     ") not modelled, ignored",
                     r->name, offset, size, value);
        else
            soc_warn("%s: register 0x%" PRIx64 " (%u-byte read) not modelled, reads zero", r->name,
                     offset, size);
    }
    soc_trace(TRACE_UNIMP, "%s: %s 0x%" PRIx64 " size %u value 0x%" PRIx64, r->name,
              is_write ? "write" : "read", offset, size, value);
}

typedef struct {
    unsigned valid_min, valid_max, impl_min, impl_max;
} access_limits;

static access_limits limits_of(const mmio_ops *ops) {
    access_limits l;
    l.valid_min = ops->valid_min ? ops->valid_min : 1;
    l.valid_max = ops->valid_max ? ops->valid_max : 8;
    l.impl_min = ops->impl_min ? ops->impl_min : l.valid_min;
    l.impl_max = ops->impl_max ? ops->impl_max : l.valid_max;
    return l;
}

/* Checks the guest's access against what the region accepts; NULL when acceptable. */
static const char *mmio_refusal(const bus_region *r, const access_limits *l, uint64_t offset,
                                unsigned size) {
    if (size < l->valid_min || size > l->valid_max) return "size not accepted by the device";
    if (!r->ops->unaligned_ok && (offset & (size - 1))) return "unaligned";
    if (offset + size > r->size) return "runs past the end of the region";
    return NULL;
}

/* Reads [offset, offset+size) through callbacks of implemented widths only. */
static uint64_t mmio_read(const bus_region *r, const access_limits *l, uint64_t offset,
                          unsigned size) {
    const mmio_ops *ops = r->ops;
    if (size >= l->impl_min && size <= l->impl_max)
        return ops->read(r->opaque, offset, size) & size_mask(size);
    if (size > l->impl_max) {
        /* Split: little-endian pieces of the widest implemented size. */
        uint64_t value = 0;
        for (unsigned done = 0; done < size; done += l->impl_max)
            value |= (ops->read(r->opaque, offset + done, l->impl_max) & size_mask(l->impl_max))
                     << (8 * done);
        return value;
    }
    /* Widen: read each aligned window of impl_min bytes that the access touches. */
    unsigned width = l->impl_min;
    uint64_t value = 0;
    for (uint64_t pos = offset; pos < offset + size;) {
        uint64_t window = pos & ~(uint64_t)(width - 1);
        uint64_t bytes = ops->read(r->opaque, window, width);
        uint64_t end = window + width < offset + size ? window + width : offset + size;
        for (; pos < end; pos++)
            value |= ((bytes >> (8 * (pos - window))) & 0xff) << (8 * (pos - offset));
    }
    return value;
}

static void mmio_write(const bus_region *r, const access_limits *l, uint64_t offset, unsigned size,
                       uint64_t value) {
    const mmio_ops *ops = r->ops;
    value &= size_mask(size);
    if (size >= l->impl_min && size <= l->impl_max) {
        ops->write(r->opaque, offset, value, size);
        return;
    }
    if (size > l->impl_max) {
        for (unsigned done = 0; done < size; done += l->impl_max)
            ops->write(r->opaque, offset + done, (value >> (8 * done)) & size_mask(l->impl_max),
                       l->impl_max);
        return;
    }
    /* Widen with read-modify-write so the neighbouring bytes of the register keep their value. */
    unsigned width = l->impl_min;
    for (uint64_t pos = offset; pos < offset + size;) {
        uint64_t window = pos & ~(uint64_t)(width - 1);
        uint64_t bytes = ops->read(r->opaque, window, width) & size_mask(width);
        uint64_t end = window + width < offset + size ? window + width : offset + size;
        for (; pos < end; pos++) {
            unsigned shift = (unsigned)(8 * (pos - window));
            bytes &= ~(0xffull << shift);
            bytes |= ((value >> (8 * (pos - offset))) & 0xff) << shift;
        }
        ops->write(r->opaque, window, bytes, width);
    }
}

bus_status bus_read(bus *b, uint64_t addr, unsigned size, uint64_t *value) {
    *value = 0;
    if (!is_access_size(size)) return bad_size(b, addr, size, false);
    const bus_region *r = bus_find(b, addr);
    if (!r) return unmapped(b, addr, size, false, 0);
    uint64_t offset = addr - r->base;
    switch (r->kind) {
    case REGION_RAM:
    case REGION_ROM:
        if (offset + size <= r->size) {
            *value = load_le(r->host + offset, size);
            return BUS_OK;
        }
        /* Straddles the region's end: byte by byte, so an adjacent region can serve the rest. */
        for (unsigned i = 0; i < size; i++) {
            uint64_t byte;
            bus_status s = bus_read(b, addr + i, 1, &byte);
            if (s != BUS_OK) {
                *value = 0;
                return s;
            }
            *value |= byte << (8 * i);
        }
        return BUS_OK;
    case REGION_UNIMP:
        b->regions[r - b->regions].reads++;
        unimp_access(b, r, addr, size, false, 0);
        return BUS_OK;
    case REGION_MMIO: {
        access_limits l = limits_of(r->ops);
        const char *why = mmio_refusal(r, &l, offset, size);
        if (why) return refused_size(b, r, addr, size, false, why);
        b->regions[r - b->regions].reads++;
        *value = mmio_read(r, &l, offset, size);
        return BUS_OK;
    }
    }
    return BUS_ERR_UNMAPPED;
}

bus_status bus_write(bus *b, uint64_t addr, unsigned size, uint64_t value) {
    if (!is_access_size(size)) return bad_size(b, addr, size, true);
    const bus_region *r = bus_find(b, addr);
    if (!r) return unmapped(b, addr, size, true, value);
    uint64_t offset = addr - r->base;
    switch (r->kind) {
    case REGION_RAM:
        if (offset + size <= r->size) {
            store_le(r->host + offset, size, value);
            return BUS_OK;
        }
        /* Check every byte's destination first so a refused access writes nothing. */
        for (unsigned i = 1; i < size; i++) {
            const bus_region *next = bus_find(b, addr + i);
            if (!next || next->kind != REGION_RAM)
                return bus_write(b, addr + i, 1, (value >> (8 * i)) & 0xff);
        }
        for (unsigned i = 0; i < size; i++)
            bus_write(b, addr + i, 1, (value >> (8 * i)) & 0xff);
        return BUS_OK;
    case REGION_ROM:
        b->readonly_writes++;
        if (warn_first(b, addr, WARN_READONLY))
            soc_warn("bus: %u-byte write of 0x%" PRIx64 " to read-only '%s'+0x%" PRIx64 " ignored",
                     size, value, r->name, offset);
        return BUS_ERR_READONLY;
    case REGION_UNIMP:
        b->regions[r - b->regions].writes++;
        unimp_access(b, r, addr, size, true, value);
        return BUS_OK;
    case REGION_MMIO: {
        access_limits l = limits_of(r->ops);
        const char *why = mmio_refusal(r, &l, offset, size);
        if (why) return refused_size(b, r, addr, size, true, why);
        b->regions[r - b->regions].writes++;
        mmio_write(r, &l, offset, size, value);
        return BUS_OK;
    }
    }
    return BUS_ERR_UNMAPPED;
}

/* ---- block copies (loader, DMA) ---- */

/* Checks that [addr, addr+len) is covered by memory regions the copy may touch. */
static int check_block(const bus *b, uint64_t addr, size_t len, bool allow_rom, const char *verb,
                       char *err, size_t errlen) {
    if (len > 0 && addr + (len - 1) < addr) {
        snprintf(err, errlen, "cannot %s 0x%zx bytes at 0x%" PRIx64 ": wraps the address space",
                 verb, len, addr);
        return -1;
    }
    uint64_t pos = addr, end_excl_remaining = len;
    while (end_excl_remaining > 0) {
        const bus_region *r = bus_find(b, pos);
        if (!r) {
            snprintf(err, errlen,
                     "cannot %s 0x%zx bytes at 0x%" PRIx64 ": 0x%" PRIx64 " is not mapped", verb,
                     len, addr, pos);
            return -1;
        }
        if (!(r->kind == REGION_RAM || (allow_rom && r->kind == REGION_ROM))) {
            snprintf(err, errlen,
                     "cannot %s 0x%zx bytes at 0x%" PRIx64 ": 0x%" PRIx64 " is in %s region '%s'",
                     verb, len, addr, pos, bus_region_kind_name(r->kind), r->name);
            return -1;
        }
        uint64_t chunk = r->size - (pos - r->base);
        if (chunk > end_excl_remaining) chunk = end_excl_remaining;
        pos += chunk;
        end_excl_remaining -= chunk;
    }
    return 0;
}

int bus_write_block(bus *b, uint64_t addr, const void *src, size_t len, char *err, size_t errlen) {
    if (check_block(b, addr, len, true, "write", err, errlen) < 0) return -1;
    const uint8_t *from = src;
    for (size_t done = 0; done < len;) {
        const bus_region *r = bus_find(b, addr + done);
        uint64_t offset = addr + done - r->base;
        uint64_t chunk = r->size - offset;
        if (chunk > len - done) chunk = len - done;
        memcpy(r->host + offset, from + done, (size_t)chunk);
        done += (size_t)chunk;
    }
    if (len > 0 && b->ram_write_hook) b->ram_write_hook(b->ram_write_hook_opaque, addr, len);
    return 0;
}

int bus_read_block(bus *b, uint64_t addr, void *dst, size_t len, char *err, size_t errlen) {
    if (check_block(b, addr, len, true, "read", err, errlen) < 0) return -1;
    uint8_t *to = dst;
    for (size_t done = 0; done < len;) {
        const bus_region *r = bus_find(b, addr + done);
        uint64_t offset = addr + done - r->base;
        uint64_t chunk = r->size - offset;
        if (chunk > len - done) chunk = len - done;
        memcpy(to + done, r->host + offset, (size_t)chunk);
        done += (size_t)chunk;
    }
    return 0;
}

static int busiest_first(const void *a, const void *b) {
    const bus_region *x = *(const bus_region *const *)a, *y = *(const bus_region *const *)b;
    uint64_t nx = x->reads + x->writes, ny = y->reads + y->writes;
    return nx < ny ? 1 : nx > ny ? -1 : 0;
}

void bus_report_stats(const bus *b, FILE *out) {
    const bus_region *busy[BUS_MAX_REGIONS];
    unsigned n = 0;
    for (unsigned i = 0; i < b->n_regions; i++)
        if (b->regions[i].reads + b->regions[i].writes) busy[n++] = &b->regions[i];
    qsort(busy, n, sizeof busy[0], busiest_first);
    fprintf(out, "socemu-stats: mmio (reads/writes)");
    for (unsigned i = 0; i < n; i++)
        fprintf(out, " %s=%llu/%llu", busy[i]->name, (unsigned long long)busy[i]->reads,
                (unsigned long long)busy[i]->writes);
    fprintf(out, " unmapped=%llu\n", (unsigned long long)b->unmapped_accesses);
}
