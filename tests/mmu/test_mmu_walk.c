/* Stage-1 walk: granule geometry, VA ranges, faults and their levels, output attributes.
 * References are to Arm ARM pseudocode functions (AArch64.TranslationTableWalk unless noted). */
#include "check.h"
#include "mmu_test_tables.h"

static test_mem mem;

/* Linux-like EL1&0 set-up: 4K granule both halves, 48-bit VA, 40-bit IPS, 16-bit ASIDs. */
static mmu_regime el1_regime(uint64_t ttbr0, uint64_t ttbr1) {
    return (mmu_regime){
        .kind = MMU_REGIME_EL10,
        .sctlr = SCTLR_M,
        .tcr = TCR_T0SZ(16) | TCR_TG0_4K | TCR_T1SZ(16) | TCR_TG1_4K | TCR_IPS(2) | TCR_AS,
        .ttbr0 = ttbr0,
        .ttbr1 = ttbr1,
        .mair = 0x0000000000ff4400ull, /* 0: Device-nGnRnE, 1: Normal NC, 2: Normal WB */
    };
}

static const uint64_t leaf_rw = D_AF | D_SH(3) | D_ATTR(2);

static mmu_fault walk(const mmu_regime *r, uint64_t va, mmu_translation *tr) {
    mmu_desc_reader reader = test_reader(&mem);
    mem.reads = 0;
    return mmu_walk(r, va, &reader, tr);
}

#define CHECK_FAULT(f, want_type, want_level)                                                      \
    do {                                                                                           \
        mmu_fault f_ = (f);                                                                        \
        CHECK_EQ_U64(f_.type, want_type);                                                          \
        CHECK_EQ_U64(f_.level, want_level);                                                        \
    } while (0)

/* Hand-built 4-level table: VA 0x0000_0123_4567_8ABC indexes L0 2, L1 0x8d, L2 0x2b, L3 0x78. */
static void test_4k_four_levels_page(void) {
    test_mem_reset(&mem);
    test_put(&mem, 0x10000, 0x2, 0x11000 | D_TABLE);
    test_put(&mem, 0x11000, 0x8d, 0x12000 | D_TABLE);
    test_put(&mem, 0x12000, 0x2b, 0x13000 | D_TABLE);
    test_put(&mem, 0x13000, 0x78, 0x89abc000ull | D_TABLE | leaf_rw);
    mmu_regime r = el1_regime(0x10000, 0);
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x0000012345678abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x89abcabcull);
    CHECK_EQ_U64(tr.size_log2, 12);
    CHECK_EQ_U64(tr.level, 3);
    CHECK_EQ_U64(mem.reads, 4);
    CHECK(tr.stage1_enabled);
    /* A neighbour VA in the same L3 table but another entry is unmapped: level 3 fault. */
    CHECK_FAULT(walk(&r, 0x0000012345679abcull, &tr), MMU_FAULT_TRANSLATION, 3);
}

