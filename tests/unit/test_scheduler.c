/* Scheduler with an always-idle CPU (idle_cpu.c): idle skip, hung detection, stop, poll, limits,
 * realtime pacing, idle pacing with live host input, determinism. */
#include <time.h>

#include "check.h"
#include "soc/scheduler.h"

typedef struct {
    vclock *clock;
    scheduler *sched;
    vclock_event ev;
    uint64_t period;   /* reschedule this far ahead, 0 = one-shot */
    int remaining;     /* reschedules left, -1 = forever */
    bool stop_on_fire; /* request a stop from the callback */
    uint64_t fired_at[16];
    unsigned n_fired;
} ticker;

static void tick(void *opaque, uint64_t now) {
    ticker *t = opaque;
    if (t->n_fired < 16) t->fired_at[t->n_fired] = now;
    t->n_fired++;
    if (t->stop_on_fire) scheduler_request_stop(t->sched);
    if (t->period && t->remaining != 0) {
        if (t->remaining > 0) t->remaining--;
        vclock_schedule(t->clock, &t->ev, now + t->period);
    }
}

typedef struct {
    vclock clock;
    cpu_cluster *cluster;
    soc_cpu_ports ports;
    bus bus;
    scheduler sched;
    ticker ticker;
} machine;

static void machine_init(machine *m, const scheduler_config *sc) {
    memset(m, 0, sizeof *m);
    vclock_init(&m->clock);
    bus_init(&m->bus, BUS_UNMAPPED_RAZ_WI);
    soc_cpu_ports_init(&m->ports, &m->bus, &m->clock);
    char err[128];
    cpu_config cc = {.model = "cortex-a53", .n_cores = 4, .ns_per_insn = 1};
    m->cluster = cpu_cluster_new(&cc, &m->ports.ports, err, sizeof err);
    CHECK(m->cluster != NULL);
    scheduler_init(&m->sched, sc, m->cluster, &m->clock, &m->ports);
    m->ticker.clock = &m->clock;
    m->ticker.sched = &m->sched;
    vclock_event_init(&m->ticker.ev, "ticker", tick, &m->ticker);
}

static void machine_destroy(machine *m) {
    scheduler_destroy(&m->sched);
    cpu_cluster_free(m->cluster);
    bus_destroy(&m->bus);
}

static void test_idle_skip_and_hung(void) {
    machine m;
    machine_init(&m, NULL);
    /* Nothing scheduled, nothing running: hung at once, time unchanged. */
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_HUNG);
    CHECK_EQ_U64(vclock_now(&m.clock), 0);

    /* Time jumps from event to event; a time limit in between ends the run there. */
    m.ticker.period = 1000000; /* 1 ms */
    m.ticker.remaining = 4;
    vclock_schedule(&m.clock, &m.ticker.ev, 1000000);
    CHECK(scheduler_run(&m.sched, 2500000, 0) == SCHED_TIME_LIMIT);
    CHECK_EQ_U64(vclock_now(&m.clock), 2500000);
    CHECK_EQ_U64(m.ticker.n_fired, 2);
    CHECK_EQ_U64(m.ticker.fired_at[1], 2000000);
    CHECK_EQ_U64(m.sched.stats.idle_skipped_ns, 2500000);
    CHECK_EQ_U64(m.sched.stats.guest_ns, 2500000);
    /* Continue: the remaining events fire, then nothing is left: hung at the last one. */
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_HUNG);
    CHECK_EQ_U64(m.ticker.n_fired, 5);
    CHECK_EQ_U64(vclock_now(&m.clock), 5000000);
    CHECK_EQ_U64(m.sched.stats.idle_skipped_ns, 5000000);
    CHECK_EQ_U64(m.sched.stats.instructions, 0);
    CHECK_EQ_U64(m.ports.slice_start_ns, 0); /* no core ever ran a slice */
    /* A time limit with nothing scheduled is still hung: nothing could ever happen. */
    CHECK(scheduler_run(&m.sched, 9000000, 0) == SCHED_HUNG);
    CHECK_EQ_U64(vclock_now(&m.clock), 5000000);
    machine_destroy(&m);
}

