/* Fault status codes (ESR_ELx DFSC/IFSC) and the AT instructions' PAR_EL1 values (64-bit format
 * of v8.0: F=0: ATTR[63:56] PA[47:12] RES1[11] NS[9] SH[8:7]; F=1: RES1[11] S[9] PTW[8]
 * FST[6:1] F[0]). */
#include "check.h"
#include "mmu_test_tables.h"

static test_mem mem;

static void test_fault_status_codes(void) {
    static const struct {
        mmu_fault_type type;
        uint8_t level, fsc;
    } cases[] = {
        {MMU_FAULT_ADDRESS_SIZE, 0, 0x00},
        {MMU_FAULT_ADDRESS_SIZE, 3, 0x03},
        {MMU_FAULT_TRANSLATION, 0, 0x04},
        {MMU_FAULT_TRANSLATION, 1, 0x05},
        {MMU_FAULT_TRANSLATION, 2, 0x06},
        {MMU_FAULT_TRANSLATION, 3, 0x07},
        {MMU_FAULT_ACCESS_FLAG, 1, 0x09},
        {MMU_FAULT_ACCESS_FLAG, 3, 0x0b},
        {MMU_FAULT_PERMISSION, 1, 0x0d},
        {MMU_FAULT_PERMISSION, 3, 0x0f},
        {MMU_FAULT_EXTERNAL_ABORT, 0, 0x10},
        {MMU_FAULT_EXTERNAL_ABORT_ON_WALK, 0, 0x14},
        {MMU_FAULT_EXTERNAL_ABORT_ON_WALK, 2, 0x16},
        {MMU_FAULT_ALIGNMENT, 0, 0x21},
        {MMU_FAULT_NONE, 0, 0x00},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mmu_fault f = {cases[i].type, cases[i].level};
        CHECK_EQ_U64(mmu_fault_status_code(f), cases[i].fsc);
    }
}

static mmu_regime el1_regime(uint64_t root) {
    return (mmu_regime){
        .kind = MMU_REGIME_EL10,
        .sctlr = SCTLR_M,
        .tcr = TCR_T0SZ(16) | TCR_TG0_4K | TCR_T1SZ(16) | TCR_TG1_4K | TCR_IPS(2) | TCR_AS,
        .ttbr0 = root,
        .mair = 0x000000000004ff44ull, /* 0: Normal NC, 1: Normal WB, 2: Device-nGnRE */
    };
}

static void test_at_par(void) {
    test_mem_reset(&mem);
    test_geometry g = {12, 48};
    uint64_t root = test_alloc_table(&mem, 4096);
    /* EL1 RW, EL0 none; WB inner shareable */
    test_map(&mem, g, root, 0x00007f1234567000ull, 3,
             0xab12345000ull | D_TABLE | D_AF | D_ATTR(1) | D_SH(3), 0);
    /* EL0 RO device */
    test_map(&mem, g, root, 0x1000, 3,
             0x3f201000ull | D_TABLE | D_AF | D_ATTR(2) | D_AP_EL0 | D_AP_RO | D_SH(0), 0);
    /* AF = 0 at level 2 */
    test_map(&mem, g, root, 0x40000000, 2, 0x40000000 | D_BLOCK | D_ATTR(1), 0);
    mmu_regime r = el1_regime(root);
    mmu_desc_reader reader = test_reader(&mem);
    uint64_t par = 0;
    mmu_fault abort_info = {0};

    /* AT S1E1R: success. PA bits [47:12] only, ATTR = MAIR byte 0xff, SH = 11, NS = 1, bit 11. */
    CHECK(mmu_translate_at(&r, 0x00007f1234567abcull, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 0xff00000000000000ull | 0xab12345000ull | 1ull << 11 | 1ull << 9 | 3ull << 7);
    /* AT S1E1W succeeds too; AT S1E0R is a level 3 permission fault: F=1, FST=0b001111. */
    CHECK(mmu_translate_at(&r, 0x00007f1234567abcull, false, true, &reader, &par, &abort_info));
    CHECK_EQ_U64(par & 1, 0);
    CHECK(mmu_translate_at(&r, 0x00007f1234567abcull, true, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 1ull << 11 | 0x0full << 1 | 1);

    /* Device memory: ATTR 0x04, SH reported as Outer (10) whatever the descriptor says. */
    CHECK(mmu_translate_at(&r, 0x1234, true, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 0x0400000000000000ull | 0x3f201000ull | 1ull << 11 | 1ull << 9 | 2ull << 7);
    /* AT S1E0W on EL0 read-only: permission fault level 3. */
    CHECK(mmu_translate_at(&r, 0x1234, true, true, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 1ull << 11 | 0x0full << 1 | 1);

    /* Access flag fault level 2 -> FST 0b001010; translation fault level 0 -> 0b000100. */
    CHECK(mmu_translate_at(&r, 0x40000000, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 1ull << 11 | 0x0aull << 1 | 1);
    CHECK(mmu_translate_at(&r, 0x0000800000000000ull, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 1ull << 11 | 0x04ull << 1 | 1);

    /* External abort on the walk: a Data Abort exception, PAR_EL1 untouched. */
    par = 0x1234;
    r.ttbr0 = TEST_MEM_SIZE * 2;
    CHECK(!mmu_translate_at(&r, 0x1000, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(abort_info.type, MMU_FAULT_EXTERNAL_ABORT_ON_WALK);
    CHECK_EQ_U64(mmu_fault_status_code(abort_info), 0x14);
    CHECK_EQ_U64(par, 0x1234);

    /* MMU off: PA = VA, Device-nGnRnE (ATTR 0), Outer Shareable. */
    r.sctlr = 0;
    CHECK(mmu_translate_at(&r, 0x3f215040, false, true, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 0x3f215000ull | 1ull << 11 | 1ull << 9 | 2ull << 7);
    CHECK(mmu_translate_at(&r, 1ull << 40, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 1ull << 11 | 0x00ull << 1 | 1); /* address size fault level 0 */

    /* AT S1E3R: Secure regime, NS from the descriptor (0 here). */
    mmu_regime el3 = {.kind = MMU_REGIME_EL3,
                      .sctlr = SCTLR_M,
                      .tcr = TCR_T0SZ(16) | TCR_ELX_PS(2),
                      .ttbr0 = root,
                      .mair = 0xff00};
    CHECK(mmu_translate_at(&el3, 0x00007f1234567abcull, false, false, &reader, &par, &abort_info));
    CHECK_EQ_U64(par, 0xff00000000000000ull | 0xab12345000ull | 1ull << 11 | 3ull << 7);
}

int main(void) {
    test_fault_status_codes();
    test_at_par();
    return check_report("test_mmu_at");
}