static void test_4k_blocks(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    mmu_regime r = el1_regime(root, 0);
    mmu_translation tr;
    /* 1 GiB block at level 1 */
    test_map(&mem, g, root, 0x0000008040000000ull, 1, 0x40000000ull | D_BLOCK | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x0000008040123456ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x40123456ull);
    CHECK_EQ_U64(tr.size_log2, 30);
    CHECK_EQ_U64(tr.level, 1);
    /* 2 MiB block at level 2; descriptor bits [20:12] below the block address are ignored. */
    test_map(&mem, g, root, 0x0000000000200000ull, 2, 0x3fe00000ull | 0x1f000 | D_BLOCK | leaf_rw,
             0);
    CHECK_FAULT(walk(&r, 0x00000000002abcdeull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x3feabcdeull);
    CHECK_EQ_U64(tr.size_log2, 21);
    CHECK_EQ_U64(tr.level, 2);
    /* Blocks are not allowed at level 0 with 4K: translation fault at level 0. */
    test_put(&mem, root, 5, 0x0 | D_BLOCK | leaf_rw);
    CHECK_FAULT(walk(&r, 5ull << 39, &tr), MMU_FAULT_TRANSLATION, 0);
}

/* T0SZ = 25: 39-bit VA, walk starts at level 1 with a 512-entry table (VA 0x40_1234_5678 indexes
 * L1 0x100, L2 0x91, L3 0x145). */
static void test_4k_three_levels(void) {
    test_mem_reset(&mem);
    test_put(&mem, 0x10000, 0x100, 0x11000 | D_TABLE);
    test_put(&mem, 0x11000, 0x91, 0x12000 | D_TABLE);
    test_put(&mem, 0x12000, 0x145, 0x7654321000ull | D_TABLE | leaf_rw);
    mmu_regime r = el1_regime(0x10000, 0);
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(25);
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x0000004012345678ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x7654321678ull);
    CHECK_EQ_U64(mem.reads, 3);
    /* Bit 39 set is outside the 39-bit TTBR0 range: translation fault level 0, nothing read. */
    CHECK_FAULT(walk(&r, 0x0000008012345678ull, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_EQ_U64(mem.reads, 0);
}

/* 16K granule, 48-bit: L0 indexes VA[47] (2 entries), L1 [46:36], L2 [35:25], L3 [24:14].
 * VA 0x9234_5678_9abc: L0 1, L1 0x123, L2 0x22b, L3 0x1e2. */
static void test_16k(void) {
    test_mem_reset(&mem);
    test_put(&mem, 0x10000, 1, 0x14000 | D_TABLE);
    test_put(&mem, 0x14000, 0x123, 0x18000 | D_TABLE);
    test_put(&mem, 0x18000, 0x22b, 0x1c000 | D_TABLE);
    test_put(&mem, 0x1c000, 0x1e2, 0x00abcd4000ull | D_TABLE | leaf_rw);
    mmu_regime r = el1_regime(0x10000, 0);
    r.tcr = (r.tcr & ~(3ull << 14)) | TCR_TG0_16K;
    r.granule_16k_implemented = true;
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x00abcd5abcull);
    CHECK_EQ_U64(tr.size_log2, 14);
    CHECK_EQ_U64(mem.reads, 4);
    /* 32 MiB block at level 2 */
    test_put(&mem, 0x18000, 0x22b, 0x0042000000ull | D_BLOCK | leaf_rw);
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x0042789abcull);
    CHECK_EQ_U64(tr.size_log2, 25);
    /* No level 1 blocks with 16K in v8.0 */
    test_put(&mem, 0x14000, 0x123, 0x0 | D_BLOCK | leaf_rw);
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_TRANSLATION, 1);

    /* The A53 has no 16K granule: the encoding then walks as 4K (a 4K table at the same root). */
    test_mem_reset(&mem);
    test_geometry g4 = {12, 48};
    r.ttbr0 = test_alloc_table(&mem, 4096);
    test_map(&mem, g4, r.ttbr0, 0x0000923456789abcull, 3, 0x5000 | D_TABLE | leaf_rw, 0);
    r.granule_16k_implemented = false;
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x5abcull);
    CHECK_EQ_U64(tr.size_log2, 12);
}

/* 64K granule, 48-bit: L1 indexes VA[47:42] (64 entries), L2 [41:29], L3 [28:16].
 * VA 0x9234_5678_9abc: L1 0x24, L2 0x11a2, L3 0x1678. */
