/* BCM2836 local block at 0x40000000 (BCM2836/7 "ARM control", QA7 rev 3.4): the per-core root
 * interrupt controller, the 16 per-core mailboxes, the local timer and core-timer storage.
 *
 * What Linux 6.1 relies on (drivers/irqchip/irq-bcm2836.c, include/linux/irqchip/irq-bcm2836.h):
 * it writes CONTROL = 0 and PRESCALER = 0x80000000, never writes GPU routing (reset 0: every SoC
 * interrupt goes to core 0), read-modify-writes the per-core timer control to unmask CNTV (local
 * hwirq 3), sets bit 0 of each core's mailbox control at CPU bring-up, sends IPIs by writing a bit
 * into mailbox 0 of the target core (write-1-to-set) and acks them with write-1-to-clear, and its
 * handler reads the core's IRQ source register and takes the lowest set bit. PMU masking goes
 * through the routing set/clear pair. 32-bit kernels release secondaries through mailbox 3.
 *
 * Every source is a level and the outputs are recomputed on every change: a core's IRQ pin is the
 * OR of its IRQ source bits, its FIQ pin the OR of its FIQ source bits. Devices do not know which
 * core is accessing, which is fine: every per-core register has its own address.
 *
 * Inputs (see LINT_IN_*): 4 * core + timer for the generic timer lines (CNTPS, CNTPNS, CNTHP,
 * CNTV; the board wires them with `timer.virt = local_intc:3+4*core`), 16 the GPU IRQ and 17 the
 * GPU FIQ from the ARM interrupt controller, 18 + core the per-core PMU lines.
 * Outputs: irq0..irq3 then fiq0..fiq3 (to the CPU pins, cpuN:irq / cpuN:fiq). */
#include <stdint.h>
#include <string.h>

#include "soc/device.h"
#include "soc/log.h"

#define LINT_CORES 4

/* Register offsets. */
enum {
    LINT_CONTROL = 0x00,       /* bit 8 core-timer source (0 crystal), bit 9 increment by 2 */
    LINT_PRESCALER = 0x08,     /* core-timer rate = crystal * 2^31 / value; Linux writes 2^31 */
    LINT_GPU_ROUTING = 0x0C,   /* [1:0] core taking the GPU IRQ, [3:2] the GPU FIQ */
    LINT_PMU_SET = 0x10,       /* write 1s: bits 0-3 PMU IRQ to core n, 4-7 PMU FIQ to core n */
    LINT_PMU_CLR = 0x14,       /* write 1s: clear the same bits */
    LINT_TIMER_LS = 0x1C,      /* core timer, low word (storage: unused by Linux) */
    LINT_TIMER_MS = 0x20,      /* core timer, high word (storage) */
    LINT_LOCAL_ROUTING = 0x24, /* [2:0] local timer: 0-3 IRQ of core n, 4-7 FIQ of core n-4 */
    LINT_AXI_COUNT = 0x2C,     /* AXI outstanding counters (storage) */
    LINT_AXI_IRQ = 0x30,       /* AXI outstanding IRQ (storage; never raises bit 10) */
    LINT_LTIMER_CTRL = 0x34,   /* [27:0] reload, 28 enable, 29 IRQ enable, 31 IRQ flag (RO) */
    LINT_LTIMER_FLAGS = 0x38,  /* write: 31 clear the IRQ flag, 30 reload the counter */
    LINT_TIMER_CTL0 = 0x40,    /* + 4n: bits 0-3 timer IRQ enables, 4-7 FIQ enables (override) */
    LINT_MBOX_CTL0 = 0x50,     /* + 4n: bits 0-3 mailbox IRQ enables, 4-7 FIQ enables (override) */
    LINT_IRQ_SRC0 = 0x60,      /* + 4n: RO, computed; see SRC_* */
    LINT_FIQ_SRC0 = 0x70,      /* + 4n: RO, computed */
    LINT_MBOX_SET0 = 0x80,     /* + 16n + 4m: mailbox m of core n, write 1s to set */
    LINT_MBOX_CLR0 = 0xC0,     /* + 16n + 4m: read the mailbox, write 1s to clear */
    LINT_SIZE = 0x100,
};

/* Source register bits (IRQ and FIQ views alike). */
enum {
    SRC_TIMERS = 0x00F, /* bit t: generic timer t (CNTPS, CNTPNS, CNTHP, CNTV) */
    SRC_MBOX_SHIFT = 4, /* bits 4-7: mailboxes 0-3 */
    SRC_GPU = 1u << 8,
    SRC_PMU = 1u << 9,
    SRC_AXI = 1u << 10, /* never set: AXI counters are not modelled */
    SRC_LTIMER = 1u << 11,
};

