/* The BCM2836 local interrupt controller as Linux's irq-bcm2836.c uses it (notes section 1.3):
 * per-core timer enables, mailbox IPIs, GPU and PMU routing, the computed source registers, the
 * local timer, and the IRQ/FIQ output levels of each core. */
#include "check.h"
#include "device_fixture.h"

enum {
    CONTROL = 0x00,
    PRESCALER = 0x08,
    GPU_ROUTING = 0x0C,
    PMU_SET = 0x10,
    PMU_CLR = 0x14,
    LOCAL_ROUTING = 0x24,
    LTIMER_CTRL = 0x34,
    LTIMER_FLAGS = 0x38,
    TIMER_CTL0 = 0x40,
    MBOX_CTL0 = 0x50,
    IRQ_SRC0 = 0x60,
    FIQ_SRC0 = 0x70,
    MBOX_SET0 = 0x80,
    MBOX_CLR0 = 0xC0,
};
enum { IN_GPU_IRQ = 16, IN_GPU_FIQ = 17, IN_PMU0 = 18, N_INPUTS = 22 };
enum { CNTPNS = 1, CNTV = 3 };
#define BASE 0x40000000u

typedef struct lint_fixture {
    fixture *f;
    irq_line irq[4], fiq[4]; /* the CPU pins */
} lint_fixture;

static void setup(lint_fixture *lf, const char *cores) {
    const char *props[] = {"cores", cores, NULL};
    fixture *f = fixture_new("bcm2836-local-intc", BASE, props);
    const dev_type *t = f->ctx.type;
    CHECK_EQ_U64(t->n_irq_inputs, N_INPUTS);
    for (unsigned n = 0; n < t->n_irq_inputs; n++)
        irq_line_init(&f->ctx.irq_in[n], "in", t->irq_input, f->state, (int)n);
    for (unsigned c = 0; c < 4; c++) {
        irq_line_init(&lf->irq[c], "irq", NULL, NULL, 0);
        irq_line_init(&lf->fiq[c], "fiq", NULL, NULL, 0);
        char name[8];
        snprintf(name, sizeof name, "irq%u", c);
        f->ctx.irq_out[dev_irq_output_index(t, name)] = &lf->irq[c];
        snprintf(name, sizeof name, "fiq%u", c);
        f->ctx.irq_out[dev_irq_output_index(t, name)] = &lf->fiq[c];
    }
    t->reset(f->state);
    lf->f = f;
}

static void drive(lint_fixture *lf, unsigned input, bool level) {
    irq_set(&lf->f->ctx.irq_in[input], level);
}

/* Bit mask of cores whose IRQ (or FIQ) pin is high. */
static unsigned pins(const lint_fixture *lf, bool fiq) {
    unsigned m = 0;
    for (unsigned c = 0; c < 4; c++)
        if (irq_level(fiq ? &lf->fiq[c] : &lf->irq[c])) m |= 1u << c;
    return m;
}

static void test_reset_and_storage(void) {
    lint_fixture lf;
    setup(&lf, "4");
    fixture *f = lf.f;
    for (unsigned off = 0; off < 0x100; off += 4)
        CHECK_EQ_U64(rd32(f, off), 0); /* everything 0 at reset: SoC IRQs to core 0 */
    wr32(f, CONTROL, 0);               /* what Linux and armstub8 write */
    wr32(f, PRESCALER, 0x80000000);
    CHECK_EQ_U64(rd32(f, PRESCALER), 0x80000000);
    wr32(f, 0x04, 1); /* a hole: warned, ignored */
    CHECK_EQ_U64(rd32(f, 0x04), 0);
    wr32(f, IRQ_SRC0, 0xFFF); /* read-only */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0), 0);
    CHECK_EQ_U64(pins(&lf, false) | pins(&lf, true), 0);
    fixture_free(f);
}

