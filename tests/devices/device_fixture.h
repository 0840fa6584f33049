/* One device on a bare bus, with no CPU and no board: a test chardev on its UART side, a plain
 * line as its first interrupt output, the virtual clock to step. Register accesses go through
 * bus_read/bus_write so access-size handling is exercised as a CPU would. */
#ifndef TESTS_DEVICE_FIXTURE_H
#define TESTS_DEVICE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "soc/bus.h"
#include "soc/clock.h"
#include "soc/device.h"

typedef struct test_chardev {
    chardev chr;
    char out[4096]; /* what the guest transmitted */
    size_t n_out;
} test_chardev;

static void test_chardev_write(chardev *c, const uint8_t *data, size_t len) {
    test_chardev *t = (test_chardev *)c;
    for (size_t i = 0; i < len && t->n_out + 1 < sizeof t->out; i++)
        t->out[t->n_out++] = data[i];
    t->out[t->n_out] = '\0';
}

/* The network port the next fixture_new hands a NIC (dev_type.net_port), NULL = none. */
static struct netport *fixture_next_net;

typedef struct fixture {
    bus bus;
    vclock clock;
    dev_ctx ctx;
    void *state;
    irq_line irq; /* the device's output 0; no handler, only the level */
    test_chardev tc;
    uint64_t base;
} fixture;

/* props: NULL-terminated name, value pairs overriding the type's defaults. */
static inline fixture *fixture_new(const char *type_name, uint64_t base, const char *const *props) {
    fixture *f = calloc(1, sizeof *f);
    const dev_type *t = dev_type_find(type_name);
    if (!f || !t) abort();
    char err[200];
    bus_init(&f->bus, BUS_UNMAPPED_RAZ_WI);
    vclock_init(&f->clock);
    f->base = base;
    f->state = calloc(1, t->state_size);
    f->tc.chr.name = "test";
    f->tc.chr.write = test_chardev_write;
    f->ctx.type = t;
    f->ctx.name = type_name;
    f->ctx.bus = &f->bus;
    f->ctx.clock = &f->clock;
    f->ctx.chr = &f->tc.chr;
    if (t->net_port) f->ctx.net = fixture_next_net;
    irq_line_init(&f->irq, "test-sink", NULL, NULL, 0);
    f->ctx.irq_out[0] = &f->irq;
    for (unsigned i = 0; i < t->n_props; i++) {
        f->ctx.prop_values[i] = t->props[i].default_value;
        for (const char *const *p = props; p && *p; p += 2)
            if (strcmp(p[0], t->props[i].name) == 0) f->ctx.prop_values[i] = p[1];
    }
    if (bus_add_mmio(&f->bus, type_name, base, t->regions[0].size, &t->regions[0].ops, f->state,
                     err, sizeof err) < 0 ||
        t->realize(f->state, &f->ctx, err, sizeof err) < 0)
        abort();
    t->reset(f->state);
    return f;
}

static inline void fixture_free(fixture *f) {
    if (f->ctx.type->unrealize) f->ctx.type->unrealize(f->state);
    bus_destroy(&f->bus);
    free(f->state);
    free(f);
}

static inline uint64_t rd(fixture *f, uint64_t off, unsigned size) {
    uint64_t v = 0;
    bus_read(&f->bus, f->base + off, size, &v);
    return v;
}
static inline void wr(fixture *f, uint64_t off, unsigned size, uint64_t v) {
    bus_write(&f->bus, f->base + off, size, v);
}
#define rd32(f, off)    rd((f), (off), 4)
#define wr32(f, off, v) wr((f), (off), 4, (v))

/* Host-side input, as the console backend delivers it: only what the UART says it can take. */
static inline size_t host_send(fixture *f, const char *text) {
    size_t len = strlen(text);
    unsigned room = f->tc.chr.can_receive ? f->tc.chr.can_receive(f->tc.chr.fe_opaque) : 0;
    if (len > room) len = room;
    if (len) f->tc.chr.receive(f->tc.chr.fe_opaque, (const uint8_t *)text, len);
    return len;
}

#endif
