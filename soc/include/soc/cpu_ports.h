/* The machine side of the CPU's ports (cpu/cpu.h): memory through the bus, time from the scheduler,
 * generic timer outputs onto IRQ lines the board wires.
 *
 * Use: soc_cpu_ports_init(&p, &bus, &clock); cpu_cluster_new(&cfg, &p.ports, ...); then wire each
 * core's timer outputs with soc_cpu_ports_wire_timer (e.g. to BCM2836 local controller inputs or
 * GIC PPIs). The scheduler keeps p.slice_start_ns up to date. */
#ifndef SOC_CPU_PORTS_H
#define SOC_CPU_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "soc/bus.h"
#include "soc/clock.h"
#include "soc/irq.h"

#define SOC_MAX_CORES 8

typedef struct soc_cpu_ports {
    cpu_ports ports; /* pass &ports to cpu_cluster_new; opaque points back at this struct */
    bus *bus;
    vclock *clock;
    uint64_t slice_start_ns; /* what ports.now_ns returns; written by the scheduler */
    irq_line *timer_lines[SOC_MAX_CORES][CPU_TIMER_COUNT]; /* NULL = not wired */
    uint64_t aborts;                                       /* MMIO accesses reported as aborts */
} soc_cpu_ports;

/* Fills p->ports; the struct must not move afterwards (ports.opaque points at it). */
void soc_cpu_ports_init(soc_cpu_ports *p, bus *b, vclock *clock);
/* Routes core `core`'s timer output `timer` (CPU_TIMER_*) to line. Returns false if out of range.
 */
bool soc_cpu_ports_wire_timer(soc_cpu_ports *p, unsigned core, unsigned timer, irq_line *line);

#endif
