/* Generic timer: CNTPCT = virtual ns * 19.2 MHz; compare logic per timer; the event stream. */
#include "timer/generic_timer.h"

#include <string.h>

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
    if (c->poll.bump) { /* the poll detector's probe: see timer_note_counter_poll */
        c->poll.bump = false;
        v++;
    }
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
 * host instructions per guest nanosecond. Such a loop is parked: the core sleeps POLL_PARK_NS of
 * virtual time as if descheduled (an interrupt wakes it sooner), so the counter moves on by that
 * much between two reads and the wait ends in far fewer host cycles.
 *
 * Parking must never take time from a loop that does work between its counter reads (a timed
 * benchmark, a busy-wait with work inside): that would change the work done per guest second.
 * So a loop is parked only when its state provably depends on nothing but the counter: the same
 * MRS reads the counter again and again, each within POLL_WINDOW instructions of the last, and
 * from one read to the next every general register and SP either stays the same or changes by
 * exactly what the counter changed by, the same way at every read (plus or minus the change
 * since this read: the counter's copy, now - start, start - now; or since the read before: such
 * a value computed after the previous read), with the flags and the SIMD registers unchanged. A
 * work loop has a register that changes by its own stride (a loop count, a pointer, an
 * accumulator). In a tight loop every read returns the last value + 1, so a stride of 1 would
 * look like the counter's change: once per run of reads, one read returns one tick more
 * (`bump`, POLL_PROBE) and the reads after it must follow that too. A loop found not to be a
 * pure wait is left alone for a while (skip, doubling up to POLL_SKIP_MAX reads), so the probe
 * adds a tick at most every few thousand reads of a work loop. A loop whose work lives only in
 * memory, with no register showing it at the counter read, is not told apart.
 *
 * Everything is decided from the instruction stream and register values, so runs stay
 * repeatable. The park is short so that a loop that also polls memory another core writes (a
 * flag with a timeout) sees the write late by at most that much. */
enum {
    POLL_WINDOW = 32,   /* instructions between two reads of a parkable loop */
    POLL_PROBE = 4,     /* the read after this many checked reads returns one tick more */
    POLL_CONFIRM = 7,   /* checked reads (the probe's and two after it included) before parking */
    POLL_SKIP_MIN = 64, /* reads left alone after a loop that was not a pure wait, doubling */
    POLL_SKIP_MAX = 1 << 16,
    POLL_PARK_NS = 10000,
};
enum { KIND_SAME, KIND_PLUS_NOW, KIND_MINUS_NOW, KIND_PLUS_PREV, KIND_MINUS_PREV, N_KINDS };

static uint64_t simd_digest(const arm_cpu *c) {
    uint64_t h = 0;
    for (unsigned i = 0; i < 32; i++) {
        h = (h ^ (uint64_t)c->v[i]) * 0x100000001B3ull;
        h = (h ^ (uint64_t)(c->v[i] >> 64)) * 0x100000001B3ull;
    }
    return h;
}

/* A new run of reads starts at this one. */
static void poll_restart(arm_cpu *c, uint64_t value) {
    c->poll.step = 0;
    c->poll.count = value;
    c->poll.bump = false;
    for (unsigned k = 0; k < N_KINDS; k++)
        c->poll.kinds[k] = UINT32_MAX;
    memcpy(c->poll.regs, c->x, 31 * sizeof c->x[0]);
    c->poll.regs[31] = c->sp;
    c->poll.nzcv = c->nzcv;
    c->poll.vsum = simd_digest(c);
}

/* Checks this read against the last one and takes its state. */
static bool poll_state_follows_counter(arm_cpu *c, uint64_t value) {
    uint64_t now = value - c->poll.count, prev = c->poll.delta;
    /* The first read after the start only gives the counter's change for the next one. */
    bool ok = c->nzcv == c->poll.nzcv || c->poll.step == 0;
    uint32_t any = c->poll.step == 0 ? UINT32_MAX : 0;
    for (unsigned r = 0; r < 32; r++) {
        uint64_t v = r < 31 ? c->x[r] : c->sp, d = v - c->poll.regs[r];
        uint32_t bit = 1u << r;
        c->poll.regs[r] = v;
        if (c->poll.step == 0) continue;
        if (d != 0) c->poll.kinds[KIND_SAME] &= ~bit;
        if (d != now) c->poll.kinds[KIND_PLUS_NOW] &= ~bit;
        if (d != (uint64_t)0 - now) c->poll.kinds[KIND_MINUS_NOW] &= ~bit;
        if (d != prev) c->poll.kinds[KIND_PLUS_PREV] &= ~bit;
        if (d != (uint64_t)0 - prev) c->poll.kinds[KIND_MINUS_PREV] &= ~bit;
    }
    for (unsigned k = 0; k < N_KINDS; k++)
        any |= c->poll.kinds[k];
    uint64_t vsum = simd_digest(c);
    ok = ok && any == UINT32_MAX && (vsum == c->poll.vsum || c->poll.step == 0);
    c->poll.nzcv = c->nzcv;
    c->poll.vsum = vsum;
    c->poll.delta = now;
    c->poll.count = value;
    return ok;
}

