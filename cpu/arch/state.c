/* PSTATE bookkeeping shared by every instruction set and the engine: EL changes (selected SP,
 * execution-state key, MMU index, FP trap target), the interrupt re-check request, the log sink. */
#include <stdarg.h>
#include <stdio.h>

#include "arm_cpu.h"

void cpu_log(arm_cpu *c, unsigned trace_bit, const char *fmt, ...) {
    const cpu_ports *p = &c->cluster->ports;
    if (!p->log) return;
    /* "cpu0: int: ...": the category makes one log of several traces greppable. */
    static const char *const category[] = {"insn", "exec", "int", "mmu", "unimp"};
    unsigned bit = 0;
    while (bit < 4 && !(trace_bit & (1u << bit)))
        bit++;
    char line[512];
    int n = snprintf(line, sizeof line, "cpu%u: %s: ", c->index, category[bit]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    p->log(p->opaque, line);
}

void cpu_set_pstate_el(arm_cpu *c, unsigned el, unsigned spsel) {
    c->sp_el[c->spsel ? c->el : 0] = c->sp;
    c->el = el;
    c->xstate = (c->xstate & ~XS_EL_MASK) | el;
    c->spsel = spsel;
    c->sp = c->sp_el[spsel ? el : 0];
    cpu_update_mmu_idx(c);
}

/* Derived state: MMU index and the FP trap target for the current EL. */
void cpu_update_mmu_idx(arm_cpu *c) {
    c->mmu_idx = c->el;
    unsigned trap = 0, fpen = (c->cpacr_el1 >> 20) & 3;
    bool tge = c->hcr_el2 & (1ull << 27);
    if (c->el <= 1 && !tge && (fpen == 0 || fpen == 2 || (fpen == 1 && c->el == 0)))
        trap = 1;
    else if (c->el <= 2 && (c->cptr_el2 & (1u << 10)))
        trap = 2;
    else if (c->cptr_el3 & (1u << 10))
        trap = 3;
    c->fp_trap_el = trap;
}

void cpu_check_interrupts(arm_cpu *c) {
    c->exit_request |= EXIT_CHECK;
}
