/* The dispatch loop: cpu_run executes pre-decoded blocks until the budget is spent, the core
 * idles (WFI/WFE) or an exit is requested. Interrupts and timers are looked at between blocks
 * only: the per-block cost is one exit word and one counter compare. */
#include "a64/a64.h"
#include "exec/block_cache.h"
#include "exec/trace.h"
#include "timer/generic_timer.h"

/* Wake conditions of an idle core. WFI wakes on any pending interrupt, masked or not; WFE also on
 * the event register (SEV, monitor loss, event stream). */
static bool idle_wakes(arm_cpu *c) {
    if (c->halted == HALT_OFF) return false;
    if (c->irq_line || c->fiq_line || c->serror_line) {
        c->halted = HALT_NONE;
        return true;
    }
    if (c->halted == HALT_WFE && c->event_register) {
        c->event_register = false;
        c->halted = HALT_NONE;
        return true;
    }
    return c->halted == HALT_NONE;
}

/* Between blocks: returns false when cpu_run must return. */
static bool handle_exit_request(arm_cpu *c) {
    uint32_t req = c->exit_request;
    c->exit_request = 0;
    if (c->halted) return false;
    if (req & EXIT_STOP) return false;
    if (c->pstate_il) {
        c->pstate_il = false;
        a64_take_exception(c, a64_sync_target_el(c), EXC_SYNC, esr_value(EC_ILLEGAL_STATE, 0),
                           false, 0, c->pc);
    }
    a64_take_pending_interrupt(c);
    return true;
}

static void run_block_traced(arm_cpu *c, const code_block *b) {
    const a64_op *op = b->ops;
    c->pc = b->pc;
    for (;; op++) {
        if (op->index < b->n_insns) trace_exec(c, op);
        int r = op->fn(c, op);
        if (r) {
            c->insns_slice += op->index + (r == A64_EXIT_RETIRED);
            return;
        }
    }
}

uint64_t cpu_run(arm_cpu *c, uint64_t budget) {
    const cpu_ports *p = &c->cluster->ports;
    c->total_insns += c->insns_slice;
    c->insns_slice = 0;
    c->slice_start_ns = p->now_ns ? p->now_ns(p->opaque) : 0;
    c->exit_request &= ~(uint32_t)EXIT_STOP;
    timer_update(c);
    if (c->halted && !idle_wakes(c)) return 0;
    c->exit_request |= EXIT_CHECK;
    bool tracing = cpu_tracing(c, TRACE_EXEC);
    while (c->insns_slice < budget) {
        if (unlikely(c->exit_request) && !handle_exit_request(c)) break;
        if (unlikely(c->insns_slice >= c->timer_check_at)) {
            timer_update(c);
            continue;
        }
        code_block *b = block_lookup(c);
        if (unlikely(!b)) continue; /* the fetch faulted: the handler's vector is the new PC */
        if (unlikely(tracing)) {
            run_block_traced(c, b);
            continue;
        }
        const a64_op *op = b->ops;
        int r;
        while (!(r = op->fn(c, op)))
            op++;
        c->insns_slice += op->index + (r == A64_EXIT_RETIRED);
    }
    return c->insns_slice;
}

void cpu_request_exit(arm_cpu *c) {
    c->exit_request |= EXIT_STOP;
}

bool cpu_is_idle(const arm_cpu *c) {
    return c->halted != HALT_NONE;
}

uint64_t cpu_next_timer_deadline(const arm_cpu *c) {
    return timer_next_deadline(c);
}

void cpu_timer_update(arm_cpu *c, uint64_t now_ns) {
    c->total_insns += c->insns_slice;
    c->insns_slice = 0;
    c->slice_start_ns = now_ns;
    timer_update(c);
    if (c->halted) idle_wakes(c);
}
