/* ASID-tagged soft TLB: two address spaces (ASID 1 and 2) map the same VA differently; TTBR0
 * switches without TLBI must see the right mapping, keep the other ASID's entries (parked) and the
 * global ones; TLBI ASIDE1 removes only its ASID's nG entries, VAAE1 a VA in every ASID, VAE1 a
 * VA in one ASID (and global entries of that VA). The page tables are edited behind the TLB's
 * back (no TLBI) to tell cached from re-walked translations. */
#include "check.h"
#include "harness.h"

/* Page tables (PA): L1, L2, L3 per address space. */
enum { L1_A = 0x300000, L1_B = 0x301000, L2_A = 0x302000, L2_B = 0x303000 };
enum { L3_A = 0x304000, L3_B = 0x305000 };
/* VA 1 GiB + k pages goes through L3[k]. */
#define VA(k)    (0x40000000ull + 0x1000ull * (k))
#define DATA(n)  (0x280000ull + 0x1000ull * (n)) /* one value per page */
#define VALUE(n) (0xabc00000ull + (n))
enum { K_X = 1, K_G = 2, K_Y = 3, K_Z = 5 }; /* distinct TLB slots */

static void l3(th *t, uint64_t table, unsigned k, unsigned n, bool ng) {
    /* page, AF, inner shareable, AttrIndx 0, EL1 read/write */
    uint64_t d = DATA(n) | (1u << 10) | (3u << 8) | 3 | (ng ? 1u << 11 : 0);
    th_put64(t, table + 8 * k, d);
}

static void tables(th *t, uint64_t l1, uint64_t l2, uint64_t l3t) {
    th_put64(t, l1 + 0, 0 | (1u << 10) | (3u << 8) | 1); /* 1 GiB identity block, global */
    th_put64(t, l1 + 8, l2 | 3);
    th_put64(t, l2 + 0, l3t | 3);
}

enum {
    MSR_TTBR0_X1 = 0xd5182001,
    MSR_TTBR0_X2 = 0xd5182002,
    MSR_SCTLR_X5 = 0xd5181005,
    ISB = 0xd5033fdf,
    TLBI_ASIDE1_X20 = 0xd5088754,
    TLBI_ASIDE1_X21 = 0xd5088755,
    TLBI_VAAE1_X22 = 0xd5088776,
    TLBI_VAAE1_X23 = 0xd5088777,
    TLBI_VAE1_X24 = 0xd5088738,
    TLBI_ASIDE1IS_X21 = 0xd5088355,
};
#define LDR(d, n) (0xf9400000u | ((n) << 5) | (d)) /* ldr xd, [xn] */

static void run(th *t, unsigned core, const uint32_t *w, size_t n) {
    arm_cpu *c = th_cpu(t, core);
    th_code(t, TH_CODE + 0x1000 * core, w, n);
    cpu_set_pc(c, TH_CODE + 0x1000 * core);
    th_run(t, core, 4 * n + 16);
}

static th *setup(unsigned cores) {
    th *t = th_new(cores);
    th_vectors(t, TH_VBAR);
    for (unsigned n = 0; n < 16; n++)
        th_put64(t, DATA(n), VALUE(n));
    tables(t, L1_A, L2_A, L3_A);
    tables(t, L1_B, L2_B, L3_B);
    /* ASID 1 (A): X -> 0, Y -> 2, Z -> 4, G -> 6 (global). ASID 2 (B): X -> 1, Y -> 3, Z -> 5,
     * G -> 7 (global, deliberately different: a cached global entry wins). */
    l3(t, L3_A, K_X, 0, true);
    l3(t, L3_A, K_Y, 2, true);
    l3(t, L3_A, K_Z, 4, true);
    l3(t, L3_A, K_G, 6, false);
    l3(t, L3_B, K_X, 1, true);
    l3(t, L3_B, K_Y, 3, true);
    l3(t, L3_B, K_Z, 5, true);
    l3(t, L3_B, K_G, 7, false);
    for (unsigned i = 0; i < cores; i++) {
        arm_cpu *c = th_cpu(t, i);
        cpu_write_sysreg(c, "MAIR_EL1", 0xff);
        /* T0SZ 25, 4K granule, IPS 40 bits, EPD1, A1 = 0 (TTBR0 holds the ASID), AS = 1 */
        cpu_write_sysreg(c, "TCR_EL1", 25 | (1ull << 23) | (2ull << 32) | (1ull << 36));
        cpu_write_sysreg(c, "TTBR0_EL1", L1_A | (1ull << 48));
        cpu_set_xreg(c, 1, L1_A | (1ull << 48));
        cpu_set_xreg(c, 2, L1_B | (2ull << 48));
        cpu_set_xreg(c, 5, 0x00C50838 | 1); /* SCTLR_EL1.M */
        cpu_set_xreg(c, 10, VA(K_X));
        cpu_set_xreg(c, 11, VA(K_Y));
        cpu_set_xreg(c, 12, VA(K_G));
        cpu_set_xreg(c, 13, VA(K_Z));
        cpu_set_xreg(c, 20, 1ull << 48); /* TLBI ASID 1 */
        cpu_set_xreg(c, 21, 2ull << 48); /* TLBI ASID 2 */
        cpu_set_xreg(c, 22, VA(K_Z) >> 12);
        cpu_set_xreg(c, 23, VA(K_G) >> 12);
        cpu_set_xreg(c, 24, (2ull << 48) | (VA(K_Y) >> 12)); /* VAE1: VA Y in ASID 2 */
        const uint32_t on[] = {MSR_TTBR0_X1, ISB, MSR_SCTLR_X5, ISB};
        run(t, i, on, 4);
    }
    return t;
}

