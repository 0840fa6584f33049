/* The dispatch loop: cpu_run executes pre-decoded blocks until the budget is spent, the core
 * idles (WFI/WFE) or an exit is requested. Interrupts and timers are looked at between blocks
 * only: the per-block cost is one exit word and one counter compare. */
#include "a64/a64.h"
#include "exec/block_cache.h"
#include "exec/trace.h"
#include "jit/jit.h"
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
    if (c->halted == HALT_POLL && timer_now_ns(c) >= c->poll_wake_ns) {
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
            /* An exception entry costs a step (see cpu_run); a debug stop does not. */
            if (r == A64_EXIT_FAULT && !(c->exit_request & EXIT_STOP)) c->insns_slice++;
            return;
        }
    }
}

/* Links prev's exit to b when both sit on the same virtual and physical page. Sound because prev
 * was entered under the current translation of that page and its exit (a branch or the length
 * cap) cannot change translation: the same PC on the same page reaches the same block. Blocks
 * made dead by SMC are skipped at follow time; a full flush reinitialises every block. */
static bool chain_link(arm_cpu *c, code_block *prev, code_block *b) {
    if (((prev->pc ^ b->pc) & PAGE_MASK) || ((prev->pa ^ b->pa) & PAGE_MASK) ||
        prev->flags != b->flags)
        return false;
    unsigned slot = prev->succ[0] && prev->succ[0]->pc != b->pc ? 1 : 0;
    if (slot && prev->succ[1]) {
        /* Indirect branch with more than two targets: keep the newest two. */
        prev->succ[0] = prev->succ[1];
    }
    prev->succ[slot] = b;
    c->cluster->chain_links++;
    return true;
}

static inline code_block *chain_follow(const arm_cpu *c, const code_block *prev) {
    code_block *b = prev->succ[0];
    if (b && b->pc == c->pc && !b->dead) return b;
    b = prev->succ[1];
    if (b && b->pc == c->pc && !b->dead) return b;
    return NULL;
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
    bool chaining = !(c->cluster->perf_off & PERF_NO_CHAIN);
    cpu_cluster *cl = c->cluster;
    bool jit_on = cl->jit != NULL;
    c->jit_budget = budget;
    /* The block just run, when its exit may be chained to the next one. */
    code_block *prev = NULL;
    uint64_t flush_gen = cl->block_flushes;
    while (c->insns_slice < budget) {
        if (unlikely(c->exit_request)) {
            prev = NULL;
            if (!handle_exit_request(c)) break;
        }
        if (unlikely(c->insns_slice >= c->timer_check_at)) {
            prev = NULL;
            timer_update(c);
            continue;
        }
        code_block *b = NULL;
        if (prev) {
            b = chain_follow(c, prev);
            /* Chained before either was compiled: link the compiled code too. */
            if (b && b->jit_code && prev->jit_code) jit_link(cl, prev, b);
        }
        if (!b) {
            b = block_lookup_cached(c);
            if (!b) {
                b = block_lookup(c);
                if (unlikely(!b)) { /* the fetch faulted: the handler's vector is the new PC */
                    prev = NULL;
                    /* Exception entry costs a step, so a guest caught in an exception loop
                     * still uses up its budget and the scheduler keeps control (timeouts,
                     * signals, other cores). */
                    c->insns_slice++;
                    continue;
                }
            }
            /* A full flush (arena full, IC IALLU) recycled prev's storage. */
            if (prev && flush_gen == cl->block_flushes) {
                if (chain_link(c, prev, b) && b->jit_code && prev->jit_code) jit_link(cl, prev, b);
            }
            flush_gen = cl->block_flushes;
        }
        if (unlikely(tracing)) {
            run_block_traced(c, b);
            prev = NULL;
            continue;
        }
        const a64_op *op;
        int r;
        if (b->jit_code ||
            (jit_on && b->runs++ >= cl->jit_threshold && !b->jit_failed && jit_compile(cl, b))) {
            jit_exit x = ((jit_block_fn)b->jit_code)(c);
            /* Compiled blocks may have jumped on to their successors: b ran last. */
            b = c->jit_block;
            if (unlikely(x.r == JIT_EXIT_REDISPATCH)) { /* b jumped into a dead block */
                prev = chaining && flush_gen == cl->block_flushes ? b : NULL;
                continue;
            }
            op = x.op;
            r = (int)x.r;
        } else {
            op = b->ops;
            while (!(r = op->fn(c, op)))
                op++;
        }
        c->insns_slice += op->index + (r == A64_EXIT_RETIRED);
        /* A synchronous exception entry costs a step too (see the fetch fault above); a debug
         * stop does not. */
        if (unlikely(r == A64_EXIT_FAULT) && !(c->exit_request & EXIT_STOP)) c->insns_slice++;
        /* Chain only exits through the block's final branch or off its end; an exception or a
         * mid-block exit (system op) goes back through the validated lookup. */
        unsigned n = b->n_insns;
        bool clean_exit = op->index == n || (r == A64_EXIT_RETIRED && op->index + 1u == n);
        prev = chaining && b->chainable && clean_exit && flush_gen == cl->block_flushes ? b : NULL;
    }
    return c->insns_slice;
}

void cpu_request_exit(arm_cpu *c) {
    c->exit_request |= EXIT_STOP;
}

bool cpu_is_idle(const arm_cpu *c) {
    return c->halted != HALT_NONE;
}

const char *cpu_state_name(const arm_cpu *c) {
    switch (c->halted) {
    case HALT_WFI: return "wfi";
    case HALT_WFE: return "wfe";
    case HALT_OFF: return "off";
    case HALT_POLL: return "polling";
    default: return "running";
    }
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
