/* Test-side page-table construction for the stage-1 walk tests: a small "physical memory" the
 * walk's read_desc callback reads from, a table allocator, and descriptor constants written out
 * from the Arm ARM descriptor formats (independently of cpu/mmu's own definitions). */
#ifndef TESTS_MMU_TEST_TABLES_H
#define TESTS_MMU_TEST_TABLES_H

#include "mmu/mmu_walk.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Descriptor bits. */
#define D_VALID       (1ull << 0)
#define D_TABLE       (3ull) /* table (levels 0-2) or page (level 3) */
#define D_BLOCK       (1ull) /* block (levels 1-2) */
#define D_ATTR(i)     ((uint64_t)(i) << 2)
#define D_NS          (1ull << 5)
#define D_AP_EL0      (1ull << 6) /* AP[1] */
#define D_AP_RO       (1ull << 7) /* AP[2] */
#define D_SH(s)       ((uint64_t)(s) << 8)
#define D_AF          (1ull << 10)
#define D_NG          (1ull << 11)
#define D_DBM         (1ull << 51) /* Linux's software PTE_DBM */
#define D_CONT        (1ull << 52)
#define D_PXN         (1ull << 53)
#define D_UXN         (1ull << 54)
#define T_PXN_TABLE   (1ull << 59)
#define T_UXN_TABLE   (1ull << 60)
#define T_AP_NO_EL0   (1ull << 61)
#define T_AP_NO_WRITE (1ull << 62)
#define T_NS_TABLE    (1ull << 63)

/* TCR_EL1 fields. */
#define TCR_T0SZ(n) ((uint64_t)(n))
#define TCR_EPD0    (1ull << 7)
#define TCR_TG0_4K  (0ull << 14)
#define TCR_TG0_64K (1ull << 14)
#define TCR_TG0_16K (2ull << 14)
#define TCR_T1SZ(n) ((uint64_t)(n) << 16)
#define TCR_A1      (1ull << 22)
#define TCR_EPD1    (1ull << 23)
#define TCR_TG1_16K (1ull << 30)
#define TCR_TG1_4K  (2ull << 30)
#define TCR_TG1_64K (3ull << 30)
#define TCR_IPS(n)  ((uint64_t)(n) << 32)
#define TCR_AS      (1ull << 36)
#define TCR_TBI0    (1ull << 37)
#define TCR_TBI1    (1ull << 38)
/* TCR_EL2/TCR_EL3 */
#define TCR_ELX_PS(n) ((uint64_t)(n) << 16)
#define TCR_ELX_TBI   (1ull << 20)

#define SCTLR_M   (1ull << 0)
#define SCTLR_WXN (1ull << 19)
#define SCTLR_EE  (1ull << 25)

#define TEST_MEM_SIZE (8u << 20) /* tables live at PA 0 .. 8 MiB */

typedef struct test_mem {
    uint8_t bytes[TEST_MEM_SIZE];
    uint64_t next_free;
    unsigned reads;
} test_mem;

static bool test_read_desc(void *opaque, uint64_t pa, uint64_t *desc) {
    test_mem *m = opaque;
    m->reads++;
    if (pa % 8 != 0 || pa >= TEST_MEM_SIZE) return false; /* "bus error" */
    memcpy(desc, m->bytes + pa, 8);
    return true;
}

static inline mmu_desc_reader test_reader(test_mem *m) {
    return (mmu_desc_reader){test_read_desc, m};
}

static inline void test_mem_reset(test_mem *m) {
    memset(m->bytes, 0, sizeof m->bytes);
    m->next_free = 0x10000; /* keep PA 0 unused so a zero table address stands out */
    m->reads = 0;
}

/* A zeroed, naturally aligned table of the given size. */
static inline uint64_t test_alloc_table(test_mem *m, uint64_t bytes) {
    uint64_t pa = (m->next_free + bytes - 1) & ~(bytes - 1);
    m->next_free = pa + bytes;
    if (m->next_free > TEST_MEM_SIZE) abort();
    return pa;
}

static inline void test_put(test_mem *m, uint64_t table_pa, uint64_t index, uint64_t desc) {
    memcpy(m->bytes + table_pa + index * 8, &desc, 8);
}

static inline uint64_t test_get(test_mem *m, uint64_t table_pa, uint64_t index) {
    uint64_t desc;
    memcpy(&desc, m->bytes + table_pa + index * 8, 8);
    return desc;
}

/* Geometry for the generic builder: granule 4096/16384/65536, and the VA size (64 - TxSZ). */
typedef struct test_geometry {
    unsigned page_shift;
    unsigned input_bits;
} test_geometry;

static inline unsigned tg_stride(test_geometry g) {
    return g.page_shift - 3;
}
static inline unsigned tg_level_shift(test_geometry g, unsigned level) {
    return g.page_shift + (3 - level) * tg_stride(g);
}
static inline unsigned tg_start_level(test_geometry g) {
    unsigned level = 3;
    while (tg_level_shift(g, level) + tg_stride(g) < g.input_bits)
        level--;
    return level;
}
static inline uint64_t tg_index(test_geometry g, uint64_t va, unsigned level) {
    unsigned shift = tg_level_shift(g, level);
    unsigned bits = level == tg_start_level(g) ? g.input_bits - shift : tg_stride(g);
    return (va >> shift) & ((1ull << bits) - 1);
}

/* Maps va with leaf (its type bits and attributes and output address already in it) at
 * leaf_level, creating tables with table_attrs on the way; returns the leaf's table PA. */
static inline uint64_t test_map(test_mem *m, test_geometry g, uint64_t root, uint64_t va,
                                unsigned leaf_level, uint64_t leaf, uint64_t table_attrs) {
    uint64_t table = root;
    for (unsigned level = tg_start_level(g); level < leaf_level; level++) {
        uint64_t index = tg_index(g, va, level);
        uint64_t desc = test_get(m, table, index);
        if (!(desc & D_VALID)) {
            uint64_t next = test_alloc_table(m, 1ull << g.page_shift);
            desc = next | D_TABLE | table_attrs;
            test_put(m, table, index, desc);
        }
        table = desc & 0x0000fffffffff000ull & ~((1ull << g.page_shift) - 1);
    }
    test_put(m, table, tg_index(g, va, leaf_level), leaf);
    return table;
}

#endif
