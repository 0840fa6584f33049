/* CPU ports over the bus: RAM pointers, MMIO with the abort policy, time, timer IRQ wiring. */
#include "check.h"
#include "capture_log.h"
#include "soc/cpu_ports.h"

static uint32_t reg;
static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size) {
    return reg;
}
static void dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    reg = (uint32_t)value;
}

static int timer_changes;
static void on_timer(void *opaque, int n, bool level) {
    timer_changes++;
}

int main(void) {
    char err[128];
    static const mmio_ops ops = {
        .read = dev_read, .write = dev_write, .valid_min = 4, .valid_max = 4};
    for (int policy = 0; policy < 2; policy++) {
        bus b;
        vclock clock;
        vclock_init(&clock);
        bus_init(&b, policy ? BUS_UNMAPPED_ABORT : BUS_UNMAPPED_RAZ_WI);
        CHECK(bus_add_ram(&b, "ram", 0, 0x1000, NULL, err, sizeof err) == 0);
        CHECK(bus_add_mmio(&b, "dev", 0x10000, 0x10, &ops, NULL, err, sizeof err) == 0);
        soc_cpu_ports p;
        soc_cpu_ports_init(&p, &b, &clock);
        const cpu_ports *cp = &p.ports;
        CHECK(cp->opaque == &p);

        uint64_t avail = 0;
        CHECK(cp->ram_ptr(cp->opaque, 0x10, true, &avail) == bus_ram_ptr(&b, 0x10, true, NULL));
        CHECK_EQ_U64(avail, 0xff0);
        CHECK(cp->ram_ptr(cp->opaque, 0x10000, false, &avail) == NULL);

        uint64_t v = 0;
        CHECK(cp->mmio_write(cp->opaque, 0x10000, 4, 0xcafe));
        CHECK(cp->mmio_read(cp->opaque, 0x10000, 4, &v));
        CHECK_EQ_U64(v, 0xcafe);
        capture_start();
        /* Unmapped and refused sizes: abort only under the abort policy. */
        CHECK(cp->mmio_read(cp->opaque, 0x20000, 4, &v) == (policy == 0));
        CHECK(cp->mmio_write(cp->opaque, 0x10000, 1, 1) == (policy == 0));
        capture_stop();
        CHECK_EQ_U64(p.aborts, policy ? 2 : 0);

        p.slice_start_ns = 12345;
        CHECK_EQ_U64(cp->now_ns(cp->opaque), 12345);

        irq_line line;
        irq_line_init(&line, "cntpnsirq", on_timer, NULL, 1);
        timer_changes = 0;
        CHECK(soc_cpu_ports_wire_timer(&p, 2, CPU_TIMER_PHYS_NS, &line));
        CHECK(!soc_cpu_ports_wire_timer(&p, SOC_MAX_CORES, 0, &line));
        CHECK(!soc_cpu_ports_wire_timer(&p, 0, CPU_TIMER_COUNT, &line));
        cp->timer_irq(cp->opaque, 2, CPU_TIMER_PHYS_NS, true);
        CHECK(irq_level(&line));
        cp->timer_irq(cp->opaque, 2, CPU_TIMER_VIRT, true); /* unwired: ignored */
        cp->timer_irq(cp->opaque, 1, CPU_TIMER_PHYS_NS, true);
        cp->timer_irq(cp->opaque, 99, CPU_TIMER_PHYS_NS, true);
        CHECK_EQ_U64(timer_changes, 1);
        cp->timer_irq(cp->opaque, 2, CPU_TIMER_PHYS_NS, false);
        CHECK(!irq_level(&line));

        capture_start();
        cp->log(cp->opaque, "insn 0x80000: nop");
        CHECK_STR_CONTAINS(capture_text(), "insn 0x80000: nop\n");
        capture_stop();
        bus_destroy(&b);
    }
    return check_report("unit_cpu_ports");
}