enum {
    LTIMER_RELOAD = 0x0FFFFFFF,
    LTIMER_ENABLE = 1u << 28,
    LTIMER_IRQ_ENABLE = 1u << 29,
    LTIMER_FLAG = 1u << 31,
    LTIMER_CLEAR_FLAG = 1u << 31, /* in LINT_LTIMER_FLAGS */
    LTIMER_RELOAD_NOW = 1u << 30,
};

/* The local timer counts the 38.4 MHz reference clock (QA7; the Pi 3's rate is unverified). */
#define LTIMER_HZ 38400000ull

/* Inputs. */
enum {
    LINT_IN_TIMER0 = 0, /* 4 * core + timer */
    LINT_IN_GPU_IRQ = 16,
    LINT_IN_GPU_FIQ = 17,
    LINT_IN_PMU0 = 18, /* + core */
    LINT_N_INPUTS = 22,
};

/* Registers that are plain storage, with their write masks. */
static const struct {
    uint32_t offset, mask;
} lint_storage[] = {
    {LINT_CONTROL, 0x300},       {LINT_PRESCALER, 0xFFFFFFFF}, {LINT_TIMER_LS, 0xFFFFFFFF},
    {LINT_TIMER_MS, 0xFFFFFFFF}, {LINT_AXI_COUNT, 0xFFFFFFFF}, {LINT_AXI_IRQ, 0xFFFFFFFF},
};
#define N_STORAGE (sizeof lint_storage / sizeof lint_storage[0])

typedef struct bcm2836_local_intc {
    dev_ctx *ctx;
    unsigned cores; /* outputs of cores >= this are never driven */
    uint32_t storage[N_STORAGE];
    uint32_t gpu_routing, pmu_routing, local_routing;
    uint32_t timer_ctl[LINT_CORES], mbox_ctl[LINT_CORES];
    uint32_t mbox[LINT_CORES][4];
    uint32_t ltimer_ctrl;      /* reload, enables and the flag */
    vclock_event ltimer_event; /* the next reload: the counter itself is not readable */
} bcm2836_local_intc;

static bool input(const bcm2836_local_intc *s, unsigned n) {
    return s->ctx->irq_in[n].level;
}

/* Sources of one core, split by where their enables send them. */
static void core_sources(const bcm2836_local_intc *s, unsigned core, uint32_t *irq, uint32_t *fiq) {
    uint32_t i = 0, f = 0;
    /* Generic timers: enabled per core in 0x40+4n; the FIQ bit overrides the IRQ bit. */
    for (unsigned t = 0; t < 4; t++) {
        if (!input(s, LINT_IN_TIMER0 + 4 * core + t)) continue;
        if (s->timer_ctl[core] & (0x10u << t))
            f |= 1u << t;
        else if (s->timer_ctl[core] & (1u << t))
            i |= 1u << t;
    }
    /* Mailboxes: pending while non-zero, enabled in 0x50+4n (Linux: bit 0 = IPIs). */
    for (unsigned m = 0; m < 4; m++) {
        if (!s->mbox[core][m]) continue;
        if (s->mbox_ctl[core] & (0x10u << m))
            f |= 1u << (SRC_MBOX_SHIFT + m);
        else if (s->mbox_ctl[core] & (1u << m))
            i |= 1u << (SRC_MBOX_SHIFT + m);
    }
    /* GPU (the ARM interrupt controller): one core each for IRQ and FIQ, chosen by 0x0C. */
    if (input(s, LINT_IN_GPU_IRQ) && (s->gpu_routing & 3) == core) i |= SRC_GPU;
    if (input(s, LINT_IN_GPU_FIQ) && ((s->gpu_routing >> 2) & 3) == core) f |= SRC_GPU;
    /* PMU: per-core routing bits, FIQ overriding IRQ. */
    if (input(s, LINT_IN_PMU0 + core)) {
        if (s->pmu_routing & (0x10u << core))
            f |= SRC_PMU;
        else if (s->pmu_routing & (1u << core))
            i |= SRC_PMU;
    }
    /* Local timer: its flag with IRQ enable, to the one destination 0x24 names. */
    if ((s->ltimer_ctrl & LTIMER_FLAG) && (s->ltimer_ctrl & LTIMER_IRQ_ENABLE)) {
        unsigned dest = s->local_routing & 7;
        if (dest == core) i |= SRC_LTIMER;
        if (dest == core + 4) f |= SRC_LTIMER;
    }
    *irq = i;
    *fiq = f;
}

