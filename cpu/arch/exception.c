/* Exception entry at the architecture level: the target EL and its execution state, the syndrome
 * (with the AArch32-source classes for a compat EL0), vector offsets; interrupt routing and
 * masking. AArch64 targets are modelled; the AArch32 target path is a logged stop until the
 * engine runs AArch32 ELs. */
#include "arch/exception.h"

unsigned arch_sync_target_el(const arm_cpu *c) {
    if (c->el == 0) return (c->hcr_el2 & (1ull << 27)) ? 2 : 1; /* HCR_EL2.TGE */
    return c->el;
}

bool arch_el_is_aarch32(const arm_cpu *c, unsigned el) {
    if (!(ARCH_AARCH32_ELS & (1u << el)) || el == 0 || el == 3) return false;
    bool scr_rw = c->scr_el3 & (1u << 10);
    if (el == 2) return !scr_rw;
    bool el2_enabled = c->scr_el3 & 1; /* non-secure: EL2 sits between EL1 and EL3 */
    return !scr_rw || (el2_enabled && !(c->hcr_el2 & (1ull << 31)));
}

static uint32_t current_spsr(const arm_cpu *c) {
    return c->nzcv | c->daif | ((uint32_t)c->pstate_ss << 21) | ((uint32_t)c->pstate_il << 20) |
           (c->el << 2) | c->spsel;
}

bool arch_enter_aarch32(arm_cpu *c, unsigned target, unsigned type, uint32_t esr) {
    static const char *const kind[] = {"sync", "irq", "fiq", "serror"};
    cpu_log(c, TRACE_UNIMP,
            "exception %s EL%u->EL%u needs an AArch32 target (esr 0x%08x): not implemented, core "
            "stopped",
            kind[type & 3], c->el, target, esr);
    c->halted = HALT_OFF;
    c->exit_request |= EXIT_STOP;
    return false;
}

void arch_enter(arm_cpu *c, unsigned target, unsigned type, uint32_t esr, bool set_far,
                uint64_t far, uint64_t preferred_return) {
    if (unlikely(arch_el_is_aarch32(c, target))) {
        arch_enter_aarch32(c, target, type, esr);
        return;
    }
    uint64_t offset;
    if (target == c->el)
        offset = c->spsel ? 0x200 : 0x000;
    else /* from a lower EL: its execution state picks the AArch64 or the AArch32 group */
        offset = xs_isa(c->xstate) == ISA_A64 ? 0x400 : 0x600;
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
    c->xstate = xs_make(target, ISA_A64, 0);
    c->pc = (c->vbar[target] & ~(uint64_t)0x7ff) + offset + 0x80 * type;
}

void arch_take_exception(arm_cpu *c, enum arch_exc_kind kind, uint32_t syndrome, bool set_far,
                         uint64_t far, uint64_t preferred_return) {
    unsigned target = arch_sync_target_el(c);
    bool same = target == c->el;
    uint32_t ec;
    switch (kind) {
    case AX_ILLEGAL_STATE: ec = EC_ILLEGAL_STATE; break;
    case AX_IABT: ec = same ? EC_IABT_SAME : EC_IABT_LOWER; break;
    case AX_DABT: ec = same ? EC_DABT_SAME : EC_DABT_LOWER; break;
    case AX_PC_ALIGN: ec = EC_PC_ALIGN; break;
    case AX_SP_ALIGN: ec = EC_SP_ALIGN; break;
    case AX_UNDEF:
    default: ec = EC_UNKNOWN; break;
    }
    arch_enter(c, target, EXC_SYNC, esr_value(ec, syndrome), set_far, far, preferred_return);
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

bool arch_take_pending_interrupt(arm_cpu *c) {
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
        arch_enter(c, target, type, esr, false, 0, c->pc);
        return true;
    }
    return false;
}
