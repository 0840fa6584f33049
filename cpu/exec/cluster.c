/* The public interface (cpu/cpu.h): cluster creation, reset, register access for the board, the
 * input pins, power, code invalidation by other bus masters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64/a64.h"
#include "exec/block_cache.h"
#include "sysreg/sysreg.h"
#include "timer/generic_timer.h"

static const char *const models[] = {"cortex-a53", NULL};
const char *const *cpu_model_names(void) {
    return models;
}

cpu_cluster *cpu_cluster_new(const cpu_config *cfg, const cpu_ports *ports, char *err,
                             size_t errlen) {
    if (!cfg->model || strcmp(cfg->model, "cortex-a53") != 0) {
        snprintf(err, errlen, "unknown CPU model '%s'", cfg->model ? cfg->model : "(null)");
        return NULL;
    }
    if (cfg->n_cores < 1 || cfg->n_cores > 8) {
        snprintf(err, errlen, "CPU core count %u out of range 1..8", cfg->n_cores);
        return NULL;
    }
    if (!ports || !ports->ram_ptr || !ports->mmio_read || !ports->mmio_write) {
        snprintf(err, errlen, "CPU ports incomplete (ram_ptr, mmio_read, mmio_write needed)");
        return NULL;
    }
    cpu_cluster *cl = calloc(1, sizeof *cl);
    if (!cl) goto oom;
    cl->cfg = *cfg;
    if (!cl->cfg.ns_per_insn) cl->cfg.ns_per_insn = 1;
    cl->ports = *ports;
    cl->n = cfg->n_cores;
    if (!block_cache_init(cl)) goto oom;
    for (unsigned i = 0; i < cl->n; i++) {
        arm_cpu *c = aligned_alloc(64, (sizeof(arm_cpu) + 63) & ~(size_t)63);
        if (!c) goto oom;
        memset(c, 0, sizeof *c);
        c->cluster = cl;
        c->index = i;
        cl->cores[i] = c;
        cpu_reset(c);
    }
    return cl;
oom:
    snprintf(err, errlen, "out of memory creating the CPU cluster");
    cpu_cluster_free(cl);
    return NULL;
}

/* SOCEMU_STATS=1: the interpreter's counters at exit (bench/ reads them). */
static void print_stats(const cpu_cluster *cl) {
    const char *v = getenv("SOCEMU_STATS");
    if (!v || !*v || !strcmp(v, "0")) return;
    fprintf(stderr,
            "socemu-stats: cpu blocks_live=%u block_flushes=%llu blocks_invalidated=%llu "
            "chain_links=%llu jump_cache_misses=%llu ic_iallu_elided=%llu perf_off=%u\n",
            cl->n_blocks, (unsigned long long)cl->block_flushes,
            (unsigned long long)cl->blocks_invalidated, (unsigned long long)cl->chain_links,
            (unsigned long long)cl->jump_cache_misses, (unsigned long long)cl->ic_iallu_elided,
            cl->perf_off);
    fprintf(stderr,
            "socemu-stats: jit blocks=%llu bytes=%llu flushes=%llu links=%llu threshold=%u%s\n",
            (unsigned long long)cl->jit_blocks, (unsigned long long)cl->jit_bytes,
            (unsigned long long)cl->jit_flushes, (unsigned long long)cl->jit_links,
            cl->jit_threshold, cl->jit ? "" : " (off)");
    for (unsigned i = 0; i < cl->n; i++) {
        const arm_cpu *c = cl->cores[i];
        fprintf(stderr,
                "socemu-stats: core%u insns=%llu tlb_fills=%llu tlb_flushes=%llu "
                "tlb_flushes_elided=%llu asid_switches=%llu poll_parks=%llu mem_slow=%llu "
                "jit_slow=%llu\n",
                i, (unsigned long long)(c->total_insns + c->insns_slice),
                (unsigned long long)c->tlb_fills, (unsigned long long)c->tlb_flushes,
                (unsigned long long)c->tlb_flushes_elided, (unsigned long long)c->tlb_asid_switches,
                (unsigned long long)c->poll_parks, (unsigned long long)c->mem_slow,
                (unsigned long long)c->jit_slow);
    }
}

void cpu_cluster_free(cpu_cluster *cl) {
    if (!cl) return;
    print_stats(cl);
    for (unsigned i = 0; i < cl->n; i++)
        free(cl->cores[i]);
    block_cache_free(cl);
    free(cl);
}

unsigned cpu_cluster_size(const cpu_cluster *cl) {
    return cl->n;
}
arm_cpu *cpu_cluster_core(cpu_cluster *cl, unsigned i) {
    return i < cl->n ? cl->cores[i] : NULL;
}

void cpu_set_pstate_el(arm_cpu *c, unsigned el, unsigned spsel) {
    c->sp_el[c->spsel ? c->el : 0] = c->sp;
    c->el = el;
    c->spsel = spsel;
    c->sp = c->sp_el[spsel ? el : 0];
    cpu_update_mmu_idx(c);
}