void timer_note_counter_poll(arm_cpu *c, uint64_t pc, uint64_t insn_no, uint64_t value) {
    if (c->cluster->perf_off & PERF_NO_POLL_PARK) return;
    bool same_loop = pc == c->poll.pc && insn_no - c->poll.insn <= POLL_WINDOW;
    c->poll.pc = pc;
    c->poll.insn = insn_no;
    if (!same_loop) {
        c->poll.skip = c->poll.skip_len = 0;
        poll_restart(c, value);
        return;
    }
    if (c->poll.skip) {
        if (--c->poll.skip == 0) poll_restart(c, value);
        return;
    }
    if (!poll_state_follows_counter(c, value)) {
        /* Not a pure wait: leave this loop alone for a while. */
        c->poll.skip_len = c->poll.skip_len ? c->poll.skip_len * 2 : POLL_SKIP_MIN;
        if (c->poll.skip_len > POLL_SKIP_MAX) c->poll.skip_len = POLL_SKIP_MAX;
        c->poll.skip = c->poll.skip_len;
        c->poll.bump = false;
        return;
    }
    if (c->poll.step < POLL_CONFIRM) c->poll.step++;
    if (c->poll.step == POLL_PROBE) c->poll.bump = true;
    if (c->poll.step < POLL_CONFIRM) return;
    c->poll.skip_len = 0;
    c->poll_wake_ns = timer_now_ns(c) + POLL_PARK_NS;
    c->halted = HALT_POLL;
    c->exit_request |= EXIT_STOP;
    c->poll_parks++;
}

/* A loop that only re-reads a device register until it changes (U-Boot's sdhost PIO read
 * waiting for the FIFO to fill, a status poll with no timeout) also spins at one instruction per
 * virtual ns. Here the proof is stricter than for the counter: the same load reads the same
 * register and gets the same value POLL_REPEATS times in a row, each within POLL_WINDOW
 * instructions of the last, with every X register, SP, the flags and the V registers exactly as
 * at the previous read: the loop's state is a fixed point, so running it again changes nothing
 * until the device (an event on the clock, an interrupt, another core) does. The core then parks
 * for MMIO_PARK_NS, short, since a device event does not wake it (an interrupt does). A loop
 * whose only changing state is in memory, with no register showing it at the read, is not told
 * apart (as for the counter). */
enum { MMIO_POLL_REPEATS = 8, MMIO_PARK_NS = 2000 };

void timer_note_mmio_poll(arm_cpu *c, uint64_t pc, uint64_t insn_no, uint64_t pa, uint64_t value) {
    if (c->cluster->perf_off & PERF_NO_POLL_PARK) return;
    bool same = pc == c->mmio_poll.pc && insn_no - c->mmio_poll.insn <= POLL_WINDOW &&
                pa == c->mmio_poll.pa && value == c->mmio_poll.value &&
                c->nzcv == c->mmio_poll.nzcv && c->sp == c->mmio_poll.regs[31] &&
                memcmp(c->x, c->mmio_poll.regs, 31 * sizeof c->x[0]) == 0;
    uint64_t vsum = same || pc == c->mmio_poll.pc ? simd_digest(c) : 0;
    same = same && vsum == c->mmio_poll.vsum;
    c->mmio_poll.pc = pc;
    c->mmio_poll.insn = insn_no;
    if (!same) {
        c->mmio_poll.repeats = 0;
        c->mmio_poll.pa = pa;
        c->mmio_poll.value = value;
        c->mmio_poll.nzcv = c->nzcv;
        c->mmio_poll.vsum = vsum;
        memcpy(c->mmio_poll.regs, c->x, 31 * sizeof c->x[0]);
        c->mmio_poll.regs[31] = c->sp;
        return;
    }
    if (++c->mmio_poll.repeats < MMIO_POLL_REPEATS) return;
    c->mmio_poll.repeats = MMIO_POLL_REPEATS;
    c->poll_wake_ns = timer_now_ns(c) + MMIO_PARK_NS;
    c->halted = HALT_POLL;
    c->exit_request |= EXIT_STOP;
    c->poll_parks++;
}
