/* Raw-encoding tests of loads and stores: addressing forms, pairs, literal, MMIO through the
 * ports, bus errors, exclusives, alignment, DC ZVA, self-modifying code, the MMU (stage-1 walk,
 * access-flag faults never cached, AT). */
#include "check.h"
#include "harness.h"
#include "programs.inc"

#define PROG(t, addr, name) th_code(t, addr, prog_##name, sizeof prog_##name / 4)

static th *setup(void) {
    th *t = th_new(1);
    th_vectors(t, TH_VBAR);
    PROG(t, TH_VBAR + 0x200, vec_read_esr);
    return t;
}

static void test_forms(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    for (unsigned i = 0; i < 64; i++)
        t->ram[TH_DATA - 16 + i] = (uint8_t)(0x80 + i);
    cpu_set_xreg(c, 1, TH_DATA);
    cpu_set_xreg(c, 2, 0xfffffffe); /* w2 = -2 for sxtw; x2 lsl 2 is huge: use w forms */
    PROG(t, TH_CODE, ldst_forms);
    cpu_set_xreg(c, 2, 1);
    th_run(t, 0, 50);
    CHECK_EQ_U64(cpu_get_xreg(c, 4), 0x91);                  /* ldrb [x1, #1] */
    CHECK_EQ_U64(cpu_get_xreg(c, 5), 0xffffffffffff9392ull); /* ldrsh [x1, #2] */
    CHECK_EQ_U64(cpu_get_xreg(c, 6), 0x97969594);            /* ldr w, [x1, x2, lsl 2] */
    CHECK_EQ_U64(cpu_get_xreg(c, 7), 0x8f8e8d8c8b8a8988ull); /* ldur [x1, #-8] */
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_DATA + 8);           /* str pre-index wrote back */
    CHECK_EQ_U64(th_get64(t, TH_DATA + 8), 0x91);
    CHECK_EQ_U64(cpu_get_xreg(c, 8), 0); /* ldrsw [x1, w2, sxtw]: bytes 9..12 of the store */
    CHECK_EQ_U64(cpu_get_xreg(c, 9), 0x1122334455667788ull); /* literal */
    CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 40);
    th_free(t);
}

static void test_pairs(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    th_put64(t, TH_DATA, 0x1111);
    th_put64(t, TH_DATA + 8, 0x2222);
    th_put64(t, TH_DATA + 16, 0xfffffffe00000003ull);
    cpu_set_xreg(c, 1, TH_DATA);
    PROG(t, TH_CODE, ldp_stp);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 4), 0x1111);
    CHECK_EQ_U64(cpu_get_xreg(c, 5), 0x2222);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_DATA - 16);
    CHECK_EQ_U64(th_get64(t, TH_DATA - 16), 0x2222);
    CHECK_EQ_U64(th_get64(t, TH_DATA - 8), 0x1111);
    CHECK_EQ_U64(cpu_get_xreg(c, 6), 0x1111);
    CHECK_EQ_U64(cpu_get_xreg(c, 7), 0);
    th_free(t);
}

static void test_mmio_and_bus_error(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, TH_MMIO_BASE + 0x10);
    cpu_set_xreg(c, 2, 0xabcd);
    uint32_t prog[] = {prog_ldr_x1[0], prog_str_x1[0]};
    th_code(t, TH_CODE, prog, 2);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x1122334455667788ull);
    CHECK_EQ_U64(t->mmio_writes, 1);
    CHECK_EQ_U64(t->mmio_last_addr, TH_MMIO_BASE + 0x10);
    CHECK_EQ_U64(t->mmio_last_value, 0xabcd);
    th_free(t);
    /* nothing at 0x90000000: synchronous external abort, EC 0x25, DFSC 0x10, FAR */
    t = setup();
    c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, 0x90000008);
    PROG(t, TH_CODE, ldr_x1);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x96000000u | (1u << 24) | (3u << 22) | (1u << 15) | 0x10);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_CODE);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0x90000008);
    th_free(t);
}