/* Derived state: MMU index and the FP trap target for the current EL. */
void cpu_update_mmu_idx(arm_cpu *c) {
    c->mmu_idx = c->el;
    unsigned trap = 0, fpen = (c->cpacr_el1 >> 20) & 3;
    bool tge = c->hcr_el2 & (1ull << 27);
    if (c->el <= 1 && !tge && (fpen == 0 || fpen == 2 || (fpen == 1 && c->el == 0)))
        trap = 1;
    else if (c->el <= 2 && (c->cptr_el2 & (1u << 10)))
        trap = 2;
    else if (c->cptr_el3 & (1u << 10))
        trap = 3;
    c->fp_trap_el = trap;
}

void cpu_check_interrupts(arm_cpu *c) {
    c->exit_request |= EXIT_CHECK;
}

void cpu_reset(arm_cpu *c) {
    cpu_cluster *cl = c->cluster;
    unsigned index = c->index;
    if (c->excl.valid && cl->excl_holders) cl->excl_holders--;
    memset(c, 0, offsetof(arm_cpu, index));
    c->cluster = cl;
    c->index = index;
    c->midr = 0x410FD034;
    c->mpidr = 0x80000000u | index;
    sysreg_reset(c);
    c->el = 3;
    c->spsel = 1;
    c->daif = DAIF_D | DAIF_A | DAIF_I | DAIF_F;
    tlb_flush_all(c);
    tlb_asid_update(c);
    cpu_update_mmu_idx(c);
    c->timer_check_at = UINT64_MAX;
}

void cpu_set_el(arm_cpu *c, unsigned el) {
    if (el < 1 || el > 3) return;
    /* What the Pi's armstub8 leaves below EL3: NS, AArch64 lower levels, HVC enabled, SMC
     * disabled; the counter frequency; virtual ID registers as Linux's EL2 set-up expects. */
    if (el < 3) {
        c->scr_el3 = 0x5b1;
        c->actlr[3] = 0x73;
    }
    if (el < 2) c->hcr_el2 = 1ull << 31;
    c->vpidr_el2 = c->midr;
    c->vmpidr_el2 = c->mpidr;
    c->cntfrq_el0 = CNT_FREQ_HZ;
    for (unsigned e = 1; e <= 3; e++)
        c->sctlr[e] &= ~(uint64_t)1;
    c->daif = DAIF_D | DAIF_A | DAIF_I | DAIF_F;
    c->pstate_il = false;
    cpu_set_pstate_el(c, el, 1);
    tlb_flush_all(c);
}

void cpu_set_pc(arm_cpu *c, uint64_t pc) {
    c->pc = pc;
}
void cpu_set_xreg(arm_cpu *c, unsigned n, uint64_t v) {
    if (n < 31)
        c->x[n] = v;
    else if (n == 31)
        c->sp = v; /* 31 names SP here: the board sets up stacks */
}
uint64_t cpu_get_xreg(const arm_cpu *c, unsigned n) {
    return n < 31 ? c->x[n] : n == 31 ? c->sp : 0;
}
uint64_t cpu_get_pc(const arm_cpu *c) {
    return c->pc;
}
void cpu_set_vreg(arm_cpu *c, unsigned n, uint64_t lo, uint64_t hi) {
    if (n < 32) c->v[n] = ((__uint128_t)hi << 64) | lo;
}
void cpu_get_vreg(const arm_cpu *c, unsigned n, uint64_t *lo, uint64_t *hi) {
    __uint128_t v = n < 32 ? c->v[n] : 0;
    *lo = (uint64_t)v;
    *hi = (uint64_t)(v >> 64);
}
unsigned cpu_get_el(const arm_cpu *c) {
    return c->el;
}
void cpu_get_mem_stats(const arm_cpu *c, cpu_mem_stats *out) {
    *out = (cpu_mem_stats){c->tlb_fills, c->mem_slow, c->jit_slow};
}

bool cpu_write_sysreg(arm_cpu *c, const char *name, uint64_t v) {
    const sysreg_def *r = sysreg_find_name(name);
    if (!r) return false;
    sysreg_write(c, r, v);
    return true;
}
bool cpu_read_sysreg(arm_cpu *c, const char *name, uint64_t *v) {
    const sysreg_def *r = sysreg_find_name(name);
    if (!r) return false;
    *v = sysreg_read(c, r);
    return true;
}

void cpu_power_off(arm_cpu *c) {
    c->halted = HALT_OFF;
    c->exit_request |= EXIT_STOP;
}
void cpu_power_on(arm_cpu *c) {
    if (c->halted == HALT_OFF) c->halted = HALT_NONE;
}

static void wake_for_interrupt(arm_cpu *c) {
    if (c->halted == HALT_WFI || c->halted == HALT_WFE || c->halted == HALT_POLL)
        c->halted = HALT_NONE;
    c->exit_request |= EXIT_CHECK;
}
void cpu_set_irq(arm_cpu *c, bool level) {
    c->irq_line = level;
    if (level) wake_for_interrupt(c);
}
void cpu_set_fiq(arm_cpu *c, bool level) {
    c->fiq_line = level;
    if (level) wake_for_interrupt(c);
}
void cpu_set_serror(arm_cpu *c, bool level) {
    c->serror_line = level;
    if (level) wake_for_interrupt(c);
}

void cpu_cluster_invalidate_code(cpu_cluster *cl, uint64_t pa, uint64_t len) {
    if (!len) return;
    for (uint64_t page = pa & PAGE_MASK; page < pa + len && page >= (pa & PAGE_MASK);
         page += PAGE_SIZE)
        code_page_invalidate(cl, page);
}
