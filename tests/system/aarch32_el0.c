/* The execution states the ID registers advertise are the ones the core runs. ID_AA64PFR0_EL1
   says per EL whether AArch32 is implemented (field 2) or AArch64 only (1); Linux believes it and
   runs 32-bit ARM programs at EL0 when EL0 says 2 (Docker's daemon runs one at start to probe for
   emulators: issue 18, where the core then wedged the kernel). This core has no AArch32, so every
   field must say AArch64 only, and an ERET from EL1 to AArch32 EL0 must be an illegal exception
   return: PSTATE.IL set, EL unchanged, so the next instruction takes an Illegal Execution state
   exception to EL1 itself (current EL with SPx, EC 0x0E, SPSR.IL = 1, SPSR.M = EL1h, ELR = the
   ERET's target). When AArch32 EL0 is implemented, this test becomes: the A32 SVC arrives from
   lower EL AArch32 (vector 0x600, EC 0x11). */
#include "systest.h"

#define EC_ILLEGAL  0x0e
#define VEC_CUR_SPX 4

extern const uint32_t a32_svc[];    /* A32: svc #0x42; b . */
extern const uint32_t smc_gate_0[]; /* A64: mov x0, #0; smc #0xfff (run_lower's gate from EL1) */
__asm__(".text\n.balign 8\n.globl a32_svc\na32_svc:\n.word 0xef000042\n.word 0xeafffffe\n"
        ".globl smc_gate_0\nsmc_gate_0:\nmov x0, #0\nsmc #0xfff\n");

static volatile uint64_t seen_vec, seen_esr, seen_elr, seen_spsr, seen_count;

/* Whatever happens at EL1 after the ERET: record it, then leave through run_lower's gate. */
static int el1_hook(struct frame *f, int el, int vec) {
    if (el != 1 || (vec & 3) != 0) return 0;
    seen_vec = (uint64_t)vec;
    seen_esr = SYS_READ(esr_el1);
    seen_elr = f->elr;
    seen_spsr = f->spsr;
    seen_count++;
    f->elr = (uint64_t)(uintptr_t)smc_gate_0;
    f->spsr = 0x3c5; /* EL1h, DAIF masked, IL clear */
    return 1;
}

static uint64_t el1_eret_to_a32(uint64_t arg) {
    SYS_WRITE(elr_el1, (uint64_t)(uintptr_t)a32_svc);
    SYS_WRITE(spsr_el1, 0x1d0); /* AArch32 User mode, A/I/F masked */
    __asm__ volatile("isb\n eret" ::: "memory");
    return 1; /* not reached */
}

void systest_main(void) {
    setup_lower_els();
    uint64_t pfr0 = SYS_READ(id_aa64pfr0_el1);
    uint64_t el0 = pfr0 & 0xf, el1 = (pfr0 >> 4) & 0xf, el2 = (pfr0 >> 8) & 0xf,
             el3 = (pfr0 >> 12) & 0xf;
    printf_("ID_AA64PFR0_EL1 = %x\n", pfr0);
    check_eq("pfr0_el0_aarch64_only", el0, 1);
    check_eq("pfr0_el1_aarch64_only", el1, 1);
    check_eq("pfr0_el2_aarch64_only", el2, 1);
    check_eq("pfr0_el3_aarch64_only", el3, 1);

    exc_hook[0] = el1_hook;
    uint64_t r = run_lower(1, el1_eret_to_a32, 0, 0);
    exc_hook[0] = 0;
    check_eq("eret_back_through_gate", r, 0);
    check_eq("one_exception_at_el1", seen_count, 1);
    printf_("after ERET to AArch32 EL0: vec=%u esr=%x elr=%x spsr=%x\n", seen_vec, seen_esr,
            seen_elr, seen_spsr);
    check("illegal_return_vector_cur_spx", seen_vec == VEC_CUR_SPX);
    check_eq("illegal_return_ec", esr_ec(seen_esr), EC_ILLEGAL);
    check_eq("illegal_return_elr", seen_elr, (uint64_t)(uintptr_t)a32_svc);
    check_eq("illegal_return_spsr_il", (seen_spsr >> 20) & 1, 1);
    check_eq("illegal_return_el_unchanged", seen_spsr & 0x1f, 5);
    systest_finish();
}
