/* Stage-1 permissions: AP[2:1], UXN/PXN, SCTLR.WXN, implicit PXN for EL0-writable memory, the
 * hierarchical table attributes, and the single-privilege EL2/EL3 interpretation. Expectations
 * are written out by hand from AArch64.CheckPermission (v8.0, no PAN):
 *   EL1&0: priv_r = 1, priv_w = !AP[2], user_r = AP[1], user_w = AP[2:1] == 01,
 *          user_xn = UXN || (user_w && WXN), priv_xn = PXN || (priv_w && WXN) || user_w
 *   EL2/3: r = 1, w = !AP[2], xn = XN || (w && WXN)                                         */
#include "check.h"
#include "mmu_test_tables.h"

static test_mem mem;

#define PR MMU_PERM_PRIV_R
#define PW MMU_PERM_PRIV_W
#define PX MMU_PERM_PRIV_X
#define UR MMU_PERM_USER_R
#define UW MMU_PERM_USER_W
#define UX MMU_PERM_USER_X

typedef struct perm_case {
    uint64_t leaf_bits;  /* AP/UXN/PXN bits of the page descriptor */
    uint64_t table_bits; /* APTable/UXNTable/PXNTable on every table descriptor above it */
    bool wxn;
    uint8_t want; /* expected MMU_PERM_* */
} perm_case;

#define AP(n) ((uint64_t)(n) << 6)

static const perm_case el10_cases[] = {
    /* AP[2:1]: 00 priv RW; 01 priv RW + EL0 RW; 10 priv RO; 11 priv RO + EL0 RO.
     * EL0 may execute without EL0 read access (execute-only); EL1 never executes EL0-writable. */
    {AP(0), 0, false, PR | PW | PX | UX},
    {AP(1), 0, false, PR | PW | UR | UW | UX},
    {AP(2), 0, false, PR | PX | UX},
    {AP(3), 0, false, PR | PX | UR | UX},
    {AP(0) | D_UXN, 0, false, PR | PW | PX},
    {AP(3) | D_UXN, 0, false, PR | PX | UR},
    {AP(0) | D_PXN, 0, false, PR | PW | UX},
    {AP(3) | D_PXN, 0, false, PR | UR | UX},
    {AP(3) | D_PXN | D_UXN, 0, false, PR | UR},
    /* WXN: writable at a level means execute-never at that level. */
    {AP(0), 0, true, PR | PW | UX},
    {AP(1), 0, true, PR | PW | UR | UW},
    {AP(2), 0, true, PR | PX | UX},
    {AP(3), 0, true, PR | PX | UR | UX},
    /* APTable[1] (no write): EL0 RW becomes EL0 RO, which also lifts the implicit PXN. */
    {AP(1), T_AP_NO_WRITE, false, PR | PX | UR | UX},
    {AP(0), T_AP_NO_WRITE, false, PR | PX | UX},
    /* APTable[0] (no EL0 access): EL0 RW becomes no EL0 data access; EL0 exec stays (UXN). */
    {AP(1), T_AP_NO_EL0, false, PR | PW | PX | UX},
    {AP(3), T_AP_NO_EL0, false, PR | PX | UX},
    {AP(1), T_AP_NO_EL0 | T_AP_NO_WRITE, false, PR | PX | UX},
    /* UXNTable / PXNTable */
    {AP(3), T_UXN_TABLE, false, PR | PX | UR},
    {AP(3), T_PXN_TABLE, false, PR | UR | UX},
    {AP(0), T_PXN_TABLE | T_UXN_TABLE, false, PR | PW},
};

static const perm_case el2_cases[] = {
    /* One privilege level: AP[1] ignored (RES1), PXN (bit 53) ignored, UXN is XN; USER = PRIV. */
    {AP(0), 0, false, PR | PW | PX},
    {AP(1), 0, false, PR | PW | PX},
    {AP(2), 0, false, PR | PX},
    {AP(3), 0, false, PR | PX},
    {AP(0) | D_UXN, 0, false, PR | PW},
    {AP(0) | D_PXN, 0, false, PR | PW | PX},
    {AP(0), 0, true, PR | PW},
    {AP(2), 0, true, PR | PX},
    {AP(0), T_AP_NO_WRITE, false, PR | PX},
    {AP(0), T_AP_NO_EL0, false, PR | PW | PX}, /* APTable[0] RES0 here */
    {AP(0), T_PXN_TABLE, false, PR | PW | PX}, /* PXNTable RES0 here */
    {AP(0), T_UXN_TABLE, false, PR | PW},      /* XNTable */
};

static mmu_regime regime_for(mmu_regime_kind kind, uint64_t root, bool wxn) {
    mmu_regime r = {.kind = kind, .ttbr0 = root, .mair = 0xff};
    r.sctlr = SCTLR_M | (wxn ? SCTLR_WXN : 0);
    r.tcr = kind == MMU_REGIME_EL10 ? TCR_T0SZ(16) | TCR_TG1_4K | TCR_IPS(2)
                                    : TCR_T0SZ(16) | TCR_ELX_PS(2);
    return r;
}

static void run_cases(mmu_regime_kind kind, const perm_case *cases, unsigned n) {
    test_geometry g = {12, 48};
    for (unsigned i = 0; i < n; i++) {
        test_mem_reset(&mem);
        uint64_t root = test_alloc_table(&mem, 4096);
        uint64_t va = 0x0000123456789000ull;
        test_map(&mem, g, root, va, 3, 0x42000 | D_TABLE | D_AF | cases[i].leaf_bits,
                 cases[i].table_bits);
        mmu_regime r = regime_for(kind, root, cases[i].wxn);
        mmu_desc_reader reader = test_reader(&mem);
        mmu_translation tr;
        mmu_fault f = mmu_walk(&r, va, &reader, &tr);
        CHECK_EQ_U64(f.type, MMU_FAULT_NONE);
        uint8_t want = cases[i].want;
        if (kind != MMU_REGIME_EL10) want |= (uint8_t)(want << 3);
        if (tr.perms != want)
            fprintf(stderr, "case %u of regime %d: perms 0x%x, want 0x%x\n", i, (int)kind, tr.perms,
                    want);
        CHECK_EQ_U64(tr.perms, want);
    }
}