static void test_switch_without_tlbi(void) {
    th *t = setup(1);
    arm_cpu *c = th_cpu(t, 0);
    /* ASID 1: X, Y, G; switch to ASID 2 (no TLBI): X must be B's mapping, G the cached global. */
    const uint32_t p1[] = {LDR(0, 10), LDR(3, 11), LDR(4, 12), MSR_TTBR0_X2,
                           ISB,        LDR(6, 10), LDR(7, 12), LDR(8, 13)};
    run(t, 0, p1, 8);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(0));
    CHECK_EQ_U64(cpu_get_xreg(c, 3), VALUE(2));
    CHECK_EQ_U64(cpu_get_xreg(c, 4), VALUE(6));
    CHECK_EQ_U64(cpu_get_xreg(c, 6), VALUE(1)); /* same VA, other ASID: other mapping */
    CHECK_EQ_U64(cpu_get_xreg(c, 7), VALUE(6)); /* global entry survived the ASID switch */
    CHECK_EQ_U64(cpu_get_xreg(c, 8), VALUE(5));
    /* Retarget A's Y and B's Z behind the TLB: switching back and forth must use the cached
     * (parked) entries of each ASID, not walk again. */
    l3(t, L3_A, K_Y, 8, true);
    l3(t, L3_B, K_Z, 9, true);
    const uint32_t p2[] = {MSR_TTBR0_X1, ISB, LDR(0, 11), LDR(3, 10),
                           MSR_TTBR0_X2, ISB, LDR(4, 13)};
    run(t, 0, p2, 7);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(2)); /* ASID 1's Y kept while ASID 2 ran */
    CHECK_EQ_U64(cpu_get_xreg(c, 3), VALUE(0)); /* X: slot shared with ASID 2: walked again */
    CHECK_EQ_U64(cpu_get_xreg(c, 4), VALUE(5)); /* ASID 2's Z kept while ASID 1 ran */
    th_free(t);
}

static void test_tlbi_asid(void) {
    th *t = setup(1);
    arm_cpu *c = th_cpu(t, 0);
    /* Cache A's Y and G, B's Z; then (in ASID 1) TLBI ASIDE1 ASID 2, then ASID 1. */
    const uint32_t p1[] = {MSR_TTBR0_X2, ISB,        LDR(0, 13), MSR_TTBR0_X1,
                           ISB,          LDR(0, 11), LDR(0, 12)};
    run(t, 0, p1, 7);
    l3(t, L3_A, K_Y, 8, true);
    l3(t, L3_A, K_G, 10, false);
    l3(t, L3_B, K_Z, 9, true);
    const uint32_t p2[] = {TLBI_ASIDE1_X21, ISB, LDR(0, 11), LDR(3, 12),
                           TLBI_ASIDE1_X20, ISB, LDR(4, 11), LDR(6, 12),
                           MSR_TTBR0_X2,    ISB, LDR(7, 13)};
    run(t, 0, p2, 11);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(2)); /* ASIDE1 of ASID 2 kept ASID 1's Y */
    CHECK_EQ_U64(cpu_get_xreg(c, 3), VALUE(6)); /* ... and the global G */
    CHECK_EQ_U64(cpu_get_xreg(c, 4), VALUE(8)); /* ASIDE1 of ASID 1 removed Y */
    CHECK_EQ_U64(cpu_get_xreg(c, 6), VALUE(6)); /* but not the global G */
    CHECK_EQ_U64(cpu_get_xreg(c, 7), VALUE(9)); /* ASID 2's Z was removed by the first one */
    th_free(t);
}

