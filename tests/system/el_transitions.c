/* Exception levels: EL3 -> EL2 -> EL1 -> EL0 by ERET, SVC/HVC/SMC targets and syndromes, which
   vector entry runs (current EL SP0 / SPx, lower EL AArch64), the return paths, and the
   SCR_EL3.HCE / SMD UNDEF rules. */
#include "systest.h"

#define EC_UNKNOWN  0x00
#define EC_SVC      0x15
#define EC_HVC      0x16
#define EC_SMC      0x17
#define EC_BRK      0x3c
#define VEC_CUR_SP0 0
#define VEC_CUR_SPX 4
#define VEC_LOWER64 8

static struct exc_rec *last(void) {
    return &exc_last[core_id()];
}

/* Instruction + label after it, so ELR can be compared with the exact return address. */
#define TRAP_AT(insn, before, after)                                                               \
    __asm__ volatile("adr %0, 1f\n1: " insn "\n2: adr %1, 2b"                                      \
                     : "=r"(before), "=r"(after)                                                   \
                     :                                                                             \
                     : "memory")

/* ---------------- EL0 ---------------- */
static volatile uint64_t el0_svc_after, el0_hvc_at;

static uint64_t el0_part(uint64_t arg) {
    uint64_t b, a;
    TRAP_AT("svc #0x1234", b, a); /* to EL1, lower-EL vector, ELR = next instruction */
    el0_svc_after = a;
    TRAP_AT("hvc #0x1", b, a); /* HVC at EL0 is UNDEFINED: EC 0 at EL1, ELR = the HVC */
    el0_hvc_at = b;
    TRAP_AT("smc #0x1", b, a); /* SMC at EL0 too */
    return arg * 2;
}

/* ---------------- EL1 ---------------- */
static uint64_t el1_part(uint64_t arg) {
    uint64_t b, a;
    check_eq("el1_currentel", current_el(), 1);
    check_eq("el1_spsel_is_1", SYS_READ(SPSel), 1);

    exc_expect();
    TRAP_AT("svc #0x11", b, a);
    check("el1_svc_spx_vector", last()->el == 1 && last()->vec == VEC_CUR_SPX);
    check_eq("el1_svc_esr", last()->esr, (EC_SVC << 26) | (1u << 25) | 0x11);
    check_eq("el1_svc_elr", last()->elr, a);
    check_eq("el1_svc_spsr_el1h", last()->spsr & 0xf, 5);

    /* With SPSel = 0 the same exception uses the "current EL with SP0" entry. */
    exc_expect();
    __asm__ volatile("msr spsel, #0\n svc #0x12\n msr spsel, #1" ::: "memory");
    check("el1_svc_sp0_vector", last()->el == 1 && last()->vec == VEC_CUR_SP0);
    check_eq("el1_svc_sp0_spsr_el1t", last()->spsr & 0xf, 4);

    exc_expect();
    TRAP_AT("hvc #0x21", b, a);
    check("el1_hvc_to_el2_lower_vector", last()->el == 2 && last()->vec == VEC_LOWER64);
    check_eq("el1_hvc_esr", last()->esr, (EC_HVC << 26) | (1u << 25) | 0x21);
    check_eq("el1_hvc_elr", last()->elr, a);

    exc_expect();
    TRAP_AT("smc #0x31", b, a);
    check("el1_smc_to_el3_lower_vector", last()->el == 3 && last()->vec == VEC_LOWER64);
    check_eq("el1_smc_esr", last()->esr, (EC_SMC << 26) | (1u << 25) | 0x31);
    check_eq("el1_smc_elr", last()->elr, a);
    check_eq("el1_smc_spsr_el1h", last()->spsr & 0xf, 5);

    /* Down to EL0 and back (the gate is SVC #0xfff). */
    exc_expect(); /* svc */
    exc_expect(); /* hvc undef */
    exc_expect(); /* smc undef */
    uint64_t before = last()->count;
    uint64_t r = run_lower(0, el0_part, 21, 0);
    check_eq("el0_return_value", r, 42);
    check_eq("el0_three_exceptions", last()->count - before, 3);
    /* The last one recorded is the SMC UNDEF; the SVC's return address was saved by EL0. */
    check("el0_smc_undef", last()->el == 1 && last()->vec == VEC_LOWER64 &&
                               esr_ec(last()->esr) == EC_UNKNOWN && (last()->esr >> 25 & 1));
    check_eq("el0_spsr_el0t", last()->spsr & 0xf, 0);
    check("el0_svc_elr_seen", el0_svc_after != 0);
    check_eq("el0_pending_exceptions", exc_pending_expect(), 0);
    return arg + 1;
}

/* EL1 under SCR_EL3.HCE = 0: HVC is UNDEFINED at EL1 (taken to EL1, ELR = the HVC). */
static uint64_t el1_hvc_disabled(uint64_t arg) {
    uint64_t b, a;
    exc_expect();
    TRAP_AT("hvc #0x5", b, a);
    check("hcd_el1_hvc_undef",
          last()->el == 1 && last()->vec == VEC_CUR_SPX && esr_ec(last()->esr) == EC_UNKNOWN);
    check_eq("hcd_el1_hvc_elr", last()->elr, b);
    return 0;
}

