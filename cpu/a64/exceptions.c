/* Exception entry and return in AArch64, interrupt routing and masking, the FP access trap. */
#include "a64/a64.h"

unsigned a64_sync_target_el(const arm_cpu *c) {
    if (c->el == 0) return (c->hcr_el2 & (1ull << 27)) ? 2 : 1; /* HCR_EL2.TGE */
    return c->el;
}

static uint32_t current_spsr(const arm_cpu *c) {
    return c->nzcv | c->daif | ((uint32_t)c->pstate_ss << 21) | ((uint32_t)c->pstate_il << 20) |
           (c->el << 2) | c->spsel;
}

void a64_take_exception(arm_cpu *c, unsigned target, unsigned type, uint32_t esr, bool set_far,
                        uint64_t far, uint64_t preferred_return) {
    uint64_t offset;
    if (target == c->el)
        offset = c->spsel ? 0x200 : 0x000;
    else
        offset = 0x400; /* lower EL using AArch64 (0x600 once AArch32 EL0/EL1 exists) */
    c->spsr[target] = current_spsr(c);
    c->elr[target] = preferred_return;
    if (type == EXC_SYNC || type == EXC_SERROR) c->esr[target] = esr;
    if (set_far) c->far[target] = far;
    if (cpu_tracing(c, TRACE_INT)) {
        static const char *const kind[] = {"sync", "irq", "fiq", "serror"};
        uint32_t shown_esr = type == EXC_SYNC || type == EXC_SERROR ? esr : 0; /* IRQ/FIQ: none */
        cpu_log(c, TRACE_INT,
                "exception %s EL%u->EL%u ec=0x%02x esr=0x%08x far=0x%016llx elr=0x%016llx",
                kind[type & 3], c->el, target, shown_esr >> 26, shown_esr, (unsigned long long)far,
                (unsigned long long)preferred_return);
    }
    c->daif = DAIF_D | DAIF_A | DAIF_I | DAIF_F;
    c->pstate_ss = false;
    c->pstate_il = false;
    cpu_set_pstate_el(c, target, 1);
    c->pc = (c->vbar[target] & ~(uint64_t)0x7ff) + offset + 0x80 * type;
}

int a64_raise_to(arm_cpu *c, const a64_op *op, unsigned el, uint32_t ec, uint32_t iss) {
    a64_take_exception(c, el, EXC_SYNC, esr_value(ec, iss), false, 0, op_pc(c, op));
    return A64_EXIT_FAULT;
}

int a64_raise(arm_cpu *c, const a64_op *op, uint32_t ec, uint32_t iss) {
    return a64_raise_to(c, op, a64_sync_target_el(c), ec, iss);
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

/* Interrupt routing: SCR_EL3 bit, HCR_EL2 bit, PSTATE.DAIF bit per interrupt type. */
static unsigned route(const arm_cpu *c, unsigned type) {
    static const uint64_t scr_bit[4] = {0, 1u << 1, 1u << 2, 1u << 3};
    static const uint64_t hcr_bit[4] = {0, 1u << 4, 1u << 3, 1u << 5};
    if (c->scr_el3 & scr_bit[type]) return 3;
    bool secure = !(c->scr_el3 & 1);
    if (!secure && c->el <= 2 && (c->hcr_el2 & (hcr_bit[type] | (1ull << 27)))) return 2;
    return 1;
}

bool a64_take_pending_interrupt(arm_cpu *c) {
    static const uint32_t mask_bit[4] = {0, DAIF_I, DAIF_F, DAIF_A};
    /* Priority: SError, FIQ, IRQ (an implementation choice; the architecture leaves it open). */
    static const unsigned order[3] = {EXC_SERROR, EXC_FIQ, EXC_IRQ};
    for (unsigned i = 0; i < 3; i++) {
        unsigned type = order[i];
        bool line = type == EXC_IRQ ? c->irq_line : type == EXC_FIQ ? c->fiq_line : c->serror_line;
        if (!line) continue;
        unsigned target = route(c, type);
        if (target < c->el) continue;
        bool maskable = target == c->el || (target == 1 && c->el == 0);
        if (maskable && (c->daif & mask_bit[type])) continue;
        uint32_t esr = type == EXC_SERROR ? esr_value(EC_SERROR, 0) : 0;
        a64_take_exception(c, target, type, esr, false, 0, c->pc);
        return true;
    }
    return false;
}