static void update_outputs(bcm2836_local_intc *s) {
    for (unsigned core = 0; core < s->cores; core++) {
        uint32_t i, f;
        core_sources(s, core, &i, &f);
        irq_set(dev_irq(s->ctx, core), i != 0);
        irq_set(dev_irq(s->ctx, LINT_CORES + core), f != 0);
    }
}

static void lint_input(void *dev, int n, bool level) {
    update_outputs(dev);
}

/* ---- local timer --------------------------------------------------------------------------- */

static uint64_t ltimer_period_ns(const bcm2836_local_intc *s) {
    uint64_t reload = s->ltimer_ctrl & LTIMER_RELOAD;
    return (reload * 1000000000ull + LTIMER_HZ - 1) / LTIMER_HZ;
}

/* Counts down from the reload value; at zero it sets the flag and starts again. */
static void ltimer_arm(bcm2836_local_intc *s, uint64_t start_ns) {
    vclock *c = s->ctx->clock;
    if (!c) return;
    vclock_cancel(c, &s->ltimer_event);
    if (!(s->ltimer_ctrl & LTIMER_ENABLE)) return;
    if (!(s->ltimer_ctrl & LTIMER_RELOAD)) {
        soc_warn("%s: local timer enabled with reload 0 (not counting)", s->ctx->name);
        return;
    }
    vclock_schedule(c, &s->ltimer_event, start_ns + ltimer_period_ns(s));
}

static void ltimer_fired(void *opaque, uint64_t now_ns) {
    bcm2836_local_intc *s = opaque;
    s->ltimer_ctrl |= LTIMER_FLAG;
    ltimer_arm(s, now_ns);
    update_outputs(s);
}

/* ---- registers ----------------------------------------------------------------------------- */

static int storage_index(uint64_t offset) {
    for (unsigned i = 0; i < N_STORAGE; i++)
        if (lint_storage[i].offset == offset) return (int)i;
    return -1;
}

static uint32_t source_reg(const bcm2836_local_intc *s, unsigned core, bool fiq) {
    uint32_t i, f;
    core_sources(s, core, &i, &f);
    return fiq ? f : i;
}

static uint64_t lint_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2836_local_intc *s = opaque;
    int st = storage_index(offset);
    if (st >= 0) return s->storage[st];
    if (offset >= LINT_MBOX_SET0 && offset < LINT_SIZE) {
        /* 0x80-0xBF are write-only on hardware; both views read the mailbox. */
        unsigned idx = (unsigned)(offset - LINT_MBOX_SET0) % 0x40 / 4;
        return s->mbox[idx / 4][idx % 4];
    }
    unsigned core = (unsigned)(offset & 0xF) / 4;
    switch (offset & ~0xFull) {
    case LINT_TIMER_CTL0: return s->timer_ctl[core];
    case LINT_MBOX_CTL0: return s->mbox_ctl[core];
    case LINT_IRQ_SRC0: return source_reg(s, core, false);
    case LINT_FIQ_SRC0: return source_reg(s, core, true);
    default: break;
    }
    switch (offset) {
    case LINT_GPU_ROUTING: return s->gpu_routing;
    case LINT_PMU_SET:
    case LINT_PMU_CLR: return s->pmu_routing;
    case LINT_LOCAL_ROUTING: return s->local_routing;
    case LINT_LTIMER_CTRL: return s->ltimer_ctrl;
    case LINT_LTIMER_FLAGS: return 0;
    default: dev_warn_unimp(s->ctx, offset, false, 0); return 0;
    }
}