/* EL1 under SCR_EL3.SMD = 1: SMC is UNDEFINED at EL1. */
static uint64_t el1_smc_disabled(uint64_t arg) {
    uint64_t b, a;
    exc_expect();
    TRAP_AT("smc #0x6", b, a);
    check("smd_el1_smc_undef", last()->el == 1 && esr_ec(last()->esr) == EC_UNKNOWN);
    check_eq("smd_el1_smc_elr", last()->elr, b);
    return 0;
}

/* ---------------- EL2 ---------------- */
static uint64_t el2_part(uint64_t arg) {
    uint64_t b, a;
    check_eq("el2_currentel", current_el(), 2);

    exc_expect();
    TRAP_AT("hvc #0x22", b, a);
    check("el2_hvc_spx_vector", last()->el == 2 && last()->vec == VEC_CUR_SPX);
    check_eq("el2_hvc_esr", last()->esr, (EC_HVC << 26) | (1u << 25) | 0x22);
    check_eq("el2_hvc_elr", last()->elr, a);

    exc_expect();
    TRAP_AT("smc #0x33", b, a);
    check("el2_smc_to_el3", last()->el == 3 && last()->vec == VEC_LOWER64);
    check_eq("el2_smc_esr", last()->esr, (EC_SMC << 26) | (1u << 25) | 0x33);
    check_eq("el2_smc_spsr_el2h", last()->spsr & 0xf, 9);

    /* EL2 -> EL1 and back through HVC #0xfff. */
    check_eq("el2_to_el1_return", run_lower(1, el1_part, 7, 0), 8);
    return arg + 100;
}

static uint64_t el2_hvc_disabled(uint64_t arg) {
    uint64_t b, a;
    exc_expect();
    TRAP_AT("hvc #0x7", b, a);
    check("hcd_el2_hvc_undef", last()->el == 2 && esr_ec(last()->esr) == EC_UNKNOWN);
    return 0;
}

/* Last part (SMC cannot come back to EL3 any more): EL2 with SMD = 1 finishes the run itself. */
static uint64_t el2_smd_final(uint64_t arg) {
    uint64_t b, a;
    run_lower(1, el1_smc_disabled, 0, 0);
    exc_expect();
    TRAP_AT("smc #0x8", b, a);
    check("smd_el2_smc_undef",
          last()->el == 2 && last()->vec == VEC_CUR_SPX && esr_ec(last()->esr) == EC_UNKNOWN);
    check_eq("smd_el2_smc_elr", last()->elr, b);
    systest_finish();
}

/* ---------------- EL3 ---------------- */
void systest_main(void) {
    uint64_t b, a;
    check_eq("el3_currentel", current_el(), 3);

    exc_expect();
    TRAP_AT("brk #0x42", b, a);
    check("el3_brk_spx_vector", last()->el == 3 && last()->vec == VEC_CUR_SPX);
    check_eq("el3_brk_esr", last()->esr, (EC_BRK << 26) | (1u << 25) | 0x42);
    check_eq("el3_brk_elr_is_insn", last()->elr, b);

    exc_expect();
    __asm__ volatile("msr spsel, #0\n brk #0x43\n msr spsel, #1" ::: "memory");
    check("el3_brk_sp0_vector", last()->el == 3 && last()->vec == VEC_CUR_SP0);
    check_eq("el3_brk_sp0_spsr_el3t", last()->spsr & 0xf, 0xc);

    exc_expect();
    TRAP_AT("smc #0x44", b, a);
    check("el3_smc_at_el3", last()->el == 3 && last()->vec == VEC_CUR_SPX &&
                                esr_ec(last()->esr) == EC_SMC && (last()->esr & 0xffff) == 0x44);

    setup_lower_els();
    check_eq("el3_to_el2_return", run_lower(2, el2_part, 1, 0), 101);
    check_eq("el3_to_el1_return", run_lower(1, el1_part, 9, 0), 10);
    check_eq("el3_back_currentel", current_el(), 3);

    /* SCR_EL3.HCE = 0: HVC UNDEFINED at EL1 and EL2. */
    SYS_WRITE(scr_el3, SYS_READ(scr_el3) & ~(1ull << 8));
    ISB();
    run_lower(1, el1_hvc_disabled, 0, 0);
    run_lower(2, el2_hvc_disabled, 0, 0);
    SYS_WRITE(scr_el3, SYS_READ(scr_el3) | (1ull << 8));

    /* SCR_EL3.SMD = 1: SMC UNDEFINED at EL1 and EL2. */
    SYS_WRITE(scr_el3, SYS_READ(scr_el3) | (1ull << 7));
    ISB();
    run_lower(2, el2_smd_final, 0, 0);
}
