/* BCM2835 hardware random number generator (rng@7e104000 = ARM 0x3F104000).
 *
 * Linux 6.1 drivers/char/hw_random/bcm2835-rng.c (M): init writes the warm-up count 0x40000 to
 * STATUS and RBGEN to CTRL; read() takes STATUS[31:24] words from DATA and sleeps a second
 * whenever that count is 0 — so the count must never stay 0 while the generator is enabled. It
 * registers with quality 0: the data only mixes into the pool. INT_MASK (at 0x10, just past the
 * DT's 0x10-byte window; the driver's ioremap covers the page) masks the interrupt, which Linux
 * never uses.
 *
 * Model: STATUS[31:24] reads 4 while CTRL.RBGEN is set (0 otherwise); DATA serves a deterministic
 * PRNG (splitmix64, two words per step) seeded by the `seed` property, so a run with the same
 * --seed reads the same numbers; reset restarts the stream. STATUS[19:0] (warm-up count) and
 * the other bits are storage. The interrupt output is high while data is available and
 * INT_MASK bit 0 (INT_OFF) is clear. Facts: /work/shared/notes/rpi3-hardware.md section 2.9. */
#include <stdint.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    RNG_CTRL = 0x00,     /* bit 0 RBGEN (generator on), bit 1 RBG2X: storage */
    RNG_STATUS = 0x04,   /* [31:24] words available (RO); [19:0] warm-up count */
    RNG_DATA = 0x08,     /* next 32-bit random word (RO) */
    RNG_FF_THRES = 0x0C, /* FIFO threshold: storage */
    RNG_INT_MASK = 0x10, /* bit 0 INT_OFF */
    RNG_SIZE = 0x20,
};

enum {
    RNG_RBGEN = 1u << 0,
    RNG_INT_OFF = 1u << 0,
    RNG_WORDS_SHIFT = 24,
    RNG_WORDS_AVAILABLE = 4, /* any non-zero count keeps the reader from sleeping */
};

typedef struct bcm2835_rng {
    dev_ctx *ctx;
    uint64_t seed;
    uint64_t state; /* splitmix64 state */
    uint32_t spare; /* second half of the last 64-bit output */
    bool has_spare;
    uint32_t ctrl, status, ff_thres, int_mask;
} bcm2835_rng;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t next_word(bcm2835_rng *r) {
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    uint64_t v = splitmix64(&r->state);
    r->spare = (uint32_t)(v >> 32);
    r->has_spare = true;
    return (uint32_t)v;
}

static bool enabled(const bcm2835_rng *r) {
    return r->ctrl & RNG_RBGEN;
}

static void update_irq(bcm2835_rng *r) {
    irq_set(dev_irq(r->ctx, 0), enabled(r) && !(r->int_mask & RNG_INT_OFF));
}

static uint64_t rng_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_rng *r = opaque;
    switch (offset) {
    case RNG_CTRL: return r->ctrl;
    case RNG_STATUS:
        return (r->status & 0x00FFFFFF) |
               (enabled(r) ? (uint32_t)RNG_WORDS_AVAILABLE << RNG_WORDS_SHIFT : 0);
    case RNG_DATA: return enabled(r) ? next_word(r) : 0; /* an empty FIFO reads 0 */
    case RNG_FF_THRES: return r->ff_thres;
    case RNG_INT_MASK: return r->int_mask;
    default: dev_warn_unimp(r->ctx, offset, false, 0); return 0;
    }
}

static void rng_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_rng *r = opaque;
    switch (offset) {
    case RNG_CTRL: r->ctrl = (uint32_t)value; break;
    case RNG_STATUS: r->status = (uint32_t)value & 0x00FFFFFF; break; /* count is RO */
    case RNG_DATA: break;                                             /* read-only */
    case RNG_FF_THRES: r->ff_thres = (uint32_t)value; break;
    case RNG_INT_MASK: r->int_mask = (uint32_t)value; break;
    default: dev_warn_unimp(r->ctx, offset, true, value); break;
    }
    update_irq(r);
}

static int rng_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_rng *r = dev;
    r->ctx = ctx;
    r->seed = dev_prop_u64(ctx, "seed");
    return 0;
}

static void rng_reset(void *dev) {
    bcm2835_rng *r = dev;
    r->state = r->seed;
    r->has_spare = false;
    r->ctrl = r->status = r->ff_thres = r->int_mask = 0;
    update_irq(r);
}

static const dev_region rng_regions[] = {
    /* 32-bit registers; 0x20 so INT_MASK at 0x10 is inside (the DT says 0x10). */
    {.name = "regs",
     .size = RNG_SIZE,
     .ops = {.read = rng_read,
             .write = rng_write,
             .valid_min = 4,
             .valid_max = 4,
             .impl_min = 4,
             .impl_max = 4}},
};

static const dev_prop rng_props[] = {
    {.name = "seed",
     .kind = PROP_U64,
     .default_value = "0",
     .help = "seed of the deterministic generator behind DATA (the machine's --seed)"},
};

static const char *const rng_irq_outputs[] = {"irq"};

const dev_type bcm2835_rng_type = {
    .name = "bcm2835-rng",
    .description = "BCM2835 RNG: deterministic seeded generator, 4 words always available",
    .state_size = sizeof(bcm2835_rng),
    .regions = rng_regions,
    .n_regions = 1,
    .props = rng_props,
    .n_props = sizeof rng_props / sizeof rng_props[0],
    .irq_outputs = rng_irq_outputs,
    .n_irq_outputs = 1,
    .realize = rng_realize,
    .reset = rng_reset,
};