static void test_tlbi_va(void) {
    th *t = setup(1);
    arm_cpu *c = th_cpu(t, 0);
    /* Cache B's Z and Y, then A's Y and G. */
    const uint32_t p1[] = {MSR_TTBR0_X2, ISB, LDR(0, 13), LDR(0, 11),
                           MSR_TTBR0_X1, ISB, LDR(0, 12)};
    run(t, 0, p1, 7);
    l3(t, L3_B, K_Z, 9, true);
    l3(t, L3_A, K_G, 10, false);
    l3(t, L3_B, K_Y, 11, true);
    /* VAAE1 Z (while ASID 1 is current) removes ASID 2's Z; VAAE1 G removes the global G;
     * VAE1 Y with ASID 2 removes B's Y. */
    const uint32_t p2[] = {TLBI_VAAE1_X22, TLBI_VAAE1_X23, TLBI_VAE1_X24, ISB,
                           LDR(0, 12),     MSR_TTBR0_X2,   ISB,           LDR(3, 13),
                           LDR(4, 11)};
    run(t, 0, p2, 9);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(10)); /* global G walked again */
    CHECK_EQ_U64(cpu_get_xreg(c, 3), VALUE(9));  /* ASID 2's Z walked again */
    CHECK_EQ_U64(cpu_get_xreg(c, 4), VALUE(11)); /* ASID 2's Y walked again */
    th_free(t);

    /* VAE1 with another ASID leaves the current ASID's entry alone. */
    t = setup(1);
    c = th_cpu(t, 0);
    const uint32_t p3[] = {LDR(0, 11)};
    run(t, 0, p3, 1);
    l3(t, L3_A, K_Y, 8, true);
    const uint32_t p4[] = {TLBI_VAE1_X24, ISB, LDR(0, 11)};
    run(t, 0, p4, 3);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(2));
    th_free(t);
}

/* A 2 MiB block cached through one page is dropped by TLBI VAAE1 of another page of it (another
 * TLB slot): the block filter must know the block's granule. */
static void test_tlbi_va_block(void) {
    enum { BLOCK_VA = 0x40200000, OLD_PA = 0x200000, NEW_PA = 0, L1_C = 0x306000, L2_C = 0x307000 };
    th *t = setup(1);
    arm_cpu *c = th_cpu(t, 0);
    /* No 1 GiB block this time (it would make every TLBI VA look at every slot): the low 4 MiB
     * as two 2 MiB identity blocks, 1 GiB up through L2_A. */
    th_put64(t, L1_C + 0, L2_C | 3);
    th_put64(t, L1_C + 8, L2_A | 3);
    th_put64(t, L2_C + 0, 0 | (1u << 10) | (3u << 8) | 1);
    th_put64(t, L2_C + 8, 0x200000 | (1u << 10) | (3u << 8) | 1);
    cpu_set_xreg(c, 1, L1_C | (1ull << 48));
    const uint32_t p0[] = {MSR_TTBR0_X1, ISB, 0xd508871f /* tlbi vmalle1 */, ISB};
    run(t, 0, p0, 4);
    th_put64(t, OLD_PA + 0x7000, VALUE(20));
    th_put64(t, NEW_PA + 0x7000, VALUE(21));
    th_put64(t, L2_A + 8, OLD_PA | (1u << 10) | (3u << 8) | 1); /* block, global */
    cpu_set_xreg(c, 14, BLOCK_VA + 0x7000);
    cpu_set_xreg(c, 15, BLOCK_VA >> 12);
    const uint32_t p1[] = {LDR(0, 14)};
    run(t, 0, p1, 1);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(20));
    th_put64(t, L2_A + 8, NEW_PA | (1u << 10) | (3u << 8) | 1);
    const uint32_t p2[] = {LDR(1, 14), 0xd508876f /* tlbi vaae1, x15 */, ISB, LDR(0, 14)};
    run(t, 0, p2, 4);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), VALUE(20)); /* still cached */
    CHECK_EQ_U64(cpu_get_xreg(c, 0), VALUE(21)); /* walked again */
    th_free(t);
}

static void test_broadcast(void) {
    th *t = setup(2);
    arm_cpu *c1 = th_cpu(t, 1);
    /* Core 1 caches ASID 2's Z and returns to ASID 1; core 0 does TLBI ASIDE1IS ASID 2. */
    const uint32_t p1[] = {MSR_TTBR0_X2, ISB, LDR(0, 13), MSR_TTBR0_X1, ISB};
    run(t, 1, p1, 5);
    l3(t, L3_B, K_Z, 9, true);
    const uint32_t p2[] = {TLBI_ASIDE1IS_X21, ISB};
    run(t, 0, p2, 2);
    const uint32_t p3[] = {MSR_TTBR0_X2, ISB, LDR(3, 13)};
    run(t, 1, p3, 3);
    CHECK_EQ_U64(cpu_get_xreg(c1, 3), VALUE(9));
    th_free(t);
}

int main(void) {
    test_switch_without_tlbi();
    test_tlbi_asid();
    test_tlbi_va();
    test_tlbi_va_block();
    test_broadcast();
    return check_report("insn_tlb_asid");
}
