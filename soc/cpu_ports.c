/* cpu_ports over the bus and the virtual clock. MMIO failures become aborts only when the bus
 * policy says so; otherwise the bus has already logged them and the access reads zero. */
#include <stdio.h>
#include <string.h>

#include "soc/cpu_ports.h"
#include "soc/log.h"

static uint8_t *ports_ram_ptr(void *opaque, uint64_t pa, bool for_write, uint64_t *avail) {
    soc_cpu_ports *p = opaque;
    return bus_ram_ptr(p->bus, pa, for_write, avail);
}

static bool ports_mmio_read(void *opaque, uint64_t pa, unsigned size, uint64_t *value) {
    soc_cpu_ports *p = opaque;
    bus_status s = bus_read(p->bus, pa, size, value);
    if (!bus_should_abort(p->bus, s)) return true;
    p->aborts++;
    return false;
}

static bool ports_mmio_write(void *opaque, uint64_t pa, unsigned size, uint64_t value) {
    soc_cpu_ports *p = opaque;
    bus_status s = bus_write(p->bus, pa, size, value);
    if (!bus_should_abort(p->bus, s)) return true;
    p->aborts++;
    return false;
}

static uint64_t ports_now_ns(void *opaque) {
    const soc_cpu_ports *p = opaque;
    return p->slice_start_ns;
}

static void ports_timer_irq(void *opaque, unsigned cpu_index, unsigned timer, bool level) {
    soc_cpu_ports *p = opaque;
    if (cpu_index >= SOC_MAX_CORES || timer >= CPU_TIMER_COUNT) return;
    irq_set(p->timer_lines[cpu_index][timer], level);
}

static void ports_log(void *opaque, const char *line) {
    /* The CPU filtered by its trace mask already, so this bypasses the level threshold. */
    FILE *f = soc_log_file();
    fputs(line, f);
    size_t n = strlen(line);
    if (n == 0 || line[n - 1] != '\n') fputc('\n', f);
}

void soc_cpu_ports_init(soc_cpu_ports *p, bus *b, vclock *clock) {
    memset(p, 0, sizeof *p);
    p->bus = b;
    p->clock = clock;
    p->slice_start_ns = clock ? vclock_now(clock) : 0;
    p->ports = (cpu_ports){
        .opaque = p,
        .ram_ptr = ports_ram_ptr,
        .mmio_read = ports_mmio_read,
        .mmio_write = ports_mmio_write,
        .now_ns = ports_now_ns,
        .timer_irq = ports_timer_irq,
        .log = ports_log,
    };
}

bool soc_cpu_ports_wire_timer(soc_cpu_ports *p, unsigned core, unsigned timer, irq_line *line) {
    if (core >= SOC_MAX_CORES || timer >= CPU_TIMER_COUNT) return false;
    p->timer_lines[core][timer] = line;
    return true;
}