static void test_64k(void) {
    test_mem_reset(&mem);
    test_put(&mem, 0x10000, 0x24, 0x20000 | D_TABLE);
    test_put(&mem, 0x20000, 0x11a2, 0x30000 | D_TABLE);
    test_put(&mem, 0x30000, 0x1678, 0x00aabb0000ull | D_TABLE | leaf_rw);
    mmu_regime r = el1_regime(0x10000, 0);
    r.tcr = (r.tcr & ~(3ull << 14)) | TCR_TG0_64K;
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x00aabb9abcull);
    CHECK_EQ_U64(tr.size_log2, 16);
    CHECK_EQ_U64(tr.level, 3);
    CHECK_EQ_U64(mem.reads, 3);
    /* 512 MiB block at level 2 */
    test_put(&mem, 0x20000, 0x11a2, 0x0060000000ull | D_BLOCK | leaf_rw);
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x0076789abcull);
    CHECK_EQ_U64(tr.size_log2, 29);
    /* No level 1 blocks with 64K in v8.0 */
    test_put(&mem, 0x10000, 0x24, 0x0 | D_BLOCK | leaf_rw);
    CHECK_FAULT(walk(&r, 0x0000923456789abcull, &tr), MMU_FAULT_TRANSLATION, 1);

    /* T0SZ = 22 (42 bits): two levels starting at level 2 (VA 0x234_5678_9abc: L2 0x11a2). */
    test_mem_reset(&mem);
    test_put(&mem, 0x10000, 0x11a2, 0x20000 | D_TABLE);
    test_put(&mem, 0x20000, 0x1678, 0x00aabb0000ull | D_TABLE | leaf_rw);
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(22);
    CHECK_FAULT(walk(&r, 0x0000023456789abcull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x00aabb9abcull);
    CHECK_EQ_U64(mem.reads, 2);
}

/* VA bit 55 selects TTBR1 with T1SZ/TG1/TBI1/EPD1 (AArch64.TranslationTableWalk: "if
 * inputaddr<top> == '0' ... else ... TTBR1"). TG1's encoding differs from TG0's. */
