/* A CPU cluster whose cores are always idle, so scheduler tests exercise only the clock side (idle
 * skip, hung detection, stop, poll). Linked before socemu_cpu, it keeps the real core out. */
#include <stdlib.h>

#include "cpu/cpu.h"

struct arm_cpu {
    int unused;
};
struct cpu_cluster {
    unsigned n;
    arm_cpu cores[8];
};

cpu_cluster *cpu_cluster_new(const cpu_config *cfg, const cpu_ports *ports, char *err,
                             size_t errlen) {
    cpu_cluster *c = calloc(1, sizeof *c);
    if (c) c->n = cfg->n_cores <= 8 ? cfg->n_cores : 8;
    return c;
}
void cpu_cluster_free(cpu_cluster *c) {
    free(c);
}
unsigned cpu_cluster_size(const cpu_cluster *c) {
    return c->n;
}
arm_cpu *cpu_cluster_core(cpu_cluster *c, unsigned i) {
    return i < c->n ? &c->cores[i] : NULL;
}
uint64_t cpu_run(arm_cpu *cpu, uint64_t budget) {
    return 0;
}
void cpu_request_exit(arm_cpu *cpu) {}
bool cpu_is_idle(const arm_cpu *cpu) {
    return true;
}
uint64_t cpu_next_timer_deadline(const arm_cpu *cpu) {
    return UINT64_MAX;
}
void cpu_timer_update(arm_cpu *cpu, uint64_t now_ns) {}
