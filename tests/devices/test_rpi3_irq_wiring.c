/* The rpi3 board's interrupt path, end to end without running guest code: the real machine is
 * built from the built-in board, device registers are poked through its bus, and the level of
 * each core's IRQ/FIQ pin (the lines that call cpu_set_irq/cpu_set_fiq) is observed.
 *   mini UART (GPU 29) / PL011 (GPU 57) / system timer (GPU 0-3) -> armctrl -> local_intc GPU
 *   input -> the routed core; each core's generic timers -> local_intc -> that core. */
#include "check.h"
#include "boards/machine_test.h"

enum {
    AUX_MU_IER = 0x3f215044,
    PL011_DR = 0x3f201000,
    PL011_IMSC = 0x3f201038,
    PL011_ICR = 0x3f201044,
    ST_CS = 0x3f003000,
    ST_CLO = 0x3f003004,
    ST_C1 = 0x3f003010,
    IC_BASIC = 0x3f00b200,
    IC_ENABLE1 = 0x3f00b210,
    IC_ENABLE2 = 0x3f00b214,
    IC_FIQ = 0x3f00b20c,
    IC_DISABLE1 = 0x3f00b21c,
    LINT_GPU_ROUTING = 0x4000000c,
    LINT_TIMER_CTL0 = 0x40000040,
    LINT_MBOX_CTL0 = 0x40000050,
    LINT_IRQ_SRC0 = 0x40000060,
    LINT_MBOX_SET0 = 0x40000080,
    LINT_MBOX_CLR0 = 0x400000c0,
};

static machine *m;

static uint64_t rd32(uint64_t addr) {
    uint64_t v = 0;
    CHECK_EQ_U64(bus_read(machine_bus(m), addr, 4, &v), BUS_OK);
    return v;
}
static void wr32(uint64_t addr, uint64_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(m), addr, 4, v), BUS_OK);
}
static void wr8(uint64_t addr, uint64_t v) {
    CHECK_EQ_U64(bus_write(machine_bus(m), addr, 1, v), BUS_OK);
}

/* Cores whose IRQ (or FIQ) pin is high. */
static unsigned pins(bool fiq) {
    unsigned mask = 0;
    for (unsigned c = 0; c < 4; c++)
        if (machine_cpu_pin_level(m, c, fiq)) mask |= 1u << c;
    return mask;
}

static void test_uarts_reach_core0(void) {
    CHECK_EQ_U64(pins(false) | pins(true), 0);
    /* Mini UART: IER.THRI makes the TX-empty level (the 8250 THRE test). */
    wr8(AUX_MU_IER, 0x02);
    CHECK_EQ_U64(pins(false), 0); /* masked at armctrl */
    wr32(IC_ENABLE1, 1u << 29);
    CHECK_EQ_U64(rd32(IC_BASIC), 1u << 8);
    CHECK_EQ_U64(rd32(LINT_IRQ_SRC0), 1u << 8); /* local hwirq 8: the chained armctrl */
    CHECK_EQ_U64(pins(false), 1u << 0);         /* reset routing: core 0 */
    /* Routing the GPU interrupt elsewhere moves the pin. */
    wr32(LINT_GPU_ROUTING, 2);
    CHECK_EQ_U64(pins(false), 1u << 2);
    wr32(LINT_GPU_ROUTING, 0);
    wr8(AUX_MU_IER, 0);
    CHECK_EQ_U64(pins(false), 0);
    wr32(IC_DISABLE1, 1u << 29);
    /* PL011: a transmitted byte raises RIS.TX; IMSC.TX exposes it; ICR clears it. */
    wr32(PL011_DR, 'x');
    wr32(PL011_IMSC, 1u << 5);
    CHECK_EQ_U64(pins(false), 0);
    wr32(IC_ENABLE2, 1u << 25); /* GPU 57 = bank 2 bit 25 */
    CHECK_EQ_U64(rd32(IC_BASIC), (1u << 9) | (1u << 19));
    CHECK_EQ_U64(pins(false), 1u << 0);
    wr32(PL011_ICR, 1u << 5);
    CHECK_EQ_U64(pins(false), 0);
    /* The armctrl FIQ selection reaches core 0's FIQ pin. */
    wr32(PL011_DR, 'y');
    wr32(IC_FIQ, 0x80 | 57);
    CHECK_EQ_U64(pins(true), 1u << 0);
    wr32(IC_FIQ, 0);
    wr32(PL011_ICR, 1u << 5);
    CHECK_EQ_U64(pins(true) | pins(false), 0);
}

static void test_systimer_reaches_core0(void) {
    vclock *clk = machine_clock(m);
    wr32(IC_ENABLE1, 1u << 1);
    uint64_t clo = rd32(ST_CLO);
    wr32(ST_C1, clo + 50);
    vclock_advance(clk, (clo + 49) * 1000);
    CHECK_EQ_U64(pins(false), 0);
    vclock_advance(clk, (clo + 50) * 1000);
    CHECK_EQ_U64(rd32(ST_CS), 1u << 1);
    CHECK_EQ_U64(pins(false), 1u << 0);
    wr32(ST_CS, 1u << 1);
    CHECK_EQ_U64(pins(false), 0);
}

static void test_cpu_timers_and_ipis(void) {
    /* What the CPU's generic timer does when CNTV fires on core 1. */
    machine_test_timer_irq(m, 1, CPU_TIMER_VIRT, true);
    CHECK_EQ_U64(pins(false), 0); /* not enabled in the local controller */
    wr32(LINT_TIMER_CTL0 + 4, 1u << 3);
    CHECK_EQ_U64(rd32(LINT_IRQ_SRC0 + 4), 1u << 3);
    CHECK_EQ_U64(pins(false), 1u << 1);
    machine_test_timer_irq(m, 1, CPU_TIMER_VIRT, false);
    CHECK_EQ_U64(pins(false), 0);
    /* Each timer of each core lands on its own source bit. */
    for (unsigned core = 0; core < 4; core++) {
        wr32(LINT_TIMER_CTL0 + 4 * core, 0xF);
        for (unsigned t = 0; t < CPU_TIMER_COUNT; t++) {
            machine_test_timer_irq(m, core, t, true);
            CHECK_EQ_U64(rd32(LINT_IRQ_SRC0 + 4 * core), 1u << t);
            CHECK_EQ_U64(pins(false), 1u << core);
            machine_test_timer_irq(m, core, t, false);
        }
        wr32(LINT_TIMER_CTL0 + 4 * core, 0);
    }
    /* An IPI from core 0 to core 3 through mailbox 0. */
    wr32(LINT_MBOX_CTL0 + 12, 1);
    wr32(LINT_MBOX_SET0 + 16 * 3, 1u << 1);
    CHECK_EQ_U64(pins(false), 1u << 3);
    wr32(LINT_MBOX_CLR0 + 16 * 3, 1u << 1);
    CHECK_EQ_U64(pins(false), 0);
}

int main(void) {
    machine_options opts = {.board = "rpi3"};
    char err[300] = "";
    m = machine_create(&opts, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "machine_create: %s\n", err);
        return check_report("devices_rpi3_irq_wiring");
    }
    test_uarts_reach_core0();
    test_systimer_reaches_core0();
    test_cpu_timers_and_ipis();
    machine_free(m);
    return check_report("devices_rpi3_irq_wiring");
}