static void test_exclusives(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    th_put64(t, TH_DATA, 41);
    cpu_set_xreg(c, 1, TH_DATA);
    PROG(t, TH_CODE, excl_ok);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0);
    CHECK_EQ_U64(th_get64(t, TH_DATA), 42);
    th_free(t);
    t = setup();
    c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, TH_DATA);
    cpu_set_xreg(c, 2, 7);
    PROG(t, TH_CODE, excl_no_reserve);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 1);
    CHECK_EQ_U64(th_get64(t, TH_DATA), 0);
    th_free(t);
    t = setup();
    c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, TH_DATA);
    PROG(t, TH_CODE, excl_clrex);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 1);
    th_free(t);
    t = setup();
    c = th_cpu(t, 0);
    th_put64(t, TH_DATA, 1);
    th_put64(t, TH_DATA + 8, 2);
    cpu_set_xreg(c, 1, TH_DATA);
    PROG(t, TH_CODE, excl_pair);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0);
    CHECK_EQ_U64(th_get64(t, TH_DATA), 2);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 8), 1);
    th_free(t);
    /* misaligned exclusive: alignment fault DFSC 0x21 */
    t = setup();
    c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, TH_DATA + 4);
    PROG(t, TH_CODE, ldaxr_unaligned);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0) & 0xfc00003f, 0x94000021);
    th_free(t);
}

static void test_sp_alignment_and_unaligned(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    cpu_set_xreg(c, 31, TH_DATA + 8);
    PROG(t, TH_CODE, sp_misaligned);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x9a000000); /* EC 0x26 */
    th_free(t);
    /* an unaligned load crossing a page boundary, SCTLR.A = 0 */
    t = setup();
    c = th_cpu(t, 0);
    for (unsigned i = 0; i < 8; i++)
        t->ram[TH_DATA + 0xffd + i] = (uint8_t)(i + 1);
    cpu_set_xreg(c, 1, TH_DATA + 0xffd);
    PROG(t, TH_CODE, ldr_x1);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x0807060504030201ull);
    th_free(t);
}

/* Misaligned accesses within a page take the fast path (SCTLR.A = 0): a loop of misaligned
 * LDR/STR/LDP/STP leaves the inline probes only for the first fill; a pair crossing the page
 * still reads both pages; under SCTLR.A = 1 a misaligned load faults (DFSC 0x21) even on a page
 * whose TLB entry an aligned access just filled. */
