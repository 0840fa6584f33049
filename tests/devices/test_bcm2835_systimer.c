/* The BCM2835 system timer (notes section 2.9): a 1 MHz counter from the virtual clock, compares
 * matching at the right virtual time (across the 32-bit wrap), CS match bits W1C, and GPU IRQ
 * 0-3 levels that follow the match bits. */
#include "check.h"
#include "device_fixture.h"

enum { CS = 0x00, CLO = 0x04, CHI = 0x08, C0 = 0x0C };
#define BASE 0x3f003000u
#define US   1000ull /* ns */

typedef struct st_fixture {
    fixture *f;
    irq_line irq[4]; /* GPU IRQs 0-3 */
} st_fixture;

static void setup(st_fixture *st) {
    fixture *f = fixture_new("bcm2835-system-timer", BASE, NULL);
    const dev_type *t = f->ctx.type;
    for (unsigned i = 0; i < 4; i++) {
        char name[4] = {'c', (char)('0' + i), 0};
        irq_line_init(&st->irq[i], "gpu", NULL, NULL, 0);
        f->ctx.irq_out[dev_irq_output_index(t, name)] = &st->irq[i];
    }
    st->f = f;
}

static unsigned levels(const st_fixture *st) {
    unsigned m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (irq_level(&st->irq[i])) m |= 1u << i;
    return m;
}

static void test_counter(void) {
    st_fixture st;
    setup(&st);
    fixture *f = st.f;
    CHECK_EQ_U64(rd32(f, CLO), 0);
    vclock_advance(&f->clock, 5 * US + 999);
    CHECK_EQ_U64(rd32(f, CLO), 5); /* whole microseconds */
    CHECK_EQ_U64(rd32(f, CHI), 0);
    vclock_advance(&f->clock, ((1ull << 32) + 7) * US);
    CHECK_EQ_U64(rd32(f, CLO), 7);
    CHECK_EQ_U64(rd32(f, CHI), 1);
    wr32(f, CLO, 0); /* read-only: warned */
    CHECK_EQ_U64(rd32(f, CLO), 7);
    fixture_free(f);
}

static void test_compare_match_and_w1c(void) {
    st_fixture st;
    setup(&st);
    fixture *f = st.f;
    vclock_advance(&f->clock, 5000 * US + 300);
    /* 32-bit Linux's set_next_event: C1 = CLO + delta. */
    wr32(f, C0 + 4, rd32(f, CLO) + 100);
    CHECK_EQ_U64(rd32(f, C0 + 4), 5100);
    vclock_advance(&f->clock, 5100 * US - 1);
    CHECK_EQ_U64(rd32(f, CS), 0);
    CHECK_EQ_U64(levels(&st), 0);
    vclock_advance(&f->clock, 5100 * US); /* the tick where CLO becomes 5100 */
    CHECK_EQ_U64(rd32(f, CS), 1u << 1);
    CHECK_EQ_U64(levels(&st), 1u << 1);
    /* A level while the bit is set; W1C of another bit changes nothing. */
    vclock_advance(&f->clock, 6000 * US);
    CHECK_EQ_U64(levels(&st), 1u << 1);
    wr32(f, CS, 1u << 3);
    CHECK_EQ_U64(rd32(f, CS), 1u << 1);
    wr32(f, CS, 1u << 1); /* the ack */
    CHECK_EQ_U64(rd32(f, CS), 0);
    CHECK_EQ_U64(levels(&st), 0);
    /* Two compares at once, each to its own line; they fire in time order. */
    wr32(f, C0 + 12, 6050);
    wr32(f, C0, 6020);
    vclock_advance(&f->clock, 6030 * US);
    CHECK_EQ_U64(rd32(f, CS), 1u << 0);
    vclock_advance(&f->clock, 6050 * US);
    CHECK_EQ_U64(rd32(f, CS), (1u << 0) | (1u << 3));
    CHECK_EQ_U64(levels(&st), (1u << 0) | (1u << 3));
    wr32(f, CS, 0xF);
    CHECK_EQ_U64(levels(&st), 0);
    /* Rewriting a compare before it matches moves the deadline. */
    wr32(f, C0 + 8, 7000);
    wr32(f, C0 + 8, 8000);
    vclock_advance(&f->clock, 7500 * US);
    CHECK_EQ_U64(rd32(f, CS), 0);
    vclock_advance(&f->clock, 8000 * US);
    CHECK_EQ_U64(rd32(f, CS), 1u << 2);
    fixture_free(f);
}

static void test_wrap(void) {
    st_fixture st;
    setup(&st);
    fixture *f = st.f;
    uint64_t start = (1ull << 32) - 10; /* CLO = 0xFFFFFFF6 */
    vclock_advance(&f->clock, start * US);
    CHECK_EQ_U64(rd32(f, CLO), 0xFFFFFFF6);
    wr32(f, C0 + 4, 5); /* 15 us ahead, across the wrap */
    vclock_advance(&f->clock, (start + 14) * US);
    CHECK_EQ_U64(rd32(f, CS), 0);
    vclock_advance(&f->clock, (start + 15) * US);
    CHECK_EQ_U64(rd32(f, CS), 1u << 1);
    CHECK_EQ_U64(rd32(f, CHI), 1);
    CHECK_EQ_U64(rd32(f, CLO), 5);
    wr32(f, CS, 2);
    /* A compare equal to CLO now matches only after a full wrap. */
    wr32(f, C0, rd32(f, CLO));
    vclock_advance(&f->clock, (start + 15 + 1000) * US);
    CHECK_EQ_U64(rd32(f, CS), 0);
    CHECK_EQ_U64(vclock_next_deadline(&f->clock), (start + 15 + (1ull << 32)) * US);
    fixture_free(f);
}

static void test_reset(void) {
    st_fixture st;
    setup(&st);
    fixture *f = st.f;
    wr32(f, C0 + 4, 100);
    vclock_advance(&f->clock, 100 * US);
    CHECK_EQ_U64(levels(&st), 1u << 1);
    wr32(f, C0 + 12, 200);
    f->ctx.type->reset(f->state);
    CHECK_EQ_U64(rd32(f, CS), 0);
    CHECK_EQ_U64(rd32(f, C0 + 12), 0);
    CHECK_EQ_U64(levels(&st), 0);
    CHECK_EQ_U64(vclock_next_deadline(&f->clock), VCLOCK_NEVER); /* nothing left scheduled */
    wr32(f, 0x20, 1);                                            /* a hole: warned, ignored */
    CHECK_EQ_U64(rd32(f, 0x20), 0);
    fixture_free(f);
}

int main(void) {
    test_counter();
    test_compare_match_and_w1c();
    test_wrap();
    test_reset();
    return check_report("devices_bcm2835_systimer");
}
