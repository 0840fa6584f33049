/* The run loop: the CPU cores take turns on one host thread, in quanta of instructions, and the
 * virtual clock advances by what they executed. Deterministic unless realtime mode is on.
 *
 * A round: fire due clock events, update every core's generic timer, then run each non-idle core
 * for up to `quantum` instructions, the slice also ending at the next clock event or CPU timer
 * deadline; guest time then advances by the longest run of the round. When every core is idle,
 * time jumps straight to the next deadline (no host sleeping) — in realtime mode it instead waits
 * for the host wall clock to reach that deadline. Idle cores with nothing scheduled at all can
 * never wake again: the run ends as hung.
 *
 * While live_input says a host input source is connected (a person or a harness may type), idle
 * time is paced: a jump goes no further than the wall clock since scheduler_run started (guest
 * time = host time elapsed, as if the guest had run on a real board from then), and the rest is
 * waited out, waking for poll; with nothing scheduled the run waits for input instead of ending
 * as hung. Execution itself is not held back (guest time runs slower than the wall clock while
 * cores run, so a boot still skips its sleeps until it has caught up). A guest timeout such as a
 * login prompt's then fires after that much real time, not in a burst of skipped idle time. Runs
 * with no live input stay deterministic.
 *
 * Typical use (boards/):
 *     scheduler_config sc = {.quantum = 0, .ns_per_insn = 1, .poll = console_poll, ...};
 *     scheduler_init(&sched, &sc, cluster, &clock, &ports);
 *     switch (scheduler_run(&sched, timeout_ns, 0)) { ... }
 * and the machine's request() callback calls scheduler_request_stop(&sched). */
#ifndef SOC_SCHEDULER_H
#define SOC_SCHEDULER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "soc/clock.h"
#include "soc/cpu_ports.h"

#define SCHED_DEFAULT_QUANTUM           10000u
#define SCHED_DEFAULT_POLL_NS           10000000ull /* 10 ms of host time */
#define SCHED_DEFAULT_POLL_CHECK_ROUNDS 64u

typedef enum {
    SCHED_STOPPED,    /* scheduler_request_stop, or the stop flag set from a signal handler */
    SCHED_HUNG,       /* every core idle and nothing scheduled: nothing can ever happen */
    SCHED_TIME_LIMIT, /* guest time reached until_ns */
    SCHED_INSN_LIMIT, /* max_insns instructions retired in this call */
} sched_exit;

typedef struct scheduler_config {
    uint64_t quantum;           /* instructions per core per turn; 0 = SCHED_DEFAULT_QUANTUM */
    uint32_t ns_per_insn;       /* guest ns per retired instruction, as given to the CPU; 0 = 1 */
    bool realtime;              /* pace guest time to the host wall clock */
    uint64_t poll_interval_ns;  /* host ns between poll calls; 0 = SCHED_DEFAULT_POLL_NS */
    unsigned poll_check_rounds; /* rounds between host clock reads; 0 = default */
    void (*poll)(void *opaque); /* host I/O (console input, ...); may call scheduler_request_stop */
    void *poll_opaque;
    /* NULL or: is a host input source connected now (asked at each idle jump; see above). */
    bool (*live_input)(void);
} scheduler_config;

typedef struct scheduler_stats {
    uint64_t instructions;    /* retired by all cores */
    uint64_t guest_ns;        /* guest time that passed inside scheduler_run */
    uint64_t host_ns;         /* host wall time spent inside scheduler_run */
    uint64_t idle_skipped_ns; /* guest time passed with every core idle (jumped, or waited out) */
    uint64_t rounds;          /* rounds in which at least one core ran */
    uint64_t idle_jumps;      /* times time jumped because every core was idle */
    uint64_t polls;           /* poll calls */
    uint64_t paced_idle_ns;   /* of idle_skipped_ns: waited out for the wall clock (live input) */
} scheduler_stats;

typedef struct scheduler {
    scheduler_config cfg; /* defaults filled in */
    cpu_cluster *cluster;
    vclock *clock;
    soc_cpu_ports *ports; /* may be NULL; its slice_start_ns is kept current */
    /* Set to end the run: by scheduler_request_stop, or directly from a signal handler. */
    volatile sig_atomic_t stop_requested;
    arm_cpu *running;      /* the core inside cpu_run, else NULL */
    uint64_t slice_end_ns; /* where the current slice is planned to end (guest ns) */
    scheduler_stats stats;
    /* internal */
    uint64_t next_poll_host_ns;
    unsigned rounds_since_clock_check;
    uint64_t rt_host_origin_ns, rt_guest_origin_ns; /* realtime: guest time g is host origin+g-g0 */
} scheduler;

/* Also hooks the clock, so an event scheduled during a slice that must fire before the slice's
 * planned end cuts the slice short. */
void scheduler_init(scheduler *s, const scheduler_config *cfg, cpu_cluster *cluster, vclock *clock,
                    soc_cpu_ports *ports);
void scheduler_destroy(scheduler *s); /* unhooks the clock */

/* Runs until stopped, hung, guest time until_ns (VCLOCK_NEVER = no limit) or max_insns retired
 * instructions (0 = no limit). May be called again to continue. */
sched_exit scheduler_run(scheduler *s, uint64_t until_ns, uint64_t max_insns);

/* Ends scheduler_run after the current slice (the running core is asked to exit promptly). For
 * device callbacks and poll; a signal handler should set s->stop_requested = 1 instead. */
void scheduler_request_stop(scheduler *s);
const char *sched_exit_name(sched_exit why);

#endif