static void test_misaligned_fast(void) {
    static const uint32_t loop[] = {
        0xf9400023, /* ldr x3, [x1] */
        0xf9000823, /* str x3, [x1, #16] */
        0xa9421424, /* ldp x4, x5, [x1, #32] */
        0xa9041424, /* stp x4, x5, [x1, #64] */
        0xf1000442, /* subs x2, x2, #1 */
        0x54ffff61, /* b.ne loop */
        0xa94020c7, /* ldp x7, x8, [x6] */
    };
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    for (unsigned i = 0; i < 128; i++)
        t->ram[TH_DATA + i] = (uint8_t)(i + 1);
    for (unsigned i = 0; i < 16; i++)
        t->ram[TH_DATA + 0x1000 - 12 + i] = (uint8_t)(0xa0 + i);
    th_code(t, TH_CODE, loop, sizeof loop / 4);
    cpu_set_xreg(c, 1, TH_DATA + 1);
    cpu_set_xreg(c, 2, 64);
    cpu_set_xreg(c, 6, TH_DATA + 0x1000 - 12);
    th_run(t, 0, 6); /* one iteration: fills the entry */
    cpu_mem_stats before, after;
    cpu_get_mem_stats(c, &before);
    th_run(t, 0, 6 * 63 + 1);
    cpu_get_mem_stats(c, &after);
    CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 28);
    /* only the last LDP, which crosses into the next page */
    CHECK_EQ_U64(after.slow_accesses - before.slow_accesses, 1);
    CHECK(after.jit_slow_paths - before.jit_slow_paths <= 1);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0x0908070605040302ull);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 17), 0x0908070605040302ull);
    CHECK_EQ_U64(cpu_get_xreg(c, 4), 0x2928272625242322ull);
    CHECK_EQ_U64(cpu_get_xreg(c, 5), 0x31302f2e2d2c2b2aull);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 65), 0x2928272625242322ull);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 73), 0x31302f2e2d2c2b2aull);
    /* the pair crossing into the next page */
    CHECK_EQ_U64(cpu_get_xreg(c, 7), 0xa7a6a5a4a3a2a1a0ull);
    CHECK_EQ_U64(cpu_get_xreg(c, 8), 0xafaeadacabaaa9a8ull);
    th_free(t);

    static const uint32_t strict[] = {
        0xd5181005, /* msr sctlr_el1, x5 */
        0xd5033fdf, /* isb */
        0xf9400429, /* ldr x9, [x1, #8] */
        0xf94000e3, /* ldr x3, [x7] */
    };
    t = setup();
    c = th_cpu(t, 0);
    th_put64(t, TH_DATA + 8, 0x1234);
    th_code(t, TH_CODE, strict, sizeof strict / 4);
    cpu_set_xreg(c, 1, TH_DATA);
    cpu_set_xreg(c, 5, 0x00C50838 | 2); /* SCTLR_EL1.A */
    cpu_set_xreg(c, 7, TH_DATA + 3);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0) & 0xfc00003f, 0x94000021); /* EC 0x25, alignment */
    CHECK_EQ_U64(cpu_get_xreg(c, 9), 0x1234);                  /* aligned: fine */
    CHECK_EQ_U64(cpu_get_xreg(c, 3), TH_DATA + 3);             /* FAR */
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_CODE + 12);            /* ELR: the misaligned load */
    th_free(t);
}

static void test_dc_zva(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    memset(t->ram + TH_DATA, 0xaa, 256);
    cpu_set_xreg(c, 1, TH_DATA + 64 + 17);
    PROG(t, TH_CODE, dc_zva);
    th_run(t, 0, 10);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 56), 0xaaaaaaaaaaaaaaaaull);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 64), 0);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 120), 0);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 128), 0xaaaaaaaaaaaaaaaaull);
    th_free(t);
}

/* DC ZVA, DC CVAU and ISB run inside a block (they change no translation or code): one block
 * runs up to the faulting DC ZVA, whose abort still reports its own PC. */
static void test_dc_inside_block(void) {
    static const uint32_t prog[] = {
        0xd50b7421, /* dc zva, x1 */
        0xd28000a6, /* mov x6, #5 */
        0xd50b7b21, /* dc cvau, x1 */
        0xd5033fdf, /* isb */
        0xd28000e7, /* mov x7, #7 */
        0xd50b7424, /* dc zva, x4: nothing there, external abort */
        0xd2800125, /* mov x5, #9: not reached */
    };
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    memset(t->ram + TH_DATA, 0xaa, 128);
    cpu_set_xreg(c, 1, TH_DATA + 64);
    cpu_set_xreg(c, 4, 0x90000000);
    th_code(t, TH_CODE, prog, sizeof prog / 4);
    /* five instructions and the abort's step in one block, though the budget was one */
    CHECK_EQ_U64(th_run(t, 0, 1), 6);
    th_run(t, 0, 4); /* the vector reads ESR, ELR, SPSR, FAR */
    CHECK_EQ_U64(th_get64(t, TH_DATA + 56), 0xaaaaaaaaaaaaaaaaull);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 64), 0);
    CHECK_EQ_U64(th_get64(t, TH_DATA + 120), 0);
    CHECK_EQ_U64(cpu_get_xreg(c, 6), 5);
    CHECK_EQ_U64(cpu_get_xreg(c, 7), 7);
    CHECK_EQ_U64(cpu_get_xreg(c, 5), 0);
    CHECK_EQ_U64(cpu_get_xreg(c, 0) >> 26, 0x25); /* data abort, same EL */
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_CODE + 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0x90000000);
    th_free(t);
}

