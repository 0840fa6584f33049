/* The machine side of debugging: halting and resuming the run loop, single steps and breakpoints
 * on top of the scheduler and the CPU's debug calls. All of it happens on the run-loop thread
 * (the gdb stub is served from machine_run's poll callback). */
#include <time.h>

#include "boards/machine_test.h"
#include "machine_internal.h"

/* Called from inside cpu_run: the core stopped before a breakpointed instruction. */
static void on_breakpoint(void *opaque, unsigned core) {
    machine *m = opaque;
    if (core < SOC_MAX_CORES) {
        m->debug.on_breakpoint[core] = true;
        m->debug.hit_pc[core] = cpu_get_pc(cpu_cluster_core(m->cpus, core));
    }
    /* The first core to arrive is the one reported. */
    if (!m->debug.halt_requested) {
        m->debug.stopped_on_breakpoint = true;
        m->debug.breakpoint_core = core;
    }
    m->debug.halt_requested = true;
    scheduler_request_stop(&m->sched);
}

void machine_debug_halt(machine *m) {
    if (m->debug.halted || m->debug.halt_requested) return;
    m->debug.halt_requested = true;
    m->debug.stopped_on_breakpoint = false;
    if (m->sched_ready) scheduler_request_stop(&m->sched);
}

bool machine_debug_halted(const machine *m) {
    return m->debug.halted;
}

int machine_debug_breakpoint_core(const machine *m) {
    return m->debug.stopped_on_breakpoint ? (int)m->debug.breakpoint_core : -1;
}

bool machine_debug_take_halt(machine *m) {
    if (!m->debug.halt_requested || m->stop_requested) return false;
    m->debug.halt_requested = false;
    m->debug.halted = true;
    return true;
}

bool machine_debug_wait(machine *m, void (*poll)(void *opaque), void *opaque) {
    const struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000000};
    while (m->debug.halted && !m->stop_requested) {
        if (poll) poll(opaque);
        if (m->debug.halted && !m->stop_requested) nanosleep(&tick, NULL);
    }
    return !m->stop_requested;
}

bool machine_debug_step(machine *m, unsigned core) {
    arm_cpu *cpu = cpu_cluster_core(m->cpus, core);
    if (!cpu) return false;
    bool ran = cpu_debug_step(cpu);
    if (ran && m->sched_ready) m->sched.stats.instructions++;
    if (core < SOC_MAX_CORES) m->debug.on_breakpoint[core] = false;
    return ran;
}

/* A core resumed on the breakpoint it reported would stop again at once: it executes that one
 * instruction first (gdb itself steps over breakpoints it knows, which moves the PC away). */
void machine_debug_resume(machine *m) {
    for (unsigned i = 0; i < m->n_cores && i < SOC_MAX_CORES; i++) {
        arm_cpu *cpu = cpu_cluster_core(m->cpus, i);
        if (m->debug.on_breakpoint[i] && cpu_get_pc(cpu) == m->debug.hit_pc[i] &&
            cpu_has_breakpoint(m->cpus, m->debug.hit_pc[i]))
            machine_debug_step(m, i);
        m->debug.on_breakpoint[i] = false;
    }
    m->debug.halted = false;
    m->debug.halt_requested = false;
    m->debug.stopped_on_breakpoint = false;
}

bool machine_debug_set_breakpoint(machine *m, uint64_t va) {
    cpu_set_debug_stop_handler(m->cpus, on_breakpoint, m);
    return cpu_set_breakpoint(m->cpus, va);
}

bool machine_debug_clear_breakpoint(machine *m, uint64_t va) {
    return cpu_clear_breakpoint(m->cpus, va);
}

void machine_test_timer_irq(machine *m, unsigned core, unsigned timer, bool level) {
    cpu_ports *p = &m->ports.ports;
    p->timer_irq(p->opaque, core, timer, level);
}

void machine_test_reset_devices(machine *m) {
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        if (md->realized && md->bd->type->reset) md->bd->type->reset(md->state);
    }
}
