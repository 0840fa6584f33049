/* Generic timer: CNTPCT = virtual ns * 19.2 MHz; compare logic per timer; the event stream. */
#include "timer/generic_timer.h"

uint64_t timer_now_ns(const arm_cpu *c) {
    return c->slice_start_ns + c->insns_slice * c->cluster->cfg.ns_per_insn;
}

/* 19.2 MHz = 12/625 ticks per ns. */
static uint64_t ns_to_count(uint64_t ns) {
    return (ns / 625) * 12 + (ns % 625) * 12 / 625;
}
static uint64_t count_to_ns_ceil(uint64_t count) {
    if (count >= UINT64_MAX / 625) return UINT64_MAX;
    return (count / 12) * 625 + ((count % 12) * 625 + 11) / 12;
}

/* The count the timers compare with: never behind what CNTPCT/CNTVCT reads have returned
   (reads advance counter_last past the time-derived count in tight polling loops), so ISTATUS,
   TVAL and the interrupt agree with the counter the guest sees. */
static uint64_t raw_count(const arm_cpu *c) {
    uint64_t v = ns_to_count(timer_now_ns(c)), last = c->cluster->counter_last;
    return v > last ? v : last;
}

uint64_t timer_read_cntpct(arm_cpu *c) {
    uint64_t v = raw_count(c);
    cpu_cluster *cl = c->cluster;
    if (v <= cl->counter_last) v = cl->counter_last + 1;
    cl->counter_last = v;
    return v;
}

static uint64_t timer_offset(const arm_cpu *c, unsigned t) {
    return t == CPU_TIMER_VIRT ? c->cntvoff_el2 : 0;
}

static bool timer_condition(const arm_cpu *c, unsigned t, uint64_t count) {
    const arm_timer *tm = &c->timers[t];
    return (tm->ctl & 1) && count - timer_offset(c, t) >= tm->cval;
}

static void recompute_check_point(arm_cpu *c) {
    uint64_t deadline = timer_next_deadline(c), now = timer_now_ns(c);
    uint32_t npi = c->cluster->cfg.ns_per_insn ? c->cluster->cfg.ns_per_insn : 1;
    if (deadline == UINT64_MAX)
        c->timer_check_at = UINT64_MAX;
    else if (deadline <= now)
        c->timer_check_at = c->insns_slice;
    else
        c->timer_check_at = c->insns_slice + (deadline - now + npi - 1) / npi;
}

void timer_update(arm_cpu *c) {
    uint64_t count = raw_count(c);
    const cpu_ports *p = &c->cluster->ports;
    for (unsigned t = 0; t < CPU_TIMER_COUNT; t++) {
        arm_timer *tm = &c->timers[t];
        bool level = timer_condition(c, t, count) && !(tm->ctl & 2);
        if (level != tm->output) {
            tm->output = level;
            if (cpu_tracing(c, TRACE_INT))
                cpu_log(c, TRACE_INT, "timer %u output %d at count %llu", t, level,
                        (unsigned long long)count);
            if (p->timer_irq) p->timer_irq(p->opaque, c->index, t, level);
        }
    }
    /* Event stream: an event each time the selected counter bit makes the chosen transition. */
    if (c->cntkctl_el1 & 4) {
        unsigned bit = (c->cntkctl_el1 >> 4) & 15;
        uint64_t vcount = count - c->cntvoff_el2, period = 2ull << bit;
        if (vcount / period != c->evstream_last / period) {
            c->event_register = true;
            if (c->halted == HALT_WFE) c->halted = HALT_NONE;
        }
        c->evstream_last = vcount;
    }
    recompute_check_point(c);
}

uint64_t timer_next_deadline(const arm_cpu *c) {
    uint64_t best = UINT64_MAX, count = raw_count(c);
    for (unsigned t = 0; t < CPU_TIMER_COUNT; t++) {
        const arm_timer *tm = &c->timers[t];
        if (!(tm->ctl & 1) || (tm->ctl & 2) || tm->output) continue;
        uint64_t target = tm->cval + timer_offset(c, t);
        if (target < tm->cval) continue; /* wraps: never in practice */
        uint64_t ns = target <= count ? timer_now_ns(c) : count_to_ns_ceil(target);
        if (ns < best) best = ns;
    }
    if (c->halted == HALT_POLL && c->poll_wake_ns < best) best = c->poll_wake_ns;
    if ((c->cntkctl_el1 & 4) && c->halted == HALT_WFE) {
        unsigned bit = (c->cntkctl_el1 >> 4) & 15;
        uint64_t period = 2ull << bit, vcount = count - c->cntvoff_el2;
        uint64_t next = (vcount / period + 1) * period + c->cntvoff_el2;
        uint64_t ns = count_to_ns_ceil(next);
        if (ns < best) best = ns;
    }
    return best;
}

uint64_t timer_reg_read(arm_cpu *c, unsigned t, unsigned reg) {
    arm_timer *tm = &c->timers[t];
    uint64_t count = raw_count(c) - timer_offset(c, t);
    switch (reg) {
    case 0: return (tm->ctl & 3) | (timer_condition(c, t, raw_count(c)) ? 4 : 0);
    case 1: return tm->cval;
    default: return (uint64_t)(int64_t)(int32_t)(uint32_t)(tm->cval - count);
    }
}

void timer_reg_write(arm_cpu *c, unsigned t, unsigned reg, uint64_t v) {
    arm_timer *tm = &c->timers[t];
    switch (reg) {
    case 0: tm->ctl = v & 3; break;
    case 1: tm->cval = v; break;
    default: tm->cval = raw_count(c) - timer_offset(c, t) + (uint64_t)(int64_t)(int32_t)v; break;
    }
    timer_update(c);
}

/* A loop that only re-reads the counter until it passes a target (udelay's tail below the event
 * stream period, U-Boot's delays and countdown) costs a virtual ns per instruction, i.e. tens of
 * host instructions per guest nanosecond. When the same MRS reads the counter POLL_REPEATS times
 * in a row, each within POLL_WINDOW instructions of the last, the core parks for POLL_PARK_NS of
 * virtual time as if descheduled (an interrupt wakes it sooner): the counter may move by any
 * amount between two reads, and a wait ends in far fewer host cycles. Decided from the
 * instruction stream alone, so runs stay repeatable. The park is short so that a loop that also
 * polls memory another core writes sees the write late by at most that much. */
enum { POLL_WINDOW = 64, POLL_REPEATS = 8, POLL_PARK_NS = 10000 };

void timer_note_counter_poll(arm_cpu *c, uint64_t pc, uint64_t insn_no) {
    if (pc == c->poll_pc && insn_no - c->poll_insn <= POLL_WINDOW) {
        if (c->poll_repeats < POLL_REPEATS) c->poll_repeats++;
    } else {
        c->poll_repeats = 0;
    }
    c->poll_pc = pc;
    c->poll_insn = insn_no;
    if (c->poll_repeats < POLL_REPEATS || (c->cluster->perf_off & PERF_NO_POLL_PARK)) return;
    c->poll_wake_ns = timer_now_ns(c) + POLL_PARK_NS;
    c->halted = HALT_POLL;
    c->exit_request |= EXIT_STOP;
    c->poll_parks++;
}