static void test_generic_timer_routing(void) {
    lint_fixture lf;
    setup(&lf, "4");
    fixture *f = lf.f;
    drive(&lf, 4 * 2 + CNTV, true);         /* core 2's virtual timer fires */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 8), 0); /* not enabled: invisible */
    CHECK_EQ_U64(pins(&lf, false), 0);
    wr32(f, TIMER_CTL0 + 8, 1u << CNTV); /* Linux unmasks local hwirq 3 */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 8), 1u << CNTV);
    CHECK_EQ_U64(pins(&lf, false), 1u << 2); /* core 2 only */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0), 0);
    /* Another core's enable does not see core 2's line. */
    wr32(f, TIMER_CTL0, 1u << CNTV);
    CHECK_EQ_U64(pins(&lf, false), 1u << 2);
    /* The FIQ enable overrides the IRQ enable. */
    wr32(f, TIMER_CTL0 + 8, (1u << CNTV) | (0x10u << CNTV));
    CHECK_EQ_U64(pins(&lf, false), 0);
    CHECK_EQ_U64(pins(&lf, true), 1u << 2);
    CHECK_EQ_U64(rd32(f, FIQ_SRC0 + 8), 1u << CNTV);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 8), 0);
    /* A level: the line falling drops the pin. */
    drive(&lf, 4 * 2 + CNTV, false);
    CHECK_EQ_U64(pins(&lf, true), 0);
    /* Several sources show together; Linux takes the lowest. */
    wr32(f, TIMER_CTL0 + 4, 0x0F);
    drive(&lf, 4 * 1 + CNTPNS, true);
    drive(&lf, 4 * 1 + CNTV, true);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), (1u << CNTPNS) | (1u << CNTV));
    wr32(f, TIMER_CTL0 + 4, 1u << CNTV); /* RMW mask of CNTPNS */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 1u << CNTV);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    wr32(f, TIMER_CTL0 + 4, 0);
    CHECK_EQ_U64(pins(&lf, false), 0);
    fixture_free(f);
}

static void test_mailboxes(void) {
    lint_fixture lf;
    setup(&lf, "4");
    fixture *f = lf.f;
    /* IPI to core 1: mailbox 0 of core 1, write-1-to-set. */
    wr32(f, MBOX_SET0 + 16 * 1, 1u << 2);
    wr32(f, MBOX_SET0 + 16 * 1, 1u << 5);
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 1), (1u << 2) | (1u << 5));
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 0); /* mailbox IRQ not enabled yet */
    CHECK_EQ_U64(pins(&lf, false), 0);
    wr32(f, MBOX_CTL0 + 4, 1); /* CPU bring-up enables mailbox 0 */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 1u << 4);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    /* Ack one IPI: write-1-to-clear leaves the other, the line stays high. */
    wr32(f, MBOX_CLR0 + 16 * 1, 1u << 2);
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 1), 1u << 5);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    wr32(f, MBOX_CLR0 + 16 * 1, 1u << 5);
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 1), 0);
    CHECK_EQ_U64(pins(&lf, false), 0);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 0);
    /* Mailbox 3 of core 3 (32-bit secondary release), routed to FIQ. */
    wr32(f, MBOX_SET0 + 16 * 3 + 12, 0x8000);
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 3 + 12), 0x8000);
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 3), 0); /* other mailboxes untouched */
    CHECK_EQ_U64(rd32(f, MBOX_CLR0 + 16 * 2 + 12), 0);
    wr32(f, MBOX_CTL0 + 12, 0x88);
    CHECK_EQ_U64(rd32(f, FIQ_SRC0 + 12), 1u << 7);
    CHECK_EQ_U64(pins(&lf, true), 1u << 3);
    CHECK_EQ_U64(pins(&lf, false), 0);
    wr32(f, MBOX_CLR0 + 16 * 3 + 12, 0xFFFFFFFF);
    CHECK_EQ_U64(pins(&lf, true), 0);
    fixture_free(f);
}