static void test_ttbr1(void) {
    test_mem_reset(&mem);
    /* VA 0xffff_8000_1234_5678 indexes L0 0x100, L1 0, L2 0x91, L3 0x145. */
    test_put(&mem, 0x20000, 0x100, 0x21000 | D_TABLE);
    test_put(&mem, 0x21000, 0x0, 0x22000 | D_TABLE);
    test_put(&mem, 0x22000, 0x91, 0x23000 | D_TABLE);
    test_put(&mem, 0x23000, 0x145, 0x0000a00000ull | D_TABLE | leaf_rw);
    mmu_regime r = el1_regime(0x10000, 0x20000);
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0xffff800012345678ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x0000a00678ull);
    /* TTBR0 table (at 0x10000) is empty: a low VA faults at level 0 after one read. */
    CHECK_FAULT(walk(&r, 0x0000000012345678ull, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_EQ_U64(mem.reads, 1);

    /* TG1 = 0b11 is 64K (it would be reserved in TG0's encoding). With T1SZ = 16 the 64K walk
     * starts at level 1: VA 0xffff_8000_1234_5678 indexes L1 0x20, L2 0, L3 0x1234. */
    test_mem_reset(&mem);
    test_put(&mem, 0x20000, 0x20, 0x30000 | D_TABLE);
    test_put(&mem, 0x30000, 0x0, 0x40000 | D_TABLE);
    test_put(&mem, 0x40000, 0x1234, 0x0000b70000ull | D_TABLE | leaf_rw);
    r.tcr = (r.tcr & ~(3ull << 30)) | TCR_TG1_64K;
    CHECK_FAULT(walk(&r, 0xffff800012345678ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x0000b75678ull);
    CHECK_EQ_U64(tr.size_log2, 16);

    /* T1SZ = 25: bits [63:39] must all be ones. */
    r.tcr = (r.tcr & ~(0x3full << 16)) | TCR_T1SZ(25);
    CHECK_FAULT(walk(&r, 0xffffff0000000000ull, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_EQ_U64(mem.reads, 0);
}

/* Top byte ignore: AddrTop() is 55 when TBIn is set, so the tag is outside the range check and the
 * output address (the PA never includes it). */
static void test_tbi(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root0 = test_alloc_table(&mem, 4096), root1 = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root0, 0x12345000, 3, 0x7000 | D_TABLE | leaf_rw, 0);
    test_map(&mem, g, root1, 0xffff800000001000ull, 3, 0x8000 | D_TABLE | leaf_rw, 0);
    mmu_regime r = el1_regime(root0, root1);
    mmu_translation tr;
    uint64_t tagged_low = 0x5a00000012345678ull;  /* bit 55 clear: TTBR0 */
    uint64_t tagged_high = 0x12ff800000001234ull; /* bit 55 set: TTBR1, tag 0x12 */
    CHECK_FAULT(walk(&r, tagged_low, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_FAULT(walk(&r, tagged_high, &tr), MMU_FAULT_TRANSLATION, 0);
    r.tcr |= TCR_TBI0;
    CHECK_FAULT(walk(&r, tagged_low, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x7678);
    CHECK_FAULT(walk(&r, tagged_high, &tr), MMU_FAULT_TRANSLATION, 0); /* TBI1 still clear */
    r.tcr = (r.tcr & ~TCR_TBI0) | TCR_TBI1;
    CHECK_FAULT(walk(&r, tagged_high, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x8234);
    CHECK_FAULT(walk(&r, tagged_low, &tr), MMU_FAULT_TRANSLATION, 0);
    /* TBI does not relax bits [55:48]. */
    r.tcr |= TCR_TBI0;
    CHECK_FAULT(walk(&r, 0x0001000012345678ull, &tr), MMU_FAULT_TRANSLATION, 0);
}

/* EPDn = 1: a walk in that range is a translation fault (level 0), without reading memory. */
static void test_epd(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root0 = test_alloc_table(&mem, 4096), root1 = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root0, 0x1000, 3, 0x7000 | D_TABLE | leaf_rw, 0);
    test_map(&mem, g, root1, 0xfffffffffffff000ull, 3, 0x8000 | D_TABLE | leaf_rw, 0);
    mmu_regime r = el1_regime(root0, root1);
    mmu_translation tr;
    r.tcr |= TCR_EPD0;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_EQ_U64(mem.reads, 0);
    CHECK_FAULT(walk(&r, 0xfffffffffffff010ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x8010);
    r.tcr = (r.tcr & ~TCR_EPD0) | TCR_EPD1;
    CHECK_FAULT(walk(&r, 0xfffffffffffff010ull, &tr), MMU_FAULT_TRANSLATION, 0);
    CHECK_EQ_U64(mem.reads, 0);
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);
}

/* Invalid descriptor at each level: translation fault reporting that level. */
static void test_invalid_at_each_level(void) {
    static const struct {
        unsigned page_shift, t0sz;
        uint64_t tg0;
    } setups[] = {{12, 16, TCR_TG0_4K}, {16, 16, TCR_TG0_64K}, {14, 16, TCR_TG0_16K}};
    for (unsigned s = 0; s < 3; s++) {
        test_geometry g = {setups[s].page_shift, 64 - setups[s].t0sz};
        for (unsigned bad_level = tg_start_level(g); bad_level <= 3; bad_level++) {
            test_mem_reset(&mem);
            uint64_t root = test_alloc_table(&mem, 1ull << g.page_shift);
            uint64_t va = 0x0000712345678000ull;
            test_map(&mem, g, root, va, 3, 0x9000000 | D_TABLE | leaf_rw, 0);
            mmu_regime r = el1_regime(root, 0);
            r.tcr = TCR_T0SZ(setups[s].t0sz) | setups[s].tg0 | TCR_TG1_4K | TCR_IPS(2);
            r.granule_16k_implemented = true;
            mmu_translation tr;
            CHECK_FAULT(walk(&r, va, &tr), MMU_FAULT_NONE, 0);
            /* Clear the valid bit of the descriptor at bad_level on the path of va. */
            uint64_t table = root;
            for (unsigned level = tg_start_level(g); level < bad_level; level++)
                table = test_get(&mem, table, tg_index(g, va, level)) & 0xfffffffff000ull &
                        ~((1ull << g.page_shift) - 1);
            uint64_t index = tg_index(g, va, bad_level);
            uint64_t good = test_get(&mem, table, index);
            test_put(&mem, table, index, good & ~D_VALID);
            CHECK_FAULT(walk(&r, va, &tr), MMU_FAULT_TRANSLATION, bad_level);
            /* 0b10 (also invalid: bit 0 clear) */
            test_put(&mem, table, index, (good & ~3ull) | 2);
            CHECK_FAULT(walk(&r, va, &tr), MMU_FAULT_TRANSLATION, bad_level);
            test_put(&mem, table, index, good);
        }
        /* 0b01 at level 3 is reserved: translation fault at level 3. */
        test_mem_reset(&mem);
        uint64_t root = test_alloc_table(&mem, 1ull << g.page_shift);
        test_map(&mem, g, root, 0x5000000, 3, 0x9000000 | D_BLOCK | leaf_rw, 0);
        mmu_regime r = el1_regime(root, 0);
        r.tcr = TCR_T0SZ(setups[s].t0sz) | setups[s].tg0 | TCR_TG1_4K | TCR_IPS(2);
        r.granule_16k_implemented = true;
        mmu_translation tr;
        CHECK_FAULT(walk(&r, 0x5000000, &tr), MMU_FAULT_TRANSLATION, 3);
    }
}

/* AF = 0 on a leaf: Access flag fault at the leaf's level (no hardware AF update on the A53). */
static void test_access_flag(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    const uint64_t young = D_AF | D_SH(3) | D_ATTR(2), old = D_SH(3) | D_ATTR(2);
    test_map(&mem, g, root, 0x40000000, 1, 0x40000000 | D_BLOCK | old, 0);
    test_map(&mem, g, root, 0x80200000, 2, 0x200000 | D_BLOCK | old, 0);
    test_map(&mem, g, root, 0x80001000, 3, 0x1000 | D_TABLE | old, 0);
    test_map(&mem, g, root, 0x80002000, 3, 0x2000 | D_TABLE | young, 0);
    mmu_regime r = el1_regime(root, 0);
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x40000000, &tr), MMU_FAULT_ACCESS_FLAG, 1);
    CHECK_FAULT(walk(&r, 0x80200000, &tr), MMU_FAULT_ACCESS_FLAG, 2);
    CHECK_FAULT(walk(&r, 0x80001000, &tr), MMU_FAULT_ACCESS_FLAG, 3);
    /* Table descriptors have no AF: the tables above carry none and the young page works. */
    CHECK_FAULT(walk(&r, 0x80002000, &tr), MMU_FAULT_NONE, 0);
}

/* Output address size (PARange 40): descriptor, table and TTBR addresses with bits above the
 * output size fault with an Address size fault; the check precedes the AF check. */
static void test_address_size(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    mmu_regime r = el1_regime(root, 0);
    mmu_translation tr;

    /* Leaf output address bit 40: fault at the leaf level, before AF (AF = 0 here). */
    test_map(&mem, g, root, 0x1000, 3, (1ull << 40) | 0x1000 | D_TABLE | D_SH(3), 0);
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_ADDRESS_SIZE, 3);
    test_map(&mem, g, root, 0x40000000, 1, (1ull << 47) | D_BLOCK | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x40000000, &tr), MMU_FAULT_ADDRESS_SIZE, 1);
    /* Highest 40-bit address is fine. */
    test_map(&mem, g, root, 0x2000, 3, 0xfffffff000ull | D_TABLE | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x2fff, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0xffffffffffull);

    /* Bit 51 is Linux's software DBM flag and bits [51:48] are RES0 in v8.0: never in the PA. */
    test_map(&mem, g, root, 0x3000, 3, D_DBM | (1ull << 48) | 0x123000 | D_TABLE | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x3004, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x123004);

    /* IPS = 0 (32 bits) makes bit 32 an address size fault; IPS = 5 (48 bits) is capped at 40. */
    test_map(&mem, g, root, 0x4000, 3, 0x100000000ull | D_TABLE | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x4000, &tr), MMU_FAULT_NONE, 0);
    r.tcr = (r.tcr & ~(7ull << 32)) | TCR_IPS(0);
    CHECK_FAULT(walk(&r, 0x4000, &tr), MMU_FAULT_ADDRESS_SIZE, 3);
    r.tcr = (r.tcr & ~(7ull << 32)) | TCR_IPS(5);
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_ADDRESS_SIZE, 3);
    r.tcr = (r.tcr & ~(7ull << 32)) | TCR_IPS(2);

    /* A table descriptor pointing above 40 bits: fault at the level holding that descriptor. */
    uint64_t l1 = test_get(&mem, root, 0) & 0xfffffffff000ull;
    uint64_t l2 = test_get(&mem, l1, 0) & 0xfffffffff000ull;
    test_put(&mem, l2, 5, (1ull << 41) | 0x5000 | D_TABLE);
    CHECK_FAULT(walk(&r, 5ull << 21, &tr), MMU_FAULT_ADDRESS_SIZE, 2);

    /* TTBR base above 40 bits: level 0, even when the walk would start at level 1. */
    r.ttbr0 = root | (1ull << 40);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_ADDRESS_SIZE, 0);
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(25);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_ADDRESS_SIZE, 0);
    /* ...while the ASID bits [63:48] of the TTBR are not part of the address. */
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(16);
    r.ttbr0 = root | (0xabcdull << 48);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_NONE, 0);
}

