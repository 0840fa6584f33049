/* RNG: STATUS word count follows RBGEN, DATA is deterministic for a seed and differs across
 * seeds, reset restarts the stream, INT_MASK gates the interrupt level. */
#include "check.h"
#include "device_fixture.h"

#define BASE 0x3f104000ull

enum { RNG_CTRL = 0x00, RNG_STATUS = 0x04, RNG_DATA = 0x08, RNG_INT_MASK = 0x10 };

/* bcm2835_rng_init then bcm2835_rng_read of n words. */
static void read_words(fixture *f, uint32_t *out, unsigned n) {
    wr32(f, RNG_STATUS, 0x40000); /* warm-up count */
    wr32(f, RNG_CTRL, 1);         /* RBGEN */
    unsigned got = 0;
    while (got < n) {
        unsigned avail = (unsigned)(rd32(f, RNG_STATUS) >> 24);
        CHECK(avail > 0);
        if (!avail) return;
        for (unsigned i = 0; i < avail && got < n; i++)
            out[got++] = (uint32_t)rd32(f, RNG_DATA);
    }
}

int main(void) {
    const char *const seed1[] = {"seed", "1", NULL};
    const char *const seed2[] = {"seed", "2", NULL};
    fixture *a = fixture_new("bcm2835-rng", BASE, seed1);
    fixture *b = fixture_new("bcm2835-rng", BASE, seed1);
    fixture *c = fixture_new("bcm2835-rng", BASE, seed2);

    /* Disabled: no words, DATA empty, no interrupt. */
    CHECK_EQ_U64(rd32(a, RNG_STATUS), 0);
    CHECK_EQ_U64(rd32(a, RNG_DATA), 0);
    CHECK(!irq_level(&a->irq));
    wr32(a, RNG_STATUS, 0x40000);
    wr32(a, RNG_CTRL, 1);
    CHECK_EQ_U64(rd32(a, RNG_STATUS), 0x04040000); /* 4 words | warm-up count */
    CHECK(irq_level(&a->irq));
    wr32(a, RNG_INT_MASK, 1); /* INT_OFF */
    CHECK(!irq_level(&a->irq));
    CHECK_EQ_U64(rd32(a, RNG_INT_MASK), 1);
    wr32(a, RNG_STATUS, 0xFF000000); /* the count is read-only */
    CHECK_EQ_U64(rd32(a, RNG_STATUS), 0x04000000);
    a->ctx.type->reset(a->state);

    uint32_t wa[16], wb[16], wc[16], wa2[16];
    read_words(a, wa, 16);
    read_words(b, wb, 16);
    read_words(c, wc, 16);
    CHECK(memcmp(wa, wb, sizeof wa) == 0); /* same seed, same words */
    CHECK(memcmp(wa, wc, sizeof wa) != 0); /* another seed, other words */
    unsigned distinct = 0;
    for (unsigned i = 1; i < 16; i++)
        distinct += wa[i] != wa[i - 1];
    CHECK(distinct >= 14); /* not a constant */
    /* Reset restarts the stream: a rebooted guest sees the same numbers. */
    a->ctx.type->reset(a->state);
    read_words(a, wa2, 16);
    CHECK(memcmp(wa, wa2, sizeof wa) == 0);
    /* Disabling stops the flow. */
    wr32(a, RNG_CTRL, 0);
    CHECK_EQ_U64(rd32(a, RNG_STATUS) >> 24, 0);

    fixture_free(a);
    fixture_free(b);
    fixture_free(c);
    return check_report("devices_bcm2835_rng");
}
