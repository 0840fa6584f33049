/* Raw-encoding tests of the system level: exception entry with exact syndromes, ERET to EL0,
 * UNDEF for absent features (AES, LSE), EL0 traps (ID registers EC 0x18, WFI), HVC/SMC rules,
 * FP traps, WFI idling and waking, the generic timer firing at the right virtual time, ID values.
 */
#include "check.h"
#include "harness.h"
#include "programs.inc"

#define PROG(t, addr, name) th_code(t, addr, prog_##name, sizeof prog_##name / 4)
enum { USER = 0x30000, VBAR2 = 0x9000 };

static uint64_t sysreg(arm_cpu *c, const char *n) {
    uint64_t v = 0;
    CHECK(cpu_read_sysreg(c, n, &v));
    return v;
}

static th *setup(void) {
    th *t = th_new(1);
    th_vectors(t, TH_VBAR);
    PROG(t, TH_VBAR + 0x200, vec_read_esr); /* current EL, SPx, synchronous */
    PROG(t, TH_VBAR + 0x400, vec_read_esr); /* lower EL, AArch64, synchronous */
    th_vectors(t, VBAR2);
    PROG(t, VBAR2 + 0x400, vec_read_esr2);
    cpu_write_sysreg(th_cpu(t, 0), "VBAR_EL2", VBAR2);
    return t;
}

/* Runs `prog` at EL1 and expects a synchronous exception to EL1 with esr, ELR = elr. */
static void expect_el1_sync(th *t, uint32_t esr, uint64_t elr, uint64_t vector) {
    arm_cpu *c = th_cpu(t, 0);
    th_run(t, 0, 100);
    CHECK_EQ_U64(cpu_get_el(c), 1);
    CHECK_EQ_U64(cpu_get_pc(c), vector + 16);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), esr);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), elr);
}

static void test_svc(void) {
    th *t = setup();
    PROG(t, TH_CODE, svc);
    expect_el1_sync(t, 0x56000042, TH_CODE + 4, TH_VBAR + 0x200);
    CHECK_EQ_U64(cpu_get_xreg(th_cpu(t, 0), 2) & 0x3cf, 0x3c5); /* SPSR: DAIF, EL1h */
    th_free(t);
}

static void enter_el0(th *t) {
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "SPSR_EL1", 0); /* EL0t, interrupts unmasked */
    cpu_write_sysreg(c, "ELR_EL1", USER);
    PROG(t, TH_CODE, eret);
}

static void test_el0_svc_and_eret(void) {
    th *t = setup();
    enter_el0(t);
    PROG(t, USER, user_svc);
    expect_el1_sync(t, 0x56000001, USER + 8, TH_VBAR + 0x400);
    CHECK_EQ_U64(cpu_get_xreg(th_cpu(t, 0), 9), 7); /* ran at EL0 */
    CHECK_EQ_U64(cpu_get_xreg(th_cpu(t, 0), 2), 0); /* SPSR: EL0t */
    th_free(t);
}

static void test_el0_id_register_trap(void) {
    th *t = setup();
    enter_el0(t);
    PROG(t, USER, user_mrs_midr);
    /* EC 0x18, IL, Op0=3 Op2=0 Op1=0 CRn=0 Rt=3 CRm=0 read */
    expect_el1_sync(t, 0x62300061, USER, TH_VBAR + 0x400);
    th_free(t);
    /* CTR_EL0 at EL0 with SCTLR_EL1.UCT: no trap */
    t = setup();
    cpu_write_sysreg(th_cpu(t, 0), "SCTLR_EL1", 0x00C50838 | (1u << 15));
    enter_el0(t);
    PROG(t, USER, user_mrs_ctr);
    expect_el1_sync(t, 0x56000002, USER + 8, TH_VBAR + 0x400);
    CHECK_EQ_U64(cpu_get_xreg(th_cpu(t, 0), 4), 0x84448004);
    th_free(t);
    /* CTR_EL0 at EL0 without UCT: EC 0x18 */
    t = setup();
    enter_el0(t);
    PROG(t, USER, user_mrs_ctr);
    th_run(t, 0, 100);
    CHECK_EQ_U64(cpu_get_xreg(th_cpu(t, 0), 0) >> 26, 0x18);
    th_free(t);
}