static void test_gpu_and_pmu_routing(void) {
    lint_fixture lf;
    setup(&lf, "4");
    fixture *f = lf.f;
    drive(&lf, IN_GPU_IRQ, true); /* armctrl has something pending */
    CHECK_EQ_U64(rd32(f, IRQ_SRC0), 1u << 8);
    CHECK_EQ_U64(pins(&lf, false), 1u << 0); /* reset routing: core 0 */
    wr32(f, GPU_ROUTING, 2);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0), 0);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 8), 1u << 8);
    CHECK_EQ_U64(pins(&lf, false), 1u << 2);
    drive(&lf, IN_GPU_IRQ, false);
    CHECK_EQ_U64(pins(&lf, false), 0);
    /* The GPU FIQ goes to the core in bits 3:2. */
    wr32(f, GPU_ROUTING, 3u << 2);
    drive(&lf, IN_GPU_FIQ, true);
    CHECK_EQ_U64(pins(&lf, true), 1u << 3);
    CHECK_EQ_U64(rd32(f, FIQ_SRC0 + 12), 1u << 8);
    drive(&lf, IN_GPU_FIQ, false);
    CHECK_EQ_U64(pins(&lf, true), 0);
    /* PMU of core 1: set/clear routing registers (Linux unmask/mask). */
    drive(&lf, IN_PMU0 + 1, true);
    CHECK_EQ_U64(pins(&lf, false), 0);
    wr32(f, PMU_SET, 1u << 1);
    CHECK_EQ_U64(rd32(f, PMU_SET), 1u << 1);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 1u << 9);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    wr32(f, PMU_SET, 1u << 0); /* set is W1S: core 1's bit stays */
    CHECK_EQ_U64(rd32(f, PMU_CLR), 3);
    wr32(f, PMU_CLR, 1u << 1);
    CHECK_EQ_U64(rd32(f, PMU_SET), 1);
    CHECK_EQ_U64(pins(&lf, false), 0);
    fixture_free(f);
}

static void test_local_timer(void) {
    lint_fixture lf;
    setup(&lf, "4");
    fixture *f = lf.f;
    /* 38400 ticks of 38.4 MHz = 1 ms, IRQ to core 1. */
    wr32(f, LOCAL_ROUTING, 1);
    wr32(f, LTIMER_CTRL, 38400 | (1u << 28) | (1u << 29));
    vclock_advance(&f->clock, 999999);
    CHECK_EQ_U64(rd32(f, LTIMER_CTRL) >> 31, 0);
    CHECK_EQ_U64(pins(&lf, false), 0);
    vclock_advance(&f->clock, 1000000);
    CHECK_EQ_U64(rd32(f, LTIMER_CTRL) >> 31, 1);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 4), 1u << 11);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    wr32(f, LTIMER_FLAGS, 1u << 31); /* clear the flag */
    CHECK_EQ_U64(pins(&lf, false), 0);
    CHECK_EQ_U64(rd32(f, LTIMER_CTRL), 38400 | (1u << 28) | (1u << 29));
    vclock_advance(&f->clock, 2000000); /* periodic: reloads by itself */
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    /* Routed to FIQ of core 0 (value 4). */
    wr32(f, LOCAL_ROUTING, 4);
    CHECK_EQ_U64(pins(&lf, false), 0);
    CHECK_EQ_U64(pins(&lf, true), 1u << 0);
    wr32(f, LTIMER_FLAGS, 1u << 31);
    /* Disabled: no more expiries. */
    wr32(f, LTIMER_CTRL, 38400);
    vclock_advance(&f->clock, 10000000);
    CHECK_EQ_U64(rd32(f, LTIMER_CTRL), 38400);
    CHECK_EQ_U64(pins(&lf, true), 0);
    fixture_free(f);
}

static void test_fewer_cores(void) {
    lint_fixture lf;
    setup(&lf, "2");
    fixture *f = lf.f;
    wr32(f, TIMER_CTL0 + 12, 1u << CNTV);
    drive(&lf, 4 * 3 + CNTV, true);
    CHECK_EQ_U64(rd32(f, IRQ_SRC0 + 12), 1u << CNTV); /* the register still computes */
    CHECK_EQ_U64(pins(&lf, false), 0);                /* but no core 3 pin is driven */
    wr32(f, TIMER_CTL0 + 4, 1u << CNTV);
    drive(&lf, 4 * 1 + CNTV, true);
    CHECK_EQ_U64(pins(&lf, false), 1u << 1);
    fixture_free(f);
}

int main(void) {
    test_reset_and_storage();
    test_generic_timer_routing();
    test_mailboxes();
    test_gpu_and_pmu_routing();
    test_local_timer();
    test_fewer_cores();
    return check_report("devices_bcm2836_local_intc");
}
