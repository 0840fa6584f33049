/* The BCM2835 ARM interrupt controller as Linux's irq-bcm2835.c uses it (notes section 2.1):
 * enables zero at reset, W1S/W1C enables, every pending view masked by the enables, shortcut bits,
 * basic pending bits 8/9, the FIQ selection, and the two output levels. */
#include "check.h"
#include "device_fixture.h"

enum {
    BASIC_PENDING = 0x00,
    PENDING1 = 0x04,
    PENDING2 = 0x08,
    FIQ_CONTROL = 0x0C,
    ENABLE1 = 0x10,
    ENABLE2 = 0x14,
    ENABLE_BASIC = 0x18,
    DISABLE1 = 0x1C,
    DISABLE2 = 0x20,
    DISABLE_BASIC = 0x24,
};
enum { IN_ARM0 = 64, N_INPUTS = 72 };
#define BASE 0x3f00b200u

typedef struct ic_fixture {
    fixture *f;
    irq_line irq, fiq;
} ic_fixture;

static void setup(ic_fixture *ic) {
    fixture *f = fixture_new("bcm2835-armctrl-ic", BASE, NULL);
    const dev_type *t = f->ctx.type;
    CHECK_EQ_U64(t->n_irq_inputs, N_INPUTS);
    for (unsigned n = 0; n < t->n_irq_inputs; n++)
        irq_line_init(&f->ctx.irq_in[n], "in", t->irq_input, f->state, (int)n);
    irq_line_init(&ic->irq, "irq", NULL, NULL, 0);
    irq_line_init(&ic->fiq, "fiq", NULL, NULL, 0);
    f->ctx.irq_out[dev_irq_output_index(t, "irq")] = &ic->irq;
    f->ctx.irq_out[dev_irq_output_index(t, "fiq")] = &ic->fiq;
    t->reset(f->state);
    ic->f = f;
}

static void drive(ic_fixture *ic, unsigned input, bool level) {
    irq_set(&ic->f->ctx.irq_in[input], level);
}

static void test_reset_state(void) {
    ic_fixture ic;
    setup(&ic);
    fixture *f = ic.f;
    /* Linux's FW_BUG check reads the enables and FIQ control: all must be 0. */
    for (unsigned off = 0; off <= DISABLE_BASIC; off += 4)
        CHECK_EQ_U64(rd32(f, off), 0);
    CHECK(!irq_level(&ic.irq) && !irq_level(&ic.fiq));
    fixture_free(f);
}

static void test_masked_views(void) {
    ic_fixture ic;
    setup(&ic);
    fixture *f = ic.f;
    drive(&ic, 29, true); /* mini UART */
    /* Masked: invisible everywhere, so the chained handler's loop ends. */
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 0);
    CHECK_EQ_U64(rd32(f, PENDING1), 0);
    CHECK(!irq_level(&ic.irq));
    wr32(f, ENABLE1, 1u << 29);
    CHECK_EQ_U64(rd32(f, ENABLE1), 1u << 29);
    CHECK_EQ_U64(rd32(f, DISABLE1), 1u << 29); /* disable reads the enables too */
    CHECK_EQ_U64(rd32(f, PENDING1), 1u << 29);
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 1u << 8); /* "pending 1 non-empty", no shortcut */
    CHECK(irq_level(&ic.irq));
    /* W1S: enabling another line keeps 29; W1C: disabling 29 keeps the other. */
    wr32(f, ENABLE1, 1u << 3);
    CHECK_EQ_U64(rd32(f, ENABLE1), (1u << 29) | (1u << 3));
    wr32(f, DISABLE1, 1u << 29);
    CHECK_EQ_U64(rd32(f, ENABLE1), 1u << 3);
    CHECK_EQ_U64(rd32(f, PENDING1), 0);
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 0);
    CHECK(!irq_level(&ic.irq));
    /* Re-enabled: the level is still there; the source dropping clears everything. */
    wr32(f, ENABLE1, 1u << 29);
    CHECK(irq_level(&ic.irq));
    drive(&ic, 29, false);
    CHECK_EQ_U64(rd32(f, PENDING1), 0);
    CHECK(!irq_level(&ic.irq));
    /* Pending registers are read-only. */
    drive(&ic, 29, true);
    wr32(f, PENDING1, 0xFFFFFFFF);
    wr32(f, BASIC_PENDING, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(f, PENDING1), 1u << 29);
    fixture_free(f);
}

