/* IRQ lines: handlers run only on level changes; pulses; OR gates. */
#include "check.h"
#include "soc/irq.h"

static int changes;
static int last_n;
static bool last_level;
static void on_change(void *opaque, int n, bool level) {
    (*(int *)opaque)++;
    changes++;
    last_n = n;
    last_level = level;
}

static void test_line(void) {
    int count = 0;
    irq_line l;
    irq_line_init(&l, "uart", on_change, &count, 57);
    irq_set(&l, false); /* no change */
    CHECK_EQ_U64(count, 0);
    irq_set(&l, true);
    CHECK_EQ_U64(count, 1);
    CHECK_EQ_U64(last_n, 57);
    CHECK(last_level);
    CHECK(irq_level(&l));
    irq_set(&l, true); /* no change */
    CHECK_EQ_U64(count, 1);
    irq_set(&l, false);
    CHECK_EQ_U64(count, 2);
    CHECK(!last_level);
    irq_pulse(&l);
    CHECK_EQ_U64(count, 4);
    CHECK(!irq_level(&l));
    irq_set(NULL, true); /* unwired output: harmless */
    irq_pulse(NULL);
    CHECK(!irq_level(NULL));
}

static void test_or_gate(void) {
    int count = 0;
    irq_line out;
    irq_line_init(&out, "cpu-irq", on_change, &count, 0);
    irq_or gate;
    irq_or_init(&gate, "shared", 3, &out);
    irq_set(&gate.in[0], true);
    CHECK(irq_level(&out));
    CHECK_EQ_U64(count, 1);
    irq_set(&gate.in[2], true); /* already high: output unchanged */
    CHECK_EQ_U64(count, 1);
    irq_set(&gate.in[0], false);
    CHECK(irq_level(&out)); /* input 2 still high */
    CHECK_EQ_U64(count, 1);
    irq_set(&gate.in[2], false);
    CHECK(!irq_level(&out));
    CHECK_EQ_U64(count, 2);
    CHECK_EQ_U64(gate.mask, 0);
}

int main(void) {
    test_line();
    test_or_gate();
    return check_report("unit_irq");
}
