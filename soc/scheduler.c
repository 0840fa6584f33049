/* The run loop over the CPU cluster and the virtual clock. Everything that decides how far guest
 * time moves depends only on guest state, so non-realtime runs repeat exactly; the host clock is
 * read only every few rounds, for poll() and realtime pacing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soc/scheduler.h"

static uint64_t host_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void host_sleep_until(uint64_t host_ns) {
    struct timespec ts = {.tv_sec = (time_t)(host_ns / 1000000000ull),
                          .tv_nsec = (long)(host_ns % 1000000000ull)};
    /* An interruption (a signal setting the stop flag) just ends the wait early; the loop
     * re-evaluates. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}

static void on_earliest_changed(void *opaque, uint64_t deadline_ns) {
    scheduler *s = opaque;
    /* A device scheduled something inside the running slice: end the slice there. */
    if (s->running && deadline_ns < s->slice_end_ns) {
        s->slice_end_ns = deadline_ns;
        cpu_request_exit(s->running);
    }
}

void scheduler_init(scheduler *s, const scheduler_config *cfg, cpu_cluster *cluster, vclock *clock,
                    soc_cpu_ports *ports) {
    memset(s, 0, sizeof *s);
    if (cfg) s->cfg = *cfg;
    if (!s->cfg.quantum) s->cfg.quantum = SCHED_DEFAULT_QUANTUM;
    if (!s->cfg.ns_per_insn) s->cfg.ns_per_insn = 1;
    if (!s->cfg.poll_interval_ns) s->cfg.poll_interval_ns = SCHED_DEFAULT_POLL_NS;
    if (!s->cfg.poll_check_rounds) s->cfg.poll_check_rounds = SCHED_DEFAULT_POLL_CHECK_ROUNDS;
    s->cluster = cluster;
    s->clock = clock;
    s->ports = ports;
    clock->earliest_changed = on_earliest_changed;
    clock->earliest_changed_opaque = s;
}

void scheduler_destroy(scheduler *s) {
    const char *v = getenv("SOCEMU_STATS");
    if (v && *v && strcmp(v, "0") != 0) {
        const scheduler_stats *st = &s->stats;
        double host_s = (double)st->host_ns / 1e9;
        fprintf(stderr,
                "socemu-stats: sched insns=%llu guest_s=%.3f host_s=%.3f mips=%.1f "
                "idle_skipped_guest_s=%.3f executing_guest_s=%.3f rounds=%llu idle_jumps=%llu "
                "paced_idle_guest_s=%.3f\n",
                (unsigned long long)st->instructions, (double)st->guest_ns / 1e9, host_s,
                host_s > 0 ? (double)st->instructions / host_s / 1e6 : 0.0,
                (double)st->idle_skipped_ns / 1e9,
                (double)(st->guest_ns - st->idle_skipped_ns) / 1e9, (unsigned long long)st->rounds,
                (unsigned long long)st->idle_jumps, (double)st->paced_idle_ns / 1e9);
    }
    if (s->clock && s->clock->earliest_changed_opaque == s) {
        s->clock->earliest_changed = NULL;
        s->clock->earliest_changed_opaque = NULL;
    }
}

void scheduler_request_stop(scheduler *s) {
    s->stop_requested = 1;
    if (s->running) cpu_request_exit(s->running);
}

const char *sched_exit_name(sched_exit why) {
    switch (why) {
    case SCHED_STOPPED: return "stopped";
    case SCHED_HUNG: return "hung (every core idle, nothing scheduled)";
    case SCHED_TIME_LIMIT: return "time limit";
    case SCHED_INSN_LIMIT: return "instruction limit";
    }
    return "?";
}

static unsigned n_cores(const scheduler *s) {
    return cpu_cluster_size(s->cluster);
}

static bool any_core_runnable(scheduler *s) {
    for (unsigned i = 0; i < n_cores(s); i++)
        if (!cpu_is_idle(cpu_cluster_core(s->cluster, i))) return true;
    return false;
}

/* The earliest future moment something happens on its own: a clock event or a CPU timer. Timer
 * deadlines at or before now were already signalled by cpu_timer_update, so they do not count. */
static uint64_t next_deadline(scheduler *s, uint64_t now) {
    uint64_t deadline = vclock_next_deadline(s->clock);
    for (unsigned i = 0; i < n_cores(s); i++) {
        uint64_t t = cpu_next_timer_deadline(cpu_cluster_core(s->cluster, i));
        if (t > now) deadline = min_u64(deadline, t);
    }
    return deadline;
}

static void call_poll(scheduler *s, uint64_t host_now) {
    s->next_poll_host_ns = host_now + s->cfg.poll_interval_ns;
    if (!s->cfg.poll) return;
    s->stats.polls++;
    s->cfg.poll(s->cfg.poll_opaque);
}

/* Host time at which guest time g is due, in realtime mode. */
static uint64_t host_time_of(const scheduler *s, uint64_t guest_ns) {
    return s->rt_host_origin_ns + (guest_ns - s->rt_guest_origin_ns);
}

static uint64_t guest_time_of(const scheduler *s, uint64_t host_ns) {
    return s->rt_guest_origin_ns + (host_ns - s->rt_host_origin_ns);
}

/* Every few rounds: poll host I/O when due, and in realtime mode hold the guest back to the wall
 * clock. */
