/* Scheduler rounds with a scripted fake CPU (defined here, so the stub CPU is not linked in):
 * quantum and deadline-capped slices, time advance by the longest run, idle jumps to a CPU timer
 * deadline, slices cut short by events scheduled mid-slice, instruction limits. */
#include "check.h"
#include "soc/scheduler.h"

/* ---- the fake CPU: each core has work (instructions to run), then waits for its timer ---- */
struct arm_cpu {
    uint64_t work;           /* instructions left before it idles */
    uint64_t timer_deadline; /* UINT64_MAX = none */
    uint64_t work_after_timer;
    bool exit_requested;
    /* scripted: during its next run, schedule `inject` at slice start + inject_after */
    vclock_event *inject;
    uint64_t inject_after;
    uint64_t budgets[16];
    uint64_t starts[16];
    unsigned n_runs;
};
struct cpu_cluster {
    unsigned n;
    arm_cpu cores[4];
};

static vclock *the_clock;
static soc_cpu_ports *the_ports;

unsigned cpu_cluster_size(const cpu_cluster *c) {
    return c->n;
}
arm_cpu *cpu_cluster_core(cpu_cluster *c, unsigned i) {
    return i < c->n ? &c->cores[i] : NULL;
}
bool cpu_is_idle(const arm_cpu *cpu) {
    return cpu->work == 0;
}
uint64_t cpu_next_timer_deadline(const arm_cpu *cpu) {
    return cpu->timer_deadline;
}
void cpu_request_exit(arm_cpu *cpu) {
    cpu->exit_requested = true;
}
void cpu_timer_update(arm_cpu *cpu, uint64_t now) {
    if (cpu->timer_deadline <= now) {
        cpu->timer_deadline = UINT64_MAX;
        cpu->work += cpu->work_after_timer;
        cpu->work_after_timer = 0;
    }
}
uint64_t cpu_run(arm_cpu *cpu, uint64_t budget) {
    if (cpu->n_runs < 16) {
        cpu->budgets[cpu->n_runs] = budget;
        cpu->starts[cpu->n_runs] = the_ports->slice_start_ns;
    }
    cpu->n_runs++;
    uint64_t run = budget < cpu->work ? budget : cpu->work;
    if (cpu->inject) {
        /* Like a store to a device register that arms a timer inside this slice. */
        vclock_schedule(the_clock, cpu->inject, the_ports->slice_start_ns + cpu->inject_after);
        cpu->inject = NULL;
        if (cpu->exit_requested && cpu->inject_after < run) run = cpu->inject_after;
    }
    cpu->exit_requested = false;
    cpu->work -= run;
    return run;
}

/* ---- tests ---- */

static uint64_t event_fired_at;
static void on_event(void *opaque, uint64_t now) {
    (void)opaque;
    event_fired_at = now;
}

static void setup(vclock *clock, soc_cpu_ports *ports, bus *b) {
    vclock_init(clock);
    bus_init(b, BUS_UNMAPPED_RAZ_WI);
    soc_cpu_ports_init(ports, b, clock);
    the_clock = clock;
    the_ports = ports;
}

static void test_rounds(void) {
    vclock clock;
    soc_cpu_ports ports;
    bus b;
    setup(&clock, &ports, &b);
    cpu_cluster cluster = {.n = 2};
    arm_cpu *c0 = &cluster.cores[0], *c1 = &cluster.cores[1];
    c0->work = 2500;
    c0->timer_deadline = 10000;
    c0->work_after_timer = 300;
    c1->work = 500;
    c1->timer_deadline = UINT64_MAX;
    vclock_event ev;
    vclock_event_init(&ev, "ev", on_event, NULL);
    vclock_schedule(&clock, &ev, 1700);

    scheduler s;
    scheduler_config sc = {.quantum = 1000, .ns_per_insn = 1};
    scheduler_init(&s, &sc, &cluster, &clock, &ports);
    CHECK(scheduler_run(&s, VCLOCK_NEVER, 0) == SCHED_HUNG);

    /* t=0: capped by the quantum; t=1000: by the event at 1700; t=1700: core 0 finishes (800);
     * idle jump to core 0's timer at 10000; it runs its last 300 and the machine is hung. */
    CHECK_EQ_U64(c0->n_runs, 4);
    CHECK_EQ_U64(c0->budgets[0], 1000);
    CHECK_EQ_U64(c0->budgets[1], 700);
    CHECK_EQ_U64(c0->budgets[2], 1000);
    CHECK_EQ_U64(c0->budgets[3], 1000);
    CHECK_EQ_U64(c0->starts[1], 1000);
    CHECK_EQ_U64(c0->starts[2], 1700);
    CHECK_EQ_U64(c0->starts[3], 10000);
    CHECK_EQ_U64(c1->n_runs, 1); /* idle cores are not run */
    CHECK_EQ_U64(event_fired_at, 1700);
    CHECK_EQ_U64(vclock_now(&clock), 10300);
    CHECK_EQ_U64(s.stats.instructions, 3300);
    CHECK_EQ_U64(s.stats.idle_skipped_ns, 10000 - 2500);
    CHECK_EQ_U64(s.stats.idle_jumps, 1);
    CHECK_EQ_U64(s.stats.rounds, 4);
    CHECK_EQ_U64(s.stats.guest_ns, 10300);
    scheduler_destroy(&s);
    bus_destroy(&b);
}

