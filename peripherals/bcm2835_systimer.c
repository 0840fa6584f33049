/* BCM2835 system timer (0x7E003000 = ARM 0x3F003000): a free-running 64-bit 1 MHz counter and
 * four 32-bit compare registers raising GPU IRQs 0-3.
 *
 * arm64 Linux 6.1 does not build its driver (BCM2835_TIMER is selected only by 32-bit
 * ARCH_BCM2835); U-Boot reads CLO/CHI for its delays and 32-bit kernels
 * (drivers/clocksource/bcm2835_timer.c) use CLO as a clocksource and C1/C3 as clockevents:
 * write Cn = CLO + delta, take the interrupt, write CS = bit n to acknowledge. C0 and C2 belong to
 * the VideoCore on hardware; here all four behave the same.
 *
 * The counter is the virtual clock in microseconds (vclock_now() / 1000), so it counts from 0 at
 * machine creation. A compare matches when the low 32 bits of the counter become equal to it:
 * each write to Cn schedules one vclock event at that instant (up to 2^32 us ahead, the 32-bit
 * wrap), which sets CS bit n; the GPU IRQ is a level that stays high while the bit is set.
 * Deviation: after a match the next one (2^32 us = 71.6 min later, with no rewrite of Cn) is
 * not scheduled, so an idle machine with nothing else to do can still be recognised as hung. */
#include <stdint.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    ST_CS = 0x00,  /* bits 0-3: compare n matched; write 1s to clear (the IRQ ack) */
    ST_CLO = 0x04, /* counter, low 32 bits (RO) */
    ST_CHI = 0x08, /* counter, high 32 bits (RO) */
    ST_C0 = 0x0C,  /* compares C0-C3 at 0x0C, 0x10, 0x14, 0x18 */
    ST_C3 = 0x18,
    ST_SIZE = 0x1000,
};

#define ST_COMPARES 4
#define NS_PER_TICK 1000ull /* 1 MHz */

typedef struct bcm2835_systimer bcm2835_systimer;

typedef struct st_compare {
    bcm2835_systimer *timer;
    unsigned index;
    vclock_event match;
} st_compare;

struct bcm2835_systimer {
    dev_ctx *ctx;
    uint32_t cs;
    uint32_t cmp[ST_COMPARES];
    st_compare compares[ST_COMPARES];
};

static uint64_t counter(const bcm2835_systimer *s) {
    return s->ctx->clock ? vclock_now(s->ctx->clock) / NS_PER_TICK : 0;
}

/* Output n (GPU IRQ n) is high while match bit n is set. */
static void update_irqs(bcm2835_systimer *s) {
    for (unsigned i = 0; i < ST_COMPARES; i++)
        irq_set(dev_irq(s->ctx, i), s->cs & (1u << i));
}

static void match_fired(void *opaque, uint64_t now_ns) {
    st_compare *c = opaque;
    c->timer->cs |= 1u << c->index;
    update_irqs(c->timer);
}

/* The next tick at which CLO == Cn: 1 to 2^32 ticks ahead (equal now = a full wrap away). */
static void schedule_match(bcm2835_systimer *s, unsigned i) {
    vclock *clk = s->ctx->clock;
    if (!clk) return;
    uint64_t now_ticks = counter(s);
    uint64_t delta = (uint32_t)(s->cmp[i] - (uint32_t)now_ticks);
    if (delta == 0) delta = 1ull << 32;
    vclock_schedule(clk, &s->compares[i].match, (now_ticks + delta) * NS_PER_TICK);
}

static uint64_t st_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_systimer *s = opaque;
    switch (offset) {
    case ST_CS: return s->cs;
    case ST_CLO: return (uint32_t)counter(s);
    case ST_CHI: return (uint32_t)(counter(s) >> 32);
    default:
        if (offset >= ST_C0 && offset <= ST_C3 && !(offset & 3))
            return s->cmp[(offset - ST_C0) / 4];
        dev_warn_unimp(s->ctx, offset, false, 0);
        return 0;
    }
}

static void st_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_systimer *s = opaque;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case ST_CS:
        s->cs &= ~(v & 0xF); /* W1C: the clockevent handler's ack */
        update_irqs(s);
        return;
    case ST_CLO:
    case ST_CHI:
        soc_warn("%s: write 0x%x to the read-only counter (0x%x) ignored", s->ctx->name, v,
                 (unsigned)offset);
        return;
    default:
        if (offset >= ST_C0 && offset <= ST_C3 && !(offset & 3)) {
            unsigned i = (unsigned)(offset - ST_C0) / 4;
            s->cmp[i] = v; /* a new deadline; a match bit already set stays set until cleared */
            schedule_match(s, i);
            return;
        }
        dev_warn_unimp(s->ctx, offset, true, v);
    }
}

static int st_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_systimer *s = dev;
    s->ctx = ctx;
    for (unsigned i = 0; i < ST_COMPARES; i++) {
        s->compares[i].timer = s;
        s->compares[i].index = i;
        vclock_event_init(&s->compares[i].match, ctx->name, match_fired, &s->compares[i]);
    }
    return 0;
}

static void cancel_all(bcm2835_systimer *s) {
    for (unsigned i = 0; i < ST_COMPARES; i++)
        if (s->ctx->clock) vclock_cancel(s->ctx->clock, &s->compares[i].match);
}

static void st_reset(void *dev) {
    bcm2835_systimer *s = dev;
    cancel_all(s);
    s->cs = 0;
    for (unsigned i = 0; i < ST_COMPARES; i++)
        s->cmp[i] = 0;
    update_irqs(s);
}

static void st_unrealize(void *dev) {
    cancel_all(dev);
}

static const dev_region st_regions[] = {
    {.name = "regs",
     .size = ST_SIZE,
     .ops = {.read = st_read,
             .write = st_write,
             .valid_min = 4,
             .valid_max = 8,
             .impl_min = 4,
             .impl_max = 4}},
};

/* GPU IRQs 0-3 (DT: interrupts = <1 0>, <1 1>, <1 2>, <1 3>). */
static const char *const st_irq_outputs[] = {"c0", "c1", "c2", "c3"};

const dev_type bcm2835_systimer_type = {
    .name = "bcm2835-system-timer",
    .description = "BCM2835 system timer: 1 MHz counter, four compares (GPU IRQs 0-3)",
    .state_size = sizeof(bcm2835_systimer),
    .regions = st_regions,
    .n_regions = 1,
    .irq_outputs = st_irq_outputs,
    .n_irq_outputs = ST_COMPARES,
    .realize = st_realize,
    .reset = st_reset,
    .unrealize = st_unrealize,
};
