/* A64 exception generation (UNDEF, traps raised by handlers, the FP access trap) and exception
 * return. Entry itself is architecture-level: arch/exception.c. */
#include "a64/a64.h"

int a64_raise_to(arm_cpu *c, const a64_op *op, unsigned el, uint32_t ec, uint32_t iss) {
    arch_enter(c, el, EXC_SYNC, esr_value(ec, iss), false, 0, op_pc(c, op));
    return A64_EXIT_FAULT;
}

int a64_raise(arm_cpu *c, const a64_op *op, uint32_t ec, uint32_t iss) {
    return a64_raise_to(c, op, arch_sync_target_el(c), ec, iss);
}

int a64_undef(arm_cpu *c, const a64_op *op) {
    return a64_raise(c, op, EC_UNKNOWN, 0);
}

int a64_undef_todo(arm_cpu *c, const a64_op *op) {
    if (cpu_tracing(c, TRACE_UNIMP))
        cpu_log(c, TRACE_UNIMP, "unimplemented %s 0x%08x at 0x%016llx", a64_enc_names[op->enc],
                op->insn, (unsigned long long)op_pc(c, op));
    return a64_raise(c, op, EC_UNKNOWN, 0);
}

/* ISS of an FP access trap from AArch64: CV = 1, COND = 0xE. */
int a64_fp_trap(arm_cpu *c, const a64_op *op) {
    return a64_raise_to(c, op, c->fp_trap_el, EC_FP_ACCESS, (1u << 24) | (0xeu << 20));
}

void a64_exception_return(arm_cpu *c) {
    uint64_t spsr = c->spsr[c->el], elr = c->elr[c->el];
    unsigned m = spsr & 0x1f, target = (m >> 2) & 3;
    bool illegal = (m & 0x10) /* AArch32: not yet */ || (m & 2) || target > c->el ||
                   (target == 2 && !(c->scr_el3 & 1) && c->el == 3 && false);
    c->excl.valid = false;
    if (illegal) {
        /* Illegal exception return: PSTATE.IL set, EL unchanged; the next instruction takes an
         * Illegal Execution State exception. */
        c->nzcv = spsr & 0xf0000000u;
        c->daif = spsr & 0x3c0;
        c->pstate_il = true;
        c->pc = elr;
    } else {
        c->nzcv = spsr & 0xf0000000u;
        c->daif = spsr & 0x3c0;
        c->pstate_ss = (spsr >> 21) & 1;
        c->pstate_il = (spsr >> 20) & 1;
        cpu_set_pstate_el(c, target, target ? (m & 1) : 0);
        c->pc = elr;
    }
    if (cpu_tracing(c, TRACE_INT))
        cpu_log(c, TRACE_INT, "eret to EL%u pc=0x%016llx spsr=0x%08llx%s", c->el,
                (unsigned long long)c->pc, (unsigned long long)spsr, illegal ? " (illegal)" : "");
    c->exit_request |= EXIT_CHECK; /* masks may have changed; keep pending stop requests */
}