static void test_bank2_and_shortcuts(void) {
    ic_fixture ic;
    setup(&ic);
    fixture *f = ic.f;
    drive(&ic, 57, true); /* PL011: <2 25> */
    drive(&ic, 40, true); /* another bank 2 line, not a shortcut */
    CHECK_EQ_U64(rd32(f, PENDING2), 0);
    wr32(f, ENABLE2, 1u << 25);
    CHECK_EQ_U64(rd32(f, PENDING2), 1u << 25); /* 40 still masked */
    /* Bit 9 (pending 2 non-empty) and shortcut bit 19 (GPU 57 is the 10th shortcut). */
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), (1u << 9) | (1u << 19));
    CHECK(irq_level(&ic.irq));
    wr32(f, ENABLE2, 1u << 8);
    CHECK_EQ_U64(rd32(f, PENDING2), (1u << 25) | (1u << 8));
    wr32(f, DISABLE2, 1u << 25);
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 1u << 9); /* 40 is not a shortcut */
    wr32(f, DISABLE2, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(f, ENABLE2), 0);
    CHECK(!irq_level(&ic.irq));
    /* Every shortcut: GPU 7, 9, 10, 18, 19, 53-57, 62 -> bits 10..20. */
    static const unsigned shortcut[] = {7, 9, 10, 18, 19, 53, 54, 55, 56, 57, 62};
    for (unsigned i = 0; i < 11; i++) {
        unsigned n = shortcut[i];
        drive(&ic, n, true);
        wr32(f, n < 32 ? ENABLE1 : ENABLE2, 1u << (n % 32));
        uint32_t bank_bit = n < 32 ? 1u << 8 : 1u << 9;
        CHECK_EQ_U64(rd32(f, BASIC_PENDING), bank_bit | (1u << (10 + i)));
        wr32(f, n < 32 ? DISABLE1 : DISABLE2, 1u << (n % 32));
        drive(&ic, n, false);
    }
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 0);
    fixture_free(f);
}

static void test_basic_arm_irqs(void) {
    ic_fixture ic;
    setup(&ic);
    fixture *f = ic.f;
    drive(&ic, IN_ARM0 + 1, true); /* ARM mailbox */
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 0);
    wr32(f, ENABLE_BASIC, 0xFFFFFFFF);
    CHECK_EQ_U64(rd32(f, ENABLE_BASIC), 0xFF); /* 8 ARM interrupts */
    CHECK_EQ_U64(rd32(f, BASIC_PENDING), 1u << 1);
    CHECK_EQ_U64(rd32(f, PENDING1) | rd32(f, PENDING2), 0);
    CHECK(irq_level(&ic.irq));
    wr32(f, DISABLE_BASIC, 1u << 1);
    CHECK_EQ_U64(rd32(f, ENABLE_BASIC), 0xFD);
    CHECK_EQ_U64(rd32(f, DISABLE_BASIC), 0xFD);
    CHECK(!irq_level(&ic.irq));
    fixture_free(f);
}

static void test_fiq(void) {
    ic_fixture ic;
    setup(&ic);
    fixture *f = ic.f;
    wr32(f, FIQ_CONTROL, 0x80 | 57);
    CHECK_EQ_U64(rd32(f, FIQ_CONTROL), 0x80 | 57);
    CHECK(!irq_level(&ic.fiq));
    drive(&ic, 57, true);
    CHECK(irq_level(&ic.fiq));
    CHECK(!irq_level(&ic.irq)); /* not enabled as an IRQ */
    wr32(f, FIQ_CONTROL, 57);   /* FIQ disabled */
    CHECK(!irq_level(&ic.fiq));
    wr32(f, FIQ_CONTROL, 0x80 | (IN_ARM0 + 0)); /* ARM timer as FIQ */
    drive(&ic, IN_ARM0, true);
    CHECK(irq_level(&ic.fiq));
    drive(&ic, IN_ARM0, false);
    CHECK(!irq_level(&ic.fiq));
    wr32(f, FIQ_CONTROL, 0x80 | 0x7F); /* no such source: warned, never fires */
    CHECK(!irq_level(&ic.fiq));
    fixture_free(f);
}

int main(void) {
    test_reset_state();
    test_masked_views();
    test_bank2_and_shortcuts();
    test_basic_arm_irqs();
    test_fiq();
    return check_report("devices_bcm2835_armctrl_ic");
}