static void test_el0_wfi_traps(void) {
    th *t = setup();
    cpu_write_sysreg(th_cpu(t, 0), "SCTLR_EL1", 0x00C50838 & ~(1u << 16)); /* nTWI = 0 */
    enter_el0(t);
    PROG(t, USER, user_wfi);
    expect_el1_sync(t, (0x01u << 26) | (1u << 25) | (1u << 24) | (0xeu << 20), USER,
                    TH_VBAR + 0x400);
    th_free(t);
}

static void test_undef(const uint32_t *prog, size_t n, const char *what) {
    th *t = setup();
    th_code(t, TH_CODE, prog, n);
    arm_cpu *c = th_cpu(t, 0);
    cpu_set_xreg(c, 2, TH_DATA);
    th_run(t, 0, 100);
    bool ok = cpu_get_xreg(c, 0) == 0x02000000 && cpu_get_xreg(c, 1) == TH_CODE;
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s did not UNDEF (esr 0x%llx)\n", what,
                (unsigned long long)cpu_get_xreg(c, 0));
    th_free(t);
}

static void test_hvc_smc_brk(void) {
    th *t = setup();
    PROG(t, TH_CODE, hvc);
    arm_cpu *c = th_cpu(t, 0);
    th_run(t, 0, 100);
    CHECK_EQ_U64(cpu_get_el(c), 2);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x5a000005); /* EC 0x16 */
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_CODE + 4);
    CHECK_EQ_U64(cpu_get_xreg(c, 2) & 0xf, 0x5); /* from EL1h */
    th_free(t);
    /* SCR_EL3.SMD = 1 (armstub8): SMC is UNDEFINED at EL1 */
    test_undef(prog_smc, 1, "smc");
    test_undef(prog_udf, 1, "udf");
    t = setup();
    PROG(t, TH_CODE, brk);
    expect_el1_sync(t, 0xf2000003, TH_CODE, TH_VBAR + 0x200);
    th_free(t);
    /* HCR_EL2.HCD = 1: HVC UNDEFINED at EL1 */
    t = setup();
    cpu_write_sysreg(th_cpu(t, 0), "HCR_EL2", (1ull << 31) | (1ull << 29));
    PROG(t, TH_CODE, hvc);
    expect_el1_sync(t, 0x02000000, TH_CODE, TH_VBAR + 0x200);
    th_free(t);
}

static void test_fp_trap(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "CPACR_EL1", 0);
    cpu_set_xreg(c, 1, TH_DATA);
    PROG(t, TH_CODE, ldr_q);
    expect_el1_sync(t, (0x07u << 26) | (1u << 25) | (1u << 24) | (0xeu << 20), TH_CODE,
                    TH_VBAR + 0x200);
    th_free(t);
}

static void test_wfi_idle_and_irq(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    PROG(t, TH_CODE, wfi_then_mov);
    uint64_t n = th_run(t, 0, 1000);
    CHECK(n < 1000);
    CHECK(cpu_is_idle(c));
    CHECK_EQ_U64(th_run(t, 0, 1000), 0);
    CHECK(cpu_is_idle(c));
    cpu_set_irq(c, true); /* masked (DAIF.I): wakes WFI, no exception */
    CHECK(!cpu_is_idle(c));
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 1);
    CHECK_EQ_U64(cpu_get_el(c), 1);
    th_free(t);
    /* unmasked: the IRQ is taken at VBAR + 0x280 with ELR after the WFI */
    t = setup();
    c = th_cpu(t, 0);
    PROG(t, TH_CODE, unmask_wfi);
    th_run(t, 0, 1000);
    CHECK(cpu_is_idle(c));
    cpu_set_irq(c, true);
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x280);
    CHECK_EQ_U64(sysreg(c, "ELR_EL1"), TH_CODE + 8);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0);
    th_free(t);
}

