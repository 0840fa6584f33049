/* Placeholder: a CPU cluster whose cores never execute. Replaced by the AArch64 core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

struct arm_cpu {
    uint64_t x[32], pc;
    unsigned el;
    bool irq, fiq, serror;
};
struct cpu_cluster {
    unsigned n;
    arm_cpu cores[8];
};

static const char *const models[] = {"cortex-a53", NULL};
const char *const *cpu_model_names(void) { return models; }

cpu_cluster *cpu_cluster_new(const cpu_config *cfg, const cpu_ports *ports, char *err,
                             size_t errlen) {
    (void)ports;
    if (strcmp(cfg->model, "cortex-a53") != 0) {
        snprintf(err, errlen, "unknown CPU model '%s'", cfg->model);
        return NULL;
    }
    if (cfg->n_cores < 1 || cfg->n_cores > 8) {
        snprintf(err, errlen, "CPU core count %u out of range 1..8", cfg->n_cores);
        return NULL;
    }
    cpu_cluster *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n = cfg->n_cores;
    return c;
}
void cpu_cluster_free(cpu_cluster *c) { free(c); }
unsigned cpu_cluster_size(const cpu_cluster *c) { return c->n; }
arm_cpu *cpu_cluster_core(cpu_cluster *c, unsigned i) { return i < c->n ? &c->cores[i] : NULL; }
void cpu_reset(arm_cpu *cpu) { memset(cpu, 0, sizeof *cpu); }
void cpu_set_pc(arm_cpu *cpu, uint64_t pc) { cpu->pc = pc; }
void cpu_set_xreg(arm_cpu *cpu, unsigned n, uint64_t v) { if (n < 32) cpu->x[n] = v; }
uint64_t cpu_get_xreg(const arm_cpu *cpu, unsigned n) { return n < 32 ? cpu->x[n] : 0; }
uint64_t cpu_get_pc(const arm_cpu *cpu) { return cpu->pc; }
void cpu_set_el(arm_cpu *cpu, unsigned el) { cpu->el = el; }
bool cpu_write_sysreg(arm_cpu *cpu, const char *name, uint64_t v) { return false; }
bool cpu_read_sysreg(arm_cpu *cpu, const char *name, uint64_t *v) { return false; }
void cpu_power_off(arm_cpu *cpu) {}
void cpu_power_on(arm_cpu *cpu) {}
void cpu_set_irq(arm_cpu *cpu, bool level) { cpu->irq = level; }
void cpu_set_fiq(arm_cpu *cpu, bool level) { cpu->fiq = level; }
void cpu_set_serror(arm_cpu *cpu, bool level) { cpu->serror = level; }
uint64_t cpu_run(arm_cpu *cpu, uint64_t budget) { return 0; }
void cpu_request_exit(arm_cpu *cpu) {}
bool cpu_is_idle(const arm_cpu *cpu) { return true; }
uint64_t cpu_next_timer_deadline(const arm_cpu *cpu) { return UINT64_MAX; }
void cpu_timer_update(arm_cpu *cpu, uint64_t now_ns) {}
void cpu_cluster_invalidate_code(cpu_cluster *c, uint64_t pa, uint64_t len) {}