/* read_desc failing = synchronous external abort on the walk, at the level being read. */
static void test_external_abort_on_walk(void) {
    test_mem_reset(&mem);
    mmu_regime r = el1_regime(TEST_MEM_SIZE * 2, 0); /* root beyond the test memory */
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_EXTERNAL_ABORT_ON_WALK, 0);
    test_put(&mem, 0x10000, 0, 0x11000 | D_TABLE);
    test_put(&mem, 0x11000, 0, (uint64_t)TEST_MEM_SIZE * 4 | D_TABLE);
    r.ttbr0 = 0x10000;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_EXTERNAL_ABORT_ON_WALK, 2);
}

/* SCTLR_ELx.EE = 1: descriptors are big-endian in memory. */
static void test_big_endian_descriptors(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root, 0x1000, 3, 0x77000 | D_TABLE | leaf_rw, 0);
    /* byte-swap every descriptor that was written */
    for (uint64_t pa = 0; pa < mem.next_free; pa += 8) {
        uint64_t d;
        memcpy(&d, mem.bytes + pa, 8);
        d = __builtin_bswap64(d);
        memcpy(mem.bytes + pa, &d, 8);
    }
    mmu_regime r = el1_regime(root, 0);
    mmu_translation tr;
    CHECK(walk(&r, 0x1000, &tr).type != MMU_FAULT_NONE);
    r.sctlr |= SCTLR_EE;
    CHECK_FAULT(walk(&r, 0x1234, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x77234);
}