static void test_ns_per_insn_and_limits(void) {
    vclock clock;
    soc_cpu_ports ports;
    bus b;
    setup(&clock, &ports, &b);
    cpu_cluster cluster = {.n = 1};
    arm_cpu *c0 = &cluster.cores[0];
    c0->work = 100000;
    c0->timer_deadline = 1001; /* 2 ns per insn: 500.5 instructions away, rounds up to 501 */
    scheduler s;
    scheduler_config sc = {.quantum = 4000, .ns_per_insn = 2};
    scheduler_init(&s, &sc, &cluster, &clock, &ports);
    CHECK(scheduler_run(&s, VCLOCK_NEVER, 1234) == SCHED_INSN_LIMIT);
    CHECK_EQ_U64(s.stats.instructions, 1234);
    CHECK_EQ_U64(c0->budgets[0], 501);
    CHECK_EQ_U64(c0->budgets[1], 733); /* the instruction limit caps the slice too */
    CHECK_EQ_U64(vclock_now(&clock), 2468);
    /* Time limit on a running machine: the slice ends exactly there. */
    CHECK(scheduler_run(&s, 3000, 0) == SCHED_TIME_LIMIT);
    CHECK_EQ_U64(vclock_now(&clock), 3000);
    scheduler_destroy(&s);
    bus_destroy(&b);
}

static void test_slice_cut_short(void) {
    vclock clock;
    soc_cpu_ports ports;
    bus b;
    setup(&clock, &ports, &b);
    cpu_cluster cluster = {.n = 2};
    arm_cpu *c0 = &cluster.cores[0], *c1 = &cluster.cores[1];
    c0->work = c1->work = 5000;
    c0->timer_deadline = c1->timer_deadline = UINT64_MAX;
    vclock_event ev;
    vclock_event_init(&ev, "ev", on_event, NULL);
    c0->inject = &ev;
    c0->inject_after = 100;
    event_fired_at = 0;
    scheduler s;
    scheduler_config sc = {.quantum = 1000, .ns_per_insn = 1};
    scheduler_init(&s, &sc, &cluster, &clock, &ports);
    CHECK(scheduler_run(&s, 2000, 0) == SCHED_TIME_LIMIT);
    /* Core 0 was asked to exit at the new event; core 1's turn in the same round was shortened. */
    CHECK_EQ_U64(c0->budgets[0], 1000);
    CHECK_EQ_U64(c1->budgets[0], 100);
    CHECK_EQ_U64(event_fired_at, 100);
    CHECK_EQ_U64(c0->starts[1], 100);
    CHECK_EQ_U64(c0->budgets[1], 1000);
    CHECK_EQ_U64(c0->budgets[2], 900); /* the time limit caps the last slice */
    CHECK_EQ_U64(vclock_now(&clock), 2000);
    CHECK_EQ_U64(s.stats.instructions, 2 * 100 + 2 * 1000 + 2 * 900);
    scheduler_destroy(&s);
    bus_destroy(&b);
}

int main(void) {
    test_rounds();
    test_ns_per_insn_and_limits();
    test_slice_cut_short();
    return check_report("unit_scheduler_rounds");
}
