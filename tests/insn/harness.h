/* A tiny machine for CPU tests: RAM at 0 (4 MiB), a device window at 0x80000000 that records
 * writes and answers reads, a virtual clock the test advances, timer outputs recorded per core
 * (the virtual timer optionally wired to the core's IRQ pin). */
#ifndef TESTS_INSN_HARNESS_H
#define TESTS_INSN_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

enum { TH_RAM_SIZE = 4 << 20, TH_CODE = 0x10000, TH_VBAR = 0x8000, TH_DATA = 0x100000 };
#define TH_MMIO_BASE 0x80000000ull

typedef struct th {
    cpu_cluster *cl;
    uint8_t *ram;
    uint64_t now_ns;
    bool timer_level[8][CPU_TIMER_COUNT];
    bool wire_virt_timer;
    uint64_t mmio_last_addr, mmio_last_value;
    unsigned mmio_writes, mmio_reads;
    unsigned log_lines;
} th;

static inline uint8_t *th_ram_ptr(void *o, uint64_t pa, bool for_write, uint64_t *avail) {
    th *t = o;
    (void)for_write;
    if (pa >= TH_RAM_SIZE) return NULL;
    *avail = TH_RAM_SIZE - pa;
    return t->ram + pa;
}
static inline bool th_mmio_read(void *o, uint64_t pa, unsigned size, uint64_t *v) {
    th *t = o;
    if (pa < TH_MMIO_BASE || pa >= TH_MMIO_BASE + 0x1000) return false;
    t->mmio_reads++;
    *v = 0x1122334455667788ull & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
    return true;
}
static inline bool th_mmio_write(void *o, uint64_t pa, unsigned size, uint64_t v) {
    th *t = o;
    (void)size;
    if (pa < TH_MMIO_BASE || pa >= TH_MMIO_BASE + 0x1000) return false;
    t->mmio_writes++;
    t->mmio_last_addr = pa;
    t->mmio_last_value = v;
    return true;
}
static inline uint64_t th_now(void *o) {
    return ((th *)o)->now_ns;
}
static inline void th_timer_irq(void *o, unsigned cpu, unsigned timer, bool level) {
    th *t = o;
    t->timer_level[cpu][timer] = level;
    if (t->wire_virt_timer && timer == CPU_TIMER_VIRT)
        cpu_set_irq(cpu_cluster_core(t->cl, cpu), level);
}
static inline void th_log(void *o, const char *line) {
    th *t = o;
    t->log_lines++;
    if (getenv("TH_VERBOSE")) fprintf(stderr, "%s\n", line);
}

static inline th *th_new_traced(unsigned cores, unsigned trace_mask) {
    th *t = calloc(1, sizeof *t);
    t->ram = calloc(1, TH_RAM_SIZE);
    cpu_ports ports = {t, th_ram_ptr, th_mmio_read, th_mmio_write, th_now, th_timer_irq, th_log};
    cpu_config cfg = {"cortex-a53", cores, 1, trace_mask};
    char err[128];
    t->cl = cpu_cluster_new(&cfg, &ports, err, sizeof err);
    if (!t->cl) {
        fprintf(stderr, "cpu_cluster_new: %s\n", err);
        exit(2);
    }
    for (unsigned i = 0; i < cores; i++) {
        arm_cpu *c = cpu_cluster_core(t->cl, i);
        cpu_set_el(c, 1);
        cpu_write_sysreg(c, "VBAR_EL1", TH_VBAR);
        cpu_write_sysreg(c, "CPACR_EL1", 3u << 20);
        cpu_set_xreg(c, 31, 0x200000 - 0x1000 * i); /* SP */
        cpu_set_pc(c, TH_CODE);
    }
    return t;
}
static inline th *th_new(unsigned cores) {
    return th_new_traced(cores, getenv("TH_TRACE") ? (unsigned)atoi(getenv("TH_TRACE")) : 0);
}
static inline void th_free(th *t) {
    cpu_cluster_free(t->cl);
    free(t->ram);
    free(t);
}
static inline arm_cpu *th_cpu(th *t, unsigned i) {
    return cpu_cluster_core(t->cl, i);
}
static inline void th_put32(th *t, uint64_t addr, uint32_t w) {
    memcpy(t->ram + addr, &w, 4);
}
static inline void th_put64(th *t, uint64_t addr, uint64_t v) {
    memcpy(t->ram + addr, &v, 8);
}
static inline uint64_t th_get64(th *t, uint64_t addr) {
    uint64_t v;
    memcpy(&v, t->ram + addr, 8);
    return v;
}
/* Writes n words at addr followed by "b ." so the program ends in a tight loop. */
static inline void th_code(th *t, uint64_t addr, const uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        th_put32(t, addr + 4 * i, w[i]);
    th_put32(t, addr + 4 * n, 0x14000000); /* b . */
    cpu_cluster_invalidate_code(t->cl, addr, 4 * n + 4);
}
/* Fills every vector slot of the table at base with "b ." */
static inline void th_vectors(th *t, uint64_t base) {
    for (unsigned k = 0; k < 16; k++)
        th_put32(t, base + 0x80 * k, 0x14000000);
}
static inline uint64_t th_run(th *t, unsigned core, uint64_t budget) {
    return cpu_run(th_cpu(t, core), budget);
}

#endif
