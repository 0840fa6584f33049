/* Exceptions at the architecture level, below every instruction set: the syndrome vocabulary
 * (ESR_ELx.EC), exception entry into the target EL's execution state, interrupt routing. Front
 * ends (a64/, later a32/), the memory system (mem/) and the engine (exec/) raise exceptions only
 * through here, never through an instruction set's files. */
#ifndef CPU_ARCH_EXCEPTION_H
#define CPU_ARCH_EXCEPTION_H

#include "arm_cpu.h"

/* ELs at which socemu implements AArch32 (bit n = ELn): none yet. What the hardware has is in the
 * CPU model (models/cpu_model.h, MF_AARCH32_EL*); this is what the engine can run, and what
 * ID_AA64PFR0_EL1 tells the guest. */
#define ARCH_AARCH32_ELS 0u

/* Exception classes (ESR_ELx.EC). The AArch32-source classes are what an AArch64 EL sees for an
 * exception taken from AArch32 EL0/EL1 (the compat syndromes). */
enum {
    EC_UNKNOWN = 0x00,
    EC_WFX = 0x01,
    EC_CP15_MCR = 0x03,
    EC_CP15_MCRR = 0x04,
    EC_CP14_MCR = 0x05,
    EC_FP_ACCESS = 0x07,
    EC_ILLEGAL_STATE = 0x0e,
    EC_SVC32 = 0x11,
    EC_HVC32 = 0x12,
    EC_SMC32 = 0x13,
    EC_SVC64 = 0x15,
    EC_HVC64 = 0x16,
    EC_SMC64 = 0x17,
    EC_SYSREG = 0x18,
    EC_IABT_LOWER = 0x20,
    EC_IABT_SAME = 0x21,
    EC_PC_ALIGN = 0x22,
    EC_DABT_LOWER = 0x24,
    EC_DABT_SAME = 0x25,
    EC_SP_ALIGN = 0x26,
    EC_SERROR = 0x2f,
    EC_BKPT32 = 0x38,
    EC_BRK64 = 0x3c
};
/* Exception types: the vector offset within a vector table group (0x80 apart in AArch64). */
enum { EXC_SYNC = 0, EXC_IRQ = 1, EXC_FIQ = 2, EXC_SERROR = 3 };

/* What happened, independent of the instruction set that caused it and of the target's state:
 * arch_take_exception turns it into an ESR (AArch64 target, with the compat class when the source
 * is AArch32) or, later, into an AArch32 vector, DFSR/IFSR and DFAR/IFAR. */
enum arch_exc_kind {
    AX_UNDEF,         /* UNDEFINED instruction: EC 0x00 */
    AX_ILLEGAL_STATE, /* PSTATE.IL was set: EC 0x0e */
    AX_IABT,          /* instruction abort: syndrome = FSC; far = faulting VA */
    AX_DABT,          /* data abort: syndrome = ISS (WnR, FSC, ISV fields); far = faulting VA */
    AX_PC_ALIGN,      /* misaligned PC: far = the PC */
    AX_SP_ALIGN,      /* misaligned SP */
    AX_KIND_COUNT
};

static inline uint32_t esr_value(uint32_t ec, uint32_t iss) {
    return (ec << 26) | (1u << 25) | (iss & 0x1ffffff);
}
/* Where a synchronous exception from the current EL goes (EL0 -> EL1, or EL2 with HCR.TGE). */
unsigned arch_sync_target_el(const arm_cpu *c);
/* Whether exceptions taken to EL el enter AArch32. Always false until the engine implements
 * AArch32 ELs (see ARCH_AARCH32_ELS in arch/exception.c); then SCR_EL3.RW / HCR_EL2.RW decide. */
bool arch_el_is_aarch32(const arm_cpu *c, unsigned el);

/* A synchronous exception of `kind` to the usual target EL (arch_sync_target_el). */
void arch_take_exception(arm_cpu *c, enum arch_exc_kind kind, uint32_t syndrome, bool set_far,
                         uint64_t far, uint64_t preferred_return);
/* The general entry: an exception of type EXC_* with a complete AArch64 ESR (ignored for IRQ and
 * FIQ) to target_el, in whichever state target_el uses. */
void arch_enter(arm_cpu *c, unsigned target_el, unsigned type, uint32_t esr, bool set_far,
                uint64_t far, uint64_t preferred_return);
/* The AArch32 target path (modes, banked LR/SPSR, VBAR/high vectors, DFSR/IFSR): not yet
 * modelled. Logs one line naming the exception and stops the core (EXIT_STOP) instead of
 * inventing a behaviour; returns false. */
bool arch_enter_aarch32(arm_cpu *c, unsigned target_el, unsigned type, uint32_t esr);
/* Takes a deliverable interrupt (SError, FIQ, IRQ) if any; true if one was taken. */
bool arch_take_pending_interrupt(arm_cpu *c);

#endif