/* Out-of-range TxSZ (v8.0 allows 16..39): we clamp (Constraint_FORCE for Unpredictable_RESTnSZ). */
static void test_txsz_clamp(void) {
    test_mem_reset(&mem);
    test_geometry g48 = {12, 48}, g25 = {12, 25};
    uint64_t root48 = test_alloc_table(&mem, 4096), root25 = test_alloc_table(&mem, 4096);
    test_map(&mem, g48, root48, 0x00007ffffffff000ull, 3, 0x6000 | D_TABLE | leaf_rw, 0);
    test_map(&mem, g25, root25, 0x1ff000, 3, 0x9000 | D_TABLE | leaf_rw, 0);
    mmu_regime r = el1_regime(root48, 0);
    mmu_translation tr;
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(8); /* 56-bit request: walks as 48-bit */
    CHECK_FAULT(walk(&r, 0x00007ffffffff008ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x6008);
    CHECK_EQ_U64(mem.reads, 4);
    CHECK_FAULT(walk(&r, 0x0000800000000000ull, &tr), MMU_FAULT_TRANSLATION, 0);
    r.ttbr0 = root25;
    r.tcr = (r.tcr & ~0x3full) | TCR_T0SZ(50); /* 14-bit request: walks as 25-bit from level 2 */
    CHECK_FAULT(walk(&r, 0x1ff00c, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x900c);
    CHECK_EQ_U64(mem.reads, 2);
    CHECK_FAULT(walk(&r, 0x2000000, &tr), MMU_FAULT_TRANSLATION, 0);
}

/* SCTLR.M = 0 (AArch64.TranslateAddressS1Off): PA = VA, Device-nGnRnE, everything allowed; VA bits
 * [top:40] non-zero give an Address size fault at level 0. */
static void test_mmu_off(void) {
    mmu_regime r = el1_regime(0, 0);
    r.sctlr = 0;
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0xfffffff123ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0xfffffff123ull);
    CHECK_EQ_U64(tr.mair_attr, MMU_ATTR_DEVICE_NGNRNE);
    CHECK_EQ_U64(tr.shareability, MMU_SH_OUTER);
    CHECK(!tr.stage1_enabled);
    CHECK_EQ_U64(mem.reads, 0);
    CHECK(mmu_check_permission(&tr, MMU_ACCESS_WRITE, true).type == MMU_FAULT_NONE);
    CHECK(mmu_check_permission(&tr, MMU_ACCESS_EXEC, false).type == MMU_FAULT_NONE);
    CHECK_FAULT(walk(&r, 1ull << 40, &tr), MMU_FAULT_ADDRESS_SIZE, 0);
    CHECK_FAULT(walk(&r, 0xff00000000001000ull, &tr), MMU_FAULT_ADDRESS_SIZE, 0);
    r.tcr |= TCR_TBI0; /* the tag is ignored with the MMU off too */
    CHECK_FAULT(walk(&r, 0x7f00000000001000ull, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x1000);
    r.kind = MMU_REGIME_EL2;
    r.tcr = 0;
    CHECK_FAULT(walk(&r, 0x3f000000, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x3f000000);
    CHECK_FAULT(walk(&r, 0x10000000000ull, &tr), MMU_FAULT_ADDRESS_SIZE, 0);
}

/* EL2 (non-VHE) and EL3: one range through TTBR0_ELx, TCR_ELx.PS and .TBI (bit 20), no ASID,
 * nG ignored, NS from the descriptors only for EL3 (Secure). */
static void test_el2_el3_regimes(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root, 0x1000, 3, 0x5000 | D_TABLE | D_NG | leaf_rw, 0);
    test_map(&mem, g, root, 0x2000, 3, 0x80000000ull | D_TABLE | D_NS | leaf_rw, 0);
    test_map(&mem, g, root, 0x0000700000000000ull, 3, 0x6000 | D_TABLE | leaf_rw, T_NS_TABLE);
    mmu_regime r = {.kind = MMU_REGIME_EL2,
                    .sctlr = SCTLR_M,
                    .tcr = TCR_T0SZ(16) | TCR_TG0_4K | TCR_ELX_PS(2),
                    .ttbr0 = root | (0x55ull << 48),
                    .ttbr1 = 0xdead000,
                    .mair = 0xff00};
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x1234, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.pa, 0x5234);
    CHECK(!tr.not_global);
    CHECK_EQ_U64(tr.asid, 0);
    CHECK(tr.ns);
    /* No upper range: bit 55 set is simply out of range. */
    CHECK_FAULT(walk(&r, 0xffff000000001000ull, &tr), MMU_FAULT_TRANSLATION, 0);
    /* TCR_EL2.TBI is bit 20 (bit 37 means nothing here). */
    r.tcr |= TCR_TBI0;
    CHECK_FAULT(walk(&r, 0x4200000000001000ull, &tr), MMU_FAULT_TRANSLATION, 0);
    r.tcr |= TCR_ELX_TBI;
    CHECK_FAULT(walk(&r, 0x4200000000001000ull, &tr), MMU_FAULT_NONE, 0);
    /* PS = 0 (32 bits): output bit 31 ok, bit 32 not. */
    r.tcr = TCR_T0SZ(16) | TCR_TG0_4K | TCR_ELX_PS(0);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_NONE, 0);
    test_map(&mem, g, root, 0x3000, 3, 0x100000000ull | D_TABLE | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x3000, &tr), MMU_FAULT_ADDRESS_SIZE, 3);
    /* TCR_EL2 has no EPD bits: bit 7 set is ignored. */
    r.tcr |= TCR_EPD0;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);

    /* EL3 is Secure: NS comes from the descriptor, or NSTable on the way. */
    r.kind = MMU_REGIME_EL3;
    r.tcr = TCR_T0SZ(16) | TCR_TG0_4K | TCR_ELX_PS(2);
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK(!tr.ns);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_NONE, 0);
    CHECK(tr.ns);
    CHECK_FAULT(walk(&r, 0x0000700000000000ull, &tr), MMU_FAULT_NONE, 0);
    CHECK(tr.ns);
    /* A Non-secure EL1&0 reports NS = 1 whatever the descriptor says; a Secure one follows it. */
    mmu_regime e1 = el1_regime(root, 0);
    CHECK_FAULT(walk(&e1, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK(tr.ns);
    e1.secure = true;
    CHECK_FAULT(walk(&e1, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK(!tr.ns);
}

/* ASID: TCR_EL1.A1 picks TTBR0 or TTBR1's ASID field; AS = 0 keeps 8 bits. nG is reported. */
static void test_asid_and_ng(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root, 0x1000, 3, 0x5000 | D_TABLE | D_NG | leaf_rw, 0);
    test_map(&mem, g, root, 0x2000, 3, 0x6000 | D_TABLE | leaf_rw, 0);
    mmu_regime r = el1_regime(root | (0x1234ull << 48), 0x0 | (0xbeefull << 48));
    mmu_translation tr;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.asid, 0x1234);
    CHECK(tr.not_global);
    CHECK_FAULT(walk(&r, 0x2000, &tr), MMU_FAULT_NONE, 0);
    CHECK(!tr.not_global);
    r.tcr |= TCR_A1;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.asid, 0xbeef);
    r.tcr &= ~TCR_AS;
    CHECK_FAULT(walk(&r, 0x1000, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.asid, 0xef);
}

/* AttrIndx selects a MAIR byte; SH is reported, forced to Outer for Device and Normal NC. */
static void test_attributes(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    mmu_regime r = el1_regime(root, 0);
    r.mair = 0x0408ff44bbaa0c00ull; /* bytes 0..7: 00 0c aa bb 44 ff 08 04 */
    static const uint8_t mair_bytes[8] = {0x00, 0x0c, 0xaa, 0xbb, 0x44, 0xff, 0x08, 0x04};
    mmu_translation tr;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t va = 0x10000 + i * 0x1000;
        test_map(&mem, g, root, va, 3, va | D_TABLE | D_AF | D_ATTR(i) | D_SH(3), 0);
        CHECK_FAULT(walk(&r, va, &tr), MMU_FAULT_NONE, 0);
        CHECK_EQ_U64(tr.mair_attr, mair_bytes[i]);
        bool device_or_nc = (mair_bytes[i] & 0xf0) == 0 || mair_bytes[i] == 0x44;
        CHECK_EQ_U64(tr.shareability, device_or_nc ? MMU_SH_OUTER : MMU_SH_INNER);
    }
    static const uint8_t sh_in[3] = {0, 2, 3};
    for (unsigned i = 0; i < 3; i++) {
        uint64_t va = 0x20000 + i * 0x1000;
        test_map(&mem, g, root, va, 3, va | D_TABLE | D_AF | D_ATTR(5) | D_SH(sh_in[i]), 0);
        CHECK_FAULT(walk(&r, va, &tr), MMU_FAULT_NONE, 0);
        CHECK_EQ_U64(tr.shareability, sh_in[i]);
    }
    /* The contiguous hint is ignored: still a 4K mapping. */
    test_map(&mem, g, root, 0x30000, 3, 0x30000 | D_TABLE | D_CONT | leaf_rw, 0);
    CHECK_FAULT(walk(&r, 0x30000, &tr), MMU_FAULT_NONE, 0);
    CHECK_EQ_U64(tr.size_log2, 12);
}

int main(void) {
    test_4k_four_levels_page();
    test_4k_blocks();
    test_4k_three_levels();
    test_16k();
    test_64k();
    test_ttbr1();
    test_tbi();
    test_epd();
    test_invalid_at_each_level();
    test_access_flag();
    test_address_size();
    test_external_abort_on_walk();
    test_big_endian_descriptors();
    test_txsz_clamp();
    test_mmu_off();
    test_el2_el3_regimes();
    test_asid_and_ng();
    test_attributes();
    return check_report("test_mmu_walk");
}