static void test_stop(void) {
    machine m;
    machine_init(&m, NULL);
    m.ticker.period = 1000;
    m.ticker.remaining = -1;
    m.ticker.stop_on_fire = true;
    vclock_schedule(&m.clock, &m.ticker.ev, 7000);
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_STOPPED);
    CHECK_EQ_U64(vclock_now(&m.clock), 7000);
    CHECK_EQ_U64(m.ticker.n_fired, 1);
    CHECK(!m.sched.stop_requested); /* consumed */
    /* The next run goes on from there. */
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_STOPPED);
    CHECK_EQ_U64(vclock_now(&m.clock), 8000);
    /* The flag as a signal handler would set it. */
    m.ticker.stop_on_fire = false;
    m.sched.stop_requested = 1;
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_STOPPED);
    CHECK_EQ_U64(vclock_now(&m.clock), 8000);
    machine_destroy(&m);
}

static unsigned poll_calls;
static void poll_then_stop(void *opaque) {
    scheduler *s = opaque;
    if (++poll_calls == 3) scheduler_request_stop(s);
}

static void test_poll(void) {
    machine m;
    scheduler_config sc = {.poll = poll_then_stop, .poll_interval_ns = 1, .poll_check_rounds = 1};
    machine_init(&m, &sc);
    m.sched.cfg.poll_opaque = &m.sched;
    m.ticker.period = 10;
    m.ticker.remaining = -1; /* forever: only poll can end this run */
    vclock_schedule(&m.clock, &m.ticker.ev, 10);
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_STOPPED);
    CHECK_EQ_U64(poll_calls, 3);
    CHECK_EQ_U64(m.sched.stats.polls, 3);
    CHECK(m.ticker.n_fired > 0);
    machine_destroy(&m);

    /* With the default 10 ms interval, a short run does not poll on every round. */
    poll_calls = 0;
    scheduler_config slow = {.poll = poll_then_stop};
    machine_init(&m, &slow);
    m.sched.cfg.poll_opaque = &m.sched;
    m.ticker.period = 10;
    m.ticker.remaining = 1000;
    vclock_schedule(&m.clock, &m.ticker.ev, 10);
    CHECK(scheduler_run(&m.sched, 5000, 0) == SCHED_TIME_LIMIT);
    CHECK(poll_calls < 3);
    machine_destroy(&m);
}

static void test_hung_poll_last_chance(void) {
    /* Before declaring hung, poll runs once: host input could still wake the machine. */
    machine m;
    scheduler_config sc = {.poll = poll_then_stop};
    machine_init(&m, &sc);
    m.sched.cfg.poll_opaque = &m.sched;
    poll_calls = 0;
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_HUNG);
    CHECK_EQ_U64(poll_calls, 1);
    machine_destroy(&m);
}

static uint64_t host_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t cpu_time_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_realtime(void) {
    /* Idle to a deadline 30 ms ahead: the non-realtime run jumps at once, the realtime one waits.
     */
    machine m;
    machine_init(&m, NULL);
    vclock_schedule(&m.clock, &m.ticker.ev, 30000000);
    uint64_t start = host_ms();
    CHECK(scheduler_run(&m.sched, 30000000, 0) == SCHED_TIME_LIMIT);
    CHECK(host_ms() - start < 25);
    machine_destroy(&m);

    scheduler_config sc = {.realtime = true};
    machine_init(&m, &sc);
    vclock_schedule(&m.clock, &m.ticker.ev, 30000000);
    start = host_ms();
    uint64_t cpu_start = cpu_time_ms();
    CHECK(scheduler_run(&m.sched, 30000000, 0) == SCHED_TIME_LIMIT);
    uint64_t elapsed = host_ms() - start;
    CHECK(elapsed >= 29);
    CHECK(elapsed < 1000);
    CHECK(cpu_time_ms() - cpu_start < 10); /* it slept rather than spun */
    CHECK_EQ_U64(m.ticker.n_fired, 1);
    CHECK_EQ_U64(m.sched.stats.idle_skipped_ns, 30000000);
    machine_destroy(&m);
}