/* A table attribute only applies below the table that carries it: set at level 1 only, it still
 * reaches the page at level 3; and it does not leak into a sibling subtree. */
static void test_table_attrs_scope(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root, 0x40001000, 3, 0x1000 | D_TABLE | D_AF | AP(1), 0);
    test_map(&mem, g, root, 0x80001000, 3, 0x2000 | D_TABLE | D_AF | AP(1), 0);
    uint64_t l1 = test_get(&mem, root, 0) & 0xfffffffff000ull;
    uint64_t l1_desc = test_get(&mem, l1, 1); /* covers 0x4000_0000 */
    test_put(&mem, l1, 1, l1_desc | T_AP_NO_WRITE | T_UXN_TABLE);
    mmu_regime r = regime_for(MMU_REGIME_EL10, root, false);
    mmu_desc_reader reader = test_reader(&mem);
    mmu_translation tr;
    CHECK_EQ_U64(mmu_walk(&r, 0x40001000, &reader, &tr).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(tr.perms, PR | PX | UR);
    CHECK_EQ_U64(mmu_walk(&r, 0x80001000, &reader, &tr).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(tr.perms, PR | PW | UR | UW | UX);
    /* Blocks get table attributes from the levels above them too. */
    test_map(&mem, g, root, 0x40200000, 2, 0x200000 | D_BLOCK | D_AF | AP(1), 0);
    CHECK_EQ_U64(mmu_walk(&r, 0x40200000, &reader, &tr).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(tr.perms, PR | PX | UR);
}

/* mmu_check_permission: each access type against each privilege; the fault carries the leaf's
 * level and comes after access flag faults (AF = 0 with no permission is an Access flag fault). */
static void test_check_permission(void) {
    mmu_translation tr = {.level = 3, .stage1_enabled = true};
    tr.perms = PR | PX | UR | UX; /* AP = 11 */
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_READ, false).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_READ, true).type, MMU_FAULT_NONE);
    mmu_fault f = mmu_check_permission(&tr, MMU_ACCESS_WRITE, false);
    CHECK_EQ_U64(f.type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(f.level, 3);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_WRITE, true).type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_EXEC, true).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_READ_WRITE, false).type,
                 MMU_FAULT_PERMISSION);

    tr.perms = PR | PW | PX | UX; /* AP = 00: no EL0 data access */
    tr.level = 2;
    f = mmu_check_permission(&tr, MMU_ACCESS_READ, true);
    CHECK_EQ_U64(f.type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(f.level, 2);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_READ_WRITE, false).type, MMU_FAULT_NONE);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_READ_WRITE, true).type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_EXEC, true).type, MMU_FAULT_NONE);
    tr.perms = PR | PW | UR | UW; /* EL0 RW, UXN, implicit PXN */
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_EXEC, false).type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_EXEC, true).type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(mmu_check_permission(&tr, MMU_ACCESS_WRITE, true).type, MMU_FAULT_NONE);

    /* mmu_translate: AF = 0 beats a permission failure (TranslationTableWalk before
     * CheckPermission). */
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    test_map(&mem, g, root, 0x1000, 3, 0x1000 | D_TABLE | AP(2), 0);
    test_map(&mem, g, root, 0x2000, 3, 0x2000 | D_TABLE | D_AF | AP(2), 0);
    mmu_regime r = regime_for(MMU_REGIME_EL10, root, false);
    mmu_desc_reader reader = test_reader(&mem);
    CHECK_EQ_U64(mmu_translate(&r, 0x1000, MMU_ACCESS_WRITE, false, &reader, &tr).type,
                 MMU_FAULT_ACCESS_FLAG);
    f = mmu_translate(&r, 0x2000, MMU_ACCESS_WRITE, false, &reader, &tr);
    CHECK_EQ_U64(f.type, MMU_FAULT_PERMISSION);
    CHECK_EQ_U64(f.level, 3);
    CHECK_EQ_U64(mmu_translate(&r, 0x2000, MMU_ACCESS_READ, false, &reader, &tr).type,
                 MMU_FAULT_NONE);
    CHECK_EQ_U64(mmu_translate(&r, 0x2000, MMU_ACCESS_READ, true, &reader, &tr).type,
                 MMU_FAULT_PERMISSION);
    /* EL2: "unprivileged" (LDTR at EL2) behaves as an ordinary access. */
    r = regime_for(MMU_REGIME_EL2, root, false);
    CHECK_EQ_U64(mmu_translate(&r, 0x2000, MMU_ACCESS_READ, true, &reader, &tr).type,
                 MMU_FAULT_NONE);
    CHECK_EQ_U64(mmu_translate(&r, 0x2000, MMU_ACCESS_WRITE, true, &reader, &tr).type,
                 MMU_FAULT_PERMISSION);
}

int main(void) {
    run_cases(MMU_REGIME_EL10, el10_cases, sizeof el10_cases / sizeof el10_cases[0]);
    run_cases(MMU_REGIME_EL2, el2_cases, sizeof el2_cases / sizeof el2_cases[0]);
    run_cases(MMU_REGIME_EL3, el2_cases, sizeof el2_cases / sizeof el2_cases[0]);
    test_table_attrs_scope();
    test_check_permission();
    return check_report("test_mmu_perm");
}