static void lint_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2836_local_intc *s = opaque;
    uint32_t v = (uint32_t)value;
    int st = storage_index(offset);
    if (st >= 0) {
        if (v & ~lint_storage[st].mask) dev_warn_unimp(s->ctx, offset, true, v);
        s->storage[st] = v & lint_storage[st].mask;
        return;
    }
    if (offset >= LINT_MBOX_SET0 && offset < LINT_SIZE) {
        unsigned idx = (unsigned)(offset - LINT_MBOX_SET0) % 0x40 / 4;
        if (offset < LINT_MBOX_CLR0)
            s->mbox[idx / 4][idx % 4] |= v; /* IPI send (Linux: mailbox 0, bit = IPI number) */
        else
            s->mbox[idx / 4][idx % 4] &= ~v; /* IPI ack */
        update_outputs(s);
        return;
    }
    unsigned core = (unsigned)(offset & 0xF) / 4;
    switch (offset & ~0xFull) {
    case LINT_TIMER_CTL0: s->timer_ctl[core] = v & 0xFF; break; /* Linux: RMW of CNTV's bit */
    case LINT_MBOX_CTL0: s->mbox_ctl[core] = v & 0xFF; break;
    case LINT_IRQ_SRC0:
    case LINT_FIQ_SRC0: break; /* read-only */
    default:
        switch (offset) {
        case LINT_GPU_ROUTING:
            s->gpu_routing = v & 0xF;
            if ((v & 3) >= s->cores || ((v >> 2) & 3) >= s->cores)
                soc_warn("%s: GPU interrupt routed to a core that does not exist (0x%x)",
                         s->ctx->name, v);
            break;
        case LINT_PMU_SET: s->pmu_routing |= v & 0xFF; break;  /* PMU unmask */
        case LINT_PMU_CLR: s->pmu_routing &= ~v & 0xFF; break; /* PMU mask */
        case LINT_LOCAL_ROUTING: s->local_routing = v & 7; break;
        case LINT_LTIMER_CTRL: {
            uint32_t old = s->ltimer_ctrl;
            s->ltimer_ctrl =
                (old & LTIMER_FLAG) | (v & (LTIMER_RELOAD | LTIMER_ENABLE | LTIMER_IRQ_ENABLE));
            if ((old ^ s->ltimer_ctrl) & (LTIMER_RELOAD | LTIMER_ENABLE))
                ltimer_arm(s, s->ctx->clock ? vclock_now(s->ctx->clock) : 0);
            break;
        }
        case LINT_LTIMER_FLAGS:
            if (v & LTIMER_CLEAR_FLAG) s->ltimer_ctrl &= ~LTIMER_FLAG;
            if (v & LTIMER_RELOAD_NOW) ltimer_arm(s, s->ctx->clock ? vclock_now(s->ctx->clock) : 0);
            break;
        default: dev_warn_unimp(s->ctx, offset, true, v); return;
        }
    }
    update_outputs(s);
}

static int lint_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2836_local_intc *s = dev;
    s->ctx = ctx;
    s->cores = (unsigned)dev_prop_u64(ctx, "cores");
    vclock_event_init(&s->ltimer_event, ctx->name, ltimer_fired, s);
    return 0;
}

static void lint_reset(void *dev) {
    bcm2836_local_intc *s = dev;
    if (s->ctx->clock) vclock_cancel(s->ctx->clock, &s->ltimer_event);
    memset(s->storage, 0, sizeof s->storage);
    s->gpu_routing = s->pmu_routing = s->local_routing = s->ltimer_ctrl = 0;
    memset(s->timer_ctl, 0, sizeof s->timer_ctl);
    memset(s->mbox_ctl, 0, sizeof s->mbox_ctl);
    memset(s->mbox, 0, sizeof s->mbox);
    /* Inputs keep their levels (their sources drive them); the outputs follow. */
    update_outputs(s);
}

static void lint_unrealize(void *dev) {
    bcm2836_local_intc *s = dev;
    if (s->ctx->clock) vclock_cancel(s->ctx->clock, &s->ltimer_event);
}

static const dev_region lint_regions[] = {
    {.name = "regs",
     .size = LINT_SIZE,
     .ops = {.read = lint_read,
             .write = lint_write,
             .valid_min = 4,
             .valid_max = 8,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop lint_props[] = {
    {.name = "cores",
     .kind = PROP_U64,
     .default_value = "4",
     .min = 1,
     .max = LINT_CORES,
     .help = "number of cores whose IRQ/FIQ outputs are driven"},
};

static const char *const lint_irq_outputs[] = {"irq0", "irq1", "irq2", "irq3",
                                               "fiq0", "fiq1", "fiq2", "fiq3"};

const dev_type bcm2836_local_intc_type = {
    .name = "bcm2836-local-intc",
    .description = "BCM2836 local block: per-core IRQ/FIQ routing, mailboxes, local timer",
    .state_size = sizeof(bcm2836_local_intc),
    .regions = lint_regions,
    .n_regions = 1,
    .props = lint_props,
    .n_props = sizeof lint_props / sizeof lint_props[0],
    .irq_outputs = lint_irq_outputs,
    .n_irq_outputs = sizeof lint_irq_outputs / sizeof lint_irq_outputs[0],
    .n_irq_inputs = LINT_N_INPUTS,
    .irq_input = lint_input,
    .realize = lint_realize,
    .reset = lint_reset,
    .unrealize = lint_unrealize,
};