static void test_timer(void) {
    th *t = setup();
    t->wire_virt_timer = true;
    arm_cpu *c = th_cpu(t, 0);
    PROG(t, TH_CODE, timer_virt);
    th_run(t, 0, 1000);
    CHECK(cpu_is_idle(c));
    CHECK(!t->timer_level[0][CPU_TIMER_VIRT]);
    /* CVAL 1920 ticks at 19.2 MHz = 100 us */
    CHECK_EQ_U64(cpu_next_timer_deadline(c), 100000);
    t->now_ns = 99999;
    cpu_timer_update(c, t->now_ns);
    CHECK(!t->timer_level[0][CPU_TIMER_VIRT]);
    CHECK(cpu_is_idle(c));
    t->now_ns = 100000;
    cpu_timer_update(c, t->now_ns);
    CHECK(t->timer_level[0][CPU_TIMER_VIRT]);
    CHECK(!cpu_is_idle(c));
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x280);
    CHECK_EQ_U64(sysreg(c, "CNTV_CTL_EL0"), 5); /* ENABLE | ISTATUS */
    th_free(t);
    /* The timer firing inside a slice: CVAL reached while running a loop */
    t = setup();
    c = th_cpu(t, 0);
    PROG(t, TH_CODE, read_cnt_twice);
    th_run(t, 0, 10);
    CHECK(cpu_get_xreg(c, 1) > cpu_get_xreg(c, 0)); /* back-to-back reads advance */
    CHECK_EQ_U64(cpu_get_xreg(c, 2), 19200000);
    th_free(t);
}

static void test_id_registers(void) {
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "SCTLR_EL1", 0x00C50838 | (1u << 14));
    PROG(t, TH_CODE, daif_read);
    th_run(t, 0, 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x3c0);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), 4);
    CHECK_EQ_U64(cpu_get_xreg(c, 2), 0x80000000);
    CHECK_EQ_U64(cpu_get_xreg(c, 3), 0x410FD034);
    CHECK_EQ_U64(cpu_get_xreg(c, 4), 0x10000);
    CHECK_EQ_U64(cpu_get_xreg(c, 5), 0); /* unallocated ID space reads as zero */
    CHECK_EQ_U64(cpu_get_xreg(c, 6), 4);
    CHECK_EQ_U64(cpu_get_xreg(c, 7), 0x84448004);
    CHECK_EQ_U64(cpu_get_xreg(c, 8), 0x2222);
    CHECK_EQ_U64(cpu_get_xreg(c, 9), 0x0A200023);
    th_free(t);
    t = setup();
    c = th_cpu(t, 0);
    cpu_set_xreg(c, 1, 2); /* CSSELR: Level 1 (L2), data/unified */
    PROG(t, TH_CODE, ccsidr);
    th_run(t, 0, 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 0x703FE07A);
    th_free(t);
    t = setup();
    PROG(t, TH_CODE, unknown_sysreg);
    expect_el1_sync(t, 0x02000000, TH_CODE, TH_VBAR + 0x200);
    th_free(t);
}

/* FPCR on the A53: AHP DN FZ RMode and the AArch32 Len/Stride hold what is written; the trap
 * enables (IOE DZE OFE UFE IXE IDE: no FP exception trapping) and FZ16 (no FP16 arithmetic) are
 * RES0. The differential test (diff_unicorn_system) found them kept. */
static void test_fpcr_res0(void) {
    static const uint32_t prog[] = {0xd51b4400,  /* msr fpcr, x0 */
                                    0xd53b4401}; /* mrs x1, fpcr */
    th *t = setup();
    arm_cpu *c = th_cpu(t, 0);
    th_code(t, TH_CODE, prog, 2);
    cpu_set_xreg(c, 0, ~0ull);
    th_run(t, 0, 2);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), 0x07f70000);
    th_free(t);
}

int main(void) {
    test_fpcr_res0();
    test_svc();
    test_el0_svc_and_eret();
    test_el0_id_register_trap();
    test_el0_wfi_traps();
    test_undef(prog_aes, 1, "aese");
    test_undef(prog_cas, 1, "casal");
    test_undef(prog_ldadd, 1, "ldadd");
    test_hvc_smc_brk();
    test_fp_trap();
    test_wfi_idle_and_irq();
    test_timer();
    test_id_registers();
    return check_report("insn_system");
}
