/* The CPU package's public interface: the ports it needs from the machine (implemented by soc/)
 * and the calls the scheduler and the board code make. cpu/ includes nothing above itself.
 *
 * Time: the CPU counts retired instructions. Its notion of "now" is ports->now_ns() (the virtual
 * time at the start of the current cpu_run slice) plus the instructions retired in that slice times
 * ns_per_insn. The generic timer (CNTPCT = now * 19.2 MHz) and its compare logic derive from that.
 */
#ifndef CPU_CPU_H
#define CPU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct arm_cpu arm_cpu;
typedef struct cpu_cluster cpu_cluster;

/* Generic timer outputs, one line each per core. */
enum {
    CPU_TIMER_PHYS_S = 0,
    CPU_TIMER_PHYS_NS = 1,
    CPU_TIMER_HYP = 2,
    CPU_TIMER_VIRT = 3,
    CPU_TIMER_COUNT = 4
};

typedef struct cpu_ports {
    void *opaque;
    /* Host pointer to RAM at physical address pa, with the contiguous bytes available; NULL if pa
     * is not RAM (then the CPU uses mmio_read/mmio_write). ROM: pointer only when !for_write. */
    uint8_t *(*ram_ptr)(void *opaque, uint64_t pa, bool for_write, uint64_t *avail);
    /* Device accesses; return false for an external abort (bus error). */
    bool (*mmio_read)(void *opaque, uint64_t pa, unsigned size, uint64_t *value);
    bool (*mmio_write)(void *opaque, uint64_t pa, unsigned size, uint64_t value);
    /* Virtual time at the start of the current slice, in ns. */
    uint64_t (*now_ns)(void *opaque);
    /* A generic timer output changed level (timer = CPU_TIMER_*). */
    void (*timer_irq)(void *opaque, unsigned cpu_index, unsigned timer, bool level);
    /* Trace/log sink (may be NULL): one line, no newline needed. */
    void (*log)(void *opaque, const char *line);
} cpu_ports;

typedef struct cpu_config {
    const char *model;    /* "cortex-a53" */
    unsigned n_cores;     /* 1..8 */
    uint32_t ns_per_insn; /* virtual ns per retired instruction (1 = 1 GHz) */
    unsigned trace_mask;  /* TRACE_* bits as in soc/log.h: insn=1 exec=2 int=4 mmu=8 unimp=16 */
} cpu_config;

/* NULL on failure with a one-line reason in err (unknown model, bad core count). */
cpu_cluster *cpu_cluster_new(const cpu_config *cfg, const cpu_ports *ports, char *err,
                             size_t errlen);
void cpu_cluster_free(cpu_cluster *c);
unsigned cpu_cluster_size(const cpu_cluster *c);
arm_cpu *cpu_cluster_core(cpu_cluster *c, unsigned index);
/* Names the models cpu_cluster_new accepts, NULL-terminated. */
const char *const *cpu_model_names(void);

/* Reset state (as the hardware does), then the boot state the board's firmware leaves. */
void cpu_reset(arm_cpu *cpu);
void cpu_set_pc(arm_cpu *cpu, uint64_t pc);
void cpu_set_xreg(arm_cpu *cpu, unsigned n, uint64_t value);
uint64_t cpu_get_xreg(const arm_cpu *cpu, unsigned n);
uint64_t cpu_get_pc(const arm_cpu *cpu);
/* SIMD&FP register Vn as two 64-bit halves (tests, debuggers). */
void cpu_set_vreg(arm_cpu *cpu, unsigned n, uint64_t lo, uint64_t hi);
void cpu_get_vreg(const arm_cpu *cpu, unsigned n, uint64_t *lo, uint64_t *hi);
/* Current exception level (0..3). */
unsigned cpu_get_el(const arm_cpu *cpu);
/* Counters of the core's data-memory path since it was created (also in SOCEMU_STATS): TLB
 * refills (page walks), accesses that took the slow path (a miss, MMIO, misaligned or
 * page-crossing, a code page...), and compiled ops that left their inline probe for their
 * handler. Tests bound them to catch accesses that should be fast and are not. */