static void test_self_modifying_code(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    enum { TARGET = 0x20000 };
    PROG(t, TARGET, smc_target); /* mov x0, #1; b . */
    cpu_set_pc(c, TARGET);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 1);
    /* a guest store rewrites the decoded instruction; the block must be dropped */
    PROG(t, TH_CODE, smc_writer);
    cpu_set_xreg(c, 1, TARGET);
    cpu_set_xreg(c, 2, prog_mov_x0_2[0]);
    cpu_set_xreg(c, 3, TARGET);
    cpu_set_pc(c, TH_CODE);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 2);
    th_free(t);
}

/* Identity map of the first GiB, VA 1 GiB -> PA 0 (alias), VA 2 GiB with AF = 0. */
static void build_tables(th *t, uint64_t base) {
    uint64_t attrs = (1u << 10) | (3u << 8) | 1; /* AF, inner shareable, AttrIndx 0, block */
    th_put64(t, base + 0, 0 | attrs);
    th_put64(t, base + 8, 0 | attrs);
    th_put64(t, base + 16, 0 | (attrs & ~(uint64_t)(1u << 10)));
}

static void mmu_setup(th *t, arm_cpu *c) {
    enum { TABLES = 0x300000 };
    build_tables(t, TABLES);
    cpu_write_sysreg(c, "MAIR_EL1", 0xff);
    /* T0SZ 25 (39-bit VA, start at level 1), 4K granule, IPS 40 bits, EPD1 */
    cpu_write_sysreg(c, "TCR_EL1", 25 | (1ull << 23) | (2ull << 32));
    cpu_write_sysreg(c, "TTBR0_EL1", TABLES);
    cpu_set_xreg(c, 5, 0x00C50838 | 1); /* SCTLR_EL1.M */
    cpu_set_xreg(c, 6, 0x40000000 + TH_DATA);
    cpu_set_xreg(c, 7, TH_DATA + 8);
    cpu_set_xreg(c, 8, 0x80000000 + TH_DATA);
    cpu_set_xreg(c, 9, 0x7000000000ull); /* outside the 39-bit range */
}

static void test_mmu(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    th_put64(t, TH_DATA, 0x1234);
    th_put64(t, TH_DATA + 8, 0x5678);
    mmu_setup(t, c);
    PROG(t, TH_CODE, mmu_on);
    th_run(t, 0, 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x1234);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), 0x5678);
    th_free(t);
    /* AF = 0: access flag fault, level 1 (DFSC 0x09), FAR = VA; still faulting after a retry */
    for (int round = 0; round < 2; round++) {
        t = setup();
        c = th_cpu(t, 0);
        mmu_setup(t, c);
        PROG(t, TH_CODE, mmu_af);
        th_run(t, 0, 20);
        CHECK_EQ_U64(cpu_get_xreg(c, 0) & 0xfc00003f, 0x94000009);
        CHECK_EQ_U64(cpu_get_xreg(c, 3), 0x80000000 + TH_DATA);
        th_free(t);
    }
    /* AT S1E1R: PAR_EL1 for a good address and a translation fault */
    t = setup();
    c = th_cpu(t, 0);
    mmu_setup(t, c);
    cpu_write_sysreg(c, "SCTLR_EL1", 0x00C50838 | 1);
    th_code(t, TH_CODE, prog_at_s1e1r, 4);
    th_run(t, 0, 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 0) & 0xfffffffff001ull, TH_DATA & ~0xfffull);
    CHECK_EQ_U64(cpu_get_xreg(c, 1) & 1, 1);
    th_free(t);
}

int main(void) {
    test_forms();
    test_pairs();
    test_mmio_and_bus_error();
    test_exclusives();
    test_sp_alignment_and_unaligned();
    test_misaligned_fast();
    test_dc_zva();
    test_dc_inside_block();
    test_self_modifying_code();
    test_mmu();
    return check_report("insn_ldst");
}