static void check_host_clock(scheduler *s) {
    if (++s->rounds_since_clock_check < s->cfg.poll_check_rounds) return;
    s->rounds_since_clock_check = 0;
    uint64_t host = host_now_ns();
    if (s->cfg.realtime) {
        uint64_t guest = vclock_now(s->clock);
        uint64_t wall_guest = guest_time_of(s, host);
        if (guest > wall_guest) {
            host_sleep_until(min_u64(host_time_of(s, guest), s->next_poll_host_ns));
            host = host_now_ns();
        } else if (wall_guest - guest > 100000000ull) {
            /* Far behind (a slow stretch): re-anchor rather than race to catch up later. */
            s->rt_host_origin_ns = host;
            s->rt_guest_origin_ns = guest;
        }
    }
    if (host >= s->next_poll_host_ns) call_poll(s, host);
}

/* Idle time runs no faster than the wall clock: realtime mode, or a host input source connected
 * (someone may type while the guest waits). */
static bool idle_paced(const scheduler *s) {
    return s->cfg.realtime || (s->cfg.live_input && s->cfg.live_input());
}

/* Every core is idle: move time to target (VCLOCK_NEVER only when idle is paced). */
static void idle_until(scheduler *s, uint64_t now, uint64_t target) {
    uint64_t to = target;
    if (idle_paced(s)) {
        /* Wait for the wall clock, but wake for poll: host input may end the idleness early. */
        uint64_t host = host_now_ns();
        uint64_t wake = s->next_poll_host_ns;
        if (target != VCLOCK_NEVER) wake = min_u64(wake, host_time_of(s, target));
        bool waited = wake > host;
        if (waited) host_sleep_until(wake);
        host = host_now_ns();
        uint64_t wall_guest = guest_time_of(s, host);
        to = min_u64(target, wall_guest > now ? wall_guest : now);
        if (host >= s->next_poll_host_ns) call_poll(s, host);
        if (waited && !s->cfg.realtime) s->stats.paced_idle_ns += to - now;
    }
    s->stats.idle_jumps++;
    s->stats.idle_skipped_ns += to - now;
    vclock_advance(s->clock, to);
}

/* One turn of every runnable core, then time moves by the longest run. */
static void run_round(scheduler *s, uint64_t now, uint64_t horizon, uint64_t insns_left) {
    const uint64_t ns_per_insn = s->cfg.ns_per_insn;
    uint64_t budget = min_u64(s->cfg.quantum, insns_left);
    if (horizon != VCLOCK_NEVER && (horizon - now) / ns_per_insn < budget)
        budget = (horizon - now + ns_per_insn - 1) / ns_per_insn;
    if (budget == 0) budget = 1;
    if (s->ports) s->ports->slice_start_ns = now;
    s->slice_end_ns = now + budget * ns_per_insn;

    uint64_t longest = 0;
    for (unsigned i = 0; i < n_cores(s) && !s->stop_requested; i++) {
        arm_cpu *core = cpu_cluster_core(s->cluster, i);
        if (cpu_is_idle(core)) continue;
        /* An earlier core may have scheduled an event that shortened the slice. */
        uint64_t core_budget = (s->slice_end_ns - now + ns_per_insn - 1) / ns_per_insn;
        if (core_budget == 0) core_budget = 1;
        s->running = core;
        uint64_t retired = cpu_run(core, min_u64(core_budget, budget));
        s->running = NULL;
        s->stats.instructions += retired;
        if (retired > longest) longest = retired;
    }
    s->stats.rounds++;
    /* A core that stays runnable without retiring anything must not freeze time. */
    if (longest == 0 && any_core_runnable(s)) longest = 1;
    vclock_advance(s->clock, now + longest * ns_per_insn);
}

sched_exit scheduler_run(scheduler *s, uint64_t until_ns, uint64_t max_insns) {
    const uint64_t host_start = host_now_ns();
    const uint64_t guest_start = vclock_now(s->clock);
    const uint64_t insns_start = s->stats.instructions;
    s->next_poll_host_ns = host_start + s->cfg.poll_interval_ns;
    s->rounds_since_clock_check = 0;
    s->rt_host_origin_ns = host_start;
    s->rt_guest_origin_ns = guest_start;

    sched_exit why;
    for (;;) {
        uint64_t now = vclock_now(s->clock);
        vclock_advance(s->clock, now); /* events due now */
        for (unsigned i = 0; i < n_cores(s); i++)
            cpu_timer_update(cpu_cluster_core(s->cluster, i), now);
        if (s->stop_requested) {
            why = SCHED_STOPPED;
            break;
        }
        if (now >= until_ns) {
            why = SCHED_TIME_LIMIT;
            break;
        }
        uint64_t executed = s->stats.instructions - insns_start;
        if (max_insns && executed >= max_insns) {
            why = SCHED_INSN_LIMIT;
            break;
        }
        check_host_clock(s);
        if (s->stop_requested) continue;

        uint64_t deadline = next_deadline(s, now);
        uint64_t horizon = min_u64(deadline, until_ns);
        if (any_core_runnable(s)) {
            run_round(s, now, horizon, max_insns ? max_insns - executed : UINT64_MAX);
            continue;
        }
        if (deadline == VCLOCK_NEVER && !idle_paced(s)) {
            /* Last chance before giving up: host input might still wake a core. */
            call_poll(s, host_now_ns());
            if (s->stop_requested || any_core_runnable(s) || next_deadline(s, now) != VCLOCK_NEVER)
                continue;
            why = SCHED_HUNG;
            break;
        }
        idle_until(s, now, horizon);
    }
    if (why == SCHED_STOPPED) s->stop_requested = 0;
    s->stats.guest_ns += vclock_now(s->clock) - guest_start;
    s->stats.host_ns += host_now_ns() - host_start;
    return why;
}