typedef struct cpu_mem_stats {
    uint64_t tlb_fills, slow_accesses, jit_slow_paths;
} cpu_mem_stats;
void cpu_get_mem_stats(const arm_cpu *cpu, cpu_mem_stats *out);
/* Enters AArch64 at el (1..3) with SPx selected, DAIF masked, MMU off. */
void cpu_set_el(arm_cpu *cpu, unsigned el);
/* Writes a system register by its name ("CNTFRQ_EL0"); false if unknown. For firmware set-up. */
bool cpu_write_sysreg(arm_cpu *cpu, const char *name, uint64_t value);
bool cpu_read_sysreg(arm_cpu *cpu, const char *name, uint64_t *value);
/* A core that is powered down does not run until cpu_power_on. */
void cpu_power_off(arm_cpu *cpu);
void cpu_power_on(arm_cpu *cpu);

/* Input pins, level-sensitive. */
void cpu_set_irq(arm_cpu *cpu, bool level);
void cpu_set_fiq(arm_cpu *cpu, bool level);
void cpu_set_serror(arm_cpu *cpu, bool level);

/* Runs up to budget instructions; returns how many retired. Returns early when the core goes idle
 * (WFI/WFE with nothing to wake it) or when cpu_request_exit was called. */
uint64_t cpu_run(arm_cpu *cpu, uint64_t budget);
void cpu_request_exit(arm_cpu *cpu); /* safe to call from device callbacks during cpu_run */
/* Idle: waiting in WFI/WFE (or powered off). Wakes on interrupts, events, timer expiry. */
bool cpu_is_idle(const arm_cpu *cpu);
/* What the core is doing, for reports: "running", "wfi", "wfe", "off", "polling" (parked while
 * busy-waiting on the counter). */
const char *cpu_state_name(const arm_cpu *cpu);
/* Earliest virtual time (ns) at which one of this core's timers fires, or UINT64_MAX. */
uint64_t cpu_next_timer_deadline(const arm_cpu *cpu);
/* Re-evaluates timer outputs at the given time (called by the scheduler after time jumps). */
void cpu_timer_update(arm_cpu *cpu, uint64_t now_ns);

/* Code in [pa, pa+len) was written by someone other than this CPU's stores (DMA, loader). */
void cpu_cluster_invalidate_code(cpu_cluster *c, uint64_t pa, uint64_t len);

/* ---- Debugger support (the gdb stub, through boards/machine.h) ---- */
/* Breakpoints by virtual PC, for every core. A core stops *before* a breakpointed instruction:
 * cpu_run returns and the stop handler is told which core. Free at run time (blocks are decoded
 * to end before the address). Set returns false when the table is full. */
bool cpu_set_breakpoint(cpu_cluster *c, uint64_t va);
bool cpu_clear_breakpoint(cpu_cluster *c, uint64_t va);
bool cpu_has_breakpoint(const cpu_cluster *c, uint64_t va);
void cpu_set_debug_stop_handler(cpu_cluster *c, void (*fn)(void *opaque, unsigned core),
                                void *opaque);
/* Executes exactly one instruction, ignoring breakpoints and not taking interrupts. False if the
 * core is idle (WFI/WFE, powered off) and nothing ran. */
bool cpu_debug_step(arm_cpu *cpu);
/* Memory at virtual address va through the core's current EL and MMU state, without faulting the
 * guest or filling its TLB; RAM (and ROM for reads) only, devices are never accessed. Writes drop
 * decoded code. False if any byte is unmapped or not memory. */
bool cpu_debug_translate(arm_cpu *cpu, uint64_t va, uint64_t *pa);
bool cpu_debug_read_virt(arm_cpu *cpu, uint64_t va, void *buf, size_t len);
bool cpu_debug_write_virt(arm_cpu *cpu, uint64_t va, const void *buf, size_t len);
/* The selected stack pointer; PSTATE in SPSR layout (setting changes only NZCV and DAIF). */
uint64_t cpu_get_sp(const arm_cpu *cpu);
void cpu_set_sp(arm_cpu *cpu, uint64_t value);
uint32_t cpu_get_pstate(const arm_cpu *cpu);
void cpu_set_pstate_flags(arm_cpu *cpu, uint32_t pstate);
void cpu_get_fp_status(const arm_cpu *cpu, uint32_t *fpsr, uint32_t *fpcr);
void cpu_set_fp_status(arm_cpu *cpu, uint32_t fpsr, uint32_t fpcr);

#endif
