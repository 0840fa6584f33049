/* Synchronous exceptions of one instruction each, at EL1 and EL0: what is UNDEFINED on a
   Cortex-A53 without crypto and LSE, system-register traps (EC 0x18 with its ISS), WFI/WFE traps,
   FP/SIMD access traps at three levels, BRK, PC and SP alignment faults, and the ELR/FAR values. */
#include "systest.h"

#define EC_UNKNOWN  0x00
#define EC_WFX      0x01
#define EC_FP       0x07
#define EC_SYSREG   0x18
#define EC_PC_ALIGN 0x22
#define EC_SP_ALIGN 0x26
#define EC_BRK      0x3c
#define IL          (1u << 25)

static struct exc_rec *last(void) {
    return &exc_last[0];
} /* core 0 only */

#define TRAP_AT(insn, before) __asm__ volatile("adr %0, 1f\n1: " insn "\n" : "=r"(before)::"memory")

/* ISS of a trapped MRS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1],
   direction 1 = read. */
static uint64_t mrs_iss(int op0, int op1, int crn, int crm, int op2, int rt) {
    return ((uint64_t)op0 << 20) | ((uint64_t)op2 << 17) | ((uint64_t)op1 << 14) |
           ((uint64_t)crn << 10) | ((uint64_t)rt << 5) | ((uint64_t)crm << 1) | 1;
}

/* ---- EL0 programs: each runs one trapping instruction; EL1 checks the record ---- */
static uint64_t el0_at;
static uint64_t el0_mrs_midr(uint64_t a) {
    TRAP_AT("mrs x5, midr_el1", el0_at);
    return 0;
}
static uint64_t el0_mrs_isar0(uint64_t a) {
    TRAP_AT("mrs x7, id_aa64isar0_el1", el0_at);
    return 0;
}
static uint64_t el0_mrs_ctr(uint64_t a) {
    uint64_t v;
    __asm__ volatile("adr %1, 1f\n1: mrs x0, ctr_el0\n mov %0, x0"
                     : "=r"(v), "=r"(el0_at)::"x0", "memory");
    return v;
}
static uint64_t el0_mrs_sctlr(uint64_t a) {
    TRAP_AT("mrs x3, sctlr_el1", el0_at);
    return 0;
}
static uint64_t el0_wfi(uint64_t a) {
    TRAP_AT("wfi", el0_at);
    return 0;
}
static uint64_t el0_wfe(uint64_t a) {
    TRAP_AT("wfe", el0_at);
    return 0;
}
static uint64_t el0_brk(uint64_t a) {
    TRAP_AT("brk #0x99", el0_at);
    return 0;
}
static uint64_t el0_fp(uint64_t a) {
    TRAP_AT("fmov d1, xzr", el0_at);
    return 0;
}
static uint64_t el0_cntvct(uint64_t a) {
    uint64_t v;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}
/* SP alignment check at EL0 (SCTLR_EL1.SA0): a load through a misaligned SP faults (EC 0x26);
   the handler skips the load and the next instruction restores SP. */
static uint64_t el0_sp_misaligned(uint64_t a) {
    __asm__ volatile("add sp, sp, #4\n adr %0, 1f\n1: ldr x9, [sp]\n sub sp, sp, #4"
                     : "=r"(el0_at)::"x9", "memory");
    return 0;
}

/* Runs an EL0 program expecting one exception at EL1; checks EC, ISS and ELR = the instruction. */
static void el0_expect(const char *name, uint64_t (*fn)(uint64_t), uint64_t ec, uint64_t iss) {
    exc_expect();
    uint64_t n = last()->count;
    run_lower(0, fn, 0, 0);
    int ok = last()->count == n + 1 && last()->el == 1 && last()->vec == 8 &&
             last()->esr == ((ec << 26) | IL | iss) && last()->elr == el0_at;
    if (!ok)
        printf_("  %s: count +%u el %u vec %u esr %x elr %x (insn at %x), want esr %x\n", name,
                last()->count - n, last()->el, last()->vec, last()->esr, last()->elr, el0_at,
                (ec << 26) | IL | iss);
    check(name, ok);
}

