/* A bare bus with RAM, the BCM2835 DMA controller and the sdhost with its SD card, wired as the
 * rpi3 board wires them (sdhost DREQ -> DMA DREQ input 13), with plain lines as interrupt sinks.
 * No CPU, no board: register accesses go through bus_read/bus_write as a CPU's would. */
#ifndef TESTS_SD_RIG_H
#define TESTS_SD_RIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "soc/bus.h"
#include "soc/clock.h"
#include "soc/device.h"

enum {
    RIG_RAM_SIZE = 16 * 1024 * 1024,
    RIG_DMA = 0x3F007000,
    RIG_SDHOST = 0x3F202000,
    RIG_SDHCI = 0x3F300000,
};

typedef struct rig_dev {
    dev_ctx ctx;
    void *state;
} rig_dev;

typedef struct rig {
    bus bus;
    vclock clock;
    rig_dev dma, sdhost;
    irq_line sdhost_irq;
    irq_line dma_irq[16];
    uint8_t *ram;
} rig;

static inline void rig_device(rig *r, rig_dev *d, const char *type, uint64_t base,
                              const char *const *props) {
    const dev_type *t = dev_type_find(type);
    char err[300];
    if (!t) abort();
    d->state = calloc(1, t->state_size);
    d->ctx.type = t;
    d->ctx.name = type;
    d->ctx.bus = &r->bus;
    d->ctx.clock = &r->clock;
    for (unsigned i = 0; i < t->n_props; i++) {
        d->ctx.prop_values[i] = t->props[i].default_value;
        for (const char *const *p = props; p && *p; p += 2)
            if (strcmp(p[0], t->props[i].name) == 0) d->ctx.prop_values[i] = p[1];
    }
    for (unsigned n = 0; n < t->n_irq_inputs; n++)
        irq_line_init(&d->ctx.irq_in[n], type, t->irq_input, d->state, (int)n);
    if (bus_add_mmio(&r->bus, type, base, t->regions[0].size, &t->regions[0].ops, d->state, err,
                     sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

/* image: path or NULL (empty slot). Returns NULL (with the reason printed) if realize fails. */
static inline rig *rig_new(const char *image, char *err, size_t errlen) {
    rig *r = calloc(1, sizeof *r);
    char msg[300];
    bus_init(&r->bus, BUS_UNMAPPED_RAZ_WI);
    vclock_init(&r->clock);
    if (bus_add_ram(&r->bus, "ram", 0, RIG_RAM_SIZE, NULL, msg, sizeof msg) < 0) abort();
    uint64_t avail;
    r->ram = bus_ram_ptr(&r->bus, 0, true, &avail);
    const char *sd_props[] = {"sd-image", image ? image : "", NULL};
    rig_device(r, &r->dma, "bcm2835-dma", RIG_DMA, NULL);
    rig_device(r, &r->sdhost, "bcm2835-sdhost", RIG_SDHOST, sd_props);
    irq_line_init(&r->sdhost_irq, "sdhost-irq", NULL, NULL, 0);
    r->sdhost.ctx.irq_out[0] = &r->sdhost_irq;
    r->sdhost.ctx.irq_out[1] = &r->dma.ctx.irq_in[13]; /* DREQ 13 */
    for (unsigned i = 0; i < 16; i++) {
        irq_line_init(&r->dma_irq[i], "dma-irq", NULL, NULL, (int)i);
        r->dma.ctx.irq_out[i] = &r->dma_irq[i];
    }
    rig_dev *devs[] = {&r->dma, &r->sdhost};
    for (unsigned i = 0; i < 2; i++) {
        const dev_type *t = devs[i]->ctx.type;
        if (t->realize(devs[i]->state, &devs[i]->ctx, err, errlen) < 0) {
            if (i == 1) devs[0]->ctx.type->unrealize(devs[0]->state);
            bus_destroy(&r->bus);
            free(r->dma.state);
            free(r->sdhost.state);
            free(r);
            return NULL;
        }
    }
    for (unsigned i = 0; i < 2; i++)
        devs[i]->ctx.type->reset(devs[i]->state);
    return r;
}

static inline void rig_free(rig *r) {
    r->sdhost.ctx.type->unrealize(r->sdhost.state);
    r->dma.ctx.type->unrealize(r->dma.state);
    bus_destroy(&r->bus);
    free(r->dma.state);
    free(r->sdhost.state);
    free(r);
}

static inline uint32_t rig_rd(rig *r, uint64_t addr) {
    uint64_t v = 0;
    bus_read(&r->bus, addr, 4, &v);
    return (uint32_t)v;
}
static inline void rig_wr(rig *r, uint64_t addr, uint32_t v) {
    bus_write(&r->bus, addr, 4, v);
}
static inline void rig_run(rig *r, uint64_t ns) {
    vclock_advance(&r->clock, vclock_now(&r->clock) + ns);
}

#endif
