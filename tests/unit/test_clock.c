/* Virtual clock: deadline order, FIFO among equal deadlines, cancel, reschedule, events that
 * schedule events while time advances. */
#include "check.h"
#include "soc/clock.h"

static char order[64];
static unsigned n_fired;
static uint64_t fired_at[64];

typedef struct {
    char tag;
    vclock *clock;
    vclock_event ev;
    vclock_event *chain; /* scheduled 5 ns later by this event, if set */
    int repeats;
} tagged;

static void fire(void *opaque, uint64_t now) {
    tagged *t = opaque;
    if (n_fired < 63) {
        fired_at[n_fired] = now;
        order[n_fired++] = t->tag;
        order[n_fired] = 0;
    }
    CHECK_EQ_U64(vclock_now(t->clock), now);
    if (t->chain) vclock_schedule(t->clock, t->chain, now + 5);
    if (t->repeats > 0) {
        t->repeats--;
        vclock_schedule(t->clock, &t->ev, now + 10);
    }
}

static void reset_log(void) {
    n_fired = 0;
    order[0] = 0;
}

static void init_tagged(tagged *t, vclock *c, char tag) {
    memset(t, 0, sizeof *t);
    t->tag = tag;
    t->clock = c;
    vclock_event_init(&t->ev, "t", fire, t);
}

static void test_order(void) {
    vclock c;
    vclock_init(&c);
    tagged t[8];
    const char *tags = "abcdefgh";
    const uint64_t deadlines[8] = {50, 10, 30, 10, 70, 30, 10, 5};
    for (int i = 0; i < 8; i++) {
        init_tagged(&t[i], &c, tags[i]);
        CHECK(vclock_schedule(&c, &t[i].ev, deadlines[i]));
    }
    CHECK_EQ_U64(vclock_next_deadline(&c), 5);
    reset_log();
    vclock_advance(&c, 40);
    /* By deadline; among the 10s and the 30s, in scheduling order. */
    CHECK(strcmp(order, "hbdgcf") == 0);
    CHECK_EQ_U64(fired_at[0], 5);
    CHECK_EQ_U64(fired_at[5], 30);
    CHECK_EQ_U64(vclock_now(&c), 40);
    CHECK(!vclock_event_pending(&t[1].ev));
    CHECK(vclock_event_pending(&t[0].ev));
    vclock_advance(&c, 1000);
    CHECK(strcmp(order, "hbdgcfae") == 0);
    CHECK_EQ_U64(vclock_next_deadline(&c), VCLOCK_NEVER);
}

static void test_cancel_reschedule(void) {
    vclock c;
    vclock_init(&c);
    tagged t[5];
    for (int i = 0; i < 5; i++) {
        init_tagged(&t[i], &c, (char)('a' + i));
        vclock_schedule(&c, &t[i].ev, 100 + 10 * (uint64_t)i);
    }
    vclock_cancel(&c, &t[0].ev); /* the earliest */
    vclock_cancel(&c, &t[3].ev); /* one in the middle */
    vclock_cancel(&c, &t[3].ev); /* twice: harmless */
    CHECK(!vclock_event_pending(&t[0].ev));
    CHECK_EQ_U64(c.n_events, 3);
    CHECK_EQ_U64(vclock_next_deadline(&c), 110);
    vclock_schedule(&c, &t[4].ev, 105); /* reschedule earlier */
    vclock_schedule(&c, &t[1].ev, 200); /* reschedule later */
    CHECK_EQ_U64(c.n_events, 3);
    /* A reschedule to an equal deadline goes after the ones already waiting there. */
    vclock_schedule(&c, &t[2].ev, 105);
    reset_log();
    vclock_advance(&c, 1000);
    CHECK(strcmp(order, "ecb") == 0);
    /* Past deadlines are clamped to now. */
    vclock_schedule(&c, &t[0].ev, 3);
    CHECK_EQ_U64(t[0].ev.deadline_ns, 1000);
}

static void test_chained(void) {
    vclock c;
    vclock_init(&c);
    tagged a, b, p;
    init_tagged(&a, &c, 'a');
    init_tagged(&b, &c, 'b');
    init_tagged(&p, &c, 'p');
    a.chain = &b.ev; /* a at 10 schedules b at 15 */
    p.repeats = 3;   /* p at 12, 22, 32, 42 */
    vclock_schedule(&c, &a.ev, 10);
    vclock_schedule(&c, &p.ev, 12);
    reset_log();
    vclock_advance(&c, 35);
    CHECK(strcmp(order, "apbpp") == 0);
    CHECK_EQ_U64(fired_at[2], 15);
    CHECK_EQ_U64(fired_at[4], 32);
    CHECK_EQ_U64(vclock_next_deadline(&c), 42);
    CHECK_EQ_U64(vclock_now(&c), 35);
}

static void test_heap_stress(void) {
    /* Many events with pseudo-random deadlines and cancellations still fire in order. */
    vclock c;
    vclock_init(&c);
    static tagged t[300];
    uint32_t x = 12345;
    for (int i = 0; i < 300; i++) {
        init_tagged(&t[i], &c, 'x');
        x = x * 1103515245u + 12345u;
        vclock_schedule(&c, &t[i].ev, (x >> 8) % 1000);
    }
    for (int i = 0; i < 300; i += 3)
        vclock_cancel(&c, &t[i].ev);
    CHECK_EQ_U64(c.n_events, 200);
    reset_log();
    uint64_t last = 0;
    bool sorted = true;
    unsigned fired = 0;
    while (vclock_next_deadline(&c) != VCLOCK_NEVER) {
        uint64_t d = vclock_next_deadline(&c);
        if (d < last) sorted = false;
        last = d;
        n_fired = 0;
        vclock_advance(&c, d);
        fired += n_fired;
    }
    CHECK(sorted);
    CHECK_EQ_U64(fired, 200);
}

int main(void) {
    test_order();
    test_cancel_reschedule();
    test_chained();
    test_heap_stress();
    return check_report("unit_clock");
}