static int el1_record(uint64_t ec, uint64_t iss_mask, uint64_t iss, uint64_t at) {
    return last()->el == 1 && last()->vec == 4 && esr_ec(last()->esr) == ec && (last()->esr & IL) &&
           (last()->esr & iss_mask) == iss && last()->elr == at;
}

static uint64_t el1_main(uint64_t arg) {
    uint64_t at;
    volatile uint32_t word = 5;

    exc_expect();
    TRAP_AT("udf #0x1234", at);
    check("udf_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));

    /* AESE v0.16b, v1.16b: BCM2837 has no crypto extension. */
    exc_expect();
    TRAP_AT(".inst 0x4e284820", at);
    check("aese_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));
    /* SHA256H q0, q1, v2.4s */
    exc_expect();
    TRAP_AT(".inst 0x5e024020", at);
    check("sha256h_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));

    /* LSE (ARMv8.1) is absent: CAS w0, w1, [x2] and LDADD w0, w1, [x2] are UNDEFINED and must
       not touch memory. */
    exc_expect();
    __asm__ volatile("mov x2, %1\n mov w0, #5\n mov w1, #9\n adr %0, 1f\n1: .inst 0x88a07c41"
                     : "=&r"(at)
                     : "r"(&word)
                     : "x0", "x1", "x2", "memory");
    check("cas_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));
    exc_expect();
    __asm__ volatile("mov x2, %1\n mov w0, #1\n adr %0, 1f\n1: .inst 0xb8200041"
                     : "=&r"(at)
                     : "r"(&word)
                     : "x0", "x1", "x2", "memory");
    check("ldadd_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));
    check_eq("lse_no_memory_effect", word, 5);

    /* CRC32 is present (ID_AA64ISAR0.CRC32 = 1): crc32b of "a" = zlib crc32 0xe8b7be43. */
    uint32_t crc;
    __asm__ volatile("crc32b %w0, %w1, %w2" : "=r"(crc) : "r"(0xffffffffu), "r"((uint32_t)'a'));
    check_eq("crc32b_works", crc ^ 0xffffffffu, 0xe8b7be43);

    /* An EL2 register from EL1 is UNDEFINED. */
    exc_expect();
    TRAP_AT("mrs x0, hcr_el2", at);
    check("el1_mrs_hcr_el2_undef", el1_record(EC_UNKNOWN, 0x1ffffff, 0, at));

    exc_expect();
    TRAP_AT("brk #0x77", at);
    check("el1_brk", el1_record(EC_BRK, 0xffff, 0x77, at));

    /* FP: CPACR_EL1.FPEN = 0 traps EL1 and EL0 (EC 0x07); FPEN = 1 traps only EL0. */
    SYS_WRITE(cpacr_el1, 0);
    ISB();
    exc_expect();
    TRAP_AT("fmov d0, xzr", at);
    check("fpen0_el1_fp_trap", el1_record(EC_FP, 0, 0, at));
    el0_expect("fpen0_el0_fp_trap", el0_fp, EC_FP, 0x1e00000);
    SYS_WRITE(cpacr_el1, 1u << 20);
    ISB();
    uint64_t n = last()->count;
    __asm__ volatile("fmov d0, xzr" ::: "memory");
    check_eq("fpen1_el1_fp_ok", last()->count, n);
    el0_expect("fpen1_el0_fp_trap", el0_fp, EC_FP, 0x1e00000);
    SYS_WRITE(cpacr_el1, 3u << 20);
    ISB();
    n = last()->count;
    run_lower(0, el0_fp, 0, 0);
    check_eq("fpen3_el0_fp_ok", last()->count, n);

    /* EL0 system-register accesses. */
    el0_expect("el0_mrs_midr_ec18", el0_mrs_midr, EC_SYSREG, mrs_iss(3, 0, 0, 0, 0, 5));
    el0_expect("el0_mrs_isar0_ec18", el0_mrs_isar0, EC_SYSREG, mrs_iss(3, 0, 0, 6, 0, 7));
    /* CTR_EL0 with SCTLR_EL1.UCT = 0 traps; with UCT = 1 it reads the A53 value. */
    el0_expect("el0_ctr_uct0_ec18", el0_mrs_ctr, EC_SYSREG, mrs_iss(3, 3, 0, 0, 1, 0));
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) | (1u << 15));
    ISB();
    check_eq("el0_ctr_uct1", run_lower(0, el0_mrs_ctr, 0, 0), 0x84448004);
    /* An EL1 register at EL0 is plain UNDEFINED. */
    el0_expect("el0_mrs_sctlr_undef", el0_mrs_sctlr, EC_UNKNOWN, 0);
    /* CNTVCT_EL0 at EL0 needs CNTKCTL_EL1.EL0VCTEN. */
    SYS_WRITE(cntkctl_el1, 2);
    ISB();
    n = last()->count;
    uint64_t t = run_lower(0, el0_cntvct, 0, 0);
    check("el0_cntvct_allowed", last()->count == n && t != 0);

    /* WFI/WFE at EL0 with nTWI = nTWE = 0 trap (EC 0x01, TI = 0 WFI / 1 WFE; CV = 1, COND = 0xE).
     */
    el0_expect("el0_wfi_trap", el0_wfi, EC_WFX, 0x1e00000);
    el0_expect("el0_wfe_trap", el0_wfe, EC_WFX, 0x1e00001);
    el0_expect("el0_brk", el0_brk, EC_BRK, 0x99);

    /* SP alignment (SCTLR_EL1.SA0). */
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) | (1u << 4));
    ISB();
    el0_expect("el0_sp_align_fault", el0_sp_misaligned, EC_SP_ALIGN, 0);
    SYS_WRITE(sctlr_el1, SYS_READ(sctlr_el1) & ~(1u << 4));
    ISB();

    /* PC alignment: BR to a 2-byte-misaligned address faults (EC 0x22) with ELR = FAR = that
       address; resume at a label. */
    uint64_t target, resume;
    exc_expect();
    __asm__ volatile("adr %0, 2f\n adr %1, 3f\n add %0, %0, #2\n"
                     "str %1, [%2]\n"
                     "br %0\n"
                     "2: nop\n nop\n"
                     "3:\n"
                     : "=&r"(target), "=&r"(resume)
                     : "r"(&exc_resume_at[0])
                     : "memory");
    check("pc_align_fault", esr_ec(last()->esr) == EC_PC_ALIGN && last()->el == 1 &&
                                last()->elr == target && last()->far == target);
    return 0;
}

/* FP traps to EL2 (CPTR_EL2.TFP) and EL3 (CPTR_EL3.TFP) from EL1. */
static uint64_t el1_fp_once(uint64_t arg) {
    __asm__ volatile("fmov d2, xzr" ::: "memory");
    return 0;
}

void systest_main(void) {
    setup_lower_els();
    run_lower(1, el1_main, 0, 0);
    check_eq("no_leftover_expectations", exc_pending_expect(), 0);

    SYS_WRITE(cptr_el2, 0x33ff | (1u << 10));
    exc_expect();
    run_lower(1, el1_fp_once, 0, 0);
    check("cptr_el2_tfp_traps_to_el2", last()->el == 2 && esr_ec(last()->esr) == EC_FP);
    SYS_WRITE(cptr_el2, 0x33ff);
    SYS_WRITE(cptr_el3, 1u << 10);
    exc_expect();
    run_lower(1, el1_fp_once, 0, 0);
    check("cptr_el3_tfp_traps_to_el3", last()->el == 3 && esr_ec(last()->esr) == EC_FP);
    SYS_WRITE(cptr_el3, 0);
    systest_finish();
}