static bool input_live;
static bool live_input(void) {
    return input_live;
}

static void test_live_input(void) {
    /* A host input source connected: idle time runs no faster than the wall clock (30 ms of
     * guest idle take 30 ms of host time, slept), and with nothing scheduled the run waits for
     * input (here: the third poll stops it) instead of ending as hung. Disconnected: the jump is
     * immediate. */
    scheduler_config sc = {.live_input = live_input};
    machine m;
    machine_init(&m, &sc);
    input_live = true;
    vclock_schedule(&m.clock, &m.ticker.ev, 30000000);
    uint64_t start = host_ms(), cpu_start = cpu_time_ms();
    CHECK(scheduler_run(&m.sched, 30000000, 0) == SCHED_TIME_LIMIT);
    uint64_t elapsed = host_ms() - start;
    CHECK(elapsed >= 29);
    CHECK(cpu_time_ms() - cpu_start < 10); /* it slept rather than spun */
    CHECK_EQ_U64(m.ticker.n_fired, 1);
    CHECK(m.sched.stats.paced_idle_ns > 0);
    CHECK(m.sched.stats.guest_ns <= m.sched.stats.host_ns + 1000000);
    /* Nothing scheduled: not hung while input may come; poll stops it. */
    m.sched.cfg.poll = poll_then_stop;
    m.sched.cfg.poll_opaque = &m.sched;
    poll_calls = 0;
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_STOPPED);
    CHECK_EQ_U64(poll_calls, 3); /* it waited through three polls (~10 ms of host time each) */
    /* The source went away (end of file): jumps again, and hung with nothing scheduled. */
    input_live = false;
    vclock_schedule(&m.clock, &m.ticker.ev, vclock_now(&m.clock) + 5000000000ull);
    start = host_ms();
    CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_HUNG);
    CHECK(host_ms() - start < 1000);
    CHECK_EQ_U64(m.ticker.n_fired, 2);
    machine_destroy(&m);
}

static void test_deterministic(void) {
    uint64_t fired[2][16];
    for (int run = 0; run < 2; run++) {
        machine m;
        machine_init(&m, NULL);
        m.ticker.period = 333;
        m.ticker.remaining = 15;
        vclock_schedule(&m.clock, &m.ticker.ev, 77);
        CHECK(scheduler_run(&m.sched, VCLOCK_NEVER, 0) == SCHED_HUNG);
        CHECK_EQ_U64(m.ticker.n_fired, 16);
        memcpy(fired[run], m.ticker.fired_at, sizeof fired[run]);
        machine_destroy(&m);
    }
    CHECK(memcmp(fired[0], fired[1], sizeof fired[0]) == 0);
    CHECK_EQ_U64(fired[0][15], 77 + 15 * 333);
}

static void test_earliest_hook(void) {
    /* An event scheduled inside the running slice, before its planned end, shortens the slice. */
    machine m;
    machine_init(&m, NULL);
    m.sched.running = cpu_cluster_core(m.cluster, 0);
    m.sched.slice_end_ns = 10000;
    vclock_schedule(&m.clock, &m.ticker.ev, 4000);
    CHECK_EQ_U64(m.sched.slice_end_ns, 4000);
    vclock_event later;
    vclock_event_init(&later, "later", tick, &m.ticker);
    vclock_schedule(&m.clock, &later, 20000); /* beyond the slice: no change */
    CHECK_EQ_U64(m.sched.slice_end_ns, 4000);
    m.sched.running = NULL;
    machine_destroy(&m);
    CHECK(m.clock.earliest_changed == NULL);
}

int main(void) {
    test_idle_skip_and_hung();
    test_stop();
    test_poll();
    test_hung_poll_last_chance();
    test_realtime();
    test_live_input();
    test_deterministic();
    test_earliest_hook();
    puts(sched_exit_name(SCHED_HUNG));
    return check_report("unit_scheduler");
}
